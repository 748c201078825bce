// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * directory/etcd_http.h over libcurl's multi interface: curl tells us
 * which sockets to watch for what (CURLMOPT_SOCKETFUNCTION, mapped onto
 * loop_add/loop_mod/loop_del) and when it next needs the time
 * (CURLMOPT_TIMERFUNCTION, kept as a deadline); readiness and the
 * deadline go back in through curl_multi_socket_action. Answers are
 * collected in the write callback and handed out only after
 * curl_multi_socket_action returns, so callbacks never run inside curl.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/loop.h"
#include "directory/etcd_http.h"

struct etcd_http_req {
	struct etcd_http *h;
	CURL *easy;
	struct curl_slist *headers;
	bool added;		/* in the multi handle */
	bool dead;		/* done called or cancelled: freed by the next sweep */
	char *buf;		/* the answer so far; a stream's not yet delivered lines */
	size_t len, cap, max;
	size_t line_start;	/* a stream: where its unfinished line starts in buf */
	int write_err;		/* why the write callback stopped the transfer */
	etcd_http_line_fn line;
	etcd_http_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
	struct etcd_http_req *next;
};

struct etcd_http {
	struct loop *loop;
	CURLM *multi;
	int64_t deadline;	/* CLOCK_MONOTONIC ms of curl's timer, -1: none */
	bool timer_set;		/* curl called the timer callback during an action */
	char *cacert, *cert, *key;
	struct etcd_http_req *reqs;
	int depth;		/* inside process(): frees wait for the sweep */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		return -EKEYREJECTED;
	default:
		return -EIO;
	}
}

static void free_req(struct etcd_http_req *r)
{
	if (r->added)
		curl_multi_remove_handle(r->h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->buf);
	free(r);
}

/* Free what is dead, unless a callback up the stack may still hold it. */
static void sweep(struct etcd_http *h)
{
	struct etcd_http_req **p = &h->reqs;

	if (h->depth)
		return;
	while (*p) {
		struct etcd_http_req *r = *p;

		if (r->dead) {
			*p = r->next;
			free_req(r);
		} else {
			p = &r->next;
		}
	}
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct etcd_http_req *r = userp;
	size_t n = size * nmemb;
	const char *nl = NULL;

	if (r->dead)
		return 0;
	/*
	 * A unary answer, or one line of a stream, over the bound stops the
	 * transfer. Lines wholly inside data are shorter than curl's buffer;
	 * the one data finishes and the one it starts are checked.
	 */
	if (r->line) {
		const char *first = memchr(data, '\n', n);
		size_t tail = r->len - r->line_start;

		nl = first ? memrchr(data, '\n', n) : NULL;
		if (first ? tail + (size_t)(first - data) > r->max || (size_t)(data + n - nl - 1) > r->max
			  : tail + n > r->max) {
			r->write_err = -EMSGSIZE;
			return 0;
		}
	} else if (r->len + n > r->max) {
		r->write_err = -EMSGSIZE;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *buf;

		while (cap < r->len + n + 1)
			cap *= 2;
		buf = realloc(r->buf, cap);
		if (!buf) {
			r->write_err = -ENOMEM;
			return 0;
		}
		r->buf = buf;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	if (r->line && nl)
		r->line_start = r->len + (size_t)(nl - data) + 1;
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

/* Hand a stream's complete lines out, until it is cancelled. */
static void deliver_lines(struct etcd_http_req *r)
{
	size_t pos = 0;

	while (!r->dead && pos < r->len) {
		char *nl = memchr(r->buf + pos, '\n', r->len - pos);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - (r->buf + pos));
		*nl = '\0';
		if (n)
			r->line(r->buf + pos, n, r->arg);
		pos += n + 1;
	}
	if (r->dead || !pos)
		return;
	memmove(r->buf, r->buf + pos, r->len - pos);
	r->len -= pos;
	r->line_start = r->line_start > pos ? r->line_start - pos : 0;
	r->buf[r->len] = '\0';
}

static void finish(struct etcd_http_req *r, CURLcode rc)
{
	long status = 0;
	int err = rc == CURLE_WRITE_ERROR && r->write_err ? r->write_err : curl_errno(rc);
	char msg[CURL_ERROR_SIZE + 64];

	curl_multi_remove_handle(r->h->multi, r->easy);
	r->added = false;
	if (r->dead)
		return;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->line && (err || status == 200)) {
		/* What came before the end is good: the lines first, and a last one without '\n'. */
		deliver_lines(r);
		if (!err && r->len && !r->dead) {
			r->line(r->buf, r->len, r->arg);
			r->len = 0;
		}
		if (r->dead)
			return;
	}
	if (err == -EMSGSIZE)
		snprintf(msg, sizeof(msg), "answer over %zu bytes", r->max);
	else if (err == -ENOMEM && rc == CURLE_WRITE_ERROR)
		snprintf(msg, sizeof(msg), "out of memory for the answer");
	else if (err)
		snprintf(msg, sizeof(msg), "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
	else
		snprintf(msg, sizeof(msg), "HTTP %ld", status);
	r->dead = true;
	r->done(err, status, r->buf ? r->buf : "", r->len, msg, r->arg);
}

/* After every curl_multi_socket_action: lines, then finished transfers. */
static void process(struct etcd_http *h)
{
	CURLMsg *m;
	int left;

	h->depth++;
	for (struct etcd_http_req *r = h->reqs; r; r = r->next)
		if (r->line && !r->dead && r->len)
			deliver_lines(r);
	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct etcd_http_req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			finish(r, m->data.result);
	}
	h->depth--;
	sweep(h);
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct etcd_http *h = arg;
	int running, action = 0;

	if (events & (EPOLLIN | EPOLLHUP))
		action |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		action |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		action |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, action, &running);
	process(h);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct etcd_http *h = userp;
	uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	if (what == CURL_POLL_REMOVE) {
		loop_del(h->loop, fd);
		curl_multi_assign(h->multi, fd, NULL);
		return 0;
	}
	if (socketp)
		return loop_mod(h->loop, fd, events) ? -1 : 0;
	if (loop_add(h->loop, fd, events, on_fd, h))
		return -1;
	curl_multi_assign(h->multi, fd, h);
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct etcd_http *h = userp;

	/* One ms more: our clock is in ms, curl's in µs, and early is too early for curl. */
	h->deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms + (timeout_ms > 0);
	h->timer_set = true;
	return 0;
}

int etcd_http_new(struct loop *l, const struct etcd_http_tls *tls, struct etcd_http **out)
{
	static bool curl_ready;
	struct etcd_http *h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return -ENOMEM;
		curl_ready = true;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = l;
	h->deadline = -1;
	h->multi = curl_multi_init();
	if (tls->cacert)
		h->cacert = strdup(tls->cacert);
	if (tls->cert)
		h->cert = strdup(tls->cert);
	if (tls->key)
		h->key = strdup(tls->key);
	if (!h->multi || (tls->cacert && !h->cacert) || (tls->cert && !h->cert) ||
	    (tls->key && !h->key)) {
		etcd_http_free(h);
		return -ENOMEM;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	*out = h;
	return 0;
}

void etcd_http_free(struct etcd_http *h)
{
	if (!h)
		return;
	while (h->reqs) {
		struct etcd_http_req *r = h->reqs;

		h->reqs = r->next;
		free_req(r);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->cacert);
	free(h->cert);
	free(h->key);
	free(h);
}

static int setup_easy(struct etcd_http_req *r, const char *url, const char *body, int timeout_ms)
{
	struct etcd_http *h = r->h;
	CURL *c = r->easy;
	int bad = 0;

	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before bodies over 1 KiB. */
	if (r->headers)
		r->headers = curl_slist_append(r->headers, "Expect:");
	if (!r->headers)
		return -ENOMEM;
	bad |= curl_easy_setopt(c, CURLOPT_URL, url);
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* etcd is no place for a proxy from the environment. */
	bad |= curl_easy_setopt(c, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
	bad |= curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	bad |= curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)r);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	if (!r->line)
		bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	/* A member whose host vanished is noticed on an idle watch too. */
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 5L);
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 2L);
	if (h->cacert)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	if (h->cert)
		bad |= curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert);
	if (h->key)
		bad |= curl_easy_setopt(c, CURLOPT_SSLKEY, h->key);
	return bad ? -EINVAL : 0;
}

int etcd_http_post(struct etcd_http *h, const char *url, const char *body, int timeout_ms,
		   size_t max, etcd_http_line_fn line, etcd_http_done_fn done, void *arg,
		   struct etcd_http_req **out)
{
	struct etcd_http_req *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->h = h;
	r->max = max;
	r->line = line;
	r->done = done;
	r->arg = arg;
	r->easy = curl_easy_init();
	ret = r->easy ? setup_easy(r, url, body, timeout_ms) : -ENOMEM;
	/* Adding starts nothing: curl asks for its timer, the transfer begins at the next tick. */
	if (!ret && curl_multi_add_handle(h->multi, r->easy))
		ret = -ENOMEM;
	if (ret) {
		free_req(r);
		return ret;
	}
	r->added = true;
	r->next = h->reqs;
	h->reqs = r;
	*out = r;
	return 0;
}

void etcd_http_cancel(struct etcd_http_req *r)
{
	if (!r || r->dead)
		return;
	r->dead = true;
	if (r->added) {
		curl_multi_remove_handle(r->h->multi, r->easy);
		r->added = false;
	}
	sweep(r->h);
}

int etcd_http_timeout_ms(const struct etcd_http *h)
{
	int64_t left;

	if (h->deadline < 0)
		return -1;
	left = h->deadline - now_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

void etcd_http_tick(struct etcd_http *h)
{
	int running;
	long t = -1;

	if (h->deadline < 0 || now_ms() < h->deadline)
		return;
	h->timer_set = false;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	/* curl only calls the timer callback on a change: ask it when it did not. */
	if (!h->timer_set) {
		curl_multi_timeout(h->multi, &t);
		h->deadline = t < 0 ? -1 : now_ms() + t + (t > 0);
	}
	process(h);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics endpoint's sockets: accept, read a request head, answer,
 * close. Each connection goes READ -> WRITE -> DRAIN: after the response
 * the write side is shut and what the client still sends is read and
 * thrown away until it closes, so our close never resets a response the
 * client has not read yet. The deadline covers all three.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/model.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/names.h"
#include "metrics/metrics_expo.h"
#include "metrics/metrics_http.h"
#include "metrics/metrics_http_parse.h"

#define ACCEPT_BURST 64

enum conn_state {
	CONN_READ,
	CONN_WRITE,
	CONN_DRAIN,
};

struct http_conn {
	int fd;
	enum conn_state state;
	uint64_t deadline_ms;
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	char in[HTTP_HEAD_MAX];
};

struct metrics_http {
	struct loop *loop;
	int lfd;
	struct metrics_http_config cfg;
	metrics_render_fn render;
	void *arg;
	struct http_conn **conns;	/* cfg.max_clients slots */
	size_t n_conns;
	struct metrics_http_stats st;
	struct sockaddr_storage addr;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- addresses --------------------------------------------------------------- */

int metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[ADDR_STRLEN];
	const char *port;
	uint32_t a4, p;
	uint8_t a6[16];
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - s - 1);
		if (!hlen || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port = end + 2;
		if (addr6_parse(host, a6))
			return -EINVAL;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon && strchr(s, ':') != colon)
			return -EINVAL;	/* an IPv6 address needs its brackets */
		hlen = colon ? (size_t)(colon - s) : 0;
		port = colon ? colon + 1 : s;
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, hlen ? s : METRICS_DEFAULT_ADDR,
		       hlen ? hlen : sizeof(METRICS_DEFAULT_ADDR));
		host[hlen ? hlen : sizeof(METRICS_DEFAULT_ADDR) - 1] = '\0';
		if (addr4_parse(host, &a4))
			return -EINVAL;
	}
	if (u32_parse(port, 65535, &p) || !p)
		return -EINVAL;
	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		memcpy(&sin6->sin6_addr, a6, 16);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		sin->sin_addr.s_addr = a4;
		*len = sizeof(*sin);
	}
	return 0;
}

void metrics_addr_format(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ntohs(sin->sin_port));
	}
}

/* --- connections ------------------------------------------------------------- */

static size_t conn_index(struct metrics_http *h, int fd)
{
	for (size_t i = 0; i < (size_t)h->cfg.max_clients; i++)
		if (h->conns[i] && h->conns[i]->fd == fd)
			return i;
	return (size_t)h->cfg.max_clients;
}

static void conn_close(struct metrics_http *h, size_t i)
{
	struct http_conn *c = h->conns[i];

	loop_del(h->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	h->conns[i] = NULL;
	h->n_conns--;
}

static const struct {
	const char *line;
	const char *body;
} statuses[METRICS_HTTP__MAX] = {
	[METRICS_HTTP_200] = { "200 OK", NULL },
	[METRICS_HTTP_400] = { "400 Bad Request", "Bad Request\n" },
	[METRICS_HTTP_404] = { "404 Not Found", "Not Found: the metrics are at /metrics\n" },
	[METRICS_HTTP_405] = { "405 Method Not Allowed", "Method Not Allowed: GET or HEAD\n" },
	[METRICS_HTTP_431] = { "431 Request Header Fields Too Large",
			       "Request Header Fields Too Large\n" },
	[METRICS_HTTP_500] = { "500 Internal Server Error",
			       "Internal Server Error: the metrics could not be gathered\n" },
};

static const char root_page[] =
	"<html><head><title>warrend</title></head><body>"
	"<h1>warrend</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

/* Status line, headers and (but for HEAD) the body, into c->out. */
static int respond(struct metrics_http *h, struct http_conn *c, enum metrics_http_code code,
		   const char *type, const char *body, size_t blen, bool head)
{
	char hdr[512];
	int n;

	if (!body) {
		body = statuses[code].body;
		blen = strlen(body);
		type = "text/plain; charset=utf-8";
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
		     statuses[code].line, type, blen,
		     code == METRICS_HTTP_405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -EINVAL;
	if (head)
		blen = 0;
	c->out = malloc((size_t)n + blen);
	if (!c->out)
		return -ENOMEM;
	memcpy(c->out, hdr, (size_t)n);
	memcpy(c->out + n, body, blen);
	c->outlen = (size_t)n + blen;
	c->outoff = 0;
	c->state = CONN_WRITE;
	h->st.responses[code]++;
	return 0;
}

/* A whole head (ret > 0) or an error status (ret < 0): build the answer. */
static int answer(struct metrics_http *h, struct http_conn *c, int ret,
		  const struct http_request *req)
{
	bool head = ret > 0 && req->method == HTTP_HEAD;
	char *body = NULL;
	size_t blen = 0;
	int r;

	if (ret == -431)
		return respond(h, c, METRICS_HTTP_431, NULL, NULL, 0, false);
	if (ret < 0)
		return respond(h, c, METRICS_HTTP_400, NULL, NULL, 0, false);
	if (req->method == HTTP_OTHER)
		return respond(h, c, METRICS_HTTP_405, NULL, NULL, 0, false);
	if (req->target == HTTP_TARGET_ROOT)
		return respond(h, c, METRICS_HTTP_200, "text/html; charset=utf-8", root_page,
			       sizeof(root_page) - 1, head);
	if (req->target != HTTP_TARGET_METRICS)
		return respond(h, c, METRICS_HTTP_404, NULL, NULL, 0, head);
	r = h->render(h->arg, &body, &blen);
	if (r) {
		pr_warn("metrics: gathering failed: %s\n", strerror(-r));
		return respond(h, c, METRICS_HTTP_500, NULL, NULL, 0, head);
	}
	r = respond(h, c, METRICS_HTTP_200, EXPO_CONTENT_TYPE, body, blen, head);
	free(body);
	return r;
}

/* Write what the socket takes; returns false once the connection is closed. */
static bool conn_write(struct metrics_http *h, size_t i)
{
	struct http_conn *c = h->conns[i];

	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_mod(h->loop, c->fd, EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			h->st.peer_gone++;
			conn_close(h, i);
			return false;
		}
		c->outoff += (size_t)n;
	}
	/* All out: half-close, then wait for the client's close (or the deadline). */
	free(c->out);
	c->out = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	loop_mod(h->loop, c->fd, EPOLLIN | EPOLLRDHUP);
	return true;
}

static void conn_read(struct metrics_http *h, size_t i)
{
	struct http_conn *c = h->conns[i];
	struct http_request req;
	ssize_t n;
	int ret;

	if (c->state == CONN_DRAIN) {
		char sink[4096];

		/* At most 64 KiB a wakeup: a client that keeps sending meets its deadline. */
		for (int k = 0; k < 16; k++) {
			n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
			if (n > 0 || (n < 0 && errno == EINTR))
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			break;
		}
		if (n > 0)
			return;
		/* The client closed (or failed): so do we. */
		conn_close(h, i);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		h->st.peer_gone++;
		conn_close(h, i);
		return;
	}
	c->inlen += (size_t)n;
	ret = http_parse_request(c->in, c->inlen, &req);
	if (ret == 0 && c->inlen == sizeof(c->in))
		ret = -431;
	if (ret == 0)
		return;
	if (answer(h, c, ret, &req)) {
		conn_close(h, i);
		return;
	}
	conn_write(h, i);
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct metrics_http *h = arg;
	size_t i = conn_index(h, fd);

	if (i == (size_t)h->cfg.max_clients)
		return;
	if (h->conns[i]->state == CONN_WRITE) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_write(h, i);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		conn_read(h, i);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct metrics_http *h = arg;

	for (int k = 0; k < ACCEPT_BURST; k++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct http_conn *c;
		size_t i;

		if (cfd < 0)
			return;
		h->st.accepted++;
		for (i = 0; i < (size_t)h->cfg.max_clients && h->conns[i]; i++)
			;
		c = i < (size_t)h->cfg.max_clients ? malloc(sizeof(*c)) : NULL;
		if (!c || loop_add(h->loop, cfd, EPOLLIN | EPOLLRDHUP, on_conn, h)) {
			/* Taken off the backlog, so it does not wait there: closed at once. */
			h->st.over_limit++;
			free(c);
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->state = CONN_READ;
		c->deadline_ms = now_ms() + (uint64_t)h->cfg.deadline_ms;
		c->inlen = 0;
		c->out = NULL;
		c->outlen = c->outoff = 0;
		h->conns[i] = c;
		h->n_conns++;
	}
}

/* --- life cycle -------------------------------------------------------------- */

int metrics_http_start(struct metrics_http **out, struct loop *l,
		       const struct sockaddr_storage *addr, socklen_t addrlen,
		       const struct metrics_http_config *cfg, metrics_render_fn render, void *arg,
		       char *err)
{
	struct metrics_http *h;
	char a[ADDR_STRLEN + 8];
	socklen_t alen = sizeof(h->addr);
	int one = 1, ret;

	metrics_addr_format(addr, a, sizeof(a));
	if (cfg->max_clients < 1 || cfg->deadline_ms < 1) {
		snprintf(err, ERR_SIZE, "metrics on %s: bad limits", a);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		h->conns = calloc((size_t)cfg->max_clients, sizeof(*h->conns));
	if (!h || !h->conns) {
		free(h);
		snprintf(err, ERR_SIZE, "metrics: out of memory");
		return -ENOMEM;
	}
	h->loop = l;
	h->cfg = *cfg;
	h->render = render;
	h->arg = arg;
	h->lfd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0)
		goto fail_errno;
	/* A restarted agent binds again while its old connections sit in TIME_WAIT. */
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6)
		setsockopt(h->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->lfd, (const struct sockaddr *)addr, addrlen) || listen(h->lfd, 64) ||
	    getsockname(h->lfd, (struct sockaddr *)&h->addr, &alen))
		goto fail_errno;
	ret = loop_add(l, h->lfd, EPOLLIN, on_accept, h);
	if (ret) {
		snprintf(err, ERR_SIZE, "metrics on %s: event loop: %s", a, strerror(-ret));
		goto fail;
	}
	*out = h;
	return 0;
fail_errno:
	ret = -errno;
	snprintf(err, ERR_SIZE, "metrics on %s: %s", a, strerror(errno));
fail:
	if (h->lfd >= 0)
		close(h->lfd);
	free(h->conns);
	free(h);
	return ret;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < (size_t)h->cfg.max_clients; i++)
		if (h->conns[i])
			conn_close(h, i);
	loop_del(h->loop, h->lfd);
	close(h->lfd);
	free(h->conns);
	free(h);
}

int metrics_http_timeout_ms(const struct metrics_http *h)
{
	uint64_t now, next = UINT64_MAX;

	if (!h || !h->n_conns)
		return -1;
	for (size_t i = 0; i < (size_t)h->cfg.max_clients; i++)
		if (h->conns[i] && h->conns[i]->deadline_ms < next)
			next = h->conns[i]->deadline_ms;
	now = now_ms();
	return next <= now ? 0 : (int)(next - now);
}

void metrics_http_tick(struct metrics_http *h)
{
	uint64_t now = now_ms();

	if (!h)
		return;
	for (size_t i = 0; i < (size_t)h->cfg.max_clients; i++) {
		struct http_conn *c = h->conns[i];

		if (!c || c->deadline_ms > now)
			continue;
		/* One that had its whole answer and only has not closed yet is no loss. */
		if (c->state != CONN_DRAIN)
			h->st.deadline++;
		conn_close(h, i);
	}
}

const struct metrics_http_stats *metrics_http_get_stats(const struct metrics_http *h)
{
	return &h->st;
}

size_t metrics_http_clients(const struct metrics_http *h)
{
	return h->n_conns;
}

void metrics_http_addr(const struct metrics_http *h, char *buf, size_t size)
{
	metrics_addr_format(&h->addr, buf, size);
}

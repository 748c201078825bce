// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The etcd client (directory/etcd.h): its members, the request queue and
 * time. Requests wait in the order they were queued and go out up to
 * ETCD_MAX_IN_FLIGHT at once, each on its own connection; a request that
 * writes a key waits for every earlier request on an overlapping key or
 * prefix, so two changes to one key are applied in the order they were
 * asked for even though the connections race.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "directory/etcd_int.h"
#include "lib/log.h"

#define ETCD_MAX_IN_FLIGHT 8
#define ETCD_MAX_QUEUE 65536
#define ETCD_DEFAULT_TIMEOUT_MS 3000

enum req_state {
	REQ_WAITING,
	REQ_IN_FLIGHT,
	REQ_FAILED,		/* could not be sent: its callback comes at the next tick */
};

struct etcd_request {
	struct etcd *e;
	enum etcd_op op;
	enum req_state state;
	char *body;
	uint8_t *key;		/* for the order of writes; NULL for lease requests */
	size_t key_len;
	bool prefix;
	etcd_cb cb;
	void *arg;
	uint32_t tried;		/* members this request went to */
	size_t member;		/* the one it is at */
	int err;		/* REQ_FAILED's error; else -ETIMEDOUT once a member timed out */
	char msg[ETCD_MSG_SIZE];
	struct etcd_http_req *http;
	struct etcd_request *prev, *next;
};

int64_t etcd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int etcd_pick_member(const struct etcd *e, uint32_t tried)
{
	for (size_t i = 0; i < e->n_members; i++) {
		size_t m = (e->cur + i) % e->n_members;

		if (!(tried & (1u << m)))
			return (int)m;
	}
	return -1;
}

/* Logged when a member goes from answering to not and back, not at every retry. */
void etcd_member_failed(struct etcd *e, size_t m, const char *why)
{
	bool was_up = !(e->down & (1u << m));

	e->down |= 1u << m;
	if (m == e->cur && e->n_members > 1)
		e->cur = (m + 1) % e->n_members;
	if (was_up && e->cur != m)
		pr_info("etcd: %s; now using %s\n", why, e->members[e->cur]);
	else if (was_up)
		pr_info("etcd: %s\n", why);
}

void etcd_member_ok(struct etcd *e, size_t m)
{
	if (!(e->down & (1u << m)))
		return;
	e->down &= ~(1u << m);
	pr_info("etcd: %s answers again\n", e->members[m]);
}

const char *etcd_member(const struct etcd *e)
{
	return e->members[e->cur];
}

/* --- configuration ----------------------------------------------------------- */

/* scheme://host[:port], a trailing '/' allowed: a copy without it, or NULL with err. */
static char *member_url(const char *u, char *err)
{
	const char *host = !strncmp(u, "http://", 7) ? u + 7 : !strncmp(u, "https://", 8) ? u + 8 : NULL;
	size_t len = strlen(u);

	if (!host) {
		snprintf(err, 256, "etcd member \"%.64s\": not an http:// or https:// URL", u);
		return NULL;
	}
	if (len && u[len - 1] == '/')
		len--;
	if (len > 200 || host >= u + len || *host == ':' || *host == '/' ||
	    strcspn(host, "/?#@ \t\r\n") < (size_t)(u + len - host)) {
		snprintf(err, 256, "etcd member \"%.64s\": give scheme://host:port only", u);
		return NULL;
	}
	return strndup(u, len);
}

static int check_file(const char *what, const char *path, char *err)
{
	if (!path || !access(path, R_OK))
		return 0;
	snprintf(err, 256, "etcd %s %.180s: %s", what, path, strerror(errno));
	return -EINVAL;
}

int etcd_new(struct loop *l, const struct etcd_config *cfg, struct etcd **out, char *err)
{
	struct etcd_http_tls tls = { cfg->cacert, cfg->cert, cfg->key };
	struct etcd *e;
	int ret;

	*out = NULL;
	if (!cfg->n_members || cfg->n_members > ETCD_MAX_MEMBERS) {
		snprintf(err, 256, "etcd: %zu members (1 to %d)", cfg->n_members, ETCD_MAX_MEMBERS);
		return -EINVAL;
	}
	if (cfg->timeout_ms < 0) {
		snprintf(err, 256, "etcd: timeout %d ms", cfg->timeout_ms);
		return -EINVAL;
	}
	if (cfg->key && !cfg->cert) {
		snprintf(err, 256, "etcd: a client key without its certificate");
		return -EINVAL;
	}
	ret = check_file("CA file", cfg->cacert, err) ?: check_file("certificate", cfg->cert, err) ?:
	      check_file("key", cfg->key, err);
	if (ret)
		return ret;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->loop = l;
	e->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : ETCD_DEFAULT_TIMEOUT_MS;
	for (size_t i = 0; i < cfg->n_members; i++) {
		if (!cfg->members[i]) {
			snprintf(err, 256, "etcd: member %zu is missing", i);
			ret = -EINVAL;
			goto fail;
		}
		e->members[i] = member_url(cfg->members[i], err);
		if (!e->members[i]) {
			ret = -EINVAL;
			goto fail;
		}
		e->n_members++;
	}
	ret = etcd_http_new(l, &tls, &e->http);
	if (ret) {
		snprintf(err, 256, "etcd: %s", strerror(-ret));
		goto fail;
	}
	*out = e;
	return 0;
fail:
	etcd_free(e);
	return ret;
}

static void free_request(struct etcd_request *q)
{
	etcd_http_cancel(q->http);
	free(q->body);
	free(q->key);
	free(q);
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	while (e->reqs) {
		struct etcd_request *q = e->reqs;

		e->reqs = q->next;
		free_request(q);
	}
	etcd_watch_free_all(e);
	etcd_http_free(e->http);
	for (size_t i = 0; i < e->n_members; i++)
		free(e->members[i]);
	free(e);
}

/* --- the queue --------------------------------------------------------------- */

static bool is_write(enum etcd_op op)
{
	return op == ETCD_OP_PUT || op == ETCD_OP_DELETE || op == ETCD_OP_CREATE;
}

static bool starts_with(const struct etcd_request *a, const struct etcd_request *p)
{
	return a->key_len >= p->key_len && !memcmp(a->key, p->key, p->key_len);
}

static bool overlap(const struct etcd_request *a, const struct etcd_request *b)
{
	return (a->key_len == b->key_len && !memcmp(a->key, b->key, a->key_len)) ||
	       (a->prefix && starts_with(b, a)) || (b->prefix && starts_with(a, b));
}

/* An earlier request on an overlapping key, one of the two a write: q waits for it. */
static bool must_wait(const struct etcd_request *q)
{
	if (!q->key)
		return false;
	for (const struct etcd_request *p = q->e->reqs; p != q; p = p->next)
		if (p->key && (is_write(p->op) || is_write(q->op)) && overlap(p, q))
			return true;
	return false;
}

static void on_done(int err, long status, const char *body, size_t len, const char *msg, void *arg);

/* Send q to its next member: 0, -EHOSTUNREACH when it has been to every one, or -errno. */
static int send_request(struct etcd_request *q)
{
	struct etcd *e = q->e;
	int m = etcd_pick_member(e, q->tried);
	char url[320];
	int ret;

	if (m < 0)
		return -EHOSTUNREACH;
	snprintf(url, sizeof(url), "%s%s", e->members[m], etcd_op_path(q->op));
	ret = etcd_http_post(e->http, url, q->body, e->timeout_ms, ETCD_MAX_REPLY, NULL, on_done, q,
			     &q->http);
	if (ret)
		return ret;
	q->member = (size_t)m;
	q->tried |= 1u << m;
	return 0;
}

static void pump(struct etcd *e)
{
	for (struct etcd_request *q = e->reqs; q && e->in_flight < ETCD_MAX_IN_FLIGHT; q = q->next) {
		int ret;

		if (q->state != REQ_WAITING || must_wait(q))
			continue;
		ret = send_request(q);
		if (ret) {
			q->state = REQ_FAILED;
			q->err = ret;
			snprintf(q->msg, sizeof(q->msg), "%s: %s", etcd_op_name(q->op), strerror(-ret));
			continue;
		}
		q->state = REQ_IN_FLIGHT;
		e->in_flight++;
	}
}

/* The request's end: off the queue, its callback, and the next ones out. */
static void complete(struct etcd_request *q, const struct etcd_result *r)
{
	struct etcd *e = q->e;

	if (q->prev)
		q->prev->next = q->next;
	else
		e->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		e->reqs_tail = q->prev;
	e->n_reqs--;
	if (q->state == REQ_IN_FLIGHT)
		e->in_flight--;
	q->http = NULL;
	if (q->cb) {
		e->depth++;
		q->cb(e, r, q->arg);
		e->depth--;
	}
	free_request(q);
	pump(e);
	etcd_watch_sweep(e);
}

static void complete_err(struct etcd_request *q, int err, const char *msg)
{
	struct etcd_result r = { .err = err, .msg = msg };

	complete(q, &r);
}

/* A member that does not answer hands the request on; one that answers ends it. */
static void on_done(int err, long status, const char *body, size_t len, const char *msg, void *arg)
{
	struct etcd_request *q = arg;
	struct etcd *e = q->e;
	const char *url = e->members[q->member];
	char why[ETCD_MSG_SIZE];
	struct etcd_reply rep;
	int ret;

	q->http = NULL;
	if (err == -EMSGSIZE || err == -ENOMEM) {
		snprintf(why, sizeof(why), "%s at %s: %s", etcd_op_name(q->op), url, msg);
		complete_err(q, err, why);
		return;
	}
	if (err) {
		snprintf(q->msg, sizeof(q->msg), "%s: %s", url, msg);
		if (err == -ETIMEDOUT)
			q->err = -ETIMEDOUT;
		etcd_member_failed(e, q->member, q->msg);
		ret = send_request(q);
		if (!ret)
			return;
		snprintf(why, sizeof(why), "%s: %s (last: %s)", etcd_op_name(q->op),
			 ret == -EHOSTUNREACH ? "no etcd member answered" : strerror(-ret), q->msg);
		complete_err(q, ret != -EHOSTUNREACH ? ret : q->err ? q->err : -EHOSTUNREACH, why);
		return;
	}
	etcd_member_ok(e, q->member);
	etcd_msg_reply(q->op, status, body, len, &rep);
	if (rep.res.err) {
		snprintf(why, sizeof(why), "%s at %s: %s", etcd_op_name(q->op), url, rep.msg);
		rep.res.msg = why;
	}
	complete(q, &rep.res);
	etcd_reply_free(&rep);
}

static int queue(struct etcd *e, enum etcd_op op, const struct etcd_args *a, etcd_cb cb, void *arg)
{
	struct etcd_request *q;

	if (e->n_reqs >= ETCD_MAX_QUEUE)
		return -ENOBUFS;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->e = e;
	q->op = op;
	q->cb = cb;
	q->arg = arg;
	q->body = etcd_msg_request(op, a);
	if (a->key) {
		q->key = malloc(a->key_len ? a->key_len : 1);
		if (q->key)
			memcpy(q->key, a->key, a->key_len);
		q->key_len = a->key_len;
		q->prefix = a->prefix;
	}
	if (!q->body || (a->key && !q->key)) {
		free_request(q);
		return -ENOMEM;
	}
	q->prev = e->reqs_tail;
	if (e->reqs_tail)
		e->reqs_tail->next = q;
	else
		e->reqs = q;
	e->reqs_tail = q;
	e->n_reqs++;
	/* Sending only hands the request to curl: the callback cannot come from here. */
	pump(e);
	return 0;
}

/* etcd wants a key; a prefix may be empty (every key). */
static int check_key(const void *key, size_t len, bool prefix)
{
	return (!key && len) || (!len && !prefix) ? -EINVAL : 0;
}

int etcd_range(struct etcd *e, const void *key, size_t key_len, bool prefix, int64_t revision,
	       etcd_cb cb, void *arg)
{
	struct etcd_args a = { .key = key ? key : "", .key_len = key_len, .prefix = prefix,
			       .revision = revision };

	if (check_key(key, key_len, prefix) || revision < 0)
		return -EINVAL;
	return queue(e, ETCD_OP_RANGE, &a, cb, arg);
}

int etcd_put(struct etcd *e, const void *key, size_t key_len, const void *value, size_t value_len,
	     int64_t lease, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .key = key, .key_len = key_len, .value = value,
			       .value_len = value_len, .lease = lease };

	if (check_key(key, key_len, false) || (!value && value_len) || lease < 0)
		return -EINVAL;
	return queue(e, ETCD_OP_PUT, &a, cb, arg);
}

int etcd_delete(struct etcd *e, const void *key, size_t key_len, bool prefix, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .key = key ? key : "", .key_len = key_len, .prefix = prefix };

	if (check_key(key, key_len, prefix))
		return -EINVAL;
	return queue(e, ETCD_OP_DELETE, &a, cb, arg);
}

int etcd_create(struct etcd *e, const void *key, size_t key_len, const void *value,
		size_t value_len, int64_t lease, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .key = key, .key_len = key_len, .value = value,
			       .value_len = value_len, .lease = lease };

	if (check_key(key, key_len, false) || (!value && value_len) || lease < 0)
		return -EINVAL;
	return queue(e, ETCD_OP_CREATE, &a, cb, arg);
}

int etcd_lease_grant(struct etcd *e, int64_t ttl_s, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .ttl = ttl_s };

	if (ttl_s <= 0)
		return -EINVAL;
	return queue(e, ETCD_OP_GRANT, &a, cb, arg);
}

int etcd_lease_keepalive(struct etcd *e, int64_t lease_id, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .lease = lease_id };

	if (lease_id <= 0)
		return -EINVAL;
	return queue(e, ETCD_OP_KEEPALIVE, &a, cb, arg);
}

int etcd_lease_revoke(struct etcd *e, int64_t lease_id, etcd_cb cb, void *arg)
{
	struct etcd_args a = { .lease = lease_id };

	if (lease_id <= 0)
		return -EINVAL;
	return queue(e, ETCD_OP_REVOKE, &a, cb, arg);
}

/* --- time ---------------------------------------------------------------------- */

int etcd_next_timeout_ms(const struct etcd *e)
{
	int t = etcd_http_timeout_ms(e->http);
	int64_t due = etcd_watch_due(e);

	for (const struct etcd_request *q = e->reqs; q; q = q->next)
		if (q->state == REQ_FAILED)
			return 0;
	if (due >= 0) {
		int64_t left = due - etcd_now_ms();
		int w = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;

		if (t < 0 || w < t)
			t = w;
	}
	return t;
}

void etcd_tick(struct etcd *e)
{
	struct etcd_request *q, *next;

	etcd_http_tick(e->http);
	etcd_watch_tick(e, etcd_now_ms());
	/* Callbacks may queue more (at the tail) but end no other request. */
	for (q = e->reqs; q; q = next) {
		next = q->next;
		if (q->state == REQ_FAILED)
			complete_err(q, q->err, q->msg);
	}
}

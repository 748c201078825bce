// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Watches (directory/etcd.h): one /v3/watch stream each, on the current
 * member. The watch remembers the revision it must deliver next; when
 * its stream breaks it opens a new one there, on the next member, so
 * events are neither missed nor repeated. A round of every member with
 * no stream opened waits (1 s, then 2 s) before the next; after
 * ETCD_WATCH_ROUNDS rounds the watch is lost (-EHOSTUNREACH).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/etcd_int.h"

#define ETCD_WATCH_ROUNDS 3
#define ETCD_WATCH_RETRY_MS 100	/* after running out of memory */

struct etcd_watch {
	struct etcd *e;
	uint8_t *prefix;
	size_t prefix_len;
	int64_t next_rev;	/* the first revision not delivered yet; 0: from now */
	etcd_events_fn events;
	etcd_lost_fn lost;
	void *arg;
	struct etcd_http_req *http;
	size_t member;		/* where the stream is */
	bool created;		/* etcd said the stream's watch is open */
	bool stopped;		/* lost or cancelled: nothing more happens */
	bool cancelled;		/* freed at the next sweep */
	uint32_t tried;		/* members tried since a stream last opened */
	int rounds;		/* rounds of all members without a stream opened */
	int64_t retry_at;	/* ms to connect again, -1: no */
	int64_t open_by;	/* ms by which etcd must say "created", -1: no */
	char why[ETCD_MSG_SIZE];	/* the last failure */
	struct etcd_watch *next;
};

static void lose(struct etcd_watch *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lose(struct etcd_watch *w, int err, const char *fmt, ...)
{
	struct etcd *e = w->e;
	char msg[ETCD_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->stopped = true;
	etcd_http_cancel(w->http);
	w->http = NULL;
	w->retry_at = w->open_by = -1;
	if (w->lost) {
		e->depth++;
		w->lost(e, err, msg, w->arg);
		e->depth--;
	}
}

static void on_line(const char *line, size_t len, void *arg);
static void on_end(int err, long status, const char *body, size_t len, const char *msg, void *arg);

static void watch_connect(struct etcd_watch *w)
{
	struct etcd *e = w->e;
	int m = etcd_pick_member(e, w->tried);
	int64_t now = etcd_now_ms();
	char url[320], *body;
	int ret;

	if (m < 0) {
		if (++w->rounds >= ETCD_WATCH_ROUNDS) {
			lose(w, -EHOSTUNREACH, "watch: no etcd member answered in %d rounds (last: %s)",
			     w->rounds, w->why);
			return;
		}
		w->tried = 0;
		w->retry_at = now + (1000 << (w->rounds - 1));
		return;
	}
	body = etcd_msg_watch_create(w->prefix, w->prefix_len, w->next_rev);
	snprintf(url, sizeof(url), "%s/v3/watch", e->members[m]);
	ret = body ? etcd_http_post(e->http, url, body, e->timeout_ms, ETCD_MAX_WATCH_MSG, on_line,
				    on_end, w, &w->http) : -ENOMEM;
	free(body);
	if (ret) {
		w->retry_at = now + ETCD_WATCH_RETRY_MS;
		return;
	}
	w->member = (size_t)m;
	w->tried |= 1u << m;
	w->created = false;
	w->open_by = now + e->timeout_ms;
}

/* The stream broke or never opened: try the next member. */
static void stream_failed(struct etcd_watch *w, const char *why)
{
	snprintf(w->why, sizeof(w->why), "%s: %s", w->e->members[w->member], why);
	etcd_member_failed(w->e, w->member, w->why);
	etcd_http_cancel(w->http);
	w->http = NULL;
	w->created = false;
	w->open_by = -1;
	watch_connect(w);
}

static void deliver(struct etcd_watch *w, const struct etcd_watch_msg *m)
{
	struct etcd *e = w->e;
	size_t first = 0, n = m->n_events;
	int64_t last;

	if (!n) {
		/* A progress notice: everything up to its revision has been sent. */
		if (!m->created && w->created && m->revision >= w->next_rev)
			w->next_rev = m->revision + 1;
		return;
	}
	/* A resumed stream never repeats, but be sure: nothing twice. */
	while (first < n && m->events[first].kv.mod_revision < w->next_rev)
		first++;
	if (first == n)
		return;
	last = m->events[n - 1].kv.mod_revision;
	w->next_rev = last + 1;
	if (w->events) {
		e->depth++;
		w->events(e, m->events + first, n - first, last, w->arg);
		e->depth--;
	}
}

static void on_line(const char *line, size_t len, void *arg)
{
	struct etcd_watch *w = arg;
	struct etcd *e = w->e;
	const char *url = e->members[w->member];
	struct etcd_watch_msg m;

	if (w->stopped)
		return;
	etcd_msg_watch(line, len, &m);
	if (m.err == -EAGAIN) {
		stream_failed(w, m.msg);
	} else if (m.err) {
		lose(w, m.err, "watch at %s: %s", url, m.msg);
	} else if (m.canceled && m.compact_revision) {
		lose(w, -ESTALE, "watch at %s: revision %" PRId64 " is compacted (etcd keeps %" PRId64
		     " on): reload", url, w->next_rev, m.compact_revision);
	} else if (m.canceled) {
		lose(w, -EIO, "watch at %s canceled: %s", url, m.msg);
	} else {
		if (m.created && !w->created) {
			etcd_member_ok(e, w->member);
			w->created = true;
			w->open_by = -1;
			w->tried = 1u << w->member;
			w->rounds = 0;
			if (!w->next_rev)
				w->next_rev = m.revision + 1;
		}
		deliver(w, &m);
	}
	etcd_watch_msg_free(&m);
	etcd_watch_sweep(e);
}

static void on_end(int err, long status, const char *body, size_t len, const char *msg, void *arg)
{
	struct etcd_watch *w = arg;
	struct etcd_watch_msg m;

	w->http = NULL;
	if (w->stopped)
		return;
	if (err == -EMSGSIZE || err == -ENOMEM) {
		/* Every member would send the same batch: no use going round. */
		lose(w, err, "watch at %s: %s", w->e->members[w->member], msg);
		etcd_watch_sweep(w->e);
		return;
	}
	if (err || status == 200) {
		stream_failed(w, err ? msg : "the watch stream ended");
		etcd_watch_sweep(w->e);
		return;
	}
	/* etcd refused the watch: an error body, as a unary call has. */
	etcd_msg_watch(body, len, &m);
	if (m.err == -EAGAIN)
		stream_failed(w, m.msg);
	else
		lose(w, m.err ? m.err : -EPROTO, "watch at %s: HTTP %ld: %s",
		     w->e->members[w->member], status, m.err ? m.msg : "no error given");
	etcd_watch_msg_free(&m);
	etcd_watch_sweep(w->e);
}

int etcd_watch(struct etcd *e, const void *prefix, size_t prefix_len, int64_t start_revision,
	       etcd_events_fn events, etcd_lost_fn lost, void *arg, struct etcd_watch **out)
{
	struct etcd_watch *w;

	if ((!prefix && prefix_len) || start_revision < 0 || !out)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->prefix = malloc(prefix_len ? prefix_len : 1);
	if (!w->prefix) {
		free(w);
		return -ENOMEM;
	}
	if (prefix_len)
		memcpy(w->prefix, prefix, prefix_len);
	w->e = e;
	w->prefix_len = prefix_len;
	w->next_rev = start_revision;
	w->events = events;
	w->lost = lost;
	w->arg = arg;
	w->retry_at = w->open_by = -1;
	w->next = e->watches;
	e->watches = w;
	/* With no member tried yet this only hands the stream to curl: no callback. */
	watch_connect(w);
	*out = w;
	return 0;
}

void etcd_watch_cancel(struct etcd_watch *w)
{
	if (!w)
		return;
	w->stopped = w->cancelled = true;
	etcd_http_cancel(w->http);
	w->http = NULL;
	etcd_watch_sweep(w->e);
}

static void free_watch(struct etcd_watch *w)
{
	etcd_http_cancel(w->http);
	free(w->prefix);
	free(w);
}

void etcd_watch_sweep(struct etcd *e)
{
	struct etcd_watch **p = &e->watches;

	if (e->depth)
		return;
	while (*p) {
		struct etcd_watch *w = *p;

		if (w->cancelled) {
			*p = w->next;
			free_watch(w);
		} else {
			p = &w->next;
		}
	}
}

void etcd_watch_free_all(struct etcd *e)
{
	while (e->watches) {
		struct etcd_watch *w = e->watches;

		e->watches = w->next;
		free_watch(w);
	}
}

int64_t etcd_watch_due(const struct etcd *e)
{
	int64_t due = -1;

	for (const struct etcd_watch *w = e->watches; w; w = w->next) {
		if (w->stopped)
			continue;
		if (w->retry_at >= 0 && (due < 0 || w->retry_at < due))
			due = w->retry_at;
		if (w->open_by >= 0 && (due < 0 || w->open_by < due))
			due = w->open_by;
	}
	return due;
}

void etcd_watch_tick(struct etcd *e, int64_t now)
{
	/* lost callbacks may cancel watches: those are only marked until the sweep. */
	e->depth++;
	for (struct etcd_watch *w = e->watches; w; w = w->next) {
		char why[64];

		if (w->stopped)
			continue;
		if (w->open_by >= 0 && now >= w->open_by) {
			snprintf(why, sizeof(why), "no answer to the watch in %d ms", e->timeout_ms);
			stream_failed(w, why);
		} else if (w->retry_at >= 0 && now >= w->retry_at) {
			w->retry_at = -1;
			watch_connect(w);
		}
	}
	e->depth--;
	etcd_watch_sweep(e);
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A client of etcd's v3 API through its JSON gateway (/v3/kv/range,
 * /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn, /v3/lease/grant,
 * /v3/lease/keepalive, /v3/lease/revoke, /v3/watch), asynchronous, driven
 * by the agent's epoll loop (core/loop.h): no call ever blocks, so packets
 * and DNS never wait on etcd. Keys and values are bytes (the gateway
 * carries them base64-encoded; this module hides that).
 *
 * Members: requests go to the current member; on a connection failure
 * or timeout the client moves to the next member of the list and retries
 * the request there (each request at most once per member, then it fails
 * with -EHOSTUNREACH, or -ETIMEDOUT if a member timed out). A request etcd
 * itself refuses (an error body, e.g. no leader, lease not found) is not
 * retried: it fails with that error. A request retried after a timeout
 * may have been applied by the member that timed out: a put is then
 * applied twice (same value), a create finds its own key (succeeded
 * false, the value it wrote), a grant leaves a lease that expires unused.
 *
 * Order: requests are sent in the order queued, up to 8 at once on
 * separate connections; a write (put, delete, create) waits for every
 * earlier request on an overlapping key or prefix, and a read for every
 * earlier write on one, so changes to one key apply in the order asked
 * and a read sees the writes queued before it. At most 65536 requests
 * wait (-ENOBUFS past that).
 *
 * The loop: before each loop_run_once() bound its timeout with
 * etcd_next_timeout_ms(), and after it call etcd_tick() (as server.c does
 * for the DNS shim). Callbacks run from there, never from inside the call
 * that queued the request. Result pointers are valid only during the
 * callback. Inside a callback every call is fine except etcd_free().
 */
#ifndef WARREN_ETCD_H
#define WARREN_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct etcd;
struct etcd_watch;

#define ETCD_MAX_MEMBERS 16

struct etcd_config {
	/* "http://127.0.0.1:2379" or "https://..."; at least one. */
	const char *members[ETCD_MAX_MEMBERS];
	size_t n_members;
	const char *cacert;		/* PEM file to verify members with; NULL: system store */
	const char *cert;		/* client certificate (PEM), NULL for none */
	const char *key;		/* its private key (PEM); NULL: in the cert's file */
	int timeout_ms;			/* per request and member; 0: 3000 */
};

struct etcd_kv {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *value;		/* empty for delete events */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;			/* 0: none */
};

struct etcd_result {
	/*
	 * 0, or: -EHOSTUNREACH (no member answered: refused, TLS failed),
	 * -ETIMEDOUT (no member answered and one of them timed out), -EPROTO
	 * (an answer this client cannot read), -EMSGSIZE (an answer over 64
	 * MiB), -ENOENT (lease not found or expired), -EAGAIN (etcd has no
	 * leader / no quorum / too many requests), -ESTALE (range at a
	 * compacted revision), -EACCES (etcd's authentication), -EIO (any
	 * other error etcd reported). msg says what, with the member's URL.
	 */
	int err;
	const char *msg;
	int64_t revision;		/* the store's revision when it answered */
	/* range, and a create that found the key there already: */
	const struct etcd_kv *kvs;
	size_t n_kvs;
	bool more;			/* range: more keys than the limit */
	/* create (txn): true if the key was absent and is now written */
	bool succeeded;
	/* lease grant and keepalive: */
	int64_t lease_id;
	int64_t ttl;			/* keepalive: 0 or err -ENOENT when the lease is gone */
};

typedef void (*etcd_cb)(struct etcd *e, const struct etcd_result *r, void *arg);

/* Validates cfg (URLs, files readable): -EINVAL with err (256 bytes) set. */
int etcd_new(struct loop *l, const struct etcd_config *cfg, struct etcd **out, char *err);
/* Cancels every request (callbacks not called) and watch. Not from a callback of e. */
void etcd_free(struct etcd *e);
/* The member requests go to now (for status and logs). */
const char *etcd_member(const struct etcd *e);

/*
 * Requests: 0 when queued (cb will be called exactly once), -errno when
 * not (cb not called). cb may be NULL. Revision 0 = latest.
 */
int etcd_range(struct etcd *e, const void *key, size_t key_len, bool prefix,
	       int64_t revision, etcd_cb cb, void *arg);
int etcd_put(struct etcd *e, const void *key, size_t key_len, const void *value,
	     size_t value_len, int64_t lease, etcd_cb cb, void *arg);
int etcd_delete(struct etcd *e, const void *key, size_t key_len, bool prefix,
		etcd_cb cb, void *arg);
/*
 * Create-if-absent in one transaction (compare create_revision == 0, then
 * put, else range): r->succeeded, or the existing key in r->kvs[0].
 */
int etcd_create(struct etcd *e, const void *key, size_t key_len, const void *value,
		size_t value_len, int64_t lease, etcd_cb cb, void *arg);
int etcd_lease_grant(struct etcd *e, int64_t ttl_s, etcd_cb cb, void *arg);
/* One keepalive (the caller repeats it, at TTL/3). */
int etcd_lease_keepalive(struct etcd *e, int64_t lease_id, etcd_cb cb, void *arg);
int etcd_lease_revoke(struct etcd *e, int64_t lease_id, etcd_cb cb, void *arg);

enum etcd_event_type { ETCD_EVENT_PUT, ETCD_EVENT_DELETE };

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv;		/* mod_revision: the event's revision */
};

/*
 * A watch on a prefix from start_revision (0: from now). events gets
 * every batch in revision order (n >= 1; revision is the batch's last
 * event's: everything up to it is delivered). When the stream breaks
 * (member gone, no "created" within timeout_ms) the client reconnects,
 * to the next member, and resumes from the last revision delivered + 1
 * (or past etcd's last progress notice), so nothing is missed or
 * repeated. If that revision was compacted away, lost is called with
 * -ESTALE and the watch stops: the caller reloads (etcd_range at one
 * revision) and watches again from it + 1. Any other end goes to lost
 * too, and the watch stops: -EHOSTUNREACH after 3 rounds of every member
 * with no stream opened (1 s, then 2 s between rounds: about 3 s when
 * all refuse), -EPROTO for garbage, -EMSGSIZE for a batch over 16 MiB,
 * etcd's errors as for requests. A stopped watch stays allocated, inert,
 * until etcd_watch_cancel(), which may be called from any callback
 * (its own too) and is what frees it.
 *
 * Not noticed: a member that keeps the connection but stops answering
 * after "created" (a hung process); TCP keepalive (5 s idle) finds a
 * member whose host is gone.
 */
typedef void (*etcd_events_fn)(struct etcd *e, const struct etcd_event *ev, size_t n,
			       int64_t revision, void *arg);
typedef void (*etcd_lost_fn)(struct etcd *e, int err, const char *msg, void *arg);
int etcd_watch(struct etcd *e, const void *prefix, size_t prefix_len, int64_t start_revision,
	       etcd_events_fn events, etcd_lost_fn lost, void *arg, struct etcd_watch **out);
void etcd_watch_cancel(struct etcd_watch *w);

/* For the loop's timeout: ms until the client needs etcd_tick (-1: none). */
int etcd_next_timeout_ms(const struct etcd *e);
void etcd_tick(struct etcd *e);

#endif

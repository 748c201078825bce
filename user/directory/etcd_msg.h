/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The etcd client's messages (internal to directory/etcd*.c): the JSON
 * bodies it posts to the v3 gateway, and the reading of the gateway's
 * answers into struct etcd_result. The gateway's conventions, as 3.4
 * prints them: keys and values base64, int64 fields as JSON strings,
 * fields at their zero value left out, errors as {"error", "code",
 * "message"} (unary) or {"error": {"grpc_code", "message", ...}} (streams,
 * whose answers are otherwise {"result": {...}}, one per line). Anything
 * else is -EPROTO with what was wrong, never a crash.
 */
#ifndef WARREN_ETCD_MSG_H
#define WARREN_ETCD_MSG_H

#include "directory/etcd.h"

/* A unary answer bigger than this is refused (-EMSGSIZE). */
#define ETCD_MAX_REPLY (64u << 20)
/* One line of a watch stream (one batch of events) bigger than this ends the stream. */
#define ETCD_MAX_WATCH_MSG (16u << 20)

enum etcd_op {
	ETCD_OP_RANGE,
	ETCD_OP_PUT,
	ETCD_OP_DELETE,
	ETCD_OP_CREATE,
	ETCD_OP_GRANT,
	ETCD_OP_KEEPALIVE,
	ETCD_OP_REVOKE,
};

/* The gateway's path for op ("/v3/kv/range") and a name for messages ("range"). */
const char *etcd_op_path(enum etcd_op op);
const char *etcd_op_name(enum etcd_op op);

struct etcd_args {
	const void *key;
	size_t key_len;
	const void *value;
	size_t value_len;
	bool prefix;		/* range/delete: every key starting with key */
	int64_t revision;	/* range */
	int64_t lease;		/* put/create: the lease; keepalive/revoke: the lease's id */
	int64_t ttl;		/* grant */
};

/* The request body of op, malloc'd; NULL when out of memory. */
char *etcd_msg_request(enum etcd_op op, const struct etcd_args *a);
/* The body that opens a watch on prefix from start_revision (0: now). */
char *etcd_msg_watch_create(const void *prefix, size_t prefix_len, int64_t start_revision);

/*
 * An answer read: res points into this struct's storage, valid until
 * etcd_reply_free. res.err is 0, an error etcd reported, -EPROTO or
 * -ENOMEM; res.msg says what (never NULL).
 */
struct etcd_reply {
	struct etcd_result res;
	struct etcd_kv *kvs;
	uint8_t *bytes;		/* the decoded keys and values */
	char msg[256];
};

void etcd_msg_reply(enum etcd_op op, long http_status, const char *body, size_t len,
		    struct etcd_reply *out);
void etcd_reply_free(struct etcd_reply *rep);

/* One message of a watch stream. */
struct etcd_watch_msg {
	int err;		/* 0, an error etcd sent in the stream, -EPROTO, -ENOMEM */
	int grpc_code;		/* of that error: 14 (unavailable) means try elsewhere */
	char msg[256];
	int64_t revision;	/* the header's */
	int64_t watch_id;	/* -1 for a progress answer */
	bool created;
	bool canceled;
	int64_t compact_revision;
	struct etcd_event *events;
	size_t n_events;
	uint8_t *bytes;
};

void etcd_msg_watch(const char *line, size_t len, struct etcd_watch_msg *out);
void etcd_watch_msg_free(struct etcd_watch_msg *m);

/* A gRPC status code etcd reported as -errno (-ENOENT, -EAGAIN, ...). */
int etcd_grpc_errno(int code, const char *message);

#endif

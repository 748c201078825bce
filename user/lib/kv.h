/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol between warrenctl and warrend, in the manner of
 * WireGuard's UAPI: lines of `key=value`, ended by an empty line.
 *
 * Request:   cmd=endpoint-add\nproject=api\n...\n\n
 * Response:  record=endpoint\nid=3\n...\nrecord=endpoint\n...\nerrno=0\n\n
 *            (on failure: error=<one line for people>\nerrno=<positive errno>\n\n)
 *
 * Keys are [a-z0-9-]+, values are printable without newlines. Order is kept.
 */
#ifndef WARREN_KV_H
#define WARREN_KV_H

#include <stddef.h>

/*
 * Responses can be long: status has some 2 KiB per environment (4 MiB at
 * 2000), and the lists grow with the model; the client reads up to this.
 */
#define KV_MAX_MSG (64 << 20)
#define KV_MAX_REQUEST (1 << 20)	/* a whole fleet state (apply); refuse anything bigger */

struct kv_pair {
	char *key;
	char *value;
};

struct kv {
	struct kv_pair *pairs;
	size_t n, cap;
};

void kv_init(struct kv *kv);
void kv_free(struct kv *kv);
/* Append; -EINVAL for a bad key or a value with a newline. */
int kv_add(struct kv *kv, const char *key, const char *value);
int kv_addf(struct kv *kv, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The first value of key, or NULL if it is absent. */
const char *kv_get(const struct kv *kv, const char *key);

/*
 * Parse one message (up to and including its empty line) from buf.
 * Returns the number of bytes consumed, -EAGAIN if the message is not
 * complete yet, -EINVAL if it is malformed.
 */
int kv_parse(const char *buf, size_t len, struct kv *out);
/* Serialise with the terminating empty line; caller frees *out. */
int kv_format(const struct kv *kv, char **out, size_t *len);

#endif

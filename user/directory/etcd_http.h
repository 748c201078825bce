/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP for the etcd client (internal to directory/etcd*.c): POSTs of JSON
 * bodies through libcurl's multi interface, its sockets watched by the
 * agent's loop (core/loop.h) and its timer kept as a deadline for
 * etcd_next_timeout_ms. directory/etcd_http.c is the only file that
 * includes <curl/curl.h>; curl's errors come out as -errno and a message.
 *
 * Callbacks run from etcd_http_tick or from the loop's callback for a
 * socket, never from inside etcd_http_post or etcd_http_cancel, and never
 * from inside libcurl: they may post and cancel requests freely (but not
 * free the etcd_http).
 */
#ifndef WARREN_ETCD_HTTP_H
#define WARREN_ETCD_HTTP_H

#include <stddef.h>

struct loop;
struct etcd_http;
struct etcd_http_req;

struct etcd_http_tls {
	const char *cacert;	/* NULL: the system's store */
	const char *cert;	/* client certificate and key, or NULL */
	const char *key;
};

/*
 * The end of a request, called once: err 0 with the HTTP status and the
 * body (a stream's body only if its status is not 200: its lines went to
 * the line callback), or a transport failure: -ECONNREFUSED (could not
 * connect), -EHOSTUNREACH (no such host), -ETIMEDOUT, -ECONNRESET (the
 * connection broke), -EKEYREJECTED (TLS: a certificate refused either
 * way), -EMSGSIZE (the answer, or a line of it, over the bound), -ENOMEM,
 * -EIO; msg says what in curl's words.
 */
typedef void (*etcd_http_done_fn)(int err, long status, const char *body, size_t len,
				  const char *msg, void *arg);
/* One line of a streamed answer, without its '\n' (empty lines are skipped). */
typedef void (*etcd_http_line_fn)(const char *line, size_t len, void *arg);

int etcd_http_new(struct loop *l, const struct etcd_http_tls *tls, struct etcd_http **out);
/* Cancels every request; no callback is called. */
void etcd_http_free(struct etcd_http *h);

/*
 * POST body (JSON) to url. A unary request (line NULL) has timeout_ms for
 * everything and an answer of at most max bytes. A stream (line set) has
 * timeout_ms to connect only, and gets its answer line by line, each at
 * most max bytes. *out is the handle for etcd_http_cancel, valid until
 * done is called or the request is cancelled.
 */
int etcd_http_post(struct etcd_http *h, const char *url, const char *body, int timeout_ms,
		   size_t max, etcd_http_line_fn line, etcd_http_done_fn done, void *arg,
		   struct etcd_http_req **out);
/* Stop a request; its callbacks are not called any more. */
void etcd_http_cancel(struct etcd_http_req *r);

/* ms until etcd_http_tick is due (-1: nothing to time). */
int etcd_http_timeout_ms(const struct etcd_http *h);
void etcd_http_tick(struct etcd_http *h);

#endif

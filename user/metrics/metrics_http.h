/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics endpoint's HTTP/1.1 server: GET /metrics (and / with a
 * link to it), on the agent's epoll loop, never blocking it. A client
 * gets one response and Connection: close. Bounded in every way a client
 * controls: at most max_clients connections (more are accepted and closed
 * at once), a request head of at most HTTP_HEAD_MAX bytes (431), and one
 * deadline per connection from its accept, after which it is closed
 * whatever it is doing: a slow-loris that never finishes its request and
 * a reader that never takes its response cost a slot for that long, no
 * more. The response is written as the socket takes it (EPOLLOUT).
 */
#ifndef WARREN_METRICS_HTTP_H
#define WARREN_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/loop.h"

#define METRICS_MAX_CLIENTS 16
#define METRICS_DEADLINE_MS 5000
#define METRICS_DEFAULT_ADDR "127.0.0.1"

struct metrics_http_config {
	int max_clients;
	int deadline_ms;
};

/* Statuses answered, in this order in metrics_http_stats.responses. */
enum metrics_http_code {
	METRICS_HTTP_200,
	METRICS_HTTP_400,
	METRICS_HTTP_404,
	METRICS_HTTP_405,
	METRICS_HTTP_431,
	METRICS_HTTP_500,
	METRICS_HTTP__MAX,
};

struct metrics_http_stats {
	uint64_t accepted;
	uint64_t responses[METRICS_HTTP__MAX];
	uint64_t over_limit;		/* closed at accept: max_clients busy */
	uint64_t deadline;		/* closed at the deadline before the response was out */
	uint64_t peer_gone;		/* closed or reset by the client before that */
};

/*
 * The body of a 200 for /metrics: malloc'ed text the server frees, or
 * -errno (answered with 500).
 */
typedef int (*metrics_render_fn)(void *arg, char **body, size_t *len);

struct metrics_http;

/*
 * "PORT", ":PORT", "ADDR:PORT" or "[V6ADDR]:PORT", ADDR a literal
 * address (METRICS_DEFAULT_ADDR when left out), PORT 1..65535.
 */
int metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* "ADDR:PORT" / "[V6]:PORT" for logs and status. */
void metrics_addr_format(const struct sockaddr_storage *ss, char *buf, size_t size);

/* Listen on addr and serve on l; nothing is left open on failure. */
int metrics_http_start(struct metrics_http **out, struct loop *l,
		       const struct sockaddr_storage *addr, socklen_t addrlen,
		       const struct metrics_http_config *cfg, metrics_render_fn render, void *arg,
		       char *err);
void metrics_http_stop(struct metrics_http *h);

/* Milliseconds until the next deadline (-1: no client). */
int metrics_http_timeout_ms(const struct metrics_http *h);
/* Close the clients whose deadline has passed. */
void metrics_http_tick(struct metrics_http *h);

const struct metrics_http_stats *metrics_http_get_stats(const struct metrics_http *h);
/* Clients connected now. */
size_t metrics_http_clients(const struct metrics_http *h);
/* The address it listens on (the port the kernel chose for port 0). */
void metrics_http_addr(const struct metrics_http *h, char *buf, size_t size);

#endif

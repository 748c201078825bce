/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding of names outside the fabric's domain to the upstream
 * resolvers, through c-ares, asynchronously on the agent's event loop.
 * The only file that includes c-ares.
 *
 * The query goes upstream as the client sent it (EDNS0 and all) under a
 * query id of c-ares' choosing; the caller gets the raw answer back and
 * puts its client's id in. A truncated UDP answer is retried over TCP by
 * c-ares; a query that came over TCP goes upstream over TCP. Upstream
 * silence ends in an error after a bounded time (timeout_ms x tries,
 * doubling per round as c-ares does), never in a stall.
 */
#ifndef WARREN_DNS_FORWARD_H
#define WARREN_DNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"

/* At most this many queries upstream at once; more are refused at once. */
#define DNS_FORWARD_MAX_PENDING 4096

struct dns_forward;

/*
 * The outcome of one forwarded query: status 0 and the upstream's answer
 * (its id is c-ares' own), or -errno (-ETIMEDOUT, -ECONNREFUSED, -EIO for
 * SERVFAIL/REFUSED from every upstream, -ECANCELED at shutdown) and no
 * answer. Called exactly once per accepted query, possibly before
 * dns_forward_send() returns.
 */
typedef void (*dns_forward_done)(void *arg, int status, const uint8_t *answer, size_t len);

/*
 * Check a server list before anything starts: "addr[:port],...", IPv6 as
 * "v6" or "[v6]:port", ports 1..65535. 0, or -EINVAL and why in err.
 */
int dns_forward_check_servers(const char *servers, char *err);

/*
 * servers: "addr[:port],..." ("[v6]:port" for IPv6 with a port), or NULL
 * to use resolv_conf (NULL: /etc/resolv.conf).
 */
int dns_forward_init(struct dns_forward **out, struct loop *l, const char *servers,
		     const char *resolv_conf, int timeout_ms, int tries, char *err);
/* Cancels what is pending (their callbacks run with -ECANCELED). */
void dns_forward_free(struct dns_forward *f);

/* -EBUSY when DNS_FORWARD_MAX_PENDING queries are in flight. */
int dns_forward_send(struct dns_forward *f, const uint8_t *query, size_t len, bool tcp,
		     dns_forward_done done, void *arg);

/* Milliseconds until c-ares must look at its timeouts (-1: nothing pending). */
int dns_forward_timeout_ms(struct dns_forward *f);
/* Run c-ares' timeouts; call when dns_forward_timeout_ms() has passed. */
void dns_forward_tick(struct dns_forward *f);

size_t dns_forward_pending(const struct dns_forward *f);
/* The upstream servers in use, "addr:port,..." for status. */
void dns_forward_servers(struct dns_forward *f, char *buf, size_t len);

#endif

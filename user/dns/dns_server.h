/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS shim's sockets: UDP and TCP on the host's resolver addresses
 * (slot SLOT_HOST of its prefixes), which every workload reaches through
 * the datapath. Each query's source address names the caller; dns_answer
 * decides; names outside the domain go to dns_forward, whose answers are
 * relayed with the client's id.
 */
#ifndef WARREN_DNS_SERVER_H
#define WARREN_DNS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dns/dns_answer.h"
#include "dns/dns_forward.h"
#include "dns/dns_view.h"
#include "core/loop.h"
#include "core/model.h"
#include "lib/hist.h"

#define DNS_MAX_CONNS 256		/* TCP clients at once */
#define DNS_TCP_IDLE_MS 10000		/* RFC 7766 suggests seconds, not minutes */
#define DNS_UDP_BATCH 32

struct dns_server_config {
	char domain[256];
	uint32_t ttl;
	uint16_t port;
	const char *upstream;		/* "addr[:port],..." or NULL: resolv_conf */
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	int timeout_ms, tries;		/* per upstream attempt */
};

/* What became of a query handed upstream (or that could not be). */
enum dns_upstream_outcome {
	DNS_UP_ANSWERED = 0,		/* the upstream's answer relayed */
	DNS_UP_TRUNCATED,		/* too big for the client's UDP size: TC sent instead */
	DNS_UP_TIMEOUT,			/* no answer in timeout x tries: SERVFAIL */
	DNS_UP_REFUSED,			/* connection refused: SERVFAIL */
	DNS_UP_SERVFAIL,		/* every upstream said SERVFAIL or REFUSED */
	DNS_UP_ERROR,			/* anything else, a malformed answer included */
	DNS_UP_BUSY,			/* not sent: the forwarder or the TCP client was full */
	DNS_UP__MAX,
};

/* The shim's answer times, from the query's receive to its answer's send. */
enum dns_latency {
	DNS_LAT_INTERNAL = 0,		/* built by the shim (names, refusals, errors) */
	DNS_LAT_UPSTREAM,		/* relayed from an upstream (or its SERVFAIL) */
	DNS_LAT__MAX,
};

const char *dns_upstream_outcome_name(enum dns_upstream_outcome o);
const char *dns_latency_name(enum dns_latency l);

struct dns_conn;
struct dns_udp_batch;

struct dns_server {
	struct loop *loop;
	struct dns_view view;
	struct dns_forward *fwd;
	struct dns_server_config cfg;
	uint32_t addr4;			/* the resolver addresses */
	uint8_t addr6[16];
	int udp4, udp6, tcp4, tcp6;
	struct dns_conn *conns[DNS_MAX_CONNS];
	size_t n_conns;
	uint64_t next_conn_gen;
	struct dns_udp_batch *batch;	/* recvmmsg/sendmmsg buffers */
	struct dns_stats st;
	uint64_t tcp_accepted, tcp_refused;
	uint64_t upstream[DNS_UP__MAX];
	struct hist latency[DNS_LAT__MAX];
};

/*
 * Open the sockets on addr4/addr6 (already configured on the host) and
 * start the forwarder. Nothing is left open on failure.
 */
int dns_server_start(struct dns_server *s, struct loop *l, const struct model *m,
		     const struct dns_server_config *cfg, uint32_t addr4,
		     const uint8_t addr6[16], char *err);
void dns_server_stop(struct dns_server *s);

/* How long the loop may sleep before dns_server_tick() is due (ms, -1: forever). */
int dns_server_timeout_ms(struct dns_server *s);
/* Upstream timeouts and idle TCP clients. */
void dns_server_tick(struct dns_server *s);

/*
 * Ask the resolver for qname from inside the workload's netns (nsfd) over
 * the workload's own path, and serve that query here, so `endpoint add`
 * returns only once the workload's names resolve. want_addr: the answer
 * must hold records (the workload's own service name); else any answer
 * will do (a build-phase workload, which gets no internal names).
 */
int dns_server_probe(struct dns_server *s, int nsfd, bool v6, const char *qname,
		     bool want_addr, char *err);

#endif

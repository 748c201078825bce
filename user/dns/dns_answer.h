/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the DNS shim does with one query from one caller: answer it from
 * the caller's environment, refuse it, or hand it to the forwarder.
 * No sockets here (dns_server.c does the I/O), so it is unit tested and
 * fuzzed with a real model.
 *
 * Names under the domain, for a caller in (project P, environment E):
 *   <service>                     every replica of the service in E
 *   <N>.<service>                 replica N
 *   <type>.<service>              every replica of that container type
 *   <N>.<type>.<service>          replica N of that type
 *   _<port>._<tcp|udp>.<any of those>   SRV: one per replica declaring
 *                                 that port, target N.<service>.<domain>
 * each also as <...>.E.P.<domain>. Anything else under the domain, a name
 * of another environment included, is NXDOMAIN through the same path, so
 * the two cannot be told apart.
 */
#ifndef WARREN_DNS_ANSWER_H
#define WARREN_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_view.h"
#include "dns/dns_wire.h"

enum dns_action {
	DNS_ACT_DROP,			/* send nothing */
	DNS_ACT_REPLY,			/* send the answer built in out */
	DNS_ACT_FORWARD,		/* a name outside the domain: ask upstream */
};

struct dns_stats {
	uint64_t queries;		/* parsed well enough to count */
	uint64_t answered;		/* internal names with records */
	uint64_t nodata;		/* internal names, no record of that type */
	uint64_t nxdomain;		/* internal names that do not exist for the caller */
	uint64_t refused;		/* callers that are not local workloads */
	uint64_t malformed;		/* FORMERR, NOTIMP, BADVERS */
	uint64_t dropped;		/* not answered at all */
	uint64_t forwarded;		/* handed to upstream */
	uint64_t servfail;		/* upstream failed or the forwarder was full */
	uint64_t truncated;		/* answered with TC over UDP */
};

/* What a UDP client takes: 512 without EDNS0, else its size (at most 4096). */
size_t dns_udp_limit(const struct dns_query *q);

/*
 * Handle one query packet from caller (NULL: the source is no local
 * workload). cap is the largest answer the transport takes (use
 * dns_udp_limit() after parsing for UDP: pass 0 and tcp=false to have it
 * computed; tcp=true allows DNS_MSG_MAX). On DNS_ACT_REPLY, *out_len
 * bytes of out (outsize >= 512) are the answer; on DNS_ACT_FORWARD, q
 * describes the query to relay.
 */
enum dns_action dns_answer(struct dns_view *v, const struct endpoint *caller, const uint8_t *pkt,
			   size_t len, bool tcp, struct dns_query *q, uint8_t *out,
			   size_t outsize, size_t *out_len, struct dns_stats *st);

/*
 * An answer carrying no records: the header and question of the query,
 * rcode, and TC when set (an upstream answer too big for the client's UDP
 * size: it retries over TCP). OPT added when the query had one.
 */
size_t dns_answer_empty(const uint8_t *pkt, const struct dns_query *q, uint8_t rcode, bool tc,
			uint8_t *out, size_t outsize);

#endif

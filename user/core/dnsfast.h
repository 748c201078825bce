/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's side of the DNS fast path: keeps warren_dns_fast equal to
 * what user/dns/dns_fast.c computes from the model, writing only the
 * differences whenever the model's generation moves, and reads the
 * datapath's counters for `status`.
 */
#ifndef WARREN_CORE_DNSFAST_H
#define WARREN_CORE_DNSFAST_H

#include <stdbool.h>
#include <stdint.h>

#include "warren.h"
#include "dns/dns_fast.h"
#include "dns/dns_view.h"

struct agent;

struct dnsfast {
	bool on;			/* filling the map (DNS on, no --no-dns-fast) */
	int map_fd, stat_fd;
	struct dns_view view;		/* the fast path's own: its rotation is its own */
	struct dns_fast_set cur;	/* what the map holds */
	uint64_t gen;			/* model generation cur was built from */
	bool synced;
	uint64_t writes;		/* map writes and deletes so far */
};

/*
 * On: take over what an earlier agent left in the map and bring it in
 * line. Off: empty the map, so nothing is answered from it.
 */
int dnsfast_start(struct agent *a, bool on, char *err);
void dnsfast_stop(struct agent *a);
/* After any change: bring the map in line if the model moved (warns on failure). */
void dnsfast_sync(struct agent *a);
/* The datapath's counters, summed over CPUs. */
int dnsfast_stats(struct agent *a, struct warren_dns_stats *sum);

#endif

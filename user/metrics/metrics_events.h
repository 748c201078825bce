/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The events' families: what the datapath sent into the warren_events
 * ring and what it could not (the token bucket refused it, the ring was
 * full), what the agent read, and what monitors were too slow for. From
 * numbers the collector gathers (warren_ev_stat, struct obs), so a test
 * can give its own.
 *
 * For drops, every drop the counters count is an event sent, rate-limited
 * or ring-full: sum(warren_drops_total) = warren_events_sent_total +
 * warren_events_rate_limited_total + warren_events_ring_full_total of
 * type "drop", and once the agent has read the ring, sent = received
 * (both since the maps were made, when one agent has read them all).
 */
#ifndef WARREN_METRICS_EVENTS_H
#define WARREN_METRICS_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "warren.h"
#include "metrics/metrics_expo.h"

struct metrics_events {
	struct warren_event_stats dp;		/* warren_ev_stat, summed over CPUs */
	__u64 received[WARREN_EVENT__MAX];	/* read from the ring by this agent */
	uint64_t monitor_sent;			/* queued to a monitor, per monitor */
	uint64_t monitor_dropped;		/* a monitor's buffer was full, per monitor */
	size_t monitors;			/* connected now */
};

void metrics_events(struct expo *e, const struct metrics_events *in);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fixed-bucket histogram of durations, cheap enough for every DNS
 * answer: one clock read at each end (CLOCK_MONOTONIC through the vDSO),
 * a short scan of the bounds, three additions. Buckets are kept
 * non-cumulative; the exposition (user/metrics/metrics_expo.c) sums them
 * into Prometheus' cumulative le buckets.
 */
#ifndef WARREN_HIST_H
#define WARREN_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_MAX_BUCKETS 20

/* Upper bounds in nanoseconds, increasing; +Inf is implied after the last. */
struct hist_bounds {
	const uint64_t *ns;
	size_t n;
};

/* 10 us .. 2.5 s: answers the shim builds itself take microseconds, upstreams milliseconds. */
extern const struct hist_bounds hist_dns_bounds;
/* 1 ms .. 60 s: applying a fleet state (veths, routes, WireGuard peers). */
extern const struct hist_bounds hist_apply_bounds;

struct hist {
	const struct hist_bounds *b;
	uint64_t bucket[HIST_MAX_BUCKETS + 1];	/* [b->n]: above the last bound */
	uint64_t count;
	uint64_t sum_ns;
};

void hist_init(struct hist *h, const struct hist_bounds *b);
void hist_observe(struct hist *h, uint64_t ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hist_now_ns(void);
/* Observe the time since t0 (from hist_now_ns()); returns now. */
uint64_t hist_since(struct hist *h, uint64_t t0);

#endif

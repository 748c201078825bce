/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's per-environment counters as `status` and the metrics
 * endpoint both show them: summed over CPUs from the pinned per-CPU
 * array, named by the model's project and environment.
 */
#ifndef WARREN_COUNTERS_H
#define WARREN_COUNTERS_H

#include <stdint.h>

#include "warren.h"

struct agent;

struct env_counters {
	const char *project, *env;	/* "" and "" for env 0: what no environment owns */
	uint32_t env_id;
	struct warren_counters c;
};

typedef void (*env_counters_fn)(void *arg, const struct env_counters *ec);

/*
 * fn for env 0 (a hook on an interface the agent does not know, the
 * uplink's drops), then for every environment of the model, in its
 * order. Stops at the first failed read: -errno.
 */
int counters_each_env(struct agent *a, env_counters_fn fn, void *arg);

/* The DNS fast path's fall-through reasons ("not_query", "miss", ...). */
const char *dns_fell_name(enum warren_dns_fell r);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the agent knows, as Prometheus metrics: the datapath's counters
 * per (project, environment), endpoints, the DNS shim and the datapath's
 * DNS answers, the mesh (WireGuard peers, fleet applies), events (the
 * ring's losses, monitors: metrics_events.c) and the metrics
 * endpoint itself. Gathered on each scrape, on the agent's loop, so it
 * sees the model whole; the README's "Metrics (Prometheus)" lists them.
 */
#ifndef WARREN_METRICS_COLLECT_H
#define WARREN_METRICS_COLLECT_H

#include <stddef.h>

#include "metrics/metrics_expo.h"

struct agent;

/* The largest exposition served: 64 MiB is some 400,000 series. */
#define METRICS_MAX_BYTES (64u << 20)

/* Every family into e; -errno from the writer (or a datapath read). */
int metrics_collect(struct agent *a, struct expo *e);
/* metrics_render_fn for the HTTP server: arg is the agent. */
int metrics_render(void *arg, char **body, size_t *len);

/* warrend --metrics: serve on a->metrics_addr (no-op when it is off). */
int metrics_start(struct agent *a, char *err);
void metrics_stop(struct agent *a);

#endif

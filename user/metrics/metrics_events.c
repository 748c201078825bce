// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The events' families (metrics_events.h): one series per event type, zeros included. */
#include "metrics/metrics_events.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

static const char *const type_name[WARREN_EVENT__MAX] = { "drop", "flow" };

static void per_type(struct expo *e, const char *name, const char *help, const __u64 *v)
{
	expo_family(e, name, EXPO_COUNTER, help);
	for (int t = 0; t < WARREN_EVENT__MAX; t++) {
		struct expo_label l[] = { { "type", type_name[t] } };

		expo_u64(e, l, ARRAY_SIZE(l), v[t]);
	}
}

void metrics_events(struct expo *e, const struct metrics_events *in)
{
	per_type(e, "warren_events_sent_total",
		 "Events the datapath put into the ring, by type (drop, flow).", in->dp.sent);
	per_type(e, "warren_events_rate_limited_total",
		 "Events the datapath did not send: their (environment, reason) token bucket "
		 "was empty, or the rate is 0.", in->dp.rate_limited);
	per_type(e, "warren_events_ring_full_total",
		 "Events the datapath did not send: the ring was full (the agent read slower "
		 "than they came).", in->dp.ring_full);
	per_type(e, "warren_events_received_total",
		 "Events this agent read from the ring.", in->received);
	expo_family(e, "warren_events_monitor_sent_total", EXPO_COUNTER,
		    "Events queued to a warrenctl monitor, once per monitor that took it.");
	expo_u64(e, NULL, 0, in->monitor_sent);
	expo_family(e, "warren_events_monitor_dropped_total", EXPO_COUNTER,
		    "Events a warrenctl monitor's filter took but that did not fit its buffer "
		    "(it read too slowly), once per monitor.");
	expo_u64(e, NULL, 0, in->monitor_dropped);
	expo_family(e, "warren_events_monitors", EXPO_GAUGE,
		    "warrenctl monitor clients connected now.");
	expo_u64(e, NULL, 0, in->monitors);
}

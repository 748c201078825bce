/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's event ring as the progs tests read it: after a test run,
 * ring_buffer__consume() hands over what the program sent, and each event
 * is checked against the bytes of the packet that was run.
 */
#ifndef WARREN_TEST_EVENTS_H
#define WARREN_TEST_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include "warren.h"

#define EV_MAX 64		/* kept per take; more are counted, not kept */
#define L3_NONE 0xffff		/* the event must carry no addresses */

/* Open the ring of the fixture's maps (after fixture_setup) and close it. */
int events_open(void);
void events_close(void);
/* Write warren_ev_cfg, empty the buckets, the ring and the loss counters. */
int events_config(__u32 rate, __u32 burst, __u32 flow_sample);
/* Discard what the ring holds; zero the loss counters. */
int events_reset(void);
/* Consume the ring: how many events arrived since the last take (first EV_MAX in ev). */
int events_take(struct warren_event *ev);
int events_stats(struct warren_event_stats *sum);

/* What a site should have said of a packet. */
struct ev_want {
	__u8 type, dir;
	int reason;		/* drop reason, or the path of a flow */
	__u32 env_id, src_env, dst_env;
	__u32 l3;		/* where the frame's IP header is, L3_NONE: no addresses */
	__u32 len;		/* skb->len when the event was built */
};

/*
 * Exactly one event, with want's fields and the addresses, protocol and
 * ports (or ICMP type) the frame at its l3 offset has.
 */
void expect_event(const struct ev_want *want, const __u8 *frame, size_t len);
/* No event at all. */
void expect_no_event(void);

#endif

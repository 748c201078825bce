/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The veth programs loaded for BPF_PROG_TEST_RUN (tests and benchmark):
 * maps pinned under a per-run bpffs directory, the fabric prefixes set,
 * and the endpoints an agent would have written for a small cast.
 */
#ifndef WARREN_TEST_FIXTURE_H
#define WARREN_TEST_FIXTURE_H

#include <arpa/inet.h>
#include <stddef.h>
#include "warren.h"

#define PASS ((__u32)-1)	/* TC_ACT_UNSPEC: hand on to the host stack */
#define DROP 2
#define REDIRECT 7
#define DELIVERED (-1)
#define NONE (-2)
#define EGRESSED (-3)		/* passed to the host stack, counted as egress */
#define LO_IFINDEX 1		/* BPF_PROG_TEST_RUN's skb->dev without a ctx */

enum who { SRC, PEER, OTHER, BUILDEP, HOSTEP, NOEP, PUBLIC, ELSEWHERE, LINKLOCAL, MCAST, N_WHO };


/* fixture_fill() flags */
enum { FIX_SRC_BUILD = 1, FIX_NO_IFACE = 2, FIX_IFACE_V6_ONLY = 32 };

extern const char *const addr[N_WHO][2];
extern char pin_dir[64];		/* where the maps of this run are pinned */

/*
 * The fabric of the cast, in any skeleton's rodata: 10.210.0.0/16 and
 * fd77:7761:7272::/48, this host 10.210.1.0/24 and fd77:7761:7272:1::/64.
 */
#define FIXTURE_SET_FABRIC(ro) do {						\
	(ro)->fabric4_addr = inet_addr("10.210.0.0");				\
	(ro)->fabric4_mask = inet_addr("255.255.0.0");				\
	inet_pton(AF_INET6, "fd77:7761:7272::", (void *)(ro)->fabric6_addr);	\
	inet_pton(AF_INET6, "ffff:ffff:ffff::", (void *)(ro)->fabric6_mask);	\
	(ro)->host4_addr = inet_addr("10.210.1.0");				\
	(ro)->host4_mask = inet_addr("255.255.255.0");				\
	inet_pton(AF_INET6, "fd77:7761:7272:1::", (void *)(ro)->host6_addr);	\
	(ro)->host6_mask3 = 0;	/* a /64: the last 32 bits are all slot */	\
} while (0)
extern struct veth_bpf *skel;		/* the production object */
extern struct veth_observe_bpf *obs;	/* the same source with the redirect hook */

int fixture_setup(void);
void fixture_teardown(void);
/* Write the cast into the maps; SRC is the interface of ifindex 1. */
int fixture_fill(unsigned int flags);
void mac_of(enum who w, int wl_side, __u8 mac[6]);
int zero_counters(void);
int read_counters(__u32 env, struct warren_counters *sum);
/*
 * Exactly one counter moved, by one, over envs 0..2: packets[path] (and
 * bytes[path] by len) of env, or drops[dir][reason] of env (path NONE).
 */
void expect_only(__u32 env, int path, int dir, int reason, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "fixture.h"
#include "events.h"
#include "veth.skel.h"
#include "veth_observe.skel.h"

const char *const addr[N_WHO][2] = {
	[SRC] = { "10.210.1.2", "fd77:7761:7272:1::2" },
	[PEER] = { "10.210.1.3", "fd77:7761:7272:1::3" },	/* env 1, same as SRC */
	[OTHER] = { "10.210.1.4", "fd77:7761:7272:1::4" },	/* env 2 */
	[BUILDEP] = { "10.210.1.5", "fd77:7761:7272:1::5" },	/* env 1, build phase */
	[HOSTEP] = { "10.210.1.1", "fd77:7761:7272:1::1" },	/* the host's own */
	[NOEP] = { "10.210.1.99", "fd77:7761:7272:1::99" },	/* fabric, nobody */
	[PUBLIC] = { "192.0.2.1", "2001:db8::1" },		/* outside the fabric */
	[ELSEWHERE] = { "10.210.2.9", "fd77:7761:7272:2::9" },	/* another host's prefix */
	[LINKLOCAL] = { NULL, "fe80::477:ff:fe00:2" },
	[MCAST] = { NULL, "ff02::1:ff00:1" },
};

/* What the agent would have written for each endpoint. */
static const struct { enum who who; __u32 env, ifindex; __u8 flags; } eps[] = {
	{ PEER, 1, 42, WARREN_EP_LOCAL },
	{ OTHER, 2, 43, WARREN_EP_LOCAL },
	{ BUILDEP, 1, 44, WARREN_EP_LOCAL | WARREN_EP_BUILD },
	{ HOSTEP, 0, 0, WARREN_EP_HOST },
	{ SRC, 1, LO_IFINDEX, WARREN_EP_LOCAL },
};


struct veth_bpf *skel;
struct veth_observe_bpf *obs;
char pin_dir[64];
static int ncpu;

void mac_of(enum who w, int wl_side, __u8 mac[6])
{
	/* As the agent derives them from an endpoint id; here from the last octet. */
	static const __u8 last[N_WHO] = { [SRC] = 2, [PEER] = 3, [OTHER] = 4, [BUILDEP] = 5 };

	mac[0] = wl_side ? 0x06 : 0x02;
	mac[1] = 0x77;
	mac[2] = mac[3] = mac[4] = 0;
	mac[5] = last[w];
}

int fixture_fill(unsigned int setup)
{
	struct warren_iface ifv = { .env_id = 1, .endpoint_id = 1 };
	struct warren_endpoint none = {};
	__u32 lo = LO_IFINDEX;
	int ret = 0;

	/* Slots are the last octet of the addresses in 10.210.1.0/24. */
	for (__u32 slot = 0; slot < 256; slot++)
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_slots, &slot, 4, &none,
						  sizeof(none), 0);
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		struct warren_endpoint v = { .env_id = eps[i].env, .ifindex = eps[i].ifindex,
					     .flags = eps[i].flags | WARREN_EP_HAS_V4 | WARREN_EP_HAS_V6,
					     .endpoint_id = (__u32)i + 2 };
		__be32 a4;
		__u32 slot;

		if (eps[i].who == SRC) {
			if (setup & FIX_SRC_BUILD)
				v.flags |= WARREN_EP_BUILD;
			if (setup & FIX_IFACE_V6_ONLY)
				v.flags &= (__u8)~WARREN_EP_HAS_V4;
			if (setup & FIX_NO_IFACE)
				v.ifindex = 41;	/* attached elsewhere, not at ifindex 1 */
		}
		mac_of(eps[i].who, 1, v.dst_mac);
		mac_of(eps[i].who, 0, v.src_mac);
		inet_pton(AF_INET, addr[eps[i].who][0], &a4);
		slot = ntohl(a4) & 0xff;
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_slots, &slot, 4, &v, sizeof(v), 0);
	}
	inet_pton(AF_INET, addr[SRC][0], &ifv.ipv4);
	inet_pton(AF_INET6, addr[SRC][1], ifv.ipv6);
	ifv.flags = WARREN_IF_HAS_V6 | (setup & FIX_IFACE_V6_ONLY ? 0 : WARREN_IF_HAS_V4) |
		    (setup & FIX_SRC_BUILD ? WARREN_IF_BUILD : 0);
	if (!(setup & FIX_NO_IFACE))
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_ifaces, &lo, 4, &ifv,
						  sizeof(ifv), 0);
	else
		bpf_map__delete_elem(skel->maps.warren_ifaces, &lo, 4, 0);
	return ret;
}

int zero_counters(void)
{
	struct warren_counters *zero = calloc(ncpu, sizeof(*zero));
	int ret = 0;

	for (__u32 env = 0; env < 3 && zero; env++)
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_counters, &env, 4, zero,
						  ncpu * sizeof(*zero), 0);
	free(zero);
	/* A case's events are its own too. */
	return zero ? ret ?: events_reset() : -ENOMEM;
}

int read_counters(__u32 env, struct warren_counters *sum)
{
	struct warren_counters *per = calloc(ncpu, sizeof(*per));
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (!per)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(skel->maps.warren_counters, &env, 4, per, ncpu * sizeof(*per), 0);
	for (int c = 0; !ret && c < ncpu; c++) {
		for (int p = 0; p < WARREN_PATH__MAX; p++) {
			sum->packets[p] += per[c].packets[p];
			sum->bytes[p] += per[c].bytes[p];
		}
		for (int d = 0; d < WARREN_DIR__MAX; d++)
			for (int r = 0; r < WARREN_DROP__MAX; r++)
				sum->drops[d][r] += per[c].drops[d][r];
	}
	free(per);
	return ret;
}

void expect_only(__u32 env, int path, int dir, int reason, size_t len)
{
	for (__u32 e = 0; e < 3; e++) {
		struct warren_counters s;
		char what[64];

		if (!ASSERT_OK(read_counters(e, &s), "read counters"))
			return;
		for (int p = 0; p < WARREN_PATH__MAX; p++) {
			bool want = e == env && p == path;

			snprintf(what, sizeof(what), "env %u packets[%d]", e, p);
			ASSERT_EQ(s.packets[p], want, what);
			snprintf(what, sizeof(what), "env %u bytes[%d]", e, p);
			ASSERT_EQ(s.bytes[p], want ? len : 0, what);
		}
		for (int d = 0; d < WARREN_DIR__MAX; d++)
			for (int r = 0; r < WARREN_DROP__MAX; r++) {
				snprintf(what, sizeof(what), "env %u drops[%d][%d]", e, d, r);
				ASSERT_EQ(s.drops[d][r], e == env && d == dir && r == reason, what);
			}
	}
}

int fixture_setup(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct statfs st;
	int err;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type != BPF_FS_MAGIC)
		mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700");
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/warren-progtest-%d", getpid());
	if (mkdir(pin_dir, 0700))
		return -errno;
	ncpu = libbpf_num_possible_cpus();
	skel = veth_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	FIXTURE_SET_FABRIC(skel->rodata);
	/* Replies: a burst of 4, then one a second (test_reply_progs counts them). */
	skel->rodata->reply_rate = 1;
	skel->rodata->reply_burst = 4;
	/* The DNS fast path on the standard port (test_dns_fast; the others send elsewhere). */
	skel->rodata->dns_fast_port = 53;
	err = veth_bpf__load(skel);
	if (err)
		return err;
	/* The observing build shares the pinned maps, so it sees the same entries. */
	obs = veth_observe_bpf__open_opts(&opts);
	if (!obs)
		return -errno;
	memcpy(obs->rodata, skel->rodata, sizeof(*obs->rodata));
	err = veth_observe_bpf__load(obs) ?: events_open();
	/* An event for every drop: no bucket runs dry in a test unless it sets its own rate. */
	return err ?: events_config(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 0);
}

void fixture_teardown(void)
{
	events_close();
	veth_observe_bpf__destroy(obs);
	/*
	 * Map by map: bpf_object__unpin_maps() stops at the first map a
	 * test's other objects already unpinned (the shared ones).
	 */
	if (skel) {
		struct bpf_map *m;

		bpf_object__for_each_map(m, skel->obj)
			if (bpf_map__is_pinned(m))
				bpf_map__unpin(m, NULL);
	}
	veth_bpf__destroy(skel);
	rmdir(pin_dir);
}


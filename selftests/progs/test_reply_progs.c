// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN of the answers warren_from_wl sends back (bpf/lib/reply.h):
 *  - refusals for a gone address (tombstone) of the sender's own
 *    environment, here or on another host: TCP RST, ICMP/ICMPv6
 *    unreachable, byte for byte against replies built here from the RFCs;
 *  - silence for everything else: another environment's tombstone, an
 *    address never used, RSTs, ICMP errors, later fragments, past the
 *    rate limit;
 *  - "fragmentation needed" / "packet too big" with the tunnel's MTU for a
 *    packet to another host that does not fit, delivery when it fits or
 *    (IPv4 without DF) may be fragmented.
 * The WireGuard device is a veth of MTU 1400 in a network
 * namespace of this test's own (its ifindex is the remote entries').
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "lib/log.h"
#include "warren.h"
#include "packets.h"
#include "fixture.h"
#include "events.h"
#include "veth.skel.h"

int test_failed;
const char *test_skip;

#define WG_IFINDEX 99
#define TUNNEL_MTU 1400
#define BURST 4			/* the fixture's reply_burst */

enum dst { D_GONE, D_GONE_OTHER, D_RGONE, D_RGONE_OTHER, D_NEVER, D_REMOTE, N_DST };
static const char *const daddr[N_DST][2] = {
	[D_GONE] = { "10.210.1.7", "fd77:7761:7272:1::7" },		/* was env 1's, here */
	[D_GONE_OTHER] = { "10.210.1.8", "fd77:7761:7272:1::8" },	/* was env 2's, here */
	[D_RGONE] = { "10.210.2.20", "fd77:7761:7272:2::14" },		/* was env 1's, on host 2 */
	[D_RGONE_OTHER] = { "10.210.2.21", "fd77:7761:7272:2::15" },	/* was env 2's, on host 2 */
	[D_NEVER] = { "10.210.1.99", "fd77:7761:7272:1::99" },
	[D_REMOTE] = { "10.210.2.9", "fd77:7761:7272:2::9" },		/* env 1, on host 2 */
};

/* Packet variants, on top of pkt_build()'s. */
enum { V_ACK = 1 << 8, V_RST = 1 << 9, V_ICMP_ERR = 1 << 10, V_BIG = 1 << 11, V_DF = 1 << 12,
       V_FITS = 1 << 13 };
enum { R_NONE, R_RST, R_UNREACH, R_TOO_BIG, R_DELIVER };

struct rcase {
	const char *name;
	enum dst dst;
	int proto;
	unsigned int pkt;
	int reply;		/* R_*: what comes out */
	int reason;		/* counted in env 1 */
};

static const struct rcase cases[] = {
	{ "SYN to a gone address of its own environment: RST", D_GONE, IPPROTO_TCP, 0, R_RST, WARREN_DROP_NO_ENDPOINT },
	{ "ACK to a gone address of its own environment: RST, seq = ack", D_GONE, IPPROTO_TCP, V_ACK, R_RST, WARREN_DROP_NO_ENDPOINT },
	{ "UDP to a gone address of its own environment: port unreachable", D_GONE, IPPROTO_UDP, 0, R_UNREACH, WARREN_DROP_NO_ENDPOINT },
	{ "echo to a gone address of its own environment: host unreachable", D_GONE, IPPROTO_ICMP, 0, R_UNREACH, WARREN_DROP_NO_ENDPOINT },
	{ "SYN to a gone address on another host: RST", D_RGONE, IPPROTO_TCP, 0, R_RST, WARREN_DROP_NO_ENDPOINT },
	{ "UDP to a gone address on another host: port unreachable", D_RGONE, IPPROTO_UDP, 0, R_UNREACH, WARREN_DROP_NO_ENDPOINT },
	{ "SYN to another environment's gone address: silence", D_GONE_OTHER, IPPROTO_TCP, 0, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "UDP to another environment's gone address on another host: silence", D_RGONE_OTHER, IPPROTO_UDP, 0, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "SYN to an address never used: silence", D_NEVER, IPPROTO_TCP, 0, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "RST to a gone address: never answered", D_GONE, IPPROTO_TCP, V_RST, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "ICMP error to a gone address: never answered", D_GONE, IPPROTO_ICMP, V_ICMP_ERR, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "later fragment to a gone address: silence", D_GONE, IPPROTO_UDP, PKT_FRAG, R_NONE, WARREN_DROP_NO_ENDPOINT },
	{ "too big for the tunnel, DF: fragmentation needed / packet too big", D_REMOTE, IPPROTO_UDP, V_BIG | V_DF, R_TOO_BIG, WARREN_DROP_TOO_BIG },
	{ "too big TCP, DF: fragmentation needed / packet too big", D_REMOTE, IPPROTO_TCP, V_BIG | V_DF, R_TOO_BIG, WARREN_DROP_TOO_BIG },
	{ "exactly the tunnel's MTU: delivered", D_REMOTE, IPPROTO_UDP, V_FITS | V_DF, R_DELIVER, DELIVERED },
	{ "too big, ICMP error inside: no error about an error", D_REMOTE, IPPROTO_ICMP, V_BIG | V_DF | V_ICMP_ERR, R_NONE, WARREN_DROP_TOO_BIG },
};

static void put16(__u8 *p, unsigned int v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static __u32 sum16(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	return sum;
}

static unsigned int fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The transport checksum at off of the L4 bytes, over the pseudo-header. */
static void l4_sum(__u8 *ip, int v6, __u8 *l4, size_t len, int proto, size_t off)
{
	__u32 s = 0;

	if (v6 || proto != IPPROTO_ICMP) {
		s = v6 ? sum16(0, ip + 8, 32) : sum16(0, ip + 12, 8);
		s += (__u32)proto + (__u32)len;
	}
	put16(l4 + off, 0);
	put16(l4 + off, fold(sum16(s, l4, len)));
}

/* The sender's packet, with the row's variant applied; returns its length. */
static size_t build(__u8 *b, const struct rcase *c, int v6)
{
	struct pkt_spec spec = { .family = v6 ? AF_INET6 : AF_INET, .proto = c->proto,
				 .src = addr[SRC][v6], .dst = daddr[c->dst][v6], .ttl = 64,
				 .flags = c->pkt & 0xff };
	size_t ip = v6 ? 40 : 20, len = pkt_build(b, &spec);
	__u8 *l4 = b + 14 + ip;

	if (c->pkt & V_ICMP_ERR)
		l4[0] = v6 ? 1 : 3;
	if (c->pkt & (V_ACK | V_RST)) {
		put32(l4 + 4, 1000);		/* seq */
		put32(l4 + 8, 77777);		/* ack */
		l4[13] = c->pkt & V_ACK ? 0x10 : 0x14;
	}
	if (c->pkt & (V_BIG | V_FITS)) {
		size_t l3 = c->pkt & V_BIG ? TUNNEL_MTU + 100 : TUNNEL_MTU;

		memset(b + len, 0x77, 14 + l3 - len);
		len = 14 + l3;
		if (v6)
			put16(b + 14 + 4, (unsigned int)(l3 - 40));
		else
			put16(b + 14 + 2, (unsigned int)l3);
		if (c->proto == IPPROTO_UDP)
			put16(l4 + 4, (unsigned int)(l3 - ip));
	}
	if (!v6 && (c->pkt & V_DF))
		b[14 + 6] |= 0x40;
	if (!v6) {
		put16(b + 14 + 10, 0);
		put16(b + 14 + 10, fold(sum16(0, b + 14, 20)));
	}
	return len;
}

/* The reply the RFCs prescribe for packet in; returns its length. */
static size_t expected(__u8 *r, const __u8 *in, const struct rcase *c, int v6)
{
	size_t ip = v6 ? 40 : 20, l4len, quote = ip + 8;
	const __u8 *iip = in + 14, *itcp = in + 14 + ip;
	__u8 *rip = r + 14, *l4 = r + 14 + ip;
	int proto;

	memset(r, 0, 256);
	memcpy(r, in + 6, 6);
	memcpy(r + 6, in, 6);
	put16(r + 12, v6 ? 0x86dd : 0x0800);
	if (c->reply == R_RST) {
		proto = IPPROTO_TCP;
		l4len = 20;
		memcpy(l4, itcp + 2, 2);
		memcpy(l4 + 2, itcp, 2);
		l4[12] = 5 << 4;
		if (itcp[13] & 0x10) {
			memcpy(l4 + 4, itcp + 8, 4);
			l4[13] = 0x04;
		} else {
			size_t hl = (size_t)(itcp[12] >> 4) * 4;
			size_t plen = v6 ? (size_t)(iip[4] << 8 | iip[5]) :
					   (size_t)(iip[2] << 8 | iip[3]) - 20;
			__u32 seq = (__u32)itcp[4] << 24 | itcp[5] << 16 | itcp[6] << 8 | itcp[7];

			put32(l4 + 8, seq + (__u32)(plen - hl) + !!(itcp[13] & 0x02) + !!(itcp[13] & 0x01));
			l4[13] = 0x14;
		}
	} else {
		proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		l4len = 8 + quote;
		if (c->reply == R_TOO_BIG) {
			l4[0] = v6 ? 2 : 3;
			l4[1] = v6 ? 0 : 4;
			if (v6)
				put32(l4 + 4, TUNNEL_MTU);
			else
				put16(l4 + 6, TUNNEL_MTU);
		} else {
			l4[0] = v6 ? 1 : 3;
			l4[1] = c->proto == IPPROTO_UDP ? (v6 ? 4 : 3) : (v6 ? 3 : 1);
		}
		memcpy(l4 + 8, iip, quote);
	}
	if (v6) {
		rip[0] = 0x60;
		put16(rip + 4, (unsigned int)l4len);
		rip[6] = (__u8)proto;
		rip[7] = 64;
		memcpy(rip + 8, iip + 24, 16);
		memcpy(rip + 24, iip + 8, 16);
	} else {
		rip[0] = 0x45;
		put16(rip + 2, (unsigned int)(20 + l4len));
		rip[6] = 0x40;
		rip[8] = 64;
		rip[9] = (__u8)proto;
		memcpy(rip + 12, iip + 16, 4);
		memcpy(rip + 16, iip + 12, 4);
		put16(rip + 10, fold(sum16(0, rip, 20)));
	}
	l4_sum(rip, v6, l4, l4len, proto, proto == IPPROTO_TCP ? 16 : 2);
	return 14 + ip + l4len;
}

static int fill(void)
{
	static const struct { enum dst d; __u32 env; bool remote; } gone[] = {
		{ D_GONE, 1, false }, { D_GONE_OTHER, 2, false },
		{ D_RGONE, 1, true }, { D_RGONE_OTHER, 2, true },
	};
	struct warren_endpoint live = { .env_id = 1, .ifindex = WG_IFINDEX, .endpoint_id = 100,
					.flags = WARREN_EP_REMOTE | WARREN_EP_HAS_V4 |
						 WARREN_EP_HAS_V6 };
	struct warren_ip6 a6;
	__be32 a4;
	int ret = fixture_fill(0);

	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]) && !ret; i++) {
		struct warren_endpoint t = { .env_id = gone[i].env, .flags = WARREN_EP_GONE };

		inet_pton(AF_INET, daddr[gone[i].d][0], &a4);
		inet_pton(AF_INET6, daddr[gone[i].d][1], &a6);
		if (gone[i].remote) {
			ret = bpf_map__update_elem(skel->maps.warren_ep4, &a4, 4, &t, sizeof(t), 0) ?:
			      bpf_map__update_elem(skel->maps.warren_ep6, &a6, 16, &t, sizeof(t), 0);
		} else {
			__u32 slot = ntohl(a4) & 0xff;

			ret = bpf_map__update_elem(skel->maps.warren_slots, &slot, 4, &t, sizeof(t), 0);
		}
	}
	inet_pton(AF_INET, daddr[D_REMOTE][0], &a4);
	inet_pton(AF_INET6, daddr[D_REMOTE][1], &a6);
	ret = ret ?: bpf_map__update_elem(skel->maps.warren_ep4, &a4, 4, &live, sizeof(live), 0);
	ret = ret ?: bpf_map__update_elem(skel->maps.warren_ep6, &a6, 16, &live, sizeof(live), 0);
	return ret;
}

/* A full bucket for every environment. */
static int reset_ratelimit(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_ratelimit *zero = calloc((size_t)ncpu, sizeof(*zero));
	int ret = zero ? 0 : -ENOMEM;

	for (__u32 env = 0; env < 3 && !ret; env++)
		ret = bpf_map__update_elem(skel->maps.warren_reply_rl, &env, 4, zero,
					   (size_t)ncpu * sizeof(*zero), 0);
	free(zero);
	return ret;
}

/* Every delivered packet here goes to the tunnel; every drop is a workload's. */
static void expect_counts(int reason, size_t len)
{
	expect_only(1, reason == DELIVERED ? WARREN_PATH_MESH : NONE, WARREN_DIR_FROM_WL, reason, len);
}

/*
 * The drop's event describes the packet that was sent, not the reply
 * written over it: the event is sent first.
 */
static void expect_drop_event(const struct rcase *c, const __u8 *in, size_t len)
{
	static const __u32 dst_env[N_DST] = { [D_GONE] = 1, [D_GONE_OTHER] = 2, [D_RGONE] = 1,
					      [D_RGONE_OTHER] = 2, [D_REMOTE] = 1 };
	struct ev_want w = { .type = WARREN_EVENT_DROP, .dir = WARREN_DIR_FROM_WL,
			     .reason = c->reason, .env_id = 1, .src_env = 1,
			     .dst_env = dst_env[c->dst], .l3 = 14, .len = (__u32)len };

	if (c->reason < 0)
		expect_no_event();
	else
		expect_event(&w, in, len);
}

static void run(const struct rcase *c, int v6)
{
	static __u8 in[2048], out[2048], want[256];
	size_t len = build(in, c, v6), wlen;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!ASSERT_OK(fill(), "fill maps") || !ASSERT_OK(zero_counters(), "zero counters") ||
	    !ASSERT_OK(reset_ratelimit(), "rate limit"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.warren_from_wl), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, c->reply == R_NONE ? DROP : REDIRECT, "verdict");
	expect_counts(c->reason, len);
	expect_drop_event(c, in, len);
	if (c->reply == R_DELIVER) {
		ASSERT_EQ(topts.data_size_out, len, "length unchanged");
		ASSERT_EQ(out[14 + (v6 ? 7 : 8)], 63, "hop count decremented");
		return;
	}
	if (c->reply == R_NONE)
		return;
	wlen = expected(want, in, c, v6);
	if (ASSERT_EQ(topts.data_size_out, wlen, "reply length"))
		ASSERT_MEMEQ(out, want, wlen, "reply bytes");
}

/* IPv4 without DF may be fragmented: it goes to the tunnel as it is. */
static void run_no_df(int v6)	/* IPv6 has no DF to clear: IPv4 only */
{
	static const struct rcase c = { "", D_REMOTE, IPPROTO_UDP, V_BIG, R_DELIVER, DELIVERED };
	static __u8 in[2048], out[2048];
	size_t len = build(in, &c, v6);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!ASSERT_OK(fill(), "fill maps") || !ASSERT_OK(zero_counters(), "zero counters") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.warren_from_wl), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, REDIRECT, "verdict");
	expect_counts(DELIVERED, len);
}

/* Past the burst, silence: at most BURST replies, plus one a second of the test's time. */
static void run_ratelimit(int v6)
{
	const struct rcase *c = &cases[0];
	static __u8 in[256];
	size_t len = build(in, c, v6);
	struct timespec t0, t1;
	int replies = 0, n = 4 * BURST;
	long secs;

	if (!ASSERT_OK(fill(), "fill maps") || !ASSERT_OK(reset_ratelimit(), "rate limit"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		__u8 out[256];
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

		if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.warren_from_wl),
						      &topts), "test run"))
			return;
		replies += topts.retval == REDIRECT;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + 1;
	printf("# %d packets: %d replies\n", n, replies);
	ASSERT_TRUE(replies >= BURST && replies <= BURST + secs, "replies limited to the burst");
}

/* Our own netns, with a veth standing in for the WireGuard device at WG_IFINDEX. */
static int own_netns(void)
{
	char cmd[128];

	if (unshare(CLONE_NEWNET))
		return -errno;
	snprintf(cmd, sizeof(cmd), "ip link add wgt index %d mtu %d type veth peer name wgt-peer", WG_IFINDEX,
		 TUNNEL_MTU);
	return system(cmd) == 0 ? 0 : -EIO;
}

int main(void)
{
	size_t nc = sizeof(cases) / sizeof(cases[0]);
	int n = (int)(nc * 2 + 3), failed = 0, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_prefix("test_reply_progs");
	log_route_libbpf();
	printf("TAP version 13\n1..%d\n", n);
	err = own_netns() ?: fixture_setup();
	if (err) {
		printf("# setup: %s\n", strerror(-err));
		for (int i = 1; i <= n; i++)
			printf("not ok %d setup failed\n", i);
		fixture_teardown();
		return 1;
	}
	n = 0;
#define REPORT(name, v6) do {								\
		failed += test_failed;							\
		printf("%s %d %s %s\n", test_failed ? "not ok" : "ok", ++n, name, v6 ? "v6" : "v4"); \
	} while (0)
	for (size_t i = 0; i < nc; i++)
		for (int v6 = 0; v6 < 2; v6++) {
			test_failed = 0;
			run(&cases[i], v6);
			REPORT(cases[i].name, v6);
		}
	test_failed = 0;
	run_no_df(0);
	REPORT("too big without DF: to the tunnel, to be fragmented", 0);
	for (int v6 = 0; v6 < 2; v6++) {
		test_failed = 0;
		run_ratelimit(v6);
		REPORT("refusals past the burst are silent drops", v6);
	}
	fixture_teardown();
	return failed ? 1 : 0;
}

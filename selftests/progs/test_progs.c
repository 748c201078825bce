// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN of every verdict of warren_from_wl and warren_to_wl:
 * a table of crafted packets and map contents, each checked for the
 * verdict, the counters it moved, and for redirects the rewritten bytes
 * and the target ifindex (from the same source built with the test-only
 * observation hook, veth_observe, since test runs do not redirect).
 * Each row runs for IPv4 and IPv6, and the main ones for TCP, UDP and ICMP;
 * each drop must send exactly one event that describes it (events.h).
 */
#include <arpa/inet.h>
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
#include "lib/log.h"
#include "warren.h"
#include "packets.h"
#include "fixture.h"
#include "events.h"
#include "veth.skel.h"
#include "veth_observe.skel.h"

int test_failed;
const char *test_skip;

enum { FROM_WL, TO_WL };
/* Row flags: the fixture's (FIX_*) and which families/protocols to run. */
enum { S_SRC_BUILD = FIX_SRC_BUILD, S_NO_IFACE = FIX_NO_IFACE, S_IFACE_V6_ONLY = FIX_IFACE_V6_ONLY,
       S_V4_ONLY = 4, S_V6_ONLY = 8, S_ALL_PROTOS = 16 };

struct pcase {
	const char *name;
	int prog;
	enum who src, dst;
	__u8 ttl;
	unsigned int pkt, setup;
	__u32 verdict;
	__u32 env;		/* whose counter moves */
	int reason;		/* a drop reason, DELIVERED (local), EGRESSED or NONE */
};

static const struct pcase cases[] = {
	/* from the workload */
	{ "from_wl same-env redirect", FROM_WL, SRC, PEER, 64, 0, S_ALL_PROTOS, REDIRECT, 1, DELIVERED },
	{ "from_wl cross-env drop", FROM_WL, SRC, OTHER, 64, 0, S_ALL_PROTOS, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "from_wl spoofed source", FROM_WL, PEER, OTHER, 64, 0, S_ALL_PROTOS, DROP, 1, WARREN_DROP_SPOOFED },
	{ "from_wl spoofed public source", FROM_WL, PUBLIC, PEER, 64, 0, 0, DROP, 1, WARREN_DROP_SPOOFED },
	{ "from_wl non-fabric passes", FROM_WL, SRC, PUBLIC, 64, 0, S_ALL_PROTOS, PASS, 1, EGRESSED },
	{ "from_wl build-phase source", FROM_WL, SRC, PEER, 64, 0, S_SRC_BUILD, DROP, 1, WARREN_DROP_BUILD },
	{ "from_wl build-phase source to host address passes", FROM_WL, SRC, HOSTEP, 64, 0, S_SRC_BUILD, PASS, 1, NONE },
	{ "from_wl build-phase source to public passes", FROM_WL, SRC, PUBLIC, 64, 0, S_SRC_BUILD, PASS, 1, EGRESSED },
	{ "from_wl build-phase destination", FROM_WL, SRC, BUILDEP, 64, 0, 0, DROP, 1, WARREN_DROP_BUILD },
	{ "from_wl fabric address without endpoint", FROM_WL, SRC, NOEP, 64, 0, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "from_wl another host's unknown address", FROM_WL, SRC, ELSEWHERE, 64, 0, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "from_wl host address passes", FROM_WL, SRC, HOSTEP, 64, 0, 0, PASS, 1, NONE },
	{ "from_wl ttl 1", FROM_WL, SRC, PEER, 1, 0, 0, DROP, 1, WARREN_DROP_TTL },
	{ "from_wl ttl 2 still forwarded", FROM_WL, SRC, PEER, 2, 0, 0, REDIRECT, 1, DELIVERED },
	{ "from_wl unknown interface", FROM_WL, SRC, PEER, 64, 0, S_NO_IFACE, DROP, 0, WARREN_DROP_UNKNOWN_IFACE },
	{ "from_wl IPv6 unknown interface", FROM_WL, SRC, PUBLIC, 64, 0, S_NO_IFACE | S_V6_ONLY, DROP, 0, WARREN_DROP_UNKNOWN_IFACE },
	/*
	 * A frame cut inside the IP header: BPF_PROG_TEST_RUN refuses such input
	 * (EINVAL on 6.x), so the end-to-end suite sends one from a workload's
	 * packet socket instead and checks the "malformed" counter.
	 */
	{ "from_wl wrong IP version", FROM_WL, SRC, PEER, 64, PKT_BAD_VER, 0, DROP, 1, WARREN_DROP_MALFORMED },
	{ "from_wl ihl below 5", FROM_WL, SRC, PEER, 64, PKT_BAD_IHL, S_V4_ONLY, DROP, 1, WARREN_DROP_MALFORMED },
	{ "from_wl ARP passes", FROM_WL, SRC, PEER, 64, PKT_ARP, S_V4_ONLY, PASS, 1, NONE },
	{ "from_wl fragment same-env redirect", FROM_WL, SRC, PEER, 64, PKT_FRAG, 0, REDIRECT, 1, DELIVERED },
	{ "from_wl fragment cross-env drop", FROM_WL, SRC, OTHER, 64, PKT_FRAG, 0, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "from_wl extension headers same-env redirect", FROM_WL, SRC, PEER, 64, PKT_EXTHDR, S_V6_ONLY | S_ALL_PROTOS, REDIRECT, 1, DELIVERED },
	{ "from_wl extension headers cross-env drop", FROM_WL, SRC, OTHER, 64, PKT_EXTHDR, S_V6_ONLY | S_ALL_PROTOS, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "from_wl hop-by-hop + fragment cross-env drop", FROM_WL, SRC, OTHER, 64, PKT_EXTHDR | PKT_FRAG, S_V6_ONLY, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "from_wl link-local NS passes", FROM_WL, LINKLOCAL, MCAST, 255, PKT_LINKLOCAL_NS, S_V6_ONLY, PASS, 1, NONE },
	{ "from_wl link-local source to fabric is spoofed", FROM_WL, LINKLOCAL, PEER, 64, 0, S_V6_ONLY, DROP, 1, WARREN_DROP_SPOOFED },
	{ "from_wl IPv4 from an IPv6-only interface is spoofed", FROM_WL, SRC, PEER, 64, 0, S_V4_ONLY | S_IFACE_V6_ONLY, DROP, 1, WARREN_DROP_SPOOFED },
	/* into the workload, through the host stack */
	{ "to_wl public source passes", TO_WL, PUBLIC, SRC, 64, 0, S_ALL_PROTOS, PASS, 1, NONE },
	{ "to_wl same-env source passes", TO_WL, PEER, SRC, 64, 0, S_ALL_PROTOS, PASS, 1, NONE },
	{ "to_wl cross-env source drops", TO_WL, OTHER, SRC, 64, 0, S_ALL_PROTOS, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "to_wl unknown fabric source", TO_WL, NOEP, SRC, 64, 0, 0, DROP, 1, WARREN_DROP_UNKNOWN_SOURCE },
	{ "to_wl build-phase source", TO_WL, BUILDEP, SRC, 64, 0, 0, DROP, 1, WARREN_DROP_BUILD },
	{ "to_wl build-phase destination", TO_WL, PEER, SRC, 64, 0, S_SRC_BUILD, DROP, 1, WARREN_DROP_BUILD },
	{ "to_wl host source passes", TO_WL, HOSTEP, SRC, 64, 0, 0, PASS, 1, NONE },
	{ "to_wl fragment cross-env drop", TO_WL, OTHER, SRC, 64, PKT_FRAG, 0, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "to_wl unknown interface", TO_WL, PEER, SRC, 64, 0, S_NO_IFACE, DROP, 0, WARREN_DROP_UNKNOWN_IFACE },
};

/* Exactly the expected counter moved by one, in the expected env, and nothing else. */
static void check_counters(const struct pcase *c, size_t len)
{
	int path = c->reason == DELIVERED ? WARREN_PATH_LOCAL :
		   c->reason == EGRESSED ? WARREN_PATH_EGRESS : NONE;

	expect_only(c->env, path, c->prog == FROM_WL ? WARREN_DIR_FROM_WL : WARREN_DIR_FROM_HOST,
		    c->reason, len);
}

static __u32 env_of(enum who w)
{
	return w == SRC || w == PEER || w == BUILDEP ? 1 : w == OTHER ? 2 : 0;
}

/*
 * A drop's one event says what its site knew: the interface's environment
 * alone when the source did not check out, no addresses when the header
 * did not parse, else both ends' environments (0 for no endpoint).
 */
static void check_event(const struct pcase *c, const __u8 *in, size_t len)
{
	struct ev_want w = { .type = WARREN_EVENT_DROP, .reason = c->reason, .env_id = c->env,
			     .l3 = 14, .len = (__u32)len };

	if (c->reason < 0) {
		expect_no_event();
		return;
	}
	if (c->prog == FROM_WL) {
		w.dir = WARREN_DIR_FROM_WL;
		w.src_env = c->env;
		if (c->reason == WARREN_DROP_MALFORMED)
			w.l3 = L3_NONE;
		else if (c->reason != WARREN_DROP_SPOOFED && c->reason != WARREN_DROP_UNKNOWN_IFACE)
			w.dst_env = env_of(c->dst);
	} else {
		w.dir = WARREN_DIR_FROM_HOST;
		w.dst_env = c->env;
		if (c->reason == WARREN_DROP_MALFORMED || c->reason == WARREN_DROP_UNKNOWN_IFACE)
			w.l3 = L3_NONE;
		else
			w.src_env = env_of(c->src);
	}
	expect_event(&w, in, len);
}

/* The same packet through the observing build: where did it go? */
static __u32 redirect_target(const __u8 *in, size_t len, int prog)
{
	__u8 out[512];
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	struct bpf_program *p = prog == FROM_WL ? obs->progs.warren_from_wl : obs->progs.warren_to_wl;

	obs->bss->observed_ifindex = 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(p), &topts) || topts.retval != REDIRECT)
		return 0;
	return obs->bss->observed_ifindex;
}

static void check_redirect(const struct pcase *c, int family, const __u8 *in, const __u8 *out,
			   size_t len)
{
	__u8 mac[6];

	mac_of(c->dst, 1, mac);
	ASSERT_MEMEQ(out, mac, 6, "destination MAC is the workload's");
	mac_of(c->dst, 0, mac);
	ASSERT_MEMEQ(out + 6, mac, 6, "source MAC is its gateway's");
	ASSERT_EQ(redirect_target(in, len, c->prog), 42, "target ifindex");
	if (family == AF_INET) {
		ASSERT_EQ(out[14 + 8], in[14 + 8] - 1, "TTL decremented");
		ASSERT_OK(pkt_ipv4_csum_ok(out), "IPv4 header checksum still valid");
		/* Everything but the MACs, TTL and checksum is untouched. */
		ASSERT_MEMEQ(out + 12, in + 12, 8 + 2, "up to TTL");
		ASSERT_MEMEQ(out + 14 + 9, in + 14 + 9, 1, "protocol");
		ASSERT_MEMEQ(out + 14 + 12, in + 14 + 12, len - 26, "addresses and payload");
	} else {
		ASSERT_EQ(out[14 + 7], in[14 + 7] - 1, "hop limit decremented");
		ASSERT_MEMEQ(out + 12, in + 12, 9, "up to hop limit");
		ASSERT_MEMEQ(out + 22, in + 22, len - 22, "addresses and payload");
	}
}

static void run_case(const struct pcase *c, int family, int proto)
{
	struct pkt_spec spec = { .family = family, .proto = proto, .src = addr[c->src][family == AF_INET6],
				 .dst = addr[c->dst][family == AF_INET6], .ttl = c->ttl,
				 .flags = c->pkt };
	__u8 in[256], out[512];
	size_t len = pkt_build(in, &spec);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	struct bpf_program *prog = c->prog == FROM_WL ? skel->progs.warren_from_wl
						       : skel->progs.warren_to_wl;

	if (!ASSERT_OK(fixture_fill(c->setup), "fill maps") ||
	    !ASSERT_OK(zero_counters(), "zero counters"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(prog), &topts), "test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict, "verdict");
	/* Counters first: the observing run below shares the maps. */
	check_counters(c, len);
	check_event(c, in, len);
	if (c->verdict == REDIRECT) {
		ASSERT_EQ(topts.data_size_out, len, "length");
		check_redirect(c, family, in, out, len);
	} else if (c->verdict == PASS && ASSERT_EQ(topts.data_size_out, len, "length")) {
		ASSERT_MEMEQ(out, in, len, "passed unchanged");
	}
}

int main(void)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	static const char *const pname[] = { "tcp", "udp", "icmp" };
	int n = 0, failed = 0, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_prefix("test_progs");
	log_route_libbpf();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fams = cases[i].setup & (S_V4_ONLY | S_V6_ONLY) ? 1 : 2;

		n += fams * (cases[i].setup & S_ALL_PROTOS ? 3 : 1);
	}
	printf("TAP version 13\n1..%d\n", n);
	err = fixture_setup();
	if (err) {
		printf("# setup: %s\n", strerror(-err));
		for (int i = 1; i <= n; i++)
			printf("not ok %d setup failed\n", i);
		fixture_teardown();
		return 1;
	}
	n = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];

		for (int f = 0; f < 2; f++) {
			int family = f ? AF_INET6 : AF_INET;

			if ((c->setup & S_V4_ONLY && f) || (c->setup & S_V6_ONLY && !f))
				continue;
			for (int p = 0; p < (c->setup & S_ALL_PROTOS ? 3 : 1); p++) {
				int proto = c->setup & S_ALL_PROTOS ? protos[p] : IPPROTO_UDP;

				test_failed = 0;
				run_case(c, family, proto);
				failed += test_failed;
				printf("%s %d %s %s %s\n", test_failed ? "not ok" : "ok", ++n, c->name,
				       f ? "v6" : "v4", pname[c->setup & S_ALL_PROTOS ? p : 1]);
			}
		}
	}
	fixture_teardown();
	return failed ? 1 : 0;
}

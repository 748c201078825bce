// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN of the mesh's programs, every verdict, IPv4 and IPv6:
 *  - warren_from_wl towards another host's endpoint: out of the WireGuard
 *    device, or refused;
 *  - warren_wg_in (WireGuard device ingress, an L3 packet): into the local
 *    workload with the MAC header its veth needs, or dropped with a reason;
 *  - warren_uplink (XDP on the underlay): plaintext fabric packets and
 *    WireGuard-port packets from strangers dropped, the rest untouched;
 *  - warren_ul_out (tc egress of the underlay): anything leaving with a
 *    fabric address (or an ICMP error quoting one) dropped, the rest untouched.
 * The maps are the fixture's (a local cast on 10.210.1.0/24) plus the
 * remote endpoints and peers an agent writes from the fleet state.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "veth_observe.skel.h"
#include "wg.skel.h"
#include "wg_observe.skel.h"
#include "uplink.skel.h"

int test_failed;
const char *test_skip;

#define WG_IFINDEX 99
#define XDP_DROP_ 1
#define XDP_PASS_ 2

static struct wg_bpf *wg;
static struct wg_observe_bpf *wg_obs;
static struct uplink_bpf *up;

/* Other hosts' endpoints (host 2's prefix) and addresses of the underlay. */
enum rwho { R_SAME, R_OTHER, R_BUILD, R_UNKNOWN, N_RWHO };
static const char *const raddr[N_RWHO][2] = {
	[R_SAME] = { "10.210.2.9", "fd77:7761:7272:2::9" },	/* env 1 */
	[R_OTHER] = { "10.210.2.10", "fd77:7761:7272:2::a" },	/* env 2 */
	[R_BUILD] = { "10.210.2.11", "fd77:7761:7272:2::b" },	/* env 1, build phase */
	[R_UNKNOWN] = { "10.210.2.99", "fd77:7761:7272:2::99" },	/* nobody */
};
static const char *const peer_addr[2] = { "192.0.2.10", "2001:db8::10" };
static const char *const stranger_addr[2] = { "192.0.2.66", "2001:db8::66" };

static int remote_fill(void)
{
	static const struct { enum rwho w; __u32 env; __u8 flags; } rs[] = {
		{ R_SAME, 1, 0 }, { R_OTHER, 2, 0 }, { R_BUILD, 1, WARREN_EP_BUILD },
	};
	struct warren_peer peer = { .host_index = 2 };
	struct warren_uplink_cfg cfg = { .wg_port = htons(7) };	/* the packets' UDP port */
	__u32 zero = 0;
	int ret = 0;

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		struct warren_endpoint v = { .env_id = rs[i].env, .ifindex = WG_IFINDEX,
					     .endpoint_id = 100 + (__u32)i,
					     .flags = WARREN_EP_REMOTE | WARREN_EP_HAS_V4 |
						      WARREN_EP_HAS_V6 | rs[i].flags };
		struct warren_ip6 a6;
		__be32 a4;

		inet_pton(AF_INET, raddr[rs[i].w][0], &a4);
		inet_pton(AF_INET6, raddr[rs[i].w][1], &a6);
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_ep4, &a4, 4, &v, sizeof(v), 0);
		ret = ret ?: bpf_map__update_elem(skel->maps.warren_ep6, &a6, 16, &v, sizeof(v), 0);
	}
	{
		struct warren_ip6 p6;
		__be32 p4;

		inet_pton(AF_INET, peer_addr[0], &p4);
		inet_pton(AF_INET6, peer_addr[1], &p6);
		ret = ret ?: bpf_map__update_elem(up->maps.warren_peers4, &p4, 4, &peer, sizeof(peer), 0);
		ret = ret ?: bpf_map__update_elem(up->maps.warren_peers6, &p6, 16, &peer, sizeof(peer), 0);
	}
	return ret ?: bpf_map__update_elem(up->maps.warren_uplink_cfg, &zero, 4, &cfg, sizeof(cfg), 0);
}

static int set_wg_port(__u16 port)
{
	struct warren_uplink_cfg cfg = { .wg_port = htons(port) };
	__u32 zero = 0;

	return bpf_map__update_elem(up->maps.warren_uplink_cfg, &zero, 4, &cfg, sizeof(cfg), 0);
}

static const __u32 renv[N_RWHO] = { [R_SAME] = 1, [R_OTHER] = 2, [R_BUILD] = 1 };

static __u32 env_of(enum who w)
{
	return w == SRC || w == PEER || w == BUILDEP ? 1 : w == OTHER ? 2 : 0;
}

/* A drop's one event (no event for anything else); env counted, env on each end. */
static void check_event(int dir, int reason, __u32 env, __u32 src_env, __u32 dst_env, __u32 l3,
			const __u8 *frame, size_t len)
{
	struct ev_want w = { .type = WARREN_EVENT_DROP, .dir = (__u8)dir, .reason = reason,
			     .env_id = env, .src_env = src_env, .dst_env = dst_env, .l3 = l3,
			     .len = (__u32)len };

	if (reason < 0)
		expect_no_event();
	else
		expect_event(&w, frame, len);
}

static const char *addr_of(int is_remote, int who, int v6)
{
	return is_remote ? raddr[who][v6] : addr[who][v6];
}

/* --- warren_from_wl towards other hosts ------------------------------------ */

struct out_case {
	const char *name;
	enum rwho dst;
	__u8 ttl;
	__u32 verdict;
	__u32 env;
	int reason;
};

static const struct out_case out_cases[] = {
	{ "from_wl to a remote same-env endpoint: out of the WireGuard device", R_SAME, 64, REDIRECT, 1, DELIVERED },
	{ "from_wl to a remote other-env endpoint: cross_env", R_OTHER, 64, DROP, 1, WARREN_DROP_CROSS_ENV },
	{ "from_wl to a remote build-phase endpoint", R_BUILD, 64, DROP, 1, WARREN_DROP_BUILD },
	{ "from_wl to a remote address with no endpoint", R_UNKNOWN, 64, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "from_wl to a remote endpoint, ttl 1", R_SAME, 1, DROP, 1, WARREN_DROP_TTL },
};

static void run_out(const struct out_case *c, int v6, int proto)
{
	struct pkt_spec spec = { .family = v6 ? AF_INET6 : AF_INET, .proto = proto,
				 .src = addr[SRC][v6], .dst = raddr[c->dst][v6], .ttl = c->ttl };
	__u8 in[256], out[512];
	size_t len = pkt_build(in, &spec);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!ASSERT_OK(fixture_fill(0), "fill") || !ASSERT_OK(zero_counters(), "zero"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.warren_from_wl), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict, "verdict");
	expect_only(c->env, c->reason == DELIVERED ? WARREN_PATH_MESH : NONE, WARREN_DIR_FROM_WL,
		    c->reason, len);
	check_event(WARREN_DIR_FROM_WL, c->reason, 1, 1, renv[c->dst], 14, in, len);
	if (c->verdict != REDIRECT)
		return;
	/* The device strips the MAC header itself; only the hop count changes. */
	ASSERT_EQ(topts.data_size_out, len, "length");
	ASSERT_MEMEQ(out, in, 14, "MAC header untouched");
	if (v6) {
		ASSERT_EQ(out[14 + 7], in[14 + 7] - 1, "hop limit decremented");
	} else {
		ASSERT_EQ(out[14 + 8], in[14 + 8] - 1, "TTL decremented");
		ASSERT_OK(pkt_ipv4_csum_ok(out), "IPv4 header checksum still valid");
	}
	ASSERT_MEMEQ(out + 14 + (v6 ? 8 : 12), in + 14 + (v6 ? 8 : 12), len - 14 - (v6 ? 8 : 12),
		     "addresses and payload");
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .repeat = 1);

		obs->bss->observed_ifindex = 0;
		ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(obs->progs.warren_from_wl), &o),
			  "observed run");
		ASSERT_EQ(obs->bss->observed_ifindex, WG_IFINDEX, "target is the WireGuard device");
	}
}

/* --- warren_wg_in ------------------------------------------------------------ */

struct in_case {
	const char *name;
	int src_remote, src;	/* src_remote: src is an rwho, else a who */
	int dst;		/* a who (this host's addresses) */
	__u8 ttl;
	unsigned int pkt;
	__u32 verdict;
	__u32 env;
	int reason;
};

static const struct in_case in_cases[] = {
	{ "wg_in same-env into the local workload", 1, R_SAME, PEER, 64, 0, REDIRECT, 1, DELIVERED },
	{ "wg_in other-env source: cross_env", 1, R_OTHER, PEER, 64, 0, DROP, 2, WARREN_DROP_CROSS_ENV },
	{ "wg_in build-phase source", 1, R_BUILD, PEER, 64, 0, DROP, 1, WARREN_DROP_BUILD },
	{ "wg_in build-phase destination", 1, R_SAME, BUILDEP, 64, 0, DROP, 1, WARREN_DROP_BUILD },
	{ "wg_in unknown remote source", 1, R_UNKNOWN, PEER, 64, 0, DROP, 0, WARREN_DROP_UNKNOWN_SOURCE },
	{ "wg_in a local endpoint's address as source", 0, OTHER, PEER, 64, 0, DROP, 0, WARREN_DROP_UNKNOWN_SOURCE },
	{ "wg_in public source", 0, PUBLIC, PEER, 64, 0, DROP, 0, WARREN_DROP_UNKNOWN_SOURCE },
	{ "wg_in destination with no endpoint", 1, R_SAME, NOEP, 64, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "wg_in destination the host's own address", 1, R_SAME, HOSTEP, 64, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "wg_in destination public (no routing for peers)", 1, R_SAME, PUBLIC, 64, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "wg_in destination on a third host", 1, R_SAME, ELSEWHERE, 64, 0, DROP, 1, WARREN_DROP_NO_ENDPOINT },
	{ "wg_in ttl 1", 1, R_SAME, PEER, 1, 0, DROP, 1, WARREN_DROP_TTL },
	{ "wg_in wrong IP version", 1, R_SAME, PEER, 64, PKT_BAD_VER, DROP, 0, WARREN_DROP_MALFORMED },
	{ "wg_in same-env fragment delivered", 1, R_SAME, PEER, 64, PKT_FRAG, REDIRECT, 1, DELIVERED },
};

static void run_in(const struct in_case *c, int v6, int proto)
{
	struct pkt_spec spec = { .family = v6 ? AF_INET6 : AF_INET, .proto = proto,
				 .src = addr_of(c->src_remote, c->src, v6),
				 .dst = addr[c->dst][v6], .ttl = c->ttl, .flags = c->pkt };
	__u8 frame[256], out[512], mac[6];
	size_t len = pkt_build(frame, &spec) - 14;	/* an L3 device: no MAC header */
	const __u8 *in = frame + 14;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!ASSERT_OK(fixture_fill(0), "fill") || !ASSERT_OK(zero_counters(), "zero"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(wg->progs.warren_wg_in), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict, "verdict");
	expect_only(c->env, c->reason == DELIVERED ? WARREN_PATH_MESH_IN : NONE, WARREN_DIR_FROM_MESH,
		    c->reason, len + (c->reason == DELIVERED ? 14 : 0));
	/* An unknown source is nobody's; a bad header has no addresses to tell. */
	if (c->reason == WARREN_DROP_UNKNOWN_SOURCE)
		check_event(WARREN_DIR_FROM_MESH, c->reason, 0, 0, 0, 0, in, len);
	else if (c->reason == WARREN_DROP_MALFORMED)
		check_event(WARREN_DIR_FROM_MESH, c->reason, 0, 0, 0, L3_NONE, in, len);
	else
		check_event(WARREN_DIR_FROM_MESH, c->reason, c->env, c->env, env_of(c->dst), 0,
			    in, len);
	if (c->verdict != REDIRECT)
		return;
	if (!ASSERT_EQ(topts.data_size_out, len + 14, "a MAC header was added"))
		return;
	mac_of(c->dst, 1, mac);
	ASSERT_MEMEQ(out, mac, 6, "destination MAC is the workload's");
	mac_of(c->dst, 0, mac);
	ASSERT_MEMEQ(out + 6, mac, 6, "source MAC is its gateway's");
	ASSERT_EQ((out[12] << 8) | out[13], v6 ? 0x86dd : 0x0800, "EtherType");
	if (v6) {
		ASSERT_EQ(out[14 + 7], in[7] - 1, "hop limit decremented");
	} else {
		ASSERT_EQ(out[14 + 8], in[8] - 1, "TTL decremented");
		ASSERT_OK(pkt_ipv4_csum_ok(out), "IPv4 header checksum still valid");
	}
	ASSERT_MEMEQ(out + 14 + (v6 ? 8 : 12), in + (v6 ? 8 : 12), len - (v6 ? 8 : 12),
		     "addresses and payload");
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .repeat = 1);

		wg_obs->bss->observed_ifindex = 0;
		ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(wg_obs->progs.warren_wg_in), &o),
			  "observed run");
		ASSERT_EQ(wg_obs->bss->observed_ifindex, 42, "target is the workload's veth");
	}
}

/* --- warren_uplink (XDP) -------------------------------------------------- */

enum { U_PEER, U_STRANGER, U_FABRIC_DST, U_FABRIC_SRC };
enum { U_VLAN = 1 << 8, U_PORT_OFF = 1 << 9, U_OTHER_PORT = 1 << 10 };

struct up_case {
	const char *name;
	int from, proto;
	unsigned int pkt;	/* PKT_* and U_* */
	__u32 verdict;
	int reason;		/* counted in env 0, or NONE */
};

static const struct up_case up_cases[] = {
	/* each row: warren_uplink (XDP), then warren_ul_in (tc) */
	{ "uplink WireGuard from a peer passes", U_PEER, IPPROTO_UDP, 0, XDP_PASS_, NONE },
	{ "uplink WireGuard port from a stranger: not_peer", U_STRANGER, IPPROTO_UDP, 0, XDP_DROP_, WARREN_DROP_NOT_PEER },
	{ "uplink stranger, VLAN-tagged: not_peer", U_STRANGER, IPPROTO_UDP, U_VLAN, XDP_DROP_, WARREN_DROP_NOT_PEER },
	{ "uplink stranger before the mesh is configured passes", U_STRANGER, IPPROTO_UDP, U_PORT_OFF, XDP_PASS_, NONE },
	{ "uplink stranger, UDP to another port passes", U_STRANGER, IPPROTO_UDP, U_OTHER_PORT, XDP_PASS_, NONE },
	{ "uplink stranger, TCP to the same port passes", U_STRANGER, IPPROTO_TCP, 0, XDP_PASS_, NONE },
	{ "uplink stranger, non-first fragment passes", U_STRANGER, IPPROTO_UDP, PKT_FRAG, XDP_PASS_, NONE },
	{ "uplink plaintext to a fabric address: plaintext", U_FABRIC_DST, IPPROTO_UDP, 0, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink plaintext TCP to a fabric address", U_FABRIC_DST, IPPROTO_TCP, 0, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink plaintext ICMP to a fabric address", U_FABRIC_DST, IPPROTO_ICMP, 0, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink plaintext, VLAN-tagged", U_FABRIC_DST, IPPROTO_UDP, U_VLAN, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink plaintext fragment to a fabric address", U_FABRIC_DST, IPPROTO_UDP, PKT_FRAG, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink plaintext from a fabric address", U_FABRIC_SRC, IPPROTO_UDP, 0, XDP_DROP_, WARREN_DROP_PLAINTEXT },
	{ "uplink ARP passes", U_STRANGER, IPPROTO_UDP, PKT_ARP, XDP_PASS_, NONE },
};

/* Insert an 802.1Q tag (VLAN 77) after the MACs; returns the new length. */
static size_t add_vlan(__u8 *b, size_t len)
{
	memmove(b + 16, b + 12, len - 12);
	b[12] = 0x81;
	b[13] = 0x00;
	b[14] = 0x00;
	b[15] = 77;
	return len + 4;
}

static void run_up(const struct up_case *c, int v6)
{
	const char *src = c->from == U_PEER ? peer_addr[v6] :
			  c->from == U_FABRIC_SRC ? addr[PEER][v6] : stranger_addr[v6];
	const char *dst = c->from == U_FABRIC_DST ? addr[PEER][v6] : (v6 ? "2001:db8::1" : "192.0.2.1");
	int proto = c->proto;	/* IPPROTO_ICMP means ICMPv6 over IPv6 to pkt_build */
	struct pkt_spec spec = { .family = v6 ? AF_INET6 : AF_INET, .proto = proto, .src = src,
				 .dst = dst, .ttl = 64, .flags = c->pkt & 0xff };
	__u8 in[512], out[512];
	size_t len = pkt_build(in, &spec);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_out = out, .data_size_out = sizeof(out),
		    .repeat = 1);

	if (c->pkt & U_VLAN)
		len = add_vlan(in, len);
	topts.data_in = in;
	topts.data_size_in = (__u32)len;
	if (!ASSERT_OK(zero_counters(), "zero") ||
	    !ASSERT_OK(set_wg_port(c->pkt & U_PORT_OFF ? 0 : c->pkt & U_OTHER_PORT ? 8 : 7), "port"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(up->progs.warren_uplink), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict, "verdict");
	expect_only(0, NONE, WARREN_DIR_FROM_UPLINK, c->reason, 0);
	check_event(WARREN_DIR_FROM_UPLINK, c->reason, 0, 0, 0, c->pkt & U_VLAN ? 18 : 14, in, len);
	if (c->verdict == XDP_PASS_ && ASSERT_EQ(topts.data_size_out, len, "length"))
		ASSERT_MEMEQ(out, in, len, "passed unchanged");

	/* warren_ul_in: the same rule at tc ingress, the same verdicts. */
	topts.data_size_out = sizeof(out);
	if (!ASSERT_OK(zero_counters(), "zero") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(up->progs.warren_ul_in), &topts),
		       "tc test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict == XDP_PASS_ ? PASS : DROP, "tc verdict");
	expect_only(0, NONE, WARREN_DIR_FROM_UPLINK, c->reason, 0);
	check_event(WARREN_DIR_FROM_UPLINK, c->reason, 0, 0, 0, c->pkt & U_VLAN ? 18 : 14, in, len);
	if (c->verdict == XDP_PASS_ && ASSERT_EQ(topts.data_size_out, len, "tc length"))
		ASSERT_MEMEQ(out, in, len, "tc passed unchanged");
}

/* --- warren_ul_out (tc egress) ------------------------------------------------ */

enum { O_QINQ = 1 << 11, O_ICMP_ERR = 1 << 12, O_INNER_FABRIC = 1 << 13 };

struct out_guard_case {
	const char *name;
	int from, proto;	/* from: U_PEER = an underlay-to-underlay packet */
	unsigned int pkt;	/* PKT_*, U_VLAN, O_* */
	__u32 verdict;
	int reason;
};

static const struct out_guard_case og_cases[] = {
	{ "ul_out WireGuard UDP to a peer passes", U_PEER, IPPROTO_UDP, 0, PASS, NONE },
	{ "ul_out underlay TCP passes", U_PEER, IPPROTO_TCP, 0, PASS, NONE },
	{ "ul_out underlay ping passes", U_PEER, IPPROTO_ICMP, 0, PASS, NONE },
	{ "ul_out VLAN-tagged underlay UDP passes", U_PEER, IPPROTO_UDP, U_VLAN, PASS, NONE },
	{ "ul_out ICMP error quoting an underlay packet passes", U_PEER, IPPROTO_ICMP, O_ICMP_ERR, PASS, NONE },
	{ "ul_out ARP passes", U_PEER, IPPROTO_UDP, PKT_ARP, PASS, NONE },
	{ "ul_out plaintext UDP to a fabric address: plaintext_out", U_FABRIC_DST, IPPROTO_UDP, 0, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext TCP to a fabric address", U_FABRIC_DST, IPPROTO_TCP, 0, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext ICMP to a fabric address", U_FABRIC_DST, IPPROTO_ICMP, 0, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext from a fabric address", U_FABRIC_SRC, IPPROTO_UDP, 0, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext fragment to a fabric address", U_FABRIC_DST, IPPROTO_UDP, PKT_FRAG, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext, VLAN-tagged", U_FABRIC_DST, IPPROTO_UDP, U_VLAN, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out plaintext, two VLAN tags (802.1ad + 802.1Q)", U_FABRIC_DST, IPPROTO_UDP, U_VLAN | O_QINQ, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out ICMP error quoting a fabric packet", U_PEER, IPPROTO_ICMP, O_ICMP_ERR | O_INNER_FABRIC, DROP, WARREN_DROP_PLAINTEXT_OUT },
	{ "ul_out malformed IP header: malformed", U_FABRIC_DST, IPPROTO_UDP, PKT_BAD_VER, DROP, WARREN_DROP_MALFORMED },
};

/*
 * Turn an ICMP echo frame into an error (unreachable) that quotes the IP
 * header and 8 bytes of a second packet; returns the new length.
 */
static size_t make_icmp_err(__u8 *b, size_t len, int v6, const char *qsrc, const char *qdst)
{
	struct pkt_spec q = { .family = v6 ? AF_INET6 : AF_INET, .proto = IPPROTO_UDP,
			      .src = qsrc, .dst = qdst, .ttl = 64 };
	size_t ip = v6 ? 40 : 20, quote = ip + 8;
	__u8 inner[256];

	pkt_build(inner, &q);
	len = 14 + ip + 8;
	b[14 + ip] = v6 ? 1 : 3;	/* destination unreachable */
	b[14 + ip + 1] = v6 ? 4 : 3;	/* port unreachable */
	memset(b + 14 + ip + 4, 0, 4);
	memcpy(b + len, inner + 14, quote);
	len += quote;
	if (v6) {
		b[14 + 4] = (__u8)((len - 54) >> 8);
		b[14 + 5] = (__u8)(len - 54);
	} else {
		b[14 + 2] = (__u8)((len - 14) >> 8);
		b[14 + 3] = (__u8)(len - 14);
	}
	return len;
}

static void run_og(const struct out_guard_case *c, int v6)
{
	const char *src = c->from == U_FABRIC_SRC ? addr[PEER][v6] : stranger_addr[v6];
	const char *dst = c->from == U_FABRIC_DST ? raddr[R_SAME][v6] : peer_addr[v6];
	struct pkt_spec spec = { .family = v6 ? AF_INET6 : AF_INET, .proto = c->proto, .src = src,
				 .dst = dst, .ttl = 64, .flags = c->pkt & 0xff };
	__u8 in[512], out[512];
	size_t len = pkt_build(in, &spec);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_out = out, .data_size_out = sizeof(out),
		    .repeat = 1);

	if (c->pkt & O_ICMP_ERR)
		len = make_icmp_err(in, len, v6, c->pkt & O_INNER_FABRIC ? raddr[R_SAME][v6] : src,
				    c->pkt & O_INNER_FABRIC ? addr[PEER][v6] : dst);
	if (c->pkt & U_VLAN)
		len = add_vlan(in, len);
	if (c->pkt & O_QINQ) {
		len = add_vlan(in, len);
		in[12] = 0x88;
		in[13] = 0xa8;	/* the outer tag is the service provider's */
	}
	topts.data_in = in;
	topts.data_size_in = (__u32)len;
	if (!ASSERT_OK(zero_counters(), "zero") || !ASSERT_OK(set_wg_port(7), "port"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(up->progs.warren_ul_out), &topts),
		       "test run"))
		return;
	ASSERT_EQ(topts.retval, c->verdict, "verdict");
	expect_only(0, NONE, WARREN_DIR_FROM_HOST, c->reason, 0);
	check_event(WARREN_DIR_FROM_HOST, c->reason, 0, 0, 0,
		    c->reason == WARREN_DROP_MALFORMED ? L3_NONE :
		    14 + (c->pkt & U_VLAN ? 4 : 0) + (c->pkt & O_QINQ ? 4 : 0), in, len);
	if (c->verdict == PASS && ASSERT_EQ(topts.data_size_out, len, "length"))
		ASSERT_MEMEQ(out, in, len, "passed unchanged");
}

/* --- main --------------------------------------------------------------------- */

static int setup(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	int err = fixture_setup();

	if (err)
		return err;
	wg = wg_bpf__open_opts(&opts);
	wg_obs = wg_observe_bpf__open_opts(&opts);
	up = uplink_bpf__open_opts(&opts);
	if (!wg || !wg_obs || !up)
		return -errno;
	FIXTURE_SET_FABRIC(wg->rodata);
	FIXTURE_SET_FABRIC(wg_obs->rodata);
	FIXTURE_SET_FABRIC(up->rodata);
	err = wg_bpf__load(wg) ?: wg_observe_bpf__load(wg_obs) ?: uplink_bpf__load(up);
	return err ?: remote_fill();
}

static void teardown(void)
{
	if (up)
		bpf_object__unpin_maps(up->obj, NULL);
	uplink_bpf__destroy(up);
	wg_observe_bpf__destroy(wg_obs);
	wg_bpf__destroy(wg);
	fixture_teardown();
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	static const char *const pname[] = { "tcp", "udp", "icmp" };
	int n = 0, failed = 0, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_prefix("test_mesh_progs");
	log_route_libbpf();
	n = (int)(N(out_cases) * 2 * 3 + N(in_cases) * 2 * 3 + N(up_cases) * 2 + N(og_cases) * 2);
	printf("TAP version 13\n1..%d\n", n);
	err = setup();
	if (err) {
		printf("# setup: %s\n", strerror(-err));
		for (int i = 1; i <= n; i++)
			printf("not ok %d setup failed\n", i);
		teardown();
		return 1;
	}
	n = 0;
#define REPORT(name, fam, pn) do {							\
		failed += test_failed;							\
		printf("%s %d %s %s%s%s\n", test_failed ? "not ok" : "ok", ++n, name,	\
		       fam ? "v6" : "v4", pn ? " " : "", pn ? pn : "");			\
	} while (0)
	for (size_t i = 0; i < N(out_cases); i++)
		for (int f = 0; f < 2; f++)
			for (int p = 0; p < 3; p++) {
				test_failed = 0;
				run_out(&out_cases[i], f, protos[p]);
				REPORT(out_cases[i].name, f, pname[p]);
			}
	for (size_t i = 0; i < N(in_cases); i++)
		for (int f = 0; f < 2; f++)
			for (int p = 0; p < 3; p++) {
				test_failed = 0;
				run_in(&in_cases[i], f, protos[p]);
				REPORT(in_cases[i].name, f, pname[p]);
			}
	for (size_t i = 0; i < N(up_cases); i++)
		for (int f = 0; f < 2; f++) {
			test_failed = 0;
			run_up(&up_cases[i], f);
			REPORT(up_cases[i].name, f, (const char *)NULL);
		}
	for (size_t i = 0; i < N(og_cases); i++)
		for (int f = 0; f < 2; f++) {
			test_failed = 0;
			run_og(&og_cases[i], f);
			REPORT(og_cases[i].name, f, (const char *)NULL);
		}
	teardown();
	return failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN of the datapath's events (bpf/lib/events.h) beyond
 * "one per drop", which test_progs, test_mesh_progs and test_reply_progs
 * check on every drop row:
 *  - the token bucket per (environment, reason): a burst past it sends
 *    exactly burst events, the rest counted as rate-limited; another
 *    reason has a bucket of its own; banked time refills it;
 *  - rate 0: no events, every one counted;
 *  - a ring nobody reads: what does not fit is counted as ring-full, and
 *    sent + ring-full is every drop;
 *  - flow events: off by default; with flow_sample 1 one per delivered
 *    packet on each path (local, mesh, egress, mesh_in), with its fields;
 *    with flow_sample N about one in N.
 * Events are read with ring_buffer__consume() after each test run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "lib/log.h"
#include "warren.h"
#include "packets.h"
#include "fixture.h"
#include "events.h"
#include "veth.skel.h"
#include "wg.skel.h"

int test_failed;
const char *test_skip;

#define WG_IFINDEX 99
static const char *const remote[2] = { "10.210.2.9", "fd77:7761:7272:2::9" };	/* env 1, host 2 */
static struct wg_bpf *wg;

/* Run prog over frame count times (one test run each: each is one packet). */
static int run_n(int prog_fd, const __u8 *frame, size_t len, int count, __u32 *verdict)
{
	for (int i = 0; i < count; i++) {
		__u8 out[512];
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
		int err = bpf_prog_test_run_opts(prog_fd, &t);

		if (err)
			return err;
		*verdict = t.retval;
	}
	return 0;
}

static size_t frame_to(__u8 *b, int v6, const char *dst)
{
	struct pkt_spec s = { .family = v6 ? AF_INET6 : AF_INET, .proto = IPPROTO_UDP,
			      .src = addr[SRC][v6], .dst = dst, .ttl = 64 };

	return pkt_build(b, &s);
}

static int from_wl(void)
{
	return bpf_program__fd(skel->progs.warren_from_wl);
}

static int prepare(__u32 rate, __u32 burst, __u32 flow_sample)
{
	return fixture_fill(0) ?: zero_counters() ?: events_config(rate, burst, flow_sample);
}

#define BURST 8
#define EXTRA 5

static void test_bucket(int v6)
{
	struct warren_event ev[EV_MAX];
	struct warren_event_stats st;
	struct warren_counters c;
	__u8 in[256], spoof[256];
	size_t len = frame_to(in, v6, addr[OTHER][v6]), slen;
	struct pkt_spec s = { .family = v6 ? AF_INET6 : AF_INET, .proto = IPPROTO_UDP,
			      .src = addr[PEER][v6], .dst = addr[OTHER][v6], .ttl = 64 };
	__u32 verdict = 0;
	int n;

	slen = pkt_build(spoof, &s);
	/* One a second: no refill worth a token within the test. */
	if (!ASSERT_OK(prepare(1, BURST, 0), "prepare"))
		return;
	if (!ASSERT_OK(run_n(from_wl(), in, len, BURST + EXTRA, &verdict), "cross-env burst"))
		return;
	ASSERT_EQ(verdict, DROP, "verdict");
	n = events_take(ev);
	ASSERT_EQ(n, BURST, "events: the burst");
	for (int i = 0; i < n && i < EV_MAX; i++)
		ASSERT_EQ(ev[i].reason, WARREN_DROP_CROSS_ENV, "each a cross_env drop");
	if (ASSERT_OK(events_stats(&st), "stats")) {
		ASSERT_EQ(st.sent[WARREN_EVENT_DROP], BURST, "sent");
		ASSERT_EQ(st.rate_limited[WARREN_EVENT_DROP], EXTRA, "rate-limited");
		ASSERT_EQ(st.ring_full[WARREN_EVENT_DROP], 0, "ring full");
	}
	if (ASSERT_OK(read_counters(1, &c), "counters"))
		ASSERT_EQ(c.drops[WARREN_DIR_FROM_WL][WARREN_DROP_CROSS_ENV], BURST + EXTRA,
			  "every drop counted");
	/* Spoofing is another reason: its own bucket, still full. */
	if (ASSERT_OK(run_n(from_wl(), spoof, slen, 1, &verdict), "spoofed"))
		ASSERT_EQ(events_take(ev), 1, "another reason's event passes");
}

/* Banked time refills the bucket: two seconds at one a second are two tokens. */
static void test_refill(int v6)
{
	struct warren_ev_rl_key k = { .env_id = 1, .reason = WARREN_DROP_CROSS_ENV };
	struct warren_event ev[EV_MAX];
	struct warren_ratelimit b;
	struct timespec now;
	__u8 in[256];
	size_t len = frame_to(in, v6, addr[OTHER][v6]);
	__u32 verdict;

	if (!ASSERT_OK(prepare(1, BURST, 0), "prepare") ||
	    !ASSERT_OK(run_n(from_wl(), in, len, BURST + 1, &verdict), "empty the bucket"))
		return;
	ASSERT_EQ(events_take(ev), BURST, "the burst");
	if (!ASSERT_OK(bpf_map__lookup_elem(skel->maps.warren_ev_rl, &k, sizeof(k), &b, sizeof(b), 0),
		       "bucket of (env 1, cross_env)"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	b.last_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec - 2000000000ULL;
	if (!ASSERT_OK(bpf_map__update_elem(skel->maps.warren_ev_rl, &k, sizeof(k), &b, sizeof(b), 0),
		       "bank two seconds"))
		return;
	if (ASSERT_OK(run_n(from_wl(), in, len, 4, &verdict), "four more"))
		ASSERT_EQ(events_take(ev), 2, "two tokens, two events");
}

static void test_rate_zero(int v6)
{
	struct warren_event_stats st;
	__u8 in[256];
	size_t len = frame_to(in, v6, addr[OTHER][v6]);
	__u32 verdict;

	if (!ASSERT_OK(prepare(0, BURST, 0), "prepare") ||
	    !ASSERT_OK(run_n(from_wl(), in, len, 3, &verdict), "three drops"))
		return;
	expect_no_event();
	if (ASSERT_OK(events_stats(&st), "stats"))
		ASSERT_EQ(st.rate_limited[WARREN_EVENT_DROP], 3, "each counted as rate-limited");
}

/* More drops than the ring holds, nobody reading: the rest is counted. */
static void test_ring_full(int v6)
{
	const int count = 20000;	/* > WARREN_EVENTS_RING_BYTES / (72 + 8) */
	struct warren_event_stats st;
	__u8 in[256], out[512];
	size_t len = frame_to(in, v6, addr[OTHER][v6]);
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = count);
	struct warren_event ev[EV_MAX];
	int seen;

	if (!ASSERT_OK(prepare(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 0), "prepare") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(from_wl(), &t), "test run"))
		return;
	if (!ASSERT_OK(events_stats(&st), "stats"))
		return;
	printf("# %d drops: %llu sent, %llu ring full\n", count,
	       (unsigned long long)st.sent[0], (unsigned long long)st.ring_full[0]);
	ASSERT_TRUE(st.ring_full[WARREN_EVENT_DROP] > 0, "some found the ring full");
	ASSERT_EQ(st.sent[WARREN_EVENT_DROP] + st.ring_full[WARREN_EVENT_DROP] +
		  st.rate_limited[WARREN_EVENT_DROP], count, "every drop sent or counted");
	seen = events_take(ev);
	ASSERT_EQ(seen, st.sent[WARREN_EVENT_DROP], "every event sent is read");
}

/* flow_sample 1: each delivered packet sends one flow event, on its path. */
static void test_flows(int v6)
{
	static const struct { int dst; int path; __u32 dst_env; __u32 verdict; } rows[] = {
		{ PEER, WARREN_PATH_LOCAL, 1, REDIRECT },
		{ -1, WARREN_PATH_MESH, 1, REDIRECT },	/* remote[] */
		{ PUBLIC, WARREN_PATH_EGRESS, 0, PASS },
	};
	__u8 in[256];
	__u32 verdict;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = frame_to(in, v6, rows[i].dst < 0 ? remote[v6] : addr[rows[i].dst][v6]);
		struct ev_want w = { .type = WARREN_EVENT_FLOW, .dir = WARREN_DIR_FROM_WL,
				     .reason = rows[i].path, .env_id = 1, .src_env = 1,
				     .dst_env = rows[i].dst_env, .l3 = 14, .len = (__u32)len };

		if (!ASSERT_OK(prepare(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 1), "prepare") ||
		    !ASSERT_OK(run_n(from_wl(), in, len, 1, &verdict), "test run"))
			return;
		ASSERT_EQ(verdict, rows[i].verdict, "verdict");
		/* The packet was rewritten (TTL) after the event: addresses are the same. */
		expect_event(&w, in, len);
		expect_only(1, rows[i].path, 0, NONE, len);
	}
	/* Off: nothing, whatever the rate. */
	{
		size_t len = frame_to(in, v6, addr[PEER][v6]);

		if (ASSERT_OK(prepare(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 0), "prepare") &&
		    ASSERT_OK(run_n(from_wl(), in, len, 3, &verdict), "test run"))
			expect_no_event();
	}
}

/* Out of WireGuard into a workload here: mesh_in, from the mesh, after the MAC push. */
static void test_flow_mesh_in(int v6)
{
	struct pkt_spec s = { .family = v6 ? AF_INET6 : AF_INET, .proto = IPPROTO_TCP,
			      .src = remote[v6], .dst = addr[PEER][v6], .ttl = 64 };
	__u8 frame[256];
	size_t len = pkt_build(frame, &s) - 14;
	struct ev_want w = { .type = WARREN_EVENT_FLOW, .dir = WARREN_DIR_FROM_MESH,
			     .reason = WARREN_PATH_MESH_IN, .env_id = 1, .src_env = 1, .dst_env = 1,
			     .l3 = 14, .len = (__u32)len + 14 };
	__u32 verdict;

	if (!ASSERT_OK(prepare(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 1), "prepare") ||
	    !ASSERT_OK(run_n(bpf_program__fd(wg->progs.warren_wg_in), frame + 14, len, 1, &verdict),
		       "test run"))
		return;
	ASSERT_EQ(verdict, REDIRECT, "verdict");
	/* The event reads the frame with its new MAC header: same IP bytes as ours. */
	expect_event(&w, frame, len + 14);
}

/* flow_sample 4: about one in four (a binomial far inside these bounds). */
static void test_sampling(int v6)
{
	const int count = 4000;
	struct warren_event_stats st;
	__u8 in[256];
	size_t len = frame_to(in, v6, addr[PEER][v6]);
	__u32 verdict;

	if (!ASSERT_OK(prepare(WARREN_EV_RATE_MAX, WARREN_EV_BURST_MAX, 4), "prepare") ||
	    !ASSERT_OK(run_n(from_wl(), in, len, count, &verdict), "test runs") ||
	    !ASSERT_OK(events_stats(&st), "stats"))
		return;
	printf("# %d delivered, flow_sample 4: %llu flow events\n", count,
	       (unsigned long long)st.sent[WARREN_EVENT_FLOW]);
	ASSERT_TRUE(st.sent[WARREN_EVENT_FLOW] > 700 && st.sent[WARREN_EVENT_FLOW] < 1300,
		    "about one in four");
	ASSERT_EQ(st.sent[WARREN_EVENT_DROP], 0, "no drop events");
	events_reset();
}

static int remote_fill(void)
{
	struct warren_endpoint v = { .env_id = 1, .ifindex = WG_IFINDEX, .endpoint_id = 100,
				     .flags = WARREN_EP_REMOTE | WARREN_EP_HAS_V4 | WARREN_EP_HAS_V6 };
	struct warren_ip6 a6;
	__be32 a4;

	inet_pton(AF_INET, remote[0], &a4);
	inet_pton(AF_INET6, remote[1], &a6);
	return bpf_map__update_elem(skel->maps.warren_ep4, &a4, 4, &v, sizeof(v), 0) ?:
	       bpf_map__update_elem(skel->maps.warren_ep6, &a6, 16, &v, sizeof(v), 0);
}

static int setup(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	int err = fixture_setup();

	if (err)
		return err;
	wg = wg_bpf__open_opts(&opts);
	if (!wg)
		return -errno;
	FIXTURE_SET_FABRIC(wg->rodata);
	return wg_bpf__load(wg) ?: remote_fill();
}

static const struct {
	const char *name;
	void (*fn)(int v6);
} tests[] = {
	{ "a burst past the bucket: burst events, the rest rate-limited", test_bucket },
	{ "banked time refills the bucket", test_refill },
	{ "rate 0: no events, each counted", test_rate_zero },
	{ "a full ring: sent + ring-full is every drop", test_ring_full },
	{ "flow_sample 1: one flow event per delivered packet, by path", test_flows },
	{ "flow_sample 1: out of WireGuard, a mesh_in flow", test_flow_mesh_in },
	{ "flow_sample 4: about one in four", test_sampling },
};

int main(void)
{
	int n = 0, failed = 0, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_prefix("test_event_progs");
	log_route_libbpf();
	printf("TAP version 13\n1..%zu\n", sizeof(tests) / sizeof(tests[0]) * 2);
	err = setup();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		for (int v6 = 0; v6 < 2; v6++) {
			test_failed = 0;
			if (err)
				printf("# setup: %s\n", strerror(-err));
			else
				tests[i].fn(v6);
			failed += test_failed || err;
			printf("%s %d %s %s\n", test_failed || err ? "not ok" : "ok", ++n,
			       tests[i].name, v6 ? "v6" : "v4");
		}
	wg_bpf__destroy(wg);
	fixture_teardown();
	return failed ? 1 : 0;
}

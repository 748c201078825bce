// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath's decision cost: BPF_PROG_TEST_RUN ns/packet of
 * warren_from_wl on its allow (redirect) and drop (cross-environment)
 * paths, IPv4 and IPv6, minus an empty tc program's ns/packet measured in
 * the same run. Prints "name ns" lines for scripts/bench.sh.
 *
 * The allow path decrements the TTL in place and test runs reuse one skb,
 * so each test run repeats a packet at most BATCH times (TTL 255 stays
 * above 1) and many runs are averaged; the kernel times only its loop.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "fixture.h"
#include "packets.h"
#include "veth.skel.h"
#include "empty.skel.h"

/* The fixture's expectations (unused here) report through these. */
int test_failed;
const char *test_skip;

#define BATCH 200
#define RUNS 5000
#define ROUNDS 5	/* median of rounds, to shrug off a noisy neighbour */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over rounds of the mean ns/packet over RUNS test runs of BATCH. */
static double measure(int prog_fd, const struct pkt_spec *spec, __u32 want)
{
	double rounds[ROUNDS];
	__u8 in[256], out[512];
	size_t len = pkt_build(in, spec);

	for (int r = 0; r < ROUNDS; r++) {
		unsigned long long total = 0;

		for (int i = 0; i < RUNS; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in,
				    .data_size_in = (__u32)len, .data_out = out,
				    .data_size_out = sizeof(out), .repeat = BATCH);

			if (bpf_prog_test_run_opts(prog_fd, &topts) || topts.retval != want) {
				fprintf(stderr, "bench: unexpected verdict %u (want %u)\n",
					topts.retval, want);
				return -1;
			}
			total += topts.duration;
		}
		rounds[r] = (double)total / RUNS;
	}
	qsort(rounds, ROUNDS, sizeof(rounds[0]), cmp_double);
	return rounds[ROUNDS / 2];
}

int main(void)
{
	struct pkt_spec allow4 = { AF_INET, IPPROTO_UDP, addr[SRC][0], addr[PEER][0], 255, 0 };
	struct pkt_spec drop4 = { AF_INET, IPPROTO_UDP, addr[SRC][0], addr[OTHER][0], 255, 0 };
	struct pkt_spec allow6 = { AF_INET6, IPPROTO_UDP, addr[SRC][1], addr[PEER][1], 255, 0 };
	struct pkt_spec drop6 = { AF_INET6, IPPROTO_UDP, addr[SRC][1], addr[OTHER][1], 255, 0 };
	struct empty_bpf *empty = NULL;
	double base, v[4];
	int from_wl, ret = 1;

	log_set_prefix("bench_progs");
	log_route_libbpf();
	if (fixture_setup() || fixture_fill(0)) {
		fprintf(stderr, "bench: loading the veth programs failed\n");
		goto out;
	}
	empty = empty_bpf__open_and_load();
	if (!empty) {
		fprintf(stderr, "bench: loading the empty program failed\n");
		goto out;
	}
	from_wl = bpf_program__fd(skel->progs.warren_from_wl);
	base = measure(bpf_program__fd(empty->progs.warren_empty), &allow4, 0);
	v[0] = measure(from_wl, &allow4, 7);
	v[1] = measure(from_wl, &drop4, 2);
	v[2] = measure(from_wl, &allow6, 7);
	v[3] = measure(from_wl, &drop6, 2);
	if (base < 0 || v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
		goto out;
	printf("empty_tc %.1f\n", base);
	printf("allow_v4 %.1f\nallow_v4_decision %.1f\n", v[0], v[0] - base);
	printf("drop_v4 %.1f\ndrop_v4_decision %.1f\n", v[1], v[1] - base);
	printf("allow_v6 %.1f\nallow_v6_decision %.1f\n", v[2], v[2] - base);
	printf("drop_v6 %.1f\ndrop_v6_decision %.1f\n", v[3], v[3] - base);
	ret = 0;
out:
	empty_bpf__destroy(empty);
	fixture_teardown();
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "fixture.h"
#include "events.h"
#include "veth.skel.h"

static struct ring_buffer *rb;
static struct warren_event kept[EV_MAX];
static int taken;

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct warren_event) && taken < EV_MAX)
		memcpy(&kept[taken], data, sizeof(kept[0]));
	taken++;
	return 0;
}

int events_open(void)
{
	rb = ring_buffer__new(bpf_map__fd(skel->maps.warren_events), on_event, NULL, NULL);
	return rb ? 0 : -errno;
}

void events_close(void)
{
	ring_buffer__free(rb);
	rb = NULL;
}

int events_reset(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_event_stats *zero = calloc((size_t)ncpu, sizeof(*zero));
	__u32 key = 0;
	int ret;

	if (!zero)
		return -ENOMEM;
	ret = rb ? ring_buffer__consume(rb) : -EINVAL;
	taken = 0;
	ret = ret < 0 ? ret : bpf_map__update_elem(skel->maps.warren_ev_stat, &key, 4, zero,
						   (size_t)ncpu * sizeof(*zero), 0);
	free(zero);
	return ret;
}

int events_config(__u32 rate, __u32 burst, __u32 flow_sample)
{
	struct warren_event_cfg cfg = { .rate = rate, .burst = burst, .flow_sample = flow_sample };
	struct bpf_map *rl = skel->maps.warren_ev_rl;
	struct warren_ev_rl_key k;
	__u32 zero = 0;
	int ret;

	ret = bpf_map__update_elem(skel->maps.warren_ev_cfg, &zero, 4, &cfg, sizeof(cfg), 0);
	while (!ret && !bpf_map__get_next_key(rl, NULL, &k, sizeof(k)))
		ret = bpf_map__delete_elem(rl, &k, sizeof(k), 0);
	return ret ?: events_reset();
}

int events_take(struct warren_event *ev)
{
	int n;

	taken = 0;
	if (ring_buffer__consume(rb) < 0)
		return -1;
	n = taken;
	memcpy(ev, kept, sizeof(kept[0]) * (size_t)(n < EV_MAX ? n : EV_MAX));
	return n;
}

int events_stats(struct warren_event_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_event_stats *per = calloc((size_t)ncpu, sizeof(*per));
	__u32 key = 0;
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (!per)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(skel->maps.warren_ev_stat, &key, 4, per,
				   (size_t)ncpu * sizeof(*per), 0);
	for (int c = 0; !ret && c < ncpu; c++)
		for (int t = 0; t < WARREN_EVENT__MAX; t++) {
			sum->sent[t] += per[c].sent[t];
			sum->rate_limited[t] += per[c].rate_limited[t];
			sum->ring_full[t] += per[c].ring_full[t];
		}
	free(per);
	return ret;
}

/* The reference: what the frame's bytes say, read the plain way. */
static void frame_fields(const __u8 *f, size_t len, __u32 l3, struct warren_event *e)
{
	const __u8 *ip = f + l3;
	size_t l4;

	memset(e, 0, sizeof(*e));
	if (l3 == L3_NONE || l3 + 20 > len)
		return;
	if (ip[0] >> 4 == 4) {
		e->family = 4;
		e->proto = ip[9];
		memcpy(e->src, ip + 12, 4);
		memcpy(e->dst, ip + 16, 4);
		if ((ip[6] & 0x1f) || ip[7]) {
			e->flags = WARREN_EVF_FRAG;
			return;
		}
		l4 = l3 + (size_t)(ip[0] & 0xf) * 4;
	} else {
		e->family = 6;
		e->proto = ip[6];
		memcpy(e->src, ip + 8, 16);
		memcpy(e->dst, ip + 24, 16);
		l4 = l3 + 40;
	}
	if ((e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) && l4 + 4 <= len) {
		memcpy(&e->sport, f + l4, 2);
		memcpy(&e->dport, f + l4 + 2, 2);
		e->flags = WARREN_EVF_PORTS;
	} else if (((e->proto == IPPROTO_ICMP && e->family == 4) ||
		    (e->proto == IPPROTO_ICMPV6 && e->family == 6)) && l4 + 2 <= len) {
		e->icmp_type = f[l4];
		e->icmp_code = f[l4 + 1];
		e->flags = WARREN_EVF_ICMP;
	}
}

void expect_event(const struct ev_want *w, const __u8 *frame, size_t len)
{
	struct warren_event ev[EV_MAX], ref;
	int n = events_take(ev);

	if (!ASSERT_EQ(n, 1, "exactly one event"))
		return;
	frame_fields(frame, len, w->l3, &ref);
	ASSERT_EQ(ev[0].type, w->type, "event type");
	ASSERT_EQ(ev[0].dir, w->dir, "event direction");
	ASSERT_EQ(ev[0].reason, w->reason, "event reason");
	ASSERT_EQ(ev[0].env_id, w->env_id, "event env");
	ASSERT_EQ(ev[0].src_env, w->src_env, "event source env");
	ASSERT_EQ(ev[0].dst_env, w->dst_env, "event destination env");
	ASSERT_EQ(ev[0].ifindex, LO_IFINDEX, "event ifindex");
	ASSERT_EQ(ev[0].len, w->len, "event packet length");
	ASSERT_TRUE(ev[0].ktime_ns > 0, "event time");
	ASSERT_EQ(ev[0].family, ref.family, "event family");
	ASSERT_MEMEQ(ev[0].src, ref.src, 16, "event source address");
	ASSERT_MEMEQ(ev[0].dst, ref.dst, 16, "event destination address");
	ASSERT_EQ(ev[0].proto, ref.proto, "event protocol");
	ASSERT_EQ(ev[0].flags, ref.flags, "event flags");
	ASSERT_EQ(ev[0].sport, ref.sport, "event source port");
	ASSERT_EQ(ev[0].dport, ref.dport, "event destination port");
	ASSERT_EQ(ev[0].icmp_type, ref.icmp_type, "event ICMP type");
	ASSERT_EQ(ev[0].icmp_code, ref.icmp_code, "event ICMP code");
}

void expect_no_event(void)
{
	struct warren_event ev[EV_MAX];

	ASSERT_EQ(events_take(ev), 0, "no event");
}

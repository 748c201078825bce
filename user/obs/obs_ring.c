// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath's side of events: the warren_events ring read on the
 * agent's loop (its epoll fd is one more fd there; readiness means events
 * to consume), the settings the datapath reads (warren_ev_cfg) and the
 * losses it counts (warren_ev_stat). Only this file touches those maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/agent.h"
#include "obs/obs.h"
#include "lib/log.h"
#include "lib/names.h"
#include "veth.skel.h"

int obs_config_set(struct agent *a, const struct warren_event_cfg *cfg, char *err)
{
	struct warren_event_cfg v = *cfg;
	__u32 zero = 0;
	int ret;

	v.pad = 0;
	ret = bpf_map__update_elem(a->dp.skel->maps.warren_ev_cfg, &zero, sizeof(zero), &v,
				   sizeof(v), BPF_ANY);
	if (ret) {
		snprintf(err, ERR_SIZE, "writing %s: %s", WARREN_MAP_EV_CFG, strerror(-ret));
		return ret;
	}
	a->obs.cfg = v;
	return 0;
}

int obs_stats_read(struct agent *a, struct warren_event_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_event_stats *per;
	__u32 zero = 0;
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(a->dp.skel->maps.warren_ev_stat, &zero, sizeof(zero), per,
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

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct warren_event ev;

	/* A shorter record would be another version's: not ours to read. */
	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	if (ev.type < WARREN_EVENT__MAX)
		a->obs.received[ev.type]++;
	obs_fanout(a, &ev);
	return 0;
}

int obs_consume(struct agent *a)
{
	int n = a->obs.rb ? ring_buffer__consume(a->obs.rb) : 0;

	if (n < 0)
		pr_warn("reading %s: %s\n", WARREN_MAP_EVENTS, strerror(-n));
	obs_flush(a);
	return n;
}

static void on_ring(struct loop *l, int fd, uint32_t events, void *arg)
{
	obs_consume(arg);
}

int obs_start(struct agent *a, char *err)
{
	struct obs *o = &a->obs;
	int ret;

	o->agent = a;
	/* Settings first: the datapath counts, and does not send, until they are there. */
	ret = obs_config_set(a, &o->cfg, err);
	if (ret)
		return ret;
	o->rb = ring_buffer__new(bpf_map__fd(a->dp.skel->maps.warren_events), on_event, a, NULL);
	if (!o->rb) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "reading %s: %s", WARREN_MAP_EVENTS, strerror(-ret));
		return ret;
	}
	o->ring_fd = ring_buffer__epoll_fd(o->rb);
	ret = loop_add(&a->loop, o->ring_fd, EPOLLIN, on_ring, a);
	if (ret) {
		snprintf(err, ERR_SIZE, "event loop: %s", strerror(-ret));
		ring_buffer__free(o->rb);
		o->rb = NULL;
		return ret;
	}
	/* What an earlier agent left unread is read now, not at the first new event. */
	obs_consume(a);
	return 0;
}

void obs_stop(struct agent *a)
{
	struct obs *o = &a->obs;

	obs_clients_close(a);
	if (o->rb) {
		loop_del(&a->loop, o->ring_fd);
		ring_buffer__free(o->rb);
		o->rb = NULL;
	}
	obs_names_free(&o->names);
}

/* `events set`: rate, burst, flow-sample, each optional; the datapath has them at once. */
int handle_events_set(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	static const struct { const char *key; uint32_t min, max; } lim[3] = {
		{ "rate", 0, WARREN_EV_RATE_MAX },
		{ "burst", 1, WARREN_EV_BURST_MAX },
		{ "flow-sample", 0, UINT32_MAX },
	};
	struct warren_event_cfg cfg = a->obs.cfg;
	uint32_t *field[3] = { &cfg.rate, &cfg.burst, &cfg.flow_sample };
	bool any = false;
	int ret;

	for (int i = 0; i < 3; i++) {
		const char *v = kv_get(req, lim[i].key);
		uint32_t n;

		if (!v)
			continue;
		if (u32_parse(v, lim[i].max, &n) || n < lim[i].min) {
			snprintf(err, ERR_SIZE, "%s \"%s\": a number from %u to %u", lim[i].key, v,
				 lim[i].min, lim[i].max);
			return -EINVAL;
		}
		*field[i] = n;
		any = true;
	}
	if (!any) {
		snprintf(err, ERR_SIZE, "nothing to set: rate, burst or flow-sample");
		return -EINVAL;
	}
	ret = obs_config_set(a, &cfg, err);
	if (ret)
		return ret;
	pr_info("events: %u/s, burst %u, flow sample %u\n", cfg.rate, cfg.burst, cfg.flow_sample);
	kv_add(resp, "record", "events");
	kv_addf(resp, "rate", "%u", cfg.rate);
	kv_addf(resp, "burst", "%u", cfg.burst);
	kv_addf(resp, "flow-sample", "%u", cfg.flow_sample);
	return 0;
}

/*
 * The events record of status: the settings, and for each type what the
 * agent read, what the datapath sent, and what it could not (rate-limited,
 * ring full). Once the ring is read, received + rate-limited + ring-full
 * of drops is every drop the counters have seen since the maps were made.
 */
void obs_status(struct agent *a, struct kv *resp)
{
	static const char *const type[WARREN_EVENT__MAX] = { "drop", "flow" };
	struct warren_event_stats st;
	struct obs *o = &a->obs;
	char key[48];

	obs_consume(a);
	kv_add(resp, "record", "events");
	kv_addf(resp, "rate", "%u", o->cfg.rate);
	kv_addf(resp, "burst", "%u", o->cfg.burst);
	kv_addf(resp, "flow-sample", "%u", o->cfg.flow_sample);
	kv_addf(resp, "monitors", "%zu", o->n_clients);
	kv_addf(resp, "monitor-sent", "%llu", (unsigned long long)o->client_sent);
	kv_addf(resp, "monitor-dropped", "%llu", (unsigned long long)o->client_dropped);
	if (obs_stats_read(a, &st))
		return;
	for (int t = 0; t < WARREN_EVENT__MAX; t++) {
		snprintf(key, sizeof(key), "%s-received", type[t]);
		kv_addf(resp, key, "%llu", (unsigned long long)o->received[t]);
		snprintf(key, sizeof(key), "%s-sent", type[t]);
		kv_addf(resp, key, "%llu", (unsigned long long)st.sent[t]);
		snprintf(key, sizeof(key), "%s-rate-limited", type[t]);
		kv_addf(resp, key, "%llu", (unsigned long long)st.rate_limited[t]);
		snprintf(key, sizeof(key), "%s-ring-full", type[t]);
		kv_addf(resp, key, "%llu", (unsigned long long)st.ring_full[t]);
	}
}

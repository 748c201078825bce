// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/agent.h"
#include "core/dnsfast.h"
#include "lib/log.h"
#include "veth.skel.h"

static int map_put(void *ctx, const struct warren_dns_key *k, const struct warren_dns_answer *v)
{
	return bpf_map_update_elem(*(int *)ctx, k, v, BPF_ANY) ? -errno : 0;
}

static int map_del(void *ctx, const struct warren_dns_key *k)
{
	return bpf_map_delete_elem(*(int *)ctx, k) ? -errno : 0;
}

/* What the map holds now (an earlier agent's entries included). */
static int map_read(int fd, struct dns_fast_set *out)
{
	struct dns_fast_entry e;
	struct warren_dns_key prev;
	bool first = true;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	while (!bpf_map_get_next_key(fd, first ? NULL : &prev, &e.key)) {
		first = false;
		prev = e.key;
		if (bpf_map_lookup_elem(fd, &e.key, &e.val))
			continue;	/* deleted meanwhile */
		ret = dns_fast_set_add(out, &e);
		if (ret)
			break;
	}
	if (ret)
		dns_fast_set_free(out);
	else
		dns_fast_set_sort(out);
	return ret;
}

int dnsfast_start(struct agent *a, bool on, char *err)
{
	struct dnsfast *f = &a->dns_fast;
	struct dns_fast_set empty = {};
	struct dns_fast_ops ops = { map_put, map_del, &f->map_fd };
	size_t changed;
	int ret;

	memset(f, 0, sizeof(*f));
	f->map_fd = bpf_map__fd(a->dp.skel->maps.warren_dns_fast);
	f->stat_fd = bpf_map__fd(a->dp.skel->maps.warren_dns_stat);
	ret = map_read(f->map_fd, &f->cur);
	if (ret) {
		snprintf(err, ERR_SIZE, "DNS fast path: reading %s: %s", WARREN_MAP_DNS_FAST,
			 strerror(-ret));
		return ret;
	}
	if (!on) {
		ret = dns_fast_apply(&f->cur, &empty, &ops, &changed);
		dns_fast_set_free(&f->cur);
		if (ret)
			snprintf(err, ERR_SIZE, "DNS fast path: emptying %s: %s",
				 WARREN_MAP_DNS_FAST, strerror(-ret));
		return ret;
	}
	ret = dns_view_init(&f->view, &a->model, a->dns.cfg.domain, a->dns.cfg.ttl, err);
	if (ret) {
		dns_fast_set_free(&f->cur);
		return ret;
	}
	f->on = true;
	dnsfast_sync(a);
	return 0;
}

void dnsfast_stop(struct agent *a)
{
	struct dnsfast *f = &a->dns_fast;

	/* The entries stay: the datapath keeps answering while the agent restarts. */
	dns_fast_set_free(&f->cur);
	if (f->on)
		dns_view_free(&f->view);
	f->on = false;
}

void dnsfast_sync(struct agent *a)
{
	struct dnsfast *f = &a->dns_fast;
	struct dns_fast_ops ops = { map_put, map_del, &f->map_fd };
	struct dns_fast_set want;
	size_t changed = 0;
	int ret;

	if (!f->on || (f->synced && f->gen == a->model.gen))
		return;
	ret = dns_fast_build(&f->view, &want);
	if (ret) {
		pr_warn("DNS fast path: computing the names: %s (the shim answers meanwhile)\n",
			strerror(-ret));
		return;
	}
	ret = dns_fast_apply(&f->cur, &want, &ops, &changed);
	f->writes += changed;
	if (ret) {
		/* Not marked synced: the next change tries again from what the map holds. */
		pr_warn("DNS fast path: writing %s: %s\n", WARREN_MAP_DNS_FAST, strerror(-ret));
		dns_fast_set_free(&want);
		dns_fast_set_free(&f->cur);
		if (map_read(f->map_fd, &f->cur))
			memset(&f->cur, 0, sizeof(f->cur));
		f->synced = false;
		return;
	}
	if (changed)
		pr_debug("DNS fast path: %zu names, %zu changes (%zu too long, %zu too big)\n",
			 want.n, changed, want.too_long, want.too_big);
	dns_fast_set_free(&f->cur);
	f->cur = want;
	f->gen = a->model.gen;
	f->synced = true;
}

int dnsfast_stats(struct agent *a, struct warren_dns_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_dns_stats *per;
	__u32 key = 0;
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	ret = bpf_map_lookup_elem(a->dns_fast.stat_fd, &key, per) ? -errno : 0;
	for (int c = 0; !ret && c < ncpu; c++) {
		sum->answered += per[c].answered;
		for (int r = 0; r < WARREN_DNS_FELL__MAX; r++)
			sum->fell[r] += per[c].fell[r];
	}
	free(per);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet state's whole-file checks: names, keys, underlays and
 * prefixes unique across hosts, environments declared once, endpoints on
 * known hosts and environments with free slots inside their prefixes.
 * Each check sorts indexes once (O(n log n)) and keeps the fault on the
 * earliest line, so errors come in the order a person reads the file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_check.h"

/*
 * The checks below look at every record and keep the fault on the
 * earliest line: records not from a file (line 0) come last and are
 * named instead ("host h3: ...").
 */
struct fault {
	long rank;
	char *err;
};

static long rank_of(int line)
{
	return line > 0 ? line : (long)INT_MAX + 1;
}

static void fault(struct fault *ft, int line, const char *who, const char *fmt, ...)
{
	char msg[ERR_SIZE];
	va_list ap;

	if (rank_of(line) >= ft->rank)
		return;
	ft->rank = rank_of(line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ft->err, ERR_SIZE, "%s: %s", who, msg);
}

/* Where a record is: "line 7", or what it is when it has no line. */
static const char *host_at(const struct fleet_host *h, char *buf)
{
	if (h->line > 0)
		snprintf(buf, ERR_SIZE, "line %d", h->line);
	else
		snprintf(buf, ERR_SIZE, "host %s", h->name);
	return buf;
}

static const char *env_at(const struct fleet_env *e, char *buf)
{
	if (e->line > 0)
		snprintf(buf, ERR_SIZE, "line %d", e->line);
	else
		snprintf(buf, ERR_SIZE, "env %s/%s", e->project, e->env);
	return buf;
}

static const char *endpoint_at(const struct fleet_endpoint *e, char *buf)
{
	if (e->line > 0)
		snprintf(buf, ERR_SIZE, "line %d", e->line);
	else
		snprintf(buf, ERR_SIZE, "endpoint %s/%s/%s/%u", e->req.project, e->req.env,
			 e->req.service, e->req.replica);
	return buf;
}

/* The other record of a clash: " on line 7", or nothing without a line. */
static const char *also_at(int line, char *buf)
{
	if (line > 0)
		snprintf(buf, 32, " on line %d", line);
	else
		buf[0] = '\0';
	return buf;
}

/* Sorting indexes: equal keys end up in line order, then array order. */
static int by_rank(const void *x, const void *y, int lx, int ly)
{
	long a = rank_of(lx), b = rank_of(ly);

	if (a != b)
		return a < b ? -1 : 1;
	return (x > y) - (x < y);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

#define HOST(p) (&((const struct fleet *)arg)->hosts[*(const size_t *)(p)])
#define ENV(p) (&((const struct fleet *)arg)->envs[*(const size_t *)(p)])
#define ENDPOINT(p) (&((const struct fleet *)arg)->endpoints[*(const size_t *)(p)])

static int host_by_name(const void *x, const void *y, void *arg)
{
	const struct fleet_host *a = HOST(x), *b = HOST(y);

	return strcmp(a->name, b->name) ?: by_rank(a, b, a->line, b->line);
}

static int host_by_key(const void *x, const void *y, void *arg)
{
	const struct fleet_host *a = HOST(x), *b = HOST(y);

	return memcmp(a->public_key, b->public_key, WG_KEY_LEN) ?: by_rank(a, b, a->line, b->line);
}

static int host_by_underlay(const void *x, const void *y, void *arg)
{
	const struct fleet_host *a = HOST(x), *b = HOST(y);

	return cmp_u32(a->family, b->family) ?: memcmp(a->underlay, b->underlay, 16) ?:
	       cmp_u32(a->port, b->port) ?: by_rank(a, b, a->line, b->line);
}

/* By address, then shorter first: a prefix's containers come before it. */
static int host_by_prefix4(const void *x, const void *y, void *arg)
{
	const struct fleet_host *a = HOST(x), *b = HOST(y);

	return cmp_u32(ntohl(a->prefix4.addr), ntohl(b->prefix4.addr)) ?:
	       cmp_u32(a->prefix4.len, b->prefix4.len) ?: by_rank(a, b, a->line, b->line);
}

static int host_by_prefix6(const void *x, const void *y, void *arg)
{
	const struct fleet_host *a = HOST(x), *b = HOST(y);

	return memcmp(a->prefix6.addr, b->prefix6.addr, 16) ?:
	       cmp_u32(a->prefix6.len, b->prefix6.len) ?: by_rank(a, b, a->line, b->line);
}

static int env_by_name(const void *x, const void *y, void *arg)
{
	const struct fleet_env *a = ENV(x), *b = ENV(y);

	return strcmp(a->project, b->project) ?: strcmp(a->env, b->env) ?:
	       by_rank(a, b, a->line, b->line);
}

static int endpoint_by_name(const void *x, const void *y, void *arg)
{
	const struct fleet_endpoint *a = ENDPOINT(x), *b = ENDPOINT(y);

	return strcmp(a->req.project, b->req.project) ?: strcmp(a->req.env, b->req.env) ?:
	       strcmp(a->req.service, b->req.service) ?:
	       cmp_u32(a->req.replica, b->req.replica) ?: by_rank(a, b, a->line, b->line);
}

static int endpoint_by_slot(const void *x, const void *y, void *arg)
{
	const struct fleet_endpoint *a = ENDPOINT(x), *b = ENDPOINT(y);

	return strcmp(a->host, b->host) ?: cmp_u32(a->slot, b->slot) ?:
	       by_rank(a, b, a->line, b->line);
}

static void sort_idx(size_t *idx, size_t n, const struct fleet *f,
		     int (*cmp)(const void *, const void *, void *))
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp, (void *)f);
}

static bool host_overlaps(const struct fleet_host *a, const struct fleet_host *b, bool six)
{
	return six ? prefix6_within(&b->prefix6, &a->prefix6) :
		     prefix4_within(&b->prefix4, &a->prefix4);
}

/*
 * idx sorted by prefix: the prefixes containing one are a chain on the
 * stack before it. stack[] holds host indexes, low[] the earliest-line
 * host of the stack up to there: each host is checked against that one.
 */
static void check_overlaps(const struct fleet *f, const size_t *idx, size_t *stack, size_t *low,
			   bool six, struct fault *ft)
{
	char who[ERR_SIZE], at[32];
	size_t depth = 0;

	for (size_t i = 0; i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[idx[i]];

		while (depth && !host_overlaps(&f->hosts[stack[depth - 1]], h, six))
			depth--;
		if (depth) {
			const struct fleet_host *o = &f->hosts[low[depth - 1]];
			const struct fleet_host *late = rank_of(o->line) > rank_of(h->line) ? o : h;
			const struct fleet_host *early = late == h ? o : h;

			fault(ft, late->line, host_at(late, who), "field prefix%c: overlaps host %s's%s",
			      six ? '6' : '4', early->name, also_at(early->line, at));
		}
		stack[depth] = idx[i];
		low[depth] = depth && rank_of(f->hosts[low[depth - 1]].line) <= rank_of(h->line) ?
			     low[depth - 1] : idx[i];
		depth++;
	}
}

/*
 * In each sorted order a clash is two neighbours, the later line at
 * fault. Checked in the order of the fields, so of two faults on one
 * line the first field's is reported. names ends sorted by name.
 */
static void check_hosts(const struct fleet *f, const struct fabric_config *cfg, size_t *names,
			size_t *scratch, struct fault *ft)
{
	char who[ERR_SIZE], at[32], p[ADDR_STRLEN];
	size_t n = f->n_hosts, *idx = scratch + 2 * n;

	sort_idx(names, n, f, host_by_name);
	for (size_t i = 1; i < n; i++) {
		const struct fleet_host *a = &f->hosts[names[i - 1]], *b = &f->hosts[names[i]];

		if (!strcmp(a->name, b->name))
			fault(ft, b->line, host_at(b, who), "field name: host %s already declared%s",
			      b->name, also_at(a->line, at));
	}
	sort_idx(idx, n, f, host_by_underlay);
	for (size_t i = 1; i < n; i++) {
		const struct fleet_host *a = &f->hosts[idx[i - 1]], *b = &f->hosts[idx[i]];

		if (a->family == b->family && a->port == b->port &&
		    !memcmp(a->underlay, b->underlay, 16))
			fault(ft, b->line, host_at(b, who),
			      "field underlay: the same address and port as host %s%s", a->name,
			      also_at(a->line, at));
	}
	sort_idx(idx, n, f, host_by_key);
	for (size_t i = 1; i < n; i++) {
		const struct fleet_host *a = &f->hosts[idx[i - 1]], *b = &f->hosts[idx[i]];

		if (!memcmp(a->public_key, b->public_key, WG_KEY_LEN))
			fault(ft, b->line, host_at(b, who), "field public-key: the same as host %s's%s",
			      a->name, also_at(a->line, at));
	}
	prefix4_format(&cfg->fabric4, p, sizeof(p));
	for (size_t i = 0; i < n; i++)
		if (!prefix4_within(&f->hosts[i].prefix4, &cfg->fabric4))
			fault(ft, f->hosts[i].line, host_at(&f->hosts[i], who),
			      "field prefix4: outside the fabric's %s", p);
	sort_idx(idx, n, f, host_by_prefix4);
	check_overlaps(f, idx, scratch, scratch + n, false, ft);
	prefix6_format(&cfg->fabric6, p, sizeof(p));
	for (size_t i = 0; i < n; i++)
		if (!prefix6_within(&f->hosts[i].prefix6, &cfg->fabric6))
			fault(ft, f->hosts[i].line, host_at(&f->hosts[i], who),
			      "field prefix6: outside the fabric's %s", p);
	sort_idx(idx, n, f, host_by_prefix6);
	check_overlaps(f, idx, scratch, scratch + n, true, ft);
}

/* The first host of that name in idx (sorted by name), or NULL. */
static const struct fleet_host *host_lookup(const struct fleet *f, const size_t *idx,
					    const char *name)
{
	size_t lo = 0, hi = f->n_hosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(f->hosts[idx[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n_hosts && !strcmp(f->hosts[idx[lo]].name, name) ? &f->hosts[idx[lo]] : NULL;
}

static bool env_declared(const struct fleet *f, const size_t *idx, const char *project,
			 const char *env)
{
	size_t lo = 0, hi = f->n_envs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct fleet_env *e = &f->envs[idx[mid]];
		int r = strcmp(e->project, project) ?: strcmp(e->env, env);

		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Slots [SLOT_FIRST, end), as the agent hands them out (model.c): the
 * IPv4 prefix's last address is not one, and no more than 65536.
 */
static uint32_t slot_end(const struct fleet_host *h)
{
	uint32_t n4 = prefix4_size(&h->prefix4) - 1, n6 = prefix6_size(&h->prefix6);
	uint32_t n = n4 < n6 ? n4 : n6;

	return n < 65536 ? n : 65536;
}

static void check_endpoints(const struct fleet *f, const size_t *hosts, const size_t *envs,
			    bool partial, size_t *idx, struct fault *ft)
{
	char who[ERR_SIZE], at[32];
	size_t n = f->n_endpoints;

	/* Past a faulty line, what is undeclared may be declared later. */
	for (size_t i = 0; i < n && !partial; i++) {
		const struct fleet_endpoint *e = &f->endpoints[i];

		if (!host_lookup(f, hosts, e->host))
			fault(ft, e->line, endpoint_at(e, who), "field host: no host %s is declared",
			      e->host);
		else if (!env_declared(f, envs, e->req.project, e->req.env))
			fault(ft, e->line, endpoint_at(e, who),
			      "field env: environment %s/%s is not declared", e->req.project, e->req.env);
	}
	sort_idx(idx, n, f, endpoint_by_name);
	for (size_t i = 1; i < n; i++) {
		const struct fleet_endpoint *a = &f->endpoints[idx[i - 1]];
		const struct fleet_endpoint *b = &f->endpoints[idx[i]];

		if (!strcmp(a->req.project, b->req.project) && !strcmp(a->req.env, b->req.env) &&
		    !strcmp(a->req.service, b->req.service) && a->req.replica == b->req.replica)
			fault(ft, b->line, endpoint_at(b, who), "field replica: replica %u of %s/%s/%s "
			      "already declared%s", b->req.replica, b->req.project, b->req.env,
			      b->req.service, also_at(a->line, at));
	}
	for (size_t i = 0; i < n; i++) {
		const struct fleet_endpoint *e = &f->endpoints[i];
		const struct fleet_host *h = host_lookup(f, hosts, e->host);
		uint32_t end = h ? slot_end(h) : 0;

		char why[ERR_SIZE];

		/* Records not parsed from a file (another source) get the parser's rules. */
		if (port_list_check(&e->req.ports, why, sizeof(why)))
			fault(ft, e->line, endpoint_at(e, who), "field ports: %s", why);
		if (!h)
			continue;
		if (end <= SLOT_FIRST)
			fault(ft, e->line, endpoint_at(e, who), "field slot: host %s's prefixes hold no "
			      "endpoint slots", h->name);
		else if (e->slot < SLOT_FIRST || e->slot >= end)
			fault(ft, e->line, endpoint_at(e, who), "field slot: %u is outside host %s's "
			      "slots %u..%u", e->slot, h->name, SLOT_FIRST, end - 1);
	}
	sort_idx(idx, n, f, endpoint_by_slot);
	for (size_t i = 1; i < n; i++) {
		const struct fleet_endpoint *a = &f->endpoints[idx[i - 1]];
		const struct fleet_endpoint *b = &f->endpoints[idx[i]];

		if (!strcmp(a->host, b->host) && a->slot == b->slot)
			fault(ft, b->line, endpoint_at(b, who), "field slot: slot %u of host %s already "
			      "used%s", b->slot, b->host, also_at(a->line, at));
	}
}

static int check_records(const struct fleet *f, const struct fabric_config *cfg, bool partial,
			 int *line, char *err)
{
	struct fault ft = { .rank = LONG_MAX, .err = err };
	size_t *hosts, *envs, *scratch, *eps;
	char who[ERR_SIZE], at[32];
	int ret = 0;

	hosts = malloc((f->n_hosts + 1) * sizeof(*hosts));
	scratch = malloc((3 * f->n_hosts + 1) * sizeof(*scratch));
	envs = malloc((f->n_envs + 1) * sizeof(*envs));
	eps = malloc((f->n_endpoints + 1) * sizeof(*eps));
	if (!hosts || !scratch || !envs || !eps) {
		snprintf(err, ERR_SIZE, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	check_hosts(f, cfg, hosts, scratch, &ft);
	sort_idx(envs, f->n_envs, f, env_by_name);
	for (size_t i = 1; i < f->n_envs; i++) {
		const struct fleet_env *a = &f->envs[envs[i - 1]], *b = &f->envs[envs[i]];

		if (!strcmp(a->project, b->project) && !strcmp(a->env, b->env))
			fault(&ft, b->line, env_at(b, who), "environment %s/%s already declared%s",
			      b->project, b->env, also_at(a->line, at));
	}
	check_endpoints(f, hosts, envs, partial, eps, &ft);
	if (ft.rank != LONG_MAX) {
		ret = -EINVAL;
		if (line)
			*line = ft.rank > INT_MAX ? 0 : (int)ft.rank;
	}
out:
	free(eps);
	free(envs);
	free(scratch);
	free(hosts);
	return ret;
}

int fleet_check_records(const struct fleet *f, const struct fabric_config *cfg, bool partial,
			char *err)
{
	return check_records(f, cfg, partial, NULL, err);
}

int fleet_check(const struct fleet *f, const struct fabric_config *cfg, char *err)
{
	return check_records(f, cfg, false, NULL, err);
}

int fleet_check_line(const struct fleet *f, const struct fabric_config *cfg, int *line, char *err)
{
	*line = 0;
	return check_records(f, cfg, false, line, err);
}

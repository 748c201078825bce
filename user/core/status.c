// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `status`: how the agent runs, and the datapath's counters per environment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/agent.h"
#include "directory/directory.h"
#include "core/attach.h"
#include "core/counters.h"

/* A kv key from names that use '_' (kv keys are [a-z0-9-]). */
static void key_from(char *key, size_t size, const char *a, const char *b, const char *c)
{
	snprintf(key, size, "%s%s%s%s%s", a, b ? "-" : "", b ?: "", c ? "-" : "", c ?: "");
	for (char *k = key; *k; k++)
		if (*k == '_')
			*k = '-';
}

/*
 * delivered-* and drop-REASON are the sums they always were; PATH-packets,
 * PATH-bytes and drop-DIR-REASON split them by path and by direction.
 */
static void add_counters(void *arg, const struct env_counters *ec)
{
	const struct warren_counters *c = &ec->c;
	unsigned long long packets = 0, bytes = 0, drops = 0;
	struct kv *resp = arg;
	char key[64];

	kv_add(resp, "record", "counters");
	kv_add(resp, "project", ec->project);
	kv_add(resp, "env", ec->env);
	kv_addf(resp, "env-id", "%u", ec->env_id);
	for (int p = 0; p < WARREN_PATH__MAX; p++) {
		packets += c->packets[p];
		bytes += c->bytes[p];
	}
	kv_addf(resp, "delivered-packets", "%llu", packets);
	kv_addf(resp, "delivered-bytes", "%llu", bytes);
	for (int p = 0; p < WARREN_PATH__MAX; p++) {
		key_from(key, sizeof(key), path_name(p), "packets", NULL);
		kv_addf(resp, key, "%llu", (unsigned long long)c->packets[p]);
		key_from(key, sizeof(key), path_name(p), "bytes", NULL);
		kv_addf(resp, key, "%llu", (unsigned long long)c->bytes[p]);
	}
	for (int r = 0; r < WARREN_DROP__MAX; r++) {
		unsigned long long sum = 0;

		for (int d = 0; d < WARREN_DIR__MAX; d++)
			sum += c->drops[d][r];
		drops += sum;
		key_from(key, sizeof(key), "drop", drop_reason_name(r), NULL);
		kv_addf(resp, key, "%llu", sum);
	}
	kv_addf(resp, "drops", "%llu", drops);
	for (int d = 0; d < WARREN_DIR__MAX; d++)
		for (int r = 0; r < WARREN_DROP__MAX; r++) {
			key_from(key, sizeof(key), "drop", dir_name(d), drop_reason_name(r));
			kv_addf(resp, key, "%llu", (unsigned long long)c->drops[d][r]);
		}
}

/* The datapath's answers: how many, and why the rest went on to the shim. */
static void add_dns_fast(struct agent *a, struct kv *resp)
{
	struct warren_dns_stats st;
	uint64_t total = 0;
	char key[48];

	kv_add(resp, "fast-path", a->dns_fast.on ? "yes" : "no");
	if (!a->dns_fast.on || dnsfast_stats(a, &st))
		return;
	kv_addf(resp, "fast-names", "%zu", a->dns_fast.cur.n);
	kv_addf(resp, "fast-answered", "%llu", (unsigned long long)st.answered);
	for (int r = 0; r < WARREN_DNS_FELL__MAX; r++)
		total += st.fell[r];
	kv_addf(resp, "fast-fell-through", "%llu", (unsigned long long)total);
	for (int r = 0; r < WARREN_DNS_FELL__MAX; r++) {
		key_from(key, sizeof(key), "fast-fell", dns_fell_name(r), NULL);
		kv_addf(resp, key, "%llu", (unsigned long long)st.fell[r]);
	}
}

/* The DNS shim: where it listens, where it forwards, what it answered. */
static void add_dns(struct agent *a, struct kv *resp)
{
	const struct dns_stats *st = &a->dns.st;
	char buf[512];

	kv_add(resp, "record", "dns");
	kv_add(resp, "serving", a->dns_on ? "yes" : "no");
	kv_add(resp, "domain", a->dns.cfg.domain);
	if (!a->dns_on)
		return;
	addr4_format(a->dns.addr4, buf, sizeof(buf));
	kv_add(resp, "resolver4", buf);
	addr6_format(a->dns.addr6, buf, sizeof(buf));
	kv_add(resp, "resolver6", buf);
	kv_addf(resp, "port", "%u", a->dns.cfg.port);
	kv_addf(resp, "ttl", "%u", a->dns.cfg.ttl);
	dns_forward_servers(a->dns.fwd, buf, sizeof(buf));
	kv_add(resp, "upstream", buf);
	kv_addf(resp, "queries", "%llu", (unsigned long long)st->queries);
	kv_addf(resp, "answered", "%llu", (unsigned long long)st->answered);
	kv_addf(resp, "nodata", "%llu", (unsigned long long)st->nodata);
	kv_addf(resp, "nxdomain", "%llu", (unsigned long long)st->nxdomain);
	kv_addf(resp, "refused", "%llu", (unsigned long long)st->refused);
	kv_addf(resp, "malformed", "%llu", (unsigned long long)st->malformed);
	kv_addf(resp, "dropped", "%llu", (unsigned long long)st->dropped);
	kv_addf(resp, "forwarded", "%llu", (unsigned long long)st->forwarded);
	kv_addf(resp, "servfail", "%llu", (unsigned long long)st->servfail);
	kv_addf(resp, "truncated", "%llu", (unsigned long long)st->truncated);
	kv_addf(resp, "upstream-pending", "%zu", dns_forward_pending(a->dns.fwd));
	kv_addf(resp, "tcp-clients", "%zu", a->dns.n_conns);
	add_dns_fast(a, resp);
}

int handle_status(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const struct fabric_config *cfg = &a->model.cfg;
	char buf[ADDR_STRLEN];
	int ret;

	kv_add(resp, "record", "agent");
	kv_add(resp, "hook", hook_mode_name(a->dp.mode));
	kv_add(resp, "pin-dir", a->pin_dir);
	kv_add(resp, "state", a->state_path);
	prefix4_format(&cfg->fabric4, buf, sizeof(buf));
	kv_add(resp, "fabric4", buf);
	prefix6_format(&cfg->fabric6, buf, sizeof(buf));
	kv_add(resp, "fabric6", buf);
	prefix4_format(&cfg->host4, buf, sizeof(buf));
	kv_add(resp, "host4", buf);
	prefix6_format(&cfg->host6, buf, sizeof(buf));
	kv_add(resp, "host6", buf);
	kv_addf(resp, "projects", "%zu", a->model.n_projects);
	kv_addf(resp, "envs", "%zu", a->model.n_envs);
	kv_addf(resp, "endpoints", "%zu", a->model.n_endpoints);
	add_dns(a, resp);
	mesh_status(a, resp);
	directory_status(a, resp);
	obs_status(a, resp);

	/* Env 0 first: what could not be attributed (a hook on an unknown interface). */
	ret = counters_each_env(a, add_counters, resp);
	if (ret)
		goto fail;
	return 0;
fail:
	snprintf(err, ERR_SIZE, "reading counters: %s", strerror(-ret));
	return ret;
}

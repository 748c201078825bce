// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What workloads are called: renaming a service (its DNS names move with
 * it at once) and the reference variables a workload is given (its own
 * names, addresses and resolver), as platforms hand their containers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/agent.h"
#include "lib/log.h"
#include "dns/resolver.h"

static const char *need(const struct kv *req, const char *key, char *err)
{
	const char *v = kv_get(req, key);

	if (!v)
		snprintf(err, ERR_SIZE, "missing %s", key);
	return v;
}

int handle_service_rename(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err), *e = p ? need(req, "env", err) : NULL;
	const char *from = e ? need(req, "service", err) : NULL;
	const char *to = from ? need(req, "to", err) : NULL;
	char undo_err[ERR_SIZE];
	int ret;

	if (!to)
		return -EINVAL;
	ret = model_service_rename(&a->model, p, e, from, to, err);
	if (ret)
		return ret;
	ret = agent_save(a, err);
	if (ret) {
		model_service_rename(&a->model, p, e, to, from, undo_err);
		return ret;
	}
	/* resolv.conf does not name the service; nothing else to rewrite. */
	pr_info("service %s/%s/%s renamed to %s\n", p, e, from, to);
	kv_add(resp, "record", "service");
	kv_add(resp, "project", p);
	kv_add(resp, "env", e);
	kv_add(resp, "service", to);
	kv_add(resp, "was", from);
	return 0;
}

int handle_endpoint_env(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err), *e = p ? need(req, "env", err) : NULL;
	const char *s = e ? need(req, "service", err) : NULL;
	const char *d = a->dns.cfg.domain;
	char a4[ADDR_STRLEN] = "", a6[ADDR_STRLEN] = "", r4[ADDR_STRLEN] = "";
	char r6[ADDR_STRLEN] = "";
	const struct endpoint *ep;
	uint32_t n, res4;
	uint8_t res6[16];

	if (!s)
		return -EINVAL;
	if (replica_parse(kv_get(req, "replica"), &n)) {
		snprintf(err, ERR_SIZE, "replica must be a number from 0 to 99999");
		return -EINVAL;
	}
	ep = model_endpoint_find(&a->model, p, e, s, n);
	if (!ep) {
		snprintf(err, ERR_SIZE, "no endpoint %s/%s/%s replica %u", p, e, s, n);
		return -ENOENT;
	}
	resolver_addrs(&a->model.cfg, &res4, res6);
	if (ep->has_v4)
		addr4_format(ep->ipv4, a4, sizeof(a4));
	addr6_format(ep->ipv6, a6, sizeof(a6));
	/* No resolver to name when the agent serves no DNS. */
	if (ep->has_v4 && a->dns_on)
		addr4_format(res4, r4, sizeof(r4));
	if (a->dns_on)
		addr6_format(res6, r6, sizeof(r6));
	kv_add(resp, "record", "env");
	kv_add(resp, "project", ep->project);
	kv_add(resp, "environment", ep->env);
	kv_add(resp, "service", ep->service);
	kv_addf(resp, "replica", "%u", ep->replica);
	kv_add(resp, "container-type", ep->type);
	kv_add(resp, "dns-domain", d);
	kv_addf(resp, "private-domain", "%s.%s", ep->service, d);
	kv_addf(resp, "private-fqdn", "%s.%s.%s.%s", ep->service, ep->env, ep->project, d);
	if (ep->type[0])
		kv_addf(resp, "replica-domain", "%u.%s.%s.%s", ep->replica, ep->type, ep->service, d);
	else
		kv_addf(resp, "replica-domain", "%u.%s.%s", ep->replica, ep->service, d);
	kv_add(resp, "private-ipv4", a4);
	kv_add(resp, "private-ipv6", a6);
	kv_add(resp, "resolver-ipv4", r4);
	kv_add(resp, "resolver-ipv6", r6);
	return 0;
}

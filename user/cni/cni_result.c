// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the plugin prints on stdout, as the spec defines it: the result of
 * ADD (interfaces, IPs, routes, DNS), VERSION's supported versions, and
 * the error object ({cniVersion, code, msg, details}) of a failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"

int cni_fail(struct cni_err *e, int code, const char *details, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	snprintf(e->details, sizeof(e->details), "%s", details ? details : "");
	return -1;
}

static void print_json(struct jv *v)
{
	char *text = v ? jv_dump(v, true) : NULL;

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
	free(text);
	jv_free(v);
}

void cni_print_error(const char *version, const struct cni_err *e)
{
	struct jv *o = jv_new_object();

	if (o && (jv_set_str(o, "cniVersion", cni_version_supported(version) ? version :
			     CNI_VERSION_LATEST) ||
		  jv_set_int(o, "code", e->code) || jv_set_str(o, "msg", e->msg) ||
		  (e->details[0] && jv_set_str(o, "details", e->details)))) {
		jv_free(o);
		o = NULL;
	}
	print_json(o);
	/* The runtime logs stderr; one line there too. */
	fprintf(stderr, "warren-cni: %s%s%s\n", e->msg, e->details[0] ? ": " : "", e->details);
}

void cni_print_version(const char *version)
{
	struct jv *o = jv_new_object(), *arr = jv_new_array();
	int ret = !o || !arr;

	if (!ret)
		ret = jv_append(arr, jv_new_str("1.0.0"));
	if (!ret)
		ret = jv_append(arr, jv_new_str("1.1.0"));
	if (!ret)
		ret = jv_set_str(o, "cniVersion", version);
	if (!ret) {
		ret = jv_set(o, "supportedVersions", arr);	/* takes arr, even on failure */
		arr = NULL;
	}
	jv_free(arr);
	if (ret) {
		jv_free(o);
		o = NULL;
	}
	print_json(o);
}

/* {"name": ..., "mac": ..., ["sandbox": ...]} */
static struct jv *interface(const char *name, const char *mac, const char *sandbox, int mtu)
{
	struct jv *o = jv_new_object();

	if (!o || jv_set_str(o, "name", name) || jv_set_str(o, "mac", mac) ||
	    (sandbox && jv_set_str(o, "sandbox", sandbox)) || (mtu > 0 && jv_set_int(o, "mtu", mtu))) {
		jv_free(o);
		return NULL;
	}
	return o;
}

static struct jv *ip(const char *addr, int len, const char *gw)
{
	char buf[64];
	struct jv *o = jv_new_object();

	snprintf(buf, sizeof(buf), "%s/%d", addr, len);
	if (!o || jv_set_str(o, "address", buf) || jv_set_str(o, "gateway", gw) ||
	    jv_set_int(o, "interface", 1)) {
		jv_free(o);
		return NULL;
	}
	return o;
}

static struct jv *route(const char *dst, const char *gw, int mtu)
{
	struct jv *o = jv_new_object();

	if (!o || jv_set_str(o, "dst", dst) || jv_set_str(o, "gw", gw) ||
	    (mtu > 0 && jv_set_int(o, "mtu", mtu))) {
		jv_free(o);
		return NULL;
	}
	return o;
}

/* Only our resolvers and our domain: the runtime writes them into resolv.conf. */
static struct jv *dns_block(const struct kv *rec)
{
	const char *r4 = kv_get(rec, "resolver-ipv4"), *r6 = kv_get(rec, "resolver-ipv6");
	const char *domain = kv_get(rec, "dns-domain");
	struct jv *o = jv_new_object(), *ns = jv_new_array(), *search = jv_new_array();
	int ret = !o || !ns || !search;

	if (!ret && r4)
		ret = jv_append(ns, jv_new_str(r4));
	if (!ret && r6)
		ret = jv_append(ns, jv_new_str(r6));
	if (!ret)
		ret = jv_append(search, jv_new_str(domain));
	if (!ret) {
		ret = jv_set(o, "nameservers", ns);
		ns = NULL;
	}
	if (!ret)
		ret = jv_set_str(o, "domain", domain);
	if (!ret) {
		ret = jv_set(o, "search", search);
		search = NULL;
	}
	jv_free(ns);
	jv_free(search);
	if (ret) {
		jv_free(o);
		return NULL;
	}
	return o;
}

int cni_print_result(const struct cni_req *r, const struct kv *rec, struct cni_err *e)
{
	const char *v4 = kv_get(rec, "ipv4"), *v6 = kv_get(rec, "ipv6");
	const char *mtu_s = kv_get(rec, "mtu");
	/* Route and interface MTUs are 1.1.0 fields. */
	int mtu = mtu_s && !cni_version_before(r->version, "1.1.0") ? atoi(mtu_s) : 0;
	struct jv *o = jv_new_object(), *ifs = jv_new_array(), *ips = jv_new_array();
	struct jv *routes = jv_new_array();
	int ret = !o || !ifs || !ips || !routes;

	if (!ret)
		ret = jv_set_str(o, "cniVersion", r->version);
	if (!ret)
		ret = jv_append(ifs, interface(kv_get(rec, "host-ifname"), kv_get(rec, "host-mac"),
					       NULL, 0));
	if (!ret)
		ret = jv_append(ifs, interface(kv_get(rec, "ifname"), kv_get(rec, "mac"),
					       kv_get(rec, "netns"), 0));
	if (!ret && v4)
		ret = jv_append(ips, ip(v4, 32, kv_get(rec, "gateway4")));
	if (!ret && v6)
		ret = jv_append(ips, ip(v6, 128, kv_get(rec, "gateway6")));
	if (!ret && v4)
		ret = jv_append(routes, route(kv_get(rec, "fabric4"), kv_get(rec, "gateway4"), mtu));
	if (!ret && v6)
		ret = jv_append(routes, route(kv_get(rec, "fabric6"), kv_get(rec, "gateway6"), mtu));
	if (!ret) {
		ret = jv_set(o, "interfaces", ifs);
		ifs = NULL;
	}
	if (!ret) {
		ret = jv_set(o, "ips", ips);
		ips = NULL;
	}
	if (!ret) {
		ret = jv_set(o, "routes", routes);
		routes = NULL;
	}
	/* No DNS block when the agent serves no DNS (--no-dns). */
	if (!ret && kv_get(rec, "dns-domain"))
		ret = jv_set(o, "dns", dns_block(rec));
	jv_free(ifs);
	jv_free(ips);
	jv_free(routes);
	if (ret) {
		jv_free(o);
		return cni_fail(e, CNI_ERR_IO, NULL, "building the result: out of memory");
	}
	print_json(o);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An event as monitors receive it (one kv record, names resolved), and
 * the filters a monitor asks for. Pure functions over real structs: the
 * unit tests feed them events as the datapath writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "obs/obs.h"
#include "core/maps.h"
#include "lib/addr.h"
#include "lib/names.h"

static int path_parse(const char *s)
{
	for (int p = 0; p < WARREN_PATH__MAX; p++)
		if (!strcmp(s, path_name(p)))
			return p;
	return -EINVAL;
}

int obs_filter_parse(const struct kv *req, struct obs_filter *f, char *err)
{
	const char *type = kv_get(req, "type"), *reason = kv_get(req, "reason");
	const char *names[3] = { kv_get(req, "project"), kv_get(req, "env"), kv_get(req, "service") };
	char *dst[3] = { f->project, f->env, f->service };
	static const char *const what[3] = { "project", "env", "service" };

	memset(f, 0, sizeof(*f));
	f->type = -1;
	f->reason = -1;
	if (type && !strcmp(type, "drop"))
		f->type = WARREN_EVENT_DROP;
	else if (type && !strcmp(type, "flow"))
		f->type = WARREN_EVENT_FLOW;
	else if (type) {
		snprintf(err, ERR_SIZE, "type \"%s\": drop or flow", type);
		return -EINVAL;
	}
	if (reason) {
		int r = drop_reason_parse(reason), p = path_parse(reason);

		/* A reason names a drop's cause or, for flows, the path. */
		if ((f->type == WARREN_EVENT_DROP && r < 0) || (f->type == WARREN_EVENT_FLOW && p < 0) ||
		    (r < 0 && p < 0)) {
			snprintf(err, ERR_SIZE, "reason \"%s\": not a drop reason%s", reason,
				 f->type == WARREN_EVENT_DROP ? "" : " nor a path (local, mesh, egress, mesh_in)");
			return -EINVAL;
		}
		if (f->type < 0)
			f->type = r >= 0 ? WARREN_EVENT_DROP : WARREN_EVENT_FLOW;
		f->reason = f->type == WARREN_EVENT_DROP ? r : p;
	}
	for (int i = 0; i < 3; i++) {
		if (!names[i])
			continue;
		if (!(i == 2 ? service_name_valid(names[i]) : name_valid(names[i]))) {
			snprintf(err, ERR_SIZE, "%s \"%s\" is not a valid name", what[i], names[i]);
			return -EINVAL;
		}
		snprintf(dst[i], NAME_SIZE, "%s", names[i]);
	}
	return 0;
}

/* One end matches the names asked for (all of them, on the same end). */
static bool who_match(const struct obs_filter *f, const struct obs_who *w)
{
	return (!f->project[0] || !strcmp(f->project, w->project)) &&
	       (!f->env[0] || !strcmp(f->env, w->env)) &&
	       (!f->service[0] || !strcmp(f->service, w->service));
}

bool obs_filter_match(const struct obs_filter *f, const struct warren_event *ev,
		      const struct obs_who *src, const struct obs_who *dst)
{
	if (f->type >= 0 && ev->type != f->type)
		return false;
	if (f->reason >= 0 && ev->reason != f->reason)
		return false;
	return who_match(f, src) || who_match(f, dst);
}

static const char *proto_name(const struct warren_event *ev, char *buf, size_t len)
{
	switch (ev->proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return ev->family == 4 ? "icmp" : "1";
	case IPPROTO_ICMPV6: return ev->family == 6 ? "icmpv6" : "58";
	default:
		snprintf(buf, len, "%u", ev->proto);
		return buf;
	}
}

/* RFC 3339 in UTC, to the millisecond. */
static void time_format(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(wall_ns % 1000000000ULL / 1000000));
}

static int add_who(struct kv *out, const char *side, const struct obs_who *w, uint32_t env_id)
{
	static const char *const keys[] = { "project", "env", "service", "host" };
	const char *vals[] = { w->project, w->env, w->service, w->host };
	char key[32];
	int ret = 0;

	for (int i = 0; i < 4 && !ret; i++) {
		if (!vals[i][0])
			continue;
		snprintf(key, sizeof(key), "%s-%s", side, keys[i]);
		ret = kv_add(out, key, vals[i]);
	}
	if (!ret && w->replica >= 0) {
		snprintf(key, sizeof(key), "%s-replica", side);
		ret = kv_addf(out, key, "%d", w->replica);
	}
	snprintf(key, sizeof(key), "%s-env-id", side);
	return ret ?: kv_addf(out, key, "%u", env_id);
}

int obs_event_kv(const struct warren_event *ev, const struct obs_who *src,
		 const struct obs_who *dst, uint64_t wall_ns, struct kv *out)
{
	bool drop = ev->type == WARREN_EVENT_DROP;
	char buf[ADDR_STRLEN];
	int ret;

	time_format(wall_ns, buf, sizeof(buf));
	ret = kv_add(out, "record", "event") ?: kv_add(out, "time", buf) ?:
	      kv_add(out, "type", drop ? "drop" : "flow") ?:
	      kv_add(out, "verdict", drop ? "DROPPED" : "FORWARDED") ?:
	      kv_add(out, drop ? "reason" : "path",
		     drop ? drop_reason_name(ev->reason) : path_name(ev->reason)) ?:
	      kv_add(out, "direction", dir_name(ev->dir)) ?:
	      kv_addf(out, "ifindex", "%u", ev->ifindex) ?: kv_addf(out, "len", "%u", ev->len) ?:
	      kv_addf(out, "env-id", "%u", ev->env_id);
	if (ret)
		return ret;
	if (ev->family == 4 || ev->family == 6) {
		uint32_t a4;

		ret = kv_add(out, "family", ev->family == 4 ? "ipv4" : "ipv6");
		if (ev->family == 4) {
			memcpy(&a4, ev->src, 4);
			addr4_format(a4, buf, sizeof(buf));
		} else {
			addr6_format(ev->src, buf, sizeof(buf));
		}
		ret = ret ?: kv_add(out, "src", buf);
		if (ev->family == 4) {
			memcpy(&a4, ev->dst, 4);
			addr4_format(a4, buf, sizeof(buf));
		} else {
			addr6_format(ev->dst, buf, sizeof(buf));
		}
		ret = ret ?: kv_add(out, "dst", buf) ?:
		      kv_add(out, "proto", proto_name(ev, buf, sizeof(buf)));
	}
	if (!ret && (ev->flags & WARREN_EVF_PORTS))
		ret = kv_addf(out, "sport", "%u", ntohs(ev->sport)) ?:
		      kv_addf(out, "dport", "%u", ntohs(ev->dport));
	if (!ret && (ev->flags & WARREN_EVF_ICMP))
		ret = kv_addf(out, "icmp-type", "%u", ev->icmp_type) ?:
		      kv_addf(out, "icmp-code", "%u", ev->icmp_code);
	if (!ret && (ev->flags & WARREN_EVF_FRAG))
		ret = kv_add(out, "fragment", "yes");
	return ret ?: add_who(out, "src", src, ev->src_env) ?: add_who(out, "dst", dst, ev->dst_env);
}

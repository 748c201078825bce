// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "ctl/monitor_line.h"
#include "ctl/output.h"

/* project/env/service/replica as far as known, then [host]; "-" for nothing. */
static size_t who(const struct kv *kv, size_t rec, const char *side, char *buf, size_t len)
{
	static const char *const parts[] = { "project", "env", "service", "replica" };
	char key[32];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < 4; i++) {
		const char *v;

		snprintf(key, sizeof(key), "%s-%s", side, parts[i]);
		v = record_get(kv, rec, key);
		if (!v[0])
			break;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? "/" : "", v);
	}
	if (!n)
		n = (size_t)snprintf(buf, len, "-");
	snprintf(key, sizeof(key), "%s-host", side);
	if (record_get(kv, rec, key)[0])
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " [%s]", record_get(kv, rec, key));
	return n;
}

/* An address with its port: a:p, [a]:p for IPv6. */
static void endpoint_addr(const struct kv *kv, size_t rec, const char *addr_key,
			  const char *port_key, char *buf, size_t len)
{
	const char *a = record_get(kv, rec, addr_key), *p = record_get(kv, rec, port_key);

	if (!p[0])
		snprintf(buf, len, "%s", a);
	else if (strchr(a, ':'))
		snprintf(buf, len, "[%s]:%s", a, p);
	else
		snprintf(buf, len, "%s:%s", a, p);
}

void monitor_line(const struct kv *kv, size_t rec, char *buf, size_t len)
{
	const char *type = record_get(kv, rec, "type");
	char src[160], dst[160], sa[80], da[80], l4[48] = "";
	const char *why = !strcmp(type, "flow") ? record_get(kv, rec, "path")
						: record_get(kv, rec, "reason");

	who(kv, rec, "src", src, sizeof(src));
	who(kv, rec, "dst", dst, sizeof(dst));
	if (!record_get(kv, rec, "family")[0]) {
		snprintf(buf, len, "%s %s %s %s %s -> %s (no IP header) len %s",
			 record_get(kv, rec, "time"), record_get(kv, rec, "verdict"), why,
			 record_get(kv, rec, "direction"), src, dst, record_get(kv, rec, "len"));
		return;
	}
	endpoint_addr(kv, rec, "src", "sport", sa, sizeof(sa));
	endpoint_addr(kv, rec, "dst", "dport", da, sizeof(da));
	if (record_get(kv, rec, "icmp-type")[0])
		snprintf(l4, sizeof(l4), " type %s code %s", record_get(kv, rec, "icmp-type"),
			 record_get(kv, rec, "icmp-code"));
	else if (record_get(kv, rec, "fragment")[0])
		snprintf(l4, sizeof(l4), " fragment");
	snprintf(buf, len, "%s %s %s %s %s %s -> %s %s %s%s len %s", record_get(kv, rec, "time"),
		 record_get(kv, rec, "verdict"), why, record_get(kv, rec, "direction"), src, sa, dst,
		 da, record_get(kv, rec, "proto"), l4, record_get(kv, rec, "len"));
}

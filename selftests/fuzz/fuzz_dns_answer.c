// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the whole answering path: parse, per-caller view,
 * name forms, records, truncation. The model is real (two environments,
 * typed replicas with named ports (SRV), an IPv6-only environment, a
 * build-phase endpoint).
 * The first input byte picks the caller, the transport, and whether a
 * rename happens first (so index rebuilds are fuzzed too); the rest is
 * the query.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dns/dns_answer.h"
#include "core/model.h"

static struct model m;
static struct dns_view v;

static void add(const char *p, const char *e, const char *s, uint32_t n, const char *type,
		bool build, const char *ports)
{
	struct endpoint_req r = { .replica = n, .build = build };
	struct endpoint ep;
	char err[ERR_SIZE];

	if (port_list_parse(ports, &r.ports, err, sizeof(err)))
		__builtin_trap();
	snprintf(r.project, sizeof(r.project), "%s", p);
	snprintf(r.env, sizeof(r.env), "%s", e);
	snprintf(r.service, sizeof(r.service), "%s", s);
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.netns, sizeof(r.netns), "wl%u", n);
	if (model_endpoint_prepare(&m, &r, &ep, err) || model_endpoint_insert(&m, &ep, err))
		__builtin_trap();
}

static void init(void)
{
	struct fabric_config cfg;
	char err[ERR_SIZE];

	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	prefix4_parse("10.210.1.0/24", &cfg.host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg.host6);
	model_init(&m, &cfg);
	model_project_add(&m, "p1", err);
	model_project_add(&m, "p2", err);
	model_env_add(&m, "p1", "prod", false, err);
	model_env_add(&m, "p1", "dev", false, err);
	model_env_add(&m, "p2", "six", true, err);
	add("p1", "prod", "api", 0, "web", false, "http=8080/tcp,dns=53/udp");
	add("p1", "prod", "api", 1, "web", false, "http=8081/tcp");
	add("p1", "prod", "api", 2, "worker", false, "");
	add("p1", "prod", "db", 0, "", false, "pg=5432/tcp");
	add("p1", "dev", "api", 3, "", false, "http=80/tcp");
	add("p2", "six", "api", 4, "", false, "http=80/tcp");
	add("p1", "prod", "builder", 5, "", true, "http=80/tcp");
	if (dns_view_init(&v, &m, "warren.internal", 5, err))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static bool renamed;
	static uint8_t out[DNS_MSG_MAX];
	struct dns_stats st = {};
	struct dns_query q;
	const struct endpoint *caller = NULL;
	char err[ERR_SIZE];
	size_t len = 0, cap;
	bool tcp;
	enum dns_action act;

	if (!ready) {
		init();
		ready = true;
	}
	if (size < 1)
		return 0;
	tcp = data[0] & 0x80;
	if (data[0] & 0x40) {
		/* Flip a rename: the view must rebuild and stay consistent. */
		model_service_rename(&m, "p1", "prod", renamed ? "database" : "db",
				     renamed ? "db" : "database", err);
		renamed = !renamed;
	}
	if ((data[0] & 0x0f) < 10)
		caller = dns_view_caller4(&v, htonl(0x0ad20100u | (2u + (data[0] & 0x0f))));
	act = dns_answer(&v, caller, data + 1, size - 1, tcp, &q, out, sizeof(out), &len, &st);
	if (act != DNS_ACT_REPLY)
		return 0;
	cap = tcp ? DNS_MSG_MAX : dns_udp_limit(&q);
	if (len < DNS_HDR_LEN || len > cap)
		__builtin_trap();
	if (size - 1 >= 2 && dns_get_id(out) != (uint16_t)(data[1] << 8 | data[2]))
		__builtin_trap();
	if (!(out[2] & 0x80))	/* QR */
		__builtin_trap();
	return 0;
}

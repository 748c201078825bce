// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl status: the agent and the datapath's counters per environment. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

/* What each environment sent, by path; its drops in one sum (the breakdown follows). */
static const struct column counter_cols[] = {
	{ "project", "PROJECT" }, { "env", "ENV" },
	{ "local-packets", "LOCAL" }, { "local-bytes", "BYTES" },
	{ "mesh-packets", "MESH" }, { "mesh-bytes", "BYTES" },
	{ "egress-packets", "EGRESS" }, { "egress-bytes", "BYTES" },
	{ "mesh-in-packets", "MESH-IN" }, { "mesh-in-bytes", "BYTES" },
	{ "drops", "DROPS" },
};

/*
 * Drops by direction and reason, the ones that happened: "drop-from-wl-
 * cross-env" is direction from_wl (the direction is "from-" and one word),
 * reason cross_env.
 */
static void print_drops(const struct kv *resp)
{
	static const char prefix[] = "drop-from-";
	bool any = false;

	for (size_t r = record_next(resp, 0, "counters"); r < resp->n;
	     r = record_next(resp, r + 1, "counters")) {
		const char *p = record_get(resp, r, "project"), *e = record_get(resp, r, "env");

		for (size_t i = r + 1; i < resp->n && strcmp(resp->pairs[i].key, "record") &&
				       strcmp(resp->pairs[i].key, "errno"); i++) {
			const char *k = resp->pairs[i].key, *dash;
			char dir[32], reason[48], who[128];

			if (strncmp(k, prefix, sizeof(prefix) - 1) || !strcmp(resp->pairs[i].value, "0"))
				continue;
			dash = strchr(k + sizeof(prefix) - 1, '-');
			if (!dash)
				continue;
			snprintf(dir, sizeof(dir), "from_%.*s", (int)(dash - k - (sizeof(prefix) - 1)),
				 k + sizeof(prefix) - 1);
			snprintf(reason, sizeof(reason), "%s", dash + 1);
			for (char *c = reason; *c; c++)
				if (*c == '-')
					*c = '_';
			snprintf(who, sizeof(who), "%s/%s", p[0] ? p : "-", e[0] ? e : "-");
			if (!any)
				printf("\nDrops by direction and reason\n");
			any = true;
			printf("  %-24s %-12s %-15s %s\n", who, dir, reason, resp->pairs[i].value);
		}
	}
}

static const struct column peer_cols[] = {
	{ "host", "PEER" }, { "endpoint", "ENDPOINT" }, { "handshake-age", "HANDSHAKE" },
	{ "rx-bytes", "RX" }, { "tx-bytes", "TX" },
};

static void print_text(const struct kv *resp)
{
	static const char *const agent_keys[] = { "hook", "pin-dir", "state", "fabric4", "fabric6",
						  "host4", "host6", "projects", "envs",
						  "endpoints" };
	size_t agent = record_next(resp, 0, "agent");

	static const char *const dns_keys[] = { "serving", "domain", "resolver4", "resolver6",
						"port", "ttl", "upstream", "queries", "answered",
						"nodata", "nxdomain", "refused", "malformed",
						"dropped", "forwarded", "servfail", "truncated",
						"upstream-pending", "tcp-clients",
						"fast-path", "fast-names", "fast-answered",
						"fast-fell-through" };
	size_t dns = record_next(resp, 0, "dns");

	for (size_t i = 0; agent < resp->n && i < sizeof(agent_keys) / sizeof(agent_keys[0]); i++)
		printf("%-10s %s\n", agent_keys[i], record_get(resp, agent, agent_keys[i]));
	printf("\nDNS\n");
	for (size_t i = 0; dns < resp->n && i < sizeof(dns_keys) / sizeof(dns_keys[0]); i++)
		if (record_get(resp, dns, dns_keys[i])[0])
			printf("  %-17s %s\n", dns_keys[i], record_get(resp, dns, dns_keys[i]));
	printf("\nMesh\n");
	{
		static const char *const mesh_keys[] = { "member", "host", "wg-device", "wg-kind",
							 "mtu", "uplink", "uplink-xdp",
							 "uplink-rx", "uplink-egress", "hosts",
							 "remote-endpoints" };
		size_t mesh = record_next(resp, 0, "mesh");

		for (size_t i = 0; mesh < resp->n && i < sizeof(mesh_keys) / sizeof(mesh_keys[0]); i++)
			if (record_get(resp, mesh, mesh_keys[i])[0])
				printf("  %-17s %s\n", mesh_keys[i], record_get(resp, mesh, mesh_keys[i]));
		if (record_next(resp, 0, "peer") < resp->n) {
			printf("\n");
			print_table(stdout, resp, "peer", peer_cols, sizeof(peer_cols) / sizeof(peer_cols[0]));
		}
	}
	{
		static const char *const dir_keys[] = { "state", "member", "prefix", "revision",
							"lease", "ttl", "registered", "hosts",
							"records", "ignored", "left-out", "pending",
							"reloads" };
		size_t dir = record_next(resp, 0, "directory");

		if (dir < resp->n)
			printf("\nDirectory\n");
		for (size_t i = 0; dir < resp->n && i < sizeof(dir_keys) / sizeof(dir_keys[0]); i++)
			if (record_get(resp, dir, dir_keys[i])[0])
				printf("  %-17s %s\n", dir_keys[i], record_get(resp, dir, dir_keys[i]));
	}
	{
		static const char *const ev_keys[] = { "rate", "burst", "flow-sample", "monitors",
						       "monitor-sent", "monitor-dropped",
						       "drop-received", "drop-sent",
						       "drop-rate-limited", "drop-ring-full",
						       "flow-received", "flow-sent",
						       "flow-rate-limited", "flow-ring-full" };
		size_t ev = record_next(resp, 0, "events");

		if (ev < resp->n)
			printf("\nEvents\n");
		for (size_t i = 0; ev < resp->n && i < sizeof(ev_keys) / sizeof(ev_keys[0]); i++)
			if (record_get(resp, ev, ev_keys[i])[0])
				printf("  %-17s %s\n", ev_keys[i], record_get(resp, ev, ev_keys[i]));
	}
	printf("\n");
	print_table(stdout, resp, "counters", counter_cols,
		    sizeof(counter_cols) / sizeof(counter_cols[0]));
	print_drops(resp);
}

static void print_json(const struct kv *resp)
{
	size_t agent = record_next(resp, 0, "agent");

	printf("{\"agent\": ");
	if (agent < resp->n)
		print_json_object(stdout, resp, agent);
	else
		printf("null");
	printf(", \"dns\": ");
	if (record_next(resp, 0, "dns") < resp->n)
		print_json_object(stdout, resp, record_next(resp, 0, "dns"));
	else
		printf("null");
	printf(", \"mesh\": ");
	if (record_next(resp, 0, "mesh") < resp->n)
		print_json_object(stdout, resp, record_next(resp, 0, "mesh"));
	else
		printf("null");
	printf(", \"directory\": ");
	if (record_next(resp, 0, "directory") < resp->n)
		print_json_object(stdout, resp, record_next(resp, 0, "directory"));
	else
		printf("null");
	printf(", \"events\": ");
	if (record_next(resp, 0, "events") < resp->n)
		print_json_object(stdout, resp, record_next(resp, 0, "events"));
	else
		printf("null");
	printf(", \"peers\": ");
	print_json_array(stdout, resp, "peer");
	printf(", \"counters\": ");
	print_json_array(stdout, resp, "counters");
	printf("}\n");
}

int ctl_status(const struct ctl *c, int argc, char **argv)
{
	struct kv req, resp;
	int ret;

	if (argc > 0) {
		bool help = is_help(argv[0]);

		fprintf(help ? stdout : stderr, "Usage: warrenctl [--json] status\n");
		return help ? EXIT_OK : EXIT_USAGE;
	}
	kv_init(&req);
	kv_add(&req, "cmd", "status");
	ret = ctl_request(c, &req, &resp);
	if (ret == EXIT_OK) {
		if (c->json)
			print_json(&resp);
		else
			print_text(&resp);
	}
	kv_free(&req);
	kv_free(&resp);
	return ret;
}

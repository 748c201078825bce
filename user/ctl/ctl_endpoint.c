// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl endpoint ... */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

static const struct column cols[] = {
	{ "id", "ID" }, { "project", "PROJECT" }, { "env", "ENV" }, { "service", "SERVICE" },
	{ "replica", "REPLICA" }, { "type", "TYPE" }, { "ipv4", "IPV4" }, { "ipv6", "IPV6" },
	{ "ifname", "IFNAME" }, { "netns", "NETNS" }, { "build", "BUILD" }, { "ports", "PORTS" },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl endpoint add project P env E service S replica N netns NS\n"
		"                              [type T] [build] [port NAME=NUMBER/PROTO]...\n"
		"       warrenctl endpoint del ID\n"
		"       warrenctl endpoint del project P env E service S replica N\n"
		"       warrenctl [--json] endpoint list [project P] [env E]\n"
		"       warrenctl [--json] endpoint env project P env E service S replica N\n"
		"NS is a name under /run/netns or an absolute path (e.g. /proc/PID/ns/net).\n"
		"`build` marks a build-phase endpoint: it sends and receives no private traffic.\n"
		"`port http=8080/tcp` (repeatable) names a port: DNS answers SRV for\n"
		"_http._tcp.SERVICE. NAME: 1-15 of [a-z0-9-] (RFC 6335); PROTO: tcp or udp.\n"
		"add prints the endpoint, which is reachable and resolves by name when the\n"
		"command returns. env prints the workload's reference variables\n"
		"(WARREN_PRIVATE_DOMAIN=... lines, for a shell or an env file).\n");
	return code;
}

/* KEY=VALUE lines, WARREN_-prefixed and upper-cased: ready to source. */
static void print_env(const struct ctl *c, const struct kv *resp)
{
	size_t rec = record_next(resp, 0, "env");

	if (rec == resp->n)
		return;
	if (c->json) {
		print_json_object(stdout, resp, rec);
		return;
	}
	for (size_t i = rec + 1; i < resp->n && strcmp(resp->pairs[i].key, "record"); i++) {
		const char *k = resp->pairs[i].key;

		if (!strcmp(k, "errno"))
			continue;
		printf("WARREN_");
		for (; *k; k++)
			putchar(*k >= 'a' && *k <= 'z' ? *k - 'a' + 'A' : *k == '-' ? '_' : *k);
		printf("=%s\n", resp->pairs[i].value);
	}
}

static void print(const struct ctl *c, const struct kv *resp)
{
	if (record_next(resp, 0, "env") != resp->n)
		print_env(c, resp);
	else if (c->json)
		print_json_array(stdout, resp, "endpoint");
	else
		print_table(stdout, resp, "endpoint", cols, NCOLS);
}

static int run(const struct ctl *c, struct kv *req, bool show)
{
	struct kv resp;
	int ret = ctl_request(c, req, &resp);

	if (ret == EXIT_OK && show)
		print(c, &resp);
	kv_free(&resp);
	return ret;
}

/*
 * `port SPEC` may repeat, which parse_keywords refuses: take those out of
 * argv (in order) into req first; the agent checks each SPEC.
 */
static int take_ports(int *argc, char **argv, struct kv *req)
{
	int n = 0;

	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "port")) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc) {
			fprintf(stderr, "warrenctl endpoint add: \"port\" needs a value\n");
			return EXIT_USAGE;
		}
		if (kv_add(req, "port", argv[++i])) {
			fprintf(stderr, "warrenctl endpoint add: bad value for \"port\"\n");
			return EXIT_USAGE;
		}
	}
	*argc = n;
	return EXIT_OK;
}

int ctl_endpoint(const struct ctl *c, int argc, char **argv)
{
	static const struct keyword add_kws[] = {
		{ "project", true, true }, { "env", true, true }, { "service", true, true },
		{ "replica", true, true }, { "netns", true, true }, { "type", true, false },
		{ "build", false, false }, {},
	};
	static const struct keyword del_kws[] = {
		{ "project", true, true }, { "env", true, true }, { "service", true, true },
		{ "replica", true, true }, {},
	};
	static const struct keyword env_kws[] = {
		{ "project", true, true }, { "env", true, true }, { "service", true, true },
		{ "replica", true, true }, {},
	};
	static const struct keyword list_kws[] = {
		{ "project", true, false }, { "env", true, false }, {},
	};
	const struct keyword *kws;
	const char *cmd;
	struct kv req;
	int ret;

	if (argc < 1 || is_help(argv[0]))
		return usage(argc < 1 ? stderr : stdout, argc < 1 ? EXIT_USAGE : EXIT_OK);
	if (!strcmp(argv[0], "add")) {
		cmd = "endpoint-add";
		kws = add_kws;
	} else if (!strcmp(argv[0], "del")) {
		cmd = "endpoint-del";
		kws = del_kws;
	} else if (!strcmp(argv[0], "env")) {
		cmd = "endpoint-env";
		kws = env_kws;
	} else if (!strcmp(argv[0], "list")) {
		cmd = "endpoint-list";
		kws = list_kws;
	} else {
		return usage(stderr, EXIT_USAGE);
	}
	kv_init(&req);
	kv_add(&req, "cmd", cmd);
	if (kws == del_kws && argc == 2) {
		/* By id: the agent checks it is a number it knows. */
		ret = kv_add(&req, "id", argv[1]) ? EXIT_USAGE : EXIT_OK;
	} else {
		int n = argc - 1;

		ret = kws == add_kws ? take_ports(&n, argv + 1, &req) : EXIT_OK;
		if (ret == EXIT_OK)
			ret = parse_keywords(cmd, n, argv + 1, kws, &req);
	}
	if (ret == EXIT_OK)
		ret = run(c, &req, kws != del_kws);
	else
		usage(stderr, ret);
	kv_free(&req);
	return ret;
}

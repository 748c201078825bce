// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl endpoint ... */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "output.h"

static const struct column cols[] = {
	{ "id", "ID" }, { "project", "PROJECT" }, { "env", "ENV" }, { "service", "SERVICE" },
	{ "replica", "REPLICA" }, { "type", "TYPE" }, { "ipv4", "IPV4" }, { "ipv6", "IPV6" },
	{ "ifname", "IFNAME" }, { "netns", "NETNS" }, { "build", "BUILD" },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl endpoint add project P env E service S replica N netns NS\n"
		"                              [type T] [build]\n"
		"       warrenctl endpoint del ID\n"
		"       warrenctl endpoint del project P env E service S replica N\n"
		"       warrenctl [--json] endpoint list [project P] [env E]\n"
		"NS is a name under /run/netns or an absolute path (e.g. /proc/PID/ns/net).\n"
		"`build` marks a build-phase endpoint: it sends and receives no private traffic.\n"
		"add prints the endpoint, which is reachable when the command returns.\n");
	return code;
}

static void print(const struct ctl *c, const struct kv *resp)
{
	if (c->json)
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
		ret = parse_keywords(cmd, argc - 1, argv + 1, kws, &req);
	}
	if (ret == EXIT_OK)
		ret = run(c, &req, kws != del_kws);
	else
		usage(stderr, ret);
	kv_free(&req);
	return ret;
}

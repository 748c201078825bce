// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl project ... / warrenctl env ... */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

static int project_usage(FILE *f, int code)
{
	fprintf(f, "Usage: warrenctl project add NAME\n"
		   "       warrenctl project del NAME\n"
		   "       warrenctl [--json] project list\n");
	return code;
}

static int env_usage(FILE *f, int code)
{
	fprintf(f, "Usage: warrenctl env add PROJECT ENV [ipv6-only]\n"
		   "       warrenctl env del PROJECT ENV\n"
		   "       warrenctl [--json] env list\n");
	return code;
}

/* Send a request built from cmd and up to two positional names. */
static int simple(const struct ctl *c, const char *cmd, const char *p, const char *e,
		  bool v6only)
{
	struct kv req, resp;
	int ret;

	kv_init(&req);
	kv_add(&req, "cmd", cmd);
	if ((p && kv_add(&req, "project", p)) || (e && kv_add(&req, "env", e))) {
		fprintf(stderr, "warrenctl: names cannot hold control characters\n");
		kv_free(&req);
		return EXIT_USAGE;
	}
	if (v6only)
		kv_add(&req, "ipv6-only", "1");
	ret = ctl_request(c, &req, &resp);
	kv_free(&req);
	kv_free(&resp);
	return ret;
}

static int list(const struct ctl *c, const char *cmd, const char *type,
		const struct column *cols, size_t ncols)
{
	struct kv req, resp;
	int ret;

	kv_init(&req);
	kv_add(&req, "cmd", cmd);
	ret = ctl_request(c, &req, &resp);
	if (ret == EXIT_OK) {
		if (c->json)
			print_json_array(stdout, &resp, type);
		else
			print_table(stdout, &resp, type, cols, ncols);
	}
	kv_free(&req);
	kv_free(&resp);
	return ret;
}

int ctl_project(const struct ctl *c, int argc, char **argv)
{
	static const struct column cols[] = { { "project", "PROJECT" }, { "envs", "ENVS" } };

	if (argc < 1 || is_help(argv[0]))
		return project_usage(argc < 1 ? stderr : stdout, argc < 1 ? EXIT_USAGE : EXIT_OK);
	if (!strcmp(argv[0], "add") && argc == 2)
		return simple(c, "project-add", argv[1], NULL, false);
	if (!strcmp(argv[0], "del") && argc == 2)
		return simple(c, "project-del", argv[1], NULL, false);
	if (!strcmp(argv[0], "list") && argc == 1)
		return list(c, "project-list", "project", cols, 2);
	return project_usage(stderr, EXIT_USAGE);
}

int ctl_env(const struct ctl *c, int argc, char **argv)
{
	static const struct column cols[] = {
		{ "project", "PROJECT" }, { "env", "ENV" }, { "env-id", "ID" },
		{ "ipv6-only", "IPV6-ONLY" }, { "endpoints", "ENDPOINTS" },
	};

	if (argc < 1 || is_help(argv[0]))
		return env_usage(argc < 1 ? stderr : stdout, argc < 1 ? EXIT_USAGE : EXIT_OK);
	if (!strcmp(argv[0], "add") && (argc == 3 || (argc == 4 && !strcmp(argv[3], "ipv6-only"))))
		return simple(c, "env-add", argv[1], argv[2], argc == 4);
	if (!strcmp(argv[0], "del") && argc == 3)
		return simple(c, "env-del", argv[1], argv[2], false);
	if (!strcmp(argv[0], "list") && argc == 1)
		return list(c, "env-list", "env", cols, 5);
	return env_usage(stderr, EXIT_USAGE);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl service ... */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl service rename project P env E service OLD to NEW\n"
		"Every replica of OLD takes the name NEW; its DNS names move at once and the\n"
		"old ones stop answering.\n");
	return code;
}

int ctl_service(const struct ctl *c, int argc, char **argv)
{
	static const struct keyword rename_kws[] = {
		{ "project", true, true }, { "env", true, true }, { "service", true, true },
		{ "to", true, true }, {},
	};
	struct kv req, resp;
	int ret;

	if (argc < 1 || is_help(argv[0]))
		return usage(argc < 1 ? stderr : stdout, argc < 1 ? 2 : 0);
	if (strcmp(argv[0], "rename"))
		return usage(stderr, EXIT_USAGE);
	kv_init(&req);
	kv_add(&req, "cmd", "service-rename");
	ret = parse_keywords("service-rename", argc - 1, argv + 1, rename_kws, &req);
	if (ret != EXIT_OK) {
		usage(stderr, ret);
		kv_free(&req);
		return ret;
	}
	ret = ctl_request(c, &req, &resp);
	kv_free(&resp);
	kv_free(&req);
	return ret;
}

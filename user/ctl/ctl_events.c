// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl events set: the datapath's event rate, burst and flow sampling, live. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl events set [--rate N] [--burst N] [--flow-sample N]\n"
		"  --rate N         drop events per second per environment and reason (0: none)\n"
		"  --burst N        how many a bucket sends at once before the rate holds\n"
		"  --flow-sample N  a flow event for one delivered packet in N (0: none)\n"
		"Until warrend restarts (it then writes its own --event-* settings).\n"
		"What was not sent is counted: warrenctl status, Events.\n");
	return code;
}

int ctl_events(const struct ctl *c, int argc, char **argv)
{
	static const char *const keys[] = { "rate", "burst", "flow-sample" };
	struct kv req, resp;
	int ret;

	if (argc < 1 || is_help(argv[0]))
		return usage(argc < 1 ? stderr : stdout, argc < 1 ? EXIT_USAGE : EXIT_OK);
	if (strcmp(argv[0], "set") || argc < 2)
		return usage(stderr, EXIT_USAGE);
	kv_init(&req);
	kv_add(&req, "cmd", "events-set");
	for (int i = 1; i < argc; i += 2) {
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) || i + 1 >= argc || kv_get(&req, keys[k]) ||
		    kv_add(&req, keys[k], argv[i + 1])) {
			fprintf(stderr, "warrenctl events set: %s \"%s\"\n",
				k == sizeof(keys) / sizeof(keys[0]) ? "unknown argument" :
				i + 1 >= argc ? "a value is needed after" : "bad or repeated", argv[i]);
			kv_free(&req);
			return usage(stderr, EXIT_USAGE);
		}
	}
	ret = ctl_request(c, &req, &resp);
	if (ret == EXIT_OK) {
		size_t r = record_next(&resp, 0, "events");

		if (c->json && r < resp.n) {
			print_json_object(stdout, &resp, r);
			fputc('\n', stdout);
		} else if (r < resp.n) {
			printf("rate %s/s, burst %s, flow sample %s\n", record_get(&resp, r, "rate"),
			       record_get(&resp, r, "burst"), record_get(&resp, r, "flow-sample"));
		}
	}
	kv_free(&req);
	kv_free(&resp);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* warrenctl apply FILE, and warrenctl host ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/output.h"

static int apply_usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl apply FILE      (- for standard input)\n"
		"FILE is the whole fleet state: every host and every endpoint (see README,\n"
		"\"Fleet state\"). The agent changes only what differs; a file with any fault is\n"
		"refused whole, with the line and field at fault, and nothing changes.\n");
	return code;
}

/* Each line of the file goes as one `line=` value; the agent parses them. */
int ctl_apply(const struct ctl *c, int argc, char **argv)
{
	struct kv req, resp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = EXIT_OK, lineno = 0;
	FILE *fp;

	if (argc != 1 || is_help(argv[0]))
		return apply_usage(argc == 1 ? stdout : stderr, argc == 1 ? EXIT_OK : EXIT_USAGE);
	fp = strcmp(argv[0], "-") ? fopen(argv[0], "re") : stdin;
	if (!fp) {
		fprintf(stderr, "warrenctl apply: %s: %s\n", argv[0], strerror(errno));
		return EXIT_USAGE;
	}
	kv_init(&req);
	kv_add(&req, "cmd", "apply");
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strlen(line) != (size_t)n || kv_add(&req, "line", line)) {
			fprintf(stderr, "warrenctl apply: %s: line %d: not printable text\n", argv[0],
				lineno);
			ret = EXIT_USAGE;
			break;
		}
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	if (ret == EXIT_OK) {
		ret = ctl_request(c, &req, &resp);
		if (ret == EXIT_OK) {
			size_t r = record_next(&resp, 0, "applied");

			printf("applied: %s hosts, %s endpoints here, %s on other hosts\n",
			       record_get(&resp, r, "hosts"), record_get(&resp, r, "local-endpoints"),
			       record_get(&resp, r, "remote-endpoints"));
		}
		kv_free(&resp);
	}
	kv_free(&req);
	return ret;
}

static int host_usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl host add name H underlay ADDR public-key KEY prefix4 P4 prefix6 P6\n"
		"                          [port PORT] [keepalive SECONDS]\n"
		"       warrenctl host del name H     (its endpoints go with it)\n"
		"       warrenctl host list\n");
	return code;
}

int ctl_host(const struct ctl *c, int argc, char **argv)
{
	static const struct keyword add_kws[] = {
		{ "name", true, true }, { "underlay", true, true }, { "public-key", true, true },
		{ "prefix4", true, true }, { "prefix6", true, true }, { "port", true, false },
		{ "keepalive", true, false }, {},
	};
	static const struct keyword del_kws[] = { { "name", true, true }, {} };
	static const struct column cols[] = {
		{ "name", "HOST" }, { "self", "SELF" }, { "underlay", "UNDERLAY" }, { "port", "PORT" },
		{ "prefix4", "PREFIX4" }, { "prefix6", "PREFIX6" }, { "endpoints", "ENDPOINTS" },
		{ "public-key", "PUBLIC KEY" },
	};
	const struct keyword *kws;
	const char *cmd;
	struct kv req, resp;
	int ret;

	if (argc < 1 || is_help(argv[0]))
		return host_usage(argc < 1 ? stderr : stdout, argc < 1 ? EXIT_USAGE : EXIT_OK);
	if (!strcmp(argv[0], "add")) {
		cmd = "host-add";
		kws = add_kws;
	} else if (!strcmp(argv[0], "del")) {
		cmd = "host-del";
		kws = del_kws;
	} else if (!strcmp(argv[0], "list")) {
		cmd = "host-list";
		kws = (const struct keyword[]){ {} };
	} else {
		return host_usage(stderr, EXIT_USAGE);
	}
	kv_init(&req);
	kv_add(&req, "cmd", cmd);
	ret = parse_keywords(cmd, argc - 1, argv + 1, kws, &req);
	if (ret != EXIT_OK) {
		host_usage(stderr, ret);
		kv_free(&req);
		return ret;
	}
	ret = ctl_request(c, &req, &resp);
	if (ret == EXIT_OK && !strcmp(cmd, "host-list")) {
		if (c->json)
			print_json_array(stdout, &resp, "host");
		else
			print_table(stdout, &resp, "host", cols, sizeof(cols) / sizeof(cols[0]));
	}
	kv_free(&resp);
	kv_free(&req);
	return ret;
}

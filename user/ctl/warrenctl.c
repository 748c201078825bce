// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warrenctl: the command line for provisioning scripts and people.
 * This file is only the table of objects and the dispatch, as wg.c is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/ctl.h"

#define DEFAULT_SOCKET "/run/warren/warrend.sock"

static const struct {
	const char *object;
	int (*fn)(const struct ctl *c, int argc, char **argv);
	const char *description;
} objects[] = {
	{ "project", ctl_project, "add, delete and list projects" },
	{ "env", ctl_env, "add, delete and list environments of a project" },
	{ "endpoint", ctl_endpoint, "add, delete and list workload endpoints; their variables" },
	{ "service", ctl_service, "rename a service (its DNS names move with it)" },
	{ "status", ctl_status, "the agent, the mesh, and packet counters per environment" },
	{ "apply", ctl_apply, "make a fleet state file (hosts and endpoints) the desired state" },
	{ "host", ctl_host, "add, delete and list the fleet's hosts" },
	{ "monitor", ctl_monitor, "stream the datapath's drop and flow events, named" },
	{ "events", ctl_events, "set the event rate, burst and flow sampling live" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: warrenctl [--socket PATH] [--json] OBJECT COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(f, "  %-9s %s\n", objects[i].object, objects[i].description);
	fprintf(f, "\n  --socket PATH   warrend's control socket (default %s, or $WARREN_SOCKET)\n"
		   "  --json          machine-readable output of read commands\n"
		   "Run `warrenctl OBJECT help` for an object's commands.\n", DEFAULT_SOCKET);
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int parse_keywords(const char *request, int argc, char **argv, const struct keyword *kws,
		   struct kv *req)
{
	char cmd[64];

	/* Say it as it was typed: "endpoint add", not the wire's "endpoint-add". */
	snprintf(cmd, sizeof(cmd), "%s", request);
	for (char *p = cmd; *p; p++)
		if (*p == '-')
			*p = ' ';
	for (int i = 0; i < argc; i++) {
		const struct keyword *k;

		for (k = kws; k->name && strcmp(k->name, argv[i]); k++)
			;
		if (!k->name) {
			fprintf(stderr, "warrenctl %s: unknown argument \"%s\"\n", cmd, argv[i]);
			return EXIT_USAGE;
		}
		if (kv_get(req, k->name)) {
			fprintf(stderr, "warrenctl %s: \"%s\" given twice\n", cmd, k->name);
			return EXIT_USAGE;
		}
		if (k->has_value && i + 1 >= argc) {
			fprintf(stderr, "warrenctl %s: \"%s\" needs a value\n", cmd, k->name);
			return EXIT_USAGE;
		}
		if (kv_add(req, k->name, k->has_value ? argv[++i] : "1")) {
			fprintf(stderr, "warrenctl %s: bad value for \"%s\"\n", cmd, k->name);
			return EXIT_USAGE;
		}
	}
	for (const struct keyword *k = kws; k->name; k++)
		if (k->required && !kv_get(req, k->name)) {
			fprintf(stderr, "warrenctl %s: missing \"%s\"\n", cmd, k->name);
			return EXIT_USAGE;
		}
	return EXIT_OK;
}

int ctl_request(const struct ctl *c, struct kv *req, struct kv *resp)
{
	const char *e;

	kv_init(resp);
	if (client_call(c->sock, req, resp))
		return EXIT_FAIL;
	e = kv_get(resp, "errno");
	if (!e || strcmp(e, "0")) {
		const char *msg = kv_get(resp, "error");

		fprintf(stderr, "warrenctl: %s: %s\n", kv_get(req, "cmd"),
			msg ? msg : "the agent gave no reason");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl c = { .sock = getenv("WARREN_SOCKET") ?: DEFAULT_SOCKET };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			c.json = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			c.sock = argv[++i];
		} else if (is_help(argv[i])) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "warrenctl: unknown option \"%s\"\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[i])) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		if (!strcmp(argv[i], objects[o].object))
			return objects[o].fn(&c, argc - i - 1, argv + i + 1);
	fprintf(stderr, "warrenctl: unknown object \"%s\"\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}

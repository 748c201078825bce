// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warrenctl monitor: the datapath's events as they happen, named and
 * filtered by the agent, one line each (or one JSON object each), until
 * Ctrl-C or the agent stops.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/client.h"
#include "ctl/ctl.h"
#include "ctl/monitor_line.h"
#include "ctl/output.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static int usage(FILE *f, int code)
{
	fprintf(f,
		"Usage: warrenctl [--json] monitor [--type drop|flow] [--project P] [--env E]\n"
		"                 [--service S] [--reason R] [--json]\n"
		"Streams the datapath's events until Ctrl-C: every drop (as its rate limit\n"
		"allows) and, with flow sampling on (warrenctl events set --flow-sample N),\n"
		"sampled delivered packets. --project, --env and --service match either end;\n"
		"--reason is a drop reason (cross_env, spoofed, ...) or a flow's path (local,\n"
		"mesh, egress, mesh_in).\n");
	return code;
}

/* One message from the stream: an event, a monitor's loss, or the agent's refusal. */
static int print_message(const struct kv *kv, bool json, bool *started)
{
	size_t rec;
	char line[1024];

	if (!*started) {
		const char *e = kv_get(kv, "errno");

		if (!e || strcmp(e, "0")) {
			fprintf(stderr, "warrenctl: monitor: %s\n",
				kv_get(kv, "error") ?: "the agent gave no reason");
			return EXIT_FAIL;
		}
		*started = true;
		return EXIT_OK;
	}
	if ((rec = record_next(kv, 0, "lost")) < kv->n) {
		if (json)
			printf("{\"lost\": %s}\n", record_get(kv, rec, "count"));
		else
			fprintf(stderr, "# %s events dropped: this monitor read too slowly\n",
				record_get(kv, rec, "count"));
		return EXIT_OK;
	}
	if ((rec = record_next(kv, 0, "event")) >= kv->n)
		return EXIT_OK;
	if (json) {
		print_json_object(stdout, kv, rec);
		fputc('\n', stdout);
	} else {
		monitor_line(kv, rec, line, sizeof(line));
		puts(line);
	}
	/* Whoever read our output is gone (a closed pipe): so is the point. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "warrenctl: monitor: writing the output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Read messages until the agent closes, or Ctrl-C. */
static int stream(int fd, bool json)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	bool started = false;
	int ret = buf ? EXIT_OK : EXIT_FAIL;

	while (ret == EXIT_OK && !stop) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 || !started)
				fprintf(stderr, "warrenctl: monitor: %s\n",
					n < 0 ? strerror(errno) : "the agent closed the connection");
			else
				fprintf(stderr, "warrenctl: monitor: the agent stopped\n");
			ret = EXIT_FAIL;
			break;
		}
		len += (size_t)n;
		for (;;) {
			struct kv kv;
			int used;

			kv_init(&kv);
			used = kv_parse(buf, len, &kv);
			if (used == -EAGAIN)
				break;
			if (used < 0) {
				fprintf(stderr, "warrenctl: monitor: malformed message from the agent\n");
				ret = EXIT_FAIL;
				break;
			}
			ret = print_message(&kv, json, &started);
			kv_free(&kv);
			memmove(buf, buf + used, len - (size_t)used);
			len -= (size_t)used;
			if (ret != EXIT_OK)
				break;
		}
		/* No message is ever this long: the stream is not ours. */
		if (len == cap) {
			fprintf(stderr, "warrenctl: monitor: message too long\n");
			ret = EXIT_FAIL;
		}
	}
	free(buf);
	return ret;
}

int ctl_monitor(const struct ctl *c, int argc, char **argv)
{
	static const char *const filters[] = { "type", "project", "env", "service", "reason" };
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART: read() returns */
	bool json = c->json;
	char err[512];
	struct kv req;
	int fd, ret;

	kv_init(&req);
	kv_add(&req, "cmd", "monitor");
	for (int i = 0; i < argc; i++) {
		size_t f;

		if (is_help(argv[i])) {
			kv_free(&req);
			return usage(stdout, EXIT_OK);
		}
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		for (f = 0; f < sizeof(filters) / sizeof(filters[0]); f++)
			if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, filters[f]))
				break;
		if (f == sizeof(filters) / sizeof(filters[0]) || i + 1 >= argc ||
		    kv_get(&req, filters[f]) || kv_add(&req, filters[f], argv[i + 1])) {
			fprintf(stderr, "warrenctl monitor: %s \"%s\"\n",
				f == sizeof(filters) / sizeof(filters[0]) ? "unknown argument" :
				i + 1 >= argc ? "a value is needed after" : "bad or repeated", argv[i]);
			kv_free(&req);
			return usage(stderr, EXIT_USAGE);
		}
		i++;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Each event a line of its own as it comes, also into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = client_open(c->sock, &req, err, sizeof(err));
	kv_free(&req);
	if (fd < 0) {
		fprintf(stderr, "warrenctl: %s\n", err);
		return EXIT_FAIL;
	}
	ret = stream(fd, json);
	close(fd);
	/* Ctrl-C is how a monitor ends: not a failure. */
	return stop ? EXIT_OK : ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warren-probe: the traffic tool of the end-to-end tests, run inside
 * workload namespaces. Real sockets and packets; every wait is bounded
 * except serve, which runs until it is killed.
 *
 * check sends exactly one packet per probe (a single SYN as long as the
 * timeout is under the kernel's 1 s initial RTO): the tests compare the
 * refused probes with the datapath's drop counters.
 */
#include "probe.h"

static const char usage_text[] =
	"Usage: warren-probe serve  [--port P]\n"
	"       warren-probe check  [--timeout-ms N] [--port P] SPEC...\n"
	"       warren-probe spoof  --src ADDR --dst ADDR [--port P] [--count N]\n"
	"       warren-probe recv   [--port P] [--timeout-ms N]\n"
	"       warren-probe stream --dst ADDR [--port P] [--seconds S] [--interval-ms M]\n"
	"       warren-probe short  --dev IFNAME [--count N]\n"
	"\n"
	"  serve   TCP and UDP echo on IPv4 and IPv6; prints \"ready\" once bound\n"
	"  check   probes all SPECs at once (tcp:ADDR, udp:ADDR, icmp:ADDR), one packet\n"
	"          each, within one deadline; prints \"SPEC ok\" or \"SPEC fail REASON\"\n"
	"          per SPEC; exit 1 if any failed\n"
	"  spoof   sends N UDP datagrams with a hand-built IP header and source ADDR\n"
	"  recv    prints \"ready\", counts UDP datagrams until the timeout\n"
	"  stream  writes to an echo server and counts echoed bytes per interval;\n"
	"          prints \"intervals=N min_bytes=X total=Y stalls=Z\"\n"
	"  short   sends Ethernet frames of type IPv4 that end 10 bytes in\n"
	"\n"
	"Defaults: --port 7, --timeout-ms 500, --count 1, --seconds 5, --interval-ms 250.\n"
	"Keep check's timeout under 1000 ms so that TCP sends a single SYN.\n";

void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int parse_opts(int argc, char **argv, unsigned int allowed, struct opts *o)
{
	const struct {
		const char *name;
		unsigned int bit;
		long *num;		/* a number from min to max, or */
		const char **str;	/* a string */
		long min, max;
	} table[] = {
		{ "--port", OPT_PORT, &o->port, NULL, 1, 65535 },
		{ "--timeout-ms", OPT_TIMEOUT, &o->timeout_ms, NULL, 1, 600000 },
		{ "--count", OPT_COUNT, &o->count, NULL, 1, 1000000 },
		{ "--seconds", OPT_SECONDS, &o->seconds, NULL, 1, 3600 },
		{ "--interval-ms", OPT_INTERVAL, &o->interval_ms, NULL, 1, 60000 },
		{ "--src", OPT_SRC, NULL, &o->src, 0, 0 },
		{ "--dst", OPT_DST, NULL, &o->dst, 0, 0 },
		{ "--dev", OPT_DEV, NULL, &o->dev, 0, 0 },
	};
	const size_t nopts = sizeof(table) / sizeof(table[0]);
	static char *args[MAX_PROBES];

	o->args = args;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		size_t k;

		if (a[0] != '-') {
			if (!(allowed & OPT_ARGS)) {
				fprintf(stderr, "warren-probe %s: unexpected argument \"%s\"\n", o->cmd, a);
				return -EINVAL;
			}
			if (o->nargs == MAX_PROBES) {
				fprintf(stderr, "warren-probe %s: more than %d arguments\n", o->cmd, MAX_PROBES);
				return -E2BIG;
			}
			args[o->nargs++] = argv[i];
			continue;
		}
		for (k = 0; k < nopts; k++)
			if (!strcmp(a, table[k].name) && (allowed & table[k].bit))
				break;
		if (k == nopts) {
			fprintf(stderr, "warren-probe %s: unknown option %s\n", o->cmd, a);
			return -EINVAL;
		}
		if (++i == argc) {
			fprintf(stderr, "warren-probe %s: %s needs a value\n", o->cmd, a);
			return -EINVAL;
		}
		if (table[k].str) {
			*table[k].str = argv[i];
		} else if (parse_num(argv[i], table[k].min, table[k].max, table[k].num)) {
			fprintf(stderr, "warren-probe %s: %s wants a number from %ld to %ld, not \"%s\"\n",
				o->cmd, a, table[k].min, table[k].max, argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct opts *o);
	unsigned int opts;
} commands[] = {
	{ "serve", cmd_serve, OPT_PORT },
	{ "check", cmd_check, OPT_TIMEOUT | OPT_PORT | OPT_ARGS },
	{ "spoof", cmd_spoof, OPT_SRC | OPT_DST | OPT_PORT | OPT_COUNT },
	{ "recv", cmd_recv, OPT_PORT | OPT_TIMEOUT },
	{ "stream", cmd_stream, OPT_DST | OPT_PORT | OPT_SECONDS | OPT_INTERVAL },
	{ "short", cmd_short, OPT_DEV | OPT_COUNT },
};

int main(int argc, char **argv)
{
	struct opts o = { .port = 7, .timeout_ms = 500, .count = 1, .seconds = 5,
			  .interval_ms = 250 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Writes to a reset connection fail with EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 1 && !strcmp(argv[i], "help"))) {
			usage(stdout);
			return 0;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		o.cmd = commands[i].name;
		if (parse_opts(argc - 2, argv + 2, commands[i].opts, &o)) {
			usage(stderr);
			return 2;
		}
		return commands[i].fn(&o);
	}
	fprintf(stderr, "warren-probe: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}

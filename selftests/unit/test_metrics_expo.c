// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus exposition writer: exact text of families and samples,
 * label and HELP escaping, the rules it refuses to break, the histogram's
 * shape (cumulative buckets, +Inf, sum, count), and the whole of it
 * accepted by promtool (Debian's prometheus package) where it is installed;
 * the events' families (metrics_events.c) from numbers of the test's own.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "test.h"
#include "metrics/metrics_expo.h"
#include "metrics/metrics_events.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/* The exposition so far (NUL-terminated by the writer). */
static const char *text(const struct expo *e)
{
	return e->buf ? e->buf : "";
}

static void test_counter_and_gauge(void)
{
	struct expo e;
	struct expo_label l[] = { { "project", "shop" }, { "env", "prod" } };
	char *out = NULL;
	size_t len;

	expo_init(&e, 1 << 20);
	expo_family(&e, "warren_x_total", EXPO_COUNTER, "Things counted.");
	expo_u64(&e, l, ARRAY_SIZE(l), 18446744073709551615ULL);
	expo_u64(&e, NULL, 0, 0);
	expo_family(&e, "warren_y", EXPO_GAUGE, "A level.");
	expo_i64(&e, l, 1, -5);
	if (!ASSERT_OK(expo_finish(&e, &out, &len), "finish"))
		goto out;
	ASSERT_STREQ(out,
		     "# HELP warren_x_total Things counted.\n"
		     "# TYPE warren_x_total counter\n"
		     "warren_x_total{project=\"shop\",env=\"prod\"} 18446744073709551615\n"
		     "warren_x_total 0\n"
		     "# HELP warren_y A level.\n"
		     "# TYPE warren_y gauge\n"
		     "warren_y{project=\"shop\"} -5\n",
		     "text");
	ASSERT_EQ(len, strlen(out), "length");
out:
	free(out);
	expo_free(&e);
}

static void test_escaping(void)
{
	struct expo e;
	struct expo_label l[] = { { "v", "a\\b\"c\nd" } };

	expo_init(&e, 1 << 20);
	expo_family(&e, "warren_e", EXPO_GAUGE, "Back\\slash and\nnewline \"quoted\".");
	expo_u64(&e, l, 1, 1);
	ASSERT_OK(e.err, "no error");
	ASSERT_STREQ(text(&e),
		     "# HELP warren_e Back\\\\slash and\\nnewline \"quoted\".\n"
		     "# TYPE warren_e gauge\n"
		     "warren_e{v=\"a\\\\b\\\"c\\nd\"} 1\n",
		     "label values escape \\ \" and newline; HELP escapes \\ and newline");
	expo_free(&e);
}

/* One call on a fresh writer that must fail with err, leaving no text. */
static void refused(void (*call)(struct expo *e), int err, const char *what)
{
	struct expo e;
	char *out = NULL;
	size_t len;

	expo_init(&e, 1 << 20);
	call(&e);
	ASSERT_EQ(e.err, err, what);
	ASSERT_EQ(expo_finish(&e, &out, &len), err, what);
	ASSERT_TRUE(out == NULL, what);
	/* Sticky: nothing is written after the first error. */
	expo_family(&e, "warren_after", EXPO_GAUGE, "");
	ASSERT_EQ(e.err, err, what);
	free(out);
	expo_free(&e);
}

static void twice(struct expo *e)
{
	expo_family(e, "warren_a_total", EXPO_COUNTER, "");
	expo_u64(e, NULL, 0, 1);
	expo_family(e, "warren_b", EXPO_GAUGE, "");
	expo_family(e, "warren_a_total", EXPO_COUNTER, "");
}

static void counter_without_total(struct expo *e)
{
	expo_family(e, "warren_packets", EXPO_COUNTER, "");
}

static void gauge_with_total(struct expo *e)
{
	expo_family(e, "warren_packets_total", EXPO_GAUGE, "");
}

static void hist_with_suffix(struct expo *e)
{
	expo_family(e, "warren_lat_bucket", EXPO_HISTOGRAM, "");
}

static void bad_name(struct expo *e)
{
	expo_family(e, "9warren", EXPO_GAUGE, "");
}

static void name_with_dash(struct expo *e)
{
	expo_family(e, "warren-x", EXPO_GAUGE, "");
}

static void sample_first(struct expo *e)
{
	expo_u64(e, NULL, 0, 1);
}

static void label_with_colon(struct expo *e)
{
	struct expo_label l[] = { { "a:b", "x" } };

	expo_family(e, "warren_g", EXPO_GAUGE, "");
	expo_u64(e, l, 1, 1);
}

static void reserved_label(struct expo *e)
{
	struct expo_label l[] = { { "__name__", "x" } };

	expo_family(e, "warren_g", EXPO_GAUGE, "");
	expo_u64(e, l, 1, 1);
}

static void duplicate_label(struct expo *e)
{
	struct expo_label l[] = { { "a", "x" }, { "a", "y" } };

	expo_family(e, "warren_g", EXPO_GAUGE, "");
	expo_u64(e, l, 2, 1);
}

static void le_in_histogram(struct expo *e)
{
	struct expo_label l[] = { { "le", "1" } };
	struct hist h;

	hist_init(&h, &hist_dns_bounds);
	expo_family(e, "warren_h_seconds", EXPO_HISTOGRAM, "");
	expo_hist(e, l, 1, &h);
}

static void hist_in_counter(struct expo *e)
{
	struct hist h;

	hist_init(&h, &hist_dns_bounds);
	expo_family(e, "warren_c_total", EXPO_COUNTER, "");
	expo_hist(e, NULL, 0, &h);
}

static void value_in_histogram(struct expo *e)
{
	expo_family(e, "warren_h_seconds", EXPO_HISTOGRAM, "");
	expo_u64(e, NULL, 0, 1);
}

static void negative_counter(struct expo *e)
{
	expo_family(e, "warren_c_total", EXPO_COUNTER, "");
	expo_i64(e, NULL, 0, -1);
}

static void too_big(struct expo *e)
{
	e->max = 64;
	expo_family(e, "warren_long_name_for_a_small_limit_total", EXPO_COUNTER,
		    "More than 64 bytes with its HELP line alone.");
}

static void test_refusals(void)
{
	refused(twice, -EEXIST, "a family written twice");
	refused(counter_without_total, -EINVAL, "a counter's name ends in _total");
	refused(gauge_with_total, -EINVAL, "only counters end in _total");
	refused(hist_with_suffix, -EINVAL, "a histogram named like its own series");
	refused(bad_name, -EINVAL, "a name starting with a digit");
	refused(name_with_dash, -EINVAL, "a dash in a name");
	refused(sample_first, -EINVAL, "a sample before any family");
	refused(label_with_colon, -EINVAL, "a colon in a label name");
	refused(reserved_label, -EINVAL, "a reserved (__) label name");
	refused(duplicate_label, -EINVAL, "a label given twice");
	refused(le_in_histogram, -EINVAL, "le in a histogram's labels");
	refused(hist_in_counter, -EINVAL, "histogram samples in a counter");
	refused(value_in_histogram, -EINVAL, "a plain value in a histogram");
	refused(negative_counter, -EINVAL, "a negative counter");
	refused(too_big, -E2BIG, "past the size limit");
}

static void test_seconds(void)
{
	static const struct {
		uint64_t ns;
		const char *s;
	} cases[] = {
		{ 0, "0" }, { 1, "0.000000001" }, { 10000, "0.00001" }, { 250000, "0.00025" },
		{ 1000000000, "1" }, { 1500000000, "1.5" }, { 60000000000ULL, "60" },
		{ 3000026000ULL, "3.000026" },
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		expo_seconds(cases[i].ns, buf, sizeof(buf));
		ASSERT_STREQ(buf, cases[i].s, "exact decimal seconds");
	}
}

static void test_histogram_shape(void)
{
	static const char inf[] =
		"warren_dns_response_duration_seconds_bucket{source=\"internal\",le=\"+Inf\"} 4\n";
	struct expo_label l[] = { { "source", "internal" } };
	struct expo e;
	struct hist h;
	const char *p;
	char want[128], le[32];
	uint64_t prev = 0;
	size_t lines = 0;

	hist_init(&h, &hist_dns_bounds);
	hist_observe(&h, 5000);		/* below the first bound */
	hist_observe(&h, 10000);	/* on it: le is "less or equal" */
	hist_observe(&h, 11000);	/* the second bucket */
	hist_observe(&h, 3000000000ULL);	/* above the last: +Inf only */
	expo_init(&e, 1 << 20);
	expo_family(&e, "warren_dns_response_duration_seconds", EXPO_HISTOGRAM, "Latency.");
	expo_hist(&e, l, 1, &h);
	if (!ASSERT_OK(e.err, "written"))
		goto out;
	ASSERT_TRUE(strstr(text(&e), "# TYPE warren_dns_response_duration_seconds histogram\n"),
		    "TYPE histogram");
	ASSERT_TRUE(strstr(text(&e), "warren_dns_response_duration_seconds_bucket"
				     "{source=\"internal\",le=\"0.00001\"} 2\n"),
		    "first bucket: 2 (le is inclusive)");
	ASSERT_TRUE(strstr(text(&e), "_bucket{source=\"internal\",le=\"0.000025\"} 3\n"),
		    "second bucket cumulative: 3");
	ASSERT_TRUE(strstr(text(&e), "_bucket{source=\"internal\",le=\"2.5\"} 3\n"),
		    "last bound: 3");
	ASSERT_TRUE(strstr(text(&e), "_bucket{source=\"internal\",le=\"+Inf\"} 4\n"),
		    "+Inf: all 4");
	ASSERT_TRUE(strstr(text(&e), "warren_dns_response_duration_seconds_sum"
				     "{source=\"internal\"} 3.000026\n"),
		    "sum in seconds, exact");
	ASSERT_TRUE(strstr(text(&e), "warren_dns_response_duration_seconds_count"
				     "{source=\"internal\"} 4\n"),
		    "count");
	/* Every bound in order, counts never decreasing, then +Inf, _sum, _count. */
	p = strstr(text(&e), "warren_dns_response_duration_seconds_bucket");
	for (size_t i = 0; p && i < hist_dns_bounds.n; i++) {
		unsigned long long v;

		expo_seconds(hist_dns_bounds.ns[i], le, sizeof(le));
		snprintf(want, sizeof(want),
			 "warren_dns_response_duration_seconds_bucket{source=\"internal\",le=\"%s\"} ",
			 le);
		if (!ASSERT_TRUE(!strncmp(p, want, strlen(want)), "bucket line in order"))
			break;
		v = strtoull(p + strlen(want), NULL, 10);
		ASSERT_TRUE(v >= prev, "cumulative");
		prev = v;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
		lines++;
	}
	ASSERT_EQ(lines, hist_dns_bounds.n, "a line per bound");
	ASSERT_TRUE(p && !strncmp(p, inf, strlen(inf)), "+Inf after the bounds");
out:
	expo_free(&e);
}

static void test_empty_histogram(void)
{
	struct expo e;
	struct hist h;

	hist_init(&h, &hist_apply_bounds);
	expo_init(&e, 1 << 20);
	expo_family(&e, "warren_fleet_apply_duration_seconds", EXPO_HISTOGRAM, "");
	expo_hist(&e, NULL, 0, &h);
	ASSERT_OK(e.err, "written");
	ASSERT_TRUE(strstr(text(&e), "warren_fleet_apply_duration_seconds_bucket{le=\"0.001\"} 0\n"),
		    "no labels: le alone");
	ASSERT_TRUE(strstr(text(&e), "warren_fleet_apply_duration_seconds_bucket{le=\"60\"} 0\n"),
		    "last bound");
	ASSERT_TRUE(strstr(text(&e), "warren_fleet_apply_duration_seconds_sum 0\n"), "sum 0");
	ASSERT_TRUE(strstr(text(&e), "warren_fleet_apply_duration_seconds_count 0\n"), "count 0");
	expo_free(&e);
}

static const char *promtool_path(void)
{
	static const char *const dirs[] = { "/usr/bin/promtool", "/usr/local/bin/promtool" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!access(dirs[i], X_OK))
			return dirs[i];
	return NULL;
}

/* promtool check metrics on text: its complaints (lint included) shown when it refuses. */
static void promtool_accepts(const char *promtool, const char *out, size_t len)
{
	char path[] = "/tmp/warren-expo.XXXXXX", cmd[256], line[256];
	FILE *pf;
	int fd, st;

	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "temp file"))
		return;
	ASSERT_EQ(write(fd, out, len), (long long)len, "written");
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s check metrics < %s 2>&1", promtool, path);
	pf = popen(cmd, "r");
	if (ASSERT_TRUE(pf != NULL, "promtool runs")) {
		while (fgets(line, sizeof(line), pf))
			printf("# promtool: %s", line);
		st = pclose(pf);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			    "promtool check metrics accepts it");
	}
	unlink(path);
}

/* The real parser's verdict on an exposition with every feature in it. */
static void test_promtool(void)
{
	struct expo_label l[] = { { "project", "p\"1" }, { "env", "a\\b\nc" } };
	const char *promtool = promtool_path();
	struct expo e;
	struct hist h;
	char *out = NULL;
	size_t len;

	if (!promtool) {
		test_skip_because("promtool not installed (Debian package prometheus)");
		return;
	}
	hist_init(&h, &hist_dns_bounds);
	hist_observe(&h, 42000);
	expo_init(&e, 1 << 20);
	expo_family(&e, "warren_events_total", EXPO_COUNTER, "A \\ counter\nwith two lines.");
	expo_u64(&e, l, 2, 7);
	expo_family(&e, "warren_level", EXPO_GAUGE, "A gauge.");
	expo_i64(&e, l, 2, -1);
	expo_family(&e, "warren_wait_seconds", EXPO_HISTOGRAM, "A histogram.");
	expo_hist(&e, l, 2, &h);
	if (ASSERT_OK(expo_finish(&e, &out, &len), "finish"))
		promtool_accepts(promtool, out, len);
	free(out);
	expo_free(&e);
}

/*
 * The events' families: every type a series (zeros too), the datapath's
 * numbers under their own names, and promtool's word on the lot.
 */
static void test_events(void)
{
	const struct metrics_events in = {
		.dp = { .sent = { 13107, 4 }, .rate_limited = { 5, 0 }, .ring_full = { 6893, 1 } },
		.received = { 13100, 4 },
		.monitor_sent = 26200,
		.monitor_dropped = 7,
		.monitors = 2,
	};
	const char *promtool = promtool_path();
	struct expo e;
	char *out = NULL;
	size_t len;

	expo_init(&e, 1 << 20);
	metrics_events(&e, &in);
	if (!ASSERT_OK(expo_finish(&e, &out, &len), "finish"))
		goto out;
	ASSERT_STREQ(out,
		     "# HELP warren_events_sent_total Events the datapath put into the ring, by type (drop, flow).\n"
		     "# TYPE warren_events_sent_total counter\n"
		     "warren_events_sent_total{type=\"drop\"} 13107\n"
		     "warren_events_sent_total{type=\"flow\"} 4\n"
		     "# HELP warren_events_rate_limited_total Events the datapath did not send: their "
		     "(environment, reason) token bucket was empty, or the rate is 0.\n"
		     "# TYPE warren_events_rate_limited_total counter\n"
		     "warren_events_rate_limited_total{type=\"drop\"} 5\n"
		     "warren_events_rate_limited_total{type=\"flow\"} 0\n"
		     "# HELP warren_events_ring_full_total Events the datapath did not send: the ring "
		     "was full (the agent read slower than they came).\n"
		     "# TYPE warren_events_ring_full_total counter\n"
		     "warren_events_ring_full_total{type=\"drop\"} 6893\n"
		     "warren_events_ring_full_total{type=\"flow\"} 1\n"
		     "# HELP warren_events_received_total Events this agent read from the ring.\n"
		     "# TYPE warren_events_received_total counter\n"
		     "warren_events_received_total{type=\"drop\"} 13100\n"
		     "warren_events_received_total{type=\"flow\"} 4\n"
		     "# HELP warren_events_monitor_sent_total Events queued to a warrenctl monitor, "
		     "once per monitor that took it.\n"
		     "# TYPE warren_events_monitor_sent_total counter\n"
		     "warren_events_monitor_sent_total 26200\n"
		     "# HELP warren_events_monitor_dropped_total Events a warrenctl monitor's filter "
		     "took but that did not fit its buffer (it read too slowly), once per monitor.\n"
		     "# TYPE warren_events_monitor_dropped_total counter\n"
		     "warren_events_monitor_dropped_total 7\n"
		     "# HELP warren_events_monitors warrenctl monitor clients connected now.\n"
		     "# TYPE warren_events_monitors gauge\n"
		     "warren_events_monitors 2\n",
		     "text");
	if (promtool)
		promtool_accepts(promtool, out, len);
out:
	free(out);
	expo_free(&e);
}

static struct test_case tests[] = {
	{ "counter and gauge text", test_counter_and_gauge },
	{ "label and HELP escaping", test_escaping },
	{ "broken names and misplaced samples refused", test_refusals },
	{ "durations as exact decimal seconds", test_seconds },
	{ "histogram: cumulative buckets, +Inf, sum, count", test_histogram_shape },
	{ "empty histogram without labels", test_empty_histogram },
	{ "promtool check metrics accepts the writer's text", test_promtool },
	{ "events: sent, rate-limited, ring full, received, monitors", test_events },
};

TEST_MAIN(tests)

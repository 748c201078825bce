// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text exposition 0.0.4: see metrics_expo.h for the rules kept. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics_expo.h"

void expo_init(struct expo *e, size_t max)
{
	memset(e, 0, sizeof(*e));
	e->max = max;
}

void expo_free(struct expo *e)
{
	for (size_t i = 0; i < e->n_seen; i++)
		free(e->seen[i]);
	free(e->seen);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static void fail(struct expo *e, int err)
{
	if (!e->err)
		e->err = err;
}

void expo_fail(struct expo *e, int err)
{
	fail(e, err < 0 ? err : -EINVAL);
}

static void put(struct expo *e, const char *s, size_t n)
{
	if (e->err)
		return;
	if (e->len + n + 1 > e->max) {
		fail(e, -E2BIG);
		return;
	}
	if (e->len + n + 1 > e->cap) {
		size_t cap = e->cap ? e->cap : 4096;
		char *b;

		while (cap < e->len + n + 1)
			cap *= 2;
		b = realloc(e->buf, cap);
		if (!b) {
			fail(e, -ENOMEM);
			return;
		}
		e->buf = b;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void puts_(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

static void putf(struct expo *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct expo *e, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		fail(e, -EINVAL);
	else
		put(e, buf, (size_t)n);
}

/* Metric names may hold colons (recording rules); label names may not. */
static bool name_ok(const char *s, bool colon)
{
	if (!s || !*s || strlen(s) >= EXPO_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			     (colon && *p == ':');

		if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
			return false;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* HELP text: backslash and newline escaped. */
static void put_help(struct expo *e, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(e, "\\\\");
		else if (*s == '\n')
			puts_(e, "\\n");
		else
			put(e, s, 1);
	}
}

/* Label values: backslash, double quote and newline escaped. */
static void put_value(struct expo *e, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(e, "\\\\");
		else if (*s == '"')
			puts_(e, "\\\"");
		else if (*s == '\n')
			puts_(e, "\\n");
		else
			put(e, s, 1);
	}
}

void expo_family(struct expo *e, const char *name, enum expo_type type, const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	char **seen;

	if (e->err)
		return;
	if (!name_ok(name, true) || (unsigned int)type > EXPO_HISTOGRAM ||
	    (type == EXPO_COUNTER) != ends_with(name, "_total") ||
	    (type == EXPO_HISTOGRAM && (ends_with(name, "_bucket") || ends_with(name, "_sum") ||
					ends_with(name, "_count")))) {
		fail(e, -EINVAL);
		return;
	}
	for (size_t i = 0; i < e->n_seen; i++)
		if (!strcmp(e->seen[i], name)) {
			fail(e, -EEXIST);
			return;
		}
	seen = realloc(e->seen, (e->n_seen + 1) * sizeof(*seen));
	if (!seen || !(seen[e->n_seen] = strdup(name))) {
		if (seen)
			e->seen = seen;
		fail(e, -ENOMEM);
		return;
	}
	e->seen = seen;
	e->n_seen++;
	snprintf(e->family, sizeof(e->family), "%s", name);
	e->type = type;
	puts_(e, "# HELP ");
	puts_(e, name);
	puts_(e, " ");
	put_help(e, help ? help : "");
	puts_(e, "\n# TYPE ");
	puts_(e, name);
	puts_(e, " ");
	puts_(e, types[type]);
	puts_(e, "\n");
}

/* name{labels[,le="..."]} up to the space before the value. */
static void put_series(struct expo *e, const char *suffix, const struct expo_label *l, size_t n,
		       const char *le)
{
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(l[i].name, false) || !l[i].value || !strncmp(l[i].name, "__", 2) ||
		    (le && !strcmp(l[i].name, "le"))) {
			fail(e, -EINVAL);
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(l[i].name, l[j].name)) {
				fail(e, -EINVAL);
				return;
			}
	}
	puts_(e, e->family);
	puts_(e, suffix);
	if (n || le) {
		puts_(e, "{");
		for (size_t i = 0; i < n; i++) {
			if (i)
				puts_(e, ",");
			puts_(e, l[i].name);
			puts_(e, "=\"");
			put_value(e, l[i].value);
			puts_(e, "\"");
		}
		if (le) {
			puts_(e, n ? ",le=\"" : "le=\"");
			puts_(e, le);
			puts_(e, "\"");
		}
		puts_(e, "}");
	}
	puts_(e, " ");
}

static bool in_family(struct expo *e, bool hist)
{
	if (e->err)
		return false;
	if (!e->family[0] || (e->type == EXPO_HISTOGRAM) != hist) {
		fail(e, -EINVAL);
		return false;
	}
	return true;
}

void expo_u64(struct expo *e, const struct expo_label *labels, size_t n, uint64_t value)
{
	if (!in_family(e, false))
		return;
	put_series(e, "", labels, n, NULL);
	putf(e, "%" PRIu64 "\n", value);
}

void expo_i64(struct expo *e, const struct expo_label *labels, size_t n, int64_t value)
{
	if (!in_family(e, false))
		return;
	/* A counter never goes down, so never below zero either. */
	if (e->type == EXPO_COUNTER && value < 0) {
		fail(e, -EINVAL);
		return;
	}
	put_series(e, "", labels, n, NULL);
	putf(e, "%" PRId64 "\n", value);
}

void expo_seconds(uint64_t ns, char *buf, size_t size)
{
	uint64_t frac = ns % UINT64_C(1000000000);
	int digits = 9;

	if (!frac) {
		snprintf(buf, size, "%" PRIu64, ns / UINT64_C(1000000000));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64, ns / UINT64_C(1000000000), digits, frac);
}

void expo_hist(struct expo *e, const struct expo_label *labels, size_t n, const struct hist *h)
{
	uint64_t cum = 0;
	char le[32];

	if (!in_family(e, true))
		return;
	if (!h->b || h->b->n > HIST_MAX_BUCKETS) {
		fail(e, -EINVAL);
		return;
	}
	for (size_t i = 0; i < h->b->n; i++) {
		cum += h->bucket[i];
		expo_seconds(h->b->ns[i], le, sizeof(le));
		put_series(e, "_bucket", labels, n, le);
		putf(e, "%" PRIu64 "\n", cum);
	}
	put_series(e, "_bucket", labels, n, "+Inf");
	putf(e, "%" PRIu64 "\n", h->count);
	expo_seconds(h->sum_ns, le, sizeof(le));
	put_series(e, "_sum", labels, n, NULL);
	puts_(e, le);
	puts_(e, "\n");
	put_series(e, "_count", labels, n, NULL);
	putf(e, "%" PRIu64 "\n", h->count);
}

int expo_finish(struct expo *e, char **out, size_t *len)
{
	if (!e->err && !e->buf)
		put(e, "", 0);
	if (e->err)
		return e->err;
	*out = e->buf;
	*len = e->len;
	e->buf = NULL;
	e->len = e->cap = 0;
	return 0;
}

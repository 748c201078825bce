/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus' text exposition format, version 0.0.4: a family's HELP and
 * TYPE lines once, then its samples, one family after another. The writer
 * holds to the format so the collector cannot break it: names checked
 * ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without the colon), a counter's name
 * ends in _total, a family is written once, label values escaped (\\, \",
 * \n), histograms as cumulative _bucket{le=...} with +Inf, _sum, _count.
 * Values are integers, durations exact decimal seconds from nanoseconds.
 *
 * Errors are sticky: the first one (-EINVAL for a broken name or a sample
 * outside its family, -EEXIST for a family written twice, -E2BIG past the
 * size limit, -ENOMEM) is kept, later calls do nothing, expo_finish()
 * returns it.
 */
#ifndef WARREN_METRICS_EXPO_H
#define WARREN_METRICS_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/hist.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_NAME_MAX 128

enum expo_type {
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_HISTOGRAM,
};

struct expo_label {
	const char *name;
	const char *value;
};

struct expo {
	char *buf;
	size_t len, cap, max;
	int err;
	char family[EXPO_NAME_MAX];	/* "" until the first family */
	enum expo_type type;
	char **seen;			/* families written so far */
	size_t n_seen;
};

/* max: the largest exposition accepted (bytes). */
void expo_init(struct expo *e, size_t max);
void expo_free(struct expo *e);

/* Start a family: its HELP (one line, escaped) and TYPE. */
void expo_family(struct expo *e, const char *name, enum expo_type type, const char *help);
/* A counter's or gauge's sample in the current family. */
void expo_u64(struct expo *e, const struct expo_label *labels, size_t n, uint64_t value);
void expo_i64(struct expo *e, const struct expo_label *labels, size_t n, int64_t value);
/* A histogram's buckets, sum and count in the current (histogram) family. */
void expo_hist(struct expo *e, const struct expo_label *labels, size_t n, const struct hist *h);

/* A failure of the caller's own (-ENOMEM, a failed read), kept as the writer's. */
void expo_fail(struct expo *e, int err);

/* The text (NUL-terminated, malloc'ed, the caller's) or the first error. */
int expo_finish(struct expo *e, char **out, size_t *len);

/* Exact decimal seconds of a nanosecond count ("0.00025", "2.5", "60"). */
void expo_seconds(uint64_t ns, char *buf, size_t size);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the directory holds, as this agent last read it: every good
 * record under the prefix by key, with the revision that created it
 * (older records win a clash: see dir_build.h). Filled by a range at
 * one revision, then kept by the watch's events.
 *
 * A bad value (dir_records.h) is refused and reported; if the key held
 * a good record before, that record stays: garbage written over good
 * state never removes it. A delete removes whatever the key held.
 */
#ifndef WARREN_DIR_VIEW_H
#define WARREN_DIR_VIEW_H

#include <stdbool.h>

#include "directory/dir_records.h"

struct dir_entry {
	char *key;
	struct dir_record rec;
	int64_t create_revision;
	int64_t lease;
	bool clash_logged;		/* dir_build said why it left it out */
};

struct dir_view {
	struct dir_entry *e;		/* sorted by key */
	size_t n, cap;
	int64_t revision;		/* everything up to it is in */
};

/* 0, -EINVAL (a bad record: err says why, the view unchanged), -ENOMEM. */
int dir_view_put(struct dir_view *v, const char *prefix, const struct etcd_kv *kv, char *err);
/* true if the key held a record. */
bool dir_view_delete(struct dir_view *v, const uint8_t *key, size_t len);
const struct dir_entry *dir_view_get(const struct dir_view *v, const char *key);
size_t dir_view_count(const struct dir_view *v, enum dir_kind kind);
void dir_view_free(struct dir_view *v);

#endif

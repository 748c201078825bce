/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One event record as the line `warrenctl monitor` prints, hubble observe style. */
#ifndef WARREN_MONITOR_LINE_H
#define WARREN_MONITOR_LINE_H

#include <stddef.h>

#include "lib/kv.h"

/*
 * The event record starting at rec as one line (no newline), e.g.
 *   2026-12-03T06:10:52.123Z DROPPED cross_env from_wl p1/prod/api/0 [h1]
 *     10.210.1.2:40000 -> p2/prod/db/0 [h1] 10.210.1.4:7 udp len 58
 * (on one line). Cut to len - 1 bytes if longer.
 */
void monitor_line(const struct kv *kv, size_t rec, char *buf, size_t len);

#endif

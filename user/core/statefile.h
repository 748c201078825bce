/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's state on disk, so a restarted agent serves the same state.
 * One line per object, `key=value` fields, written to a temporary file
 * and renamed over the old one: a crash leaves the old or the new state,
 * never half of one.
 */
#ifndef WARREN_STATEFILE_H
#define WARREN_STATEFILE_H

#include "core/model.h"

int statefile_save(const struct model *m, const char *path, char *err);
/*
 * Load into *m (initialised here). -ENOENT if there is no file (a fresh
 * host); -EINVAL with "path:line: what" in err for a bad file.
 */
int statefile_load(struct model *m, const char *path, char *err);

#endif

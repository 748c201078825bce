/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet state an agent in directory mode applies: its own part
 * (this host's record, its endpoints and the environments they are in:
 * the agent is their source, not etcd) and every other host's records
 * from the view, checked as a whole by the fleet file's own checks.
 *
 * Records that cannot stand together (two hosts with one prefix, an
 * endpoint on a host nobody registered, one name on two hosts) are
 * settled by age: this host's own part first, then the view's records by
 * the revision that created them; the younger of a clash is left out,
 * with its key and the reason logged once. A host left out takes its
 * endpoints with it. So a newcomer with a bad record never displaces
 * the fleet that was there.
 */
#ifndef WARREN_DIR_BUILD_H
#define WARREN_DIR_BUILD_H

#include "directory/dir_view.h"

/*
 * locals: this host's part (hosts[0] is this host). On success *out owns
 * the state and *left_out counts the view's records left out. -ENOMEM, or
 * -EINVAL if this host's own part does not hold (err says why).
 */
int dir_fleet_build(struct dir_view *v, const struct fleet *locals,
		    const struct fabric_config *cfg, struct fleet *out, size_t *left_out,
		    char *err);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Between the fleet parser, its whole-file checks and fleet.c; not for other callers. */
#ifndef WARREN_FLEET_CHECK_H
#define WARREN_FLEET_CHECK_H

#include "fleet/fleet.h"

/*
 * Check every record against the others; partial: the file was cut short
 * by a fault, so an endpoint naming a host or environment not yet read is
 * no fault. Returns 0, -EINVAL with the earliest fault in err, or -ENOMEM.
 */
int fleet_check_records(const struct fleet *f, const struct fabric_config *cfg, bool partial,
			char *err);

/*
 * Arrays hold room for a power of two of records (at least 8): the
 * capacity for n records, and growing *arr to hold record n + 1.
 */
size_t fleet_room(size_t n);
int fleet_reserve(void **arr, size_t n, size_t size);

#endif

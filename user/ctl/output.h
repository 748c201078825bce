/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Printing the agent's response records for people (aligned tables) and
 * for programs (--json). A record starts at a `record=TYPE` pair and runs
 * to the next one.
 */
#ifndef WARREN_OUTPUT_H
#define WARREN_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/kv.h"

struct column {
	const char *key;
	const char *header;
};

/* Index of the first record of type at or after from, or kv->n. */
size_t record_next(const struct kv *kv, size_t from, const char *type);
/* A field of the record starting at index rec; "" if absent. */
const char *record_get(const struct kv *kv, size_t rec, const char *key);

void print_table(FILE *f, const struct kv *kv, const char *type, const struct column *cols,
		 size_t ncols);
/* The records of one type as a JSON array. */
void print_json_array(FILE *f, const struct kv *kv, const char *type);
/* One record as a JSON object. */
void print_json_object(FILE *f, const struct kv *kv, size_t rec);

#endif

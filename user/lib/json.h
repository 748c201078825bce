/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * JSON values, parsed and built: the only door to json-c (lib/json.c), so
 * the rest of warren sees one small API and -errno results. Names are
 * jv_* because json-c already owns json_*.
 *
 * Ownership: a value from jv_parse() or jv_new_*() is owned by the caller
 * and released with jv_free(); members reached with jv_get()/jv_at() are
 * borrowed from their container (jv_ref() keeps one alive past it);
 * jv_set()/jv_append() take ownership of the value they are given, even
 * when they fail.
 */
#ifndef WARREN_JSON_H
#define WARREN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jv;

enum jv_kind { JV_NULL, JV_BOOL, JV_INT, JV_DOUBLE, JV_STRING, JV_ARRAY, JV_OBJECT };

/*
 * Parse text[0..len) as exactly one JSON value (whitespace around it is
 * fine, anything else after it is not). On failure -EINVAL with the
 * reason and byte offset in err, or -ENOMEM.
 */
int jv_parse(const char *text, size_t len, struct jv **out, char *err, size_t errlen);
void jv_free(struct jv *v);
struct jv *jv_ref(struct jv *v);

enum jv_kind jv_kind(const struct jv *v);	/* JV_NULL for a NULL pointer too */
const char *jv_kind_name(enum jv_kind k);
/* An object's member, or NULL if v is no object or has no such key. */
struct jv *jv_get(const struct jv *v, const char *key);
/* The string, or NULL unless v is a string. */
const char *jv_str(const struct jv *v);
/* The same with its length, which counts NULs inside the string ("\u0000"). */
const char *jv_strn(const struct jv *v, size_t *len);
/* The integer: -EINVAL unless v is an integer, -ERANGE if it does not fit. */
int jv_int(const struct jv *v, int64_t *out);
int jv_bool(const struct jv *v, bool *out);
/* An array's length (0 for anything else) and its i-th element. */
size_t jv_len(const struct jv *v);
struct jv *jv_at(const struct jv *v, size_t i);
/* fn for each member of an object, in order; stops at and returns the first non-zero. */
int jv_each(const struct jv *v, int (*fn)(const char *key, struct jv *val, void *arg), void *arg);

/* Building; NULL when out of memory. */
struct jv *jv_new_object(void);
struct jv *jv_new_array(void);
struct jv *jv_new_str(const char *s);
struct jv *jv_new_strn(const char *s, size_t len);
struct jv *jv_new_int(int64_t n);
struct jv *jv_new_bool(bool b);
/* Replace or add obj[key] = val; -EINVAL if obj is no object, -ENOMEM. */
int jv_set(struct jv *obj, const char *key, struct jv *val);
int jv_set_str(struct jv *obj, const char *key, const char *s);
int jv_set_int(struct jv *obj, const char *key, int64_t n);
int jv_set_bool(struct jv *obj, const char *key, bool b);
int jv_append(struct jv *arr, struct jv *val);

/* The text of v (compact, or indented), malloc'd; NULL when out of memory. */
char *jv_dump(const struct jv *v, bool pretty);

#endif

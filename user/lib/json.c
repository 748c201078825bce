// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lib/json.h over json-c: the only file that includes it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "lib/json.h"

/* struct jv is never defined: a pointer to one is a json_object. */
#define OBJ(v) ((struct json_object *)(v))
#define JV(o) ((struct jv *)(o))

/* json-c's strict mode still takes 'single-quoted' strings; JSON does not. */
static ssize_t single_quote_at(const char *text, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (in_str && text[i] == '\\')
			i++;
		else if (text[i] == '"')
			in_str = !in_str;
		else if (!in_str && text[i] == '\'')
			return (ssize_t)i;
	}
	return -1;
}

int jv_parse(const char *text, size_t len, struct jv **out, char *err, size_t errlen)
{
	ssize_t q;
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error e;
	size_t end;

	*out = NULL;
	if (len > INT_MAX) {
		snprintf(err, errlen, "JSON text of %zu bytes is too long", len);
		return -EINVAL;
	}
	q = single_quote_at(text, len);
	if (q >= 0) {
		snprintf(err, errlen, "JSON: single quote at byte %zd", q);
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	/* Strict: no comments, no trailing commas, no single quotes. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!o && e == json_tokener_continue)
		snprintf(err, errlen, "JSON text ends early (at byte %zu)", len);
	else if (!o && e == json_tokener_success)
		snprintf(err, errlen, "JSON text is empty");
	else if (!o)
		snprintf(err, errlen, "JSON: %s at byte %zu", json_tokener_error_desc(e), end);
	json_tokener_free(tok);
	if (!o)
		return -EINVAL;
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end])) {
			snprintf(err, errlen, "JSON: trailing bytes at byte %zu", end);
			json_object_put(o);
			return -EINVAL;
		}
	}
	*out = JV(o);
	return 0;
}

void jv_free(struct jv *v)
{
	json_object_put(OBJ(v));
}

struct jv *jv_ref(struct jv *v)
{
	return JV(json_object_get(OBJ(v)));
}

enum jv_kind jv_kind(const struct jv *v)
{
	switch (json_object_get_type(OBJ(v))) {
	case json_type_boolean: return JV_BOOL;
	case json_type_int: return JV_INT;
	case json_type_double: return JV_DOUBLE;
	case json_type_string: return JV_STRING;
	case json_type_array: return JV_ARRAY;
	case json_type_object: return JV_OBJECT;
	default: return JV_NULL;
	}
}

const char *jv_kind_name(enum jv_kind k)
{
	static const char *const names[] = {
		[JV_NULL] = "null", [JV_BOOL] = "boolean", [JV_INT] = "integer",
		[JV_DOUBLE] = "number", [JV_STRING] = "string", [JV_ARRAY] = "array",
		[JV_OBJECT] = "object",
	};

	return k <= JV_OBJECT ? names[k] : "?";
}

struct jv *jv_get(const struct jv *v, const char *key)
{
	struct json_object *m = NULL;

	if (!json_object_is_type(OBJ(v), json_type_object))
		return NULL;
	return json_object_object_get_ex(OBJ(v), key, &m) ? JV(m) : NULL;
}

const char *jv_str(const struct jv *v)
{
	return json_object_is_type(OBJ(v), json_type_string) ? json_object_get_string(OBJ(v)) : NULL;
}

const char *jv_strn(const struct jv *v, size_t *len)
{
	if (!json_object_is_type(OBJ(v), json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(OBJ(v));
	return json_object_get_string(OBJ(v));
}

int jv_int(const struct jv *v, int64_t *out)
{
	if (!json_object_is_type(OBJ(v), json_type_int))
		return -EINVAL;
	errno = 0;
	*out = json_object_get_int64(OBJ(v));
	/* json-c clamps values past int64 and says so in errno. */
	if (errno == ERANGE ||
	    (*out == INT64_MAX && json_object_get_uint64(OBJ(v)) != (uint64_t)INT64_MAX))
		return -ERANGE;
	return 0;
}

int jv_bool(const struct jv *v, bool *out)
{
	if (!json_object_is_type(OBJ(v), json_type_boolean))
		return -EINVAL;
	*out = json_object_get_boolean(OBJ(v));
	return 0;
}

size_t jv_len(const struct jv *v)
{
	return json_object_is_type(OBJ(v), json_type_array) ? json_object_array_length(OBJ(v)) : 0;
}

struct jv *jv_at(const struct jv *v, size_t i)
{
	if (i >= jv_len(v))
		return NULL;
	return JV(json_object_array_get_idx(OBJ(v), i));
}

int jv_each(const struct jv *v, int (*fn)(const char *key, struct jv *val, void *arg), void *arg)
{
	if (!json_object_is_type(OBJ(v), json_type_object))
		return 0;
	json_object_object_foreach(OBJ(v), key, val) {
		int ret = fn(key, JV(val), arg);

		if (ret)
			return ret;
	}
	return 0;
}

struct jv *jv_new_object(void) { return JV(json_object_new_object()); }
struct jv *jv_new_array(void) { return JV(json_object_new_array()); }
struct jv *jv_new_str(const char *s) { return JV(json_object_new_string(s)); }
struct jv *jv_new_int(int64_t n) { return JV(json_object_new_int64(n)); }
struct jv *jv_new_bool(bool b) { return JV(json_object_new_boolean(b)); }

struct jv *jv_new_strn(const char *s, size_t len)
{
	return len > INT_MAX ? NULL : JV(json_object_new_string_len(s, (int)len));
}

int jv_set(struct jv *obj, const char *key, struct jv *val)
{
	if (!val)
		return -ENOMEM;
	if (!json_object_is_type(OBJ(obj), json_type_object)) {
		json_object_put(OBJ(val));
		return -EINVAL;
	}
	/* On failure json-c leaves val to us. */
	if (json_object_object_add(OBJ(obj), key, OBJ(val))) {
		json_object_put(OBJ(val));
		return -ENOMEM;
	}
	return 0;
}

int jv_set_str(struct jv *obj, const char *key, const char *s)
{
	return jv_set(obj, key, jv_new_str(s));
}

int jv_set_int(struct jv *obj, const char *key, int64_t n)
{
	return jv_set(obj, key, jv_new_int(n));
}

int jv_set_bool(struct jv *obj, const char *key, bool b)
{
	return jv_set(obj, key, jv_new_bool(b));
}

int jv_append(struct jv *arr, struct jv *val)
{
	if (!val)
		return -ENOMEM;
	if (!json_object_is_type(OBJ(arr), json_type_array) ||
	    json_object_array_add(OBJ(arr), OBJ(val))) {
		json_object_put(OBJ(val));
		return json_object_is_type(OBJ(arr), json_type_array) ? -ENOMEM : -EINVAL;
	}
	return 0;
}

char *jv_dump(const struct jv *v, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
	const char *s = json_object_to_json_string_ext(OBJ(v), flags);

	return s ? strdup(s) : NULL;
}

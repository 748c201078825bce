// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "ctl/output.h"

size_t record_next(const struct kv *kv, size_t from, const char *type)
{
	for (size_t i = from; i < kv->n; i++)
		if (!strcmp(kv->pairs[i].key, "record") && !strcmp(kv->pairs[i].value, type))
			return i;
	return kv->n;
}

static size_t record_end(const struct kv *kv, size_t rec)
{
	size_t i = rec + 1;

	while (i < kv->n && strcmp(kv->pairs[i].key, "record") && strcmp(kv->pairs[i].key, "errno"))
		i++;
	return i;
}

const char *record_get(const struct kv *kv, size_t rec, const char *key)
{
	for (size_t i = rec + 1; i < record_end(kv, rec); i++)
		if (!strcmp(kv->pairs[i].key, key))
			return kv->pairs[i].value;
	return "";
}

static void cell(FILE *f, const char *s, size_t width, bool last)
{
	if (last)
		fprintf(f, "%s\n", s);
	else
		fprintf(f, "%-*s  ", (int)width, s);
}

void print_table(FILE *f, const struct kv *kv, const char *type, const struct column *cols,
		 size_t ncols)
{
	size_t width[16] = {};

	for (size_t c = 0; c < ncols && c < 16; c++)
		width[c] = strlen(cols[c].header);
	for (size_t r = record_next(kv, 0, type); r < kv->n; r = record_next(kv, r + 1, type))
		for (size_t c = 0; c < ncols && c < 16; c++) {
			size_t w = strlen(record_get(kv, r, cols[c].key));

			if (w > width[c])
				width[c] = w;
		}
	for (size_t c = 0; c < ncols && c < 16; c++)
		cell(f, cols[c].header, width[c], c + 1 == ncols);
	for (size_t r = record_next(kv, 0, type); r < kv->n; r = record_next(kv, r + 1, type))
		for (size_t c = 0; c < ncols && c < 16; c++) {
			const char *v = record_get(kv, r, cols[c].key);

			cell(f, v[0] ? v : "-", width[c], c + 1 == ncols);
		}
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* Counts and ids are numbers, flags are booleans; names stay strings. */
static bool key_is_number(const char *k)
{
	static const char *const nums[] = { "id", "replica", "ifindex", "env-id", "envs",
					    "endpoints", "projects", "rate", "burst", "monitors",
					    "monitor-sent", "monitor-dropped", "sport", "dport", "len",
					    "icmp-type", "icmp-code", "count" };

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (!strcmp(k, nums[i]))
			return true;
	return !strncmp(k, "delivered-", 10) || !strncmp(k, "drop-", 5) || !strcmp(k, "drops") ||
	       !strncmp(k, "flow-", 5) || ends_with(k, "-packets") || ends_with(k, "-bytes") ||
	       ends_with(k, "-replica") || ends_with(k, "-env-id");
}

static bool key_is_bool(const char *k)
{
	return !strcmp(k, "build") || !strcmp(k, "ipv6-only");
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void print_json_object(FILE *f, const struct kv *kv, size_t rec)
{
	size_t end = record_end(kv, rec);

	fputc('{', f);
	for (size_t i = rec + 1; i < end; i++) {
		const char *k = kv->pairs[i].key, *v = kv->pairs[i].value;

		fputs(i > rec + 1 ? ", \"" : "\"", f);
		for (const char *p = k; *p; p++)
			fputc(*p == '-' ? '_' : *p, f);
		fputs("\": ", f);
		if (key_is_number(k) && v[0])
			fputs(v, f);
		else if (key_is_bool(k))
			fputs(v[0] == '1' ? "true" : "false", f);
		else
			json_string(f, v);
	}
	fputc('}', f);
}

void print_json_array(FILE *f, const struct kv *kv, const char *type)
{
	bool first = true;

	fputc('[', f);
	for (size_t r = record_next(kv, 0, type); r < kv->n; r = record_next(kv, r + 1, type)) {
		fputs(first ? "\n  " : ",\n  ", f);
		print_json_object(f, kv, r);
		first = false;
	}
	fputs(first ? "]\n" : "\n]\n", f);
}

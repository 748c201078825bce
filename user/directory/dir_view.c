// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The directory's records by key: a sorted array, binary searched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_view.h"

/* The index of key, or where it would go (*found false). */
static size_t find(const struct dir_view *v, const char *key, size_t len, bool *found)
{
	size_t lo = 0, hi = v->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = v->e[mid].key;
		size_t kl = strlen(k);
		int c = memcmp(k, key, kl < len ? kl : len);

		if (!c)
			c = kl < len ? -1 : kl > len ? 1 : 0;
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dir_view_put(struct dir_view *v, const char *prefix, const struct etcd_kv *kv, char *err)
{
	struct dir_record rec;
	struct dir_entry *e;
	bool found;
	size_t i;
	int ret;

	ret = dir_record_decode(prefix, kv, &rec, err);
	if (ret)
		return ret;
	i = find(v, (const char *)kv->key, kv->key_len, &found);
	if (found) {
		e = &v->e[i];
	} else {
		char *key = malloc(kv->key_len + 1);

		if (!key)
			return -ENOMEM;
		if (v->n == v->cap) {
			size_t cap = v->cap ? v->cap * 2 : 64;
			struct dir_entry *bigger = realloc(v->e, cap * sizeof(*bigger));

			if (!bigger) {
				free(key);
				return -ENOMEM;
			}
			v->e = bigger;
			v->cap = cap;
		}
		memmove(&v->e[i + 1], &v->e[i], (v->n - i) * sizeof(*v->e));
		v->n++;
		e = &v->e[i];
		memcpy(key, kv->key, kv->key_len);
		key[kv->key_len] = '\0';
		memset(e, 0, sizeof(*e));
		e->key = key;
	}
	e->rec = rec;
	e->create_revision = kv->create_revision;
	e->lease = kv->lease;
	e->clash_logged = false;
	return 0;
}

bool dir_view_delete(struct dir_view *v, const uint8_t *key, size_t len)
{
	bool found;
	size_t i = find(v, (const char *)key, len, &found);

	if (!found)
		return false;
	free(v->e[i].key);
	memmove(&v->e[i], &v->e[i + 1], (v->n - i - 1) * sizeof(*v->e));
	v->n--;
	return true;
}

const struct dir_entry *dir_view_get(const struct dir_view *v, const char *key)
{
	bool found;
	size_t i = find(v, key, strlen(key), &found);

	return found ? &v->e[i] : NULL;
}

size_t dir_view_count(const struct dir_view *v, enum dir_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += v->e[i].rec.key.kind == kind;
	return n;
}

void dir_view_free(struct dir_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->e[i].key);
	free(v->e);
	memset(v, 0, sizeof(*v));
}

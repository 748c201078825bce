// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kv.h"

void kv_init(struct kv *kv)
{
	memset(kv, 0, sizeof(*kv));
}

void kv_free(struct kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->pairs[i].key);
		free(kv->pairs[i].value);
	}
	free(kv->pairs);
	kv_init(kv);
}

static int key_valid(const char *k, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return 0;
	return 1;
}

static int value_valid(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

static int kv_addn(struct kv *kv, const char *key, size_t klen, const char *value, size_t vlen)
{
	struct kv_pair *p;
	char *k, *v;

	if (!key_valid(key, klen) || !value_valid(value, vlen))
		return -EINVAL;
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 16;

		p = realloc(kv->pairs, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		kv->pairs = p;
		kv->cap = cap;
	}
	k = strndup(key, klen);
	v = strndup(value, vlen);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	kv->pairs[kv->n].key = k;
	kv->pairs[kv->n].value = v;
	kv->n++;
	return 0;
}

int kv_add(struct kv *kv, const char *key, const char *value)
{
	return kv_addn(kv, key, strlen(key), value, strlen(value));
}

int kv_addf(struct kv *kv, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return kv_add(kv, key, buf);
}

const char *kv_get(const struct kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->pairs[i].key, key))
			return kv->pairs[i].value;
	return NULL;
}

int kv_parse(const char *buf, size_t len, struct kv *out)
{
	size_t pos = 0;
	int ret;

	kv_init(out);
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos), *eq;
		size_t n;

		if (!nl)
			break;
		n = nl - line;
		pos += n + 1;
		if (n == 0)
			return (int)pos;
		eq = memchr(line, '=', n);
		if (!eq) {
			ret = -EINVAL;
			goto err;
		}
		ret = kv_addn(out, line, eq - line, eq + 1, n - (eq - line) - 1);
		if (ret)
			goto err;
	}
	ret = -EAGAIN;
err:
	kv_free(out);
	return ret;
}

int kv_format(const struct kv *kv, char **out, size_t *len)
{
	size_t total = 1, off = 0;
	char *buf;

	for (size_t i = 0; i < kv->n; i++)
		total += strlen(kv->pairs[i].key) + strlen(kv->pairs[i].value) + 2;
	buf = malloc(total + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < kv->n; i++)
		off += sprintf(buf + off, "%s=%s\n", kv->pairs[i].key, kv->pairs[i].value);
	buf[off++] = '\n';
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return 0;
}

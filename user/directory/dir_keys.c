// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The directory's keys: one spelling each, read back strictly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_keys.h"
#include "lib/log.h"

static const char *const kind_dirs[] = {
	[DIR_HOST] = "hosts/", [DIR_ENDPOINT] = "endpoints/", [DIR_ENV] = "envs/",
	[DIR_PROJECT] = "projects/", [DIR_CLAIM] = "claims/",
};

int dir_prefix_check(const char *prefix, char *err)
{
	size_t n = strlen(prefix);

	if (n < 1 || n >= DIR_PREFIX_MAX || prefix[0] != '/' || prefix[n - 1] != '/') {
		snprintf(err, 256, "the key prefix must start and end with '/' and be at most %d "
			 "bytes", DIR_PREFIX_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (prefix[i] <= 0x20 || prefix[i] >= 0x7f) {
			snprintf(err, 256, "the key prefix must be printable ASCII without spaces");
			return -EINVAL;
		}
	return 0;
}

int dir_kind_prefix(const char *prefix, enum dir_kind kind, char *buf)
{
	int n = snprintf(buf, DIR_KEY_MAX, "%s%s", prefix, kind_dirs[kind]);

	return n < 0 || n >= DIR_KEY_MAX ? -ENAMETOOLONG : 0;
}

int dir_key_format(const char *prefix, const struct dir_key *k, char *buf)
{
	const char *d = kind_dirs[k->kind];
	int n = -1;

	switch (k->kind) {
	case DIR_HOST:
		n = snprintf(buf, DIR_KEY_MAX, "%s%s%s", prefix, d, k->host);
		break;
	case DIR_ENDPOINT:
		n = snprintf(buf, DIR_KEY_MAX, "%s%s%s/%s/%s/%s/%u", prefix, d, k->host, k->project,
			     k->env, k->service, k->replica);
		break;
	case DIR_ENV:
		n = snprintf(buf, DIR_KEY_MAX, "%s%s%s/%s", prefix, d, k->project, k->env);
		break;
	case DIR_PROJECT:
		n = snprintf(buf, DIR_KEY_MAX, "%s%s%s", prefix, d, k->project);
		break;
	case DIR_CLAIM:
		n = snprintf(buf, DIR_KEY_MAX, "%s%s%u", prefix, d, k->claim);
		break;
	}
	return n < 0 || n >= DIR_KEY_MAX ? -ENAMETOOLONG : 0;
}

/* Decimal without sign or leading zeros, at most max. */
static int number(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || (s[0] == '0' && s[1]) || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Split rest at '/' into exactly n parts, each non-empty. */
static int split(char *rest, char **parts, int n)
{
	int i = 0;

	for (char *p = rest;; p++) {
		if (i == n)
			return -EINVAL;
		parts[i++] = p;
		p = strchr(p, '/');
		if (!p)
			break;
		*p = '\0';
	}
	if (i != n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!parts[i][0])
			return -EINVAL;
	return 0;
}

static int label(char *dst, const char *src, bool service)
{
	if (service ? !service_name_valid(src) : !name_valid(src))
		return -EINVAL;
	snprintf(dst, NAME_SIZE, "%s", src);
	return 0;
}

int dir_key_parse(const char *prefix, const uint8_t *key, size_t len, struct dir_key *k,
		  char *err)
{
	size_t pn = strlen(prefix);
	char text[DIR_KEY_MAX], *parts[5];
	enum dir_kind kind;
	const char *rest;
	size_t dn;

	memset(k, 0, sizeof(*k));
	if (len >= sizeof(text) || len < pn || memcmp(key, prefix, pn) ||
	    memchr(key, '\0', len)) {
		snprintf(err, 256, "not a key of this layout (outside the prefix, too long or "
			 "a NUL in it)");
		return -EINVAL;
	}
	memcpy(text, key, len);
	text[len] = '\0';
	rest = text + pn;
	for (kind = DIR_HOST; kind <= DIR_CLAIM; kind++) {
		dn = strlen(kind_dirs[kind]);
		if (!strncmp(rest, kind_dirs[kind], dn))
			break;
	}
	if (kind > DIR_CLAIM) {
		snprintf(err, 256, "unknown kind of key (hosts/, endpoints/, envs/, projects/, "
			 "claims/)");
		return -EINVAL;
	}
	k->kind = kind;
	rest += dn;
	switch (kind) {
	case DIR_HOST:
		if (split((char *)rest, parts, 1) || label(k->host, parts[0], false))
			goto bad;
		break;
	case DIR_ENDPOINT:
		if (split((char *)rest, parts, 5) || label(k->host, parts[0], false) ||
		    label(k->project, parts[1], false) || label(k->env, parts[2], false) ||
		    label(k->service, parts[3], true) || number(parts[4], 99999, &k->replica))
			goto bad;
		break;
	case DIR_ENV:
		if (split((char *)rest, parts, 2) || label(k->project, parts[0], false) ||
		    label(k->env, parts[1], false))
			goto bad;
		break;
	case DIR_PROJECT:
		if (split((char *)rest, parts, 1) || label(k->project, parts[0], false))
			goto bad;
		break;
	case DIR_CLAIM:
		if (split((char *)rest, parts, 1) || number(parts[0], 1u << 24, &k->claim))
			goto bad;
		break;
	}
	return 0;
bad:
	snprintf(err, 256, "malformed %.*s key (names must be DNS labels, numbers decimal)",
		 (int)dn - 1, kind_dirs[kind]);
	return -EINVAL;
}

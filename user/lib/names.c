// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/names.h"

#define REPLICA_MAX 99999

bool name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

bool service_name_valid(const char *s)
{
	if (!name_valid(s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return true;
	return false;
}

int u32_parse(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int replica_parse(const char *s, uint32_t *out)
{
	/* "007" would be a second spelling of replica 7 in DNS; refuse it. */
	if (s && s[0] == '0' && s[1])
		return -EINVAL;
	return u32_parse(s, REPLICA_MAX, out);
}

bool netns_ref_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= NETNS_SIZE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	if (s[0] != '/' && strchr(s, '/'))
		return false;
	return !strstr(s, "..") && strcmp(s, ".");
}

bool container_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= CONTAINER_ID_SIZE || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

bool ifname_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* IFNAMSIZ is 16 with the terminating NUL. */
	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == '/' || s[i] == ':')
			return false;
	return true;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

/* Split "addr/len" into its address text and a length in [0, max]. */
static int split_prefix(const char *s, char *abuf, size_t alen, int max, int *len)
{
	const char *slash = strchr(s, '/');
	char *end;
	long l;

	if (!slash || (size_t)(slash - s) >= alen || !slash[1])
		return -EINVAL;
	memcpy(abuf, s, slash - s);
	abuf[slash - s] = '\0';
	errno = 0;
	l = strtol(slash + 1, &end, 10);
	if (errno || *end || l < 0 || l > max || slash[1] == '+' || slash[1] == '-')
		return -EINVAL;
	*len = (int)l;
	return 0;
}

uint32_t prefix4_mask(int len)
{
	return len <= 0 ? 0 : htonl(len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len));
}

void prefix6_mask(int len, uint8_t mask[16])
{
	for (int i = 0; i < 16; i++) {
		int bits = len - i * 8;

		mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int addr4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

int addr6_parse(const char *s, uint8_t out[16])
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		return -EINVAL;
	memcpy(out, &a, 16);
	return 0;
}

int prefix4_parse(const char *s, struct prefix4 *p)
{
	char abuf[INET_ADDRSTRLEN];
	uint32_t a;
	int len, err;

	err = split_prefix(s, abuf, sizeof(abuf), 32, &len);
	if (err)
		return err;
	if (addr4_parse(abuf, &a))
		return -EINVAL;
	if (a & ~prefix4_mask(len))
		return -EINVAL;
	p->addr = a;
	p->len = len;
	return 0;
}

int prefix6_parse(const char *s, struct prefix6 *p)
{
	char abuf[INET6_ADDRSTRLEN];
	uint8_t a[16], mask[16];
	int len, err;

	err = split_prefix(s, abuf, sizeof(abuf), 128, &len);
	if (err)
		return err;
	if (addr6_parse(abuf, a))
		return -EINVAL;
	prefix6_mask(len, mask);
	for (int i = 0; i < 16; i++)
		if (a[i] & ~mask[i])
			return -EINVAL;
	memcpy(p->addr, a, 16);
	p->len = len;
	return 0;
}

void addr4_format(uint32_t a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET, &a, buf, len) && len)
		buf[0] = '\0';
}

void addr6_format(const uint8_t a[16], char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a, buf, len) && len)
		buf[0] = '\0';
}

void prefix4_format(const struct prefix4 *p, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	addr4_format(p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, p->len);
}

void prefix6_format(const struct prefix6 *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr6_format(p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, p->len);
}

bool prefix4_contains(const struct prefix4 *p, uint32_t addr)
{
	return (addr & prefix4_mask(p->len)) == p->addr;
}

bool prefix6_contains(const struct prefix6 *p, const uint8_t addr[16])
{
	uint8_t mask[16];

	prefix6_mask(p->len, mask);
	for (int i = 0; i < 16; i++)
		if ((addr[i] & mask[i]) != p->addr[i])
			return false;
	return true;
}

bool prefix4_within(const struct prefix4 *inner, const struct prefix4 *outer)
{
	return inner->len >= outer->len && prefix4_contains(outer, inner->addr);
}

bool prefix6_within(const struct prefix6 *inner, const struct prefix6 *outer)
{
	return inner->len >= outer->len && prefix6_contains(outer, inner->addr);
}

uint32_t prefix4_size(const struct prefix4 *p)
{
	return p->len == 0 ? UINT32_MAX : (uint32_t)1 << (32 - p->len);
}

uint32_t prefix6_size(const struct prefix6 *p)
{
	return 128 - p->len >= 32 ? UINT32_MAX : (uint32_t)1 << (128 - p->len);
}

int prefix4_nth(const struct prefix4 *p, uint32_t n, uint32_t *out)
{
	if (p->len > 0 && n >= prefix4_size(p))
		return -ERANGE;
	*out = htonl(ntohl(p->addr) + n);
	return 0;
}

int prefix6_nth(const struct prefix6 *p, uint32_t n, uint8_t out[16])
{
	uint32_t tail;

	if (128 - p->len < 32 && n >= prefix6_size(p))
		return -ERANGE;
	/* n fits in the low 32 bits, which are host bits for any len <= 96. */
	memcpy(out, p->addr, 16);
	memcpy(&tail, out + 12, 4);
	tail = htonl(ntohl(tail) + n);
	memcpy(out + 12, &tail, 4);
	return 0;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

void mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

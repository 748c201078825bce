/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 prefixes: parsing, printing, membership and the n-th address. */
#ifndef WARREN_ADDR_H
#define WARREN_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* Big enough for an IPv6 address with a /128 suffix. */
#define ADDR_STRLEN 64

struct prefix4 {
	uint32_t addr;		/* network byte order, host bits zero */
	int len;
};

struct prefix6 {
	uint8_t addr[16];	/* host bits zero */
	int len;
};

/* "10.210.1.0/24": -EINVAL on syntax, length, or host bits set. */
int prefix4_parse(const char *s, struct prefix4 *p);
int prefix6_parse(const char *s, struct prefix6 *p);
void prefix4_format(const struct prefix4 *p, char *buf, size_t len);
void prefix6_format(const struct prefix6 *p, char *buf, size_t len);

/* The netmask as it is stored (network byte order / bytes in memory). */
uint32_t prefix4_mask(int len);
void prefix6_mask(int len, uint8_t mask[16]);

bool prefix4_contains(const struct prefix4 *p, uint32_t addr);
bool prefix6_contains(const struct prefix6 *p, const uint8_t addr[16]);
/* Is inner wholly inside outer? */
bool prefix4_within(const struct prefix4 *inner, const struct prefix4 *outer);
bool prefix6_within(const struct prefix6 *inner, const struct prefix6 *outer);

/* Number of addresses in the prefix, saturating at UINT32_MAX. */
uint32_t prefix4_size(const struct prefix4 *p);
uint32_t prefix6_size(const struct prefix6 *p);

/* The n-th address of the prefix (n = 0 is the prefix itself). -ERANGE past its end. */
int prefix4_nth(const struct prefix4 *p, uint32_t n, uint32_t *out);
int prefix6_nth(const struct prefix6 *p, uint32_t n, uint8_t out[16]);

/* A single address, no prefix length. -EINVAL if malformed. */
int addr4_parse(const char *s, uint32_t *out);
int addr6_parse(const char *s, uint8_t out[16]);
void addr4_format(uint32_t a, char *buf, size_t len);
void addr6_format(const uint8_t a[16], char *buf, size_t len);

int mac_parse(const char *s, uint8_t mac[6]);
void mac_format(const uint8_t mac[6], char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mesh/wg_key.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int wg_key_from_base64(const char *s, uint8_t key[WG_KEY_LEN])
{
	uint8_t out[WG_KEY_LEN];
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	if (strlen(s) != WG_KEY_B64_LEN || s[WG_KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	for (int i = 0; i < WG_KEY_B64_LEN - 1; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < WG_KEY_LEN)
				out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* 43 characters carry 258 bits: the last 2 must be zero (canonical). */
	if (n != WG_KEY_LEN || (acc & ((1u << bits) - 1)))
		return -EINVAL;
	memcpy(key, out, WG_KEY_LEN);
	return 0;
}

void wg_key_to_base64(const uint8_t key[WG_KEY_LEN], char *buf)
{
	uint32_t acc = 0;
	int bits = 0, o = 0;

	for (int i = 0; i < WG_KEY_LEN; i++) {
		acc = (acc << 8) | key[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			buf[o++] = b64[(acc >> bits) & 63];
		}
	}
	buf[o++] = b64[(acc << (6 - bits)) & 63];
	buf[o++] = '=';
	buf[o] = '\0';
}

int wg_key_from_hex(const char *s, uint8_t key[WG_KEY_LEN])
{
	uint8_t out[WG_KEY_LEN];

	if (strlen(s) != WG_KEY_HEX_LEN)
		return -EINVAL;
	for (int i = 0; i < WG_KEY_LEN; i++) {
		unsigned int v = 0;

		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned int)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned int)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned int)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	memcpy(key, out, WG_KEY_LEN);
	return 0;
}

void wg_key_to_hex(const uint8_t key[WG_KEY_LEN], char *buf)
{
	for (int i = 0; i < WG_KEY_LEN; i++)
		sprintf(buf + 2 * i, "%02x", key[i]);
}

bool wg_key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	uint8_t acc = 0;

	for (int i = 0; i < WG_KEY_LEN; i++)
		acc |= key[i];
	return !acc;
}

int wg_key_read_file(const char *path, uint8_t key[WG_KEY_LEN], char *err, size_t errlen)
{
	char buf[128];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (wg_key_from_base64(buf, key)) {
		snprintf(err, errlen, "%s: not a WireGuard key (44 characters of base64, "
			 "as `wg genkey` writes)", path);
		memset(buf, 0, sizeof(buf));
		return -EINVAL;
	}
	memset(buf, 0, sizeof(buf));
	return 0;
}

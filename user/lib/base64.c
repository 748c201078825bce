// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);

	return groups > SIZE_MAX / 4 ? SIZE_MAX : groups * 4;
}

void b64_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;

	for (; n >= 3; n -= 3, p += 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = alphabet[(v >> 6) & 63];
		*out++ = alphabet[v & 63];
	}
	if (n) {
		uint32_t v = (uint32_t)p[0] << 16 | (n == 2 ? (uint32_t)p[1] << 8 : 0);

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = n == 2 ? alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* The 6-bit value of c, or -1 for anything outside the alphabet ('=' too). */
static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long b64_decode(const char *text, size_t len, uint8_t *out)
{
	size_t n = 0;

	if (len % 4 || len / 4 * 3 > LONG_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		/* Only the last group may pad: "xx==" (1 byte) or "xxx=" (2). */
		int pad = last && text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
		int s[4];
		uint32_t v = 0;

		for (int j = 0; j < 4; j++) {
			s[j] = j < 4 - pad ? sextet(text[i + j]) : 0;
			if (s[j] < 0)
				return -EINVAL;
			v = v << 6 | (uint32_t)s[j];
		}
		/* The bits past the last byte must be zero: one text per byte string. */
		if ((pad == 2 && (v & 0xffff)) || (pad == 1 && (v & 0xff)))
			return -EINVAL;
		out[n++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)v;
	}
	return (long)n;
}

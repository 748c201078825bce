/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding), as
 * etcd's JSON gateway carries keys and values. Decoding is strict: only
 * the canonical encoding of some bytes is accepted (length a multiple of
 * 4, padding only at the end, unused low bits zero, no whitespace), so
 * one byte string has exactly one text.
 */
#ifndef WARREN_BASE64_H
#define WARREN_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* The text's length for n bytes, without the NUL; SIZE_MAX if it would overflow. */
size_t b64_encoded_len(size_t n);
/* Write the text of in[0..n) and a NUL to out (b64_encoded_len(n) + 1 bytes). */
void b64_encode(const void *in, size_t n, char *out);
/* At most this many bytes come out of len characters. */
static inline size_t b64_decoded_max(size_t len) { return len / 4 * 3; }
/*
 * Decode text[0..len) into out (b64_decoded_max(len) bytes): the byte
 * count, or -EINVAL for anything but a canonical encoding.
 */
long b64_decode(const char *text, size_t len, uint8_t *out);

#endif

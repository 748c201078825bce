/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * WireGuard keys as people and tools write them: 32 bytes, base64 with
 * padding (44 characters, as `wg genkey` prints), and as the UAPI wants
 * them: 64 lower-case hex digits.
 */
#ifndef WARREN_WG_KEY_H
#define WARREN_WG_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_KEY_LEN 32
#define WG_KEY_B64_LEN 44	/* without the terminating NUL */
#define WG_KEY_HEX_LEN 64

/* -EINVAL unless s is exactly 44 base64 characters ending in one '='. */
int wg_key_from_base64(const char *s, uint8_t key[WG_KEY_LEN]);
/* buf must hold WG_KEY_B64_LEN + 1 bytes. */
void wg_key_to_base64(const uint8_t key[WG_KEY_LEN], char *buf);
/* -EINVAL unless s is exactly 64 hex digits (either case). */
int wg_key_from_hex(const char *s, uint8_t key[WG_KEY_LEN]);
/* buf must hold WG_KEY_HEX_LEN + 1 bytes; lower case. */
void wg_key_to_hex(const uint8_t key[WG_KEY_LEN], char *buf);
bool wg_key_is_zero(const uint8_t key[WG_KEY_LEN]);

/*
 * A private key from a file holding its base64 (as `wg genkey > FILE`
 * writes it; trailing white space allowed). -errno with the reason in err.
 */
int wg_key_read_file(const char *path, uint8_t key[WG_KEY_LEN], char *err, size_t errlen);

#endif

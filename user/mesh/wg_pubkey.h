/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A WireGuard public key from its private key (X25519, as `wg pubkey`),
 * for the host record an agent publishes in directory mode. The only
 * user of OpenSSL's libcrypto (already there: libcurl's TLS uses it).
 */
#ifndef WARREN_WG_PUBKEY_H
#define WARREN_WG_PUBKEY_H

#include <stddef.h>
#include <stdint.h>

#include "mesh/wg_key.h"

/* -EINVAL with the reason in err when the library refuses the key. */
int wg_public_key(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN], char *err,
		  size_t errlen);

#endif

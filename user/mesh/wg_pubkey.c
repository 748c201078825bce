// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* X25519 through libcrypto: the library clamps the scalar as WireGuard does. */
#include <errno.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "mesh/wg_pubkey.h"

int wg_public_key(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN], char *err,
		  size_t errlen)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WG_KEY_LEN);
	size_t len = WG_KEY_LEN;
	int ret = 0;

	if (!k || EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != WG_KEY_LEN) {
		snprintf(err, errlen, "libcrypto could not derive the public key");
		ret = -EINVAL;
	}
	EVP_PKEY_free(k);
	return ret;
}

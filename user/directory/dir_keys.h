/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet directory's key layout in etcd, under a prefix P (default
 * /warren/v1/: the version is in the prefix, so a later layout lives
 * beside this one, never mixed with it):
 *
 *   P hosts/HOST                               a host record (HOST's lease)
 *   P endpoints/HOST/PROJECT/ENV/SERVICE/REPLICA  an endpoint record (HOST's lease)
 *   P envs/PROJECT/ENV                         an environment (no lease)
 *   P projects/PROJECT                         a project (no lease)
 *   P claims/N                                 prefix pair N of the fabric: the
 *                                              host name that holds it (no lease)
 *
 * Every name is a DNS label (lib/names.h), replicas and N decimal without
 * leading zeros: a key has exactly one spelling, so two agents never
 * write one thing under two keys.
 */
#ifndef WARREN_DIR_KEYS_H
#define WARREN_DIR_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

#define DIR_DEFAULT_PREFIX "/warren/v1/"
#define DIR_PREFIX_MAX 128
#define DIR_KEY_MAX 512

enum dir_kind { DIR_HOST, DIR_ENDPOINT, DIR_ENV, DIR_PROJECT, DIR_CLAIM };

struct dir_key {
	enum dir_kind kind;
	char host[NAME_SIZE];		/* host, endpoint */
	char project[NAME_SIZE];	/* endpoint, env, project */
	char env[NAME_SIZE];		/* endpoint, env */
	char service[NAME_SIZE];	/* endpoint */
	uint32_t replica;		/* endpoint */
	uint32_t claim;			/* claim: the prefix pair's number */
};

/* A prefix starts and ends with '/', at most DIR_PREFIX_MAX - 1 bytes of printable ASCII. */
int dir_prefix_check(const char *prefix, char *err);
/* The key's text (NUL-terminated) into buf (DIR_KEY_MAX); -ENAMETOOLONG. */
int dir_key_format(const char *prefix, const struct dir_key *k, char *buf);
/*
 * Read a key found under prefix: -EINVAL with the reason in err (256
 * bytes) for anything but the layout above.
 */
int dir_key_parse(const char *prefix, const uint8_t *key, size_t len, struct dir_key *k,
		  char *err);
/* The directory of a kind ("P hosts/"), for ranges and watches. */
int dir_kind_prefix(const char *prefix, enum dir_kind kind, char *buf);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The directory's values: each is one record of the fleet file's syntax
 * (fleet/fleet.h), so etcd holds what `warrenctl apply` reads and one
 * parser checks both:
 *
 *   hosts/H        host name=H underlay=... port=... public-key=... prefix4=... ...
 *   endpoints/...  endpoint host=H project=P env=E service=S replica=R slot=N ...
 *   envs/P/E       env project=P env=E ipv6-only=no
 *   projects/P     project name=P
 *   claims/N       H
 *
 * A value must agree with its key (the same host, project, env, service,
 * replica): a record under another name's key is refused, so no agent can
 * speak for a name it does not hold by writing under a key it does.
 */
#ifndef WARREN_DIR_RECORDS_H
#define WARREN_DIR_RECORDS_H

#include "directory/dir_keys.h"
#include "directory/etcd.h"
#include "fleet/fleet.h"

struct dir_record {
	struct dir_key key;
	union {
		struct fleet_host host;
		struct fleet_env env;
		struct fleet_endpoint ep;	/* netns always "": another host's detail */
		char owner[NAME_SIZE];		/* claim */
	};
};

#define DIR_VALUE_MAX (FLEET_MAX_LINE + 2)

/*
 * Read one key/value found under prefix: -EINVAL with the reason in err
 * (ERR_SIZE) for a key outside the layout, a value that is not a record
 * of the key's kind, or one that disagrees with its key.
 */
int dir_record_decode(const char *prefix, const struct etcd_kv *kv, struct dir_record *r,
		      char *err);

/* Values as written (NUL-terminated, no line end) into buf (DIR_VALUE_MAX). */
int dir_host_value(const struct fleet_host *h, char *buf);
int dir_env_value(const struct fleet_env *e, char *buf);
int dir_endpoint_value(const struct fleet_endpoint *e, char *buf);
int dir_project_value(const char *project, char *buf);

#endif

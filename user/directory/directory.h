/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet directory (warrend --directory): hosts finding each other
 * through etcd instead of a fleet file pushed to every host.
 *
 * Each agent publishes its host record and every endpoint it owns under
 * keys bound to one lease (dir_keys.h), kept alive at TTL/3; it watches
 * the whole prefix and applies what it reads exactly as `apply` applies a
 * file (mesh_apply: only differences change). The lease id is saved next
 * to the state file, so a restarted agent re-attaches to its lease and
 * the fleet never sees it leave; a host whose lease expires (the agent
 * gone for longer than the TTL) loses its records, and every other host
 * its peer, endpoints and names.
 *
 * etcd being away never touches the datapath: what was applied stays
 * and forwards, local changes apply here at once and reach etcd when it
 * is back; the watch resumes from the last revision seen, or, if that
 * was compacted away, the agent reads the whole prefix at one revision
 * and applies it (a full diff: nothing deleted meanwhile is missed).
 */
#ifndef WARREN_DIRECTORY_H
#define WARREN_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "directory/dir_keys.h"
#include "directory/etcd.h"

#define DIR_DEFAULT_LEASE_TTL 300

struct directory_config {
	struct etcd_config etcd;
	char members[ETCD_MAX_MEMBERS][256];	/* etcd.members point here */
	char prefix[DIR_PREFIX_MAX];
	int64_t lease_ttl;			/* seconds */
	int family;				/* this host's underlay address */
	uint8_t underlay[16];
	uint16_t port;				/* its WireGuard port */
	uint16_t keepalive;
};

struct agent;
struct kv;
struct directory;

/*
 * --directory's value: etcd://H:P[,H:P...] (plain HTTP) or http:// or
 * https:// lists; a bare H:P after the first takes the first's scheme.
 */
int directory_parse_urls(const char *s, struct directory_config *dc, char *err);

/*
 * Before the agent starts, when no --host4/--host6 is given: this host's
 * prefix pair, the one it claimed before or the lowest free one, taken
 * with a create-if-absent transaction so no two hosts share one. Waits
 * for etcd up to timeout_ms. cfg's host4/host6 are set on success.
 */
int directory_claim(const struct directory_config *dc, const char *self,
		    struct fabric_config *cfg, int timeout_ms, char *err);

/* After the datapath and DNS: seed from the saved fleet state, connect. */
int directory_start(struct agent *a, const struct directory_config *dc, char *err);
void directory_stop(struct agent *a);
/* The loop: bound its timeout with this, call tick after every round. */
int directory_timeout_ms(struct agent *a);
void directory_tick(struct agent *a);
void directory_status(struct agent *a, struct kv *resp);

/*
 * Projects and environments live in etcd: the control socket's handlers
 * call these after their local change, and the write is retried until
 * etcd takes it.
 */
void directory_project_changed(struct agent *a, const char *project, bool added);
void directory_env_changed(struct agent *a, const char *project, const char *env,
			   bool ipv6_only, bool added);

#endif

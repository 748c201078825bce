/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fleet state: every host of the mesh and every endpoint on them, as
 * `warrenctl apply FILE` gives it whole. A line-oriented text format, one
 * record per line, fields as key=value, '#' starts a comment:
 *
 *   host name=h1 underlay=192.0.2.1 [port=51820] public-key=BASE64
 *        prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64 [keepalive=25]
 *   env project=shop env=prod [ipv6-only=no]
 *   endpoint host=h1 project=shop env=prod service=api [replica=0] slot=2
 *        [type=web] [netns=NAME] [ports=http=8080/tcp,dns=53/udp] [build=no]
 *
 * (each record on one line). A slot is the endpoint's address index in
 * its host's prefixes (address = prefix + slot), chosen by whoever writes
 * the file, so every host knows every address without asking.
 *
 * Lines end in LF or CRLF, the last one maybe in neither; at most
 * FLEET_MAX_LINE bytes each, without the line end. A '#' anywhere starts
 * a comment to the end of the line; blank and comment-only lines are
 * skipped. NUL bytes (even in comments) and other control characters
 * but tab are refused. Words are separated by spaces and tabs: the first
 * is the record kind, every other one key=value with a non-empty value
 * (the first '=' splits), keys in any order, each at most once. Values:
 * names are DNS labels (names.h; service and type need a letter);
 * underlay an IPv4 or IPv6 address without port; port 1..65535;
 * public-key 44 characters of base64 (wg genkey); prefixes without host
 * bits; keepalive 0..3600; replica 0..99999 without leading zeros; slot
 * decimal; netns a name or an absolute path; ports NAME=NUMBER/PROTO
 * joined by commas (lib/ports.h); yes|no for the flags.
 * At most 65536 hosts, 65536 envs and 1000000 endpoints.
 *
 * The parser checks everything that needs no knowledge of the host
 * reading it; the first fault by line is reported as "line N: field F:
 * reason" (a clash names the other line: "line 9: field slot: slot 5 of
 * host h1 already used on line 7") and nothing is returned. Records not
 * from a file (line 0) are named instead: "host h3: field prefix4: ...".
 * fleet_format writes every key, defaults included, in the order above:
 * hosts, then envs, then endpoints, each in array order.
 */
#ifndef WARREN_FLEET_H
#define WARREN_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "mesh/wg_key.h"

#define FLEET_DEFAULT_PORT 51820
#define FLEET_DEFAULT_KEEPALIVE 25
#define FLEET_MAX_LINE 1024

struct fleet_host {
	char name[NAME_SIZE];
	int family;			/* of the underlay address: AF_INET or AF_INET6 */
	uint8_t underlay[16];		/* IPv4 in the first 4 bytes, network order */
	uint16_t port;			/* WireGuard listen port (default 51820) */
	uint8_t public_key[WG_KEY_LEN];
	struct prefix4 prefix4;
	struct prefix6 prefix6;
	uint16_t keepalive;		/* seconds (default 25), 0 = off */
	int line;
};

struct fleet_env {
	char project[NAME_SIZE];
	char env[NAME_SIZE];
	bool ipv6_only;
	int line;
};

struct fleet_endpoint {
	char host[NAME_SIZE];
	struct endpoint_req req;	/* netns "" when not given */
	uint32_t slot;
	int line;
};

struct fleet {
	struct fleet_host *hosts;
	size_t n_hosts;
	struct fleet_env *envs;
	size_t n_envs;
	struct fleet_endpoint *endpoints;
	size_t n_endpoints;
};

/*
 * Parse and check a whole file against the fabric's prefixes (cfg's
 * fabric4/fabric6; its host prefixes are not used):
 *  - names valid (names.h), keys known, each at most once, required ones present;
 *  - hosts: unique names, unique underlay address:port, unique public keys,
 *    prefixes inside the fabric's and overlapping no other host's;
 *  - envs: unique (project, env);
 *  - endpoints: host and env declared (before or after), slot in
 *    [SLOT_FIRST, end) and unique per host, where end is the smallest of
 *    the host's IPv4 prefix size - 1 (its last address is never handed
 *    out, as in model.c), its IPv6 prefix size and 65536;
 *    (project, env, service, replica) unique, netns valid if given.
 * On success *f owns the arrays (fleet_free); on failure *f is empty and
 * err says "line N: ..." (ERR_SIZE bytes).
 */
int fleet_parse(const char *text, size_t len, const struct fabric_config *cfg,
		struct fleet *f, char *err);
/* Check an already built fleet (after host add/del) the same way. */
int fleet_check(const struct fleet *f, const struct fabric_config *cfg, char *err);
/*
 * The same, also telling which record is at fault: *line is the line of
 * the earliest fault (the later of two records that clash), 0 if it has
 * none. For states built from records of known order (the directory).
 */
int fleet_check_line(const struct fleet *f, const struct fabric_config *cfg, int *line, char *err);
/*
 * One record, as one line of the file (no line end, no comment), appended
 * to *f with line 0 and none of the whole-state checks: the caller checks
 * the state it builds. -EINVAL with the reason in err, -ENOMEM.
 */
int fleet_parse_record(const char *text, size_t len, struct fleet *f, char *err);
/* Write it back in the canonical form (parse(format(f)) == f); caller frees *out. */
int fleet_format(const struct fleet *f, char **out, size_t *len);
void fleet_free(struct fleet *f);
/* Deep copy; -ENOMEM. */
int fleet_copy(struct fleet *dst, const struct fleet *src);

struct fleet_host *fleet_host_find(const struct fleet *f, const char *name);
/* Append a host / remove a host and every endpoint on it (no checks). */
int fleet_host_append(struct fleet *f, const struct fleet_host *h);
void fleet_host_remove(struct fleet *f, const char *name);

#endif

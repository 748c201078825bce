/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host's resolver as workloads see it: the address of slot SLOT_HOST
 * in each of the host's prefixes, on the host's loopback, marked in the
 * datapath as the host's own (so fabric checks let workloads reach it),
 * and written into each workload's resolv.conf.
 */
#ifndef WARREN_RESOLVER_H
#define WARREN_RESOLVER_H

#include <stdint.h>

#include "core/agent.h"

/* The resolver addresses of this host's prefixes. */
void resolver_addrs(const struct fabric_config *cfg, uint32_t *addr4, uint8_t addr6[16]);

/* Addresses on lo (lo brought up), and the datapath's host slot. Idempotent. */
int resolver_host_setup(struct agent *a, char *err);
/* Undo resolver_host_setup (warrend --teardown). */
void resolver_host_teardown(struct agent *a);

/*
 * The resolv.conf `ip netns exec` gives a named netns:
 * /etc/netns/<name>/resolv.conf, our resolvers only (no public fallback),
 * the fabric's domain to search. Endpoints in a netns given by path get
 * none: their runtime writes resolv.conf (`warrenctl endpoint env` says
 * what to put there).
 */
int resolver_conf_write(const struct agent *a, const struct endpoint *ep, char *err);
/* Remove it if warren wrote it. */
void resolver_conf_remove(const struct endpoint *ep);

/*
 * `endpoint add` returns once the workload's own service name resolves
 * from inside its netns (any answer for a build-phase workload).
 */
int resolver_probe(struct agent *a, const struct endpoint *ep, char *err);

#endif

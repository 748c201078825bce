/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS shim's index of the model: who is asking (a caller is a local
 * endpoint, found by the slot its source address names) and which
 * endpoints a service name stands for in the caller's environment.
 *
 * The index is rebuilt lazily whenever the model's generation moves, so
 * an `endpoint add/del` or a rename is visible to the very next query.
 */
#ifndef WARREN_DNS_VIEW_H
#define WARREN_DNS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define DNS_DEFAULT_DOMAIN "warren.internal"
#define DNS_DEFAULT_TTL 5

/*
 * One service of one environment: a run of the sorted endpoint array.
 * The names are copies, so an old index can be searched after the model
 * moved its endpoints (round-robin positions carry over on rebuild).
 */
struct dns_group {
	char project[NAME_SIZE];
	char env[NAME_SIZE];
	char service[NAME_SIZE];
	size_t first, n;
	uint32_t rr;			/* round-robin position, per answer */
};

struct dns_view {
	const struct model *m;
	char domain[256];		/* lower case, no trailing dot */
	uint32_t ttl;

	uint64_t gen;			/* model generation the index was built from */
	bool built;
	/* Serving endpoints (not build phase), by project, env, service, type, replica. */
	const struct endpoint **sorted;
	size_t n_sorted;
	struct dns_group *groups;
	size_t n_groups;
	/* Local endpoints by slot, for caller lookup. */
	const struct endpoint **by_slot;
	size_t n_slots;
};

/* Lower-case labels of [a-z0-9-] joined by dots, no trailing dot. */
bool dns_domain_valid(const char *domain);

/* -EINVAL with a reason if domain is not a valid DNS name. */
int dns_view_init(struct dns_view *v, const struct model *m, const char *domain, uint32_t ttl,
		  char *err);
void dns_view_free(struct dns_view *v);

/* Rebuild the index if the model changed; -ENOMEM leaves the old one. */
int dns_view_refresh(struct dns_view *v);

/* The local endpoint sending from this address, or NULL (not a workload). */
const struct endpoint *dns_view_caller4(struct dns_view *v, uint32_t addr);
const struct endpoint *dns_view_caller6(struct dns_view *v, const uint8_t addr[16]);

/*
 * The group of service in (project, env), or NULL. Endpoints of a group
 * are v->sorted[g->first .. g->first + g->n), ordered by type and replica.
 */
struct dns_group *dns_view_service(struct dns_view *v, const char *project, const char *env,
				   const char *service);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's desired state: projects, environments, endpoints, and the
 * allocations that go with them (environment ids, endpoint ids, address
 * slots, interface names, MACs). Pure data: no kernel here, so every rule
 * is unit tested. Every function that can refuse returns -errno and says
 * why in err (ERR_SIZE bytes); a refused call changes nothing.
 */
#ifndef WARREN_MODEL_H
#define WARREN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "lib/addr.h"
#include "lib/names.h"
#include "lib/ports.h"

#define ERR_SIZE 256

/* The slot of the host itself in its prefixes (its resolver address). */
#define SLOT_HOST 1
/* Endpoints take slots from here on. */
#define SLOT_FIRST 2

struct fabric_config {
	struct prefix4 fabric4;		/* every host's IPv4 prefix lies within */
	struct prefix6 fabric6;
	struct prefix4 host4;		/* this host's share: endpoints' addresses */
	struct prefix6 host6;
};

struct project {
	char name[NAME_SIZE];
};

struct env {
	char project[NAME_SIZE];
	char name[NAME_SIZE];
	uint32_t id;			/* slot in warren_counters; host-local */
	bool ipv6_only;
};

struct endpoint {
	uint32_t id;
	char project[NAME_SIZE];
	char env[NAME_SIZE];
	char service[NAME_SIZE];
	char type[NAME_SIZE];		/* container type, "" if none */
	uint32_t replica;
	char netns[NETNS_SIZE];
	bool build;			/* build phase: no private traffic */
	struct port_list ports;		/* named ports: SRV records */

	uint32_t slot;			/* index into host4/host6 */
	bool has_v4, has_v6;
	uint32_t ipv4;			/* network byte order */
	uint8_t ipv6[16];
	char ifname[IF_NAMESIZE];	/* host side of the veth */
	uint8_t host_mac[6];		/* host side: the workload's gateway */
	uint8_t wl_mac[6];		/* workload side */
	int ifindex;			/* host side, filled once the veth exists */
	/*
	 * Another host's endpoint (model.remotes), known from the fleet
	 * state: addresses from that host's prefixes and slot; no netns,
	 * veth or MACs here. "" for this host's own endpoints.
	 */
	char host[NAME_SIZE];
	/* A container runtime's attachment (CNI): its id and the interface name it asked for. */
	char container[CONTAINER_ID_SIZE];	/* "" when not attached through CNI */
	char wl_ifname[IF_NAMESIZE];		/* workload side of the veth; "" means WL_IFNAME */
};

/* The workload's end of the veth unless the runtime names it. */
#define WL_IFNAME "warren0"

struct endpoint_req {
	char project[NAME_SIZE];
	char env[NAME_SIZE];
	char service[NAME_SIZE];
	char type[NAME_SIZE];
	uint32_t replica;
	char netns[NETNS_SIZE];
	bool build;
	struct port_list ports;
	uint32_t slot;			/* 0: allocate one; else exactly this (fleet state) */
	char container[CONTAINER_ID_SIZE];	/* CNI attachment, "" if none */
	char wl_ifname[IF_NAMESIZE];		/* "": WL_IFNAME */
};

struct model {
	struct fabric_config cfg;
	struct project *projects;
	size_t n_projects;
	struct env *envs;
	size_t n_envs;
	struct endpoint *endpoints;	/* this host's */
	size_t n_endpoints;
	struct endpoint *remotes;	/* other hosts', from the fleet state; not saved */
	size_t n_remotes;
	uint32_t next_endpoint_id;	/* ids are never reused within a state */
	uint32_t slot_cursor;		/* next-fit: a freed address rests a while */
	/*
	 * Bumped by every change, so readers that index the model (the DNS
	 * views) know when to rebuild. Not saved: it starts over with the agent.
	 */
	uint64_t gen;
};

/* Check a configuration: host prefixes inside the fabric's, big enough. */
int fabric_config_check(const struct fabric_config *cfg, char *err);

void model_init(struct model *m, const struct fabric_config *cfg);
void model_free(struct model *m);

int model_project_add(struct model *m, const char *name, char *err);
int model_project_del(struct model *m, const char *name, char *err);
struct project *model_project_find(const struct model *m, const char *name);

int model_env_add(struct model *m, const char *project, const char *name, bool ipv6_only,
		  char *err);
int model_env_del(struct model *m, const char *project, const char *name, char *err);
struct env *model_env_find(const struct model *m, const char *project, const char *name);
struct env *model_env_by_id(const struct model *m, uint32_t id);

/*
 * Validate a request and fill *ep with everything allocated for it,
 * without adding it: the caller builds the kernel side, then inserts.
 */
int model_endpoint_prepare(struct model *m, const struct endpoint_req *req,
			   struct endpoint *ep, char *err);
int model_endpoint_insert(struct model *m, const struct endpoint *ep, char *err);
int model_endpoint_remove(struct model *m, uint32_t id);
struct endpoint *model_endpoint_by_id(const struct model *m, uint32_t id);
struct endpoint *model_endpoint_find(const struct model *m, const char *project,
				     const char *env, const char *service, uint32_t replica);
/*
 * Rename a service of an environment: every replica moves to the new name
 * at once. Refused if the old name has no endpoint or the new one has.
 */
int model_service_rename(struct model *m, const char *project, const char *env,
			 const char *from, const char *to, char *err);
/* The endpoint holding a slot of this host's prefixes, or NULL. */
struct endpoint *model_endpoint_by_slot(const struct model *m, uint32_t slot);
/*
 * Replace the other hosts' endpoints wholesale (the fleet state owns
 * them). Takes ownership of the array. Every env must exist.
 */
void model_remotes_set(struct model *m, struct endpoint *remotes, size_t n);
/* The endpoint a container runtime attached as (container, ifname), or NULL. */
struct endpoint *model_endpoint_by_container(const struct model *m, const char *container,
					     const char *wl_ifname);
/* The lowest replica number no endpoint of the service holds. */
uint32_t model_replica_free(const struct model *m, const char *project, const char *env,
			    const char *service);
/* The workload-side interface name of an endpoint. */
const char *endpoint_wl_ifname(const struct endpoint *ep);
/* One past the last slot an endpoint may take in this host's prefixes. */
uint32_t model_slot_end(const struct model *m);
/* The environment of an endpoint (always present for an inserted one). */
struct env *model_endpoint_env(const struct model *m, const struct endpoint *ep);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Observing the datapath: its events (drops, sampled flows) read from the
 * warren_events ring on the agent's loop, named (project/env/service/
 * replica, host), filtered per monitor and streamed to `warrenctl monitor`
 * clients on the control socket.
 *
 *   obs_ring.c    the ring on the loop; warren_ev_cfg and warren_ev_stat
 *   obs_names.c   env ids and addresses -> names, from the model and fleet
 *   obs_event.c   an event -> a kv record; the monitors' filters
 *   obs_fanout.c  the monitor connections: bounded buffers, never blocking
 */
#ifndef WARREN_OBS_H
#define WARREN_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warren.h"
#include "core/model.h"
#include "lib/kv.h"

struct agent;
struct fleet;
struct loop;
struct ring_buffer;

#define OBS_DEFAULT_RATE 100
#define OBS_DEFAULT_BURST 200
#define OBS_MAX_MONITORS 32
/* What a monitor may have queued before its events are dropped (and counted). */
#define OBS_CLIENT_BUF (256 * 1024)

/* --- names (obs_names.c) ----------------------------------------------- */

/* An index of the model, rebuilt when model.gen moves. */
struct obs_addr {
	uint8_t family;			/* 4 or 6 */
	uint8_t addr[16];
	const struct endpoint *ep;
};

struct obs_names {
	uint64_t gen;
	bool built;
	const struct env **env_by_id;	/* WARREN_MAX_ENVS entries */
	struct obs_addr *addrs;		/* sorted by (family, addr) */
	size_t n_addrs;
	const struct endpoint **by_ifindex;	/* this host's, sorted by ifindex */
	size_t n_ifindex;
};

/* One end of an event, as named as the agent can. Empty strings: not known. */
struct obs_who {
	char project[NAME_SIZE];
	char env[NAME_SIZE];
	char service[NAME_SIZE];
	int replica;			/* -1: no endpoint */
	char host[NAME_SIZE];		/* the host it lives on, "" when not known */
};

void obs_names_free(struct obs_names *n);
const struct env *obs_names_env(struct obs_names *n, const struct model *m, uint32_t env_id);
/*
 * Both ends of ev. A workload's own interface names the sender of what
 * it sent (from_wl) and the receiver of what the host sends it, whatever
 * the addresses say (a spoofed source names someone else); otherwise an
 * endpoint by address, if of the environment the datapath saw; else the
 * environment alone, and the host from the fleet (its underlay address,
 * or its prefixes for a fabric address). self: this host's name or "".
 */
void obs_names_resolve(struct obs_names *n, const struct model *m, const struct fleet *f,
		       const char *self, const struct warren_event *ev, struct obs_who *src,
		       struct obs_who *dst);

/* --- events and filters (obs_event.c) ---------------------------------- */

struct obs_filter {
	int type;			/* enum warren_event_type, -1: any */
	int reason;			/* drop reason or flow path, -1: any */
	char project[NAME_SIZE];	/* "": any; else either end's */
	char env[NAME_SIZE];
	char service[NAME_SIZE];
};

/*
 * From a monitor request's keys (type, project, env, service, reason);
 * -EINVAL with the reason in err for a value that can never match.
 */
int obs_filter_parse(const struct kv *req, struct obs_filter *f, char *err);
bool obs_filter_match(const struct obs_filter *f, const struct warren_event *ev,
		      const struct obs_who *src, const struct obs_who *dst);
/*
 * The event as a record (record=event, then its fields); wall_ns: the
 * event's time on CLOCK_REALTIME.
 */
int obs_event_kv(const struct warren_event *ev, const struct obs_who *src,
		 const struct obs_who *dst, uint64_t wall_ns, struct kv *out);

/* --- the agent's part (obs_ring.c, obs_fanout.c) ------------------------ */

struct obs_client {
	int fd;
	struct obs_filter filter;
	char *buf;			/* OBS_CLIENT_BUF bytes, [head, tail) queued */
	size_t head, tail;
	uint64_t sent, dropped;		/* events written / dropped for being slow */
	uint64_t lost_pending;		/* dropped since the client last heard of it */
};

struct obs {
	struct ring_buffer *rb;
	int ring_fd;			/* ring_buffer__epoll_fd(), on the loop */
	struct warren_event_cfg cfg;	/* as written into warren_ev_cfg */
	uint64_t received[WARREN_EVENT__MAX];	/* read from the ring */
	struct obs_names names;
	struct obs_client clients[OBS_MAX_MONITORS];
	size_t n_clients;
	uint64_t client_sent;		/* events queued to monitors, all of them */
	uint64_t client_dropped;	/* events monitors were too slow for, all of them */
	struct agent *agent;
};

/* Write cfg into warren_ev_cfg (the datapath sees it at once). */
int obs_config_set(struct agent *a, const struct warren_event_cfg *cfg, char *err);
/* The per-CPU counters of warren_ev_stat, summed. */
int obs_stats_read(struct agent *a, struct warren_event_stats *sum);
/* The ring on the loop; its settings written. */
int obs_start(struct agent *a, char *err);
void obs_stop(struct agent *a);
/* Read what the ring holds now (the loop does on readiness). */
int obs_consume(struct agent *a);

/* A `monitor` request: the connection becomes the client's stream (it owns fd). */
void obs_monitor_start(struct agent *a, int fd, const struct kv *req);
/* One event, named, to every monitor whose filter takes it. */
void obs_fanout(struct agent *a, const struct warren_event *ev);
/* Write what the monitors have queued (after each batch). */
void obs_flush(struct agent *a);
void obs_clients_close(struct agent *a);

/* Handlers: `events set`, and the events record of `status`. */
int handle_events_set(struct agent *a, const struct kv *req, struct kv *resp, char *err);
void obs_status(struct agent *a, struct kv *resp);

#endif

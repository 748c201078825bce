// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics, family by family. A family's samples must stand together
 * in the exposition, so what is read per environment is read once into
 * an array first and then written one family at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/counters.h"
#include "lib/log.h"
#include "metrics/metrics_collect.h"
#include "metrics/metrics_events.h"
#include "metrics/metrics_http.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

struct env_snapshot {
	struct env_counters *v;
	size_t n, cap;
	int err;
};

static void snapshot_add(void *arg, const struct env_counters *ec)
{
	struct env_snapshot *s = arg;

	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct env_counters *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *ec;
}

/* --- the datapath ------------------------------------------------------------- */

/*
 * Every path and every (direction, reason) of every environment, zeros
 * included: a series that appears only at its first packet would hide
 * that packet from rate() and increase().
 */
static void collect_datapath(struct expo *e, const struct env_snapshot *s)
{
	expo_family(e, "warren_delivered_packets_total", EXPO_COUNTER,
		    "Packets the datapath delivered, by the sending environment and path: local "
		    "(same host), mesh (to another host through WireGuard), egress (out of the "
		    "fabric), mesh_in (from another host's workload, counted there as mesh).");
	for (size_t i = 0; i < s->n; i++)
		for (int p = 0; p < WARREN_PATH__MAX; p++) {
			struct expo_label l[] = { { "project", s->v[i].project },
						  { "env", s->v[i].env }, { "path", path_name(p) } };

			expo_u64(e, l, ARRAY_SIZE(l), s->v[i].c.packets[p]);
		}
	expo_family(e, "warren_delivered_bytes_total", EXPO_COUNTER,
		    "Bytes the datapath delivered (skb length: with the Ethernet header on "
		    "veths), by the sending environment and path.");
	for (size_t i = 0; i < s->n; i++)
		for (int p = 0; p < WARREN_PATH__MAX; p++) {
			struct expo_label l[] = { { "project", s->v[i].project },
						  { "env", s->v[i].env }, { "path", path_name(p) } };

			expo_u64(e, l, ARRAY_SIZE(l), s->v[i].c.bytes[p]);
		}
	expo_family(e, "warren_drops_total", EXPO_COUNTER,
		    "Packets the datapath refused, by the environment blamed (project and env "
		    "empty: none could be), reason and direction (from_wl, from_mesh, from_uplink, "
		    "from_host).");
	for (size_t i = 0; i < s->n; i++)
		for (int d = 0; d < WARREN_DIR__MAX; d++)
			for (int r = 0; r < WARREN_DROP__MAX; r++) {
				struct expo_label l[] = { { "project", s->v[i].project },
							  { "env", s->v[i].env },
							  { "reason", drop_reason_name(r) },
							  { "direction", dir_name(d) } };

				expo_u64(e, l, ARRAY_SIZE(l), s->v[i].c.drops[d][r]);
			}
}

static void collect_endpoints(struct agent *a, struct expo *e)
{
	const struct model *m = &a->model;
	size_t *local = calloc(m->n_envs + 1, sizeof(*local));
	size_t *remote = calloc(m->n_envs + 1, sizeof(*remote));

	if (!local || !remote) {
		free(local);
		free(remote);
		expo_fail(e, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct env *env = model_endpoint_env(m, &m->endpoints[i]);

		if (env)
			local[env - m->envs]++;
	}
	for (size_t i = 0; i < m->n_remotes; i++) {
		const struct env *env = model_endpoint_env(m, &m->remotes[i]);

		if (env)
			remote[env - m->envs]++;
	}
	expo_family(e, "warren_endpoints", EXPO_GAUGE,
		    "Endpoints on this host, by environment.");
	for (size_t i = 0; i < m->n_envs; i++) {
		struct expo_label l[] = { { "project", m->envs[i].project },
					  { "env", m->envs[i].name } };

		expo_u64(e, l, ARRAY_SIZE(l), local[i]);
	}
	if (a->mesh.on) {
		expo_family(e, "warren_remote_endpoints", EXPO_GAUGE,
			    "Other hosts' endpoints this host knows from the fleet state, by "
			    "environment.");
		for (size_t i = 0; i < m->n_envs; i++) {
			struct expo_label l[] = { { "project", m->envs[i].project },
						  { "env", m->envs[i].name } };

			expo_u64(e, l, ARRAY_SIZE(l), remote[i]);
		}
	}
	free(local);
	free(remote);
}

/* --- DNS ---------------------------------------------------------------------- */

static void counter1(struct expo *e, const char *name, const char *help, uint64_t v)
{
	expo_family(e, name, EXPO_COUNTER, help);
	expo_u64(e, NULL, 0, v);
}

static void gauge1(struct expo *e, const char *name, const char *help, uint64_t v)
{
	expo_family(e, name, EXPO_GAUGE, help);
	expo_u64(e, NULL, 0, v);
}

static void collect_dns_fast(struct agent *a, struct expo *e)
{
	struct warren_dns_stats st;
	int ret;

	if (!a->dns_fast.on)
		return;
	ret = dnsfast_stats(a, &st);
	if (ret) {
		pr_debug("metrics: DNS fast path counters: %s\n", strerror(-ret));
		return;
	}
	gauge1(e, "warren_dns_fast_names", "Names (with their type) the datapath answers itself.",
	       a->dns_fast.cur.n);
	counter1(e, "warren_dns_fast_answered_total",
		 "DNS queries the datapath answered itself (the fast path).", st.answered);
	expo_family(e, "warren_dns_fast_fell_through_total", EXPO_COUNTER,
		    "Packets to the resolver the fast path left to the shim, by reason.");
	for (int r = 0; r < WARREN_DNS_FELL__MAX; r++) {
		struct expo_label l[] = { { "reason", dns_fell_name(r) } };

		expo_u64(e, l, 1, st.fell[r]);
	}
}

static void collect_dns(struct agent *a, struct expo *e)
{
	const struct dns_server *s = &a->dns;
	const struct dns_stats *st = &s->st;
	const struct {
		const char *outcome;
		uint64_t n;
	} out[] = {
		{ "answered", st->answered },
		{ "nodata", st->nodata },
		{ "nxdomain", st->nxdomain },
		{ "refused", st->refused },
		{ "malformed", st->malformed },
		{ "servfail", st->servfail },
		{ "upstream", s->upstream[DNS_UP_ANSWERED] + s->upstream[DNS_UP_TRUNCATED] },
	};

	if (!a->dns_on)
		return;
	counter1(e, "warren_dns_queries_total", "DNS queries the shim parsed.", st->queries);
	expo_family(e, "warren_dns_responses_total", EXPO_COUNTER,
		    "DNS answers the shim sent, by outcome (upstream: relayed from an upstream "
		    "resolver).");
	for (size_t i = 0; i < ARRAY_SIZE(out); i++) {
		struct expo_label l[] = { { "outcome", out[i].outcome } };

		expo_u64(e, l, 1, out[i].n);
	}
	counter1(e, "warren_dns_truncated_total",
		 "DNS answers sent over UDP with TC set (the client asks again over TCP).",
		 st->truncated);
	counter1(e, "warren_dns_dropped_total",
		 "Packets to the shim not answered (shorter than a header, or responses).",
		 st->dropped);
	counter1(e, "warren_dns_forwarded_total",
		 "DNS queries handed to the upstream resolvers.", st->forwarded);
	expo_family(e, "warren_dns_upstream_queries_total", EXPO_COUNTER,
		    "Forwarded DNS queries by outcome (busy: never sent, the forwarder was full).");
	for (int o = 0; o < DNS_UP__MAX; o++) {
		struct expo_label l[] = { { "outcome", dns_upstream_outcome_name(o) } };

		expo_u64(e, l, 1, s->upstream[o]);
	}
	gauge1(e, "warren_dns_upstream_pending", "DNS queries waiting for an upstream answer.",
	       dns_forward_pending(s->fwd));
	gauge1(e, "warren_dns_tcp_clients", "TCP clients of the shim connected now.", s->n_conns);
	expo_family(e, "warren_dns_response_duration_seconds", EXPO_HISTOGRAM,
		    "Time from a query's receive to its answer's send in the shim, by where the "
		    "answer came from.");
	for (int i = 0; i < DNS_LAT__MAX; i++) {
		struct expo_label l[] = { { "source", dns_latency_name(i) } };

		expo_hist(e, l, 1, &s->latency[i]);
	}
	collect_dns_fast(a, e);
}

/* --- the mesh ------------------------------------------------------------------ */

static const char *peer_name(const struct mesh *ms, const struct wg_peer_state *p)
{
	for (size_t i = 0; i < ms->fleet.n_hosts; i++)
		if (!memcmp(ms->fleet.hosts[i].public_key, p->public_key, WG_KEY_LEN) &&
		    strcmp(ms->fleet.hosts[i].name, ms->self))
			return ms->fleet.hosts[i].name;
	return NULL;
}

static void collect_wireguard(struct agent *a, struct expo *e)
{
	struct mesh *ms = &a->mesh;
	struct wg_peer_state *st = NULL;
	char err[ERR_SIZE];
	size_t n = 0;

	if (ms->wg.kind == WG_KIND_NONE)
		return;
	/* A local socket or netlink request; both answer at once. */
	if (wg_dev_peers(&ms->wg, &st, &n, err)) {
		pr_debug("metrics: %s\n", err);
		return;
	}
	gauge1(e, "warren_wireguard_peers", "Peers the WireGuard device has.", n);
	expo_family(e, "warren_wireguard_peer_last_handshake_seconds", EXPO_GAUGE,
		    "Unix time of the last handshake with a peer host (0: never).");
	for (size_t i = 0; i < n; i++) {
		struct expo_label l[] = { { "peer", peer_name(ms, &st[i]) } };

		if (l[0].value)
			expo_i64(e, l, 1, st[i].last_handshake);
	}
	expo_family(e, "warren_wireguard_peer_rx_bytes_total", EXPO_COUNTER,
		    "Bytes received from a peer host through WireGuard.");
	for (size_t i = 0; i < n; i++) {
		struct expo_label l[] = { { "peer", peer_name(ms, &st[i]) } };

		if (l[0].value)
			expo_u64(e, l, 1, st[i].rx_bytes);
	}
	expo_family(e, "warren_wireguard_peer_tx_bytes_total", EXPO_COUNTER,
		    "Bytes sent to a peer host through WireGuard.");
	for (size_t i = 0; i < n; i++) {
		struct expo_label l[] = { { "peer", peer_name(ms, &st[i]) } };

		if (l[0].value)
			expo_u64(e, l, 1, st[i].tx_bytes);
	}
	free(st);
}

static void collect_mesh(struct agent *a, struct expo *e)
{
	struct mesh *ms = &a->mesh;

	if (!ms->on)
		return;
	gauge1(e, "warren_fleet_hosts", "Hosts in the applied fleet state, this one included.",
	       ms->fleet.n_hosts);
	if (!ms->apply_time.b)
		hist_init(&ms->apply_time, &hist_apply_bounds);
	expo_family(e, "warren_fleet_apply_duration_seconds", EXPO_HISTOGRAM,
		    "Time to reconcile this host with a fleet state (apply, host add/del, start), "
		    "refused ones included.");
	expo_hist(e, NULL, 0, &ms->apply_time);
	counter1(e, "warren_fleet_apply_errors_total",
		 "Fleet states refused (bad file, or a change that failed and was undone).",
		 ms->apply_errors);
	collect_wireguard(a, e);
}

/* --- events -------------------------------------------------------------------- */

static void collect_events(struct agent *a, struct expo *e)
{
	struct obs *o = &a->obs;
	struct metrics_events in = {
		.monitor_sent = o->client_sent,
		.monitor_dropped = o->client_dropped,
		.monitors = o->n_clients,
	};
	int ret;

	/* What the ring holds is read first, as status does: received then matches sent. */
	obs_consume(a);
	ret = obs_stats_read(a, &in.dp);
	if (ret) {
		pr_debug("metrics: %s: %s\n", WARREN_MAP_EV_STAT, strerror(-ret));
		return;
	}
	for (int t = 0; t < WARREN_EVENT__MAX; t++)
		in.received[t] = o->received[t];
	metrics_events(e, &in);
}

/* --- the metrics endpoint itself ------------------------------------------------ */

static void collect_http(struct agent *a, struct expo *e)
{
	static const char *const codes[METRICS_HTTP__MAX] = { "200", "400", "404", "405", "431",
							       "500" };
	const struct metrics_http_stats *st;

	if (!a->metrics)
		return;
	st = metrics_http_get_stats(a->metrics);
	expo_family(e, "warren_metrics_http_responses_total", EXPO_COUNTER,
		    "Responses of the metrics endpoint, by status code.");
	for (int c = 0; c < METRICS_HTTP__MAX; c++) {
		struct expo_label l[] = { { "code", codes[c] } };

		/* This scrape's own 200 is counted once it is built. */
		expo_u64(e, l, 1, st->responses[c]);
	}
	expo_family(e, "warren_metrics_http_closed_connections_total", EXPO_COUNTER,
		    "Connections to the metrics endpoint closed without a whole response: "
		    "over_limit (all client slots busy), deadline, client_gone.");
	{
		struct expo_label l[] = { { "reason", "over_limit" } };

		expo_u64(e, l, 1, st->over_limit);
		l[0].value = "deadline";
		expo_u64(e, l, 1, st->deadline);
		l[0].value = "client_gone";
		expo_u64(e, l, 1, st->peer_gone);
	}
	gauge1(e, "warren_metrics_http_clients", "Clients of the metrics endpoint connected now.",
	       metrics_http_clients(a->metrics));
}

int metrics_collect(struct agent *a, struct expo *e)
{
	struct env_snapshot s = {};
	int ret;

	ret = counters_each_env(a, snapshot_add, &s);
	if (!ret)
		ret = s.err;
	if (ret) {
		free(s.v);
		return ret;
	}
	collect_datapath(e, &s);
	free(s.v);
	collect_endpoints(a, e);
	collect_dns(a, e);
	collect_mesh(a, e);
	collect_events(a, e);
	collect_http(a, e);
	return e->err;
}

int metrics_render(void *arg, char **body, size_t *len)
{
	struct expo e;
	int ret;

	expo_init(&e, METRICS_MAX_BYTES);
	ret = metrics_collect(arg, &e);
	if (!ret)
		ret = expo_finish(&e, body, len);
	expo_free(&e);
	return ret;
}

int metrics_start(struct agent *a, char *err)
{
	const struct metrics_http_config cfg = {
		.max_clients = METRICS_MAX_CLIENTS,
		.deadline_ms = METRICS_DEADLINE_MS,
	};
	char addr[ADDR_STRLEN + 8];
	int ret;

	if (!a->metrics_on)
		return 0;
	ret = metrics_http_start(&a->metrics, &a->loop, &a->metrics_addr, a->metrics_addrlen, &cfg,
				 metrics_render, a, err);
	if (ret)
		return ret;
	metrics_http_addr(a->metrics, addr, sizeof(addr));
	pr_info("metrics: http://%s/metrics\n", addr);
	return 0;
}

void metrics_stop(struct agent *a)
{
	metrics_http_stop(a->metrics);
	a->metrics = NULL;
}

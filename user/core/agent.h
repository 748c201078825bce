/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* warrend's state and the request handlers the control socket dispatches to. */
#ifndef WARREN_AGENT_H
#define WARREN_AGENT_H

#include <sys/socket.h>

#include "dns/dns_server.h"
#include "lib/kv.h"
#include "core/loop.h"
#include "core/maps.h"
#include "core/dnsfast.h"
#include "mesh/mesh.h"
#include "core/model.h"
#include "obs/obs.h"

struct wnl_monitor;
struct metrics_http;

struct agent {
	struct model model;
	struct datapath dp;
	char state_path[256];
	char sock_path[256];
	char pin_dir[256];
	struct loop loop;
	bool dns_on;			/* the DNS shim is serving */
	struct dns_server dns;		/* its cfg holds the settings even when off */
	struct dnsfast dns_fast;	/* the datapath's answers (core/dnsfast.c) */
	/* MTU of workloads' fabric routes: the tunnel's in a mesh, else 0 (the link's). */
	int fabric_mtu;
	struct mesh mesh;
	struct wnl_monitor *links;	/* link removals: workloads that vanish (vanish.c) */
	struct obs obs;			/* the datapath's events, and monitors (user/obs/) */
	/* --metrics ADDR:PORT: the Prometheus endpoint (user/metrics/), off by default. */
	bool metrics_on;
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addrlen;
	struct metrics_http *metrics;
};

/*
 * A handler reads the request, appends response records to resp and
 * returns 0, or returns -errno with a one-line reason in err. A handler
 * that fails leaves the model, the kernel and the state file unchanged.
 */
typedef int (*handler_fn)(struct agent *a, const struct kv *req, struct kv *resp, char *err);

int handle_project_add(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_project_del(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_project_list(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_env_add(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_env_del(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_env_list(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_endpoint_add(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_endpoint_del(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_endpoint_list(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_endpoint_env(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_service_rename(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_status(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_apply(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_host_add(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_host_del(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_host_list(struct agent *a, const struct kv *req, struct kv *resp, char *err);
/* Container runtimes' attachments, by container id (attachment.c, for the CNI plugin). */
int handle_attachment_add(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_attachment_del(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_attachment_check(struct agent *a, const struct kv *req, struct kv *resp, char *err);
int handle_attachment_gc(struct agent *a, const struct kv *req, struct kv *resp, char *err);
/*
 * At a start, before endpoints_readopt(): remove veths this datapath put
 * in its maps that no endpoint owns, left by an ADD the agent did not live
 * through (veth made, state not saved). attachment.c.
 */
void attachments_sweep(struct agent *a);

/* Persist the model; on failure the caller undoes its change (agent.c). */
int agent_save(struct agent *a, char *err);

/*
 * The saved state if there is one (its directory made if missing), else
 * an empty model for cfg; refused if it was written for other prefixes.
 */
int agent_load(struct agent *a, const struct fabric_config *cfg, char *err);

/*
 * Add a local endpoint (kernel side, model, resolv.conf, probe) without
 * saving; on failure nothing is left. And its reverse.
 */
int endpoint_create(struct agent *a, const struct endpoint_req *r, struct endpoint *out,
		    char *err);
void endpoint_delete(struct agent *a, uint32_t id);
/* Set the MTU of a local endpoint's fabric routes (IPv6: never below 1280). */
int endpoint_set_mtu(struct agent *a, const struct endpoint *ep, int mtu, char *err);

/* Bring the kernel in line with the model after a start (endpoint.c). */
int endpoints_readopt(struct agent *a, char *err);
/* Remove every endpoint's kernel side (warrend --teardown). */
void endpoints_teardown(struct agent *a);

/*
 * Workloads that vanish (vanish.c): watch link removals from before the
 * endpoints are re-adopted, so none goes unnoticed.
 */
int vanish_watch_start(struct agent *a, char *err);
void vanish_watch_stop(struct agent *a);
/*
 * Remove a local endpoint whose veth is gone, everywhere: kernel side,
 * model (DNS), and the records other parts keep of it. Not saved: the
 * caller saves once per batch.
 */
void endpoint_vanished(struct agent *a, uint32_t id, const char *why);
/* Remove every endpoint whose veth is gone; how many, or -errno. */
int endpoints_rescan(struct agent *a);

/* Serve the control socket until SIGINT/SIGTERM (server.c). */
int server_run(struct agent *a, char *err);

#endif

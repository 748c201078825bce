// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The directory's life on the agent's loop: the lease (granted, or the
 * saved one re-attached; kept alive at TTL/3), this host's record
 * (created, so a name another agent holds is found, not overwritten),
 * the view (a range, then a watch from the revision after it; a range
 * again after a compaction or a lost stream) and applying it (at most
 * every APPLY_GAP_MS, so a burst of events costs one apply).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/agent.h"
#include "directory/dir_build.h"
#include "directory/dir_int.h"
#include "lib/log.h"
#include "mesh/wg_pubkey.h"

#define APPLY_GAP_MS 20
#define RETRY_MS 1000
#define REGISTER_RETRY_MS 5000

int64_t dir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *state_name(enum dir_state s)
{
	return s == DIR_SYNCED ? "synced" : s == DIR_DEGRADED ? "degraded" : "connecting";
}

/* --- the lease ------------------------------------------------------------------ */

static void save_lease(struct directory *d)
{
	char tmp[320];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->lease_path);
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%" PRIx64 "\n", (uint64_t)d->lease) < 0 || fflush(f) ||
	    fsync(fileno(f)) || rename(tmp, d->lease_path))
		pr_warn("directory: saving the lease id in %s: %s (a restart takes a new lease)\n",
			d->lease_path, strerror(errno));
	if (f)
		fclose(f);
}

static int64_t read_lease(const char *path)
{
	FILE *f = fopen(path, "re");
	uint64_t id = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%" SCNx64, &id) != 1)
		id = 0;
	fclose(f);
	return (int64_t)id;
}

static int64_t keepalive_gap_ms(const struct directory *d)
{
	return d->cfg.lease_ttl * 1000 / 3;
}

static void lease_grant(struct directory *d);

static void on_grant(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct directory *d = arg;

	d->lease_busy = false;
	if (r->err) {
		pr_warn("directory: granting a lease: %s (trying again)\n", r->msg);
		d->keepalive_at = dir_now_ms() + RETRY_MS;
		d->state = DIR_DEGRADED;
		return;
	}
	d->lease = r->lease_id;
	save_lease(d);
	pr_info("directory: lease %" PRIx64 " granted, TTL %" PRId64 " s\n", (uint64_t)d->lease,
		r->ttl);
	d->keepalive_at = dir_now_ms() + keepalive_gap_ms(d);
	/* Every record of ours goes again, with this lease. */
	d->registered = false;
	d->register_at = 0;
	dir_publish_lease_lost(d);
}

static void lease_grant(struct directory *d)
{
	d->lease = 0;
	if (etcd_lease_grant(d->etcd, d->cfg.lease_ttl, on_grant, d)) {
		d->keepalive_at = dir_now_ms() + RETRY_MS;
		return;
	}
	d->lease_busy = true;
}

static void on_keepalive(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct directory *d = arg;
	bool reattached = d->lease_reattached;

	d->lease_busy = false;
	/* Unchecked still if etcd did not answer: the next keepalive checks it. */
	d->lease_reattached = reattached && r->err && r->err != -ENOENT;
	if (r->err == -ENOENT || (!r->err && r->ttl <= 0)) {
		pr_warn("directory: lease %" PRIx64 " is gone (expired); taking a new one\n",
			(uint64_t)d->lease);
		lease_grant(d);
		return;
	}
	/* A saved lease granted for another --directory-lease-ttl: the records must follow this one. */
	if (!r->err && reattached && r->ttl != d->cfg.lease_ttl) {
		pr_info("directory: lease %" PRIx64 " was granted for %" PRId64 " s, not %" PRId64
			" s; taking a new one\n", (uint64_t)d->lease, r->ttl, d->cfg.lease_ttl);
		lease_grant(d);
		return;
	}
	if (r->err) {
		pr_warn("directory: keeping lease %" PRIx64 " alive: %s (trying again)\n",
			(uint64_t)d->lease, r->msg);
		d->keepalive_at = dir_now_ms() + RETRY_MS;
		d->state = DIR_DEGRADED;
		return;
	}
	d->keepalive_at = dir_now_ms() + keepalive_gap_ms(d);
}

static void lease_tick(struct directory *d, int64_t now)
{
	if (d->lease_busy || now < d->keepalive_at)
		return;
	if (!d->lease) {
		lease_grant(d);
		return;
	}
	if (etcd_lease_keepalive(d->etcd, d->lease, on_keepalive, d)) {
		d->keepalive_at = now + RETRY_MS;
		return;
	}
	d->lease_busy = true;
}

/* --- this host's record --------------------------------------------------------- */

static void on_host_put(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct directory *d = arg;

	d->registering = false;
	if (d->reg_lease != d->lease)
		return;		/* written with a lease since replaced: register_tick goes again */
	if (r->err) {
		pr_warn("directory: writing %s: %s (trying again)\n", d->self_key, r->msg);
		d->register_at = dir_now_ms() + RETRY_MS;
		return;
	}
	d->registered = true;
}

static void on_host_create(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct directory *d = arg;
	struct dir_record rec;
	char why[ERR_SIZE];

	d->registering = false;
	if (d->reg_lease != d->lease)
		return;
	if (r->err) {
		pr_warn("directory: registering %s: %s (trying again)\n", d->self_key, r->msg);
		d->register_at = dir_now_ms() + RETRY_MS;
		return;
	}
	if (r->succeeded) {
		d->registered = true;
		d->name_clash = false;
		pr_info("directory: registered as %s\n", d->self_key);
		return;
	}
	/*
	 * The name is taken. Ours if it carries our public key (an earlier
	 * lease of this agent, not yet expired): take it over with this lease.
	 */
	if (r->n_kvs && !dir_record_decode(d->cfg.prefix, &r->kvs[0], &rec, why) &&
	    rec.key.kind == DIR_HOST && !memcmp(rec.host.public_key, d->self.public_key, WG_KEY_LEN)) {
		d->reg_lease = d->lease;
		if (!etcd_put(d->etcd, d->self_key, strlen(d->self_key), d->self_value,
			      strlen(d->self_value), d->lease, on_host_put, d)) {
			d->registering = true;
			d->name_clash = false;
		} else {
			d->register_at = dir_now_ms() + RETRY_MS;
		}
		return;
	}
	if (!d->name_clash)
		pr_warn("directory: host name %s is registered by another agent (%s holds another "
		       "public key); this agent publishes nothing until that record goes\n",
		       d->a->mesh.self, d->self_key);
	d->name_clash = true;
	d->register_at = dir_now_ms() + REGISTER_RETRY_MS;
}

static void register_tick(struct directory *d, int64_t now)
{
	/* Only with a lease known good: a saved one is checked by its first keepalive. */
	if (d->registered || d->registering || !d->lease || d->lease_busy || d->lease_reattached ||
	    now < d->register_at)
		return;
	d->reg_lease = d->lease;
	if (!etcd_create(d->etcd, d->self_key, strlen(d->self_key), d->self_value,
			 strlen(d->self_value), d->lease, on_host_create, d))
		d->registering = true;
	else
		d->register_at = now + RETRY_MS;
}

/* --- the view ------------------------------------------------------------------- */

static void view_put(struct directory *d, struct dir_view *v, const struct etcd_kv *kv)
{
	char why[ERR_SIZE];
	int ret = dir_view_put(v, d->cfg.prefix, kv, why);

	if (ret == -EINVAL) {
		d->ignored++;
		pr_warn("directory: ignoring %.*s: %s\n", (int)kv->key_len, (const char *)kv->key, why);
	} else if (ret) {
		pr_warn("directory: %.*s: out of memory\n", (int)kv->key_len, (const char *)kv->key);
	}
}

static void load(struct directory *d);

static void on_events(struct etcd *e, const struct etcd_event *ev, size_t n, int64_t revision,
		      void *arg)
{
	struct directory *d = arg;

	for (size_t i = 0; i < n; i++) {
		const struct etcd_kv *kv = &ev[i].kv;

		if (ev[i].type == ETCD_EVENT_PUT) {
			view_put(d, &d->view, kv);
			continue;
		}
		dir_view_delete(&d->view, kv->key, kv->key_len);
		/* Our record deleted under us (by hand, or our lease ran out): again. */
		if (kv->key_len == strlen(d->self_key) && !memcmp(kv->key, d->self_key, kv->key_len) &&
		    d->registered && !d->registering) {
			pr_warn("directory: %s was deleted; registering again\n", d->self_key);
			d->registered = false;
			d->register_at = 0;
			dir_publish_lease_lost(d);
		}
	}
	d->view.revision = revision;
	d->apply_due = true;
	d->state = DIR_SYNCED;
}

static void on_lost(struct etcd *e, int err, const char *msg, void *arg)
{
	struct directory *d = arg;

	etcd_watch_cancel(d->watch);
	d->watch = NULL;
	d->reloads++;
	if (err == -ESTALE) {
		pr_warn("directory: the watch's revision was compacted away; reading the whole "
			"prefix again\n");
		d->load_at = 0;
	} else {
		pr_warn("directory: the watch ended: %s; reading the prefix again\n", msg);
		d->state = DIR_DEGRADED;
		d->load_at = dir_now_ms() + RETRY_MS;
	}
}

static void on_range(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct directory *d = arg;
	struct dir_view v = {};
	int ret;

	d->loading = false;
	if (r->err) {
		pr_warn("directory: reading %s: %s (trying again)\n", d->cfg.prefix, r->msg);
		d->state = DIR_DEGRADED;
		d->load_at = dir_now_ms() + RETRY_MS;
		return;
	}
	for (size_t i = 0; i < r->n_kvs; i++)
		view_put(d, &v, &r->kvs[i]);
	v.revision = r->revision;
	dir_view_free(&d->view);
	d->view = v;
	d->loaded = true;
	d->apply_due = true;
	ret = etcd_watch(d->etcd, d->cfg.prefix, strlen(d->cfg.prefix), r->revision + 1,
			 on_events, on_lost, d, &d->watch);
	if (ret) {
		d->watch = NULL;
		d->load_at = dir_now_ms() + RETRY_MS;
		d->state = DIR_DEGRADED;
		return;
	}
	d->state = DIR_SYNCED;
	pr_info("directory: %zu records at revision %" PRId64 "; watching from the next\n",
		v.n, r->revision);
}

static void load(struct directory *d)
{
	if (etcd_range(d->etcd, d->cfg.prefix, strlen(d->cfg.prefix), true, 0, on_range, d)) {
		d->load_at = dir_now_ms() + RETRY_MS;
		return;
	}
	d->loading = true;
}

/* --- applying ------------------------------------------------------------------- */

static bool env_pending_add(const struct directory *d, const char *project, const char *env)
{
	char key[DIR_KEY_MAX];
	struct dir_key k = { .kind = DIR_ENV };

	snprintf(k.project, sizeof(k.project), "%s", project);
	snprintf(k.env, sizeof(k.env), "%s", env);
	if (dir_key_format(d->cfg.prefix, &k, key))
		return false;
	for (size_t i = 0; i < d->n_pub; i++)
		if (!strcmp(d->pub[i].key, key))
			return d->pub[i].value && !d->pub[i].done;
	return false;
}

/* This host's part of the state: its record, endpoints and their envs. */
static int locals_build(struct directory *d, struct fleet *f, char *err)
{
	const struct model *m = &d->a->model;

	memset(f, 0, sizeof(*f));
	f->hosts = calloc(1, sizeof(*f->hosts));
	f->envs = calloc(m->n_envs + 1, sizeof(*f->envs));
	f->endpoints = calloc(m->n_endpoints + 1, sizeof(*f->endpoints));
	if (!f->hosts || !f->envs || !f->endpoints) {
		fleet_free(f);
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	f->hosts[0] = d->self;
	f->n_hosts = 1;
	for (size_t i = 0; i < m->n_envs; i++) {
		const struct env *e = &m->envs[i];
		bool used = env_pending_add(d, e->project, e->name);

		for (size_t j = 0; j < m->n_endpoints && !used; j++)
			used = !strcmp(m->endpoints[j].project, e->project) &&
			       !strcmp(m->endpoints[j].env, e->name);
		if (!used)
			continue;
		memcpy(f->envs[f->n_envs].project, e->project, NAME_SIZE);
		memcpy(f->envs[f->n_envs].env, e->name, NAME_SIZE);
		f->envs[f->n_envs++].ipv6_only = e->ipv6_only;
	}
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];
		struct fleet_endpoint *fe = &f->endpoints[f->n_endpoints++];

		memcpy(fe->host, d->a->mesh.self, NAME_SIZE);
		memcpy(fe->req.project, ep->project, NAME_SIZE);
		memcpy(fe->req.env, ep->env, NAME_SIZE);
		memcpy(fe->req.service, ep->service, NAME_SIZE);
		memcpy(fe->req.type, ep->type, NAME_SIZE);
		memcpy(fe->req.netns, ep->netns, NETNS_SIZE);
		memcpy(fe->req.container, ep->container, CONTAINER_ID_SIZE);
		memcpy(fe->req.wl_ifname, ep->wl_ifname, IF_NAMESIZE);
		fe->req.replica = ep->replica;
		fe->req.build = ep->build;
		fe->req.ports = ep->ports;
		fe->slot = ep->slot;
	}
	return 0;
}

static void keep_projects(struct directory *d)
{
	size_t n = 0;

	free(d->projects);
	d->projects = calloc(d->view.n + d->n_pub + 1, sizeof(*d->projects));
	d->n_projects = 0;
	if (!d->projects)
		return;
	for (size_t i = 0; i < d->view.n; i++)
		if (d->view.e[i].rec.key.kind == DIR_PROJECT)
			memcpy(d->projects[n++], d->view.e[i].rec.key.project, NAME_SIZE);
	/* Asked for here, not in etcd yet. */
	for (size_t i = 0; i < d->n_pub; i++) {
		struct dir_key k;
		char why[ERR_SIZE];

		if (d->pub[i].value && !d->pub[i].done &&
		    !dir_key_parse(d->cfg.prefix, (const uint8_t *)d->pub[i].key,
				   strlen(d->pub[i].key), &k, why) && k.kind == DIR_PROJECT)
			memcpy(d->projects[n++], k.project, NAME_SIZE);
	}
	d->n_projects = n;
	d->a->mesh.keep_projects = (const char (*)[NAME_SIZE])d->projects;
	d->a->mesh.n_keep_projects = n;
}

static void apply(struct directory *d)
{
	struct agent *a = d->a;
	struct fleet locals, f;
	char err[ERR_SIZE];
	int ret;

	d->apply_due = false;
	d->last_apply = dir_now_ms();
	ret = locals_build(d, &locals, err);
	if (!ret)
		ret = dir_fleet_build(&d->view, &locals, &a->model.cfg, &f, &d->left_out, err);
	fleet_free(&locals);
	if (ret) {
		a->mesh.apply_errors++;
		pr_warn("directory: building the fleet state: %s\n", err);
		return;
	}
	keep_projects(d);
	ret = mesh_apply(a, &f, err);
	fleet_free(&f);
	if (ret)
		pr_warn("directory: applying revision %" PRId64 ": %s\n", d->view.revision, err);
}

/* --- the agent's side ------------------------------------------------------------ */

/* The saved fleet state, as the view until etcd answers: a restart serves it at once. */
static int seed(struct directory *d, char *err)
{
	struct fleet f = {};
	int ret = mesh_saved_fleet(d->a, &f, err);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (size_t i = 0; i < f.n_hosts + f.n_envs + f.n_endpoints; i++) {
		char key[DIR_KEY_MAX], value[DIR_VALUE_MAX];
		struct dir_key k = {};
		int r;

		if (i < f.n_hosts) {
			k.kind = DIR_HOST;
			memcpy(k.host, f.hosts[i].name, NAME_SIZE);
			r = dir_host_value(&f.hosts[i], value);
		} else if (i < f.n_hosts + f.n_envs) {
			const struct fleet_env *e = &f.envs[i - f.n_hosts];

			k.kind = DIR_ENV;
			memcpy(k.project, e->project, NAME_SIZE);
			memcpy(k.env, e->env, NAME_SIZE);
			r = dir_env_value(e, value);
		} else {
			const struct fleet_endpoint *e = &f.endpoints[i - f.n_hosts - f.n_envs];

			k.kind = DIR_ENDPOINT;
			memcpy(k.host, e->host, NAME_SIZE);
			memcpy(k.project, e->req.project, NAME_SIZE);
			memcpy(k.env, e->req.env, NAME_SIZE);
			memcpy(k.service, e->req.service, NAME_SIZE);
			k.replica = e->req.replica;
			r = dir_endpoint_value(e, value);
		}
		if (!r)
			r = dir_key_format(d->cfg.prefix, &k, key);
		if (!r) {
			struct etcd_kv kv = {
				.key = (const uint8_t *)key, .key_len = strlen(key),
				.value = (const uint8_t *)value, .value_len = strlen(value),
				.create_revision = (int64_t)i + 1,
			};

			view_put(d, &d->view, &kv);
		}
	}
	fleet_free(&f);
	pr_info("directory: %zu records from the saved fleet state until etcd answers\n",
		d->view.n);
	apply(d);
	return 0;
}

int directory_start(struct agent *a, const struct directory_config *dc, char *err)
{
	struct directory *d = calloc(1, sizeof(*d));
	uint8_t priv[WG_KEY_LEN];
	struct fleet_host *h;
	struct dir_key k = { .kind = DIR_HOST };
	int ret;

	if (!d) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	d->a = a;
	d->cfg = *dc;
	h = &d->self;
	h->port = dc->port;
	h->keepalive = dc->keepalive;
	for (size_t i = 0; i < d->cfg.etcd.n_members; i++)
		d->cfg.etcd.members[i] = d->cfg.members[i];
	memcpy(h->name, a->mesh.self, NAME_SIZE);
	h->family = dc->family;
	memcpy(h->underlay, dc->underlay, 16);
	h->prefix4 = a->model.cfg.host4;
	h->prefix6 = a->model.cfg.host6;
	ret = wg_key_read_file(a->mesh.key_path, priv, err, ERR_SIZE);
	if (!ret)
		ret = wg_public_key(priv, h->public_key, err, ERR_SIZE);
	memset(priv, 0, sizeof(priv));
	if (!ret) {
		memcpy(k.host, h->name, NAME_SIZE);
		ret = dir_key_format(d->cfg.prefix, &k, d->self_key) ?: dir_host_value(h, d->self_value);
		if (ret)
			snprintf(err, ERR_SIZE, "this host's record is too long");
	}
	if (!ret)
		ret = etcd_new(&a->loop, &d->cfg.etcd, &d->etcd, err);
	if (ret) {
		free(d);
		return ret;
	}
	snprintf(d->lease_path, sizeof(d->lease_path), "%s.lease", a->state_path);
	d->lease = read_lease(d->lease_path);
	d->lease_reattached = d->lease != 0;
	if (d->lease)
		pr_info("directory: re-attaching to lease %" PRIx64 "\n", (uint64_t)d->lease);
	a->mesh.directory = d;
	d->model_gen = a->model.gen - 1;	/* the first tick publishes every endpoint */
	ret = seed(d, err);
	if (ret) {
		directory_stop(a);
		return ret;
	}
	pr_info("directory: %s, prefix %s, lease TTL %" PRId64 " s\n", etcd_member(d->etcd),
		d->cfg.prefix, d->cfg.lease_ttl);
	return 0;
}

void directory_stop(struct agent *a)
{
	struct directory *d = a->mesh.directory;

	if (!d)
		return;
	/* The lease is not revoked: a restart re-attaches, and the fleet never sees it go. */
	if (d->watch)
		etcd_watch_cancel(d->watch);
	etcd_free(d->etcd);
	dir_view_free(&d->view);
	dir_publish_free(d);
	a->mesh.keep_projects = NULL;
	a->mesh.n_keep_projects = 0;
	free(d->projects);
	free(d);
	a->mesh.directory = NULL;
}

static int64_t sooner(int64_t t, int64_t at, int64_t now)
{
	int64_t left = at - now;

	if (left < 0)
		left = 0;
	return t < 0 || left < t ? left : t;
}

int directory_timeout_ms(struct agent *a)
{
	struct directory *d = a->mesh.directory;
	int64_t now = dir_now_ms(), t;

	if (!d)
		return -1;
	t = etcd_next_timeout_ms(d->etcd);
	if (!d->lease_busy)
		t = sooner(t, d->keepalive_at, now);
	if (!d->registered && !d->registering && d->lease)
		t = sooner(t, d->register_at, now);
	if (!d->loading && !d->watch)
		t = sooner(t, d->load_at, now);
	if (d->apply_due)
		t = sooner(t, d->last_apply + APPLY_GAP_MS, now);
	if (dir_publish_pending(d))
		t = sooner(t, d->retry_at, now);
	return t > 60000 ? 60000 : (int)t;
}

void directory_tick(struct agent *a)
{
	struct directory *d = a->mesh.directory;
	int64_t now;

	if (!d)
		return;
	etcd_tick(d->etcd);
	now = dir_now_ms();
	lease_tick(d, now);
	register_tick(d, now);
	if (!d->loading && !d->watch && now >= d->load_at)
		load(d);
	dir_publish_sync(d);
	if (d->apply_due && (d->loaded || d->view.n) && now >= d->last_apply + APPLY_GAP_MS)
		apply(d);
}

void directory_status(struct agent *a, struct kv *resp)
{
	struct directory *d = a->mesh.directory;

	if (!d)
		return;
	kv_add(resp, "record", "directory");
	kv_add(resp, "state", d->name_clash ? "name-clash" :
		   d->write_failing ? state_name(DIR_DEGRADED) : state_name(d->state));
	kv_add(resp, "member", etcd_member(d->etcd));
	kv_add(resp, "prefix", d->cfg.prefix);
	kv_addf(resp, "revision", "%" PRId64, d->view.revision);
	kv_addf(resp, "lease", "%" PRIx64, (uint64_t)d->lease);
	kv_addf(resp, "ttl", "%" PRId64, d->cfg.lease_ttl);
	kv_add(resp, "registered", d->registered ? "yes" : "no");
	kv_addf(resp, "hosts", "%zu", dir_view_count(&d->view, DIR_HOST));
	kv_addf(resp, "records", "%zu", d->view.n);
	kv_addf(resp, "ignored", "%" PRIu64, d->ignored);
	kv_addf(resp, "left-out", "%zu", d->left_out);
	kv_addf(resp, "pending", "%zu", dir_publish_pending(d));
	kv_addf(resp, "reloads", "%" PRIu64, d->reloads);
}

void directory_project_changed(struct agent *a, const char *project, bool added)
{
	struct directory *d = a->mesh.directory;
	char key[DIR_KEY_MAX], value[DIR_VALUE_MAX];
	struct dir_key k = { .kind = DIR_PROJECT };

	if (!d)
		return;
	snprintf(k.project, sizeof(k.project), "%s", project);
	if (dir_key_format(d->cfg.prefix, &k, key) || dir_project_value(project, value) ||
	    dir_publish_want(d, key, added ? value : NULL, false))
		pr_warn("directory: project %s: cannot be published\n", project);
	if (!added)
		dir_view_delete(&d->view, (const uint8_t *)key, strlen(key));
}

void directory_env_changed(struct agent *a, const char *project, const char *env,
			   bool ipv6_only, bool added)
{
	struct directory *d = a->mesh.directory;
	char key[DIR_KEY_MAX], value[DIR_VALUE_MAX];
	struct dir_key k = { .kind = DIR_ENV };
	struct fleet_env fe = { .ipv6_only = ipv6_only };

	if (!d)
		return;
	snprintf(k.project, sizeof(k.project), "%s", project);
	snprintf(k.env, sizeof(k.env), "%s", env);
	snprintf(fe.project, sizeof(fe.project), "%s", project);
	snprintf(fe.env, sizeof(fe.env), "%s", env);
	if (dir_key_format(d->cfg.prefix, &k, key) || dir_env_value(&fe, value) ||
	    dir_publish_want(d, key, added ? value : NULL, false))
		pr_warn("directory: env %s/%s: cannot be published\n", project, env);
	/* Deleted here: not brought back by the view before etcd's delete comes round. */
	if (!added)
		dir_view_delete(&d->view, (const uint8_t *)key, strlen(key));
}

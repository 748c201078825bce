// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What this agent writes to etcd: its endpoints (bound to its lease,
 * from the model, whoever made them: warrenctl, CNI, a vanished netns),
 * and the projects and environments asked for through it (no lease).
 * A table of wanted values by key; a write per key that differs from
 * what etcd was last told, one in flight per key, failures tried again
 * every second, so a change made while etcd has no quorum lands when it
 * is back. The host record itself is directory.c's (it is created, not
 * put, to find a name another agent holds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "directory/dir_int.h"
#include "lib/log.h"

#define RETRY_MS 1000

struct write {
	struct directory *d;
	uint64_t seq;
	char key[];
};

static size_t find(const struct directory *d, const char *key, bool *found)
{
	size_t lo = 0, hi = d->n_pub;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->pub[mid].key, key);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dir_publish_want(struct directory *d, const char *key, const char *value, bool leased)
{
	struct dir_pub *p;
	bool found;
	size_t i = find(d, key, &found);

	if (found) {
		p = &d->pub[i];
		if (p->leased == leased && ((!p->value && !value) ||
		    (p->value && value && !strcmp(p->value, value))))
			return 0;
	} else {
		if (!value)
			return 0;	/* never written by us: nothing to delete */
		if (d->n_pub == d->cap_pub) {
			size_t cap = d->cap_pub ? d->cap_pub * 2 : 64;
			struct dir_pub *bigger = realloc(d->pub, cap * sizeof(*bigger));

			if (!bigger)
				return -ENOMEM;
			d->pub = bigger;
			d->cap_pub = cap;
		}
		memmove(&d->pub[i + 1], &d->pub[i], (d->n_pub - i) * sizeof(*d->pub));
		d->n_pub++;
		p = &d->pub[i];
		memset(p, 0, sizeof(*p));
		p->key = strdup(key);
		if (!p->key) {
			memmove(&d->pub[i], &d->pub[i + 1], (d->n_pub - i - 1) * sizeof(*d->pub));
			d->n_pub--;
			return -ENOMEM;
		}
	}
	free(p->value);
	p->value = value ? strdup(value) : NULL;
	if (value && !p->value)
		return -ENOMEM;
	p->leased = leased;
	p->done = false;
	p->seq = ++d->pub_seq;
	return 0;
}

static void drop(struct directory *d, size_t i)
{
	free(d->pub[i].key);
	free(d->pub[i].value);
	memmove(&d->pub[i], &d->pub[i + 1], (d->n_pub - i - 1) * sizeof(*d->pub));
	d->n_pub--;
}

static void on_written(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct write *w = arg;
	struct directory *d = w->d;
	bool found;
	size_t i = find(d, w->key, &found);

	if (found && d->pub[i].seq == w->seq) {
		struct dir_pub *p = &d->pub[i];

		p->inflight = false;
		if (!r->err) {
			d->write_failing = false;
			p->done = true;
			if (!p->value)
				drop(d, i);
		} else {
			pr_warn("directory: writing %s: %s (trying again)\n", w->key, r->msg);
			d->retry_at = dir_now_ms() + RETRY_MS;
			d->write_failing = true;
			if (r->err == -ENOENT && p->leased)
				d->keepalive_at = 0;	/* the lease is gone: the keepalive says so */
		}
	} else if (found) {
		d->pub[i].inflight = false;	/* changed meanwhile: the newer value goes next */
	}
	free(w);
}

/* This host's endpoints as the model has them, as wanted values. */
static void want_endpoints(struct directory *d)
{
	struct agent *a = d->a;
	const struct model *m = &a->model;
	char key[DIR_KEY_MAX], value[DIR_VALUE_MAX];
	char prefix[DIR_KEY_MAX];
	struct dir_key k = { .kind = DIR_ENDPOINT };
	size_t plen;

	snprintf(k.host, sizeof(k.host), "%s", a->mesh.self);
	/* Ours that the model no longer has: absent. */
	dir_kind_prefix(d->cfg.prefix, DIR_ENDPOINT, prefix);
	plen = strlen(prefix);
	for (size_t i = 0; i < d->n_pub; i++) {
		struct dir_pub *p = &d->pub[i];
		struct dir_key pk;
		char why[ERR_SIZE];

		if (!p->value || strncmp(p->key, prefix, plen) ||
		    dir_key_parse(d->cfg.prefix, (const uint8_t *)p->key, strlen(p->key), &pk, why))
			continue;
		if (!model_endpoint_find(m, pk.project, pk.env, pk.service, pk.replica)) {
			free(p->value);
			p->value = NULL;
			p->done = false;
			p->seq = ++d->pub_seq;
		}
	}
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];
		struct fleet_endpoint fe = { .slot = ep->slot };

		snprintf(fe.host, sizeof(fe.host), "%s", a->mesh.self);
		memcpy(fe.req.project, ep->project, NAME_SIZE);
		memcpy(fe.req.env, ep->env, NAME_SIZE);
		memcpy(fe.req.service, ep->service, NAME_SIZE);
		memcpy(fe.req.type, ep->type, NAME_SIZE);
		fe.req.replica = ep->replica;
		fe.req.build = ep->build;
		fe.req.ports = ep->ports;
		memcpy(k.project, ep->project, NAME_SIZE);
		memcpy(k.env, ep->env, NAME_SIZE);
		memcpy(k.service, ep->service, NAME_SIZE);
		k.replica = ep->replica;
		if (dir_key_format(d->cfg.prefix, &k, key) || dir_endpoint_value(&fe, value) ||
		    dir_publish_want(d, key, value, true))
			pr_warn("directory: endpoint %s/%s/%s/%u: cannot be published (key or "
				"record too long, or out of memory)\n", ep->project, ep->env,
				ep->service, ep->replica);
	}
}

void dir_publish_sync(struct directory *d)
{
	struct agent *a = d->a;
	int64_t now = dir_now_ms();

	if (a->model.gen != d->model_gen) {
		d->model_gen = a->model.gen;
		want_endpoints(d);
	}
	if (now < d->retry_at)
		return;
	for (size_t i = 0; i < d->n_pub; i++) {
		struct dir_pub *p = &d->pub[i];
		size_t klen = strlen(p->key);
		struct write *w;
		int ret;

		if (p->done || p->inflight)
			continue;
		/* Leased keys wait for the lease and for this host's record. */
		if (p->leased && (!d->lease || !d->registered || d->lease_reattached))
			continue;
		w = malloc(sizeof(*w) + klen + 1);
		if (!w)
			return;
		w->d = d;
		w->seq = p->seq;
		memcpy(w->key, p->key, klen + 1);
		if (p->value)
			ret = etcd_put(d->etcd, p->key, klen, p->value, strlen(p->value),
				       p->leased ? d->lease : 0, on_written, w);
		else
			ret = etcd_delete(d->etcd, p->key, klen, false, on_written, w);
		if (ret) {
			free(w);
			d->retry_at = now + RETRY_MS;
			return;
		}
		p->inflight = true;
	}
}

void dir_publish_lease_lost(struct directory *d)
{
	for (size_t i = 0; i < d->n_pub; i++)
		if (d->pub[i].leased) {
			d->pub[i].done = false;
			d->pub[i].inflight = false;
			d->pub[i].seq = ++d->pub_seq;
		}
}

size_t dir_publish_pending(const struct directory *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_pub; i++)
		n += !d->pub[i].done;
	return n;
}

void dir_publish_free(struct directory *d)
{
	for (size_t i = 0; i < d->n_pub; i++) {
		free(d->pub[i].key);
		free(d->pub[i].value);
	}
	free(d->pub);
	d->pub = NULL;
	d->n_pub = d->cap_pub = 0;
}

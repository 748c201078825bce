// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Building the fleet state from this host's part and the view: records
 * numbered by age, then the fleet checks; each fault names the younger
 * record of a clash by its number, which is left out and the check run
 * again, until the state holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_build.h"
#include "fleet/fleet_check.h"
#include "lib/log.h"

static const struct dir_view *sort_view;

static int by_age(const void *x, const void *y)
{
	const struct dir_entry *a = &sort_view->e[*(const size_t *)x];
	const struct dir_entry *b = &sort_view->e[*(const size_t *)y];

	if (a->create_revision != b->create_revision)
		return a->create_revision < b->create_revision ? -1 : 1;
	return strcmp(a->key, b->key);
}

static bool env_in(const struct fleet *f, const char *project, const char *env)
{
	for (size_t i = 0; i < f->n_envs; i++)
		if (!strcmp(f->envs[i].project, project) && !strcmp(f->envs[i].env, env))
			return true;
	return false;
}

#define APPEND(f, arr, n, rec)                                                  \
	(fleet_reserve((void **)&(f)->arr, (f)->n, sizeof(*(f)->arr)) ? -ENOMEM : \
	 ((f)->arr[(f)->n++] = (rec), 0))

/* Remove the record numbered line; a host takes its endpoints along. */
static void remove_line(struct fleet *f, int line)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_hosts; i++)
		if (f->hosts[i].line == line) {
			char name[NAME_SIZE];

			memcpy(name, f->hosts[i].name, NAME_SIZE);
			fleet_host_remove(f, name);
			return;
		}
	for (size_t i = 0; i < f->n_envs; i++)
		if (f->envs[i].line != line)
			f->envs[n++] = f->envs[i];
	if (n != f->n_envs) {
		f->n_envs = n;
		return;
	}
	n = 0;
	for (size_t i = 0; i < f->n_endpoints; i++)
		if (f->endpoints[i].line != line)
			f->endpoints[n++] = f->endpoints[i];
	f->n_endpoints = n;
}

/* "line 7: field x: why" reads as "field x: why" next to the key it is about. */
static const char *without_line(const char *err)
{
	const char *p = err;

	if (strncmp(p, "line ", 5))
		return err;
	p += 5;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == ':' && p[1] == ' ' ? p + 2 : err;
}

int dir_fleet_build(struct dir_view *v, const struct fleet *locals,
		    const struct fabric_config *cfg, struct fleet *out, size_t *left_out,
		    char *err)
{
	const char *self = locals->hosts[0].name;
	size_t *order = NULL, n_order = 0, *src = NULL;
	int line = 0, ret;

	*left_out = 0;
	ret = fleet_copy(out, locals);
	if (ret)
		goto nomem;
	for (size_t i = 0; i < out->n_hosts; i++)
		out->hosts[i].line = ++line;
	for (size_t i = 0; i < out->n_envs; i++)
		out->envs[i].line = ++line;
	for (size_t i = 0; i < out->n_endpoints; i++)
		out->endpoints[i].line = ++line;
	const int n_local = line;

	order = malloc((v->n + 1) * sizeof(*order));
	src = malloc((v->n + (size_t)n_local + 1) * sizeof(*src));
	if (!order || !src)
		goto nomem;
	for (size_t i = 0; i < v->n; i++) {
		const struct dir_record *r = &v->e[i].rec;

		if ((r->key.kind == DIR_HOST || r->key.kind == DIR_ENDPOINT) &&
		    !strcmp(r->key.host, self))
			continue;	/* this host's part comes from the agent */
		if (r->key.kind == DIR_ENV && env_in(locals, r->key.project, r->key.env))
			continue;
		if (r->key.kind == DIR_HOST || r->key.kind == DIR_ENDPOINT ||
		    r->key.kind == DIR_ENV)
			order[n_order++] = i;
	}
	sort_view = v;
	qsort(order, n_order, sizeof(*order), by_age);
	for (size_t j = 0; j < n_order; j++) {
		struct dir_record *r = &v->e[order[j]].rec;

		src[++line - n_local] = order[j];
		switch (r->key.kind) {
		case DIR_HOST:
			r->host.line = line;
			ret = APPEND(out, hosts, n_hosts, r->host);
			break;
		case DIR_ENV:
			r->env.line = line;
			ret = APPEND(out, envs, n_envs, r->env);
			break;
		default:
			r->ep.line = line;
			ret = APPEND(out, endpoints, n_endpoints, r->ep);
			break;
		}
		if (ret)
			goto nomem;
	}
	for (;;) {
		struct dir_entry *e;
		int bad = 0;

		ret = fleet_check_line(out, cfg, &bad, err);
		if (ret != -EINVAL)
			break;
		if (bad <= n_local) {
			char why[ERR_SIZE];

			snprintf(why, sizeof(why), "%s", without_line(err));
			snprintf(err, ERR_SIZE, "this host's own records: %s", why);
			break;
		}
		e = &v->e[src[bad - n_local]];
		if (!e->clash_logged)
			pr_warn("directory: ignoring %s: %s\n", e->key, without_line(err));
		e->clash_logged = true;
		remove_line(out, bad);
		(*left_out)++;
	}
	if (ret == -ENOMEM)
		goto nomem;
	if (ret)
		fleet_free(out);
	free(order);
	free(src);
	return ret;
nomem:
	fleet_free(out);
	free(order);
	free(src);
	snprintf(err, ERR_SIZE, "out of memory");
	return -ENOMEM;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet state as data: formatting it back to text (canonical), copies,
 * lookups and edits. Parsing is fleet_parse.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_check.h"

/*
 * Arrays hold room for a power of two of records (at least 8), so the
 * capacity follows from the count and appending one by one stays linear.
 */
size_t fleet_room(size_t n)
{
	size_t c = 8;

	while (c < n)
		c *= 2;
	return c;
}

/* Make room for record n + 1. */
int fleet_reserve(void **arr, size_t n, size_t size)
{
	void *p;

	if (*arr && fleet_room(n + 1) == fleet_room(n))
		return 0;
	p = realloc(*arr, fleet_room(n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* A growing text buffer for fleet_format. */
struct out {
	char *buf;
	size_t len, cap;
	int err;
};

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	while (!o->err) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = -EINVAL;
		} else if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		} else {
			char *bigger = realloc(o->buf, o->cap * 2 + (size_t)n);

			if (!bigger)
				o->err = -ENOMEM;
			else {
				o->buf = bigger;
				o->cap = o->cap * 2 + (size_t)n;
			}
		}
	}
}

int fleet_format(const struct fleet *f, char **out, size_t *len)
{
	struct out o = { .buf = malloc(4096), .cap = 4096 };

	if (!o.buf)
		return -ENOMEM;
	o.buf[0] = '\0';
	for (size_t i = 0; i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[i];
		char u[ADDR_STRLEN], p4[ADDR_STRLEN], p6[ADDR_STRLEN], k[WG_KEY_B64_LEN + 1];

		uint32_t a4;

		memcpy(&a4, h->underlay, 4);
		if (h->family == AF_INET)
			addr4_format(a4, u, sizeof(u));
		else
			addr6_format(h->underlay, u, sizeof(u));
		prefix4_format(&h->prefix4, p4, sizeof(p4));
		prefix6_format(&h->prefix6, p6, sizeof(p6));
		wg_key_to_base64(h->public_key, k);
		outf(&o, "host name=%s underlay=%s port=%u public-key=%s prefix4=%s prefix6=%s "
		     "keepalive=%u\n", h->name, u, h->port, k, p4, p6, h->keepalive);
	}
	for (size_t i = 0; i < f->n_envs; i++)
		outf(&o, "env project=%s env=%s ipv6-only=%s\n", f->envs[i].project, f->envs[i].env,
		     f->envs[i].ipv6_only ? "yes" : "no");
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *e = &f->endpoints[i];

		outf(&o, "endpoint host=%s project=%s env=%s service=%s replica=%u slot=%u",
		     e->host, e->req.project, e->req.env, e->req.service, e->req.replica, e->slot);
		if (e->req.type[0])
			outf(&o, " type=%s", e->req.type);
		if (e->req.netns[0])
			outf(&o, " netns=%s", e->req.netns);
		if (e->req.ports.n) {
			char ports[PORTS_STR_SIZE];

			port_list_format(&e->req.ports, ports, sizeof(ports));
			outf(&o, " ports=%s", ports);
		}
		outf(&o, " build=%s\n", e->req.build ? "yes" : "no");
	}
	if (o.err) {
		free(o.buf);
		return o.err;
	}
	*out = o.buf;
	*len = o.len;
	return 0;
}

void fleet_free(struct fleet *f)
{
	free(f->hosts);
	free(f->envs);
	free(f->endpoints);
	memset(f, 0, sizeof(*f));
}

/* Copied with the room reserve() expects, so appending to a copy stays cheap. */
static void *dup_array(const void *src, size_t n, size_t size)
{
	void *p = malloc(fleet_room(n) * size);

	if (p && n)
		memcpy(p, src, n * size);
	return p;
}

int fleet_copy(struct fleet *dst, const struct fleet *src)
{
	struct fleet f = {
		.hosts = dup_array(src->hosts, src->n_hosts, sizeof(*src->hosts)),
		.n_hosts = src->n_hosts,
		.envs = dup_array(src->envs, src->n_envs, sizeof(*src->envs)),
		.n_envs = src->n_envs,
		.endpoints = dup_array(src->endpoints, src->n_endpoints, sizeof(*src->endpoints)),
		.n_endpoints = src->n_endpoints,
	};

	memset(dst, 0, sizeof(*dst));
	if (!f.hosts || !f.envs || !f.endpoints) {
		fleet_free(&f);
		return -ENOMEM;
	}
	*dst = f;
	return 0;
}

struct fleet_host *fleet_host_find(const struct fleet *f, const char *name)
{
	for (size_t i = 0; i < f->n_hosts; i++)
		if (!strcmp(f->hosts[i].name, name))
			return &f->hosts[i];
	return NULL;
}

int fleet_host_append(struct fleet *f, const struct fleet_host *h)
{
	/* Whoever allocated the array, realloc to the room it should have is cheap. */
	struct fleet_host *arr = realloc(f->hosts, fleet_room(f->n_hosts + 1) * sizeof(*arr));

	if (!arr)
		return -ENOMEM;
	f->hosts = arr;
	f->hosts[f->n_hosts++] = *h;
	return 0;
}

void fleet_host_remove(struct fleet *f, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_hosts; i++)
		if (strcmp(f->hosts[i].name, name))
			f->hosts[n++] = f->hosts[i];
	f->n_hosts = n;
	n = 0;
	for (size_t i = 0; i < f->n_endpoints; i++)
		if (strcmp(f->endpoints[i].host, name))
			f->endpoints[n++] = f->endpoints[i];
	f->n_endpoints = n;
}

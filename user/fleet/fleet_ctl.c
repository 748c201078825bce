// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Requests about the fleet: `apply` (the whole state, one `line=` per
 * line of the file) and the imperative `host-add`, `host-del`,
 * `host-list`, which edit a copy of the applied state and apply that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "lib/log.h"

int handle_apply(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	struct fleet f = {};
	size_t len = 0, cap = 0;
	char *text = NULL;
	int ret;

	for (size_t i = 0; i < req->n; i++)
		if (!strcmp(req->pairs[i].key, "line"))
			cap += strlen(req->pairs[i].value) + 1;
	if (a->mesh.directory_mode) {
		snprintf(err, ERR_SIZE, "this agent takes its fleet state from the directory "
			 "(--directory); change it there, or add endpoints with `endpoint add`");
		return -EOPNOTSUPP;
	}
	text = malloc(cap + 1);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < req->n; i++) {
		size_t n;

		if (strcmp(req->pairs[i].key, "line"))
			continue;
		n = strlen(req->pairs[i].value);
		memcpy(text + len, req->pairs[i].value, n);
		len += n;
		text[len++] = '\n';
	}
	text[len] = '\0';
	ret = fleet_parse(text, len, &a->model.cfg, &f, err);
	free(text);
	if (ret && a->mesh.on)
		a->mesh.apply_errors++;	/* refused whole: mesh_apply() never saw it */
	else
		ret = mesh_apply(a, &f, err);
	fleet_free(&f);
	if (!ret) {
		kv_add(resp, "record", "applied");
		kv_addf(resp, "hosts", "%zu", a->mesh.fleet.n_hosts);
		kv_addf(resp, "local-endpoints", "%zu", a->model.n_endpoints);
		kv_addf(resp, "remote-endpoints", "%zu", a->model.n_remotes);
	}
	return ret;
}

/* A copy of the applied state, for an imperative edit. */
static int current(struct agent *a, struct fleet *f, char *err)
{
	if (a->mesh.directory_mode) {
		snprintf(err, ERR_SIZE, "this agent takes its hosts from the directory "
			 "(--directory): each host registers itself");
		return -EOPNOTSUPP;
	}
	if (!a->mesh.on) {
		snprintf(err, ERR_SIZE, "this agent is not part of a fleet (start warrend with --host)");
		return -EOPNOTSUPP;
	}
	if (fleet_copy(f, &a->mesh.fleet)) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* host-add takes the fields of a `host` line, parsed by the fleet parser. */
int handle_host_add(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	static const char *const keys[] = { "name", "underlay", "port", "public-key", "prefix4",
					     "prefix6", "keepalive" };
	struct fleet one = {}, f = {};
	char line[FLEET_MAX_LINE + 1] = "host";
	size_t len = 4;
	int ret;

	for (size_t i = 0; i < req->n; i++) {
		const struct kv_pair *p = &req->pairs[i];
		bool known = false;

		if (!strcmp(p->key, "cmd"))
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !known; k++)
			known = !strcmp(p->key, keys[k]);
		if (!known || strchr(p->value, ' ') || strchr(p->value, '\t') ||
		    strchr(p->value, '#')) {
			snprintf(err, ERR_SIZE, known ? "%s: white space or '#' in the value"
						       : "unknown field %s", p->key);
			return -EINVAL;
		}
		ret = snprintf(line + len, sizeof(line) - len, " %s=%s", p->key, p->value);
		if (ret < 0 || (size_t)ret >= sizeof(line) - len) {
			snprintf(err, ERR_SIZE, "host fields too long");
			return -EINVAL;
		}
		len += (size_t)ret;
	}
	ret = fleet_parse(line, len, &a->model.cfg, &one, err);
	if (ret)
		goto out;
	ret = current(a, &f, err);
	if (ret)
		goto out;
	if (fleet_host_find(&f, one.hosts[0].name)) {
		snprintf(err, ERR_SIZE, "host %s exists", one.hosts[0].name);
		ret = -EEXIST;
		goto out;
	}
	one.hosts[0].line = 0;
	ret = fleet_host_append(&f, &one.hosts[0]);
	if (!ret)
		ret = fleet_check(&f, &a->model.cfg, err);
	if (!ret)
		ret = mesh_apply(a, &f, err);
	if (!ret) {
		kv_add(resp, "record", "host");
		kv_add(resp, "name", one.hosts[0].name);
	}
out:
	fleet_free(&one);
	fleet_free(&f);
	return ret;
}

int handle_host_del(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *name = kv_get(req, "name");
	struct fleet f = {};
	int ret;

	if (!name) {
		snprintf(err, ERR_SIZE, "missing name");
		return -EINVAL;
	}
	if (a->mesh.on && !strcmp(name, a->mesh.self)) {
		snprintf(err, ERR_SIZE, "host %s is this host; remove it from the other hosts' state",
			 name);
		return -EINVAL;
	}
	ret = current(a, &f, err);
	if (ret)
		return ret;
	if (!fleet_host_find(&f, name)) {
		snprintf(err, ERR_SIZE, "no host %s", name);
		ret = -ENOENT;
	} else {
		fleet_host_remove(&f, name);
		ret = mesh_apply(a, &f, err);
	}
	if (!ret) {
		kv_add(resp, "record", "host");
		kv_add(resp, "name", name);
	}
	fleet_free(&f);
	return ret;
}

int handle_host_list(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const struct fleet *f = &a->mesh.fleet;

	for (size_t i = 0; i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[i];
		char buf[ADDR_STRLEN], key[WG_KEY_B64_LEN + 1];
		size_t n = 0;

		for (size_t j = 0; j < f->n_endpoints; j++)
			n += !strcmp(f->endpoints[j].host, h->name);
		kv_add(resp, "record", "host");
		kv_add(resp, "name", h->name);
		kv_add(resp, "self", a->mesh.on && !strcmp(h->name, a->mesh.self) ? "yes" : "no");
		inet_ntop(h->family, h->underlay, buf, sizeof(buf));
		kv_add(resp, "underlay", buf);
		kv_addf(resp, "port", "%u", h->port);
		wg_key_to_base64(h->public_key, key);
		kv_add(resp, "public-key", key);
		prefix4_format(&h->prefix4, buf, sizeof(buf));
		kv_add(resp, "prefix4", buf);
		prefix6_format(&h->prefix6, buf, sizeof(buf));
		kv_add(resp, "prefix6", buf);
		kv_addf(resp, "endpoints", "%zu", n);
	}
	return 0;
}

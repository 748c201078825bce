// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Directory values to and from records: written by the fleet format,
 * read by the fleet parser, then held against their key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_records.h"

/* One record's line, through the file's own writer. */
static int one_line(const struct fleet *f, char *buf)
{
	char *text = NULL;
	size_t len = 0;
	int ret = fleet_format(f, &text, &len);

	if (ret)
		return ret;
	if (len && text[len - 1] == '\n')
		len--;
	if (len >= DIR_VALUE_MAX) {
		free(text);
		return -E2BIG;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	free(text);
	return 0;
}

int dir_host_value(const struct fleet_host *h, char *buf)
{
	struct fleet f = { .hosts = (struct fleet_host *)h, .n_hosts = 1 };

	return one_line(&f, buf);
}

int dir_env_value(const struct fleet_env *e, char *buf)
{
	struct fleet f = { .envs = (struct fleet_env *)e, .n_envs = 1 };

	return one_line(&f, buf);
}

int dir_endpoint_value(const struct fleet_endpoint *e, char *buf)
{
	struct fleet_endpoint copy = *e;
	struct fleet f = { .endpoints = &copy, .n_endpoints = 1 };

	copy.req.netns[0] = '\0';	/* where it runs is this host's business */
	return one_line(&f, buf);
}

int dir_project_value(const char *project, char *buf)
{
	int n = snprintf(buf, DIR_VALUE_MAX, "project name=%s", project);

	return n < 0 || n >= DIR_VALUE_MAX ? -E2BIG : 0;
}

static int disagree(char *err, const char *what)
{
	snprintf(err, ERR_SIZE, "the value's %s differs from the key's", what);
	return -EINVAL;
}

static int decode_project(const struct etcd_kv *kv, struct dir_record *r, char *err)
{
	char want[DIR_VALUE_MAX];

	dir_project_value(r->key.project, want);
	if (kv->value_len != strlen(want) || memcmp(kv->value, want, kv->value_len)) {
		snprintf(err, ERR_SIZE, "not \"%s\"", want);
		return -EINVAL;
	}
	return 0;
}

static int decode_claim(const struct etcd_kv *kv, struct dir_record *r, char *err)
{
	if (kv->value_len >= NAME_SIZE || memchr(kv->value, '\0', kv->value_len)) {
		snprintf(err, ERR_SIZE, "not a host name");
		return -EINVAL;
	}
	memcpy(r->owner, kv->value, kv->value_len);
	r->owner[kv->value_len] = '\0';
	if (!name_valid(r->owner)) {
		snprintf(err, ERR_SIZE, "not a host name");
		return -EINVAL;
	}
	return 0;
}

/* A record of the fleet syntax, of the key's kind and names. */
static int decode_fleet(const struct etcd_kv *kv, struct dir_record *r, char *err)
{
	const struct dir_key *k = &r->key;
	struct fleet f = {};
	int ret;

	ret = fleet_parse_record((const char *)kv->value, kv->value_len, &f, err);
	if (ret)
		goto out;
	ret = -EINVAL;
	switch (k->kind) {
	case DIR_HOST:
		if (f.n_hosts != 1) {
			snprintf(err, ERR_SIZE, "not a host record");
			goto out;
		}
		if (strcmp(f.hosts[0].name, k->host)) {
			disagree(err, "host name");
			goto out;
		}
		r->host = f.hosts[0];
		break;
	case DIR_ENV:
		if (f.n_envs != 1) {
			snprintf(err, ERR_SIZE, "not an env record");
			goto out;
		}
		if (strcmp(f.envs[0].project, k->project) || strcmp(f.envs[0].env, k->env)) {
			disagree(err, "project or env");
			goto out;
		}
		r->env = f.envs[0];
		break;
	case DIR_ENDPOINT: {
		const struct fleet_endpoint *e = f.endpoints;

		if (f.n_endpoints != 1) {
			snprintf(err, ERR_SIZE, "not an endpoint record");
			goto out;
		}
		if (strcmp(e->host, k->host) || strcmp(e->req.project, k->project) ||
		    strcmp(e->req.env, k->env) || strcmp(e->req.service, k->service) ||
		    e->req.replica != k->replica) {
			disagree(err, "host, project, env, service or replica");
			goto out;
		}
		r->ep = *e;
		r->ep.req.netns[0] = '\0';
		break;
	}
	default:
		goto out;
	}
	ret = 0;
out:
	fleet_free(&f);
	return ret;
}

int dir_record_decode(const char *prefix, const struct etcd_kv *kv, struct dir_record *r,
		      char *err)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = dir_key_parse(prefix, kv->key, kv->key_len, &r->key, err);
	if (ret)
		return ret;
	switch (r->key.kind) {
	case DIR_PROJECT:
		return decode_project(kv, r, err);
	case DIR_CLAIM:
		return decode_claim(kv, r, err);
	default:
		return decode_fleet(kv, r, err);
	}
}

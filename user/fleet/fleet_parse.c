// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Parsing the fleet state's text format: records line by line into
 * arrays, then checked as a whole. Nothing is returned unless everything
 * holds.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_check.h"

#define MAX_FIELDS 16
#define MAX_HOSTS 65536
#define MAX_ENVS 65536
#define MAX_ENDPOINTS 1000000

struct field {
	const char *key;
	const char *value;
	bool used;
};

static int fail(char *err, int line, const char *fmt, ...)
{
	char msg[ERR_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, ERR_SIZE, "line %d: %s", line, msg);
	else
		snprintf(err, ERR_SIZE, "%s", msg);
	return -EINVAL;
}

/* Split at blanks into key=value fields; the first word is the record kind. */
static int split(char *line, int lineno, const char **kind, struct field *f, int *n, char *err)
{
	char *save = NULL, *tok;

	*n = 0;
	*kind = strtok_r(line, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok)
			return fail(err, lineno, "\"%.64s\" is not key=value", tok);
		if (!eq[1])
			return fail(err, lineno, "field %.*s: empty value", (int)(eq - tok), tok);
		if (*n == MAX_FIELDS)
			return fail(err, lineno, "too many fields");
		*eq = '\0';
		for (int i = 0; i < *n; i++)
			if (!strcmp(f[i].key, tok))
				return fail(err, lineno, "field %.64s: given twice", tok);
		f[*n].key = tok;
		f[*n].value = eq + 1;
		f[*n].used = false;
		(*n)++;
	}
	return 0;
}

static const char *get(struct field *f, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].key, key)) {
			f[i].used = true;
			return f[i].value;
		}
	return NULL;
}

static int need(struct field *f, int n, const char *key, const char **out, int lineno, char *err)
{
	*out = get(f, n, key);
	return *out ? 0 : fail(err, lineno, "field %s: missing", key);
}

static int unused(struct field *f, int n, const char *kind, int lineno, char *err)
{
	for (int i = 0; i < n; i++)
		if (!f[i].used)
			return fail(err, lineno, "field %.64s: not a field of %s", f[i].key, kind);
	return 0;
}

static int yes_no(const char *v, bool *out, const char *key, int lineno, char *err)
{
	if (!v) {
		*out = false;
		return 0;
	}
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return fail(err, lineno, "field %s: \"%.16s\" is not yes or no", key, v);
	*out = !strcmp(v, "yes");
	return 0;
}

static int name_field(struct field *f, int n, const char *key, char *dst, bool service,
		      int lineno, char *err)
{
	const char *v;
	int ret = need(f, n, key, &v, lineno, err);

	if (ret)
		return ret;
	if (!(service ? service_name_valid(v) : name_valid(v)))
		return fail(err, lineno, "field %s: \"%.64s\" is not a DNS label ([a-z0-9-], 1-63%s)",
			    key, v, service ? ", with a letter" : "");
	strcpy(dst, v);
	return 0;
}

static int parse_host(struct field *f, int n, int lineno, struct fleet_host *h, char *err)
{
	const char *v;
	uint32_t u, a4;
	int ret;

	memset(h, 0, sizeof(*h));
	h->line = lineno;
	ret = name_field(f, n, "name", h->name, false, lineno, err);
	if (!ret)
		ret = need(f, n, "underlay", &v, lineno, err);
	if (ret)
		return ret;
	if (addr4_parse(v, &a4) == 0) {
		memcpy(h->underlay, &a4, 4);
		h->family = AF_INET;
	} else if (addr6_parse(v, h->underlay) == 0) {
		h->family = AF_INET6;
	} else {
		return fail(err, lineno, "field underlay: \"%.64s\" is not an IPv4 or IPv6 address", v);
	}
	h->port = FLEET_DEFAULT_PORT;
	v = get(f, n, "port");
	if (v) {
		if (u32_parse(v, 65535, &u) || !u)
			return fail(err, lineno, "field port: \"%.16s\" is not 1..65535", v);
		h->port = (uint16_t)u;
	}
	ret = need(f, n, "public-key", &v, lineno, err);
	if (ret)
		return ret;
	if (wg_key_from_base64(v, h->public_key))
		return fail(err, lineno, "field public-key: not a WireGuard key (44 characters of base64)");
	ret = need(f, n, "prefix4", &v, lineno, err);
	if (ret)
		return ret;
	if (prefix4_parse(v, &h->prefix4))
		return fail(err, lineno, "field prefix4: \"%.64s\" is not an IPv4 prefix "
			    "(address/length, no host bits)", v);
	ret = need(f, n, "prefix6", &v, lineno, err);
	if (ret)
		return ret;
	if (prefix6_parse(v, &h->prefix6))
		return fail(err, lineno, "field prefix6: \"%.64s\" is not an IPv6 prefix "
			    "(address/length, no host bits)", v);
	h->keepalive = FLEET_DEFAULT_KEEPALIVE;
	v = get(f, n, "keepalive");
	if (v) {
		if (u32_parse(v, 3600, &u))
			return fail(err, lineno, "field keepalive: \"%.16s\" is not 0..3600 seconds", v);
		h->keepalive = (uint16_t)u;
	}
	return unused(f, n, "host", lineno, err);
}

static int parse_env(struct field *f, int n, int lineno, struct fleet_env *e, char *err)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	ret = name_field(f, n, "project", e->project, false, lineno, err);
	if (!ret)
		ret = name_field(f, n, "env", e->env, false, lineno, err);
	if (!ret)
		ret = yes_no(get(f, n, "ipv6-only"), &e->ipv6_only, "ipv6-only", lineno, err);
	return ret ?: unused(f, n, "env", lineno, err);
}

static int parse_endpoint(struct field *f, int n, int lineno, struct fleet_endpoint *e,
			  char *err)
{
	const char *v;
	int ret;

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	ret = name_field(f, n, "host", e->host, false, lineno, err);
	if (!ret)
		ret = name_field(f, n, "project", e->req.project, false, lineno, err);
	if (!ret)
		ret = name_field(f, n, "env", e->req.env, false, lineno, err);
	if (!ret)
		ret = name_field(f, n, "service", e->req.service, true, lineno, err);
	if (ret)
		return ret;
	v = get(f, n, "replica");
	if (v && replica_parse(v, &e->req.replica))
		return fail(err, lineno, "field replica: \"%.16s\" is not 0..99999 (no leading zeros)",
			    v);
	ret = need(f, n, "slot", &v, lineno, err);
	if (ret)
		return ret;
	if (u32_parse(v, UINT32_MAX, &e->slot))
		return fail(err, lineno, "field slot: \"%.16s\" is not a number", v);
	if (get(f, n, "type")) {
		ret = name_field(f, n, "type", e->req.type, true, lineno, err);
		if (ret)
			return ret;
	}
	v = get(f, n, "netns");
	if (v) {
		if (!netns_ref_valid(v))
			return fail(err, lineno, "field netns: \"%.64s\" is not a name or an absolute path",
				    v);
		strcpy(e->req.netns, v);
	}
	v = get(f, n, "ports");
	if (v) {
		char why[ERR_SIZE];

		if (port_list_parse(v, &e->req.ports, why, sizeof(why)))
			return fail(err, lineno, "field ports: %s", why);
	}
	ret = yes_no(get(f, n, "build"), &e->req.build, "build", lineno, err);
	return ret ?: unused(f, n, "endpoint", lineno, err);
}

/* One record, the line already cut at its comment. */
static int parse_line(char *line, int lineno, struct fleet *f, char *err)
{
	struct field fields[MAX_FIELDS];
	const char *kind;
	int nf, ret;

	for (size_t i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return fail(err, lineno, "a control character (0x%02x)", line[i]);
	ret = split(line, lineno, &kind, fields, &nf, err);
	if (ret || !kind)
		return ret;
	if (!strcmp(kind, "host")) {
		if (f->n_hosts >= MAX_HOSTS)
			return fail(err, lineno, "more than %d hosts", MAX_HOSTS);
		if (fleet_reserve((void **)&f->hosts, f->n_hosts, sizeof(*f->hosts)))
			return -ENOMEM;
		ret = parse_host(fields, nf, lineno, &f->hosts[f->n_hosts], err);
		f->n_hosts += !ret;
	} else if (!strcmp(kind, "env")) {
		if (f->n_envs >= MAX_ENVS)
			return fail(err, lineno, "more than %d environments", MAX_ENVS);
		if (fleet_reserve((void **)&f->envs, f->n_envs, sizeof(*f->envs)))
			return -ENOMEM;
		ret = parse_env(fields, nf, lineno, &f->envs[f->n_envs], err);
		f->n_envs += !ret;
	} else if (!strcmp(kind, "endpoint")) {
		if (f->n_endpoints >= MAX_ENDPOINTS)
			return fail(err, lineno, "more than %d endpoints", MAX_ENDPOINTS);
		if (fleet_reserve((void **)&f->endpoints, f->n_endpoints, sizeof(*f->endpoints)))
			return -ENOMEM;
		ret = parse_endpoint(fields, nf, lineno, &f->endpoints[f->n_endpoints], err);
		f->n_endpoints += !ret;
	} else {
		ret = fail(err, lineno, "unknown record \"%.32s\" (host, env or endpoint)", kind);
	}
	return ret;
}

int fleet_parse(const char *text, size_t len, const struct fabric_config *cfg,
		struct fleet *out, char *err)
{
	struct fleet f = {};
	char line[FLEET_MAX_LINE + 1];
	size_t pos = 0;
	int lineno = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && !ret) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		char *hash;

		pos += n + (nl ? 1 : 0);
		if (lineno == INT_MAX) {
			ret = fail(err, 0, "more than %d lines", INT_MAX);
			break;
		}
		lineno++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > FLEET_MAX_LINE) {
			ret = fail(err, lineno, "longer than %d characters", FLEET_MAX_LINE);
			break;
		}
		if (memchr(start, '\0', n)) {
			ret = fail(err, lineno, "a NUL byte");
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		ret = parse_line(line, lineno, &f, err);
	}
	if (ret == -ENOMEM) {
		snprintf(err, ERR_SIZE, "out of memory");
	} else if (ret) {
		/*
		 * A fault between the records read so far comes on an earlier
		 * line than this one: report that, so faults come in line order.
		 */
		char first[ERR_SIZE];

		if (fleet_check_records(&f, cfg, true, first) == -EINVAL)
			memcpy(err, first, ERR_SIZE);
	} else {
		ret = fleet_check_records(&f, cfg, false, err);
	}
	if (ret) {
		fleet_free(&f);
		return ret;
	}
	*out = f;
	return 0;
}

int fleet_parse_record(const char *text, size_t len, struct fleet *f, char *err)
{
	char line[FLEET_MAX_LINE + 1];
	size_t before = f->n_hosts + f->n_envs + f->n_endpoints;
	int ret;

	if (len > FLEET_MAX_LINE)
		return fail(err, 0, "longer than %d characters", FLEET_MAX_LINE);
	if (memchr(text, '\0', len) || memchr(text, '\n', len) || memchr(text, '#', len))
		return fail(err, 0, "not one record (a NUL, a line end or a comment in it)");
	memcpy(line, text, len);
	line[len] = '\0';
	ret = parse_line(line, 0, f, err);
	if (ret == -ENOMEM)
		snprintf(err, ERR_SIZE, "out of memory");
	else if (!ret && f->n_hosts + f->n_envs + f->n_endpoints == before)
		ret = fail(err, 0, "empty");
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet state's text format: records parsed line by line into arrays,
 * then checked as a whole. Nothing is returned unless everything holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

#define MAX_FIELDS 16
#define MAX_HOSTS 4096
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

static void *grow(void *arr, size_t n, size_t size)
{
	/* Doubling at powers of two: n is the count before the append. */
	if (n && (n & (n - 1)))
		return arr;
	return realloc(arr, (n ? n * 2 : 8) * size);
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
			return fail(err, lineno, "\"%s\" is not key=value", tok);
		if (!eq[1])
			return fail(err, lineno, "field %.*s: empty value", (int)(eq - tok), tok);
		if (*n == MAX_FIELDS)
			return fail(err, lineno, "too many fields");
		*eq = '\0';
		for (int i = 0; i < *n; i++)
			if (!strcmp(f[i].key, tok))
				return fail(err, lineno, "field %s: given twice", tok);
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
			return fail(err, lineno, "field %s: not a field of %s", f[i].key, kind);
	return 0;
}

static int yes_no(const char *v, bool *out, const char *key, int lineno, char *err)
{
	if (!v) {
		*out = false;
		return 0;
	}
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return fail(err, lineno, "field %s: must be yes or no", key);
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
	uint32_t u;
	int ret;

	memset(h, 0, sizeof(*h));
	h->line = lineno;
	ret = name_field(f, n, "name", h->name, false, lineno, err);
	if (!ret)
		ret = need(f, n, "underlay", &v, lineno, err);
	if (ret)
		return ret;
	if (addr4_parse(v, (uint32_t *)h->underlay) == 0)
		h->family = AF_INET;
	else if (addr6_parse(v, h->underlay) == 0)
		h->family = AF_INET6;
	else
		return fail(err, lineno, "field underlay: \"%.64s\" is not an IPv4 or IPv6 address", v);
	h->port = FLEET_DEFAULT_PORT;
	v = get(f, n, "port");
	if (v) {
		if (u32_parse(v, 65535, &u) || !u)
			return fail(err, lineno, "field port: must be 1..65535");
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
			return fail(err, lineno, "field keepalive: must be 0..3600 seconds");
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
		return fail(err, lineno, "field replica: must be a number from 0 to 99999");
	ret = need(f, n, "slot", &v, lineno, err);
	if (ret)
		return ret;
	if (u32_parse(v, UINT32_MAX, &e->slot))
		return fail(err, lineno, "field slot: \"%.32s\" is not a number", v);
	if (get(f, n, "type")) {
		ret = name_field(f, n, "type", e->req.type, true, lineno, err);
		if (ret)
			return ret;
	}
	v = get(f, n, "netns");
	if (v) {
		if (!netns_ref_valid(v) || strlen(v) >= sizeof(e->req.netns))
			return fail(err, lineno, "field netns: \"%.64s\" is not a name or an absolute path",
				    v);
		strcpy(e->req.netns, v);
	}
	ret = yes_no(get(f, n, "build"), &e->req.build, "build", lineno, err);
	return ret ?: unused(f, n, "endpoint", lineno, err);
}

int fleet_parse(const char *text, size_t len, const struct fabric_config *cfg,
		struct fleet *out, char *err)
{
	struct fleet f = {};
	char line[FLEET_MAX_LINE + 1];
	size_t pos = 0;
	int lineno = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		int l = 1;

		for (const char *p = text; p < z; p++)
			l += *p == '\n';
		return fail(err, l, "a NUL byte");
	}
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		struct field fields[MAX_FIELDS];
		const char *kind;
		char *hash;
		int nf;

		lineno++;
		if (n > FLEET_MAX_LINE) {
			ret = fail(err, lineno, "longer than %d characters", FLEET_MAX_LINE);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (size_t i = 0; line[i]; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
				ret = fail(err, lineno, "a control character");
				break;
			}
		if (ret)
			break;
		ret = split(line, lineno, &kind, fields, &nf, err);
		if (ret || !kind)
			continue;
		if (!strcmp(kind, "host")) {
			struct fleet_host *h;

			if (f.n_hosts >= MAX_HOSTS) {
				ret = fail(err, lineno, "more than %d hosts", MAX_HOSTS);
				break;
			}
			h = grow(f.hosts, f.n_hosts, sizeof(*h));
			if (!h) {
				ret = -ENOMEM;
				break;
			}
			f.hosts = h;
			ret = parse_host(fields, nf, lineno, &f.hosts[f.n_hosts], err);
			f.n_hosts += !ret;
		} else if (!strcmp(kind, "env")) {
			struct fleet_env *e;

			if (f.n_envs >= MAX_ENVS) {
				ret = fail(err, lineno, "more than %d environments", MAX_ENVS);
				break;
			}
			e = grow(f.envs, f.n_envs, sizeof(*e));
			if (!e) {
				ret = -ENOMEM;
				break;
			}
			f.envs = e;
			ret = parse_env(fields, nf, lineno, &f.envs[f.n_envs], err);
			f.n_envs += !ret;
		} else if (!strcmp(kind, "endpoint")) {
			struct fleet_endpoint *e;

			if (f.n_endpoints >= MAX_ENDPOINTS) {
				ret = fail(err, lineno, "more than %d endpoints", MAX_ENDPOINTS);
				break;
			}
			e = grow(f.endpoints, f.n_endpoints, sizeof(*e));
			if (!e) {
				ret = -ENOMEM;
				break;
			}
			f.endpoints = e;
			ret = parse_endpoint(fields, nf, lineno, &f.endpoints[f.n_endpoints], err);
			f.n_endpoints += !ret;
		} else {
			ret = fail(err, lineno, "unknown record \"%.32s\" (host, env or endpoint)", kind);
		}
	}
	if (ret == -ENOMEM)
		snprintf(err, ERR_SIZE, "out of memory");
	if (!ret)
		ret = fleet_check(&f, cfg, err);
	if (ret) {
		fleet_free(&f);
		return ret;
	}
	*out = f;
	return 0;
}

/* "line N" for records from a file, "host NAME" for the others. */
static const char *where(int line, const char *what, const char *name, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "line %d", line);
	else
		snprintf(buf, len, "%s %s", what, name);
	return buf;
}

static bool prefix4_overlap(const struct prefix4 *a, const struct prefix4 *b)
{
	return prefix4_within(a, b) || prefix4_within(b, a);
}

static bool prefix6_overlap(const struct prefix6 *a, const struct prefix6 *b)
{
	return prefix6_within(a, b) || prefix6_within(b, a);
}

/* Index arrays sorted by a key, to find duplicates in O(n log n). */
static const struct fleet *sort_fleet;

static int cmp_env_idx(const void *x, const void *y)
{
	const struct fleet_env *a = &sort_fleet->envs[*(const size_t *)x];
	const struct fleet_env *b = &sort_fleet->envs[*(const size_t *)y];
	int r = strcmp(a->project, b->project);

	r = r ?: strcmp(a->env, b->env);
	return r ?: (a->line > b->line) - (a->line < b->line);
}

static int cmp_ep_name(const void *x, const void *y)
{
	const struct fleet_endpoint *a = &sort_fleet->endpoints[*(const size_t *)x];
	const struct fleet_endpoint *b = &sort_fleet->endpoints[*(const size_t *)y];
	int r = strcmp(a->req.project, b->req.project);

	r = r ?: strcmp(a->req.env, b->req.env);
	r = r ?: strcmp(a->req.service, b->req.service);
	r = r ?: (a->req.replica > b->req.replica) - (a->req.replica < b->req.replica);
	return r ?: (a->line > b->line) - (a->line < b->line);
}

static int cmp_ep_slot(const void *x, const void *y)
{
	const struct fleet_endpoint *a = &sort_fleet->endpoints[*(const size_t *)x];
	const struct fleet_endpoint *b = &sort_fleet->endpoints[*(const size_t *)y];
	int r = strcmp(a->host, b->host);

	r = r ?: (a->slot > b->slot) - (a->slot < b->slot);
	return r ?: (a->line > b->line) - (a->line < b->line);
}

static size_t *sorted_idx(const struct fleet *f, size_t n, int (*cmp)(const void *, const void *))
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_fleet = f;
	qsort(idx, n, sizeof(*idx), cmp);
	return idx;
}

static const struct fleet_env *env_lookup(const struct fleet *f, const size_t *idx,
					  const char *project, const char *env)
{
	size_t lo = 0, hi = f->n_envs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct fleet_env *e = &f->envs[idx[mid]];
		int r = strcmp(e->project, project);

		r = r ?: strcmp(e->env, env);
		if (!r)
			return e;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int check_hosts(const struct fleet *f, const struct fabric_config *cfg, char *err)
{
	char w[96], p[ADDR_STRLEN];

	for (size_t i = 0; i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[i];

		where(h->line, "host", h->name, w, sizeof(w));
		if (!prefix4_within(&h->prefix4, &cfg->fabric4)) {
			prefix4_format(&cfg->fabric4, p, sizeof(p));
			return fail(err, 0, "%s: field prefix4: outside the fabric's %s", w, p);
		}
		if (!prefix6_within(&h->prefix6, &cfg->fabric6)) {
			prefix6_format(&cfg->fabric6, p, sizeof(p));
			return fail(err, 0, "%s: field prefix6: outside the fabric's %s", w, p);
		}
		for (size_t j = 0; j < i; j++) {
			const struct fleet_host *o = &f->hosts[j];

			if (!strcmp(o->name, h->name))
				return fail(err, 0, "%s: field name: host %s already declared%s", w,
					    h->name, o->line ? " earlier" : "");
			if (!memcmp(o->public_key, h->public_key, WG_KEY_LEN))
				return fail(err, 0, "%s: field public-key: the same as host %s's", w,
					    o->name);
			if (o->family == h->family && o->port == h->port &&
			    !memcmp(o->underlay, h->underlay, 16))
				return fail(err, 0, "%s: field underlay: the same address and port as "
					    "host %s", w, o->name);
			if (prefix4_overlap(&o->prefix4, &h->prefix4))
				return fail(err, 0, "%s: field prefix4: overlaps host %s's", w, o->name);
			if (prefix6_overlap(&o->prefix6, &h->prefix6))
				return fail(err, 0, "%s: field prefix6: overlaps host %s's", w, o->name);
		}
	}
	return 0;
}

/* Slots [SLOT_FIRST, end): as the agent hands them out (model.c). */
static uint32_t slot_end(const struct fleet_host *h)
{
	uint32_t n4 = prefix4_size(&h->prefix4) - 1, n6 = prefix6_size(&h->prefix6);
	uint32_t n = n4 < n6 ? n4 : n6;

	return n < 65536 ? n : 65536;
}

int fleet_check(const struct fleet *f, const struct fabric_config *cfg, char *err)
{
	size_t *envs = NULL, *names = NULL, *slots = NULL;
	char w[96];
	int ret;

	ret = check_hosts(f, cfg, err);
	if (ret)
		return ret;
	envs = sorted_idx(f, f->n_envs, cmp_env_idx);
	names = sorted_idx(f, f->n_endpoints, cmp_ep_name);
	slots = sorted_idx(f, f->n_endpoints, cmp_ep_slot);
	if (!envs || !names || !slots) {
		snprintf(err, ERR_SIZE, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 1; i < f->n_envs; i++) {
		const struct fleet_env *a = &f->envs[envs[i - 1]], *b = &f->envs[envs[i]];

		if (!strcmp(a->project, b->project) && !strcmp(a->env, b->env)) {
			ret = fail(err, b->line, "environment %s/%s already declared on line %d",
				   b->project, b->env, a->line);
			goto out;
		}
	}
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *e = &f->endpoints[i];
		const struct fleet_host *h = fleet_host_find(f, e->host);

		where(e->line, "endpoint on", e->host, w, sizeof(w));
		if (!h) {
			ret = fail(err, 0, "%s: field host: no host %s is declared", w, e->host);
			goto out;
		}
		if (!env_lookup(f, envs, e->req.project, e->req.env)) {
			ret = fail(err, 0, "%s: field env: environment %s/%s is not declared", w,
				   e->req.project, e->req.env);
			goto out;
		}
		if (e->slot < SLOT_FIRST || e->slot >= slot_end(h)) {
			ret = fail(err, 0, "%s: field slot: %u is outside host %s's slots %u..%u", w,
				   e->slot, h->name, SLOT_FIRST, slot_end(h) - 1);
			goto out;
		}
	}
	for (size_t i = 1; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *a = &f->endpoints[names[i - 1]];
		const struct fleet_endpoint *b = &f->endpoints[names[i]];

		if (!strcmp(a->req.project, b->req.project) && !strcmp(a->req.env, b->req.env) &&
		    !strcmp(a->req.service, b->req.service) && a->req.replica == b->req.replica) {
			ret = fail(err, b->line, "replica %u of %s/%s/%s already declared on line %d",
				   b->req.replica, b->req.project, b->req.env, b->req.service, a->line);
			goto out;
		}
		a = &f->endpoints[slots[i - 1]];
		b = &f->endpoints[slots[i]];
		if (!strcmp(a->host, b->host) && a->slot == b->slot) {
			ret = fail(err, b->line, "field slot: slot %u of host %s already used on line %d",
				   b->slot, b->host, a->line);
			goto out;
		}
	}
out:
	free(envs);
	free(names);
	free(slots);
	return ret;
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

	if (o->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = -EINVAL;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *bigger = realloc(o->buf, o->cap * 2 + (size_t)n);

		if (!bigger) {
			o->err = -ENOMEM;
			return;
		}
		o->buf = bigger;
		o->cap = o->cap * 2 + (size_t)n;
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

		inet_ntop(h->family, h->underlay, u, sizeof(u));
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

static void *dup_array(const void *src, size_t n, size_t size)
{
	void *p = malloc((n ? n : 1) * size);

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
	struct fleet_host *arr = realloc(f->hosts, (f->n_hosts + 1) * sizeof(*arr));

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

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warren.h"
#include "core/statefile.h"

#define STATE_MAGIC "warren-state 1"
#define LINE_MAX_LEN 2048
#define MAX_FIELDS 24

static void write_endpoint(FILE *f, const struct endpoint *ep)
{
	char a4[ADDR_STRLEN] = "-", a6[ADDR_STRLEN] = "-", hm[18], wm[18];
	char ports[PORTS_STR_SIZE];

	if (ep->has_v4)
		addr4_format(ep->ipv4, a4, sizeof(a4));
	if (ep->has_v6)
		addr6_format(ep->ipv6, a6, sizeof(a6));
	mac_format(ep->host_mac, hm, sizeof(hm));
	mac_format(ep->wl_mac, wm, sizeof(wm));
	fprintf(f, "endpoint id=%u project=%s env=%s service=%s replica=%u type=%s netns=%s "
		"build=%d slot=%u ipv4=%s ipv6=%s ifname=%s host-mac=%s wl-mac=%s",
		ep->id, ep->project, ep->env, ep->service, ep->replica,
		ep->type[0] ? ep->type : "-", ep->netns, ep->build, ep->slot, a4, a6,
		ep->ifname, hm, wm);
	/* Only when there are some: files from before ports load unchanged. */
	port_list_format(&ep->ports, ports, sizeof(ports));
	fprintf(f, "%s%s\n", ports[0] ? " ports=" : "", ports);
	/* A CNI attachment: its container id and interface name, on a line of its own. */
	if (ep->container[0])
		fprintf(f, "endpoint-cni id=%u container=%s wl-ifname=%s\n", ep->id, ep->container,
			endpoint_wl_ifname(ep));
}

int statefile_save(const struct model *m, const char *path, char *err)
{
	char tmp[4096], p[ADDR_STRLEN];
	FILE *f;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, ERR_SIZE, "%s: %s", tmp, strerror(-ret));
		return ret;
	}
	fprintf(f, STATE_MAGIC "\n");
	prefix4_format(&m->cfg.fabric4, p, sizeof(p));
	fprintf(f, "fabric4 %s\n", p);
	prefix6_format(&m->cfg.fabric6, p, sizeof(p));
	fprintf(f, "fabric6 %s\n", p);
	prefix4_format(&m->cfg.host4, p, sizeof(p));
	fprintf(f, "host4 %s\n", p);
	prefix6_format(&m->cfg.host6, p, sizeof(p));
	fprintf(f, "host6 %s\n", p);
	for (size_t i = 0; i < m->n_projects; i++)
		fprintf(f, "project %s\n", m->projects[i].name);
	for (size_t i = 0; i < m->n_envs; i++)
		fprintf(f, "env project=%s name=%s id=%u ipv6-only=%d\n", m->envs[i].project,
			m->envs[i].name, m->envs[i].id, m->envs[i].ipv6_only);
	for (size_t i = 0; i < m->n_endpoints; i++)
		write_endpoint(f, &m->endpoints[i]);
	/* Last: inserting the endpoints above moves them when loading. */
	fprintf(f, "next-endpoint-id %u\nslot-cursor %u\n", m->next_endpoint_id, m->slot_cursor);

	if (fflush(f) || fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		snprintf(err, ERR_SIZE, "saving %s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}

/* A line split into a keyword and key=value fields, in place. */
struct line {
	char *word;
	char *arg;		/* the rest for "keyword value" lines */
	char *keys[MAX_FIELDS];
	char *vals[MAX_FIELDS];
	int n;
};

static int split_line(char *s, struct line *l)
{
	char *save, *tok;

	memset(l, 0, sizeof(*l));
	l->word = strtok_r(s, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			if (l->arg || l->n)
				return -EINVAL;
			l->arg = tok;
			continue;
		}
		if (l->n == MAX_FIELDS)
			return -EINVAL;
		*eq = '\0';
		l->keys[l->n] = tok;
		l->vals[l->n++] = eq + 1;
	}
	return 0;
}

static const char *field(const struct line *l, const char *key)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], key))
			return l->vals[i];
	return NULL;
}

static int copy_name(char *dst, const char *src, bool optional)
{
	if (!src)
		return -EINVAL;
	if (optional && !strcmp(src, "-")) {
		dst[0] = '\0';
		return 0;
	}
	if (!name_valid(src))
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!s || (strcmp(s, "0") && strcmp(s, "1")))
		return -EINVAL;
	*out = s[0] == '1';
	return 0;
}

static int parse_endpoint(const struct line *l, struct endpoint *ep)
{
	const char *v4 = field(l, "ipv4"), *v6 = field(l, "ipv6");
	const char *ifname = field(l, "ifname"), *netns = field(l, "netns");
	const char *hm = field(l, "host-mac"), *wm = field(l, "wl-mac");
	const char *ports = field(l, "ports");
	char why[ERR_SIZE];

	memset(ep, 0, sizeof(*ep));
	if (u32_parse(field(l, "id"), UINT32_MAX, &ep->id) ||
	    copy_name(ep->project, field(l, "project"), false) ||
	    copy_name(ep->env, field(l, "env"), false) ||
	    copy_name(ep->service, field(l, "service"), false) ||
	    copy_name(ep->type, field(l, "type"), true) ||
	    replica_parse(field(l, "replica"), &ep->replica) ||
	    parse_bool(field(l, "build"), &ep->build) ||
	    u32_parse(field(l, "slot"), UINT32_MAX, &ep->slot))
		return -EINVAL;
	if (!netns || !netns_ref_valid(netns) || !ifname || strlen(ifname) >= IF_NAMESIZE ||
	    !v4 || !v6 || !hm || !wm)
		return -EINVAL;
	strcpy(ep->netns, netns);
	strcpy(ep->ifname, ifname);
	ep->has_v4 = strcmp(v4, "-");
	ep->has_v6 = strcmp(v6, "-");
	if ((ep->has_v4 && addr4_parse(v4, &ep->ipv4)) ||
	    (ep->has_v6 && addr6_parse(v6, ep->ipv6)) ||
	    mac_parse(hm, ep->host_mac) || mac_parse(wm, ep->wl_mac))
		return -EINVAL;
	if (ports && port_list_parse(ports, &ep->ports, why, sizeof(why)))
		return -EINVAL;
	return 0;
}

/* Follows its endpoint's line (write_endpoint). */
static int parse_endpoint_cni(struct model *m, const struct line *l)
{
	const char *c = field(l, "container"), *ifn = field(l, "wl-ifname");
	struct endpoint *ep;
	uint32_t id;

	if (u32_parse(field(l, "id"), UINT32_MAX, &id) || !(ep = model_endpoint_by_id(m, id)) ||
	    !container_id_valid(c) || !ifname_valid(ifn))
		return -EINVAL;
	strcpy(ep->container, c);
	strcpy(ep->wl_ifname, ifn);
	return 0;
}

static int parse_line(struct model *m, struct line *l, char *err)
{
	struct endpoint ep;
	uint32_t id;
	bool v6only;
	int ret;

	if (!strcmp(l->word, "fabric4") && l->arg)
		return prefix4_parse(l->arg, &m->cfg.fabric4);
	if (!strcmp(l->word, "fabric6") && l->arg)
		return prefix6_parse(l->arg, &m->cfg.fabric6);
	if (!strcmp(l->word, "host4") && l->arg)
		return prefix4_parse(l->arg, &m->cfg.host4);
	if (!strcmp(l->word, "host6") && l->arg)
		return prefix6_parse(l->arg, &m->cfg.host6);
	if (!strcmp(l->word, "next-endpoint-id") && l->arg)
		return u32_parse(l->arg, UINT32_MAX, &m->next_endpoint_id);
	if (!strcmp(l->word, "slot-cursor") && l->arg)
		return u32_parse(l->arg, UINT32_MAX, &m->slot_cursor);
	if (!strcmp(l->word, "project") && l->arg)
		return model_project_add(m, l->arg, err);
	if (!strcmp(l->word, "env") && !l->arg) {
		const char *p = field(l, "project"), *n = field(l, "name");
		struct env *e;

		if (!p || !n || u32_parse(field(l, "id"), UINT32_MAX, &id) ||
		    parse_bool(field(l, "ipv6-only"), &v6only))
			return -EINVAL;
		ret = model_env_add(m, p, n, v6only, err);
		if (ret)
			return ret;
		/* Keep the id the datapath already counts under. */
		e = model_env_find(m, p, n);
		if (id == 0 || id >= WARREN_MAX_ENVS ||
		    (model_env_by_id(m, id) && model_env_by_id(m, id) != e))
			return -EINVAL;
		e->id = id;
		return 0;
	}
	if (!strcmp(l->word, "endpoint") && !l->arg) {
		if (parse_endpoint(l, &ep))
			return -EINVAL;
		if (!model_env_find(m, ep.project, ep.env)) {
			snprintf(err, ERR_SIZE, "endpoint %u: unknown environment %s/%s", ep.id,
				 ep.project, ep.env);
			return -EINVAL;
		}
		return model_endpoint_insert(m, &ep, err);
	}
	if (!strcmp(l->word, "endpoint-cni") && !l->arg)
		return parse_endpoint_cni(m, l);
	return -EINVAL;
}

int statefile_load(struct model *m, const char *path, char *err)
{
	struct fabric_config none = {};
	char buf[LINE_MAX_LEN], why[ERR_SIZE];
	int lineno = 0, ret = 0;
	FILE *f;

	model_init(m, &none);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (fgets(buf, sizeof(buf), f)) {
		struct line l;

		lineno++;
		why[0] = '\0';
		if (!strchr(buf, '\n') && !feof(f)) {
			ret = -EINVAL;
			snprintf(why, sizeof(why), "line too long");
			break;
		}
		buf[strcspn(buf, "\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(buf, STATE_MAGIC)) {
				ret = -EINVAL;
				snprintf(why, sizeof(why), "not a warren state file (version 1)");
				break;
			}
			continue;
		}
		if (!buf[0] || buf[0] == '#')
			continue;
		ret = split_line(buf, &l);
		if (!ret && l.word)
			ret = parse_line(m, &l, why);
		if (ret)
			break;
	}
	fclose(f);
	if (!ret && lineno == 0) {
		ret = -EINVAL;
		snprintf(why, sizeof(why), "empty file");
	}
	if (ret) {
		snprintf(err, ERR_SIZE, "%s:%d: %s", path, lineno, why[0] ? why : "malformed line");
		model_free(m);
		return ret < 0 ? -EINVAL : ret;
	}
	return fabric_config_check(&m->cfg, err);
}

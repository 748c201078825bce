// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the runtime tells the plugin: CNI_* environment variables and the
 * network configuration on stdin (one plugin's object of a conflist, with
 * name and cniVersion put in by the runtime):
 *
 *   { "cniVersion": "1.0.0", "name": "warren-shop-prod", "type": "warren",
 *     "project": "shop", "env": "prod",
 *     ["socket": "/run/warren/warrend.sock"], ["service": "app"], ["containerType": "web"] }
 *
 * The endpoint's service comes from, in order: CNI_ARGS WARREN_SERVICE,
 * the runtime's aliases for this network (runtimeConfig.aliases, except
 * the short container id podman adds), the
 * container name (CNI_ARGS K8S_POD_NAME, which podman sets), the
 * netconf's "service". Names are made DNS labels (api_1 -> api-1).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/cni.h"

#define STDIN_MAX (1 << 20)

static const char *const versions[] = { "1.0.0", "1.1.0" };

bool cni_version_supported(const char *v)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(v, versions[i]))
			return true;
	return false;
}

bool cni_version_before(const char *a, const char *b)
{
	unsigned x[3] = {}, y[3] = {};

	sscanf(a, "%u.%u.%u", &x[0], &x[1], &x[2]);
	sscanf(b, "%u.%u.%u", &y[0], &y[1], &y[2]);
	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i];
	return false;
}

static int env_copy(const char *var, char *dst, size_t size, bool required, struct cni_err *e)
{
	const char *v = getenv(var);

	dst[0] = '\0';
	if (!v || !v[0])
		return required ? cni_fail(e, CNI_ERR_ENV, NULL, "%s is not set", var) : 0;
	if (strlen(v) >= size)
		return cni_fail(e, CNI_ERR_ENV, v, "%s is too long", var);
	strcpy(dst, v);
	return 0;
}

/* CNI_ARGS: "K=V;K=V". Keys we do not know are ignored (IgnoreUnknown is the norm). */
static int parse_args(struct cni_req *r, struct cni_err *e)
{
	const char *s = getenv("CNI_ARGS");
	char *copy, *tok, *save;
	int ret = 0;

	if (!s || !s[0])
		return 0;
	copy = strdup(s);
	if (!copy)
		return cni_fail(e, CNI_ERR_IO, NULL, "out of memory");
	for (tok = strtok_r(copy, ";", &save); tok && !ret; tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '=');
		struct { const char *key; char *dst; size_t size; } known[] = {
			{ "WARREN_SERVICE", r->arg_service, sizeof(r->arg_service) },
			{ "WARREN_REPLICA", r->arg_replica, sizeof(r->arg_replica) },
			{ "WARREN_TYPE", r->arg_type, sizeof(r->arg_type) },
			{ "K8S_POD_NAME", r->pod_name, sizeof(r->pod_name) },
		};

		if (!eq || eq == tok) {
			ret = cni_fail(e, CNI_ERR_ENV, tok, "CNI_ARGS: \"%s\" is not KEY=VALUE", tok);
			break;
		}
		*eq = '\0';
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (strcmp(tok, known[i].key))
				continue;
			if (strlen(eq + 1) >= known[i].size)
				ret = cni_fail(e, CNI_ERR_ENV, NULL, "CNI_ARGS: %s is too long", tok);
			else
				strcpy(known[i].dst, eq + 1);
		}
	}
	free(copy);
	if (!ret && r->arg_replica[0]) {
		uint32_t n;

		if (replica_parse(r->arg_replica, &n))
			ret = cni_fail(e, CNI_ERR_ENV, r->arg_replica,
				       "CNI_ARGS: WARREN_REPLICA must be a number from 0 to 99999");
	}
	return ret;
}

static int parse_command(struct cni_req *r, struct cni_err *e)
{
	static const struct { const char *name; enum cni_cmd cmd; } cmds[] = {
		{ "ADD", CMD_ADD }, { "DEL", CMD_DEL }, { "CHECK", CMD_CHECK },
		{ "VERSION", CMD_VERSION }, { "STATUS", CMD_STATUS }, { "GC", CMD_GC },
	};
	const char *c = getenv("CNI_COMMAND");

	if (!c || !c[0])
		return cni_fail(e, CNI_ERR_ENV, NULL, "CNI_COMMAND is not set");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(c, cmds[i].name)) {
			r->cmd = cmds[i].cmd;
			return 0;
		}
	}
	return cni_fail(e, CNI_ERR_ENV, c, "CNI_COMMAND \"%s\" is not a CNI command", c);
}

/* What each command needs from the environment (spec, section "Parameters"). */
static int read_env(struct cni_req *r, struct cni_err *e)
{
	bool container = r->cmd == CMD_ADD || r->cmd == CMD_DEL || r->cmd == CMD_CHECK;
	bool netns = r->cmd == CMD_ADD || r->cmd == CMD_CHECK;

	if (!container)
		return 0;
	if (env_copy("CNI_CONTAINERID", r->container, sizeof(r->container), true, e) ||
	    env_copy("CNI_NETNS", r->netns, sizeof(r->netns), netns, e) ||
	    env_copy("CNI_IFNAME", r->ifname, sizeof(r->ifname), true, e))
		return -1;
	if (!container_id_valid(r->container))
		return cni_fail(e, CNI_ERR_ENV, r->container,
				"CNI_CONTAINERID must be [A-Za-z0-9_.-], starting alphanumeric");
	if (!ifname_valid(r->ifname))
		return cni_fail(e, CNI_ERR_ENV, r->ifname,
				"CNI_IFNAME is not an interface name (1-15 bytes, no / : or space)");
	if (r->netns[0] && r->netns[0] != '/')
		return cni_fail(e, CNI_ERR_ENV, r->netns, "CNI_NETNS must be an absolute path");
	return parse_args(r, e);
}

static int read_stdin(char **out, size_t *len, struct cni_err *e)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t got;

		if (n + 1 == cap) {
			char *bigger = cap < STDIN_MAX ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				free(buf);
				return cni_fail(e, CNI_ERR_DECODE, NULL, "network config is too large");
			}
			buf = bigger;
			cap *= 2;
		}
		got = read(0, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return cni_fail(e, CNI_ERR_IO, strerror(errno), "reading stdin");
		}
		if (got == 0) {
			buf[n] = '\0';	/* room kept above */
			*out = buf;
			*len = n;
			return 0;
		}
		n += (size_t)got;
	}
	return cni_fail(e, CNI_ERR_IO, NULL, "out of memory");
}

/* A string member: absent is fine unless required; another kind is not. */
static int conf_str(const struct jv *conf, const char *key, char *dst, size_t size,
		    bool required, struct cni_err *e)
{
	struct jv *v = jv_get(conf, key);

	dst[0] = '\0';
	if (!v)
		return required ? cni_fail(e, CNI_ERR_CONFIG, NULL,
					   "network config has no \"%s\"", key) : 0;
	if (jv_kind(v) != JV_STRING)
		return cni_fail(e, CNI_ERR_CONFIG, NULL, "network config: \"%s\" must be a string",
				key);
	if (strlen(jv_str(v)) >= size)
		return cni_fail(e, CNI_ERR_CONFIG, NULL, "network config: \"%s\" is too long", key);
	strcpy(dst, jv_str(v));
	return 0;
}

int cni_conf_parse(struct cni_req *r, const char *text, size_t len, struct cni_err *e)
{
	char why[256], type[64];

	if (jv_parse(text, len, &r->conf, why, sizeof(why)))
		return cni_fail(e, CNI_ERR_DECODE, why, "network config on stdin is not JSON");
	if (jv_kind(r->conf) != JV_OBJECT)
		return cni_fail(e, CNI_ERR_DECODE, NULL, "network config must be a JSON object");
	if (conf_str(r->conf, "cniVersion", r->version, sizeof(r->version), true, e))
		return -1;
	/* VERSION is how a runtime learns what we speak: it answers any version. */
	if (r->cmd == CMD_VERSION) {
		if (!cni_version_supported(r->version))
			strcpy(r->version, CNI_VERSION_LATEST);
		return 0;
	}
	if (!cni_version_supported(r->version))
		return cni_fail(e, CNI_ERR_VERSION, "supported: 1.0.0, 1.1.0",
				"incompatible CNI version %s", r->version);
	if (conf_str(r->conf, "name", r->name, sizeof(r->name), true, e) ||
	    conf_str(r->conf, "type", type, sizeof(type), true, e) ||
	    conf_str(r->conf, "project", r->project, sizeof(r->project), true, e) ||
	    conf_str(r->conf, "env", r->env, sizeof(r->env), true, e) ||
	    conf_str(r->conf, "socket", r->socket, sizeof(r->socket), false, e) ||
	    conf_str(r->conf, "service", r->conf_service, sizeof(r->conf_service), false, e) ||
	    conf_str(r->conf, "containerType", r->conf_type, sizeof(r->conf_type), false, e))
		return -1;
	if (strcmp(type, "warren"))
		return cni_fail(e, CNI_ERR_CONFIG, NULL, "network config type is \"%s\", not \"warren\"",
				type);
	if (!name_valid(r->project) || !name_valid(r->env))
		return cni_fail(e, CNI_ERR_CONFIG, NULL,
				"network config: project and env must be DNS labels ([a-z0-9-], 1-63)");
	if (!r->socket[0])
		strcpy(r->socket, CNI_DEFAULT_SOCKET);
	else if (r->socket[0] != '/')
		return cni_fail(e, CNI_ERR_CONFIG, r->socket,
				"network config: \"socket\" must be an absolute path");
	if ((r->cmd == CMD_STATUS || r->cmd == CMD_GC) && cni_version_before(r->version, "1.1.0"))
		return cni_fail(e, CNI_ERR_VERSION, NULL, "%s needs cniVersion 1.1.0 or later",
				r->cmd == CMD_GC ? "GC" : "STATUS");
	return 0;
}

int cni_req_read(struct cni_req *r, struct cni_err *e)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	strcpy(r->version, CNI_VERSION_LATEST);
	if (parse_command(r, e) || read_env(r, e) || read_stdin(&text, &len, e) || !text)
		return -1;
	/* VERSION with nothing on stdin: answer as the newest version. */
	if (r->cmd == CMD_VERSION && strspn(text, " \t\r\n") == len) {
		free(text);
		return 0;
	}
	/* The version first: a bad one is told in the newest version we speak. */
	ret = cni_conf_parse(r, text, len, e);
	if (ret && !cni_version_supported(r->version))
		strcpy(r->version, CNI_VERSION_LATEST);
	free(text);
	return ret;
}

void cni_req_free(struct cni_req *r)
{
	jv_free(r->conf);
	r->conf = NULL;
}

void cni_sanitize(const char *in, char *out, size_t size)
{
	size_t n = 0;
	bool letter = false;

	for (; *in && n + 1 < size && n < NAME_MAX_LEN; in++) {
		char c = (char)tolower((unsigned char)*in);

		if (!isalnum((unsigned char)c) || (c & 0x80))
			c = '-';
		if (c == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		letter |= isalpha((unsigned char)c);
		out[n++] = c;
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (!letter)
		out[0] = '\0';
}

/*
 * The first alias the runtime gives for this network that makes a service
 * name. Podman adds the short container id as an alias of every container:
 * an alias that begins the container id is no name.
 */
static void alias_service(const struct cni_req *r, char *out, size_t size)
{
	struct jv *aliases = jv_get(jv_get(jv_get(r->conf, "runtimeConfig"), "aliases"), r->name);

	out[0] = '\0';
	for (size_t i = 0; i < jv_len(aliases) && !out[0]; i++) {
		const char *s = jv_str(jv_at(aliases, i));

		if (s && strncmp(s, r->container, strlen(s)))
			cni_sanitize(s, out, size);
	}
}

int cni_req_name(struct cni_req *r, struct cni_err *e)
{
	const char *from = "WARREN_SERVICE";

	cni_sanitize(r->arg_service, r->service, sizeof(r->service));
	if (!r->service[0]) {
		from = "an alias";
		alias_service(r, r->service, sizeof(r->service));
	}
	if (!r->service[0]) {
		from = "the container name";
		cni_sanitize(r->pod_name, r->service, sizeof(r->service));
	}
	if (!r->service[0]) {
		from = "the network config";
		cni_sanitize(r->conf_service, r->service, sizeof(r->service));
	}
	if (!r->service[0])
		return cni_fail(e, CNI_ERR_ENV, NULL,
				"no service name: set CNI_ARGS WARREN_SERVICE=NAME, an alias, a "
				"container name or \"service\" in the network config");
	if (!service_name_valid(r->service))
		return cni_fail(e, CNI_ERR_ENV, r->service, "service name from %s is not usable",
				from);
	cni_sanitize(r->arg_type[0] ? r->arg_type : r->conf_type, r->type, sizeof(r->type));
	if ((r->arg_type[0] || r->conf_type[0]) && !r->type[0])
		return cni_fail(e, CNI_ERR_ENV, NULL, "container type has no letter");
	return 0;
}

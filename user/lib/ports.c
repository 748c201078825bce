// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/names.h"
#include "lib/ports.h"

bool port_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	bool letter = false;

	if (n == 0 || n > PORT_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (s[i] == '-' && s[i + 1] == '-')
			return false;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	}
	return letter;
}

const char *port_proto_name(uint8_t proto)
{
	return proto == PORT_TCP ? "tcp" : proto == PORT_UDP ? "udp" : "?";
}

/* Copy [from, to) into dst (size bytes) as a string; false if it does not fit. */
static bool copy_part(char *dst, size_t size, const char *from, const char *to)
{
	size_t n = (size_t)(to - from);

	if (n >= size)
		return false;
	memcpy(dst, from, n);
	dst[n] = '\0';
	return true;
}

static int spec_fault(const char *s, const char *why, struct port_spec *out, char *err,
		      size_t errsize)
{
	snprintf(err, errsize, "port \"%s\": %s", s, why);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int port_spec_parse(const char *s, struct port_spec *out, char *err, size_t errsize)
{
	const char *eq = s ? strchr(s, '=') : NULL, *slash = eq ? strchr(eq, '/') : NULL;
	char num[8];
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (!eq || !slash)
		return spec_fault(s ? s : "", "want NAME=NUMBER/PROTO (e.g. http=8080/tcp)", out,
				  err, errsize);
	if (!copy_part(out->name, sizeof(out->name), s, eq) || !port_name_valid(out->name))
		return spec_fault(s, "the name must be 1-15 of [a-z0-9-] with a letter, no '-' "
				  "at either end or twice in a row (RFC 6335)", out, err, errsize);
	if (!copy_part(num, sizeof(num), eq + 1, slash) || num[0] == '0' ||
	    u32_parse(num, 65535, &v) || v == 0)
		return spec_fault(s, "the number must be 1-65535", out, err, errsize);
	if (!strcmp(slash + 1, "tcp"))
		out->proto = PORT_TCP;
	else if (!strcmp(slash + 1, "udp"))
		out->proto = PORT_UDP;
	else
		return spec_fault(s, "the protocol must be tcp or udp", out, err, errsize);
	out->number = (uint16_t)v;
	return 0;
}

const struct port_spec *port_list_find(const struct port_list *l, const char *name,
				       uint8_t proto)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].proto == proto && !strcmp(l->p[i].name, name))
			return &l->p[i];
	return NULL;
}

int port_list_add(struct port_list *l, const struct port_spec *p, char *err, size_t errsize)
{
	if (port_list_find(l, p->name, p->proto)) {
		snprintf(err, errsize, "port %s/%s given twice", p->name, port_proto_name(p->proto));
		return -EEXIST;
	}
	if (l->n >= PORTS_MAX) {
		snprintf(err, errsize, "at most %d ports per endpoint", PORTS_MAX);
		return -E2BIG;
	}
	l->p[l->n++] = *p;
	return 0;
}

int port_list_parse(const char *s, struct port_list *l, char *err, size_t errsize)
{
	char buf[PORTS_STR_SIZE + 64], *save = NULL, *tok;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	if (!s || !*s)
		return 0;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errsize, "ports: the list is too long (at most %d ports)", PORTS_MAX);
		return -E2BIG;
	}
	/* strtok would skip empty items: "a,,b" must be refused, not read as "a,b". */
	if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,")) {
		snprintf(err, errsize, "ports \"%s\": an empty entry", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		struct port_spec p;

		ret = port_spec_parse(tok, &p, err, errsize);
		if (!ret)
			ret = port_list_add(l, &p, err, errsize);
	}
	if (ret)
		memset(l, 0, sizeof(*l));
	return ret;
}

int port_list_check(const struct port_list *l, char *err, size_t errsize)
{
	struct port_list seen = {};

	if (l->n > PORTS_MAX) {
		snprintf(err, errsize, "at most %d ports per endpoint", PORTS_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct port_spec *p = &l->p[i];
		int ret;

		if (!memchr(p->name, '\0', sizeof(p->name)) || !port_name_valid(p->name) ||
		    !p->number || (p->proto != PORT_TCP && p->proto != PORT_UDP)) {
			snprintf(err, errsize, "port %zu is not NAME=NUMBER/PROTO (an RFC 6335 name, "
				 "1-65535, tcp or udp)", i + 1);
			return -EINVAL;
		}
		ret = port_list_add(&seen, p, err, errsize);
		if (ret)
			return ret;
	}
	return 0;
}

void port_list_format(const struct port_list *l, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && len < size; i++) {
		int n = snprintf(out + len, size - len, "%s%s=%u/%s", i ? "," : "", l->p[i].name,
				 l->p[i].number, port_proto_name(l->p[i].proto));

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

bool port_list_equal(const struct port_list *a, const struct port_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->p[i].name, b->p[i].name) || a->p[i].number != b->p[i].number ||
		    a->p[i].proto != b->p[i].proto)
			return false;
	return true;
}

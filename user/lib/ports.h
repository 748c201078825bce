/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Named ports an endpoint declares (`port http=8080/tcp`), which DNS
 * answers as SRV records (_http._tcp.<service>). One spelling everywhere:
 * NAME=NUMBER/PROTO, a list of them joined by commas (state file, fleet
 * state, control socket's answers).
 *
 * NAME is an RFC 6335 service name in lower case: 1..15 of [a-z0-9-], at
 * least one letter, no '-' at either end and no "--". NUMBER is 1..65535
 * without leading zeros, PROTO tcp or udp. A NAME/PROTO pair at most once
 * per endpoint, at most PORTS_MAX ports.
 */
#ifndef WARREN_PORTS_H
#define WARREN_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTS_MAX 8
#define PORT_NAME_MAX 15
#define PORT_NAME_SIZE (PORT_NAME_MAX + 1)
/* The longest list: 8 x "123456789012345=65535/udp," */
#define PORTS_STR_SIZE (PORTS_MAX * (PORT_NAME_MAX + 11) + 1)

enum port_proto {
	PORT_TCP = 6,			/* IPPROTO_TCP */
	PORT_UDP = 17,			/* IPPROTO_UDP */
};

struct port_spec {
	char name[PORT_NAME_SIZE];
	uint16_t number;
	uint8_t proto;			/* enum port_proto */
};

struct port_list {
	struct port_spec p[PORTS_MAX];
	uint8_t n;
};

bool port_name_valid(const char *s);
/* "tcp"/"udp" */
const char *port_proto_name(uint8_t proto);

/*
 * Parse one NAME=NUMBER/PROTO. -EINVAL with the reason in err (errsize
 * bytes), naming the spec as given.
 */
int port_spec_parse(const char *s, struct port_spec *out, char *err, size_t errsize);
/* Append one; -EEXIST for a NAME/PROTO already there, -E2BIG past PORTS_MAX. */
int port_list_add(struct port_list *l, const struct port_spec *p, char *err, size_t errsize);
/* A comma-separated list ("" is none) into *l; on failure *l is empty. */
int port_list_parse(const char *s, struct port_list *l, char *err, size_t errsize);
/*
 * Check a list built elsewhere (not by port_list_parse: a fleet state from
 * another source, a caller's struct) by the same rules.
 */
int port_list_check(const struct port_list *l, char *err, size_t errsize);
/* The list as text ("" for none) into out (PORTS_STR_SIZE bytes). */
void port_list_format(const struct port_list *l, char *out, size_t size);
bool port_list_equal(const struct port_list *a, const struct port_list *b);
/* The port of that name and protocol, or NULL. */
const struct port_spec *port_list_find(const struct port_list *l, const char *name,
				       uint8_t proto);

#endif

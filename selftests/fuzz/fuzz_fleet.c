// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the fleet state parser: any bytes as a file. What
 * parses must format canonically and parse back to the same bytes; what
 * does not must say why in a terminated line and return nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fabric_config cfg;
	struct fleet f, g;
	char err[ERR_SIZE], *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	if (!cfg.fabric4.len) {
		prefix4_parse("10.210.0.0/16", &cfg.fabric4);
		prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	}
	err[0] = '\0';
	if (fleet_parse((const char *)data, size, &cfg, &f, err)) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0] || f.hosts || f.envs || f.endpoints)
			__builtin_trap();
		return 0;
	}
	if (fleet_format(&f, &a, &la))
		__builtin_trap();
	if (fleet_parse(a, la, &cfg, &g, err))
		__builtin_trap();	/* the canonical form must parse */
	if (fleet_format(&g, &b, &lb) || la != lb || memcmp(a, b, la))
		__builtin_trap();	/* and be a fixed point */
	if (g.n_hosts != f.n_hosts || g.n_envs != f.n_envs || g.n_endpoints != f.n_endpoints)
		__builtin_trap();
	free(a);
	free(b);
	fleet_free(&g);
	fleet_free(&f);
	return 0;
}

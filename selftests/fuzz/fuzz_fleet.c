// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the fleet state parser: any bytes as a file. What
 * parses must pass fleet_check, format canonically and parse back to the
 * same bytes; what does not must say why in a terminated line and return
 * nothing. ASan's leak check sees anything left behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fabric_config cfg;
	struct fleet f, g, c;
	char err[ERR_SIZE], *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	if (!cfg.fabric4.len) {
		prefix4_parse("10.210.0.0/16", &cfg.fabric4);
		prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	}
	memset(err, 'x', sizeof(err));
	if (fleet_parse((const char *)data, size, &cfg, &f, err)) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0] || f.hosts || f.envs ||
		    f.endpoints || f.n_hosts || f.n_envs || f.n_endpoints)
			abort();
		return 0;
	}
	if (fleet_check(&f, &cfg, err))
		abort();	/* what parses is consistent */
	if (fleet_format(&f, &a, &la))
		abort();
	if (fleet_parse(a, la, &cfg, &g, err))
		abort();	/* the canonical form parses */
	if (fleet_format(&g, &b, &lb) || la != lb || memcmp(a, b, la))
		abort();	/* and is a fixed point */
	if (g.n_hosts != f.n_hosts || g.n_envs != f.n_envs || g.n_endpoints != f.n_endpoints)
		abort();
	if (fleet_copy(&c, &f) || c.n_endpoints != f.n_endpoints ||
	    (f.n_endpoints && memcmp(c.endpoints, f.endpoints, f.n_endpoints * sizeof(*f.endpoints))))
		abort();
	if (f.n_hosts) {
		/* Removing a host takes its endpoints and leaves a consistent fleet. */
		fleet_host_remove(&c, f.hosts[0].name);
		if (c.n_hosts != f.n_hosts - 1 || fleet_check(&c, &cfg, err))
			abort();
		for (size_t i = 0; i < c.n_endpoints; i++)
			if (!strcmp(c.endpoints[i].host, f.hosts[0].name))
				abort();
	}
	fleet_free(&c);
	free(a);
	free(b);
	fleet_free(&g);
	fleet_free(&f);
	return 0;
}

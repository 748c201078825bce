// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "core/agent.h"
#include "core/counters.h"

int counters_each_env(struct agent *a, env_counters_fn fn, void *arg)
{
	struct env_counters ec = { .project = "", .env = "", .env_id = WARREN_ENV_NONE };
	int ret;

	ret = maps_counters_read(&a->dp, WARREN_ENV_NONE, &ec.c);
	if (ret)
		return ret;
	fn(arg, &ec);
	for (size_t i = 0; i < a->model.n_envs; i++) {
		const struct env *e = &a->model.envs[i];

		ec.project = e->project;
		ec.env = e->name;
		ec.env_id = e->id;
		ret = maps_counters_read(&a->dp, e->id, &ec.c);
		if (ret)
			return ret;
		fn(arg, &ec);
	}
	return 0;
}

const char *dns_fell_name(enum warren_dns_fell r)
{
	static const char *const names[WARREN_DNS_FELL__MAX] = {
		"not_query", "tcp", "malformed", "header", "name", "type", "edns", "miss",
		"build", "error",
	};

	return (unsigned int)r < WARREN_DNS_FELL__MAX ? names[r] : "unknown";
}

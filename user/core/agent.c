// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's state on disk: loaded once at start, saved after every
 * change. The parts that change it (endpoint, project, mesh) call only
 * this file, which calls only the state file's code: warrend.c starts
 * them, they never call back into warrend.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/statefile.h"
#include "lib/log.h"

int agent_save(struct agent *a, char *err)
{
	return statefile_save(&a->model, a->state_path, err);
}

static int mkdir_parent(const char *path)
{
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool same_config(const struct fabric_config *a, const struct fabric_config *b)
{
	return a->fabric4.addr == b->fabric4.addr && a->fabric4.len == b->fabric4.len &&
	       a->host4.addr == b->host4.addr && a->host4.len == b->host4.len &&
	       !memcmp(a->fabric6.addr, b->fabric6.addr, 16) && a->fabric6.len == b->fabric6.len &&
	       !memcmp(a->host6.addr, b->host6.addr, 16) && a->host6.len == b->host6.len;
}

/* The saved state if there is one, else an empty model for this config. */
static int load_state(struct agent *a, const struct fabric_config *cfg, char *err)
{
	int ret = statefile_load(&a->model, a->state_path, err);

	if (ret == -ENOENT) {
		model_init(&a->model, cfg);
		return 0;
	}
	if (ret)
		return ret;
	if (!same_config(&a->model.cfg, cfg)) {
		snprintf(err, ERR_SIZE,
			 "%s was written for other prefixes; start with the same ones or --teardown",
			 a->state_path);
		model_free(&a->model);
		return -EINVAL;
	}
	pr_info("state %s: %zu projects, %zu environments, %zu endpoints\n", a->state_path,
		a->model.n_projects, a->model.n_envs, a->model.n_endpoints);
	return 0;
}

int agent_load(struct agent *a, const struct fabric_config *cfg, char *err)
{
	int ret = mkdir_parent(a->state_path);

	if (ret) {
		snprintf(err, ERR_SIZE, "state directory of %s: %s", a->state_path, strerror(-ret));
		return ret;
	}
	return load_state(a, cfg, err);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Projects and environments: names the datapath knows only as env ids. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/agent.h"
#include "directory/directory.h"
#include "lib/log.h"

static const char *need(const struct kv *req, const char *key, char *err)
{
	const char *v = kv_get(req, key);

	if (!v)
		snprintf(err, ERR_SIZE, "missing %s", key);
	return v;
}

/* Apply a model change, persist it, or roll it back with undo. */
static int commit(struct agent *a, int ret, void (*undo)(struct agent *, const struct kv *),
		  const struct kv *req, char *err)
{
	if (ret)
		return ret;
	ret = agent_save(a, err);
	if (ret)
		undo(a, req);
	return ret;
}

static void undo_project_add(struct agent *a, const struct kv *req)
{
	model_project_del(&a->model, kv_get(req, "project"), NULL);
}

static void undo_project_del(struct agent *a, const struct kv *req)
{
	model_project_add(&a->model, kv_get(req, "project"), NULL);
}

int handle_project_add(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err);

	int ret;

	if (!p)
		return -EINVAL;
	ret = commit(a, model_project_add(&a->model, p, err), undo_project_add, req, err);
	if (!ret)
		directory_project_changed(a, p, true);
	return ret;
}

int handle_project_del(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err);

	int ret;

	if (!p)
		return -EINVAL;
	ret = commit(a, model_project_del(&a->model, p, err), undo_project_del, req, err);
	if (!ret)
		directory_project_changed(a, p, false);
	return ret;
}

int handle_project_list(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	for (size_t i = 0; i < a->model.n_projects; i++) {
		const char *name = a->model.projects[i].name;
		size_t envs = 0;

		for (size_t j = 0; j < a->model.n_envs; j++)
			envs += !strcmp(a->model.envs[j].project, name);
		kv_add(resp, "record", "project");
		kv_add(resp, "project", name);
		kv_addf(resp, "envs", "%zu", envs);
	}
	return 0;
}

int handle_env_add(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err), *e = p ? need(req, "env", err) : NULL;
	const char *v6 = kv_get(req, "ipv6-only");
	struct env *env;
	int ret;

	if (!p || !e)
		return -EINVAL;
	if (v6 && strcmp(v6, "0") && strcmp(v6, "1")) {
		snprintf(err, ERR_SIZE, "ipv6-only must be 0 or 1");
		return -EINVAL;
	}
	ret = model_env_add(&a->model, p, e, v6 && v6[0] == '1', err);
	if (ret)
		return ret;
	env = model_env_find(&a->model, p, e);
	/* A recycled id must not inherit the counters of the environment before it. */
	ret = maps_env_reset(&a->dp, env->id, model_slot_end(&a->model));
	if (ret)
		snprintf(err, ERR_SIZE, "resetting counters of env id %u: %s", env->id,
			 strerror(-ret));
	if (!ret)
		ret = agent_save(a, err);
	if (ret) {
		model_env_del(&a->model, p, e, NULL);
		return ret;
	}
	directory_env_changed(a, p, e, env->ipv6_only, true);
	kv_add(resp, "record", "env");
	kv_add(resp, "project", p);
	kv_add(resp, "env", e);
	kv_addf(resp, "env-id", "%u", env->id);
	return 0;
}

int handle_env_del(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = need(req, "project", err), *e = p ? need(req, "env", err) : NULL;
	struct env saved, *env;
	int ret;

	if (!p || !e)
		return -EINVAL;
	env = model_env_find(&a->model, p, e);
	if (env)
		saved = *env;
	ret = model_env_del(&a->model, p, e, err);
	if (ret)
		return ret;
	ret = agent_save(a, err);
	if (ret) {
		/* Put it back with the same id. */
		model_env_add(&a->model, saved.project, saved.name, saved.ipv6_only, NULL);
		model_env_find(&a->model, p, e)->id = saved.id;
	} else {
		directory_env_changed(a, p, e, false, false);
	}
	return ret;
}

int handle_env_list(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	for (size_t i = 0; i < a->model.n_envs; i++) {
		const struct env *e = &a->model.envs[i];
		size_t eps = 0;

		for (size_t j = 0; j < a->model.n_endpoints; j++)
			eps += !strcmp(a->model.endpoints[j].project, e->project) &&
			       !strcmp(a->model.endpoints[j].env, e->name);
		kv_add(resp, "record", "env");
		kv_add(resp, "project", e->project);
		kv_add(resp, "env", e->name);
		kv_addf(resp, "env-id", "%u", e->id);
		kv_add(resp, "ipv6-only", e->ipv6_only ? "1" : "0");
		kv_addf(resp, "endpoints", "%zu", eps);
	}
	return 0;
}

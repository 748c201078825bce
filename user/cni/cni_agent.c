// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plugin's requests to warrend, over the control socket named in the
 * netconf ("socket"), with warrenctl's client: attachment-add, -del,
 * -check, -gc (user/core/attachment.c) and env-list for STATUS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "ctl/client.h"

/* 0 when warrend answered (its errno in *agent_errno), else an error in e. */
static int call(const struct cni_req *r, const struct kv *req, struct kv *resp,
		int *agent_errno, int unreachable_code, struct cni_err *e)
{
	char why[512];
	const char *v;

	kv_init(resp);
	if (client_request(r->socket, req, resp, why, sizeof(why)))
		return cni_fail(e, unreachable_code, why, "warrend does not answer");
	v = kv_get(resp, "errno");
	*agent_errno = v ? atoi(v) : EPROTO;
	return 0;
}

static const char *reason(const struct kv *resp)
{
	const char *v = kv_get(resp, "error");

	return v ? v : "no reason given";
}

/* The request every attachment command starts with. */
static int attachment_req(struct kv *req, const char *cmd, const struct cni_req *r)
{
	kv_init(req);
	return kv_add(req, "cmd", cmd) || kv_add(req, "container", r->container) ||
	       kv_add(req, "ifname", r->ifname) || (r->netns[0] && kv_add(req, "netns", r->netns));
}

int cni_agent_add(const struct cni_req *r, struct kv *resp, struct cni_err *e)
{
	struct kv req;
	int err = 0, ret;

	ret = attachment_req(&req, "attachment-add", r) || kv_add(&req, "project", r->project) ||
	      kv_add(&req, "env", r->env) || kv_add(&req, "service", r->service) ||
	      (r->type[0] && kv_add(&req, "type", r->type)) ||
	      (r->arg_replica[0] && kv_add(&req, "replica", r->arg_replica));
	if (ret)
		ret = cni_fail(e, CNI_ERR_IO, NULL, "building the request: out of memory");
	else
		ret = call(r, &req, resp, &err, CNI_ERR_TRY_AGAIN, e);
	kv_free(&req);
	if (ret || !err)
		return ret;
	ret = err == ENOENT && strstr(reason(resp), "unknown") ? CNI_ERR_CONFIG : CNI_ERR_REFUSED;
	cni_fail(e, ret, reason(resp), "warrend refused the attachment of %s/%s", r->project,
		 r->env);
	kv_free(resp);
	return -1;
}

int cni_agent_del(const struct cni_req *r, struct cni_err *e)
{
	struct kv req, resp;
	int err = 0, ret;

	kv_init(&resp);
	if (attachment_req(&req, "attachment-del", r))
		ret = cni_fail(e, CNI_ERR_IO, NULL, "building the request: out of memory");
	else
		ret = call(r, &req, &resp, &err, CNI_ERR_TRY_AGAIN, e);
	kv_free(&req);
	if (!ret && err)
		ret = cni_fail(e, CNI_ERR_REFUSED, reason(&resp), "warrend could not detach %s",
			       r->container);
	kv_free(&resp);
	return ret;
}

int cni_agent_check(const struct cni_req *r, struct kv *resp, struct cni_err *e)
{
	struct kv req;
	int err = 0, ret;

	if (attachment_req(&req, "attachment-check", r))
		ret = cni_fail(e, CNI_ERR_IO, NULL, "building the request: out of memory");
	else
		ret = call(r, &req, resp, &err, CNI_ERR_TRY_AGAIN, e);
	kv_free(&req);
	if (ret || !err)
		return ret;
	if (err == ENOENT)
		cni_fail(e, CNI_ERR_NO_CONTAINER, reason(resp), "container %s is not attached",
			 r->container);
	else if (err == ENODEV || err == ENODATA || err == EXDEV)
		cni_fail(e, CNI_ERR_DRIFT, reason(resp), "the attachment of %s has drifted",
			 r->container);
	else
		cni_fail(e, CNI_ERR_REFUSED, reason(resp), "warrend could not check %s",
			 r->container);
	kv_free(resp);
	return -1;
}

/* "cni.dev/valid-attachments": [{"containerID": ..., "ifname": ...}, ...] */
static int add_valid(struct kv *req, const struct jv *list, struct cni_err *e)
{
	if (jv_kind(list) != JV_ARRAY)
		return cni_fail(e, CNI_ERR_CONFIG, NULL,
				"GC needs \"cni.dev/valid-attachments\" as an array");
	for (size_t i = 0; i < jv_len(list); i++) {
		const char *c = jv_str(jv_get(jv_at(list, i), "containerID"));
		const char *ifn = jv_str(jv_get(jv_at(list, i), "ifname"));

		if (!container_id_valid(c) || !ifname_valid(ifn))
			return cni_fail(e, CNI_ERR_CONFIG, NULL,
					"cni.dev/valid-attachments[%zu] needs a containerID and an "
					"ifname", i);
		if (kv_addf(req, "valid", "%s/%s", c, ifn))
			return cni_fail(e, CNI_ERR_IO, NULL, "out of memory");
	}
	return 0;
}

int cni_agent_gc(const struct cni_req *r, struct cni_err *e)
{
	struct kv req, resp;
	int err = 0, ret;

	kv_init(&req);
	kv_init(&resp);
	if (kv_add(&req, "cmd", "attachment-gc") || kv_add(&req, "project", r->project) ||
	    kv_add(&req, "env", r->env))
		ret = cni_fail(e, CNI_ERR_IO, NULL, "building the request: out of memory");
	else
		ret = add_valid(&req, jv_get(r->conf, "cni.dev/valid-attachments"), e);
	if (!ret)
		ret = call(r, &req, &resp, &err, CNI_ERR_TRY_AGAIN, e);
	kv_free(&req);
	if (ret)
		return ret;
	/* An environment the host does not have holds no attachment to collect. */
	if (err && err != ENOENT)
		ret = cni_fail(e, CNI_ERR_REFUSED, reason(&resp), "warrend could not collect %s/%s",
			       r->project, r->env);
	kv_free(&resp);
	return ret;
}

int cni_agent_status(const struct cni_req *r, struct cni_err *e)
{
	struct kv req, resp;
	bool found = false;
	int err = 0, ret;

	kv_init(&req);
	kv_init(&resp);
	ret = kv_add(&req, "cmd", "env-list") ? cni_fail(e, CNI_ERR_IO, NULL, "out of memory") :
						 call(r, &req, &resp, &err, CNI_ERR_UNAVAILABLE, e);
	kv_free(&req);
	if (ret)
		return ret;
	/* Records are project=, env= pairs in order. */
	for (size_t i = 0; i + 1 < resp.n && !err; i++)
		found |= !strcmp(resp.pairs[i].key, "project") &&
			 !strcmp(resp.pairs[i].value, r->project) &&
			 !strcmp(resp.pairs[i + 1].key, "env") &&
			 !strcmp(resp.pairs[i + 1].value, r->env);
	if (err)
		ret = cni_fail(e, CNI_ERR_UNAVAILABLE, reason(&resp), "warrend refused env-list");
	else if (!found)
		ret = cni_fail(e, CNI_ERR_UNAVAILABLE, NULL,
			       "environment %s/%s is not on this host's warrend", r->project, r->env);
	kv_free(&resp);
	return ret;
}

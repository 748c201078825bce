// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warren-cni: CNI_COMMAND dispatch. Exit 0 with the result (ADD) or
 * nothing (DEL, CHECK, GC, STATUS) on stdout; exit 1 with the spec's error
 * object on stdout otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cni/cni.h"

static int cmd_add(struct cni_req *r, struct cni_err *e)
{
	struct kv rec;
	int ret;

	if (cni_req_name(r, e))
		return -1;
	/* A namespace that is not there means there is no container to attach. */
	if (access(r->netns, F_OK))
		return cni_fail(e, CNI_ERR_NO_CONTAINER, r->netns, "CNI_NETNS does not exist");
	if (cni_agent_add(r, &rec, e))
		return -1;
	ret = cni_print_result(r, &rec, e);
	kv_free(&rec);
	return ret;
}

/* Every address of prevResult must be the one warrend holds for the container. */
static int check_prev(const struct cni_req *r, const struct kv *rec, struct cni_err *e)
{
	struct jv *ips = jv_get(jv_get(r->conf, "prevResult"), "ips");
	const char *v4 = kv_get(rec, "ipv4"), *v6 = kv_get(rec, "ipv6");

	for (size_t i = 0; i < jv_len(ips); i++) {
		const char *a = jv_str(jv_get(jv_at(ips, i), "address"));
		size_t n = a ? strcspn(a, "/") : 0;

		if (!a)
			return cni_fail(e, CNI_ERR_DECODE, NULL, "prevResult.ips[%zu] has no address",
					i);
		if ((v4 && strlen(v4) == n && !strncmp(a, v4, n)) ||
		    (v6 && strlen(v6) == n && !strncmp(a, v6, n)))
			continue;
		return cni_fail(e, CNI_ERR_DRIFT, a, "prevResult has an address warrend does not "
				"hold for %s", r->container);
	}
	return 0;
}

static int cmd_check(struct cni_req *r, struct cni_err *e)
{
	struct kv rec;
	int ret;

	if (cni_agent_check(r, &rec, e))
		return -1;
	ret = check_prev(r, &rec, e);
	kv_free(&rec);
	return ret;
}

int main(int argc, char **argv)
{
	struct cni_req r;
	struct cni_err e = {};
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: warren-cni (run by a container runtime: CNI_COMMAND=ADD|DEL|CHECK|"
		       "VERSION|STATUS|GC, the network config on stdin; see warren-cni(8))\n");
		return 0;
	}
	ret = cni_req_read(&r, &e);
	if (!ret) {
		switch (r.cmd) {
		case CMD_ADD:
			ret = cmd_add(&r, &e);
			break;
		case CMD_DEL:
			ret = cni_agent_del(&r, &e);
			break;
		case CMD_CHECK:
			ret = cmd_check(&r, &e);
			break;
		case CMD_GC:
			ret = cni_agent_gc(&r, &e);
			break;
		case CMD_STATUS:
			ret = cni_agent_status(&r, &e);
			break;
		case CMD_VERSION:
			cni_print_version(r.version);
			break;
		}
	}
	if (ret)
		cni_print_error(r.version, &e);
	cni_req_free(&r);
	return ret ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * warren-cni: the CNI plugin (spec 1.0.0 and 1.1.0). A container runtime
 * runs it with CNI_* in the environment and the network configuration on
 * stdin; it asks the local warrend over its control socket and prints the
 * result or the error as JSON on stdout. It never touches the kernel.
 *
 *   cni_config.c  environment and stdin netconf -> struct cni_req
 *   cni_agent.c   the requests to warrend (attachment-*, status)
 *   cni_result.c  results and errors as the spec shapes them
 *   cni_main.c    command dispatch
 */
#ifndef WARREN_CNI_H
#define WARREN_CNI_H

#include <net/if.h>
#include <stdbool.h>

#include "lib/json.h"
#include "lib/kv.h"
#include "lib/names.h"

#define CNI_VERSION_LATEST "1.1.0"
#define CNI_DEFAULT_SOCKET "/run/warren/warrend.sock"

/* Error codes: 1-99 are the spec's (well-known), 100+ are warren's own. */
enum cni_code {
	CNI_ERR_VERSION = 1,		/* incompatible CNI version */
	CNI_ERR_FIELD = 2,		/* unsupported field in network configuration */
	CNI_ERR_NO_CONTAINER = 3,	/* container unknown or does not exist */
	CNI_ERR_ENV = 4,		/* invalid necessary environment variables */
	CNI_ERR_IO = 5,			/* I/O failure */
	CNI_ERR_DECODE = 6,		/* failed to decode content */
	CNI_ERR_CONFIG = 7,		/* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,		/* try again later (warrend unreachable) */
	CNI_ERR_UNAVAILABLE = 50,	/* STATUS: cannot service ADD */
	CNI_ERR_REFUSED = 100,		/* warrend refused the request (details: its reason) */
	CNI_ERR_DRIFT = 101,		/* CHECK: the attachment is not as it was made */
};

struct cni_err {
	int code;
	char msg[256];
	char details[1024];
};

enum cni_cmd { CMD_ADD, CMD_DEL, CMD_CHECK, CMD_VERSION, CMD_STATUS, CMD_GC };

struct cni_req {
	enum cni_cmd cmd;
	/* environment */
	char container[CONTAINER_ID_SIZE];
	char netns[NETNS_SIZE];
	char ifname[IF_NAMESIZE];
	/* CNI_ARGS (and K8S_POD_NAME, the container name podman passes) */
	char arg_service[256], arg_replica[16], arg_type[256], pod_name[256];
	/* netconf */
	char version[16];
	char name[256];
	char project[NAME_SIZE], env[NAME_SIZE];
	char socket[108];
	char conf_service[256], conf_type[256];
	struct jv *conf;		/* the whole netconf, owned */
	/* derived: what the endpoint is called */
	char service[NAME_SIZE], type[NAME_SIZE];
};

/* Fill r from the environment and stdin; on failure e says why (cni_config.c). */
int cni_req_read(struct cni_req *r, struct cni_err *e);
void cni_req_free(struct cni_req *r);
/* The netconf part alone, for r->cmd (the fuzz target's entry: selftests/fuzz/fuzz_cni.c). */
int cni_conf_parse(struct cni_req *r, const char *text, size_t len, struct cni_err *e);
/* Decide the service name and type for ADD (cni_config.c). */
int cni_req_name(struct cni_req *r, struct cni_err *e);
/* A runtime's container name as a DNS label with a letter, or "" (cni_config.c). */
void cni_sanitize(const char *in, char *out, size_t size);
bool cni_version_supported(const char *v);
/* Does version a come before b (x.y.z)? */
bool cni_version_before(const char *a, const char *b);

/* Set e and return -1 (cni_result.c). */
int cni_fail(struct cni_err *e, int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print the error object on stdout (in version, or the latest when that is unknown). */
void cni_print_error(const char *version, const struct cni_err *e);
/* Print an ADD/CHECK result from the agent's attachment record. */
int cni_print_result(const struct cni_req *r, const struct kv *rec, struct cni_err *e);
void cni_print_version(const char *version);

/*
 * One request to warrend; its answer in resp. Unreachable: code 11 (or 50
 * for STATUS); refused: code from its errno (cni_agent.c).
 */
int cni_agent_add(const struct cni_req *r, struct kv *resp, struct cni_err *e);
int cni_agent_del(const struct cni_req *r, struct cni_err *e);
int cni_agent_check(const struct cni_req *r, struct kv *resp, struct cni_err *e);
int cni_agent_gc(const struct cni_req *r, struct cni_err *e);
int cni_agent_status(const struct cni_req *r, struct cni_err *e);

#endif

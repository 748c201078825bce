/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* warrenctl: shared pieces of the subcommands (ctl_*.c). */
#ifndef WARREN_CTL_H
#define WARREN_CTL_H

#include <stdbool.h>

#include "lib/kv.h"

/* Exit codes, as ip(8) and wg(8): */
#define EXIT_OK 0
#define EXIT_FAIL 1	/* the agent refused or could not be reached */
#define EXIT_USAGE 2	/* the command line is wrong; nothing was sent */

struct ctl {
	const char *sock;
	bool json;
};

/* `keyword value` or bare `keyword` arguments, ip(8) style. */
struct keyword {
	const char *name;
	bool has_value;
	bool required;
};

/* Fill req from argv; prints what is wrong and returns EXIT_USAGE. */
int parse_keywords(const char *cmd, int argc, char **argv, const struct keyword *kws,
		   struct kv *req);
/* Send, check the agent's errno, print its error. EXIT_OK or EXIT_FAIL. */
int ctl_request(const struct ctl *c, struct kv *req, struct kv *resp);
bool is_help(const char *arg);

int ctl_project(const struct ctl *c, int argc, char **argv);
int ctl_env(const struct ctl *c, int argc, char **argv);
int ctl_endpoint(const struct ctl *c, int argc, char **argv);
int ctl_service(const struct ctl *c, int argc, char **argv);
int ctl_status(const struct ctl *c, int argc, char **argv);
int ctl_apply(const struct ctl *c, int argc, char **argv);
int ctl_host(const struct ctl *c, int argc, char **argv);
int ctl_monitor(const struct ctl *c, int argc, char **argv);
int ctl_events(const struct ctl *c, int argc, char **argv);

#endif

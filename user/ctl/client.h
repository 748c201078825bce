/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* warrenctl's side of the control socket. */
#ifndef WARREN_CLIENT_H
#define WARREN_CLIENT_H

#include "lib/kv.h"

/*
 * Send req to the agent at sock_path and parse its response into resp.
 * Returns 0 when the agent answered (its own errno is in resp), or -errno
 * when it could not be reached, with a message printed.
 */
int client_call(const char *sock_path, const struct kv *req, struct kv *resp);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* warrenctl's side of the control socket. */
#ifndef WARREN_CLIENT_H
#define WARREN_CLIENT_H

#include <stddef.h>

#include "lib/kv.h"

/*
 * Send req to the agent at sock_path and parse its response into resp.
 * Returns 0 when the agent answered (its own errno is in resp), or -errno
 * when it could not be reached, with a message printed.
 */
int client_call(const char *sock_path, const struct kv *req, struct kv *resp);
/* The same, printing nothing: the reason it could not be reached goes to err. */
int client_request(const char *sock_path, const struct kv *req, struct kv *resp, char *err,
		   size_t errlen);

/*
 * For a stream (monitor): connect and send req, leaving the connection
 * open. The connected fd, or -errno with the reason in err.
 */
int client_open(const char *sock_path, const struct kv *req, char *err, size_t errlen);

#endif

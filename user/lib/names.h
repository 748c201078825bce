/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a valid name is, in one place: the agent, the CLI and DNS agree. */
#ifndef WARREN_NAMES_H
#define WARREN_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DNS label (RFC 1123): 1..63 of [a-z0-9-], no leading/trailing '-'. */
#define NAME_MAX_LEN 63
#define NAME_SIZE (NAME_MAX_LEN + 1)
/* A netns name or absolute path, printable, no white space. */
#define NETNS_SIZE 256

bool name_valid(const char *s);
/*
 * A service or container type name: a DNS label with at least one
 * non-digit, so "3.api" (replica 3) can never be read as a type "3".
 */
bool service_name_valid(const char *s);
/*
 * Replica indexes are plain decimal (they become DNS labels: "0.web").
 * Returns 0 and the value, or -EINVAL.
 */
int replica_parse(const char *s, uint32_t *out);
/* A name under /run/netns or an absolute path; no white space, no "..". */
bool netns_ref_valid(const char *s);
/*
 * A container runtime's id for a container (CNI_CONTAINERID): 1..127 of
 * [A-Za-z0-9_.-], starting with an alphanumeric (the CNI spec's rule).
 */
#define CONTAINER_ID_SIZE 128
bool container_id_valid(const char *s);
/* An interface name the kernel takes: 1..15 bytes, no '/', ':' or white space, not "." or "..". */
bool ifname_valid(const char *s);
/* Parse an unsigned decimal in [0, max]; -EINVAL otherwise. */
int u32_parse(const char *s, uint32_t max, uint32_t *out);

#endif

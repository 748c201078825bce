/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Entering a workload's network namespace the way iproute2 does: setns()
 * on the netns fd, and back again; never by running `ip netns exec`.
 */
#ifndef WARREN_NETNS_H
#define WARREN_NETNS_H

/*
 * Open a network namespace by name (/run/netns/NAME, as `ip netns add`
 * makes them) or by absolute path (/proc/PID/ns/net, a bind mount, ...).
 * Returns an O_RDONLY|O_CLOEXEC fd, or -errno (-ENOENT when missing,
 * -EINVAL when the path is not a network namespace).
 */
int netns_open(const char *name_or_path);

/*
 * Switch the calling thread into the netns behind fd. *saved receives an
 * fd of the namespace we came from, for netns_leave(). Returns 0 or -errno.
 */
int netns_enter(int fd, int *saved);

/* Go back to the namespace saved by netns_enter() and close it. */
int netns_leave(int saved);

#endif

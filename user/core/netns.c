// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "core/netns.h"

#define NETNS_RUN_DIR "/run/netns"

int netns_open(const char *name_or_path)
{
	char path[PATH_MAX];
	int fd, type, n;

	if (name_or_path[0] == '/')
		n = snprintf(path, sizeof(path), "%s", name_or_path);
	else if (!name_or_path[0] || strchr(name_or_path, '/'))
		return -EINVAL;	/* neither a name `ip netns add` accepts nor a path */
	else
		n = snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name_or_path);
	if (n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Anything else (a regular file, another namespace type) is refused. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int netns_enter(int fd, int *saved)
{
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET)) {
		int ret = -errno;

		close(*saved);
		*saved = -1;
		return ret;
	}
	return 0;
}

int netns_leave(int saved)
{
	int ret = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET))
		ret = -errno;
	close(saved);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/attach.h"
#include "lib/log.h"
#include "veth.skel.h"

/*
 * Debian 12's libbpf (1.1) predates tcx, but bpf_link_create() passes an
 * attach type it does not know straight to the kernel, which is all tcx
 * needs. Values from include/uapi/linux/bpf.h (6.6).
 */
#define WARREN_BPF_TCX_INGRESS 46
#define WARREN_BPF_TCX_EGRESS 47

/* clsact filters: one handle/priority of ours, replaced in place on restart. */
#define TC_HANDLE 0x77
#define TC_PRIO 0x77

struct direction {
	const char *suffix;
	int tcx_type;
	enum bpf_tc_attach_point tc_point;
};

static const struct direction dirs[2] = {
	{ "in", WARREN_BPF_TCX_INGRESS, BPF_TC_INGRESS },	/* from the workload */
	{ "eg", WARREN_BPF_TCX_EGRESS, BPF_TC_EGRESS },	/* into the workload */
};

const char *hook_mode_name(enum hook_mode mode)
{
	return mode == HOOK_TCX ? "tcx" : mode == HOOK_CLSACT ? "clsact" : "auto";
}

static int prog_fd(struct datapath *dp, int d)
{
	return bpf_program__fd(d == 0 ? dp->skel->progs.warren_from_wl : dp->skel->progs.warren_to_wl);
}

/*
 * Ask the kernel without touching an interface: a tcx link on an ifindex
 * that cannot exist fails with ENODEV where tcx exists (the attach type is
 * known, the device is not) and with EINVAL before 6.6, where the attach
 * type is unknown. Anything else leaves the choice to the first attach.
 */
enum hook_mode hook_mode_detect(struct datapath *dp)
{
	int fd = bpf_link_create(prog_fd(dp, 0), INT_MAX, WARREN_BPF_TCX_INGRESS, NULL);

	if (fd >= 0) {
		close(fd);
		return HOOK_TCX;
	}
	return fd == -ENODEV ? HOOK_TCX : fd == -EINVAL ? HOOK_CLSACT : HOOK_AUTO;
}

static void link_path(struct datapath *dp, const char *ifname, int d, char *buf, size_t len)
{
	/* bpffs refuses dots in names (they are reserved), hence the underscore. */
	snprintf(buf, len, "%s/links/%s_%s", dp->pin_dir, ifname, dirs[d].suffix);
}

static int tcx_attach_one(struct datapath *dp, int ifindex, const char *ifname, int d)
{
	char path[512];
	int fd, ret;

	fd = bpf_link_create(prog_fd(dp, d), ifindex, dirs[d].tcx_type, NULL);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "%s/links", dp->pin_dir);
	if (mkdir(path, 0700) && errno != EEXIST) {
		ret = -errno;
		goto out;
	}
	link_path(dp, ifname, d, path, sizeof(path));
	unlink(path);	/* a stale pin of a deleted interface with the same name */
	ret = bpf_obj_pin(fd, path) ? -errno : 0;
out:
	/* The pin holds the link now; our fd is not needed. */
	close(fd);
	return ret;
}

static int clsact_attach_one(struct datapath *dp, int ifindex, int d)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = dirs[d].tc_point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .prog_fd = prog_fd(dp, d), .flags = BPF_TC_F_REPLACE);
	int ret;

	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ret;
	return bpf_tc_attach(&hook, &opts);
}

static int attach_dir(struct datapath *dp, int ifindex, const char *ifname, int d)
{
	int ret;

	if (dp->mode != HOOK_CLSACT) {
		ret = tcx_attach_one(dp, ifindex, ifname, d);
		/* Kernels before 6.6 reject the unknown attach type with EINVAL. */
		if (ret == -EINVAL && dp->mode == HOOK_AUTO) {
			pr_info("tcx is not available (%s); using clsact\n", strerror(-ret));
			dp->mode = HOOK_CLSACT;
		} else {
			if (!ret && dp->mode == HOOK_AUTO) {
				pr_info("attaching with tcx links\n");
				dp->mode = HOOK_TCX;
			}
			return ret;
		}
	}
	return clsact_attach_one(dp, ifindex, d);
}

int attach_veth(struct datapath *dp, int ifindex, const char *ifname, char *err)
{
	for (int d = 0; d < 2; d++) {
		int ret = attach_dir(dp, ifindex, ifname, d);

		if (ret) {
			snprintf(err, ERR_SIZE, "%s: attaching %s (%s): %s", ifname,
				 d == 0 ? "warren_from_wl" : "warren_to_wl",
				 hook_mode_name(dp->mode), strerror(-ret));
			detach_veth(dp, ifindex, ifname);
			return ret;
		}
	}
	return 0;
}

int attach_readopt(struct datapath *dp, int ifindex, const char *ifname, char *err)
{
	for (int d = 0; d < 2; d++) {
		char path[512];
		int fd, ret;

		link_path(dp, ifname, d, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			/* Swap the program under the live link: no packet sees no hook. */
			ret = bpf_link_update(fd, prog_fd(dp, d), NULL);
			close(fd);
			if (!ret && dp->mode == HOOK_AUTO)
				dp->mode = HOOK_TCX;
		} else {
			ret = attach_dir(dp, ifindex, ifname, d);
		}
		if (ret) {
			snprintf(err, ERR_SIZE, "%s: re-adopting %s: %s", ifname,
				 d == 0 ? "warren_from_wl" : "warren_to_wl", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void detach_veth(struct datapath *dp, int ifindex, const char *ifname)
{
	for (int d = 0; d < 2; d++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = dirs[d].tc_point);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO);
		char path[512];
		int fd;

		link_path(dp, ifname, d, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
			unlink(path);
		} else if (ifindex > 0 && dp->mode == HOOK_CLSACT) {
			bpf_tc_detach(&hook, &opts);
		}
	}
}

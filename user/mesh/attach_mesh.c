// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mesh/attach_mesh.h"
#include "lib/log.h"
#include "wg.skel.h"
#include "uplink.skel.h"

#define WARREN_BPF_TCX_INGRESS 46	/* see attach.c: libbpf 1.1 predates tcx */
#define WARREN_BPF_TCX_EGRESS 47
#define TC_HANDLE 0x77
#define TC_PRIO 0x77

static void pin_path(struct datapath *dp, const char *ifname, const char *suffix, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/links/%s_%s", dp->pin_dir, ifname, suffix);
}

/* Swap the program of a pinned link; -ENOENT if there is no pin. */
static int update_pinned(const char *path, int prog_fd)
{
	int fd = bpf_obj_get(path), ret;

	if (fd < 0)
		return -ENOENT;
	ret = bpf_link_update(fd, prog_fd, NULL);
	close(fd);
	return ret;
}

static int pin_link(struct datapath *dp, int fd, const char *path)
{
	char dir[512];
	int ret;

	snprintf(dir, sizeof(dir), "%s/links", dp->pin_dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	unlink(path);	/* a stale pin of a deleted interface with the same name */
	ret = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * A tc program on one direction of an interface: the pinned tcx link
 * swapped in place, a new tcx link, or (before 6.6) a clsact filter.
 */
static int attach_tc(struct datapath *dp, int prog, int ifindex, const char *ifname,
		     const char *suffix, bool egress)
{
	char path[512];
	int fd, ret;

	pin_path(dp, ifname, suffix, path, sizeof(path));
	ret = update_pinned(path, prog);
	if (ret == -ENOENT && dp->mode != HOOK_CLSACT) {
		fd = bpf_link_create(prog, ifindex,
				     egress ? WARREN_BPF_TCX_EGRESS : WARREN_BPF_TCX_INGRESS, NULL);
		ret = fd < 0 ? fd : pin_link(dp, fd, path);
		if (ret == -EINVAL && dp->mode == HOOK_AUTO)
			dp->mode = HOOK_CLSACT;		/* before 6.6: no tcx */
	}
	if (ret && dp->mode == HOOK_CLSACT) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO,
			    .prog_fd = prog, .flags = BPF_TC_F_REPLACE);

		ret = bpf_tc_hook_create(&hook);
		if (!ret || ret == -EEXIST)
			ret = bpf_tc_attach(&hook, &opts);
	}
	return ret;
}

static void detach_tc(struct datapath *dp, int ifindex, const char *ifname, const char *suffix,
		      bool egress)
{
	char path[512];
	int fd;

	pin_path(dp, ifname, suffix, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
		unlink(path);
	} else if (ifindex > 0) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO);

		bpf_tc_detach(&hook, &opts);
	}
}

int attach_wg_in(struct datapath *dp, int ifindex, const char *ifname, char *err)
{
	int ret = attach_tc(dp, bpf_program__fd(dp->wg_skel->progs.warren_wg_in), ifindex, ifname,
			    "in", false);

	if (ret)
		snprintf(err, ERR_SIZE, "%s: attaching warren_wg_in: %s", ifname, strerror(-ret));
	return ret;
}

void detach_wg_in(struct datapath *dp, int ifindex, const char *ifname)
{
	detach_tc(dp, ifindex, ifname, "in", false);
}

const char *xdp_mode_name(enum xdp_mode_used m)
{
	return m == XDP_USED_NATIVE ? "native" : m == XDP_USED_GENERIC ? "generic" : "none";
}

const char *uplink_rx_name(enum uplink_rx rx)
{
	return rx == UPLINK_RX_XDP ? "xdp" : rx == UPLINK_RX_TC ? "tc" : "auto";
}

/* What the kernel says is attached to the interface now. */
static enum xdp_mode_used xdp_mode_of(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return XDP_USED_NONE;
	return q.attach_mode == XDP_ATTACHED_DRV ? XDP_USED_NATIVE :
	       q.attach_mode == XDP_ATTACHED_SKB ? XDP_USED_GENERIC : XDP_USED_NONE;
}

/* The interface's driver is veth (ethtool's driver name). */
static bool is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth = false;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		veth = !strcmp(info.driver, "veth");
	close(fd);
	return veth;
}

static int attach_xdp(struct datapath *dp, int ifindex, const char *ifname)
{
	int prog = bpf_program__fd(dp->up_skel->progs.warren_uplink);
	char path[512];
	int fd, ret;

	pin_path(dp, ifname, "xdp", path, sizeof(path));
	ret = update_pinned(path, prog);
	if (ret == -ENOENT) {
		LIBBPF_OPTS(bpf_link_create_opts, native, .flags = XDP_FLAGS_DRV_MODE);
		LIBBPF_OPTS(bpf_link_create_opts, generic, .flags = XDP_FLAGS_SKB_MODE);

		fd = bpf_link_create(prog, ifindex, BPF_XDP, &native);
		if (fd < 0) {
			pr_info("%s: native XDP refused (%s); using generic XDP\n", ifname,
				strerror(-fd));
			fd = bpf_link_create(prog, ifindex, BPF_XDP, &generic);
		}
		ret = fd < 0 ? fd : pin_link(dp, fd, path);
	}
	return ret;
}

static void detach_xdp(struct datapath *dp, const char *ifname)
{
	char path[512];
	int fd;

	pin_path(dp, ifname, "xdp", path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

int attach_uplink(struct datapath *dp, int ifindex, const char *ifname, enum uplink_rx rx,
		  struct uplink_hooks *used, char *err)
{
	int ret;

	/* Transmit first: from here on nothing leaves in the clear. */
	ret = attach_tc(dp, bpf_program__fd(dp->up_skel->progs.warren_ul_out), ifindex, ifname,
			"out", true);
	if (ret) {
		snprintf(err, ERR_SIZE, "%s: attaching the egress guard warren_ul_out (%s): %s",
			 ifname, dp->mode == HOOK_CLSACT ? "clsact" : "tcx", strerror(-ret));
		return ret;
	}
	if (rx == UPLINK_RX_AUTO)
		rx = is_veth(ifname) ? UPLINK_RX_TC : UPLINK_RX_XDP;
	/* The new receive hook before the old one goes, so no packet sees neither. */
	if (rx == UPLINK_RX_TC) {
		ret = attach_tc(dp, bpf_program__fd(dp->up_skel->progs.warren_ul_in), ifindex,
				ifname, "ulin", false);
		if (!ret)
			detach_xdp(dp, ifname);
	} else {
		ret = attach_xdp(dp, ifindex, ifname);
		if (!ret)
			detach_tc(dp, ifindex, ifname, "ulin", false);
	}
	if (ret) {
		snprintf(err, ERR_SIZE, "%s: attaching the uplink's receive guard (%s): %s", ifname,
			 rx == UPLINK_RX_TC ? "tc" : "XDP", strerror(-ret));
		return ret;
	}
	used->rx = rx;
	used->xdp = xdp_mode_of(ifindex);
	return 0;
}

void detach_uplink(struct datapath *dp, int ifindex, const char *ifname)
{
	detach_xdp(dp, ifname);
	detach_tc(dp, ifindex, ifname, "ulin", false);
	detach_tc(dp, ifindex, ifname, "out", true);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tunnel's MTU, from the devices as they are: WireGuard adds 60 bytes
 * over an IPv4 underlay and 80 over IPv6 (outer IP header, UDP, its own
 * 32-byte header and tag), so a packet of the tunnel's MTU leaves the
 * uplink whole. --wg-mtu is the ceiling; IPv6 never goes below 1280, and
 * neither does the tunnel (below that its outer packets are fragmented on
 * the underlay rather than IPv6 losing the fabric). The WireGuard device
 * gets that MTU, and every workload's fabric routes with it, so the TCP
 * MSS a workload announces fits; what still does not fit gets "too big"
 * from the datapath (bpf/lib/reply.h).
 *
 * It is worked out when a fleet state is applied (at start too, from the
 * saved one): an underlay MTU changed on a running host is picked up by
 * the next `warrenctl apply` or a restart of the agent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>

#include "core/agent.h"
#include "lib/log.h"
#include "mesh/mesh.h"

#define WG_OVERHEAD4 60
#define WG_OVERHEAD6 80
#define IPV6_MIN_MTU 1280

/* The interface's MTU in this netns, or -errno. */
static int link_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
	close(fd);
	return ret;
}

int mesh_tunnel_mtu(const struct mesh *ms, int underlay_family)
{
	int mtu = ms->mtu, ul;

	if (ms->uplink[0]) {
		ul = link_mtu(ms->uplink);
		if (ul > 0) {
			ul -= underlay_family == AF_INET6 ? WG_OVERHEAD6 : WG_OVERHEAD4;
			if (ul < mtu)
				mtu = ul;
		}
	}
	return mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
}

int mesh_mtu_sync(struct agent *a, int underlay_family, char *err)
{
	struct mesh *ms = &a->mesh;
	int mtu = mesh_tunnel_mtu(ms, underlay_family), ret;

	if (mtu == ms->tunnel_mtu)
		return 0;
	pr_info("tunnel MTU %d (--wg-mtu %d, uplink %s)\n", mtu, ms->mtu,
		ms->uplink[0] ? ms->uplink : "-");
	if (ms->wg.kind != WG_KIND_NONE) {
		ret = wg_dev_set_mtu(&ms->wg, mtu, err);
		if (ret)
			return ret;
	}
	ms->tunnel_mtu = mtu;
	a->fabric_mtu = mtu;
	/* Workloads already there: their routes, so their next SYN announces the MSS that fits. */
	for (size_t i = 0; i < a->model.n_endpoints; i++) {
		char why[ERR_SIZE];

		if (endpoint_set_mtu(a, &a->model.endpoints[i], mtu, why))
			pr_warn("%s\n", why);
	}
	return 0;
}

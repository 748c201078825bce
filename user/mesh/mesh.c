// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * This host's membership of the fleet: the uplink guard and the saved
 * fleet state at start, status, teardown. Applying a state is
 * mesh_apply.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/attach.h"
#include "lib/log.h"
#include "mesh/mesh.h"

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return -errno;
	for (;;) {
		if (n == cap) {
			char *bigger = cap < (64u << 20) ? realloc(buf, cap ? cap * 2 : 65536) : NULL;

			if (!bigger) {
				free(buf);
				fclose(fp);
				return -EFBIG;
			}
			buf = bigger;
			cap = cap ? cap * 2 : 65536;
		}
		size_t got = fread(buf + n, 1, cap - n, fp);

		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	*out = buf;
	*len = n;
	return 0;
}

int mesh_start(struct agent *a, char *err)
{
	struct mesh *ms = &a->mesh;
	struct fleet f = {};
	int ret;

	if (!ms->on)
		return 0;
	if (ms->uplink[0]) {
		ms->uplink_ifindex = (int)if_nametoindex(ms->uplink);
		if (!ms->uplink_ifindex) {
			snprintf(err, ERR_SIZE, "--uplink %s: no such interface", ms->uplink);
			return -ENODEV;
		}
		ret = attach_uplink(&a->dp, ms->uplink_ifindex, ms->uplink, ms->uplink_rx,
				    &ms->uplink_hooks, err);
		if (ret)
			return ret;
		pr_info("uplink guard on %s: receive %s%s%s, transmit %s\n", ms->uplink,
			uplink_rx_name(ms->uplink_hooks.rx),
			ms->uplink_hooks.rx == UPLINK_RX_XDP ? " " : "",
			ms->uplink_hooks.rx == UPLINK_RX_XDP ? xdp_mode_name(ms->uplink_hooks.xdp) : "",
			hook_mode_name(a->dp.mode));
	}
	/* In directory mode the directory seeds itself from the saved state. */
	if (ms->directory_mode)
		return 0;
	ret = mesh_saved_fleet(a, &f, err);
	if (ret == -ENOENT)
		return 0;
	if (!ret)
		mesh_drop_vanished(a, &f);
	if (!ret)
		ret = mesh_apply(a, &f, err);
	fleet_free(&f);
	return ret;
}

int mesh_saved_fleet(struct agent *a, struct fleet *f, char *err)
{
	struct mesh *ms = &a->mesh;
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	ret = read_file(ms->fleet_path, &text, &len);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		snprintf(err, ERR_SIZE, "%s: %s", ms->fleet_path, strerror(-ret));
		return ret;
	}
	ret = fleet_parse(text, len, &a->model.cfg, f, err);
	free(text);
	return ret;
}

void mesh_status(struct agent *a, struct kv *resp)
{
	struct mesh *ms = &a->mesh;
	struct wg_peer_state *st = NULL;
	size_t n = 0;
	char err[ERR_SIZE];

	kv_add(resp, "record", "mesh");
	kv_add(resp, "member", ms->on ? "yes" : "no");
	if (!ms->on)
		return;
	kv_add(resp, "host", ms->self);
	kv_add(resp, "wg-device", ms->wg_ifname);
	kv_add(resp, "wg-kind", wg_kind_name(ms->wg.kind));
	kv_addf(resp, "mtu", "%d", ms->tunnel_mtu ?: ms->mtu);
	kv_add(resp, "uplink", ms->uplink[0] ? ms->uplink : "-");
	kv_add(resp, "uplink-xdp", xdp_mode_name(ms->uplink_hooks.xdp));
	kv_add(resp, "uplink-rx", !ms->uplink[0] ? "none" :
		   ms->uplink_hooks.rx == UPLINK_RX_TC ? hook_mode_name(a->dp.mode) : "xdp");
	kv_add(resp, "uplink-egress", ms->uplink[0] ? hook_mode_name(a->dp.mode) : "none");
	kv_addf(resp, "hosts", "%zu", ms->fleet.n_hosts);
	kv_addf(resp, "remote-endpoints", "%zu", a->model.n_remotes);
	if (ms->wg.kind == WG_KIND_NONE || wg_dev_peers(&ms->wg, &st, &n, err))
		return;
	for (size_t i = 0; i < ms->fleet.n_hosts; i++) {
		const struct fleet_host *h = &ms->fleet.hosts[i];
		char addr[ADDR_STRLEN];

		if (!strcmp(h->name, ms->self))
			continue;
		kv_add(resp, "record", "peer");
		kv_add(resp, "host", h->name);
		inet_ntop(h->family, h->underlay, addr, sizeof(addr));
		kv_addf(resp, "endpoint", h->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, h->port);
		for (size_t j = 0; j < n; j++) {
			if (memcmp(st[j].public_key, h->public_key, WG_KEY_LEN))
				continue;
			kv_addf(resp, "last-handshake", "%lld", (long long)st[j].last_handshake);
			/* People read an age; scripts get the epoch above. */
			if (st[j].last_handshake > 0)
				kv_addf(resp, "handshake-age", "%llds ago",
					(long long)(time(NULL) - st[j].last_handshake));
			else
				kv_add(resp, "handshake-age", "never");
			kv_addf(resp, "rx-bytes", "%llu", (unsigned long long)st[j].rx_bytes);
			kv_addf(resp, "tx-bytes", "%llu", (unsigned long long)st[j].tx_bytes);
		}
	}
	free(st);
}

void mesh_teardown(struct agent *a)
{
	struct mesh *ms = &a->mesh;
	char err[ERR_SIZE];
	int ifindex;

	if (!ms->on)
		return;
	if (ms->uplink[0])
		detach_uplink(&a->dp, (int)if_nametoindex(ms->uplink), ms->uplink);
	ifindex = (int)if_nametoindex(ms->wg_ifname);
	detach_wg_in(&a->dp, ifindex, ms->wg_ifname);
	/* Adopt whatever backs the device, only to remove it. */
	if (ms->wg.kind == WG_KIND_NONE && ifindex > 0 &&
	    wg_dev_open(&ms->wg, ms->wg_ifname, ms->mtu, ms->allow_userspace, err))
		pr_warn("%s\n", err);
	if (ms->wg.kind != WG_KIND_NONE && wg_dev_destroy(&ms->wg, err))
		pr_warn("%s\n", err);
	unlink(ms->fleet_path);
	fleet_free(&ms->fleet);
}

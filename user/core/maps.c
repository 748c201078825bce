// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "core/maps.h"
#include "veth.skel.h"
#include "wg.skel.h"
#include "uplink.skel.h"

static const char *const drop_names[WARREN_DROP__MAX] = {
	[WARREN_DROP_SPOOFED] = "spoofed",
	[WARREN_DROP_CROSS_ENV] = "cross_env",
	[WARREN_DROP_NO_ENDPOINT] = "no_endpoint",
	[WARREN_DROP_BUILD] = "build_phase",
	[WARREN_DROP_MALFORMED] = "malformed",
	[WARREN_DROP_UNKNOWN_IFACE] = "unknown_iface",
	[WARREN_DROP_UNKNOWN_SOURCE] = "unknown_source",
	[WARREN_DROP_TTL] = "ttl",
	[WARREN_DROP_PLAINTEXT] = "plaintext",
	[WARREN_DROP_NOT_PEER] = "not_peer",
	[WARREN_DROP_PLAINTEXT_OUT] = "plaintext_out",
	[WARREN_DROP_TOO_BIG] = "too_big",
};

static const char *const path_names[WARREN_PATH__MAX] = {
	[WARREN_PATH_LOCAL] = "local",
	[WARREN_PATH_MESH] = "mesh",
	[WARREN_PATH_EGRESS] = "egress",
	[WARREN_PATH_MESH_IN] = "mesh_in",
};

static const char *const dir_names[WARREN_DIR__MAX] = {
	[WARREN_DIR_FROM_WL] = "from_wl",
	[WARREN_DIR_FROM_MESH] = "from_mesh",
	[WARREN_DIR_FROM_UPLINK] = "from_uplink",
	[WARREN_DIR_FROM_HOST] = "from_host",
};

const char *drop_reason_name(enum warren_drop_reason r)
{
	return r < WARREN_DROP__MAX && drop_names[r] ? drop_names[r] : "unknown";
}

const char *path_name(enum warren_path p)
{
	return p < WARREN_PATH__MAX && path_names[p] ? path_names[p] : "unknown";
}

const char *dir_name(enum warren_dir d)
{
	return d < WARREN_DIR__MAX && dir_names[d] ? dir_names[d] : "unknown";
}

/* The reason whose name is s (as drop_reason_name() spells it), or -EINVAL. */
int drop_reason_parse(const char *s)
{
	for (int r = 0; r < WARREN_DROP__MAX; r++)
		if (!strcmp(s, drop_names[r]))
			return r;
	return -EINVAL;
}

static int mkdir_p(const char *path)
{
	char buf[256];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int bpffs_prepare(const char *dir, char *err)
{
	struct statfs st;
	int ret;

	/* Fresh VMs and containers often come without bpffs mounted. */
	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type != BPF_FS_MAGIC &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "mounting bpffs on /sys/fs/bpf: %s", strerror(-ret));
		return ret;
	}
	ret = mkdir_p(dir);
	if (!ret && (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC))
		ret = -EXDEV;
	if (ret)
		snprintf(err, ERR_SIZE, "pin directory %s: %s", dir,
			 ret == -EXDEV ? "not on a bpf filesystem" : strerror(-ret));
	return ret;
}

/* The same rodata fields in every object that includes bpf/lib/fabric.h. */
#define SET_FABRIC(ro, cfg) do {						\
	uint8_t mask_[16];							\
										\
	(ro)->fabric4_addr = (cfg)->fabric4.addr;				\
	(ro)->fabric4_mask = prefix4_mask((cfg)->fabric4.len);			\
	prefix6_mask((cfg)->fabric6.len, mask_);				\
	memcpy((void *)(ro)->fabric6_addr, (cfg)->fabric6.addr, 16);		\
	memcpy((void *)(ro)->fabric6_mask, mask_, 16);				\
	(ro)->host4_addr = (cfg)->host4.addr;					\
	(ro)->host4_mask = prefix4_mask((cfg)->host4.len);			\
	prefix6_mask((cfg)->host6.len, mask_);					\
	memcpy((void *)(ro)->host6_addr, (cfg)->host6.addr, 16);		\
	memcpy((void *)&(ro)->host6_mask3, mask_ + 12, 4);			\
} while (0)

/* The mesh's programs, sharing the pinned maps the veth programs made. */
static int open_mesh(struct datapath *dp, const struct fabric_config *cfg,
		     const struct bpf_object_open_opts *opts, char *err)
{
	int ret;

	dp->wg_skel = wg_bpf__open_opts(opts);
	dp->up_skel = uplink_bpf__open_opts(opts);
	if (!dp->wg_skel || !dp->up_skel) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "opening the mesh programs: %s", strerror(-ret));
		return ret;
	}
	SET_FABRIC(dp->wg_skel->rodata, cfg);
	SET_FABRIC(dp->up_skel->rodata, cfg);
	ret = wg_bpf__load(dp->wg_skel);
	if (ret) {
		snprintf(err, ERR_SIZE, "loading warren_wg_in: %s", strerror(-ret));
		return ret;
	}
	ret = uplink_bpf__load(dp->up_skel);
	if (ret)
		snprintf(err, ERR_SIZE, "loading warren_uplink: %s", strerror(-ret));
	return ret;
}

/*
 * Maps that hold only statistics and events (no state traffic depends on)
 * may change shape between versions: a pin of the old shape is removed,
 * so an upgraded agent loads with fresh counters instead of refusing.
 */
static bool map_disposable(const char *name)
{
	return !strcmp(name, WARREN_MAP_COUNTERS);
}

static void unpin_changed(const char *pin_dir, struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[512];
		int fd;

		if (!map_disposable(bpf_map__name(m)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
		     info.value_size != bpf_map__value_size(m) ||
		     info.max_entries != bpf_map__max_entries(m))) {
			pr_warn("%s has the layout of another version: starting it afresh\n", path);
			unlink(path);
		}
		close(fd);
	}
}

int datapath_open(struct datapath *dp, const char *pin_dir, const struct fabric_config *cfg,
		  enum hook_mode mode, uint16_t dns_fast_port, char *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct veth_bpf *skel;
	int ret;

	memset(dp, 0, sizeof(*dp));
	ret = bpffs_prepare(pin_dir, err);
	if (ret)
		return ret;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", pin_dir);
	dp->mode = mode;

	skel = veth_bpf__open_opts(&opts);
	if (!skel) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "opening the veth programs: %s", strerror(-ret));
		return ret;
	}
	SET_FABRIC(skel->rodata, cfg);
	skel->rodata->dns_fast_port = dns_fast_port;
	unpin_changed(pin_dir, skel->obj);
	/*
	 * Maps pinned by an earlier agent are reused here; a definition that
	 * changed (size, type) fails the load instead of silently forking state.
	 */
	ret = veth_bpf__load(skel);
	if (ret) {
		snprintf(err, ERR_SIZE, "loading the veth programs (pins in %s): %s", pin_dir,
			 strerror(-ret));
		veth_bpf__destroy(skel);
		return ret;
	}
	dp->skel = skel;
	ret = open_mesh(dp, cfg, &opts, err);
	if (ret)
		datapath_close(dp);
	return ret;
}

void datapath_close(struct datapath *dp)
{
	uplink_bpf__destroy(dp->up_skel);
	wg_bpf__destroy(dp->wg_skel);
	veth_bpf__destroy(dp->skel);
	dp->skel = NULL;
	dp->wg_skel = NULL;
	dp->up_skel = NULL;
}

static int unlink_tree(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int ret = 0;

	if (!d)
		return errno == ENOTDIR ? (unlink(path) ? -errno : 0) : -errno;
	while ((de = readdir(d))) {
		char sub[512];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR)
			ret = unlink_tree(sub) ?: ret;
		else if (unlink(sub))
			ret = -errno;
	}
	closedir(d);
	if (rmdir(path))
		ret = -errno;
	return ret;
}

int datapath_unpin_all(const char *pin_dir, char *err)
{
	int ret = unlink_tree(pin_dir);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		snprintf(err, ERR_SIZE, "removing pins under %s: %s", pin_dir, strerror(-ret));
	return ret;
}

void encode_iface(const struct endpoint *ep, uint32_t env_id, struct warren_iface *out)
{
	memset(out, 0, sizeof(*out));
	out->env_id = env_id;
	out->endpoint_id = ep->id;
	if (ep->has_v4) {
		out->ipv4 = ep->ipv4;
		out->flags |= WARREN_IF_HAS_V4;
	}
	if (ep->has_v6) {
		memcpy(out->ipv6, ep->ipv6, 16);
		out->flags |= WARREN_IF_HAS_V6;
	}
	if (ep->build)
		out->flags |= WARREN_IF_BUILD;
}

void encode_endpoint(const struct endpoint *ep, uint32_t env_id, struct warren_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->env_id = env_id;
	out->ifindex = (uint32_t)ep->ifindex;
	out->endpoint_id = ep->id;
	out->flags = WARREN_EP_LOCAL | (ep->build ? WARREN_EP_BUILD : 0) |
		     (ep->has_v4 ? WARREN_EP_HAS_V4 : 0) | (ep->has_v6 ? WARREN_EP_HAS_V6 : 0);
	memcpy(out->dst_mac, ep->wl_mac, 6);
	memcpy(out->src_mac, ep->host_mac, 6);
}

int maps_host_put(struct datapath *dp, char *err)
{
	struct warren_endpoint val = {
		.flags = WARREN_EP_HOST | WARREN_EP_HAS_V4 | WARREN_EP_HAS_V6,
	};
	__u32 slot = SLOT_HOST;
	int ret;

	ret = bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &val,
				   sizeof(val), BPF_ANY);
	if (ret)
		snprintf(err, ERR_SIZE, "host slot: writing maps: %s", strerror(-ret));
	return ret;
}

int maps_endpoint_put(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
		      char *err)
{
	struct warren_endpoint val;
	struct warren_iface ifv;
	__u32 ifindex = (__u32)ep->ifindex, slot = ep->slot;
	int ret;

	encode_iface(ep, env_id, &ifv);
	encode_endpoint(ep, env_id, &val);
	/* The interface first, the slot that makes it reachable last. */
	ret = bpf_map__update_elem(dp->skel->maps.warren_ifaces, &ifindex, sizeof(ifindex), &ifv,
				   sizeof(ifv), BPF_ANY);
	if (!ret)
		ret = bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &val,
					   sizeof(val), BPF_ANY);
	if (ret) {
		snprintf(err, ERR_SIZE, "endpoint %u: writing maps: %s", ep->id, strerror(-ret));
		maps_endpoint_del(dp, ep);
	}
	return ret;
}

int maps_endpoint_del(struct datapath *dp, const struct endpoint *ep)
{
	struct warren_endpoint none = {};
	__u32 ifindex = (__u32)ep->ifindex, slot = ep->slot;

	/* The slot first: from here on nobody can reach it or send as it. */
	bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &none,
			     sizeof(none), BPF_ANY);
	if (ifindex)
		bpf_map__delete_elem(dp->skel->maps.warren_ifaces, &ifindex, sizeof(ifindex), 0);
	return 0;
}

int maps_endpoint_check(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
			char *err)
{
	struct warren_endpoint want, have;
	struct warren_iface wantif, haveif;
	__u32 ifindex = (__u32)ep->ifindex, slot = ep->slot;

	encode_iface(ep, env_id, &wantif);
	encode_endpoint(ep, env_id, &want);
	if (bpf_map__lookup_elem(dp->skel->maps.warren_ifaces, &ifindex, sizeof(ifindex), &haveif,
				 sizeof(haveif), 0) || memcmp(&haveif, &wantif, sizeof(haveif))) {
		snprintf(err, ERR_SIZE, "endpoint %u: warren_ifaces[%u] is missing or differs", ep->id,
			 ifindex);
		return -ENOENT;
	}
	if (bpf_map__lookup_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &have,
				 sizeof(have), 0) || memcmp(&have, &want, sizeof(have))) {
		snprintf(err, ERR_SIZE, "endpoint %u: warren_slots[%u] is missing or differs", ep->id,
			 slot);
		return -ENOENT;
	}
	return 0;
}

bool maps_iface_known(struct datapath *dp, int ifindex)
{
	struct warren_iface v;
	__u32 key = (__u32)ifindex;

	return !bpf_map__lookup_elem(dp->skel->maps.warren_ifaces, &key, sizeof(key), &v, sizeof(v),
				     0);
}

int maps_remote_put(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
		    int wg_ifindex, char *err)
{
	struct warren_endpoint val = {
		.env_id = env_id,
		.ifindex = (uint32_t)(wg_ifindex > 0 ? wg_ifindex : 0),
		.endpoint_id = ep->id,
		.flags = WARREN_EP_REMOTE | (ep->build ? WARREN_EP_BUILD : 0) |
			 (ep->has_v4 ? WARREN_EP_HAS_V4 : 0) | (ep->has_v6 ? WARREN_EP_HAS_V6 : 0),
	};
	int ret = 0;

	if (ep->has_v4)
		ret = bpf_map__update_elem(dp->skel->maps.warren_ep4, &ep->ipv4, 4, &val,
					   sizeof(val), BPF_ANY);
	if (!ret && ep->has_v6)
		ret = bpf_map__update_elem(dp->skel->maps.warren_ep6, ep->ipv6, 16, &val,
					   sizeof(val), BPF_ANY);
	if (ret)
		snprintf(err, ERR_SIZE, "endpoint %s/%s/%s/%u on %s: writing maps: %s", ep->project,
			 ep->env, ep->service, ep->replica, ep->host, strerror(-ret));
	return ret;
}

int maps_remote_del(struct datapath *dp, const struct endpoint *ep)
{
	if (ep->has_v4)
		bpf_map__delete_elem(dp->skel->maps.warren_ep4, &ep->ipv4, 4, 0);
	if (ep->has_v6)
		bpf_map__delete_elem(dp->skel->maps.warren_ep6, ep->ipv6, 16, 0);
	return 0;
}

static bool peer_wanted(const struct peer_addr *peers, size_t n, int family, const void *key)
{
	for (size_t i = 0; i < n; i++)
		if (peers[i].family == family &&
		    !memcmp(peers[i].addr, key, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Delete the keys of map not in peers; keys are 4 (IPv4) or 16 bytes. */
static void peers_prune(struct bpf_map *map, int family, const struct peer_addr *peers, size_t n)
{
	uint8_t key[16], next[16];
	size_t ks = family == AF_INET ? 4 : 16;
	int more = !bpf_map__get_next_key(map, NULL, key, ks);

	while (more) {
		more = !bpf_map__get_next_key(map, key, next, ks);
		if (!peer_wanted(peers, n, family, key))
			bpf_map__delete_elem(map, key, ks, 0);
		memcpy(key, next, ks);
	}
}

int maps_peers_set(struct datapath *dp, const struct peer_addr *peers, size_t n, char *err)
{
	struct bpf_map *m4 = dp->up_skel->maps.warren_peers4, *m6 = dp->up_skel->maps.warren_peers6;
	int ret = 0;

	/* Add first, then prune: a peer that stays is never missing. */
	for (size_t i = 0; i < n && !ret; i++) {
		struct warren_peer v = { .host_index = peers[i].host_index };

		ret = bpf_map__update_elem(peers[i].family == AF_INET ? m4 : m6, peers[i].addr,
					   peers[i].family == AF_INET ? 4 : 16, &v, sizeof(v),
					   BPF_ANY);
	}
	if (ret) {
		snprintf(err, ERR_SIZE, "writing the uplink's peers: %s", strerror(-ret));
		return ret;
	}
	peers_prune(m4, AF_INET, peers, n);
	peers_prune(m6, AF_INET6, peers, n);
	return 0;
}

int maps_uplink_port(struct datapath *dp, uint16_t port, char *err)
{
	struct warren_uplink_cfg cfg = { .wg_port = htons(port) };
	__u32 zero = 0;
	int ret = bpf_map__update_elem(dp->up_skel->maps.warren_uplink_cfg, &zero, sizeof(zero),
				       &cfg, sizeof(cfg), BPF_ANY);

	if (ret)
		snprintf(err, ERR_SIZE, "writing the uplink's port: %s", strerror(-ret));
	return ret;
}

static bool remote_has(const struct model *m, int family, const void *key)
{
	for (size_t i = 0; i < m->n_remotes; i++) {
		const struct endpoint *ep = &m->remotes[i];

		if (family == AF_INET ? ep->has_v4 && !memcmp(&ep->ipv4, key, 4)
				      : ep->has_v6 && !memcmp(ep->ipv6, key, 16))
			return true;
	}
	return false;
}

/*
 * What an address that is no endpoint any more leaves behind: a tombstone
 * (bpf/lib/reply.h) as long as its environment lives, so that environment
 * hears "refused" at once; nothing once the environment is gone.
 */
static bool keep_as_tombstone(struct bpf_map *map, const void *key, size_t ks,
			      const struct model *m)
{
	struct warren_endpoint v;

	if (bpf_map__lookup_elem(map, key, ks, &v, sizeof(v), 0) ||
	    !model_env_by_id(m, v.env_id))
		return false;
	if (v.flags & WARREN_EP_GONE)
		return true;
	v = (struct warren_endpoint){ .env_id = v.env_id, .flags = WARREN_EP_GONE };
	return !bpf_map__update_elem(map, key, ks, &v, sizeof(v), BPF_EXIST);
}

int maps_remote_prune(struct datapath *dp, const struct model *m)
{
	struct bpf_map *maps[2] = { dp->skel->maps.warren_ep4, dp->skel->maps.warren_ep6 };

	for (int f = 0; f < 2; f++) {
		size_t ks = f ? 16 : 4;
		uint8_t key[16], next[16];
		int more = !bpf_map__get_next_key(maps[f], NULL, key, ks);

		while (more) {
			more = !bpf_map__get_next_key(maps[f], key, next, ks);
			if (!remote_has(m, f ? AF_INET6 : AF_INET, key) &&
			    !keep_as_tombstone(maps[f], key, ks, m))
				bpf_map__delete_elem(maps[f], key, ks, 0);
			memcpy(key, next, ks);
		}
	}
	return 0;
}

int maps_slot_tombstone(struct datapath *dp, uint32_t slot, uint32_t env_id)
{
	struct warren_endpoint v = { .env_id = env_id, .flags = WARREN_EP_GONE };

	return bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &v,
				    sizeof(v), BPF_ANY);
}

int maps_env_reset(struct datapath *dp, uint32_t env_id, uint32_t slot_end)
{
	struct bpf_map *maps[2] = { dp->skel->maps.warren_ep4, dp->skel->maps.warren_ep6 };
	struct warren_endpoint v, none = {};

	/* A recycled id must not inherit the tombstones of the environment before it. */
	for (__u32 slot = 0; slot < slot_end && slot < WARREN_MAX_SLOTS; slot++)
		if (!bpf_map__lookup_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &v,
					  sizeof(v), 0) &&
		    (v.flags & WARREN_EP_GONE) && v.env_id == env_id)
			bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &none,
					     sizeof(none), BPF_ANY);
	for (int f = 0; f < 2; f++) {
		size_t ks = f ? 16 : 4;
		uint8_t key[16], next[16];
		int more = !bpf_map__get_next_key(maps[f], NULL, key, ks);

		while (more) {
			more = !bpf_map__get_next_key(maps[f], key, next, ks);
			if (!bpf_map__lookup_elem(maps[f], key, ks, &v, sizeof(v), 0) &&
			    (v.flags & WARREN_EP_GONE) && v.env_id == env_id)
				bpf_map__delete_elem(maps[f], key, ks, 0);
			memcpy(key, next, ks);
		}
	}
	return maps_counters_reset(dp, env_id);
}

static bool model_has_slot(const struct model *m, __u32 slot)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].slot == slot)
			return true;
	return false;
}

static bool model_has_ifindex(const struct model *m, __u32 ifindex)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if ((__u32)m->endpoints[i].ifindex == ifindex)
			return true;
	return false;
}

int maps_prune(struct datapath *dp, const struct model *m)
{
	struct bpf_map *ifaces = dp->skel->maps.warren_ifaces;
	struct warren_endpoint val, none = {};
	__u32 key, next;
	int more;

	for (__u32 slot = 0; slot < WARREN_MAX_SLOTS; slot++) {
		if (bpf_map__lookup_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &val,
					 sizeof(val), 0) || !val.ifindex || model_has_slot(m, slot))
			continue;
		bpf_map__update_elem(dp->skel->maps.warren_slots, &slot, sizeof(slot), &none,
				     sizeof(none), BPF_ANY);
	}
	/* Save the next key before deleting the current one. */
	more = !bpf_map__get_next_key(ifaces, NULL, &key, sizeof(key));
	while (more) {
		more = !bpf_map__get_next_key(ifaces, &key, &next, sizeof(key));
		if (!model_has_ifindex(m, key))
			bpf_map__delete_elem(ifaces, &key, sizeof(key), 0);
		key = next;
	}
	return 0;
}

int maps_counters_read(struct datapath *dp, uint32_t env_id, struct warren_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_counters *per;
	__u32 key = env_id;
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(dp->skel->maps.warren_counters, &key, sizeof(key), per,
				   ncpu * sizeof(*per), 0);
	for (int c = 0; !ret && c < ncpu; c++) {
		for (int p = 0; p < WARREN_PATH__MAX; p++) {
			sum->packets[p] += per[c].packets[p];
			sum->bytes[p] += per[c].bytes[p];
		}
		for (int d = 0; d < WARREN_DIR__MAX; d++)
			for (int r = 0; r < WARREN_DROP__MAX; r++)
				sum->drops[d][r] += per[c].drops[d][r];
	}
	free(per);
	return ret;
}

int maps_counters_reset(struct datapath *dp, uint32_t env_id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warren_counters *zero;
	__u32 key = env_id;
	int ret;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	ret = bpf_map__update_elem(dp->skel->maps.warren_counters, &key, sizeof(key), zero,
				   ncpu * sizeof(*zero), BPF_ANY);
	free(zero);
	return ret;
}

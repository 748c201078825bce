// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ABI check (Cilium's alignchecker idea): the structs in include/warren.h
 * as the BPF object's BTF describes them must have the size and member
 * offsets userspace compiles them with.
 */
#include <stddef.h>
#include <stdlib.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "warren.h"

struct member {
	const char *name;
	size_t offset;
};

#define M(type, field) { #field, offsetof(struct type, field) }

static const char *object = "veth";	/* which BPF object's BTF to read */

static struct btf *object_btf(void)
{
	const char *dir = getenv("WARREN_BUILD") ?: "build";
	char path[512];
	struct btf *btf;

	snprintf(path, sizeof(path), "%s/bpf/%s.bpf.o", dir, object);
	btf = btf__parse_elf(path, NULL);
	if (!btf)
		printf("# %s: %s\n", path, strerror(errno));
	return btf;
}

static void check_struct(const char *name, size_t size, const struct member *m, size_t n)
{
	struct btf *btf = object_btf();
	const struct btf_member *bm;
	const struct btf_type *t;
	int id;

	if (!ASSERT_TRUE(btf != NULL, "BTF of the BPF object"))
		return;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (!ASSERT_TRUE(id > 0, name))
		goto out;
	t = btf__type_by_id(btf, id);
	ASSERT_EQ(t->size, size, "size");
	ASSERT_EQ(btf_vlen(t), n, "member count");
	bm = btf_members(t);
	for (size_t i = 0; i < n && i < btf_vlen(t); i++) {
		ASSERT_STREQ(btf__name_by_offset(btf, bm[i].name_off), m[i].name, "member name");
		ASSERT_EQ(btf_member_bit_offset(t, (__u32)i) / 8, m[i].offset, m[i].name);
	}
out:
	btf__free(btf);
}

static void test_iface(void)
{
	static const struct member m[] = {
		M(warren_iface, env_id), M(warren_iface, endpoint_id), M(warren_iface, ipv4),
		M(warren_iface, ipv6), M(warren_iface, flags), M(warren_iface, pad),
	};

	check_struct("warren_iface", sizeof(struct warren_iface), m, sizeof(m) / sizeof(m[0]));
}

static void test_endpoint(void)
{
	static const struct member m[] = {
		M(warren_endpoint, env_id), M(warren_endpoint, ifindex),
		M(warren_endpoint, endpoint_id), M(warren_endpoint, flags), M(warren_endpoint, pad),
		M(warren_endpoint, dst_mac), M(warren_endpoint, src_mac), M(warren_endpoint, pad2),
	};

	check_struct("warren_endpoint", sizeof(struct warren_endpoint), m, sizeof(m) / sizeof(m[0]));
}

static void test_ip6(void)
{
	static const struct member m[] = { M(warren_ip6, addr) };

	check_struct("warren_ip6", sizeof(struct warren_ip6), m, 1);
}

static void test_counters(void)
{
	static const struct member m[] = {
		M(warren_counters, packets), M(warren_counters, bytes), M(warren_counters, drops),
	};

	check_struct("warren_counters", sizeof(struct warren_counters), m, 3);
}

/* The uplink guard's own maps live in uplink.bpf.o. */
static void test_peer(void)
{
	static const struct member m[] = { M(warren_peer, host_index) };

	object = "uplink";
	check_struct("warren_peer", sizeof(struct warren_peer), m, 1);
	object = "veth";
}

static void test_uplink_cfg(void)
{
	static const struct member m[] = { M(warren_uplink_cfg, wg_port), M(warren_uplink_cfg, pad) };

	object = "uplink";
	check_struct("warren_uplink_cfg", sizeof(struct warren_uplink_cfg), m, 2);
	object = "veth";
}

static void test_ratelimit(void)
{
	static const struct member m[] = {
		M(warren_ratelimit, last_ns), M(warren_ratelimit, credit_ns),
	};

	check_struct("warren_ratelimit", sizeof(struct warren_ratelimit), m, 2);
}

static struct test_case tests[] = {
	{ "struct warren_iface matches BTF", test_iface },
	{ "struct warren_endpoint matches BTF", test_endpoint },
	{ "struct warren_ip6 matches BTF", test_ip6 },
	{ "struct warren_counters matches BTF", test_counters },
	{ "struct warren_peer matches BTF (uplink)", test_peer },
	{ "struct warren_uplink_cfg matches BTF (uplink)", test_uplink_cfg },
	{ "struct warren_ratelimit matches BTF", test_ratelimit },
};

TEST_MAIN(tests)

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps every warren program shares. Each object that includes this
 * declares the same maps pinned by name, so the agent's bpffs directory
 * holds one copy that all programs, and bpftool, see.
 */
#ifndef WARREN_BPF_MAPS_H
#define WARREN_BPF_MAPS_H

#include "warren.h"

/* An array: finding a local endpoint is an index, not a hash. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARREN_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct warren_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARREN_MAX_IFACES);
	__type(key, __u32);			/* host-side ifindex */
	__type(value, struct warren_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ifaces SEC(".maps");

/* Other hosts' endpoints; IPv4 and IPv6 apart so each hash is over its natural key width. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARREN_MAX_ENDPOINTS);
	__type(key, __be32);
	__type(value, struct warren_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ep4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARREN_MAX_ENDPOINTS);
	__type(key, struct warren_ip6);
	__type(value, struct warren_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ep6 SEC(".maps");

/* An array, not a hash: the counter update on every packet is an index. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARREN_MAX_ENVS);
	__type(key, __u32);
	__type(value, struct warren_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_counters SEC(".maps");

#endif

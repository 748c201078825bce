// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark's baseline: a tc program that does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int warren_empty(struct __sk_buff *skb)
{
	return 0;
}

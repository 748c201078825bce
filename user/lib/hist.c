// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <time.h>

#include "lib/hist.h"

static const uint64_t dns_ns[] = {
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
	10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000,
	2500000000ULL,
};
static const uint64_t apply_ns[] = {
	1000000, 5000000, 10000000, 25000000, 50000000, 100000000, 250000000, 500000000,
	1000000000, 2500000000ULL, 5000000000ULL, 10000000000ULL, 30000000000ULL,
	60000000000ULL,
};

_Static_assert(sizeof(dns_ns) / sizeof(dns_ns[0]) <= HIST_MAX_BUCKETS, "dns buckets");
_Static_assert(sizeof(apply_ns) / sizeof(apply_ns[0]) <= HIST_MAX_BUCKETS, "apply buckets");

const struct hist_bounds hist_dns_bounds = { dns_ns, sizeof(dns_ns) / sizeof(dns_ns[0]) };
const struct hist_bounds hist_apply_bounds = { apply_ns, sizeof(apply_ns) / sizeof(apply_ns[0]) };

void hist_init(struct hist *h, const struct hist_bounds *b)
{
	memset(h, 0, sizeof(*h));
	h->b = b;
}

void hist_observe(struct hist *h, uint64_t ns)
{
	size_t i = 0;

	if (!h->b)
		return;
	while (i < h->b->n && ns > h->b->ns[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

uint64_t hist_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t hist_since(struct hist *h, uint64_t t0)
{
	uint64_t now = hist_now_ns();

	hist_observe(h, now > t0 ? now - t0 : 0);
	return now;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the datapath's DNS fast path (bpf/lib/dns_fast.h) may answer by
 * itself: for every environment with a caller on this host, every name
 * the shim answers with A or AAAA records, and those records, taken from
 * the shim's own answer builder (dns_answer) so both paths give the same
 * bytes by construction. No kernel here: the set is computed and diffed
 * against the last one, and the caller writes only the differences.
 *
 * Left out, so the shim answers them: names whose answer would not fit
 * 512 bytes with an OPT record or holds more than WARREN_DNS_MAX_RECORDS
 * records, names longer than the map key, NXDOMAIN and NODATA.
 */
#ifndef WARREN_DNS_FAST_H
#define WARREN_DNS_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "warren.h"
#include "dns/dns_view.h"

struct dns_fast_entry {
	struct warren_dns_key key;
	struct warren_dns_answer val;
};

/* Entries sorted by key (memcmp), no duplicates. */
struct dns_fast_set {
	struct dns_fast_entry *e;
	size_t n, cap;
	size_t too_long;		/* names longer than the key */
	size_t too_big;			/* answers that would be truncated or too many records */
};

void dns_fast_set_free(struct dns_fast_set *s);
/* Add one entry (then sort with dns_fast_set_sort); -ENOMEM. */
int dns_fast_set_add(struct dns_fast_set *s, const struct dns_fast_entry *e);
void dns_fast_set_sort(struct dns_fast_set *s);

/*
 * Every (environment, name, type) the shim answers with records for a
 * caller of this host, as it answers them (rotation at its start). v is
 * a view of the fast path's own: its round-robin positions are reset.
 */
int dns_fast_build(struct dns_view *v, struct dns_fast_set *out);

/*
 * The wire form of a presentation-form name (lower case, no escapes) as a
 * map key's name; -ENAMETOOLONG past WARREN_DNS_NAME_MAX, -EINVAL.
 */
int dns_fast_key_name(const char *name, uint8_t out[WARREN_DNS_NAME_MAX]);

struct dns_fast_ops {
	int (*put)(void *ctx, const struct warren_dns_key *k, const struct warren_dns_answer *v);
	int (*del)(void *ctx, const struct warren_dns_key *k);
	void *ctx;
};

/*
 * Turn cur into want: put what is new or changed, delete what is gone.
 * Stops at the first failure (-errno); *changed counts the writes done.
 */
int dns_fast_apply(const struct dns_fast_set *cur, const struct dns_fast_set *want,
		   const struct dns_fast_ops *ops, size_t *changed);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Claiming this host's prefix pair at start: pair N is the fabric's N-th
 * IPv4 /24 and N-th IPv6 /64 (N from 1: the fabric's first /24 holds its
 * network address). The claim is claims/N = host name, written with a
 * create-if-absent transaction and no lease: it is the host's for good
 * (a restart finds it again), until an operator deletes the key.
 *
 * The only place the agent waits on etcd: nothing is serving yet, and a
 * host cannot serve without its prefixes.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "directory/dir_int.h"
#include "lib/log.h"

#define CLAIM_V4_LEN 24
#define CLAIM_V6_LEN 64
#define CLAIM_MAX_PAIRS (1u << 16)

struct claim {
	const struct directory_config *dc;
	const char *self;
	uint32_t max;			/* pairs 1..max */
	uint8_t *used;			/* by number, from the range */
	uint32_t pair;			/* being created */
	int tries;
	bool done;
	int64_t retry_at;		/* etcd not ready (no leader, no member): from the range again */
	int err;
	char msg[ERR_SIZE];
};

static void claim_next(struct etcd *e, struct claim *c);

static void finish(struct claim *c, int err, const char *msg)
{
	if (err == -EAGAIN || err == -EHOSTUNREACH || err == -ETIMEDOUT) {
		pr_debug("directory: claim: %s; trying again\n", msg);
		c->retry_at = dir_now_ms() + 500;
		snprintf(c->msg, sizeof(c->msg), "%s", msg);
		return;
	}
	c->done = true;
	c->err = err;
	if (msg)
		snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static void on_create(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct claim *c = arg;

	if (r->err) {
		finish(c, r->err, r->msg);
		return;
	}
	if (r->succeeded || (r->n_kvs && r->kvs[0].value_len == strlen(c->self) &&
			     !memcmp(r->kvs[0].value, c->self, r->kvs[0].value_len))) {
		finish(c, 0, NULL);
		return;
	}
	/* Someone took it between our range and our create: the next one. */
	c->used[c->pair] = 1;
	claim_next(e, c);
}

static void claim_next(struct etcd *e, struct claim *c)
{
	char key[DIR_KEY_MAX];
	struct dir_key k = { .kind = DIR_CLAIM };
	int ret;

	while (c->pair <= c->max && c->used[c->pair])
		c->pair++;
	if (c->pair > c->max) {
		finish(c, -ENOSPC, "every prefix pair of the fabric is claimed");
		return;
	}
	if (++c->tries > 64) {
		c->done = true;
		c->err = -EBUSY;
		snprintf(c->msg, sizeof(c->msg), "lost the race for a prefix 64 times");
		return;
	}
	k.claim = c->pair;
	dir_key_format(c->dc->prefix, &k, key);
	ret = etcd_create(e, key, strlen(key), c->self, strlen(c->self), 0, on_create, c);
	if (ret)
		finish(c, ret, "queueing the claim");
}

static void on_range(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct claim *c = arg;
	char why[ERR_SIZE];

	if (r->err) {
		finish(c, r->err, r->msg);
		return;
	}
	for (size_t i = 0; i < r->n_kvs; i++) {
		struct dir_record rec;

		if (dir_record_decode(c->dc->prefix, &r->kvs[i], &rec, why) ||
		    rec.key.kind != DIR_CLAIM) {
			pr_warn("directory: ignoring %.*s: %s\n", (int)r->kvs[i].key_len,
				(const char *)r->kvs[i].key, why);
			continue;
		}
		if (rec.key.claim > c->max || !rec.key.claim)
			continue;
		if (!strcmp(rec.owner, c->self)) {
			c->pair = rec.key.claim;	/* ours from an earlier start */
			finish(c, 0, NULL);
			return;
		}
		c->used[rec.key.claim] = 1;
	}
	c->pair = 1;
	claim_next(e, c);
}

static void pair_prefixes(const struct fabric_config *f, uint32_t n, struct fabric_config *cfg)
{
	uint64_t hi;

	cfg->host4.addr = htonl(ntohl(f->fabric4.addr) | (n << (32 - CLAIM_V4_LEN)));
	cfg->host4.len = CLAIM_V4_LEN;
	memcpy(&hi, f->fabric6.addr, 8);
	hi = htobe64(be64toh(hi) | n);
	memset(cfg->host6.addr, 0, 16);
	memcpy(cfg->host6.addr, &hi, 8);
	cfg->host6.len = CLAIM_V6_LEN;
}

int directory_claim(const struct directory_config *dc, const char *self,
		    struct fabric_config *cfg, int timeout_ms, char *err)
{
	struct claim c = { .dc = dc, .self = self };
	char key[DIR_KEY_MAX];
	struct etcd *e = NULL;
	struct loop l;
	int64_t deadline;
	int ret;
	uint32_t b4, b6;

	if (cfg->fabric4.len > CLAIM_V4_LEN || cfg->fabric6.len > CLAIM_V6_LEN - 1) {
		snprintf(err, ERR_SIZE, "claiming a prefix needs a fabric of at least /%d (IPv4) "
			 "and /%d (IPv6)", CLAIM_V4_LEN, CLAIM_V6_LEN - 1);
		return -EINVAL;
	}
	b4 = CLAIM_V4_LEN - (uint32_t)cfg->fabric4.len;
	b6 = CLAIM_V6_LEN - (uint32_t)cfg->fabric6.len;
	c.max = (b4 >= 16 || b6 >= 16) ? CLAIM_MAX_PAIRS - 1 : 0;
	if (!c.max)
		c.max = (1u << (b4 < b6 ? b4 : b6)) - 1;
	if (!c.max) {
		snprintf(err, ERR_SIZE, "the fabric holds a single /%d: no pair to claim",
			 CLAIM_V4_LEN);
		return -EINVAL;
	}
	c.used = calloc(c.max + 1, 1);
	ret = c.used ? loop_init(&l) : -ENOMEM;
	if (ret) {
		free(c.used);
		snprintf(err, ERR_SIZE, "claiming a prefix: %s", strerror(-ret));
		return ret;
	}
	ret = etcd_new(&l, &dc->etcd, &e, err);
	if (ret)
		goto out;
	dir_kind_prefix(dc->prefix, DIR_CLAIM, key);
	ret = etcd_range(e, key, strlen(key), true, 0, on_range, &c);
	if (ret) {
		snprintf(err, ERR_SIZE, "claiming a prefix: %s", strerror(-ret));
		goto out;
	}
	deadline = dir_now_ms() + timeout_ms;
	while (!c.done) {
		int64_t left = deadline - dir_now_ms();
		int t = etcd_next_timeout_ms(e);

		if (left <= 0) {
			char why[ERR_SIZE];

			snprintf(why, sizeof(why), "no answer in %d ms (last: %s)", timeout_ms,
				 c.msg[0] ? c.msg : "none");
			c.err = -ETIMEDOUT;
			snprintf(c.msg, sizeof(c.msg), "%s", why);
			break;
		}
		if (c.retry_at && dir_now_ms() >= c.retry_at) {
			c.retry_at = 0;
			ret = etcd_range(e, key, strlen(key), true, 0, on_range, &c);
			if (ret) {
				c.err = ret;
				snprintf(c.msg, sizeof(c.msg), "queueing a range: %s", strerror(-ret));
				break;
			}
		}
		if (c.retry_at) {
			int64_t w = c.retry_at - dir_now_ms();

			if (t < 0 || t > w)
				t = w < 0 ? 0 : (int)w;
		}
		if (t < 0 || t > left)
			t = (int)left;
		ret = loop_run_once(&l, t);
		if (ret < 0) {
			finish(&c, ret, "event loop");
			break;
		}
		etcd_tick(e);
	}
	ret = c.err;
	if (ret) {
		snprintf(err, ERR_SIZE, "claiming a prefix pair in etcd: %s", c.msg);
	} else {
		char p4[ADDR_STRLEN], p6[ADDR_STRLEN];

		pair_prefixes(cfg, c.pair, cfg);
		prefix4_format(&cfg->host4, p4, sizeof(p4));
		prefix6_format(&cfg->host6, p6, sizeof(p6));
		pr_info("directory: this host holds prefix pair %u: %s and %s\n", c.pair, p4, p6);
	}
out:
	if (e)
		etcd_free(e);
	loop_free(&l);
	free(c.used);
	return ret;
}

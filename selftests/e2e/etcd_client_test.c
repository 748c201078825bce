// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The etcd client (directory/etcd.h) against real etcd members, on a real
 * loop: test_etcd_client.sh starts a 3-member cluster and a TLS member
 * and runs this with
 *   ETCD_LIB   selftests/e2e/etcd_lib.sh (members are killed, stopped and
 *              started through it)
 *   ETCD_DIR   the 3-member cluster's directory, ETCD_URLS its members
 *   ETCD_TLS_DIR, ETCD_TLS_URL   the TLS member (certificates in its directory)
 * Each test's keys live under a prefix of its own.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "core/loop.h"
#include "directory/etcd.h"

static struct loop lp;
static const char *lib, *dir, *tls_dir, *tls_url;
static char *urls[3];
static size_t n_urls;
static char pfx[64];		/* this run's key prefix */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool setup(void)
{
	static bool done, ok;
	char *list, *tok, *save;

	if (done)
		return ok;
	done = true;
	lib = getenv("ETCD_LIB");
	dir = getenv("ETCD_DIR");
	tls_dir = getenv("ETCD_TLS_DIR");
	tls_url = getenv("ETCD_TLS_URL");
	list = getenv("ETCD_URLS");
	list = list ? strdup(list) : NULL;
	for (tok = list ? strtok_r(list, ",", &save) : NULL; tok && n_urls < 3;
	     tok = strtok_r(NULL, ",", &save))
		urls[n_urls++] = strdup(tok);
	free(list);
	snprintf(pfx, sizeof(pfx), "/warren-test/%d/", getpid());
	ok = lib && dir && n_urls == 3 && !loop_init(&lp);
	return ok;
}

#define NEED_CLUSTER()							\
	do {								\
		if (!setup()) {						\
			test_skip_because("no cluster (run from test_etcd_client.sh)"); \
			return;						\
		}							\
	} while (0)

/* bash etcd_lib.sh DIR CMD [ARG]: 0 or the command's status. */
static int cluster(const char *d, const char *cmd, long arg)
{
	char line[1024];

	snprintf(line, sizeof(line), "bash '%s' '%s' %s %ld", lib, d, cmd, arg);
	return system(line);
}

static int leader(void)
{
	char line[1024], out[16] = "";
	FILE *f;

	snprintf(line, sizeof(line), "bash '%s' '%s' leader", lib, dir);
	f = popen(line, "r");
	if (!f)
		return -1;
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	pclose(f);
	return out[0] ? atoi(out) : -1;
}

static int member_index(const char *url)
{
	for (size_t i = 0; i < n_urls; i++)
		if (!strcmp(urls[i], url))
			return (int)i;
	return -1;
}

/* --- a client on the loop -------------------------------------------------------- */

static struct etcd *client(const char *const *members, size_t n, int timeout_ms,
			   const char *ca, const char *cert, const char *key)
{
	struct etcd_config cfg = { .n_members = n, .cacert = ca, .cert = cert, .key = key,
				   .timeout_ms = timeout_ms };
	struct etcd *e = NULL;
	char err[256] = "";

	for (size_t i = 0; i < n; i++)
		cfg.members[i] = members[i];
	if (etcd_new(&lp, &cfg, &e, err))
		printf("# etcd_new: %s\n", err);
	return e;
}

static struct etcd *cluster_client(int timeout_ms)
{
	return client((const char *const *)urls, n_urls, timeout_ms, NULL, NULL, NULL);
}

/* Run the loop as the agent does, until *flag or ms pass; whether flag came. */
static bool run_until(struct etcd *e, const bool *flag, int ms)
{
	int64_t end = now_ms() + ms;

	while (!*flag && now_ms() < end) {
		int t = etcd_next_timeout_ms(e);

		if (t < 0 || t > 50)
			t = 50;
		if (loop_run_once(&lp, t) < 0)
			return false;
		etcd_tick(e);
	}
	return *flag;
}

static void run_for(struct etcd *e, int ms)
{
	bool never = false;

	run_until(e, &never, ms);
}

#define MAX_KVS 64

struct res {
	bool done;
	int err;
	char msg[512];
	int64_t revision;
	bool succeeded;
	int64_t lease_id, ttl;
	size_t n;
	struct {
		char key[128], value[128];
		int64_t lease, mod_revision;
	} kv[MAX_KVS];
};

static void copy_bytes(char *dst, size_t size, const uint8_t *p, size_t n)
{
	snprintf(dst, size, "%.*s", (int)n, (const char *)p);
}

static void on_res(struct etcd *e, const struct etcd_result *r, void *arg)
{
	struct res *out = arg;

	out->done = true;
	out->err = r->err;
	snprintf(out->msg, sizeof(out->msg), "%s", r->msg ? r->msg : "(no message)");
	out->revision = r->revision;
	out->succeeded = r->succeeded;
	out->lease_id = r->lease_id;
	out->ttl = r->ttl;
	out->n = r->n_kvs < MAX_KVS ? r->n_kvs : MAX_KVS;
	for (size_t i = 0; i < out->n; i++) {
		copy_bytes(out->kv[i].key, sizeof(out->kv[i].key), r->kvs[i].key, r->kvs[i].key_len);
		copy_bytes(out->kv[i].value, sizeof(out->kv[i].value), r->kvs[i].value,
			   r->kvs[i].value_len);
		out->kv[i].lease = r->kvs[i].lease;
		out->kv[i].mod_revision = r->kvs[i].mod_revision;
	}
}

/* Wait for a queued request's answer: its error, or -ETIME if none came in 20 s. */
static int wait_res(struct etcd *e, int queued, struct res *r)
{
	if (queued)
		return queued;
	if (!run_until(e, &r->done, 20000))
		return -ETIME;
	if (r->err)
		printf("# %s\n", r->msg);
	return r->err;
}

static char keybuf[256];

static const char *K(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *K(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(keybuf, sizeof(keybuf), "%s", pfx);

	va_start(ap, fmt);
	vsnprintf(keybuf + n, sizeof(keybuf) - (size_t)n, fmt, ap);
	va_end(ap);
	return keybuf;
}

static int put(struct etcd *e, const char *key, const char *value, int64_t lease, struct res *r)
{
	memset(r, 0, sizeof(*r));
	return wait_res(e, etcd_put(e, key, strlen(key), value, strlen(value), lease, on_res, r), r);
}

static int get(struct etcd *e, const char *key, bool prefix, int64_t rev, struct res *r)
{
	memset(r, 0, sizeof(*r));
	return wait_res(e, etcd_range(e, key, strlen(key), prefix, rev, on_res, r), r);
}

static int del(struct etcd *e, const char *key, bool prefix, struct res *r)
{
	memset(r, 0, sizeof(*r));
	return wait_res(e, etcd_delete(e, key, strlen(key), prefix, on_res, r), r);
}

static int create(struct etcd *e, const char *key, const char *value, struct res *r)
{
	memset(r, 0, sizeof(*r));
	return wait_res(e, etcd_create(e, key, strlen(key), value, strlen(value), 0, on_res, r), r);
}

/* A create that tries again while etcd elects a leader: never writes twice. */
static int create_retrying(struct etcd *e, const char *key, const char *value, struct res *r)
{
	int ret = 0;

	for (int i = 0; i < 20; i++) {
		ret = create(e, key, value, r);
		if (ret != -EAGAIN && ret != -ETIMEDOUT && ret != -EHOSTUNREACH)
			return ret;
		run_for(e, 250);
	}
	return ret;
}

/* --- watches ----------------------------------------------------------------------- */

#define MAX_EVENTS 128

struct wlog {
	size_t n;
	char ev[MAX_EVENTS][160];	/* "P key=value" or "D key" */
	int64_t rev[MAX_EVENTS];
	bool out_of_order;
	bool lost;
	int lost_err;
	char lost_msg[512];
	struct etcd_watch *w;
};

static void on_events(struct etcd *e, const struct etcd_event *ev, size_t n, int64_t revision,
		      void *arg)
{
	struct wlog *l = arg;

	for (size_t i = 0; i < n && l->n < MAX_EVENTS; i++) {
		const struct etcd_kv *kv = &ev[i].kv;
		char key[128], value[128];

		copy_bytes(key, sizeof(key), kv->key, kv->key_len);
		copy_bytes(value, sizeof(value), kv->value, kv->value_len);
		/* Only this run's part of the key: the names tests compare. */
		if (!strncmp(key, pfx, strlen(pfx)))
			memmove(key, key + strlen(pfx), strlen(key) - strlen(pfx) + 1);
		if (ev[i].type == ETCD_EVENT_PUT)
			snprintf(l->ev[l->n], sizeof(l->ev[0]), "P %s=%s", key, value);
		else
			snprintf(l->ev[l->n], sizeof(l->ev[0]), "D %s", key);
		if (l->n && kv->mod_revision <= l->rev[l->n - 1])
			l->out_of_order = true;
		l->rev[l->n++] = kv->mod_revision;
	}
	if (revision != ev[n - 1].kv.mod_revision)
		l->out_of_order = true;
}

static void on_lost(struct etcd *e, int err, const char *msg, void *arg)
{
	struct wlog *l = arg;

	l->lost = true;
	l->lost_err = err;
	snprintf(l->lost_msg, sizeof(l->lost_msg), "%s", msg);
}

static int watch(struct etcd *e, const char *prefix, int64_t from, struct wlog *l)
{
	memset(l, 0, sizeof(*l));
	return etcd_watch(e, prefix, strlen(prefix), from, on_events, on_lost, l, &l->w);
}

/* Wait for n events (or the watch's loss); whether they came. */
static bool wait_events(struct etcd *e, struct wlog *l, size_t n, int ms)
{
	int64_t end = now_ms() + ms;

	while (l->n < n && !l->lost && now_ms() < end)
		run_for(e, 20);
	if (l->n < n)
		printf("# %zu of %zu events%s%s\n", l->n, n, l->lost ? "; lost: " : "",
		       l->lost ? l->lost_msg : "");
	return l->n >= n;
}

/* --- tests --------------------------------------------------------------------------- */

static void test_config_errors(void)
{
	struct etcd_config cfg = { .n_members = 1, .members = { "http://127.0.0.1:1" } };
	struct etcd *e = NULL;
	struct loop l;
	char err[256];
	static const char *const bad_urls[] = {
		"127.0.0.1:2379", "ftp://127.0.0.1:2379", "http://", "http:///x",
		"http://127.0.0.1:2379/v3", "http://user@127.0.0.1:2379",
	};

	if (!ASSERT_OK(loop_init(&l), "loop"))
		return;
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		err[0] = '\0';
		cfg.members[0] = bad_urls[i];
		ASSERT_ERR(etcd_new(&l, &cfg, &e, err), -EINVAL, bad_urls[i]);
		ASSERT_TRUE(e == NULL && strstr(err, "etcd member"), err);
	}
	cfg.members[0] = "https://127.0.0.1:2379/";
	cfg.cacert = "/nonexistent/ca.pem";
	ASSERT_ERR(etcd_new(&l, &cfg, &e, err), -EINVAL, "missing CA file");
	ASSERT_TRUE(strstr(err, "/nonexistent/ca.pem") != NULL, err);
	cfg.cacert = NULL;
	cfg.key = "/etc/hostname";
	ASSERT_ERR(etcd_new(&l, &cfg, &e, err), -EINVAL, "key without certificate");
	cfg.key = NULL;
	cfg.n_members = 0;
	ASSERT_ERR(etcd_new(&l, &cfg, &e, err), -EINVAL, "no member");
	cfg.n_members = 1;
	if (!ASSERT_OK(etcd_new(&l, &cfg, &e, err), "a trailing / is fine"))
		goto out;
	ASSERT_STREQ(etcd_member(e), "https://127.0.0.1:2379", "without it");
	ASSERT_ERR(etcd_put(e, "", 0, "v", 1, 0, NULL, NULL), -EINVAL, "empty key");
	ASSERT_ERR(etcd_lease_grant(e, 0, NULL, NULL), -EINVAL, "TTL 0");
	ASSERT_ERR(etcd_watch(e, "a", 1, -1, NULL, NULL, NULL, NULL), -EINVAL, "no handle");
	etcd_free(e);
out:
	loop_free(&l);
}

static void test_put_range_delete(void)
{
	struct etcd *e;
	struct res r;
	int64_t rev1;
	char bin_key[80];
	size_t bin_len;
	static const uint8_t bin_tail[] = { 0, 0xff, 0x80, '\n', 0 };

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client"))
		return;
	if (!ASSERT_OK(put(e, K("kv/a"), "1", 0, &r), "put a"))
		goto out;
	rev1 = r.revision;
	ASSERT_TRUE(rev1 > 0, "a revision");
	ASSERT_OK(put(e, K("kv/b"), "2", 0, &r), "put b");
	ASSERT_OK(put(e, K("kv/c/d"), "", 0, &r), "put c/d, empty value");
	ASSERT_OK(put(e, K("kva"), "not under kv/", 0, &r), "put kva");
	ASSERT_OK(put(e, K("kv/a"), "1b", 0, &r), "put a again");
	ASSERT_TRUE(r.revision > rev1, "the revision moved on");

	ASSERT_OK(get(e, K("kv/a"), false, 0, &r), "range a");
	ASSERT_TRUE(r.n == 1 && !strcmp(r.kv[0].value, "1b"), "a's value");
	ASSERT_OK(get(e, K("kv/a"), false, rev1, &r), "range a at its first revision");
	ASSERT_TRUE(r.n == 1 && !strcmp(r.kv[0].value, "1"), "a's old value");
	ASSERT_OK(get(e, K("kv/"), true, 0, &r), "range the prefix");
	if (ASSERT_EQ(r.n, 3, "three keys under kv/")) {
		ASSERT_STREQ(r.kv[0].key + strlen(pfx), "kv/a", "sorted");
		ASSERT_STREQ(r.kv[2].key + strlen(pfx), "kv/c/d", "sorted");
		ASSERT_STREQ(r.kv[2].value, "", "empty value");
	}
	ASSERT_OK(get(e, K("kv/none"), false, 0, &r), "range a missing key");
	ASSERT_EQ(r.n, 0, "no key");

	/* Bytes, not text: NUL and 0xff inside a key. */
	bin_len = (size_t)snprintf(bin_key, sizeof(bin_key), "%sbin/", pfx);
	memcpy(bin_key + bin_len, bin_tail, sizeof(bin_tail));
	bin_len += sizeof(bin_tail);
	memset(&r, 0, sizeof(r));
	ASSERT_OK(wait_res(e, etcd_put(e, bin_key, bin_len, bin_tail, sizeof(bin_tail), 0, on_res, &r),
			   &r), "put a binary key");
	memset(&r, 0, sizeof(r));
	ASSERT_OK(wait_res(e, etcd_range(e, bin_key, bin_len, false, 0, on_res, &r), &r),
		  "range it");
	ASSERT_EQ(r.n, 1, "found by its bytes");

	ASSERT_OK(del(e, K("kv/c/"), true, &r), "delete the prefix kv/c/");
	ASSERT_OK(del(e, K("kv/b"), false, &r), "delete b");
	ASSERT_OK(get(e, K("kv"), true, 0, &r), "range kv");
	ASSERT_EQ(r.n, 2, "kv/a and kva left");
out:
	etcd_free(e);
}

static void test_create(void)
{
	struct etcd *e;
	struct res r;

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client"))
		return;
	if (ASSERT_OK(create(e, K("claim/10.1.0.0-24"), "host-a", &r), "first create"))
		ASSERT_TRUE(r.succeeded, "created");
	if (ASSERT_OK(create(e, K("claim/10.1.0.0-24"), "host-b", &r), "second create")) {
		ASSERT_FALSE(r.succeeded, "not created");
		ASSERT_TRUE(r.n == 1 && !strcmp(r.kv[0].value, "host-a"), "returns the existing");
	}
	ASSERT_OK(get(e, K("claim/10.1.0.0-24"), false, 0, &r), "range");
	ASSERT_TRUE(r.n == 1 && !strcmp(r.kv[0].value, "host-a"), "the first one stays");
	etcd_free(e);
}

static void test_lease(void)
{
	struct etcd *e;
	struct res r;
	int64_t id, id2;
	bool gone = false;

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client"))
		return;
	memset(&r, 0, sizeof(r));
	if (!ASSERT_OK(wait_res(e, etcd_lease_grant(e, 2, on_res, &r), &r), "grant 2 s"))
		goto out;
	id = r.lease_id;
	ASSERT_TRUE(id > 0 && r.ttl == 2, "id and TTL");
	ASSERT_OK(put(e, K("lease/k"), "v", id, &r), "put with the lease");
	ASSERT_OK(get(e, K("lease/k"), false, 0, &r), "range");
	ASSERT_TRUE(r.n == 1 && r.kv[0].lease == id, "the key has the lease");
	/* Kept alive past its TTL, it stays. */
	for (int i = 0; i < 4; i++) {
		run_for(e, 700);
		memset(&r, 0, sizeof(r));
		ASSERT_OK(wait_res(e, etcd_lease_keepalive(e, id, on_res, &r), &r), "keepalive");
		ASSERT_TRUE(r.ttl > 0 && r.lease_id == id, "TTL renewed");
	}
	ASSERT_OK(get(e, K("lease/k"), false, 0, &r), "range after 2.8 s");
	ASSERT_EQ(r.n, 1, "still there");
	/* Left alone, it expires and takes the key. */
	for (int i = 0; i < 40 && !gone; i++) {
		run_for(e, 250);
		gone = !get(e, K("lease/k"), false, 0, &r) && r.n == 0;
	}
	ASSERT_TRUE(gone, "the key went with its lease");
	memset(&r, 0, sizeof(r));
	ASSERT_ERR(wait_res(e, etcd_lease_keepalive(e, id, on_res, &r), &r), -ENOENT,
		   "keepalive of the expired lease");
	ASSERT_ERR(put(e, K("lease/k"), "v", id, &r), -ENOENT, "put with it");

	/* Revoked: the key goes at once. */
	memset(&r, 0, sizeof(r));
	if (!ASSERT_OK(wait_res(e, etcd_lease_grant(e, 60, on_res, &r), &r), "grant 60 s"))
		goto out;
	id2 = r.lease_id;
	ASSERT_OK(put(e, K("lease/k2"), "v", id2, &r), "put with it");
	memset(&r, 0, sizeof(r));
	ASSERT_OK(wait_res(e, etcd_lease_revoke(e, id2, on_res, &r), &r), "revoke");
	ASSERT_OK(get(e, K("lease/k2"), false, 0, &r), "range");
	ASSERT_EQ(r.n, 0, "gone with the revoked lease");
	memset(&r, 0, sizeof(r));
	ASSERT_ERR(wait_res(e, etcd_lease_revoke(e, id2, on_res, &r), &r), -ENOENT, "revoke again");
	ASSERT_TRUE(strstr(r.msg, "lease not found") != NULL, r.msg);
out:
	etcd_free(e);
}

/* Changes to one key queued back to back are applied in order; others go in parallel. */
static void test_order(void)
{
	static const char *const vals[] = { "1", NULL, "2", NULL, "3" };
	struct res rs[5], r, many[40];
	struct etcd *e;
	struct wlog l;
	char key[128];

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client"))
		return;
	if (!ASSERT_OK(put(e, K("order/start"), "", 0, &r), "put"))
		goto out;
	ASSERT_OK(watch(e, K("order/k"), r.revision + 1, &l), "watch");
	snprintf(key, sizeof(key), "%s", K("order/k"));
	memset(rs, 0, sizeof(rs));
	for (int i = 0; i < 5; i++)
		ASSERT_OK(vals[i] ? etcd_put(e, key, strlen(key), vals[i], 1, 0, on_res, &rs[i])
				  : etcd_delete(e, key, strlen(key), false, on_res, &rs[i]), "queued");
	memset(many, 0, sizeof(many));
	for (int i = 0; i < 40; i++) {
		const char *k = K("order/many/%02d", i);

		ASSERT_OK(etcd_put(e, k, strlen(k), "x", 1, 0, on_res, &many[i]), "queued");
	}
	for (int i = 0; i < 5; i++)
		ASSERT_OK(wait_res(e, 0, &rs[i]), "applied");
	for (int i = 1; i < 5; i++)
		ASSERT_TRUE(rs[i].revision > rs[i - 1].revision, "in the order queued");
	for (int i = 0; i < 40; i++)
		ASSERT_OK(wait_res(e, 0, &many[i]), "parallel puts");
	ASSERT_OK(get(e, K("order/many/"), true, 0, &r), "range");
	ASSERT_EQ(r.n, 40, "all 40");
	if (wait_events(e, &l, 5, 5000)) {
		ASSERT_STREQ(l.ev[0], "P order/k=1", "1");
		ASSERT_STREQ(l.ev[1], "D order/k", "deleted");
		ASSERT_STREQ(l.ev[2], "P order/k=2", "2");
		ASSERT_STREQ(l.ev[3], "D order/k", "deleted");
		ASSERT_STREQ(l.ev[4], "P order/k=3", "3");
	}
	etcd_watch_cancel(l.w);
out:
	etcd_free(e);
}

static void test_watch_order(void)
{
	struct etcd *e;
	struct wlog l, hist;
	struct res r;
	int64_t from;

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client"))
		return;
	if (!ASSERT_OK(put(e, K("start"), "", 0, &r), "put"))
		goto out;
	from = r.revision + 1;
	if (!ASSERT_OK(watch(e, K("w/"), from, &l), "watch w/"))
		goto out;
	ASSERT_OK(put(e, K("w/a"), "1", 0, &r), "put a");
	ASSERT_OK(put(e, K("elsewhere"), "1", 0, &r), "put outside the prefix");
	ASSERT_OK(put(e, K("w/b"), "2", 0, &r), "put b");
	ASSERT_OK(put(e, K("w/a"), "3", 0, &r), "put a again");
	ASSERT_OK(del(e, K("w/a"), false, &r), "delete a");
	ASSERT_OK(del(e, K("w/"), true, &r), "delete the prefix");
	if (wait_events(e, &l, 5, 5000)) {
		ASSERT_STREQ(l.ev[0], "P w/a=1", "put a");
		ASSERT_STREQ(l.ev[1], "P w/b=2", "put b");
		ASSERT_STREQ(l.ev[2], "P w/a=3", "put a again");
		ASSERT_STREQ(l.ev[3], "D w/a", "delete a");
		ASSERT_STREQ(l.ev[4], "D w/b", "delete b by prefix");
		ASSERT_FALSE(l.out_of_order, "revisions increase");
	}
	run_for(e, 300);
	ASSERT_EQ(l.n, 5, "nothing more");
	ASSERT_FALSE(l.lost, "not lost");
	etcd_watch_cancel(l.w);
	/* From an old revision: the same history again. */
	if (ASSERT_OK(watch(e, K("w/"), from, &hist), "watch from the start again") &&
	    wait_events(e, &hist, 5, 5000))
		ASSERT_TRUE(!memcmp(hist.ev, l.ev, sizeof(l.ev[0]) * 5), "same events");
	etcd_watch_cancel(hist.w);
out:
	etcd_free(e);
}

static void test_watch_resume(void)
{
	struct etcd *a = NULL, *b = NULL;
	const char *others[2];
	struct wlog l;
	struct res r;
	int killed = -1, n = 0;
	bool dup = false;

	NEED_CLUSTER();
	a = cluster_client(0);
	if (!ASSERT_TRUE(a != NULL, "client") || !ASSERT_OK(put(a, K("resume/0"), "0", 0, &r), "put"))
		goto out;
	if (!ASSERT_OK(watch(a, K("resume/"), r.revision, &l), "watch") ||
	    !wait_events(a, &l, 1, 5000))
		goto out;
	killed = member_index(etcd_member(a));
	if (!ASSERT_TRUE(killed >= 0, "the watch's member"))
		goto out;
	printf("# killing member %d (%s), the watch's; the leader is %d\n", killed, urls[killed],
	       leader());
	ASSERT_OK(cluster(dir, "kill", killed), "kill it");
	for (size_t i = 0, j = 0; i < 3; i++)
		if ((int)i != killed)
			others[j++] = urls[i];
	b = client(others, 2, 0, NULL, NULL, NULL);
	if (!ASSERT_TRUE(b != NULL, "a client of the two others"))
		goto out;
	/* Written meanwhile through the others; a's loop does not run. */
	for (int i = 1; i <= 10; i++)
		if (ASSERT_OK(create_retrying(b, K("resume/%02d", i), "v", &r), "create") &&
		    ASSERT_TRUE(r.succeeded, "created"))
			n++;
	ASSERT_OK(create_retrying(b, K("resume/%02d", 11), "v", &r), "one more");
	n++;
	if (wait_events(a, &l, 1 + (size_t)n, 15000)) {
		for (size_t i = 1; i < l.n; i++)
			if (!strcmp(l.ev[i], l.ev[i - 1]))
				dup = true;
		ASSERT_FALSE(dup, "each event once");
		ASSERT_FALSE(l.out_of_order, "in order");
		ASSERT_STREQ(l.ev[n], "P resume/11=v", "the last one last");
	}
	run_for(a, 300);
	ASSERT_EQ(l.n, 1 + (size_t)n, "nothing repeated");
	ASSERT_TRUE(member_index(etcd_member(a)) != killed, "requests moved on too");
	ASSERT_OK(put(a, K("resume/after"), "x", 0, &r), "a put through the client");
	etcd_watch_cancel(l.w);
out:
	if (killed >= 0) {
		ASSERT_OK(cluster(dir, "start", killed), "restart the member");
		ASSERT_OK(cluster(dir, "wait", killed), "healthy again");
	}
	etcd_free(a);
	etcd_free(b);
}

/*
 * A quiet watch follows etcd's progress notices (every 2 s in this
 * cluster): after a compaction past its last event and a kill of its
 * member it resumes from the notice, not from a compacted revision.
 */
static void test_watch_progress(void)
{
	struct etcd *a = NULL, *b = NULL;
	const char *others[2];
	struct wlog l;
	struct res r;
	int killed = -1;

	NEED_CLUSTER();
	a = cluster_client(0);
	if (!ASSERT_TRUE(a != NULL, "client") || !ASSERT_OK(put(a, K("quiet/0"), "0", 0, &r), "put"))
		goto out;
	if (!ASSERT_OK(watch(a, K("quiet/"), r.revision + 1, &l), "watch the quiet prefix"))
		goto out;
	for (int i = 0; i < 5; i++)
		ASSERT_OK(put(a, K("busy"), "x", 0, &r), "put elsewhere");
	run_for(a, 2600);
	if (!ASSERT_OK(cluster(dir, "compact", r.revision), "compact past the watch's start"))
		goto out;
	killed = member_index(etcd_member(a));
	if (!ASSERT_TRUE(killed >= 0, "the watch's member") ||
	    !ASSERT_OK(cluster(dir, "kill", killed), "kill it"))
		goto out;
	for (size_t i = 0, j = 0; i < 3; i++)
		if ((int)i != killed)
			others[j++] = urls[i];
	b = client(others, 2, 0, NULL, NULL, NULL);
	if (ASSERT_TRUE(b != NULL, "a client of the others"))
		ASSERT_OK(create_retrying(b, K("quiet/1"), "v", &r), "a change under the prefix");
	if (wait_events(a, &l, 1, 15000))
		ASSERT_STREQ(l.ev[0], "P quiet/1=v", "delivered");
	ASSERT_FALSE(l.lost, "not lost to the compaction");
	etcd_watch_cancel(l.w);
out:
	if (killed >= 0) {
		ASSERT_OK(cluster(dir, "start", killed), "restart the member");
		ASSERT_OK(cluster(dir, "wait", killed), "healthy again");
	}
	etcd_free(a);
	etcd_free(b);
}

static void test_compacted(void)
{
	struct etcd *e;
	struct wlog l;
	struct res r;
	int64_t old;

	NEED_CLUSTER();
	e = cluster_client(0);
	if (!ASSERT_TRUE(e != NULL, "client") || !ASSERT_OK(put(e, K("cmp/k"), "1", 0, &r), "put"))
		goto out;
	old = r.revision;
	ASSERT_OK(put(e, K("cmp/k"), "2", 0, &r), "put");
	ASSERT_OK(put(e, K("cmp/k"), "3", 0, &r), "put");
	if (!ASSERT_OK(cluster(dir, "compact", r.revision), "compact"))
		goto out;
	ASSERT_ERR(get(e, K("cmp/k"), false, old, &r), -ESTALE, "range at a compacted revision");
	ASSERT_OK(watch(e, K("cmp/"), old, &l), "watch from it");
	run_until(e, &l.lost, 5000);
	ASSERT_TRUE(l.lost, "lost");
	ASSERT_EQ(l.lost_err, -ESTALE, "-ESTALE");
	ASSERT_TRUE(strstr(l.lost_msg, "compacted") != NULL, l.lost_msg);
	ASSERT_EQ(l.n, 0, "no event");
	etcd_watch_cancel(l.w);
out:
	etcd_free(e);
}

/* A stopped (not dead) member: the request times out there and goes on. */
static void test_timeout(void)
{
	const char *order[3];
	struct etcd *e = NULL;
	struct wlog l;
	struct res r;
	int lead = leader(), stopped = -1;

	NEED_CLUSTER();
	/* A follower, so the cluster keeps its leader meanwhile. */
	stopped = lead == 0 ? 1 : 0;
	order[0] = urls[stopped];
	for (size_t i = 0, j = 1; i < 3; i++)
		if ((int)i != stopped)
			order[j++] = urls[i];
	e = client(order, 3, 1000, NULL, NULL, NULL);
	if (!ASSERT_TRUE(e != NULL, "client") || !ASSERT_OK(cluster(dir, "stop", stopped), "SIGSTOP"))
		goto out;
	ASSERT_OK(put(e, K("to/k"), "1", 0, &r), "put goes to the next member");
	ASSERT_TRUE(member_index(etcd_member(e)) != stopped, "moved on");
	/* A watch that starts at the stopped member: no "created" in time, next member. */
	ASSERT_OK(cluster(dir, "cont", stopped), "SIGCONT");
	etcd_free(e);
	e = client(order, 3, 1000, NULL, NULL, NULL);
	if (!ASSERT_TRUE(e != NULL, "client"))
		goto out;
	ASSERT_OK(cluster(dir, "stop", stopped), "SIGSTOP");
	ASSERT_OK(watch(e, K("to/"), r.revision, &l), "watch");
	ASSERT_TRUE(wait_events(e, &l, 1, 8000), "the event, from another member");
	etcd_watch_cancel(l.w);
out:
	if (stopped >= 0)
		cluster(dir, "cont", stopped);
	etcd_free(e);
}

static void test_all_down(void)
{
	struct etcd *e;
	struct wlog l, l2;
	struct res r;
	int64_t t0, t_put;
	bool ok = false;

	NEED_CLUSTER();
	e = cluster_client(1000);
	if (!ASSERT_TRUE(e != NULL, "client") || !ASSERT_OK(put(e, K("down/0"), "", 0, &r), "put"))
		goto out;
	if (!ASSERT_OK(watch(e, K("down/"), r.revision, &l), "watch") || !wait_events(e, &l, 1, 5000))
		goto out;
	ASSERT_OK(cluster(dir, "kill-all", 0), "kill every member");
	t0 = now_ms();
	ASSERT_ERR(put(e, K("down/1"), "", 0, &r), -EHOSTUNREACH, "put");
	t_put = now_ms() - t0;
	ASSERT_TRUE(strstr(r.msg, "no etcd member answered") != NULL, r.msg);
	ASSERT_TRUE(run_until(e, &l.lost, 15000), "the watch is lost");
	ASSERT_EQ(l.lost_err, -EHOSTUNREACH, "-EHOSTUNREACH");
	printf("# put failed after %" PRId64 " ms, the watch was lost after %" PRId64 " ms: %s\n",
	       t_put, now_ms() - t0, l.lost_msg);
	etcd_watch_cancel(l.w);
	ASSERT_OK(cluster(dir, "start-all", 0), "start them again");
	ASSERT_OK(cluster(dir, "wait-all", 0), "healthy");
	for (int i = 0; i < 20 && !ok; i++) {
		ok = !put(e, K("down/2"), "back", 0, &r);
		if (!ok)
			run_for(e, 250);
	}
	ASSERT_TRUE(ok, "the same client writes again");
	ASSERT_OK(watch(e, K("down/"), r.revision, &l2), "watch again");
	ASSERT_TRUE(wait_events(e, &l2, 1, 5000) && !strcmp(l2.ev[0], "P down/2=back"),
		    "and watches");
	etcd_watch_cancel(l2.w);
out:
	etcd_free(e);
}

static void test_tls(void)
{
	char ca[512], wrong[512], cert[512], key[512];
	const char *m[1] = { tls_url };
	struct etcd *e;
	struct wlog l;
	struct res r;

	NEED_CLUSTER();
	if (!tls_dir || !tls_url) {
		test_skip_because("no TLS member");
		return;
	}
	snprintf(ca, sizeof(ca), "%s/ca.pem", tls_dir);
	snprintf(wrong, sizeof(wrong), "%s/wrong-ca.pem", tls_dir);
	snprintf(cert, sizeof(cert), "%s/client.pem", tls_dir);
	snprintf(key, sizeof(key), "%s/client.key", tls_dir);

	e = client(m, 1, 2000, ca, cert, key);
	if (ASSERT_TRUE(e != NULL, "client with CA and certificate")) {
		ASSERT_OK(put(e, K("tls/k"), "v", 0, &r), "put over TLS");
		ASSERT_OK(get(e, K("tls/k"), false, 0, &r), "range over TLS");
		ASSERT_TRUE(r.n == 1 && !strcmp(r.kv[0].value, "v"), "value");
		if (ASSERT_OK(watch(e, K("tls/"), r.kv[0].mod_revision, &l), "watch over TLS"))
			ASSERT_TRUE(wait_events(e, &l, 1, 5000), "event over TLS");
		etcd_watch_cancel(l.w);
		etcd_free(e);
	}
	e = client(m, 1, 2000, wrong, cert, key);
	if (ASSERT_TRUE(e != NULL, "client with the wrong CA")) {
		ASSERT_ERR(put(e, K("tls/k"), "v", 0, &r), -EHOSTUNREACH, "refused");
		ASSERT_TRUE(strstr(r.msg, "certificate") != NULL, r.msg);
		printf("# wrong CA: %s\n", r.msg);
		etcd_free(e);
	}
	e = client(m, 1, 2000, ca, NULL, NULL);
	if (ASSERT_TRUE(e != NULL, "client without a certificate")) {
		ASSERT_ERR(put(e, K("tls/k"), "v", 0, &r), -EHOSTUNREACH, "refused by the member");
		printf("# no client certificate: %s\n", r.msg);
		etcd_free(e);
	}
	m[0] = urls[0];
	e = client(m, 1, 2000, ca, cert, key);
	if (ASSERT_TRUE(e != NULL, "http member with TLS settings")) {
		ASSERT_OK(put(e, K("tls/plain"), "v", 0, &r), "plain http still works");
		etcd_free(e);
	}
}

/* --- a member that answers garbage ----------------------------------------------------- */

/*
 * A child process that answers every connection with answer, then fill
 * bytes of 'x' (an answer too big), with plain blocking sockets.
 */
static pid_t garbage_member(int lfd, const char *answer, size_t fill)
{
	static char chunk[1 << 20];
	struct timeval tv = { .tv_sec = 2 };
	pid_t pid = fork();

	if (pid)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	memset(chunk, 'x', sizeof(chunk));
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		char buf[4096];
		size_t left = fill;
		bool ok;

		if (c < 0)
			_exit(0);
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		ok = read(c, buf, sizeof(buf)) > 0 && write(c, answer, strlen(answer)) > 0;
		while (ok && left) {
			ssize_t n = write(c, chunk, left < sizeof(chunk) ? left : sizeof(chunk));

			ok = n > 0;
			left -= ok ? (size_t)n : 0;
		}
		/* Read what the client still sends, so closing does not reset what it has not read. */
		shutdown(c, SHUT_WR);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
}

static void stop_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void test_garbage_member(void)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 28\r\nConnection: close\r\n\r\n"
		"{\"header\":{\"revision\":[1]}}\n",
		"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad",
	};
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	char url[64];
	const char *m[1] = { url };
	struct etcd *e = NULL;
	struct wlog l;
	struct res r;
	pid_t child = -1;
	int lfd;

	NEED_CLUSTER();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(lfd >= 0, "socket") ||
	    !ASSERT_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), "bind an ephemeral port") ||
	    !ASSERT_OK(listen(lfd, 16), "listen") ||
	    !ASSERT_OK(getsockname(lfd, (struct sockaddr *)&sa, &sl), "port"))
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	e = client(m, 1, 3000, NULL, NULL, NULL);
	if (!ASSERT_TRUE(e != NULL, "client"))
		goto out;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		child = garbage_member(lfd, answers[i], 0);
		ASSERT_ERR(put(e, "k", "v", 0, &r), -EPROTO, "put");
		ASSERT_TRUE(strstr(r.msg, url) != NULL, r.msg);
		ASSERT_ERR(get(e, "k", true, 0, &r), -EPROTO, "range");
		if (i == 1) {
			ASSERT_OK(watch(e, "k", 0, &l), "watch");
			ASSERT_TRUE(run_until(e, &l.lost, 5000), "lost");
			ASSERT_EQ(l.lost_err, -EPROTO, "-EPROTO");
			printf("# %s\n", l.lost_msg);
			etcd_watch_cancel(l.w);
		}
		stop_child(child);
	}
	/* Answers past the bounds: 64 MiB for a range, 16 MiB for one line of a watch. */
	child = garbage_member(lfd, "HTTP/1.1 200 OK\r\nContent-Length: 80000000\r\n\r\n", 80000000);
	ASSERT_ERR(get(e, "k", true, 0, &r), -EMSGSIZE, "a range answer over 64 MiB");
	printf("# %s\n", r.msg);
	stop_child(child);
	child = garbage_member(lfd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 20000000);
	ASSERT_OK(watch(e, "k", 0, &l), "watch");
	ASSERT_TRUE(run_until(e, &l.lost, 10000), "lost");
	ASSERT_EQ(l.lost_err, -EMSGSIZE, "a watch line over 16 MiB");
	printf("# %s\n", l.lost_msg);
	etcd_watch_cancel(l.w);
out:
	stop_child(child);
	etcd_free(e);
	if (lfd >= 0)
		close(lfd);
}

static struct test_case tests[] = {
	{ "configuration errors", test_config_errors },
	{ "put, range, prefix range, delete", test_put_range_delete },
	{ "create if absent", test_create },
	{ "lease grant, keepalive, expiry, revoke", test_lease },
	{ "writes to one key in order, others in parallel", test_order },
	{ "watch delivers puts and deletes in order", test_watch_order },
	{ "watch resumes when its member is killed, each event once", test_watch_resume },
	{ "a quiet watch resumes from etcd's progress notices", test_watch_progress },
	{ "compacted revision: range and watch -ESTALE", test_compacted },
	{ "a stopped member times out, the next one answers", test_timeout },
	{ "every member down: -EHOSTUNREACH, then back", test_all_down },
	{ "TLS with client certificates; wrong CA refused", test_tls },
	{ "a member answering garbage or too much: -EPROTO, -EMSGSIZE", test_garbage_member },
};

TEST_MAIN(tests)

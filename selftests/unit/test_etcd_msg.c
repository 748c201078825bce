// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * directory/etcd_msg: the requests built for etcd's JSON gateway, and its
 * answers read, from answers etcd 3.4 gave (copied from a real member)
 * and from garbage, which must come out as -EPROTO with a reason.
 */
#include <stdlib.h>
#include "test.h"
#include "directory/etcd_msg.h"
#include "lib/json.h"

#define HDR "\"header\":{\"cluster_id\":\"7801232528081817440\",\"member_id\":" \
	    "\"13458989633860879742\",\"revision\":\"2\",\"raft_term\":\"2\"}"

static struct etcd_reply rep;

static int reply(enum etcd_op op, long status, const char *body)
{
	etcd_reply_free(&rep);
	etcd_msg_reply(op, status, body, strlen(body), &rep);
	return rep.res.err;
}

/* A request body's member, as text (base64 stays base64). */
static const char *field(struct jv *o, const char *a, const char *b)
{
	struct jv *v = jv_get(o, a);

	return jv_str(b ? jv_get(v, b) : v);
}

static struct jv *parse_request(char *text)
{
	struct jv *o = NULL;
	char err[128];

	if (!ASSERT_TRUE(text != NULL, "built") ||
	    !ASSERT_OK(jv_parse(text, strlen(text), &o, err, sizeof(err)), "request is JSON"))
		o = NULL;
	free(text);
	return o;
}

static void test_requests(void)
{
	struct etcd_args a = { .key = "foo", .key_len = 3, .value = "bar", .value_len = 3 };
	struct jv *o;

	o = parse_request(etcd_msg_request(ETCD_OP_PUT, &a));
	ASSERT_STREQ(field(o, "key", NULL), "Zm9v", "put key");
	ASSERT_STREQ(field(o, "value", NULL), "YmFy", "put value");
	ASSERT_TRUE(jv_get(o, "lease") == NULL, "no lease");
	jv_free(o);

	a.lease = 5007618207840553992;
	o = parse_request(etcd_msg_request(ETCD_OP_PUT, &a));
	ASSERT_STREQ(field(o, "lease", NULL), "5007618207840553992", "lease as a string, exact");
	jv_free(o);

	/* A prefix ranges to the prefix with its last byte + 1. */
	a = (struct etcd_args){ .key = "/w/", .key_len = 3, .prefix = true, .revision = 7 };
	o = parse_request(etcd_msg_request(ETCD_OP_RANGE, &a));
	ASSERT_STREQ(field(o, "key", NULL), "L3cv", "range key /w/");
	ASSERT_STREQ(field(o, "range_end", NULL), "L3cw", "range_end /w0");
	ASSERT_STREQ(field(o, "revision", NULL), "7", "revision");
	jv_free(o);

	/* Trailing 0xff bytes are cut before the increment; all 0xff ranges to the end. */
	a = (struct etcd_args){ .key = "a\xff\xff", .key_len = 3, .prefix = true };
	o = parse_request(etcd_msg_request(ETCD_OP_DELETE, &a));
	ASSERT_STREQ(field(o, "range_end", NULL), "Yg==", "a\\xff\\xff ends at b");
	jv_free(o);
	a = (struct etcd_args){ .key = "\xff", .key_len = 1, .prefix = true };
	o = parse_request(etcd_msg_request(ETCD_OP_RANGE, &a));
	ASSERT_STREQ(field(o, "range_end", NULL), "AA==", "\\xff ranges to the end");
	jv_free(o);
	a = (struct etcd_args){ .key = "", .key_len = 0, .prefix = true };
	o = parse_request(etcd_msg_request(ETCD_OP_RANGE, &a));
	ASSERT_STREQ(field(o, "key", NULL), "AA==", "empty prefix: from \\0");
	ASSERT_STREQ(field(o, "range_end", NULL), "AA==", "to the end");
	jv_free(o);

	a = (struct etcd_args){ .key = "x", .key_len = 1, .value = "v", .value_len = 1 };
	o = parse_request(etcd_msg_request(ETCD_OP_CREATE, &a));
	ASSERT_STREQ(field(jv_at(jv_get(o, "compare"), 0), "target", NULL), "CREATE", "compare");
	ASSERT_STREQ(field(jv_at(jv_get(o, "compare"), 0), "create_revision", NULL), "0", "absent");
	ASSERT_STREQ(field(jv_at(jv_get(o, "success"), 0), "request_put", "key"), "eA==", "put");
	ASSERT_STREQ(field(jv_at(jv_get(o, "failure"), 0), "request_range", "key"), "eA==", "range");
	jv_free(o);

	a = (struct etcd_args){ .ttl = 5 };
	o = parse_request(etcd_msg_request(ETCD_OP_GRANT, &a));
	ASSERT_STREQ(field(o, "TTL", NULL), "5", "TTL");
	jv_free(o);
	a = (struct etcd_args){ .lease = 42 };
	o = parse_request(etcd_msg_request(ETCD_OP_KEEPALIVE, &a));
	ASSERT_STREQ(field(o, "ID", NULL), "42", "ID");
	jv_free(o);

	o = parse_request(etcd_msg_watch_create("/w/", 3, 12));
	ASSERT_STREQ(field(o, "create_request", "key"), "L3cv", "watch key");
	ASSERT_STREQ(field(o, "create_request", "range_end"), "L3cw", "watch range_end");
	ASSERT_STREQ(field(o, "create_request", "start_revision"), "12", "start");
	jv_free(o);
	o = parse_request(etcd_msg_watch_create("/w/", 3, 0));
	ASSERT_TRUE(jv_get(jv_get(o, "create_request"), "start_revision") == NULL, "from now");
	jv_free(o);
}

static void test_answers(void)
{
	const struct etcd_kv *kv;

	ASSERT_OK(reply(ETCD_OP_PUT, 200, "{" HDR "}"), "put");
	ASSERT_EQ(rep.res.revision, 2, "revision from a string");

	ASSERT_OK(reply(ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":"
			"\"2\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"YmFy\","
			"\"lease\":\"5007618207840553992\"},{\"key\":\"Zm9w\"}],\"count\":\"2\"}"), "range");
	if (ASSERT_EQ(rep.res.n_kvs, 2, "two keys")) {
		kv = &rep.res.kvs[0];
		ASSERT_TRUE(kv->key_len == 3 && !memcmp(kv->key, "foo", 3), "key decoded");
		ASSERT_TRUE(kv->value_len == 3 && !memcmp(kv->value, "bar", 3), "value decoded");
		ASSERT_EQ(kv->create_revision, 2, "create_revision");
		ASSERT_EQ(kv->mod_revision, 3, "mod_revision");
		ASSERT_EQ(kv->version, 1, "version");
		ASSERT_EQ(kv->lease, 5007618207840553992, "lease");
		kv = &rep.res.kvs[1];
		ASSERT_TRUE(kv->value_len == 0 && kv->lease == 0 && kv->version == 0,
			    "missing fields are 0");
	}
	ASSERT_FALSE(rep.res.more, "no more");

	ASSERT_OK(reply(ETCD_OP_RANGE, 200, "{" HDR "}"), "empty range");
	ASSERT_EQ(rep.res.n_kvs, 0, "no keys");

	ASSERT_OK(reply(ETCD_OP_CREATE, 200, "{" HDR ",\"succeeded\":true,\"responses\":"
			"[{\"response_put\":{\"header\":{\"revision\":\"3\"}}}]}"), "create");
	ASSERT_TRUE(rep.res.succeeded, "created");
	ASSERT_OK(reply(ETCD_OP_CREATE, 200, "{" HDR ",\"responses\":[{\"response_range\":{"
			"\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":"
			"\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}],"
			"\"count\":\"1\"}}]}"), "create of an existing key");
	ASSERT_FALSE(rep.res.succeeded, "not created");
	ASSERT_TRUE(rep.res.n_kvs == 1 && rep.res.kvs[0].value_len == 3 &&
		    !memcmp(rep.res.kvs[0].value, "bar", 3), "the existing key");

	ASSERT_OK(reply(ETCD_OP_GRANT, 200, "{" HDR ",\"ID\":\"5007618207840553992\",\"TTL\":\"5\"}"),
		  "grant");
	ASSERT_EQ(rep.res.lease_id, 5007618207840553992, "lease id");
	ASSERT_EQ(rep.res.ttl, 5, "ttl");
	ASSERT_OK(reply(ETCD_OP_KEEPALIVE, 200, "{\"result\":{" HDR ",\"ID\":\"12\",\"TTL\":\"4\"}}\n"),
		  "keepalive");
	ASSERT_EQ(rep.res.ttl, 4, "ttl");
	ASSERT_ERR(reply(ETCD_OP_KEEPALIVE, 200, "{\"result\":{" HDR ",\"ID\":\"12345\"}}"), -ENOENT,
		   "keepalive of a gone lease (TTL left out: 0)");
	ASSERT_OK(reply(ETCD_OP_DELETE, 200, "{" HDR ",\"deleted\":\"1\"}"), "delete");
	ASSERT_OK(reply(ETCD_OP_REVOKE, 200, "{" HDR "}"), "revoke");
}

static void test_errors(void)
{
	ASSERT_ERR(reply(ETCD_OP_REVOKE, 404, "{\"error\":\"etcdserver: requested lease not found\","
			 "\"message\":\"etcdserver: requested lease not found\",\"code\":5}"),
		   -ENOENT, "lease not found");
	ASSERT_STREQ(rep.res.msg, "etcdserver: requested lease not found", "etcd's words");
	ASSERT_ERR(reply(ETCD_OP_PUT, 503, "{\"error\":\"etcdserver: no leader\",\"message\":"
			 "\"etcdserver: no leader\",\"code\":14}"), -EAGAIN, "no leader");
	ASSERT_ERR(reply(ETCD_OP_RANGE, 400, "{\"error\":\"mvcc: required revision has been "
			 "compacted\",\"code\":11}"), -ESTALE, "compacted");
	ASSERT_ERR(reply(ETCD_OP_RANGE, 400, "{\"error\":\"mvcc: required revision is a future "
			 "revision\",\"code\":11}"), -EIO, "future revision");
	ASSERT_ERR(reply(ETCD_OP_RANGE, 400, "{\"error\":\"illegal base64 data at input byte 0\","
			 "\"message\":\"illegal base64 data at input byte 0\",\"code\":3}"), -EIO,
		   "bad request");
	ASSERT_ERR(reply(ETCD_OP_KEEPALIVE, 200, "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
			 "\"message\":\"etcdserver: no leader\",\"http_status\":\"Service Unavailable\"}}"),
		   -EAGAIN, "a stream's error");
	ASSERT_ERR(reply(ETCD_OP_GRANT, 200, "{" HDR ",\"error\":\"lease too big\"}"), -EIO,
		   "a grant's own error");
	ASSERT_ERR(reply(ETCD_OP_PUT, 401, "{\"error\":\"bad\\u0001text\",\"code\":16}"), -EACCES,
		   "unauthenticated");
	ASSERT_STREQ(rep.res.msg, "bad?text", "control bytes not passed on");
}

static void test_garbage(void)
{
	static const struct {
		enum etcd_op op;
		long status;
		const char *body;
	} bad[] = {
		{ ETCD_OP_PUT, 200, "" },
		{ ETCD_OP_PUT, 200, "<html>proxy error</html>" },
		{ ETCD_OP_PUT, 502, "Bad Gateway" },
		{ ETCD_OP_PUT, 200, "[]" },
		{ ETCD_OP_PUT, 200, "{}" },
		{ ETCD_OP_PUT, 500, "{" HDR "}" },
		{ ETCD_OP_PUT, 200, "{\"header\":[]}" },
		{ ETCD_OP_PUT, 200, "{\"header\":{\"revision\":\"x2\"}}" },
		{ ETCD_OP_PUT, 200, "{\"header\":{\"revision\":\"99999999999999999999\"}}" },
		{ ETCD_OP_PUT, 200, "{\"header\":{\"revision\":true}}" },
		{ ETCD_OP_PUT, 200, "{\"header\":{\"revision\":\"\"}}" },
		{ ETCD_OP_PUT, 200, "{\"header\":{\"revision\":\"2 \"}}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":{}}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[1]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"value\":\"YmFy\"}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":\"\"}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":\"Zm9v!\"}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":7}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":\"Zm9v\",\"value\":\"Zm9\"}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"kvs\":[{\"key\":\"Zm9v\",\"version\":1.5}]}" },
		{ ETCD_OP_RANGE, 200, "{" HDR ",\"more\":\"yes\"}" },
		{ ETCD_OP_CREATE, 200, "{" HDR "}" },
		{ ETCD_OP_CREATE, 200, "{" HDR ",\"responses\":[{\"response_range\":{}}]}" },
		{ ETCD_OP_CREATE, 200, "{" HDR ",\"succeeded\":1}" },
		{ ETCD_OP_GRANT, 200, "{" HDR "}" },
		{ ETCD_OP_GRANT, 200, "{" HDR ",\"ID\":{},\"TTL\":\"5\"}" },
		{ ETCD_OP_KEEPALIVE, 200, "{" HDR ",\"ID\":\"1\",\"TTL\":\"5\"}" },
		{ ETCD_OP_KEEPALIVE, 200, "{\"result\":7}" },
		{ ETCD_OP_KEEPALIVE, 200, "{\"result\":{\"ID\":\"1\",\"TTL\":\"5\"}}{\"result\":{}}" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_ERR(reply(bad[i].op, bad[i].status, bad[i].body), -EPROTO, bad[i].body);
		ASSERT_TRUE(rep.res.msg && rep.res.msg[0], "a reason");
		ASSERT_TRUE(rep.res.kvs == NULL && rep.res.n_kvs == 0, "no half result");
	}
}

static struct etcd_watch_msg wm;

static int watch_msg(const char *line)
{
	etcd_watch_msg_free(&wm);
	etcd_msg_watch(line, strlen(line), &wm);
	return wm.err;
}

static void test_watch(void)
{
	ASSERT_OK(watch_msg("{\"result\":{" HDR ",\"created\":true}}"), "created");
	ASSERT_TRUE(wm.created && !wm.canceled && wm.n_events == 0, "created, nothing else");
	ASSERT_EQ(wm.revision, 2, "revision");

	ASSERT_OK(watch_msg("{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"YTE=\","
			    "\"create_revision\":\"5\",\"mod_revision\":\"5\",\"version\":\"1\","
			    "\"value\":\"eA==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"YTE=\","
			    "\"mod_revision\":\"6\"}}]}}"), "events");
	if (ASSERT_EQ(wm.n_events, 2, "two events")) {
		ASSERT_EQ(wm.events[0].type, ETCD_EVENT_PUT, "a put (type left out)");
		ASSERT_TRUE(wm.events[0].kv.key_len == 2 && !memcmp(wm.events[0].kv.key, "a1", 2),
			    "its key");
		ASSERT_TRUE(wm.events[0].kv.value_len == 1 && wm.events[0].kv.value[0] == 'x',
			    "its value");
		ASSERT_EQ(wm.events[1].type, ETCD_EVENT_DELETE, "a delete");
		ASSERT_EQ(wm.events[1].kv.mod_revision, 6, "its revision");
		ASSERT_EQ(wm.events[1].kv.value_len, 0, "no value");
	}

	ASSERT_OK(watch_msg("{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,"
			    "\"compact_revision\":\"5\"}}"), "compacted");
	ASSERT_TRUE(wm.canceled && wm.compact_revision == 5, "canceled at 5");
	ASSERT_OK(watch_msg("{\"result\":{" HDR ",\"watch_id\":\"-1\"}}"), "progress");
	ASSERT_EQ(wm.watch_id, -1, "progress id");
	ASSERT_OK(watch_msg("{\"result\":{" HDR ",\"canceled\":true,\"cancel_reason\":\"gone\"}}"),
		  "canceled");
	ASSERT_STREQ(wm.msg, "gone", "reason");

	ASSERT_ERR(watch_msg("{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: no leader\"}}"),
		   -EAGAIN, "stream error");
	ASSERT_EQ(wm.grpc_code, 14, "its code");
	ASSERT_ERR(watch_msg("{\"error\":\"illegal base64 data\",\"message\":\"illegal base64 data\","
			     "\"code\":2}"), -EIO, "refused watch");
}

static void test_watch_garbage(void)
{
	static const char *const bad[] = {
		"", "x", "[]", "{}", "{\"result\":[]}", "{\"result\":{}}",
		"{\"result\":{" HDR ",\"events\":{}}}",
		"{\"result\":{" HDR ",\"events\":[{}]}}",
		"{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"YTE=\"}}]}}",
		"{\"result\":{" HDR ",\"events\":[{\"type\":\"PATCH\",\"kv\":{\"key\":\"YTE=\","
		"\"mod_revision\":\"5\"}}]}}",
		"{\"result\":{" HDR ",\"events\":[{\"type\":3,\"kv\":{\"key\":\"YTE=\","
		"\"mod_revision\":\"5\"}}]}}",
		"{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"YTE=\",\"mod_revision\":\"6\"}},"
		"{\"kv\":{\"key\":\"YTE=\",\"mod_revision\":\"5\"}}]}}",
		"{\"result\":{" HDR ",\"created\":\"true\"}}",
		"{\"result\":{" HDR ",\"compact_revision\":[]}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_ERR(watch_msg(bad[i]), -EPROTO, bad[i]);
		ASSERT_TRUE(wm.msg[0] != '\0', "a reason");
		ASSERT_TRUE(wm.events == NULL && wm.n_events == 0, "no events");
	}
	etcd_watch_msg_free(&wm);
	etcd_reply_free(&rep);
}

static struct test_case tests[] = {
	{ "requests as the gateway reads them", test_requests },
	{ "answers etcd 3.4 gave", test_answers },
	{ "errors etcd reports", test_errors },
	{ "garbage answers are -EPROTO", test_garbage },
	{ "watch stream messages", test_watch },
	{ "garbage in a watch stream is -EPROTO", test_watch_garbage },
};

TEST_MAIN(tests)

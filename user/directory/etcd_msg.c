// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The etcd gateway's JSON, built and read (directory/etcd_msg.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/etcd_msg.h"
#include "lib/base64.h"
#include "lib/json.h"

#define MSG_SIZE sizeof(((struct etcd_reply *)0)->msg)

static const struct {
	const char *path;
	const char *name;
} ops[] = {
	[ETCD_OP_RANGE] = { "/v3/kv/range", "range" },
	[ETCD_OP_PUT] = { "/v3/kv/put", "put" },
	[ETCD_OP_DELETE] = { "/v3/kv/deleterange", "delete" },
	[ETCD_OP_CREATE] = { "/v3/kv/txn", "create" },
	[ETCD_OP_GRANT] = { "/v3/lease/grant", "lease grant" },
	[ETCD_OP_KEEPALIVE] = { "/v3/lease/keepalive", "lease keepalive" },
	[ETCD_OP_REVOKE] = { "/v3/lease/revoke", "lease revoke" },
};

const char *etcd_op_path(enum etcd_op op)
{
	return ops[op].path;
}

const char *etcd_op_name(enum etcd_op op)
{
	return ops[op].name;
}

/* --- building ------------------------------------------------------------- */

static int set_bytes(struct jv *o, const char *field, const void *p, size_t n)
{
	size_t len = b64_encoded_len(n);
	char *text = len == SIZE_MAX ? NULL : malloc(len + 1);
	int ret;

	if (!text)
		return -ENOMEM;
	b64_encode(p, n, text);
	ret = jv_set_str(o, field, text);
	free(text);
	return ret;
}

/* int64 as the gateway prints it: a string, exact past 2^53. */
static int set_i64(struct jv *o, const char *field, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return jv_set_str(o, field, buf);
}

/*
 * key, and for a prefix range_end: the prefix with its last byte that is
 * not 0xff incremented (and the rest cut). A prefix of 0xff bytes only
 * ranges to the end ("\0"); the empty prefix is every key ("\0" to "\0").
 */
static int set_range(struct jv *o, const void *key, size_t len, bool prefix)
{
	static const uint8_t zero;
	uint8_t *end;
	size_t n = len;
	int ret;

	if (!prefix)
		return set_bytes(o, "key", key, len);
	if (!len)
		return set_bytes(o, "key", &zero, 1) ?: set_bytes(o, "range_end", &zero, 1);
	ret = set_bytes(o, "key", key, len);
	if (ret)
		return ret;
	end = malloc(len);
	if (!end)
		return -ENOMEM;
	memcpy(end, key, len);
	while (n && end[n - 1] == 0xff)
		n--;
	if (n)
		end[n - 1]++;
	ret = n ? set_bytes(o, "range_end", end, n) : set_bytes(o, "range_end", &zero, 1);
	free(end);
	return ret;
}

static int build_put(struct jv *o, const struct etcd_args *a)
{
	int ret = set_bytes(o, "key", a->key, a->key_len) ?:
		  set_bytes(o, "value", a->value ? a->value : "", a->value_len);

	return ret || !a->lease ? ret : set_i64(o, "lease", a->lease);
}

/* [item], taking item (NULL stays NULL). */
static struct jv *array_of(struct jv *item)
{
	struct jv *arr = jv_new_array();

	if (!arr) {
		jv_free(item);
		return NULL;
	}
	/* jv_append takes item even when it fails. */
	if (jv_append(arr, item)) {
		jv_free(arr);
		return NULL;
	}
	return arr;
}

/* {name: body}, taking body (NULL stays NULL). */
static struct jv *object_of(const char *name, struct jv *body)
{
	struct jv *o = jv_new_object();

	if (!o) {
		jv_free(body);
		return NULL;
	}
	if (jv_set(o, name, body)) {
		jv_free(o);
		return NULL;
	}
	return o;
}

/* Compare create_revision == 0 (the key is absent), then put, else range. */
static int build_create(struct jv *o, const struct etcd_args *a)
{
	struct jv *cmp = jv_new_object(), *put = jv_new_object(), *get = jv_new_object();
	int ret = -ENOMEM, r2, r3;

	if (cmp && put && get)
		ret = set_bytes(cmp, "key", a->key, a->key_len) ?: jv_set_str(cmp, "target", "CREATE") ?:
		      jv_set_str(cmp, "result", "EQUAL") ?: set_i64(cmp, "create_revision", 0) ?:
		      build_put(put, a) ?: set_bytes(get, "key", a->key, a->key_len);
	if (ret) {
		jv_free(cmp);
		jv_free(put);
		jv_free(get);
		return ret;
	}
	/* jv_set takes each value, failing or not. */
	ret = jv_set(o, "compare", array_of(cmp));
	r2 = jv_set(o, "success", array_of(object_of("request_put", put)));
	r3 = jv_set(o, "failure", array_of(object_of("request_range", get)));
	return ret ?: r2 ?: r3;
}

char *etcd_msg_request(enum etcd_op op, const struct etcd_args *a)
{
	struct jv *o = jv_new_object();
	char *text = NULL;
	int ret = o ? 0 : -ENOMEM;

	if (ret)
		return NULL;
	switch (op) {
	case ETCD_OP_RANGE:
		ret = set_range(o, a->key, a->key_len, a->prefix);
		if (!ret && a->revision)
			ret = set_i64(o, "revision", a->revision);
		break;
	case ETCD_OP_PUT:
		ret = build_put(o, a);
		break;
	case ETCD_OP_DELETE:
		ret = set_range(o, a->key, a->key_len, a->prefix);
		break;
	case ETCD_OP_CREATE:
		ret = build_create(o, a);
		break;
	case ETCD_OP_GRANT:
		ret = set_i64(o, "TTL", a->ttl);
		break;
	case ETCD_OP_KEEPALIVE:
	case ETCD_OP_REVOKE:
		ret = set_i64(o, "ID", a->lease);
		break;
	}
	if (!ret)
		text = jv_dump(o, false);
	jv_free(o);
	return text;
}

char *etcd_msg_watch_create(const void *prefix, size_t prefix_len, int64_t start_revision)
{
	struct jv *o = jv_new_object(), *cr = jv_new_object();
	char *text = NULL;
	int ret = -ENOMEM;

	if (!o || !cr)
		goto out;
	/* Progress notices move the resume point on while the prefix is quiet. */
	ret = set_range(cr, prefix, prefix_len, true) ?: jv_set_bool(cr, "progress_notify", true);
	if (!ret && start_revision)
		ret = set_i64(cr, "start_revision", start_revision);
	if (!ret) {
		ret = jv_set(o, "create_request", cr);
		cr = NULL;
	}
	if (!ret)
		text = jv_dump(o, false);
out:
	jv_free(cr);
	jv_free(o);
	return text;
}

/* --- reading -------------------------------------------------------------- */

static int bad(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(char *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, MSG_SIZE, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Text from the network into a message: printable bytes only, cut to fit. */
static void copy_text(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		dst[n++] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = '\0';
}

/* An int64 field: absent is 0; a JSON string of decimal digits or a JSON integer. */
static int get_i64(const struct jv *o, const char *field, int64_t *out, char *msg)
{
	struct jv *v = jv_get(o, field);
	const char *s;
	char *end;
	size_t len;

	*out = 0;
	if (!v)
		return 0;
	if (jv_kind(v) == JV_INT)
		return jv_int(v, out) ? bad(msg, "%s: integer out of range", field) : 0;
	s = jv_strn(v, &len);
	if (!s)
		return bad(msg, "%s: a %s, not an integer", field, jv_kind_name(jv_kind(v)));
	if (!len || len > 20 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return bad(msg, "%s: \"%.24s\" is no integer", field, s);
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end != s + len)
		return bad(msg, "%s: \"%.24s\" is no int64", field, s);
	return 0;
}

static int get_bool(const struct jv *o, const char *field, bool *out, char *msg)
{
	struct jv *v = jv_get(o, field);

	*out = false;
	if (v && jv_bool(v, out))
		return bad(msg, "%s: a %s, not a boolean", field, jv_kind_name(jv_kind(v)));
	return 0;
}

/* An object member that must be an object if present; NULL if absent. */
static int get_obj(const struct jv *o, const char *field, struct jv **out, char *msg)
{
	*out = jv_get(o, field);
	if (*out && jv_kind(*out) != JV_OBJECT)
		return bad(msg, "%s: a %s, not an object", field, jv_kind_name(jv_kind(*out)));
	return 0;
}

static int get_array(const struct jv *o, const char *field, struct jv **out, char *msg)
{
	*out = jv_get(o, field);
	if (*out && jv_kind(*out) != JV_ARRAY)
		return bad(msg, "%s: a %s, not an array", field, jv_kind_name(jv_kind(*out)));
	return 0;
}

/* The kv of element i: the element itself, or its member (events carry theirs in "kv"). */
static struct jv *kv_of(const struct jv *arr, size_t i, const char *member)
{
	struct jv *el = jv_at(arr, i);

	return member ? jv_get(el, member) : el;
}

static int b64_field(const struct jv *kv, const char *field, bool required, const char **s,
		     size_t *len, char *msg)
{
	struct jv *v = jv_get(kv, field);

	*s = "";
	*len = 0;
	if (!v)
		return required ? bad(msg, "a key/value without %s", field) : 0;
	*s = jv_strn(v, len);
	if (!*s)
		return bad(msg, "%s: a %s, not base64 text", field, jv_kind_name(jv_kind(v)));
	return 0;
}

static int decode_into(const char *s, size_t len, const char *field, uint8_t **pos,
		       const uint8_t **out, size_t *out_len, char *msg)
{
	long n = b64_decode(s, len, *pos);

	if (n < 0)
		return bad(msg, "%s: \"%.24s\" is not base64", field, s);
	*out = *pos;
	*out_len = (size_t)n;
	*pos += n;
	return 0;
}

/*
 * n key/values from arr (element i's member "member", or the element):
 * kvs[] and every decoded byte in one allocation each, so the result
 * frees in two calls.
 */
static int read_kvs(const struct jv *arr, const char *member, struct etcd_kv **kvs_out,
		    uint8_t **bytes_out, char *msg)
{
	size_t n = jv_len(arr), total = 1;
	struct etcd_kv *kvs;
	uint8_t *bytes, *pos;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		struct jv *kv = kv_of(arr, i, member);
		const char *k, *v;
		size_t kl, vl;

		if (jv_kind(kv) != JV_OBJECT)
			return bad(msg, "%s %zu: not an object", member ? member : "kvs", i);
		ret = b64_field(kv, "key", true, &k, &kl, msg) ?: b64_field(kv, "value", false, &v, &vl, msg);
		if (ret)
			return ret;
		total += b64_decoded_max(kl) + b64_decoded_max(vl);
	}
	kvs = calloc(n ? n : 1, sizeof(*kvs));
	bytes = malloc(total);
	if (!kvs || !bytes) {
		free(kvs);
		free(bytes);
		snprintf(msg, MSG_SIZE, "out of memory");
		return -ENOMEM;
	}
	pos = bytes;
	for (size_t i = 0; i < n && !ret; i++) {
		struct jv *kv = kv_of(arr, i, member);
		struct etcd_kv *o = &kvs[i];
		const char *k, *v;
		size_t kl, vl;

		b64_field(kv, "key", true, &k, &kl, msg);
		b64_field(kv, "value", false, &v, &vl, msg);
		ret = decode_into(k, kl, "key", &pos, &o->key, &o->key_len, msg) ?:
		      decode_into(v, vl, "value", &pos, &o->value, &o->value_len, msg) ?:
		      get_i64(kv, "create_revision", &o->create_revision, msg) ?:
		      get_i64(kv, "mod_revision", &o->mod_revision, msg) ?:
		      get_i64(kv, "version", &o->version, msg) ?:
		      get_i64(kv, "lease", &o->lease, msg);
		if (!ret && !o->key_len)
			ret = bad(msg, "a key/value with an empty key");
	}
	if (ret) {
		free(kvs);
		free(bytes);
		return ret;
	}
	*kvs_out = kvs;
	*bytes_out = bytes;
	return 0;
}

int etcd_grpc_errno(int code, const char *message)
{
	switch (code) {
	case 4:		/* DeadlineExceeded */
		return -ETIMEDOUT;
	case 5:		/* NotFound: a lease */
		return -ENOENT;
	case 7:		/* PermissionDenied */
	case 16:	/* Unauthenticated */
		return -EACCES;
	case 8:		/* ResourceExhausted: too many requests */
	case 14:	/* Unavailable: no leader, leader changed, request timed out */
		return -EAGAIN;
	case 11:	/* OutOfRange: a compacted revision, or a future one */
		return message && strstr(message, "compacted") ? -ESTALE : -EIO;
	default:
		return -EIO;
	}
}

/*
 * An error etcd reports: {"error": "text", "code": N, "message": "text"}
 * from a unary call, {"error": {"grpc_code": N, "message": "text"}} in a
 * stream. True if top is one; *err, *code and msg are set then.
 */
static bool read_error(const struct jv *top, int *err, int *code, char *msg)
{
	struct jv *e = jv_get(top, "error"), *c = jv_get(top, "code"), *m = jv_get(top, "message");
	const char *text;
	int64_t n = 2;	/* Unknown, if etcd gives no code */
	size_t len;

	if (jv_kind(e) == JV_OBJECT) {
		c = jv_get(e, "grpc_code");
		m = jv_get(e, "message");
	} else if (!c && (!e || jv_get(top, "header"))) {
		/* A lease grant's answer has an "error" string of its own, beside a header. */
		return false;
	}
	if (c && (jv_int(c, &n) || n <= 0 || n > 16))
		n = 2;
	*code = (int)n;
	*err = etcd_grpc_errno(*code, jv_str(m) ?: jv_str(e));
	text = jv_strn(jv_str(m) ? m : e, &len);
	/* An empty text is no reason either: the caller must be able to say why. */
	if (text && len)
		copy_text(msg, MSG_SIZE, text, len);
	else
		snprintf(msg, MSG_SIZE, "an error without a message (code %d)", *code);
	return true;
}

static int read_header(const struct jv *o, int64_t *revision, char *msg)
{
	struct jv *h;
	int ret = get_obj(o, "header", &h, msg);

	if (!ret && !h)
		return bad(msg, "an answer without a header");
	return ret ?: get_i64(h, "revision", revision, msg);
}

static int read_create(const struct jv *o, struct etcd_reply *rep)
{
	struct etcd_result *r = &rep->res;
	struct jv *resp, *range, *kvs;
	int ret = get_bool(o, "succeeded", &r->succeeded, rep->msg) ?:
		  get_array(o, "responses", &resp, rep->msg);

	if (ret || r->succeeded)
		return ret;
	ret = get_obj(jv_at(resp, 0), "response_range", &range, rep->msg);
	if (!ret && !range)
		return bad(rep->msg, "a failed create without the existing key");
	ret = ret ?: get_array(range, "kvs", &kvs, rep->msg);
	if (!ret && jv_len(kvs) != 1)
		return bad(rep->msg, "a failed create with %zu keys, not 1", jv_len(kvs));
	ret = ret ?: read_kvs(kvs, NULL, &rep->kvs, &rep->bytes, rep->msg);
	r->kvs = rep->kvs;
	r->n_kvs = ret ? 0 : 1;
	return ret;
}

static int read_success(enum etcd_op op, const struct jv *top, struct etcd_reply *rep)
{
	struct etcd_result *r = &rep->res;
	const struct jv *o = top;
	struct jv *kvs, *res;
	const char *grant_err;
	int ret = 0;

	if (op == ETCD_OP_KEEPALIVE) {
		/* A stream's answer: {"result": {...}} */
		ret = get_obj(top, "result", &res, rep->msg);
		if (!ret && !res)
			return bad(rep->msg, "a keepalive answer without a result");
		o = res;
	}
	ret = ret ?: read_header(o, &r->revision, rep->msg);
	if (ret)
		return ret;
	switch (op) {
	case ETCD_OP_RANGE:
		ret = get_bool(o, "more", &r->more, rep->msg) ?: get_array(o, "kvs", &kvs, rep->msg) ?:
		      read_kvs(kvs, NULL, &rep->kvs, &rep->bytes, rep->msg);
		r->kvs = rep->kvs;
		r->n_kvs = ret ? 0 : jv_len(kvs);
		break;
	case ETCD_OP_CREATE:
		ret = read_create(o, rep);
		break;
	case ETCD_OP_GRANT:
		grant_err = jv_str(jv_get(o, "error"));
		if (grant_err && grant_err[0]) {
			copy_text(rep->msg, MSG_SIZE, grant_err, strlen(grant_err));
			return -EIO;
		}
		/* fall through */
	case ETCD_OP_KEEPALIVE:
		ret = get_i64(o, "ID", &r->lease_id, rep->msg) ?: get_i64(o, "TTL", &r->ttl, rep->msg);
		if (!ret && op == ETCD_OP_GRANT && (r->lease_id == 0 || r->ttl <= 0))
			ret = bad(rep->msg, "a lease grant without an ID and TTL");
		/* etcd answers a keepalive of a lease it no longer has with TTL 0. */
		if (!ret && op == ETCD_OP_KEEPALIVE && r->ttl <= 0) {
			snprintf(rep->msg, MSG_SIZE, "lease %" PRId64 " not found (expired or revoked)",
				 r->lease_id);
			ret = -ENOENT;
		}
		break;
	case ETCD_OP_PUT:
	case ETCD_OP_DELETE:
	case ETCD_OP_REVOKE:
		break;
	}
	return ret;
}

void etcd_msg_reply(enum etcd_op op, long http_status, const char *body, size_t len,
		    struct etcd_reply *out)
{
	struct jv *top = NULL;
	char jerr[128];
	int code, ret;

	memset(out, 0, sizeof(*out));
	out->res.msg = out->msg;
	ret = jv_parse(body, len, &top, jerr, sizeof(jerr));
	if (ret == -ENOMEM) {
		snprintf(out->msg, MSG_SIZE, "out of memory");
	} else if (ret) {
		char head[64];

		copy_text(head, sizeof(head), body, len);
		ret = bad(out->msg, "HTTP %ld, %s: \"%s\"", http_status, jerr, head);
	} else if (jv_kind(top) != JV_OBJECT) {
		ret = bad(out->msg, "HTTP %ld: a %s, not an object", http_status,
			  jv_kind_name(jv_kind(top)));
	} else if (read_error(top, &ret, &code, out->msg)) {
		/* ret is etcd's error */
	} else if (http_status != 200) {
		ret = bad(out->msg, "HTTP %ld without an error", http_status);
	} else {
		ret = read_success(op, top, out);
	}
	jv_free(top);
	out->res.err = ret;
	if (ret) {
		etcd_reply_free(out);
		out->res = (struct etcd_result){ .err = ret, .msg = out->msg };
	} else {
		snprintf(out->msg, MSG_SIZE, "ok");
	}
}

void etcd_reply_free(struct etcd_reply *rep)
{
	free(rep->kvs);
	free(rep->bytes);
	rep->kvs = NULL;
	rep->bytes = NULL;
	rep->res.kvs = NULL;
	rep->res.n_kvs = 0;
}

static int read_events(const struct jv *res, struct etcd_watch_msg *m)
{
	struct etcd_kv *kvs = NULL;
	struct jv *evs;
	size_t n;
	int ret = get_array(res, "events", &evs, m->msg);

	n = jv_len(evs);
	if (ret || !n)
		return ret;
	ret = read_kvs(evs, "kv", &kvs, &m->bytes, m->msg);
	if (ret || !kvs)
		return ret ?: -ENOMEM;
	m->events = calloc(n, sizeof(*m->events));
	if (!m->events) {
		free(kvs);
		snprintf(m->msg, MSG_SIZE, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct jv *t = jv_get(jv_at(evs, i), "type");
		const char *type = t ? jv_str(t) : "PUT";

		m->events[i].kv = kvs[i];
		if (type && !strcmp(type, "PUT"))
			m->events[i].type = ETCD_EVENT_PUT;
		else if (type && !strcmp(type, "DELETE"))
			m->events[i].type = ETCD_EVENT_DELETE;
		else
			ret = bad(m->msg, "event %zu: unknown type", i);
		/* Events come in revision order; anything else would break resuming. */
		if (!ret && (kvs[i].mod_revision <= 0 ||
			     (i && kvs[i].mod_revision < kvs[i - 1].mod_revision)))
			ret = bad(m->msg, "event %zu: revision %" PRId64 " out of order", i,
				  kvs[i].mod_revision);
	}
	free(kvs);
	m->n_events = n;
	return ret;
}

void etcd_msg_watch(const char *line, size_t len, struct etcd_watch_msg *out)
{
	struct jv *top = NULL, *res;
	char jerr[128];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = jv_parse(line, len, &top, jerr, sizeof(jerr));
	if (ret == -ENOMEM) {
		snprintf(out->msg, MSG_SIZE, "out of memory");
	} else if (ret) {
		ret = bad(out->msg, "watch stream: %s", jerr);
	} else if (jv_kind(top) != JV_OBJECT) {
		ret = bad(out->msg, "watch stream: a %s, not an object", jv_kind_name(jv_kind(top)));
	} else if (read_error(top, &ret, &out->grpc_code, out->msg)) {
		/* ret is etcd's error */
	} else if (!(ret = get_obj(top, "result", &res, out->msg)) && !res) {
		ret = bad(out->msg, "watch stream: a message without a result");
	} else if (!ret) {
		const char *reason = jv_str(jv_get(res, "cancel_reason"));

		ret = read_header(res, &out->revision, out->msg) ?:
		      get_i64(res, "watch_id", &out->watch_id, out->msg) ?:
		      get_bool(res, "created", &out->created, out->msg) ?:
		      get_bool(res, "canceled", &out->canceled, out->msg) ?:
		      get_i64(res, "compact_revision", &out->compact_revision, out->msg) ?:
		      read_events(res, out);
		if (!ret && out->canceled)
			copy_text(out->msg, MSG_SIZE, reason ? reason : "canceled by etcd",
				  strlen(reason ? reason : "canceled by etcd"));
	}
	jv_free(top);
	out->err = ret;
	if (ret)
		etcd_watch_msg_free(out);
}

void etcd_watch_msg_free(struct etcd_watch_msg *m)
{
	free(m->events);
	free(m->bytes);
	m->events = NULL;
	m->bytes = NULL;
	m->n_events = 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics endpoint's HTTP server on a real loop and real loopback
 * sockets: the request parser's verdicts, every status, HEAD, the
 * response written to a reader that takes it slowly, and the bounds a
 * hostile client meets: a slow-loris and a client that never reads are
 * closed at the deadline while others are served meanwhile, clients
 * over the limit are closed at once.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test.h"
#include "core/loop.h"
#include "metrics/metrics_expo.h"
#include "metrics/metrics_http.h"
#include "metrics/metrics_http_parse.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/* --- the parser -------------------------------------------------------------------- */

/* CR and LF shown as \r and \n, so a case fits on its diagnostic line. */
static const char *visible(const char *s)
{
	static char buf[256];
	size_t n = 0;

	for (; *s && n + 3 < sizeof(buf); s++) {
		if (*s == '\r' || *s == '\n') {
			buf[n++] = '\\';
			buf[n++] = *s == '\r' ? 'r' : 'n';
		} else {
			buf[n++] = (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? '?' : *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void test_parse_table(void)
{
	static char big[HTTP_HEAD_MAX + 16], many[4096];
	static const struct {
		const char *in;
		int ret;		/* > 0: the whole input is the head */
		enum http_method m;
		enum http_target t;
	} cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_GET, HTTP_TARGET_METRICS },
		{ "GET /metrics HTTP/1.1\nHost: x\n\n", 1, HTTP_GET, HTTP_TARGET_METRICS },
		{ "GET /metrics?name[]=a HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_GET,
		  HTTP_TARGET_METRICS },
		{ "\r\nGET / HTTP/1.0\r\n\r\n", 1, HTTP_GET, HTTP_TARGET_ROOT },
		{ "HEAD /metrics HTTP/1.0\r\nAccept: */*\r\n\r\n", 1, HTTP_HEAD, HTTP_TARGET_METRICS },
		{ "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_OTHER, HTTP_TARGET_METRICS },
		{ "get /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_OTHER, HTTP_TARGET_METRICS },
		{ "GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_GET, HTTP_TARGET_OTHER },
		{ "GET /Metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1, HTTP_GET, HTTP_TARGET_OTHER },
		{ "GET /metrics HTTP/1.1\r\nHost:x\r\nContent-Length: 0\r\n\r\n", 1, HTTP_GET,
		  HTTP_TARGET_METRICS },
		/* incomplete */
		{ "", 0, 0, 0 },
		{ "\r", 0, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", 0, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r", 0, 0, 0 },
		/* refused */
		{ "GET /metrics HTTP/1.1\r\n\r\n", -400, 0, 0 },			/* no Host */
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.2\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1 \r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics\r\n\r\n", -400, 0, 0 },				/* HTTP/0.9 */
		{ "GET * HTTP/1.1\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "G(T /metrics HTTP/1.1\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET /met\x01rics HTTP/1.1\r\nHost: x\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", -400, 0, 0 },	/* space before : */
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nNo-colon\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\ry\r\n\r\n", -400, 0, 0 },	/* bare CR */
		{ "GET /metrics HTTP/1.1\r\nHost: x\x7f\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", -400, 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", -400,
		  0, 0 },
		{ "\r\r\n\r\n", -400, 0, 0 },
	};
	struct http_request req;
	size_t off;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].in);
		int ret = http_parse_request(cases[i].in, len, &req);
		int want = cases[i].ret > 0 ? (int)len : cases[i].ret;

		printf("# %s -> %d\n", visible(cases[i].in), ret);
		if (!ASSERT_EQ(ret, want, "verdict"))
			continue;
		if (ret > 0) {
			ASSERT_EQ(req.method, cases[i].m, "method");
			ASSERT_EQ(req.target, cases[i].t, "target");
		}
	}
	/* A NUL inside a header line (strlen would stop at it). */
	ASSERT_EQ(http_parse_request("GET / HTTP/1.0\r\nA: \0b\r\n\r\n", 25, &req), -400, "NUL");
	/* Pipelined: the head's length, not the buffer's. */
	ASSERT_EQ(http_parse_request("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n", 36, &req), 18,
		  "only the first head");
	/* No end within HTTP_HEAD_MAX bytes: 431, however it goes on. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ASSERT_EQ(http_parse_request(big, HTTP_HEAD_MAX - 1, &req), 0, "not yet");
	ASSERT_EQ(http_parse_request(big, HTTP_HEAD_MAX, &req), -431, "8 KiB without an end");
	memcpy(big + HTTP_HEAD_MAX + 8, "\r\n\r\n", 4);
	ASSERT_EQ(http_parse_request(big, HTTP_HEAD_MAX + 12, &req), -431, "an end too late");
	/* Too many headers. */
	off = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "X-%d: y\r\n", i);
	off += (size_t)snprintf(many + off, sizeof(many) - off, "\r\n");
	ASSERT_EQ(http_parse_request(many, off, &req), -431, "more than HTTP_MAX_HEADERS");
}

/* --- the server ------------------------------------------------------------------- */

static struct loop lp;
static struct metrics_http *srv;
static struct sockaddr_in srv_addr;
static size_t body_size = 1000;
static int renders;

/* A body of body_size bytes: lines of a counter, so it is a real exposition. */
static int render(void *arg, char **body, size_t *len)
{
	char *b = malloc(body_size + 1);

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < body_size; i++)
		b[i] = (i % 20 == 19) ? '\n' : 'x';
	b[body_size] = '\0';
	*body = b;
	*len = body_size;
	renders++;
	return 0;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the server's side for ms milliseconds, deadlines included, as server_run does. */
static void pump(int ms)
{
	uint64_t end = ms_now() + (uint64_t)ms;

	while (ms_now() < end) {
		int t = metrics_http_timeout_ms(srv);

		if (t < 0 || t > 10)
			t = 10;
		loop_run_once(&lp, t);
		metrics_http_tick(srv);
	}
}

static bool start(int max_clients, int deadline_ms)
{
	struct metrics_http_config cfg = { .max_clients = max_clients, .deadline_ms = deadline_ms };
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256] = "", addr[64];

	if (!ASSERT_OK(loop_init(&lp), "loop"))
		return false;
	ASSERT_OK(metrics_addr_parse("127.0.0.1:1", &ss, &len), "address");
	((struct sockaddr_in *)&ss)->sin_port = 0;	/* the kernel picks a free port */
	if (!ASSERT_OK(metrics_http_start(&srv, &lp, &ss, len, &cfg, render, NULL, err), err)) {
		loop_free(&lp);
		return false;
	}
	metrics_http_addr(srv, addr, sizeof(addr));
	srv_addr.sin_family = AF_INET;
	srv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_addr.sin_port = htons((uint16_t)atoi(strrchr(addr, ':') + 1));
	renders = 0;
	return true;
}

static void stop(void)
{
	metrics_http_stop(srv);
	srv = NULL;
	loop_free(&lp);
}

/* A client socket, connected (the kernel completes it from the backlog). */
static int client(int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, (struct sockaddr *)&srv_addr, sizeof(srv_addr))) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

struct reply {
	char *buf;
	size_t len;
	bool closed;		/* the server closed (EOF or reset) */
};

/* Read what is there without blocking; note a close. */
static void take(int fd, struct reply *r)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n > 0) {
			r->buf = realloc(r->buf, r->len + (size_t)n + 1);
			memcpy(r->buf + r->len, chunk, (size_t)n);
			r->len += (size_t)n;
			r->buf[r->len] = '\0';
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			r->closed = true;
		return;
	}
}

/* Pump and read until the server closes, at most ms. */
static bool exchange(int fd, struct reply *r, int ms)
{
	for (int i = 0; i < ms / 10 && !r->closed; i++) {
		pump(10);
		take(fd, r);
	}
	return r->closed;
}

/* One request, its whole response (until the server closed). */
static void request(const char *req, struct reply *r)
{
	int fd = client(0);

	memset(r, 0, sizeof(*r));
	if (!ASSERT_TRUE(fd >= 0, "connect"))
		return;
	ASSERT_EQ(send(fd, req, strlen(req), 0), (long long)strlen(req), "request sent");
	ASSERT_TRUE(exchange(fd, r, 3000), "server closed after answering");
	close(fd);
}

static bool starts_with(const struct reply *r, const char *s)
{
	return r->buf && !strncmp(r->buf, s, strlen(s));
}

static void test_statuses(void)
{
	const struct metrics_http_stats *st;
	struct reply r;
	char *p;

	if (!start(4, 3000))
		return;
	request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 200 OK\r\n"), "200");
	ASSERT_TRUE(r.buf && strstr(r.buf, "\r\nContent-Type: " EXPO_CONTENT_TYPE "\r\n"),
		    "exposition content type");
	ASSERT_TRUE(r.buf && strstr(r.buf, "\r\nContent-Length: 1000\r\n"), "length");
	ASSERT_TRUE(r.buf && strstr(r.buf, "\r\nConnection: close\r\n"), "close");
	p = r.buf ? strstr(r.buf, "\r\n\r\n") : NULL;
	ASSERT_TRUE(p && r.len - (size_t)(p + 4 - r.buf) == 1000, "the whole body, no more");
	free(r.buf);

	request("HEAD /metrics HTTP/1.0\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 200 OK\r\n"), "HEAD 200");
	p = r.buf ? strstr(r.buf, "\r\n\r\n") : NULL;
	ASSERT_TRUE(p && p + 4 == r.buf + r.len, "HEAD: no body");
	ASSERT_TRUE(r.buf && strstr(r.buf, "\r\nContent-Length: 1000\r\n"), "HEAD: GET's length");
	free(r.buf);

	request("GET / HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 200 OK\r\n") && strstr(r.buf, "href=\"/metrics\""),
		    "/ links to /metrics");
	free(r.buf);
	request("GET /other HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 404 "), "404");
	free(r.buf);
	request("POST /metrics HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 405 ") && strstr(r.buf, "\r\nAllow: GET, HEAD\r\n"),
		    "405 with Allow");
	free(r.buf);
	request("GET /metrics HTTP/1.1\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 400 "), "400 without Host");
	free(r.buf);
	request("\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n", &r);
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 400 "), "400 for a TLS hello");
	free(r.buf);
	{
		char big[HTTP_HEAD_MAX + 100];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
		request(big, &r);
		ASSERT_TRUE(starts_with(&r, "HTTP/1.1 431 "), "431 for a head over 8 KiB");
		free(r.buf);
	}
	st = metrics_http_get_stats(srv);
	ASSERT_EQ(st->responses[METRICS_HTTP_200], 3, "200s counted");
	ASSERT_EQ(st->responses[METRICS_HTTP_400], 2, "400s");
	ASSERT_EQ(st->responses[METRICS_HTTP_404], 1, "404s");
	ASSERT_EQ(st->responses[METRICS_HTTP_405], 1, "405s");
	ASSERT_EQ(st->responses[METRICS_HTTP_431], 1, "431s");
	ASSERT_EQ(renders, 2, "rendered for GET and HEAD of /metrics only");
	/* Our clients closed after the server's close; it sees that on its next turn. */
	for (int i = 0; i < 100 && metrics_http_clients(srv); i++)
		pump(10);
	ASSERT_EQ(metrics_http_clients(srv), 0, "no client left");
	stop();
}

/* A request in pieces, a byte at a time: served once it is whole. */
static void test_split_request(void)
{
	const char *req = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	struct reply r = {};
	int fd;

	if (!start(4, 5000))
		return;
	fd = client(0);
	if (!ASSERT_TRUE(fd >= 0, "connect"))
		goto out;
	for (const char *p = req; *p; p++) {
		ASSERT_EQ(send(fd, p, 1, 0), 1, "byte sent");
		pump(2);
		take(fd, &r);
		if (p[1] && !ASSERT_EQ(r.len, 0, "nothing before the head is whole"))
			break;
	}
	ASSERT_TRUE(exchange(fd, &r, 3000), "answered and closed");
	ASSERT_TRUE(starts_with(&r, "HTTP/1.1 200 OK\r\n"), "200");
	close(fd);
	free(r.buf);
out:
	stop();
}

/*
 * A big response to a reader with a small receive buffer that reads now
 * and then: it all arrives, written as the socket takes it, while another
 * client is served in between.
 */
static void test_slow_reader_gets_everything(void)
{
	struct reply r = {}, other;
	int fd;
	char *p;

	body_size = 4 << 20;
	if (!start(4, 20000))
		goto out_size;
	fd = client(4096);
	if (!ASSERT_TRUE(fd >= 0, "connect"))
		goto out;
	send(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0);
	pump(50);
	take(fd, &r);
	ASSERT_TRUE(r.len < body_size, "not all of it fits the buffers at once");
	ASSERT_TRUE(!r.closed, "still open while the rest waits");
	body_size = 1000;
	request("GET /metrics HTTP/1.0\r\n\r\n", &other);
	ASSERT_TRUE(starts_with(&other, "HTTP/1.1 200 OK\r\n"), "another client served meanwhile");
	free(other.buf);
	ASSERT_TRUE(exchange(fd, &r, 15000), "the slow reader got to the end");
	p = r.buf ? strstr(r.buf, "\r\n\r\n") : NULL;
	ASSERT_TRUE(p && r.len - (size_t)(p + 4 - r.buf) == 4u << 20, "all 4 MiB");
	close(fd);
	free(r.buf);
out:
	stop();
out_size:
	body_size = 1000;
}

/*
 * Hostile clients: one that sends half a request and waits (slow-loris),
 * one that asks for a big answer and never reads it. Both hold a slot
 * until the deadline and not past it; others are served meanwhile.
 */
static void test_deadline(void)
{
	const struct metrics_http_stats *st;
	struct reply loris = {}, stuck = {}, other;
	int fl, fs;

	body_size = 8 << 20;
	if (!start(4, 1000))
		goto out_size;
	fl = client(0);
	fs = client(4096);
	if (!ASSERT_TRUE(fl >= 0 && fs >= 0, "connect"))
		goto out;
	send(fl, "GET /metr", 9, 0);
	send(fs, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0);
	pump(100);
	take(fl, &loris);
	ASSERT_TRUE(!loris.closed && loris.len == 0, "the slow-loris is waited for");
	ASSERT_EQ(metrics_http_clients(srv), 2, "both hold a slot");
	body_size = 1000;
	request("GET /metrics HTTP/1.0\r\n\r\n", &other);
	ASSERT_TRUE(starts_with(&other, "HTTP/1.1 200 OK\r\n"), "another client served meanwhile");
	free(other.buf);
	/* Bounded: the deadline is 1 s; allow the loop up to 5. */
	for (int i = 0; i < 500 && metrics_http_clients(srv); i++)
		pump(10);
	ASSERT_EQ(metrics_http_clients(srv), 0, "both closed at the deadline");
	take(fl, &loris);
	ASSERT_TRUE(loris.closed && loris.len == 0, "the slow-loris sees the close, no answer");
	st = metrics_http_get_stats(srv);
	ASSERT_EQ(st->deadline, 2, "two closed at the deadline");
	/* The one that never read: what it has is less than the answer, then the close. */
	for (int i = 0; i < 100 && !stuck.closed; i++)
		take(fs, &stuck);
	ASSERT_TRUE(stuck.closed && stuck.len < (8u << 20), "the stuck reader was cut off");
	close(fl);
	close(fs);
	free(loris.buf);
	free(stuck.buf);
out:
	stop();
out_size:
	body_size = 1000;
}

/* More clients than slots: the extra ones are closed at once, the others served. */
static void test_over_limit(void)
{
	const struct metrics_http_stats *st;
	int fds[5];
	struct reply r[5] = {};

	if (!start(3, 5000))
		return;
	for (int i = 0; i < 5; i++) {
		fds[i] = client(0);
		if (!ASSERT_TRUE(fds[i] >= 0, "connect"))
			goto out;
		pump(20);	/* accepted in order */
	}
	ASSERT_EQ(metrics_http_clients(srv), 3, "three slots taken");
	for (int i = 3; i < 5; i++) {
		ASSERT_TRUE(exchange(fds[i], &r[i], 1000), "an extra client is closed");
		ASSERT_EQ(r[i].len, 0, "without an answer");
	}
	for (int i = 0; i < 3; i++) {
		send(fds[i], "GET /metrics HTTP/1.0\r\n\r\n", 25, 0);
		ASSERT_TRUE(exchange(fds[i], &r[i], 3000), "answered");
		ASSERT_TRUE(starts_with(&r[i], "HTTP/1.1 200 OK\r\n"), "200");
	}
	st = metrics_http_get_stats(srv);
	ASSERT_EQ(st->over_limit, 2, "two over the limit");
	ASSERT_EQ(st->accepted, 5, "all five accepted (none left in the backlog)");
out:
	for (int i = 0; i < 5; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		free(r[i].buf);
	}
	stop();
}

/* Sixteen at once, as many as the agent's limit: every one gets its answer. */
static void test_parallel(void)
{
	int fds[METRICS_MAX_CLIENTS];
	struct reply r[METRICS_MAX_CLIENTS] = {};
	int done = 0;

	if (!start(METRICS_MAX_CLIENTS, 5000))
		return;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		fds[i] = client(0);
		if (fds[i] >= 0)
			send(fds[i], "GET /metrics HTTP/1.0\r\n\r\n", 25, 0);
	}
	for (int k = 0; k < 300 && done < METRICS_MAX_CLIENTS; k++) {
		pump(10);
		done = 0;
		for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
			if (fds[i] >= 0 && !r[i].closed)
				take(fds[i], &r[i]);
			done += r[i].closed;
		}
	}
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		ASSERT_TRUE(starts_with(&r[i], "HTTP/1.1 200 OK\r\n"), "answered");
		if (fds[i] >= 0)
			close(fds[i]);
		free(r[i].buf);
	}
	ASSERT_EQ(metrics_http_get_stats(srv)->over_limit, 0, "none refused");
	stop();
}

static void test_addresses(void)
{
	static const struct {
		const char *in;
		int ok;
		const char *out;
	} cases[] = {
		{ "9100", 1, "127.0.0.1:9100" }, { ":9100", 1, "127.0.0.1:9100" },
		{ "0.0.0.0:9100", 1, "0.0.0.0:9100" }, { "[::1]:9100", 1, "[::1]:9100" },
		{ "[::]:1", 1, "[::]:1" }, { "0", 0, NULL }, { "65536", 0, NULL },
		{ "::1:9100", 0, NULL }, { "[::1]", 0, NULL }, { "host:9100", 0, NULL },
		{ "127.0.0.1:", 0, NULL }, { "", 0, NULL }, { "1.2.3.4:9100x", 0, NULL },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = metrics_addr_parse(cases[i].in, &ss, &len);

		if (!ASSERT_EQ(ret == 0, cases[i].ok, cases[i].in) || ret)
			continue;
		metrics_addr_format(&ss, buf, sizeof(buf));
		ASSERT_STREQ(buf, cases[i].out, cases[i].in);
	}
}

static struct test_case tests[] = {
	{ "request parser verdicts", test_parse_table },
	{ "--metrics addresses", test_addresses },
	{ "200, HEAD, /, 404, 405, 400, 431", test_statuses },
	{ "a request a byte at a time", test_split_request },
	{ "a slow reader gets all of a big answer, others meanwhile", test_slow_reader_gets_everything },
	{ "slow-loris and a client that never reads: closed at the deadline", test_deadline },
	{ "clients over the limit closed at once", test_over_limit },
	{ "16 clients at once all answered", test_parallel },
};

TEST_MAIN(tests)

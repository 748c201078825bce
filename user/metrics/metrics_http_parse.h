/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The request head of the metrics endpoint's HTTP/1.x server (RFC 9112),
 * parsed from the bytes received so far, without allocating. Only what
 * the endpoint serves is understood: GET or HEAD of / or /metrics in
 * origin form; anything else is answered with an error status.
 */
#ifndef WARREN_METRICS_HTTP_PARSE_H
#define WARREN_METRICS_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_HEAD_MAX 8192		/* request line and headers, CRLFs included */
#define HTTP_MAX_HEADERS 64

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER,			/* a valid token we do not serve: 405 */
};

enum http_target {
	HTTP_TARGET_OTHER,		/* 404 */
	HTTP_TARGET_ROOT,		/* "/": a page with a link */
	HTTP_TARGET_METRICS,		/* "/metrics", any query ignored */
};

struct http_request {
	enum http_method method;
	enum http_target target;
	int minor;			/* HTTP/1.<minor>, 0 or 1 */
};

/*
 * The length of the head (> 0) once a whole one is in buf; 0 while more
 * bytes are needed; or the negated status to answer with: -400 (bad
 * syntax, a version other than 1.0/1.1, HTTP/1.1 without exactly one
 * Host, a request with a body), -431 (no end of head within
 * HTTP_HEAD_MAX bytes, more than HTTP_MAX_HEADERS headers).
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

#endif

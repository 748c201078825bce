// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The metrics endpoint's request parser: see metrics_http_parse.h. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "metrics/metrics_http_parse.h"

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: the offset just past its empty line, or 0. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* One line from *p (ending in LF, an optional CR before it): its length without them. */
static int next_line(const char **p, const char *end, const char **line, size_t *n)
{
	const char *lf = memchr(*p, '\n', (size_t)(end - *p));

	if (!lf)
		return -400;
	*line = *p;
	*n = (size_t)(lf - *p);
	if (*n && (*p)[*n - 1] == '\r')
		(*n)--;
	*p = lf + 1;
	/* A CR anywhere else, or a NUL, is no HTTP. */
	if (memchr(*line, '\r', *n) || memchr(*line, '\0', *n))
		return -400;
	return 0;
}

static int parse_request_line(const char *s, size_t n, struct http_request *req)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *q, *t;
	size_t mlen, tlen;

	if (!sp1 || sp1 == s)
		return -400;
	mlen = (size_t)(sp1 - s);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)s[i]))
			return -400;
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	t = sp1 + 1;
	tlen = (size_t)(sp2 - t);
	if ((size_t)(s + n - (sp2 + 1)) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -400;
	req->minor = sp2[8] - '0';
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return -400;
	/* Origin form only: this is no proxy. */
	if (t[0] != '/')
		return -400;
	if (mlen == 3 && !memcmp(s, "GET", 3))
		req->method = HTTP_GET;
	else if (mlen == 4 && !memcmp(s, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	q = memchr(t, '?', tlen);
	if (q)
		tlen = (size_t)(q - t);
	if (tlen == 1)
		req->target = HTTP_TARGET_ROOT;
	else if (tlen == 8 && !memcmp(t, "/metrics", 8))
		req->target = HTTP_TARGET_METRICS;
	else
		req->target = HTTP_TARGET_OTHER;
	return 0;
}

/* name ":" OWS value OWS; counts Host, refuses bodies. */
static int parse_header(const char *s, size_t n, int *hosts)
{
	const char *colon = memchr(s, ':', n);
	size_t nlen, vlen;
	const char *v;

	/* Leading whitespace is obsolete line folding; RFC 9112 lets us refuse it. */
	if (!colon || colon == s)
		return -400;
	nlen = (size_t)(colon - s);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)s[i]))
			return -400;
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -400;
	}
	if (nlen == 4 && !strncasecmp(s, "host", 4))
		(*hosts)++;
	/* No request we serve has a body, and one we do not read would cut our answer short. */
	if (nlen == 17 && !strncasecmp(s, "transfer-encoding", 17))
		return -400;
	if (nlen == 14 && !strncasecmp(s, "content-length", 14) && !(vlen == 1 && v[0] == '0'))
		return -400;
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	size_t end = head_end(buf, len), n;
	const char *p = buf, *stop, *line;
	int hosts = 0, headers = 0, ret;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: empty lines before the request line are skipped. */
	while (len - (size_t)(p - buf) >= 2 && (p[0] == '\n' || (p[0] == '\r' && p[1] == '\n')))
		p += p[0] == '\n' ? 1 : 2;
	if (len - (size_t)(p - buf) == 1 && (*p == '\r' || *p == '\n'))
		return len >= HTTP_HEAD_MAX ? -431 : 0;
	if (p != buf) {
		ret = http_parse_request(p, len - (size_t)(p - buf), req);
		return ret > 0 ? ret + (int)(p - buf) : ret;
	}
	if (!end)
		return len >= HTTP_HEAD_MAX ? -431 : 0;
	if (end > HTTP_HEAD_MAX)
		return -431;
	stop = buf + end;
	ret = next_line(&p, stop, &line, &n);
	if (!ret)
		ret = parse_request_line(line, n, req);
	while (!ret) {
		ret = next_line(&p, stop, &line, &n);
		if (ret || !n)
			break;
		if (++headers > HTTP_MAX_HEADERS)
			return -431;
		ret = parse_header(line, n, &hosts);
	}
	if (ret)
		return ret;
	if (req->minor == 1 && hosts != 1)
		return -400;
	if (hosts > 1)
		return -400;
	return (int)end;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the metrics endpoint's request parser: any bytes
 * as what a client sent so far. Invariants trap: a verdict from the known
 * set, a head length within the input and HTTP_HEAD_MAX (plus the blank
 * lines before it), fields from their enums, and the same verdict for
 * every longer prefix once a head is whole (more bytes never change it).
 */
#include <stdint.h>
#include <string.h>

#include "metrics/metrics_http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_request req, again;
	int ret = http_parse_request(buf, size, &req);

	if (ret != 0 && ret != -400 && ret != -431 && ret <= 0)
		__builtin_trap();
	if (ret > 0) {
		if ((size_t)ret > size)
			__builtin_trap();
		if ((unsigned int)req.method > HTTP_OTHER || (unsigned int)req.target > HTTP_TARGET_METRICS ||
		    (req.minor != 0 && req.minor != 1))
			__builtin_trap();
		/* The head alone parses to the same request. */
		if (http_parse_request(buf, (size_t)ret, &again) != ret ||
		    memcmp(&req, &again, sizeof(req)))
			__builtin_trap();
	}
	/* A prefix is never "whole" past its own length. */
	if (size > 1) {
		int p = http_parse_request(buf, size - 1, &again);

		if (p > 0 && (size_t)p > size - 1)
			__builtin_trap();
		if (p > 0 && p != ret)
			__builtin_trap();	/* a whole head stays whole, the same length */
	}
	return 0;
}

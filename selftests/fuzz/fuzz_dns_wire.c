// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the DNS wire format alone: any bytes as a query,
 * and an answer built from whatever parsed, at 512 bytes and at 64 KiB.
 * Invariants trap: an answer within its cap, with the query's id, QR set,
 * counts that match what was added; names within their bounds.
 */
#include <stdint.h>
#include <string.h>

#include "dns/dns_wire.h"

static void answer(const uint8_t *data, const struct dns_query *q, int rcode, size_t cap)
{
	static uint8_t out[DNS_MSG_MAX];
	static const uint8_t a4[4] = { 10, 210, 1, 2 }, a6[16] = { 0xfd };
	struct dns_msg m;
	size_t len;
	int an = 0;

	if (dns_msg_begin(&m, out, sizeof(out), cap, data, q, (uint8_t)(rcode > 0 ? rcode : 0),
			  true))
		return;
	for (int i = 0; i < 40; i++) {
		if (q->has_question && !dns_msg_add_addr(&m, i % 2 ? DNS_TYPE_AAAA : DNS_TYPE_A, 5,
							 i % 2 ? (const void *)a6 : a4))
			an++;
	}
	if (!dns_msg_add_soa(&m, true, "warren.internal", 5, 1, 5) && m.ns != 1)
		__builtin_trap();
	if (q->edns && dns_msg_add_opt(&m, 1232, (uint8_t)(rcode > 0 ? rcode : 0), q->edns_do))
		__builtin_trap();	/* the reserve must hold it */
	len = dns_msg_finish(&m);
	if (len > cap || len < DNS_HDR_LEN || m.an != an)
		__builtin_trap();
	if (dns_get_id(out) != q->id || !(out[2] & 0x80))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[DNS_NAME_STR_SIZE];
	struct dns_query q;
	size_t off = DNS_HDR_LEN;
	int ret;

	ret = dns_parse_query(data, size, &q);
	if (strlen(q.name) >= DNS_NAME_STR_SIZE)
		__builtin_trap();
	if (ret == 0 && (!q.has_question || q.question_end > size))
		__builtin_trap();
	if (ret != DNS_PARSE_DROP) {
		answer(data, &q, ret, DNS_UDP_MIN);
		answer(data, &q, ret, DNS_MSG_MAX);
	}
	if (size > DNS_HDR_LEN && dns_name_read(data, size, &off, name) >= 0 &&
	    (off > size || strlen(name) >= DNS_NAME_STR_SIZE))
		__builtin_trap();
	return 0;
}

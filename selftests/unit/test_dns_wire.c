// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DNS wire format: hand-made packets in, exact bytes and verdicts out. */
#include <stdlib.h>
#include "test.h"
#include "dns/dns_wire.h"

/* "api.Warren.internal" A IN, id 0xabcd, RD, with an OPT (1232, DO). */
static const uint8_t query_edns[] = {
	0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	3, 'a', 'p', 'i', 6, 'W', 'a', 'r', 'r', 'e', 'n', 8, 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0,
	0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
};
#define QUESTION_END (12 + 21 + 4)

static void test_parse_query(void)
{
	struct dns_query q;

	ASSERT_EQ(dns_parse_query(query_edns, sizeof(query_edns), &q), 0, "parses");
	ASSERT_EQ(q.id, 0xabcd, "id");
	ASSERT_STREQ(q.name, "api.warren.internal", "lower-cased name");
	ASSERT_EQ(q.labels, 3, "labels");
	ASSERT_EQ(q.qtype, DNS_TYPE_A, "qtype");
	ASSERT_EQ(q.qclass, DNS_CLASS_IN, "qclass");
	ASSERT_EQ(q.question_end, QUESTION_END, "question end");
	ASSERT_TRUE(q.edns && q.edns_do, "EDNS with DO");
	ASSERT_EQ(q.edns_udp_size, 1232, "UDP size");
	ASSERT_EQ(q.edns_version, 0, "version");
}

static void test_every_prefix_is_refused(void)
{
	struct dns_query q;

	/* Cut anywhere: never accepted, never a crash (ASan watches the reads). */
	for (size_t n = 0; n < sizeof(query_edns); n++) {
		int ret = dns_parse_query(query_edns, n, &q);

		if (!ASSERT_TRUE(ret == DNS_PARSE_DROP || ret == DNS_RCODE_FORMERR, "prefix refused"))
			printf("# length %zu gave %d\n", n, ret);
	}
}

static void test_header_checks(void)
{
	uint8_t p[sizeof(query_edns) + 4];
	struct dns_query q;

	memcpy(p, query_edns, sizeof(query_edns));
	p[2] |= 0x80;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_PARSE_DROP, "a response is dropped");
	memcpy(p, query_edns, sizeof(query_edns));
	p[2] = 0x10;	/* opcode 2, STATUS */
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_RCODE_NOTIMP, "opcode");
	ASSERT_EQ(q.id, 0xabcd, "id still read");
	memcpy(p, query_edns, sizeof(query_edns));
	p[5] = 0;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_RCODE_FORMERR, "no question");
	p[5] = 2;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_RCODE_FORMERR, "two questions");
	p[5] = 1;
	p[7] = 1;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_RCODE_FORMERR, "an answer in a query");
	memcpy(p, query_edns, sizeof(query_edns));
	memset(p + sizeof(query_edns), 0xee, 4);
	ASSERT_EQ(dns_parse_query(p, sizeof(p), &q), DNS_RCODE_FORMERR, "trailing garbage");
}

static void test_opt_rules(void)
{
	uint8_t p[sizeof(query_edns) + 11];
	struct dns_query q;

	memcpy(p, query_edns, sizeof(query_edns));
	p[QUESTION_END + 6] = 1;	/* version 1 */
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), DNS_RCODE_BADVERS, "EDNS version");
	ASSERT_TRUE(q.edns && q.has_question, "BADVERS still has the question and OPT");
	/* two OPT records */
	memcpy(p, query_edns, sizeof(query_edns));
	memcpy(p + sizeof(query_edns), query_edns + QUESTION_END, 11);
	p[11] = 2;
	ASSERT_EQ(dns_parse_query(p, sizeof(p), &q), DNS_RCODE_FORMERR, "two OPTs");
	/* an OPT owned by a name, not the root: point at the question name */
	memcpy(p, query_edns, sizeof(query_edns));
	memmove(p + QUESTION_END + 2, p + QUESTION_END + 1, 10);
	p[QUESTION_END] = 0xc0;
	p[QUESTION_END + 1] = 12;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns) + 1, &q), DNS_RCODE_FORMERR, "non-root OPT");
	/* a small UDP size is raised to 512 */
	memcpy(p, query_edns, sizeof(query_edns));
	p[QUESTION_END + 3] = 0;
	p[QUESTION_END + 4] = 100;
	ASSERT_EQ(dns_parse_query(p, sizeof(query_edns), &q), 0, "tiny size accepted");
	ASSERT_EQ(q.edns_udp_size, 512, "raised to 512");
}

static void test_names(void)
{
	/* 12 bytes of header, then "a.b" at 12, a pointer to it at 17, names after. */
	uint8_t p[64] = { [12] = 1, 'a', 1, 'b', 0, 0xc0, 12 };
	char out[DNS_NAME_STR_SIZE];
	size_t off;

	off = 17;
	ASSERT_EQ(dns_name_read(p, 19, &off, out), 2, "pointer back");
	ASSERT_STREQ(out, "a.b", "followed");
	ASSERT_EQ(off, 19, "offset past the pointer, not the target");
	p[18] = 17;
	off = 17;
	ASSERT_ERR(dns_name_read(p, 19, &off, out), -EINVAL, "pointer to itself");
	p[18] = 30;
	off = 17;
	ASSERT_ERR(dns_name_read(p, 64, &off, out), -EINVAL, "pointer forwards");
	/* a label-then-pointer chain that loops: 20: "x" then pointer to 20 */
	p[20] = 1; p[21] = 'x'; p[22] = 0xc0; p[23] = 20;
	off = 20;
	ASSERT_ERR(dns_name_read(p, 24, &off, out), -EINVAL, "loop through a label");
	p[30] = 0x40;	/* label type 01 */
	off = 30;
	ASSERT_ERR(dns_name_read(p, 64, &off, out), -EINVAL, "extended label type");
	p[30] = 5; p[31] = 'a';
	off = 30;
	ASSERT_ERR(dns_name_read(p, 33, &off, out), -EINVAL, "label past the end");
	/* escapes: '.', ' ' and a byte above 127 inside a label */
	{
		uint8_t e[] = { 3, 'a', '.', ' ', 1, 0xff, 0 };

		off = 0;
		ASSERT_EQ(dns_name_read(e, sizeof(e), &off, out), 2, "escaped labels");
		ASSERT_STREQ(out, "a\\046\\032.\\255", "escaped");
	}
	/* 256 bytes on the wire: 4 labels of 63 (256) + root */
	{
		uint8_t l[300] = {};
		size_t o = 0;

		for (int i = 0; i < 4; i++) {
			l[o++] = 63;
			memset(l + o, 'a', 63);
			o += 63;
		}
		l[o++] = 0;
		off = 0;
		ASSERT_ERR(dns_name_read(l, o, &off, out), -EMSGSIZE, "name over 255 bytes");
		l[3 * 64] = 0;	/* 3 labels: 193 bytes */
		off = 0;
		ASSERT_EQ(dns_name_read(l, o, &off, out), 3, "192 bytes fine");
	}
	{
		uint8_t w[300];
		char big[80];

		ASSERT_EQ(dns_name_write("api.x", w, sizeof(w)), 7, "write");
		ASSERT_TRUE(!memcmp(w, "\3api\1x\0", 7), "wire form");
		ASSERT_EQ(dns_name_write("", w, sizeof(w)), 1, "root");
		ASSERT_ERR(dns_name_write("a..b", w, sizeof(w)), -EINVAL, "empty label");
		ASSERT_ERR(dns_name_write("a.", w, sizeof(w)), -EINVAL, "trailing dot");
		memset(big, 'a', 64);
		big[64] = '\0';
		ASSERT_ERR(dns_name_write(big, w, sizeof(w)), -EINVAL, "label of 64");
		ASSERT_ERR(dns_name_write("api.x", w, 5), -ENOSPC, "no room");
	}
}

static void test_build_exact(void)
{
	static const uint8_t want_tail[] = {
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x04,
		10, 210, 1, 2,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
	};
	uint8_t out[512], a[4] = { 10, 210, 1, 2 };
	struct dns_query q;
	struct dns_msg m;
	size_t len;

	ASSERT_EQ(dns_parse_query(query_edns, sizeof(query_edns), &q), 0, "parse");
	ASSERT_OK(dns_msg_begin(&m, out, sizeof(out), 512, query_edns, &q, 0, true), "begin");
	ASSERT_OK(dns_msg_add_addr(&m, DNS_TYPE_A, 5, a), "A");
	ASSERT_OK(dns_msg_add_opt(&m, 1232, 0, true), "OPT");
	len = dns_msg_finish(&m);
	ASSERT_EQ(len, QUESTION_END + sizeof(want_tail), "length");
	/* header: id, QR AA RD RA, NOERROR, counts 1/1/0/1 */
	ASSERT_TRUE(!memcmp(out, "\xab\xcd\x85\x80\0\1\0\1\0\0\0\1", 12), "header");
	ASSERT_TRUE(!memcmp(out + 12, query_edns + 12, QUESTION_END - 12),
		    "question verbatim (case kept)");
	ASSERT_TRUE(!memcmp(out + QUESTION_END, want_tail, sizeof(want_tail)), "records");
}

static void test_truncation(void)
{
	uint8_t out[4096], a6[16] = { 0xfd };
	struct dns_query q;
	struct dns_msg m;
	int added = 0;

	ASSERT_EQ(dns_parse_query(query_edns, sizeof(query_edns), &q), 0, "parse");
	q.edns = false;		/* as if no OPT: 512 bytes, nothing reserved */
	ASSERT_OK(dns_msg_begin(&m, out, sizeof(out), 512, query_edns, &q, 0, true), "begin");
	while (!dns_msg_add_addr(&m, DNS_TYPE_AAAA, 5, a6))
		added++;
	ASSERT_TRUE(m.truncated, "truncated");
	ASSERT_EQ(added, (512 - QUESTION_END) / 28, "whole records only");
	ASSERT_TRUE(dns_msg_finish(&m) <= 512, "within 512");
	ASSERT_TRUE(out[2] & 0x02, "TC set");
	/* With EDNS, the OPT still fits after the answers ran out of room. */
	q.edns = true;
	ASSERT_OK(dns_msg_begin(&m, out, sizeof(out), 512, query_edns, &q, 0, true), "begin");
	while (!dns_msg_add_addr(&m, DNS_TYPE_AAAA, 5, a6))
		;
	ASSERT_OK(dns_msg_add_opt(&m, 1232, 0, false), "OPT in the reserve");
	ASSERT_TRUE(dns_msg_finish(&m) <= 512, "within 512 with OPT");
}

static void test_soa_and_badvers(void)
{
	uint8_t out[512];
	struct dns_query q;
	struct dns_msg m;
	size_t len;

	dns_parse_query(query_edns, sizeof(query_edns), &q);
	ASSERT_OK(dns_msg_begin(&m, out, sizeof(out), 512, query_edns, &q, DNS_RCODE_NXDOMAIN, true),
		  "begin");
	ASSERT_OK(dns_msg_add_soa(&m, true, "warren.internal", 300, 1, 5), "SOA");
	len = dns_msg_finish(&m);
	ASSERT_EQ(out[3] & 0xf, DNS_RCODE_NXDOMAIN, "rcode");
	ASSERT_EQ(out[9], 1, "in authority");
	/* owner "warren.internal" (17 bytes) then type SOA, class IN, TTL min(300, 5) */
	ASSERT_TRUE(!memcmp(out + QUESTION_END + 17, "\0\6\0\1\0\0\0\5", 8), "SOA TTL is the minimum");
	ASSERT_TRUE(len > QUESTION_END + 17 + 10 + 20, "has rdata");
	ASSERT_EQ(out[len - 1], 5, "minimum last");

	ASSERT_OK(dns_msg_begin(&m, out, sizeof(out), 512, query_edns, &q, DNS_RCODE_BADVERS, false),
		  "begin BADVERS");
	ASSERT_OK(dns_msg_add_opt(&m, 1232, DNS_RCODE_BADVERS, false), "OPT");
	len = dns_msg_finish(&m);
	ASSERT_EQ(out[3] & 0xf, 0, "low bits of 16 in the header");
	ASSERT_EQ(out[len - 6], 1, "high bits in OPT: 16 >> 4");
}

static struct test_case tests[] = {
	{ "parse a query with EDNS0", test_parse_query },
	{ "every truncation of a query is refused", test_every_prefix_is_refused },
	{ "header checks: QR, opcode, counts, trailing bytes", test_header_checks },
	{ "OPT rules: version, one OPT, root owner, size", test_opt_rules },
	{ "names: compression, loops, limits, escapes", test_names },
	{ "an answer byte for byte", test_build_exact },
	{ "truncation keeps whole records and room for OPT", test_truncation },
	{ "SOA in authority, BADVERS", test_soa_and_badvers },
};

TEST_MAIN(tests)

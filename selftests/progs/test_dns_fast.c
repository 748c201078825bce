// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN of the DNS fast path (bpf/lib/dns_fast.h) in
 * warren_from_wl, against the shim's own answers:
 *  - the map is filled as the agent fills it (dns_fast_build over a real
 *    model whose slots match the fixture's: SRC is p1/prod's client, PEER
 *    p1/prod api 0, OTHER p2/prod api 0, BUILDEP a build-phase p1/prod
 *    endpoint);
 *  - every fast case, IPv4 and IPv6, is answered in place and sent back
 *    (redirect to the sender's veth), with MACs, addresses and ports
 *    swapped, checksums that verify, and a DNS message equal byte for byte
 *    to what dns_answer() gives the same query bytes from the same caller
 *    at the same rotation;
 *  - every fall-through case passes the packet on to the host stack
 *    exactly as it came, counted under its reason;
 *  - the libFuzzer corpus of selftests/fuzz/corpus/fuzz_dns_fast replayed
 *    through the program: each input either comes back unchanged (on to
 *    the shim) or answered exactly as the shim answers it.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "lib/log.h"
#include "warren.h"
#include "fixture.h"
#include "veth.skel.h"
#include "dns/dns_answer.h"
#include "dns/dns_fast.h"

int test_failed;
const char *test_skip;

#define TTL 7
#define D "warren.internal"
#define TCP_PROTO 6
#define UDP_PROTO 17

static struct model m;
static struct dns_view view;
static struct dns_fast_set set;
static const struct endpoint *caller;	/* SRC in the model */
static int ncpu;

/* --- the model behind the fixture's slots ---------------------------------------- */

static int add(const char *p, const char *e, const char *s, uint32_t n, const char *type,
	       bool build)
{
	struct endpoint_req r = { .replica = n, .build = build };
	struct endpoint ep;
	char err[ERR_SIZE];
	int ret;

	snprintf(r.project, sizeof(r.project), "%s", p);
	snprintf(r.env, sizeof(r.env), "%s", e);
	snprintf(r.service, sizeof(r.service), "%s", s);
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.netns, sizeof(r.netns), "wl%s%s%u", e, s, n);
	ret = model_endpoint_prepare(&m, &r, &ep, err);
	if (!ret)
		ret = model_endpoint_insert(&m, &ep, err);
	if (ret)
		printf("# model: %s\n", err);
	return ret;
}

static char long_svc[61], long_type[61];

static int model_setup(void)
{
	struct fabric_config cfg;
	char err[ERR_SIZE];
	int ret = 0;

	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	prefix4_parse("10.210.1.0/24", &cfg.host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg.host6);
	model_init(&m, &cfg);
	memset(long_svc, 'l', 60);
	memset(long_type, 't', 60);
	/* Env ids 1 and 2 as in the fixture; slots from 2 in order: .2 SRC, .3 PEER, .4 OTHER, .5 BUILDEP. */
	ret = model_project_add(&m, "p1", err) ?: model_project_add(&m, "p2", err) ?:
	      model_env_add(&m, "p1", "prod", false, err) ?: model_env_add(&m, "p2", "prod", false, err);
	ret = ret ?: add("p1", "prod", "client", 0, "", false);
	ret = ret ?: add("p1", "prod", "api", 0, "web", false);
	ret = ret ?: add("p2", "prod", "api", 0, "", false);
	ret = ret ?: add("p1", "prod", "builder", 0, "", true);
	ret = ret ?: add("p1", "prod", "api", 1, "web", false);
	ret = ret ?: add("p1", "prod", "api", 2, "worker", false);
	ret = ret ?: add("p1", "prod", "db", 0, "", false);
	/* 0.<type>.<service>.prod.p1.warren.internal: 149 bytes on the wire, past the key. */
	ret = ret ?: add("p1", "prod", long_svc, 0, long_type, false);
	/* More records than the fast path holds. */
	for (uint32_t i = 0; i < WARREN_DNS_MAX_RECORDS + 1 && !ret; i++)
		ret = add("p1", "prod", "many", i, "", false);
	ret = ret ?: dns_view_init(&view, &m, D, TTL, err);
	if (ret)
		return ret;
	caller = dns_view_caller4(&view, inet_addr(addr[SRC][0]));
	return caller && caller->slot == 2 ? 0 : -ESRCH;
}

/* The map as the agent writes it. */
static int fill_fast_map(void)
{
	int ret = dns_fast_build(&view, &set);

	for (size_t i = 0; i < set.n && !ret; i++)
		ret = bpf_map__update_elem(skel->maps.warren_dns_fast, &set.e[i].key,
					   sizeof(set.e[i].key), &set.e[i].val,
					   sizeof(set.e[i].val), 0);
	return ret;
}

/* --- stats ------------------------------------------------------------------------- */

static int read_stats(struct warren_dns_stats *sum, __u64 *answered_here)
{
	struct warren_dns_stats per[ncpu];
	__u32 key = 0;
	int ret = bpf_map__lookup_elem(skel->maps.warren_dns_stat, &key, 4, per,
				       sizeof(per), 0);

	memset(sum, 0, sizeof(*sum));
	for (int c = 0; !ret && c < ncpu; c++) {
		sum->answered += per[c].answered;
		for (int r = 0; r < WARREN_DNS_FELL__MAX; r++)
			sum->fell[r] += per[c].fell[r];
	}
	if (answered_here)
		*answered_here = ret ? 0 : per[0].answered;	/* we run on CPU 0 */
	return ret;
}

/* --- packets ----------------------------------------------------------------------- */

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The transport checksum over the pseudo-header; 0 when l4 carries a right one. */
static uint16_t l4_check(const uint8_t *ip, int v6, const uint8_t *l4, size_t len, int proto)
{
	uint32_t s = v6 ? sum16(0, ip + 8, 32) : sum16(0, ip + 12, 8);

	s += (uint32_t)proto + (uint32_t)len;
	return fold(sum16(s, l4, len));
}

enum { P_FRAG = 1, P_OPTIONS = 2, P_EXTHDR = 4, P_LONG_IP = 8 };

/* Ethernet, IP, UDP/TCP from src to dst:port around the DNS bytes; its length. */
static size_t frame(uint8_t *b, int v6, enum who src, const char *dst, int proto, uint16_t port,
		    const uint8_t *dns, size_t dlen, unsigned int flags)
{
	size_t iphl = v6 ? 40 : 20, ext = 0, l4len;
	uint8_t *ip = b + 14, *l4;

	memset(b, 0, 2048);
	mac_of(SRC, 0, b);		/* to the gateway */
	mac_of(SRC, 1, b + 6);		/* from the workload */
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	if (!v6 && (flags & P_OPTIONS))
		iphl = 24;		/* a 4-byte NOP option */
	/* IPv6 has no options or fragment bit here: an extension header stands for them. */
	if (v6 && (flags & (P_EXTHDR | P_FRAG | P_OPTIONS)))
		ext = 8;
	l4 = ip + iphl + ext;
	if (proto == TCP_PROTO) {
		put16(l4, 40000);
		put16(l4 + 2, port);
		l4[12] = 5 << 4;
		l4[13] = 0x18;
		put16(l4 + 20, (unsigned int)dlen);
		memcpy(l4 + 22, dns, dlen);
		l4len = 22 + dlen;
	} else {
		put16(l4, 40000);
		put16(l4 + 2, port);
		put16(l4 + 4, (unsigned int)(8 + dlen));
		memcpy(l4 + 8, dns, dlen);
		l4len = 8 + dlen;
	}
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (unsigned int)(ext + l4len + (flags & P_LONG_IP ? 4 : 0)));
		ip[6] = ext ? 0 : (uint8_t)proto;
		ip[7] = 64;
		inet_pton(AF_INET6, addr[src][1], ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
		if (ext) {
			ip[40] = (uint8_t)proto;
			ip[42] = 1;
			ip[43] = 4;
		}
	} else {
		ip[0] = (uint8_t)(0x40 | iphl / 4);
		put16(ip + 2, (unsigned int)(iphl + l4len + (flags & P_LONG_IP ? 4 : 0)));
		put16(ip + 4, 0x1234);
		put16(ip + 6, flags & P_FRAG ? 0x2000 : 0x4000);	/* MF, or DF */
		ip[8] = 64;
		ip[9] = (uint8_t)proto;
		inet_pton(AF_INET, addr[src][0], ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		if (iphl == 24)
			memset(ip + 20, 1, 4);
		put16(ip + 10, fold(sum16(0, ip, iphl)));
	}
	put16(l4 + (proto == TCP_PROTO ? 16 : 6),
	      l4_check(ip, v6, l4, l4len, proto));
	return 14 + iphl + ext + l4len;
}

/* A query for name (written as given: its case is the client's), type and class. */
enum { E_NONE, E_PLAIN, E_COOKIE, E_DO };
static size_t query(uint8_t *p, const char *name, uint16_t type, uint16_t cls, int edns,
		    uint16_t flags)
{
	static const uint8_t cookie[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	int n;

	memset(p, 0, 12);
	put16(p, 0xbeef);
	put16(p + 2, flags);
	put16(p + 4, 1);
	n = dns_name_write(name, p + 12, 1024);
	if (n < 0)
		return 0;
	p += 12 + n;
	put16(p, type);
	put16(p + 2, cls);
	if (edns == E_NONE)
		return 12 + (size_t)n + 4;
	p[-12 - n + 11] = 1;
	p += 4;
	memset(p, 0, 11);
	p[2] = DNS_TYPE_OPT;
	put16(p + 3, 1232);
	if (edns == E_DO)
		p[7] = 0x80;
	if (edns == E_COOKIE) {
		put16(p + 9, sizeof(cookie));
		memcpy(p + 11, cookie, sizeof(cookie));
		return 12 + (size_t)n + 4 + 11 + sizeof(cookie);
	}
	return 12 + (size_t)n + 4 + 11;
}

/* What the shim answers these bytes with, its round robin where the fast path's is. */
static size_t shim_answer(const uint8_t *dns, size_t dlen, uint64_t rr, uint8_t *out,
			  enum dns_action *act)
{
	struct dns_stats st = {};
	struct dns_query q;
	size_t len = 0;

	dns_view_refresh(&view);
	for (size_t i = 0; i < view.n_groups; i++)
		view.groups[i].rr = (uint32_t)rr;
	*act = dns_answer(&view, caller, dns, dlen, false, &q, out, 4096, &len, &st);
	return *act == DNS_ACT_REPLY ? len : 0;
}

static int run_prog(const uint8_t *in, size_t len, uint8_t *out, __u32 *out_len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = 2048, .repeat = 1);
	int ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.warren_from_wl), &topts);

	*out_len = topts.data_size_out;
	*retval = topts.retval;
	return ret;
}

/*
 * The answer the program sent back: headers turned around, checksums
 * right, the DNS message the shim's. Returns the DNS message's offset.
 */
static size_t check_reply(const uint8_t *in, const uint8_t *out, __u32 olen, int v6,
			  const uint8_t *want, size_t wlen)
{
	size_t iphl = v6 ? 40 : 20, u = 14 + iphl;
	const uint8_t *ip = out + 14, *iip = in + 14;

	ASSERT_EQ(olen, u + 8 + wlen, "answer length");
	ASSERT_MEMEQ(out, in + 6, 6, "destination MAC: the sender's");
	ASSERT_MEMEQ(out + 6, in, 6, "source MAC: the gateway's");
	if (v6) {
		ASSERT_EQ(ip[0] >> 4, 6, "IPv6");
		ASSERT_EQ(get16(ip + 4), 8 + wlen, "payload length");
		ASSERT_EQ(ip[6], UDP_PROTO, "next header");
		ASSERT_EQ(ip[7], 64, "hop limit");
		ASSERT_MEMEQ(ip + 8, iip + 24, 16, "source: the resolver");
		ASSERT_MEMEQ(ip + 24, iip + 8, 16, "destination: the sender");
	} else {
		ASSERT_EQ(ip[0], 0x45, "IPv4, no options");
		ASSERT_EQ(get16(ip + 2), 20 + 8 + wlen, "total length");
		ASSERT_EQ(ip[8], 64, "TTL");
		ASSERT_EQ(ip[9], UDP_PROTO, "protocol");
		ASSERT_MEMEQ(ip + 12, iip + 16, 4, "source: the resolver");
		ASSERT_MEMEQ(ip + 16, iip + 12, 4, "destination: the sender");
		ASSERT_EQ(fold(sum16(0, ip, 20)), 0, "IPv4 header checksum");
	}
	ASSERT_MEMEQ(out + u, in + u + 2, 2, "source port: the query's destination");
	ASSERT_MEMEQ(out + u + 2, in + u, 2, "destination port: the query's source");
	ASSERT_EQ(get16(out + u + 4), 8 + wlen, "UDP length");
	ASSERT_TRUE(get16(out + u + 6) != 0, "UDP checksum present");
	ASSERT_EQ(l4_check(ip, v6, out + u, 8 + wlen, UDP_PROTO), 0, "UDP checksum");
	if (olen == u + 8 + wlen)
		ASSERT_MEMEQ(out + u + 8, want, wlen, "DNS answer: the shim's, byte for byte");
	return u + 8;
}

/* --- the cases --------------------------------------------------------------------- */

enum mut {
	M_NONE, M_QD2, M_QR, M_OPCODE, M_AN1, M_TRUNC, M_TRAIL, M_POINTER, M_EDNS_V1,
	M_OPT_OWNER, M_AR_A, M_AR2,
};

struct fcase {
	const char *name;
	const char *qname;	/* under D unless ending in '.' */
	uint16_t qtype, qclass;
	int edns;
	uint16_t flags;
	enum mut mut;
	int proto;
	uint16_t port;
	unsigned int pkt;
	int fell;		/* -1: answered by the fast path */
	uint8_t shim_rcode;	/* what the shim says (checked for the fall-throughs that reach it) */
};

#define FAST (-1)
#define NOSHIM 0xff

static const struct fcase cases[] = {
	{ "service A, no EDNS", "api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "service AAAA, EDNS", "api", 28, 1, E_PLAIN, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "0x20 case kept in the echo", "ApI.WaRrEn.InTeRnAl.", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "replica of a type, qualified", "0.web.api.prod.p1", 28, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "type name, two records", "web.api", 1, 1, E_PLAIN, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "replica, one record", "1.api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "EDNS with a cookie (as dig sends)", "db", 1, 1, E_COOKIE, 0x0120, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "EDNS DO bit copied", "db.prod.p1", 28, 1, E_DO, 0x0100, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "RD clear, CD set: copied", "api", 1, 1, E_NONE, 0x0010, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },
	{ "AD and TC in the query: not copied", "api", 1, 1, E_NONE, 0x0320, M_NONE, UDP_PROTO, 53, 0, FAST, 0 },

	{ "TCP", "api", 1, 1, E_NONE, 0x0100, M_NONE, TCP_PROTO, 53, 0, WARREN_DNS_FELL_TCP, NOSHIM },
	{ "UDP to another port", "api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 5353, 0, WARREN_DNS_FELL_NOT_QUERY, NOSHIM },
	{ "IPv4 fragment / IPv6 extension header (MF)", "api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, P_FRAG | P_EXTHDR, WARREN_DNS_FELL_NOT_QUERY, NOSHIM },
	{ "IPv4 options / IPv6 extension header", "api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, P_OPTIONS, WARREN_DNS_FELL_NOT_QUERY, NOSHIM },
	{ "IP length past the packet", "api", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, P_LONG_IP, WARREN_DNS_FELL_MALFORMED, NOSHIM },
	{ "type MX", "api", 15, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_TYPE, 0 },
	{ "type ANY", "api", 255, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_TYPE, 0 },
	{ "type SRV", "_http._tcp.api", 33, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_TYPE, 3 },
	{ "class CH", "api", 1, 3, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_TYPE, 5 },
	{ "class ANY", "api", 1, 255, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_TYPE, 0 },
	{ "two questions", "api", 1, 1, E_NONE, 0x0100, M_QD2, UDP_PROTO, 53, 0, WARREN_DNS_FELL_HEADER, 1 },
	{ "a response (QR)", "api", 1, 1, E_NONE, 0x0100, M_QR, UDP_PROTO, 53, 0, WARREN_DNS_FELL_HEADER, NOSHIM },
	{ "opcode STATUS", "api", 1, 1, E_NONE, 0x0100, M_OPCODE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_HEADER, 4 },
	{ "an answer count", "api", 1, 1, E_NONE, 0x0100, M_AN1, UDP_PROTO, 53, 0, WARREN_DNS_FELL_HEADER, 1 },
	{ "question cut short", "api", 1, 1, E_NONE, 0x0100, M_TRUNC, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MALFORMED, 1 },
	{ "trailing bytes", "api", 1, 1, E_NONE, 0x0100, M_TRAIL, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MALFORMED, 1 },
	{ "compressed name", "api", 1, 1, E_NONE, 0x0100, M_POINTER, UDP_PROTO, 53, 0, WARREN_DNS_FELL_NAME, 1 },
	{ "name longer than the key", "0.ttt.lll.prod.p1", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_NAME, 0 },
	{ "more records than the map holds", "many", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MISS, 0 },
	{ "EDNS version 1", "api", 1, 1, E_PLAIN, 0x0100, M_EDNS_V1, UDP_PROTO, 53, 0, WARREN_DNS_FELL_EDNS, 16 & 0xf },
	{ "OPT not owned by the root", "api", 1, 1, E_PLAIN, 0x0100, M_OPT_OWNER, UDP_PROTO, 53, 0, WARREN_DNS_FELL_EDNS, 1 },
	{ "additional record that is no OPT", "api", 1, 1, E_NONE, 0x0100, M_AR_A, UDP_PROTO, 53, 0, WARREN_DNS_FELL_EDNS, 0 },
	{ "two additional records", "api", 1, 1, E_PLAIN, 0x0100, M_AR2, UDP_PROTO, 53, 0, WARREN_DNS_FELL_HEADER, 1 },
	{ "another environment's name: NXDOMAIN from the shim", "api.prod.p2", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MISS, 3 },
	{ "a name nobody has", "nosuch", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MISS, 3 },
	{ "the apex", "", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MISS, 0 },
	{ "a name outside the domain", "example.com.", 1, 1, E_NONE, 0x0100, M_NONE, UDP_PROTO, 53, 0, WARREN_DNS_FELL_MISS, NOSHIM },
};

static size_t build_dns(uint8_t *dns, const struct fcase *c)
{
	char name[512];
	size_t n, l = strlen(c->qname);

	if (l && c->qname[l - 1] == '.')
		snprintf(name, sizeof(name), "%.*s", (int)l - 1, c->qname);
	else if (!strncmp(c->qname, "0.ttt.lll.", 10))
		snprintf(name, sizeof(name), "0.%s.%s.%s.%s", long_type, long_svc, c->qname + 10, D);
	else
		snprintf(name, sizeof(name), "%s%s%s", c->qname, l ? "." : "", D);
	n = query(dns, name, c->qtype, c->qclass, c->edns, c->flags);
	switch (c->mut) {
	case M_QD2: put16(dns + 4, 2); break;
	case M_QR: dns[2] |= 0x80; break;
	case M_OPCODE: dns[2] |= 2 << 3; break;
	case M_AN1: put16(dns + 6, 1); break;
	case M_TRUNC: n -= 3; break;
	case M_TRAIL: dns[n++] = 0; break;
	case M_POINTER: {
		/* "api" then a pointer to ... a copy of the rest placed after the question. */
		static const uint8_t q[] = { 3, 'a', 'p', 'i', 0xc0, 20, 0, 1, 0, 1,
					     6, 'w', 'a', 'r', 'r', 'e', 'n', 8, 'i', 'n', 't',
					     'e', 'r', 'n', 'a', 'l', 0 };
		memcpy(dns + 12, q, sizeof(q));
		n = 12 + sizeof(q);
		break;
	}
	case M_EDNS_V1: dns[n - 11 + 6] = 1; break;
	case M_OPT_OWNER: {
		/* The OPT owned by the question's name (a pointer): not the root. */
		memmove(dns + n - 10 + 1, dns + n - 10, 10);
		dns[n - 11] = 0xc0;
		dns[n - 10] = 12;
		n++;
		break;
	}
	case M_AR_A: {
		static const uint8_t a[] = { 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, 1 };
		put16(dns + 10, 1);
		memcpy(dns + n, a, sizeof(a));
		n += sizeof(a);
		break;
	}
	case M_AR2: {
		memcpy(dns + n, dns + n - 11, 11);
		n += 11;
		put16(dns + 10, 2);
		break;
	}
	default: break;
	}
	return n;
}

static uint8_t in[2048], out[2048], want[4096];

static void run_case(const struct fcase *c, int v6)
{
	uint8_t dns[1024];
	size_t dlen = build_dns(dns, c), wlen, len;
	struct warren_dns_stats s0, s1;
	enum dns_action act;
	__u32 olen, ret;
	__u64 here;

	len = frame(in, v6, SRC, addr[HOSTEP][v6], c->proto, c->port, dns, dlen, c->pkt);
	if (!ASSERT_OK(fixture_fill(0), "fill") || !ASSERT_OK(read_stats(&s0, &here), "stats") ||
	    !ASSERT_OK(run_prog(in, len, out, &olen, &ret), "test run") ||
	    !ASSERT_OK(read_stats(&s1, NULL), "stats"))
		return;
	wlen = shim_answer(dns, dlen, here, want, &act);
	if (c->fell == FAST) {
		ASSERT_EQ(ret, REDIRECT, "verdict: sent back");
		ASSERT_EQ(s1.answered, s0.answered + 1, "counted answered");
		if (ASSERT_EQ(act, DNS_ACT_REPLY, "the shim answers too"))
			check_reply(in, out, olen, v6, want, wlen);
		return;
	}
	ASSERT_EQ(ret, PASS, "verdict: on to the host stack");
	if (ASSERT_EQ(olen, len, "packet length unchanged"))
		ASSERT_MEMEQ(out, in, len, "packet unchanged");
	ASSERT_EQ(s1.answered, s0.answered, "not counted answered");
	ASSERT_EQ(s1.fell[c->fell], s0.fell[c->fell] + 1, "counted under its reason");
	if (c->shim_rcode != NOSHIM && ASSERT_EQ(act, DNS_ACT_REPLY, "the shim answers it"))
		ASSERT_EQ(want[3] & 0x0f, c->shim_rcode, "the shim's rcode");
}

/* Consecutive answers start one record further on; TTL as configured. */
static void run_rotation(int v6)
{
	uint8_t dns[512], first[3][4];
	size_t dlen = query(dns, "api." D, 1, 1, E_NONE, 0x0100), len;
	__u32 olen, ret;
	size_t at;

	len = frame(in, v6, SRC, addr[HOSTEP][v6], UDP_PROTO, 53, dns, dlen, 0);
	at = 14 + (v6 ? 40 : 20) + 8 + dlen;
	for (int round = 0; round < 4; round++) {
		if (!ASSERT_OK(run_prog(in, len, out, &olen, &ret), "test run") ||
		    !ASSERT_EQ(ret, REDIRECT, "answered") || !ASSERT_EQ(get16(out + at - dlen + 6), 3, "3 records"))
			return;
		for (int k = 0; k < 3; k++) {
			const uint8_t *r = out + at + k * 16;

			ASSERT_EQ((uint32_t)get16(r + 6) << 16 | get16(r + 8), TTL, "TTL as configured");
			if (round == 0)
				memcpy(first[k], r + 12, 4);
			else
				ASSERT_MEMEQ(r + 12, first[(k + round) % 3], 4, "rotated by one per answer");
		}
	}
}

/* A spoofed source, or a resolver that is not this host's: the fast path never sees it. */
static void run_not_ours(int v6, int which)
{
	uint8_t dns[512];
	size_t dlen = query(dns, "api." D, 1, 1, E_NONE, 0x0100), len;
	struct warren_dns_stats s0, s1;
	__u32 olen, ret;

	len = which == 0 ? frame(in, v6, PEER, addr[HOSTEP][v6], UDP_PROTO, 53, dns, dlen, 0) :
	      which == 1 ? frame(in, v6, SRC, addr[PUBLIC][v6], UDP_PROTO, 53, dns, dlen, 0) :
			   frame(in, v6, SRC, addr[PEER][v6], UDP_PROTO, 53, dns, dlen, 0);
	if (!ASSERT_OK(read_stats(&s0, NULL), "stats") ||
	    !ASSERT_OK(run_prog(in, len, out, &olen, &ret), "test run") ||
	    !ASSERT_OK(read_stats(&s1, NULL), "stats"))
		return;
	ASSERT_EQ(ret, which == 0 ? DROP : which == 1 ? PASS : REDIRECT,
		  which == 0 ? "spoofed: dropped" : which == 1 ? "public: on" : "a peer: delivered");
	ASSERT_TRUE(!memcmp(&s0, &s1, sizeof(s0)), "the fast path did not look");
	ASSERT_EQ(olen, len, "length unchanged");
	ASSERT_MEMEQ(out + olen - dlen, dns, dlen, "the query unchanged");
}

/* A build-phase caller: its names are the shim's NXDOMAIN, never the map's. */
static void run_build(int v6)
{
	uint8_t dns[512];
	size_t dlen = query(dns, "api." D, 1, 1, E_NONE, 0x0100), len;
	struct warren_dns_stats s0, s1;
	__u32 olen, ret;

	len = frame(in, v6, SRC, addr[HOSTEP][v6], UDP_PROTO, 53, dns, dlen, 0);
	if (!ASSERT_OK(fixture_fill(FIX_SRC_BUILD), "fill") || !ASSERT_OK(read_stats(&s0, NULL), "stats") ||
	    !ASSERT_OK(run_prog(in, len, out, &olen, &ret), "test run") ||
	    !ASSERT_OK(read_stats(&s1, NULL), "stats"))
		return;
	ASSERT_EQ(ret, PASS, "on to the shim");
	ASSERT_MEMEQ(out, in, len, "unchanged");
	ASSERT_EQ(s1.fell[WARREN_DNS_FELL_BUILD], s0.fell[WARREN_DNS_FELL_BUILD] + 1, "counted");
	fixture_fill(0);
}

/* What the agent left out, and why. */
static void run_set(void)
{
	ASSERT_TRUE(set.n > 0, "names in the map");
	ASSERT_TRUE(set.too_long >= 1, "the long name left out");
	ASSERT_TRUE(set.too_big >= 2, "the many-replica service left out (A and AAAA)");
	for (size_t i = 0; i < set.n; i++)
		if (set.e[i].key.env_id == 2)
			return;
	ASSERT_TRUE(false, "the other environment's names are under its own id");
}

/* --- the fuzz corpus, replayed -------------------------------------------------------- */

static int corpus_replay(int v6, int *n_answered)
{
	const char *dir = getenv("WARREN_DNS_CORPUS") ?: "selftests/fuzz/corpus/fuzz_dns_fast";
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	*n_answered = 0;
	if (!d) {
		printf("# %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char path[1024];
		uint8_t dns[1024];
		size_t dlen, len, wlen;
		enum dns_action act;
		struct warren_dns_stats s;
		__u32 olen, ret;
		__u64 here;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		dlen = fread(dns, 1, sizeof(dns), f);
		fclose(f);
		n++;
		len = frame(in, v6, SRC, addr[HOSTEP][v6], UDP_PROTO, 53, dns, dlen, 0);
		if (!ASSERT_OK(read_stats(&s, &here), "stats") ||
		    !ASSERT_OK(run_prog(in, len, out, &olen, &ret), path))
			break;
		if (ret == PASS) {
			if (!ASSERT_EQ(olen, len, path) || !ASSERT_MEMEQ(out, in, len, path))
				printf("# %s: passed on, but changed\n", path);
			continue;
		}
		if (!ASSERT_EQ(ret, REDIRECT, path))
			continue;
		(*n_answered)++;
		wlen = shim_answer(dns, dlen, here, want, &act);
		if (!ASSERT_EQ(act, DNS_ACT_REPLY, path))
			continue;
		check_reply(in, out, olen, v6, want, wlen);
		if (test_failed) {
			printf("# %s: answered differently from the shim\n", path);
			break;
		}
	}
	closedir(d);
	return n;
}

int main(void)
{
	size_t nc = sizeof(cases) / sizeof(cases[0]);
	int n = (int)(nc * 2 + 2 * 5 + 1 + 2), failed = 0, err, k = 0;
	cpu_set_t one;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_prefix("test_dns_fast");
	log_route_libbpf();
	printf("TAP version 13\n1..%d\n", n);
	/* Rotation is per CPU: every run on CPU 0, so the next answer's start is known. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ncpu = libbpf_num_possible_cpus();
	err = sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
	err = err ?: fixture_setup() ?: model_setup() ?: fixture_fill(0) ?: fill_fast_map();
	if (err) {
		printf("# setup: %s\n", strerror(-err));
		for (int i = 1; i <= n; i++)
			printf("not ok %d setup failed\n", i);
		fixture_teardown();
		return 1;
	}
#define REPORT(fmt, ...) do {								\
		failed += test_failed;							\
		printf("%s %d " fmt "\n", test_failed ? "not ok" : "ok", ++k, __VA_ARGS__); \
		test_failed = 0;							\
	} while (0)
	test_failed = 0;
	run_set();
	REPORT("%s", "the agent's names: both environments, long and big ones left out");
	for (size_t i = 0; i < nc; i++)
		for (int v6 = 0; v6 < 2; v6++) {
			run_case(&cases[i], v6);
			REPORT("%s: %s %s", cases[i].fell == FAST ? "answered" : "falls through",
			       cases[i].name, v6 ? "v6" : "v4");
		}
	for (int v6 = 0; v6 < 2; v6++) {
		run_rotation(v6);
		REPORT("records rotate one step per answer, TTL %d %s", TTL, v6 ? "v6" : "v4");
		run_not_ours(v6, 0);
		REPORT("spoofed source: dropped, never answered %s", v6 ? "v6" : "v4");
		run_not_ours(v6, 1);
		REPORT("to a public resolver: untouched %s", v6 ? "v6" : "v4");
		run_not_ours(v6, 2);
		REPORT("to a workload's port 53: delivered untouched %s", v6 ? "v6" : "v4");
		run_build(v6);
		REPORT("build-phase caller: on to the shim %s", v6 ? "v6" : "v4");
	}
	for (int v6 = 0; v6 < 2; v6++) {
		int answered, seeds = corpus_replay(v6, &answered);

		/* An empty corpus would prove nothing: it fails too. */
		if (seeds <= 0)
			test_failed = 1;
		else
			printf("# %d inputs, %d answered in the datapath\n", seeds, answered);
		REPORT("fuzz corpus replayed: unchanged or the shim's answer %s", v6 ? "v6" : "v4");
	}
	fixture_teardown();
	dns_fast_set_free(&set);
	dns_view_free(&view);
	model_free(&m);
	return failed ? 1 : 0;
}

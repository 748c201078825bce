// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Named ports: the port spec rules, and the SRV answers made of them
 * (one per replica that declares the port, targets and their addresses,
 * truncation, names no replica declares answering as names that do not
 * exist, other environments' SRV names shaped exactly alike).
 */
#include "dns_fix.h"

static int add_ports(struct model *m, const char *s, uint32_t n, const char *type,
		     const char *ports)
{
	struct endpoint_req r = { .replica = n };
	struct endpoint ep;
	char err[ERR_SIZE];
	int ret;

	snprintf(r.project, sizeof(r.project), "p1");
	snprintf(r.env, sizeof(r.env), "prod");
	snprintf(r.service, sizeof(r.service), "%s", s);
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.netns, sizeof(r.netns), "wlp%s%u", s, n);
	if (port_list_parse(ports, &r.ports, err, sizeof(err)))
		return -EINVAL;
	ret = model_endpoint_prepare(m, &r, &ep, err);
	return ret ? ret : model_endpoint_insert(m, &ep, err);
}

/* Equal length, header and tail: an answer that tells nothing the other does not. */
static bool same_shape(const struct result *a, const struct result *b)
{
	return a->len == b->len && !memcmp(a->out + 2, b->out + 2, 10) && a->len > 40 &&
	       !memcmp(a->out + a->len - 40, b->out + b->len - 40, 40);
}

static void test_srv(void)
{
	struct fix f;
	struct result r, x;
	bool t0 = false, t1 = false;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	/* svc: replicas 0 and 1 serve http/tcp, replica 0 also dns/udp; 2 declares none */
	if (!ASSERT_OK(add_ports(&f.m, "svc", 0, "web", "http=8080/tcp,dns=53/udp"), "svc 0") ||
	    !ASSERT_OK(add_ports(&f.m, "svc", 1, "", "http=8081/tcp"), "svc 1") ||
	    !ASSERT_OK(add_ports(&f.m, "svc", 2, "", ""), "svc 2"))
		goto out;
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.aa && r.nsrv == 2 && r.an == 2, "two SRV");
	for (int i = 0; i < r.nsrv && i < 2; i++) {
		t0 |= r.srv_port[i] == 8080 && !strcmp(r.srv_target[i], "0.svc.warren.internal");
		t1 |= r.srv_port[i] == 8081 && !strcmp(r.srv_target[i], "1.svc.warren.internal");
	}
	ASSERT_TRUE(t0 && t1, "ports and targets per replica");
	ASSERT_EQ(r.ar, 4, "targets' A and AAAA in the additional section");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(x.nsrv == 2 && x.srv_port[0] != r.srv_port[0], "SRV rotates");
	ask(&f, caller(&f, 2), "0.svc.warren.internal", DNS_TYPE_A, &x);
	ASSERT_EQ(x.na, 1, "the target resolves");
	ask(&f, caller(&f, 2), "_dns._udp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 53, "dns/udp: replica 0 only");
	ask(&f, caller(&f, 2), "_http._tcp.1.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 8081, "replica form");
	ask(&f, caller(&f, 2), "_http._tcp.web.svc.prod.p1.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 8080, "type form, fully qualified");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1, "A on it: NODATA");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_ANY, &r);
	ASSERT_EQ(r.nsrv, 2, "ANY: the SRV records");
	ask(&f, caller(&f, 2), "svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0, "SRV on the service: NODATA");

	/* Names no replica declares are names that do not exist, shaped alike. */
	ask(&f, caller(&f, 2), "_http._udp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 2), "_http._udp.zzz.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "undeclared port");
	ask(&f, caller(&f, 2), "_http._tcp.2.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "a replica without the port");
	ask(&f, caller(&f, 2), "_ht_p._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "not a port name");
	ask(&f, caller(&f, 2), "_http._sctp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "not tcp or udp");
	/* Another environment's SRV name answers as one that exists nowhere. */
	ask(&f, caller(&f, 6), "_http._tcp.svc.prod.p1.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 6), "_http._tcp.zzz.prod.p1.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "other env: exact NXDOMAIN");
	ask(&f, caller(&f, 6), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 6), "_http._tcp.zzz.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "other env, short form");
	ask(&f, caller(&f, 9), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "build-phase caller: nothing");
out:
	teardown(&f);
}

/* 45 replicas with a port: as many SRV as 512 bytes hold, TC; additional data never sets TC. */
static void test_srv_truncation(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (uint32_t n = 0; n < 45; n++)
		add_ports(&f.m, "big", n, "", "http=80/tcp");
	ask(&f, caller(&f, 2), "_http._tcp.big.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.tc && r.len <= 512 && r.nsrv > 5 && r.nsrv < 45, "TC at 512");
	ASSERT_EQ(r.ar, 0, "no additional data when the answers did not fit");
	add_ports(&f.m, "two", 0, "", "http=80/tcp");
	add_ports(&f.m, "two", 1, "", "http=80/tcp");
	ask(&f, caller(&f, 2), "_http._tcp.two.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(!r.tc && r.nsrv == 2 && r.ar == 4, "two fit with their addresses");
	teardown(&f);
}

static void test_ports_rules(void)
{
	static const char *const bad[] = { "http", "=80/tcp", "http=80", "http=0/tcp",
		"http=65536/tcp", "http=080/tcp", "http=80/sctp", "http=80/TCP", "HTTP=80/tcp",
		"-http=80/tcp", "http-=80/tcp", "ht--tp=80/tcp", "1234=80/tcp",
		"abcdefghijklmnop=80/tcp", "ht_p=80/tcp", "http=8x/tcp", "http=/tcp" };
	static const char *const good[] = { "http=80/tcp", "h=1/udp", "a1-b2=65535/tcp",
		"abcdefghijklmno=8080/udp", "9p=564/tcp" };
	struct port_list l;
	struct port_spec p;
	char err[ERR_SIZE], txt[PORTS_STR_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_ERR(port_spec_parse(bad[i], &p, err, sizeof(err)), -EINVAL, bad[i]);
		ASSERT_TRUE(strstr(err, bad[i]) != NULL, "the error names the spec");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_OK(port_spec_parse(good[i], &p, err, sizeof(err)), good[i]);
	ASSERT_OK(port_list_parse("http=80/tcp,http=80/udp,dns=53/udp", &l, err, sizeof(err)),
		  "list");
	port_list_format(&l, txt, sizeof(txt));
	ASSERT_STREQ(txt, "http=80/tcp,http=80/udp,dns=53/udp", "formatted back");
	ASSERT_ERR(port_list_parse("http=80/tcp,http=81/tcp", &l, err, sizeof(err)), -EEXIST,
		   "same name and protocol twice");
	ASSERT_EQ(l.n, 0, "a refused list is empty");
	ASSERT_ERR(port_list_parse("a=1/tcp,,b=2/tcp", &l, err, sizeof(err)), -EINVAL, "empty entry");
	ASSERT_ERR(port_list_parse("a=1/tcp,", &l, err, sizeof(err)), -EINVAL, "trailing comma");
	ASSERT_ERR(port_list_parse("a=1/tcp,b=1/tcp,c=1/tcp,d=1/tcp,e=1/tcp,f=1/tcp,g=1/tcp,"
				   "h=1/tcp,i=1/tcp", &l, err, sizeof(err)), -E2BIG, "nine ports");
	ASSERT_OK(port_list_parse("", &l, err, sizeof(err)), "no ports");
}

static struct test_case tests[] = {
	{ "SRV for named ports", test_srv },
	{ "SRV truncation", test_srv_truncation },
	{ "port specs", test_ports_rules },
};

TEST_MAIN(tests)

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The netlink and netns wrappers against the running kernel: a veth pair
 * into a scratch namespace, the workload side configured through it, and
 * what `ip -j` then reports. Needs root; namespaces and links are named
 * per run ("wnltest-<pid>-a", "wnl<pid>h") and removed by every test,
 * whether it passed or not.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "test.h"
#include "core/netlink.h"
#include "core/netns.h"

static const uint8_t host_mac[6] = { 0x02, 0x77, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t wl_mac[6] = { 0x02, 0x77, 0x00, 0x00, 0x00, 0x02 };

static char ns_name[IFNAMSIZ + 32], ns_name2[IFNAMSIZ + 32];
static char host_if[IFNAMSIZ], host_if2[IFNAMSIZ], wl_if[IFNAMSIZ];

/* Root and iproute2 or a SKIP with the reason; true when the test can run. */
static bool prereqs(void)
{
	if (geteuid() != 0) {
		test_skip_because("needs root");
		return false;
	}
	if (system("ip -V >/dev/null 2>&1") != 0) {
		test_skip_because("needs iproute2 (ip)");
		return false;
	}
	return true;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The output of a command, NUL-terminated, in buf; false if it failed. */
static bool output(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool output(char *buf, size_t size, const char *fmt, ...)
{
	char cmd[512];
	size_t n = 0, r;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (n < size - 1 && (r = fread(buf + n, 1, size - 1 - n, p)) > 0)
		n += r;
	buf[n] = '\0';
	return pclose(p) == 0;
}

/*
 * A run killed before its teardown (a sanitizer abort) leaves its netns and
 * links behind; the next run removes those of processes that are gone.
 */
static void sweep_stale(void)
{
	char buf[16384], *line, *save;

	if (!output(buf, sizeof(buf), "ls /run/netns 2>/dev/null; ip -o link show 2>/dev/null"))
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[IFNAMSIZ + 32];
		int pid;

		if (sscanf(line, "wnltest-%d-%*c", &pid) == 1 && kill(pid, 0) && errno == ESRCH) {
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(line, " \t"), line);
			run("ip netns del %s >/dev/null 2>&1", name);
		} else if (sscanf(line, "%*d: wnl%d", &pid) == 1 && kill(pid, 0) && errno == ESRCH) {
			char *start = strchr(line, ' ') + 1;

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(start, ":@"), start);
			run("ip link del %s >/dev/null 2>&1", name);
		}
	}
}

static void names_init(void)
{
	static bool swept;

	if (!swept) {
		sweep_stale();
		swept = true;
	}
	snprintf(ns_name, sizeof(ns_name), "wnltest-%d-a", getpid());
	snprintf(ns_name2, sizeof(ns_name2), "wnltest-%d-b", getpid());
	snprintf(host_if, sizeof(host_if), "wnl%dh", getpid());
	snprintf(host_if2, sizeof(host_if2), "wnl%dg", getpid());
	snprintf(wl_if, sizeof(wl_if), "wnl%dw", getpid());
}

/* Both ends go with the host end; the namespaces go by name. */
static void teardown(void)
{
	run("ip link del %s >/dev/null 2>&1", host_if);
	run("ip link del %s >/dev/null 2>&1", host_if2);
	run("ip netns del %s >/dev/null 2>&1", ns_name);
	run("ip netns del %s >/dev/null 2>&1", ns_name2);
}

/* A fresh namespace `name`, opened; -errno if it could not be made. */
static int make_netns(const char *name)
{
	if (run("ip netns add %s", name) != 0)
		return -EIO;
	return netns_open(name);
}

static void test_netns_missing(void)
{
	char name[64];

	snprintf(name, sizeof(name), "wnltest-%d-none", getpid());
	ASSERT_ERR(netns_open(name), -ENOENT, "missing name");
	ASSERT_ERR(netns_open("/nonexistent/wnltest"), -ENOENT, "missing path");
}

static void test_netns_not_netns(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/wnltest-%d.file", getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!ASSERT_TRUE(fd >= 0, "create regular file"))
		return;
	close(fd);
	ASSERT_ERR(netns_open(path), -EINVAL, "regular file");
	ASSERT_ERR(netns_open("/tmp"), -EINVAL, "directory");
	ASSERT_ERR(netns_open("/proc/self/ns/uts"), -EINVAL, "uts namespace");
	ASSERT_ERR(netns_open(""), -EINVAL, "empty name");
	ASSERT_ERR(netns_open("a/b"), -EINVAL, "relative path");
	unlink(path);
}

static bool same_netns(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat("/proc/thread-self/ns/net", &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void test_netns_enter_leave(void)
{
	int host = -1, fd = -1, saved = -1, ret;

	if (!prereqs())
		return;
	names_init();
	host = netns_open("/proc/self/ns/net");
	if (!ASSERT_TRUE(host >= 0, "open own netns by path"))
		goto out;
	fd = make_netns(ns_name);
	if (!ASSERT_TRUE(fd >= 0, "ip netns add + open"))
		goto out;
	ret = netns_enter(fd, &saved);
	if (!ASSERT_OK(ret, "enter"))
		goto out;
	ASSERT_TRUE(same_netns(fd), "inside the new netns");
	ASSERT_TRUE(saved >= 0 && !same_netns(host), "left the host netns");
	ASSERT_OK(netns_leave(saved), "leave");
	ASSERT_TRUE(same_netns(host), "back in the host netns");
	ASSERT_OK(netns_leave(-1), "leave with nothing saved");
out:
	if (fd >= 0)
		close(fd);
	if (host >= 0)
		close(host);
	teardown();
}

/*
 * The fixture most tests share: namespace a, the veth pair across, the
 * host handle. Returns the netns fd or -errno.
 */
static int veth_setup(struct wnl **nl)
{
	int fd, ret;

	*nl = NULL;
	fd = make_netns(ns_name);
	if (fd < 0)
		return fd;
	ret = wnl_open(nl);
	if (!ret)
		ret = wnl_veth_create(*nl, host_if, host_mac, wl_if, wl_mac, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static void test_veth_create(void)
{
	struct wnl *nl = NULL, *inner = NULL;
	int fd = -1, saved = -1, ifindex, peer;
	uint8_t mac[6];
	char buf[4096];

	if (!prereqs())
		return;
	names_init();
	fd = veth_setup(&nl);
	if (!ASSERT_TRUE(fd >= 0, "veth create"))
		goto out;
	ifindex = wnl_link_index(nl, host_if);
	if (!ASSERT_TRUE(ifindex > 0, "host end ifindex"))
		goto out;
	ASSERT_EQ(ifindex, if_nametoindex(host_if), "ifindex matches if_nametoindex");
	if (ASSERT_OK(wnl_link_mac(nl, ifindex, mac), "host end mac"))
		ASSERT_MEMEQ(mac, host_mac, 6, "host end mac");
	ASSERT_ERR(wnl_link_index(nl, wl_if), -ENODEV, "peer not in the host netns");
	ASSERT_TRUE(output(buf, sizeof(buf), "ip -j link show dev %s", host_if), "ip link");
	ASSERT_TRUE(strstr(buf, "\"link_type\":\"ether\"") != NULL, "an ethernet link");
	ASSERT_TRUE(strstr(buf, "\"operstate\":\"DOWN\"") != NULL, "left down");

	if (!ASSERT_OK(netns_enter(fd, &saved), "enter"))
		goto out;
	if (ASSERT_OK(wnl_open(&inner), "open inside")) {
		peer = wnl_link_index(inner, wl_if);
		if (ASSERT_TRUE(peer > 0, "peer ifindex inside")) {
			if (ASSERT_OK(wnl_link_mac(inner, peer, mac), "peer mac"))
				ASSERT_MEMEQ(mac, wl_mac, 6, "peer mac");
		}
		ASSERT_ERR(wnl_link_index(inner, host_if), -ENODEV, "host end not inside");
		wnl_close(inner);
	}
	ASSERT_OK(netns_leave(saved), "leave");
	ASSERT_TRUE(output(buf, sizeof(buf), "ip -n %s -j link show dev %s", ns_name, wl_if),
		    "ip -n link");
	ASSERT_TRUE(strstr(buf, "\"address\":\"02:77:00:00:00:02\"") != NULL, "ip sees peer mac");
out:
	wnl_close(nl);
	if (fd >= 0)
		close(fd);
	teardown();
}

static void test_veth_exists(void)
{
	struct wnl *nl = NULL;
	int fd = -1, fd2 = -1;

	if (!prereqs())
		return;
	names_init();
	fd = veth_setup(&nl);
	if (!ASSERT_TRUE(fd >= 0, "veth create"))
		goto out;
	ASSERT_ERR(wnl_veth_create(nl, host_if, host_mac, wl_if, wl_mac, fd), -EEXIST,
		   "same pair again");
	/* A clash inside the workload is reported too, not renamed around. */
	ASSERT_ERR(wnl_veth_create(nl, host_if2, host_mac, wl_if, wl_mac, fd), -EEXIST,
		   "peer name taken in the netns");
	ASSERT_ERR(wnl_link_index(nl, host_if2), -ENODEV, "nothing left of the failed pair");
	/* The same peer name in another namespace is fine. */
	fd2 = make_netns(ns_name2);
	if (ASSERT_TRUE(fd2 >= 0, "second netns"))
		ASSERT_OK(wnl_veth_create(nl, host_if2, host_mac, wl_if, wl_mac, fd2),
			  "same peer name, other netns");
	ASSERT_ERR(wnl_veth_create(nl, host_if2, host_mac, wl_if, wl_mac, -1), -EBADF,
		   "bad netns fd");
out:
	wnl_close(nl);
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	teardown();
}

/* Does `ip -n NS -j ARGS` print something containing every needle? */
static bool ip_shows(const char *args, const char *const needles[])
{
	char buf[8192];

	if (!output(buf, sizeof(buf), "ip -n %s -j %s", ns_name, args)) {
		printf("# ip -n %s -j %s failed\n", ns_name, args);
		return false;
	}
	for (int i = 0; needles[i]; i++) {
		if (!strstr(buf, needles[i])) {
			printf("# ip -j %s: no %s in %s\n", args, needles[i], buf);
			return false;
		}
	}
	return true;
}

/* Everything endpoint.c does inside a workload, checked with iproute2. */
static void test_workload_config(void)
{
	static const uint8_t a4[4] = { 10, 210, 1, 5 }, net4[4] = { 10, 210, 0, 0 },
		gw4[4] = { 169, 254, 1, 1 };
	static const uint8_t a6[16] = { 0xfd, 0x00, 0x00, 0x77, [7] = 0x01, [15] = 0x05 },
		net6[16] = { 0xfd, 0x00, 0x00, 0x77 }, gw6[16] = { 0xfe, 0x80, [15] = 0x01 };
	struct wnl *nl = NULL, *inner = NULL;
	int fd = -1, saved = -1, ifindex;
	char args[128];

	if (!prereqs())
		return;
	names_init();
	fd = veth_setup(&nl);
	if (!ASSERT_TRUE(fd >= 0, "veth create"))
		goto out;
	if (!ASSERT_OK(netns_enter(fd, &saved), "enter"))
		goto out;
	if (!ASSERT_OK(wnl_open(&inner), "open inside"))
		goto leave;
	ifindex = wnl_link_index(inner, wl_if);
	if (!ASSERT_TRUE(ifindex > 0, "peer ifindex"))
		goto leave;
	if (!ASSERT_OK(wnl_link_set_up(inner, ifindex), "set up"))
		goto leave;
	ASSERT_OK(wnl_link_set_up(inner, ifindex), "set up again");
	ASSERT_OK(wnl_addr_add(inner, ifindex, AF_INET, a4, 32), "IPv4 /32");
	ASSERT_OK(wnl_addr_add(inner, ifindex, AF_INET6, a6, 128), "IPv6 /128");
	ASSERT_ERR(wnl_addr_add(inner, ifindex, AF_INET, a4, 32), -EEXIST, "IPv4 again");
	ASSERT_OK(wnl_neigh_add(inner, ifindex, AF_INET, gw4, host_mac), "neigh 169.254.1.1");
	ASSERT_OK(wnl_neigh_add(inner, ifindex, AF_INET6, gw6, host_mac), "neigh fe80::1");
	ASSERT_OK(wnl_neigh_add(inner, ifindex, AF_INET, gw4, host_mac), "neigh replaced");
	ASSERT_OK(wnl_route_add(inner, ifindex, AF_INET, net4, 16, gw4, true),
		  "route 10.210.0.0/16 via 169.254.1.1 onlink");
	ASSERT_OK(wnl_route_add(inner, ifindex, AF_INET6, net6, 48, gw6, true),
		  "route fd00:77::/48 via fe80::1 onlink");
	ASSERT_ERR(wnl_route_add(inner, ifindex, AF_INET, net4, 16, gw4, true), -EEXIST,
		   "route again");
	/* Without onlink the kernel refuses a gateway no prefix of the link covers. */
	ASSERT_ERR(wnl_route_add(inner, ifindex, AF_INET, (uint8_t[4]){ 10, 99, 0, 0 }, 16, gw4,
				 false), -ENETUNREACH, "gateway off-link without onlink");
	ASSERT_OK(wnl_route_add(inner, ifindex, AF_INET, (uint8_t[4]){ 10, 98, 0, 0 }, 16, NULL,
				false), "route on the link");
	ASSERT_ERR(wnl_addr_add(inner, ifindex, AF_PACKET, a4, 32), -EAFNOSUPPORT,
		   "unknown family");
	ASSERT_ERR(wnl_addr_add(inner, ifindex, AF_INET, a4, 33), -EINVAL, "prefix too long");
	ASSERT_ERR(wnl_addr_add(inner, 0x7ffffff0, AF_INET, a4, 32), -ENODEV, "no such link");
leave:
	wnl_close(inner);
	ASSERT_OK(netns_leave(saved), "leave");

	snprintf(args, sizeof(args), "addr show dev %s", wl_if);
	ASSERT_TRUE(ip_shows(args, (const char *const[]){
		"\"MULTICAST\",\"UP\"]",	/* admin up; the carrier waits for the host end */
		"{\"family\":\"inet\",\"local\":\"10.210.1.5\",\"prefixlen\":32",
		"{\"family\":\"inet6\",\"local\":\"fd00:77:0:1::5\",\"prefixlen\":128",
		"\"nodad\":true", NULL }), "ip addr");
	ASSERT_TRUE(ip_shows("neigh show 169.254.1.1", (const char *const[]){
		"\"lladdr\":\"02:77:00:00:00:01\"", "\"state\":[\"PERMANENT\"]", NULL }),
		"ip neigh 169.254.1.1");
	ASSERT_TRUE(ip_shows("-6 neigh show fe80::1", (const char *const[]){
		"\"lladdr\":\"02:77:00:00:00:01\"", "\"state\":[\"PERMANENT\"]", NULL }),
		"ip neigh fe80::1");
	ASSERT_TRUE(ip_shows("route show 10.210.0.0/16", (const char *const[]){
		"\"gateway\":\"169.254.1.1\"", "\"flags\":[\"onlink\"",
		"\"protocol\":\"static\"", NULL }), "ip route 10.210.0.0/16");
	ASSERT_TRUE(ip_shows("route show 10.98.0.0/16", (const char *const[]){
		"\"scope\":\"link\"", NULL }), "ip route 10.98.0.0/16");
	ASSERT_TRUE(ip_shows("-6 route show fd00:77::/48", (const char *const[]){
		"\"gateway\":\"fe80::1\"", "\"flags\":[\"onlink\"", NULL }),
		"ip route fd00:77::/48");
out:
	wnl_close(nl);
	if (fd >= 0)
		close(fd);
	teardown();
}

static void test_link_del(void)
{
	struct wnl *nl = NULL, *inner = NULL;
	int fd = -1, saved = -1, ifindex;

	if (!prereqs())
		return;
	names_init();
	fd = veth_setup(&nl);
	if (!ASSERT_TRUE(fd >= 0, "veth create"))
		goto out;
	ifindex = wnl_link_index(nl, host_if);
	if (!ASSERT_TRUE(ifindex > 0, "host end"))
		goto out;
	ASSERT_OK(wnl_link_del(nl, ifindex), "delete");
	ASSERT_ERR(wnl_link_index(nl, host_if), -ENODEV, "host end gone");
	ASSERT_ERR(wnl_link_del(nl, ifindex), -ENODEV, "delete again");
	ASSERT_ERR(wnl_link_del(nl, 0), -ENODEV, "delete ifindex 0");
	if (!ASSERT_OK(netns_enter(fd, &saved), "enter"))
		goto out;
	if (ASSERT_OK(wnl_open(&inner), "open inside")) {
		ASSERT_ERR(wnl_link_index(inner, wl_if), -ENODEV, "peer gone with it");
		wnl_close(inner);
	}
	ASSERT_OK(netns_leave(saved), "leave");
out:
	wnl_close(nl);
	if (fd >= 0)
		close(fd);
	teardown();
}

static void test_link_missing(void)
{
	struct wnl *nl = NULL;
	uint8_t mac[6];

	if (!prereqs())
		return;
	names_init();
	if (!ASSERT_OK(wnl_open(&nl), "open"))
		return;
	ASSERT_ERR(wnl_link_index(nl, host_if), -ENODEV, "missing name");
	ASSERT_ERR(wnl_link_index(nl, "wnl-name-far-too-long"), -ENODEV, "name over IFNAMSIZ");
	ASSERT_ERR(wnl_link_index(nl, ""), -ENODEV, "empty name");
	ASSERT_ERR(wnl_link_mac(nl, 0x7ffffff0, mac), -ENODEV, "mac of a missing ifindex");
	ASSERT_ERR(wnl_link_set_up(nl, 0x7ffffff0), -ENODEV, "up of a missing ifindex");
	ASSERT_ERR(wnl_link_set_up(nl, 0), -ENODEV, "up of ifindex 0");
	ASSERT_ERR(wnl_link_mac(nl, 0, mac), -ENODEV, "mac of ifindex 0");
	ASSERT_EQ(wnl_link_index(nl, "lo"), 1, "lo is 1");
	wnl_close(nl);
}

/* Many handles in and out: the sanitizer build reports any leak at exit. */
static void test_open_close(void)
{
	struct wnl *nl;

	for (int i = 0; i < 2000; i++) {
		if (!ASSERT_OK(wnl_open(&nl), "open"))
			return;
		if (!ASSERT_EQ(wnl_link_index(nl, "lo"), 1, "lo"))
			i = 2000;
		wnl_close(nl);
	}
	wnl_close(NULL);
}

struct gone_seen {
	int n;
	int ifindex[8];
	char ifname[8][IFNAMSIZ];
};

static void record_gone(int ifindex, const char *ifname, void *arg)
{
	struct gone_seen *g = arg;

	if (g->n < 8) {
		g->ifindex[g->n] = ifindex;
		snprintf(g->ifname[g->n], IFNAMSIZ, "%s", ifname);
	}
	g->n++;
}

/* Read until the removal shows up (notifications are asynchronous), at most 2 s. */
static int read_until(struct wnl_monitor *mon, struct gone_seen *g, int want)
{
	int ret = 0;

	for (int i = 0; i < 200 && g->n < want; i++) {
		ret = wnl_link_monitor_read(mon, record_gone, g);
		if (ret && ret != -ENOBUFS)
			return ret;
		if (g->n < want)
			usleep(10000);
	}
	return ret;
}

/*
 * In a netns of its own, so other tests' links elsewhere stay out of it:
 * a veth deleted is announced once, by ifindex and name; links added or
 * changed are not; an overflowed socket says -ENOBUFS and carries on.
 */
static void test_link_monitor(void)
{
	struct wnl_monitor *mon = NULL;
	struct gone_seen g = {};
	int fd = -1, saved = -1, idx, tiny = 1, roomy = 1 << 20, ret;
	struct wnl *nl = NULL;

	if (!prereqs())
		return;
	names_init();
	fd = make_netns(ns_name);
	if (!ASSERT_TRUE(fd >= 0, "ip netns add + open"))
		goto out;
	if (!ASSERT_OK(netns_enter(fd, &saved), "enter"))
		goto out;
	if (!ASSERT_OK(wnl_link_monitor_open(&mon), "monitor open") ||
	    !ASSERT_OK(wnl_open(&nl), "open"))
		goto leave;
	ASSERT_OK(wnl_link_monitor_read(mon, record_gone, &g), "nothing queued yet");
	if (!ASSERT_OK(wnl_veth_create(nl, host_if, host_mac, wl_if, wl_mac, fd), "veth"))
		goto leave;
	idx = wnl_link_index(nl, host_if);
	ASSERT_OK(wnl_link_set_up(nl, idx), "up");
	ASSERT_OK(read_until(mon, &g, 1), "read after add");
	ASSERT_EQ(g.n, 0, "adding and changing links removes none");
	ASSERT_OK(wnl_link_del(nl, idx), "del");
	ASSERT_OK(read_until(mon, &g, 2), "read after del");
	/* Both ends of the pair were in this netns. */
	ASSERT_EQ(g.n, 2, "two links gone");
	ASSERT_TRUE((g.ifindex[0] == idx && !strcmp(g.ifname[0], host_if)) ||
		    (g.ifindex[1] == idx && !strcmp(g.ifname[1], host_if)), "the host end, by index and name");

	/* A socket too small for a burst: the loss is reported, the socket works on. */
	setsockopt(wnl_link_monitor_fd(mon), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny));
	for (int i = 0; i < 40; i++)
		run("ip link add wnl%dx%d type veth peer name wnl%dy%d >/dev/null 2>&1", getpid(), i,
		    getpid(), i);
	g.n = 0;
	ret = wnl_link_monitor_read(mon, record_gone, &g);
	ASSERT_ERR(ret, -ENOBUFS, "overflow reported");
	ASSERT_OK(wnl_link_monitor_read(mon, record_gone, &g), "drained after it");
	setsockopt(wnl_link_monitor_fd(mon), SOL_SOCKET, SO_RCVBUF, &roomy, sizeof(roomy));
	run("ip link del wnl%dx0", getpid());
	g.n = 0;
	ASSERT_OK(read_until(mon, &g, 2), "read after the overflow");
	ASSERT_EQ(g.n, 2, "still hears removals");
leave:
	wnl_close(nl);
	wnl_link_monitor_close(mon);
	ASSERT_OK(netns_leave(saved), "leave");
out:
	if (fd >= 0)
		close(fd);
	teardown();
}

static struct test_case tests[] = {
	{ "netns_open_missing", test_netns_missing },
	{ "netns_open_not_a_netns", test_netns_not_netns },
	{ "netns_enter_leave", test_netns_enter_leave },
	{ "veth_create", test_veth_create },
	{ "veth_exists", test_veth_exists },
	{ "workload_config", test_workload_config },
	{ "link_del", test_link_del },
	{ "link_missing", test_link_missing },
	{ "open_close", test_open_close },
	{ "link_monitor", test_link_monitor },
};

TEST_MAIN(tests)

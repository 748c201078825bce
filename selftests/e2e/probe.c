// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warren-probe: the traffic tool of the end-to-end tests, run inside
 * workload namespaces. Real sockets and packets; every wait is bounded.
 *
 *   serve  [--port P]                      TCP+UDP echo, IPv4+IPv6
 *   check  [--timeout-ms N] [--port P] SPEC...   SPEC = tcp|udp|icmp:ADDR
 *   spoof  --src A --dst B [--port P] [--count N]  forged-source UDP
 *   recv   [--port P] [--timeout-ms N]     count UDP datagrams
 *   stream --dst A [--port P] [--seconds S] [--interval-ms M]
 *   short  --dev IFNAME [--count N]          Ethernet frames, IPv4 type, 10 bytes
 *
 * check sends exactly one packet per probe (a single SYN as long as the
 * timeout is under the kernel's 1 s initial RTO): the tests compare the
 * refused probes with the datapath's drop counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36
#endif

#define MAX_PROBES 4096
#define MAX_CONNS 1024
#define CONN_BUF 65536

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: warren-probe serve  [--port P]\n"
		"       warren-probe check  [--timeout-ms N] [--port P] tcp:ADDR|udp:ADDR|icmp:ADDR ...\n"
		"       warren-probe spoof  --src ADDR --dst ADDR [--port P] [--count N]\n"
		"       warren-probe recv   [--port P] [--timeout-ms N]\n"
		"       warren-probe stream --dst ADDR [--port P] [--seconds S] [--interval-ms M]\n"
		"       warren-probe short  --dev IFNAME [--count N]\n");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Options common to every subcommand; the rest stay in argv. */
struct opts {
	long port, timeout_ms, count, seconds, interval_ms;
	const char *src, *dst, *dev;
	char **rest;
	int nrest;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static char *rest[MAX_PROBES];

	o->rest = rest;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		long *num = NULL, min = 1, max = 0;

		if (!strcmp(a, "--port"))
			num = &o->port, max = 65535;
		else if (!strcmp(a, "--timeout-ms"))
			num = &o->timeout_ms, max = 600000;
		else if (!strcmp(a, "--count"))
			num = &o->count, max = 1000000;
		else if (!strcmp(a, "--seconds"))
			num = &o->seconds, max = 3600;
		else if (!strcmp(a, "--interval-ms"))
			num = &o->interval_ms, max = 60000;
		if (num || !strcmp(a, "--src") || !strcmp(a, "--dst") || !strcmp(a, "--dev")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "warren-probe: %s needs a value\n", a);
				return -EINVAL;
			}
			if (!num) {
				*(a[3] == 'e' ? &o->dev : a[2] == 's' ? &o->src : &o->dst) = argv[++i];
			} else if (parse_num(argv[++i], min, max, num)) {
				fprintf(stderr, "warren-probe: bad value for %s: %s\n", a, argv[i]);
				return -EINVAL;
			}
			continue;
		}
		if (a[0] == '-' || o->nrest == MAX_PROBES) {
			fprintf(stderr, "warren-probe: unknown option %s\n", a);
			return -EINVAL;
		}
		o->rest[o->nrest++] = argv[i];
	}
	return 0;
}

/* ------------------------------------------------------------------ serve */

struct conn {
	int fd;
	char buf[CONN_BUF];
	size_t len;		/* echo bytes waiting to be written */
};

static int bind_dual(int type, int port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				     .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), off = 0, on = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static void conn_close(struct conn **c)
{
	close((*c)->fd);
	free(*c);
	*c = NULL;
}

static void conn_io(struct conn **cp, short revents)
{
	struct conn *c = *cp;
	ssize_t n;

	if (c->len) {
		n = write(c->fd, c->buf, c->len);
		if (n > 0) {
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN) {
			conn_close(cp);
			return;
		}
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && c->len < sizeof(c->buf)) {
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(cp);
			return;
		}
		if (n > 0)
			c->len += (size_t)n;
	}
}

static int cmd_serve(struct opts *o)
{
	static struct conn *conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 2];
	int tfd = bind_dual(SOCK_STREAM, (int)o->port), ufd = bind_dual(SOCK_DGRAM, (int)o->port);

	if (tfd < 0 || ufd < 0) {
		fprintf(stderr, "warren-probe serve: port %ld: %s\n", o->port,
			strerror(-(tfd < 0 ? tfd : ufd)));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int n = 2;

		pfd[0] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ufd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++) {
			if (!conns[i])
				continue;
			pfd[n++] = (struct pollfd){
				.fd = conns[i]->fd,
				.events = (short)((conns[i]->len < CONN_BUF ? POLLIN : 0) |
						  (conns[i]->len ? POLLOUT : 0)),
			};
		}
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			return 1;
		if (pfd[1].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			char dgram[65536];
			ssize_t len = recvfrom(ufd, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &flen);

			if (len >= 0)
				sendto(ufd, dgram, (size_t)len, 0, (struct sockaddr *)&from, flen);
		}
		/* Serve existing connections by position in pfd. */
		for (int i = 0, k = 2; i < MAX_CONNS && k < n; i++) {
			if (!conns[i])
				continue;
			if (pfd[k].revents)
				conn_io(&conns[i], pfd[k].revents);
			k++;
		}
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			for (int i = 0; cfd >= 0 && i < MAX_CONNS; i++) {
				if (conns[i])
					continue;
				conns[i] = calloc(1, sizeof(*conns[i]));
				if (conns[i])
					conns[i]->fd = cfd, cfd = -1;
				break;
			}
			if (cfd >= 0)
				close(cfd);
		}
	}
}

/* ------------------------------------------------------------------ check */

enum proto { P_TCP, P_UDP, P_ICMP };

struct probe {
	const char *spec;
	enum proto proto;
	struct sockaddr_storage to;
	socklen_t tolen;
	int fd;
	uint8_t token[8];
	uint16_t seq;
	const char *result;	/* NULL while pending */
};

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

/*
 * ICMP over ping sockets: the kernel picks the id and matches replies to
 * the socket, so concurrent probes cannot confuse each other.
 */
static int icmp_start(struct probe *p)
{
	int fam = p->to.ss_family;
	uint8_t pkt[16] = {};
	int fd;

	fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	pkt[0] = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	pkt[7] = (uint8_t)p->seq;
	pkt[6] = (uint8_t)(p->seq >> 8);
	memcpy(pkt + 8, p->token, 8);
	/* The kernel fills the id and, for ping sockets, the checksum. */
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->to, p->tolen) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	p->fd = fd;
	return 0;
}

static int probe_start(struct probe *p)
{
	int type = p->proto == P_TCP ? SOCK_STREAM : SOCK_DGRAM, fd;

	if (p->proto == P_ICMP)
		return icmp_start(p);
	fd = socket(p->to.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	p->fd = fd;
	if (p->proto == P_TCP) {
		int syncnt = 1;

		/* One SYN only; the deadline ends the probe before any retry. */
		setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
		if (connect(fd, (struct sockaddr *)&p->to, p->tolen) && errno != EINPROGRESS)
			return -errno;
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&p->to, p->tolen) ||
	    send(fd, p->token, sizeof(p->token), 0) < 0)
		return -errno;
	return 0;
}

static void probe_event(struct probe *p)
{
	uint8_t buf[128];
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	switch (p->proto) {
	case P_TCP:
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		p->result = err == 0 ? "ok" : err == ECONNREFUSED ? "refused" : "unreachable";
		return;
	case P_UDP:
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n == sizeof(p->token) && !memcmp(buf, p->token, sizeof(p->token)))
			p->result = "ok";
		else if (n < 0 && errno != EAGAIN)
			p->result = errno == ECONNREFUSED ? "refused" : "unreachable";
		return;
	case P_ICMP:
		n = recv(p->fd, buf, sizeof(buf), 0);
		/* An echo reply carrying our payload: type 0 (v4) or 129 (v6). */
		if (n >= 16 && (buf[0] == ICMP_ECHOREPLY || buf[0] == ICMP6_ECHO_REPLY) &&
		    !memcmp(buf + 8, p->token, 8))
			p->result = "ok";
		else if (n < 0 && errno != EAGAIN)
			p->result = "unreachable";
		return;
	}
}

static int parse_spec(struct probe *p, const char *spec, int port)
{
	const char *colon = strchr(spec, ':');
	char addr[64];

	if (!colon || strlen(colon + 1) >= sizeof(addr))
		return -EINVAL;
	if (!strncmp(spec, "tcp:", 4))
		p->proto = P_TCP;
	else if (!strncmp(spec, "udp:", 4))
		p->proto = P_UDP;
	else if (!strncmp(spec, "icmp:", 5))
		p->proto = P_ICMP;
	else
		return -EINVAL;
	strcpy(addr, colon + 1);
	if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
		memmove(addr, addr + 1, strlen(addr));
		addr[strlen(addr) - 1] = '\0';
	}
	p->spec = spec;
	p->fd = -1;
	return parse_addr(addr, p->proto == P_ICMP ? 0 : port, &p->to, &p->tolen);
}

static void allow_ping(void)
{
	/* Ping sockets are per-netns opt-in; root may open them for everyone. */
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "0 2147483647", 12) < 0)
			perror("warren-probe: ping_group_range");
		close(fd);
	}
}

static int cmd_check(struct opts *o)
{
	static struct probe probes[MAX_PROBES];
	static struct pollfd pfd[MAX_PROBES];
	int n = o->nrest, failed = 0;
	long long deadline;

	if (n == 0) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (parse_spec(&probes[i], o->rest[i], (int)o->port)) {
			fprintf(stderr, "warren-probe check: bad probe \"%s\" (tcp|udp|icmp:ADDR)\n",
				o->rest[i]);
			return 2;
		}
		probes[i].seq = (uint16_t)(i + 1);
		if (getrandom(probes[i].token, sizeof(probes[i].token), 0) < 0)
			return 1;
	}
	allow_ping();
	for (int i = 0; i < n; i++) {
		int ret = probe_start(&probes[i]);

		if (ret)
			probes[i].result = ret == -ENETUNREACH ? "unreachable" : "error";
	}
	deadline = now_ms() + o->timeout_ms;
	for (;;) {
		int np = 0, idx[MAX_PROBES];
		long long left = deadline - now_ms();

		for (int i = 0; i < n; i++) {
			if (probes[i].result)
				continue;
			pfd[np] = (struct pollfd){ .fd = probes[i].fd,
						   .events = probes[i].proto == P_TCP ? POLLOUT : POLLIN };
			idx[np++] = i;
		}
		if (np == 0 || left <= 0)
			break;
		if (poll(pfd, np, (int)left) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < np; k++)
			if (pfd[k].revents)
				probe_event(&probes[idx[k]]);
	}
	for (int i = 0; i < n; i++) {
		const char *r = probes[i].result ? probes[i].result : "timeout";

		if (strcmp(r, "ok")) {
			printf("%s fail %s\n", probes[i].spec, r);
			failed++;
		} else {
			printf("%s ok\n", probes[i].spec);
		}
		if (probes[i].fd >= 0)
			close(probes[i].fd);
	}
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------ spoof */

static int cmd_spoof(struct opts *o)
{
	static const char payload[] = "warren-spoof";
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	uint8_t pkt[128];
	size_t ulen = sizeof(struct udphdr) + sizeof(payload) - 1, len;
	struct udphdr *udp;
	uint32_t sum;
	int fd, on = 1;

	if (!o->src || !o->dst || parse_addr(o->src, 0, &src, &slen) ||
	    parse_addr(o->dst, (int)o->port, &dst, &dlen) || src.ss_family != dst.ss_family) {
		fprintf(stderr, "warren-probe spoof: --src and --dst must be addresses of one family\n");
		return 2;
	}
	memset(pkt, 0, sizeof(pkt));
	if (dst.ss_family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)pkt;
		struct sockaddr_in *s4 = (struct sockaddr_in *)&src, *d4 = (struct sockaddr_in *)&dst;

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = s4->sin_addr.s_addr;
		ip->daddr = d4->sin_addr.s_addr;
		len = sizeof(*ip) + ulen;
		ip->tot_len = htons((uint16_t)len);
		ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
		udp = (struct udphdr *)(ip + 1);
		sum = csum_add(0, &ip->saddr, 8);
		sum += IPPROTO_UDP + (uint32_t)ulen;
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src, *d6 = (struct sockaddr_in6 *)&dst;
		uint8_t *ip6 = pkt;

		ip6[0] = 0x60;
		ip6[4] = (uint8_t)(ulen >> 8);
		ip6[5] = (uint8_t)ulen;
		ip6[6] = IPPROTO_UDP;
		ip6[7] = 64;
		memcpy(ip6 + 8, &s6->sin6_addr, 16);
		memcpy(ip6 + 24, &d6->sin6_addr, 16);
		len = 40 + ulen;
		udp = (struct udphdr *)(ip6 + 40);
		sum = csum_add(0, ip6 + 8, 32);
		sum += IPPROTO_UDP + (uint32_t)ulen;
		fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		/* The port of a raw socket's destination must be 0 for sendto. */
		d6->sin6_port = 0;
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &on, sizeof(on));
	}
	if (fd < 0) {
		perror("warren-probe spoof: raw socket");
		return 1;
	}
	udp->source = htons(40000);
	udp->dest = htons((uint16_t)o->port);
	udp->len = htons((uint16_t)ulen);
	memcpy(udp + 1, payload, sizeof(payload) - 1);
	sum = csum_add(sum, udp, ulen);
	udp->check = htons(csum_fold(sum) ?: 0xffff);
	if (dst.ss_family == AF_INET)
		((struct sockaddr_in *)&dst)->sin_port = 0;
	for (long i = 0; i < o->count; i++)
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, dlen) < 0) {
			perror("warren-probe spoof: sendto");
			close(fd);
			return 1;
		}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}

/* ------------------------------------------------------------------- recv */

static int cmd_recv(struct opts *o)
{
	int fd = bind_dual(SOCK_DGRAM, (int)o->port);
	long long deadline = now_ms() + o->timeout_ms;
	long received = 0;

	if (fd < 0) {
		fprintf(stderr, "warren-probe recv: port %ld: %s\n", o->port, strerror(-fd));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (long long left; (left = deadline - now_ms()) > 0;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[2048];

		if (poll(&pfd, 1, (int)left) > 0)
			while (recv(fd, buf, sizeof(buf), 0) >= 0)
				received++;
	}
	close(fd);
	printf("received %ld\n", received);
	return 0;
}

/* ----------------------------------------------------------------- stream */

static int cmd_stream(struct opts *o)
{
	static char chunk[16384], sink[65536];
	long long start, end, next_report;
	long intervals = 0, stalls = 0, min_bytes = -1, total = 0, cur = 0;
	struct sockaddr_storage to;
	socklen_t tolen;
	unsigned int user_timeout = 3000;
	int fd;

	if (!o->dst || parse_addr(o->dst, (int)o->port, &to, &tolen)) {
		fprintf(stderr, "warren-probe stream: --dst must be an address\n");
		return 2;
	}
	fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A dead path fails within seconds, not after minutes of retries. */
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, tolen)) {
		perror("warren-probe stream: connect");
		return 1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(chunk, 'w', sizeof(chunk));
	start = now_ms();
	end = start + o->seconds * 1000;
	next_report = start + o->interval_ms;
	while (now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		long long t = now_ms();
		ssize_t n;

		if (t >= next_report) {
			intervals++;
			stalls += cur == 0;
			if (min_bytes < 0 || cur < min_bytes)
				min_bytes = cur;
			cur = 0;
			next_report += o->interval_ms;
		}
		if (poll(&pfd, 1, (int)(next_report - t > 0 ? next_report - t : 1)) < 0 && errno != EINTR)
			break;
		if (pfd.revents & (POLLERR | POLLHUP)) {
			int err = 0;
			socklen_t l = sizeof(err);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
			fprintf(stderr, "warren-probe stream: connection failed: %s\n",
				strerror(err ? err : ECONNRESET));
			return 1;
		}
		if (pfd.revents & POLLOUT)
			n = write(fd, chunk, sizeof(chunk));
		if (pfd.revents & POLLIN) {
			n = read(fd, sink, sizeof(sink));
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				fprintf(stderr, "warren-probe stream: connection closed: %s\n",
					n ? strerror(errno) : "EOF");
				return 1;
			}
			if (n > 0)
				cur += n, total += n;
		}
	}
	close(fd);
	printf("intervals=%ld min_bytes=%ld total=%ld stalls=%ld\n", intervals,
	       min_bytes < 0 ? 0 : min_bytes, total, stalls);
	return 0;
}

/* ------------------------------------------------------------------ short */

/*
 * Frames that claim IPv4 but end after 10 bytes, from a packet socket:
 * what a broken or hostile workload can put on its veth.
 */
static int cmd_short(struct opts *o)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t frame[14 + 10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1,
				   0x08, 0x00, 0x45 };
	int fd;

	if (!o->dev || !(sll.sll_ifindex = (int)if_nametoindex(o->dev))) {
		fprintf(stderr, "warren-probe short: --dev must name an interface\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("warren-probe short: packet socket");
		return 1;
	}
	for (long i = 0; i < o->count; i++)
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			perror("warren-probe short: sendto");
			close(fd);
			return 1;
		}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 7, .timeout_ms = 500, .count = 1, .seconds = 5,
			  .interval_ms = 250 };
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || parse_opts(argc - 2, argv + 2, &o)) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "check"))
		return cmd_check(&o);
	if (o.nrest) {
		fprintf(stderr, "warren-probe %s: unexpected argument %s\n", cmd, o.rest[0]);
		return 2;
	}
	if (!strcmp(cmd, "serve"))
		return cmd_serve(&o);
	if (!strcmp(cmd, "spoof"))
		return cmd_spoof(&o);
	if (!strcmp(cmd, "recv"))
		return cmd_recv(&o);
	if (!strcmp(cmd, "stream"))
		return cmd_stream(&o);
	if (!strcmp(cmd, "short"))
		return cmd_short(&o);
	usage(stderr);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warren-probe: the traffic tool of the end-to-end tests, run inside
 * workload namespaces. Real sockets and packets; every wait is bounded
 * except serve, which runs until it is killed.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36		/* Linux 4.5; older headers lack it */
#endif

#define MAX_PROBES 4096
#define MAX_CONNS 1024
#define CONN_BUF 65536		/* echo bytes buffered per connection */
#define BURST 64		/* accepts or datagrams handled per wakeup */
#define STREAM_CHUNK 16384
#define STREAM_INFLIGHT (256 * 1024)
#define STREAM_DEAD_MS 3000	/* connect timeout and TCP_USER_TIMEOUT */

static const char usage_text[] =
	"Usage: warren-probe serve  [--port P]\n"
	"       warren-probe check  [--timeout-ms N] [--port P] SPEC...\n"
	"       warren-probe spoof  --src ADDR --dst ADDR [--port P] [--count N]\n"
	"       warren-probe recv   [--port P] [--timeout-ms N]\n"
	"       warren-probe stream --dst ADDR [--port P] [--seconds S] [--interval-ms M]\n"
	"       warren-probe short  --dev IFNAME [--count N]\n"
	"\n"
	"  serve   TCP and UDP echo on IPv4 and IPv6; prints \"ready\" once bound\n"
	"  check   probes all SPECs at once (tcp:ADDR, udp:ADDR, icmp:ADDR), one packet\n"
	"          each, within one deadline; prints \"SPEC ok\" or \"SPEC fail REASON\"\n"
	"          per SPEC; exit 1 if any failed\n"
	"  spoof   sends N UDP datagrams with a hand-built IP header and source ADDR\n"
	"  recv    prints \"ready\", counts UDP datagrams until the timeout\n"
	"  stream  writes to an echo server and counts echoed bytes per interval;\n"
	"          prints \"intervals=N min_bytes=X total=Y stalls=Z\"\n"
	"  short   sends Ethernet frames of type IPv4 that end 10 bytes in\n"
	"\n"
	"Defaults: --port 7, --timeout-ms 500, --count 1, --seconds 5, --interval-ms 250.\n"
	"Keep check's timeout under 1000 ms so that TCP sends a single SYN.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* An IPv4 or IPv6 literal (IPv6 bare or in brackets) into a socket address. */
static int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (n > 2 && n < sizeof(buf) && s[0] == '[' && s[n - 1] == ']') {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
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

/* The Internet checksum, RFC 1071: a 32-bit sum of 16-bit words, folded. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* check and serve hold one socket per probe or client; 1024 is too few. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---------------------------------------------------------------- options */

enum {
	OPT_PORT = 1 << 0,
	OPT_TIMEOUT = 1 << 1,
	OPT_COUNT = 1 << 2,
	OPT_SECONDS = 1 << 3,
	OPT_INTERVAL = 1 << 4,
	OPT_SRC = 1 << 5,
	OPT_DST = 1 << 6,
	OPT_DEV = 1 << 7,
	OPT_ARGS = 1 << 8,	/* positional arguments (check's SPECs) */
};

struct opts {
	const char *cmd;
	long port, timeout_ms, count, seconds, interval_ms;
	const char *src, *dst, *dev;
	char **args;
	int nargs;
};

static int parse_opts(int argc, char **argv, unsigned int allowed, struct opts *o)
{
	const struct {
		const char *name;
		unsigned int bit;
		long *num;		/* a number from min to max, or */
		const char **str;	/* a string */
		long min, max;
	} table[] = {
		{ "--port", OPT_PORT, &o->port, NULL, 1, 65535 },
		{ "--timeout-ms", OPT_TIMEOUT, &o->timeout_ms, NULL, 1, 600000 },
		{ "--count", OPT_COUNT, &o->count, NULL, 1, 1000000 },
		{ "--seconds", OPT_SECONDS, &o->seconds, NULL, 1, 3600 },
		{ "--interval-ms", OPT_INTERVAL, &o->interval_ms, NULL, 1, 60000 },
		{ "--src", OPT_SRC, NULL, &o->src, 0, 0 },
		{ "--dst", OPT_DST, NULL, &o->dst, 0, 0 },
		{ "--dev", OPT_DEV, NULL, &o->dev, 0, 0 },
	};
	const size_t nopts = sizeof(table) / sizeof(table[0]);
	static char *args[MAX_PROBES];

	o->args = args;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		size_t k;

		if (a[0] != '-') {
			if (!(allowed & OPT_ARGS)) {
				fprintf(stderr, "warren-probe %s: unexpected argument \"%s\"\n", o->cmd, a);
				return -EINVAL;
			}
			if (o->nargs == MAX_PROBES) {
				fprintf(stderr, "warren-probe %s: more than %d arguments\n", o->cmd, MAX_PROBES);
				return -E2BIG;
			}
			args[o->nargs++] = argv[i];
			continue;
		}
		for (k = 0; k < nopts; k++)
			if (!strcmp(a, table[k].name) && (allowed & table[k].bit))
				break;
		if (k == nopts) {
			fprintf(stderr, "warren-probe %s: unknown option %s\n", o->cmd, a);
			return -EINVAL;
		}
		if (++i == argc) {
			fprintf(stderr, "warren-probe %s: %s needs a value\n", o->cmd, a);
			return -EINVAL;
		}
		if (table[k].str) {
			*table[k].str = argv[i];
		} else if (parse_num(argv[i], table[k].min, table[k].max, table[k].num)) {
			fprintf(stderr, "warren-probe %s: %s wants a number from %ld to %ld, not \"%s\"\n",
				o->cmd, a, table[k].min, table[k].max, argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ serve */

struct conn {
	int fd;
	bool eof;		/* the client is done sending; close once flushed */
	size_t len;		/* echo bytes waiting to be written */
	char buf[CONN_BUF];
};

/*
 * One dual-stack socket per protocol answers IPv4 (as mapped addresses)
 * and IPv6; without IPv6 in the kernel, an IPv4 socket alone.
 */
static int bind_any(int type, int port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				     .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr *sa = (struct sockaddr *)&sin6;
	socklen_t salen = sizeof(sin6);
	int fd, off = 0, on = 1, ret;

	fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	if (fd < 0)
		return -errno;
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (type == SOCK_DGRAM) {
		/* Echo from the address the datagram was sent to (see udp_echo). */
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		if (sa->sa_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	}
	if (bind(fd, sa, salen) || (type == SOCK_STREAM && listen(fd, 512))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Reply from the destination address of the request: check connects its
 * UDP socket, so an echo from another address of a multi-homed server
 * would never reach it.
 */
static void udp_echo(int fd)
{
	static char dgram[65536];

	for (int i = 0; i < BURST; i++) {
		union { char buf[256]; struct cmsghdr align; } ctl;
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = dgram, .iov_len = sizeof(dgram) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(fd, &m, 0);

		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			/* Any interface: the route back may leave by another one. */
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				((struct in_pktinfo *)CMSG_DATA(c))->ipi_ifindex = 0;
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				((struct in6_pktinfo *)CMSG_DATA(c))->ipi6_ifindex = 0;
		}
		iov.iov_len = (size_t)n;
		sendmsg(fd, &m, 0);
	}
}

static void conn_close(struct conn **cp)
{
	close((*cp)->fd);
	free(*cp);
	*cp = NULL;
}

static void conn_io(struct conn **cp, short revents)
{
	struct conn *c = *cp;
	ssize_t n;

	if (revents & POLLERR)
		goto close;
	if ((revents & (POLLIN | POLLHUP)) && !c->eof && c->len < sizeof(c->buf)) {
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n == 0)
			c->eof = true;
		else if (n > 0)
			c->len += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			goto close;
	}
	if (c->len) {
		n = write(c->fd, c->buf, c->len);
		if (n > 0) {
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			goto close;
		}
	}
	if (c->eof && !c->len)
		goto close;
	return;
close:
	conn_close(cp);
}

static void conn_accept(int lfd, struct conn **conns)
{
	for (int i = 0; i < BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot;

		if (fd < 0)
			return;
		for (slot = 0; slot < MAX_CONNS && conns[slot]; slot++)
			;
		if (slot == MAX_CONNS || !(conns[slot] = calloc(1, sizeof(*conns[slot])))) {
			close(fd);	/* full: the client sees its connection end */
			continue;
		}
		conns[slot]->fd = fd;
	}
}

static int cmd_serve(struct opts *o)
{
	static struct conn *conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 2];
	static int slot_of[MAX_CONNS + 2];
	int tfd, ufd;

	raise_nofile();
	tfd = bind_any(SOCK_STREAM, (int)o->port);
	ufd = bind_any(SOCK_DGRAM, (int)o->port);
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
			struct conn *c = conns[i];

			if (!c)
				continue;
			pfd[n] = (struct pollfd){
				.fd = c->fd,
				.events = (short)((!c->eof && c->len < CONN_BUF ? POLLIN : 0) |
						  (c->len ? POLLOUT : 0)),
			};
			slot_of[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("warren-probe serve: poll");
			return 1;
		}
		for (int k = 2; k < n; k++)
			if (pfd[k].revents)
				conn_io(&conns[slot_of[k]], pfd[k].revents);
		if (pfd[1].revents & POLLIN)
			udp_echo(ufd);
		if (pfd[0].revents & POLLIN)
			conn_accept(tfd, conns);
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
	bool raw;		/* ICMP on a raw socket: we match the id ourselves */
	uint16_t id, seq;
	uint8_t token[8];	/* UDP payload, ICMP echo data */
	int err;		/* errno of a failed probe, 0 if none */
	const char *result;	/* NULL while pending */
};

static void probe_fail(struct probe *p, int err)
{
	switch (err) {
	case ECONNREFUSED:
		p->result = "refused";
		break;
	case ETIMEDOUT:
		p->result = "timeout";
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		p->result = "unreachable";
		break;
	case EACCES:
	case EPERM:
		p->result = "prohibited";
		break;
	default:
		p->result = "error";
		p->err = err;
	}
}

/*
 * ICMP net and host unreachable are soft errors (RFC 1122 4.2.3.9): a
 * datagram socket hears of them only with RECVERR, then recv() fails.
 */
static void want_errors(int fd, int family)
{
	int on = 1;

	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
}

/*
 * ICMP echo on a ping socket when the netns allows it: the kernel picks
 * the id, fills the checksum and hands this socket only its own replies.
 * Connected and with RECVERR, ICMP errors about our echo fail recv().
 * Otherwise a raw socket, which sees every ICMP message of the netns, so
 * replies are matched by a random id, the sequence and the token.
 */
static int icmp_start(struct probe *p)
{
	int fam = p->to.ss_family, proto = fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint8_t pkt[16] = { 0 };
	int fd;

	fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0)
		want_errors(fd, fam);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&p->to, p->tolen)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	if (fd < 0) {
		fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd < 0)
			return -errno;
		p->raw = true;
	}
	p->fd = fd;
	pkt[0] = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	put16(pkt + 4, p->id);
	put16(pkt + 6, p->seq);
	memcpy(pkt + 8, p->token, sizeof(p->token));
	/* The kernel sums ICMPv6 on every socket, ICMP only on ping sockets. */
	if (p->raw && fam == AF_INET)
		put16(pkt + 2, csum_fold(csum_add(0, pkt, sizeof(pkt))));
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->to, p->tolen) < 0)
		return -errno;
	return 0;
}

/* An echo request of ours, quoted in an ICMP error at q (q..end). */
static bool icmp_quotes_us(const struct probe *p, const uint8_t *q, const uint8_t *end)
{
	if (p->to.ss_family == AF_INET) {
		if (end - q < 20 || (q[0] >> 4) != 4 || q[9] != IPPROTO_ICMP)
			return false;
		q += (q[0] & 0xf) * 4;
		return end - q >= 8 && q[0] == ICMP_ECHO && get16(q + 4) == p->id &&
		       get16(q + 6) == p->seq;
	}
	if (end - q < 48 || (q[0] >> 4) != 6 || q[6] != IPPROTO_ICMPV6)
		return false;
	q += 40;
	return q[0] == ICMP6_ECHO_REQUEST && get16(q + 4) == p->id && get16(q + 6) == p->seq;
}

static void icmp_event(struct probe *p)
{
	bool v4 = p->to.ss_family == AF_INET;
	uint8_t buf[1500];
	const uint8_t *icmp, *end;
	ssize_t n;

	while (!p->result && (n = recv(p->fd, buf, sizeof(buf), 0)) >= 0) {
		icmp = buf;
		end = buf + n;
		/* Raw IPv4 sockets see the IP header, everything else starts at ICMP. */
		if (p->raw && v4) {
			if (n < 20)
				continue;
			icmp += (buf[0] & 0xf) * 4;
		}
		if (end - icmp < 16)
			continue;
		if (icmp[0] == (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) &&
		    (!p->raw || get16(icmp + 4) == p->id) && get16(icmp + 6) == p->seq &&
		    !memcmp(icmp + 8, p->token, sizeof(p->token)))
			p->result = "ok";
		else if (p->raw && icmp[0] == (v4 ? ICMP_DEST_UNREACH : ICMP6_DST_UNREACH) &&
			 icmp_quotes_us(p, icmp + 8, end))
			p->result = "unreachable";
	}
	if (!p->result && errno != EAGAIN && errno != EINTR)
		probe_fail(p, errno);
}

static int probe_start(struct probe *p)
{
	int type = p->proto == P_TCP ? SOCK_STREAM : SOCK_DGRAM, syncnt = 1;

	if (p->proto == P_ICMP)
		return icmp_start(p);
	p->fd = socket(p->to.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	if (p->proto == P_TCP) {
		/*
		 * The fewest retries Linux allows; the retry is due after the
		 * 1 s initial RTO, so a shorter deadline ends the probe first.
		 */
		setsockopt(p->fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
		if (!connect(p->fd, (struct sockaddr *)&p->to, p->tolen))
			p->result = "ok";
		else if (errno != EINPROGRESS)
			return -errno;
		return 0;
	}
	/* Connected, so that ICMP port unreachable comes back as ECONNREFUSED. */
	want_errors(p->fd, p->to.ss_family);
	if (connect(p->fd, (struct sockaddr *)&p->to, p->tolen) ||
	    send(p->fd, p->token, sizeof(p->token), 0) < 0)
		return -errno;
	return 0;
}

static void probe_event(struct probe *p, short revents)
{
	uint8_t buf[64];
	socklen_t len = sizeof(int);
	int err = 0;
	ssize_t n;

	switch (p->proto) {
	case P_TCP:
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			probe_fail(p, err);
		else if (revents & POLLOUT)
			p->result = "ok";
		break;
	case P_UDP:
		while (!p->result && (n = recv(p->fd, buf, sizeof(buf), 0)) >= 0)
			if (n == sizeof(p->token) && !memcmp(buf, p->token, sizeof(p->token)))
				p->result = "ok";
		if (!p->result && errno != EAGAIN && errno != EINTR)
			probe_fail(p, errno);
		break;
	case P_ICMP:
		icmp_event(p);
		break;
	}
}

/* -EPROTONOSUPPORT for an unknown protocol, -EINVAL for a bad address. */
static int parse_spec(struct probe *p, const char *spec, int port)
{
	static const char *const names[] = { [P_TCP] = "tcp:", [P_UDP] = "udp:", [P_ICMP] = "icmp:" };

	for (int i = P_TCP; i <= P_ICMP; i++) {
		size_t n = strlen(names[i]);

		if (strncmp(spec, names[i], n))
			continue;
		p->spec = spec;
		p->proto = (enum proto)i;
		p->fd = -1;
		return parse_addr(spec + n, i == P_ICMP ? 0 : port, &p->to, &p->tolen);
	}
	return -EPROTONOSUPPORT;
}

/* Ping sockets are opt-in per netns; as root we may open them to everyone. */
static int allow_ping(void)
{
	static const char all[] = "0 2147483647";
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, all, sizeof(all) - 1) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int cmd_check(struct opts *o)
{
	static struct probe probes[MAX_PROBES];
	static struct pollfd pfd[MAX_PROBES];
	static int idx[MAX_PROBES];
	int n = o->nargs, failed = 0, ret;
	bool icmp = false;
	uint16_t id;
	long long deadline;

	if (n == 0) {
		fprintf(stderr, "warren-probe check: no SPEC given\n");
		usage(stderr);
		return 2;
	}
	if (getrandom(&id, sizeof(id), 0) < 0) {
		perror("warren-probe check: getrandom");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct probe *p = &probes[i];

		ret = parse_spec(p, o->args[i], (int)o->port);
		if (ret == -EPROTONOSUPPORT) {
			fprintf(stderr, "warren-probe check: bad SPEC \"%s\": want tcp:ADDR, udp:ADDR or icmp:ADDR\n",
				o->args[i]);
			return 2;
		}
		if (ret) {
			fprintf(stderr, "warren-probe check: bad SPEC \"%s\": \"%s\" is not an IPv4 or IPv6 address\n",
				o->args[i], strchr(o->args[i], ':') + 1);
			return 2;
		}
		/* Unique sequence numbers tell our probes apart within this run. */
		p->id = id;
		p->seq = (uint16_t)(i + 1);
		if (getrandom(p->token, sizeof(p->token), 0) < 0) {
			perror("warren-probe check: getrandom");
			return 1;
		}
		icmp |= p->proto == P_ICMP;
	}
	raise_nofile();
	/* If this fails, icmp_start falls back to raw sockets. */
	if (icmp)
		allow_ping();
	/* Set before the first packet: no SYN lives longer than the timeout. */
	deadline = now_ms() + o->timeout_ms;
	for (int i = 0; i < n; i++) {
		ret = probe_start(&probes[i]);
		if (ret)
			probe_fail(&probes[i], -ret);
	}
	for (;;) {
		long long left = deadline - now_ms();
		int np = 0;

		for (int i = 0; i < n; i++) {
			if (probes[i].result)
				continue;
			pfd[np] = (struct pollfd){ .fd = probes[i].fd,
						   .events = probes[i].proto == P_TCP ? POLLOUT : POLLIN };
			idx[np++] = i;
		}
		if (np == 0 || left <= 0)
			break;
		if (poll(pfd, (nfds_t)np, (int)left) < 0 && errno != EINTR) {
			perror("warren-probe check: poll");
			break;
		}
		for (int k = 0; k < np; k++)
			if (pfd[k].revents)
				probe_event(&probes[idx[k]], pfd[k].revents);
	}
	for (int i = 0; i < n; i++) {
		struct probe *p = &probes[i];

		if (!p->result)
			p->result = "timeout";
		if (!strcmp(p->result, "ok"))
			printf("%s ok\n", p->spec);
		else if (p->err)
			printf("%s fail %s:%s\n", p->spec, p->result, strerrorname_np(p->err) ?: "?");
		else
			printf("%s fail %s\n", p->spec, p->result);
		failed += !!strcmp(p->result, "ok");
		if (p->fd >= 0)
			close(p->fd);
	}
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------ spoof */

/* IPv4 header + UDP into pkt; returns the length, sum gets the pseudo-header. */
static size_t build_ip4(uint8_t *pkt, const struct sockaddr_in *src, const struct sockaddr_in *dst,
			size_t ulen, uint32_t *sum)
{
	struct iphdr *ip = (struct iphdr *)pkt;

	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src->sin_addr.s_addr;
	ip->daddr = dst->sin_addr.s_addr;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + ulen));
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
	*sum = csum_add(0, &ip->saddr, 8) + IPPROTO_UDP + (uint32_t)ulen;
	return sizeof(*ip);
}

static size_t build_ip6(uint8_t *pkt, const struct sockaddr_in6 *src, const struct sockaddr_in6 *dst,
			size_t ulen, uint32_t *sum)
{
	pkt[0] = 0x60;
	put16(pkt + 4, (uint16_t)ulen);
	pkt[6] = IPPROTO_UDP;
	pkt[7] = 64;
	memcpy(pkt + 8, &src->sin6_addr, 16);
	memcpy(pkt + 24, &dst->sin6_addr, 16);
	*sum = csum_add(0, pkt + 8, 32) + IPPROTO_UDP + (uint32_t)ulen;
	return 40;
}

/*
 * A raw IPPROTO_RAW socket sends our header as written: the kernel routes
 * by the destination and never checks the source against the host's.
 */
static int cmd_spoof(struct opts *o)
{
	static const char payload[] = "warren-spoof";
	const size_t ulen = sizeof(struct udphdr) + sizeof(payload) - 1;
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	uint8_t pkt[128] = { 0 };
	struct udphdr *udp;
	size_t hlen;
	uint32_t sum;
	int fd, on = 1, fam;

	if (!o->src || !o->dst) {
		fprintf(stderr, "warren-probe spoof: --src and --dst are required\n");
		return 2;
	}
	/* Port 0 in the socket address: raw sockets take it as a protocol. */
	if (parse_addr(o->src, 0, &src, &slen)) {
		fprintf(stderr, "warren-probe spoof: --src \"%s\" is not an IP address\n", o->src);
		return 2;
	}
	if (parse_addr(o->dst, 0, &dst, &dlen)) {
		fprintf(stderr, "warren-probe spoof: --dst \"%s\" is not an IP address\n", o->dst);
		return 2;
	}
	fam = dst.ss_family;
	if (src.ss_family != fam) {
		fprintf(stderr, "warren-probe spoof: --src %s and --dst %s are of different families\n",
			o->src, o->dst);
		return 2;
	}
	if (fam == AF_INET)
		hlen = build_ip4(pkt, (struct sockaddr_in *)&src, (struct sockaddr_in *)&dst, ulen, &sum);
	else
		hlen = build_ip6(pkt, (struct sockaddr_in6 *)&src, (struct sockaddr_in6 *)&dst, ulen, &sum);
	udp = (struct udphdr *)(pkt + hlen);
	udp->source = htons(40000);
	udp->dest = htons((uint16_t)o->port);
	udp->len = htons((uint16_t)ulen);
	memcpy(udp + 1, payload, sizeof(payload) - 1);
	/* 0 means "no checksum" in UDP (and is invalid over IPv6): send 0xffff. */
	udp->check = htons(csum_fold(csum_add(sum, udp, ulen)) ?: 0xffff);

	fd = socket(fam, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		perror("warren-probe spoof: raw socket");
		return 1;
	}
	/* Implied by IPPROTO_RAW; said anyway, and IPv6 only knows it since 4.5. */
	if (fam == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &on, sizeof(on));
	for (long i = 0; i < o->count; i++) {
		if (sendto(fd, pkt, hlen + ulen, 0, (struct sockaddr *)&dst, dlen) < 0) {
			fprintf(stderr, "warren-probe spoof: send to %s: %s\n", o->dst, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}

/* ------------------------------------------------------------------- recv */

static int cmd_recv(struct opts *o)
{
	int fd = bind_any(SOCK_DGRAM, (int)o->port);
	long long deadline = now_ms() + o->timeout_ms, left;
	long received = 0;
	char buf[2048];

	if (fd < 0) {
		fprintf(stderr, "warren-probe recv: port %ld: %s\n", o->port, strerror(-fd));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while ((left = deadline - now_ms()) > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* A burst at a time: a flood cannot hold us past the deadline. */
		if (poll(&pfd, 1, (int)left) > 0)
			for (int i = 0; i < BURST && recv(fd, buf, sizeof(buf), 0) >= 0; i++)
				received++;
	}
	close(fd);
	printf("received %ld\n", received);
	return 0;
}

/* ----------------------------------------------------------------- stream */

/* A TCP connection within STREAM_DEAD_MS; returns the fd or -errno. */
static int stream_connect(const struct sockaddr_storage *to, socklen_t tolen)
{
	unsigned int user_timeout = STREAM_DEAD_MS;
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int fd, err = 0, ret;

	fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Unacknowledged data fails the connection in seconds, not ~15 minutes. */
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	if (connect(fd, (const struct sockaddr *)to, tolen) && errno != EINPROGRESS) {
		ret = -errno;
		goto out;
	}
	pfd.fd = fd;
	ret = poll(&pfd, 1, STREAM_DEAD_MS);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	if (ret == 0) {
		ret = -ETIMEDOUT;
		goto out;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		ret = -err;
		goto out;
	}
	return fd;
out:
	close(fd);
	return ret;
}

static int cmd_stream(struct opts *o)
{
	static char chunk[STREAM_CHUNK], sink[65536];
	long nint = o->seconds * 1000 / o->interval_ms, done = 0;
	long long sent = 0, total = 0, cur = 0, min_bytes = -1, stalls = 0, next;
	struct sockaddr_storage to;
	const char *what = NULL;
	socklen_t tolen;
	int fd, err = 0;
	ssize_t n;

	if (!o->dst || parse_addr(o->dst, (int)o->port, &to, &tolen)) {
		fprintf(stderr, "warren-probe stream: --dst wants an IP address%s%s\n",
			o->dst ? ", not " : "", o->dst ?: "");
		return 2;
	}
	if (nint < 1) {
		fprintf(stderr, "warren-probe stream: --interval-ms is longer than --seconds\n");
		return 2;
	}
	fd = stream_connect(&to, tolen);
	if (fd < 0) {
		fprintf(stderr, "warren-probe stream: connect to %s port %ld: %s\n", o->dst, o->port,
			strerror(-fd));
		return 1;
	}
	memset(chunk, 'w', sizeof(chunk));
	next = now_ms() + o->interval_ms;
	for (;;) {
		long long t = now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* Close every interval that has ended, empty ones included. */
		while (done < nint && t >= next) {
			stalls += cur == 0;
			if (min_bytes < 0 || cur < min_bytes)
				min_bytes = cur;
			cur = 0;
			done++;
			next += o->interval_ms;
		}
		if (done == nint)
			break;
		/* Bounded data in flight: a stalled path shows as empty intervals. */
		if (sent - total < STREAM_INFLIGHT)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, (int)(next - t)) < 0 && errno != EINTR) {
			what = "poll";
			err = errno;
			break;
		}
		if (pfd.revents & POLLERR) {
			socklen_t len = sizeof(err);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			what = "connection";
			err = err ?: ECONNRESET;
			break;
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			n = read(fd, sink, sizeof(sink));
			if (n == 0) {
				what = "connection closed by peer";
				break;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				what = "read";
				err = errno;
				break;
			}
			if (n > 0) {
				cur += n;
				total += n;
			}
		}
		if (pfd.revents & POLLOUT) {
			n = write(fd, chunk, sizeof(chunk));
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				what = "write";
				err = errno;
				break;
			}
			if (n > 0)
				sent += n;
		}
	}
	close(fd);
	printf("intervals=%ld min_bytes=%lld total=%lld stalls=%lld\n", done,
	       min_bytes < 0 ? 0 : min_bytes, total, stalls);
	if (what) {
		fprintf(stderr, "warren-probe stream: %s%s%s after %ld of %ld intervals\n", what,
			err ? ": " : "", err ? strerror(err) : "", done, nint);
		return 1;
	}
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
		fprintf(stderr, "warren-probe short: --dev wants an interface name%s%s\n",
			o->dev ? ", not " : "", o->dev ?: "");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("warren-probe short: packet socket");
		return 1;
	}
	for (long i = 0; i < o->count; i++) {
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "warren-probe short: send on %s: %s\n", o->dev, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct opts *o);
	unsigned int opts;
} commands[] = {
	{ "serve", cmd_serve, OPT_PORT },
	{ "check", cmd_check, OPT_TIMEOUT | OPT_PORT | OPT_ARGS },
	{ "spoof", cmd_spoof, OPT_SRC | OPT_DST | OPT_PORT | OPT_COUNT },
	{ "recv", cmd_recv, OPT_PORT | OPT_TIMEOUT },
	{ "stream", cmd_stream, OPT_DST | OPT_PORT | OPT_SECONDS | OPT_INTERVAL },
	{ "short", cmd_short, OPT_DEV | OPT_COUNT },
};

int main(int argc, char **argv)
{
	struct opts o = { .port = 7, .timeout_ms = 500, .count = 1, .seconds = 5,
			  .interval_ms = 250 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Writes to a reset connection fail with EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 1 && !strcmp(argv[i], "help"))) {
			usage(stdout);
			return 0;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		o.cmd = commands[i].name;
		if (parse_opts(argc - 2, argv + 2, commands[i].opts, &o)) {
			usage(stderr);
			return 2;
		}
		return commands[i].fn(&o);
	}
	fprintf(stderr, "warren-probe: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* check: one packet per probe, every verdict within the timeout. */
#include "probe.h"

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

int cmd_check(struct opts *o)
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

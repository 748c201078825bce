// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The readiness probe of `endpoint add`: a query from inside the workload. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/netns.h"
#include "dns/dns_server.h"
#include "dns/dns_server_int.h"

static int probe_query(const char *qname, bool v6, uint8_t *buf, size_t cap, uint16_t *id)
{
	int n;

	if (getrandom(id, sizeof(*id), 0) != sizeof(*id))
		*id = (uint16_t)dns_now_ms();
	memset(buf, 0, DNS_HDR_LEN);
	dns_set_id(buf, *id);
	buf[2] = DNS_FLAG_RD >> 8;
	buf[5] = 1;	/* one question */
	n = dns_name_write(qname, buf + DNS_HDR_LEN, cap - DNS_HDR_LEN - 4);
	if (n < 0)
		return n;
	buf += DNS_HDR_LEN + n;
	buf[0] = 0;
	buf[1] = v6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
	buf[2] = 0;
	buf[3] = DNS_CLASS_IN;
	return DNS_HDR_LEN + n + 4;
}

int dns_server_probe(struct dns_server *s, int nsfd, bool v6, const char *qname, bool want_addr,
		     char *err)
{
	struct sockaddr_storage ss = {};
	uint8_t q[512], a[UDP_BUF];
	uint64_t deadline = dns_now_ms() + 2000, next_send = 0;
	int saved = -1, fd, qlen, ret;
	uint16_t id;

	qlen = probe_query(qname, v6, q, sizeof(q), &id);
	if (qlen < 0) {
		snprintf(err, ERR_SIZE, "resolver probe: bad name %s", qname);
		return qlen;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(s->cfg.port);
		memcpy(&sin6->sin6_addr, s->addr6, 16);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(s->cfg.port);
		sin->sin_addr.s_addr = s->addr4;
	}
	/* A socket made inside the workload's netns stays in it. */
	ret = netns_enter(nsfd, &saved);
	if (ret) {
		snprintf(err, ERR_SIZE, "resolver probe: entering netns: %s", strerror(-ret));
		return ret;
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ret = fd < 0 ? -errno : 0;
	netns_leave(saved);
	if (ret) {
		snprintf(err, ERR_SIZE, "resolver probe: socket: %s", strerror(-ret));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&ss, sizeof(ss))) {
		ret = -errno;
		snprintf(err, ERR_SIZE, "resolver probe: connect: %s", strerror(-ret));
		goto out;
	}
	ret = -ETIMEDOUT;
	while (dns_now_ms() < deadline) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = v6 ? s->udp6 : s->udp4, .events = POLLIN },
		};
		ssize_t n;

		/* Resend every 200 ms: the first may meet a neighbour entry still settling. */
		if (dns_now_ms() >= next_send) {
			send(fd, q, (size_t)qlen, MSG_DONTWAIT);
			next_send = dns_now_ms() + 200;
		}
		if (poll(p, 2, 50) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			dns_on_udp(s->loop, p[1].fd, EPOLLIN, s);
		if (!(p[0].revents & POLLIN))
			continue;
		n = recv(fd, a, sizeof(a), MSG_DONTWAIT);
		if (n < DNS_HDR_LEN || dns_get_id(a) != id)
			continue;
		if (want_addr && (dns_get_rcode(a) != DNS_RCODE_NOERROR || !(a[6] | a[7]))) {
			ret = -ENOENT;
			snprintf(err, ERR_SIZE, "resolver probe: %s has no %s record", qname,
				 v6 ? "AAAA" : "A");
			goto out;
		}
		ret = 0;
		goto out;
	}
	snprintf(err, ERR_SIZE, "resolver probe: no answer from %s over the workload's path",
		 v6 ? "the IPv6 resolver" : "the IPv4 resolver");
out:
	close(fd);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "dns_server.h"
#include "log.h"
#include "netns.h"

#define UDP_BUF 4096			/* the largest UDP answer we send */
#define TCP_WBUF_MAX (256 * 1024)	/* a client that does not read is dropped */
#define TCP_MAX_INFLIGHT 64		/* forwarded queries per TCP client */
/* Datagrams per wakeup before other sockets get their turn. */
#define UDP_BUDGET (DNS_UDP_BATCH * 8)

struct dns_udp_batch {
	struct mmsghdr in[DNS_UDP_BATCH], out[DNS_UDP_BATCH];
	struct iovec iin[DNS_UDP_BATCH], iout[DNS_UDP_BATCH];
	struct sockaddr_storage peer[DNS_UDP_BATCH];
	uint8_t rx[DNS_UDP_BATCH][UDP_BUF];
	uint8_t tx[DNS_UDP_BATCH][UDP_BUF];
	uint8_t relay[2 + DNS_MSG_MAX];	/* forwarded answers, built one at a time */
	struct dns_query q;
};

struct dns_conn {
	int fd;
	uint64_t gen;			/* tells a reused slot from the one a reply was for */
	struct sockaddr_storage peer;
	uint8_t rbuf[2 + DNS_MSG_MAX];
	size_t rlen;
	uint8_t *wbuf;
	size_t wlen, woff;
	int inflight;
	uint64_t last_ms;
};

/* A query upstream: where its answer goes. */
struct pending {
	struct dns_server *s;
	bool tcp;
	int fd;				/* UDP: the socket it came in on */
	struct sockaddr_storage peer;	/* UDP: the client */
	size_t conn;			/* TCP: conns[] index and its generation */
	uint64_t gen;
	uint16_t id;			/* the client's query id */
	size_t limit;			/* UDP: the client's size */
	size_t qlen;
	uint8_t query[];		/* for SERVFAIL/TC answers to echo its question */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct endpoint *caller_of(struct dns_server *s, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return dns_view_caller4(&s->view, ((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	if (ss->ss_family == AF_INET6)
		return dns_view_caller6(&s->view,
					((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr);
	return NULL;
}

/* --- sockets ------------------------------------------------------------ */

static int sock_open(int family, int type, const void *addr, uint16_t port, char *err)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1, rcvbuf = 4 << 20;
	char a[INET6_ADDRSTRLEN];

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/*
	 * TCP only: on UDP, SO_REUSEADDR would let a second agent bind the
	 * same address and take the queries; it must fail instead.
	 */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, len))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128))
		goto fail;
	return fd;
fail:
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(err, ERR_SIZE, "DNS %s socket on %s%s%s:%u: %s",
		 type == SOCK_DGRAM ? "UDP" : "TCP", family == AF_INET6 ? "[" : "", a,
		 family == AF_INET6 ? "]" : "", port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

/* --- forwarding --------------------------------------------------------- */

static void conn_queue(struct dns_server *s, struct dns_conn *c, const uint8_t *msg, size_t len);

/* The upstream's answer (or its failure), back to the client. */
static void on_forwarded(void *arg, int status, const uint8_t *ans, size_t alen)
{
	struct pending *p = arg;
	struct dns_server *s = p->s;
	uint8_t *out = s->batch->relay + 2;
	size_t len = 0;

	if (status == -ECANCELED)
		goto out;
	if (status || alen < DNS_HDR_LEN || alen > DNS_MSG_MAX) {
		s->st.servfail++;
		if (dns_parse_query(p->query, p->qlen, &s->batch->q) >= 0)
			len = dns_answer_empty(p->query, &s->batch->q, DNS_RCODE_SERVFAIL, false,
					       out, p->tcp ? DNS_MSG_MAX : p->limit);
	} else if (!p->tcp && alen > p->limit) {
		/* Too big for the client's UDP size: TC, and it asks again over TCP. */
		s->st.truncated++;
		if (dns_parse_query(p->query, p->qlen, &s->batch->q) >= 0)
			len = dns_answer_empty(p->query, &s->batch->q, dns_get_rcode(ans), true,
					       out, p->limit);
	} else {
		memcpy(out, ans, alen);
		len = alen;
	}
	if (!len)
		goto out;
	dns_set_id(out, p->id);
	if (p->tcp) {
		struct dns_conn *c = s->conns[p->conn];

		if (c && c->gen == p->gen) {
			c->inflight--;
			conn_queue(s, c, out, len);
		}
	} else {
		sendto(p->fd, out, len, MSG_DONTWAIT, (struct sockaddr *)&p->peer,
		       p->peer.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						      sizeof(struct sockaddr_in6));
	}
out:
	free(p);
}

/* Hand a query upstream; 0, or -errno when the caller must answer SERVFAIL. */
static int forward(struct dns_server *s, const uint8_t *pkt, size_t len, const struct dns_query *q,
		   struct pending *tmpl)
{
	struct pending *p = malloc(sizeof(*p) + len);
	int ret;

	if (!p)
		return -ENOMEM;
	*p = *tmpl;
	p->s = s;
	p->id = q->id;
	p->limit = dns_udp_limit(q);
	p->qlen = len;
	memcpy(p->query, pkt, len);
	ret = dns_forward_send(s->fwd, pkt, len, p->tcp, on_forwarded, p);
	if (ret)
		free(p);
	return ret;
}

/* --- UDP ---------------------------------------------------------------- */

/* One datagram: the answer's length in tx, or 0 for none (dropped or forwarded). */
static size_t udp_one(struct dns_server *s, int fd, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *peer, uint8_t *tx)
{
	struct dns_udp_batch *b = s->batch;
	const struct endpoint *caller = caller_of(s, peer);
	enum dns_action act;
	struct pending tmpl = { .fd = fd, .peer = *peer };
	size_t out_len = 0;

	act = dns_answer(&s->view, caller, pkt, len, false, &b->q, tx, UDP_BUF, &out_len, &s->st);
	if (act == DNS_ACT_REPLY)
		return out_len;
	if (act == DNS_ACT_DROP)
		return 0;
	if (!forward(s, pkt, len, &b->q, &tmpl))
		return 0;
	s->st.servfail++;
	return dns_answer_empty(pkt, &b->q, DNS_RCODE_SERVFAIL, false, tx, dns_udp_limit(&b->q));
}

static void on_udp(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;
	struct dns_udp_batch *b = s->batch;

	for (int budget = UDP_BUDGET; budget > 0; budget -= DNS_UDP_BATCH) {
		int n, nout = 0;

		for (int i = 0; i < DNS_UDP_BATCH; i++) {
			b->iin[i] = (struct iovec){ b->rx[i], UDP_BUF };
			b->in[i].msg_hdr = (struct msghdr){
				.msg_name = &b->peer[i], .msg_namelen = sizeof(b->peer[i]),
				.msg_iov = &b->iin[i], .msg_iovlen = 1,
			};
		}
		n = recvmmsg(fd, b->in, DNS_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			size_t len = udp_one(s, fd, b->rx[i], b->in[i].msg_len, &b->peer[i],
					     b->tx[nout]);

			if (!len)
				continue;
			b->iout[nout] = (struct iovec){ b->tx[nout], len };
			b->out[nout].msg_hdr = (struct msghdr){
				.msg_name = &b->peer[i], .msg_namelen = b->in[i].msg_hdr.msg_namelen,
				.msg_iov = &b->iout[nout], .msg_iovlen = 1,
			};
			nout++;
		}
		/* A full socket buffer loses answers, as UDP may; clients retry. */
		for (int sent = 0; sent < nout;) {
			int r = sendmmsg(fd, b->out + sent, (unsigned int)(nout - sent), MSG_DONTWAIT);

			if (r <= 0)
				break;
			sent += r;
		}
		if (n < DNS_UDP_BATCH)
			return;
	}
}

/* --- TCP ---------------------------------------------------------------- */

static void conn_close(struct dns_server *s, size_t idx)
{
	struct dns_conn *c = s->conns[idx];

	loop_del(s->loop, c->fd);
	close(c->fd);
	free(c->wbuf);
	free(c);
	s->conns[idx] = NULL;
	s->n_conns--;
}

static size_t conn_index(struct dns_server *s, const struct dns_conn *c)
{
	for (size_t i = 0; i < DNS_MAX_CONNS; i++)
		if (s->conns[i] == c)
			return i;
	return DNS_MAX_CONNS;
}

/* Write what we can; the rest waits for EPOLLOUT. */
static int conn_flush(struct dns_server *s, struct dns_conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -EPIPE;
		c->woff += (size_t)n;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	loop_mod(s->loop, c->fd, EPOLLIN | (c->wlen ? EPOLLOUT : 0));
	return 0;
}

static void conn_queue(struct dns_server *s, struct dns_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *w;

	if (c->wlen + 2 + len > TCP_WBUF_MAX) {
		conn_close(s, conn_index(s, c));
		return;
	}
	w = realloc(c->wbuf, c->wlen + 2 + len);
	if (!w) {
		conn_close(s, conn_index(s, c));
		return;
	}
	c->wbuf = w;
	w[c->wlen] = (uint8_t)(len >> 8);
	w[c->wlen + 1] = (uint8_t)len;
	memcpy(w + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	c->last_ms = now_ms();
	if (conn_flush(s, c))
		conn_close(s, conn_index(s, c));
}

/* One framed query from a TCP client. Returns false if the client is gone. */
static bool tcp_one(struct dns_server *s, size_t idx, const uint8_t *pkt, size_t len)
{
	struct dns_conn *c = s->conns[idx];
	struct dns_udp_batch *b = s->batch;
	uint8_t *out = b->relay + 2;
	struct pending tmpl = { .tcp = true, .conn = idx, .gen = c->gen };
	enum dns_action act;
	size_t out_len = 0;

	act = dns_answer(&s->view, caller_of(s, &c->peer), pkt, len, true, &b->q, out,
			 DNS_MSG_MAX, &out_len, &s->st);
	if (act == DNS_ACT_DROP)
		return true;
	if (act == DNS_ACT_FORWARD) {
		if (c->inflight < TCP_MAX_INFLIGHT && !forward(s, pkt, len, &b->q, &tmpl)) {
			/* The answer may already have come (and been queued). */
			if (s->conns[idx] == c)
				c->inflight++;
			return s->conns[idx] == c;
		}
		s->st.servfail++;
		out_len = dns_answer_empty(pkt, &b->q, DNS_RCODE_SERVFAIL, false, out, DNS_MSG_MAX);
	}
	conn_queue(s, c, out, out_len);
	return s->conns[idx] == c;
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;
	struct dns_conn *c = NULL;
	size_t idx, off = 0;
	ssize_t n;

	for (idx = 0; idx < DNS_MAX_CONNS; idx++)
		if (s->conns[idx] && s->conns[idx]->fd == fd) {
			c = s->conns[idx];
			break;
		}
	if (!c)
		return;
	if (events & EPOLLOUT && conn_flush(s, c)) {
		conn_close(s, idx);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(s, idx);
		return;
	}
	c->rlen += (size_t)n;
	c->last_ms = now_ms();
	/* Every complete frame; queries may be pipelined (RFC 7766). */
	while (c->rlen - off >= 2) {
		size_t len = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];

		if (c->rlen - off - 2 < len)
			break;
		if (!tcp_one(s, idx, c->rbuf + off + 2, len))
			return;
		off += 2 + len;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		struct dns_conn *c;
		int cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		size_t idx;

		if (cfd < 0)
			return;
		for (idx = 0; idx < DNS_MAX_CONNS && s->conns[idx]; idx++)
			;
		c = idx < DNS_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c || loop_add(s->loop, cfd, EPOLLIN, on_conn, s)) {
			s->tcp_refused++;
			free(c);
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->gen = ++s->next_conn_gen;
		c->peer = peer;
		c->last_ms = now_ms();
		s->conns[idx] = c;
		s->n_conns++;
		s->tcp_accepted++;
	}
}

/* --- life cycle --------------------------------------------------------- */

int dns_server_start(struct dns_server *s, struct loop *l, const struct model *m,
		     const struct dns_server_config *cfg, uint32_t addr4,
		     const uint8_t addr6[16], char *err)
{
	struct dns_server_config c = *cfg;	/* cfg may live in *s */
	int ret;

	memset(s, 0, sizeof(*s));
	s->udp4 = s->udp6 = s->tcp4 = s->tcp6 = -1;
	s->loop = l;
	s->cfg = c;
	cfg = &s->cfg;
	s->addr4 = addr4;
	memcpy(s->addr6, addr6, 16);
	ret = dns_view_init(&s->view, m, cfg->domain, cfg->ttl, err);
	if (ret)
		return ret;
	s->batch = calloc(1, sizeof(*s->batch));
	if (!s->batch) {
		snprintf(err, ERR_SIZE, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	ret = dns_forward_init(&s->fwd, l, cfg->upstream, cfg->resolv_conf, cfg->timeout_ms,
			       cfg->tries, err);
	if (ret)
		goto fail;
	ret = s->udp4 = sock_open(AF_INET, SOCK_DGRAM, &addr4, cfg->port, err);
	if (ret >= 0)
		ret = s->udp6 = sock_open(AF_INET6, SOCK_DGRAM, addr6, cfg->port, err);
	if (ret >= 0)
		ret = s->tcp4 = sock_open(AF_INET, SOCK_STREAM, &addr4, cfg->port, err);
	if (ret >= 0)
		ret = s->tcp6 = sock_open(AF_INET6, SOCK_STREAM, addr6, cfg->port, err);
	if (ret < 0)
		goto fail;
	if ((ret = loop_add(l, s->udp4, EPOLLIN, on_udp, s)) ||
	    (ret = loop_add(l, s->udp6, EPOLLIN, on_udp, s)) ||
	    (ret = loop_add(l, s->tcp4, EPOLLIN, on_accept, s)) ||
	    (ret = loop_add(l, s->tcp6, EPOLLIN, on_accept, s))) {
		snprintf(err, ERR_SIZE, "DNS sockets: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	dns_server_stop(s);
	return ret;
}

void dns_server_stop(struct dns_server *s)
{
	struct dns_server_config cfg = s->cfg;
	int *fds[] = { &s->udp4, &s->udp6, &s->tcp4, &s->tcp6 };

	/* Pending upstream queries first: their callbacks look at conns. */
	if (s->fwd)
		dns_forward_free(s->fwd);
	s->fwd = NULL;
	for (size_t i = 0; i < DNS_MAX_CONNS; i++)
		if (s->conns[i])
			conn_close(s, i);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0) {
			loop_del(s->loop, *fds[i]);
			close(*fds[i]);
		}
		*fds[i] = -1;
	}
	free(s->batch);
	s->batch = NULL;
	dns_view_free(&s->view);
	s->cfg = cfg;	/* the settings outlive the sockets */
}

int dns_server_timeout_ms(struct dns_server *s)
{
	int t = dns_forward_timeout_ms(s->fwd);

	/* Idle TCP clients are looked at once a second while there are any. */
	if (s->n_conns && (t < 0 || t > 1000))
		t = 1000;
	return t;
}

void dns_server_tick(struct dns_server *s)
{
	uint64_t now = now_ms();

	dns_forward_tick(s->fwd);
	for (size_t i = 0; i < DNS_MAX_CONNS; i++)
		if (s->conns[i] && now - s->conns[i]->last_ms > DNS_TCP_IDLE_MS &&
		    !s->conns[i]->inflight)
			conn_close(s, i);
}

/* --- the readiness probe of `endpoint add` ------------------------------ */

static int probe_query(const char *qname, bool v6, uint8_t *buf, size_t cap, uint16_t *id)
{
	int n;

	if (getrandom(id, sizeof(*id), 0) != sizeof(*id))
		*id = (uint16_t)now_ms();
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
	uint64_t deadline = now_ms() + 2000, next_send = 0;
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
	while (now_ms() < deadline) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = v6 ? s->udp6 : s->udp4, .events = POLLIN },
		};
		ssize_t n;

		/* Resend every 200 ms: the first may meet a neighbour entry still settling. */
		if (now_ms() >= next_send) {
			send(fd, q, (size_t)qlen, MSG_DONTWAIT);
			next_send = now_ms() + 200;
		}
		if (poll(p, 2, 50) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			on_udp(s->loop, p[1].fd, EPOLLIN, s);
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

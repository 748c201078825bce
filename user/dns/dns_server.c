// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The shim's life cycle, its UDP sockets (recvmmsg/sendmmsg batches) and
 * the relay of forwarded queries. TCP clients are dns_tcp.c, the
 * readiness probe dns_probe.c.
 */
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

#include "dns/dns_server.h"
#include "dns/dns_server_int.h"
#include "lib/log.h"

uint64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const struct endpoint *dns_caller_of(struct dns_server *s, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return dns_view_caller4(&s->view, ((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	if (ss->ss_family == AF_INET6)
		return dns_view_caller6(&s->view,
					((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr);
	return NULL;
}

const char *dns_upstream_outcome_name(enum dns_upstream_outcome o)
{
	static const char *const names[DNS_UP__MAX] = {
		"answered", "truncated", "timeout", "refused", "servfail", "error", "busy",
	};

	return (unsigned int)o < DNS_UP__MAX ? names[o] : "unknown";
}

const char *dns_latency_name(enum dns_latency l)
{
	return l == DNS_LAT_INTERNAL ? "internal" : l == DNS_LAT_UPSTREAM ? "upstream" : "unknown";
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
		s->upstream[status == -ETIMEDOUT ? DNS_UP_TIMEOUT :
			    status == -ECONNREFUSED ? DNS_UP_REFUSED :
			    status == -EIO ? DNS_UP_SERVFAIL : DNS_UP_ERROR]++;
		s->st.servfail++;
		if (dns_parse_query(p->query, p->qlen, &s->batch->q) >= 0)
			len = dns_answer_empty(p->query, &s->batch->q, DNS_RCODE_SERVFAIL, false,
					       out, p->tcp ? DNS_MSG_MAX : p->limit);
	} else if (!p->tcp && alen > p->limit) {
		/* Too big for the client's UDP size: TC, and it asks again over TCP. */
		s->upstream[DNS_UP_TRUNCATED]++;
		s->st.truncated++;
		if (dns_parse_query(p->query, p->qlen, &s->batch->q) >= 0)
			len = dns_answer_empty(p->query, &s->batch->q, dns_get_rcode(ans), true,
					       out, p->limit);
	} else {
		s->upstream[DNS_UP_ANSWERED]++;
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
			dns_conn_queue(s, c, out, len);
		}
	} else {
		sendto(p->fd, out, len, MSG_DONTWAIT, (struct sockaddr *)&p->peer,
		       p->peer.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						      sizeof(struct sockaddr_in6));
	}
	hist_since(&s->latency[DNS_LAT_UPSTREAM], p->t0_ns);
out:
	free(p);
}

/* Hand a query upstream; 0, or -errno when the caller must answer SERVFAIL. */
int dns_relay_query(struct dns_server *s, const uint8_t *pkt, size_t len, const struct dns_query *q,
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
	if (ret) {
		s->upstream[DNS_UP_BUSY]++;
		free(p);
	}
	return ret;
}

/* --- UDP ---------------------------------------------------------------- */

/* One datagram: the answer's length in tx, or 0 for none (dropped or forwarded). */
static size_t udp_one(struct dns_server *s, int fd, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *peer, uint8_t *tx, uint64_t t0)
{
	struct dns_udp_batch *b = s->batch;
	const struct endpoint *caller = dns_caller_of(s, peer);
	enum dns_action act;
	struct pending tmpl = { .fd = fd, .peer = *peer, .t0_ns = t0 };
	size_t out_len = 0;

	act = dns_answer(&s->view, caller, pkt, len, false, &b->q, tx, UDP_BUF, &out_len, &s->st);
	if (act == DNS_ACT_REPLY)
		return out_len;
	if (act == DNS_ACT_DROP)
		return 0;
	if (!dns_relay_query(s, pkt, len, &b->q, &tmpl))
		return 0;
	s->st.servfail++;
	return dns_answer_empty(pkt, &b->q, DNS_RCODE_SERVFAIL, false, tx, dns_udp_limit(&b->q));
}

void dns_on_udp(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;
	struct dns_udp_batch *b = s->batch;

	for (int budget = UDP_BUDGET; budget > 0; budget -= DNS_UDP_BATCH) {
		int n, nout = 0;
		uint64_t t0, t1;

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
		/* One clock read per batch: every query in it waits for the same sendmmsg. */
		t0 = hist_now_ns();
		for (int i = 0; i < n; i++) {
			size_t len = udp_one(s, fd, b->rx[i], b->in[i].msg_len, &b->peer[i],
					     b->tx[nout], t0);

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
		t1 = nout ? hist_now_ns() : t0;
		for (int i = 0; i < nout; i++)
			hist_observe(&s->latency[DNS_LAT_INTERNAL], t1 - t0);
		if (n < DNS_UDP_BATCH)
			return;
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
	for (int i = 0; i < DNS_LAT__MAX; i++)
		hist_init(&s->latency[i], &hist_dns_bounds);
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
	if ((ret = loop_add(l, s->udp4, EPOLLIN, dns_on_udp, s)) ||
	    (ret = loop_add(l, s->udp6, EPOLLIN, dns_on_udp, s)) ||
	    (ret = loop_add(l, s->tcp4, EPOLLIN, dns_on_accept, s)) ||
	    (ret = loop_add(l, s->tcp6, EPOLLIN, dns_on_accept, s))) {
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
			dns_conn_close(s, i);
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
	uint64_t now = dns_now_ms();

	dns_forward_tick(s->fwd);
	for (size_t i = 0; i < DNS_MAX_CONNS; i++)
		if (s->conns[i] && now - s->conns[i]->last_ms > DNS_TCP_IDLE_MS &&
		    !s->conns[i]->inflight)
			dns_conn_close(s, i);
}


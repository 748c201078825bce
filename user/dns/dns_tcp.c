// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shim's TCP clients: framed, pipelined queries (RFC 7766), bounded buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "dns/dns_server.h"
#include "dns/dns_server_int.h"

void dns_conn_close(struct dns_server *s, size_t idx)
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

void dns_conn_queue(struct dns_server *s, struct dns_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *w;

	if (c->wlen + 2 + len > TCP_WBUF_MAX) {
		dns_conn_close(s, conn_index(s, c));
		return;
	}
	w = realloc(c->wbuf, c->wlen + 2 + len);
	if (!w) {
		dns_conn_close(s, conn_index(s, c));
		return;
	}
	c->wbuf = w;
	w[c->wlen] = (uint8_t)(len >> 8);
	w[c->wlen + 1] = (uint8_t)len;
	memcpy(w + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	c->last_ms = dns_now_ms();
	if (conn_flush(s, c))
		dns_conn_close(s, conn_index(s, c));
}

/* One framed query from a TCP client. Returns false if the client is gone. */
static bool tcp_one(struct dns_server *s, size_t idx, const uint8_t *pkt, size_t len,
		    uint64_t t0)
{
	struct dns_conn *c = s->conns[idx];
	struct dns_udp_batch *b = s->batch;
	uint8_t *out = b->relay + 2;
	struct pending tmpl = { .tcp = true, .conn = idx, .gen = c->gen, .t0_ns = t0 };
	enum dns_action act;
	size_t out_len = 0;

	act = dns_answer(&s->view, dns_caller_of(s, &c->peer), pkt, len, true, &b->q, out,
			 DNS_MSG_MAX, &out_len, &s->st);
	if (act == DNS_ACT_DROP)
		return true;
	if (act == DNS_ACT_FORWARD) {
		if (c->inflight < TCP_MAX_INFLIGHT && !dns_relay_query(s, pkt, len, &b->q, &tmpl)) {
			/* The answer may already have come (and been queued). */
			if (s->conns[idx] == c)
				c->inflight++;
			return s->conns[idx] == c;
		}
		if (c->inflight >= TCP_MAX_INFLIGHT)
			s->upstream[DNS_UP_BUSY]++;
		s->st.servfail++;
		out_len = dns_answer_empty(pkt, &b->q, DNS_RCODE_SERVFAIL, false, out, DNS_MSG_MAX);
	}
	dns_conn_queue(s, c, out, out_len);
	hist_since(&s->latency[DNS_LAT_INTERNAL], t0);
	return s->conns[idx] == c;
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;
	struct dns_conn *c = NULL;
	size_t idx, off = 0;
	uint64_t t0;
	ssize_t n;

	for (idx = 0; idx < DNS_MAX_CONNS; idx++)
		if (s->conns[idx] && s->conns[idx]->fd == fd) {
			c = s->conns[idx];
			break;
		}
	if (!c)
		return;
	if (events & EPOLLOUT && conn_flush(s, c)) {
		dns_conn_close(s, idx);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		dns_conn_close(s, idx);
		return;
	}
	c->rlen += (size_t)n;
	c->last_ms = dns_now_ms();
	t0 = hist_now_ns();
	/* Every complete frame; queries may be pipelined (RFC 7766). */
	while (c->rlen - off >= 2) {
		size_t len = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];

		if (c->rlen - off - 2 < len)
			break;
		if (!tcp_one(s, idx, c->rbuf + off + 2, len, t0))
			return;
		off += 2 + len;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

void dns_on_accept(struct loop *l, int fd, uint32_t events, void *arg)
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
		c->last_ms = dns_now_ms();
		s->conns[idx] = c;
		s->n_conns++;
		s->tcp_accepted++;
	}
}

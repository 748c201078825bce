/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Between the shim's files (dns_server.c, dns_tcp.c, dns_probe.c); not for other callers. */
#ifndef WARREN_DNS_SERVER_INT_H
#define WARREN_DNS_SERVER_INT_H

#include <sys/epoll.h>
#include <sys/socket.h>

#include "dns/dns_server.h"

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
	uint64_t t0_ns;			/* when the query came in (hist_now_ns) */
	uint8_t query[];		/* for SERVFAIL/TC answers to echo its question */
};

uint64_t dns_now_ms(void);
/* The workload a query's source address names, or NULL. */
const struct endpoint *dns_caller_of(struct dns_server *s, const struct sockaddr_storage *ss);
/* Hand a query upstream; 0, or -errno when the caller must answer SERVFAIL. */
int dns_relay_query(struct dns_server *s, const uint8_t *pkt, size_t len,
		    const struct dns_query *q, struct pending *tmpl);
void dns_on_udp(struct loop *l, int fd, uint32_t events, void *arg);

/* TCP (dns_tcp.c): a listening socket's clients, an answer queued, a client closed. */
void dns_on_accept(struct loop *l, int fd, uint32_t events, void *arg);
void dns_conn_queue(struct dns_server *s, struct dns_conn *c, const uint8_t *msg, size_t len);
void dns_conn_close(struct dns_server *s, size_t idx);

#endif

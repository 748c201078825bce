// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* serve: echo on TCP and UDP until killed; recv: count datagrams for a while. */
#include "probe.h"

struct conn {
	int fd;
	bool eof;		/* the client is done sending; close once flushed */
	size_t len;		/* echo bytes waiting to be written */
	char buf[CONN_BUF];
};

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

int cmd_serve(struct opts *o)
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

/* ------------------------------------------------------------------- recv */

int cmd_recv(struct opts *o)
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

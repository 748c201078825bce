// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warren-dnsq: send one DNS message given in hex, exactly as written
 * (malformed on purpose, if the test wants), and summarise the reply.
 * dig cannot send broken packets; this can.
 *
 *   warren-dnsq [--tcp] [--timeout-ms N] [--canon] ADDR PORT HEX
 *
 * Prints "rcode=R qr=1 aa=A tc=T qd=N an=N ns=N ar=N len=L" and exits 0,
 * or prints "noanswer" and exits 1 when nothing came back in time.
 * --canon adds a line "canon=HEX": the whole reply with its answer
 * records sorted, so two servers' replies compare equal when they differ
 * only by the rotation (a reply this cannot walk is printed as it is).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Read exactly len bytes before the deadline (poll timeout in ms). */
static int read_full(int fd, unsigned char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Offset past the name at off, or -1 (pointers end a name: nothing follows them). */
static int skip_name(const unsigned char *m, int len, int off)
{
	while (off < len) {
		unsigned char l = m[off];

		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		if (l & 0xc0)
			return -1;
		off += 1 + l;
		if (l == 0)
			return off <= len ? off : -1;
	}
	return -1;
}

struct rr_span {
	const unsigned char *p;
	int len;
};

static int rr_cmp(const void *a, const void *b)
{
	const struct rr_span *x = a, *y = b;
	int n = x->len < y->len ? x->len : y->len, c = memcmp(x->p, y->p, (size_t)n);

	return c ? c : x->len - y->len;
}

/* The reply with its answer section sorted, as hex on one line. */
static void print_canon(const unsigned char *m, int len)
{
	static struct rr_span rr[4096];
	int qd = m[4] << 8 | m[5], an = m[6] << 8 | m[7], off = 12, start, i;

	for (i = 0; i < qd && off >= 0; i++) {
		off = skip_name(m, len, off);
		off = off >= 0 && off + 4 <= len ? off + 4 : -1;
	}
	start = off;
	for (i = 0; i < an && i < 4096 && off >= 0; i++) {
		int o = skip_name(m, len, off);

		if (o < 0 || o + 10 > len || o + 10 + (m[o + 8] << 8 | m[o + 9]) > len) {
			off = -1;
			break;
		}
		rr[i].p = m + off;
		rr[i].len = o + 10 + (m[o + 8] << 8 | m[o + 9]) - off;
		off += rr[i].len;
	}
	printf("canon=");
	if (off < 0 || i != an) {
		for (i = 0; i < len; i++)
			printf("%02x", m[i]);
		printf("\n");
		return;
	}
	qsort(rr, (size_t)an, sizeof(rr[0]), rr_cmp);
	for (i = 0; i < start; i++)
		printf("%02x", m[i]);
	for (int r = 0; r < an; r++)
		for (i = 0; i < rr[r].len; i++)
			printf("%02x", rr[r].p[i]);
	for (i = off; i < len; i++)
		printf("%02x", m[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static unsigned char q[65536], a[65536];
	struct sockaddr_storage ss = {};
	int tcp = 0, canon = 0, timeout = 2000, i = 1, fd, n;
	size_t qlen = 0;
	socklen_t sl;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--tcp"))
			tcp = 1;
		else if (!strcmp(argv[i], "--canon"))
			canon = 1;
		else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: warren-dnsq [--tcp] [--timeout-ms N] [--canon] ADDR PORT HEX\n");
		return 2;
	}
	for (const char *h = argv[i + 2]; h[0] && h[1] && qlen < sizeof(q); h += 2) {
		if (hexval(h[0]) < 0 || hexval(h[1]) < 0) {
			fprintf(stderr, "warren-dnsq: bad hex\n");
			return 2;
		}
		q[qlen++] = (unsigned char)(hexval(h[0]) << 4 | hexval(h[1]));
	}
	if (inet_pton(AF_INET, argv[i], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)atoi(argv[i + 1]));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[i], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)atoi(argv[i + 1]));
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "warren-dnsq: bad address %s\n", argv[i]);
		return 2;
	}
	fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
		printf("noanswer (%s)\n", strerror(errno));
		return 1;
	}
	if (tcp) {
		unsigned char len[2] = { (unsigned char)(qlen >> 8), (unsigned char)qlen };

		if (send(fd, len, 2, MSG_MORE) != 2 || send(fd, q, qlen, 0) != (ssize_t)qlen ||
		    read_full(fd, len, 2, timeout) || read_full(fd, a, (size_t)(len[0] << 8 | len[1]),
							       timeout)) {
			printf("noanswer\n");
			return 1;
		}
		n = len[0] << 8 | len[1];
	} else {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		send(fd, q, qlen, 0);
		if (poll(&p, 1, timeout) <= 0 || (n = (int)recv(fd, a, sizeof(a), 0)) < 0) {
			printf("noanswer\n");
			return 1;
		}
	}
	if (n < 12) {
		printf("short len=%d\n", n);
		return 0;
	}
	printf("rcode=%d qr=%d aa=%d tc=%d qd=%d an=%d ns=%d ar=%d len=%d\n", a[3] & 0xf,
	       a[2] >> 7, (a[2] >> 2) & 1, (a[2] >> 1) & 1, a[4] << 8 | a[5], a[6] << 8 | a[7],
	       a[8] << 8 | a[9], a[10] << 8 | a[11], n);
	if (canon)
		print_canon(a, n);
	close(fd);
	return 0;
}

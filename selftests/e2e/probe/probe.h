/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * warren-probe's shared pieces: options, the helpers the subcommands
 * share, and one entry point per subcommand (one file each: serve.c
 * with recv, check.c, raw.c with spoof and short, stream.c).
 */
#ifndef WARREN_PROBE_H
#define WARREN_PROBE_H

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

void usage(FILE *f);
long long now_ms(void);
int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len);
int parse_num(const char *s, long min, long max, long *out);
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
void put16(uint8_t *p, uint16_t v);
uint16_t get16(const uint8_t *p);
void raise_nofile(void);
int bind_any(int type, int port);

int cmd_serve(struct opts *o);
int cmd_recv(struct opts *o);
int cmd_check(struct opts *o);
int cmd_spoof(struct opts *o);
int cmd_short(struct opts *o);
int cmd_stream(struct opts *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's event loop: epoll over the control socket, the signalfd,
 * the DNS sockets and c-ares' upstream sockets, each fd with a callback.
 * Single-threaded, so a callback sees the model alone.
 */
#ifndef WARREN_LOOP_H
#define WARREN_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
typedef void (*loop_fn)(struct loop *l, int fd, uint32_t events, void *arg);

struct loop_watch {
	loop_fn fn;
	void *arg;
};

struct loop {
	int epfd;
	struct loop_watch *w;		/* indexed by fd */
	int nw;
	bool stop;
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);
/* Watch fd for events (EPOLLIN/EPOLLOUT); one watch per fd. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg);
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Safe inside a callback: events already fetched for fd are skipped. */
void loop_del(struct loop *l, int fd);
/* Wait up to timeout_ms (-1: forever) and run the callbacks of what is ready. */
int loop_run_once(struct loop *l, int timeout_ms);

#endif

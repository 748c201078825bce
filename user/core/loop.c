// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"

#define LOOP_BATCH 64

int loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_free(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->w);
	memset(l, 0, sizeof(*l));
	l->epfd = -1;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0)
		return -EBADF;
	if (fd >= l->nw) {
		int n = fd + 64;
		struct loop_watch *w = realloc(l->w, (size_t)n * sizeof(*w));

		if (!w)
			return -ENOMEM;
		memset(w + l->nw, 0, (size_t)(n - l->nw) * sizeof(*w));
		l->w = w;
		l->nw = n;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->w[fd] = (struct loop_watch){ .fn = fn, .arg = arg };
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void loop_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nw || !l->w[fd].fn)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->w[fd].fn = NULL;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_BATCH];
	int n = epoll_wait(l->epfd, ev, LOOP_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && !l->stop; i++) {
		int fd = ev[i].data.fd;

		/*
		 * A callback may have removed (and even reused) this fd: a
		 * removed one is skipped; a reused one sees a spurious
		 * readiness, which non-blocking sockets shrug off.
		 */
		if (fd < l->nw && l->w[fd].fn)
			l->w[fd].fn(l, fd, ev[i].events, l->w[fd].arg);
	}
	return n;
}

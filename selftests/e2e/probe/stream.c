// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stream: a steady TCP flow to an echo server, echoed bytes counted per interval. */
#include "probe.h"

/* ----------------------------------------------------------------- stream */

/* A TCP connection within STREAM_DEAD_MS; returns the fd or -errno. */
static int stream_connect(const struct sockaddr_storage *to, socklen_t tolen)
{
	unsigned int user_timeout = STREAM_DEAD_MS;
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int fd, err = 0, ret;

	fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Unacknowledged data fails the connection in seconds, not ~15 minutes. */
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	if (connect(fd, (const struct sockaddr *)to, tolen) && errno != EINPROGRESS) {
		ret = -errno;
		goto out;
	}
	pfd.fd = fd;
	ret = poll(&pfd, 1, STREAM_DEAD_MS);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	if (ret == 0) {
		ret = -ETIMEDOUT;
		goto out;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		ret = -err;
		goto out;
	}
	return fd;
out:
	close(fd);
	return ret;
}

int cmd_stream(struct opts *o)
{
	static char chunk[STREAM_CHUNK], sink[65536];
	long nint = o->seconds * 1000 / o->interval_ms, done = 0;
	long long sent = 0, total = 0, cur = 0, min_bytes = -1, stalls = 0, next;
	struct sockaddr_storage to;
	const char *what = NULL;
	socklen_t tolen;
	int fd, err = 0;
	ssize_t n;

	if (!o->dst || parse_addr(o->dst, (int)o->port, &to, &tolen)) {
		fprintf(stderr, "warren-probe stream: --dst wants an IP address%s%s\n",
			o->dst ? ", not " : "", o->dst ?: "");
		return 2;
	}
	if (nint < 1) {
		fprintf(stderr, "warren-probe stream: --interval-ms is longer than --seconds\n");
		return 2;
	}
	fd = stream_connect(&to, tolen);
	if (fd < 0) {
		fprintf(stderr, "warren-probe stream: connect to %s port %ld: %s\n", o->dst, o->port,
			strerror(-fd));
		return 1;
	}
	memset(chunk, 'w', sizeof(chunk));
	next = now_ms() + o->interval_ms;
	for (;;) {
		long long t = now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* Close every interval that has ended, empty ones included. */
		while (done < nint && t >= next) {
			stalls += cur == 0;
			if (min_bytes < 0 || cur < min_bytes)
				min_bytes = cur;
			cur = 0;
			done++;
			next += o->interval_ms;
		}
		if (done == nint)
			break;
		/* Bounded data in flight: a stalled path shows as empty intervals. */
		if (sent - total < STREAM_INFLIGHT)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, (int)(next - t)) < 0 && errno != EINTR) {
			what = "poll";
			err = errno;
			break;
		}
		if (pfd.revents & POLLERR) {
			socklen_t len = sizeof(err);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			what = "connection";
			err = err ?: ECONNRESET;
			break;
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			n = read(fd, sink, sizeof(sink));
			if (n == 0) {
				what = "connection closed by peer";
				break;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				what = "read";
				err = errno;
				break;
			}
			if (n > 0) {
				cur += n;
				total += n;
			}
		}
		if (pfd.revents & POLLOUT) {
			n = write(fd, chunk, sizeof(chunk));
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				what = "write";
				err = errno;
				break;
			}
			if (n > 0)
				sent += n;
		}
	}
	close(fd);
	printf("intervals=%ld min_bytes=%lld total=%lld stalls=%lld\n", done,
	       min_bytes < 0 ? 0 : min_bytes, total, stalls);
	if (what) {
		fprintf(stderr, "warren-probe stream: %s%s%s after %ld of %ld intervals\n", what,
			err ? ": " : "", err ? strerror(err) : "", done, nint);
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl/client.h"

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Whether buf[0, len) holds a whole message: an empty line, looked for
 * only from `from` on (what was read last), so a long answer is parsed
 * once, not again after every read.
 */
static bool msg_complete(const char *buf, size_t from, size_t len)
{
	if (len && buf[0] == '\n')
		return true;
	for (size_t i = from ? from - 1 : 0; i + 1 < len; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return true;
	return false;
}

int client_call(const char *sock_path, const struct kv *req, struct kv *resp)
{
	char err[512];
	int ret = client_request(sock_path, req, resp, err, sizeof(err));

	if (ret)
		fprintf(stderr, "warrenctl: %s\n", err);
	return ret;
}

int client_request(const char *sock_path, const struct kv *req, struct kv *resp, char *err,
		   size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* Adding an endpoint does real kernel work; give it time. */
	struct timeval tv = { .tv_sec = 30 };
	size_t len = 0, cap = 65536, out_len;
	char *buf = NULL, *out = NULL;
	int fd, ret;

	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", sock_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		snprintf(err, errlen, "cannot reach warrend at %s: %s (is warrend running?)",
			 sock_path, strerror(-ret));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = kv_format(req, &out, &out_len);
	if (!ret)
		ret = send_all(fd, out, out_len);
	buf = malloc(cap);
	if (!ret && !buf)
		ret = -ENOMEM;
	while (!ret) {
		ssize_t n;

		if (len == cap) {
			char *bigger = cap < KV_MAX_MSG ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				ret = -EMSGSIZE;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0) {
			ret = -ECONNRESET;
			break;
		}
		len += (size_t)n;
		if (!msg_complete(buf, len - (size_t)n, len))
			continue;
		ret = kv_parse(buf, len, resp);
		if (ret >= 0)
			ret = 0;
		break;
	}
	if (ret)
		snprintf(err, errlen, "talking to warrend at %s: %s", sock_path, strerror(-ret));
out:
	free(out);
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

int client_open(const char *sock_path, const struct kv *req, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t out_len;
	char *out = NULL;
	int fd, ret;

	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", sock_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		snprintf(err, errlen, "cannot reach warrend at %s: %s (is warrend running?)",
			 sock_path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = kv_format(req, &out, &out_len);
	if (!ret)
		ret = send_all(fd, out, out_len);
	free(out);
	if (ret) {
		snprintf(err, errlen, "talking to warrend at %s: %s", sock_path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

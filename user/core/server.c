// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's main loop: the control socket (one request per connection,
 * answered in order, or a monitor's stream of events), signals, and the
 * DNS shim's sockets.
 * The agent is single-threaded on purpose: requests are serialised, so a
 * handler sees and changes the model, the kernel and the state file alone,
 * and a DNS answer never sees half a change.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "core/agent.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "metrics/metrics_http.h"

static const struct {
	const char *cmd;
	handler_fn fn;
} handlers[] = {
	{ "project-add", handle_project_add },
	{ "project-del", handle_project_del },
	{ "project-list", handle_project_list },
	{ "env-add", handle_env_add },
	{ "env-del", handle_env_del },
	{ "env-list", handle_env_list },
	{ "endpoint-add", handle_endpoint_add },
	{ "endpoint-del", handle_endpoint_del },
	{ "endpoint-list", handle_endpoint_list },
	{ "endpoint-env", handle_endpoint_env },
	{ "service-rename", handle_service_rename },
	{ "status", handle_status },
	{ "apply", handle_apply },
	{ "host-add", handle_host_add },
	{ "host-del", handle_host_del },
	{ "host-list", handle_host_list },
	{ "attachment-add", handle_attachment_add },
	{ "attachment-del", handle_attachment_del },
	{ "attachment-check", handle_attachment_check },
	{ "attachment-gc", handle_attachment_gc },
	{ "events-set", handle_events_set },
};

static void dispatch(struct agent *a, const struct kv *req, struct kv *resp)
{
	const char *cmd = kv_get(req, "cmd");
	char err[ERR_SIZE] = "";
	int ret = -EOPNOTSUPP;

	for (size_t i = 0; cmd && i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(cmd, handlers[i].cmd))
			continue;
		ret = handlers[i].fn(a, req, resp, err);
		break;
	}
	if (ret == -EOPNOTSUPP && !err[0])
		snprintf(err, sizeof(err), "unknown command \"%s\"", cmd ? cmd : "");
	if (ret) {
		/* A failed request answers with its reason only, never half a result. */
		kv_free(resp);
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-ret));
		kv_add(resp, "error", err);
		pr_debug("%s: %s\n", cmd ? cmd : "(none)", err);
	}
	kv_addf(resp, "errno", "%d", -ret);
}

/* Requests are small, except a fleet state (apply): grow up to KV_MAX_REQUEST. */
static int read_request(int fd, struct kv *req)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int ret = buf ? -EAGAIN : -ENOMEM;

	while (ret == -EAGAIN) {
		ssize_t n;

		if (len == cap) {
			char *bigger = cap < KV_MAX_REQUEST ? realloc(buf, cap * 4) : NULL;

			if (!bigger) {
				ret = -EMSGSIZE;
				break;
			}
			buf = bigger;
			cap *= 4;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -ECONNRESET;
			break;
		}
		len += (size_t)n;
		ret = kv_parse(buf, len, req);
		if (ret >= 0)
			ret = 0;
	}
	free(buf);
	return ret;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Answer one request; false when the connection was kept (a monitor's stream). */
static bool serve_one(struct agent *a, int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	struct kv req, resp;
	char *out;
	size_t len;
	int ret;

	/* A client that connects and says nothing must not hold the agent. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	kv_init(&resp);
	ret = read_request(fd, &req);
	if (!ret && kv_get(&req, "cmd") && !strcmp(kv_get(&req, "cmd"), "monitor")) {
		obs_monitor_start(a, fd, &req);
		kv_free(&req);
		kv_free(&resp);
		return false;
	}
	if (ret) {
		kv_add(&resp, "error", ret == -EINVAL ? "malformed request" :
				       ret == -EMSGSIZE ? "request too large" : strerror(-ret));
		kv_addf(&resp, "errno", "%d", -ret);
	} else {
		dispatch(a, &req, &resp);
		kv_free(&req);
	}
	if (!kv_format(&resp, &out, &len)) {
		write_all(fd, out, len);
		free(out);
	}
	kv_free(&resp);
	return true;
}

static int listen_on(const char *path, char *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)];
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, ERR_SIZE, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
		*strrchr(dir, '/') = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A socket that answers belongs to a running agent: do not steal it. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, ERR_SIZE, "another warrend is serving %s", path);
		return -EADDRINUSE;
	}
	unlink(path);
	umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 64))
		goto fail;
	return fd;
fail:
	ret = -errno;
	snprintf(err, ERR_SIZE, "control socket %s: %s", path, strerror(-ret));
	if (fd >= 0)
		close(fd);
	return ret;
}

static void on_control(struct loop *l, int fd, uint32_t events, void *arg)
{
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd >= 0 && serve_one(arg, cfd))
		close(cfd);
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	l->stop = true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sooner of what the DNS shim, the metrics endpoint and the directory wait for (ms, -1: nothing). */
static int next_timeout(struct agent *a)
{
	int t = a->dns_on ? dns_server_timeout_ms(&a->dns) : -1;
	int m = metrics_http_timeout_ms(a->metrics);
	int d = directory_timeout_ms(a);

	t = t < 0 ? m : m < 0 ? t : t < m ? t : m;
	return t < 0 ? d : d < 0 ? t : t < d ? t : d;
}

int server_run(struct agent *a, char *err)
{
	sigset_t mask;
	int lfd, sfd, ret;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		snprintf(err, ERR_SIZE, "signalfd: %s", strerror(errno));
		return -errno;
	}
	lfd = listen_on(a->sock_path, err);
	if (lfd < 0) {
		close(sfd);
		return lfd;
	}
	ret = loop_add(&a->loop, lfd, EPOLLIN, on_control, a);
	if (!ret)
		ret = loop_add(&a->loop, sfd, EPOLLIN, on_signal, a);
	if (ret) {
		snprintf(err, ERR_SIZE, "event loop: %s", strerror(-ret));
		goto out;
	}
	pr_info("serving %s\n", a->sock_path);
	while (!a->loop.stop) {
		int t = next_timeout(a);
		int64_t due = t >= 0 ? now_ms() + t : -1;

		ret = loop_run_once(&a->loop, t);
		if (ret < 0) {
			snprintf(err, ERR_SIZE, "event loop: %s", strerror(-ret));
			break;
		}
		ret = 0;
		/* etcd's answers and timers; publishing what the event changed, applying the view. */
		directory_tick(a);
		/* Whatever the event changed, the datapath's names follow (only the differences). */
		dnsfast_sync(a);
		/* Upstream timeouts, idle TCP clients, metrics deadlines, when their time has come. */
		if (due >= 0 && now_ms() >= due) {
			if (a->dns_on)
				dns_server_tick(&a->dns);
			metrics_http_tick(a->metrics);
		}
	}
	pr_info("stopping; the datapath stays in place\n");
out:
	loop_del(&a->loop, lfd);
	loop_del(&a->loop, sfd);
	unlink(a->sock_path);
	close(lfd);
	close(sfd);
	return ret;
}

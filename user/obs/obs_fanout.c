// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Monitors: control connections that asked for `monitor` and became a
 * stream of events, one kv message each, as the loop reads them from the
 * ring. Each has a filter and a bounded buffer written without blocking;
 * a monitor that reads slower than events come loses the ones that do not
 * fit (counted, and told with a `record=lost` message once there is room),
 * so no client can stall the agent, its DNS answers or the other monitors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/agent.h"
#include "obs/obs.h"
#include "lib/log.h"

static struct obs_client *client_of(struct obs *o, int fd)
{
	for (size_t i = 0; i < o->n_clients; i++)
		if (o->clients[i].fd == fd)
			return &o->clients[i];
	return NULL;
}

static void client_close(struct agent *a, struct obs_client *c)
{
	struct obs *o = &a->obs;

	loop_del(&a->loop, c->fd);
	close(c->fd);
	free(c->buf);
	pr_debug("monitor on fd %d gone: %llu events sent, %llu dropped\n", c->fd,
		 (unsigned long long)c->sent, (unsigned long long)c->dropped);
	*c = o->clients[--o->n_clients];
}

/* Append a whole message or nothing. */
static bool client_queue(struct obs_client *c, const char *msg, size_t len)
{
	if (OBS_CLIENT_BUF - (c->tail - c->head) < len)
		return false;
	if (OBS_CLIENT_BUF - c->tail < len) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	memcpy(c->buf + c->tail, msg, len);
	c->tail += len;
	return true;
}

/* Write what the socket takes now; false when the client is gone. */
static bool client_flush(struct agent *a, struct obs_client *c)
{
	while (c->head < c->tail) {
		ssize_t n = write(c->fd, c->buf + c->head, c->tail - c->head);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_mod(&a->loop, c->fd, EPOLLIN | EPOLLOUT);
			return true;
		}
		if (n <= 0)
			return false;
		c->head += (size_t)n;
	}
	c->head = c->tail = 0;
	loop_mod(&a->loop, c->fd, EPOLLIN);
	return true;
}

static int queue_kv(struct obs_client *c, const struct kv *kv)
{
	char *msg;
	size_t len;
	int ret = kv_format(kv, &msg, &len);

	if (ret)
		return ret;
	ret = client_queue(c, msg, len) ? 0 : -ENOBUFS;
	free(msg);
	return ret;
}

/* Tell a monitor what it missed, once it has room again. */
static bool queue_lost(struct obs_client *c)
{
	struct kv kv;
	bool ok;

	if (!c->lost_pending)
		return true;
	kv_init(&kv);
	ok = !kv_add(&kv, "record", "lost") &&
	     !kv_addf(&kv, "count", "%llu", (unsigned long long)c->lost_pending) &&
	     !queue_kv(c, &kv);
	kv_free(&kv);
	if (ok)
		c->lost_pending = 0;
	return ok;
}

/* The client says nothing after its request: anything readable is its end. */
static void on_client(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct agent *a = arg;
	struct obs_client *c = client_of(&a->obs, fd);
	char junk[256];

	if (!c)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = read(fd, junk, sizeof(junk));

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
		    (events & (EPOLLHUP | EPOLLERR))) {
			client_close(a, c);
			return;
		}
	}
	if ((events & EPOLLOUT) && !client_flush(a, c))
		client_close(a, c);
}

/* A refusal before the stream starts: one answer, as any request gets. */
static void refuse(int fd, int err_no, const char *why)
{
	struct kv resp;
	char *out;
	size_t len;

	kv_init(&resp);
	kv_add(&resp, "error", why);
	kv_addf(&resp, "errno", "%d", err_no);
	if (!kv_format(&resp, &out, &len)) {
		if (write(fd, out, len) < 0)
			pr_debug("monitor refusal: %s\n", strerror(errno));
		free(out);
	}
	kv_free(&resp);
	close(fd);
}

void obs_monitor_start(struct agent *a, int fd, const struct kv *req)
{
	struct obs *o = &a->obs;
	struct obs_client *c;
	char err[ERR_SIZE] = "";
	struct obs_filter f;
	struct kv ack;
	int ret;

	if (obs_filter_parse(req, &f, err)) {
		refuse(fd, EINVAL, err);
		return;
	}
	if (!o->rb) {
		refuse(fd, EOPNOTSUPP, "events are not being read (the agent has no ring)");
		return;
	}
	if (o->n_clients >= OBS_MAX_MONITORS) {
		snprintf(err, sizeof(err), "%d monitors already: no room for another", OBS_MAX_MONITORS);
		refuse(fd, EBUSY, err);
		return;
	}
	c = &o->clients[o->n_clients];
	*c = (struct obs_client){ .fd = fd, .filter = f, .buf = malloc(OBS_CLIENT_BUF) };
	if (!c->buf || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    loop_add(&a->loop, fd, EPOLLIN, on_client, a)) {
		free(c->buf);
		refuse(fd, ENOMEM, "cannot take another monitor");
		return;
	}
	o->n_clients++;
	/* The answer to the request; events follow on the same connection. */
	kv_init(&ack);
	ret = kv_add(&ack, "record", "monitor") ?: kv_add(&ack, "errno", "0") ?: queue_kv(c, &ack);
	kv_free(&ack);
	if (ret || !client_flush(a, c))
		client_close(a, c);
}

static uint64_t wall_ns_of(uint64_t ktime_ns)
{
	struct timespec mono, real;
	int64_t off;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	off = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	return (uint64_t)((int64_t)ktime_ns + off);
}

void obs_fanout(struct agent *a, const struct warren_event *ev)
{
	struct obs *o = &a->obs;
	struct obs_who src, dst;
	char *msg = NULL;
	size_t len = 0;

	/* Nobody watching: nothing to name. */
	if (!o->n_clients)
		return;
	obs_names_resolve(&o->names, &a->model, a->mesh.applied ? &a->mesh.fleet : NULL,
			  a->mesh.on ? a->mesh.self : "", ev, &src, &dst);
	for (size_t i = 0; i < o->n_clients; i++) {
		struct obs_client *c = &o->clients[i];

		if (!obs_filter_match(&c->filter, ev, &src, &dst))
			continue;
		if (!msg) {
			struct kv kv;
			int ret;

			kv_init(&kv);
			ret = obs_event_kv(ev, &src, &dst, wall_ns_of(ev->ktime_ns), &kv) ?:
			      kv_format(&kv, &msg, &len);
			kv_free(&kv);
			if (ret) {
				pr_warn("formatting an event: %s\n", strerror(-ret));
				return;
			}
		}
		if (queue_lost(c) && client_queue(c, msg, len)) {
			c->sent++;
			o->client_sent++;
		} else {
			c->dropped++;
			c->lost_pending++;
			o->client_dropped++;
		}
	}
	free(msg);
}

/* After a batch from the ring: one write per monitor, not one per event. */
void obs_flush(struct agent *a)
{
	struct obs *o = &a->obs;

	for (size_t i = o->n_clients; i-- > 0;)
		if (o->clients[i].tail > o->clients[i].head && !client_flush(a, &o->clients[i]))
			client_close(a, &o->clients[i]);
}

void obs_clients_close(struct agent *a)
{
	while (a->obs.n_clients)
		client_close(a, &a->obs.clients[a->obs.n_clients - 1]);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <ares.h>

#include "lib/addr.h"
#include "dns/dns_forward.h"
#include "lib/log.h"
#include "core/model.h"
#include "lib/names.h"

/*
 * Two channels: one that starts over UDP (and moves to TCP on TC), one
 * that uses TCP from the start for clients that asked over TCP.
 */
struct channel {
	struct dns_forward *f;
	ares_channel ch;
};

struct dns_forward {
	struct loop *loop;
	struct channel udp, tcp;
	size_t pending;
};

struct request {
	struct dns_forward *f;
	dns_forward_done done;
	void *arg;
};

static int check_server(const char *s)
{
	char host[ADDR_STRLEN];
	const char *port = NULL, *end;
	uint32_t a4, p;
	uint8_t a6[16];

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		port = end[1] ? end + 2 : NULL;
		s++;
	} else if (strchr(s, ':') && strchr(s, ':') == strrchr(s, ':')) {
		end = strchr(s, ':');	/* one colon: IPv4 with a port */
		port = end + 1;
	} else {
		end = s + strlen(s);	/* IPv4, or IPv6 without a port */
	}
	if ((size_t)(end - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(end - s));
	host[end - s] = '\0';
	if (addr4_parse(host, &a4) && addr6_parse(host, a6))
		return -EINVAL;
	if (port && (u32_parse(port, 65535, &p) || !p))
		return -EINVAL;
	return 0;
}

int dns_forward_check_servers(const char *servers, char *err)
{
	char buf[1024], *save = NULL;

	if (!servers || !*servers || strlen(servers) >= sizeof(buf)) {
		snprintf(err, ERR_SIZE, "upstream server list is empty or too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", servers);
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (check_server(s)) {
			snprintf(err, ERR_SIZE, "upstream server \"%s\" is not addr[:port] or "
				 "[v6addr]:port with a port of 1..65535", s);
			return -EINVAL;
		}
	}
	if (servers[strlen(servers) - 1] == ',' || servers[0] == ',' || strstr(servers, ",,")) {
		snprintf(err, ERR_SIZE, "upstream server list \"%s\" has an empty entry", servers);
		return -EINVAL;
	}
	return 0;
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct channel *c = arg;
	ares_socket_t r = events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD;
	ares_socket_t w = events & EPOLLOUT ? fd : ARES_SOCKET_BAD;

	ares_process_fd(c->ch, r, w);
}

/* c-ares opens and closes its upstream sockets; mirror them in the loop. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct channel *c = data;
	uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);

	if (!ev) {
		loop_del(c->f->loop, fd);
		return;
	}
	if (loop_mod(c->f->loop, fd, ev) == -ENOENT && loop_add(c->f->loop, fd, ev, on_ready, c))
		pr_warn("dns: cannot watch upstream socket %d\n", fd);
}

static int status_errno(int status)
{
	switch (status) {
	case ARES_SUCCESS: return 0;
	case ARES_ETIMEOUT: return -ETIMEDOUT;
	case ARES_ECONNREFUSED: return -ECONNREFUSED;
	case ARES_ENOMEM: return -ENOMEM;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED: return -ECANCELED;
	case ARES_EBADQUERY: return -EINVAL;
	default: return -EIO;	/* SERVFAIL, REFUSED, bad responses from every server */
	}
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct request *r = arg;
	int err = status_errno(status);

	r->f->pending--;
	if (!err && (!abuf || alen <= 0))
		err = -EIO;
	r->done(r->arg, err, err ? NULL : abuf, err ? 0 : (size_t)alen);
	free(r);
}

static int channel_init(struct channel *c, struct dns_forward *f, bool tcp, const char *servers,
			const char *resolv_conf, int timeout_ms, int tries, char *err)
{
	struct ares_options o = {
		.flags = tcp ? ARES_FLAG_USEVC : 0,
		.timeout = timeout_ms,
		.tries = tries,
		.sock_state_cb = sock_state,
		.sock_state_cb_data = c,
		.resolvconf_path = (char *)(resolv_conf ? resolv_conf : "/etc/resolv.conf"),
	};
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
		   ARES_OPT_RESOLVCONF;
	int ret;

	c->f = f;
	ret = ares_init_options(&c->ch, &o, mask);
	if (ret != ARES_SUCCESS) {
		snprintf(err, ERR_SIZE, "c-ares: %s", ares_strerror(ret));
		c->ch = NULL;
		return -EINVAL;
	}
	if (servers) {
		ret = ares_set_servers_ports_csv(c->ch, servers);
		if (ret != ARES_SUCCESS) {
			snprintf(err, ERR_SIZE, "upstream servers \"%s\": %s", servers,
				 ares_strerror(ret));
			ares_destroy(c->ch);
			c->ch = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

int dns_forward_init(struct dns_forward **out, struct loop *l, const char *servers,
		     const char *resolv_conf, int timeout_ms, int tries, char *err)
{
	struct dns_forward *f;
	int ret;

	ret = ares_library_init(ARES_LIB_INIT_ALL);
	if (ret != ARES_SUCCESS) {
		snprintf(err, ERR_SIZE, "c-ares: %s", ares_strerror(ret));
		return -ENOMEM;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	f->loop = l;
	ret = channel_init(&f->udp, f, false, servers, resolv_conf, timeout_ms, tries, err);
	if (!ret)
		ret = channel_init(&f->tcp, f, true, servers, resolv_conf, timeout_ms, tries, err);
	if (ret) {
		dns_forward_free(f);
		return ret;
	}
	*out = f;
	return 0;
}

void dns_forward_free(struct dns_forward *f)
{
	if (!f)
		return;
	if (f->udp.ch)
		ares_destroy(f->udp.ch);
	if (f->tcp.ch)
		ares_destroy(f->tcp.ch);
	free(f);
	ares_library_cleanup();
}

int dns_forward_send(struct dns_forward *f, const uint8_t *query, size_t len, bool tcp,
		     dns_forward_done done, void *arg)
{
	struct request *r;

	if (f->pending >= DNS_FORWARD_MAX_PENDING)
		return -EBUSY;
	if (len > 65535)
		return -EMSGSIZE;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct request){ .f = f, .done = done, .arg = arg };
	f->pending++;
	ares_send(tcp ? f->tcp.ch : f->udp.ch, query, (int)len, on_answer, r);
	return 0;
}

static int channel_timeout_ms(ares_channel ch)
{
	struct timeval tv, *t = ares_timeout(ch, NULL, &tv);

	if (!t)
		return -1;
	return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

int dns_forward_timeout_ms(struct dns_forward *f)
{
	int a = channel_timeout_ms(f->udp.ch), b = channel_timeout_ms(f->tcp.ch);

	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

void dns_forward_tick(struct dns_forward *f)
{
	ares_process_fd(f->udp.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	ares_process_fd(f->tcp.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

size_t dns_forward_pending(const struct dns_forward *f)
{
	return f->pending;
}

void dns_forward_servers(struct dns_forward *f, char *buf, size_t len)
{
	struct ares_addr_port_node *list = NULL;
	size_t off = 0;

	buf[0] = '\0';
	if (ares_get_servers_ports(f->udp.ch, &list) != ARES_SUCCESS)
		return;
	for (struct ares_addr_port_node *s = list; s && off < len; s = s->next) {
		char a[INET6_ADDRSTRLEN] = "?";
		int port = s->udp_port ? s->udp_port : 53;

		inet_ntop(s->family, &s->addr, a, sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, s->family == AF_INET6 ?
					"%s[%s]:%d" : "%s%s:%d", off ? "," : "", a, port);
	}
	ares_free_data(list);
}

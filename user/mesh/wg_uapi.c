// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wireguard-go, for kernels without WireGuard: started (or adopted, after
 * an agent restart) per device, configured through its UAPI socket with
 * the cross-platform text protocol (key=value lines, an empty line ends a
 * message, "errno=N" answers). Every exchange has a deadline, so a hung
 * wireguard-go costs a timeout, not the agent.
 *
 * The socket directory is global, not per network namespace: two devices
 * of the same name in two namespaces would share a socket path, so names
 * must be unique on the machine (the agent's --wg-device).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>

#include "lib/log.h"
#include "core/model.h"
#include "mesh/wg.h"

#define UAPI_DIR "/var/run/wireguard"
#define UAPI_TIMEOUT_S 5
#define START_TIMEOUT_MS 10000

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One exchange: send req, read the answer up to its empty line. */
static int uapi_call(struct wg_dev *d, const char *req, char **resp)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_S };
	size_t len = 0, cap = 4096, n = strlen(req);
	char *buf = NULL;
	int fd, ret = 0;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", d->uapi_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		goto out;
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);

		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)w;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *bigger = cap < (1 << 22) ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				ret = -EMSGSIZE;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r <= 0) {
			ret = r < 0 ? -errno : -ECONNRESET;
			break;
		}
		len += (size_t)r;
		buf[len] = '\0';
		if ((len >= 2 && !strcmp(buf + len - 2, "\n\n")) || !strcmp(buf, "\n"))
			break;
	}
	if (!buf)
		ret = -ENOMEM;
out:
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*resp = buf;
	return 0;
}

/* A set= or get= exchange; the answer's errno as -errno. */
static int uapi_do(struct wg_dev *d, const char *req, char **resp_out, const char *what,
		   char *err)
{
	char *resp = NULL, *e;
	int ret = uapi_call(d, req, &resp);

	if (ret) {
		snprintf(err, ERR_SIZE, "%s: %s via %s: %s", d->ifname, what, d->uapi_path,
			 strerror(-ret));
		return ret;
	}
	e = strstr(resp, "errno=");
	ret = e ? -atoi(e + 6) : -EPROTO;
	if (ret)
		snprintf(err, ERR_SIZE, "%s: %s: wireguard-go says %s", d->ifname, what,
			 strerror(-ret));
	if (!ret && resp_out)
		*resp_out = resp;
	else
		free(resp);
	return ret;
}

static bool uapi_answers(struct wg_dev *d)
{
	char *resp = NULL;
	bool ok = uapi_call(d, "get=1\n\n", &resp) == 0 && strstr(resp, "errno=0");

	free(resp);
	return ok;
}

/* Run wireguard-go IFNAME; it forks its daemon and exits 0 once the device is up. */
static int spawn(struct wg_dev *d, char *err)
{
	const char *prog = getenv("WARREN_WIREGUARD_GO") ?: "wireguard-go";
	char log[160], tail[160] = "";
	int status = 0, fd, waited = 0;
	pid_t pid, w;

	mkdir(UAPI_DIR, 0755);
	snprintf(log, sizeof(log), UAPI_DIR "/%s.log", d->ifname);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid = fork();
	if (pid < 0) {
		snprintf(err, ERR_SIZE, "starting %s: %s", prog, strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		/* The daemon inherits these: a file, never a pipe it could lose. */
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(fd >= 0 ? fd : null, 1);
		dup2(fd >= 0 ? fd : null, 2);
		unsetenv("WG_PROCESS_FOREGROUND");
		execlp(prog, prog, d->ifname, (char *)NULL);
		_exit(127);
	}
	if (fd >= 0)
		close(fd);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && waited < START_TIMEOUT_MS) {
		sleep_ms(20);
		waited += 20;
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, ERR_SIZE, "%s %s: no answer in %d s", prog, d->ifname,
			 START_TIMEOUT_MS / 1000);
		return -ETIMEDOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		FILE *f = fopen(log, "re");

		if (f) {
			char line[160];

			while (fgets(line, sizeof(line), f))
				if (line[0] != '\n')
					snprintf(tail, sizeof(tail), "%s", line);
			fclose(f);
			tail[strcspn(tail, "\n")] = '\0';
		}
		snprintf(err, ERR_SIZE, "%s %s failed (%s %d)%s%s", prog, d->ifname,
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 tail[0] ? ": " : "", tail);
		return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
	}
	return 0;
}

int wg_uapi_start(struct wg_dev *d, char *err)
{
	int ret;

	snprintf(d->uapi_path, sizeof(d->uapi_path), UAPI_DIR "/%s.sock", d->ifname);
	d->kind = WG_KIND_USERSPACE;
	/* Adopt: the device is here and its wireguard-go answers. */
	if (if_nametoindex(d->ifname) && uapi_answers(d))
		return 0;
	if (if_nametoindex(d->ifname)) {
		snprintf(err, ERR_SIZE, "%s exists but no wireguard-go answers on %s", d->ifname,
			 d->uapi_path);
		return -EEXIST;
	}
	unlink(d->uapi_path);	/* a stale socket of a wireguard-go that died */
	ret = spawn(d, err);
	if (ret)
		return ret;
	for (int i = 0; i < 250 && !uapi_answers(d); i++)
		sleep_ms(20);
	if (!uapi_answers(d)) {
		snprintf(err, ERR_SIZE, "wireguard-go %s: no UAPI socket at %s", d->ifname,
			 d->uapi_path);
		return -ETIMEDOUT;
	}
	d->created = true;
	return 0;
}

int wg_uapi_set_device(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], uint16_t port, char *err)
{
	char hex[WG_KEY_HEX_LEN + 1], req[200];
	int ret;

	wg_key_to_hex(key, hex);
	snprintf(req, sizeof(req), "set=1\nprivate_key=%s\nlisten_port=%u\n\n", hex, port);
	ret = uapi_do(d, req, NULL, "setting key and port", err);
	memset(hex, 0, sizeof(hex));
	memset(req, 0, sizeof(req));
	return ret;
}

int wg_uapi_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err)
{
	char hex[WG_KEY_HEX_LEN + 1], addr[INET6_ADDRSTRLEN], a4[ADDR_STRLEN], a6[ADDR_STRLEN];
	char req[1024];
	int n;

	wg_key_to_hex(p->public_key, hex);
	inet_ntop(p->family, p->addr, addr, sizeof(addr));
	n = snprintf(req, sizeof(req),
		     "set=1\npublic_key=%s\nendpoint=%s%s%s:%u\npersistent_keepalive_interval=%u\n"
		     "replace_allowed_ips=true\n", hex, p->family == AF_INET6 ? "[" : "", addr,
		     p->family == AF_INET6 ? "]" : "", p->port, p->keepalive);
	if (p->has4) {
		prefix4_format(&p->allowed4, a4, sizeof(a4));
		n += snprintf(req + n, sizeof(req) - (size_t)n, "allowed_ip=%s\n", a4);
	}
	if (p->has6) {
		prefix6_format(&p->allowed6, a6, sizeof(a6));
		n += snprintf(req + n, sizeof(req) - (size_t)n, "allowed_ip=%s\n", a6);
	}
	snprintf(req + n, sizeof(req) - (size_t)n, "\n");
	return uapi_do(d, req, NULL, "setting a peer", err);
}

int wg_uapi_remove_peer(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], char *err)
{
	char hex[WG_KEY_HEX_LEN + 1], req[200];

	wg_key_to_hex(key, hex);
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\nremove=true\n\n", hex);
	return uapi_do(d, req, NULL, "removing a peer", err);
}

int wg_uapi_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err)
{
	struct wg_peer_state *arr = NULL, *cur = NULL;
	char *resp = NULL, *save = NULL, *line;
	size_t cnt = 0;
	int ret = uapi_do(d, "get=1\n\n", &resp, "reading peers", err);

	if (ret)
		return ret;
	for (line = strtok_r(resp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "public_key")) {
			struct wg_peer_state *bigger = realloc(arr, (cnt + 1) * sizeof(*arr));

			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			arr = bigger;
			cur = &arr[cnt++];
			memset(cur, 0, sizeof(*cur));
			if (wg_key_from_hex(eq, cur->public_key))
				ret = -EPROTO;
		} else if (cur && !strcmp(line, "last_handshake_time_sec")) {
			cur->last_handshake = strtoll(eq, NULL, 10);
		} else if (cur && !strcmp(line, "rx_bytes")) {
			cur->rx_bytes = strtoull(eq, NULL, 10);
		} else if (cur && !strcmp(line, "tx_bytes")) {
			cur->tx_bytes = strtoull(eq, NULL, 10);
		}
	}
	free(resp);
	if (ret) {
		free(arr);
		snprintf(err, ERR_SIZE, "%s: reading peers: %s", d->ifname, strerror(-ret));
		return ret;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* After the link is gone: wireguard-go notices and exits; clean up after it. */
int wg_uapi_stop(struct wg_dev *d, char *err)
{
	char log[160];

	for (int i = 0; i < 100 && uapi_answers(d); i++)
		sleep_ms(20);
	if (uapi_answers(d)) {
		snprintf(err, ERR_SIZE, "wireguard-go %s still answers after its device went", d->ifname);
		return -EBUSY;
	}
	unlink(d->uapi_path);
	snprintf(log, sizeof(log), UAPI_DIR "/%s.log", d->ifname);
	unlink(log);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "dns/resolver.h"

#define NETNS_ETC "/etc/netns"
#define CONF_MARK "# written by warrend"

void resolver_addrs(const struct fabric_config *cfg, uint32_t *addr4, uint8_t addr6[16])
{
	prefix4_nth(&cfg->host4, SLOT_HOST, addr4);
	prefix6_nth(&cfg->host6, SLOT_HOST, addr6);
}

int resolver_host_setup(struct agent *a, char *err)
{
	uint32_t a4;
	uint8_t a6[16];
	struct wnl *nl;
	const char *step = "netlink";
	int lo, ret;

	resolver_addrs(&a->model.cfg, &a4, a6);
	ret = wnl_open(&nl);
	if (ret)
		goto out;
	step = "finding lo";
	lo = ret = wnl_link_index(nl, "lo");
	if (ret > 0) {
		step = "lo up";
		ret = wnl_link_set_up(nl, lo);
	}
	if (!ret) {
		step = "IPv4 resolver address on lo";
		ret = wnl_addr_add(nl, lo, AF_INET, &a4, 32);
		if (ret == -EEXIST)
			ret = 0;
	}
	if (!ret) {
		step = "IPv6 resolver address on lo";
		ret = wnl_addr_add(nl, lo, AF_INET6, a6, 128);
		if (ret == -EEXIST)
			ret = 0;
	}
	wnl_close(nl);
out:
	if (ret < 0) {
		snprintf(err, ERR_SIZE, "%s: %s", step, strerror(-ret));
		return ret;
	}
	return maps_host_put(&a->dp, err);
}

void resolver_host_teardown(struct agent *a)
{
	uint32_t a4;
	uint8_t a6[16];
	struct wnl *nl;
	int lo;

	resolver_addrs(&a->model.cfg, &a4, a6);
	if (wnl_open(&nl))
		return;
	lo = wnl_link_index(nl, "lo");
	if (lo > 0) {
		wnl_addr_del(nl, lo, AF_INET, &a4, 32);
		wnl_addr_del(nl, lo, AF_INET6, a6, 128);
	}
	wnl_close(nl);
}

/* Only a netns name maps to /etc/netns/<name>; a path has no such place. */
static bool conf_path(const struct endpoint *ep, char *dir, size_t dlen, char *path, size_t plen)
{
	if (strchr(ep->netns, '/'))
		return false;
	snprintf(dir, dlen, NETNS_ETC "/%s", ep->netns);
	snprintf(path, plen, NETNS_ETC "/%s/resolv.conf", ep->netns);
	return true;
}

int resolver_conf_write(const struct agent *a, const struct endpoint *ep, char *err)
{
	char dir[NETNS_SIZE + 32], path[NETNS_SIZE + 48], tmp[NETNS_SIZE + 64];
	char a4s[ADDR_STRLEN], a6s[ADDR_STRLEN], body[1024];
	uint32_t a4;
	uint8_t a6[16];
	int fd, len, ret = 0;

	if (!conf_path(ep, dir, sizeof(dir), path, sizeof(path)))
		return 0;
	resolver_addrs(&a->model.cfg, &a4, a6);
	addr4_format(a4, a4s, sizeof(a4s));
	addr6_format(a6, a6s, sizeof(a6s));
	/*
	 * Only our resolvers: a public one beside them would answer internal
	 * names NXDOMAIN first for resolvers that ask all servers at once
	 * (musl does), and would hear the names workloads look up.
	 */
	len = snprintf(body, sizeof(body),
		       CONF_MARK " for endpoint %u (%s/%s/%s replica %u)\n"
		       "%s%s%s"
		       "nameserver %s\n"
		       "search %s\n"
		       "options ndots:1 timeout:2 attempts:3\n",
		       ep->id, ep->project, ep->env, ep->service, ep->replica,
		       ep->has_v4 ? "nameserver " : "", ep->has_v4 ? a4s : "",
		       ep->has_v4 ? "\n" : "", a6s, a->dns.cfg.domain);
	mkdir(NETNS_ETC, 0755);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		ret = -errno;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), "%s.warren-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (write(fd, body, (size_t)len) != len || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	/* Atomic: a workload starting now reads the old file or the new one. */
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (!ret)
		return 0;
	unlink(tmp);
fail:
	snprintf(err, ERR_SIZE, "writing %s: %s", path, strerror(-ret));
	return ret;
}

void resolver_conf_remove(const struct endpoint *ep)
{
	char dir[NETNS_SIZE + 32], path[NETNS_SIZE + 48], head[sizeof(CONF_MARK)] = "";
	FILE *f;

	if (!conf_path(ep, dir, sizeof(dir), path, sizeof(path)))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(head, sizeof(head), f))
		head[0] = '\0';
	fclose(f);
	/* Someone else's file (their own resolv.conf for that netns) stays. */
	if (strcmp(head, CONF_MARK))
		return;
	unlink(path);
	rmdir(dir);	/* only if empty */
}

int resolver_probe(struct agent *a, const struct endpoint *ep, char *err)
{
	char name[NAME_SIZE + 256];
	int nsfd, ret;

	if (!a->dns_on)
		return 0;
	nsfd = netns_open(ep->netns);
	if (nsfd < 0) {
		snprintf(err, ERR_SIZE, "netns \"%s\": %s", ep->netns, strerror(-nsfd));
		return nsfd;
	}
	snprintf(name, sizeof(name), "%s.%s", ep->service, a->dns.cfg.domain);
	ret = dns_server_probe(&a->dns, nsfd, !ep->has_v4, name, !ep->build, err);
	close(nsfd);
	return ret;
}

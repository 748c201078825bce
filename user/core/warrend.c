// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * warrend: the per-host agent. Loads the datapath (re-adopting what an
 * earlier instance pinned), brings the kernel in line with the saved
 * state, and serves warrenctl on a UNIX socket. Stopping it leaves the
 * datapath running; `--teardown` removes everything it made.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/attach.h"
#include "core/statefile.h"
#include "directory/directory.h"
#include "dns/resolver.h"
#include "lib/log.h"
#include "lib/names.h"
#include "metrics/metrics_collect.h"
#include "metrics/metrics_http.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/warren"
#define DEFAULT_SOCKET "/run/warren/warrend.sock"
#define DEFAULT_STATE "/var/lib/warren/state"

/* Directory mode's settings, from the command line. */
static struct directory_config dir_cfg = {
	.prefix = DIR_DEFAULT_PREFIX,
	.lease_ttl = DIR_DEFAULT_LEASE_TTL,
	.port = FLEET_DEFAULT_PORT,
	.keepalive = FLEET_DEFAULT_KEEPALIVE,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: warrend [options]\n"
		"  --fabric4 PREFIX   IPv4 prefix of the whole fabric (default 10.210.0.0/16)\n"
		"  --fabric6 PREFIX   IPv6 prefix of the whole fabric (default fd77:7761:7272::/48)\n"
		"  --host4 PREFIX     this host's IPv4 share (default 10.210.1.0/24)\n"
		"  --host6 PREFIX     this host's IPv6 share (default fd77:7761:7272:1::/64)\n"
		"  --pin-dir DIR      bpffs directory for maps and links (default " DEFAULT_PIN_DIR ")\n"
		"  --socket PATH      control socket (default " DEFAULT_SOCKET ")\n"
		"  --state PATH       state file (default " DEFAULT_STATE ")\n"
		"  --hook MODE        auto, tcx or clsact (default auto: tcx where the kernel has it)\n"
		"  --dns-domain NAME  the fabric's DNS domain (default " DNS_DEFAULT_DOMAIN ")\n"
		"  --dns-ttl SECONDS  TTL of internal answers (default 5)\n"
		"  --dns-port PORT    port of the resolver (default 53)\n"
		"  --dns-upstream LIST  upstream resolvers, addr[:port],... (default: resolv.conf)\n"
		"  --dns-resolv-conf PATH  where upstreams are read from (default /etc/resolv.conf)\n"
		"  --dns-timeout MS   per upstream attempt, 2 attempts (default 1000)\n"
		"  --no-dns           serve no DNS (workloads get no resolv.conf)\n"
		"  --no-dns-fast      the shim answers every query (no answers from the datapath)\n"
		"  --host NAME        this host's name in the fleet state (joins the mesh)\n"
		"  --wg-private-key FILE  its WireGuard private key, base64 as `wg genkey` writes it\n"
		"  --wg-device NAME   the WireGuard device (default " MESH_DEFAULT_WG_IFNAME ")\n"
		"  --wg-mtu MTU       its MTU and the workloads' fabric route MTU (default 1420)\n"
		"  --wg-kernel-only   never fall back to wireguard-go\n"
		"  --wg-port PORT     its listen port, in this host's record (directory; default 51820)\n"
		"  --directory URLS   the fleet directory: etcd://H:P[,H:P...], http:// or https://\n"
		"                     lists (needs --host, --wg-private-key, --underlay; without\n"
		"                     --host4/--host6 a free prefix pair is claimed in etcd)\n"
		"  --directory-prefix P   its keys' prefix (default " DIR_DEFAULT_PREFIX ")\n"
		"  --directory-cacert FILE, --directory-cert FILE, --directory-key FILE\n"
		"                     TLS: the CA members are checked with, a client certificate\n"
		"  --directory-lease-ttl S  seconds this host's records outlive its agent (default %d)\n"
		"  --underlay ADDR    this host's underlay address, in its record (directory)\n"
		"  --event-rate N     drop events per second per environment and reason (default %d; 0: none)\n"
		"  --event-burst N    events a bucket may send at once (default %d)\n"
		"  --flow-sample N    a flow event for one delivered packet in N (default 0: none)\n"
		"  --uplink IFNAME    the underlay interface: guards against plaintext fabric traffic\n"
		"                     (receive: XDP or tc; transmit: tc)\n"
		"  --uplink-rx auto|xdp|tc  the receive guard's hook (auto: tc on a veth, else XDP)\n"
		"  --metrics [ADDR:]PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		"                     (ADDR default " METRICS_DEFAULT_ADDR ", [V6]:PORT for IPv6; off by default)\n"
		"  --teardown         remove every endpoint, pin and the state file, then exit\n"
		"  -v, --verbose      debug logging (libbpf and verifier messages included)\n"
		"  -h, --help\n", DIR_DEFAULT_LEASE_TTL, OBS_DEFAULT_RATE, OBS_DEFAULT_BURST);
}

static int teardown(struct agent *a, char *err)
{
	mesh_teardown(a);
	endpoints_teardown(a);
	resolver_host_teardown(a);
	datapath_close(&a->dp);
	if (unlink(a->state_path) && errno != ENOENT) {
		snprintf(err, ERR_SIZE, "%s: %s", a->state_path, strerror(errno));
		return -errno;
	}
	return datapath_unpin_all(a->pin_dir, err);
}

/* Open the datapath, bring the kernel in line, start DNS and the mesh, serve. */
static int run(struct agent *a, const struct fabric_config *cfg, enum hook_mode mode, bool dns,
	       bool dns_fast, bool do_teardown, char *err)
{
	struct dns_server_config *dc = &a->dns.cfg;
	int ret;

	ret = agent_load(a, cfg, err);
	if (ret)
		return ret;
	ret = datapath_open(&a->dp, a->pin_dir, &a->model.cfg, mode,
			    dns && dns_fast ? dc->port : 0, err);
	if (ret)
		goto out_model;
	/* Resolved now, so status tells what the kernel offers before any attach. */
	if (a->dp.mode == HOOK_AUTO) {
		a->dp.mode = hook_mode_detect(&a->dp);
		pr_info("hooks: %s\n", hook_mode_name(a->dp.mode));
	}
	if (do_teardown) {
		ret = teardown(a, err);
		goto out_model;
	}
	ret = loop_init(&a->loop);
	if (ret) {
		snprintf(err, ERR_SIZE, "epoll: %s", strerror(-ret));
		goto out_dp;
	}
	/* Before re-adopting: the sweep knows our leftovers by entries readopt prunes. */
	attachments_sweep(a);
	/* Watching before re-adopting: a veth that goes meanwhile is not missed. */
	ret = vanish_watch_start(a, err);
	if (!ret)
		ret = endpoints_readopt(a, err);
	if (!ret)
		ret = resolver_host_setup(a, err);
	if (!ret && dns) {
		uint32_t a4;
		uint8_t a6[16];

		resolver_addrs(&a->model.cfg, &a4, a6);
		ret = dns_server_start(&a->dns, &a->loop, &a->model, dc, a4, a6, err);
		a->dns_on = !ret;
		if (!ret) {
			char up[512];

			dns_forward_servers(a->dns.fwd, up, sizeof(up));
			pr_info("DNS: %s on port %u, upstream %s\n", dc->domain, dc->port,
				up[0] ? up : "(none)");
			/* The domain may have changed since they were written. */
			for (size_t i = 0; i < a->model.n_endpoints; i++)
				if (resolver_conf_write(a, &a->model.endpoints[i], err))
					pr_warn("%s\n", err);
			err[0] = '\0';
		}
	}
	/* After the shim: the fast path answers only what the shim would. */
	if (!ret)
		ret = dnsfast_start(a, a->dns_on && dns_fast, err);
	/* After DNS: the fleet state may add endpoints, whose names are probed. */
	if (!ret)
		ret = mesh_start(a, err);
	if (!ret && a->mesh.directory_mode)
		ret = directory_start(a, &dir_cfg, err);
	if (!ret)
		ret = obs_start(a, err);
	if (!ret)
		ret = metrics_start(a, err);
	if (!ret)
		ret = server_run(a, err);
	metrics_stop(a);
	obs_stop(a);
	directory_stop(a);
	dnsfast_stop(a);
	if (a->dns_on)
		dns_server_stop(&a->dns);
	vanish_watch_stop(a);
	loop_free(&a->loop);
out_dp:
	datapath_close(&a->dp);
out_model:
	model_free(&a->model);
	return ret;
}

/*
 * Directory mode without --host4/--host6: the pair claimed in etcd. If
 * etcd cannot be reached, a host that has a state serves its saved
 * prefixes (the claim is its already); a new host cannot start.
 */
static int claim_prefixes(struct agent *a, struct fabric_config *cfg, bool teardown)
{
	struct model saved;
	char err[ERR_SIZE];
	int ret = -ENOENT;

	if (!teardown) {
		ret = directory_claim(&dir_cfg, a->mesh.self, cfg, 15000, err);
		if (!ret)
			return 0;
		pr_warn("%s\n", err);
	}
	if (statefile_load(&saved, a->state_path, err) == 0) {
		cfg->host4 = saved.cfg.host4;
		cfg->host6 = saved.cfg.host6;
		model_free(&saved);
		if (!teardown)
			pr_warn("directory: serving the prefixes of the saved state meanwhile\n");
		return 0;
	}
	if (teardown)
		return 0;
	pr_warn("no prefix pair: etcd did not give one and there is no saved state\n");
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fabric4", required_argument, NULL, '4' },
		{ "fabric6", required_argument, NULL, '6' },
		{ "host4", required_argument, NULL, 'a' },
		{ "host6", required_argument, NULL, 'b' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "hook", required_argument, NULL, 'H' },
		{ "teardown", no_argument, NULL, 'T' },
		{ "dns-domain", required_argument, NULL, 'D' },
		{ "dns-ttl", required_argument, NULL, 'L' },
		{ "dns-port", required_argument, NULL, 'P' },
		{ "dns-upstream", required_argument, NULL, 'U' },
		{ "dns-resolv-conf", required_argument, NULL, 'R' },
		{ "dns-timeout", required_argument, NULL, 'O' },
		{ "no-dns", no_argument, NULL, 'N' },
		{ "no-dns-fast", no_argument, NULL, 'F' },
		{ "host", required_argument, NULL, 'm' },
		{ "wg-private-key", required_argument, NULL, 'k' },
		{ "wg-device", required_argument, NULL, 'w' },
		{ "wg-mtu", required_argument, NULL, 'M' },
		{ "wg-kernel-only", no_argument, NULL, 'K' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "event-rate", required_argument, NULL, 'e' },
		{ "event-burst", required_argument, NULL, 'B' },
		{ "flow-sample", required_argument, NULL, 'f' },
		{ "uplink-rx", required_argument, NULL, 'X' },
		{ "metrics", required_argument, NULL, 'E' },
		{ "directory", required_argument, NULL, 'd' },
		{ "directory-prefix", required_argument, NULL, 1001 },
		{ "directory-cacert", required_argument, NULL, 1002 },
		{ "directory-cert", required_argument, NULL, 1003 },
		{ "directory-key", required_argument, NULL, 1004 },
		{ "directory-lease-ttl", required_argument, NULL, 1005 },
		{ "underlay", required_argument, NULL, 1006 },
		{ "wg-port", required_argument, NULL, 1007 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *f4 = "10.210.0.0/16", *f6 = "fd77:7761:7272::/48";
	const char *h4 = "10.210.1.0/24", *h6 = "fd77:7761:7272:1::/64";
	enum hook_mode mode = HOOK_AUTO;
	struct fabric_config cfg;
	struct agent a = {};
	char err[ERR_SIZE] = "";
	struct dns_server_config *dc = &a.dns.cfg;
	bool do_teardown = false, dns = true, dns_fast = true, host_given = false;
	bool underlay_given = false;
	uint32_t n;
	int c, ret;

	log_set_prefix("warrend");
	snprintf(a.pin_dir, sizeof(a.pin_dir), DEFAULT_PIN_DIR);
	snprintf(a.sock_path, sizeof(a.sock_path), DEFAULT_SOCKET);
	snprintf(a.state_path, sizeof(a.state_path), DEFAULT_STATE);
	snprintf(dc->domain, sizeof(dc->domain), DNS_DEFAULT_DOMAIN);
	dc->ttl = DNS_DEFAULT_TTL;
	dc->port = 53;
	dc->timeout_ms = 1000;
	dc->tries = 2;
	snprintf(a.mesh.wg_ifname, sizeof(a.mesh.wg_ifname), MESH_DEFAULT_WG_IFNAME);
	a.mesh.mtu = MESH_DEFAULT_MTU;
	a.mesh.allow_userspace = true;
	a.obs.cfg = (struct warren_event_cfg){ .rate = OBS_DEFAULT_RATE, .burst = OBS_DEFAULT_BURST };
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case '4': f4 = optarg; break;
		case '6': f6 = optarg; break;
		case 'a': h4 = optarg; host_given = true; break;
		case 'b': h6 = optarg; host_given = true; break;
		case 'd':
			if (directory_parse_urls(optarg, &dir_cfg, err)) {
				fprintf(stderr, "warrend: --directory: %s\n", err);
				return 2;
			}
			a.mesh.directory_mode = true;
			break;
		case 1001:
			if (dir_prefix_check(optarg, err)) {
				fprintf(stderr, "warrend: --directory-prefix: %s\n", err);
				return 2;
			}
			snprintf(dir_cfg.prefix, sizeof(dir_cfg.prefix), "%s", optarg);
			break;
		case 1002: dir_cfg.etcd.cacert = optarg; break;
		case 1003: dir_cfg.etcd.cert = optarg; break;
		case 1004: dir_cfg.etcd.key = optarg; break;
		case 1005:
			if (u32_parse(optarg, 86400 * 30, &n) || n < 5) {
				fprintf(stderr, "warrend: --directory-lease-ttl must be 5..2592000 seconds\n");
				return 2;
			}
			dir_cfg.lease_ttl = n;
			break;
		case 1006: {
			uint32_t a4;

			if (addr4_parse(optarg, &a4) == 0) {
				dir_cfg.family = AF_INET;
				memcpy(dir_cfg.underlay, &a4, 4);
			} else if (addr6_parse(optarg, dir_cfg.underlay) == 0) {
				dir_cfg.family = AF_INET6;
			} else {
				fprintf(stderr, "warrend: --underlay must be an IPv4 or IPv6 address\n");
				return 2;
			}
			underlay_given = true;
			break;
		}
		case 1007:
			if (u32_parse(optarg, 65535, &n) || !n) {
				fprintf(stderr, "warrend: --wg-port must be 1..65535\n");
				return 2;
			}
			dir_cfg.port = (uint16_t)n;
			break;
		case 'p': snprintf(a.pin_dir, sizeof(a.pin_dir), "%s", optarg); break;
		case 's': snprintf(a.sock_path, sizeof(a.sock_path), "%s", optarg); break;
		case 'S': snprintf(a.state_path, sizeof(a.state_path), "%s", optarg); break;
		case 'T': do_teardown = true; break;
		case 'D':
			snprintf(dc->domain, sizeof(dc->domain), "%s", optarg);
			break;
		case 'L':
			if (u32_parse(optarg, 86400, &dc->ttl)) {
				fprintf(stderr, "warrend: --dns-ttl must be 0..86400 seconds\n");
				return 2;
			}
			break;
		case 'P':
			if (u32_parse(optarg, 65535, &n) || !n) {
				fprintf(stderr, "warrend: --dns-port must be 1..65535\n");
				return 2;
			}
			dc->port = (uint16_t)n;
			break;
		case 'O':
			if (u32_parse(optarg, 30000, &n) || n < 10) {
				fprintf(stderr, "warrend: --dns-timeout must be 10..30000 ms\n");
				return 2;
			}
			dc->timeout_ms = (int)n;
			break;
		case 'U': dc->upstream = optarg; break;
		case 'R': dc->resolv_conf = optarg; break;
		case 'N': dns = false; break;
		case 'F': dns_fast = false; break;
		case 'm':
			if (!name_valid(optarg)) {
				fprintf(stderr, "warrend: --host must be a DNS label ([a-z0-9-], 1-63)\n");
				return 2;
			}
			a.mesh.on = true;
			snprintf(a.mesh.self, sizeof(a.mesh.self), "%s", optarg);
			break;
		case 'k': snprintf(a.mesh.key_path, sizeof(a.mesh.key_path), "%s", optarg); break;
		case 'w':
			if (!optarg[0] || strlen(optarg) >= IF_NAMESIZE || strchr(optarg, '/')) {
				fprintf(stderr, "warrend: --wg-device must be an interface name (1-15 chars)\n");
				return 2;
			}
			snprintf(a.mesh.wg_ifname, sizeof(a.mesh.wg_ifname), "%s", optarg);
			break;
		case 'M':
			if (u32_parse(optarg, 65535, &n) || n < 1280) {
				fprintf(stderr, "warrend: --wg-mtu must be 1280..65535\n");
				return 2;
			}
			a.mesh.mtu = (int)n;
			break;
		case 'K': a.mesh.allow_userspace = false; break;
		case 'e':
			if (u32_parse(optarg, WARREN_EV_RATE_MAX, &a.obs.cfg.rate)) {
				fprintf(stderr, "warrend: --event-rate must be 0..%d per second\n",
					WARREN_EV_RATE_MAX);
				return 2;
			}
			break;
		case 'B':
			if (u32_parse(optarg, WARREN_EV_BURST_MAX, &a.obs.cfg.burst) || !a.obs.cfg.burst) {
				fprintf(stderr, "warrend: --event-burst must be 1..%d\n", WARREN_EV_BURST_MAX);
				return 2;
			}
			break;
		case 'f':
			if (u32_parse(optarg, UINT32_MAX, &a.obs.cfg.flow_sample)) {
				fprintf(stderr, "warrend: --flow-sample must be 0 (off) or N: one in N\n");
				return 2;
			}
			break;
		case 'u':
			if (!optarg[0] || strlen(optarg) >= IF_NAMESIZE) {
				fprintf(stderr, "warrend: --uplink must be an interface name\n");
				return 2;
			}
			snprintf(a.mesh.uplink, sizeof(a.mesh.uplink), "%s", optarg);
			break;
		case 'X':
			if (!strcmp(optarg, "auto"))
				a.mesh.uplink_rx = UPLINK_RX_AUTO;
			else if (!strcmp(optarg, "xdp"))
				a.mesh.uplink_rx = UPLINK_RX_XDP;
			else if (!strcmp(optarg, "tc"))
				a.mesh.uplink_rx = UPLINK_RX_TC;
			else {
				fprintf(stderr, "warrend: --uplink-rx must be auto, xdp or tc\n");
				return 2;
			}
			break;
		case 'E':
			if (metrics_addr_parse(optarg, &a.metrics_addr, &a.metrics_addrlen)) {
				fprintf(stderr, "warrend: --metrics must be PORT, ADDR:PORT or [V6ADDR]:PORT "
					"(ADDR a literal address, PORT 1..65535)\n");
				return 2;
			}
			a.metrics_on = true;
			break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'H':
			if (!strcmp(optarg, "tcx"))
				mode = HOOK_TCX;
			else if (!strcmp(optarg, "clsact"))
				mode = HOOK_CLSACT;
			else if (!strcmp(optarg, "auto"))
				mode = HOOK_AUTO;
			else {
				fprintf(stderr, "warrend: --hook must be auto, tcx or clsact\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (prefix4_parse(f4, &cfg.fabric4) || prefix4_parse(h4, &cfg.host4) ||
	    prefix6_parse(f6, &cfg.fabric6) || prefix6_parse(h6, &cfg.host6)) {
		fprintf(stderr, "warrend: malformed prefix (address/length with no host bits set)\n");
		return 2;
	}
	if (!dns_domain_valid(dc->domain)) {
		fprintf(stderr, "warrend: --dns-domain \"%s\" is not a lower-case DNS name "
			"(labels of [a-z0-9-], no trailing dot)\n", dc->domain);
		return 2;
	}
	if (dc->upstream && dns_forward_check_servers(dc->upstream, err)) {
		fprintf(stderr, "warrend: --dns-upstream: %s\n", err);
		return 2;
	}
	if (a.mesh.on && !a.mesh.key_path[0] && !do_teardown) {
		fprintf(stderr, "warrend: --host needs --wg-private-key FILE\n");
		return 2;
	}
	if (a.mesh.on) {
		char k[WG_KEY_LEN];

		/* Workloads' packets to other hosts must fit the tunnel. */
		a.fabric_mtu = a.mesh.mtu;
		if (!do_teardown &&
		    wg_key_read_file(a.mesh.key_path, (uint8_t *)k, err, sizeof(err))) {
			fprintf(stderr, "warrend: --wg-private-key: %s\n", err);
			return 2;
		}
		memset(k, 0, sizeof(k));
	}
	snprintf(a.mesh.fleet_path, sizeof(a.mesh.fleet_path), "%s.fleet", a.state_path);
	if (a.mesh.directory_mode && (!a.mesh.on || !underlay_given) && !do_teardown) {
		fprintf(stderr, "warrend: --directory needs --host NAME, --wg-private-key FILE and "
			"--underlay ADDR\n");
		return 2;
	}
	if (a.mesh.directory_mode && !host_given && claim_prefixes(&a, &cfg, do_teardown))
		return 1;
	if (fabric_config_check(&cfg, err)) {
		fprintf(stderr, "warrend: %s\n", err);
		return 2;
	}
	log_route_libbpf();
	ret = run(&a, &cfg, mode, dns, dns_fast, do_teardown, err);
	if (ret) {
		pr_warn("%s\n", err);
		return 1;
	}
	return 0;
}

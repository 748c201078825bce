# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make            build the datapath, warrend, warrenctl and the test programs
# make check      every test suite on this kernel, then the kernel-dependent
#                 ones (BPF_PROG_TEST_RUN, end to end) in VMs: VM_KERNELS
# make check-host every suite on this kernel only (unit, fuzz, progs, e2e)
# make check-vm   the VM runner's own test, then progs and e2e in a VM per
#                 kernel of VM_KERNELS (6.12 6.1)
# make vmtest     KERNEL=6.12 CMD="selftests/run.sh e2e": one VM, one command
# make demo       bring up a demo fabric with real traffic (needs root)
# make bench      datapath cost and throughput against baselines (needs root)
# make deps       install missing Debian packages
# make install    binaries, the CNI plugin, the systemd unit, config, man pages
#                 (PREFIX=/usr/local DESTDIR= CNI_BIN_DIR=/usr/lib/cni SYSCONFDIR=/etc)
# make clean
# V=1 shows the commands; O=DIR puts the build elsewhere (default build/).

O ?= build
comma := ,
ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

NL_CFLAGS := $(shell pkg-config --cflags libnl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
USER_CFLAGS := -std=gnu11 $(WARN) -I$(O) -Iinclude -Iuser $(NL_CFLAGS) -D_GNU_SOURCE
USER_LDLIBS := -lbpf -lelf -lz -lnl-genl-3 -lnl-route-3 -lnl-3 -lcares -ljson-c
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Iinclude -Ibpf -Wall -Werror

# Sanitizer build of the userspace pieces, used by the unit tests.
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_OBJS := veth wg uplink
TEST_BPF_OBJS := empty veth_observe wg_observe

# userspace sources by folder (user/FOLDER/NAME.c), one folder per part:
# lib (shared by every binary), core (the agent), dns (the shim), mesh
# (WireGuard and the mesh datapath), fleet (the fleet state), ctl (warrenctl).
LIB_SRCS := lib/log lib/addr lib/kv lib/names lib/json lib/ports lib/base64 lib/hist
COMMON_SRCS := $(LIB_SRCS) core/model core/statefile fleet/fleet fleet/fleet_parse fleet/fleet_check mesh/wg_key
# The DNS shim: wire format, per-environment views, sockets, c-ares forwarding.
DNS_SRCS := dns/dns_wire dns/dns_view dns/dns_answer dns/dns_forward dns/dns_server dns/dns_tcp dns/dns_probe dns/resolver
# The datapath's DNS answers: the names computed from the shim's builder, the map kept in line.
DNS_SRCS += dns/dns_fast
CORE_SRCS_DNS_FAST := core/dnsfast
MESH_SRCS := mesh/mesh mesh/mesh_apply mesh/mesh_mtu mesh/attach_mesh mesh/wg mesh/wg_genl mesh/wg_uapi fleet/fleet_ctl
CORE_SRCS := core/agent core/loop core/maps core/attach core/netlink core/netns core/endpoint \
	core/project core/naming core/status core/server core/vanish
CORE_SRCS += core/attachment core/counters
CORE_SRCS += $(CORE_SRCS_DNS_FAST)
# Events: the ring on the loop, names, filters, the monitors' streams.
OBS_SRCS := obs/obs_ring obs/obs_names obs/obs_event obs/obs_fanout
# The Prometheus endpoint: HTTP server, request parser, exposition writer, what is gathered.
METRICS_SRCS := metrics/metrics_http metrics/metrics_http_parse metrics/metrics_expo \
	metrics/metrics_collect metrics/metrics_events
# The etcd v3 client (the fleet directory's store); libcurl only in directory/etcd_http,
# so only warrend links it.
ETCD_SRCS := directory/etcd_msg directory/etcd_http directory/etcd directory/etcd_watch
# The fleet directory on it: keys, records, the view, building the fleet state (pure, unit
# tested), and the agent's side: claims, publishing, the lease and watch. libcrypto only in
# mesh/wg_pubkey (a host's public key for its record).
DIR_PURE_SRCS := directory/dir_keys directory/dir_records directory/dir_view directory/dir_build
DIRECTORY_SRCS := $(DIR_PURE_SRCS) directory/dir_config directory/dir_claim directory/dir_publish \
	directory/directory mesh/wg_pubkey
DIRECTORY_LDLIBS := -lcurl -lcrypto
AGENT_SRCS := $(COMMON_SRCS) $(DNS_SRCS) $(MESH_SRCS) $(CORE_SRCS) $(METRICS_SRCS) $(OBS_SRCS) core/warrend
AGENT_SRCS += $(ETCD_SRCS) $(DIRECTORY_SRCS)
CTL_SRCS := $(LIB_SRCS) ctl/client ctl/output ctl/ctl_project ctl/ctl_endpoint ctl/ctl_service \
	ctl/ctl_status ctl/ctl_fleet ctl/ctl_monitor ctl/monitor_line ctl/ctl_events ctl/warrenctl
# The CNI plugin: talks to warrend with warrenctl's client, JSON through lib/json.
CNI_SRCS := $(LIB_SRCS) ctl/client cni/cni_config cni/cni_result cni/cni_agent cni/cni_main
UNIT_TESTS := test_addr test_model test_statefile test_kv test_names test_abi test_netlink test_fleet \
	test_dns_wire test_dns_answer test_dns_srv test_json test_obs
UNIT_TESTS += test_base64 test_etcd_msg test_dir_records test_dir_build
UNIT_TESTS += test_metrics_expo test_metrics_http
UNIT_LINK := $(COMMON_SRCS) dns/dns_wire dns/dns_view dns/dns_answer core/maps core/netlink core/netns \
	$(DIR_PURE_SRCS)
UNIT_LINK += directory/etcd_msg
UNIT_LINK += core/loop metrics/metrics_expo metrics/metrics_events metrics/metrics_http metrics/metrics_http_parse
UNIT_LINK += obs/obs_names obs/obs_event ctl/monitor_line ctl/output
# libFuzzer targets (selftests/fuzz/NAME.c) and the sources each links.
FUZZ_TARGETS := fuzz_dns_wire fuzz_dns_answer fuzz_fleet
FUZZ_TARGETS += fuzz_cni
FUZZ_TARGETS += fuzz_etcd_msg
FUZZ_LINK_fuzz_etcd_msg := directory/etcd_msg lib/json lib/base64
FUZZ_LIBS_fuzz_etcd_msg := -ljson-c
FUZZ_TARGETS += fuzz_metrics_http
FUZZ_LINK_fuzz_metrics_http := metrics/metrics_http_parse
FUZZ_LINK_fuzz_cni := cni/cni_config cni/cni_result lib/json lib/names lib/kv
FUZZ_LIBS_fuzz_cni := -ljson-c
FUZZ_LINK_fuzz_fleet := fleet/fleet fleet/fleet_parse fleet/fleet_check mesh/wg_key lib/addr lib/names lib/ports
FUZZ_LINK_fuzz_dns_wire := dns/dns_wire
FUZZ_LINK_fuzz_dns_answer := dns/dns_wire dns/dns_view dns/dns_answer core/model lib/addr lib/names lib/ports

SKELS := $(patsubst %,$(O)/%.skel.h,$(BPF_OBJS))
TEST_SKELS := $(patsubst %,$(O)/selftests/%.skel.h,$(TEST_BPF_OBJS))

all: $(O)/warrend $(O)/warrenctl $(O)/warren-cni tests

deps: $(O)/.deps
$(O)/.deps: scripts/deps.sh scripts/vm_kernels.sh
	$(Q)mkdir -p $(O)
	$(Q)scripts/deps.sh
	$(Q)touch $@

# --- BPF ---------------------------------------------------------------
$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/lib/*.h) include/warren.h | $(O)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(O)/selftests/bpf/%.bpf.o: selftests/progs/%.bpf.c $(wildcard bpf/lib/*.h) include/warren.h | $(O)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The veth programs again, with the hook that shows tests the redirect target.
$(O)/selftests/bpf/veth_observe.bpf.o: bpf/veth.bpf.c $(wildcard bpf/lib/*.h) include/warren.h | $(O)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DWARREN_TEST_OBSERVE -c $< -o $@

$(O)/selftests/bpf/wg_observe.bpf.o: bpf/wg.bpf.c $(wildcard bpf/lib/*.h) include/warren.h | $(O)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DWARREN_TEST_OBSERVE -c $< -o $@

$(O)/selftests/%.skel.h: $(O)/selftests/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- userspace ---------------------------------------------------------
USER_HDRS := $(wildcard user/*/*.h) include/warren.h

$(O)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(O)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/san/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(O)/.deps
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/warrend: $(patsubst %,$(O)/user/%.o,$(AGENT_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(USER_LDLIBS) $(DIRECTORY_LDLIBS) -o $@

$(O)/warrenctl: $(patsubst %,$(O)/user/%.o,$(CTL_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(USER_LDLIBS) -o $@

$(O)/warren-cni: $(patsubst %,$(O)/user/%.o,$(CNI_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -Wl,--as-needed $(USER_LDLIBS) -o $@

# --- tests -------------------------------------------------------------
TEST_CFLAGS := $(USER_CFLAGS) -Iselftests -I$(O)/selftests

# Unit tests link the sanitizer build of the pieces they test.
$(O)/selftests/unit/%: selftests/unit/%.c selftests/test.h $(wildcard selftests/unit/*.h) $(patsubst %,$(O)/san/%.o,$(UNIT_LINK)) $(SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_CFLAGS) $(TEST_CFLAGS) $< $(patsubst %,$(O)/san/%.o,$(UNIT_LINK)) $(USER_LDLIBS) -o $@

PROG_TEST_DEPS := selftests/progs/fixture.c selftests/progs/packets.c selftests/progs/events.c \
	selftests/test.h \
	$(wildcard selftests/progs/*.h) $(SKELS) $(TEST_SKELS)

$(O)/selftests/test_progs: selftests/progs/test_progs.c $(PROG_TEST_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) user/lib/log.c $(USER_LDLIBS) -o $@

$(O)/selftests/test_mesh_progs: selftests/progs/test_mesh_progs.c $(PROG_TEST_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) user/lib/log.c $(USER_LDLIBS) -o $@

$(O)/selftests/test_reply_progs: selftests/progs/test_reply_progs.c $(PROG_TEST_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) user/lib/log.c $(USER_LDLIBS) -o $@

$(O)/selftests/test_event_progs: selftests/progs/test_event_progs.c $(PROG_TEST_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) user/lib/log.c $(USER_LDLIBS) -o $@

# The DNS fast path against the shim's own answers: links the shim's builder.
DNS_FAST_TEST_LINK := dns/dns_wire dns/dns_view dns/dns_answer dns/dns_fast core/model lib/addr \
	lib/names lib/ports lib/log
$(O)/selftests/test_dns_fast: selftests/progs/test_dns_fast.c $(PROG_TEST_DEPS) \
		$(patsubst %,user/%.c,$(DNS_FAST_TEST_LINK)) $(USER_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) $(USER_LDLIBS) -o $@

$(O)/selftests/bench_progs: selftests/progs/bench_progs.c $(PROG_TEST_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(filter %.c,$^) user/lib/log.c $(USER_LDLIBS) -o $@

$(O)/selftests/warren-probe: $(wildcard selftests/e2e/probe/*.c) selftests/e2e/probe/probe.h | $(O)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE $(filter %.c,$^) -o $@

# The same tool, static, for container images with nothing else in them (test_podman.sh).
$(O)/selftests/warren-probe-static: $(wildcard selftests/e2e/probe/*.c) selftests/e2e/probe/probe.h | $(O)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -static -std=gnu11 $(WARN) -D_GNU_SOURCE $(filter %.c,$^) -o $@

# The etcd client against a real cluster (test_etcd_client.sh), built with the sanitizers
# (-lbpf: lib/log routes libbpf's messages).
ETCD_TEST_LINK := $(ETCD_SRCS) core/loop lib/json lib/base64 lib/log
$(O)/selftests/warren-etcd-test: selftests/e2e/etcd_client_test.c selftests/test.h \
		$(patsubst %,$(O)/san/%.o,$(ETCD_TEST_LINK))
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_CFLAGS) $(TEST_CFLAGS) $< $(patsubst %,$(O)/san/%.o,$(ETCD_TEST_LINK)) \
		-ljson-c -lbpf $(DIRECTORY_LDLIBS) -o $@

$(O)/selftests/warren-dnsq: selftests/e2e/dnsq.c | $(O)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE $< -o $@

# Built against musl, statically, as an Alpine workload's resolver is.
$(O)/selftests/warren-musl-resolve: selftests/e2e/musl_resolve.c | $(O)/.deps
	$(call msg,MUSL-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)musl-gcc -static -O2 -Wall -Wextra -Werror $< -o $@

# Fuzz targets: clang's libFuzzer with ASan+UBSan over the parser sources.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -Iinclude -Iuser -D_GNU_SOURCE
.SECONDEXPANSION:
$(O)/selftests/fuzz/%: selftests/fuzz/%.c $$(addprefix user/,$$(addsuffix .c,$$(FUZZ_LINK_$$*))) \
		$(USER_HDRS) | $(O)/.deps
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(addprefix user/,$(addsuffix .c,$(FUZZ_LINK_$*))) $(FUZZ_LIBS_$*) -o $@

tests: $(patsubst %,$(O)/selftests/unit/%,$(UNIT_TESTS)) $(O)/selftests/test_progs \
	$(O)/selftests/test_mesh_progs $(O)/selftests/test_reply_progs $(O)/selftests/test_dns_fast \
	$(O)/selftests/test_event_progs \
	$(O)/selftests/bench_progs $(O)/selftests/warren-probe $(O)/selftests/warren-dnsq \
	$(O)/selftests/warren-musl-resolve $(O)/selftests/warren-probe-static \
	$(O)/selftests/warren-etcd-test \
	$(patsubst %,$(O)/selftests/fuzz/%,$(FUZZ_TARGETS))

# Both halves run even when the first fails, so one run shows every failure.
check: all
	$(Q)O=$(O) selftests/run.sh; host=$$?; \
	$(MAKE) --no-print-directory check-vm; vm=$$?; \
	[ $$host -eq 0 ] && [ $$vm -eq 0 ]

check-host: all
	$(Q)O=$(O) selftests/run.sh

VM_KERNELS ?= 6.12 6.1
# In the VMs: the tests whose outcome depends on the kernel (hooks, WireGuard,
# the datapath's programs and replies). The runtime and install tests
# (podman, systemd units, the CNI spec) run on the host only: no kernel
# feature of theirs differs between 6.1, 6.12 and 6.18.
# test_directory too: there the agents drive the kernel's WireGuard (genl) from etcd,
# here wireguard-go; etcd comes from the host's root filesystem like every tool.
VM_E2E ?= test_single_host test_clsact test_dns test_dns_fast test_vanish test_mesh test_mesh_guard test_mesh_mtu test_observe test_metrics_mesh test_directory
VM_SUITES ?= progs e2e:$(subst $(eval) ,$(comma),$(strip $(VM_E2E)))
check-vm: all
	$(Q)failed=; O=$(O) selftests/run.sh vm || failed=" the-runner"; \
	for k in $(VM_KERNELS); do \
		O=$(O) scripts/vmtest.sh --kernel $$k -- selftests/run.sh $(VM_SUITES) || failed="$$failed $$k"; \
	done; \
	if [ -n "$$failed" ]; then echo "check-vm: failures on:$$failed" >&2; exit 1; fi

KERNEL ?= 6.12
vmtest: all
	$(Q)O=$(O) scripts/vmtest.sh --kernel $(KERNEL) $(if $(CMD),-- $(CMD))

check-unit check-progs check-fuzz check-e2e: all
	$(Q)O=$(O) selftests/run.sh $(subst check-,,$@)

demo: all
	$(Q)O=$(O) scripts/demo.sh

bench: all
	$(Q)O=$(O) scripts/bench.sh

scan: | $(O)/.deps
	$(Q)scan-build --status-bugs -o $(O)/scan $(MAKE) --no-print-directory O=$(O)/scan-build $(O)/scan-build/warrend $(O)/scan-build/warrenctl \
		$(O)/scan-build/warren-cni

clean:
	$(Q)rm -rf $(O)

# --- install (scripts/install/: the unit, the default config, man pages) ----
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# Where podman and Debian's containernetworking-plugins look first.
CNI_BIN_DIR ?= /usr/lib/cni
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
INSTALL_FILES := $(SBINDIR)/warrend $(SBINDIR)/warrenctl $(CNI_BIN_DIR)/warren \
	$(SYSTEMD_UNIT_DIR)/warrend.service $(MANDIR)/man8/warrend.8 $(MANDIR)/man8/warrenctl.8 \
	$(MANDIR)/man8/warren-cni.8 $(PREFIX)/share/doc/warren/warren-shop-prod.conflist.example

install: $(O)/warrend $(O)/warrenctl $(O)/warren-cni
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(SYSTEMD_UNIT_DIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/warren $(DESTDIR)$(PREFIX)/share/doc/warren
	$(Q)install -m 0755 $(O)/warrend $(O)/warrenctl $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0755 $(O)/warren-cni $(DESTDIR)$(CNI_BIN_DIR)/warren
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		scripts/install/warrend.service.in > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/warrend.service
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/warrend.service
	$(Q)install -m 0644 scripts/install/warrend.8 scripts/install/warrenctl.8 \
		scripts/install/warren-cni.8 $(DESTDIR)$(MANDIR)/man8/
	$(Q)install -m 0644 scripts/install/warren-shop-prod.conflist.example \
		$(DESTDIR)$(PREFIX)/share/doc/warren/
	@# The host's own settings survive a reinstall.
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/warren/warrend.conf ] || \
		install -m 0644 scripts/install/warrend.conf $(DESTDIR)$(SYSCONFDIR)/warren/warrend.conf

# The config file stays (it is the host's); so do the state and the pins.
uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))

.PHONY: install uninstall
.PHONY: all deps tests check check-host check-vm vmtest check-unit check-progs check-fuzz check-e2e \
	demo bench scan clean
.DELETE_ON_ERROR:
.SECONDARY:

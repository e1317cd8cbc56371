# SPDX-License-Identifier: GPL-2.0
#
# Tern: top-level build. `make help` lists the targets.

# The kernel the VMs boot: "6.12" or "6.1" (Debian cloud kernels).
VM_KERNEL ?= 6.12

# Full release of a kernel series, e.g. 6.12 -> 6.12.117+deb12-cloud-amd64.
kver = $(shell tools/vm/kver $(1))
KVER ?= $(call kver,$(VM_KERNEL))

B := $(CURDIR)/build
KSRC := $(B)/ksrc

CC ?= gcc
CFLAGS ?= -O2 -g
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
TERN_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-I$(CURDIR)/kmod/uapi -I$(CURDIR)/daemon/lib -I$(CURDIR)/kmod \
	$(NL_CFLAGS)
# Static sanitizer runtimes: the kselftest runner starts tests under stdbuf,
# whose LD_PRELOAD would otherwise load before a shared libasan.
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -static-libasan -static-libubsan

export VM_KERNEL B KSRC CC CFLAGS TERN_CFLAGS SAN_CFLAGS NL_LIBS

.PHONY: all help deps kmod kmod-all debug-kernel userspace tests lint check \
	demo bench clean ksrc
.DEFAULT_GOAL := all

all: kmod userspace tests

help:
	@echo "make deps      install build and test dependencies (apt-get)"
	@echo "make           build tern.ko (VM_KERNEL=$(VM_KERNEL)) and userspace"
	@echo "make kmod KVER=<release|6.12|6.1>  build tern.ko for one kernel"
	@echo "make kmod-all  build tern.ko for 6.12 and 6.1"
	@echo "make debug-kernel  build (or reuse) the debug kernel, tern.ko for it"
	@echo "               and the debug lane's bug-injecting test modules"
	@echo "make lint      checkpatch --strict, sparse, spec checks"
	@echo "make check     build and run every test suite (host and VMs)"
	@echo "make run-SUITE run one suite of tests/ (e.g. run-kmod VM_KERNEL=6.1)"
	@echo "tools/vm/run -- CMD    run CMD in a VM with tern.ko loaded"
	@echo "make demo      boot a VM and show push connections at work"
	@echo "make bench     run the benchmarks (JSON and plots in build/bench)"

deps:
	tools/deps.sh

# Extract what we use from Debian's linux-source-6.12: kselftest headers and
# runner, checkpatch, ynl and the netlink schemas. Never copied into the tree.
# tools/ksrc is idempotent (milliseconds when up to date) and notices a new
# linux-source tarball, so it simply always runs.
ksrc:
	@tools/ksrc $(KSRC)

# tern.ko, built out of tree in build/kmod/<release>/ so that builds for
# several kernels never share object files.
kmod:
	tools/kmod-build $(KVER)

kmod-all:
	tools/kmod-build $(call kver,6.12)
	tools/kmod-build $(call kver,6.1)

# The debug lane (Documentation/debug-lane.rst): a kernel with KASAN,
# lockdep, kmemleak... built from linux-source-6.12 once and cached outside
# the clone; tern.ko for it, and the two test builds that inject a bug.
debug-kernel:
	tools/vm/debug-kernel
	tools/kmod-build debug
	tools/kmod-build debug --inject leak
	tools/kmod-build debug --inject uaf

# Each userspace component brings a make fragment that appends its outputs
# to USERSPACE_TARGETS.
# Libraries first: the programs' fragments use their variables.
include $(wildcard daemon/lib/lib.mk daemon/common/common.mk daemon/kt/kt.mk \
	daemon/dir/dir.mk daemon/e2e/e2e.mk \
	tools/lib/lib.mk)
include $(filter-out daemon/lib/lib.mk daemon/common/common.mk daemon/kt/kt.mk \
	daemon/dir/dir.mk daemon/e2e/e2e.mk, \
	$(wildcard daemon/*/*.mk)) \
	$(wildcard bpf/bpf.mk tools/ternctl/ternctl.mk tools/ternchat/ternchat.mk \
		tools/bench/bench.mk \
		tools/bench/gw/gwbench.mk tools/bench/idle/idle.mk \
		tools/bench/prio/prio.mk tools/bench/dir/dirbench.mk \
		tools/bench/e2e/e2ebench.mk \
		tools/demo/demo.mk \
		tools/inflight/inflight.mk)

userspace: $(USERSPACE_TARGETS)

tests: ksrc userspace
	$(MAKE) -C tests OUTPUT=$(B)/tests all

lint: ksrc
	tools/lint

check: deps
	tools/check

# One suite, with the flags this Makefile exports: make run-kmod VM_KERNEL=6.1
run-%: tests
	$(MAKE) -C tests/$* OUTPUT=$(B)/tests/$* run_tests

demo: deps
	tools/demo/run

# The boundary benchmark, the gateway benchmark, the restart and
# idle-memory benchmark, the push-priority benchmark, then the directory
# benchmark; all always run.
bench: deps
	@status=0; tools/bench/run || status=1; \
	tools/bench/gw/run || status=1; \
	tools/bench/idle/run || status=1; \
	tools/bench/prio/run || status=1; \
	tools/bench/dir/run || status=1; \
	tools/bench/e2e/run || status=1; exit $$status

clean:
	rm -rf $(B)

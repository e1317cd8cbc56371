# SPDX-License-Identifier: GPL-2.0
#
# The eBPF programs, bpf/*.bpf.c: clang builds each for the BPF target, and
# bpftool generates a libbpf skeleton from the object, which embeds it; the
# loader and tests/bpf include the skeleton and bpf/<name>.h.
#
#   $(B)/bpf/<name>.bpf.o	the program
#   $(B)/bpf/<name>.skel.h	its skeleton: struct <name>_bpf, <name>_bpf__open()...
#
# The programs include only uAPI and libbpf headers (no vmlinux.h), so they
# build with Debian 12's clang 14 and libbpf 1.1 without the running
# kernel's BTF. <asm/...> comes from the multiarch include directory, which
# clang does not search for -target bpf.

BPF_CLANG ?= clang
BPFTOOL ?= bpftool
BPF_MULTIARCH := $(shell $(BPF_CLANG) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -O2 -g -target bpf -std=gnu11 -Wall -Wextra -Werror \
	-I$(CURDIR)/bpf $(if $(BPF_MULTIARCH),-idirafter /usr/include/$(BPF_MULTIARCH))

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(B)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h)

$(BPF_OBJS): $(B)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

# Written aside and renamed: a failed run leaves no half skeleton behind.
$(BPF_SKELS): $(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp || \
		{ rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

-include $(BPF_OBJS:.o=.d)

USERSPACE_TARGETS += $(BPF_OBJS) $(BPF_SKELS)

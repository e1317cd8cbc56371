# SPDX-License-Identifier: GPL-2.0
#
# tests/lib.mk: what each Tern test suite's Makefile includes. It has the
# interface of the kernel's tools/testing/selftests/lib.mk, and runs the
# suites with the kernel's own kselftest runner, so the output is its TAP.
#
# A suite's Makefile (tests/<suite>/Makefile) sets some of
#   TEST_GEN_PROGS           C programs, one <name>.c each, built and run
#   TEST_GEN_PROGS_EXTENDED  C programs built and installed, not run
#   TEST_GEN_FILES           other generated files (the suite adds rules)
#   TEST_PROGS               scripts, run
#   TEST_PROGS_EXTENDED      scripts installed, not run
#   TEST_FILES               data files installed
#   LDLIBS                   e.g. LDLIBS += $(LIBTERN) $(NL_LIBS)
# and then does `include ../lib.mk`. Next to its Makefile a suite may have
#   settings  kselftest runner settings, e.g. timeout=120 (default 45 s)
#   config    kernel options the suite needs, one CONFIG_FOO=y a line
#   vm.conf   marks a suite that runs inside the VM (tools/vm/run), on each
#             kernel; its content (comments aside) is extra tools/vm/run
#             options, e.g. "--mem 4096 --timeout 1200". Suites without it
#             run on the host.
#
# C programs are built with $(TERN_CFLAGS) $(SAN_CFLAGS) and the kselftest
# headers (kselftest_harness.h) from $(KSRC).
#
# Targets:
#   all         build into $(OUTPUT) (default $(B)/tests/<suite>) everything
#               the suite runs with, and make the directory above it a
#               kselftest tree: kselftest/ runner, run_kselftest.sh and
#               kselftest-list.txt
#   run_tests   run the suite through the kselftest runner; a vm.conf suite
#               runs in a VM on $(VM_KERNEL)
#   install     copy the suite into $(INSTALL_PATH)/<suite> and make
#               $(INSTALL_PATH) a kselftest tree, as the kernel's top-level
#               `make -C tools/testing/selftests install` does
#   emit_tests  print the suite's kselftest-list.txt lines, collection:test
#   clean       remove $(OUTPUT)

selfdir := $(realpath $(dir $(lastword $(MAKEFILE_LIST))))
top := $(realpath $(selfdir)/..)
B ?= $(top)/build
KSRC ?= $(B)/ksrc
VM_KERNEL ?= 6.12
KSFT_DIR := $(KSRC)/tools/testing/selftests
LIBTERN := $(B)/san/lib/libtern.a

COLLECTION ?= $(notdir $(CURDIR))
OUTPUT ?= $(B)/tests/$(COLLECTION)
override OUTPUT := $(abspath $(OUTPUT))
ifeq ($(OUTPUT),$(CURDIR))
$(error OUTPUT must not be the source directory: build products go under build/)
endif
# The kselftest tree this suite's OUTPUT is a collection of.
TREE := $(if $(filter $(COLLECTION),$(notdir $(OUTPUT))),$(patsubst %/,%,$(dir $(OUTPUT))))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(notdir $(2))";
MAKEFLAGS += --no-print-directory
endif

# The harness's macros declare parameters a test need not use, which
# -Wextra -Werror would reject; its headers are someone else's code.
KSFT_CFLAGS := -isystem $(KSFT_DIR) -Wno-unused-parameter
LOCAL_HDRS += $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

STATIC_FILES := $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES) \
	$(wildcard settings config vm.conf)
TEST_GEN_PROGS := $(addprefix $(OUTPUT)/,$(TEST_GEN_PROGS))
TEST_GEN_PROGS_EXTENDED := $(addprefix $(OUTPUT)/,$(TEST_GEN_PROGS_EXTENDED))
TEST_GEN_FILES := $(addprefix $(OUTPUT)/,$(TEST_GEN_FILES))
STAGED_FILES := $(addprefix $(OUTPUT)/,$(STATIC_FILES))
BUILT := $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES) \
	$(STAGED_FILES)
# What the runner runs, in kselftest-list.txt order.
RUN_LIST := $(notdir $(TEST_GEN_PROGS) $(TEST_CUSTOM_PROGS) $(TEST_PROGS))

.PHONY: all run_tests install emit_tests clean tree
.DEFAULT_GOAL := all

all: $(BUILT) $(if $(TREE),tree)

# With AddressSanitizer, the harness's _exit() runs LeakSanitizer's check
# first (lsan_exit.c): a test that leaks fails.
lsan_exit = $(if $(findstring address,$(SAN_CFLAGS)),\
	$(selfdir)/lsan_exit.c -Wl$(comma)--wrap=_exit)
comma := ,

.SECONDEXPANSION:
# In a pattern rule's prerequisites make puts the stem in place of every
# %, even one inside a function call, so the archive filter spells it $(pct).
pct := %
$(OUTPUT)/%: %.c $(LOCAL_HDRS) $$(filter $$(pct).a,$$(LDLIBS)) \
		$(selfdir)/lsan_exit.c
	$(if $(TERN_CFLAGS),,$(error TERN_CFLAGS is not set: build the tests from the top, with 'make tests'))
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) $(KSFT_CFLAGS) \
		$(CPPFLAGS) $(LDFLAGS) $< $(call lsan_exit) $(LDLIBS) -o $@

$(STAGED_FILES): $(OUTPUT)/%: %
	$(Q)mkdir -p $(dir $@)
	$(Q)rm -rf $@ && cp -pR $< $@

# The kselftest runner and the list of tests, in kselftest tree $(1).
define install_tree
	$(Q)mkdir -p $(1)/kselftest
	$(Q)cp -p $(KSFT_DIR)/kselftest/* $(1)/kselftest/
	$(Q)cp -p $(KSFT_DIR)/run_kselftest.sh $(1)/
	$(Q)tmp=$(1)/kselftest-list.txt.$$$$; \
	{ grep -v '^$(COLLECTION):' $(1)/kselftest-list.txt 2>/dev/null; \
	  $(foreach t,$(RUN_LIST),echo '$(COLLECTION):$(t)';) } > $$tmp && \
	mv $$tmp $(1)/kselftest-list.txt
endef

tree: $(BUILT)
	$(call install_tree,$(TREE))

emit_tests:
	@$(foreach t,$(RUN_LIST),echo '$(COLLECTION):$(t)';)

install: all
	$(if $(INSTALL_PATH),,$(error set INSTALL_PATH to the kselftest tree to install into))
	$(Q)mkdir -p $(INSTALL_PATH)/$(COLLECTION)
	$(if $(filter $(abspath $(INSTALL_PATH)/$(COLLECTION)),$(OUTPUT)),,\
		$(Q)cd $(OUTPUT) && cp -pR --parents $(BUILT:$(OUTPUT)/%=%) \
			$(abspath $(INSTALL_PATH))/$(COLLECTION)/)
	$(call install_tree,$(abspath $(INSTALL_PATH)))

# Run the suite as the kernel's runner does: from its directory, with
# BASE_DIR the tree above it. Scripts find the repository through TERN_TOP.
# On the host the runner starts tests under stdbuf, whose LD_PRELOAD comes
# before a sanitized program's libasan: ASAN_OPTIONS allows that.
RUN_ENV = export TERN_TOP=$(top) B=$(B) KSRC=$(KSRC) \
	ASAN_OPTIONS=$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}verify_asan_link_order=0
RUN_TESTS = $(RUN_ENV); cd $(OUTPUT) && BASE_DIR=$(TREE) && \
	. $(TREE)/kselftest/runner.sh && run_many $(RUN_LIST)

run_tests: all
	$(if $(TREE),,$(error run_tests needs OUTPUT to be <tree>/$(COLLECTION)))
ifneq ($(wildcard vm.conf),)
	@$(top)/tools/vm/run --kernel $(VM_KERNEL) \
		$(shell sed 's/#.*//' vm.conf) --include $(TREE) -- \
		'$(RUN_TESTS)'
else
	@$(RUN_TESTS)
endif

clean:
	$(Q)rm -rf $(OUTPUT)

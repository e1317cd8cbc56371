# SPDX-License-Identifier: GPL-2.0
#
# tern-e2ebench, the end-to-end session benchmark (tools/bench/e2e/run),
# over libterne2e (daemon/e2e/e2e.mk, included before this).
#
#   $(B)/bin/tern-e2ebench		objects in $(B)/obj

TERN_E2EBENCH := $(B)/bin/tern-e2ebench
TERN_E2EBENCH_OBJS := $(B)/obj/tools/bench/e2e/e2ebench.o

$(TERN_E2EBENCH_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(E2E_CFLAGS) -MMD -MP -c -o $@ $<

$(TERN_E2EBENCH): $(TERN_E2EBENCH_OBJS) $(LIBTERNE2E)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -lcrypto

-include $(TERN_E2EBENCH_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_E2EBENCH)

# SPDX-License-Identifier: GPL-2.0
#
# tern-gwbench, the gateway benchmark's load generator (Tern clients over
# libterncommon, MQTT clients over libmosquitto), with libternutil's JSON
# writer. daemon/common/common.mk, daemon/lib/lib.mk and tools/lib/lib.mk
# are included before it. `make bench` runs it through tools/bench/gw/run.
#
#   $(B)/bin/tern-gwbench		objects in $(B)/obj

TERN_GWBENCH_SRCS := \
	tools/bench/gw/loop.c \
	tools/bench/gw/main.c \
	tools/bench/gw/report.c \
	tools/bench/gw/stats.c \
	tools/bench/gw/sys_mqtt.c \
	tools/bench/gw/sys_tern.c \
	tools/bench/gw/tern_setup.c

TERN_GWBENCH := $(B)/bin/tern-gwbench
TERN_GWBENCH_OBJS := $(TERN_GWBENCH_SRCS:%.c=$(B)/obj/%.o)

$(TERN_GWBENCH_OBJS): | $(PROTO_GEN_H)

$(TERN_GWBENCH_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) -Itools/lib -MMD -MP \
		-c -o $@ $<

$(TERN_GWBENCH): $(TERN_GWBENCH_OBJS) $(LIBTERNUTIL) $(LIBTERNCOMMON) \
		 $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(TERN_GWBENCH_OBJS) $(LIBTERNUTIL) \
		$(LIBTERNCOMMON) $(LIBTERN) $(DAEMON_LIBS) $(NL_LIBS) -lmosquitto

-include $(TERN_GWBENCH_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_GWBENCH)

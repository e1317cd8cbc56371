# SPDX-License-Identifier: GPL-2.0
#
# tern-priobench, the push-priority benchmark's probe (pushes through
# ternd's control socket, timed) and its bulk uploads and sink, with
# libternutil's JSON writer and the control protocol's protobuf-c code from
# libterncommon. daemon/common/common.mk and tools/lib/lib.mk are included
# before it. `make bench` runs it through tools/bench/prio/run.
#
#   $(B)/bin/tern-priobench		objects in $(B)/obj

TERN_PRIOBENCH_SRCS := \
	tools/bench/prio/bulk.c \
	tools/bench/prio/ctl.c \
	tools/bench/prio/main.c \
	tools/bench/prio/probe.c \
	tools/bench/prio/stats.c

TERN_PRIOBENCH := $(B)/bin/tern-priobench
TERN_PRIOBENCH_OBJS := $(TERN_PRIOBENCH_SRCS:%.c=$(B)/obj/%.o)

$(TERN_PRIOBENCH_OBJS): | $(PROTO_GEN_H)

$(TERN_PRIOBENCH_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) -Itools/lib -MMD -MP \
		-c -o $@ $<

$(TERN_PRIOBENCH): $(TERN_PRIOBENCH_OBJS) $(LIBTERNUTIL) $(LIBTERNCOMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(TERN_PRIOBENCH_OBJS) $(LIBTERNUTIL) \
		$(LIBTERNCOMMON) -lprotobuf-c

-include $(TERN_PRIOBENCH_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_PRIOBENCH)

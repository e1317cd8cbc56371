# SPDX-License-Identifier: GPL-2.0
#
# tern-bench, the kernel/user boundary benchmark, over libtern and
# libternutil (daemon/lib/lib.mk and tools/lib/lib.mk, included before it). `make bench` runs it in a
# VM through tools/bench/run.
#
#   $(B)/bin/tern-bench		objects in $(B)/obj

TERN_BENCH_SRCS := \
	tools/bench/gen.c \
	tools/bench/gen_load.c \
	tools/bench/main.c \
	tools/bench/measure.c \
	tools/bench/metrics.c \
	tools/bench/pairs.c \
	tools/bench/path_epoll.c \
	tools/bench/path_tern.c \
	tools/bench/payload.c \
	tools/bench/reader.c \
	tools/bench/report.c \
	tools/bench/run.c \
	tools/bench/sysinfo.c

TERN_BENCH := $(B)/bin/tern-bench
TERN_BENCH_OBJS := $(TERN_BENCH_SRCS:%.c=$(B)/obj/%.o)

$(TERN_BENCH_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) -Itools/lib -pthread -MMD -MP -c -o $@ $<

$(TERN_BENCH): $(TERN_BENCH_OBJS) $(LIBTERNUTIL) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $(TERN_BENCH_OBJS) $(LIBTERNUTIL) \
		$(LIBTERN) $(NL_LIBS) -lm

-include $(TERN_BENCH_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_BENCH)

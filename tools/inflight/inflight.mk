# SPDX-License-Identifier: GPL-2.0
#
# tern-inflight-filter, the loader of bpf/tern_inflight.bpf.c (the
# in-flight link simulator's messaging-only plan; tools/inflight/inflight
# runs it). It includes the program's skeleton (bpf/bpf.mk, included
# before this file) and links libbpf, and libterncommon for the address
# parser (daemon/common/common.mk, included before this file).
#
#   $(B)/bin/tern-inflight-filter		normal build, objects in $(B)/obj
#   $(B)/san/bin/tern-inflight-filter		ASan+UBSan build, for tests/inflight
#   $(B)/san/lib/libinflight.a			the endpoint parser, for the
#						unit test in tests/inflight (with
#						$(B)/san/lib/libterncommon.a)

INFLIGHT_LIB_SRCS := tools/inflight/endpoint.c
INFLIGHT_MAIN_SRCS := tools/inflight/inflight-filter.c

INFLIGHT_FILTER := $(B)/bin/tern-inflight-filter
INFLIGHT_FILTER_SAN := $(B)/san/bin/tern-inflight-filter
LIBINFLIGHT_SAN := $(B)/san/lib/libinflight.a
INFLIGHT_OBJS := $(INFLIGHT_LIB_SRCS:%.c=$(B)/obj/%.o) \
	$(INFLIGHT_MAIN_SRCS:%.c=$(B)/obj/%.o)
INFLIGHT_LIB_SAN_OBJS := $(INFLIGHT_LIB_SRCS:%.c=$(B)/san/obj/%.o)
INFLIGHT_SAN_OBJS := $(INFLIGHT_LIB_SAN_OBJS) \
	$(INFLIGHT_MAIN_SRCS:%.c=$(B)/san/obj/%.o)

INFLIGHT_CFLAGS := -I$(CURDIR)/bpf -I$(B)/bpf -I$(CURDIR)/daemon/common \
	$(shell pkg-config --cflags libbpf 2>/dev/null)
INFLIGHT_LIBS := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf)

$(INFLIGHT_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(INFLIGHT_CFLAGS) -MMD -MP -c -o $@ $<

$(INFLIGHT_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) $(INFLIGHT_CFLAGS) -MMD -MP -c -o $@ $<

# The loader includes the programs' skeleton.
$(B)/obj/tools/inflight/inflight-filter.o \
$(B)/san/obj/tools/inflight/inflight-filter.o: $(B)/bpf/tern_inflight.skel.h

$(INFLIGHT_FILTER): $(INFLIGHT_OBJS) $(LIBTERNCOMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(INFLIGHT_LIBS)

$(INFLIGHT_FILTER_SAN): $(INFLIGHT_SAN_OBJS) $(LIBTERNCOMMON_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(INFLIGHT_LIBS)

$(LIBINFLIGHT_SAN): $(INFLIGHT_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(INFLIGHT_OBJS:.o=.d) $(INFLIGHT_SAN_OBJS:.o=.d)

USERSPACE_TARGETS += $(INFLIGHT_FILTER) $(INFLIGHT_FILTER_SAN) \
	$(LIBINFLIGHT_SAN)

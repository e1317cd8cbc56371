# SPDX-License-Identifier: GPL-2.0
#
# libternutil: code the tools share that is not part of the daemons'
# library: the JSON writer (ternctl, tern-bench) and loopback TCP pairs
# with fixed-key kTLS (tern-bench, tern-demo, the test suites).
#
#   $(B)/lib/libternutil.a		normal build
#   $(B)/san/lib/libternutil.a	ASan+UBSan build, for the tests

LIBTERNUTIL_SRCS := tools/lib/json.c tools/lib/loopback.c

LIBTERNUTIL := $(B)/lib/libternutil.a
LIBTERNUTIL_SAN := $(B)/san/lib/libternutil.a
LIBTERNUTIL_OBJS := $(LIBTERNUTIL_SRCS:%.c=$(B)/obj/%.o)
LIBTERNUTIL_SAN_OBJS := $(LIBTERNUTIL_SRCS:%.c=$(B)/san/obj/%.o)

$(LIBTERNUTIL_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERNUTIL_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERNUTIL): $(LIBTERNUTIL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNUTIL_SAN): $(LIBTERNUTIL_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(LIBTERNUTIL_OBJS:.o=.d) $(LIBTERNUTIL_SAN_OBJS:.o=.d)

USERSPACE_TARGETS += $(LIBTERNUTIL) $(LIBTERNUTIL_SAN)

# SPDX-License-Identifier: GPL-2.0
#
# libtern: the userspace client of the tern genetlink family, and the frame
# parser shared with tern.ko. Included by the top-level Makefile, which
# exports B, CC, CFLAGS, TERN_CFLAGS, SAN_CFLAGS and NL_LIBS.
#
#   $(B)/lib/libtern.a		normal build, objects in $(B)/obj
#   $(B)/san/lib/libtern.a	ASan+UBSan build, objects in $(B)/san/obj
#
# Programs link with $(LIBTERN) $(NL_LIBS) (or the _SAN variant). The unit
# tests, against a fake tern.ko, are tests/host/libtern_test.c.

LIBTERN_SRCS := \
	daemon/lib/tern_nl.c \
	daemon/lib/tern_nl_conn.c \
	daemon/lib/tern_nl_event.c \
	daemon/lib/tern_nl_frame.c \
	daemon/lib/tern_nl_names.c \
	daemon/lib/tern_nl_req.c \
	$(wildcard kmod/frame.c)

LIBTERN := $(B)/lib/libtern.a
LIBTERN_SAN := $(B)/san/lib/libtern.a
LIBTERN_OBJS := $(LIBTERN_SRCS:%.c=$(B)/obj/%.o)
LIBTERN_SAN_OBJS := $(LIBTERN_SRCS:%.c=$(B)/san/obj/%.o)

$(LIBTERN_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERN_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERN): $(LIBTERN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERN_SAN): $(LIBTERN_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(LIBTERN_OBJS:.o=.d) $(LIBTERN_SAN_OBJS:.o=.d)

USERSPACE_TARGETS += $(LIBTERN) $(LIBTERN_SAN)


# SPDX-License-Identifier: GPL-2.0
#
# ternctl, over libtern and libternutil (daemon/lib/lib.mk and
# tools/lib/lib.mk, included before this file).
#
#   $(B)/bin/ternctl			normal build, objects in $(B)/obj
#   $(B)/san/bin/ternctl		ASan+UBSan build, objects in $(B)/san/obj
#   $(B)/san/lib/libternctl.a	everything but main(), for the unit tests
#					in tests/host/ternctl_test.c

TERNCTL_LIB_SRCS := \
	tools/ternctl/conn.c \
	tools/ternctl/conninfo.c \
	tools/ternctl/events.c \
	tools/ternctl/util.c
TERNCTL_MAIN_SRCS := tools/ternctl/main.c

TERNCTL := $(B)/bin/ternctl
TERNCTL_SAN := $(B)/san/bin/ternctl
LIBTERNCTL := $(B)/lib/libternctl.a
LIBTERNCTL_SAN := $(B)/san/lib/libternctl.a
TERNCTL_OBJS := $(TERNCTL_LIB_SRCS:%.c=$(B)/obj/%.o)
TERNCTL_SAN_OBJS := $(TERNCTL_LIB_SRCS:%.c=$(B)/san/obj/%.o)
TERNCTL_MAIN_OBJ := $(TERNCTL_MAIN_SRCS:%.c=$(B)/obj/%.o)
TERNCTL_SAN_MAIN_OBJ := $(TERNCTL_MAIN_SRCS:%.c=$(B)/san/obj/%.o)

$(TERNCTL_OBJS) $(TERNCTL_MAIN_OBJ): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(TERNCTL_SAN_OBJS) $(TERNCTL_SAN_MAIN_OBJ): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(LIBTERNCTL): $(TERNCTL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNCTL_SAN): $(TERNCTL_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(TERNCTL): $(TERNCTL_MAIN_OBJ) $(LIBTERNCTL) $(LIBTERNUTIL) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NL_LIBS)

$(TERNCTL_SAN): $(TERNCTL_SAN_MAIN_OBJ) $(LIBTERNCTL_SAN) $(LIBTERNUTIL_SAN) \
		$(LIBTERN_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(NL_LIBS)

-include $(TERNCTL_OBJS:.o=.d) $(TERNCTL_SAN_OBJS:.o=.d) \
	$(TERNCTL_MAIN_OBJ:.o=.d) $(TERNCTL_SAN_MAIN_OBJ:.o=.d)

USERSPACE_TARGETS += $(TERNCTL) $(TERNCTL_SAN) $(LIBTERNCTL_SAN)

# SPDX-License-Identifier: GPL-2.0
#
# ternd, the device daemon, over libterncommon and libtern
# (daemon/common/common.mk and daemon/lib/lib.mk, included before this),
# libterndir and libternkt for the directory (daemon/dir/dir.mk,
# daemon/kt/kt.mk; libcurl, jansson), and libterne2e for end-to-end
# sessions (daemon/e2e/e2e.mk).
#
#   $(B)/bin/ternd			normal build
#   $(B)/san/bin/ternd		ASan+UBSan build, which the tests run
#   $(B)/lib/libternd.a, $(B)/san/lib/libternd.a
#					everything but main(), for tests
#
# The unit tests build the files they test themselves (tests/daemon:
# hb_test.c with hb.c, dstore_test.c with dstore.c).

TERND_LIB_SRCS := $(filter-out daemon/ternd/main.c,$(wildcard daemon/ternd/*.c))
TERND_MAIN_SRCS := daemon/ternd/main.c

TERND_CFLAGS = $(DAEMON_CFLAGS) $(DIR_CFLAGS) $(E2E_CFLAGS)

TERND := $(B)/bin/ternd
TERND_SAN := $(B)/san/bin/ternd
LIBTERND := $(B)/lib/libternd.a
LIBTERND_SAN := $(B)/san/lib/libternd.a
TERND_OBJS := $(TERND_LIB_SRCS:%.c=$(B)/obj/%.o)
TERND_SAN_OBJS := $(TERND_LIB_SRCS:%.c=$(B)/san/obj/%.o)
TERND_MAIN_OBJ := $(TERND_MAIN_SRCS:%.c=$(B)/obj/%.o)
TERND_SAN_MAIN_OBJ := $(TERND_MAIN_SRCS:%.c=$(B)/san/obj/%.o)

$(TERND_OBJS) $(TERND_SAN_OBJS) $(TERND_MAIN_OBJ) $(TERND_SAN_MAIN_OBJ): \
	| $(PROTO_GEN_H)

$(TERND_OBJS) $(TERND_MAIN_OBJ): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(TERND_CFLAGS) -MMD -MP -c -o $@ $<

$(TERND_SAN_OBJS) $(TERND_SAN_MAIN_OBJ): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(TERND_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERND): $(TERND_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERND_SAN): $(TERND_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(TERND): $(TERND_MAIN_OBJ) $(LIBTERND) $(LIBTERNDIR) $(LIBTERNKT) \
		$(LIBTERNE2E) $(LIBTERNCOMMON) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(DIR_LIBS) $(NL_LIBS)

$(TERND_SAN): $(TERND_SAN_MAIN_OBJ) $(LIBTERND_SAN) $(LIBTERNDIR_SAN) \
		$(LIBTERNKT_SAN) $(LIBTERNE2E_SAN) $(LIBTERNCOMMON_SAN) \
		$(LIBTERN_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(DIR_LIBS) $(NL_LIBS)

-include $(TERND_OBJS:.o=.d) $(TERND_SAN_OBJS:.o=.d) \
	$(TERND_MAIN_OBJ:.o=.d) $(TERND_SAN_MAIN_OBJ:.o=.d)

USERSPACE_TARGETS += $(TERND) $(TERND_SAN) $(LIBTERND_SAN)

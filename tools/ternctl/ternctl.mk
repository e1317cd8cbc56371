# SPDX-License-Identifier: GPL-2.0
#
# ternctl, over libtern, libternutil and libterncommon (daemon/lib/lib.mk,
# tools/lib/lib.mk and daemon/common/common.mk, included before this file).
# device.c talks to ternd's control socket (daemon/proto/ctl.proto).
# prio*.c load bpf/tern_prio.bpf.c through its skeleton (bpf/bpf.mk,
# included before this file) with libbpf, and build the qdisc tree with
# libnl-route-3. dir.c is the directory's client, with libterndir and
# libcurl (daemon/dir/dir.mk, included before this file).
#
#   $(B)/bin/ternctl			normal build, objects in $(B)/obj
#   $(B)/san/bin/ternctl		ASan+UBSan build, objects in $(B)/san/obj
#   $(B)/san/lib/libternctl.a	everything but main(), for the unit tests
#					in tests/host/ternctl_test.c

TERNCTL_LIB_SRCS := \
	tools/ternctl/chat.c \
	tools/ternctl/chatcl.c \
	tools/ternctl/chatops.c \
	tools/ternctl/conn.c \
	tools/ternctl/conninfo.c \
	tools/ternctl/device.c \
	tools/ternctl/devlink.c \
	tools/ternctl/dir.c \
	tools/ternctl/dir_account.c \
	tools/ternctl/events.c \
	tools/ternctl/prio.c \
	tools/ternctl/prio_bpf.c \
	tools/ternctl/prio_dev.c \
	tools/ternctl/prio_rate.c \
	tools/ternctl/prio_tc.c \
	tools/ternctl/resolve.c \
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

PRIO_CFLAGS := -I$(CURDIR)/bpf -I$(B)/bpf \
	$(shell pkg-config --cflags libnl-route-3.0 libbpf 2>/dev/null)
PRIO_LIBS := $(or $(shell pkg-config --libs libnl-route-3.0 libbpf 2>/dev/null),\
	-lnl-route-3 -lnl-3 -lbpf)
# dir.c: the directory's client (libterndir, libternkt; libcurl comes
# with DIR_LIBS).
TERNCTL_DIR_CFLAGS := $(DIR_CFLAGS)
TERNCTL_DIR_LIBS := $(DIR_LIBS)

$(TERNCTL_OBJS) $(TERNCTL_MAIN_OBJ): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) $(PRIO_CFLAGS) $(TERNCTL_DIR_CFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(TERNCTL_SAN_OBJS) $(TERNCTL_SAN_MAIN_OBJ): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) $(DAEMON_CFLAGS) $(PRIO_CFLAGS) $(TERNCTL_DIR_CFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

# device.c includes the generated protobuf-c headers.
$(TERNCTL_OBJS) $(TERNCTL_SAN_OBJS): | $(PROTO_GEN_H)
# prio_bpf.c includes the program's skeleton.
$(B)/obj/tools/ternctl/prio_bpf.o $(B)/san/obj/tools/ternctl/prio_bpf.o: \
	$(B)/bpf/tern_prio.skel.h

$(LIBTERNCTL): $(TERNCTL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNCTL_SAN): $(TERNCTL_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(TERNCTL): $(TERNCTL_MAIN_OBJ) $(LIBTERNCTL) $(LIBTERNUTIL) \
		$(LIBTERNDIR) $(LIBTERNKT) $(LIBTERNCOMMON) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(PRIO_LIBS) $(TERNCTL_DIR_LIBS) $(NL_LIBS)

$(TERNCTL_SAN): $(TERNCTL_SAN_MAIN_OBJ) $(LIBTERNCTL_SAN) $(LIBTERNUTIL_SAN) \
		$(LIBTERNDIR_SAN) $(LIBTERNKT_SAN) $(LIBTERNCOMMON_SAN) \
		$(LIBTERN_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(PRIO_LIBS) $(TERNCTL_DIR_LIBS) $(NL_LIBS)

-include $(TERNCTL_OBJS:.o=.d) $(TERNCTL_SAN_OBJS:.o=.d) \
	$(TERNCTL_MAIN_OBJ:.o=.d) $(TERNCTL_SAN_MAIN_OBJ:.o=.d)

USERSPACE_TARGETS += $(TERNCTL) $(TERNCTL_SAN) $(LIBTERNCTL_SAN)

# SPDX-License-Identifier: GPL-2.0
#
# tern-idlepop, the idle-connection population of the restart and memory
# benchmark (tools/bench/idle/run), over libterncommon, libtern and the
# gateway's kconns.db code. daemon/common/common.mk, daemon/lib/lib.mk and
# daemon/gateway/gateway.mk are included before it.
#
#   $(B)/bin/tern-idlepop		objects in $(B)/obj

TERN_IDLEPOP := $(B)/bin/tern-idlepop
TERN_IDLEPOP_OBJS := $(B)/obj/tools/bench/idle/idlepop.o
TERN_IDLEPOP_GW_OBJS := $(B)/obj/daemon/gateway/kstate.o

$(TERN_IDLEPOP_OBJS): | $(PROTO_GEN_H)

$(TERN_IDLEPOP_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) -Idaemon/gateway \
		-MMD -MP -c -o $@ $<

$(TERN_IDLEPOP): $(TERN_IDLEPOP_OBJS) $(TERN_IDLEPOP_GW_OBJS) \
		 $(LIBTERNCOMMON) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(NL_LIBS)

-include $(TERN_IDLEPOP_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_IDLEPOP)

# tern-storm: the e2e suites' crowd of devices (tests/e2e/storm.c), the
# same program, for the benchmark's real-handshake legs.
TERN_STORM := $(B)/bin/tern-storm
TERN_STORM_OBJS := $(B)/obj/tools/bench/idle/storm.o

$(TERN_STORM_OBJS): | $(PROTO_GEN_H)

$(TERN_STORM_OBJS): tests/e2e/storm.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) -MMD -MP -c -o $@ $<

$(TERN_STORM): $(TERN_STORM_OBJS) $(LIBTERNCOMMON) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(NL_LIBS)

-include $(TERN_STORM_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_STORM)

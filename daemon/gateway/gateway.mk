# SPDX-License-Identifier: GPL-2.0
#
# tern-gatewayd, the push gateway, over libterncommon and libtern
# (daemon/common/common.mk and daemon/lib/lib.mk, included before this).
#
#   $(B)/bin/tern-gatewayd		normal build
#   $(B)/san/bin/tern-gatewayd	ASan+UBSan build, which the tests run

GATEWAY_SRCS := $(wildcard daemon/gateway/*.c)

GATEWAYD := $(B)/bin/tern-gatewayd
GATEWAYD_SAN := $(B)/san/bin/tern-gatewayd
GATEWAY_OBJS := $(GATEWAY_SRCS:%.c=$(B)/obj/%.o)
GATEWAY_SAN_OBJS := $(GATEWAY_SRCS:%.c=$(B)/san/obj/%.o)

$(GATEWAY_OBJS) $(GATEWAY_SAN_OBJS): | $(PROTO_GEN_H)

$(GATEWAY_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) -MMD -MP -c -o $@ $<

$(GATEWAY_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DAEMON_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(GATEWAYD): $(GATEWAY_OBJS) $(LIBTERNCOMMON) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(NL_LIBS)

$(GATEWAYD_SAN): $(GATEWAY_SAN_OBJS) $(LIBTERNCOMMON_SAN) $(LIBTERN_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(DAEMON_LIBS) $(NL_LIBS)

-include $(GATEWAY_OBJS:.o=.d) $(GATEWAY_SAN_OBJS:.o=.d)

USERSPACE_TARGETS += $(GATEWAYD) $(GATEWAYD_SAN)

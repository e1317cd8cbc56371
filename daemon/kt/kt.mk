# SPDX-License-Identifier: GPL-2.0
#
# libternkt: key transparency (Documentation/directory.rst): the RFC 9162
# log of map roots, the sparse Merkle map of handles, the VRF that keys it,
# signed tree heads. Pure computation over OpenSSL's libcrypto: the
# directory builds proofs with it, the device daemon and 'ternctl audit'
# check them. Included by the top-level Makefile after common.mk.
#
#   $(B)/lib/libternkt.a		normal build
#   $(B)/san/lib/libternkt.a		ASan+UBSan build, for the tests
#
# Programs link with $(LIBTERNKT) -lcrypto.

KT_SRCS := $(wildcard daemon/kt/*.c)
KT_CFLAGS := -I$(CURDIR)/daemon/kt

LIBTERNKT := $(B)/lib/libternkt.a
LIBTERNKT_SAN := $(B)/san/lib/libternkt.a
LIBTERNKT_OBJS := $(KT_SRCS:%.c=$(B)/obj/%.o)
LIBTERNKT_SAN_OBJS := $(KT_SRCS:%.c=$(B)/san/obj/%.o)

$(B)/obj/daemon/kt/%.o: daemon/kt/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(KT_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/obj/daemon/kt/%.o: daemon/kt/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(KT_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERNKT): $(LIBTERNKT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNKT_SAN): $(LIBTERNKT_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(LIBTERNKT_OBJS:.o=.d) $(LIBTERNKT_SAN_OBJS:.o=.d)

export KT_CFLAGS
USERSPACE_TARGETS += $(LIBTERNKT) $(LIBTERNKT_SAN)

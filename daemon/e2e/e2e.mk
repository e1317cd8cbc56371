# SPDX-License-Identifier: GPL-2.0
#
# libterne2e: end-to-end sessions (Documentation/e2e.rst): the X25519,
# HKDF, HMAC and AES-256-GCM primitives over libcrypto, the key agreement,
# and the Double Ratchet. Pure computation: the device daemon keeps the
# sessions, the tests replay an independent implementation's vectors.
# Included by the top-level Makefile with the other libraries.
#
#   $(B)/lib/libterne2e.a		normal build
#   $(B)/san/lib/libterne2e.a		ASan+UBSan build, for the tests
#
# Programs link with $(LIBTERNE2E) -lcrypto.

E2E_SRCS := $(wildcard daemon/e2e/*.c)
E2E_CFLAGS := -I$(CURDIR)/daemon/e2e

LIBTERNE2E := $(B)/lib/libterne2e.a
LIBTERNE2E_SAN := $(B)/san/lib/libterne2e.a
LIBTERNE2E_OBJS := $(E2E_SRCS:%.c=$(B)/obj/%.o)
LIBTERNE2E_SAN_OBJS := $(E2E_SRCS:%.c=$(B)/san/obj/%.o)

$(B)/obj/daemon/e2e/%.o: daemon/e2e/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(E2E_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/obj/daemon/e2e/%.o: daemon/e2e/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(E2E_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERNE2E): $(LIBTERNE2E_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNE2E_SAN): $(LIBTERNE2E_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(LIBTERNE2E_OBJS:.o=.d) $(LIBTERNE2E_SAN_OBJS:.o=.d)

export E2E_CFLAGS
USERSPACE_TARGETS += $(LIBTERNE2E) $(LIBTERNE2E_SAN)

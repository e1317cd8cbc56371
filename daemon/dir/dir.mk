# SPDX-License-Identifier: GPL-2.0
#
# libterndir: what tern-directoryd and its clients (ternd, ternctl) share
# (Documentation/directory.rst): strict base64, handles, the entry's
# commitment and signed byte strings, the JSON of key-transparency proofs,
# the client's check of a lookup answer, and its HTTPS requests. Stands on
# libternkt (kt.mk, included before this file), jansson, libcurl and
# libcrypto.
#
#   $(B)/lib/libterndir.a		normal build
#   $(B)/san/lib/libterndir.a		ASan+UBSan build, for the tests
#
# Programs link with $(LIBTERNDIR) $(LIBTERNKT) $(DIR_LIBS).

DIR_SRCS := $(wildcard daemon/dir/*.c)
DIR_CFLAGS := -I$(CURDIR)/daemon/dir $(KT_CFLAGS) \
	$(shell pkg-config --cflags jansson libcurl 2>/dev/null)
DIR_LIBS := $(or $(shell pkg-config --libs jansson 2>/dev/null),-ljansson) \
	$(or $(shell pkg-config --libs libcurl 2>/dev/null),-lcurl) \
	-lcrypto -lpthread

LIBTERNDIR := $(B)/lib/libterndir.a
LIBTERNDIR_SAN := $(B)/san/lib/libterndir.a
LIBTERNDIR_OBJS := $(DIR_SRCS:%.c=$(B)/obj/%.o)
LIBTERNDIR_SAN_OBJS := $(DIR_SRCS:%.c=$(B)/san/obj/%.o)

$(B)/obj/daemon/dir/%.o: daemon/dir/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIR_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/obj/daemon/dir/%.o: daemon/dir/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIR_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBTERNDIR): $(LIBTERNDIR_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBTERNDIR_SAN): $(LIBTERNDIR_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(LIBTERNDIR_OBJS:.o=.d) $(LIBTERNDIR_SAN_OBJS:.o=.d)

export DIR_CFLAGS DIR_LIBS
USERSPACE_TARGETS += $(LIBTERNDIR) $(LIBTERNDIR_SAN)

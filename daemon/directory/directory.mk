# SPDX-License-Identifier: GPL-2.0
#
# tern-directoryd, the directory (Documentation/directory.rst), over
# libterndir, libternkt and libterncommon (included before this file),
# libevent with its OpenSSL binding, jansson, SQLite and libcurl (the
# registration codes' mail).
#
#   $(B)/bin/tern-directoryd		normal build
#   $(B)/san/bin/tern-directoryd	ASan+UBSan build, which the tests run
#   $(B)/san/bin/tern-directoryd-misbehave
#					ASan+UBSan build with misbehave.c: a
#					directory that lies, for the tests of
#					the clients' checks; never installed

DIRECTORY_SRCS := $(filter-out daemon/directory/misbehave.c,\
	$(wildcard daemon/directory/*.c))
DIRECTORY_MB_SRCS := $(DIRECTORY_SRCS) daemon/directory/misbehave.c

DIRECTORYD := $(B)/bin/tern-directoryd
DIRECTORYD_SAN := $(B)/san/bin/tern-directoryd
DIRECTORY_OBJS := $(DIRECTORY_SRCS:%.c=$(B)/obj/%.o)
DIRECTORY_SAN_OBJS := $(DIRECTORY_SRCS:%.c=$(B)/san/obj/%.o)
DIRECTORYD_MB := $(B)/san/bin/tern-directoryd-misbehave
DIRECTORY_MB_OBJS := $(DIRECTORY_MB_SRCS:%.c=$(B)/san/obj-misbehave/%.o)

DIRECTORY_CFLAGS := $(DAEMON_CFLAGS) $(DIR_CFLAGS) \
	$(shell pkg-config --cflags libevent_openssl libcurl 2>/dev/null)
DIRECTORY_LIBS := $(or $(shell pkg-config --libs libevent_openssl 2>/dev/null),\
	-levent_openssl -levent) \
	$(or $(shell pkg-config --libs libcurl 2>/dev/null),-lcurl) \
	$(DIR_LIBS) $(DAEMON_LIBS)

$(DIRECTORY_OBJS) $(DIRECTORY_SAN_OBJS) $(DIRECTORY_MB_OBJS): | $(PROTO_GEN_H)

$(DIRECTORY_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIRECTORY_CFLAGS) -MMD -MP -c -o $@ $<

$(DIRECTORY_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIRECTORY_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(DIRECTORY_MB_OBJS): $(B)/san/obj-misbehave/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIRECTORY_CFLAGS) $(SAN_CFLAGS) -DTERN_DIRD_MISBEHAVE -MMD -MP -c -o $@ $<

$(DIRECTORYD): $(DIRECTORY_OBJS) $(LIBTERNDIR) $(LIBTERNKT) $(LIBTERNCOMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DIRECTORY_LIBS)

$(DIRECTORYD_SAN): $(DIRECTORY_SAN_OBJS) $(LIBTERNDIR_SAN) $(LIBTERNKT_SAN) \
		$(LIBTERNCOMMON_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(DIRECTORY_LIBS)

$(DIRECTORYD_MB): $(DIRECTORY_MB_OBJS) $(LIBTERNDIR_SAN) $(LIBTERNKT_SAN) \
		$(LIBTERNCOMMON_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(DIRECTORY_LIBS)

-include $(DIRECTORY_OBJS:.o=.d) $(DIRECTORY_SAN_OBJS:.o=.d) \
	$(DIRECTORY_MB_OBJS:.o=.d)

USERSPACE_TARGETS += $(DIRECTORYD) $(DIRECTORYD_SAN) $(DIRECTORYD_MB)

# SPDX-License-Identifier: GPL-2.0
#
# ternchat: a chat client for a person at a terminal, over ternd's client
# API (Documentation/man/ternchat.1), with ncursesw and jansson. It checks
# handles with daemon/dir/handle.c, from libterndir (daemon/dir/dir.mk,
# included before this file): only that object is linked in.
#
#   $(B)/bin/ternchat		normal build, objects in $(B)/obj
#   $(B)/san/bin/ternchat	ASan+UBSan build, objects in $(B)/san/obj

TERNCHAT_SRCS := \
	tools/ternchat/client.c \
	tools/ternchat/cmd.c \
	tools/ternchat/compose.c \
	tools/ternchat/conn.c \
	tools/ternchat/events.c \
	tools/ternchat/keys.c \
	tools/ternchat/main.c \
	tools/ternchat/model.c \
	tools/ternchat/msgline.c \
	tools/ternchat/opts.c \
	tools/ternchat/view.c \
	tools/ternchat/wtext.c

TERNCHAT := $(B)/bin/ternchat
TERNCHAT_SAN := $(B)/san/bin/ternchat
TERNCHAT_OBJS := $(TERNCHAT_SRCS:%.c=$(B)/obj/%.o)
TERNCHAT_SAN_OBJS := $(TERNCHAT_SRCS:%.c=$(B)/san/obj/%.o)

# The wide-character curses (get_wch, addnwstr): ncursesw.
TERNCHAT_CFLAGS := -DNCURSES_WIDECHAR=1 -I$(CURDIR)/daemon/dir \
	$(shell pkg-config --cflags ncursesw jansson 2>/dev/null)
TERNCHAT_LIBS := $(or $(shell pkg-config --libs ncursesw 2>/dev/null),\
	-lncursesw -ltinfo) \
	$(or $(shell pkg-config --libs jansson 2>/dev/null),-ljansson)

$(TERNCHAT_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(TERNCHAT_CFLAGS) -MMD -MP -c -o $@ $<

$(TERNCHAT_SAN_OBJS): $(B)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(SAN_CFLAGS) $(TERNCHAT_CFLAGS) -MMD -MP -c -o $@ $<

$(TERNCHAT): $(TERNCHAT_OBJS) $(LIBTERNDIR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(TERNCHAT_LIBS)

$(TERNCHAT_SAN): $(TERNCHAT_SAN_OBJS) $(LIBTERNDIR_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(TERNCHAT_LIBS)

-include $(TERNCHAT_OBJS:.o=.d) $(TERNCHAT_SAN_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERNCHAT) $(TERNCHAT_SAN)

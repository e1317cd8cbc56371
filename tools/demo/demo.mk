# SPDX-License-Identifier: GPL-2.0
# tern-demo (make demo), over libtern and libternutil.

TERN_DEMO := $(B)/bin/tern-demo
TERN_DEMO_SRCS := tools/demo/tern-demo.c
TERN_DEMO_OBJS := $(TERN_DEMO_SRCS:%.c=$(B)/obj/%.o)

$(TERN_DEMO_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(TERN_DEMO): $(TERN_DEMO_OBJS) $(LIBTERNUTIL) $(LIBTERN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NL_LIBS)

-include $(TERN_DEMO_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_DEMO)

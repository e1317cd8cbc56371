# SPDX-License-Identifier: GPL-2.0
#
# tern-dirbench, the directory benchmark's populate and load halves
# (tools/bench/dir/run), over tern-directoryd's store and epoch code,
# libterndir, libternkt, libterncommon and libcurl
# (daemon/directory/directory.mk and the libraries, included before).
#
#   $(B)/bin/tern-dirbench		objects in $(B)/obj

TERN_DIRBENCH := $(B)/bin/tern-dirbench
TERN_DIRBENCH_OBJS := $(B)/obj/tools/bench/dir/dirbench.o
TERN_DIRBENCH_DAEMON_OBJS := $(B)/obj/daemon/directory/store.o \
	$(B)/obj/daemon/directory/epoch.o

$(TERN_DIRBENCH_OBJS): $(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TERN_CFLAGS) $(DIRECTORY_CFLAGS) -Idaemon/directory \
		-MMD -MP -c -o $@ $<

$(TERN_DIRBENCH): $(TERN_DIRBENCH_OBJS) $(TERN_DIRBENCH_DAEMON_OBJS) \
		$(LIBTERNDIR) $(LIBTERNKT) $(LIBTERNCOMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(DIRECTORY_LIBS) -lm

-include $(TERN_DIRBENCH_OBJS:.o=.d)

USERSPACE_TARGETS += $(TERN_DIRBENCH)

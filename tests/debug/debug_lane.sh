#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane (Documentation/debug-lane.rst) reports what it is
# there to catch. From the host, each case boots the debug kernel with
# tools/vm/run: the test builds of `make debug-kernel` that inject a
# use-after-free or a leak (kmod/inject.h), then a guest that taints its
# kernel; and failslab is refused on a kernel without it. (That a clean
# tern.ko passes, and failslab at work, are make check's debug-kernel
# runs of the module's suites.)
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

ktap_print_header
. "$DIR/../vm/vm_lib.sh"
VM_ARGS=(--kernel debug)
if ! rel=$("$top/tools/vm/kver" debug 2>&1); then
	ktap_skip_all "the debug kernel is not built ($rel)"
	exit "$KSFT_SKIP"
fi
# (The plain build is what the taint case loads.)
for k in "$B/kmod/$rel/kmod/tern.ko" "$B/kmod/$rel-inject-uaf/kmod/tern.ko" \
	 "$B/kmod/$rel-inject-leak/kmod/tern.ko"; do
	if [ ! -f "$k" ]; then
		ktap_skip_all "$k is not built: run 'make debug-kernel'"
		exit "$KSFT_SKIP"
	fi
done
ktap_set_plan 4

vm --module "$B/kmod/$rel-inject-uaf/kmod/tern.ko" -- true
expect "an injected use-after-free: KASAN reports it and the run fails" 121 \
	'BUG: KASAN: slab-use-after-free in tern_inject' 'Kernel panic'

vm --module "$B/kmod/$rel-inject-leak/kmod/tern.ko" -- true
expect "an injected leak: kmemleak reports it and the run fails" 122 \
	'kmemleak: unreferenced object .* \(size 128\)' \
	'kmemleak: +tern_inject\+0x[0-9a-f]+ \[tern\]' \
	'kmemleak: 1 unreferenced objects'

# A guest command that succeeds, on a kernel it tainted (W: 512).
vm -- 'echo 512 > /proc/sys/kernel/tainted'
expect "a tainted kernel fails a passing command" 122 \
	'the kernel is tainted: 4608'

out=$("$run" --kernel 6.12 --failslab 5 -- true 2>&1)
rc=$?
expect "--failslab on a kernel without it is refused" 2 \
	'--failslab needs --kernel debug'

ktap_finished

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
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
B=${B:-$top/build}
export B
run=$top/tools/vm/run

ktap_print_header
if [ ! -x "$run" ]; then
	ktap_skip_all "no $run: set TERN_TOP to the repository"
	exit "$KSFT_SKIP"
fi
if ! rel=$("$top/tools/vm/kver" debug 2>&1); then
	ktap_skip_all "the debug kernel is not built ($rel)"
	exit "$KSFT_SKIP"
fi
ko=$B/kmod/$rel/kmod/tern.ko
for k in "$ko" "$B/kmod/$rel-inject-uaf/kmod/tern.ko" \
	 "$B/kmod/$rel-inject-leak/kmod/tern.ko"; do
	if [ ! -f "$k" ]; then
		ktap_skip_all "$k is not built: run 'make debug-kernel'"
		exit "$KSFT_SKIP"
	fi
done
ktap_set_plan 4

# vm ARGS...: run tools/vm/run on the debug kernel; its output (both
# streams) in $out, its exit status in $rc. A guest that never came up, or
# took a stray int3 (QEMU TCG, while the kernel patches its own text),
# boots once more: that says nothing about the lane.
vm() {
	out=$("$run" --kernel debug "$@" 2>&1)
	rc=$?
	if [ "$rc" = 119 ] || grep -q 'Oops: int3' <<<"$out"; then
		ktap_print_msg "the VM did not come up or took a stray int3 (exit $rc): booting it again"
		out=$("$run" --kernel debug "$@" 2>&1)
		rc=$?
	fi
}

# expect NAME STATUS PATTERN...: pass if the last vm exited STATUS and its
# output has a line matching each extended regex PATTERN.
expect() {
	local name=$1 want=$2 p ok=1
	shift 2
	[ "$rc" = "$want" ] || ok=0
	for p in "$@"; do
		grep -Eq -- "$p" <<<"$out" || { ok=0; ktap_print_msg "no line matches '$p'"; }
	done
	if [ "$ok" = 1 ]; then
		ktap_test_pass "$name"
		return
	fi
	ktap_print_msg "$name: wanted exit $want; got exit $rc, output:"
	tail -n 60 <<<"$out" | sed 's/^/#   /'
	ktap_test_fail "$name"
}

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

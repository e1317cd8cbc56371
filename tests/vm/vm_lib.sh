# SPDX-License-Identifier: GPL-2.0
#
# What the host suites that boot VMs share (tests/vm, tests/debug):
# sourced after ktap_helpers.sh and ktap_print_header. It finds the
# repository ($top; TERN_TOP overrides), the build ($B) and tools/vm/run
# ($run), skipping the suite without them, and gives
#   vm_once ARGS...  run tools/vm/run $VM_ARGS ARGS...: its output (both
#                    streams) in $out, its exit status in $rc;
#   vm ARGS...       vm_once, booted once more if the guest never came up
#                    (119) or took a stray int3: under QEMU TCG a vCPU that
#                    runs kernel text while another patches it can, which
#                    says nothing about what is tested (tools/check does
#                    the same for the suites). A real fault shows up again;
#   expect NAME STATUS [PATTERN...]
#                    a test case: it passes if the last vm exited STATUS
#                    and its output has a line matching each extended
#                    regex PATTERN; if not, the output's tail is printed.

top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
B=${B:-$top/build}
export B
run=$top/tools/vm/run
VM_ARGS=()

if [ ! -x "$run" ]; then
	ktap_skip_all "no $run: set TERN_TOP to the repository"
	exit "$KSFT_SKIP"
fi

vm_once() {
	out=$("$run" "${VM_ARGS[@]}" "$@" 2>&1)
	rc=$?
}

vm() {
	vm_once "$@"
	if [ "$rc" = 119 ] || grep -q 'Oops: int3' <<<"$out"; then
		ktap_print_msg "the VM did not come up or took a stray int3 (exit $rc): booting it again"
		vm_once "$@"
	fi
}

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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo's conversation (tools/demo/messaging.sh), run here over the
# user transport with the suite's sanitizer builds and certificates, so
# that the main job does not rot: it must end "tern demo: done", each
# person must link a laptop to their phone (a code shown, approved, two
# devices in the directory, no alarm), and the four screens must show
# what the demo says happens (the request, the typing, the reply from
# bob's laptop on both of alice's devices and as sent on his phone, the
# receipts, the reaction, the edit, the unsend, the safety number), with
# no sanitizer report. make demo itself runs it
# in the VM over tern.ko.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
DEMO=$top/tools/demo/messaging.sh

ktap_print_header
[ "$(id -u)" = 0 ] || { ktap_skip_all "needs root (network namespaces)"; exit "$KSFT_SKIP"; }
[ -x "$DEMO" ] || { ktap_skip_all "no $DEMO (a test tree without its repository)"; exit "$KSFT_SKIP"; }
ktap_set_plan 2
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
out=$(DEMO_TRANSPORT=user timeout 300 "$DEMO" "$DIR/bin" "$DIR/pki" 2>&1)
rc=$?
want=(
	"^alice's laptop shows: tern-link:[A-Za-z0-9+/=]{88}$"
	"^bob's phone: approved device [0-9a-f]{32}: "
	"^alice: 2 devices in the directory, no alarm: 0 0$"
	"^bob: 2 devices in the directory, no alarm: 0 0$"
	"\[alice-laptop's screen\] .* -> bob@example.org: Hi Bob! Lunch at noon\? .*\[sent\]"
	"\[bob-laptop's screen\] .* <- alice@example.org: Hi Bob! Lunch at noon\? "
	"\[alice-laptop's screen\] .* <- bob@example.org: \(re [0-9a-f]{8}\) Sure, see you there!"
	"\[bob's screen\] .* -> alice@example.org: \(re [0-9a-f]{8}\) Sure, see you there!  \[sent\]"
	"\[alice's screen\] .* -> bob@example.org: Hi Bob! Lunch at noon\? .*\[delivered\]"
	"alice@example.org  \[request\]  1 unread"
	"\[alice's screen\] bob@example.org is typing\.\.\."
	"\[alice-laptop's screen\] bob@example.org is typing\.\.\."
	"\[alice's screen\] .* <- bob@example.org: \(re [0-9a-f]{8}\) Sure, see you there!"
	"\[alice's screen\] .* -> bob@example.org: Hi Bob! .*\[read\]"
	"\[bob's screen\] .* Sure, see you there! 👍 alice@example.org"
	"\[bob's screen\] .* <- alice@example.org: I'll bring the tickets \(edited\)"
	"\[bob's screen\] .* <- alice@example.org: \(unsent\)"
	"^  [0-9]{5} [0-9]{5} [0-9]{5} [0-9]{5}$"
	"^no handle, no text in "
	"^tern demo: done$"
)
missing=
for re in "${want[@]}"; do
	printf '%s\n' "$out" | grep -Eq -- "$re" || missing="$missing
$re"
done
if [ "$rc" = 0 ] && [ -z "$missing" ]; then
	ktap_test_pass "the demo: a laptop linked to each phone, every kind of message, on all four screens"
else
	printf '%s\n' "$out" | sed 's/^/# /'
	echo "# exit $rc; missing:$missing" | sed '2,$s/^/#   /'
	ktap_test_fail "the demo: a laptop linked to each phone, every kind of message, on all four screens"
fi
if printf '%s\n' "$out" | grep -Eq 'Sanitizer|runtime error'; then
	ktap_test_fail "no sanitizer report"
else
	ktap_test_pass "no sanitizer report"
fi
ktap_finished

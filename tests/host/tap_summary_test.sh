#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of tools/tap-summary, the counter behind `make check`'s
# "N passed, M failed, K skipped" line: feed it TAP whose counts are known,
# hand-written and as the kernel's runner and harness really print it, and
# check its summary line and exit status. One TAP test case per sample.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
summary=$top/tools/tap-summary

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_print_header
if [ ! -x "$summary" ]; then
	ktap_skip_all "no $summary: set TERN_TOP to the repository"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 16

# check NAME EXPECTED_LINE EXPECTED_STATUS: summarise stdin.
check() {
	local name=$1 want=$2 want_rc=$3 out rc
	out=$("$summary" 2>&1)
	rc=$?
	if [ "$(tail -n 1 <<<"$out")" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		ktap_test_pass "$name"
	else
		ktap_print_msg "$name: wanted '$want' (exit $want_rc), got:"
		sed 's/^/#   /' <<<"$out"
		ktap_print_msg "exit $rc"
		ktap_test_fail "$name"
	fi
}

check "flat results, skips counted apart" "2 passed, 1 failed, 1 skipped" 1 <<'EOF'
TAP version 13
1..4
ok 1 first
not ok 2 second
ok 3 third # SKIP no device
ok 4 - fourth
EOF

check "all passed: no skipped field, exit 0" "3 passed, 0 failed" 0 <<'EOF'
TAP version 13
1..3
ok 1 a
ok 2 b # XFAIL expected to fail
ok 3 c
EOF

check "kselftest directives: SKIP/skip/TODO skip, error fails" "1 passed, 1 failed, 3 skipped" 1 <<'EOF'
1..5
ok 1 # SKIP reason
ok 2 x # skip lower case
not ok 3 y # TODO not done
not ok 4 # error something
ok 5 z
EOF

check "nested results counted, passing wrapper not" "2 passed, 1 failed, 1 skipped" 1 <<'EOF'
TAP version 13
1..1
# timeout set to 45
# selftests: kmod: conn
# TAP version 13
# 1..4
# # Starting 4 tests from 1 test cases.
# #  RUN           conn.open ...
# #            OK  conn.open
# ok 1 conn.open
# ok 2 conn.close
# not ok 3 conn.push
# ok 4 conn.tls # SKIP no tls
# # FAILED: 2 / 4 tests passed.
# # Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0
not ok 1 selftests: kmod: conn # exit=1
EOF

check "crashed program: failing wrapper over passes is one failure" "2 passed, 1 failed" 1 <<'EOF'
TAP version 13
1..1
# TAP version 13
# 1..2
# ok 1 a
# ok 2 b
not ok 1 selftests: s: prog # exit=139
EOF

check "program with no result lines: its wrapper counts" "1 passed, 2 failed, 1 skipped" 1 <<'EOF'
TAP version 13
1..4
# selftests: s: script_ok.sh
ok 1 selftests: s: script_ok.sh
# selftests: s: script_bad.sh
not ok 2 selftests: s: script_bad.sh # exit=1
# selftests: s: timed_out.sh
#
not ok 3 selftests: s: timed_out.sh # TIMEOUT 45 seconds
ok 4 selftests: s: skipped.sh # SKIP
EOF

check "passing wrapper over a failure still fails" "1 passed, 1 failed" 1 <<'EOF'
# 1..2
# ok 1 a
# not ok 2 b
ok 1 selftests: s: exits_zero_anyway
EOF

check "truncated stream: planned tests never reported fail" "1 passed, 2 failed" 1 <<'EOF'
TAP version 13
1..3
ok 1 only this one ran
EOF

check "truncated nested stream, e.g. a VM that died" "1 passed, 3 failed" 1 <<'EOF'
TAP version 13
# TAP version 13
# 1..2
# # TAP version 13
# # 1..3
# # ok 1 a
not ok 1 vm-6.12: kmod # exit=121
EOF

check "Bail out! is a failure" "1 passed, 1 failed" 1 <<'EOF'
TAP version 13
1..3
ok 1 a
Bail out! cannot continue
EOF

check "no results at all is a failure" "0 passed, 1 failed" 1 </dev/null

check "diagnostics that look like results do not count" "1 passed, 0 failed" 0 <<'EOF'
TAP version 13
1..1
#            OK  fixture.name
# PASSED: 1 / 1 tests passed.
# okay this is prose
okay
[    3.1] ok 7 from a kernel log line
ok 1 real
EOF

check "CRLF line ends (serial consoles)" "2 passed, 0 failed" 0 < <(printf 'TAP version 13\r\n1..2\r\nok 1 a\r\n# 1..1\r\n# ok 1 b\r\nok 2 c\r\n')

check "trailing plan and several streams" "3 passed, 0 failed" 0 <<'EOF'
TAP version 13
ok 1 a
1..1
TAP version 13
1..2
ok 1 b
ok 2 c
EOF

# The real thing: the kernel's runner over a kselftest harness program.
sample() {
	mkdir -p "$tmp/tree/host"
	cp -R "$DIR/../kselftest" "$tmp/tree/"
	cp "$DIR/tap_sample" "$tmp/tree/host/"
	# The runner is not written for set -u, and starts tests under
	# stdbuf, whose LD_PRELOAD would upset a sanitized tap_sample.
	(set +u; cd "$tmp/tree/host" && export BASE_DIR=$tmp/tree &&
		export ASAN_OPTIONS=verify_asan_link_order=0 &&
		. ../kselftest/runner.sh && run_many ./tap_sample) 2>&1
}
check "kselftest runner + harness output" "3 passed, 1 failed, 1 skipped" 1 < <(sample)
check "kselftest harness killed mid-run" "2 passed, 2 failed, 1 skipped" 1 \
	< <(TAP_SAMPLE_DIE=1 sample)

ktap_finished

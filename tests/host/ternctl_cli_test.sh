#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternctl's command line on a host without tern.ko: usage errors exit 2
# with a message naming what was wrong, runtime errors exit 1, and every
# command that needs the kernel says that tern.ko is not loaded. One KTAP
# test case per command line. Runs the sanitizer build when there is one.
# Usage: ternctl_cli_test.sh [path/to/ternctl]
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
ternctl=${1:-$build/san/bin/ternctl}
[ -x "$ternctl" ] || ternctl=$build/bin/ternctl
# The kselftest runner wraps us in stdbuf, whose LD_PRELOAD would make the
# sanitizer build refuse to start.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# STATUS|PATTERN|ARGS (shell words)
cases='0|^Usage: ternctl|--help
0|^ternctl [0-9]|--version
2|^Usage: ternctl|
2|unknown command '"'"'frob'"'"'|frob
2|unknown option '"'"'--frob'"'"'|--frob
0|conn list|conn --help
2|unknown command '"'"'frob'"'"'|conn frob
0|^Usage: ternctl conn list|conn list --help
0|^Usage: ternctl conn show ID|conn show --help
0|--max-held N|conn set --help
0|^Usage: ternctl conn del ID|conn del --help
0|^Usage: ternctl events|events --help
2|missing connection ID|conn show
2|missing connection ID|conn del
2|unexpected argument '"'"'2'"'"'|conn show 1 2
2|unexpected argument '"'"'x'"'"'|conn list x
2|unexpected argument '"'"'x'"'"'|events x
2|connection id '"'"'7x'"'"': it is not a number|conn show 7x
2|connection id '"'"'-5'"'"': it is negative|conn del -- -5
2|connection id '"'"'4294967296'"'"': it is too large|conn show 4294967296
2|connection id '"'"'0'"'"': it is 0|conn set 0 --mark 1
2|nothing to change|conn set 1
2|'"'"'12ms'"'"' for --timeout: it is not a number|conn set 1 --timeout 12ms
2|'"'"'-1'"'"' for --mark: it is negative|conn set 1 --mark -1
2|'"'"'99999999999'"'"' for --max-held: it is too large|conn set 1 --max-held 99999999999
2|'"'"''"'"' for --grace: it is empty|conn set 1 --grace ""
2|unrecognized option '"'"'--bogus'"'"'|conn set 1 --bogus 3
2|requires an argument|conn set 1 --hb-interval
2|longer than 31 bytes|conn list --owner 0123456789abcdef0123456789abcdef
2|the owner tag is empty|conn list --owner ""
2|invalid option|conn del 1 -j
0|^Usage: ternctl push TOKEN_HEX|push --help
0|^Usage: ternctl recv|recv --help
0|^Usage: ternctl status|status --help
0|^Usage: ternctl revoke|revoke --help
2|missing push token|push
2|invalid push token '"'"'zz'"'"'|push zz data
2|missing DATA (or -f FILE)|push 00112233445566778899aabbccddeeff
2|as DATA or with -f, not both|push 00112233445566778899aabbccddeeff data -f /dev/null
2|invalid message id '"'"'12'"'"'|push 00112233445566778899aabbccddeeff --id 12 data
2|'"'"'x'"'"' for --ttl: it is not a number|push 00112233445566778899aabbccddeeff --ttl x data
2|--timeout needs --wait|recv --timeout 5
2|unexpected argument '"'"'x'"'"'|status x
2|unexpected argument '"'"'y'"'"'|revoke 00112233445566778899aabbccddeeff y
1|cannot connect to ternd at /nonexistent/ternd.sock|status -S /nonexistent/ternd.sock
1|cannot connect to ternd at /nonexistent/ternd.sock|recv -S /nonexistent/ternd.sock
1|cannot connect to ternd at /nonexistent/ternd.sock|push -S /nonexistent/ternd.sock 00112233445566778899aabbccddeeff data'
# Without the module, whatever needs the kernel says so.
if ! grep -qs '^tern ' /proc/modules; then
	nl='tern.ko is not loaded (genetlink family "tern" not found)'
	for args in "conn list" "conn list -j" "conn show 1" "conn del 1" \
		    "conn set 1 --mark 0x10" "events"; do
		cases="$cases
1|$nl|$args"
	done
fi

ktap_print_header
if [ ! -x "$ternctl" ]; then
	ktap_skip_all "no ternctl in $build: run make first"
	exit "$KSFT_SKIP"
fi
ktap_set_plan "$(printf '%s\n' "$cases" | wc -l)"

while IFS='|' read -r want pattern args; do
	eval "set -- $args"
	out=$("$ternctl" "$@" 2>&1)
	got=$?
	name="ternctl $args"
	if [ "$got" -eq "$want" ] && grep -q -e "$pattern" <<<"$out"; then
		ktap_test_pass "$name"
	else
		ktap_print_msg "$name: wanted exit $want and /$pattern/, got exit $got:"
		sed 's/^/#   /' <<<"$out"
		ktap_test_fail "$name"
	fi
done <<<"$cases"

ktap_finished

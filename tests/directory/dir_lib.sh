# SPDX-License-Identifier: GPL-2.0
#
# What the directory's single-namespace test scripts share (sourced):
# the checks that decide a skip, a namespace with one address, a private
# CA, the directory started and stopped cleanly, and one KTAP check.
#
#   dir_setup TAG ADDR   skips (saying why) without root, the tools or
#                        namespaces; then a namespace tern-TAG<pid> with
#                        ADDR on its lo, WORK, a CA and a certificate for
#                        ADDR in WORK/pki, all removed on exit
#   dird_start ARGS...   tern-directoryd (the sanitizer build) on ADDR:8443
#                        with WORK/data, until it is ready
#   dird_stop            SIGTERM; STOP="RC COUNT": its exit status and
#                        the sanitizer or error lines in its log
#   check NAME REGEX ACTUAL

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
DIRD=$build/san/bin/tern-directoryd
TERNCTL=$build/san/bin/ternctl
CLIENT=$DIR/dirclient.py
# The kselftest runner's stdbuf would make the sanitizer builds refuse.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

check() {
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

DPID=
dir_cleanup() {
	[ -z "$DPID" ] || kill "$DPID" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	# TERN_TEST_KEEP=1: the logs and data stay, for a person to read.
	if [ -n "${TERN_TEST_KEEP:-}" ]; then
		echo "# kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

dir_setup() {
	local t

	[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
	for t in ip curl openssl python3; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	NS=tern-$1$$
	ADDR=$2
	ip netns add "$NS" 2>/dev/null || skip_all "no network namespaces"
	ktap_print_header
	WORK=$(mktemp -d "/tmp/tern-$1.XXXXXX")
	trap dir_cleanup EXIT
	trap "exit 1" INT TERM HUP
	for t in "$DIRD" "$TERNCTL"; do
		[ -x "$t" ] || ktap_exit_fail_msg "no $t: run 'make userspace'"
	done
	ip -n "$NS" link set lo up
	ip -n "$NS" addr add "$ADDR/32" dev lo
	"$top/tools/pki" ca "$WORK/pki" >/dev/null &&
	"$top/tools/pki" gateway "$WORK/pki" dir.test "$ADDR" >/dev/null ||
		ktap_exit_fail_msg "tools/pki failed"
	URL=https://$ADDR:8443
}

dird_start() {
	ip netns exec "$NS" "$DIRD" --data "$WORK/data" --listen "$ADDR:8443" \
		--cert "$WORK/pki/dir.test.crt" --key "$WORK/pki/dir.test.key" \
		"$@" >"$WORK/dird.log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		grep -q "ready:" "$WORK/dird.log" && return
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# dird: /' "$WORK/dird.log"
	ktap_exit_fail_msg "the directory did not start"
}

dird_stop() {
	local rc

	kill -TERM "$DPID"
	wait "$DPID"
	rc=$?
	DPID=
	STOP="$rc $(grep -c -e 'Sanitizer' -e 'ERROR' "$WORK/dird.log")"
}

# cl ARGS...: dirclient.py against the directory.
cl() {
	ip netns exec "$NS" python3 "$CLIENT" "$URL" "$WORK/pki/ca.crt" "$@"
}

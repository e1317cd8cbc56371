#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Clients catch a lying directory. tern-directoryd-misbehave (a test build,
# never shipped) lies in one way per run, and 'ternctl dir' must raise the
# alarm that names it (Documentation/directory.rst, "What clients check"):
#
# - substitute: a device the owner never added, logged with valid proofs:
#   every lookup verifies, the auditor is content, and only the owner's
#   'monitor' catches it (unexpected-device);
# - split: one client (by its address) is shown a forked log in which the
#   handle has a device more; each client's own checks pass, and the
#   auditor given both clients' heads raises split-view;
# - rollback, fork, stale: a client that kept its last head refuses the
#   head and the lookup (rollback, fork, stale-head);
# - the shipped daemon has no --misbehave, and the honest one passes all.
#
# Topology: namespaces <pfx>-dir (the directory, 198.18.10.1 and
# 198.18.10.5), <pfx>-cli (198.18.10.2) and <pfx>-vic (198.18.10.6, the
# victim of the split view), over two veth pairs. Everything is removed on
# exit. Skips, saying why, without root, namespaces, curl or openssl.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
DIRD=$build/san/bin/tern-directoryd
DIRD_MB=$build/san/bin/tern-directoryd-misbehave
TERNCTL=$build/san/bin/ternctl
CLIENT=$DIR/dirclient.py
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for t in ip curl openssl python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done
P=tern-kt$$
ip netns add "$P-probe" 2>/dev/null || skip_all "no network namespaces"
ip netns del "$P-probe"

ktap_print_header
for f in "$DIRD" "$DIRD_MB" "$TERNCTL"; do
	[ -x "$f" ] || ktap_exit_fail_msg "no $f: run 'make userspace'"
done

WORK=$(mktemp -d /tmp/tern-kt.XXXXXX)
cleanup() {
	local ns

	for ns in dir cli vic; do
		ip netns pids "$P-$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$P-$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

ktap_set_plan 24

check() {	# check NAME EXPECTED-REGEX ACTUAL
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

for ns in dir cli vic; do
	ip netns add "$P-$ns"
	ip -n "$P-$ns" link set lo up
done
ip -n "$P-dir" link add d1 type veth peer name c1 netns "$P-cli"
ip -n "$P-dir" link add d2 type veth peer name v1 netns "$P-vic"
ip -n "$P-dir" addr add 198.18.10.1/30 dev d1
ip -n "$P-dir" addr add 198.18.10.5/30 dev d2
ip -n "$P-cli" addr add 198.18.10.2/30 dev c1
ip -n "$P-vic" addr add 198.18.10.6/30 dev v1
ip -n "$P-dir" link set d1 up
ip -n "$P-dir" link set d2 up
ip -n "$P-cli" link set c1 up
ip -n "$P-vic" link set v1 up

"$top/tools/pki" ca "$WORK/pki" >/dev/null &&
"$top/tools/pki" gateway "$WORK/pki" dir.test 198.18.10.1 198.18.10.5 \
	>/dev/null || ktap_exit_fail_msg "tools/pki failed"
CA=$WORK/pki/ca.crt
CLEAN=$WORK/clean
"$DIRD" --data "$CLEAN" --add-invites 2 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make invites"
"$DIRD" --data "$CLEAN" --show-keys >"$WORK/keys" ||
	ktap_exit_fail_msg "cannot show the keys"
{ cat "$WORK/keys"; echo "directory = https://198.18.10.1:8443";
  echo "ca = $CA"; } >"$WORK/cli.conf"
{ cat "$WORK/keys"; echo "directory = https://198.18.10.5:8443";
  echo "ca = $CA"; } >"$WORK/vic.conf"

DPID=
start() {	# start BINARY DATA [ARGS...]: the directory, until it is ready
	local bin=$1 data=$2 i

	shift 2
	ip netns exec "$P-dir" "$bin" --data "$data" --listen :8443 \
		--cert "$WORK/pki/dir.test.crt" --key "$WORK/pki/dir.test.key" \
		"$@" >"$WORK/dird.log" 2>&1 &
	DPID=$!
	for i in $(seq 100); do
		grep -q "ready:" "$WORK/dird.log" && return 0
		kill -0 $DPID 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# dird: /' "$WORK/dird.log"
	return 1
}

# stop: SIGTERM; the directory must exit 0 (the sanitizers found nothing).
stop() {
	local rc

	[ -n "$DPID" ] || return 0
	kill $DPID 2>/dev/null
	wait $DPID 2>/dev/null
	rc=$?
	DPID=
	if [ $rc != 0 ]; then
		echo "# the directory exited $rc:"
		sed 's/^/# dird: /' "$WORK/dird.log"
		STOP_FAILED=1
	fi
}
STOP_FAILED=0

# run NS ARGS...: ternctl dir ARGS in namespace NS; OUT, ERR and RC.
run() {
	local ns=$1

	shift
	OUT=$(ip netns exec "$P-$ns" "$TERNCTL" dir "$@" 2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
}

# fresh NAME: a copy of the honest directory's data for one run.
fresh() {
	rm -rf "$WORK/$1"
	cp -a "$CLEAN" "$WORK/$1"
}

# --- an honest directory with alice (one device) and bob ---

start "$DIRD" "$CLEAN" || ktap_exit_fail_msg "the directory did not start"
URL=https://198.18.10.1:8443
for k in acct dev; do
	openssl genpkey -algorithm ed25519 -out "$WORK/$k.pem" 2>/dev/null
done
openssl genpkey -algorithm x25519 -out "$WORK/x.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/bob.pem" 2>/dev/null
AK=$(openssl pkey -in "$WORK/acct.pem" -pubout -outform DER | tail -c 32 |
     base64 -w0)
out=$(ip netns exec "$P-cli" python3 "$CLIENT" $URL "$CA" register \
	alice@example.org "$WORK/acct.pem" "$(sed -n 1p "$WORK/invites")")
check "alice registers" '"seq":0' "$out"
out=$(ip netns exec "$P-cli" python3 "$CLIENT" $URL "$CA" add-device \
	alice@example.org "$WORK/acct.pem" 1 "$WORK/dev.pem" "$WORK/x.pem")
ID=$(printf '%s' "$out" | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
check "alice adds a device" '^[0-9a-f]{32}$' "$ID"
out=$(ip netns exec "$P-cli" python3 "$CLIENT" $URL "$CA" register \
	bob@example.org "$WORK/bob.pem" "$(sed -n 2p "$WORK/invites")")
check "bob registers" '"seq":0' "$out"
run cli lookup alice@example.org -c "$WORK/cli.conf" --state "$WORK/cli.json"
check "a client looks alice up: verified, one device" \
	"^0 alice@example.org: registered .*1 device.*$ID" "$RC $OUT"
run cli monitor alice@example.org account-key="$AK" device="$ID" \
	-c "$WORK/cli.conf"
check "alice's monitor is content" "^0 alice@example.org: as its owner left it" \
	"$RC $OUT"
stop

check "the shipped daemon has no way to lie" "^2 " \
	"$("$DIRD" --data "$CLEAN" --misbehave stale >/dev/null 2>&1; echo $?) "

# --- substitute: logged properly, caught by the owner only ---

fresh sub
start "$DIRD_MB" "$WORK/sub" --misbehave substitute:alice@example.org ||
	ktap_exit_fail_msg "the lying directory did not start"
run cli lookup alice@example.org -c "$WORK/cli.conf" --state "$WORK/cli.json"
check "substitute: a lookup of alice verifies, with two devices" \
	"^0 .*2 devices" "$RC $OUT"
run cli audit -c "$WORK/cli.conf" --state "$WORK/aud-sub.json" "$WORK/cli.json"
check "substitute: the auditor sees a consistent log" "^0 audit:" "$RC $OUT"
run cli monitor alice@example.org account-key="$AK" device="$ID" \
	-c "$WORK/cli.conf"
check "substitute: alice's monitor raises unexpected-device" \
	"^3 .*ALARM: unexpected-device: alice@example.org is shown with device [0-9a-f]{32}, which its owner did not add" \
	"$RC $ERR"
stop

# --- split view: each client's checks pass; the auditor catches it ---

fresh split
start "$DIRD_MB" "$WORK/split" \
	--misbehave split:198.18.10.6:alice@example.org ||
	ktap_exit_fail_msg "the lying directory did not start"
# The client's last head is the substituting directory's: start afresh.
rm -f "$WORK/cli.json"
run cli lookup alice@example.org -c "$WORK/cli.conf" --state "$WORK/cli.json"
check "split: the client sees alice with one device, verified" \
	"^0 .*1 device" "$RC $OUT"
run vic lookup alice@example.org -c "$WORK/vic.conf" --state "$WORK/vic.json"
check "split: the victim sees alice with two devices, verified" \
	"^0 .*2 devices" "$RC $OUT"
run cli audit -c "$WORK/cli.conf" --state "$WORK/aud.json" "$WORK/cli.json"
check "split: the client's head alone is consistent" "^0 audit:" "$RC $OUT"
run cli audit -c "$WORK/cli.conf" --state "$WORK/aud.json" \
	"$WORK/cli.json" "$WORK/vic.json"
check "split: the auditor given both heads raises split-view" \
	"^3 .*ALARM: split-view \($WORK/vic.json\)" "$RC $ERR"
stop

# --- rollback, fork, stale: a client that kept its last head ---

for mode in rollback fork stale; do
	fresh "$mode"
	start "$DIRD_MB" "$WORK/$mode" --misbehave $mode ||
		ktap_exit_fail_msg "the lying directory did not start"
	case $mode in
	rollback) want="rolled back" ; lwant="rollback" ;;
	fork) want="different roots" ; lwant="fork" ;;
	stale) want="stale-head" ; lwant="stale-head" ;;
	esac
	run cli head -c "$WORK/cli.conf" --state "$WORK/cli.json"
	check "$mode: the head is refused" "^3 .*ALARM: .*$want" "$RC $ERR"
	run cli lookup bob@example.org -c "$WORK/cli.conf" \
		--state "$WORK/cli.json"
	check "$mode: a lookup is refused ($lwant)" "^3 .*ALARM: $lwant:" \
		"$RC $ERR"
	stop
done

# --- honest again: the same state and the same checks pass ---

start "$DIRD" "$CLEAN" || ktap_exit_fail_msg "the directory did not start"
run cli head -c "$WORK/cli.conf" --state "$WORK/cli.json"
check "honest: the head continues the client's last one" "^0 head size" \
	"$RC $OUT"
run cli lookup bob@example.org -c "$WORK/cli.conf" --state "$WORK/cli.json"
check "honest: a lookup verifies" "^0 bob@example.org: registered" "$RC $OUT"
run cli monitor alice@example.org account-key="$AK" device="$ID" \
	-c "$WORK/cli.conf"
check "honest: alice's monitor is content" "^0 " "$RC $OUT"
run cli audit -c "$WORK/cli.conf" --state "$WORK/aud-honest.json" \
	"$WORK/cli.json"
check "honest: the auditor is content" "^0 audit:" "$RC $OUT"
stop
check "every directory run stopped cleanly (no sanitizer report)" "^0$" \
	"$STOP_FAILED"

ktap_finished

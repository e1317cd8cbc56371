#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternctl dir register | devices (Documentation/man/ternctl.8): register a
# handle with an invite (the account key file made with mode 0600),
# list and remove a device, each checked by a verified lookup; usage
# errors exit 2 naming what was wrong; the directory's refusals exit 1
# with its message. Runs the sanitizer builds in a network namespace of
# its own (198.18.14.1). Skips, saying why, without root, namespaces,
# curl or openssl.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
DIRD=$build/san/bin/tern-directoryd
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
NS=tern-tctl$$
ip netns add "$NS" 2>/dev/null || skip_all "no network namespaces"

ktap_print_header
WORK=$(mktemp -d /tmp/tern-tctl.XXXXXX)
DPID=
cleanup() {
	[ -z "$DPID" ] || kill $DPID 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP
for f in "$DIRD" "$TERNCTL"; do
	[ -x "$f" ] || ktap_exit_fail_msg "no $f: run 'make userspace'"
done

ktap_set_plan 13

check() {	# check NAME EXPECTED-REGEX ACTUAL
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.14.1/32 dev lo
"$top/tools/pki" ca "$WORK/pki" >/dev/null &&
"$top/tools/pki" gateway "$WORK/pki" dir.test 198.18.14.1 >/dev/null ||
	ktap_exit_fail_msg "tools/pki failed"
"$DIRD" --data "$WORK/data" --add-invites 2 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make invites"
{ "$DIRD" --data "$WORK/data" --show-keys
  echo "directory = https://198.18.14.1:8443"
  echo "ca = $WORK/pki/ca.crt"; } >"$WORK/client.conf"
ip netns exec "$NS" "$DIRD" --data "$WORK/data" --listen 198.18.14.1:8443 \
	--cert "$WORK/pki/dir.test.crt" --key "$WORK/pki/dir.test.key" \
	>"$WORK/dird.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	grep -q "ready:" "$WORK/dird.log" && break
	sleep 0.1
done
grep -q "ready:" "$WORK/dird.log" || ktap_exit_fail_msg "no directory"

t() {	# t ARGS...: ternctl dir ARGS; OUT, ERR, RC
	OUT=$(ip netns exec "$NS" "$TERNCTL" dir "$@" -c "$WORK/client.conf" \
		2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
}
INV1=$(sed -n 1p "$WORK/invites")

t register alice@example.org --account-key "$WORK/alice.pem"
check "register without a code is a usage error" "^2 .*--invite CODE or --email-code" "$RC $ERR"
t register alice@example.org --account-key "$WORK/alice.pem" --invite x \
	--email-code y
check "register with both codes is a usage error" "^2 " "$RC $ERR"
t register Alice@example.org --account-key "$WORK/alice.pem" --invite "$INV1"
check "a bad handle is a usage error, named" "^2 .*upper-case" "$RC $ERR"
t register alice@example.org --account-key "$WORK/alice.pem" --invite nope
check "a wrong invite: the directory's refusal, exit 1" \
	"^1 .*HTTP 403 bad-invite" "$RC $ERR"
check "the account key file was made, mode 0600, for the retry" \
	"^600$" "$(stat -c %a "$WORK/alice.pem" 2>/dev/null)"
t register alice@example.org --account-key "$WORK/alice.pem" --invite "$INV1"
check "register: verified by a lookup" \
	"^0 alice@example.org: registered to this account key \(verified" \
	"$RC $OUT"
openssl genpkey -algorithm ed25519 -out "$WORK/dev.pem" 2>/dev/null
openssl genpkey -algorithm x25519 -out "$WORK/x.pem" 2>/dev/null
ID=$(ip netns exec "$NS" python3 "$CLIENT" https://198.18.14.1:8443 \
	"$WORK/pki/ca.crt" add-device alice@example.org "$WORK/alice.pem" 1 \
	"$WORK/dev.pem" "$WORK/x.pem" |
	sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
t devices alice@example.org
check "devices: the one device, verified" "^0 .*1 device.*$ID" "$RC $OUT"
t devices alice@example.org remove 0123
check "remove with a bad device id is a usage error" "^2 .*not a device id" \
	"$RC $ERR"
t devices alice@example.org remove "$ID"
check "remove without the account key is a usage error" \
	"^2 .*--account-key" "$RC $ERR"
openssl genpkey -algorithm ed25519 -out "$WORK/other.pem" 2>/dev/null
t devices alice@example.org remove "$ID" --account-key "$WORK/other.pem"
check "remove signed by another key: refused by the directory" \
	"^1 .*HTTP 401 bad-signature" "$RC $ERR"
t devices alice@example.org remove "$ID" --account-key "$WORK/alice.pem"
check "remove: gone, verified" "^0 alice@example.org: device $ID removed" \
	"$RC $OUT"
t devices alice@example.org
check "devices: none left" "^0 .*0 devices" "$RC $OUT"

kill -TERM $DPID
wait $DPID
rc=$?
DPID=
check "the directory stops cleanly" "^0 0$" \
	"$rc $(grep -c -e 'Sanitizer' -e 'ERROR' "$WORK/dird.log")"

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Registration by email (Documentation/directory.rst, "Registration"): a
# directory run with --registration email sends a code to the handle
# through a local SMTP server the test starts (smtp_sink.py), and
# registration takes that code once; a wrong code, a code for another
# handle, an invite instead of a code, and a used code are refused; a
# registered handle gets no code. Runs in a network namespace of its own
# (198.18.12.1). Skips, saying why, without root, namespaces, curl or
# openssl.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
DIRD=$build/san/bin/tern-directoryd
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
NS=tern-mail$$
ip netns add "$NS" 2>/dev/null || skip_all "no network namespaces"

ktap_print_header
WORK=$(mktemp -d /tmp/tern-mail.XXXXXX)
DPID=
SPID=
cleanup() {
	[ -z "$DPID" ] || kill $DPID 2>/dev/null
	[ -z "$SPID" ] || kill $SPID 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP
[ -x "$DIRD" ] || ktap_exit_fail_msg "no $DIRD: run 'make userspace'"

ktap_set_plan 10

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
ip -n "$NS" addr add 198.18.12.1/32 dev lo
"$top/tools/pki" ca "$WORK/pki" >/dev/null &&
"$top/tools/pki" gateway "$WORK/pki" dir.test 198.18.12.1 >/dev/null ||
	ktap_exit_fail_msg "tools/pki failed"
mkdir "$WORK/mail"
ip netns exec "$NS" python3 "$DIR/smtp_sink.py" 198.18.12.1 2525 \
	"$WORK/mail" >"$WORK/sink.log" 2>&1 &
SPID=$!
"$DIRD" --data "$WORK/data" --add-invites 1 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make an invite"
ip netns exec "$NS" "$DIRD" --data "$WORK/data" --listen 198.18.12.1:8443 \
	--cert "$WORK/pki/dir.test.crt" --key "$WORK/pki/dir.test.key" \
	--registration email --smtp smtp://198.18.12.1:2525 \
	--smtp-from directory@example.org --change-rate 0 \
	>"$WORK/dird.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	grep -q "ready:" "$WORK/dird.log" && grep -q listening "$WORK/sink.log" &&
		break
	sleep 0.1
done
grep -q "ready:" "$WORK/dird.log" || ktap_exit_fail_msg "no directory"

cl() {
	ip netns exec "$NS" python3 "$CLIENT" https://198.18.12.1:8443 \
		"$WORK/pki/ca.crt" "$@"
}
# mail_for HANDLE: the code in the newest mail to HANDLE (waits up to 5 s).
mail_for() {
	local f

	for _ in $(seq 50); do
		f=$(grep -l "RCPT TO:<$1>" "$WORK"/mail/mail.* 2>/dev/null |
		    sort -t. -k2 -n | tail -1)
		if [ -n "$f" ]; then
			sed -n 's/.*registration code is \([0-9]*\)\..*/\1/p' "$f"
			return
		fi
		sleep 0.1
	done
}
openssl genpkey -algorithm ed25519 -out "$WORK/a.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/c.pem" 2>/dev/null

out=$(cl request-code alice@example.org)
check "a code is asked for" '"expires_in":900' "$out"
CODE=$(mail_for alice@example.org)
check "it arrives by mail to the handle, from the directory" \
	'^[0-9]{8} MAIL FROM:<directory@example.org>' \
	"$CODE $(grep -h '^MAIL' "$WORK"/mail/mail.* | head -1)"
WRONG=$(printf '%08d' $(( (10#$CODE + 1) % 100000000 )))
out=$(cl register-email alice@example.org "$WORK/a.pem" "$WRONG"; echo " rc=$?")
check "a wrong code is refused" '"error":"bad-code".* rc=1' "$out"
out=$(cl register-email carol@example.org "$WORK/c.pem" "$CODE"; echo " rc=$?")
check "alice's code does not register carol" '"error":"bad-code".* rc=1' "$out"
out=$(cl register alice@example.org "$WORK/a.pem" "$(cat "$WORK/invites")"; echo " rc=$?")
check "an invite is not what this directory takes" \
	'"error":"bad-request".*registers by email.* rc=1' "$out"
out=$(cl register-email alice@example.org "$WORK/a.pem" "$CODE"; echo " rc=$?")
check "the code registers alice" '"seq":0.* rc=0' "$out"
out=$(cl register-email alice@example.org "$WORK/c.pem" "$CODE"; echo " rc=$?")
check "used, it registers nobody else" '"error":"(bad-code|handle-taken)".* rc=1' "$out"
out=$(cl request-code alice@example.org; echo " rc=$?")
check "a registered handle gets no code" '"error":"handle-taken".* rc=1' "$out"
check "the log names no address" "^0$" \
	"$(grep -c -e 'example.org' "$WORK/dird.log")"

kill -TERM $DPID
wait $DPID
rc=$?
DPID=
check "the directory stops cleanly (the mail thread too)" "^0 0$" \
	"$rc $(grep -c -e 'Sanitizer' -e 'ERROR' "$WORK/dird.log")"

ktap_finished

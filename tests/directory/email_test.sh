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

. "$(dirname "$0")/dir_lib.sh"
dir_setup mail 198.18.12.1
ktap_set_plan 10
mkdir "$WORK/mail"
ip netns exec "$NS" python3 "$DIR/smtp_sink.py" "$ADDR" 2525 "$WORK/mail" \
	>"$WORK/sink.log" 2>&1 &
for _ in $(seq 100); do
	grep -q listening "$WORK/sink.log" && break
	sleep 0.1
done
"$DIRD" --data "$WORK/data" --add-invites 1 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make an invite"
dird_start --registration email --smtp "smtp://$ADDR:2525" \
	--smtp-from directory@example.org --change-rate 0

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

dird_stop
check "the directory stops cleanly (the mail thread too)" "^0 0$" "$STOP"

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linking a device to an account (Documentation/messaging.rst, "Linking a
# device"), through the real gateway and directory. alice has a device;
# her second one starts with ternd --link and shows a code ('ternctl link
# code'), with no directory state and no account key of its own, the
# same code after a restart. Bad
# codes are refused by name; bob approving her code sends a provision
# her new device refuses (another account), still waiting. Her first
# device approves it: the new device takes the account key, says hello
# as the account's (the gateway keeps its token), registers itself, and
# the directory shows both devices, with no alarm on either (each
# monitor expects the other). bob's message reaches both of alice's
# devices; the new device's message reaches bob and, as a copy, her
# first device, where bob, who wrote first, becomes a contact as on the
# device that answered; the first device's message reaches the second. Started
# again with --link, the linked device is simply a device of the
# account ('link code' says it is linked). A third device approved by
# the second raises no alarm on the first, which the second told (a
# Devices content to its own account). Then alice removes the second, as
# a lost device: bad ids are refused by name; its token is revoked and it
# leaves the directory, and the third device is told; bob's next message
# is sent and reaches her first device, with no alarm. No log holds a text or the
# account key; every daemon exits 0 on SIGTERM with no sanitizer report.
#
# The directory (port 8443), tern-gatewayd (port 5222, the user
# transport) and the ternds share one network namespace of its own
# (198.18.15.6). Skips, saying why, without root, namespaces, curl or
# openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
. "$(dirname "$0")/chat_lib.sh"
GATEWAYD=$build/san/bin/tern-gatewayd
TERND=$build/san/bin/ternd
dir_setup link 198.18.15.6
ktap_set_plan 27
for t in "$GATEWAYD" "$TERND"; do
	[ -x "$t" ] || ktap_exit_fail_msg "no $t: run 'make userspace'"
done
export PYTHONIOENCODING=utf-8
chat_env 2
A=alice@example.org
B=bob@example.org

td_start alice "${DOPTS[@]}" --handle "$A" --invite "${INV[0]}"
td_start bob "${DOPTS[@]}" --handle "$B" --invite "${INV[1]}"
wait_st alice directory '^registered$' 20
wait_st bob directory '^registered$' 20
A1=$(st alice 'device id')

# tl NAME SUBCOMMAND ARGS...: ternctl link SUBCOMMAND on ternd NAME.
tl() {
	local name=$1 sub=$2

	shift 2
	timeout 30 "$TERNCTL" link "$sub" -S "$WORK/$name/ternd.sock" "$@"
}

# --- the new device waits, showing its code ---

td_start alice2 "${DOPTS[@]}" --handle "$A" --link
wait_st alice2 state '^ready$' 20
CODE=$(tl alice2 code -t 20 2>&1)
A2=$(st alice2 'device id')
check "alice's new device shows a code; no directory, no account key yet" \
	"^tern-link:[A-Za-z0-9+/=]{88} off [0-9a-f]{32} absent\$" \
	"$CODE $(st alice2 directory) $A2 $([ -e "$WORK/alice2/account.key" ] &&
		echo present || echo absent)"
check_eq "its status shows the same code" "$CODE" "$(st alice2 'link code')"

# Restarted while it waits, it shows the same code (the link key is kept).
td_stop alice2
td_start alice2 "${DOPTS[@]}" --handle "$A" --link
wait_st alice2 state '^ready$' 20
check_eq "restarted while waiting: the same code" "$CODE" \
	"$(tl alice2 code -t 20 2>&1)"

# --- bad codes, and a code approved by another account ---

out=$(tl alice approve "tern-link:AAAA" 2>&1)
rc=$?
check "approve: a code of the wrong length is refused, by name" \
	"^1 .*not a link code: the wrong length" "$rc $out"
out=$(tl alice approve "nonsense" 2>&1)
check "approve: something that is no code is refused, by name" \
	"not a link code: it starts with tern-link:" "$out"
check_eq "the API: link-approve without a code is a bad request" \
	'false|bad-request|code: missing or not a string' \
	"$(api alice '{"op":"link-approve"}' | js ok error message)"
out=$("$TERNCTL" link 2>&1)
check "ternctl link without a command: usage, naming code and approve" \
	"code.*approve" "$out"

tl bob approve "$CODE" >/dev/null 2>&1
for _ in $(seq 100); do
	grep -q "refused a provision from another account" \
		"$WORK/alice2.log" && break
	sleep 0.1
done
check_eq "bob's approval of alice's code: refused by her device, still waiting" \
	"1 off $CODE" \
	"$(grep -c "refused a provision from another account" \
		"$WORK/alice2.log") $(st alice2 directory) $(st alice2 'link code')"

# --- alice's first device approves ---

out=$(tl alice approve "$CODE" 2>&1)
check "alice approves her new device" "^approved device $A2: " "$out"
wait_st alice2 directory '^registered$' 30
check "the new device: linked, registered, the code gone, the account key kept (0600)" \
	"^registered  $A 600\$" \
	"$(st alice2 directory) $(st alice2 'link code') $(st alice2 handle) $(
	stat -c %a "$WORK/alice2/account.key" 2>&1)"
# Both devices in the directory's entry, as bob sees it.
for _ in $(seq 50); do
	devs=$(tc bob resolve --fresh "$A" 2>&1 | awk '/push-token/ { print $1 }' |
		sort | tr '\n' ' ')
	[ "$devs" = "$(printf '%s\n' "$A1" "$A2" | sort | tr '\n' ' ')" ] &&
		break
	sleep 0.2
done
check_eq "the directory shows both of alice's devices" \
	"$(printf '%s\n' "$A1" "$A2" | sort | tr '\n' ' ')" "$devs"
# Both monitors look again (--directory-check 2s): neither alarms.
sleep 5
check_eq "no alarm on either of alice's devices" "||" \
	"$(st alice ALARM)|$(st alice2 ALARM)|$(grep -h ALARM \
		"$WORK/alice.log" "$WORK/alice2.log" | head -3)"

# --- messages reach every device ---

TEXTS=("to both of alice's devices ✓" "from alice's new device"
       "from alice's first device")
sleep 2	# bob's cached entry of alice (--lookup-cache 2s) is stale now
sendj bob "$A" "${TEXTS[0]}"
IDB=$ID
wait_state bob "$A" "$IDB" sent 20
wait_state alice "$B" "$IDB" received 20
wait_state alice2 "$B" "$IDB" received 20
check_eq "bob's message reached both of alice's devices" \
	"in|${TEXTS[0]}|received / in|${TEXTS[0]}|received" \
	"$(hist alice "$B" dir text state) / $(hist alice2 "$B" dir text state)"

sendj alice2 "$B" "${TEXTS[1]}"
ID2=$ID
wait_state alice2 "$B" "$ID2" sent 20
wait_state bob "$A" "$ID2" received 20
for _ in $(seq 100); do
	hist alice "$B" id | grep -qx "$ID2" && break
	sleep 0.1
done
check_eq "the new device's message reached bob, and her first device as hers" \
	"in|${TEXTS[1]}|$A2 / out|${TEXTS[1]}" \
	"$(hist bob "$A" dir text device | grep -F "${TEXTS[1]}") / $(
	hist alice "$B" dir text | grep -F "${TEXTS[1]}")"

# bob wrote first: a request on both of alice's devices; her new
# device answered, which makes bob her contact on the first one too.
check_eq "answered from one device, bob is alice's contact on the other too" \
	"contact|contact" \
	"$(tc alice conversations -j 2>&1 | js state)|$(tc alice2 conversations \
		-j 2>&1 | js state)"

sendj alice "$B" "${TEXTS[2]}"
ID3=$ID
for _ in $(seq 150); do
	hist alice2 "$B" id | grep -qx "$ID3" && break
	sleep 0.1
done
check_eq "the first device's message reached the new one as hers" \
	"out|${TEXTS[2]}" "$(hist alice2 "$B" dir text | grep -F "${TEXTS[2]}")"

# --- started again, the linked device is a device of the account ---

td_stop alice2
td_start alice2 "${DOPTS[@]}" --handle "$A" --link
wait_st alice2 directory '^registered$' 20
out=$(tl alice2 code -t 5 2>&1)
check "restarted with --link: registered as it was, no code ('linked already')" \
	"^registered $A2 .*linked already" \
	"$(st alice2 directory) $(st alice2 'device id') $out"

# --- a third device, approved by the second ---

td_start alice3 "${DOPTS[@]}" --handle "$A" --link
wait_st alice3 state '^ready$' 20
tl alice2 approve "$(tl alice3 code -t 20 2>&1)" >/dev/null 2>&1
wait_st alice3 directory '^registered$' 30
A3=$(st alice3 'device id')
# Every monitor looks again (--directory-check 2s).
sleep 5
check_eq "a third device approved by the second: the first heard of it, no alarm on any" \
	"1|||" \
	"$(grep -c "link: device $A2 approved device $A3 of this account" \
		"$WORK/alice.log")|$(st alice ALARM)|$(st alice2 ALARM)|$(
	st alice3 ALARM)"

# --- alice removes her new device mid-conversation (lost, say) ---

out=$(tl alice remove "$A1" 2>&1)
out2=$(tl alice remove 0123456789abcdef0123456789abcdef 2>&1)
out3=$(tl alice remove xyz 2>&1)
check "remove: this device, a device not in the account, no id: refused by name" \
	"^that is this device.*/.*does not show that device.*/.*not a device id" \
	"${out#ternctl: }/$out2/$out3"
out=$(tl alice remove "$A2" 2>&1)
check "alice removes her second device" "^removing device $A2: " "$out"
wait_st alice2 state '^revoked' 20
for _ in $(seq 100); do
	devs=$(tc bob resolve --fresh "$A" 2>&1 | awk '/push-token/ { print $1 }')
	[ "$(printf '%s\n' $devs | wc -l)" = 2 ] && break
	sleep 0.2
done
check_eq "removed: revoked at the gateway, the directory shows her other two" \
	"revoked $(printf '%s\n' "$A1" "$A3" | sort | tr '\n' ' ')" \
	"$(st alice2 state) $(printf '%s\n' $devs | sort | tr '\n' ' ')"
for _ in $(seq 100); do
	grep -q "removed device $A2" "$WORK/alice3.log" && break
	sleep 0.1
done
check_eq "the third device heard of the removal; no alarm on it" \
	"1|" "$(grep -c "link: device $A1 removed device $A2 from this account" \
		"$WORK/alice3.log")|$(st alice3 ALARM)"
TEXTS+=("after the removal, to alice")
sendj bob "$A" "${TEXTS[3]}"
ID4=$ID
wait_state bob "$A" "$ID4" sent 20
wait_state alice "$B" "$ID4" received 20
check_eq "bob's next message: sent, and on alice's first device; no alarm on her" \
	"sent|received|" \
	"$(hist bob "$A" id state | sed -n "s/^$ID4|//p")|$(
	hist alice "$B" id state | sed -n "s/^$ID4|//p")|$(st alice ALARM)"

# --- logs and exits ---

td_stop alice3
td_stop alice2
td_stop alice
td_stop bob
kill -TERM "$GWPID"
wait "$GWPID"
GWRC=$?
dird_stop
printf '%s\n' "${TEXTS[@]}" >"$WORK/texts"
check_eq "no log holds a text, a private key or a peer's handle" "" \
	"$({ cat "$WORK"/alice.log "$WORK"/alice2.log "$WORK"/bob.log \
		"$WORK"/gw.log | grep -F -f "$WORK/texts" -e "PRIVATE KEY"
	   grep -hF "$B" "$WORK"/alice.log "$WORK"/alice2.log
	   grep -hF "$A" "$WORK"/bob.log "$WORK"/gw.log; } | head -3)"
check "no sanitizer report in any log" '^0$' \
	"$(cat "$WORK"/alice.log "$WORK"/alice2.log "$WORK"/alice3.log \
		"$WORK"/bob.log "$WORK"/gw.log "$WORK"/dird.log |
		grep -Ec "Sanitizer|runtime error")"
check "every ternd and the gateway exit 0 on SIGTERM" \
	'^ alice2=0 alice2=0 alice3=0 alice2=0 alice=0 bob=0 0$' \
	"$TSTOPS $GWRC"
check "the directory exits 0 on SIGTERM, no sanitizer report or error" \
	'^0 0$' "$STOP"

ktap_finished

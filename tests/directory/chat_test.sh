#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end encrypted messaging between two people (Documentation/
# messaging.rst, ternd.rst "The client API"), through the real gateway
# and directory: alice's and bob's ternds register their handles, then
# talk through ternd's client API (JSON lines) and ternctl send, history
# and watch. A text with non-ASCII UTF-8 and shell-special characters
# arrives exactly, from alice's device, and reaches "sent" at her end; a
# reply comes back and both histories hold both, in order; 20 messages
# sent back to back arrive once each, in order; a text of 16384 bytes
# (the most) arrives whole. Bob goes offline: alice's messages are held
# by the gateway, whose data files never hold a text nor alice's handle
# (sealed sender), and reach bob when he is back, his sessions intact.
# 'watch --since' resumes where a watcher stopped, and its --timeout
# bounds the whole wait; a live watcher sees queued, sending, sent; a
# message to a handle the directory lacks ends failed. The API refuses
# bad requests (bad-request, naming the problem, the tag echoed, the
# connection usable after), ternctl its bad usage, and 'ternctl recv'
# while messaging is on. A raw push that does not
# open is dropped, counted, consumed from the inbox. ternd's logs hold
# no text and no peer's handle, the gateway's neither; every ternd, the
# gateway and the directory exit 0 on SIGTERM with no sanitizer report.
#
# The directory (port 8443), tern-gatewayd (port 5222, the user
# transport) and the ternds (the user transport) share one network
# namespace of its own (198.18.15.2). Skips, saying why, without root,
# namespaces, curl or openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
. "$(dirname "$0")/chat_lib.sh"
GATEWAYD=$build/san/bin/tern-gatewayd
TERND=$build/san/bin/ternd
dir_setup chat 198.18.15.2
ktap_set_plan 70
for t in "$GATEWAYD" "$TERND"; do
	[ -x "$t" ] || ktap_exit_fail_msg "no $t: run 'make userspace'"
done
export PYTHONIOENCODING=utf-8
chat_env 3
INV1=${INV[0]}
INV2=${INV[1]}
INV3=${INV[2]}
A=alice@example.org
B=bob@example.org

# --- alice and bob register ---

td_start alice "${DOPTS[@]}" --handle "$A" --invite "$INV1"
td_start bob "${DOPTS[@]}" --handle "$B" --invite "$INV2"
wait_st alice directory '^registered$' 20
wait_st bob directory '^registered$' 20
AID=$(st alice 'device id')
BID=$(st bob 'device id')
check "alice and bob registered, each API answers with its own handle" \
	"^registered registered [0-9a-f]{32} [0-9a-f]{32} $A\|0\|0\|0 $B\|0\|0\|0\$" \
	"$(st alice directory) $(st bob directory) $AID $BID $(apist alice \
	handle sent received dropped 2>&1) $(apist bob handle sent received \
	dropped 2>&1)"

# --- 1, 2: alice -> bob ---

# Every text sent, to look for in the logs and the gateway's data.
TEXTS=()
# shellcheck disable=SC2016 # nothing to expand: the text as it is
T1='héllo wörld ✓ $(id) `id` "dq" '\''sq'\'' \n\\ a;b|c&d <e> %s ~!'
TEXTS+=("$T1")
BREV=$(apist bob rev)
# A live watcher of alice's: connected before she sends.
python3 - "$WORK/alice/ternd-api.sock" "$WORK/ready" >"$WORK/awatch" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(15)
s.connect(sys.argv[1])
f = s.makefile("rb")
s.sendall(b'{"op":"watch"}\n')
print(f.readline().decode().rstrip("\n"), flush=True)
open(sys.argv[2], "w").close()
try:
    for _ in range(3):
        print(f.readline().decode().rstrip("\n"), flush=True)
except OSError:
    pass
PY
AWPID=$!
for _ in $(seq 100); do
	[ -e "$WORK/ready" ] && break
	sleep 0.05
done
sendj alice "$B" "$T1"
ID1=$ID
wj bob --since "$BREV" -n 1 --timeout 15000
check_eq "bob's watch: alice's text, exact (UTF-8, shell-special), from her device" \
	"0 in|$A|$T1|$AID|$ID1|received|text" \
	"$WRC $(printf '%s\n' "$W" | js dir with text device id state kind)"
wait_state alice "$B" "$ID1" sent 15
check_eq "alice's history: the message to bob, sent" \
	"out|$B|$T1|sent|ABSENT" \
	"$(hist alice "$B" dir with text state device)"
wait "$AWPID"
check_eq "a live watcher of alice's sees it queued, sending, sent" \
	"queued|$ID1 sending|$ID1 sent|$ID1" \
	"$(tail -n +2 "$WORK/awatch" | js state id | tr '\n' ' ' | sed 's/ $//')"

# --- 3: bob replies ---

T2='réponse de bob: ça va ✓✓'
TEXTS+=("$T2")
AREV=$(apist alice rev)
sendj bob "$A" "$T2"
ID2=$ID
wj alice --since "$AREV" -n 1 --timeout 15000
check_eq "alice's watch: bob's reply, from his device" \
	"0 in|$B|$T2|$BID|$ID2" \
	"$WRC $(printf '%s\n' "$W" | js dir with text device id)"
wait_state bob "$A" "$ID2" sent 15
check_eq "both histories: both messages, in order" \
	"out|$T1|$ID1|sent in|$T2|$ID2|received / in|$T1|$ID1|received out|$T2|$ID2|sent" \
	"$(hist alice "$B" dir text id state | tr '\n' ' ')/ $(hist bob "$A" \
		dir text id state | tr '\n' ' ' | sed 's/ $//')"
check_eq "history -n 1: the newest only (receipts are not shown)" "$T2" \
	"$(tc alice history -n 1 -j "$B" 2>&1 | js text)"

# --- 3a: receipts ---

# Bob's device stored T1: alice hears it (a delivery receipt).
for _ in $(seq 150); do
	[ "$(hist alice "$B" id delivered_ms | grep "^$ID1|" | cut -d'|' -f2)" \
		!= ABSENT ] && break
	sleep 0.1
done
check "alice's T1: delivered (bob's device stored it)" '^[0-9]{13}$' \
	"$(hist alice "$B" id delivered_ms | grep "^$ID1|" | cut -d'|' -f2)"
out=$(tc alice history "$B" 2>&1)
d='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
check_eq "ternctl history: one line each, -> with the state, <- new until read" \
	"-> $B: $T1  [delivered]|<- $B: $T2  [new]" \
	"$(printf '%s\n' "$out" | sed -E "s/^$d //" | paste -sd '|')"
# Bob reads alice's messages: marked read at bob, and alice hears it.
check "ternctl read: bob marks alice's one message read, then none" \
	'^1 [0-9]{13} 0$' "$(tc bob read "$A" 2>&1) $(hist bob "$A" id read_ms |
		grep "^$ID1|" | cut -d'|' -f2) $(tc bob read "$A" 2>&1)"
for _ in $(seq 150); do
	[ "$(hist alice "$B" id read_ms | grep "^$ID1|" | cut -d'|' -f2)" \
		!= ABSENT ] && break
	sleep 0.1
done
check "alice's T1: read (a read receipt), shown [read]" \
	"^[0-9]{13} .*  \\[read\\]$" \
	"$(hist alice "$B" id read_ms | grep "^$ID1|" | cut -d'|' -f2) $(
	tc alice history "$B" 2>&1 | head -1)"
check_eq "receipts are not messages: neither history shows one" \
	"2 2" "$(hist alice "$B" id | wc -l) $(hist bob "$A" id | wc -l)"

# --- 3b: typing ---

# Bob watches from now; alice says she is typing, then stopped: his watch
# shows both, live; neither is kept (history, watch --since).
BREV=$(apist bob rev)
tc bob watch -j -n 2 --timeout 15000 >"$WORK/typing" 2>&1 &
WPID=$!
sleep 0.5
ta=$(tc alice typing "$B" 2>&1)
sleep 0.3
tb=$(tc alice typing "$B" off 2>&1)
wait "$WPID"
check_eq "ternctl typing: to bob's one device; his watch shows on, then off" \
	"1 1 0 typing|$A|true typing|$A|false" \
	"$ta $tb $? $(js event with on <"$WORK/typing" | paste -sd ' ')"
check_eq "typing is kept nowhere: not in history, not after the watch's rev" \
	"2 0" "$(hist bob "$A" id | wc -l) $(tc bob watch -j --since "$BREV" \
		-n 1 --timeout 500 2>/dev/null | wc -l)"
out=$(api alice '{"op":"typing","with":"bob@example.org","on":"yes"}' \
	'{"op":"typing","with":"no at sign"}')
check "typing: on not a boolean, a bad handle: bad-request" \
	'^false\|bad-request\|.*"on".* false\|bad-request\|with: .*$' \
	"$(printf '%s\n' "$out" | js ok error message | paste -sd ' ')"

# --- 3c: replies, mentions, reactions, edits, unsend ---

# hist_of NAME PEER ID FIELD...: FIELDs of message ID in NAME's history.
hist_of() {
	hist "$1" "$2" id "${@:4}" | grep "^$3|" | cut -d'|' -f2-
}

# until_hist NAME PEER ID REGEX FIELD...: until FIELDs of message ID match.
until_hist() {
	for _ in $(seq 150); do
		[[ "$(hist_of "$1" "$2" "$3" "${@:5}")" =~ $4 ]] && return 0
		sleep 0.1
	done
	return 1
}

T3='as you said: ok'
TEXTS+=("$T3")
ID3=$(tc alice send --reply-to "$ID2" --mention "$B" "$B" "$T3" 2>&1)
until_hist bob "$A" "$ID3" . text
check_eq "a reply that mentions bob: bob sees what it answers and whom it names" \
	"$T3|$ID2|[\"$B\"]" "$(hist_of bob "$A" "$ID3" text reply_to mentions)"
check_eq "a reply to no message of the conversation: refused" \
	"1" "$(tc alice send --reply-to 0123456789abcdef0123456789abcdef \
		"$B" x >/dev/null 2>&1; echo $?)"
tc bob react "$A" "$ID3" '👍' >/dev/null 2>&1
r1=$(until_hist alice "$B" "$ID3" 'bob' reactions &&
	hist_of alice "$B" "$ID3" reactions)
tc bob react "$A" "$ID3" '❤️' >/dev/null 2>&1
r2=$(until_hist alice "$B" "$ID3" '❤' reactions &&
	hist_of alice "$B" "$ID3" reactions)
tc bob react --remove "$A" "$ID3" >/dev/null 2>&1
r3=$(until_hist alice "$B" "$ID3" '^ABSENT$' reactions &&
	hist_of alice "$B" "$ID3" reactions)
check_eq "bob's reaction shows at alice's, is replaced, then taken back" \
	"[{\"from\": \"$B\", \"emoji\": \"👍\"}] [{\"from\": \"$B\", \"emoji\": \"❤️\"}] ABSENT" \
	"$r1 $r2 $r3"
tc alice edit "$B" "$ID3" 'as you said: fine' >/dev/null 2>&1
until_hist bob "$A" "$ID3" '^as you said: fine\|[0-9]{13}$' text edited_ms
check "alice edits it: bob sees the new text, marked edited" \
	'^as you said: fine\|[0-9]{13}$' "$(hist_of bob "$A" "$ID3" text edited_ms)"
TEXTS+=('as you said: fine')
out=$(api bob "{\"op\":\"edit\",\"with\":\"$A\",\"id\":\"$ID3\",\"text\":\"mine\"}" \
	"{\"op\":\"react\",\"with\":\"$A\",\"id\":\"0123456789abcdef0123456789abcdef\",\"emoji\":\"x\"}" \
	"{\"op\":\"unsend\",\"with\":\"$A\",\"id\":\"nothex\"}")
check "bob cannot edit alice's message; no reaction to no message; a bad id" \
	'^refused\|not a message of its author not-found\|no such message.* bad-request\|id: .*$' \
	"$(printf '%s\n' "$out" | js error message | paste -sd ' ')"
tc alice unsend "$B" "$ID3" >/dev/null 2>&1
until_hist bob "$A" "$ID3" '^ABSENT\|[0-9]{13}$' text unsent_ms
check "alice unsends it: gone from bob's history and hers, marked unsent" \
	'^ABSENT\|[0-9]{13} ABSENT\|[0-9]{13}$' \
	"$(hist_of bob "$A" "$ID3" text unsent_ms) $(hist_of alice "$B" "$ID3" text unsent_ms)"
check "ternctl history shows it unsent, nothing of it left" \
	": \\(unsent\\)  \\[new\\]$" \
	"$(tc bob history "$A" 2>&1 | tail -1)"

# --- 3d: message requests ---

# Carol, a stranger to alice, writes first: a request at alice's, apart
# from her contacts; reading it tells carol nothing; blocked, carol's
# messages are dropped; accepted, they come in again.
C=carol@example.org
td_start carol "${DOPTS[@]}" --handle "$C" --invite "$INV3"
wait_st carol directory '^registered$' 20
CID=$(tc carol send "$A" 'hello, stranger' 2>&1)
TEXTS+=('hello, stranger')
until_hist alice "$C" "$CID" . text
convs=$(tc alice conversations -j 2>&1)
check_eq "carol's first message: a request at alice's, 1 unread; bob a contact" \
	"$C|request|1|hello, stranger $B|contact" \
	"$(printf '%s\n' "$convs" | grep "\"$C\"" | js with state unread last |
	sed 's/|{.*"text": "\([^"]*\)".*}$/|\1/') $(printf '%s\n' "$convs" |
	grep "\"with\":\"$B\"" | js with state)"
tc alice read "$C" >/dev/null 2>&1
sleep 1
check_eq "alice reads the request: carol hears no read receipt" \
	"ABSENT" "$(hist_of carol "$A" "$CID" read_ms)"
tc alice block "$C" >/dev/null 2>&1
drop0=$(apist alice dropped)
CID2=$(tc carol send "$A" 'are you there' 2>&1)
TEXTS+=('are you there')
for _ in $(seq 100); do
	[ "$(apist alice dropped)" -gt "$drop0" ] && break
	sleep 0.1
done
check_eq "blocked: carol's next message is dropped at alice's, not kept" \
	"1 none" "$(($(apist alice dropped) - drop0)) $([ -z "$(hist_of alice \
		"$C" "$CID2" text)" ] && echo none)"
tc alice accept "$C" >/dev/null 2>&1
CID3=$(tc carol send "$A" 'third time' 2>&1)
TEXTS+=('third time')
until_hist alice "$C" "$CID3" . text
check_eq "accepted: carol's messages come in again, a contact" \
	"third time contact" "$(hist_of alice "$C" "$CID3" text) $(tc alice \
	conversations -j 2>&1 | grep "\"$C\"" | js state)"
check "ternctl conversations: carol first, then bob" \
	"^$C  [0-9]+ unread" "$(tc alice conversations 2>&1 | head -1)"
td_stop carol

# --- 3e: delete and restore, on one device ---

tc bob delete "$ID1" >/dev/null 2>&1
del=$(hist bob "$A" id | grep -c "^$ID1$")
gone=$(tc bob deleted -j 2>&1 | js id deleted_ms | grep -c "^$ID1|[0-9]\{13\}$")
check_eq "bob deletes T1: out of his history, among the recently deleted, still at alice's" \
	"0 1 1 1" "$del $gone $(hist alice "$B" id | grep -c "^$ID1$") $(tc bob \
		delete "$ID1" >/dev/null 2>&1; echo $?)"
tc bob restore "$ID1" >/dev/null 2>&1
check_eq "restored: back in his history with its text, no longer deleted" \
	"$T1 0" "$(hist_of bob "$A" "$ID1" text) $(tc bob deleted -j 2>&1 |
		grep -c "$ID1")"

# --- 3f: safety numbers ---

va=$(tc alice verify "$B" 2>&1)
vb=$(tc bob verify "$A" 2>&1)
num() { printf '%s\n' "$1" | sed -n '2,4p' | tr -d ' \n'; }
check "verify: the same 60 digits on both sides, not verified yet" \
	"^[0-9]{60} [0-9]{60} not verified not verified$" \
	"$(num "$va") $(num "$vb") $(printf '%s\n' "$va" | tail -1) $(
	printf '%s\n' "$vb" | tail -1)"
[ "$(num "$va")" = "$(num "$vb")" ] || echo "# the numbers differ"
check_eq "verify --confirm: alice has verified bob" "verified 0" \
	"$(tc alice verify --confirm "$B" 2>&1 | tail -1) $?"
# Bob's account key is not the one alice verified any more (as her store
# sees it, as if the directory showed a rotated key).
/usr/bin/python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("UPDATE contacts SET verified_key = randomblob(32) WHERE handle = ?",
           (sys.argv[2],))
db.commit()' "$WORK/alice/ternd.db" "$B"
out=$(tc alice verify "$B" 2>&1)
rc=$?
sout=$(tc alice send "$B" 'not now' 2>&1)
src=$?
check "a changed key: verify warns (exit 3), sending to bob is refused" \
	"^3 .*WARNING: $B's account key changed.* 1 .*changed since you verified.*$" \
	"$rc $(printf '%s' "$out" | tr '\n' ' ') $src $sout"
check_eq "compared again and confirmed: verified, and sending works" \
	"verified 0" "$(tc alice verify --confirm "$B" 2>&1 | tail -1) $(tc \
		alice send "$B" 'verified again' >/dev/null 2>&1; echo $?)"
TEXTS+=('verified again' 'not now')

# --- 4: 20 back to back ---

BREV=$(apist bob rev)
BRECV=$(apist bob received)
rc=0
for i in $(seq 20); do
	tc alice send "$B" "m$i" >/dev/null || rc=1
done
wj bob --since "$BREV" -n 20 --timeout 15000
check_eq "20 messages sent back to back: bob's watch shows m1..m20 in order" \
	"0 $(seq -f 'm%g' 20 | paste -sd ' ')" \
	"$WRC $(printf '%s\n' "$W" | js text | paste -sd ' ')"
for _ in $(seq 150); do
	[ "$(hist alice "$B" state | tail -20 | sort -u)" = sent ] && break
	sleep 0.1
done
sleep 0.5
check_eq "each once in bob's history, in order; alice's 20 all sent" \
	"$rc $(seq -f 'm%g' 20 | paste -sd ' ') 20 20 20 sent" \
	"$rc $(hist bob "$A" text | grep -x 'm[0-9]*' | paste -sd ' ') $(
	hist bob "$A" id text | grep '|m[0-9]*$' | sort -u | wc -l) $(
	hist bob "$A" text | grep -cx 'm[0-9]*') $(($(apist bob received) -
	BRECV)) $(hist alice "$B" state | tail -20 | sort -u | paste -sd ,)"

# The longest text: 16384 bytes (8192 two-byte characters).
BREV=$(apist bob rev)
out=$(api alice @MAX)
wj bob --since "$BREV" -n 1 --timeout 15000
check_eq "a text of 16384 bytes (the most) is taken and arrives whole" \
	"true 0 16384 $(printf '%s' "$out" | js id)" \
	"$(printf '%s' "$out" | js ok) $WRC $(printf '%s\n' "$W" | python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8") or "{}")
t = d.get("text", "")
print(len(t.encode()) if t == "\u00e9" * 8192 else "wrong text", d.get("id"))')"

# --- 5: bob offline ---

BREV=$(apist bob rev)
BTOK=$(st bob 'push token')
td_stop bob
check "bob's ternd exits 0 on SIGTERM" '^0$' "$?"
OFF=()
ids=()
for i in 1 2 3; do
	OFF+=("offline-quokka-$i-$$ ünïcödé")
	sendj alice "$B" "${OFF[$((i - 1))]}"
	ids+=("$ID")
done
TEXTS+=("${OFF[@]}")
ok=0
for id in "${ids[@]}"; do
	wait_state alice "$B" "$id" sent 15 && ok=$((ok + 1))
done
check "bob offline: alice's 3 messages reach sent (the gateway holds them)" \
	'^3$' "$ok"
# What the gateway holds for bob's push token (its store, gateway.rst):
# a sealed payload for each message.
check "the gateway holds them: 3 payloads queued for bob's token" '^3$' \
	"$(python3 - "$WORK/gwdata/gateway.db" "$BTOK" <<'PY' 2>&1
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM messages WHERE token = ? AND"
                 " payload IS NOT NULL",
                 (bytes.fromhex(sys.argv[2]),)).fetchone()[0])
PY
)"
check "the gateway's data files hold no text and no sender handle" \
	'^[1-9][0-9]* files, 0 0 0$' \
	"$(find "$WORK/gwdata" -type f | wc -l) files, $(
	grep -ra -F -c -e "offline-quokka" "$WORK/gwdata" |
		awk -F: '{ s += $NF } END { print s + 0 }') $(
	grep -ra -F -c -e "$A" "$WORK/gwdata" |
		awk -F: '{ s += $NF } END { print s + 0 }') $(
	grep -ra -F -c -e "ünïcödé" -e "alice@" "$WORK/gwdata" |
		awk -F: '{ s += $NF } END { print s + 0 }')"
td_start bob "${DOPTS[@]}" --handle "$B"
wait_st bob directory '^registered$' 20
wj bob --since "$BREV" -n 3 --timeout 15000
check_eq "bob back (no invite): the 3 arrive, in order, once each, from alice" \
	"0 $A|${OFF[0]} $A|${OFF[1]} $A|${OFF[2]} 1 1 1" \
	"$WRC $(printf '%s\n' "$W" | js with text | paste -sd ' ') $(
	for t in "${OFF[@]}"; do hist bob "$A" text | grep -cxF "$t"; done |
		paste -sd ' ')"
# Stored together, they are answered together (receipts batched per
# sender): each of the 3 ends delivered at alice's.
ok=0
for id in "${ids[@]}"; do
	until_hist alice "$B" "$id" '^[0-9]{13}$' delivered_ms && ok=$((ok + 1))
done
check "each of the 3 delivered (their receipts came back)" '^3$' "$ok"
T3="after-restart from bob $$"
T4="after-restart from alice $$"
TEXTS+=("$T3" "$T4")
AREV=$(apist alice rev)
sendj bob "$A" "$T3"
ID3=$ID
wj alice --since "$AREV" -n 1 --timeout 15000
r1="$WRC $(printf '%s\n' "$W" | js dir text)"
BREV=$(apist bob rev)
sendj alice "$B" "$T4"
wj bob --since "$BREV" -n 1 --timeout 15000
check_eq "after the restart both ways still work (sessions kept)" \
	"0 in|$T3 / 0 in|$T4" "$r1 / $WRC $(printf '%s\n' "$W" | js dir text)"

# --- 6: watch --since ---

wait_state bob "$A" "$ID3" sent 15
BREV=$(apist bob rev)
S1="since-one $$"
S2="since-two $$"
TEXTS+=("$S1" "$S2")
sendj alice "$B" "$S1"
sendj alice "$B" "$S2"
for _ in $(seq 150); do
	hist bob "$A" text | grep -xF "$S2" >/dev/null && break
	sleep 0.1
done
wj bob --since "$BREV" -n 2 --timeout 5000
check_eq "watch --since REV -n 2: exactly the 2 changes after REV" \
	"0 $S1|$S2" "$WRC $(printf '%s\n' "$W" | js text | paste -sd '|')"
wj bob --since "$BREV" -n 3 --timeout 1500
check_eq "watch --since REV -n 3: nothing more, exit 1 after the timeout" \
	"1 $S1|$S2" "$WRC $(printf '%s\n' "$W" | js text | paste -sd '|')"
check "status rev: the newest change's" "^$(apist bob rev)\$" \
	"$(printf '%s\n' "$W" | js rev | tail -1)"

# --timeout bounds the whole wait for -n N, not each message's: three
# messages 1.2 s apart, -n 4 --timeout 2000 gives up after 2 s.
for i in 1 2 3; do
	TEXTS+=("tick-$i-$$")
done
( for i in 1 2 3; do
	sleep 1.2
	tc alice send "$B" "tick-$i-$$" >/dev/null
  done ) &
TICKPID=$!
t0=$(date +%s%N)
wj bob -n 4 --timeout 2000
ms=$((($(date +%s%N) - t0) / 1000000))
wait "$TICKPID"
check "watch -n 4 --timeout 2000 with messages 1.2 s apart: exit 1 within 2 s" \
	'^1 (1[89][0-9]{2}|2[0-9]{3}|3[0-4][0-9]{2}) ms$' "$WRC $ms ms"
for _ in $(seq 100); do
	hist bob "$A" text | grep -xF "tick-3-$$" >/dev/null && break
	sleep 0.1
done

# --- 7: nobody ---

sendj alice nobody@example.org "to nobody $$"
TEXTS+=("to nobody $$")
wait_state alice nobody@example.org "$ID" failed 15
check "a message to a handle the directory lacks: failed, no such handle" \
	'^failed\|no such handle in the directory$' \
	"$(hist alice nobody@example.org state error)"

# --- 8: the API refuses bad requests ---

out=$(api alice 'not json' '[1,2]' '{"op":"frobnicate"}' \
	'{"op":"send","text":"x"}' '{"op":"send","to":"bob@example.org"}' \
	'{"op":"send","to":"no at sign","text":"x"}' @LONG \
	'{"op":"history","with":"bob@example.org","limit":0}' \
	'{"op":"history","with":"bob@example.org","limit":1001}' \
	'{"op":"status","tag":"t-42"}' \
	'{"op":"frobnicate","tag":{"n":[7]}}' '{"op":"status"}')
line() { printf '%s\n' "$out" | sed -n "$1p" | js ok error message tag; }
check "a non-JSON line: bad-request, not JSON" \
	'^false\|bad-request\|not JSON.*\|ABSENT$' "$(line 1)"
check "a JSON array: bad-request, a request is an object" \
	'^false\|bad-request\|.*object.*\|ABSENT$' "$(line 2)"
check "an unknown op: bad-request naming op" \
	'^false\|bad-request\|op: unknown.*\|ABSENT$' "$(line 3)"
check "send without to, without text: bad-request naming them" \
	'^false\|bad-request\|.*"to".*\|ABSENT false\|bad-request\|.*"text".*\|ABSENT$' \
	"$(line 4) $(line 5)"
check "send to a malformed handle: bad-request naming to" \
	'^false\|bad-request\|to: .*\|ABSENT$' "$(line 6)"
check "a text of 16385 bytes: bad-request naming text and 16384" \
	'^false\|bad-request\|text: .*16384.*\|ABSENT$' "$(line 7)"
check "history limit 0 and 1001: bad-request naming limit" \
	'^false\|bad-request\|limit: .*\|ABSENT false\|bad-request\|limit: .*\|ABSENT$' \
	"$(line 8) $(line 9)"
check "the tag comes back, in an answer and in an error" \
	'^true\|ABSENT\|ABSENT\|t-42 false\|bad-request\|op: .*\|\{"n": \[7\]\}$' \
	"$(line 10) $(line 11)"
check "the connection still answers after the errors" \
	"^true\|ABSENT\|ABSENT\|ABSENT [0-9]+$" \
	"$(line 12) $(printf '%s\n' "$out" | sed -n 12p | js rev)"
out=$(api alice @BIG)
check "a line over 64 KiB: bad-request, then the connection closed" \
	'^false\|bad-request\|.*65536.*/CLOSED$' \
	"$(printf '%s\n' "$out" | head -1 | js ok error message)/$(
	printf '%s\n' "$out" | sed -n 2p)"

# --- 9: ternctl refuses ---

out=$(tc alice send bob hello 2>&1)
check "ternctl send to a handle without @: usage error, exit 2" \
	"^2 .*bob" "$? $out"
out=$(tc alice history 2>&1)
check "ternctl history without a handle: usage error, exit 2" \
	"^2 .*HANDLE" "$? $out"
out=$(tc alice recv 2>&1)
check "ternctl recv while messaging is on: refused, saying so" \
	"^[1-9][0-9]* .*messaging is on" "$? $out"

# --- 10: a raw push to bob is dropped ---

BTOK=$(st bob 'push token')
BD0=$(apist bob dropped)
BR0=$(apist bob rev)
BN0=$(apist bob received)
RAW="raw-unsealed-push-$$-$(printf 'x%.0s' $(seq 80))"
TEXTS+=("$RAW")
out=$(tc alice push "$BTOK" "$RAW" 2>&1)
for _ in $(seq 100); do
	[ "$(apist bob dropped)" = $((BD0 + 1)) ] && break
	sleep 0.1
done
check_eq "a raw push to bob: dropped (counted), not in history, inbox consumed" \
	"$((BD0 + 1)) $BR0 $BN0 0 0" \
	"$(apist bob dropped) $(apist bob rev) $(apist bob received) $(
	st bob 'inbox unread') $(hist bob "$A" text | grep -cF "raw-unsealed")"

# --- 11, 12: logs and exits ---

td_stop alice
td_stop bob
kill -TERM "$GWPID"
wait "$GWPID"
GWRC=$?
dird_stop
# (m1..m20 are too short to look for.)
printf '%s\n' "${TEXTS[@]}" >"$WORK/texts"
# leaks LOG WORD...: the lines of LOG holding a sent text or a WORD.
leaks() {
	local log=$1

	shift
	{ grep -F -f "$WORK/texts" "$log"
	  for w in "$@"; do grep -F -e "$w" "$log"; done; } | sort -u |
		head -5
}
check_eq "alice's log: no text, no peer handle" "" \
	"$(leaks "$WORK/alice.log" "$B" nobody@)"
check_eq "bob's log: no text, no peer handle" "" \
	"$(leaks "$WORK/bob.log" "$A")"
check_eq "the gateway's log: no text, no handle" "" \
	"$(leaks "$WORK/gw.log" "$A" "$B" nobody@ "@example.org")"
# The stores at rest: the texts are sealed under the store key, which
# is in a file of its own (0600).
check_eq "alice's and bob's stores hold no text; their store keys are 0600" \
	"0 600 600" \
	"$(cat "$WORK"/alice/ternd.db* "$WORK"/bob/ternd.db* |
		grep -a -c -F -f "$WORK/texts") $(stat -c %a \
		"$WORK/alice/store.key" "$WORK/bob/store.key" | paste -sd ' ')"
san_re="Sanitizer|runtime error"
check "no sanitizer report in any log" '^0$' \
	"$(cat "$WORK"/alice.log "$WORK"/bob.log "$WORK"/gw.log \
		"$WORK"/dird.log | grep -Ec "$san_re")"
check "every ternd exited 0 on SIGTERM" '^ carol=0 bob=0 alice=0 bob=0$' "$TSTOPS"
check "the gateway exits 0 on SIGTERM" '^0$' "$GWRC"
check "the directory exits 0 on SIGTERM, no sanitizer report or error" \
	'^0 0$' "$STOP"

ktap_finished

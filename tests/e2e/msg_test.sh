#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end encrypted messaging (Documentation/messaging.rst, ternd.rst
# "Messaging" and "The client API") over the user transport (the host)
# or the kernel one (E2E_TRANSPORT=kernel, in the VM: tests/e2e_kernel):
# the part of tests/directory/chat_test.sh that must hold over both.
# tern-directoryd listens beside the gateway (198.18.0.1:8443, its
# certificate from the suite's CA, pki/dir.test.crt); alice's and bob's
# ternds, in the devices' namespace, register their handles with it and
# talk through ternctl send, history and watch. Each ternd says which
# transport it runs, and over the kernel one its gateway connection is
# tern.ko's. A text with non-ASCII UTF-8 and shell-special characters
# arrives exactly, from alice's device; bob's reply comes back, and
# alice's history holds both, in order; 10 messages sent back to back
# arrive in order, once each. Bob offline: alice's messages reach sent,
# and reach bob when he is back; both ways work after. Over the kernel
# transport a restarted ternd adopts its connection from tern.ko and
# messaging goes on. Then each links a second device (ternd --link,
# ternctl link code and approve), which registers over the same
# transport with no alarm on any device, and a message from one person
# reaches both devices of the other and the sender's second device.
# Every daemon exits 0 on SIGTERM with no sanitizer report, and ternd's
# logs hold no text and no peer's handle.
#
# Only what the VM has: bash, busybox, ip and the suite's binaries (the
# JSON of ternctl -j is read with grep and sed). Waits are bounded by
# MSG_WAIT seconds (20 on the host, 60 in the VM, 150 on its debug
# kernel), which only a failure waits out.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/e2e_lib.sh"

TERND=$(bin ternd)
DIRD=$(bin tern-directoryd)
DIR_PORT=8443
URL=https://$GW_IP:$DIR_PORT
A=alice@example.org
B=bob@example.org
declare -A HANDLE=([alice]=$A [bob]=$B [alice2]=$A [bob2]=$B)
if [ "${TERN_VM_DEBUG:-0}" = 1 ]; then
	T=${MSG_WAIT:-150}
elif [ "$E2E_TRANSPORT" = kernel ]; then
	T=${MSG_WAIT:-60}
else
	T=${MSG_WAIT:-20}
fi

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_set_plan 0
	ktap_exit_fail_msg "needs root for network namespaces"
fi
ktap_set_plan 18

# check_eq NAME EXPECTED ACTUAL: a check of equal strings (texts hold
# characters a regex would take).
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1"
	else
		echo "# expected:"
		printf '%s\n' "$2" | sed 's/^/#   /'
		echo "# got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

# --- the directory, the gateway ---

[ -f "$PKI/dir.test.crt" ] ||
	ktap_exit_fail_msg "no $PKI/dir.test.crt: build the suite"
if ! "$DIRD" --data "$WORK/dirdata" --add-invites 2 >"$WORK/invites" \
	2>>"$WORK/dird.log" ||
   ! "$DIRD" --data "$WORK/dirdata" --show-keys >"$WORK/keys" \
	2>>"$WORK/dird.log"; then
	sed 's/^/# dird: /' "$WORK/dird.log"
	ktap_exit_fail_msg "cannot make the directory's invites and keys"
fi
HEADKEY=$(sed -n 's/^head-key = //p' "$WORK/keys")
VRFKEY=$(sed -n 's/^vrf-key = //p' "$WORK/keys")
INV1=$(sed -n 1p "$WORK/invites")
INV2=$(sed -n 2p "$WORK/invites")

if ! e2e_setup || ! gw_start; then
	cat "$WORK/gw.log" >&2
	ktap_exit_fail_msg "could not set up the namespaces and the gateway"
fi

ip netns exec "$NS_GW" "$DIRD" --data "$WORK/dirdata" \
	--listen "$GW_IP:$DIR_PORT" --cert "$PKI/dir.test.crt" \
	--key "$PKI/dir.test.key" --claim-rate 0 --change-rate 0 \
	>>"$WORK/dird.log" 2>&1 &
DIRD_PID=$!
for _ in $(seq $((T * 10))); do
	grep -q "ready:" "$WORK/dird.log" && break
	kill -0 "$DIRD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "ready:" "$WORK/dird.log"; then
	sed 's/^/# dird: /' "$WORK/dird.log"
	ktap_exit_fail_msg "the directory did not start"
fi

# --- helpers ---

DOPTS=(--directory "$URL" --head-key "$HEADKEY" --vrf-key "$VRFKEY"
       --prekeys 20 --directory-check 2s --lookup-cache 2s)
declare -A TPID
# Every ternd's exit status on SIGTERM, in order: " NAME=RC ...".
TSTOPS=""

# td_start NAME [ternd options]: ternd NAME in the devices' namespace,
# its data in $WORK/NAME, its log in $WORK/NAME.log.
td_start() {
	local name=$1

	shift
	ip netns exec "$NS_DEV" "$TERND" --gateway "$GW_IP:$GW_PORT" \
		--ca "$PKI/ca.crt" --gateway-name gw.test \
		--data "$WORK/$name" --transport "$E2E_TRANSPORT" -v \
		"${DOPTS[@]}" --handle "${HANDLE[$name]}" "$@" \
		>>"$WORK/$name.log" 2>&1 &
	TPID[$name]=$!
}

# td_stop NAME: SIGTERM; its exit status, also kept in TSTOPS.
td_stop() {
	local rc

	kill -TERM "${TPID[$1]}" 2>/dev/null
	wait "${TPID[$1]}"
	rc=$?
	TSTOPS="$TSTOPS $1=$rc"
	return $rc
}

# ctl NAME CMD ARGS...: ternctl CMD with ternd NAME's control socket (the
# API's is found beside it); ternctl's errors go to $WORK/ternctl.log.
ctl() {
	local name=$1 cmd=$2

	shift 2
	timeout $((T * 2)) "$TERNCTL" "$cmd" -S "$WORK/$name/ternd.sock" \
		"$@" 2>>"$WORK/ternctl.log"
}

# st NAME FIELD: FIELD of ternd NAME's status.
st() {
	ctl "$1" status | sed -n "s/^$2: *//p"
}

# wait_st NAME FIELD REGEX: until FIELD matches REGEX (T seconds).
wait_st() {
	local end=$((SECONDS + T))

	while [ $SECONDS -lt $end ]; do
		[[ "$(st "$1" "$2")" =~ $3 ]] && return 0
		sleep 0.2
	done
	return 1
}

# jf FIELD: FIELD of each JSON object on stdin (ternctl -j: one a line,
# compact), a string unescaped; a line without FIELD gives none.
jf() {
	sed -nE "s/^.*\"$1\":(\"(([^\"\\\\]|\\\\.)*)\"|([^,}\"]*)).*\$/\\2\\4/p" |
		sed -E 's/\\(.)/\1/g'
}

# cols FIELD...: for each JSON object on stdin, its FIELDs joined by '|'.
cols() {
	local line f out

	while IFS= read -r line; do
		out=
		for f in "$@"; do
			out="$out|$(printf '%s\n' "$line" | jf "$f")"
		done
		printf '%s\n' "${out#|}"
	done
}

# hist NAME PEER: NAME's history with PEER, oldest first, one JSON
# object a line.
hist() {
	ctl "$1" history -n 1000 -j "$2"
}

# rev_of NAME PEER: the newest change among NAME's messages with PEER
# (NAME's latest rev: each talks with the other only); 0 if none.
rev_of() {
	hist "$1" "$2" | jf rev | sort -n | tail -n 1 | grep . || echo 0
}

# wait_state NAME PEER ID STATE: until message ID of NAME's history with
# PEER is in STATE (T seconds).
wait_state() {
	local end=$((SECONDS + T))

	while [ $SECONDS -lt $end ]; do
		hist "$1" "$2" | grep -F "\"id\":\"$3\"" |
			grep -qF "\"state\":\"$4\"" && return 0
		sleep 0.2
	done
	return 1
}

# wj NAME SINCE N: ternctl watch -j --since SINCE -n N, for T
# seconds; W its output, WRC its exit status.
wj() {
	local name=$1

	W=$(ctl "$name" watch -j --since "$2" -n "$3" --timeout $((T * 1000)))
	WRC=$?
}

# Every text sent, to look for in the logs.
TEXTS=()

# deliver FROM TO TEXT: FROM sends TEXT to TO, whose watch (from TO's
# latest change: TO's own messages must have settled) waits for it; then
# until FROM's message is sent. ID the message id; OUT "WRC|dir|with|
# device|state|kind|id|text" of what TO's watch showed, then "|sent" or
# "|not sent".
deliver() {
	local from=$1 to=$2 rev

	TEXTS+=("$3")
	rev=$(rev_of "$to" "${HANDLE[$from]}")
	ID=$(ctl "$from" send "${HANDLE[$to]}" "$3")
	wj "$to" "$rev" 1
	OUT="$WRC|$(printf '%s\n' "$W" | cols dir with device state kind id text)"
	if wait_state "$from" "${HANDLE[$to]}" "$ID" sent; then
		OUT="$OUT|sent"
	else
		OUT="$OUT|not sent"
	fi
}

# --- 1. alice and bob register ---

td_start alice --invite "$INV1"
td_start bob --invite "$INV2"
wait_st alice directory '^registered$'
wait_st bob directory '^registered$'
wait_st alice state '^ready'
wait_st bob state '^ready'
AID=$(st alice 'device id')
BID=$(st bob 'device id')
check "alice and bob register their handles and connect to the gateway" \
	"^registered registered ready ready [0-9a-f]{32} [0-9a-f]{32}\$" \
	"$(st alice directory) $(st bob directory) $(st alice state) $(st bob state) $AID $BID"
check "each ternd says which transport it runs, and why" \
	"^ternd: transport $E2E_TRANSPORT \\(.+\\) / ternd: transport $E2E_TRANSPORT \\(.+\\) / $E2E_TRANSPORT $E2E_TRANSPORT\$" \
	"$(head -n 1 "$WORK/alice.log") / $(head -n 1 "$WORK/bob.log") / $(st alice transport) $(st bob transport)"

# kconn NAME: ternd NAME's connections in tern.ko ("ID STATE OWNER").
kconn() {
	local tag
	tag=ternd-$(st "$1" 'device id' | cut -c 1-16)
	ip netns exec "$NS_DEV" "$TERNCTL" conn list --owner "$tag" \
		2>>"$WORK/ternctl.log" | awk 'NR > 1 { print $1, $2, $4 }'
}
if [ "$E2E_TRANSPORT" = kernel ]; then
	CA=$(st alice connection)
	CB=$(st bob connection)
	check "kernel transport: each ternd's gateway connection is held by tern.ko (and the gateway's)" \
		"^$CA established ternd-${AID:0:16} / $CB established ternd-${BID:0:16} / [2-9]\$" \
		"$(kconn alice) / $(kconn bob) / $(kconns)"
else
	ktap_test_skip "kernel transport: each ternd's gateway connection is held by tern.ko (user transport here)"
fi

# --- 2. alice -> bob ---

# shellcheck disable=SC2016 # nothing to expand: the text as it is
T1='héllo wörld ✓ $(id) `id` "dq" '\''sq'\'' \n\\ a;b|c&d <e> %s ~!* €'
deliver alice bob "$T1"
ID1=$ID
check_eq "alice -> bob: the text arrives exactly (UTF-8, shell-special), in, from alice's device" \
	"0|in|$A|$AID|received|text|$ID1|$T1|sent" "$OUT"

# --- 3. bob replies ---

T2="réponse de bob $$: ça va ✓✓"
deliver bob alice "$T2"
ID2=$ID
check_eq "bob -> alice: the reply arrives, from bob's device" \
	"0|in|$B|$BID|received|text|$ID2|$T2|sent" "$OUT"
h=$(hist alice "$B")
check_eq "alice's history: her message sent, then bob's received" \
	"out|sent|$ID1|$T1 in|received|$ID2|$T2" \
	"$(printf '%s\n' "$h" | cols dir state id text | paste -sd ' ')"

# --- 4. 10 back to back ---

BREV=$(rev_of bob "$A")
rc=0
burst=
for i in $(seq 10); do
	TEXTS+=("burst-$$-$i")
	burst="$burst${burst:+ }burst-$$-$i"
	ctl alice send "$B" "burst-$$-$i" >/dev/null || rc=1
done
wj bob "$BREV" 10
# Then alice's all sent, and what bob holds.
end=$((SECONDS + T))
while [ $SECONDS -lt $end ] &&
      hist alice "$B" | grep -qE '"state":"(queued|sending)"'; do
	sleep 0.2
done
check_eq "10 sent back to back: bob's watch shows them in order; each once in his history; all sent" \
	"0 0 $burst / in / $burst / 10" \
	"$rc $WRC $(printf '%s\n' "$W" | jf text | paste -sd ' ') / $(
	printf '%s\n' "$W" | jf dir | sort -u | paste -sd ' ') / $(
	hist bob "$A" | jf text | grep "^burst-$$-" | paste -sd ' ') / $(
	hist alice "$B" | grep -F "\"text\":\"burst-$$-" |
		grep -cF '"state":"sent"')"

# --- 5. bob offline ---

BREV=$(rev_of bob "$A")
td_stop bob
O1="offline-$$-1 ünïcödé"
O2="offline-$$-2 ünïcödé"
TEXTS+=("$O1" "$O2")
OID1=$(ctl alice send "$B" "$O1")
OID2=$(ctl alice send "$B" "$O2")
s1=not; s2=not
wait_state alice "$B" "$OID1" sent && s1=sent
wait_state alice "$B" "$OID2" sent && s2=sent
check "bob stopped: alice's 2 messages reach sent" '^sent sent$' "$s1 $s2"
td_start bob
wait_st bob state '^ready'
wait_st bob directory '^registered$'
echo "# bob restarted: state $(st bob state)"
wj bob "$BREV" 2
check_eq "bob back: both arrive, in order, once each, from alice" \
	"0 $A|$OID1|$O1 $A|$OID2|$O2 / 1 1" \
	"$WRC $(printf '%s\n' "$W" | cols with id text | paste -sd ' ') / $(for t in "$O1" "$O2"; do
		hist bob "$A" | grep -cF "\"text\":\"$t\""; done | paste -sd ' ')"
T3="after bob's restart, from alice $$"
T4="after bob's restart, from bob $$"
deliver alice bob "$T3"
r1=$OUT
deliver bob alice "$T4"
check_eq "after bob's restart, messages go both ways" \
	"0|in|$A|$AID|received|text|$T3|sent / 0|in|$B|$BID|received|text|$T4|sent" \
	"$(cut -d '|' -f 1-6,8- <<<"$r1") / $(cut -d '|' -f 1-6,8- <<<"$OUT")"

# --- 6. a restarted ternd adopts its connection (kernel transport) ---

if [ "$E2E_TRANSPORT" = kernel ]; then
	CA=$(st alice connection)
	td_stop alice
	td_start alice
	wait_st alice state '^ready'
	wait_st alice directory '^registered$'
	check "kernel transport: restarted, alice's ternd adopts its tern.ko connection" \
		"^ready \\(adopted\\) $CA / $CA established ternd-${AID:0:16}\$" \
		"$(st alice state) $(st alice connection) / $(kconn alice)"
	T5="after the adoption, from alice $$"
	T6="after the adoption, from bob $$"
	deliver alice bob "$T5"
	r1=$OUT
	deliver bob alice "$T6"
	check_eq "and messages go both ways after it" \
		"0|in|$A|$AID|received|text|$T5|sent / 0|in|$B|$BID|received|text|$T6|sent" \
		"$(cut -d '|' -f 1-6,8- <<<"$r1") / $(cut -d '|' -f 1-6,8- <<<"$OUT")"
else
	ktap_test_skip "kernel transport: restarted, alice's ternd adopts its tern.ko connection (user transport here)"
	ktap_test_skip "and messages go both ways after it (user transport here)"
fi

# --- 7. a second device each, linked ---

# link OLD NEW: NEW's ternd starts with --link; OLD approves its code.
link() {
	local code

	td_start "$2" --link
	wait_st "$2" state '^ready'
	code=$(timeout $((T * 2)) "$TERNCTL" link code \
		-S "$WORK/$2/ternd.sock" -t "$T" 2>>"$WORK/ternctl.log")
	timeout $((T * 2)) "$TERNCTL" link approve -S "$WORK/$1/ternd.sock" \
		"$code" >/dev/null 2>>"$WORK/ternctl.log"
	wait_st "$2" directory '^registered$'
	wait_st "$2" state '^ready'
}
link alice alice2
link bob bob2
check "alice's and bob's second devices: linked, registered, connected over the $E2E_TRANSPORT transport, no alarm on any device" \
	"^registered registered $E2E_TRANSPORT $E2E_TRANSPORT ready ready ////\$" \
	"$(st alice2 directory) $(st bob2 directory) $(st alice2 transport) $(
	st bob2 transport) $(st alice2 state) $(st bob2 state) $(for n in alice \
	alice2 bob bob2; do printf '%s/' "$(st $n ALARM)"; done)"

# wait_has NAME PEER ID: until NAME's history with PEER holds ID; then
# its "dir|state|text".
wait_has() {
	local end=$((SECONDS + T))

	while [ $SECONDS -lt $end ]; do
		hist "$1" "$2" | grep -F "\"id\":\"$3\"" | grep -q . && break
		sleep 0.2
	done
	hist "$1" "$2" | grep -F "\"id\":\"$3\"" | cols dir state text
}
# The senders' cached entries (--lookup-cache 2s) are stale by now.
sleep 3
T7="to both of bob's devices $$"
T8="from bob's second device $$"
TEXTS+=("$T7" "$T8")
ID=$(ctl alice send "$B" "$T7")
check_eq "alice -> bob: both of bob's devices get it, and alice's second as hers" \
	"in|received|$T7 / in|received|$T7 / out|sent|$T7" \
	"$(wait_has bob "$A" "$ID") / $(wait_has bob2 "$A" "$ID") / $(
	wait_state alice "$B" "$ID" sent; wait_has alice2 "$B" "$ID")"
ID=$(ctl bob2 send "$A" "$T8")
check_eq "bob's second device -> alice: both of hers get it, and bob's first as his" \
	"in|received|$T8 / in|received|$T8 / out|sent|$T8" \
	"$(wait_has alice "$B" "$ID") / $(wait_has alice2 "$B" "$ID") / $(
	wait_state bob2 "$A" "$ID" sent; wait_has bob "$A" "$ID")"

# --- 8. exits, sanitizers, logs ---

td_stop alice2
td_stop bob2
td_stop alice
td_stop bob
gw_stop TERM
GWRC=$?
kill -TERM "$DIRD_PID"
wait "$DIRD_PID"
DIRC=$?
if [ "$E2E_TRANSPORT" = kernel ]; then
	stops=" bob=0 alice=0 alice2=0 bob2=0 alice=0 bob=0"
else
	stops=" bob=0 alice2=0 bob2=0 alice=0 bob=0"
fi
check_eq "every ternd, the gateway and the directory exit 0 on SIGTERM" \
	"$stops / 0 0" "$TSTOPS / $GWRC $DIRC"
san_clean "ternd, the gateway, the directory and ternctl" "$WORK/alice.log" \
	"$WORK/bob.log" "$WORK/alice2.log" "$WORK/bob2.log" "$WORK/gw.log" \
	"$WORK/dird.log" "$WORK/ternctl.log"
printf '%s\n' "${TEXTS[@]}" >"$WORK/texts"
# leaks LOG WORD...: the lines of LOG that hold a text sent or a WORD.
leaks() {
	local log=$1

	shift
	{ grep -F -f "$WORK/texts" "$log"
	  for w in "$@"; do grep -F -e "$w" "$log"; done; } | sort -u |
		head -n 5
}
check_eq "ternd's logs hold no text and no peer's handle" "" \
	"$(leaks "$WORK/alice.log" "$B")$(leaks "$WORK/bob.log" "$A")$(
	leaks "$WORK/alice2.log" "$B")$(leaks "$WORK/bob2.log" "$A")"
ktap_finished

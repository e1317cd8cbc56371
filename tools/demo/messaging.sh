#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The messaging part of make demo (tools/demo/run runs it in the VM, over
# tern.ko; DEMO_TRANSPORT=user runs it anywhere over the user transport):
# tern-gatewayd and tern-directoryd in one network namespace, alice's and
# bob's ternds in another (198.18.0.0/24 on a veth pair, nothing else):
# each starts a phone, links a laptop to it (ternd --link, ternctl link),
# and they hold a conversation with every kind of message, each of the
# four devices' 'ternctl watch' printed as it happens.
#
# usage: messaging.sh BIN_DIR PKI_DIR
#   BIN_DIR  tern-gatewayd, tern-directoryd, ternd, ternctl
#   PKI_DIR  ca.crt, gw.test.crt/.key, dir.test.crt/.key (tools/pki, for
#            198.18.0.1)
# DEMO_PACE: seconds a beat between the steps (default 1, whole seconds).
set -eu

BIN=$1
PKI=$2
TRANSPORT=${DEMO_TRANSPORT:-kernel}
GW=198.18.0.1
DEV=198.18.0.2
NS_GW=tern-demo-gw$$
NS_DEV=tern-demo-dev$$
A=alice@example.org
B=bob@example.org
W=$(mktemp -d /tmp/tern-demo.XXXXXX)
PIDS=()

cleanup() {
	local p

	# The screens first, then the daemons (ternds before their gateway).
	pkill -f "ternctl watch -S $W/" 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$NS_GW" 2>/dev/null || true
	ip netns del "$NS_DEV" 2>/dev/null || true
	[ -n "${DEMO_KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

say() {
	printf '\n== %s\n' "$*"
}

# pause N: N beats of DEMO_PACE seconds (default 1), for the eye; the
# receipts and edits show within a beat.
pause() {
	sleep "$(($1 * ${DEMO_PACE:-1}))"
}

# ctl NAME ARGS...: ternctl against NAME's ternd.
ctl() {
	local name=$1

	shift
	"$BIN/ternctl" "$1" -S "$W/$name/ternd.sock" "${@:2}"
}

# until_ok SECONDS CMD...: until CMD succeeds.
until_ok() {
	local n=$(($1 * 10))

	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

registered() {
	ctl "$1" status | grep -q '^directory: *registered'
}

ip netns add "$NS_GW"
ip netns add "$NS_DEV"
ip -n "$NS_GW" link add veth0 type veth peer name veth1 netns "$NS_DEV"
ip -n "$NS_GW" addr add "$GW/24" dev veth0
ip -n "$NS_DEV" addr add "$DEV/24" dev veth1
for ns in "$NS_GW" "$NS_DEV"; do
	ip -n "$ns" link set lo up
done
ip -n "$NS_GW" link set veth0 up
ip -n "$NS_DEV" link set veth1 up

say "the push gateway and the directory (transport: $TRANSPORT)"
ip netns exec "$NS_GW" "$BIN/tern-gatewayd" --listen "$GW:5222" \
	--cert "$PKI/gw.test.crt" --key "$PKI/gw.test.key" --data "$W/gw" \
	--transport "$TRANSPORT" -v >"$W/gw.log" 2>&1 &
PIDS+=($!)
"$BIN/tern-directoryd" --data "$W/dir" --add-invites 2 >"$W/invites"
"$BIN/tern-directoryd" --data "$W/dir" --show-keys >"$W/keys"
ip netns exec "$NS_GW" "$BIN/tern-directoryd" --data "$W/dir" \
	--listen "$GW:8443" --cert "$PKI/dir.test.crt" \
	--key "$PKI/dir.test.key" >"$W/dir.log" 2>&1 &
PIDS+=($!)
until_ok 30 grep -q "tern-gatewayd: ready" "$W/gw.log"
until_ok 30 grep -q "ready:" "$W/dir.log"
head -1 "$W/gw.log"

# td NAME [ternd options]: NAME's ternd (alice, alice-laptop, ...).
td() {
	local name=$1

	shift
	ip netns exec "$NS_DEV" "$BIN/ternd" --gateway "$GW:5222" \
		--ca "$PKI/ca.crt" --gateway-name gw.test --data "$W/$name" \
		--transport "$TRANSPORT" --directory "https://$GW:8443" \
		--directory-ca "$PKI/ca.crt" \
		--head-key "$(sed -n 's/^head-key = //p' "$W/keys")" \
		--vrf-key "$(sed -n 's/^vrf-key = //p' "$W/keys")" \
		"$@" >"$W/$name.log" 2>&1 &
	PIDS+=($!)
}

# devices NAME N: NAME's ternd shows N devices for its own handle.
devices() {
	[ "$(ctl "$1" resolve "$2" | grep -c push-token)" = "$3" ]
}

say "alice and bob start their phones; each registers its handle"
i=1
for who in alice bob; do
	td "$who" --handle "$who@example.org" \
		--invite "$(sed -n "${i}p" "$W/invites")"
	i=$((i + 1))
done
until_ok 60 registered alice
until_ok 60 registered bob
for who in alice bob; do
	echo "$who: $(ctl "$who" status | sed -n 's/^transport: *//p') transport, device $(
		ctl "$who" status | sed -n 's/^device id: *//p')"
done

say "each links a laptop: it shows a code, the phone approves it"
for who in alice bob; do
	td "$who-laptop" --handle "$who@example.org" --link
	until_ok 60 "$BIN/ternctl" link code -S "$W/$who-laptop/ternd.sock" -t 1
	code=$("$BIN/ternctl" link code -S "$W/$who-laptop/ternd.sock")
	echo "$who's laptop shows: $code"
	"$BIN/ternctl" link approve -S "$W/$who/ternd.sock" "$code" |
		sed "s/^/$who's phone: /"
done
for who in alice bob; do
	until_ok 60 registered "$who-laptop"
	until_ok 60 devices "$who" "$who@example.org" 2
	echo "$who: 2 devices in the directory, no alarm: $(
		ctl "$who" status | grep -c '^ALARM') $(
		ctl "$who-laptop" status | grep -c '^ALARM')"
done

# Each device's screen: its watch, printed as it happens.
for who in alice alice-laptop bob bob-laptop; do
	ctl "$who" watch 2>/dev/null | while IFS= read -r line; do
		printf '  [%s'"'"'s screen] %s\n' "$who" "$line"
	done &
	PIDS=("$!" "${PIDS[@]}")
done
pause 1

say "alice writes to bob (a stranger to him: a message request)"
ID1=$(ctl alice send "$B" "Hi Bob! Lunch at noon? 🍜")
pause 2
ctl bob conversations
say "bob is typing on his laptop..., then answers her message from it"
ctl bob-laptop typing "$A" >/dev/null
pause 1
ctl bob-laptop send --reply-to "$ID1" "$A" "Sure, see you there!" >/dev/null
pause 2
say "bob reads it on his phone: alice sees [read]"
ctl bob read "$A" >/dev/null
pause 2
say "alice reacts to bob's answer, then sends and fixes a typo"
ID2=$(ctl alice history -j "$B" | tail -1 | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
ctl alice react "$B" "$ID2" "👍"
ID3=$(ctl alice send "$B" "I'll bring the tickts")
pause 2
ctl alice edit "$B" "$ID3" "I'll bring the tickets"
pause 2
say "alice sends something by mistake, and unsends it"
ID4=$(ctl alice send "$B" "oops, wrong chat")
pause 2
ctl alice unsend "$B" "$ID4"
pause 2
say "they compare safety numbers"
ctl alice verify "$B"
ctl alice verify --confirm "$B" | tail -1

say "bob's conversation with alice, as his device keeps it"
ctl bob history "$A"
say "the gateway saw only sealed bytes: who sent them is not in its store"
if grep -rq "$A" "$W/gw"; then
	echo "FOUND alice's handle in the gateway's data"
	exit 1
fi
echo "no handle, no text in $W/gw"
if [ "$TRANSPORT" = kernel ]; then
	say "the devices' push connections, held by tern.ko"
	ip netns exec "$NS_DEV" "$BIN/ternctl" conn list
fi

# Everyone stops: the screens, the devices, then the servers; a daemon
# that reported anything (the sanitizer builds the tests run) fails it.
pkill -f "ternctl watch -S $W/" 2>/dev/null || true
for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
	kill "${PIDS[i]}" 2>/dev/null || true
	wait "${PIDS[i]}" 2>/dev/null || true
done
PIDS=()
if grep -E "Sanitizer|runtime error" "$W"/*.log; then
	echo "tern demo: a daemon reported an error"
	exit 1
fi
echo
echo "tern demo: done"

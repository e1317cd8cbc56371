#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternd in network namespaces, against tern-gatewayd, over the user
# transport (the host) or the kernel one (E2E_TRANSPORT=kernel, in the
# VM), driven by ternctl through the control socket: hello and
# token, push and recv (text, binary, peek, wait, timeout), duplicates by
# id, pushes queued while the gateway is down, restarts of both daemons,
# revocation. One KTAP case per behaviour.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/e2e_lib.sh"

TERND=$(bin ternd)

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_set_plan 0
	ktap_exit_fail_msg "needs root for network namespaces"
fi
ktap_set_plan 24

if ! e2e_setup || ! gw_start; then
	cat "$WORK/gw.log" >&2
	ktap_exit_fail_msg "could not set up the namespaces and the gateway"
fi

declare -A DEV_PID

# dev_start NAME [ternd options]: start device NAME in the device
# namespace; its data in $WORK/NAME, its log in $WORK/NAME.log.
dev_start() {
	local name=$1
	shift
	ip netns exec "$NS_DEV" "$TERND" --gateway $GW_IP:$GW_PORT \
		--ca "$PKI/ca.crt" --gateway-name gw.test \
		--data "$WORK/$name" --transport "$E2E_TRANSPORT" -v "$@" \
		>>"$WORK/$name.log" 2>&1 &
	DEV_PID[$name]=$!
}

# dev_stop NAME [SIGNAL]: returns ternd's exit status.
dev_stop() {
	kill -"${2:-TERM}" "${DEV_PID[$1]}" 2>/dev/null
	wait "${DEV_PID[$1]}"
}

ctl() {		# ctl NAME ternctl-args...
	local name=$1
	shift
	"$TERNCTL" "$1" -S "$WORK/$name/ternd.sock" "${@:2}"
}

# wait_state NAME STATE: up to 20 s.
wait_state() {
	local i
	for i in $(seq 200); do
		ctl "$1" status 2>/dev/null | grep -q "^state: *$2" && return 0
		sleep 0.1
	done
	return 1
}

token() {
	ctl "$1" status -j | sed -n 's/.*"push-token": "\([0-9a-f]*\)".*/\1/p'
}

dev_start a
dev_start b --push-priority 0 --push-mark 0x1000
wait_state a ready && wait_state b ready
check "ternd connects and is ready" '^0$' "$?"
check "ternd says which transport and why" \
	"transport $E2E_TRANSPORT \\(.+\\)" "$(head -1 "$WORK/a.log")"

# The gateway connections as the kernel sees them, one line each:
# class_id is the socket's priority (no net_cls class is set), fwmark
# its mark. a's carries SO_PRIORITY 6 (the default), b's only the mark
# it was given; over the kernel transport these are tern.ko's sockets,
# which keep what the socket carried.
socks=$(ip netns exec "$NS_DEV" ss -tnHe --tos state established \
	"( dport = :$GW_PORT )" 2>/dev/null | awk '{
		m = "mark:-"; c = "class:-"
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^fwmark:/) m = "mark:" substr($i, 8)
			if ($i ~ /^class_id:/) c = "class:" substr($i, 10)
		}
		print c, m
	}' | sort | tr '\n' ';')
check "the gateway connections carry their class: a SO_PRIORITY 6, b SO_MARK 0x1000 and no priority" \
	'^class:0 mark:0x1000;class:0x6 mark:-;$' "$socks"
tok_a=$(token a)
tok_b=$(token b)
check "hello-ok gives a push token" '^[0-9a-f]{32}$' "$tok_b"

id=$(ctl a push "$tok_b" "hello b")
check "push prints the message id" '^[0-9a-f]{32}$' "$id"
out=$(ctl b recv --wait --timeout 5000)
check "the other device receives it, id and text" "^$id hello b\$" "$out"

printf '\x00\x01\xfftail' >"$WORK/bin.dat"
ctl a push "$tok_b" -f "$WORK/bin.dat" >/dev/null
out=$(ctl b recv --wait --timeout 5000 --peek)
check "a binary payload is shown in hex" ' hex:0001ff7461696c$' "$out"
out=$(ctl b recv)
check "--peek left it in the inbox" ' hex:0001ff7461696c$' "$out"
out=$(ctl b recv)
check "recv took it" '^$' "$out"

out=$(ctl b recv --wait --timeout 300 2>&1)
check "recv --wait --timeout fails when nothing comes" \
	"no message within 300 ms" "$out"

ctl b recv --wait --timeout 8000 >"$WORK/wait.out" &
rpid=$!
sleep 0.5
ctl a push "$tok_b" "later" >/dev/null
wait $rpid
check "recv --wait gets a message pushed meanwhile" ' later$' \
	"$(cat "$WORK/wait.out")"

ctl a push --id 00112233445566778899aabbccddeeff "$tok_b" "once" >/dev/null
ctl a push --id 00112233445566778899aabbccddeeff "$tok_b" "once" >/dev/null
sleep 1
out=$(ctl b recv | grep -c 00112233445566778899aabbccddeeff)
check "the same id pushed twice is received once" '^1$' "$out"

gw_stop TERM
if [ "$E2E_TRANSPORT" = kernel ]; then
	# tern.ko keeps both ends: the device never notices the restart,
	# and what it pushes meanwhile waits in the gateway's tern.ko.
	sleep 1
	check "kernel transport: the device stays connected while the gateway is down" \
		'^state: *ready' "$(ctl a status | grep '^state:')"
else
	wait_state a disconnected
	check "user transport: the device sees the gateway go" '^0$' "$?"
fi
id=$(ctl a push "$tok_b" "while down")
out=$(ctl a status | sed -n 's/^outbox pending: *//p')
check "a push while the gateway is down waits in the outbox" '^1$' "$out"
gw_start
wait_state a ready && wait_state b ready
out=$(ctl b recv --wait --timeout 10000)
check "it is delivered once the gateway is back" "^$id while down\$" "$out"
out=$(ctl a status | sed -n 's/^outbox pending: *//p')
check "and leaves the outbox when acked" '^0$' "$out"

dev_stop b TERM
check "SIGTERM: ternd exits 0" '^0$' "$?"
ctl a push "$tok_b" "for the next b" >/dev/null
sleep 0.5
dev_start b
wait_state b ready
check "a restarted ternd keeps its push token" "^$tok_b\$" "$(token b)"
if [ "$E2E_TRANSPORT" = kernel ]; then
	check "it adopts its tern.ko connection" '^state: *ready \(adopted\)$' \
		"$(ctl b status | grep '^state:')"
else
	check "it connects again" '^state: *ready$' \
		"$(ctl b status | grep '^state:')"
fi
out=$(ctl b recv --wait --timeout 5000)
check "and receives what was pushed while it was down" ' for the next b$' \
	"$out"

dev_start c
wait_state c ready
tok_c=$(token c)
out=$(ctl c revoke 2>&1)
check "revoke: the gateway revokes the device's own token" 'revoked$' "$out"
wait_state c revoked
check "a revoked ternd stops" '^0$' "$?"
ctl a push "$tok_c" "to a revoked device" >/dev/null
for i in $(seq 100); do
	out=$(ctl a status | sed -n 's/^outbox pending: *//p')
	[ "$out" = 0 ] && break
	sleep 0.1
done
check "a push to a revoked token is refused for good" '^0$' "$out"

for d in a b c; do
	dev_stop $d TERM
done
san_clean ternd "$WORK"/[abc].log
gw_stop TERM
ktap_finished

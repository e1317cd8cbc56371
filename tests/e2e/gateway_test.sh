#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tern-gatewayd over the user transport, in network namespaces, driven by
# gwprobe devices: authentication, delivery online and offline, order,
# no-store, queue limits, revocation, restart, and bad input of every
# kind, each ending in a clear close reason while the gateway keeps
# serving everyone else. One KTAP case per behaviour.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/e2e_lib.sh"

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_set_plan 0
	ktap_exit_fail_msg "needs root for network namespaces"
fi
ktap_set_plan 33

GW_OPTS=(--partial-timeout 1s --handshake-timeout 2s --max-queue 5)
if ! e2e_setup || ! gw_start "${GW_OPTS[@]}"; then
	cat "$WORK/gw.log" >&2
	ktap_exit_fail_msg "could not set up the namespaces and the gateway"
fi
echo "# transport $E2E_TRANSPORT: $(grep -o 'transport .*' "$WORK/gw.log" | head -1)"

tok_a=$(token_of a)
tok_a2=$(token_of a)
check "hello returns a push token" '^[0-9a-f]{32}$' "$tok_a"
check "the token is the same at the next hello" "^$tok_a\$" "$tok_a2"

tok_b=$(token_of b)
out=$(probe a push "$tok_b" 3)
check "pushes to an offline device are acked once stored" \
	'^acked 3 nacked 0' "$out"
out=$(probe b recv 3 | cut -d' ' -f3 | tr '\n' ' ')
check "an offline device gets its messages in order when it connects" \
	'^m0 m1 m2 $' "$out"

out=$(probe b -w 1500 recv 1)
check "delivered messages are not delivered again" '^$' "$out"

h0=$(gw_hellos)
probe b -w 8000 recv 2 >"$WORK/online.out" &
rpid=$!
wait_hellos "$h0" || echo "# device b did not come online within 10 s"
held=$(kconns)
probe a push "$tok_b" 2 >/dev/null
wait $rpid
out=$(cut -d' ' -f3 "$WORK/online.out" | tr '\n' ' ')
check "an online device gets pushes as they arrive" '^m0 m1 $' "$out"

if [ "$E2E_TRANSPORT" = kernel ]; then
	check "kernel transport: the sessions are held by tern.ko" \
		'^[1-9]' "$held"
else
	ktap_test_skip "kernel transport: the sessions are held by tern.ko (user transport here)"
fi

out=$(probe a push "$tok_b" 1 no-store)
check "no-store to an offline device is refused" \
	'nacked 1 NACK_OFFLINE' "$out"
out=$(probe b -w 1500 recv 1)
check "no-store messages are never stored" '^$' "$out"

h0=$(gw_hellos)
probe b -w 8000 recv 1 >"$WORK/nostore.out" &
rpid=$!
wait_hellos "$h0" || echo "# device b did not come online within 10 s"
out=$(probe a push "$tok_b" 1 no-store)
wait $rpid
check "no-store reaches an online device" '^acked 1' "$out"

tok_q=$(token_of q)
out=$(probe a push "$tok_q" 6)
check "a full queue is nacked with QUEUE_FULL" \
	'^acked 5 nacked 1 NACK_QUEUE_FULL' "$out"

out=$(probe a bad unknown-token)
check "a push to an unknown token is nacked" 'nack NACK_UNKNOWN_TOKEN' "$out"

tok_r=$(token_of r)
out=$(probe r revoke "$tok_r")
check "a device revokes its own token" '^revoke ok' "$out"
out=$(probe a push "$tok_r" 1)
check "pushes to a revoked token are refused" 'NACK_REVOKED' "$out"
out=$(probe r hello)
check "a revoked device's hello is refused" 'close CLOSE_REVOKED' "$out"
out=$(probe a revoke "$tok_b")
check "another account's token cannot be revoked" '^revoke refused' "$out"

# bad MODE EXPECTED [EXPECTED-ON-KERNEL LOG-ON-KERNEL]: on the kernel
# transport tern.ko itself ends a connection whose framing is broken (bad
# header, oversize, slowloris), before any frame reaches the gateway: the
# device sees the connection end, and the reason is tern.ko's, in the
# gateway's log.
bad() {
	local out want=$2 log=
	if [ "$E2E_TRANSPORT" = kernel ] && [ $# -gt 2 ]; then
		want=$3
		log=$4
	fi
	out=$(probe x bad "$1" 2>&1)
	sleep 0.2
	if [[ "$out" =~ $want ]] && [ "$(token_of a)" = "$tok_a" ] &&
	   { [ -z "$log" ] || grep -q "ended by tern.ko: $log" "$WORK/gw.log"; }; then
		ktap_test_pass "bad input: $1 ($out${log:+, tern.ko: $log}), gateway still serving"
	else
		echo "# expected /$want/${log:+ and $log in the log}, got: $out"
		ktap_test_fail "bad input: $1"
	fi
}
bad garbage-pre-tls '^eof$'
bad garbage-post-tls 'close CLOSE_(PROTOCOL|TOO_LARGE)' '^eof$' protocol-error
bad oversize 'close CLOSE_TOO_LARGE' '^eof$' protocol-error
bad slowloris 'close CLOSE_TIMEOUT' '^eof$' protocol-error
bad push-before-hello 'close CLOSE_NO_HELLO'
bad bad-signature 'close CLOSE_AUTH'
bad replay-hello 'close CLOSE_AUTH'
bad no-hello 'close CLOSE_TIMEOUT'

# 1000 connections that never begin TLS: the gateway serves a device
# while they are held (below max-unauth), and after.
probe x -w 3000 abandon 1000 >"$WORK/abandon.out" &
apid=$!
sleep 1.5
during=$(token_of a)
wait $apid
out=$(cat "$WORK/abandon.out")
if [ "$out" = "abandoned 1000" ] && [ "$during" = "$tok_a" ] &&
   [ "$(token_of a)" = "$tok_a" ]; then
	ktap_test_pass "1000 connections opened and abandoned: still serving"
else
	ktap_test_fail "1000 connections opened and abandoned ($out)"
fi

# 300 devices that leave right after their ClientHello, as in a storm
# whose devices time out: the gateway drops (most of) them without
# answering (listen.c), and serves on.
gone0=$(gw_stat 'left in handshake')
failed0=$(gw_stat 'tls-failed')
out=$(probe y leave 300 2>"$WORK/leave.err")
sed 's/^/# /' "$WORK/leave.err"
for _ in $(seq 100); do
	gone=$(($(gw_stat 'left in handshake') - gone0))
	failed=$(($(gw_stat 'tls-failed') - failed0))
	[ $((gone + failed)) -ge 300 ] && break
	sleep 0.1
done
echo "# 300 left after their ClientHello: $gone dropped unanswered, $failed failed in their handshake"
check "devices that left during their handshake cost no more work; still serving" \
	"^left 300 [1-9][0-9]* 300 $tok_a\$" \
	"$out $gone $((gone + failed)) $(token_of a)"

# A TLS client no one here wrote.
if ! command -v openssl >/dev/null; then
	ktap_test_skip "openssl s_client: no openssl program here (the VM)"
else
out=$(echo | ip netns exec "$NS_DEV" timeout 10 openssl s_client \
	-connect $GW_IP:$GW_PORT -alpn tern/1 -CAfile "$PKI/ca.crt" \
	-verify_return_error -servername gw.test 2>&1)
if grep -q "ALPN protocol: tern/1" <<<"$out" &&
   grep -q "TLSv1.3" <<<"$out"; then
	ktap_test_pass "openssl s_client: TLS 1.3 with ALPN tern/1"
else
	echo "$out" | sed 's/^/# /' | tail -20
	ktap_test_fail "openssl s_client: TLS 1.3 with ALPN tern/1"
fi
fi

tok_c=$(token_of c)
probe a push "$tok_c" 2 >/dev/null
gw_stop TERM
check "SIGTERM: clean exit" '^0$' "$?"
gw_start "${GW_OPTS[@]}"
out=$(probe c recv 2 | cut -d' ' -f3 | tr '\n' ' ')
check "a restarted gateway delivers what it acked before" '^m0 m1 $' "$out"

# A restart with a device online: tern.ko keeps its connection through
# it; on the user transport the device must reconnect.
tok_d=$(token_of d)
h0=$(gw_hellos)
probe d -w 20000 recv 2 >"$WORK/survive.out" 2>&1 &
rpid=$!
# Online (past hello, and so in tern.ko) before the gateway stops.
wait_hellos "$h0" || echo "# device d did not come online within 10 s"
gw_stop TERM
gw_start "${GW_OPTS[@]}"
probe a push "$tok_d" 2 >/dev/null
wait $rpid
rc=$?
out=$(grep '^msg' "$WORK/survive.out" | cut -d' ' -f3 | tr '\n' ' ')
if [ "$E2E_TRANSPORT" = kernel ]; then
	check "kernel transport: a device stays connected through a gateway restart" \
		"^0 m0 m1 \$" "$rc $out"
else
	out2=$(probe d recv 2 | cut -d' ' -f3 | tr '\n' ' ')
	check "user transport: a gateway restart drops the device, which reconnects" \
		"^[1-9][0-9]* m0 m1 \$" "$rc $out2"
fi

# SIGUSR1: one line of counts and memory, with a device online.
probe e -w 5000 recv 1 >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 50); do	# until the device's session is counted
	sleep 0.1
	kill -USR1 "$GW_PID"
	sleep 0.1
	grep "stats: " "$WORK/gw.log" | tail -n 1 |
		grep -q "stats: sessions [1-9]" && break
done
check "SIGUSR1 logs the counts and the heap in use" \
	'stats: sessions [1-9][0-9]* \(before hello [0-9]+, in handshake [0-9]+\); accepted [1-9][0-9]* .* heap in use [0-9]+ bytes' \
	"$(grep "stats: " "$WORK/gw.log" | tail -n 1)"
# The two pushes since the restart were acked after a flush of the WAL
# by the store's syncer thread, not by their commits.
check "the store's syncer thread flushes the WAL for the pushes' commits" \
	'WAL flushes [1-9][0-9]* for [1-9][0-9]* commits' \
	"$(grep "stats: " "$WORK/gw.log" | tail -n 1)"
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null

gw_stop TERM
san_clean "the gateway" "$WORK/gw.log"
grep -E "session closed|handshake failed" "$WORK/gw.log" | sort | uniq -c |
	sed 's/^/# /'
ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tern-gatewayd at its limits, over the user transport (the host) or the
# kernel one (E2E_TRANSPORT=kernel, in the VM): a reconnect storm of
# 5,000 devices (storm), at once and again after gateway restarts; a TLS
# KeyUpdate; message expiry and the sweep; a full disk; running out of
# descriptors. One KTAP case per behaviour; the storm's figures are KTAP
# comments (Documentation/gateway.rst, Storms, quotes them).
#
# Environment: STORM_N (devices, default 5000; 1000 in the VM, which is
# emulated and some 20 times slower; 100 on the debug kernel, four times
# slower again and on one CPU), STORM_BOUND_S (the longest a storm round
# may take before the case fails, default 120), STORM_UNAUTH (the
# gateway's --max-unauth for the storm, default its own default).
set -u

# The full disk is a small tmpfs, mounted in a private mount namespace of
# this script's own: nothing to clean up, whatever happens.
if [ -z "${TERN_LIMITS_MNTNS:-}" ] && [ "$(id -u)" = 0 ] &&
   command -v unshare >/dev/null; then
	TERN_LIMITS_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/e2e_lib.sh"

STORM=$E2E_DIR/storm
if [ "${TERN_VM_DEBUG:-0}" = 1 ]; then
	STORM_N=${STORM_N:-100}
elif [ -n "${TERN_VM:-}" ]; then
	STORM_N=${STORM_N:-1000}
else
	STORM_N=${STORM_N:-5000}
fi
STORM_BOUND_S=${STORM_BOUND_S:-120}
# Extra device addresses, for source ports to spare.
STORM_SRC=198.18.0.10,198.18.0.11,198.18.0.12,198.18.0.13

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_set_plan 0
	ktap_exit_fail_msg "needs root for network namespaces"
fi
ktap_set_plan 23

# 5,000 sessions are 5,000 descriptors in storm, and as many in the gateway
# on the user transport; both raise their soft limit to the hard one.
[ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 20000 ] &&
	ulimit -Hn 20000 2>/dev/null

if ! e2e_setup; then
	ktap_exit_fail_msg "could not set up the namespaces"
fi
for a in ${STORM_SRC//,/ }; do
	ip -n "$NS_DEV" addr add $a/24 dev veth1
done
echo "# transport $E2E_TRANSPORT, $(nproc) CPUs"

# wait_for FILE REGEX SECONDS: until a line of FILE matches.
wait_for() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# gw_restart SIGNAL [options]: stop, start, and wait until ready even
# when adopting thousands of connections takes longer than gw_start waits.
gw_restart() {
	gw_stop "$1" 2>/dev/null	# bash's "Killed" after SIGKILL
	gw_start "${@:2}" && return 0
	gw_alive || return 1
	wait_for_count "tern-gatewayd: ready" $((GW_STARTS + 1)) 120 &&
		GW_STARTS=$((GW_STARTS + 1))
}

wait_for_count() {	# wait_for_count REGEX N SECONDS: in the gateway's log
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(grep -c "$1" "$WORK/gw.log")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- A storm -------------------------------------------------------------

storm_start() {	# storm_start OUT [storm options]: in the background
	local out=$1
	shift
	ip netns exec "$NS_DEV" "$STORM" -g $GW_IP:$GW_PORT \
		-C "$PKI/ca.crt" -n gw.test -b $DEV_IP,$STORM_SRC \
		-T $((STORM_BOUND_S * 1000)) "$@" >"$out" 2>&1 &
	STORM_PID=$!
}

# storm_round OUT R: wait for round R; print its line (a KTAP comment).
storm_round() {
	wait_for "$1" "^round $2: " $((STORM_BOUND_S + 30))
	grep -m1 "^round $2: " "$1"
}

# storm_probe OUT: one push on every session, each answered by the gateway.
storm_probe() {
	local n i
	n=$(grep -c '^probe: ' "$1")
	kill -USR1 "$STORM_PID" 2>/dev/null || { echo "storm exited"; return; }
	for i in $(seq 1200); do
		[ "$(grep -c '^probe: ' "$1")" -gt "$n" ] && break
		sleep 0.1
	done
	grep '^probe: ' "$1" | tail -n 1
}

# The figure: "N/N in MS ms".
within() {	# within ROUND-LINE
	local ms
	ms=$(sed -n 's/^round [0-9]*: \([0-9]*\)\/\([0-9]*\) in \([0-9]*\) ms.*/\1 \2 \3/p' <<<"$1")
	set -- $ms
	[ $# = 3 ] && [ "$1" = "$2" ] && [ "$1" = "$STORM_N" ] &&
		[ "$3" -le $((STORM_BOUND_S * 1000)) ]
}

if ! gw_start ${STORM_UNAUTH:+--max-unauth $STORM_UNAUTH}; then
	cat "$WORK/gw.log" >&2
	ktap_exit_fail_msg "could not start the gateway"
fi
tok_a=$(token_of a)

SO=$WORK/storm.out
storm_start "$SO" -N "$STORM_N"
r1=$(storm_round "$SO" 1)
echo "# storm, $STORM_N new devices at once: $r1"
if within "$r1" && gw_alive; then
	ktap_test_pass "storm: $STORM_N devices connect at once: all HELLO_OK within ${STORM_BOUND_S} s"
else
	tail -5 "$SO" | sed 's/^/# /'
	ktap_test_fail "storm: $STORM_N devices connect at once: all HELLO_OK within ${STORM_BOUND_S} s"
fi
out=$(storm_probe "$SO")
echo "# $out"
check "storm: every session answers a push" \
	"^probe: $STORM_N/$STORM_N answered" "$out"
check "storm: the gateway serves others meanwhile" "^$tok_a\$" \
	"$(token_of a)"

# Restarts: on the user transport every device must reconnect (SIGTERM:
# each is sent CLOSE_SHUTDOWN with a jittered backoff hint; SIGKILL: no
# hint, only the devices' own backoff). On the kernel transport tern.ko
# holds the sessions through both, and the new gateway adopts them.
round=1
for sig in TERM KILL; do
	gw_restart $sig ${STORM_UNAUTH:+--max-unauth $STORM_UNAUTH}
	if [ "$E2E_TRANSPORT" = kernel ]; then
		sleep 2
		adopted=$(grep 'adopted [0-9]* connections' "$WORK/gw.log" |
			  tail -n 1 | grep -o 'adopted [0-9]*')
		out=$(storm_probe "$SO")
		echo "# SIG$sig restart: $adopted; $out"
		rounds=$(grep -c "^round" "$SO")
		check "storm: a gateway restart (SIG$sig) keeps all $STORM_N sessions in tern.ko" \
			"^adopted $STORM_N probe: $STORM_N/$STORM_N answered .* rounds 1\$" \
			"$adopted $out rounds $rounds"
		continue
	fi
	round=$((round + 1))
	r=$(storm_round "$SO" $round)
	echo "# storm after a SIG$sig restart: $r"
	out=$(storm_probe "$SO")
	if within "$r" && [[ "$out" =~ ^probe:\ $STORM_N/$STORM_N ]]; then
		ktap_test_pass "storm: after a gateway restart (SIG$sig) all $STORM_N reconnect within ${STORM_BOUND_S} s"
	else
		echo "# $out"
		tail -5 "$SO" | sed 's/^/# /'
		ktap_test_fail "storm: after a gateway restart (SIG$sig) all $STORM_N reconnect within ${STORM_BOUND_S} s"
	fi
done
kill "$STORM_PID"
wait "$STORM_PID"
rc=$?
check "storm: all sessions live to the end" "^0 exit: live $STORM_N " \
	"$rc $(grep '^exit:' "$SO")"
grep -q CLOSE_SHUTDOWN "$SO" || [ "$E2E_TRANSPORT" = kernel ] ||
	echo "# no CLOSE_SHUTDOWN seen by the storm"

# max-unauth: beyond it connections are closed at accept, and the
# devices' backoff with jitter lets every one in. Not on the debug
# kernel: a policy of the gateway's accept loop, which hands tern.ko
# nothing it does not get in the storms above, whose 400 devices a
# kernel four times slower cannot let in within the bound (it runs on
# 6.12 and on the host).
max_unauth() {
	local r refused
	gw_restart TERM --max-unauth 32
	storm_start "$WORK/unauth.out" -N 400 -S unauth
	r=$(storm_round "$WORK/unauth.out" 1)
	echo "# max-unauth 32, 400 devices at once: $r"
	refused=$(sed -n 's/.* refused \([0-9]*\),.*/\1/p' <<<"$r")
	kill "$STORM_PID"
	wait "$STORM_PID"
	if [[ "$r" =~ ^round\ 1:\ 400/400 ]] && [ "${refused:-0}" -gt 0 ]; then
		ktap_test_pass "max-unauth 32: $refused connections closed at accept, all 400 in by backoff"
	else
		ktap_test_fail "max-unauth 32: connections closed at accept, all in by backoff"
	fi
}
if [ "${TERN_VM_DEBUG:-0}" = 1 ]; then
	ktap_test_skip "max-unauth 32: the gateway's accept policy, not run on the debug kernel (runs on 6.12 and the host)"
else
	max_unauth
fi

# --- TLS KeyUpdate ---------------------------------------------------------

gw_restart TERM
out=$(probe k -w 5000 keyupdate 2>"$WORK/keyupdate.err")
if [ -z "$out" ]; then
	# gwprobe said nothing: it did not get as far as the KeyUpdate
	# (seen once in the VM after the storms, not reproduced since).
	# Say why, and try once more.
	sed 's/^/# first try: gwprobe: /' "$WORK/keyupdate.err" | head -5
	tail -n 5 "$WORK/gw.log" | sed 's/^/# first try: gateway: /'
	sleep 1
	out=$(probe k -w 5000 keyupdate 2>"$WORK/keyupdate.err")
fi
sleep 0.3
if [ "$E2E_TRANSPORT" = kernel ]; then
	# kTLS cannot follow it: tern.ko ends the connection at once.
	ms=$(sed -n 's/.* after \([0-9]*\) ms$/\1/p' <<<"$out")
	if [[ "$out" =~ ^keyupdate\ at\ hello:\ eof ]] &&
	   [ "${ms:-9999}" -lt 3000 ] &&
	   grep -q "ended by tern.ko: tls-alert" "$WORK/gw.log"; then
		ktap_test_pass "kernel transport: a KeyUpdate ends the connection (tern.ko: tls-alert, after $ms ms)"
	else
		echo "# got: $out"
		sed 's/^/# gwprobe: /' "$WORK/keyupdate.err" | head -5
		tail -n 5 "$WORK/gw.log" | sed 's/^/# gateway: /'
		ktap_test_fail "kernel transport: a KeyUpdate ends the connection (tern.ko: tls-alert)"
	fi
else
	check "user transport: the gateway follows KeyUpdates (hello and push answered)" \
		'^keyupdate hello-ok nack NACK_UNKNOWN_TOKEN$' "$out"
fi
check "after a KeyUpdate the gateway serves others" "^$tok_a\$" \
	"$(token_of a)"

if ! command -v openssl >/dev/null; then
	ktap_test_skip "openssl s_client KeyUpdate: no openssl program here (the VM)"
elif [ "$E2E_TRANSPORT" = kernel ]; then
	ktap_test_skip "openssl s_client KeyUpdate: user transport only"
else
	# K: a KeyUpdate, update requested; then 2 s of silence in which
	# the gateway must not end the connection (it waits for the hello).
	lines=$(wc -l <"$WORK/gw.log")
	t0=$(date +%s%N)
	out=$( (printf 'K\n'; sleep 2) | ip netns exec "$NS_DEV" timeout 10 \
		openssl s_client -connect $GW_IP:$GW_PORT -alpn tern/1 \
		-CAfile "$PKI/ca.crt" -verify_return_error -servername gw.test \
		-msg 2>&1)
	ms=$((($(date +%s%N) - t0) / 1000000))
	gwlog=$(tail -n +$((lines + 1)) "$WORK/gw.log")
	if grep -q "^KEYUPDATE" <<<"$out" &&
	   ! grep -q "<<< .*Alert" <<<"$out" && [ "$ms" -ge 2000 ] &&
	   [ -z "$gwlog" ]; then
		ktap_test_pass "openssl s_client KeyUpdate: the connection carries on"
	else
		echo "$out" | tail -15 | sed 's/^/# /'
		echo "$gwlog" | sed 's/^/# gw: /'
		ktap_test_fail "openssl s_client KeyUpdate: the connection carries on"
	fi
fi

# --- Expiry -----------------------------------------------------------------

# A long sweep period first: an expired message is not delivered even
# while still in the store.
gw_restart TERM --max-queue 5 --sweep 1h
tok_e=$(token_of e)
# ttl=3: gwprobe's expiry is in whole seconds from before its handshake,
# which under TCG can take most of a second (ttl=1 failed so, as expired);
# a message stays deliverable through its expiry second: wait 4.2 s.
out=$(probe a push "$tok_e" 5 ttl=3 tag=x)
out2=$(probe a push "$tok_e" 1 tag=y)
check "short-lived pushes to an offline device are stored (and fill its queue)" \
	'^acked 5 nacked 0 .*acked 0 nacked 1 NACK_QUEUE_FULL' "$out $out2"
# An expiry already past is refused before anything else (the queue is
# full too); one of the current second would still be delivered.
out=$(probe a push "$tok_e" 1 ttl=-5 tag=p)
check "a push whose expiry has passed is refused with NACK_EXPIRED" \
	'^acked 0 nacked 1 NACK_EXPIRED' "$out"
sleep 4.2
out=$(probe e -w 1500 recv 1)
check "an expired message is not delivered" '^$' "$out"

# The sweep (at start, then every second) deletes them from the store:
# the queue has room again, and only the new messages arrive.
gw_restart TERM --max-queue 5 --sweep 1s -v
sleep 1
out=$(probe a push "$tok_e" 5 tag=y)
check "the expiry sweep drops expired messages from the store" \
	'^acked 5 nacked 0 +expiry sweep: 5 messages$' \
	"$out $(grep -o 'expiry sweep: [0-9]* messages' "$WORK/gw.log" | tail -n 1)"
out=$(probe e -w 1500 recv 6 | cut -d' ' -f3 | tr '\n' ' ')
check "only the unexpired messages are delivered" '^y0 y1 y2 y3 y4 $' "$out"

# max-ttl clamps a longer expiry.
gw_restart TERM --max-ttl 1s
out=$(probe a push "$tok_e" 1 ttl=3600 tag=z)
sleep 2.2
out2=$(probe e -w 1500 recv 1)
check "max-ttl clamps a longer expiry: not delivered after it" \
	'^acked 1 nacked 0 *$' "$out$out2"

# --- A full disk ------------------------------------------------------------

SMALL=$WORK/small
mkdir -p "$SMALL"
trap 'umount -l "$SMALL" 2>/dev/null; e2e_cleanup' EXIT
if [ -z "${TERN_LIMITS_MNTNS:-}" ] ||
   ! mount -t tmpfs -o size=2m,mode=0700 tern-limits "$SMALL"; then
	for _ in 1 2 3 4 5; do
		ktap_test_skip "disk full: no private mount namespace with a tmpfs"
	done
else
	gw_restart TERM --data "$SMALL/gw"
	tok_as=$(token_of a)	# a new store: a new token
	tok_f=$(token_of f)
	acked=$(probe a push "$tok_f" 3 tag=b ids | grep '^ack ')
	dd if=/dev/zero of="$SMALL/fill" bs=64k 2>/dev/null
	dd if=/dev/zero of="$SMALL/fill2" bs=4k 2>/dev/null
	echo "# tmpfs: $(df -k "$SMALL" | tail -n 1 | awk '{print $3 " kB used, " $4 " kB free"}')"
	full=$(probe a push "$tok_f" 40 tag=f size=4000 ids)
	acked+=$'\n'$(grep '^ack ' <<<"$full")
	nacks=$(grep '^nack ' <<<"$full" | awk '{print $3}' | sort | uniq -c |
		tr -s ' ' | tr '\n' ',')
	echo "# disk full: $(tail -n 1 <<<"$full"), nacks:$nacks"
	if gw_alive && [ "$(token_of a)" = "$tok_as" ] &&
	   [[ "$nacks" =~ ^\ [0-9]+\ NACK_STORE_FULL,$ ]]; then
		ktap_test_pass "disk full: pushes are nacked with NACK_STORE_FULL, the gateway serves on"
	else
		echo "$full" | tail -3 | sed 's/^/# /'
		grep -v "session closed" "$WORK/gw.log" | tail -5 | sed 's/^/# gw: /'
		ktap_test_fail "disk full: pushes are nacked with NACK_STORE_FULL, the gateway serves on"
	fi
	rm -f "$SMALL/fill" "$SMALL/fill2"
	out=$(probe a push "$tok_f" 3 tag=g ids)
	acked+=$'\n'$(grep '^ack ' <<<"$out")
	check "disk freed: pushes are acked again" 'acked 3 nacked 0' "$out"
	# Across a restart: what was acked was on disk.
	gw_restart TERM --data "$SMALL/gw"
	want=$(grep '^ack ' <<<"$acked" | awk '{print $2}' | sort | tr '\n' ' ')
	n=$(wc -w <<<"$want")
	got=$(probe f -w 2000 recv $((n + 1)) | cut -d' ' -f3 | sort |
	      tr '\n' ' ')
	echo "# acked $n, delivered $(wc -w <<<"$got")"
	check "disk full: everything acked, and nothing else, is delivered" \
		"^$want\$" "$got"
	# A device online while the disk is full: a push whose commit fails
	# may reach it (deliveries leave while the commit runs, and its
	# sender retries), and what comes once the disk is freed reaches it
	# in the same session (the failed commits wound its cursor back).
	tok_o=$(token_of o)
	h0=$(gw_hellos)
	probe o -w 8000 recv 1000 >"$WORK/online-full.out" &
	rpid=$!
	wait_hellos "$h0" || echo "# device o did not come online within 10 s"
	dd if=/dev/zero of="$SMALL/fill" bs=64k 2>/dev/null
	dd if=/dev/zero of="$SMALL/fill2" bs=4k 2>/dev/null
	full=$(probe a push "$tok_o" 20 tag=o size=4000)
	rm -f "$SMALL/fill" "$SMALL/fill2"
	out=$(probe a push "$tok_o" 3 tag=p)
	wait "$rpid"
	got=$(awk '$3 ~ /^p/ {print $3}' "$WORK/online-full.out" | tr '\n' ' ')
	echo "# device online, disk full: $full; then $out; it got $(wc -l <"$WORK/online-full.out") messages"
	answered=$(awk '{print $2 + $4}' <<<"$full")
	check "disk full, device online: all 20 pushes answered; once freed, pushes reach the device in the same session" \
		'^20\|p0 p1 p2 \|acked 3 nacked 0' "$answered|$got|$out"
	gw_stop TERM
	check "disk full: the gateway never crashed (clean exit)" '^0$' "$?"
	gw_start
fi

# --- Out of descriptors ------------------------------------------------------

# A gateway whose hard limit is 128 descriptors, under 400 connections:
# accept fails with EMFILE and the listener stays readable. It must not
# spin (nor fill its log) until descriptors come back. On the user
# transport every descriptor is then held by a session, so from 3 s to
# 5 s it has nothing to do but try again ten times a second: its CPU time
# then shows whether it spins. (On the kernel one the crowd gets in as
# descriptors are handed to tern.ko, and the gateway is busy.)
gw_stop TERM
cat >"$WORK/lowfd" <<EOF
#!/bin/bash
ulimit -n 128
exec "$GATEWAYD" "\$@"
EOF
chmod +x "$WORK/lowfd"
GATEWAYD_SAVED=$GATEWAYD
GATEWAYD=$WORK/lowfd
lines=$(wc -l <"$WORK/gw.log")
gw_start
GATEWAYD=$GATEWAYD_SAVED
# USER_HZ is 100 on Linux.
cpu_ms() {
	awk '{print int(($14 + $15) * 1000 / 100)}' \
		/proc/"$GW_PID"/stat
}
storm_start "$WORK/lowfd.out" -N 400 -S lowfd
sleep 3
cpu=$(cpu_ms)
sleep 2
cpu=$(($(cpu_ms) - cpu))
kill "$STORM_PID"
wait "$STORM_PID"
emfile=$(tail -n +$((lines + 1)) "$WORK/gw.log" | grep -c "out of file descriptors")
echo "# 400 devices against 128 descriptors: $(grep '^round\|^exit' "$WORK/lowfd.out" | tr '\n' ' ')"
echo "# gateway CPU $cpu ms in 2 s, $emfile log lines about descriptors"
# The storm's abandoned connections still fill the listen queue, each to
# be accepted and to fail its handshake before a's turn comes: on the
# slower 6.1 VM that took more than gwprobe's 5 s once. Wait up to 20 s.
tok_now=$(probe a -w 20000 hello | sed -n 's/^token //p')
echo "# then: gateway $(gw_alive && echo alive || echo gone), device a's hello $([ -n "$tok_now" ] && echo answered || echo "not answered")"
if gw_alive && [ "$emfile" -ge 1 ] && [ "$emfile" -le 5 ] &&
   { [ "$cpu" -lt 1000 ] || [ "$E2E_TRANSPORT" = kernel ]; } &&
   [ "$tok_now" = "$tok_a" ]; then
	ktap_test_pass "out of descriptors: the gateway rests its listeners, does not spin, serves on"
else
	ktap_test_fail "out of descriptors: the gateway rests its listeners, does not spin, serves on (CPU $cpu ms, $emfile log lines)"
fi

gw_stop TERM
san_clean "the gateway" "$WORK/gw.log"
grep -E "session closed|handshake failed|ended by tern.ko" "$WORK/gw.log" |
	sort | uniq -c | sort -rn | head -12 | sed 's/^/# /'
ktap_finished

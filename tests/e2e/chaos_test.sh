#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash tests, in network namespaces, over the user transport (the host)
# or the kernel one (E2E_TRANSPORT=kernel, in the VM: tests/e2e_kernel):
#
# 1. tern-gatewayd is SIGKILLed at random points of a stream of messages
#    from device A (ternd) to device B (ternd), and restarted each time;
# 2. ternd B is SIGKILLed likewise, and restarted;
# 3. connections are cut mid-frame (a frame header and part of its
#    payload, then a TCP reset) while A streams to B.
#
# Each time, every message A's outbox saw acked (all of them: ternd
# retries until acked) reaches B's application exactly once (drained
# with `ternctl recv`, which consumes), and a cut frame is neither stored
# nor acked while the gateway serves on. Over the kernel transport no
# device reconnects when the gateway dies, and a restarted ternd adopts
# its tern.ko connection.
#
# CHAOS_MESSAGES (default 10,000; 2,000 over the kernel transport, whose
# VM runs under TCG; 500 on the debug kernel, TERN_VM_DEBUG=1, where
# everything runs some four times slower and three sanitized daemons
# share the guest with KASAN), CHAOS_SECONDS (how long a stream lasts:
# 40; 60 over the kernel transport; 30 on the debug kernel), CHAOS_KILLS
# (20; 8 on the debug kernel) and CHAOS_SEED (random) change the run; CHAOS_KEEP=DIR keeps the logs. The figures are printed as KTAP
# comments.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/e2e_lib.sh"

TERND=$(bin ternd)
CTLSTREAM=$E2E_DIR/ctlstream
KILLS=${CHAOS_KILLS:-20}
if [ "${TERN_VM_DEBUG:-0}" = 1 ]; then
	N=${CHAOS_MESSAGES:-500}
	SECS=${CHAOS_SECONDS:-30}
	KILLS=${CHAOS_KILLS:-8}
elif [ "$E2E_TRANSPORT" = kernel ]; then
	N=${CHAOS_MESSAGES:-2000}
	SECS=${CHAOS_SECONDS:-60}
else
	N=${CHAOS_MESSAGES:-10000}
	SECS=${CHAOS_SECONDS:-40}
fi
# The stream is paced to last SECS seconds, so that the kills, at random
# points of it, are spread out in time too.
RATE=$(( (N + SECS - 1) / SECS ))
SEED=${CHAOS_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED

# With CHAOS_KEEP=DIR the logs are kept there.
chaos_exit() {
	if [ -n "${CHAOS_KEEP:-}" ]; then
		mkdir -p "$CHAOS_KEEP"
		cp "$WORK"/*.log "$WORK"/*.recv "$CHAOS_KEEP"/ 2>/dev/null
	fi
	e2e_cleanup
}
trap chaos_exit EXIT

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_set_plan 0
	ktap_exit_fail_msg "needs root for network namespaces"
fi
ktap_set_plan 12

# No rate limit or queue limit in the way: this is about crashes.
GW_OPTS=(--push-rate 100000 --push-burst 100000 --max-queue 100000)
if ! e2e_setup || ! gw_start "${GW_OPTS[@]}"; then
	cat "$WORK/gw.log" >&2
	ktap_exit_fail_msg "could not set up the namespaces and the gateway"
fi
echo "# transport $E2E_TRANSPORT, $N messages a run at $RATE/s, $KILLS kills, seed $SEED"
if [ "${TERN_VM_DEBUG:-0}" = 1 ] && [ -z "${CHAOS_MESSAGES:-}" ]; then
	echo "# (debug kernel, in the VM under TCG: $N messages a run instead of 10,000; CHAOS_MESSAGES sets it)"
elif [ "$E2E_TRANSPORT" = kernel ] && [ -z "${CHAOS_MESSAGES:-}" ]; then
	echo "# (kernel transport, in the VM under TCG: $N messages a run instead of 10,000; CHAOS_MESSAGES sets it)"
fi

declare -A DEV_PID

# dev_start NAME: start device NAME in the device namespace; its data in
# $WORK/NAME, its log in $WORK/NAME.log. A push waits at most 1 s for its
# ack before it is sent again, and reconnects wait at most 1 s: the
# defaults (10 s, 5 min) are for phones, not for 20 crashes in a minute.
dev_start() {
	ip netns exec "$NS_DEV" "$TERND" --gateway $GW_IP:$GW_PORT \
		--ca "$PKI/ca.crt" --gateway-name gw.test \
		--data "$WORK/$1" --transport "$E2E_TRANSPORT" \
		--ack-timeout 1s --reconnect-max 1s -v \
		>>"$WORK/$1.log" 2>&1 &
	DEV_PID[$1]=$!
}

# dev_stop NAME [SIGNAL]: returns ternd's exit status. (Quiet: bash
# would report each SIGKILL.)
dev_stop() {
	kill -"${2:-TERM}" "${DEV_PID[$1]}" 2>/dev/null
	wait "${DEV_PID[$1]}" 2>/dev/null
}

gw_kill() {	# SIGKILL the gateway, quietly
	kill -KILL "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_PID=
}

ctl() {		# ctl NAME ternctl-args...
	local name=$1
	shift
	"$TERNCTL" "$1" -S "$WORK/$name/ternd.sock" "${@:2}"
}

# field NAME KEY: a line of `ternctl status`, e.g. field a "outbox pending".
field() {
	ctl "$1" status 2>/dev/null | sed -n "s/^$2: *//p"
}

wait_state() {	# wait_state NAME STATE-REGEX [TENTHS]: default 20 s
	local i
	for i in $(seq "${3:-200}"); do
		[[ "$(field "$1" state)" =~ ^$2 ]] && return 0
		sleep 0.1
	done
	return 1
}

# wait_field NAME KEY VALUE TENTHS: until the status shows it.
wait_field() {
	local i
	for i in $(seq "$4"); do
		[ "$(field "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# Milliseconds since boot, from /proc/uptime (10 ms steps): the VM's
# busybox date has no %N.
now_ms() {
	local up
	read -r up _ </proc/uptime
	echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}

# kill_points COUNT: KILLS sorted random message counts within the
# stream, between 2% and 95% of it.
kill_points() {
	local lo=$(( $1 / 50 )) hi=$(( $1 * 95 / 100 )) i
	for i in $(seq "$KILLS"); do
		echo $(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
	done | sort -n
}

progress() {	# the count ctlstream has queued so far
	local p=0
	read -r p <"$WORK/progress" 2>/dev/null
	echo "${p:-0}"
}

# stream PREFIX COUNT: A streams COUNT messages to B in the background
# ($SPID), ids PREFIX then the index; its progress in $WORK/progress.
stream() {
	rm -f "$WORK/progress"
	ip netns exec "$NS_DEV" "$CTLSTREAM" -S "$WORK/a/ternd.sock" \
		-t "$TOK_B" -n "$2" -i "$1" -r "$RATE" -P "$WORK/progress" \
		>"$WORK/stream.out" 2>&1 &
	SPID=$!
	local i
	for i in $(seq 100); do
		[ -f "$WORK/progress" ] && return 0
		sleep 0.05
	done
}

# wait_point P: until the stream queued P messages, or ended.
wait_point() {
	while [ "$(progress)" -lt "$1" ] && kill -0 "$SPID" 2>/dev/null; do
		sleep 0.02
	done
}

# hold_if_behind P: a kill and restart that fall more than a second of
# messages behind point P (restarts are slow under emulation, and kill
# points can crowd the end) would let the stream end before the last
# kills: then the stream is held (SIGSTOP) until release_hold, after the
# restart. What A has queued still flows meanwhile. A restart slow to
# come back after a kill that was not behind can still let the stream
# run out before the next points: those kills come after it ended, while
# A's outbox and the gateway's store still deliver, and are counted
# ("late") rather than skipped, so every run has its KILLS kills.
HELD=0
hold_if_behind() {
	if [ "$(progress)" -gt $(( $1 + RATE )) ]; then
		kill -STOP "$SPID" 2>/dev/null && HELD=$((HELD + 1))
		STOPPED=1
	fi
}

release_hold() {
	if [ "${STOPPED:-0}" = 1 ]; then
		kill -CONT "$SPID" 2>/dev/null
		STOPPED=0
	fi
}

# settle COUNT TENTHS: until A's outbox is empty and B holds COUNT unread.
settle() {
	wait_field a "outbox pending" 0 "$2" &&
	wait_field b "inbox unread" "$1" "$2"
}

# drain PREFIX COUNT NAME: take B's inbox into $WORK/NAME.recv; check
# that it holds the COUNT messages of PREFIX exactly once each.
drain() {
	local f=$WORK/$3.recv want got dups missing
	ctl b recv >"$f"
	want=$(seq 0 $(( $2 - 1 )) | sed 's/^/chaos-/')
	got=$(grep -c "^$1" "$f")
	dups=$(awk '{print $2}' "$f" | sort | uniq -d | wc -l)
	# (The VM's busybox has no comm.)
	missing=$(echo "$want" | awk -v f="$f" \
		'BEGIN { while ((getline l < f) > 0) { split(l, w, " "); have[w[2]] = 1 } }
		 !($0 in have)' | wc -l)
	echo "# $3: B's app got $got messages ($(wc -l <"$f") lines), $dups duplicated, $missing missing"
	[ "$got" = "$2" ] && [ "$dups" = 0 ] && [ "$missing" = 0 ] &&
	[ "$(grep -vc "^$1" "$f")" = 0 ]
}

dups_dropped() {	# duplicates B's inbox dropped, by its log
	grep -c "a message already in the inbox: dropped" "$WORK/b.log"
}

retried_acks() {	# acks A got for pushes already acked
	grep -c "ack for a push no longer pending" "$WORK/a.log"
}

dev_start a
dev_start b
if ! wait_state a ready || ! wait_state b ready; then
	tail -5 "$WORK/a.log" "$WORK/b.log" "$WORK/gw.log" | sed 's/^/# /'
	ktap_exit_fail_msg "the devices did not connect"
fi
TOK_B=$(ctl b status -j | sed -n 's/.*"push-token": "\([0-9a-f]*\)".*/\1/p')
CONN_A=$(field a connection)
CONN_B=$(field b connection)

# --- 1. the gateway SIGKILLed during the stream -----------------------------

SETTLE=$(( 300 + N / 20 ))	# tenths of a second
t0=$(now_ms)
stream 0100000000000001 "$N"
kills=0
late=0
points=$(kill_points "$N")
for p in $points; do
	wait_point "$p"
	kill -0 "$SPID" 2>/dev/null || late=$((late + 1))
	hold_if_behind "$p"
	gw_kill
	kills=$((kills + 1))
	if ! gw_start "${GW_OPTS[@]}"; then
		tail -20 "$WORK/gw.log" | sed 's/^/# /'
		ktap_exit_fail_msg "the gateway did not restart after kill $kills"
	fi
	release_hold
	# Some traffic for each life of the gateway.
	sleep 0.$(( RANDOM % 3 + 1 ))
done
wait "$SPID"
src=$?
t1=$(now_ms)
settle "$N" "$SETTLE"
t2=$(now_ms)
echo "# gateway kills: $kills, at messages" $points "(stream held during $HELD restarts; $late kills after it ended)"
echo "# stream: $(cat "$WORK/stream.out")"
echo "# stream $(( t1 - t0 )) ms, then all acked and stored in $(( t2 - t1 )) ms; A's outbox pending $(field a "outbox pending"), B unread $(field b "inbox unread")"
echo "# duplicates dropped by B's inbox: $(dups_dropped); acks of pushes already acked at A: $(retried_acks)"
check "gateway SIGKILLed $kills times during $N pushes A -> B: A's outbox saw all acked" \
	"^0 $kills 0\$" "$src $KILLS $(field a "outbox pending")"
drain 0100000000000001 "$N" gw-kills
check "gateway SIGKILLed: B's app got each message exactly once" '^0$' "$?"

rc_a=$(field a reconnects)
rc_b=$(field b reconnects)
echo "# reconnects: A $rc_a, B $rc_b; connections A $CONN_A -> $(field a connection), B $CONN_B -> $(field b connection); tern.ko holds $(kconns) gateway connections"
if [ "$E2E_TRANSPORT" = kernel ]; then
	check "kernel transport: no device reconnected through the gateway kills" \
		"^0 0 ready ready $CONN_A $CONN_B\$" \
		"$rc_a $rc_b $(field a state) $(field b state) $(field a connection) $(field b connection)"
else
	check "user transport: the devices reconnected after the gateway kills" \
		'^[1-9][0-9]* [1-9][0-9]* ready ready$' \
		"$rc_a $rc_b $(field a state) $(field b state)"
fi

# --- 2. ternd B SIGKILLed during the stream ---------------------------------

d0=$(dups_dropped)
HELD=0
t0=$(now_ms)
stream 0200000000000002 "$N"
kills=0
late=0
adopted=0
fresh=0
states=""
points=$(kill_points "$N")
for p in $points; do
	wait_point "$p"
	kill -0 "$SPID" 2>/dev/null || late=$((late + 1))
	hold_if_behind "$p"
	dev_stop b KILL
	kills=$((kills + 1))
	dev_start b
	if ! wait_state b ready; then
		tail -20 "$WORK/b.log" | sed 's/^/# /'
		ktap_exit_fail_msg "ternd B did not come back after kill $kills"
	fi
	release_hold
	st=$(ctl b status)
	if grep -q '^state: *ready (adopted)$' <<<"$st" &&
	   [ "$(sed -n 's/^connection: *//p' <<<"$st")" = "$CONN_B" ]; then
		adopted=$((adopted + 1))
	elif grep -q '^state: *ready$' <<<"$st"; then
		fresh=$((fresh + 1))
	else
		states="$states [$(grep -E '^(state|connection):' <<<"$st" | tr -s ' \n' ' ')]"
	fi
	sleep 0.$(( RANDOM % 3 + 1 ))
done
wait "$SPID"
src=$?
t1=$(now_ms)
settle "$N" "$SETTLE"
t2=$(now_ms)
echo "# ternd B kills: $kills, at messages" $points "(stream held during $HELD restarts; $late kills after it ended)"
echo "# stream: $(cat "$WORK/stream.out")"
echo "# stream $(( t1 - t0 )) ms, then all acked and stored in $(( t2 - t1 )) ms; A's outbox pending $(field a "outbox pending"), B unread $(field b "inbox unread")"
echo "# restarted B: $adopted adopted its connection, $fresh connected afresh${states:+, other:$states}"
echo "# duplicates dropped by B's inbox: $(( $(dups_dropped) - d0 )) (this log covers B's restarts); acks of pushes already acked at A: $(retried_acks)"
check "ternd B SIGKILLed $kills times during $N pushes A -> B: A's outbox saw all acked" \
	"^0 $kills 0\$" "$src $KILLS $(field a "outbox pending")"
drain 0200000000000002 "$N" ternd-kills
check "ternd B SIGKILLed: B's app got each message exactly once" '^0$' "$?"
if [ "$E2E_TRANSPORT" = kernel ]; then
	check "kernel transport: each restarted ternd B adopted its tern.ko connection" \
		"^$kills 0\$" "$adopted $fresh"
else
	check "user transport: each restarted ternd B connected afresh" \
		"^0 $kills\$" "$adopted $fresh"
fi

# --- 3. connections cut mid-frame -------------------------------------------

gw_pid=$GW_PID
rc_a=$(field a reconnects)
rc_b=$(field b reconnects)
M=$(( N / 10 ))
stream 0300000000000003 "$M"
for at in header 1 half last; do
	out=$(probe cut -w 8000 bad cut-mid-frame $at 2>&1)
	echo "# $out"
	check "a push cut mid-frame ($at) and reset: not stored, not acked; the same id whole is stored and delivered once" \
		'^cut [0-9]+/[0-9]+: answered 0; whole: acked 1 delivered 1 whole$' "$out"
done
wait "$SPID"
src=$?
settle "$M" "$SETTLE"
drain 0300000000000003 "$M" cuts
ok=$?
check "meanwhile the gateway served on: $M pushes A -> B acked and received once, no restart, no device reconnected" \
	"^0 0 $gw_pid $rc_a $rc_b\$" \
	"$src $ok $(gw_alive && echo "$GW_PID") $(field a reconnects) $(field b reconnects)"

for d in a b; do
	dev_stop $d TERM
done
gw_stop TERM
san_clean "the daemons" "$WORK"/gw.log "$WORK"/[ab].log
ktap_finished

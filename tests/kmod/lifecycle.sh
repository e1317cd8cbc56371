#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tern.ko's own lifecycle: unloading it while it holds live connections
# (plain and kTLS, traffic flowing both ways, frames unacked) must work,
# close every connection (the peers see them end), leave no kernel warning,
# and let the module load again; then the same, 200 times over.
#
# helpers/tern_hold makes the connections: -w keeps traffic going until
# every peer has seen its connection closed, -e exits at once (its
# connections become orphans whose peers are closed: they go down, frames
# still held, while the module goes away).
#
# Needs root and the path of tern.ko: $TERN_KO (tools/vm/run sets it),
# else the usual places. Leaves tern.ko loaded.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

# On the debug kernel (TERN_VM_DEBUG) a cycle costs some ten times more.
if [ "${TERN_VM_DEBUG:-0}" = 1 ]; then
	CYCLES=${TERN_LIFECYCLE_CYCLES:-20}
else
	CYCLES=${TERN_LIFECYCLE_CYCLES:-200}
fi
SPLAT='BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|blocked for more than|refcount_t:|list_(add|del) corruption|Call Trace'

hold=$DIR/helpers/tern_hold
[ -x "$hold" ] || hold=$DIR/tern_hold	# flattened by `make install`

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_skip_all "needs root to unload and load tern.ko"
	exit "$KSFT_SKIP"
fi
if [ ! -x "$hold" ]; then
	ktap_skip_all "no tern_hold helper next to $0"
	exit "$KSFT_SKIP"
fi
ko=${TERN_KO:-}
[ -f "$ko" ] || ko=/lib/modules/$(uname -r)/extra/tern.ko
[ -f "$ko" ] || ko=$(modinfo -n tern 2>/dev/null)
if [ ! -f "$ko" ]; then
	ktap_skip_all "cannot find tern.ko: set TERN_KO"
	exit "$KSFT_SKIP"
fi

loaded() { grep -q '^tern ' /proc/modules; }
if ! loaded && ! insmod "$ko"; then
	ktap_skip_all "tern.ko is not loaded and $ko does not load"
	exit "$KSFT_SKIP"
fi

ktap_set_plan 7

tmp=$(mktemp -d)
hold_pid=
cleanup() {
	[ -z "$hold_pid" ] || kill -9 "$hold_pid" 2>/dev/null
	loaded || insmod "$ko" || echo "# could not load $ko again" >&2
	rm -rf "$tmp"
}
trap cleanup EXIT

# Kernel log lines so far; new_splats MARK prints warnings logged since.
log_mark() { dmesg | wc -l; }
new_splats() { dmesg | tail -n "+$(($1 + 1))" | grep -E "$SPLAT"; }

# start_hold ARGS...: run tern_hold in the background until it is ready.
start_hold() {
	local i
	rm -f "$tmp/ready"
	"$hold" -r "$tmp/ready" "$@" > "$tmp/hold.out" 2> "$tmp/hold.err" &
	hold_pid=$!
	for i in $(seq 600); do
		[ -e "$tmp/ready" ] && return 0
		kill -0 "$hold_pid" 2>/dev/null || break
		sleep 0.1
	done
	ktap_print_msg "tern_hold $* did not get ready:"
	sed 's/^/#   /' "$tmp/hold.err"
	return 1
}

# wait_hold: its exit status, and its complaints if any.
wait_hold() {
	local rc
	wait "$hold_pid"
	rc=$?
	hold_pid=
	[ "$rc" = 0 ] || sed 's/^/#   /' "$tmp/hold.err"
	return "$rc"
}

# rmmod_tern: unload, giving up after a minute (a hang is a failure).
rmmod_tern() {
	timeout 60 rmmod tern
}

# 1-5: one unload with everything going on.
mark=$(log_mark)
name="rmmod with live plain and kTLS connections, traffic flowing, frames unacked"
if start_hold -n 8 -f 4 -s 4 -w 60; then
	sleep 0.5	# traffic flows both ways meanwhile
	if rmmod_tern; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"
	fi
else
	ktap_test_fail "$name"
fi

name="every peer sees its connection closed"
if [ -n "$hold_pid" ] && wait_hold; then
	ktap_test_pass "$name"
else
	ktap_test_fail "$name"
fi

name="tern is gone after rmmod"
if ! loaded && [ ! -e /sys/module/tern ]; then
	ktap_test_pass "$name"
else
	ktap_print_msg "$(grep '^tern ' /proc/modules)"
	ktap_test_fail "$name"
fi

name="no kernel warning during the unload"
splats=$(new_splats "$mark")
if [ -z "$splats" ]; then
	ktap_test_pass "$name"
else
	printf '%s\n' "$splats" | sed 's/^/#   /'
	ktap_test_fail "$name"
fi

name="tern.ko loads again and carries frames"
if insmod "$ko" && "$hold" -n 2 -e 2> "$tmp/hold.err"; then
	ktap_test_pass "$name"
else
	sed 's/^/#   /' "$tmp/hold.err"
	ktap_test_fail "$name"
fi

# 6-7: many cycles, each with connections open at the unload.
mark=$(log_mark)
name="$CYCLES load/unload cycles with connections open"
start=$(date +%s)
failed=
for i in $(seq "$CYCLES"); do
	if ! loaded && ! insmod "$ko"; then
		failed="cycle $i: insmod failed"
		break
	fi
	if [ $((i % 2)) = 0 ]; then
		mode="-w 30"	# stays, traffic flowing, until its peers close
	else
		mode="-e"	# exits: orphans, their peers closing
	fi
	if ! start_hold -n 4 -f 2 -s 2 $mode; then
		failed="cycle $i: tern_hold $mode did not get ready"
		break
	fi
	if ! rmmod_tern; then
		failed="cycle $i: rmmod failed"
		break
	fi
	if ! wait_hold; then
		failed="cycle $i: tern_hold $mode failed (a peer not closed?)"
		break
	fi
done
if [ -z "$failed" ]; then
	ktap_print_msg "$CYCLES cycles in $(($(date +%s) - start)) s"
	ktap_test_pass "$name"
else
	ktap_print_msg "$failed"
	ktap_test_fail "$name"
fi

name="no kernel warning during the cycles, and tern.ko loads at the end"
splats=$(new_splats "$mark")
if [ -z "$splats" ] && { loaded || insmod "$ko"; } && "$hold" -n 2 -e; then
	ktap_test_pass "$name"
else
	printf '%s\n' "$splats" | sed 's/^/#   /'
	ktap_test_fail "$name"
fi

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the end-to-end scripts: a two-namespace topology (gateway at
# 198.18.0.1, devices at 198.18.0.2, joined by a veth pair), a private CA,
# and starting and stopping tern-gatewayd. Everything is removed on exit,
# also on failure. Source it after ktap_helpers.sh.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=${TERN_TOP:-$(cd "$E2E_DIR/../../.." && pwd)}
build=${B:-$top/build}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

bin() {
	if [ -x "$E2E_DIR/bin/$1" ]; then
		echo "$E2E_DIR/bin/$1"
	elif [ -x "$build/san/bin/$1" ]; then
		echo "$build/san/bin/$1"
	else
		echo "$build/bin/$1"
	fi
}

GATEWAYD=$(bin tern-gatewayd)
TERNCTL=$(bin ternctl)
# user (the host) or kernel (in the VM, with tern.ko: tests/e2e_kernel).
E2E_TRANSPORT=${E2E_TRANSPORT:-user}
PKI=$E2E_DIR/pki
GWPROBE=$E2E_DIR/gwprobe
NS_GW=tern-e2e-gw-$$
NS_DEV=tern-e2e-dev-$$
GW_IP=198.18.0.1
DEV_IP=198.18.0.2
GW_PORT=5222
WORK=$(mktemp -d /tmp/tern-e2e.XXXXXX)
GW_PID=
GW_STARTS=0

e2e_cleanup() {
	if [ -n "${E2E_DEBUG:-}" ]; then
		for f in "$WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "# --- $f"
			tail -n "$E2E_DEBUG" "$f" | sed 's/^/# /'
		done
	fi
	[ -n "$GW_PID" ] && kill -9 "$GW_PID" 2>/dev/null
	ip netns pids "$NS_GW" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns pids "$NS_DEV" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS_GW" 2>/dev/null
	ip netns del "$NS_DEV" 2>/dev/null
	rm -rf "$WORK"
}
trap e2e_cleanup EXIT

e2e_setup() {
	ip netns add "$NS_GW" && ip netns add "$NS_DEV" || return 1
	ip -n "$NS_GW" link add veth0 type veth peer name veth1 \
		netns "$NS_DEV" || return 1
	ip -n "$NS_GW" addr add $GW_IP/24 dev veth0
	ip -n "$NS_DEV" addr add $DEV_IP/24 dev veth1
	ip -n "$NS_GW" link set lo up
	ip -n "$NS_DEV" link set lo up
	ip -n "$NS_GW" link set veth0 up
	ip -n "$NS_DEV" link set veth1 up
	[ -f "$PKI/gw.test.crt" ] && [ -f "$PKI/ca.crt" ]
}

# gw_start [extra tern-gatewayd options]: start it in its namespace and
# wait until it listens. Its log goes to $WORK/gw.log.
gw_start() {
	ip netns exec "$NS_GW" "$GATEWAYD" --listen $GW_IP:$GW_PORT \
		--cert "$PKI/gw.test.crt" --key "$PKI/gw.test.key" \
		--data "$WORK/gwdata" --transport "$E2E_TRANSPORT" -v "$@" \
		>>"$WORK/gw.log" 2>&1 &
	GW_PID=$!
	# Up to 30 s: an emulated guest on a busy machine starts slowly, and
	# a test that goes on before the gateway listens fails for nothing.
	for _ in $(seq 600); do
		[ "$(grep -c "tern-gatewayd: ready" "$WORK/gw.log" 2>/dev/null)" \
			-gt "$GW_STARTS" ] && { GW_STARTS=$((GW_STARTS + 1)); return 0; }
		kill -0 "$GW_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	echo "# gw_start: the gateway was not ready within 30 s" >&2
	return 1
}

# gw_stop [SIGNAL]: stop it and wait; returns its exit status.
gw_stop() {
	local rc
	kill -"${1:-TERM}" "$GW_PID" 2>/dev/null
	wait "$GW_PID"
	rc=$?
	GW_PID=
	return $rc
}

gw_alive() {
	[ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null
}

# probe KEYNAME [gwprobe args]: run gwprobe as device KEYNAME. gwprobe
# exits with its connection still open on purpose (it often has just been
# refused): its own leak report is noise. The daemons are leak-checked.
probe() {
	local key=$1
	shift
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 \
	ip netns exec "$NS_DEV" "$GWPROBE" -g $GW_IP:$GW_PORT \
		-C "$PKI/ca.crt" -n gw.test -k "$WORK/$key.key" "$@"
}

token_of() {
	probe "$1" hello | sed -n 's/^token //p'
}

# gw_stat NAME: a count from a fresh SIGUSR1 stats line ("NAME N").
gw_stat() {
	local n
	n=$(grep -c "stats: " "$WORK/gw.log")
	kill -USR1 "$GW_PID" 2>/dev/null || return
	for _ in $(seq 100); do
		if [ "$(grep -c "stats: " "$WORK/gw.log")" -gt "$n" ]; then
			grep "stats: " "$WORK/gw.log" | tail -n 1 |
				sed -n "s/.* $1 \([0-9]*\)[;, ].*/\1/p"
			return
		fi
		sleep 0.05
	done
}

# gw_hellos: the gateway's count of completed hellos, from a fresh
# SIGUSR1 stats line (empty if none came within 5 s).
gw_hellos() {
	gw_stat hellos
}

# wait_hellos N: wait (up to 10 s) until the gateway has completed more
# than N hellos, i.e. a device started after N was read is online.
wait_hellos() {
	local h
	for _ in $(seq 50); do
		h=$(gw_hellos)
		[ -n "$h" ] && [ "$h" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# The gateway's connections held by tern.ko (kernel transport): count.
kconns() {
	ip netns exec "$NS_GW" "$TERNCTL" conn list 2>/dev/null |
		grep -c "tern-gatewayd"
}

# check NAME EXPECTED-REGEX ACTUAL: one KTAP case.
check() {
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got: $3"
		ktap_test_fail "$1"
	fi
}

# san_clean WHO LOG...: one KTAP case, "WHO ran sanitizer-clean", failed
# (with the reports) if a sanitizer spoke in any LOG.
san_clean() {
	local who=$1 re="AddressSanitizer|runtime error|LeakSanitizer"
	shift
	if grep -Eq "$re" "$@"; then
		grep -E -A20 "$re" "$@" | sed 's/^/# /' | head -40
		ktap_test_fail "$who ran sanitizer-clean"
	else
		ktap_test_pass "$who ran sanitizer-clean"
	fi
}

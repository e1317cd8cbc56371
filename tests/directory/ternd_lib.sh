# SPDX-License-Identifier: GPL-2.0
#
# What the scripts that run ternds against the directory share (sourced
# after dir_lib.sh and dir_setup; they set GATEWAYD, TERND and CA):
#
#   gw_start             tern-gatewayd (the user transport) on ADDR:5222
#                        with WORK/gwdata, until it is ready; GWPID
#   td_start NAME OPTS   a ternd with data in WORK/NAME, its log in
#                        WORK/NAME.log (TD_JOURNAL=1: as under systemd,
#                        levels as <N> prefixes); TPID[NAME]
#   td_stop NAME         SIGTERM; its exit status, also kept in TSTOPS
#   st NAME FIELD        the value of FIELD in ternd NAME's status
#   wait_st NAME FIELD REGEX SECONDS   until FIELD matches REGEX

declare -A TPID
TSTOPS=""

gw_start() {
	ip netns exec "$NS" "$GATEWAYD" --listen "$ADDR:5222" \
		--cert "$WORK/pki/gw.test.crt" --key "$WORK/pki/gw.test.key" \
		--data "$WORK/gwdata" --transport user -v >"$WORK/gw.log" 2>&1 &
	GWPID=$!
	for _ in $(seq 200); do
		grep -q "tern-gatewayd: ready" "$WORK/gw.log" && return
		kill -0 "$GWPID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# gw: /' "$WORK/gw.log"
	ktap_exit_fail_msg "the gateway did not start"
}

td_start() {
	local name=$1

	shift
	ip netns exec "$NS" env ${TD_JOURNAL:+JOURNAL_STREAM=8:1} "$TERND" \
		--gateway "$ADDR:5222" --ca "$CA" --gateway-name gw.test \
		--data "$WORK/$name" --transport user -v "$@" \
		>>"$WORK/$name.log" 2>&1 &
	TPID[$name]=$!
}

td_stop() {
	local rc

	kill -TERM "${TPID[$1]}" 2>/dev/null
	wait "${TPID[$1]}"
	rc=$?
	TSTOPS="$TSTOPS $1=$rc"
	return $rc
}

st() {
	"$TERNCTL" status -S "$WORK/$1/ternd.sock" 2>/dev/null |
		sed -n "s/^$2: *//p"
}

wait_st() {
	local v

	for _ in $(seq $(($4 * 10))); do
		v=$(st "$1" "$2")
		[[ "$v" =~ $3 ]] && return 0
		sleep 0.1
	done
	return 1
}

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The airline's bottleneck on the access point's two egress devices,
# sourced by tools/inflight/inflight (Documentation/inflight.rst,
# "Shaping"): sat0 shapes the uplink (device -> ground), cabin1 the
# downlink. On each:
#
#   1:   netem delay DELAY loss LOSS    only with a delay or loss, and
#                                       only where the kernel has netem
#   2:   tbf rate RATE                  the link's rate; splits GSO packets
#   10:  pfifo limit QUEUE              the airline's queue: a plain FIFO
#
# The FIFO is always 10: and the shaper 2:, with or without netem.

# The largest packet the links carry (MTU 1500 and the Ethernet header),
# as the qdiscs count it.
SHAPE_PKT=1514

# shape_netem_missing: does the kernel lack netem? Decided on a device of
# the access point: adding the qdisc is the only test that holds both
# where it is built in and where it is a module.
shape_netem_missing() {
	local dev=$1 err

	if err=$(in_ns "$INFLIGHT_NS_AP" tc qdisc add dev "$dev" root \
		 handle 1: netem delay 0ms 2>&1); then
		in_ns "$INFLIGHT_NS_AP" tc qdisc del dev "$dev" root
		return 1
	fi
	case $err in
	*"kind is unknown"* | *"No such file or directory"*)
		return 0 ;;
	esac
	echo "inflight: probing for netem on $dev: $err" >&2
	return 2
}

# shape_dev DEV RATE_BPS: the tree above on DEV.
shape_dev() {
	local dev=$1 rate=$2 parent=root burst inflight loss=()

	# A burst of one millisecond at the rate, but at least one full
	# packet: TBF then splits every GSO packet that is larger (a TCP
	# superpacket from the device would otherwise leave as one).
	burst=$((rate / 8000))
	[ "$burst" -ge 1600 ] || burst=1600
	if [ "$INFLIGHT_NETEM" = 1 ]; then
		# netem holds the packets being delayed as well as the FIFO's:
		# room for a full link's worth of small packets, so that only
		# the FIFO ever drops.
		inflight=$((rate * INFLIGHT_DELAY_MS / (8 * 1000 * 64) + 1))
		[ "$INFLIGHT_LOSS" = 0 ] || loss=(loss "$INFLIGHT_LOSS%")
		in_ns "$INFLIGHT_NS_AP" tc qdisc add dev "$dev" root handle 1: \
			netem delay "${INFLIGHT_DELAY_MS}ms" "${loss[@]}" \
			limit $((INFLIGHT_QUEUE + inflight)) || return 1
		parent="parent 1:1"
	fi
	# shellcheck disable=SC2086 # "root" or "parent 1:1"
	in_ns "$INFLIGHT_NS_AP" tc qdisc add dev "$dev" $parent handle 2: \
		tbf rate "${rate}bit" burst "$burst" \
		limit $((INFLIGHT_QUEUE * SHAPE_PKT)) &&
	in_ns "$INFLIGHT_NS_AP" tc qdisc add dev "$dev" parent 2:1 handle 10: \
		pfifo limit "$INFLIGHT_QUEUE"
}

# shape: both directions. Decides INFLIGHT_NETEM, and with no netem
# drops a default delay (saying so) or refuses one asked for.
shape() {
	INFLIGHT_NETEM=0
	if [ "$INFLIGHT_DELAY_MS" != 0 ] || [ "$INFLIGHT_LOSS" != 0 ]; then
		shape_netem_missing "$INFLIGHT_AP_GROUND_IF"
		case $? in
		1)	INFLIGHT_NETEM=1 ;;
		2)	return 1 ;;
		*)	# Asked for, not just the default: refuse.
			if { [ -n "$OPT_DELAY" ] && [ "$INFLIGHT_DELAY_MS" != 0 ]; } ||
			   { [ -n "$OPT_LOSS" ] && [ "$INFLIGHT_LOSS" != 0 ]; }; then
				echo "inflight: this kernel has no netem (sch_netem): --delay and --loss need it; --delay 0 shapes without" >&2
				return 1
			fi
			echo "inflight: this kernel has no netem (sch_netem): no delay, no loss (the VM kernel has it)" >&2
			INFLIGHT_DELAY_MS=0
			INFLIGHT_LOSS=0 ;;
		esac
	fi
	shape_dev "$INFLIGHT_AP_GROUND_IF" "$INFLIGHT_UP_RATE" &&
	shape_dev "$INFLIGHT_AP_CABIN_IF" "$INFLIGHT_DOWN_RATE"
}

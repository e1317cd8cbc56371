# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The in-flight link's network namespaces, links and addresses, sourced by
# tools/inflight/inflight (Documentation/inflight.rst, "Topology"):
#
#   NAME-dev                  NAME-ap                      NAME-gw
#   device      cabin Wi-Fi   aircraft access point  sat  ground gateway
#   cabin0 ------------------ cabin1          sat0 ------ sat1
#   198.18.1.2/24             198.18.1.1/24   198.18.2.1  198.18.2.2/24 (gateway)
#   fd00:7e2e:1::2/64         fd00:7e2e:1::1  fd00:7e2e:2::1  fd00:7e2e:2::2/64
#                             fe80::1         fe80::1     198.18.2.3, fd00:7e2e:2::3
#                                                         (another ground host)
#
# Only 198.18.0.0/15 and fd00::/8 are routed (through the access point);
# nothing leads out of the namespaces. Everything this creates is recorded
# in INFLIGHT_CREATED, so that a failure half way removes exactly that.

INFLIGHT_DEVICE_IF=cabin0
INFLIGHT_AP_CABIN_IF=cabin1
INFLIGHT_AP_GROUND_IF=sat0
INFLIGHT_GW_IF=sat1
INFLIGHT_DEVICE4=198.18.1.2
INFLIGHT_DEVICE6=fd00:7e2e:1::2
INFLIGHT_AP_CABIN4=198.18.1.1
INFLIGHT_AP_CABIN6=fd00:7e2e:1::1
INFLIGHT_AP_GROUND4=198.18.2.1
INFLIGHT_AP_GROUND6=fd00:7e2e:2::1
INFLIGHT_GW4=198.18.2.2
INFLIGHT_GW6=fd00:7e2e:2::2
INFLIGHT_OTHER4=198.18.2.3
INFLIGHT_OTHER6=fd00:7e2e:2::3
# The access point's link-local address on both links: the next hop.
INFLIGHT_AP_LL=fe80::1

INFLIGHT_CREATED=()

# topo_names NAME: the namespaces' names.
topo_names() {
	# shellcheck disable=SC2034 # used by the sourcing script
	INFLIGHT_NAME=$1
	INFLIGHT_NS_DEVICE=$1-dev
	INFLIGHT_NS_AP=$1-ap
	INFLIGHT_NS_GW=$1-gw
}

topo_exists() {
	[ -e "/run/netns/$1" ]
}

# in_ns NS CMD...: CMD in network namespace NS.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

topo_ns_add() {
	ip netns add "$1" || return 1
	INFLIGHT_CREATED+=("$1")
	# Addresses are usable at once (no duplicate address detection on
	# links nothing else is on); lo up for local traffic.
	in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 &&
	ip -n "$1" link set lo up
}

# topo_create NAME: the three namespaces, two links, addresses, routes.
topo_create() {
	local dev=$INFLIGHT_NS_DEVICE ap=$INFLIGHT_NS_AP gw=$INFLIGHT_NS_GW

	topo_ns_add "$dev" && topo_ns_add "$ap" && topo_ns_add "$gw" ||
		return 1
	in_ns "$ap" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1

	ip -n "$ap" link add "$INFLIGHT_AP_CABIN_IF" type veth \
		peer name "$INFLIGHT_DEVICE_IF" netns "$dev" &&
	ip -n "$ap" link add "$INFLIGHT_AP_GROUND_IF" type veth \
		peer name "$INFLIGHT_GW_IF" netns "$gw" || return 1

	ip -n "$dev" addr add "$INFLIGHT_DEVICE4/24" dev "$INFLIGHT_DEVICE_IF" &&
	ip -n "$dev" addr add "$INFLIGHT_DEVICE6/64" dev "$INFLIGHT_DEVICE_IF" nodad &&
	ip -n "$ap" addr add "$INFLIGHT_AP_CABIN4/24" dev "$INFLIGHT_AP_CABIN_IF" &&
	ip -n "$ap" addr add "$INFLIGHT_AP_CABIN6/64" dev "$INFLIGHT_AP_CABIN_IF" nodad &&
	ip -n "$ap" addr add "$INFLIGHT_AP_LL/64" dev "$INFLIGHT_AP_CABIN_IF" nodad &&
	ip -n "$ap" addr add "$INFLIGHT_AP_GROUND4/24" dev "$INFLIGHT_AP_GROUND_IF" &&
	ip -n "$ap" addr add "$INFLIGHT_AP_GROUND6/64" dev "$INFLIGHT_AP_GROUND_IF" nodad &&
	ip -n "$ap" addr add "$INFLIGHT_AP_LL/64" dev "$INFLIGHT_AP_GROUND_IF" nodad &&
	ip -n "$gw" addr add "$INFLIGHT_GW4/24" dev "$INFLIGHT_GW_IF" &&
	ip -n "$gw" addr add "$INFLIGHT_OTHER4/24" dev "$INFLIGHT_GW_IF" &&
	ip -n "$gw" addr add "$INFLIGHT_GW6/64" dev "$INFLIGHT_GW_IF" nodad &&
	ip -n "$gw" addr add "$INFLIGHT_OTHER6/64" dev "$INFLIGHT_GW_IF" nodad ||
		return 1

	# Frames on the air, not TCP superpackets: what the access point
	# gets from the device and the ground is one MTU at a time, so that
	# the FIFO counts packets and netem loses packets.
	ip -n "$dev" link set "$INFLIGHT_DEVICE_IF" gso_max_segs 1 &&
	ip -n "$gw" link set "$INFLIGHT_GW_IF" gso_max_segs 1 || return 1

	ip -n "$dev" link set "$INFLIGHT_DEVICE_IF" up &&
	ip -n "$ap" link set "$INFLIGHT_AP_CABIN_IF" up &&
	ip -n "$ap" link set "$INFLIGHT_AP_GROUND_IF" up &&
	ip -n "$gw" link set "$INFLIGHT_GW_IF" up || return 1

	ip -n "$dev" route add 198.18.0.0/15 via "$INFLIGHT_AP_CABIN4" &&
	ip -n "$dev" route add fd00::/8 via "$INFLIGHT_AP_LL" \
		dev "$INFLIGHT_DEVICE_IF" &&
	ip -n "$gw" route add 198.18.0.0/15 via "$INFLIGHT_AP_GROUND4" &&
	ip -n "$gw" route add fd00::/8 via "$INFLIGHT_AP_LL" \
		dev "$INFLIGHT_GW_IF"
}

# topo_kill NS...: end every process in the namespaces, TERM then KILL.
topo_kill() {
	local ns pids i

	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		pids=
		for ns in "$@"; do
			topo_exists "$ns" || continue
			pids="$pids $(ip netns pids "$ns" 2>/dev/null)"
		done
		[ -n "${pids// /}" ] || return 0
		# shellcheck disable=SC2086 # a list of pids
		if [ $i = 1 ]; then
			kill -TERM $pids 2>/dev/null
		elif [ $i = 11 ]; then
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.1
	done
}

# topo_prio_pins NS: what 'ternctl prio attach' pinned for devices in NS
# (/sys/fs/bpf/tern/prio-<netns inode>-<ifindex>): the devices go away
# with the namespace, and so must their pins (as 'ternctl prio detach'
# would remove them).
topo_prio_pins() {
	local ino dir

	ino=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
	for dir in /sys/fs/bpf/tern/prio-"$ino"-*; do
		[ -d "$dir" ] || continue
		rm -f "$dir"/* && rmdir "$dir"
	done
	rmdir /sys/fs/bpf/tern 2>/dev/null
	return 0
}

# topo_destroy NS...: everything in and of these namespaces, those that
# exist. The links first (each takes its peer, qdiscs and filters with
# it), so that nothing waits for the namespaces' asynchronous cleanup.
topo_destroy() {
	local ns link

	topo_kill "$@"
	for ns in "$@"; do
		topo_exists "$ns" || continue
		topo_prio_pins "$ns"
		for link in $(ip -n "$ns" -o link show type veth 2>/dev/null |
			      sed -n 's/^[0-9]*: \([^@:]*\).*/\1/p'); do
			ip -n "$ns" link del "$link" 2>/dev/null
		done
		ip netns del "$ns" || return 1
	done
}

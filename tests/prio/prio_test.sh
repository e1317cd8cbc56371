#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternctl prio attach|detach|show on a veth pair in network namespaces of
# our own (198.18.0.1 and fd00::1 shaped, 198.18.0.2 and fd00::2 the
# peer), with the sanitizer build of ternctl:
#
# - every error path: usage (no --rate, bad rates), no such device, not
#   Ethernet (lo, a tun device), no permission (as nobody), a root qdisc
#   that is not ours, a failure half way (unwound: nothing left);
# - attach installs the tree, the filter, the pins and the GSO bound;
#   attach again changes nothing; a new rate, mark or --dscp-filter
#   updates in place, keeping the counters;
# - traffic: marked (IPv4, IPv6) and SO_PRIORITY traffic is push, in the
#   counters and in HTB's push class, packet for packet; the rest is bulk;
# - a foreign filter runs alongside ours and survives detach, in a clsact
#   qdisc that existed before (kept) or that we added (kept while it has
#   filters that are not ours);
# - detach restores exactly: tc qdisc show, tc filter show (egress and
#   ingress), ethtool -k, gso_max_segs/size and /sys/fs/bpf compare equal
#   before attach and after detach.
#
# It runs in a mount namespace of its own with a bpffs of its own at
# /sys/fs/bpf, and runs ternctl with nsenter --net (ip netns exec would
# hide that bpffs behind a fresh /sys). Everything is removed on exit,
# also on failure. Skips, saying why, only without root or namespaces.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
TERNCTL=${TERNCTL:-$build/san/bin/ternctl}
SEND=$DIR/prio_send
# The kselftest runner wraps us in stdbuf, whose LD_PRELOAD would make the
# sanitizer build refuse to start.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

skip_all() {
	[ -n "${HEADER:-}" ] || ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

if [ -z "${PRIO_TEST_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, tc, bpf)"
	for t in ip tc unshare nsenter setpriv python3; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	unshare --mount --propagation private true 2>/dev/null ||
		skip_all "cannot create a mount namespace"
	PRIO_TEST_INNER=1 exec unshare --mount --propagation private \
		"$0" "$@"
fi

ktap_print_header
HEADER=1
[ -x "$TERNCTL" ] || ktap_exit_fail_msg "no $TERNCTL: run 'make userspace'"
[ -x "$SEND" ] || ktap_exit_fail_msg "no $SEND: build the suite"

NS=tern-prio-$$
PEER=tern-prio-peer-$$
DEV=veth0
WORK=$(mktemp -d /tmp/tern-prio.XXXXXX)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
	skip_all "cannot mount a BPF file system (no CONFIG_BPF_SYSCALL?)"
ip netns add "$NS" 2>/dev/null || skip_all "no network namespaces"
ip netns add "$PEER" || ktap_exit_fail_msg "ip netns add $PEER failed"
ip -n "$NS" link add $DEV type veth peer name veth1 netns "$PEER" ||
	skip_all "no veth devices"

ktap_set_plan 68

nse() { nsenter --net=/run/netns/"$NS" "$@"; }

setup() {
	local mac
	ip -n "$NS" link set lo up &&
	ip -n "$PEER" link set lo up &&
	ip -n "$NS" addr add 198.18.0.1/24 dev $DEV &&
	ip -n "$NS" addr add fd00::1/64 dev $DEV nodad &&
	ip -n "$PEER" addr add 198.18.0.2/24 dev veth1 &&
	ip -n "$PEER" addr add fd00::2/64 dev veth1 nodad &&
	ip -n "$NS" link set $DEV up &&
	ip -n "$PEER" link set veth1 up &&
	# A second pair, where the foreign filter mirrors to.
	ip -n "$NS" link add fx0 type veth peer name fx1 &&
	ip -n "$NS" link set fx0 up &&
	ip -n "$NS" link set fx1 up || return 1
	# No ARP or neighbour discovery: exact counts.
	mac=$(ip -n "$PEER" -br link show veth1 | awk '{ print $3 }')
	ip -n "$NS" neigh replace 198.18.0.2 lladdr "$mac" dev $DEV \
		nud permanent &&
	ip -n "$NS" neigh replace fd00::2 lladdr "$mac" dev $DEV nud permanent
}
setup || ktap_exit_fail_msg "could not set up the namespaces"

# t ARGS...: run ternctl in the namespace; sets RC, OUT and ERR.
t() {
	OUT=$(nse "$TERNCTL" "$@" 2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
	cat "$WORK/err" >>"$WORK/all.err"
}

# t_nobody ARGS...: the same, as nobody with no capabilities.
t_nobody() {
	OUT=$(nse "${NOBODY[@]}" "$TERNCTL" "$@" 2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
	cat "$WORK/err" >>"$WORK/all.err"
}

# check NAME EXPECTED-REGEX ACTUAL: one KTAP case.
check() {
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

# expect NAME RC REGEX: the last t exited RC and said REGEX (out or err).
expect() {
	check "$1" "^rc=$2 .*$3" "rc=$RC $OUT $ERR"
}

# same NAME FILE-BEFORE FILE-AFTER
same() {
	if diff -u "$2" "$3" >"$WORK/diff"; then
		ktap_test_pass "$1"
	else
		sed 's/^/# /' "$WORK/diff"
		ktap_test_fail "$1"
	fi
}

# snap FILE: everything attach may touch and detach must restore.
snap() {
	{
		nse tc qdisc show dev $DEV
		echo "-- egress"
		nse tc filter show dev $DEV egress
		echo "-- ingress"
		nse tc filter show dev $DEV ingress
		echo "-- features"
		nse ethtool -k $DEV 2>&1 || echo "(no ethtool)"
		echo "-- link"
		ip -n "$NS" -d link show dev $DEV |
			grep -o 'gso_max_[a-z]* [0-9]*\|tso_max_[a-z]* [0-9]*'
		echo "-- bpffs"
		find /sys/fs/bpf | sort
	} >"$1" 2>&1
}

# jget KEY.KEY...: a value of 'ternctl prio show -j'.
jget() {
	nse "$TERNCTL" prio show $DEV -j 2>>"$WORK/all.err" |
		python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$1"
}

# drain: wait (up to 5 s) until the qdiscs on $DEV hold no packet, so
# that what the program counted has gone through HTB's classes.
drain() {
	local _
	for _ in $(seq 100); do
		nse tc -s qdisc show dev $DEV | grep backlog |
			grep -vq "backlog 0b 0p" || return 0
		sleep 0.05
	done
	echo "# the qdiscs on $DEV did not drain"
}

# class_stat CLASSID pkt|bytes: what HTB's class sent.
class_stat() {
	drain
	nse tc -s class show dev $DEV classid "$1" |
		sed -n "s/.*Sent \([0-9]*\) bytes \([0-9]*\) pkt.*/\\$([ "$2" = pkt ] && echo 2 || echo 1)/p"
}

send() {	# send [prio_send options] ADDR: 10 datagrams to port 9
	ip netns exec "$NS" "$SEND" -n 10 "$@" 9
}

prog_id() {
	nse tc filter show dev $DEV egress | sed -n 's/.*tern_prio.* id \([0-9]*\) .*/\1/p'
}

gso() {
	ip -n "$NS" -d link show dev $DEV | sed -n 's/.*gso_max_segs \([0-9]*\).*/\1/p'
}

# --- errors before anything is attached ---

snap "$WORK/fresh"

t prio attach $DEV
expect "attach without --rate is a usage error" 2 "missing --rate RATE"
for r in 0 0kbit -1mbit abc 1mbps 1000 1.5bit 2tbit \
	 99999999999999999999999gbit ""; do
	t prio attach $DEV --rate "$r"
	expect "--rate '$r' is refused, naming it" 2 \
		"invalid rate '$(printf '%s' "$r" | sed 's/[.]/[.]/g')': it "
done
t prio attach nosuch0 --rate 1mbit
expect "attach on a missing device says so" 1 "no device 'nosuch0'"
t prio detach nosuch0
expect "detach on a missing device says so" 1 "no device 'nosuch0'"
t prio show nosuch0
expect "show on a missing device says so" 1 "no device 'nosuch0'"
t prio attach lo --rate 1mbit
expect "lo is refused: not Ethernet" 1 \
	"lo is not an Ethernet device \\(link type loopback\\)"
if ip -n "$NS" tuntap add dev tun0 mode tun 2>/dev/null; then
	t prio attach tun0 --rate 1mbit
	expect "a tun device is refused: not Ethernet" 1 \
		"tun0 is not an Ethernet device \\(link type none"
	ip -n "$NS" link del tun0
else
	ktap_test_skip "a tun device is refused: not Ethernet (no tun here)"
fi
t_nobody prio attach $DEV --rate 1mbit
expect "attach as nobody: permission denied" 1 "permission denied"
snap "$WORK/after"
same "attach as nobody leaves nothing behind" "$WORK/fresh" "$WORK/after"

nse tc qdisc add dev $DEV root handle 1: tbf rate 1mbit burst 10kb \
	latency 50ms
snap "$WORK/tbf"
t prio attach $DEV --rate 1mbit
expect "a root qdisc that is not ours is named and kept" 1 \
	"has a root qdisc that ternctl did not install, tbf 1:"
snap "$WORK/after"
same "refusing it changes nothing" "$WORK/tbf" "$WORK/after"
nse tc qdisc del dev $DEV root

# Something in the way of the pins: attach fails after the tree, the GSO
# bound and clsact are in, and must take them all out again.
if command -v bpftool >/dev/null &&
   bpftool map create /sys/fs/bpf/tern type array key 4 value 4 \
	entries 1 name tern_blocker 2>/dev/null; then
	snap "$WORK/blocked"
	t prio attach $DEV --rate 1mbit
	expect "a failure half way is reported" 1 "creating /sys/fs/bpf/tern/prio-"
	snap "$WORK/after"
	same "and unwound: nothing is left" "$WORK/blocked" "$WORK/after"
	rm -f /sys/fs/bpf/tern
else
	ktap_test_skip "a failure half way is reported (no bpftool)"
	ktap_test_skip "and unwound: nothing is left (no bpftool)"
fi

t prio show $DEV
expect "show on a device never attached: detached" 0 "$DEV +detached +-"
t prio detach $DEV
expect "detach on a device never attached does nothing" 0 \
	"not attached, nothing to detach"

# --- attach, traffic, updates, detach ---

t prio attach $DEV --rate 1mbit
expect "attach $DEV --rate 1mbit" 0 "$DEV: attached, rate 1mbit"
check "the root is htb 7e2e:, default class bulk" \
	"qdisc htb 7e2e: root .*default 0x20" "$(nse tc qdisc show dev $DEV)"
classes=$(nse tc class show dev $DEV)
check "push class: prio 0, a quarter guaranteed, the rest borrowed" \
	"class htb 7e2e:10 parent 7e2e:1 (leaf [0-9a-f]+: )?prio 0 rate 250Kbit ceil 1Mbit" \
	"$classes"
check "bulk class: prio 1, the rest of the rate" \
	"class htb 7e2e:20 parent 7e2e:1 (leaf [0-9a-f]+: )?prio 1 rate 750Kbit ceil 1Mbit" \
	"$classes"
check "the program is on clsact egress at pref 32302 handle 0x7e2e" \
	"pref 32302 bpf chain 0 handle 0x7e2e tern_prio" \
	"$(nse tc filter show dev $DEV egress)"
pins=$(jget pins)
check "prog, stats and state are pinned under /sys/fs/bpf/tern" \
	"^/sys/fs/bpf/tern/prio-[0-9]+-[0-9]+: prog stats state $" \
	"$pins: $(for f in prog stats state; do
		[ -e "$pins/$f" ] && printf '%s ' $f
	   done)"
check "gso_max_segs is 1 at 1mbit" "^1$" "$(gso)"
t prio show $DEV
expect "show: attached at 1mbit, counters in the table" 0 \
	"DEV +STATE +RATE +PUSH-PKTS .*$DEV +attached +1mbit +[0-9]+"
check "show -j: state, classes, pins" "^attached 7e2e:10 /sys/fs/bpf/tern/prio-" \
	"$(jget state) $(jget qdisc.push-class) $(jget pins)"

snap "$WORK/once"
nse tc class show dev $DEV >>"$WORK/once"
t prio attach $DEV --rate 1mbit
snap "$WORK/twice"
nse tc class show dev $DEV >>"$WORK/twice"
expect "attach again with the same rate: unchanged" 0 "unchanged"
same "and nothing changed" "$WORK/once" "$WORK/twice"

push0=$(jget counters.push.packets)
send -m 0x1000 198.18.0.2
check "marked IPv4 traffic is push" "^$((push0 + 10))$" \
	"$(jget counters.push.packets)"
send -m 0x1000 fd00::2
check "marked IPv6 traffic is push" "^$((push0 + 20))$" \
	"$(jget counters.push.packets)"
send -m 0x3000 -p 6 198.18.0.2
send -p 6 fd00::2
check "SO_PRIORITY 6, and a mark with other bits too, are push" \
	"^$((push0 + 40))$" "$(jget counters.push.packets)"
bulk0=$(jget counters.bulk.packets)
send 198.18.0.2
send -m 0x2000 -p 5 fd00::2
check "unmarked traffic and other marks are not push" \
	"^$((push0 + 40))$" "$(jget counters.push.packets)"
check "... but bulk" "^yes$" \
	"$([ "$(jget counters.bulk.packets)" -ge $((bulk0 + 20)) ] && echo yes)"
check "HTB's push class sent exactly the push packets and bytes" \
	"^$(jget counters.push.packets) $(jget counters.push.bytes)$" \
	"$(class_stat 7e2e:10 pkt) $(class_stat 7e2e:10 bytes)"
check "HTB's bulk class sent the bulk packets" "^yes$" \
	"$([ "$(class_stat 7e2e:20 pkt)" -ge 20 ] && echo yes)"

id0=$(prog_id)
t prio attach $DEV --rate 200mbit
expect "attach with another rate updates it" 0 "rate 200mbit \\(was 1mbit\\)"
check "the classes have the new rate, the program stays" \
	"class htb 7e2e:1 root rate 200Mbit ceil 200Mbit .* $id0$" \
	"$(nse tc class show dev $DEV | tr '\n' ' ') $(prog_id)"
check "gso_max_segs follows the rate: 1 ms at 200mbit is 16 segments" \
	"^16$" "$(gso)"

push1=$(jget counters.push.packets)
t prio attach $DEV --rate 200mbit --mark 0x2000/0x2000
expect "a new mark: the program is replaced" 0 "updated"
check "... in place, keeping the counters" "^yes $push1$" \
	"$([ "$(prog_id)" != "$id0" ] && echo yes) $(jget counters.push.packets)"
send -m 0x1000 198.18.0.2
send -m 0x2000 198.18.0.2
check "the new mark is push, the old one not" "^$((push1 + 10)) 8192$" \
	"$(jget counters.push.packets) $(jget config.mark)"

pclass=$(class_stat 7e2e:10 pkt)
push2=$(jget counters.push.packets)
t prio attach $DEV --rate 200mbit --mark 0x2000/0x2000 --dscp-filter
expect "--dscp-filter adds DSCP filters to the root" 0 "updated"
check "u32 filters on 7e2e: for IPv4 and IPv6" \
	"protocol ip pref 1 u32 .*protocol ipv6 pref 2 u32 .*flowid 7e2e:10" \
	"$(nse tc filter show dev $DEV parent 7e2e: | tr '\n' ' ')"
send -t 0xa1 198.18.0.2
send -t 0xa2 fd00::2
check "CS5 from an unmarked socket: not push to the program, push to HTB" \
	"^$push2 $((pclass + 20))$" \
	"$(jget counters.push.packets) $(class_stat 7e2e:10 pkt)"
t prio attach $DEV --rate 200mbit --mark 0x2000/0x2000
check "attach without --dscp-filter takes them out" "^0 -$" \
	"$RC -$(nse tc filter show dev $DEV parent 7e2e:)"

# A root that is no longer ours refuses an update before the program is
# touched; once it is gone, attach puts the tree back.
id1=$(prog_id)
nse tc qdisc replace dev $DEV root handle 1: tbf rate 1mbit burst 10kb \
	latency 50ms
t prio attach $DEV --rate 200mbit --mark 0x4000/0x4000
expect "an update over a root that is not ours any more is refused" 1 \
	"its root qdisc is now tbf 1:, not ternctl's"
check "... before the program or its mark changed" "^$id1 8192$" \
	"$(prog_id) $(jget config.mark)"
nse tc qdisc del dev $DEV root
t prio attach $DEV --rate 200mbit --mark 0x2000/0x2000
check "attach puts a deleted tree back, program kept" \
	"^0 .*updated .*class htb 7e2e:1 root rate 200Mbit .* $id1$" \
	"$RC $OUT $(nse tc class show dev $DEV | tr '\n' ' ') $(prog_id)"

t_nobody prio detach $DEV
expect "detach as nobody: permission denied" 1 "permission denied"
t_nobody prio show $DEV
expect "show as nobody: permission denied" 1 "permission denied"
t_nobody prio attach $DEV --rate 1mbit
expect "attach as nobody on an attached device: permission denied" 1 \
	"permission denied"
check "and it is still attached at 200mbit" "^attached 200000000$" \
	"$(jget state) $(jget rate)"

t prio detach $DEV
expect "detach" 0 "$DEV: detached"
snap "$WORK/after"
same "detach restores qdiscs, filters, features, GSO and bpffs exactly" \
	"$WORK/fresh" "$WORK/after"

# --- a clsact and a foreign filter that were there before ---

nse tc qdisc add dev $DEV clsact
nse tc filter add dev $DEV egress protocol ip pref 40000 u32 \
	match u32 0 0 action mirred egress mirror dev fx0
snap "$WORK/foreign"
t prio attach $DEV --rate 1mbit
expect "attach next to a foreign filter in a clsact that was there" 0 \
	"attached"
fx0=$(ip netns exec "$NS" cat /sys/class/net/fx0/statistics/tx_packets)
push0=$(jget counters.push.packets)
send -m 0x1000 198.18.0.2
check "both see the traffic: ours first, then the foreign one" \
	"^$((push0 + 10)) $((fx0 + 10))$" \
	"$(jget counters.push.packets) $(ip netns exec "$NS" cat /sys/class/net/fx0/statistics/tx_packets)"
t prio detach $DEV
snap "$WORK/after"
same "detach leaves that clsact and filter exactly as they were" \
	"$WORK/foreign" "$WORK/after"
nse tc qdisc del dev $DEV clsact

# --- a foreign filter added to the clsact we added ---

t prio attach $DEV --rate 1mbit
nse tc filter add dev $DEV egress protocol ip pref 40000 u32 match u32 0 0
t prio detach $DEV
expect "detach says the clsact stays for a filter not ours" 0 \
	"detached.*clsact qdisc stays: it holds filters ternctl did not add: egress pref 40000$"
egress=$(nse tc filter show dev $DEV egress)
check "the foreign filter survives, ours is gone, the clsact stays" \
	"^clsact:yes u32:yes ours:no$" \
	"clsact:$(nse tc qdisc show dev $DEV | grep -q clsact && echo yes || echo no) u32:$(grep -q 'pref 40000 u32' <<<"$egress" && echo yes || echo no) ours:$(grep -q 'pref 32302' <<<"$egress" && echo yes || echo no)"
nse tc qdisc del dev $DEV clsact
snap "$WORK/after"
same "and with the foreign clsact gone, the device is as it was" \
	"$WORK/fresh" "$WORK/after"

if grep -Eq "AddressSanitizer|runtime error|LeakSanitizer" "$WORK/all.err"; then
	grep -E -A20 "AddressSanitizer|runtime error|LeakSanitizer" \
		"$WORK/all.err" | sed 's/^/# /' | head -40
	ktap_test_fail "ternctl ran sanitizer-clean"
else
	ktap_test_pass "ternctl ran sanitizer-clean"
fi

ktap_finished

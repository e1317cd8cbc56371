#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-flight link simulator, tools/inflight/inflight, with the
# sanitizer build of its messaging-only loader:
#
# - options: bad rates, queues, delays, losses, endpoints, names are
#   refused, naming the value, and create nothing;
# - a topology comes up with only 198.18.0.0/15 and fd00::/8 addresses and
#   routes, TBF and a 1000-packet FIFO on the access point each way, netem
#   where the kernel has it (or a note where not), IPv4 and IPv6 traffic;
# - shaping: a bulk upload gets 0.7 to 1.1 of the uplink's rate (and a
#   download of the downlink's), the queue builds in the AP's FIFO (not on
#   the device), and a probe marked CS5 waits behind it; a second instance
#   beside the first (2mbit, a 20-packet FIFO that drops beyond 20, --json);
# - teardown: down removes everything (namespaces, links, processes in
#   them, programs, the pins 'ternctl prio' left for the device) and
#   again does nothing; a failure half way in up leaves nothing; an
#   existing name is refused and kept; run gives CMD the variables and
#   its exit status, ends what CMD left in the namespaces, and on SIGTERM
#   ends CMD and removes everything;
# - messaging only: TCP to the gateway's endpoints gets through, IPv4 and
#   IPv6, with ARP and neighbour discovery from cold caches; another
#   port, another address, the access point itself, UDP, ICMP, and bulk
#   traffic that sets the push DSCP (CS5) itself do not, nor does the
#   ground reach the device; the filter counts it; the loader refuses a
#   bad endpoint and a missing device; detach lets the rest through.
#
# It runs in a mount namespace of its own (its network namespaces are
# nobody else's) with a bpffs of its own at /sys/fs/bpf. Instances are
# named tern-if-t<pid>-*; everything is removed on exit, also on failure.
# Skips, saying why, only without root or namespaces.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
INFLIGHT=$top/tools/inflight/inflight
export INFLIGHT_FILTER=${INFLIGHT_FILTER:-$build/san/bin/tern-inflight-filter}
ECHO=$DIR/inflight_echo
BULK=$DIR/inflight_bulk
# The kselftest runner wraps us in stdbuf, whose LD_PRELOAD would make the
# sanitizer build refuse to start.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

skip_all() {
	[ -n "${HEADER:-}" ] || ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

if [ -z "${INFLIGHT_TEST_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, tc, bpf)"
	for t in ip tc setsid awk python3 unshare nsenter; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	# A mount namespace of our own: our network namespaces are seen by
	# nobody else, and a bpffs of our own holds what ternctl pins.
	unshare --mount --propagation private true 2>/dev/null ||
		skip_all "cannot create a mount namespace"
	INFLIGHT_TEST_INNER=1 exec unshare --mount --propagation private \
		"$0" "$@"
fi

ktap_print_header
HEADER=1
[ -x "$INFLIGHT" ] || ktap_exit_fail_msg "no $INFLIGHT"
[ -x "$INFLIGHT_FILTER" ] ||
	ktap_exit_fail_msg "no $INFLIGHT_FILTER: run 'make userspace'"
if [ ! -x "$ECHO" ] || [ ! -x "$BULK" ]; then
	ktap_exit_fail_msg "no $ECHO or $BULK: build the suite"
fi

PFX=tern-if-t$$
WORK=$(mktemp -d /tmp/tern-inflight.XXXXXX)
BG=()

cleanup() {
	local ns

	[ ${#BG[@]} = 0 ] || kill "${BG[@]}" 2>/dev/null
	for ns in $(ip netns list | awk -v p="$PFX-" 'index($1, p) == 1 { print $1 }'); do
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

# The BPF file system, for the pins of 'ternctl prio' that down removes.
BPFFS=yes
mount -t bpf bpf /sys/fs/bpf 2>/dev/null || BPFFS=no
TERNCTL=$build/bin/ternctl
ip netns add "$PFX-probe" 2>/dev/null || skip_all "no network namespaces"
ip -n "$PFX-probe" link add v0 type veth peer name v1 2>/dev/null ||
	skip_all "no veth devices"
ip netns del "$PFX-probe"

ktap_set_plan 87

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

# same NAME FILE-BEFORE FILE-AFTER
same() {
	if diff -u "$2" "$3" >"$WORK/diff"; then
		ktap_test_pass "$1"
	else
		sed 's/^/# /' "$WORK/diff"
		ktap_test_fail "$1"
	fi
}

# yes_if CONDITION...: "yes" or "no", for check.
yes_if() {
	if "$@"; then echo yes; else echo no; fi
}

# snap FILE: what an instance of ours could leave behind.
snap() {
	{
		echo "-- namespaces"
		ip netns list | awk -v p="$PFX-" 'index($1, p) == 1 { print $1 }'
		echo "-- host links of ours"
		ip -o link show | awk -F': ' '$2 ~ /^(cabin|sat)[01]/ { print $2 }'
		echo "-- bpffs"
		find /sys/fs/bpf 2>&1 | sort
		echo "-- helpers still running"
		pgrep -af "$DIR/inflight_(echo|bulk)"
	} >"$1" 2>&1
}

# ifl ARGS...: the tool; sets RC, OUT and ERR.
ifl() {
	OUT=$("$INFLIGHT" "$@" 2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
	cat "$WORK/err" >>"$WORK/all.err"
}

# load NAME: the variables of instance NAME (its up output).
load() {
	# shellcheck disable=SC1090
	. "$WORK/$1.env"
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# serve NS ARGS...: an echo server in NS, once it listens.
serve() {
	local ns=$1 out=$WORK/serve.$RANDOM _
	shift
	in_ns "$ns" "$ECHO" serve "$@" >"$out" 2>&1 &
	BG+=($!)
	for _ in $(seq 100); do
		grep -q ready "$out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# the echo server in $ns did not start: $(cat "$out")"
}

# probe NS ARGS...: inflight_echo probe in NS; prints its line.
probe() {
	local ns=$1
	shift
	in_ns "$ns" "$ECHO" probe "$@" 2>&1
}

filter_show() {
	in_ns "$INFLIGHT_NS_AP" "$INFLIGHT_FILTER" show \
		"$INFLIGHT_AP_CABIN_IF" "$INFLIGHT_AP_GROUND_IF" 2>>"$WORK/all.err"
}

# fget KEY: a value of the loader's show.
fget() {
	filter_show | awk -v k="$1" '$1 == k { print $2 }'
}

# fifo_backlog NS DEV: packets in the FIFO (10:); fifo_dropped likewise.
fifo_stat() {
	in_ns "$1" tc -s qdisc show dev "$2" |
		awk -v w="$3" '/^qdisc pfifo 10:/ { f = 1 } f && w == "backlog" && /backlog/ {
			sub(/p$/, "", $3); print $3; exit }
			f && w == "dropped" && /dropped/ { gsub(/,/, "", $7); print $7; exit }'
}

# rate NAME DIR EXPECTED-BPS [probe]: the bulk transfer's rate, checked
# against 0.7 to 1.1 of EXPECTED. up: device -> another ground host; down:
# the ground -> device. Samples the uplink FIFO while loaded (SAMPLES);
# with "probe", the device's qdisc (DEVICE_QDISC) and a CS5 probe to the
# gateway's echo server (LOADED_PROBE) as well.
rate() {
	local name=$1 dir=$2 want=$3 with=${4:-} src dst addr start end got
	local sink=$WORK/sink.$dir.$name src_out=$WORK/src.$dir.$name fifo_dev i loaded step _

	if [ "$dir" = up ]; then
		src=$INFLIGHT_NS_DEVICE dst=$INFLIGHT_NS_GW addr=$INFLIGHT_OTHER4
		fifo_dev=$INFLIGHT_AP_GROUND_IF
	else
		src=$INFLIGHT_NS_GW dst=$INFLIGHT_NS_DEVICE addr=$INFLIGHT_DEVICE4
		fifo_dev=$INFLIGHT_AP_CABIN_IF
	fi
	# Slow start needs a few round trips where there is a delay.
	start=$(awk -v d="$INFLIGHT_DELAY_MS" 'BEGIN { print 0.5 + 6 * 2 * d / 1000 }')
	end=$(awk -v s="$start" 'BEGIN { print s + 2.5 }')
	in_ns "$dst" "$BULK" sink -s "$start" -e "$end" 6001 >"$sink" 2>&1 &
	BG+=($!)
	for _ in $(seq 100); do
		grep -q ready "$sink" && break
		sleep 0.05
	done
	in_ns "$src" "$BULK" source -d "$(awk -v e="$end" 'BEGIN { print e + 1 }')" \
		"$addr" 6001 >"$src_out" 2>&1 &
	BG+=($!)
	# Samples over the measuring window, from its start.
	step=$(awk -v s="$start" -v e="$end" 'BEGIN { print (e - s) / 10 }')
	sleep "$(awk -v s="$start" -v t="$step" 'BEGIN { print (s > t ? s - t : 0) }')"
	SAMPLES=()
	for i in $(seq 10); do
		sleep "$step"
		SAMPLES+=("$(fifo_stat "$INFLIGHT_NS_AP" "$fifo_dev" backlog)")
		# A probe once the queue has built up: it waits behind it.
		if [ "$i" = 4 ] && [ -n "$with" ]; then
			probe "$INFLIGHT_NS_DEVICE" -T 0xa0 -w 20000 tcp \
				"$INFLIGHT_GW4" 5222 >"$WORK/loaded.probe" &
			loaded=$!
		fi
	done
	if [ -n "$with" ]; then
		DEVICE_QDISC=$(in_ns "$INFLIGHT_NS_DEVICE" tc qdisc show dev "$INFLIGHT_DEVICE_IF")
		wait "$loaded"
		LOADED_PROBE=$(cat "$WORK/loaded.probe")
	fi
	for _ in $(seq 300); do
		grep -q "bps=\|no connection\|ended" "$sink" && break
		sleep 0.05
	done
	got=$(sed -n 's/.*bps=\([0-9]*\).*/\1/p' "$sink")
	echo "# $name $dir: $(grep -v ready "$sink" | tr "\n" " ")configured $want bit/s; $fifo_dev FIFO backlog samples (packets): ${SAMPLES[*]}"
	check "$name: $dir rate $got bit/s is 0.7 to 1.1 of $want" "^yes$" \
		"$(yes_if awk -v g="${got:-0}" -v w="$want" \
			'BEGIN { exit !(g >= 0.7 * w && g <= 1.1 * w) }')"
	wait "${BG[@]: -1}" 2>/dev/null
}

max_of() {
	printf '%s\n' "$@" | sort -n | tail -1
}

# ---------------------------------------------------------------------
# Options are refused, naming the value, and create nothing.

snap "$WORK/fresh"
# OPTION VALUE|what the error names
for bad in "--up 0mbit|--up '0mbit'" "--up 1mbps|--up '1mbps'" \
	   "--down 20gbit|--down '20gbit'" "--queue 0|--queue '0'" \
	   "--queue 10p|--queue '10p'" "--delay 5|--delay '5'" \
	   "--delay 0.5ms|--delay '0.5ms'" "--loss 101|--loss '101'" \
	   "--messaging-only 8.8.8.8:53|'8.8.8.8:53': not PORT" \
	   "--messaging-only [2001:db8::1]:80|'\\[2001:db8::1\\]:80': not" \
	   "--messaging-only 198.18.2.2:70000|'198.18.2.2:70000'" \
	   "--name a/b|--name 'a/b'" "--frobnicate x|unknown option '--frobnicate'"; do
	read -r opt val <<<"${bad%%|*}"
	ifl up "$opt" "$val"
	check "up $opt $val is refused" "^rc=2 .*${bad#*|}" "rc=$RC $ERR"
done
ifl run --name "$PFX-x"
check "run without -- CMD is refused" "^rc=2 .*run needs -- CMD" "rc=$RC $ERR"
ifl down "a b"
check "down with a bad name is refused" "^rc=2 .*'a b' is not a name" "rc=$RC $ERR"
snap "$WORK/after"
same "refused options create nothing" "$WORK/fresh" "$WORK/after"

# ---------------------------------------------------------------------
# Instance a: the defaults.

ifl up --name "$PFX-a"
printf '%s\n' "$OUT" >"$WORK/$PFX-a.env"
check "up --name $PFX-a" "^rc=0 INFLIGHT_NAME='$PFX-a'" "rc=$RC $OUT"
load "$PFX-a"
check "the three namespaces are there" "^yes yes yes$" \
	"$(for n in dev ap gw; do yes_if test -e "/run/netns/$PFX-a-$n"; done | xargs)"

addrs=$(for ns in "$INFLIGHT_NS_DEVICE" "$INFLIGHT_NS_AP" "$INFLIGHT_NS_GW"; do
	ip -n "$ns" -o addr show | awk '{ print $4 }'
done)
check "every address is in 198.18.0.0/15 or fd00::/8 (or link-local, lo)" \
	"^$" "$(printf '%s\n' "$addrs" | grep -Ev \
		'^(198\.1[89]\.[0-9.]+|fd[0-9a-f]{2}:[0-9a-f:]*|fe80:[0-9a-f:]*|127\.0\.0\.1|::1)/[0-9]+$')"
routes=$(for ns in "$INFLIGHT_NS_DEVICE" "$INFLIGHT_NS_GW"; do
	ip -n "$ns" -4 route show; ip -n "$ns" -6 route show
done | awk '{ print $1 }' | LC_ALL=C sort -u | xargs)
check "only 198.18.0.0/15 and fd00::/8 are routed" \
	"^198\.18\.0\.0/15 198\.18\.1\.0/24 198\.18\.2\.0/24 fd00:7e2e:1::/64 fd00:7e2e:2::/64 fd00::/8 fe80::/64( multicast)?$" \
	"$routes"

qd_up=$(in_ns "$INFLIGHT_NS_AP" tc qdisc show dev "$INFLIGHT_AP_GROUND_IF")
qd_down=$(in_ns "$INFLIGHT_NS_AP" tc qdisc show dev "$INFLIGHT_AP_CABIN_IF")
check "uplink on the AP's sat0: tbf 1Mbit, then pfifo 10: limit 1000p" \
	"qdisc tbf 2: .*rate 1Mbit .*qdisc pfifo 10: parent 2:1 limit 1000p" \
	"$(tr '\n' ' ' <<<"$qd_up")"
check "downlink on the AP's cabin1: tbf 5Mbit, then pfifo 10: limit 1000p" \
	"qdisc tbf 2: .*rate 5Mbit .*qdisc pfifo 10: parent 2:1 limit 1000p" \
	"$(tr '\n' ' ' <<<"$qd_down")"
if [ "$INFLIGHT_NETEM" = 1 ]; then
	check "netem: 300ms each way, the shaper below it" \
		"^qdisc netem 1: root .*delay 300ms.*qdisc tbf 2: parent 1:1 .*qdisc netem 1: root .*delay 300ms.*qdisc tbf 2: parent 1:1 " \
		"$(tr '\n' ' ' <<<"$qd_up $qd_down")"
else
	check "no netem here: up says so, and sets no delay" \
		"^0 0 .*this kernel has no netem \\(sch_netem\\): no delay, no loss" \
		"$INFLIGHT_DELAY_MS $INFLIGHT_LOSS $(cat "$WORK/err")"
fi

serve "$INFLIGHT_NS_GW" -t 5222 -u 5222
P=$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW4" 5222)
check "TCP over IPv4 through the link" "^through " "$P"
if [ "$INFLIGHT_NETEM" = 1 ]; then
	check "the connection takes the satellite's round trip (600 ms)" \
		"^yes$" "$(yes_if awk -v l="$P" 'BEGIN { split(l, a, /[= ]/); exit !(a[3] >= 590) }')"
else
	ktap_test_skip "the connection takes the satellite's round trip (no netem in this kernel: the VM kernel has it)"
fi
check "TCP over IPv6 through the link" "^through " \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW6" 5222)"
check "UDP and ICMP, IPv4 and IPv6, get through too (no filter)" \
	"^through.*through.*through.*through" \
	"$(for a in "$INFLIGHT_GW4" "$INFLIGHT_GW6"; do
		probe "$INFLIGHT_NS_DEVICE" -w 5000 udp "$a" 5222
		probe "$INFLIGHT_NS_DEVICE" -w 5000 icmp "$a"
	   done | xargs)"

if [ "$INFLIGHT_NETEM" = 0 ]; then
	snap "$WORK/before"
	ifl up --name "$PFX-n" --delay 300ms
	check "--delay without netem is refused" \
		"^rc=1 .*no netem \\(sch_netem\\): --delay and --loss need it" \
		"rc=$RC $ERR"
	snap "$WORK/after"
	same "... leaving nothing" "$WORK/before" "$WORK/after"
else
	ktap_test_skip "--delay without netem is refused (this kernel has netem)"
	ktap_test_skip "... leaving nothing (this kernel has netem)"
fi

# Shaping, and where the queue forms.
rate "$PFX-a" up "$INFLIGHT_UP_RATE" probe
# With a satellite's delay, TCP leaves slow start (HyStart) as soon as the
# round trip grows, and then grows its window slowly: some queue, not yet
# a long one. Without, every packet in flight is in the queue.
min_q=20
[ "$INFLIGHT_DELAY_MS" = 0 ] || min_q=1
check "the queue forms in the AP's FIFO: at least $min_q packets under load" \
	"^yes$" "$(yes_if test "$(max_of "${SAMPLES[@]}")" -ge $min_q)"
check "none on the device: its veth has no qdisc to queue in" \
	"^qdisc noqueue " "$DEVICE_QDISC"
echo "# a CS5 probe under load: $LOADED_PROBE"
check "a probe marked CS5 waits in the FIFO like the rest (>= 100 ms)" \
	"^yes$" "$(yes_if awk -v l="$LOADED_PROBE" \
		'BEGIN { if (l !~ /^through/) exit 1; split(l, a, /[= ]/)
			 exit !(a[3] + a[5] >= 100) }')"
rate "$PFX-a" down "$INFLIGHT_DOWN_RATE"

# ---------------------------------------------------------------------
# Instance b beside a: another rate and a small FIFO, as JSON.

ifl up --name "$PFX-b" --up 2mbit --queue 20 --json
printf '%s\n' "$OUT" >"$WORK/$PFX-b.json"
check "a second instance comes up beside the first (--json)" \
	"^0 $PFX-b-dev 2000000 20 \\[\\]$" \
	"$RC $(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["ns_device"], d["up_rate"], d["queue"], d["messaging_only"])' "$WORK/$PFX-b.json" 2>&1)"
python3 -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    print("INFLIGHT_%s=\x27%s\x27" % (k.upper(), " ".join(v) if isinstance(v, list) else v))' \
	"$WORK/$PFX-b.json" >"$WORK/$PFX-b.env"
load "$PFX-b"
check "its pfifo has limit 20p" "qdisc pfifo 10: parent 2:1 limit 20p" \
	"$(in_ns "$INFLIGHT_NS_AP" tc qdisc show dev "$INFLIGHT_AP_GROUND_IF")"
rate "$PFX-b" up 2000000
drops=$(fifo_stat "$INFLIGHT_NS_AP" "$INFLIGHT_AP_GROUND_IF" dropped)
check "the 20-packet FIFO never holds more than 20, and drops" "^yes yes$" \
	"$(yes_if test "$(max_of "${SAMPLES[@]}")" -le 20) $(yes_if test "${drops:-0}" -gt 0)"
if [ $BPFFS = no ] || [ ! -x "$TERNCTL" ]; then
	why="no BPF file system"
	[ $BPFFS = no ] || why="no $TERNCTL: run 'make userspace'"
	ktap_test_skip "ternctl prio attach on b's device pins its state ($why)"
	ktap_test_skip "down removes those pins ($why)"
	ifl down "$PFX-b"
else
	nsenter --net="/run/netns/$INFLIGHT_NS_DEVICE" "$TERNCTL" prio attach \
		"$INFLIGHT_DEVICE_IF" --rate 1800kbit >/dev/null 2>>"$WORK/all.err"
	ino=$(stat -L -c %i "/run/netns/$INFLIGHT_NS_DEVICE")
	check "ternctl prio attach on b's device pins its state" \
		"^/sys/fs/bpf/tern/prio-$ino-[0-9]+$" \
		"$(find /sys/fs/bpf/tern -maxdepth 1 -name "prio-$ino-*" 2>&1)"
	ifl down "$PFX-b"
	check "down removes those pins" "^$" \
		"$(find /sys/fs/bpf/tern -maxdepth 1 -name "prio-$ino-*" 2>/dev/null)"
fi
load "$PFX-a"
check "down $PFX-b removes b and leaves a" "^0 .*removed no yes$" \
	"$RC $OUT $(yes_if test -e "/run/netns/$PFX-b-ap") $(yes_if test -e "/run/netns/$PFX-a-ap")"
check "a still carries traffic" "^through " \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW4" 5222)"

ifl down "$PFX-a"
check "down $PFX-a" "^0 .*$PFX-a: removed$" "$RC $OUT"
snap "$WORK/after"
same "nothing is left: namespaces, links, bpffs, processes in them" \
	"$WORK/fresh" "$WORK/after"
ifl down "$PFX-a"
check "down again: nothing to remove" "^0 .*nothing to remove$" "$RC $OUT"

# ---------------------------------------------------------------------
# Failures and names.

INFLIGHT_FILTER=/bin/false ifl up --name "$PFX-f" --messaging-only 5222
check "a failure half way (the filter) is reported" \
	"^rc=1 .*could not attach the messaging-only filter" "rc=$RC $ERR"
snap "$WORK/after"
same "... and what was made is removed" "$WORK/fresh" "$WORK/after"

# ---------------------------------------------------------------------
# run

# shellcheck disable=SC2016 # for the command's shell
ifl run --name "$PFX-r" -- bash -c '
	env | grep ^INFLIGHT_ | sort >"$0/run.env"
	ip netns exec "$INFLIGHT_NS_GW" "$1" serve -t 5222 >/dev/null &
	sleep 0.3
	ip netns exec "$INFLIGHT_NS_DEVICE" "$1" probe -w 5000 tcp "$INFLIGHT_GW6" 5222 >"$0/run.probe"
	exit 3' "$WORK" "$ECHO"
check "run: CMD has the variables, reaches the gateway, and its status (3) is run's" \
	"^rc=3 .*INFLIGHT_NS_DEVICE=$PFX-r-dev.*through " \
	"rc=$RC $(cat "$WORK/run.env" "$WORK/run.probe" 2>&1 | xargs)"
snap "$WORK/after"
same "run: the server CMD left in a namespace is ended, nothing is left" \
	"$WORK/fresh" "$WORK/after"

# shellcheck disable=SC2016 # for the command's shell
"$INFLIGHT" run --name "$PFX-s" -- bash -c '
	echo $$ >"$0/run.pid"
	ip netns exec "$INFLIGHT_NS_DEVICE" sleep 60' "$WORK" \
	>/dev/null 2>>"$WORK/all.err" &
runpid=$!
for _ in $(seq 100); do
	[ -s "$WORK/run.pid" ] && break
	sleep 0.05
done
sleep 0.2
kill -TERM "$runpid"
wait "$runpid"
rc=$?
cmdpid=$(cat "$WORK/run.pid" 2>/dev/null)
check "SIGTERM to run: it ends CMD and exits 143" "^143 gone$" \
	"$rc $(if [ -n "$cmdpid" ] && kill -0 "$cmdpid" 2>/dev/null; then echo alive; else echo gone; fi)"
snap "$WORK/after"
same "... and removes everything" "$WORK/fresh" "$WORK/after"

ifl up --name "$PFX-c" --messaging-only 198.18.2.2:5222 \
	--messaging-only '[fd00:7e2e:2::2]:5222'
printf '%s\n' "$OUT" >"$WORK/$PFX-c.env"
check "up --messaging-only ADDR:PORT [ADDR]:PORT" \
	"^rc=0 .*INFLIGHT_MESSAGING_ONLY='198.18.2.2:5222 \\[fd00:7e2e:2::2\\]:5222'" \
	"rc=$RC $OUT"
ifl up --name "$PFX-c"
check "up with a name in use is refused" \
	"^rc=1 .*$PFX-c exists: 'inflight down $PFX-c' first" "rc=$RC $ERR"
check "... and the instance using it is kept" "^yes yes yes$" \
	"$(for n in dev ap gw; do yes_if test -e "/run/netns/$PFX-c-$n"; done | xargs)"

# ---------------------------------------------------------------------
# Messaging only (instance c).

load "$PFX-c"
show=$(filter_show)
check "the filter is on both sides, allowing the two endpoints" \
	"up.attached yes.*down.attached yes.*allow (198.18.2.2:5222|\\[fd00:7e2e:2::2\\]:5222).*allow (198.18.2.2:5222|\\[fd00:7e2e:2::2\\]:5222).*state attached" \
	"$(tr '\n' ' ' <<<"$show")"
PROGS="$(fget up.prog_id) $(fget down.prog_id)"
serve "$INFLIGHT_NS_GW" -t 5222 -t 5223 -u 5222 -t 6001
serve "$INFLIGHT_NS_DEVICE" -t 7000 -u 7000

check "push traffic gets through: TCP to 198.18.2.2:5222" "^through " \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW4" 5222)"
check "push traffic gets through: TCP to [fd00:7e2e:2::2]:5222" "^through " \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW6" 5222)"
check "a push connection marked CS5 itself: through, IPv4 and IPv6" \
	"^through .* through " \
	"$(probe "$INFLIGHT_NS_DEVICE" -T 0xa0 -w 5000 tcp "$INFLIGHT_GW4" 5222 | xargs) $(
	   probe "$INFLIGHT_NS_DEVICE" -T 0xa0 -w 5000 tcp "$INFLIGHT_GW6" 5222 | xargs)"

# Everything else, all at once: NAME|NS|probe arguments.
drop0=$(fget up.drop.packets)
ddrop0=$(fget down.drop.packets)
wait_ms=$((1000 + 4 * INFLIGHT_DELAY_MS))
i=0
blocked_cases=()
for f in 4 6; do
	gw=INFLIGHT_GW$f other=INFLIGHT_OTHER$f dev=INFLIGHT_DEVICE$f
	apc=INFLIGHT_AP_CABIN$f
	blocked_cases+=(
		"IPv$f: another port on the gateway (5223)|D|tcp ${!gw} 5223"
		"IPv$f: another address on the ground, the same port|D|tcp ${!other} 5222"
		"IPv$f: the access point itself (no answer, not even a reset)|D|tcp ${!apc} 5222"
		"IPv$f: UDP to the gateway's port|D|udp ${!gw} 5222"
		"IPv$f: ICMP echo to the gateway|D|icmp ${!gw}"
		"IPv$f: CS5 to another port|D|-T 0xa0 tcp ${!gw} 5223"
		"IPv$f: CS5 to another address|D|-T 0xa0 tcp ${!other} 5222"
		"IPv$f: CS5 UDP to the gateway's port|D|-T 0xa0 udp ${!gw} 5222"
		"IPv$f: the ground to the device (TCP)|G|tcp ${!dev} 7000"
		"IPv$f: the ground to the device (UDP)|G|udp ${!dev} 7000"
	)
done
probes=()
for c in "${blocked_cases[@]}"; do
	IFS='|' read -r _ where args <<<"$c"
	ns=$INFLIGHT_NS_DEVICE
	[ "$where" = G ] && ns=$INFLIGHT_NS_GW
	# shellcheck disable=SC2086 # the probe's arguments
	probe "$ns" -w "$wait_ms" $args >"$WORK/blocked.$i" &
	probes+=($!)
	i=$((i + 1))
done
# Bulk traffic with the push DSCP, to a port that is not the gateway's.
in_ns "$INFLIGHT_NS_DEVICE" "$BULK" source -T 0xa0 -d 1 -c 1 \
	"$INFLIGHT_GW4" 6001 >"$WORK/bulk.cs5" 2>&1 &
probes+=($!)
in_ns "$INFLIGHT_NS_DEVICE" "$BULK" source -T 0xa0 -d 1 -c 1 \
	"$INFLIGHT_GW6" 6001 >"$WORK/bulk6.cs5" 2>&1 &
probes+=($!)
wait "${probes[@]}"
i=0
for c in "${blocked_cases[@]}"; do
	check "not through: ${c%%|*}" "^blocked: (connect timed out|no answer)$" \
		"$(cat "$WORK/blocked.$i")"
	i=$((i + 1))
done
check "not through: a bulk upload marked CS5 (IPv4, IPv6)" \
	"^could not connect: timed out could not connect: timed out$" \
	"$(cat "$WORK/bulk.cs5" "$WORK/bulk6.cs5" | xargs)"
drop1=$(fget up.drop.packets)
ddrop1=$(fget down.drop.packets)
check "the filter counted the drops on both sides" "^yes yes$" \
	"$(yes_if test $((drop1 - drop0)) -ge 16) $(yes_if test $((ddrop1 - ddrop0)) -ge 4)"
echo "# filter counters: $(filter_show | grep -E 'packets' | xargs)"

for ns in "$INFLIGHT_NS_DEVICE" "$INFLIGHT_NS_AP" "$INFLIGHT_NS_GW"; do
	ip -n "$ns" neigh flush all 2>/dev/null
	ip -n "$ns" -6 neigh flush all 2>/dev/null
done
neigh0=$(fget up.neigh.packets)
check "from cold neighbour caches: ARP and ND pass, push gets through" \
	"^through .* through .*yes$" \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW4" 5222 | xargs) $(
	   probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW6" 5222 | xargs) $(
	   yes_if test "$(fget up.neigh.packets)" -gt "$neigh0")"

out=$(in_ns "$INFLIGHT_NS_AP" "$INFLIGHT_FILTER" attach "$INFLIGHT_AP_CABIN_IF" \
	"$INFLIGHT_AP_GROUND_IF" 198.18.2.2:5222 fd00:7e2e:2::2:5222 2>&1)
rc=$?
printf '%s\n' "$out" >>"$WORK/all.err"
check "the loader refuses a bad endpoint, naming it, and changes nothing" \
	"^2 .*endpoint 'fd00:7e2e:2::2:5222' has an IPv6 address without brackets.* $PROGS$" \
	"$rc $out $(fget up.prog_id) $(fget down.prog_id)"
out=$(in_ns "$INFLIGHT_NS_AP" "$INFLIGHT_FILTER" attach nosuch0 \
	"$INFLIGHT_AP_GROUND_IF" 198.18.2.2:5222 2>&1)
rc=$?
printf '%s\n' "$out" >>"$WORK/all.err"
check "... and a device that is not there" \
	"^1 .*no device 'nosuch0' in this network namespace" "$rc $out"

in_ns "$INFLIGHT_NS_AP" "$INFLIGHT_FILTER" detach "$INFLIGHT_AP_CABIN_IF" \
	"$INFLIGHT_AP_GROUND_IF" >/dev/null 2>>"$WORK/all.err"
check "detach: the rest gets through again" "^through .*state detached" \
	"$(probe "$INFLIGHT_NS_DEVICE" -w 5000 tcp "$INFLIGHT_GW4" 5223 | xargs) $(filter_show | xargs)"

# ---------------------------------------------------------------------
# Messaging-only instance c goes; its programs with it.

ifl down "$PFX-c"
gone=yes
if command -v bpftool >/dev/null; then
	for _ in $(seq 60); do
		gone=yes
		for id in $PROGS; do
			bpftool prog show id "$id" >/dev/null 2>&1 && gone=no
		done
		[ $gone = yes ] && break
		sleep 0.05
	done
	check "down: the filter's programs ($PROGS) are gone" "^0 yes$" "$RC $gone"
else
	ktap_test_skip "down: the filter's programs are gone (no bpftool to look)"
fi
snap "$WORK/after"
same "down: nothing is left of the messaging-only instance" \
	"$WORK/fresh" "$WORK/after"

if grep -Eq "AddressSanitizer|runtime error|LeakSanitizer" "$WORK/all.err"; then
	grep -E -A20 "AddressSanitizer|runtime error|LeakSanitizer" \
		"$WORK/all.err" | sed 's/^/# /' | head -40
	ktap_test_fail "tern-inflight-filter ran sanitizer-clean"
else
	ktap_test_pass "tern-inflight-filter ran sanitizer-clean"
fi

ktap_finished

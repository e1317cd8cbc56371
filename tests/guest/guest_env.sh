#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the VM: check the guest environment that tools/vm/run promises
# and the other VM suites rely on: file systems, helper modules, the real
# iproute2 tools, namespaces and veth, netem, the kernel command line and
# tern.ko. One TAP test case per check.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

ktap_print_header
if [ "${TERN_VM:-}" != 1 ]; then
	ktap_skip_all "not in a Tern VM: run this suite with tools/vm/run"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 9

# check NAME CMD...: one test case, passing when CMD succeeds.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$name"
	else
		ktap_print_msg "$name: '$*' failed:"
		sed 's/^/#   /' <<<"$out"
		ktap_test_fail "$name"
	fi
}

mounted() {
	local fs=$1 dir=$2
	grep -q "^[^ ]* $dir $fs " /proc/mounts || { echo "no $fs on $dir"; return 1; }
}

filesystems() {
	mounted proc /proc && mounted sysfs /sys && mounted devtmpfs /dev &&
	mounted tmpfs /tmp && mounted tmpfs /run &&
	mounted debugfs /sys/kernel/debug && mounted tracefs /sys/kernel/tracing &&
	mounted cgroup2 /sys/fs/cgroup && mounted bpf /sys/fs/bpf
}

# Loaded, or built in (the debug kernel has them all built in; tools/vm/run
# copies modules.builtin into the guest).
modules() {
	local m builtin=/lib/modules/$(uname -r)/modules.builtin
	for m in tls veth sch_netem sch_fq sch_htb sch_prio cls_bpf act_bpf; do
		grep -q "^$m " /proc/modules && continue
		grep -Eq "(^|/)$m[.]ko\$" "$builtin" 2>/dev/null && continue
		echo "$m neither loaded nor built in"
		return 1
	done
}

iproute2() {
	ip -V | grep -q iproute2 && tc -V | grep -q iproute2 &&
	ss -V | grep -q iproute2 && /usr/bin/timeout --version | grep -q coreutils
}

# No link to the host: no network device has hardware behind it (a
# kernel's own virtual devices, such as the debug kernel's dummy0 and
# sit0, are no link), and lo is up.
no_link() {
	local d
	for d in /sys/class/net/*; do
		[ -e "$d/device" ] && { echo "${d##*/} has a device behind it"; return 1; }
	done
	ip link show lo | grep -q 'state UNKNOWN\|UP'
}

# Two namespaces joined by a veth pair, on 198.18.0.0/15 (RFC 2544).
veth_pair() {
	ip netns add ga && ip netns add gb &&
	ip link add va netns ga type veth peer name vb netns gb &&
	ip -n ga addr add 198.18.0.1/24 dev va && ip -n ga link set va up &&
	ip -n gb addr add 198.18.0.2/24 dev vb && ip -n gb link set vb up &&
	ip netns exec ga ping -c 1 -W 5 198.18.0.2
	local rc=$?
	ip netns del ga 2>/dev/null
	ip netns del gb 2>/dev/null
	return $rc
}

netem() {
	ip netns add gn && ip -n gn link set lo up &&
	tc -n gn qdisc add dev lo root netem delay 5ms &&
	tc -n gn qdisc show dev lo | grep -q 'netem.*delay 5ms'
	local rc=$?
	ip netns del gn 2>/dev/null
	return $rc
}

cmdline() {
	local a
	for a in slab_nomerge oops=panic panic=-1; do
		grep -qw -- "$a" /proc/cmdline || { echo "no $a in $(cat /proc/cmdline)"; return 1; }
	done
}

check "file systems are mounted" filesystems
check "helper modules are loaded" modules
check "ip, tc, ss are iproute2's and timeout is coreutils'" iproute2
check "no network device reaches the host (no hardware behind any), lo is up" no_link
check "namespaces joined by veth reach each other" veth_pair
check "netem works" netem
check "kernel command line has slab_nomerge, oops=panic, panic=-1" cmdline
check "/dev/stdout works (the kselftest runner logs there)" test -w /dev/stdout
if [ -f "${TERN_KO:-}" ]; then
	check "tern.ko is loaded" grep -q '^tern ' /proc/modules
else
	ktap_test_skip "tern.ko is loaded: the VM was started with --no-module"
fi

ktap_finished

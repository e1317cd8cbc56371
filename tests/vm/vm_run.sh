#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test the VM harness, tools/vm/run, from the host: exit statuses come
# through, output arrives, the guest has no network device but lo, and
# every way a run can go wrong (timeout, panic, kernel warning, tern.ko
# not loading) fails it with its documented status. One TAP test case per
# check; each boots a VM (about 5 s each under TCG).
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

ktap_print_header
. "$DIR/vm_lib.sh"
ktap_set_plan 19

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for k in 6.12 6.1; do
	o=(--kernel "$k" --no-module)
	vm "${o[@]}" -- true;		expect "$k: true exits 0" 0
	vm "${o[@]}" -- false;		expect "$k: false exits 1" 1
	vm "${o[@]}" -- 'exit 7';	expect "$k: sh -c 'exit 7' exits 7" 7
	# shellcheck disable=SC2016 # $HOME must reach the guest unexpanded
	vm "${o[@]}" -- printf '<%s>' 'two words' "it's" '$HOME'
	expect "$k: argv output arrives unchanged" 0 "^<two words><it's><\\\$HOME>"
	vm "${o[@]}" -- 'ls /sys/class/net | tr "\n" " "; echo; ip -o link | wc -l'
	expect "$k: no network device but lo" 0 '^lo $'
done

# A run starts where the host was, if the VM has that directory.
cd "$DIR" || exit 1
vm --no-module --include "$DIR" -- 'pwd; test -f vm_run.sh'
expect "--include copies a directory, the run starts in it" 0 "^$DIR\$"

vm --no-module --timeout 15 -- 'echo started; sleep 600'
expect "a hung guest is killed at --timeout with 124" 124 'timed out after 15s'

vm --no-module -- 'echo c > /proc/sysrq-trigger; sleep 60'
expect "a guest kernel panic fails the run with 121" 121 'panicked'

vm --no-module -- 'echo "<4>WARNING: CPU: 0 PID: 1 at vm_run.sh:1 test+0x0/0x0" > /dev/kmsg'
expect "a kernel WARNING fails a passing command with 122" 122 'kernel logged problems'

# Userspace printing the same words is no kernel warning.
vm --no-module -- 'echo "WARNING: BUG: Oops: Kernel panic (from a test)"'
expect "userspace output cannot fake a kernel warning" 0

vm_once --no-module --append rdinit=/nonexistent -- true
expect "a guest whose /init never runs did not come up: 119" 119 'did not come up'

echo "not a module" > "$tmp/bogus.ko"
vm --module "$tmp/bogus.ko" -- true
expect "a tern.ko that does not load fails the run with 120" 120 'tern.ko failed to load'

# Two VMs at once keep apart.
"$run" --no-module -- 'exit 3' > "$tmp/a" 2>&1 &
a=$!
"$run" --no-module -- 'exit 5' > "$tmp/b" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
if [ "$ra" = 3 ] && [ "$rb" = 5 ]; then
	ktap_test_pass "two concurrent runs report their own statuses"
else
	ktap_print_msg "concurrent runs exited $ra and $rb, wanted 3 and 5"
	ktap_test_fail "two concurrent runs report their own statuses"
fi

rel=$("$top/tools/vm/kver" "${VM_KERNEL:-6.12}")
if [ -f "$B/kmod/$rel/kmod/tern.ko" ]; then
	vm -- 'grep "^tern " /proc/modules'
	expect "tern.ko is loaded in the guest ($rel)" 0 '^tern '
else
	ktap_test_skip "tern.ko is loaded in the guest: $B/kmod/$rel/kmod/tern.ko not built yet"
fi

ktap_finished

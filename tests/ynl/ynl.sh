#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own ynl CLI (tools/net/ynl/cli.py) drives tern.ko from
# nothing but its spec, Documentation/netlink/specs/tern.yaml: what it
# dumps matches the connections tern_hold made, conn-get, conn-set and
# conn-del work through it, and the module refuses its requests with bad
# attribute values (with the extack ynl decodes).
#
# Runs with the minimal Python the build staged next to it (python/, see
# pytree.py), or else a python3 with PyYAML on PATH.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

spec=$DIR/tern.yaml
cli=$DIR/ynl/cli.py
hold=$DIR/tern_hold

ktap_print_header

skip_all() {
	ktap_skip_all "$1"
	exit "$KSFT_SKIP"
}

if [ -x "$DIR/python/bin/python3" ]; then
	py() {
		PYTHONHOME=$DIR/python PYTHONPATH=$DIR/python/site \
			"$DIR/python/bin/python3" -S "$@"
	}
elif command -v python3 > /dev/null; then
	py() { python3 "$@"; }
else
	skip_all "no Python: neither $DIR/python (built with the suite) nor python3"
fi
if ! err=$(py -c 'import yaml, json' 2>&1); then
	skip_all "Python cannot import yaml: $err"
fi
[ -f "$cli" ] || skip_all "no $cli: build the suite"
[ -f "$spec" ] || skip_all "no $spec: build the suite"
[ -x "$hold" ] || skip_all "no $hold: build the suite"
grep -q '^tern ' /proc/modules || skip_all "tern.ko is not loaded"

ynl() { py "$cli" --spec "$spec" --no-schema --output-json "$@"; }

# check NAME PYTHON-EXPR: pass if EXPR holds for d, the JSON in $out (ids
# holds the connection ids tern_hold printed, tag its owner tag).
check() {
	local name=$1 expr=$2 why
	if why=$(py -c '
import json, sys
d = json.loads(sys.argv[1])
ids = [int(i) for i in sys.argv[2].split()]
tag = sys.argv[3]
if not eval("(" + sys.argv[4] + ")"):
	sys.exit("not true: %s\nfor: %s" % (sys.argv[4], json.dumps(d)[:2000]))
' "$out" "$ids" "$tag" "$expr" 2>&1); then
		ktap_test_pass "$name"
	else
		printf '%s\n' "$why" | sed 's/^/#   /'
		ktap_test_fail "$name"
	fi
}

# fail NAME: report the last ynl run.
fail() {
	ktap_print_msg "ynl exited $rc:"
	printf '%s\n' "$out" | sed 's/^/#   /'
	ktap_test_fail "$1"
}

ktap_set_plan 7

tmp=$(mktemp -d)
hold_pid=
cleanup() {
	[ -z "$hold_pid" ] || kill "$hold_pid" 2>/dev/null
	[ -z "$hold_pid" ] || wait "$hold_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Three connections (plain IPv4 initiator, kTLS IPv6 responder, plain IPv4
# initiator), one frame each delivered and left unacked. tern_hold stays
# until killed, printing their ids.
tag=ynl-$$
"$hold" -n 3 -f 1 -s 0 -p -t "$tag" -r "$tmp/ready" > "$tmp/ids" \
	2> "$tmp/hold.err" &
hold_pid=$!
for i in $(seq 600); do
	[ -e "$tmp/ready" ] && break
	kill -0 "$hold_pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -e "$tmp/ready" ]; then
	sed 's/^/#   /' "$tmp/hold.err"
	ktap_exit_fail_msg "tern_hold did not make its connections"
fi
ids=$(tr '\n' ' ' < "$tmp/ids")
set -- $ids
id0=$1 id1=$2 id2=$3
ktap_print_msg "tern_hold made connections $ids(owner tag $tag)"

name="ynl conn-get dump lists the connections tern_hold made"
out=$(ynl --dump conn-get --json "{\"owner-tag\": \"$tag\"}" 2>&1); rc=$?
if [ "$rc" = 0 ]; then
	check "$name" 'sorted(c["conn-id"] for c in d) == sorted(ids) and
		all(c["owner-tag"] == tag and c["state"] == "established" and
		    c["stats"]["held-frames"] == 1 for c in d) and
		[c.get("plain") is not None for c in sorted(d, key=lambda c: c["conn-id"])] == [True, False, True]'
else
	fail "$name"
fi

name="ynl conn-get dump without a filter includes them"
out=$(ynl --dump conn-get 2>&1); rc=$?
if [ "$rc" = 0 ]; then
	check "$name" 'set(ids) <= {c["conn-id"] for c in d}'
else
	fail "$name"
fi

name="ynl conn-get do describes one connection"
out=$(ynl --do conn-get --json "{\"conn-id\": $id1}" 2>&1); rc=$?
if [ "$rc" = 0 ]; then
	check "$name" 'd["conn-id"] == ids[1] and d["role"] == "responder" and
		d["family"] == 10 and d["cookie"] == 1001 and
		d["peer-addr"] == "00" * 15 + "01" and d["owner-tag"] == tag'
else
	fail "$name"
fi

name="ynl conn-set changes the heartbeat interval"
out=$(ynl --do conn-set --json "{\"conn-id\": $id0, \"hb-interval\": 4242000}" 2>&1)
rc=$?
[ "$rc" = 0 ] && out=$(ynl --do conn-get --json "{\"conn-id\": $id0}" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then
	check "$name" 'd["hb-interval"] == 4242000'
else
	fail "$name"
fi

name="ynl conn-set with hb-interval 0 is refused, with an extack"
out=$(ynl --do conn-set --json "{\"conn-id\": $id0, \"hb-interval\": 0}" 2>&1)
rc=$?
if [ "$rc" != 0 ] && grep -q "Numerical result out of range" <<<"$out" &&
   grep -q "integer out of range" <<<"$out"; then
	out=$(ynl --do conn-get --json "{\"conn-id\": $id0}" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		check "$name" 'd["hb-interval"] == 4242000'
	else
		fail "$name"
	fi
else
	ktap_print_msg "wanted a refusal with ERANGE and \"integer out of range\""
	fail "$name"
fi

name="ynl conn-del removes a connection"
out=$(ynl --do conn-del --json "{\"conn-id\": $id2}" 2>&1); rc=$?
[ "$rc" = 0 ] && out=$(ynl --dump conn-get --json "{\"owner-tag\": \"$tag\"}" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then
	check "$name" 'sorted(c["conn-id"] for c in d) == sorted(ids[:2])'
else
	fail "$name"
fi

name="ynl conn-get of the deleted connection fails with ENOENT"
out=$(ynl --do conn-get --json "{\"conn-id\": $id2}" 2>&1); rc=$?
if [ "$rc" != 0 ] && grep -q "No such file or directory" <<<"$out" &&
   grep -q "no such connection" <<<"$out"; then
	ktap_test_pass "$name"
else
	ktap_print_msg "wanted ENOENT and \"no such connection\""
	fail "$name"
fi

for id in $id0 $id1; do
	ynl --do conn-del --json "{\"conn-id\": $id}" > /dev/null 2>&1
done
ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternd's directory client (Documentation/ternd.rst, "The directory"):
# option checks; a ternd without --directory says so; with one it
# registers its handle at first start with an invite, publishes its
# device (its id and the gateway's push token) and --prekeys one-time
# prekeys, each checked by a verified 'ternctl dir lookup' or asked of
# the directory itself; it tops the prekeys up when claims take them
# below half; 'ternctl resolve' answers verified lookups, from its cache
# while fresh; a restart without the invite adds nothing; a refused
# invite leaves it "failed" with the directory's error while its gateway
# connection runs on; a directory that is down at the start is retried
# until it is up. Against tern-directoryd-misbehave on the same data:
# a rolled-back or forked log makes 'ternctl resolve' raise the alarm
# and ternd's status show it; a device substituted into its own entry
# is caught by ternd's monitoring. Every ternd, the directory and the
# gateway exit 0 on SIGTERM with no sanitizer report.
#
# The directory (port 8443), tern-gatewayd (port 5222, the user
# transport) and the ternds (the user transport) share one network
# namespace of its own (198.18.15.1). Skips, saying why, without root,
# namespaces, curl or openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
GATEWAYD=$build/san/bin/tern-gatewayd
TERND=$build/san/bin/ternd
DIRD_HONEST=$DIRD
DIRD_MB=$build/san/bin/tern-directoryd-misbehave
dir_setup ternd 198.18.15.1
ktap_set_plan 38
for t in "$GATEWAYD" "$TERND" "$DIRD_MB"; do
	[ -x "$t" ] || ktap_exit_fail_msg "no $t: run 'make userspace'"
done
"$top/tools/pki" gateway "$WORK/pki" gw.test "$ADDR" >/dev/null ||
	ktap_exit_fail_msg "tools/pki failed"
CA=$WORK/pki/ca.crt

"$DIRD" --data "$WORK/data" --add-invites 3 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make invites"
"$DIRD" --data "$WORK/data" --show-keys >"$WORK/keys" ||
	ktap_exit_fail_msg "cannot show the keys"
HEADKEY=$(sed -n 's/^head-key = //p' "$WORK/keys")
VRFKEY=$(sed -n 's/^vrf-key = //p' "$WORK/keys")
{ cat "$WORK/keys"; echo "directory = $URL"; echo "ca = $CA"; } \
	>"$WORK/client.conf"
INV1=$(sed -n 1p "$WORK/invites")
INV2=$(sed -n 2p "$WORK/invites")
INV3=$(sed -n 3p "$WORK/invites")
# Claims and the test's prekey counts come faster than a person's would.
DIRD_ARGS=(--claim-rate 0 --change-rate 0)
DSTOPS=()
dird_start "${DIRD_ARGS[@]}"

# --- the gateway ---

gw_start

# --- ternd ---

# The directory options every ternd here runs with (but --handle).
DOPTS=(--directory "$URL" --head-key "$HEADKEY" --vrf-key "$VRFKEY"
       --prekeys 20 --directory-check 1s --lookup-cache 2s)

# sj NAME KEY...: KEY=VALUE (JSON) for each KEY of 'ternctl status -j'.
sj() {
	"$TERNCTL" status -j -S "$WORK/$1/ternd.sock" 2>&1 | python3 -c '
import json, sys
t = sys.stdin.read()
try:
    d = json.loads(t)
except ValueError:
    print("not JSON: " + t)
    sys.exit()
print(" ".join("%s=%s" % (k, json.dumps(d[k]) if k in d else "ABSENT")
               for k in sys.argv[1:]))' "${@:2}"
}

# res NAME ARGS...: ternctl resolve through ternd NAME; OUT, ERR and RC.
res() {
	local name=$1

	shift
	OUT=$(timeout 30 "$TERNCTL" resolve -S "$WORK/$name/ternd.sock" "$@" \
		2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
}

# dlookup HANDLE: "SEQ NDEVICES ID:TOKEN..." from a verified lookup by
# 'ternctl dir lookup' with the pinned keys (tokens in hex).
dlookup() {
	ip netns exec "$NS" "$TERNCTL" dir lookup "$1" -j \
		-c "$WORK/client.conf" 2>&1 | python3 -c '
import base64, json, sys
t = sys.stdin.read()
try:
    d = json.loads(t)
except ValueError:
    print("not JSON: " + t)
    sys.exit()
print(d.get("seq"), len(d["devices"]), *("%s:%s" % (x["device_id"],
      base64.b64decode(x["push_token"]).hex()) for x in d["devices"]))'
}

# dcount: the one-time prekeys the directory holds for alice's device,
# asked of the directory itself (an add-prekeys with none, signed by the
# device's identity key, as ternd's own upkeep is).
dcount() {
	cl add-prekeys alice@example.org "$AID" "$WORK/alice/device.key" 0 0 |
		sed -n 's/.*"one_time_prekeys":\([0-9]*\).*/\1/p'
}

# claims N: N claims of alice's prekeys by bob at once; CLAIMED: the
# one-time prekey id each got, "null" for none, "bad" for a refusal.
claims() {
	local i pids=()

	rm -f "$WORK"/claim.*
	for i in $(seq "$1"); do
		cl claim alice@example.org bob@example.org "$BID" \
			"$WORK/bd.pem" >"$WORK/claim.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	CLAIMED=$(python3 - "$WORK" <<'PY'
import glob, json, sys
out = []
for f in glob.glob(sys.argv[1] + "/claim.*"):
    try:
        k = json.load(open(f))["devices"][0]["one_time_prekey"]
        out.append("null" if k is None else str(k["id"]))
    except Exception:
        out.append("bad")
print(" ".join(out))
PY
)
}

pub64() {	# pub64 PEM: its raw public key in base64
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0
}

# --- options ---

# badopt ARGS...: ternd with ARGS (and a valid gateway): "RC OUTPUT".
badopt() {
	local out rc

	out=$(ip netns exec "$NS" timeout 10 "$TERND" --gateway "$ADDR:5222" \
		--ca "$CA" --gateway-name gw.test --data "$WORK/bad" \
		--transport user "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$WORK/bad.log"
	echo "$rc $out" | tr '\n' ' '
}
check "--directory without --handle: exit 2, naming --handle" '^2 .*handle' \
	"$(badopt --directory "$URL" --head-key "$HEADKEY" --vrf-key "$VRFKEY")"
check "an http:// directory: exit 2, naming --directory" '^2 .*directory' \
	"$(badopt --directory "http://$ADDR:8443" --head-key "$HEADKEY" \
		--vrf-key "$VRFKEY" --handle alice@example.org)"
check "a bad --head-key: exit 2, naming it" '^2 .*head-key' \
	"$(badopt --directory "$URL" --head-key 'not*base64' \
		--vrf-key "$VRFKEY" --handle alice@example.org)"
check "--directory without --vrf-key: exit 2, naming it" '^2 .*vrf-key' \
	"$(badopt --directory "$URL" --head-key "$HEADKEY" \
		--handle alice@example.org)"

# --- a ternd without --directory ---

td_start plain
wait_st plain state '^ready' 20
check "without --directory: status says directory: off" '^ready\|off$' \
	"$(st plain state)|$(st plain directory)"
res plain alice@example.org
check "without --directory: resolve exits 1, the directory not configured" \
	'^1 .*(not configured|no directory)' "$RC $ERR"

# --- alice: enrollment ---

td_start alice "${DOPTS[@]}" --handle alice@example.org --invite "$INV1"
wait_st alice directory '^registered$' 20
check "enrollment: the directory state reaches registered" '^registered$' \
	"$(st alice directory)"
AID=$(st alice 'device id')
ATOK=$(st alice 'push token')
check "status: the handle and the newest verified head, no error or alarm" \
	'^handle=alice@example\.org head=[1-9][0-9]* error= alarm=$' \
	"handle=$(st alice handle) head=$(st alice 'directory head') error=$(st alice 'directory error') alarm=$(st alice ALARM)"
check "status -j: the directory's keys" \
	'^directory="registered" handle="alice@example\.org" directory-head=[1-9][0-9]* prekeys=-?[0-9]+ alarm=null directory-error=null$' \
	"$(sj alice directory handle directory-head prekeys alarm directory-error)"
out=$(dlookup alice@example.org)
ASEQ=${out%% *}
check "ternctl dir lookup (verified) shows exactly ternd's device and push token" \
	"^[0-9]+ 1 $AID:$ATOK\$" "$out"

# --- prekeys ---

wait_st alice prekeys '^20$' 5
check "prekeys: status and the directory both say --prekeys 20" '^20 20$' \
	"$(st alice prekeys) $(dcount)"

openssl genpkey -algorithm ed25519 -out "$WORK/b.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/bd.pem" 2>/dev/null
openssl genpkey -algorithm x25519 -out "$WORK/x.pem" 2>/dev/null
cl register bob@example.org "$WORK/b.pem" "$INV2" >/dev/null
BID=$(cl add-device bob@example.org "$WORK/b.pem" 1 "$WORK/bd.pem" \
	"$WORK/x.pem" | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
claims 15
check "15 claims by bob take 15 distinct one-time prekeys of alice's" \
	'^15 15$' "$(echo "$CLAIMED" | tr ' ' '\n' | grep -c '^[0-9]') $(
	echo "$CLAIMED" | tr ' ' '\n' | grep '^[0-9]' | sort -u | wc -l)"
# 15 taken leave 5: ternd tops up at its next check. If it did while
# the claims ran, those after may have left 10 to 19, no reason to top
# up: take again then.
for _ in 1 2 3; do
	left=$(dcount)
	if [ -z "$left" ] || [ "$left" -lt 10 ] || [ "$left" -ge 20 ]; then
		break
	fi
	claims $((left - 5))
done
# Only ternd's uploads replace the 15 taken.
for _ in $(seq 80); do
	[ "$(dcount) $(st alice prekeys)" = "20 20" ] && break
	sleep 0.1
done
check "ternd tops them up: the directory holds 20 again, status says 20" \
	'^20 20$' "$(dcount) $(st alice prekeys)"
claims 1
check "a claim after the top-up gets a one-time prekey" '^[0-9]+$' "$CLAIMED"

# --- resolve ---

res alice alice@example.org
check "resolve own handle: present, its one device and push token" \
	"^0 alice@example\.org: 1 device \(verified under head [0-9]+(, cached [0-9]+ s ago)?\)\|  $AID push-token $ATOK\|\$" \
	"$RC $(printf '%s\n' "$OUT" | tr '\n' '|')"
res alice alice@example.org
check "resolve again: from the cache" \
	'^0 alice@example\.org: 1 device \(verified under head [0-9]+, cached [0-9]+ s ago\)' \
	"$RC $OUT"
res alice --fresh alice@example.org
check "resolve --fresh: from the directory, not the cache" \
	'^0 alice@example\.org: 1 device \(verified under head [0-9]+\)' \
	"$RC $OUT"
res alice -j bob@example.org
check "resolve -j: bob's account key, device, keys and token, not cached" \
	'^0 ok$' "$RC $(printf '%s' "$OUT" | python3 -c '
import json, sys
want = {"handle": "bob@example.org", "present": True,
        "account-key": sys.argv[1], "seq": 1, "cached": False}
dev = {"device-id": sys.argv[2], "push-token": bytes(range(16)).hex(),
       "identity-key": sys.argv[3], "identity-x25519": sys.argv[4]}
try:
    d = json.load(sys.stdin)
except ValueError:
    print("not JSON")
    sys.exit()
bad = [k for k in want if d.get(k) != want[k]]
bad += [k for k in ("head", "age-ms") if not isinstance(d.get(k), int)]
if len(d.get("devices", [])) != 1 or \
        any(d["devices"][0].get(k) != dev[k] for k in dev):
    bad.append("devices")
print(("wrong: %s in %s" % (bad, d)) if bad else "ok")' "$(pub64 "$WORK/b.pem")" \
	"$BID" "$(pub64 "$WORK/bd.pem")" "$(pub64 "$WORK/x.pem")")"
sleep 2.5
res alice bob@example.org
check "resolve after --lookup-cache (2 s): from the directory again" \
	'^0 bob@example\.org: 1 device \(verified under head [0-9]+\)' \
	"$RC $OUT"
res alice nobody@example.org
check "resolve an unregistered handle: not registered, verified" \
	'^0 nobody@example\.org: not registered \(verified under head [0-9]+\)$' \
	"$RC $OUT"
res alice 'Not A Handle'
check "resolve a malformed handle: a usage error (exit 2)" '^2 .+' \
	"$RC $ERR"

# --- a restart needs no invite and adds nothing ---

td_stop alice
check "SIGTERM: ternd exits 0" '^0$' "$?"
td_start alice "${DOPTS[@]}" --handle alice@example.org
wait_st alice directory '^registered$' 20
check "restarted without --invite: registered, the account seq unchanged" \
	"^registered $ASEQ 1 $AID:" \
	"$(st alice directory) $(dlookup alice@example.org)"

# --- a refused invite ---

td_start dave "${DOPTS[@]}" --handle dave@example.org --invite nope
wait_st dave directory '^failed$' 20
check "a wrong invite: failed, with the directory's bad-invite" \
	'^failed .*bad-invite' "$(st dave directory) $(st dave 'directory error')"
check "and ternd keeps its gateway connection" '^ready alive$' \
	"$(st dave state) $(kill -0 "${TPID[dave]}" && echo alive)"

# --- the directory down at the start (carol, by a config file) ---

dird_stop
DSTOPS+=("$STOP")
cat >"$WORK/carol.conf" <<EOF
directory = $URL
directory-ca = $CA
head-key = $HEADKEY
vrf-key = $VRFKEY
handle = carol@example.org
invite = $INV3
prekeys = 20
directory-check = 1s
lookup-cache = 2s
EOF
td_start carol -c "$WORK/carol.conf"
wait_st carol state '^ready' 20
seen=
for _ in $(seq 15); do
	seen="$seen $(st carol directory)"
	sleep 0.2
done
check "directory down: carol's ternd waits (waiting or registering)" \
	'^( (waiting|registering))+$' "$seen"
dird_start "${DIRD_ARGS[@]}"
wait_st carol directory '^registered$' 20
CID=$(st carol 'device id')
CTOK=$(st carol 'push token')
check "directory up: carol registers, her device in a verified lookup" \
	"^registered [0-9]+ 1 $CID:$CTOK\$" \
	"$(st carol directory) $(dlookup carol@example.org)"

# alice's ternd holds the directory's newest head: the misbehaving runs
# below serve this directory's data to a copy of alice's. Its checks
# failed while the directory was down and back off (1, 2, 4, 8 s...).
HEAD=$(ip netns exec "$NS" "$TERNCTL" dir head -c "$WORK/client.conf" |
	sed -n 's/^head size \([0-9]*\),.*/\1/p')
wait_st alice 'directory head' "^$HEAD\$" 20
check "ternd follows the directory's newest head" "^$HEAD [1-9]" \
	"$(st alice 'directory head') $HEAD"
for n in alice carol dave plain; do
	td_stop $n
done
dird_stop
DSTOPS+=("$STOP")
cp -a "$WORK/data" "$WORK/clean"

# --- a lying directory, on the same data and keys ---

# mb MODE NAME: the lying directory on a copy of the honest one's data,
# and ternd NAME on a copy of alice's data.
mb() {
	rm -rf "$WORK/data"
	cp -a "$WORK/clean" "$WORK/data"
	DIRD=$DIRD_MB
	dird_start "${DIRD_ARGS[@]}" --misbehave "$1"
	DIRD=$DIRD_HONEST
	cp -a "$WORK/alice" "$WORK/$2" 2>/dev/null
	rm -f "$WORK/$2/ternd.sock"
	td_start "$2" "${DOPTS[@]}" --handle alice@example.org
	wait_st "$2" state '^ready' 20
}

for mode in rollback fork; do
	mb $mode alice-$mode
	res alice-$mode carol@example.org
	check "$mode: ternctl resolve raises the alarm (exit 3)" \
		"^3 ternctl: ALARM: $mode: " "$RC $ERR"
	wait_st alice-$mode ALARM "^$mode: " 5
	check "$mode: ternd's status shows the alarm" "^$mode: " \
		"$(st alice-$mode ALARM)"
	td_stop alice-$mode
	dird_stop
	DSTOPS+=("$STOP")
done

TD_JOURNAL=1 mb substitute:alice@example.org alice-sub
wait_st alice-sub ALARM '^unexpected-device: ' 8
check "substitute: ternd's monitoring raises unexpected-device, logged as an error" \
	'^unexpected-device: .*\|[1-9][0-9]*$' \
	"$(st alice-sub ALARM)|$(grep -c '^<3>ternd: .*ALARM: unexpected-device: ' \
		"$WORK/alice-sub.log")"
td_stop alice-sub
dird_stop
DSTOPS+=("$STOP")

# --- clean exits ---

check "every ternd exited 0 on SIGTERM" '^( [a-z-]+=0)+$' "$TSTOPS"
# Lookups leave no trace in ternd's logs: alice's ternds resolved bob and
# nobody, at debug level (-v) too, and never wrote their handles.
check "ternd's logs name no handle it looked up" '^0$' \
	"$(cat "$WORK"/alice*.log | grep -Ec 'bob@|nobody@')"
san_re="AddressSanitizer|LeakSanitizer|runtime error"
check "no sanitizer report from ternd" '^0$' \
	"$(cat "$WORK"/bad.log "$WORK"/plain.log "$WORK"/alice*.log \
		"$WORK"/carol.log "$WORK"/dave.log | grep -Ec "$san_re")"
check "the directory exited 0 each time, no sanitizer report or error" \
	'^(0 0 ?)+$' "${DSTOPS[*]}"
kill -TERM "$GWPID"
wait "$GWPID"
check "the gateway exits 0 on SIGTERM, no sanitizer report" '^0 0$' \
	"$? $(grep -Ec "$san_re" "$WORK/gw.log")"

ktap_finished

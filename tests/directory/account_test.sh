#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Accounts and prekeys (Documentation/directory.rst, "Calls"): the account
# key rotates, signed by the old key with proof of the new one, after
# which only the new one signs changes; a device tops up its
# one-time prekeys, signed by its own identity key, and replays add
# nothing; claims by another account's device take each one-time prekey
# exactly once, also when 20 claims race, and then hand out the last-
# resort prekey; a claim signed by a device that is not the claimer's is
# refused. Runs the sanitizer build of tern-directoryd in a network
# namespace of its own (198.18.11.1). Skips, saying why, without root,
# namespaces, curl or openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
dir_setup claim 198.18.11.1
ktap_set_plan 17
"$DIRD" --data "$WORK/data" --add-invites 2 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make invites"
dird_start --claim-rate 0 --change-rate 0

for k in a ad b bd; do
	openssl genpkey -algorithm ed25519 -out "$WORK/$k.pem" 2>/dev/null
done
openssl genpkey -algorithm x25519 -out "$WORK/x.pem" 2>/dev/null
cl register alice@example.org "$WORK/a.pem" "$(sed -n 1p "$WORK/invites")" \
	>/dev/null
AID=$(cl add-device alice@example.org "$WORK/a.pem" 1 "$WORK/ad.pem" \
	"$WORK/x.pem" | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
cl register bob@example.org "$WORK/b.pem" "$(sed -n 2p "$WORK/invites")" \
	>/dev/null
BID=$(cl add-device bob@example.org "$WORK/b.pem" 1 "$WORK/bd.pem" \
	"$WORK/x.pem" | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
check "alice and bob have a device each" '^[0-9a-f]{32} [0-9a-f]{32}$' \
	"$AID $BID"

out=$(cl add-prekeys alice@example.org "$AID" "$WORK/ad.pem" 200 10)
check "alice's device tops up 10 one-time prekeys: 13 in all" \
	'"one_time_prekeys":13' "$out"
out=$(cl add-prekeys alice@example.org "$AID" "$WORK/ad.pem" 200 10)
check "the same request again adds nothing" '"one_time_prekeys":13' "$out"
out=$(cl add-prekeys alice@example.org "$AID" "$WORK/bd.pem" 300 1; echo " rc=$?")
check "a top-up signed by another device is refused" \
	'"error":"bad-signature".* rc=1' "$out"

# 20 claims at once for 13 one-time prekeys.
for i in $(seq 20); do
	cl claim alice@example.org bob@example.org "$BID" "$WORK/bd.pem" \
		>"$WORK/claim.$i" 2>&1 &
done
wait_claims=$(jobs -p | grep -v "^$DPID$")
# shellcheck disable=SC2086 # a list of pids
wait $wait_claims 2>/dev/null
python3 - "$WORK" >"$WORK/tally" <<'PY'
import glob, json, sys
ids, nulls, lr, bad = [], 0, 0, 0
for f in glob.glob(sys.argv[1] + "/claim.*"):
    try:
        d = json.load(open(f))["devices"][0]
    except Exception:
        bad += 1
        continue
    if d["one_time_prekey"] is None:
        nulls += 1
    else:
        ids.append(d["one_time_prekey"]["id"])
    lr += d["last_resort_prekey"]["id"] == 2
print(len(ids), len(set(ids)), nulls, lr, bad)
PY
check "20 racing claims: 13 one-time prekeys, each once, then 7 without" \
	'^13 13 7 20 0$' "$(cat "$WORK/tally")"
out=$(cl add-prekeys alice@example.org "$AID" "$WORK/ad.pem" 400 0)
check "none is left" '"one_time_prekeys":0' "$out"
out=$(cl claim alice@example.org bob@example.org "$BID" "$WORK/bd.pem")
check "a claim now gets the last-resort prekey" \
	'"one_time_prekey":null.*"last_resort_prekey":\{"id":2' "$out"
out=$(cl claim alice@example.org bob@example.org "$BID" "$WORK/b.pem"; echo " rc=$?")
check "a claim not signed by the claimer's device is refused" \
	'"error":"bad-signature".* rc=1' "$out"
out=$(cl claim alice@example.org bob@example.org "$AID" "$WORK/ad.pem"; echo " rc=$?")
check "a claim naming a device of another account is refused" \
	'"error":"bad-signature".*not a device of payload.claimer.* rc=1' "$out"
out=$(cl claim carol@example.org bob@example.org "$BID" "$WORK/bd.pem"; echo " rc=$?")
check "a claim of an unknown handle is not-found" \
	'"error":"not-found".* rc=1' "$out"

# Rotation: the old key signs, the new one proves itself; then only the
# new key signs changes.
openssl genpkey -algorithm ed25519 -out "$WORK/a2.pem" 2>/dev/null
out=$(cl rotate alice@example.org "$WORK/a.pem" 2 "$WORK/a2.pem" \
	"$WORK/b.pem"; echo " rc=$?")
check "a rotation whose new key does not prove itself is refused" \
	'"error":"bad-signature".*new_key_signature.* rc=1' "$out"
out=$(cl rotate alice@example.org "$WORK/b.pem" 2 "$WORK/a2.pem"; echo " rc=$?")
check "a rotation not signed by the old key is refused" \
	'"error":"bad-signature".* rc=1' "$out"
out=$(cl rotate alice@example.org "$WORK/a.pem" 2 "$WORK/a2.pem"; echo " rc=$?")
check "the account key rotates" '"seq":2.* rc=0' "$out"
out=$(cl rotate alice@example.org "$WORK/a.pem" 2 "$WORK/a2.pem"; echo " rc=$?")
check "the same rotation again is stale" '"error":"(stale-seq|bad-signature)".* rc=1' "$out"
openssl genpkey -algorithm ed25519 -out "$WORK/ad2.pem" 2>/dev/null
out=$(cl add-device alice@example.org "$WORK/a.pem" 3 "$WORK/ad2.pem" \
	"$WORK/x.pem"; echo " rc=$?")
check "the old key signs nothing any more" '"error":"bad-signature".* rc=1' \
	"$out"
out=$(cl add-device alice@example.org "$WORK/a2.pem" 3 "$WORK/ad2.pem" \
	"$WORK/x.pem"; echo " rc=$?")
check "the new key does" '"seq":3.* rc=0' "$out"

dird_stop
check "the directory stops cleanly on SIGTERM (no leak, no error)" "^0 0$" \
	"$STOP"

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tern-directoryd's HTTP API (Documentation/directory.rst, "The HTTP API"),
# driven by curl over HTTPS as an independent client would: keys and
# signatures made with the openssl command line, proofs checked by
# kt_verify.py, which is written from the document alone. The sanitizer
# build of the daemon runs in a network namespace of our own, listening on
# 198.18.9.1 and fd00::9:1 (on the namespace's lo); the client speaks from
# other addresses there (198.18.9.2 and up), so that limits per source and
# the absence of sources in the log can be checked.
#
# - the keys (--show-keys, /v1/kt/keys) and the signed head;
# - register, add-device, remove-device, add-prekeys, rotate: every answer
#   and every error the document lists, each error with its status and
#   code, and the answers' fields;
# - lookups of present and absent handles, before and after changes, with
#   ?since= consistency proofs, verified (also in a map of 33 handles,
#   both forms of absence); tampered answers refused by the verifier;
# - prekey claims: one one-time prekey a device, never twice, then null;
#   last-resort prekeys signed; claims signed by the claimer's device;
# - /v1/kt/consistency; body limits, unknown paths and methods, TLS 1.3;
# - no lookup traces: the store's files are unchanged by lookups, and the
#   daemon's output names neither the handles nor the source;
# - a restart keeps accounts, devices and the log; an unchanged head is
#   re-signed every --head-refresh; rate limits (lookups, changes,
#   claims) with Retry-After, and no-enumeration;
# - the daemon exits cleanly on SIGTERM, sanitizer-clean.
#
# Everything is removed on exit, also on failure. Skips, saying why,
# without root, network namespaces or a program it needs.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
[ -d "$top/tools" ] || top=$(cd "$DIR/../.." && pwd)	# run from the source
build=${B:-$top/build}
KSRC=${KSRC:-$build/ksrc}
KTAP=$DIR/../kselftest/ktap_helpers.sh
[ -f "$KTAP" ] || KTAP=$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh
# shellcheck source=/dev/null # installed by the kselftest tree
. "$KTAP"
DIRECTORYD=${DIRECTORYD:-$build/san/bin/tern-directoryd}
PKI_TOOL=$top/tools/pki
VERIFY=$DIR/kt_verify.py
# The kselftest runner wraps us in stdbuf, whose LD_PRELOAD would make the
# sanitizer build refuse to start.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for t in ip curl openssl python3 base64 sha256sum head tail; do
	command -v $t >/dev/null || skip_all "needs $t"
done
# The system's Python when there is one: a version manager's shim in PATH
# costs a tenth of a second a start, and the test starts it often.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
[ -x "$PKI_TOOL" ] || skip_all "no $PKI_TOOL (set TERN_TOP to the repository)"

NS=tern-dir-$$
WORK=$(mktemp -d /tmp/tern-directory.XXXXXX)
D_PID=

cleanup() {
	[ -n "$D_PID" ] && { kill -9 "$D_PID"; wait "$D_PID"; } 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

ip netns add "$NS" 2>/dev/null || skip_all "no network namespaces"
ktap_print_header
[ -x "$DIRECTORYD" ] ||
	ktap_exit_fail_msg "no $DIRECTORYD: build it (make userspace, B=$build)"
[ -f "$VERIFY" ] || ktap_exit_fail_msg "no $VERIFY"

SRV4=198.18.9.1
SRV6=fd00::9:1
PORT=8443
NAME=dir.test
DATA=$WORK/data
PKI=$WORK/pki
LOG=$WORK/directoryd.log
KEYS=$WORK/keys

# The daemon at .1 and fd00::9:1; clients at .2 to .12 and fd00::9:4, one
# address a purpose, so that limits per source stay apart.
ns_setup() {
	local i
	ip -n "$NS" link set lo up || return 1
	for i in $(seq 1 12); do
		ip -n "$NS" addr add 198.18.9.$i/32 dev lo || return 1
	done
	ip -n "$NS" -6 addr add $SRV6/128 dev lo nodad &&
		ip -n "$NS" -6 addr add fd00::9:4/128 dev lo nodad
}
ns_setup || ktap_exit_fail_msg "could not set up the namespace"
{ "$PKI_TOOL" ca "$PKI" && "$PKI_TOOL" gateway "$PKI" $NAME $SRV4 $SRV6; } \
	>/dev/null 2>"$WORK/pki.err" ||
	ktap_exit_fail_msg "tools/pki failed: $(cat "$WORK/pki.err")"

ktap_set_plan 149

# --- helpers -------------------------------------------------------------

# check NAME EXPECTED-REGEX ACTUAL: one KTAP case.
check() {
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | cut -c1-400 | head -n 20 | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

# q STRING: STRING as a regular expression matching only itself.
q() { printf '%s' "$1" | sed 's#[][\\.*^$+?(){}|]#\\&#g'; }

# jget FILE KEY...: a field of a JSON file (objects by key, arrays by
# index); strings bare, everything else as JSON; empty when missing.
jget() {
	"$PYTHON" - "$@" <<'EOF' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d if isinstance(d, str) else json.dumps(d))
EOF
}

# fields FILE: the top-level fields of a JSON object, sorted, comma-separated.
fields() {
	"$PYTHON" -c 'import json, sys; print(",".join(sorted(json.load(open(sys.argv[1])))))' \
		"$1" 2>/dev/null
}

# d_start [OPTIONS]: start the daemon in the namespace and wait until it
# answers; its output goes to $LOG.
d_start() {
	ip netns exec "$NS" "$DIRECTORYD" --listen $SRV4:$PORT \
		--listen "[$SRV6]:$PORT" --cert "$PKI/$NAME.crt" \
		--key "$PKI/$NAME.key" --data "$DATA" -v -v "$@" \
		>>"$LOG" 2>&1 &
	D_PID=$!
	for _ in $(seq 200); do
		kill -0 "$D_PID" 2>/dev/null || { D_PID=; return 1; }
		SRC=198.18.9.12 req GET /v1/kt/head
		[ "$CODE" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# d_stop: SIGTERM and wait; returns its exit status.
d_stop() {
	local rc
	kill -TERM "$D_PID" 2>/dev/null
	wait "$D_PID"
	rc=$?
	D_PID=
	return $rc
}

# req METHOD PATH [BODY-FILE]: one HTTPS request from $SRC (default
# 198.18.9.2) to the daemon, by name ($NAME), pinning our CA. Sets CODE;
# the body is in $WORK/body, the headers in $WORK/hdrs. CURL_EXTRA adds
# options; SERVER=$SRV6 speaks IPv6; REPEAT=N makes it N requests at once
# on one connection (CODE is then their statuses, each followed by a
# space; the body and headers are the last one's).
req() {
	local srv=${SERVER:-$SRV4} src=${SRC:-198.18.9.2} n=${REPEAT:-1} i
	local args=(-sS --max-time 15 --cacert "$PKI/ca.crt"
		    -D "$WORK/hdrs" --interface "$src" -X "$1")
	local urls=()

	for ((i = 0; i < n; i++)); do
		urls+=(-o "$WORK/body" "https://$NAME:$PORT$2")
	done
	if [ "$n" = 1 ]; then
		args+=(-w '%{http_code}')
	else
		args+=(-w '%{http_code} ')
	fi

	if [[ $srv == *:* ]]; then
		args+=(--resolve "$NAME:$PORT:[$srv]")
	else
		args+=(--resolve "$NAME:$PORT:$srv")
	fi
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json'
			       --data-binary "@$3")
	: >"$WORK/body"
	: >"$WORK/hdrs"
	# shellcheck disable=SC2086 # CURL_EXTRA is options, split
	CODE=$(ip netns exec "$NS" curl "${args[@]}" ${CURL_EXTRA:-} \
		"${urls[@]}" 2>"$WORK/curl.err")
}

# A header of the last answer (value only), empty when absent.
hdr() {
	tr -d '\r' <"$WORK/hdrs" |
		sed -n "s/^$1: *//Ip" | tail -n 1
}

# expect_err NAME STATUS CODE: the last answer is that error, with a JSON
# body {"error": CODE, "message": non-empty} (Documentation/directory.rst,
# "Errors").
expect_err() {
	local err msg
	err=$(jget "$WORK/body" error)
	msg=$(jget "$WORK/body" message)
	[ -n "$msg" ] || msg="(none)"
	check "$1" "^$2 $3 [^(]" "$CODE $err $msg"
}

# expect_ok NAME STATUS: the last answer is STATUS and JSON.
expect_ok() {
	check "$1" "^$2 application/json\$" "$CODE $(hdr Content-Type)"
	[ "$CODE" = "$2" ] || cut -c1-400 "$WORK/body" | sed 's/^/# body: /'
}

b64file() { base64 -w0 <"$1"; }
rand64() { head -c "$1" /dev/urandom | base64 -w0; }

# newkey ed25519|x25519 FILE; rawpub FILE: the raw 32-byte public key,
# base64 (the last 32 bytes of its SubjectPublicKeyInfo).
newkey() { openssl genpkey -algorithm "$1" -out "$2" 2>/dev/null; }
rawpub() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0; }

# sign KEY LABEL FILE: base64 of KEY's Ed25519 signature over
# LABEL 0x00 || FILE's bytes.
sign() {
	{ printf '%s\0' "$2"; cat "$3"; } >"$WORK/tbs"
	openssl pkeyutl -sign -rawin -inkey "$1" -in "$WORK/tbs" | base64 -w0
}

# envelope KEY PAYLOAD OUT: the signed request {"payload", "signature"}.
envelope() {
	printf '%s' "$2" >"$WORK/payload"
	printf '{"payload":"%s","signature":"%s"}' "$(b64file "$WORK/payload")" \
		"$(sign "$1" "tern-directory-request v1" "$WORK/payload")" >"$3"
}

# u32be N: four bytes, big endian.
u32be() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"
}

# prekey IK KIND ID KEY-B64: {"id", "key", "signature"}, IK's signature
# over "tern-prekey v1" 0x00 || kind || id (u32 BE) || key.
prekey() {
	{ printf "\\$(printf %03o "$2")"; u32be "$3"; base64 -d <<<"$4"; } \
		>"$WORK/pk"
	printf '{"id":%u,"key":"%s","signature":"%s"}' "$3" "$4" \
		"$(sign "$1" "tern-prekey v1" "$WORK/pk")"
}

# otpks N: N one-time prekeys, ids from $OTPK_BASE (default 1000) up.
otpks() {
	"$PYTHON" -c 'import base64, json, os, sys
print(json.dumps([{"id": int(sys.argv[2]) + i, "key": base64.b64encode(os.urandom(32)).decode()}
                  for i in range(int(sys.argv[1]))], separators=(",", ":")))' \
		"$1" "${OTPK_BASE:-1000}"
}

# device NAME: a device's JSON for add-device, its keys made at first use
# (dev-NAME-*.pem, their raw public keys in dev-NAME-*.pub) and kept, so
# that adding NAME again replaces it; its one-time prekeys are kept in
# dev-NAME-otpk.json. The environment shapes it: TOKEN (push token,
# base64), NOTPK (one-time prekeys, default 2), KEMLEN (a KEM prekey of
# that many bytes), BAD (xsig: a wrong x25519 signature; spk: a wrong
# signed-prekey signature; lrkind: the last-resort prekey signed as
# kind 1).
device() {
	local p=$WORK/dev-$1 xsig spk lr kem=null lrkind=2 k
	if [ ! -f "$p-ik.pem" ]; then
		newkey ed25519 "$p-ik.pem"
		for k in x spk lr; do newkey x25519 "$p-$k.pem"; done
		for k in ik x spk lr; do rawpub "$p-$k.pem" >"$p-$k.pub"; done
	fi
	base64 -d <"$p-x.pub" >"$WORK/x"
	if [ "${BAD:-}" = xsig ]; then
		printf 'x' >>"$WORK/x"
	fi
	xsig=$(sign "$p-ik.pem" "tern-x25519 v1" "$WORK/x")
	spk=$(prekey "$p-ik.pem" 1 7 "$(cat "$p-spk.pub")")
	if [ "${BAD:-}" = spk ]; then
		spk=$(prekey "$p-ik.pem" 1 8 "$(cat "$p-spk.pub")" |
			sed 's/"id":8/"id":7/')
	fi
	[ "${BAD:-}" = lrkind ] && lrkind=1
	lr=$(prekey "$p-ik.pem" $lrkind 9 "$(cat "$p-lr.pub")")
	if [ -n "${KEMLEN:-}" ]; then
		kem=$(prekey "$p-ik.pem" 3 11 "$(rand64 "$KEMLEN")")
	fi
	otpks "${NOTPK:-2}" >"$WORK/otpk.json"
	[ -n "${BAD:-}" ] || cp "$WORK/otpk.json" "$p-otpk.json"
	printf '{"identity_key":"%s","identity_x25519":"%s","x25519_signature":"%s","push_token":"%s","signed_prekey":%s,"last_resort_prekey":%s,"kem_prekey":%s,"one_time_prekeys":%s}' \
		"$(cat "$p-ik.pub")" "$(cat "$p-x.pub")" "$xsig" \
		"${TOKEN:-$(rand64 16)}" "$spk" "$lr" "$kem" \
		"$(cat "$WORK/otpk.json")"
}

# The device id of device NAME: SHA-256 of its identity key, 16 bytes.
device_id() {
	base64 -d <"$WORK/dev-$1-ik.pub" | sha256sum | cut -c1-32
}

# add_device KEY HANDLE SEQ DEVICE-NAME [PATH-HANDLE]: POST it.
add_device() {
	local dev
	dev=$(device "$4")
	envelope "$1" "{\"op\":\"add-device\",\"handle\":\"$2\",\"seq\":$3,\"device\":$dev}" \
		"$WORK/req"
	req POST "/v1/accounts/${5:-$2}/devices" "$WORK/req"
}

# remove_device KEY HANDLE SEQ DEVICE-ID [PATH-ID]
remove_device() {
	envelope "$1" "{\"op\":\"remove-device\",\"handle\":\"$2\",\"seq\":$3,\"device_id\":\"$4\"}" \
		"$WORK/req"
	req DELETE "/v1/accounts/$2/devices/${5:-$4}" "$WORK/req"
}

# register KEY HANDLE INVITE [ACCOUNT-KEY-B64]: POST /v1/register.
register() {
	envelope "$1" "{\"op\":\"register\",\"handle\":\"$2\",\"account_key\":\"${4:-$(rawpub "$1")}\",\"invite\":\"$3\"}" \
		"$WORK/req"
	req POST /v1/register "$WORK/req"
}

# verify ARGS...: kt_verify.py with the pinned keys; its one line.
verify() {
	local cmd=$1
	shift
	"$PYTHON" "$VERIFY" "$cmd" --keys "$KEYS" "$@" 2>&1
}

# lookup HANDLE [QUERY] OUT: GET /v1/lookup/HANDLE into OUT.
lookup() {
	req GET "/v1/lookup/$1${2:+?$2}"
	cp "$WORK/body" "$3"
}

# head_now OUT: the latest head into OUT.
head_now() {
	SRC=198.18.9.12 req GET /v1/kt/head
	cp "$WORK/body" "$1"
}

# tamper IN OUT PYTHON: OUT is IN (JSON, as d) after PYTHON.
tamper() {
	"$PYTHON" - "$1" "$2" "$3" <<'EOF'
import base64, json, sys
d = json.load(open(sys.argv[1]))
def flip(s, i=0):
    b = bytearray(base64.b64decode(s)); b[i] ^= 1
    return base64.b64encode(bytes(b)).decode()
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
EOF
}

# --- the keys ------------------------------------------------------------

mkdir -p "$DATA"
"$DIRECTORYD" --data "$DATA" --show-keys >"$KEYS" 2>"$WORK/show.err"
rc=$?
hk=$(sed -n 's/^head-key = //p' "$KEYS")
vk=$(sed -n 's/^vrf-key = //p' "$KEYS")
vinfo=$(base64 -d <<<"$vk" | openssl pkey -pubin -inform DER -text -noout 2>&1 |
	grep -E 'Public-Key|Exponent' | tr -s ' \n' ' ')
check "--show-keys: a 32-byte Ed25519 head key and an RSA VRF key (2048 bits or more, e 65537)" \
	'^0 32 Public-Key: \((2048|3072|4096) bit\) Exponent: 65537 ' \
	"$rc $(base64 -d <<<"$hk" | wc -c) $vinfo"
"$DIRECTORYD" --data "$DATA" --show-keys >"$WORK/keys2" 2>&1
check "--show-keys again: the same keys (made once, kept in --data)" \
	'^$' "$(diff "$KEYS" "$WORK/keys2")"

"$DIRECTORYD" --data "$DATA" --add-invites 40 >"$WORK/invites" 2>&1
rc=$?
mapfile -t INV <"$WORK/invites"
check "--add-invites 40 prints 40 different codes" '^0 40 40$' \
	"$rc $(wc -l <"$WORK/invites") $(sort -u "$WORK/invites" | grep -c .)"

if ! d_start --head-refresh 1h --change-rate 1000; then
	sed 's/^/# /' "$LOG" | tail -20
	ktap_exit_fail_msg "tern-directoryd did not start"
fi

req GET /v1/kt/keys
expect_ok "GET /v1/kt/keys: 200, JSON" 200
cp "$WORK/body" "$WORK/keys.answer"
check "/v1/kt/keys: the keys --show-keys printed" "^$(q "$hk $vk")\$" \
	"$(jget "$WORK/body" head_key) $(jget "$WORK/body" vrf_key)"

head_now "$WORK/head0"
check "GET /v1/kt/head: 200, size 1 (a new directory: epoch 0), signed by the pinned key" \
	'^200 OK head size=1$' "$CODE $(verify head "$WORK/head0")"
tamper "$WORK/head0" "$WORK/head0.bad" 'd["timestamp_ms"] += 1'
check "the verifier refuses a head whose timestamp was changed" \
	'^FAIL: .*signature' "$(verify head "$WORK/head0.bad")"
SERVER=$SRV6 SRC=fd00::9:1 req GET /v1/kt/head
check "the head over IPv6 ([$SRV6]:$PORT)" '^200 [0-9]+$' \
	"$CODE $(jget "$WORK/body" size)"
CURL_EXTRA="--tlsv1.2 --tls-max 1.2" req GET /v1/kt/head
check "TLS 1.2 is refused (TLS 1.3 only)" '^000 .*protocol version' \
	"$CODE $(cat "$WORK/curl.err")"

lookup nobody@example.org "" "$WORK/l-empty"
check "lookup in an empty directory: 200, absent from the empty map of epoch 0, verified" \
	'^200 false OK absent absent-empty epoch=0 size=1$' \
	"$CODE $(jget "$WORK/l-empty" present) $(verify lookup --handle nobody@example.org "$WORK/l-empty")"

# --- register --------------------------------------------------------------

A=alice@example.org
B=bob+x_1.y-z@mail.example.org
newkey ed25519 "$WORK/alice.pem"
newkey ed25519 "$WORK/bob.pem"
newkey ed25519 "$WORK/mallory.pem"

register "$WORK/alice.pem" $A "${INV[0]}"
expect_ok "register: 201, JSON" 201
cp "$WORK/req" "$WORK/reg-alice"
reg_epoch=$(jget "$WORK/body" epoch)
cp "$WORK/body" "$WORK/reg-alice.answer"
head_now "$WORK/head1"
check "register: {handle, seq 0, epoch}, the epoch published (the head's last)" \
	"^$(q $A) 0 $(($(jget "$WORK/head1" size) - 1))\$" \
	"$(jget "$WORK/reg-alice.answer" handle) $(jget "$WORK/reg-alice.answer" seq) $reg_epoch"
req POST /v1/register "$WORK/reg-alice"
check "register again with the same key: 200, the account as it is" \
	"^200 $(q $A) 0\$" \
	"$CODE $(jget "$WORK/body" handle) $(jget "$WORK/body" seq)"
register "$WORK/mallory.pem" $A "${INV[1]}"
expect_err "register a taken handle with another key: 409 handle-taken" 409 handle-taken
register "$WORK/bob.pem" $B "${INV[0]}"
expect_err "register with a used invite: 403 bad-invite" 403 bad-invite
register "$WORK/bob.pem" $B "0123456789abcdef0123"
expect_err "register with an invite that does not exist: 403 bad-invite" 403 bad-invite
register "$WORK/mallory.pem" $B "${INV[1]}" "$(rawpub "$WORK/bob.pem")"
expect_err "register signed by another key than account_key: 401 bad-signature" 401 bad-signature

bobpay="{\"op\":\"register\",\"handle\":\"$B\",\"account_key\":\"$(rawpub "$WORK/bob.pem")\",\"invite\":\"${INV[1]}\"}"
printf '{"payload":"%s"}' "$(printf '%s' "$bobpay" | base64 -w0)" >"$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: an envelope without a signature: 400 bad-request" 400 bad-request
printf '{"payload":"%s",' "$(printf '%s' "$bobpay" | base64 -w0)" >"$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: a body that is not JSON: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" '{"op":"register","handle":' "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: a signed payload that is not JSON: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" "${bobpay%\}},\"name\":\"Bob\"}" "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: an unknown field in the payload: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" "$bobpay" "$WORK/req"
sed -i 's/}$/,"extra":1}/' "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: an unknown field in the envelope: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" "${bobpay%,\"invite\"*}}" "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: no invite: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" "${bobpay%,\"invite\"*},\"invite\":7}" "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: a number for the invite: 400 bad-request" 400 bad-request
envelope "$WORK/bob.pem" "${bobpay/\"register\"/\"add-device\"}" "$WORK/req"
req POST /v1/register "$WORK/req"
expect_err "register: a payload whose op is another call's: 400 bad-request" 400 bad-request

k=$(rawpub "$WORK/bob.pem")
register "$WORK/bob.pem" $B "${INV[1]}" "${k:0:10}!${k:11}"
expect_err "register: a character outside base64's alphabet: 400 bad-request" 400 bad-request
register "$WORK/bob.pem" $B "${INV[1]}" "${k%=}"
expect_err "register: base64 without its padding: 400 bad-request" 400 bad-request
# The last digit before "=" carries 2 bits past the 32 bytes: set one.
last=${k: -2:1}
alpha=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
idx=${alpha%%"$last"*}
register "$WORK/bob.pem" $B "${INV[1]}" "${k:0:${#k}-2}${alpha:$(( (${#idx} & ~3) | 1 )):1}="
expect_err "register: base64 with non-zero trailing bits: 400 bad-request" 400 bad-request
register "$WORK/bob.pem" $B "${INV[1]}" "$(base64 -d <<<"$k" | head -c 31 | base64 -w0)"
expect_err "register: a 31-byte account key: 400 bad-request" 400 bad-request

long=$(printf 'a%.0s' $(seq 64))
d63=$(printf 'b%.0s' $(seq 63))
h254="$long@$d63.$d63.$(printf 'c%.0s' $(seq 57)).org"	# 64+1+64+64+58+3
for bad in "Alice@example.org" "alice.example.org" "a$h254" \
	   "alice@localhost" "alice@-example.org" "alice@example-.org" \
	   "a$long@example.org" "al!ce@example.org" "alice@exa_mple.org" \
	   "@example.org" "alice@@example.org"; do
	register "$WORK/bob.pem" "$bad" "${INV[1]}"
	expect_err "register: bad handle '${bad:0:24}$([ ${#bad} -gt 24 ] && echo "... (${#bad} bytes)")': 400 bad-request" 400 bad-request
done
lookup "$h254" "" "$WORK/l-254"
check "lookup of a 254-byte handle: 200, absent, verified" \
	'^254 200 OK absent' \
	"${#h254} $CODE $(verify lookup --handle "$h254" "$WORK/l-254")"

register "$WORK/bob.pem" $B "${INV[2]}"
cp "$WORK/req" "$WORK/reg-bob"
check "register a handle with + _ . - in it: 201" "^201 $(q $B)\$" \
	"$CODE $(jget "$WORK/body" handle)"

# --- add-device ------------------------------------------------------------

add_device "$WORK/alice.pem" $A 1 a1
expect_ok "add-device: 200, JSON" 200
cp "$WORK/req" "$WORK/add-a1"
cp "$WORK/body" "$WORK/add-a1.answer"
head_now "$WORK/head2"
check "add-device: {handle, device_id (of the identity key), seq 1, epoch published}" \
	"^$(q $A) $(device_id a1) 1 $(($(jget "$WORK/head2" size) - 1))\$" \
	"$(jget "$WORK/add-a1.answer" handle) $(jget "$WORK/add-a1.answer" device_id) $(jget "$WORK/add-a1.answer" seq) $(jget "$WORK/add-a1.answer" epoch)"
req POST /v1/accounts/$A/devices "$WORK/add-a1"
expect_err "add-device replayed: 409 stale-seq" 409 stale-seq
add_device "$WORK/alice.pem" $A 3 a2
expect_err "add-device with a seq past the next: 409 stale-seq" 409 stale-seq
add_device "$WORK/mallory.pem" $A 2 a2
expect_err "add-device signed by another key: 401 bad-signature" 401 bad-signature
BAD=xsig add_device "$WORK/alice.pem" $A 2 a2
expect_err "add-device with a bad x25519_signature: 401 bad-signature" 401 bad-signature
BAD=spk add_device "$WORK/alice.pem" $A 2 a2
expect_err "add-device with a bad signed_prekey signature: 401 bad-signature" 401 bad-signature
BAD=lrkind add_device "$WORK/alice.pem" $A 2 a2
expect_err "add-device with the last-resort prekey signed as kind 1: 401 bad-signature" 401 bad-signature
add_device "$WORK/alice.pem" carol@example.org 1 a2
expect_err "add-device to an unknown account: 404 not-found" 404 not-found
NOTPK=101 add_device "$WORK/alice.pem" $A 2 a2
expect_err "add-device with 101 one-time prekeys: 400 bad-request" 400 bad-request
add_device "$WORK/alice.pem" $A 2 a2 $B
expect_err "add-device whose payload handle is not the path's: 400 bad-request" 400 bad-request
add_device "$WORK/alice.pem" Alice@example.org 2 a2
expect_err "add-device to a bad handle: 400 bad-request" 400 bad-request

NOTPK=100 KEMLEN=1568 add_device "$WORK/alice.pem" $A 2 a2
check "add-device with 100 one-time prekeys and a 1568-byte KEM prekey: 200" \
	"^200 $(device_id a2) 2\$" \
	"$CODE $(jget "$WORK/body" device_id) $(jget "$WORK/body" seq)"
add_device "$WORK/alice.pem" $A 3 a3
check "a third device: 200" "^200 3\$" "$CODE $(jget "$WORK/body" seq)"
tok=$(rand64 16)
TOKEN=$tok add_device "$WORK/alice.pem" $A 4 a1
check "adding a device that exists replaces it (same id, new token)" \
	"^200 $(device_id a1) 4\$" \
	"$CODE $(jget "$WORK/body" device_id) $(jget "$WORK/body" seq)"

# --- lookups and their proofs ---------------------------------------------

lookup $A "" "$WORK/l-a"
ids=$("$PYTHON" - "$WORK/l-a" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["account"]
print(" ".join(sorted(d["device_id"] for d in a["devices"])))
EOF
)
want=$(printf '%s\n' "$(device_id a1)" "$(device_id a2)" "$(device_id a3)" | sort | tr '\n' ' ')
check "lookup: present, the account key, seq 4, the three devices" \
	"^200 true $(q "$(rawpub "$WORK/alice.pem")") 4 ${want% }\$" \
	"$CODE $(jget "$WORK/l-a" present) $(jget "$WORK/l-a" account account_key) $(jget "$WORK/l-a" account seq) $ids"
tokens=$("$PYTHON" - "$WORK/l-a" "$(device_id a1)" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["account"]
print([d["push_token"] for d in a["devices"] if d["device_id"] == sys.argv[2]][0])
EOF
)
check "lookup: the replaced device has its new push token" "^$(q "$tok")\$" "$tokens"
check "lookup: the proofs verify (head, epoch, inclusion, VRF, commitment, map, device signatures)" \
	'^OK present seq=4 devices=3 ' "$(verify lookup --handle $A "$WORK/l-a")"
kem=$("$PYTHON" - "$WORK/l-a" "$(device_id a2)" <<'EOF'
import base64, json, sys
a = json.load(open(sys.argv[1]))["account"]
k = [d["kem_prekey"] for d in a["devices"] if d["device_id"] == sys.argv[2]][0]
print(len(base64.b64decode(k["key"])))
EOF
)
check "lookup: the KEM prekey as added (1568 bytes)" '^1568$' "$kem"

lookup $A "since=$(jget "$WORK/head0" size)" "$WORK/l-a.since"
check "lookup ?since= an old head: a consistency proof from it that verifies" \
	'^OK present ' \
	"$(verify lookup --handle $A --seen "$WORK/head0" "$WORK/l-a.since")"
jget "$WORK/l-a.since" proof head >"$WORK/head-since"
lookup $A "since=$(jget "$WORK/head-since" size)" "$WORK/l-a.same"
check "lookup ?since= the current size: verifies (an empty proof)" \
	'^OK present ' \
	"$(verify lookup --handle $A --seen "$WORK/head-since" "$WORK/l-a.same")"
lookup nobody@example.org "since=$(jget "$WORK/head1" size)" "$WORK/l-absent"
check "lookup of an absent handle after changes: 200, no account, verified" \
	'^200 false  OK absent absent-(empty|other) ' \
	"$CODE $(jget "$WORK/l-absent" present) $(jget "$WORK/l-absent" account) $(verify lookup --handle nobody@example.org --seen "$WORK/head1" "$WORK/l-absent")"
lookup $B "" "$WORK/l-b"
check "lookup of a handle with no devices: present, verified" \
	'^OK present seq=0 devices=0 ' "$(verify lookup --handle $B "$WORK/l-b")"

# Lies the verifier must catch.
lie() {
	tamper "$WORK/l-a" "$WORK/lie" "$2"
	check "verifier refuses $1" '^FAIL: ' \
		"$(verify lookup --handle "${3:-$A}" "$WORK/lie")"
}
lie "a flipped map sibling" \
	'm = d["proof"]["map"]; m["siblings"][0] = flip(m["siblings"][0])'
lie "a map proof whose bitmap marks a sibling empty" \
	'm = d["proof"]["map"]; e = bytearray(base64.b64decode(m["empty"])); e[0] ^= 0x80; m["empty"] = base64.b64encode(bytes(e)).decode()'
lie "alice's answer given for bob's handle" "d['handle'] = '$B'" "$B"
lie "an altered device key" \
	'x = d["account"]["devices"][0]; x["identity_x25519"] = flip(x["identity_x25519"])'
lie "an altered push token" \
	'x = d["account"]["devices"][1]; x["push_token"] = flip(x["push_token"], 5)'
lie "a device left out" 'd["account"]["devices"].pop()'
lie "an older seq" 'd["account"]["seq"] -= 1'
lie "an older head" "d['proof']['head'] = json.load(open('$WORK/head1'))"
lie "an older epoch and its map root" \
	"o = json.load(open('$WORK/l-empty'))['proof']; d['proof']['epoch'] = o['epoch']; d['proof']['map_root'] = o['map_root']"
lie "a flipped inclusion hash" \
	'd["proof"]["inclusion"][0] = flip(d["proof"]["inclusion"][0])'
lie "a flipped VRF proof" 'd["proof"]["vrf"] = flip(d["proof"]["vrf"], 100)'
lie "a present entry shown as absent" \
	'd["present"] = False; del d["account"]; d["proof"]["map"]["end"] = "absent-empty"'
tamper "$WORK/l-absent" "$WORK/lie" \
	'm = d["proof"]["map"]; k = "other_value" if m["end"] == "absent-other" else None
if k: m[k] = flip(m[k])
else: m["siblings"][-1] = flip(m["siblings"][-1])'
echo "# the absence proof ends $(jget "$WORK/l-absent" proof map end)"
check "verifier refuses an absence proof with a flipped sibling or other leaf" \
	'^FAIL: ' "$(verify lookup --handle nobody@example.org "$WORK/lie")"
tamper "$WORK/l-a.since" "$WORK/lie" \
	'c = d["proof"]["consistency"]; c[-1] = flip(c[-1])'
check "verifier refuses a flipped consistency hash" '^FAIL: .*consistency' \
	"$(verify lookup --handle $A --seen "$WORK/head0" "$WORK/lie")"
check "verifier refuses an answer older than a head seen before (rollback)" \
	'^FAIL: .*rollback' \
	"$(verify lookup --handle nobody@example.org --seen "$WORK/head2" "$WORK/l-empty")"

# --- /v1/kt/consistency -------------------------------------------------------

head_now "$WORK/head3"
s0=$(jget "$WORK/head0" size)
s3=$(jget "$WORK/head3" size)
req GET "/v1/kt/consistency?from=$s0&to=$s3"
cp "$WORK/body" "$WORK/cons"
cp "$WORK/body" "$WORK/cons.answer"
check "/v1/kt/consistency from the first head to the latest: 200, verifies" \
	"^200 OK consistent $s0 $s3\$" \
	"$CODE $(verify consistency "$WORK/head0" "$WORK/head3" "$WORK/cons")"
s1=$(jget "$WORK/head1" size)
req GET "/v1/kt/consistency?from=$s1&to=$s3"
cp "$WORK/body" "$WORK/cons"
check "/v1/kt/consistency between two later heads: verifies" \
	"^200 OK consistent $s1 $s3\$" \
	"$CODE $(verify consistency "$WORK/head1" "$WORK/head3" "$WORK/cons")"
req GET "/v1/kt/consistency?from=0&to=$s3"
expect_err "/v1/kt/consistency from 0: 400 bad-request" 400 bad-request
req GET "/v1/kt/consistency?from=1&to=$((s3 + 1))"
expect_err "/v1/kt/consistency to past the latest head: 400 bad-request" 400 bad-request

# --- remove-device -------------------------------------------------------------

remove_device "$WORK/alice.pem" $A 5 "$(device_id a3)"
rm_code=$CODE
cp "$WORK/body" "$WORK/rm.answer"
head_now "$WORK/head4"
check "remove-device: 200 {seq 5, epoch published}" \
	"^200 5 $(($(jget "$WORK/head4" size) - 1))\$" \
	"$rm_code $(jget "$WORK/rm.answer" seq) $(jget "$WORK/rm.answer" epoch)"
jget "$WORK/l-a" proof head >"$WORK/head-a"
lookup $A "since=$(jget "$WORK/head-a" size)" "$WORK/l-a"
check "lookup after remove-device: two devices, verified, consistent with the earlier answer" \
	'^OK present seq=5 devices=2 ' \
	"$(verify lookup --handle $A --seen "$WORK/head-a" "$WORK/l-a")"
remove_device "$WORK/alice.pem" $A 6 "$(device_id a3)"
expect_err "remove-device of a device the account does not have: 404 not-found" 404 not-found
remove_device "$WORK/alice.pem" $A 6 "$(device_id a2)" "$(device_id a2 | tr a-f A-F)"
expect_err "remove-device with an upper-case device id: 400 bad-request" 400 bad-request
remove_device "$WORK/alice.pem" $A 5 "$(device_id a2)"
expect_err "remove-device with a used seq: 409 stale-seq" 409 stale-seq
remove_device "$WORK/mallory.pem" $A 6 "$(device_id a2)"
expect_err "remove-device signed by another key: 401 bad-signature" 401 bad-signature

# --- 16 devices an account -------------------------------------------------------

seq=1
ok=0
for i in $(seq 1 16); do
	NOTPK=0 add_device "$WORK/bob.pem" $B $seq b$i
	[ "$CODE" = 200 ] && ok=$((ok + 1))
	seq=$((seq + 1))
done
NOTPK=0 add_device "$WORK/bob.pem" $B $seq b17
check "16 devices added, a 17th is 409 too-many-devices" '^16 409 too-many-devices$' \
	"$ok $CODE $(jget "$WORK/body" error)"
lookup $B "" "$WORK/l-b16"
check "lookup of an account with 16 devices: verified" \
	'^OK present seq=16 devices=16 ' "$(verify lookup --handle $B "$WORK/l-b16")"

# --- a map of some depth ------------------------------------------------------------

# 30 more handles (one account key may hold several), then lookups of some
# of them and of absent handles: proofs with empty siblings on the way and
# both forms of absence, all verified.
ok=0
for i in $(seq 10 39); do
	register "$WORK/mallory.pem" "u$i@example.org" "${INV[$i]}"
	[ "$CODE" = 201 ] && ok=$((ok + 1))
done
bad=
ends=
for h in u10 u17 u23 u31 u39 x1 x2 x3 x4 x5 x6 x7 x8 x9 x10 x11 x12; do
	lookup "$h@example.org" "" "$WORK/l-m"
	out=$(verify lookup --handle "$h@example.org" "$WORK/l-m")
	case $h in
	u*) [[ $out == "OK present seq=0 devices=0 "* ]] || bad="$bad $h: $out;" ;;
	*) [[ $out == "OK absent "* ]] || bad="$bad $h: $out;" ;;
	esac
	ends="$ends $(jget "$WORK/l-m" proof map end):$(jget "$WORK/l-m" proof map depth)"
done
echo "# map proofs (end:depth):$ends"
check "30 more handles registered; lookups of 5 of them and of 12 absent handles verify" \
	'^30 $' "$ok $bad"

# --- prekey claims ------------------------------------------------------------

# claim KEY TARGET CLAIMER DEVICE-ID [TIMESTAMP-MS] [MORE-FIELDS]
claim() {
	envelope "$1" "{\"op\":\"claim\",\"handle\":\"$2\",\"claimer\":\"$3\",\"claimer_device\":\"$4\",\"timestamp_ms\":${5:-$(date +%s%3N)}${6:-}}" \
		"$WORK/req"
	req POST /v1/claim "$WORK/req"
}

lookup $A "" "$WORK/l-a.c"
codes=
for i in 1 2 3; do
	claim "$WORK/dev-b1-ik.pem" $A $B "$(device_id b1)"
	codes="$codes$CODE "
	cp "$WORK/body" "$WORK/claim$i"
done
v1=$(verify claim --handle $A "$WORK/l-a.c" "$WORK/claim1")
check "claim: 200, one entry a device, the last-resort prekeys signed (verified)" \
	'^200 200 200 OK claim devices=2 one_time=2 ' "$codes$v1"
check "claim: the one-time prekeys are ones the devices added" '^ok ok ok ok ok$' \
	"$("$PYTHON" - "$WORK" "$(device_id a1)" "$(device_id a2)" <<'EOF2'
import json, sys
w, ids = sys.argv[1], {sys.argv[2]: "a1", sys.argv[3]: "a2"}
out = []
for i in (1, 2, 3):
    for d in json.load(open("%s/claim%d" % (w, i)))["devices"]:
        ot = d["one_time_prekey"]
        if ot is None:
            continue
        added = json.load(open("%s/dev-%s-otpk.json" % (w, ids[d["device_id"]])))
        out.append("ok" if {"id": ot["id"], "key": ot["key"]} in added else "not added")
print(" ".join(out))
EOF2
)"
v2=$(verify claim --handle $A "$WORK/l-a.c" "$WORK/claim2")
v3=$(verify claim --handle $A "$WORK/l-a.c" "$WORK/claim3")
words=$(printf '%s\n' "$v1" "$v2" "$v3" | cut -d' ' -f5- | tr ' ' '\n' | grep .)
check "claim: no one-time prekey given twice; a device with none left gets null" \
	'^5 5 OK claim devices=2 one_time=1 ' \
	"$(grep -c . <<<"$words") $(sort -u <<<"$words" | grep -c .) $v3"
claim "$WORK/bob.pem" $A $B "$(device_id b1)"
expect_err "claim signed by the claimer's account key, not the device's: 401 bad-signature" 401 bad-signature
claim "$WORK/dev-b1-ik.pem" $A $B "$(device_id b1)" $(($(date +%s%3N) - 600000))
check "claim with a timestamp 10 minutes old: refused" \
	'^(400 bad-request|401 bad-signature)$' "$CODE $(jget "$WORK/body" error)"
claim "$WORK/dev-b1-ik.pem" carol@example.org $B "$(device_id b1)"
expect_err "claim of a handle no one registered: 404 not-found" 404 not-found
claim "$WORK/dev-b1-ik.pem" $A $B "$(device_id b1)" "" ',"count":2'
expect_err "claim with an unknown field: 400 bad-request" 400 bad-request

# --- add-prekeys: a device's own upkeep ---------------------------------------------

# prekeys KEY DEVICE-ID [MORE-FIELDS] [PATH-DEVICE-ID]
prekeys() {
	envelope "$1" "{\"op\":\"add-prekeys\",\"handle\":\"$A\",\"device_id\":\"$2\"${3:-}}" \
		"$WORK/req"
	req POST "/v1/accounts/$A/devices/${4:-$2}/prekeys" "$WORK/req"
}
ida2=$(device_id a2)
head_now "$WORK/hp0"
prekeys "$WORK/dev-a2-ik.pem" "$ida2"
cp "$WORK/body" "$WORK/prekeys.answer"
check "add-prekeys with neither field: 200, the one-time prekeys left (100 added, 3 claimed)" \
	"^200 $(q $A) $ida2 97\$" \
	"$CODE $(jget "$WORK/body" handle) $(jget "$WORK/body" device_id) $(jget "$WORK/body" one_time_prekeys)"
prekeys "$WORK/dev-a2-ik.pem" "$ida2" ",\"one_time_prekeys\":$(OTPK_BASE=5000 otpks 5)"
cp "$WORK/req" "$WORK/prekeys-otpk"
check "add-prekeys with 5 one-time prekeys: 200, 102 left" '^200 102$' \
	"$CODE $(jget "$WORK/body" one_time_prekeys)"
req POST "/v1/accounts/$A/devices/$ida2/prekeys" "$WORK/prekeys-otpk"
check "add-prekeys again with the same ids: ignored, 102 left" '^200 102$' \
	"$CODE $(jget "$WORK/body" one_time_prekeys)"
newkey x25519 "$WORK/spk2.pem"
spk2=$(rawpub "$WORK/spk2.pem")
prekeys "$WORK/dev-a2-ik.pem" "$ida2" ",\"signed_prekey\":$(prekey "$WORK/dev-a2-ik.pem" 1 8 "$spk2")"
cp "$WORK/req" "$WORK/prekeys-spk"
check "add-prekeys with a signed prekey of a higher id: 200" '^200$' "$CODE"
head_now "$WORK/hp1"
check "add-prekeys publishes no epoch (the head's size is unchanged)" \
	"^$(jget "$WORK/hp0" size)\$" "$(jget "$WORK/hp1" size)"
lookup $A "" "$WORK/l-a.p"
check "lookup: the new signed prekey, verified under the identity key" \
	"^8 $(q "$spk2") OK present " \
	"$("$PYTHON" - "$WORK/l-a.p" $ida2 <<'EOF2'
import json, sys
a = json.load(open(sys.argv[1]))["account"]
p = [d["signed_prekey"] for d in a["devices"] if d["device_id"] == sys.argv[2]][0]
print(p["id"], p["key"])
EOF2
) $(verify lookup --handle $A "$WORK/l-a.p")"
req POST "/v1/accounts/$A/devices/$ida2/prekeys" "$WORK/prekeys-spk"
expect_err "add-prekeys replayed (the signed prekey's id not above the device's): 409 stale-prekey" 409 stale-prekey
prekeys "$WORK/dev-a2-ik.pem" "$ida2" ",\"signed_prekey\":$(prekey "$WORK/dev-a2-ik.pem" 1 6 "$spk2")"
expect_err "add-prekeys with a lower signed-prekey id: 409 stale-prekey" 409 stale-prekey
prekeys "$WORK/alice.pem" $ida2
expect_err "add-prekeys signed by the account key, not the device's: 401 bad-signature" 401 bad-signature
prekeys "$WORK/dev-a2-ik.pem" "$(device_id a3)"
expect_err "add-prekeys for a device the account does not have: 404 not-found" 404 not-found
prekeys "$WORK/dev-a2-ik.pem" "$ida2" ",\"signed_prekey\":$(prekey "$WORK/dev-a1-ik.pem" 1 9 "$spk2")"
expect_err "add-prekeys with a signed prekey signed by another device: 401 bad-signature" 401 bad-signature

# --- rotate: a new account key -------------------------------------------------------

# rotate SIGNER NEW-KEY SEQ [SIGNED-SEQ] [NEW-KEY-SIGNER]: the new key's
# signature over "tern-account-key v1" 0x00 || handle || 0x00 || seq.
rotate() {
	{ printf 'tern-account-key v1\0%s\0' "$A"; u32be 0; u32be "${4:-$3}"; } \
		>"$WORK/rk"
	envelope "$1" "{\"op\":\"rotate\",\"handle\":\"$A\",\"seq\":$3,\"new_account_key\":\"$(rawpub "$2")\",\"new_key_signature\":\"$(openssl pkeyutl -sign -rawin -inkey "${5:-$2}" -in "$WORK/rk" | base64 -w0)\"}" \
		"$WORK/req"
	req POST "/v1/accounts/$A/rotate" "$WORK/req"
}
newkey ed25519 "$WORK/alice2.pem"
rotate "$WORK/alice.pem" "$WORK/alice2.pem" 6 6 "$WORK/mallory.pem"
expect_err "rotate whose new_key_signature is not the new key's: 401 bad-signature" 401 bad-signature
rotate "$WORK/alice.pem" "$WORK/alice2.pem" 6 5
expect_err "rotate whose new_key_signature covers another seq: 401 bad-signature" 401 bad-signature
rotate "$WORK/alice2.pem" "$WORK/alice2.pem" 6
expect_err "rotate signed by the new key, not the current one: 401 bad-signature" 401 bad-signature
rotate "$WORK/alice.pem" "$WORK/alice2.pem" 6
rot_code=$CODE
cp "$WORK/body" "$WORK/rot.answer"
head_now "$WORK/hr"
check "rotate: 200 {handle, seq 6, epoch published}" \
	"^200 $(q $A) 6 $(($(jget "$WORK/hr" size) - 1))\$" \
	"$rot_code $(jget "$WORK/rot.answer" handle) $(jget "$WORK/rot.answer" seq) $(jget "$WORK/rot.answer" epoch)"
lookup $A "since=$(jget "$WORK/hp1" size)" "$WORK/l-a"
check "lookup after rotate: the new account key, verified, consistent" \
	"^$(q "$(rawpub "$WORK/alice2.pem")") OK present seq=6 devices=2 " \
	"$(jget "$WORK/l-a" account account_key) $(verify lookup --handle $A --seen "$WORK/hp1" "$WORK/l-a")"
remove_device "$WORK/alice.pem" $A 7 "$ida2"
expect_err "after rotate, a change signed by the old key: 401 bad-signature" 401 bad-signature
TOKEN=$tok add_device "$WORK/alice2.pem" $A 7 a1
check "after rotate, a change signed by the new key: 200" '^200 7$' \
	"$CODE $(jget "$WORK/body" seq)"
lookup $A "" "$WORK/l-a"

# The answers' fields, exactly as "Calls" lists them.
bad=
for f in "keys.answer head_key,vrf_key" "head0 root,signature,size,timestamp_ms" \
	 "cons.answer from,proof,to" "reg-alice.answer epoch,handle,seq" \
	 "add-a1.answer device_id,epoch,handle,seq" "rm.answer epoch,handle,seq" \
	 "claim1 devices,handle" "prekeys.answer device_id,handle,one_time_prekeys" \
	 "rot.answer epoch,handle,seq"; do
	set -- $f
	got=$(fields "$WORK/$1")
	[ "$got" = "$2" ] || bad="$bad ${1%.answer}: {$got}, documented {$2};"
done
check "answers carry exactly the documented fields" '^$' "$bad"

# --- bodies, paths, methods ------------------------------------------------------

"$PYTHON" -c 'import sys; sys.stdout.write(sys.argv[1] + " " * (65536 - len(sys.argv[1])))' \
	"$(cat "$WORK/reg-bob")" >"$WORK/big"
req POST /v1/register "$WORK/big"
check "a body of exactly 64 KiB is taken (register replayed, padded)" \
	"^65536 200 $(q $B)\$" "$(wc -c <"$WORK/big") $CODE $(jget "$WORK/body" handle)"
printf ' ' >>"$WORK/big"
req POST /v1/register "$WORK/big"
expect_err "a body of 64 KiB + 1: 413 too-large" 413 too-large
head -c $((2 << 20)) /dev/zero | tr '\0' ' ' >"$WORK/huge"
req POST /v1/register "$WORK/huge"
# Past 1 MiB libevent answers itself, unread (the document says so).
check "a body of 2 MiB: 413, from the HTTP server, unread" "^413$" "$CODE"
req GET /v1/nothing
expect_err "an unknown path: 404 not-found" 404 not-found
req GET /v1/accounts/$A/devices
expect_err "GET on add-device's path: 405 bad-method" 405 bad-method
check "405 names the method the path takes in Allow" '^POST$' "$(hdr Allow)"
req POST /v1/lookup/$A "$WORK/reg-alice"
expect_err "POST on a lookup: 405 bad-method" 405 bad-method
req PUT /v1/register "$WORK/reg-alice"
expect_err "PUT on register: 405 bad-method" 405 bad-method
lookup "Alice@example.org" "" "$WORK/l-bad"
expect_err "lookup of a bad handle: 400 bad-request" 400 bad-request

# --- no lookup traces --------------------------------------------------------------

# Lookups only, from an address that does nothing else, of handles that
# appear nowhere else; the store's files must not change, nor any appear,
# and the daemon's output must name none of them nor the address.
secret=zq$$x$RANDOM
traced=("$secret-one@example.net" "$secret-two@$secret.example"
	"$secret.three@example.org")
store_state() {
	(cd "$DATA" && find . -type f ! -name '*-shm' | sort |
		xargs sha256sum)
}
store_state >"$WORK/store.before"
nlog=$(wc -c <"$LOG")
n=0
for h in "${traced[@]}" $A; do
	SRC=198.18.9.4 lookup "$h" "" "$WORK/l-t" && [ "$CODE" = 200 ] && n=$((n + 1))
	SRC=198.18.9.4 lookup "$h" "since=1" "$WORK/l-t" && [ "$CODE" = 200 ] && n=$((n + 1))
	SERVER=$SRV6 SRC=fd00::9:4 lookup "$h" "" "$WORK/l-t" && [ "$CODE" = 200 ] && n=$((n + 1))
done
SRC=198.18.9.4 lookup "${traced[0]^^}" "" "$WORK/l-t"
SRC=198.18.9.4 req GET "/v1/kt/consistency?from=1&to=$s3"
store_state >"$WORK/store.after"
check "lookups change nothing in --data (directory.db, its WAL, no new file)" \
	'^12 [1-9][0-9]* $' \
	"$n $(grep -c 'directory.db' "$WORK/store.before") $(diff "$WORK/store.before" "$WORK/store.after" | head -5)"
found=
for w in "${traced[@]}" "${traced[0]^^}" "$secret" 198.18.9.4 fd00::9:4; do
	grep -qiF -- "$w" "$LOG" && found="$found $w"
done
echo "# the daemon wrote $(($(wc -c <"$LOG") - nlog)) bytes during the lookups"
check "the daemon's output (-v -v) names no looked-up handle nor the source" \
	'^$' "$found"

# --- restart -------------------------------------------------------------------------

head_now "$WORK/head5"
d_stop
check "SIGTERM: the daemon exits 0" '^0$' "$?"
if ! d_start --head-refresh 1s --lookup-rate 1 --lookup-burst 2 \
	     --distinct-lookups 3 --change-rate 2 --claim-rate 2; then
	sed 's/^/# /' "$LOG" | tail -20
	ktap_exit_fail_msg "tern-directoryd did not start again"
fi
head_now "$WORK/head6"
check "after a restart: a head signed at start, for the same log (size and root)" \
	"^$(q "$(jget "$WORK/head5" size) $(jget "$WORK/head5" root)") later OK" \
	"$(jget "$WORK/head6" size) $(jget "$WORK/head6" root) $([ "$(jget "$WORK/head6" timestamp_ms)" -gt "$(jget "$WORK/head5" timestamp_ms)" ] && echo later) $(verify head "$WORK/head6")"
SRC=198.18.9.5 lookup $A "since=$(jget "$WORK/head5" size)" "$WORK/l-a.r"
check "after a restart: alice's account and devices, consistent with the head before" \
	'^OK present seq=7 devices=2 ' \
	"$(verify lookup --handle $A --seen "$WORK/head5" "$WORK/l-a.r")"
check "after a restart: the same entry (account and devices) as before" '^$' \
	"$("$PYTHON" - "$WORK/l-a" "$WORK/l-a.r" <<'EOF'
import json, sys
a, b = (json.load(open(p))["account"] for p in sys.argv[1:3])
if a != b:
    print("differs")
EOF
)"
SRC=198.18.9.6 lookup $B "" "$WORK/l-b.r"
check "after a restart: the 16-device account, verified" \
	'^OK present seq=16 devices=16 ' "$(verify lookup --handle $B "$WORK/l-b.r")"
sleep 1.3
head_now "$WORK/head7"
check "--head-refresh 1s: a fresh head for the same log (same size and root, later, signed)" \
	"^$(q "$(jget "$WORK/head6" size) $(jget "$WORK/head6" root)") later OK" \
	"$(jget "$WORK/head7" size) $(jget "$WORK/head7" root) $([ "$(jget "$WORK/head7" timestamp_ms)" -gt "$(jget "$WORK/head6" timestamp_ms)" ] && echo later) $(verify head "$WORK/head7")"

# --- rate limits -------------------------------------------------------------------------

REPEAT=3 SRC=198.18.9.7 req GET /v1/lookup/$A
codes=$CODE
CODE=${codes% }
CODE=${CODE##* }
ra=$(hdr Retry-After)
check "--lookup-burst 2: three lookups at once are 200 200 429" '^200 200 429 $' "$codes"
expect_err "the third is 429 rate-limited" 429 rate-limited
check "rate-limited: Retry-After says when to come back" '^[1-9][0-9]*$' "$ra"
SRC=198.18.9.8 lookup $A "" "$WORK/l-r"
check "another source is not limited meanwhile" '^200$' "$CODE"
sleep "${ra:-1}"
SRC=198.18.9.7 lookup $A "" "$WORK/l-r"
check "after Retry-After the source may look up again" '^200$' "$CODE"

codes=
for h in e1@example.org e2@example.org; do
	SRC=198.18.9.9 lookup $h "" "$WORK/l-r"
	codes="$codes$CODE "
done
sleep 2.1
SRC=198.18.9.9 lookup e3@example.org "" "$WORK/l-r"
codes="$codes$CODE "
SRC=198.18.9.9 lookup e4@example.org "" "$WORK/l-r"
ra=$(hdr Retry-After)
echo "# the first three: $codes"
expect_err "--distinct-lookups 3: a fourth handle from one source is 429 no-enumeration" 429 no-enumeration
check "no-enumeration: Retry-After" '^[1-9][0-9]*$' "$ra"

codes=
for _ in 1 2; do
	SRC=198.18.9.10 req POST /v1/register "$WORK/reg-bob"
	codes="$codes$CODE "
done
SRC=198.18.9.10 req POST /v1/register "$WORK/reg-bob"
ra=$(hdr Retry-After)
echo "# the first two: $codes"
expect_err "--change-rate 2: a third change a minute is 429 rate-limited" 429 rate-limited
check "change rate-limited: Retry-After" '^[1-9][0-9]*$' "$ra"

codes=
for _ in 1 2; do
	SRC=198.18.9.11 claim "$WORK/dev-b1-ik.pem" $A $B "$(device_id b1)"
	codes="$codes$CODE "
done
SRC=198.18.9.11 claim "$WORK/dev-b1-ik.pem" $A $B "$(device_id b1)"
ra=$(hdr Retry-After)
echo "# the first two: $codes"
expect_err "--claim-rate 2: a third claim a minute is 429 rate-limited" 429 rate-limited
check "claim rate-limited: Retry-After" '^[1-9][0-9]*$' "$ra"

# --- the end ---------------------------------------------------------------------------------

d_stop
check "SIGTERM again: exits 0" '^0$' "$?"
re="AddressSanitizer|runtime error|LeakSanitizer"
if grep -Eq "$re" "$LOG"; then
	grep -E -A20 "$re" "$LOG" | sed 's/^/# /' | head -40
	ktap_test_fail "tern-directoryd ran sanitizer-clean"
else
	ktap_test_pass "tern-directoryd ran sanitizer-clean"
fi

[ -n "${DIR_TEST_DEBUG:-}" ] && sed 's/^/# log: /' "$LOG"
ktap_finished

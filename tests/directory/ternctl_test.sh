#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternctl dir register | devices (Documentation/man/ternctl.8): register a
# handle with an invite (the account key file made with mode 0600),
# list and remove a device, each checked by a verified lookup; usage
# errors exit 2 naming what was wrong; the directory's refusals exit 1
# with its message. Runs the sanitizer builds in a network namespace of
# its own (198.18.14.1). Skips, saying why, without root, namespaces,
# curl or openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
dir_setup tctl 198.18.14.1
ktap_set_plan 13
"$DIRD" --data "$WORK/data" --add-invites 2 >"$WORK/invites" ||
	ktap_exit_fail_msg "cannot make invites"
{ "$DIRD" --data "$WORK/data" --show-keys
  echo "directory = $URL"
  echo "ca = $WORK/pki/ca.crt"; } >"$WORK/client.conf"
dird_start

t() {	# t ARGS...: ternctl dir ARGS; OUT, ERR, RC
	OUT=$(ip netns exec "$NS" "$TERNCTL" dir "$@" -c "$WORK/client.conf" \
		2>"$WORK/err")
	RC=$?
	ERR=$(cat "$WORK/err")
}
INV1=$(sed -n 1p "$WORK/invites")

t register alice@example.org --account-key "$WORK/alice.pem"
check "register without a code is a usage error" "^2 .*--invite CODE or --email-code" "$RC $ERR"
t register alice@example.org --account-key "$WORK/alice.pem" --invite x \
	--email-code y
check "register with both codes is a usage error" "^2 " "$RC $ERR"
t register Alice@example.org --account-key "$WORK/alice.pem" --invite "$INV1"
check "a bad handle is a usage error, named" "^2 .*upper-case" "$RC $ERR"
t register alice@example.org --account-key "$WORK/alice.pem" --invite nope
check "a wrong invite: the directory's refusal, exit 1" \
	"^1 .*HTTP 403 bad-invite" "$RC $ERR"
check "the account key file was made, mode 0600, for the retry" \
	"^600$" "$(stat -c %a "$WORK/alice.pem" 2>/dev/null)"
t register alice@example.org --account-key "$WORK/alice.pem" --invite "$INV1"
check "register: verified by a lookup" \
	"^0 alice@example.org: registered to this account key \(verified" \
	"$RC $OUT"
openssl genpkey -algorithm ed25519 -out "$WORK/dev.pem" 2>/dev/null
openssl genpkey -algorithm x25519 -out "$WORK/x.pem" 2>/dev/null
ID=$(cl add-device alice@example.org "$WORK/alice.pem" 1 "$WORK/dev.pem" \
	"$WORK/x.pem" | sed -n 's/.*"device_id":"\([0-9a-f]*\)".*/\1/p')
t devices alice@example.org
check "devices: the one device, verified" "^0 .*1 device.*$ID" "$RC $OUT"
t devices alice@example.org remove 0123
check "remove with a bad device id is a usage error" "^2 .*not a device id" \
	"$RC $ERR"
t devices alice@example.org remove "$ID"
check "remove without the account key is a usage error" \
	"^2 .*--account-key" "$RC $ERR"
openssl genpkey -algorithm ed25519 -out "$WORK/other.pem" 2>/dev/null
t devices alice@example.org remove "$ID" --account-key "$WORK/other.pem"
check "remove signed by another key: refused by the directory" \
	"^1 .*HTTP 401 bad-signature" "$RC $ERR"
t devices alice@example.org remove "$ID" --account-key "$WORK/alice.pem"
check "remove: gone, verified" "^0 alice@example.org: device $ID removed" \
	"$RC $OUT"
t devices alice@example.org
check "devices: none left" "^0 .*0 devices" "$RC $OUT"

dird_stop
check "the directory stops cleanly" "^0 0$" "$STOP"

ktap_finished

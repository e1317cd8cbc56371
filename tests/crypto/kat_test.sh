#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Known answers for end-to-end sessions (Documentation/e2e.rst, "Test
# vectors"): ref_e2e.py, written from e2e.rst independently of daemon/e2e/,
# checks itself and writes vectors (key agreements; sessions with loss,
# reordering, DH ratchet steps, replays, forgeries and the skipped-key
# limits; padding at every bucket edge and malformed padding; safety
# numbers; sealed sender, from Documentation/messaging.rst, and sealed
# bytes that must not open); kat_replay replays them with libterne2e and
# compares every byte, one KTAP result per key agreement and session
# vector and one per group of the others (padding, unpad_bad, unpad_ok,
# safety, sealed, sealed_bad). Skips, saying why, without Debian's
# /usr/bin/python3 and its cryptography module (python3-cryptography).
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

PY=/usr/bin/python3
skip() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}
[ -x "$PY" ] || skip "no $PY (apt-get install python3)"
"$PY" -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
	skip "$PY has no cryptography module (apt-get install python3-cryptography)"
[ -x "$DIR/kat_replay" ] || {
	ktap_print_header
	ktap_exit_fail_msg "no $DIR/kat_replay: run 'make tests'"
}

vectors=$(mktemp "${TMPDIR:-/tmp}/tern-e2e-kat.XXXXXX") || exit "$KSFT_FAIL"
trap 'rm -f "$vectors"' EXIT
if ! "$PY" "$DIR/ref_e2e.py" >"$vectors"; then
	ktap_print_header
	ktap_exit_fail_msg "ref_e2e.py failed its self-check (above)"
fi
"$DIR/kat_replay" "$vectors"

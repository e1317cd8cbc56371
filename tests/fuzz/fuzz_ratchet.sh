#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The end-to-end session's libFuzzer harness (ratchet_fuzz: opening a
# message, ratchet_decrypt()) for RATCHET_FUZZ_SECONDS (default 20) from
# the seed corpus: one KTAP test case (fuzz_lib.sh).
# RATCHET_FUZZ_ARTIFACTS (default ratchet-artifacts/ next to this script)
# keeps a reproducer; RATCHET_FUZZ_CORPUS names a corpus directory to grow
# between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: a seed is at most 104 bytes; room for longer messages.
fuzz_run ratchet_fuzz ratchet_seeds "${RATCHET_FUZZ_SECONDS:-20}" \
	"${RATCHET_FUZZ_ARTIFACTS:-$DIR/ratchet-artifacts}" \
	"${RATCHET_FUZZ_CORPUS:-}" 512

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The claim answer check's libFuzzer harness (claim_fuzz) for
# CLAIM_FUZZ_SECONDS (default 20) from the seed corpus: one KTAP test case
# (fuzz_lib.sh). CLAIM_FUZZ_ARTIFACTS (default claim-artifacts/ next to
# this script) keeps a reproducer; CLAIM_FUZZ_CORPUS names a corpus
# directory to grow between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: a seed answer is under 1 KiB; 16 devices take some 5 KiB.
fuzz_run claim_fuzz claim_seeds "${CLAIM_FUZZ_SECONDS:-20}" \
	"${CLAIM_FUZZ_ARTIFACTS:-$DIR/claim-artifacts}" \
	"${CLAIM_FUZZ_CORPUS:-}" 8192

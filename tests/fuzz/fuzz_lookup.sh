#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lookup answer check's libFuzzer harness (lookup_fuzz) for
# LOOKUP_FUZZ_SECONDS (default 20) from the seed corpus: one KTAP test
# case (fuzz_lib.sh). LOOKUP_FUZZ_ARTIFACTS (default lookup-artifacts/ next
# to this script) keeps a reproducer; LOOKUP_FUZZ_CORPUS names a corpus
# directory to grow between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: a seed answer is up to 8 KiB; room to grow it twice over.
fuzz_run lookup_fuzz lookup_seeds "${LOOKUP_FUZZ_SECONDS:-20}" \
	"${LOOKUP_FUZZ_ARTIFACTS:-$DIR/lookup-artifacts}" \
	"${LOOKUP_FUZZ_CORPUS:-}" 16384

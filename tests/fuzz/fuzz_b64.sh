#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Strict base64's libFuzzer harness (b64_fuzz) for B64_FUZZ_SECONDS
# (default 20) from the seed corpus: one KTAP test case (fuzz_lib.sh).
# B64_FUZZ_ARTIFACTS (default b64-artifacts/ next to this script) keeps a
# reproducer; B64_FUZZ_CORPUS names a corpus directory to grow between
# runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: keys, hashes and signatures are short; 4096 is plenty.
fuzz_run b64_fuzz b64_seeds "${B64_FUZZ_SECONDS:-20}" \
	"${B64_FUZZ_ARTIFACTS:-$DIR/b64-artifacts}" "${B64_FUZZ_CORPUS:-}" 4096

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The frame parser's libFuzzer harness (frame_fuzz) for FUZZ_SECONDS
# (default 30) from the seed corpus: one KTAP test case (fuzz_lib.sh).
# FUZZ_ARTIFACTS (default artifacts/ next to this script) keeps a
# reproducer; FUZZ_CORPUS names a corpus directory to grow between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: a header and a few frames of payload.
fuzz_run frame_fuzz seeds "${FUZZ_SECONDS:-30}" \
	"${FUZZ_ARTIFACTS:-$DIR/artifacts}" "${FUZZ_CORPUS:-}" 4096

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternd's end-to-end decoders' libFuzzer harness (e2emsg_fuzz: envelopes,
# stored sessions, sealed contents, and sealed messages opened with a fixed
# key) for E2EMSG_FUZZ_SECONDS (default 20) from the seed corpus: one KTAP
# test case (fuzz_lib.sh). E2EMSG_FUZZ_ARTIFACTS
# (default e2emsg-artifacts/ next to this script) keeps a reproducer;
# E2EMSG_FUZZ_CORPUS names a corpus directory to grow between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: a stored session with many skipped keys runs to 140 KB; the
# seeds are small, and 4 KiB leaves room for a few dozen keys.
fuzz_run e2emsg_fuzz e2emsg_seeds "${E2EMSG_FUZZ_SECONDS:-20}" \
	"${E2EMSG_FUZZ_ARTIFACTS:-$DIR/e2emsg-artifacts}" \
	"${E2EMSG_FUZZ_CORPUS:-}" 4096

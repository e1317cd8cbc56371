#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The configuration parser's libFuzzer harness (conf_fuzz) for
# CONF_FUZZ_SECONDS (default 20) from the seed corpus: one KTAP test case
# (fuzz_lib.sh). CONF_FUZZ_ARTIFACTS (default conf-artifacts/ next to this
# script) keeps a reproducer; CONF_FUZZ_CORPUS names a corpus directory to
# grow between runs.
set -u
. "$(dirname "$0")/fuzz_lib.sh"

# -max_len: past the 4096-byte line limit, a few lines of it.
fuzz_run conf_fuzz conf_seeds "${CONF_FUZZ_SECONDS:-20}" \
	"${CONF_FUZZ_ARTIFACTS:-$DIR/conf-artifacts}" "${CONF_FUZZ_CORPUS:-}" \
	12288

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run strict base64's libFuzzer harness (b64_fuzz) for B64_FUZZ_SECONDS
# (default 20) from the seed corpus, and report one TAP
# test case: it fails on a crash, a broken invariant (an abort), a leak,
# an input that takes over FUZZ_TIMEOUT seconds (default 10) or memory
# over FUZZ_RSS_MB. The reproducer is printed and kept in
# B64_FUZZ_ARTIFACTS (default b64-artifacts/ next to this script);
# `./b64_fuzz <file>` replays it.
#
# B64_FUZZ_CORPUS names a corpus directory to grow and keep between runs;
# by default the run starts from the seeds in a scratch directory.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

B64_FUZZ_SECONDS=${B64_FUZZ_SECONDS:-20}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
ARTIFACTS=${B64_FUZZ_ARTIFACTS:-$DIR/b64-artifacts}
fuzzer=$DIR/b64_fuzz
seeds=$DIR/b64_seeds
name="b64_fuzz for ${B64_FUZZ_SECONDS}s"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=${B64_FUZZ_CORPUS:-$tmp/corpus}
log=$tmp/log

ktap_print_header
ktap_set_plan 1

if [ ! -x "$fuzzer" ] || [ ! -d "$seeds" ]; then
	ktap_print_msg "no $fuzzer or $seeds: build the suite first"
	ktap_test_fail "$name"
	ktap_finished
fi

mkdir -p "$corpus" "$ARTIFACTS"
# Leave only what this run finds in the artifacts directory.
rm -f "$ARTIFACTS"/crash-* "$ARTIFACTS"/leak-* "$ARTIFACTS"/timeout-* \
	"$ARTIFACTS"/oom-* "$ARTIFACTS"/slow-unit-*

# -max_len: keys, hashes and signatures are short; 4096 is plenty.
start=$SECONDS
"$fuzzer" -max_total_time="$B64_FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
	-rss_limit_mb="$FUZZ_RSS_MB" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$ARTIFACTS/" "$corpus" "$seeds" > "$log" 2>&1
rc=$?
elapsed=$((SECONDS - start))

stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -n 1
}
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
ktap_print_msg "${execs:-?} executions in ${elapsed}s (${rate:-?}/s)," \
	"coverage: ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}"

found=$(find "$ARTIFACTS" -maxdepth 1 -type f \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	   -o -name 'oom-*' \) | sort)
if [ "$rc" -eq 0 ] && [ -z "$found" ] && [ -n "$execs" ]; then
	ktap_test_pass "$name"
	ktap_finished
fi

ktap_print_msg "libFuzzer exited $rc; the end of its log:"
grep -v -E '^#[0-9]+|^INFO: |^MS: |^stat::' "$log" | tail -n 60 |
	sed 's/^/#   /'
for f in $found; do
	ktap_print_msg "reproducer $f ($(wc -c < "$f") bytes):"
	od -A d -t x1 -v "$f" | head -n 64 | sed 's/^/#   /'
	ktap_print_msg "replay: $fuzzer $f"
done
ktap_test_fail "$name"
ktap_finished

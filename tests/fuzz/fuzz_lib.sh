# SPDX-License-Identifier: GPL-2.0
#
# What the fuzz_<target>.sh scripts share: run one libFuzzer harness from
# its seed corpus for a time and report one KTAP test case. It fails on a
# crash, a broken invariant (an abort), a leak, an input that takes over
# FUZZ_TIMEOUT seconds (default 10) or memory over FUZZ_RSS_MB (default
# 2048); the reproducer is printed and kept in the artifacts directory,
# and `./<harness> <file>` replays it.
#
# fuzz_run HARNESS SEEDS SECONDS ARTIFACTS CORPUS MAX_LEN
#	HARNESS and SEEDS are names next to the calling script; CORPUS, when
#	not empty, is a corpus directory to grow and keep between runs (by
#	default the run starts from the seeds in a scratch directory).

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"

FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}

fuzz_run() {
	local fuzzer=$DIR/$1 seeds=$DIR/$2 secs=$3 artifacts=$4
	local name="$1 for ${3}s" tmp corpus log rc start elapsed found
	local execs rate last cov ft corp f

	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: the trap outlives $tmp
	trap "rm -rf '$tmp'" EXIT
	corpus=${5:-$tmp/corpus}
	log=$tmp/log

	ktap_print_header
	ktap_set_plan 1
	if [ ! -x "$fuzzer" ] || [ ! -d "$seeds" ]; then
		ktap_print_msg "no $fuzzer or $seeds: build the suite first"
		ktap_test_fail "$name"
		ktap_finished
	fi
	mkdir -p "$corpus" "$artifacts"
	# Leave only what this run finds in the artifacts directory.
	rm -f "$artifacts"/crash-* "$artifacts"/leak-* \
		"$artifacts"/timeout-* "$artifacts"/oom-* \
		"$artifacts"/slow-unit-*

	start=$SECONDS
	"$fuzzer" -max_total_time="$secs" -timeout="$FUZZ_TIMEOUT" \
		-rss_limit_mb="$FUZZ_RSS_MB" -max_len="$6" \
		-print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	elapsed=$((SECONDS - start))

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	# The last status line: "#N  DONE  cov: C ft: F corp: U/Sb ..."
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
	ktap_print_msg "${execs:-?} executions in ${elapsed}s (${rate:-?}/s)," \
		"coverage: ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}"

	found=$(find "$artifacts" -maxdepth 1 -type f \
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
		ktap_print_msg "reproducer $f ($(wc -c <"$f") bytes):"
		od -A d -t x1 -v "$f" | head -n 64 | sed 's/^/#   /'
		ktap_print_msg "replay: $fuzzer $f"
	done
	ktap_test_fail "$name"
	ktap_finished
}

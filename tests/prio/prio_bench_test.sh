#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The push-priority benchmark (tools/bench/prio/run) end to end, in a tiny
# configuration on the host: a few pushes per phase, two uploads, seconds
# of warm-up. A behaviour check, never a timing one: the run succeeds, its
# report is JSON with the fields Documentation/bench.md describes (every
# phase, a latency per push, percentiles, the queueing delays, the ratio
# and the targets), its own checks hold (the program classified the push
# traffic in the priority phase and nothing in the shaped one, the queue
# formed at the access point without shaping and stayed off it with it),
# the plot is there, and nothing is left running. It uses the normal build
# (build/bin), as the benchmark does. Skips, saying why, without root, jq
# or namespaces.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # installed by the kselftest tree
. "$DIR/../kselftest/ktap_helpers.sh"
top=${TERN_TOP:-$(cd "$DIR/../../.." && pwd)}
build=${B:-$top/build}
RUN=$top/tools/bench/prio/run

skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, tc, bpf)"
for t in ip tc jq unshare nsenter setsid; do
	command -v $t >/dev/null || skip_all "needs $t"
done
unshare --mount --propagation private true 2>/dev/null ||
	skip_all "cannot create a mount namespace"

ktap_print_header
for p in tern-gatewayd ternd ternctl tern-priobench; do
	[ -x "$build/bin/$p" ] ||
		ktap_exit_fail_msg "no $build/bin/$p: run 'make userspace'"
done

WORK=$(mktemp -d /tmp/tern-priobench.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap "exit 1" INT TERM HUP

ktap_set_plan 9

check() {	# check NAME EXPECTED-REGEX ACTUAL
	if [[ "$3" =~ $2 ]]; then
		ktap_test_pass "$1"
	else
		echo "# expected /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

COUNT=6
B=$build "$RUN" --envs host --no-build --count $COUNT --rate 10 --warmup 2 \
	--uploads 2 --drain 20 --out "$WORK" >"$WORK/run.out" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 30 "$WORK/run.out" | sed 's/^/# /'
check "the benchmark runs and exits 0" '^0$' "$rc"

J=$WORK/prio.json
check "the report is JSON" '^prio$' "$(jq -r .benchmark "$J" 2>&1)"

check "one environment, the host, with the four phases in order" \
	'^host unloaded,loaded,loaded-shaped,loaded-prio$' \
	"$(jq -r '.environments[] | "\(.env) \([.phases[].name] | join(","))"' "$J" 2>&1)"

check "each phase has a latency per push, and percentiles" '^4$' \
	"$(jq --argjson n $COUNT '[.environments[0].phases[] | .probe |
		select(.count == $n and (.latency_ms | length) == $n and
		       .delivered + .lost == $n and
		       (.p50_ms | type) == "number" and
		       (.p99_ms | type) == "number" and
		       (.max_ms | type) == "number")] | length' "$J" 2>&1)"

check "the phases describe their load, shaping and queues" '^4$' \
	"$(jq '[.environments[0].phases[] | select(
		(.load | type) == "boolean" and (.shaping | type) == "string" and
		(.ap_fifo.max_pkts | type) == "number" and
		(.device_qdisc.max_pkts | type) == "number" and
		(if .load then (.uplink_goodput_bps | type) == "number"
		 else .uplink_goodput_bps == null end))] | length' "$J" 2>&1)"

check "queueing delays, the ratio and the targets are there" '^true$' \
	"$(jq '.environments[0] | (.baseline_p50_ms | type) == "number" and
		(.queueing_delay_ms.loaded.ms | type) == "number" and
		(.queueing_delay_ms["loaded-shaped"].ms | type) == "number" and
		(.queueing_delay_ms["loaded-prio"].ms | type) == "number" and
		(.ratio_without_over_with_priority.value | type) == "number" and
		(.targets.prio_queueing_delay.met | type) == "boolean" and
		(.targets.ratio.met | type) == "boolean"' "$J" 2>&1)"

check "the run's own checks hold (classification, where the queue formed)" \
	'^true$' "$(jq -r '.correct' "$J" 2>&1)"
jq -r '.environments[].checks[] | select(.ok | not) | "# failed: \(.check)"' "$J" 2>/dev/null

if command -v gnuplot >/dev/null; then
	check "the CDF plot is written" '^yes$' \
		"$([ -s "$WORK/prio.png" ] && echo yes || echo no)"
else
	ktap_test_skip "the CDF plot is written (no gnuplot)"
fi

check "nothing of the run is left running" '^$' \
	"$(pgrep -af "$WORK" | grep -v "^$$ ")"

ktap_finished

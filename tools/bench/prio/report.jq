# SPDX-License-Identifier: GPL-2.0
#
# The push-priority benchmark's report, for tools/bench/prio/run: takes the
# environments' reports of tools/bench/prio/guest (jq -s; host and VM) and
# adds, per environment, the queueing delay each loaded phase adds (its p99
# minus the unloaded p50), the ratio without priority over with priority,
# the targets of Documentation/bench.md and the checks that the phases did
# what they claim. Arguments: --arg date, hostcpu, ncpu, hostkern, vmrel,
# vmcpus, vmmem, qemu; --argjson qd_max, ratio_min.

def phase($n): .phases | map(select(.name == $n)) | first;

# Added queueing delay of a loaded phase, ms: p99 - unloaded p50. When the
# p99 falls on a lost push, the largest delivered latency stands in as a
# lower bound (every lost push was later still).
def qdelay($base):
	if . == null or $base == null then null
	elif .probe.p99_ms != null then
		{ ms: (.probe.p99_ms - $base), lower_bound: false }
	elif .probe.max_delivered_ms != null then
		{ ms: (.probe.max_delivered_ms - $base), lower_bound: true }
	else null end;

def checks:
	(phase("unloaded")) as $u | (phase("loaded")) as $l |
	(phase("loaded-shaped")) as $s | (phase("loaded-prio")) as $p |
	[ { check: "every phase asked for ran",
	    ok: ((.phases | length) == (.phases_asked | length)) },
	  (if $u then { check: "unloaded: every push arrived",
			ok: ($u.probe.lost == 0) } else empty end),
	  (if $p then { check: "loaded-prio: every push arrived",
			ok: ($p.probe.lost == 0) } else empty end),
	  (if $p then { check: "loaded-prio: the program classified push traffic",
			ok: (($p.prio_show.counters.push.packets // 0) > 0) }
	   else empty end),
	  (if $s then { check: "loaded-shaped: no push traffic classified",
			ok: (($s.prio_show.counters.push.packets // 1) == 0) }
	   else empty end),
	  (if $l then { check: "loaded: the queue formed at the access point",
			ok: ($l.ap_fifo.max_pkts > 10) } else empty end),
	  (if $p then { check: "loaded-prio: the queue stayed off the access point",
			ok: ($p.ap_fifo.max_pkts < 10) } else empty end),
	  { check: "the sending ternd stayed connected",
	    ok: all(.phases[]; .probe.sender.state == "ready") } ];

def environment:
	(phase("unloaded").probe.p50_ms) as $base |
	(phase("loaded") | qdelay($base)) as $ql |
	(phase("loaded-shaped") | qdelay($base)) as $qs |
	(phase("loaded-prio") | qdelay($base)) as $qp |
	(if $ql != null and $qp != null and $qp.ms > 0
	 then { value: ($ql.ms / $qp.ms), lower_bound: $ql.lower_bound }
	 else null end) as $ratio |
	checks as $checks |
	del(.phases_asked) + {
	  baseline_p50_ms: $base,
	  queueing_delay_ms: {
	    loaded: $ql, "loaded-shaped": $qs, "loaded-prio": $qp },
	  ratio_without_over_with_priority: $ratio,
	  targets: {
	    prio_queueing_delay: {
	      value_ms: ($qp.ms // null), limit_ms: $qd_max,
	      met: (if $qp == null then null else $qp.ms <= $qd_max end),
	      meaning: "with priority, p99 under load minus unloaded p50 at most \($qd_max) ms" },
	    ratio: {
	      value: ($ratio.value // null), min: $ratio_min,
	      met: (if $ratio == null then null else $ratio.value >= $ratio_min end),
	      meaning: "the queueing delay without priority at least \($ratio_min) times that with priority" } },
	  checks: $checks,
	  correct: all($checks[]; .ok) };

{ benchmark: "prio",
  date: $date,
  host: { cpu: $hostcpu, cpus: ($ncpu | tonumber), kernel: $hostkern },
  vm: (if any(.[]; .env == "vm") then
	 { kernel: $vmrel, cpus: ($vmcpus | tonumber),
	   mem_mb: ($vmmem | tonumber), qemu: $qemu }
       else null end),
  environments: map(environment) }
| .correct = all(.environments[]; .correct)

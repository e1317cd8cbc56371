# SPDX-License-Identifier: GPL-2.0
#
# The gateway benchmark's report, for tools/bench/gw/run: takes the
# reports of tern-gwbench, one per system and round, each with .round
# (jq -s), puts each system's rounds together (the median of the rounds
# for every figure), and adds the environment, the ratios against
# mosquitto (and kernel over user transport) and the targets of
# Documentation/bench.md. Arguments: --arg mode, rel, cpus, mem, hostcpu,
# ncpu, hostkern, lb, la, date, mqver, qemu.

def median: sort | length as $n |
	if $n == 0 then null
	elif $n % 2 == 1 then .[($n - 1) / 2]
	else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;

def uniq_ordered: reduce .[] as $x ([]; if any(.[]; . == $x) then .
	else . + [$x] end);

def med_of($ss; $f): [$ss[] | .[$f] | select(. != null)] | median;

# One step over the rounds. A step some round did not reach (its ladder
# stopped at an earlier saturated load) counts as saturated.
def merge_step($n; $runs):
	[$runs[] | .steps[] | select(.name == $n)] as $ss |
	{ name: $n, mode: $ss[0].mode }
	+ (if $ss[0].offered_per_s then { offered_per_s: $ss[0].offered_per_s }
	   else { inflight: ($ss[0].inflight_per_pair // $ss[0].inflight) } end)
	+ { rounds: ($ss | length),
	    achieved_per_s: med_of($ss; "achieved_per_s"),
	    p50_us: med_of($ss; "p50_us"),
	    p99_us: med_of($ss; "p99_us"),
	    p999_us: med_of($ss; "p999_us"),
	    ack_p99_us: ([$ss[] | .ack_latency_us.p99 | select(. != null)] | median),
	    server_cpu_us_per_msg: ([$ss[] | .cpu.server_us_per_msg | select(. != null)] | median),
	    saturated: (($ss | length) < ($runs | length) or any($ss[]; .saturated)),
	    by_round: [$ss[] | { achieved_per_s, p50_us, p99_us, p999_us,
				saturated }] };

def merge_system($runs):
	{ system: $runs[0].system, client: $runs[0].client,
	  details: $runs[0].details, rounds: ($runs | length),
	  steps: [($runs | map(.steps[].name) | uniq_ordered)[] as $n |
		  merge_step($n; $runs)],
	  max_per_s: ($runs | map(.max_per_s) | median),
	  max_per_s_by_round: ($runs | map(.max_per_s)),
	  correct: all($runs[]; .correct),
	  errors: [$runs[] | .error | select(. != null)],
	  runs: ($runs | sort_by(.round)) };

def sys($n): map(select(.system == $n)) | first;

# Steps the system kept up with (unloaded and offered loads), by name.
def kept_up: [.steps[] | select((.mode == "open" or .mode == "serial")
	and (.saturated | not) and .p99_us != null) |
	{key: .name, value: .}] | from_entries;

def per_load($sa; $sb; $f):
	[$sa | keys_unsorted[] | select($sb[.]) |
	 {key: ., value: ($sa[.][$f] / $sb[.][$f])}] | from_entries;

# a over b: throughput at saturation, latency at each load both kept up with.
def ratios($a; $b):
	($a | kept_up) as $sa | ($b | kept_up) as $sb |
	{ max_per_s: (if $b.max_per_s > 0 then $a.max_per_s / $b.max_per_s
		      else null end),
	  p50_by_load: per_load($sa; $sb; "p50_us"),
	  p99_by_load: per_load($sa; $sb; "p99_us"),
	  p999_by_load: per_load($sa; $sb; "p999_us") };

def all_below($o; $lim): ($o | length) > 0 and all($o[]; . < $lim);
def all_at_most($o; $lim): ($o | length) > 0 and all($o[]; . <= $lim);

def beats_mosquitto($r):
	($r.max_per_s != null and $r.max_per_s > 1) as $t |
	all_below($r.p99_by_load; 1) as $l |
	{ met: ($t and $l), throughput_met: $t, p99_met: $l,
	  meaning: "more routed messages per second than mosquitto at saturation, and a lower p99 at every offered load both kept up with" };

. as $reports
| [($reports | map(.system) | uniq_ordered)[] as $s |
   merge_system([$reports[] | select(.system == $s)])] as $all
| ($all | sys("mosquitto")) as $mq
| ($all | sys("tern-user")) as $tu
| ($all | sys("tern-kernel")) as $tk
| (if $mq then [$all[] | select(.system != "mosquitto") |
	{key: .system, value: ratios(.; $mq)}] | from_entries
   else null end) as $vs_mq
| (if $tk and $tu then ratios($tk; $tu) else null end) as $k_u
| {
	benchmark: "gateway",
	schema: 1,
	date: $date,
	mode: $mode,
	emulated: ($mode == "vm"),
	note: (if $mode == "vm" then
		"All systems ran in one VM (QEMU TCG, no KVM), one after the other, on the same kernel and vCPUs: absolute figures are many times slower than hardware; only the ratios within this run mean anything. The stores are on tmpfs, where fsync costs nothing: the disk's cost, which Tern pays before every ack and mosquitto does not, is not in these figures (the host mode has it)."
	       else
		"Host run in network namespaces: other load on the host shifts the figures; the stores are on the host's disk, so Tern's fsync before every ack costs what that disk costs."
	       end),
	environment: ({ kernel: $rel, mosquitto: $mqver,
		host: { cpu_model: $hostcpu, cpus: ($ncpu | tonumber),
			kernel: $hostkern, loadavg_before: $lb,
			loadavg_after: $la } }
		+ (if $mode == "vm" then { vm: { accel: "tcg", qemu: $qemu,
			vcpus: ($cpus | tonumber), mem_mb: ($mem | tonumber) } }
		   else {} end)),
	parameters: ($reports[0].parameters | del(.target)
		+ { rounds: ($reports | map(.round) | uniq_ordered | length) }),
	servers: {
		"tern-gatewayd": "defaults (window 64, max-queue 10000, SQLite WAL, flushed by fdatasync before each ACK) but --push-rate/--push-burst 1000000 (the per-session rate limit of 200/s would refuse the load)",
		mosquitto: "persistence true, autosave_interval 1800, max_inflight_messages 64, max_queued_messages 10000, set_tcp_nodelay true, TLS 1.3 TLS_AES_128_GCM_SHA256 with the gateway's certificate (unless --mqtt-plain)"
	},
	durability: "Durability differs: mosquitto (persistence true, autosave_interval 1800 s) acks a QoS 1 PUBLISH once it holds it in memory and writes its store to disk only every autosave interval (and at exit), so what it acked since the last save is lost if it crashes; tern-gatewayd commits every push to its SQLite store (WAL) and flushes it to disk (fdatasync) before it acks it.",
	systems: $all,
	ratios_vs_mosquitto: $vs_mq,
	ratios_kernel_over_user: $k_u,
	targets: ({}
		+ (if $vs_mq and $vs_mq["tern-kernel"] then
			{ "tern-kernel_vs_mosquitto": beats_mosquitto($vs_mq["tern-kernel"]) }
		   else {} end)
		+ (if $vs_mq and $vs_mq["tern-user"] then
			{ "tern-user_vs_mosquitto": beats_mosquitto($vs_mq["tern-user"]) }
		   else {} end)
		+ (if $k_u then
			($k_u.max_per_s != null and $k_u.max_per_s >= 1) as $t |
			all_at_most($k_u.p99_by_load; 1) as $l |
			{ kernel_vs_user: { met: ($t and $l), throughput_met: $t,
				p99_met: $l,
				meaning: "the kernel transport no slower than the user transport: at least as many routed messages per second at saturation, and a p99 no higher at every offered load both kept up with" } }
		   else {} end)),
	correct: all($all[]; .correct)
  }

# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/idle/run: the legs' objects (one input each) into the report.
def kib(x): (x / 1024 * 10 | round) / 10;
(map(select(.leg == "crowd")) | sort_by(.transport)) as $crowd
| (map(select(.leg == "idle")) | sort_by(.connections)) as $idle
| ($crowd | map(select(.transport == "kernel"))[0]) as $ck
| ($crowd | map(select(.transport == "user"))[0]) as $cu
| {
  benchmark: "restart and idle memory",
  date: $date,
  environment: {vm_kernel: $rel, vcpus: ($cpus | tonumber),
		mem_mb: ($mem | tonumber), host_cpu: $hostcpu,
		emulation: "QEMU TCG"},
  method: ("crowd: devices with real TLS 1.3 handshakes and signed hellos "
	   + "(tern-storm) and two ternd devices; the gateway is SIGKILLed with "
	   + "a push A -> B on its way and started again. idle: connections "
	   + "with kernel TLS on both ends made without handshakes "
	   + "(tern-idlepop) and adopted by the gateway; slab bytes per "
	   + "connection are whole-slab differences between stages (booted "
	   + "with slab_nomerge); both ends of each TCP connection live in the "
	   + "VM, so tcp_ktls_both_ends counts two sockets."),
  targets: {
    restart_dropped: 0,
    tern_state_bytes_per_idle_conn: 1024
  },
  crowd: $crowd,
  idle: ($idle | map(. + {
    tern_state_bytes_per_conn: (.slab_bytes_per_conn.tern_ko.total
	+ .slab_bytes_per_conn.adopted.total
	+ .slab_bytes_per_conn.after_one_frame_each.total
	+ .gw_bytes_per_conn)
  })),
  summary: (
    [ $crowd[] | "crowd \(.transport): \(.devices) devices, \(.handshakes_per_s) handshakes/s; gateway \(.gw_bytes_per_session) B/session; restart: serving after \(.restart.serving_ms) ms, push delivered \(.restart.delivered_ms) ms after the kill, \(.restart.dropped) dropped" ]
    + [ $idle[] | "idle \(.connections): tern.ko \(.slab_bytes_per_conn.tern_ko.total) B + adopted \(.slab_bytes_per_conn.adopted.total) B + one frame \(.slab_bytes_per_conn.after_one_frame_each.total) B + gateway \(.gw_bytes_per_conn) B per connection (target 1024); TCP+kTLS both ends \(.slab_bytes_per_conn.tcp_ktls_both_ends.total) B; adopted in \(.setup_ms.adopt) ms; restart: serving after \(.restart.serving_ms) ms, push delivered \(.restart.delivered_ms) ms after the kill, \(.restart.dropped) dropped" ]
  )
}

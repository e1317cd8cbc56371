# SPDX-License-Identifier: GPL-2.0
#
# Plot of the restart and idle-memory benchmark, for tools/bench/idle/run:
#   gnuplot -e "mem='MEM'; times='TIMES'; out='PNG'" restart.gp
# MEM: a line per idle population (tab-separated): its label, then bytes
#   per connection of TCP+kTLS (both ends), tern.ko, adoption and one
#   frame, the gateway.
# TIMES: a line per leg: name, ms until the gateway serves again, ms until
#   a push sent at the kill is delivered.

set terminal pngcairo size 1400,620 font ",10"
set output out
set multiplot layout 1,2 title "Gateway restart and idle connections (QEMU TCG VM)" font ",11"
set datafile separator "\t"
set style data histograms
set style fill solid 0.8 border -1
set grid ytics
set key top left

set title "Tern's own state per idle connection (target: 1024 B)"
set style histogram rowstacked
set boxwidth 0.5
set xlabel "idle connections (sockets: TCP and kTLS of both ends, not Tern's)"
set ylabel "bytes per connection"
set yrange [0:1400]
set key top right
plot mem using 3:xtic(1) title "tern.ko: conn-new" lc rgb "#2b6cb0", \
     '' using 4 title "tern.ko: adopted, one frame each" lc rgb "#63b3ed", \
     '' using 5 title "tern-gatewayd (heap in use)" lc rgb "#38a169", \
     1024 with lines dt 2 lw 2 lc rgb "#e53e3e" title "target"
set yrange [*:*]

set title "Gateway SIGKILLed and restarted (lower is better)"
set style histogram clustered gap 1
set boxwidth 0.9
set xlabel ""
set ylabel "ms after the kill"
set xtics rotate by -20
set logscale y
plot times using 2:xtic(1) title "serving again" lc rgb "#2b6cb0", \
     '' using 3 title "push sent at the kill delivered" lc rgb "#dd6b20"
unset multiplot

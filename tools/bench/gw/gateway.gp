# SPDX-License-Identifier: GPL-2.0
#
# Plot of the gateway benchmark, for tools/bench/gw/run:
#   gnuplot -e "lat='LAT'; maxd='MAX'; out='PNG'; t1='T'; t2='SUB'; names='A B C'" gateway.gp
# LAT: one block per system (in the order of names, blocks two blank lines
# apart), a line per step the system kept up with (unloaded, then the
# offered loads; the same step has the same index in every block):
#   index name p50_us p99_us p999_us
# MAX: a line per system: name max_per_s p99_us_at_max

set terminal pngcairo size 1400,620 font ",10"
set output out
set multiplot layout 1,2 title t1 . "\n" . t2 font ",11"
n = words(names)
array C[6] = [0x2b6cb0, 0x38a169, 0xdd6b20, 0x805ad5, 0xe53e3e, 0x718096]

set title "One-way latency (sender -> gateway -> receiver) by offered load (lower is better)"
set xlabel "offered load (messages/s); unloaded: one message in flight"
set ylabel "latency (ms)"
set logscale y
set grid xtics ytics mytics
set key top left
set offsets 0.3, 0.3, 0, 0
plot for [i = 1:n] lat index (i - 1) using 1:($4 / 1000):xtic(2) \
	with linespoints lw 2 pt 7 lc rgb C[(i - 1) % 6 + 1] \
	title word(names, i) . " p99", \
     for [i = 1:n] lat index (i - 1) using 1:($3 / 1000) \
	with linespoints lw 1 dt 2 pt 6 lc rgb C[(i - 1) % 6 + 1] \
	title word(names, i) . " p50"
set offsets 0, 0, 0, 0

unset logscale
unset xlabel
set title "Routed messages/s at saturation (higher is better)"
set ylabel "messages/s"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics
unset key
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set xrange [-0.6:n - 0.4]
plot maxd using 0:2:(C[int($0) % 6 + 1]):xtic(1) with boxes lc rgb variable, \
     "" using 0:2:(sprintf("%.0f/s\np99 %.1f ms", $2, $3 / 1000)) \
	with labels offset 0,1.5
unset multiplot

# SPDX-License-Identifier: GPL-2.0
#
# Plot of the push-priority benchmark, for tools/bench/prio/run:
#   gnuplot -e "n=N; out='PNG'; ttl='TITLE'; f1='DAT'; p1='PHASES';
#               t1='PANEL TITLE'; lim1=MS; ..." prio.gp
# One panel per environment k = 1..n (the host, the VM): Fk holds one block
# per phase (blocks two blank lines apart, in the order of the words of
# pk), a line per delivered push, fastest first: latency_ms fraction, the
# fraction being of the pushes sent (a lost push keeps its curve below 1).
# limk: the unloaded p50 plus the target's 25 ms, drawn as a line.

set terminal pngcairo noenhanced size (800 * n), 720 font ",10"
set output out
set multiplot layout 1, n title ttl font ",11"

col(s) = s eq "unloaded" ? 0x718096 : s eq "loaded" ? 0xe53e3e : \
	 s eq "loaded-shaped" ? 0xdd6b20 : 0x2b6cb0
lbl(s) = s eq "unloaded" ? "unloaded" : \
	 s eq "loaded" ? "bulk uploads, no priority (queue at the AP)" : \
	 s eq "loaded-shaped" ? "bulk uploads, shaped, push not classified" : \
	 "bulk uploads, shaped, push first (tern_prio)"

set logscale x
set grid xtics mxtics ytics
set xlabel "push latency (ms): sending ternd -> uplink -> tern-gatewayd -> receiving ternd"
set ylabel "fraction of pushes delivered within"
set yrange [0:1.02]
set ytics 0.1
set key below horizontal maxcols 2 width 2 height 1
set format x "%g"

do for [k = 1:n] {
	f = value("f" . k)
	p = value("p" . k)
	set title value("t" . k)
	set arrow 1 from value("lim" . k), graph 0 to value("lim" . k), graph 1 \
		nohead dt 2 lw 1 lc rgb "#2b6cb0"
	plot for [i = 1:words(p)] f index (i - 1) using 1:2 with steps lw 2 \
		lc rgb col(word(p, i)) title lbl(word(p, i)), \
	     NaN with lines dt 2 lc rgb "#2b6cb0" \
		title "unloaded p50 + 25 ms (the target's bound)"
	unset arrow 1
}
unset multiplot

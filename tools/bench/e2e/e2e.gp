# SPDX-License-Identifier: GPL-2.0
# tools/bench/e2e/run: operations per second on one core, log scale, with
# the baselines measured in the same run.
set terminal pngcairo size 900,420
set output png
set style data histograms
set style fill solid 0.8
set logscale y
set ylabel "per second, one core"
set xtics rotate by -30
set title "End-to-end sessions: libterne2e"
plot dat using 2:xtic(1) notitle

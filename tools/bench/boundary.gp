# SPDX-License-Identifier: GPL-2.0
#
# Plot of the boundary benchmark, for tools/bench/run:
#   gnuplot -e "dat='DATA'; out='PNG'; t1='TITLE'; t2='SUBTITLE'" boundary.gp
# DATA has one line per scenario:
#   name tern_fps epoll_fps tern_cpu epoll_cpu tern_reader epoll_reader

set terminal pngcairo size 1280,600 font ",10"
set output out
set multiplot layout 1,2 title t1 . "\n" . t2 font ",11"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set logscale y
set key outside bottom center horizontal
set bmargin 7

set title "Frames delivered to the reader per second (higher is better)"
set ylabel "frames/s"
set format y "%.0s%c"
plot dat using 2:xtic(sprintf("%s\ntern/epoll %.2f", strcol(1), $2 / $3)) \
	title "tern.ko + netlink" lc rgb "#2b6cb0", \
     ""  using 3 title "userspace epoll" lc rgb "#dd6b20"

set title "CPU per frame delivered (lower is better)"
set ylabel "ns per frame"
set format y "%.0f"
plot dat using 4:xtic(sprintf("%s\nefficiency tern/epoll %.2f", \
	strcol(1), $5 / $4)) title "tern, system-wide" lc rgb "#2b6cb0", \
     ""  using 5 title "epoll, system-wide" lc rgb "#dd6b20", \
     ""  using 6 title "tern, reader only" lc rgb "#90cdf4", \
     ""  using 7 title "epoll, reader only" lc rgb "#fbd38d"

unset multiplot

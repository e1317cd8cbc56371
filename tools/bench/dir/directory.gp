# SPDX-License-Identifier: GPL-2.0
# tools/bench/dir/run: requests per second (head baseline and lookups) and
# map proof sizes against log2(n), per number of registered handles.
set terminal pngcairo size 1000,420
set output png
set multiplot layout 1,2
set style data histograms
set style fill solid 0.8
set key outside bottom center horizontal
set yrange [0:*]
set ylabel "requests per second"
set title "Lookups with proofs vs the signed head"
plot dat using 2:xtic(1) title "head (baseline)", '' using 3 title "lookup"
set ylabel "hashes"
set title "Map proof size"
plot dat using 4:xtic(1) title "mean map proof", '' using 5 title "log2(n)"
unset multiplot

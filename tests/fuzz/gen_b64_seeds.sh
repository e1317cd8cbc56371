#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Write the seed corpus of b64_fuzz into DIR, one file per seed, in its
# input format (see b64_fuzz.c): a configuration byte, then a string.
#
# Usage: gen_b64_seeds.sh DIR
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"

# cfg: output room index (0-6: 0 1 2 3 31 32 33 bytes, 7: always enough)
cfg() {
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' "$(($1 & 255))")"
}

seed() {
	name=$1
	shift
	"$@" > "$dir/$name"
}

s_empty() { cfg 7; }
s_f() { cfg 7; printf 'Zg=='; }
s_fo() { cfg 7; printf 'Zm8='; }
s_foo() { cfg 3; printf 'Zm9v'; }
s_foobar() { cfg 7; printf 'Zm9vYmFy'; }
s_hash() { cfg 5; printf 'ERERERERERERERERERERERERERERERERERERERERERE='; }
s_hash_short() { cfg 5; printf '+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+w=='; }
s_hash_long() { cfg 5; printf '+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7'; }
s_sig() {
	cfg 7
	printf 'Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+'
	printf 'Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pg=='
}
s_trailing_bits() { cfg 7; printf 'Zh=='; }
s_trailing_bits1() { cfg 7; printf 'Zm9='; }
s_url_safe() { cfg 7; printf 'Zm9-_w=='; }
s_pad_middle() { cfg 7; printf 'Zg==Zg=='; }
s_three_pad() { cfg 7; printf 'Z==='; }
s_bad_length() { cfg 7; printf 'Zm9vY'; }
s_space() { cfg 7; printf 'Zm9v Zg=='; }
s_newline() { cfg 7; printf 'Zm9vYmFy\n'; }
s_nul() { cfg 7; printf 'Zm9v\000Zm9v'; }
s_high() { cfg 7; printf 'Zm\303\251v'; }
s_binary() { cfg 7; printf '\000\001\002\377\376\375'; }
s_too_long() { cfg 1; printf 'Zm9vYmFy'; }

for s in empty f fo foo foobar hash hash_short hash_long sig \
	 trailing_bits trailing_bits1 url_safe pad_middle three_pad \
	 bad_length space newline nul high binary too_long; do
	seed "$s" "s_$s"
done

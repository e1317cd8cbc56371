#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Write the seed corpus of frame_fuzz into DIR, one file per seed, in its
# input format (see frame_fuzz.c): three configuration bytes, then a stream.
#
# Usage: gen_seeds.sh DIR
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"

byte() {
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' "$(($1 & 255))")"
}

# cfg: max index (0: 64, 5: 1024, 7: 64512) | inject << 3 | 0x20 empty
# buffers | 0x40 failing begin keeps its buffer; split; at.
cfg() {
	byte "$1"
	byte "$2"
	byte "$3"
}

# hdr TYPE FLAGS LEN [VERSION]
hdr() {
	byte "${4:-1}"
	byte "$1"
	byte $(($2 >> 8))
	byte "$2"
	byte $(($3 >> 24))
	byte $(($3 >> 16))
	byte $(($3 >> 8))
	byte "$3"
}

# payload LEN [SALT]
payload() {
	i=0
	while [ "$i" -lt "$1" ]; do
		byte $((i * 7 + ${2:-0}))
		i=$((i + 1))
	done
}

# frame TYPE FLAGS LEN: a header and its payload.
frame() {
	hdr "$1" "$2" "$3"
	payload "$3" "$1"
}

seed() {
	name=$1
	shift
	"$@" > "$dir/$name"
}

PING=1
PONG=2

s_empty() { cfg 0 0 0; }
s_ping() { cfg 0 0 0; frame $PING 0 0; }
s_ping_pong() { cfg 0 0 0; frame $PING 0 16; frame $PONG 0xffff 16; }
s_user() { cfg 5 0 0; frame 16 0x8001 5; }
s_mixed_bytewise() {
	cfg 5 0x80 0
	frame $PING 0 0; frame 16 1 3; frame 255 0 0; frame $PONG 0 2
	frame 200 0x1234 40; frame 17 0 0
}
s_mixed_random() {
	cfg 5 0x04 0
	frame 16 0 100; frame $PING 0 0; frame 99 0xffff 1; frame 255 0 0
}
s_bad_version() { cfg 0 0 0; frame 16 0 1; hdr 16 0 0 2; }
s_reserved_type() { cfg 0 0 0; hdr 3 0 0; }
s_type_zero() { cfg 0 0x81 0; hdr 0 0 0; }
s_ping_too_long() { cfg 0 0 0; hdr $PING 0 17; payload 17; }
s_len_over_max() { cfg 0 0 0; hdr 16 0 65; payload 65; }
s_len_max() { cfg 0 0x83 0; frame 16 0 64; frame 16 0 0; }
s_len_huge() { cfg 7 0 0; hdr 255 0 0xffffffff; }
s_begin_fails() { cfg $((5 | 1 << 3 | 0x40)) 0x82 1; frame 16 0 3; frame 17 0 9; frame 18 0 0; }
s_end_fails() { cfg $((5 | 2 << 3)) 0x05 0; frame 16 0 3; frame 17 0 9; }
s_null_buffer() { cfg $((5 | 3 << 3)) 0 0; frame 16 0 4; }
s_null_empty() { cfg $((5 | 3 << 3 | 0x20)) 0x81 0; frame 16 0 0; frame 17 0 2; }
s_partial_header() { cfg 0 0 0; frame 16 0 2; hdr 16 0 3 | head -c 5; }
s_partial_payload() { cfg 6 0x03 0; frame 16 0 2; hdr 16 0 3000; payload 100; }

for s in empty ping ping_pong user mixed_bytewise mixed_random bad_version \
	 reserved_type type_zero ping_too_long len_over_max len_max len_huge \
	 begin_fails end_fails null_buffer null_empty partial_header \
	 partial_payload; do
	seed "$s" "s_$s"
done

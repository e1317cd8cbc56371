#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Write the seed corpus of conf_fuzz into DIR, one file per seed, in its
# input format (see conf_fuzz.c): a configuration byte, then a file's text.
#
# Usage: gen_conf_seeds.sh DIR
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"

# cfg: error buffer size index (0-7) | refuse pair N << 3 | 0x80 message
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
s_gateway() {
	cfg 7
	cat <<'CONF'
# tern-gatewayd
listen = 0.0.0.0:5223
listen = [::]:5223
cert = /etc/tern/gateway.pem
key = /etc/tern/gateway.key
data = /var/lib/tern-gatewayd
transport = auto
max-payload = 32k
max-queue = 10000
push-rate = 200
handshake-timeout = 10s
sweep = 5m
max-ttl = 30d
heartbeat-hint = 270000ms
verbose = yes
CONF
}
s_ternd() {
	cfg 6
	printf 'gateway = push.example.org:5223\r\nca = /etc/tern/ca.pem\r\n'
	printf '\t# tabs\t\r\nkernel = off\r\nmax-size = 1M\r\nttl = 2h'
}
s_values() {
	cfg $((7 | 0x80))
	printf 'a = 0\nb = 4294967295\nc = 18446744073709551615\n'
	printf 'd = 18446744073709551616\ne = 1.5s\nf = 10 s\ng = 2G\n'
	printf 'h = TRUE\ni = Off\nj =\nk = -1\nl = 007ms\n'
}
s_refuse() { cfg $((5 | 2 << 3 | 0x80)); printf 'a = 1\nb = x\x80y\nc = 3\n'; }
s_refuse_bare() { cfg $((3 | 1 << 3)); printf 'only = one\n'; }
s_bad_key() { cfg 7; printf 'ok = 1\nBad = 2\n'; }
s_bad_char() { cfg 7; printf 'k_y = 1\n'; }
s_no_equals() { cfg 7; printf 'a = 1\n\nfoo bar\n'; }
s_section() { cfg 7; printf '[main]\na = 1\n'; }
s_control() { cfg 4; printf 'a = x\033[2Jy\n'; }
s_nul() { cfg 7; printf 'a = x\000y\n'; }
s_cr_inside() { cfg 7; printf 'a = x\ry\r\n'; }
s_long_line() {
	cfg 7
	printf 'k = '
	head -c 4092 /dev/zero | tr '\0' v
	printf '\r\n'
}
s_too_long() { cfg 1; printf 'k = '; head -c 4093 /dev/zero | tr '\0' v; }
s_tiny_err() { cfg 1; printf 'x\n'; }
s_no_err() { cfg 0; printf 'a\n'; }

for s in empty gateway ternd values refuse refuse_bare bad_key bad_char \
	 no_equals section control nul cr_inside long_line too_long \
	 tiny_err no_err; do
	seed "$s" "s_$s"
done

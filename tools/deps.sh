#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages Tern needs to build, lint and test (`make deps`).
# Idempotent: asks dpkg which packages are missing and runs apt-get only for
# those; with nothing missing it prints one line and exits at once.
#
# The package list is below, one package per line: add new ones there.
# shellcheck disable=SC2086 # lists of package names are split on purpose
set -eu

packages() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' <<'EOF_PACKAGES'
# Toolchain and userspace build
gcc
make
pkg-config
clang
llvm
libclang-rt-14-dev	# clang's sanitizer runtimes
sparse
libnl-genl-3-dev
libnl-3-dev
libnl-route-3-dev	# ternctl prio: the qdisc tree
libssl-dev
openssl			# tools/pki, and a TLS client no one here wrote
libprotobuf-c-dev	# the gateway protocol's payloads
protobuf-c-compiler
libsqlite3-dev		# the daemons' stores
libevent-dev		# tern-directoryd: evhttp and its OpenSSL binding
libjansson-dev		# the directory's JSON
libcurl4-openssl-dev	# the directory's clients (ternd, ternctl)
libncurses-dev		# ternchat's screen (ncursesw)
curl			# tests/directory: a client no one here wrote
libmosquitto-dev	# tern-gwbench's MQTT clients (the gateway benchmark)
libbpf-dev
bpftool
libelf-dev
zlib1g-dev
# Kernels the VMs boot, their headers (for tern.ko) and the source we
# take kselftest, checkpatch and ynl from (tools/ksrc)
linux-image-6.12-cloud-amd64
linux-headers-6.12-cloud-amd64
linux-image-cloud-amd64		# 6.1
linux-headers-cloud-amd64
linux-source-6.12
dkms
# The debug kernel's build (tools/vm/debug-kernel), from linux-source-6.12
bc
bison
flex
# VM harness (tools/vm/run)
qemu-system-x86
busybox-static
iproute2
ethtool			# tests/prio: the device's features, before and after
kmod
xz-utils
cpio
util-linux			# flock, used by tools/vm/run
procps
# Spec checks, results and plots
python3
python3-yaml
python3-cryptography	# tests/crypto: ref_e2e.py, the reference for libterne2e
python3-jsonschema
jq
tmux			# tests/directory: ternchat, driven as a person would
gnuplot-nox
mosquitto		# the gateway benchmark's baseline broker
EOF_PACKAGES
}

all=$(packages | awk '{ print $1 }')
# dpkg-query names each package it knows; the unknown ones only on stderr.
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $all 2>/dev/null |
	awk '$1 == "ii" { print $2 }') || true
missing=$(printf '%s\n' $all | grep -vxF -e "$installed" -e '' || true)
[ -n "$installed" ] || missing=$all

if [ -z "$missing" ]; then
	echo "deps: all $(echo $all | wc -w) packages installed"
	exit 0
fi

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing" $missing
install() {
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y \
		--no-install-recommends "$@"
}
# Fresh machines have no package lists, and old lists name versions the
# mirror no longer has: either way, update once and try again.
if ! install $missing; then
	echo "deps: install failed; running apt-get update and retrying" >&2
	$sudo apt-get update
	install $missing
fi

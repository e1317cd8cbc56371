#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms builds tern.ko from this tree's dkms.conf for each Debian kernel whose
# headers are installed, in a private dkms tree (nothing on the host
# changes), and the module it builds is for that kernel: its vermagic names
# the release, its licence is GPL.
set -u
# The suite runs from build/tests/dkms (the kselftest tree) or from
# tests/dkms: find the repository either way, unless TERN_TOP says.
here=$(cd "$(dirname "$0")" && pwd)
for top in "${TERN_TOP:-}" "$here/../../.." "$here/../.."; do
	[ -n "$top" ] && [ -f "$top/dkms.conf" ] && break
done
if [ ! -f "$top/dkms.conf" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot find the repository (set TERN_TOP)"
	exit 4
fi
top=$(cd "$top" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
kernels=()
for series in 6.12 6.1; do
	release=$("$top/tools/vm/kver" "$series" 2>/dev/null) && kernels+=("$release")
done

echo "TAP version 13"
echo "1..${#kernels[@]}"
if [ ${#kernels[@]} -eq 0 ]; then
	echo "# no Debian cloud kernel headers installed: run make deps"
	exit 1
fi
if ! command -v dkms >/dev/null; then
	n=0
	for release in "${kernels[@]}"; do
		n=$((n + 1))
		echo "ok $n dkms build $release # SKIP dkms is not installed (make deps)"
	done
	exit 0
fi

mkdir -p "$work/src/tern-$version" "$work/tree"
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/kmod" "$work/src/tern-$version/"
dk=(--sourcetree "$work/src" --dkmstree "$work/tree" -m tern -v "$version")
dkms add "${dk[@]}" >/dev/null

n=0
rc=0
for release in "${kernels[@]}"; do
	n=$((n + 1))
	log=$work/build-$release.log
	ko=
	if dkms build "${dk[@]}" -k "$release" >"$log" 2>&1; then
		ko=$(find "$work/tree/tern/$version/$release" -name 'tern.ko*' | head -n 1)
	fi
	if [ -z "$ko" ]; then
		sed 's/^/# /' "$log"
		echo "not ok $n dkms build $release"
		rc=1
		continue
	fi
	case $ko in
	*.xz) xz -dc "$ko" > "$work/tern.ko" ;;
	*) cp "$ko" "$work/tern.ko" ;;
	esac
	vermagic=$(modinfo -F vermagic "$work/tern.ko")
	license=$(modinfo -F license "$work/tern.ko")
	if [ "${vermagic%% *}" = "$release" ] && [ "$license" = GPL ]; then
		echo "ok $n dkms build $release"
	else
		echo "# vermagic '$vermagic', license '$license'"
		echo "not ok $n dkms build $release"
		rc=1
	fi
done
exit $rc

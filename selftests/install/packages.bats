#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The Debian packages, installed as a user would: in the test VM with a
# writable root (tools/vm/run --rw-root), on a Debian kernel, without the
# module loaded.  make test runs this on 6.1 and 6.12 (tools/vm/test-all,
# after make deb); it is not one of the selftests/*.bats that run.sh runs
# with the module preloaded.
#
#   tools/vm/run --rw-root --kernel 6.1 -- bats selftests/install/packages.bats

bats_require_minimum_version 1.5.0

DEBS=build/deb

setup_file() {
	[[ -w /usr ]] || skip "needs a writable root (tools/vm/run --rw-root)"
	[[ ! -e /sys/module/fastipc ]] || skip "the module is loaded already"
	ls $DEBS/fastipc_*.deb >/dev/null || skip "no packages: make deb"
}

debs() {
	ls $DEBS/*.deb | grep -v -- -dbgsym_
}

@test "the four packages install; DKMS builds the module for this kernel" {
	local ver
	# As the README says (apt-get: apt's interface for scripts); every
	# dependency is installed already, so nothing is downloaded.
	run apt-get install -y --no-install-recommends $(debs | sed 's|^|./|')
	[[ $status -eq 0 ]] || { echo "$output"; false; }
	ver=$(cat VERSION)
	run dkms status fastipc
	[[ $output == *"fastipc/$ver, $(uname -r), "*"installed"* ]] || { echo "$output"; false; }
	ls /lib/modules/"$(uname -r)"/updates/dkms/fastipc.ko*
	[[ -r /usr/lib/modules-load.d/fastipc.conf ]]
	[[ -r /usr/lib/udev/rules.d/60-fastipc.rules ]]
}

@test "modprobe loads it; /dev/fastipc appears open to all" {
	modprobe fastipc
	[[ $(cat /sys/module/fastipc/version) == "$(cat VERSION)" ]]
	[[ -c /dev/fastipc ]]
	[[ $(stat -c %a /dev/fastipc) == 666 ]]
}

@test "the installed CLI works, with its man page and completion" {
	local ch=pkgtest-$$
	fastipc --version | grep -F "$(cat VERSION)"
	fastipc create "$ch"
	echo hello | fastipc send "$ch"
	run fastipc recv "$ch"
	[[ $status -eq 0 && $output == hello ]]
	fastipc ls | grep -F "$ch"
	fastipc unlink "$ch"
	man -w 8 fastipc
	# bash-completion's loader finds it by the command's name.
	bash -c '. /usr/share/bash-completion/completions/fastipc && complete -p fastipc'
	# The benchmark and the demo are not installed.
	[[ -z $(compgen -c fastipc- | grep -x 'fastipc-bench\|fastipc-demo') ]]
}

@test "the README's example builds with pkg-config from libfastipc-dev and runs" {
	local dir=$BATS_TEST_TMPDIR
	sed -n '/^```c$/,/^```$/p' README.md | sed '1d;$d' > "$dir/app.c"
	grep -q fastipc_open "$dir/app.c"
	cc -o "$dir/app" "$dir/app.c" $(pkg-config --cflags --libs fastipc)
	run "$dir/app"
	[[ $status -eq 0 && $output == "child got 8 bytes: hi there" ]] || { echo "$output"; false; }
	# Against the shared library installed, not a copy in the tree (the
	# loader may name it by /lib: Debian 12's /lib is /usr/lib).
	local lib
	lib=$(ldd "$dir/app" | awk '$1 == "libfastipc.so.0" { print $3 }')
	[[ -n $lib ]] || { ldd "$dir/app"; false; }
	[[ $(readlink -f "$lib") == \
	   $(readlink -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libfastipc.so.0") ]] ||
		{ echo "linked against $lib"; false; }
}

@test "every library function has its man page, and fastipc(7) exists" {
	local f missing=()
	for f in $(grep -oE 'fastipc_[a-z0-9_]+' lib/libfastipc.map | sort -u); do
		man -w 3 "$f" >/dev/null 2>&1 || missing+=("$f")
	done
	[[ ${#missing[@]} -eq 0 ]] || { echo "no page: ${missing[*]}"; false; }
	man -w 7 fastipc
}

@test "purging removes everything: no module, no device, no file" {
	local files pkg
	files=$(dpkg -L fastipc fastipc-dkms libfastipc0 libfastipc-dev |
		grep -v '^/usr/share/doc\|^/\.$' | sort -u)
	rmmod fastipc
	run apt-get purge -y fastipc-dkms libfastipc0 libfastipc-dev fastipc
	[[ $status -eq 0 ]] || { echo "$output"; false; }
	# (bats: a "! cmd" in the middle of a test cannot fail it; run ! can.)
	for pkg in fastipc fastipc-dkms libfastipc0 libfastipc-dev; do
		run ! dpkg -s "$pkg"
	done
	[[ -z $(dkms status fastipc) ]]
	[[ -z $(compgen -G "/lib/modules/*/updates/dkms/fastipc.ko*") ]]
	[[ -z $(compgen -G "/usr/src/fastipc-*") ]]
	[[ ! -e /sys/module/fastipc && ! -e /dev/fastipc ]]
	# Each file a package had is gone (its directories may be shared).
	while read -r f; do
		[[ -d $f || ! -e $f ]] || { echo "left behind: $f"; false; }
	done <<<"$files"
}

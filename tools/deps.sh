#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what fastipc's tests, test VM and debug kernels need on Debian 12,
# and only what is missing: on a machine that has it all it is one
# dpkg-query.  Building the module, the library and the CLI needs none of
# it (README: build dependencies); make deps and the test and demo targets
# call this, saying what they install.
#
#   tools/deps.sh [KERNEL...]           check, install what is missing (root)
#   tools/deps.sh --quiet [KERNEL...]   the same, silent when nothing is
#   tools/deps.sh --list [KERNEL...]    print what is missing, install
#                                       nothing; exit status 1 if anything is
#
# KERNEL names the test VM's kernels to provide (tools/vm/kernel names;
# default: every kernel of `make test`).  The 6.12 kernels come from the
# bookworm-backports suite of the archive apt already uses, which this
# adds to apt's sources (at backports' low priority: nothing else is
# upgraded from it).  Debug kernels' sources that Debian 12 does not have
# (linux-source-7.3, in trixie-backports) are fetched with apt-get
# download through a sources list of their own into the cache, never
# installed: the system's packages stay Debian 12's.  So is sparse: the
# 7.x kernels need a newer one than Debian 12's 0.6.4 (their C=1 checks
# for __typeof_unqual__ and otherwise skips sparse without failing), so
# make lint builds Debian's newest sparse source package (sid) into the
# cache, in about 10 s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FASTIPC_CACHE:-/var/cache/fastipc}

PACKAGES=(
	# The test VM.
	qemu-system-x86 busybox-static cpio kmod xz-utils
	# libfastipc, the CLI and the tests.
	build-essential pkg-config libnl-3-dev libnl-genl-3-dev bats jq
	gnuplot-nox
	# make lint: sparse (checkpatch and the kselftest harness come out
	# of the 7.3 source below).
	sparse
	# make man: kernel-doc.
	linux-source-6.1
	# make deb, and the package tests.
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian man-db
	# make abi-check (in make lint).
	abigail-tools
)
# Suites other than Debian 12's own that a package comes from.
declare -A SUITE=()
BACKPORTS_LIST=/etc/apt/sources.list.d/fastipc-bookworm-backports.sources
# Kernel sources fetched into the cache, not installed.
FETCH=(7.3)
SPARSE=$cache/sparse/sparse

mode=install
case ${1:-} in
--quiet) mode=quiet; shift ;;
--list) mode=list; shift ;;
-h | --help) sed -n '3,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
-*) echo "deps: unknown option $1 (--quiet, --list)" >&2; exit 2 ;;
esac
kernels=("$@")
((${#kernels[@]})) || mapfile -t kernels < <("$here/vm/kernel" matrix)

for k in "${kernels[@]}"; do
	read -ra pk <<<"$("$here/vm/kernel" packages "$k")"
	PACKAGES+=("${pk[@]}")
	for p in "${pk[@]}"; do
		[[ $p != *+deb12* ]] || SUITE[$p]=bookworm-backports
	done
	if [[ $k == *debug* ]]; then
		v=$("$here/vm/kernel" source "$k")
		if [[ " ${FETCH[*]} " != *" $v "* ]]; then
			PACKAGES+=("linux-source-$v")
		fi
	fi
done

# "ii" is installed; anything else, or not known to dpkg at all, is missing.
declare -A installed=()
while read -r pkg status; do
	[[ $status == ii ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
	"${PACKAGES[@]}" 2>/dev/null || true)
declare -A seen=()
missing=()
for pkg in "${PACKAGES[@]}"; do
	[[ -z ${seen[$pkg]:-} ]] || continue
	seen[$pkg]=1
	[[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done
fetch=()
for v in "${FETCH[@]}"; do
	[[ -r $cache/linux-source-$v/linux-source-$v.tar.xz ]] || fetch+=("linux-source-$v")
done
[[ -x $SPARSE ]] || fetch+=(sparse)

if ((${#missing[@]} + ${#fetch[@]} == 0)); then
	[[ $mode != install ]] ||
		echo "deps: all ${#seen[@]} packages are installed, sources fetched"
	exit 0
fi
if [[ $mode == list ]]; then
	((${#missing[@]} == 0)) || printf '%s\n' "${missing[@]}"
	for f in "${fetch[@]}"; do
		echo "$f (fetched into $cache)"
	done
	exit 1
fi
if ((EUID != 0)); then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	((${#fetch[@]} == 0)) ||
		echo "deps: and sources to fetch into $cache: ${fetch[*]}" >&2
	echo "deps: run 'sudo make deps' (or sudo tools/deps.sh)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]})); then
	need_bpo=0
	for pkg in "${missing[@]}"; do
		[[ ${SUITE[$pkg]:-} != bookworm-backports ]] || need_bpo=1
	done
	if ((need_bpo)) && ! apt-cache policy 2>/dev/null | grep -q ' bookworm-backports/'; then
		echo "deps: adding Debian's bookworm-backports suite to apt ($BACKPORTS_LIST)"
		cat >"$BACKPORTS_LIST" <<EOF
# Added by fastipc's tools/deps.sh: the 6.12 kernels of its test VM.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -q
	plain=() bpo=()
	for pkg in "${missing[@]}"; do
		if [[ ${SUITE[$pkg]:-} == bookworm-backports ]]; then
			bpo+=("$pkg")
		else
			plain+=("$pkg")
		fi
	done
	((${#plain[@]} == 0)) ||
		apt-get install -q -y --no-install-recommends "${plain[@]}"
	((${#bpo[@]} == 0)) ||
		apt-get install -q -y --no-install-recommends \
			-t bookworm-backports "${bpo[@]}"
fi

# apt_private SUITE TYPE...: apt-get options ($opts) for a sources list of
# our own (in $tmp) naming SUITE for each TYPE (deb, deb-src); it never
# touches the system's.
apt_private() {
	local suite=$1 type
	shift
	mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
	: >"$tmp/sources.list"
	for type in "$@"; do
		echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >>"$tmp/sources.list"
	done
	opts=(-o "Dir::Etc::SourceList=$tmp/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$tmp/lists"
		-o "Dir::Cache=$tmp"
		-o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root)
	apt-get "${opts[@]}" -q update
}

# fetch_source V: linux-source-V from trixie-backports into the cache.
fetch_source() {
	local v=$1 dir=$cache/linux-source-$1 deb
	echo "deps: fetching linux-source-$v (trixie-backports) into $dir"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	apt_private trixie-backports deb
	mkdir "$tmp/deb"
	(cd "$tmp/deb" && apt-get "${opts[@]}" -q download "linux-source-$v")
	deb=$(echo "$tmp"/deb/linux-source-"$v"_*.deb)
	dpkg-deb -x "$deb" "$tmp/x"
	rm -rf "$dir"
	mkdir -p "$dir"
	mv "$tmp/x/usr/src/linux-source-$v.tar.xz" "$dir/"
	dpkg-deb -f "$deb" Version >"$dir/version"
	rm -rf "$tmp"
}

# fetch_sparse: Debian's newest sparse source package (sid), built.
fetch_sparse() {
	local dir=$cache/sparse
	echo "deps: building Debian's newest sparse (sid's source package) into $dir"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	apt_private sid deb-src
	mkdir "$tmp/src"
	(cd "$tmp/src" && apt-get "${opts[@]}" -q source --download-only sparse)
	mkdir "$tmp/build"
	tar -xzf "$(echo "$tmp"/src/sparse_*.orig.tar.*)" -C "$tmp/build" \
		--strip-components=1
	make -C "$tmp/build" -s -j"$(nproc)" sparse >/dev/null
	rm -rf "$dir"
	mkdir -p "$dir"
	mv "$tmp/build/sparse" "$dir/"
	basename "$(echo "$tmp"/src/sparse_*.dsc)" .dsc >"$dir/version"
	rm -rf "$tmp"
}

mkdir -p "$cache"
for f in "${fetch[@]}"; do
	case $f in
	sparse) fetch_sparse ;;
	linux-source-*) fetch_source "${f#linux-source-}" ;;
	esac
done

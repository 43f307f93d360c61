#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages that fastipc's build, test VM and debug kernel
# need, and only the missing ones: on a machine that has them all it is a
# single dpkg-query.
#
#   tools/deps.sh            check, install what is missing (as root)
#   tools/deps.sh --quiet    the same, silent when nothing is missing
#   tools/deps.sh --list     print the missing packages, install nothing;
#                            exit status 1 if there are any
set -euo pipefail

PACKAGES=(
	# The kernel the test VM boots, and its headers to build the module.
	linux-image-amd64 linux-headers-amd64
	# The test VM.
	qemu-system-x86 busybox-static cpio kmod
	# libfastipc, the CLI and the tests.
	build-essential pkg-config libnl-3-dev libnl-genl-3-dev bats jq
	gnuplot-nox
	# kselftest harness and checkpatch (extracted), sparse for `make lint`.
	linux-source-6.1 sparse
	# The debug kernel build.
	flex bison bc libelf-dev libssl-dev
)

mode=install
case ${1:-} in
"") ;;
--quiet) mode=quiet ;;
--list) mode=list ;;
-h | --help) sed -n '3,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) echo "deps: unknown option $1 (--quiet, --list)" >&2; exit 2 ;;
esac

# "ii" is installed; anything else, or not known to dpkg at all, is missing.
declare -A installed=()
while read -r pkg status; do
	[[ $status == ii ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
	"${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for pkg in "${PACKAGES[@]}"; do
	[[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	[[ $mode != install ]] || echo "deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
if [[ $mode == list ]]; then
	printf '%s\n' "${missing[@]}"
	exit 1
fi
if ((EUID != 0)); then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run 'sudo make deps' or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -q -y --no-install-recommends "${missing[@]}"

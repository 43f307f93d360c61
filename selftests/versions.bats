#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# fastipc-suite: userspace (selftests/run.sh)
#
# One version, from the VERSION file, everywhere it shows: the loaded
# module, the library (file name, pkg-config, run time and header), the
# CLI, the man pages, the Debian changelog and CHANGELOG.md.  A release
# that changes VERSION and forgets one of them fails here.
#
# Runs in the test VM (the module's version is read from the loaded
# module); the rest needs only a build (make lib tools man).

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	VERSION=$(cat "$REPO/VERSION")
	MAJOR=${VERSION%%.*}
	MINOR=${VERSION#*.}
	MINOR=${MINOR%%.*}
}

@test "VERSION is MAJOR.MINOR.PATCH" {
	[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the loaded module has VERSION" {
	[[ -e /sys/module/fastipc ]] || skip "the fastipc module is not loaded"
	[[ $(cat /sys/module/fastipc/version) == "$VERSION" ]]
}

@test "the library's file name, pkg-config file and header have VERSION" {
	[[ -e $REPO/build/lib/libfastipc.so.$VERSION ]]
	grep -qx "Version: $VERSION" "$REPO/build/lib/fastipc.pc"
	grep -Eq "^#define FASTIPC_LIB_VERSION_MAJOR[[:space:]]+$MAJOR\$" "$REPO/lib/fastipc.h"
	grep -Eq "^#define FASTIPC_LIB_VERSION_MINOR[[:space:]]+$MINOR\$" "$REPO/lib/fastipc.h"
}

@test "the library reports VERSION at run time" {
	local prog=$BATS_TEST_TMPDIR/version
	command -v cc >/dev/null || skip "no compiler"
	cat > "$prog.c" <<'EOF'
#include <fastipc.h>
#include <stdio.h>
int main(void)
{
	printf("%d.%d\n", fastipc_version_major(), fastipc_version_minor());
	return 0;
}
EOF
	cc -o "$prog" "$prog.c" -I"$REPO/lib" -I"$REPO/build/include" \
		"$REPO/build/lib/libfastipc.so.$VERSION"
	[[ $(LD_LIBRARY_PATH=$REPO/build/lib "$prog") == "$MAJOR.$MINOR" ]]
}

@test "every man page says VERSION" {
	local page n=0
	for page in "$REPO"/build/man/man3/*.3 "$REPO"/build/man/man7/fastipc.7; do
		n=$((n + 1))
		grep -q "^\.TH .*\"libfastipc $VERSION\"" "$page" ||
			grep -q "^\.TH .*\"fastipc $VERSION\"" "$page" ||
			{ echo "$page: $(grep '^\.TH' "$page")"; false; }
	done
	((n > 20))
}

@test "the Debian changelog and CHANGELOG.md start with VERSION" {
	[[ $(head -1 "$REPO/debian/changelog") == "fastipc ($VERSION) "* ]]
	[[ $(grep -m1 '^## [0-9]' "$REPO/CHANGELOG.md") == "## $VERSION" ]]
}

@test "the symbol map has no node newer than VERSION" {
	local node
	while read -r node; do
		[[ $node =~ ^FASTIPC_([0-9]+)\.([0-9]+)$ ]]
		((BASH_REMATCH[1] < MAJOR ||
		  (BASH_REMATCH[1] == MAJOR && BASH_REMATCH[2] <= MINOR))) ||
			{ echo "$node is newer than $VERSION"; false; }
	done < <(grep -oE '^FASTIPC_[0-9.]+' "$REPO/lib/libfastipc.map")
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# fastipc-suite: userspace (selftests/run.sh)
#
# The documents against the running module: every module parameter is in
# uapi.md's table and nothing else is; the keys of `fastipc config` are
# those parameters (less the testing-only ones) and fastipc(8) names each.
# A parameter added without its documentation fails here.  Runs in the
# test VM with the module loaded; skips elsewhere.  (cli.bats checks that
# every command the documents name exists, versions.bats the versions.)

PARAMS=/sys/module/fastipc/parameters
# Parameters for tests only: documented, but not a setting of `config`.
TESTING_ONLY="hide_ioctls"

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	FASTIPC=${FASTIPC:-$REPO/build/tools/fastipc}
	[[ -d $PARAMS ]] || skip "the fastipc module is not loaded"
}

module_params() {
	ls "$PARAMS" | LC_ALL=C sort
}

@test "uapi.md's parameter table is the module's parameters" {
	local table
	table=$(sed -n '/^## Module parameters/,/^## /p' "$REPO/Documentation/uapi.md" |
		sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' | LC_ALL=C sort)
	[[ -n $table ]]
	diff <(module_params) <(echo "$table")
}

@test "fastipc config has a key for each parameter, and fastipc(8) names it" {
	local keys key want
	command -v jq >/dev/null || skip "no jq"
	[[ -x $FASTIPC ]] || skip "no $FASTIPC (make tools)"
	keys=$("$FASTIPC" config --json | jq -r 'keys[]' | LC_ALL=C sort)
	want=$(module_params | grep -vxF -f <(tr ' ' '\n' <<<"$TESTING_ONLY"))
	diff <(echo "$want") <(echo "$keys")
	for key in $keys; do
		grep -Eq "^\.BR? $key( ,)?\$" "$REPO/Documentation/fastipc.8" ||
			{ echo "fastipc.8 does not name config key $key"; false; }
	done
}

# The ```c block of Documentation/DOC (libfastipc.md unless given) that
# opens with "/* NAME.c:", compiled against the build's static library
# into $BATS_TEST_TMPDIR/NAME.
example() {
	local name=$1 doc=${2:-libfastipc.md} src=$BATS_TEST_TMPDIR/$1.c
	awk -v head="/* $name.c:" '
		/^```c$/ { inblock = 1; first = 1; next }
		/^```$/ { inblock = 0; keep = 0; next }
		inblock && first { first = 0; keep = index($0, head) == 1 }
		keep' "$REPO/Documentation/$doc" > "$src"
	[[ -s $src ]] || { echo "$doc has no example $name.c"; return 1; }
	cc -std=c11 -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/$name" "$src" \
		-I"$REPO/lib" -I"$REPO/build/include" "$REPO/build/lib/libfastipc.a" -pthread
}

@test "libfastipc.md's copy example prints what the text says" {
	command -v cc >/dev/null || skip "no compiler"
	example copy-example
	run "$BATS_TEST_TMPDIR/copy-example"
	[[ $status -eq 0 ]]
	[[ $output == $'prio 20: high\nprio 10: middle\nprio  1: low\n17 bytes: any length at all' ]]
}

@test "libfastipc.md's zero-copy pair works started in either order" {
	local out=$BATS_TEST_TMPDIR/recv.out first rpid
	command -v cc >/dev/null || skip "no compiler"
	example zc-send
	example zc-recv
	for first in recv send; do
		if [[ $first == recv ]]; then
			"$BATS_TEST_TMPDIR/zc-recv" > "$out" & rpid=$!
			"$BATS_TEST_TMPDIR/zc-send"
		else
			"$BATS_TEST_TMPDIR/zc-send"
			"$BATS_TEST_TMPDIR/zc-recv" > "$out" & rpid=$!
		fi
		wait "$rpid"
		[[ $(wc -l < "$out") -eq 16 ]]
		[[ $(head -1 "$out") == "4194304 bytes of 'a', mapped" ]]
		[[ $(tail -1 "$out") == "4194304 bytes of 'p', mapped" ]]
		# zc-recv unlinked the channel: nothing is left behind.
		[[ ! -e /dev/fastipc ]] || ! "$FASTIPC" show frames >/dev/null 2>&1
	done
}

@test "services.md's echo service answers its client as the text says" {
	local spid i
	command -v cc >/dev/null || skip "no compiler"
	[[ -e /dev/fastipc ]] || skip "the fastipc module is not loaded"
	example echo-server services.md
	example echo-client services.md
	"$BATS_TEST_TMPDIR/echo-server" & spid=$!
	# The server creates the channel: wait until a client can open it.
	for ((i = 0; i < 500; i++)); do
		"$FASTIPC" show echo >/dev/null 2>&1 && break
		sleep 0.02
	done
	run "$BATS_TEST_TMPDIR/echo-client" hello world quit
	[[ $status -eq 0 ]]
	[[ $output == $'1048576 bytes, mapped\nhello\nworld\nquit' ]]
	# "quit" stopped the server, which unlinked the channel.
	wait "$spid"
	run "$FASTIPC" show echo
	[[ $status -ne 0 ]]
	# With no server, a client cannot open the channel.
	run "$BATS_TEST_TMPDIR/echo-client" hello
	[[ $status -eq 1 ]]
	[[ $output == "echo-client: No such file or directory" ]]
}

@test "topics.md's three subscribers each get every frame, mapped read-only" {
	command -v cc >/dev/null || skip "no compiler"
	[[ -e /dev/fastipc ]] || skip "the fastipc module is not loaded"
	example topic-frames topics.md
	run "$BATS_TEST_TMPDIR/topic-frames"
	[[ $status -eq 0 ]]
	[[ $output == "$(sed -n '/^It prints, once per subscriber:/,/^## /p' \
		"$REPO/Documentation/topics.md" | sed -n '/^subscriber /p')" ]]
	# It unlinked the topic: nothing is left behind.
	run "$FASTIPC" show frames
	[[ $status -ne 0 ]]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# fastipc module lifecycle: unloading refused while a handle is open,
# reloading, teardown of what is left at unload, create/unlink cycles
# returning the counters to their baseline, parameters at load, and a
# load/unload loop.
#
# Runs in the test VM as root with the module loaded; reloads it from
# fastipc.ko at the repository root (FASTIPC_KO overrides).  Leaves the
# module loaded at the end: other tests follow.  Skips elsewhere.

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	KO=${FASTIPC_KO:-$REPO/fastipc.ko}
	UTIL=$REPO/build/selftests/fipc_util
	CYCLES=${FASTIPC_LOAD_CYCLES:-20}
	HOLDERS=()
	[[ $EUID -eq 0 ]] || skip "needs root (runs in the test VM)"
	[[ -e /dev/fastipc ]] || skip "the fastipc module is not loaded"
	[[ -x $UTIL ]] || {
		echo "missing $UTIL: build it with make" >&2
		return 1
	}
	[[ -r $KO ]] || {
		echo "missing $KO: build it with make module" >&2
		return 1
	}
	PROBLEMS_BEFORE=$(kernel_problems)
}

teardown() {
	local pid
	for pid in "${HOLDERS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# Whatever happened, leave the module loaded with its defaults.
	if ! loaded; then
		insmod "$KO" || true
	fi
}

loaded() {
	[[ -d /sys/module/fastipc ]]
}

# Not "! loaded": bash's errexit ignores a negated command.
unloaded() {
	[[ ! -d /sys/module/fastipc ]]
}

# Kernel log lines that mean trouble (tools/vm/dmesg-patterns has the
# full list; these are the ones a module unload can cause).
kernel_problems() {
	dmesg | grep -cE 'WARNING:|BUG:|Oops|general protection|KASAN|kmemleak|refcount_t' || true
}

no_new_problems() {
	local now
	now=$(kernel_problems)
	if ((now != PROBLEMS_BEFORE)); then
		echo "the kernel log shows new problems:" >&2
		dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|KASAN|kmemleak|refcount_t' | tail -n 20 >&2
		return 1
	fi
}

stat_of() {
	"$UTIL" stats "$1"
}

name() {
	echo "kst-bats-$$-$1"
}

# Start `fipc_util hold NAME` in the background and wait until it has its
# handle.  Its fd 3 is closed: bats waits for every holder of fd 3.
hold() {
	local out=$BATS_TEST_TMPDIR/hold.$1 i
	"$UTIL" hold "$1" >"$out" 3>&- &
	HOLDERS+=("$!")
	for ((i = 0; i < 200; i++)); do
		grep -q ready "$out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "fipc_util hold $1 did not get ready" >&2
	return 1
}

reload() {
	rmmod fastipc
	unloaded
	insmod "$KO" "$@"
	loaded
	[[ -c /dev/fastipc ]]
}

@test "rmmod is refused while an unbound file is open" {
	exec 7<>/dev/fastipc
	run rmmod fastipc
	[ "$status" -ne 0 ]
	loaded
	[[ $(cat /sys/module/fastipc/refcnt) -ge 1 ]]
	exec 7>&-
	rmmod fastipc
	unloaded
	[[ ! -e /dev/fastipc ]]
	insmod "$KO"
	[[ -c /dev/fastipc ]]
	no_new_problems
}

@test "rmmod is refused while another process holds a handle" {
	local n
	n=$(name held)
	hold "$n"
	[[ $(stat_of handles) -ge 1 ]]
	run rmmod fastipc
	[ "$status" -ne 0 ]
	loaded
	# The channel and its handle survived the refused unload.
	"$UTIL" exists "$n"

	kill -9 "${HOLDERS[0]}"
	wait "${HOLDERS[0]}" || true
	HOLDERS=()
	rmmod fastipc
	unloaded
	insmod "$KO"
	# A fresh module: the channel went with the old one.
	run "$UTIL" exists "$n"
	[ "$status" -eq 1 ]
	[[ $(stat_of channels) -eq 0 ]]
	[[ $(stat_of handles) -eq 0 ]]
	no_new_problems
}

@test "unload frees named channels and their queued messages" {
	local n1 n2
	n1=$(name left1)
	n2=$(name left2)
	"$UTIL" create "$n1" 6 >/dev/null
	"$UTIL" create "$n2" 1 >/dev/null
	[[ $(stat_of channels) -ge 2 ]]
	[[ $(stat_of pages_held) -ge 75 ]]	# 3 messages of 100 KiB in pages
	[[ $(stat_of bytes_queued) -ge 307500 ]]
	# No handle is open: the module can go, and takes them along.
	reload
	[[ $(stat_of channels) -eq 0 ]]
	[[ $(stat_of pages_held) -eq 0 ]]
	[[ $(stat_of bytes_queued) -eq 0 ]]
	no_new_problems
}

@test "create/unlink cycles leave the counters at their baseline" {
	local pages bytes chans handles
	pages=$(stat_of pages_held)
	bytes=$(stat_of bytes_queued)
	chans=$(stat_of channels)
	handles=$(stat_of handles)
	"$UTIL" cycle 150
	[[ $(stat_of pages_held) -eq $pages ]]
	[[ $(stat_of bytes_queued) -eq $bytes ]]
	[[ $(stat_of channels) -eq $chans ]]
	[[ $(stat_of handles) -eq $handles ]]
	no_new_problems
}

@test "a fresh module holds nothing after create/unlink cycles" {
	reload
	"$UTIL" cycle 30
	[[ $(stat_of pages_held) -eq 0 ]]
	[[ $(stat_of bytes_queued) -eq 0 ]]
	[[ $(stat_of channels) -eq 0 ]]
	[[ $(stat_of handles) -eq 0 ]]
	no_new_problems
}

@test "parameters given at load and changed at run time apply to new channels" {
	local p=/sys/module/fastipc/parameters n
	reload default_max_msgs=7 zc_threshold=8192
	[[ $(cat $p/default_max_msgs) -eq 7 ]]
	[[ $(cat $p/zc_threshold) -eq 8192 ]]
	n=$(name params)
	run "$UTIL" create "$n"
	[ "$status" -eq 0 ]
	[[ $output == *"max_msgs 7"* ]]
	[[ $output == *"zc_threshold 8192"* ]]
	"$UTIL" unlink "$n"

	echo 9 >$p/default_max_msgs
	run "$UTIL" create "$n"
	[ "$status" -eq 0 ]
	[[ $output == *"max_msgs 9"* ]]
	"$UTIL" unlink "$n"

	# Back to the defaults for the tests that follow.
	reload
	[[ $(cat $p/default_max_msgs) -eq 256 ]]
	no_new_problems
}

@test "load/unload loop" {
	local i n
	for ((i = 0; i < CYCLES; i++)); do
		n=$(name loop$i)
		# Something for each unload to tear down.
		"$UTIL" create "$n" 2 >/dev/null
		rmmod fastipc || {
			echo "rmmod failed in cycle $i" >&2
			return 1
		}
		unloaded
		insmod "$KO" || {
			echo "insmod failed in cycle $i" >&2
			return 1
		}
		[[ -c /dev/fastipc ]]
		[[ $(stat_of channels) -eq 0 ]]
	done
	no_new_problems
}

@test "the module is loaded at the end" {
	loaded
	[[ -c /dev/fastipc ]]
	"$UTIL" stats >/dev/null
}

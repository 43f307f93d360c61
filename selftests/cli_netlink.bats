#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# fastipc-suite: userspace (selftests/run.sh)
# The control-plane commands of fastipc(8), over the "fastipc" generic
# netlink family: ls, show, set, rm, config, monitor and stats, their JSON
# output (parsed with jq), -s sizes, the kernel's error messages and the
# exit statuses (0 ok, 1 failed operation, 2 usage error).  Run in the test
# VM as root with the module loaded (selftests/run.sh); FASTIPC=<path>
# tests another binary.
#
# Every test makes its own channels, named nl.<pid>.<test>.<n>, and deletes
# them in the teardown; a test that changes the module's settings puts
# them back there.  Background monitors are killed in the teardown.

bats_require_minimum_version 1.5.0

NL_COMMANDS=(ls show set rm config monitor stats)

# The keys of a channel in show/ls/monitor --json, in their order.
CH_KEYS="name id uid gid mode ctime ctime_ns max_msgs max_bytes max_msg_size\
 zc_threshold queued_msgs queued_bytes handles wait_senders wait_receivers\
 sent_msgs sent_bytes recv_msgs recv_bytes page_msgs page_bytes copied_bytes\
 mapped_pages drops timeouts errors topic"
# A topic's keys after those; events have all but subscriber_list.
TOPIC_KEYS="policy history subscribers subscriber_list"
CFG_KEYS="max_msg_size default_max_msgs max_msgs_limit default_max_bytes\
 max_bytes_limit zc_threshold max_window max_channels max_user_channels\
 user_pages_floor pool_max user_queue_floor busy_poll_us"

setup() {
	FASTIPC=${FASTIPC:-$BATS_TEST_DIRNAME/../build/tools/fastipc}
	UTIL=$BATS_TEST_DIRNAME/../build/selftests/fipc_util
	[[ -x $FASTIPC ]] || skip "no $FASTIPC (make tools)"
	if [[ ! -e /dev/fastipc && $BATS_TEST_DESCRIPTION != "without the module"* ]]; then
		skip "no /dev/fastipc (load fastipc.ko)"
	fi
	CHANNELS=()
	NCH=0
	PIDS=()
	KILL_FIRST=()
	NETNS=()
	SAVED_CONFIG=
	TMP=$BATS_TEST_TMPDIR
}

teardown() {
	local p c
	for p in "${KILL_FIRST[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for c in "${CHANNELS[@]}"; do
		"$FASTIPC" rm --force "$c" >/dev/null 2>&1 || true
	done
	for c in "${NETNS[@]}"; do
		ip netns delete "$c" 2>/dev/null || true
	done
	if [[ -n $SAVED_CONFIG ]]; then
		# shellcheck disable=SC2046
		"$FASTIPC" config $(jq -r 'to_entries | map("\(.key) \(.value)")
					   | join(" ")' <<<"$SAVED_CONFIG")
	fi
}

# newch VAR: a fresh channel name in VAR, deleted by the teardown.
newch() {
	local n="nl.$$.$BATS_TEST_NUMBER.$NCH"
	NCH=$((NCH + 1))
	CHANNELS+=("$n")
	printf -v "$1" '%s' "$n"
}

# mkch VAR [create options...]: create a fresh channel, name in VAR.
mkch() {
	local var=$1
	shift
	newch "$var"
	"$FASTIPC" create "${!var}" --excl "$@"
}

# sh1 CHANNEL KEY: one value of `show --json`.
sh1() {
	"$FASTIPC" show "$1" --json | jq -r ".$2"
}

save_config() {
	SAVED_CONFIG=$("$FASTIPC" config --json)
	[[ -n $SAVED_CONFIG ]]
}

# bg CMD...: run CMD in the background (output to files of the caller's
# choosing), remember it for the teardown; its pid in BG.
bg() {
	"$@" 3>&- &
	BG=$!
	PIDS+=("$BG")
}

# listening PID: wait until PID sleeps in recvmsg(2) (47 on x86-64), i.e.
# a monitor has joined the group and waits for events.  Without
# /proc/PID/syscall, a second's grace.
listening() {
	local i nr rest
	if [[ $(uname -m) != x86_64 || ! -r /proc/$1/syscall ]]; then
		sleep 1
		return 0
	fi
	for ((i = 0; i < 200; i++)); do
		read -r nr rest </proc/"$1"/syscall 2>/dev/null || return 1
		[[ $nr == 47 ]] && return 0
		sleep 0.05
	done
	echo "pid $1 never waited in recvmsg" >&2
	return 1
}

# finish PID SECONDS: wait for background PID to end, at most SECONDS
# (then kill it); its exit status, 124 after the kill.
finish() {
	local end=$((SECONDS + $2)) state rest
	while [[ -e /proc/$1 ]]; do
		read -r _ _ state rest </proc/"$1"/stat 2>/dev/null || break
		[[ $state == Z ]] && break
		if ((SECONDS >= end)); then
			kill "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.1
	done
	wait "$1"
}

# receivers CHANNEL N: does CHANNEL have N receivers waiting?
receivers() {
	[[ $(sh1 "$1" wait_receivers) == "$2" ]]
}

# lines_in FILE N: has FILE at least N lines?
lines_in() {
	[[ $(wc -l <"$1") -ge $2 ]]
}

# waitfor SECONDS CMD...: retry CMD until it succeeds, for SECONDS.
waitfor() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# ------------------------------------------------------------------
# help and usage

@test "--help of every control-plane command; fastipc --help lists them" {
	local c long
	for c in "${NL_COMMANDS[@]}"; do
		run --separate-stderr "$FASTIPC" "$c" --help
		[[ $status -eq 0 && -z $stderr ]] || { echo "$c: $status"; false; }
		[[ ${lines[0]} == "Usage: fastipc $c"* ]]
		long=$output
		run --separate-stderr "$FASTIPC" help "$c"
		[[ $status -eq 0 && $output == "$long" ]]
	done
	run --separate-stderr "$FASTIPC" --help
	for c in "${NL_COMMANDS[@]}"; do
		grep -qE "^  $c +" <<<"$output" || { echo "no $c"; false; }
	done
}

@test "usage errors exit 2 with the usage line" {
	local ch args
	mkch ch
	local cases=(
		"ls extra"
		"ls --bogus"
		"show"
		"show $ch other"
		"show $ch --bogus"
		"set"
		"set $ch"
		"set $ch max_msgs"
		"set $ch max_msgs 5 max_bytes"
		"set $ch bogus 5"
		"set $ch max_msgs many"
		"set $ch max_msgs -1"
		"set $ch max_msgs 4294967296"
		"set $ch max_bytes 1X"
		"rm"
		"rm --bogus $ch"
		"config max_window"
		"config no_such_key 1"
		"config max_channels 1K"
		"config max_window lots"
		"monitor -n"
		"monitor -n many"
		"monitor --bogus"
		"stats extra"
	)
	for args in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$FASTIPC" $args
		[[ $status -eq 2 ]] || { echo "'$args': status $status"; false; }
		[[ -z $output ]] || { echo "'$args': stdout: $output"; false; }
		grep -q "^Usage: fastipc ${args%% *} " <<<"$stderr" ||
			{ echo "'$args': $stderr"; false; }
	done
	# Nothing was changed or deleted by them.
	[[ $(sh1 "$ch" max_msgs) == $("$FASTIPC" config -j | jq .default_max_msgs) ]]
}

# ------------------------------------------------------------------
# ls

@test "ls: an aligned table, one row per channel, sorted by name" {
	local base a b hdr row len
	newch base
	# b is created first, a sorts first.
	b=$base.z a=$base.a
	CHANNELS+=("$a" "$b")
	"$FASTIPC" create "$b" --mode 0640 --max-msgs 7 --max-bytes 1M --threshold 8K
	"$FASTIPC" create "$a"
	"$FASTIPC" send "$b" hello world

	run --separate-stderr "$FASTIPC" ls
	[[ $status -eq 0 && -z $stderr ]]
	hdr=${lines[0]}
	[[ $hdr =~ ^NAME\ +ID\ +OWNER\ +MODE\ +MSGS\ +BYTES\ +HANDLES\ +MAX-MSGS\ +MAX-BYTES\ +THRESHOLD$ ]]
	# Right-aligned last column: every row as long as the header.
	len=${#hdr}
	for row in "${lines[@]}"; do
		[[ $row == "$a "* || $row == "$b "* ]] || continue
		[[ ${#row} -eq $len ]] || { echo "ragged: '$row'"; false; }
	done
	row=$(awk -v n="$b" '$1 == n' <<<"$output")
	read -r -a f <<<"$row"
	[[ ${f[0]} == "$b" && ${f[1]} == $(sh1 "$b" id) && ${f[2]} == root ]]
	[[ ${f[3]} == 0640 && ${f[4]} == 2 && ${f[5]} == 10 && ${f[6]} == 0 ]]
	[[ ${f[7]} == 7 && ${f[8]} == 1048576 && ${f[9]} == 8192 ]]
	# a sorts before b, though its id is higher.
	(($(sh1 "$a" id) > $(sh1 "$b" id)))
	[[ $(grep -nF "$a " <<<"$output" | cut -d: -f1) -lt \
	   $(grep -nF "$b " <<<"$output" | cut -d: -f1) ]]

	run "$FASTIPC" ls -s
	[[ $status -eq 0 ]]
	read -r -a f < <(awk -v n="$b" '$1 == n' <<<"$output")
	[[ ${f[5]} == 10 && ${f[8]} == 1M && ${f[9]} == 8K ]]
}

@test "ls --json: an array of channel objects with the documented keys" {
	local a b
	mkch a --max-msgs 3
	mkch b
	"$FASTIPC" send "$a" xyz
	run --separate-stderr "$FASTIPC" ls --json
	[[ $status -eq 0 && -z $stderr ]]
	jq -e 'type == "array"' <<<"$output"
	[[ $(jq --arg n "$a" '[.[] | select(.name == $n)] | length' <<<"$output") == 1 ]]
	[[ $(jq -r --arg n "$a" '.[] | select(.name == $n) |
				 keys_unsorted | join(" ")' <<<"$output") == "$CH_KEYS" ]]
	jq -e --arg n "$a" '.[] | select(.name == $n) |
		.max_msgs == 3 and .queued_msgs == 1 and .queued_bytes == 3 and
		.mode == "0600" and .uid == 0 and (.id | type) == "number"' <<<"$output"
	jq -e --arg n "$b" 'any(.[]; .name == $n)' <<<"$output"
	# -s changes nothing in JSON.
	[[ $("$FASTIPC" ls -j -s | jq --arg n "$a" '.[] | select(.name == $n) | .max_bytes') == \
	   $(sh1 "$a" max_bytes) ]]
}

# ------------------------------------------------------------------
# show

@test "show: every field, text and JSON with the same keys and values" {
	local ch text json before after cns
	before=$(date +%s)
	mkch ch --mode 0604 --max-msgs 9 --max-bytes 300K --max-msg-size 100K --threshold 4K
	after=$(date +%s)
	"$FASTIPC" send "$ch" one two
	head -c 9000 /dev/zero | "$FASTIPC" send "$ch" --whole
	"$FASTIPC" recv "$ch" >/dev/null

	run --separate-stderr "$FASTIPC" show "$ch" --json
	[[ $status -eq 0 && -z $stderr && ${#lines[@]} -eq 1 ]]
	json=$output
	[[ $(jq -r 'keys_unsorted | join(" ")' <<<"$json") == "$CH_KEYS" ]]
	jq -e --arg n "$ch" '.name == $n and .mode == "0604" and
		.max_msgs == 9 and .max_bytes == 307200 and
		.max_msg_size == 102400 and .zc_threshold == 4096 and
		.queued_msgs == 2 and .queued_bytes == 9003 and .handles == 0 and
		.wait_senders == 0 and .wait_receivers == 0 and
		.sent_msgs == 3 and .sent_bytes == 9006 and
		.recv_msgs == 1 and .recv_bytes == 3 and
		.page_msgs == 1 and .page_bytes == 9000 and
		.copied_bytes == 9009 and .mapped_pages == 0 and
		.drops == 0 and .timeouts == 0 and .errors == 0' <<<"$json"
	# jq reads numbers as doubles: ctime_ns (> 2^53) is taken as text.
	cns=$(grep -o '"ctime_ns":[0-9]*' <<<"$json" | cut -d: -f2)
	((cns / 1000000000 >= before && cns / 1000000000 <= after))
	[[ $(jq -r .ctime <<<"$json") == \
	   $(date -u -d "@$((cns / 1000000000))" +%Y-%m-%dT%H:%M:%S).$(printf %09d $((cns % 1000000000)))Z ]]
	[[ $(sh1 "$ch" id) == $("$FASTIPC" info "$ch" -j | jq .id) ]]

	# The text form: "key: value" lines, the same keys and values.
	text=$("$FASTIPC" show "$ch" | sed -E 's/^([a-z_]+): +/\1=/' | sort)
	[[ $(grep '^ctime_ns=' <<<"$text" | cut -d= -f2) == "$cns" ]]
	text=$(grep -v '^ctime_ns=' <<<"$text")
	json=$(jq -r 'to_entries[] | select(.key != "ctime_ns") |
		      "\(.key)=\(.value)"' <<<"$json" | sort)
	[[ $text == "$json" ]] || { diff <(echo "$text") <(echo "$json"); false; }

	# -s: sizes for people.
	run "$FASTIPC" show "$ch" -s
	grep -qE '^max_bytes: +300K$' <<<"$output"
	grep -qE '^max_msg_size: +100K$' <<<"$output"
	grep -qE '^queued_bytes: +8\.8K$' <<<"$output"
	grep -qE '^max_msgs: +9$' <<<"$output"
}

@test "show: names that need escaping in JSON" {
	local ch
	newch ch
	ch="$ch.q\"b\\t"
	CHANNELS+=("$ch")
	"$FASTIPC" create "$ch"
	[[ $("$FASTIPC" show "$ch" --json | jq -r .name) == "$ch" ]]
	[[ $("$FASTIPC" ls --json | jq --arg n "$ch" 'map(select(.name == $n)) | length') == 1 ]]
}

# unescape TEXT: a JSON string's text with each \u00XX made byte XX.
unescape() {
	local s
	s=$(sed -E 's/\\u00([0-9a-f]{2})/\\x\1/g' <<<"$1")
	printf '%b' "$s"
}

@test "JSON stays valid for any name: bytes that are not UTF-8 are \\u00XX" {
	local ch expected json
	newch ch
	# Well-formed UTF-8 (an e acute, an emoji) between bytes that are not:
	# lone 0x80 and 0xff, a cut sequence, a surrogate, an overlong form,
	# a code point above U+10FFFF; and a control byte.
	expected="$ch."'\u0080\u00ff caf'$'\xc3\xa9'' \u00c3( \u00ed\u00a0\u0080 \u00c0\u00af \u00f4\u0090\u0080\u0080 '$'\xf0\x9f\x98\x80'' \u0001'
	ch="$ch."$'\x80\xff caf\xc3\xa9 \xc3( \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xf0\x9f\x98\x80 \x01'
	CHANNELS+=("$ch")
	[[ $(unescape "$expected") == "$ch" ]]
	"$FASTIPC" create "$ch" --max-msgs 11
	run --separate-stderr "$FASTIPC" -j ls
	[[ $status -eq 0 && -z $stderr ]]
	json=$output
	jq -e 'type == "array"' <<<"$json"
	grep -qF "\"name\":\"$expected\"," <<<"$json" || { echo "$json"; false; }
	# The other commands that print names, device and netlink.
	json=$("$FASTIPC" show "$ch" -j)
	jq -e '.max_msgs == 11' <<<"$json"
	grep -qF "{\"name\":\"$expected\"," <<<"$json"
	json=$("$FASTIPC" info "$ch" -j)
	jq -e '.max_msgs == 11' <<<"$json"
	grep -qF "{\"name\":\"$expected\"," <<<"$json"
	jq -e . < <("$FASTIPC" -p ls) >/dev/null
	# The text keeps the bytes; ls's table shows the control byte as ?.
	[[ $("$FASTIPC" show "$ch" | sed -n 's/^name: *//p') == "$ch" ]]
	grep -qF "${ch%$'\x01'}?" < <("$FASTIPC" ls)
}

@test "-p: the JSON of -j, indented as jq does" {
	local ch args
	mkch ch --max-msgs 3
	"$FASTIPC" send "$ch" x
	for args in "show $ch" "info $ch" ls stats config; do
		# shellcheck disable=SC2086
		run --separate-stderr "$FASTIPC" -p $args
		[[ $status -eq 0 && -z $stderr ]] || { echo "$args: $stderr"; false; }
		((${#lines[@]} > 3)) || { echo "$args: $output"; false; }
		# shellcheck disable=SC2086
		[[ $(jq -c . <<<"$output") == "$("$FASTIPC" -j $args | jq -c .)" ]] ||
			{ echo "$args differs"; false; }
	done
	# jq's own layout (info has no number past 2^53 for jq to round).
	[[ $("$FASTIPC" --pretty info "$ch") == "$("$FASTIPC" info "$ch" -j | jq .)" ]]
	run "$FASTIPC" -p show "$ch"
	[[ ${lines[0]} == "{" && ${lines[1]} == "  \"name\": \"$ch\"," && ${lines[-1]} == "}" ]]
	run "$FASTIPC" -p ls
	[[ ${lines[0]} == "[" && ${lines[1]} == "  {" && ${lines[2]} == '    "name": '* ]]
	[[ ${lines[-2]} == "  }" && ${lines[-1]} == "]" ]]
	# An empty list is [] (a namespace of its own has no channel).
	command -v unshare >/dev/null || skip "no unshare"
	run --separate-stderr unshare -n "$FASTIPC" -p ls
	[[ $status -eq 0 && $output == "[]" ]]
}

@test "show of a channel that does not exist: exit 1, the kernel's reason" {
	local ch
	newch ch
	run --separate-stderr "$FASTIPC" show "$ch"
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: show '$ch': no such channel [ENOENT]" ]]
	run --separate-stderr "$FASTIPC" show "$ch" --json
	[[ $status -eq 1 && -z $output ]]
}

# ------------------------------------------------------------------
# set

@test "set: limits change, sizes take suffixes, the others stay" {
	local ch
	mkch ch --max-msgs 4
	run --separate-stderr "$FASTIPC" set "$ch" max_msgs 10 max_bytes 2M
	[[ $status -eq 0 && -z $output && -z $stderr ]]
	jq -e '.max_msgs == 10 and .max_bytes == 2097152' < <("$FASTIPC" show -j "$ch")
	"$FASTIPC" set "$ch" max-msg-size 64KiB threshold 1K
	jq -e '.max_msgs == 10 and .max_bytes == 2097152 and
	       .max_msg_size == 65536 and .zc_threshold == 1024' < <("$FASTIPC" show -j "$ch")
	"$FASTIPC" set "$ch" zc_threshold 2K
	[[ $(sh1 "$ch" zc_threshold) == 2048 ]]
	# The same limits through the ioctl side.
	[[ $("$FASTIPC" info "$ch" -j | jq .max_msg_size) == 65536 ]]
}

@test "set: the kernel's refusals, with its message, exit 1" {
	local ch limit
	mkch ch --max-msgs 4
	run --separate-stderr "$FASTIPC" set "$ch" max_msgs 0
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: set '$ch': integer out of range [ERANGE]" ]]
	limit=$("$FASTIPC" config -j | jq .max_msgs_limit)
	run --separate-stderr "$FASTIPC" set "$ch" max_msgs $((limit + 1))
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: set '$ch': limit above the module's maximum [EINVAL]" ]]
	# All or nothing: max_bytes was not applied either.
	run --separate-stderr "$FASTIPC" set "$ch" max_bytes 1M max_msg_size 2G
	[[ $status -eq 1 && $stderr == *"out of range"* ]]
	[[ $(sh1 "$ch" max_msgs) == 4 && $(sh1 "$ch" max_bytes) != 1048576 ]]
	newch ch
	run --separate-stderr "$FASTIPC" set "$ch" max_msgs 5
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: set '$ch': no such channel [ENOENT]" ]]
}

# ------------------------------------------------------------------
# rm

@test "rm: deletes, says how many queued messages were dropped" {
	local a b
	mkch a
	mkch b
	"$FASTIPC" send "$a" 1 2 3
	run --separate-stderr "$FASTIPC" rm "$a" "$b"
	[[ $status -eq 0 && -z $stderr ]]
	[[ $output == "$a: 3 queued messages dropped" ]]
	run "$FASTIPC" show "$a"
	[[ $status -eq 1 ]]
	run "$FASTIPC" show "$b"
	[[ $status -eq 1 ]]
	# The names are free again.
	"$FASTIPC" create "$a" --excl
}

@test "rm: a missing channel fails (exit 1) but the others go; --force" {
	local a b
	newch a
	mkch b
	run --separate-stderr "$FASTIPC" rm "$a" "$b"
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: rm '$a': no such channel [ENOENT]" ]]
	run "$FASTIPC" show "$b"
	[[ $status -eq 1 ]]
	run --separate-stderr "$FASTIPC" rm --force "$a"
	[[ $status -eq 0 && -z $output && -z $stderr ]]
}

@test "rm: a receiver blocked on the channel gets EIDRM" {
	local ch
	mkch ch
	bg "$FASTIPC" recv "$ch" --timeout 30000 >"$TMP/out" 2>"$TMP/err"
	waitfor 20 receivers "$ch" 1
	"$FASTIPC" rm "$ch"
	local rc=0
	finish "$BG" 20 || rc=$?
	[[ $rc -eq 1 ]]
	[[ $(<"$TMP/err") == "fastipc: recv '$ch': the channel was deleted (fastipc rm) [EIDRM]" ]] ||
		{ cat "$TMP/err"; false; }
}

@test "rm of another user's channel: exit 1, not permitted" {
	local ch
	[[ $(id -u) -eq 0 ]] || skip "needs root to run as nobody"
	mkch ch --mode 0666
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FASTIPC" rm "$ch"
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: rm '$ch': only the channel's owner or an admin may delete it [EPERM]" ]]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FASTIPC" set "$ch" max_msgs 3
	[[ $status -eq 1 && $stderr == *" [EPERM]" ]]
	# Reading is open to all.
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$FASTIPC" show "$ch" -j
	[[ $status -eq 0 && $(jq -r .name <<<"$output") == "$ch" ]]
	"$FASTIPC" show "$ch" >/dev/null
}

# ------------------------------------------------------------------
# stats

@test "stats: the version and the counters, text, JSON and -s" {
	local ch json
	mkch ch
	head -c 5000 /dev/zero | "$FASTIPC" send "$ch" --whole --copy
	run --separate-stderr "$FASTIPC" stats --json
	[[ $status -eq 0 && -z $stderr ]]
	json=$output
	[[ $(jq -r 'keys_unsorted | join(" ")' <<<"$json") == \
	   "version pages_held bytes_queued channels handles copied_bytes mapped_pages pages_pooled scope" ]]
	[[ $(jq -r .scope <<<"$json") == module ]]
	if [[ -r /sys/module/fastipc/version ]]; then
		[[ $(jq -r .version <<<"$json") == $(cat /sys/module/fastipc/version) ]]
	fi
	jq -e '.channels >= 1 and .bytes_queued >= 5000' <<<"$json"
	run "$FASTIPC" stats
	grep -qE '^version: +[0-9]' <<<"$output"
	grep -qE '^channels: +[0-9]+$' <<<"$output"
	run "$FASTIPC" stats -s
	grep -qE '^bytes_queued: +[0-9.]+[KMGT]?$' <<<"$output"
}

@test "stats: another network namespace sees its own counters, not the host's" {
	local ch json
	command -v unshare >/dev/null || skip "no unshare"
	mkch ch
	head -c 5000 /dev/zero | "$FASTIPC" send "$ch" --whole --copy
	# Root in a network namespace of its own, without CAP_SYS_ADMIN.
	run --separate-stderr unshare -n \
		setpriv --bounding-set -sys_admin --inh-caps -sys_admin \
		"$FASTIPC" stats --json
	[[ $status -eq 0 ]] || { echo "$stderr"; false; }
	json=$output
	jq -e '.scope == "netns" and .channels == 0 and .handles == 0 and
	       .bytes_queued == 0 and .pages_held == 0' <<<"$json"
	# Root in the initial namespace still sees the module's.
	run --separate-stderr "$FASTIPC" stats --json
	jq -e '.scope == "module" and .channels >= 1 and .bytes_queued >= 5000' <<<"$output"
}

# ------------------------------------------------------------------
# config

@test "config: prints every module parameter, as sysfs has it" {
	local json k
	run --separate-stderr "$FASTIPC" config --json
	[[ $status -eq 0 && -z $stderr ]]
	json=$output
	[[ $(jq -r 'keys_unsorted | join(" ")' <<<"$json") == "$CFG_KEYS" ]]
	for k in $CFG_KEYS; do
		[[ -r /sys/module/fastipc/parameters/$k ]] || continue
		[[ $(jq ".$k" <<<"$json") == $(cat /sys/module/fastipc/parameters/"$k") ]] ||
			{ echo "$k"; false; }
	done
	run "$FASTIPC" config
	[[ ${#lines[@]} -eq $(wc -w <<<"$CFG_KEYS") ]]
	grep -qE '^max_user_channels: +[0-9]+$' <<<"$output"
	run "$FASTIPC" config -s
	grep -qE '^max_bytes_limit: +[0-9.]+[KMGT]?$' <<<"$output"
}

@test "config KEY VALUE: sets, sizes take suffixes, new channels follow" {
	local ch
	save_config
	run --separate-stderr "$FASTIPC" config zc_threshold 48K default-max-msgs 33
	[[ $status -eq 0 && -z $output && -z $stderr ]]
	[[ $("$FASTIPC" config -j | jq .zc_threshold) == 49152 ]]
	[[ $(cat /sys/module/fastipc/parameters/zc_threshold) == 49152 ]]
	mkch ch
	jq -e '.zc_threshold == 49152 and .max_msgs == 33' < <("$FASTIPC" show -j "$ch")
}

@test "config: refused settings exit 1 with the kernel's reason, change nothing" {
	local limit before
	save_config
	before=$SAVED_CONFIG
	limit=$(jq .max_msgs_limit <<<"$before")
	run --separate-stderr "$FASTIPC" config default_max_msgs $((limit + 1)) zc_threshold 12K
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: config: default_max_msgs above max_msgs_limit [EINVAL]" ]]
	run --separate-stderr "$FASTIPC" config max_channels 0
	[[ $status -eq 1 && $stderr == "fastipc: config: integer out of range [ERANGE]" ]]
	[[ $("$FASTIPC" config -j) == "$before" ]]
	[[ $(id -u) -eq 0 ]] || skip "needs root to run as nobody"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FASTIPC" config max_channels 100
	[[ $status -eq 1 && $stderr == "fastipc: config: changing the module's settings needs CAP_NET_ADMIN [EPERM]" ]]
	[[ $("$FASTIPC" config -j) == "$before" ]]
}

# ------------------------------------------------------------------
# monitor

@test "monitor -j -n: one JSON object per event, in order, then exit 0" {
	local ch other
	newch ch
	newch other
	bg "$FASTIPC" monitor -j -n 5 "$ch" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$other"		# not ours: not counted
	"$FASTIPC" create "$ch" --max-msgs 2	# new
	"$FASTIPC" send "$ch" a bb		# full (the second)
	"$FASTIPC" set "$ch" max_msgs 5		# change
	"$FASTIPC" set "$ch" max_bytes 1M	# change
	"$FASTIPC" rm "$ch"			# del, 2 dropped
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	[[ -s $TMP/ev && ! -s $TMP/err ]]
	[[ $(wc -l <"$TMP/ev") -eq 5 ]]
	[[ $(jq -r .event "$TMP/ev" | tr '\n' ' ') == "new full change change del " ]]
	[[ $(jq -r --arg n "$ch" 'select(.name != $n)' "$TMP/ev") == "" ]]
	[[ $(jq -r 'keys_unsorted | join(" ")' <(head -n1 "$TMP/ev")) == "event $CH_KEYS" ]]
	[[ $(jq -r .id "$TMP/ev" | sort -u | wc -l) -eq 1 ]]
	# full: after the message that filled the queue, counting it
	# (fastipc(8)); the queue is never drained here, so full comes once.
	jq -se '.[0].max_msgs == 2 and .[1].max_msgs == 2 and
		.[1].queued_msgs == 2 and .[1].queued_bytes == 3 and
		.[2].max_msgs == 5 and .[3].max_bytes == 1048576 and
		.[4].drops == 2 and .[4].queued_msgs == 0' "$TMP/ev"
}

@test "monitor: text lines; -n counts only the named channels" {
	local ch id
	newch ch
	bg "$FASTIPC" monitor -n 2 >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch" --mode 0640 --max-msgs 3 --max-bytes 1M
	"$FASTIPC" unlink "$ch"
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	mapfile -t lines <"$TMP/ev"
	[[ ${#lines[@]} -eq 2 ]]
	[[ ${lines[0]} =~ ^new\ $ch\ id=([0-9]+)\ uid=0\ gid=0\ mode=0640\ max_msgs=3\ max_bytes=1048576\ max_msg_size=[0-9]+\ zc_threshold=[0-9]+$ ]]
	id=${BASH_REMATCH[1]}
	[[ ${lines[1]} == "del $ch id=$id drops=0" ]]
}

# near SECONDS_SINCE_EPOCH: within a minute of now?
near() {
	local now
	now=$(date +%s)
	(($1 >= now - 60 && $1 <= now + 1))
}

@test "monitor -t: each event with the time it was received, text and JSON" {
	local ch line when
	newch ch
	bg "$FASTIPC" monitor -t -n 2 "$ch" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch"
	"$FASTIPC" rm "$ch"
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	mapfile -t lines <"$TMP/ev"
	[[ ${#lines[@]} -eq 2 ]]
	for line in "${lines[@]}"; do
		# ip -ts monitor's form: [local date and time, microseconds]
		[[ $line =~ ^\[([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\.[0-9]{6}\]\ (new|del)\ $ch\ id= ]] ||
			{ echo "$line"; false; }
		near "$(date -d "${BASH_REMATCH[1]}" +%s)"
	done

	# JSON: "timestamp" first, UTC as ctime; -t before the command too.
	bg "$FASTIPC" -t -j monitor -n 2 "$ch" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch"
	"$FASTIPC" rm "$ch"
	rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	[[ $(wc -l <"$TMP/ev") -eq 2 ]]
	[[ $(jq -r 'keys_unsorted | join(" ")' <(head -n1 "$TMP/ev")) == "timestamp event $CH_KEYS" ]]
	while read -r when; do
		[[ $when =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\.[0-9]{9}Z$ ]] ||
			{ echo "$when"; false; }
		near "$(date -u -d "${BASH_REMATCH[1]}Z" +%s)"
	done < <(jq -r .timestamp "$TMP/ev")
	# Later events, later times.
	jq -se '.[0].timestamp <= .[1].timestamp and .[0].event == "new"' "$TMP/ev"
}

@test "monitor -p, and monitor -n NETNS: that namespace's events only" {
	local ch ns
	command -v ip >/dev/null || skip "no ip (iproute2)"
	newch ch
	ns="nl$$.$BATS_TEST_NUMBER"
	ip netns add "$ns"
	NETNS+=("$ns")
	bg "$FASTIPC" -n "$ns" -p monitor -n 2 >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch"			# here: not seen
	"$FASTIPC" -n "$ns" create "$ch" --max-msgs 4
	"$FASTIPC" -n "$ns" set "$ch" max_msgs 8
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	# Two indented objects, one per event.
	[[ $(head -n1 "$TMP/ev") == "{" && $(sed -n 2p "$TMP/ev") == '  "event": "new",' ]]
	[[ $(jq -sc 'map([.event, .max_msgs])' "$TMP/ev") == '[["new",4],["change",8]]' ]]
}

@test "monitor -s: sizes for people; a monitor lives until it is stopped" {
	local ch
	newch ch
	bg "$FASTIPC" monitor -s "$ch" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch" --max-bytes 2M --threshold 16K
	"$FASTIPC" set "$ch" max_msg_size 1M
	waitfor 20 lines_in "$TMP/ev" 2
	kill -0 "$BG"
	grep -qE "^new $ch id=[0-9]+ .*max_bytes=2M .*zc_threshold=16K$" "$TMP/ev"
	grep -qE "^change $ch id=[0-9]+ .*max_msg_size=1M " "$TMP/ev"
	kill "$BG"
}

@test "monitor: another user sees the events of this namespace" {
	local ch
	[[ $(id -u) -eq 0 ]] || skip "needs root to run as nobody"
	newch ch
	bg setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FASTIPC" monitor -n 1 "$ch" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$ch"
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	grep -q "^new $ch id=" "$TMP/ev"
}

# ------------------------------------------------------------------
# without the module

# ------------------------------------------------------------------
# topics

# subscribe VAR CHANNEL [N [COUNT]]: a subscriber of topic CHANNEL that
# received N messages (fipc_util subscribe), and COUNT - 1 more that
# received none, in one process in the background; its pid in VAR, its
# output in $TMP/sub.PID (SIGUSR1 adds its own view of its counters).
subscribe() {
	local out=$TMP/sub.$RANDOM.$NCH
	NCH=$((NCH + 1))
	[[ -x $UTIL ]] || skip "no $UTIL (make selftests)"
	bg "$UTIL" subscribe "$2" "${3:-0}" "${4:-1}" >"$out"
	waitfor 30 lines_in "$out" 1 || { echo "subscriber not ready" >&2; return 1; }
	read -r _ "$1" <"$out"
	[[ ${!1} == "$BG" ]]
	mv "$out" "$TMP/sub.$BG"
}

# subscribers CHANNEL N: does CHANNEL have N subscribers?
subscribers() {
	[[ $(sh1 "$1" subscribers) == "$2" ]]
}

@test "topics: create --topic, its policy and history in show and ls" {
	local q t d json
	mkch q
	mkch t --topic
	mkch d --topic --drop-oldest --history 3 --max-msgs 8
	# A queue says it is none, and has no topic keys.
	[[ $(sh1 "$q" topic) == false ]]
	[[ $(sh1 "$q" policy) == null ]]
	json=$("$FASTIPC" show "$t" --json)
	[[ $(jq -r 'keys_unsorted | join(" ")' <<<"$json") == "$CH_KEYS $TOPIC_KEYS" ]]
	jq -e '.topic == true and .policy == "wait" and .history == 0 and
		.subscribers == 0 and .subscriber_list == []' <<<"$json"
	jq -e '.topic and .policy == "drop-oldest" and .history == 3 and
		.max_msgs == 8 and .subscribers == 0' < <("$FASTIPC" show -j "$d")
	# Text: the same keys; no subscriber_list line without subscribers.
	run --separate-stderr "$FASTIPC" show "$d"
	[[ $status -eq 0 && -z $stderr ]]
	grep -qE '^topic: +true$' <<<"$output"
	grep -qE '^policy: +drop-oldest$' <<<"$output"
	grep -qE '^history: +3$' <<<"$output"
	grep -qE '^subscribers: +0$' <<<"$output"
	! grep -q '^subscriber_list:' <<<"$output"
	grep -qE '^topic: +false$' < <("$FASTIPC" show "$q")
	# ls --json: the same keys, from the dump.
	jq -e --arg d "$d" --arg q "$q" '(.[] | select(.name == $d) |
		.policy == "drop-oldest" and .history == 3 and
		.subscriber_list == []) and
		(.[] | select(.name == $q) | .topic == false and
		 has("policy") == false)' < <("$FASTIPC" ls --json)
	# An existing topic is fine (its settings stay, a warning says so
	# when some were given); an existing queue is not a topic.
	run --separate-stderr "$FASTIPC" create "$t" --topic
	[[ $status -eq 0 && -z $stderr ]]
	run --separate-stderr "$FASTIPC" create "$d" --topic --history 1
	[[ $status -eq 0 && $stderr == *"'$d'"*unchanged* ]]
	[[ $(sh1 "$d" history) == 3 ]]
	run --separate-stderr "$FASTIPC" create "$q" --topic
	[[ $status -eq 1 && $stderr == "fastipc: create '$q': the channel exists and is a queue, not a topic [EPROTOTYPE]" ]]
	[[ $(sh1 "$q" topic) == false ]]
	run --separate-stderr "$FASTIPC" create "$t" --topic --excl
	[[ $status -eq 1 && $stderr == "fastipc: create '$t': the channel exists [EEXIST]" ]]
}

@test "topics: create's refusals: --history without --topic, bad numbers, over max_msgs" {
	local t
	newch t
	run --separate-stderr "$FASTIPC" create "$t" --history 2
	[[ $status -eq 2 && -z $output ]]
	[[ $stderr == "fastipc create: --history is for a topic (add --topic)"* ]]
	run --separate-stderr "$FASTIPC" create "$t" --drop-oldest
	[[ $status -eq 2 && $stderr == "fastipc create: --drop-oldest is for a topic (add --topic)"* ]]
	for n in x -1 1.5 4294967296; do
		run --separate-stderr "$FASTIPC" create "$t" --topic --history "$n"
		[[ $status -eq 2 && $stderr == *Usage:* ]] || { echo "--history $n: $status $stderr"; false; }
	done
	# The module refuses a history longer than the topic.
	run --separate-stderr "$FASTIPC" create "$t" --topic --max-msgs 4 --history 5
	[[ $status -eq 1 && $stderr == "fastipc: create '$t': a limit is outside the module's range, or --history is more than the topic's max_msgs [EINVAL]" ]]
	# None of them made the channel.
	run "$FASTIPC" show "$t"
	[[ $status -eq 1 ]]
	"$FASTIPC" create "$t" --topic --max-msgs 4 --history 4
	[[ $(sh1 "$t" history) == 4 ]]
}

@test "topics: show lists each subscriber, pid, backlog, drops, received, as it sees itself" {
	local t a json
	mkch t --topic --drop-oldest --max-msgs 2
	subscribe a "$t"
	[[ $(sh1 "$t" subscribers) == 1 ]]
	jq -e --argjson a "$a" '.subscriber_list == [{"pid": $a, "backlog": 0,
		"drops": 0, "received": 0}]' < <("$FASTIPC" show -j "$t")
	# Two fit: the third publish drops m1, which a had not received.
	"$FASTIPC" send "$t" m1 m2 m3
	json=$("$FASTIPC" show "$t" --json)
	jq -e --argjson a "$a" '.subscribers == 1 and .subscriber_list ==
		[{"pid": $a, "backlog": 2, "drops": 1, "received": 0}]' <<<"$json"
	# The subscriber's own view (FASTIPC_IOC_INFO) is the same.
	kill -USR1 "$a"
	waitfor 30 lines_in "$TMP/sub.$a" 2
	[[ $(sed -n 2p "$TMP/sub.$a") == "backlog 2 drops 1 received 0" ]]
	# The text form: one line per subscriber.
	run "$FASTIPC" show "$t"
	grep -qxE "subscriber_list: +pid=$a backlog=2 drops=1 received=0" <<<"$output"
	[[ $(grep -c '^subscriber_list:' <<<"$output") -eq 1 ]]

	# fastipc recv is a subscriber: it gets what is published once it
	# has subscribed, while a, which receives nothing, loses m2 and m3.
	bg "$FASTIPC" recv "$t" -n 2 >"$TMP/recv" 2>"$TMP/recverr"
	local r=$BG
	waitfor 30 subscribers "$t" 2
	jq -e --argjson r "$r" '.subscriber_list[1] == {"pid": $r, "backlog": 0,
		"drops": 0, "received": 0}' < <("$FASTIPC" show -j "$t")
	"$FASTIPC" send "$t" m4 m5
	local rc=0
	finish "$r" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/recverr"; false; }
	[[ $(cat "$TMP/recv") == $'m4\nm5' ]]
	jq -e --argjson a "$a" '.subscribers == 1 and .subscriber_list ==
		[{"pid": $a, "backlog": 2, "drops": 3, "received": 0}]' < <("$FASTIPC" show -j "$t")
	kill -USR1 "$a"
	waitfor 30 lines_in "$TMP/sub.$a" 3
	[[ $(sed -n 3p "$TMP/sub.$a") == "backlog 2 drops 3 received 0" ]]
}

@test "topics: subscribers in the order they came, history and received; ls lists them too" {
	local t a b json
	mkch t --topic --history 3
	"$FASTIPC" send "$t" a b c d	# nobody subscribed: the history keeps b c d
	subscribe a "$t" 1		# took b
	subscribe b "$t" 3		# took b c d
	json=$("$FASTIPC" show "$t" --json)
	jq -e --argjson a "$a" --argjson b "$b" '.subscribers == 2 and
		.policy == "wait" and .history == 3 and .subscriber_list == [
		{"pid": $a, "backlog": 2, "drops": 0, "received": 1},
		{"pid": $b, "backlog": 0, "drops": 0, "received": 3}]' <<<"$json"
	# The dump lists them alike.
	[[ $("$FASTIPC" ls --json | jq -c --arg n "$t" '.[] | select(.name == $n) | .subscriber_list') == \
	   "$(jq -c .subscriber_list <<<"$json")" ]]
	# Text: one line each, in the same order.
	run "$FASTIPC" show "$t"
	[[ $(grep '^subscriber_list:' <<<"$output" | sed -E 's/^subscriber_list: +//') == \
	   "pid=$a backlog=2 drops=0 received=1"$'\n'"pid=$b backlog=0 drops=0 received=3" ]]
	# -p: the list indented as jq indents it.
	run "$FASTIPC" -p show "$t"
	[[ $(jq -c . <<<"$output") == "$(jq -c . <<<"$json")" ]]
	grep -qxF '  "subscriber_list": [' <<<"$output"
	grep -qxF '    {' <<<"$output"
	grep -qxF "      \"pid\": $a," <<<"$output"
	grep -qxF '      "received": 3' <<<"$output"
	grep -qxF '    },' <<<"$output"
	[[ ${lines[-2]} == "  ]" && ${lines[-1]} == "}" ]]
	# A subscriber that closes leaves the list.
	kill "$a"
	wait "$a" 2>/dev/null || true
	waitfor 30 subscribers "$t" 1
	jq -e --argjson b "$b" '.subscriber_list == [{"pid": $b, "backlog": 0,
		"drops": 0, "received": 3}]' < <("$FASTIPC" show -j "$t")
}

@test "topics: ls and show list hundreds of subscribers, all of them" {
	local t a
	mkch t --topic
	"$FASTIPC" send "$t" before	# nobody hears it
	subscribe a "$t" 0 500
	"$FASTIPC" send "$t" one two
	# Some 24 KiB of subscribers: more than libnl reads by default,
	# which a dump message is sized by for a libnl reader.
	jq -e --argjson a "$a" '.subscribers == 500 and
		(.subscriber_list | length) == 500 and
		all(.subscriber_list[]; . == {"pid": $a, "backlog": 2,
		    "drops": 0, "received": 0})' < <("$FASTIPC" show -j "$t")
	jq -e --arg n "$t" '.[] | select(.name == $n) |
		(.subscriber_list | length) == 500' < <("$FASTIPC" ls -j)
	[[ $("$FASTIPC" show "$t" | grep -c "^subscriber_list: *pid=$a backlog=2 drops=0 received=0$") -eq 500 ]]
}

@test "topics: subscriber pids are those of the reader's pid namespace" {
	local t a inner
	command -v unshare >/dev/null || skip "no unshare"
	unshare --pid --fork true 2>/dev/null || skip "no pid namespaces"
	mkch t --topic
	subscribe a "$t"
	# From a new pid namespace the subscriber is not visible: pid 0.
	[[ $(unshare --pid --fork "$FASTIPC" show -j "$t" | jq -c '[.subscriber_list[].pid]') == "[0]" ]]
	# A subscriber inside one is pid 1 there, its own pid here.
	bg unshare --pid --fork "$UTIL" subscribe "$t" >"$TMP/inner"
	waitfor 30 lines_in "$TMP/inner" 1
	[[ $(cat "$TMP/inner") == "ready 1" ]]
	waitfor 30 subscribers "$t" 2
	inner=$("$FASTIPC" show -j "$t" | jq '.subscriber_list[1].pid')
	# unshare may hold off signals while its child lives: the child
	# is ended first, by the test or by the teardown.
	KILL_FIRST+=("$inner")
	[[ $inner != 1 && $inner != 0 && $inner != "$a" && $inner != "$BG" ]]
	[[ $(tr '\0' ' ' </proc/"$inner"/cmdline) == "$UTIL subscribe $t " ]]
	[[ $(cut -d' ' -f4 </proc/"$inner"/stat) == "$BG" ]]
}

@test "topics: monitor sees a topic created, filled and deleted as a queue" {
	local t
	newch t
	bg "$FASTIPC" monitor -j -n 3 "$t" >"$TMP/ev" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$t" --topic --drop-oldest --history 2 --max-msgs 2
	"$FASTIPC" send "$t" a b	# the history keeps both: full
	"$FASTIPC" rm "$t"
	local rc=0
	finish "$BG" 30 || rc=$?
	[[ $rc -eq 0 ]] || { cat "$TMP/err"; false; }
	[[ $(jq -r .event "$TMP/ev" | tr '\n' ' ') == "new full del " ]]
	# Events carry the topic's keys, but not its subscribers.
	[[ $(jq -r 'keys_unsorted | join(" ")' <(head -n1 "$TMP/ev")) == \
	   "event $CH_KEYS ${TOPIC_KEYS% subscriber_list}" ]]
	jq -se '.[0].topic and .[0].policy == "drop-oldest" and
		.[0].history == 2 and .[0].subscribers == 0 and
		.[1].queued_msgs == 2' "$TMP/ev"
	# Text: the new line says it is a topic.
	newch t
	bg "$FASTIPC" monitor -n 1 "$t" >"$TMP/ev2" 2>"$TMP/err"
	listening "$BG"
	"$FASTIPC" create "$t" --topic --history 1
	finish "$BG" 30
	grep -qE "^new $t id=[0-9]+ uid=0 gid=0 mode=0600 topic policy=wait history=1 max_msgs=" "$TMP/ev2"
}

@test "without the module: one clear line, exit 1" {
	[[ -d /sys/module/fastipc ]] && skip "the module is loaded"
	run --separate-stderr "$FASTIPC" ls
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == 'fastipc: the fastipc module is not loaded (no generic netlink family "fastipc")' ]]
}

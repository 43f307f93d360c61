#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# fastipc-suite: userspace (selftests/run.sh)
# The fastipc(8) command-line tool, build/tools/fastipc, against the loaded
# module: round trips of text and binary data, one message per line,
# priorities, exit statuses (0 ok, 1 failed operation naming the channel,
# what happened and the errno's name, 2 usage error), --help of every
# command, info/stats --json through jq; the global options, abbreviated
# commands and the bash completion; the commands and version the documents
# name.  Run in the test VM as root (selftests/run.sh);
# FASTIPC=<path> tests another binary.
#
# Every test makes its own channels, named cli.<pid>.<test>.<n>, and
# unlinks them in the teardown.  Module-wide counters (stats) are compared
# as deltas: nothing else may use the module while this file runs.

bats_require_minimum_version 1.5.0

# The commands this file uses; `fastipc --help` may list more.
CORE_COMMANDS=(create unlink info send recv stats)

setup() {
	FASTIPC=${FASTIPC:-$BATS_TEST_DIRNAME/../build/tools/fastipc}
	[[ -x $FASTIPC ]] || skip "no $FASTIPC (make tools)"
	[[ -e /dev/fastipc ]] || skip "no /dev/fastipc (load fastipc.ko)"
	CHANNELS=()
	NCH=0
	NETNS=()
}

teardown() {
	local c n
	for c in "${CHANNELS[@]}"; do
		"$FASTIPC" unlink --force "$c" >/dev/null 2>&1 || true
	done
	# Deleting a namespace takes its channels with it.
	for n in "${NETNS[@]}"; do
		ip netns delete "$n" 2>/dev/null || true
	done
}

# mknetns VAR: a fresh network namespace (ip netns add), name in VAR,
# deleted by the teardown.
mknetns() {
	command -v ip >/dev/null || skip "no ip (iproute2)"
	[[ $(id -u) -eq 0 ]] || skip "needs root for ip netns add"
	local n="fipc$$.$BATS_TEST_NUMBER.${#NETNS[@]}"
	ip netns add "$n"
	NETNS+=("$n")
	printf -v "$1" '%s' "$n"
}

# newch VAR: a fresh channel name in VAR, unlinked by the teardown.
newch() {
	local n="cli.$$.$BATS_TEST_NUMBER.$NCH"
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

# field CHANNEL KEY: one value of `info --json`.
field() {
	"$FASTIPC" info "$1" --json | jq -r ".$2"
}

# mstat KEY: one value of `stats --json`.
mstat() {
	"$FASTIPC" stats --json | jq -r ".$1"
}

# ------------------------------------------------------------------
# help and usage

# commands: every command `fastipc --help` lists, one a line.
commands() {
	"$FASTIPC" --help | awk '/^Commands:/ { on = 1; next }
				 on && /^  [a-z]/ { print $1 }
				 on && /^$/ { on = 0 }'
}

@test "--help of every command: usage on stdout, exit 0" {
	local c all
	all=$(commands)
	for c in "${CORE_COMMANDS[@]}"; do
		grep -qx "$c" <<<"$all" || { echo "no $c in --help"; false; }
	done
	for c in $all; do
		# bench runs fastipc-bench, whose --help it shows (below).
		[[ $c == bench ]] && continue
		run --separate-stderr "$FASTIPC" "$c" --help
		[[ $status -eq 0 ]] || { echo "$c --help: $status"; false; }
		[[ ${lines[0]} == "Usage: fastipc $c"* ]] ||
			{ echo "$c: ${lines[0]}"; false; }
		[[ -z $stderr ]]
		# -h and `fastipc help CMD` say the same.
		local long=$output
		run --separate-stderr "$FASTIPC" "$c" -h
		[[ $status -eq 0 && $output == "$long" ]]
		run --separate-stderr "$FASTIPC" help "$c"
		[[ $status -eq 0 && $output == "$long" ]]
	done
}

@test "bench runs fastipc-bench, which is not in fastipc itself" {
	local bench=${FASTIPC%/*}/fastipc-bench
	run --separate-stderr "$FASTIPC" help bench
	[[ $status -eq 0 && ${lines[0]} == "Usage: fastipc bench "* ]]
	[[ $output == *fastipc-bench* ]]
	# The benchmark's code (its options) is not in the CLI's binary.
	! grep -q -- --calibrate "$FASTIPC"
	[[ -x $bench ]] || skip "no $bench (make tools)"
	run --separate-stderr "$FASTIPC" bench --help
	[[ $status -eq 0 && ${lines[0]} == "Usage: fastipc-bench "* ]]
	[[ $output == *--calibrate* ]]
	[[ $output == "$("$bench" --help)" ]]
	run --separate-stderr "$FASTIPC" bench --rounds 0
	[[ $status -eq 2 && $stderr == "fastipc-bench: --rounds: at least 1"* ]]
	# Without a fastipc-bench next to it nor on PATH: exit 1, says so.
	cp "$FASTIPC" "$BATS_TEST_TMPDIR/fastipc"
	run --separate-stderr env PATH=/nonexistent "$BATS_TEST_TMPDIR/fastipc" bench --quick
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: bench: fastipc-bench is not installed"*"[ENOENT]" ]]
}

@test "--help lists every command; --version works" {
	run --separate-stderr "$FASTIPC" --help
	[[ $status -eq 0 && -z $stderr ]]
	local c
	for c in "${CORE_COMMANDS[@]}"; do
		grep -qE "^  $c +" <<<"$output" || { echo "no $c"; false; }
	done
	run --separate-stderr "$FASTIPC" --version
	[[ $status -eq 0 && $output == "fastipc "* ]]
}

@test "--help does not act: no channel made, nothing sent" {
	local ch
	newch ch
	run "$FASTIPC" create "$ch" --help
	[[ $status -eq 0 ]]
	run "$FASTIPC" info "$ch"
	[[ $status -eq 1 ]]
	mkch ch
	run "$FASTIPC" send "$ch" --help hello
	[[ $status -eq 0 ]]
	[[ $(field "$ch" queued_msgs) == 0 ]]
}

@test "usage errors exit 2 with the usage line on stderr" {
	local ch
	mkch ch
	# Each line: arguments that are a usage error.
	local cases=(
		""
		"nosuchcommand"
		"help nosuchcommand"
		"send"
		"send $ch --no-such-option x"
		"send $ch -p 32 x"
		"send $ch -p -1 x"
		"send $ch -p high x"
		"send $ch --copy --pages x"
		"send $ch --zero-copy --copy x"
		"send $ch --lines --whole"
		"send $ch --whole extra-argument"
		"send $ch --timeout soon x"
		"recv"
		"recv $ch other"
		"recv $ch -n many"
		"recv $ch -n 1 --all"
		"recv $ch --raw -p"
		"recv $ch --raw --sender"
		"recv $ch --timeout"
		"recv $ch --busy-poll 10001"
		"recv $ch --busy-poll fast"
		"create"
		"create $ch.x --mode 999"
		"create $ch.x --max-msgs lots"
		"create $ch.x --max-bytes 12Q"
		"create $ch.x --history 3"
		"create $ch.x --drop-oldest"
		"create $ch.x --topic --history many"
		"create $ch.x --topic --history -1"
		"create $ch.x --topic --history 4294967296"
		"create $ch.x --topic --history"
		"info"
		"info $ch extra"
		"unlink"
		"stats --bogus"
		"-j"
		"-n"
		"--netns"
		"--bogus ls"
		"-x ls"
		"s"
		"help s"
		"help info extra"
		"-j s $ch"
		"-n nosuchns --bogus"
	)
	local args
	for args in "${cases[@]}"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$FASTIPC" $args </dev/null
		[[ $status -eq 2 ]] || { echo "'$args': status $status"; false; }
		[[ -z $output ]] || { echo "'$args': stdout '$output'"; false; }
		[[ $stderr == *Usage:* ]] ||
			{ echo "'$args': stderr '$stderr'"; false; }
	done
	# None of them did anything.
	[[ $(field "$ch" queued_msgs) == 0 ]]
	run "$FASTIPC" info "$ch.x"
	[[ $status -eq 1 ]]
}

# ------------------------------------------------------------------
# the documents

@test "fastipc(8) has the version fastipc --version says" {
	local version page built=${FASTIPC%/*}/fastipc.8
	version=$("$FASTIPC" --version | awk '{ print $2 }')
	[[ -n $version ]]
	for page in "$BATS_TEST_DIRNAME/../Documentation/fastipc.8" "$built"; do
		[[ -e $page ]] || continue
		[[ $(grep '^\.TH ' "$page") == *"\"fastipc $version\""* ]] ||
			{ echo "$page: $(grep '^\.TH ' "$page"), not $version"; false; }
	done
	[[ -e $built ]] || skip "no $built (make tools)"
}

# doc_commands: "COMMAND FILE:LINE" for each fastipc command the documents
# name as one would type it: in Documentation/*.md and README.md, in code
# (fenced blocks and `spans`) where fastipc starts a command (after $,
# sudo, &&, |, ...; a path before it and global options after it
# allowed); in fastipc(8), in bold text and in each synopsis.
doc_commands() {
	python3 - "$BATS_TEST_DIRNAME/.." <<'PY'
import glob, os, re, sys
root = sys.argv[1]
prog = r'(?:[\w./~-]*/)?fastipc'
opts = (r'(?:\s+(?:-[jpt]+|--(?:json|pretty|timestamp)'
        r'|(?:-n|--netns)\s+\S+|--netns=\S+))*')
start = r'(?:^|\$\s|sudo\s|&&|\|\||[|;(`]|\s--\s)\s*'
cmd = re.compile(start + prog + opts + r'\s+([a-z][a-z-]*)')
found = []

def scan(text, where):
    text = re.sub(r'(^|\s)#\s.*$', r'\1', text)    # a shell comment
    found.extend((m.group(1), where) for m in cmd.finditer(text))

def lines(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return [l.rstrip('\n') for l in f]

docs = sorted(glob.glob(os.path.join(root, 'Documentation/*.md')))
docs += [p for p in [os.path.join(root, 'README.md')] if os.path.exists(p)]
for path in docs:
    fence = False
    for i, line in enumerate(lines(path), 1):
        where = '%s:%d' % (os.path.relpath(path, root), i)
        if line.lstrip().startswith('```'):
            fence = not fence
        elif fence:
            scan(line, where)
        else:
            for span in re.findall(r'`([^`]+)`', line):
                scan(span, where)
prev = ''
man = os.path.join(root, 'Documentation/fastipc.8')
for i, line in enumerate(lines(man), 1):
    where = 'Documentation/fastipc.8:%d' % i
    m = re.match(r'\.B\s+"?([a-z][a-z-]*)', line)
    if prev == '.SY fastipc' and m:
        found.append((m.group(1), where))
    prev = line
    m = re.match(r'\.(?:B|BR|BI|IB|RB)\s+(.*)', line)
    if m:
        scan(re.sub(r'\\f[BIRP]', '', m.group(1).replace('\\-', '-')
                    .replace('"', '')), where)
for c, where in found:
    print(c, where)
PY
}

@test "every fastipc command the documents name exists" {
	command -v python3 >/dev/null || skip "no python3"
	local c where n=0
	while read -r c where; do
		n=$((n + 1))
		# help, not --help: bench --help would run fastipc-bench.
		run --separate-stderr "$FASTIPC" help "$c"
		[[ $status -eq 0 && $output == "Usage: fastipc "* ]] ||
			{ echo "$where: 'fastipc $c': ${stderr%%$'\n'*}"; false; }
	done < <(doc_commands)
	# The extraction finds the documents' commands at all.
	((n > 50)) || { echo "only $n commands found"; false; }
	[[ $(doc_commands | awk '{ print $1 }' | sort -u | wc -l) -ge 12 ]]
}

# ------------------------------------------------------------------
# global options and abbreviations

@test "global options before the command: -j is each command's --json" {
	local ch
	mkch ch --max-msgs 7
	[[ $("$FASTIPC" -j info "$ch") == "$("$FASTIPC" info "$ch" --json)" ]]
	[[ $("$FASTIPC" --json info "$ch" | jq .max_msgs) == 7 ]]
	jq -e --arg n "$ch" 'any(.[]; .name == $n and .max_msgs == 7)' \
		< <("$FASTIPC" -j ls)
	jq -e '.max_msgs == 7' < <("$FASTIPC" -j show "$ch")
	jq -e 'has("channels")' < <("$FASTIPC" -j stats)
	jq -e 'has("max_msgs_limit")' < <("$FASTIPC" -j config)
	# Both spellings at once, and commands without JSON, are fine.
	jq -e '.max_msgs == 7' < <("$FASTIPC" -j info "$ch" --json)
	run --separate-stderr "$FASTIPC" -j send "$ch" hi
	[[ $status -eq 0 && -z $output && -z $stderr ]]
	run --separate-stderr "$FASTIPC" -j recv "$ch"
	[[ $status -eq 0 && $output == hi ]]
	# -V, -h as global options.
	run "$FASTIPC" -j -V
	[[ $status -eq 0 && $output == "fastipc "* ]]
	run --separate-stderr "$FASTIPC" -h
	[[ $status -eq 0 && $output == *"-n, --netns NETNS"* ]]
}

@test "abbreviations: a unique prefix runs the command, an ambiguous one is exit 2" {
	local ch
	mkch ch --max-msgs 9
	[[ $("$FASTIPC" l) == "$("$FASTIPC" ls)" ]]
	[[ $("$FASTIPC" i "$ch" -j | jq .max_msgs) == 9 ]]
	[[ $("$FASTIPC" -j sh "$ch" | jq .max_msgs) == 9 ]]
	"$FASTIPC" sen "$ch" abbreviated
	run "$FASTIPC" rec "$ch"
	[[ $status -eq 0 && $output == abbreviated ]]
	[[ $("$FASTIPC" help sh) == "$("$FASTIPC" show --help)" ]]
	[[ $("$FASTIPC" h l) == "$("$FASTIPC" ls --help)" ]]
	run --separate-stderr "$FASTIPC" s "$ch"
	[[ $status -eq 2 && -z $output ]]
	[[ ${stderr%%$'\n'*} == "fastipc: ambiguous command 's': send, stats, show, set" ]]
	run --separate-stderr "$FASTIPC" c
	[[ $status -eq 2 && ${stderr%%$'\n'*} == "fastipc: ambiguous command 'c': create, config" ]]
	run --separate-stderr "$FASTIPC" lsx
	[[ $status -eq 2 && ${stderr%%$'\n'*} == "fastipc: unknown command 'lsx'" ]]
}

@test "-n NETNS: channels of another network namespace, device and netlink" {
	local ns ch
	mknetns ns
	newch ch
	run --separate-stderr "$FASTIPC" -n "$ns" create "$ch" --max-msgs 5
	[[ $status -eq 0 && -z $stderr ]]
	# Not in this namespace, by either path.
	run "$FASTIPC" info "$ch"
	[[ $status -eq 1 ]]
	[[ $("$FASTIPC" ls -j | jq --arg n "$ch" 'map(select(.name == $n)) | length') == 0 ]]
	# In that one, by both.
	[[ $("$FASTIPC" -n "$ns" ls -j | jq --arg n "$ch" 'map(select(.name == $n)) | length') == 1 ]]
	[[ $("$FASTIPC" -n "$ns" -j show "$ch" | jq .max_msgs) == 5 ]]
	[[ $("$FASTIPC" --netns "$ns" info "$ch" -j | jq .max_msgs) == 5 ]]
	"$FASTIPC" --netns="$ns" send "$ch" "over there"
	[[ $("$FASTIPC" -n "$ns" -j show "$ch" | jq .queued_msgs) == 1 ]]
	# The same name here is another channel.
	"$FASTIPC" create "$ch"
	CHANNELS+=("$ch")
	run "$FASTIPC" recv "$ch" --nonblock
	[[ $status -eq 1 ]]
	run "$FASTIPC" -n "$ns" recv "$ch"
	[[ $status -eq 0 && $output == "over there" ]]
	"$FASTIPC" -n "$ns" set "$ch" max_msgs 6
	[[ $("$FASTIPC" -n "$ns" -j show "$ch" | jq .max_msgs) == 6 ]]
	[[ $("$FASTIPC" -j info "$ch" | jq .max_msgs) != 6 ]]
	# The stats of a namespace's own: scope still module for root.
	[[ $("$FASTIPC" -n "$ns" -j stats | jq -r .scope) == module ]]
	"$FASTIPC" -n "$ns" rm "$ch"
	[[ $("$FASTIPC" -n "$ns" ls -j) == "[]" ]]
	"$FASTIPC" info "$ch" >/dev/null
	# A path works too, as with ip -n.
	"$FASTIPC" -n "/run/netns/$ns" create "$ch"
	[[ $("$FASTIPC" -n "$ns" ls -j | jq -r '.[].name') == "$ch" ]]
}

@test "-n NETNS that does not exist or is not one: exit 1, nothing done" {
	local ch
	newch ch
	run --separate-stderr "$FASTIPC" -n "nosuch.$$" create "$ch"
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: netns 'nosuch.$$': no such network namespace (no /run/netns/nosuch.$$) [ENOENT]" ]]
	run "$FASTIPC" info "$ch"
	[[ $status -eq 1 ]]
	run --separate-stderr "$FASTIPC" -n /dev/null ls
	[[ $status -eq 1 && $stderr == "fastipc: netns '/dev/null': /dev/null is not a network namespace [EINVAL]" ]]
	[[ $(id -u) -eq 0 ]] || skip "needs root to run as nobody"
	local ns
	mknetns ns
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FASTIPC" -n "$ns" ls
	[[ $status -eq 1 && $stderr == "fastipc: netns '$ns': entering a network namespace needs CAP_SYS_ADMIN [EPERM]" ]]
}

# ------------------------------------------------------------------
# bash completion

# completes WORD...: what tools/fastipc/fastipc.bash-completion offers for
# the last WORD of the command line WORD..., one a line, sorted.
completes() {
	bash -c 'source "$1" || exit
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_fastipc
		printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$BATS_TEST_DIRNAME/../tools/fastipc/fastipc.bash-completion" "$@" |
		sort
}

@test "bash completion: commands, options, keys" {
	run bash -c 'source "$1" && complete -p fastipc' _ \
		"$BATS_TEST_DIRNAME/../tools/fastipc/fastipc.bash-completion"
	[[ $status -eq 0 && $output == "complete -F _fastipc fastipc" ]]
	# Every command fastipc --help lists, and no other.
	[[ $(completes fastipc "") == "$(commands | sort)" ]]
	[[ $(completes fastipc l) == ls ]]
	[[ $(completes fastipc s | paste -sd' ') == "send set show stats" ]]
	[[ $(completes fastipc -j mon) == monitor ]]
	[[ $(completes fastipc --ne) == --netns ]]
	[[ $(completes fastipc -p --ti) == --timestamp ]]
	[[ $(completes fastipc help mo) == monitor ]]
	# A command's own options, abbreviated command or not.
	[[ $(completes fastipc recv ch --bu) == --busy-poll ]]
	[[ $(completes fastipc rec ch -n 5 --z) == --zero-copy ]]
	[[ $(completes fastipc mon -) == *--timestamp* ]]
	[[ $(completes fastipc create x --max-m | paste -sd' ') == "--max-msg-size --max-msgs" ]]
	[[ $(completes fastipc create x --to) == --topic ]]
	[[ $(completes fastipc create x --topic --d) == --drop-oldest ]]
	[[ $(completes fastipc create x --h | paste -sd' ') == "--help --history" ]]
	# --history takes a number: nothing to offer for it.
	[[ -z $(completes fastipc create x --history "") ]]
	[[ $(completes fastipc bench --pol) == --polling ]]
	[[ $(completes fastipc bench -m fastipc- | paste -sd' ') == "fastipc-auto fastipc-copy fastipc-topic fastipc-zc" ]]
	# Every long option the completion offers, the command takes.
	local c o
	for c in create unlink info send recv stats ls show set rm config monitor; do
		for o in $(completes fastipc "$c" --); do
			"$FASTIPC" "$c" --help | grep -q -- "$o" ||
				{ echo "$c $o"; false; }
		done
	done
	# The keys of set and config.
	[[ $(completes fastipc set ch max_m | paste -sd' ') == "max_msg_size max_msgs" ]]
	[[ $(completes fastipc set ch max_msgs 5 th) == threshold ]]
	[[ $(completes fastipc config max_channels 5 pool) == pool_max ]]
	[[ -z $(completes fastipc config max_channels "") ]]
}

@test "bash completion: channel names, of -n's namespace with -n" {
	local a b sp ns other prefix
	mkch a
	mkch b
	newch sp
	sp="$sp with 'space'"
	CHANNELS+=("$sp")
	"$FASTIPC" create "$sp"
	prefix=cli.$$.$BATS_TEST_NUMBER.
	# Names are quoted for the command line.
	[[ $(completes "$FASTIPC" show "$prefix") == \
	   "$(printf '%q\n' "$a" "$b" "$sp" | sort)" ]]
	[[ $(completes "$FASTIPC" sh "$a") == "$a" ]]
	[[ $(completes "$FASTIPC" rm "$a" "$prefix" | wc -l) -eq 3 ]]
	[[ $(completes "$FASTIPC" set "$prefix" | wc -l) -eq 3 ]]
	[[ $(completes "$FASTIPC" send "$b" "$prefix") == "" ]]
	[[ $(completes "$FASTIPC" create "$prefix") == "" ]]
	# -n: the namespaces, then the names of that one's channels.
	mknetns ns
	[[ $(completes fastipc -n "${ns%.*}") == *"$ns"* ]]
	newch other
	"$FASTIPC" -n "$ns" create "$other"
	[[ $(completes "$FASTIPC" -n "$ns" info "$prefix") == "$other" ]]
	[[ $(completes "$FASTIPC" --netns "$ns" -j recv "$prefix") == "$other" ]]
}

# ------------------------------------------------------------------
# round trips

@test "text round trip: arguments are messages, recv prints one a line" {
	local ch
	mkch ch
	run "$FASTIPC" send "$ch" "hello world" "second message" "x"
	[[ $status -eq 0 && -z $output ]]
	[[ $(field "$ch" queued_msgs) == 3 ]]
	run "$FASTIPC" recv "$ch"
	[[ $status -eq 0 && $output == "hello world" ]]
	run "$FASTIPC" recv "$ch" -n 2
	[[ $status -eq 0 ]]
	[[ ${#lines[@]} -eq 2 && ${lines[0]} == "second message" &&
	   ${lines[1]} == x ]]
	[[ $(field "$ch" queued_msgs) == 0 ]]
	[[ $(field "$ch" sent_bytes) == $((11 + 14 + 1)) ]]
}

@test "stdin: one message per line, empty lines and a last line without newline" {
	local ch
	mkch ch
	printf 'alpha\nbeta gamma\n\n  spaced  \nlast' |
		"$FASTIPC" send "$ch"
	[[ $(field "$ch" queued_msgs) == 5 ]]
	[[ $(field "$ch" queued_bytes) == $((5 + 10 + 0 + 10 + 4)) ]]
	run "$FASTIPC" recv "$ch" --all
	[[ $status -eq 0 ]]
	[[ $output == $'alpha\nbeta gamma\n\n  spaced  \nlast' ]]
	# --lines says the same explicitly.
	printf 'one\ntwo\n' | "$FASTIPC" send "$ch" --lines
	[[ $(field "$ch" queued_msgs) == 2 ]]
	run "$FASTIPC" recv "$ch" --raw -n 2
	[[ $output == onetwo ]]
}

@test "recv --sender says who sent each message, and when" {
	local ch pid child
	mkch ch --mode 0622
	"$FASTIPC" send "$ch" "first" & pid=$!
	wait "$pid"
	# A sender that changed its ids after sending is told as it sent.
	if ((EUID == 0)) && command -v setpriv >/dev/null; then
		setpriv --reuid 4321 --regid 4322 --clear-groups \
			"$FASTIPC" send "$ch" "second" & child=$!
		wait "$child"
	fi
	run "$FASTIPC" recv "$ch" --sender
	[[ $status -eq 0 ]]
	[[ $output == "pid=$pid tid=$pid uid=$EUID gid=$(id -g)"$'\t'"first" ]]
	if [[ -n $child ]]; then
		run "$FASTIPC" recv "$ch" -p -s
		[[ $output == "0"$'\t'"pid=$child tid=$child uid=4321 gid=4322"$'\t'"second" ]]
	fi
	# Without the option, nothing but the message.
	"$FASTIPC" send "$ch" "third"
	run "$FASTIPC" recv "$ch"
	[[ $output == third ]]
}

@test "recv --raw writes exactly the bytes, in order" {
	local ch
	mkch ch
	"$FASTIPC" send "$ch" "a" "bc" $'d\n'
	"$FASTIPC" recv "$ch" --raw -n 3 >"$BATS_TEST_TMPDIR/out"
	printf 'abcd\n' | cmp - "$BATS_TEST_TMPDIR/out"
}

# roundtrip CHANNEL SIZE [send options] -- [recv options]: random bytes of
# SIZE through --whole and --raw, compared with cmp.
roundtrip() {
	local ch=$1 size=$2 sendopts=() recvopts=()
	shift 2
	while (($#)) && [[ $1 != -- ]]; do
		sendopts+=("$1")
		shift
	done
	(($#)) && shift
	recvopts=("$@")
	head -c "$size" /dev/urandom >"$BATS_TEST_TMPDIR/in"
	"$FASTIPC" send "$ch" --whole "${sendopts[@]}" <"$BATS_TEST_TMPDIR/in"
	[[ $(field "$ch" queued_msgs) == 1 ]]
	[[ $(field "$ch" queued_bytes) == "$size" ]]
	"$FASTIPC" recv "$ch" --raw "${recvopts[@]}" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[[ $(field "$ch" queued_msgs) == 0 ]]
}

@test "binary --whole round trip, small (copy path)" {
	local ch
	mkch ch
	roundtrip "$ch" 1
	roundtrip "$ch" 4097
	[[ $(field "$ch" page_msgs) == 0 ]]
}

@test "binary --whole round trip, large (page path), every receive mode" {
	local ch
	mkch ch --max-msg-size 8M --max-bytes 16M
	roundtrip "$ch" $((3 * 1024 * 1024 + 5))
	roundtrip "$ch" $((3 * 1024 * 1024 + 5)) -- --zero-copy
	[[ $(field "$ch" page_msgs) == 2 ]]
}

@test "binary with NULs and newlines survives --whole/--raw" {
	local ch
	mkch ch
	printf 'a\0b\n\n\0\0c\r\n\377' >"$BATS_TEST_TMPDIR/in"
	[[ $(wc -c <"$BATS_TEST_TMPDIR/in") -eq 11 ]]
	"$FASTIPC" send "$ch" --whole <"$BATS_TEST_TMPDIR/in"
	[[ $(field "$ch" queued_msgs) == 1 ]]
	[[ $(field "$ch" queued_bytes) == 11 ]]
	"$FASTIPC" recv "$ch" --raw >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "empty --whole input is one empty message" {
	local ch
	mkch ch
	"$FASTIPC" send "$ch" --whole </dev/null
	[[ $(field "$ch" queued_msgs) == 1 ]]
	[[ $(field "$ch" queued_bytes) == 0 ]]
	run "$FASTIPC" recv "$ch" --raw
	[[ $status -eq 0 && -z $output ]]
	[[ $(field "$ch" recv_msgs) == 1 ]]
}

@test "path options: --copy, --pages and the threshold decide page_msgs" {
	local ch
	mkch ch --threshold 8K
	"$FASTIPC" send "$ch" --pages small
	[[ $(field "$ch" page_msgs) == 1 ]]
	head -c 20000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	"$FASTIPC" send "$ch" --whole --copy <"$BATS_TEST_TMPDIR/in"
	[[ $(field "$ch" page_msgs) == 1 ]]
	"$FASTIPC" send "$ch" --whole <"$BATS_TEST_TMPDIR/in"
	[[ $(field "$ch" page_msgs) == 2 ]]
	head -c 8191 /dev/urandom | "$FASTIPC" send "$ch" --whole
	[[ $(field "$ch" page_msgs) == 2 ]]
	run "$FASTIPC" recv "$ch" -n 1
	[[ $output == small ]]
	"$FASTIPC" recv "$ch" --raw >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	"$FASTIPC" recv "$ch" --raw >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[[ $(field "$ch" zc_threshold) == 8192 ]]
}

@test "--zero-copy both ways: the kernel copies nothing, pages are mapped" {
	local ch
	mkch ch
	head -c $((1024 * 1024)) /dev/urandom >"$BATS_TEST_TMPDIR/in"
	"$FASTIPC" send "$ch" --whole --zero-copy <"$BATS_TEST_TMPDIR/in"
	[[ $(field "$ch" page_msgs) == 1 ]]
	"$FASTIPC" recv "$ch" --raw --zero-copy >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[[ $(field "$ch" copied_bytes) == 0 ]]
	[[ $(field "$ch" mapped_pages) == 256 ]]
	# Messages given as arguments go the same way.
	"$FASTIPC" send "$ch" --zero-copy "tiny" "msgs"
	run "$FASTIPC" recv "$ch" --zero-copy --all
	[[ $output == $'tiny\nmsgs' ]]
	[[ $(field "$ch" copied_bytes) == 0 ]]
}

# ------------------------------------------------------------------
# priorities

@test "priorities: higher first, FIFO within one; recv -p shows them" {
	local ch
	mkch ch
	"$FASTIPC" send "$ch" -p 1 low1
	"$FASTIPC" send "$ch" --prio 7 high1
	"$FASTIPC" send "$ch" mid0
	"$FASTIPC" send "$ch" -p 31 top
	"$FASTIPC" send "$ch" -p 7 high2 high3
	"$FASTIPC" send "$ch" -p 1 low2
	run "$FASTIPC" recv "$ch" --all -p
	[[ $status -eq 0 ]]
	[[ $output == $'31\ttop\n7\thigh1\n7\thigh2\n7\thigh3\n1\tlow1\n1\tlow2\n0\tmid0' ]] ||
		{ echo "$output"; false; }
}

@test "priorities: options after the name, stdin lines keep their order" {
	local ch
	mkch ch
	printf 'a\nb\nc\n' | "$FASTIPC" send "$ch" -p 2
	printf 'x\ny\n' | "$FASTIPC" send "$ch" -p 9
	"$FASTIPC" send "$ch" -p 5 m
	run "$FASTIPC" recv "$ch" --all
	[[ $output == $'x\ny\nm\na\nb\nc' ]]
}

# ------------------------------------------------------------------
# failures: exit 1, the channel, what happened and [ERRNO] on stderr

@test "nonexistent channel: send, recv, info, unlink fail with ENOENT" {
	local ch cmd
	newch ch
	for cmd in "send $ch hello" "recv $ch --nonblock" "info $ch" \
		   "unlink $ch"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$FASTIPC" $cmd </dev/null
		[[ $status -eq 1 ]] || { echo "$cmd: $status"; false; }
		[[ -z $output ]]
		[[ $stderr == "fastipc: ${cmd%% *} '$ch': no such channel [ENOENT]" ]] ||
			{ echo "$cmd: $stderr"; false; }
	done
	run "$FASTIPC" unlink --force "$ch"
	[[ $status -eq 0 ]]
	# A failed send does not create the channel.
	run "$FASTIPC" info "$ch"
	[[ $status -eq 1 ]]
}

@test "recv --timeout on an empty channel: exit 1, ETIMEDOUT" {
	local ch
	mkch ch
	run --separate-stderr "$FASTIPC" recv "$ch" --timeout 200
	[[ $status -eq 1 && -z $output ]]
	[[ $stderr == "fastipc: recv '$ch': no message within 200 ms [ETIMEDOUT]" ]] ||
		{ echo "$stderr"; false; }
	run --separate-stderr "$FASTIPC" recv "$ch" --timeout 0
	[[ $status -eq 1 && $stderr == "fastipc: recv '$ch': no message within 0 ms [ETIMEDOUT]" ]]
	# A message that is there is received at once, timeout or not.
	"$FASTIPC" send "$ch" here
	run "$FASTIPC" recv "$ch" --timeout 0
	[[ $status -eq 0 && $output == here ]]
}

@test "recv --busy-poll: takes queued and later messages, times out alike" {
	local ch
	mkch ch
	"$FASTIPC" send "$ch" queued
	run --separate-stderr "$FASTIPC" recv "$ch" --busy-poll 10000
	[[ $status -eq 0 && $output == queued && -z $stderr ]]
	# Sent while the receiver waits (and polls first).
	( sleep 0.2; "$FASTIPC" send "$ch" later ) &
	local sender=$!
	run --separate-stderr "$FASTIPC" recv "$ch" --busy-poll 5000 -n 1
	# Not a bare wait: bats's own per-test timer is a background job too.
	wait "$sender"
	[[ $status -eq 0 && $output == later ]] || { echo "$status $output"; false; }
	run --separate-stderr "$FASTIPC" recv "$ch" --busy-poll 10000 --timeout 50
	[[ $status -eq 1 && $stderr == *"no message within 50 ms [ETIMEDOUT]" ]]
	run --separate-stderr "$FASTIPC" recv "$ch" --busy-poll 100 --nonblock
	[[ $status -eq 1 && $stderr == *"channel empty [EAGAIN]" ]]
	# 0 switches the default adaptive poll off; receives work alike.
	"$FASTIPC" send "$ch" unpolled
	run --separate-stderr "$FASTIPC" recv "$ch" --busy-poll 0
	[[ $status -eq 0 && $output == unpolled && -z $stderr ]]
}

@test "recv on an empty channel: --nonblock fails with EAGAIN, --all succeeds" {
	local ch
	mkch ch
	run --separate-stderr "$FASTIPC" recv "$ch" --nonblock
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: recv '$ch': channel empty [EAGAIN]" ]]
	run --separate-stderr "$FASTIPC" recv "$ch" --all
	[[ $status -eq 0 && -z $output && -z $stderr ]]
	run --separate-stderr "$FASTIPC" recv "$ch" --all --timeout 100
	[[ $status -eq 0 && -z $output ]]
}

@test "full channel: send --nonblock fails with EAGAIN, stops at the first failure" {
	local ch
	mkch ch --max-msgs 2
	run --separate-stderr "$FASTIPC" send "$ch" --nonblock one two three four
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: send '$ch': channel full [EAGAIN]" ]]
	[[ $(field "$ch" queued_msgs) == 2 ]]
	[[ $(field "$ch" sent_msgs) == 2 ]]
	run --separate-stderr "$FASTIPC" send "$ch" --timeout 100 five
	[[ $status -eq 1 && $stderr == "fastipc: send '$ch': no room within 100 ms [ETIMEDOUT]" ]]
	run "$FASTIPC" recv "$ch" --all
	[[ $output == $'one\ntwo' ]]
}

@test "message larger than max-msg-size: EMSGSIZE, nothing queued" {
	local ch
	mkch ch --max-msg-size 4K
	head -c 4097 /dev/zero >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr "$FASTIPC" send "$ch" --whole <"$BATS_TEST_TMPDIR/in"
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: send '$ch': message larger than the channel's max_msg_size or max_bytes [EMSGSIZE]" ]]
	[[ $(field "$ch" queued_msgs) == 0 ]]
	head -c 4096 /dev/zero | "$FASTIPC" send "$ch" --whole
	[[ $(field "$ch" queued_bytes) == 4096 ]]
}

@test "create: exists is fine, --excl is EEXIST, options on an existing one warn" {
	local ch
	mkch ch --max-msgs 5
	run --separate-stderr "$FASTIPC" create "$ch"
	[[ $status -eq 0 && -z $stderr ]]
	run --separate-stderr "$FASTIPC" create "$ch" --excl
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: create '$ch': the channel exists [EEXIST]" ]]
	run --separate-stderr "$FASTIPC" create "$ch" --max-msgs 9
	[[ $status -eq 0 && $stderr == *"'$ch'"*unchanged* ]]
	[[ $(field "$ch" max_msgs) == 5 ]]
}

@test "bad names and limits the module refuses: exit 1 with the reason" {
	local ch long
	newch ch
	run --separate-stderr "$FASTIPC" create "a/b"
	[[ $status -eq 1 && $stderr == "fastipc: create 'a/b': not a channel name (1 to 63 bytes, no '/') [EINVAL]" ]]
	run --separate-stderr "$FASTIPC" info "a/b"
	[[ $status -eq 1 && $stderr == "fastipc: info 'a/b': not a channel name (1 to 63 bytes, no '/') [EINVAL]" ]]
	long=$(printf 'n%.0s' {1..64})
	run --separate-stderr "$FASTIPC" create "$long"
	[[ $status -eq 1 && $stderr == "fastipc: create '$long': name longer than 63 bytes [ENAMETOOLONG]" ]]
	run --separate-stderr "$FASTIPC" create ""
	[[ $status -eq 1 && $stderr == "fastipc: create '': not a channel name (1 to 63 bytes, no '/') [EINVAL]" ]]
	run --separate-stderr "$FASTIPC" create "$ch" --max-msgs 4294967295
	[[ $status -eq 1 && $stderr == "fastipc: create '$ch': a limit is outside the module's range (fastipc config shows it) [EINVAL]" ]]
	run "$FASTIPC" info "$ch"
	[[ $status -eq 1 ]]
}

@test "permissions: another user gets EACCES; mode 0622 lets it send" {
	command -v setpriv >/dev/null || skip "no setpriv"
	[[ $(id -u) -eq 0 ]] || skip "needs root to switch users"
	local ch open nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	mkch ch
	run --separate-stderr "${nobody[@]}" "$FASTIPC" send "$ch" x
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: send '$ch': no write permission on the channel [EACCES]" ]]
	run --separate-stderr "${nobody[@]}" "$FASTIPC" recv "$ch" --nonblock
	[[ $status -eq 1 && $stderr == "fastipc: recv '$ch': no read permission on the channel [EACCES]" ]]
	run --separate-stderr "${nobody[@]}" "$FASTIPC" info "$ch"
	[[ $status -eq 1 && $stderr == "fastipc: info '$ch': no permission on the channel [EACCES]" ]]
	run --separate-stderr "${nobody[@]}" "$FASTIPC" unlink "$ch"
	[[ $status -eq 1 && $stderr == "fastipc: unlink '$ch': only the channel's owner or creator, or CAP_SYS_ADMIN, may remove it [EPERM]" ]]
	mkch open --mode 0622
	run "${nobody[@]}" "$FASTIPC" send "$open" "from nobody"
	[[ $status -eq 0 ]]
	run --separate-stderr "${nobody[@]}" "$FASTIPC" recv "$open"
	[[ $status -eq 1 && $stderr == *"no read permission on the channel [EACCES]" ]]
	run "$FASTIPC" recv "$open"
	[[ $output == "from nobody" ]]
}

@test "unlink: several names, goes on after a failure, exit 1" {
	local a b missing
	mkch a
	mkch b
	newch missing
	run --separate-stderr "$FASTIPC" unlink "$a" "$missing" "$b"
	[[ $status -eq 1 ]]
	[[ $stderr == "fastipc: unlink '$missing': no such channel [ENOENT]" ]]
	run "$FASTIPC" info "$a"
	[[ $status -eq 1 ]]
	run "$FASTIPC" info "$b"
	[[ $status -eq 1 ]]
}

# ------------------------------------------------------------------
# info and stats as JSON

@test "info --json: one object, parsed by jq, values as created and used" {
	local ch
	mkch ch --mode 0640 --max-msgs 7 --max-bytes 1M --max-msg-size 64K \
		--threshold 16K
	"$FASTIPC" send "$ch" one twenty-two
	run --separate-stderr "$FASTIPC" info "$ch" --json
	[[ $status -eq 0 && ${#lines[@]} -eq 1 ]]
	jq -e --arg n "$ch" '
		.name == $n and .mode == "0640" and
		.max_msgs == 7 and .max_bytes == 1048576 and
		.max_msg_size == 65536 and .zc_threshold == 16384 and
		.queued_msgs == 2 and .queued_bytes == 13 and
		.sent_msgs == 2 and .sent_bytes == 13 and
		.recv_msgs == 0 and .page_msgs == 0 and
		.handles == 1 and .uid == 0 and (.id | type) == "number"
	' <<<"$output"
	# The same keys and values as the text form.
	local text json
	text=$("$FASTIPC" info "$ch" | sed -E 's/^([a-z_]+): +/\1=/' | sort)
	json=$("$FASTIPC" info "$ch" -j |
		jq -r 'to_entries[] | "\(.key)=\(.value)"' | sort)
	[[ $text == "$json" ]] || { diff <(echo "$text") <(echo "$json"); false; }
}

@test "info --json escapes names that need it" {
	local ch
	newch ch
	ch="$ch.q\"b\\t"
	CHANNELS+=("$ch")
	"$FASTIPC" create "$ch"
	[[ $("$FASTIPC" info "$ch" --json | jq -r .name) == "$ch" ]]
}

@test "stats --json: counters follow a create, a queued message and its receipt" {
	local ch before
	before=$("$FASTIPC" stats --json)
	jq -e 'has("pages_held") and has("bytes_queued") and has("channels")
	       and has("handles") and has("copied_bytes") and
	       has("mapped_pages")' <<<"$before"
	mkch ch
	[[ $(mstat channels) == $(($(jq .channels <<<"$before") + 1)) ]]
	head -c 300000 /dev/urandom | "$FASTIPC" send "$ch" --whole --pages
	[[ $(mstat bytes_queued) == \
	   $(($(jq .bytes_queued <<<"$before") + 300000)) ]]
	[[ $(mstat pages_held) == $(($(jq .pages_held <<<"$before") + 74)) ]]
	"$FASTIPC" recv "$ch" --raw >/dev/null
	[[ $(mstat bytes_queued) == $(jq .bytes_queued <<<"$before") ]]
	[[ $(mstat pages_held) == $(jq .pages_held <<<"$before") ]]
	[[ $(mstat copied_bytes) == \
	   $(($(jq .copied_bytes <<<"$before") + 600000)) ]]
	# No handle is left open by the commands.
	[[ $(mstat handles) == $(jq .handles <<<"$before") ]]
	"$FASTIPC" unlink "$ch"
	[[ $(mstat channels) == $(jq .channels <<<"$before") ]]
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test driver, run inside the test VM as root with the module loaded
# (make check does that).  Runs every kselftest binary build/selftests/*_test
# and every selftests/*.bats file, or just the ones named as arguments, and
# ends with the line "N passed, N failed".  Like liburing's runner, it marks
# the kernel log before each program and fails the program if the log then
# shows a kernel problem (tools/vm/dmesg-patterns).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
# Time limits catch hangs; a slow kernel or a busy machine must not trip
# them.  FASTIPC_TIME_SCALE (tools/vm/check sets it: 4 on debug kernels)
# multiplies each: the kselftest harness's per test (30 s unless a test
# says otherwise; fipc_harness_run()), bats's per test, and this
# runner's per program.
scale=${FASTIPC_TIME_SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] || scale=1
export FASTIPC_TIME_SCALE=$scale
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-$((120 * scale))}
timeout_s=${SELFTEST_TIMEOUT:-$((900 * scale))}
# FASTIPC_SUITES=kernel (make test on every kernel but the reference one,
# tools/vm/test-all) leaves out the suites whose source says
# "fastipc-suite: userspace" near its top: the CLI, the benchmark and the
# documents, which reach the module through the same ioctls and netlink
# messages the kernel-facing suites test on every kernel.  It also runs
# fewer load/unload cycles (stress_test) on a kernel that is not a debug
# one (those run fewer anyway).
suites=${FASTIPC_SUITES:-all}
case $suites in
all) ;;
kernel) ((scale > 1)) || export FIPC_LOAD_CYCLES=${FIPC_LOAD_CYCLES:-250} ;;
*) echo "run.sh: FASTIPC_SUITES is all or kernel, not '$suites'" >&2; exit 2 ;;
esac
patterns=$(grep -Ev '^(#|$)' tools/vm/dmesg-patterns)

passed=0 failed=0 skipped=0 kernel=0 seq=0
recap=()

kmsg_ok=0
if [[ -w /dev/kmsg ]] && dmesg >/dev/null 2>&1; then
	kmsg_ok=1
else
	echo "# warning: cannot use /dev/kmsg and dmesg: the kernel log is not checked"
fi

# count LABEL LOG RC: add a program's TAP results to the totals.
count() {
	local label=$1 log=$2 rc=$3 line plan='' ok=0 notok=0 skip=0 missing
	while IFS= read -r line; do
		case $line in
		"not ok "[0-9]*)
			if [[ $line =~ \#[[:space:]]*[Tt][Oo][Dd][Oo] ]]; then
				skip=$((skip + 1))
				recap+=("todo: $label: $line")
			else
				notok=$((notok + 1))
				recap+=("FAIL: $label: $line")
			fi ;;
		"ok "[0-9]*)
			if [[ $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				skip=$((skip + 1))
				recap+=("skip: $label: $line")
			else
				ok=$((ok + 1))
			fi ;;
		1..[0-9]*)
			[[ -n $plan ]] || plan=${line#1..}
			plan=${plan%%[!0-9]*} ;;
		esac
	done <"$log"

	if ((rc == 124 || rc == 137)); then
		notok=$((notok + 1))
		# The harness prints "#  RUN name" as a test starts; bats
		# prints a test's line when it ends, so the next one ran.
		line=$(grep -E '^#  RUN |^(not )?ok [0-9]+ ' "$log" | tail -n1)
		case $line in
		"#  RUN"*) line="while running ${line#'#  RUN '}" ;;
		?*) line="after: $line" ;;
		*) line="before any test reported" ;;
		esac
		recap+=("FAIL: $label: timed out after $timeout_s s (SELFTEST_TIMEOUT), $line")
	fi
	if [[ -n $plan ]] && ((plan > ok + notok + skip)); then
		# Crashed or stopped early: what never ran did not pass.
		missing=$((plan - ok - notok - skip))
		notok=$((notok + missing))
		recap+=("FAIL: $label: $missing of $plan planned tests never reported (exit status $rc)")
	elif ((ok + notok + skip == 0)); then
		# No results: the exit status is all there is.  4 is KSFT_SKIP,
		# as after "1..0 # SKIP no /dev/fastipc".
		if ((rc == 4)) || { [[ $plan == 0 ]] && ((rc == 0)); }; then
			skip=1
			recap+=("skip: $label: $(grep -m1 -i 'skip' "$log" || echo "exit status $rc")")
		elif ((rc == 0)); then
			ok=1
		else
			notok=1
			recap+=("FAIL: $label: exit status $rc")
		fi
	elif ((rc != 0 && rc != 4 && notok == 0)); then
		notok=1
		recap+=("FAIL: $label: exit status $rc without a failing test")
	fi

	passed=$((passed + ok))
	failed=$((failed + notok))
	skipped=$((skipped + skip))
}

# check_kernel LABEL MARKER: fail the program if the kernel log since
# MARKER shows a problem.
check_kernel() {
	local label=$1 marker=$2 bad lines
	((kmsg_ok)) || return 0
	if bad=$(dmesg | awk -v m="$marker" 'seen; index($0, m) { seen = 1 }' |
		grep -E -e "$patterns"); then
		echo "# kernel problems during $label:"
		mapfile -t lines <<<"$bad"
		printf '#   %s\n' "${lines[@]}"
		failed=$((failed + 1))
		kernel=$((kernel + 1))
		recap+=("FAIL: $label: kernel problem: $(head -n1 <<<"$bad")")
	fi
}

# run_one LABEL COMMAND...: run one test program, show and count its output.
run_one() {
	local label=$1 log rc marker
	shift
	seq=$((seq + 1))
	marker="fastipc-selftests: [$seq] start $label"
	if ((kmsg_ok)); then
		echo "$marker" >/dev/kmsg
	fi
	echo "# ===== $label"
	log=$(mktemp)
	set +e
	timeout -k 5 "$timeout_s" "$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	count "$label" "$log" "$rc"
	rm -f "$log"
	check_kernel "$label" "$marker"
}

programs=("$@")
if ((!$#)); then
	if [[ -d build/selftests ]]; then
		mapfile -t programs < <(find build/selftests -maxdepth 1 -type f \
			-name '*_test' -perm -u+x | LC_ALL=C sort)
	fi
	for f in selftests/*.bats; do
		[[ -e $f ]] && programs+=("$f")
	done
fi
((${#programs[@]})) || echo "# no tests found (build/selftests/*_test, selftests/*.bats)"

# The source of a program: the .bats itself, or selftests/NAME.c.
source_of() {
	case $1 in
	*.bats) echo "$1" ;;
	*) echo "selftests/$(basename "$1").c" ;;
	esac
}

for prog in "${programs[@]}"; do
	if [[ $suites == kernel ]] &&
		head -n 20 "$(source_of "$prog")" 2>/dev/null | grep -q 'fastipc-suite: userspace'; then
		echo "# ===== $prog"
		echo "# skip: $prog: a userspace suite (FASTIPC_SUITES=kernel)"
		skipped=$((skipped + 1))
		recap+=("skip: $prog: userspace suite, run on the reference kernel")
		continue
	fi
	case $prog in
	*.bats) run_one "$prog" bats --tap "$prog" ;;
	*/*) run_one "$prog" "$prog" ;;
	*) run_one "$prog" "./$prog" ;;
	esac
done

# Unloading catches leaked references and leaks on the exit path; a kmemleak
# scan (debug kernel) must run first, while the module's symbols resolve.
if ((!$#)) && [[ -d /sys/module/fastipc ]]; then
	run_one "rmmod fastipc" sh -c '
		echo 1..1
		if [ -w /sys/kernel/debug/kmemleak ]; then
			echo scan >/sys/kernel/debug/kmemleak
			cat /sys/kernel/debug/kmemleak
		fi
		if rmmod fastipc; then
			echo "ok 1 rmmod fastipc"
		else
			echo "not ok 1 rmmod fastipc"
		fi'
fi

echo "# ====="
((${#recap[@]} == 0)) || printf '# %s\n' "${recap[@]}"
if [[ -n ${VM_OUT:-} && -w ${VM_OUT:-/nonexistent} ]]; then
	echo "passed=$passed failed=$failed skipped=$skipped kernel=$kernel" \
		>"$VM_OUT/selftests.summary"
fi
echo "$skipped skipped"
echo "$passed passed, $failed failed"
((failed == 0))

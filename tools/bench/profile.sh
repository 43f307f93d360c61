#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where a workload's cells spend their time (Documentation/benchmarks.md):
# a sampled profile (perf, cpu-clock, every CPU) of one workload at one
# size, each mechanism in a run of its own; the benchmark's processes
# only, in percent of their samples, by kernel and user space and by
# symbol.  In the VM, from the repository root:
#
#   tools/bench/profile.sh WORKLOAD SIZE MECHANISM... [-- BENCH-OPTIONS]
#
#   make demo DEMO_CMD="tools/bench/profile.sh call 1M fastipc-call-zc binder -- --polling on"
#   make demo DEMO_CMD="tools/bench/profile.sh fanout 1M fastipc-topic shm-ring"
set -u
usage() {
	echo "usage: profile.sh WORKLOAD SIZE MECHANISM... [-- BENCH-OPTIONS]" >&2
	exit 2
}
(($# >= 3)) || usage
workload=$1 size=$2
shift 2
mechs=()
while (($#)) && [[ $1 != -- ]]; do
	mechs+=("$1")
	shift
done
(($#)) && shift	# the --
bench=build/tools/fastipc-bench
out=${VM_OUT:-/tmp}/profile-$workload
command -v perf >/dev/null || { echo "profile: no perf (Debian: linux-perf)" >&2; exit 1; }
mkdir -p "$out"
# Loaded beforehand, or the first run's profile has modprobe in it.
if [[ " ${mechs[*]} " == *" binder "* && ! -e /dev/binder ]]; then
	modprobe binder_linux devices=binder
fi

for m in "${mechs[@]}"; do
	perf record -q -e cpu-clock -F 4000 -a -o "$out/$m.data" -- \
		"$bench" --workloads "$workload" --mechanisms "$m" \
		--sizes "$size" --rounds 3 --out "$out/bench-$m" "$@" \
		> "$out/$m.bench.txt" 2>&1 || { echo "profile: $m failed" >&2; exit 1; }
	report() {
		perf report -i "$out/$m.data" --stdio --no-children \
			--comms fastipc-bench --percentage relative \
			--sort symbol "$@" 2>/dev/null | grep -Ev '^(#|$)'
	}
	echo "== $m"
	report --percent-limit 0 |
		awk '$2 == "[k]" { k += $1 } $2 == "[.]" { u += $1 }
		     END { printf "kernel %.1f%%, user space %.1f%%\n", k, u }'
	report --percent-limit 1 | head -25
done | tee "$out/profile.txt"

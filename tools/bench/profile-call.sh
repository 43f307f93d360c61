#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the 1 MiB calls spend their time (Documentation/benchmarks.md,
# "Call (request/reply)"): a sampled profile (perf, cpu-clock, every CPU)
# of the call workload's 1 MiB cells with polling, fastipc's page path
# and Binder, each in a run of its own; the benchmark's processes only,
# in percent of their samples, by kernel and user space and by symbol.
# In the VM, from the repository root:
#
#   make demo DEMO_CMD=tools/bench/profile-call.sh
set -u
bench=build/tools/fastipc-bench
out=${VM_OUT:-/tmp}/profile-call
command -v perf >/dev/null || { echo "profile-call: no perf (Debian: linux-perf)" >&2; exit 1; }
mkdir -p "$out"
# Loaded beforehand, or the first run's profile has modprobe in it.
[[ -e /dev/binder ]] || modprobe binder_linux devices=binder

for m in fastipc-call-zc binder; do
	perf record -q -e cpu-clock -F 4000 -a -o "$out/$m.data" -- \
		"$bench" --workloads call --mechanisms "$m" --sizes 1M \
		--rounds 3 --polling on --out "$out/bench-$m" \
		> "$out/$m.bench.txt" 2>&1 || { echo "profile-call: $m failed" >&2; exit 1; }
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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The busy poll on a loaded machine (Documentation/benchmarks.md, "The
# busy poll on a loaded machine"): 64 B and 4 KiB round trips with three
# CPU-bound tasks beside the benchmark on the test VM's two vCPUs (more
# runnable tasks than CPUs), polling on and off alternated four times,
# and the work those tasks got done per second in each run.  In the VM,
# from the repository root:
#
#   make demo DEMO_CMD=tools/bench/loaded-machine.sh
set -u
bench=build/tools/fastipc-bench
out=${VM_OUT:-/tmp}/loaded-machine
mechs=fastipc-auto,fastipc-copy,pipe,posix-mq
mkdir -p "$out"

# hog TAG: count loop iterations until SIGTERM, then add the count to TAG's file.
hog() {
	local n=0
	trap 'echo $n >> "$out/hog-$1"; exit' TERM
	while :; do n=$((n + 1)); done
}

for rep in 1 2 3 4; do
	for polling in on off; do
		tag=$rep-$polling pids=()
		for ((i = 0; i < 3; i++)); do
			hog "$tag" &
			pids+=($!)
		done
		t0=$(date +%s.%N)
		$bench -w latency -s 64,4K -m $mechs --rounds 1 \
			--polling $polling --no-plot --out "$out/$tag" \
			> "$out/$tag.txt" 2>/dev/null
		t1=$(date +%s.%N)
		kill -TERM "${pids[@]}"
		wait
		its=$(paste -sd+ "$out/hog-$tag" | bc)
		echo "run $rep, polling $polling: $(echo "$t1 - $t0" | bc) s," \
		     "hog iterations per second: $(echo "$its / ($t1 - $t0)" | bc)"
		sed -n '/median \/ p99/,/^$/p;/CPU time per round trip/,/^$/p' \
			"$out/$tag.txt" | grep -v '^$'
	done
done

# SPDX-License-Identifier: GPL-2.0
# The test VM targets (Documentation/test-vm.md):
#
#   make check      every selftest in the VM; the last line of output is
#                   "N passed, N failed", the exit status non-zero on failure
#   make demo       the demo/benchmark, $(DEMO_CMD), in the VM with the module
#   make vm-shell   an interactive shell in the VM with the module loaded
#
#   KERNEL=NAME     the kernel to build the module for and boot
#                   (tools/vm/kernel names; default 6.1, Debian 12's).
#                   These targets install what it needs (tools/deps.sh);
#                   a debug kernel is built on first use (15-20 minutes).
#   VM_FLAGS=...    more tools/vm/run options, e.g. VM_FLAGS=--verbose
#   VM_OUT=DIR      results folder: dmesg.txt, console.log (build/vm/out)
#   VM_CPU=MODEL    QEMU's -cpu for the guest (tools/vm/run --cpu)
#   VM_INIT_ON_ALLOC=0|1  the guest kernel's init_on_alloc
#
# The tests boot tools/vm/run's defaults: -cpu max and init_on_alloc=0
# (stale data a module hands out must show).  The benchmark boots what a
# Debian machine runs, as far as emulation allows: no ERMS/FSRM (under
# TCG, rep movsb, which memcpy and the kernel's user copies take where
# the CPU advertises them, is 5-10x slower than a vector loop, and would
# skew every copy) and Debian's init_on_alloc=1.  `make demo VM_CPU=max
# VM_INIT_ON_ALLOC=0` boots the old setup.

VM_OUT ?= $(O)/vm/out
VM_FLAGS ?=
# The whole VM run; each test program has its own limit (selftests/run.sh).
CHECK_TIMEOUT ?= 3600
# all, or kernel: only the kernel-facing suites (selftests/run.sh)
CHECK_SUITES ?= all
# The comparison benchmark (Documentation/benchmarks.md): three rounds of
# about 3 minutes under emulation; tables on the terminal, files in
# $(VM_OUT)/bench.
DEMO_CMD ?= build/tools/fastipc-bench --out $(VM_OUT)/bench
DEMO_TIMEOUT ?= 1800
MODULE_KO = $(MOD_DIR)/fastipc.ko
demo: VM_CPU ?= max,-erms,-fsrm
demo: VM_INIT_ON_ALLOC ?= 1

.PHONY: check demo vm-shell vm-deps
# What the VM and KERNEL need, installed before anything is built.
vm-deps:
	@tools/deps.sh --quiet $(KERNEL)

VM_ARGS = --kernel $(KERNEL) --out $(VM_OUT) $(VM_FLAGS) --module $(MODULE_KO) \
	  $(if $(VM_CPU),--cpu $(VM_CPU)) \
	  $(if $(VM_INIT_ON_ALLOC),--init-on-alloc $(VM_INIT_ON_ALLOC))

check: vm-deps
	@$(MAKE) --no-print-directory all selftests man KERNEL=$(KERNEL)
	@FASTIPC_SUITES=$(CHECK_SUITES) tools/vm/check --timeout $(CHECK_TIMEOUT) $(VM_ARGS)

# The benchmark in the VM; without the CLI built, at least prove the module loads.
demo: vm-deps
	@$(MAKE) --no-print-directory all KERNEL=$(KERNEL)
	@if [ -x $(firstword $(DEMO_CMD)) ]; then \
		tools/vm/run --timeout $(DEMO_TIMEOUT) $(VM_ARGS) -- $(DEMO_CMD); \
	else \
		echo "demo: $(firstword $(DEMO_CMD)) is not built; loading the module only"; \
		tools/vm/run $(VM_ARGS) -- grep -w fastipc /proc/modules; \
	fi

vm-shell: vm-deps
	@$(MAKE) --no-print-directory module KERNEL=$(KERNEL)
	@tools/vm/run --shell $(VM_ARGS)

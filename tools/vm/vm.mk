# SPDX-License-Identifier: GPL-2.0
# The test VM targets (Documentation/test-vm.md):
#
#   make check      every selftest in the VM; the last line of output is
#                   "N passed, N failed", the exit status non-zero on failure
#   make demo       the demo/benchmark, $(DEMO_CMD), in the VM with the module
#   make vm-shell   an interactive shell in the VM with the module loaded
#
#   KERNEL=debug    use the debug kernel (KASAN, lockdep, kmemleak...): the
#                   module is built against it; the first use builds it
#                   (tools/vm/build-debug-kernel, about 14 minutes)
#   KERNEL=IMAGE    boot another kernel image (build the module to match)
#   VM_FLAGS=...    more tools/vm/run options, e.g. VM_FLAGS=--verbose
#   VM_OUT=DIR      results folder: dmesg.txt, console.log (build/vm/out)

VM_OUT ?= $(O)/vm/out
VM_FLAGS ?=
CHECK_TIMEOUT ?= 1800
# The comparison benchmark (Documentation/benchmarks.md): about 8 minutes
# under emulation; tables on the terminal, files in $(VM_OUT)/bench.
DEMO_CMD ?= build/tools/fastipc bench --out $(VM_OUT)/bench
DEMO_TIMEOUT ?= 1200
ifeq ($(KERNEL),debug)
# Build the module against the debug kernel's tree, once it exists, in its
# own folder.
KDIR := $(shell tools/vm/build-debug-kernel --print-dir)
MOD_DIR := $(O)/mod-debug
module: | debug-kernel
endif
MODULE_KO = $(MOD_DIR)/fastipc.ko

.PHONY: debug-kernel check demo vm-shell
debug-kernel:
	@tools/vm/build-debug-kernel >/dev/null

# Boot the kernel the module was built for: KERNEL if given, else the image
# that matches KDIR.
VM_KERNEL = $(if $(KERNEL),--kernel $(KERNEL),$(if $(wildcard /boot/vmlinuz-$(KVER)),--kernel /boot/vmlinuz-$(KVER)))
VM_ARGS = $(VM_KERNEL) --out $(VM_OUT) $(VM_FLAGS) --module $(MODULE_KO)

check: all
	@tools/vm/check --timeout $(CHECK_TIMEOUT) $(VM_ARGS)

# The benchmark in the VM; without the CLI built, at least prove the module loads.
demo: all
	@if [ -x $(firstword $(DEMO_CMD)) ]; then \
		tools/vm/run --timeout $(DEMO_TIMEOUT) $(VM_ARGS) -- $(DEMO_CMD); \
	else \
		echo "demo: $(firstword $(DEMO_CMD)) is not built; loading the module only"; \
		tools/vm/run $(VM_ARGS) -- grep -w fastipc /proc/modules; \
	fi

vm-shell: module
	@tools/vm/run --shell $(VM_ARGS)

# SPDX-License-Identifier: GPL-2.0
# make lint: the code checks, each of which must be silent.
#   - checkpatch.pl --strict (7.3's) on the module and its uapi header;
#   - the module built with W=1 (extra warnings) and C=1 (sparse) for each
#     kernel of LINT_KERNELS (default: the test matrix), in scratch copies
#     so the real builds' objects are not mixed with them;
#   - userspace built with -Werror (USER_CFLAGS), which `all` already does;
#   - libfastipc's ABI against its baseline (lib/abi.mk).
#
# checkpatch exceptions, each for one reason:
#   ALLOC_WITH_SIZEOF            kmalloc_obj() and friends are 7.x only
#   LINUX_VERSION_CODE,          kmod/compat.h is the one place that
#   CONSTANT_COMPARISON          compares kernel versions (only there)
#
# Sparse is Debian's newest (tools/deps.sh builds it into the cache): the
# 7.x kernels' C=1 skips a sparse as old as Debian 12's without a word.

LINT_O := $(O)/lint
LINT_KERNELS ?= $(shell tools/vm/kernel matrix)
SPARSE := $(FASTIPC_CACHE)/sparse/sparse
CHECKPATCH_FLAGS := --strict --no-tree --terse --show-types \
		    --ignore FILE_PATH_CHANGES,ALLOC_WITH_SIZEOF

.PHONY: lint lint-checkpatch lint-module
lint: lint-checkpatch lint-module lib tools selftests abi-check
	@echo 'lint: clean'

lint-checkpatch: $(CHECKPATCH)
	@echo '  CHECKPATCH kmod/'
	@mkdir -p $(LINT_O)
	@{ perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) -f \
		$(filter-out kmod/compat.h,$(wildcard kmod/*.c kmod/*.h kmod/uapi/*.h)); \
	   perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h; \
	 } > $(LINT_O)/checkpatch.log 2>&1 || true
	@if grep -v "^total: 0 errors, 0 warnings, 0 checks" $(LINT_O)/checkpatch.log \
		| grep -q .; then cat $(LINT_O)/checkpatch.log; exit 1; fi

# One W=1 C=1 build per kernel; any warning fails.
lint-module:
	@test -x $(SPARSE) || { echo "lint: no $(SPARSE): run tools/deps.sh (as root)" >&2; exit 1; }
	@set -e; for k in $(LINT_KERNELS); do \
		tools/vm/kernel prepare $$k; \
		kdir=$$(tools/vm/kernel kdir $$k); \
		echo "  W=1 C=1    kmod/ ($$k)"; \
		rm -rf $(LINT_O)/mod-$$k && mkdir -p $(LINT_O)/mod-$$k; \
		cp -r Kbuild VERSION kmod $(LINT_O)/mod-$$k/; \
		$(MAKE) -s -C $$kdir M=$(LINT_O)/mod-$$k W=1 C=1 CHECK=$(SPARSE) modules \
			> $(LINT_O)/mod-$$k.log 2>&1 || \
			{ cat $(LINT_O)/mod-$$k.log; exit 1; }; \
		if grep -E 'warning|error|not available' $(LINT_O)/mod-$$k.log; then exit 1; fi; \
	done

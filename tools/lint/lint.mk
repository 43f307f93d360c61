# SPDX-License-Identifier: GPL-2.0
# make lint: the code checks, each of which must be silent.
#   - checkpatch.pl --strict on the module and its uapi header;
#   - the module built with W=1 (extra warnings) and C=1 (sparse), in a
#     scratch copy so the real build's objects are not mixed with it;
#   - userspace built with -Werror (USER_CFLAGS), which `all` already does.

LINT_O := $(O)/lint

.PHONY: lint lint-checkpatch lint-module
lint: lint-checkpatch lint-module lib tools selftests
	@echo 'lint: clean'

lint-checkpatch: $(CHECKPATCH)
	@echo '  CHECKPATCH kmod/'
	@mkdir -p $(LINT_O)
	@perl $(CHECKPATCH) --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES -f kmod/*.c kmod/*.h kmod/uapi/*.h \
		> $(LINT_O)/checkpatch.log 2>&1 || true
	@if grep -v "^total: 0 errors, 0 warnings, 0 checks" $(LINT_O)/checkpatch.log \
		| grep -q .; then cat $(LINT_O)/checkpatch.log; exit 1; fi

lint-module: | deps-check
	@echo '  W=1 C=1    kmod/'
	@rm -rf $(LINT_O)/mod && mkdir -p $(LINT_O)/mod
	@cp -r Kbuild kmod $(LINT_O)/mod/
	@$(MAKE) -s -C $(KDIR) M=$(LINT_O)/mod W=1 C=1 modules \
		> $(LINT_O)/mod.log 2>&1 || { cat $(LINT_O)/mod.log; exit 1; }
	@if grep -E 'warning|error' $(LINT_O)/mod.log; then exit 1; fi

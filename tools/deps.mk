# SPDX-License-Identifier: GPL-2.0
# Build dependencies.  `make deps` installs the missing Debian packages
# (tools/deps.sh); deps-check does the same quietly and is an order-only
# prerequisite of what needs them.  kselftest's harness and checkpatch come
# out of linux-source-6.1 into build/linux-src/.

.PHONY: deps deps-check
deps:
	@tools/deps.sh

deps-check:
	@tools/deps.sh --quiet

LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
LINUX_SRC_FILES := tools/testing/selftests/kselftest_harness.h \
		   tools/testing/selftests/kselftest.h \
		   scripts/checkpatch.pl scripts/spelling.txt \
		   scripts/const_structs.checkpatch
LINUX_SRC := $(O)/linux-src

# For selftests (-isystem $(KSFT_DIR)) and `make lint`; depend on the files
# themselves: $(KSFT_DIR)/kselftest_harness.h, $(CHECKPATCH).
KSFT_DIR := $(LINUX_SRC)/tools/testing/selftests
CHECKPATCH := $(LINUX_SRC)/scripts/checkpatch.pl
export KSFT_DIR CHECKPATCH

# Just these members out of the 140 MB tarball (about 6 s); extracted into a
# scratch folder first so an interrupted run leaves nothing half-written.
# -m: fresh mtimes, or the files would look older than the tarball forever.
$(addprefix $(LINUX_SRC)/,$(LINUX_SRC_FILES)) &: $(wildcard $(LINUX_SRC_TAR)) | deps-check
	@echo '  EXTRACT $(LINUX_SRC)'
	@rm -rf $(LINUX_SRC).tmp && mkdir -p $(LINUX_SRC).tmp
	@xz -dc -T2 $(LINUX_SRC_TAR) | \
		tar -x -m --occurrence=1 --strip-components=1 -C $(LINUX_SRC).tmp \
		$(addprefix linux-source-6.1/,$(LINUX_SRC_FILES))
	@rm -rf $(LINUX_SRC) && mv $(LINUX_SRC).tmp $(LINUX_SRC)

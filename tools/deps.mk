# SPDX-License-Identifier: GPL-2.0
# Test dependencies.  `make deps` installs the missing Debian packages and
# fetches the kernel sources for every kernel of `make test`
# (tools/deps.sh); the test and demo targets do it for the kernel they
# name.  Building the module, the library and the CLI needs none of it.
#
# kselftest's harness and checkpatch come out of the newest kernel source
# of the matrix, linux-source-7.3, into build/linux-src/.

.PHONY: deps
deps:
	@tools/deps.sh

FASTIPC_CACHE ?= /var/cache/fastipc
LINUX_SRC_VER := 7.3
LINUX_SRC_TAR := $(FASTIPC_CACHE)/linux-source-$(LINUX_SRC_VER)/linux-source-$(LINUX_SRC_VER).tar.xz
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

$(LINUX_SRC_TAR):
	@tools/deps.sh --quiet 7.3-debug

# Just these members out of the 160 MB tarball (about 6 s); extracted into
# a scratch folder first so an interrupted run leaves nothing half-written.
# -m: fresh mtimes, or the files would look older than the tarball forever.
$(addprefix $(LINUX_SRC)/,$(LINUX_SRC_FILES)) &: $(LINUX_SRC_TAR)
	@echo '  EXTRACT $(LINUX_SRC)'
	@rm -rf $(LINUX_SRC).tmp && mkdir -p $(LINUX_SRC).tmp
	@xz -dc -T2 $(LINUX_SRC_TAR) | \
		tar -x -m --occurrence=1 --strip-components=1 -C $(LINUX_SRC).tmp \
		$(addprefix linux-source-$(LINUX_SRC_VER)/,$(LINUX_SRC_FILES))
	@rm -rf $(LINUX_SRC) && mv $(LINUX_SRC).tmp $(LINUX_SRC)

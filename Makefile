# SPDX-License-Identifier: GPL-2.0
# fastipc: top-level build.  `make` builds the module, libfastipc, the CLI
# and the tests; `make help` lists the other targets.

# The kernel the module is built for: the newest one whose headers are
# installed, never `uname -r` (the host kernel is not the test VM's).
KDIR ?= $(lastword $(sort $(wildcard /lib/modules/*/build)))
KVER = $(notdir $(patsubst %/build,%,$(KDIR)))
O := $(CURDIR)/build

CC ?= cc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(CFLAGS) \
	       -I$(CURDIR)/lib

.PHONY: all module clean help test
all: module lib tools selftests

# The README's test command (and .ci/run): lint, then every test in the
# test VM on the stock and on the debug kernel; ends "N passed, N failed".
test:
	@tools/vm/test-all

# Where kbuild builds the module: in the tree for the default kernel, in a
# copy of the sources for another one (KERNEL=debug), so that the two
# builds never overwrite each other's fastipc.ko.
MOD_DIR ?= $(CURDIR)
module: | deps-check
	@if [ "$(MOD_DIR)" != "$(CURDIR)" ]; then \
		mkdir -p $(MOD_DIR) && cp -ru Kbuild kmod $(MOD_DIR)/; fi
	$(MAKE) -C $(KDIR) M=$(MOD_DIR) modules

include tools/deps.mk
include lib/lib.mk
include tools/tools.mk
include selftests/selftests.mk
include tools/vm/vm.mk
include tools/lint/lint.mk

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(O)

help:
	@echo 'make              module, library, CLI and tests'
	@echo 'make deps         install missing Debian packages (root)'
	@echo 'make demo         main job: boot the test VM, load the module, run the demo/benchmark'
	@echo 'make check        every test in the test VM; ends with "N passed, N failed"'
	@echo 'make vm-shell     interactive shell in the test VM with the module loaded'
	@echo 'make lint         checkpatch --strict, W=1 C=1 module build, -Werror userspace'
	@echo 'make install      install library, headers, CLI and man pages (PREFIX=/usr/local)'
	@echo 'KDIR=<dir>        build the module against another kernel tree'

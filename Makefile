# SPDX-License-Identifier: GPL-2.0
# fastipc: top-level build.  `make` builds the module, libfastipc and the
# CLI; `make help` lists the other targets.

# The kernel the module is built for:
#   make                 the running kernel, as any out-of-tree driver
#   make KERNEL=NAME     one of the test VM's kernels (tools/vm/kernel
#                        names); the test and demo targets name theirs
#   make KDIR=DIR        any other kernel build tree
# The test VM targets boot Debian 12's 6.1 unless KERNEL says otherwise.
ifneq ($(filter check demo vm-shell,$(MAKECMDGOALS)),)
KERNEL ?= 6.1
endif
O := $(CURDIR)/build
ifdef KERNEL
KDIR := $(shell tools/vm/kernel kdir $(KERNEL))
# A copy of the sources per kernel, so builds never overwrite each
# other's fastipc.ko.
MOD_DIR := $(O)/mod-$(KERNEL)
else
KDIR ?= /lib/modules/$(shell uname -r)/build
MOD_DIR := $(CURDIR)
endif

CC ?= cc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(CFLAGS) \
	       -I$(CURDIR)/lib

.PHONY: all module clean help test
all: module lib tools

# The README's test command (and .ci/run): lint, then every test in the
# test VM on each kernel of the matrix; ends "N passed, N failed".
test:
	@tools/vm/test-all

module:
ifdef KERNEL
	@tools/vm/kernel prepare $(KERNEL)
endif
	@if [ ! -d "$(KDIR)" ]; then \
		echo "module: no kernel build tree at $(KDIR)" >&2; \
		echo "module: install the headers of the running kernel (Debian: apt install linux-headers-$$(uname -r))," >&2; \
		echo "module: or build for another one: make KDIR=/lib/modules/VERSION/build, or make KERNEL=NAME (tools/vm/kernel names)" >&2; \
		exit 1; fi
	@if [ "$(MOD_DIR)" != "$(CURDIR)" ]; then \
		mkdir -p $(MOD_DIR) && cp -ru Kbuild VERSION kmod $(MOD_DIR)/; fi
	$(MAKE) -C $(KDIR) M=$(MOD_DIR) modules

include tools/deps.mk
include lib/lib.mk
include lib/man.mk
include lib/abi.mk
include tools/tools.mk
include selftests/selftests.mk
include tools/vm/vm.mk
include tools/lint/lint.mk
include tools/install.mk

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(O)

help:
	@echo 'make              module (for the running kernel), library and CLI'
	@echo 'make deps         install what the tests and the test VM need (root)'
	@echo 'make demo         main job: boot the test VM, load the module, run the benchmark'
	@echo 'make test         lint, then every test on every kernel; ends "N passed, N failed"'
	@echo 'make check        every test in the test VM on one kernel (KERNEL=6.1 by default)'
	@echo 'make vm-shell     interactive shell in the test VM with the module loaded'
	@echo 'make lint         checkpatch --strict, W=1 C=1 module builds, -Werror userspace'
	@echo 'make install      the module, library, headers, CLI, man pages (PREFIX=/usr/local, DESTDIR)'
	@echo 'make uninstall    remove what make install installed'
	@echo 'make modules_install  the module into /lib/modules/KVER/updates, then depmod'
	@echo 'make install-dkms the module as a DKMS source: rebuilt for every kernel'
	@echo 'KERNEL=<name>     the test VM kernel to build for and boot: tools/vm/kernel names'
	@echo 'KDIR=<dir>        build the module against another kernel tree'

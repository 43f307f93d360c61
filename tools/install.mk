# SPDX-License-Identifier: GPL-2.0
# Installing fastipc like any out-of-tree driver and library, included by
# the top-level Makefile after the other .mk files.
#
#   make install          the library, headers, pkg-config file, the CLI,
#                         the man pages, the module for KVER and the files
#                         that load it at boot and set /dev/fastipc's mode
#   make uninstall        removes exactly what make install put there
#   make modules_install  the module alone, into /lib/modules/KVER/updates,
#                         then depmod
#   make install-dkms     the module's source into /usr/src/fastipc-VERSION
#                         and dkms add, build and install it: rebuilt for
#                         every installed kernel and each new one
#   make uninstall-dkms   dkms remove it, and the source
#
# Everything honours DESTDIR (a staging root: no depmod, no dkms then) and
# PREFIX (/usr/local), LIBDIR, INCLUDEDIR, PKGCONFIGDIR, BINDIR, MANDIR,
# MODULESLOADDIR, UDEVRULESDIR, BASHCOMPDIR; the module goes where the
# kernel looks, /lib/modules, whatever PREFIX says.  KVER is the kernel the
# module was built for (the running one unless KERNEL= or KDIR= says).

MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
# The release the module is for: the N of /lib/modules/N/build (Debian's
# headers carry the upstream version in kernel.release), else the tree's.
KVER = $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
MODULE_DEST = $(DESTDIR)/lib/modules/$(KVER)/updates/fastipc.ko
DKMS_SRC = $(DESTDIR)/usr/src/fastipc-$(FASTIPC_VERSION)

# Every file make install writes, outside the module, for make uninstall.
INSTALLED_FILES = \
	$(LIBDIR)/$(LIB_REALNAME) $(LIBDIR)/$(LIB_SONAME) \
	$(LIBDIR)/libfastipc.so $(LIBDIR)/libfastipc.a \
	$(INCLUDEDIR)/fastipc.h $(INCLUDEDIR)/linux/fastipc.h \
	$(PKGCONFIGDIR)/fastipc.pc \
	$(INSTALLED_TOOLS) $(INSTALLED_MAN) \
	$(MODULESLOADDIR)/fastipc.conf $(UDEVRULESDIR)/60-fastipc.rules

.PHONY: install uninstall modules_install install-system install-dkms \
	install-dkms-source uninstall-dkms
install: install-lib install-tools install-man install-system modules_install

install-system:
	$(INSTALL) -D -m 644 tools/system/modules-load.conf \
		$(DESTDIR)$(MODULESLOADDIR)/fastipc.conf
	$(INSTALL) -D -m 644 tools/system/60-fastipc.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-fastipc.rules

modules_install: module
	@test -n "$(KVER)" || { echo "modules_install: which kernel is $(KDIR)?" >&2; exit 1; }
	$(INSTALL) -D -m 644 $(MODULE_KO) $(MODULE_DEST)
	@if [ -z "$(DESTDIR)" ]; then echo "  DEPMOD  $(KVER)"; depmod -a $(KVER); fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/linux 2>/dev/null
	@if [ -n "$(KVER)" ] && [ -e $(MODULE_DEST) ]; then \
		rm -f $(MODULE_DEST); \
		if [ -z "$(DESTDIR)" ]; then echo "  DEPMOD  $(KVER)"; depmod -a $(KVER); fi; \
	fi

# The module's source as DKMS wants it: Kbuild, VERSION, kmod/, dkms.conf.
install-dkms-source:
	$(INSTALL) -d $(DKMS_SRC)/kmod/uapi
	$(INSTALL) -m 644 Kbuild VERSION $(DKMS_SRC)/
	$(INSTALL) -m 644 kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/
	$(INSTALL) -m 644 kmod/uapi/fastipc.h $(DKMS_SRC)/kmod/uapi/
	sed 's/#MODULE_VERSION#/$(FASTIPC_VERSION)/g' kmod/dkms.conf.in \
		> $(DKMS_SRC)/dkms.conf

install-dkms: install-dkms-source install-system
	@if [ -z "$(DESTDIR)" ]; then \
		dkms add -m fastipc -v $(FASTIPC_VERSION) && \
		dkms build -m fastipc -v $(FASTIPC_VERSION) && \
		dkms install -m fastipc -v $(FASTIPC_VERSION); fi

uninstall-dkms:
	-dkms remove -m fastipc -v $(FASTIPC_VERSION) --all
	rm -rf $(DKMS_SRC)
	rm -f $(DESTDIR)$(MODULESLOADDIR)/fastipc.conf \
		$(DESTDIR)$(UDEVRULESDIR)/60-fastipc.rules

# The Debian packages (debian/), built from a copy of the tree's files
# (tracked and new ones, not the ignored build output) in build/deb-src,
# so that the package's clean never touches this tree's build/; the
# .debs land in build/deb/.  Needs the packages of make deps
# (debhelper, dh-dkms, linux-source-6.1...).
DEB_SRC := $(O)/deb-src/fastipc-$(FASTIPC_VERSION)

.PHONY: deb
deb:
	rm -rf $(O)/deb-src $(O)/deb
	mkdir -p $(DEB_SRC) $(O)/deb
	git ls-files -z --cached --others --exclude-standard | \
		xargs -0 tar -c | tar -x -C $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	mv $(O)/deb-src/*.deb $(O)/deb/
	@ls $(O)/deb

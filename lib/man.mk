# SPDX-License-Identifier: GPL-2.0
# The library's manual pages, included by the top-level Makefile after
# lib/lib.mk:
#
#   make man          build/man/man3/fastipc_*.3, one per exported
#                     function, from the /** kernel-doc comments of
#                     lib/fastipc.h, and build/man/man7/fastipc.7
#   make install-man  both into $(MANDIR)
#
# kernel-doc is the kernel's own (scripts/kernel-doc -man), taken from
# Debian 12's linux-source-6.1 (make deps installs it): its output is
# turned from the kernel's section 9 into section 3 and points to
# fastipc(7).

MAN_O := $(O)/man
KERNEL_DOC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KERNEL_DOC := $(O)/kernel-doc/scripts/kernel-doc
# Every function libfastipc exports: its symbol map is the list.
LIB_FUNCS := $(sort $(shell grep -oE 'fastipc_[a-z0-9_]+' $(LIB_MAP)))
MAN3_PAGES := $(patsubst %,$(MAN_O)/man3/%.3,$(LIB_FUNCS))
MAN7_PAGE := $(MAN_O)/man7/fastipc.7
# The date on the pages: the release's (dpkg sets SOURCE_DATE_EPOCH),
# else the last commit's, so that a rebuild writes the same pages.
MAN_DATE := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)} +%Y-%m-%d)
INSTALLED_MAN = $(patsubst $(MAN_O)/%,$(MANDIR)/%,$(MAN3_PAGES) $(MAN7_PAGE))

.PHONY: man install-man
man: $(MAN3_PAGES) $(MAN7_PAGE)

$(KERNEL_DOC):
	@test -r $(KERNEL_DOC_TAR) || { echo "man: no $(KERNEL_DOC_TAR): make deps (linux-source-6.1)" >&2; exit 1; }
	@echo '  EXTRACT $@'
	@rm -rf $(O)/kernel-doc.tmp && mkdir -p $(O)/kernel-doc.tmp
	@xz -dc -T2 $(KERNEL_DOC_TAR) | tar -x -m --occurrence=1 \
		--strip-components=1 -C $(O)/kernel-doc.tmp \
		linux-source-6.1/scripts/kernel-doc
	@rm -rf $(O)/kernel-doc && mv $(O)/kernel-doc.tmp $(O)/kernel-doc

# One page per function; kernel-doc's warnings (an undocumented parameter)
# fail the build.
$(MAN_O)/man3/%.3: lib/fastipc.h $(KERNEL_DOC) VERSION
	@mkdir -p $(@D)
	@$(KERNEL_DOC) -man -function $* $< 2>$@.err > $@.tmp
	@if [ -s $@.err ]; then cat $@.err >&2; rm -f $@.tmp; exit 1; fi
	@grep -q '^\.SH NAME' $@.tmp || { echo "man: no kernel-doc comment for $*" >&2; rm -f $@.tmp; exit 1; }
	@sed -e '1s/.*/.TH "$*" 3 "$(MAN_DATE)" "libfastipc $(FASTIPC_VERSION)" "libfastipc manual"/' \
	     -e 's/^\.SH "RETURN"$$/.SH "RETURN VALUE"/' $@.tmp > $@
	@printf '.SH "SEE ALSO"\n.BR fastipc (7)\n' >> $@
	@rm -f $@.tmp $@.err
	@echo '  MAN     $@'

$(MAN7_PAGE): Documentation/fastipc.7 VERSION
	@mkdir -p $(@D)
	@sed -e 's/@VERSION@/$(FASTIPC_VERSION)/g' -e 's/@DATE@/$(MAN_DATE)/g' $< > $@
	@echo '  MAN     $@'

install-man: man
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 644 $(MAN3_PAGES) $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 $(MAN7_PAGE) $(DESTDIR)$(MANDIR)/man7/

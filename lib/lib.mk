# SPDX-License-Identifier: GPL-2.0
# libfastipc, included by the top-level Makefile (which defines O, CC,
# CFLAGS and USER_CFLAGS).
#
#   make lib            build/lib/libfastipc.so.$(FASTIPC_VERSION) (soname
#                       libfastipc.so.0, with its symlinks), libfastipc.a
#                       and fastipc.pc
#   make install-lib    the library, <fastipc.h>, <linux/fastipc.h> (the
#                       uapi) and fastipc.pc under $(DESTDIR)$(PREFIX)
#
# Installation directories: PREFIX (/usr/local), LIBDIR ($(PREFIX)/lib:
# set it to e.g. /usr/lib/x86_64-linux-gnu for a multiarch system
# install), INCLUDEDIR ($(PREFIX)/include), PKGCONFIGDIR
# ($(LIBDIR)/pkgconfig).
#
# For other in-tree programs that use the library (the CLI, selftests):
#   FASTIPC_CPPFLAGS  put it before $(USER_CFLAGS): <fastipc.h> is then the
#                     library header (USER_CFLAGS alone finds the uapi
#                     kmod/uapi/fastipc.h under that name first) and
#                     <linux/fastipc.h> the uapi, as once installed
#   FASTIPC_LIBS      link the static library (no LD_LIBRARY_PATH needed)
#   FASTIPC_UAPI_HDR  make it an order-only prerequisite of objects that
#                     include <fastipc.h>

# The one version of the module, the library, the tools, the man pages
# and the packages.
FASTIPC_VERSION := $(shell cat $(CURDIR)/VERSION)
FASTIPC_SOVERSION := 0

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install

LIB_O := $(O)/lib
LIB_SRCS := lib/chan.c lib/copy.c lib/window.c lib/zerocopy.c lib/call.c \
	    lib/sender.c lib/fds.c
LIB_OBJS := $(patsubst lib/%.c,$(LIB_O)/%.o,$(LIB_SRCS))
LIB_MAP := lib/libfastipc.map
LIB_SONAME := libfastipc.so.$(FASTIPC_SOVERSION)
LIB_REALNAME := libfastipc.so.$(FASTIPC_VERSION)
LIB_SO := $(LIB_O)/$(LIB_REALNAME)
LIB_SO_LINKS := $(LIB_O)/$(LIB_SONAME) $(LIB_O)/libfastipc.so
LIB_A := $(LIB_O)/libfastipc.a
LIB_PC := $(LIB_O)/fastipc.pc

# <linux/fastipc.h> in the build tree: a copy of the uapi header.
FASTIPC_UAPI_INC := $(O)/include
FASTIPC_UAPI_HDR := $(FASTIPC_UAPI_INC)/linux/fastipc.h

FASTIPC_CPPFLAGS := -I$(CURDIR)/lib -I$(FASTIPC_UAPI_INC)
FASTIPC_LIBS := $(LIB_A) -pthread

LIB_CFLAGS := $(FASTIPC_CPPFLAGS) $(USER_CFLAGS) -pthread -fPIC \
	      -fvisibility=hidden

.PHONY: lib install-lib lib-pc-force
lib: $(LIB_SO) $(LIB_SO_LINKS) $(LIB_A) $(LIB_PC)

$(FASTIPC_UAPI_HDR): kmod/uapi/fastipc.h
	@mkdir -p $(@D)
	cp $< $@

$(LIB_O)/%.o: lib/%.c | $(FASTIPC_UAPI_HDR)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -pthread -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(LIB_MAP) -Wl,-z,defs \
		-o $@ $(LIB_OBJS)

$(LIB_O)/$(LIB_SONAME): $(LIB_SO)
	ln -sf $(LIB_REALNAME) $@

$(LIB_O)/libfastipc.so: $(LIB_O)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# Rewritten only when its text changes (PREFIX on the command line).
$(LIB_PC): lib/fastipc.pc.in lib-pc-force
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' \
	     -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	     -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	     -e 's|@VERSION@|$(FASTIPC_VERSION)|' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; \
		echo "  GEN     $@"; fi

install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux
	$(INSTALL) -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(LIB_REALNAME)
	ln -sf $(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libfastipc.so
	$(INSTALL) -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libfastipc.a
	$(INSTALL) -m 644 lib/fastipc.h $(DESTDIR)$(INCLUDEDIR)/fastipc.h
	$(INSTALL) -m 644 kmod/uapi/fastipc.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/fastipc.h
	$(INSTALL) -m 644 $(LIB_PC) $(DESTDIR)$(PKGCONFIGDIR)/fastipc.pc


-include $(LIB_OBJS:.o=.d)

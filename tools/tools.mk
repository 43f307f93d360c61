# SPDX-License-Identifier: GPL-2.0
# The command-line tools, included by the top-level Makefile after
# lib/lib.mk (whose FASTIPC_CPPFLAGS, FASTIPC_LIBS and FASTIPC_VERSION
# they use).
#
#   make tools          build/tools/fastipc (the CLI) and its man page
#                       build/tools/fastipc.8, build/tools/fastipc-demo and
#                       build/tools/fastipc-bench (the comparison
#                       benchmark, tools/bench/bench.mk)
#   make install-tools  fastipc into $(BINDIR), its man page into
#                       $(MANDIR), its bash completion into $(BASHCOMPDIR);
#                       not fastipc-demo (a look from the source tree, make
#                       demo) nor fastipc-bench (make install-bench)
#
# The tools link libfastipc statically, so they run from the build tree
# (and in the test VM) without LD_LIBRARY_PATH.  A command that needs more
# libraries (the netlink ones: libnl-3) adds its file to CLI_SRCS and its
# flags to CLI_CFLAGS and CLI_LDLIBS.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

TOOLS_O := $(O)/tools
TOOLS_OBJ := $(TOOLS_O)/obj

CLI_SRCS := tools/fastipc/main.c tools/fastipc/util.c tools/fastipc/output.c \
	    tools/fastipc/cmd_channel.c tools/fastipc/cmd_msg.c \
	    tools/fastipc/cmd_stats.c
CLI_CFLAGS ?=
CLI_LDLIBS ?=
# The control plane: netlink.c is the one file that uses libnl-genl-3
# (-isystem: its headers are not -Wextra clean).
CLI_SRCS += tools/fastipc/netlink.c tools/fastipc/cmd_nl.c
CLI_CFLAGS += $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libnl-genl-3.0))
CLI_LDLIBS += $(shell pkg-config --libs libnl-genl-3.0)
CLI_OBJS := $(patsubst tools/%.c,$(TOOLS_OBJ)/%.o,$(CLI_SRCS))
CLI := $(TOOLS_O)/fastipc

# The installed man page: Documentation/fastipc.8 with the version of this
# build in its title line, so that it says what fastipc --version says
# (cli.bats checks that the source agrees too).
CLI_MAN := $(TOOLS_O)/fastipc.8

DEMO_SRCS := tools/demo/demo.c
DEMO_OBJS := $(patsubst tools/%.c,$(TOOLS_OBJ)/%.o,$(DEMO_SRCS))
DEMO := $(TOOLS_O)/fastipc-demo

TOOLS_CFLAGS := $(FASTIPC_CPPFLAGS) $(USER_CFLAGS) \
		-DFASTIPC_VERSION='"$(FASTIPC_VERSION)"'

include tools/bench/bench.mk

.PHONY: tools install-tools
tools: $(CLI) $(DEMO) $(BENCH) $(CLI_MAN)

$(CLI_MAN): Documentation/fastipc.8 lib/lib.mk
	@mkdir -p $(@D)
	sed -E '/^\.TH /s/"fastipc [^"]*"/"fastipc $(FASTIPC_VERSION)"/' $< >$@

$(TOOLS_OBJ)/%.o: tools/%.c | $(FASTIPC_UAPI_HDR)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(CLI_CFLAGS) -MMD -MP -c -o $@ $<

$(CLI): $(CLI_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(FASTIPC_LIBS) \
		$(CLI_LDLIBS)

$(DEMO): $(DEMO_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(DEMO_OBJS) $(FASTIPC_LIBS)

# What install-tools writes (tools/install.mk's uninstall removes it).
INSTALLED_TOOLS = $(BINDIR)/fastipc $(MANDIR)/man8/fastipc.8 \
		  $(BASHCOMPDIR)/fastipc

install-tools: tools
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(CLI_MAN) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 644 tools/fastipc/fastipc.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/fastipc


-include $(CLI_OBJS:.o=.d) $(DEMO_OBJS:.o=.d)

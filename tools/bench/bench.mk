# SPDX-License-Identifier: GPL-2.0
# fastipc-bench, the comparison benchmark (Documentation/benchmarks.md):
# a program of its own, build/tools/fastipc-bench, which `make tools`
# builds, `make demo` runs and `fastipc bench` runs.  It shares the option
# helpers of the CLI (tools/fastipc/util.c) and none of its commands.
# Included by tools/tools.mk.
#
#   make install-bench  fastipc-bench into $(BINDIR)
#
# install-tools leaves it out: it is a developer's measurement, not an
# administration tool (run as root it raises system limits for minutes,
# and it takes every CPU it is given); a package that ships it (a tools
# package) installs it with install-bench.

BENCH_SRCS := $(sort $(wildcard tools/bench/*.c)) tools/fastipc/util.c
BENCH_OBJS := $(patsubst tools/%.c,$(TOOLS_OBJ)/%.o,$(BENCH_SRCS))
BENCH := $(TOOLS_O)/fastipc-bench

.PHONY: install-bench
# --wrap: the call workload counts every ioctl, read and write,
# libfastipc's too (tools/bench/call.c).
$(BENCH): $(BENCH_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--wrap=ioctl,--wrap=read,--wrap=write -o $@ $(BENCH_OBJS) \
		$(FASTIPC_LIBS)

install-bench: $(BENCH)
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(BENCH) $(DESTDIR)$(BINDIR)/

-include $(BENCH_OBJS:.o=.d)

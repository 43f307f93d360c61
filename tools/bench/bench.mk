# SPDX-License-Identifier: GPL-2.0
# fastipc bench, the comparison benchmark (Documentation/benchmarks.md):
# its engine is linked into the fastipc CLI as the `bench` command.
# Included by tools/tools.mk before CLI_OBJS is computed.

BENCH_SRCS := $(sort $(wildcard tools/bench/*.c))
CLI_SRCS += $(BENCH_SRCS)

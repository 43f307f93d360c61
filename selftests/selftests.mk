# SPDX-License-Identifier: GPL-2.0
# The selftests; included by the top Makefile, run from the repository root.
#
# Every selftests/*_test.c is a kselftest-harness program and becomes
# $(O)/selftests/*_test: a new test file is picked up just by existing.
# selftests/run.sh runs each of them (and every selftests/*.bats) in the
# test VM.  $(O)/selftests/fipc_util is a small helper for the .bats files
# (it is not a test: its name does not end in _test).
#
# kselftest_harness.h comes from Debian's linux-source (tools/deps.mk
# extracts it); KSFT_DIR=<dir> points the build at another copy.  It is
# included with -isystem: with -I, -Wextra -Werror trips on an unused
# parameter inside it.

KSFT_DIR ?= $(O)/linux-src/tools/testing/selftests

SELFTEST_SRCS := $(wildcard selftests/*_test.c)
SELFTEST_BINS := $(SELFTEST_SRCS:selftests/%.c=$(O)/selftests/%)
SELFTEST_UTILS := $(O)/selftests/fipc_util
SELFTEST_HDRS := $(wildcard selftests/*.h) kmod/uapi/fastipc.h
SELFTEST_LDLIBS := -pthread

.PHONY: selftests
selftests: $(SELFTEST_BINS) $(SELFTEST_UTILS)

$(O)/selftests:
	mkdir -p $@

$(O)/selftests/%_test: selftests/%_test.c $(SELFTEST_HDRS) \
		$(KSFT_DIR)/kselftest_harness.h | $(O)/selftests
	$(CC) $(USER_CFLAGS) -isystem $(KSFT_DIR) -o $@ $< $(SELFTEST_LDLIBS)

# libfastipc, linked statically; its read(2) and ioctl(2) calls counted
# (--wrap).
# It also dlopen()s the shared library to call an older symbol version.
$(O)/selftests/lib_test: selftests/lib_test.c $(SELFTEST_HDRS) lib/fastipc.h \
		$(LIB_A) $(LIB_SO) $(KSFT_DIR)/kselftest_harness.h | $(O)/selftests
	$(CC) $(FASTIPC_CPPFLAGS) $(USER_CFLAGS) -isystem $(KSFT_DIR) -o $@ $< \
		-Wl,--wrap=read,--wrap=ioctl $(FASTIPC_LIBS)

# libfastipc on a module that answers less (hide_ioctls).
$(O)/selftests/compat_test: selftests/compat_test.c $(SELFTEST_HDRS) lib/fastipc.h \
		$(LIB_A) $(KSFT_DIR)/kselftest_harness.h | $(O)/selftests
	$(CC) $(FASTIPC_CPPFLAGS) $(USER_CFLAGS) -isystem $(KSFT_DIR) -o $@ $< \
		$(FASTIPC_LIBS)

# The benchmark's payload code, tested on its own.
$(O)/selftests/payload_test: selftests/payload_test.c tools/bench/payload.c \
		tools/bench/bench.h $(KSFT_DIR)/kselftest_harness.h | $(O)/selftests
	$(CC) $(USER_CFLAGS) -isystem $(KSFT_DIR) -Itools/bench -o $@ $< \
		tools/bench/payload.c

$(O)/selftests/fipc_util: selftests/fipc_util.c kmod/uapi/fastipc.h | $(O)/selftests
	$(CC) $(USER_CFLAGS) -o $@ $<

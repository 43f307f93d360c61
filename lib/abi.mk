# SPDX-License-Identifier: GPL-2.0
# libfastipc's ABI against the baseline kept in lib/libfastipc.abi
# (libabigail's abidw/abidiff, Debian 12's abigail-tools):
#
#   make abi-check     fails when the built library's ABI differs from the
#                      baseline in anything but added symbols: a removed
#                      or changed function, a changed public structure
#   make abi-baseline  rewrite the baseline from the built library
#
# Only the public headers count (lib/fastipc.h and the uapi header):
# struct fastipc_chan is opaque and may change freely.  A change that is
# compatible by the uapi's rules (a __reserved field put to use, a struct
# grown at its end behind a *_SIZE_VER check) still shows here: rewrite the
# baseline in the same commit and say in its message why it is compatible.
# New functions need no new baseline but belong in one with their version.

ABI_BASELINE := lib/libfastipc.abi
ABI_CURRENT := $(LIB_O)/libfastipc.abi
# Absolute header paths: abidw matches them against the debug info's.
ABIDW_FLAGS := --no-corpus-path --no-comp-dir-path --no-show-locs \
	       --drop-undefined-syms --drop-private-types \
	       --header-file $(CURDIR)/lib/fastipc.h \
	       --header-file $(FASTIPC_UAPI_HDR)

.PHONY: abi-check abi-baseline
$(ABI_CURRENT): $(LIB_SO)
	abidw $(ABIDW_FLAGS) --out-file $@ $<

abi-check: $(ABI_CURRENT)
	@echo '  ABIDIFF  $(ABI_BASELINE) $(LIB_REALNAME)'
	@abidiff --no-added-syms $(ABI_BASELINE) $(ABI_CURRENT) || { \
		echo "abi-check: libfastipc's ABI changed (above); if it is compatible, make abi-baseline (lib/abi.mk)" >&2; \
		exit 1; }

abi-baseline: $(ABI_CURRENT)
	cp $(ABI_CURRENT) $(ABI_BASELINE)

// SPDX-License-Identifier: GPL-2.0
/* fastipc-suite: userspace (selftests/run.sh) */
/*
 * The benchmark's payload (tools/bench/payload.c): what every mechanism's
 * receiver checks must accept exactly the message that was sent and
 * reject any other, with the word loops and with the AVX2 loops, at any
 * length and buffer alignment.  It needs no module.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "bench.h"

#define MAX_LEN	(64 * 1024 + 64)

static const size_t lens[] = {
	8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 135, 136,
	137, 255, 256, 257, 1000, 4095, 4096, 4097, 65536, 65541,
};

/*
 * Taken for message @seq?  A receiver also compares the number it gets
 * with the one it expects: an 8-byte message is nothing but its number.
 */
static bool taken_for(const void *buf, size_t len, uint64_t seq)
{
	uint64_t got;

	return payload_check(buf, len, &got) && got == seq;
}

FIXTURE(payload) {
	unsigned char *buf;
};

FIXTURE_VARIANT(payload) {
	bool wide;
};

FIXTURE_VARIANT_ADD(payload, words) { .wide = false };
FIXTURE_VARIANT_ADD(payload, wide) { .wide = true };

FIXTURE_SETUP(payload)
{
	self->buf = aligned_alloc(64, MAX_LEN + 64);
	ASSERT_NE(NULL, self->buf);
	payload_wide = variant->wide;
	if (variant->wide && !__builtin_cpu_supports("avx2"))
		SKIP(return, "no AVX2 on this CPU");
}

FIXTURE_TEARDOWN(payload)
{
	free(self->buf);
	payload_wide = true;
}

TEST_F(payload, whole_message_accepted)
{
	size_t i, off;
	uint64_t seq;

	for (off = 0; off < 8; off++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			unsigned char *p = self->buf + off;

			payload_fill(p, lens[i], 1000 + i);
			seq = 0;
			ASSERT_TRUE(payload_check(p, lens[i], &seq))
				TH_LOG("%zu B at offset %zu", lens[i], off);
			ASSERT_EQ(1000 + i, seq);
		}
	}
}

/* Either loop writes and reads the same bytes as the other. */
TEST_F(payload, same_bytes_as_word_loops)
{
	unsigned char *ref = malloc(MAX_LEN);
	uint64_t seq;
	size_t i;

	ASSERT_NE(NULL, ref);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		payload_wide = false;
		payload_fill(ref, lens[i], 7);
		payload_wide = variant->wide;
		payload_fill(self->buf + 3, lens[i], 7);
		ASSERT_EQ(0, memcmp(ref, self->buf + 3, lens[i]))
			TH_LOG("%zu B", lens[i]);
		ASSERT_TRUE(payload_check(ref, lens[i], &seq));
	}
	free(ref);
}

/* One changed byte anywhere, in the wide part or the tail, is caught. */
TEST_F(payload, any_corrupt_byte_rejected)
{
	size_t i, at;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];
		size_t step = len > 300 ? len / 97 + 1 : 1;

		for (at = 0; at < len; at += step) {
			payload_fill(self->buf, len, 42);
			self->buf[at] ^= 0x10;
			ASSERT_FALSE(taken_for(self->buf, len, 42))
				TH_LOG("%zu B, byte %zu changed", len, at);
		}
		payload_fill(self->buf, len, 42);
		self->buf[len - 1] += 1;
		ASSERT_FALSE(taken_for(self->buf, len, 42));
	}
}

/*
 * Another message's words under this number, or less than a word.  (A
 * message cut short is the receivers' length check's to catch: they
 * compare the length before the payload.)
 */
TEST_F(payload, other_or_short_message_rejected)
{
	uint64_t seq, w0;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];

		payload_fill(self->buf, len, 5);
		w0 = 6;
		memcpy(self->buf, &w0, sizeof(w0));
		ASSERT_FALSE(taken_for(self->buf, len, 5))
			TH_LOG("%zu B with another number", len);
		if (len >= 16)
			ASSERT_FALSE(payload_check(self->buf, len, &seq))
				TH_LOG("%zu B: words of 5, number 6", len);
		ASSERT_FALSE(payload_check(self->buf, 7, &seq));
	}
}

TEST_HARNESS_MAIN

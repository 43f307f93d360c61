// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the payload of a message, written and read in full.
 *
 * Fairness rule: the sender writes every byte of every message into the
 * buffer the mechanism gives it, and the receiver reads every byte of
 * what it receives.  A message of n 64-bit words is
 *
 *   w[0] = seq,  w[i] = base(seq) + i * STEP  (1 <= i < n)
 *
 * and the bytes of a tail shorter than a word are those of the next word.
 * The receiver sums w[1..n-1] (one load and one add per word, or per four
 * words with AVX2: as cheap as reading gets) and compares with the closed
 * form of that sum, so a lost, truncated, stale or corrupted message, or
 * one from another sequence number, is caught without the receiver
 * writing anything.
 */
#include <string.h>

#include "bench.h"

#define PAT_MUL		0x9e3779b97f4a7c15ULL
#define PAT_ADD		0x632be59bd9b4e019ULL
#define PAT_STEP	0xd1b54a32d192ed03ULL

static inline uint64_t pat_base(uint64_t seq)
{
	return seq * PAT_MUL + PAT_ADD;
}

/* w[i] = base + i * STEP for from <= i < to, a word at a time. */
static void fill_words(uint64_t *w, size_t from, size_t to, uint64_t base)
{
	uint64_t v = base + from * PAT_STEP;
	size_t i;

	for (i = from; i + 4 <= to; i += 4) {
		w[i] = v;
		w[i + 1] = v + PAT_STEP;
		w[i + 2] = v + 2 * PAT_STEP;
		w[i + 3] = v + 3 * PAT_STEP;
		v += 4 * PAT_STEP;
	}
	for (; i < to; i++) {
		w[i] = v;
		v += PAT_STEP;
	}
}

/* w[from] + ... + w[to - 1], modulo 2^64. */
static uint64_t sum_words(const uint64_t *w, size_t from, size_t to)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i;

	for (i = from; i + 4 <= to; i += 4) {
		s0 += w[i];
		s1 += w[i + 1];
		s2 += w[i + 2];
		s3 += w[i + 3];
	}
	for (; i < to; i++)
		s0 += w[i];
	return s0 + s1 + s2 + s3;
}

/* Tests turn the wide loops off to check the word loops too. */
bool payload_wide = true;

#if defined(__x86_64__) || defined(__i386__)
/*
 * The same, 32 bytes per load or store, where the CPU has AVX2.  Under
 * software emulation a load costs about the same whatever its width, so
 * reading a message a word at a time costs more than memcpy()ing it
 * (which uses the widest vectors the CPU has): the wide loop keeps the
 * benchmark's own touching of the data from outweighing the mechanisms
 * it measures.  On hardware both run at memory speed.
 */
typedef uint64_t u64x4 __attribute__((vector_size(32)));

__attribute__((target("avx2")))
static size_t fill_words_avx2(uint64_t *w, size_t from, size_t to,
			      uint64_t base)
{
	const uint64_t v0 = base + from * PAT_STEP;
	const u64x4 step = { 4 * PAT_STEP, 4 * PAT_STEP, 4 * PAT_STEP,
			     4 * PAT_STEP };
	u64x4 a = { v0, v0 + PAT_STEP, v0 + 2 * PAT_STEP, v0 + 3 * PAT_STEP };
	u64x4 b = a + step;
	size_t i;

	for (i = from; i + 8 <= to; i += 8) {
		memcpy(&w[i], &a, sizeof(a));
		memcpy(&w[i + 4], &b, sizeof(b));
		a += 2 * step;
		b += 2 * step;
	}
	return i;
}

__attribute__((target("avx2")))
static uint64_t sum_words_avx2(const uint64_t *w, size_t from, size_t to,
			       size_t *done)
{
	u64x4 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, a, b, c, d;
	size_t i;

	for (i = from; i + 16 <= to; i += 16) {
		memcpy(&a, &w[i], sizeof(a));
		memcpy(&b, &w[i + 4], sizeof(b));
		memcpy(&c, &w[i + 8], sizeof(c));
		memcpy(&d, &w[i + 12], sizeof(d));
		s0 += a;
		s1 += b;
		s2 += c;
		s3 += d;
	}
	s0 += s1 + s2 + s3;
	*done = i;
	return s0[0] + s0[1] + s0[2] + s0[3];
}

static bool wide(void)
{
	static int has_avx2 = -1;

	if (has_avx2 < 0)
		has_avx2 = __builtin_cpu_supports("avx2");
	return payload_wide && has_avx2;
}
#else
static bool wide(void)
{
	return false;
}
#endif

void payload_fill(void *buf, size_t len, uint64_t seq)
{
	uint64_t *w = buf;
	size_t n = len / 8, i = 1;
	uint64_t base = pat_base(seq), v;

	w[0] = seq;
#if defined(__x86_64__) || defined(__i386__)
	if (wide())
		i = fill_words_avx2(w, 1, n, base);
#endif
	fill_words(w, i, n, base);
	if (len % 8) {
		v = base + n * PAT_STEP;
		memcpy((char *)buf + n * 8, &v, len % 8);
	}
}

bool payload_check(const void *buf, size_t len, uint64_t *seqp)
{
	const uint64_t *w = buf;
	size_t n = len / 8, i = 1;
	uint64_t sum = 0, seq, base, m, tri, want;

	if (len < MIN_MSG_SIZE)
		return false;
	seq = w[0];
#if defined(__x86_64__) || defined(__i386__)
	if (wide())
		sum = sum_words_avx2(w, 1, n, &i);
#endif
	sum += sum_words(w, i, n);

	/* sum_{i=1}^{n-1} (base + i * STEP), modulo 2^64 */
	base = pat_base(seq);
	m = n - 1;
	tri = (n % 2 == 0) ? (n / 2) * m : n * (m / 2);	/* n(n-1)/2 */
	want = m * base + tri * PAT_STEP;
	if (sum != want)
		return false;
	if (len % 8) {
		uint64_t v = base + n * PAT_STEP;

		if (memcmp((const char *)buf + n * 8, &v, len % 8))
			return false;
	}
	*seqp = seq;
	return true;
}

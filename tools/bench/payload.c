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
 * The receiver sums w[1..n-1] (one load and one add per word, as cheap as
 * reading gets) and compares with the closed form of that sum, so a lost,
 * truncated, stale or corrupted message, or one from another sequence
 * number, is caught without the receiver writing anything.
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

void payload_fill(void *buf, size_t len, uint64_t seq)
{
	uint64_t *w = buf;
	size_t n = len / 8, i;
	uint64_t base = pat_base(seq), v;

	w[0] = seq;
	v = base + PAT_STEP;
	for (i = 1; i + 4 <= n; i += 4) {
		w[i] = v;
		w[i + 1] = v + PAT_STEP;
		w[i + 2] = v + 2 * PAT_STEP;
		w[i + 3] = v + 3 * PAT_STEP;
		v += 4 * PAT_STEP;
	}
	for (; i < n; i++) {
		w[i] = v;
		v += PAT_STEP;
	}
	if (len % 8)
		memcpy((char *)buf + n * 8, &v, len % 8);
}

bool payload_check(const void *buf, size_t len, uint64_t *seqp)
{
	const uint64_t *w = buf;
	size_t n = len / 8, i;
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, seq, base, m, tri, want;

	if (len < MIN_MSG_SIZE)
		return false;
	seq = w[0];
	for (i = 1; i + 4 <= n; i += 4) {
		s0 += w[i];
		s1 += w[i + 1];
		s2 += w[i + 2];
		s3 += w[i + 3];
	}
	for (; i < n; i++)
		s0 += w[i];

	/* sum_{i=1}^{n-1} (base + i * STEP), modulo 2^64 */
	base = pat_base(seq);
	m = n - 1;
	tri = (n % 2 == 0) ? (n / 2) * m : n * (m / 2);	/* n(n-1)/2 */
	want = m * base + tri * PAT_STEP;
	if (s0 + s1 + s2 + s3 != want)
		return false;
	if (len % 8) {
		uint64_t v = base + n * PAT_STEP;

		if (memcmp((const char *)buf + n * 8, &v, len % 8))
			return false;
	}
	*seqp = seq;
	return true;
}

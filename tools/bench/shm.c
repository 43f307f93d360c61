// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: shared memory.
 *
 * The ring.  A memfd segment mapped MAP_SHARED by the parent before it
 * forks holds one single-producer ring per sender: a head the sender
 * advances when it publishes a slot, a tail the receiver advances when it
 * is done with one.  Waiting is a spin, then a futex: the receiver
 * sleeps on a doorbell word that every sender bumps and wakes only when
 * the receiver has said it sleeps (rx_wait), and a sender sleeps on its
 * ring's tail likewise (tx_wait), so a busy stream makes no system call
 * at all.  The flag/recheck pairs are ordered with sequentially
 * consistent fences (the classic Dekker pattern): either the sleeper sees
 * the new index or the other side sees the flag and wakes it.
 *
 * A sender spins SPIN pauses.  The receiver spins as the cell's poll
 * rule says (poll.c), as every other receiver polls: the whole budget
 * where it polls; where it does not, the ring's own SPIN pauses, which
 * any futex-based queue has, unless nobody may poll at all (a round trip
 * without polling, --busy-poll 0): then it sleeps at once.
 *
 * shm-copy     the sender writes its payload in its own buffer and copies
 *              it into a free slot (one copy in); the receiver reads it
 *              in place.  What a careful shared-memory transport costs.
 * shm-inplace  the sender writes its payload straight into the slot; the
 *              receiver reads it in place.  No copy, but no isolation
 *              either: both processes can write the segment at any time.
 *              The ceiling, not a competitor.
 * shm-ring     shm-copy under the fan-out workload's name: a ring per
 *              subscriber, the publisher copies each message into each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define CL		64
#define SPIN		100

struct ring_sender {
	_Atomic uint32_t head;		/* slots published by the sender */
	_Atomic uint32_t tx_wait;	/* the sender sleeps on tail */
	_Atomic uint64_t word;		/* the sender's pid, for cma */
	char pad0[CL - 16];
	_Atomic uint32_t tail;		/* slots released by the receiver */
	char pad1[CL - 4];
};

struct ring_hdr {
	_Atomic uint32_t bell;		/* the receiver sleeps on it */
	_Atomic uint32_t rx_wait;
	char pad[CL - 8];
	struct ring_sender s[MAX_SENDERS];
};

/* The process-local view; each process has its own copy after fork. */
struct ring {
	struct ring_hdr *hdr;
	char *data;
	size_t slot_size;
	unsigned int slots;
	unsigned int nsenders;
	size_t map_len;
	uint32_t tx_head;		/* a sender's own head */
	uint32_t rx_tail[MAX_SENDERS];	/* the receiver's tails */
	unsigned int rr;		/* next ring to look at first */
};

int ring_create(struct link *l, struct ring **rp, size_t slot_size,
		unsigned int slots)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), hdr_len, data_len;
	struct ring *r;
	void *p;
	int fd;

	*rp = NULL;
	slot_size = slot_size >= page ? (slot_size + page - 1) / page * page :
		    (slot_size + CL - 1) / CL * CL;
	hdr_len = (sizeof(struct ring_hdr) + page - 1) / page * page;
	data_len = slot_size * slots * l->nsenders;
	if (slots && data_len / slots / l->nsenders != slot_size)
		return link_fail(l, -EOVERFLOW, "ring size");

	r = calloc(1, sizeof(*r));
	if (!r)
		return link_fail(l, -ENOMEM, "ring");
	r->slot_size = slot_size;
	r->slots = slots;
	r->nsenders = l->nsenders;
	r->map_len = hdr_len + data_len;

	fd = memfd_create("fastipc-bench-ring", MFD_CLOEXEC);
	if (fd < 0) {
		free(r);
		return link_fail(l, -errno, "memfd_create");
	}
	if (ftruncate(fd, (off_t)r->map_len)) {
		int err = -errno;

		close(fd);
		link_fail(l, err, "ftruncate(%zu)", r->map_len);
		free(r);
		return err;
	}
	p = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;

		close(fd);
		link_fail(l, err, "mmap(%zu)", r->map_len);
		free(r);
		return err;
	}
	close(fd);
	r->hdr = p;
	r->data = (char *)p + hdr_len;
	*rp = r;
	return 0;
}

void ring_destroy(struct ring *r)
{
	if (!r)
		return;
	munmap(r->hdr, r->map_len);
	free(r);
}

_Atomic uint64_t *ring_sender_word(struct ring *r, int i)
{
	return &r->hdr->s[i].word;
}

static void *slot_addr(struct ring *r, int i, uint32_t n)
{
	return r->data + ((size_t)i * r->slots + n % r->slots) * r->slot_size;
}

int ring_tx_slot(struct ring *r, int i, void **slot)
{
	struct ring_sender *s = &r->hdr->s[i];
	uint32_t h = r->tx_head, t;

	for (int spins = 0;; spins++) {
		t = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (h - t < r->slots)
			break;
		if (spins < SPIN) {
			cpu_relax();
			continue;
		}
		atomic_store_explicit(&s->tx_wait, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		t = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (h - t < r->slots) {
			atomic_store_explicit(&s->tx_wait, 0,
					      memory_order_relaxed);
			break;
		}
		int err = futex_wait(&s->tail, t);

		atomic_store_explicit(&s->tx_wait, 0, memory_order_relaxed);
		if (err)
			return err;
	}
	*slot = slot_addr(r, i, h);
	return 0;
}

void ring_tx_publish(struct ring *r, int i)
{
	struct ring_hdr *hdr = r->hdr;

	atomic_store_explicit(&hdr->s[i].head, ++r->tx_head,
			      memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&hdr->rx_wait, memory_order_relaxed)) {
		atomic_fetch_add(&hdr->bell, 1);
		futex_wake(&hdr->bell, 1);
	}
}

/* A ring with a published slot, or -1. */
static int ring_find(struct ring *r)
{
	for (unsigned int k = 0; k < r->nsenders; k++) {
		unsigned int i = (r->rr + k) % r->nsenders;

		if (atomic_load_explicit(&r->hdr->s[i].head,
					 memory_order_acquire) !=
		    r->rx_tail[i]) {
			r->rr = i + 1;
			return (int)i;
		}
	}
	return -1;
}

int ring_rx_slot(struct ring *r, struct rxpoll *poll, void **slot,
		 int *sender)
{
	struct ring_hdr *hdr = r->hdr;
	int brief = poll->rule.mode == POLL_OFF ? 0 : SPIN;
	bool slept = false;
	int i;

	rxpoll_begin(poll);
	for (int spins = 0;; spins++) {
		uint32_t bell;
		int err;

		i = ring_find(r);
		if (i >= 0)
			break;
		if (rxpoll_again(poll))
			continue;
		if (spins < brief) {
			cpu_relax();
			continue;
		}
		slept = true;
		bell = atomic_load(&hdr->bell);
		atomic_store_explicit(&hdr->rx_wait, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		i = ring_find(r);
		if (i >= 0) {
			atomic_store_explicit(&hdr->rx_wait, 0,
					      memory_order_relaxed);
			break;
		}
		err = futex_wait(&hdr->bell, bell);
		atomic_store_explicit(&hdr->rx_wait, 0, memory_order_relaxed);
		if (err)
			return err;
	}
	if (slept)
		rxpoll_woke(poll);
	*slot = slot_addr(r, i, r->rx_tail[i]);
	*sender = i;
	return 0;
}

void ring_rx_release(struct ring *r, int i)
{
	struct ring_sender *s = &r->hdr->s[i];

	atomic_store_explicit(&s->tail, ++r->rx_tail[i], memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&s->tx_wait, memory_order_relaxed))
		futex_wake(&s->tail, 1);
}

/* ------------------------------------------------------------------ */
/* shm-copy and shm-inplace                                            */
/* ------------------------------------------------------------------ */

#define POLL_HOW_RING	"a spin on the ring's index (where the rule does not " \
			"poll, its own 100 pauses, unless nobody may poll)"

struct shm_priv {
	bool inplace;
	struct ring *ring;
	void *buf;		/* shm-copy: the sender's own buffer */
	void *slot;		/* shm-inplace: the slot being written */
	int cur;		/* the receiver: the ring of the last slot */
};

static int shm_create_common(struct link *l, bool inplace)
{
	struct shm_priv *sp = l->priv;
	unsigned int slots = l->nsenders > 1 ? per_sender_depth(l) : l->depth;

	sp->inplace = inplace;
	l->slots = slots * l->nsenders;
	return ring_create(l, &sp->ring, l->size, slots);
}

static int shm_copy_create(struct link *l)
{
	return shm_create_common(l, false);
}

static int shm_inplace_create(struct link *l)
{
	return shm_create_common(l, true);
}

static int shm_attach(struct link *l, int role)
{
	struct shm_priv *sp = l->priv;

	l->role = role;
	if (role == ROLE_RX || sp->inplace)
		return 0;
	sp->buf = bench_alloc(l->size);
	return sp->buf ? 0 : link_fail(l, -ENOMEM, "send buffer");
}

static int shm_tx_buf(struct link *l, void **buf)
{
	struct shm_priv *sp = l->priv;
	int err;

	if (!sp->inplace) {
		*buf = sp->buf;
		return 0;
	}
	err = ring_tx_slot(sp->ring, l->role, &sp->slot);
	if (err)
		return link_fail(l, err, "futex");
	*buf = sp->slot;
	return 0;
}

static int shm_tx_send(struct link *l, void *buf)
{
	struct shm_priv *sp = l->priv;
	void *slot;
	int err;

	if (!sp->inplace) {
		err = ring_tx_slot(sp->ring, l->role, &slot);
		if (err)
			return link_fail(l, err, "futex");
		memcpy(slot, buf, l->size);
	}
	ring_tx_publish(sp->ring, l->role);
	return 0;
}

static int shm_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct shm_priv *sp = l->priv;
	void *slot;
	int err;

	err = ring_rx_slot(sp->ring, &l->poll, &slot, &sp->cur);
	if (err)
		return link_fail(l, err, "futex");
	*data = slot;
	*len = l->size;
	return 0;
}

static int shm_rx_done(struct link *l)
{
	struct shm_priv *sp = l->priv;

	ring_rx_release(sp->ring, sp->cur);
	return 0;
}

static void shm_destroy(struct link *l)
{
	ring_destroy(((struct shm_priv *)l->priv)->ring);
}

const struct mech mech_shm_copy = {
	.name = "shm-copy",
	.family = "shm",
	.desc = "memfd ring, payload copied into a slot, read in place, "
		"futex wake-ups: one copy",
	.poll_how = POLL_HOW_RING,
	.priv_size = sizeof(struct shm_priv),
	.create = shm_copy_create,
	.attach = shm_attach,
	.tx_buf = shm_tx_buf,
	.tx_send = shm_tx_send,
	.rx_recv = shm_rx_recv,
	.rx_done = shm_rx_done,
	.destroy = shm_destroy,
};

const struct mech mech_shm_inplace = {
	.name = "shm-inplace",
	.family = "shm",
	.desc = "memfd ring, payload written and read in place: no copy, "
		"no isolation (the ceiling)",
	.poll_how = POLL_HOW_RING,
	.flags = MECH_CEILING,
	.priv_size = sizeof(struct shm_priv),
	.create = shm_inplace_create,
	.attach = shm_attach,
	.tx_buf = shm_tx_buf,
	.tx_send = shm_tx_send,
	.rx_recv = shm_rx_recv,
	.rx_done = shm_rx_done,
	.destroy = shm_destroy,
};

/* The fan-out workload's (fanout.c): one such ring per subscriber. */
const struct mech mech_shm_ring = {
	.name = "shm-ring",
	.family = "shm",
	.desc = "a memfd ring per subscriber (shm-copy's), the message "
		"copied into a slot of each, read in place: one copy per "
		"subscriber",
	.poll_how = POLL_HOW_RING,
	.priv_size = sizeof(struct shm_priv),
	.create = shm_copy_create,
	.attach = shm_attach,
	.tx_buf = shm_tx_buf,
	.tx_send = shm_tx_send,
	.rx_recv = shm_rx_recv,
	.rx_done = shm_rx_done,
	.destroy = shm_destroy,
};

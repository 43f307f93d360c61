// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: shm-bcast, the fan-out workload's ceiling.
 *
 * One ring of message-sized slots in a memfd segment that the parent maps
 * MAP_SHARED before it forks: the publisher writes each message straight
 * into a slot and publishes it once (head); every subscriber reads it in
 * place and then advances its own cursor (tail).  A slot is written again
 * only when the slowest subscriber is past it.  No copy and no isolation:
 * every process can write the segment at any time, so a subscriber
 * cannot know that what it read is what was published.
 *
 * Waiting as in shm.c's ring: a spin, then a futex, woken only when the
 * other side says it sleeps, with sequentially consistent fences between
 * flag and recheck.  Subscribers sleep on head (a count of sleepers tells
 * the publisher to wake them); the publisher, when the ring is full,
 * sleeps on the tail of the subscriber it waits for, and only that one
 * wakes it.  Subscribers spin by the cell's poll rule, else the ring's
 * own SPIN pauses; the publisher spins SPIN pauses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define CL		64
#define SPIN		100

struct bcast_tail {
	_Atomic uint32_t tail;		/* messages this subscriber is done with */
	char pad[CL - 4];
};

struct bcast_hdr {
	_Atomic uint32_t head;		/* messages published */
	_Atomic uint32_t rx_sleepers;	/* subscribers asleep on head */
	_Atomic uint32_t tx_wait;	/* 1 + the subscriber the publisher
					 * sleeps on; 0: none */
	char pad[CL - 12];
	struct bcast_tail t[MAX_SENDERS];
};

struct bcast_priv {
	struct bcast_hdr *hdr;
	char *data;
	size_t slot_size, map_len;
	unsigned int slots;
	uint32_t pos;			/* the process's own head or tail */
};

static int bcast_create(struct link *l)
{
	struct bcast_priv *bp = l->priv;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t hdr_len = (sizeof(struct bcast_hdr) + page - 1) / page * page;
	void *p;
	int fd, err;

	if (l->nsubs > MAX_SENDERS)
		return link_na(l, "at most %d subscribers", MAX_SENDERS);
	bp->slots = l->depth;
	bp->slot_size = (l->size + page - 1) / page * page;
	bp->map_len = hdr_len + bp->slot_size * bp->slots;
	fd = memfd_create("fastipc-bench-bcast", MFD_CLOEXEC);
	if (fd < 0)
		return link_fail(l, -errno, "memfd_create");
	if (ftruncate(fd, (off_t)bp->map_len)) {
		err = -errno;
		close(fd);
		return link_fail(l, err, "ftruncate(%zu)", bp->map_len);
	}
	p = mmap(NULL, bp->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return link_fail(l, err, "mmap(%zu)", bp->map_len);
	bp->hdr = p;
	bp->data = (char *)p + hdr_len;
	l->slots = bp->slots;
	return 0;
}

static int bcast_attach(struct link *l, int role)
{
	l->role = role;
	return 0;
}

static void *slot_addr(struct bcast_priv *bp, uint32_t n)
{
	return bp->data + (size_t)(n % bp->slots) * bp->slot_size;
}

/* The subscriber furthest behind, and how far behind the head it is. */
static unsigned int slowest(struct link *l, uint32_t h, uint32_t *lag)
{
	struct bcast_priv *bp = l->priv;
	unsigned int who = 0;

	*lag = 0;
	for (unsigned int i = 0; i < l->nsubs; i++) {
		uint32_t d = h - atomic_load_explicit(&bp->hdr->t[i].tail,
						      memory_order_acquire);

		if (d > *lag) {
			*lag = d;
			who = i;
		}
	}
	return who;
}

/* The publisher: a slot that every subscriber is done with. */
static int bcast_tx_buf(struct link *l, void **buf)
{
	struct bcast_priv *bp = l->priv;
	struct bcast_hdr *hdr = bp->hdr;
	uint32_t h = bp->pos, lag;

	for (int spins = 0;; spins++) {
		unsigned int who = slowest(l, h, &lag);
		uint32_t t;
		int err;

		if (lag < bp->slots)
			break;
		if (spins < SPIN) {
			cpu_relax();
			continue;
		}
		atomic_store_explicit(&hdr->tx_wait, who + 1,
				      memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		t = atomic_load_explicit(&hdr->t[who].tail,
					 memory_order_acquire);
		if (h - t >= bp->slots)
			err = futex_wait(&hdr->t[who].tail, t);
		else
			err = 0;
		atomic_store_explicit(&hdr->tx_wait, 0, memory_order_relaxed);
		if (err)
			return link_fail(l, err, "futex");
	}
	*buf = slot_addr(bp, h);
	return 0;
}

static int bcast_tx_send(struct link *l, void *buf)
{
	struct bcast_priv *bp = l->priv;
	struct bcast_hdr *hdr = bp->hdr;

	(void)buf;
	atomic_store_explicit(&hdr->head, ++bp->pos, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&hdr->rx_sleepers, memory_order_relaxed))
		futex_wake(&hdr->head, INT32_MAX);
	return 0;
}

static int bcast_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct bcast_priv *bp = l->priv;
	struct bcast_hdr *hdr = bp->hdr;
	int brief = l->poll.rule.mode == POLL_OFF ? 0 : SPIN;
	bool slept = false;

	rxpoll_begin(&l->poll);
	for (int spins = 0;; spins++) {
		uint32_t h = atomic_load_explicit(&hdr->head,
						  memory_order_acquire);
		int err;

		if (h != bp->pos)
			break;
		if (rxpoll_again(&l->poll))
			continue;
		if (spins < brief) {
			cpu_relax();
			continue;
		}
		slept = true;
		atomic_fetch_add(&hdr->rx_sleepers, 1);
		atomic_thread_fence(memory_order_seq_cst);
		h = atomic_load_explicit(&hdr->head, memory_order_acquire);
		err = h == bp->pos ? futex_wait(&hdr->head, h) : 0;
		atomic_fetch_sub(&hdr->rx_sleepers, 1);
		if (err)
			return link_fail(l, err, "futex");
	}
	if (slept)
		rxpoll_woke(&l->poll);
	*data = slot_addr(bp, bp->pos);
	*len = l->size;
	return 0;
}

static int bcast_rx_done(struct link *l)
{
	struct bcast_priv *bp = l->priv;
	struct bcast_hdr *hdr = bp->hdr;

	atomic_store_explicit(&hdr->t[l->sub].tail, ++bp->pos,
			      memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&hdr->tx_wait, memory_order_relaxed) ==
	    l->sub + 1)
		futex_wake(&hdr->t[l->sub].tail, 1);
	return 0;
}

static void bcast_destroy(struct link *l)
{
	struct bcast_priv *bp = l->priv;

	if (bp->hdr)
		munmap(bp->hdr, bp->map_len);
}

const struct mech mech_shm_bcast = {
	.name = "shm-bcast",
	.family = "shm",
	.desc = "one memfd ring for every subscriber: the message written "
		"once into a slot, read in place by each, the slot reused "
		"when the slowest is past it: no copy, no isolation (the "
		"ceiling)",
	.poll_how = "a spin on the ring's head (where the rule does not "
		    "poll, its own 100 pauses, unless nobody may poll)",
	.flags = MECH_BCAST | MECH_CEILING,
	.priv_size = sizeof(struct bcast_priv),
	.create = bcast_create,
	.attach = bcast_attach,
	.tx_buf = bcast_tx_buf,
	.tx_send = bcast_tx_send,
	.rx_recv = bcast_rx_recv,
	.rx_done = bcast_rx_done,
	.destroy = bcast_destroy,
};

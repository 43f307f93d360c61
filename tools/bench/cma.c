// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: cross memory attach, process_vm_readv(2).
 *
 * The sender writes its payload into one of its own buffers and posts
 * the buffer's address in a shared-memory descriptor ring (shm.c's ring,
 * futex wake-ups); the receiver copies the bytes straight out of the
 * sender's address space with process_vm_readv() into its own buffer
 * (one copy), frees the descriptor slot, and reads its copy.  A buffer is
 * written again only when its slot comes round again, i.e. after the
 * receiver has copied it.  This is how MPI's intra-node transports use
 * CMA; it needs ptrace access to the sender, which each sender grants
 * with PR_SET_PTRACER (Yama), and has no queue, priorities or
 * message boundaries of its own.  The receiver polls the descriptor ring
 * as the cell's poll rule says (shm.c, poll.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

struct cma_desc {
	uint64_t addr;
	uint64_t len;
};

struct cma_priv {
	struct ring *ring;
	unsigned int slots;
	void **bufs;		/* a sender's */
	uint32_t sent;
	struct cma_desc *desc;	/* the slot being filled */
	void *rxbuf;		/* the receiver's */
};

static int cma_create(struct link *l)
{
	struct cma_priv *cp = l->priv;

	cp->slots = l->nsenders > 1 ? per_sender_depth(l) : l->depth;
	/* A sender's buffers, one per slot of its ring. */
	l->slots = cp->slots * l->nsenders;
	return ring_create(l, &cp->ring, sizeof(struct cma_desc), cp->slots);
}

static int cma_attach(struct link *l, int role)
{
	struct cma_priv *cp = l->priv;

	l->role = role;
	if (role == ROLE_RX) {
		cp->rxbuf = bench_alloc(l->size);
		return cp->rxbuf ? 0 : link_fail(l, -ENOMEM, "receive buffer");
	}
#ifdef PR_SET_PTRACER
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
	atomic_store(ring_sender_word(cp->ring, role), (uint64_t)getpid());
	cp->bufs = bench_alloc(cp->slots * sizeof(void *));
	if (!cp->bufs)
		return link_fail(l, -ENOMEM, "send buffers");
	for (unsigned int i = 0; i < cp->slots; i++) {
		cp->bufs[i] = bench_alloc(l->size);
		if (!cp->bufs[i])
			return link_fail(l, -ENOMEM, "send buffers");
	}
	return 0;
}

static int cma_tx_buf(struct link *l, void **buf)
{
	struct cma_priv *cp = l->priv;
	void *slot;
	int err;

	err = ring_tx_slot(cp->ring, l->role, &slot);
	if (err)
		return link_fail(l, err, "futex");
	cp->desc = slot;
	*buf = cp->bufs[cp->sent % cp->slots];
	return 0;
}

static int cma_tx_send(struct link *l, void *buf)
{
	struct cma_priv *cp = l->priv;

	cp->desc->addr = (uint64_t)(uintptr_t)buf;
	cp->desc->len = l->size;
	cp->sent++;
	ring_tx_publish(cp->ring, l->role);
	return 0;
}

static int cma_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct cma_priv *cp = l->priv;
	struct cma_desc d;
	size_t off = 0;
	void *slot;
	pid_t pid;
	int i, err;

	err = ring_rx_slot(cp->ring, &l->poll, &slot, &i);
	if (err)
		return link_fail(l, err, "futex");
	memcpy(&d, slot, sizeof(d));
	pid = (pid_t)atomic_load(ring_sender_word(cp->ring, i));
	if (d.len != l->size)
		return link_fail(l, -EPROTO, "descriptor");
	while (off < d.len) {
		struct iovec local = {
			.iov_base = (char *)cp->rxbuf + off,
			.iov_len = d.len - off,
		};
		struct iovec remote = {
			.iov_base = (void *)(uintptr_t)(d.addr + off),
			.iov_len = d.len - off,
		};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (n <= 0)
			return link_fail(l, n < 0 ? -errno : -EIO,
					 "process_vm_readv");
		off += (size_t)n;
	}
	/* Copied: the sender may reuse that buffer now. */
	ring_rx_release(cp->ring, i);
	*data = cp->rxbuf;
	*len = d.len;
	return 0;
}

static int cma_rx_done(struct link *l)
{
	(void)l;
	return 0;
}

static void cma_destroy(struct link *l)
{
	ring_destroy(((struct cma_priv *)l->priv)->ring);
}

const struct mech mech_cma = {
	.name = "cma",
	.family = "cma",
	.desc = "process_vm_readv(2) from the sender's buffer, addresses "
		"posted in a futex ring: one copy",
	.poll_how = "a spin on the descriptor ring's index, as shm-copy",
	.priv_size = sizeof(struct cma_priv),
	.create = cma_create,
	.attach = cma_attach,
	.tx_buf = cma_tx_buf,
	.tx_send = cma_tx_send,
	.rx_recv = cma_rx_recv,
	.rx_done = cma_rx_done,
	.destroy = cma_destroy,
};

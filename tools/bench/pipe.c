// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: pipes.
 *
 * pipe      write(2) from the sender's buffer, read(2) into the
 *           receiver's: two copies.  The receiver reads small messages
 *           through a buffer, as many per read(2) as have arrived.  The pipe is enlarged with
 *           F_SETPIPE_SZ to hold the link's depth (at least its 64 KiB
 *           default).  Fan-in: one shared pipe while a message fits
 *           PIPE_BUF (writes that small are atomic), else one pipe per
 *           sender and epoll in the receiver.
 * vmsplice  vmsplice(2) of the sender's pages into the pipe (no copy in),
 *           read(2) out: one copy.  The pipe holds references to the
 *           sender's pages until they are read, so a buffer may only be
 *           written again once the pipe cannot still hold it: the sender
 *           cycles through (pipe slots / pages per message) + 1
 *           page-aligned buffers, and since a vmsplice returns only once
 *           its pages are all in the pipe, the oldest buffer has then
 *           been read.  One pipe per sender.
 *
 * A receiver that polls (poll.c) tries read(2) on a second descriptor of
 * each pipe, opened O_NONBLOCK through /proc/self/fd (a new open file
 * description of the same pipe: the blocking one keeps its flags), so
 * neither a try nor the blocking read costs an extra system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

struct pipe_priv {
	bool splice;
	int npipes;
	int rfd[MAX_SENDERS];
	int wfd[MAX_SENDERS];
	int nbfd[MAX_SENDERS];		/* the receiver's O_NONBLOCK ends */
	size_t pipe_size;		/* as F_GETPIPE_SZ says */

	/* In a child: */
	int fd;				/* sender: its write end */
	void *buf;			/* sender (pipe) or receiver buffer */
	void **ring;			/* vmsplice: the sender's buffers */
	unsigned int nring, next;
	size_t slot_len;
	struct fdset fs;
};

static size_t page_round(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) / page * page;
}

static size_t pow2_round(size_t v)
{
	size_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Enlarge a pipe to @want bytes, or as far as pipe-max-size lets us. */
static int pipe_grow(int fd, size_t want, size_t *got)
{
	int ret;

	if (want > INT_MAX)
		want = INT_MAX;
	ret = fcntl(fd, F_SETPIPE_SZ, (int)want);
	if (ret < 0 && errno == EPERM) {
		unsigned long max = limit_read_ul("/proc/sys/fs/pipe-max-size");

		if (max && max < want)
			ret = fcntl(fd, F_SETPIPE_SZ, (int)max);
	}
	ret = fcntl(fd, F_GETPIPE_SZ);
	if (ret < 0)
		return -errno;
	*got = (size_t)ret;
	return 0;
}

/* As many buffers as the pipe can hold messages, and one more. */
static unsigned int vmsplice_ring(const struct pipe_priv *pp, size_t size)
{
	size_t n = pp->pipe_size / page_round(size) + 1;

	return n < 2 ? 2 : (unsigned int)n;
}

static int pipe_create_common(struct link *l, bool splice)
{
	struct pipe_priv *pp = l->priv;
	unsigned int depth = l->nsenders > 1 ? per_sender_depth(l) : l->depth;
	size_t want;
	int err;

	pp->splice = splice;
	pp->fd = -1;
	for (int i = 0; i < MAX_SENDERS; i++)
		pp->rfd[i] = pp->wfd[i] = pp->nbfd[i] = -1;
	if (!splice && l->size <= PIPE_BUF) {
		pp->npipes = 1;
		depth = l->depth;
	} else {
		pp->npipes = (int)l->nsenders;
	}

	/* vmsplice: one pipe slot per page of each message. */
	if (splice)
		want = (size_t)depth * page_round(l->size);
	else
		want = (size_t)depth * l->size;
	want = pow2_round(want);
	if (want < 64 * KiB)
		want = 64 * KiB;

	for (int i = 0; i < pp->npipes; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC))
			return link_fail(l, -errno, "pipe2");
		pp->rfd[i] = fds[0];
		pp->wfd[i] = fds[1];
		err = pipe_grow(fds[1], want, &pp->pipe_size);
		if (err)
			return link_fail(l, err, "F_SETPIPE_SZ");
	}
	/* The buffers vmsplice senders cycle through (pipe_attach()). */
	if (splice)
		l->slots = (unsigned int)pp->npipes * vmsplice_ring(pp, l->size);
	return 0;
}

static int pipe_create(struct link *l)
{
	return pipe_create_common(l, false);
}

static int vmsplice_create(struct link *l)
{
	return pipe_create_common(l, true);
}

#define POLL_HOW_PIPE	"read(2) from an O_NONBLOCK descriptor of the same " \
			"pipe (epoll_wait(2) with no timeout for several)"

/* A second descriptor of a pipe's read end, its own O_NONBLOCK. */
static int pipe_reopen_nonblock(int fd, int *nbfd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	*nbfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return *nbfd < 0 ? -errno : 0;
}

static int pipe_attach(struct link *l, int role)
{
	struct pipe_priv *pp = l->priv;
	int err;

	l->role = role;
	if (role == ROLE_RX) {
		for (int i = 0; i < pp->npipes; i++) {
			close(pp->wfd[i]);
			pp->wfd[i] = -1;
			if (l->poll.rule.mode != POLL_FIXED &&
			    l->poll.rule.mode != POLL_ADAPTIVE)
				continue;
			err = pipe_reopen_nonblock(pp->rfd[i], &pp->nbfd[i]);
			if (err)
				return link_fail(l, err, "O_NONBLOCK descriptor");
		}
		err = fdset_init(&pp->fs, pp->rfd, pp->nbfd, pp->npipes,
				 l->size, &l->poll);
		return err ? link_fail(l, err, "receive buffers, epoll") : 0;
	}

	pp->fd = pp->wfd[pp->npipes == 1 ? 0 : role];
	for (int i = 0; i < pp->npipes; i++)
		close(pp->rfd[i]);
	if (!pp->splice) {
		pp->buf = bench_alloc(l->size);
		return pp->buf ? 0 : link_fail(l, -ENOMEM, "send buffer");
	}

	pp->slot_len = page_round(l->size);
	pp->nring = vmsplice_ring(pp, l->size);
	pp->ring = bench_alloc(pp->nring * sizeof(void *));
	if (!pp->ring)
		return link_fail(l, -ENOMEM, "send buffers");
	for (unsigned int i = 0; i < pp->nring; i++) {
		pp->ring[i] = bench_alloc(pp->slot_len);
		if (!pp->ring[i])
			return link_fail(l, -ENOMEM, "send buffers (%u of %zu bytes)",
					 pp->nring, pp->slot_len);
	}
	return 0;
}

static int pipe_tx_buf(struct link *l, void **buf)
{
	struct pipe_priv *pp = l->priv;

	if (!pp->splice) {
		*buf = pp->buf;
	} else {
		*buf = pp->ring[pp->next];
		pp->next = (pp->next + 1) % pp->nring;
	}
	return 0;
}

static int pipe_tx_send(struct link *l, void *buf)
{
	struct pipe_priv *pp = l->priv;
	size_t off = 0;

	if (!pp->splice) {
		int err = write_full(pp->fd, buf, l->size);

		return err ? link_fail(l, err, "write") : 0;
	}
	while (off < l->size) {
		struct iovec iov = {
			.iov_base = (char *)buf + off,
			.iov_len = l->size - off,
		};
		ssize_t n = vmsplice(pp->fd, &iov, 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return link_fail(l, -errno, "vmsplice");
		}
		off += (size_t)n;
	}
	return 0;
}

static int pipe_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct pipe_priv *pp = l->priv;
	int err = fdset_recv(&pp->fs, l->size, data);

	if (err)
		return link_fail(l, err, "read");
	*len = l->size;
	return 0;
}

static int pipe_rx_done(struct link *l)
{
	(void)l;
	return 0;
}

static void pipe_destroy(struct link *l)
{
	struct pipe_priv *pp = l->priv;

	for (int i = 0; i < MAX_SENDERS; i++) {
		if (pp->rfd[i] >= 0)
			close(pp->rfd[i]);
		if (pp->wfd[i] >= 0)
			close(pp->wfd[i]);
	}
}

const struct mech mech_pipe = {
	.name = "pipe",
	.family = "pipe",
	.desc = "pipe(2) enlarged with F_SETPIPE_SZ; write(2) in, read(2) out: two copies",
	.poll_how = POLL_HOW_PIPE,
	.priv_size = sizeof(struct pipe_priv),
	.create = pipe_create,
	.attach = pipe_attach,
	.tx_buf = pipe_tx_buf,
	.tx_send = pipe_tx_send,
	.rx_recv = pipe_rx_recv,
	.rx_done = pipe_rx_done,
	.destroy = pipe_destroy,
};

const struct mech mech_vmsplice = {
	.name = "vmsplice",
	.family = "pipe",
	.desc = "vmsplice(2) of the sender's pages into a pipe, read(2) out: one copy",
	.poll_how = POLL_HOW_PIPE,
	.priv_size = sizeof(struct pipe_priv),
	.create = vmsplice_create,
	.attach = pipe_attach,
	.tx_buf = pipe_tx_buf,
	.tx_send = pipe_tx_send,
	.rx_recv = pipe_rx_recv,
	.rx_done = pipe_rx_done,
	.destroy = pipe_destroy,
};

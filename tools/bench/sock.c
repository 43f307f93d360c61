// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: sockets.
 *
 * unix-stream     socketpair(AF_UNIX, SOCK_STREAM): write(2) in, read(2)
 *                 out, two copies; small messages are read through a
 *                 buffer, as many per read(2) as have arrived, large
 *                 ones whole, in place.
 * unix-seqpacket  socketpair(AF_UNIX, SOCK_SEQPACKET): one send(2), one
 *                 recv(2) per message.  The kernel builds each datagram
 *                 in one skb whose linear part is almost the whole message
 *                 (one physically contiguous allocation), so large ones
 *                 fail: create() sends one trial message, and a size that
 *                 fails is n/a with the kernel's error.
 * tcp             a TCP connection over 127.0.0.1 with TCP_NODELAY, read
 *                 like unix-stream.
 *
 * Every socket gets SO_SNDBUF and SO_RCVBUF of the link's depth in bytes
 * (at least 256 KiB, at most 32 MiB; a seqpacket one at least a message);
 * limits.c raises net.core.wmem_max and rmem_max so the kernel grants
 * them.  One connection per sender; the receiver waits on epoll when
 * there are several.  A receiver that polls (poll.c) tries
 * recv(MSG_DONTWAIT) before it reads as it otherwise does.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

enum sock_kind { SK_STREAM, SK_SEQPACKET, SK_TCP };

struct sock_priv {
	enum sock_kind kind;
	int rx[MAX_SENDERS];	/* the receiver's end of each connection */
	int tx[MAX_SENDERS];
	int fd;			/* a sender's */
	void *buf;
	struct fdset fs;
};

static int set_bufs(int fd, size_t bytes)
{
	int v = bytes > (size_t)INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
		return -errno;
	return 0;
}

static size_t sock_bufsize(const struct link *l, enum sock_kind kind)
{
	size_t b = (size_t)per_sender_depth(l) * l->size;

	if (l->nsenders == 1)
		b = (size_t)l->depth * l->size;
	if (b > 32 * MiB)
		b = 32 * MiB;
	if (b < 256 * KiB)
		b = 256 * KiB;
	/* A datagram must fit the send buffer (the kernel doubles it). */
	if (kind == SK_SEQPACKET && b < l->size / 2 + 64 * KiB)
		b = l->size / 2 + 64 * KiB;
	return b;
}

/* A connected TCP pair over loopback: @tx connects, @rx is accepted. */
static int tcp_pair(size_t bufsize, int *rx, int *tx)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1, ls, err;

	*rx = *tx = -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0)
		return -errno;
	/* Buffers before listen/connect, so the window scale fits them. */
	err = set_bufs(ls, bufsize);
	if (err || bind(ls, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) || listen(ls, 1))
		goto fail;
	*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx < 0)
		goto fail;
	err = set_bufs(*tx, bufsize);
	if (err || connect(*tx, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	*rx = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (*rx < 0)
		goto fail;
	if (setsockopt(*tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(*rx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		goto fail;
	close(ls);
	return 0;
fail:
	err = err ? err : -errno;
	close(ls);
	if (*tx >= 0)
		close(*tx);
	if (*rx >= 0)
		close(*rx);
	*rx = *tx = -1;
	return err;
}

/* Can a seqpacket pair carry one message of this size?  Try it. */
static int seqpacket_probe(struct link *l, int rx, int tx)
{
	void *buf = bench_alloc(l->size);
	ssize_t n;
	int err = 0;

	if (!buf)
		return link_fail(l, -ENOMEM, "probe buffer");
	n = send(tx, buf, l->size, MSG_DONTWAIT);
	if (n < 0) {
		err = -errno;
		link_na(l, "a %zu-byte datagram: %s", l->size, strerror(-err));
		err = BENCH_NA;
	} else if (recv(rx, buf, l->size, MSG_DONTWAIT) != (ssize_t)l->size) {
		err = link_fail(l, -EIO, "seqpacket probe");
	}
	bench_free(buf, l->size);
	return err;
}

static int sock_create(struct link *l, enum sock_kind kind)
{
	struct sock_priv *sp = l->priv;
	size_t bufsize = sock_bufsize(l, kind);
	int err;

	sp->kind = kind;
	sp->fd = -1;
	for (int i = 0; i < MAX_SENDERS; i++)
		sp->rx[i] = sp->tx[i] = -1;

	for (unsigned int i = 0; i < l->nsenders; i++) {
		int sv[2];

		if (kind == SK_TCP) {
			err = tcp_pair(bufsize, &sp->rx[i], &sp->tx[i]);
			if (err)
				return link_fail(l, err, "TCP loopback pair");
			continue;
		}
		if (socketpair(AF_UNIX, (kind == SK_STREAM ? SOCK_STREAM :
			       SOCK_SEQPACKET) | SOCK_CLOEXEC, 0, sv))
			return link_fail(l, -errno, "socketpair");
		sp->rx[i] = sv[0];
		sp->tx[i] = sv[1];
		err = set_bufs(sv[0], bufsize);
		if (!err)
			err = set_bufs(sv[1], bufsize);
		if (err)
			return link_fail(l, err, "SO_SNDBUF/SO_RCVBUF");
		if (kind == SK_SEQPACKET && i == 0) {
			err = seqpacket_probe(l, sv[0], sv[1]);
			if (err)
				return err;
		}
	}
	return 0;
}

static int stream_create(struct link *l)
{
	return sock_create(l, SK_STREAM);
}

static int seqpacket_create(struct link *l)
{
	return sock_create(l, SK_SEQPACKET);
}

static int tcp_create(struct link *l)
{
	return sock_create(l, SK_TCP);
}

static int sock_attach(struct link *l, int role)
{
	struct sock_priv *sp = l->priv;
	int err;

	l->role = role;
	if (role != ROLE_RX || sp->kind == SK_SEQPACKET) {
		sp->buf = bench_alloc(l->size);
		if (!sp->buf)
			return link_fail(l, -ENOMEM, "buffer");
	}
	if (role != ROLE_RX) {
		sp->fd = sp->tx[role];
		return 0;
	}
	/* Byte streams are read through buffers, datagrams one by one. */
	err = fdset_init(&sp->fs, sp->rx, NULL, (int)l->nsenders,
			 sp->kind == SK_SEQPACKET ? 0 : l->size, &l->poll);
	return err ? link_fail(l, err, "receive buffers, epoll") : 0;
}

static int sock_tx_buf(struct link *l, void **buf)
{
	*buf = ((struct sock_priv *)l->priv)->buf;
	return 0;
}

static int sock_tx_send(struct link *l, void *buf)
{
	struct sock_priv *sp = l->priv;
	ssize_t n;
	int err;

	if (sp->kind != SK_SEQPACKET) {
		err = write_full(sp->fd, buf, l->size);
		return err ? link_fail(l, err, "write") : 0;
	}
	while ((n = send(sp->fd, buf, l->size, 0)) < 0) {
		if (errno != EINTR)
			return link_fail(l, -errno, "send");
	}
	return n == (ssize_t)l->size ? 0 : link_fail(l, -EIO, "short send");
}

static int sock_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct sock_priv *sp = l->priv;
	bool slept = false;
	int i, fd, err;
	ssize_t n;

	if (sp->kind != SK_SEQPACKET) {
		err = fdset_recv(&sp->fs, l->size, data);
		if (err)
			return link_fail(l, err, "read");
		*len = l->size;
		return 0;
	}
	rxpoll_begin(&l->poll);
	i = fdset_wait(&sp->fs, &slept);
	if (i < 0)
		return link_fail(l, i, "epoll_wait");
	fd = sp->rx[i];
	*data = sp->buf;
	while (l->poll.spinning) {
		n = recv(fd, sp->buf, l->size, MSG_DONTWAIT);
		if (n >= 0)
			goto got;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return link_fail(l, -errno, "recv");
		if (!rxpoll_again(&l->poll))
			break;
	}
	while ((n = recv(fd, sp->buf, l->size, 0)) < 0) {
		if (errno != EINTR)
			return link_fail(l, -errno, "recv");
	}
	slept = true;
got:
	if (slept)
		rxpoll_woke(&l->poll);
	*len = (size_t)n;
	return 0;
}

static int sock_rx_done(struct link *l)
{
	(void)l;
	return 0;
}

static void sock_destroy(struct link *l)
{
	struct sock_priv *sp = l->priv;

	for (int i = 0; i < MAX_SENDERS; i++) {
		if (sp->rx[i] >= 0)
			close(sp->rx[i]);
		if (sp->tx[i] >= 0)
			close(sp->tx[i]);
	}
}

#define SOCK_POLL_HOW	"recv(2) with MSG_DONTWAIT (epoll_wait(2) with no " \
			"timeout for several)"

#define SOCK_MECH(id, fam, text, create_fn)		\
	{						\
		.name = id,				\
		.family = fam,				\
		.desc = text,				\
		.poll_how = SOCK_POLL_HOW,		\
		.priv_size = sizeof(struct sock_priv),	\
		.create = create_fn,			\
		.attach = sock_attach,			\
		.tx_buf = sock_tx_buf,			\
		.tx_send = sock_tx_send,		\
		.rx_recv = sock_rx_recv,		\
		.rx_done = sock_rx_done,		\
		.destroy = sock_destroy,		\
	}

const struct mech mech_unix_stream = SOCK_MECH("unix-stream", "sock",
	"Unix stream socketpair, large SO_SNDBUF/SO_RCVBUF: two copies",
	stream_create);
const struct mech mech_unix_seqpacket = SOCK_MECH("unix-seqpacket", "sock",
	"Unix seqpacket socketpair, one datagram per message: two copies",
	seqpacket_create);
const struct mech mech_tcp = SOCK_MECH("tcp", "sock",
	"TCP over 127.0.0.1, TCP_NODELAY, large buffers: two copies",
	tcp_create);

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: message queues.
 *
 * posix-mq  mq_send(3) from the sender's buffer, mq_receive(3) into the
 *           receiver's: two copies.  The queue holds the link's depth
 *           (mq_maxmsg) of messages of exactly the tested size
 *           (mq_msgsize); limits.c raises fs.mqueue.msg_max,
 *           fs.mqueue.msgsize_max and RLIMIT_MSGQUEUE first.  The kernel
 *           caps msgsize_max at 16 MiB (HARD_MSGSIZEMAX): larger messages
 *           are n/a.  One queue, however many senders.
 * sysv-msg  msgsnd(2)/msgrcv(2): two copies.  The queue's msg_qbytes is
 *           set to the link's depth in bytes (at least the default
 *           msgmnb); limits.c raises kernel.msgmax and kernel.msgmnb.
 *
 * A receiver that polls (poll.c) tries mq_receive(3) on a second
 * descriptor of the queue, opened O_NONBLOCK (mq_timedreceive() with a
 * past deadline would arm a timer and sleep until it fires), or
 * msgrcv(2) with IPC_NOWAIT, before it receives as it otherwise does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "bench.h"

/* Linux's HARD_MSGSIZEMAX (ipc/mqueue.c): msgsize_max cannot exceed it. */
#define MQ_HARD_MSGSIZEMAX	(16 * MiB)

struct mq_priv {
	mqd_t mq;
	mqd_t mq_nb;		/* the same queue, O_NONBLOCK: polling */
	int msqid;
	void *buf;		/* in a child */
	size_t buf_len;
};

/* ------------------------------------------------------------------ */
/* POSIX                                                               */
/* ------------------------------------------------------------------ */

static int posix_create(struct link *l)
{
	static unsigned int seq;
	struct mq_priv *mp = l->priv;
	unsigned long max_size, max_msgs;
	struct mq_attr attr = { 0 };
	char name[64];

	mp->mq = mp->mq_nb = (mqd_t)-1;
	max_size = limit_read_ul("/proc/sys/fs/mqueue/msgsize_max");
	max_msgs = limit_read_ul("/proc/sys/fs/mqueue/msg_max");
	if (l->size > MQ_HARD_MSGSIZEMAX)
		return link_na(l, "POSIX mq messages are at most 16 MiB "
			       "(the kernel's HARD_MSGSIZEMAX)");
	if (max_size && l->size > max_size && geteuid() != 0)
		return link_na(l, "fs.mqueue.msgsize_max is %lu (not root: "
			       "cannot raise it)", max_size);

	attr.mq_maxmsg = l->depth;
	if (max_msgs && (unsigned long)attr.mq_maxmsg > max_msgs &&
	    geteuid() != 0)
		attr.mq_maxmsg = (long)max_msgs;
	attr.mq_msgsize = (long)l->size;
	snprintf(name, sizeof(name), "/fastipc-bench.%d.%u", (int)getpid(),
		 seq++);
	mp->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			 &attr);
	if (mp->mq == (mqd_t)-1) {
		int err = -errno;

		if (err == -EINVAL || err == -EMFILE || err == -ENOMEM)
			return link_na(l, "mq_open(maxmsg %ld, msgsize %zu): %s "
				       "(fs.mqueue.msg_max %lu, msgsize_max %lu)",
				       attr.mq_maxmsg, l->size,
				       strerror(-err), max_msgs, max_size);
		return link_fail(l, err, "mq_open");
	}
	mp->mq_nb = mq_open(name, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (mp->mq_nb == (mqd_t)-1) {
		int err = -errno;

		mq_unlink(name);
		return link_fail(l, err, "mq_open(O_NONBLOCK)");
	}
	/* The children inherit the descriptors: the name can go now. */
	mq_unlink(name);
	return 0;
}

static int mq_attach(struct link *l, int role)
{
	struct mq_priv *mp = l->priv;

	l->role = role;
	mp->buf_len = sizeof(long) + l->size;	/* SysV needs the type too */
	mp->buf = bench_alloc(mp->buf_len);
	return mp->buf ? 0 : link_fail(l, -ENOMEM, "buffer");
}

static int posix_tx_buf(struct link *l, void **buf)
{
	*buf = ((struct mq_priv *)l->priv)->buf;
	return 0;
}

static int posix_tx_send(struct link *l, void *buf)
{
	struct mq_priv *mp = l->priv;

	while (mq_send(mp->mq, buf, l->size, 0)) {
		if (errno != EINTR)
			return link_fail(l, -errno, "mq_send");
	}
	return 0;
}

static int posix_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct mq_priv *mp = l->priv;
	ssize_t n;

	rxpoll_begin(&l->poll);
	while (l->poll.spinning) {
		n = mq_receive(mp->mq_nb, mp->buf, l->size, NULL);
		if (n >= 0)
			goto got;
		if (errno != EAGAIN && errno != EINTR)
			return link_fail(l, -errno, "mq_receive(O_NONBLOCK)");
		if (!rxpoll_again(&l->poll))
			break;
	}
	while ((n = mq_receive(mp->mq, mp->buf, l->size, NULL)) < 0) {
		if (errno != EINTR)
			return link_fail(l, -errno, "mq_receive");
	}
	rxpoll_woke(&l->poll);
got:
	*data = mp->buf;
	*len = (size_t)n;
	return 0;
}

static int mq_rx_done(struct link *l)
{
	(void)l;
	return 0;
}

static void posix_destroy(struct link *l)
{
	struct mq_priv *mp = l->priv;

	if (mp->mq != (mqd_t)-1)
		mq_close(mp->mq);
	if (mp->mq_nb != (mqd_t)-1)
		mq_close(mp->mq_nb);
}

/* ------------------------------------------------------------------ */
/* System V                                                            */
/* ------------------------------------------------------------------ */

struct sysv_buf {
	long mtype;
	char mtext[];
};

static int sysv_create(struct link *l)
{
	struct mq_priv *mp = l->priv;
	unsigned long msgmax = limit_read_ul("/proc/sys/kernel/msgmax");
	unsigned long msgmnb = limit_read_ul("/proc/sys/kernel/msgmnb");
	struct msqid_ds ds;
	size_t qbytes;

	mp->msqid = -1;
	if (l->size > INT_MAX)
		return link_na(l, "kernel.msgmax is an int: at most 2 GiB - 1");
	if (msgmax && l->size > msgmax)
		return link_na(l, "kernel.msgmax is %lu%s", msgmax,
			       geteuid() ? " (not root: cannot raise it)" : "");

	mp->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (mp->msqid < 0)
		return link_fail(l, -errno, "msgget");
	if (msgctl(mp->msqid, IPC_STAT, &ds))
		return link_fail(l, -errno, "msgctl(IPC_STAT)");
	qbytes = (size_t)l->depth * l->size;
	if (qbytes > INT_MAX)
		qbytes = INT_MAX;
	if (qbytes < ds.msg_qbytes)
		qbytes = ds.msg_qbytes;
	if (qbytes < l->size)
		qbytes = l->size;
	ds.msg_qbytes = qbytes;
	if (msgctl(mp->msqid, IPC_SET, &ds)) {
		if (errno == EPERM && msgmnb >= l->size)
			return 0;	/* the default queue is enough */
		if (errno == EPERM)
			return link_na(l, "kernel.msgmnb is %lu (not root: "
				       "cannot raise the queue)", msgmnb);
		return link_fail(l, -errno, "msgctl(IPC_SET, %zu bytes)",
				 qbytes);
	}
	return 0;
}

static int sysv_tx_buf(struct link *l, void **buf)
{
	struct sysv_buf *b = ((struct mq_priv *)l->priv)->buf;

	b->mtype = 1;
	*buf = b->mtext;
	return 0;
}

static int sysv_tx_send(struct link *l, void *buf)
{
	struct mq_priv *mp = l->priv;

	(void)buf;
	while (msgsnd(mp->msqid, mp->buf, l->size, 0)) {
		if (errno != EINTR)
			return link_fail(l, -errno, "msgsnd");
	}
	return 0;
}

static int sysv_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct mq_priv *mp = l->priv;
	struct sysv_buf *b = mp->buf;
	ssize_t n;

	rxpoll_begin(&l->poll);
	while (l->poll.spinning) {
		n = msgrcv(mp->msqid, b, l->size, 0, IPC_NOWAIT);
		if (n >= 0)
			goto got;
		if (errno != ENOMSG && errno != EINTR)
			return link_fail(l, -errno, "msgrcv(IPC_NOWAIT)");
		if (!rxpoll_again(&l->poll))
			break;
	}
	while ((n = msgrcv(mp->msqid, b, l->size, 0, 0)) < 0) {
		if (errno != EINTR)
			return link_fail(l, -errno, "msgrcv");
	}
	rxpoll_woke(&l->poll);
got:
	*data = b->mtext;
	*len = (size_t)n;
	return 0;
}

static void sysv_destroy(struct link *l)
{
	struct mq_priv *mp = l->priv;

	if (mp->msqid >= 0)
		msgctl(mp->msqid, IPC_RMID, NULL);
}

const struct mech mech_posix_mq = {
	.name = "posix-mq",
	.family = "mq",
	.desc = "POSIX message queue, mq_send(3)/mq_receive(3): two copies",
	.poll_how = "mq_receive(3) from an O_NONBLOCK descriptor of the same "
		    "queue",
	.priv_size = sizeof(struct mq_priv),
	.create = posix_create,
	.attach = mq_attach,
	.tx_buf = posix_tx_buf,
	.tx_send = posix_tx_send,
	.rx_recv = posix_rx_recv,
	.rx_done = mq_rx_done,
	.destroy = posix_destroy,
};

const struct mech mech_sysv_msg = {
	.name = "sysv-msg",
	.family = "mq",
	.desc = "System V message queue, msgsnd(2)/msgrcv(2): two copies",
	.poll_how = "msgrcv(2) with IPC_NOWAIT",
	.priv_size = sizeof(struct mq_priv),
	.create = sysv_create,
	.attach = mq_attach,
	.tx_buf = sysv_tx_buf,
	.tx_send = sysv_tx_send,
	.rx_recv = sysv_rx_recv,
	.rx_done = mq_rx_done,
	.destroy = sysv_destroy,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: fastipc's three modes, through libfastipc.
 *
 * fastipc-copy  fastipc_send(FASTIPC_SEND_COPY) from the sender's buffer,
 *               fastipc_recv() into the receiver's: two copies, whatever
 *               the size (the kernel keeps the bytes in its own memory).
 *               Below 64 KiB the receiver takes as many messages per call
 *               as have arrived, up to 256 KiB of them (16 at most), with
 *               fastipc_recv_vec() into buffers of its own, as the stream
 *               readers of pipes and sockets do (util.c).
 * fastipc-zc    fastipc_msg_alloc(FASTIPC_ALLOC_WINDOW |
 *               FASTIPC_ALLOC_NOZERO) gives the sender pages in its window
 *               (recycled ones unzeroed: it overwrites every byte); it
 *               writes the payload there and fastipc_buf_send() moves the
 *               pages to the queue; fastipc_recv_msg() maps them into the
 *               receiver's (read-only: receive-only handle) window, which
 *               reads them in place and fastipc_msg_release()s them, back
 *               to the sender's pool.  No copy.  A message that arrives
 *               copied instead of mapped is an error here.
 * fastipc-auto  fastipc_msg_alloc(FASTIPC_ALLOC_NOZERO): a heap buffer
 *               below the channel's zc_threshold (the kernel then copies),
 *               a window buffer at or above it; fastipc_buf_send(),
 *               fastipc_recv_msg(), fastipc_msg_release().  What an
 *               application that fills its messages would write; below
 *               64 KiB it receives as the copy mode does, with
 *               fastipc_recv_vec(), and a message that call leaves (one
 *               in pages, at or above zc_threshold) with
 *               fastipc_recv_msg(), as it does every message after one
 *               that came in pages, until one comes copied.
 * fastipc-topic the fan-out workload's (fanout.c), where the header has
 *               topics (FASTIPC_O_TOPIC, libfastipc 0.8): the parent
 *               creates a topic with fastipc_topic_open() (a full topic
 *               blocks the publisher, no history); the publisher sends as
 *               fastipc-auto does, once per message; every subscriber
 *               opens a receive-only handle before the first message and
 *               takes each message with fastipc_recv_msg() (a page message
 *               is the same pages mapped read-only into every
 *               subscriber's window; below zc_threshold a copy),
 *               fastipc_msg_release().
 *
 * Every receiving handle polls by the cell's rule (poll.c), as every
 * other mechanism's receiver does in user space: adaptive
 * (fastipc_set_busy_poll_adaptive() with the module's own ceiling, the
 * rule a handle starts with: it polls only in the first receive after
 * the process's own send, a round trip's reply or the server's next
 * request, so stream receivers never poll, and for as long as such waits
 * recently took), fixed (fastipc_set_busy_poll(), --busy-poll US) or
 * none (fastipc_set_busy_poll(0): it sleeps at once).
 *
 * Round trips have one message in flight each way, so their receivers
 * take one message per call (fastipc_recv() or fastipc_recv_msg()), as a
 * request/reply peer would: a vector there only reads entries it cannot
 * fill.
 *
 * The parent creates the channel with max_msgs = the link's depth,
 * max_bytes = that many messages, and the module's zc_threshold (unless
 * --calibrate could not set the module's and chose one for the run);
 * each child opens its own handle by name, as the library requires for
 * zero-copy.  The channel is unlinked when the cell ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastipc.h"
#include "bench.h"

enum fipc_mode { FM_COPY, FM_ZC, FM_AUTO, FM_TOPIC };

/* calibrate.c: a zc_threshold for the run's channels (0: the module's). */
unsigned long bench_zc_threshold;

/* Vector receives: the stream readers' limits (util.c), in messages. */
#define FIPC_VEC_MAX		16
#define FIPC_VEC_BYTES		(256 * KiB)
#define FIPC_VEC_BELOW		(64 * KiB)

struct fipc_priv {
	enum fipc_mode mode;
	char name[FASTIPC_NAME_LEN];
	struct fastipc_chan *owner;	/* the parent's */
	struct fastipc_chan *ch;	/* a child's */
	void *buf;			/* copy mode: the private buffer */
	struct fastipc_msg msg;		/* the message being read */

	/* Receiver, copy and automatic modes below FIPC_VEC_BELOW: */
	struct fastipc_rbuf rb[FIPC_VEC_MAX];
	unsigned int nvec;		/* buffers in rb[]; 0: no vectors */
	unsigned int have, next;	/* messages in rb[], handed out */
	bool by_msg;			/* the last one came in pages */
	bool cur_msg;			/* the current one is in msg */
};

static int fipc_create(struct link *l, enum fipc_mode mode)
{
	static unsigned int seq;
	struct fipc_priv *fp = l->priv;
	struct fastipc_attr attr = { 0 };
	unsigned long max_msg, max_bytes;
	size_t bytes;
	int err;

	fp->mode = mode;
	max_msg = limit_read_ul("/sys/module/fastipc/parameters/max_msg_size");
	max_bytes = limit_read_ul("/sys/module/fastipc/parameters/max_bytes_limit");
	if (max_msg && l->size > max_msg)
		return link_na(l, "the module's max_msg_size is %lu", max_msg);

	bytes = (size_t)l->depth * l->size;
	if (max_bytes && bytes > max_bytes)
		bytes = max_bytes;
	if (bytes < l->size)
		bytes = l->size;
	attr.max_msgs = l->depth;
	attr.max_bytes = bytes;
	attr.max_msg_size = l->size;
	attr.zc_threshold = bench_zc_threshold;

	snprintf(fp->name, sizeof(fp->name), "fastipc-bench.%d.%u",
		 (int)getpid(), seq++);
#ifdef FASTIPC_O_TOPIC
	if (mode == FM_TOPIC) {
		/* 0: a full topic blocks the publisher; no history. */
		err = fastipc_topic_open(fp->name, FASTIPC_O_SEND |
					 FASTIPC_O_CREAT | FASTIPC_O_EXCL,
					 0600, &attr, 0, 0, &fp->owner);
		if (err == -EOPNOTSUPP)
			return link_na(l, "the module has no topics");
	} else
#endif
	err = fastipc_open(fp->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, 0600, &attr, &fp->owner);
	if (err == -ENODEV)
		return link_na(l, "/dev/fastipc not found: the module is "
			       "not loaded");
	if (err == -EINVAL)
		return link_na(l, "the module refuses max_msgs %u, "
			       "max_bytes %zu, max_msg_size %zu",
			       l->depth, bytes, l->size);
	if (err) {
		link_fail(l, err, "fastipc_open(%s)", fp->name);
		fp->owner = NULL;
		return err;
	}
	return 0;
}

static int copy_create(struct link *l)
{
	return fipc_create(l, FM_COPY);
}

static int zc_create(struct link *l)
{
	return fipc_create(l, FM_ZC);
}

static int auto_create(struct link *l)
{
	return fipc_create(l, FM_AUTO);
}

/* The kernel's poll by the cell's rule. */
static int fipc_set_poll(struct fastipc_chan *ch, struct poll_rule rule)
{
	switch (rule.mode) {
	case POLL_OFF:
		return fastipc_set_busy_poll(ch, 0);
	case POLL_FIXED:
		return fastipc_set_busy_poll(ch, rule.us);
	case POLL_ADAPTIVE:
		return fastipc_set_busy_poll_adaptive(ch, rule.us);
	default:
		return 0;	/* the module's default */
	}
}

static int fipc_attach(struct link *l, int role)
{
	struct fipc_priv *fp = l->priv;
	int err;

	l->role = role;
	/* The parent's handle is not this process's to use. */
	fp->owner = NULL;
	err = fastipc_open(fp->name, role == ROLE_RX ? FASTIPC_O_RECV :
			   FASTIPC_O_SEND, 0, NULL, &fp->ch);
	if (err)
		return link_fail(l, err, "fastipc_open(%s)", fp->name);
	if (role == ROLE_RX) {
		err = fipc_set_poll(fp->ch, l->poll.rule);
		if (err)
			return link_fail(l, err, "fastipc_set_busy_poll%s",
					 l->poll.rule.mode == POLL_ADAPTIVE ?
					 "_adaptive" : "");
	}
	if (fp->mode == FM_COPY) {
		fp->buf = bench_alloc(l->size);
		if (!fp->buf)
			return link_fail(l, -ENOMEM, "buffer");
	}
	if (role == ROLE_RX && (fp->mode == FM_COPY || fp->mode == FM_AUTO) &&
	    !l->round_trip &&
	    l->size < FIPC_VEC_BELOW) {
		size_t n = FIPC_VEC_BYTES / (l->size ? l->size : 1);

		fp->nvec = n > FIPC_VEC_MAX ? FIPC_VEC_MAX : (unsigned int)n;
		for (unsigned int i = 0; i < fp->nvec; i++) {
			fp->rb[i].buf = bench_alloc(l->size);
			fp->rb[i].size = l->size;
			if (!fp->rb[i].buf)
				return link_fail(l, -ENOMEM, "buffers");
		}
	}
	return 0;
}

/*
 * The next message from the last vector, receiving one when it is used
 * up: 0, 1 if the next message is one the vector leaves (pages), or an
 * error.
 */
static int fipc_rx_vec(struct link *l, const void **data, size_t *len)
{
	struct fipc_priv *fp = l->priv;
	int n;

	if (fp->next == fp->have) {
		n = fastipc_recv_vec(fp->ch, fp->rb, fp->nvec, 0,
				     FASTIPC_TIMEOUT_NONE);
		if (n == -EMSGSIZE && fp->mode == FM_AUTO)
			return 1;
		if (n < 0)
			return link_fail(l, n, "fastipc_recv_vec");
		fp->have = (unsigned int)n;
		fp->next = 0;
	}
	*data = fp->rb[fp->next].buf;
	*len = fp->rb[fp->next].len;
	fp->next++;
	return 0;
}

static int fipc_tx_buf(struct link *l, void **buf)
{
	struct fipc_priv *fp = l->priv;
	int err;

	switch (fp->mode) {
	case FM_COPY:
		*buf = fp->buf;
		return 0;
	case FM_ZC:
		/* The sender writes every byte: recycled pages need no
		 * zeroing (FASTIPC_ALLOC_NOZERO, zerocopy.md). */
		err = fastipc_msg_alloc(fp->ch, l->size, FASTIPC_ALLOC_WINDOW |
					FASTIPC_ALLOC_NOZERO, buf);
		return err ? link_fail(l, err, "fastipc_msg_alloc(WINDOW)") : 0;
	case FM_AUTO:
	case FM_TOPIC:
		err = fastipc_msg_alloc(fp->ch, l->size, FASTIPC_ALLOC_NOZERO,
					buf);
		return err ? link_fail(l, err, "fastipc_msg_alloc") : 0;
	}
	return -EINVAL;
}

static int fipc_tx_send(struct link *l, void *buf)
{
	struct fipc_priv *fp = l->priv;
	int err;

	if (fp->mode == FM_COPY) {
		err = fastipc_send(fp->ch, buf, l->size, 0, FASTIPC_SEND_COPY);
		return err ? link_fail(l, err, "fastipc_send") : 0;
	}
	err = fastipc_buf_send(fp->ch, buf, l->size, 0, 0,
			       FASTIPC_TIMEOUT_NONE);
	if (err) {
		fastipc_buf_free(fp->ch, buf);
		return link_fail(l, err, "fastipc_buf_send");
	}
	return 0;
}

static int fipc_rx_recv(struct link *l, const void **data, size_t *len)
{
	struct fipc_priv *fp = l->priv;
	ssize_t n;
	int err;

	fp->cur_msg = false;
	if (fp->nvec && !fp->by_msg) {
		err = fipc_rx_vec(l, data, len);
		if (err <= 0)
			return err;
	}
	if (fp->mode == FM_COPY) {
		n = fastipc_recv(fp->ch, fp->buf, l->size, NULL, 0);
		if (n < 0)
			return link_fail(l, (int)n, "fastipc_recv");
		*data = fp->buf;
		*len = (size_t)n;
		return 0;
	}
	err = fastipc_recv_msg(fp->ch, &fp->msg, 0, FASTIPC_TIMEOUT_NONE);
	if (err)
		return link_fail(l, err, "fastipc_recv_msg");
	fp->cur_msg = true;
	fp->by_msg = fp->msg.flags & FASTIPC_MSG_PAGES;
	if (fp->mode == FM_ZC && !(fp->msg.flags & FASTIPC_MSG_MAPPED)) {
		fastipc_msg_release(fp->ch, &fp->msg);
		return link_fail(l, -EPROTO, "zero-copy: a message arrived "
				 "copied, not mapped");
	}
	*data = fp->msg.data;
	*len = fp->msg.len;
	return 0;
}

static int fipc_rx_done(struct link *l)
{
	struct fipc_priv *fp = l->priv;
	int err;

	if (!fp->cur_msg)
		return 0;
	err = fastipc_msg_release(fp->ch, &fp->msg);
	return err ? link_fail(l, err, "fastipc_msg_release") : 0;
}

static void fipc_detach(struct link *l)
{
	struct fipc_priv *fp = l->priv;

	fastipc_close(fp->ch);
	fp->ch = NULL;
}

static void fipc_destroy(struct link *l)
{
	struct fipc_priv *fp = l->priv;

	if (fp->owner) {
		fastipc_unlink(fp->name);
		fastipc_close(fp->owner);
		fp->owner = NULL;
	}
}

#define FIPC_POLL_HOW	"the module's busy poll, set with " \
			"fastipc_set_busy_poll() or " \
			"fastipc_set_busy_poll_adaptive()"

#define FIPC_MECH(id, text, create_fn)			\
	{						\
		.name = id,				\
		.family = "fastipc",			\
		.desc = text,				\
		.poll_how = FIPC_POLL_HOW,		\
		.flags = MECH_FASTIPC,			\
		.priv_size = sizeof(struct fipc_priv),	\
		.create = create_fn,			\
		.attach = fipc_attach,			\
		.tx_buf = fipc_tx_buf,			\
		.tx_send = fipc_tx_send,		\
		.rx_recv = fipc_rx_recv,		\
		.rx_done = fipc_rx_done,		\
		.detach = fipc_detach,			\
		.destroy = fipc_destroy,		\
	}

const struct mech mech_fastipc_copy = FIPC_MECH("fastipc-copy",
	"fastipc_send(FASTIPC_SEND_COPY) / fastipc_recv_vec() for streams "
	"below 64 KiB (as many as have arrived), else fastipc_recv(): "
	"two copies",
	copy_create);
const struct mech mech_fastipc_zc = FIPC_MECH("fastipc-zc",
	"fastipc_msg_alloc(WINDOW|NOZERO) + fastipc_buf_send() / "
	"fastipc_recv_msg() mapped: pages moved and recycled, no copy",
	zc_create);
const struct mech mech_fastipc_auto = FIPC_MECH("fastipc-auto",
	"fastipc_msg_alloc(NOZERO) (heap below zc_threshold, window above) + "
	"fastipc_buf_send() / fastipc_recv_vec() for streams below 64 KiB, "
	"else fastipc_recv_msg()", auto_create);

/* Topics: only where the header has them (libfastipc 0.8). */
#ifdef FASTIPC_O_TOPIC
static int topic_create(struct link *l)
{
	return fipc_create(l, FM_TOPIC);
}

const bool fanout_has_topic = true;
const struct mech mech_fastipc_topic = {
	.name = "fastipc-topic",
	.family = "fastipc",
	.desc = "fastipc_topic_open() (blocks when full); the publisher "
		"sends once: fastipc_msg_alloc(NOZERO) + fastipc_buf_send(); "
		"each subscriber fastipc_recv_msg(): the same pages mapped "
		"read-only into every subscriber (a copy below zc_threshold)",
	.poll_how = FIPC_POLL_HOW,
	.flags = MECH_FASTIPC | MECH_BCAST,
	.priv_size = sizeof(struct fipc_priv),
	.create = topic_create,
	.attach = fipc_attach,
	.tx_buf = fipc_tx_buf,
	.tx_send = fipc_tx_send,
	.rx_recv = fipc_rx_recv,
	.rx_done = fipc_rx_done,
	.detach = fipc_detach,
	.destroy = fipc_destroy,
};
#else
const bool fanout_has_topic = false;
#endif

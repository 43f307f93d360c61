// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench, call workload: fastipc's request/reply through
 * libfastipc (Documentation/services.md).
 *
 * fastipc-call     the copy path.  Client: fastipc_call(FASTIPC_SEND_COPY)
 *                  from its request buffer, the reply copied into its
 *                  reply buffer: one system call.  Server:
 *                  fastipc_recv_request() for the first request, then
 *                  fastipc_reply_recv(FASTIPC_SEND_COPY) from its reply
 *                  buffer, which answers and takes the next request in
 *                  one system call; fastipc_reply() answers the last.
 * fastipc-call-zc  the page path.  Client: the request in pages of its
 *                  window (fastipc_msg_alloc(FASTIPC_ALLOC_WINDOW |
 *                  FASTIPC_ALLOC_NOZERO) the first time, afterwards the
 *                  pages of the last reply, which it owns), sent with
 *                  fastipc_call_msg(), whose reply is mapped into the
 *                  window (FASTIPC_CALL_MAP).  Server: the request mapped
 *                  into its window (read-write: the handle may send),
 *                  checked, the reply written over it in place and sent
 *                  with the same pages (fastipc_reply_recv() with the
 *                  mapped request's data): no copy either way, one system
 *                  call each side once a buffer circulates.
 *
 * Every handle polls by the cell's rule in the kernel: the server's for
 * requests, the clients' for replies (fastipc_set_busy_poll_adaptive()
 * or fastipc_set_busy_poll(); 0 without polling).  Handles are opened
 * FASTIPC_O_RDWR so that each can have its poll set and a read-write
 * window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastipc.h"
#include "bench.h"

struct cfipc {
	bool zc;
	char name[FASTIPC_NAME_LEN];
	struct fastipc_chan *owner;	/* the parent's */
	struct fastipc_chan *ch;	/* a child's */
	void *buf;			/* request (client), reply (server) */
	void *rbuf;			/* client, copy: the reply */
	struct fastipc_msg msg;		/* server: the request; zc client:
					 * the last reply */
	bool have_msg;
	uint64_t token;
	bool pending;			/* server: a reply to send */
	void *rep;			/* its buffer */
	unsigned int rep_flags;
};

static int cf_create(struct svc *s, bool zc)
{
	static unsigned int seq;
	struct cfipc *fp = s->priv;
	struct fastipc_attr attr = { 0 };
	unsigned long max_msg;
	int err;

	fp->zc = zc;
	max_msg = limit_read_ul("/sys/module/fastipc/parameters/max_msg_size");
	if (max_msg && s->size > max_msg)
		return svc_na(s, "the module's max_msg_size is %lu", max_msg);
	attr.max_msgs = s->nclients > 2 ? s->nclients * 2 : 4;
	attr.max_bytes = (size_t)attr.max_msgs * s->size;
	attr.max_msg_size = s->size;
	attr.zc_threshold = bench_zc_threshold;
	snprintf(fp->name, sizeof(fp->name), "fastipc-bench.call.%d.%u",
		 (int)getpid(), seq++);
	err = fastipc_open(fp->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, 0600, &attr, &fp->owner);
	if (err == -ENODEV)
		return svc_na(s, "/dev/fastipc not found: the module is not "
			      "loaded");
	if (err) {
		fp->owner = NULL;
		return svc_fail(s, err, "fastipc_open(%s)", fp->name);
	}
	return 0;
}

static int copy_create(struct svc *s)
{
	return cf_create(s, false);
}

static int zc_create(struct svc *s)
{
	return cf_create(s, true);
}

static int cf_attach(struct svc *s, int role)
{
	struct cfipc *fp = s->priv;
	struct poll_rule rule = s->poll.rule;
	int err;

	s->role = role;
	fp->owner = NULL;
	err = fastipc_open(fp->name, FASTIPC_O_RDWR, 0, NULL, &fp->ch);
	if (err)
		return svc_fail(s, err, "fastipc_open(%s)", fp->name);
	switch (rule.mode) {
	case POLL_OFF:
		err = fastipc_set_busy_poll(fp->ch, 0);
		break;
	case POLL_FIXED:
		err = fastipc_set_busy_poll(fp->ch, rule.us);
		break;
	case POLL_ADAPTIVE:
		err = fastipc_set_busy_poll_adaptive(fp->ch, rule.us);
		break;
	default:
		break;
	}
	if (err)
		return svc_fail(s, err, "fastipc_set_busy_poll");
	fp->buf = bench_alloc(s->size);
	fp->rbuf = bench_alloc(s->size);
	if (!fp->buf || !fp->rbuf)
		return svc_fail(s, -ENOMEM, "buffers");
	return 0;
}

/* Client */

static int cf_req_buf(struct svc *s, void **buf)
{
	struct cfipc *fp = s->priv;
	int err;

	if (!fp->zc) {
		*buf = fp->buf;
		return 0;
	}
	/* The last reply's pages are ours: the next request goes in them. */
	if (fp->have_msg && (fp->msg.flags & FASTIPC_MSG_MAPPED) &&
	    fp->msg.len >= s->size) {
		*buf = fp->msg.data;
		fp->have_msg = false;
		return 0;
	}
	if (fp->have_msg) {
		fp->have_msg = false;
		err = fastipc_msg_release(fp->ch, &fp->msg);
		if (err)
			return svc_fail(s, err, "fastipc_msg_release");
	}
	err = fastipc_msg_alloc(fp->ch, s->size, FASTIPC_ALLOC_WINDOW |
				FASTIPC_ALLOC_NOZERO, buf);
	return err ? svc_fail(s, err, "fastipc_msg_alloc") : 0;
}

static int cf_call(struct svc *s, void *buf, const void **reply, size_t *len)
{
	struct cfipc *fp = s->priv;
	ssize_t n;
	int err;

	if (!fp->zc) {
		n = fastipc_call(fp->ch, buf, s->size, 0, fp->rbuf, s->size,
				 FASTIPC_SEND_COPY, -1);
		if (n < 0)
			return svc_fail(s, (int)n, "fastipc_call");
		*reply = fp->rbuf;
		*len = (size_t)n;
		return 0;
	}
	err = fastipc_call_msg(fp->ch, buf, s->size, 0, 0, &fp->msg, -1);
	if (err)
		return svc_fail(s, err, "fastipc_call_msg");
	fp->have_msg = true;
	*reply = fp->msg.data;
	*len = fp->msg.len;
	return 0;
}

static int cf_reply_done(struct svc *s)
{
	(void)s;
	return 0;	/* zc: the reply's pages carry the next request */
}

/* Server */

static int cf_recv(struct svc *s, const void **req, size_t *len, int *who)
{
	struct cfipc *fp = s->priv;
	int err;

	if (fp->pending) {
		fp->pending = false;
		err = fastipc_reply_recv(fp->ch, &fp->token, fp->rep, s->size,
					 fp->rep_flags, &fp->msg, NULL, -1);
		if (err)
			return svc_fail(s, err, "fastipc_reply_recv");
	} else {
		err = fastipc_recv_request(fp->ch, &fp->msg, &fp->token, NULL,
					   0, -1);
		if (err)
			return svc_fail(s, err, "fastipc_recv_request");
	}
	if (!fp->token)
		return svc_fail(s, -EPROTO, "a plain message, not a request");
	fp->have_msg = true;
	*req = fp->msg.data;
	*len = fp->msg.len;
	*who = -1;
	return 0;
}

static int cf_rep_buf(struct svc *s, void **buf)
{
	struct cfipc *fp = s->priv;
	int err;

	/* zc: the reply over the mapped request, its pages sent back. */
	if (fp->zc && (fp->msg.flags & FASTIPC_MSG_MAPPED) &&
	    fp->msg.len >= s->size) {
		fp->have_msg = false;
		fp->rep = fp->msg.data;
		fp->rep_flags = 0;
		*buf = fp->rep;
		return 0;
	}
	/* Copied: the request is checked, give its buffer back. */
	fp->have_msg = false;
	err = fastipc_msg_release(fp->ch, &fp->msg);
	if (err)
		return svc_fail(s, err, "fastipc_msg_release");
	fp->rep = fp->buf;
	fp->rep_flags = fp->zc ? FASTIPC_SEND_PAGES : FASTIPC_SEND_COPY;
	*buf = fp->rep;
	return 0;
}

static int cf_reply(struct svc *s, void *buf)
{
	struct cfipc *fp = s->priv;

	(void)buf;
	fp->pending = true;	/* sent by the next recv */
	return 0;
}

static int cf_finish(struct svc *s)
{
	struct cfipc *fp = s->priv;
	int err;

	if (!fp->pending)
		return 0;
	fp->pending = false;
	err = fastipc_reply(fp->ch, fp->token, fp->rep, s->size,
			    fp->rep_flags);
	return err ? svc_fail(s, err, "fastipc_reply") : 0;
}

static void cf_detach(struct svc *s)
{
	struct cfipc *fp = s->priv;

	if (fp->have_msg)
		fastipc_msg_release(fp->ch, &fp->msg);
	fastipc_close(fp->ch);
	fp->ch = NULL;
}

static void cf_destroy(struct svc *s)
{
	struct cfipc *fp = s->priv;

	if (fp->owner) {
		fastipc_unlink(fp->name);
		fastipc_close(fp->owner);
		fp->owner = NULL;
	}
}

#define CF_POLL_HOW	"the module's busy poll on every handle (the " \
			"server's for requests, the clients' for replies), " \
			"set with fastipc_set_busy_poll() or " \
			"fastipc_set_busy_poll_adaptive()"

static const struct mech mech_fastipc_call = {
	.name = "fastipc-call",
	.family = "fastipc",
	.desc = "fastipc_call(FASTIPC_SEND_COPY) / fastipc_reply_recv(): "
		"copied both ways, one system call each side",
	.poll_how = CF_POLL_HOW,
	.flags = MECH_FASTIPC,
};

static const struct mech mech_fastipc_call_zc = {
	.name = "fastipc-call-zc",
	.family = "fastipc",
	.desc = "fastipc_call_msg() with window pages / fastipc_reply_recv() "
		"with the mapped request's pages: no copy",
	.poll_how = CF_POLL_HOW,
	.flags = MECH_FASTIPC,
};

#define CF_OPS						\
	.priv_size = sizeof(struct cfipc),		\
	.attach = cf_attach,				\
	.req_buf = cf_req_buf,				\
	.call = cf_call,				\
	.reply_done = cf_reply_done,			\
	.recv = cf_recv,				\
	.rep_buf = cf_rep_buf,				\
	.reply = cf_reply,				\
	.finish = cf_finish,				\
	.detach = cf_detach,				\
	.destroy = cf_destroy

const struct callmech call_fastipc_copy = {
	.mech = &mech_fastipc_call,
	.create = copy_create,
	CF_OPS,
};

const struct callmech call_fastipc_zc = {
	.mech = &mech_fastipc_call_zc,
	.create = zc_create,
	CF_OPS,
};

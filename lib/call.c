// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: requests and replies.  A client calls (sends a request and
 * waits for its reply in one system call); a server receives requests
 * with their reply tokens and answers each, with or without waiting for
 * the next in the same system call.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Does the module have request/reply? */
static bool has_calls(const struct fastipc_chan *ch)
{
	return fipc_has_ioctl(ch, FASTIPC_IOC_CALL) &&
	       fipc_has_ioctl(ch, FASTIPC_IOC_REPLY) &&
	       fipc_has_ioctl(ch, FASTIPC_IOC_REPLY_RECV) &&
	       (ch->features.recv_flags & FASTIPC_RECV_CALL);
}

FASTIPC_EXPORT
ssize_t fastipc_call(struct fastipc_chan *ch, const void *req, size_t len,
		     unsigned int prio, void *reply, size_t size,
		     unsigned int flags, int64_t timeout_ns)
{
	struct fastipc_call c;
	int ret;

	if (!ch || (flags & ~(FASTIPC_NONBLOCK | FASTIPC_SEND_COPY |
			      FASTIPC_SEND_PAGES)))
		return -EINVAL;
	if (!has_calls(ch))
		return -EOPNOTSUPP;
	memset(&c, 0, sizeof(c));
	c.buf = fipc_ptr(req);
	c.len = len;
	c.reply_buf = fipc_ptr(reply);
	c.reply_len = size;
	c.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	c.prio = prio;
	c.flags = flags;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_CALL, &c);
	return ret ? ret : (ssize_t)c.reply_len;
}

/* The send flags that move @buf if it is a buffer of @ch's window. */
static int buf_flags(struct fastipc_chan *ch, const void *buf,
		     unsigned int *kflags)
{
	switch (fipc_window_owner(ch, buf)) {
	case FIPC_OWN_WINDOW:
		*kflags = FASTIPC_SEND_BUF |
			  (*kflags & ~(FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES));
		return 0;
	case FIPC_OTHER_WINDOW:
		return -EINVAL;
	case FIPC_PARENT_WINDOW:
		return -EPERM;
	default:
		return 0;
	}
}

FASTIPC_EXPORT
int fastipc_call_msg(struct fastipc_chan *ch, void *buf, size_t len,
		     unsigned int prio, unsigned int flags,
		     struct fastipc_msg *reply, int64_t timeout_ns)
{
	struct fastipc_recv r;
	struct fastipc_call c;
	unsigned int kflags = flags;
	bool heap;
	size_t rsize;
	void *rbuf;
	int ret;

	if (!ch || !reply || (flags & ~FASTIPC_NONBLOCK))
		return -EINVAL;
	if (!has_calls(ch))
		return -EOPNOTSUPP;
	ret = buf_flags(ch, buf, &kflags);
	if (ret)
		return ret;
	heap = !(kflags & FASTIPC_SEND_BUF);
	/* A page reply is mapped when a window can be had, else copied. */
	if (fipc_window_need(ch, 0) == 0)
		kflags |= FASTIPC_CALL_MAP;
	rbuf = fipc_spare_get(ch, &rsize);
	if (!rbuf)
		return -ENOMEM;

	memset(&c, 0, sizeof(c));
	c.buf = fipc_ptr(buf);
	c.len = len;
	c.reply_buf = fipc_ptr(rbuf);
	c.reply_len = rsize;
	c.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	c.prio = prio;
	c.flags = kflags;
	c.reply_flags = 0;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_CALL, &c);
	if (ret || (c.reply_flags & FASTIPC_MSG_MAPPED)) {
		fipc_spare_put(ch, rbuf);
		rbuf = NULL;
	}
	/*
	 * Once the request was sent its buffer is gone, as after
	 * fastipc_buf_send(): a window buffer moved, a heap one freed.
	 */
	if (heap && (c.reply_flags & FASTIPC_CALL_SENT))
		fastipc_buf_free(ch, buf);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	r.len = c.reply_len;
	r.addr = c.reply_addr;
	r.msg_flags = c.reply_flags;
	/* A copied reply may be the spare buffer, lent as by recv_msg. */
	fipc_fill_msg(reply, &r, rbuf ? fipc_spare_hand_out(ch, rbuf, r.len, true) :
		 NULL);
	return 0;
}

FASTIPC_EXPORT
int fastipc_recv_request(struct fastipc_chan *ch, struct fastipc_msg *msg,
			 uint64_t *token, struct fastipc_sender *sender,
			 unsigned int flags, int64_t timeout_ns)
{
	int64_t deadline = fipc_deadline(timeout_ns);
	unsigned int kflags = flags | FASTIPC_RECV_CALL;
	struct fastipc_recv r;
	int ret;

	if (!ch || !msg || !token || (flags & ~FASTIPC_NONBLOCK))
		return -EINVAL;
	if (!has_calls(ch))
		return -EOPNOTSUPP;
	ret = fipc_sender_flags(ch, sender, &kflags);
	if (ret)
		return ret;
	ret = fipc_recv_msg_as(ch, msg, kflags, deadline, &r);
	if (ret)
		return ret;
	fipc_put_sender(sender, &r);
	*token = r.msg_flags & FASTIPC_MSG_CALL ? r.token : 0;
	return 0;
}

FASTIPC_EXPORT
int fastipc_reply(struct fastipc_chan *ch, uint64_t token, void *buf,
		  size_t len, unsigned int flags)
{
	unsigned int kflags = flags;
	struct fastipc_reply rp;
	int ret;

	if (!ch || (flags & ~(FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES)))
		return -EINVAL;
	if (!has_calls(ch))
		return -EOPNOTSUPP;
	ret = buf_flags(ch, buf, &kflags);
	if (ret)
		return ret;
	memset(&rp, 0, sizeof(rp));
	rp.token = token;
	rp.buf = fipc_ptr(buf);
	rp.len = len;
	rp.flags = kflags;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_REPLY, &rp);
}

FASTIPC_EXPORT
int fastipc_reply_recv(struct fastipc_chan *ch, uint64_t *token, void *buf,
		       size_t len, unsigned int flags,
		       struct fastipc_msg *msg, struct fastipc_sender *sender,
		       int64_t timeout_ns)
{
	int64_t deadline = fipc_deadline(timeout_ns);
	unsigned int rflags = FASTIPC_RECV_CALL;
	struct fastipc_reply_recv rr;
	unsigned int kflags = flags;
	size_t rsize;
	void *rbuf;
	int ret;

	if (!ch || !token || !msg ||
	    (flags & ~(FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES)))
		return -EINVAL;
	if (!has_calls(ch))
		return -EOPNOTSUPP;
	ret = buf_flags(ch, buf, &kflags);
	if (ret)
		return ret;
	ret = fipc_sender_flags(ch, sender, &rflags);
	if (ret)
		return ret;
	rbuf = fipc_spare_get(ch, &rsize);
	if (!rbuf)
		return -ENOMEM;
	memset(&rr, 0, sizeof(rr));
	rr.reply.token = *token;
	rr.reply.buf = fipc_ptr(buf);
	rr.reply.len = len;
	rr.reply.flags = kflags;
	rr.recv.buf = fipc_ptr(rbuf);
	rr.recv.len = rsize;
	rr.recv.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	rr.recv.flags = rflags;
	if (fipc_window_need(ch, 0) == 0)
		rr.recv.flags |= FASTIPC_RECV_MAP;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_REPLY_RECV, &rr);
	/* The kernel clears the token once the reply is done. */
	if (!rr.reply.token)
		*token = 0;
	if (ret || (rr.recv.msg_flags & FASTIPC_MSG_MAPPED)) {
		fipc_spare_put(ch, rbuf);
		rbuf = NULL;
	}
	switch (ret) {
	case 0:
		break;
	case -EMSGSIZE:		/* longer than the spare buffer */
		fipc_guess_grow(ch, rr.recv.len);
		/* fall through */
	case -ENOSPC:		/* no room in the window */
	case -ENXIO:
	case -EPERM:
		/* Replied, not received: the next one another way. */
		if (rr.reply.token)
			return ret;
		return fastipc_recv_request(ch, msg, token, sender, 0,
					    fipc_remaining(deadline));
	default:
		return ret;
	}
	fipc_fill_msg(msg, &rr.recv, rbuf ? fipc_spare_hand_out(ch, rbuf,
							   rr.recv.len, true) :
		 NULL);
	fipc_put_sender(sender, &rr.recv);
	*token = rr.recv.msg_flags & FASTIPC_MSG_CALL ? rr.recv.token : 0;
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: messages that carry file descriptors, as SCM_RIGHTS does.
 * The kernel takes a reference to each file at send and installs it in
 * the receiver at receive; a receive that does not ask closes them.
 */
#include <string.h>

#include "internal.h"

FASTIPC_EXPORT
int fastipc_send_fds(struct fastipc_chan *ch, const void *buf, size_t len,
		     unsigned int prio, const int *fds, unsigned int nr_fds,
		     unsigned int flags, int64_t timeout_ns)
{
	const unsigned int paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES;
	struct fastipc_send s;

	if (!ch || (nr_fds && !fds) ||
	    (flags & ~(FASTIPC_NONBLOCK | paths)) ||
	    (flags & paths) == paths)
		return -EINVAL;
	if (!ch->features.fds_max)
		return -EOPNOTSUPP;
	memset(&s, 0, sizeof(s));
	s.buf = fipc_ptr(buf);
	s.len = len;
	s.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	s.prio = prio;
	s.flags = flags;
	s.fds = nr_fds ? fipc_ptr(fds) : 0;
	s.nr_fds = nr_fds;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_SEND, &s);
}

FASTIPC_EXPORT
int fastipc_recv_fds(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     int *fds, unsigned int *nr_fds, unsigned int flags,
		     int64_t timeout_ns)
{
	struct fastipc_recv r;
	int ret;

	if (!ch || !msg || !nr_fds || (*nr_fds && !fds) ||
	    (flags & ~(FASTIPC_NONBLOCK | FASTIPC_RECV_CLOEXEC)))
		return -EINVAL;
	if (!ch->features.fds_max)
		return -EOPNOTSUPP;
	memset(&r, 0, sizeof(r));
	r.fds = *nr_fds ? fipc_ptr(fds) : 0;
	r.nr_fds = *nr_fds;
	ret = fipc_recv_msg_as(ch, msg, flags | FASTIPC_RECV_FDS,
			       fipc_deadline(timeout_ns), &r);
	/* On -ETOOMANYREFS too: how many it carries. */
	if (!ret || ret == -ETOOMANYREFS)
		*nr_fds = r.nr_fds;
	return ret;
}

FASTIPC_EXPORT
ssize_t fastipc_call_fds(struct fastipc_chan *ch, const void *req,
			 size_t len, unsigned int prio, void *reply,
			 size_t size, struct fastipc_call_fds *fds,
			 unsigned int flags, int64_t timeout_ns)
{
	const unsigned int paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES;
	struct fastipc_call c;
	int ret;

	if (!ch || !fds || (fds->nr_fds && !fds->fds) ||
	    (fds->reply_nr_fds && !fds->reply_fds) ||
	    (flags & ~(FASTIPC_NONBLOCK | paths | FASTIPC_CALL_CLOEXEC)) ||
	    (flags & paths) == paths)
		return -EINVAL;
	if (!ch->features.fds_max)
		return -EOPNOTSUPP;
	memset(&c, 0, sizeof(c));
	c.buf = fipc_ptr(req);
	c.len = len;
	c.reply_buf = fipc_ptr(reply);
	c.reply_len = size;
	c.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	c.prio = prio;
	c.flags = flags;
	c.fds = fds->nr_fds ? fipc_ptr(fds->fds) : 0;
	c.nr_fds = fds->nr_fds;
	if (fds->reply_nr_fds) {
		c.reply_fds = fipc_ptr(fds->reply_fds);
		c.reply_nr_fds = fds->reply_nr_fds;
	} else {
		c.flags &= ~FASTIPC_CALL_CLOEXEC;
	}
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_CALL, &c);
	if (ret)
		return ret;
	fds->reply_nr_fds = c.reply_nr_fds;
	return (ssize_t)c.reply_len;
}

FASTIPC_EXPORT
int fastipc_recv_request_fds(struct fastipc_chan *ch, struct fastipc_msg *msg,
			     uint64_t *token, struct fastipc_sender *sender,
			     int *fds, unsigned int *nr_fds,
			     unsigned int flags, int64_t timeout_ns)
{
	unsigned int kflags = flags | FASTIPC_RECV_CALL | FASTIPC_RECV_FDS;
	struct fastipc_recv r;
	int ret;

	if (!ch || !msg || !token || !nr_fds || (*nr_fds && !fds) ||
	    (flags & ~(FASTIPC_NONBLOCK | FASTIPC_RECV_CLOEXEC)))
		return -EINVAL;
	if (!ch->features.fds_max)
		return -EOPNOTSUPP;
	ret = fipc_sender_flags(ch, sender, &kflags);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	r.fds = *nr_fds ? fipc_ptr(fds) : 0;
	r.nr_fds = *nr_fds;
	ret = fipc_recv_msg_as(ch, msg, kflags, fipc_deadline(timeout_ns), &r);
	if (!ret || ret == -ETOOMANYREFS)
		*nr_fds = r.nr_fds;
	if (ret)
		return ret;
	fipc_put_sender(sender, &r);
	*token = r.msg_flags & FASTIPC_MSG_CALL ? r.token : 0;
	return 0;
}

FASTIPC_EXPORT
int fastipc_reply_fds(struct fastipc_chan *ch, uint64_t token,
		      const void *buf, size_t len, const int *fds,
		      unsigned int nr_fds, unsigned int flags)
{
	const unsigned int paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES;
	struct fastipc_reply rp;

	if (!ch || (nr_fds && !fds) || (flags & ~paths) ||
	    (flags & paths) == paths)
		return -EINVAL;
	if (!ch->features.fds_max)
		return -EOPNOTSUPP;
	memset(&rp, 0, sizeof(rp));
	rp.token = token;
	rp.buf = fipc_ptr(buf);
	rp.len = len;
	rp.flags = flags;
	rp.fds = nr_fds ? fipc_ptr(fds) : 0;
	rp.nr_fds = nr_fds;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_REPLY, &rp);
}

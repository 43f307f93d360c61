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

// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: who sent a message.  The kernel records every message's
 * sender when it is sent; a receive that asks gets its pid, tid, uid and
 * gid as the receiver's namespaces see them (struct fastipc_sender).
 */
#include <string.h>

#include "internal.h"

/*
 * Add to the kernel receive flags @kflags what asks for the sender, if
 * @sender wants it: -EOPNOTSUPP on a module that cannot say.
 */
int fipc_sender_flags(const struct fastipc_chan *ch,
		      const struct fastipc_sender *sender,
		      unsigned int *kflags)
{
	if (!sender)
		return 0;
	if (!(ch->features.recv_flags & FASTIPC_RECV_SENDER))
		return -EOPNOTSUPP;
	*kflags |= FASTIPC_RECV_SENDER;
	return 0;
}

/* What the kernel said about the sender of @r, for a caller that asked. */
void fipc_put_sender(struct fastipc_sender *sender,
		     const struct fastipc_recv *r)
{
	if (sender)
		*sender = r->sender;
}

FASTIPC_EXPORT
int fastipc_recv_from(struct fastipc_chan *ch, struct fastipc_msg *msg,
		      struct fastipc_sender *sender, unsigned int flags,
		      int64_t timeout_ns)
{
	unsigned int kflags = flags;
	struct fastipc_recv r;
	int ret;

	if (!ch || !msg || !sender || (flags & ~FASTIPC_NONBLOCK))
		return -EINVAL;
	ret = fipc_sender_flags(ch, sender, &kflags);
	if (ret)
		return ret;
	ret = fipc_recv_msg_as(ch, msg, kflags, fipc_deadline(timeout_ns), &r);
	if (!ret)
		fipc_put_sender(sender, &r);
	return ret;
}

FASTIPC_EXPORT
int fastipc_recv_vec_from(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
			  struct fastipc_sender *senders, unsigned int count,
			  unsigned int flags, int64_t timeout_ns)
{
	if (!senders)
		return -EINVAL;
	return fipc_recv_vec(ch, bufs, senders, count, flags, timeout_ns);
}

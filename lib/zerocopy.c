// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: zero-copy buffers (allocate, send, free), the automatic
 * window-or-heap allocation, and receiving mapped messages.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A window buffer; @kflags: FASTIPC_BUF_NOZERO or 0. */
static int window_alloc(struct fastipc_chan *ch, size_t len,
			unsigned int kflags, void **bufp)
{
	struct fastipc_buf b;
	int ret;

	if (!ch || !bufp)
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	ret = fipc_window_need(ch, len);
	if (ret)
		return ret;

	memset(&b, 0, sizeof(b));
	b.len = len;
	b.flags = kflags;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_BUF_ALLOC, &b);
	if (ret)
		return ret;
	*bufp = (void *)(uintptr_t)b.addr;
	return 0;
}

FASTIPC_EXPORT
int fastipc_buf_alloc(struct fastipc_chan *ch, size_t len, void **bufp)
{
	return window_alloc(ch, len, 0, bufp);
}

/*
 * A heap buffer: the one the last fastipc_buf_send() of a heap buffer
 * left behind when it is big enough (no malloc, no free per message in
 * a steady stream), else a new one.
 */
static int heap_alloc(struct fastipc_chan *ch, size_t len, void **bufp)
{
	void *p = atomic_exchange_explicit(&ch->send_spare, NULL,
					   memory_order_acquire);

	if (!p || malloc_usable_size(p) < len) {
		free(p);
		p = malloc(len ? len : 1);
		if (!p)
			return -ENOMEM;
	}
	atomic_store_explicit(&ch->send_heap, p, memory_order_relaxed);
	*bufp = p;
	return 0;
}

/* Was @buf the heap buffer last handed out?  Then it is no longer. */
static bool heap_taken_back(struct fastipc_chan *ch, void *buf)
{
	void *expected = buf;

	return buf && atomic_compare_exchange_strong_explicit(&ch->send_heap,
							      &expected, NULL,
							      memory_order_relaxed,
							      memory_order_relaxed);
}

/* A heap buffer that was sent: keep a small one for the next message. */
static void heap_done(struct fastipc_chan *ch, void *p)
{
	void *expected = NULL;

	if (malloc_usable_size(p) > SEND_SPARE_MAX ||
	    !atomic_compare_exchange_strong_explicit(&ch->send_spare,
						     &expected, p,
						     memory_order_release,
						     memory_order_relaxed))
		free(p);
}

FASTIPC_EXPORT
int fastipc_msg_alloc(struct fastipc_chan *ch, size_t len,
		      unsigned int flags, void **bufp)
{
	unsigned int kflags = flags & FASTIPC_ALLOC_NOZERO ?
			      FASTIPC_BUF_NOZERO : 0;
	uint64_t threshold;
	int ret;

	if (!ch || !bufp)
		return -EINVAL;
	switch (flags & ~FASTIPC_ALLOC_NOZERO) {
	case FASTIPC_ALLOC_WINDOW:
		return window_alloc(ch, len, kflags, bufp);
	case FASTIPC_ALLOC_HEAP:
		return heap_alloc(ch, len, bufp);
	case 0:
		break;
	default:
		return -EINVAL;
	}

	threshold = atomic_load_explicit(&ch->zc_threshold,
					 memory_order_relaxed);
	if (len == 0 || len < threshold || ch->win_rdonly)
		return heap_alloc(ch, len, bufp);

	ret = window_alloc(ch, len, kflags, bufp);
	switch (ret) {
	case -ENOSPC:	/* the window is full */
	case -EACCES:	/* it is read-only */
	case -EPERM:	/* a child after fork: not its window */
	case -EINVAL:	/* the window cannot be mapped this big */
		return heap_alloc(ch, len, bufp);
	default:
		return ret;
	}
}

FASTIPC_EXPORT
int fastipc_buf_send(struct fastipc_chan *ch, void *buf, size_t len,
		     unsigned int prio, unsigned int flags,
		     int64_t timeout_ns)
{
	struct fastipc_send s;
	int ret;

	if (!ch)
		return -EINVAL;

	switch (heap_taken_back(ch, buf) ? FIPC_HEAP :
		fipc_window_owner(ch, buf)) {
	case FIPC_HEAP:
		ret = fastipc_timedsend(ch, buf, len, prio, flags, timeout_ns);
		if (ret == 0 && fipc_lent_back(ch, buf))
			fipc_spare_put(ch, buf);
		else if (ret == 0)
			heap_done(ch, buf);
		return ret;
	case FIPC_OTHER_WINDOW:
		return -EINVAL;
	case FIPC_PARENT_WINDOW:
		return -EPERM;
	case FIPC_OWN_WINDOW:
		break;
	}

	memset(&s, 0, sizeof(s));
	s.buf = fipc_ptr(buf);
	s.len = len;
	s.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	s.prio = prio;
	s.flags = FASTIPC_SEND_BUF |
		  (flags & ~(FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES));
	return fipc_ioctl(ch->fd, FASTIPC_IOC_SEND, &s);
}

static int window_free(struct fastipc_chan *ch, void *buf)
{
	struct fastipc_buf b;

	memset(&b, 0, sizeof(b));
	b.addr = fipc_ptr(buf);
	return fipc_ioctl(ch->fd, FASTIPC_IOC_BUF_FREE, &b);
}

FASTIPC_EXPORT
int fastipc_buf_free(struct fastipc_chan *ch, void *buf)
{
	if (!ch)
		return -EINVAL;
	if (!buf)
		return 0;
	switch (heap_taken_back(ch, buf) ? FIPC_HEAP :
		fipc_window_owner(ch, buf)) {
	case FIPC_OWN_WINDOW:
		return window_free(ch, buf);
	case FIPC_OTHER_WINDOW:
		return -EINVAL;
	case FIPC_PARENT_WINDOW:
		return -EPERM;
	case FIPC_HEAP:
		break;
	}
	if (fipc_lent_back(ch, buf))
		fipc_spare_put(ch, buf);
	else
		free(buf);
	return 0;
}

/* A received message @r, in @buf unless mapped, into @msg. */
void fipc_fill_msg(struct fastipc_msg *msg, const struct fastipc_recv *r,
		   void *buf)
{
	memset(msg, 0, sizeof(*msg));
	if (r->msg_flags & FASTIPC_MSG_MAPPED)
		msg->data = (void *)(uintptr_t)r->addr;
	else
		msg->data = buf;
	msg->len = r->len;
	msg->prio = r->prio;
	msg->flags = r->msg_flags & (FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED |
				     FASTIPC_MSG_CALL | FASTIPC_MSG_SENDER);
}

/*
 * Receive one message into @msg, mapped if it travelled in pages and a
 * window can be had, else copied (the window full, none, not this
 * process's): delivered either way, msg->flags says which.  @kflags:
 * FASTIPC_NONBLOCK, and FASTIPC_RECV_CALL, FASTIPC_RECV_SENDER for the
 * callers that want them; *@r is the kernel's answer.
 */
int fipc_recv_msg_as(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     unsigned int kflags, int64_t deadline,
		     struct fastipc_recv *r)
{
	void *buf;
	int ret;

	if (fipc_window_need(ch, 0) == 0)
		kflags |= FASTIPC_RECV_MAP;
	ret = fipc_recv_heap(ch, kflags, deadline, r, &buf, true);
	if (kflags & FASTIPC_RECV_MAP) {
		switch (ret) {
		case -ENOSPC:	/* no room in the window */
		case -ENXIO:	/* no window after all */
		case -EPERM:	/* not the opener process */
		case -EACCES:	/* a topic's pages, a writable window */
			ret = fipc_recv_heap(ch, kflags & ~FASTIPC_RECV_MAP,
					     deadline, r, &buf, true);
			break;
		}
	}
	if (!ret)
		fipc_fill_msg(msg, r, buf);
	return ret;
}

FASTIPC_EXPORT
int fastipc_recv_msg(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     unsigned int flags, int64_t timeout_ns)
{
	struct fastipc_recv r;

	if (!ch || !msg)
		return -EINVAL;
	if (flags & ~FASTIPC_NONBLOCK)
		return -EINVAL;
	return fipc_recv_msg_as(ch, msg, flags, fipc_deadline(timeout_ns), &r);
}

FASTIPC_EXPORT
int fastipc_msg_release(struct fastipc_chan *ch, struct fastipc_msg *msg)
{
	int ret = 0;

	if (!ch || !msg)
		return -EINVAL;
	if (!msg->data)
		return 0;
	if (msg->flags & FASTIPC_MSG_MAPPED)
		ret = fipc_window_owner(ch, msg->data) == FIPC_PARENT_WINDOW ?
		      -EPERM : window_free(ch, msg->data);
	else if (fipc_lent_back(ch, msg->data))
		fipc_spare_put(ch, msg->data);	/* for the next receive */
	else
		free(msg->data);
	if (ret)
		return ret;
	memset(msg, 0, sizeof(*msg));
	return 0;
}

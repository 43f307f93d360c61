/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * libfastipc internals: the handle and the helpers the files share.
 * Nothing here is exported.
 */
#ifndef FASTIPC_INTERNAL_H
#define FASTIPC_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "fastipc.h"

/* Only what is marked so leaves the library (-fvisibility=hidden). */
#define FASTIPC_EXPORT	__attribute__((visibility("default")))

/*
 * The first guess at a copied message's size: the channel's zc_threshold
 * (messages below it are copied), kept within these bounds.  A larger
 * message costs one retry with the exact size.
 */
#define RECV_GUESS_MIN	256UL
#define RECV_GUESS_MAX	(64UL << 10)
/*
 * A copied message longer than the guess raises it to the message's size,
 * up to this: a stream of such messages then costs one system call each,
 * for a spare buffer that large per handle.
 */
#define RECV_GUESS_GROW_MAX	(1UL << 20)

/* The entries fastipc_recv_vec() passes per call: what the module takes. */
#define RECV_VEC_CHUNK	16

/* A copied message up to this size is copied out of the spare buffer. */
#define RECV_COPY_OUT_MAX	(4UL << 10)

struct fastipc_chan {
	int fd;
	unsigned int open_flags;	/* FASTIPC_O_RECV / FASTIPC_O_SEND */
	uint64_t id;
	/* What the module has (FASTIPC_IOC_FEATURES), probed at open. */
	struct fastipc_features features;

	/* The limits cached from open and this handle's set_attr. */
	_Atomic uint32_t max_msgs;
	_Atomic uint64_t max_bytes;
	_Atomic uint64_t max_msg_size;
	_Atomic uint64_t zc_threshold;

	/*
	 * The window.  win_base is 0 until mapped; it is stored (release)
	 * after win_size, so a reader that sees it (acquire) sees the size.
	 * win_lock serializes mapping it and the registry of windows.
	 */
	_Atomic uintptr_t win_base;
	_Atomic size_t win_size;
	_Atomic bool win_rdonly;
	unsigned int win_gen;		/* the fork generation that mapped it */
	pthread_mutex_t win_lock;
	struct fastipc_chan *win_next;	/* registry of mapped windows */

	/*
	 * The last message received was one read(2) would have refused on
	 * this FASTIPC_O_READ_PLAIN handle (a priority, pages, longer than
	 * the buffer): receive the next one with FASTIPC_IOC_RECV at once
	 * rather than try read(2) first.  A hint; threads may race on it.
	 */
	_Atomic bool rx_by_ioctl;

	/*
	 * A spare receive buffer of recv_guess bytes or more, or NULL.
	 * recv_guess only grows (fipc_guess_grow()), so a spare may be
	 * smaller than it: fipc_spare_get() says each buffer's size.
	 */
	void *_Atomic recv_spare;
	_Atomic size_t recv_guess;

	/*
	 * The spare receive buffer while fastipc_recv_msg() has lent it to
	 * the caller as a copied message's data (one at a time), or NULL;
	 * releasing, forwarding or freeing that message gives it back.
	 */
	void *_Atomic recv_lent;

	/* A heap buffer fastipc_msg_alloc() may hand out again, or NULL. */
	void *_Atomic send_spare;

	/*
	 * The last heap buffer fastipc_msg_alloc() handed out, until it is
	 * sent or freed: fastipc_buf_send() knows it for a heap buffer
	 * without looking through the registry of windows.
	 */
	void *_Atomic send_heap;
};

/* Heap buffers up to this size are kept for the next message. */
#define SEND_SPARE_MAX	(64UL << 10)

/* ioctl(2) as 0 or -errno. */
static inline int fipc_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static inline uint64_t fipc_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* chan.c */
int fipc_dev_open(void);
bool fipc_has_ioctl(const struct fastipc_chan *ch, unsigned long cmd);

/* copy.c */
int64_t fipc_deadline(int64_t timeout_ns);
int64_t fipc_remaining(int64_t deadline);
void *fipc_spare_get(struct fastipc_chan *ch, size_t *size);
void fipc_guess_grow(struct fastipc_chan *ch, uint64_t len);
void fipc_spare_put(struct fastipc_chan *ch, void *buf);
bool fipc_lent_back(struct fastipc_chan *ch, void *buf);
void *fipc_trim(void *buf, size_t len);
void *fipc_spare_hand_out(struct fastipc_chan *ch, void *buf, size_t len,
			  bool may_lend);
int fipc_recv_vec(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
		  struct fastipc_sender *senders, unsigned int count,
		  unsigned int flags, int64_t timeout_ns);
int fipc_recv_heap(struct fastipc_chan *ch, unsigned int kflags,
		   int64_t deadline, struct fastipc_recv *r, void **bufp,
		   bool may_lend);

/* zerocopy.c */
void fipc_fill_msg(struct fastipc_msg *msg, const struct fastipc_recv *r,
		   void *buf);
int fipc_recv_msg_as(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     unsigned int kflags, int64_t deadline,
		     struct fastipc_recv *r);

/* sender.c */
int fipc_sender_flags(const struct fastipc_chan *ch,
		      const struct fastipc_sender *sender,
		      unsigned int *kflags);
void fipc_put_sender(struct fastipc_sender *sender,
		     const struct fastipc_recv *r);

/* window.c */
enum fipc_owner {
	FIPC_HEAP,
	FIPC_OWN_WINDOW,
	FIPC_OTHER_WINDOW,	/* another handle's, in this process */
	FIPC_PARENT_WINDOW,	/* a window the process forked away from */
};

int fipc_window_need(struct fastipc_chan *ch, size_t len);
enum fipc_owner fipc_window_owner(struct fastipc_chan *ch, const void *p);
void fipc_window_unmap(struct fastipc_chan *ch);

#endif /* FASTIPC_INTERNAL_H */

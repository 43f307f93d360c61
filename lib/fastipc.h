/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * libfastipc: the user-space library for /dev/fastipc channels.
 *
 * This is the only header a program needs.  It includes the kernel's uapi
 * header <linux/fastipc.h>, so every FASTIPC_* constant and uapi structure
 * (struct fastipc_attr, struct fastipc_info, struct fastipc_stats, ...) is
 * available too.  Documentation/libfastipc.md has examples;
 * Documentation/uapi.md the kernel contract this library wraps.
 *
 * Error convention
 * ----------------
 * Every function that can fail returns a negative errno value (-EAGAIN,
 * -ENOENT, ...) on failure and a value >= 0 on success: 0, or a length
 * where the description says so.  errno is never part of the result: it
 * may be changed by any call, and need not be read.  No function returns a
 * pointer; results are stored through out-parameters, which are written
 * only on success unless the description says otherwise.
 *
 * Errors that every function may return in addition to those listed:
 * -EINVAL for a NULL handle or out-parameter or a flag this library does
 * not know, -EIDRM when the channel was destroyed under the handle (its
 * network namespace went away), -ENOMEM.
 *
 * Device errors: a function that opens /dev/fastipc (fastipc_open,
 * fastipc_unlink, fastipc_stats) returns -ENODEV when the device does not
 * exist or has no driver, which means the fastipc module is not loaded.
 * (open(2) itself says ENOENT; the library turns it into -ENODEV so that it
 * cannot be mistaken for "no such channel".)
 *
 * Threads
 * -------
 * All functions may be called from several threads at once on the same
 * handle, except fastipc_close(), which must be the last call on a handle.
 * The zero-copy window is mapped lazily, once, whichever thread needs it
 * first.
 *
 * Processes
 * ---------
 * A handle's window and its buffers belong to the process that opened the
 * handle.  After fork() a child may use an inherited handle for the copy
 * API only; the zero-copy calls then fail with -EPERM (fastipc_recv_msg()
 * falls back to copying).  A child should open its own handles.
 *
 * Timeouts
 * --------
 * timeout_ns is relative, in nanoseconds.  A negative value
 * (FASTIPC_TIMEOUT_NONE) waits forever; 0 does not wait when the call
 * cannot complete at once (-ETIMEDOUT).  A call that retries internally
 * keeps to the caller's deadline.  A signal ends a wait with -EINTR; the
 * library does not restart it.
 */
#ifndef FASTIPC_H
#define FASTIPC_H

#include <errno.h>	/* the E* values every function returns, negated */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/fastipc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FASTIPC_LIB_VERSION_MAJOR	0
#define FASTIPC_LIB_VERSION_MINOR	8

/* The window fastipc_window_map() maps when given size 0, and the lazy one. */
#define FASTIPC_WINDOW_DEFAULT_SIZE	(256UL << 20)

/* fastipc_window_map() flags */
#define FASTIPC_WINDOW_RDONLY	(1U << 0)	/* receive only: PROT_READ */

/* fastipc_msg_alloc() flags; neither means "choose by zc_threshold" */
#define FASTIPC_ALLOC_WINDOW	(1U << 0)	/* always a window buffer */
#define FASTIPC_ALLOC_HEAP	(1U << 1)	/* always a heap buffer */
/*
 * A window buffer need not be zeroed: it may hold recycled pages with this
 * process's own earlier data (never another process's), which saves
 * writing every byte twice when the caller fills the whole buffer anyway.
 * Heap buffers are never zeroed.
 */
#define FASTIPC_ALLOC_NOZERO	(1U << 2)

/* An open handle on one channel: opaque. */
struct fastipc_chan;

/*
 * A received message (fastipc_recv_msg).  data and len describe it;
 * flags holds FASTIPC_MSG_PAGES (it travelled in kernel pages) and
 * FASTIPC_MSG_MAPPED (data points into the handle's window: zero-copy).
 * Without FASTIPC_MSG_MAPPED, data is a malloc'd copy.  Either way the
 * receiver owns data (it may write to it) until fastipc_msg_release() or a
 * successful fastipc_buf_send() of it.
 */
struct fastipc_msg {
	void *data;
	size_t len;
	unsigned int prio;
	unsigned int flags;
	uint64_t __private[2];	/* the library's; callers leave it alone */
};

/* ------------------------------------------------------------------ */
/* Handles                                                             */
/* ------------------------------------------------------------------ */

/**
 * fastipc_open() - open a handle on a channel
 * @name:  channel name, 1 to FASTIPC_NAME_MAX bytes, no '/'
 * @flags: FASTIPC_O_RECV and/or FASTIPC_O_SEND (at least one), optionally
 *         FASTIPC_O_CREAT and FASTIPC_O_EXCL (only with FASTIPC_O_CREAT),
 *         and FASTIPC_O_HUP: learn that the other side left (a receive
 *         on the empty channel fails with -EPIPE once the last sending
 *         handle closed, and a send with -EPIPE once the last receiving
 *         handle closed, instead of waiting; poll(2) says POLLHUP and
 *         POLLRDHUP, or POLLERR)
 * @mode:  permission bits (& 0777) of a new channel; ignored otherwise.
 *         No umask applies.
 * @attr:  limits of a new channel (a zero field: the module default), or
 *         NULL for all defaults.  Not written to; the limits in force are
 *         cached in the handle (fastipc_get_attr).
 * @chp:   out: the new handle
 *
 * Opens /dev/fastipc (O_CLOEXEC) and binds it to the channel; a handle
 * that receives is bound FASTIPC_O_READ_PLAIN (the library reads plain
 * messages with read(2), libfastipc.md).
 *
 * Return: 0.  Errors: -ENODEV (module not loaded), -ENOENT (no such
 * channel and no FASTIPC_O_CREAT), -EEXIST (CREAT|EXCL and it exists),
 * -EOPNOTSUPP (FASTIPC_O_HUP on a module without it),
 * -EACCES (permission), -ENAMETOOLONG (name longer than
 * FASTIPC_NAME_MAX), -EINVAL (empty name, '/' in it, no access bit, bad
 * flags or limits), -ENOSPC (channel limit reached), -EMFILE, -ENFILE,
 * -ENOMEM.
 */
int fastipc_open(const char *name, unsigned int flags, unsigned int mode,
		 const struct fastipc_attr *attr, struct fastipc_chan **chp);

/**
 * fastipc_topic_open() - open a handle on a topic, creating it if asked
 * @name:        topic name, as for fastipc_open()
 * @flags:       as for fastipc_open(); FASTIPC_O_TOPIC is implied.  A
 *               handle with FASTIPC_O_RECV is a subscriber: it receives
 *               every message published from the time it was opened (and
 *               the topic's history), in order, at its own pace.
 * @mode:        permission bits of a new topic
 * @attr:        limits of a new topic, or NULL for the defaults
 * @topic_flags: a new topic's policy: 0 (a publisher waits for room, as
 *               on a queue) or FASTIPC_TOPIC_DROP_OLDEST (the oldest
 *               messages make room; each subscriber that had not received
 *               one counts a drop, fastipc_info()'s sub_drops); 0 unless
 *               creating
 * @history:     how many of its last messages a new topic keeps for
 *               subscribers that come later, 0 to the topic's max_msgs;
 *               0 unless creating
 * @chp:         out: the new handle
 *
 * Publish with the send calls (fastipc_send(), or zero-copy with
 * fastipc_msg_alloc() and fastipc_buf_send()); subscribe with a
 * receive-only handle and receive with fastipc_recv_msg(): a message
 * that travelled in pages is then mapped read-only into the handle's
 * window, the same pages every subscriber maps, with no copy; release it
 * with fastipc_msg_release().  A handle that may also send has a writable
 * window, so its subscriber receives copies.  Documentation/topics.md
 * has the long form and an example.
 *
 * Return: 0.  Errors: those of fastipc_open(), -EPROTOTYPE (the channel
 * exists and is a queue), -EINVAL (@topic_flags or @history when not
 * creating, an unknown policy, @history over max_msgs), -EOPNOTSUPP (a
 * module without topics).
 */
int fastipc_topic_open(const char *name, unsigned int flags,
		       unsigned int mode, const struct fastipc_attr *attr,
		       unsigned int topic_flags, unsigned int history,
		       struct fastipc_chan **chp);

/**
 * fastipc_close() - close a handle
 * @ch: the handle; NULL is allowed and does nothing
 *
 * Unmaps the handle's window, which frees every buffer in it (allocated or
 * received, not yet sent), closes the file and frees the handle.  Queued
 * messages stay queued.  No other thread may be using @ch.
 *
 * Return: 0, or the error of close(2) (the handle is freed anyway).
 */
int fastipc_close(struct fastipc_chan *ch);

/**
 * fastipc_unlink() - remove a channel's name
 * @name: the channel name
 *
 * The channel lives on while handles are open on it; a later open of the
 * name finds nothing, or a new channel.
 *
 * Return: 0.  Errors: -ENODEV, -ENOENT (no such channel), -EPERM (not the
 * owner or creator, no CAP_SYS_ADMIN), -ENAMETOOLONG, -EINVAL.
 */
int fastipc_unlink(const char *name);

/**
 * fastipc_fd() - the handle's file descriptor
 * @ch: the handle
 *
 * For poll(2)/epoll(7): readable when a message is queued, writable when
 * there is room for one more.  The descriptor belongs to the handle: do
 * not close it, read it or mmap it.
 *
 * Return: the descriptor (>= 0).  Errors: -EINVAL (@ch is NULL).
 */
int fastipc_fd(const struct fastipc_chan *ch);

/**
 * fastipc_get_attr() - the channel's limits, as cached in the handle
 * @ch:   the handle
 * @attr: out: the limits in force when the handle was opened, updated by
 *        this handle's own fastipc_set_attr() calls.  A change made
 *        through another handle shows in fastipc_info(), not here.
 *
 * Costs no system call.  Returns 0.
 */
int fastipc_get_attr(const struct fastipc_chan *ch, struct fastipc_attr *attr);

/**
 * fastipc_set_attr() - change the channel's limits
 * @ch:   the handle
 * @attr: new limits; a zero field keeps the current value.  __pad must be
 *        zero.
 *
 * Return: 0; the cached limits are updated.  Errors: -EPERM (not the
 * owner or creator, no CAP_SYS_ADMIN), -EINVAL (a limit out of the
 * module's range).
 */
int fastipc_set_attr(struct fastipc_chan *ch, const struct fastipc_attr *attr);

/**
 * fastipc_set_busy_poll() - poll a fixed time before sleeping in a receive
 * @ch:    a handle opened with FASTIPC_O_RECV
 * @usecs: 0 (sleep at once) to the module's maximum,
 *         FASTIPC_BUSY_POLL_MAX_US in this header
 *
 * Every blocking receive on this handle that finds the channel empty
 * watches it for up to @usecs microseconds before it sleeps.  A message
 * sent meanwhile is taken without waking anyone: far lower latency when
 * the partner answers within @usecs, paid for with this CPU's time
 * (SO_BUSY_POLL is the sockets' equivalent).  The poll ends early when
 * another task wants the CPU, a signal comes or the receive's timeout
 * expires; FASTIPC_NONBLOCK receives never poll.  It replaces the
 * adaptive poll a receiving handle starts with
 * (fastipc_set_busy_poll_adaptive()); fastipc_info() reports the setting
 * (busy_poll_us, busy_poll_flags 0).
 *
 * Return: 0.  Errors: -EBADF (not opened for receiving), -EINVAL,
 * -EOPNOTSUPP (the module has no busy polling).
 */
int fastipc_set_busy_poll(struct fastipc_chan *ch, unsigned int usecs);

/**
 * fastipc_set_busy_poll_adaptive() - poll for replies, as long as they take
 * @ch:        a handle opened with FASTIPC_O_RECV
 * @max_usecs: the ceiling, 0 (never poll) to FASTIPC_BUSY_POLL_MAX_US
 *
 * What a receiving handle starts with, under the module parameter
 * busy_poll_us (200 us unless changed): a blocking receive that follows
 * the same thread's send, and finds the channel empty, polls for a time
 * that this handle learns from those waits (doubled after a short wait
 * the poll missed, halved after one longer than @max_usecs).  Receives
 * that do not follow a send never poll, so a one-way receiver sleeps as
 * it would without.  Setting it starts the learning again.
 * fastipc_info() reports busy_poll_us (the ceiling), busy_poll_flags
 * (FASTIPC_BUSY_POLL_ADAPTIVE) and busy_poll_window_ns (the time it
 * polls now).
 *
 * Return: 0.  Errors: -EBADF (not opened for receiving), -EINVAL,
 * -EOPNOTSUPP (the module has no adaptive busy poll).
 */
int fastipc_set_busy_poll_adaptive(struct fastipc_chan *ch,
				   unsigned int max_usecs);

/**
 * fastipc_info() - the channel's state and counters (FASTIPC_IOC_INFO)
 * @ch:   the handle
 * @info: out: name (empty once unlinked), id, owner, mode, limits, queue
 *        state, counters, this handle's access and window
 *
 * Return: 0.
 */
int fastipc_info(struct fastipc_chan *ch, struct fastipc_info *info);

/**
 * fastipc_stats() - module-wide counters (FASTIPC_IOC_STATS)
 * @stats: out: the counters
 *
 * Opens /dev/fastipc for the duration of the call.
 *
 * Return: 0.  Errors: -ENODEV (module not loaded), -EACCES, -EMFILE.
 */
int fastipc_stats(struct fastipc_stats *stats);

/* ------------------------------------------------------------------ */
/* Copy API: the caller's memory, copied by the kernel                 */
/* ------------------------------------------------------------------ */

/**
 * fastipc_send() - queue one message
 * @ch:    a handle opened with FASTIPC_O_SEND
 * @buf:   the message bytes (may be NULL when @len is 0)
 * @len:   message length, 0 to the channel's max_msg_size
 * @prio:  0 (lowest) to FASTIPC_PRIO_MAX (highest)
 * @flags: FASTIPC_NONBLOCK, and at most one of FASTIPC_SEND_COPY (the
 *         kernel copies the bytes into its memory) and FASTIPC_SEND_PAGES
 *         (it copies them once into pages a receiver can map).  With
 *         neither, the kernel takes the page path when @len >= the
 *         channel's zc_threshold.
 *
 * Waits while the channel is full, unless FASTIPC_NONBLOCK.  The message
 * is queued whole or not at all; @buf may be reused as soon as this
 * returns.
 *
 * Return: 0.  Errors: -EAGAIN (full, FASTIPC_NONBLOCK), -EMSGSIZE (@len
 * over max_msg_size or max_bytes), -EBADF (not opened for sending),
 * -EINTR, -EFAULT, -EINVAL (@prio, flags), -ENOMEM, -EPIPE (opened
 * FASTIPC_O_HUP: no receiving handle is left).
 */
int fastipc_send(struct fastipc_chan *ch, const void *buf, size_t len,
		 unsigned int prio, unsigned int flags);

/**
 * fastipc_timedsend() - fastipc_send() with a bound on the wait
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @buf:        the message bytes
 * @len:        message length
 * @prio:       its priority
 * @flags:      as for fastipc_send()
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * Return: 0.  Errors: those of fastipc_send(), and -ETIMEDOUT.
 */
int fastipc_timedsend(struct fastipc_chan *ch, const void *buf, size_t len,
		      unsigned int prio, unsigned int flags,
		      int64_t timeout_ns);

/**
 * fastipc_recv() - take the first message of the highest priority
 * @ch:    a handle opened with FASTIPC_O_RECV
 * @buf:   where the message is copied
 * @size:  bytes available at @buf
 * @prio:  out: the message's priority (may be NULL)
 * @flags: FASTIPC_NONBLOCK or 0
 *
 * Copies the message into @buf whichever path it travelled.  Waits for a
 * message unless FASTIPC_NONBLOCK.
 *
 * Return: the message length (>= 0).  Errors: -EMSGSIZE (the message is
 * longer than @size: it stays queued; fastipc_recv_alloc() sizes the
 * buffer for you), -EAGAIN (empty, FASTIPC_NONBLOCK), -EBADF (not opened
 * for receiving), -EINTR, -EFAULT, -EPIPE (opened FASTIPC_O_HUP: empty,
 * and no sending handle is left: the end of the stream).
 */
ssize_t fastipc_recv(struct fastipc_chan *ch, void *buf, size_t size,
		     unsigned int *prio, unsigned int flags);

/**
 * fastipc_timedrecv() - fastipc_recv() with a bound on the wait
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @buf:        where the message is copied
 * @size:       bytes available at @buf
 * @prio:       out: the message's priority (may be NULL)
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * Return: the message length.  Errors: those of fastipc_recv(), and
 * -ETIMEDOUT.
 */
ssize_t fastipc_timedrecv(struct fastipc_chan *ch, void *buf, size_t size,
			  unsigned int *prio, unsigned int flags,
			  int64_t timeout_ns);

/*
 * One buffer of fastipc_recv_vec(): @buf and @size are the caller's, @len
 * and @prio describe the message copied there.
 */
struct fastipc_rbuf {
	void *buf;
	size_t size;
	size_t len;		/* out: the message's length */
	unsigned int prio;	/* out: its priority */
};

/**
 * fastipc_recv_vec() - receive several copied messages in one call
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @bufs:       @count buffers, filled in order
 * @count:      1 to FASTIPC_RECV_VEC_MAX
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout for the first message; < 0 waits forever
 *
 * What recvmmsg(2) is to recv(2): one system call for the messages
 * already queued, in the order fastipc_recv() would take them, each into
 * its own buffer.  It waits for the first as fastipc_timedrecv() does.
 * It takes copy-path messages only and stops before a message that
 * travelled in pages or does not fit the next buffer, which stays
 * queued; when that is the first, it returns -EMSGSIZE: take that one
 * with fastipc_recv_msg() (which maps it) or fastipc_recv_alloc().  A
 * receiver that falls behind a stream of small messages saves a system
 * call per message and wakes a sender blocked on the full channel once
 * per call.  The kernel takes at most 16 per call.
 *
 * Return: the number of messages received (>= 1).  Errors: -EMSGSIZE,
 * -EAGAIN (empty, FASTIPC_NONBLOCK), -ETIMEDOUT, -EBADF (not opened for
 * receiving), -EINTR, -EFAULT (the first buffer; a later one that faults
 * ends the vector before it, its message stays queued), -EINVAL,
 * -EOPNOTSUPP (the module has no receive vectors).
 */
int fastipc_recv_vec(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
		     unsigned int count, unsigned int flags,
		     int64_t timeout_ns);

/**
 * fastipc_recv_alloc() - receive one message into a buffer of its own size
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @bufp:       out: a malloc'd buffer holding the message (never NULL,
 *              even for an empty message); free() it
 * @prio:       out: the message's priority (may be NULL)
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * When the message is larger than the first guess, the kernel says its
 * length (EMSGSIZE leaves it queued) and the library retries with a
 * buffer of exactly that size.
 *
 * Return: the message length.  Errors: those of fastipc_timedrecv()
 * except -EMSGSIZE, and -ENOMEM.
 */
ssize_t fastipc_recv_alloc(struct fastipc_chan *ch, void **bufp,
			   unsigned int *prio, unsigned int flags,
			   int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Zero-copy API: buffers in the handle's window                       */
/* ------------------------------------------------------------------ */

/**
 * fastipc_window_map() - map the handle's zero-copy window
 * @ch:    the handle
 * @size:  window size in bytes, rounded up to the page size; 0 for
 *         FASTIPC_WINDOW_DEFAULT_SIZE (256 MiB).  At most the module's
 *         max_window.  The window is address space, not memory: pages are
 *         only there while buffers are.
 * @flags: 0 for a read-write window (allocate, send and receive buffers,
 *         write into received ones), which needs a handle that may send;
 *         FASTIPC_WINDOW_RDONLY for a read-only one (receive and free
 *         only: fastipc_buf_alloc() then fails with -EACCES).
 *
 * Optional: the first zero-copy call that needs a window maps one of
 * FASTIPC_WINDOW_DEFAULT_SIZE (halving it, down to what the call needs,
 * if the module's max_window is smaller): read-write on a handle that may
 * send, read-only on a receive-only one.  Call this first to choose the
 * size or a read-only window.
 *
 * A receive-only handle's window is always read-only: what it receives
 * it can read, never change (another receiver of the channel may get a
 * message this one put back).
 *
 * Return: 0.  Errors: -EBUSY (the handle already has a window), -EINVAL
 * (size over max_window), -EACCES (a read-write window on a handle that
 * cannot send), -EPERM (not the process that opened the handle: a fork
 * child), -ENOMEM.
 */
int fastipc_window_map(struct fastipc_chan *ch, size_t size,
		       unsigned int flags);

/**
 * fastipc_window() - where the handle's window is
 * @ch:    the handle
 * @basep: out: its first byte (may be NULL)
 * @sizep: out: its size in bytes (may be NULL)
 *
 * Return: 0.  Errors: -ENXIO (no window mapped yet).
 */
int fastipc_window(const struct fastipc_chan *ch, void **basep,
		   size_t *sizep);

/**
 * fastipc_buf_alloc() - allocate a zero-copy buffer in the window
 * @ch:   the handle (the window is mapped on first use)
 * @len:  bytes wanted, 1 to the channel's max_msg_size
 * @bufp: out: the buffer, page-aligned, zero-filled, writable, rounded up
 *        to whole pages
 *
 * Fill it, then fastipc_buf_send() it (its pages move to the queue, no
 * byte is copied) or fastipc_buf_free() it.
 *
 * Return: 0.  Errors: -EMSGSIZE (@len over max_msg_size), -ENOSPC (no room
 * left in the window), -EACCES (read-only window), -EPERM (not the opener
 * process), -EINVAL (@len 0), -ENOMEM (out of memory or the per-user page
 * limit), and those of fastipc_window_map().
 */
int fastipc_buf_alloc(struct fastipc_chan *ch, size_t len, void **bufp);

/**
 * fastipc_msg_alloc() - allocate a message buffer, zero-copy when it pays
 * @ch:    the handle
 * @len:   message size in bytes
 * @flags: 0: a window buffer when @len >= the channel's zc_threshold (as
 *         cached, fastipc_get_attr), a heap buffer below it, and a heap
 *         buffer too when the window cannot hold it (-ENOSPC) or cannot be
 *         mapped; FASTIPC_ALLOC_WINDOW: always a window buffer
 *         (fastipc_buf_alloc()); FASTIPC_ALLOC_HEAP: always a heap buffer.
 *         Or-ed with either: FASTIPC_ALLOC_NOZERO.
 * @bufp:  out: the buffer.  A heap buffer is not zeroed; a window buffer
 *         is, unless FASTIPC_ALLOC_NOZERO: then it holds zeros or this
 *         process's own earlier data (recycled pages).
 *
 * This is the "automatic mode": fill the buffer and pass it to
 * fastipc_buf_send() or fastipc_buf_free(), which tell the two kinds apart
 * by address.  A heap buffer costs one malloc and one copy by the kernel,
 * which for small messages is cheaper than mapping pages.
 *
 * Return: 0.  Errors: those of fastipc_buf_alloc() (window), -ENOMEM
 * (heap), -EINVAL (both flags).
 */
int fastipc_msg_alloc(struct fastipc_chan *ch, size_t len,
		      unsigned int flags, void **bufp);

/**
 * fastipc_buf_send() - send a buffer and give it up
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @buf:        a buffer of this handle: from fastipc_buf_alloc(),
 *              fastipc_msg_alloc(), or the data of a message received on
 *              this handle by fastipc_recv_msg() (forwarding)
 * @len:        message length, at most the buffer's size
 * @prio:       0 to FASTIPC_PRIO_MAX
 * @flags:      FASTIPC_NONBLOCK.  For a heap buffer FASTIPC_SEND_COPY or
 *              FASTIPC_SEND_PAGES may choose the path as for
 *              fastipc_send(); for a window buffer they are ignored (its
 *              pages move).
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * A window buffer's pages are moved to the queue without a copy; a heap
 * buffer is sent by copy and then freed.  On success the buffer is gone:
 * the window range is unmapped and touching it raises SIGBUS; a heap
 * buffer is freed (or, up to 64 KiB, kept by the handle for its next
 * fastipc_msg_alloc()).  On failure the buffer is untouched and still
 * the caller's.
 *
 * Return: 0.  Errors: those of fastipc_timedsend(), -EINVAL (@buf lies in
 * another handle's window, or is not the start of a live buffer), -EPERM
 * (not the opener process), -ENXIO (window buffer but no window).
 */
int fastipc_buf_send(struct fastipc_chan *ch, void *buf, size_t len,
		     unsigned int prio, unsigned int flags,
		     int64_t timeout_ns);

/**
 * fastipc_buf_free() - free a buffer that was not sent
 * @ch:  the handle the buffer belongs to
 * @buf: from fastipc_buf_alloc() or fastipc_msg_alloc(); NULL does nothing
 *
 * A window buffer is unmapped and its pages freed; a heap buffer is
 * free()d.
 *
 * Return: 0.  Errors: -EINVAL (@buf lies in another handle's window or is
 * not the start of a live window buffer), -EPERM.
 */
int fastipc_buf_free(struct fastipc_chan *ch, void *buf);

/**
 * fastipc_recv_msg() - receive one message, zero-copy when it travelled in
 *                    pages
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @msg:        out: the message (see struct fastipc_msg)
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * A message that travelled in pages is mapped into the handle's window
 * (mapped lazily on first use): msg->flags has FASTIPC_MSG_PAGES and
 * FASTIPC_MSG_MAPPED and msg->data points into the window: read-write on
 * a handle that may send, read-only on a receive-only handle or in a
 * window mapped FASTIPC_WINDOW_RDONLY.  A copy-path message is copied
 * into a malloc'd buffer of at least its size (the library may lend the
 * handle's own receive buffer and take it back at release, so that a
 * stream of small messages costs no allocation).  When the window cannot
 * take the message (full, or cannot be mapped) the message is copied
 * instead, and FASTIPC_MSG_MAPPED is not set.
 *
 * Release the message with fastipc_msg_release(), or forward it with
 * fastipc_buf_send(@ch, msg->data, msg->len, ...) on the same handle.
 * To pass it to another channel, fastipc_send() it there and release it
 * here.
 *
 * Return: 0.  Errors: -EAGAIN (empty, FASTIPC_NONBLOCK), -ETIMEDOUT,
 * -EINTR, -EBADF (not opened for receiving), -ENOMEM.
 */
int fastipc_recv_msg(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_msg_release() - give back a received message
 * @ch:  the handle it was received on
 * @msg: from fastipc_recv_msg(); cleared on success (data NULL, len 0).
 *       Releasing a cleared message does nothing.
 *
 * Return: 0.  Errors: those of fastipc_buf_free().
 */
int fastipc_msg_release(struct fastipc_chan *ch, struct fastipc_msg *msg);

/* ------------------------------------------------------------------ */
/* Requests and replies                                                */
/* ------------------------------------------------------------------ */

/**
 * fastipc_call() - send a request and wait for its reply, copied
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @req:        the request's bytes
 * @len:        its length, 0 to the channel's max_msg_size
 * @prio:       its priority, 0 to FASTIPC_PRIO_MAX
 * @reply:      where the reply is copied
 * @size:       bytes available at @reply: a server's longer reply fails
 *              on its side (-EMSGSIZE) and never reaches this call
 * @flags:      FASTIPC_NONBLOCK (a full channel fails at once rather
 *              than wait for room; the reply is still waited for), and
 *              FASTIPC_SEND_COPY or FASTIPC_SEND_PAGES as for
 *              fastipc_send()
 * @timeout_ns: bounds the whole call; < 0 waits forever
 *
 * One system call: the request is queued like a message, a server that
 * receives it with fastipc_recv_request() answers it, and the reply comes
 * to this call only, whichever path it took.  A call that times out or
 * is interrupted never gets its reply later, nor does any other call.
 * The wait for the reply busy-polls by the handle's adaptive rule
 * (fastipc_set_busy_poll_adaptive()).
 *
 * Return: the reply's length.  Errors: those of fastipc_timedsend(),
 * -ETIMEDOUT, -EINTR, -ECONNRESET (the server closed its handle or died
 * holding the request, or the last receiving handle closed while it was
 * queued), -ENOMSG (a receive that does not answer requests took it, such
 * as fastipc_recv()), -EIDRM (the channel was destroyed before a server
 * took it), -EOPNOTSUPP (the module has no request/reply).
 */
ssize_t fastipc_call(struct fastipc_chan *ch, const void *req, size_t len,
		     unsigned int prio, void *reply, size_t size,
		     unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_call_msg() - send a request buffer and receive the reply as a
 *                    message, zero-copy both ways when they are large
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @buf:        the request: a buffer of fastipc_msg_alloc() or
 *              fastipc_buf_alloc() of this handle, as fastipc_buf_send()
 *              takes (a window buffer's pages move, a heap buffer is
 *              copied and freed); NULL when @len is 0.  For memory of
 *              the caller's own, use fastipc_call().
 * @len:        its length
 * @prio:       its priority
 * @flags:      FASTIPC_NONBLOCK or 0
 * @reply:      out: the reply, as fastipc_recv_msg() gives a message: a
 *              reply that travelled in pages is mapped into the window
 *              (FASTIPC_MSG_MAPPED), a copied one is in a buffer of the
 *              library's.  Release it with fastipc_msg_release().
 * @timeout_ns: bounds the whole call; < 0 waits forever
 *
 * Once the request is sent its buffer is gone, as after
 * fastipc_buf_send(), whether or not the reply comes: a window buffer
 * moved, a buffer of fastipc_msg_alloc() freed.  If the call fails
 * before the request went (a full channel, a bad argument) the buffer is
 * still the caller's.  A copied reply may be up to the channel's
 * zc_threshold (at most 64 KiB) long; a longer one must travel in pages.
 *
 * Return: 0.  Errors: those of fastipc_call(), and those of
 * fastipc_buf_send() for @buf.
 */
int fastipc_call_msg(struct fastipc_chan *ch, void *buf, size_t len,
		     unsigned int prio, unsigned int flags,
		     struct fastipc_msg *reply, int64_t timeout_ns);

/**
 * fastipc_recv_request() - receive a request (or a message) to answer
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @msg:        out: the request, as fastipc_recv_msg() gives a message;
 *              msg->flags has FASTIPC_MSG_CALL for a request
 * @token:      out: the request's reply token, for fastipc_reply() or
 *              fastipc_reply_recv(); 0 for a plain message (sent with
 *              fastipc_send()), which wants no reply
 * @sender:     out: who sent it (the caller), as fastipc_recv_from()
 *              says; NULL if not wanted
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * The handle holds the request until it answers it: a handle closed
 * holding requests (or whose process dies) fails each caller with
 * -ECONNRESET.  A handle holds at most the channel's max_msgs requests
 * unanswered.  The token is good on this handle only, for one reply.
 * Other receives (fastipc_recv(), fastipc_recv_msg(), ...) take a
 * request as a plain message, and its caller's call fails with -ENOMSG.
 *
 * Return: 0.  Errors: those of fastipc_recv_msg(), -EBUSY (the handle
 * holds max_msgs requests already; the next stays queued),
 * -EOPNOTSUPP (the module has no request/reply).
 */
int fastipc_recv_request(struct fastipc_chan *ch, struct fastipc_msg *msg,
			 uint64_t *token, struct fastipc_sender *sender,
			 unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_reply() - answer a request
 * @ch:    the handle that received it
 * @token: its token, from fastipc_recv_request()
 * @buf:   the reply: a buffer of this handle's window (from
 *         fastipc_buf_alloc(), or a mapped message's data), whose pages
 *         move and which is gone after success or -ECANCELED; or any
 *         other memory, copied, which stays the caller's
 * @len:   its length, 0 to the channel's max_msg_size
 * @flags: FASTIPC_SEND_COPY or FASTIPC_SEND_PAGES as for fastipc_send()
 *         (memory that is not a window buffer), or 0
 *
 * The reply goes to the caller alone, into its buffer or its window.
 * It does not wait: the caller takes it when it wakes.
 *
 * Return: 0.  Errors: -ENOENT (no request of this handle has @token:
 * answered already, never received, another handle's), -ECANCELED (the
 * caller gave up: it timed out, was interrupted or died; the reply was
 * dropped, and the token is used up), -EMSGSIZE (longer than the caller's
 * buffer and it will not be mapped, or than max_msg_size: the request is
 * still held), -EFAULT, -ENOMEM, -EINVAL, -EOPNOTSUPP.
 */
int fastipc_reply(struct fastipc_chan *ch, uint64_t token, void *buf,
		  size_t len, unsigned int flags);

/**
 * fastipc_reply_recv() - answer a request and wait for the next, in one
 *                        system call
 * @ch:         the handle that received the request
 * @token:      in: the request to answer; out: the next request's token
 *              (0 for a plain message), or 0 when the call failed after
 *              the reply was made: a failed call that leaves @token as it
 *              was did not reply
 * @buf:        the reply, as for fastipc_reply()
 * @len:        its length
 * @flags:      as for fastipc_reply()
 * @msg:        out: the next request, as fastipc_recv_request() gives it
 * @sender:     out: who sent it, or NULL
 * @timeout_ns: for the receive; < 0 waits forever
 *
 * A caller that gave up does not stop the server: its reply is dropped
 * and the next request received all the same.
 *
 * Return: 0.  Errors: those of fastipc_reply() but -ECANCELED, then those
 * of fastipc_recv_request().
 */
int fastipc_reply_recv(struct fastipc_chan *ch, uint64_t *token, void *buf,
		       size_t len, unsigned int flags,
		       struct fastipc_msg *msg, struct fastipc_sender *sender,
		       int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Who sent it                                                         */
/* ------------------------------------------------------------------ */

/**
 * fastipc_recv_from() - fastipc_recv_msg(), and who sent the message
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @msg:        out: the message, as fastipc_recv_msg() gives it
 * @sender:     out: its sender (struct fastipc_sender): pid and tid in
 *              this process's pid namespace (0 when the sender is not in
 *              it), effective uid and gid in this process's user
 *              namespace (65534 when unmapped), as they were when the
 *              message was sent.  A sender that has exited since keeps
 *              the numbers it had, which may be another process's now,
 *              as with SO_PEERCRED.
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * The module records every message's sender when it is sent (a
 * reference to its pid and its ids) and translates it only for a receive
 * that asks.  msg->flags has FASTIPC_MSG_SENDER when @sender was filled
 * in (always, on a module that records them).
 *
 * Return: 0.  Errors: those of fastipc_recv_msg(), -EOPNOTSUPP (the
 * module cannot say who sent a message).
 */
int fastipc_recv_from(struct fastipc_chan *ch, struct fastipc_msg *msg,
		      struct fastipc_sender *sender, unsigned int flags,
		      int64_t timeout_ns);

/**
 * fastipc_recv_vec_from() - fastipc_recv_vec(), and who sent each message
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @bufs:       @count buffers, filled in order
 * @senders:    out: @count senders, the i-th for the message in @bufs[i]
 *              (as fastipc_recv_from() says)
 * @count:      1 to FASTIPC_RECV_VEC_MAX
 * @flags:      FASTIPC_NONBLOCK or 0
 * @timeout_ns: relative timeout for the first message; < 0 waits forever
 *
 * Return: the number of messages received.  Errors: those of
 * fastipc_recv_vec(), -EOPNOTSUPP (the module cannot say who sent a
 * message).
 */
int fastipc_recv_vec_from(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
			  struct fastipc_sender *senders, unsigned int count,
			  unsigned int flags, int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Passing descriptors                                                 */
/* ------------------------------------------------------------------ */

/**
 * fastipc_send_fds() - send a message that carries file descriptors
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @buf:        the message's bytes (copied, as fastipc_timedsend() does)
 * @len:        its length, 0 to the channel's max_msg_size
 * @prio:       its priority, 0 to FASTIPC_PRIO_MAX
 * @fds:        @nr_fds open descriptors of this process
 * @nr_fds:     0 to FASTIPC_FDS_MAX
 * @flags:      FASTIPC_NONBLOCK, and FASTIPC_SEND_COPY or
 *              FASTIPC_SEND_PAGES as for fastipc_send()
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * The message holds a reference to each file from the send until a
 * receiver takes it (fastipc_recv_fds() installs them as new
 * descriptors; any other receive closes them) or until it is dropped
 * (the channel destroyed), which closes them: the descriptors stay this
 * process's and may be closed at once.  While in flight they count
 * against the sending user's RLIMIT_NOFILE, as descriptors in flight on
 * Unix sockets do.  Files that can themselves hold descriptors in
 * flight (fastipc handles, Unix sockets, io_uring instances) are refused,
 * so that no reference cycle can form; pass a memfd, pipe, eventfd, any
 * other socket or an ordinary file.
 *
 * Return: 0.  Errors: those of fastipc_timedsend(), -EBADF (a descriptor
 * is not open, or is an O_PATH one), -EINVAL (a kind of file that may
 * not travel, more than FASTIPC_FDS_MAX), -ETOOMANYREFS (the user has
 * RLIMIT_NOFILE descriptors in flight already), -EOPNOTSUPP (the module
 * cannot pass descriptors).
 */
int fastipc_send_fds(struct fastipc_chan *ch, const void *buf, size_t len,
		     unsigned int prio, const int *fds, unsigned int nr_fds,
		     unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_recv_fds() - fastipc_recv_msg(), and the descriptors the
 *                      message carries
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @msg:        out: the message, as fastipc_recv_msg() gives it
 * @fds:        room for *@nr_fds descriptors
 * @nr_fds:     in: the room at @fds; out: the descriptors the message
 *              carried, now open in this process at @fds[0 ..], 0 if it
 *              carried none
 * @flags:      FASTIPC_NONBLOCK, FASTIPC_RECV_CLOEXEC (the new
 *              descriptors are close-on-exec)
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * The kernel installs them as the last step of the receive, after the
 * security module's file_receive check (as for SCM_RIGHTS): a receive
 * that fails, for any reason, leaves the message and its descriptors
 * queued and opens nothing.
 *
 * Return: 0.  Errors: those of fastipc_recv_msg(), -ETOOMANYREFS (the
 * message carries more than *@nr_fds descriptors: *@nr_fds says how many,
 * the message stays queued), -EMFILE (no room in this process's
 * descriptor table), -EACCES or -EPERM (the security module refused a
 * file), -EOPNOTSUPP (the module cannot pass descriptors).
 */
int fastipc_recv_fds(struct fastipc_chan *ch, struct fastipc_msg *msg,
		     int *fds, unsigned int *nr_fds, unsigned int flags,
		     int64_t timeout_ns);

/**
 * struct fastipc_call_fds - the descriptors of a call, both ways
 * @fds:          the request's, @nr_fds of them (0 to FASTIPC_FDS_MAX)
 * @nr_fds:       how many
 * @reply_nr_fds: in: the slots at @reply_fds; out: the descriptors the
 *                reply carried, now open in this process
 * @reply_fds:    room for the reply's
 */
struct fastipc_call_fds {
	const int *fds;
	unsigned int nr_fds;
	unsigned int reply_nr_fds;
	int *reply_fds;
};

/**
 * fastipc_call_fds() - fastipc_call(), with descriptors both ways
 * @ch:         a handle opened with FASTIPC_O_SEND
 * @req:        the request's bytes
 * @len:        its length
 * @prio:       its priority
 * @reply:      where the reply is copied
 * @size:       bytes available at @reply
 * @fds:        the request's descriptors and room for the reply's
 *              (struct fastipc_call_fds)
 * @flags:      as for fastipc_call(), and FASTIPC_CALL_CLOEXEC (the
 *              reply's descriptors are close-on-exec)
 * @timeout_ns: bounds the whole call; < 0 waits forever
 *
 * The request's descriptors travel as fastipc_send_fds() sends them; a
 * server that receives it with fastipc_recv_request_fds() gets them. A
 * reply may carry as many descriptors as @fds->reply_nr_fds says: a
 * server's reply with more fails on its side (-ETOOMANYREFS) and never
 * reaches this call. The reply's descriptors are installed as the last
 * step of the call; if they cannot be (-EMFILE, the security module's
 * refusal), the call fails and none is open: the reply cannot go back
 * to the server, so it is dropped and its files closed.
 *
 * Return: the reply's length.  Errors: those of fastipc_call() and
 * fastipc_send_fds(), -EMFILE, -EACCES or -EPERM (the reply's
 * descriptors could not be installed), -EOPNOTSUPP (the module cannot
 * pass descriptors).
 */
ssize_t fastipc_call_fds(struct fastipc_chan *ch, const void *req,
			 size_t len, unsigned int prio, void *reply,
			 size_t size, struct fastipc_call_fds *fds,
			 unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_recv_request_fds() - fastipc_recv_request(), and the
 *                              descriptors the request carries
 * @ch:         a handle opened with FASTIPC_O_RECV
 * @msg:        out: the request, as fastipc_recv_request() gives it
 * @token:      out: its reply token, 0 for a plain message
 * @sender:     out: who sent it, or NULL
 * @fds:        room for *@nr_fds descriptors
 * @nr_fds:     in: the room; out: how many it carried, as for
 *              fastipc_recv_fds()
 * @flags:      FASTIPC_NONBLOCK, FASTIPC_RECV_CLOEXEC
 * @timeout_ns: relative timeout; < 0 waits forever
 *
 * Return: 0.  Errors: those of fastipc_recv_request() and
 * fastipc_recv_fds().
 */
int fastipc_recv_request_fds(struct fastipc_chan *ch, struct fastipc_msg *msg,
			     uint64_t *token, struct fastipc_sender *sender,
			     int *fds, unsigned int *nr_fds,
			     unsigned int flags, int64_t timeout_ns);

/**
 * fastipc_reply_fds() - fastipc_reply() with descriptors
 * @ch:     the handle that received the request
 * @token:  its token
 * @buf:    the reply's bytes, copied (a window buffer is copied too:
 *          use fastipc_reply() to move one)
 * @len:    its length
 * @fds:    @nr_fds open descriptors of this process
 * @nr_fds: at most the caller's room (its struct fastipc_call_fds
 *          reply_nr_fds; 0 for a plain fastipc_call())
 * @flags:  FASTIPC_SEND_COPY or FASTIPC_SEND_PAGES, or 0
 *
 * Return: 0.  Errors: those of fastipc_reply() and fastipc_send_fds(),
 * -ETOOMANYREFS also when the caller has fewer slots than @nr_fds (the
 * request is still held: answer it with fewer).
 */
int fastipc_reply_fds(struct fastipc_chan *ch, uint64_t token,
		      const void *buf, size_t len, const int *fds,
		      unsigned int nr_fds, unsigned int flags);

/* ------------------------------------------------------------------ */
/* Version                                                             */
/* ------------------------------------------------------------------ */

/**
 * fastipc_version_major() - the major version of the library loaded
 *
 * Compare with FASTIPC_LIB_VERSION_MAJOR, the one a program was compiled
 * against: a program may use what its header declares from a library of
 * the same major version and at least the same minor one.
 *
 * Return: the major version (0 until the interface is declared stable).
 */
int fastipc_version_major(void);

/**
 * fastipc_version_minor() - the minor version of the library loaded
 *
 * Compare with FASTIPC_LIB_VERSION_MINOR.  Each minor version adds
 * functions in a symbol version node of its own (FASTIPC_0.N), never
 * changes an old one.
 *
 * Return: the minor version.
 */
int fastipc_version_minor(void);

#ifdef __cplusplus
}
#endif

#endif /* FASTIPC_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fastipc: kernel-managed message channels on /dev/fastipc.
 *
 * Every structure here has a fixed layout on every ABI: only fixed-size
 * types, each naturally aligned, explicit padding, user pointers carried as
 * __u64.  Padding and reserved fields must be zero, unknown flag bits are
 * rejected with EINVAL.  Structures grow at the end only: the kernel reads
 * _IOC_SIZE(cmd) bytes and treats a shorter, older structure as if the new
 * fields were zero; a longer one is accepted only if the bytes it does not
 * know are zero (E2BIG otherwise).
 *
 * Documentation/uapi.md describes each ioctl and its errors.
 */
#ifndef _UAPI_LINUX_FASTIPC_H
#define _UAPI_LINUX_FASTIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FASTIPC_DEVICE		"/dev/fastipc"

/* A channel name: 1 to FASTIPC_NAME_MAX bytes, NUL-terminated in the buffer. */
#define FASTIPC_NAME_LEN	64
#define FASTIPC_NAME_MAX	(FASTIPC_NAME_LEN - 1)

/* Priorities run from 0 (lowest) to FASTIPC_PRIO_MAX (highest). */
#define FASTIPC_PRIO_MAX	31

/* Largest message the module can ever be configured to carry. */
#define FASTIPC_MSG_SIZE_LIMIT	0x40000000ULL	/* 1 GiB */

/*
 * Channel limits.  In FASTIPC_IOC_OPEN with FASTIPC_O_CREAT a zero field
 * means "the module default"; the kernel writes back the values in force.
 */
struct fastipc_attr {
	__u32 max_msgs;		/* messages queued at most */
	__u32 __pad;		/* must be zero */
	__u64 max_bytes;	/* payload bytes queued at most */
	__u64 max_msg_size;	/* largest single message */
	__u64 zc_threshold;	/* plain sends of this size or more use pages */
};

/* fastipc_open.flags */
#define FASTIPC_O_RECV		0x00000001U	/* handle may receive */
#define FASTIPC_O_SEND		0x00000002U	/* handle may send */
#define FASTIPC_O_RDWR		(FASTIPC_O_RECV | FASTIPC_O_SEND)
#define FASTIPC_O_CREAT		0x00000004U	/* create if it does not exist */
#define FASTIPC_O_EXCL		0x00000008U	/* with CREAT: fail if it exists */
/*
 * read(2) on this handle takes only messages its result describes whole:
 * priority 0, copy path, at most the buffer's size.  Any other first
 * message stays queued and read fails with EMSGSIZE, for RECV to take.
 */
#define FASTIPC_O_READ_PLAIN	0x00000010U
/*
 * Learn that the other side left.  A receiving handle: once the last
 * handle that may send has closed (one had been open), a receive on the
 * empty channel fails with EPIPE instead of waiting, and poll says
 * EPOLLRDHUP | EPOLLHUP.  A sending handle: once the last handle that
 * may receive has closed, a send (or call) fails with EPIPE, and poll
 * says EPOLLERR.  A new handle of that side ends it.  Without the flag a
 * handle waits as for a message queue, whoever is left.
 */
#define FASTIPC_O_HUP		0x00000020U
/*
 * A topic (Documentation/uapi.md, "Topics"): every message goes to every
 * receiving handle (subscriber) bound when it was published, each
 * receiving it in order at its own pace; a page message is mapped, the
 * same pages, read-only into each subscriber's window.  With
 * FASTIPC_O_CREAT a new channel is a topic with the policy and history
 * in topic_flags and history; opening an existing channel with it fails
 * with EPROTOTYPE if that channel is a queue.  Without it a handle takes
 * the channel as it is; FASTIPC_IOC_INFO says which.
 */
#define FASTIPC_O_TOPIC		0x00000040U
#define FASTIPC_O_ALL		(FASTIPC_O_RDWR | FASTIPC_O_CREAT | \
				 FASTIPC_O_EXCL | FASTIPC_O_READ_PLAIN | \
				 FASTIPC_O_HUP | FASTIPC_O_TOPIC)

/*
 * fastipc_open.topic_flags: what a full topic does with a publish.
 * Without a flag the publisher waits for room (or fails with EAGAIN when
 * non-blocking), as on a queue.  With FASTIPC_TOPIC_DROP_OLDEST it never
 * waits: the oldest messages make room, and each subscriber that had not
 * received one counts a drop (fastipc_info.sub_drops).
 */
#define FASTIPC_TOPIC_DROP_OLDEST	0x00000001U
#define FASTIPC_TOPIC_ALL		FASTIPC_TOPIC_DROP_OLDEST

/*
 * FASTIPC_IOC_OPEN: bind this file to a channel.  One file is one handle on
 * one channel; open /dev/fastipc again for another.
 */
struct fastipc_open {
	char name[FASTIPC_NAME_LEN];
	__u32 flags;		/* FASTIPC_O_* */
	__u32 mode;		/* permission bits of a new channel (0777) */
	struct fastipc_attr attr;	/* in: limits of a new channel; out: in force */
	__u64 id;		/* out: channel id, unique while loaded */
	/*
	 * With FASTIPC_O_TOPIC | FASTIPC_O_CREAT, in: a new topic's policy
	 * (FASTIPC_TOPIC_*) and how many of its last messages it keeps for
	 * subscribers that come later (0 .. attr.max_msgs); else zero.
	 * Out: the topic's, zero for a queue.
	 */
	__u32 topic_flags;
	__u32 history;
	__u64 __reserved[2];
};

#define FASTIPC_OPEN_SIZE_VER0	136

/* FASTIPC_IOC_UNLINK: remove a name; the channel lives on while open. */
struct fastipc_unlink {
	char name[FASTIPC_NAME_LEN];
	__u64 __reserved[2];
};

#define FASTIPC_UNLINK_SIZE_VER0	80

/* Flags shared by send and receive. */
#define FASTIPC_NONBLOCK	0x00000001U	/* EAGAIN instead of waiting */

/* fastipc_send.flags */
#define FASTIPC_SEND_COPY	0x00000002U	/* force the copy path */
#define FASTIPC_SEND_PAGES	0x00000004U	/* force the page path */
#define FASTIPC_SEND_BUF	0x00000008U	/* buf is a window buffer: move it */
#define FASTIPC_SEND_ALL	(FASTIPC_NONBLOCK | FASTIPC_SEND_COPY | \
				 FASTIPC_SEND_PAGES | FASTIPC_SEND_BUF)

/*
 * Descriptors a message may carry (fastipc_send.fds, Documentation/uapi.md
 * "Passing descriptors"): at most this many.  Files that can themselves
 * hold files in flight (fastipc handles, Unix sockets, io_uring) are
 * refused with EINVAL, so no reference cycle can form.
 */
#define FASTIPC_FDS_MAX		64

/* Wait forever (timeout_ns < 0 means the same). */
#define FASTIPC_TIMEOUT_NONE	(-1LL)

/* FASTIPC_IOC_SEND: queue one message. */
struct fastipc_send {
	__u64 buf;		/* user pointer, or window buffer address */
	__u64 len;		/* message length in bytes */
	__s64 timeout_ns;	/* relative; < 0: no timeout */
	__u32 prio;		/* 0 .. FASTIPC_PRIO_MAX */
	__u32 flags;		/* FASTIPC_NONBLOCK, FASTIPC_SEND_* */
	__u64 fds;		/* user pointer: nr_fds __s32 descriptors */
	__u32 nr_fds;		/* 0 .. FASTIPC_FDS_MAX */
	__u32 __pad;		/* must be zero */
};

#define FASTIPC_SEND_SIZE_VER0	48

/* fastipc_recv.flags */
#define FASTIPC_RECV_MAP	0x00000002U	/* map page messages in the window */
/*
 * Hold a request (a message sent with FASTIPC_IOC_CALL) for a reply:
 * token says which.  Without it a receive takes a request as a plain
 * message and its caller's call fails at once with ENOMSG.
 */
#define FASTIPC_RECV_CALL	0x00000004U
/*
 * Report who sent the message (struct fastipc_sender): its pid and tid
 * in the receiver's pid namespace, its uid and gid in the receiver's user
 * namespace, as they were when it was sent.  RECV needs a structure of
 * FASTIPC_RECV_SIZE_VER1 bytes at least; RECV_VEC writes an array.
 */
#define FASTIPC_RECV_SENDER	0x00000008U
/*
 * Take the descriptors a message carries: installed in this process at
 * fds (nr_fds slots at least, or the receive fails with ETOOMANYREFS,
 * nr_fds says how many, the message stays queued).  Without it they are
 * closed, and msg_flags says FASTIPC_MSG_FDS_DROPPED.
 */
#define FASTIPC_RECV_FDS	0x00000010U
#define FASTIPC_RECV_CLOEXEC	0x00000020U	/* with _FDS: O_CLOEXEC */
#define FASTIPC_RECV_ALL	(FASTIPC_NONBLOCK | FASTIPC_RECV_MAP | \
				 FASTIPC_RECV_CALL | FASTIPC_RECV_SENDER | \
				 FASTIPC_RECV_FDS | FASTIPC_RECV_CLOEXEC)

/* fastipc_recv.msg_flags (out) */
#define FASTIPC_MSG_PAGES	0x00000001U	/* the message travelled in pages */
#define FASTIPC_MSG_MAPPED	0x00000002U	/* it is mapped at addr */
#define FASTIPC_MSG_CALL	0x00000004U	/* a request: token answers it */
#define FASTIPC_MSG_SENDER	0x00000008U	/* sender says who sent it */
#define FASTIPC_MSG_FDS		0x00000010U	/* nr_fds descriptors at fds */
#define FASTIPC_MSG_FDS_DROPPED	0x00000020U	/* it carried some, closed */

/*
 * Who sent a message, taken when it was sent and translated for the
 * receiver: pid 0 (tid 0) when the sender is not in the receiver's pid
 * namespace, the overflow uid/gid (65534) when its effective uid/gid has
 * no mapping in the receiver's user namespace.
 */
struct fastipc_sender {
	__u32 pid;		/* the sending process (thread group id) */
	__u32 tid;		/* the sending thread */
	__u32 uid;		/* its effective uid */
	__u32 gid;		/* its effective gid */
};

/*
 * FASTIPC_IOC_RECV: take the first message of the highest priority.
 * Without FASTIPC_RECV_MAP, or for a message that is not in pages, the
 * bytes are copied to buf.  With it, a page message is mapped into this
 * handle's window and addr says where.  A receive that fails (EMSGSIZE,
 * EFAULT, ENOSPC, ...) leaves the message queued.  On EMSGSIZE, len is
 * set to the length of the message.
 */
struct fastipc_recv {
	__u64 buf;		/* user buffer for copied messages */
	__u64 len;		/* in: size of buf; out: message length */
	__s64 timeout_ns;	/* relative; < 0: no timeout */
	__u32 prio;		/* out: the message's priority */
	__u32 flags;		/* FASTIPC_NONBLOCK, FASTIPC_RECV_MAP */
	__u64 addr;		/* out: window address with FASTIPC_MSG_MAPPED */
	__u32 msg_flags;	/* out: FASTIPC_MSG_* */
	__u32 nr_fds;		/* with FASTIPC_RECV_FDS, in: slots at fds; */
				/* out: descriptors the message carries */
	__u64 token;		/* out: with FASTIPC_MSG_CALL, for the reply */
	__u64 fds;		/* with FASTIPC_RECV_FDS: user pointer, __s32[] */
	struct fastipc_sender sender;	/* out, with FASTIPC_RECV_SENDER */
};

#define FASTIPC_RECV_SIZE_VER0	64
#define FASTIPC_RECV_SIZE_VER1	80	/* sender */

/*
 * FASTIPC_IOC_RECV_VEC: take several copy-path messages in one call, each
 * into the buffer of one struct fastipc_rvec, in the order RECV would
 * take them.  It waits for the first as RECV does (flags, timeout_ns);
 * the others are those already queued, up to count (the module takes at
 * most 16 per call).  It stops before a message that travelled in pages
 * or does not fit the next buffer, which stays queued for RECV: if that
 * is the first, it fails with EMSGSIZE.  On return count is the number
 * of messages taken, each entry's len and prio describe its message.
 * When copying out a message faults, that message and those after it
 * stay queued, in order: the call returns those before it, or EFAULT if
 * there are none.  Nothing is lost when writing count back faults: every
 * message goes back.
 */
struct fastipc_rvec {
	__u64 buf;		/* user buffer */
	__u64 len;		/* in: size of buf; out: message length */
	__u32 prio;		/* out: the message's priority */
	__u32 __reserved;	/* must be zero */
};

struct fastipc_recv_vec {
	__u64 vec;		/* user pointer: count struct fastipc_rvec */
	__s64 timeout_ns;	/* for the first; relative, < 0: no timeout */
	__u32 count;		/* in: entries, 1..FASTIPC_RECV_VEC_MAX; */
				/* out: messages taken */
	__u32 flags;		/* FASTIPC_NONBLOCK, FASTIPC_RECV_SENDER */
	/*
	 * With FASTIPC_RECV_SENDER: user pointer to count struct
	 * fastipc_sender, the i-th for the i-th message; else 0.
	 */
	__u64 senders;
	__u64 __reserved;
};

#define FASTIPC_RECV_VEC_SIZE_VER0	40
#define FASTIPC_RECV_VEC_MAX		1024

/*
 * FASTIPC_IOC_BUF_ALLOC: allocate kernel pages for a message of len bytes
 * and map them writable in this handle's window (see mmap in
 * Documentation/uapi.md).  They are zeroed, unless FASTIPC_BUF_NOZERO asks
 * for recycled pages as they are: then they hold zeros or bytes this
 * handle's process could already read (its own earlier buffers, messages
 * it received).  FASTIPC_IOC_BUF_FREE: unmap and free a buffer that was
 * allocated or received and not sent; addr identifies it.
 */
#define FASTIPC_BUF_NOZERO	0x00000001U	/* ALLOC: skip zeroing */

struct fastipc_buf {
	__u64 addr;		/* ALLOC out, FREE in: start of the buffer */
	__u64 len;		/* ALLOC in: bytes wanted; out: bytes mapped */
	__u32 flags;		/* ALLOC: FASTIPC_BUF_NOZERO; FREE: zero */
	__u32 __pad;
	__u64 __reserved[2];
};

#define FASTIPC_BUF_SIZE_VER0	40

/* FASTIPC_IOC_INFO: the state of this handle's channel. */
struct fastipc_info {
	char name[FASTIPC_NAME_LEN];	/* empty once unlinked */
	__u64 id;
	__u32 uid;		/* owner, in the caller's user namespace */
	__u32 gid;
	__u32 mode;
	__u32 handle_flags;	/* this handle's FASTIPC_O_RDWR, _READ_PLAIN, _HUP; */
				/* FASTIPC_O_TOPIC: the channel is a topic */
	struct fastipc_attr attr;
	__u64 queued_msgs;
	__u64 queued_bytes;
	__u64 sent_msgs;	/* counters since creation */
	__u64 sent_bytes;
	__u64 recv_msgs;
	__u64 recv_bytes;
	__u64 page_msgs;	/* messages that travelled in pages */
	__u64 copied_bytes;	/* bytes the kernel copied in or out */
	__u64 mapped_pages;	/* pages mapped into windows */
	__u64 window_size;	/* bytes of this handle's window, 0 if none */
	__u64 window_pages;	/* pages this handle has mapped in its window */
	__u32 handles;		/* open handles on the channel */
	__u32 busy_poll_us;	/* this handle's busy poll: length or ceiling */
	__u32 busy_poll_flags;	/* FASTIPC_BUSY_POLL_ADAPTIVE */
	__u32 busy_poll_window_ns; /* adaptive: the length it polls now */
	__u64 busy_polls;	/* this handle's receives that busy-polled */
	__u64 busy_poll_hits;	/* of those, the ones a message ended */
	__u32 topic_flags;	/* a topic's FASTIPC_TOPIC_*; 0 for a queue */
	__u32 history;		/* a topic's history length */
	/* Topics (handle_flags has FASTIPC_O_TOPIC); zero for a queue. */
	__u32 subscribers;	/* receiving handles bound to the topic */
	__u32 __pad;
	__u64 sub_backlog;	/* this subscriber's messages not yet received */
	__u64 sub_drops;	/* messages dropped before it received them */
	__u64 sub_received;	/* messages it received */
};

#define FASTIPC_INFO_SIZE_VER0	248
#define FASTIPC_INFO_SIZE_VER1	280	/* subscribers, sub_* */

/*
 * FASTIPC_IOC_CALL: send a request and wait for its reply, in one call.
 * The request is a message like any other (buf, len, prio, and flags
 * FASTIPC_NONBLOCK, FASTIPC_SEND_* choose how it is sent and whether it
 * may wait for room); a receiver that takes it with FASTIPC_RECV_CALL
 * answers it with FASTIPC_IOC_REPLY, and the reply comes to this call
 * only: copied into reply_buf, or, with FASTIPC_CALL_MAP, a reply that
 * travelled in pages mapped into this handle's window at reply_addr.
 * timeout_ns bounds the whole call.  A call that ends without its reply
 * (ETIMEDOUT, EINTR) never gets it later: the server's reply fails with
 * ECANCELED.  A server that closes its handle holding the request, or the
 * last receiving handle closing while it is queued, fails the call with
 * ECONNRESET; a receive that takes it without FASTIPC_RECV_CALL, with
 * ENOMSG.  The request may carry descriptors (nr_fds, fds) as a send
 * does; the reply's, up to reply_nr_fds, are installed at reply_fds as
 * the call's last step (Documentation/uapi.md, "Passing descriptors").
 */
#define FASTIPC_CALL_MAP	0x00000010U	/* map a page reply in the window */
#define FASTIPC_CALL_CLOEXEC	0x00000020U	/* the reply's descriptors */
#define FASTIPC_CALL_ALL	(FASTIPC_SEND_ALL | FASTIPC_CALL_MAP | \
				 FASTIPC_CALL_CLOEXEC)

/*
 * fastipc_call.reply_flags (out): written as soon as the request is sent,
 * before the wait for the reply, so that a call that fails says whether
 * its request went (a window buffer moved) or not (nothing happened).
 */
#define FASTIPC_CALL_SENT	0x00000100U

struct fastipc_call {
	__u64 buf;		/* the request, as fastipc_send.buf */
	__u64 len;		/* its length */
	__u64 reply_buf;	/* user buffer for a copied reply */
	__u64 reply_len;	/* in: size of reply_buf; out: reply length */
	__s64 timeout_ns;	/* the whole call; relative, < 0: none */
	__u32 prio;		/* the request's, 0 .. FASTIPC_PRIO_MAX */
	__u32 flags;		/* FASTIPC_NONBLOCK, FASTIPC_SEND_*, _CALL_MAP */
	__u64 reply_addr;	/* out: window address with FASTIPC_MSG_MAPPED */
	__u32 reply_flags;	/* out: FASTIPC_MSG_PAGES, _MAPPED, _FDS, */
				/* _CALL_SENT */
	__u32 nr_fds;		/* the request's descriptors, as fastipc_send */
	__u64 fds;
	__u64 reply_fds;	/* user pointer: reply_nr_fds __s32 slots */
	__u32 reply_nr_fds;	/* in: slots; out: the reply's descriptors */
	__u32 __pad;
};

#define FASTIPC_CALL_SIZE_VER0	80
#define FASTIPC_CALL_SIZE_VER1	88	/* reply_nr_fds */

/*
 * FASTIPC_IOC_REPLY: answer the request this handle received with
 * FASTIPC_RECV_CALL and token.  The reply is sent as a message is
 * (buf, len; flags FASTIPC_SEND_COPY, _PAGES or _BUF) but goes to the
 * caller alone.  ENOENT: no request of this handle has that token (never
 * received, answered already, another handle's); ECANCELED: the caller
 * gave up, the reply was dropped (a window buffer is freed as if sent).
 * A reply longer than the caller's buffer that will not be mapped fails
 * with EMSGSIZE and the request is still held.
 */
#define FASTIPC_REPLY_ALL	(FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES | \
				 FASTIPC_SEND_BUF)

struct fastipc_reply {
	__u64 token;		/* the request's; REPLY_RECV: 0 once answered */
	__u64 buf;		/* the reply, as fastipc_send.buf */
	__u64 len;		/* its length */
	__u32 flags;		/* FASTIPC_SEND_COPY, _PAGES or _BUF */
	__u32 status;		/* out (REPLY_RECV): 0 or ECANCELED */
	__u64 fds;		/* user pointer: nr_fds __s32 descriptors */
	__u32 nr_fds;		/* 0 .. the caller's reply_nr_fds */
	__u32 __pad;
};

#define FASTIPC_REPLY_SIZE_VER0	48

/*
 * FASTIPC_IOC_REPLY_RECV: FASTIPC_IOC_REPLY, then FASTIPC_IOC_RECV, in one
 * call: the server answers one request and waits for the next.  A caller
 * that gave up does not stop it: reply.status says ECANCELED.  Once the
 * reply is done reply.token is written back as 0, before the receive: a
 * call that fails with reply.token still set did not reply.
 */
struct fastipc_reply_recv {
	struct fastipc_reply reply;
	struct fastipc_recv recv;
};

#define FASTIPC_REPLY_RECV_SIZE_VER0	112
#define FASTIPC_REPLY_RECV_SIZE_VER1	128	/* recv.sender */

/*
 * FASTIPC_IOC_SET_BUSY_POLL: a blocking receive on this handle that finds
 * the queue empty watches it for a while before it sleeps.  A message
 * that arrives meanwhile is taken without a wake-up on either side, at
 * the cost of this CPU's time; the poll ends early when another task
 * wants this CPU, a signal is pending or the receive's timeout expires.
 *
 * With flags 0 it polls usecs microseconds every time (0: never).  With
 * FASTIPC_BUSY_POLL_ADAPTIVE, usecs is a ceiling and the handle learns
 * the length from its own waits: a wait that ended within the ceiling
 * after the poll gave up doubles it, a wait longer than the ceiling
 * halves it, so a receiver whose messages come seconds apart soon stops
 * polling.  A new receiving handle starts adaptive, with the module
 * parameter busy_poll_us as its ceiling (0: no polling).  Needs a handle
 * that may receive; lasts until changed or the handle is closed.
 */
struct fastipc_busy_poll {
	__u32 usecs;		/* 0..FASTIPC_BUSY_POLL_MAX_US */
	__u32 flags;		/* FASTIPC_BUSY_POLL_ADAPTIVE or 0 */
	__u64 __reserved;
};

#define FASTIPC_BUSY_POLL_ADAPTIVE	0x00000001U	/* usecs is a ceiling */
#define FASTIPC_BUSY_POLL_SIZE_VER0	16
#define FASTIPC_BUSY_POLL_MAX_US	10000

/*
 * FASTIPC_IOC_STATS: module-wide counters; works on any open file.  In a
 * network namespace other than the initial one, without CAP_SYS_ADMIN,
 * they are that namespace's (scope FASTIPC_STATS_NETNS): its channels,
 * their handles and queued bytes, their channels' copied bytes and mapped
 * pages; pages_held and pages_pooled, which are not kept per namespace,
 * are 0.  Containers do not see each other's traffic.
 */
#define FASTIPC_STATS_NETNS	0x00000001U	/* scope: this namespace only */

struct fastipc_stats {
	__u64 pages_held;	/* pages in messages and windows right now */
	__u64 bytes_queued;	/* payload bytes queued in all channels */
	__u64 channels;		/* channels that exist */
	__u64 handles;		/* handles bound to channels */
	__u64 copied_bytes;	/* bytes copied in or out since load */
	__u64 mapped_pages;	/* pages mapped into windows since load */
	__u64 pages_pooled;	/* pages kept for recycling by open handles */
	__u32 scope;		/* FASTIPC_STATS_NETNS or 0: the module's */
	__u32 __pad;
	__u64 __reserved[2];
};

#define FASTIPC_STATS_SIZE_VER0	80

/*
 * FASTIPC_IOC_FEATURES: what this module supports, on any open file, bound
 * or not: bit n of ioctls for command number n (_IOC_NR), and the flags
 * each call accepts.  A program (libfastipc) checks here rather than
 * telling "not supported" from "invalid" by errno.  A module older than
 * this call (before 0.5) answers ENOTTY: it has commands 0x00 to 0x0a and
 * the flags below but FASTIPC_SEND_*, FASTIPC_RECV_* and
 * FASTIPC_BUSY_POLL_ADAPTIVE as of 0.4, which are the same.
 */
struct fastipc_features {
	__u64 ioctls;		/* bit n: command n is supported */
	__u32 open_flags;	/* FASTIPC_O_* */
	__u32 send_flags;	/* FASTIPC_NONBLOCK, FASTIPC_SEND_* */
	__u32 recv_flags;	/* FASTIPC_NONBLOCK, FASTIPC_RECV_* */
	__u32 buf_flags;	/* FASTIPC_BUF_* */
	__u32 busy_poll_flags;	/* FASTIPC_BUSY_POLL_* */
	__u32 call_flags;	/* FASTIPC_CALL_*, FASTIPC_SEND_* (0.6) */
	__u32 reply_flags;	/* FASTIPC_SEND_* a reply takes (0.6) */
	__u32 fds_max;		/* descriptors a message carries (0.7), or 0 */
	__u32 topic_flags;	/* FASTIPC_TOPIC_* (0.8); FASTIPC_O_TOPIC in */
				/* open_flags says topics are supported */
	__u32 __pad;
	__u64 __reserved[2];
};

#define FASTIPC_FEATURES_SIZE_VER0	64

/*
 * FASTIPC_IOC_SET_ATTR takes a struct fastipc_attr: it changes the limits
 * of this handle's channel (owner or CAP_SYS_ADMIN); a zero field keeps
 * the current value.
 */
#define FASTIPC_IOC_MAGIC	0xF1

#define FASTIPC_IOC_OPEN	_IOWR(FASTIPC_IOC_MAGIC, 0x00, struct fastipc_open)
#define FASTIPC_IOC_UNLINK	_IOW(FASTIPC_IOC_MAGIC, 0x01, struct fastipc_unlink)
#define FASTIPC_IOC_SEND	_IOW(FASTIPC_IOC_MAGIC, 0x02, struct fastipc_send)
#define FASTIPC_IOC_RECV	_IOWR(FASTIPC_IOC_MAGIC, 0x03, struct fastipc_recv)
#define FASTIPC_IOC_BUF_ALLOC	_IOWR(FASTIPC_IOC_MAGIC, 0x04, struct fastipc_buf)
#define FASTIPC_IOC_BUF_FREE	_IOW(FASTIPC_IOC_MAGIC, 0x05, struct fastipc_buf)
#define FASTIPC_IOC_INFO	_IOR(FASTIPC_IOC_MAGIC, 0x06, struct fastipc_info)
#define FASTIPC_IOC_STATS	_IOR(FASTIPC_IOC_MAGIC, 0x07, struct fastipc_stats)
#define FASTIPC_IOC_SET_ATTR	_IOW(FASTIPC_IOC_MAGIC, 0x08, struct fastipc_attr)
#define FASTIPC_IOC_RECV_VEC	_IOWR(FASTIPC_IOC_MAGIC, 0x09, struct fastipc_recv_vec)
#define FASTIPC_IOC_SET_BUSY_POLL _IOW(FASTIPC_IOC_MAGIC, 0x0a, struct fastipc_busy_poll)
#define FASTIPC_IOC_FEATURES	_IOR(FASTIPC_IOC_MAGIC, 0x0b, struct fastipc_features)
#define FASTIPC_IOC_CALL	_IOWR(FASTIPC_IOC_MAGIC, 0x0c, struct fastipc_call)
#define FASTIPC_IOC_REPLY	_IOW(FASTIPC_IOC_MAGIC, 0x0d, struct fastipc_reply)
#define FASTIPC_IOC_REPLY_RECV	_IOWR(FASTIPC_IOC_MAGIC, 0x0e, struct fastipc_reply_recv)

/*
 * The generic netlink control family (Documentation/netlink.md and
 * Documentation/netlink/specs/fastipc.yaml).  Attributes are flat, in one
 * attribute space, but for a topic's subscribers, each a nest of its own
 * (FASTIPC_A_SUB_*); numbers never change, new ones are added at the end.
 */
#define FASTIPC_GENL_NAME		"fastipc"
#define FASTIPC_GENL_VERSION		1
#define FASTIPC_GENL_MCGRP_EVENTS	"events"

enum fastipc_genl_cmd {
	FASTIPC_CMD_UNSPEC,
	FASTIPC_CMD_CHANNEL_GET,	/* by NAME or ID; dump: every channel */
	FASTIPC_CMD_CHANNEL_SET,	/* limits of one channel: owner/admin */
	FASTIPC_CMD_CHANNEL_DEL,	/* unlink and destroy: owner/admin */
	FASTIPC_CMD_STATS_GET,		/* module-wide counters */
	FASTIPC_CMD_CONFIG_GET,		/* module-wide tunables */
	FASTIPC_CMD_CONFIG_SET,		/* CAP_NET_ADMIN */
	FASTIPC_CMD_EVENT_CHANNEL_NEW,	/* notifications on "events" */
	FASTIPC_CMD_EVENT_CHANNEL_DEL,
	FASTIPC_CMD_EVENT_CHANNEL_CHANGE,
	FASTIPC_CMD_EVENT_QUEUE_FULL,

	__FASTIPC_CMD_MAX,
	FASTIPC_CMD_MAX = __FASTIPC_CMD_MAX - 1
};

enum fastipc_genl_attr {
	FASTIPC_A_UNSPEC,
	FASTIPC_A_PAD,
	/* a channel */
	FASTIPC_A_CH_NAME,		/* string, 1..FASTIPC_NAME_MAX bytes */
	FASTIPC_A_CH_ID,		/* u64 */
	FASTIPC_A_CH_UID,		/* u32 */
	FASTIPC_A_CH_GID,		/* u32 */
	FASTIPC_A_CH_MODE,		/* u32 */
	FASTIPC_A_CH_CTIME,		/* u64, ns since the epoch */
	FASTIPC_A_CH_MAX_MSGS,		/* u32 */
	FASTIPC_A_CH_MAX_BYTES,		/* u64 */
	FASTIPC_A_CH_MAX_MSG_SIZE,	/* u64 */
	FASTIPC_A_CH_ZC_THRESHOLD,	/* u64 */
	FASTIPC_A_CH_QUEUED_MSGS,	/* u32 */
	FASTIPC_A_CH_QUEUED_BYTES,	/* u64 */
	FASTIPC_A_CH_HANDLES,		/* u32 */
	FASTIPC_A_CH_WAIT_SENDERS,	/* u32 */
	FASTIPC_A_CH_WAIT_RECEIVERS,	/* u32 */
	FASTIPC_A_CH_SENT_MSGS,		/* u64, both paths */
	FASTIPC_A_CH_SENT_BYTES,	/* u64 */
	FASTIPC_A_CH_RECV_MSGS,		/* u64 */
	FASTIPC_A_CH_RECV_BYTES,	/* u64 */
	FASTIPC_A_CH_PAGE_MSGS,		/* u64, sent on the page path */
	FASTIPC_A_CH_PAGE_BYTES,	/* u64 */
	FASTIPC_A_CH_COPIED_BYTES,	/* u64, copied in or out by the kernel */
	FASTIPC_A_CH_MAPPED_PAGES,	/* u64, mapped into receivers' windows */
	FASTIPC_A_CH_DROPS,		/* u64, discarded by a delete */
	FASTIPC_A_CH_TIMEOUTS,		/* u64, sends and receives that timed out */
	FASTIPC_A_CH_ERRORS,		/* u64, deliveries that failed and requeued */
	/* module-wide */
	FASTIPC_A_ST_VERSION,		/* string */
	FASTIPC_A_ST_PAGES_HELD,	/* u64 */
	FASTIPC_A_ST_BYTES_QUEUED,	/* u64 */
	FASTIPC_A_ST_CHANNELS,		/* u64, in every namespace */
	FASTIPC_A_ST_HANDLES,		/* u64 */
	FASTIPC_A_ST_COPIED_BYTES,	/* u64 */
	FASTIPC_A_ST_MAPPED_PAGES,	/* u64 */
	/* tunables: the module parameters of the same names */
	FASTIPC_A_CFG_MAX_MSG_SIZE,	/* u64 */
	FASTIPC_A_CFG_DEFAULT_MAX_MSGS,	/* u32 */
	FASTIPC_A_CFG_MAX_MSGS_LIMIT,	/* u32 */
	FASTIPC_A_CFG_DEFAULT_MAX_BYTES, /* u64 */
	FASTIPC_A_CFG_MAX_BYTES_LIMIT,	/* u64 */
	FASTIPC_A_CFG_ZC_THRESHOLD,	/* u64 */
	FASTIPC_A_CFG_MAX_WINDOW,	/* u64 */
	FASTIPC_A_CFG_MAX_CHANNELS,	/* u32 */
	FASTIPC_A_CFG_MAX_USER_CHANNELS, /* u32 */
	FASTIPC_A_CFG_USER_PAGES_FLOOR,	/* u64 */
	FASTIPC_A_ST_PAGES_POOLED,	/* u64, kept for recycling */
	FASTIPC_A_CFG_POOL_MAX,		/* u64 */
	FASTIPC_A_CFG_USER_QUEUE_FLOOR,	/* u64 */
	FASTIPC_A_CFG_BUSY_POLL_US,	/* u32, new handles' adaptive ceiling */
	FASTIPC_A_ST_SCOPE,		/* u32, FASTIPC_STATS_NETNS or 0 */
	/* a topic's, absent from a queue's messages */
	FASTIPC_A_CH_TOPIC,		/* flag: the channel is a topic */
	FASTIPC_A_CH_TOPIC_FLAGS,	/* u32, FASTIPC_TOPIC_* */
	FASTIPC_A_CH_HISTORY,		/* u32, messages kept for latecomers */
	FASTIPC_A_CH_SUBSCRIBERS,	/* u32, receiving handles bound */
	FASTIPC_A_CH_SUB,		/* nest, FASTIPC_A_SUB_*: one per */
					/* subscriber (GET and dump only) */

	__FASTIPC_A_MAX,
	FASTIPC_A_MAX = __FASTIPC_A_MAX - 1
};

/* Inside each FASTIPC_A_CH_SUB: one subscriber of a topic. */
enum fastipc_genl_sub_attr {
	FASTIPC_A_SUB_UNSPEC,
	FASTIPC_A_SUB_PAD,
	FASTIPC_A_SUB_PID,		/* u32, in the reader's pid namespace */
	FASTIPC_A_SUB_BACKLOG,		/* u64, messages not yet received */
	FASTIPC_A_SUB_DROPS,		/* u64, dropped before it received them */
	FASTIPC_A_SUB_RECEIVED,		/* u64, messages it received */

	__FASTIPC_A_SUB_MAX,
	FASTIPC_A_SUB_MAX = __FASTIPC_A_SUB_MAX - 1
};

#endif /* _UAPI_LINUX_FASTIPC_H */

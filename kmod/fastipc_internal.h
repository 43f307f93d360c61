/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fastipc: objects shared by the files of the module.
 *
 * Objects and their lifetimes (Documentation/design.md has the long form):
 *
 *  fastipc_ns       one per network namespace (pernet data); owns the name
 *                   table.  Lives as long as the namespace.
 *  fastipc_channel  a named queue.  Reference counted: one reference while
 *                   the name is in a namespace table, one per bound handle.
 *  fastipc_handle   one per open file of /dev/fastipc; holds one channel
 *                   reference once bound, and the zero-copy window.
 *  fastipc_msg      a queued message: inline bytes (copy path) or a page
 *                   set (page path).  Owned by the queue, then by the one
 *                   receiver that took it.
 *  fastipc_pages    a set of order-0 pages; owned by exactly one of: a
 *                   message, a window buffer, or the code moving it;
 *                   a topic's is shared: refcounted, read-only.
 *                   Holds one reference per page; mappings and pins
 *                   may hold others (pages.c).
 *
 * Lock order (outermost first):
 *   fastipc_handle.bind_lock, or fastipc_sub.lock (topic.c; never both)
 *   mmap_lock of the opener's mm
 *   fastipc_window.lock
 *   i_mmap_rwsem of the handle's address_space (inside unmap_mapping_range)
 *   fastipc_ns.lock
 *   fastipc_quota_lock (quota.c)
 *   fastipc_channel.lock (a spinlock: never held across a sleep or a user
 *                         access)
 *   fastipc_pool.lock (a spinlock; never taken with fastipc_channel.lock)
 *   the pools' list_lru lock (pool.c; the shrinker, which holds it, only
 *                             trylocks a pool)
 *   fastipc_held.reqs's xa_lock (call.c; taken alone)
 *
 *  fastipc_sub      a topic's subscriber (topic.c): one per receiving
 *                   handle of a topic, from bind to release.
 *
 *  fastipc_req      the caller's side of a request (call.c): referenced by
 *                   the caller until its call returns and by whoever has
 *                   the request (its message, a handle's held table, a
 *                   reply being made).  Its state leaves WAITING once.
 */
#ifndef _FASTIPC_INTERNAL_H
#define _FASTIPC_INTERNAL_H

#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/sizes.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "uapi/fastipc.h"

/* FASTIPC_VERSION comes from the top-level VERSION file (Kbuild). */
#define FASTIPC_NR_PRIO		(FASTIPC_PRIO_MAX + 1)

/* Module parameters (main.c); read with READ_ONCE, they change at run time. */
extern unsigned long fastipc_max_msg_size;
extern unsigned int fastipc_default_max_msgs;
extern unsigned int fastipc_max_msgs_limit;
extern unsigned long fastipc_default_max_bytes;
extern unsigned long fastipc_max_bytes_limit;
extern unsigned long fastipc_zc_threshold;
extern unsigned long fastipc_max_window;
extern unsigned int fastipc_max_channels;
extern unsigned int fastipc_max_user_channels;
extern unsigned long fastipc_user_pages_floor;
extern unsigned long fastipc_user_queue_floor;
extern unsigned long fastipc_hide_ioctls;

/* Module-wide counters, for FASTIPC_IOC_STATS and the tests (counters.c). */
struct fastipc_counters {
	atomic_long_t pages_held;	/* in messages, windows, in flight */
	atomic_long_t pages_pooled;	/* in handles' pools */
	atomic_long_t channels;
	atomic_long_t handles;
	/* Per message: per-CPU, added to with fastipc_count(). */
	struct percpu_counter bytes_queued;
	struct percpu_counter copied_bytes;
	struct percpu_counter mapped_pages;
};

extern struct fastipc_counters fastipc_counters;

/* Fold a CPU's delta into the total only past 1 GiB: these count bytes. */
#define FASTIPC_COUNT_BATCH	SZ_1G

static inline void fastipc_count(struct percpu_counter *counter, s64 n)
{
	percpu_counter_add_batch(counter, n, FASTIPC_COUNT_BATCH);
}

int fastipc_counters_init(void);
void fastipc_counters_destroy(void);
struct fastipc_ns;
void fastipc_counters_read(struct fastipc_stats *st, struct fastipc_ns *ns,
			   bool global);

/* Per network namespace: the channel names. */
struct fastipc_ns {
	struct net *net;		/* the namespace this belongs to */
	struct mutex lock;		/* protects names, ids, nr_channels */
	DECLARE_HASHTABLE(names, 8);
	struct xarray ids;		/* channel id -> channel, for dumps */
	unsigned int nr_channels;
};

struct fastipc_ns *fastipc_ns_current(void);
struct fastipc_ns *fastipc_ns_of(struct net *net);
struct fastipc_channel *fastipc_ns_find(struct fastipc_ns *ns,
					const char *name, u64 id);
int fastipc_chan_delete(struct fastipc_ns *ns, struct fastipc_channel *ch);
void fastipc_chan_delete_unused(struct fastipc_ns *ns,
				struct fastipc_channel *ch);
int fastipc_ns_register(void);
void fastipc_ns_unregister(void);

/* Per-user ceilings (quota.c). */
struct fastipc_user;

int fastipc_quota_add_channel(kuid_t uid, u64 max_bytes);
void fastipc_quota_del_channel(kuid_t uid, u64 max_bytes);
int fastipc_quota_resize_channel(struct fastipc_channel *ch,
				 const struct fastipc_attr *attr);
unsigned long fastipc_quota_page_limit(unsigned long memlock);
struct fastipc_user *fastipc_user_get(void);
void fastipc_user_put(struct fastipc_user *u);
unsigned long fastipc_user_try_charge(struct fastipc_user *u,
				      unsigned long nr, unsigned long limit,
				      bool partial);
void fastipc_user_uncharge(struct fastipc_user *u, unsigned long nr);
bool fastipc_user_try_charge_files(struct fastipc_user *u, unsigned int nr,
				   unsigned long limit);
void fastipc_user_force_charge_files(struct fastipc_user *u, unsigned int nr);
void fastipc_user_uncharge_files(struct fastipc_user *u, unsigned int nr);
struct fastipc_user *fastipc_quota_charge_pages(unsigned long nr);
void fastipc_quota_release_pages(struct fastipc_user *u, unsigned long nr);

/* Recycled pages, one pool per bound handle (pool.c). */
struct fastipc_pool;
struct mem_cgroup;

extern unsigned long fastipc_pool_max;
int fastipc_pool_register(void);
void fastipc_pool_unregister(void);
struct fastipc_pool *fastipc_pool_new(void);
struct fastipc_pool *fastipc_pool_get(struct fastipc_pool *pool);
void fastipc_pool_put(struct fastipc_pool *pool);
void fastipc_pool_close(struct fastipc_pool *pool);
struct mem_cgroup *fastipc_pool_charge_begin(struct fastipc_pool *pool);
void fastipc_pool_charge_end(struct mem_cgroup *old);
bool fastipc_pool_same_memcg(const struct fastipc_pool *pool,
			     const struct fastipc_pool *charged);
unsigned long fastipc_pool_take(struct fastipc_pool *pool,
				struct page **pages, unsigned long nr);
void fastipc_pool_give(struct fastipc_pool *pool, bool recycle,
		       struct page **pages, unsigned long nr);

/* A set of order-0 pages holding one message or one buffer (pages.c). */
struct fastipc_pages {
	/*
	 * One, but for a topic's message: its own and one per window that
	 * maps it read-only (topic.c); the last put frees the pages.
	 */
	refcount_t refs;
	unsigned long nr;
	struct fastipc_user *user;	/* charged for them */
	/*
	 * The pool of the process that may have written their bytes,
	 * referenced, where they recycle; it is always one whose memory
	 * cgroup they are charged to.  NULL: they recycle nowhere.
	 */
	struct fastipc_pool *origin;
	struct page *pages[];
};

/* What fastipc_pages_alloc() must guarantee about the pages' bytes. */
enum fastipc_fill {
	FASTIPC_FILL_ZERO,	/* all zero */
	FASTIPC_FILL_RECYCLED,	/* zero, or the pool's own process's bytes */
	FASTIPC_FILL_OVERWRITE,	/* anything: the caller writes every byte */
};

struct fastipc_pages *fastipc_pages_alloc(unsigned long nr,
					  enum fastipc_fill fill,
					  struct fastipc_pool *pool);
void fastipc_pages_free(struct fastipc_pages *pg);
struct fastipc_pages *fastipc_pages_get(struct fastipc_pages *pg);
bool fastipc_pages_shared(const struct fastipc_pages *pg);
void fastipc_pages_set_origin(struct fastipc_pages *pg,
			      struct fastipc_pool *pool);
void fastipc_pages_trim(struct fastipc_pages *pg, size_t len);
long fastipc_pages_isolate(struct fastipc_pages *pg);
int fastipc_pages_copy_in(struct fastipc_pages *pg, const void __user *src,
			  size_t len);
int fastipc_pages_copy_out(void __user *dst, struct fastipc_pages *pg,
			   size_t len);

/* Descriptors a message carries (files.c): referenced, charged. */
struct fastipc_files {
	struct fastipc_user *user;	/* charged for them */
	unsigned int nr;
	struct file *files[];
};

struct fastipc_files *fastipc_files_get(u64 ufds, u32 nr);
void fastipc_files_put(struct fastipc_files *fs);
int fastipc_files_install(struct fastipc_files *fs, u64 ufds, bool cloexec,
			  int *fds);
void fastipc_files_uninstall(const struct fastipc_files *fs, const int *fds);

struct fastipc_channel;
struct fastipc_req;

/* A message.  pages == NULL: the bytes are in data[] (copy path). */
struct fastipc_msg {
	struct list_head node;		/* in fastipc_channel.queue[prio] */
	size_t len;
	u32 prio;
	u32 cap;			/* inline: room in data[], else 0 */
	struct fastipc_pages *pages;
	/*
	 * A request (FASTIPC_IOC_CALL): its caller's side, referenced, owned
	 * with the message until a receive holds it or ends it (call.c).
	 */
	struct fastipc_req *req;
	/*
	 * Who sent it (fastipc_msg_stamp()): the sending thread's pid and,
	 * if it is not the thread group's leader, the leader's, referenced;
	 * its effective ids.  Translated for a receiver that asks.
	 */
	struct pid *sender_tid;
	struct pid *sender_tgid;	/* NULL: the same as sender_tid */
	kuid_t sender_uid;
	kgid_t sender_gid;
	struct fastipc_files *files;	/* descriptors it carries, or NULL */
	/*
	 * On a topic (topic.c), under the channel's lock: its place in the
	 * log, its number, how many subscribers have yet to receive it;
	 * and its references (the log's, one per receive delivering it).
	 */
	struct list_head log_node;	/* empty once out of the log */
	u64 seq;
	u32 pending;
	refcount_t refs;
	u8 data[];
};

struct fastipc_msg *fastipc_msg_alloc_inline(struct fastipc_channel *ch,
					     size_t len);
void fastipc_msg_recycle(struct fastipc_channel *ch, struct fastipc_msg *msg);
struct fastipc_msg *fastipc_msg_alloc_pages(struct fastipc_pages *pg);
void fastipc_msg_free(struct fastipc_msg *msg);
void fastipc_msg_end_req(struct fastipc_msg *msg, int err);
void fastipc_msg_stamp(struct fastipc_msg *msg);
bool fastipc_msg_sender(const struct fastipc_msg *msg,
			struct fastipc_sender *sender);
int fastipc_copy_in(void *dst, const void __user *src, size_t len);
int fastipc_msg_copy_out(void __user *dst, u64 size,
			 const struct fastipc_msg *msg);

struct fastipc_channel {
	struct kref ref;		/* name + one per bound handle */
	u64 id;

	/* Set at creation, then constant. */
	char name[FASTIPC_NAME_LEN];
	kuid_t uid, cuid;		/* owner and creator */
	kgid_t gid, cgid;
	umode_t mode;
	struct user_namespace *user_ns;	/* of the creating namespace */
	u64 ctime;			/* creation, ns since the epoch */

	/* Protected by the owning fastipc_ns.lock. */
	struct fastipc_ns *ns;		/* NULL once unlinked */
	struct hlist_node name_node;

	atomic_t nr_handles;
	atomic_t wait_senders;		/* tasks sleeping in a send */
	atomic_t wait_receivers;	/* tasks sleeping in a receive */

	/*
	 * A small inline message that was received and freed, kept for the
	 * next small send: no lock, whoever xchg()s it out owns it
	 * (fastipc_msg_alloc_inline(), fastipc_msg_recycle()).  Freed with
	 * the channel.
	 */
	struct fastipc_msg *spare_msg;

	/*
	 * Protected by this lock; attr.max_bytes, charged to the creator's
	 * queue quota, is written under fastipc_quota_lock too, so reading
	 * it under either is enough.
	 */
	spinlock_t lock;
	struct fastipc_attr attr;
	/*
	 * Everything below: under lock only, except that the busy poll
	 * (fastipc_busy_poll()) reads prio_mask and dead with READ_ONCE()
	 * as a hint, before it takes the lock.
	 */
	struct list_head queue[FASTIPC_NR_PRIO];
	u32 prio_mask;			/* bit p set: queue[p] not empty */
	u32 nr_queued;			/* messages on the lists */
	u32 nr_queued_reqs;		/* of those, requests (msg->req) */
	u64 queued_bytes;		/* their payload bytes */
	/*
	 * Space in use: messages queued, reserved by senders that are still
	 * building them, and taken by receivers that have not finished
	 * (except a plain copy-out, done at take: fastipc_chan_take()).
	 */
	u32 nr_msgs;
	u64 nr_bytes;
	bool dead;			/* namespace gone: EIDRM */
	/*
	 * Bound handles that may receive and that may send: when the last
	 * receiver goes, the requests still queued fail; when the last of a
	 * side goes, the other side's FASTIPC_O_HUP handles learn it
	 * (fastipc_chan_handle_gone()).  had_*: one was ever bound.
	 */
	u32 nr_receivers, nr_senders;
	bool had_receivers, had_senders;
	/*
	 * Receivers asleep on an empty queue, oldest first (struct
	 * fastipc_rx_waiter): a sender hands its message to the first one
	 * instead of queueing it, so while this list is not empty the
	 * queue is empty.
	 */
	struct list_head rx_waiters;
	/*
	 * Senders asleep for room, oldest first (struct fastipc_tx_waiter):
	 * room freed goes to them in that order (fastipc_chan_grant()).
	 */
	struct list_head tx_waiters;
	bool full_reported;		/* QUEUE_FULL sent, not drained since */
	u64 sent_msgs, sent_bytes, recv_msgs, recv_bytes;
	u64 page_msgs, page_bytes, copied_bytes, mapped_pages;
	u64 drops, timeouts, errors;

	wait_queue_head_t recv_wq;	/* EPOLLIN pollers */
	wait_queue_head_t send_wq;	/* EPOLLOUT pollers */

	/*
	 * A topic (topic.c): set at creation, then constant.  Its messages
	 * sit on queue[] by priority as a queue's do, and on @log in the
	 * order they were published; they leave when every subscriber has
	 * received them and they are older than the last @history, or to
	 * make room.  Under lock: log, subs, nr_subs, next_seq.
	 */
	bool topic;
	u32 topic_flags;		/* FASTIPC_TOPIC_* */
	u32 history;
	struct list_head log;		/* struct fastipc_msg.log_node */
	struct list_head subs;		/* struct fastipc_sub.node */
	u32 nr_subs;
	u64 next_seq;			/* the next message's number */
	/* Its low bits, also read with READ_ONCE(): what a busy poll watches. */
	int pub_gen;
};

struct fastipc_channel *fastipc_chan_open(struct fastipc_ns *ns,
					  const struct fastipc_open *arg,
					  struct fastipc_attr *attr_out,
					  bool *created);
int fastipc_chan_unlink(struct fastipc_ns *ns, const char *name);
void fastipc_chan_put(struct fastipc_channel *ch);
u32 fastipc_chan_kill(struct fastipc_channel *ch);
bool fastipc_chan_may_admin(const struct fastipc_channel *ch);
int fastipc_chan_check_attr(struct fastipc_attr *attr, bool create);
int fastipc_chan_set_attr(struct fastipc_channel *ch,
			  const struct fastipc_attr *attr);
void fastipc_chan_apply_attr(struct fastipc_channel *ch,
			     const struct fastipc_attr *attr);

void fastipc_chan_handle_add(struct fastipc_channel *ch, u32 access);
void fastipc_chan_handle_gone(struct fastipc_channel *ch, u32 access);
void fastipc_chan_count_timeout(struct fastipc_channel *ch);
ktime_t fastipc_deadline(s64 timeout_ns);
s64 fastipc_timeout_left(ktime_t deadline);
bool fastipc_sleep_until(ktime_t deadline);

/* How a send waits for room (fastipc_chan_reserve(), fastipc_chan_send()). */
#define FASTIPC_ADMIT_NONBLOCK	BIT(0)	/* not at all: EAGAIN */
#define FASTIPC_ADMIT_HUP	BIT(1)	/* EPIPE once no receiver is left */

int fastipc_chan_reserve(struct fastipc_channel *ch, size_t len,
			 unsigned int how, s64 timeout_ns);
void fastipc_chan_unreserve(struct fastipc_channel *ch, size_t len);
int fastipc_chan_send(struct fastipc_channel *ch, struct fastipc_msg *msg,
		      size_t copied, unsigned int how, s64 timeout_ns);
void fastipc_chan_commit(struct fastipc_channel *ch, struct fastipc_msg *msg,
			 size_t copied);
/* What a receive does with the message it takes. */
enum fastipc_take {
	FASTIPC_TAKE_COPY,	/* copies any message out */
	FASTIPC_TAKE_MAP,	/* maps a page message, copies the others */
	FASTIPC_TAKE_PLAIN,	/* copies a plain one, leaves the others */
	FASTIPC_TAKE_COPIED,	/* copies a copy-path one, leaves the others */
};

/* Messages one FASTIPC_IOC_RECV_VEC takes at most (its stack arrays). */
#define FASTIPC_RECV_VEC_BATCH	16

/*
 * A receiving handle's busy poll (busy_poll.c): FASTIPC_IOC_SET_BUSY_POLL
 * or the module's default.  Every field is written and read with
 * *_ONCE(): receives on one handle may run at once and adjust window_ns
 * without a lock, since it is a guess and a lost update costs one poll;
 * a receive that reads a new usecs with the old flags polls once as
 * either setting would.
 */
struct fastipc_poll {
	u32 usecs;		/* fixed length, or adaptive ceiling; 0: none */
	u32 flags;		/* FASTIPC_BUSY_POLL_ADAPTIVE */
	u32 window_ns;		/* adaptive: the length it polls now */
	/* What the receives did, for INFO; atomic: they count exactly. */
	atomic64_t polls;	/* found the queue empty and polled */
	atomic64_t hits;	/* of those, saw a message come */
};

extern unsigned int fastipc_busy_poll_default_us;

void fastipc_poll_set(struct fastipc_poll *p, u32 usecs, u32 flags);
void fastipc_poll_set_default(struct fastipc_poll *p);
void fastipc_poll_note_send(void);
void fastipc_poll_end_turn(void);
u64 fastipc_poll_begin(const struct fastipc_poll *p, bool *learn);
void fastipc_poll_learn(struct fastipc_poll *p, u64 waited_ns, bool got);
void fastipc_busy_poll(struct fastipc_channel *ch, struct fastipc_poll *p,
		       u64 span_ns, ktime_t deadline);
void fastipc_busy_poll_word(const int *word, int quiet, struct fastipc_poll *p,
			    u64 span_ns, ktime_t deadline);

/* Requests and replies (call.c). */

/* What a caller takes as a reply: set at the call, then constant. */
struct fastipc_reply_room {
	u64 len;		/* bytes its reply buffer holds */
	u32 nr_fds;		/* descriptors it has slots for */
	bool map;		/* it maps a reply in pages */
};

struct fastipc_req *fastipc_req_new(const struct fastipc_reply_room *room);
struct fastipc_req *fastipc_req_get(struct fastipc_req *req);
void fastipc_req_put(struct fastipc_req *req);
int fastipc_req_finish(struct fastipc_req *req, struct fastipc_msg *reply,
		       int err);
bool fastipc_req_abandoned(const struct fastipc_req *req);
struct fastipc_msg *fastipc_req_wait(struct fastipc_req *req,
				     struct fastipc_poll *poll,
				     ktime_t deadline);

/*
 * The requests a handle received with FASTIPC_RECV_CALL and has not
 * answered, each referenced, by the low 32 bits of its token (the high
 * ones tell apart the requests a slot held in turn).  @reqs has its own
 * lock (xa_lock), taken with no other lock held.
 */
struct fastipc_held {
	struct xarray reqs;
	u32 next;		/* xa_alloc_cyclic()'s, under xa_lock */
	atomic_t gen;		/* the tokens' high halves */
	atomic_t nr;		/* in @reqs, or being added */
};

void fastipc_held_init(struct fastipc_held *held);
int fastipc_held_add(struct fastipc_held *held, struct fastipc_req *req,
		     u32 max, u64 *token);
void fastipc_held_commit(struct fastipc_held *held, u64 token);
void fastipc_held_cancel(struct fastipc_held *held, u64 token);
struct fastipc_req *fastipc_held_take(struct fastipc_held *held, u64 token);
int fastipc_held_peek(struct fastipc_held *held, u64 token,
		      struct fastipc_reply_room *room, bool *abandoned);
void fastipc_held_destroy(struct fastipc_held *held);

/* How a receive waits for a message. */
struct fastipc_wait {
	bool nonblock;			/* not at all: EAGAIN */
	bool hup;			/* EPIPE once no sender is left */
	s64 timeout_ns;			/* relative; < 0: no timeout */
	struct fastipc_poll *poll;	/* the handle's busy poll */
};

struct fastipc_msg *fastipc_chan_take(struct fastipc_channel *ch,
				      const struct fastipc_wait *wait,
				      enum fastipc_take how, u64 copy_max,
				      bool *done);
int fastipc_chan_take_vec(struct fastipc_channel *ch,
			  const struct fastipc_wait *wait,
			  const struct fastipc_rvec *ent,
			  struct fastipc_msg **msgs, unsigned int n);
void fastipc_chan_undeliver(struct fastipc_channel *ch,
			    struct fastipc_msg *msg);
void fastipc_chan_putback(struct fastipc_channel *ch, struct fastipc_msg *msg);
void fastipc_chan_done(struct fastipc_channel *ch, size_t len, size_t copied,
		       unsigned long mapped);
__poll_t fastipc_chan_poll(struct fastipc_channel *ch, struct file *file,
			   poll_table *wait, u32 access, bool hup,
			   size_t want);
void fastipc_chan_fill_info(struct fastipc_channel *ch,
			    struct fastipc_info *info);
bool fastipc_chan_room(const struct fastipc_channel *ch, size_t len);
void fastipc_chan_release_room(struct fastipc_channel *ch, size_t len);
void fastipc_wake_senders(struct fastipc_channel *ch);
bool fastipc_chan_senders_gone(const struct fastipc_channel *ch);

/* Topics (topic.c): one subscriber, a receiving handle of a topic. */
struct fastipc_sub {
	struct mutex lock;		/* one receive at a time */
	struct pid *pid;		/* who subscribed, for netlink */
	/* Under the channel's lock: */
	struct list_head node;		/* on ch->subs */
	/* Every message of priority p before next[p]: received or lost. */
	u64 next[FASTIPC_NR_PRIO];
	struct fastipc_msg *taking;	/* the one a receive is delivering */
	u64 drops, received;
};

struct fastipc_sub_stats {
	pid_t pid;
	u64 backlog, drops, received;
};

int fastipc_topic_check_open(const struct fastipc_open *arg, bool create);
void fastipc_topic_init(struct fastipc_channel *ch,
			const struct fastipc_open *arg);
void fastipc_topic_publish(struct fastipc_channel *ch, struct fastipc_msg *msg,
			   struct list_head *doomed);
bool fastipc_topic_make_room(struct fastipc_channel *ch, size_t len,
			     struct list_head *doomed);
bool fastipc_topic_may_publish(struct fastipc_channel *ch, size_t len);
void fastipc_topic_free(struct fastipc_channel *ch, struct list_head *doomed);
void fastipc_topic_msg_put(struct fastipc_msg *msg);
struct fastipc_sub *fastipc_topic_subscribe(struct fastipc_channel *ch);
void fastipc_topic_unsubscribe(struct fastipc_channel *ch,
			       struct fastipc_sub *sub);
struct fastipc_msg *fastipc_topic_take(struct fastipc_channel *ch,
				       struct fastipc_sub *sub,
				       const struct fastipc_wait *wait,
				       enum fastipc_take how, u64 copy_max);
void fastipc_topic_done(struct fastipc_channel *ch, struct fastipc_sub *sub,
			struct fastipc_msg *msg, int err, size_t copied,
			unsigned long mapped);
__poll_t fastipc_topic_poll(struct fastipc_channel *ch,
			    struct fastipc_sub *sub, struct file *file,
			    poll_table *wait, bool hup);
void fastipc_topic_sub_stats(struct fastipc_channel *ch,
			     struct fastipc_sub *sub,
			     struct fastipc_sub_stats *st);
struct fastipc_sub_stats *fastipc_topic_subs(struct fastipc_channel *ch,
					     u32 *n);

/*
 * The zero-copy window of a handle: one shared mapping of the device in
 * the opener's address space, into which buffers' pages are inserted.
 */
struct fastipc_window {
	struct mutex lock;	/* protects all below; nests in mmap_lock */
	unsigned long start;	/* user address; 0 when not mapped */
	unsigned long nr_pages;
	bool writable;
	unsigned int nr_vmas;	/* transient copies during a failed mremap */
	unsigned long *used;	/* one bit per window page: buffer or claim */
	struct xarray bufs;	/* first page index -> struct fastipc_wbuf */
	unsigned long pages_mapped;
	u64 gen;		/* counts the windows cleared: claims' epoch */
};

/* A range claimed for a received message before it is mapped. */
struct fastipc_claim {
	unsigned long pgoff, nr;
	u64 gen;
	u64 addr;		/* where it will be */
};

struct fastipc_handle {
	struct mutex bind_lock;		/* serialises FASTIPC_IOC_OPEN */
	struct fastipc_channel *chan;	/* set once, read with acquire */
	u32 access;			/* FASTIPC_O_RECV | FASTIPC_O_SEND */
	bool read_plain;		/* FASTIPC_O_READ_PLAIN */
	bool hup;			/* FASTIPC_O_HUP */
	struct fastipc_poll busy_poll;	/* used if access has RECV */
	/* A send-only handle's calls poll for their replies with this. */
	struct fastipc_poll call_poll;
	struct fastipc_held held;	/* requests to answer (call.c) */
	/*
	 * The length of the last send refused for want of room, until a
	 * send succeeds: what EPOLLOUT waits for.  *_ONCE: a hint that the
	 * handle's senders share.
	 */
	size_t tx_want;
	struct mm_struct *mm;		/* the binder's mm, mmgrab()ed */
	/* Our own f_mapping, so unmap_mapping_range() finds the window. */
	struct address_space mapping;
	struct fastipc_window win;
	/* Pages @mm's process wrote (pool.c); set at bind, like @mm. */
	struct fastipc_pool *pool;
	/* A receiving handle of a topic: its place in it; set at bind. */
	struct fastipc_sub *sub;
};

/*
 * The pool the current task may take pages from and recycle pages into
 * through @h: the handle's, for the process that bound it; none for any
 * other holder of the file, whose bytes must not reach that process.
 */
static inline struct fastipc_pool *fastipc_handle_pool(struct fastipc_handle *h)
{
	return current->mm == h->mm ? h->pool : NULL;
}

void fastipc_window_init(struct fastipc_window *win);
void fastipc_window_destroy(struct fastipc_window *win);
int fastipc_window_mmap(struct fastipc_handle *h, struct vm_area_struct *vma);
int fastipc_window_alloc(struct fastipc_handle *h, size_t len,
			 enum fastipc_fill fill, u64 *addr, u64 *mapped);
int fastipc_window_free(struct fastipc_handle *h, u64 addr);
struct fastipc_pages *fastipc_window_take(struct fastipc_handle *h, u64 addr,
					  size_t len, unsigned long *copied);
int fastipc_window_claim_for(struct fastipc_handle *h, unsigned long nr,
			     bool rdonly, struct fastipc_claim *claim);
void fastipc_window_unclaim(struct fastipc_handle *h,
			    const struct fastipc_claim *claim);
int fastipc_window_place(struct fastipc_handle *h, struct fastipc_pages *pg,
			 const struct fastipc_claim *claim, bool *exposed);

extern const struct file_operations fastipc_fops;

/* The generic netlink family (netlink.c). */
int fastipc_nl_register(void);
void fastipc_nl_unregister(void);
void fastipc_nl_notify(struct fastipc_channel *ch, struct net *net, u8 cmd);
void fastipc_nl_notify_current(struct fastipc_channel *ch, u8 cmd);

#endif /* _FASTIPC_INTERNAL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: the message queue of a channel.
 *
 * Sending is reserve, build, commit: a sender first reserves room for its
 * message (waiting if the channel is full), then builds the message with
 * no lock held (copying from user memory, allocating pages, or unmapping
 * a window buffer), then commits it to the queue.  Receiving is take,
 * deliver, done: a receiver takes the first message off the queue, copies
 * or maps it with no lock held, then either releases its room (done) or
 * puts it back at the head of its priority (putback) when delivery failed.
 * A receiver that finds the queue empty waits on ch->rx_waiters, and the
 * next sender hands it the message directly: the woken receiver returns
 * with it at once, without taking ch->lock again or racing other
 * receivers for it (POSIX message queues do the same).
 * So ch->lock is held only for list and counter updates, and a failed
 * operation never loses or duplicates a message.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "fastipc_internal.h"

/*
 * Validate @attr against the module's limits.  With @create, zero fields
 * take the module defaults; otherwise they are left zero ("unchanged").
 */
int fastipc_chan_check_attr(struct fastipc_attr *attr, bool create)
{
	u64 msg_limit = min_t(u64, READ_ONCE(fastipc_max_msg_size),
			      FASTIPC_MSG_SIZE_LIMIT);

	if (attr->__pad)
		return -EINVAL;
	if (create) {
		/* Defaults above their limits (set through sysfs) are capped. */
		if (!attr->max_msgs)
			attr->max_msgs = min(READ_ONCE(fastipc_default_max_msgs),
					     READ_ONCE(fastipc_max_msgs_limit));
		if (!attr->max_bytes)
			attr->max_bytes = min(READ_ONCE(fastipc_default_max_bytes),
					      READ_ONCE(fastipc_max_bytes_limit));
		if (!attr->max_msg_size)
			attr->max_msg_size = msg_limit;
		if (!attr->zc_threshold)
			attr->zc_threshold = READ_ONCE(fastipc_zc_threshold);
	}
	if (attr->max_msgs > READ_ONCE(fastipc_max_msgs_limit) ||
	    attr->max_bytes > READ_ONCE(fastipc_max_bytes_limit) ||
	    attr->max_msg_size > msg_limit ||
	    attr->zc_threshold > FASTIPC_MSG_SIZE_LIMIT + 1)
		return -EINVAL;
	return 0;
}

/* Change @ch's limits; -ENOSPC past its creator's queue ceiling. */
int fastipc_chan_set_attr(struct fastipc_channel *ch,
			  const struct fastipc_attr *attr)
{
	int err;

	err = fastipc_quota_resize_channel(ch, attr);
	if (err)
		return err;
	/* Raised limits may let waiting senders in. */
	wake_up_interruptible_poll(&ch->send_wq, EPOLLOUT | EPOLLWRNORM);
	return 0;
}

/* Owner, creator, or CAP_SYS_ADMIN in the channel's user namespace. */
bool fastipc_chan_may_admin(const struct fastipc_channel *ch)
{
	kuid_t euid = current_euid();

	return uid_eq(euid, ch->uid) || uid_eq(euid, ch->cuid) ||
	       ns_capable(ch->user_ns, CAP_SYS_ADMIN);
}

static void fastipc_chan_release(struct kref *ref)
{
	struct fastipc_channel *ch = container_of(ref, struct fastipc_channel,
						  ref);

	/* No handle and no name left: nobody can reach the queue. */
	fastipc_chan_kill(ch);
	fastipc_quota_del_channel(ch->cuid, ch->attr.max_bytes);
	put_user_ns(ch->user_ns);
	fastipc_msg_free(ch->spare_msg);
	atomic_long_dec(&fastipc_counters.channels);
	kfree(ch);
}

void fastipc_chan_put(struct fastipc_channel *ch)
{
	kref_put(&ch->ref, fastipc_chan_release);
}

/*
 * A receiver asleep on an empty queue, on its own stack.  A sender that
 * hands it a message does not touch it after setting @msg.
 */
struct fastipc_rx_waiter {
	struct list_head node;		/* on ch->rx_waiters, under ch->lock */
	struct task_struct *task;
	enum fastipc_take how;		/* what the receive does with the */
	u64 copy_max;			/* message: fastipc_chan_deliver() */
	bool hup;			/* EPIPE when the last sender goes */
	bool done;			/* set before @msg */
	/*
	 * Handed over, or ERR_PTR(-EMSGSIZE) for a plain receive that the
	 * message does not suit: stored last, release.
	 */
	struct fastipc_msg *msg;
};

enum {
	FASTIPC_TXW_WAITING,
	FASTIPC_TXW_GRANTED,		/* its room is reserved */
	FASTIPC_TXW_RETRY,		/* the channel died or its limits changed */
};

/*
 * A sender asleep for room, on its own stack; see fastipc_chan_grant().
 * Whoever wakes it does not touch it after setting @state.
 */
struct fastipc_tx_waiter {
	struct list_head node;		/* on ch->tx_waiters, under ch->lock */
	struct task_struct *task;
	size_t len;			/* the room it waits for */
	bool hup;			/* EPIPE when the last receiver goes */
	int state;			/* FASTIPC_TXW_*: stored last, release */
};

/* Take @w off the list and wake it with @state.  Caller holds ch->lock. */
static void fastipc_tx_waiter_wake(struct fastipc_tx_waiter *w, int state)
{
	struct task_struct *task = w->task;

	list_del_init(&w->node);
	/* Once it returns, its task_struct lives until a grace period ends. */
	rcu_read_lock();
	/* Pairs with fastipc_wait_grant(): @w may be gone after this. */
	smp_store_release(&w->state, state);
	wake_up_process(task);
	rcu_read_unlock();
}

/* Every waiting sender tries to reserve again.  Caller holds ch->lock. */
static void fastipc_chan_retry_senders(struct fastipc_channel *ch)
{
	struct fastipc_tx_waiter *w, *tmp;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(w, tmp, &ch->tx_waiters, node)
		fastipc_tx_waiter_wake(w, FASTIPC_TXW_RETRY);
}

/* Caller holds fastipc_quota_lock (fastipc_quota_resize_channel()). */
void fastipc_chan_apply_attr(struct fastipc_channel *ch,
			     const struct fastipc_attr *attr)
{
	spin_lock(&ch->lock);
	if (attr->max_msgs)
		WRITE_ONCE(ch->attr.max_msgs, attr->max_msgs);
	if (attr->max_bytes)
		WRITE_ONCE(ch->attr.max_bytes, attr->max_bytes);
	if (attr->max_msg_size)
		WRITE_ONCE(ch->attr.max_msg_size, attr->max_msg_size);
	if (attr->zc_threshold)
		WRITE_ONCE(ch->attr.zc_threshold, attr->zc_threshold);
	/* A waiting sender may now fit, or be too big (EMSGSIZE). */
	fastipc_chan_retry_senders(ch);
	spin_unlock(&ch->lock);
}

/* Sleep, the task state set, until woken or @deadline: false once past. */
bool fastipc_sleep_until(ktime_t deadline)
{
	if (deadline == KTIME_MAX) {
		schedule();
		return true;
	}
	return schedule_hrtimeout_range(&deadline, current->timer_slack_ns,
					HRTIMER_MODE_ABS) != 0;
}

/*
 * Destroy the queue: free every queued message and fail every later
 * operation with EIDRM.  Used when the namespace goes away and on the last
 * reference.
 */
u32 fastipc_chan_kill(struct fastipc_channel *ch)
{
	struct fastipc_rx_waiter *w, *wtmp;
	struct fastipc_msg *msg, *tmp;
	LIST_HEAD(doomed);
	u64 bytes = 0;
	u32 drops;
	int p;

	spin_lock(&ch->lock);
	WRITE_ONCE(ch->dead, true);
	/* Each waiter takes ch->lock before it leaves: it is still there. */
	list_for_each_entry_safe(w, wtmp, &ch->rx_waiters, node) {
		list_del_init(&w->node);
		wake_up_process(w->task);
	}
	fastipc_chan_retry_senders(ch);
	for (p = 0; p < FASTIPC_NR_PRIO; p++)
		list_splice_init(&ch->queue[p], &doomed);
	/* A topic's messages may be in receives still: they hold them. */
	list_for_each_entry_safe(msg, tmp, &ch->log, log_node)
		list_del_init(&msg->log_node);
	WRITE_ONCE(ch->prio_mask, 0);
	drops = ch->nr_queued;
	ch->drops += drops;
	WRITE_ONCE(ch->nr_queued, 0);
	ch->nr_queued_reqs = 0;
	ch->queued_bytes = 0;
	spin_unlock(&ch->lock);

	/* Up to max_msgs_limit messages, each maybe a page set: yield. */
	list_for_each_entry_safe(msg, tmp, &doomed, node) {
		bytes += msg->len;
		if (ch->topic)
			fastipc_topic_msg_put(msg);
		else
			fastipc_msg_free(msg);
		cond_resched();
	}
	fastipc_count(&fastipc_counters.bytes_queued, -(s64)bytes);
	wake_up_interruptible_poll(&ch->recv_wq, EPOLLERR | EPOLLHUP);
	wake_up_interruptible_poll(&ch->send_wq, EPOLLERR | EPOLLHUP);
	return drops;
}

/*
 * Does a message of @len bytes fit now?  A full channel (max_msgs messages
 * or max_bytes bytes) takes nothing, not even an empty message.  Caller
 * holds ch->lock, or reads a hint for a wait or poll condition.
 */
bool fastipc_chan_room(const struct fastipc_channel *ch, size_t len)
{
	return READ_ONCE(ch->nr_msgs) < READ_ONCE(ch->attr.max_msgs) &&
	       READ_ONCE(ch->nr_bytes) + max_t(size_t, len, 1) <=
	       READ_ONCE(ch->attr.max_bytes);
}

void fastipc_chan_count_timeout(struct fastipc_channel *ch)
{
	spin_lock(&ch->lock);
	ch->timeouts++;
	spin_unlock(&ch->lock);
}

ktime_t fastipc_deadline(s64 timeout_ns)
{
	return timeout_ns < 0 ? KTIME_MAX :
	       ktime_add_safe(ktime_get(), ns_to_ktime(timeout_ns));
}

/* The relative timeout left until @deadline: < 0 for none, else >= 0. */
s64 fastipc_timeout_left(ktime_t deadline)
{
	if (deadline == KTIME_MAX)
		return FASTIPC_TIMEOUT_NONE;
	return max_t(s64, ktime_to_ns(ktime_sub(deadline, ktime_get())), 0);
}

static void fastipc_chan_take_room(struct fastipc_channel *ch, size_t len)
{
	WRITE_ONCE(ch->nr_msgs, ch->nr_msgs + 1);
	WRITE_ONCE(ch->nr_bytes, ch->nr_bytes + len);
}

/*
 * The queue has drained to half its limits since it last reported being
 * full: the next time it fills is worth an event again.  Caller holds
 * ch->lock.
 */
static void fastipc_chan_note_drain(struct fastipc_channel *ch)
{
	if (ch->full_reported && ch->nr_msgs <= ch->attr.max_msgs / 2 &&
	    ch->nr_bytes <= ch->attr.max_bytes / 2)
		ch->full_reported = false;
}

/*
 * Room was freed: reserve it for the senders waiting for room, oldest
 * first, and wake them.  It stops at the first one whose message does
 * not fit, so that a big message is not passed over for ever by small
 * ones behind it.  Caller holds ch->lock.
 */
static void fastipc_chan_grant(struct fastipc_channel *ch)
{
	struct fastipc_tx_waiter *w, *tmp;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(w, tmp, &ch->tx_waiters, node) {
		if (!fastipc_chan_room(ch, w->len))
			break;
		fastipc_chan_take_room(ch, w->len);
		fastipc_tx_waiter_wake(w, FASTIPC_TXW_GRANTED);
	}
}

/*
 * Sleep until room is granted (0, room reserved), the waiter is told to
 * try again (1: the channel died or its limits changed), a signal or
 * @deadline.  Room granted as the wait ends is kept: the send goes on.
 */
static int fastipc_wait_grant(struct fastipc_channel *ch,
			      struct fastipc_tx_waiter *w, ktime_t deadline)
{
	int state, ret = 0;

	atomic_inc(&ch->wait_senders);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		/* Pairs with fastipc_tx_waiter_wake(). */
		state = smp_load_acquire(&w->state);
		if (state != FASTIPC_TXW_WAITING)
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!fastipc_sleep_until(deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
	atomic_dec(&ch->wait_senders);

	if (state == FASTIPC_TXW_WAITING) {
		spin_lock(&ch->lock);
		state = w->state;
		if (state == FASTIPC_TXW_WAITING) {
			list_del_init(&w->node);
			/* It may have held back the ones behind it. */
			fastipc_chan_grant(ch);
		}
		spin_unlock(&ch->lock);
	}
	if (state == FASTIPC_TXW_GRANTED)
		return 0;
	if (state == FASTIPC_TXW_RETRY)
		return 1;
	return ret;
}

/* No handle that may receive is left (one was).  Under ch->lock. */
static bool fastipc_chan_receivers_gone(const struct fastipc_channel *ch)
{
	return ch->had_receivers && !ch->nr_receivers;
}

/* No handle that may send is left (one was).  Under ch->lock. */
bool fastipc_chan_senders_gone(const struct fastipc_channel *ch)
{
	return ch->had_senders && !ch->nr_senders;
}

/*
 * Reserve room for a message of @len bytes: 0 with the room counted, or
 * -EAGAIN if there is none now; other errors are final (EPIPE: no
 * receiver is left, for a FASTIPC_ADMIT_HUP send).  Caller holds
 * ch->lock.
 */
static int fastipc_chan_try_reserve(struct fastipc_channel *ch, size_t len,
				    unsigned int how, struct list_head *doomed)
{
	lockdep_assert_held(&ch->lock);
	if (ch->dead)
		return -EIDRM;
	if ((how & FASTIPC_ADMIT_HUP) && fastipc_chan_receivers_gone(ch))
		return -EPIPE;
	if (len > ch->attr.max_msg_size || len > ch->attr.max_bytes)
		return -EMSGSIZE;
	/*
	 * Senders that wait for room get it first, in order: one that
	 * arrives meanwhile does not overtake them, however small its
	 * message, or a big one could wait for ever.
	 */
	if (!list_empty(&ch->tx_waiters))
		return -EAGAIN;
	/* A topic may make room: messages only its history keeps, ... */
	if (!fastipc_chan_room(ch, len) &&
	    !(ch->topic && fastipc_topic_make_room(ch, len, doomed)))
		return -EAGAIN;
	fastipc_chan_take_room(ch, len);
	return 0;
}

/* Room freed: give it to the senders waiting for it.  Under ch->lock. */
void fastipc_chan_release_room(struct fastipc_channel *ch, size_t len)
{
	WRITE_ONCE(ch->nr_msgs, ch->nr_msgs - 1);
	WRITE_ONCE(ch->nr_bytes, ch->nr_bytes - len);
	fastipc_chan_note_drain(ch);
	fastipc_chan_grant(ch);
}

/* Room was freed: wake the EPOLLOUT pollers (senders get it granted). */
void fastipc_wake_senders(struct fastipc_channel *ch)
{
	if (wq_has_sleeper(&ch->send_wq))
		wake_up_interruptible_poll(&ch->send_wq,
					   EPOLLOUT | EPOLLWRNORM);
}

void fastipc_chan_unreserve(struct fastipc_channel *ch, size_t len)
{
	spin_lock(&ch->lock);
	fastipc_chan_release_room(ch, len);
	spin_unlock(&ch->lock);
	fastipc_wake_senders(ch);
}

/*
 * Does a receive of kind @how into @copy_max bytes leave @msg queued?  A
 * plain one (read(2)) takes only copy-path messages of priority 0 that
 * fit, a vector one (FASTIPC_IOC_RECV_VEC) copy-path messages that fit;
 * neither takes descriptors.
 */
static bool fastipc_take_refuses(enum fastipc_take how,
				 const struct fastipc_msg *msg, u64 copy_max)
{
	switch (how) {
	case FASTIPC_TAKE_PLAIN:
		return msg->pages || msg->files || msg->prio ||
		       msg->len > copy_max;
	case FASTIPC_TAKE_COPIED:
		return msg->pages || msg->files || msg->len > copy_max;
	default:
		return false;
	}
}

/*
 * A message of @len bytes leaves the queue's room for a receiver that
 * copies it out: count it as delivered.  Caller holds ch->lock and
 * grants the room.
 */
static void fastipc_chan_count_copied(struct fastipc_channel *ch, size_t len)
{
	WRITE_ONCE(ch->nr_msgs, ch->nr_msgs - 1);
	WRITE_ONCE(ch->nr_bytes, ch->nr_bytes - len);
	fastipc_chan_note_drain(ch);
	ch->recv_msgs++;
	ch->recv_bytes += len;
	ch->copied_bytes += len;
}

/*
 * @msg leaves the queue for a receive that maps page messages or copies
 * into a buffer of @copy_max bytes (@how).  One that will copy it out
 * inline into a buffer that holds it is counted as done now, saving a
 * lock round trip per message.  Caller holds ch->lock.  Returns done.
 */
static bool fastipc_chan_deliver(struct fastipc_channel *ch,
				 struct fastipc_msg *msg, enum fastipc_take how,
				 u64 copy_max)
{
	lockdep_assert_held(&ch->lock);
	if ((how == FASTIPC_TAKE_MAP && msg->pages) || msg->len > copy_max)
		return false;
	fastipc_chan_count_copied(ch, msg->len);
	fastipc_chan_grant(ch);
	return true;
}

/* After fastipc_chan_deliver(), unlocked: the global counts, senders. */
static void fastipc_chan_delivered(struct fastipc_channel *ch,
				   struct fastipc_msg *msg, bool done)
{
	fastipc_count(&fastipc_counters.bytes_queued, -(s64)msg->len);
	if (done) {
		fastipc_count(&fastipc_counters.copied_bytes, msg->len);
		fastipc_wake_senders(ch);
	}
}

/*
 * Give @msg to the receiver that has waited longest, if one waits: the
 * queue is empty then.  Plain and vector receives that @msg does not
 * suit, met on the way, are sent back with EMSGSIZE (rare: the library
 * stops reading plainly once a message was not plain).  Returns the
 * task @msg went to, referenced, to be woken once ch->lock is dropped
 * (waking it under the lock would have it run while the sender still
 * holds it); NULL if no receiver waits.
 */
static struct task_struct *fastipc_chan_handoff(struct fastipc_channel *ch,
						struct fastipc_msg *msg)
{
	struct fastipc_rx_waiter *w, *tmp;
	struct task_struct *task;
	bool refuse;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(w, tmp, &ch->rx_waiters, node) {
		list_del_init(&w->node);
		refuse = fastipc_take_refuses(w->how, msg, w->copy_max);
		if (!refuse)
			w->done = fastipc_chan_deliver(ch, msg, w->how,
						       w->copy_max);
		task = get_task_struct(w->task);
		/*
		 * Last: pairs with the acquire in fastipc_wait_handoff(),
		 * which may return at once, and @w with it.
		 */
		smp_store_release(&w->msg, refuse ? ERR_PTR(-EMSGSIZE) : msg);
		if (!refuse)
			return task;
		wake_up_process(task);
		put_task_struct(task);
	}
	return NULL;
}

/*
 * Put @msg on its priority list, at the tail (@head false) or the head,
 * in room already counted, or hand it to a waiting receiver (*@woken
 * set).  Caller holds ch->lock and has checked that the channel is alive.
 * Returns whether the channel has just become full, which monitors are
 * told once until it drains to half its limits (fastipc_chan_note_drain()).
 */
static bool __fastipc_chan_enqueue(struct fastipc_channel *ch,
				   struct fastipc_msg *msg, bool head,
				   size_t copied, struct task_struct **woken,
				   struct list_head *doomed)
{
	lockdep_assert_held(&ch->lock);
	if (head) {
		ch->errors++;
	} else {
		ch->sent_msgs++;
		ch->sent_bytes += msg->len;
		ch->copied_bytes += copied;
		if (msg->pages) {
			ch->page_msgs++;
			ch->page_bytes += msg->len;
		}
	}
	if (ch->topic) {
		*woken = NULL;
		fastipc_topic_publish(ch, msg, doomed);
		goto check_full;
	}
	*woken = fastipc_chan_handoff(ch, msg);
	if (*woken)
		return false;
	if (head)
		list_add(&msg->node, &ch->queue[msg->prio]);
	else
		list_add_tail(&msg->node, &ch->queue[msg->prio]);
	WRITE_ONCE(ch->prio_mask, ch->prio_mask | BIT(msg->prio));
	WRITE_ONCE(ch->nr_queued, ch->nr_queued + 1);
	if (msg->req)
		ch->nr_queued_reqs++;
	ch->queued_bytes += msg->len;
check_full:
	/* Full: tell monitors once, until it has drained to half. */
	if (head || ch->full_reported || fastipc_chan_room(ch, 0))
		return false;
	ch->full_reported = true;
	return true;
}

/*
 * After __fastipc_chan_enqueue(), unlocked: count, wake the receiver it
 * was handed to or the pollers, and tell monitors when this message
 * filled the queue.  The message itself may already be taken and freed:
 * only its @len is used.
 */
static void fastipc_chan_enqueued(struct fastipc_channel *ch, size_t len,
				  size_t copied, bool full,
				  struct task_struct *woken)
{
	fastipc_count(&fastipc_counters.bytes_queued, len);
	fastipc_count(&fastipc_counters.copied_bytes, copied);
	if (woken) {
		wake_up_process(woken);
		put_task_struct(woken);
	} else if (wq_has_sleeper(&ch->recv_wq)) {
		wake_up_interruptible_poll(&ch->recv_wq, EPOLLIN | EPOLLRDNORM);
	}
	if (full)
		fastipc_nl_notify_current(ch, FASTIPC_CMD_EVENT_QUEUE_FULL);
}

/*
 * Queue @msg (__fastipc_chan_enqueue()) in room counted for it, drop
 * ch->lock, then wake whoever it concerns.
 */
static void fastipc_chan_queue_unlock(struct fastipc_channel *ch,
				      struct fastipc_msg *msg, bool head,
				      size_t copied)
	__releases(&ch->lock)
{
	size_t len = msg->len;	/* msg may be taken and freed after unlock */
	struct task_struct *woken;
	LIST_HEAD(doomed);
	bool full;

	full = __fastipc_chan_enqueue(ch, msg, head, copied, &woken, &doomed);
	spin_unlock(&ch->lock);
	fastipc_chan_enqueued(ch, len, copied, full, woken);
	fastipc_topic_free(ch, &doomed);
}

/*
 * Put @msg on its priority list, at the tail (@head false) or the head.
 * Returns false, having freed it, if the channel died meanwhile.
 */
static bool fastipc_chan_enqueue(struct fastipc_channel *ch,
				 struct fastipc_msg *msg, bool head,
				 size_t copied)
{
	spin_lock(&ch->lock);
	if (ch->dead) {
		fastipc_chan_release_room(ch, msg->len);
		spin_unlock(&ch->lock);
		fastipc_msg_free(msg);
		return false;
	}
	fastipc_chan_queue_unlock(ch, msg, head, copied);
	return true;
}

/*
 * Reserve room for @len bytes, waiting for it as @how says
 * (FASTIPC_ADMIT_*), and, if @msg is given, queue it in the same
 * critical section.
 */
static int fastipc_chan_admit(struct fastipc_channel *ch, size_t len,
			      struct fastipc_msg *msg, size_t copied,
			      unsigned int how, s64 timeout_ns)
{
	bool nonblock = how & FASTIPC_ADMIT_NONBLOCK;
	ktime_t deadline = fastipc_deadline(timeout_ns);
	struct fastipc_tx_waiter w = {
		.task = current,
		.len = len,
		.hup = how & FASTIPC_ADMIT_HUP,
	};
	LIST_HEAD(doomed);	/* a topic's messages dropped for room */
	int ret;

	for (;;) {
		spin_lock(&ch->lock);
		ret = fastipc_chan_try_reserve(ch, len, how, &doomed);
		if (!ret && msg) {
			fastipc_chan_queue_unlock(ch, msg, false, copied);
			fastipc_topic_free(ch, &doomed);
			return 0;
		}
		if (ret == -EAGAIN && !nonblock) {
			w.state = FASTIPC_TXW_WAITING;
			list_add_tail(&w.node, &ch->tx_waiters);
		}
		spin_unlock(&ch->lock);
		fastipc_topic_free(ch, &doomed);
		if (ret != -EAGAIN || nonblock)
			break;
		ret = fastipc_wait_grant(ch, &w, deadline);
		if (ret == -ETIMEDOUT)
			fastipc_chan_count_timeout(ch);
		if (ret <= 0)
			break;
	}
	if (ret || !msg)
		return ret;

	/* Room was granted while waiting: queue @msg in it. */
	spin_lock(&ch->lock);
	if (ch->dead) {
		fastipc_chan_release_room(ch, len);
		spin_unlock(&ch->lock);
		return -EIDRM;
	}
	fastipc_chan_queue_unlock(ch, msg, false, copied);
	return 0;
}

/* Reserve room for a message of @len bytes, to be committed or undone. */
int fastipc_chan_reserve(struct fastipc_channel *ch, size_t len,
			 unsigned int how, s64 timeout_ns)
{
	return fastipc_chan_admit(ch, len, NULL, 0, how, timeout_ns);
}

/*
 * Queue @msg, built before any room was reserved for it: reserving and
 * queueing take one lock round trip when the channel has room, the
 * common case for small messages.  Waits for room as
 * fastipc_chan_reserve() does.  On error @msg is still the caller's.
 */
int fastipc_chan_send(struct fastipc_channel *ch, struct fastipc_msg *msg,
		      size_t copied, unsigned int how, s64 timeout_ns)
{
	int ret = fastipc_chan_admit(ch, msg->len, msg, copied, how,
				     timeout_ns);

	if (!ret)
		fastipc_poll_note_send();
	return ret;
}

/* Queue @msg in the room reserved for it.  Frees it if the channel died. */
void fastipc_chan_commit(struct fastipc_channel *ch, struct fastipc_msg *msg,
			 size_t copied)
{
	if (fastipc_chan_enqueue(ch, msg, false, copied))
		fastipc_poll_note_send();
}

/* A handle with @access was bound to @ch: the side it joins is back. */
void fastipc_chan_handle_add(struct fastipc_channel *ch, u32 access)
{
	/* WRITE_ONCE: poll reads them without the lock. */
	spin_lock(&ch->lock);
	if (access & FASTIPC_O_RECV) {
		WRITE_ONCE(ch->nr_receivers, ch->nr_receivers + 1);
		WRITE_ONCE(ch->had_receivers, true);
	}
	if (access & FASTIPC_O_SEND) {
		WRITE_ONCE(ch->nr_senders, ch->nr_senders + 1);
		WRITE_ONCE(ch->had_senders, true);
	}
	spin_unlock(&ch->lock);
}

/*
 * The last sender has gone: the receivers waiting with FASTIPC_O_HUP on
 * the empty queue end with EPIPE (the others wait on).  Under ch->lock.
 */
static void fastipc_chan_hangup_receivers(struct fastipc_channel *ch)
{
	struct fastipc_rx_waiter *w, *tmp;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(w, tmp, &ch->rx_waiters, node) {
		if (!w->hup)
			continue;
		list_del_init(&w->node);
		/* The waiter may return at once: RCU keeps its task. */
		rcu_read_lock();
		/* Pairs with the acquire in fastipc_wait_handoff(). */
		smp_store_release(&w->msg, ERR_PTR(-EPIPE));
		wake_up_process(w->task);
		rcu_read_unlock();
	}
}

/*
 * The last receiver has gone: the senders waiting for room with
 * FASTIPC_O_HUP try again, and find EPIPE.  Under ch->lock.
 */
static void fastipc_chan_hangup_senders(struct fastipc_channel *ch)
{
	struct fastipc_tx_waiter *w, *tmp;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(w, tmp, &ch->tx_waiters, node)
		if (w->hup)
			fastipc_tx_waiter_wake(w, FASTIPC_TXW_RETRY);
	/* They held back the ones behind them. */
	fastipc_chan_grant(ch);
}

/*
 * Take every request off @ch's queue (the messages around them stay, in
 * order) onto @doomed, freeing their room.  Caller holds ch->lock.
 */
static u64 fastipc_chan_take_requests(struct fastipc_channel *ch,
				      struct list_head *doomed)
{
	struct fastipc_msg *msg, *tmp;
	u64 bytes = 0;
	int p;

	lockdep_assert_held(&ch->lock);
	/* Most channels carry no requests: no walk, however long the queue. */
	for (p = 0; p < FASTIPC_NR_PRIO && ch->nr_queued_reqs; p++) {
		list_for_each_entry_safe(msg, tmp, &ch->queue[p], node) {
			if (!msg->req)
				continue;
			list_move_tail(&msg->node, doomed);
			ch->nr_queued_reqs--;
			WRITE_ONCE(ch->nr_queued, ch->nr_queued - 1);
			ch->queued_bytes -= msg->len;
			WRITE_ONCE(ch->nr_msgs, ch->nr_msgs - 1);
			WRITE_ONCE(ch->nr_bytes, ch->nr_bytes - msg->len);
			ch->drops++;
			bytes += msg->len;
		}
		if (list_empty(&ch->queue[p]))
			WRITE_ONCE(ch->prio_mask, ch->prio_mask & ~BIT(p));
	}
	return bytes;
}

/*
 * A handle with @access, bound to @ch, is being released.  When it was
 * the last that could receive, nobody is left to answer the requests
 * still queued: each fails its caller with ECONNRESET, at once, and the
 * room they held goes to waiting senders.  (A receive in progress holds
 * its handle open, so no request is between queue and receiver now.)
 */
void fastipc_chan_handle_gone(struct fastipc_channel *ch, u32 access)
{
	bool no_senders = false, no_receivers = false;
	struct fastipc_msg *msg, *tmp;
	LIST_HEAD(doomed);
	u64 bytes = 0;

	spin_lock(&ch->lock);
	if (access & FASTIPC_O_SEND) {
		WRITE_ONCE(ch->nr_senders, ch->nr_senders - 1);
		no_senders = !ch->nr_senders && !ch->dead;
	}
	if (access & FASTIPC_O_RECV) {
		WRITE_ONCE(ch->nr_receivers, ch->nr_receivers - 1);
		no_receivers = !ch->nr_receivers && !ch->dead;
	}
	if (no_senders)
		fastipc_chan_hangup_receivers(ch);
	if (no_receivers) {
		bytes = fastipc_chan_take_requests(ch, &doomed);
		if (!list_empty(&doomed))
			fastipc_chan_note_drain(ch);
		fastipc_chan_hangup_senders(ch);
	}
	spin_unlock(&ch->lock);
	/* Poll and epoll see the hang-up. */
	if (no_senders)
		wake_up_interruptible_poll(&ch->recv_wq, EPOLLRDHUP | EPOLLHUP);
	if (no_receivers)
		wake_up_interruptible_poll(&ch->send_wq, EPOLLERR);
	if (list_empty(&doomed))
		return;

	list_for_each_entry_safe(msg, tmp, &doomed, node) {
		fastipc_msg_end_req(msg, -ECONNRESET);
		fastipc_msg_free(msg);
		cond_resched();
	}
	fastipc_count(&fastipc_counters.bytes_queued, -(s64)bytes);
	fastipc_wake_senders(ch);
}

/* The first message of the highest priority, or NULL.  Under ch->lock. */
static struct fastipc_msg *fastipc_chan_first(struct fastipc_channel *ch)
{
	if (!ch->prio_mask)
		return NULL;
	return list_first_entry(&ch->queue[fls(ch->prio_mask) - 1],
				struct fastipc_msg, node);
}

static struct fastipc_msg *fastipc_chan_dequeue(struct fastipc_channel *ch)
{
	struct fastipc_msg *msg = fastipc_chan_first(ch);
	int p;

	if (!msg)
		return NULL;
	p = msg->prio;
	list_del(&msg->node);
	if (list_empty(&ch->queue[p]))
		WRITE_ONCE(ch->prio_mask, ch->prio_mask & ~BIT(p));
	WRITE_ONCE(ch->nr_queued, ch->nr_queued - 1);
	if (msg->req)
		ch->nr_queued_reqs--;
	ch->queued_bytes -= msg->len;
	return msg;
}

/*
 * Sleep until a sender hands @w a message, the channel dies, a signal or
 * @deadline.  Returns the message; NULL if the channel died; or an
 * ERR_PTR (EMSGSIZE: the message was not plain, for a plain receive).  A
 * message handed over meanwhile wins over a signal or the deadline: it
 * is this receiver's.
 */
static struct fastipc_msg *fastipc_wait_handoff(struct fastipc_channel *ch,
						struct fastipc_rx_waiter *w,
						ktime_t deadline)
{
	struct fastipc_msg *msg;
	int ret = 0;

	atomic_inc(&ch->wait_receivers);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		/* Pairs with fastipc_chan_handoff(): the message is whole. */
		msg = smp_load_acquire(&w->msg);
		if (msg || READ_ONCE(ch->dead))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!fastipc_sleep_until(deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
	atomic_dec(&ch->wait_receivers);

	if (msg)
		return msg;
	/* Leave the list, unless a sender has just taken us off it. */
	spin_lock(&ch->lock);
	list_del_init(&w->node);
	msg = w->msg;
	spin_unlock(&ch->lock);
	if (msg)
		return msg;
	return ret ? ERR_PTR(ret) : NULL;
}

/*
 * Take the first message of the highest priority, waiting for one as
 * @wait says (polling first if the handle's busy poll says so).  A
 * receive that will copy the message out, inline (not mapped) into a
 * buffer of @copy_max bytes that holds it, is counted as done at once
 * (*@done), saving a lock round trip per message; if its copy then fails
 * it puts the message
 * back with fastipc_chan_undeliver().  Otherwise the message keeps its
 * room until fastipc_chan_done() or fastipc_chan_putback().  A
 * FASTIPC_TAKE_PLAIN or FASTIPC_TAKE_COPIED receive fails with EMSGSIZE,
 * leaving the message queued, when it does not take such a message
 * (fastipc_take_refuses()).
 */
struct fastipc_msg *fastipc_chan_take(struct fastipc_channel *ch,
				      const struct fastipc_wait *wait,
				      enum fastipc_take how, u64 copy_max,
				      bool *done)
{
	ktime_t deadline = fastipc_deadline(wait->timeout_ns);
	bool nonblock = wait->nonblock;
	struct fastipc_rx_waiter w = {
		.task = current,
		.how = how,
		.copy_max = copy_max,
		.hup = wait->hup,
	};
	struct fastipc_poll *poll = nonblock ? NULL : wait->poll;
	struct fastipc_msg *msg;
	u64 since = 0;

	if (poll) {
		bool learn;
		u64 span = fastipc_poll_begin(poll, &learn);

		/* The clock only for an empty queue, whose wait it learns. */
		if (!READ_ONCE(ch->prio_mask)) {
			if (learn)
				since = ktime_get_ns();
			if (span)
				fastipc_busy_poll(ch, poll, span, deadline);
		}
	}
	for (;;) {
		spin_lock(&ch->lock);
		if (ch->dead) {
			spin_unlock(&ch->lock);
			return ERR_PTR(-EIDRM);
		}
		msg = fastipc_chan_first(ch);
		if (msg && fastipc_take_refuses(how, msg, copy_max)) {
			spin_unlock(&ch->lock);
			return ERR_PTR(-EMSGSIZE);
		}
		msg = fastipc_chan_dequeue(ch);
		if (!msg && wait->hup && fastipc_chan_senders_gone(ch)) {
			/* The end of the stream: nobody left to send. */
			spin_unlock(&ch->lock);
			return ERR_PTR(-EPIPE);
		}
		if (msg)
			*done = fastipc_chan_deliver(ch, msg, how, copy_max);
		else if (!nonblock)
			list_add_tail(&w.node, &ch->rx_waiters);
		spin_unlock(&ch->lock);
		if (msg) {
			fastipc_chan_delivered(ch, msg, *done);
			return msg;
		}
		if (nonblock)
			return ERR_PTR(-EAGAIN);

		msg = fastipc_wait_handoff(ch, &w, deadline);
		if (since)
			fastipc_poll_learn(poll, ktime_get_ns() - since,
					   !IS_ERR_OR_NULL(msg));
		if (msg == ERR_PTR(-ETIMEDOUT))
			fastipc_chan_count_timeout(ch);
		if (IS_ERR(msg))
			return msg;
		if (msg) {
			*done = w.done;
			fastipc_chan_delivered(ch, msg, *done);
			return msg;
		}
	}
}

/*
 * Take up to @n queued messages for a vector receive, the i-th for a
 * buffer of @ent[i].len bytes, each counted as delivered; it stops
 * before a message in pages or too big, and when the queue is empty.
 * The room they free is granted once, at the end: a sender waiting for
 * room is woken once per call, not once per message.  Returns how many
 * it took; 0 if the queue is empty; -EMSGSIZE if the first queued
 * message must stay; -EIDRM once the channel died.
 */
static int fastipc_chan_take_queued(struct fastipc_channel *ch,
				    const struct fastipc_rvec *ent,
				    struct fastipc_msg **msgs, unsigned int n)
{
	struct fastipc_msg *msg = NULL;
	unsigned int i;
	u64 bytes = 0;

	spin_lock(&ch->lock);
	if (ch->dead) {
		spin_unlock(&ch->lock);
		return -EIDRM;
	}
	for (i = 0; i < n; i++) {
		msg = fastipc_chan_first(ch);
		if (!msg ||
		    fastipc_take_refuses(FASTIPC_TAKE_COPIED, msg, ent[i].len))
			break;
		fastipc_chan_dequeue(ch);
		fastipc_chan_count_copied(ch, msg->len);
		bytes += msg->len;
		msgs[i] = msg;
	}
	if (i)
		fastipc_chan_grant(ch);
	spin_unlock(&ch->lock);

	if (!i)
		return msg ? -EMSGSIZE : 0;
	fastipc_count(&fastipc_counters.bytes_queued, -(s64)bytes);
	fastipc_count(&fastipc_counters.copied_bytes, bytes);
	fastipc_wake_senders(ch);
	return i;
}

/*
 * FASTIPC_IOC_RECV_VEC: take up to @n copy-path messages, the i-th for a
 * buffer of @ent[i].len bytes, each counted as delivered (a failed copy
 * puts it back with fastipc_chan_undeliver()).  The first is waited for
 * as fastipc_chan_take() does, as @wait says; the others are those
 * already queued.  Returns how many were taken, at least one, or an
 * errno: EMSGSIZE when the first message must stay queued.
 */
int fastipc_chan_take_vec(struct fastipc_channel *ch,
			  const struct fastipc_wait *wait,
			  const struct fastipc_rvec *ent,
			  struct fastipc_msg **msgs, unsigned int n)
{
	struct fastipc_msg *msg;
	bool done;
	int ret;

	ret = fastipc_chan_take_queued(ch, ent, msgs, n);
	if (ret > 0 && !wait->nonblock)
		fastipc_poll_end_turn();	/* a blocking receive, done */
	if (ret)
		return ret;
	/* Empty: the take below says EAGAIN, EPIPE, or waits. */
	/*
	 * Empty: wait for a hand-off.  Whatever arrives after it is left
	 * for the next call; the receiver was the faster side just now.
	 */
	msg = fastipc_chan_take(ch, wait, FASTIPC_TAKE_COPIED, ent[0].len,
				&done);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	/* A copy-path message that fits is counted as delivered at take. */
	if (WARN_ON_ONCE(!done))
		fastipc_chan_done(ch, msg->len, msg->len, 0);
	msgs[0] = msg;
	return 1;
}

/*
 * Delivery of a taken message failed: it goes back to the head of its
 * priority, and a receiver that went to sleep meanwhile is woken.
 */
void fastipc_chan_putback(struct fastipc_channel *ch, struct fastipc_msg *msg)
{
	fastipc_chan_enqueue(ch, msg, true, 0);
}

/*
 * The copy of @msg, counted as done by fastipc_chan_take(), failed: it
 * goes back to the head of its priority, uncounted.  It takes its room
 * back even if senders have filled the channel meanwhile.
 */
void fastipc_chan_undeliver(struct fastipc_channel *ch,
			    struct fastipc_msg *msg)
{
	size_t len = msg->len;

	/* Not copied after all, whether or not it can be queued again. */
	fastipc_count(&fastipc_counters.copied_bytes, -(s64)len);
	spin_lock(&ch->lock);
	if (ch->dead) {
		spin_unlock(&ch->lock);
		fastipc_msg_free(msg);
		return;
	}
	fastipc_chan_take_room(ch, len);
	ch->recv_msgs--;
	ch->recv_bytes -= len;
	ch->copied_bytes -= len;
	fastipc_chan_queue_unlock(ch, msg, true, 0);
}

/* A taken message of @len bytes was delivered: free its room. */
void fastipc_chan_done(struct fastipc_channel *ch, size_t len, size_t copied,
		       unsigned long mapped)
{
	spin_lock(&ch->lock);
	fastipc_chan_release_room(ch, len);
	ch->recv_msgs++;
	ch->recv_bytes += len;
	ch->copied_bytes += copied;
	ch->mapped_pages += mapped;
	spin_unlock(&ch->lock);

	fastipc_count(&fastipc_counters.copied_bytes, copied);
	fastipc_count(&fastipc_counters.mapped_pages, mapped);
	fastipc_wake_senders(ch);
}

/*
 * EPOLLOUT says what a send would do: room now, no sender waiting ahead
 * of it, and for the size of the send the handle last had refused for
 * want of room (@want; 0 until one was), so that a sender polling for a
 * large message is not woken for room it cannot use.
 */
__poll_t fastipc_chan_poll(struct fastipc_channel *ch, struct file *file,
			   poll_table *wait, u32 access, bool hup,
			   size_t want)
{
	__poll_t mask = 0;

	if (access & FASTIPC_O_RECV)
		poll_wait(file, &ch->recv_wq, wait);
	if (access & FASTIPC_O_SEND)
		poll_wait(file, &ch->send_wq, wait);

	if (READ_ONCE(ch->dead))
		return EPOLLERR | EPOLLHUP;
	if ((access & FASTIPC_O_RECV) && READ_ONCE(ch->nr_queued))
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((access & FASTIPC_O_SEND) && fastipc_chan_room(ch, want) &&
	    list_empty_careful(&ch->tx_waiters))
		mask |= EPOLLOUT | EPOLLWRNORM;
	/* Hints, as the rest: the counts change under ch->lock. */
	if (hup && (access & FASTIPC_O_RECV) && READ_ONCE(ch->had_senders) &&
	    !READ_ONCE(ch->nr_senders))
		mask |= EPOLLRDHUP | EPOLLHUP;
	if (hup && (access & FASTIPC_O_SEND) &&
	    READ_ONCE(ch->had_receivers) && !READ_ONCE(ch->nr_receivers))
		mask |= EPOLLERR;
	return mask;
}

void fastipc_chan_fill_info(struct fastipc_channel *ch,
			    struct fastipc_info *info)
{
	struct user_namespace *user_ns = current_user_ns();

	info->id = ch->id;
	info->uid = from_kuid_munged(user_ns, ch->uid);
	info->gid = from_kgid_munged(user_ns, ch->gid);
	info->mode = ch->mode;
	info->handles = atomic_read(&ch->nr_handles);

	spin_lock(&ch->lock);
	info->attr = ch->attr;
	info->queued_msgs = ch->nr_queued;
	info->queued_bytes = ch->queued_bytes;
	info->sent_msgs = ch->sent_msgs;
	info->sent_bytes = ch->sent_bytes;
	info->recv_msgs = ch->recv_msgs;
	info->recv_bytes = ch->recv_bytes;
	info->page_msgs = ch->page_msgs;
	info->copied_bytes = ch->copied_bytes;
	info->mapped_pages = ch->mapped_pages;
	info->topic_flags = ch->topic_flags;
	info->history = ch->history;
	info->subscribers = ch->nr_subs;
	spin_unlock(&ch->lock);
}

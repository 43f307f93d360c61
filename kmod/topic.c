// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: topics, channels whose every message goes to every subscriber.
 *
 * A topic keeps one copy of each message, in a log: on its priority's
 * list (ch->queue[], as a queue's message) and on ch->log in publish
 * order, numbered by ch->next_seq.  A subscriber (each receiving handle)
 * has a cursor per priority, next[p]: it has received or lost every
 * message of priority p numbered below it.  A receive takes the first
 * message of the highest priority at or past its cursor, references it,
 * copies or maps it with no lock held, and only then moves its cursor
 * (fastipc_topic_done()): a receive that fails leaves the message where
 * it was, for that subscriber, and touches nobody else's.
 *
 * msg->pending counts the subscribers whose cursor has not passed the
 * message.  A message leaves the log (retires) when that reaches zero
 * and it is older than the last ch->history published; or to make room
 * for a publish: first messages only the history keeps, then, on a
 * FASTIPC_TOPIC_DROP_OLDEST topic, the oldest message, whose pending
 * subscribers each count a drop.  The room a message holds (nr_msgs,
 * nr_bytes) is freed when it retires; its memory when the last
 * reference goes, which may be a receive still delivering it.
 *
 * A page message is mapped read-only, the same pages, into every
 * subscriber's window (struct fastipc_pages is then shared, refcounted):
 * the module maps it only into a read-only window, and a window buffer
 * whose pages are shared cannot be sent on (fastipc_window_take()).
 *
 * Locking: everything above is under ch->lock; sub->lock makes one
 * subscriber's receives one at a time, so that its cursor moves in order.
 * Messages are freed with no lock held (fastipc_topic_free()).
 */
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "fastipc_internal.h"

int fastipc_topic_check_open(const struct fastipc_open *arg, bool create)
{
	bool topic = arg->flags & FASTIPC_O_TOPIC;

	if (!topic || !create)
		return arg->topic_flags || arg->history ? -EINVAL : 0;
	if (arg->topic_flags & ~FASTIPC_TOPIC_ALL)
		return -EINVAL;
	return 0;
}

/* A new channel, before it is visible: a topic if @arg asks for one. */
void fastipc_topic_init(struct fastipc_channel *ch,
			const struct fastipc_open *arg)
{
	INIT_LIST_HEAD(&ch->log);
	INIT_LIST_HEAD(&ch->subs);
	if (!(arg->flags & FASTIPC_O_TOPIC))
		return;
	ch->topic = true;
	ch->topic_flags = arg->topic_flags;
	ch->history = arg->history;
}

/* Does the history keep @msg: is it among the last ch->history published? */
static bool fastipc_topic_in_history(const struct fastipc_channel *ch,
				     const struct fastipc_msg *msg)
{
	return msg->seq + ch->history >= ch->next_seq;
}

/*
 * Take @msg out of the log, freeing its room, onto @doomed (whose
 * reference it drops).  Caller holds ch->lock.
 */
static void fastipc_topic_retire(struct fastipc_channel *ch,
				 struct fastipc_msg *msg,
				 struct list_head *doomed)
{
	lockdep_assert_held(&ch->lock);
	list_del_init(&msg->log_node);
	list_move_tail(&msg->node, doomed);
	if (list_empty(&ch->queue[msg->prio]))
		WRITE_ONCE(ch->prio_mask, ch->prio_mask & ~BIT(msg->prio));
	WRITE_ONCE(ch->nr_queued, ch->nr_queued - 1);
	ch->queued_bytes -= msg->len;
	fastipc_count(&fastipc_counters.bytes_queued, -(s64)msg->len);
	fastipc_chan_release_room(ch, msg->len);
}

/* Nobody waits for @msg any more: retire it unless the history keeps it. */
static void fastipc_topic_settle(struct fastipc_channel *ch,
				 struct fastipc_msg *msg,
				 struct list_head *doomed)
{
	/* History gives way to a publisher that waits for room. */
	if (!msg->pending && (!fastipc_topic_in_history(ch, msg) ||
			      !list_empty(&ch->tx_waiters)))
		fastipc_topic_retire(ch, msg, doomed);
}

/*
 * Put @msg in the log, for every subscriber there now, in room reserved
 * for it.  Caller holds ch->lock, has counted it as sent, and frees
 * @doomed once it is dropped.
 */
void fastipc_topic_publish(struct fastipc_channel *ch, struct fastipc_msg *msg,
			   struct list_head *doomed)
{
	struct fastipc_msg *old;
	u32 n = 0;

	lockdep_assert_held(&ch->lock);
	msg->seq = ch->next_seq++;
	WRITE_ONCE(ch->pub_gen, (int)ch->next_seq);
	msg->pending = ch->nr_subs;
	refcount_set(&msg->refs, 1);
	list_add_tail(&msg->node, &ch->queue[msg->prio]);
	list_add_tail(&msg->log_node, &ch->log);
	WRITE_ONCE(ch->prio_mask, ch->prio_mask | BIT(msg->prio));
	WRITE_ONCE(ch->nr_queued, ch->nr_queued + 1);
	ch->queued_bytes += msg->len;

	/* The message this one pushed out of the history may go now. */
	list_for_each_entry_reverse(old, &ch->log, log_node) {
		if (!fastipc_topic_in_history(ch, old)) {
			fastipc_topic_settle(ch, old, doomed);
			break;
		}
		if (++n > ch->history)
			break;
	}
}

/*
 * Make room for a publish of @len bytes by retiring messages: those
 * only the history keeps, oldest first, then on a drop-oldest topic the
 * oldest of all, each a drop for the subscribers that had not received
 * it.  Caller holds ch->lock.  Returns whether there is room now.
 */
bool fastipc_topic_make_room(struct fastipc_channel *ch, size_t len,
			     struct list_head *doomed)
{
	struct fastipc_msg *msg, *tmp;
	struct fastipc_sub *sub;
	u64 *next;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(msg, tmp, &ch->log, log_node) {
		if (fastipc_chan_room(ch, len))
			return true;
		if (!msg->pending)
			fastipc_topic_retire(ch, msg, doomed);
	}
	if (!(ch->topic_flags & FASTIPC_TOPIC_DROP_OLDEST))
		return fastipc_chan_room(ch, len);

	while (!fastipc_chan_room(ch, len) && !list_empty(&ch->log)) {
		msg = list_first_entry(&ch->log, struct fastipc_msg, log_node);
		list_for_each_entry(sub, &ch->subs, node) {
			next = &sub->next[msg->prio];
			if (*next > msg->seq)
				continue;
			/* Nothing older of its priority is left in the log. */
			*next = msg->seq + 1;
			/* One delivering it counts the drop if that fails. */
			if (sub->taking != msg)
				sub->drops++;
		}
		ch->drops++;
		fastipc_topic_retire(ch, msg, doomed);
	}
	return fastipc_chan_room(ch, len);
}

/*
 * Would a publish of @len bytes find room, once fastipc_topic_make_room()
 * made it?  For poll: EPOLLOUT says what a send would do.
 */
bool fastipc_topic_may_publish(struct fastipc_channel *ch, size_t len)
{
	const struct fastipc_msg *msg;
	u64 msgs, bytes;
	bool room;

	spin_lock(&ch->lock);
	msgs = ch->nr_msgs;
	bytes = ch->nr_bytes;
	if (ch->topic_flags & FASTIPC_TOPIC_DROP_OLDEST) {
		/* Everything in the log may go; reservations may not. */
		msgs -= ch->nr_queued;
		bytes -= ch->queued_bytes;
	} else {
		list_for_each_entry(msg, &ch->log, log_node) {
			if (msg->pending)
				continue;
			msgs--;
			bytes -= msg->len;
		}
	}
	room = msgs < ch->attr.max_msgs &&
	       bytes + max_t(size_t, len, 1) <= ch->attr.max_bytes;
	spin_unlock(&ch->lock);
	return room;
}

void fastipc_topic_msg_put(struct fastipc_msg *msg)
{
	if (refcount_dec_and_test(&msg->refs))
		fastipc_msg_free(msg);
}

/* Free the messages retired under ch->lock, which the caller dropped. */
void fastipc_topic_free(struct fastipc_channel *ch, struct list_head *doomed)
{
	struct fastipc_msg *msg, *tmp;

	if (list_empty(doomed))
		return;
	list_for_each_entry_safe(msg, tmp, doomed, node) {
		list_del(&msg->node);
		fastipc_topic_msg_put(msg);
	}
	fastipc_wake_senders(ch);
}

/*
 * A receiving handle binds to topic @ch: it will receive what is
 * published from now on, and the history kept so far.
 */
struct fastipc_sub *fastipc_topic_subscribe(struct fastipc_channel *ch)
{
	struct fastipc_sub *sub;
	struct fastipc_msg *msg;
	u64 start;
	int p;

	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		return NULL;
	mutex_init(&sub->lock);
	sub->pid = get_pid(task_tgid(current));

	spin_lock(&ch->lock);
	start = ch->next_seq - min_t(u64, ch->history, ch->next_seq);
	for (p = 0; p < FASTIPC_NR_PRIO; p++)
		sub->next[p] = start;
	list_for_each_entry(msg, &ch->log, log_node)
		if (msg->seq >= start)
			msg->pending++;
	list_add_tail(&sub->node, &ch->subs);
	ch->nr_subs++;
	spin_unlock(&ch->lock);
	return sub;
}

/* @sub's handle is being released: it waits for nothing any more. */
void fastipc_topic_unsubscribe(struct fastipc_channel *ch,
			       struct fastipc_sub *sub)
{
	struct fastipc_msg *msg, *tmp;
	LIST_HEAD(doomed);

	spin_lock(&ch->lock);
	list_del(&sub->node);
	ch->nr_subs--;
	list_for_each_entry_safe(msg, tmp, &ch->log, log_node) {
		if (msg->seq < sub->next[msg->prio])
			continue;
		msg->pending--;
		fastipc_topic_settle(ch, msg, &doomed);
	}
	spin_unlock(&ch->lock);
	fastipc_topic_free(ch, &doomed);
	put_pid(sub->pid);
	mutex_destroy(&sub->lock);
	kfree(sub);
}

/* @sub's next message: highest priority first.  Caller holds ch->lock. */
static struct fastipc_msg *fastipc_topic_next(struct fastipc_channel *ch,
					      const struct fastipc_sub *sub)
{
	unsigned long mask = ch->prio_mask;
	struct fastipc_msg *msg;
	int p;

	while (mask) {
		p = __fls(mask);
		mask &= ~BIT(p);
		/* Those before the cursor wait for other subscribers. */
		list_for_each_entry(msg, &ch->queue[p], node)
			if (msg->seq >= sub->next[p])
				return msg;
	}
	return NULL;
}

/*
 * Does a receive of kind @how into @copy_max bytes leave @msg where it
 * is?  As on a queue: a plain read(2) takes only copy-path messages of
 * priority 0 that fit.
 */
static bool fastipc_topic_refuses(enum fastipc_take how,
				  const struct fastipc_msg *msg, u64 copy_max)
{
	return how == FASTIPC_TAKE_PLAIN &&
	       (msg->pages || msg->prio || msg->len > copy_max);
}

/*
 * @sub's next message, referenced, waiting for one as @wait says; or an
 * error: EIDRM, EPIPE (FASTIPC_O_HUP, no publisher left), EAGAIN,
 * ETIMEDOUT, EINTR, or EMSGSIZE for a plain read that it does not suit.
 * On success sub->lock is held until fastipc_topic_done().
 */
struct fastipc_msg *fastipc_topic_take(struct fastipc_channel *ch,
				       struct fastipc_sub *sub,
				       const struct fastipc_wait *wait,
				       enum fastipc_take how, u64 copy_max)
{
	ktime_t deadline = fastipc_deadline(wait->timeout_ns);
	struct fastipc_poll *poll = wait->nonblock ? NULL : wait->poll;
	struct fastipc_msg *msg;
	u64 span = 0, since = 0;
	DEFINE_WAIT(wq);
	bool learn;
	int err, quiet;

	/* A subscriber busy-polls by its handle's rule, as a queue's receiver. */
	if (poll) {
		span = fastipc_poll_begin(poll, &learn);
		if (learn)
			since = ktime_get_ns();
	}
	for (;;) {
		/* Held while delivering, not while waiting for a message. */
		if (mutex_lock_interruptible(&sub->lock)) {
			err = -EINTR;
			break;
		}
		prepare_to_wait(&ch->recv_wq, &wq, TASK_INTERRUPTIBLE);
		spin_lock(&ch->lock);
		err = ch->dead ? -EIDRM : 0;
		msg = err ? NULL : fastipc_topic_next(ch, sub);
		quiet = ch->pub_gen;
		if (msg && fastipc_topic_refuses(how, msg, copy_max)) {
			err = -EMSGSIZE;
		} else if (msg) {
			refcount_inc(&msg->refs);
			sub->taking = msg;
		} else if (!err && wait->hup && fastipc_chan_senders_gone(ch)) {
			err = -EPIPE;
		}
		spin_unlock(&ch->lock);
		if (msg && !err)
			break;
		mutex_unlock(&sub->lock);
		if (err)
			break;
		if (wait->nonblock) {
			err = -EAGAIN;
		} else if (span) {
			/* Once, before the first sleep: for the next publish. */
			__set_current_state(TASK_RUNNING);
			fastipc_busy_poll_word(&ch->pub_gen, quiet, poll, span,
					       deadline);
			span = 0;
			continue;
		} else if (signal_pending(current)) {
			err = -EINTR;
		} else if (!fastipc_sleep_until(deadline)) {
			fastipc_chan_count_timeout(ch);
			err = -ETIMEDOUT;
		}
		if (err)
			break;
	}
	finish_wait(&ch->recv_wq, &wq);
	if (since)
		fastipc_poll_learn(poll, ktime_get_ns() - since, !err);
	if (err)
		return ERR_PTR(err);
	return msg;
}

/*
 * The receive that took @msg ends: delivered (@err 0: @copied bytes
 * copied, @mapped pages mapped) or not, when it stays @sub's next.
 * Drops sub->lock and the receive's reference.
 */
void fastipc_topic_done(struct fastipc_channel *ch, struct fastipc_sub *sub,
			struct fastipc_msg *msg, int err, size_t copied,
			unsigned long mapped)
{
	u64 *next = &sub->next[msg->prio];
	LIST_HEAD(doomed);

	spin_lock(&ch->lock);
	sub->taking = NULL;
	if (!err) {
		sub->received++;
		ch->recv_msgs++;
		ch->recv_bytes += msg->len;
		ch->copied_bytes += copied;
		ch->mapped_pages += mapped;
	}
	if (list_empty(&msg->log_node) || *next > msg->seq) {
		/* Dropped meanwhile (or the topic died): lost if not had. */
		if (err && !ch->dead)
			sub->drops++;
	} else if (!err) {
		*next = msg->seq + 1;
		msg->pending--;
		fastipc_topic_settle(ch, msg, &doomed);
	}
	spin_unlock(&ch->lock);
	mutex_unlock(&sub->lock);

	fastipc_count(&fastipc_counters.copied_bytes, copied);
	fastipc_count(&fastipc_counters.mapped_pages, mapped);
	fastipc_topic_msg_put(msg);
	fastipc_topic_free(ch, &doomed);
}

/* EPOLLIN: @sub has a message; the rest as for a queue's handle. */
__poll_t fastipc_topic_poll(struct fastipc_channel *ch,
			    struct fastipc_sub *sub, struct file *file,
			    poll_table *wait, bool hup)
{
	__poll_t mask = 0;

	poll_wait(file, &ch->recv_wq, wait);
	spin_lock(&ch->lock);
	if (ch->dead)
		mask = EPOLLERR | EPOLLHUP;
	else if (fastipc_topic_next(ch, sub))
		mask = EPOLLIN | EPOLLRDNORM;
	else if (hup && fastipc_chan_senders_gone(ch))
		mask = EPOLLRDHUP | EPOLLHUP;
	spin_unlock(&ch->lock);
	return mask;
}

/* Messages in the log @sub has yet to receive.  Caller holds ch->lock. */
static u64 fastipc_topic_backlog(const struct fastipc_channel *ch,
				 const struct fastipc_sub *sub)
{
	const struct fastipc_msg *msg;
	u64 n = 0;

	list_for_each_entry(msg, &ch->log, log_node)
		n += msg->seq >= sub->next[msg->prio];
	return n;
}

static void fastipc_topic_fill_stats(const struct fastipc_channel *ch,
				     const struct fastipc_sub *sub,
				     struct fastipc_sub_stats *st)
{
	st->pid = pid_vnr(sub->pid);
	st->backlog = fastipc_topic_backlog(ch, sub);
	st->drops = sub->drops;
	st->received = sub->received;
}

void fastipc_topic_sub_stats(struct fastipc_channel *ch,
			     struct fastipc_sub *sub,
			     struct fastipc_sub_stats *st)
{
	spin_lock(&ch->lock);
	fastipc_topic_fill_stats(ch, sub, st);
	spin_unlock(&ch->lock);
}

/*
 * A snapshot of @ch's subscribers, for a caller that may sleep over it:
 * an array of *@n (kvfree() it), or NULL without memory.
 */
struct fastipc_sub_stats *fastipc_topic_subs(struct fastipc_channel *ch,
					     u32 *n)
{
	struct fastipc_sub_stats *st;
	struct fastipc_sub *sub;
	u32 max;

	/* Subscribers that come meanwhile are left out; the count says. */
	max = READ_ONCE(ch->nr_subs);
	st = kvcalloc(max_t(u32, max, 1), sizeof(*st), GFP_KERNEL);
	if (!st)
		return NULL;
	*n = 0;
	spin_lock(&ch->lock);
	list_for_each_entry(sub, &ch->subs, node) {
		if (*n == max)
			break;
		fastipc_topic_fill_stats(ch, sub, &st[(*n)++]);
	}
	spin_unlock(&ch->lock);
	return st;
}

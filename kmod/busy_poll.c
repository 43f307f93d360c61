// SPDX-License-Identifier: GPL-2.0
/*
 * Busy polling before a receive sleeps, and how long it should be.
 *
 * A round trip between two processes on two CPUs costs two wake-ups, and
 * a wake-up of an idle CPU costs more than everything else the message
 * does.  A receiver that watches the queue for a short while instead
 * takes a message that comes soon without either side paying for one.
 *
 * The length is the handle's: fixed, or adaptive under a ceiling.
 *
 * A fixed poll is what the program asked for: every blocking receive
 * that finds the queue empty polls that long.
 *
 * An adaptive poll is for replies: it polls only in the first blocking
 * receive after the same task's send, on the same CPU (a request/reply
 * turn, on either side), because that is where
 * an answer is likely to come soon.  A one-way receiver that only
 * receives never polls: it sleeps, and takes what queued meanwhile in
 * one go, as it should.  Its length follows those receives' waits, as
 * KVM's halt polling follows a vCPU's halts: a wait that was over within
 * the ceiling, but only after the poll had given up, doubles it
 * (starting from FASTIPC_POLL_START_NS); a wait longer than the ceiling
 * halves it, and below the start it is 0.  A request/reply peer settles
 * on a length that covers its partner's turn-around; one whose answers
 * take long polls for nothing a few times and then not at all.
 */
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>

#include "fastipc_internal.h"

#define FASTIPC_POLL_START_NS	(10 * NSEC_PER_USEC)

/*
 * The task that last sent a message from this CPU.  Only compared with
 * current, never dereferenced: a stale pointer that matches a new task
 * costs that task one poll at most.
 */
static DEFINE_PER_CPU(struct task_struct *, fastipc_last_sender);

/* A message was queued by current: its next receive may await a reply. */
void fastipc_poll_note_send(void)
{
	this_cpu_write(fastipc_last_sender, current);
}

/* Is this the first blocking receive since current's send?  Forgets it. */
static bool fastipc_poll_turn(void)
{
	return this_cpu_cmpxchg(fastipc_last_sender, current, NULL) ==
	       current;
}

/* A blocking receive took a queued message without fastipc_poll_begin(). */
void fastipc_poll_end_turn(void)
{
	fastipc_poll_turn();
}

/* (Re)set @p: a fixed length, or an adaptive ceiling starting at 0. */
void fastipc_poll_set(struct fastipc_poll *p, u32 usecs, u32 flags)
{
	WRITE_ONCE(p->usecs, usecs);
	WRITE_ONCE(p->flags, flags);
	WRITE_ONCE(p->window_ns, 0);
}

/* A new receiving handle: adaptive, the module parameter its ceiling. */
void fastipc_poll_set_default(struct fastipc_poll *p)
{
	u32 usecs = min_t(u32, READ_ONCE(fastipc_busy_poll_default_us),
			  FASTIPC_BUSY_POLL_MAX_US);

	fastipc_poll_set(p, usecs, usecs ? FASTIPC_BUSY_POLL_ADAPTIVE : 0);
}

/*
 * A blocking receive begins: how long it polls if it finds the queue
 * empty, in ns, and in *@learn whether its wait should then adjust the
 * adaptive length (fastipc_poll_learn()).  Each receive uses up the mark
 * of the send before it.
 */
u64 fastipc_poll_begin(const struct fastipc_poll *p, bool *learn)
{
	bool after_send = fastipc_poll_turn();

	*learn = false;
	if (!(READ_ONCE(p->flags) & FASTIPC_BUSY_POLL_ADAPTIVE))
		return (u64)READ_ONCE(p->usecs) * NSEC_PER_USEC;
	if (!after_send || !READ_ONCE(p->usecs))
		return 0;
	*learn = true;
	return READ_ONCE(p->window_ns);
}

/*
 * A receive that fastipc_poll_begin() told to learn found the queue
 * empty, polled (maybe for 0 ns) and then slept: it waited @waited_ns;
 * @got: it ended with a message (a wait cut short by a signal or a
 * timeout says nothing about the sender, unless it already outlasted
 * the ceiling).
 */
void fastipc_poll_learn(struct fastipc_poll *p, u64 waited_ns, bool got)
{
	u64 ceiling = (u64)READ_ONCE(p->usecs) * NSEC_PER_USEC;
	u64 win = READ_ONCE(p->window_ns);

	if (!(READ_ONCE(p->flags) & FASTIPC_BUSY_POLL_ADAPTIVE))
		return;
	if (waited_ns > ceiling) {
		win /= 2;
		if (win < FASTIPC_POLL_START_NS)
			win = 0;
	} else if (got && waited_ns > win) {
		win = min(max(win * 2, (u64)FASTIPC_POLL_START_NS), ceiling);
	} else {
		return;
	}
	WRITE_ONCE(p->window_ns, win);
}

/*
 * Watch @ch's queue for up to @span_ns, or until @deadline, before the
 * caller sleeps for a message; @p, the handle's poll, counts it.  It
 * stops early when another task could use this CPU (on a shared CPU the
 * sender may be the one waiting for it) or a signal is pending.  Only a
 * hint: the caller takes ch->lock next, and a message handed to a
 * receiver asleep before it is not this one's.
 */
/*
 * A poll of @span_ns begins, counted in @p: when it ends (local_clock()),
 * or 0 if @deadline leaves no time for it.
 */
static u64 fastipc_poll_start(struct fastipc_poll *p, u64 span_ns,
			      ktime_t deadline)
{
	if (deadline != KTIME_MAX) {
		s64 left = ktime_to_ns(ktime_sub(deadline, ktime_get()));

		if (left <= 0)
			return 0;
		span_ns = min_t(u64, span_ns, left);
	}
	atomic64_inc(&p->polls);
	return local_clock() + span_ns;
}

/* Should a poll that ends at @end stop now? */
static bool fastipc_poll_stop(u64 end)
{
	return need_resched() || !single_task_running() ||
	       signal_pending(current) || local_clock() >= end;
}

void fastipc_busy_poll(struct fastipc_channel *ch, struct fastipc_poll *p,
		       u64 span_ns, ktime_t deadline)
{
	u64 end = fastipc_poll_start(p, span_ns, deadline);

	if (!end)
		return;
	while (!READ_ONCE(ch->prio_mask) && !READ_ONCE(ch->dead)) {
		if (fastipc_poll_stop(end))
			return;
		cpu_relax();
	}
	if (READ_ONCE(ch->prio_mask))
		atomic64_inc(&p->hits);
}

/*
 * The same for a caller waiting for its reply (call.c): watch @word while
 * it reads @quiet.  The caller checks it under the proper ordering after.
 */
void fastipc_busy_poll_word(const int *word, int quiet, struct fastipc_poll *p,
			    u64 span_ns, ktime_t deadline)
{
	u64 end = fastipc_poll_start(p, span_ns, deadline);

	if (!end)
		return;
	while (READ_ONCE(*word) == quiet) {
		if (fastipc_poll_stop(end))
			return;
		cpu_relax();
	}
	atomic64_inc(&p->hits);
}

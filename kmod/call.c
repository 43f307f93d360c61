// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: requests and replies (FASTIPC_IOC_CALL, _REPLY, _REPLY_RECV).
 *
 * A request is a message like any other, queued on the channel, with a
 * struct fastipc_req attached: the caller's side of the exchange.  The
 * caller sleeps on it, not on the channel.  A receive with
 * FASTIPC_RECV_CALL moves the request into its handle's table of held
 * requests and tells the receiver a token for it; the reply looks the
 * token up there and hands the reply message to the caller, who copies
 * or maps it into its own address space when it wakes.  So a reply never
 * passes through a queue and nobody but its caller can take it.
 *
 * Who owns a request: the caller holds one reference from the call to
 * its return; one more belongs to whoever has the request: the message
 * while it is queued or being received, then the server's table, then
 * the code replying.  Each of these ends the request exactly once
 * (fastipc_req_finish()): a reply, or a failure that says why (the
 * server closed its handle, the channel died, no receiver is left...).
 * The caller may give up first (timeout, signal): it marks the request
 * abandoned, and whatever ends it later finds that out and drops the
 * reply.  The state moves once from WAITING, by cmpxchg, to REPLIED,
 * FAILED or ABANDONED: whoever moves it decides.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "fastipc_internal.h"

enum {
	FASTIPC_REQ_WAITING,	/* queued, or held by a server */
	FASTIPC_REQ_REPLIED,	/* @reply is the caller's */
	FASTIPC_REQ_FAILED,	/* @error says why */
	FASTIPC_REQ_ABANDONED,	/* the caller left: nobody will take a reply */
};

/* The caller's side of one call. */
struct fastipc_req {
	refcount_t ref;		/* the caller's, and its holder's */
	int state;		/* FASTIPC_REQ_*: leaves WAITING once, cmpxchg */
	int error;		/* FAILED: written before @state */
	struct fastipc_msg *reply;	/* REPLIED: written before @state */
	struct task_struct *task;	/* the caller, while it waits */
	struct fastipc_reply_room room;	/* what the caller takes: constant */
	/*
	 * The token a server's table knows it by: written under the table's
	 * xa_lock when the receive that took it succeeds; 0 before, so that
	 * a guessed token finds nothing.
	 */
	u64 token;
};

struct fastipc_req *fastipc_req_new(const struct fastipc_reply_room *room)
{
	struct fastipc_req *req = kmalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);

	if (!req)
		return NULL;
	refcount_set(&req->ref, 1);
	req->state = FASTIPC_REQ_WAITING;
	req->error = 0;
	req->reply = NULL;
	req->task = current;
	req->room = *room;
	req->token = 0;
	return req;
}

struct fastipc_req *fastipc_req_get(struct fastipc_req *req)
{
	refcount_inc(&req->ref);
	return req;
}

void fastipc_req_put(struct fastipc_req *req)
{
	if (!req || !refcount_dec_and_test(&req->ref))
		return;
	/* A reply nobody took: its caller never came back for it. */
	fastipc_msg_free(req->reply);
	kfree(req);
}

/*
 * End @req with @reply (its caller's from now on) or, @reply NULL, with
 * the error @err.  Returns 0, or -ECANCELED if the caller had given up:
 * then @reply is still the caller of this function's.
 */
int fastipc_req_finish(struct fastipc_req *req, struct fastipc_msg *reply,
		       int err)
{
	struct task_struct *task = req->task;
	int old;

	req->reply = reply;
	req->error = err;
	/* Once it sees the state the caller may return and exit: RCU. */
	rcu_read_lock();
	old = cmpxchg(&req->state, FASTIPC_REQ_WAITING,
		      reply ? FASTIPC_REQ_REPLIED : FASTIPC_REQ_FAILED);
	if (old == FASTIPC_REQ_WAITING)
		wake_up_process(task);
	rcu_read_unlock();
	if (old == FASTIPC_REQ_WAITING)
		return 0;
	req->reply = NULL;
	return -ECANCELED;
}

/* Has the caller of @req given up?  A hint: it may any time. */
bool fastipc_req_abandoned(const struct fastipc_req *req)
{
	return READ_ONCE(req->state) == FASTIPC_REQ_ABANDONED;
}

/*
 * The caller waits for its reply until @deadline, polling first as @poll
 * says (a call is a turn: its request was just sent).  Returns the reply,
 * or an ERR_PTR: the error the request ended with, or ETIMEDOUT or EINTR,
 * and then the request is abandoned and no reply will ever come.  A reply
 * that comes as the wait ends is taken.
 */
struct fastipc_msg *fastipc_req_wait(struct fastipc_req *req,
				     struct fastipc_poll *poll,
				     ktime_t deadline)
{
	struct fastipc_msg *reply;
	u64 since = 0, span;
	int state, err = 0;
	bool learn;

	span = fastipc_poll_begin(poll, &learn);
	if (READ_ONCE(req->state) == FASTIPC_REQ_WAITING) {
		if (learn)
			since = ktime_get_ns();
		if (span)
			fastipc_busy_poll_word(&req->state, FASTIPC_REQ_WAITING,
					       poll, span, deadline);
	}
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		/* Pairs with the cmpxchg in fastipc_req_finish(). */
		state = smp_load_acquire(&req->state);
		if (state != FASTIPC_REQ_WAITING)
			break;
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (!fastipc_sleep_until(deadline)) {
			err = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
	if (state == FASTIPC_REQ_WAITING) {
		state = cmpxchg(&req->state, FASTIPC_REQ_WAITING,
				FASTIPC_REQ_ABANDONED);
		if (state == FASTIPC_REQ_WAITING)
			state = FASTIPC_REQ_ABANDONED;
		else
			err = 0;	/* it ended meanwhile: as it ended */
	}
	if (since)
		fastipc_poll_learn(poll, ktime_get_ns() - since,
				   state == FASTIPC_REQ_REPLIED);
	switch (state) {
	case FASTIPC_REQ_REPLIED:
		reply = req->reply;
		req->reply = NULL;
		return reply;
	case FASTIPC_REQ_FAILED:
		return ERR_PTR(req->error);
	default:
		return ERR_PTR(err);
	}
}

/* A handle's table of held requests, by the low half of their tokens. */
void fastipc_held_init(struct fastipc_held *held)
{
	xa_init_flags(&held->reqs, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	held->next = 1;
	atomic_set(&held->gen, 0);
	atomic_set(&held->nr, 0);
}

/*
 * Make room in @held for @req, taken by a receive that will report
 * *@token: it is held once fastipc_held_commit() says the receive went
 * through, or given up with fastipc_held_cancel().  -EBUSY when @held
 * has @max requests already, -ENOMEM.
 */
int fastipc_held_add(struct fastipc_held *held, struct fastipc_req *req,
		     u32 max, u64 *token)
{
	u32 idx;
	int err;

	if (atomic_inc_return(&held->nr) > max) {
		atomic_dec(&held->nr);
		return -EBUSY;
	}
	err = xa_alloc_cyclic(&held->reqs, &idx, req, xa_limit_32b,
			      &held->next, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		atomic_dec(&held->nr);
		return err == -EBUSY ? -ENOMEM : err;
	}
	/* Another token for the same slot each time it comes round. */
	*token = (u64)(u32)atomic_inc_return(&held->gen) << 32 | idx;
	return 0;
}

/* The receive of the request behind @token went through: it is held. */
void fastipc_held_commit(struct fastipc_held *held, u64 token)
{
	struct fastipc_req *req;

	xa_lock(&held->reqs);
	req = xa_load(&held->reqs, (u32)token);
	WRITE_ONCE(req->token, token);
	xa_unlock(&held->reqs);
}

/* The receive of the request behind @token failed: it goes back. */
void fastipc_held_cancel(struct fastipc_held *held, u64 token)
{
	xa_erase(&held->reqs, (u32)token);
	atomic_dec(&held->nr);
}

/* Take the request behind @token out of @held: NULL if there is none. */
struct fastipc_req *fastipc_held_take(struct fastipc_held *held, u64 token)
{
	struct fastipc_req *req;

	xa_lock(&held->reqs);
	req = xa_load(&held->reqs, (u32)token);
	if (!token || (req && READ_ONCE(req->token) != token))
		req = NULL;
	if (req) {
		__xa_erase(&held->reqs, (u32)token);
		atomic_dec(&held->nr);
	}
	xa_unlock(&held->reqs);
	return req;
}

/*
 * Look at the request behind @token without taking it: 0 with what its
 * caller accepts as a reply (constant), or -ENOENT.
 */
int fastipc_held_peek(struct fastipc_held *held, u64 token,
		      struct fastipc_reply_room *room, bool *abandoned)
{
	struct fastipc_req *req;
	int err = -ENOENT;

	xa_lock(&held->reqs);
	req = xa_load(&held->reqs, (u32)token);
	if (token && req && READ_ONCE(req->token) == token) {
		*room = req->room;
		*abandoned = fastipc_req_abandoned(req);
		err = 0;
	}
	xa_unlock(&held->reqs);
	return err;
}

/*
 * The handle goes away: every request it holds fails its caller with
 * ECONNRESET, at once.  Nothing else can reach the table now.
 */
void fastipc_held_destroy(struct fastipc_held *held)
{
	struct fastipc_req *req;
	unsigned long idx;

	xa_for_each(&held->reqs, idx, req) {
		xa_erase(&held->reqs, idx);
		fastipc_req_finish(req, NULL, -ECONNRESET);
		fastipc_req_put(req);
		cond_resched();
	}
	xa_destroy(&held->reqs);
}

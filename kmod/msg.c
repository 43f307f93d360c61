// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: messages.  A small message carries its bytes inline, a large
 * one a page set (pages.c).
 *
 * Every allocation made here is on behalf of the calling user and is
 * charged to its memory cgroup (__GFP_ACCOUNT).
 */
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "fastipc_internal.h"

/*
 * An inline message may be as large as max_msg_size (up to 1 GiB, with
 * FASTIPC_SEND_COPY): its bytes are copied this much at a time, yielding
 * in between, and a killed task stops there (-EINTR).
 */
#define FASTIPC_COPY_CHUNK	SZ_64K

/* Copy @len bytes of a message in from user memory. */
int fastipc_copy_in(void *dst, const void __user *src, size_t len)
{
	size_t n;

	for (;;) {
		n = min_t(size_t, len, FASTIPC_COPY_CHUNK);
		if (copy_from_user(dst, src, n))
			return -EFAULT;
		len -= n;
		if (!len)
			return 0;
		dst += n;
		src += n;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

static int fastipc_copy_out(void __user *dst, const void *src, size_t len)
{
	size_t n;

	for (;;) {
		n = min_t(size_t, len, FASTIPC_COPY_CHUNK);
		if (copy_to_user(dst, src, n))
			return -EFAULT;
		len -= n;
		if (!len)
			return 0;
		dst += n;
		src += n;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

/*
 * Copy @msg out to @dst, a user buffer of @size bytes: 0, -EMSGSIZE if it
 * does not fit, or the copy's error.
 */
int fastipc_msg_copy_out(void __user *dst, u64 size,
			 const struct fastipc_msg *msg)
{
	if (size < msg->len)
		return -EMSGSIZE;
	if (msg->pages)
		return fastipc_pages_copy_out(dst, msg->pages, msg->len);
	return fastipc_copy_out(dst, msg->data, msg->len);
}

/*
 * Record that current sends @msg: a reference to its thread's pid (and
 * to its leader's, for a thread that does not lead its group) and its
 * effective ids.  Nothing is translated here: a receiver that asks does
 * it for its own namespaces (fastipc_msg_sender()).
 */
void fastipc_msg_stamp(struct fastipc_msg *msg)
{
	struct pid *tid = task_pid(current), *tgid = task_tgid(current);

	msg->sender_tid = get_pid(tid);
	msg->sender_tgid = tgid == tid ? NULL : get_pid(tgid);
	msg->sender_uid = current_euid();
	msg->sender_gid = current_egid();
}

/* Drop what @msg carries besides its bytes: sender, descriptors. */
static void fastipc_msg_strip(struct fastipc_msg *msg)
{
	put_pid(msg->sender_tid);
	put_pid(msg->sender_tgid);
	msg->sender_tid = NULL;
	msg->sender_tgid = NULL;
	fastipc_files_put(msg->files);
	msg->files = NULL;
}

/*
 * Who sent @msg, for the current task: pids in its pid namespace (0 when
 * the sender is not in it; a sender that has exited since keeps the
 * numbers it had), ids in its user namespace (the overflow ids when they
 * have no mapping there).  False, and zeros, if @msg has no sender.
 */
bool fastipc_msg_sender(const struct fastipc_msg *msg,
			struct fastipc_sender *sender)
{
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct user_namespace *user_ns = current_user_ns();

	memset(sender, 0, sizeof(*sender));
	if (!msg->sender_tid)
		return false;
	sender->tid = pid_nr_ns(msg->sender_tid, pid_ns);
	sender->pid = msg->sender_tgid ?
		      pid_nr_ns(msg->sender_tgid, pid_ns) : sender->tid;
	sender->uid = from_kuid_munged(user_ns, msg->sender_uid);
	sender->gid = from_kgid_munged(user_ns, msg->sender_gid);
	return true;
}

/*
 * Inline messages of up to this many payload bytes are worth keeping as a
 * channel's spare: a stream of small messages then allocates and frees
 * none.  At most one object of this size is kept per channel.
 */
#define FASTIPC_SPARE_MSG_MAX	1024

/*
 * A message for @len bytes copied inline: @ch's spare if it is big
 * enough (@ch may be NULL), else a new one, sized up to the whole object
 * the allocator gives so that a later, bigger message may reuse it.
 */
struct fastipc_msg *fastipc_msg_alloc_inline(struct fastipc_channel *ch,
					     size_t len)
{
	struct fastipc_msg *msg = NULL;
	size_t size;

	if (ch && len <= FASTIPC_SPARE_MSG_MAX && READ_ONCE(ch->spare_msg))
		msg = xchg(&ch->spare_msg, NULL);
	if (msg && msg->cap >= len)
		goto init;
	/* Too small for this one: a new spare grows from it. */
	fastipc_msg_free(msg);

	size = struct_size(msg, data, len);
	if (len <= FASTIPC_SPARE_MSG_MAX)
		size = kmalloc_size_roundup(size);
	msg = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	msg->cap = len <= FASTIPC_SPARE_MSG_MAX ?
		   size - offsetof(struct fastipc_msg, data) : 0;
init:
	msg->len = len;
	msg->pages = NULL;
	msg->req = NULL;
	msg->sender_tid = NULL;
	msg->sender_tgid = NULL;
	msg->files = NULL;
	return msg;
}

/*
 * Done with @msg, received from @ch: keep it as the spare if it is a
 * small inline one and there is none yet, else free it.
 */
void fastipc_msg_recycle(struct fastipc_channel *ch, struct fastipc_msg *msg)
{
	if (msg)
		fastipc_msg_strip(msg);
	if (msg && !msg->pages && !msg->req && msg->cap && !READ_ONCE(ch->spare_msg) &&
	    !cmpxchg(&ch->spare_msg, NULL, msg))
		return;
	fastipc_msg_free(msg);
}

/* A message that will carry @pg (may be NULL: attached later). */
struct fastipc_msg *fastipc_msg_alloc_pages(struct fastipc_pages *pg)
{
	struct fastipc_msg *msg;

	msg = kmalloc(sizeof(*msg), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	msg->len = 0;
	msg->cap = 0;
	msg->pages = pg;
	msg->req = NULL;
	msg->sender_tid = NULL;
	msg->sender_tgid = NULL;
	msg->files = NULL;
	return msg;
}

/*
 * @msg, a request, will not be answered: its caller's call fails with
 * @err (at once, if it still waits).
 */
void fastipc_msg_end_req(struct fastipc_msg *msg, int err)
{
	struct fastipc_req *req = msg->req;

	if (!req)
		return;
	msg->req = NULL;
	fastipc_req_finish(req, NULL, err);
	fastipc_req_put(req);
}

/*
 * Free @msg.  A request freed with its message was never received: the
 * channel died under it (a queue freed, a message put back too late).
 */
void fastipc_msg_free(struct fastipc_msg *msg)
{
	if (!msg)
		return;
	fastipc_msg_end_req(msg, -EIDRM);
	fastipc_msg_strip(msg);
	fastipc_pages_free(msg->pages);
	kvfree(msg);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: per-user ceilings.
 *
 * Channels are counted per creating uid against max_user_channels, and
 * their capacities (max_bytes, what the kernel may have to hold for each)
 * summed against the larger of the creator's RLIMIT_MSGQUEUE and the
 * module's user_queue_floor, as POSIX message queues reserve theirs;
 * CAP_SYS_RESOURCE lifts that ceiling, as for mq.
 * Pages (page-path messages and window buffers) are charged to the
 * allocating user's locked_vm, the counter io_uring and perf use for
 * pinned pages, against the larger of RLIMIT_MEMLOCK and the module's
 * user_pages_floor; CAP_IPC_LOCK lifts the page ceiling, as for mlock.
 * The charge stays with the pages until they are freed, whoever holds
 * them by then; pages kept in a handle's recycling pool are charged to
 * the user who opened the handle (pool.c).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "fastipc_internal.h"

struct fastipc_user_quota {
	struct hlist_node node;
	kuid_t uid;
	unsigned int channels;
	u64 bytes;		/* the sum of their max_bytes */
};

/* Protects the table and every channel's attr.max_bytes changes. */
static DEFINE_MUTEX(fastipc_quota_lock);
static DEFINE_HASHTABLE(fastipc_quotas, 6);

static struct fastipc_user_quota *fastipc_quota_find(kuid_t uid)
{
	struct fastipc_user_quota *q;

	hash_for_each_possible(fastipc_quotas, q, node, __kuid_val(uid))
		if (uid_eq(q->uid, uid))
			return q;
	return NULL;
}

/* May the current task make @q's channels add up to @bytes? */
static bool fastipc_quota_bytes_ok(const struct fastipc_user_quota *q,
				   u64 bytes)
{
	u64 limit = max_t(u64, rlimit(RLIMIT_MSGQUEUE),
			  READ_ONCE(fastipc_user_queue_floor));

	return bytes <= q->bytes || bytes <= limit ||
	       capable(CAP_SYS_RESOURCE);
}

/*
 * Count one more channel of capacity @max_bytes for @uid; -ENOSPC at
 * either ceiling.
 */
int fastipc_quota_add_channel(kuid_t uid, u64 max_bytes)
{
	struct fastipc_user_quota *q, *fresh;
	int err = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;

	mutex_lock(&fastipc_quota_lock);
	q = fastipc_quota_find(uid);
	if (!q) {
		q = fresh;
		fresh = NULL;
		q->uid = uid;
		hash_add(fastipc_quotas, &q->node, __kuid_val(uid));
	}
	if (q->channels >= READ_ONCE(fastipc_max_user_channels) ||
	    !fastipc_quota_bytes_ok(q, q->bytes + max_bytes)) {
		err = -ENOSPC;
	} else {
		q->channels++;
		q->bytes += max_bytes;
	}
	if (!q->channels) {
		hash_del(&q->node);
		kfree(q);
	}
	mutex_unlock(&fastipc_quota_lock);
	kfree(fresh);
	return err;
}

void fastipc_quota_del_channel(kuid_t uid, u64 max_bytes)
{
	struct fastipc_user_quota *q;

	mutex_lock(&fastipc_quota_lock);
	q = fastipc_quota_find(uid);
	if (!WARN_ON_ONCE(!q || !q->channels || q->bytes < max_bytes)) {
		q->bytes -= max_bytes;
		if (!--q->channels) {
			hash_del(&q->node);
			kfree(q);
		}
	}
	mutex_unlock(&fastipc_quota_lock);
}

/*
 * Give @ch the limits in @attr (zero fields unchanged), charging a new
 * max_bytes to its creator; -ENOSPC if that passes the creator's ceiling.
 */
int fastipc_quota_resize_channel(struct fastipc_channel *ch,
				 const struct fastipc_attr *attr)
{
	struct fastipc_user_quota *q;
	u64 old, bytes;
	int err = 0;

	mutex_lock(&fastipc_quota_lock);
	q = fastipc_quota_find(ch->cuid);
	old = ch->attr.max_bytes;
	if (attr->max_bytes && !WARN_ON_ONCE(!q || q->bytes < old)) {
		bytes = q->bytes - old + attr->max_bytes;
		if (!fastipc_quota_bytes_ok(q, bytes)) {
			err = -ENOSPC;
			goto out;
		}
		q->bytes = bytes;
	}
	fastipc_chan_apply_attr(ch, attr);
out:
	mutex_unlock(&fastipc_quota_lock);
	return err;
}

/* The page ceiling, in pages, of a user whose RLIMIT_MEMLOCK is @memlock. */
unsigned long fastipc_quota_page_limit(unsigned long memlock)
{
	return max_t(unsigned long, memlock,
		     READ_ONCE(fastipc_user_pages_floor)) >> PAGE_SHIFT;
}

/*
 * Charge up to @nr pages to @user without passing @limit pages; returns
 * how many were charged (all or, unless @partial, nothing).
 */
unsigned long fastipc_quota_try_charge(struct user_struct *user,
				       unsigned long nr, unsigned long limit,
				       bool partial)
{
	unsigned long cur, next;

	cur = atomic_long_read(&user->locked_vm);
	do {
		if (cur >= limit)
			return 0;
		if (nr > limit - cur) {
			if (!partial)
				return 0;
			nr = limit - cur;
		}
		next = cur + nr;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, next));
	return nr;
}

/*
 * Charge @nr pages to the current user.  Returns the user to uncharge
 * later (with a reference), NULL when nothing was charged (CAP_IPC_LOCK),
 * or ERR_PTR(-ENOMEM) at the ceiling.
 */
struct user_struct *fastipc_quota_charge_pages(unsigned long nr)
{
	struct user_struct *user;
	unsigned long limit;

	if (capable(CAP_IPC_LOCK))
		return NULL;
	limit = fastipc_quota_page_limit(rlimit(RLIMIT_MEMLOCK));
	user = current_user();
	if (nr && !fastipc_quota_try_charge(user, nr, limit, false))
		return ERR_PTR(-ENOMEM);
	return get_uid(user);
}

void fastipc_quota_uncharge_pages(struct user_struct *user, unsigned long nr)
{
	if (!user)
		return;
	atomic_long_sub(nr, &user->locked_vm);
}

void fastipc_quota_put_user(struct user_struct *user)
{
	if (user)
		free_uid(user);
}

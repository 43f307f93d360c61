// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: per-user ceilings.
 *
 * Channels are counted per creating uid against max_user_channels.
 * Pages (page-path messages and window buffers) are charged to the
 * allocating user's locked_vm, the counter io_uring and perf use for
 * pinned pages, against the larger of RLIMIT_MEMLOCK and the module's
 * user_pages_floor; CAP_IPC_LOCK lifts the page ceiling, as for mlock.
 * The charge stays with the pages until they are freed, whoever holds
 * them by then.
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
};

static DEFINE_MUTEX(fastipc_quota_lock);	/* protects the table */
static DEFINE_HASHTABLE(fastipc_quotas, 6);

static struct fastipc_user_quota *fastipc_quota_find(kuid_t uid)
{
	struct fastipc_user_quota *q;

	hash_for_each_possible(fastipc_quotas, q, node, __kuid_val(uid))
		if (uid_eq(q->uid, uid))
			return q;
	return NULL;
}

/* Count one more channel for @uid; -ENOSPC at the ceiling. */
int fastipc_quota_add_channel(kuid_t uid)
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
	if (q->channels >= READ_ONCE(fastipc_max_user_channels))
		err = -ENOSPC;
	else
		q->channels++;
	if (!q->channels) {
		hash_del(&q->node);
		kfree(q);
	}
	mutex_unlock(&fastipc_quota_lock);
	kfree(fresh);
	return err;
}

void fastipc_quota_del_channel(kuid_t uid)
{
	struct fastipc_user_quota *q;

	mutex_lock(&fastipc_quota_lock);
	q = fastipc_quota_find(uid);
	if (!WARN_ON_ONCE(!q || !q->channels) && !--q->channels) {
		hash_del(&q->node);
		kfree(q);
	}
	mutex_unlock(&fastipc_quota_lock);
}

/*
 * Charge @nr pages to the current user.  Returns the user to uncharge
 * later (with a reference), NULL when nothing was charged (CAP_IPC_LOCK),
 * or ERR_PTR(-ENOMEM) at the ceiling.
 */
struct user_struct *fastipc_quota_charge_pages(unsigned long nr)
{
	struct user_struct *user;
	unsigned long limit, cur, next;

	if (capable(CAP_IPC_LOCK))
		return NULL;
	limit = max_t(unsigned long, rlimit(RLIMIT_MEMLOCK),
		      READ_ONCE(fastipc_user_pages_floor)) >> PAGE_SHIFT;
	user = current_user();
	cur = atomic_long_read(&user->locked_vm);
	do {
		next = cur + nr;
		if (next > limit || next < cur)
			return ERR_PTR(-ENOMEM);
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, next));
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

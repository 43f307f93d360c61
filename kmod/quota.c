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
 * allocating user in a page counter of fastipc's own, against the larger
 * of RLIMIT_MEMLOCK and the module's user_pages_floor; CAP_IPC_LOCK lifts
 * the page ceiling, as for mlock.  The charge stays with the pages until
 * they are freed, whoever holds them by then; pages kept in a handle's
 * recycling pool are charged to the user who bound the handle (pool.c).
 * Every page is also charged to a memory cgroup (__GFP_ACCOUNT).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
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
 * Pages are counted per user in a counter of fastipc's own, as POSIX
 * message queues count RLIMIT_MSGQUEUE bytes: the kernel's locked_vm is
 * what io_uring, AF_XDP and perf compare with RLIMIT_MEMLOCK alone, and
 * the floor above would push it past that limit.
 */
struct fastipc_user {
	struct hlist_node node;	/* in fastipc_users */
	struct rcu_head rcu;
	refcount_t ref;		/* one per holder: page sets, pools */
	kuid_t uid;
	atomic_long_t pages;
	atomic_long_t files;	/* descriptors in flight in messages */
};

/* Protects fastipc_users' chains; lookups walk them under RCU. */
static DEFINE_SPINLOCK(fastipc_users_lock);
static DEFINE_HASHTABLE(fastipc_users, 6);

static struct fastipc_user *fastipc_user_find(kuid_t uid)
{
	struct fastipc_user *u;

	hash_for_each_possible_rcu(fastipc_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid) && refcount_inc_not_zero(&u->ref))
			return u;
	return NULL;
}

/* The current (real) user's counter, referenced; NULL without memory. */
struct fastipc_user *fastipc_user_get(void)
{
	kuid_t uid = current_uid();
	struct fastipc_user *u, *fresh;

	rcu_read_lock();
	u = fastipc_user_find(uid);
	rcu_read_unlock();
	if (u)
		return u;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	refcount_set(&fresh->ref, 1);
	fresh->uid = uid;
	spin_lock(&fastipc_users_lock);
	u = fastipc_user_find(uid);
	if (!u) {
		hash_add_rcu(fastipc_users, &fresh->node, __kuid_val(uid));
		u = fresh;
		fresh = NULL;
	}
	spin_unlock(&fastipc_users_lock);
	kfree(fresh);
	return u;
}

void fastipc_user_put(struct fastipc_user *u)
{
	bool last;

	/* refcount_dec_and_lock(), in a form sparse follows. */
	if (!u || refcount_dec_not_one(&u->ref))
		return;
	spin_lock(&fastipc_users_lock);
	last = refcount_dec_and_test(&u->ref);
	if (last)
		hash_del_rcu(&u->node);
	spin_unlock(&fastipc_users_lock);
	if (!last)
		return;
	WARN_ON_ONCE(atomic_long_read(&u->pages));
	kfree_rcu(u, rcu);
}

/*
 * Charge up to @nr pages to @u without passing @limit pages; returns how
 * many it charged: all or, unless @partial, none.
 */
unsigned long fastipc_user_try_charge(struct fastipc_user *u,
				      unsigned long nr, unsigned long limit,
				      bool partial)
{
	unsigned long cur = atomic_long_read(&u->pages);

	do {
		if (cur >= limit)
			return 0;
		if (nr > limit - cur) {
			if (!partial)
				return 0;
			nr = limit - cur;
		}
	} while (!atomic_long_try_cmpxchg(&u->pages, (long *)&cur, cur + nr));
	return nr;
}

/* Files in flight (files.c): @nr more if the total stays within @limit. */
bool fastipc_user_try_charge_files(struct fastipc_user *u, unsigned int nr,
				   unsigned long limit)
{
	long cur = atomic_long_read(&u->files);

	do {
		if (cur + nr > limit)
			return false;
	} while (!atomic_long_try_cmpxchg(&u->files, &cur, cur + nr));
	return true;
}

/* ... or past it, for a task allowed to (it has been asked). */
void fastipc_user_force_charge_files(struct fastipc_user *u, unsigned int nr)
{
	atomic_long_add(nr, &u->files);
}

void fastipc_user_uncharge_files(struct fastipc_user *u, unsigned int nr)
{
	atomic_long_sub(nr, &u->files);
}

void fastipc_user_uncharge(struct fastipc_user *u, unsigned long nr)
{
	if (u)
		atomic_long_sub(nr, &u->pages);
}

/*
 * Charge @nr pages to the current user: within the larger of its
 * RLIMIT_MEMLOCK and user_pages_floor, or past it with CAP_IPC_LOCK, as
 * for mlock.  The capability is asked only past the limit, so that an
 * LSM audits a real use of it, not every allocation.  Returns the user
 * to uncharge later (referenced) or an ERR_PTR: -ENOMEM at the ceiling.
 */
struct fastipc_user *fastipc_quota_charge_pages(unsigned long nr)
{
	unsigned long limit = fastipc_quota_page_limit(rlimit(RLIMIT_MEMLOCK));
	struct fastipc_user *u = fastipc_user_get();

	if (!u)
		return ERR_PTR(-ENOMEM);
	if (!nr || fastipc_user_try_charge(u, nr, limit, false))
		return u;
	if (capable(CAP_IPC_LOCK)) {
		atomic_long_add(nr, &u->pages);
		return u;
	}
	fastipc_user_put(u);
	return ERR_PTR(-ENOMEM);
}

/* Uncharge @nr pages from @u and drop the reference the charge held. */
void fastipc_quota_release_pages(struct fastipc_user *u, unsigned long nr)
{
	fastipc_user_uncharge(u, nr);
	fastipc_user_put(u);
}

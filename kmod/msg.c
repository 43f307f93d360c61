// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: messages and the page sets that carry large ones.
 *
 * Every allocation made here is on behalf of the calling user and is
 * charged to its memory cgroup (__GFP_ACCOUNT).
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fastipc_internal.h"

#define FASTIPC_GFP_PAGE	(GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_NOWARN)

/*
 * Allocate @nr order-0 pages, recycled from @pool where it has some.
 * Fresh pages come from the page allocator and may hold anybody's old
 * data: they are zeroed unless the caller overwrites every byte
 * (FASTIPC_FILL_OVERWRITE).  Recycled pages hold @pool's own process's
 * bytes: they are zeroed only for FASTIPC_FILL_ZERO.
 */
struct fastipc_pages *fastipc_pages_alloc(unsigned long nr,
					  enum fastipc_fill fill,
					  struct fastipc_pool *pool)
{
	bool zero = fill == FASTIPC_FILL_ZERO;
	gfp_t gfp = FASTIPC_GFP_PAGE |
		    (fill == FASTIPC_FILL_OVERWRITE ? 0 : __GFP_ZERO);
	struct fastipc_pages *pg;
	struct user_struct *user;
	unsigned long i, reused;

	pg = kvmalloc(struct_size(pg, pages, nr), GFP_KERNEL_ACCOUNT);
	if (!pg)
		return NULL;
	/* Pool pages first: their charge moves to this allocation. */
	reused = fastipc_pool_take(pool, pg->pages, nr);
	user = fastipc_quota_charge_pages(nr);
	if (IS_ERR(user)) {
		fastipc_pool_give(pool, pg->pages, reused);
		kvfree(pg);
		return NULL;
	}

	for (i = 0; zero && i < reused; i++)
		clear_highpage(pg->pages[i]);
	for (i = reused; i < nr; i++) {
		pg->pages[i] = alloc_page(gfp);
		if (!pg->pages[i])
			goto err_free;
		if (fatal_signal_pending(current)) {
			i++;
			goto err_free;
		}
		cond_resched();
	}
	atomic_long_add(nr - reused, &fastipc_counters.pages_held);
	pg->nr = nr;
	pg->user = user;
	pg->origin = fastipc_pool_get(pool);
	return pg;

err_free:
	atomic_long_add(i - reused, &fastipc_counters.pages_held);
	fastipc_quota_uncharge_pages(user, nr);
	fastipc_quota_put_user(user);
	/* Unzeroed fresh pages may hold others' old data: never pool them. */
	fastipc_pool_give(pool, pg->pages, reused);
	fastipc_pool_give(fill == FASTIPC_FILL_OVERWRITE ? NULL : pool,
			  pg->pages + reused, i - reused);
	kvfree(pg);
	return NULL;
}

/*
 * Done with @pg: its pages, unmapped everywhere, go back to the pool of
 * their origin, or to the page allocator.
 */
void fastipc_pages_free(struct fastipc_pages *pg)
{
	if (!pg)
		return;
	/* Uncharged first, so that the pool's user has room for them. */
	fastipc_quota_uncharge_pages(pg->user, pg->nr);
	fastipc_quota_put_user(pg->user);
	fastipc_pool_give(pg->origin, pg->pages, pg->nr);
	fastipc_pool_put(pg->origin);
	kvfree(pg);
}

/* @pool's process may now write @pg: recycle it there from now on. */
void fastipc_pages_set_origin(struct fastipc_pages *pg,
			      struct fastipc_pool *pool)
{
	if (pg->origin == pool)
		return;
	fastipc_pool_put(pg->origin);
	pg->origin = fastipc_pool_get(pool);
}

/*
 * Make @pg hold exactly @len bytes: free whole pages past the end and zero
 * the tail of the last page, so the receiver never sees bytes past the
 * message that the sender wrote into its buffer.
 */
void fastipc_pages_trim(struct fastipc_pages *pg, size_t len)
{
	unsigned long keep = DIV_ROUND_UP(len, PAGE_SIZE);
	size_t tail = offset_in_page(len);

	if (pg->nr > keep) {
		fastipc_quota_uncharge_pages(pg->user, pg->nr - keep);
		fastipc_pool_give(pg->origin, pg->pages + keep, pg->nr - keep);
		pg->nr = keep;
	}
	if (tail && keep)
		memzero_page(pg->pages[keep - 1], tail, PAGE_SIZE - tail);
}

int fastipc_pages_copy_in(struct fastipc_pages *pg, const void __user *src,
			  size_t len)
{
	unsigned long i;

	for (i = 0; len; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE);
		void *kaddr = kmap_local_page(pg->pages[i]);
		unsigned long left = copy_from_user(kaddr, src, n);

		if (!left && n < PAGE_SIZE)
			memset(kaddr + n, 0, PAGE_SIZE - n);
		kunmap_local(kaddr);
		if (left)
			return -EFAULT;
		src += n;
		len -= n;
		/* A killed sender stops here: nothing is queued. */
		if (len && fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

int fastipc_pages_copy_out(void __user *dst, struct fastipc_pages *pg,
			   size_t len)
{
	unsigned long i;

	for (i = 0; len; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE);
		void *kaddr = kmap_local_page(pg->pages[i]);
		unsigned long left = copy_to_user(dst, kaddr, n);

		kunmap_local(kaddr);
		if (left)
			return -EFAULT;
		dst += n;
		len -= n;
		/* A killed receiver stops here: the message stays queued. */
		if (len && fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
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
	return copy_to_user(dst, msg->data, msg->len) ? -EFAULT : 0;
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
	return msg;
}

/*
 * Done with @msg, received from @ch: keep it as the spare if it is a
 * small inline one and there is none yet, else free it.
 */
void fastipc_msg_recycle(struct fastipc_channel *ch, struct fastipc_msg *msg)
{
	if (msg && !msg->pages && msg->cap && !READ_ONCE(ch->spare_msg) &&
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
	return msg;
}

void fastipc_msg_free(struct fastipc_msg *msg)
{
	if (!msg)
		return;
	fastipc_pages_free(msg->pages);
	kvfree(msg);
}

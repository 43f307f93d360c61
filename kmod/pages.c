// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: page sets, the order-0 pages that carry one large message or
 * back one window buffer.
 *
 * A page set holds one reference to each page: the pages are ordinary
 * refcounted kernel pages, inserted into windows with vm_insert_pages()
 * (window.c), so a mapping holds references too while it lasts, and so
 * may get_user_pages() (O_DIRECT, vmsplice, io_uring) while a process has
 * them mapped.  The module counts on nothing but its own reference: a
 * page that others still reference when its set is done with is left to
 * them, never recycled (pool.c), and a buffer sent while others still
 * reference its pages is copied (fastipc_pages_isolate()).
 *
 * Each set is charged to the user who allocated it in the page quota
 * (quota.c) and to a memory cgroup (__GFP_ACCOUNT): the pool's when it
 * came through one (pool.c), else the allocating task's.
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

/* Long loops over pages stop for a fatal signal and yield this often. */
#define FASTIPC_PAGES_BATCH	64

/* Every FASTIPC_PAGES_BATCH pages: yield; false if the task was killed. */
static bool fastipc_pages_continue(unsigned long i)
{
	if ((i + 1) % FASTIPC_PAGES_BATCH)
		return true;
	cond_resched();
	return !fatal_signal_pending(current);
}

/*
 * Allocate @nr order-0 pages, recycled from @pool where it has some, and
 * charged to @pool's memory cgroup (to the caller's without a pool).
 * Fresh pages come from the page allocator and may hold anybody's old
 * data: they are zeroed unless the caller overwrites every byte
 * (FASTIPC_FILL_OVERWRITE).  Recycled pages hold @pool's own process's
 * bytes: they are zeroed only for FASTIPC_FILL_ZERO.  NULL without
 * memory, at the page quota or for a killed task.
 */
struct fastipc_pages *fastipc_pages_alloc(unsigned long nr,
					  enum fastipc_fill fill,
					  struct fastipc_pool *pool)
{
	bool zero = fill == FASTIPC_FILL_ZERO;
	gfp_t gfp = FASTIPC_GFP_PAGE |
		    (fill == FASTIPC_FILL_OVERWRITE ? 0 : __GFP_ZERO);
	struct fastipc_pages *pg;
	struct fastipc_user *user;
	struct mem_cgroup *memcg;
	unsigned long i, reused;

	pg = kvmalloc(struct_size(pg, pages, nr), GFP_KERNEL_ACCOUNT);
	if (!pg)
		return NULL;
	/* Pool pages first: their quota charge moves to this allocation. */
	reused = fastipc_pool_take(pool, pg->pages, nr);
	user = fastipc_quota_charge_pages(nr);
	if (IS_ERR(user)) {
		fastipc_pool_give(pool, true, pg->pages, reused);
		kvfree(pg);
		return NULL;
	}

	for (i = 0; zero && i < reused; i++) {
		clear_highpage(pg->pages[i]);
		if (!fastipc_pages_continue(i))
			goto err_reused;
	}
	memcg = fastipc_pool_charge_begin(pool);
	for (i = reused; i < nr; i++) {
		pg->pages[i] = alloc_page(gfp);
		if (!pg->pages[i] || !fastipc_pages_continue(i - reused)) {
			i += !!pg->pages[i];
			fastipc_pool_charge_end(memcg);
			goto err_fresh;
		}
	}
	fastipc_pool_charge_end(memcg);
	atomic_long_add(nr - reused, &fastipc_counters.pages_held);
	refcount_set(&pg->refs, 1);
	pg->nr = nr;
	pg->user = user;
	pg->origin = fastipc_pool_get(pool);
	return pg;

err_fresh:
	atomic_long_add(i - reused, &fastipc_counters.pages_held);
	/* Unzeroed fresh pages may hold others' old data: never pool them. */
	fastipc_pool_give(pool, fill != FASTIPC_FILL_OVERWRITE,
			  pg->pages + reused, i - reused);
err_reused:
	fastipc_quota_release_pages(user, nr);
	fastipc_pool_give(pool, true, pg->pages, reused);
	kvfree(pg);
	return NULL;
}

/*
 * Done with @pg: its pages, unmapped everywhere, go back to the pool of
 * their origin, or to the page allocator.
 */
void fastipc_pages_free(struct fastipc_pages *pg)
{
	if (!pg || !refcount_dec_and_test(&pg->refs))
		return;
	/* Uncharged first, so that the pool's user has room for them. */
	fastipc_quota_release_pages(pg->user, pg->nr);
	fastipc_pool_give(pg->origin, true, pg->pages, pg->nr);
	fastipc_pool_put(pg->origin);
	kvfree(pg);
}

/* Another holder of @pg (a topic's subscriber window): free puts it. */
struct fastipc_pages *fastipc_pages_get(struct fastipc_pages *pg)
{
	refcount_inc(&pg->refs);
	return pg;
}

/* Does anyone but the caller hold @pg? */
bool fastipc_pages_shared(const struct fastipc_pages *pg)
{
	return refcount_read(&pg->refs) > 1;
}

/*
 * @pool's process may now write @pg: from now on the pages recycle there,
 * or nowhere if @pool's cgroup is not the one they are charged to.
 */
void fastipc_pages_set_origin(struct fastipc_pages *pg,
			      struct fastipc_pool *pool)
{
	struct fastipc_pool *old = pg->origin;

	if (old == pool)
		return;
	pg->origin = fastipc_pool_same_memcg(pool, old) ?
		     fastipc_pool_get(pool) : NULL;
	fastipc_pool_put(old);
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
		fastipc_user_uncharge(pg->user, pg->nr - keep);
		fastipc_pool_give(pg->origin, true, pg->pages + keep,
				  pg->nr - keep);
		pg->nr = keep;
	}
	if (tail && keep)
		memzero_page(pg->pages[keep - 1], tail, PAGE_SIZE - tail);
}

/*
 * @pg has just left a window: make sure nobody else can still reach a
 * page of it.  Unmapping dropped the window's references; a page with
 * more than ours is pinned or spliced elsewhere (O_DIRECT, vmsplice,
 * io_uring, a debugger) and could still be read or written after the
 * send, so its bytes move to a fresh page and the old one is left to its
 * holders.  Returns how many pages it copied, or -ENOMEM (@pg unchanged).
 */
long fastipc_pages_isolate(struct fastipc_pages *pg)
{
	unsigned long i, copied = 0;
	struct page *fresh;

	for (i = 0; i < pg->nr; i++) {
		if (page_ref_count(pg->pages[i]) == 1)
			continue;
		fresh = alloc_page(FASTIPC_GFP_PAGE);
		if (!fresh)
			return -ENOMEM;
		copy_highpage(fresh, pg->pages[i]);
		put_page(pg->pages[i]);
		pg->pages[i] = fresh;
		copied++;
		cond_resched();
	}
	return copied;
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
		if (len && !fastipc_pages_continue(i))
			return -EINTR;
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
		if (len && !fastipc_pages_continue(i))
			return -EINTR;
	}
	return 0;
}

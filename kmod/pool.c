// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: recycled pages.
 *
 * Zeroing a fresh page costs as much as copying it, so pages of the page
 * path are recycled instead of going back to the page allocator.  Each
 * handle has a pool.  Every page set remembers its origin: the pool of the
 * handle whose process may have written its bytes (the sender that
 * allocated or filled it, or a receiver that mapped it writable).  When a
 * page set is done with (a buffer freed, a message copied out or dropped)
 * it goes back to its origin's pool, and that handle's next allocation
 * that asked for no zeroing (FASTIPC_BUF_NOZERO, or a plain send, which
 * overwrites every byte) takes it as it is.  So a recycled page only ever
 * holds bytes the process that gets it could already read: its own or
 * what it received.  A receiver's read-only window cannot write a page, so
 * pages it frees go back to their sender, and a one-way stream recycles
 * the sender's pages in a loop.
 *
 * A pool holds at most pool_max bytes; it is emptied when its handle
 * closes, and pages coming back to a closed handle's pool are freed.
 * Pooled pages are counted in pages_pooled, not pages_held.  They stay
 * charged to a user's locked_vm, that of the user who opened the handle:
 * otherwise each handle could keep a user's page ceiling once more.  A
 * page the pool's user has no room for is freed instead; an allocation
 * takes pool pages (and their charge) before it charges fresh ones, so
 * a handle recycling its own pages never runs into its own pool.
 *
 * Pools are a cache: under memory pressure a shrinker frees their oldest
 * pages, so a pool may be large (pool_max) without pinning memory the
 * system needs elsewhere.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "compat.h"
#include "fastipc_internal.h"

struct fastipc_pool {
	struct kref ref;	/* the handle's, plus one per page set */
	struct list_head link;	/* in fastipc_pools until closed */
	spinlock_t lock;	/* protects pages, nr, closed */
	struct list_head pages;	/* newest first, through page->lru */
	unsigned long nr;
	bool closed;
	/* Charged for the pooled pages; NULL with CAP_IPC_LOCK.  Constant. */
	struct user_struct *user;
	unsigned long memlock;	/* the opener's RLIMIT_MEMLOCK; constant */
};

/* Every open handle's pool, for the shrinker. */
static LIST_HEAD(fastipc_pools);
static DEFINE_SPINLOCK(fastipc_pools_lock);	/* protects fastipc_pools */

/* A pool for a handle the current task opens. */
struct fastipc_pool *fastipc_pool_new(void)
{
	struct fastipc_pool *pool;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return NULL;
	kref_init(&pool->ref);
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->pages);
	if (!capable(CAP_IPC_LOCK)) {
		pool->user = get_uid(current_user());
		pool->memlock = rlimit(RLIMIT_MEMLOCK);
	}
	spin_lock(&fastipc_pools_lock);
	list_add_tail(&pool->link, &fastipc_pools);
	spin_unlock(&fastipc_pools_lock);
	return pool;
}

struct fastipc_pool *fastipc_pool_get(struct fastipc_pool *pool)
{
	if (pool)
		kref_get(&pool->ref);
	return pool;
}

static void fastipc_pool_release(struct kref *ref)
{
	struct fastipc_pool *pool = container_of(ref, struct fastipc_pool, ref);

	fastipc_quota_put_user(pool->user);
	kfree(pool);
}

void fastipc_pool_put(struct fastipc_pool *pool)
{
	if (pool)
		kref_put(&pool->ref, fastipc_pool_release);
}

/* Free the pages on @list; they were counted in @counter. */
static void fastipc_pool_free_list(struct list_head *list,
				   atomic_long_t *counter)
{
	struct page *page, *tmp;
	unsigned long nr = 0;

	list_for_each_entry_safe(page, tmp, list, lru) {
		list_del(&page->lru);
		put_page(page);
		nr++;
	}
	atomic_long_sub(nr, counter);
}

/* The handle closes: free what is pooled, take nothing back from now on. */
void fastipc_pool_close(struct fastipc_pool *pool)
{
	unsigned long nr;
	LIST_HEAD(doomed);

	spin_lock(&fastipc_pools_lock);
	list_del(&pool->link);
	spin_unlock(&fastipc_pools_lock);

	spin_lock(&pool->lock);
	pool->closed = true;
	list_splice_init(&pool->pages, &doomed);
	nr = pool->nr;
	pool->nr = 0;
	spin_unlock(&pool->lock);
	fastipc_pool_free_list(&doomed, &fastipc_counters.pages_pooled);
	fastipc_quota_uncharge_pages(pool->user, nr);
	fastipc_pool_put(pool);
}

/*
 * Fill up to @nr slots of @pages from @pool; returns how many it filled.
 * Their charge goes with them: the caller charges its user for them.
 */
unsigned long fastipc_pool_take(struct fastipc_pool *pool,
				struct page **pages, unsigned long nr)
{
	unsigned long n = 0;
	struct page *page;

	if (!pool || !READ_ONCE(pool->nr))
		return 0;
	spin_lock(&pool->lock);
	while (n < nr && !list_empty(&pool->pages)) {
		page = list_first_entry(&pool->pages, struct page, lru);
		list_del(&page->lru);
		pages[n++] = page;
	}
	pool->nr -= n;
	spin_unlock(&pool->lock);
	fastipc_quota_uncharge_pages(pool->user, n);
	atomic_long_sub(n, &fastipc_counters.pages_pooled);
	atomic_long_add(n, &fastipc_counters.pages_held);
	return n;
}

/*
 * Give @nr pages back to @pool, as many as it and its user have room for;
 * free the rest.  Every page must be unmapped everywhere, and uncharged
 * from the user who held it.
 */
void fastipc_pool_give(struct fastipc_pool *pool, struct page **pages,
		       unsigned long nr)
{
	unsigned long max = READ_ONCE(fastipc_pool_max) >> PAGE_SHIFT;
	unsigned long i = 0, room, limit;
	LIST_HEAD(rest);

	if (pool) {
		limit = fastipc_quota_page_limit(pool->memlock);
		spin_lock(&pool->lock);
		room = pool->closed || pool->nr >= max ? 0 :
		       min(nr, max - pool->nr);
		if (room && pool->user)
			room = fastipc_quota_try_charge(pool->user, room, limit,
							true);
		for (; i < room; i++)
			list_add(&pages[i]->lru, &pool->pages);
		pool->nr += room;
		spin_unlock(&pool->lock);
		atomic_long_sub(i, &fastipc_counters.pages_held);
		atomic_long_add(i, &fastipc_counters.pages_pooled);
	}
	for (; i < nr; i++)
		list_add(&pages[i]->lru, &rest);
	fastipc_pool_free_list(&rest, &fastipc_counters.pages_held);
}

static unsigned long fastipc_pool_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	long nr = atomic_long_read(&fastipc_counters.pages_pooled);

	return nr > 0 ? nr : SHRINK_EMPTY;
}

/* Free up to sc->nr_to_scan pooled pages, the oldest of each pool. */
static unsigned long fastipc_pool_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	unsigned long freed = 0, n;
	struct fastipc_pool *pool;
	struct page *page;
	LIST_HEAD(doomed);

	spin_lock(&fastipc_pools_lock);
	list_for_each_entry(pool, &fastipc_pools, link) {
		if (freed >= sc->nr_to_scan)
			break;
		n = 0;
		spin_lock(&pool->lock);
		while (freed + n < sc->nr_to_scan &&
		       !list_empty(&pool->pages)) {
			page = list_last_entry(&pool->pages, struct page, lru);
			list_move(&page->lru, &doomed);
			n++;
		}
		pool->nr -= n;
		spin_unlock(&pool->lock);
		fastipc_quota_uncharge_pages(pool->user, n);
		freed += n;
	}
	/* Start with another pool next time. */
	if (!list_empty(&fastipc_pools))
		list_rotate_left(&fastipc_pools);
	spin_unlock(&fastipc_pools_lock);

	fastipc_pool_free_list(&doomed, &fastipc_counters.pages_pooled);
	return freed ? freed : SHRINK_STOP;
}

static struct shrinker *fastipc_pool_shrinker;

int fastipc_pool_register(void)
{
	fastipc_pool_shrinker =
		fastipc_shrinker_create("fastipc-pool", 0, fastipc_pool_count,
					fastipc_pool_scan);
	return fastipc_pool_shrinker ? 0 : -ENOMEM;
}

void fastipc_pool_unregister(void)
{
	fastipc_shrinker_destroy(fastipc_pool_shrinker);
}

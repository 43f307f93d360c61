// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: recycled pages.
 *
 * Zeroing a fresh page costs as much as copying it, so pages of the page
 * path are recycled instead of going back to the page allocator.  A
 * handle has a pool once it is bound, for the process that bound it (the
 * one whose address space holds the window): only calls from that
 * address space take pages from it or fill pages for it, whoever else
 * holds the file.  Every page set remembers its origin: the pool of the
 * process that may have written its bytes (the one that allocated or
 * filled it, or a receiver that mapped it writable).  When a page set is
 * done with it goes back to that pool, and the next allocation there
 * that asked for no zeroing (FASTIPC_BUF_NOZERO, or a plain send, which
 * overwrites every byte) takes it as it is.  So a recycled page only
 * ever holds bytes the process that gets it could already read: its own
 * or what it received.
 *
 * Only pages that nobody else references go back: a page still pinned
 * by get_user_pages() (O_DIRECT, vmsplice) is left to whoever holds it.
 *
 * A pool holds at most pool_max bytes and is emptied when its handle
 * closes.  Pooled pages are counted in pages_pooled, not pages_held.
 * They stay charged: to the memory cgroup of the process that bound the
 * handle (every page a pool ever holds is charged there: pages.c
 * allocates them in that cgroup, and takes back only those), and in
 * fastipc's page quota to the user who bound it, so that each handle
 * cannot keep a user's page ceiling once more.
 *
 * Pools are a cache.  A shrinker that knows memory cgroups frees their
 * oldest pages under memory pressure, a cgroup's own included: each pool
 * that holds pages is on a memcg-aware list_lru, filed under its cgroup
 * (the pool object is allocated there), so reclaim in a cgroup finds the
 * pools charged to it, and only those.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>
#include <linux/list_lru.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "compat.h"
#include "fastipc_internal.h"

struct fastipc_pool {
	struct kref ref;	/* the handle's, plus one per page set */
	/*
	 * Protects pages, nr, closed and whether @lru is on
	 * fastipc_pool_lru: it is while nr > 0 and the pool is open.
	 * Nests outside the list_lru's lock; the shrinker, which holds
	 * that, only trylocks it.
	 */
	spinlock_t lock;
	struct list_head lru;
	struct list_head pages;	/* newest first, through page->lru */
	unsigned long nr;
	bool closed;
	/* Constant: */
	struct mem_cgroup *memcg;	/* the pages' cgroup, referenced */
	struct fastipc_user *user;	/* charged in the page quota */
	unsigned long memlock;		/* the binder's RLIMIT_MEMLOCK */
	bool unlimited;			/* the binder had CAP_IPC_LOCK */
};

static struct kmem_cache *fastipc_pool_cache;
static struct list_lru fastipc_pool_lru;
static struct shrinker *fastipc_pool_shrinker;
/*
 * Set once the list_lru exists: before 6.7 the shrinker runs from its
 * creation on (compat.h), so its callbacks check this first.
 */
static bool fastipc_pool_ready;

/*
 * A pool for the current task, which binds a handle.  Allocated in its
 * memory cgroup, so that list_lru files it there.
 */
struct fastipc_pool *fastipc_pool_new(void)
{
	struct mem_cgroup *memcg, *old;
	struct fastipc_pool *pool;

	memcg = get_mem_cgroup_from_mm(current->mm);
	old = set_active_memcg(memcg);
	pool = kmem_cache_alloc_lru(fastipc_pool_cache, &fastipc_pool_lru,
				    GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	set_active_memcg(old);
	if (!pool)
		goto err;
	pool->user = fastipc_user_get();
	if (!pool->user) {
		kmem_cache_free(fastipc_pool_cache, pool);
		goto err;
	}
	kref_init(&pool->ref);
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->lru);
	INIT_LIST_HEAD(&pool->pages);
	pool->memcg = memcg;
	pool->memlock = rlimit(RLIMIT_MEMLOCK);
	/*
	 * As its allocations would, the pool of a binder with CAP_IPC_LOCK
	 * keeps pages past the ceiling.  Not audited: it is asked once per
	 * bind of anybody, and grants only that.
	 */
	pool->unlimited = ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK);
	return pool;
err:
	mem_cgroup_put(memcg);
	return NULL;
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

	fastipc_user_put(pool->user);
	mem_cgroup_put(pool->memcg);
	kmem_cache_free(fastipc_pool_cache, pool);
}

void fastipc_pool_put(struct fastipc_pool *pool)
{
	if (pool)
		kref_put(&pool->ref, fastipc_pool_release);
}

/* Allocations for @pool are charged to its cgroup: set it active. */
struct mem_cgroup *fastipc_pool_charge_begin(struct fastipc_pool *pool)
{
	return set_active_memcg(pool ? pool->memcg : NULL);
}

void fastipc_pool_charge_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

/* Are pages charged to @charged's cgroup welcome in @pool? */
bool fastipc_pool_same_memcg(const struct fastipc_pool *pool,
			     const struct fastipc_pool *charged)
{
	return pool && charged && pool->memcg == charged->memcg;
}

/* @nr pages left @pool's list; caller holds pool->lock. */
static void fastipc_pool_shrunk(struct fastipc_pool *pool, unsigned long nr)
{
	lockdep_assert_held(&pool->lock);
	pool->nr -= nr;
	if (!pool->nr && !pool->closed)
		fastipc_lru_del_obj(&fastipc_pool_lru, &pool->lru);
}

/* Drop our reference to each page on @list; they were counted in @counter. */
static void fastipc_pool_free_list(struct list_head *list,
				   atomic_long_t *counter)
{
	struct page *page, *tmp;
	unsigned long nr = 0;

	list_for_each_entry_safe(page, tmp, list, lru) {
		list_del(&page->lru);
		put_page(page);
		nr++;
		if (!(nr % 512))
			cond_resched();
	}
	atomic_long_sub(nr, counter);
}

/* The handle closes: free what is pooled, take nothing back from now on. */
void fastipc_pool_close(struct fastipc_pool *pool)
{
	unsigned long nr;
	LIST_HEAD(doomed);

	spin_lock(&pool->lock);
	if (pool->nr)
		fastipc_lru_del_obj(&fastipc_pool_lru, &pool->lru);
	pool->closed = true;
	list_splice_init(&pool->pages, &doomed);
	nr = pool->nr;
	pool->nr = 0;
	spin_unlock(&pool->lock);
	fastipc_pool_free_list(&doomed, &fastipc_counters.pages_pooled);
	fastipc_user_uncharge(pool->user, nr);
	fastipc_pool_put(pool);
}

/*
 * Fill up to @nr slots of @pages from @pool; returns how many it filled.
 * Their quota charge goes with them: the caller charges its user for
 * them, and the pool's user is uncharged here.
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
	if (n)
		fastipc_pool_shrunk(pool, n);
	spin_unlock(&pool->lock);
	fastipc_user_uncharge(pool->user, n);
	atomic_long_sub(n, &fastipc_counters.pages_pooled);
	atomic_long_add(n, &fastipc_counters.pages_held);
	return n;
}

/*
 * Give @nr pages back to @pool, as many as it and its user have room
 * for, if their bytes may be recycled there (@recycle) and nobody else
 * references them; drop our reference to the rest.  Every page must be
 * unmapped everywhere, and uncharged from the user who held it.
 */
void fastipc_pool_give(struct fastipc_pool *pool, bool recycle,
		       struct page **pages, unsigned long nr)
{
	unsigned long max = READ_ONCE(fastipc_pool_max) >> PAGE_SHIFT;
	unsigned long i, kept = 0, room = 0, limit;
	LIST_HEAD(rest);
	LIST_HEAD(keep);

	if (!pool || !recycle) {
		i = 0;
		goto rest;
	}
	/* Pages with other references stay with their holders. */
	for (i = 0; i < nr; i++) {
		if (page_ref_count(pages[i]) == 1) {
			list_add_tail(&pages[i]->lru, &keep);
			kept++;
		} else {
			list_add(&pages[i]->lru, &rest);
		}
	}
	if (kept) {
		limit = pool->unlimited ? ULONG_MAX :
			fastipc_quota_page_limit(pool->memlock);
		spin_lock(&pool->lock);
		if (!pool->closed && pool->nr < max)
			room = fastipc_user_try_charge(pool->user,
						       min(kept, max - pool->nr),
						       limit, true);
		if (room && !pool->nr)
			fastipc_lru_add_obj(&fastipc_pool_lru, &pool->lru);
		for (i = 0; i < room; i++)
			list_move(keep.next, &pool->pages);
		pool->nr += room;
		spin_unlock(&pool->lock);
		atomic_long_sub(room, &fastipc_counters.pages_held);
		atomic_long_add(room, &fastipc_counters.pages_pooled);
	}
	list_splice(&keep, &rest);
	fastipc_pool_free_list(&rest, &fastipc_counters.pages_held);
	return;
rest:
	for (; i < nr; i++)
		list_add(&pages[i]->lru, &rest);
	fastipc_pool_free_list(&rest, &fastipc_counters.pages_held);
}

/* Sums the pooled pages of the pools on one node's list of one cgroup. */
static enum lru_status fastipc_pool_count_one(struct list_head *item,
					      struct list_lru_one *list,
					      FASTIPC_LRU_CB_LOCK_ARG
					      void *arg)
{
	struct fastipc_pool *pool = container_of(item, struct fastipc_pool,
						 lru);
	unsigned long *sum = arg;

	*sum += READ_ONCE(pool->nr);
	return LRU_SKIP;
}

static unsigned long fastipc_pool_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	unsigned long sum = 0, walk = ULONG_MAX;

	/* Pairs with the release in fastipc_pool_register(). */
	if (!smp_load_acquire(&fastipc_pool_ready))
		return SHRINK_EMPTY;
	list_lru_walk_one(&fastipc_pool_lru, sc->nid, sc->memcg,
			  fastipc_pool_count_one, &sum, &walk);
	return sum ? sum : SHRINK_EMPTY;
}

struct fastipc_pool_scan {
	unsigned long want;	/* pages still to free */
	unsigned long freed;
	struct list_head doomed;
};

/*
 * Take up to scan->want of a pool's oldest pages onto scan->doomed; a
 * pool left empty leaves the list.  Runs under the list_lru's lock.
 */
static enum lru_status fastipc_pool_scan_one(struct list_head *item,
					     struct list_lru_one *list,
					     FASTIPC_LRU_CB_LOCK_ARG
					     void *arg)
{
	struct fastipc_pool *pool = container_of(item, struct fastipc_pool,
						 lru);
	struct fastipc_pool_scan *scan = arg;
	struct page *page;
	unsigned long n = 0;
	bool empty;

	if (!scan->want)
		return LRU_SKIP;
	if (!spin_trylock(&pool->lock))
		return LRU_SKIP;
	while (n < scan->want && !list_empty(&pool->pages)) {
		page = list_last_entry(&pool->pages, struct page, lru);
		list_move(&page->lru, &scan->doomed);
		n++;
	}
	pool->nr -= n;
	scan->want -= n;
	scan->freed += n;
	empty = !pool->nr;
	if (empty)
		list_lru_isolate(list, item);
	spin_unlock(&pool->lock);
	fastipc_user_uncharge(pool->user, n);
	return empty ? LRU_REMOVED : LRU_ROTATE;
}

static unsigned long fastipc_pool_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct fastipc_pool_scan scan = {
		.want = sc->nr_to_scan,
		.doomed = LIST_HEAD_INIT(scan.doomed),
	};
	unsigned long walk = ULONG_MAX;

	/* Pairs with the release in fastipc_pool_register(). */
	if (!smp_load_acquire(&fastipc_pool_ready))
		return SHRINK_STOP;
	list_lru_walk_one(&fastipc_pool_lru, sc->nid, sc->memcg,
			  fastipc_pool_scan_one, &scan, &walk);
	fastipc_pool_free_list(&scan.doomed, &fastipc_counters.pages_pooled);
	return scan.freed ? scan.freed : SHRINK_STOP;
}

int fastipc_pool_register(void)
{
	int err = -ENOMEM;

	fastipc_pool_cache = KMEM_CACHE(fastipc_pool, SLAB_ACCOUNT);
	if (!fastipc_pool_cache)
		return -ENOMEM;
	fastipc_pool_shrinker =
		fastipc_shrinker_create("fastipc-pool", SHRINKER_MEMCG_AWARE |
					SHRINKER_NUMA_AWARE, fastipc_pool_count,
					fastipc_pool_scan);
	if (!fastipc_pool_shrinker)
		goto err_cache;
	err = fastipc_lru_init_memcg(&fastipc_pool_lru, fastipc_pool_shrinker);
	if (err)
		goto err_shrinker;
	/* The list_lru is initialised: the callbacks may walk it. */
	smp_store_release(&fastipc_pool_ready, true);
	fastipc_shrinker_start(fastipc_pool_shrinker);
	return 0;

err_shrinker:
	fastipc_shrinker_destroy(fastipc_pool_shrinker);
err_cache:
	kmem_cache_destroy(fastipc_pool_cache);
	return err;
}

void fastipc_pool_unregister(void)
{
	fastipc_shrinker_destroy(fastipc_pool_shrinker);
	list_lru_destroy(&fastipc_pool_lru);
	kmem_cache_destroy(fastipc_pool_cache);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fastipc: the kernel API differences between the kernels the module
 * builds for (Documentation/kernels.md), each behind a helper named for
 * what it does.  No other file tests LINUX_VERSION_CODE.
 *
 * Oldest supported: 6.1 (Debian 12).  Each entry names the release that
 * changed the API.
 */
#ifndef _FASTIPC_COMPAT_H
#define _FASTIPC_COMPAT_H

#include <linux/file.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>

/*
 * 6.3 made vma->vm_flags const: flags change through vm_flags_set() and
 * vm_flags_clear(), which also assert that mmap_lock is held for write
 * (in ->mmap it is).
 */
static inline void fastipc_vma_flags_mod(struct vm_area_struct *vma,
					 vm_flags_t set, vm_flags_t clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * 6.7 replaced register_shrinker() on a caller's struct shrinker with
 * shrinker_alloc(), shrinker_register() and shrinker_free(), the
 * shrinker being the kernel's, freed after an RCU grace period (a
 * shrinker may then run without the global shrinker lock).  Here it is
 * allocated in both cases, so the module has one shape: create it (its
 * id is known from then on, for a memcg-aware list_lru), then start it.
 * Before 6.7 only register_shrinker() assigns the id, so create starts
 * it already: its callbacks must cope with running before start.
 * @flags: SHRINKER_MEMCG_AWARE, SHRINKER_NUMA_AWARE.
 */
static inline struct shrinker *
fastipc_shrinker_create(const char *name, unsigned int flags,
			unsigned long (*count)(struct shrinker *,
					       struct shrink_control *),
			unsigned long (*scan)(struct shrinker *,
					      struct shrink_control *))
{
	struct shrinker *shrinker;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker = shrinker_alloc(flags, "%s", name);
	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
#else
	shrinker = kzalloc(sizeof(*shrinker), GFP_KERNEL);
	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker->flags = flags;
	if (register_shrinker(shrinker, "%s", name)) {
		kfree(shrinker);
		return NULL;
	}
#endif
	return shrinker;
}

static inline void fastipc_shrinker_start(struct shrinker *shrinker)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_register(shrinker);
#endif
}

static inline void fastipc_shrinker_destroy(struct shrinker *shrinker)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(shrinker);
#else
	unregister_shrinker(shrinker);
	kfree(shrinker);
#endif
}

/*
 * A memcg-aware list_lru that @shrinker walks.  Items are slab objects
 * allocated with kmem_cache_alloc_lru() (which makes sure the lru has a
 * list for the object's cgroup): 6.8 renamed the calls that file such an
 * object under its own cgroup and node list_lru_add_obj() and
 * list_lru_del_obj(), list_lru_add() now taking them explicitly.
 */
static inline int fastipc_lru_init_memcg(struct list_lru *lru,
					 struct shrinker *shrinker)
{
	return list_lru_init_memcg(lru, shrinker);
}

static inline bool fastipc_lru_add_obj(struct list_lru *lru,
				       struct list_head *item)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return list_lru_add_obj(lru, item);
#else
	return list_lru_add(lru, item);
#endif
}

static inline bool fastipc_lru_del_obj(struct list_lru *lru,
				       struct list_head *item)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return list_lru_del_obj(lru, item);
#else
	return list_lru_del(lru, item);
#endif
}

/*
 * A list_lru walk callback is fn(item, list, FASTIPC_LRU_CB_LOCK_ARG arg):
 * 6.13 dropped the list's spinlock from its arguments (a callback that
 * drops the lock now returns LRU_RETRY or LRU_STOP).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define FASTIPC_LRU_CB_LOCK_ARG
#else
#define FASTIPC_LRU_CB_LOCK_ARG	spinlock_t *lock __always_unused,
#endif

/*
 * Install @file in the current process (the LSM's file_receive hook
 * asked first) and return its new descriptor: 6.8 folded __receive_fd()
 * into receive_fd(), which took a user pointer to write the number to.
 */
static inline int fastipc_receive_fd(struct file *file, unsigned int o_flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return receive_fd(file, NULL, o_flags);
#else
	return receive_fd(file, o_flags);
#endif
}

#endif /* _FASTIPC_COMPAT_H */

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
 * shrinker may then run without the global shrinker lock).  Before, the
 * caller owned the structure; here it is allocated in both cases, so
 * the module has one shape.  @flags: SHRINKER_MEMCG_AWARE,
 * SHRINKER_NUMA_AWARE.
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
	shrinker_register(shrinker);
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

static inline void fastipc_shrinker_destroy(struct shrinker *shrinker)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(shrinker);
#else
	unregister_shrinker(shrinker);
	kfree(shrinker);
#endif
}

#endif /* _FASTIPC_COMPAT_H */

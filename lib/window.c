// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: the zero-copy window of a handle.
 *
 * A window is mapped once per handle, explicitly or lazily by the first
 * zero-copy call, under the handle's win_lock; readers test win_base
 * without a lock.  Every mapped window is also in a process-wide registry
 * so that a pointer into another handle's window is never taken for a
 * heap buffer (and free()d).
 *
 * A fork child inherits the handles and this bookkeeping but not the
 * windows (the kernel maps them VM_DONTCOPY): each window remembers the
 * fork generation it was mapped in, and a child, whose generation is
 * newer, knows the ranges for its parent's (FIPC_PARENT_WINDOW) and
 * neither touches nor frees them; its zero-copy calls fail with -EPERM,
 * as the kernel's would.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fastipc_chan *registry;
/* Windows in the registry: while none is another handle's, a pointer
 * outside the caller's own window is a heap pointer, no lock needed. */
static _Atomic unsigned int registry_count;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
/* How many forks this process is down from the one that mapped a window. */
static _Atomic unsigned int fork_gen;

/* fork(): in the child, single-threaded: the windows are the parent's. */
static void child_after_fork(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
	pthread_mutex_init(&registry_lock, NULL);
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, child_after_fork);
}

/* Is @ch's window (if any) this process's own, not a parent's? */
static bool window_is_ours(const struct fastipc_chan *ch)
{
	return ch->win_gen == atomic_load_explicit(&fork_gen,
						   memory_order_relaxed);
}

static size_t page_round(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) & ~(page - 1);
}

/* Map a window of @size bytes; the caller holds win_lock. */
static int map_locked(struct fastipc_chan *ch, size_t size, bool rdonly)
{
	int prot = PROT_READ | (rdonly ? 0 : PROT_WRITE);
	void *p;

	p = mmap(NULL, size, prot, MAP_SHARED, ch->fd, 0);
	if (p == MAP_FAILED)
		return -errno;

	pthread_once(&atfork_once, install_atfork);
	pthread_mutex_lock(&registry_lock);
	ch->win_next = registry;
	registry = ch;
	atomic_fetch_add_explicit(&registry_count, 1, memory_order_release);
	pthread_mutex_unlock(&registry_lock);

	ch->win_rdonly = rdonly;
	ch->win_gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	atomic_store_explicit(&ch->win_size, size, memory_order_relaxed);
	atomic_store_explicit(&ch->win_base, (uintptr_t)p,
			      memory_order_release);
	return 0;
}

FASTIPC_EXPORT
int fastipc_window_map(struct fastipc_chan *ch, size_t size,
		       unsigned int flags)
{
	int ret;

	if (!ch || (flags & ~FASTIPC_WINDOW_RDONLY))
		return -EINVAL;
	if (size == 0)
		size = FASTIPC_WINDOW_DEFAULT_SIZE;
	if (size > SIZE_MAX / 2)
		return -EINVAL;
	size = page_round(size);

	pthread_mutex_lock(&ch->win_lock);
	if (!atomic_load_explicit(&ch->win_base, memory_order_relaxed))
		ret = map_locked(ch, size, flags & FASTIPC_WINDOW_RDONLY);
	else if (!window_is_ours(ch))
		ret = -EPERM;
	else
		ret = -EBUSY;
	pthread_mutex_unlock(&ch->win_lock);
	return ret;
}

/*
 * Make sure the handle has a window, for a call that needs @len bytes of
 * it.  The lazy window is FASTIPC_WINDOW_DEFAULT_SIZE; if the module's
 * max_window refuses that (EINVAL) or memory is short (ENOMEM), halve it
 * while it still holds @len.
 */
int fipc_window_need(struct fastipc_chan *ch, size_t len)
{
	size_t size = FASTIPC_WINDOW_DEFAULT_SIZE;
	size_t need;
	int ret = 0;

	/* Every mapped receive asks: answer it before any other work. */
	if (atomic_load_explicit(&ch->win_base, memory_order_acquire))
		return window_is_ours(ch) ? 0 : -EPERM;
	need = page_round(len ? len : 1);

	pthread_mutex_lock(&ch->win_lock);
	if (atomic_load_explicit(&ch->win_base, memory_order_relaxed)) {
		if (!window_is_ours(ch))
			ret = -EPERM;
	} else {
		if (need > size)
			size = need;
		for (;;) {
			/*
			 * A handle that cannot send maps its window read-only:
			 * it can never write a page, so the pages it frees go
			 * back to their sender to be recycled (zerocopy.md).
			 */
			ret = map_locked(ch, size,
					 !(ch->open_flags & FASTIPC_O_SEND));
			if (ret != -EINVAL && ret != -ENOMEM)
				break;
			if (size / 2 < need)
				break;
			size = page_round(size / 2);
		}
	}
	pthread_mutex_unlock(&ch->win_lock);
	return ret;
}

static bool in_window(const struct fastipc_chan *ch, uintptr_t p)
{
	uintptr_t base = atomic_load_explicit(&ch->win_base,
					      memory_order_acquire);
	size_t size = atomic_load_explicit(&ch->win_size,
					   memory_order_relaxed);

	return base && p - base < size;
}

/*
 * Whose is the buffer at @p: this handle's window, another's, a parent
 * process's, the heap?
 */
enum fipc_owner fipc_window_owner(struct fastipc_chan *ch, const void *p)
{
	enum fipc_owner owner = FIPC_HEAP;
	struct fastipc_chan *other;

	if (in_window(ch, (uintptr_t)p))
		return window_is_ours(ch) ? FIPC_OWN_WINDOW :
		       FIPC_PARENT_WINDOW;
	/*
	 * A buffer of another handle's window was handed out after that
	 * window entered the registry (release), so a count that holds at
	 * most this handle's own window means: the heap.
	 */
	if (atomic_load_explicit(&registry_count, memory_order_acquire) <=
	    (atomic_load_explicit(&ch->win_base, memory_order_relaxed) ? 1U : 0U))
		return FIPC_HEAP;

	pthread_mutex_lock(&registry_lock);
	for (other = registry; other; other = other->win_next) {
		if (in_window(other, (uintptr_t)p)) {
			owner = window_is_ours(other) ? FIPC_OTHER_WINDOW :
				FIPC_PARENT_WINDOW;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return owner;
}

/* Unmap the window at close: the kernel frees every buffer in it. */
void fipc_window_unmap(struct fastipc_chan *ch)
{
	uintptr_t base = atomic_load_explicit(&ch->win_base,
					      memory_order_acquire);
	struct fastipc_chan **pp;

	if (!base)
		return;

	pthread_mutex_lock(&registry_lock);
	for (pp = &registry; *pp; pp = &(*pp)->win_next) {
		if (*pp == ch) {
			*pp = ch->win_next;
			atomic_fetch_sub_explicit(&registry_count, 1,
						  memory_order_relaxed);
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);

	/* A parent's range: something else of this process may be there. */
	if (window_is_ours(ch))
		munmap((void *)base, atomic_load_explicit(&ch->win_size,
							  memory_order_relaxed));
	atomic_store_explicit(&ch->win_base, 0, memory_order_relaxed);
}

FASTIPC_EXPORT
int fastipc_window(const struct fastipc_chan *ch, void **basep,
		   size_t *sizep)
{
	uintptr_t base;

	if (!ch)
		return -EINVAL;
	base = atomic_load_explicit(&ch->win_base, memory_order_acquire);
	if (!base)
		return -ENXIO;
	if (!window_is_ours(ch))
		return -EPERM;
	if (basep)
		*basep = (void *)base;
	if (sizep)
		*sizep = atomic_load_explicit(&ch->win_size,
					      memory_order_relaxed);
	return 0;
}

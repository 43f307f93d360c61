// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: the zero-copy window.
 *
 * A handle's window is one MAP_SHARED mapping of its file in the process
 * that bound it.  The module inserts whole page sets into it (buffers): a
 * buffer is either allocated empty for a sender (BUF_ALLOC) or a received
 * message (RECV with FASTIPC_RECV_MAP).  Sending a buffer unmaps its pages
 * and moves them into the queue; freeing one unmaps and frees them.
 *
 * The pages are ordinary kernel pages, inserted with vm_insert_pages() as
 * binder and TCP's zero-copy receive do (VM_MIXEDMAP): refcounted, in the
 * process's RSS (so the OOM killer sees them), and reachable by
 * get_user_pages(), so a received message can be written to a file with
 * O_DIRECT or spliced into a pipe without a copy.  What keeps a sent
 * buffer out of the sender's reach is that the send unmaps it first and
 * then checks that the module holds the only reference to each page; a
 * page someone still holds is copied (fastipc_pages_isolate()).  Entries
 * are removed with unmap_mapping_range() on the handle's own
 * address_space, which finds the window through i_mmap without the mmap
 * lock and flushes the TLB once per call; the mapping's page references
 * are gone when it returns.
 *
 * A window is writable only on a handle that may send (mmap with
 * PROT_WRITE of a receive-only handle fails with EACCES, and mprotect
 * cannot add write access later); its buffers' pages are then writable
 * too, received messages included.
 *
 * The mapping is VM_DONTCOPY: no fork child inherits it.  A process that
 * undoes that with MADV_DOFORK gives its child an empty mapping (the
 * child's copy gets VM_WIPEONFORK in ->open, before fork would copy the
 * entries), where every access faults.  It cannot grow (VM_DONTEXPAND),
 * move (->mremap) or be split (->may_split); core dumps skip it.  Entries
 * the process zaps itself (MADV_DONTNEED) come back on the next access
 * (->fault).
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "fastipc_internal.h"

/* A buffer in the window: @pg mapped at page index @pgoff. */
struct fastipc_wbuf {
	unsigned long pgoff;
	struct fastipc_pages *pg;
	struct list_head doomed;	/* while being freed */
};

void fastipc_window_init(struct fastipc_window *win)
{
	mutex_init(&win->lock);
	xa_init(&win->bufs);
}

/*
 * Free every buffer.  Their page-table entries must already be gone (the
 * mapping's ->close): the pages are freed outside win->lock, yielding
 * between buffers, since a window may hold hundreds of thousands.
 */
static void fastipc_window_clear(struct fastipc_window *win)
{
	struct fastipc_wbuf *wb, *tmp;
	unsigned long idx, *used;
	LIST_HEAD(doomed);

	mutex_lock(&win->lock);
	xa_for_each(&win->bufs, idx, wb) {
		xa_erase(&win->bufs, idx);
		list_add_tail(&wb->doomed, &doomed);
		cond_resched();
	}
	used = win->used;
	win->used = NULL;
	win->start = 0;
	win->nr_pages = 0;
	win->pages_mapped = 0;
	win->gen++;
	mutex_unlock(&win->lock);

	kvfree(used);
	list_for_each_entry_safe(wb, tmp, &doomed, doomed) {
		fastipc_pages_free(wb->pg);
		kfree(wb);
		cond_resched();
	}
}

void fastipc_window_destroy(struct fastipc_window *win)
{
	fastipc_window_clear(win);
	xa_destroy(&win->bufs);
	mutex_destroy(&win->lock);
}

static struct fastipc_handle *fastipc_vma_handle(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

static void fastipc_vm_open(struct vm_area_struct *vma)
{
	struct fastipc_handle *h = fastipc_vma_handle(vma);

	if (!h)
		return;
	if (vma->vm_mm != h->mm) {
		/*
		 * A fork child's copy (the window was MADV_DOFORK'ed): fork
		 * calls ->open before it copies page-table entries, and
		 * copies none for VM_WIPEONFORK.  The copy is not the
		 * window: it stays empty and every access faults.
		 */
		fastipc_vma_flags_mod(vma, VM_WIPEONFORK, 0);
		vma->vm_private_data = NULL;
		return;
	}
	/* Only a move by mremap copies the VMA, and ->mremap undoes it. */
	mutex_lock(&h->win.lock);
	h->win.nr_vmas++;
	mutex_unlock(&h->win.lock);
}

static void fastipc_vm_close(struct vm_area_struct *vma)
{
	struct fastipc_handle *h = fastipc_vma_handle(vma);
	bool last;

	if (!h)
		return;
	/*
	 * munmap and exit have zapped the page tables before ->close (on
	 * every kernel since 6.1; 6.12's munmap rework keeps that order,
	 * and detaches the VMA first).
	 */
	mutex_lock(&h->win.lock);
	last = !--h->win.nr_vmas;
	mutex_unlock(&h->win.lock);
	if (last)
		fastipc_window_clear(&h->win);
}

/* The buffer that covers window page @pgoff, or NULL.  Under win->lock. */
static struct fastipc_wbuf *fastipc_window_find(struct fastipc_window *win,
						unsigned long pgoff)
{
	struct fastipc_wbuf *wb;
	unsigned long idx = pgoff;

	if (!win->start || pgoff >= win->nr_pages)
		return NULL;
	/* Back from @pgoff through used pages to the nearest buffer start. */
	for (;;) {
		if (!test_bit(idx, win->used))
			return NULL;
		wb = xa_load(&win->bufs, idx);
		if (wb)
			return pgoff < wb->pgoff + wb->pg->nr ? wb : NULL;
		if (!idx--)
			return NULL;
	}
}

/*
 * A fault in the window: a buffer's page whose entry the process zapped
 * itself (MADV_DONTNEED, MADV_PAGEOUT...) is mapped again; anywhere else
 * (no buffer, a sent or freed one, a fork child's copy) it is SIGBUS.
 * Faults here always hold mmap_lock: a VMA without ->map_pages is not
 * faulted under the per-VMA lock (6.4 to 6.7 only took anonymous ones,
 * since 6.8 vmf_can_call_fault() retries with mmap_lock), so win->lock
 * nests in it as everywhere, and the page cannot leave the buffer before
 * it is mapped.
 */
static vm_fault_t fastipc_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fastipc_handle *h = fastipc_vma_handle(vma);
	struct fastipc_wbuf *wb;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int err;

	if (!h)
		return VM_FAULT_SIGBUS;
	mutex_lock(&h->win.lock);
	wb = fastipc_window_find(&h->win, vmf->pgoff);
	if (wb) {
		err = vm_insert_page(vma, vmf->address & PAGE_MASK,
				     wb->pg->pages[vmf->pgoff - wb->pgoff]);
		if (!err || err == -EBUSY)
			ret = VM_FAULT_NOPAGE;
		else if (err == -ENOMEM)
			ret = VM_FAULT_OOM;
	}
	mutex_unlock(&h->win.lock);
	return ret;
}

static int fastipc_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int fastipc_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct fastipc_vm_ops = {
	.open = fastipc_vm_open,
	.close = fastipc_vm_close,
	.fault = fastipc_vm_fault,
	.may_split = fastipc_vm_may_split,
	.mremap = fastipc_vm_mremap,
};

int fastipc_window_mmap(struct fastipc_handle *h, struct vm_area_struct *vma)
{
	struct fastipc_window *win = &h->win;
	unsigned long nr = vma_pages(vma);
	bool writable = vma->vm_flags & VM_WRITE;
	int err = 0;

	if (current->mm != h->mm)
		return -EPERM;
	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* Received messages are read-only where the handle cannot send. */
	if (writable && !(h->access & FASTIPC_O_SEND))
		return -EACCES;
	if (nr > READ_ONCE(fastipc_max_window) >> PAGE_SHIFT)
		return -EINVAL;

	mutex_lock(&win->lock);
	if (win->start) {
		err = -EBUSY;
		goto out;
	}
	win->used = kvcalloc(BITS_TO_LONGS(nr), sizeof(long),
			     GFP_KERNEL_ACCOUNT);
	if (!win->used) {
		err = -ENOMEM;
		goto out;
	}
	win->start = vma->vm_start;
	win->nr_pages = nr;
	win->writable = writable;
	win->nr_vmas = 1;

	fastipc_vma_flags_mod(vma, VM_MIXEDMAP | VM_DONTCOPY | VM_DONTEXPAND |
			      VM_DONTDUMP,
			      VM_MAYEXEC | (writable ? 0 : VM_MAYWRITE));
	vma->vm_ops = &fastipc_vm_ops;
	vma->vm_private_data = h;
out:
	mutex_unlock(&win->lock);
	return err;
}

/*
 * The window's VMA; caller holds mmap_lock and win->lock.  NULL while a
 * munmap that has already detached it (and downgraded mmap_lock) has not
 * yet reached ->close.
 */
static struct vm_area_struct *fastipc_window_vma(struct fastipc_handle *h)
{
	struct vm_area_struct *vma = vma_lookup(h->mm, h->win.start);

	if (!vma || vma->vm_ops != &fastipc_vm_ops ||
	    vma->vm_private_data != h)
		return NULL;
	return vma;
}

static void fastipc_window_unmap(struct fastipc_handle *h,
				 unsigned long pgoff, unsigned long nr)
{
	unmap_mapping_range(&h->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}

static int fastipc_window_lock(struct fastipc_handle *h)
{
	if (current->mm != h->mm)
		return -EPERM;
	if (mmap_read_lock_killable(h->mm))
		return -EINTR;
	mutex_lock(&h->win.lock);
	return 0;
}

static void fastipc_window_unlock(struct fastipc_handle *h)
{
	mutex_unlock(&h->win.lock);
	mmap_read_unlock(h->mm);
}

/* Find and mark a free range of @nr pages.  Caller holds win->lock. */
static int fastipc_window_claim(struct fastipc_window *win, unsigned long nr,
				unsigned long *pgoff)
{
	unsigned long off;

	if (!win->start)
		return -ENXIO;
	off = bitmap_find_next_zero_area(win->used, win->nr_pages, 0, nr, 0);
	if (off >= win->nr_pages)
		return -ENOSPC;
	bitmap_set(win->used, off, nr);
	*pgoff = off;
	return 0;
}

/*
 * Map @pg at @pgoff, a range claimed for it, and record it as a buffer.
 * Caller holds mmap_read_lock(h->mm) and win->lock.  On error nothing is
 * mapped any more, and the range is still claimed; *@exposed says whether
 * some page was mapped meanwhile (writable if the window is).
 */
static int fastipc_window_insert(struct fastipc_handle *h,
				 struct fastipc_pages *pg, unsigned long pgoff,
				 bool *exposed)
{
	struct fastipc_window *win = &h->win;
	struct vm_area_struct *vma;
	struct fastipc_wbuf *wb;
	unsigned long left = pg->nr;
	int err;

	*exposed = false;
	vma = fastipc_window_vma(h);
	if (!vma)
		return -ENXIO;
	wb = kmalloc(sizeof(*wb), GFP_KERNEL_ACCOUNT);
	if (!wb)
		return -ENOMEM;
	wb->pgoff = pgoff;
	wb->pg = pg;
	err = xa_insert(&win->bufs, pgoff, wb, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_free;
	err = vm_insert_pages(vma, win->start + (pgoff << PAGE_SHIFT),
			      pg->pages, &left);
	if (err)
		goto err_erase;
	win->pages_mapped += pg->nr;
	/* Writable here: this process may write them, so they recycle here. */
	if (win->writable)
		fastipc_pages_set_origin(pg, h->pool);
	return 0;

err_erase:
	/* The pages inserted so far were writable if the window is. */
	if (left < pg->nr) {
		*exposed = true;
		fastipc_window_unmap(h, pgoff, pg->nr - left);
		if (win->writable)
			fastipc_pages_set_origin(pg, h->pool);
	}
	xa_erase(&win->bufs, pgoff);
err_free:
	kfree(wb);
	return err;
}

int fastipc_window_alloc(struct fastipc_handle *h, size_t len,
			 enum fastipc_fill fill, u64 *addr, u64 *mapped)
{
	struct fastipc_pages *pg;
	unsigned long pgoff;
	bool exposed;
	int err;

	/* Allocate and zero before taking mmap_lock: it may take a while. */
	pg = fastipc_pages_alloc(DIV_ROUND_UP(len, PAGE_SIZE), fill,
				 fastipc_handle_pool(h));
	if (!pg)
		return fatal_signal_pending(current) ? -EINTR : -ENOMEM;
	/* Once inserted and unlocked, a munmap may free @pg: size it now. */
	*mapped = (u64)pg->nr << PAGE_SHIFT;
	err = fastipc_window_lock(h);
	if (err)
		goto err_free;
	if (h->win.start && !h->win.writable)
		err = -EACCES;
	else
		err = fastipc_window_claim(&h->win, pg->nr, &pgoff);
	if (!err) {
		err = fastipc_window_insert(h, pg, pgoff, &exposed);
		if (err)
			bitmap_clear(h->win.used, pgoff, pg->nr);
		else
			*addr = h->win.start + (pgoff << PAGE_SHIFT);
	}
	fastipc_window_unlock(h);
	if (err)
		goto err_free;
	return 0;

err_free:
	fastipc_pages_free(pg);
	return err;
}

/* apply_to_page_range() callback that only makes the page tables exist. */
static int fastipc_pte_noop(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

/*
 * A received message of @nr pages is to be mapped: claim a range for it
 * and make its page tables exist, so that fastipc_window_place() does
 * not fail for want of them after the receiver was told the address.
 * Nothing is mapped yet: on error, or if the receive goes no further,
 * the message can go back to its queue (fastipc_window_unclaim()).
 */
int fastipc_window_claim_for(struct fastipc_handle *h, unsigned long nr,
			     bool rdonly, struct fastipc_claim *claim)
{
	unsigned long pgoff;
	int err;

	err = fastipc_window_lock(h);
	if (err)
		return err;
	/* @rdonly: pages others map too; the claim's gen keeps the window. */
	if (rdonly && h->win.start && h->win.writable)
		err = -EACCES;
	else
		err = fastipc_window_claim(&h->win, nr, &pgoff);
	if (err)
		goto out;
	claim->pgoff = pgoff;
	claim->nr = nr;
	claim->gen = h->win.gen;
	claim->addr = h->win.start + (pgoff << PAGE_SHIFT);
	if (!fastipc_window_vma(h))
		err = -ENXIO;
	else
		err = apply_to_page_range(h->mm, claim->addr,
					  nr << PAGE_SHIFT, fastipc_pte_noop,
					  NULL);
	if (err)
		bitmap_clear(h->win.used, pgoff, nr);
out:
	fastipc_window_unlock(h);
	return err;
}

/* Give back a range claimed for a message that is not mapped after all. */
void fastipc_window_unclaim(struct fastipc_handle *h,
			    const struct fastipc_claim *claim)
{
	mutex_lock(&h->win.lock);
	if (h->win.gen == claim->gen)
		bitmap_clear(h->win.used, claim->pgoff, claim->nr);
	mutex_unlock(&h->win.lock);
}

/*
 * Map @pg in the range claimed for it; on success the window owns it.
 * It fails when the receiving process undid its own window meanwhile
 * (munmap, mmap over it, or dropped the page tables made for it) or
 * memory runs out.  *@exposed: some page was mapped before it failed,
 * so the message must never go back to a queue (another thread of the
 * receiver may have written it); else nothing ever mapped it, and it may.
 */
int fastipc_window_place(struct fastipc_handle *h, struct fastipc_pages *pg,
			 const struct fastipc_claim *claim, bool *exposed)
{
	int err;

	*exposed = false;
	err = fastipc_window_lock(h);
	if (err)
		return err;
	if (h->win.gen != claim->gen) {
		err = -ENXIO;
	} else {
		err = fastipc_window_insert(h, pg, claim->pgoff, exposed);
		if (err)
			bitmap_clear(h->win.used, claim->pgoff, claim->nr);
	}
	fastipc_window_unlock(h);
	return err;
}

/*
 * Find the buffer starting at @addr and take it out of the window: its
 * pages are unmapped and the range becomes free.  Caller holds win->lock.
 */
static struct fastipc_wbuf *fastipc_window_remove(struct fastipc_handle *h,
						  u64 addr)
{
	struct fastipc_window *win = &h->win;
	struct fastipc_wbuf *wb;
	unsigned long pgoff;

	if (addr < win->start || offset_in_page(addr))
		return ERR_PTR(-EINVAL);
	pgoff = (addr - win->start) >> PAGE_SHIFT;
	if (pgoff >= win->nr_pages)
		return ERR_PTR(-EINVAL);
	wb = xa_load(&win->bufs, pgoff);
	if (!wb)
		return ERR_PTR(-EINVAL);

	fastipc_window_unmap(h, pgoff, wb->pg->nr);
	xa_erase(&win->bufs, pgoff);
	bitmap_clear(win->used, pgoff, wb->pg->nr);
	win->pages_mapped -= wb->pg->nr;
	return wb;
}

int fastipc_window_free(struct fastipc_handle *h, u64 addr)
{
	struct fastipc_wbuf *wb;

	if (current->mm != h->mm)
		return -EPERM;
	mutex_lock(&h->win.lock);
	if (!h->win.start) {
		mutex_unlock(&h->win.lock);
		return -ENXIO;
	}
	wb = fastipc_window_remove(h, addr);
	mutex_unlock(&h->win.lock);
	if (IS_ERR(wb))
		return PTR_ERR(wb);
	fastipc_pages_free(wb->pg);
	kfree(wb);
	return 0;
}

/*
 * Move the buffer at @addr out of the window for sending @len bytes of it.
 * After this the sender has no mapping of its pages, and nobody else a
 * reference to them: pages still referenced elsewhere were copied, and
 * *@copied says how many.
 */
struct fastipc_pages *fastipc_window_take(struct fastipc_handle *h, u64 addr,
					  size_t len, unsigned long *copied)
{
	struct fastipc_window *win = &h->win;
	struct fastipc_pages *pg;
	struct fastipc_wbuf *wb;
	unsigned long pgoff;
	long n;

	if (current->mm != h->mm)
		return ERR_PTR(-EPERM);
	mutex_lock(&win->lock);
	if (!win->start) {
		mutex_unlock(&win->lock);
		return ERR_PTR(-ENXIO);
	}
	/* Check the length before anything is unmapped. */
	pgoff = (addr - win->start) >> PAGE_SHIFT;
	wb = addr >= win->start && !offset_in_page(addr) &&
	     pgoff < win->nr_pages ? xa_load(&win->bufs, pgoff) : NULL;
	if (!wb || !len || len > (u64)wb->pg->nr << PAGE_SHIFT) {
		mutex_unlock(&win->lock);
		return ERR_PTR(-EINVAL);
	}
	/* A topic's message that others read too cannot move. */
	if (fastipc_pages_shared(wb->pg)) {
		mutex_unlock(&win->lock);
		return ERR_PTR(-EACCES);
	}
	wb = fastipc_window_remove(h, addr);
	mutex_unlock(&win->lock);
	if (IS_ERR(wb))
		return ERR_CAST(wb);

	pg = wb->pg;
	kfree(wb);
	fastipc_pages_trim(pg, len);
	n = fastipc_pages_isolate(pg);
	if (n < 0) {
		fastipc_pages_free(pg);
		return ERR_PTR(n);
	}
	*copied = n;
	return pg;
}

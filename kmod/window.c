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
 * The window is VM_PFNMAP and its entries are special PTEs, written in one
 * apply_to_page_range() walk per buffer (one page-table lock per PMD) under
 * mmap_read_lock.  Special entries are what make the move safe: neither
 * get_user_pages() nor its lockless fast path will take a reference to
 * such a page, so no pipe (vmsplice), O_DIRECT read, io_uring buffer or
 * other process (process_vm_readv, ptrace) can keep reaching a page after
 * it left the window.  Our own page reference is the only one.  Entries
 * are removed with unmap_mapping_range() on the handle's own
 * address_space, which finds the window through i_mmap without the mmap
 * lock and flushes the TLB once per call.
 *
 * The mapping is also VM_IO | VM_DONTCOPY: no fork child inherits it, and
 * MADV_DOFORK cannot undo that for VM_IO; core dumps skip it.  It cannot
 * grow (VM_DONTEXPAND), move (->mremap) or be split (->may_split).
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
};

void fastipc_window_init(struct fastipc_window *win)
{
	mutex_init(&win->lock);
	xa_init(&win->bufs);
}

/* Free every buffer.  Their page-table entries must already be gone. */
static void fastipc_window_clear(struct fastipc_window *win)
{
	struct fastipc_wbuf *wb;
	unsigned long idx;

	xa_for_each(&win->bufs, idx, wb) {
		xa_erase(&win->bufs, idx);
		fastipc_pages_free(wb->pg);
		kfree(wb);
	}
	kvfree(win->used);
	win->used = NULL;
	win->start = 0;
	win->nr_pages = 0;
	win->pages_mapped = 0;
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
	struct fastipc_window *win = &fastipc_vma_handle(vma)->win;

	/* Only a move by mremap copies the VMA, and ->mremap undoes it. */
	mutex_lock(&win->lock);
	win->nr_vmas++;
	mutex_unlock(&win->lock);
}

static void fastipc_vm_close(struct vm_area_struct *vma)
{
	struct fastipc_window *win = &fastipc_vma_handle(vma)->win;

	/* munmap and exit have zapped the page tables before ->close. */
	mutex_lock(&win->lock);
	if (!--win->nr_vmas)
		fastipc_window_clear(win);
	mutex_unlock(&win->lock);
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
	.may_split = fastipc_vm_may_split,
	.mremap = fastipc_vm_mremap,
};

int fastipc_window_mmap(struct fastipc_handle *h, struct vm_area_struct *vma)
{
	struct fastipc_window *win = &h->win;
	unsigned long nr = vma_pages(vma);
	int err = 0;

	if (current->mm != h->mm)
		return -EPERM;
	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
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
	win->writable = vma->vm_flags & VM_WRITE;
	win->nr_vmas = 1;

	fastipc_vma_flags_mod(vma, VM_PFNMAP | VM_IO | VM_DONTCOPY |
			      VM_DONTEXPAND | VM_DONTDUMP,
			      VM_MAYEXEC | (win->writable ? 0 : VM_MAYWRITE));
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

struct fastipc_pte_fill {
	struct mm_struct *mm;
	struct page **pages;
	pgprot_t prot;
	unsigned long done;
};

/* apply_to_page_range() callback: one special entry per page. */
static int fastipc_fill_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct fastipc_pte_fill *fill = data;
	struct page *page = fill->pages[fill->done];

	/* The bitmap said this range was free: it must hold nothing. */
	if (WARN_ON_ONCE(!pte_none(ptep_get(pte))))
		return -EBUSY;
	set_pte_at(fill->mm, addr, pte,
		   pte_mkspecial(mk_pte(page, fill->prot)));
	fill->done++;
	return 0;
}

/*
 * Insert @pg into a free range of the window and record it as a buffer.
 * Caller holds mmap_read_lock(h->mm) and win->lock.
 */
static int fastipc_window_insert(struct fastipc_handle *h,
				 struct fastipc_pages *pg, u64 *addr)
{
	struct fastipc_window *win = &h->win;
	struct fastipc_pte_fill fill;
	struct vm_area_struct *vma;
	struct fastipc_wbuf *wb;
	unsigned long pgoff, start;
	int err;

	if (!win->start)
		return -ENXIO;
	vma = fastipc_window_vma(h);
	if (!vma)
		return -ENXIO;
	pgoff = bitmap_find_next_zero_area(win->used, win->nr_pages, 0,
					   pg->nr, 0);
	if (pgoff >= win->nr_pages)
		return -ENOSPC;

	wb = kmalloc(sizeof(*wb), GFP_KERNEL_ACCOUNT);
	if (!wb)
		return -ENOMEM;
	wb->pgoff = pgoff;
	wb->pg = pg;
	err = xa_insert(&win->bufs, pgoff, wb, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_free;

	start = win->start + (pgoff << PAGE_SHIFT);
	fill.mm = h->mm;
	fill.pages = pg->pages;
	fill.prot = vma->vm_page_prot;
	fill.done = 0;
	err = apply_to_page_range(h->mm, start, pg->nr << PAGE_SHIFT,
				  fastipc_fill_pte, &fill);
	if (err)
		goto err_unmap;

	bitmap_set(win->used, pgoff, pg->nr);
	win->pages_mapped += pg->nr;
	/* Writable here: this process may write them, so they recycle here. */
	if (win->writable)
		fastipc_pages_set_origin(pg, h->pool);
	*addr = start;
	return 0;

err_unmap:
	if (fill.done)
		fastipc_window_unmap(h, pgoff, fill.done);
	xa_erase(&win->bufs, pgoff);
err_free:
	kfree(wb);
	return err;
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

int fastipc_window_alloc(struct fastipc_handle *h, size_t len,
			 enum fastipc_fill fill, u64 *addr, u64 *mapped)
{
	struct fastipc_pages *pg;
	int err;

	/* Allocate and zero before taking mmap_lock: it may take a while. */
	pg = fastipc_pages_alloc(DIV_ROUND_UP(len, PAGE_SIZE), fill, h->pool);
	if (!pg)
		return -ENOMEM;
	/* Once inserted and unlocked, a munmap may free @pg: size it now. */
	*mapped = (u64)pg->nr << PAGE_SHIFT;
	err = fastipc_window_lock(h);
	if (err)
		goto err_free;
	if (!h->win.start)
		err = -ENXIO;
	else if (!h->win.writable)
		err = -EACCES;
	else
		err = fastipc_window_insert(h, pg, addr);
	fastipc_window_unlock(h);
	if (err)
		goto err_free;
	return 0;

err_free:
	fastipc_pages_free(pg);
	return err;
}

/* Map a received message's pages; on success the window owns @pg. */
int fastipc_window_map(struct fastipc_handle *h, struct fastipc_pages *pg,
		       size_t len, u64 *addr)
{
	int err;

	err = fastipc_window_lock(h);
	if (err)
		return err;
	err = fastipc_window_insert(h, pg, addr);
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
 * After this the sender has no mapping of its pages.
 */
struct fastipc_pages *fastipc_window_take(struct fastipc_handle *h, u64 addr,
					  size_t len)
{
	struct fastipc_window *win = &h->win;
	struct fastipc_pages *pg;
	struct fastipc_wbuf *wb;
	unsigned long pgoff;

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
	wb = fastipc_window_remove(h, addr);
	mutex_unlock(&win->lock);
	if (IS_ERR(wb))
		return ERR_CAST(wb);

	pg = wb->pg;
	kfree(wb);
	fastipc_pages_trim(pg, len);
	return pg;
}

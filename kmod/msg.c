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
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fastipc_internal.h"

#define FASTIPC_GFP_PAGE	(GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_NOWARN)

/*
 * Allocate @nr order-0 pages.  With @zero every byte is zero; without it
 * the caller must overwrite or zero every byte before anyone maps them.
 */
struct fastipc_pages *fastipc_pages_alloc(unsigned long nr, bool zero)
{
	struct fastipc_pages *pg;
	gfp_t gfp = FASTIPC_GFP_PAGE | (zero ? __GFP_ZERO : 0);
	struct user_struct *user;
	unsigned long i;

	user = fastipc_quota_charge_pages(nr);
	if (IS_ERR(user))
		return NULL;
	pg = kvmalloc(struct_size(pg, pages, nr), GFP_KERNEL_ACCOUNT);
	if (!pg)
		goto err_uncharge;
	for (i = 0; i < nr; i++) {
		pg->pages[i] = alloc_page(gfp);
		if (!pg->pages[i])
			goto err_free;
		if (fatal_signal_pending(current)) {
			i++;
			goto err_free;
		}
		cond_resched();
	}
	pg->nr = nr;
	pg->user = user;
	atomic_long_add(nr, &fastipc_counters.pages_held);
	return pg;

err_free:
	while (i--)
		put_page(pg->pages[i]);
	kvfree(pg);
err_uncharge:
	fastipc_quota_uncharge_pages(user, nr);
	fastipc_quota_put_user(user);
	return NULL;
}

void fastipc_pages_free(struct fastipc_pages *pg)
{
	unsigned long i;

	if (!pg)
		return;
	for (i = 0; i < pg->nr; i++)
		put_page(pg->pages[i]);
	atomic_long_sub(pg->nr, &fastipc_counters.pages_held);
	fastipc_quota_uncharge_pages(pg->user, pg->nr);
	fastipc_quota_put_user(pg->user);
	kvfree(pg);
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

	while (pg->nr > keep) {
		put_page(pg->pages[--pg->nr]);
		atomic_long_dec(&fastipc_counters.pages_held);
		fastipc_quota_uncharge_pages(pg->user, 1);
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
		cond_resched();
	}
	return 0;
}

struct fastipc_msg *fastipc_msg_alloc_inline(size_t len)
{
	struct fastipc_msg *msg;

	msg = kvmalloc(struct_size(msg, data, len), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	msg->len = len;
	msg->pages = NULL;
	return msg;
}

/* A message that will carry @pg (may be NULL: attached later). */
struct fastipc_msg *fastipc_msg_alloc_pages(struct fastipc_pages *pg)
{
	struct fastipc_msg *msg;

	msg = kmalloc(sizeof(*msg), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	msg->len = 0;
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

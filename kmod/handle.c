// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: the file operations of /dev/fastipc and the ioctl handlers.
 *
 * Each open file is a handle.  FASTIPC_IOC_OPEN binds it, once, to a
 * channel with the access the opener was granted; every later operation
 * is checked against that access, not against the caller's credentials
 * of the moment (like a file descriptor).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <net/net_namespace.h>

#include "fastipc_internal.h"

static struct fastipc_channel *fastipc_handle_chan(struct fastipc_handle *h)
{
	/* Pairs with smp_store_release() in fastipc_ioc_open(). */
	return smp_load_acquire(&h->chan);
}

/*
 * The handle's address_space only tracks the window's VMA for
 * unmap_mapping_range(); it has no page cache and no operations.
 */
static const struct address_space_operations fastipc_aops = {};

static int fastipc_open(struct inode *inode, struct file *file)
{
	struct fastipc_handle *h;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	mutex_init(&h->bind_lock);
	address_space_init_once(&h->mapping);
	h->mapping.a_ops = &fastipc_aops;
	/* The VFS reads f_mapping->host (readahead state) after ->open. */
	h->mapping.host = inode;
	fastipc_window_init(&h->win);
	fastipc_held_init(&h->held);
	/* mmap links the window into this mapping's i_mmap tree. */
	file->f_mapping = &h->mapping;
	file->private_data = h;
	/* read(2) and write(2) move whole messages: there is no position. */
	return stream_open(inode, file);
}

static int fastipc_release(struct inode *inode, struct file *file)
{
	struct fastipc_handle *h = file->private_data;
	struct fastipc_channel *ch = h->chan;

	/* Callers waiting for replies from this handle learn now. */
	fastipc_held_destroy(&h->held);
	/* Buffers still in the window go to the pool, which goes last. */
	fastipc_window_destroy(&h->win);
	if (ch) {
		if (h->sub)
			fastipc_topic_unsubscribe(ch, h->sub);
		fastipc_chan_handle_gone(ch, h->access);
		fastipc_pool_close(h->pool);
		atomic_dec(&ch->nr_handles);
		atomic_long_dec(&fastipc_counters.handles);
		fastipc_chan_put(ch);
		mmdrop(h->mm);
	}
	mutex_destroy(&h->bind_lock);
	kfree(h);
	return 0;
}

/*
 * Arguments are a few 8-byte words, and SEND and RECV move one or two per
 * message: copy them word by word.  copy_{from,to}_user() would start a
 * "rep movsb" for 64 bytes and more on ERMS CPUs, whose start-up costs
 * more than the handful of moves (and under emulation, much more).
 */
static int fastipc_words_in(u64 *dst, const u64 __user *src, size_t nr)
{
	size_t i;

	if (!user_access_begin(src, nr * sizeof(u64)))
		return -EFAULT;
	for (i = 0; i < nr; i++)
		unsafe_get_user(dst[i], &src[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static int fastipc_words_out(u64 __user *dst, const u64 *src, size_t nr)
{
	size_t i;

	if (!user_access_begin(dst, nr * sizeof(u64)))
		return -EFAULT;
	for (i = 0; i < nr; i++)
		unsafe_put_user(src[i], &dst[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Read the ioctl argument.  The size in @cmd is the caller's structure
 * size: shorter than the first version is refused, longer is accepted if
 * the bytes this module does not know are zero.
 */
static int fastipc_arg_in(void *karg, size_t ksize, size_t ver0,
			  unsigned int cmd, unsigned long arg)
{
	size_t usize = _IOC_SIZE(cmd);

	if (usize < ver0)
		return -EINVAL;
	/* Every uapi structure is a whole number of words, aligned. */
	if (usize == ksize && IS_ALIGNED(ksize, sizeof(u64)))
		return fastipc_words_in(karg, (const u64 __user *)arg,
					ksize / sizeof(u64));
	return copy_struct_from_user(karg, ksize, (void __user *)arg, usize);
}

/*
 * Write the result @karg back to the caller's structure at @arg of
 * @usize bytes (at most @ksize are written: a longer one keeps the rest).
 */
static int fastipc_out_at(unsigned long arg, const void *karg, size_t ksize,
			  size_t usize)
{
	usize = min(usize, ksize);
	if (IS_ALIGNED(usize, sizeof(u64)))
		return fastipc_words_out((u64 __user *)arg, karg,
					 usize / sizeof(u64));
	return copy_to_user((void __user *)arg, karg, usize) ? -EFAULT : 0;
}

static int fastipc_arg_out(unsigned long arg, const void *karg, size_t ksize,
			   unsigned int cmd)
{
	return fastipc_out_at(arg, karg, ksize, _IOC_SIZE(cmd));
}

static int fastipc_ioc_open(struct fastipc_handle *h, unsigned int cmd,
			    unsigned long arg)
{
	struct fastipc_ns *ns = fastipc_ns_current();
	struct fastipc_channel *ch;
	struct fastipc_pool *pool;
	struct fastipc_open op;
	bool created;
	u32 access;
	int err;

	err = fastipc_arg_in(&op, sizeof(op), FASTIPC_OPEN_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	access = op.flags & FASTIPC_O_RDWR;
	if ((op.flags & ~FASTIPC_O_ALL) || !access ||
	    ((op.flags & FASTIPC_O_EXCL) && !(op.flags & FASTIPC_O_CREAT)) ||
	    ((op.flags & FASTIPC_O_CREAT) && (op.mode & ~0777)) ||
	    memchr_inv(op.__reserved, 0, sizeof(op.__reserved)))
		return -EINVAL;
	/* mmap of the window and zero-copy calls are tied to this mm. */
	if (!current->mm)
		return -EINVAL;

	mutex_lock(&h->bind_lock);
	if (h->chan) {
		err = -EBUSY;
		goto out;
	}
	/*
	 * The result must be writable before anything is created: a create
	 * that others may already use is not undone for a fault.
	 */
	err = fastipc_arg_out(arg, &op, sizeof(op), cmd);
	if (err)
		goto out;
	pool = fastipc_pool_new();
	if (!pool) {
		err = -ENOMEM;
		goto out;
	}
	ch = fastipc_chan_open(ns, &op, &op.attr, &created);
	if (IS_ERR(ch)) {
		err = PTR_ERR(ch);
		goto err_pool;
	}
	op.id = ch->id;
	op.topic_flags = ch->topic_flags;
	op.history = ch->history;
	err = fastipc_arg_out(arg, &op, sizeof(op), cmd);
	if (err)
		goto err_put;
	/* Every receiving handle of a topic is a subscriber. */
	if (ch->topic && (access & FASTIPC_O_RECV)) {
		h->sub = fastipc_topic_subscribe(ch);
		if (!h->sub) {
			err = -ENOMEM;
			goto err_put;
		}
	}
	h->pool = pool;
	h->access = access;
	h->read_plain = op.flags & FASTIPC_O_READ_PLAIN;
	h->hup = op.flags & FASTIPC_O_HUP;
	if (access & FASTIPC_O_RECV)
		fastipc_poll_set_default(&h->busy_poll);
	fastipc_poll_set_default(&h->call_poll);
	mmgrab(current->mm);
	h->mm = current->mm;
	fastipc_chan_handle_add(ch, access);
	atomic_inc(&ch->nr_handles);
	atomic_long_inc(&fastipc_counters.handles);
	/* Publish the channel after the fields that go with it. */
	smp_store_release(&h->chan, ch);
	mutex_unlock(&h->bind_lock);
	return 0;

err_put:
	/*
	 * The caller never learnt of the channel (another thread unmapped
	 * the result meanwhile): a create that fails must not leave it
	 * behind, or a retry with O_EXCL gets EEXIST; but one that others
	 * have opened already is theirs too, and stays.
	 */
	if (created)
		fastipc_chan_delete_unused(ns, ch);
	fastipc_chan_put(ch);
err_pool:
	fastipc_pool_close(pool);
out:
	mutex_unlock(&h->bind_lock);
	return err;
}

static int fastipc_ioc_unlink(unsigned int cmd, unsigned long arg)
{
	struct fastipc_unlink ul;
	int err;

	err = fastipc_arg_in(&ul, sizeof(ul), FASTIPC_UNLINK_SIZE_VER0, cmd,
			     arg);
	if (err)
		return err;
	if (memchr_inv(ul.__reserved, 0, sizeof(ul.__reserved)))
		return -EINVAL;
	return fastipc_chan_unlink(fastipc_ns_current(), ul.name);
}

/*
 * A request (call.c) and the descriptors the sender passes travel with
 * its message from here on; the message owns @files once it is sent.
 */
static void fastipc_msg_attach(struct fastipc_msg *msg,
			       struct fastipc_req *req,
			       struct fastipc_files *files)
{
	msg->req = req ? fastipc_req_get(req) : NULL;
	msg->files = files;
}

/* ... unless the message was not sent after all: @files is the caller's. */
static void fastipc_msg_detach(struct fastipc_msg *msg)
{
	fastipc_req_put(msg->req);
	msg->req = NULL;
	msg->files = NULL;
}

/* Move a window buffer into the queue: no byte is copied. */
static int fastipc_send_buf(struct fastipc_handle *h,
			    struct fastipc_channel *ch,
			    const struct fastipc_send *sd, unsigned int how,
			    struct fastipc_req *req, struct fastipc_files *files)
{
	unsigned long copied = 0;
	struct fastipc_pages *pg;
	struct fastipc_msg *msg;
	int err;

	msg = fastipc_msg_alloc_pages(NULL);
	if (!msg)
		return -ENOMEM;
	err = fastipc_chan_reserve(ch, sd->len, how, sd->timeout_ns);
	if (err)
		goto err_free;
	pg = fastipc_window_take(h, sd->buf, sd->len, &copied);
	if (IS_ERR(pg)) {
		err = PTR_ERR(pg);
		goto err_unreserve;
	}
	msg->pages = pg;
	msg->len = sd->len;
	msg->prio = sd->prio;
	fastipc_msg_attach(msg, req, files);
	fastipc_msg_stamp(msg);
	/* Pages that others still held were copied (pages.c). */
	fastipc_chan_commit(ch, msg, min_t(size_t, copied << PAGE_SHIFT,
					   sd->len));
	return 0;

err_unreserve:
	fastipc_chan_unreserve(ch, sd->len);
err_free:
	fastipc_msg_free(msg);
	return err;
}

/*
 * Messages up to this size are copied in before room is reserved for
 * them, so that a channel with room is locked once per message.  A
 * sender that then waits for room holds its message meanwhile: one page
 * at most, less than the sleeping task's own stack, so the waiters limit
 * bounds it.  Larger messages reserve first and never hold memory the
 * channel has not counted.
 */
#define FASTIPC_COPY_FIRST_MAX	PAGE_SIZE

/* Copy a message in from user memory, inline, and queue it. */
static int fastipc_send_inline(struct fastipc_channel *ch,
			       const struct fastipc_send *sd, unsigned int how,
			       struct fastipc_req *req,
			       struct fastipc_files *files)
{
	const void __user *src = u64_to_user_ptr(sd->buf);
	bool reserve_first = sd->len > FASTIPC_COPY_FIRST_MAX;
	struct fastipc_msg *msg;
	int err;

	if (reserve_first) {
		err = fastipc_chan_reserve(ch, sd->len, how,
					   sd->timeout_ns);
		if (err)
			return err;
	} else if (sd->len > READ_ONCE(ch->attr.max_msg_size) ||
		   sd->len > READ_ONCE(ch->attr.max_bytes)) {
		/* Rechecked under the lock; this spares a useless copy. */
		return -EMSGSIZE;
	}

	err = -ENOMEM;
	msg = fastipc_msg_alloc_inline(ch, sd->len);
	if (!msg)
		goto err_unreserve;
	err = fastipc_copy_in(msg->data, src, sd->len);
	if (err)
		goto err_free;
	msg->prio = sd->prio;
	fastipc_msg_attach(msg, req, files);
	fastipc_msg_stamp(msg);

	if (reserve_first) {
		fastipc_chan_commit(ch, msg, sd->len);
		return 0;
	}
	err = fastipc_chan_send(ch, msg, sd->len, how, sd->timeout_ns);
	if (err) {
		fastipc_msg_detach(msg);
		goto err_free;
	}
	return 0;

err_free:
	fastipc_msg_free(msg);
err_unreserve:
	if (reserve_first)
		fastipc_chan_unreserve(ch, sd->len);
	return err;
}

/*
 * Copy a message in from user memory into pages (recycled ones of this
 * handle's pool are fine: every byte is overwritten) and queue it.
 */
static int fastipc_send_pages(struct fastipc_handle *h,
			      struct fastipc_channel *ch,
			      const struct fastipc_send *sd, unsigned int how,
			      struct fastipc_req *req, struct fastipc_files *files)
{
	const void __user *src = u64_to_user_ptr(sd->buf);
	struct fastipc_pages *pg;
	struct fastipc_msg *msg;
	int err;

	err = fastipc_chan_reserve(ch, sd->len, how, sd->timeout_ns);
	if (err)
		return err;

	pg = fastipc_pages_alloc(DIV_ROUND_UP(sd->len, PAGE_SIZE),
				 FASTIPC_FILL_OVERWRITE, fastipc_handle_pool(h));
	if (!pg) {
		err = fatal_signal_pending(current) ? -EINTR : -ENOMEM;
		goto err_unreserve;
	}
	err = -ENOMEM;
	msg = fastipc_msg_alloc_pages(pg);
	if (!msg)
		goto err_free_pages;
	msg->len = sd->len;
	err = fastipc_pages_copy_in(pg, src, sd->len);
	if (err)
		goto err_free_msg;

	msg->prio = sd->prio;
	fastipc_msg_attach(msg, req, files);
	fastipc_msg_stamp(msg);
	fastipc_chan_commit(ch, msg, sd->len);
	return 0;

err_free_msg:
	msg->pages = NULL;
	fastipc_msg_free(msg);
err_free_pages:
	/* Not all overwritten: old bytes of others may remain, no recycling. */
	fastipc_pages_set_origin(pg, NULL);
	fastipc_pages_free(pg);
err_unreserve:
	fastipc_chan_unreserve(ch, sd->len);
	return err;
}

/* Does a message of @len bytes with send flags @flags go in pages? */
static bool fastipc_send_in_pages(struct fastipc_channel *ch, u64 len,
				  u32 flags)
{
	/* An empty message has no page to carry it. */
	if (!len)
		return false;
	if (flags & (FASTIPC_SEND_PAGES | FASTIPC_SEND_BUF))
		return true;
	if (flags & FASTIPC_SEND_COPY)
		return false;
	return len >= READ_ONCE(ch->attr.zc_threshold);
}

/*
 * Send @sd, whose fields are valid, on the path its flags ask for or its
 * length picks; with @req, as that request.  SEND, CALL and write(2) all
 * end here.
 */
static int fastipc_send_msg(struct file *file, struct fastipc_handle *h,
			    struct fastipc_channel *ch,
			    const struct fastipc_send *sd,
			    struct fastipc_req *req)
{
	struct fastipc_files *files;
	unsigned int how = 0;
	int err;

	if (!(h->access & FASTIPC_O_SEND))
		return -EBADF;
	if (sd->len > FASTIPC_MSG_SIZE_LIMIT)
		return -EMSGSIZE;
	/* One file in many processes: not what descriptor passing means. */
	if (ch->topic && sd->nr_fds)
		return -EOPNOTSUPP;
	files = fastipc_files_get(sd->fds, sd->nr_fds);
	if (IS_ERR(files))
		return PTR_ERR(files);

	if ((sd->flags & FASTIPC_NONBLOCK) || (file->f_flags & O_NONBLOCK))
		how |= FASTIPC_ADMIT_NONBLOCK;
	if (h->hup)
		how |= FASTIPC_ADMIT_HUP;
	if (sd->flags & FASTIPC_SEND_BUF)
		err = fastipc_send_buf(h, ch, sd, how, req, files);
	else if (fastipc_send_in_pages(ch, sd->len, sd->flags))
		err = fastipc_send_pages(h, ch, sd, how, req, files);
	else
		err = fastipc_send_inline(ch, sd, how, req, files);
	if (err)
		fastipc_files_put(files);

	/* What poll's EPOLLOUT waits for (fastipc_chan_poll()). */
	if (err == -EAGAIN)
		WRITE_ONCE(h->tx_want, sd->len);
	else if (!err && READ_ONCE(h->tx_want))
		WRITE_ONCE(h->tx_want, 0);
	return err;
}

static int fastipc_ioc_send(struct file *file, struct fastipc_handle *h,
			    struct fastipc_channel *ch, unsigned int cmd,
			    unsigned long arg)
{
	const u32 paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES |
			  FASTIPC_SEND_BUF;
	struct fastipc_send sd;
	int err;

	err = fastipc_arg_in(&sd, sizeof(sd), FASTIPC_SEND_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	if ((sd.flags & ~FASTIPC_SEND_ALL) || sd.prio > FASTIPC_PRIO_MAX ||
	    hweight32(sd.flags & paths) > 1 || sd.__pad ||
	    sd.nr_fds > FASTIPC_FDS_MAX || (!sd.nr_fds && sd.fds))
		return -EINVAL;
	return fastipc_send_msg(file, h, ch, &sd, NULL);
}

/* A receive's wait: its flags and the file's, the handle's busy-poll. */
static void fastipc_wait_init(struct fastipc_wait *wait, struct file *file,
			      struct fastipc_handle *h, u32 flags,
			      s64 timeout_ns)
{
	wait->nonblock = (flags & FASTIPC_NONBLOCK) ||
			 (file->f_flags & O_NONBLOCK);
	wait->hup = h->hup;
	wait->timeout_ns = timeout_ns;
	wait->poll = &h->busy_poll;
}

/* Where a receive reports its result: the caller's struct fastipc_recv. */
struct fastipc_rx_out {
	unsigned long arg;
	size_t usize;
};

static int fastipc_rx_report(const struct fastipc_rx_out *out,
			     const struct fastipc_recv *rv)
{
	return fastipc_out_at(out->arg, rv, sizeof(*rv), out->usize);
}

/*
 * The descriptors @msg carries, for a receive @rv: say how many, and
 * whether they will be installed or closed.  -ETOOMANYREFS if they will
 * not fit the receiver's slots (the message stays queued).
 */
static int fastipc_recv_fds(const struct fastipc_msg *msg,
			    struct fastipc_recv *rv)
{
	u32 slots = rv->nr_fds;

	rv->nr_fds = 0;
	if (!msg->files)
		return 0;
	if (!(rv->flags & FASTIPC_RECV_FDS)) {
		rv->msg_flags |= FASTIPC_MSG_FDS_DROPPED;
		return 0;
	}
	rv->nr_fds = msg->files->nr;
	rv->msg_flags |= FASTIPC_MSG_FDS;
	return slots < msg->files->nr ? -ETOOMANYREFS : 0;
}

/*
 * Install @msg's descriptors for @rv (their numbers in @fds, for an undo):
 * the last step of a receive that may fail, but for mapping.
 */
static int fastipc_recv_install(struct fastipc_msg *msg,
				const struct fastipc_recv *rv, int *fds)
{
	if (!msg->files || !(rv->flags & FASTIPC_RECV_FDS))
		return 0;
	return fastipc_files_install(msg->files, rv->fds,
				     rv->flags & FASTIPC_RECV_CLOEXEC, fds);
}

/*
 * Map a received page message into the window, or say why not.  The
 * receiver learns where it is before the pages are mapped: once a page
 * has been reachable through the receiver's mapping (writable, on a
 * handle that may send) the message can never go back to the queue, and
 * reporting it is the one step here that can fault.  So: claim a range
 * (its page tables made), report, then map.  Returns 1 if the message is
 * this receiver's now, whether or not mapping it succeeded (the window
 * owns the pages on success; *@err says; a failure there means the
 * receiver undid its own window after a page was mapped), 0 with *@err
 * if it is not and goes back to the queue.  The message's descriptors
 * are installed before the pages are placed, their numbers in @fds, and
 * closed again if that fails: a failed receive leaves none open.
 */
static int fastipc_recv_map(struct fastipc_handle *h, struct fastipc_msg *msg,
			    struct fastipc_recv *rv,
			    const struct fastipc_rx_out *out, int *fds,
			    int *err)
{
	struct fastipc_claim claim;
	bool exposed;

	*err = fastipc_window_claim_for(h, msg->pages->nr, false, &claim);
	if (*err) {
		/* ENOSPC, ENXIO: the caller can receive it another way. */
		if ((*err == -ENOSPC || *err == -ENXIO) &&
		    fastipc_rx_report(out, rv))
			*err = -EFAULT;
		return 0;
	}
	rv->addr = claim.addr;
	rv->msg_flags |= FASTIPC_MSG_MAPPED;
	*err = fastipc_rx_report(out, rv) ? -EFAULT :
	       fastipc_recv_install(msg, rv, fds);
	if (*err) {
		fastipc_window_unclaim(h, &claim);
		return 0;
	}
	*err = fastipc_window_place(h, msg->pages, &claim, &exposed);
	if (!*err)
		msg->pages = NULL;	/* the window owns them now */
	else if (msg->files && (rv->flags & FASTIPC_RECV_FDS))
		fastipc_files_uninstall(msg->files, fds);
	return !*err || exposed;
}

/*
 * A receive with FASTIPC_RECV_CALL took a request: make room for it in
 * the handle's table, for the token the receive reports.  A handle holds
 * at most the channel's max_msgs requests unanswered (EBUSY).
 */
static int fastipc_recv_hold(struct fastipc_handle *h,
			     struct fastipc_channel *ch,
			     struct fastipc_msg *msg, struct fastipc_recv *rv)
{
	int err;

	err = fastipc_held_add(&h->held, msg->req,
			       READ_ONCE(ch->attr.max_msgs), &rv->token);
	if (!err)
		rv->msg_flags |= FASTIPC_MSG_CALL;
	return err;
}

/*
 * @msg was delivered.  A request the receive holds (@rv has its token)
 * goes to the handle's table; one it does not hold ends: its caller's
 * call fails with ENOMSG (a receive that does not answer took it) or,
 * for @err, ECONNRESET (it was delivered into a window that failed).
 */
static void fastipc_recv_settle(struct fastipc_handle *h,
				struct fastipc_msg *msg,
				const struct fastipc_recv *rv, int err)
{
	if (!msg->req)
		return;
	if (!(rv->msg_flags & FASTIPC_MSG_CALL)) {
		fastipc_msg_end_req(msg, -ENOMSG);
	} else if (err) {
		fastipc_held_cancel(&h->held, rv->token);
		fastipc_msg_end_req(msg, -ECONNRESET);
	} else {
		fastipc_held_commit(&h->held, rv->token);
		msg->req = NULL;	/* the table's now */
	}
}

/*
 * Map a topic's page message, the same pages its other subscribers map,
 * into the subscriber's window: only a read-only one (EACCES), so that no
 * subscriber can change what the others read.  As for a queue, the
 * receiver learns the address before anything is mapped; since nobody
 * can write the pages, a failure after that leaves the message for the
 * next receive.  Returns the pages mapped, or an error.
 */
static long fastipc_topic_map(struct fastipc_handle *h,
			      struct fastipc_msg *msg, struct fastipc_recv *rv,
			      const struct fastipc_rx_out *out)
{
	struct fastipc_claim claim;
	struct fastipc_pages *pg;
	bool exposed;
	int err;

	err = fastipc_window_claim_for(h, msg->pages->nr, true, &claim);
	if (err) {
		/* ENOSPC, ENXIO, EACCES: it can be received by copy. */
		if (fastipc_rx_report(out, rv))
			err = -EFAULT;
		return err;
	}
	rv->addr = claim.addr;
	rv->msg_flags |= FASTIPC_MSG_MAPPED;
	if (fastipc_rx_report(out, rv)) {
		fastipc_window_unclaim(h, &claim);
		return -EFAULT;
	}
	pg = fastipc_pages_get(msg->pages);
	err = fastipc_window_place(h, pg, &claim, &exposed);
	if (err) {
		fastipc_pages_free(pg);
		return err;
	}
	return pg->nr;
}

/*
 * A receive on a topic's subscriber handle: the subscriber's next
 * message, copied or mapped; on any failure it stays the next.
 */
static int fastipc_topic_do_recv(struct file *file, struct fastipc_handle *h,
				 struct fastipc_channel *ch,
				 struct fastipc_recv *rv,
				 const struct fastipc_rx_out *out)
{
	struct fastipc_msg *msg;
	struct fastipc_wait wait;
	long mapped;
	size_t len;
	int err;

	fastipc_wait_init(&wait, file, h, rv->flags, rv->timeout_ns);
	msg = fastipc_topic_take(ch, h->sub, &wait, FASTIPC_TAKE_COPY, 0);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	len = msg->len;
	rv->prio = msg->prio;
	rv->addr = 0;
	rv->token = 0;
	rv->nr_fds = 0;
	rv->msg_flags = msg->pages ? FASTIPC_MSG_PAGES : 0;
	if ((rv->flags & FASTIPC_RECV_SENDER) &&
	    fastipc_msg_sender(msg, &rv->sender))
		rv->msg_flags |= FASTIPC_MSG_SENDER;
	if (msg->pages && (rv->flags & FASTIPC_RECV_MAP)) {
		rv->len = len;
		mapped = fastipc_topic_map(h, msg, rv, out);
		err = mapped < 0 ? mapped : 0;
		fastipc_topic_done(ch, h->sub, msg, err, 0, err ? 0 : mapped);
		return err;
	}
	/* The result first: a fault reporting it leaves the message. */
	if (rv->len < len) {
		err = -EMSGSIZE;
		rv->len = len;
		if (fastipc_rx_report(out, rv))
			err = -EFAULT;
	} else {
		rv->len = len;
		err = fastipc_rx_report(out, rv);
		if (!err)
			err = fastipc_msg_copy_out(u64_to_user_ptr(rv->buf),
						   len, msg);
	}
	fastipc_topic_done(ch, h->sub, msg, err, err ? 0 : len, 0);
	return err;
}

/*
 * FASTIPC_IOC_RECV, and the receive of FASTIPC_IOC_REPLY_RECV, on the
 * checked arguments @rv; the result goes to @out.
 */
static int fastipc_do_recv(struct file *file, struct fastipc_handle *h,
			   struct fastipc_channel *ch, struct fastipc_recv *rv,
			   const struct fastipc_rx_out *out)
{
	int fds[FASTIPC_FDS_MAX];
	struct fastipc_msg *msg;
	struct fastipc_wait wait;
	unsigned long mapped;
	size_t len;
	bool done;
	int err;

	if (h->sub)
		return fastipc_topic_do_recv(file, h, ch, rv, out);
	fastipc_wait_init(&wait, file, h, rv->flags, rv->timeout_ns);
	msg = fastipc_chan_take(ch, &wait,
				rv->flags & FASTIPC_RECV_MAP ? FASTIPC_TAKE_MAP :
				FASTIPC_TAKE_COPY, rv->len, &done);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	len = msg->len;
	rv->prio = msg->prio;
	rv->addr = 0;
	rv->token = 0;
	rv->msg_flags = msg->pages ? FASTIPC_MSG_PAGES : 0;
	/* Asked for: written (zeros if unknown); else left as it was. */
	if ((rv->flags & FASTIPC_RECV_SENDER) &&
	    fastipc_msg_sender(msg, &rv->sender))
		rv->msg_flags |= FASTIPC_MSG_SENDER;
	err = fastipc_recv_fds(msg, rv);
	if (err) {
		rv->len = len;
		if (fastipc_rx_report(out, rv))
			err = -EFAULT;
		goto err_putback;
	}
	if (msg->req && (rv->flags & FASTIPC_RECV_CALL)) {
		err = fastipc_recv_hold(h, ch, msg, rv);
		if (err)
			goto err_putback;
	}
	if (msg->pages && (rv->flags & FASTIPC_RECV_MAP)) {
		/* Once mapped, a munmap may free the pages: count them now. */
		mapped = msg->pages->nr;
		rv->len = len;
		if (!fastipc_recv_map(h, msg, rv, out, fds, &err))
			goto err_unhold;
		/* Delivered, even if the receiver's window failed it. */
		fastipc_recv_settle(h, msg, rv, err);
		fastipc_chan_done(ch, len, 0, err ? 0 : mapped);
		fastipc_msg_free(msg);
		return err;
	}

	/*
	 * Copied: the result first, so that a fault reporting it leaves
	 * the message queued without the receiver having seen a byte of
	 * it (then a fault copying it puts it back too).
	 */
	if (rv->len < len) {
		err = -EMSGSIZE;
		rv->len = len;
		if (fastipc_rx_report(out, rv))
			err = -EFAULT;
		goto err_unhold;
	}
	rv->len = len;
	err = fastipc_rx_report(out, rv);
	if (!err)
		err = fastipc_msg_copy_out(u64_to_user_ptr(rv->buf), len, msg);
	if (!err)
		err = fastipc_recv_install(msg, rv, fds);
	if (err)
		goto err_unhold;
	fastipc_recv_settle(h, msg, rv, 0);
	if (!done)
		fastipc_chan_done(ch, len, len, 0);
	fastipc_msg_recycle(ch, msg);
	return 0;

err_unhold:
	if (rv->msg_flags & FASTIPC_MSG_CALL)
		fastipc_held_cancel(&h->held, rv->token);
err_putback:
	if (done)
		fastipc_chan_undeliver(ch, msg);
	else
		fastipc_chan_putback(ch, msg);
	return err;
}

/*
 * Check the arguments of a receive (FASTIPC_IOC_RECV, _REPLY_RECV) whose
 * structure is @usize bytes: one that asks for the sender must have room
 * for it.
 */
static int fastipc_recv_check(const struct fastipc_handle *h,
			      const struct fastipc_recv *rv, size_t usize)
{
	/* prio, addr, msg_flags, token, sender: outputs, input ignored. */
	if ((rv->flags & ~FASTIPC_RECV_ALL) ||
	    ((rv->flags & FASTIPC_RECV_SENDER) &&
	     usize < FASTIPC_RECV_SIZE_VER1))
		return -EINVAL;
	/* nr_fds and fds only with FASTIPC_RECV_FDS, CLOEXEC only with it. */
	if (!(rv->flags & FASTIPC_RECV_FDS) &&
	    (rv->nr_fds || rv->fds || (rv->flags & FASTIPC_RECV_CLOEXEC)))
		return -EINVAL;
	if (!(h->access & FASTIPC_O_RECV))
		return -EBADF;
	return 0;
}

static int fastipc_ioc_recv(struct file *file, struct fastipc_handle *h,
			    struct fastipc_channel *ch, unsigned int cmd,
			    unsigned long arg)
{
	struct fastipc_rx_out out = { .arg = arg, .usize = _IOC_SIZE(cmd) };
	struct fastipc_recv rv;
	int err;

	err = fastipc_arg_in(&rv, sizeof(rv), FASTIPC_RECV_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	err = fastipc_recv_check(h, &rv, out.usize);
	if (err)
		return err;
	return fastipc_do_recv(file, h, ch, &rv, &out);
}

/*
 * Copy each taken message out and report it: the entries, then their
 * count.  What cannot be copied or reported goes back to the queue, in
 * order, with every message after it (a receiver waiting meanwhile may
 * be handed one of them: it finds the queue empty only then).
 */
static int fastipc_ioc_recv_vec(struct file *file, struct fastipc_handle *h,
				struct fastipc_channel *ch, unsigned int cmd,
				unsigned long arg)
{
	struct fastipc_msg *msgs[FASTIPC_RECV_VEC_BATCH];
	struct fastipc_rvec ent[FASTIPC_RECV_VEC_BATCH];
	struct fastipc_sender snd[FASTIPC_RECV_VEC_BATCH];
	struct fastipc_sender __user *usnd;
	struct fastipc_rvec __user *uvec;
	struct fastipc_recv_vec rv;
	struct fastipc_wait wait;
	unsigned int i, n, got;
	int err;

	err = fastipc_arg_in(&rv, sizeof(rv), FASTIPC_RECV_VEC_SIZE_VER0, cmd,
			     arg);
	if (err)
		return err;
	if ((rv.flags & ~(FASTIPC_NONBLOCK | FASTIPC_RECV_SENDER)) ||
	    !rv.count || rv.count > FASTIPC_RECV_VEC_MAX || rv.__reserved ||
	    (!(rv.flags & FASTIPC_RECV_SENDER) && rv.senders))
		return -EINVAL;
	if (!(h->access & FASTIPC_O_RECV))
		return -EBADF;

	/* Only the entries this call can fill are read, word by word. */
	BUILD_BUG_ON(sizeof(ent[0]) % sizeof(u64));
	n = min_t(u32, rv.count, FASTIPC_RECV_VEC_BATCH);
	uvec = u64_to_user_ptr(rv.vec);
	err = fastipc_words_in((u64 *)ent, (const u64 __user *)uvec,
			       n * sizeof(ent[0]) / sizeof(u64));
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (ent[i].__reserved)
			return -EINVAL;
	/*
	 * What the results go to must be writable before a message is
	 * taken: copied messages whose report then faults are not put back
	 * (the receiver has their bytes), which only a thread unmapping
	 * them meanwhile can cause.
	 */
	usnd = rv.flags & FASTIPC_RECV_SENDER ? u64_to_user_ptr(rv.senders) :
	       NULL;
	memset(snd, 0, sizeof(snd));
	BUILD_BUG_ON(sizeof(snd[0]) % sizeof(u64));
	if (fastipc_words_out((u64 __user *)uvec, (const u64 *)ent,
			      n * sizeof(ent[0]) / sizeof(u64)) ||
	    (usnd && fastipc_words_out((u64 __user *)usnd, (const u64 *)snd,
				       n * sizeof(snd[0]) / sizeof(u64))) ||
	    fastipc_arg_out(arg, &rv, sizeof(rv), cmd))
		return -EFAULT;

	fastipc_wait_init(&wait, file, h, rv.flags, rv.timeout_ns);
	err = fastipc_chan_take_vec(ch, &wait, ent, msgs, n);
	if (err < 0)
		return err;
	got = err;

	for (i = 0; i < got; i++) {
		err = fastipc_msg_copy_out(u64_to_user_ptr(ent[i].buf),
					   ent[i].len, msgs[i]);
		if (err)
			break;
		ent[i].len = msgs[i]->len;
		ent[i].prio = msgs[i]->prio;
		if (usnd)
			fastipc_msg_sender(msgs[i], &snd[i]);
	}
	rv.count = i;
	/* Back to the head of the queue, the last first. */
	for (n = got; n > i; n--)
		fastipc_chan_undeliver(ch, msgs[n - 1]);
	for (n = 0; n < i; n++) {
		/* A request taken here is not answered. */
		fastipc_msg_end_req(msgs[n], -ENOMSG);
		fastipc_msg_recycle(ch, msgs[n]);
	}
	if (!i)
		return err;
	if (fastipc_words_out((u64 __user *)uvec, (const u64 *)ent,
			      i * sizeof(ent[0]) / sizeof(u64)) ||
	    (usnd && fastipc_words_out((u64 __user *)usnd, (const u64 *)snd,
				       i * sizeof(snd[0]) / sizeof(u64))) ||
	    fastipc_arg_out(arg, &rv, sizeof(rv), cmd))
		return -EFAULT;
	return 0;
}

/* The busy poll a call waits for its reply with (busy_poll.c). */
static struct fastipc_poll *fastipc_call_poll(struct fastipc_handle *h)
{
	return h->access & FASTIPC_O_RECV ? &h->busy_poll : &h->call_poll;
}

/*
 * Install the descriptors of @reply for the caller @cl (their numbers in
 * @fds for an undo), the last step of delivering it that may fail.
 */
static int fastipc_call_install(struct fastipc_msg *reply,
				const struct fastipc_call *cl, int *fds)
{
	if (!reply->files)
		return 0;
	return fastipc_files_install(reply->files, cl->reply_fds,
				     cl->flags & FASTIPC_CALL_CLOEXEC, fds);
}

/*
 * Give the reply of a call to its caller, as @cl asks: mapped into the
 * window (a page reply, FASTIPC_CALL_MAP), else copied into reply_buf;
 * a page reply the window cannot take (no window, no room in it, not
 * the process that mapped it) is copied if it fits.  The result is
 * reported before anything is mapped or copied, as a receive does, and
 * the reply's descriptors are installed last.  A reply the caller
 * cannot take is dropped (its descriptors closed, none installed):
 * nobody else may have it.
 */
static int fastipc_call_deliver(struct fastipc_handle *h,
				struct fastipc_call *cl,
				struct fastipc_msg *reply, unsigned int cmd,
				unsigned long arg)
{
	u64 cap = cl->reply_len;
	size_t len = reply->len;
	int fds[FASTIPC_FDS_MAX];
	struct fastipc_claim claim;
	unsigned long nr;
	bool exposed;
	int err;

	cl->reply_len = len;
	cl->reply_addr = 0;
	cl->reply_flags = FASTIPC_CALL_SENT |
			  (reply->pages ? FASTIPC_MSG_PAGES : 0);
	/* The server checked the count against the caller's slots. */
	cl->reply_nr_fds = reply->files ? reply->files->nr : 0;
	if (reply->files)
		cl->reply_flags |= FASTIPC_MSG_FDS;
	if (reply->pages && (cl->flags & FASTIPC_CALL_MAP)) {
		nr = reply->pages->nr;
		err = fastipc_window_claim_for(h, nr, false, &claim);
		if (!err) {
			cl->reply_addr = claim.addr;
			cl->reply_flags |= FASTIPC_MSG_MAPPED;
			err = fastipc_arg_out(arg, cl, sizeof(*cl), cmd);
			if (!err)
				err = fastipc_call_install(reply, cl, fds);
			if (err) {
				fastipc_window_unclaim(h, &claim);
				goto out;
			}
			err = fastipc_window_place(h, reply->pages, &claim,
						   &exposed);
			if (!err) {
				reply->pages = NULL;	/* the window's */
				fastipc_count(&fastipc_counters.mapped_pages,
					      nr);
			} else if (reply->files) {
				fastipc_files_uninstall(reply->files, fds);
			}
			goto out;
		}
		if ((err != -ENOSPC && err != -ENXIO && err != -EPERM) ||
		    len > cap) {
			/* Say how long it was, at least. */
			fastipc_arg_out(arg, cl, sizeof(*cl), cmd);
			goto out;
		}
	}
	err = fastipc_arg_out(arg, cl, sizeof(*cl), cmd);
	if (!err)
		err = fastipc_msg_copy_out(u64_to_user_ptr(cl->reply_buf), cap,
					   reply);
	if (!err)
		err = fastipc_call_install(reply, cl, fds);
	if (!err)
		fastipc_count(&fastipc_counters.copied_bytes, len);
out:
	fastipc_msg_free(reply);
	return err;
}

/*
 * Write the word of @cl that holds reply_flags back to the caller's
 * structure (writable when the call began; a thread that unmapped it
 * since only loses the news).
 */
static void fastipc_call_said_sent(unsigned long arg,
				   const struct fastipc_call *cl)
{
	const size_t at = offsetof(struct fastipc_call, reply_flags);

	BUILD_BUG_ON(at % sizeof(u64));
	fastipc_words_out((u64 __user *)(arg + at),
			  (const u64 *)((const char *)cl + at), 1);
}

static int fastipc_ioc_call(struct file *file, struct fastipc_handle *h,
			    struct fastipc_channel *ch, unsigned int cmd,
			    unsigned long arg)
{
	const u32 paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES |
			  FASTIPC_SEND_BUF;
	struct fastipc_reply_room room;
	struct fastipc_msg *reply;
	struct fastipc_req *req;
	struct fastipc_call cl;
	struct fastipc_send sd;
	ktime_t deadline;
	int err;

	err = fastipc_arg_in(&cl, sizeof(cl), FASTIPC_CALL_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	/* reply_addr and reply_flags are outputs: their input is ignored. */
	if ((cl.flags & ~FASTIPC_CALL_ALL) || cl.prio > FASTIPC_PRIO_MAX ||
	    hweight32(cl.flags & paths) > 1 || cl.__pad ||
	    cl.nr_fds > FASTIPC_FDS_MAX || (!cl.nr_fds && cl.fds) ||
	    (!cl.reply_nr_fds && (cl.reply_fds ||
				  (cl.flags & FASTIPC_CALL_CLOEXEC))))
		return -EINVAL;
	if (!(h->access & FASTIPC_O_SEND))
		return -EBADF;
	/* Writable before the request goes: a reply cannot go back. */
	if (fastipc_arg_out(arg, &cl, sizeof(cl), cmd))
		return -EFAULT;

	room = (struct fastipc_reply_room) {
		.len = cl.reply_len,
		.nr_fds = cl.reply_nr_fds,
		.map = cl.flags & FASTIPC_CALL_MAP,
	};
	req = fastipc_req_new(&room);
	if (!req)
		return -ENOMEM;
	deadline = fastipc_deadline(cl.timeout_ns);
	sd = (struct fastipc_send) {
		.buf = cl.buf,
		.len = cl.len,
		.timeout_ns = cl.timeout_ns,
		.prio = cl.prio,
		.flags = cl.flags & FASTIPC_SEND_ALL,
		.fds = cl.fds,
		.nr_fds = cl.nr_fds,
	};
	err = fastipc_send_msg(file, h, ch, &sd, req);
	if (!err) {
		/* Sent: say so now, for a call that ends in an error. */
		cl.reply_flags = FASTIPC_CALL_SENT;
		fastipc_call_said_sent(arg, &cl);
		reply = fastipc_req_wait(req, fastipc_call_poll(h), deadline);
		if (IS_ERR(reply)) {
			err = PTR_ERR(reply);
			if (err == -ETIMEDOUT)
				fastipc_chan_count_timeout(ch);
		} else {
			err = fastipc_call_deliver(h, &cl, reply, cmd, arg);
		}
	}
	fastipc_req_put(req);
	return err;
}

/*
 * The message of a reply: made as a send makes one (copied inline or
 * into pages, or a window buffer moved) but queued nowhere: it goes to
 * the caller, which copies or maps it.
 */
static struct fastipc_msg *fastipc_reply_build(struct fastipc_handle *h,
					       struct fastipc_channel *ch,
					       const struct fastipc_reply *rp,
					       bool pages)
{
	const void __user *src = u64_to_user_ptr(rp->buf);
	struct fastipc_pages *pg;
	struct fastipc_msg *msg;
	unsigned long copied = 0;
	int err;

	if (rp->flags & FASTIPC_SEND_BUF) {
		msg = fastipc_msg_alloc_pages(NULL);
		if (!msg)
			return ERR_PTR(-ENOMEM);
		pg = fastipc_window_take(h, rp->buf, rp->len, &copied);
		if (IS_ERR(pg)) {
			fastipc_msg_free(msg);
			return ERR_CAST(pg);
		}
		msg->pages = pg;
		msg->len = rp->len;
		fastipc_count(&fastipc_counters.copied_bytes,
			      min_t(u64, (u64)copied << PAGE_SHIFT, rp->len));
		return msg;
	}
	if (!pages) {
		msg = fastipc_msg_alloc_inline(ch, rp->len);
		if (!msg)
			return ERR_PTR(-ENOMEM);
		msg->prio = 0;
		err = fastipc_copy_in(msg->data, src, rp->len);
		if (err) {
			fastipc_msg_free(msg);
			return ERR_PTR(err);
		}
		fastipc_count(&fastipc_counters.copied_bytes, rp->len);
		return msg;
	}
	pg = fastipc_pages_alloc(DIV_ROUND_UP(rp->len, PAGE_SIZE),
				 FASTIPC_FILL_OVERWRITE, fastipc_handle_pool(h));
	if (!pg)
		return ERR_PTR(fatal_signal_pending(current) ? -EINTR : -ENOMEM);
	err = -ENOMEM;
	msg = fastipc_msg_alloc_pages(pg);
	if (!msg)
		goto err_free_pages;
	msg->len = rp->len;
	msg->prio = 0;
	err = fastipc_pages_copy_in(pg, src, rp->len);
	if (err) {
		msg->pages = NULL;
		fastipc_msg_free(msg);
		goto err_free_pages;
	}
	fastipc_count(&fastipc_counters.copied_bytes, rp->len);
	return msg;

err_free_pages:
	/* Not all overwritten: old bytes of others may remain, no recycling. */
	fastipc_pages_set_origin(pg, NULL);
	fastipc_pages_free(pg);
	return ERR_PTR(err);
}

/*
 * Answer the request behind rp->token.  0: the caller has the reply;
 * -ECANCELED: the caller had given up, the reply was dropped (a window
 * buffer freed as if sent); both use the token up.  Any other error
 * leaves the request held (ENOENT: there is none), and the buffer as it
 * was, but when another thread's reply to the same token won the race.
 */
static int fastipc_do_reply(struct fastipc_handle *h,
			    struct fastipc_channel *ch,
			    const struct fastipc_reply *rp)
{
	struct fastipc_reply_room room;
	struct fastipc_files *files;
	struct fastipc_msg *reply;
	struct fastipc_req *req;
	bool abandoned, pages;
	int err;

	err = fastipc_held_peek(&h->held, rp->token, &room, &abandoned);
	if (err)
		return err;
	if (abandoned) {
		req = fastipc_held_take(&h->held, rp->token);
		if (!req)
			return -ENOENT;
		fastipc_req_put(req);
		if (rp->flags & FASTIPC_SEND_BUF)
			fastipc_window_free(h, rp->buf);
		return -ECANCELED;
	}
	if (rp->len > FASTIPC_MSG_SIZE_LIMIT ||
	    rp->len > READ_ONCE(ch->attr.max_msg_size))
		return -EMSGSIZE;
	/* Longer than the caller's buffer: only if it will be mapped. */
	pages = fastipc_send_in_pages(ch, rp->len, rp->flags);
	if (rp->len > room.len && !(room.map && pages))
		return -EMSGSIZE;
	/* More descriptors than the caller has slots for: the same. */
	if (rp->nr_fds > room.nr_fds)
		return -ETOOMANYREFS;

	files = fastipc_files_get(rp->fds, rp->nr_fds);
	if (IS_ERR(files))
		return PTR_ERR(files);
	reply = fastipc_reply_build(h, ch, rp, pages);
	if (IS_ERR(reply)) {
		fastipc_files_put(files);
		return PTR_ERR(reply);
	}
	reply->files = files;
	req = fastipc_held_take(&h->held, rp->token);
	if (!req) {
		fastipc_msg_free(reply);
		return -ENOENT;
	}
	err = fastipc_req_finish(req, reply, 0);
	if (err)
		fastipc_msg_free(reply);	/* the caller left: uncharged */
	fastipc_req_put(req);
	/* Like a send: the next receive of this task is a turn. */
	fastipc_poll_note_send();
	return err;
}

/* Check the arguments of a reply (FASTIPC_IOC_REPLY, _REPLY_RECV). */
static int fastipc_reply_check(const struct fastipc_reply *rp)
{
	const u32 paths = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES |
			  FASTIPC_SEND_BUF;

	/* status is an output: its input is ignored. */
	if ((rp->flags & ~FASTIPC_REPLY_ALL) ||
	    hweight32(rp->flags & paths) > 1 || rp->__pad ||
	    rp->nr_fds > FASTIPC_FDS_MAX || (!rp->nr_fds && rp->fds))
		return -EINVAL;
	return 0;
}

static int fastipc_ioc_reply(struct fastipc_handle *h,
			     struct fastipc_channel *ch, unsigned int cmd,
			     unsigned long arg)
{
	struct fastipc_reply rp;
	int err;

	err = fastipc_arg_in(&rp, sizeof(rp), FASTIPC_REPLY_SIZE_VER0, cmd,
			     arg);
	if (err)
		return err;
	err = fastipc_reply_check(&rp);
	if (err)
		return err;
	return fastipc_do_reply(h, ch, &rp);
}

static int fastipc_ioc_reply_recv(struct file *file, struct fastipc_handle *h,
				  struct fastipc_channel *ch, unsigned int cmd,
				  unsigned long arg)
{
	const size_t at = offsetof(struct fastipc_reply_recv, recv);
	struct fastipc_rx_out out = {
		.arg = arg + at,
		.usize = _IOC_SIZE(cmd) - at,
	};
	struct fastipc_reply_recv rr;
	int err;

	err = fastipc_arg_in(&rr, sizeof(rr), FASTIPC_REPLY_RECV_SIZE_VER0,
			     cmd, arg);
	if (err)
		return err;
	err = fastipc_reply_check(&rr.reply);
	if (!err)
		err = fastipc_recv_check(h, &rr.recv, out.usize);
	if (err)
		return err;
	/* Both results must be writable before the reply goes. */
	if (fastipc_arg_out(arg, &rr, sizeof(rr), cmd))
		return -EFAULT;

	err = fastipc_do_reply(h, ch, &rr.reply);
	if (err && err != -ECANCELED)
		return err;
	/* Done with the token: say so, and how it went, then receive. */
	rr.reply.token = 0;
	rr.reply.status = -err;
	BUILD_BUG_ON(sizeof(rr.reply) % sizeof(u64));
	if (fastipc_words_out((u64 __user *)arg, (const u64 *)&rr.reply,
			      sizeof(rr.reply) / sizeof(u64)))
		return -EFAULT;
	if (READ_ONCE(ch->dead))
		return -EIDRM;
	return fastipc_do_recv(file, h, ch, &rr.recv, &out);
}

static int fastipc_ioc_buf_alloc(struct fastipc_handle *h,
				 struct fastipc_channel *ch, unsigned int cmd,
				 unsigned long arg)
{
	struct fastipc_buf bf;
	int err;

	err = fastipc_arg_in(&bf, sizeof(bf), FASTIPC_BUF_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	if (bf.addr || (bf.flags & ~FASTIPC_BUF_NOZERO) || bf.__pad ||
	    !bf.len || memchr_inv(bf.__reserved, 0, sizeof(bf.__reserved)))
		return -EINVAL;
	/* A buffer is for sending: a receive-only handle has none. */
	if (!(h->access & FASTIPC_O_SEND))
		return -EBADF;
	if (bf.len > READ_ONCE(ch->attr.max_msg_size))
		return -EMSGSIZE;
	err = fastipc_window_alloc(h, bf.len,
				   bf.flags & FASTIPC_BUF_NOZERO ?
				   FASTIPC_FILL_RECYCLED : FASTIPC_FILL_ZERO,
				   &bf.addr, &bf.len);
	if (err)
		return err;
	err = fastipc_arg_out(arg, &bf, sizeof(bf), cmd);
	if (err)
		fastipc_window_free(h, bf.addr);
	return err;
}

static int fastipc_ioc_buf_free(struct fastipc_handle *h, unsigned int cmd,
				unsigned long arg)
{
	struct fastipc_buf bf;
	int err;

	err = fastipc_arg_in(&bf, sizeof(bf), FASTIPC_BUF_SIZE_VER0, cmd, arg);
	if (err)
		return err;
	if (bf.len || bf.flags || bf.__pad ||
	    memchr_inv(bf.__reserved, 0, sizeof(bf.__reserved)))
		return -EINVAL;
	return fastipc_window_free(h, bf.addr);
}

static int fastipc_ioc_info(struct fastipc_handle *h,
			    struct fastipc_channel *ch, unsigned int cmd,
			    unsigned long arg)
{
	struct fastipc_info info = {};

	if (_IOC_SIZE(cmd) < FASTIPC_INFO_SIZE_VER0)
		return -EINVAL;
	if (READ_ONCE(ch->ns))
		strscpy(info.name, ch->name, sizeof(info.name));
	info.handle_flags = h->access |
			    (h->read_plain ? FASTIPC_O_READ_PLAIN : 0) |
			    (h->hup ? FASTIPC_O_HUP : 0) |
			    (ch->topic ? FASTIPC_O_TOPIC : 0);
	info.busy_poll_us = READ_ONCE(h->busy_poll.usecs);
	info.busy_poll_flags = READ_ONCE(h->busy_poll.flags);
	info.busy_poll_window_ns = READ_ONCE(h->busy_poll.window_ns);
	info.busy_polls = atomic64_read(&h->busy_poll.polls);
	info.busy_poll_hits = atomic64_read(&h->busy_poll.hits);
	fastipc_chan_fill_info(ch, &info);
	if (h->sub) {
		struct fastipc_sub_stats st;

		fastipc_topic_sub_stats(ch, h->sub, &st);
		info.sub_backlog = st.backlog;
		info.sub_drops = st.drops;
		info.sub_received = st.received;
	}
	mutex_lock(&h->win.lock);
	info.window_size = (u64)h->win.nr_pages << PAGE_SHIFT;
	info.window_pages = h->win.pages_mapped;
	mutex_unlock(&h->win.lock);
	return fastipc_arg_out(arg, &info, sizeof(info), cmd);
}

static int fastipc_ioc_stats(unsigned int cmd, unsigned long arg)
{
	struct fastipc_stats st;

	if (_IOC_SIZE(cmd) < FASTIPC_STATS_SIZE_VER0)
		return -EINVAL;
	fastipc_counters_read(&st, fastipc_ns_current(),
			      current->nsproxy->net_ns == &init_net ||
			      capable(CAP_SYS_ADMIN));
	return fastipc_arg_out(arg, &st, sizeof(st), cmd);
}

static int fastipc_ioc_set_attr(struct fastipc_channel *ch, unsigned int cmd,
				unsigned long arg)
{
	struct fastipc_attr attr;
	int err;

	err = fastipc_arg_in(&attr, sizeof(attr), sizeof(attr), cmd, arg);
	if (err)
		return err;
	err = fastipc_chan_check_attr(&attr, false);
	if (err)
		return err;
	if (!fastipc_chan_may_admin(ch))
		return -EPERM;
	err = fastipc_chan_set_attr(ch, &attr);
	if (err)
		return err;
	fastipc_nl_notify_current(ch, FASTIPC_CMD_EVENT_CHANNEL_CHANGE);
	return 0;
}

static int fastipc_ioc_set_busy_poll(struct fastipc_handle *h,
				     unsigned int cmd, unsigned long arg)
{
	struct fastipc_busy_poll bp;
	int err;

	err = fastipc_arg_in(&bp, sizeof(bp), FASTIPC_BUSY_POLL_SIZE_VER0,
			     cmd, arg);
	if (err)
		return err;
	if ((bp.flags & ~FASTIPC_BUSY_POLL_ADAPTIVE) || bp.__reserved ||
	    bp.usecs > FASTIPC_BUSY_POLL_MAX_US)
		return -EINVAL;
	if (!(h->access & FASTIPC_O_RECV))
		return -EBADF;
	fastipc_poll_set(&h->busy_poll, bp.usecs, bp.flags);
	return 0;
}

/* Every command this module has, by number. */
static const unsigned int fastipc_cmds[] = {
	FASTIPC_IOC_OPEN, FASTIPC_IOC_UNLINK, FASTIPC_IOC_SEND,
	FASTIPC_IOC_RECV, FASTIPC_IOC_BUF_ALLOC, FASTIPC_IOC_BUF_FREE,
	FASTIPC_IOC_INFO, FASTIPC_IOC_STATS, FASTIPC_IOC_SET_ATTR,
	FASTIPC_IOC_RECV_VEC, FASTIPC_IOC_SET_BUSY_POLL, FASTIPC_IOC_FEATURES,
	FASTIPC_IOC_CALL, FASTIPC_IOC_REPLY, FASTIPC_IOC_REPLY_RECV,
};

static int fastipc_ioc_features(unsigned int cmd, unsigned long arg)
{
	u64 hide = READ_ONCE(fastipc_hide_ioctls);
	struct fastipc_features ft = {
		.open_flags = FASTIPC_O_ALL,
		.send_flags = FASTIPC_SEND_ALL,
		.recv_flags = FASTIPC_RECV_ALL,
		.buf_flags = FASTIPC_BUF_NOZERO,
		.busy_poll_flags = FASTIPC_BUSY_POLL_ADAPTIVE,
		.call_flags = FASTIPC_CALL_ALL,
		.reply_flags = FASTIPC_REPLY_ALL,
		.fds_max = FASTIPC_FDS_MAX,
		.topic_flags = FASTIPC_TOPIC_ALL,
	};
	unsigned int i;

	if (_IOC_SIZE(cmd) < FASTIPC_FEATURES_SIZE_VER0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(fastipc_cmds); i++)
		ft.ioctls |= BIT_ULL(_IOC_NR(fastipc_cmds[i]));
	ft.ioctls &= ~hide;
	return fastipc_arg_out(arg, &ft, sizeof(ft), cmd);
}

/* Same number and direction as @ref; any size (checked by the handler). */
static bool fastipc_cmd_is(unsigned int cmd, unsigned int ref)
{
	return _IOC_NR(cmd) == _IOC_NR(ref) && _IOC_DIR(cmd) == _IOC_DIR(ref);
}

/* The handle's channel; EBADFD while unbound, EIDRM once it died. */
static struct fastipc_channel *fastipc_live_chan(struct fastipc_handle *h)
{
	struct fastipc_channel *ch = fastipc_handle_chan(h);

	if (!ch)
		return ERR_PTR(-EBADFD);
	if (READ_ONCE(ch->dead))
		return ERR_PTR(-EIDRM);
	return ch;
}

static long fastipc_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct fastipc_handle *h = file->private_data;
	struct fastipc_channel *ch;

	if (_IOC_TYPE(cmd) != FASTIPC_IOC_MAGIC)
		return -ENOTTY;
	/* As an older module would (testing; fastipc_hide_ioctls). */
	if (_IOC_NR(cmd) < BITS_PER_LONG &&
	    (READ_ONCE(fastipc_hide_ioctls) & BIT(_IOC_NR(cmd))))
		return -ENOTTY;
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_FEATURES))
		return fastipc_ioc_features(cmd, arg);

	/* Commands that need no bound channel. */
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_OPEN))
		return fastipc_ioc_open(h, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_UNLINK))
		return fastipc_ioc_unlink(cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_STATS))
		return fastipc_ioc_stats(cmd, arg);

	/* Unknown commands are ENOTTY whether the file is bound or not. */
	if (!fastipc_cmd_is(cmd, FASTIPC_IOC_SEND) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_RECV) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_BUF_ALLOC) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_BUF_FREE) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_INFO) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_SET_ATTR) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_RECV_VEC) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_SET_BUSY_POLL) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_CALL) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_REPLY) &&
	    !fastipc_cmd_is(cmd, FASTIPC_IOC_REPLY_RECV))
		return -ENOTTY;
	/* A reply goes to its caller, not through the channel: it may die. */
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_REPLY)) {
		ch = fastipc_handle_chan(h);
		return ch ? fastipc_ioc_reply(h, ch, cmd, arg) : -EBADFD;
	}
	ch = fastipc_live_chan(h);
	if (IS_ERR(ch))
		return PTR_ERR(ch);

	if (fastipc_cmd_is(cmd, FASTIPC_IOC_SEND))
		return fastipc_ioc_send(file, h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_RECV))
		return fastipc_ioc_recv(file, h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_BUF_ALLOC))
		return fastipc_ioc_buf_alloc(h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_BUF_FREE))
		return fastipc_ioc_buf_free(h, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_INFO))
		return fastipc_ioc_info(h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_SET_ATTR))
		return fastipc_ioc_set_attr(ch, cmd, arg);
	/* A topic's messages are not requests, nor taken in batches. */
	if (ch->topic && (fastipc_cmd_is(cmd, FASTIPC_IOC_RECV_VEC) ||
			  fastipc_cmd_is(cmd, FASTIPC_IOC_CALL)))
		return -EOPNOTSUPP;
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_RECV_VEC))
		return fastipc_ioc_recv_vec(file, h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_SET_BUSY_POLL))
		return fastipc_ioc_set_busy_poll(h, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_CALL))
		return fastipc_ioc_call(file, h, ch, cmd, arg);
	if (fastipc_cmd_is(cmd, FASTIPC_IOC_REPLY_RECV))
		return fastipc_ioc_reply_recv(file, h, ch, cmd, arg);
	return -ENOTTY;
}

/* The bound channel of a read(2) or write(2), or why there is none. */
static struct fastipc_channel *fastipc_rw_chan(struct fastipc_handle *h,
					       u32 access)
{
	struct fastipc_channel *ch = fastipc_live_chan(h);

	if (!IS_ERR(ch) && !(h->access & access))
		return ERR_PTR(-EBADF);
	return ch;
}

/*
 * write(2) sends one message of @len bytes, as SEND does with priority 0,
 * no flags and no timeout: the path its size picks, waiting for room
 * unless the file is O_NONBLOCK.  It skips SEND's argument structure.
 */
static ssize_t fastipc_write(struct file *file, const char __user *buf,
			     size_t len, loff_t *ppos)
{
	struct fastipc_handle *h = file->private_data;
	struct fastipc_channel *ch = fastipc_rw_chan(h, FASTIPC_O_SEND);
	struct fastipc_send sd = {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = FASTIPC_TIMEOUT_NONE,
	};
	int err;

	if (IS_ERR(ch))
		return PTR_ERR(ch);
	err = fastipc_send_msg(file, h, ch, &sd, NULL);
	return err ? err : len;
}

/* read(2) on a topic's subscriber handle: fastipc_read() for a topic. */
static ssize_t fastipc_topic_read(struct fastipc_channel *ch,
				  struct fastipc_handle *h,
				  const struct fastipc_wait *wait,
				  char __user *buf, size_t size)
{
	struct fastipc_msg *msg;
	size_t len;
	int err;

	msg = fastipc_topic_take(ch, h->sub, wait, h->read_plain ?
				 FASTIPC_TAKE_PLAIN : FASTIPC_TAKE_COPY, size);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	len = msg->len;
	err = fastipc_msg_copy_out(buf, size, msg);
	fastipc_topic_done(ch, h->sub, msg, err, err ? 0 : len, 0);
	return err ? err : len;
}

/*
 * read(2) takes the first message of the highest priority and copies it
 * into @buf, whichever path it travelled, as RECV without flags and
 * timeout does; it returns the message's length.  A message longer than
 * @size fails with EMSGSIZE and stays queued (RECV says its length).  On
 * a FASTIPC_O_READ_PLAIN handle so does a message with a priority or
 * pages, which the length alone would not describe: the library reads
 * small messages and leaves the others to RECV, which can map them.
 */
static ssize_t fastipc_read(struct file *file, char __user *buf, size_t size,
			    loff_t *ppos)
{
	struct fastipc_handle *h = file->private_data;
	struct fastipc_channel *ch = fastipc_rw_chan(h, FASTIPC_O_RECV);
	struct fastipc_wait wait;
	struct fastipc_msg *msg;
	size_t len;
	bool done;
	int err;

	if (IS_ERR(ch))
		return PTR_ERR(ch);
	fastipc_wait_init(&wait, file, h, 0, FASTIPC_TIMEOUT_NONE);
	if (h->sub)
		return fastipc_topic_read(ch, h, &wait, buf, size);
	msg = fastipc_chan_take(ch, &wait, h->read_plain ?
				FASTIPC_TAKE_PLAIN : FASTIPC_TAKE_COPY, size,
				&done);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	len = msg->len;
	err = fastipc_msg_copy_out(buf, size, msg);
	if (err) {
		if (done)
			fastipc_chan_undeliver(ch, msg);
		else
			fastipc_chan_putback(ch, msg);
		return err;
	}
	/* A message that fits was counted as delivered when taken. */
	if (WARN_ON_ONCE(!done))
		fastipc_chan_done(ch, len, len, 0);
	/* read(2) cannot answer a request: its caller learns at once. */
	fastipc_msg_end_req(msg, -ENOMSG);
	fastipc_msg_recycle(ch, msg);
	return len;
}

static __poll_t fastipc_poll(struct file *file, poll_table *wait)
{
	struct fastipc_handle *h = file->private_data;
	struct fastipc_channel *ch = fastipc_handle_chan(h);

	if (!ch)
		return 0;
	if (h->sub)
		return fastipc_topic_poll(ch, h->sub, file, wait, h->hup) |
		       fastipc_chan_poll(ch, file, wait,
					 h->access & ~FASTIPC_O_RECV, h->hup,
					 READ_ONCE(h->tx_want));
	return fastipc_chan_poll(ch, file, wait, h->access, h->hup,
				 READ_ONCE(h->tx_want));
}

static int fastipc_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fastipc_handle *h = file->private_data;

	if (!fastipc_handle_chan(h))
		return -EBADFD;
	return fastipc_window_mmap(h, vma);
}

const struct file_operations fastipc_fops = {
	.owner = THIS_MODULE,
	.open = fastipc_open,
	.release = fastipc_release,
	.read = fastipc_read,
	.write = fastipc_write,
	.unlocked_ioctl = fastipc_ioctl,
	/* Every structure has one layout on 32- and 64-bit ABIs. */
	.compat_ioctl = compat_ptr_ioctl,
	.poll = fastipc_poll,
	.mmap = fastipc_mmap,
	.llseek = noop_llseek,
};

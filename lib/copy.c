// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: the copy API (send, receive into the caller's memory) and
 * the receive-into-a-heap-buffer helper the zero-copy receive shares.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* An absolute CLOCK_MONOTONIC deadline, or -1 for none. */
int64_t fipc_deadline(int64_t timeout_ns)
{
	if (timeout_ns < 0)
		return -1;
	return now_ns() + timeout_ns;
}

/* The relative timeout left until a deadline: -1 for none, else >= 0. */
int64_t fipc_remaining(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ns();
	return left > 0 ? left : 0;
}

FASTIPC_EXPORT
int fastipc_timedsend(struct fastipc_chan *ch, const void *buf, size_t len,
		      unsigned int prio, unsigned int flags,
		      int64_t timeout_ns)
{
	struct fastipc_send s;

	if (!ch)
		return -EINVAL;
	/*
	 * A plain send is what write(2) does, without SEND's argument
	 * structure.  Longer than the kernel's limit, SEND says EMSGSIZE.
	 */
	if (!prio && !flags && timeout_ns < 0 && len <= FASTIPC_MSG_SIZE_LIMIT)
		return write(ch->fd, buf, len) < 0 ? -errno : 0;
	memset(&s, 0, sizeof(s));
	s.buf = fipc_ptr(buf);
	s.len = len;
	s.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	s.prio = prio;
	s.flags = flags;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_SEND, &s);
}

FASTIPC_EXPORT
int fastipc_send(struct fastipc_chan *ch, const void *buf, size_t len,
		 unsigned int prio, unsigned int flags)
{
	return fastipc_timedsend(ch, buf, len, prio, flags,
				 FASTIPC_TIMEOUT_NONE);
}

/*
 * After a FASTIPC_IOC_RECV that delivered @r: would read(2) into @size
 * bytes have taken that message?  If not, the next receive skips it.
 */
static void note_recv(struct fastipc_chan *ch, const struct fastipc_recv *r,
		      size_t size)
{
	bool by_ioctl = r->prio || r->len > size ||
			(r->msg_flags & (FASTIPC_MSG_PAGES | FASTIPC_MSG_FDS |
					 FASTIPC_MSG_FDS_DROPPED));

	if (atomic_load_explicit(&ch->rx_by_ioctl, memory_order_relaxed) !=
	    by_ioctl)
		atomic_store_explicit(&ch->rx_by_ioctl, by_ioctl,
				      memory_order_relaxed);
}

/* Should a receive without flags or timeout try read(2) first? */
static bool read_first(struct fastipc_chan *ch)
{
	return !atomic_load_explicit(&ch->rx_by_ioctl, memory_order_relaxed);
}

FASTIPC_EXPORT
ssize_t fastipc_timedrecv(struct fastipc_chan *ch, void *buf, size_t size,
			  unsigned int *prio, unsigned int flags,
			  int64_t timeout_ns)
{
	struct fastipc_recv r;
	ssize_t n;
	int ret;

	if (!ch)
		return -EINVAL;
	/*
	 * Likewise read(2), when nobody asks for the priority.  The handle
	 * is FASTIPC_O_READ_PLAIN: a message with a priority or pages stays
	 * queued (EMSGSIZE, as one too long does), and RECV below copies it
	 * or says how long it is.
	 */
	if (!prio && !flags && timeout_ns < 0 &&
	    size <= FASTIPC_MSG_SIZE_LIMIT && read_first(ch)) {
		n = read(ch->fd, buf, size);
		if (n >= 0)
			return n;
		if (errno != EMSGSIZE)
			return -errno;
	}
	memset(&r, 0, sizeof(r));
	r.buf = fipc_ptr(buf);
	r.len = size;
	r.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	r.flags = flags;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_RECV, &r);
	if (ret)
		return ret;
	note_recv(ch, &r, size);
	if (prio)
		*prio = r.prio;
	return (ssize_t)r.len;
}

FASTIPC_EXPORT
ssize_t fastipc_recv(struct fastipc_chan *ch, void *buf, size_t size,
		     unsigned int *prio, unsigned int flags)
{
	return fastipc_timedrecv(ch, buf, size, prio, flags,
				 FASTIPC_TIMEOUT_NONE);
}

/*
 * fastipc_recv_vec(), and with @senders (count of them, or NULL) the
 * sender of each message too (fastipc_recv_vec_from()).
 */
int fipc_recv_vec(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
		  struct fastipc_sender *senders, unsigned int count,
		  unsigned int flags, int64_t timeout_ns)
{
	struct fastipc_sender snd[RECV_VEC_CHUNK];
	struct fastipc_rvec ent[RECV_VEC_CHUNK];
	struct fastipc_recv_vec rv;
	unsigned int i, n, kflags = flags;
	int ret;

	if (!ch || !bufs || !count || count > FASTIPC_RECV_VEC_MAX ||
	    (flags & ~FASTIPC_NONBLOCK))
		return -EINVAL;
	if (!fipc_has_ioctl(ch, FASTIPC_IOC_RECV_VEC))
		return -EOPNOTSUPP;
	ret = fipc_sender_flags(ch, senders, &kflags);
	if (ret)
		return ret;
	n = count < RECV_VEC_CHUNK ? count : RECV_VEC_CHUNK;
	for (i = 0; i < n; i++) {
		ent[i].buf = fipc_ptr(bufs[i].buf);
		ent[i].len = bufs[i].size;
		ent[i].prio = 0;
		ent[i].__reserved = 0;
	}
	memset(&rv, 0, sizeof(rv));
	rv.vec = fipc_ptr(ent);
	rv.count = n;
	rv.flags = kflags;
	rv.senders = senders ? fipc_ptr(snd) : 0;
	rv.timeout_ns = timeout_ns < 0 ? FASTIPC_TIMEOUT_NONE : timeout_ns;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_RECV_VEC, &rv);
	if (ret)
		return ret;
	for (i = 0; i < rv.count; i++) {
		bufs[i].len = ent[i].len;
		bufs[i].prio = ent[i].prio;
		if (senders)
			senders[i] = snd[i];
	}
	return (int)rv.count;
}

FASTIPC_EXPORT
int fastipc_recv_vec(struct fastipc_chan *ch, struct fastipc_rbuf *bufs,
		     unsigned int count, unsigned int flags,
		     int64_t timeout_ns)
{
	return fipc_recv_vec(ch, bufs, NULL, count, flags, timeout_ns);
}

/*
 * The spare receive buffer: one per handle, recv_guess bytes, taken and
 * given back with atomic exchanges so that threads never share it.  A
 * receive that ends up mapping its message (zero-copy) gives the buffer
 * back unused; one that copies hands it to the caller.
 */
void *fipc_spare_get(struct fastipc_chan *ch, size_t *size)
{
	void *buf = atomic_exchange_explicit(&ch->recv_spare, NULL,
					     memory_order_acquire);
	size_t guess = atomic_load_explicit(&ch->recv_guess,
					    memory_order_relaxed);

	/* One from before the guess grew is too small now. */
	if (buf && malloc_usable_size(buf) < guess) {
		free(buf);
		buf = NULL;
	}
	if (buf) {
		*size = malloc_usable_size(buf);
		return buf;
	}
	*size = guess;
	return malloc(guess);
}

/*
 * A copied message of @len bytes did not fit the guess: make the guess
 * that large (up to RECV_GUESS_GROW_MAX, in whole pages), so that the
 * next one of that size is received in one system call.
 */
void fipc_guess_grow(struct fastipc_chan *ch, uint64_t len)
{
	size_t cur = atomic_load_explicit(&ch->recv_guess,
					  memory_order_relaxed);
	size_t want;

	if (len <= cur || len > RECV_GUESS_GROW_MAX)
		return;
	want = (size_t)(len + 4095) & ~(size_t)4095;
	while (want > cur &&
	       !atomic_compare_exchange_weak_explicit(&ch->recv_guess, &cur,
						      want,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

void fipc_spare_put(struct fastipc_chan *ch, void *buf)
{
	void *expected = NULL;

	/* Never a smaller buffer (a caller that free()d a lent one and got
	 * its address back from malloc). */
	if (malloc_usable_size(buf) < ch->recv_guess ||
	    !atomic_compare_exchange_strong_explicit(&ch->recv_spare,
						     &expected, buf,
						     memory_order_release,
						     memory_order_relaxed))
		free(buf);
}

/* Was @buf the lent spare?  Then it is no longer lent. */
bool fipc_lent_back(struct fastipc_chan *ch, void *buf)
{
	void *expected = buf;

	/*
	 * Whoever holds a lent buffer got it from the receive that lent it,
	 * after it was lent: a plain load sees it.  Most buffers sent or
	 * freed were never lent, and need no locked instruction.
	 */
	if (!buf || atomic_load_explicit(&ch->recv_lent,
					 memory_order_relaxed) != buf)
		return false;
	return atomic_compare_exchange_strong_explicit(&ch->recv_lent,
						       &expected, NULL,
						       memory_order_acq_rel,
						       memory_order_relaxed);
}

/*
 * Receive one message with kernel flags @kflags (FASTIPC_NONBLOCK and
 * maybe FASTIPC_RECV_MAP; with FASTIPC_RECV_FDS, r->fds and r->nr_fds
 * say where descriptors go) until @deadline.  A copied message ends in a
 * malloc'd buffer of its size, stored in *bufp; a mapped one leaves *bufp
 * NULL and r->addr set.  A blocking receive without deadline tries
 * read(2) first, which takes a plain message that fits the spare buffer
 * and leaves any other for RECV.  On EMSGSIZE RECV has said the length:
 * retry with that much (another receiver may have taken the message
 * meanwhile, so this loops).  Returns 0 or -errno; *r is the kernel's
 * answer (for a read, a plain message: just the length).
 *
 * With @may_lend (fastipc_recv_msg, whose messages go back through the
 * library), a copied message may be left in the spare buffer itself,
 * lent to the caller: no allocation and no copy.  One buffer at a time
 * is lent, so a caller that keeps its messages gets buffers of their
 * own size.
 */
int fipc_recv_heap(struct fastipc_chan *ch, unsigned int kflags,
		   int64_t deadline, struct fastipc_recv *r, void **bufp,
		   bool may_lend)
{
	size_t size;
	void *buf = fipc_spare_get(ch, &size);
	bool spare = true;	/* buf is the spare, size bytes: may go back */
	/* Slots for descriptors: the caller's, with FASTIPC_RECV_FDS. */
	uint64_t fds = kflags & FASTIPC_RECV_FDS ? r->fds : 0;
	uint32_t nr_fds = kflags & FASTIPC_RECV_FDS ? r->nr_fds : 0;
	/* read(2) says neither a request's token nor a sender. */
	bool by_read = !(kflags & (FASTIPC_NONBLOCK | FASTIPC_RECV_CALL |
				   FASTIPC_RECV_SENDER)) &&
		       deadline < 0 && read_first(ch);
	ssize_t n;
	int ret;

	for (;;) {
		if (!buf)
			return -ENOMEM;
		if (by_read) {
			by_read = false;
			memset(r, 0, sizeof(*r));
			n = read(ch->fd, buf, size);
			if (n >= 0) {
				r->len = (uint64_t)n;
				ret = 0;
				break;
			}
			ret = -errno;
			if (ret != -EMSGSIZE)
				break;
			continue;	/* not plain, or too long: RECV */
		}
		memset(r, 0, sizeof(*r));
		r->buf = fipc_ptr(buf);
		r->len = size;
		r->timeout_ns = fipc_remaining(deadline);
		r->flags = kflags;
		r->fds = fds;
		r->nr_fds = nr_fds;
		ret = fipc_ioctl(ch->fd, FASTIPC_IOC_RECV, r);
		if (!ret)
			note_recv(ch, r, ch->recv_guess);
		if (ret != -EMSGSIZE)
			break;
		if (r->len <= size || r->len > SIZE_MAX) {
			ret = -EPROTO;	/* the kernel broke its word */
			break;
		}
		fipc_guess_grow(ch, r->len);
		if (spare)
			fipc_spare_put(ch, buf);
		else
			free(buf);
		size = r->len;
		buf = malloc(size);
		spare = false;
	}

	if (ret || (r->msg_flags & FASTIPC_MSG_MAPPED)) {
		if (spare)
			fipc_spare_put(ch, buf);
		else
			free(buf);
		*bufp = NULL;
		return ret;
	}

	if (spare)
		buf = fipc_spare_hand_out(ch, buf, r->len, may_lend);
	else if (r->len < size)
		buf = fipc_trim(buf, r->len);
	*bufp = buf;
	return 0;
}

/* @buf, of a message of @len bytes, trimmed to it (never to 0 bytes). */
void *fipc_trim(void *buf, size_t len)
{
	void *trimmed = realloc(buf, len ? len : 1);

	return trimmed ? trimmed : buf;
}

/*
 * The spare receive buffer holds a copied message of @len bytes: what to
 * give the caller.  With @may_lend (the message goes back through the
 * library: fastipc_msg_release()), the spare itself if none is lent
 * already: no allocation and no copy.  Else a small message gets a buffer
 * of its own size and the spare stays for the next receive (a malloc and
 * a short memcpy instead of a malloc of recv_guess bytes and a realloc
 * per message); a larger one keeps the buffer, trimmed.
 */
void *fipc_spare_hand_out(struct fastipc_chan *ch, void *buf, size_t len,
			  bool may_lend)
{
	void *none = NULL;

	if (may_lend &&
	    atomic_compare_exchange_strong_explicit(&ch->recv_lent, &none, buf,
						    memory_order_acq_rel,
						    memory_order_relaxed))
		return buf;
	if (len <= RECV_COPY_OUT_MAX) {
		void *small = malloc(len ? len : 1);

		if (small) {
			memcpy(small, buf, len);
			fipc_spare_put(ch, buf);
			return small;
		}
	}
	return len < ch->recv_guess ? fipc_trim(buf, len) : buf;
}

FASTIPC_EXPORT
ssize_t fastipc_recv_alloc(struct fastipc_chan *ch, void **bufp,
			   unsigned int *prio, unsigned int flags,
			   int64_t timeout_ns)
{
	struct fastipc_recv r;
	void *buf;
	int ret;

	if (!ch || !bufp)
		return -EINVAL;
	if (flags & ~FASTIPC_NONBLOCK)
		return -EINVAL;
	ret = fipc_recv_heap(ch, flags, fipc_deadline(timeout_ns), &r, &buf,
			     false);
	if (ret)
		return ret;
	if (prio)
		*prio = r.prio;
	*bufp = buf;
	return (ssize_t)r.len;
}

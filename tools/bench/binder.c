// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench, call workload: Binder, through its ioctls
 * (<linux/android/binder.h>), no libbinder.
 *
 * Each process opens /dev/binder, checks BINDER_VERSION and maps its
 * receive buffer read-only (4 MiB, the driver's cap).  The server becomes
 * the context manager (BINDER_SET_CONTEXT_MGR: handle 0 for everyone;
 * one per device, so Binder cells run one at a time, and a server that
 * finds the previous cell's still being released retries for 2 s),
 * says BINDER_SET_MAX_THREADS 0 (no BR_SPAWN_LOOPER wanted) and enters
 * the looper (BC_ENTER_LOOPER).  A client writes its request into its
 * own buffer and sends BC_TRANSACTION to handle 0 in a BINDER_WRITE_READ
 * that also reads: BR_TRANSACTION_COMPLETE and BR_REPLY, the reply in
 * its receive buffer (the driver copied it once, from the server's
 * memory), read in place and freed with BC_FREE_BUFFER in the next
 * call's write.  The server reads BR_TRANSACTION (the request in its
 * receive buffer, read in place), writes its reply into a buffer of its
 * own and sends BC_FREE_BUFFER (the request) + BC_REPLY in one
 * BINDER_WRITE_READ that also reads the next transaction.  The driver
 * queues a reply's BR_TRANSACTION_COMPLETE at once (a transaction's it
 * defers until the reply), so that read returns with it and the server
 * reads again for the next transaction: every ioctl is counted.
 * BR_NOOP, BR_SPAWN_LOOPER, BR_OK and reference commands are skipped;
 * BR_DEAD_REPLY, BR_FAILED_REPLY and BR_ERROR fail the cell.
 *
 * Polling, as every receiver of the cell: with polling the descriptor is
 * non-blocking (Binder honours O_NONBLOCK: a read with no work fails
 * with EAGAIN), and a receive (the client's for its reply, the server's
 * for the next request) first tries, again and again, by the same rule
 * and budget as every other receiver (poll.c), then blocks.  A try is
 * poll(2) with no timeout, which asks Binder whether this thread has
 * work, not a read: binder_ioctl() logs every failed ioctl with
 * pr_info() ("ioctl c0306201 ... returned -11"), which in the test VM
 * costs 180-300 us a try on the serial console and floods the kernel
 * log.  When poll(2) says there is work, one non-blocking read takes it;
 * when the budget is spent, poll(2) waits and the read follows.  With
 * polling a client's BC_TRANSACTION is written without a read (the read
 * could only fail); the server's BC_REPLY keeps its read, which returns
 * the BR_TRANSACTION_COMPLETE at once.  Without polling the descriptor
 * blocks, and every receive is one blocking read, in the same ioctl as
 * the write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/android/binder.h>

#include "bench.h"

#define BINDER_DEV	"/dev/binder"
#define BINDER_MAP	(4 * MiB)	/* the driver's cap */

/* The device: /dev/binder, or $FASTIPC_BENCH_BINDER (the tests name a
 * missing one to see the cells skipped). */
static const char *binder_dev(void)
{
	const char *d = getenv("FASTIPC_BENCH_BINDER");

	return d && d[0] ? d : BINDER_DEV;
}

struct bnd {
	int fd;
	void *map;
	bool nonblock;			/* polling: O_NONBLOCK */
	void *buf;			/* our request or reply */
	binder_uintptr_t to_free;	/* a received buffer to free */
	bool have_free;
	bool pending;			/* server: a reply to send */
	const void *data;		/* the received message */
	size_t len;
	uint32_t rbuf[64];		/* what a read returns */
};

bool binder_probe(char *why, size_t len)
{
	const char *dev = binder_dev();
	struct stat st;
	int fd;

	why[0] = '\0';
	if (stat(dev, &st) && geteuid() == 0 && strcmp(dev, BINDER_DEV) == 0) {
		/* The Debian kernels have it as a module. */
		if (system("modprobe -q binder_linux devices=binder "
			   ">/dev/null 2>&1") == 0) {
			for (int i = 0; i < 50 && stat(dev, &st); i++) {
				struct timespec ts = { 0, 20 * NSEC_PER_MSEC };

				nanosleep(&ts, NULL);
			}
		}
		if (!stat(dev, &st))
			snprintf(why, len, "%s (loaded: modprobe binder_linux "
				 "devices=binder)", dev);
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "Binder unavailable: %s: %s%s", dev,
			 strerror(errno), strcmp(dev, BINDER_DEV) ? "" :
			 geteuid() ? " (as root the benchmark loads "
			 "binder_linux)" : " (modprobe binder_linux "
			 "devices=binder failed)");
		return false;
	}
	{
		struct binder_version v = { 0 };

		if (ioctl(fd, BINDER_VERSION, &v) < 0 ||
		    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
			snprintf(why, len, "Binder unavailable: protocol "
				 "version %d, not %d", v.protocol_version,
				 BINDER_CURRENT_PROTOCOL_VERSION);
			close(fd);
			return false;
		}
	}
	close(fd);
	if (!why[0])
		snprintf(why, len, "%s", dev);
	return true;
}

static int bnd_create(struct svc *s)
{
	/* Every client's request may wait in the server's buffer at once. */
	if ((size_t)s->nclients * (s->size + 256) > BINDER_MAP)
		return svc_na(s, "%u requests of %zu bytes exceed Binder's "
			      "4 MiB receive buffer", s->nclients, s->size);
	return 0;
}

static int bwr(struct svc *s, struct bnd *b, void *wbuf, size_t wlen,
	       bool read_too, struct binder_write_read *w)
{
	memset(w, 0, sizeof(*w));
	w->write_buffer = (binder_uintptr_t)(uintptr_t)wbuf;
	w->write_size = wlen;
	if (read_too) {
		w->read_buffer = (binder_uintptr_t)(uintptr_t)b->rbuf;
		w->read_size = sizeof(b->rbuf);
	}
	if (ioctl(b->fd, BINDER_WRITE_READ, w) < 0) {
		int err = -errno;

		if (err == -EAGAIN && w->write_consumed == wlen)
			return -EAGAIN;
		return svc_fail(s, err, "BINDER_WRITE_READ");
	}
	return 0;
}

static int bnd_attach(struct svc *s, int role)
{
	struct bnd *b = s->priv;
	struct binder_version v = { 0 };
	int flags = O_RDWR | O_CLOEXEC;

	s->role = role;
	b->nonblock = s->poll.rule.mode != POLL_OFF;
	if (b->nonblock)
		flags |= O_NONBLOCK;
	b->fd = open(binder_dev(), flags);
	if (b->fd < 0)
		return svc_fail(s, -errno, "open %s", binder_dev());
	if (ioctl(b->fd, BINDER_VERSION, &v) < 0 ||
	    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION)
		return svc_fail(s, -EPROTO, "BINDER_VERSION %d",
				v.protocol_version);
	b->map = mmap(NULL, BINDER_MAP, PROT_READ, MAP_PRIVATE, b->fd, 0);
	if (b->map == MAP_FAILED)
		return svc_fail(s, -errno, "mmap %s", binder_dev());
	b->buf = bench_alloc(s->size);
	if (!b->buf)
		return svc_fail(s, -ENOMEM, "buffer");
	if (role == ROLE_RX) {
		uint32_t zero = 0, cmd = BC_ENTER_LOOPER;
		struct binder_write_read w;
		int err = -EBUSY;

		/* The last cell's server may still be being released. */
		for (int i = 0; i < 200; i++) {
			struct timespec ts = { 0, 10 * NSEC_PER_MSEC };

			if (ioctl(b->fd, BINDER_SET_CONTEXT_MGR, &zero) == 0) {
				err = 0;
				break;
			}
			err = -errno;
			if (err != -EBUSY)
				break;
			nanosleep(&ts, NULL);
		}
		if (err)
			return svc_fail(s, err, "BINDER_SET_CONTEXT_MGR");
		if (ioctl(b->fd, BINDER_SET_MAX_THREADS, &zero) < 0)
			return svc_fail(s, -errno, "BINDER_SET_MAX_THREADS");
		err = bwr(s, b, &cmd, sizeof(cmd), false, &w);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Receive: parse what a read returned (@parse: @w has read something),
 * and until a BR_REPLY (client) or BR_TRANSACTION (server) came, read
 * again: with polling, non-blocking read-only tries by the rule first,
 * then poll(2) and a read; without, a blocking read.
 */
static int bnd_take(struct svc *s, struct bnd *b, struct binder_write_read *w,
		    bool parse, uint32_t want)
{
	bool begun = false;
	int err = -EAGAIN;

	for (;;) {
		const char *p = (const char *)b->rbuf;
		const char *end = p + (parse ? w->read_consumed : 0);

		while (p + sizeof(uint32_t) <= end) {
			uint32_t cmd;

			memcpy(&cmd, p, sizeof(cmd));
			p += sizeof(cmd);
			switch (cmd) {
			case BR_NOOP:
			case BR_TRANSACTION_COMPLETE:
			case BR_SPAWN_LOOPER:
			case BR_OK:
			case BR_FINISHED:
				break;
			case BR_INCREFS:
			case BR_ACQUIRE:
			case BR_RELEASE:
			case BR_DECREFS:
				p += sizeof(struct binder_ptr_cookie);
				break;
			case BR_TRANSACTION:
			case BR_REPLY: {
				struct binder_transaction_data tr;

				memcpy(&tr, p, sizeof(tr));
				p += sizeof(tr);
				if (cmd != want)
					return svc_fail(s, -EPROTO, "binder: "
							"unexpected %s",
							cmd == BR_REPLY ?
							"BR_REPLY" :
							"BR_TRANSACTION");
				b->data = (const void *)(uintptr_t)
					  tr.data.ptr.buffer;
				b->len = tr.data_size;
				b->to_free = tr.data.ptr.buffer;
				b->have_free = true;
				return 0;
			}
			case BR_DEAD_REPLY:
				return svc_fail(s, -EPIPE, "binder: "
						"BR_DEAD_REPLY");
			case BR_FAILED_REPLY:
				return svc_fail(s, -EIO, "binder: "
						"BR_FAILED_REPLY");
			case BR_ERROR: {
				int32_t e;

				memcpy(&e, p, sizeof(e));
				return svc_fail(s, -EIO, "binder: BR_ERROR %d",
						e);
			}
			default:
				return svc_fail(s, -EPROTO, "binder: command "
						"0x%x", cmd);
			}
		}
		parse = true;
		if (!b->nonblock) {
			/* No polling: one blocking read. */
			err = bwr(s, b, NULL, 0, true, w);
			if (err)
				return err;
			continue;
		}
		/*
		 * Polling: poll(2) without a timeout is the try (a read that
		 * finds nothing fails, and Binder logs every failed ioctl
		 * with pr_info); then a read that finds the work, or, when
		 * the budget is spent, poll(2) that waits and the read.
		 */
		{
			struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
			bool ready = false, slept = false;
			int n;

			if (!begun) {
				begun = true;
				rxpoll_begin(&s->poll);
				while (s->poll.spinning) {
					n = sc_poll(&pfd, 1, 0);
					if (n > 0) {
						ready = true;
						break;
					}
					if (n < 0 && errno != EINTR)
						return svc_fail(s, -errno,
								"poll");
					if (!rxpoll_again(&s->poll))
						break;
				}
			}
			while (!ready) {
				n = sc_poll(&pfd, 1, -1);
				if (n < 0 && errno != EINTR)
					return svc_fail(s, -errno, "poll");
				ready = n > 0;
				slept = true;
			}
			err = bwr(s, b, NULL, 0, true, w);
			if (err == -EAGAIN) {
				parse = false;
				continue;	/* woken for nothing */
			}
			if (err)
				return err;
			if (slept)
				rxpoll_woke(&s->poll);
		}
	}
}

struct __attribute__((packed)) bnd_txn {
	uint32_t free_cmd;
	binder_uintptr_t free_ptr;
	uint32_t cmd;
	struct binder_transaction_data tr;
};

/*
 * BC_FREE_BUFFER of what we received last (if any) and @cmd with @buf,
 * in one BINDER_WRITE_READ that also reads, then what @want is (0: write
 * only).
 */
static int bnd_send(struct svc *s, struct bnd *b, uint32_t cmd, void *buf,
		    uint32_t want)
{
	struct binder_write_read w;
	struct bnd_txn t;
	char *wp = (char *)&t;
	size_t wlen = sizeof(t);
	int err;

	memset(&t, 0, sizeof(t));
	t.free_cmd = BC_FREE_BUFFER;
	t.free_ptr = b->to_free;
	t.cmd = cmd;
	t.tr.target.handle = 0;
	t.tr.code = 1;
	t.tr.data_size = s->size;
	t.tr.data.ptr.buffer = (binder_uintptr_t)(uintptr_t)buf;
	if (!b->have_free) {
		wp += offsetof(struct bnd_txn, cmd);
		wlen -= offsetof(struct bnd_txn, cmd);
	}
	b->have_free = false;
	/* With polling, a client's write does not read: nothing has come
	 * yet, and a read that finds nothing fails (and is logged). */
	err = bwr(s, b, wp, wlen, want == BR_TRANSACTION ||
		  (want == BR_REPLY && !b->nonblock), &w);
	if (!want || (err && err != -EAGAIN))
		return err;
	return bnd_take(s, b, &w, err == 0 && w.read_size, want);
}

/* Client */

static int bnd_req_buf(struct svc *s, void **buf)
{
	struct bnd *b = s->priv;

	*buf = b->buf;
	return 0;
}

static int bnd_call(struct svc *s, void *buf, const void **reply, size_t *len)
{
	struct bnd *b = s->priv;
	int err;

	err = bnd_send(s, b, BC_TRANSACTION, buf, BR_REPLY);
	if (err)
		return err;
	*reply = b->data;
	*len = b->len;
	return 0;
}

static int bnd_reply_done(struct svc *s)
{
	(void)s;
	return 0;	/* freed in the next call's write */
}

/* Server: the reply waits for the next recv(), which sends it. */

static int bnd_recv(struct svc *s, const void **req, size_t *len, int *who)
{
	struct bnd *b = s->priv;
	struct binder_write_read w;
	int err;

	if (b->pending) {
		b->pending = false;
		err = bnd_send(s, b, BC_REPLY, b->buf, BR_TRANSACTION);
	} else {
		memset(&w, 0, sizeof(w));
		err = bnd_take(s, b, &w, false, BR_TRANSACTION);
	}
	if (err)
		return err;
	*req = b->data;
	*len = b->len;
	*who = -1;
	return 0;
}

static int bnd_rep_buf(struct svc *s, void **buf)
{
	struct bnd *b = s->priv;

	*buf = b->buf;
	return 0;
}

static int bnd_reply(struct svc *s, void *buf)
{
	struct bnd *b = s->priv;

	(void)buf;
	b->pending = true;
	return 0;
}

static int bnd_finish(struct svc *s)
{
	struct bnd *b = s->priv;

	if (!b->pending)
		return 0;
	b->pending = false;
	return bnd_send(s, b, BC_REPLY, b->buf, 0);
}

static void bnd_detach(struct svc *s)
{
	struct bnd *b = s->priv;

	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, BINDER_MAP);
	if (b->fd >= 0)
		close(b->fd);
}

static const struct mech mech_binder = {
	.name = "binder",
	.family = "binder",
	.desc = "raw Binder ioctls: BC_TRANSACTION to the context manager, "
		"BR_REPLY read in place; BC_FREE_BUFFER + BC_REPLY with the "
		"next read: one copy each way",
	.poll_how = "poll(2) with no timeout on the O_NONBLOCK descriptor "
		    "(Binder's check for this thread's work), then a "
		    "non-blocking BINDER_WRITE_READ read; poll(2) that waits "
		    "when the budget is spent",
};

const struct callmech call_binder = {
	.mech = &mech_binder,
	.priv_size = sizeof(struct bnd),
	.create = bnd_create,
	.attach = bnd_attach,
	.req_buf = bnd_req_buf,
	.call = bnd_call,
	.reply_done = bnd_reply_done,
	.recv = bnd_recv,
	.rep_buf = bnd_rep_buf,
	.reply = bnd_reply,
	.finish = bnd_finish,
	.detach = bnd_detach,
};

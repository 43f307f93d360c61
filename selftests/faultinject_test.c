// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: fault injection over every step of each operation.
 *
 * For each operation (open of the device, OPEN with CREAT and of an
 * existing channel, SEND on the copy and the page path, BUF_ALLOC,
 * SEND_BUF, RECV of a copied and of a page message, RECV_MAP, RECV_VEC,
 * BUF_FREE, mmap and munmap of the window, UNLINK, close, and the netlink commands
 * CHANNEL_GET, its dump and CONFIG_GET) the sweep writes N = 1, 2, 3...
 * to /proc/thread-self/fail-nth, runs the operation once and reads the
 * file back: 0 means the N-th fault-injection point of the call was
 * reached and failed (a slab or page allocation, or a user copy); a
 * non-zero value means the call finished without reaching it, which ends
 * the sweep for that operation.
 *
 * After every injected failure the call must have returned an errno and
 * left everything as it was: nothing queued after a failed send (INFO
 * queued_msgs and sent_msgs unchanged, and the room it had reserved given
 * back), the message still queued and intact after a failed receive, a
 * buffer still mapped after a failed SEND_BUF or BUF_FREE, no channel
 * after a failed create; when the call succeeded anyway (some allocations
 * have fallbacks) its effect must be whole.  STATS (channels, handles,
 * pages_held, bytes_queued) must be back at the baseline after each
 * test's cleanup, and selftests/run.sh fails the program on any kernel
 * report.
 *
 * Needs CONFIG_FAULT_INJECTION (fail-nth), FAILSLAB, FAIL_PAGE_ALLOC and
 * FAULT_INJECTION_USERCOPY with debugfs (the debug kernel): the whole
 * program skips (KSFT_SKIP) where /proc/thread-self/fail-nth or the
 * debugfs knobs are missing (the stock kernel).  Each test sets the knobs
 * that let fail-nth reach sleeping and highmem allocations of any order
 * (failslab and fail_page_alloc ignore-gfp-wait N, fail_page_alloc
 * ignore-gfp-highmem N and min-order 0) and quiets the reports (verbose
 * 0), and restores them afterwards.  fail-nth only ever fails the calling
 * thread's N-th injection point, so nothing else in the system is
 * affected (the probability stays 0).
 */
#include <sys/mman.h>

#include "adv_util.h"

#define FI_NTH		"/proc/thread-self/fail-nth"
#define FI_DBG		"/sys/kernel/debug/"
#define FI_MAX_STEPS	400	/* more points than any operation has */

static const char *const fi_knobs[][2] = {
	{ FI_DBG "failslab/ignore-gfp-wait", "N" },
	{ FI_DBG "failslab/verbose", "0" },
	{ FI_DBG "fail_page_alloc/ignore-gfp-wait", "N" },
	{ FI_DBG "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ FI_DBG "fail_page_alloc/min-order", "0" },
	{ FI_DBG "fail_page_alloc/verbose", "0" },
	{ FI_DBG "fail_usercopy/verbose", "0" },
};

#define FI_NKNOBS	(sizeof(fi_knobs) / sizeof(fi_knobs[0]))

static int fi_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int fi_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* ---- fail-nth ------------------------------------------------------------ */

/* Fail the @n-th injection point this thread reaches from now on. */
static void nth_arm(int fd, unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(fd, b, len, 0) != len)
		abort();	/* nothing would be injected: the sweep is void */
}

/*
 * Disarm, and say whether the armed point was reached (fail-nth reads 0).
 * When the call stopped one point short, the read itself is that point
 * (its copy to user space fails): that is "not reached" too.
 */
static bool nth_fired(int fd)
{
	char b[16] = "";
	ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
	bool fired = n >= 2 && b[0] == '0' && b[1] == '\n';

	/* Also when the pread failed: this may be the point, and then 0. */
	if (pwrite(fd, "0", 1, 0) != 1 && errno != EFAULT)
		abort();
	return fired;
}

/* Errors an injected failure may surface as. */
static bool injected_errno(int err)
{
	return err == -ENOMEM || err == -EFAULT || err == -ENOBUFS;
}

/* ---- fixture ------------------------------------------------------------------ */

#define FI_NAMES	8

FIXTURE(fi) {
	char knob_orig[FI_NKNOBS][32];
	bool knob_saved[FI_NKNOBS];
	int nth;			/* /proc/thread-self/fail-nth */
	struct fastipc_stats base;	/* before the test */
	char names[FI_NAMES][FASTIPC_NAME_LEN];
	int nnames;
	/* What a sweep saw, for the log. */
	unsigned int steps, failed, succeeded;
};

FIXTURE_SETUP(fi)
{
	unsigned int i;

	for (i = 0; i < FI_NKNOBS; i++) {
		self->knob_saved[i] = !fi_read_file(fi_knobs[i][0],
						   self->knob_orig[i],
						   sizeof(self->knob_orig[i]));
		ASSERT_TRUE(self->knob_saved[i]) TH_LOG("read %s", fi_knobs[i][0]);
		/* Booleans read back as Y/N and are written the same way. */
		ASSERT_EQ(0, fi_write_file(fi_knobs[i][0], fi_knobs[i][1]))
			TH_LOG("write %s", fi_knobs[i][0]);
	}
	adv_kmsg("faultinject_test", _metadata->name);
	self->nth = open(FI_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
	/* From here on, no page of the stack is touched for the first time. */
	adv_prefault_stack(256);
	self->base = adv_stats();
}

FIXTURE_TEARDOWN(fi)
{
	struct fastipc_stats now;
	unsigned int i;

	if (self->nth >= 0) {
		if (pwrite(self->nth, "0", 1, 0) != 1)
			TH_LOG("could not disarm fail-nth");
		close(self->nth);
	}
	for (i = 0; i < FI_NKNOBS; i++)
		if (self->knob_saved[i])
			fi_write_file(fi_knobs[i][0], self->knob_orig[i]);
	for (i = 0; i < (unsigned int)self->nnames; i++)
		fipc_unlink(self->names[i]);
	/* Whatever the test did, the module is back where it was. */
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 2000))
		TH_LOG("after the test: " ADV_STATS_FMT ", before: " ADV_STATS_FMT,
		       ADV_STATS_ARGS(now), ADV_STATS_ARGS(self->base));
	if (self->steps)
		TH_LOG("%u injection points: %u failed the call, %u were survived",
		       self->steps, self->failed, self->succeeded);
}

/* A fresh name, unlinked by the teardown. */
static const char *fi_name(FIXTURE_DATA(fi) *self, const char *tag)
{
	char *n = self->names[self->nnames++ % FI_NAMES];

	fipc_name(n, tag);
	return n;
}

/*
 * The sweep: run @body (which arms with ARM(), runs the call, and sets
 * `fired` with FIRED()) for n = 1, 2, ... until a run does not reach the
 * n-th point.  It must end before FI_MAX_STEPS.
 */
#define SWEEP(self, n, fired)						\
	for ((n) = 1, (fired) = true; (fired) && (n) <= FI_MAX_STEPS; (n)++)
#define ARM(self, n)	nth_arm((self)->nth, (n))
#define FIRED(self)	nth_fired((self)->nth)

/* Count the outcome of one step; the call's result is @ret. */
static void fi_count(FIXTURE_DATA(fi) *self, bool fired, int ret)
{
	if (!fired)
		return;
	self->steps++;
	if (ret)
		self->failed++;
	else
		self->succeeded++;
}

#define SWEEP_DONE(n)							\
	ASSERT_GT(FI_MAX_STEPS + 1, (n) - 1)				\
		TH_LOG("the call still reached injection point %d", FI_MAX_STEPS)

/* ---- the device and binding ------------------------------------------------------ */

TEST_F(fi, dev_open)
{
	bool fired;
	int n, fd;

	SWEEP(self, n, fired) {
		ARM(self, n);
		fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		fired = FIRED(self);
		fi_count(self, fired, fd < 0 ? fd : 0);
		if (!fired)
			ASSERT_LE(0, fd) TH_LOG("open without injection: %s", strerror(-fd));
		if (fd < 0) {
			ASSERT_TRUE(injected_errno(fd) || fd == -ENFILE)
				TH_LOG("step %d: open: %s", n, strerror(-fd));
			continue;
		}
		/* A working, unbound file. */
		struct fastipc_stats st;

		ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_INFO, &(struct fastipc_info){}));
		ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_STATS, &st));
		close(fd);
	}
	SWEEP_DONE(n);
}

TEST_F(fi, open_create)
{
	struct fastipc_open op;
	struct fastipc_info info;
	bool fired;
	int n, fd, ret, again;

	SWEEP(self, n, fired) {
		const char *name = fi_name(self, "ficr");

		fd = fipc_dev();
		ASSERT_LE(0, fd);
		memset(&op, 0, sizeof(op));
		fipc_set_name(op.name, name);
		op.flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL;
		op.mode = 0600;
		op.attr.max_msgs = 4;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret) TH_LOG("OPEN without injection: %s", strerror(-ret));
		if (!ret) {
			/* Whole: bound, named, counted, with its limits. */
			ASSERT_EQ(0, fipc_info(fd, &info));
			ASSERT_EQ(0, strcmp(info.name, name));
			ASSERT_EQ(op.id, info.id);
			ASSERT_EQ(4, info.attr.max_msgs);
			ASSERT_EQ(1, info.handles);
			ASSERT_EQ(self->base.channels + 1, adv_stats().channels);
			ASSERT_EQ(self->base.handles + 1, adv_stats().handles);
			close(fd);
			ASSERT_EQ(0, fipc_unlink(name));
			continue;
		}
		ASSERT_TRUE(injected_errno(ret))
			TH_LOG("step %d: OPEN: %s", n, strerror(-ret));
		/* Nothing: the file is unbound and no channel was made. */
		ASSERT_EQ(-EBADFD, fipc_info(fd, &info));
		EXPECT_EQ(self->base.handles, adv_stats().handles);
		again = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
		EXPECT_EQ(-ENOENT, again)
			TH_LOG("step %d: OPEN|CREAT|EXCL failed with %s but created the channel (a retry would get EEXIST)",
			       n, strerror(-ret));
		if (again >= 0)
			close(again);
		EXPECT_EQ(self->base.channels, adv_stats().channels);
		fipc_unlink(name);
		/* And the file can still be bound. */
		ASSERT_EQ(0, fipc_bind(fd, name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
				       FASTIPC_O_EXCL, 0600, NULL));
		close(fd);
		ASSERT_EQ(0, fipc_unlink(name));
	}
	SWEEP_DONE(n);
}

TEST_F(fi, open_existing)
{
	const char *name = fi_name(self, "fiex");
	struct fastipc_open op;
	struct fastipc_info info;
	bool fired;
	int n, fd, holder, ret;

	holder = fipc_create(name, NULL);
	ASSERT_LE(0, holder);
	ASSERT_EQ(0, fipc_send(holder, "kept", 4, 0, 0, -1));
	SWEEP(self, n, fired) {
		fd = fipc_dev();
		ASSERT_LE(0, fd);
		memset(&op, 0, sizeof(op));
		fipc_set_name(op.name, name);
		op.flags = FASTIPC_O_RDWR;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: OPEN: %s", n, strerror(-ret));
			ASSERT_EQ(-EBADFD, fipc_info(fd, &info));
			ASSERT_EQ(1, adv_info(holder).handles);
		} else {
			ASSERT_EQ(2, adv_info(fd).handles);
			ASSERT_EQ(adv_info(holder).id, op.id);
		}
		ASSERT_EQ(1, adv_info(holder).queued_msgs);
		close(fd);
		ASSERT_EQ(1, adv_info(holder).handles);
	}
	SWEEP_DONE(n);
	close(holder);
}

/* ---- sending --------------------------------------------------------------------- */

/*
 * One send sweep on a channel of max_msgs 1: after a failed send the room
 * it reserved must be free again (a non-blocking send then fits).
 */
static void send_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, uint32_t flags, size_t len)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	const char *name = fi_name(self, "fisd");
	struct fastipc_info before, after;
	uint64_t rlen;
	uint8_t *buf, *rbuf;
	bool fired;
	int n, fd, ret;

	buf = malloc(len);
	rbuf = malloc(len + 1);
	ASSERT_TRUE(buf && rbuf);
	memset(rbuf, 0, len + 1);
	fd = fipc_create(name, &attr);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		fipc_fill(buf, len, n);
		before = adv_info(fd);
		ARM(self, n);
		ret = fipc_send(fd, buf, len, 3, flags | FASTIPC_NONBLOCK, -1);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret) TH_LOG("send without injection: %s", strerror(-ret));
		after = adv_info(fd);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: SEND: %s", n, strerror(-ret));
			/* Nothing queued, nothing counted, nothing held. */
			ASSERT_EQ(0, after.queued_msgs);
			ASSERT_EQ(before.sent_msgs, after.sent_msgs);
			ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
			ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
			/* The reserved room was given back. */
			ASSERT_EQ(0, fipc_send(fd, "x", 1, 0, FASTIPC_NONBLOCK, -1))
				TH_LOG("step %d: the failed send kept its room", n);
			rlen = len + 1;
			ASSERT_EQ(0, fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(1, rlen);
			continue;
		}
		/* Whole: one message, these bytes, this priority. */
		ASSERT_EQ(1, after.queued_msgs);
		ASSERT_EQ(before.sent_msgs + 1, after.sent_msgs);
		ASSERT_EQ(self->base.bytes_queued + len, adv_stats().bytes_queued);
		rlen = len + 1;
		uint32_t prio = 0, mflags = 0;

		ASSERT_EQ(0, fipc_recv_full(fd, rbuf, &rlen, &prio, &mflags,
					    FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(len, rlen);
		ASSERT_EQ(3, prio);
		ASSERT_EQ(-1, fipc_check(rbuf, len, n));
		ASSERT_EQ(flags & FASTIPC_SEND_PAGES ? FASTIPC_MSG_PAGES : 0,
			  mflags & FASTIPC_MSG_PAGES);
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
	free(rbuf);
}

TEST_F(fi, send_copy)
{
	send_sweep(_metadata, self, FASTIPC_SEND_COPY, 300);
}

TEST_F(fi, send_pages)
{
	send_sweep(_metadata, self, FASTIPC_SEND_PAGES, 3 * ADV_PAGE + 100);
}

/*
 * A plain page-path send takes pages without zeroing them (it overwrites
 * every byte).  When one of its allocations fails half way, the pages it
 * already had hold whatever they held before, anybody's data: they must
 * not go to the handle's recycling pool, from which BUF_ALLOC with
 * FASTIPC_BUF_NOZERO hands them out as they are.  The free lists are first
 * filled with pages saying STALE!! so that a leak shows whose data it is.
 */
TEST_F(fi, send_pages_failure_recycles_no_stale_pages)
{
	static const char marker[8] = { 'S', 'T', 'A', 'L', 'E', '!', '!', '\n' };
	size_t npages = 16, len = npages * ADV_PAGE;
	const char *name = fi_name(self, "fist");
	uint64_t pooled, foreign, marked, addr;
	uint8_t *buf = malloc(len);
	bool fired;
	int n, fd, h, ret;
	void *win;

	ASSERT_NE(NULL, buf);
	if (!fipc_param("pool_max", 0))
		SKIP(return, "recycling is off (pool_max 0)");
	ASSERT_EQ(0, adv_spray_free_pages(64, marker));
	fipc_fill(buf, len, 1);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		/* A fresh handle: an empty pool, so every page is a fresh one. */
		h = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
		ASSERT_LE(0, h);
		win = adv_win(h, 2 * len, PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, win);
		ARM(self, n);
		ret = fipc_send(h, buf, len, 0, FASTIPC_SEND_PAGES | FASTIPC_NONBLOCK, -1);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		pooled = adv_stats().pages_pooled - self->base.pages_pooled;
		if (!ret) {
			uint64_t rlen = len;

			/* Sent whole: these are our bytes, back in our pool after. */
			ASSERT_EQ(0, fipc_recv(fd, buf, &rlen, NULL, FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(-1, fipc_check(buf, len, 1));
		} else if (pooled) {
			ASSERT_TRUE(injected_errno(ret));
			ASSERT_EQ(0, adv_buf_alloc_flags(h, pooled * ADV_PAGE,
							 FASTIPC_BUF_NOZERO, &addr));
			foreign = adv_foreign_bytes((void *)(uintptr_t)addr,
						    pooled * ADV_PAGE, marker, &marked);
			EXPECT_EQ(0, foreign)
				TH_LOG("step %d: %s, then %llu recycled pages hold %llu bytes this process never wrote (%llu words of another process's STALE!! marker); the first: %s",
				       n, strerror(-ret), (unsigned long long)pooled,
				       (unsigned long long)foreign, (unsigned long long)marked,
				       adv_first_foreign((void *)(uintptr_t)addr,
							 pooled * ADV_PAGE));
			ASSERT_EQ(0, adv_buf_free(h, addr));
		}
		ASSERT_EQ(0, munmap(win, 2 * len));
		close(h);
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
}

/* ---- the window: BUF_ALLOC, SEND_BUF, BUF_FREE, mmap, munmap ---------------------------- */

#define WIN_PAGES	16

TEST_F(fi, buf_alloc)
{
	const char *name = fi_name(self, "fial");
	uint64_t len = 2 * ADV_PAGE + 1, big;
	struct fastipc_buf bf;
	char *win;
	bool fired;
	int n, fd, ret;

	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	win = adv_win(fd, WIN_PAGES * ADV_PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, win);
	SWEEP(self, n, fired) {
		memset(&bf, 0, sizeof(bf));
		bf.len = len;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_BUF_ALLOC, &bf);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: BUF_ALLOC: %s", n, strerror(-ret));
			ASSERT_EQ(0, adv_info(fd).window_pages);
			ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
			/* No part of the window stayed taken. */
			ASSERT_EQ(0, adv_buf_alloc(fd, WIN_PAGES * ADV_PAGE, &big))
				TH_LOG("step %d: the failed BUF_ALLOC left window pages taken", n);
			ASSERT_EQ(0, adv_buf_free(fd, big));
			continue;
		}
		ASSERT_EQ(3 * ADV_PAGE, bf.len);
		ASSERT_TRUE(bf.addr >= (uintptr_t)win &&
			    bf.addr + bf.len <= (uintptr_t)win + WIN_PAGES * ADV_PAGE);
		ASSERT_EQ(3, adv_info(fd).window_pages);
		ASSERT_EQ(self->base.pages_held + 3, adv_stats().pages_held);
		/* Zeroed, and writable. */
		for (size_t i = 0; i < bf.len; i += 512)
			ASSERT_EQ(0, ((volatile char *)(uintptr_t)bf.addr)[i]);
		((volatile char *)(uintptr_t)bf.addr)[0] = 1;
		ASSERT_EQ(0, adv_buf_free(fd, bf.addr));
	}
	SWEEP_DONE(n);
	ASSERT_EQ(0, munmap(win, WIN_PAGES * ADV_PAGE));
	close(fd);
}

TEST_F(fi, send_buf)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	const char *name = fi_name(self, "fisb");
	size_t len = 5000;
	struct fastipc_info before, after;
	uint8_t *rbuf = malloc(3 * ADV_PAGE);
	uint64_t addr, rlen;
	char *win;
	bool fired;
	int n, fd, ret;

	ASSERT_NE(NULL, rbuf);
	memset(rbuf, 0, 3 * ADV_PAGE);
	fd = fipc_create(name, &attr);
	ASSERT_LE(0, fd);
	win = adv_win(fd, WIN_PAGES * ADV_PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, win);
	SWEEP(self, n, fired) {
		ASSERT_EQ(0, adv_buf_alloc(fd, 2 * ADV_PAGE, &addr));
		fipc_fill((void *)(uintptr_t)addr, 2 * ADV_PAGE, n);
		before = adv_info(fd);
		ARM(self, n);
		ret = adv_send_buf(fd, addr, len, FASTIPC_NONBLOCK);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		after = adv_info(fd);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: SEND_BUF: %s", n, strerror(-ret));
			ASSERT_EQ(0, after.queued_msgs);
			ASSERT_EQ(before.sent_msgs, after.sent_msgs);
			/* The buffer is still mapped, whole and unchanged. */
			ASSERT_EQ(2, after.window_pages);
			ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)addr, 2 * ADV_PAGE, n));
			ASSERT_EQ(self->base.pages_held + 2, adv_stats().pages_held);
			/* Its room was given back. */
			ASSERT_EQ(0, fipc_send(fd, "x", 1, 0, FASTIPC_NONBLOCK, -1));
			rlen = 8;
			ASSERT_EQ(0, fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(0, adv_buf_free(fd, addr));
			continue;
		}
		ASSERT_EQ(1, after.queued_msgs);
		ASSERT_EQ(0, after.window_pages);
		/* Trimmed to two pages (5000 bytes), sent once. */
		ASSERT_EQ(self->base.pages_held + 2, adv_stats().pages_held);
		rlen = 3 * ADV_PAGE;
		ASSERT_EQ(0, fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(len, rlen);
		ASSERT_EQ(-1, fipc_check(rbuf, len, n));
	}
	SWEEP_DONE(n);
	ASSERT_EQ(0, munmap(win, WIN_PAGES * ADV_PAGE));
	close(fd);
	free(rbuf);
}

TEST_F(fi, buf_free)
{
	const char *name = fi_name(self, "fifr");
	uint64_t addr;
	char *win;
	bool fired;
	int n, fd, ret;

	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	win = adv_win(fd, WIN_PAGES * ADV_PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, win);
	SWEEP(self, n, fired) {
		struct fastipc_buf bf = {};

		ASSERT_EQ(0, adv_buf_alloc(fd, 3 * ADV_PAGE, &addr));
		fipc_fill((void *)(uintptr_t)addr, 3 * ADV_PAGE, n);
		bf.addr = addr;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_BUF_FREE, &bf);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: BUF_FREE: %s", n, strerror(-ret));
			ASSERT_EQ(3, adv_info(fd).window_pages);
			ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)addr, 3 * ADV_PAGE, n));
			ASSERT_EQ(0, adv_buf_free(fd, addr));
		}
		ASSERT_EQ(0, adv_info(fd).window_pages);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	}
	SWEEP_DONE(n);
	ASSERT_EQ(0, munmap(win, WIN_PAGES * ADV_PAGE));
	close(fd);
}

TEST_F(fi, mmap_window)
{
	const char *name = fi_name(self, "fimm");
	size_t wsz = WIN_PAGES * ADV_PAGE;
	uint64_t addr;
	void *win;
	bool fired;
	int n, fd, ret;

	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		ARM(self, n);
		win = mmap(NULL, wsz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ret = win == MAP_FAILED ? -errno : 0;
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret) || ret == -EAGAIN)
				TH_LOG("step %d: mmap: %s", n, strerror(-ret));
			/* No half-made window: none, and a new mmap works. */
			ASSERT_EQ(0, adv_info(fd).window_size);
			ASSERT_EQ(-ENXIO, adv_buf_alloc(fd, 1, &addr));
			win = adv_win(fd, wsz, PROT_READ | PROT_WRITE);
			ASSERT_NE(NULL, win) TH_LOG("step %d: no window after a failed mmap: %s",
						    n, strerror(errno));
		}
		ASSERT_EQ(wsz, adv_info(fd).window_size);
		ASSERT_EQ(0, adv_buf_alloc(fd, ADV_PAGE, &addr));
		ASSERT_TRUE(addr >= (uintptr_t)win && addr < (uintptr_t)win + wsz);
		ASSERT_EQ(0, munmap(win, wsz));
		ASSERT_EQ(0, adv_info(fd).window_size);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	}
	SWEEP_DONE(n);
	close(fd);
}

TEST_F(fi, munmap_window)
{
	const char *name = fi_name(self, "fimu");
	size_t wsz = WIN_PAGES * ADV_PAGE;
	uint8_t *ubuf = malloc(2 * ADV_PAGE);
	struct fastipc_recv rv;
	uint64_t addr;
	void *win;
	bool fired;
	int n, fd, ret;

	ASSERT_NE(NULL, ubuf);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		win = adv_win(fd, wsz, PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, win);
		/* One buffer allocated, one received. */
		ASSERT_EQ(0, adv_buf_alloc(fd, 3 * ADV_PAGE, &addr));
		fipc_fill((void *)(uintptr_t)addr, 3 * ADV_PAGE, n);
		fipc_fill(ubuf, 2 * ADV_PAGE, n + 1000);
		ASSERT_EQ(0, fipc_send(fd, ubuf, 2 * ADV_PAGE, 0, FASTIPC_SEND_PAGES, -1));
		ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));
		ASSERT_EQ(5, adv_info(fd).window_pages);
		ARM(self, n);
		ret = munmap(win, wsz) ? -errno : 0;
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: munmap: %s", n, strerror(-ret));
			/* Still all there. */
			ASSERT_EQ(wsz, adv_info(fd).window_size);
			ASSERT_EQ(5, adv_info(fd).window_pages);
			ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)addr, 3 * ADV_PAGE, n));
			ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, 2 * ADV_PAGE,
						 n + 1000));
			ASSERT_EQ(0, munmap(win, wsz));
		}
		/* Every buffer of the window was freed with it. */
		ASSERT_EQ(0, adv_info(fd).window_size);
		ASSERT_EQ(0, adv_info(fd).window_pages);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	}
	SWEEP_DONE(n);
	close(fd);
	free(ubuf);
}

/*
 * Messages with descriptors, on both paths: a send that fails holds no
 * file, a receive with FASTIPC_RECV_FDS that fails (an allocation while
 * installing them) keeps the message with its files and leaves none
 * open.  At the end every reference to the pipe's write end is gone.
 */
static void fds_sweep(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fi) *self, uint32_t flags, size_t len)
{
	const char *name = fi_name(self, "fifd");
	int pfd[2], pass[3], got[3];
	uint8_t *buf = malloc(len), *rbuf = malloc(len);
	struct fastipc_send sd = {
		.len = len, .timeout_ns = -1,
		.flags = flags | FASTIPC_NONBLOCK,
		.fds = (uintptr_t)pass, .nr_fds = 3,
	};
	struct fastipc_recv rv;
	bool fired;
	int n, fd, ret, i, pass_no;
	char c;

	ASSERT_TRUE(buf && rbuf);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	for (i = 0; i < 3; i++)
		pass[i] = pfd[1];
	sd.buf = (uintptr_t)buf;
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	/* Pass 0 fails each step of the send, pass 1 of the receive. */
	for (pass_no = 0; pass_no < 2; pass_no++) {
		SWEEP(self, n, fired) {
			fipc_fill(buf, len, n);
			if (!pass_no)
				ARM(self, n);
			ret = fipc_ioctl(fd, FASTIPC_IOC_SEND, &sd);
			if (!pass_no) {
				fired = FIRED(self);
				fi_count(self, fired, ret);
			}
			if (ret) {
				ASSERT_TRUE(!pass_no && injected_errno(ret))
					TH_LOG("step %d: SEND: %s", n, strerror(-ret));
				ASSERT_EQ(0, adv_info(fd).queued_msgs);
				continue;
			}
			rv = (struct fastipc_recv){
				.buf = (uintptr_t)rbuf, .len = len,
				.timeout_ns = -1,
				.flags = FASTIPC_NONBLOCK | FASTIPC_RECV_FDS,
				.fds = (uintptr_t)got, .nr_fds = 3,
			};
			if (pass_no)
				ARM(self, n);
			ret = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);
			if (pass_no) {
				fired = FIRED(self);
				fi_count(self, fired, ret);
			}
			if (ret) {
				ASSERT_TRUE(pass_no && injected_errno(ret))
					TH_LOG("step %d: RECV: %s", n, strerror(-ret));
				ASSERT_EQ(1, adv_info(fd).queued_msgs)
					TH_LOG("step %d: a failed receive lost the message", n);
				rv.nr_fds = 3;
				rv.len = len;
				rv.flags = FASTIPC_NONBLOCK | FASTIPC_RECV_FDS;
				ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv));
			}
			ASSERT_EQ(3, rv.nr_fds);
			ASSERT_EQ(-1, fipc_check(rbuf, len, n));
			for (i = 0; i < 3; i++)
				ASSERT_EQ(0, close(got[i]));
		}
		SWEEP_DONE(n);
	}
	close(fd);
	close(pfd[1]);
	/* No reference left anywhere: the reader sees end-of-file. */
	ASSERT_EQ(0, read(pfd[0], &c, 1));
	close(pfd[0]);
	free(buf);
	free(rbuf);
}

TEST_F(fi, send_recv_fds_copy)
{
	fds_sweep(_metadata, self, FASTIPC_SEND_COPY, 300);
}

TEST_F(fi, send_recv_fds_pages)
{
	fds_sweep(_metadata, self, FASTIPC_SEND_PAGES, 2 * ADV_PAGE + 10);
}

/* ---- receiving --------------------------------------------------------------------- */

static void recv_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, uint32_t send_flags, size_t len)
{
	const char *name = fi_name(self, "firc");
	struct fastipc_info before, after;
	uint64_t held, rlen;
	uint8_t *buf = malloc(len), *rbuf = malloc(len + 64);
	bool fired;
	int n, fd, ret;

	ASSERT_TRUE(buf && rbuf);
	memset(rbuf, 0, len + 64);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		fipc_fill(buf, len, n);
		ASSERT_EQ(0, fipc_send(fd, buf, len, 7, send_flags, -1));
		before = adv_info(fd);
		held = adv_stats().pages_held;
		rlen = len + 64;
		ARM(self, n);
		ret = fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK, -1);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		after = adv_info(fd);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: RECV: %s", n, strerror(-ret));
			/* The message is still queued, whole. */
			ASSERT_EQ(1, after.queued_msgs)
				TH_LOG("step %d: a failed receive lost the message", n);
			ASSERT_EQ(len, after.queued_bytes);
			ASSERT_EQ(before.recv_msgs, after.recv_msgs);
			ASSERT_EQ(held, adv_stats().pages_held);
			memset(rbuf, 0, len);
			rlen = len + 64;
			ASSERT_EQ(0, fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK, -1));
		}
		ASSERT_EQ(len, rlen);
		ASSERT_EQ(-1, fipc_check(rbuf, len, n));
		after = adv_info(fd);
		ASSERT_EQ(0, after.queued_msgs);
		ASSERT_EQ(before.recv_msgs + 1, after.recv_msgs);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
	free(rbuf);
}

/* Vector receives: three messages, RECV_VEC for four, every step failed. */
static int recv_vec4(int fd, struct fastipc_rvec *ent, uint8_t *rbuf, size_t sz)
{
	for (int i = 0; i < 4; i++)
		ent[i] = (struct fastipc_rvec){ .buf = (uintptr_t)(rbuf + i * sz),
						.len = sz };
	return fipc_recv_vec(fd, ent, 4, FASTIPC_NONBLOCK, 0);
}

TEST_F(fi, recv_vec)
{
	static const size_t lens[3] = { 100, 300, 5000 };
	const char *name = fi_name(self, "firv");
	struct fastipc_rvec ent[4];
	struct fastipc_info before, after;
	uint8_t *buf = malloc(8192), *rbuf = malloc(4 * 8192);
	int n, fd, ret, got, k;
	bool fired;

	ASSERT_TRUE(buf && rbuf);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		for (k = 0; k < 3; k++) {
			fipc_fill(buf, lens[k], n * 3 + k);
			ASSERT_EQ(0, fipc_send(fd, buf, lens[k], 0, FASTIPC_SEND_COPY, -1));
		}
		before = adv_info(fd);
		ARM(self, n);
		ret = recv_vec4(fd, ent, rbuf, 8192);
		fired = FIRED(self);
		fi_count(self, fired, ret < 0 ? ret : 0);
		if (!fired)
			ASSERT_EQ(3, ret);
		if (ret < 0) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: RECV_VEC: %s", n, strerror(-ret));
			ret = 0;
		}
		/* What it took is whole; the rest is queued, in order. */
		after = adv_info(fd);
		ASSERT_EQ(3 - ret, after.queued_msgs)
			TH_LOG("step %d: took %d, left %llu", n, ret,
			       (unsigned long long)after.queued_msgs);
		ASSERT_EQ(before.recv_msgs + ret, after.recv_msgs);
		for (k = 0; k < ret; k++) {
			ASSERT_EQ(lens[k], ent[k].len);
			ASSERT_EQ(-1, fipc_check(rbuf + k * 8192, lens[k], n * 3 + k));
		}
		for (got = ret; got < 3; got += ret) {
			ret = recv_vec4(fd, ent, rbuf, 8192);
			ASSERT_LT(0, ret) TH_LOG("step %d: %s", n, strerror(-ret));
			for (k = 0; k < ret; k++) {
				ASSERT_EQ(lens[got + k], ent[k].len);
				ASSERT_EQ(-1, fipc_check(rbuf + k * 8192, lens[got + k],
							 n * 3 + got + k));
			}
		}
		ASSERT_EQ(0, adv_info(fd).queued_msgs);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
	free(rbuf);
}

TEST_F(fi, recv_copy)
{
	recv_sweep(_metadata, self, FASTIPC_SEND_COPY, 300);
}

TEST_F(fi, recv_pages_plain)
{
	recv_sweep(_metadata, self, FASTIPC_SEND_PAGES, 3 * ADV_PAGE + 100);
}

TEST_F(fi, recv_map)
{
	const char *name = fi_name(self, "firm");
	size_t len = 3 * ADV_PAGE + 100, wsz = WIN_PAGES * ADV_PAGE;
	struct fastipc_recv rv;
	uint8_t *buf = malloc(len);
	uint64_t big;
	char *win;
	bool fired;
	int n, fd, ret;

	ASSERT_NE(NULL, buf);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	win = adv_win(fd, wsz, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, win);
	SWEEP(self, n, fired) {
		fipc_fill(buf, len, n);
		ASSERT_EQ(0, fipc_send(fd, buf, len, 0, FASTIPC_SEND_PAGES, -1));
		memset(&rv, 0, sizeof(rv));
		rv.timeout_ns = -1;
		rv.flags = FASTIPC_RECV_MAP | FASTIPC_NONBLOCK;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: RECV_MAP: %s", n, strerror(-ret));
			ASSERT_EQ(1, adv_info(fd).queued_msgs)
				TH_LOG("step %d: a failed RECV_MAP lost the message", n);
			/* Nothing left in the window, the pages still with the message. */
			ASSERT_EQ(0, adv_info(fd).window_pages);
			ASSERT_EQ(self->base.pages_held + 4, adv_stats().pages_held);
			ASSERT_EQ(0, adv_buf_alloc(fd, wsz, &big))
				TH_LOG("step %d: the failed RECV_MAP left window pages taken", n);
			ASSERT_EQ(0, adv_buf_free(fd, big));
			ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));
		}
		ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, rv.msg_flags);
		ASSERT_EQ(len, rv.len);
		ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, len, n));
		ASSERT_EQ(0, adv_info(fd).queued_msgs);
		ASSERT_EQ(4, adv_info(fd).window_pages);
		ASSERT_EQ(0, adv_buf_free(fd, rv.addr));
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	}
	SWEEP_DONE(n);
	ASSERT_EQ(0, munmap(win, wsz));
	close(fd);
	free(buf);
}

/* ---- topics ---------------------------------------------------------------------------- */

static int fi_topic_open(const char *name, uint32_t flags)
{
	return fipc_open_ex(name, flags | FASTIPC_O_TOPIC, 0600, 0, 0, NULL);
}

/*
 * Subscribing, publishing and mapping a view, every allocation failed in
 * turn: a failed subscribe leaves no subscriber, a failed publish
 * nothing in the topic, a failed map the message this subscriber's next
 * and the other subscriber's view untouched.
 */
TEST_F(fi, topic_subscribe_publish_map)
{
	const char *name = fi_name(self, "fitopic");
	size_t len = 3 * ADV_PAGE + 100, wsz = WIN_PAGES * ADV_PAGE;
	struct fastipc_recv rv, orv;
	int n, pub, sub, other, ret;
	uint8_t *buf = malloc(len);
	char *pwin, *win, *owin;
	bool fired;

	ASSERT_NE(NULL, buf);
	pub = fi_topic_open(name, FASTIPC_O_SEND | FASTIPC_O_CREAT);
	ASSERT_LE(0, pub);
	pwin = adv_win(pub, wsz, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, pwin);
	other = fi_topic_open(name, FASTIPC_O_RECV);
	ASSERT_LE(0, other);
	owin = adv_win(other, wsz, PROT_READ);
	ASSERT_NE(NULL, owin);

	SWEEP(self, n, fired) {
		ARM(self, n);
		sub = fi_topic_open(name, FASTIPC_O_RECV);
		fired = FIRED(self);
		fi_count(self, fired, sub < 0 ? sub : 0);
		if (sub < 0) {
			ASSERT_TRUE(fired && injected_errno(sub))
				TH_LOG("step %d: subscribe: %s", n, strerror(-sub));
			ASSERT_EQ(1, adv_info(pub).subscribers);
			continue;
		}
		ASSERT_EQ(2, adv_info(pub).subscribers);
		close(sub);
	}
	SWEEP_DONE(n);
	sub = fi_topic_open(name, FASTIPC_O_RECV);
	ASSERT_LE(0, sub);
	win = adv_win(sub, wsz, PROT_READ);
	ASSERT_NE(NULL, win);

	SWEEP(self, n, fired) {
		fipc_fill(buf, len, n);
		ARM(self, n);
		ret = fipc_send(pub, buf, len, 0, FASTIPC_SEND_PAGES, -1);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (ret) {
			ASSERT_TRUE(fired && injected_errno(ret))
				TH_LOG("step %d: publish: %s", n, strerror(-ret));
			ASSERT_EQ(0, adv_info(pub).queued_msgs);
			ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
			continue;
		}
		/* The other subscriber's view, then this one's, armed. */
		ASSERT_EQ(0, adv_recv_map(other, NULL, 0, &orv));
		ARM(self, n);
		ret = adv_recv_map(sub, NULL, 0, &rv);
		if (FIRED(self) && ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: RECV_MAP: %s", n, strerror(-ret));
			ASSERT_EQ(1, adv_info(sub).sub_backlog);
			ASSERT_EQ(0, adv_info(sub).window_pages);
			ASSERT_EQ(0, adv_recv_map(sub, NULL, 0, &rv));
		}
		ASSERT_EQ(0, ret == 0 ? 0 : adv_info(sub).sub_backlog);
		ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, len, n));
		ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)orv.addr, len, n));
		ASSERT_EQ(0, adv_info(pub).queued_msgs);
		ASSERT_EQ(self->base.pages_held + 4, adv_stats().pages_held);
		ASSERT_EQ(0, adv_buf_free(sub, rv.addr));
		ASSERT_EQ(0, adv_buf_free(other, orv.addr));
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	}
	SWEEP_DONE(n);
	ASSERT_EQ(0, munmap(win, wsz));
	ASSERT_EQ(0, munmap(owin, wsz));
	ASSERT_EQ(0, munmap(pwin, wsz));
	close(sub);
	close(other);
	close(pub);
	free(buf);
}

/* ---- requests and replies -------------------------------------------------------------- */

/* CALL with @flags: the request and a reply buffer of 64 bytes. */
static int fi_call(int fd, const void *req, uint64_t len, uint32_t flags,
		   int64_t timeout_ns, uint32_t *reply_flags)
{
	char reply[64];
	struct fastipc_call cl = {
		.buf = (uintptr_t)req, .len = len,
		.reply_buf = (uintptr_t)reply, .reply_len = sizeof(reply),
		.timeout_ns = timeout_ns, .flags = flags,
	};
	int ret = fipc_ioctl(fd, FASTIPC_IOC_CALL, &cl);

	if (reply_flags)
		*reply_flags = cl.reply_flags;
	return ret;
}

/*
 * A CALL whose every allocation and user copy fails in turn (its wait
 * ends at once: timeout 0).  A call that fails sent nothing (no
 * FASTIPC_CALL_SENT, nothing queued, nothing held); one that did not
 * fail queued its request whole, which a receive takes as a message.
 */
static void call_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, uint32_t flags, size_t len)
{
	const char *name = fi_name(self, "fica");
	uint8_t *buf = malloc(len), *rbuf = malloc(len);
	uint32_t rflags = 0;
	uint64_t rlen;
	bool fired;
	int n, fd, ret;

	ASSERT_TRUE(buf && rbuf);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		fipc_fill(buf, len, n);
		ARM(self, n);
		ret = fi_call(fd, buf, len, flags, 0, &rflags);
		fired = FIRED(self);
		fi_count(self, fired, ret == -ETIMEDOUT ? 0 : ret);
		if (ret != -ETIMEDOUT) {
			ASSERT_TRUE(fired) TH_LOG("CALL without injection: %s",
						  strerror(-ret));
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: CALL: %s", n, strerror(-ret));
			ASSERT_EQ(0, rflags & FASTIPC_CALL_SENT);
			ASSERT_EQ(0, adv_info(fd).queued_msgs);
			ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
			continue;
		}
		/*
		 * Timed out waiting: the request went, whole.  (Saying so,
		 * FASTIPC_CALL_SENT, is a user copy that may be the one
		 * failed: a call that cannot write its result only loses
		 * the news.)
		 */
		ASSERT_EQ(1, adv_info(fd).queued_msgs);
		rlen = len;
		ASSERT_EQ(0, fipc_recv(fd, rbuf, &rlen, NULL, FASTIPC_NONBLOCK,
				       -1));
		ASSERT_EQ(len, rlen);
		ASSERT_EQ(-1, fipc_check(rbuf, len, n));
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
	free(rbuf);
}

TEST_F(fi, call_copy)
{
	call_sweep(_metadata, self, FASTIPC_SEND_COPY, 300);
}

TEST_F(fi, call_pages)
{
	call_sweep(_metadata, self, FASTIPC_SEND_PAGES, 3 * ADV_PAGE + 100);
}

/*
 * A receive that holds requests (FASTIPC_RECV_CALL), failed at every
 * point: the request stays queued and no token is held; one that
 * succeeds holds it (its caller gave up: the reply is ECANCELED).
 */
TEST_F(fi, recv_call)
{
	const char *name = fi_name(self, "firc");
	struct fastipc_recv rv;
	uint8_t buf[300], rbuf[300];
	bool fired;
	int n, fd, ret;

	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		fipc_fill(buf, sizeof(buf), n);
		ASSERT_EQ(-ETIMEDOUT, fi_call(fd, buf, sizeof(buf), 0, 0, NULL));
		memset(&rv, 0, sizeof(rv));
		rv.buf = (uintptr_t)rbuf;
		rv.len = sizeof(rbuf);
		rv.timeout_ns = -1;
		rv.flags = FASTIPC_RECV_CALL | FASTIPC_NONBLOCK;
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: RECV_CALL: %s", n, strerror(-ret));
			ASSERT_EQ(1, adv_info(fd).queued_msgs)
				TH_LOG("step %d: a failed RECV_CALL lost the request", n);
			if (rv.token) {
				struct fastipc_reply rp = { .token = rv.token };

				ASSERT_EQ(-ENOENT, fipc_ioctl(fd, FASTIPC_IOC_REPLY,
							      &rp));
			}
			memset(&rv, 0, sizeof(rv));
			rv.buf = (uintptr_t)rbuf;
			rv.len = sizeof(rbuf);
			rv.flags = FASTIPC_RECV_CALL | FASTIPC_NONBLOCK;
			ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv));
		}
		ASSERT_EQ(FASTIPC_MSG_CALL, rv.msg_flags);
		ASSERT_EQ(-1, fipc_check(rbuf, sizeof(rbuf), n));
		{
			struct fastipc_reply rp = { .token = rv.token };

			ASSERT_EQ(-ECANCELED, fipc_ioctl(fd, FASTIPC_IOC_REPLY,
							 &rp));
		}
	}
	SWEEP_DONE(n);
	close(fd);
}

/*
 * A REPLY (in pages) whose allocations and copies fail in turn: the
 * request is still held and a second reply reaches the caller, a child
 * waiting in its call; one that succeeds reaches it at once.
 */
TEST_F(fi, reply_pages)
{
	const char *name = fi_name(self, "firp");
	size_t len = 3 * ADV_PAGE + 100;
	uint8_t *buf = malloc(len);
	struct fastipc_reply rp;
	struct fastipc_recv rv;
	char small[8];
	bool fired;
	int n, fd, ret;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	SWEEP(self, n, fired) {
		pid = fork();
		if (!pid) {
			uint8_t *r = malloc(len);
			struct fastipc_call cl = {
				.buf = (uintptr_t)"q", .len = 1,
				.reply_buf = (uintptr_t)r, .reply_len = len,
				.timeout_ns = -1,
			};
			int c = fipc_open(name, FASTIPC_O_SEND, 0, NULL);

			FIPC_CHILD_CHECK(c >= 0 && r);
			FIPC_CHILD_CHECK(!fipc_ioctl(c, FASTIPC_IOC_CALL, &cl));
			FIPC_CHILD_CHECK(cl.reply_len == len);
			_exit(fipc_check(r, len, n) == -1 ? 0 : 99);
		}
		memset(&rv, 0, sizeof(rv));
		rv.buf = (uintptr_t)small;
		rv.len = sizeof(small);
		rv.timeout_ns = -1;
		rv.flags = FASTIPC_RECV_CALL;
		ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv));
		fipc_fill(buf, len, n);
		rp = (struct fastipc_reply){
			.token = rv.token, .buf = (uintptr_t)buf, .len = len,
			.flags = FASTIPC_SEND_PAGES,
		};
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_REPLY, &rp);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: REPLY: %s", n, strerror(-ret));
			ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_REPLY, &rp))
				TH_LOG("step %d: a failed REPLY dropped the request", n);
		}
		ASSERT_EQ(0, fipc_wait_child(pid));
	}
	SWEEP_DONE(n);
	close(fd);
	free(buf);
}

/* ---- unlink and close ------------------------------------------------------------------ */

TEST_F(fi, unlink)
{
	struct fastipc_unlink ul;
	bool fired;
	int n, fd, ret;

	SWEEP(self, n, fired) {
		const char *name = fi_name(self, "fiul");

		fd = fipc_create(name, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fipc_send(fd, "payload", 7, 0, FASTIPC_SEND_PAGES, -1));
		close(fd);
		memset(&ul, 0, sizeof(ul));
		fipc_set_name(ul.name, name);
		fd = fipc_dev();
		ASSERT_LE(0, fd);
		ARM(self, n);
		ret = fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul);
		fired = FIRED(self);
		fi_count(self, fired, ret);
		close(fd);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: UNLINK: %s", n, strerror(-ret));
			/* Still named, message and all. */
			fd = fipc_open(name, FASTIPC_O_RECV, 0, NULL);
			ASSERT_LE(0, fd);
			ASSERT_EQ(1, adv_info(fd).queued_msgs);
			close(fd);
			ASSERT_EQ(0, fipc_unlink(name));
		}
		ASSERT_EQ(-ENOENT, fipc_open(name, FASTIPC_O_RECV, 0, NULL));
		ASSERT_EQ(self->base.channels, adv_stats().channels);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	SWEEP_DONE(n);
}


/* The last handle goes: the channel (unlinked) and its queue with it. */
TEST_F(fi, close_last_handle)
{
	size_t wsz = WIN_PAGES * ADV_PAGE;
	uint8_t buf[2 * 4096];
	struct fastipc_recv rv;
	uint64_t addr;
	void *win;
	bool fired;
	int n, fd, ret;

	fipc_fill(buf, sizeof(buf), 5);
	SWEEP(self, n, fired) {
		const char *name = fi_name(self, "ficl");

		fd = fipc_create(name, NULL);
		ASSERT_LE(0, fd);
		win = adv_win(fd, wsz, PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, win);
		ASSERT_EQ(0, adv_buf_alloc(fd, ADV_PAGE, &addr));
		ASSERT_EQ(0, fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1));
		ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));
		ASSERT_EQ(0, munmap(win, wsz));
		ASSERT_EQ(0, fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1));
		ASSERT_EQ(0, fipc_send(fd, buf, 100, 0, FASTIPC_SEND_COPY, -1));
		ASSERT_EQ(0, fipc_unlink(name));
		ARM(self, n);
		ret = close(fd) ? -errno : 0;
		fired = FIRED(self);
		fi_count(self, fired, ret);
		ASSERT_EQ(0, ret) TH_LOG("step %d: close: %s", n, strerror(-ret));
		ASSERT_EQ(self->base.channels, adv_stats().channels);
		ASSERT_EQ(self->base.handles, adv_stats().handles);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	SWEEP_DONE(n);
}

/* The window holds the file after close: its munmap releases the handle. */
TEST_F(fi, munmap_last_reference)
{
	size_t wsz = WIN_PAGES * ADV_PAGE;
	uint64_t addr;
	void *win;
	bool fired;
	int n, fd, ret;

	SWEEP(self, n, fired) {
		const char *name = fi_name(self, "fiml");

		fd = fipc_create(name, NULL);
		ASSERT_LE(0, fd);
		win = adv_win(fd, wsz, PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, win);
		ASSERT_EQ(0, adv_buf_alloc(fd, 2 * ADV_PAGE, &addr));
		ASSERT_EQ(0, fipc_send(fd, "queued", 6, 0, 0, -1));
		ASSERT_EQ(0, fipc_unlink(name));
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(self->base.handles + 1, adv_stats().handles);
		ARM(self, n);
		ret = munmap(win, wsz) ? -errno : 0;
		fired = FIRED(self);
		fi_count(self, fired, ret);
		if (!fired)
			ASSERT_EQ(0, ret);
		if (ret) {
			ASSERT_TRUE(injected_errno(ret))
				TH_LOG("step %d: munmap: %s", n, strerror(-ret));
			ASSERT_EQ(self->base.handles + 1, adv_stats().handles);
			((volatile char *)(uintptr_t)addr)[0] = 1;
			ASSERT_EQ(0, munmap(win, wsz));
		}
		ASSERT_EQ(self->base.channels, adv_stats().channels);
		ASSERT_EQ(self->base.handles, adv_stats().handles);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	SWEEP_DONE(n);
}

/* ---- netlink --------------------------------------------------------------------------- */

struct nl_seen {
	char names[64][FASTIPC_NAME_LEN];
	uint64_t ids[64];
	int count[64];
	int nnames;
	int msgs;	/* data messages */
	int bad;	/* messages that name one of ours with a wrong id, or garbage */
};

static void nl_seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_seen *s = arg;
	const struct nlattr *name = adv_nl_attr(nlh, FASTIPC_A_CH_NAME);
	const struct nlattr *id = adv_nl_attr(nlh, FASTIPC_A_CH_ID);
	int i;

	s->msgs++;
	if (!name || !id) {
		s->bad++;
		return;
	}
	for (i = 0; i < s->nnames; i++) {
		if (strcmp(adv_nla_str(name), s->names[i]))
			continue;
		if (adv_nla_uint(id) != s->ids[i])
			s->bad++;
		s->count[i]++;
	}
}

static void nl_seen_reset(struct nl_seen *s)
{
	s->msgs = 0;
	s->bad = 0;
	memset(s->count, 0, sizeof(s->count));
}

/* Make @nr channels (closed, named) and remember their ids. */
static void nl_make(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
		    struct nl_seen *s, int nr, char (*names)[FASTIPC_NAME_LEN])
{
	struct fastipc_info info;
	int i, fd;

	for (i = 0; i < nr; i++) {
		fipc_name(names[i], "finl");
		fd = fipc_create(names[i], NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fipc_info(fd, &info));
		close(fd);
		strcpy(s->names[i], names[i]);
		s->ids[i] = info.id;
	}
	s->nnames = nr;
	(void)self;
}

static void nl_unmake(char (*names)[FASTIPC_NAME_LEN], int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		fipc_unlink(names[i]);
}

/* The answers to an injected request may only be whole or an error. */
static bool nl_error_ok(int err)
{
	return err == -ENOMEM || err == -ENOBUFS || err == -EMSGSIZE ||
	       err == -EFAULT;
}

TEST_F(fi, nl_channel_get)
{
	char names[1][FASTIPC_NAME_LEN];
	static struct nl_seen s;
	struct adv_nlreq r;
	struct adv_nl nl;
	bool fired;
	int n, ret;

	nl_make(_metadata, self, &s, 1, names);
	SWEEP(self, n, fired) {
		ASSERT_EQ(0, adv_nl_open(&nl));
		adv_nl_req(&nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_ACK, names[0]);
		nl_seen_reset(&s);
		ARM(self, n);
		ret = adv_nl_send(&nl, &r);
		fired = FIRED(self);
		if (!ret)
			ret = adv_nl_answers(&nl, nl_seen_cb, &s, 2000);
		fi_count(self, fired, ret);
		adv_nl_close(&nl);
		ASSERT_EQ(0, s.bad) TH_LOG("step %d: a reply with wrong contents", n);
		ASSERT_GE(1, s.msgs);
		if (!fired || !ret) {
			ASSERT_EQ(0, ret) TH_LOG("step %d: %s", n, strerror(-ret));
			ASSERT_EQ(1, s.msgs);
		} else {
			ASSERT_TRUE(nl_error_ok(ret))
				TH_LOG("step %d: CHANNEL_GET: %s", n, strerror(-ret));
		}
	}
	SWEEP_DONE(n);
	nl_unmake(names, 1);
}

#define NL_DUMP_CHANNELS	40

/*
 * A dump in parts of at most 4 KiB (reads of 4 KiB): the injection is
 * armed around the request (which makes the first part) or around the
 * read of part @part (which makes the next one).
 */
static void nl_dump_sweep(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fi) *self, int part)
{
	static char names[NL_DUMP_CHANNELS][FASTIPC_NAME_LEN];
	static struct nl_seen s;
	static uint32_t buf[1024];
	const struct nlmsghdr *nlh;
	struct adv_nlreq r;
	struct adv_nl nl;
	bool fired = false, done;
	int n, i, k, ret;
	long len;

	nl_make(_metadata, self, &s, NL_DUMP_CHANNELS, names);
	SWEEP(self, n, fired) {
		ASSERT_EQ(0, adv_nl_open(&nl));
		adv_nl_req(&nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP, NULL);
		nl_seen_reset(&s);
		fired = false;
		if (part < 0)
			ARM(self, n);
		ret = adv_nl_send(&nl, &r);
		if (part < 0)
			fired = FIRED(self);
		done = false;
		for (k = 0; !ret && !done; k++) {
			struct pollfd pfd = { .fd = nl.fd, .events = POLLIN };

			if (poll(&pfd, 1, 2000) != 1) {
				ret = -ETIMEDOUT;
				break;
			}
			if (k == part)
				ARM(self, n);
			len = recv(nl.fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (len < 0)
				len = -errno;
			if (k == part)
				fired = FIRED(self);
			if (len < 0) {
				ret = len;
				break;
			}
			ASSERT_LT(0, len);
			ASSERT_GE((long)sizeof(buf), len);
			for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned long)len);
			     nlh = NLMSG_NEXT(nlh, len)) {
				if (nlh->nlmsg_type == NLMSG_DONE) {
					/* Its payload is the dump's own result. */
					int derr = 0;

					if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
						memcpy(&derr, NLMSG_DATA(nlh), sizeof(int));
					ret = derr < 0 ? derr : 0;
					done = true;
				} else if (nlh->nlmsg_type == NLMSG_ERROR) {
					ret = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
					done = true;
				} else {
					nl_seen_cb(nlh, &s);
				}
			}
		}
		fi_count(self, fired, ret);
		adv_nl_close(&nl);
		if (fired)
			printf("# step %d: %d entries in %d reads, %s\n", n, s.msgs, k,
			       ret ? strerror(-ret) : "complete");
		ASSERT_EQ(0, s.bad) TH_LOG("step %d: a dump entry with wrong contents", n);
		for (i = 0; i < NL_DUMP_CHANNELS; i++)
			ASSERT_GE(1, s.count[i])
				TH_LOG("step %d: %s dumped %d times", n, names[i], s.count[i]);
		if (!ret) {
			/* A dump that ends well has every channel, once. */
			for (i = 0; i < NL_DUMP_CHANNELS; i++)
				ASSERT_EQ(1, s.count[i])
					TH_LOG("step %d: %s missing from a complete dump", n,
					       names[i]);
		} else {
			ASSERT_TRUE(fired && nl_error_ok(ret))
				TH_LOG("step %d: dump: %s", n, strerror(-ret));
		}
	}
	SWEEP_DONE(n);
	nl_unmake(names, NL_DUMP_CHANNELS);
}

TEST_F(fi, nl_channel_dump_start)
{
	nl_dump_sweep(_metadata, self, -1);
}

TEST_F(fi, nl_channel_dump_continue)
{
	nl_dump_sweep(_metadata, self, 0);
}

struct nl_cfg {
	int msgs;
	uint64_t max_msg_size, max_channels;
	bool has;
};

static void nl_cfg_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = adv_nl_attr(nlh, FASTIPC_A_CFG_MAX_MSG_SIZE);
	const struct nlattr *b = adv_nl_attr(nlh, FASTIPC_A_CFG_MAX_CHANNELS);
	struct nl_cfg *c = arg;

	c->msgs++;
	c->has = a && b;
	if (c->has) {
		c->max_msg_size = adv_nla_uint(a);
		c->max_channels = adv_nla_uint(b);
	}
}

TEST_F(fi, nl_config_get)
{
	unsigned long long msg_size, channels;
	struct adv_nlreq r;
	struct adv_nl nl;
	struct nl_cfg c;
	bool fired;
	int n, ret;

	ASSERT_EQ(0, adv_param_read("max_msg_size", &msg_size));
	ASSERT_EQ(0, adv_param_read("max_channels", &channels));
	SWEEP(self, n, fired) {
		ASSERT_EQ(0, adv_nl_open(&nl));
		adv_nl_req(&nl, &r, FASTIPC_CMD_CONFIG_GET, NLM_F_ACK, NULL);
		memset(&c, 0, sizeof(c));
		ARM(self, n);
		ret = adv_nl_send(&nl, &r);
		fired = FIRED(self);
		if (!ret)
			ret = adv_nl_answers(&nl, nl_cfg_cb, &c, 2000);
		fi_count(self, fired, ret);
		adv_nl_close(&nl);
		ASSERT_GE(1, c.msgs);
		if (c.msgs) {
			ASSERT_TRUE(c.has);
			ASSERT_EQ(msg_size, c.max_msg_size);
			ASSERT_EQ(channels, c.max_channels);
		}
		if (!fired || !ret) {
			ASSERT_EQ(0, ret) TH_LOG("step %d: %s", n, strerror(-ret));
			ASSERT_EQ(1, c.msgs);
		} else {
			ASSERT_TRUE(nl_error_ok(ret))
				TH_LOG("step %d: CONFIG_GET: %s", n, strerror(-ret));
		}
	}
	SWEEP_DONE(n);
}

/* Skip the whole program, before the plan, where fault injection is missing. */
int main(int argc, char **argv)
{
	unsigned int i;

	if (access(FASTIPC_DEVICE, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s does not exist: the fastipc module is not loaded\n",
			       FASTIPC_DEVICE);
	}
	if (access(FI_NTH, W_OK)) {
		ksft_print_header();
		ksft_exit_skip("no %s: this kernel has no CONFIG_FAULT_INJECTION (the debug kernel has)\n",
			       FI_NTH);
	}
	for (i = 0; i < FI_NKNOBS; i++) {
		if (access(fi_knobs[i][0], W_OK)) {
			ksft_print_header();
			ksft_exit_skip("no %s: needs FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_USERCOPY and FAULT_INJECTION_DEBUG_FS, debugfs mounted\n",
				       fi_knobs[i][0]);
		}
	}
	return fipc_harness_run(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * zerocopy_test: the page path and the zero-copy window of /dev/fastipc,
 * driven through the raw ioctls and mmap (no library).
 *
 * Covers: byte integrity over every send path x receive path and sizes
 * from 1 byte to 64 MiB; the ownership move of SEND_BUF (the sender loses
 * its mapping, nothing it does reaches the receiver); no stale bytes in
 * fresh or recycled buffers or past a message's end; priority and FIFO
 * order over mixed paths; the page and copy counters, also after close and
 * after processes are killed at each stage; the window across fork;
 * misuse of mmap/munmap/mremap/mprotect; bad SEND_BUF/BUF_FREE/BUF_ALLOC
 * input; forwarding a received buffer; many concurrent senders and
 * receivers on threads and processes.
 *
 * Counters (STATS.pages_held, copied_bytes, mapped_pages) are module-wide:
 * the exact deltas asserted here assume nothing else uses the module while
 * this test runs (the harness runs one test at a time).
 *
 * Every test makes its own channels, named zct.<pid>.<n>.<tag>, and
 * unlinks them in the teardown.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kmod/uapi/fastipc.h"
#include "fipc_harness.h"

#define KiB	((size_t)1024)
#define MiB	(1024 * KiB)
#define PAGE	((size_t)sysconf(_SC_PAGESIZE))
#define RW	(PROT_READ | PROT_WRITE)
#define NO_OFF	((ssize_t)-1)

/* Blocking calls in single-threaded tests give up after this. */
#define WAIT_NS	(10LL * 1000 * 1000 * 1000)

/* ---------------------------------------------------------------- */
/* Byte patterns: a function of the offset and a seed.               */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t pat_word(uint64_t seed, size_t idx)
{
	return mix64(seed + idx * 0x9e3779b97f4a7c15ULL);
}

static void pat_fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	size_t i, n = len / 8;
	uint64_t w;

	for (i = 0; i < n; i++) {
		w = pat_word(seed, i);
		memcpy(p + 8 * i, &w, 8);
	}
	if (len % 8) {
		w = pat_word(seed, n);
		memcpy(p + 8 * n, &w, len % 8);
	}
}

/* Offset of the first byte that breaks the pattern, or NO_OFF. */
static ssize_t pat_check(const void *buf, size_t len, uint64_t seed)
{
	const unsigned char *p = buf;
	size_t i, j, n = len / 8;
	uint64_t w;

	for (i = 0; i < n; i++) {
		w = pat_word(seed, i);
		if (memcmp(p + 8 * i, &w, 8))
			break;
	}
	for (j = 8 * i; j < len; j++) {
		w = pat_word(seed, j / 8);
		if (p[j] != ((unsigned char *)&w)[j % 8])
			return j;
	}
	return NO_OFF;
}

/* Offset of the first byte that is not @c, or NO_OFF. */
static ssize_t byte_check(const void *buf, int c, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)c)
			return i;
	return NO_OFF;
}

static size_t round_pg(size_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* ---------------------------------------------------------------- */
/* Channel names: fresh per test, unlinked in the teardown.          */

#define MAX_NAMES 64
static char g_names[MAX_NAMES][FASTIPC_NAME_LEN];
static int g_nnames, g_nameseq;

static void mkname(char *out, const char *tag)
{
	snprintf(out, FASTIPC_NAME_LEN, "zct.%d.%d.%s", (int)getpid(),
		 g_nameseq++, tag);
	if (g_nnames < MAX_NAMES)
		snprintf(g_names[g_nnames++], FASTIPC_NAME_LEN, "%s", out);
}

/* An unbound file of the device for STATS and UNLINK. */
static int ctl_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);
	return fd;
}

static int do_unlink(const char *name)
{
	struct fastipc_unlink ul = { 0 };

	snprintf(ul.name, sizeof(ul.name), "%s", name);
	return ioctl(ctl_fd(), FASTIPC_IOC_UNLINK, &ul) ? -errno : 0;
}

static void unlink_all(void)
{
	while (g_nnames > 0)
		do_unlink(g_names[--g_nnames]);
}

static struct fastipc_stats get_stats(void)
{
	struct fastipc_stats st = { 0 };

	if (ioctl(ctl_fd(), FASTIPC_IOC_STATS, &st))
		st.pages_held = ~0ULL;	/* cannot match any expectation */
	return st;
}

static uint64_t pages_held(void)
{
	return get_stats().pages_held;
}

static uint64_t param(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/fastipc/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* ---------------------------------------------------------------- */
/* Thin wrappers over the ioctls: 0 or -errno.                       */

/* Open a handle on @name; @attr (may be NULL) in: limits, out: in force. */
static int h_open(const char *name, uint32_t flags, struct fastipc_attr *attr)
{
	struct fastipc_open op = { 0 };
	int fd, e;

	fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(op.name, sizeof(op.name), "%s", name);
	op.flags = flags;
	op.mode = 0600;
	if (attr)
		op.attr = *attr;
	if (ioctl(fd, FASTIPC_IOC_OPEN, &op)) {
		e = errno;
		close(fd);
		return -e;
	}
	if (attr)
		*attr = op.attr;
	return fd;
}

/* Create @name exclusively and return a read-write handle. */
static int h_create(const char *name, struct fastipc_attr *attr)
{
	return h_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		      attr);
}

static int h_send_to(int fd, const void *buf, uint64_t len, uint32_t prio,
		     uint32_t flags, int64_t timeout_ns)
{
	struct fastipc_send sd = {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = timeout_ns,
		.prio = prio,
		.flags = flags,
	};

	return ioctl(fd, FASTIPC_IOC_SEND, &sd) ? -errno : 0;
}

static int h_send(int fd, const void *buf, uint64_t len, uint32_t prio,
		  uint32_t flags)
{
	return h_send_to(fd, buf, len, prio, flags, WAIT_NS);
}

static int h_recv_to(int fd, void *buf, uint64_t len, uint32_t flags,
		     int64_t timeout_ns, struct fastipc_recv *out)
{
	struct fastipc_recv rv = {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = timeout_ns,
		.flags = flags,
	};
	int ret = ioctl(fd, FASTIPC_IOC_RECV, &rv) ? -errno : 0;

	if (out)
		*out = rv;
	return ret;
}

static int h_recv(int fd, void *buf, uint64_t len, uint32_t flags,
		  struct fastipc_recv *out)
{
	return h_recv_to(fd, buf, len, flags, WAIT_NS, out);
}

static int h_alloc(int fd, uint64_t len, char **addr, uint64_t *mapped)
{
	struct fastipc_buf b = { .len = len };

	*addr = NULL;
	if (mapped)
		*mapped = 0;
	if (ioctl(fd, FASTIPC_IOC_BUF_ALLOC, &b))
		return -errno;
	*addr = (char *)(uintptr_t)b.addr;
	if (mapped)
		*mapped = b.len;
	return 0;
}

static int h_free(int fd, const void *addr)
{
	struct fastipc_buf b = { .addr = (uintptr_t)addr };

	return ioctl(fd, FASTIPC_IOC_BUF_FREE, &b) ? -errno : 0;
}

static struct fastipc_info h_info(int fd)
{
	struct fastipc_info info;

	memset(&info, 0xff, sizeof(info));	/* garbage if it fails */
	if (ioctl(fd, FASTIPC_IOC_INFO, &info))
		info.queued_msgs = ~0ULL;
	return info;
}

/* mmap the window of @fd; NULL (errno set) on failure. */
static char *win_map(int fd, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* -errno of a mmap that is expected to fail; unmaps it if it did not. */
static int map_err(int fd, size_t size, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, size, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, size);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Probing an address: does touching it fault, and with what?       */

static _Thread_local sigjmp_buf probe_jb;
static _Thread_local volatile sig_atomic_t probe_armed, probe_sig;

static void probe_handler(int sig)
{
	if (!probe_armed) {
		/* A real crash: die of it. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	probe_armed = 0;
	probe_sig = sig;
	siglongjmp(probe_jb, 1);
}

static void probe_init(void)
{
	struct sigaction sa = { .sa_handler = probe_handler };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Read (or write 0x5a to) one byte: 0, SIGBUS or SIGSEGV. */
static int probe(void *addr, bool write)
{
	volatile unsigned char *p = addr;

	probe_init();
	probe_sig = 0;
	if (!sigsetjmp(probe_jb, 1)) {
		probe_armed = 1;
		if (write)
			*p = 0x5a;
		else
			(void)*p;
		probe_armed = 0;
	}
	return probe_sig;
}

/* Is @addr inside any mapping of this process (per /proc/self/maps)? */
static bool addr_mapped(const void *addr)
{
	unsigned long a = (unsigned long)addr, lo, hi;
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return true;	/* cannot tell: assume the worst */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
			found = true;
	fclose(f);
	return found;
}

/* ---------------------------------------------------------------- */
/* Child processes.                                                  */

#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# child %d: line %d: check failed: %s "\
			"(errno: %s)\n", (int)getpid(), __LINE__, #cond,\
			strerror(errno));				\
		_exit(1);						\
	}								\
} while (0)

/* fork(); the child dies with its parent. */
static pid_t spawn(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

/* Wait up to @ms for one byte on @fd. */
static int wait_ready(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static void say_ready(int fd)
{
	CHILD_CHECK(write(fd, "R", 1) == 1);
}

/* The child's wait status; -1 if waitpid failed. */
static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* The scheduler state letter of @pid from /proc/<pid>/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- */
/* The integrity matrix: send path x receive path x size.            */

enum send_mode { S_COPY, S_PAGES, S_AUTO, S_BUF };
enum recv_mode { R_COPY, R_MAP };

FIXTURE(integ) {
	int unused;
};

FIXTURE_VARIANT(integ) {
	enum send_mode send;
	enum recv_mode recv;
};

FIXTURE_VARIANT_ADD(integ, copy_to_copy) { .send = S_COPY, .recv = R_COPY };
FIXTURE_VARIANT_ADD(integ, copy_to_map) { .send = S_COPY, .recv = R_MAP };
FIXTURE_VARIANT_ADD(integ, pages_to_copy) { .send = S_PAGES, .recv = R_COPY };
FIXTURE_VARIANT_ADD(integ, pages_to_map) { .send = S_PAGES, .recv = R_MAP };
FIXTURE_VARIANT_ADD(integ, auto_to_copy) { .send = S_AUTO, .recv = R_COPY };
FIXTURE_VARIANT_ADD(integ, auto_to_map) { .send = S_AUTO, .recv = R_MAP };
FIXTURE_VARIANT_ADD(integ, buf_to_copy) { .send = S_BUF, .recv = R_COPY };
FIXTURE_VARIANT_ADD(integ, buf_to_map) { .send = S_BUF, .recv = R_MAP };

FIXTURE_SETUP(integ)
{
}

FIXTURE_TEARDOWN(integ)
{
	unlink_all();
}

#define ZC_THRESHOLD	(64 * KiB)

static void integrity(struct __test_metadata *_metadata,
		      const FIXTURE_VARIANT(integ) *v, size_t len)
{
	struct fastipc_attr attr = {
		.max_msgs = 4,
		.max_bytes = 128 * MiB,
		.zc_threshold = ZC_THRESHOLD,
	};
	size_t npg = round_pg(len) / PAGE, wsz = 2 * round_pg(len);
	size_t canary = len < PAGE ? len : PAGE;
	uint64_t seed = mix64(len * 131 + v->send * 7 + v->recv + getpid());
	uint64_t copied, got;
	struct fastipc_stats st0, st;
	struct fastipc_info info;
	struct fastipc_recv rv;
	char name[FASTIPC_NAME_LEN];
	char *swin = NULL, *rwin = NULL, *sbuf, *ubuf, *rbuf;
	bool pages, mapped;
	ssize_t off;
	int s, r, ret;

	if (wsz < 64 * KiB)
		wsz = 64 * KiB;
	if (wsz > param("max_window"))
		SKIP(return, "max_window is below %zu", wsz);
	mkname(name, "integ");
	s = h_create(name, &attr);
	ASSERT_LE(0, s) TH_LOG("create %s: %s", name, strerror(-s));
	if (attr.max_msg_size < len)
		SKIP(return, "max_msg_size %llu < %zu",
		     (unsigned long long)attr.max_msg_size, len);
	ASSERT_EQ(ZC_THRESHOLD, attr.zc_threshold);
	r = h_open(name, FASTIPC_O_RECV, NULL);
	ASSERT_LE(0, r);
	if (v->send == S_BUF) {
		swin = win_map(s, wsz, RW);
		ASSERT_NE(NULL, swin) TH_LOG("mmap %zu: %m", wsz);
	}
	if (v->recv == R_MAP) {
		/* A receive-only handle's window is read-only. */
		rwin = win_map(r, wsz, PROT_READ);
		ASSERT_NE(NULL, rwin) TH_LOG("mmap %zu: %m", wsz);
	}
	pages = v->send == S_PAGES || v->send == S_BUF ||
		(v->send == S_AUTO && len >= ZC_THRESHOLD);
	mapped = pages && v->recv == R_MAP;
	st0 = get_stats();

	if (v->send == S_BUF) {
		ASSERT_EQ(0, h_alloc(s, len, &sbuf, &got));
		ASSERT_EQ(npg * PAGE, got);
		ASSERT_TRUE(sbuf >= swin && sbuf + got <= swin + wsz);
		EXPECT_EQ(st0.pages_held + npg, pages_held());
		/* Garbage past len must not reach the receiver. */
		memset(sbuf, 0xc3, got);
		pat_fill(sbuf, len, seed);
		ASSERT_EQ(0, h_send(s, sbuf, len, 7, FASTIPC_SEND_BUF));
		/* The buffer moved: the sender's range is gone. */
		EXPECT_EQ(SIGBUS, probe(sbuf, false));
		EXPECT_EQ(SIGBUS, probe(sbuf + got - 1, true));
		EXPECT_EQ(0, h_info(s).window_pages);
	} else {
		uint32_t fl = v->send == S_COPY ? FASTIPC_SEND_COPY :
			      v->send == S_PAGES ? FASTIPC_SEND_PAGES : 0;

		ubuf = malloc(len);
		ASSERT_NE(NULL, ubuf);
		pat_fill(ubuf, len, seed);
		ASSERT_EQ(0, h_send(s, ubuf, len, 7, fl));
		/* The kernel must hold its own bytes by now. */
		memset(ubuf, 0x77, len);
		free(ubuf);
	}
	EXPECT_EQ(st0.pages_held + (pages ? npg : 0), pages_held());
	info = h_info(r);
	EXPECT_EQ(1, info.queued_msgs);
	EXPECT_EQ(len, info.queued_bytes);
	EXPECT_EQ(pages ? 1 : 0, info.page_msgs);

	rbuf = malloc(len);
	ASSERT_NE(NULL, rbuf);
	memset(rbuf, 0x5a, canary);
	memset(rbuf + len - canary, 0x5a, canary);
	ret = h_recv(r, rbuf, len, FASTIPC_NONBLOCK |
		     (v->recv == R_MAP ? FASTIPC_RECV_MAP : 0), &rv);
	ASSERT_EQ(0, ret) TH_LOG("recv: %s", strerror(-ret));
	EXPECT_EQ(len, rv.len);
	EXPECT_EQ(7, rv.prio);
	EXPECT_EQ((pages ? FASTIPC_MSG_PAGES : 0) |
		  (mapped ? FASTIPC_MSG_MAPPED : 0), rv.msg_flags);
	if (mapped) {
		char *a = (char *)(uintptr_t)rv.addr;

		ASSERT_TRUE(a >= rwin && a + npg * PAGE <= rwin + wsz)
			TH_LOG("addr %p outside window %p+%zu", a, rwin, wsz);
		ASSERT_EQ(0, (uintptr_t)a % PAGE);
		off = pat_check(a, len, seed);
		EXPECT_EQ(NO_OFF, off) TH_LOG("mapped byte %zd differs", off);
		off = byte_check(a + len, 0, npg * PAGE - len);
		EXPECT_EQ(NO_OFF, off)
			TH_LOG("byte %zd past the end is not zero", len + off);
		/* Mapped, not copied: the receive buffer is untouched. */
		EXPECT_EQ(NO_OFF, byte_check(rbuf, 0x5a, canary));
		EXPECT_EQ(NO_OFF, byte_check(rbuf + len - canary, 0x5a,
					     canary));
		EXPECT_EQ(npg, h_info(r).window_pages);
		EXPECT_EQ(0, h_free(r, a));
		EXPECT_EQ(SIGBUS, probe(a, false));
		EXPECT_EQ(0, h_info(r).window_pages);
	} else {
		off = pat_check(rbuf, len, seed);
		EXPECT_EQ(NO_OFF, off) TH_LOG("received byte %zd differs", off);
	}
	free(rbuf);

	info = h_info(r);
	EXPECT_EQ(0, info.queued_msgs);
	EXPECT_EQ(1, info.sent_msgs);
	EXPECT_EQ(1, info.recv_msgs);
	EXPECT_EQ(len, info.sent_bytes);
	EXPECT_EQ(len, info.recv_bytes);
	copied = (v->send == S_BUF ? 0 : len) + (mapped ? 0 : len);
	EXPECT_EQ(copied, info.copied_bytes);
	EXPECT_EQ(mapped ? npg : 0, info.mapped_pages);
	st = get_stats();
	EXPECT_EQ(st0.copied_bytes + copied, st.copied_bytes);
	EXPECT_EQ(st0.mapped_pages + (mapped ? npg : 0), st.mapped_pages);
	EXPECT_EQ(st0.pages_held, st.pages_held);

	if (swin)
		munmap(swin, wsz);
	if (rwin)
		munmap(rwin, wsz);
	close(s);
	close(r);
}

TEST_F(integ, size_1) { integrity(_metadata, variant, 1); }
TEST_F(integ, size_4095) { integrity(_metadata, variant, 4095); }
TEST_F(integ, size_4096) { integrity(_metadata, variant, 4096); }
TEST_F(integ, size_4097) { integrity(_metadata, variant, 4097); }
TEST_F(integ, size_65535) { integrity(_metadata, variant, 65535); }
TEST_F(integ, size_65536) { integrity(_metadata, variant, 65536); }
TEST_F_TIMEOUT(integ, size_1m_plus_1, 60)
{
	integrity(_metadata, variant, MiB + 1);
}
TEST_F_TIMEOUT(integ, size_16m, 120)
{
	integrity(_metadata, variant, 16 * MiB);
}
TEST_F_TIMEOUT(integ, size_64m, 300)
{
	integrity(_metadata, variant, 64 * MiB);
}

/* ---------------------------------------------------------------- */
/* Everything else: one fixture, one fresh set of channels per test. */

FIXTURE(zc) {
	int unused;
};

FIXTURE_SETUP(zc)
{
}

FIXTURE_TEARDOWN(zc)
{
	unlink_all();
}

/* A sender and a receiver handle on a fresh channel, each with a window. */
struct pair {
	char name[FASTIPC_NAME_LEN];
	int s, r;
	char *swin, *rwin;
	size_t wsz;
};

static void pair_open(struct __test_metadata *_metadata, struct pair *p,
		      const char *tag, struct fastipc_attr *attr, size_t wsz)
{
	struct fastipc_attr a = { .max_msgs = 64, .max_bytes = 64 * MiB };

	memset(p, 0, sizeof(*p));
	p->s = p->r = -1;
	mkname(p->name, tag);
	p->s = h_create(p->name, attr ? attr : &a);
	ASSERT_LE(0, p->s) TH_LOG("create %s: %s", p->name, strerror(-p->s));
	p->r = h_open(p->name, FASTIPC_O_RDWR, NULL);
	ASSERT_LE(0, p->r);
	p->wsz = wsz;
	if (wsz) {
		p->swin = win_map(p->s, wsz, RW);
		ASSERT_NE(NULL, p->swin) TH_LOG("mmap: %m");
		p->rwin = win_map(p->r, wsz, RW);
		ASSERT_NE(NULL, p->rwin) TH_LOG("mmap: %m");
	}
}

static void pair_close(struct pair *p)
{
	if (p->swin)
		munmap(p->swin, p->wsz);
	if (p->rwin)
		munmap(p->rwin, p->wsz);
	if (p->s >= 0)
		close(p->s);
	if (p->r >= 0)
		close(p->r);
	p->swin = p->rwin = NULL;
	p->s = p->r = -1;
}

/* Allocate a buffer of @len in @fd's window and fill it with @seed. */
static char *alloc_fill(struct __test_metadata *_metadata, int fd, size_t len,
			uint64_t seed)
{
	char *b = NULL;
	int ret = h_alloc(fd, len, &b, NULL);

	EXPECT_EQ(0, ret) TH_LOG("BUF_ALLOC %zu: %s", len, strerror(-ret));
	if (ret)
		return NULL;
	pat_fill(b, len, seed);
	return b;
}

/* Receive with RECV_MAP; check length, pattern, tail; return the address. */
static char *recv_map_check(struct __test_metadata *_metadata, int fd,
			    size_t len, uint64_t seed)
{
	struct fastipc_recv rv;
	char *a;
	ssize_t off;
	int ret;

	ret = h_recv(fd, NULL, 0, FASTIPC_RECV_MAP | FASTIPC_NONBLOCK, &rv);
	EXPECT_EQ(0, ret) TH_LOG("RECV_MAP: %s", strerror(-ret));
	if (ret)
		return NULL;
	EXPECT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, rv.msg_flags);
	EXPECT_EQ(len, rv.len);
	a = (char *)(uintptr_t)rv.addr;
	if (!(rv.msg_flags & FASTIPC_MSG_MAPPED) || rv.len != len)
		return NULL;
	off = pat_check(a, len, seed);
	EXPECT_EQ(NO_OFF, off) TH_LOG("mapped byte %zd differs", off);
	off = byte_check(a + len, 0, round_pg(len) - len);
	EXPECT_EQ(NO_OFF, off) TH_LOG("tail byte %zd not zero", off);
	return a;
}

/*
 * One zero-copy message through @p: @len bytes allocated and filled in
 * the sender's window, sent, mapped and checked at the receiver.
 * Returns the receiver's address, or NULL with the failure recorded.
 */
static char *pass_buf(struct __test_metadata *_metadata, struct pair *p,
		      size_t len, uint64_t seed)
{
	char *b = alloc_fill(_metadata, p->s, len, seed);
	int ret;

	if (!b)
		return NULL;
	ret = h_send(p->s, b, len, 0, FASTIPC_SEND_BUF);
	EXPECT_EQ(0, ret) TH_LOG("SEND_BUF %zu: %s", len, strerror(-ret));
	if (ret)
		return NULL;
	return recv_map_check(_metadata, p->r, len, seed);
}

/* Receive by copy; check length and pattern. */
static void recv_copy_check(struct __test_metadata *_metadata, int fd,
			    size_t len, uint64_t seed)
{
	struct fastipc_recv rv;
	char *buf = malloc(len + 1);
	ssize_t off;
	int ret;

	ASSERT_NE(NULL, buf);
	ret = h_recv(fd, buf, len + 1, FASTIPC_NONBLOCK, &rv);
	EXPECT_EQ(0, ret) TH_LOG("recv: %s", strerror(-ret));
	if (!ret) {
		EXPECT_EQ(len, rv.len);
		off = pat_check(buf, len, seed);
		EXPECT_EQ(NO_OFF, off) TH_LOG("byte %zd differs", off);
	}
	free(buf);
}

/* SEND_BUF moves the pages: the sender's range faults, its writes are lost. */
TEST_F(zc, sendbuf_unmaps_sender)
{
	size_t len = 3 * PAGE, i;
	uint64_t base = pages_held();
	struct pair p;
	char *b, *b2, *a;

	pair_open(_metadata, &p, "unmap", NULL, MiB);
	b = alloc_fill(_metadata, p.s, len, 11);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, h_send(p.s, b, len, 0, FASTIPC_SEND_BUF));
	for (i = 0; i < len; i += PAGE) {
		EXPECT_EQ(SIGBUS, probe(b + i + 17, false));
		EXPECT_EQ(SIGBUS, probe(b + i + 17, true));
	}
	a = recv_map_check(_metadata, p.r, len, 11);
	ASSERT_NE(NULL, a);

	/*
	 * The sender's range is free again; a new buffer there has fresh
	 * zeroed pages, and scribbling on it does not reach the receiver.
	 */
	ASSERT_EQ(0, h_alloc(p.s, len, &b2, NULL));
	TH_LOG("new buffer %s the sent one's range",
	       b2 == b ? "reuses" : "does not reuse");
	EXPECT_EQ(NO_OFF, byte_check(b2, 0, len));
	memset(b2, 0xee, len);
	EXPECT_EQ(NO_OFF, pat_check(a, len, 11));
	/* And the receiver's writes do not reach the sender's new buffer. */
	memset(a, 0x11, len);
	EXPECT_EQ(NO_OFF, byte_check(b2, 0xee, len));

	EXPECT_EQ(base + 6, pages_held());
	EXPECT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(0, h_free(p.s, b2));
	EXPECT_EQ(base, pages_held());
	pair_close(&p);
}

struct writer {
	volatile uint64_t *p;
	atomic_uint_fast64_t last;	/* last value stored without a fault */
	atomic_int done;		/* the signal that stopped it */
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t n;

	probe_init();
	probe_sig = 0;
	if (!sigsetjmp(probe_jb, 1)) {
		probe_armed = 1;
		for (n = 1;; n++) {
			*w->p = n;
			atomic_store(&w->last, n);
		}
	}
	atomic_store(&w->done, probe_sig ? probe_sig : -1);
	return NULL;
}

/*
 * A second thread keeps writing into the buffer while it is sent: once
 * SEND_BUF returns, no write of it may reach the message (the old
 * translation must be gone from every CPU's TLB).
 */
TEST_F(zc, sendbuf_concurrent_writer)
{
	struct writer w = { 0 };
	struct pair p;
	pthread_t t;
	uint64_t v1, v2;
	char *b, *a;
	int i;

	pair_open(_metadata, &p, "tlb", NULL, MiB);
	ASSERT_EQ(0, h_alloc(p.s, PAGE, &b, NULL));
	w.p = (volatile uint64_t *)b;
	ASSERT_EQ(0, pthread_create(&t, NULL, writer_fn, &w));
	for (i = 0; i < 1000 && atomic_load(&w.last) < 100000; i++)
		msleep(2);
	ASSERT_LE(100000, atomic_load(&w.last));

	ASSERT_EQ(0, h_send(p.s, b, PAGE, 0, FASTIPC_SEND_BUF));
	{
		struct fastipc_recv rv;

		ASSERT_EQ(0, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				    FASTIPC_NONBLOCK, &rv));
		ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, rv.msg_flags);
		a = (char *)(uintptr_t)rv.addr;
	}
	memcpy(&v1, a, 8);
	for (i = 0; i < 5000 && !atomic_load(&w.done); i++)
		msleep(2);
	/* If it never faulted it spins on; the test process exit ends it. */
	ASSERT_EQ(SIGBUS, atomic_load(&w.done))
		TH_LOG("the writer still writes after the send");
	pthread_join(t, NULL);
	memcpy(&v2, a, 8);
	EXPECT_EQ(v1, v2) TH_LOG("message changed after receipt");
	EXPECT_LE(v2, atomic_load(&w.last));
	EXPECT_NE(0, v2);
	EXPECT_EQ(NO_OFF, byte_check(a + 8, 0, PAGE - 8));
	EXPECT_EQ(0, h_free(p.r, a));
	pair_close(&p);
}

/* Parts of the window with no buffer fault with SIGBUS. */
TEST_F(zc, window_hole_sigbus)
{
	size_t wsz = 16 * PAGE, i;
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "hole", NULL, wsz);
	for (i = 0; i < wsz; i += PAGE)
		EXPECT_EQ(SIGBUS, probe(p.swin + i, false));
	ASSERT_EQ(0, h_alloc(p.s, 2 * PAGE, &b, NULL));
	for (i = 0; i < wsz; i += PAGE) {
		char *q = p.swin + i;
		bool in = q >= b && q < b + 2 * PAGE;

		EXPECT_EQ(in ? 0 : SIGBUS, probe(q, true));
	}
	ASSERT_EQ(0, h_free(p.s, b));
	EXPECT_EQ(SIGBUS, probe(b, false));
	EXPECT_EQ(SIGBUS, probe(b + PAGE, false));
	pair_close(&p);
}

/*
 * Debian kernels zero every page they allocate (init_on_alloc=1): there a
 * module that forgot __GFP_ZERO still passes the zeroing tests.  Say so;
 * boot with init_on_alloc=0 for them to bite.
 */
static void note_init_on_alloc(struct __test_metadata *_metadata)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	if (!strstr(cmdline, "init_on_alloc=0"))
		TH_LOG("note: without init_on_alloc=0 on the kernel command "
		       "line the kernel may zero pages by itself");
}

/* A fresh buffer is all zeros and writable. */
TEST_F(zc, alloc_is_zeroed)
{
	const size_t sizes[] = { 1, 4095, 4096, 5 * 4096 + 3, MiB };
	uint64_t got;
	struct pair p;
	unsigned int i;
	char *b;

	note_init_on_alloc(_metadata);
	pair_open(_metadata, &p, "zero", NULL, 4 * MiB);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, h_alloc(p.s, sizes[i], &b, &got));
		EXPECT_EQ(round_pg(sizes[i]), got);
		EXPECT_EQ(NO_OFF, byte_check(b, 0, got))
			TH_LOG("buffer of %zu", sizes[i]);
		pat_fill(b, got, i);
		EXPECT_EQ(NO_OFF, pat_check(b, got, i));
		EXPECT_EQ(0, h_free(p.s, b));
	}
	pair_close(&p);
}

/* Pages full of old bytes come back zeroed, whichever way they went. */
TEST_F(zc, alloc_zeroed_after_recycle)
{
	size_t len = 64 * KiB;
	uint64_t base = pages_held();
	struct fastipc_recv rv;
	struct pair p;
	char *b, *a, *ubuf;
	char *bufs[8];
	int round, i;

	note_init_on_alloc(_metadata);
	pair_open(_metadata, &p, "recycle", NULL, 4 * MiB);
	ubuf = malloc(len);
	ASSERT_NE(NULL, ubuf);
	for (round = 0; round < 32; round++) {
		int junk = 0xa5 ^ round;

		switch (round % 4) {
		case 0:		/* sent whole, mapped, scribbled on */
			ASSERT_EQ(0, h_alloc(p.s, len, &b, NULL));
			memset(b, junk, len);
			ASSERT_EQ(0, h_send(p.s, b, len, 0, FASTIPC_SEND_BUF));
			ASSERT_EQ(0, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
					    FASTIPC_NONBLOCK, &rv));
			memset((char *)(uintptr_t)rv.addr, ~junk, len);
			break;
		case 1:		/* freed unsent */
			ASSERT_EQ(0, h_alloc(p.s, len, &b, NULL));
			memset(b, junk, len);
			ASSERT_EQ(0, h_free(p.s, b));
			break;
		case 2:		/* sent short (trimmed), received by copy */
			ASSERT_EQ(0, h_alloc(p.s, len, &b, NULL));
			memset(b, junk, len);
			ASSERT_EQ(0, h_send(p.s, b, 100, 0, FASTIPC_SEND_BUF));
			ASSERT_EQ(0, h_recv(p.r, ubuf, len, FASTIPC_NONBLOCK,
					    NULL));
			break;
		case 3:		/* page path from user memory, mapped, freed */
			memset(ubuf, junk, len);
			ASSERT_EQ(0, h_send(p.s, ubuf, len, 0,
					    FASTIPC_SEND_PAGES));
			ASSERT_EQ(0, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
					    FASTIPC_NONBLOCK, &rv));
			a = (char *)(uintptr_t)rv.addr;
			memset(a, ~junk, len);
			ASSERT_EQ(0, h_free(p.r, a));
			break;
		}
	}
	/* Drop the receiver's window with everything still mapped in it. */
	ASSERT_EQ(8 * (len / PAGE), h_info(p.r).window_pages);
	munmap(p.rwin, p.wsz);
	p.rwin = NULL;
	EXPECT_EQ(base, pages_held());

	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, h_alloc(p.s, len, &bufs[i], NULL));
		EXPECT_EQ(NO_OFF, byte_check(bufs[i], 0, len))
			TH_LOG("recycled buffer %d holds old bytes", i);
	}
	ASSERT_EQ(0, h_alloc(p.s, MiB, &b, NULL));
	EXPECT_EQ(NO_OFF, byte_check(b, 0, MiB));
	free(ubuf);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

/*
 * SEND_BUF of fewer bytes than the buffer: whole pages past len are freed
 * and the rest of the last page is zero for the receiver, whatever the
 * sender wrote there.
 */
TEST_F(zc, sendbuf_tail_zeroed)
{
	size_t len = PAGE + 100;
	uint64_t base = pages_held();
	struct pair p;
	char *b, *a;

	pair_open(_metadata, &p, "tail", NULL, MiB);
	ASSERT_EQ(0, h_alloc(p.s, 3 * PAGE, &b, NULL));
	memset(b, 0xee, 3 * PAGE);
	pat_fill(b, len, 21);
	EXPECT_EQ(base + 3, pages_held());
	ASSERT_EQ(0, h_send(p.s, b, len, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(base + 2, pages_held()) TH_LOG("the third page was kept");
	EXPECT_EQ(len, h_info(p.r).queued_bytes);
	a = recv_map_check(_metadata, p.r, len, 21);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2, h_info(p.r).window_pages);
	/* Only two pages were mapped: the next one is a hole. */
	EXPECT_EQ(SIGBUS, probe(a + 2 * PAGE, false));
	EXPECT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(base, pages_held());
	pair_close(&p);
}

/* One channel, every path and size: highest priority first, FIFO within. */
TEST_F(zc, mixed_prio_fifo)
{
	static const size_t sizes[] = { 0, 1, 100, 4095, 4096, 65535, 65536,
					70000, 300000, 8193 };
	static const uint32_t prios[] = { 0, 3, 31, 3, 0, 17, 31, 3 };
	enum { N = 48 };
	struct fastipc_attr attr = { .max_msgs = N, .max_bytes = 64 * MiB,
				     .zc_threshold = ZC_THRESHOLD };
	struct { size_t len; uint32_t prio; int mode; } m[N];
	int order[N], i, j, k;
	uint64_t base = pages_held();
	struct pair p;
	char *ubuf, *rbuf;

	pair_open(_metadata, &p, "prio", &attr, 8 * MiB);
	ubuf = malloc(300000);
	rbuf = malloc(300000);
	ASSERT_NE(NULL, ubuf);
	ASSERT_NE(NULL, rbuf);
	for (i = 0; i < N; i++) {
		m[i].len = sizes[i % 10];
		m[i].prio = prios[(i * 5) % 8];
		m[i].mode = (i / 3) % 4;	/* S_COPY .. S_BUF */
		if (m[i].mode == S_BUF && !m[i].len)
			m[i].mode = S_COPY;
	}
	for (i = 0; i < N; i++) {
		uint64_t seed = 1000 + i;
		int ret;

		if (m[i].mode == S_BUF) {
			char *b = alloc_fill(_metadata, p.s, m[i].len, seed);

			ASSERT_NE(NULL, b);
			ret = h_send(p.s, b, m[i].len, m[i].prio,
				     FASTIPC_SEND_BUF);
		} else {
			pat_fill(ubuf, m[i].len, seed);
			ret = h_send(p.s, ubuf, m[i].len, m[i].prio,
				     m[i].mode == S_COPY ? FASTIPC_SEND_COPY :
				     m[i].mode == S_PAGES ? FASTIPC_SEND_PAGES :
				     0);
		}
		ASSERT_EQ(0, ret) TH_LOG("send %d: %s", i, strerror(-ret));
	}
	ASSERT_EQ(N, h_info(p.r).queued_msgs);
	/* Expected order: a stable sort by priority, highest first. */
	for (k = 0, j = FASTIPC_PRIO_MAX; j >= 0; j--)
		for (i = 0; i < N; i++)
			if (m[i].prio == (uint32_t)j)
				order[k++] = i;
	ASSERT_EQ(N, k);

	for (k = 0; k < N; k++) {
		struct fastipc_recv rv;
		bool map = k % 2;
		char *at;
		int ret;

		i = order[k];
		ret = h_recv(p.r, rbuf, 300000, FASTIPC_NONBLOCK |
			     (map ? FASTIPC_RECV_MAP : 0), &rv);
		ASSERT_EQ(0, ret) TH_LOG("recv %d: %s", k, strerror(-ret));
		EXPECT_EQ(m[i].prio, rv.prio) TH_LOG("message %d (sent %d)", k, i);
		ASSERT_EQ(m[i].len, rv.len) TH_LOG("message %d (sent %d)", k, i);
		at = rv.msg_flags & FASTIPC_MSG_MAPPED ?
		     (char *)(uintptr_t)rv.addr : rbuf;
		EXPECT_EQ(NO_OFF, pat_check(at, rv.len, 1000 + i))
			TH_LOG("message %d is not the one sent %d-th", k, i);
		if (rv.msg_flags & FASTIPC_MSG_MAPPED)
			EXPECT_EQ(0, h_free(p.r, at));
	}
	EXPECT_EQ(-EAGAIN, h_recv(p.r, rbuf, 300000, FASTIPC_NONBLOCK, NULL));
	free(ubuf);
	free(rbuf);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

/* pages_held follows buffers, queued and mapped messages, down to zero. */
TEST_F(zc, pages_held_after_close)
{
	struct fastipc_stats st0 = get_stats();
	struct pair p;
	char *b1, *b2, *b3, *ubuf, *a1, *a2;

	pair_open(_metadata, &p, "held", NULL, 4 * MiB);
	ubuf = malloc(10 * PAGE);
	ASSERT_NE(NULL, ubuf);
	pat_fill(ubuf, 10 * PAGE, 31);

	b1 = alloc_fill(_metadata, p.s, 5 * PAGE, 32);	/* kept */
	b2 = alloc_fill(_metadata, p.s, 3 * PAGE, 33);	/* kept */
	b3 = alloc_fill(_metadata, p.s, 4 * PAGE, 34);	/* sent, mapped */
	ASSERT_TRUE(b1 && b2 && b3);
	ASSERT_EQ(0, h_send(p.s, b3, 4 * PAGE, 0, FASTIPC_SEND_BUF));
	ASSERT_EQ(0, h_send(p.s, ubuf, 10 * PAGE, 0, FASTIPC_SEND_PAGES));
	ASSERT_EQ(0, h_send(p.s, ubuf, 2 * PAGE, 0, FASTIPC_SEND_PAGES));
	EXPECT_EQ(st0.pages_held + 24, pages_held());
	a1 = recv_map_check(_metadata, p.r, 4 * PAGE, 34);
	a2 = recv_map_check(_metadata, p.r, 10 * PAGE, 31);
	ASSERT_TRUE(a1 && a2);
	EXPECT_EQ(st0.pages_held + 24, pages_held());
	EXPECT_EQ(8, h_info(p.s).window_pages);
	EXPECT_EQ(14, h_info(p.r).window_pages);

	/* The window keeps its file open: closing the fd drops nothing. */
	close(p.s);
	p.s = -1;
	EXPECT_EQ(st0.pages_held + 24, pages_held());
	EXPECT_EQ(NO_OFF, pat_check(b1, 5 * PAGE, 32));
	munmap(p.swin, p.wsz);
	p.swin = NULL;
	EXPECT_EQ(st0.pages_held + 16, pages_held());
	close(p.r);
	p.r = -1;
	munmap(p.rwin, p.wsz);
	p.rwin = NULL;
	/* The queued message lives on while the name does. */
	EXPECT_EQ(st0.pages_held + 2, pages_held());
	EXPECT_EQ(st0.handles, get_stats().handles);
	EXPECT_EQ(0, do_unlink(p.name));
	EXPECT_EQ(st0.pages_held, pages_held());
	EXPECT_EQ(st0.channels, get_stats().channels);
	EXPECT_EQ(st0.bytes_queued, get_stats().bytes_queued);
	free(ubuf);
}

enum kill_stage { K_ALLOCATED, K_QUEUED, K_MAPPED, K_BLOCKED };

/*
 * A process is killed at @stage; pages_held must come back to what the
 * channel still legitimately holds, and then to the baseline.
 */
static void kill_at(struct __test_metadata *_metadata, enum kill_stage stage)
{
	struct fastipc_attr attr = {
		.max_msgs = stage == K_BLOCKED ? 1 : 16,
		.max_bytes = 64 * MiB,
	};
	char name[FASTIPC_NAME_LEN], *ubuf;
	struct fastipc_stats st0;
	uint64_t held_before, held_after, handles0;
	int fds[2], h, status, i;
	pid_t pid;

	mkname(name, "kill");
	h = h_create(name, &attr);
	ASSERT_LE(0, h);
	ubuf = malloc(MiB);
	ASSERT_NE(NULL, ubuf);
	st0 = get_stats();
	if (stage == K_MAPPED || stage == K_BLOCKED) {
		/* A message for the child to map, or to fill the queue. */
		pat_fill(ubuf, stage == K_MAPPED ? MiB : 64 * KiB, 41);
		ASSERT_EQ(0, h_send(h, ubuf, stage == K_MAPPED ? MiB : 64 * KiB,
				    0, FASTIPC_SEND_PAGES));
	}
	close(h);
	handles0 = get_stats().handles;
	ASSERT_EQ(0, pipe(fds));

	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct fastipc_recv rv;
		char *win, *b;
		int fd;

		close(fds[0]);
		fd = h_open(name, FASTIPC_O_RDWR, NULL);
		CHILD_CHECK(fd >= 0);
		win = win_map(fd, 8 * MiB, RW);
		CHILD_CHECK(win);
		switch (stage) {
		case K_ALLOCATED:
			CHILD_CHECK(!h_alloc(fd, MiB, &b, NULL));
			pat_fill(b, MiB, 42);
			break;
		case K_QUEUED:
			CHILD_CHECK(!h_alloc(fd, MiB, &b, NULL));
			pat_fill(b, MiB, 42);
			CHILD_CHECK(!h_send(fd, b, MiB, 0, FASTIPC_SEND_BUF));
			pat_fill(ubuf, 256 * KiB, 43);
			CHILD_CHECK(!h_send(fd, ubuf, 256 * KiB, 0,
					    FASTIPC_SEND_PAGES));
			pat_fill(ubuf, 100, 44);
			CHILD_CHECK(!h_send(fd, ubuf, 100, 0,
					    FASTIPC_SEND_COPY));
			break;
		case K_MAPPED:
			CHILD_CHECK(!h_recv(fd, NULL, 0, FASTIPC_RECV_MAP |
					    FASTIPC_NONBLOCK, &rv));
			CHILD_CHECK(rv.msg_flags & FASTIPC_MSG_MAPPED);
			CHILD_CHECK(pat_check((void *)(uintptr_t)rv.addr, MiB,
					      41) == NO_OFF);
			break;
		case K_BLOCKED:
			CHILD_CHECK(!h_alloc(fd, 128 * KiB, &b, NULL));
			pat_fill(b, 128 * KiB, 45);
			say_ready(fds[1]);
			/* The queue is full: this waits until killed. */
			h_send_to(fd, b, 128 * KiB, 0, FASTIPC_SEND_BUF, -1);
			_exit(3);
		}
		say_ready(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (wait_ready(fds[0], 20000)) {
		kill(pid, SIGKILL);
		status = reap(pid);
		ASSERT_TRUE(0) TH_LOG("child not ready, status 0x%x", status);
	}
	if (stage == K_BLOCKED) {
		/* Let it reach the wait inside SEND. */
		for (i = 0; i < 500 && proc_state(pid) != 'S'; i++)
			msleep(10);
		msleep(100);
		EXPECT_EQ('S', proc_state(pid));
	}
	held_before = pages_held();
	switch (stage) {
	case K_ALLOCATED:
		EXPECT_EQ(st0.pages_held + 256, held_before);
		break;
	case K_QUEUED:
		EXPECT_EQ(st0.pages_held + 256 + 64, held_before);
		break;
	case K_MAPPED:
		EXPECT_EQ(st0.pages_held + 256, held_before);
		break;
	case K_BLOCKED:
		EXPECT_EQ(st0.pages_held + 16 + 32, held_before);
		break;
	}
	EXPECT_EQ(handles0 + 1, get_stats().handles);
	kill(pid, SIGKILL);
	status = reap(pid);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("child status 0x%x", status);
	close(fds[0]);

	held_after = pages_held();
	EXPECT_EQ(handles0, get_stats().handles);
	h = h_open(name, FASTIPC_O_RECV, NULL);
	ASSERT_LE(0, h);
	switch (stage) {
	case K_ALLOCATED:
	case K_MAPPED:
		EXPECT_EQ(st0.pages_held, held_after);
		EXPECT_EQ(0, h_info(h).queued_msgs);
		EXPECT_EQ(stage == K_MAPPED ? 1 : 0, h_info(h).recv_msgs);
		break;
	case K_QUEUED:
		/* The messages outlive their sender, bytes intact. */
		EXPECT_EQ(st0.pages_held + 256 + 64, held_after);
		EXPECT_EQ(3, h_info(h).queued_msgs);
		recv_copy_check(_metadata, h, MiB, 42);
		recv_copy_check(_metadata, h, 256 * KiB, 43);
		recv_copy_check(_metadata, h, 100, 44);
		EXPECT_EQ(st0.pages_held, pages_held());
		break;
	case K_BLOCKED:
		/* The child's buffer went with it; nothing was queued. */
		EXPECT_EQ(st0.pages_held + 16, held_after);
		EXPECT_EQ(1, h_info(h).queued_msgs);
		recv_copy_check(_metadata, h, 64 * KiB, 41);
		EXPECT_EQ(st0.pages_held, pages_held());
		break;
	}
	close(h);
	EXPECT_EQ(0, do_unlink(name));
	EXPECT_EQ(st0.pages_held, pages_held());
	free(ubuf);
}

TEST_F(zc, kill_with_buffer_allocated) { kill_at(_metadata, K_ALLOCATED); }
TEST_F(zc, kill_with_message_queued) { kill_at(_metadata, K_QUEUED); }
TEST_F(zc, kill_with_message_mapped) { kill_at(_metadata, K_MAPPED); }
TEST_F(zc, kill_blocked_in_sendbuf) { kill_at(_metadata, K_BLOCKED); }

/* SEND_BUF + RECV_MAP copies nothing; the page counters count. */
TEST_F(zc, counters_buf_map_no_copy)
{
	struct fastipc_stats st0 = get_stats(), st;
	struct fastipc_info info;
	struct pair p;
	char *b, *a;

	pair_open(_metadata, &p, "nocopy", NULL, 4 * MiB);
	b = alloc_fill(_metadata, p.s, MiB, 51);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, h_send(p.s, b, MiB, 2, FASTIPC_SEND_BUF));
	a = recv_map_check(_metadata, p.r, MiB, 51);
	ASSERT_NE(NULL, a);
	info = h_info(p.r);
	EXPECT_EQ(0, info.copied_bytes);
	EXPECT_EQ(256, info.mapped_pages);
	EXPECT_EQ(1, info.page_msgs);
	EXPECT_EQ(MiB, info.sent_bytes);
	EXPECT_EQ(MiB, info.recv_bytes);
	EXPECT_EQ(256, info.window_pages);
	EXPECT_EQ(4 * MiB, info.window_size);
	EXPECT_EQ(0, h_info(p.s).window_pages);
	st = get_stats();
	EXPECT_EQ(st0.copied_bytes, st.copied_bytes);
	EXPECT_EQ(st0.mapped_pages + 256, st.mapped_pages);
	EXPECT_EQ(st0.pages_held + 256, st.pages_held);
	EXPECT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(0, h_info(p.r).copied_bytes);
	pair_close(&p);
}

/* The window is not inherited: the child has nothing mapped there. */
TEST_F(zc, fork_window_not_inherited)
{
	struct pair p;
	pid_t pid;
	char *b;
	int status;

	pair_open(_metadata, &p, "forkwin", NULL, MiB);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 61);
	ASSERT_NE(NULL, b);
	ASSERT_TRUE(addr_mapped(b));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		CHILD_CHECK(!addr_mapped(p.swin));
		CHILD_CHECK(!addr_mapped(b));
		CHILD_CHECK(!addr_mapped(p.rwin));
		CHILD_CHECK(probe(b, false) == SIGSEGV);
		CHILD_CHECK(probe(p.swin, true) == SIGSEGV);
		_exit(0);
	}
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child status 0x%x", status);
	EXPECT_EQ(NO_OFF, pat_check(b, 2 * PAGE, 61));
	EXPECT_EQ(2, h_info(p.s).window_pages);
	EXPECT_EQ(0, h_free(p.s, b));
	pair_close(&p);
}

/*
 * A fork child shares the fd but not the opener's mm: the zero-copy
 * calls fail with EPERM, and leave the parent's buffers and the queue
 * alone; plain sends and receives work.
 */
TEST_F(zc, fork_child_zc_eperm)
{
	size_t plen = 64 * KiB;
	char *b, *ubuf, *a;
	struct pair p;
	int status;
	pid_t pid;

	pair_open(_metadata, &p, "forkzc", NULL, MiB);
	b = alloc_fill(_metadata, p.s, PAGE, 71);
	ASSERT_NE(NULL, b);
	ubuf = malloc(128 * KiB);
	ASSERT_NE(NULL, ubuf);
	pat_fill(ubuf, plen, 72);
	ASSERT_EQ(0, h_send(p.s, ubuf, plen, 0, FASTIPC_SEND_PAGES));

	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct fastipc_recv rv;
		char *c, *buf = malloc(plen);

		CHILD_CHECK(buf);
		CHILD_CHECK(h_alloc(p.s, PAGE, &c, NULL) == -EPERM);
		CHILD_CHECK(h_free(p.s, b) == -EPERM);
		CHILD_CHECK(h_send(p.s, b, PAGE, 0, FASTIPC_SEND_BUF) == -EPERM);
		CHILD_CHECK(h_recv(p.r, buf, plen, FASTIPC_RECV_MAP |
				   FASTIPC_NONBLOCK, NULL) == -EPERM);
		CHILD_CHECK(h_info(p.r).queued_msgs == 1);
		CHILD_CHECK(map_err(p.s, PAGE, RW, MAP_SHARED, 0) == -EPERM);
		/* Window mapped by the parent: still ours to refuse. */
		CHILD_CHECK(map_err(p.r, PAGE, RW, MAP_SHARED, 0) == -EPERM);
		/* Plain calls work. */
		CHILD_CHECK(!h_recv(p.r, buf, plen, FASTIPC_NONBLOCK, &rv));
		CHILD_CHECK(rv.len == plen);
		CHILD_CHECK(rv.msg_flags == FASTIPC_MSG_PAGES);
		CHILD_CHECK(pat_check(buf, plen, 72) == NO_OFF);
		pat_fill(buf, 100, 73);
		CHILD_CHECK(!h_send(p.s, buf, 100, 0, 0));
		pat_fill(ubuf, 128 * KiB, 74);
		CHILD_CHECK(!h_send(p.s, ubuf, 128 * KiB, 0,
				    FASTIPC_SEND_PAGES));
		_exit(0);
	}
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child status 0x%x", status);
	/* The parent's buffer is untouched and still its own. */
	EXPECT_EQ(NO_OFF, pat_check(b, PAGE, 71));
	EXPECT_EQ(1, h_info(p.s).window_pages);
	recv_copy_check(_metadata, p.r, 100, 73);
	a = recv_map_check(_metadata, p.r, 128 * KiB, 74);
	EXPECT_NE(NULL, a);
	EXPECT_EQ(0, h_free(p.r, a));
	ASSERT_EQ(0, h_send(p.s, b, PAGE, 0, FASTIPC_SEND_BUF));
	a = recv_map_check(_metadata, p.r, PAGE, 71);
	EXPECT_NE(NULL, a);
	free(ubuf);
	pair_close(&p);
}

/* Allocate, send and map through @p to show the windows still work. */
static void windows_work(struct __test_metadata *_metadata, struct pair *p,
			 uint64_t seed)
{
	char *a = pass_buf(_metadata, p, 3 * PAGE, seed);

	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, h_free(p->r, a));
}

TEST_F(zc, mmap_twice_ebusy)
{
	struct pair p;

	pair_open(_metadata, &p, "twice", NULL, MiB);
	EXPECT_EQ(-EBUSY, map_err(p.s, MiB, RW, MAP_SHARED, 0));
	EXPECT_EQ(-EBUSY, map_err(p.s, PAGE, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(MiB, h_info(p.s).window_size);
	windows_work(_metadata, &p, 81);
	pair_close(&p);
}

TEST_F(zc, mmap_private_einval)
{
	struct pair p;
	char *w;

	pair_open(_metadata, &p, "private", NULL, 0);
	EXPECT_EQ(-EINVAL, map_err(p.s, MiB, RW, MAP_PRIVATE, 0));
	EXPECT_EQ(-EINVAL, map_err(p.s, MiB, PROT_READ, MAP_PRIVATE, 0));
	EXPECT_EQ(0, h_info(p.s).window_size);
	/* The refusal left no state behind. */
	w = win_map(p.s, MiB, RW);
	EXPECT_NE(NULL, w);
	if (w)
		munmap(w, MiB);
	pair_close(&p);
}

TEST_F(zc, mmap_offset_einval)
{
	struct pair p;
	char *w;

	pair_open(_metadata, &p, "offset", NULL, 0);
	EXPECT_EQ(-EINVAL, map_err(p.s, MiB, RW, MAP_SHARED, PAGE));
	EXPECT_EQ(-EINVAL, map_err(p.s, MiB, RW, MAP_SHARED, MiB));
	w = win_map(p.s, MiB, RW);
	EXPECT_NE(NULL, w);
	if (w)
		munmap(w, MiB);
	pair_close(&p);
}

TEST_F(zc, mmap_exec_eperm)
{
	struct pair p;

	pair_open(_metadata, &p, "exec", NULL, 0);
	EXPECT_EQ(-EPERM, map_err(p.s, MiB, PROT_READ | PROT_EXEC,
				  MAP_SHARED, 0));
	EXPECT_EQ(-EPERM, map_err(p.s, MiB, RW | PROT_EXEC, MAP_SHARED, 0));
	EXPECT_EQ(0, h_info(p.s).window_size);
	p.wsz = MiB;
	p.swin = win_map(p.s, MiB, RW);
	ASSERT_NE(NULL, p.swin);
	p.rwin = win_map(p.r, MiB, RW);
	ASSERT_NE(NULL, p.rwin);
	/* Nor can exec be added later. */
	EXPECT_EQ(-1, mprotect(p.swin, MiB, RW | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	windows_work(_metadata, &p, 82);
	pair_close(&p);
}

TEST_F(zc, mmap_too_large_einval)
{
	uint64_t mw = param("max_window");
	struct pair p;
	char *b;

	if (!mw || mw > 4ULL << 30)
		SKIP(return, "max_window %llu", (unsigned long long)mw);
	pair_open(_metadata, &p, "large", NULL, 0);
	EXPECT_EQ(-EINVAL, map_err(p.s, mw + PAGE, RW, MAP_SHARED, 0));
	EXPECT_EQ(-EINVAL, map_err(p.s, 2 * mw, RW, MAP_SHARED, 0));
	EXPECT_EQ(0, h_info(p.s).window_size);
	/* Exactly max_window is allowed (address space only). */
	p.wsz = mw;
	p.swin = win_map(p.s, mw, RW);
	ASSERT_NE(NULL, p.swin) TH_LOG("mmap of max_window: %m");
	EXPECT_EQ(mw, h_info(p.s).window_size);
	ASSERT_EQ(0, h_alloc(p.s, PAGE, &b, NULL));
	EXPECT_EQ(0, h_free(p.s, b));
	pair_close(&p);
}

TEST_F(zc, mmap_unbound_ebadfd)
{
	int fd = open(FASTIPC_DEVICE, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, map_err(fd, MiB, RW, MAP_SHARED, 0));
	close(fd);
}

/* The window cannot be split; a refused munmap leaves it working. */
TEST_F(zc, partial_munmap_einval)
{
	size_t wsz = 16 * PAGE;
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "split", NULL, wsz);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 91);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-1, munmap(p.swin, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, munmap(p.swin + wsz - PAGE, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, munmap(p.swin + 4 * PAGE, 2 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, munmap(b, 2 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(wsz, h_info(p.s).window_size);
	EXPECT_EQ(NO_OFF, pat_check(b, 2 * PAGE, 91));
	EXPECT_TRUE(addr_mapped(p.swin + wsz - PAGE));
	windows_work(_metadata, &p, 92);
	EXPECT_EQ(0, h_free(p.s, b));
	pair_close(&p);
}

/*
 * mremap must fail; afterwards the buffers are intact where they were,
 * the window still works, and a full munmap still frees everything.
 */
static void mremap_check(struct __test_metadata *_metadata, int how)
{
	size_t wsz = 16 * PAGE;
	uint64_t base = pages_held();
	struct pair p;
	void *ret, *target = NULL;
	char *b, *c;

	pair_open(_metadata, &p, "mremap", NULL, wsz);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 101);
	c = alloc_fill(_metadata, p.s, 10 * PAGE, 102);	/* spans the middle */
	ASSERT_TRUE(b && c);
	switch (how) {
	case 0:		/* grow in place */
		ret = mremap(p.swin, wsz, 2 * wsz, 0);
		break;
	case 1:		/* grow, may move */
		ret = mremap(p.swin, wsz, 2 * wsz, MREMAP_MAYMOVE);
		break;
	case 2:		/* shrink */
		ret = mremap(p.swin, wsz, wsz / 2, 0);
		break;
	case 3:		/* move to a place of our choosing */
		target = mmap(NULL, wsz, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, target);
		ret = mremap(p.swin, wsz, wsz, MREMAP_MAYMOVE | MREMAP_FIXED,
			     target);
		break;
	default:	/* duplicate (old_len 0) */
		ret = mremap(p.swin, 0, wsz, MREMAP_MAYMOVE);
		break;
	}
	EXPECT_EQ(MAP_FAILED, ret) TH_LOG("mremap returned %p", ret);
	if (ret != MAP_FAILED && ret != p.swin) {
		/* Do not leave a stray copy mapped. */
		munmap(ret, how == 2 ? wsz / 2 : wsz);
	}
	if (target)
		munmap(target, wsz);
	EXPECT_TRUE(addr_mapped(p.swin));
	EXPECT_TRUE(addr_mapped(p.swin + wsz - 1));
	EXPECT_EQ(wsz, h_info(p.s).window_size);
	EXPECT_EQ(12, h_info(p.s).window_pages);
	EXPECT_EQ(NO_OFF, pat_check(b, 2 * PAGE, 101));
	EXPECT_EQ(NO_OFF, pat_check(c, 10 * PAGE, 102));
	windows_work(_metadata, &p, 103);
	/* Sending a buffer that lived through the mremap works too. */
	ASSERT_EQ(0, h_send(p.s, c, 10 * PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(SIGBUS, probe(c, false));
	EXPECT_NE(NULL, recv_map_check(_metadata, p.r, 10 * PAGE, 102));
	EXPECT_EQ(base + 12, pages_held());
	munmap(p.swin, wsz);
	p.swin = NULL;
	EXPECT_EQ(base + 10, pages_held())
		TH_LOG("munmap after the failed mremap did not free the window");
	EXPECT_EQ(0, h_info(p.s).window_size);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

TEST_F(zc, mremap_grow_fails) { mremap_check(_metadata, 0); }
TEST_F(zc, mremap_grow_maymove_fails) { mremap_check(_metadata, 1); }
TEST_F(zc, mremap_shrink_fails) { mremap_check(_metadata, 2); }
TEST_F(zc, mremap_move_fails) { mremap_check(_metadata, 3); }
TEST_F(zc, mremap_dup_fails) { mremap_check(_metadata, 4); }

/* A PROT_READ window receives and frees but cannot allocate or be written. */
TEST_F(zc, readonly_window)
{
	uint64_t base = pages_held();
	struct pair p;
	char *ubuf, *a, *b;

	pair_open(_metadata, &p, "ro", NULL, 0);
	p.wsz = MiB;
	p.swin = win_map(p.s, MiB, RW);
	ASSERT_NE(NULL, p.swin);
	p.rwin = win_map(p.r, MiB, PROT_READ);
	ASSERT_NE(NULL, p.rwin) TH_LOG("read-only mmap: %m");
	EXPECT_EQ(-1, mprotect(p.rwin, MiB, RW));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p.rwin, PAGE, RW));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-EACCES, h_alloc(p.r, PAGE, &b, NULL));
	EXPECT_EQ(base, pages_held());

	ubuf = malloc(3 * PAGE);
	ASSERT_NE(NULL, ubuf);
	pat_fill(ubuf, 3 * PAGE - 5, 111);
	ASSERT_EQ(0, h_send(p.s, ubuf, 3 * PAGE - 5, 0, FASTIPC_SEND_PAGES));
	a = recv_map_check(_metadata, p.r, 3 * PAGE - 5, 111);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(SIGSEGV, probe(a, true));
	EXPECT_EQ(SIGSEGV, probe(a + 2 * PAGE, true));
	EXPECT_EQ(NO_OFF, pat_check(a, 3 * PAGE - 5, 111));
	EXPECT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(base, pages_held());
	free(ubuf);
	pair_close(&p);
}

/* Unmapping the whole window frees every buffer; a new one can follow. */
TEST_F(zc, full_munmap_frees)
{
	uint64_t base = pages_held();
	struct pair p;
	char *b1, *b2, *b3, *a1, *w;

	pair_open(_metadata, &p, "munmap", NULL, 2 * MiB);
	b1 = alloc_fill(_metadata, p.s, 3 * PAGE, 121);
	b2 = alloc_fill(_metadata, p.s, 5 * PAGE, 122);
	b3 = alloc_fill(_metadata, p.s, 4 * PAGE, 123);
	ASSERT_TRUE(b1 && b2 && b3);
	ASSERT_EQ(0, h_send(p.s, b3, 4 * PAGE, 0, FASTIPC_SEND_BUF));
	b3 = alloc_fill(_metadata, p.s, 6 * PAGE, 124);
	ASSERT_NE(NULL, b3);
	ASSERT_EQ(0, h_send(p.s, b3, 6 * PAGE, 0, FASTIPC_SEND_BUF));
	a1 = recv_map_check(_metadata, p.r, 4 * PAGE, 123);
	ASSERT_NE(NULL, a1);
	EXPECT_EQ(base + 3 + 5 + 4 + 6, pages_held());

	/* The receiver's window goes: its mapped message with it. */
	ASSERT_EQ(0, munmap(p.rwin, p.wsz));
	p.rwin = NULL;
	EXPECT_EQ(base + 3 + 5 + 6, pages_held());
	EXPECT_EQ(0, h_info(p.r).window_size);
	EXPECT_EQ(0, h_info(p.r).window_pages);
	EXPECT_EQ(-ENXIO, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				 FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(1, h_info(p.r).queued_msgs);
	EXPECT_EQ(-ENXIO, h_free(p.r, a1));

	/* The sender's window goes: both unsent buffers with it. */
	ASSERT_EQ(0, munmap(p.swin, p.wsz));
	p.swin = NULL;
	EXPECT_EQ(base + 6, pages_held());
	EXPECT_EQ(-ENXIO, h_alloc(p.s, PAGE, &b1, NULL));
	EXPECT_EQ(-ENXIO, h_send(p.s, b2, 5 * PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(1, h_info(p.r).queued_msgs);

	/* New windows, of other sizes; the queued message maps there. */
	p.wsz = MiB;
	p.swin = win_map(p.s, MiB, RW);
	ASSERT_NE(NULL, p.swin) TH_LOG("second mmap: %m");
	p.rwin = win_map(p.r, MiB, RW);
	ASSERT_NE(NULL, p.rwin) TH_LOG("second mmap: %m");
	EXPECT_EQ(MiB, h_info(p.s).window_size);
	ASSERT_EQ(0, h_alloc(p.s, 5 * PAGE, &w, NULL));
	EXPECT_EQ(NO_OFF, byte_check(w, 0, 5 * PAGE));
	EXPECT_EQ(0, h_free(p.s, w));
	a1 = recv_map_check(_metadata, p.r, 6 * PAGE, 124);
	EXPECT_NE(NULL, a1);
	windows_work(_metadata, &p, 125);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

/* No window: the zero-copy calls fail with ENXIO and lose nothing. */
TEST_F(zc, no_window_enxio)
{
	uint64_t base = pages_held();
	struct pair p;
	char *ubuf, *b = NULL;

	pair_open(_metadata, &p, "nowin", NULL, 0);
	ubuf = malloc(3 * PAGE);
	ASSERT_NE(NULL, ubuf);
	EXPECT_EQ(-ENXIO, h_alloc(p.s, PAGE, &b, NULL));
	EXPECT_EQ(-ENXIO, h_send(p.s, ubuf, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(0, h_info(p.s).queued_msgs);
	EXPECT_EQ(-ENXIO, h_free(p.s, ubuf));

	pat_fill(ubuf, 3 * PAGE, 131);
	ASSERT_EQ(0, h_send(p.s, ubuf, 3 * PAGE, 4, FASTIPC_SEND_PAGES));
	pat_fill(ubuf, 2 * PAGE, 132);
	ASSERT_EQ(0, h_send(p.s, ubuf, 2 * PAGE, 4, FASTIPC_SEND_PAGES));
	EXPECT_EQ(-ENXIO, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				 FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(-ENXIO, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				 FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(2, h_info(p.r).queued_msgs);
	EXPECT_EQ(0, h_info(p.r).recv_msgs);
	EXPECT_EQ(base + 5, pages_held());
	/* Still queued, still first. */
	recv_copy_check(_metadata, p.r, 3 * PAGE, 131);
	recv_copy_check(_metadata, p.r, 2 * PAGE, 132);
	EXPECT_EQ(base, pages_held());
	free(ubuf);
	pair_close(&p);
}

/* A message larger than the free room of the window: ENOSPC, kept. */
TEST_F(zc, window_too_small_enospc)
{
	uint64_t base = pages_held();
	struct pair p;
	char *ubuf, *a, *b;

	pair_open(_metadata, &p, "small", NULL, 4 * PAGE);
	ubuf = malloc(64 * KiB);
	ASSERT_NE(NULL, ubuf);
	EXPECT_EQ(-ENOSPC, h_alloc(p.s, 5 * PAGE, &b, NULL));
	EXPECT_EQ(base, pages_held());

	pat_fill(ubuf, 64 * KiB, 141);
	ASSERT_EQ(0, h_send(p.s, ubuf, 64 * KiB, 0, FASTIPC_SEND_PAGES));
	EXPECT_EQ(-ENOSPC, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				  FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(1, h_info(p.r).queued_msgs);
	EXPECT_EQ(0, h_info(p.r).window_pages);
	EXPECT_EQ(base + 16, pages_held());
	recv_copy_check(_metadata, p.r, 64 * KiB, 141);

	/* Room taken by an earlier message counts too. */
	pat_fill(ubuf, 3 * PAGE, 142);
	ASSERT_EQ(0, h_send(p.s, ubuf, 3 * PAGE, 0, FASTIPC_SEND_PAGES));
	pat_fill(ubuf, 2 * PAGE, 143);
	ASSERT_EQ(0, h_send(p.s, ubuf, 2 * PAGE, 0, FASTIPC_SEND_PAGES));
	a = recv_map_check(_metadata, p.r, 3 * PAGE, 142);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(-ENOSPC, h_recv(p.r, NULL, 0, FASTIPC_RECV_MAP |
				  FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(1, h_info(p.r).queued_msgs);
	EXPECT_EQ(0, h_free(p.r, a));
	a = recv_map_check(_metadata, p.r, 2 * PAGE, 143);
	EXPECT_NE(NULL, a);
	free(ubuf);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

/* A failed SEND_BUF queues nothing and leaves the buffer as it was. */
static void buffer_intact(struct __test_metadata *_metadata, struct pair *p,
			  char *b, size_t len, uint64_t seed)
{
	EXPECT_EQ(0, h_info(p->s).queued_msgs);
	EXPECT_EQ(0, probe(b, false));
	EXPECT_EQ(NO_OFF, pat_check(b, len, seed));
	ASSERT_EQ(0, h_send(p->s, b, len, 0, FASTIPC_SEND_BUF));
	EXPECT_NE(NULL, recv_map_check(_metadata, p->r, len, seed));
}

TEST_F(zc, sendbuf_not_buffer_start)
{
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "notstart", NULL, MiB);
	b = alloc_fill(_metadata, p.s, 3 * PAGE, 151);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EINVAL, h_send(p.s, b + PAGE, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b + 2 * PAGE, 100, 0,
				  FASTIPC_SEND_BUF));
	buffer_intact(_metadata, &p, b, 3 * PAGE, 151);
	pair_close(&p);
}

TEST_F(zc, sendbuf_unaligned)
{
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "unaligned", NULL, MiB);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 152);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EINVAL, h_send(p.s, b + 1, 100, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b + 8, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b + PAGE - 1, 1, 0, FASTIPC_SEND_BUF));
	buffer_intact(_metadata, &p, b, 2 * PAGE, 152);
	pair_close(&p);
}

TEST_F(zc, sendbuf_outside_window)
{
	struct pair p;
	char *b, *anon;

	pair_open(_metadata, &p, "outside", NULL, 16 * PAGE);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 153);
	ASSERT_NE(NULL, b);
	anon = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	memset(anon, 1, PAGE);
	EXPECT_EQ(-EINVAL, h_send(p.s, anon, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, p.swin - PAGE, PAGE, 0,
				  FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, p.swin + p.wsz, PAGE, 0,
				  FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, NULL, PAGE, 0, FASTIPC_SEND_BUF));
	/* Inside the window, but a hole. */
	EXPECT_EQ(-EINVAL, h_send(p.s, b == p.swin ? p.swin + 8 * PAGE :
				  p.swin, PAGE, 0, FASTIPC_SEND_BUF));
	/* The receiver's window is another handle's: not ours to send. */
	EXPECT_EQ(-EINVAL, h_send(p.s, p.rwin, PAGE, 0, FASTIPC_SEND_BUF));
	buffer_intact(_metadata, &p, b, 2 * PAGE, 153);
	munmap(anon, PAGE);
	pair_close(&p);
}

TEST_F(zc, sendbuf_twice_einval)
{
	uint64_t base = pages_held();
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "twice", NULL, MiB);
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 154);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, h_send(p.s, b, 2 * PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, 2 * PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, 1, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(1, h_info(p.s).queued_msgs);
	EXPECT_EQ(base + 2, pages_held());
	EXPECT_NE(NULL, recv_map_check(_metadata, p.r, 2 * PAGE, 154));
	EXPECT_EQ(-EAGAIN, h_recv(p.r, NULL, 0, FASTIPC_NONBLOCK, NULL));
	pair_close(&p);
}

TEST_F(zc, sendbuf_len_zero_einval)
{
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "len0", NULL, MiB);
	b = alloc_fill(_metadata, p.s, PAGE, 155);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EINVAL, h_send(p.s, b, 0, 0, FASTIPC_SEND_BUF));
	buffer_intact(_metadata, &p, b, PAGE, 155);
	pair_close(&p);
}

TEST_F(zc, sendbuf_len_too_big_einval)
{
	uint64_t got;
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "toobig", NULL, MiB);
	ASSERT_EQ(0, h_alloc(p.s, 2 * PAGE - 5, &b, &got));
	ASSERT_EQ(2 * PAGE, got);
	pat_fill(b, got, 156);
	EXPECT_EQ(-EINVAL, h_send(p.s, b, got + 1, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, 3 * PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, MiB, 0, FASTIPC_SEND_BUF));
	/* The whole mapped size (more than asked for) is fine. */
	buffer_intact(_metadata, &p, b, got, 156);
	pair_close(&p);
}

TEST_F(zc, sendbuf_with_path_flag_einval)
{
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "pathflag", NULL, MiB);
	b = alloc_fill(_metadata, p.s, PAGE, 157);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EINVAL, h_send(p.s, b, PAGE, 0,
				  FASTIPC_SEND_BUF | FASTIPC_SEND_COPY));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, PAGE, 0,
				  FASTIPC_SEND_BUF | FASTIPC_SEND_PAGES));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, PAGE, 0, FASTIPC_SEND_BUF | 0x100));
	EXPECT_EQ(-EINVAL, h_send(p.s, b, PAGE, FASTIPC_PRIO_MAX + 1,
				  FASTIPC_SEND_BUF));
	buffer_intact(_metadata, &p, b, PAGE, 157);
	pair_close(&p);
}

/* A full channel or a lowered limit fails SEND_BUF; the buffer stays. */
TEST_F(zc, sendbuf_fail_keeps_buffer)
{
	struct fastipc_attr attr = { .max_msgs = 1, .max_bytes = 64 * MiB };
	struct fastipc_attr lower = { .max_msg_size = 64 * KiB };
	struct pair p;
	char *b, *c;

	pair_open(_metadata, &p, "keep", &attr, 4 * MiB);
	ASSERT_EQ(0, h_send(p.s, "x", 1, 0, 0));
	b = alloc_fill(_metadata, p.s, 2 * PAGE, 158);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EAGAIN, h_send(p.s, b, 2 * PAGE, 0,
				  FASTIPC_SEND_BUF | FASTIPC_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, h_send_to(p.s, b, 2 * PAGE, 0, FASTIPC_SEND_BUF,
					20 * 1000 * 1000));
	EXPECT_EQ(0, probe(b + PAGE, false));
	EXPECT_EQ(NO_OFF, pat_check(b, 2 * PAGE, 158));
	EXPECT_EQ(2, h_info(p.s).window_pages);
	ASSERT_EQ(0, h_recv(p.r, (char[8]){ 0 }, 8, FASTIPC_NONBLOCK, NULL));
	buffer_intact(_metadata, &p, b, 2 * PAGE, 158);

	/* max_msg_size lowered below an allocated buffer's size. */
	c = alloc_fill(_metadata, p.s, MiB, 159);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, ioctl(p.s, FASTIPC_IOC_SET_ATTR, &lower)) TH_LOG("%m");
	EXPECT_EQ(-EMSGSIZE, h_send(p.s, c, MiB, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(NO_OFF, pat_check(c, MiB, 159));
	EXPECT_EQ(256, h_info(p.s).window_pages);
	/* A part of it within the limit goes. */
	ASSERT_EQ(0, h_send(p.s, c, 64 * KiB, 0, FASTIPC_SEND_BUF));
	EXPECT_NE(NULL, recv_map_check(_metadata, p.r, 64 * KiB, 159));
	pair_close(&p);
}

TEST_F(zc, buffree_bad_addr_einval)
{
	uint64_t base = pages_held();
	struct fastipc_buf bf;
	struct pair p;
	char *b, *s;

	pair_open(_metadata, &p, "badfree", NULL, 16 * PAGE);
	b = alloc_fill(_metadata, p.s, 3 * PAGE, 161);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(-EINVAL, h_free(p.s, b + PAGE));
	EXPECT_EQ(-EINVAL, h_free(p.s, b + 1));
	EXPECT_EQ(-EINVAL, h_free(p.s, b == p.swin ? p.swin + 8 * PAGE :
				  p.swin));
	EXPECT_EQ(-EINVAL, h_free(p.s, p.swin + p.wsz));
	EXPECT_EQ(-EINVAL, h_free(p.s, p.swin - PAGE));
	EXPECT_EQ(-EINVAL, h_free(p.s, NULL));
	EXPECT_EQ(-EINVAL, h_free(p.s, &bf));
	/* The receiver's window is not the sender's. */
	EXPECT_EQ(-EINVAL, h_free(p.r, b));
	bf = (struct fastipc_buf){ .addr = (uintptr_t)b, .len = PAGE };
	EXPECT_EQ(-1, ioctl(p.s, FASTIPC_IOC_BUF_FREE, &bf));
	EXPECT_EQ(EINVAL, errno);
	bf = (struct fastipc_buf){ .addr = (uintptr_t)b, .flags = 1 };
	EXPECT_EQ(-1, ioctl(p.s, FASTIPC_IOC_BUF_FREE, &bf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NO_OFF, pat_check(b, 3 * PAGE, 161));
	EXPECT_EQ(base + 3, pages_held());
	/* A sent buffer is no longer ours to free. */
	ASSERT_EQ(0, h_alloc(p.s, PAGE, &s, NULL));
	ASSERT_EQ(0, h_send(p.s, s, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(-EINVAL, h_free(p.s, s));
	EXPECT_EQ(1, h_info(p.s).queued_msgs);
	EXPECT_EQ(0, h_free(p.s, b));
	pair_close(&p);
}

TEST_F(zc, buffree_double_einval)
{
	uint64_t base = pages_held();
	struct pair p;
	char *b, *a;

	pair_open(_metadata, &p, "dblfree", NULL, MiB);
	ASSERT_EQ(0, h_alloc(p.s, 2 * PAGE, &b, NULL));
	EXPECT_EQ(0, h_free(p.s, b));
	EXPECT_EQ(-EINVAL, h_free(p.s, b));
	EXPECT_EQ(base, pages_held());

	a = pass_buf(_metadata, &p, 2 * PAGE, 162);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(-EINVAL, h_free(p.r, a));
	EXPECT_EQ(base, pages_held());
	pair_close(&p);
}

TEST_F(zc, bufalloc_bad_len)
{
	struct fastipc_attr attr = { .max_msgs = 8, .max_bytes = 64 * MiB,
				     .max_msg_size = MiB };
	uint64_t base = pages_held();
	struct fastipc_buf bf;
	struct pair p;
	char *b;

	pair_open(_metadata, &p, "badalloc", &attr, 4 * MiB);
	ASSERT_EQ(MiB, attr.max_msg_size);
	EXPECT_EQ(-EINVAL, h_alloc(p.s, 0, &b, NULL));
	EXPECT_EQ(-EMSGSIZE, h_alloc(p.s, MiB + 1, &b, NULL));
	EXPECT_EQ(-EMSGSIZE, h_alloc(p.s, 2 * MiB, &b, NULL));
	EXPECT_EQ(-EMSGSIZE, h_alloc(p.s, ~0ULL, &b, NULL));
	bf = (struct fastipc_buf){ .len = PAGE, .flags = ~FASTIPC_BUF_NOZERO };
	EXPECT_EQ(-1, ioctl(p.s, FASTIPC_IOC_BUF_ALLOC, &bf));
	EXPECT_EQ(EINVAL, errno);
	bf = (struct fastipc_buf){ .len = PAGE, .addr = (uintptr_t)p.swin };
	EXPECT_EQ(-1, ioctl(p.s, FASTIPC_IOC_BUF_ALLOC, &bf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(base, pages_held());
	EXPECT_EQ(0, h_info(p.s).window_pages);
	ASSERT_EQ(0, h_alloc(p.s, MiB, &b, NULL));
	EXPECT_EQ(0, h_free(p.s, b));
	pair_close(&p);
}

/*
 * A received buffer is forwarded with SEND_BUF, zero-copy: the relay
 * loses it, the next receiver maps the same bytes, nothing is copied and
 * no page is added.  A handle's window is bound to its channel, so the
 * relay can forward only on the channel it received from.
 */
TEST_F(zc, forward_mapped_message)
{
	size_t len = 256 * KiB + 7;
	struct fastipc_stats st0 = get_stats();
	int relay, last;
	char *rwin, *lwin, *b, *a, *f;
	struct pair p;

	pair_open(_metadata, &p, "fwd", NULL, 2 * MiB);
	relay = p.r;
	last = h_open(p.name, FASTIPC_O_RECV, NULL);
	ASSERT_LE(0, last);
	rwin = p.rwin;
	lwin = win_map(last, 2 * MiB, PROT_READ);	/* receive-only */
	ASSERT_NE(NULL, lwin);

	b = alloc_fill(_metadata, p.s, len, 171);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, h_send(p.s, b, len, 0, FASTIPC_SEND_BUF));
	a = recv_map_check(_metadata, relay, len, 171);
	ASSERT_NE(NULL, a);
	ASSERT_TRUE(a >= rwin && a < rwin + 2 * MiB);
	EXPECT_EQ(st0.pages_held + 65, pages_held());
	/* Forward at a higher priority. */
	ASSERT_EQ(0, h_send(relay, a, len, 9, FASTIPC_SEND_BUF));
	EXPECT_EQ(SIGBUS, probe(a, false));
	EXPECT_EQ(0, h_info(relay).window_pages);
	EXPECT_EQ(st0.pages_held + 65, pages_held());
	f = recv_map_check(_metadata, last, len, 171);
	ASSERT_NE(NULL, f);
	ASSERT_TRUE(f >= lwin && f < lwin + 2 * MiB);
	EXPECT_EQ(0, h_info(last).copied_bytes);
	EXPECT_EQ(2, h_info(last).page_msgs);
	EXPECT_EQ(130, h_info(last).mapped_pages);
	EXPECT_EQ(st0.copied_bytes, get_stats().copied_bytes);
	EXPECT_EQ(0, h_free(last, f));
	EXPECT_EQ(st0.pages_held, pages_held());
	munmap(lwin, 2 * MiB);
	close(last);
	pair_close(&p);
}

/* A buffer of one handle's window cannot be sent through another. */
TEST_F(zc, forward_other_channel_einval)
{
	struct pair p, q;
	char *a;

	pair_open(_metadata, &p, "fwd1", NULL, MiB);
	pair_open(_metadata, &q, "fwd2", NULL, MiB);
	a = pass_buf(_metadata, &p, PAGE, 172);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(-EINVAL, h_send(q.s, a, PAGE, 0, FASTIPC_SEND_BUF));
	EXPECT_EQ(0, h_info(q.s).queued_msgs);
	EXPECT_EQ(NO_OFF, pat_check(a, PAGE, 172));
	EXPECT_EQ(0, h_free(p.r, a));
	pair_close(&q);
	pair_close(&p);
}

/* A receive whose result cannot be written back keeps the message. */
TEST_F(zc, recv_efault_requeues)
{
	uint64_t base = pages_held();
	struct fastipc_recv *rv;
	struct pair p;
	char *ro, *ubuf;

	pair_open(_metadata, &p, "efault", NULL, MiB);
	/* Page 0 read-only, pages 1-2 writable, pages 3-7 inaccessible. */
	ro = mmap(NULL, 8 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect(ro + 3 * PAGE, 5 * PAGE, PROT_NONE));
	ubuf = malloc(5 * PAGE);
	ASSERT_NE(NULL, ubuf);
	pat_fill(ubuf, 5 * PAGE, 181);
	ASSERT_EQ(0, h_send(p.s, ubuf, 5 * PAGE, 3, FASTIPC_SEND_PAGES));

	/* The argument itself is read-only: RECV_MAP maps, then must undo. */
	rv = (struct fastipc_recv *)ro;
	*rv = (struct fastipc_recv){ .len = 0, .timeout_ns = -1,
				     .flags = FASTIPC_RECV_MAP |
					      FASTIPC_NONBLOCK };
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_EQ(-1, ioctl(p.r, FASTIPC_IOC_RECV, rv));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, h_info(p.r).queued_msgs);
	EXPECT_EQ(0, h_info(p.r).recv_msgs);
	EXPECT_EQ(0, h_info(p.r).window_pages);
	EXPECT_EQ(0, h_info(p.r).mapped_pages);
	EXPECT_EQ(base + 5, pages_held());

	/* Copies into a read-only page, and one that faults half-way. */
	EXPECT_EQ(-EFAULT, h_recv(p.r, ro, 5 * PAGE, FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(-EFAULT, h_recv(p.r, ro + PAGE, 5 * PAGE,
				  FASTIPC_NONBLOCK, NULL));
	EXPECT_EQ(1, h_info(p.r).queued_msgs);
	EXPECT_EQ(base + 5, pages_held());

	EXPECT_NE(NULL, recv_map_check(_metadata, p.r, 5 * PAGE, 181));
	munmap(ro, 8 * PAGE);
	free(ubuf);
	pair_close(&p);
	EXPECT_EQ(base, pages_held());
}

/* ---------------------------------------------------------------- */
/* Many senders and receivers at once, on threads and on processes.   */

#define CC_SENDERS	4
#define CC_RECEIVERS	3
#define CC_MSGS		48
#define CC_MAXLEN	(256 * KiB)
#define CC_MAGIC	0xfa57c0deU

struct cc_hdr {
	uint32_t magic, sender, seq, pad;
	uint64_t len;
};

struct cc_shared {
	atomic_int fails;
	atomic_int received;
	atomic_int seen[CC_SENDERS][CC_MSGS];
};

static size_t cc_len(int sender, int seq)
{
	static const size_t sizes[] = { 32, 4000, 4096, 65536, 100000,
					CC_MAXLEN, 12345, 8192 };

	return sizes[(sender * 5 + seq * 3) % 8];
}

static uint64_t cc_seed(int sender, int seq)
{
	return mix64(((uint64_t)sender << 32) | (uint64_t)seq);
}

static void cc_fail(struct cc_shared *sh, const char *what, int err)
{
	fprintf(stderr, "# %d: %s: %s\n", (int)getpid(), what, strerror(err));
	atomic_fetch_add(&sh->fails, 1);
}

static void cc_fill(char *p, int sender, int seq, size_t len)
{
	struct cc_hdr h = { CC_MAGIC, sender, seq, 0, len };

	memcpy(p, &h, sizeof(h));
	pat_fill(p + sizeof(h), len - sizeof(h), cc_seed(sender, seq));
}

/* Send CC_MSGS messages from @sender, most through the zero-copy paths. */
static void cc_sender(struct cc_shared *sh, int fd, int sender)
{
	char *ubuf = malloc(CC_MAXLEN), *b;
	int seq, ret;

	if (!ubuf) {
		cc_fail(sh, "malloc", ENOMEM);
		return;
	}
	for (seq = 0; seq < CC_MSGS; seq++) {
		size_t len = cc_len(sender, seq);
		uint32_t prio = seq % 4;

		switch ((sender + seq) % 3) {
		case 0:
		case 1:
			ret = h_alloc(fd, len, &b, NULL);
			if (ret) {
				cc_fail(sh, "BUF_ALLOC", -ret);
				break;
			}
			cc_fill(b, sender, seq, len);
			ret = h_send_to(fd, b, len, prio, FASTIPC_SEND_BUF,
					60LL * 1000000000);
			if (ret) {
				cc_fail(sh, "SEND_BUF", -ret);
				h_free(fd, b);
			}
			break;
		default:
			cc_fill(ubuf, sender, seq, len);
			ret = h_send_to(fd, ubuf, len, prio,
					seq % 2 ? FASTIPC_SEND_PAGES : 0,
					60LL * 1000000000);
			if (ret)
				cc_fail(sh, "SEND", -ret);
			break;
		}
	}
	free(ubuf);
}

/* Receive (mapping page messages) until an empty stop message. */
static void cc_receiver(struct cc_shared *sh, int fd)
{
	char *buf = malloc(CC_MAXLEN), *at;
	struct fastipc_recv rv;
	struct cc_hdr h;
	int ret;

	if (!buf) {
		cc_fail(sh, "malloc", ENOMEM);
		return;
	}
	for (;;) {
		ret = h_recv_to(fd, buf, CC_MAXLEN, FASTIPC_RECV_MAP,
				60LL * 1000000000, &rv);
		if (ret) {
			cc_fail(sh, "RECV", -ret);
			break;
		}
		if (!rv.len)
			break;
		at = rv.msg_flags & FASTIPC_MSG_MAPPED ?
		     (char *)(uintptr_t)rv.addr : buf;
		memcpy(&h, at, sizeof(h));
		if (rv.len < sizeof(h) || h.magic != CC_MAGIC ||
		    h.sender >= CC_SENDERS || h.seq >= CC_MSGS ||
		    h.len != rv.len || rv.len != cc_len(h.sender, h.seq)) {
			cc_fail(sh, "bad header", EBADMSG);
		} else if (pat_check(at + sizeof(h), rv.len - sizeof(h),
				     cc_seed(h.sender, h.seq)) != NO_OFF) {
			cc_fail(sh, "bad bytes", EBADMSG);
		} else if (atomic_fetch_add(&sh->seen[h.sender][h.seq], 1)) {
			cc_fail(sh, "delivered twice", EBADMSG);
		}
		atomic_fetch_add(&sh->received, 1);
		if (rv.msg_flags & FASTIPC_MSG_MAPPED) {
			ret = h_free(fd, at);
			if (ret)
				cc_fail(sh, "BUF_FREE", -ret);
		}
	}
	free(buf);
}

static void cc_check(struct __test_metadata *_metadata, struct cc_shared *sh)
{
	int i, j, missing = 0;

	EXPECT_EQ(0, atomic_load(&sh->fails));
	EXPECT_EQ(CC_SENDERS * CC_MSGS, atomic_load(&sh->received));
	for (i = 0; i < CC_SENDERS; i++)
		for (j = 0; j < CC_MSGS; j++)
			if (atomic_load(&sh->seen[i][j]) != 1)
				missing++;
	EXPECT_EQ(0, missing) TH_LOG("%d messages lost or duplicated",
				     missing);
}

struct cc_thread {
	struct cc_shared *sh;
	int fd, id;
};

static void *cc_send_thread(void *arg)
{
	struct cc_thread *t = arg;

	cc_sender(t->sh, t->fd, t->id);
	return NULL;
}

static void *cc_recv_thread(void *arg)
{
	struct cc_thread *t = arg;

	cc_receiver(t->sh, t->fd);
	return NULL;
}

static struct fastipc_attr cc_attr = {
	.max_msgs = 16,		/* small: senders wait for room */
	.max_bytes = 4 * MiB,
	.zc_threshold = ZC_THRESHOLD,
};

/*
 * Threads: senders 0 and 1 share a handle and its window, 2 and 3 have
 * their own; receivers 0 and 1 share a handle, 2 has its own.
 */
TEST_F_TIMEOUT(zc, concurrent_threads, 180)
{
	struct fastipc_attr attr = cc_attr;
	struct cc_thread st[CC_SENDERS], rt[CC_RECEIVERS];
	pthread_t sth[CC_SENDERS], rth[CC_RECEIVERS];
	char name[FASTIPC_NAME_LEN];
	struct cc_shared *sh;
	int sfd[3], rfd[2], ctl, i;
	uint64_t base = pages_held();

	sh = calloc(1, sizeof(*sh));
	ASSERT_NE(NULL, sh);
	mkname(name, "ccthr");
	ctl = h_create(name, &attr);
	ASSERT_LE(0, ctl);
	for (i = 0; i < 3; i++) {
		sfd[i] = h_open(name, FASTIPC_O_SEND, NULL);
		ASSERT_LE(0, sfd[i]);
		ASSERT_NE(NULL, win_map(sfd[i], 4 * MiB, RW));
	}
	for (i = 0; i < 2; i++) {
		rfd[i] = h_open(name, FASTIPC_O_RECV, NULL);
		ASSERT_LE(0, rfd[i]);
		ASSERT_NE(NULL, win_map(rfd[i], 4 * MiB, PROT_READ));
	}
	for (i = 0; i < CC_RECEIVERS; i++) {
		rt[i] = (struct cc_thread){ sh, rfd[i < 2 ? 0 : 1], i };
		ASSERT_EQ(0, pthread_create(&rth[i], NULL, cc_recv_thread,
					    &rt[i]));
	}
	for (i = 0; i < CC_SENDERS; i++) {
		st[i] = (struct cc_thread){ sh, sfd[i < 2 ? 0 : i - 1], i };
		ASSERT_EQ(0, pthread_create(&sth[i], NULL, cc_send_thread,
					    &st[i]));
	}
	for (i = 0; i < CC_SENDERS; i++)
		pthread_join(sth[i], NULL);
	/* Every data message is queued; the stops come after them. */
	for (i = 0; i < CC_RECEIVERS; i++)
		EXPECT_EQ(0, h_send(ctl, NULL, 0, 0, 0));
	for (i = 0; i < CC_RECEIVERS; i++)
		pthread_join(rth[i], NULL);
	cc_check(_metadata, sh);
	EXPECT_EQ(0, h_info(ctl).queued_msgs);
	EXPECT_EQ(CC_SENDERS * CC_MSGS + CC_RECEIVERS, h_info(ctl).recv_msgs);
	EXPECT_EQ(0, h_info(rfd[0]).window_pages);
	EXPECT_EQ(0, h_info(sfd[0]).window_pages);
	EXPECT_EQ(base, pages_held());
	free(sh);
}

TEST_F_TIMEOUT(zc, concurrent_processes, 180)
{
	struct fastipc_attr attr = cc_attr;
	pid_t spid[CC_SENDERS], rpid[CC_RECEIVERS];
	char name[FASTIPC_NAME_LEN];
	struct cc_shared *sh;
	uint64_t base = pages_held();
	int ctl, i, status;

	sh = mmap(NULL, sizeof(*sh), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	mkname(name, "ccproc");
	ctl = h_create(name, &attr);
	ASSERT_LE(0, ctl);
	for (i = 0; i < CC_RECEIVERS + CC_SENDERS; i++) {
		bool recv = i < CC_RECEIVERS;
		pid_t pid = spawn();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			int fd = h_open(name, recv ? FASTIPC_O_RECV :
					FASTIPC_O_SEND, NULL);

			CHILD_CHECK(fd >= 0);
			CHILD_CHECK(win_map(fd, 4 * MiB,
					    recv ? PROT_READ : RW));
			if (recv)
				cc_receiver(sh, fd);
			else
				cc_sender(sh, fd, i - CC_RECEIVERS);
			_exit(0);
		}
		if (recv)
			rpid[i] = pid;
		else
			spid[i - CC_RECEIVERS] = pid;
	}
	for (i = 0; i < CC_SENDERS; i++) {
		status = reap(spid[i]);
		EXPECT_EQ(0, status) TH_LOG("sender %d: 0x%x", i, status);
	}
	for (i = 0; i < CC_RECEIVERS; i++)
		EXPECT_EQ(0, h_send(ctl, NULL, 0, 0, 0));
	for (i = 0; i < CC_RECEIVERS; i++) {
		status = reap(rpid[i]);
		EXPECT_EQ(0, status) TH_LOG("receiver %d: 0x%x", i, status);
	}
	cc_check(_metadata, sh);
	EXPECT_EQ(0, h_info(ctl).queued_msgs);
	close(ctl);
	EXPECT_EQ(0, do_unlink(name));
	EXPECT_EQ(base, pages_held());
	munmap(sh, sizeof(*sh));
}

/* ---------------------------------------------------------------- */
/* Recycled pages (FASTIPC_BUF_NOZERO, Documentation/zerocopy.md).     */

static int h_alloc_nozero(int fd, uint64_t len, char **addr)
{
	struct fastipc_buf b = { .len = len, .flags = FASTIPC_BUF_NOZERO };

	*addr = NULL;
	if (ioctl(fd, FASTIPC_IOC_BUF_ALLOC, &b))
		return -errno;
	*addr = (char *)(uintptr_t)b.addr;
	return 0;
}

/* Does @page hold the bytes of pattern @seed that lie at offset @off? */
static bool pat_page_is(const char *page, uint64_t seed, size_t off)
{
	size_t i;
	uint64_t w;

	for (i = 0; i < PAGE / 8; i++) {
		w = pat_word(seed, off / 8 + i);
		if (memcmp(page + 8 * i, &w, 8))
			return false;
	}
	return true;
}

/*
 * Every page of @buf (whole pages, @len bytes) is all zeros or a page of
 * some earlier buffer of @len bytes filled with pattern @seed: recycled
 * pages come back in any order.
 */
static bool zero_or_own(const char *buf, size_t len, uint64_t seed)
{
	size_t off, k;
	bool ok;

	for (off = 0; off < len; off += PAGE) {
		if (byte_check(buf + off, 0, PAGE) == NO_OFF)
			continue;
		for (ok = false, k = 0; !ok && k < len; k += PAGE)
			ok = pat_page_is(buf + off, seed, k);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * A receiver with a read-only window cannot write what it maps, so the
 * pages it frees go back to the sender, whose NOZERO allocations then
 * reuse them: the sender sees its own bytes again, nobody else's.
 */
TEST_F(zc, recycle_back_to_sender)
{
	struct fastipc_stats st0 = get_stats(), st;
	struct pair p;
	char *b, *a, *rwin;
	int i;

	pair_open(_metadata, &p, "recyc", NULL, 0);
	p.swin = win_map(p.s, 4 * MiB, RW);
	ASSERT_NE(NULL, p.swin);
	rwin = win_map(p.r, 4 * MiB, PROT_READ);
	ASSERT_NE(NULL, rwin);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, h_alloc_nozero(p.s, 64 * KiB, &b));
		EXPECT_TRUE(zero_or_own(b, 64 * KiB, 300))
			TH_LOG("round %d: a recycled page held foreign bytes", i);
		pat_fill(b, 64 * KiB, 300);
		ASSERT_EQ(0, h_send(p.s, b, 64 * KiB, 0, FASTIPC_SEND_BUF));
		a = recv_map_check(_metadata, p.r, 64 * KiB, 300);
		ASSERT_NE(NULL, a);
		ASSERT_EQ(0, h_free(p.r, a));
		st = get_stats();
		/* Back in the sender's pool, not in use, not freed. */
		EXPECT_EQ(st0.pages_held, st.pages_held);
		EXPECT_LE(st0.pages_pooled + 16, st.pages_pooled);
	}
	munmap(rwin, 4 * MiB);
	munmap(p.swin, 4 * MiB);
	p.swin = NULL;
	pair_close(&p);
	st = get_stats();
	EXPECT_EQ(st0.pages_held, st.pages_held);
	EXPECT_EQ(st0.pages_pooled, st.pages_pooled);
}

/*
 * A receiver with a writable window may write what it maps: its freed
 * pages are recycled to itself, never back to the sender.
 */
TEST_F(zc, recycle_never_leaks_receiver_writes)
{
	struct fastipc_stats st0 = get_stats();
	struct pair p;
	char *b, *a;
	int i;

	pair_open(_metadata, &p, "recyw", NULL, 4 * MiB);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, h_alloc_nozero(p.s, 64 * KiB, &b));
		/* Only the sender's own pattern, never the receiver's. */
		EXPECT_TRUE(zero_or_own(b, 64 * KiB, 310))
			TH_LOG("round %d: the sender got foreign bytes", i);
		pat_fill(b, 64 * KiB, 310);
		ASSERT_EQ(0, h_send(p.s, b, 64 * KiB, 0, FASTIPC_SEND_BUF));
		a = recv_map_check(_metadata, p.r, 64 * KiB, 310);
		ASSERT_NE(NULL, a);
		pat_fill(a, 64 * KiB, 311);	/* the receiver's secret */
		ASSERT_EQ(0, h_free(p.r, a));
	}
	/* The receiver's own allocation may get its own bytes back. */
	ASSERT_EQ(0, h_alloc_nozero(p.r, 64 * KiB, &b));
	EXPECT_TRUE(zero_or_own(b, 64 * KiB, 311));
	EXPECT_EQ(0, h_free(p.r, b));
	/* A zeroed allocation is zero whatever the pool holds. */
	ASSERT_EQ(0, h_alloc(p.r, 64 * KiB, &b, NULL));
	EXPECT_EQ(NO_OFF, byte_check(b, 0, 64 * KiB));
	EXPECT_EQ(0, h_free(p.r, b));
	pair_close(&p);
	EXPECT_EQ(st0.pages_held, get_stats().pages_held);
	EXPECT_EQ(st0.pages_pooled, get_stats().pages_pooled);
}

/*
 * Pools are a cache the kernel may take back: the shrinker frees pooled
 * pages under memory pressure.  drop_caches=2 runs every shrinker, and
 * a pool emptied that way is still a working pool.
 */
TEST_F(zc, pool_shrinks_under_pressure)
{
	struct fastipc_stats st0 = get_stats(), st;
	struct pair p;
	char *b, *a;
	int fd;

	if (geteuid())
		SKIP(return, "needs root (drop_caches)");
	pair_open(_metadata, &p, "recys", NULL, 4 * MiB);
	b = alloc_fill(_metadata, p.s, 1 * MiB, 330);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, h_free(p.s, b));
	st = get_stats();
	ASSERT_LE(st0.pages_pooled + 256, st.pages_pooled);

	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "2\n", 2));
	close(fd);
	st = get_stats();
	EXPECT_GE(st0.pages_pooled, st.pages_pooled)
		TH_LOG("%llu pages still pooled after the shrinkers ran",
		       (unsigned long long)(st.pages_pooled - st0.pages_pooled));
	EXPECT_EQ(st0.pages_held, st.pages_held);

	/* Recycling goes on. */
	a = pass_buf(_metadata, &p, 64 * KiB, 331);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, h_free(p.r, a));
	EXPECT_LE(st0.pages_pooled + 16, get_stats().pages_pooled);
	pair_close(&p);
	EXPECT_EQ(st0.pages_pooled, get_stats().pages_pooled);
}

/* pool_max 0 turns recycling off: nothing is ever pooled. */
TEST_F(zc, recycle_off_with_pool_max_zero)
{
	uint64_t old = param("pool_max");
	struct fastipc_stats st0 = get_stats();
	struct pair p;
	char *a;
	FILE *f;

	f = fopen("/sys/module/fastipc/parameters/pool_max", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "0\n");
	fclose(f);
	pair_open(_metadata, &p, "recy0", NULL, 4 * MiB);
	a = pass_buf(_metadata, &p, 64 * KiB, 320);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, h_free(p.r, a));
	EXPECT_EQ(st0.pages_pooled, get_stats().pages_pooled);
	pair_close(&p);
	f = fopen("/sys/module/fastipc/parameters/pool_max", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%llu\n", (unsigned long long)old);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (access(FASTIPC_DEVICE, R_OK | W_OK))
		ksft_exit_skip("%s: %s (is fastipc.ko loaded?)\n",
			       FASTIPC_DEVICE, strerror(errno));
	return fipc_harness_run(argc, argv);
}

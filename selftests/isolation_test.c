// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: isolation against a hostile peer (promises.md, the
 * "H" promises, and the D and I ones a hostile peer tests).  One test per way a peer that is hostile, not buggy,
 * could break what a receiver gets, what a principal can read, or what
 * it is charged for:
 *
 *  - a receive-only handle cannot change a message, even one it made go
 *    back to the queue: its window is read-only, and a receive whose
 *    report faults puts back a message that was never mapped;
 *  - recycled pages (FASTIPC_BUF_NOZERO) never carry another process's
 *    bytes, whoever holds the handle's file;
 *  - pooled pages give way under a memory cgroup's own pressure and stay
 *    in the cgroup they are charged to;
 *  - fastipc's page quota does not eat the RLIMIT_MEMLOCK budget that
 *    io_uring and perf count against;
 *  - window pages count in the process's RSS;
 *  - EPOLLOUT means a send would succeed; a waiting large sender is not
 *    overtaken for ever;
 *  - a killed sender stops copying a large message;
 *  - results written before a message is handed over: no double delivery,
 *    no channel deleted under others;
 *  - a received page can be passed on without a copy (vmsplice), and a
 *    buffer whose pages the sender still holds elsewhere is copied when
 *    it is sent, so the move keeps its promise.
 *
 * Runs as root in the test VM (it switches to uid 65534 where it needs an
 * unprivileged peer); what needs more skips.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "adv_util.h"

#define PG		ADV_PAGE
#define RW		(PROT_READ | PROT_WRITE)
#define NOBODY		65534
#define KiB		((size_t)1024)
#define MiB		(1024 * KiB)

FIXTURE(iso) {
	char name[FASTIPC_NAME_LEN];
};

FIXTURE_SETUP(iso)
{
	fipc_name(self->name, "iso");
}

FIXTURE_TEARDOWN(iso)
{
	fipc_unlink(self->name);
}

/* Create the channel with permission bits @mode. */
static int create_mode(const char *name, uint32_t mode)
{
	return fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			 FASTIPC_O_EXCL, mode, NULL);
}

/* A page that is mapped but read-only: an output structure there faults. */
static void *ro_page(void)
{
	void *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * RECV with the arguments of @arg, whose struct fastipc_recv lies in the
 * read-only page @ro: the kernel reads it, and its answer faults.
 */
static int recv_ro(int fd, struct fastipc_recv *ro,
		   const struct fastipc_recv *arg)
{
	if (mprotect(ro, PG, RW))
		return -errno;
	*ro = *arg;
	if (mprotect(ro, PG, PROT_READ))
		return -errno;
	return fipc_ioctl(fd, FASTIPC_IOC_RECV, ro);
}

/*
 * Promise H1: a receive-only handle can only read.  Its window cannot be
 * mapped writable, it has no buffers to allocate, and a mapped receive
 * whose report faults leaves the message queued and intact for the next
 * receiver (it was never mapped: the report comes first).
 */
TEST_F(iso, receive_only_handle_cannot_change_a_message)
{
	struct fastipc_recv *rv;
	struct fastipc_info info;
	size_t len = 16 * KiB;
	uint64_t addr, got = 0;
	unsigned char *w, *buf;
	int rd, sd, rfd;

	rd = create_mode(self->name, 0644);
	ASSERT_LE(0, rd);
	sd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, sd);
	rfd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, rfd);

	/* Writable mappings and buffers are for handles that may send. */
	EXPECT_EQ(NULL, adv_win(rfd, MiB, RW));
	EXPECT_EQ(EACCES, errno);
	w = adv_win(rfd, MiB, PROT_READ);
	ASSERT_NE(NULL, w);
	EXPECT_EQ(-1, mprotect(w, MiB, RW));
	EXPECT_EQ(-EBADF, adv_buf_alloc(rfd, PG, &addr));

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	fipc_fill(buf, len, 7);
	ASSERT_EQ(0, fipc_send(sd, buf, len, 0, FASTIPC_SEND_PAGES, -1));

	/* The report faults: nothing was mapped, the message is queued. */
	rv = ro_page();
	ASSERT_NE(NULL, rv);
	EXPECT_EQ(-EFAULT, recv_ro(rfd, rv, &(struct fastipc_recv){
		.len = len, .timeout_ns = -1,
		.flags = FASTIPC_RECV_MAP | FASTIPC_NONBLOCK,
	}));
	info = adv_info(rfd);
	EXPECT_EQ(1, info.queued_msgs);
	EXPECT_EQ(0, info.window_pages);

	/* Received for real: mapped read-only, writes fault. */
	{
		struct fastipc_recv ok;

		ASSERT_EQ(0, adv_recv_map(rfd, NULL, 0, &ok));
		ASSERT_TRUE(ok.msg_flags & FASTIPC_MSG_MAPPED);
		EXPECT_EQ(-1, fipc_check((void *)(uintptr_t)ok.addr, len, 7));
		EXPECT_EQ(-1, mprotect((void *)(uintptr_t)ok.addr, PG, RW));
		got = ok.addr;
		ASSERT_EQ(0, adv_buf_free(rfd, got));
	}
	free(buf);
	munmap(rv, PG);
	munmap(w, MiB);
	close(rfd);
	close(sd);
	close(rd);
}

struct scribbler {
	unsigned char *win;
	size_t len;
	atomic_int stop;
	atomic_ulong writes;
};

static __thread sigjmp_buf scribble_jmp;

static void scribble_fault(int sig)
{
	(void)sig;
	siglongjmp(scribble_jmp, 1);
}

/* Write 0xee into every page of the window, over and over. */
static void *scribble(void *arg)
{
	struct scribbler *sc = arg;
	volatile size_t off = 0;

	while (!atomic_load(&sc->stop)) {
		if (!sigsetjmp(scribble_jmp, 1)) {
			sc->win[off] = 0xee;
			atomic_fetch_add(&sc->writes, 1);
		}
		off = (off + PG) % sc->len;
	}
	return NULL;
}

/*
 * Promise H1 for a receiver that may send (a writable window): a mapped
 * receive whose report faults puts back a message that was never mapped.
 * Another thread of the receiver writes into every page of its window
 * all the while: before, the message was mapped first and put back after
 * the fault with whatever that thread wrote into it meanwhile, for the
 * next receiver to get.  Now the report comes first and nothing of the
 * message is ever reachable before it.
 */
TEST_F(iso, faulting_report_never_requeues_a_mapped_page)
{
	struct fastipc_recv *rv, tmp = {
		.timeout_ns = -1, .flags = FASTIPC_RECV_MAP | FASTIPC_NONBLOCK,
	};
	struct scribbler sc = { .len = 64 * KiB };
	struct sigaction sa = { .sa_handler = scribble_fault };
	size_t len = 16 * KiB;
	unsigned char *buf;
	int fd, i, tries = 2000;
	pthread_t t;

	fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd);
	sc.win = adv_win(fd, sc.len, RW);
	ASSERT_NE(NULL, sc.win);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	fipc_fill(buf, len, 3);
	ASSERT_EQ(0, fipc_send(fd, buf, len, 0, FASTIPC_SEND_PAGES, -1));
	rv = ro_page();
	ASSERT_NE(NULL, rv);

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, scribble, &sc));
	for (i = 0; i < tries; i++) {
		tmp.len = len;
		ASSERT_EQ(-EFAULT, recv_ro(fd, rv, &tmp));
	}
	atomic_store(&sc.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);

	/* Never mapped: nothing written reached it; it is queued, intact. */
	EXPECT_EQ(1, adv_info(fd).queued_msgs);
	ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &tmp));
	EXPECT_EQ(-1, fipc_check((void *)(uintptr_t)tmp.addr, len, 3))
		TH_LOG("the message came back with the receiver's writes in it "
		       "(after %d faulting receives, %lu writes)", tries,
		       (unsigned long)atomic_load(&sc.writes));
	ASSERT_EQ(0, adv_buf_free(fd, tmp.addr));
	free(buf);
	munmap(rv, PG);
	munmap(sc.win, sc.len);
	close(fd);
}

/*
 * Promise H2: FASTIPC_BUF_NOZERO gives recycled pages that hold only
 * bytes the calling process could already read.  Pages are recycled for
 * the process that bound the handle; another process writing through the
 * same file (it was passed with SCM_RIGHTS) fills pages that never come
 * back to that process.
 */
TEST_F(iso, recycled_pages_never_carry_another_process_bytes)
{
	const char secret[8] = "S3cr3t!!";
	size_t len = 64 * KiB;
	int sv[2], rd, i;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	rd = create_mode(self->name, 0622);
	ASSERT_LE(0, rd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Nobody: may send, not receive; it hands its handle over. */
		uint64_t addr, marked, foreign;
		char c;
		int sd;

		close(sv[0]);
		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		sd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
		FIPC_CHILD_CHECK(sd >= 0);
		FIPC_CHILD_CHECK(adv_win(sd, 4 * MiB, RW) != NULL);
		FIPC_CHILD_CHECK(fipc_send_fd(sv[1], sd) == 0);
		/* Root has written through it and its receiver freed it. */
		FIPC_CHILD_CHECK(read(sv[1], &c, 1) == 1);
		for (i = 0; i < 4; i++) {
			FIPC_CHILD_CHECK(adv_buf_alloc_flags(sd, len,
							     FASTIPC_BUF_NOZERO,
							     &addr) == 0);
			foreign = adv_foreign_bytes((void *)(uintptr_t)addr,
						    len, secret, &marked);
			if (marked)
				fprintf(stderr, "# nobody read root's %s\n",
					adv_first_foreign((void *)(uintptr_t)addr,
							  len));
			FIPC_CHILD_CHECK(!marked);
			(void)foreign;
		}
		_exit(0);
	}
	close(sv[1]);
	{
		int passed = fipc_recv_fd(sv[0]);
		unsigned char *msg = malloc(len), *got = malloc(len);

		ASSERT_LE(0, passed);
		ASSERT_NE(NULL, msg);
		for (size_t off = 0; off < len; off += 8)
			memcpy(msg + off, secret, 8);
		for (i = 0; i < 4; i++) {
			uint64_t n = len;

			ASSERT_EQ(0, fipc_send(passed, msg, len, 0,
					       FASTIPC_SEND_PAGES, -1));
			ASSERT_EQ(0, fipc_recv(rd, got, &n, NULL, 0, -1));
		}
		ASSERT_EQ(1, write(sv[0], "g", 1));
		close(passed);
		free(msg);
		free(got);
	}
	EXPECT_EQ(0, fipc_wait_child(pid));
	close(sv[0]);
	close(rd);
}

/* ---- memory cgroups ------------------------------------------------------------ */

#define CG_ROOT	"/sys/fs/cgroup"

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (int)strlen(val) ? 0 : -EIO;
}

static long long cg_read_key(const char *cg, const char *file,
			     const char *key)
{
	char path[256], k[64];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!key) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
	} else {
		while (fscanf(f, "%63s %lld", k, &x) == 2)
			if (!strcmp(k, key))
				v = x;
	}
	fclose(f);
	return v;
}

/* A memory cgroup of @max bytes under the root, or "" where there is none. */
static int cg_make(char *cg, size_t size, const char *tag, long long max)
{
	char v[32];

	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		return -ENOENT;
	if (cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"))
		return -ENOENT;
	snprintf(cg, size, CG_ROOT "/fastipc-%s-%d", tag, getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(v, sizeof(v), "%lld", max);
	return cg_write(cg, "memory.max", v);
}

static void cg_enter(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	FIPC_CHILD_CHECK(cg_write(cg, "cgroup.procs", pid) == 0);
}

/*
 * Promise H5: pooled pages are reclaimed under a cgroup's own pressure.
 * A task in a 96 MiB cgroup frees a 64 MiB buffer (its pages stay pooled
 * and charged there), then touches 64 MiB of anonymous memory: reclaim in
 * its cgroup must empty the pool, not kill it.
 */
TEST_F(iso, pooled_pages_give_way_under_cgroup_pressure)
{
	struct adv_param param = {};
	char cg[128];
	long long ooms;
	pid_t pid;
	int ret;

	if (geteuid())
		SKIP(return, "needs root");
	ret = cg_make(cg, sizeof(cg), "pool", 96LL << 20);
	if (ret)
		SKIP(return, "no memory cgroup controller (%s)", strerror(-ret));
	ASSERT_EQ(0, adv_param_set(&param, "pool_max", 256ULL << 20));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t len = 64 * MiB, i;
		uint64_t addr;
		char *anon;
		int fd;

		cg_enter(cg);
		fd = fipc_create(self->name, NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(adv_win(fd, 128 * MiB, RW) != NULL);
		FIPC_CHILD_CHECK(adv_buf_alloc(fd, len, &addr) == 0);
		memset((void *)(uintptr_t)addr, 1, len);
		FIPC_CHILD_CHECK(adv_buf_free(fd, addr) == 0);
		FIPC_CHILD_CHECK(adv_stats().pages_pooled >= len / PG);
		anon = mmap(NULL, len, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FIPC_CHILD_CHECK(anon != MAP_FAILED);
		for (i = 0; i < len; i += PG)
			anon[i] = 1;
		_exit(0);
	}
	ret = fipc_wait_child(pid);
	ooms = cg_read_key(cg, "memory.events", "oom_kill");
	EXPECT_EQ(0, adv_param_restore(&param));
	rmdir(cg);
	EXPECT_EQ(0, ret) TH_LOG("the child ended with %d (137: OOM-killed)",
				 ret);
	EXPECT_EQ(0, ooms);
}

/*
 * Promise H5: a page stays in the cgroup it is charged to.  A receiver in
 * another cgroup that maps a message writable and frees it does not keep
 * its pages in its pool, where the sender's cgroup could never reclaim
 * them.
 */
TEST_F(iso, pages_do_not_pool_across_cgroups)
{
	char cga[128], cgb[128];
	size_t len = 256 * KiB;
	int sv[2], ret;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	ret = cg_make(cga, sizeof(cga), "a", 512LL << 20);
	if (ret)
		SKIP(return, "no memory cgroup controller (%s)", strerror(-ret));
	ASSERT_EQ(0, cg_make(cgb, sizeof(cgb), "b", 512LL << 20));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The sender, in A. */
		unsigned char *buf = malloc(len);
		char c;
		int sd;

		cg_enter(cga);
		sd = fipc_create(self->name, NULL);
		FIPC_CHILD_CHECK(sd >= 0 && buf);
		FIPC_CHILD_CHECK(write(sv[1], "c", 1) == 1);
		fipc_fill(buf, len, 9);
		FIPC_CHILD_CHECK(fipc_send(sd, buf, len, 0, FASTIPC_SEND_PAGES,
					   -1) == 0);
		FIPC_CHILD_CHECK(read(sv[1], &c, 1) == 1);
		_exit(0);
	}
	{
		/* The receiver, in B, after the sender created the channel. */
		struct fastipc_recv rv;
		struct fastipc_stats before;
		pid_t rpid;
		char c;

		ASSERT_EQ(1, read(sv[0], &c, 1));
		fflush(NULL);
		rpid = fork();
		ASSERT_LE(0, rpid);
		if (!rpid) {
			int fd;

			cg_enter(cgb);
			fd = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
			FIPC_CHILD_CHECK(fd >= 0);
			FIPC_CHILD_CHECK(adv_win(fd, 4 * MiB, RW) != NULL);
			while (adv_info(fd).queued_msgs == 0)
				fipc_sleep_ms(1);
			FIPC_CHILD_CHECK(adv_recv_map(fd, NULL, 0, &rv) == 0);
			FIPC_CHILD_CHECK(rv.msg_flags & FASTIPC_MSG_MAPPED);
			memset((void *)(uintptr_t)rv.addr, 1, len);
			before = adv_stats();
			FIPC_CHILD_CHECK(adv_buf_free(fd, rv.addr) == 0);
			/* Freed, not kept in this cgroup's pool. */
			FIPC_CHILD_CHECK(adv_stats().pages_pooled ==
					 before.pages_pooled);
			_exit(0);
		}
		EXPECT_EQ(0, fipc_wait_child(rpid));
		ASSERT_EQ(1, write(sv[0], "d", 1));
	}
	EXPECT_EQ(0, fipc_wait_child(pid));
	close(sv[0]);
	close(sv[1]);
	rmdir(cga);
	rmdir(cgb);
}

/* ---- the page quota and RLIMIT_MEMLOCK ---------------------------------------- */

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#define __NR_io_uring_register	427
#endif
#define IORING_REGISTER_BUFFERS		0
#define IORING_UNREGISTER_BUFFERS	1

struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle;
	uint32_t features, wq_fd, resv[3];
	uint64_t sq_off[5], cq_off[5];
};

/* Register @len bytes at @p as an io_uring fixed buffer: 0 or -errno. */
static int uring_register(int ring, void *p, size_t len)
{
	struct iovec iov = { p, len };

	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		    &iov, 1))
		return -errno;
	return syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS,
		       NULL, 0) ? -errno : 0;
}

/*
 * Promise H6: fastipc counts its pages in a counter of its own.
 * io_uring (and perf, AF_XDP) compare the user's locked_vm with
 * RLIMIT_MEMLOCK alone; fastipc's floor above that limit must not spend
 * their budget: with RLIMIT_MEMLOCK at 8 MiB, a 32 MiB buffer leaves an
 * io_uring registration of 4 KiB possible.
 */
TEST_F(iso, page_quota_leaves_memlock_to_io_uring)
{
	int fd = create_mode(self->name, 0666);
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LE(0, fd);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 8 * MiB, 8 * MiB };
		struct uring_params up = {};
		uint64_t addr;
		void *io;
		int ring, h, ret;

		FIPC_CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		ring = syscall(__NR_io_uring_setup, 4, &up);
		if (ring < 0)
			_exit(FIPC_CHILD_SKIP);
		io = mmap(NULL, 4 * KiB, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FIPC_CHILD_CHECK(io != MAP_FAILED);
		ret = uring_register(ring, io, 4 * KiB);
		if (ret == -EPERM || ret == -EINVAL)
			_exit(FIPC_CHILD_SKIP);
		FIPC_CHILD_CHECK(ret == 0);
		h = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
		FIPC_CHILD_CHECK(h >= 0);
		FIPC_CHILD_CHECK(adv_win(h, 64 * MiB, RW) != NULL);
		/* Past RLIMIT_MEMLOCK, within fastipc's floor. */
		FIPC_CHILD_CHECK(adv_buf_alloc(h, 32 * MiB, &addr) == 0);
		ret = uring_register(ring, io, 4 * KiB);
		if (ret)
			fprintf(stderr, "# io_uring registration: %s\n",
				strerror(-ret));
		FIPC_CHILD_CHECK(ret == 0);
		_exit(0);
	}
	pid = fipc_wait_child(pid);
	if (pid == FIPC_CHILD_SKIP)
		SKIP(goto out, "no io_uring here");
	EXPECT_EQ(0, pid);
out:
	close(fd);
}

/* ---- RSS ------------------------------------------------------------------------------ */

/*
 * VmRSS now.  Up to 6.1 the counters of a task's own mappings are kept
 * in the task and folded into its mm's every 64 page faults: fault that
 * many fresh pages first (they add the same to every reading).
 */
static long rss_kb(const char *key)
{
	const size_t n = 128;
	char line[128], *touch;
	long v = -1;
	size_t i;
	FILE *f;

	touch = mmap(NULL, n * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (touch == MAP_FAILED)
		return -1;
	for (i = 0; i < n; i++)
		touch[i * PG] = 1;
	f = fopen("/proc/self/status", "r");
	if (!f) {
		munmap(touch, n * PG);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	munmap(touch, n * PG);
	return v;
}

/*
 * Promise H4: window pages are the process's: 32 MiB written in window
 * buffers raise its RSS by 32 MiB, so the OOM killer sees them; freeing
 * them lowers it again.
 */
TEST_F(iso, window_pages_count_in_rss)
{
	size_t len = 32 * MiB;
	long before, during, after;
	uint64_t addr;
	int fd;

	fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, adv_win(fd, 64 * MiB, RW));
	before = rss_kb("VmRSS:");
	ASSERT_EQ(0, adv_buf_alloc(fd, len, &addr));
	memset((void *)(uintptr_t)addr, 5, len);
	during = rss_kb("VmRSS:");
	ASSERT_EQ(0, adv_buf_free(fd, addr));
	after = rss_kb("VmRSS:");
	EXPECT_LE(before + (long)(len / KiB) * 9 / 10, during)
		TH_LOG("VmRSS %ld kB before, %ld kB with 32 MiB in the window",
		       before, during);
	EXPECT_GT(during - (long)(len / KiB) * 9 / 10, after);
	close(fd);
}

/* ---- poll and waiting senders ----------------------------------------------------- */

/*
 * Promise D6: EPOLLOUT says what a send would do.  With 60 of 64 KiB
 * queued, a non-blocking 16 KiB send is refused; from then on the handle
 * polls for room for 16 KiB, not for any message.
 */
TEST_F(iso, pollout_waits_for_room_for_the_refused_send)
{
	struct fastipc_attr attr = { .max_bytes = 64 * KiB, .max_msgs = 64 };
	struct pollfd pfd;
	char *big, small[KiB];
	uint64_t n;
	int fd, i, spins = 0;

	fd = fipc_create(self->name, &attr);
	ASSERT_LE(0, fd);
	big = calloc(1, 16 * KiB);
	ASSERT_NE(NULL, big);
	memset(small, 'x', sizeof(small));
	for (i = 0; i < 60; i++)
		ASSERT_EQ(0, fipc_send(fd, small, KiB, 0, 0, -1));
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	/* Never refused yet: room for a message of any size counts. */
	ASSERT_EQ(1, poll(&pfd, 1, 0));

	for (i = 0; i < 1000; i++) {
		if (fipc_send(fd, big, 16 * KiB, 0, FASTIPC_NONBLOCK, -1) !=
		    -EAGAIN)
			break;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT))
			spins++;
	}
	EXPECT_EQ(0, spins) TH_LOG("POLLOUT set %d times for a send that "
				   "was refused", spins);
	/* 12 KiB received: room for 16 KiB, and poll says so. */
	for (i = 0; i < 12; i++) {
		n = sizeof(small);
		ASSERT_EQ(0, fipc_recv(fd, small, &n, NULL, 0, -1));
	}
	pfd.revents = 0;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(0, fipc_send(fd, big, 16 * KiB, 0, FASTIPC_NONBLOCK, -1));
	free(big);
	close(fd);
}

struct big_send {
	int fd;
	size_t len;
	int err;
	atomic_int tid;
	atomic_int done;
};

static void *big_sender(void *arg)
{
	struct big_send *b = arg;
	char *buf = calloc(1, b->len);

	atomic_store(&b->tid, (int)syscall(SYS_gettid));
	b->err = buf ? fipc_send(b->fd, buf, b->len, 0, FASTIPC_SEND_COPY, -1)
		     : -ENOMEM;
	free(buf);
	atomic_store(&b->done, 1);
	return NULL;
}

/*
 * Promise D4: senders waiting for room get it in order.  A 32 KiB sender
 * waits on a full 64 KiB channel while a receiver takes 1 KiB messages
 * one at a time and a non-blocking sender keeps offering 1 KiB ones: the
 * newcomer is refused while the big one waits, so the big one's room
 * builds up.  (Before, the small sender took every KiB as it came free
 * and the big one waited for ever.)
 */
TEST_F(iso, waiting_large_sender_is_not_starved)
{
	struct fastipc_attr attr = { .max_bytes = 64 * KiB, .max_msgs = 128 };
	struct big_send b = { .len = 32 * KiB };
	int fd, i, small_ok = 0;
	char small[KiB];
	pthread_t t;
	uint64_t n;

	fd = fipc_create(self->name, &attr);
	ASSERT_LE(0, fd);
	memset(small, 's', sizeof(small));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, fipc_send(fd, small, KiB, 0, 0, -1));
	b.fd = fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, big_sender, &b));
	/* Until the big sender sleeps for room. */
	while (!atomic_load(&b.tid) ||
	       adv_proc_state(atomic_load(&b.tid)) != 'S')
		fipc_sleep_ms(1);
	for (i = 0; i < 2000 && !atomic_load(&b.done); i++) {
		n = sizeof(small);
		if (fipc_recv(fd, small, &n, NULL, FASTIPC_NONBLOCK, -1) == 0 &&
		    fipc_send(fd, small, KiB, 0, FASTIPC_NONBLOCK, -1) == 0)
			small_ok++;
		sched_yield();
	}
	/* Granted room or not, the thread must be able to finish now. */
	while (!atomic_load(&b.done)) {
		n = sizeof(small);
		if (fipc_recv(fd, small, &n, NULL, FASTIPC_NONBLOCK, -1))
			fipc_sleep_ms(1);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, b.err);
	EXPECT_GT(2000, i) TH_LOG("the 32 KiB sender waited through 2000 "
				  "rounds; %d small sends got in first",
				  small_ok);
	close(fd);
}

/* ---- killing a sender in the middle of a large copy ----------------------------- */

/*
 * Promise D5: a killed task stops promptly.  A child sends a 128 MiB
 * message on the copy path from a fresh memfd, whose pages are allocated
 * as the copy reads them; the parent kills it once the copy has begun.
 * The copy must stop within a chunk of the kill: most of the memfd is
 * never read (before, one copy_from_user() of the whole message ran to
 * the end, and the message was queued after the kill).  A child that
 * finished before the kill landed (a very loaded machine) is tried again.
 */
TEST_F(iso, killed_sender_stops_copying)
{
	const size_t len = 128 * MiB;
	struct adv_param param = {};
	int fd, tries, stopped = 0;
	struct fastipc_attr attr = {
		.max_msg_size = len, .max_bytes = len, .max_msgs = 4,
	};

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, adv_param_set(&param, "max_msg_size", len));
	fd = fipc_create(self->name, &attr);
	ASSERT_LE(0, fd);
	for (tries = 0; tries < 3 && !stopped; tries++) {
		int mfd = memfd_create("fipc-src", 0);
		struct stat st;
		void *src;
		pid_t pid;

		ASSERT_LE(0, mfd);
		ASSERT_EQ(0, ftruncate(mfd, len));
		src = mmap(NULL, len, PROT_READ, MAP_SHARED, mfd, 0);
		ASSERT_NE(MAP_FAILED, src);
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(fipc_send(fd, src, len, 0, FASTIPC_SEND_COPY, -1) ?
			      1 : 0);
		/* Begun: the memfd fills as the copy reads it. */
		do {
			ASSERT_EQ(0, fstat(mfd, &st));
		} while ((size_t)st.st_blocks * 512 < MiB &&
			 waitpid(pid, NULL, WNOHANG) == 0);
		kill(pid, SIGKILL);
		fipc_wait_child(pid);
		ASSERT_EQ(0, fstat(mfd, &st));
		if (adv_info(fd).queued_msgs) {
			/* It won the race: drop the message, try again. */
			TH_LOG("try %d: the copy finished before the kill",
			       tries);
			ASSERT_EQ(0, fipc_unlink(self->name));
			close(fd);
			fd = fipc_create(self->name, &attr);
			ASSERT_LE(0, fd);
		} else {
			stopped = (size_t)st.st_blocks * 512 < len / 2;
			TH_LOG("try %d: %zu MiB of %zu read before the copy "
			       "stopped", tries,
			       (size_t)st.st_blocks * 512 / MiB, len / MiB);
		}
		munmap(src, len);
		close(mfd);
	}
	EXPECT_TRUE(stopped);
	EXPECT_EQ(0, adv_info(fd).queued_msgs);
	close(fd);
	EXPECT_EQ(0, adv_param_restore(&param));
}

/* ---- results before hand-over ------------------------------------------------------ */

/*
 * Promise D1: a copy receive whose report faults delivers nothing: the
 * payload is not written either, the message stays queued and the next
 * receive gets it once.
 */
TEST_F(iso, faulting_copy_report_delivers_nothing)
{
	char buf[64], want[] = "exactly once";
	struct fastipc_recv *rv = ro_page();
	uint64_t n = sizeof(buf);
	int fd = fipc_create(self->name, NULL);

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, rv);
	ASSERT_EQ(0, fipc_send(fd, want, sizeof(want), 0, 0, -1));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-EFAULT, recv_ro(fd, rv, &(struct fastipc_recv){
		.buf = (uintptr_t)buf, .len = sizeof(buf), .timeout_ns = -1,
		.flags = FASTIPC_NONBLOCK,
	}));
	EXPECT_EQ(0, buf[0]) TH_LOG("the payload reached the buffer: '%s'",
				    buf);
	EXPECT_EQ(1, adv_info(fd).queued_msgs);
	ASSERT_EQ(0, fipc_recv(fd, buf, &n, NULL, 0, -1));
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(0, adv_info(fd).queued_msgs);
	munmap(rv, PG);
	close(fd);
}

/*
 * Promise I1: a create whose result cannot be written fails before the
 * channel exists (the result is checked first), so that no channel
 * another process may already use is deleted for it.  Mode bits above
 * 0777 are refused, not dropped.
 */
TEST_F(iso, create_checks_its_result_and_mode_first)
{
	struct fastipc_open *op = ro_page();
	int fd = fipc_dev();

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, op);
	mprotect(op, PG, RW);
	memset(op, 0, sizeof(*op));
	fipc_set_name(op->name, self->name);
	op->flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT;
	op->mode = 0600;
	mprotect(op, PG, PROT_READ);
	EXPECT_EQ(-EFAULT, fipc_ioctl(fd, FASTIPC_IOC_OPEN, op));
	/* No channel was made. */
	EXPECT_EQ(-ENOENT, fipc_open(self->name, FASTIPC_O_RECV, 0, NULL));
	close(fd);

	EXPECT_EQ(-EINVAL, fipc_open(self->name,
				     FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     01600, NULL));
	EXPECT_EQ(-EINVAL, fipc_open(self->name,
				     FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     04755, NULL));
	EXPECT_EQ(-ENOENT, fipc_open(self->name, FASTIPC_O_RECV, 0, NULL));
	munmap(op, PG);
}

/* ---- passing pages on, and what the move guarantees ------------------------------ */

/*
 * Promise H4: window pages are ordinary pages, so a received message can be
 * handed on without a copy: vmsplice() of the mapping into a pipe takes
 * references to its pages (it fails with EFAULT on a VM_IO/PFNMAP window).
 */
TEST_F(iso, received_pages_can_be_spliced_on)
{
	size_t len = 64 * KiB;
	struct fastipc_recv rv;
	unsigned char *buf, *back;
	struct iovec iov;
	int fd, pfd[2];
	ssize_t n, got = 0;

	fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, adv_win(fd, 4 * MiB, RW));
	buf = malloc(len);
	back = malloc(len);
	ASSERT_TRUE(buf && back);
	fipc_fill(buf, len, 11);
	ASSERT_EQ(0, fipc_send(fd, buf, len, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, fcntl(pfd[1], F_SETPIPE_SZ, (int)len) < 0);
	iov = (struct iovec){ (void *)(uintptr_t)rv.addr, len };
	n = vmsplice(pfd[1], &iov, 1, 0);
	ASSERT_EQ((ssize_t)len, n) TH_LOG("vmsplice: %s", strerror(errno));
	/* The pipe holds the pages: freeing the buffer does not recycle them. */
	ASSERT_EQ(0, adv_buf_free(fd, rv.addr));
	while (got < (ssize_t)len) {
		n = read(pfd[0], back + got, len - got);
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(-1, fipc_check(back, len, 11));
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
	free(back);
	close(fd);
}

/*
 * Promise H3: the sender loses access to what it sent, even to pages it
 * spliced into a pipe before: such a buffer is copied at send time (the
 * kernel counts the bytes copied), and what the receiver then writes into
 * its mapping never reaches the pipe.
 */
TEST_F(iso, pages_held_elsewhere_are_copied_at_send)
{
	size_t len = 64 * KiB;
	struct fastipc_info before;
	struct fastipc_recv rv;
	unsigned char *back;
	struct iovec iov;
	uint64_t addr;
	int fd, pfd[2];
	ssize_t n, got = 0;

	fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, adv_win(fd, 4 * MiB, RW));
	back = malloc(len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, adv_buf_alloc(fd, len, &addr));
	fipc_fill((void *)(uintptr_t)addr, len, 21);
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, fcntl(pfd[1], F_SETPIPE_SZ, (int)len) < 0);
	iov = (struct iovec){ (void *)(uintptr_t)addr, len };
	ASSERT_EQ((ssize_t)len, vmsplice(pfd[1], &iov, 1, 0));

	before = adv_info(fd);
	ASSERT_EQ(0, adv_send_buf(fd, addr, len, 0));
	EXPECT_EQ(before.copied_bytes + len, adv_info(fd).copied_bytes);
	ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));
	EXPECT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, len, 21));
	memset((void *)(uintptr_t)rv.addr, 0x5a, len);

	while (got < (ssize_t)len) {
		n = read(pfd[0], back + got, len - got);
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(-1, fipc_check(back, len, 21))
		TH_LOG("the receiver's writes reached the sender's pipe");
	ASSERT_EQ(0, adv_buf_free(fd, rv.addr));
	close(pfd[0]);
	close(pfd[1]);
	free(back);
	close(fd);
}

/*
 * The window stays the binder's: after MADV_DOFORK a child gets an empty
 * mapping, never the parent's buffers.
 */
TEST_F(iso, forked_child_never_sees_window_pages)
{
	size_t len = 16 * KiB;
	unsigned char *w;
	uint64_t addr;
	pid_t pid;
	int fd;

	fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd);
	w = adv_win(fd, MiB, RW);
	ASSERT_NE(NULL, w);
	ASSERT_EQ(0, adv_buf_alloc(fd, len, &addr));
	memset((void *)(uintptr_t)addr, 0x77, len);
	if (madvise(w, MiB, MADV_DOFORK))
		SKIP(goto out, "MADV_DOFORK refused: the window is not inherited");
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		signal(SIGBUS, SIG_DFL);
		/* Must fault (SIGBUS): reading 0x77 is the failure. */
		_exit(*(volatile unsigned char *)(uintptr_t)addr == 0x77 ? 1 : 2);
	}
	EXPECT_EQ(128 + SIGBUS, fipc_wait_child(pid));
out:
	ASSERT_EQ(0, adv_buf_free(fd, addr));
	munmap(w, MiB);
	close(fd);
}

FIPC_TEST_MAIN

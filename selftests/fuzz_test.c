// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: a small seeded fuzzer of the ioctl, mmap and netlink
 * interface.
 *
 * Several threads share a table of /dev/fastipc files bound (or not) to a
 * few channel names and issue random, mostly valid-looking and often
 * invalid operations on them: open/bind with random flags, modes, limits
 * and names; send and receive with random lengths, pointers (valid,
 * NULL, kernel, unmapped, read-only), flags, priorities and timeouts;
 * read(2) and write(2) of the same;
 * BUF_ALLOC, BUF_FREE and SEND_BUF of real and made-up addresses; mmap,
 * munmap, mremap, mprotect and madvise of the windows; poll and epoll;
 * unlink; INFO, STATS and SET_ATTR; raw ioctls with random numbers and
 * sizes; netlink requests; signals that interrupt blocked calls; forked
 * children that are killed half way.  Files are closed under other
 * threads' feet.
 *
 * Success: no crash (of the kernel or of this program), no kernel report
 * (selftests/run.sh checks the log), no errno outside the documented
 * ones, no buffer handed out outside its window, no read(2) longer than
 * asked for, and STATS (channels,
 * handles, pages_held, bytes_queued) back at the baseline once
 * everything is closed.
 *
 * The fuzzer runs in a child as an unprivileged user (the per-user
 * ceilings apply, as to any user who would try this), with a listener on
 * the netlink "events" group (so every change also sends an event), and
 * with the module-wide limits lowered for the run (restored after): a
 * fuzzer that exhausts the test VM's memory tests only the OOM killer.
 *
 *   FIPC_FUZZ_SECS   how long (default 20 s, 10 s on the debug kernel)
 *   FIPC_FUZZ_SEED   replay a run (the seed is printed)
 *   FIPC_FUZZ_THREADS  threads (default 4)
 *
 * The fuzzer protects itself: windows live in a reserved region and are
 * only ever mapped there with MAP_FIXED, receive buffers end at a guard
 * page, and memory the kernel hands out is touched under a SIGSEGV/SIGBUS
 * guard.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/epoll.h>

#include "adv_util.h"

#define PG		ADV_PAGE
#define NSLOTS		16
#define SLOT_SZ		(1UL << 20)
#define WIN_MAX_PAGES	64
#define SCRATCH		(256 * 1024)
#define MAX_THREADS	8
#define NNAMES		3

struct slot {
	atomic_int fd;
	atomic_ulong bufs[4];	/* recent buffer addresses of this slot */
};

static struct {
	atomic_bool stop;
	char names[NNAMES][FASTIPC_NAME_LEN];
	struct slot slots[NSLOTS];
	char *region;			/* NSLOTS * SLOT_SZ, reserved */
	char *ro_page;			/* read-only */
	char *none_page;		/* PROT_NONE */
	atomic_ulong ops, bad_errno, escapes, overruns, rw_moved, children;
	atomic_bool all_started;
	int last_bad_errno, last_bad_op;
	pthread_t threads[MAX_THREADS];
	int nthreads;
} fz;

/* ---- self-protection --------------------------------------------------------- */

static __thread sigjmp_buf guard_env;
static __thread volatile bool guarding;

static void guard_handler(int sig)
{
	if (!guarding) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(guard_env, sig);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Touch @len bytes at @p (write if @wr); false if they went away. */
static bool guarded_touch(uintptr_t p, uint64_t len, bool wr)
{
	volatile char *c = (volatile char *)p;
	uint64_t i;

	guarding = true;
	if (sigsetjmp(guard_env, 1)) {
		guarding = false;
		return false;
	}
	for (i = 0; i < len; i += PG) {
		char v = c[i];

		if (wr)
			c[i] = (char)(v + 1);
	}
	guarding = false;
	return true;
}

static bool in_region(uint64_t addr, uint64_t len)
{
	uintptr_t lo = (uintptr_t)fz.region, hi = lo + NSLOTS * SLOT_SZ;

	return addr >= lo && addr < hi && len <= hi - addr;
}

/* ---- random choices ---------------------------------------------------------------- */

struct fzt {
	uint64_t rs;
	int idx;
	char *scratch;		/* SCRATCH bytes, then a guard page */
	struct adv_nl nl;
	struct adv_nl ev;	/* thread 0: subscribed to the events */
	int epfd;
};

static uint64_t rnd(struct fzt *t, uint64_t n)
{
	return n ? adv_rand(&t->rs) % n : 0;
}

static bool chance(struct fzt *t, unsigned int one_in)
{
	return rnd(t, one_in) == 0;
}

static uint64_t rnd_len(struct fzt *t)
{
	static const uint64_t special[] = {
		0, 1, 7, 63, 4095, 4096, 4097, 65535, 65536, 65537, 200000,
		1 << 20, FASTIPC_MSG_SIZE_LIMIT, FASTIPC_MSG_SIZE_LIMIT + 1,
		~0ULL, 1ULL << 63, 0xffffffffULL,
	};

	if (chance(t, 3))
		return special[rnd(t, sizeof(special) / sizeof(special[0]))];
	return rnd(t, chance(t, 2) ? 256 : 6 * PG);
}

static const uint64_t bad_ptrs[] = {
	0, 8, 0xffff800000000000ULL, 0xffffffff81000000ULL,
	0x0000800000000000ULL, ~0ULL, 0x00007ffffffff000ULL,
};

/* A pointer the kernel may read from. */
static uint64_t rnd_src(struct fzt *t, int s)
{
	switch (rnd(t, 6)) {
	case 0:
		return bad_ptrs[rnd(t, sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))];
	case 1:
		return (uintptr_t)fz.none_page;
	case 2:
		return (uintptr_t)fz.ro_page + rnd(t, PG);
	case 3:
		return (uintptr_t)fz.region + (uint64_t)s * SLOT_SZ + rnd(t, WIN_MAX_PAGES) * PG;
	default:
		return (uintptr_t)t->scratch + rnd(t, SCRATCH);
	}
}

/* A pointer the kernel may write to: ours to lose, or bad. */
static uint64_t rnd_dst(struct fzt *t)
{
	switch (rnd(t, 6)) {
	case 0:
		return bad_ptrs[rnd(t, sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))];
	case 1:
		return (uintptr_t)fz.none_page;
	case 2:
		return (uintptr_t)fz.ro_page;
	default:
		/* Whatever the length, writes past the end hit the guard page. */
		return (uintptr_t)t->scratch + rnd(t, SCRATCH);
	}
}

static int64_t rnd_timeout(struct fzt *t)
{
	static const int64_t tmo[] = { 0, 1, FIPC_MS, 3 * FIPC_MS };

	return tmo[rnd(t, 4)];
}

static uint32_t rnd_flags(struct fzt *t, uint32_t valid)
{
	uint32_t f = (uint32_t)rnd(t, 64) & valid;

	if (chance(t, 20))
		f |= 1U << rnd(t, 32);
	return f;
}

static const char *rnd_name(struct fzt *t, char *buf)
{
	switch (rnd(t, 12)) {
	case 0:
		return "";
	case 1:
		return "a/b";
	case 2:
		memset(buf, 'n', FASTIPC_NAME_LEN);	/* unterminated */
		return buf;
	default:
		return fz.names[rnd(t, NNAMES)];
	}
}

/* ---- the operations ------------------------------------------------------------------ */

static const int ok_errnos[] = {
	0, EINVAL, E2BIG, ENOTTY, EBADF, EBADFD, EFAULT, EAGAIN, ETIMEDOUT,
	EINTR, EMSGSIZE, ENOMEM, ENOSPC, ENOENT, EEXIST, EACCES, EPERM, EBUSY,
	ENXIO, EIDRM, EMFILE, ENODEV, ENOBUFS,
	ECANCELED, ECONNRESET, ENOMSG,	/* calls and replies */
	EPIPE,				/* FASTIPC_O_HUP */
	ETOOMANYREFS,			/* descriptors */
};

static void check_errno(int op, int err)
{
	unsigned int i;

	if (err > 0)
		err = -err;
	for (i = 0; i < sizeof(ok_errnos) / sizeof(ok_errnos[0]); i++)
		if (-err == ok_errnos[i])
			return;
	atomic_fetch_add(&fz.bad_errno, 1);
	fz.last_bad_errno = -err;
	fz.last_bad_op = op;
}

static int slot_fd(int s)
{
	return atomic_load(&fz.slots[s].fd);
}

static void op_open(struct fzt *t, int s)
{
	struct fastipc_open op = {};
	char nb[FASTIPC_NAME_LEN];
	int fd, old, err;

	fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC | (chance(t, 4) ? O_NONBLOCK : 0));
	if (fd < 0) {
		check_errno(0, errno);
		return;
	}
	if (!chance(t, 10)) {
		const char *n = rnd_name(t, nb);

		memcpy(op.name, n, n == nb ? FASTIPC_NAME_LEN : strlen(n));
		op.flags = rnd_flags(t, FASTIPC_O_ALL);
		if (chance(t, 2))
			op.flags |= FASTIPC_O_CREAT;
		op.mode = chance(t, 2) ? 0600 : (uint32_t)rnd(t, 01000);
		if (chance(t, 3)) {
			op.attr.max_msgs = (uint32_t)rnd(t, chance(t, 2) ? 8 : 100000);
			op.attr.max_bytes = rnd_len(t);
			op.attr.max_msg_size = rnd_len(t);
			op.attr.zc_threshold = rnd_len(t);
		}
		if (chance(t, 30))
			op.__reserved[rnd(t, 2)] = 1;
		err = fipc_ioctl(fd, FASTIPC_IOC_OPEN, chance(t, 30) ? (void *)(uintptr_t)
				 rnd_dst(t) : &op);
		check_errno(0, err);
	}
	old = atomic_exchange(&fz.slots[s].fd, fd);
	if (old >= 0)
		close(old);
}

static void op_close(struct fzt *t, int s)
{
	int old = atomic_exchange(&fz.slots[s].fd, -1);

	(void)t;
	if (old >= 0)
		close(old);
}

static void op_send(struct fzt *t, int s)
{
	struct fastipc_send sd = {
		.len = rnd_len(t),
		.timeout_ns = chance(t, 8) ? -1 : rnd_timeout(t),
		.prio = (uint32_t)rnd(t, 34),
		.flags = rnd_flags(t, FASTIPC_SEND_ALL),
	};
	int fds[3], err;

	if (sd.timeout_ns < 0)
		sd.flags |= FASTIPC_NONBLOCK;	/* never wait for ever */
	if ((sd.flags & FASTIPC_SEND_BUF) && chance(t, 2))
		sd.buf = atomic_load(&fz.slots[s].bufs[rnd(t, 4)]);
	else
		sd.buf = rnd_src(t, s);
	if (chance(t, 8)) {
		/* Descriptors: its own handle (refused), stdio, junk. */
		fds[0] = slot_fd(s);
		fds[1] = (int)rnd(t, 3);
		fds[2] = (int)adv_rand(&t->rs);
		sd.fds = chance(t, 20) ? rnd_src(t, s) : (uintptr_t)(fds + rnd(t, 3));
		sd.nr_fds = (uint32_t)rnd(t, 3);
	}
	if (chance(t, 40))
		sd.__pad = 1;
	err = fipc_ioctl(slot_fd(s), FASTIPC_IOC_SEND, &sd);
	check_errno(2, err);
}

static void remember_buf(int s, uint64_t addr)
{
	atomic_store(&fz.slots[s].bufs[addr / PG % 4], addr);
}

static void op_recv(struct fzt *t, int s)
{
	struct fastipc_recv rv = {
		.buf = rnd_dst(t),
		.len = rnd_len(t),
		.timeout_ns = chance(t, 8) ? -1 : rnd_timeout(t),
		.prio = (uint32_t)adv_rand(&t->rs),	/* output: ignored */
		.flags = rnd_flags(t, FASTIPC_RECV_ALL),
		.addr = adv_rand(&t->rs),
	};
	int fds[FASTIPC_FDS_MAX];
	unsigned int i;
	int err;

	if (rv.timeout_ns < 0)
		rv.flags |= FASTIPC_NONBLOCK;
	if (rv.flags & FASTIPC_RECV_FDS) {
		rv.fds = (uintptr_t)fds;
		rv.nr_fds = (uint32_t)rnd(t, 4);
	}
	if (chance(t, 40))
		rv.nr_fds = 1;
	err = fipc_ioctl(slot_fd(s), FASTIPC_IOC_RECV, &rv);
	check_errno(3, err);
	if (!err && (rv.msg_flags & FASTIPC_MSG_FDS))
		for (i = 0; i < rv.nr_fds && i < FASTIPC_FDS_MAX; i++)
			close(fds[i]);
	if (!err && (rv.msg_flags & FASTIPC_MSG_MAPPED)) {
		if (!in_region(rv.addr, rv.len)) {
			atomic_fetch_add(&fz.escapes, 1);
			return;
		}
		guarded_touch(rv.addr, rv.len, chance(t, 2));
		if (chance(t, 2))
			adv_buf_free(slot_fd(s), rv.addr);
		else
			remember_buf(s, rv.addr);
	}
}

static void op_buf_alloc(struct fzt *t, int s)
{
	struct fastipc_buf bf = { .len = rnd_len(t) };
	int err;

	if (chance(t, 30))
		bf.flags = 1;
	if (chance(t, 30))
		bf.addr = rnd_src(t, s);
	err = fipc_ioctl(slot_fd(s), FASTIPC_IOC_BUF_ALLOC, &bf);
	check_errno(4, err);
	if (err)
		return;
	if (!in_region(bf.addr, bf.len)) {
		atomic_fetch_add(&fz.escapes, 1);
		return;
	}
	guarded_touch(bf.addr, bf.len, true);
	remember_buf(s, bf.addr);
}

static void op_buf_free(struct fzt *t, int s)
{
	uint64_t addr;

	switch (rnd(t, 3)) {
	case 0:
		addr = atomic_load(&fz.slots[s].bufs[rnd(t, 4)]);
		break;
	case 1:
		addr = (uintptr_t)fz.region + s * SLOT_SZ + rnd(t, WIN_MAX_PAGES * PG);
		break;
	default:
		addr = rnd_src(t, s);
	}
	check_errno(5, adv_buf_free(slot_fd(s), addr));
}

/* Say why the fuzzer cannot go on, with what the kernel shows of it. */
static void __attribute__((noreturn)) die(const char *what, void *at, size_t len)
{
	int err = errno;
	char line[256];
	FILE *f;

	fprintf(stderr, "# fuzz: %s at %p+%#zx: %s\n", what, at, len, strerror(err));
	f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "MemAvailable", 12) || !strncmp(line, "Slab", 4) ||
		    !strncmp(line, "VmallocUsed", 11))
			fprintf(stderr, "#   %s", line);
	if (f)
		fclose(f);
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Vm", 2))
			fprintf(stderr, "#   %s", line);
	if (f)
		fclose(f);
	f = fopen("/proc/self/maps", "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    hi > (uintptr_t)at && lo < (uintptr_t)at + len)
			fprintf(stderr, "#   %s", line);
	}
	if (f)
		fclose(f);
	abort();
}

/*
 * Cover [p, p + len) of the region with reserved memory again.  Another
 * thread may have mapped a window over part of it meanwhile: a window
 * cannot be split, so MAP_FIXED fails (ENOMEM, as mmap reports a failed
 * unmap); then fill what is still free, page by page.
 */
static void reserve(char *p, size_t len)
{
	size_t off;
	void *q;

	if (mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p)
		return;
	for (off = 0; off < len; off += PG) {
		q = mmap(p + off, PG, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (q == MAP_FAILED && errno != EEXIST)
			die("re-reserving the window region", p + off, PG);
		if (q != MAP_FAILED && q != p + off)
			die("MAP_FIXED_NOREPLACE placed a page elsewhere", p + off, PG);
	}
}

static void op_mmap(struct fzt *t, int s)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
		PROT_READ | PROT_EXEC, PROT_NONE, PROT_WRITE,
	};
	char *at = fz.region + s * SLOT_SZ;
	size_t len = (1 + rnd(t, WIN_MAX_PAGES)) * PG;
	int flags = MAP_FIXED | (chance(t, 10) ? MAP_PRIVATE : MAP_SHARED);
	off_t off = chance(t, 10) ? (off_t)PG : 0;
	void *p;

	if (chance(t, 8))
		flags |= MAP_POPULATE;
	p = mmap(at, len, prots[rnd(t, 6)], flags, slot_fd(s), off);
	if (p == MAP_FAILED) {
		check_errno(7, errno);
		/* A failed MAP_FIXED may have unmapped the range: reserve it again. */
		mmap(at, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		     -1, 0);
	} else if (p != at)
		atomic_fetch_add(&fz.escapes, 1);
}

static void op_unmap(struct fzt *t, int s)
{
	char *at = fz.region + s * SLOT_SZ;

	if (chance(t, 3)) {
		/* A part: refused for a window, or a hole we close again. */
		size_t off = rnd(t, WIN_MAX_PAGES) * PG, len = (1 + rnd(t, 4)) * PG;

		if (!munmap(at + off, len))
			reserve(at + off, len);
	} else {
		if (!munmap(at, SLOT_SZ))
			reserve(at, SLOT_SZ);
	}
}

static void op_remap(struct fzt *t, int s)
{
	char *at = fz.region + s * SLOT_SZ, *other = at + SLOT_SZ / 2;
	size_t len = (1 + rnd(t, WIN_MAX_PAGES)) * PG;
	void *p = MAP_FAILED;

	switch (rnd(t, 5)) {
	case 0:
		p = mremap(at, len, len * 2 > SLOT_SZ / 2 ? len : len * 2, 0);
		break;
	case 1:
		p = mremap(at, len, len / 2 ? len / 2 : PG, 0);
		break;
	case 2:
		p = mremap(at, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, other);
		break;
	case 3:
		p = mremap(at, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, other);
		break;
	default:
		p = mremap(at, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | 4 /* DONTUNMAP */,
			   other);
		break;
	}
	/* Whatever moved stays inside the slot; close any hole it left. */
	if (p != MAP_FAILED && p != at && p != other)
		atomic_fetch_add(&fz.escapes, 1);
	if (p != MAP_FAILED)
		reserve(at, SLOT_SZ);
}

static void op_protect(struct fzt *t, int s)
{
	static const int advs[] = {
		MADV_DONTNEED, MADV_DOFORK, MADV_DONTFORK, MADV_WILLNEED,
		MADV_FREE, MADV_REMOVE, MADV_WIPEONFORK, MADV_COLD, MADV_PAGEOUT,
		MADV_HUGEPAGE, MADV_MERGEABLE, 22 /* POPULATE_READ */,
		23 /* POPULATE_WRITE */,
	};
	char *at = fz.region + s * SLOT_SZ + rnd(t, 8) * PG;
	size_t len = (1 + rnd(t, WIN_MAX_PAGES)) * PG;

	if (chance(t, 2))
		mprotect(at, len, (int)rnd(t, 8));
	else
		madvise(at, len, advs[rnd(t, sizeof(advs) / sizeof(advs[0]))]);
}

static void op_poll(struct fzt *t, int s)
{
	int fd = slot_fd(s);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)s };
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (chance(t, 2)) {
		poll(&p, 1, (int)rnd(t, 2));
	} else {
		if (fd >= 0)
			epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev);
		epoll_wait(t->epfd, &ev, 1, (int)rnd(t, 2));
	}
}

static void op_misc(struct fzt *t, int s)
{
	char nb[FASTIPC_NAME_LEN];
	struct fastipc_unlink ul = {};
	struct fastipc_attr attr = {};
	const char *n;
	int err;

	switch (rnd(t, 5)) {
	case 0:
		n = rnd_name(t, nb);
		memcpy(ul.name, n, n == nb ? FASTIPC_NAME_LEN : strlen(n));
		err = fipc_ioctl(slot_fd(s), FASTIPC_IOC_UNLINK, &ul);
		check_errno(1, err);
		break;
	case 1:
		check_errno(6, fipc_ioctl(slot_fd(s), FASTIPC_IOC_INFO,
					  (void *)(uintptr_t)rnd_dst(t)));
		break;
	case 2:
		check_errno(7, fipc_ioctl(slot_fd(s), FASTIPC_IOC_STATS,
					  (void *)(uintptr_t)rnd_dst(t)));
		break;
	case 3:
		attr.max_msgs = (uint32_t)rnd(t, 8);
		attr.max_bytes = chance(t, 2) ? 0 : rnd_len(t);
		attr.max_msg_size = chance(t, 2) ? 0 : rnd_len(t);
		attr.zc_threshold = chance(t, 2) ? 0 : rnd_len(t);
		check_errno(8, fipc_ioctl(slot_fd(s), FASTIPC_IOC_SET_ATTR, &attr));
		break;
	default: {
		/* Any command of ours, any direction and size, random bytes. */
		unsigned long cmd = _IOC((unsigned int)rnd(t, 4), FASTIPC_IOC_MAGIC,
					 (unsigned int)rnd(t, 16),
					 (unsigned int)rnd(t, 1U << 14));
		uint64_t *w = (uint64_t *)(t->scratch + SCRATCH / 2);
		unsigned int i;

		for (i = 0; i < 64; i++)
			w[i] = chance(t, 2) ? 0 : adv_rand(&t->rs) & (chance(t, 2) ? 0xff : ~0ULL);
		/* Keep blocking calls short. */
		if (_IOC_NR(cmd) == 2 || _IOC_NR(cmd) == 3) {
			w[2] = 0;
			((uint32_t *)w)[7] |= FASTIPC_NONBLOCK;
		}
		if (_IOC_NR(cmd) == 9) {	/* RECV_VEC */
			w[1] = 0;
			((uint32_t *)w)[5] |= FASTIPC_NONBLOCK;
		}
		if (_IOC_NR(cmd) == 12)		/* CALL: no wait for a reply */
			w[4] = 0;
		if (_IOC_NR(cmd) == 14) {	/* REPLY_RECV's receive */
			w[8] = 0;
			((uint32_t *)w)[19] |= FASTIPC_NONBLOCK;
		}
		if (_IOC_NR(cmd) == 10)		/* SET_BUSY_POLL: short polls */
			((uint32_t *)w)[0] %= 2 * FASTIPC_BUSY_POLL_MAX_US / 100;
		/* No channel with a random name that nobody would unlink. */
		if (_IOC_NR(cmd) == 0)
			((uint32_t *)w)[16] &= ~FASTIPC_O_CREAT;
		check_errno(9, fipc_ioctl(slot_fd(s), cmd, w));
	}
	}
}

static void op_netlink(struct fzt *t)
{
	static const uint8_t cmds[] = {
		FASTIPC_CMD_CHANNEL_GET, FASTIPC_CMD_CHANNEL_SET,
		FASTIPC_CMD_CHANNEL_DEL, FASTIPC_CMD_STATS_GET,
		FASTIPC_CMD_CONFIG_GET, 0, 42,
	};
	uint8_t cmd = cmds[rnd(t, sizeof(cmds) / sizeof(cmds[0]))];
	struct adv_nlreq r;
	char nb[FASTIPC_NAME_LEN];
	uint64_t v = rnd_len(t);
	uint32_t v32 = (uint32_t)rnd(t, 10);
	int err;

	adv_nl_req(&t->nl, &r, cmd, chance(t, 3) ? NLM_F_DUMP : NLM_F_ACK, NULL);
	if (!chance(t, 5)) {
		const char *n = rnd_name(t, nb);

		adv_nl_put(&r, FASTIPC_A_CH_NAME, n, n == nb ? 8 : strlen(n) + 1);
	}
	if (chance(t, 2))
		adv_nl_put(&r, FASTIPC_A_CH_ID, &v, 8);
	if (chance(t, 2))
		adv_nl_put(&r, FASTIPC_A_CH_MAX_MSGS, &v32, 4);
	if (chance(t, 3))
		adv_nl_put(&r, (uint16_t)rnd(t, FASTIPC_A_MAX + 3), &v, (size_t)rnd(t, 9));
	err = adv_nl_send(&t->nl, &r);
	if (!err)
		err = adv_nl_answers(&t->nl, NULL, NULL, 2000);
	if (err == -ETIMEDOUT)
		atomic_fetch_add(&fz.bad_errno, 1);	/* no answer at all */
	/* The events every thread's actions caused: read some, let some pile up. */
	if (t->ev.fd >= 0 && chance(t, 2)) {
		static __thread uint32_t evbuf[1024];

		while (recv(t->ev.fd, evbuf, sizeof(evbuf), MSG_DONTWAIT) > 0)
			;
	}
}

/*
 * read(2) and write(2), on a file of their own bound to one of the names:
 * a slot's fd may be any other file by the time it is used, and a
 * blocking read could wait for ever once the other threads stop, so this
 * file is O_NONBLOCK.  Sometimes unbound or bound for one direction only.
 */
static void op_rw(struct fzt *t, int s)
{
	struct fastipc_open op = { .flags = FASTIPC_O_SEND | FASTIPC_O_RECV };
	const char *n = fz.names[rnd(t, NNAMES)];
	size_t len;
	ssize_t r;
	int fd, i;

	fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		check_errno(10, errno);
		return;
	}
	memcpy(op.name, n, strlen(n));
	if (chance(t, 4))
		op.flags = chance(t, 2) ? FASTIPC_O_SEND : FASTIPC_O_RECV;
	if (!chance(t, 8))
		check_errno(10, fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op));
	for (i = 0; i < 4; i++) {
		len = (size_t)rnd_len(t);
		if (chance(t, 2)) {
			r = write(fd, (void *)(uintptr_t)rnd_src(t, s), len);
		} else {
			r = read(fd, (void *)(uintptr_t)rnd_dst(t), len);
			if (r > 0 && (size_t)r > len)
				atomic_fetch_add(&fz.overruns, 1);
		}
		if (r < 0)
			check_errno(10, errno);
		else
			atomic_fetch_add(&fz.rw_moved, 1);
	}
	close(fd);
}

/* A child that does a few things and is killed at a random moment. */
static void op_fork(struct fzt *t, int s)
{
	pid_t pid;
	int i;

	if (atomic_fetch_add(&fz.children, 1) > 2) {
		atomic_fetch_sub(&fz.children, 1);
		return;
	}
	pid = fork();
	if (pid == 0) {
		t->rs ^= (uint64_t)getpid() << 20;
		for (i = 0; i < 50; i++) {
			switch (rnd(t, 5)) {
			case 0: op_send(t, (int)rnd(t, NSLOTS)); break;
			case 1: op_recv(t, (int)rnd(t, NSLOTS)); break;
			case 2: op_buf_alloc(t, (int)rnd(t, NSLOTS)); break;
			case 3: op_open(t, (int)rnd(t, NSLOTS)); break;
			default: op_mmap(t, (int)rnd(t, NSLOTS)); break;
			}
		}
		_exit(0);
	}
	if (pid > 0) {
		fipc_sleep_ms((unsigned int)rnd(t, 20));
		kill(pid, SIGKILL);
		fipc_wait_child(pid);
	}
	atomic_fetch_sub(&fz.children, 1);
	(void)s;
}

static void *fuzz_thread(void *arg)
{
	struct fzt *t = arg;

	while (!atomic_load(&fz.stop)) {
		int s = (int)rnd(t, NSLOTS);
		uint64_t op = rnd(t, 1000);

		if (op < 60)
			op_open(t, s);
		else if (op < 90)
			op_close(t, s);
		else if (op < 300)
			op_send(t, s);
		else if (op < 480)
			op_recv(t, s);
		else if (op < 580)
			op_buf_alloc(t, s);
		else if (op < 640)
			op_buf_free(t, s);
		else if (op < 700)
			op_mmap(t, s);
		else if (op < 740)
			op_unmap(t, s);
		else if (op < 770)
			op_remap(t, s);
		else if (op < 800)
			op_protect(t, s);
		else if (op < 850)
			op_poll(t, s);
		else if (op < 930)
			op_misc(t, s);
		else if (op < 950)
			op_rw(t, s);
		else if (op < 985)
			op_netlink(t);
		else if (op < 995 && atomic_load(&fz.all_started))
			pthread_kill(fz.threads[rnd(t, fz.nthreads)], SIGUSR1);
		else if (op < 995)
			continue;
		else
			op_fork(t, s);
		atomic_fetch_add(&fz.ops, 1);
	}
	return NULL;
}

#define FUZZ_UID	61500
#define NPARAMS		6

/* The fuzzer proper, in a child: 0 if all went well. */
static int fuzz_run(uint64_t seed, long secs, long nthreads)
{
	struct sigaction sa = { .sa_handler = guard_handler, .sa_flags = SA_NODEFER };
	struct sigaction su = { .sa_handler = on_usr1 };
	static struct fzt ts[MAX_THREADS];
	int i, bad = 0;

	FIPC_CHILD_CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	FIPC_CHILD_CHECK(sigaction(SIGBUS, &sa, NULL) == 0);
	FIPC_CHILD_CHECK(sigaction(SIGUSR1, &su, NULL) == 0);
	for (i = 0; i < NSLOTS; i++)
		fz.slots[i].fd = -1;
	fz.region = mmap(NULL, NSLOTS * SLOT_SZ, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	FIPC_CHILD_CHECK(fz.region != MAP_FAILED);
	fz.ro_page = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FIPC_CHILD_CHECK(fz.ro_page != MAP_FAILED);
	fz.none_page = fz.ro_page + PG;
	FIPC_CHILD_CHECK(mprotect(fz.ro_page, PG, PROT_READ) == 0);
	FIPC_CHILD_CHECK(mprotect(fz.none_page, PG, PROT_NONE) == 0);

	fz.nthreads = (int)nthreads;
	for (i = 0; i < nthreads; i++) {
		struct fzt *t = &ts[i];

		t->rs = seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i + 1;
		t->idx = i;
		t->scratch = mmap(NULL, SCRATCH + PG, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FIPC_CHILD_CHECK(t->scratch != MAP_FAILED);
		FIPC_CHILD_CHECK(mprotect(t->scratch + SCRATCH, PG, PROT_NONE) == 0);
		memset(t->scratch, 0x5a, SCRATCH);
		FIPC_CHILD_CHECK(adv_nl_open(&t->nl) == 0);
		t->ev.fd = -1;
		if (i == 0) {
			/* A listener makes every change send an event. */
			FIPC_CHILD_CHECK(adv_nl_open(&t->ev) == 0);
			FIPC_CHILD_CHECK(t->ev.events_grp != 0);
			FIPC_CHILD_CHECK(setsockopt(t->ev.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
						    &t->ev.events_grp,
						    sizeof(t->ev.events_grp)) == 0);
		}
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		FIPC_CHILD_CHECK(t->epfd >= 0);
	}
	/* Some channels to start with. */
	for (i = 0; i < NNAMES; i++) {
		int fd = fipc_create(fz.names[i], NULL);

		FIPC_CHILD_CHECK(fd >= 0);
		atomic_store(&fz.slots[i].fd, fd);
	}
	for (i = 0; i < nthreads; i++)
		FIPC_CHILD_CHECK(pthread_create(&fz.threads[i], NULL, fuzz_thread, &ts[i]) == 0);
	atomic_store(&fz.all_started, true);
	fipc_sleep_ms((unsigned int)(secs * 1000));
	atomic_store(&fz.stop, true);
	for (i = 0; i < nthreads; i++)
		pthread_join(fz.threads[i], NULL);

	/* Everything goes: files, windows, names, sockets. */
	for (i = 0; i < NSLOTS; i++) {
		int fd = atomic_exchange(&fz.slots[i].fd, -1);

		if (fd >= 0)
			close(fd);
	}
	FIPC_CHILD_CHECK(munmap(fz.region, NSLOTS * SLOT_SZ) == 0);
	for (i = 0; i < nthreads; i++) {
		adv_nl_close(&ts[i].nl);
		if (ts[i].ev.fd >= 0)
			adv_nl_close(&ts[i].ev);
		close(ts[i].epfd);
	}
	for (i = 0; i < NNAMES; i++)
		fipc_unlink(fz.names[i]);
	printf("# %lu operations; %lu read(2)/write(2) calls moved a message\n",
	       (unsigned long)fz.ops, (unsigned long)fz.rw_moved);
	if (fz.escapes) {
		printf("# the kernel handed out memory outside the window %lu times\n",
		       (unsigned long)fz.escapes);
		bad = 1;
	}
	if (fz.overruns) {
		printf("# read(2) returned more than asked for %lu times\n",
		       (unsigned long)fz.overruns);
		bad = 1;
	}
	if (fz.bad_errno) {
		printf("# %lu undocumented errnos, the last %d (%s) from op %d\n",
		       (unsigned long)fz.bad_errno, fz.last_bad_errno,
		       strerror(fz.last_bad_errno), fz.last_bad_op);
		bad = 1;
	}
	return bad;
}

FIXTURE(fuzz) {
	struct fastipc_stats base;
	struct adv_param params[NPARAMS];
};

FIXTURE_SETUP(fuzz)
{
	adv_kmsg("fuzz_test", _metadata->name);
	self->base = adv_stats();
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < NPARAMS; i++)
		EXPECT_EQ(0, adv_param_restore(&self->params[i]));
}

/*
 * The fuzzer runs as an unprivileged user (so the per-user ceilings apply)
 * with the module's limits lowered for the run, so that what it queues
 * stays a small part of the test VM's memory: root has no page ceiling, a
 * channel may hold 1 GiB, and a fuzzer that exhausts memory tests nothing
 * but the OOM killer.
 */
TEST_F_TIMEOUT(fuzz, random_operations, 240)
{
	long secs = adv_env_num("FIPC_FUZZ_SECS", 20, 10);
	long nthreads = adv_env_num("FIPC_FUZZ_THREADS", 4, 4);
	const char *seed_env = getenv("FIPC_FUZZ_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)fipc_now_ns();
	struct fastipc_stats now;
	int i, status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root (to lower the module's limits for the run)");
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	printf("# seed %llu, %ld s, %ld threads (FIPC_FUZZ_SEED, FIPC_FUZZ_SECS, FIPC_FUZZ_THREADS)\n",
	       (unsigned long long)seed, secs, nthreads);
	for (i = 0; i < NNAMES; i++)
		fipc_name(fz.names[i], "fz");
	ASSERT_EQ(0, adv_param_set(&self->params[0], "max_msg_size", 1 << 20));
	ASSERT_EQ(0, adv_param_set(&self->params[1], "default_max_bytes", 4 << 20));
	ASSERT_EQ(0, adv_param_set(&self->params[2], "max_bytes_limit", 8 << 20));
	ASSERT_EQ(0, adv_param_set(&self->params[3], "user_pages_floor", 32 << 20));
	ASSERT_EQ(0, adv_param_set(&self->params[4], "max_user_channels", 64));
	/* Pooled pages are not charged to the user: keep the pools small. */
	ASSERT_EQ(0, adv_param_set(&self->params[5], "pool_max", 1 << 20));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 8 << 20, 8 << 20 };

		FIPC_CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
		FIPC_CHILD_CHECK(fipc_become(FUZZ_UID, FUZZ_UID) == 0);
		_exit(fuzz_run(seed, secs, nthreads));
	}
	status = fipc_wait_child(pid);
	for (i = 0; i < NNAMES; i++)
		fipc_unlink(fz.names[i]);
	ASSERT_EQ(0, status) TH_LOG("the fuzzer failed (seed %llu)", (unsigned long long)seed);
	ASSERT_TRUE(adv_stats_settle(&self->base, &now, 5000))
		TH_LOG("after the fuzzer: " ADV_STATS_FMT ", before: " ADV_STATS_FMT
		       " (seed %llu)", ADV_STATS_ARGS(now), ADV_STATS_ARGS(self->base),
		       (unsigned long long)seed);
}

FIPC_TEST_MAIN

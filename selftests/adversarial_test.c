// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: the adversarial suite (issue 4, section 5), the parts
 * that chan_test, msg_test and zerocopy_test do not already cover:
 *
 *  - every ioctl number with every direction and a range of sizes, on a
 *    bound and an unbound file (ENOTTY / EBADFD / EINVAL / E2BIG), the
 *    largest _IOC size;
 *  - kernel, non-canonical and top-of-user-space pointers, structures
 *    that straddle into an unmapped page, read-only output structures;
 *  - lengths: (u64)-1, 2^63, above FASTIPC_MSG_SIZE_LIMIT, above
 *    max_bytes; extreme timeouts (INT64_MAX must not overflow into an
 *    immediate timeout); priorities out of range;
 *  - the compat (32-bit) ioctl path, entered with int $0x80 from this
 *    64-bit program (gcc -m32 cannot link here: no 32-bit libc, so no
 *    32-bit binary is built); skipped where the kernel has no
 *    IA32_EMULATION (the debug kernel);
 *  - the per-user page ceiling (RLIMIT_MEMLOCK for a uid without
 *    CAP_IPC_LOCK: ENOMEM, the charge following the pages to a receiver),
 *    handles against RLIMIT_NOFILE, lowered module-wide limits;
 *  - exec with and without O_CLOEXEC: the handle survives exec, its
 *    window does not, zero-copy calls get EPERM, plain ones work;
 *  - mmap misuse beyond zerocopy_test: MREMAP_DONTUNMAP, mremap and mmap
 *    MAP_FIXED over the window, partial mprotect, madvise of every kind,
 *    mlock, /proc/self/mem, MAP_POPULATE, a dup'ed fd, munmap spanning
 *    neighbours;
 *  - process death at random points of both paths, and in the middle of
 *    a large send or allocation;
 *  - module unload refused while a window outlives its fd and while a
 *    netlink dump is in flight.
 *
 * Runs as root in the test VM; what needs root or a reloadable module
 * skips otherwise.
 */
#include <pthread.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "adv_util.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif

#define PG		ADV_PAGE
#define RW		(PROT_READ | PROT_WRITE)
#define UNPRIV_UID	61300
#define NPARAMS		6

FIXTURE(adv) {
	char name[FASTIPC_NAME_LEN];
	int fd;				/* RDWR handle on @name */
	struct fastipc_stats base;	/* before the fixture's channel */
	struct adv_param params[NPARAMS];
	char extra[16][FASTIPC_NAME_LEN];
	int nextra;
};

FIXTURE_SETUP(adv)
{
	adv_kmsg("adversarial_test", _metadata->name);
	self->base = adv_stats();
	fipc_name(self->name, "adv");
	self->fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(adv)
{
	struct fastipc_stats now;
	int i;

	for (i = 0; i < NPARAMS; i++)
		EXPECT_EQ(0, adv_param_restore(&self->params[i]));
	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
	for (i = 0; i < self->nextra; i++)
		fipc_unlink(self->extra[i]);
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 3000))
		TH_LOG("after the test: " ADV_STATS_FMT ", before: " ADV_STATS_FMT,
		       ADV_STATS_ARGS(now), ADV_STATS_ARGS(self->base));
}

static const char *extra_name(FIXTURE_DATA(adv) *self, const char *tag)
{
	char *n = self->extra[self->nextra++ % 16];

	fipc_name(n, tag);
	return n;
}

static int queued(int fd)
{
	return (int)adv_info(fd).queued_msgs;
}

/* ---- every number, direction and size ----------------------------------------- */

struct ioc {
	unsigned int nr;
	unsigned int dir;
	size_t ver0;
	bool input;
	bool needs_chan;
};

static const struct ioc iocs[] = {
	{ 0, _IOC_READ | _IOC_WRITE, FASTIPC_OPEN_SIZE_VER0, true, false },
	{ 1, _IOC_WRITE, FASTIPC_UNLINK_SIZE_VER0, true, false },
	{ 2, _IOC_WRITE, FASTIPC_SEND_SIZE_VER0, true, true },
	{ 3, _IOC_READ | _IOC_WRITE, FASTIPC_RECV_SIZE_VER0, true, true },
	{ 4, _IOC_READ | _IOC_WRITE, FASTIPC_BUF_SIZE_VER0, true, true },
	{ 5, _IOC_WRITE, FASTIPC_BUF_SIZE_VER0, true, true },
	{ 6, _IOC_READ, FASTIPC_INFO_SIZE_VER0, false, true },
	{ 7, _IOC_READ, FASTIPC_STATS_SIZE_VER0, false, false },
	{ 8, _IOC_WRITE, sizeof(struct fastipc_attr), true, true },
	{ 9, _IOC_READ | _IOC_WRITE, FASTIPC_RECV_VEC_SIZE_VER0, true, true },
	{ 10, _IOC_WRITE, FASTIPC_BUSY_POLL_SIZE_VER0, true, true },
	{ 11, _IOC_READ, FASTIPC_FEATURES_SIZE_VER0, false, false },
	{ 12, _IOC_READ | _IOC_WRITE, FASTIPC_CALL_SIZE_VER0, true, true },
	{ 13, _IOC_WRITE, FASTIPC_REPLY_SIZE_VER0, true, true },
	{ 14, _IOC_READ | _IOC_WRITE, FASTIPC_REPLY_RECV_SIZE_VER0, true, true },
};

#define NIOCS	(sizeof(iocs) / sizeof(iocs[0]))
#define MAXSZ	((1U << _IOC_SIZEBITS) - 1)

/*
 * An argument that passes the size checks and then fails with EINVAL in
 * the handler, so nothing happens whatever the size (the tail is zero).
 */
static void invalid_arg(unsigned int nr, void *buf)
{
	memset(buf, 0, MAXSZ + 1);
	switch (nr) {
	case 0: ((struct fastipc_open *)buf)->flags = 0x80000000U; break;
	case 1: ((struct fastipc_unlink *)buf)->__reserved[0] = 1; break;
	case 2: ((struct fastipc_send *)buf)->flags = 0x80000000U; break;
	case 3: ((struct fastipc_recv *)buf)->flags = 0x80000000U; break;
	case 4: ((struct fastipc_buf *)buf)->flags = 0x80000000U; break;
	case 5: ((struct fastipc_buf *)buf)->flags = 1; break;
	case 8: ((struct fastipc_attr *)buf)->__pad = 1; break;
	case 9: ((struct fastipc_recv_vec *)buf)->flags = 0x80000000U; break;
	case 10: ((struct fastipc_busy_poll *)buf)->flags = 0x80000000U; break;
	case 12: ((struct fastipc_call *)buf)->flags = 0x80000000U; break;
	case 13: ((struct fastipc_reply *)buf)->flags = 0x80000000U; break;
	case 14:
		((struct fastipc_reply_recv *)buf)->reply.flags = 0x80000000U;
		break;
	}
}

/*
 * The bytes of @nr's structure this module knows: past them, a non-zero
 * byte is E2BIG; before them (fields of a later version) it is read.
 */
static size_t known_size(const struct ioc *d)
{
	switch (d->nr) {
	case 3: return sizeof(struct fastipc_recv);
	case 12: return sizeof(struct fastipc_call);
	case 14: return sizeof(struct fastipc_reply_recv);
	default: return d->ver0;
	}
}

/* What Documentation/uapi.md says this command should get. */
static int expected(const struct ioc *d, unsigned int dir, size_t size,
		    bool bound)
{
	if (dir != d->dir)
		return -ENOTTY;		/* an unknown command */
	if (d->needs_chan && !bound)
		return -EBADFD;
	if (size < d->ver0)
		return -EINVAL;
	if (!d->input)
		return 0;		/* INFO, STATS: the first VER0 bytes */
	return -EINVAL;			/* the invalid argument */
}

/*
 * On a bound file: every number, every direction, a range of sizes.  On
 * an unbound file the same with the right directions (the wrong ones are
 * the next test's).
 */
TEST_F(adv, ioctl_number_direction_size_matrix)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_WRITE, _IOC_READ, _IOC_READ | _IOC_WRITE,
	};
	unsigned char *buf = malloc(MAXSZ + 1);
	unsigned int i, j, k, b, bad = 0;
	int unbound = fipc_dev();

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, unbound);
	for (b = 0; b < 2; b++) {
		int fd = b ? self->fd : unbound;

		for (i = 0; i < NIOCS; i++) {
			const struct ioc *d = &iocs[i];
			size_t sizes[] = { 0, 1, d->ver0 - 1, d->ver0, d->ver0 + 1,
					   d->ver0 + 8, 4096, MAXSZ };

			for (j = 0; j < 4; j++) {
				for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
					unsigned long cmd = _IOC(dirs[j], FASTIPC_IOC_MAGIC,
								 d->nr, sizes[k]);
					int want = expected(d, dirs[j], sizes[k], b);
					int got;

					if (!b && dirs[j] != d->dir)
						continue;

					invalid_arg(d->nr, buf);
					got = fipc_ioctl(fd, cmd, buf);
					if (got != want && bad++ < 12)
						TH_LOG("%s file: nr %u dir %u size %zu: got %s, want %s",
						       b ? "bound" : "unbound", d->nr, dirs[j],
						       sizes[k], strerror(-got), strerror(-want));
					/* Longer, with a byte set in the part the kernel does not know. */
					if (!d->input || sizes[k] <= known_size(d) ||
					    dirs[j] != d->dir || want == -EBADFD)
						continue;
					invalid_arg(d->nr, buf);
					buf[sizes[k] - 1] = 0x77;
					got = fipc_ioctl(fd, cmd, buf);
					if (got != -E2BIG && bad++ < 12)
						TH_LOG("%s file: nr %u size %zu, non-zero tail: got %s, want E2BIG",
						       b ? "bound" : "unbound", d->nr, sizes[k],
						       strerror(-got));
				}
			}
		}
		/* Numbers past the last command, every direction. */
		for (i = NIOCS; i < 256; i += 7) {
			for (j = 0; j < 4; j++) {
				unsigned long cmd = _IOC(dirs[j], FASTIPC_IOC_MAGIC, i, 64);
				int got;

				invalid_arg(0, buf);
				got = fipc_ioctl(fd, cmd, buf);
				if (got != -ENOTTY && bad++ < 12) {
					TH_LOG("%s file: nr %u dir %u: got %s, want ENOTTY",
					       b ? "bound" : "unbound", i, dirs[j],
					       strerror(-got));
				}
			}
		}
	}
	/* Nothing happened to either file or the channel. */
	ASSERT_EQ(-EBADFD, fipc_ioctl(unbound, FASTIPC_IOC_INFO, buf));
	ASSERT_EQ(0, queued(self->fd));
	ASSERT_EQ(0, adv_info(self->fd).sent_msgs);
	close(unbound);
	free(buf);
	EXPECT_EQ(0, bad) TH_LOG("%u commands got another errno than documented", bad);
}

/*
 * A known number with the wrong direction is an unknown command: ENOTTY
 * (Documentation/uapi.md), on an unbound file as on a bound one.
 */
TEST_F(adv, unknown_command_on_unbound_file)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_WRITE, _IOC_READ, _IOC_READ | _IOC_WRITE,
	};
	unsigned char *buf = malloc(MAXSZ + 1);
	unsigned int i, j, bad = 0;
	int unbound = fipc_dev();

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, unbound);
	for (i = 0; i < NIOCS; i++) {
		for (j = 0; j < 4; j++) {
			unsigned long cmd = _IOC(dirs[j], FASTIPC_IOC_MAGIC, iocs[i].nr,
						 iocs[i].ver0);
			int got;

			if (dirs[j] == iocs[i].dir)
				continue;
			invalid_arg(iocs[i].nr, buf);
			got = fipc_ioctl(unbound, cmd, buf);
			ASSERT_EQ(-ENOTTY, fipc_ioctl(self->fd, cmd, buf));
			if (got != -ENOTTY && bad++ < 4)
				TH_LOG("unbound file: nr %u dir %u: got %s, want ENOTTY",
				       iocs[i].nr, dirs[j], strerror(-got));
		}
	}
	close(unbound);
	free(buf);
	EXPECT_EQ(0, bad) TH_LOG("%u unknown commands on an unbound file did not get ENOTTY",
				 bad);
}

/* The largest size _IOC can carry: zero tail works, one byte set is E2BIG. */
TEST_F(adv, ioctl_max_size)
{
	unsigned char *buf = calloc(1, MAXSZ + 1);
	struct fastipc_send *sd = (void *)buf;
	struct fastipc_recv *rv = (void *)buf;
	struct fastipc_info *info = (void *)buf;
	char data[8] = "maxsize", out[8];

	ASSERT_NE(NULL, buf);
	sd->buf = (uintptr_t)data;
	sd->len = 7;
	buf[MAXSZ - 1] = 1;
	ASSERT_EQ(-E2BIG, fipc_ioctl(self->fd, _IOC(_IOC_WRITE, FASTIPC_IOC_MAGIC,
						      2, MAXSZ), buf));
	ASSERT_EQ(0, queued(self->fd));
	buf[MAXSZ - 1] = 0;
	ASSERT_EQ(0, fipc_ioctl(self->fd, _IOC(_IOC_WRITE, FASTIPC_IOC_MAGIC, 2,
					       MAXSZ), buf));
	ASSERT_EQ(1, queued(self->fd));

	memset(buf, 0, MAXSZ + 1);
	rv->buf = (uintptr_t)out;
	rv->len = sizeof(out);
	rv->flags = FASTIPC_NONBLOCK;
	memset(buf + FASTIPC_RECV_SIZE_VER0, 0, MAXSZ - FASTIPC_RECV_SIZE_VER0);
	ASSERT_EQ(0, fipc_ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
					       FASTIPC_IOC_MAGIC, 3, MAXSZ), buf));
	ASSERT_EQ(7, rv->len);
	ASSERT_EQ(0, memcmp(out, "maxsize", 7));
	/* The kernel wrote its structure and not a byte of the tail. */
	for (size_t i = FASTIPC_RECV_SIZE_VER0; i < MAXSZ; i++)
		ASSERT_EQ(0, buf[i]);

	memset(buf, 0xa5, MAXSZ + 1);
	ASSERT_EQ(0, fipc_ioctl(self->fd, _IOC(_IOC_READ, FASTIPC_IOC_MAGIC, 6,
					       MAXSZ), buf));
	ASSERT_EQ(0, strcmp(info->name, self->name));
	for (size_t i = FASTIPC_INFO_SIZE_VER1; i <= MAXSZ; i++)
		ASSERT_EQ(0xa5, buf[i]);
	free(buf);
}

/* ---- pointers ---------------------------------------------------------------------- */

static void *const kernel_ptrs[] = {
	(void *)0xffff800000000000UL,	/* start of the kernel half */
	(void *)0xffffffff81000000UL,	/* kernel text */
	(void *)0xffff888000000000UL,	/* the direct map */
	(void *)0x0000800000000000UL,	/* first non-canonical address */
	(void *)0xdead000000000000UL,	/* non-canonical */
	(void *)-1UL,
	(void *)0x00007ffffffff000UL,	/* the last user page: not mapped */
};

#define NKPTRS	(sizeof(kernel_ptrs) / sizeof(kernel_ptrs[0]))

TEST_F(adv, kernel_and_noncanonical_pointers)
{
	static const unsigned long cmds[] = {
		FASTIPC_IOC_SEND, FASTIPC_IOC_RECV, FASTIPC_IOC_BUF_ALLOC,
		FASTIPC_IOC_BUF_FREE, FASTIPC_IOC_INFO, FASTIPC_IOC_STATS,
		FASTIPC_IOC_SET_ATTR, FASTIPC_IOC_RECV_VEC,
		FASTIPC_IOC_SET_BUSY_POLL, FASTIPC_IOC_FEATURES,
		FASTIPC_IOC_CALL, FASTIPC_IOC_REPLY, FASTIPC_IOC_REPLY_RECV,
	};
	int unbound = fipc_dev();
	uint8_t buf[256];
	uint64_t len;
	unsigned int i, j;

	ASSERT_LE(0, unbound);
	ASSERT_EQ(0, fipc_send(self->fd, "kept", 4, 0, 0, -1));
	for (i = 0; i < NKPTRS; i++) {
		void *p = kernel_ptrs[i];

		/* As the argument of every command. */
		ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_OPEN, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_UNLINK, p));
		for (j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++)
			ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, cmds[j], p))
				TH_LOG("cmd %#lx with %p", cmds[j], p);
		/* As the data of a send, on both paths. */
		ASSERT_EQ(-EFAULT, fipc_send(self->fd, p, 16, 0, FASTIPC_SEND_COPY, -1));
		ASSERT_EQ(-EFAULT, fipc_send(self->fd, p, 3 * PG, 0, FASTIPC_SEND_PAGES, -1));
		/* As the buffer of a receive: the message stays. */
		len = sizeof(buf);
		ASSERT_EQ(-EFAULT, fipc_recv(self->fd, p, &len, NULL, FASTIPC_NONBLOCK, -1));
		/* As a window address. */
		ASSERT_EQ(-ENXIO, adv_buf_free(self->fd, (uintptr_t)p));
		ASSERT_EQ(1, queued(self->fd));
	}
	/* A send whose bytes run from the last user page into the kernel half. */
	ASSERT_EQ(-EFAULT, fipc_send(self->fd, (void *)(0x00007ffffffff000UL + 4000),
				     200, 0, FASTIPC_SEND_COPY, -1));
	ASSERT_EQ(-EFAULT, fipc_send(self->fd, (void *)(0x00007ffffffff000UL + 4000),
				     3 * PG, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(1, queued(self->fd));
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(4, len);
	ASSERT_EQ(0, memcmp(buf, "kept", 4));
	close(unbound);
}

/* Structures whose last bytes are in an unmapped page. */
TEST_F(adv, structs_straddling_unmapped_page)
{
	char *two = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *n = extra_name(self, "strad");
	struct fastipc_send *sd;
	struct fastipc_open *op;
	struct fastipc_recv *rv;
	int unbound = fipc_dev();
	char out[16];
	struct fastipc_rvec ent = { .buf = (uintptr_t)out, .len = sizeof(out) };
	struct fastipc_recv_vec *vr;

	ASSERT_NE(MAP_FAILED, two);
	ASSERT_LE(0, unbound);
	ASSERT_EQ(0, munmap(two + PG, PG));
	ASSERT_EQ(0, fipc_send(self->fd, "kept", 4, 0, 0, -1));

	sd = (void *)(two + PG - sizeof(*sd) + 8);
	memset(sd, 0, sizeof(*sd) - 8);
	sd->buf = (uintptr_t)"x";
	sd->len = 1;
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_SEND, sd));

	rv = (void *)(two + PG - sizeof(*rv) + 8);
	memset(rv, 0, sizeof(*rv) - 8);
	rv->buf = (uintptr_t)out;
	rv->len = sizeof(out);
	rv->flags = FASTIPC_NONBLOCK;
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, rv));

	vr = (void *)(two + PG - sizeof(*vr) + 8);
	memset(vr, 0, sizeof(*vr) - 8);
	vr->vec = (uintptr_t)&ent;
	vr->count = 1;
	vr->flags = FASTIPC_NONBLOCK;
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, vr));

	op = (void *)(two + PG - sizeof(*op) + 8);
	memset(op, 0, sizeof(*op) - 8);
	strcpy(op->name, n);
	op->flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT;
	ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_OPEN, op));
	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RDWR, 0, NULL));
	ASSERT_EQ(-EBADFD, fipc_ioctl(unbound, FASTIPC_IOC_INFO, out));

	/* Nothing was sent or taken. */
	ASSERT_EQ(1, queued(self->fd));
	ASSERT_EQ(1, adv_info(self->fd).sent_msgs);
	ASSERT_EQ(0, adv_info(self->fd).recv_msgs);
	munmap(two, PG);
	close(unbound);
}

/* Output structures in read-only memory: EFAULT and nothing left behind. */
TEST_F(adv, readonly_output_structs)
{
	char *ro = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fastipc_buf *bf = (void *)ro;
	uint64_t addr;
	void *win;

	ASSERT_NE(MAP_FAILED, ro);
	win = adv_win(self->fd, 8 * PG, RW);
	ASSERT_NE(NULL, win);
	memset(ro, 0, PG);
	bf->len = 3 * PG;
	ASSERT_EQ(0, mprotect(ro, PG, PROT_READ));
	/* BUF_ALLOC cannot report the buffer: it must not keep it. */
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_ALLOC, bf));
	ASSERT_EQ(0, adv_info(self->fd).window_pages);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	ASSERT_EQ(0, adv_buf_alloc(self->fd, 8 * PG, &addr))
		TH_LOG("the failed BUF_ALLOC left part of the window taken");
	ASSERT_EQ(0, adv_buf_free(self->fd, addr));
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_INFO, ro));
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_STATS, ro));
	munmap(win, 8 * PG);
	munmap(ro, PG);
}

/* ---- lengths, timeouts, priorities ------------------------------------------------------- */

TEST_F(adv, huge_lengths)
{
	const uint64_t lens[] = {
		~0ULL, 1ULL << 63, 1ULL << 40, FASTIPC_MSG_SIZE_LIMIT + 1,
		fipc_param("max_msg_size", FIPC_DEF_MAX_MSG_SIZE) + 1,
		adv_info(self->fd).attr.max_msg_size + 1,
	};
	const uint32_t paths[] = { 0, FASTIPC_SEND_COPY, FASTIPC_SEND_PAGES,
				   FASTIPC_SEND_BUF };
	struct fastipc_attr small = { .max_bytes = 1000 };
	const char *n = extra_name(self, "small");
	char data[64] = "data";
	uint64_t addr, len;
	unsigned int i, j;
	void *win;
	int fd;

	win = adv_win(self->fd, 16 * PG, RW);
	ASSERT_NE(NULL, win);
	ASSERT_EQ(0, adv_buf_alloc(self->fd, PG, &addr));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < 4; j++) {
			void *buf = paths[j] == FASTIPC_SEND_BUF ?
				    (void *)(uintptr_t)addr : data;

			/* Too big, whatever the buffer: not EFAULT, not a wait. */
			ASSERT_EQ(-EMSGSIZE, fipc_send(self->fd, buf, lens[i], 0,
						       paths[j], -1))
				TH_LOG("len %#llx path %#x", (unsigned long long)lens[i],
				       paths[j]);
		}
		struct fastipc_buf bf = { .len = lens[i] };

		ASSERT_EQ(-EMSGSIZE, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_ALLOC, &bf));
	}
	/* The buffer survived every refused send. */
	ASSERT_EQ(1, adv_info(self->fd).window_pages);
	ASSERT_EQ(0, queued(self->fd));
	ASSERT_EQ(self->base.pages_held + 1, adv_stats().pages_held);

	/* A receive may offer any length: only the message's is written. */
	ASSERT_EQ(0, fipc_send(self->fd, "12345", 5, 0, 0, -1));
	len = ~0ULL;
	memset(data, 'z', sizeof(data));
	ASSERT_EQ(0, fipc_recv(self->fd, data, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, memcmp(data, "12345zzz", 8));

	/* Larger than max_bytes is EMSGSIZE, not EAGAIN or a wait forever. */
	fd = fipc_create(n, &small);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, data, 1001, 0, 0, -1));
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, data, 1001, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, fipc_send(fd, data, 1000, 0, FASTIPC_NONBLOCK, -1));
	close(fd);
	munmap(win, 16 * PG);
}

TEST_F(adv, priorities_out_of_range)
{
	const uint32_t prios[] = { FASTIPC_PRIO_MAX + 1, 64, 0x80000000U, ~0U };
	unsigned int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(-EINVAL, fipc_send(self->fd, "p", 1, prios[i], 0, -1));
	ASSERT_EQ(0, fipc_send(self->fd, "p", 1, FASTIPC_PRIO_MAX, 0, -1));
	ASSERT_EQ(1, queued(self->fd));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* INT64_MAX must not overflow into "already expired"; INT64_MIN is "none". */
TEST_F(adv, extreme_timeouts)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct fastipc_attr one = { .max_msgs = 1 };
	const char *n = extra_name(self, "tmo");
	char buf[8];
	uint64_t len;
	int64_t t0;
	int fd;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));	/* no SA_RESTART */
	for (int i = 0; i < 2; i++) {
		int64_t tmo = i ? INT64_MIN : INT64_MAX;

		alarm(1);
		t0 = fipc_now_ns();
		len = sizeof(buf);
		ASSERT_EQ(-EINTR, fipc_recv(self->fd, buf, &len, NULL, 0, tmo))
			TH_LOG("timeout %lld", (long long)tmo);
		ASSERT_LT(500 * FIPC_MS, fipc_now_ns() - t0);
	}
	/* The same for a send waiting for room. */
	fd = fipc_create(n, &one);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_send(fd, "a", 1, 0, 0, -1));
	alarm(1);
	t0 = fipc_now_ns();
	ASSERT_EQ(-EINTR, fipc_send(fd, "b", 1, 0, 0, INT64_MAX));
	ASSERT_LT(500 * FIPC_MS, fipc_now_ns() - t0);
	ASSERT_EQ(1, queued(fd));
	/* Zero and one nanosecond: expired at once, nothing taken. */
	ASSERT_EQ(-ETIMEDOUT, fipc_send(fd, "c", 1, 0, 0, 0));
	ASSERT_EQ(-ETIMEDOUT, fipc_send(fd, "c", 1, 0, 0, 1));
	len = sizeof(buf);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(self->fd, buf, &len, NULL, 0, 0));
	close(fd);
	alarm(0);
}

/* ---- compat (32-bit) ioctls through int $0x80 ---------------------------------------------- */

#define NR32_IOCTL	54
#define NR32_GETPID	20

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int ioctl32(int fd, unsigned int cmd, void *arg)
{
	return (int)int80(NR32_IOCTL, fd, cmd, (long)(uintptr_t)arg);
}

/* The child's checks; memory for every argument below 4 GiB. */
static void compat_child(const char *name)
{
	struct {
		struct fastipc_open op;
		struct fastipc_send sd;
		struct fastipc_recv rv;
		struct fastipc_info info;
		struct fastipc_stats st;
		struct fastipc_buf bf;
		struct fastipc_unlink ul;
		char data[8192];
		char out[8192];
	} *m;
	struct fastipc_stats native;
	char *high = malloc(100);
	void *win;
	int fd, ctl;

	m = mmap(NULL, sizeof(*m), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	FIPC_CHILD_CHECK(m != MAP_FAILED && (uintptr_t)m + sizeof(*m) < (1ULL << 32));
	memset(m, 0, sizeof(*m));
	ctl = fipc_dev();
	fd = fipc_dev();
	FIPC_CHILD_CHECK(ctl >= 0 && fd >= 0 && high);

	FIPC_CHILD_CHECK(ioctl32(ctl, FASTIPC_IOC_STATS, &m->st) == 0);
	FIPC_CHILD_CHECK(fipc_stats(&native) == 0);
	FIPC_CHILD_CHECK(m->st.channels == native.channels);

	fipc_set_name(m->op.name, name);
	m->op.flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL;
	m->op.mode = 0600;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_OPEN, &m->op) == 0);
	FIPC_CHILD_CHECK(m->op.id != 0 && m->op.attr.max_msgs != 0);

	/* Copy path, page path, and a data pointer above 4 GiB. */
	fipc_fill(m->data, sizeof(m->data), 77);
	m->sd.buf = (uintptr_t)m->data;
	m->sd.len = 100;
	m->sd.flags = FASTIPC_SEND_COPY;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_SEND, &m->sd) == 0);
	m->sd.len = sizeof(m->data);
	m->sd.flags = FASTIPC_SEND_PAGES;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_SEND, &m->sd) == 0);
	fipc_fill(high, 100, 78);
	m->sd.buf = (uintptr_t)high;
	m->sd.len = 100;
	m->sd.flags = 0;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_SEND, &m->sd) == 0);

	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_INFO, &m->info) == 0);
	FIPC_CHILD_CHECK(m->info.queued_msgs == 3 && !strcmp(m->info.name, name));

	m->rv.buf = (uintptr_t)m->out;
	m->rv.len = sizeof(m->out);
	m->rv.flags = FASTIPC_NONBLOCK;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_RECV, &m->rv) == 0);
	FIPC_CHILD_CHECK(m->rv.len == 100 && fipc_check(m->out, 100, 77) == -1);
	m->rv.len = sizeof(m->out);
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_RECV, &m->rv) == 0);
	FIPC_CHILD_CHECK(m->rv.len == sizeof(m->data) &&
			 fipc_check(m->out, sizeof(m->data), 77) == -1);
	FIPC_CHILD_CHECK(m->rv.msg_flags == FASTIPC_MSG_PAGES);

	/* Zero-copy through the compat path: the window is native. */
	win = adv_win(fd, 16 * PG, RW);
	FIPC_CHILD_CHECK(win != NULL);
	m->bf.len = 2 * PG;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_BUF_ALLOC, &m->bf) == 0);
	FIPC_CHILD_CHECK(m->bf.addr >= (uintptr_t)win);
	m->bf.len = 0;
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_BUF_FREE, &m->bf) == 0);

	/* Errors as on the native path. */
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_RECV, (void *)0xfffff000UL) == -EFAULT);
	FIPC_CHILD_CHECK(ioctl32(fd, _IOC(_IOC_WRITE, FASTIPC_IOC_MAGIC, 2, 8),
				 &m->sd) == -EINVAL);
	FIPC_CHILD_CHECK(ioctl32(fd, _IOC(_IOC_READ, FASTIPC_IOC_MAGIC, 2, 48),
				 &m->sd) == -ENOTTY);
	m->rv.len = sizeof(m->out);
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_RECV, &m->rv) == 0);
	FIPC_CHILD_CHECK(m->rv.len == 100 && fipc_check(m->out, 100, 78) == -1);
	m->rv.len = sizeof(m->out);
	FIPC_CHILD_CHECK(ioctl32(fd, FASTIPC_IOC_RECV, &m->rv) == -EAGAIN);

	fipc_set_name(m->ul.name, name);
	FIPC_CHILD_CHECK(ioctl32(ctl, FASTIPC_IOC_UNLINK, &m->ul) == 0);
	FIPC_CHILD_CHECK(ioctl32(ctl, FASTIPC_IOC_UNLINK, &m->ul) == -ENOENT);
	_exit(0);
}

TEST_F(adv, compat_ioctl)
{
	const char *n = extra_name(self, "compat");
	int status;
	pid_t pid;

	/*
	 * Can this kernel take int $0x80 from a 64-bit task at all?  Not
	 * without IA32_EMULATION, whose abi.vsyscall32 sysctl then is missing
	 * too (trying would log a general protection fault: a kernel report).
	 */
	if (access("/proc/sys/abi/vsyscall32", F_OK))
		SKIP(return, "no IA32_EMULATION in this kernel: no compat syscalls to test");
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(int80(NR32_GETPID, 0, 0, 0) == getpid() ? 0 : 1);
	status = fipc_wait_child(pid);
	if (status == 128 + SIGSEGV)
		SKIP(return, "no IA32_EMULATION in this kernel: no compat syscalls to test");
	ASSERT_EQ(0, status);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		compat_child(n);
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RDWR, 0, NULL));
}

/* ---- limits ------------------------------------------------------------------------------ */

struct sync {
	int to_child[2], to_parent[2];
};

static void sync_init(struct sync *s)
{
	if (pipe(s->to_child) || pipe(s->to_parent))
		abort();
}

static int sync_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 20000) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void sync_say(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		abort();
}

/*
 * As an unprivileged uid with RLIMIT_MEMLOCK at 16 pages and the floor at
 * 0: buffers and page messages are charged and refused with ENOMEM past
 * 16 pages; the copy path is not charged; a charge follows the pages to
 * whoever holds them until they are freed.
 */
static void page_ceiling_child(const char *name, struct sync *s)
{
	struct rlimit rl = { 16 * PG, 16 * PG };
	char *ubuf = malloc(16 * PG);
	uint64_t a, b;
	int fd;

	FIPC_CHILD_CHECK(ubuf != NULL);
	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	FIPC_CHILD_CHECK(fipc_become(UNPRIV_UID, UNPRIV_UID) == 0);
	fd = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(adv_win(fd, 64 * PG, RW) != NULL);

	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 16 * PG, &a) == 0);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 1, &b) == -ENOMEM);
	FIPC_CHILD_CHECK(fipc_send(fd, ubuf, PG, 0, FASTIPC_SEND_PAGES, -1) == -ENOMEM);
	FIPC_CHILD_CHECK(adv_info(fd).queued_msgs == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, ubuf, 1000, 0, FASTIPC_SEND_COPY, -1) == 0);
	FIPC_CHILD_CHECK(adv_buf_free(fd, a) == 0);

	/* 8 pages sent as a buffer and 8 sent plain: 16, all charged. */
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 8 * PG, &a) == 0);
	FIPC_CHILD_CHECK(adv_send_buf(fd, a, 8 * PG, 0) == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, ubuf, 8 * PG, 0, FASTIPC_SEND_PAGES, -1) == 0);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 1, &b) == -ENOMEM);

	/* The parent maps one message and drains the rest. */
	sync_say(s->to_parent[1], 'm');
	FIPC_CHILD_CHECK(sync_wait(s->to_child[0]) == 'm');
	/* The mapped 8 pages are still ours to pay for: only 8 more fit. */
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 9 * PG, &b) == -ENOMEM);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 8 * PG, &b) == 0);
	FIPC_CHILD_CHECK(adv_buf_free(fd, b) == 0);

	sync_say(s->to_parent[1], 'f');
	FIPC_CHILD_CHECK(sync_wait(s->to_child[0]) == 'f');
	/* Freed by the parent: all 16 pages are ours again. */
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 16 * PG, &b) == 0);
	FIPC_CHILD_CHECK(adv_buf_free(fd, b) == 0);
	close(fd);
	_exit(0);
}

TEST_F(adv, user_page_ceiling)
{
	struct rlimit rl = { 16 * PG, 16 * PG }, old;
	const char *n = extra_name(self, "pages");
	char *ubuf = malloc(8 * PG);
	struct fastipc_recv rv;
	struct sync s;
	uint64_t addr, len;
	int fd, status;
	void *win;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_NE(NULL, ubuf);
	ASSERT_EQ(0, adv_param_set(&self->params[0], "user_pages_floor", 0));
	fd = fipc_open(n, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL, 0666, NULL);
	ASSERT_LE(0, fd);
	win = adv_win(fd, 64 * PG, RW);
	ASSERT_NE(NULL, win);

	/* CAP_IPC_LOCK lifts the ceiling, whatever the rlimit. */
	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &old));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, adv_buf_alloc(fd, 32 * PG, &addr));
	ASSERT_EQ(0, adv_buf_free(fd, addr));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &old));

	sync_init(&s);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		page_ceiling_child(n, &s);
	ASSERT_EQ('m', sync_wait(s.to_parent[0]));
	len = 8 * PG;
	ASSERT_EQ(0, fipc_recv(fd, ubuf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(1000, len);				/* the copy */
	ASSERT_EQ(0, adv_recv_map(fd, NULL, 0, &rv));	/* the buffer */
	ASSERT_EQ(8 * PG, rv.len);
	len = 8 * PG;
	ASSERT_EQ(0, fipc_recv(fd, ubuf, &len, NULL, FASTIPC_NONBLOCK, -1));
	sync_say(s.to_child[1], 'm');
	ASSERT_EQ('f', sync_wait(s.to_parent[0]));
	ASSERT_EQ(0, adv_buf_free(fd, rv.addr));
	sync_say(s.to_child[1], 'f');
	status = fipc_wait_child(pid);
	ASSERT_EQ(0, status);
	munmap(win, 64 * PG);
	close(fd);
	free(ubuf);
}

/*
 * The per-user page ceiling is what bounds the pages an unprivileged user
 * can make the kernel hold (issue 4: "zero-copy pages held per user,
 * charged like RLIMIT_MEMLOCK").  Pages freed into a handle's recycling
 * pool stay allocated but are no longer charged (zerocopy.md), so a user
 * with several handles could hold its ceiling once per handle: each one
 * allocates up to the ceiling and frees into its own pool, and the next
 * starts again from zero.  What the user holds, in use and pooled, must
 * stay within its ceiling.
 */
static void pool_ceiling_child(const char *name, int nhandles, int out)
{
	struct rlimit rl = { 16 * PG, 16 * PG };
	int i, fd, err = 0;
	uint64_t a;

	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	FIPC_CHILD_CHECK(fipc_become(UNPRIV_UID + 1, UNPRIV_UID + 1) == 0);
	for (i = 0; i < nhandles; i++) {
		fd = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(adv_win(fd, 32 * PG, RW) != NULL);
		err = adv_buf_alloc(fd, 16 * PG, &a);
		if (err)
			break;
		FIPC_CHILD_CHECK(adv_buf_free(fd, a) == 0);
	}
	FIPC_CHILD_CHECK(!err || err == -ENOMEM);
	/* Handles and pools stay until the parent has counted. */
	FIPC_CHILD_CHECK(write(out, &i, sizeof(i)) == sizeof(i));
	for (;;)
		pause();
}

TEST_F(adv, pooled_pages_within_user_ceiling)
{
	const char *n = extra_name(self, "pool");
	struct fastipc_stats st;
	int fd, p[2], got = -1;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	if (!fipc_param("pool_max", 0))
		SKIP(return, "recycling is off (pool_max 0)");
	ASSERT_EQ(0, adv_param_set(&self->params[0], "user_pages_floor", 0));
	fd = fipc_open(n, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL, 0666, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, pipe(p));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		pool_ceiling_child(n, 4, p[1]);
	ASSERT_EQ(sizeof(got), read(p[0], &got, sizeof(got)));
	st = adv_stats();
	kill(pid, SIGKILL);
	fipc_wait_child(pid);
	close(p[0]);
	close(p[1]);
	EXPECT_GE(16, st.pages_held + st.pages_pooled - self->base.pages_held -
		  self->base.pages_pooled)
		TH_LOG("a user with a ceiling of 16 pages holds %llu (%llu pooled) through %d handles",
		       (unsigned long long)(st.pages_held + st.pages_pooled -
					    self->base.pages_held - self->base.pages_pooled),
		       (unsigned long long)(st.pages_pooled - self->base.pages_pooled), got);
}

/*
 * What a user's channels can make the kernel hold is their capacity
 * (max_bytes): creating a channel reserves it against the creator's
 * ceiling, max(RLIMIT_MSGQUEUE, user_queue_floor), as POSIX mq does, so
 * that copy-path messages stay bounded per user too.
 */
static void queue_ceiling_child(const char names[4][FASTIPC_NAME_LEN])
{
	struct rlimit rl = { 0, 4 << 20 };
	struct fastipc_attr half = { .max_bytes = 512 << 10 };
	struct fastipc_attr mib = { .max_bytes = 1 << 20 };
	struct fastipc_attr one = { .max_bytes = 1 };
	struct fastipc_attr a;
	int fd1, fd2, fd3, fd4;

	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MSGQUEUE, &rl) == 0);
	FIPC_CHILD_CHECK(fipc_become(UNPRIV_UID + 2, UNPRIV_UID + 2) == 0);
	fd1 = fipc_create(names[0], &half);
	FIPC_CHILD_CHECK(fd1 >= 0);
	fd2 = fipc_create(names[1], &half);
	FIPC_CHILD_CHECK(fd2 >= 0);
	/* 1 MiB reserved: not one byte more, not even through SET_ATTR. */
	a = one;
	FIPC_CHILD_CHECK(fipc_create(names[2], &a) == -ENOSPC);
	a = (struct fastipc_attr){ .max_bytes = 768 << 10 };
	FIPC_CHILD_CHECK(fipc_ioctl(fd1, FASTIPC_IOC_SET_ATTR, &a) == -ENOSPC);
	FIPC_CHILD_CHECK(adv_info(fd1).attr.max_bytes == 512 << 10);
	/* Lowering gives room back. */
	a = (struct fastipc_attr){ .max_bytes = 256 << 10 };
	FIPC_CHILD_CHECK(fipc_ioctl(fd1, FASTIPC_IOC_SET_ATTR, &a) == 0);
	a = (struct fastipc_attr){ .max_bytes = 256 << 10 };
	fd3 = fipc_create(names[2], &a);
	FIPC_CHILD_CHECK(fd3 >= 0);
	/* RLIMIT_MSGQUEUE above the floor raises the ceiling. */
	a = mib;
	FIPC_CHILD_CHECK(fipc_create(names[3], &a) == -ENOSPC);
	rl.rlim_cur = rl.rlim_max;
	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MSGQUEUE, &rl) == 0);
	a = mib;
	fd4 = fipc_create(names[3], &a);
	FIPC_CHILD_CHECK(fd4 >= 0);
	close(fd4);
	/* A channel's reservation goes when the channel does. */
	rl.rlim_cur = 0;
	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MSGQUEUE, &rl) == 0);
	FIPC_CHILD_CHECK(fipc_unlink(names[3]) == 0);	/* no handle left */
	FIPC_CHILD_CHECK(fipc_unlink(names[1]) == 0);
	a = one;
	FIPC_CHILD_CHECK(fipc_create(names[3], &a) == -ENOSPC); /* fd2 open */
	close(fd2);
	a = half;
	FIPC_CHILD_CHECK(fipc_create(names[3], &a) >= 0);
	_exit(0);	/* fd1, fd3 and the last one close */
}

TEST_F(adv, user_queue_ceiling)
{
	struct fastipc_attr big = { .max_bytes = 8 << 20 };
	char names[4][FASTIPC_NAME_LEN];
	int i, fd;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	for (i = 0; i < 4; i++)
		strcpy(names[i], extra_name(self, "qb"));
	ASSERT_EQ(0, adv_param_set(&self->params[0], "user_queue_floor", 1 << 20));
	/* CAP_SYS_RESOURCE lifts the ceiling. */
	fd = fipc_create(extra_name(self, "qbroot"), &big);
	ASSERT_LE(0, fd);
	close(fd);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		queue_ceiling_child(names);
	ASSERT_EQ(0, fipc_wait_child(pid));
}

/* One file per handle: RLIMIT_NOFILE bounds them, and nothing leaks at EMFILE. */
TEST_F(adv, handles_bounded_by_nofile)
{
	const char *n = self->name;
	struct fastipc_stats before = adv_stats();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 32, 32 };
		int fds[64], i, nr = 0, fd;

		FIPC_CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
		for (i = 0; i < 64; i++) {
			fd = fipc_open(n, FASTIPC_O_RDWR, 0, NULL);
			if (fd < 0) {
				FIPC_CHILD_CHECK(fd == -EMFILE);
				break;
			}
			fds[nr++] = fd;
		}
		FIPC_CHILD_CHECK(nr > 16 && nr < 32);
		FIPC_CHILD_CHECK(adv_info(fds[0]).handles == (uint32_t)nr + 1);
		_exit(0);	/* exit closes them all */
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(before.handles, adv_stats().handles);
	ASSERT_EQ(1, adv_info(self->fd).handles);
}

/*
 * Module-wide limits lowered at run time: new channels are checked
 * against them, existing ones keep what they have.
 */
TEST_F(adv, lowered_module_limits)
{
	struct fastipc_attr a = { .max_msgs = 8 }, b = { .max_msgs = 9 };
	struct fastipc_attr c = { .max_msgs = 4, .max_bytes = 3000 };
	const char *n1 = extra_name(self, "lim1"), *n2 = extra_name(self, "lim2");
	char data[2000] = "";
	int fd, i;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, adv_param_set(&self->params[0], "max_msgs_limit", 8));
	ASSERT_EQ(0, adv_param_set(&self->params[1], "max_bytes_limit", 3000));
	ASSERT_EQ(0, adv_param_set(&self->params[2], "max_msg_size", 1500));
	ASSERT_EQ(-EINVAL, fipc_create(n1, &b));
	/* The default max_bytes (64 MiB) is above the new limit: capped to it. */
	fd = fipc_create(n1, &a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3000, a.max_bytes);
	ASSERT_EQ(1500, a.max_msg_size);
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, data, 1501, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, data, 1500, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(fd, data, 1500, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, data, 1, 0, FASTIPC_NONBLOCK, -1));
	close(fd);
	fd = fipc_create(n2, &c);
	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, fipc_send(fd, data, 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, data, 1, 0, FASTIPC_NONBLOCK, -1));
	close(fd);
	/* The fixture's channel, made before, keeps its larger limits. */
	ASSERT_LT(8, adv_info(self->fd).attr.max_msgs);
	ASSERT_EQ(0, fipc_send(self->fd, data, 2000, 0, FASTIPC_NONBLOCK, -1));
}

/* ---- exec ------------------------------------------------------------------------------ */

#define EXEC_ENV	"FIPC_ADV_EXEC"

#define EXEC_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# after exec: %s:%d: %s (errno %d)\n",	\
			__FILE__, __LINE__, #cond, errno);		\
		_exit(1 + __LINE__ % 100);				\
	}								\
} while (0)

/*
 * The program after exec (a constructor of this same binary, before the
 * harness starts): @kept is the handle without O_CLOEXEC, @gone the one
 * with it.  Its window lived in the old address space and is gone, its
 * zero-copy calls get EPERM, plain ones work.
 */
static void exec_check(int kept, int gone, unsigned long long handles,
		       unsigned long long pages)
{
	struct fastipc_info info;
	struct fastipc_recv rv;
	static char buf[8192];
	uint64_t len, addr;

	EXEC_CHECK(fcntl(gone, F_GETFD) == -1 && errno == EBADF);
	EXEC_CHECK(fcntl(kept, F_GETFD) == 0);
	/* The O_CLOEXEC handle was released; the window's 2 pages freed. */
	EXEC_CHECK(adv_stats().handles == handles - 1);
	EXEC_CHECK(adv_stats().pages_held == pages - 2);
	EXEC_CHECK(fipc_info(kept, &info) == 0);
	EXEC_CHECK(info.window_size == 0 && info.window_pages == 0);
	EXEC_CHECK(info.queued_msgs == 1);

	/* Zero-copy: the handle is tied to the address space that is gone. */
	errno = 0;
	EXEC_CHECK(mmap(NULL, 4 * PG, RW, MAP_SHARED, kept, 0) == MAP_FAILED &&
		   errno == EPERM);
	EXEC_CHECK(adv_buf_alloc(kept, PG, &addr) == -EPERM);
	EXEC_CHECK(adv_buf_free(kept, 0x10000) == -EPERM);
	EXEC_CHECK(adv_send_buf(kept, 0x10000, 10, FASTIPC_NONBLOCK) == -EPERM);
	EXEC_CHECK(adv_recv_map(kept, NULL, 0, &rv) == -EPERM);
	EXEC_CHECK(adv_info(kept).queued_msgs == 1);
	EXEC_CHECK(adv_info(kept).sent_msgs == 1);

	/* Plain calls work. */
	len = sizeof(buf);
	EXEC_CHECK(fipc_recv(kept, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == 0);
	EXEC_CHECK(len == 5000 && fipc_check(buf, 5000, 3) == -1);
	EXEC_CHECK(fipc_send(kept, "after exec", 10, 0, 0, -1) == 0);
	len = sizeof(buf);
	EXEC_CHECK(fipc_recv(kept, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == 0);
	EXEC_CHECK(len == 10 && !memcmp(buf, "after exec", 10));
	close(kept);
	EXEC_CHECK(adv_stats().handles == handles - 2);
	_exit(0);
}

static void __attribute__((constructor(101))) exec_entry(void)
{
	const char *e = getenv(EXEC_ENV);
	unsigned long long handles, pages;
	int kept, gone;

	if (!e)
		return;
	if (sscanf(e, "%d %d %llu %llu", &kept, &gone, &handles, &pages) != 4)
		_exit(99);
	exec_check(kept, gone, handles, pages);
}

TEST_F(adv, exec_with_and_without_cloexec)
{
	char *ubuf = malloc(8192);
	pid_t pid;

	ASSERT_NE(NULL, ubuf);
	fipc_fill(ubuf, 8192, 3);
	/* A page message for the RECV_MAP that must fail after exec. */
	ASSERT_EQ(0, fipc_send(self->fd, ubuf, 5000, 0, FASTIPC_SEND_PAGES, -1));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct fastipc_stats st;
		char env[128], *envp[] = { env, NULL };
		char *argv[] = { "adversarial_test", NULL };
		int kept, gone;
		uint64_t addr;

		kept = open(FASTIPC_DEVICE, O_RDWR);	/* no O_CLOEXEC */
		FIPC_CHILD_CHECK(kept >= 0);
		FIPC_CHILD_CHECK(fipc_bind(kept, self->name, FASTIPC_O_RDWR, 0, NULL) == 0);
		FIPC_CHILD_CHECK(adv_win(kept, 16 * PG, RW) != NULL);
		FIPC_CHILD_CHECK(adv_buf_alloc(kept, 2 * PG, &addr) == 0);
		gone = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);	/* O_CLOEXEC */
		FIPC_CHILD_CHECK(gone >= 0);
		FIPC_CHILD_CHECK(fipc_stats(&st) == 0);
		snprintf(env, sizeof(env), EXEC_ENV "=%d %d %llu %llu", kept, gone,
			 (unsigned long long)st.handles,
			 (unsigned long long)st.pages_held);
		execve("/proc/self/exe", argv, envp);
		_exit(98);
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(1, adv_info(self->fd).handles);
	ASSERT_EQ(0, queued(self->fd));
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
	free(ubuf);
}

/* ---- mmap misuse ---------------------------------------------------------------------------- */

static sigjmp_buf probe_env;

static void probe_handler(int sig)
{
	siglongjmp(probe_env, sig);
}

/* 0 if a byte at @p can be read (and written, with @write), else the signal. */
static int probe(volatile char *p, bool write)
{
	struct sigaction sa = { .sa_handler = probe_handler }, o1, o2;
	int sig;

	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	sig = sigsetjmp(probe_env, 1);
	if (!sig) {
		char c = *p;

		if (write)
			*p = c;
	}
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return sig;
}

/* A window of @pages pages with two filled buffers of 2 and 3 pages. */
struct win {
	char *base;
	size_t size;
	uint64_t a, b;
};

static void win_setup(struct __test_metadata *_metadata, int fd, struct win *w,
		      size_t pages)
{
	w->size = pages * PG;
	w->base = adv_win(fd, w->size, RW);
	ASSERT_NE(NULL, w->base);
	ASSERT_EQ(0, adv_buf_alloc(fd, 2 * PG, &w->a));
	ASSERT_EQ(0, adv_buf_alloc(fd, 3 * PG, &w->b));
	fipc_fill((void *)(uintptr_t)w->a, 2 * PG, 11);
	fipc_fill((void *)(uintptr_t)w->b, 3 * PG, 12);
}

/* The window is as win_setup() left it. */
static void win_intact(struct __test_metadata *_metadata, int fd, struct win *w)
{
	ASSERT_EQ(w->size, adv_info(fd).window_size);
	ASSERT_EQ(5, adv_info(fd).window_pages);
	ASSERT_EQ(0, probe((char *)(uintptr_t)w->a, false));
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)w->a, 2 * PG, 11));
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)w->b, 3 * PG, 12));
}

TEST_F(adv, mremap_dontunmap_refused)
{
	struct win w;
	void *r;

	win_setup(_metadata, self->fd, &w, 8);
	r = mremap(w.base, w.size, w.size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	ASSERT_EQ(MAP_FAILED, r);
	win_intact(_metadata, self->fd, &w);
	munmap(w.base, w.size);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

/* Something else moved or mapped over the whole window: as munmap. */
TEST_F(adv, window_replaced_by_fixed_mapping)
{
	struct win w;
	void *other, *r;
	int how;

	for (how = 0; how < 2; how++) {
		win_setup(_metadata, self->fd, &w, 8);
		ASSERT_EQ(self->base.pages_held + 5, adv_stats().pages_held);
		if (how == 0) {
			other = mmap(NULL, w.size, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			ASSERT_NE(MAP_FAILED, other);
			memset(other, 7, w.size);
			r = mremap(other, w.size, w.size, MREMAP_MAYMOVE | MREMAP_FIXED,
				   w.base);
		} else {
			r = mmap(w.base, w.size, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0);
		}
		ASSERT_EQ((void *)w.base, r);
		/* The old window is gone with its buffers; the new memory is plain. */
		ASSERT_EQ(0, adv_info(self->fd).window_size);
		ASSERT_EQ(0, adv_info(self->fd).window_pages);
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(how ? 0 : 7, ((volatile char *)w.base)[100]);
		munmap(w.base, w.size);
	}
	/* And a new window can be mapped. */
	win_setup(_metadata, self->fd, &w, 8);
	win_intact(_metadata, self->fd, &w);
	munmap(w.base, w.size);
}

/* MAP_FIXED over a part of the window would split it: refused. */
TEST_F(adv, fixed_mapping_over_part_refused)
{
	struct win w;
	void *r;

	win_setup(_metadata, self->fd, &w, 8);
	r = mmap(w.base + 6 * PG, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	EXPECT_EQ(MAP_FAILED, r) TH_LOG("mmap MAP_FIXED over the window's tail succeeded");
	win_intact(_metadata, self->fd, &w);
	/* A range that starts before the window and ends inside it. */
	r = mmap(w.base - PG, 3 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT_EQ(MAP_FAILED, r);
	win_intact(_metadata, self->fd, &w);
	munmap(w.base, w.size);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

TEST_F(adv, mprotect_whole_and_part)
{
	struct win w;

	win_setup(_metadata, self->fd, &w, 8);
	/* A part would split the VMA: refused. */
	ASSERT_EQ(-1, mprotect(w.base, PG, PROT_READ));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, mprotect(w.base + PG, 2 * PG, PROT_NONE));
	ASSERT_EQ(0, probe((char *)(uintptr_t)w.a, true));
	/* The whole window: read-only, then none, then back. */
	ASSERT_EQ(0, mprotect(w.base, w.size, PROT_READ));
	ASSERT_EQ(0, probe((char *)(uintptr_t)w.a, false));
	ASSERT_EQ(SIGSEGV, probe((char *)(uintptr_t)w.a, true));
	ASSERT_EQ(0, mprotect(w.base, w.size, PROT_NONE));
	ASSERT_EQ(SIGSEGV, probe((char *)(uintptr_t)w.b, false));
	ASSERT_EQ(0, mprotect(w.base, w.size, RW));
	ASSERT_EQ(0, probe((char *)(uintptr_t)w.b, true));
	ASSERT_EQ(-1, mprotect(w.base, w.size, RW | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	win_intact(_metadata, self->fd, &w);
	/* A buffer allocated while read-only, then used once writable again. */
	ASSERT_EQ(0, mprotect(w.base, w.size, PROT_READ));
	uint64_t c;

	ASSERT_EQ(0, adv_buf_alloc(self->fd, PG, &c));
	ASSERT_EQ(SIGSEGV, probe((char *)(uintptr_t)c, true));
	ASSERT_EQ(0, mprotect(w.base, w.size, RW));
	ASSERT_EQ(0, probe((char *)(uintptr_t)c, true));
	ASSERT_EQ(0, adv_send_buf(self->fd, c, PG, 0));
	ASSERT_EQ(SIGBUS, probe((char *)(uintptr_t)c, false));
	munmap(w.base, w.size);
	ASSERT_EQ(self->base.pages_held + 1, adv_stats().pages_held);
}

TEST_F(adv, madvise_every_advice)
{
	static const struct { int advice; const char *name; } advs[] = {
		{ MADV_NORMAL, "NORMAL" }, { MADV_RANDOM, "RANDOM" },
		{ MADV_SEQUENTIAL, "SEQUENTIAL" }, { MADV_WILLNEED, "WILLNEED" },
		{ MADV_DONTNEED, "DONTNEED" }, { MADV_FREE, "FREE" },
		{ MADV_REMOVE, "REMOVE" }, { MADV_DONTFORK, "DONTFORK" },
		{ MADV_DOFORK, "DOFORK" }, { MADV_MERGEABLE, "MERGEABLE" },
		{ MADV_UNMERGEABLE, "UNMERGEABLE" }, { MADV_HUGEPAGE, "HUGEPAGE" },
		{ MADV_NOHUGEPAGE, "NOHUGEPAGE" }, { MADV_DONTDUMP, "DONTDUMP" },
		{ MADV_DODUMP, "DODUMP" }, { MADV_WIPEONFORK, "WIPEONFORK" },
		{ MADV_KEEPONFORK, "KEEPONFORK" }, { MADV_COLD, "COLD" },
		{ MADV_PAGEOUT, "PAGEOUT" }, { MADV_POPULATE_READ, "POPULATE_READ" },
		{ MADV_POPULATE_WRITE, "POPULATE_WRITE" },
	};
	struct win w;
	unsigned int i;
	int r;
	pid_t pid;

	win_setup(_metadata, self->fd, &w, 8);
	for (i = 0; i < sizeof(advs) / sizeof(advs[0]); i++) {
		/* The whole window, then a part (which may not split it). */
		/*
		 * Whatever the advice does (MADV_DONTNEED drops the entries:
		 * a fault maps the buffer's page again), the buffers stay.
		 */
		r = madvise(w.base, w.size, advs[i].advice);
		(void)r;
		win_intact(_metadata, self->fd, &w);
		madvise(w.base + PG, PG, advs[i].advice);
		win_intact(_metadata, self->fd, &w);
	}
	/* fadvise goes to the handle's own address_space: nothing to do. */
	for (i = 0; i <= POSIX_FADV_NOREUSE; i++)
		posix_fadvise(self->fd, 0, 0, (int)i);
	win_intact(_metadata, self->fd, &w);
	/*
	 * After all that (MADV_DOFORK included), still not inherited: the
	 * child has no mapping there, or an empty one.
	 */
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int sig = probe((char *)(uintptr_t)w.a, false);

		_exit(sig == SIGSEGV || sig == SIGBUS ? 0 : 1);
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	munmap(w.base, w.size);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

TEST_F(adv, mlock_and_populate)
{
	struct win w;
	void *p;

	win_setup(_metadata, self->fd, &w, 8);
	mlock(w.base, w.size);
	mlock(w.base + PG, PG);
	win_intact(_metadata, self->fd, &w);
	munlock(w.base, w.size);
	if (!mlockall(MCL_CURRENT))
		munlockall();
	win_intact(_metadata, self->fd, &w);
	munmap(w.base, w.size);

	/* A window mapped with MAP_POPULATE | MAP_LOCKED: nothing to fault in. */
	p = mmap(NULL, 8 * PG, RW, MAP_SHARED | MAP_POPULATE | MAP_LOCKED, self->fd, 0);
	if (p != MAP_FAILED) {
		uint64_t a;

		ASSERT_EQ(SIGBUS, probe(p, false));
		ASSERT_EQ(0, adv_buf_alloc(self->fd, PG, &a));
		ASSERT_EQ(0, probe((char *)(uintptr_t)a, true));
		munmap(p, 8 * PG);
	}
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

/*
 * /proc/self/mem goes through get_user_pages(), with FOLL_FORCE: it reads
 * a window as the process may, and it cannot write where the process may
 * not, a receive-only handle's read-only window (a shared mapping without
 * VM_MAYWRITE refuses forced writes).
 */
TEST_F(adv, proc_self_mem_respects_the_window)
{
	char buf[64], junk[64];
	struct fastipc_recv rv;
	int mem, rfd;
	struct win w;
	void *ro;

	memset(junk, 0x5a, sizeof(junk));
	win_setup(_metadata, self->fd, &w, 8);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(mem, buf, sizeof(buf), (off_t)w.a));
	ASSERT_EQ(0, memcmp(buf, (void *)(uintptr_t)w.a, sizeof(buf)));

	rfd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, rfd);
	ro = adv_win(rfd, 8 * PG, PROT_READ);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, adv_send_buf(self->fd, w.b, 3 * PG, 0));
	ASSERT_EQ(0, adv_recv_map(rfd, NULL, 0, &rv));
	ASSERT_GT(0, pwrite(mem, junk, sizeof(junk), (off_t)rv.addr));
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, 3 * PG, 12));
	ASSERT_EQ(0, adv_buf_free(rfd, rv.addr));
	close(mem);
	munmap(ro, 8 * PG);
	close(rfd);
	munmap(w.base, w.size);
}

TEST_F(adv, dup_and_second_handle_windows)
{
	int dupfd = dup(self->fd), other;
	struct win w, w2;
	void *p;

	ASSERT_LE(0, dupfd);
	win_setup(_metadata, self->fd, &w, 8);
	/* The same handle through another fd: its one window exists. */
	p = mmap(NULL, 4 * PG, RW, MAP_SHARED, dupfd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EBUSY, errno);
	/* Another handle of the same channel has its own. */
	other = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, other);
	win_setup(_metadata, other, &w2, 8);
	ASSERT_EQ(self->base.pages_held + 10, adv_stats().pages_held);
	/* A buffer of one window is no buffer of the other. */
	ASSERT_EQ(-EINVAL, adv_buf_free(self->fd, w2.a));
	ASSERT_EQ(-EINVAL, adv_send_buf(self->fd, w2.b, PG, 0));
	win_intact(_metadata, other, &w2);
	close(other);
	munmap(w2.base, w2.size);
	close(dupfd);
	win_intact(_metadata, self->fd, &w);
	munmap(w.base, w.size);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

/* One munmap over the window and its neighbours frees the window. */
TEST_F(adv, munmap_spanning_neighbours)
{
	char *region = mmap(NULL, 12 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t a;
	void *win;

	ASSERT_NE(MAP_FAILED, region);
	win = mmap(region + 2 * PG, 8 * PG, RW, MAP_SHARED | MAP_FIXED, self->fd, 0);
	ASSERT_EQ((void *)(region + 2 * PG), win);
	ASSERT_EQ(0, adv_buf_alloc(self->fd, 4 * PG, &a));
	region[0] = 1;
	region[11 * PG] = 1;
	ASSERT_EQ(0, munmap(region, 12 * PG));
	ASSERT_EQ(0, adv_info(self->fd).window_size);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

/* ---- process death ------------------------------------------------------------------------------ */

#define MSG_MAGIC	0xfa57c0deU

struct msg_hdr {
	uint32_t magic;
	uint32_t len;
	uint64_t seed;
};

/* A self-describing message of @len bytes (>= 16) in @buf. */
static void msg_make(void *buf, uint32_t len, uint64_t seed)
{
	struct msg_hdr *h = buf;

	fipc_fill((char *)buf + sizeof(*h), len - sizeof(*h), (uint32_t)seed);
	h->magic = MSG_MAGIC;
	h->len = len;
	h->seed = seed;
}

static bool msg_ok(const void *buf, uint64_t len)
{
	const struct msg_hdr *h = buf;

	return len >= sizeof(*h) && h->magic == MSG_MAGIC && h->len == len &&
	       fipc_check((const char *)buf + sizeof(*h), len - sizeof(*h),
			  (uint32_t)h->seed) == -1;
}

/* A child that runs every operation of both paths until it is killed. */
static void __attribute__((noreturn)) busy_child(const char *name, uint64_t seed, int ready)
{
	char *ubuf = malloc(32 * 1024), *rbuf = malloc(32 * 1024);
	struct fastipc_recv rv;
	uint64_t len, addr;
	int s, r, extra;
	void *rwin;

	s = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
	r = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(s >= 0 && r >= 0 && ubuf && rbuf);
	FIPC_CHILD_CHECK(adv_win(s, 32 * PG, RW) != NULL);
	rwin = adv_win(r, 32 * PG, RW);
	FIPC_CHILD_CHECK(rwin != NULL);
	sync_say(ready, 'r');
	for (uint64_t i = 0;; i++) {
		uint32_t l = 16 + adv_rand(&seed) % 20000;

		switch (adv_rand(&seed) % 9) {
		case 0:
			msg_make(ubuf, l % 3000 + 16, seed);
			fipc_send(s, ubuf, l % 3000 + 16, i % 32,
				  FASTIPC_SEND_COPY | FASTIPC_NONBLOCK, -1);
			break;
		case 1:
			msg_make(ubuf, l, seed);
			fipc_send(s, ubuf, l, i % 32, FASTIPC_SEND_PAGES | FASTIPC_NONBLOCK, -1);
			break;
		case 2:
			if (adv_buf_alloc(s, l, &addr))
				break;
			msg_make((void *)(uintptr_t)addr, l, seed);
			if (adv_send_buf(s, addr, l, FASTIPC_NONBLOCK))
				adv_buf_free(s, addr);
			break;
		case 3:
			len = 32 * 1024;
			if (!fipc_recv(r, rbuf, &len, NULL, FASTIPC_NONBLOCK, -1))
				FIPC_CHILD_CHECK(msg_ok(rbuf, len));
			break;
		case 4:
			if (adv_recv_map(r, rbuf, 32 * 1024, &rv))
				break;
			if (rv.msg_flags & FASTIPC_MSG_MAPPED) {
				FIPC_CHILD_CHECK(msg_ok((void *)(uintptr_t)rv.addr, rv.len));
				if (i & 1)
					adv_buf_free(r, rv.addr);
			} else {
				FIPC_CHILD_CHECK(msg_ok(rbuf, rv.len));
			}
			break;
		case 5:
			len = 32 * 1024;
			if (!fipc_recv(r, rbuf, &len, NULL, 0, FIPC_MS))
				FIPC_CHILD_CHECK(msg_ok(rbuf, len));
			break;
		case 6:
			munmap(rwin, 32 * PG);
			rwin = adv_win(r, 32 * PG, RW);
			FIPC_CHILD_CHECK(rwin != NULL);
			break;
		case 7:
			extra = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
			if (extra >= 0)
				close(extra);
			break;
		default:
			/* A blocking send into a possibly full channel. */
			msg_make(ubuf, 64, seed);
			fipc_send(s, ubuf, 64, 0, 0, 2 * FIPC_MS);
			break;
		}
	}
}

/* Drain @fd: every message left must be whole; returns how many. */
static int drain_checked(struct __test_metadata *_metadata, int fd)
{
	char *buf = malloc(32 * 1024);
	uint64_t len;
	int n = 0;

	for (;;) {
		len = 32 * 1024;
		int err = fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1);

		if (err == -EAGAIN)
			break;
		EXPECT_EQ(0, err) TH_LOG("drain: %s", strerror(-err));
		if (err)
			break;
		EXPECT_TRUE(msg_ok(buf, len)) TH_LOG("a torn message of %llu bytes",
						     (unsigned long long)len);
		n++;
	}
	free(buf);
	return n;
}

TEST_F_TIMEOUT(adv, sigkill_at_random_points, 90)
{
	struct fastipc_attr attr = { .max_msgs = 48 };
	const char *n = extra_name(self, "kill");
	long ms = adv_env_num("FIPC_KILL_MS", 3000, 3000);
	uint64_t seed = (uint64_t)fipc_now_ns();
	int64_t end = fipc_now_ns() + ms * FIPC_MS;
	struct fastipc_info info;
	int fd, rounds = 0, left, ready[2];
	pid_t pid;

	printf("# seed %llu (FIPC_KILL_MS=%ld)\n", (unsigned long long)seed, ms);
	fd = fipc_create(n, &attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	while (fipc_now_ns() < end) {
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			busy_child(n, seed + rounds, ready[1]);
		ASSERT_EQ('r', sync_wait(ready[0]));
		fipc_sleep_ms(adv_rand(&seed) % 25);
		kill(pid, SIGKILL);
		int status = fipc_wait_child(pid);

		ASSERT_EQ(128 + SIGKILL, status) TH_LOG("round %d: the child exited %d", rounds,
						       status);
		rounds++;
		/* Its handles and windows went with it. */
		ASSERT_EQ(1, adv_info(fd).handles);
	}
	info = adv_info(fd);
	left = drain_checked(_metadata, fd);
	ASSERT_EQ(info.queued_msgs, (uint64_t)left);
	ASSERT_EQ(info.sent_msgs, adv_info(fd).recv_msgs);
	printf("# %d rounds, %llu messages sent, %d left queued\n", rounds,
	       (unsigned long long)info.sent_msgs, left);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
}

/* Receive and drop what is queued on @fd. */
static void drain_checked_plain(struct __test_metadata *_metadata, int fd)
{
	size_t big = 64 << 20;
	char *buf = malloc(big);
	uint64_t len;

	ASSERT_NE(NULL, buf);
	for (;;) {
		len = big;
		if (fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1))
			break;
	}
	free(buf);
}

/* Killed in the middle of a large copy into pages, or of zeroing a buffer. */
TEST_F_TIMEOUT(adv, sigkill_during_large_operations, 120)
{
	size_t big = 32 << 20;
	char *ubuf = malloc(big);
	int i, ready[2];
	pid_t pid;

	ASSERT_NE(NULL, ubuf);
	memset(ubuf, 0x3c, big);
	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < 4; i++) {
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int fd = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
			uint64_t addr;

			FIPC_CHILD_CHECK(fd >= 0);
			if (i & 1)
				FIPC_CHILD_CHECK(adv_win(fd, big + PG, RW) != NULL);
			sync_say(ready[1], 'r');
			if (i & 1)
				adv_buf_alloc(fd, big, &addr);
			else
				fipc_send(fd, ubuf, big, 0, FASTIPC_SEND_PAGES, -1);
			for (;;)
				pause();
		}
		ASSERT_EQ('r', sync_wait(ready[0]));
		fipc_sleep_ms(5 + 10 * i);
		kill(pid, SIGKILL);
		ASSERT_EQ(128 + SIGKILL, fipc_wait_child(pid));
		/* Nothing, or the whole message. */
		if (queued(self->fd)) {
			char *rbuf = malloc(big);
			uint64_t len = big;

			ASSERT_NE(NULL, rbuf);
			ASSERT_EQ(0, fipc_recv(self->fd, rbuf, &len, NULL, FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(big, len);
			ASSERT_EQ(0, memcmp(rbuf, ubuf, big));
			free(rbuf);
		}
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	free(ubuf);
}

/*
 * A receiver killed in the middle of copying out a large page message,
 * with RECV or with read(2): the copy stops at a page boundary and the
 * message goes back to the queue whole, unless it was delivered before
 * the kill.  Exactly one of the two, and no page is left behind.
 */
TEST_F_TIMEOUT(adv, sigkill_during_large_receive, 120)
{
	size_t big = 32 << 20;
	char *ubuf = malloc(big), *rbuf = malloc(big);
	int i, ready[2];
	pid_t pid;

	ASSERT_NE(NULL, ubuf);
	ASSERT_NE(NULL, rbuf);
	memset(ubuf, 0x5a, big);
	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < 4; i++) {
		uint64_t recv0 = adv_info(self->fd).recv_msgs, len = big;
		struct fastipc_info info;

		ASSERT_EQ(0, fipc_send(self->fd, ubuf, big, 0,
				       FASTIPC_SEND_PAGES, -1));
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
			char *buf = malloc(big);

			FIPC_CHILD_CHECK(fd >= 0 && buf);
			sync_say(ready[1], 'r');
			if (i & 1)
				FIPC_CHILD_CHECK(read(fd, buf, big) >= 0);
			else
				fipc_recv(fd, buf, &len, NULL, 0, -1);
			for (;;)
				pause();
		}
		ASSERT_EQ('r', sync_wait(ready[0]));
		fipc_sleep_ms(2 + 5 * i);
		kill(pid, SIGKILL);
		ASSERT_EQ(128 + SIGKILL, fipc_wait_child(pid));
		info = adv_info(self->fd);
		ASSERT_EQ(1, info.queued_msgs + (info.recv_msgs - recv0))
			TH_LOG("round %d: %llu queued, %llu received", i,
			       (unsigned long long)info.queued_msgs,
			       (unsigned long long)(info.recv_msgs - recv0));
		printf("# round %d (%s): %s\n", i, i & 1 ? "read" : "RECV",
		       info.queued_msgs ? "put back" : "delivered before the kill");
		if (info.queued_msgs) {
			ASSERT_EQ(0, fipc_recv(self->fd, rbuf, &len, NULL,
					       FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(big, len);
			ASSERT_EQ(0, memcmp(rbuf, ubuf, big));
		}
		ASSERT_EQ(self->base.pages_held, adv_stats().pages_held);
		ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
	}
	close(ready[0]);
	close(ready[1]);
	free(ubuf);
	free(rbuf);
}

/*
 * A plain page-path send overwrites every byte, so it takes pages that the
 * page allocator hands out without zeroing them.  When it stops half way
 * (here its sender is killed; faultinject_test fails an allocation) those
 * pages hold whatever they held before, anybody's: they must not go to
 * the handle's recycling pool, from which BUF_ALLOC with
 * FASTIPC_BUF_NOZERO hands pages out as they are.  The handle is shared
 * with the killed child over fork, so its pool outlives the child.
 */
TEST_F_TIMEOUT(adv, aborted_send_recycles_no_stale_pages, 120)
{
	static const char marker[8] = { 'S', 'T', 'A', 'L', 'E', '!', '!', '\n' };
	size_t big = 64 << 20;
	uint64_t pooled, pooled_before, foreign, marked, addr;
	struct fastipc_stats st;
	int attempt, h, ready[2];
	int64_t t0, whole_ms, kill_ms;
	bool tested = false;
	char *src;
	void *win;
	pid_t pid;

	if (!fipc_param("pool_max", 0))
		SKIP(return, "recycling is off (pool_max 0)");
	/* How long a whole send takes here: the kills aim inside it. */
	src = calloc(1, big);
	ASSERT_NE(NULL, src);
	t0 = fipc_now_ns();
	ASSERT_EQ(0, fipc_send(self->fd, src, big, 0, FASTIPC_SEND_PAGES, -1));
	whole_ms = (fipc_now_ns() - t0) / FIPC_MS;
	free(src);
	drain_checked_plain(_metadata, self->fd);
	ASSERT_EQ(0, adv_spray_free_pages(96, marker));
	ASSERT_EQ(0, pipe(ready));
	for (attempt = 0; attempt < 8 && !tested; attempt++) {
		/* Drains pool pages in self->fd's pool: count from here. */
		pooled_before = adv_stats().pages_pooled;
		h = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
		ASSERT_LE(0, h);
		win = adv_win(h, big, RW);
		ASSERT_NE(NULL, win);
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			src = malloc(big);	/* untouched: reads as zeros */

			sync_say(ready[1], 'r');
			fipc_send(h, src, big, 0, FASTIPC_SEND_PAGES, -1);
			for (;;)
				pause();
		}
		ASSERT_EQ('r', sync_wait(ready[0]));
		/* Half way in, then earlier at each attempt. */
		kill_ms = 1 + (whole_ms >> (attempt + 1));
		fipc_sleep_ms(kill_ms);
		kill(pid, SIGKILL);
		ASSERT_EQ(128 + SIGKILL, fipc_wait_child(pid));
		st = adv_stats();
		pooled = st.pages_pooled - pooled_before;
		printf("# attempt %d: killed %lld ms into a %lld ms send: %s\n", attempt,
		       (long long)kill_ms, (long long)whole_ms,
		       queued(self->fd) ? "it had finished" : "it had not");
		if (queued(self->fd)) {
			/* It finished first: try again, earlier in the send. */
			drain_checked_plain(_metadata, self->fd);
			munmap(win, big);
			close(h);
			continue;
		}
		tested = true;
		ASSERT_EQ(self->base.pages_held, st.pages_held);
		if (!pooled) {
			/* The pool was empty: the unzeroed pages were freed. */
			munmap(win, big);
			close(h);
			continue;
		}
		ASSERT_EQ(0, adv_buf_alloc_flags(h, pooled * PG, FASTIPC_BUF_NOZERO, &addr));
		foreign = adv_foreign_bytes((void *)(uintptr_t)addr, pooled * PG, marker,
					    &marked);
		EXPECT_EQ(0, foreign)
			TH_LOG("%llu pages recycled from a send killed half way hold %llu bytes nobody here wrote (%llu words of another process's STALE!! marker); the first: %s",
			       (unsigned long long)pooled, (unsigned long long)foreign,
			       (unsigned long long)marked,
			       adv_first_foreign((void *)(uintptr_t)addr, pooled * PG));
		ASSERT_EQ(0, adv_buf_free(h, addr));
		munmap(win, big);
		close(h);
	}
	close(ready[0]);
	close(ready[1]);
	if (!tested)
		SKIP(return, "the send always finished (or never started) before the kill");
}

/* ---- module unload ----------------------------------------------------------------------------- */

static long refcnt(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/sys/module/fastipc/refcnt", "re");

	if (!f)
		return -1;
	if (fscanf(f, "%llu", &v) != 1)
		v = ~0ULL;
	fclose(f);
	return (long)v;
}

/*
 * Try to unload where it must be refused.  If the kernel lets it go
 * anyway, load it again so that the rest of the run has a module.
 */
static int try_unload(void)
{
	int err = adv_rmmod();

	if (!err)
		adv_ensure_loaded();
	return err;
}

FIXTURE(unload) {
	struct fastipc_stats base;
	bool skip;
};

FIXTURE_SETUP(unload)
{
	const char *why;

	adv_kmsg("adversarial_test", _metadata->name);
	self->skip = true;
	if (geteuid())
		SKIP(return, "needs root");
	why = adv_ko_unusable();
	if (why)
		SKIP(return, "%s", why);
	self->skip = false;
	self->base = adv_stats();
}

FIXTURE_TEARDOWN(unload)
{
	struct fastipc_stats now;

	if (self->skip)
		return;
	ASSERT_TRUE(adv_loaded());
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 3000))
		TH_LOG("after the test: " ADV_STATS_FMT, ADV_STATS_ARGS(now));
}

TEST_F(unload, refused_while_window_outlives_fd)
{
	char name[FASTIPC_NAME_LEN];
	uint64_t addr;
	long before = refcnt();
	int fd, err;
	void *win;

	if (self->skip)
		return;
	ASSERT_LE(0, before);
	fipc_name(name, "unl");
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	win = adv_win(fd, 8 * PG, RW);
	ASSERT_NE(NULL, win);
	ASSERT_EQ(0, adv_buf_alloc(fd, 2 * PG, &addr));
	fipc_fill((void *)(uintptr_t)addr, 2 * PG, 9);
	ASSERT_EQ(0, fipc_unlink(name));
	close(fd);
	/* The mapping holds the file, the file the module. */
	ASSERT_LT(before, refcnt());
	err = try_unload();
	ASSERT_TRUE(err == -EWOULDBLOCK || err == -EBUSY)
		TH_LOG("rmmod with a live window: %s", err ? strerror(-err) : "unloaded");
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)addr, 2 * PG, 9));
	ASSERT_EQ(0, munmap(win, 8 * PG));
	ASSERT_EQ(before, refcnt());
}

TEST_F(unload, refused_during_netlink_dump)
{
	static char names[60][FASTIPC_NAME_LEN];
	static uint32_t buf[1024];
	const struct nlmsghdr *nlh;
	struct adv_nlreq r;
	struct adv_nl nl;
	long before = refcnt(), len;
	int i, fd, err, entries = 0, reads = 0;
	bool done = false;

	if (self->skip)
		return;
	for (i = 0; i < 60; i++) {
		fipc_name(names[i], "unldump");
		fd = fipc_create(names[i], NULL);
		ASSERT_LE(0, fd);
		close(fd);
	}
	ASSERT_EQ(0, adv_nl_open(&nl));
	adv_nl_req(&nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP, NULL);
	ASSERT_EQ(0, adv_nl_send(&nl, &r));
	/* One part read (4 KiB at a time: many parts), the rest pending. */
	len = adv_nl_read(&nl, buf, sizeof(buf), 5000);
	ASSERT_LT(0, len);
	reads++;
	for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned long)len); nlh = NLMSG_NEXT(nlh, len))
		if (nlh->nlmsg_type == nl.family)
			entries++;
	ASSERT_LT(0, entries);
	ASSERT_GT(60, entries) TH_LOG("the dump fit in one part: nothing in flight");
	ASSERT_LT(before, refcnt()) TH_LOG("a dump in flight holds no module reference");
	err = try_unload();
	ASSERT_TRUE(err == -EWOULDBLOCK || err == -EBUSY)
		TH_LOG("rmmod during a dump: %s", err ? strerror(-err) : "unloaded");
	/* The dump goes on to its end. */
	while (!done) {
		len = adv_nl_read(&nl, buf, sizeof(buf), 5000);
		ASSERT_LT(0, len);
		reads++;
		for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned long)len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				done = true;
			else
				ASSERT_NE(NLMSG_ERROR, nlh->nlmsg_type);
			if (nlh->nlmsg_type == nl.family)
				entries++;
		}
	}
	ASSERT_LE(60, entries);
	ASSERT_LT(2, reads);
	adv_nl_close(&nl);
	ASSERT_EQ(before, refcnt());

	/* A dump abandoned half way: closing the socket ends it. */
	ASSERT_EQ(0, adv_nl_open(&nl));
	adv_nl_req(&nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP, NULL);
	ASSERT_EQ(0, adv_nl_send(&nl, &r));
	ASSERT_LT(0, adv_nl_read(&nl, buf, sizeof(buf), 5000));
	ASSERT_LT(before, refcnt());
	adv_nl_close(&nl);
	/* The socket is freed after an RCU grace period. */
	for (i = 0; i < 300 && refcnt() != before; i++)
		fipc_sleep_ms(10);
	ASSERT_EQ(before, refcnt());
	for (i = 0; i < 60; i++)
		ASSERT_EQ(0, fipc_unlink(names[i]));
}

FIPC_TEST_MAIN

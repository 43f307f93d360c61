// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: sending and receiving.
 *
 * Round trips of many sizes on the copy path, the page path and the
 * automatic choice; priorities; max_msgs/max_bytes and blocking; EMSGSIZE,
 * EFAULT, ETIMEDOUT and EINTR (and that none of them loses or duplicates a
 * message); poll and epoll; many senders and receivers (threads and
 * processes) with exactly-once delivery and per-sender FIFO order; killed
 * receivers and senders; close while a receive is blocked; blocked
 * receivers and senders served oldest first (a message a receiver cannot
 * take passed on, a big send not passed over); the counters.
 * Documentation/uapi.md is the contract these tests check.
 *
 * The VM is emulated and slow: data sizes are a few MiB at most, and no
 * test asserts how long anything takes, only lower bounds of timeouts.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "fipc_selftest.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

FIXTURE(msg) {
	char name[FASTIPC_NAME_LEN];
	int fd;
	struct fastipc_attr attr;
	char extra[8][FASTIPC_NAME_LEN];
	int nextra;
};

FIXTURE_SETUP(msg)
{
	fipc_name(self->name, "msg");
	self->fd = fipc_create(self->name, &self->attr);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(msg)
{
	int i;

	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
	for (i = 0; i < self->nextra; i++)
		fipc_unlink(self->extra[i]);
}

/* A fresh channel with the given limits (0: default); unlinked at teardown. */
static int limited(FIXTURE_DATA(msg) *self, uint32_t max_msgs,
		   uint64_t max_bytes, uint64_t max_msg_size)
{
	struct fastipc_attr attr = {
		.max_msgs = max_msgs,
		.max_bytes = max_bytes,
		.max_msg_size = max_msg_size,
	};
	char *n = self->extra[self->nextra++ % 8];

	fipc_name(n, "lim");
	return fipc_create(n, &attr);
}

static struct fastipc_info info_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

static void *bad_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Two pages: the first readable and writable, the second not accessible. */
static uint8_t *half_bad(void)
{
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + 4096, 4096, PROT_NONE)) {
		munmap(p, 8192);
		return NULL;
	}
	return p;
}

/* Wait until @pid sleeps (state S), i.e. is blocked in the call. */
static bool wait_sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 400; i++) {
		FILE *f = fopen(path, "r");
		size_t n;

		if (!f)
			return false;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S') {
			fipc_sleep_ms(50);
			return true;
		}
		fipc_sleep_ms(10);
	}
	return false;
}

/* ---- round trips on each path ------------------------------------------------ */

FIXTURE(path) {
	char name[FASTIPC_NAME_LEN];
	int fd;
	struct fastipc_attr attr;
};

FIXTURE_VARIANT(path) {
	uint32_t flags;		/* FASTIPC_SEND_COPY, _PAGES or 0 */
};

FIXTURE_VARIANT_ADD(path, copy) { .flags = FASTIPC_SEND_COPY };
FIXTURE_VARIANT_ADD(path, pages) { .flags = FASTIPC_SEND_PAGES };
FIXTURE_VARIANT_ADD(path, automatic) { .flags = 0 };

FIXTURE_SETUP(path)
{
	fipc_name(self->name, "path");
	self->fd = fipc_create(self->name, &self->attr);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(path)
{
	close(self->fd);
	fipc_unlink(self->name);
}

static const uint64_t rt_sizes[] = {
	0, 1, 4095, 4096, 4097, 64 * KiB - 1, 64 * KiB, 1 * MiB + 3,
};
#define NSIZES (sizeof(rt_sizes) / sizeof(rt_sizes[0]))

/* Does a message of @len travel in pages with these send flags? */
static bool want_pages(uint32_t flags, uint64_t len, uint64_t zc_threshold)
{
	if (!len)
		return false;
	if (flags & FASTIPC_SEND_PAGES)
		return true;
	if (flags & FASTIPC_SEND_COPY)
		return false;
	return len >= zc_threshold;
}

/* One message at a time: sent, received, every byte checked. */
TEST_F_TIMEOUT(path, round_trip_each_size, 120)
{
	uint64_t total = 0, pages = 0, len, i;
	uint8_t *tx = malloc(2 * MiB), *rx = malloc(2 * MiB);
	struct fastipc_info info;
	uint32_t prio = 0, mflags = 0;
	unsigned int k;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	for (k = 0; k < NSIZES; k++) {
		uint64_t size = rt_sizes[k];
		uint32_t seed = (uint32_t)size * 7 + k;
		int64_t bad;

		fipc_fill(tx, size, seed);
		ASSERT_EQ(0, fipc_send(self->fd, tx, size, k, variant->flags, -1))
			TH_LOG("send %llu bytes", (unsigned long long)size);
		memset(rx, 0xee, size + 64);
		len = size + 64;
		ASSERT_EQ(0, fipc_recv_full(self->fd, rx, &len, &prio, &mflags,
					    FASTIPC_NONBLOCK, -1))
			TH_LOG("recv %llu bytes", (unsigned long long)size);
		ASSERT_EQ(size, len);
		ASSERT_EQ(k, prio);
		bad = fipc_check(rx, size, seed);
		ASSERT_EQ(-1, bad) TH_LOG("size %llu: byte %lld differs",
					  (unsigned long long)size, (long long)bad);
		for (i = size; i < size + 64; i++)
			ASSERT_EQ(0xee, rx[i]) TH_LOG("size %llu: byte %llu past the end written",
						      (unsigned long long)size,
						      (unsigned long long)i);
		if (size)
			ASSERT_EQ(want_pages(variant->flags, size, self->attr.zc_threshold),
				  !!(mflags & FASTIPC_MSG_PAGES))
				TH_LOG("size %llu: msg_flags %#x", (unsigned long long)size,
				       mflags);
		ASSERT_EQ(0, mflags & FASTIPC_MSG_MAPPED);
		total += size;
		pages += want_pages(variant->flags, size, self->attr.zc_threshold);
	}
	info = info_of(self->fd);
	ASSERT_EQ(NSIZES, info.sent_msgs);
	ASSERT_EQ(NSIZES, info.recv_msgs);
	ASSERT_EQ(total, info.sent_bytes);
	ASSERT_EQ(total, info.recv_bytes);
	ASSERT_EQ(pages, info.page_msgs);
	ASSERT_EQ(2 * total, info.copied_bytes);
	ASSERT_EQ(0, info.queued_msgs);
	ASSERT_EQ(0, info.queued_bytes);
	free(tx);
	free(rx);
}

/* All sizes queued first, then received: FIFO, and no message mixes with another. */
TEST_F_TIMEOUT(path, round_trip_queued, 120)
{
	uint8_t *tx = malloc(2 * MiB), *rx = malloc(2 * MiB);
	struct fastipc_stats st0, st;
	uint64_t total = 0, len;
	unsigned int k;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	ASSERT_EQ(0, fipc_stats(&st0));
	for (k = 0; k < NSIZES; k++) {
		fipc_fill(tx, rt_sizes[k], 1000 + k);
		ASSERT_EQ(0, fipc_send(self->fd, tx, rt_sizes[k], 9,
				       variant->flags, -1));
		total += rt_sizes[k];
	}
	ASSERT_EQ(NSIZES, info_of(self->fd).queued_msgs);
	ASSERT_EQ(total, info_of(self->fd).queued_bytes);
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.bytes_queued + total, st.bytes_queued);
	if (variant->flags & FASTIPC_SEND_PAGES)	/* at least the payload's pages */
		ASSERT_LE(st0.pages_held + total / 4096, st.pages_held);

	for (k = 0; k < NSIZES; k++) {
		int64_t bad;

		len = 2 * MiB;
		ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(rt_sizes[k], len);
		bad = fipc_check(rx, len, 1000 + k);
		ASSERT_EQ(-1, bad) TH_LOG("message %u, byte %lld", k, (long long)bad);
	}
	len = 2 * MiB;
	ASSERT_EQ(-EAGAIN, fipc_recv(self->fd, rx, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.bytes_queued, st.bytes_queued);
	ASSERT_EQ(st0.pages_held, st.pages_held);
	free(tx);
	free(rx);
}

/* The automatic choice follows the channel's zc_threshold. */
TEST_F(msg, zc_threshold_chooses_path)
{
	struct fastipc_attr attr = { .zc_threshold = 10000 };
	uint8_t *buf = calloc(1, 20000);
	uint32_t mflags = 0;
	uint64_t len;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 9999, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 10000, 0, 0, -1));
	len = 20000;
	ASSERT_EQ(0, fipc_recv_full(self->fd, buf, &len, NULL, &mflags, 0, -1));
	ASSERT_EQ(9999, len);
	ASSERT_EQ(0, mflags & FASTIPC_MSG_PAGES);
	len = 20000;
	ASSERT_EQ(0, fipc_recv_full(self->fd, buf, &len, NULL, &mflags, 0, -1));
	ASSERT_EQ(10000, len);
	ASSERT_EQ(FASTIPC_MSG_PAGES, mflags & FASTIPC_MSG_PAGES);
	ASSERT_EQ(1, info_of(self->fd).page_msgs);
	free(buf);
}

/*
 * A received small message is kept for the channel's next small send: a
 * bigger message must not be squeezed into it, and no byte of an earlier
 * message may show in a later one.  Sizes grow and shrink across the
 * object sizes of the allocator; each message is sent and received alone
 * (the kept one is reused) and then two at a time (it is not).
 */
TEST_F(msg, small_messages_reused_whole)
{
	static const uint64_t sizes[] = { 64, 1, 1024, 17, 1000, 0, 200, 512,
					  513, 1023, 8, 1024, 4096, 96 };
	const size_t n = sizeof(sizes) / sizeof(sizes[0]);
	uint8_t out[4096], in[4096 + 1];
	uint64_t len;
	size_t i;

	for (i = 0; i < n; i++) {
		fipc_fill(out, sizes[i], (uint32_t)i + 1);
		ASSERT_EQ(0, fipc_send(self->fd, out, sizes[i], 0,
				       FASTIPC_SEND_COPY, -1));
		memset(in, 0xa5, sizeof(in));
		len = sizeof(in);
		ASSERT_EQ(0, fipc_recv(self->fd, in, &len, NULL, 0, -1));
		ASSERT_EQ(sizes[i], len);
		ASSERT_EQ(-1, fipc_check(in, len, (uint32_t)i + 1))
			TH_LOG("message %zu (%llu B)", i,
			       (unsigned long long)sizes[i]);
		ASSERT_EQ(0xa5, in[len]);
	}
	for (i = 0; i + 1 < n; i += 2) {
		fipc_fill(out, sizes[i], (uint32_t)i + 100);
		ASSERT_EQ(0, fipc_send(self->fd, out, sizes[i], 0, 0, -1));
		fipc_fill(out, sizes[i + 1], (uint32_t)i + 101);
		ASSERT_EQ(0, fipc_send(self->fd, out, sizes[i + 1], 0, 0, -1));
		len = sizeof(in);
		ASSERT_EQ(0, fipc_recv(self->fd, in, &len, NULL, 0, -1));
		ASSERT_EQ(sizes[i], len);
		ASSERT_EQ(-1, fipc_check(in, len, (uint32_t)i + 100));
		len = sizeof(in);
		ASSERT_EQ(0, fipc_recv(self->fd, in, &len, NULL, 0, -1));
		ASSERT_EQ(sizes[i + 1], len);
		ASSERT_EQ(-1, fipc_check(in, len, (uint32_t)i + 101));
	}
}

/* ---- priorities ---------------------------------------------------------------- */

TEST_F(msg, priority_order)
{
	struct { uint32_t prio, round; } m;
	uint64_t len;
	uint32_t prio = 0;
	int r, i, p;

	/* Three rounds of all 32 priorities, in a scrambled order. */
	for (r = 0; r < 3; r++)
		for (i = 0; i < 32; i++) {
			m.prio = (uint32_t)(i * 13 + r * 5) % 32;
			m.round = r;
			ASSERT_EQ(0, fipc_send(self->fd, &m, sizeof(m), m.prio,
					       FASTIPC_NONBLOCK, -1));
		}
	/* Highest first; FIFO within a priority. */
	for (p = FASTIPC_PRIO_MAX; p >= 0; p--)
		for (r = 0; r < 3; r++) {
			len = sizeof(m);
			ASSERT_EQ(0, fipc_recv(self->fd, &m, &len, &prio,
					       FASTIPC_NONBLOCK, -1));
			ASSERT_EQ(sizeof(m), len);
			ASSERT_EQ(p, prio);
			ASSERT_EQ(p, m.prio);
			ASSERT_EQ(r, m.round) TH_LOG("priority %d out of FIFO order", p);
			/* A later, higher message overtakes what is queued. */
			if (p == 20 && r == 1) {
				struct { uint32_t prio, round; } hi = { 25, 99 };

				ASSERT_EQ(0, fipc_send(self->fd, &hi, sizeof(hi), 25,
						       0, -1));
				len = sizeof(m);
				ASSERT_EQ(0, fipc_recv(self->fd, &m, &len, &prio,
						       FASTIPC_NONBLOCK, -1));
				ASSERT_EQ(25, prio);
				ASSERT_EQ(99, m.round);
			}
		}
	len = sizeof(m);
	ASSERT_EQ(-EAGAIN, fipc_recv(self->fd, &m, &len, NULL, FASTIPC_NONBLOCK, -1));
}

/* ---- limits and blocking ---------------------------------------------------------- */

TEST_F(msg, max_msgs_eagain)
{
	int fd = limited(self, 4, 0, 0), nb, i;
	char buf[8];
	uint64_t len;

	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, fipc_send(fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "m", 1, 31, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "", 0, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "m", 1, 0, FASTIPC_NONBLOCK, 1000 * FIPC_MS));

	/* O_NONBLOCK on the file does the same for a plain send. */
	nb = open(FASTIPC_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, nb);
	ASSERT_EQ(0, fipc_bind(nb, self->extra[self->nextra - 1], FASTIPC_O_RDWR,
			       0, NULL));
	ASSERT_EQ(-EAGAIN, fipc_send(nb, "m", 1, 0, 0, -1));
	ASSERT_EQ(4, info_of(fd).queued_msgs);
	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, fipc_recv(nb, buf, &len, NULL, 0, -1));
	}
	len = sizeof(buf);
	ASSERT_EQ(-EAGAIN, fipc_recv(nb, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, fipc_send(nb, "m", 1, 0, 0, -1));
	close(nb);

	/* fcntl(F_SETFL, O_NONBLOCK) on a handle that was opened blocking. */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	len = sizeof(buf);
	ASSERT_EQ(-EAGAIN, fipc_recv(fd, buf, &len, NULL, 0, -1));
	close(fd);
}

TEST_F(msg, max_bytes_eagain)
{
	int fd = limited(self, 0, 10000, 0);
	uint8_t *buf = calloc(1, 10000);
	uint64_t len;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, fipc_send(fd, buf, 6000, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 4001, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(fd, buf, 4000, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 1, 0, FASTIPC_SEND_PAGES |
				     FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(10000, info_of(fd).queued_bytes);
	len = 10000;
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(6000, len);
	ASSERT_EQ(0, fipc_send(fd, buf, 6000, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 1, 0, FASTIPC_NONBLOCK, -1));
	close(fd);
	free(buf);
}

/*
 * "Full" is max_msgs messages or max_bytes bytes queued
 * (Documentation/uapi.md, SEND): then even an empty message waits.
 */
TEST_F(msg, max_bytes_full_refuses_empty_message)
{
	int fd = limited(self, 0, 4096, 0);
	uint8_t *buf = calloc(1, 4096);
	uint64_t len;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	/* Below the limit an empty message is fine. */
	ASSERT_EQ(0, fipc_send(fd, buf, 0, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(fd, buf, 4096, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(4096, info_of(fd).queued_bytes);
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 0, 0, FASTIPC_NONBLOCK, -1))
		TH_LOG("an empty message entered a channel holding max_bytes bytes");
	ASSERT_EQ(2, info_of(fd).queued_msgs);
	len = 4096;
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	len = 4096;
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	close(fd);
	free(buf);
}

struct sender {
	int fd;
	const void *buf;
	uint64_t len;
	uint32_t prio;
	int64_t timeout_ns;
	int err;
	pid_t tid;
	int done;
	int64_t t_end;
};

static void *sender_fn(void *arg)
{
	struct sender *s = arg;

	__atomic_store_n(&s->tid, gettid(), __ATOMIC_SEQ_CST);
	s->err = fipc_send(s->fd, s->buf, s->len, s->prio, 0, s->timeout_ns);
	s->t_end = fipc_now_ns();
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int done(const struct sender *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_SEQ_CST);
}

TEST_F(msg, blocking_send_waits_for_room)
{
	int fd = limited(self, 2, 0, 0);
	struct sender s = { .fd = fd, .buf = "third", .len = 5,
			    .timeout_ns = -1 };
	char buf[8];
	uint64_t len;
	pthread_t t;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_send(fd, "first", 5, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, "secnd", 5, 0, 0, -1));
	ASSERT_EQ(0, pthread_create(&t, NULL, sender_fn, &s));
	fipc_sleep_ms(300);
	ASSERT_EQ(0, done(&s)) TH_LOG("send on a full channel did not wait");
	ASSERT_EQ(2, info_of(fd).queued_msgs);

	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, memcmp(buf, "first", 5));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, s.err);
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, memcmp(buf, "secnd", 5));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, memcmp(buf, "third", 5));
	close(fd);
}

TEST_F(msg, blocking_send_waits_for_bytes)
{
	int fd = limited(self, 0, 8192, 0);
	uint8_t *big = malloc(8192), *rx = malloc(8192);
	struct sender s = { .fd = fd, .len = 4096, .timeout_ns = 10000 * FIPC_MS };
	uint64_t len;
	pthread_t t;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, rx);
	fipc_fill(big, 8192, 77);
	s.buf = big;
	ASSERT_EQ(0, fipc_send(fd, big, 4096, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, big, 4000, 0, 0, -1));
	/* 8096 of 8192 bytes queued: 96 more fit, 4096 do not. */
	ASSERT_EQ(0, fipc_send(fd, big, 96, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, pthread_create(&t, NULL, sender_fn, &s));
	fipc_sleep_ms(300);
	ASSERT_EQ(0, done(&s));
	len = 8192;
	ASSERT_EQ(0, fipc_recv(fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(4096, len);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, s.err);
	ASSERT_EQ(4000 + 96 + 4096, info_of(fd).queued_bytes);
	close(fd);
	free(big);
	free(rx);
}

/* Start a sender thread and wait until it is blocked in its send. */
static bool start_blocked_sender(struct sender *s, pthread_t *t)
{
	int i;

	if (pthread_create(t, NULL, sender_fn, s))
		return false;
	for (i = 0; i < 500 && !__atomic_load_n(&s->tid, __ATOMIC_SEQ_CST); i++)
		fipc_sleep_ms(10);
	return __atomic_load_n(&s->tid, __ATOMIC_SEQ_CST) &&
	       wait_sleeping(s->tid);
}

/* Senders blocked on a full channel get room in the order they began to wait. */
TEST_F(msg, blocked_senders_served_in_order)
{
	int fd = limited(self, 1, 0, 0), i;
	struct sender s[3] = {};
	const char *m[3] = { "1", "2", "3" };
	char buf[8];
	uint64_t len;
	pthread_t t[3];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_send(fd, "0", 1, 0, 0, -1));
	for (i = 0; i < 3; i++) {
		s[i] = (struct sender){ .fd = fd, .buf = m[i], .len = 1,
					.timeout_ns = 20000 * FIPC_MS };
		ASSERT_TRUE(start_blocked_sender(&s[i], &t[i]));
	}
	for (i = 0; i < 4; i++) {
		len = sizeof(buf);
		ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, 10000 * FIPC_MS));
		ASSERT_EQ(1, len);
		ASSERT_EQ('0' + i, buf[0]) TH_LOG("message %d was %c", i, buf[0]);
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		ASSERT_EQ(0, s[i].err);
	}
	close(fd);
}

/*
 * A blocked sender whose message does not fit yet is not passed over by
 * a smaller one that blocked after it: room goes in order.
 */
TEST_F(msg, blocked_big_sender_not_passed_over)
{
	int fd = limited(self, 0, 100, 0);
	uint8_t big[90], small[10], rx[100];
	struct sender sb = { .fd = fd, .buf = big, .len = sizeof(big),
			     .timeout_ns = 20000 * FIPC_MS };
	struct sender ss = { .fd = fd, .buf = small, .len = sizeof(small),
			     .timeout_ns = 20000 * FIPC_MS };
	uint64_t len;
	pthread_t tb, ts;
	int i, got_big = 0, got_small = 0;

	ASSERT_LE(0, fd);
	memset(big, 'b', sizeof(big));
	memset(small, 's', sizeof(small));
	memset(rx, 'q', 50);
	ASSERT_EQ(0, fipc_send(fd, rx, 50, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, rx, 50, 0, 0, -1));
	ASSERT_TRUE(start_blocked_sender(&sb, &tb));
	ASSERT_TRUE(start_blocked_sender(&ss, &ts));

	/* 50 bytes free: the 10-byte message would fit, but waits its turn. */
	len = sizeof(rx);
	ASSERT_EQ(0, fipc_recv(fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(50, len);
	fipc_sleep_ms(300);
	ASSERT_EQ(0, done(&ss)) TH_LOG("the small message passed the big one");
	ASSERT_EQ(0, done(&sb));
	ASSERT_EQ(1, info_of(fd).queued_msgs);

	/* 100 bytes free: both go. */
	len = sizeof(rx);
	ASSERT_EQ(0, fipc_recv(fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(50, len);
	ASSERT_EQ(0, pthread_join(tb, NULL));
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, sb.err);
	ASSERT_EQ(0, ss.err);
	for (i = 0; i < 2; i++) {
		len = sizeof(rx);
		ASSERT_EQ(0, fipc_recv(fd, rx, &len, NULL, FASTIPC_NONBLOCK, -1));
		if (len == sizeof(big) && rx[0] == 'b')
			got_big++;
		if (len == sizeof(small) && rx[0] == 's')
			got_small++;
	}
	ASSERT_EQ(1, got_big);
	ASSERT_EQ(1, got_small);
	close(fd);
}

/* A sender that gives up at the head of the line lets the next one in. */
TEST_F(msg, blocked_sender_timing_out_lets_next_in)
{
	int fd = limited(self, 0, 100, 0);
	uint8_t big[90], small[10], rx[100];
	struct sender sb = { .fd = fd, .buf = big, .len = sizeof(big),
			     .timeout_ns = 500 * FIPC_MS };
	struct sender ss = { .fd = fd, .buf = small, .len = sizeof(small),
			     .timeout_ns = 20000 * FIPC_MS };
	uint64_t len;
	pthread_t tb, ts;

	ASSERT_LE(0, fd);
	memset(big, 'b', sizeof(big));
	memset(small, 's', sizeof(small));
	memset(rx, 'q', 60);
	ASSERT_EQ(0, fipc_send(fd, rx, 60, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, rx, 40, 0, 0, -1));
	ASSERT_TRUE(start_blocked_sender(&sb, &tb));
	ASSERT_TRUE(start_blocked_sender(&ss, &ts));
	/* 40 bytes free: not enough for the head of the line. */
	len = sizeof(rx);
	ASSERT_EQ(0, fipc_recv(fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(60, len);
	/* When the big one times out, the small one behind it gets in. */
	ASSERT_EQ(0, pthread_join(tb, NULL));
	ASSERT_EQ(-ETIMEDOUT, sb.err);
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, ss.err);
	ASSERT_EQ(2, info_of(fd).queued_msgs);
	ASSERT_EQ(50, info_of(fd).queued_bytes);
	close(fd);
}

/* ---- EMSGSIZE ------------------------------------------------------------------------ */

TEST_F(msg, emsgsize_send)
{
	int fd = limited(self, 2, 8192, 4096);
	uint8_t *buf = calloc(1, 16384);
	struct sender s = { .buf = NULL, .len = 4097, .timeout_ns = 5000 * FIPC_MS };
	pthread_t t;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, 4097, 0, 0, -1));
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, 4097, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, 4097, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, fipc_send(fd, buf, 4096, 0, 0, -1));
	/* Far over anything: EMSGSIZE, not EFAULT. */
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, 1ULL << 40, 0, 0, -1));
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, ~0ULL, 0, 0, -1));
	ASSERT_EQ(1, info_of(fd).queued_msgs);
	ASSERT_EQ(1, info_of(fd).sent_msgs);

	/* Larger than max_bytes (with a large max_msg_size): EMSGSIZE, not a wait. */
	{
		struct fastipc_attr attr = { .max_msg_size = 65536 };

		ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr));
	}
	ASSERT_EQ(-EMSGSIZE, fipc_send(fd, buf, 8193, 0, FASTIPC_NONBLOCK, -1));
	/* A blocking one too, even with the channel full. */
	ASSERT_EQ(0, fipc_send(fd, buf, 4096, 0, 0, -1));
	s.fd = fd;
	s.buf = buf;
	s.len = 8193;
	ASSERT_EQ(0, pthread_create(&t, NULL, sender_fn, &s));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EMSGSIZE, s.err);
	ASSERT_EQ(2, info_of(fd).queued_msgs);
	close(fd);
	free(buf);
}

/* A receive buffer that is too small: EMSGSIZE, the needed size, and the message stays. */
TEST_F(msg, emsgsize_recv_keeps_message)
{
	uint8_t *tx = malloc(70000), *rx = malloc(70000);
	uint32_t flags[2] = { FASTIPC_SEND_COPY, FASTIPC_SEND_PAGES };
	uint64_t len;
	uint32_t prio = 0, mflags;
	int i;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	for (i = 0; i < 2; i++) {
		uint64_t base = info_of(self->fd).recv_msgs;

		fipc_fill(tx, 70000, 5 + i);
		ASSERT_EQ(0, fipc_send(self->fd, tx, 70000, 3, flags[i], -1));
		/* Queued after it, same priority: must not come first. */
		ASSERT_EQ(0, fipc_send(self->fd, "next", 4, 3, 0, -1));

		len = 69999;
		prio = 0;
		mflags = 0xdead;
		memset(rx, 0xee, 70000);
		ASSERT_EQ(-EMSGSIZE, fipc_recv_full(self->fd, rx, &len, &prio,
						    &mflags, 0, -1));
		ASSERT_EQ(70000, len);
		/* The priority and the path are reported too, for the retry. */
		ASSERT_EQ(3, prio);
		ASSERT_EQ(i ? FASTIPC_MSG_PAGES : 0, mflags);
		ASSERT_EQ(0xee, rx[0]);
		len = 0;
		ASSERT_EQ(-EMSGSIZE, fipc_recv(self->fd, NULL, &len, NULL, 0, -1));
		ASSERT_EQ(70000, len);
		ASSERT_EQ(2, info_of(self->fd).queued_msgs);
		ASSERT_EQ(base, info_of(self->fd).recv_msgs);

		len = 70000;
		ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, &prio, 0, -1));
		ASSERT_EQ(70000, len);
		ASSERT_EQ(3, prio);
		ASSERT_EQ(-1, fipc_check(rx, 70000, 5 + i));
		len = 70000;
		ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, 0, -1));
		ASSERT_EQ(4, len);
		ASSERT_EQ(0, memcmp(rx, "next", 4));
		ASSERT_EQ(0, info_of(self->fd).queued_msgs);
		ASSERT_EQ(base + 2, info_of(self->fd).recv_msgs);
	}
	free(tx);
	free(rx);
}

/* ---- EFAULT ---------------------------------------------------------------------------- */

TEST_F(msg, efault_recv_keeps_message)
{
	uint32_t flags[2] = { FASTIPC_SEND_COPY, FASTIPC_SEND_PAGES };
	uint8_t *tx = malloc(8000), *rx = malloc(8000);
	uint8_t *bad = bad_page(), *half = half_bad();
	struct fastipc_recv *ro;
	uint64_t len;
	int i;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	ASSERT_NE(NULL, bad);
	ASSERT_NE(NULL, half);
	for (i = 0; i < 2; i++) {
		uint64_t base = info_of(self->fd).recv_msgs;

		fipc_fill(tx, 8000, 40 + i);
		ASSERT_EQ(0, fipc_send(self->fd, tx, 8000, 1, flags[i], -1));
		ASSERT_EQ(0, fipc_send(self->fd, "next", 4, 1, 0, -1));

		/* Not mapped at all. */
		len = 8000;
		ASSERT_EQ(-EFAULT, fipc_recv(self->fd, bad, &len, NULL, 0, -1));
		len = 8000;
		ASSERT_EQ(-EFAULT, fipc_recv(self->fd, NULL, &len, NULL, 0, -1));
		/* The first page can be written, the second cannot. */
		len = 8000;
		ASSERT_EQ(-EFAULT, fipc_recv(self->fd, half, &len, NULL, 0, -1));
		ASSERT_EQ(2, info_of(self->fd).queued_msgs);
		ASSERT_EQ(base, info_of(self->fd).recv_msgs);

		/* It comes next, whole. */
		len = 8000;
		memset(rx, 0, 8000);
		ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, 0, -1));
		ASSERT_EQ(8000, len);
		ASSERT_EQ(-1, fipc_check(rx, 8000, 40 + i));
		len = 8000;
		ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, 0, -1));
		ASSERT_EQ(4, len);
		ASSERT_EQ(0, memcmp(rx, "next", 4));
		ASSERT_EQ(0, info_of(self->fd).queued_msgs);
		ASSERT_EQ(base + 2, info_of(self->fd).recv_msgs);
	}

	/* The result cannot be written back: the message is not lost either. */
	ASSERT_EQ(0, fipc_send(self->fd, "hello", 5, 0, 0, -1));
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->buf = (uintptr_t)rx;
	ro->len = 8000;
	ro->timeout_ns = -1;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, ro));
	ASSERT_EQ(1, info_of(self->fd).queued_msgs);
	ASSERT_EQ(4, info_of(self->fd).recv_msgs);
	len = 8000;
	ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, memcmp(rx, "hello", 5));

	munmap(ro, 4096);
	munmap(bad, 4096);
	munmap(half, 8192);
	free(tx);
	free(rx);
}

TEST_F(msg, efault_send_queues_nothing)
{
	uint32_t flags[3] = { FASTIPC_SEND_COPY, FASTIPC_SEND_PAGES, 0 };
	uint8_t *bad = bad_page(), *half = half_bad();
	int fd = limited(self, 1, 0, 0);
	struct fastipc_stats st0, st;
	char buf[8];
	uint64_t len;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, bad);
	ASSERT_NE(NULL, half);
	ASSERT_EQ(0, fipc_stats(&st0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(-EFAULT, fipc_send(fd, bad, 100, 0, flags[i], -1));
		ASSERT_EQ(-EFAULT, fipc_send(fd, NULL, 100, 0, flags[i], -1));
		ASSERT_EQ(-EFAULT, fipc_send(fd, half, 8192, 0, flags[i], -1));
		ASSERT_EQ(-EFAULT, fipc_send(fd, half + 4000, 100, 0, flags[i], -1));
		/* Large enough for the automatic choice to take pages. */
		ASSERT_EQ(-EFAULT, fipc_send(fd, bad, 256 * KiB, 0, flags[i], -1));
	}
	ASSERT_EQ(0, info_of(fd).queued_msgs);
	ASSERT_EQ(0, info_of(fd).sent_msgs);
	ASSERT_EQ(0, info_of(fd).queued_bytes);
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.pages_held, st.pages_held);
	ASSERT_EQ(st0.bytes_queued, st.bytes_queued);
	/* No room was left reserved: max_msgs is 1 and a send fits. */
	ASSERT_EQ(0, fipc_send(fd, "ok", 2, 0, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(2, len);
	close(fd);
	munmap(bad, 4096);
	munmap(half, 8192);
}

/* ---- timeouts ---------------------------------------------------------------------------- */

TEST_F(msg, timeouts)
{
	int fd = limited(self, 1, 0, 0);
	char buf[8];
	uint64_t len;
	int64_t t0, el;

	ASSERT_LE(0, fd);
	/* Receive on an empty channel. */
	t0 = fipc_now_ns();
	len = sizeof(buf);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(fd, buf, &len, NULL, 0, 200 * FIPC_MS));
	el = fipc_now_ns() - t0;
	ASSERT_LE(200 * FIPC_MS, el) TH_LOG("returned after %lld ns", (long long)el);
	/* Zero: do not wait. */
	len = sizeof(buf);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(fd, buf, &len, NULL, 0, 0));

	/* Send on a full channel. */
	ASSERT_EQ(0, fipc_send(fd, "full", 4, 0, 0, -1));
	t0 = fipc_now_ns();
	ASSERT_EQ(-ETIMEDOUT, fipc_send(fd, "late", 4, 0, 0, 200 * FIPC_MS));
	el = fipc_now_ns() - t0;
	ASSERT_LE(200 * FIPC_MS, el) TH_LOG("returned after %lld ns", (long long)el);
	ASSERT_EQ(-ETIMEDOUT, fipc_send(fd, "late", 4, 0, 0, 0));
	ASSERT_EQ(1, info_of(fd).queued_msgs);
	ASSERT_EQ(1, info_of(fd).sent_msgs);
	/* NONBLOCK wins over a timeout. */
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "late", 4, 0, FASTIPC_NONBLOCK, 200 * FIPC_MS));

	/* A timed receive that is served in time returns the message. */
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, 200 * FIPC_MS));
	ASSERT_EQ(0, memcmp(buf, "full", 4));
	close(fd);
}

struct delayed {
	int fd;
	unsigned int delay_ms;
	const char *text;
};

static void *delayed_send_fn(void *arg)
{
	struct delayed *d = arg;

	fipc_sleep_ms(d->delay_ms);
	fipc_send(d->fd, d->text, strlen(d->text), 0, 0, -1);
	return NULL;
}

TEST_F(msg, timed_recv_served_before_timeout)
{
	struct delayed d = { .fd = self->fd, .delay_ms = 200, .text = "wake" };
	char buf[8];
	uint64_t len = sizeof(buf);
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_send_fn, &d));
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, 0, 20000 * FIPC_MS));
	ASSERT_EQ(4, len);
	ASSERT_EQ(0, memcmp(buf, "wake", 4));
	ASSERT_EQ(0, pthread_join(t, NULL));
}

/* ---- signals --------------------------------------------------------------------------- */

static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
}

struct signaller {
	pthread_t target;
	unsigned int first_ms, every_ms;
	int stop;
};

static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;

	fipc_sleep_ms(s->first_ms);
	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		pthread_kill(s->target, SIGUSR1);
		fipc_sleep_ms(s->every_ms);
	}
	return NULL;
}

TEST_F(msg, eintr_blocked_recv)
{
	struct signaller sg = { .target = pthread_self(), .first_ms = 200,
				.every_ms = 100 };
	char buf[8];
	uint64_t len = sizeof(buf);
	pthread_t t;
	int64_t t0;
	int err;

	install_handler();
	ASSERT_EQ(0, pthread_create(&t, NULL, signaller_fn, &sg));
	t0 = fipc_now_ns();
	err = fipc_recv(self->fd, buf, &len, NULL, 0, -1);
	__atomic_store_n(&sg.stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EINTR, err);
	ASSERT_LE(150 * FIPC_MS, fipc_now_ns() - t0);
	ASSERT_LE(1, signals_seen);
	ASSERT_EQ(0, info_of(self->fd).recv_msgs);

	/* Nothing was lost or left behind: the next message arrives normally. */
	ASSERT_EQ(0, fipc_send(self->fd, "after", 5, 0, 0, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, 0, 5000 * FIPC_MS));
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, memcmp(buf, "after", 5));
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
}

TEST_F(msg, eintr_blocked_send)
{
	struct signaller sg = { .target = pthread_self(), .first_ms = 200,
				.every_ms = 100 };
	int fd = limited(self, 1, 0, 0), err;
	char buf[8];
	uint64_t len;
	pthread_t t;

	ASSERT_LE(0, fd);
	install_handler();
	ASSERT_EQ(0, fipc_send(fd, "first", 5, 0, 0, -1));
	ASSERT_EQ(0, pthread_create(&t, NULL, signaller_fn, &sg));
	err = fipc_send(fd, "blocked", 7, 0, 0, -1);
	__atomic_store_n(&sg.stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EINTR, err);
	/* Nothing was queued, and no room stays reserved. */
	ASSERT_EQ(1, info_of(fd).queued_msgs);
	ASSERT_EQ(1, info_of(fd).sent_msgs);
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, memcmp(buf, "first", 5));
	ASSERT_EQ(0, fipc_send(fd, "again", 5, 0, FASTIPC_NONBLOCK, -1));
	close(fd);
}

struct seq_sender {
	int fd;
	unsigned int count;
	int err;
};

static void *seq_sender_fn(void *arg)
{
	struct seq_sender *s = arg;
	unsigned int i;

	for (i = 0; i < s->count && !s->err; i++) {
		s->err = fipc_send(s->fd, &i, sizeof(i), 0, 0, 20000 * FIPC_MS);
		if (s->err == -EINTR) {		/* not ours to test here */
			s->err = 0;
			i--;
			continue;
		}
		if (i % 4 == 0)
			fipc_sleep_ms(1);
	}
	return NULL;
}

/* Signals arrive all the time while messages do: none is lost or duplicated. */
TEST_F_TIMEOUT(msg, eintr_storm_loses_nothing, 90)
{
	struct signaller sg = { .target = pthread_self(), .first_ms = 0,
				.every_ms = 1 };
	struct seq_sender ss = { .fd = self->fd, .count = 400 };
	unsigned int got = 0, v, eintr = 0;
	pthread_t ts, tg;
	uint64_t len;
	int err;

	install_handler();
	ASSERT_EQ(0, pthread_create(&tg, NULL, signaller_fn, &sg));
	ASSERT_EQ(0, pthread_create(&ts, NULL, seq_sender_fn, &ss));
	while (got < ss.count) {
		len = sizeof(v);
		err = fipc_recv(self->fd, &v, &len, NULL, 0, 10000 * FIPC_MS);
		if (err == -EINTR) {
			eintr++;
			continue;
		}
		if (err)
			break;
		if (v != got)
			break;
		got++;
	}
	__atomic_store_n(&sg.stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, pthread_join(tg, NULL));
	ASSERT_EQ(0, err) TH_LOG("after %u messages: %s", got, strerror(-err));
	ASSERT_EQ(ss.count, got) TH_LOG("message %u came as %u", got, v);
	ASSERT_EQ(0, ss.err);
	len = sizeof(v);
	ASSERT_EQ(-EAGAIN, fipc_recv(self->fd, &v, &len, NULL, FASTIPC_NONBLOCK, -1));
	TH_LOG("%u receives interrupted", eintr);
}

/* ---- poll and epoll --------------------------------------------------------------------- */

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM |
					       POLLWRNORM };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F(msg, poll_readiness)
{
	int fd = limited(self, 2, 0, 0), rfd, sfd;
	const char *n = self->extra[self->nextra - 1];
	char buf[8];
	uint64_t len;

	ASSERT_LE(0, fd);
	rfd = fipc_open(n, FASTIPC_O_RECV, 0, NULL);
	sfd = fipc_open(n, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, rfd);
	ASSERT_LE(0, sfd);

	/* Empty: room, nothing to read. */
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(fd));
	ASSERT_EQ(0, revents(rfd));
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(sfd));

	ASSERT_EQ(0, fipc_send(sfd, "a", 1, 0, 0, -1));
	ASSERT_EQ(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM, revents(fd));
	ASSERT_EQ(POLLIN | POLLRDNORM, revents(rfd));
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(sfd));

	/* Full. */
	ASSERT_EQ(0, fipc_send(sfd, "b", 1, 0, 0, -1));
	ASSERT_EQ(POLLIN | POLLRDNORM, revents(fd));
	ASSERT_EQ(POLLIN | POLLRDNORM, revents(rfd));
	ASSERT_EQ(0, revents(sfd));

	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(rfd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(sfd));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(rfd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, revents(rfd));
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(fd));
	close(rfd);
	close(sfd);
	close(fd);
}

/* A channel with max_bytes queued has no room (Documentation/uapi.md, poll). */
TEST_F(msg, poll_max_bytes_full)
{
	int fd = limited(self, 0, 4096, 0);
	uint8_t *buf = calloc(1, 4096);
	uint64_t len;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, fipc_send(fd, buf, 4000, 0, 0, -1));
	/* 96 bytes left: "room for one more message, whatever its size". */
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(fd) & (POLLOUT | POLLWRNORM));
	ASSERT_EQ(0, fipc_send(fd, buf, 96, 0, 0, -1));
	ASSERT_EQ(4096, info_of(fd).queued_bytes);
	ASSERT_EQ(-EAGAIN, fipc_send(fd, buf, 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, revents(fd) & (POLLOUT | POLLWRNORM))
		TH_LOG("EPOLLOUT with max_bytes bytes queued: a level-triggered sender would spin on EAGAIN");
	len = 4096;
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(POLLOUT | POLLWRNORM, revents(fd) & (POLLOUT | POLLWRNORM));
	close(fd);
	free(buf);
}

struct delayed_recv {
	int fd;
	unsigned int delay_ms;
};

static void *delayed_recv_fn(void *arg)
{
	struct delayed_recv *d = arg;
	char buf[64];
	uint64_t len = sizeof(buf);

	fipc_sleep_ms(d->delay_ms);
	fipc_recv(d->fd, buf, &len, NULL, 0, -1);
	return NULL;
}

TEST_F(msg, epoll_wakeups)
{
	int fd = limited(self, 1, 0, 0), rfd, sfd, ep;
	const char *n = self->extra[self->nextra - 1];
	struct epoll_event ev, out[4];
	struct delayed d;
	struct delayed_recv dr;
	pthread_t t;
	int64_t t0;

	ASSERT_LE(0, fd);
	rfd = fipc_open(n, FASTIPC_O_RECV, 0, NULL);
	sfd = fipc_open(n, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, rfd);
	ASSERT_LE(0, sfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);

	/* A receive-only handle: EPOLLIN when a message arrives, never EPOLLOUT. */
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = 1;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, out, 4, 0));
	d.fd = fd;
	d.delay_ms = 200;
	d.text = "ping";
	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_send_fn, &d));
	t0 = fipc_now_ns();
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 20000));
	ASSERT_LE(100 * FIPC_MS, fipc_now_ns() - t0);
	ASSERT_EQ(1, out[0].data.u32);
	ASSERT_EQ(EPOLLIN, out[0].events & (EPOLLIN | EPOLLOUT));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_DEL, rfd, NULL));

	/* A send-only handle on a full channel: EPOLLOUT once it drains. */
	ev.events = EPOLLOUT;
	ev.data.u32 = 2;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, out, 4, 0));
	dr.fd = rfd;
	dr.delay_ms = 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_recv_fn, &dr));
	t0 = fipc_now_ns();
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 20000));
	ASSERT_LE(100 * FIPC_MS, fipc_now_ns() - t0);
	ASSERT_EQ(2, out[0].data.u32);
	ASSERT_EQ(EPOLLOUT, out[0].events & (EPOLLIN | EPOLLOUT));
	ASSERT_EQ(0, pthread_join(t, NULL));

	/* Blocking poll() is woken too. */
	{
		struct pollfd p = { .fd = rfd, .events = POLLIN };

		d.fd = sfd;
		d.delay_ms = 200;
		d.text = "pong";
		ASSERT_EQ(0, pthread_create(&t, NULL, delayed_send_fn, &d));
		ASSERT_EQ(1, poll(&p, 1, 20000));
		ASSERT_EQ(POLLIN, p.revents & (POLLIN | POLLOUT));
		ASSERT_EQ(0, pthread_join(t, NULL));
	}
	close(ep);
	close(rfd);
	close(sfd);
	close(fd);
}

/* ---- many senders and receivers ------------------------------------------------------- */

#define TM_MAGIC	0x46495043U	/* "FIPC" */
#define TM_STOP		0x53544f50U	/* "STOP" */
#define TM_MAXLEN	(70 * 1024)

struct tmsg {
	uint32_t magic;
	uint16_t sender;
	uint16_t prio;
	uint32_t seq;
	uint32_t len;
};

/* Length and priority of message @seq of @sender: mostly small, some on the page path. */
static uint32_t tm_len(unsigned int sender, unsigned int seq)
{
	if (seq % 97 == 13)
		return 66 * 1024 + sender;
	return sizeof(struct tmsg) + (seq * 37 + sender * 11) % 300;
}

static uint32_t tm_prio(unsigned int sender, unsigned int seq)
{
	return 1 + (seq * 7 + sender * 3) % FASTIPC_PRIO_MAX;	/* 1..31 */
}

static uint32_t tm_seed(unsigned int sender, unsigned int seq)
{
	return sender << 20 | seq;
}

static int tm_send(int fd, uint8_t *buf, unsigned int sender, unsigned int seq)
{
	struct tmsg h = {
		.magic = TM_MAGIC, .sender = sender,
		.prio = tm_prio(sender, seq), .seq = seq,
		.len = tm_len(sender, seq),
	};

	fipc_fill(buf, h.len, tm_seed(sender, seq));
	memcpy(buf, &h, sizeof(h));
	return fipc_send(fd, buf, h.len, h.prio, 0, 30000 * FIPC_MS);
}

static int tm_send_stop(int fd)
{
	struct tmsg h = { .magic = TM_STOP };

	return fipc_send(fd, &h, sizeof(h), 0, 0, 30000 * FIPC_MS);
}

#define MAX_SENDERS	8
#define MAX_SEQ		4096

/* Shared between the receivers (threads, or processes through MAP_SHARED). */
struct tally {
	uint8_t count[MAX_SENDERS][MAX_SEQ];
	int errors;
	char why[256];
};

static void tally_error(struct tally *t, const char *fmt, unsigned int a,
			unsigned int b, unsigned int c)
{
	if (__atomic_fetch_add(&t->errors, 1, __ATOMIC_SEQ_CST) == 0)
		snprintf(t->why, sizeof(t->why), fmt, a, b, c);
}

/*
 * Receive until a STOP message: check each message whole, count it, and
 * check that from one sender at one priority sequence numbers only grow.
 */
static void tm_receive(int fd, struct tally *t, unsigned int nsenders)
{
	int32_t last[MAX_SENDERS][FASTIPC_PRIO_MAX + 1];
	uint8_t *buf = malloc(TM_MAXLEN);
	struct tmsg h;
	uint64_t len;
	uint32_t prio = 0;
	int err;

	memset(last, 0xff, sizeof(last));
	if (!buf) {
		tally_error(t, "malloc %u %u %u", 0, 0, 0);
		return;
	}
	for (;;) {
		len = TM_MAXLEN;
		err = fipc_recv(fd, buf, &len, &prio, 0, 30000 * FIPC_MS);
		if (err) {
			tally_error(t, "receive failed: errno %u %u %u", -err, 0, 0);
			break;
		}
		if (len < sizeof(h)) {
			tally_error(t, "short message %u %u %u", (unsigned int)len, 0, 0);
			break;
		}
		memcpy(&h, buf, sizeof(h));
		if (h.magic == TM_STOP)
			break;
		if (h.magic != TM_MAGIC || h.sender >= nsenders || h.seq >= MAX_SEQ ||
		    h.len != len || h.prio != prio ||
		    h.len != tm_len(h.sender, h.seq) ||
		    h.prio != tm_prio(h.sender, h.seq)) {
			tally_error(t, "bad header: sender %u seq %u len %u",
				    h.sender, h.seq, (unsigned int)len);
			continue;
		}
		/* Every byte after the header. */
		{
			uint8_t *p = buf;
			uint64_t i;

			for (i = sizeof(h); i < len; i++)
				if (p[i] != fipc_pat(tm_seed(h.sender, h.seq), i)) {
					tally_error(t, "sender %u seq %u: byte %u differs",
						    h.sender, h.seq, (unsigned int)i);
					break;
				}
		}
		if ((int32_t)h.seq <= last[h.sender][prio])
			tally_error(t, "sender %u prio %u: seq %u out of order",
				    h.sender, prio, h.seq);
		last[h.sender][prio] = h.seq;
		__atomic_fetch_add(&t->count[h.sender][h.seq], 1, __ATOMIC_SEQ_CST);
	}
	free(buf);
}

struct worker {
	const char *name;	/* channel */
	int fd;
	unsigned int id, count, nsenders;
	struct tally *t;
	int err;
};

static void *send_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *buf = malloc(TM_MAXLEN);
	unsigned int i;

	if (!buf) {
		w->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < w->count && !w->err; i++)
		w->err = tm_send(w->fd, buf, w->id, i);
	free(buf);
	return NULL;
}

static void *recv_worker(void *arg)
{
	struct worker *w = arg;

	tm_receive(w->fd, w->t, w->nsenders);
	return NULL;
}

static void tally_check(struct __test_metadata *_metadata, struct tally *t,
			unsigned int nsenders, unsigned int count)
{
	unsigned int s, i, missing = 0, dup = 0;

	for (s = 0; s < nsenders; s++)
		for (i = 0; i < count; i++) {
			if (t->count[s][i] == 0)
				missing++;
			else if (t->count[s][i] > 1)
				dup++;
		}
	ASSERT_EQ(0, t->errors) TH_LOG("%s", t->why);
	ASSERT_EQ(0, missing) TH_LOG("%u messages never arrived", missing);
	ASSERT_EQ(0, dup) TH_LOG("%u messages arrived twice", dup);
}

TEST_F_TIMEOUT(msg, many_threads_exactly_once, 240)
{
	enum { NS = 4, NR = 3, COUNT = 1500 };
	struct worker snd[NS], rcv[NR];
	pthread_t ts[NS], tr[NR];
	struct tally *t = calloc(1, sizeof(*t));
	struct fastipc_info info;
	unsigned int i;

	ASSERT_NE(NULL, t);
	for (i = 0; i < NR; i++) {
		rcv[i] = (struct worker){ .id = i, .nsenders = NS, .t = t };
		rcv[i].fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
		ASSERT_LE(0, rcv[i].fd);
		ASSERT_EQ(0, pthread_create(&tr[i], NULL, recv_worker, &rcv[i]));
	}
	for (i = 0; i < NS; i++) {
		snd[i] = (struct worker){ .id = i, .count = COUNT, .t = t };
		snd[i].fd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
		ASSERT_LE(0, snd[i].fd);
		ASSERT_EQ(0, pthread_create(&ts[i], NULL, send_worker, &snd[i]));
	}
	for (i = 0; i < NS; i++) {
		ASSERT_EQ(0, pthread_join(ts[i], NULL));
		ASSERT_EQ(0, snd[i].err) TH_LOG("sender %u: %s", i, strerror(-snd[i].err));
	}
	/* Priority 0, below every data message: each receiver stops after the data. */
	for (i = 0; i < NR; i++)
		ASSERT_EQ(0, tm_send_stop(self->fd));
	for (i = 0; i < NR; i++)
		ASSERT_EQ(0, pthread_join(tr[i], NULL));
	tally_check(_metadata, t, NS, COUNT);
	info = info_of(self->fd);
	ASSERT_EQ(NS * COUNT + NR, info.sent_msgs);
	ASSERT_EQ(NS * COUNT + NR, info.recv_msgs);
	ASSERT_EQ(0, info.queued_msgs);
	ASSERT_EQ(info.sent_bytes, info.recv_bytes);
	for (i = 0; i < NS; i++)
		close(snd[i].fd);
	for (i = 0; i < NR; i++)
		close(rcv[i].fd);
	free(t);
}

TEST_F_TIMEOUT(msg, many_processes_exactly_once, 240)
{
	enum { NS = 3, NR = 3, COUNT = 1000 };
	struct tally *t;
	pid_t pids[NS + NR];
	struct fastipc_info info;
	unsigned int i;
	int status;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	fflush(NULL);
	for (i = 0; i < NS + NR; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			/* Each process opens its own handle by name. */
			bool sender = i < NS;
			int fd = fipc_open(self->name, sender ? FASTIPC_O_SEND :
					   FASTIPC_O_RECV, 0, NULL);

			FIPC_CHILD_CHECK(fd >= 0);
			if (sender) {
				struct worker w = { .fd = fd, .id = i, .count = COUNT };

				send_worker(&w);
				FIPC_CHILD_CHECK(w.err == 0);
			} else {
				tm_receive(fd, t, NS);
			}
			close(fd);
			_exit(0);
		}
	}
	for (i = 0; i < NS; i++) {
		status = fipc_wait_child(pids[i]);
		ASSERT_EQ(0, status) TH_LOG("sender %u", i);
	}
	for (i = 0; i < NR; i++)
		ASSERT_EQ(0, tm_send_stop(self->fd));
	for (i = NS; i < NS + NR; i++) {
		status = fipc_wait_child(pids[i]);
		ASSERT_EQ(0, status) TH_LOG("receiver %u", i);
	}
	tally_check(_metadata, t, NS, COUNT);
	info = info_of(self->fd);
	ASSERT_EQ(NS * COUNT + NR, info.recv_msgs);
	ASSERT_EQ(0, info.queued_msgs);
	ASSERT_EQ(1, info.handles);
	munmap(t, sizeof(*t));
}

/* ---- processes that die ------------------------------------------------------------------ */

TEST_F(msg, receiver_killed_while_blocked)
{
	int pipefd[2], status;
	char buf[16], c;
	uint64_t len;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(write(pipefd[1], "r", 1) == 1);
		len = sizeof(buf);
		fipc_recv(fd, buf, &len, NULL, 0, -1);
		_exit(3);	/* must not get here */
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_TRUE(wait_sleeping(pid));
	ASSERT_EQ(2, info_of(self->fd).handles);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = fipc_wait_child(pid);
	ASSERT_EQ(128 + SIGKILL, status);
	ASSERT_EQ(1, info_of(self->fd).handles);

	/* The dead receiver took nothing: a message sent now is ours. */
	ASSERT_EQ(0, fipc_send(self->fd, "survivor", 8, 0, 0, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, 0, 5000 * FIPC_MS));
	ASSERT_EQ(8, len);
	ASSERT_EQ(0, memcmp(buf, "survivor", 8));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(msg, sender_killed_messages_remain)
{
	int fd = limited(self, 3, 0, 0), pipefd[2], i;
	const char *n = self->extra[self->nextra - 1];
	char buf[16], c;
	uint64_t len;
	uint32_t prio = 0;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int sfd = fipc_open(n, FASTIPC_O_SEND, 0, NULL);
		char m[8];

		FIPC_CHILD_CHECK(sfd >= 0);
		for (i = 0; i < 3; i++) {
			snprintf(m, sizeof(m), "msg%d", i);
			FIPC_CHILD_CHECK(fipc_send(sfd, m, 4, 5, 0, -1) == 0);
		}
		FIPC_CHILD_CHECK(write(pipefd[1], "s", 1) == 1);
		/* The channel is full: this one blocks until the kill. */
		fipc_send(sfd, "msg3", 4, 5, 0, -1);
		_exit(3);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_TRUE(wait_sleeping(pid));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, fipc_wait_child(pid));

	for (i = 0; i < 3; i++) {
		char want[8];

		snprintf(want, sizeof(want), "msg%d", i);
		len = sizeof(buf);
		ASSERT_EQ(0, fipc_recv(fd, buf, &len, &prio, FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(4, len);
		ASSERT_EQ(5, prio);
		ASSERT_EQ(0, memcmp(buf, want, 4));
	}
	len = sizeof(buf);
	ASSERT_EQ(-EAGAIN, fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	/* The killed, blocked send left no room reserved. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_send(fd, "x", 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "x", 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(1, info_of(fd).handles);
	close(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

struct receiver {
	int fd;
	uint64_t size;		/* of buf to offer; 0: all of it */
	char buf[16];
	uint64_t len;
	int err;
	pid_t tid;
	int done;
};

static void *receiver_fn(void *arg)
{
	struct receiver *r = arg;

	r->len = r->size ? r->size : sizeof(r->buf);
	__atomic_store_n(&r->tid, gettid(), __ATOMIC_SEQ_CST);
	r->err = fipc_recv(r->fd, r->buf, &r->len, NULL, 0, -1);
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start a receiver thread and wait until it is blocked in its receive. */
static bool start_blocked_receiver(struct receiver *r, pthread_t *t)
{
	int i;

	if (pthread_create(t, NULL, receiver_fn, r))
		return false;
	for (i = 0; i < 500 && !__atomic_load_n(&r->tid, __ATOMIC_SEQ_CST); i++)
		fipc_sleep_ms(10);
	return __atomic_load_n(&r->tid, __ATOMIC_SEQ_CST) &&
	       wait_sleeping(r->tid);
}

/* Join @t if it ends within 10 s: a receiver that got nothing never does. */
static bool joined(pthread_t t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* Receivers blocked on an empty channel are served oldest first. */
TEST_F(msg, blocked_receivers_served_in_order)
{
	struct receiver r[3] = {};
	pthread_t t[3];
	char m[2] = "0";
	int i;

	for (i = 0; i < 3; i++) {
		r[i].fd = self->fd;
		ASSERT_TRUE(start_blocked_receiver(&r[i], &t[i]));
	}
	for (i = 0; i < 3; i++) {
		m[0] = (char)('0' + i);
		ASSERT_EQ(0, fipc_send(self->fd, m, 1, 0, 0, -1));
		ASSERT_TRUE(joined(t[i])) TH_LOG("receiver %d got nothing", i);
		ASSERT_EQ(0, r[i].err) TH_LOG("receiver %d: %s", i, strerror(-r[i].err));
		ASSERT_EQ(1, r[i].len);
		ASSERT_EQ('0' + i, r[i].buf[0]) TH_LOG("receiver %d got message %c", i, r[i].buf[0]);
	}
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
	ASSERT_EQ(3, info_of(self->fd).recv_msgs);
}

/*
 * A message handed to a blocked receiver whose buffer is too small goes
 * on to the next blocked receiver; the first one learns its size.
 */
TEST_F(msg, handed_message_too_big_goes_to_next_receiver)
{
	struct receiver small = { .fd = self->fd, .size = 4 };
	struct receiver big = { .fd = self->fd };
	pthread_t ts, tb;

	ASSERT_TRUE(start_blocked_receiver(&small, &ts));
	ASSERT_TRUE(start_blocked_receiver(&big, &tb));
	ASSERT_EQ(0, fipc_send(self->fd, "0123456789", 10, 0, 0, -1));
	ASSERT_TRUE(joined(ts)) TH_LOG("the first receiver got nothing");
	ASSERT_TRUE(joined(tb)) TH_LOG("the second receiver got nothing");
	ASSERT_EQ(-EMSGSIZE, small.err);
	ASSERT_EQ(10, small.len);
	ASSERT_EQ(0, big.err) TH_LOG("receive: %s", strerror(-big.err));
	ASSERT_EQ(10, big.len);
	ASSERT_EQ(0, memcmp(big.buf, "0123456789", 10));
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
	ASSERT_EQ(1, info_of(self->fd).recv_msgs);
}

/* close() while another thread is blocked in a receive on the same handle. */
TEST_F(msg, close_while_blocked_in_recv)
{
	struct receiver r = {};
	pthread_t t;

	r.fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver_fn, &r));
	fipc_sleep_ms(300);
	ASSERT_EQ(0, __atomic_load_n(&r.done, __ATOMIC_SEQ_CST));
	ASSERT_EQ(2, info_of(self->fd).handles);

	ASSERT_EQ(0, close(r.fd));
	fipc_sleep_ms(300);
	/* Still blocked, and the handle is still in use. */
	ASSERT_EQ(0, __atomic_load_n(&r.done, __ATOMIC_SEQ_CST));
	ASSERT_EQ(2, info_of(self->fd).handles);

	ASSERT_EQ(0, fipc_send(self->fd, "served", 6, 0, 0, -1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, r.err) TH_LOG("receive: %s", strerror(-r.err));
	ASSERT_EQ(6, r.len);
	ASSERT_EQ(0, memcmp(r.buf, "served", 6));
	/* Now the file is released. */
	ASSERT_EQ(1, info_of(self->fd).handles);
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
}

/* ---- counters ------------------------------------------------------------------------------ */

TEST_F(msg, counters)
{
	uint8_t *buf = calloc(1, 70000);
	struct fastipc_stats st0, st;
	struct fastipc_info info;
	uint64_t len, total = 100 + 8192 + 70000 + 0;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, fipc_stats(&st0));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 100, 0, FASTIPC_SEND_COPY, -1));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 8192, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 70000, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(self->fd, buf, 0, 0, 0, -1));
	info = info_of(self->fd);
	ASSERT_EQ(4, info.sent_msgs);
	ASSERT_EQ(total, info.sent_bytes);
	ASSERT_EQ(4, info.queued_msgs);
	ASSERT_EQ(total, info.queued_bytes);
	ASSERT_EQ(2, info.page_msgs);
	ASSERT_EQ(total, info.copied_bytes);
	ASSERT_EQ(0, info.recv_msgs);
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.bytes_queued + total, st.bytes_queued);
	ASSERT_EQ(st0.copied_bytes + total, st.copied_bytes);
	ASSERT_LE(st0.pages_held + 2 + 18, st.pages_held);

	/* A failed receive counts nothing. */
	len = 10;
	ASSERT_EQ(-EMSGSIZE, fipc_recv(self->fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(0, info_of(self->fd).recv_msgs);
	ASSERT_EQ(total, info_of(self->fd).copied_bytes);

	while (info_of(self->fd).queued_msgs) {
		len = 70000;
		ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, 0, -1));
	}
	info = info_of(self->fd);
	ASSERT_EQ(4, info.recv_msgs);
	ASSERT_EQ(total, info.recv_bytes);
	ASSERT_EQ(2 * total, info.copied_bytes);
	ASSERT_EQ(0, info.queued_bytes);
	ASSERT_EQ(0, info.mapped_pages);
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.bytes_queued, st.bytes_queued);
	ASSERT_EQ(st0.copied_bytes + 2 * total, st.copied_bytes);
	ASSERT_EQ(st0.pages_held, st.pages_held);
	free(buf);
}

FIPC_TEST_MAIN

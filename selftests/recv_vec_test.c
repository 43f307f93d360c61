// SPDX-License-Identifier: GPL-2.0
/*
 * FASTIPC_IOC_RECV_VEC: several copy-path messages per call, each into its
 * own buffer, in the order RECV would take them; what it cannot take stays
 * queued, and nothing is lost when a buffer faults (uapi.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fipc_selftest.h"

#define KiB	1024ULL
#define NBUF	20		/* more entries than one call fills */
#define BUFSZ	512

FIXTURE(vec) {
	char name[FASTIPC_NAME_LEN];
	int fd;
	struct fastipc_rvec ent[NBUF];
	char bufs[NBUF][BUFSZ];
};

FIXTURE_SETUP(vec)
{
	struct fastipc_attr attr = { .max_msgs = 32,
				     .max_bytes = 1024 * KiB,
				     .max_msg_size = 256 * KiB,
				     .zc_threshold = 16 * KiB };

	fipc_name(self->name, "vec");
	self->fd = fipc_create(self->name, &attr);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(vec)
{
	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
}

/* Point the first @n entries at the fixture's buffers, @size bytes each. */
static struct fastipc_rvec *entries(struct _test_data_vec *self,
				    unsigned int n, uint64_t size)
{
	memset(self->ent, 0, sizeof(self->ent));
	for (unsigned int i = 0; i < n; i++) {
		self->ent[i].buf = (uintptr_t)self->bufs[i];
		self->ent[i].len = size;
		self->ent[i].prio = 0xdead;	/* an output: ignored */
	}
	return self->ent;
}

static struct fastipc_info info_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/* Message @i of a test: "m<i>" and a tail of its own length. */
static int send_nth(int fd, unsigned int i, uint32_t prio)
{
	char msg[64];

	memset(msg, 'a' + i % 26, sizeof(msg));
	msg[0] = 'm';
	msg[1] = (char)('0' + i / 10);
	msg[2] = (char)('0' + i % 10);
	return fipc_send(fd, msg, 3 + i % 40, prio, 0, -1);
}

static bool is_nth(const struct fastipc_rvec *e, unsigned int i)
{
	const char *p = (const char *)(uintptr_t)e->buf;

	if (e->len != 3 + i % 40 || p[0] != 'm' ||
	    p[1] != (char)('0' + i / 10) || p[2] != (char)('0' + i % 10))
		return false;
	for (uint64_t k = 3; k < e->len; k++)
		if (p[k] != (char)('a' + i % 26))
			return false;
	return true;
}

/* Everything queued, in priority order then FIFO, with lengths and prios. */
TEST_F(vec, takes_queued_in_receive_order)
{
	static const uint32_t prio[] = { 0, 3, 0, 7, 3 };
	static const unsigned int order[] = { 3, 1, 4, 0, 2 };
	struct fastipc_rvec *e = entries(self, 8, BUFSZ);
	uint64_t base = info_of(self->fd).recv_msgs;

	for (unsigned int i = 0; i < 5; i++)
		ASSERT_EQ(0, send_nth(self->fd, i, prio[i]));
	ASSERT_EQ(5, fipc_recv_vec(self->fd, e, 8, 0, -1));
	for (unsigned int i = 0; i < 5; i++) {
		EXPECT_TRUE(is_nth(&e[i], order[i])) TH_LOG("entry %u", i);
		EXPECT_EQ(prio[order[i]], e[i].prio);
	}
	/* Entries past the count are not touched. */
	EXPECT_EQ(BUFSZ, e[5].len);
	EXPECT_EQ(0xdead, e[5].prio);
	EXPECT_EQ(0, info_of(self->fd).queued_msgs);
	EXPECT_EQ(base + 5, info_of(self->fd).recv_msgs);
}

/* One call takes at most 16 (uapi.md); the rest wait for the next. */
TEST_F(vec, one_call_takes_at_most_sixteen)
{
	struct fastipc_rvec *e = entries(self, NBUF, BUFSZ);

	for (unsigned int i = 0; i < NBUF; i++)
		ASSERT_EQ(0, send_nth(self->fd, i, 0));
	ASSERT_EQ(16, fipc_recv_vec(self->fd, e, NBUF, 0, -1));
	for (unsigned int i = 0; i < 16; i++) {
		EXPECT_TRUE(is_nth(&e[i], i)) TH_LOG("entry %u", i);
	}
	e = entries(self, NBUF, BUFSZ);
	ASSERT_EQ(NBUF - 16, fipc_recv_vec(self->fd, e, NBUF, FASTIPC_NONBLOCK, -1));
	for (unsigned int i = 0; i < NBUF - 16; i++) {
		EXPECT_TRUE(is_nth(&e[i], 16 + i)) TH_LOG("entry %u", i);
	}
	/* count 1 takes one. */
	ASSERT_EQ(0, send_nth(self->fd, 1, 0));
	ASSERT_EQ(0, send_nth(self->fd, 2, 0));
	ASSERT_EQ(1, fipc_recv_vec(self->fd, entries(self, 1, BUFSZ), 1, 0, -1));
	EXPECT_EQ(1, info_of(self->fd).queued_msgs);
}

/*
 * A page message, or one longer than its entry's buffer, stops the
 * vector and stays queued; first in line, it is EMSGSIZE.
 */
TEST_F(vec, stops_before_pages_and_long_messages)
{
	uint8_t *big = malloc(64 * KiB), *rx = malloc(64 * KiB);
	struct fastipc_rvec *e;
	uint64_t len = 64 * KiB;

	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, rx);
	fipc_fill(big, 64 * KiB, 7);
	ASSERT_EQ(0, send_nth(self->fd, 0, 0));
	ASSERT_EQ(0, send_nth(self->fd, 1, 0));
	ASSERT_EQ(0, fipc_send(self->fd, big, 64 * KiB, 0, 0, -1));	/* pages */
	ASSERT_EQ(0, send_nth(self->fd, 2, 0));

	e = entries(self, 4, BUFSZ);
	for (unsigned int i = 0; i < 4; i++)
		e[i].len = 128 * KiB;	/* big enough: pages still stop it */
	ASSERT_EQ(2, fipc_recv_vec(self->fd, e, 4, 0, -1));
	EXPECT_TRUE(is_nth(&e[0], 0));
	EXPECT_TRUE(is_nth(&e[1], 1));
	ASSERT_EQ(2, info_of(self->fd).queued_msgs);
	ASSERT_EQ(-EMSGSIZE, fipc_recv_vec(self->fd, entries(self, 4, BUFSZ), 4,
				      0, -1));
	ASSERT_EQ(-EMSGSIZE, fipc_recv_vec(self->fd, entries(self, 4, BUFSZ), 4,
				      FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(2, info_of(self->fd).queued_msgs);
	ASSERT_EQ(0, fipc_recv(self->fd, rx, &len, NULL, 0, -1));
	ASSERT_EQ(64 * KiB, len);
	ASSERT_EQ(-1, fipc_check(rx, len, 7));

	/* Too long for the first buffer: EMSGSIZE; for a later one: stop. */
	ASSERT_EQ(0, send_nth(self->fd, 3, 0));		/* 6 bytes */
	e = entries(self, 3, BUFSZ);
	e[0].len = 4;
	ASSERT_EQ(-EMSGSIZE, fipc_recv_vec(self->fd, e, 3, 0, -1));
	e[0].len = BUFSZ;
	e[1].len = 5;
	ASSERT_EQ(1, fipc_recv_vec(self->fd, e, 3, 0, -1));
	EXPECT_TRUE(is_nth(&e[0], 2));
	EXPECT_EQ(5, e[1].len);
	ASSERT_EQ(1, fipc_recv_vec(self->fd, entries(self, 3, BUFSZ), 3, 0, -1));
	EXPECT_TRUE(is_nth(&self->ent[0], 3));
	EXPECT_EQ(0, info_of(self->fd).queued_msgs);
	free(big);
	free(rx);
}

/* Bad arguments take nothing and say EINVAL, EFAULT or EBADF. */
TEST_F(vec, bad_arguments)
{
	struct fastipc_recv_vec rv;
	struct fastipc_rvec *e = entries(self, 4, BUFSZ);
	int s = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, send_nth(self->fd, 0, 0));
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, 0, 0, -1));
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, FASTIPC_RECV_VEC_MAX + 1,
				    0, -1));
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, 4, 0x2, -1));
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, 4, 0x80000000U, -1));
	e[2].__reserved = 1;
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, 4, 0, -1));
	/* Only the entries one call can fill are read. */
	ASSERT_EQ(-EINVAL, fipc_recv_vec(self->fd, e, 3, 0, -1));
	e[2].__reserved = 0;
	memset(&rv, 0, sizeof(rv));
	rv.vec = (uintptr_t)e;
	rv.count = 4;
	rv.__reserved = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, &rv));
	/* A senders array only with FASTIPC_RECV_SENDER. */
	rv.__reserved = 0;
	rv.senders = (uintptr_t)e;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, &rv));
	ASSERT_EQ(-EFAULT, fipc_recv_vec(self->fd, NULL, 4, 0, -1));
	ASSERT_EQ(-EFAULT, fipc_recv_vec(self->fd,
				    (void *)0xffff888000000000UL, 4, 0, -1));
	ASSERT_EQ(-EBADF, fipc_recv_vec(s, e, 4, 0, -1));
	ASSERT_EQ(1, info_of(self->fd).queued_msgs);
	ASSERT_EQ(1, fipc_recv_vec(self->fd, e, 4, 0, -1));
	EXPECT_TRUE(is_nth(&e[0], 0));
	close(s);
}

/* Empty: EAGAIN without waiting, ETIMEDOUT after the timeout. */
TEST_F(vec, nonblocking_and_timeout)
{
	struct fastipc_rvec *e = entries(self, 4, BUFSZ);
	int nb = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	int64_t t0;

	ASSERT_LE(0, nb);
	ASSERT_EQ(-EAGAIN, fipc_recv_vec(self->fd, e, 4, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fcntl(nb, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-EAGAIN, fipc_recv_vec(nb, e, 4, 0, -1));
	t0 = fipc_now_ns();
	ASSERT_EQ(-ETIMEDOUT, fipc_recv_vec(self->fd, e, 4, 0, 50 * FIPC_MS));
	EXPECT_LE(50 * FIPC_MS, fipc_now_ns() - t0);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv_vec(self->fd, e, 4, 0, 0));
	close(nb);
}

/*
 * A buffer that faults: the messages before it are taken, it and those
 * after it stay queued in order.  Entries or a result that cannot be
 * written back: every message stays.
 */
TEST_F(vec, efault_loses_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *bad = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fastipc_rvec *e, *ro;
	struct fastipc_recv_vec *rv;
	uint64_t base;

	ASSERT_NE(MAP_FAILED, bad);
	for (unsigned int i = 0; i < 4; i++)
		ASSERT_EQ(0, send_nth(self->fd, i, 0));
	base = info_of(self->fd).recv_msgs;

	/* Entry 2 faults: two taken. */
	e = entries(self, 4, BUFSZ);
	ASSERT_EQ(0, mprotect(bad, page, PROT_NONE));
	e[2].buf = (uintptr_t)bad;
	ASSERT_EQ(2, fipc_recv_vec(self->fd, e, 4, 0, -1));
	EXPECT_TRUE(is_nth(&e[0], 0));
	EXPECT_TRUE(is_nth(&e[1], 1));
	EXPECT_EQ(2, info_of(self->fd).queued_msgs);
	EXPECT_EQ(base + 2, info_of(self->fd).recv_msgs);
	/* Entry 0 faults: EFAULT. */
	e = entries(self, 4, BUFSZ);
	e[0].buf = (uintptr_t)bad;
	ASSERT_EQ(-EFAULT, fipc_recv_vec(self->fd, e, 4, 0, -1));
	EXPECT_EQ(2, info_of(self->fd).queued_msgs);

	/* The entries are read-only: the lengths cannot be reported. */
	ASSERT_EQ(0, mprotect(bad, page, PROT_READ | PROT_WRITE));
	ro = (struct fastipc_rvec *)bad;
	memcpy(ro, entries(self, 4, BUFSZ), 4 * sizeof(*ro));
	ASSERT_EQ(0, mprotect(bad, page, PROT_READ));
	ASSERT_EQ(-EFAULT, fipc_recv_vec(self->fd, ro, 4, 0, -1));
	EXPECT_EQ(2, info_of(self->fd).queued_msgs);

	/* The argument is read-only: the count cannot be reported. */
	rv = (struct fastipc_recv_vec *)(bad + page);
	memset(rv, 0, sizeof(*rv));
	rv->vec = (uintptr_t)entries(self, 4, BUFSZ);
	rv->count = 4;
	rv->timeout_ns = -1;
	ASSERT_EQ(0, mprotect(bad + page, page, PROT_READ));
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, rv));
	EXPECT_EQ(2, info_of(self->fd).queued_msgs);
	EXPECT_EQ(base + 2, info_of(self->fd).recv_msgs);

	/* And they come out in order. */
	e = entries(self, 4, BUFSZ);
	ASSERT_EQ(2, fipc_recv_vec(self->fd, e, 4, 0, -1));
	EXPECT_TRUE(is_nth(&e[0], 2));
	EXPECT_TRUE(is_nth(&e[1], 3));
	munmap(bad, 2 * page);
}

struct waiter {
	int fd;
	struct fastipc_rvec ent[4];
	char buf[4][BUFSZ];
	int ret;
};

static void *wait_vec(void *arg)
{
	struct waiter *w = arg;

	for (unsigned int i = 0; i < 4; i++) {
		w->ent[i].buf = (uintptr_t)w->buf[i];
		w->ent[i].len = BUFSZ;
	}
	w->ret = fipc_recv_vec(w->fd, w->ent, 4, 0, -1);
	return NULL;
}

/*
 * A waiting vector receive is handed the next copy-path message, and
 * sent back with EMSGSIZE by a page message, which stays queued.
 */
TEST_F(vec, waiting_receive_takes_copies_refuses_pages)
{
	struct waiter w = { .fd = self->fd };
	uint8_t *big = calloc(1, 32 * KiB);
	pthread_t t;

	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_vec, &w));
	fipc_sleep_ms(100);
	ASSERT_EQ(0, send_nth(self->fd, 9, 4));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(1, w.ret);
	EXPECT_TRUE(is_nth(&w.ent[0], 9));
	EXPECT_EQ(4, w.ent[0].prio);

	ASSERT_EQ(0, pthread_create(&t, NULL, wait_vec, &w));
	fipc_sleep_ms(100);
	ASSERT_EQ(0, fipc_send(self->fd, big, 32 * KiB, 0, 0, -1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EMSGSIZE, w.ret);
	EXPECT_EQ(1, info_of(self->fd).queued_msgs);
	free(big);
}

struct blocked_sender {
	int fd;
	int sent;
};

static void *send_many(void *arg)
{
	struct blocked_sender *b = arg;

	for (unsigned int i = 0; i < 12; i++) {
		if (send_nth(b->fd, i, 0))
			break;
		b->sent++;
	}
	return NULL;
}

/* Senders waiting on a full channel get the room a vector frees. */
TEST_F(vec, frees_room_for_waiting_senders)
{
	struct fastipc_attr attr = { .max_msgs = 4 };
	struct blocked_sender b = { .fd = self->fd };
	struct fastipc_rvec *e;
	unsigned int got = 0;
	pthread_t t;
	int n;

	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_many, &b));
	fipc_sleep_ms(100);
	ASSERT_EQ(4, b.sent);
	while (got < 12) {
		e = entries(self, NBUF, BUFSZ);
		n = fipc_recv_vec(self->fd, e, NBUF, 0, 2000 * FIPC_MS);
		ASSERT_LT(0, n) TH_LOG("after %u: %s", got, strerror(-n));
		ASSERT_GE(4, n);
		for (int i = 0; i < n; i++)
			ASSERT_TRUE(is_nth(&e[i], got + i));
		got += n;
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(12, b.sent);
}

TEST_HARNESS_MAIN

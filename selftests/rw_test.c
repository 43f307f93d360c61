// SPDX-License-Identifier: GPL-2.0
/*
 * read(2) and write(2) on a bound handle: one whole message per call, as
 * RECV and SEND without flags, priority or timeout do (uapi.md).
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

#define KiB 1024ULL

FIXTURE(rw) {
	char name[FASTIPC_NAME_LEN];
	int fd;
	struct fastipc_attr attr;
};

FIXTURE_SETUP(rw)
{
	fipc_name(self->name, "rw");
	self->attr = (struct fastipc_attr){ .max_msgs = 4,
					    .max_bytes = 1024 * KiB,
					    .max_msg_size = 512 * KiB,
					    .zc_threshold = 16 * KiB };
	self->fd = fipc_create(self->name, &self->attr);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(rw)
{
	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
}

static struct fastipc_info info_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/* read(2) or write(2) as the number of bytes or -errno. */
static ssize_t rd(int fd, void *buf, size_t size)
{
	ssize_t n = read(fd, buf, size);

	return n < 0 ? -errno : n;
}

static ssize_t wr(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

/* Every size, below and above zc_threshold, round trips whole. */
TEST_F(rw, round_trip_each_size)
{
	static const size_t sizes[] = { 0, 1, 64, 4096, 16 * KiB - 1,
					16 * KiB, 100 * KiB + 3, 512 * KiB };
	uint8_t *tx = malloc(512 * KiB), *rx = malloc(512 * KiB + 1);

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		struct fastipc_info before = info_of(self->fd), after;

		fipc_fill(tx, len, 40 + i);
		memset(rx, 0xee, len + 1);
		ASSERT_EQ((ssize_t)len, wr(self->fd, tx, len));
		after = info_of(self->fd);
		ASSERT_EQ(1, after.queued_msgs);
		/* The path the size picks, as a plain SEND. */
		ASSERT_EQ(before.page_msgs + (len >= 16 * KiB), after.page_msgs)
			TH_LOG("%zu bytes", len);
		ASSERT_EQ((ssize_t)len, rd(self->fd, rx, 512 * KiB + 1));
		ASSERT_EQ(-1, fipc_check(rx, len, 40 + i));
		ASSERT_EQ(0xee, rx[len]);
		after = info_of(self->fd);
		ASSERT_EQ(0, after.queued_msgs);
		ASSERT_EQ(before.recv_msgs + 1, after.recv_msgs);
	}
	free(tx);
	free(rx);
}

/* write(2) sends at priority 0; read(2) takes the highest first. */
TEST_F(rw, mixes_with_send_and_recv)
{
	uint64_t len = 16;
	uint32_t prio = 99;
	char buf[16];

	ASSERT_EQ(3, wr(self->fd, "low", 3));
	ASSERT_EQ(0, fipc_send(self->fd, "high", 4, 7, 0, -1));
	ASSERT_EQ(4, rd(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "high", 4));
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, &prio, 0, -1));
	ASSERT_EQ(3, len);
	ASSERT_EQ(0, prio);
	ASSERT_EQ(0, memcmp(buf, "low", 3));
}

/* A buffer too small: EMSGSIZE, and the message stays first in line. */
TEST_F(rw, short_buffer_emsgsize_keeps_message)
{
	uint8_t *tx = malloc(64 * KiB), *rx = malloc(64 * KiB);
	static const size_t sizes[] = { 100, 64 * KiB };	/* copy, pages */
	uint64_t len;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	for (size_t i = 0; i < 2; i++) {
		fipc_fill(tx, sizes[i], 50 + i);
		ASSERT_EQ((ssize_t)sizes[i], wr(self->fd, tx, sizes[i]));
		ASSERT_EQ(-EMSGSIZE, rd(self->fd, rx, sizes[i] - 1));
		ASSERT_EQ(-EMSGSIZE, rd(self->fd, rx, 0));
		ASSERT_EQ(1, info_of(self->fd).queued_msgs);
		/* RECV says how long it is. */
		len = 0;
		ASSERT_EQ(-EMSGSIZE, fipc_recv(self->fd, NULL, &len, NULL, 0, -1));
		ASSERT_EQ(sizes[i], len);
		ASSERT_EQ((ssize_t)sizes[i], rd(self->fd, rx, sizes[i]));
		ASSERT_EQ(-1, fipc_check(rx, sizes[i], 50 + i));
	}
	free(tx);
	free(rx);
}

/* A message is whole or not at all, in both directions. */
TEST_F(rw, efault_loses_nothing)
{
	uint8_t *bad = mmap(NULL, 4096, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *tx = malloc(32 * KiB), *rx = malloc(32 * KiB);
	static const size_t sizes[] = { 200, 32 * KiB };

	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	ASSERT_EQ(-EFAULT, wr(self->fd, bad, 200));
	ASSERT_EQ(-EFAULT, wr(self->fd, bad, 32 * KiB));
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
	for (size_t i = 0; i < 2; i++) {
		uint64_t base = info_of(self->fd).recv_msgs;

		fipc_fill(tx, sizes[i], 60 + i);
		ASSERT_EQ((ssize_t)sizes[i], wr(self->fd, tx, sizes[i]));
		ASSERT_EQ(-EFAULT, rd(self->fd, bad, sizes[i]));
		ASSERT_EQ(1, info_of(self->fd).queued_msgs);
		ASSERT_EQ(base, info_of(self->fd).recv_msgs);
		ASSERT_EQ((ssize_t)sizes[i], rd(self->fd, rx, sizes[i]));
		ASSERT_EQ(-1, fipc_check(rx, sizes[i], 60 + i));
	}
	munmap(bad, 4096);
	free(tx);
	free(rx);
}

/* O_NONBLOCK: an empty channel and a full one say EAGAIN. */
TEST_F(rw, nonblocking_eagain)
{
	char buf[8];
	int i;

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-EAGAIN, rd(self->fd, buf, sizeof(buf)));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wr(self->fd, "x", 1));
	ASSERT_EQ(-EAGAIN, wr(self->fd, "y", 1));
	ASSERT_EQ(4, info_of(self->fd).queued_msgs);
	ASSERT_EQ(1, rd(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(1, wr(self->fd, "y", 1));
}

/* Over the channel's largest message: EMSGSIZE, nothing queued. */
TEST_F(rw, oversized_write_emsgsize)
{
	uint8_t *tx = calloc(1, 512 * KiB + 1);

	ASSERT_NE(NULL, tx);
	ASSERT_EQ(-EMSGSIZE, wr(self->fd, tx, 512 * KiB + 1));
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);
	free(tx);
}

/* What the handle may not do, an unbound file, an unlinked channel. */
TEST_F(rw, access_and_state_errors)
{
	int s = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int r = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	int u = fipc_dev();
	char buf[8];

	ASSERT_LE(0, s);
	ASSERT_LE(0, r);
	ASSERT_LE(0, u);
	ASSERT_EQ(-EBADF, rd(s, buf, sizeof(buf)));
	ASSERT_EQ(-EBADF, wr(r, "x", 1));
	ASSERT_EQ(-EBADFD, rd(u, buf, sizeof(buf)));
	ASSERT_EQ(-EBADFD, wr(u, "x", 1));
	/* No file position: pread and pwrite do not apply. */
	ASSERT_EQ(-1, pread(self->fd, buf, sizeof(buf), 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, pwrite(self->fd, "x", 1, 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(0, info_of(self->fd).queued_msgs);

	/* Unlinked, the channel lives on for the handles open on it
	 * (EIDRM once it is destroyed: chan_test's namespace test). */
	ASSERT_EQ(0, fipc_unlink(self->name));
	ASSERT_EQ(1, wr(s, "x", 1));
	ASSERT_EQ(1, rd(r, buf, sizeof(buf)));
	ASSERT_EQ('x', buf[0]);
	close(s);
	close(r);
	close(u);
}

/*
 * FASTIPC_O_READ_PLAIN: read(2) takes a message only when its length says
 * all about it (priority 0, copy path, fits); the first message of the
 * highest priority otherwise stays queued, read fails with EMSGSIZE and
 * RECV takes it.  The handle's own INFO says the flag.
 */
TEST_F(rw, read_plain_leaves_others_queued)
{
	int r = fipc_open(self->name, FASTIPC_O_RECV | FASTIPC_O_READ_PLAIN,
			  0, NULL);
	uint8_t *tx = malloc(64 * KiB), *rx = malloc(64 * KiB);
	uint32_t prio, msg_flags;
	uint64_t len;

	ASSERT_LE(0, r);
	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	ASSERT_EQ(FASTIPC_O_RECV | FASTIPC_O_READ_PLAIN,
		  info_of(r).handle_flags);
	ASSERT_EQ(FASTIPC_O_RDWR, info_of(self->fd).handle_flags);

	/* Plain: read takes it, as on any handle. */
	ASSERT_EQ(5, wr(self->fd, "plain", 5));
	ASSERT_EQ(5, rd(r, rx, 64 * KiB));
	ASSERT_EQ(0, memcmp(rx, "plain", 5));

	/* A priority: refused, kept, and RECV says it. */
	ASSERT_EQ(0, fipc_send(self->fd, "urgent", 6, 3, 0, -1));
	ASSERT_EQ(-EMSGSIZE, rd(r, rx, 64 * KiB));
	ASSERT_EQ(1, info_of(r).queued_msgs);
	len = 64 * KiB;
	ASSERT_EQ(0, fipc_recv(r, rx, &len, &prio, 0, -1));
	ASSERT_EQ(6, len);
	ASSERT_EQ(3, prio);
	ASSERT_EQ(0, memcmp(rx, "urgent", 6));

	/* Pages, forced or by size: refused even where they would fit. */
	fipc_fill(tx, 64 * KiB, 70);
	ASSERT_EQ(0, fipc_send(self->fd, tx, 100, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ((ssize_t)(64 * KiB), wr(self->fd, tx, 64 * KiB));
	for (int i = 0; i < 2; i++) {
		uint64_t want = i ? 64 * KiB : 100;

		ASSERT_EQ(-EMSGSIZE, rd(r, rx, 64 * KiB));
		ASSERT_EQ(2 - i, info_of(r).queued_msgs);
		len = 64 * KiB;
		ASSERT_EQ(0, fipc_recv_full(r, rx, &len, NULL, &msg_flags, 0,
					    -1));
		ASSERT_EQ(want, len);
		ASSERT_EQ(FASTIPC_MSG_PAGES, msg_flags);
		ASSERT_EQ(-1, fipc_check(rx, len, 70));
	}

	/* A plain message behind a priority waits its turn. */
	ASSERT_EQ(1, wr(self->fd, "p", 1));
	ASSERT_EQ(0, fipc_send(self->fd, "q", 1, 1, 0, -1));
	ASSERT_EQ(-EMSGSIZE, rd(r, rx, 64 * KiB));
	len = 64 * KiB;
	ASSERT_EQ(0, fipc_recv(r, rx, &len, &prio, 0, -1));
	ASSERT_EQ(1, prio);
	ASSERT_EQ('q', rx[0]);
	ASSERT_EQ(1, rd(r, rx, 64 * KiB));
	ASSERT_EQ('p', rx[0]);

	/* Too long for the buffer: EMSGSIZE as ever. */
	ASSERT_EQ(100, wr(self->fd, tx, 100));
	ASSERT_EQ(-EMSGSIZE, rd(r, rx, 99));
	ASSERT_EQ(100, rd(r, rx, 100));
	ASSERT_EQ(0, info_of(r).queued_msgs);
	close(r);
	free(tx);
	free(rx);
}

struct waiting_rx {
	int fd;
	bool plain;		/* read(2), else a blocking RECV */
	ssize_t ret;		/* length or -errno */
	uint32_t prio;
};

static void *wait_rx(void *arg)
{
	struct waiting_rx *w = arg;
	uint64_t len = 64;
	char buf[64];

	if (w->plain) {
		w->ret = rd(w->fd, buf, sizeof(buf));
		return NULL;
	}
	w->ret = fipc_recv(w->fd, buf, &len, &w->prio, 0, -1);
	if (!w->ret)
		w->ret = (ssize_t)len;
	return NULL;
}

/*
 * A plain read(2) already waiting when a message it may not take arrives
 * returns EMSGSIZE; the message goes to a RECV waiting behind it, or
 * stays queued for the next one.
 */
TEST_F(rw, waiting_plain_read_refuses_handoff)
{
	int p = fipc_open(self->name, FASTIPC_O_RECV | FASTIPC_O_READ_PLAIN,
			  0, NULL);
	int q = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	struct waiting_rx plain = { .fd = p, .plain = true };
	struct waiting_rx recv = { .fd = q };
	pthread_t tp, tq;

	ASSERT_LE(0, p);
	ASSERT_LE(0, q);

	/* Alone: refused, the message stays. */
	ASSERT_EQ(0, pthread_create(&tp, NULL, wait_rx, &plain));
	fipc_sleep_ms(100);
	ASSERT_EQ(0, fipc_send(self->fd, "hi", 2, 5, 0, -1));
	ASSERT_EQ(0, pthread_join(tp, NULL));
	ASSERT_EQ(-EMSGSIZE, plain.ret);
	ASSERT_EQ(1, info_of(p).queued_msgs);
	wait_rx(&recv);
	ASSERT_EQ(2, recv.ret);
	ASSERT_EQ(5, recv.prio);

	/* In front of a RECV: refused, the RECV gets it. */
	ASSERT_EQ(0, pthread_create(&tp, NULL, wait_rx, &plain));
	fipc_sleep_ms(50);
	ASSERT_EQ(0, pthread_create(&tq, NULL, wait_rx, &recv));
	fipc_sleep_ms(100);
	ASSERT_EQ(0, fipc_send(self->fd, "yo", 2, 2, 0, -1));
	ASSERT_EQ(0, pthread_join(tp, NULL));
	ASSERT_EQ(0, pthread_join(tq, NULL));
	ASSERT_EQ(-EMSGSIZE, plain.ret);
	ASSERT_EQ(2, recv.ret);
	ASSERT_EQ(2, recv.prio);
	ASSERT_EQ(0, info_of(p).queued_msgs);

	/* And a plain message is the plain reader's. */
	ASSERT_EQ(0, pthread_create(&tp, NULL, wait_rx, &plain));
	fipc_sleep_ms(100);
	ASSERT_EQ(3, wr(self->fd, "abc", 3));
	ASSERT_EQ(0, pthread_join(tp, NULL));
	ASSERT_EQ(3, plain.ret);
	close(p);
	close(q);
}

static void *late_writer(void *arg)
{
	int fd = *(int *)arg;

	usleep(100 * 1000);
	return (void *)(intptr_t)wr(fd, "wake", 4);
}

/* A blocked read(2) is woken by a write(2) on another handle. */
TEST_F(rw, blocking_read_woken_by_write)
{
	int s = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	pthread_t t;
	void *ret;
	char buf[8];

	ASSERT_LE(0, s);
	ASSERT_EQ(0, pthread_create(&t, NULL, late_writer, &s));
	ASSERT_EQ(4, rd(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "wake", 4));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(4, (intptr_t)ret);
	close(s);
}

TEST_HARNESS_MAIN

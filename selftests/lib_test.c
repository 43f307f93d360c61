// SPDX-License-Identifier: GPL-2.0
/*
 * libfastipc itself, linked statically: the copy API, and the message
 * API's bookkeeping that the kernel never sees (heap or window buffer,
 * which handle's window, the receive buffer lent to a copied message and
 * taken back).  The other suites drive the ioctls directly.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#include "fastipc.h"
#include "fipc_selftest.h"

#define SMALL	64
#define BIG	(64 * 1024)	/* above the default zc_threshold of 16 KiB */

/*
 * The library's read(2) calls, counted: this program is linked with
 * -Wl,--wrap=read, so libfastipc's calls to read() come here first.
 */
static unsigned long reads;
ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);

ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	reads++;
	return __real_read(fd, buf, count);
}

/* And its ioctl(2) calls (-Wl,--wrap=ioctl). */
static unsigned long ioctls;
int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	ioctls++;
	return __real_ioctl(fd, req, arg);
}

FIXTURE(lib) {
	char name[FASTIPC_NAME_LEN];
	struct fastipc_chan *tx, *rx;
};

FIXTURE_SETUP(lib)
{
	struct fastipc_attr attr = { .zc_threshold = 16 * 1024 };
	int err;

	fipc_name(self->name, "lib");
	err = fastipc_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, 0600, &attr, &self->tx);
	ASSERT_EQ(0, err) TH_LOG("create: %s", strerror(-err));
	err = fastipc_open(self->name, FASTIPC_O_RECV, 0, NULL, &self->rx);
	ASSERT_EQ(0, err) TH_LOG("open: %s", strerror(-err));
}

FIXTURE_TEARDOWN(lib)
{
	fastipc_close(self->tx);
	fastipc_close(self->rx);
	fastipc_unlink(self->name);
}

/* Is @p inside @ch's window? */
static bool in_window(struct fastipc_chan *ch, const void *p)
{
	void *base;
	size_t size;

	if (fastipc_window(ch, &base, &size))
		return false;
	return (const char *)p >= (char *)base &&
	       (const char *)p < (char *)base + size;
}

/* Receive one message with the message API and check it is @seed's. */
static int take(struct fastipc_chan *rx, size_t len, uint32_t seed,
		unsigned int want_flags)
{
	struct fastipc_msg msg;
	int err = fastipc_recv_msg(rx, &msg, FASTIPC_NONBLOCK, -1);

	if (err)
		return err;
	if (msg.len != len || msg.flags != want_flags ||
	    fipc_check(msg.data, len, seed) != -1) {
		fastipc_msg_release(rx, &msg);
		return -EBADMSG;
	}
	err = fastipc_msg_release(rx, &msg);
	if (!err && (msg.data || msg.len))
		return -EUCLEAN;	/* release must clear the message */
	return err;
}

TEST_F(lib, copy_api_too_small_keeps_message)
{
	uint8_t out[100], in[200];
	unsigned int prio = 0;

	fipc_fill(out, sizeof(out), 1);
	ASSERT_EQ(0, fastipc_send(self->tx, out, sizeof(out), 3, 0));
	ASSERT_EQ(-EMSGSIZE, fastipc_recv(self->rx, in, 10, &prio,
					  FASTIPC_NONBLOCK));
	ASSERT_EQ((ssize_t)sizeof(out),
		  fastipc_recv(self->rx, in, sizeof(in), &prio,
			       FASTIPC_NONBLOCK));
	ASSERT_EQ(3, prio);
	ASSERT_EQ(-1, fipc_check(in, sizeof(out), 1));
	ASSERT_EQ(-EAGAIN, fastipc_recv(self->rx, in, sizeof(in), NULL,
					FASTIPC_NONBLOCK));
}

TEST_F(lib, small_message_from_the_heap_arrives_copied)
{
	void *buf;

	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &buf));
	ASSERT_FALSE(in_window(self->tx, buf));
	fipc_fill(buf, SMALL, 2);
	ASSERT_EQ(0, fastipc_buf_send(self->tx, buf, SMALL, 0, 0, -1));
	ASSERT_EQ(0, take(self->rx, SMALL, 2, 0));
}

TEST_F(lib, big_message_from_the_window_arrives_mapped)
{
	struct fastipc_msg msg;
	void *buf;

	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, 0, &buf));
	ASSERT_TRUE(in_window(self->tx, buf));
	fipc_fill(buf, BIG, 3);
	ASSERT_EQ(0, fastipc_buf_send(self->tx, buf, BIG, 0, 0, -1));
	ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(BIG, msg.len);
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, msg.flags);
	ASSERT_TRUE(in_window(self->rx, msg.data));
	ASSERT_EQ(-1, fipc_check(msg.data, BIG, 3));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(NULL, msg.data);
}

/* Heap buffers sent in another order than they were handed out. */
TEST_F(lib, heap_buffers_sent_out_of_order)
{
	void *a, *b, *c;

	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &a));
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &b));
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, 200, FASTIPC_ALLOC_HEAP, &c));
	fipc_fill(a, SMALL, 10);
	fipc_fill(b, SMALL, 11);
	fipc_fill(c, 200, 12);
	ASSERT_EQ(0, fastipc_buf_send(self->tx, b, SMALL, 0, 0, -1));
	ASSERT_EQ(0, fastipc_buf_send(self->tx, c, 200, 0, 0, -1));
	ASSERT_EQ(0, fastipc_buf_send(self->tx, a, SMALL, 0, 0, -1));
	ASSERT_EQ(0, take(self->rx, SMALL, 11, 0));
	ASSERT_EQ(0, take(self->rx, 200, 12, 0));
	ASSERT_EQ(0, take(self->rx, SMALL, 10, 0));
}

TEST_F(lib, unsent_buffers_freed)
{
	void *heap, *win;

	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &heap));
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, 0, &win));
	ASSERT_TRUE(in_window(self->tx, win));
	ASSERT_EQ(0, fastipc_buf_free(self->tx, heap));
	ASSERT_EQ(0, fastipc_buf_free(self->tx, win));
	ASSERT_EQ(-EINVAL, fastipc_buf_free(self->tx, win));	/* gone */
	ASSERT_EQ(0, fastipc_buf_free(self->tx, NULL));
	/* The handle goes on as before. */
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &heap));
	fipc_fill(heap, SMALL, 20);
	ASSERT_EQ(0, fastipc_buf_send(self->tx, heap, SMALL, 0, 0, -1));
	ASSERT_EQ(0, take(self->rx, SMALL, 20, 0));
}

/* A buffer of another handle's window is refused, not taken for heap. */
TEST_F(lib, other_handles_window_buffer_refused)
{
	struct fastipc_chan *other;
	void *buf;

	ASSERT_EQ(0, fastipc_open(self->name, FASTIPC_O_SEND, 0, NULL,
				  &other));
	ASSERT_EQ(0, fastipc_msg_alloc(other, BIG, FASTIPC_ALLOC_WINDOW,
				       &buf));
	fipc_fill(buf, BIG, 30);
	ASSERT_EQ(-EINVAL, fastipc_buf_send(self->tx, buf, BIG, 0, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_buf_free(self->tx, buf));
	ASSERT_EQ(0, fastipc_buf_send(other, buf, BIG, 0, 0, -1));
	ASSERT_EQ(0, take(self->rx, BIG, 30,
			  FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED));
	fastipc_close(other);
}

/*
 * A copied message lent the handle's receive buffer, forwarded on the
 * same handle, then one released: the buffer goes back each time, and
 * the next messages still arrive whole.
 */
TEST_F(lib, copied_message_forwarded_and_released)
{
	struct fastipc_chan *rw;
	struct fastipc_msg msg;
	void *buf;
	int i;

	ASSERT_EQ(0, fastipc_open(self->name, FASTIPC_O_RDWR, 0, NULL, &rw));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, fastipc_msg_alloc(self->tx, 300, 0, &buf));
		fipc_fill(buf, 300, 40 + i);
		ASSERT_EQ(0, fastipc_buf_send(self->tx, buf, 300, 0, 0, -1));

		ASSERT_EQ(0, fastipc_recv_msg(rw, &msg, FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(0, msg.flags);
		ASSERT_EQ(-1, fipc_check(msg.data, 300, 40 + i));
		ASSERT_EQ(0, fastipc_buf_send(rw, msg.data, msg.len, 0, 0,
					      -1));
		ASSERT_EQ(0, take(rw, 300, 40 + i, 0));
	}
	fastipc_close(rw);
}

/*
 * Plain messages are read(2) and the others left to RECV (the library's
 * handles are FASTIPC_O_READ_PLAIN): in a stream that switches between
 * them, blocking receives still give every message whole, with its
 * priority, mapped when it travelled in pages.
 */
TEST_F(lib, mixed_stream_arrives_as_sent)
{
	static const struct {
		size_t len;
		unsigned int prio, send_flags;
	} seq[] = {
		{ SMALL, 0, 0 }, { SMALL, 4, 0 }, { SMALL, 0, 0 },
		{ SMALL, 0, FASTIPC_SEND_PAGES }, { SMALL, 0, 0 },
		{ BIG, 0, 0 }, { BIG, 2, 0 }, { 0, 0, 0 }, { BIG, 0, 0 },
		{ SMALL, 0, 0 }, { SMALL, 1, FASTIPC_SEND_PAGES },
		{ SMALL, 0, 0 },
	};
	static uint8_t out[BIG], in[BIG];
	struct fastipc_msg msg;
	unsigned int i, round, prio;
	bool pages;
	ssize_t n;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			pages = seq[i].len >= BIG || seq[i].send_flags;
			fipc_fill(out, seq[i].len, 10 * round + i);
			ASSERT_EQ(0, fastipc_send(self->tx, out, seq[i].len,
						  seq[i].prio,
						  seq[i].send_flags));
			if (round == 0) {
				/* The message API, blocking. */
				ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg,
							      0, -1));
				ASSERT_EQ(seq[i].len, msg.len);
				ASSERT_EQ(seq[i].prio, msg.prio);
				ASSERT_EQ(pages ? FASTIPC_MSG_PAGES |
					  FASTIPC_MSG_MAPPED : 0, msg.flags)
					TH_LOG("message %u", i);
				ASSERT_EQ(-1, fipc_check(msg.data, msg.len,
							 i));
				ASSERT_EQ(0, fastipc_msg_release(self->rx,
								 &msg));
				continue;
			}
			/* The copy API, without (1) and with (2) priority. */
			prio = 99;
			n = fastipc_recv(self->rx, in, sizeof(in),
					 round == 2 ? &prio : NULL, 0);
			ASSERT_EQ((ssize_t)seq[i].len, n) TH_LOG("message %u", i);
			ASSERT_EQ(-1, fipc_check(in, seq[i].len, 10 * round + i));
			if (round == 2)
				ASSERT_EQ(seq[i].prio, prio);
		}
	}
}

/*
 * How many system calls a stream costs: plain messages are read(2) one
 * each; in a stream of page or priority messages only the first read is
 * refused, after which the library goes to RECV at once; and the first
 * plain message after them brings read(2) back.
 */
TEST_F(lib, refused_read_not_repeated)
{
	static uint8_t out[BIG], in[BIG];
	struct fastipc_msg msg;
	unsigned long before;
	int i;

	fipc_fill(out, BIG, 5);
	before = reads;
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, fastipc_send(self->tx, out, SMALL, 0, 0));
		ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, 0, -1));
		ASSERT_EQ(0, msg.flags);
		ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	}
	ASSERT_EQ(10, reads - before) TH_LOG("plain messages");

	before = reads;
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, fastipc_send(self->tx, out, BIG, 0, 0));
		ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, 0, -1));
		ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, msg.flags);
		ASSERT_EQ(-1, fipc_check(msg.data, BIG, 5));
		ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	}
	ASSERT_EQ(1, reads - before) TH_LOG("page messages");

	/* The first plain one goes through RECV, the others read(2). */
	before = reads;
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, fastipc_send(self->tx, out, SMALL, 0, 0));
		ASSERT_EQ(SMALL, fastipc_recv(self->rx, in, sizeof(in), NULL, 0));
	}
	ASSERT_EQ(9, reads - before) TH_LOG("plain again");

	before = reads;
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, fastipc_send(self->tx, out, SMALL, 1, 0));
		ASSERT_EQ(SMALL, fastipc_recv(self->rx, in, sizeof(in), NULL, 0));
		ASSERT_EQ(-1, fipc_check(in, SMALL, 5));
	}
	ASSERT_EQ(1, reads - before) TH_LOG("priority messages");
}

TEST_F(lib, recv_alloc_gives_a_buffer_of_its_own)
{
	uint8_t out[3000];
	unsigned int prio = 9;
	void *buf = NULL;

	fipc_fill(out, sizeof(out), 50);
	ASSERT_EQ(0, fastipc_send(self->tx, out, sizeof(out), 0, 0));
	ASSERT_EQ((ssize_t)sizeof(out),
		  fastipc_recv_alloc(self->rx, &buf, &prio, FASTIPC_NONBLOCK,
				     -1));
	ASSERT_EQ(0, prio);
	ASSERT_EQ(-1, fipc_check(buf, sizeof(out), 50));
	free(buf);
}

/*
 * fastipc_recv_vec(): the queued copy-path messages in one call, each in
 * its buffer with its length and priority; a page message stops it and
 * is left to fastipc_recv_msg(); more than one call's worth takes two.
 */
TEST_F(lib, recv_vec_takes_copies_leaves_pages)
{
	static uint8_t bufs[20][SMALL];
	struct fastipc_rbuf rb[20];
	struct fastipc_msg msg;
	uint8_t *big = malloc(BIG);
	unsigned int i, got;
	int n;

	ASSERT_NE(NULL, big);
	for (i = 0; i < 20; i++)
		rb[i] = (struct fastipc_rbuf){ .buf = bufs[i], .size = SMALL };
	for (i = 0; i < 3; i++) {
		fipc_fill(big, SMALL - i, 10 + i);
		ASSERT_EQ(0, fastipc_send(self->tx, big, SMALL - i, i, 0));
	}
	fipc_fill(big, BIG, 20);
	ASSERT_EQ(0, fastipc_send(self->tx, big, BIG, 0, 0));	/* pages */
	fipc_fill(big, SMALL, 21);
	ASSERT_EQ(0, fastipc_send(self->tx, big, SMALL, 0, 0));

	/* Priority order: 2, 1, then the 0s up to the page message. */
	ASSERT_EQ(3, fastipc_recv_vec(self->rx, rb, 20, 0, -1));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(SMALL - (2 - i), rb[i].len);
		ASSERT_EQ(2 - i, rb[i].prio);
		ASSERT_EQ(-1, fipc_check(bufs[i], rb[i].len, 12 - i));
	}
	ASSERT_EQ(-EMSGSIZE, fastipc_recv_vec(self->rx, rb, 20, 0, -1));
	ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, msg.flags);
	ASSERT_EQ(-1, fipc_check(msg.data, BIG, 20));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(1, fastipc_recv_vec(self->rx, rb, 20, 0, -1));
	ASSERT_EQ(-1, fipc_check(bufs[0], SMALL, 21));

	/* Twenty queued: at most 16 per call, all in order. */
	for (i = 0; i < 20; i++) {
		fipc_fill(big, SMALL, 30 + i);
		ASSERT_EQ(0, fastipc_send(self->tx, big, SMALL, 0, 0));
	}
	for (got = 0; got < 20; got += (unsigned int)n) {
		n = fastipc_recv_vec(self->rx, rb, 20, FASTIPC_NONBLOCK, -1);
		ASSERT_LT(0, n);
		ASSERT_GE(16, n);
		for (i = 0; i < (unsigned int)n; i++)
			ASSERT_EQ(-1, fipc_check(bufs[i], SMALL, 30 + got + i));
	}
	ASSERT_EQ(-EAGAIN, fastipc_recv_vec(self->rx, rb, 20,
					    FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-ETIMEDOUT, fastipc_recv_vec(self->rx, rb, 20, 0,
					       10 * FIPC_MS));
	free(big);
}

/*
 * fastipc_set_busy_poll() and fastipc_set_busy_poll_adaptive(): the
 * receiving handle's setting, shown by fastipc_info(); every receive path
 * still takes what is queued, and one that waits gets a message sent
 * while it polls.
 */
TEST_F(lib, busy_poll_setting_and_receives)
{
	struct fastipc_info info;
	uint8_t buf[SMALL];
	struct fastipc_rbuf rb = { .buf = buf, .size = sizeof(buf) };
	struct fastipc_msg msg;
	pid_t pid;

	ASSERT_EQ(-EINVAL, fastipc_set_busy_poll(NULL, 10));
	ASSERT_EQ(-EINVAL, fastipc_set_busy_poll(self->rx,
						 FASTIPC_BUSY_POLL_MAX_US + 1));
	ASSERT_EQ(-EBADF, fastipc_set_busy_poll(self->tx, 10));
	ASSERT_EQ(-EINVAL, fastipc_set_busy_poll_adaptive(NULL, 10));
	ASSERT_EQ(-EINVAL, fastipc_set_busy_poll_adaptive(
		self->rx, FASTIPC_BUSY_POLL_MAX_US + 1));
	ASSERT_EQ(-EBADF, fastipc_set_busy_poll_adaptive(self->tx, 10));

	/* A receiving handle starts adaptive, a sending one without. */
	ASSERT_EQ(0, fastipc_info(self->rx, &info));
	ASSERT_EQ(fipc_param("busy_poll_us", 200) ?
		  FASTIPC_BUSY_POLL_ADAPTIVE : 0, info.busy_poll_flags);
	ASSERT_EQ(0, fastipc_set_busy_poll_adaptive(self->rx, 300));
	ASSERT_EQ(0, fastipc_info(self->rx, &info));
	ASSERT_EQ(300, info.busy_poll_us);
	ASSERT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, info.busy_poll_flags);
	ASSERT_EQ(0, info.busy_poll_window_ns);

	ASSERT_EQ(0, fastipc_set_busy_poll(self->rx, 2000));
	ASSERT_EQ(0, fastipc_info(self->rx, &info));
	ASSERT_EQ(2000, info.busy_poll_us);
	ASSERT_EQ(0, info.busy_poll_flags);
	ASSERT_EQ(0, fastipc_info(self->tx, &info));
	ASSERT_EQ(0, info.busy_poll_us);
	ASSERT_EQ(0, info.busy_poll_flags);

	fipc_fill(buf, SMALL, 60);
	ASSERT_EQ(0, fastipc_send(self->tx, buf, SMALL, 0, 0));
	ASSERT_EQ(SMALL, fastipc_recv(self->rx, buf, sizeof(buf), NULL, 0));
	ASSERT_EQ(-1, fipc_check(buf, SMALL, 60));
	ASSERT_EQ(0, fastipc_send(self->tx, buf, SMALL, 0, 0));
	ASSERT_EQ(1, fastipc_recv_vec(self->rx, &rb, 1, 0, -1));
	ASSERT_EQ(-EAGAIN, fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK,
					    -1));

	/* Sent by another process while the receive waits. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint8_t out[SMALL];

		usleep(1000);
		fipc_fill(out, SMALL, 61);
		_exit(fastipc_send(self->tx, out, SMALL, 0, 0) ? 1 : 0);
	}
	ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, 0, -1));
	ASSERT_EQ(SMALL, msg.len);
	ASSERT_EQ(-1, fipc_check(msg.data, SMALL, 61));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(0, fastipc_set_busy_poll(self->rx, 0));
	ASSERT_EQ(0, fastipc_info(self->rx, &info));
	ASSERT_EQ(0, info.busy_poll_us);
}

/*
 * Promise H4: in a fork child, every zero-copy call on the parent's
 * window fails with the documented -EPERM, never touches or free()s the
 * parent's range, and the calls that can fall back do (to the heap, to a
 * copy).  Before, fastipc_buf_free() took a parent's window buffer for a
 * heap pointer and crashed in free().
 */
TEST_F(lib, zero_copy_calls_in_a_fork_child)
{
	struct fastipc_msg got, msg;
	void *buf, *rbuf;
	pid_t pid;

	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, 0, &buf));
	ASSERT_TRUE(in_window(self->tx, buf));
	fipc_fill(buf, BIG, 4);
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, 0, &rbuf));
	fipc_fill(rbuf, BIG, 5);
	ASSERT_EQ(0, fastipc_buf_send(self->tx, rbuf, BIG, 0, 0, -1));
	ASSERT_EQ(0, fastipc_recv_msg(self->rx, &got, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, got.flags);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		void *fresh, *base;
		size_t size;

		/* The parent's buffers: refused, untouched, not freed. */
		FIPC_CHILD_CHECK(fastipc_buf_free(self->tx, buf) == -EPERM);
		FIPC_CHILD_CHECK(fastipc_buf_send(self->tx, buf, BIG, 0, 0,
						  -1) == -EPERM);
		FIPC_CHILD_CHECK(fastipc_msg_release(self->rx, &got) ==
				 -EPERM);
		FIPC_CHILD_CHECK(fastipc_buf_alloc(self->tx, BIG, &fresh) ==
				 -EPERM);
		FIPC_CHILD_CHECK(fastipc_window(self->tx, &base, &size) ==
				 -EPERM);
		FIPC_CHILD_CHECK(fastipc_window_map(self->tx, 0, 0) == -EPERM);
		/* The automatic ones fall back: a heap buffer, a copy. */
		FIPC_CHILD_CHECK(fastipc_msg_alloc(self->tx, BIG, 0, &fresh) ==
				 0);
		FIPC_CHILD_CHECK(!in_window(self->tx, fresh));
		fipc_fill(fresh, BIG, 6);
		FIPC_CHILD_CHECK(fastipc_buf_send(self->tx, fresh, BIG, 0, 0,
						  -1) == 0);
		FIPC_CHILD_CHECK(fastipc_recv_msg(self->rx, &msg,
						  FASTIPC_NONBLOCK, -1) == 0);
		FIPC_CHILD_CHECK(msg.flags == FASTIPC_MSG_PAGES);
		FIPC_CHILD_CHECK(fipc_check(msg.data, BIG, 6) == -1);
		FIPC_CHILD_CHECK(fastipc_msg_release(self->rx, &msg) == 0);
		_exit(0);
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	/* The parent's own buffers are as they were. */
	ASSERT_EQ(-1, fipc_check(buf, BIG, 4));
	ASSERT_EQ(-1, fipc_check(got.data, BIG, 5));
	ASSERT_EQ(0, fastipc_buf_free(self->tx, buf));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &got));
}

TEST_F(lib, bad_arguments)
{
	char small[8];
	struct fastipc_rbuf rb = { .buf = (void *)16, .size = sizeof(small) };
	struct fastipc_msg msg;
	void *buf;

	ASSERT_EQ(-EINVAL, fastipc_msg_alloc(self->tx, SMALL,
					     FASTIPC_ALLOC_WINDOW |
					     FASTIPC_ALLOC_HEAP, &buf));
	ASSERT_EQ(-EINVAL, fastipc_msg_alloc(NULL, SMALL, 0, &buf));
	ASSERT_EQ(-EINVAL, fastipc_recv_msg(self->rx, &msg, 0x80, -1));
	ASSERT_EQ(-EAGAIN, fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK,
					    -1));
	ASSERT_EQ(-ETIMEDOUT, fastipc_recv_msg(self->rx, &msg, 0,
					       10 * FIPC_MS));
	ASSERT_EQ(-EBADF, fastipc_recv_msg(self->tx, &msg, FASTIPC_NONBLOCK,
					   -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_vec(self->rx, &rb, 0, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_vec(self->rx, &rb,
					    FASTIPC_RECV_VEC_MAX + 1, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_vec(self->rx, NULL, 1, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_vec(NULL, &rb, 1, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_vec(self->rx, &rb, 1, 0x80, -1));
	ASSERT_EQ(-EBADF, fastipc_recv_vec(self->tx, &rb, 1, FASTIPC_NONBLOCK,
					   -1));
	/* A buffer that faults: the message stays. */
	ASSERT_EQ(0, fastipc_send(self->tx, "kept", 4, 0, 0));
	ASSERT_EQ(-EFAULT, fastipc_recv_vec(self->rx, &rb, 1, 0, -1));
	rb.buf = small;
	ASSERT_EQ(1, fastipc_recv_vec(self->rx, &rb, 1, 0, -1));
	ASSERT_EQ(4, rb.len);
	ASSERT_EQ(0, memcmp(small, "kept", 4));
}

/* ---- requests and replies ------------------------------------------------------ */

/*
 * A library server: answers @count requests with their own bytes, the
 * first with fastipc_reply() after fastipc_recv_request(), the others in
 * fastipc_reply_recv() turns.  Counts the read(2) calls it made (none:
 * read would take a request without its token).
 */
struct lib_server {
	struct fastipc_chan *ch;
	int count;
	int err;
	int mapped;		/* requests that arrived mapped */
	unsigned long reads;
};

static void *lib_server(void *arg)
{
	struct lib_server *l = arg;
	struct fastipc_msg req, next;
	unsigned long reads0 = reads;
	uint64_t token;
	int i, err;

	err = fastipc_recv_request(l->ch, &req, &token, NULL, 0, -1);
	for (i = 0; !err && i < l->count; i++) {
		bool mapped = req.flags & FASTIPC_MSG_MAPPED;

		if (!token || !(req.flags & FASTIPC_MSG_CALL)) {
			err = -EPROTO;
			break;
		}
		l->mapped += mapped;
		if (i == l->count - 1)
			err = fastipc_reply(l->ch, token, req.data, req.len, 0);
		else
			err = fastipc_reply_recv(l->ch, &token, req.data,
						 req.len, 0, &next, NULL, -1);
		if (!mapped)
			fastipc_msg_release(l->ch, &req);
		req = next;
	}
	l->reads = reads - reads0;
	l->err = err;
	return NULL;
}

/*
 * fastipc_call() copies both ways; fastipc_call_msg() moves a window
 * buffer and gets a large reply mapped, a small one copied.
 */
TEST_F(lib, call_and_reply)
{
	struct lib_server l = { .ch = self->rx, .count = 4 };
	struct fastipc_msg reply;
	uint8_t out[SMALL], in[SMALL];
	pthread_t t;
	void *buf;

	ASSERT_EQ(0, pthread_create(&t, NULL, lib_server, &l));
	fipc_fill(out, SMALL, 3);
	ASSERT_EQ(SMALL, fastipc_call(self->tx, out, SMALL, 2, in, SMALL, 0,
				      -1));
	ASSERT_EQ(-1, fipc_check(in, SMALL, 3));

	/* Large: the window buffer goes, its pages come back mapped. */
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, 0, &buf));
	ASSERT_TRUE(in_window(self->tx, buf));
	fipc_fill(buf, BIG, 4);
	ASSERT_EQ(0, fastipc_call_msg(self->tx, buf, BIG, 0, 0, &reply, -1));
	ASSERT_EQ(BIG, reply.len);
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, reply.flags);
	ASSERT_TRUE(in_window(self->tx, reply.data));
	ASSERT_EQ(-1, fipc_check(reply.data, BIG, 4));
	ASSERT_EQ(0, fastipc_msg_release(self->tx, &reply));

	/* Small from the heap: sent by copy and freed, copied back. */
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, SMALL, 0, &buf));
	ASSERT_FALSE(in_window(self->tx, buf));
	fipc_fill(buf, SMALL, 5);
	ASSERT_EQ(0, fastipc_call_msg(self->tx, buf, SMALL, 0, 0, &reply, -1));
	ASSERT_EQ(SMALL, reply.len);
	ASSERT_EQ(0, reply.flags);
	ASSERT_EQ(-1, fipc_check(reply.data, SMALL, 5));
	ASSERT_EQ(0, fastipc_msg_release(self->tx, &reply));

	/* An empty request and reply. */
	ASSERT_EQ(0, fastipc_call(self->tx, NULL, 0, 0, in, SMALL, 0, -1));
	pthread_join(t, NULL);
	ASSERT_EQ(0, l.err);
	ASSERT_EQ(1, l.mapped);
	ASSERT_EQ(0, l.reads);
}

/* A call's errors, and a server's, through the library. */
TEST_F(lib, call_and_reply_errors)
{
	struct fastipc_msg msg;
	uint64_t token = 77;
	char big[300], in[16];
	void *buf;
	pid_t pid;

	/* Arguments. */
	ASSERT_EQ(-EINVAL, fastipc_call(NULL, "x", 1, 0, in, 16, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_call(self->tx, "x", 1, 0, in, 16,
					FASTIPC_SEND_BUF, -1));
	ASSERT_EQ(-EINVAL, fastipc_call_msg(self->tx, in, 1, 0, 0, NULL, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_request(self->rx, &msg, NULL, NULL, 0,
						-1));
	ASSERT_EQ(-EINVAL, fastipc_recv_request(self->rx, &msg, &token, NULL,
						0x80, -1));
	ASSERT_EQ(-EINVAL, fastipc_reply(self->rx, 1, "x", 1, 0x80));
	ASSERT_EQ(-EINVAL, fastipc_reply_recv(self->rx, NULL, "x", 1, 0, &msg,
					      NULL, -1));
	ASSERT_EQ(-EBADF, fastipc_call(self->rx, "x", 1, 0, in, 16, 0, -1));
	ASSERT_EQ(-EBADF, fastipc_recv_request(self->tx, &msg, &token, NULL,
					       FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-ENOENT, fastipc_reply(self->rx, 12345, "x", 1, 0));
	/* A reply_recv whose reply fails leaves the token as it was. */
	ASSERT_EQ(-ENOENT, fastipc_reply_recv(self->rx, &token, "x", 1, 0,
					      &msg, NULL, 0));
	ASSERT_EQ(77, token);
	ASSERT_EQ(-EAGAIN, fastipc_recv_request(self->rx, &msg, &token, NULL,
						FASTIPC_NONBLOCK, -1));

	/* A plain message comes with token 0. */
	ASSERT_EQ(0, fastipc_send(self->tx, "plain", 5, 0, 0));
	ASSERT_EQ(0, fastipc_recv_request(self->rx, &msg, &token, NULL,
					  FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, token);
	ASSERT_EQ(5, msg.len);
	ASSERT_EQ(0, msg.flags & FASTIPC_MSG_CALL);
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));

	/* A reply longer than the caller's buffer: refused, still held. */
	memset(big, 'b', sizeof(big));
	pid = fork();
	if (!pid) {
		struct fastipc_chan *ch;
		char r[16];

		FIPC_CHILD_CHECK(!fastipc_open(self->name, FASTIPC_O_SEND, 0,
					       NULL, &ch));
		FIPC_CHILD_CHECK(fastipc_call(ch, "q", 1, 0, r, sizeof(r), 0,
					      -1) == 2);
		_exit(0);
	}
	ASSERT_EQ(0, fastipc_recv_request(self->rx, &msg, &token, NULL, 0, -1));
	ASSERT_NE(0, token);
	ASSERT_EQ(-EMSGSIZE, fastipc_reply(self->rx, token, big, sizeof(big),
					   0));
	ASSERT_EQ(0, fastipc_reply(self->rx, token, "ok", 2, 0));
	ASSERT_EQ(-ENOENT, fastipc_reply(self->rx, token, "ok", 2, 0));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(0, fipc_wait_child(pid));

	/* A timed-out call: the late reply is cancelled; reply_recv goes on. */
	ASSERT_EQ(-ETIMEDOUT, fastipc_call(self->tx, "t", 1, 0, in, 16, 0,
					   10 * FIPC_MS));
	ASSERT_EQ(0, fastipc_recv_request(self->rx, &msg, &token, NULL,
					  FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fastipc_send(self->tx, "after", 5, 0, 0));
	{
		struct fastipc_msg next;

		ASSERT_EQ(0, fastipc_reply_recv(self->rx, &token, "late", 4, 0,
						&next, NULL, 0));
		ASSERT_EQ(0, token);		/* a plain message */
		ASSERT_EQ(5, next.len);
		ASSERT_EQ(0, fastipc_msg_release(self->rx, &next));
	}
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));

	/* A window buffer that was not sent is still the caller's. */
	{
		struct fastipc_attr one = { .max_msgs = 1 };
		struct fastipc_chan *full;
		char n[FASTIPC_NAME_LEN];

		fipc_name(n, "libfull");
		ASSERT_EQ(0, fastipc_open(n, FASTIPC_O_SEND | FASTIPC_O_CREAT,
					  0600, &one, &full));
		ASSERT_EQ(0, fastipc_send(full, "x", 1, 0, 0));
		ASSERT_EQ(0, fastipc_msg_alloc(full, BIG, FASTIPC_ALLOC_WINDOW,
					       &buf));
		ASSERT_EQ(-EAGAIN, fastipc_call_msg(full, buf, BIG, 0,
						    FASTIPC_NONBLOCK, &msg, -1));
		memset(buf, 1, BIG);		/* still mapped */
		ASSERT_EQ(0, fastipc_buf_free(full, buf));
		fastipc_close(full);
		fastipc_unlink(n);
	}
}

/* Who sent it, through the library: messages, vectors, requests. */
TEST_F(lib, sender_through_the_library)
{
	struct fastipc_sender snd[2];
	struct fastipc_rbuf rb[2];
	struct fastipc_msg msg;
	char a[8], b[8];
	uint64_t token;
	pid_t pid;
	void *buf;

	/* A page message, mapped, and its sender. */
	ASSERT_EQ(0, fastipc_msg_alloc(self->tx, BIG, FASTIPC_ALLOC_WINDOW,
				       &buf));
	ASSERT_EQ(0, fastipc_buf_send(self->tx, buf, BIG, 0, 0, -1));
	memset(snd, 0, sizeof(snd));
	ASSERT_EQ(0, fastipc_recv_from(self->rx, &msg, &snd[0],
				       FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED | FASTIPC_MSG_SENDER,
		  msg.flags);
	ASSERT_EQ(getpid(), (pid_t)snd[0].pid);
	ASSERT_EQ(geteuid(), snd[0].uid);
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(-EINVAL, fastipc_recv_from(self->rx, &msg, NULL, 0, -1));

	/* A blocking receive with the sender never tries read(2). */
	pid = fork();
	if (!pid) {
		fipc_sleep_ms(50);
		_exit(fastipc_send(self->tx, "late", 4, 0, 0) ? 1 : 0);
	}
	{
		unsigned long reads0 = reads;

		ASSERT_EQ(0, fastipc_recv_from(self->rx, &msg, &snd[0], 0,
					       -1));
		ASSERT_EQ(reads0, reads);
	}
	ASSERT_EQ(pid, (pid_t)snd[0].pid);
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(0, fipc_wait_child(pid));

	/* A vector: each message's own sender. */
	ASSERT_EQ(0, fastipc_send(self->tx, "a", 1, 0, 0));
	pid = fork();
	if (!pid)
		_exit(fastipc_send(self->tx, "b", 1, 0, 0) ? 1 : 0);
	ASSERT_EQ(0, fipc_wait_child(pid));
	rb[0] = (struct fastipc_rbuf){ .buf = a, .size = sizeof(a) };
	rb[1] = (struct fastipc_rbuf){ .buf = b, .size = sizeof(b) };
	ASSERT_EQ(2, fastipc_recv_vec_from(self->rx, rb, snd, 2,
					   FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(getpid(), (pid_t)snd[0].pid);
	ASSERT_EQ(pid, (pid_t)snd[1].pid);
	ASSERT_EQ(-EINVAL, fastipc_recv_vec_from(self->rx, rb, NULL, 2, 0, -1));

	/* A request: the caller. */
	pid = fork();
	if (!pid) {
		char r[8];

		_exit(fastipc_call(self->tx, "q", 1, 0, r, sizeof(r), 0, -1) ==
		      1 ? 0 : 1);
	}
	ASSERT_EQ(0, fastipc_recv_request(self->rx, &msg, &token, &snd[0], 0,
					  -1));
	ASSERT_EQ(pid, (pid_t)snd[0].pid);
	ASSERT_EQ(0, fastipc_reply(self->rx, token, "r", 1, 0));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	ASSERT_EQ(0, fipc_wait_child(pid));
}

/*
 * Descriptors through the library: copied and page messages, the count
 * written back when the slots are too few, close-on-exec, bad arguments.
 */
TEST_F(lib, descriptors_through_the_library)
{
	int pfd[2], got[2] = { -1, -1 }, pass[2];
	unsigned int nr;
	struct fastipc_msg msg;
	char c;

	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pass[0] = pass[1] = pfd[1];
	ASSERT_EQ(0, fastipc_send_fds(self->tx, "two", 3, 0, pass, 2, 0, -1));
	ASSERT_EQ(-EFAULT, fastipc_send_fds(self->tx, NULL, BIG, 0, pass, 1,
					    FASTIPC_SEND_PAGES, -1));
	close(pfd[1]);

	nr = 1;
	ASSERT_EQ(-ETOOMANYREFS, fastipc_recv_fds(self->rx, &msg, got, &nr,
						  FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(2, nr);
	ASSERT_EQ(-1, got[0]);
	ASSERT_EQ(0, fastipc_recv_fds(self->rx, &msg, got, &nr,
				      FASTIPC_NONBLOCK | FASTIPC_RECV_CLOEXEC,
				      -1));
	ASSERT_EQ(2, nr);
	ASSERT_EQ(3, msg.len);
	ASSERT_EQ(0, memcmp(msg.data, "two", 3));
	ASSERT_EQ(FD_CLOEXEC, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(got[1], "w", 1));
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	close(got[0]);
	close(got[1]);
	/* The refused page send (a NULL buffer faults) left nothing open. */
	ASSERT_EQ(0, read(pfd[0], &c, 1));
	close(pfd[0]);

	/* A message without descriptors says 0. */
	ASSERT_EQ(0, fastipc_send(self->tx, "none", 4, 0, 0));
	nr = 2;
	ASSERT_EQ(0, fastipc_recv_fds(self->rx, &msg, got, &nr,
				      FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, nr);
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));

	ASSERT_EQ(-EINVAL, fastipc_send_fds(self->tx, "x", 1, 0, NULL, 1, 0,
					    -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_fds(self->rx, &msg, got, NULL, 0, -1));
	ASSERT_EQ(-EINVAL, fastipc_recv_fds(self->rx, &msg, got, &nr,
					    FASTIPC_RECV_FDS, -1));
}

/* A call with descriptors both ways, through the library. */
struct fd_caller {
	struct fastipc_chan *ch;
	int pass, got[2];
	struct fastipc_call_fds fds;
	char reply[8];
	ssize_t ret;
};

static void *fd_call(void *arg)
{
	struct fd_caller *c = arg;

	c->fds = (struct fastipc_call_fds){
		.fds = &c->pass, .nr_fds = 1,
		.reply_fds = c->got, .reply_nr_fds = 2,
	};
	c->ret = fastipc_call_fds(c->ch, "q", 1, 0, c->reply, sizeof(c->reply),
				  &c->fds, FASTIPC_CALL_CLOEXEC, -1);
	return NULL;
}

TEST_F(lib, descriptors_in_calls_and_replies)
{
	struct fd_caller c = { .ch = self->tx, .got = { -1, -1 } };
	struct fastipc_msg msg;
	unsigned int nr = 0;
	int pfd[2], got = -1;
	uint64_t token;
	pthread_t th;
	char ch;

	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	c.pass = pfd[1];
	ASSERT_EQ(0, pthread_create(&th, NULL, fd_call, &c));
	/* No room: the request stays, and says how many it carries. */
	ASSERT_EQ(-ETOOMANYREFS, fastipc_recv_request_fds(self->rx, &msg,
							  &token, NULL, &got,
							  &nr, 0, -1));
	ASSERT_EQ(1, nr);
	ASSERT_EQ(0, fastipc_recv_request_fds(self->rx, &msg, &token, NULL,
					      &got, &nr, 0, -1));
	ASSERT_NE(0, token);
	ASSERT_EQ(0, fcntl(got, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(got, "a", 1));
	ASSERT_EQ(1, read(pfd[0], &ch, 1));
	ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	/* The reply gives it back, with the read end. */
	{
		int back[3] = { got, pfd[0], got };

		/* More than the caller has room for: refused, still held. */
		ASSERT_EQ(-ETOOMANYREFS, fastipc_reply_fds(self->rx, token,
							   "r", 1, back, 3,
							   0));
		ASSERT_EQ(0, fastipc_reply_fds(self->rx, token, "r", 1, back,
					       2, 0));
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(1, c.ret);
	ASSERT_EQ(2, c.fds.reply_nr_fds);
	ASSERT_EQ(FD_CLOEXEC, fcntl(c.got[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(c.got[0], "b", 1));
	ASSERT_EQ(1, read(c.got[1], &ch, 1));
	ASSERT_EQ('b', ch);
	close(c.got[0]);
	close(c.got[1]);
	close(got);
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(-ENOENT, fastipc_reply_fds(self->rx, token, "r", 1, NULL, 0,
					     0));
}

/*
 * A copied message longer than the library's first guess at a receive
 * buffer costs a retry (EMSGSIZE says its length); the guess then grows
 * to it, so the next one of that size is one system call, on a plain
 * receive and on a server's reply-and-receive alike.
 */
TEST_F(lib, long_copied_messages_cost_one_call_after_the_first)
{
	struct fastipc_msg msg;
	char *out = malloc(BIG);
	unsigned long before;
	int i;

	ASSERT_NE(NULL, out);
	fipc_fill(out, BIG, 9);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fastipc_send(self->tx, out, BIG, 0,
					  FASTIPC_SEND_COPY));
	for (i = 0; i < 3; i++) {
		before = ioctls;
		ASSERT_EQ(0, fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK,
					      -1));
		ASSERT_EQ(i ? 1 : 2, ioctls - before) TH_LOG("receive %d", i);
		ASSERT_EQ(BIG, msg.len);
		ASSERT_EQ(-1, fipc_check(msg.data, BIG, 9));
		ASSERT_EQ(0, fastipc_msg_release(self->rx, &msg));
	}
	free(out);
}

TEST(topic_through_the_library)
{
	struct fastipc_chan *pub, *sub[2], *both;
	char name[FASTIPC_NAME_LEN];
	struct fastipc_info info;
	struct fastipc_msg msg;
	void *buf;
	int i;

	fipc_name(name, "libtopic");
	ASSERT_EQ(-EINVAL, fastipc_topic_open(name, FASTIPC_O_SEND, 0, NULL,
					      0, 1, &pub));
	ASSERT_EQ(0, fastipc_topic_open(name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
					FASTIPC_O_EXCL, 0600, NULL,
					FASTIPC_TOPIC_DROP_OLDEST, 2, &pub));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, fastipc_open(name, FASTIPC_O_RECV, 0, NULL,
					  &sub[i]));
	/* Subscribes and may publish: its window is writable. */
	ASSERT_EQ(0, fastipc_topic_open(name, FASTIPC_O_RDWR, 0, NULL, 0, 0,
					&both));
	ASSERT_EQ(0, fastipc_info(sub[0], &info));
	ASSERT_EQ(FASTIPC_O_TOPIC, info.handle_flags & FASTIPC_O_TOPIC);
	ASSERT_EQ(FASTIPC_TOPIC_DROP_OLDEST, info.topic_flags);
	ASSERT_EQ(2, info.history);
	ASSERT_EQ(3, info.subscribers);

	ASSERT_EQ(0, fastipc_msg_alloc(pub, BIG, 0, &buf));
	fipc_fill(buf, BIG, 5);
	ASSERT_EQ(0, fastipc_buf_send(pub, buf, BIG, 0, 0, -1));
	/* Receive-only subscribers map it, read-only. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, fastipc_recv_msg(sub[i], &msg, FASTIPC_NONBLOCK,
					      -1));
		ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, msg.flags);
		ASSERT_EQ(-1, fipc_check(msg.data, BIG, 5));
		ASSERT_EQ(0, fastipc_msg_release(sub[i], &msg));
	}
	/* The one with a writable window gets a copy. */
	ASSERT_EQ(0, fastipc_recv_msg(both, &msg, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(FASTIPC_MSG_PAGES, msg.flags);
	ASSERT_EQ(-1, fipc_check(msg.data, BIG, 5));
	ASSERT_EQ(0, fastipc_msg_release(both, &msg));
	/* Small ones through the copy calls. */
	ASSERT_EQ(0, fastipc_send(pub, "hello", 5, 0, 0));
	for (i = 0; i < 2; i++) {
		char got[8];

		ASSERT_EQ(5, fastipc_recv(sub[i], got, sizeof(got), NULL, 0));
		ASSERT_EQ(0, memcmp(got, "hello", 5));
	}
	ASSERT_EQ(0, fastipc_info(both, &info));
	ASSERT_EQ(1, info.sub_backlog);
	ASSERT_EQ(0, info.sub_drops);
	ASSERT_EQ(1, info.sub_received);
	fastipc_close(both);
	for (i = 0; i < 2; i++)
		fastipc_close(sub[i]);
	fastipc_close(pub);
	fastipc_unlink(name);
}

/*
 * A program built before struct fastipc_info grew calls the old version
 * of fastipc_info: it must write no byte past the old size.
 */
TEST(info_keeps_to_the_size_an_older_program_knows)
{
	int (*old)(struct fastipc_chan *, struct fastipc_info *);
	char name[FASTIPC_NAME_LEN];
	struct fastipc_chan *ch;
	unsigned char buf[sizeof(struct fastipc_info) + 16];
	void *so;
	size_t i;

	so = dlopen("build/lib/libfastipc.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!so)
		SKIP(return, "no build/lib/libfastipc.so.0: %s", dlerror());
	old = (int (*)(struct fastipc_chan *, struct fastipc_info *))
		dlvsym(so, "fastipc_info", "FASTIPC_0.1");
	ASSERT_NE(NULL, old);
	ASSERT_NE(NULL, dlvsym(so, "fastipc_info", "FASTIPC_0.8"));
	fipc_name(name, "libinfo");
	/* Opened through the shared library: its handles are its own. */
	{
		int (*op)(const char *, unsigned int, unsigned int,
			  const struct fastipc_attr *, struct fastipc_chan **);
		int (*cl)(struct fastipc_chan *);

		op = (int (*)(const char *, unsigned int, unsigned int,
			      const struct fastipc_attr *,
			      struct fastipc_chan **))dlsym(so, "fastipc_open");
		cl = (int (*)(struct fastipc_chan *))dlsym(so, "fastipc_close");
		ASSERT_NE(NULL, op);
		ASSERT_EQ(0, op(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
				NULL, &ch));
		memset(buf, 0xa5, sizeof(buf));
		ASSERT_EQ(0, old(ch, (struct fastipc_info *)buf));
		for (i = FASTIPC_INFO_SIZE_VER0; i < sizeof(buf); i++)
			ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %zu written", i);
		ASSERT_EQ(0, memcmp(buf, name, strlen(name)));
		cl(ch);
	}
	fastipc_unlink(name);
	dlclose(so);
}

FIPC_TEST_MAIN

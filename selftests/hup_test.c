// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: knowing the other side left (FASTIPC_O_HUP).
 *
 * A receiving handle opened with FASTIPC_O_HUP learns that the last
 * sending handle closed: it takes what is still queued, then a receive
 * fails with EPIPE at once (a receive already waiting is woken with it),
 * and poll says EPOLLRDHUP | EPOLLHUP.  A sending handle with the flag
 * learns that no receiving handle is left: a send or call fails with
 * EPIPE (one waiting for room is woken with it), poll says EPOLLERR.  A
 * new handle of the other side ends the hang-up; a side that never had
 * a handle is no hang-up; handles without the flag keep waiting as for a
 * message queue.  Waits with no timeout stand for "at once": a receive
 * not woken would hang and the harness's limit would fail the test.
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>

#include "adv_util.h"

#define RX_HUP	(FASTIPC_O_RECV | FASTIPC_O_HUP)
#define TX_HUP	(FASTIPC_O_SEND | FASTIPC_O_HUP)

FIXTURE(hup) {
	char name[FASTIPC_NAME_LEN];
	int creator;		/* holds the channel; neither side */
};

FIXTURE_SETUP(hup)
{
	struct fastipc_open op = {
		.flags = FASTIPC_O_RECV | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		.mode = 0600,
	};

	fipc_name(self->name, "hup");
	/* A receiver that is itself: closed at once, the name keeps it. */
	self->creator = fipc_dev();
	ASSERT_LE(0, self->creator);
	fipc_set_name(op.name, self->name);
	ASSERT_EQ(0, fipc_ioctl(self->creator, FASTIPC_IOC_OPEN, &op));
}

FIXTURE_TEARDOWN(hup)
{
	if (self->creator >= 0)
		close(self->creator);
	fipc_unlink(self->name);
}

static short poll_of(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static int recv_one(int fd, uint32_t flags, int64_t timeout_ns)
{
	char buf[64];
	uint64_t len = sizeof(buf);

	return fipc_recv(fd, buf, &len, NULL, flags, timeout_ns);
}

/* The last sender closes: what was queued, then EPIPE; poll says so. */
TEST_F(hup, receiver_learns_the_last_sender_left)
{
	int rx = fipc_open(self->name, RX_HUP, 0, NULL);
	int tx = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int tx2 = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int plain = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	char buf[8];

	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	ASSERT_LE(0, tx2);
	ASSERT_LE(0, plain);
	ASSERT_EQ(FASTIPC_O_RECV | FASTIPC_O_HUP, adv_info(rx).handle_flags);
	ASSERT_EQ(-EAGAIN, recv_one(rx, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(tx, "a", 1, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(tx, "b", 1, 0, 0, -1));
	close(tx);
	/* One sender is left. */
	ASSERT_EQ(0, poll_of(rx, POLLRDHUP) & (POLLHUP | POLLRDHUP));
	close(tx2);
	ASSERT_EQ(POLLIN | POLLRDHUP | POLLHUP,
		  poll_of(rx, POLLIN | POLLRDHUP));
	ASSERT_EQ(0, recv_one(rx, 0, -1));
	ASSERT_EQ(0, recv_one(rx, 0, -1));
	ASSERT_EQ(POLLRDHUP | POLLHUP, poll_of(rx, POLLIN | POLLRDHUP));
	ASSERT_EQ(-EPIPE, recv_one(rx, 0, -1));
	ASSERT_EQ(-EPIPE, recv_one(rx, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EPIPE, (int)(read(rx, buf, sizeof(buf)) < 0 ? -errno : 0));
	/* A handle without the flag waits as for a message queue. */
	ASSERT_EQ(0, poll_of(plain, POLLIN | POLLRDHUP));
	ASSERT_EQ(-ETIMEDOUT, recv_one(plain, 0, 5 * FIPC_MS));
	ASSERT_EQ(-EAGAIN, recv_one(plain, FASTIPC_NONBLOCK, -1));

	/* A new sender ends the hang-up. */
	tx = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, poll_of(rx, POLLIN | POLLRDHUP));
	ASSERT_EQ(-EAGAIN, recv_one(rx, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(tx, "c", 1, 0, 0, -1));
	ASSERT_EQ(0, recv_one(rx, 0, -1));
	close(tx);
	ASSERT_EQ(-EPIPE, recv_one(rx, 0, -1));
	close(plain);
	close(rx);
}

/* No sender yet is no hang-up: a receiver waits for the first. */
TEST_F(hup, no_sender_yet_is_no_hangup)
{
	int rx;

	/* A handle that may send and sent nothing was a sender all the same. */
	fipc_unlink(self->name);
	close(self->creator);
	self->creator = fipc_create(self->name, NULL);	/* RDWR */
	ASSERT_LE(0, self->creator);
	close(self->creator);
	self->creator = -1;
	rx = fipc_open(self->name, RX_HUP, 0, NULL);
	ASSERT_LE(0, rx);
	ASSERT_EQ(-EPIPE, recv_one(rx, FASTIPC_NONBLOCK, -1));
	close(rx);
	fipc_unlink(self->name);

	/* A channel whose only handle ever is this receiver. */
	{
		struct fastipc_open op = {
			.flags = RX_HUP | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
			.mode = 0600,
		};

		rx = fipc_dev();
		ASSERT_LE(0, rx);
		fipc_set_name(op.name, self->name);
		ASSERT_EQ(0, fipc_ioctl(rx, FASTIPC_IOC_OPEN, &op));
		ASSERT_EQ(-EAGAIN, recv_one(rx, FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(-ETIMEDOUT, recv_one(rx, 0, 5 * FIPC_MS));
		ASSERT_EQ(0, poll_of(rx, POLLIN | POLLRDHUP));
		close(rx);
	}
}

/*
 * A receiver already waiting is woken with EPIPE when the last sender
 * closes, or is killed; one without the flag sleeps on.  epoll wakes.
 */
TEST_F(hup, waiting_receiver_is_woken)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int rx = fipc_open(self->name, RX_HUP, 0, NULL);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pid_t sender, waiter, plain;
	int pfd[2];
	char c;

	ASSERT_LE(0, rx);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, rx, &ev));
	sender = fork();
	if (!sender) {
		int tx = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);

		FIPC_CHILD_CHECK(tx >= 0);
		FIPC_CHILD_CHECK(write(pfd[1], "s", 1) == 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	waiter = fork();
	if (!waiter)
		_exit(-recv_one(rx, 0, -1));
	plain = fork();
	if (!plain) {
		int fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

		FIPC_CHILD_CHECK(fd >= 0);
		_exit(-recv_one(fd, 0, -1));
	}
	/* Both wait in their receive. */
	while (adv_proc_state(waiter) != 'S')
		fipc_sleep_ms(5);
	while (adv_proc_state(plain) != 'S')
		fipc_sleep_ms(5);
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, kill(sender, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, fipc_wait_child(sender));
	ASSERT_EQ(EPIPE, fipc_wait_child(waiter));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, -1));
	ASSERT_EQ(EPOLLRDHUP | EPOLLHUP, ev.events);
	/* The one without the flag still waits: give it a message. */
	{
		int tx = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);

		ASSERT_LE(0, tx);
		ASSERT_EQ(0, fipc_send(tx, "m", 1, 0, 0, -1));
		ASSERT_EQ(0, fipc_wait_child(plain));
		close(tx);
	}
	close(ep);
	close(rx);
	close(pfd[0]);
	close(pfd[1]);
}

/* A sender learns that no receiver is left: EPIPE, nothing queued. */
TEST_F(hup, sender_learns_the_last_receiver_left)
{
	int tx = fipc_open(self->name, TX_HUP, 0, NULL);
	int plain = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	char reply[8];
	struct fastipc_call cl = {
		.buf = (uintptr_t)"q", .len = 1,
		.reply_buf = (uintptr_t)reply, .reply_len = sizeof(reply),
		.timeout_ns = -1,
	};

	ASSERT_LE(0, tx);
	ASSERT_LE(0, plain);
	ASSERT_EQ(0, fipc_send(tx, "a", 1, 0, 0, -1));
	ASSERT_EQ(POLLOUT, poll_of(tx, POLLOUT));
	close(self->creator);		/* the only receiver */
	self->creator = -1;
	ASSERT_EQ(POLLOUT | POLLERR, poll_of(tx, POLLOUT));
	ASSERT_EQ(-EPIPE, fipc_send(tx, "b", 1, 0, 0, -1));
	ASSERT_EQ(-EPIPE, fipc_send(tx, "b", 64 << 10, 0, FASTIPC_SEND_PAGES,
				    -1));
	ASSERT_EQ(-EPIPE, (int)(write(tx, "b", 1) < 0 ? -errno : 0));
	ASSERT_EQ(-EPIPE, fipc_ioctl(tx, FASTIPC_IOC_CALL, &cl));
	/* Without the flag: queued as ever. */
	ASSERT_EQ(0, fipc_send(plain, "c", 1, 0, 0, -1));
	ASSERT_EQ(2, adv_info(tx).queued_msgs);
	/* A receiver comes back: sends work again. */
	self->creator = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, self->creator);
	ASSERT_EQ(0, fipc_send(tx, "d", 1, 0, 0, -1));
	ASSERT_EQ(POLLOUT, poll_of(tx, POLLOUT));
	close(plain);
	close(tx);
}

/* A sender waiting for room is woken with EPIPE when the receivers go. */
TEST_F(hup, waiting_sender_is_woken)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	char name[FASTIPC_NAME_LEN];
	int rx, tx;
	pid_t pid;

	fipc_name(name, "hupw");
	rx = fipc_open(name, FASTIPC_O_RECV | FASTIPC_O_CREAT, 0600, &attr);
	ASSERT_LE(0, rx);
	tx = fipc_open(name, TX_HUP, 0, NULL);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, fipc_send(tx, "full", 4, 0, 0, -1));
	pid = fork();
	if (!pid) {
		close(rx);	/* not one more receiver */
		_exit(-fipc_send(tx, "more", 4, 0, 0, -1));
	}
	while (adv_proc_state(pid) != 'S')
		fipc_sleep_ms(5);
	close(rx);
	ASSERT_EQ(EPIPE, fipc_wait_child(pid));
	ASSERT_EQ(1, adv_info(tx).queued_msgs);
	close(tx);
	fipc_unlink(name);
}

/*
 * A handle that may do both counts as both sides, and a handle's file is
 * the handle: a fork child or a dup keeps it open.
 */
TEST_F(hup, handles_are_files)
{
	int rx = fipc_open(self->name, RX_HUP, 0, NULL);
	int tx = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int both = fipc_open(self->name, FASTIPC_O_RDWR | FASTIPC_O_HUP, 0,
			     NULL);
	int dup_tx;

	ASSERT_LE(0, rx);
	ASSERT_LE(0, tx);
	ASSERT_LE(0, both);
	dup_tx = dup(tx);
	ASSERT_LE(0, dup_tx);
	close(tx);
	ASSERT_EQ(-EAGAIN, recv_one(rx, FASTIPC_NONBLOCK, -1));
	close(dup_tx);
	/* "both" is still a sender. */
	ASSERT_EQ(-EAGAIN, recv_one(rx, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, recv_one(both, FASTIPC_NONBLOCK, -1));
	close(both);
	ASSERT_EQ(-EPIPE, recv_one(rx, FASTIPC_NONBLOCK, -1));
	close(rx);
}

/* Bad use: the flag alone gives no access; unknown bits are refused. */
TEST_F(hup, open_flag_checks)
{
	ASSERT_EQ(-EINVAL, fipc_open(self->name, FASTIPC_O_HUP, 0, NULL));
	ASSERT_EQ(-EINVAL, fipc_open(self->name, RX_HUP | 0x80, 0, NULL));
}

FIPC_TEST_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * FASTIPC_IOC_SET_BUSY_POLL: a handle's blocking receives watch an empty
 * channel for a while before they sleep (uapi.md).  The setting is the
 * handle's own, a receiving handle starts adaptive under the module's
 * ceiling; a message sent while a receiver polls is taken without the
 * receiver sleeping; an adaptive poll grows while waits are short and
 * goes to nothing when they are long; polling never outlasts a signal, a
 * timeout or FASTIPC_NONBLOCK, and never takes a message from a receiver
 * that was already asleep.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "adv_util.h"

FIXTURE(poll) {
	char name[FASTIPC_NAME_LEN];
	int fd;		/* RDWR, the creator */
};

FIXTURE_SETUP(poll)
{
	fipc_name(self->name, "poll");
	self->fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(poll)
{
	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
}

static uint32_t poll_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		return UINT32_MAX;
	return info.busy_poll_us;
}

static uint32_t poll_flags_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		return UINT32_MAX;
	return info.busy_poll_flags;
}

static uint32_t window_of(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		return UINT32_MAX;
	return info.busy_poll_window_ns;
}

/* The module parameter as a new receiving handle takes it. */
static uint32_t default_poll(void)
{
	unsigned long long v = fipc_param("busy_poll_us", 200);

	return v > FASTIPC_BUSY_POLL_MAX_US ? FASTIPC_BUSY_POLL_MAX_US : v;
}

TEST_F(poll, setting_is_the_handles_and_checked)
{
	struct fastipc_busy_poll bp = { .usecs = 10 };
	int rfd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	int sfd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int unbound = fipc_dev();

	ASSERT_LE(0, rfd);
	ASSERT_LE(0, sfd);
	ASSERT_LE(0, unbound);
	/* Receiving handles start adaptive; a sending one has none. */
	ASSERT_EQ(default_poll(), poll_of(self->fd));
	ASSERT_EQ(default_poll() ? FASTIPC_BUSY_POLL_ADAPTIVE : 0,
		  poll_flags_of(self->fd));
	ASSERT_EQ(0, window_of(self->fd));
	ASSERT_EQ(default_poll(), poll_of(rfd));
	ASSERT_EQ(0, poll_of(sfd));
	ASSERT_EQ(0, poll_flags_of(sfd));

	ASSERT_EQ(0, fipc_busy_poll(rfd, 50));
	ASSERT_EQ(50, poll_of(rfd));
	ASSERT_EQ(0, poll_flags_of(rfd));		/* fixed */
	ASSERT_EQ(default_poll(), poll_of(self->fd));	/* another handle */
	ASSERT_EQ(0, fipc_busy_poll_flags(rfd, FASTIPC_BUSY_POLL_MAX_US,
					  FASTIPC_BUSY_POLL_ADAPTIVE));
	ASSERT_EQ(FASTIPC_BUSY_POLL_MAX_US, poll_of(rfd));
	ASSERT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, poll_flags_of(rfd));

	/* Refused calls change nothing. */
	ASSERT_EQ(-EINVAL, fipc_busy_poll(rfd, FASTIPC_BUSY_POLL_MAX_US + 1));
	ASSERT_EQ(-EINVAL, fipc_busy_poll(rfd, UINT32_MAX));
	ASSERT_EQ(-EINVAL, fipc_busy_poll_flags(rfd, 10, 2));
	ASSERT_EQ(-EINVAL, fipc_busy_poll_flags(rfd, 10, UINT32_MAX));
	bp.__reserved = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(rfd, FASTIPC_IOC_SET_BUSY_POLL, &bp));
	ASSERT_EQ(FASTIPC_BUSY_POLL_MAX_US, poll_of(rfd));
	ASSERT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, poll_flags_of(rfd));
	ASSERT_EQ(-EBADF, fipc_busy_poll(sfd, 10));	/* cannot receive */
	ASSERT_EQ(0, poll_of(sfd));
	ASSERT_EQ(-EBADFD, fipc_busy_poll(unbound, 10));

	ASSERT_EQ(0, fipc_busy_poll(rfd, 0));
	ASSERT_EQ(0, poll_of(rfd));
	ASSERT_EQ(0, poll_flags_of(rfd));
	close(unbound);
	close(sfd);
	close(rfd);
}

/* Receives that must not wait do not poll either. */
TEST_F(poll, nonblocking_timed_and_queued_receives)
{
	char buf[64];
	uint64_t len = sizeof(buf);
	int nb = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

	ASSERT_LE(0, nb);
	ASSERT_EQ(0, fipc_busy_poll(self->fd, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(-EAGAIN, fipc_recv(self->fd, buf, &len, NULL,
				     FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(self->fd, buf, &len, NULL, 0,
					FIPC_MS));
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(self->fd, buf, &len, NULL, 0, 0));

	/* read(2) on an O_NONBLOCK file. */
	ASSERT_EQ(0, fipc_busy_poll(nb, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(0, fcntl(nb, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(nb, buf, sizeof(buf)));
	ASSERT_EQ(EAGAIN, errno);

	/* Already queued: taken at once, by each receive path. */
	ASSERT_EQ(0, fipc_send(self->fd, "one", 3, 0, 0, -1));
	ASSERT_EQ(3, read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "one", 3));
	ASSERT_EQ(0, fipc_send(self->fd, "two", 3, 0, 0, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, 0, -1));
	ASSERT_EQ(3, len);
	ASSERT_EQ(0, fipc_send(self->fd, "three", 5, 0, 0, -1));
	{
		struct fastipc_rvec ent = { .buf = (uintptr_t)buf,
					    .len = sizeof(buf) };

		ASSERT_EQ(1, fipc_recv_vec(self->fd, &ent, 1, 0, -1));
		ASSERT_EQ(5, ent.len);
		ASSERT_EQ(0, memcmp(buf, "three", 5));
	}
	close(nb);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal during the poll ends the receive, as it ends a sleep. */
TEST_F(poll, signal_interrupts_a_polling_receive)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value.tv_usec = 2000 };
	char buf[64];

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, fipc_busy_poll(self->fd, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(EINTR, errno);
	/* The channel is still usable. */
	ASSERT_EQ(0, fipc_send(self->fd, "after", 5, 0, 0, -1));
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
}

static long voluntary_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return ru.ru_nvcsw;
}

/*
 * read(2) one message, which must be @name: returns the voluntary context
 * switches the receive took (0: it never slept), or -1.
 */
static long read_switches(int fd, const char *name)
{
	char buf[64];
	long before = voluntary_switches(), after;
	ssize_t n = read(fd, buf, sizeof(buf));

	after = voluntary_switches();
	if (n != (ssize_t)strlen(name) || memcmp(buf, name, n))
		return -1;
	return after - before;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * One receive of a message a child on the other CPU sends about three
 * milliseconds after it is told to: returns the receiver's voluntary
 * context switches during the receive, or -1.
 */
static long receive_from_other_cpu(int fd, const char *name, int go[2])
{
	char c = 'g';

	if (write(go[1], &c, 1) != 1)
		return -1;
	return read_switches(fd, name);
}

/* The handle's busy-poll counters (INFO): receives that polled, hits. */
static uint64_t polls_of(int fd)
{
	struct fastipc_info info;

	return fipc_info(fd, &info) ? UINT64_MAX : info.busy_polls;
}

static uint64_t hits_of(int fd)
{
	struct fastipc_info info;

	return fipc_info(fd, &info) ? UINT64_MAX : info.busy_poll_hits;
}

/*
 * With a poll longer than the sender takes, the receive gets the message
 * without sleeping (no voluntary context switch); without one, it never
 * polls.  What is asserted is what the kernel counted (INFO's busy_polls
 * and busy_poll_hits), not what the clock allowed: a loaded machine may
 * want the receiver's CPU in any one attempt and end its poll early, so
 * the polling receiver tries until one poll saw its message come and took
 * it without sleeping (at most 100 times).
 */
TEST_F(poll, message_taken_without_sleeping)
{
	const int rounds = 10, tries = 100;
	int go[2], sfd, i, slept = 0, polled = 0;
	uint64_t polls, hits;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || pin(0))
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, pipe(go));
	sfd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, sfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		close(go[1]);	/* the parent's close ends the child's read */
		FIPC_CHILD_CHECK(pin(1) == 0);
		while (read(go[0], &c, 1) == 1) {
			usleep(3000);
			FIPC_CHILD_CHECK(fipc_send(sfd, self->name,
						   strlen(self->name), 0, 0,
						   -1) == 0);
		}
		_exit(0);
	}
	close(go[0]);

	ASSERT_EQ(0, fipc_busy_poll(self->fd, 0));
	polls = polls_of(self->fd);
	for (i = 0; i < rounds; i++) {
		long sw = receive_from_other_cpu(self->fd, self->name, go);

		ASSERT_LE(0, sw);
		slept += sw > 0;
	}
	EXPECT_EQ(polls, polls_of(self->fd)) TH_LOG("a receive polled with "
						    "the poll off");

	ASSERT_EQ(0, fipc_busy_poll(self->fd, FASTIPC_BUSY_POLL_MAX_US));
	polls = polls_of(self->fd);
	for (i = 0; i < tries && !polled; i++) {
		long sw;

		hits = hits_of(self->fd);
		sw = receive_from_other_cpu(self->fd, self->name, go);
		ASSERT_LE(0, sw);
		polled = sw == 0 && hits_of(self->fd) == hits + 1;
	}
	close(go[1]);
	ASSERT_EQ(0, fipc_wait_child(pid));
	EXPECT_LT(polls, polls_of(self->fd)) TH_LOG("no receive polled");
	EXPECT_TRUE(polled) TH_LOG("in %d tries, no poll took its message "
				   "without sleeping", tries);
	printf("# without polling %d of %d receives slept; polling took a "
	       "message without sleeping after %d tries\n", slept, rounds, i);
	fflush(stdout);
	close(sfd);
}

/*
 * A request/reply peer on the other CPU, without a busy poll: it
 * receives a request (a delay in microseconds) on @req, waits that long
 * and replies on @name's channel; a request of UINT32_MAX ends it.
 */
static void replier(const char *req, const char *name)
{
	int rq = fipc_open(req, FASTIPC_O_RECV, 0, NULL);
	int tx = fipc_open(name, FASTIPC_O_SEND, 0, NULL);
	uint32_t delay;

	/* It sleeps between requests: each reply costs it a wake-up. */
	FIPC_CHILD_CHECK(rq >= 0 && tx >= 0 && pin(1) == 0 &&
			 fipc_busy_poll(rq, 0) == 0);
	while (read(rq, &delay, sizeof(delay)) == sizeof(delay)) {
		if (delay == UINT32_MAX)
			_exit(0);
		if (delay)
			usleep(delay);
		FIPC_CHILD_CHECK(fipc_send(tx, name, strlen(name), 0, 0,
					   -1) == 0);
	}
	_exit(1);
}

enum turn {
	IN_TURN,	/* the reply is the next receive after the request */
	AFTER_READ,	/* a read(2) of a queued message comes between */
	AFTER_VEC,	/* a RECV_VEC of a queued message comes between */
};

/*
 * Ask for a reply @delay_us away and receive it: right after the request
 * (a request/reply turn), or after a blocking receive of a message queued
 * before, which ends the turn.  Returns the receiver's voluntary context
 * switches while it waited for the reply, or -1.
 */
static long ask(int fd, int rq, const char *name, uint32_t delay_us,
		enum turn turn)
{
	struct fastipc_rvec ent;
	char buf[64];

	if (turn != IN_TURN && fipc_send(fd, "x", 1, 0, 0, -1))
		return -1;
	if (fipc_send(rq, &delay_us, sizeof(delay_us), 0, 0, -1))
		return -1;
	ent = (struct fastipc_rvec){ .buf = (uintptr_t)buf, .len = sizeof(buf) };
	if (turn == AFTER_READ && read(fd, buf, sizeof(buf)) != 1)
		return -1;
	if (turn == AFTER_VEC && (fipc_recv_vec(fd, &ent, 1, 0, -1) != 1 ||
				  ent.len != 1))
		return -1;
	return read_switches(fd, name);
}

/*
 * An adaptive poll starts at nothing and polls only for replies: in
 * request/reply turns it grows while the replies come soon (here: as
 * soon as the peer on the other CPU is woken) until a poll takes one; a
 * receive after another blocking one (read(2) or RECV_VEC of a queued
 * message) ends the turn, does not poll and leaves the length alone;
 * once the replies come later than the ceiling, it shrinks back to
 * nothing.  The kernel's counters say what it did (busy_polls,
 * busy_poll_hits); the fast phase runs until a poll took a reply, at
 * most 200 round trips, since a loaded machine may cut polls short.
 */
TEST_F(poll, adaptive_poll_follows_the_replies)
{
	const uint32_t ceiling_us = FASTIPC_BUSY_POLL_MAX_US;
	const uint32_t slow_us = 3 * ceiling_us, stop = UINT32_MAX;
	const int fast = 200, rounds = 10, slow = 16;
	int rq, i, slept[2] = { 0, 0 };
	uint64_t polls, hits;
	char req[FASTIPC_NAME_LEN];
	uint32_t grown = 0;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || pin(0))
		SKIP(return, "needs two CPUs");
	fipc_name(req, "pollreq");
	rq = fipc_create(req, NULL);
	ASSERT_LE(0, rq);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		replier(req, self->name);

	ASSERT_EQ(0, fipc_busy_poll_flags(self->fd, ceiling_us,
					  FASTIPC_BUSY_POLL_ADAPTIVE));
	ASSERT_EQ(0, window_of(self->fd));
	hits = hits_of(self->fd);
	for (i = 0; i < fast && hits_of(self->fd) == hits; i++)
		ASSERT_LE(0, ask(self->fd, rq, self->name, 0, IN_TURN));
	grown = window_of(self->fd);
	EXPECT_LT(0, grown) TH_LOG("short waits did not grow the poll");
	EXPECT_GE(ceiling_us * 1000, grown);
	EXPECT_LT(hits, hits_of(self->fd)) TH_LOG("in %d round trips the "
						  "grown poll never took a "
						  "reply", fast);

	polls = polls_of(self->fd);
	for (i = 0; i < 2 * rounds; i++) {
		long sw = ask(self->fd, rq, self->name, 0,
			      i % 2 ? AFTER_VEC : AFTER_READ);

		ASSERT_LE(0, sw);
		slept[i % 2] += sw > 0;
	}
	EXPECT_EQ(polls, polls_of(self->fd)) TH_LOG("a receive outside a "
						    "request/reply turn "
						    "polled");
	EXPECT_EQ(grown, window_of(self->fd));

	for (i = 0; i < slow; i++)
		ASSERT_LE(0, ask(self->fd, rq, self->name, slow_us, IN_TURN));
	EXPECT_EQ(0, window_of(self->fd)) TH_LOG("waits past the ceiling "
						 "left a poll of %u ns",
						 window_of(self->fd));
	printf("# adaptive poll: grew to %u ns; polls %llu, replies a poll "
	       "took %llu; receives outside a turn that slept: %d of %d "
	       "after a read, %d of %d after a RECV_VEC\n", grown,
	       (unsigned long long)polls_of(self->fd),
	       (unsigned long long)hits_of(self->fd), slept[0], rounds,
	       slept[1], rounds);
	fflush(stdout);
	ASSERT_EQ(0, fipc_send(rq, &stop, sizeof(stop), 0, 0, -1));
	ASSERT_EQ(0, fipc_wait_child(pid));
	close(rq);
	fipc_unlink(req);
}

/*
 * The module parameter busy_poll_us is the ceiling a receiving handle
 * starts with (0: no poll), up to FASTIPC_BUSY_POLL_MAX_US; handles open
 * already keep theirs.
 */
TEST_F(poll, new_handles_take_the_module_default)
{
	struct adv_param param = {};
	int off, on, capped;

	if (geteuid())
		SKIP(return, "needs root to set module parameters");
	ASSERT_EQ(0, adv_param_set(&param, "busy_poll_us", 0));
	off = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_EQ(0, adv_param_set(&param, "busy_poll_us", 75));
	on = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_EQ(0, adv_param_set(&param, "busy_poll_us",
				   FASTIPC_BUSY_POLL_MAX_US + 5));
	capped = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_EQ(0, adv_param_restore(&param));
	ASSERT_LE(0, off);
	ASSERT_LE(0, on);
	ASSERT_LE(0, capped);

	EXPECT_EQ(0, poll_of(off));
	EXPECT_EQ(0, poll_flags_of(off));
	EXPECT_EQ(75, poll_of(on));
	EXPECT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, poll_flags_of(on));
	EXPECT_EQ(FASTIPC_BUSY_POLL_MAX_US, poll_of(capped));
	EXPECT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, poll_flags_of(capped));
	close(off);
	close(on);
	close(capped);
}

struct sleeper {
	int fd;
	char buf[64];
	ssize_t n;
	atomic_int started;
};

static void *sleeping_receive(void *arg)
{
	struct sleeper *s = arg;

	atomic_store(&s->started, 1);
	s->n = read(s->fd, s->buf, sizeof(s->buf));
	return NULL;
}

/*
 * A receiver asleep on the channel before a polling one began is handed
 * the next message; the poller gets the one after.  Messages keep the
 * order in which receivers began to wait (promises.md D4).
 */
TEST_F(poll, sleeping_receiver_keeps_its_turn)
{
	struct sleeper a = { .fd = fipc_open(self->name, FASTIPC_O_RECV, 0,
					     NULL) };
	struct sleeper b = { .fd = fipc_open(self->name, FASTIPC_O_RECV, 0,
					     NULL) };
	pthread_t ta, tb;

	ASSERT_LE(0, a.fd);
	ASSERT_LE(0, b.fd);
	ASSERT_EQ(0, fipc_busy_poll(b.fd, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(0, pthread_create(&ta, NULL, sleeping_receive, &a));
	while (!atomic_load(&a.started))
		usleep(1000);
	fipc_sleep_ms(100);	/* a is asleep on the channel */
	ASSERT_EQ(0, pthread_create(&tb, NULL, sleeping_receive, &b));
	while (!atomic_load(&b.started))
		usleep(1000);
	usleep(200);		/* b is in its poll, or asleep behind a */

	ASSERT_EQ(0, fipc_send(self->fd, "first", 5, 0, 0, -1));
	ASSERT_EQ(0, pthread_join(ta, NULL));
	ASSERT_EQ(5, a.n);
	ASSERT_EQ(0, memcmp(a.buf, "first", 5));
	ASSERT_EQ(0, fipc_send(self->fd, "second", 6, 0, 0, -1));
	ASSERT_EQ(0, pthread_join(tb, NULL));
	ASSERT_EQ(6, b.n);
	ASSERT_EQ(0, memcmp(b.buf, "second", 6));
	close(a.fd);
	close(b.fd);
}

FIPC_TEST_MAIN

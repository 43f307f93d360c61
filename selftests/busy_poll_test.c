// SPDX-License-Identifier: GPL-2.0
/*
 * FASTIPC_IOC_SET_BUSY_POLL: a handle's blocking receives watch an empty
 * channel for a while before they sleep (uapi.md).  The setting is the
 * handle's own; a message sent while a receiver polls is taken without
 * the receiver sleeping; polling never outlasts a signal, a timeout or
 * FASTIPC_NONBLOCK, and never takes a message from a receiver that was
 * already asleep.
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

#include "fipc_selftest.h"

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

TEST_F(poll, setting_is_the_handles_and_checked)
{
	struct fastipc_busy_poll bp = { .usecs = 10 };
	int rfd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	int sfd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	int unbound = fipc_dev();

	ASSERT_LE(0, rfd);
	ASSERT_LE(0, sfd);
	ASSERT_LE(0, unbound);
	ASSERT_EQ(0, poll_of(self->fd));

	ASSERT_EQ(0, fipc_busy_poll(rfd, 50));
	ASSERT_EQ(50, poll_of(rfd));
	ASSERT_EQ(0, poll_of(self->fd));	/* another handle: unchanged */
	ASSERT_EQ(0, fipc_busy_poll(rfd, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(FASTIPC_BUSY_POLL_MAX_US, poll_of(rfd));

	/* Refused calls change nothing. */
	ASSERT_EQ(-EINVAL, fipc_busy_poll(rfd, FASTIPC_BUSY_POLL_MAX_US + 1));
	ASSERT_EQ(-EINVAL, fipc_busy_poll(rfd, UINT32_MAX));
	bp.__pad = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(rfd, FASTIPC_IOC_SET_BUSY_POLL, &bp));
	bp.__pad = 0;
	bp.__reserved = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(rfd, FASTIPC_IOC_SET_BUSY_POLL, &bp));
	ASSERT_EQ(FASTIPC_BUSY_POLL_MAX_US, poll_of(rfd));
	ASSERT_EQ(-EBADF, fipc_busy_poll(sfd, 10));	/* cannot receive */
	ASSERT_EQ(0, poll_of(sfd));
	ASSERT_EQ(-EBADFD, fipc_busy_poll(unbound, 10));

	ASSERT_EQ(0, fipc_busy_poll(rfd, 0));
	ASSERT_EQ(0, poll_of(rfd));
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
	char buf[64], c = 'g';
	long before, after;
	ssize_t n;

	if (write(go[1], &c, 1) != 1)
		return -1;
	before = voluntary_switches();
	n = read(fd, buf, sizeof(buf));
	after = voluntary_switches();
	if (n != (ssize_t)strlen(name) || memcmp(buf, name, n))
		return -1;
	return after - before;
}

/*
 * With a poll longer than the sender takes, the receive gets the message
 * without sleeping (no voluntary context switch); without one, it sleeps.
 * Another task may want the receiver's CPU in any one attempt and end the
 * poll early, so polling must succeed in one attempt of ten; a receiver
 * delayed past the send finds the message queued, so not polling must
 * sleep in most attempts, not all.
 */
TEST_F(poll, message_taken_without_sleeping)
{
	const int rounds = 10;
	int go[2], sfd, i, slept = 0, polled = 0;
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

		close(go[1]);	/* a parent that fails ends the child's read */
		FIPC_CHILD_CHECK(pin(1) == 0);
		for (i = 0; i < 2 * rounds; i++) {
			FIPC_CHILD_CHECK(read(go[0], &c, 1) == 1);
			usleep(3000);
			FIPC_CHILD_CHECK(fipc_send(sfd, self->name,
						   strlen(self->name), 0, 0,
						   -1) == 0);
		}
		_exit(0);
	}
	close(go[0]);

	for (i = 0; i < rounds; i++) {
		long sw = receive_from_other_cpu(self->fd, self->name, go);

		ASSERT_LE(0, sw);
		slept += sw > 0;
	}
	ASSERT_EQ(0, fipc_busy_poll(self->fd, FASTIPC_BUSY_POLL_MAX_US));
	for (i = 0; i < rounds; i++) {
		long sw = receive_from_other_cpu(self->fd, self->name, go);

		ASSERT_LE(0, sw);
		polled += sw == 0;
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	EXPECT_LE(rounds / 2, slept) TH_LOG("without polling, receives of "
					    "a message sent later did not "
					    "sleep");
	EXPECT_LT(0, polled) TH_LOG("no polling receive took the message "
				    "without sleeping");
	printf("# receives that slept: %d of %d without polling; that never "
	       "slept: %d of %d polling\n", slept, rounds, polled, rounds);
	fflush(stdout);
	close(sfd);
	close(go[1]);
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

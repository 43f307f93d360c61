// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: who sent a message (FASTIPC_RECV_SENDER).
 *
 * Every receive that asks (RECV, RECV_VEC, a request with RECV_CALL,
 * REPLY_RECV) reports the sender's pid and tid in the receiver's pid
 * namespace and its effective uid and gid in the receiver's user
 * namespace, as they were when the message was sent: a thread is told
 * from its process, a sender that changes its ids or exits after sending
 * is reported as it was, a sender outside the receiver's pid namespace
 * has pid 0, an id without a mapping is the overflow id.  A receive that
 * does not ask gets nothing.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>

#include "adv_util.h"

#define OVERFLOW_ID	65534

static pid_t tid_of_caller(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* RECV with @flags | FASTIPC_RECV_SENDER, a structure of @size bytes. */
static int recv_sender(int fd, void *buf, uint64_t len, uint32_t flags,
		       struct fastipc_recv *rv, size_t size)
{
	memset(rv, 0, sizeof(*rv));
	rv->buf = (uintptr_t)buf;
	rv->len = len;
	rv->timeout_ns = -1;
	rv->flags = flags | FASTIPC_RECV_SENDER;
	return fipc_ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, FASTIPC_IOC_MAGIC,
				   _IOC_NR(FASTIPC_IOC_RECV), size), rv);
}

FIXTURE(sender) {
	char name[FASTIPC_NAME_LEN];
	int fd;
};

FIXTURE_SETUP(sender)
{
	fipc_name(self->name, "snd");
	self->fd = fipc_open(self->name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			     FASTIPC_O_EXCL, 0666, NULL);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sender)
{
	close(self->fd);
	fipc_unlink(self->name);
}

/* Every path, asked for or not. */
TEST_F(sender, reported_when_asked)
{
	static char big[64 << 10];
	struct fastipc_recv rv;
	uint64_t len = sizeof(big);
	char buf[16];
	void *win;

	ASSERT_EQ(0, fipc_send(self->fd, "a", 1, 0, 0, -1));
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, sizeof(rv)));
	ASSERT_EQ(FASTIPC_MSG_SENDER, rv.msg_flags);
	ASSERT_EQ(getpid(), (pid_t)rv.sender.pid);
	ASSERT_EQ(getpid(), (pid_t)rv.sender.tid);
	ASSERT_EQ(geteuid(), rv.sender.uid);
	ASSERT_EQ(getegid(), rv.sender.gid);

	/* Not asked: nothing written. */
	ASSERT_EQ(0, fipc_send(self->fd, "b", 1, 0, 0, -1));
	memset(&rv, 0, sizeof(rv));
	rv.buf = (uintptr_t)buf;
	rv.len = sizeof(buf);
	rv.timeout_ns = -1;
	rv.sender.pid = 0x12345;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, &rv));
	ASSERT_EQ(0, rv.msg_flags & FASTIPC_MSG_SENDER);
	ASSERT_EQ(0x12345, rv.sender.pid);

	/* The page path, copied and mapped. */
	ASSERT_EQ(0, fipc_send(self->fd, big, sizeof(big), 0,
			       FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, recv_sender(self->fd, big, len, 0, &rv, sizeof(rv)));
	ASSERT_EQ(FASTIPC_MSG_SENDER | FASTIPC_MSG_PAGES, rv.msg_flags);
	ASSERT_EQ(getpid(), (pid_t)rv.sender.pid);
	win = adv_win(self->fd, 1 << 20, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, win);
	ASSERT_EQ(0, fipc_send(self->fd, big, sizeof(big), 0,
			       FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_RECV_MAP,
				 &rv, sizeof(rv)));
	ASSERT_EQ(FASTIPC_MSG_SENDER | FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED,
		  rv.msg_flags);
	ASSERT_EQ(getpid(), (pid_t)rv.sender.pid);
	ASSERT_EQ(0, adv_buf_free(self->fd, rv.addr));
	munmap(win, 1 << 20);
}

/* A structure too short for the sender: EINVAL, the message stays. */
TEST_F(sender, short_structure_refused)
{
	struct fastipc_recv rv;
	char buf[16];

	ASSERT_EQ(0, fipc_send(self->fd, "a", 1, 0, 0, -1));
	ASSERT_EQ(-EINVAL, recv_sender(self->fd, buf, sizeof(buf),
				       FASTIPC_NONBLOCK, &rv,
				       FASTIPC_RECV_SIZE_VER0));
	ASSERT_EQ(-EINVAL, recv_sender(self->fd, buf, sizeof(buf),
				       FASTIPC_NONBLOCK, &rv,
				       FASTIPC_RECV_SIZE_VER1 - 8));
	ASSERT_EQ(1, adv_info(self->fd).queued_msgs);
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, FASTIPC_RECV_SIZE_VER1));
}

struct thread_send {
	int fd;
	pid_t tid;
	int err;
};

static void *thread_sends(void *arg)
{
	struct thread_send *t = arg;

	t->tid = tid_of_caller();
	t->err = fipc_send(t->fd, "t", 1, 0, 0, -1);
	return NULL;
}

/*
 * A thread is told from its process; a process that exited since it sent,
 * or changed its ids since, is reported as it was when it sent.
 */
TEST_F(sender, thread_process_and_send_time)
{
	struct thread_send t = { .fd = self->fd };
	struct fastipc_recv rv;
	pthread_t th;
	char buf[16];
	pid_t pid;

	ASSERT_EQ(0, pthread_create(&th, NULL, thread_sends, &t));
	pthread_join(th, NULL);
	ASSERT_EQ(0, t.err);
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, sizeof(rv)));
	ASSERT_EQ(getpid(), (pid_t)rv.sender.pid);
	ASSERT_EQ(t.tid, (pid_t)rv.sender.tid);
	ASSERT_NE(getpid(), t.tid);

	if (geteuid())
		SKIP(return, "changing ids needs root");
	pid = fork();
	if (!pid) {
		FIPC_CHILD_CHECK(!fipc_send(self->fd, "0", 1, 0, 0, -1));
		FIPC_CHILD_CHECK(!setresgid(4321, 4321, 4321));
		FIPC_CHILD_CHECK(!setresuid(1234, 1234, 1234));
		/* The handle keeps its access: it may still send. */
		FIPC_CHILD_CHECK(!fipc_send(self->fd, "1", 1, 0, 0, -1));
		_exit(0);
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	/* Gone now; reported as it was. */
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, sizeof(rv)));
	ASSERT_EQ('0', buf[0]);
	ASSERT_EQ(pid, (pid_t)rv.sender.pid);
	ASSERT_EQ(pid, (pid_t)rv.sender.tid);
	ASSERT_EQ(0, rv.sender.uid);
	ASSERT_EQ(0, rv.sender.gid);
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, sizeof(rv)));
	ASSERT_EQ('1', buf[0]);
	ASSERT_EQ(pid, (pid_t)rv.sender.pid);
	ASSERT_EQ(1234, rv.sender.uid);
	ASSERT_EQ(4321, rv.sender.gid);
}

/* A vector receive reports each message's sender in its own slot. */
TEST_F(sender, vector_receive)
{
	struct fastipc_sender snd[4];
	struct fastipc_rvec ent[4];
	struct fastipc_recv_vec rv = {};
	char bufs[4][8];
	pid_t pid;
	int i;

	ASSERT_EQ(0, fipc_send(self->fd, "p", 1, 0, 0, -1));
	pid = fork();
	if (!pid)
		_exit(fipc_send(self->fd, "c", 1, 0, 0, -1) ? 1 : 0);
	ASSERT_EQ(0, fipc_wait_child(pid));
	for (i = 0; i < 4; i++)
		ent[i] = (struct fastipc_rvec){ .buf = (uintptr_t)bufs[i],
						.len = sizeof(bufs[i]) };
	memset(snd, 0xff, sizeof(snd));
	rv.vec = (uintptr_t)ent;
	rv.count = 4;
	rv.flags = FASTIPC_NONBLOCK | FASTIPC_RECV_SENDER;
	rv.senders = (uintptr_t)snd;
	rv.timeout_ns = -1;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, &rv));
	ASSERT_EQ(2, rv.count);
	ASSERT_EQ(getpid(), (pid_t)snd[0].pid);
	ASSERT_EQ(pid, (pid_t)snd[1].pid);
	ASSERT_EQ(geteuid(), snd[1].uid);
	/* Entries past the messages are zeroed, as written at the start. */
	ASSERT_EQ(0, snd[2].pid);

	/* A senders array that is not writable: EFAULT, nothing taken. */
	ASSERT_EQ(0, fipc_send(self->fd, "k", 1, 0, 0, -1));
	rv.count = 4;
	rv.senders = 8;
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV_VEC, &rv));
	ASSERT_EQ(1, adv_info(self->fd).queued_msgs);
}

/* A request says who calls, to RECV and to REPLY_RECV. */
TEST_F(sender, request_sender_is_the_caller)
{
	struct fastipc_reply_recv rr = {};
	char buf[16];
	pid_t a, b;
	int i;

	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (!pid) {
			struct fastipc_call cl = {
				.buf = (uintptr_t)"q", .len = 1,
				.reply_buf = (uintptr_t)buf,
				.reply_len = sizeof(buf), .timeout_ns = -1,
			};
			int fd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);

			FIPC_CHILD_CHECK(fd >= 0);
			FIPC_CHILD_CHECK(!fipc_ioctl(fd, FASTIPC_IOC_CALL, &cl));
			_exit(0);
		}
		if (i == 0)
			a = pid;
		else
			b = pid;
		while (adv_info(self->fd).queued_msgs < (uint64_t)i + 1)
			fipc_sleep_ms(5);
	}
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_RECV_CALL,
				 &rr.recv, sizeof(rr.recv)));
	ASSERT_EQ(FASTIPC_MSG_CALL | FASTIPC_MSG_SENDER, rr.recv.msg_flags);
	ASSERT_EQ(a, (pid_t)rr.recv.sender.pid);
	rr.reply.token = rr.recv.token;
	rr.reply.buf = (uintptr_t)"r";
	rr.reply.len = 1;
	rr.recv.buf = (uintptr_t)buf;
	rr.recv.len = sizeof(buf);
	rr.recv.timeout_ns = -1;
	rr.recv.flags = FASTIPC_RECV_CALL | FASTIPC_RECV_SENDER;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_REPLY_RECV, &rr));
	ASSERT_EQ(b, (pid_t)rr.recv.sender.pid);
	rr.reply.token = rr.recv.token;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_REPLY, &rr.reply));
	ASSERT_EQ(0, fipc_wait_child(a));
	ASSERT_EQ(0, fipc_wait_child(b));
}

/*
 * Pid namespaces: a receiver in a child pid namespace sees a sender
 * outside it as pid 0, and one inside as its own pid there; the outside
 * sees the inside sender by its outside pid.
 */
TEST_F(sender, pid_namespace)
{
	struct fastipc_recv rv;
	int pfd[2];
	pid_t helper, inner = 0;
	char buf[16];

	if (geteuid())
		SKIP(return, "pid namespaces need root");
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, fipc_send(self->fd, "outside", 7, 0, 0, -1));
	helper = fork();
	if (!helper) {
		pid_t g;

		FIPC_CHILD_CHECK(!unshare(CLONE_NEWPID));
		g = fork();
		if (!g) {
			struct fastipc_recv r;
			char b[16];

			/* pid 1 in its namespace: the message from outside. */
			FIPC_CHILD_CHECK(getpid() == 1);
			FIPC_CHILD_CHECK(!recv_sender(self->fd, b, sizeof(b),
						      FASTIPC_NONBLOCK, &r,
						      sizeof(r)));
			FIPC_CHILD_CHECK(r.sender.pid == 0);
			FIPC_CHILD_CHECK(r.sender.tid == 0);
			FIPC_CHILD_CHECK(r.sender.uid == geteuid());
			/* Its own message: itself, pid 1. */
			FIPC_CHILD_CHECK(!fipc_send(self->fd, "in", 2, 0, 0, -1));
			FIPC_CHILD_CHECK(!recv_sender(self->fd, b, sizeof(b),
						      FASTIPC_NONBLOCK, &r,
						      sizeof(r)));
			FIPC_CHILD_CHECK(r.sender.pid == 1);
			FIPC_CHILD_CHECK(!fipc_send(self->fd, "inside", 6, 0, 0,
						    -1));
			_exit(0);
		}
		FIPC_CHILD_CHECK(write(pfd[1], &g, sizeof(g)) == sizeof(g));
		_exit(fipc_wait_child(g));
	}
	ASSERT_EQ(sizeof(inner), read(pfd[0], &inner, sizeof(inner)));
	ASSERT_EQ(0, fipc_wait_child(helper));
	ASSERT_EQ(0, recv_sender(self->fd, buf, sizeof(buf), FASTIPC_NONBLOCK,
				 &rv, sizeof(rv)));
	ASSERT_EQ(0, memcmp(buf, "inside", 6));
	ASSERT_EQ(inner, (pid_t)rv.sender.pid);
	ASSERT_NE(1, inner);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * User namespaces: a receiver in a user namespace where the sender's ids
 * have no mapping sees the overflow ids.
 */
TEST_F(sender, user_namespace_overflow_ids)
{
	pid_t pid;

	if (geteuid())
		SKIP(return, "the test sends as root, unmapped in the namespace");
	ASSERT_EQ(0, fipc_send(self->fd, "root", 4, 0, 0, -1));
	pid = fork();
	if (!pid) {
		struct fastipc_recv r;
		char b[16];
		int err = fipc_unchroot();

		FIPC_CHILD_CHECK(!err);
		if (unshare(CLONE_NEWUSER))
			_exit(FIPC_CHILD_SKIP);
		/* No map written: every id is unmapped here. */
		FIPC_CHILD_CHECK(!recv_sender(self->fd, b, sizeof(b),
					      FASTIPC_NONBLOCK, &r, sizeof(r)));
		FIPC_CHILD_CHECK(r.sender.uid == OVERFLOW_ID);
		FIPC_CHILD_CHECK(r.sender.gid == OVERFLOW_ID);
		FIPC_CHILD_CHECK(r.sender.pid == (uint32_t)getppid());
		_exit(0);
	}
	switch (fipc_wait_child(pid)) {
	case 0:
		break;
	case FIPC_CHILD_SKIP:
		SKIP(return, "no user namespaces here");
	default:
		ASSERT_TRUE(false);
	}
}

FIPC_TEST_MAIN

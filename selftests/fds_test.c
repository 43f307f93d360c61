// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: descriptors carried by messages.
 *
 * A send with nr_fds descriptors holds a reference to each file; a
 * receive with FASTIPC_RECV_FDS installs them (O_CLOEXEC on request), any
 * other receive closes them (FASTIPC_MSG_FDS_DROPPED), and so does the
 * channel's death.  A receive that fails (too few slots, a fault, a full
 * descriptor table) keeps the message and its files and leaves nothing
 * open.  Files that can hold files in flight are refused; descriptors in
 * flight count against the sender's RLIMIT_NOFILE.  Whether a file was
 * closed is read from a pipe: its reader sees end-of-file once the last
 * reference to the write end is gone, which poll() waits for (no clock).
 */
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "adv_util.h"

#define WIN	(1UL << 20)

FIXTURE(fds) {
	char name[FASTIPC_NAME_LEN];
	int tx, rx;
	int pipe[2];		/* the file that travels: its write end */
};

FIXTURE_SETUP(fds)
{
	struct fastipc_attr attr = { .max_msgs = 16 };

	fipc_name(self->name, "fds");
	self->tx = fipc_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			     FASTIPC_O_EXCL, 0600, &attr);
	self->rx = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, self->tx);
	ASSERT_LE(0, self->rx);
	ASSERT_EQ(0, pipe2(self->pipe, O_CLOEXEC));
}

FIXTURE_TEARDOWN(fds)
{
	close(self->tx);
	close(self->rx);
	close(self->pipe[0]);
	if (self->pipe[1] >= 0)
		close(self->pipe[1]);
	fipc_unlink(self->name);
}

static int send_fds(int fd, const void *buf, uint64_t len, const int *fds,
		    uint32_t nr, uint32_t flags)
{
	struct fastipc_send sd = {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = -1,
		.flags = flags | FASTIPC_NONBLOCK,
		.fds = (uintptr_t)fds,
		.nr_fds = nr,
	};

	return fipc_ioctl(fd, FASTIPC_IOC_SEND, &sd);
}

/* RECV with descriptor slots; *@rv is the kernel's answer. */
static int recv_fds(int fd, void *buf, uint64_t len, int *fds, uint32_t nr,
		    uint32_t flags, struct fastipc_recv *rv)
{
	*rv = (struct fastipc_recv) {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = -1,
		.flags = flags | FASTIPC_NONBLOCK |
			 (fds ? FASTIPC_RECV_FDS : 0),
		.fds = (uintptr_t)fds,
		.nr_fds = nr,
	};
	return fipc_ioctl(fd, FASTIPC_IOC_RECV, rv);
}

/* Has every reference to the write end of @pipe_rd's pipe gone? Waits. */
static bool pipe_closed(int pipe_rd)
{
	struct pollfd p = { .fd = pipe_rd, .events = POLLIN };
	char c;

	if (poll(&p, 1, -1) != 1)
		return false;
	return read(pipe_rd, &c, 1) == 0;
}

/* Is the write end of @pipe_rd's pipe still open somewhere? No wait. */
static bool pipe_open(int pipe_rd)
{
	struct pollfd p = { .fd = pipe_rd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static int queued(int fd)
{
	return (int)adv_info(fd).queued_msgs;
}

/* A copied message carries a pipe: the receiver writes through it. */
TEST_F(fds, copy_path_installs_the_files)
{
	struct fastipc_recv rv;
	int got[4] = { -1, -1, -1, -1 };
	char buf[16], c;
	int pass[2] = { self->pipe[1], self->pipe[1] };

	ASSERT_EQ(0, send_fds(self->tx, "hello", 5, pass, 2, 0));
	/* The sender's descriptors are its own: closing them changes nothing. */
	close(self->pipe[1]);
	self->pipe[1] = -1;
	ASSERT_TRUE(pipe_open(self->pipe[0]));

	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), got, 4, 0, &rv));
	ASSERT_EQ(5, rv.len);
	ASSERT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(FASTIPC_MSG_FDS, rv.msg_flags);
	ASSERT_EQ(2, rv.nr_fds);
	ASSERT_LE(0, got[0]);
	ASSERT_LE(0, got[1]);
	ASSERT_NE(got[0], got[1]);
	ASSERT_EQ(-1, got[2]);		/* slots past nr_fds untouched */
	ASSERT_EQ(0, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(got[1], "x", 1));
	ASSERT_EQ(1, read(self->pipe[0], &c, 1));
	ASSERT_EQ('x', c);
	close(got[0]);
	ASSERT_TRUE(pipe_open(self->pipe[0]));
	close(got[1]);
	ASSERT_TRUE(pipe_closed(self->pipe[0]));
}

TEST_F(fds, cloexec_on_request)
{
	struct fastipc_recv rv;
	char buf[8];
	int got = -1;

	ASSERT_EQ(0, send_fds(self->tx, "a", 1, &self->pipe[1], 1, 0));
	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), &got, 1,
			      FASTIPC_RECV_CLOEXEC, &rv));
	ASSERT_EQ(1, rv.nr_fds);
	ASSERT_EQ(FD_CLOEXEC, fcntl(got, F_GETFD) & FD_CLOEXEC);
	close(got);
}

/* The page path, copied out and mapped into the window. */
TEST_F(fds, page_path_carries_files)
{
	const uint64_t len = 256 << 10;
	struct fastipc_recv rv;
	char *buf = malloc(len);
	int got = -1;

	ASSERT_NE(NULL, buf);
	fipc_fill(buf, len, 7);
	ASSERT_EQ(0, send_fds(self->tx, buf, len, &self->pipe[1], 1,
			      FASTIPC_SEND_PAGES));
	ASSERT_EQ(0, send_fds(self->tx, buf, len, &self->pipe[1], 1,
			      FASTIPC_SEND_PAGES));
	close(self->pipe[1]);
	self->pipe[1] = -1;

	memset(buf, 0, len);
	ASSERT_EQ(0, recv_fds(self->rx, buf, len, &got, 1, 0, &rv));
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_FDS, rv.msg_flags);
	ASSERT_EQ(-1, fipc_check(buf, len, 7));
	ASSERT_EQ(1, write(got, "p", 1));
	close(got);

	ASSERT_NE(NULL, adv_win(self->rx, WIN, PROT_READ));
	got = -1;
	ASSERT_EQ(0, recv_fds(self->rx, NULL, 0, &got, 1, FASTIPC_RECV_MAP,
			      &rv));
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED | FASTIPC_MSG_FDS,
		  rv.msg_flags);
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)rv.addr, len, 7));
	ASSERT_LE(0, got);
	ASSERT_EQ(1, write(got, "q", 1));
	close(got);
	ASSERT_EQ(0, adv_buf_free(self->rx, rv.addr));
	free(buf);
}

/* A receive that does not ask closes them, and says so. */
TEST_F(fds, receive_without_slots_closes_them)
{
	uint64_t len = 8;
	uint32_t mflags = 0;
	char buf[8];

	ASSERT_EQ(0, send_fds(self->tx, "drop", 4, &self->pipe[1], 1, 0));
	close(self->pipe[1]);
	self->pipe[1] = -1;
	ASSERT_TRUE(pipe_open(self->pipe[0]));
	ASSERT_EQ(0, fipc_recv_full(self->rx, buf, &len, NULL, &mflags,
				    FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(4, len);
	ASSERT_EQ(FASTIPC_MSG_FDS_DROPPED, mflags);
	ASSERT_TRUE(pipe_closed(self->pipe[0]));
}

/* read(2) on a READ_PLAIN handle and RECV_VEC leave them for RECV. */
TEST_F(fds, plain_and_vector_receives_leave_them)
{
	int plain = fipc_open(self->name, FASTIPC_O_RECV | FASTIPC_O_READ_PLAIN,
			      0, NULL);
	struct fastipc_rvec ent = { 0 };
	struct fastipc_recv rv;
	char buf[8];
	int got = -1;

	ASSERT_LE(0, plain);
	ASSERT_EQ(0, send_fds(self->tx, "v", 1, &self->pipe[1], 1, 0));
	ASSERT_EQ(-1, read(plain, buf, sizeof(buf)));
	ASSERT_EQ(EMSGSIZE, errno);
	ent.buf = (uintptr_t)buf;
	ent.len = sizeof(buf);
	ASSERT_EQ(-EMSGSIZE, fipc_recv_vec(self->rx, &ent, 1,
					   FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(1, queued(self->rx));
	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), &got, 1, 0, &rv));
	ASSERT_EQ(1, rv.nr_fds);
	close(got);
	close(plain);
}

/* Destroying the channel closes what its queue held. */
TEST_F(fds, channel_death_closes_them)
{
	ASSERT_EQ(0, send_fds(self->tx, "gone", 4, &self->pipe[1], 1, 0));
	ASSERT_EQ(0, send_fds(self->tx, NULL, 0, &self->pipe[1], 1, 0));
	close(self->pipe[1]);
	self->pipe[1] = -1;
	ASSERT_EQ(0, fipc_unlink(self->name));
	close(self->tx);
	ASSERT_TRUE(pipe_open(self->pipe[0]));
	close(self->rx);
	self->tx = self->rx = -1;
	ASSERT_TRUE(pipe_closed(self->pipe[0]));
}

/* Too few slots: ETOOMANYREFS, the count, and the message stays. */
TEST_F(fds, too_few_slots_keep_the_message)
{
	int pass[3] = { self->pipe[1], self->pipe[0], self->pipe[1] };
	int got[3] = { -1, -1, -1 };
	struct fastipc_recv rv;
	char buf[8];
	unsigned int i;

	ASSERT_EQ(0, send_fds(self->tx, "3", 1, pass, 3, 0));
	ASSERT_EQ(-ETOOMANYREFS, recv_fds(self->rx, buf, sizeof(buf), got, 2,
					  0, &rv));
	ASSERT_EQ(3, rv.nr_fds);
	ASSERT_EQ(-1, got[0]);
	ASSERT_EQ(1, queued(self->rx));
	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), got, 3, 0, &rv));
	ASSERT_EQ(3, rv.nr_fds);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, close(got[i]));
}

/* A fault writing the descriptors: nothing opened, the message stays. */
TEST_F(fds, fault_keeps_the_message)
{
	struct fastipc_recv rv;
	int before, probe;
	char buf[8];
	int *ro;

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, send_fds(self->tx, "f", 1, &self->pipe[1], 1, 0));
	before = dup(self->rx);
	ASSERT_LE(0, before);
	close(before);		/* the lowest free descriptor */
	ASSERT_EQ(-EFAULT, recv_fds(self->rx, buf, sizeof(buf), ro, 1, 0, &rv));
	/* The descriptor it installed was closed again. */
	probe = dup(self->rx);
	ASSERT_EQ(before, probe);
	close(probe);
	ASSERT_EQ(1, queued(self->rx));
	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), &probe, 1, 0, &rv));
	ASSERT_EQ(1, write(probe, "k", 1));
	close(probe);
	munmap(ro, 4096);
}

/*
 * No room in the receiver's table: EMFILE, the one it could install is
 * closed again, and the message with both files waits for a receive that
 * has room.
 */
TEST_F(fds, full_table_keeps_the_message)
{
	int pass[2] = { self->pipe[1], self->pipe[1] };
	struct fastipc_recv rv;
	struct rlimit rl;
	int got[2], free_fd;
	char buf[8];

	ASSERT_EQ(0, send_fds(self->tx, "m", 1, pass, 2, 0));
	close(self->pipe[1]);
	self->pipe[1] = -1;
	free_fd = dup(self->rx);
	ASSERT_LE(0, free_fd);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	/*
	 * Room for one more descriptor: free_fd, the lowest free one, is
	 * the only one below the limit (those open above it do not count).
	 */
	close(free_fd);
	{
		struct rlimit tight = { .rlim_cur = (rlim_t)free_fd + 1,
					.rlim_max = rl.rlim_max };

		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &tight));
	}
	ASSERT_EQ(-EMFILE, recv_fds(self->rx, buf, sizeof(buf), got, 2, 0,
				    &rv));
	ASSERT_EQ(-1, fcntl(free_fd, F_GETFD));	/* undone */
	ASSERT_EQ(1, queued(self->rx));
	ASSERT_TRUE(pipe_open(self->pipe[0]));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, recv_fds(self->rx, buf, sizeof(buf), got, 2, 0, &rv));
	close(got[0]);
	close(got[1]);
	ASSERT_TRUE(pipe_closed(self->pipe[0]));
}

/* What may not travel, and bad arguments: nothing is queued. */
TEST_F(fds, refused_files_and_bad_arguments)
{
	int sp[2], inet, opath, ring, bad = 1000000;
	struct { uint32_t sq, cq, flags, sq_thread_cpu, sq_thread_idle,
		 features, wq_fd, resv[3]; uint64_t off[10 + 10]; } p = { 0 };

	ASSERT_EQ(-EINVAL, send_fds(self->tx, "h", 1, &self->tx, 1, 0));
	ASSERT_EQ(-EINVAL, send_fds(self->tx, "h", 1, &self->rx, 1, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	ASSERT_EQ(-EINVAL, send_fds(self->tx, "u", 1, &sp[0], 1, 0));
	ring = (int)syscall(__NR_io_uring_setup, 2, &p);
	if (ring >= 0) {
		ASSERT_EQ(-EINVAL, send_fds(self->tx, "r", 1, &ring, 1, 0));
		close(ring);
	} else {
		TH_LOG("io_uring_setup: %s: not checked", strerror(errno));
	}
	ASSERT_EQ(-EBADF, send_fds(self->tx, "b", 1, &bad, 1, 0));
	opath = open("/", O_PATH | O_CLOEXEC);
	ASSERT_LE(0, opath);
	ASSERT_EQ(-EBADF, send_fds(self->tx, "o", 1, &opath, 1, 0));
	ASSERT_EQ(-EFAULT, send_fds(self->tx, "f", 1, (int *)8, 1, 0));
	ASSERT_EQ(-EINVAL, send_fds(self->tx, "n", 1, &sp[0],
				    FASTIPC_FDS_MAX + 1, 0));
	ASSERT_EQ(0, queued(self->rx));
	/* Other sockets travel. */
	inet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, inet);
	ASSERT_EQ(0, send_fds(self->tx, "i", 1, &inet, 1, 0));
	ASSERT_EQ(1, queued(self->rx));
	close(inet);
	close(opath);
	close(sp[0]);
	close(sp[1]);
}

/*
 * Descriptors in flight count against the sending user's RLIMIT_NOFILE
 * (a user without CAP_SYS_RESOURCE): past it ETOOMANYREFS; a receive
 * gives the room back, even one that drops them.
 */
TEST_F(fds, in_flight_count_against_rlimit_nofile)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { .rlim_cur = 8, .rlim_max = 8 };
		int pass[4], tx, rx, i;
		char buf[8];
		uint64_t len = sizeof(buf);

		for (i = 0; i < 4; i++)
			pass[i] = self->pipe[1];
		FIPC_CHILD_CHECK(!fipc_become(65534, 65534));
		FIPC_CHILD_CHECK(!setrlimit(RLIMIT_NOFILE, &rl));
		/* The fixture's handles, opened as root, still work. */
		tx = self->tx;
		rx = self->rx;
		FIPC_CHILD_CHECK(!send_fds(tx, "1", 1, pass, 4, 0));
		FIPC_CHILD_CHECK(!send_fds(tx, "2", 1, pass, 4, 0));
		FIPC_CHILD_CHECK(send_fds(tx, "3", 1, pass, 1, 0) ==
				 -ETOOMANYREFS);
		FIPC_CHILD_CHECK(queued(rx) == 2);
		FIPC_CHILD_CHECK(!fipc_recv(rx, buf, &len, NULL,
					    FASTIPC_NONBLOCK, -1));
		FIPC_CHILD_CHECK(!send_fds(tx, "3", 1, pass, 4, 0));
		_exit(0);
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(2, queued(self->rx));
}

/* A request carries descriptors to the server that holds it. */
struct caller {
	int fd, pass;
	int err;
	char reply[8];
};

static void *call_with_fd(void *arg)
{
	struct caller *c = arg;
	struct fastipc_call cl = {
		.buf = (uintptr_t)"req",
		.len = 3,
		.reply_buf = (uintptr_t)c->reply,
		.reply_len = sizeof(c->reply),
		.timeout_ns = -1,
		.fds = (uintptr_t)&c->pass,
		.nr_fds = 1,
	};

	c->err = fipc_ioctl(c->fd, FASTIPC_IOC_CALL, &cl);
	return NULL;
}

TEST_F(fds, request_carries_files)
{
	struct caller c = { .fd = self->tx, .pass = self->pipe[1] };
	struct fastipc_reply rp = { .buf = (uintptr_t)"ok", .len = 2 };
	struct fastipc_recv rv;
	pthread_t th;
	char buf[8], ch;
	int got = -1;

	ASSERT_EQ(0, pthread_create(&th, NULL, call_with_fd, &c));
	rv = (struct fastipc_recv) {
		.buf = (uintptr_t)buf,
		.len = sizeof(buf),
		.timeout_ns = -1,
		.flags = FASTIPC_RECV_CALL | FASTIPC_RECV_FDS,
		.fds = (uintptr_t)&got,
		.nr_fds = 1,
	};
	ASSERT_EQ(0, fipc_ioctl(self->rx, FASTIPC_IOC_RECV, &rv));
	ASSERT_EQ(FASTIPC_MSG_CALL | FASTIPC_MSG_FDS, rv.msg_flags);
	ASSERT_EQ(1, write(got, "s", 1));
	ASSERT_EQ(1, read(self->pipe[0], &ch, 1));
	close(got);
	rp.token = rv.token;
	ASSERT_EQ(0, fipc_ioctl(self->rx, FASTIPC_IOC_REPLY, &rp));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(0, memcmp(c.reply, "ok", 2));
}

/* A call that takes descriptors in its reply, in a thread. */
struct rcaller {
	int fd;
	bool ver0;		/* the 80-byte structure of 0.6 */
	uint32_t flags, slots;
	int got[4];
	int err;
	uint32_t nr, reply_flags;
	uint64_t reply_addr;
	char reply[8];
};

static void *call_for_fds(void *arg)
{
	struct rcaller *c = arg;
	struct fastipc_call cl = {
		.buf = (uintptr_t)"give",
		.len = 4,
		.reply_buf = (uintptr_t)c->reply,
		.reply_len = sizeof(c->reply),
		.timeout_ns = -1,
		.flags = c->flags,
		.reply_fds = c->slots ? (uintptr_t)c->got : 0,
		.reply_nr_fds = c->slots,
	};

	c->err = fipc_ioctl(c->fd, c->ver0 ?
			    _IOC(_IOC_READ | _IOC_WRITE, FASTIPC_IOC_MAGIC,
				 _IOC_NR(FASTIPC_IOC_CALL),
				 FASTIPC_CALL_SIZE_VER0) : FASTIPC_IOC_CALL,
			    &cl);
	c->nr = cl.reply_nr_fds;
	c->reply_flags = cl.reply_flags;
	c->reply_addr = cl.reply_addr;
	return NULL;
}

static uint64_t take_request(int fd)
{
	struct fastipc_recv rv;
	char buf[8];

	rv = (struct fastipc_recv) {
		.buf = (uintptr_t)buf,
		.len = sizeof(buf),
		.timeout_ns = -1,
		.flags = FASTIPC_RECV_CALL,
	};
	return fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv) ? 0 : rv.token;
}

static int reply_fds(int fd, uint64_t token, const void *buf, uint64_t len,
		     const int *fds, uint32_t nr, uint32_t flags)
{
	struct fastipc_reply rp = {
		.token = token,
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
		.fds = nr ? (uintptr_t)fds : 0,
		.nr_fds = nr,
	};

	return fipc_ioctl(fd, FASTIPC_IOC_REPLY, &rp);
}

/*
 * A reply carries descriptors to its caller (close-on-exec on request);
 * one with more than the caller has slots for is refused at the server
 * (ETOOMANYREFS) and the request still held.
 */
TEST_F(fds, reply_carries_files)
{
	struct rcaller c = { .fd = self->tx, .slots = 1,
			     .flags = FASTIPC_CALL_CLOEXEC,
			     .got = { -1, -1, -1, -1 } };
	int two[2] = { self->pipe[1], self->pipe[1] };
	uint64_t token;
	pthread_t th;
	char ch;

	ASSERT_EQ(0, pthread_create(&th, NULL, call_for_fds, &c));
	token = take_request(self->rx);
	ASSERT_NE(0, token);
	ASSERT_EQ(-ETOOMANYREFS, reply_fds(self->rx, token, "no", 2, two, 2,
					   0));
	ASSERT_EQ(0, reply_fds(self->rx, token, "ok", 2, two, 1, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(1, c.nr);
	ASSERT_EQ(FASTIPC_CALL_SENT | FASTIPC_MSG_FDS, c.reply_flags);
	ASSERT_EQ(0, memcmp(c.reply, "ok", 2));
	ASSERT_EQ(FD_CLOEXEC, fcntl(c.got[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(-1, c.got[1]);
	ASSERT_EQ(1, write(c.got[0], "r", 1));
	ASSERT_EQ(1, read(self->pipe[0], &ch, 1));
	close(c.got[0]);

	/*
	 * A caller without slots, one of 0.6's 80-byte structure: a reply
	 * with descriptors is refused, one without reaches it.
	 */
	c = (struct rcaller){ .fd = self->tx, .ver0 = true };
	ASSERT_EQ(0, pthread_create(&th, NULL, call_for_fds, &c));
	token = take_request(self->rx);
	ASSERT_EQ(-ETOOMANYREFS, reply_fds(self->rx, token, "no", 2, two, 1,
					   0));
	ASSERT_EQ(0, reply_fds(self->rx, token, "ok", 2, NULL, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(0, c.nr);
}

/* A page reply, mapped into the caller's window, with a descriptor. */
TEST_F(fds, page_reply_mapped_with_files)
{
	struct rcaller c = { .fd = self->tx, .slots = 2,
			     .flags = FASTIPC_CALL_MAP, .got = { -1, -1 } };
	const uint64_t len = 128 << 10;
	char *big = malloc(len);
	uint64_t token;
	pthread_t th;

	ASSERT_NE(NULL, big);
	fipc_fill(big, len, 3);
	ASSERT_NE(NULL, adv_win(self->tx, WIN, PROT_READ));
	ASSERT_EQ(0, pthread_create(&th, NULL, call_for_fds, &c));
	token = take_request(self->rx);
	ASSERT_EQ(0, reply_fds(self->rx, token, big, len, &self->pipe[1], 1,
			       FASTIPC_SEND_PAGES));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(FASTIPC_CALL_SENT | FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED |
		  FASTIPC_MSG_FDS, c.reply_flags);
	ASSERT_EQ(1, c.nr);
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)c.reply_addr, len, 3));
	ASSERT_EQ(0, fcntl(c.got[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(c.got[0], "m", 1));
	close(c.got[0]);
	ASSERT_EQ(0, adv_buf_free(self->tx, c.reply_addr));
	free(big);
}

/*
 * A caller that cannot install the reply's descriptors (a full table)
 * fails with EMFILE and has none of them; the reply cannot go back, so
 * its files are closed.
 */
TEST_F(fds, caller_without_room_gets_emfile)
{
	uint64_t token;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rcaller c = { .fd = self->tx, .slots = 2,
				     .got = { -1, -1 } };
		struct rlimit rl = { .rlim_cur = 0, .rlim_max = 4096 };
		int free_fd;

		close(self->pipe[0]);
		close(self->pipe[1]);
		free_fd = dup(self->tx);
		FIPC_CHILD_CHECK(free_fd >= 0);
		close(free_fd);
		/* One free slot below the limit, two descriptors coming. */
		rl.rlim_cur = (rlim_t)free_fd + 1;
		FIPC_CHILD_CHECK(!setrlimit(RLIMIT_NOFILE, &rl));
		call_for_fds(&c);
		FIPC_CHILD_CHECK(c.err == -EMFILE);
		FIPC_CHILD_CHECK(fcntl(free_fd, F_GETFD) == -1);
		_exit(0);
	}
	token = take_request(self->rx);
	ASSERT_NE(0, token);
	{
		int two[2] = { self->pipe[1], self->pipe[1] };

		ASSERT_EQ(0, reply_fds(self->rx, token, "ok", 2, two, 2, 0));
	}
	ASSERT_EQ(0, fipc_wait_child(pid));
	close(self->pipe[1]);
	self->pipe[1] = -1;
	ASSERT_TRUE(pipe_closed(self->pipe[0]));
}

FIPC_TEST_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: requests and replies (FASTIPC_IOC_CALL, _REPLY,
 * _REPLY_RECV).
 *
 * A reply reaches its caller only, copied or mapped, on every path; a
 * reply token works once, on the handle that received it; a caller that
 * timed out or was interrupted never gets its reply, and the server that
 * answers late gets ECANCELED with nothing left charged; a server that
 * closes, dies or is killed holding a request fails the call at once with
 * ECONNRESET, as does the last receiving handle closing while it is
 * queued; a receive that cannot answer fails it with ENOMSG.  Waits with
 * no timeout stand for "at once": a call that was not failed would hang
 * and the harness's time limit would fail the test.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include "adv_util.h"

#define KiB		1024ULL
#define MiB		(1024ULL * 1024)
#define WIN		(64 * MiB)

/* ---- the calls, raw --------------------------------------------------------- */

struct call_res {
	uint64_t len;		/* the reply's length */
	uint64_t addr;		/* where it was mapped */
	uint32_t flags;		/* FASTIPC_MSG_* */
	bool sent;		/* FASTIPC_CALL_SENT */
};

static int do_call(int fd, const void *req, uint64_t len, uint32_t prio,
		   void *reply, uint64_t size, uint32_t flags,
		   int64_t timeout_ns, struct call_res *res)
{
	struct fastipc_call cl = {
		.buf = (uintptr_t)req,
		.len = len,
		.reply_buf = (uintptr_t)reply,
		.reply_len = size,
		.timeout_ns = timeout_ns,
		.prio = prio,
		.flags = flags,
	};
	int err = fipc_ioctl(fd, FASTIPC_IOC_CALL, &cl);

	if (res) {
		res->len = cl.reply_len;
		res->addr = cl.reply_addr;
		res->flags = cl.reply_flags & ~FASTIPC_CALL_SENT;
		res->sent = cl.reply_flags & FASTIPC_CALL_SENT;
	}
	return err;
}

/* A call of @req (a string) expecting a reply of up to 256 bytes. */
static int call_str(int fd, const char *req, char *reply, int64_t timeout_ns)
{
	struct call_res res;
	int err;

	err = do_call(fd, req, strlen(req), 0, reply, 255, 0, timeout_ns, &res);
	if (!err)
		reply[res.len] = '\0';
	return err;
}

/* RECV with FASTIPC_RECV_CALL | @flags: *@rv is the kernel's answer. */
static int recv_req(int fd, void *buf, uint64_t size, uint32_t flags,
		    int64_t timeout_ns, struct fastipc_recv *rv)
{
	memset(rv, 0, sizeof(*rv));
	rv->buf = (uintptr_t)buf;
	rv->len = size;
	rv->timeout_ns = timeout_ns;
	rv->flags = FASTIPC_RECV_CALL | flags;
	return fipc_ioctl(fd, FASTIPC_IOC_RECV, rv);
}

static int do_reply(int fd, uint64_t token, const void *buf, uint64_t len,
		    uint32_t flags)
{
	struct fastipc_reply rp = {
		.token = token,
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
	};

	return fipc_ioctl(fd, FASTIPC_IOC_REPLY, &rp);
}

static int reply_str(int fd, uint64_t token, const char *s)
{
	return do_reply(fd, token, s, strlen(s), 0);
}

/* Wait until @fd's channel has @n messages queued (a call has sent). */
static bool wait_queued(int fd, uint64_t n)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (adv_info(fd).queued_msgs == n)
			return true;
		fipc_sleep_ms(5);
	}
	return false;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * In a child: open @name with @flags and call @req with no timeout (or
 * @timeout_ns); exit with the call's errno (0: it got "pong").
 */
static pid_t call_child(const char *name, const char *req, int64_t timeout_ns)
{
	pid_t pid = fork();
	char reply[256];
	int fd, err;

	struct sigaction sa = { .sa_handler = on_signal };

	if (pid)
		return pid;
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: EINTR */
	/*
	 * Not the test's handles: a receiving handle this child inherited
	 * would be one more receiver, whose file lives while the child does.
	 */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	fd = fipc_open(name, FASTIPC_O_SEND, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	err = call_str(fd, req, reply, timeout_ns);
	if (!err && strcmp(reply, "pong"))
		_exit(200);
	_exit(-err);
}

FIXTURE(call) {
	char name[FASTIPC_NAME_LEN];
	int srv;		/* receives */
	int cli;		/* sends */
	struct fastipc_stats base;
};

FIXTURE_SETUP(call)
{
	struct fastipc_attr attr = { .max_msg_size = 8 * MiB };

	self->base = adv_stats();
	fipc_name(self->name, "call");
	self->srv = fipc_open(self->name, FASTIPC_O_RECV | FASTIPC_O_CREAT |
			      FASTIPC_O_EXCL, 0600, &attr);
	ASSERT_LE(0, self->srv);
	self->cli = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, self->cli);
}

FIXTURE_TEARDOWN(call)
{
	struct fastipc_stats now;

	if (self->srv >= 0)
		close(self->srv);
	if (self->cli >= 0)
		close(self->cli);
	fipc_unlink(self->name);
	/* Every reply, request and page is gone, whatever the test did. */
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 2000))
		TH_LOG("before: " ADV_STATS_FMT, ADV_STATS_ARGS(self->base));
}

/* ---- a server thread ------------------------------------------------------------ */

/*
 * Answer @count requests on @fd, each with its own bytes reversed, with
 * REPLY_RECV after the first; a reply of @pages_from bytes or more goes
 * in pages.
 */
struct echo {
	int fd;
	int count;
	uint64_t pages_from;
	int err;
	int cancelled;
};

static void reverse(uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n / 2; i++) {
		uint8_t t = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

static void *echo_server(void *arg)
{
	struct echo *e = arg;
	struct fastipc_reply_recv rr = {};
	uint8_t *buf = malloc(4 * MiB);
	int i, err;

	err = recv_req(e->fd, buf, 4 * MiB, 0, -1, &rr.recv);
	for (i = 0; !err && i < e->count; i++) {
		if (!(rr.recv.msg_flags & FASTIPC_MSG_CALL) || !rr.recv.token) {
			err = -EPROTO;
			break;
		}
		reverse(buf, rr.recv.len);
		rr.reply.token = rr.recv.token;
		rr.reply.buf = (uintptr_t)buf;
		rr.reply.len = rr.recv.len;
		rr.reply.flags = rr.recv.len >= e->pages_from ?
				 FASTIPC_SEND_PAGES : FASTIPC_SEND_COPY;
		if (i == e->count - 1) {
			err = fipc_ioctl(e->fd, FASTIPC_IOC_REPLY, &rr.reply);
			if (err == -ECANCELED) {
				e->cancelled++;
				err = 0;
			}
			break;
		}
		rr.recv.buf = (uintptr_t)buf;
		rr.recv.len = 4 * MiB;
		rr.recv.timeout_ns = -1;
		rr.recv.flags = FASTIPC_RECV_CALL;
		err = fipc_ioctl(e->fd, FASTIPC_IOC_REPLY_RECV, &rr);
		if (!err && rr.reply.token)
			err = -EPROTO;	/* done: the token must be cleared */
		if (!err && rr.reply.status == ECANCELED)
			e->cancelled++;
	}
	e->err = err;
	free(buf);
	return NULL;
}

/* ---- round trips ---------------------------------------------------------------- */

/* Every size on both reply paths, copied back into the caller's buffer. */
TEST_F(call, round_trip_copied_replies)
{
	static const uint64_t sizes[] = { 0, 1, 100, 4096, 20000, 1 * MiB + 3 };
	struct echo e = { .fd = self->srv, .count = 2 * 6, .pages_from = 20000 };
	uint8_t *tx = malloc(2 * MiB), *rx = malloc(2 * MiB);
	struct call_res res;
	pthread_t t;
	unsigned int k, r;

	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &e));
	for (r = 0; r < 2; r++) {
		for (k = 0; k < 6; k++) {
			uint64_t n = sizes[k];

			fipc_fill(tx, n, k + 10 * r);
			memset(rx, 0xee, n + 8);
			ASSERT_EQ(0, do_call(self->cli, tx, n, 0, rx, n,
					     r ? FASTIPC_SEND_PAGES : 0, -1,
					     &res)) TH_LOG("size %llu", (unsigned long long)n);
			ASSERT_EQ(n, res.len);
			ASSERT_EQ(n >= 20000 ? FASTIPC_MSG_PAGES : 0, res.flags);
			reverse(rx, n);
			ASSERT_EQ(-1, fipc_check(rx, n, k + 10 * r));
			ASSERT_EQ(0xee, rx[n]);	/* nothing past the reply */
		}
	}
	pthread_join(t, NULL);
	ASSERT_EQ(0, e.err);
	ASSERT_EQ(0, e.cancelled);
	ASSERT_EQ(0, adv_info(self->srv).queued_msgs);
	free(tx);
	free(rx);
}

/*
 * Zero-copy both ways: the request moves from the caller's window, the
 * server maps it, and moves the same pages back as the reply, which the
 * caller maps.  No byte is copied (copied_bytes does not move).
 */
TEST_F(call, zero_copy_request_and_reply)
{
	int cli = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	uint8_t *cwin, *swin;
	uint64_t addr, before;
	struct fastipc_recv rv;
	struct call_res res;
	char small[8];
	pid_t pid;
	int srv;

	ASSERT_LE(0, cli);
	cwin = adv_win(cli, WIN, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, cwin);
	ASSERT_EQ(0, adv_buf_alloc(cli, 2 * MiB, &addr));
	fipc_fill((void *)(uintptr_t)addr, 2 * MiB, 77);
	before = adv_info(cli).copied_bytes;

	pid = fork();
	if (!pid) {
		/* A window belongs to the process that opened its handle. */
		srv = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
		FIPC_CHILD_CHECK(srv >= 0);
		swin = adv_win(srv, WIN, PROT_READ | PROT_WRITE);
		FIPC_CHILD_CHECK(swin);
		FIPC_CHILD_CHECK(!recv_req(srv, small, sizeof(small),
					   FASTIPC_RECV_MAP, -1, &rv));
		FIPC_CHILD_CHECK(rv.msg_flags == (FASTIPC_MSG_CALL |
						  FASTIPC_MSG_PAGES |
						  FASTIPC_MSG_MAPPED));
		FIPC_CHILD_CHECK(rv.len == 2 * MiB);
		FIPC_CHILD_CHECK(fipc_check((void *)(uintptr_t)rv.addr,
					    rv.len, 77) == -1);
		/* Answer with the very pages it received. */
		FIPC_CHILD_CHECK(!do_reply(srv, rv.token,
					   (void *)(uintptr_t)rv.addr, rv.len,
					   FASTIPC_SEND_BUF));
		_exit(0);
	}
	ASSERT_EQ(0, do_call(cli, (void *)(uintptr_t)addr, 2 * MiB, 3, small,
			     sizeof(small), FASTIPC_SEND_BUF | FASTIPC_CALL_MAP,
			     -1, &res));
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(2 * MiB, res.len);
	ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED, res.flags);
	ASSERT_EQ(-1, fipc_check((void *)(uintptr_t)res.addr, res.len, 77));
	ASSERT_EQ(before, adv_info(cli).copied_bytes);
	ASSERT_EQ(0, adv_buf_free(cli, res.addr));
	munmap(cwin, WIN);
	close(cli);
}

/*
 * A page reply for a caller that maps but has no window, or no room in
 * it, is copied when it fits; when it does not, the call fails and says
 * how long the reply was.
 */
TEST_F(call, page_reply_without_room_is_copied_or_refused)
{
	struct echo e = { .fd = self->srv, .count = 2, .pages_from = 1 };
	uint8_t *tx = malloc(64 * KiB), *rx = malloc(64 * KiB);
	struct call_res res;
	pthread_t t;

	fipc_fill(tx, 64 * KiB, 5);
	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &e));
	/* No window: copied into the buffer, which is big enough. */
	ASSERT_EQ(0, do_call(self->cli, tx, 64 * KiB, 0, rx, 64 * KiB,
			     FASTIPC_CALL_MAP, -1, &res));
	ASSERT_EQ(FASTIPC_MSG_PAGES, res.flags);
	reverse(rx, 64 * KiB);
	ASSERT_EQ(-1, fipc_check(rx, 64 * KiB, 5));
	/* No window and a small buffer: the server may reply (mapped,
	 * it thinks), the call cannot take it. */
	ASSERT_EQ(-ENXIO, do_call(self->cli, tx, 64 * KiB, 0, rx, 16,
				  FASTIPC_CALL_MAP, -1, &res));
	ASSERT_EQ(64 * KiB, res.len);
	pthread_join(t, NULL);
	ASSERT_EQ(0, e.err);
	free(tx);
	free(rx);
}

/*
 * Many callers on one server: each reply reaches the call it answers and
 * no other (every caller checks its own bytes), in REPLY_RECV turns.
 */
struct caller {
	const char *name;
	int id;
	int calls;
	int err;
};

static void *caller_thread(void *arg)
{
	struct caller *c = arg;
	int fd = fipc_open(c->name, FASTIPC_O_SEND, 0, NULL);
	uint8_t tx[300], rx[300];
	struct call_res res;
	int i;

	c->err = fd < 0 ? fd : 0;
	for (i = 0; !c->err && i < c->calls; i++) {
		uint32_t seed = c->id * 1000 + i;
		uint64_t n = 1 + seed % sizeof(tx);

		fipc_fill(tx, n, seed);
		c->err = do_call(fd, tx, n, seed % 32, rx, sizeof(rx), 0, -1,
				 &res);
		if (!c->err && res.len != n)
			c->err = -EPROTO;
		reverse(rx, n);
		if (!c->err && fipc_check(rx, n, seed) != -1)
			c->err = -EBADMSG;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

TEST_F(call, replies_reach_their_callers_only)
{
	enum { CALLERS = 6, CALLS = 200 };
	struct echo e = { .fd = self->srv, .count = CALLERS * CALLS,
			  .pages_from = UINT64_MAX };
	struct caller c[CALLERS];
	pthread_t t, ct[CALLERS];
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &e));
	for (i = 0; i < CALLERS; i++) {
		c[i] = (struct caller){ .name = self->name, .id = i,
					.calls = CALLS };
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, caller_thread, &c[i]));
	}
	for (i = 0; i < CALLERS; i++) {
		pthread_join(ct[i], NULL);
		EXPECT_EQ(0, c[i].err) TH_LOG("caller %d", i);
	}
	pthread_join(t, NULL);
	ASSERT_EQ(0, e.err);
	ASSERT_EQ(0, e.cancelled);
}

/* Requests keep their priorities: the highest is received first. */
TEST_F(call, requests_keep_priorities)
{
	static const uint32_t prios[] = { 1, 30, 7 };
	struct fastipc_recv rv;
	uint64_t tokens[3];
	pid_t pid[3];
	char buf[16];
	int i;

	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		if (!pid[i]) {
			char reply[16];
			struct call_res res;
			int fd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);

			FIPC_CHILD_CHECK(fd >= 0);
			FIPC_CHILD_CHECK(!do_call(fd, &prios[i], 4, prios[i],
						  reply, sizeof(reply), 0, -1,
						  &res));
			FIPC_CHILD_CHECK(res.len == 4);
			FIPC_CHILD_CHECK(!memcmp(reply, &prios[i], 4));
			_exit(0);
		}
		ASSERT_TRUE(wait_queued(self->srv, i + 1));
	}
	/* 30, then 7, then 1. */
	for (i = 0; i < 3; i++) {
		uint32_t want = i == 0 ? 30 : i == 1 ? 7 : 1;

		ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf),
				      FASTIPC_NONBLOCK, -1, &rv));
		ASSERT_EQ(want, rv.prio);
		ASSERT_EQ(0, memcmp(buf, &want, 4));
		tokens[i] = rv.token;
	}
	/* Answered in another order: each still reaches its own caller. */
	ASSERT_EQ(0, do_reply(self->srv, tokens[1], &(uint32_t){ 7 }, 4, 0));
	ASSERT_EQ(0, do_reply(self->srv, tokens[2], &(uint32_t){ 1 }, 4, 0));
	ASSERT_EQ(0, do_reply(self->srv, tokens[0], &(uint32_t){ 30 }, 4, 0));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_wait_child(pid[i]));
}

/* ---- tokens ------------------------------------------------------------------- */

/* A token works once, on the handle that received the request. */
TEST_F(call, stale_foreign_and_used_tokens_fail)
{
	int other = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
	struct fastipc_recv rv;
	char buf[16];
	pid_t pid;

	ASSERT_LE(0, other);
	ASSERT_EQ(-ENOENT, reply_str(self->srv, 0, "x"));
	ASSERT_EQ(-ENOENT, reply_str(self->srv, 1, "x"));
	ASSERT_EQ(-ENOENT, reply_str(self->srv, UINT64_MAX, "x"));
	ASSERT_EQ(-ENOENT, reply_str(self->cli, 1, "x"));

	pid = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
	ASSERT_EQ(FASTIPC_MSG_CALL, rv.msg_flags);
	ASSERT_NE(0, rv.token);
	/* Another handle of the channel, or of this process, has none. */
	ASSERT_EQ(-ENOENT, reply_str(other, rv.token, "pong"));
	ASSERT_EQ(-ENOENT, reply_str(self->cli, rv.token, "pong"));
	/* Nor the neighbours of this one. */
	ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token + 1, "pong"));
	ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token ^ (1ULL << 32),
				     "pong"));
	ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(pid));
	/* Used up. */
	ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token, "pong"));

	/* The next request in the same slot has another token. */
	pid = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	{
		uint64_t old = rv.token;

		ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
		ASSERT_NE(old, rv.token);
		ASSERT_EQ(-ENOENT, reply_str(self->srv, old, "pong"));
	}
	ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(pid));
	close(other);
}

/*
 * A receive of a request that fails (buffer too small, a bad buffer)
 * leaves it queued and holds nothing: the token it may have reported is
 * no token.
 */
TEST_F(call, failed_receive_holds_nothing)
{
	struct fastipc_recv rv;
	char buf[16];
	pid_t pid;

	pid = call_child(self->name, "ping-pong-ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(-EMSGSIZE, recv_req(self->srv, buf, 4, 0, -1, &rv));
	ASSERT_EQ(14, rv.len);
	if (rv.token)
		ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(-EFAULT, recv_req(self->srv, (void *)8, 16, 0, -1, &rv));
	if (rv.token)
		ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(1, adv_info(self->srv).queued_msgs);
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
	ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(pid));
}

/*
 * A handle holds at most max_msgs requests unanswered: the next stays
 * queued (EBUSY) until it answers one.  Plain messages still come.
 */
TEST_F(call, held_requests_are_bounded)
{
	struct fastipc_attr attr = { .max_msgs = 2 };
	char name[FASTIPC_NAME_LEN];
	struct fastipc_recv rv;
	uint64_t tok[2];
	int srv, cli, i;
	pid_t pid[3];
	char buf[16];

	fipc_name(name, "held");
	srv = fipc_open(name, FASTIPC_O_RECV | FASTIPC_O_CREAT, 0600, &attr);
	ASSERT_LE(0, srv);
	cli = fipc_open(name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, cli);
	for (i = 0; i < 3; i++) {
		pid[i] = call_child(name, "ping", -1);
		if (i < 2) {
			ASSERT_TRUE(wait_queued(srv, 1));
			ASSERT_EQ(0, recv_req(srv, buf, sizeof(buf), 0, -1,
					      &rv));
			tok[i] = rv.token;
		}
	}
	ASSERT_TRUE(wait_queued(srv, 1));
	ASSERT_EQ(-EBUSY, recv_req(srv, buf, sizeof(buf), FASTIPC_NONBLOCK,
				   -1, &rv));
	ASSERT_EQ(1, adv_info(srv).queued_msgs);
	ASSERT_EQ(0, reply_str(srv, tok[0], "pong"));
	ASSERT_EQ(0, recv_req(srv, buf, sizeof(buf), FASTIPC_NONBLOCK, -1,
			      &rv));
	ASSERT_EQ(0, reply_str(srv, rv.token, "pong"));
	ASSERT_EQ(0, reply_str(srv, tok[1], "pong"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_wait_child(pid[i]));
	close(cli);
	close(srv);
	fipc_unlink(name);
}

/* A reply the caller's buffer cannot hold, and will not map, is refused. */
TEST_F(call, reply_too_long_is_refused_and_kept)
{
	struct fastipc_recv rv;
	char buf[256], big[300];
	pid_t pid;

	memset(big, 'x', sizeof(big));
	pid = call_child(self->name, "ping", -1);	/* takes 255 bytes */
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
	ASSERT_EQ(-EMSGSIZE, do_reply(self->srv, rv.token, big, 256, 0));
	ASSERT_EQ(-EMSGSIZE, do_reply(self->srv, rv.token, big, 256,
				      FASTIPC_SEND_PAGES));
	ASSERT_EQ(-EMSGSIZE, do_reply(self->srv, rv.token, big,
				      16 * MiB, FASTIPC_SEND_PAGES));
	ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(pid));
}

/* ---- arguments ------------------------------------------------------------------ */

TEST_F(call, bad_arguments)
{
	struct fastipc_call cl = { .timeout_ns = -1 };
	struct fastipc_reply rp = {};
	struct fastipc_reply_recv rr = {};
	struct fastipc_recv rv;
	char buf[8];

	/* Who may call and receive requests. */
	ASSERT_EQ(-EBADF, do_call(self->srv, "x", 1, 0, buf, 8, 0, -1, NULL));
	ASSERT_EQ(-EBADF, recv_req(self->cli, buf, 8, FASTIPC_NONBLOCK, -1,
				   &rv));
	rr.recv.flags = FASTIPC_NONBLOCK;
	ASSERT_EQ(-EBADF, fipc_ioctl(self->cli, FASTIPC_IOC_REPLY_RECV, &rr));

	/* Flags, paths, priorities, reserved fields. */
	cl.flags = 0x80000000U;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.flags = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.flags = 0;
	cl.prio = FASTIPC_PRIO_MAX + 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.prio = 0;
	cl.nr_fds = FASTIPC_FDS_MAX + 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.nr_fds = 0;
	cl.fds = 1;		/* descriptors without a count */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.fds = 0;
	cl.__pad = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.__pad = 0;
	cl.reply_fds = 1;	/* slots without a count */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.reply_fds = 0;
	cl.flags = FASTIPC_CALL_CLOEXEC;	/* for no slots */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->cli, FASTIPC_IOC_CALL, &cl));
	cl.flags = 0;
	rp.flags = FASTIPC_CALL_MAP;		/* not a reply flag */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY, &rp));
	rp.flags = FASTIPC_SEND_BUF | FASTIPC_SEND_COPY;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY, &rp));
	rp.flags = 0;
	rp.__pad = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY, &rp));
	rp.__pad = 0;
	rp.fds = 1;		/* descriptors without a count */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY, &rp));
	rp.fds = 0;
	rp.nr_fds = FASTIPC_FDS_MAX + 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY, &rp));
	rp.nr_fds = 0;
	rr = (struct fastipc_reply_recv){};
	rr.recv.fds = 1;	/* without FASTIPC_RECV_FDS */
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY_RECV, &rr));
	rr.recv.fds = 0;
	rr.reply.flags = 0x40000000U;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY_RECV, &rr));
	/* A REPLY_RECV whose token is none does not receive. */
	rr.reply.flags = 0;
	rr.reply.token = 12345;
	rr.recv.flags = FASTIPC_NONBLOCK;
	ASSERT_EQ(-ENOENT, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY_RECV, &rr));
	ASSERT_EQ(12345, rr.reply.token);

	/* A call whose result is not writable sends nothing. */
	ASSERT_EQ(-EFAULT, fipc_ioctl(self->cli, FASTIPC_IOC_CALL,
				      (void *)(uintptr_t)8));
	/* Nor one whose request faults. */
	ASSERT_EQ(-EFAULT, do_call(self->cli, (void *)8, 16, 0, buf, 8, 0, -1,
				   NULL));
	ASSERT_EQ(-EFAULT, do_call(self->cli, (void *)8, 64 * KiB, 0, buf, 8,
				   FASTIPC_SEND_PAGES, -1, NULL));
	/* Nor one that does not fit the channel. */
	ASSERT_EQ(-EMSGSIZE, do_call(self->cli, buf, 9 * MiB, 0, buf, 8, 0, -1,
				     NULL));
	ASSERT_EQ(0, adv_info(self->srv).queued_msgs);
}

/* A full channel: a non-blocking call is refused, a timed one times out. */
TEST_F(call, full_channel)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	char name[FASTIPC_NAME_LEN];
	char buf[8];
	int srv, cli;

	fipc_name(name, "full");
	srv = fipc_open(name, FASTIPC_O_RECV | FASTIPC_O_CREAT, 0600, &attr);
	ASSERT_LE(0, srv);
	cli = fipc_open(name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, fipc_send(cli, "x", 1, 0, 0, -1));
	struct call_res res;

	ASSERT_EQ(-EAGAIN, do_call(cli, "y", 1, 0, buf, 8, FASTIPC_NONBLOCK,
				   -1, &res));
	ASSERT_FALSE(res.sent);
	ASSERT_EQ(-ETIMEDOUT, do_call(cli, "y", 1, 0, buf, 8, 0,
				      20 * FIPC_MS, &res));
	ASSERT_FALSE(res.sent);
	ASSERT_EQ(1, adv_info(srv).queued_msgs);
	close(cli);
	close(srv);
	fipc_unlink(name);
}

/* ---- callers that give up --------------------------------------------------------- */

/*
 * A call that timed out never gets its reply: the late reply fails with
 * ECANCELED, and what it built is freed (pages too).  The caller's next
 * call gets its own reply, not the old one.
 */
TEST_F(call, late_reply_after_timeout_is_dropped)
{
	struct fastipc_recv rv;
	char buf[256], reply[256];
	struct fastipc_stats st;
	uint8_t *big = malloc(1 * MiB);

	struct call_res res;

	ASSERT_EQ(-ETIMEDOUT, do_call(self->cli, "first", 5, 0, reply, 255, 0,
				      10 * FIPC_MS, &res));
	ASSERT_TRUE(res.sent);
	/* The request is still queued: the server takes it, too late. */
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), FASTIPC_NONBLOCK,
			      -1, &rv));
	ASSERT_EQ(5, rv.len);
	ASSERT_EQ(-ECANCELED, reply_str(self->srv, rv.token, "late"));
	ASSERT_EQ(-ENOENT, reply_str(self->srv, rv.token, "late"));

	/* Once more, the reply in pages and the caller gone meanwhile. */
	ASSERT_EQ(-ETIMEDOUT, call_str(self->cli, "second", reply,
				       10 * FIPC_MS));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), FASTIPC_NONBLOCK,
			      -1, &rv));
	ASSERT_EQ(-ECANCELED, do_reply(self->srv, rv.token, big, 1 * MiB,
				       FASTIPC_SEND_PAGES));
	st = adv_stats();
	ASSERT_EQ(self->base.pages_held, st.pages_held);

	/* The next call gets its own reply. */
	{
		pid_t pid = call_child(self->name, "third", -1);

		ASSERT_TRUE(wait_queued(self->srv, 1));
		ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
		ASSERT_EQ(0, memcmp(buf, "third", 5));
		ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
		ASSERT_EQ(0, fipc_wait_child(pid));
	}
	free(big);
}

/* The same for a call interrupted by a signal, and REPLY_RECV goes on. */
TEST_F(call, late_reply_after_signal_is_dropped)
{
	struct fastipc_reply_recv rr = {};
	char buf[256];
	pid_t pid, next;

	pid = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rr.recv));
	/* The caller waits in its call now (the request was taken). */
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(EINTR, fipc_wait_child(pid));

	next = call_child(self->name, "next", -1);
	rr.reply.token = rr.recv.token;
	rr.reply.buf = (uintptr_t)"late";
	rr.reply.len = 4;
	rr.recv.buf = (uintptr_t)buf;
	rr.recv.len = sizeof(buf);
	rr.recv.timeout_ns = -1;
	rr.recv.flags = FASTIPC_RECV_CALL;
	ASSERT_EQ(0, fipc_ioctl(self->srv, FASTIPC_IOC_REPLY_RECV, &rr));
	ASSERT_EQ(ECANCELED, rr.reply.status);
	ASSERT_EQ(0, rr.reply.token);
	ASSERT_EQ(4, rr.recv.len);
	ASSERT_EQ(0, memcmp(buf, "next", 4));
	ASSERT_EQ(0, reply_str(self->srv, rr.recv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(next));
}

/* A killed caller: its request is answered into nothing. */
TEST_F(call, killed_caller)
{
	struct fastipc_recv rv;
	char buf[256];
	pid_t pid;

	pid = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, fipc_wait_child(pid));
	ASSERT_EQ(-ECANCELED, reply_str(self->srv, rv.token, "pong"));
}

/* ---- servers that go away ----------------------------------------------------------- */

/* A server that closes its handle holding a request fails the call at once. */
TEST_F(call, server_close_fails_call)
{
	struct fastipc_recv rv;
	char buf[256];
	pid_t pid;

	pid = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	/* Another receiving handle stays: only the holder matters. */
	{
		int holder = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

		ASSERT_LE(0, holder);
		ASSERT_EQ(0, recv_req(holder, buf, sizeof(buf), 0, -1, &rv));
		close(holder);
	}
	ASSERT_EQ(ECONNRESET, fipc_wait_child(pid));
}

/* A server killed holding a request (its window mapped, the request in it). */
TEST_F(call, killed_server_fails_call)
{
	int pfd[2];
	pid_t srv, cli;
	char c;

	ASSERT_EQ(0, pipe(pfd));
	cli = call_child(self->name, "ping", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	srv = fork();
	if (!srv) {
		struct fastipc_recv rv;
		char buf[256];
		int fd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(adv_win(fd, WIN, PROT_READ));
		FIPC_CHILD_CHECK(!recv_req(fd, buf, sizeof(buf),
					   FASTIPC_RECV_MAP, -1, &rv));
		FIPC_CHILD_CHECK(write(pfd[1], "r", 1) == 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	ASSERT_EQ(0, kill(srv, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, fipc_wait_child(srv));
	ASSERT_EQ(ECONNRESET, fipc_wait_child(cli));
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Requests still queued when the last receiving handle closes fail at
 * once; plain messages stay queued, and while a receiving handle is left
 * requests wait for it.
 */
TEST_F(call, last_receiver_gone_fails_queued_requests)
{
	int rx2 = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	uint64_t len;
	char buf[16];
	pid_t a, b;

	ASSERT_LE(0, rx2);
	ASSERT_EQ(0, fipc_send(self->cli, "plain", 5, 0, 0, -1));
	a = call_child(self->name, "a", -1);
	ASSERT_TRUE(wait_queued(self->cli, 2));
	b = call_child(self->name, "b", -1);
	ASSERT_TRUE(wait_queued(self->cli, 3));
	close(self->srv);
	self->srv = -1;
	fipc_sleep_ms(20);
	ASSERT_EQ(3, adv_info(self->cli).queued_msgs);	/* rx2 is left */
	close(rx2);
	ASSERT_EQ(ECONNRESET, fipc_wait_child(a));
	ASSERT_EQ(ECONNRESET, fipc_wait_child(b));
	ASSERT_EQ(1, adv_info(self->cli).queued_msgs);
	self->srv = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, self->srv);
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->srv, buf, &len, NULL, FASTIPC_NONBLOCK,
			       -1));
	ASSERT_EQ(5, len);
}

/*
 * A receive that cannot answer (read(2), RECV without FASTIPC_RECV_CALL,
 * a vector receive) takes a request as a message: its caller's call
 * fails with ENOMSG at once.
 */
TEST_F(call, receive_that_cannot_answer_fails_call)
{
	struct fastipc_rvec ent = { .len = 16 };
	char buf[16];
	uint64_t len;
	pid_t pid;
	int how;

	for (how = 0; how < 3; how++) {
		memset(buf, 0, sizeof(buf));
		pid = call_child(self->name, "ping", -1);
		ASSERT_TRUE(wait_queued(self->srv, 1));
		switch (how) {
		case 0:
			ASSERT_EQ(4, read(self->srv, buf, sizeof(buf)));
			break;
		case 1:
			len = sizeof(buf);
			ASSERT_EQ(0, fipc_recv(self->srv, buf, &len, NULL, 0,
					       -1));
			break;
		case 2:
			ent.buf = (uintptr_t)buf;
			ASSERT_EQ(1, fipc_recv_vec(self->srv, &ent, 1, 0, -1));
			break;
		}
		ASSERT_EQ(0, memcmp(buf, "ping", 4));
		ASSERT_EQ(ENOMSG, fipc_wait_child(pid)) TH_LOG("how %d", how);
	}
}

/* Delete @name over netlink (CHANNEL_DEL): its queue dies, EIDRM. */
static int nl_delete(const char *name)
{
	struct adv_nlreq r;
	struct adv_nl nl;
	int err;

	err = adv_nl_open(&nl);
	if (err)
		return err;
	adv_nl_req(&nl, &r, FASTIPC_CMD_CHANNEL_DEL, NLM_F_ACK, name);
	err = adv_nl_send(&nl, &r);
	if (!err)
		err = adv_nl_answers(&nl, NULL, NULL, 5000);
	adv_nl_close(&nl);
	return err;
}

/*
 * A channel deleted under calls: the queued request fails with EIDRM; a
 * request already held is still answered (a reply does not go through
 * the channel).
 */
TEST_F(call, channel_deleted_under_calls)
{
	struct fastipc_recv rv;
	char buf[16];
	pid_t held, queued;

	held = call_child(self->name, "held", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
	queued = call_child(self->name, "queued", -1);
	ASSERT_TRUE(wait_queued(self->srv, 1));
	ASSERT_EQ(0, nl_delete(self->name));
	ASSERT_EQ(EIDRM, fipc_wait_child(queued));
	ASSERT_EQ(0, reply_str(self->srv, rv.token, "pong"));
	ASSERT_EQ(0, fipc_wait_child(held));
	ASSERT_EQ(-EIDRM, recv_req(self->srv, buf, sizeof(buf), 0, -1, &rv));
}

/* ---- the busy poll ------------------------------------------------------------------ */

/*
 * A call waits for its reply with the handle's busy poll: a fixed poll
 * polls in every call (counted in INFO before the reply comes: the server
 * answers only once it has seen the count move).
 */
struct late_server {
	int srv, cli;
	int err;
};

static void *late_server(void *arg)
{
	struct late_server *l = arg;
	struct fastipc_recv rv;
	char buf[16];
	int i;

	l->err = recv_req(l->srv, buf, sizeof(buf), 0, -1, &rv);
	for (i = 0; !l->err && i < 2000; i++) {
		if (adv_info(l->cli).busy_polls >= 1)
			break;
		fipc_sleep_ms(5);
	}
	if (!l->err)
		l->err = reply_str(l->srv, rv.token, "pong");
	return NULL;
}

TEST_F(call, call_busy_polls_for_its_reply)
{
	struct late_server l = { .srv = self->srv };
	char reply[256];
	pthread_t t;
	int cli = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);

	ASSERT_LE(0, cli);
	l.cli = cli;
	ASSERT_EQ(0, fipc_busy_poll(cli, FASTIPC_BUSY_POLL_MAX_US));
	ASSERT_EQ(0, adv_info(cli).busy_polls);
	ASSERT_EQ(0, pthread_create(&t, NULL, late_server, &l));
	ASSERT_EQ(0, call_str(cli, "ping", reply, -1));
	pthread_join(t, NULL);
	ASSERT_EQ(0, l.err);
	ASSERT_STREQ("pong", reply);
	ASSERT_LE(1, adv_info(cli).busy_polls);
	close(cli);
}

FIPC_TEST_MAIN

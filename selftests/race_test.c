// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: races between send, receive, close, munmap, epoll and
 * unlink on many threads, each for a bounded time (FIPC_RACE_MS, 3000 ms
 * by default).  What must hold whatever the interleaving:
 *
 *  - exactly-once delivery: every message whose send succeeded is received
 *    once, none whose send failed ever is (ids are tracked in bitmaps);
 *  - no torn or foreign bytes: a message read from a stable window, or
 *    copied out, carries its own pattern;
 *  - STATS (channels, handles, pages_held, bytes_queued) back to the
 *    baseline once everything is closed; no kernel report (run.sh).
 *
 * msg_test and zerocopy_test already run many senders and receivers on a
 * quiet window; here the window is unmapped and mapped again, handles are
 * closed under blocked callers, names are unlinked and created under
 * open/dump, epoll sets watch files that go away, and waits for a message
 * or for room are cut short by timeouts and signals as they are served.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/epoll.h>

#include "adv_util.h"

#define PG		ADV_PAGE
#define RW		(PROT_READ | PROT_WRITE)
#define MAX_IDS		(1 << 18)

/* ---- shared state of one race ------------------------------------------------ */

struct race {
	atomic_bool stop;
	char name[FASTIPC_NAME_LEN];
	char name2[FASTIPC_NAME_LEN];
	atomic_uchar sent[MAX_IDS];	/* 1: its send succeeded */
	atomic_uchar recvd[MAX_IDS];	/* times received */
	atomic_uint next_id;
	atomic_uint dups, corrupt, errors, bad_errno;
	atomic_uint gen;		/* window generation: odd while remapping */
	pthread_rwlock_t remap;		/* held for writing around a remap */
	atomic_ulong ops;
	int last_errno;
	/* The window shared by the remapper and its users. */
	int wfd;
	char *_Atomic win;
	size_t wsize;
	int wprot;		/* how the remapper maps it */
};

static struct race *race_new(void)
{
	struct race *r = mmap(NULL, sizeof(*r), RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	fipc_name(r->name, "race");
	fipc_name(r->name2, "race2");
	r->wfd = -1;
	pthread_rwlock_init(&r->remap, NULL);
	return r;
}

static void race_free(struct race *r)
{
	fipc_unlink(r->name);
	fipc_unlink(r->name2);
	munmap(r, sizeof(*r));
}

static void race_errno(struct race *r, int err)
{
	atomic_fetch_add(&r->bad_errno, 1);
	r->last_errno = err;
}

static long race_ms(void)
{
	return adv_env_num("FIPC_RACE_MS", 3000, 3000);
}

/* Let @fn run on @n threads for the race's time, then stop and join. */
static void race_run(struct race *r, int n, void *(**fns)(void *), long ms)
{
	pthread_t t[16];
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fns[i], r))
			abort();
	fipc_sleep_ms(ms);
	atomic_store(&r->stop, true);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static void mark_received(struct race *r, uint32_t id)
{
	if (id >= MAX_IDS) {
		atomic_fetch_add(&r->corrupt, 1);
		return;
	}
	if (atomic_fetch_add(&r->recvd[id], 1))
		atomic_fetch_add(&r->dups, 1);
}

/* Every id sent was received once; none other was. */
static void check_exactly_once(struct __test_metadata *_metadata, struct race *r)
{
	unsigned int i, missing = 0, ghost = 0, nsent = 0;

	for (i = 0; i < MAX_IDS; i++) {
		nsent += r->sent[i];
		if (r->sent[i] && !r->recvd[i] && missing++ < 5)
			TH_LOG("message %u was sent and never received", i);
		if (!r->sent[i] && r->recvd[i] && ghost++ < 5)
			TH_LOG("message %u was received but its send failed", i);
	}
	printf("# %u messages, %lu operations\n", nsent, (unsigned long)r->ops);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, ghost);
	EXPECT_EQ(0, r->dups) TH_LOG("messages received twice");
	EXPECT_EQ(0, r->corrupt) TH_LOG("messages with foreign bytes");
	EXPECT_EQ(0, r->bad_errno) TH_LOG("undocumented errno, last %s",
					  strerror(r->last_errno));
	EXPECT_LT(0, nsent) TH_LOG("nothing got through: the race tested nothing");
}

/* ---- fault-tolerant reads of a window that may vanish ------------------------------- */

static __thread sigjmp_buf probe_env;
static __thread volatile bool probing;

/* Hex of @v into @buf (async-signal-safe); returns its length. */
static int probe_hex(char *buf, uintptr_t v)
{
	int n = 0, i;

	for (i = (int)sizeof(v) * 2 - 1; i >= 0; i--)
		buf[n++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
	return n;
}

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	char msg[96] = "# unexpected fault at 0x";
	int n = strlen(msg);

	(void)uc;
	if (!probing) {
		/* Say where before dying: a race that crashes is rare. */
		n += probe_hex(msg + n, (uintptr_t)si->si_addr);
		msg[n++] = '\n';
		if (write(STDOUT_FILENO, msg, n) < 0)
			n = 0;
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(probe_env, sig);
}

static void probe_install(void)
{
	struct sigaction sa = {
		.sa_sigaction = probe_handler,
		.sa_flags = SA_NODEFER | SA_SIGINFO,
	};

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/*
 * Check @len bytes at @p against the pattern of @seed: 1 if they match,
 * 0 if not, -1 if the memory went away under the read.
 */
static int probe_check(const void *p, uint64_t len, uint32_t seed)
{
	int ret;

	probing = true;
	if (sigsetjmp(probe_env, 1)) {
		probing = false;
		return -1;
	}
	ret = fipc_check(p, len, seed) == -1;
	probing = false;
	return ret;
}

/* Fill, unless the memory goes away: true if all was written. */
static bool probe_fill(void *p, uint64_t len, uint32_t seed)
{
	probing = true;
	if (sigsetjmp(probe_env, 1)) {
		probing = false;
		return false;
	}
	fipc_fill(p, len, seed);
	probing = false;
	return true;
}

/* ---- 1. send, receive and close on many handles --------------------------------------- */

/* A message: 8-byte id then the pattern of the id; @len from the id. */
static uint32_t msg_len(uint32_t id)
{
	switch (id % 4) {
	case 0: return 8 + id % 200;
	case 1: return 8 + id % 3000;
	case 2: return PG + id % (3 * PG);
	default: return 3 * PG + id % 100;
	}
}

static uint32_t msg_flags(uint32_t id)
{
	return id % 4 < 2 ? FASTIPC_SEND_COPY : FASTIPC_SEND_PAGES;
}

static void msg_build(void *buf, uint32_t id)
{
	uint32_t len = msg_len(id);

	memcpy(buf, &id, 4);
	memcpy((char *)buf + 4, &len, 4);
	fipc_fill((char *)buf + 8, len - 8, id);
}

static void msg_take(struct race *r, const void *buf, uint64_t len)
{
	uint32_t id, l;

	memcpy(&id, buf, 4);
	memcpy(&l, (const char *)buf + 4, 4);
	if (len < 8 || l != len || id >= MAX_IDS || msg_len(id) != len ||
	    fipc_check((const char *)buf + 8, len - 8, id) != -1) {
		atomic_fetch_add(&r->corrupt, 1);
		return;
	}
	mark_received(r, id);
}

static bool send_errno_ok(int err)
{
	return err == -EAGAIN || err == -ETIMEDOUT || err == -EBADF ||
	       err == -EINTR;
}

static void *sender(void *arg)
{
	struct race *r = arg;
	char *buf = malloc(4 * PG + 64);
	int fd = fipc_open(r->name, FASTIPC_O_SEND, 0, NULL), err;

	if (fd < 0 || !buf)
		abort();
	while (!atomic_load(&r->stop)) {
		uint32_t id = atomic_fetch_add(&r->next_id, 1);

		if (id >= MAX_IDS)
			break;
		msg_build(buf, id);
		err = fipc_send(fd, buf, msg_len(id), id % 32, msg_flags(id),
				5 * FIPC_MS);
		if (!err)
			atomic_store(&r->sent[id], 1);
		else if (!send_errno_ok(err))
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	free(buf);
	return NULL;
}

static bool recv_errno_ok(int err)
{
	return err == -EAGAIN || err == -ETIMEDOUT || err == -EINTR ||
	       err == -EBADF || err == -ENXIO || err == -ENOSPC;
}

/* A receiver that closes its handle and opens a new one every few messages. */
static void *receiver(void *arg)
{
	struct race *r = arg;
	char *buf = malloc(4 * PG + 64);
	struct fastipc_recv rv;
	uint64_t len;
	unsigned int n = 0;
	char *win = NULL;
	int fd = -1, err;

	if (!buf)
		abort();
	while (!atomic_load(&r->stop)) {
		if (fd < 0) {
			fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL);
			if (fd < 0)
				abort();
			win = (n & 2) ? adv_win(fd, 16 * PG, PROT_READ) : NULL;
			/* Every other handle polls before it sleeps. */
			if ((n / 7) % 2 && fipc_busy_poll(fd, 300))
				abort();
		}
		if (win && (n & 1)) {
			err = adv_recv_map(fd, buf, 4 * PG + 64, &rv);
			if (!err && (rv.msg_flags & FASTIPC_MSG_MAPPED)) {
				msg_take(r, (void *)(uintptr_t)rv.addr, rv.len);
				if (n & 4)	/* else the munmap frees it */
					adv_buf_free(fd, rv.addr);
			} else if (!err) {
				msg_take(r, buf, rv.len);
			}
		} else {
			len = 4 * PG + 64;
			err = fipc_recv(fd, buf, &len, NULL, 0, 5 * FIPC_MS);
			if (!err)
				msg_take(r, buf, len);
		}
		if (err && !recv_errno_ok(err))
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
		if (++n % 7 == 0) {
			/*
			 * Forget the window with the handle: unmapping it
			 * again on the way out could hit another thread's
			 * fresh window at the same address.
			 */
			if (win)
				munmap(win, 16 * PG);
			win = NULL;
			close(fd);
			fd = -1;
		}
	}
	if (win)
		munmap(win, 16 * PG);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Close a handle while another thread is blocked in it; open another. */
struct blocked {
	struct race *r;
	int fd;
	atomic_int state;	/* 0 idle, 1 calling, 2 returned */
	int err;
};

static void *blocked_receiver(void *arg)
{
	struct blocked *b = arg;
	char *buf = malloc(4 * PG + 64);
	uint64_t len;

	while (!atomic_load(&b->r->stop)) {
		int fd = atomic_load(&b->state) == 0 ? b->fd : -1;

		if (fd < 0) {
			fipc_sleep_ms(1);
			continue;
		}
		atomic_store(&b->state, 1);
		len = 4 * PG + 64;
		b->err = fipc_recv(fd, buf, &len, NULL, 0, 20 * FIPC_MS);
		if (!b->err)
			msg_take(b->r, buf, len);
		/*
		 * The closer may have closed fd before this call, and another
		 * thread's open reused the number: EBADF, or EBADFD while
		 * that file is not bound to its channel yet.
		 */
		else if (!recv_errno_ok(b->err) && b->err != -EBADFD)
			race_errno(b->r, -b->err);
		atomic_store(&b->state, 2);
	}
	free(buf);
	return NULL;
}

static struct blocked g_blocked;

static void *closer(void *arg)
{
	struct race *r = arg;
	struct blocked *b = &g_blocked;

	while (!atomic_load(&r->stop)) {
		b->fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL);
		if (b->fd < 0)
			abort();
		atomic_store(&b->state, 0);
		/* Let it block (or not), then pull the fd from under it. */
		fipc_sleep_ms(atomic_load(&r->ops) % 7);
		close(b->fd);
		while (atomic_load(&b->state) == 1 && !atomic_load(&r->stop))
			fipc_sleep_ms(1);
		atomic_store(&b->state, 2);
	}
	return NULL;
}

static void *blocked_thread(void *arg)
{
	g_blocked.r = arg;
	g_blocked.state = 2;
	return blocked_receiver(&g_blocked);
}

/* Drain what is left with a fresh handle. */
static void drain(struct race *r, const char *name)
{
	char *buf = malloc(4 * PG + 64);
	int fd = fipc_open(name, FASTIPC_O_RECV, 0, NULL);
	uint64_t len;

	if (fd < 0 || !buf)
		abort();
	for (;;) {
		len = 4 * PG + 64;
		if (fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1))
			break;
		msg_take(r, buf, len);
	}
	close(fd);
	free(buf);
}

FIXTURE(race) {
	struct race *r;
	struct fastipc_stats base;
	int holder;
};

FIXTURE_SETUP(race)
{
	struct fastipc_attr attr = { .max_msgs = 64 };

	adv_kmsg("race_test", _metadata->name);
	self->base = adv_stats();
	self->r = race_new();
	ASSERT_NE(NULL, self->r);
	self->holder = fipc_create(self->r->name, &attr);
	ASSERT_LE(0, self->holder);
	probe_install();
}

FIXTURE_TEARDOWN(race)
{
	struct fastipc_stats now;

	if (self->holder >= 0)
		close(self->holder);
	race_free(self->r);
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 3000))
		TH_LOG("after the race: " ADV_STATS_FMT ", before: " ADV_STATS_FMT,
		       ADV_STATS_ARGS(now), ADV_STATS_ARGS(self->base));
}

TEST_F_TIMEOUT(race, send_recv_close_exactly_once, 120)
{
	void *(*fns[])(void *) = {
		sender, sender, sender, receiver, receiver, receiver,
		closer, blocked_thread,
	};

	race_run(self->r, 8, fns, race_ms());
	drain(self->r, self->r->name);
	check_exactly_once(_metadata, self->r);
	ASSERT_EQ(0, adv_info(self->holder).queued_msgs);
	ASSERT_EQ(1, adv_info(self->holder).handles);
}

/* ---- 1b. vector receives, some with a buffer that faults midway ------------------------------ */

#define VEC_N	8

/*
 * RECV_VEC with VEC_N buffers; every fifth call one of them faults, so
 * that the messages from it on go back to the queue while the other
 * receivers take from it.  A page message first in line (EMSGSIZE) is
 * taken with RECV.
 */
static void *vec_receiver(void *arg)
{
	struct race *r = arg;
	size_t sz = 4 * PG + 64;
	char *bufs = malloc(VEC_N * sz);
	char *bad = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL), err;
	struct fastipc_rvec ent[VEC_N];
	unsigned int n = 0, i;
	uint64_t len;

	if (fd < 0 || !bufs || bad == MAP_FAILED)
		abort();
	while (!atomic_load(&r->stop)) {
		for (i = 0; i < VEC_N; i++)
			ent[i] = (struct fastipc_rvec){
				.buf = (uintptr_t)(bufs + i * sz), .len = sz };
		if (++n % 5 == 0)
			ent[n % VEC_N].buf = (uintptr_t)bad;
		err = fipc_recv_vec(fd, ent, VEC_N, 0, 5 * FIPC_MS);
		if (err > 0) {
			for (i = 0; i < (unsigned int)err; i++)
				msg_take(r, (void *)(uintptr_t)ent[i].buf,
					 ent[i].len);
			err = 0;
		} else if (err == -EMSGSIZE) {
			len = sz;
			err = fipc_recv(fd, bufs, &len, NULL, FASTIPC_NONBLOCK, -1);
			if (!err)
				msg_take(r, bufs, len);
		}
		if (err && err != -EFAULT && !recv_errno_ok(err))
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	munmap(bad, PG);
	free(bufs);
	return NULL;
}

TEST_F_TIMEOUT(race, vector_receives_exactly_once, 120)
{
	void *(*fns[])(void *) = {
		sender, sender, sender, vec_receiver, vec_receiver, receiver,
	};

	race_run(self->r, 6, fns, race_ms());
	drain(self->r, self->r->name);
	check_exactly_once(_metadata, self->r);
	ASSERT_EQ(0, adv_info(self->holder).queued_msgs);
}

/* ---- 1a. the smallest messages, taken the instant they are queued ------------------------------ */

/*
 * Senders of 1-byte messages against receivers that spin on non-blocking
 * receives: a message is taken, delivered and freed on one CPU while the
 * call that queued it is still returning on the other.  Anything the
 * sender touches after queueing the message is a use after free (KASAN
 * on the debug kernel).
 */
static void *tiny_sender(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name, FASTIPC_O_SEND, 0, NULL), err;

	if (fd < 0)
		abort();
	while (!atomic_load(&r->stop)) {
		uint32_t id = atomic_fetch_add(&r->next_id, 1);

		if (id >= MAX_IDS)
			break;
		err = fipc_send(fd, &id, sizeof(id), id % 32, FASTIPC_SEND_COPY, FIPC_MS);
		if (!err)
			atomic_store(&r->sent[id], 1);
		else if (!send_errno_ok(err))
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	return NULL;
}

static void *spin_receiver(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL), err;
	uint32_t id;
	uint64_t len;

	if (fd < 0)
		abort();
	while (!atomic_load(&r->stop)) {
		len = sizeof(id);
		err = fipc_recv(fd, &id, &len, NULL, FASTIPC_NONBLOCK, -1);
		if (!err && len == sizeof(id))
			mark_received(r, id);
		else if (!err)
			atomic_fetch_add(&r->corrupt, 1);
		else if (!recv_errno_ok(err))
			race_errno(r, -err);
	}
	close(fd);
	return NULL;
}

static void drain_tiny(struct race *r, int fd)
{
	uint32_t id;
	uint64_t len;

	for (;;) {
		len = sizeof(id);
		if (fipc_recv(fd, &id, &len, NULL, FASTIPC_NONBLOCK, -1))
			break;
		mark_received(r, id);
	}
}

TEST_F_TIMEOUT(race, tiny_messages_taken_at_once, 120)
{
	void *(*fns[])(void *) = {
		tiny_sender, tiny_sender, spin_receiver, spin_receiver,
	};

	race_run(self->r, 4, fns, race_ms());
	drain_tiny(self->r, self->holder);
	check_exactly_once(_metadata, self->r);
	ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
}

/* ---- 1a'. waits cut short: timeouts and signals against hand-offs and grants ---------------- */

/*
 * Receivers and senders on a channel of three messages wait with
 * timeouts of 0 to 2 ms while a thread interrupts them with signals: a
 * message handed to a receiver, or room granted to a sender, just as its
 * wait ends must be delivered or queued exactly once, and a call that
 * reports failure must have taken or queued nothing.
 */
static const int64_t short_waits[] = { 0, 20000, 200000, 2 * FIPC_MS };
static atomic_uint short_wait_pollers;
static pthread_t wait_threads[8];
static atomic_int nwait_threads;
static atomic_uint cut_by_timeout, cut_by_signal;

static void count_cut(int err)
{
	if (err == -ETIMEDOUT)
		atomic_fetch_add(&cut_by_timeout, 1);
	else if (err == -EINTR)
		atomic_fetch_add(&cut_by_signal, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void register_wait_thread(void)
{
	int i = atomic_fetch_add(&nwait_threads, 1);

	if (i < 8)
		wait_threads[i] = pthread_self();
}

static void *short_wait_sender(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name2, FASTIPC_O_SEND, 0, NULL), err;
	unsigned int n = 0;

	if (fd < 0)
		abort();
	register_wait_thread();
	while (!atomic_load(&r->stop)) {
		uint32_t id = atomic_fetch_add(&r->next_id, 1);

		if (id >= MAX_IDS)
			break;
		err = fipc_send(fd, &id, sizeof(id), 0, FASTIPC_SEND_COPY,
				short_waits[n++ % 4]);
		if (!err)
			atomic_store(&r->sent[id], 1);
		else if (!send_errno_ok(err))
			race_errno(r, -err);
		count_cut(err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	return NULL;
}

static void *short_wait_receiver(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name2, FASTIPC_O_RECV, 0, NULL), err;
	unsigned int n = 0;
	uint32_t id;
	uint64_t len;

	if (fd < 0)
		abort();
	/* One receiver polls longer than some of its waits last. */
	if (atomic_fetch_add(&short_wait_pollers, 1) == 0 &&
	    fipc_busy_poll(fd, 1000))
		abort();
	register_wait_thread();
	while (!atomic_load(&r->stop)) {
		len = sizeof(id);
		err = fipc_recv(fd, &id, &len, NULL, 0, short_waits[n++ % 4]);
		if (!err && len == sizeof(id))
			mark_received(r, id);
		else if (!err)
			atomic_fetch_add(&r->corrupt, 1);
		else if (!recv_errno_ok(err))
			race_errno(r, -err);
		count_cut(err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	return NULL;
}

static void *interrupter(void *arg)
{
	struct race *r = arg;
	unsigned int n = 0;

	while (!atomic_load(&r->stop)) {
		int k = atomic_load(&nwait_threads);

		if (k > 8)
			k = 8;
		if (k)
			pthread_kill(wait_threads[n++ % k], SIGUSR1);
		usleep(50 + n % 200);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, waits_cut_short_by_timeouts_and_signals, 120)
{
	void *(*fns[])(void *) = {
		short_wait_sender, short_wait_sender, short_wait_receiver,
		short_wait_receiver, short_wait_receiver, interrupter,
	};
	struct fastipc_attr attr = { .max_msgs = 3 };
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	int fd = fipc_create(self->r->name2, &attr);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	race_run(self->r, 6, fns, race_ms());
	drain_tiny(self->r, fd);
	check_exactly_once(_metadata, self->r);
	printf("# waits cut short: %u by the timeout, %u by a signal\n",
	       atomic_load(&cut_by_timeout), atomic_load(&cut_by_signal));
	EXPECT_LT(0, atomic_load(&cut_by_timeout) + atomic_load(&cut_by_signal))
		TH_LOG("no wait was cut short: the race tested nothing");
	ASSERT_EQ(0, adv_info(fd).queued_msgs);
	close(fd);
}

/* ---- 1b. receives that fail and put back, against receives that take ------------------------ */

/*
 * A receiver whose buffer is always too small: every message it takes
 * goes back to the head of the queue (EMSGSIZE), where the others take it.
 */
static void *small_receiver(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL), err;
	char buf[4];
	uint64_t len;

	if (fd < 0)
		abort();
	while (!atomic_load(&r->stop)) {
		len = sizeof(buf);
		err = fipc_recv(fd, buf, &len, NULL, 0, FIPC_MS);
		if (!err)
			atomic_fetch_add(&r->corrupt, 1);	/* no message is that small */
		else if (err != -EMSGSIZE && !recv_errno_ok(err))
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
	}
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(race, recv_putback_vs_take, 120)
{
	void *(*fns[])(void *) = {
		sender, sender, small_receiver, small_receiver, receiver,
	};

	race_run(self->r, 5, fns, race_ms());
	drain(self->r, self->r->name);
	check_exactly_once(_metadata, self->r);
	ASSERT_EQ(self->base.bytes_queued, adv_stats().bytes_queued);
}

/* ---- 2. RECV_MAP against munmap of the same window -------------------------------------- */

/* Page messages whose length is their id (+1): known without reading. */
static void *page_sender(void *arg)
{
	struct race *r = arg;
	char *buf = malloc(5 * PG);
	int fd = fipc_open(r->name, FASTIPC_O_SEND, 0, NULL), err;

	if (fd < 0 || !buf)
		abort();
	while (!atomic_load(&r->stop)) {
		uint32_t id = atomic_fetch_add(&r->next_id, 1);

		if (id + 1 > 5 * PG)
			break;
		fipc_fill(buf, id + 1, id);
		err = fipc_send(fd, buf, id + 1, 0, FASTIPC_SEND_PAGES, 5 * FIPC_MS);
		if (!err)
			atomic_store(&r->sent[id], 1);
		else if (!send_errno_ok(err))
			race_errno(r, -err);
	}
	close(fd);
	free(buf);
	return NULL;
}

static void *remapper(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		char *w = atomic_load(&r->win);

		pthread_rwlock_wrlock(&r->remap);
		atomic_fetch_add(&r->gen, 1);		/* odd: changing */
		munmap(w, r->wsize);
		w = adv_win(r->wfd, r->wsize, r->wprot);
		if (!w)
			abort();
		atomic_store(&r->win, w);
		atomic_fetch_add(&r->gen, 1);
		pthread_rwlock_unlock(&r->remap);
		fipc_sleep_ms(atomic_load(&r->ops) % 3);
	}
	return NULL;
}

static void *map_receiver(void *arg)
{
	struct race *r = arg;
	struct fastipc_recv rv;
	int err;

	while (!atomic_load(&r->stop)) {
		unsigned int g = atomic_load(&r->gen);

		err = adv_recv_map(r->wfd, NULL, 0, &rv);
		atomic_fetch_add(&r->ops, 1);
		if (err) {
			if (!recv_errno_ok(err))
				race_errno(r, -err);
			fipc_sleep_ms(0);
			continue;
		}
		if (!(rv.msg_flags & FASTIPC_MSG_MAPPED) || !rv.len ||
		    rv.len > 5 * PG) {
			atomic_fetch_add(&r->corrupt, 1);
			continue;
		}
		mark_received(r, (uint32_t)rv.len - 1);
		/* Where the window stayed put, the bytes must be this message's. */
		int ok = probe_check((void *)(uintptr_t)rv.addr, rv.len,
				     (uint32_t)rv.len - 1);

		/*
		 * Free it only if it is still in the window it was mapped in:
		 * after a remap the address may be another receiver's buffer.
		 */
		pthread_rwlock_rdlock(&r->remap);
		if (!(g & 1) && atomic_load(&r->gen) == g) {
			if (ok == 0) {
				if (atomic_fetch_add(&r->corrupt, 1) < 3)
					fprintf(stderr, "# message %u at %#llx: foreign bytes in a stable window\n",
						(unsigned int)rv.len - 1,
						(unsigned long long)rv.addr);
			}
			err = adv_buf_free(r->wfd, rv.addr);
			if (err)
				race_errno(r, -err);
		}
		pthread_rwlock_unlock(&r->remap);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, recv_map_vs_munmap, 120)
{
	void *(*fns[])(void *) = {
		page_sender, page_sender, map_receiver, map_receiver, remapper,
	};
	struct race *r = self->r;

	r->wsize = 64 * PG;
	r->wfd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, r->wfd);
	/* A receive-only handle: its window is read-only. */
	r->wprot = PROT_READ;
	r->win = adv_win(r->wfd, r->wsize, r->wprot);
	ASSERT_NE(NULL, r->win);
	race_run(r, 5, fns, race_ms());
	munmap(r->win, r->wsize);
	close(r->wfd);
	/* Left in the queue: take them by length. */
	{
		char *buf = malloc(5 * PG);
		uint64_t len;

		for (;;) {
			len = 5 * PG;
			if (fipc_recv(self->holder, buf, &len, NULL, FASTIPC_NONBLOCK, -1))
				break;
			if (fipc_check(buf, len, (uint32_t)len - 1) != -1)
				r->corrupt++;
			mark_received(r, (uint32_t)len - 1);
		}
		free(buf);
	}
	check_exactly_once(_metadata, r);
}

/* ---- 3. SEND_BUF against munmap of the sender's window ------------------------------------ */

static void *buf_sender(void *arg)
{
	struct race *r = arg;
	uint64_t addr;
	int err;

	while (!atomic_load(&r->stop)) {
		uint32_t id = atomic_fetch_add(&r->next_id, 1);
		uint32_t len = id % (4 * PG) + 1;

		if (id >= MAX_IDS)
			break;
		/* The id travels in the first 4 bytes: at least 4 of them. */
		if (len < 8)
			len = 8;
		err = adv_buf_alloc(r->wfd, 4 * PG, &addr);
		atomic_fetch_add(&r->ops, 1);
		if (err) {
			if (err != -ENXIO && err != -ENOSPC)
				race_errno(r, -err);
			continue;
		}
		if (!probe_fill((char *)(uintptr_t)addr + 4, len - 4, id))
			continue;	/* the window went: so did the buffer */
		probing = true;
		if (sigsetjmp(probe_env, 1)) {
			probing = false;
			continue;
		}
		memcpy((void *)(uintptr_t)addr, &id, 4);
		probing = false;
		err = fipc_send(r->wfd, (void *)(uintptr_t)addr, len, 0,
				FASTIPC_SEND_BUF, 5 * FIPC_MS);
		if (!err) {
			atomic_store(&r->sent[id], 1);
		} else {
			if (err != -EINVAL && err != -ENXIO && !send_errno_ok(err))
				race_errno(r, -err);
			adv_buf_free(r->wfd, addr);
		}
	}
	return NULL;
}

static void *copy_receiver(void *arg)
{
	struct race *r = arg;
	char *buf = malloc(4 * PG);
	int fd = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL), err;
	uint64_t len;
	uint32_t id;

	if (fd < 0 || !buf)
		abort();
	while (!atomic_load(&r->stop)) {
		len = 4 * PG;
		err = fipc_recv(fd, buf, &len, NULL, 0, 5 * FIPC_MS);
		if (err) {
			if (!recv_errno_ok(err))
				race_errno(r, -err);
			continue;
		}
		memcpy(&id, buf, 4);
		if (len < 8 || id >= MAX_IDS || fipc_check(buf + 4, len - 4, id) != -1)
			atomic_fetch_add(&r->corrupt, 1);
		else
			mark_received(r, id);
	}
	close(fd);
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(race, send_buf_vs_munmap, 120)
{
	void *(*fns[])(void *) = { buf_sender, copy_receiver, remapper };
	struct race *r = self->r;
	char *buf = malloc(4 * PG);
	uint64_t len;
	uint32_t id;

	ASSERT_NE(NULL, buf);
	r->wsize = 32 * PG;
	r->wfd = fipc_open(r->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, r->wfd);
	r->wprot = RW;
	r->win = adv_win(r->wfd, r->wsize, r->wprot);
	ASSERT_NE(NULL, r->win);
	race_run(r, 3, fns, race_ms());
	munmap(r->win, r->wsize);
	close(r->wfd);
	for (;;) {
		len = 4 * PG;
		if (fipc_recv(self->holder, buf, &len, NULL, FASTIPC_NONBLOCK, -1))
			break;
		memcpy(&id, buf, 4);
		if (id >= MAX_IDS || fipc_check(buf + 4, len - 4, id) != -1)
			r->corrupt++;
		else
			mark_received(r, id);
	}
	free(buf);
	check_exactly_once(_metadata, r);
}

/* ---- 4. epoll sets watching handles that are closed, channels unlinked ---------------------- */

#define NSLOTS	8

static atomic_int slots[NSLOTS];
static int g_epfd;

static void *epoll_churn(void *arg)
{
	struct race *r = arg;
	unsigned int i = 0;

	while (!atomic_load(&r->stop)) {
		int s = i++ % NSLOTS;
		int old = atomic_exchange(&slots[s], -1);
		const char *name = (i & 1) ? r->name : r->name2;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET };
		int fd;

		if (old >= 0)
			close(old);	/* leaves the epoll set with its file */
		fd = fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
		if (fd < 0) {
			if (fd != -ENOENT)
				race_errno(r, -fd);
			continue;
		}
		ev.data.u32 = (uint32_t)s;
		if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev))
			atomic_fetch_add(&r->errors, 1);
		old = atomic_exchange(&slots[s], fd);
		if (old >= 0)
			close(old);
		if (i % 5 == 0)
			fipc_unlink(name);	/* the open handles keep it */
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static void *epoll_waiter(void *arg)
{
	struct race *r = arg;
	struct epoll_event evs[NSLOTS];
	char buf[256];
	uint64_t len;
	int n, i;

	while (!atomic_load(&r->stop)) {
		n = epoll_wait(g_epfd, evs, NSLOTS, 5);
		for (i = 0; i < n; i++) {
			int fd = atomic_load(&slots[evs[i].data.u32 % NSLOTS]);

			if (fd < 0)
				continue;
			/* The slot may hold another file by now: that is fine. */
			if (evs[i].events & EPOLLOUT)
				fipc_send(fd, "e", 1, 0, FASTIPC_NONBLOCK, -1);
			len = sizeof(buf);
			fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1);
		}
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static void *poll_sender(void *arg)
{
	struct race *r = arg;
	unsigned int i = 0;

	while (!atomic_load(&r->stop)) {
		int fd = atomic_load(&slots[i++ % NSLOTS]);
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		if (fd < 0)
			continue;
		poll(&p, 1, 1);
		fipc_send(fd, "p", 1, 0, FASTIPC_NONBLOCK, -1);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, epoll_vs_close_and_unlink, 120)
{
	void *(*fns[])(void *) = {
		epoll_churn, epoll_churn, epoll_waiter, epoll_waiter, poll_sender,
	};
	int i;

	for (i = 0; i < NSLOTS; i++)
		slots[i] = -1;
	g_epfd = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, g_epfd);
	race_run(self->r, 5, fns, race_ms());
	for (i = 0; i < NSLOTS; i++)
		if (slots[i] >= 0)
			close(slots[i]);
	/* Every file left the set with its last close. */
	struct epoll_event ev;

	ASSERT_EQ(0, epoll_wait(g_epfd, &ev, 1, 0));
	close(g_epfd);
	EXPECT_EQ(0, self->r->errors) TH_LOG("epoll_ctl failed");
	EXPECT_EQ(0, self->r->bad_errno) TH_LOG("OPEN got %s", strerror(self->r->last_errno));
	printf("# %lu operations\n", (unsigned long)self->r->ops);
}

/* ---- 5. create, open, unlink and a netlink dump on the same names ----------------------------- */

static void *name_churn(void *arg)
{
	struct race *r = arg;
	unsigned int i = (unsigned int)pthread_self();
	int fd, err;

	while (!atomic_load(&r->stop)) {
		const char *name = (i & 1) ? r->name2 : r->name;

		switch (i++ % 4) {
		case 0:
			fd = fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
				       0600, NULL);
			if (fd >= 0) {
				fipc_send(fd, "n", 1, 0, FASTIPC_NONBLOCK, -1);
				close(fd);
			} else if (fd != -EEXIST) {
				race_errno(r, -fd);
			}
			break;
		case 1:
			fd = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
			if (fd >= 0)
				close(fd);
			else if (fd != -ENOENT)
				race_errno(r, -fd);
			break;
		default:
			err = fipc_unlink(name);
			if (err && err != -ENOENT)
				race_errno(r, -err);
			break;
		}
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static void dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct race *r = arg;
	const struct nlattr *name = adv_nl_attr(nlh, FASTIPC_A_CH_NAME);
	const struct nlattr *id = adv_nl_attr(nlh, FASTIPC_A_CH_ID);

	if (!name || !id || !adv_nla_uint(id) ||
	    strnlen(adv_nla_str(name), FASTIPC_NAME_LEN) >= FASTIPC_NAME_LEN)
		atomic_fetch_add(&r->corrupt, 1);
}

static void *dumper(void *arg)
{
	struct race *r = arg;
	struct adv_nlreq q;
	struct adv_nl nl;
	int err;

	if (adv_nl_open(&nl))
		abort();
	while (!atomic_load(&r->stop)) {
		adv_nl_req(&nl, &q, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP, NULL);
		err = adv_nl_send(&nl, &q);
		if (!err)
			err = adv_nl_answers(&nl, dump_cb, r, 5000);
		if (err)
			race_errno(r, -err);
		/* And one channel by name, which may come and go. */
		adv_nl_req(&nl, &q, FASTIPC_CMD_CHANNEL_GET, NLM_F_ACK, r->name);
		err = adv_nl_send(&nl, &q);
		if (!err)
			err = adv_nl_answers(&nl, dump_cb, r, 5000);
		if (err && err != -ENOENT)
			race_errno(r, -err);
		atomic_fetch_add(&r->ops, 1);
	}
	adv_nl_close(&nl);
	return NULL;
}

TEST_F_TIMEOUT(race, create_unlink_open_dump, 120)
{
	void *(*fns[])(void *) = { name_churn, name_churn, name_churn, dumper };

	/* The fixture's channel takes part too: unlinked and made again. */
	race_run(self->r, 4, fns, race_ms());
	EXPECT_EQ(0, self->r->bad_errno) TH_LOG("undocumented errno %s",
						strerror(self->r->last_errno));
	EXPECT_EQ(0, self->r->corrupt) TH_LOG("dump entries with bad contents");
	printf("# %lu operations\n", (unsigned long)self->r->ops);
}

/* ---- 6. zero-copy forwarding through two channels while windows move ----------------------------- */

static void *buf_forwarder(void *arg)
{
	struct race *r = arg;
	int in = fipc_open(r->name, FASTIPC_O_RECV, 0, NULL);
	int out = fipc_open(r->name2, FASTIPC_O_SEND, 0, NULL);
	struct fastipc_recv rv;
	char *win;
	int err, n = 0;

	if (in < 0 || out < 0)
		abort();
	win = adv_win(in, 32 * PG, PROT_READ);	/* receive-only */
	if (!win)
		abort();
	while (!atomic_load(&r->stop)) {
		err = adv_recv_map(in, NULL, 0, &rv);
		if (!err) {
			/* Another handle's window: copy it on from the mapping. */
			err = fipc_send(out, (void *)(uintptr_t)rv.addr, rv.len, 0,
					FASTIPC_SEND_PAGES, 20 * FIPC_MS);
			if (err) {
				/* Not forwarded: it is lost to the race (counted). */
				atomic_fetch_add(&r->errors, 1);
			}
			adv_buf_free(in, rv.addr);
		} else if (!recv_errno_ok(err)) {
			race_errno(r, -err);
		}
		if (++n % 50 == 0) {
			munmap(win, 32 * PG);
			win = adv_win(in, 32 * PG, PROT_READ);
			if (!win)
				abort();
		}
	}
	munmap(win, 32 * PG);
	close(in);
	close(out);
	return NULL;
}

static void *fwd_receiver(void *arg)
{
	struct race *r = arg;
	int fd = fipc_open(r->name2, FASTIPC_O_RECV, 0, NULL), err;
	char *buf = malloc(5 * PG);
	uint64_t len;

	if (fd < 0 || !buf)
		abort();
	while (!atomic_load(&r->stop)) {
		len = 5 * PG;
		err = fipc_recv(fd, buf, &len, NULL, 0, 5 * FIPC_MS);
		if (!err) {
			if (fipc_check(buf, len, (uint32_t)len - 1) != -1)
				atomic_fetch_add(&r->corrupt, 1);
			mark_received(r, (uint32_t)len - 1);
		} else if (!recv_errno_ok(err)) {
			race_errno(r, -err);
		}
	}
	close(fd);
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(race, forward_while_windows_move, 120)
{
	void *(*fns[])(void *) = { page_sender, buf_forwarder, fwd_receiver };
	struct race *r = self->r;
	char *buf = malloc(5 * PG);
	uint64_t len;
	int h2;

	ASSERT_NE(NULL, buf);
	h2 = fipc_create(r->name2, NULL);
	ASSERT_LE(0, h2);
	race_run(r, 3, fns, race_ms());
	/* What is still queued on either channel counts as received. */
	for (int c = 0; c < 2; c++) {
		for (;;) {
			len = 5 * PG;
			if (fipc_recv(c ? h2 : self->holder, buf, &len, NULL,
				      FASTIPC_NONBLOCK, -1))
				break;
			if (fipc_check(buf, len, (uint32_t)len - 1) != -1)
				r->corrupt++;
			mark_received(r, (uint32_t)len - 1);
		}
	}
	close(h2);
	free(buf);
	/* A message the forwarder could not pass on was taken once, not lost twice. */
	if (r->errors)
		printf("# %u messages not forwarded (second channel full)\n", r->errors);
	{
		unsigned int i, missing = 0;

		for (i = 0; i < MAX_IDS; i++)
			if (r->sent[i] && !r->recvd[i])
				missing++;
		EXPECT_EQ(r->errors, missing);
		r->errors = 0;
		for (i = 0; i < MAX_IDS; i++)
			if (r->sent[i] && !r->recvd[i])
				r->recvd[i] = 1;	/* accounted for above */
	}
	check_exactly_once(_metadata, r);
}

FIPC_TEST_MAIN

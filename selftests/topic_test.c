// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: topics (publish/subscribe).
 *
 * Every message published on a topic goes to every subscriber (receiving
 * handle) bound at the time, in order, each at its own pace; a page
 * message is mapped read-only, the same pages, into each subscriber's
 * window, charged once to the publisher; a full topic blocks the
 * publisher or drops the oldest message for the subscribers that had not
 * received it (counted); a history serves late subscribers.  What the
 * tests count is what the kernel did (messages, drops, page counters),
 * never how long it took.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "adv_util.h"

#define WIN	(16UL << 20)

static int topic_open(const char *name, uint32_t flags, uint32_t topic_flags,
		      uint32_t history, struct fastipc_attr *attr)
{
	struct fastipc_open op = {
		.flags = flags,
		.mode = 0600,
		.topic_flags = topic_flags,
		.history = history,
	};
	int fd = fipc_dev(), err;

	if (fd < 0)
		return fd;
	fipc_set_name(op.name, name);
	if (attr)
		op.attr = *attr;
	err = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* A new topic's publisher handle. */
static int topic_create(const char *name, uint32_t topic_flags,
			uint32_t history, struct fastipc_attr *attr)
{
	return topic_open(name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			  FASTIPC_O_EXCL | FASTIPC_O_TOPIC, topic_flags,
			  history, attr);
}

/* Each handle's window, by descriptor: a mapping holds its file open. */
static void *windows[1024];

static void *map_win(int fd, int prot)
{
	void *p = adv_win(fd, WIN, prot);

	if (p && fd < 1024)
		windows[fd] = p;
	return p;
}

/* Close a handle, and unmap its window so that the handle goes. */
static void topic_close(int fd)
{
	if (fd >= 0 && fd < 1024 && windows[fd]) {
		munmap(windows[fd], WIN);
		windows[fd] = NULL;
	}
	close(fd);
}

/* A subscriber: a receive-only handle with a read-only window. */
static int topic_sub(const char *name, void **win)
{
	int fd = topic_open(name, FASTIPC_O_RECV, 0, 0, NULL);

	if (fd >= 0 && win) {
		*win = map_win(fd, PROT_READ);
		if (!*win) {
			topic_close(fd);
			return -errno;
		}
	}
	return fd;
}

/* Message @seq's bytes: words that say which message and where. */
static uint64_t word(uint32_t seq, uint64_t i)
{
	return ((uint64_t)seq << 40) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void fill(void *buf, uint64_t len, uint32_t seq)
{
	uint64_t i, w;

	for (i = 0; i + 8 <= len; i += 8) {
		w = word(seq, i);
		memcpy((char *)buf + i, &w, 8);
	}
	for (; i < len; i++)
		((char *)buf)[i] = (char)(seq + i);
}

static bool check(const void *buf, uint64_t len, uint32_t seq)
{
	uint64_t i, w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, (const char *)buf + i, 8);
		if (w != word(seq, i))
			return false;
	}
	for (; i < len; i++)
		if (((const char *)buf)[i] != (char)(seq + i))
			return false;
	return true;
}

/* Publish message @seq of @len bytes through the page path (a buffer). */
static int publish_pages(int fd, uint64_t len, uint32_t seq, uint32_t prio,
			 uint32_t flags)
{
	uint64_t addr;
	int err;

	err = adv_buf_alloc(fd, len, &addr);
	if (err)
		return err;
	fill((void *)(uintptr_t)addr, len, seq);
	err = fipc_send(fd, (void *)(uintptr_t)addr, len, prio,
			FASTIPC_SEND_BUF | flags, -1);
	if (err)
		adv_buf_free(fd, addr);
	return err;
}

/* Publish message @seq of @len bytes from memory (path: by size, @flags). */
static int publish_copy(int fd, uint64_t len, uint32_t seq, uint32_t prio,
			uint32_t flags)
{
	char *buf = malloc(len ? len : 1);
	int err;

	if (!buf)
		return -ENOMEM;
	fill(buf, len, seq);
	err = fipc_send(fd, buf, len, prio, flags, -1);
	free(buf);
	return err;
}

/*
 * Receive the subscriber's next message, mapped if it travelled in
 * pages, check that it is message @seq of @len bytes, and release it.
 * 0 if it is, 1 if it differs, or -errno.
 */
static int take(int fd, uint32_t seq, uint64_t len, uint32_t flags)
{
	static __thread char *buf;
	struct fastipc_recv rv = {
		.len = 1 << 20,
		.timeout_ns = -1,
		.flags = FASTIPC_RECV_MAP | flags,
	};
	const void *p;
	bool ok;
	int err;

	if (!buf)
		buf = malloc(1 << 20);
	rv.buf = (uintptr_t)buf;
	err = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);
	if (err)
		return err;
	p = rv.msg_flags & FASTIPC_MSG_MAPPED ? (void *)(uintptr_t)rv.addr :
						buf;
	ok = rv.len == len && check(p, len, seq);
	if (rv.msg_flags & FASTIPC_MSG_MAPPED)
		adv_buf_free(fd, rv.addr);
	return ok ? 0 : 1;
}

/* The sequence's message sizes: mostly small, every 8th in pages. */
static uint64_t size_of(uint32_t seq)
{
	uint64_t h = (seq + 1) * 0x9e3779b97f4a7c15ULL;

	if (seq % 8 == 7)
		return (16 << 10) + (h >> 40) % (112 << 10);
	return (h >> 40) % 3000;
}

FIXTURE(topic) {
	char name[FASTIPC_NAME_LEN];
	struct fastipc_stats base;
};

FIXTURE_SETUP(topic)
{
	fipc_name(self->name, "topic");
	self->base = adv_stats();
}

FIXTURE_TEARDOWN(topic)
{
	struct fastipc_stats now;

	fipc_unlink(self->name);
	/* Every test closes what it opened: nothing may be left held. */
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 2000))
		TH_LOG("left: " ADV_STATS_FMT, ADV_STATS_ARGS(now));
}

/* A subscriber process: receives @n messages, checks each; exit code. */
static int subscriber(const char *name, int ready, uint32_t n)
{
	void *win;
	uint32_t seq;
	int fd, err;
	char c = 1;

	fd = topic_sub(name, &win);
	if (fd < 0)
		return 10;
	if (write(ready, &c, 1) != 1)
		return 11;
	for (seq = 0; seq < n; seq++) {
		err = take(fd, seq, size_of(seq), 0);
		if (err) {
			fprintf(stderr, "subscriber %d: message %u: %d\n",
				(int)getpid(), seq, err);
			return 12;
		}
	}
	/* Nothing more, nothing dropped. */
	if (adv_info(fd).sub_drops || adv_info(fd).sub_received != n)
		return 13;
	topic_close(fd);
	return 0;
}

TEST_F_TIMEOUT(topic, four_subscribers_get_every_message_in_order, 300)
{
	long n = adv_env_num("FIPC_TOPIC_MSGS", 10000, 2000);
	int pub, ready[2], i, status;
	struct fastipc_info info;
	pid_t kids[4];
	uint32_t seq;
	char c;

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i])
			_exit(subscriber(self->name, ready[1], n));
	}
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, read(ready[0], &c, 1));
	info = adv_info(pub);
	ASSERT_EQ(FASTIPC_O_TOPIC, info.handle_flags & FASTIPC_O_TOPIC);
	ASSERT_EQ(4, info.subscribers);

	/* Full topics (256 messages) make the publisher wait: no drops. */
	for (seq = 0; seq < n; seq++) {
		uint64_t len = size_of(seq);

		/* Large ones by both page routes: a buffer, or copied in. */
		ASSERT_EQ(0, len > 16384 && seq % 16 == 7 ?
			     publish_pages(pub, len, seq, 0, 0) :
			     publish_copy(pub, len, seq, 0, 0));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_EQ(0, status) TH_LOG("subscriber %d: %#x", i, status);
	}
	info = adv_info(pub);
	EXPECT_EQ(n, info.sent_msgs);
	EXPECT_EQ(4 * n, info.recv_msgs);
	EXPECT_EQ(0, info.queued_msgs);
	topic_close(pub);
	close(ready[0]);
	close(ready[1]);
}

/* The frame a pagemap entry names, or 0 (needs CAP_SYS_ADMIN to see it). */
static uint64_t pfn_of(const void *p)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)p / ADV_PAGE * 8) != 8)
		ent = 0;
	close(fd);
	return (ent & (1ULL << 63)) ? ent & ((1ULL << 55) - 1) : 0;
}

/* RECV | MAP, non-blocking: the mapped address, or 0 with *@err. */
static uint64_t recv_view(int fd, struct fastipc_recv *rv, int *err)
{
	static char buf[4096];

	*err = adv_recv_map(fd, buf, sizeof(buf), rv);
	if (*err || !(rv->msg_flags & FASTIPC_MSG_MAPPED))
		return 0;
	return rv->addr;
}

TEST_F(topic, subscribers_map_the_same_pages_charged_once)
{
	const uint64_t len = 1 << 20, pages = len / ADV_PAGE;
	struct fastipc_stats before, now;
	uint64_t a[3];
	int pub, sub[3], i, err;
	void *win;
	struct fastipc_recv rv;

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, sub[i] = topic_sub(self->name, &win));
	before = adv_stats();
	ASSERT_EQ(0, publish_pages(pub, len, 7, 0, 0));
	now = adv_stats();
	/* One page set, however many subscribers. */
	EXPECT_EQ(before.pages_held + pages, now.pages_held);

	for (i = 0; i < 3; i++) {
		a[i] = recv_view(sub[i], &rv, &err);
		ASSERT_EQ(0, err);
		ASSERT_NE(0, a[i]);
		ASSERT_EQ(len, rv.len);
		ASSERT_EQ(FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED,
			  rv.msg_flags & (FASTIPC_MSG_PAGES | FASTIPC_MSG_MAPPED));
		ASSERT_TRUE(check((void *)(uintptr_t)a[i], len, 7));
	}
	/* The same frames behind every view (root sees them). */
	if (pfn_of((void *)(uintptr_t)a[0])) {
		EXPECT_EQ(pfn_of((void *)(uintptr_t)a[0]),
			  pfn_of((void *)(uintptr_t)a[1]));
		EXPECT_EQ(pfn_of((void *)(uintptr_t)a[0] + len - 1),
			  pfn_of((void *)(uintptr_t)a[2] + len - 1));
	}
	now = adv_stats();
	EXPECT_EQ(before.pages_held + pages, now.pages_held);
	EXPECT_EQ(3 * pages, adv_info(pub).mapped_pages);
	/* The message left the log; the views hold the pages. */
	EXPECT_EQ(0, adv_info(pub).queued_msgs);

	/* Released one by one: the pages go with the last view. */
	ASSERT_EQ(0, adv_buf_free(sub[0], a[0]));
	ASSERT_EQ(0, adv_buf_free(sub[1], a[1]));
	EXPECT_EQ(before.pages_held + pages, adv_stats().pages_held);
	EXPECT_TRUE(check((void *)(uintptr_t)a[2], len, 7));
	ASSERT_EQ(0, adv_buf_free(sub[2], a[2]));
	EXPECT_EQ(before.pages_held, adv_stats().pages_held);
	for (i = 0; i < 3; i++)
		topic_close(sub[i]);
	topic_close(pub);
}

static sigjmp_buf probe_env;

static void probe_handler(int sig)
{
	siglongjmp(probe_env, sig);
}

/* The signal a write of one byte at @p raises, or 0 if it succeeds. */
static int probe_write(volatile char *p)
{
	struct sigaction sa = { .sa_handler = probe_handler }, o1, o2;
	int sig;

	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		*p = (char)(*p + 1);
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return sig;
}

TEST_F(topic, no_subscriber_can_write_a_message)
{
	const uint64_t len = 64 << 10;
	int pub, sub, other, err, st, fd;
	struct fastipc_recv rv;
	uint64_t addr, oaddr;
	struct iovec local, remote;
	char byte = 0x5a, *p;
	void *win, *dup;
	pid_t kid;
	int pipefd[2];

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	ASSERT_LE(0, sub = topic_sub(self->name, &win));
	ASSERT_LE(0, other = topic_sub(self->name, &dup));
	ASSERT_EQ(0, publish_pages(pub, len, 3, 0, 0));
	addr = recv_view(sub, &rv, &err);
	ASSERT_NE(0, addr);
	oaddr = recv_view(other, &rv, &err);
	ASSERT_NE(0, oaddr);
	p = (char *)(uintptr_t)addr;

	/* A store faults. */
	EXPECT_EQ(SIGSEGV, probe_write(p));
	EXPECT_EQ(SIGSEGV, probe_write(p + len - 1));
	/* mprotect cannot add write access. */
	EXPECT_EQ(-1, mprotect(p, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(win, WIN, PROT_READ | PROT_WRITE));
	/* mremap cannot move it, and a duplicate is no more writable. */
	EXPECT_EQ(MAP_FAILED, mremap(win, WIN, 2 * WIN, MREMAP_MAYMOVE));
	dup = mmap(NULL, WIN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dup);
	EXPECT_EQ(MAP_FAILED, mremap(win, WIN, WIN, MREMAP_MAYMOVE |
				     MREMAP_FIXED, dup));
	munmap(dup, WIN);
	EXPECT_TRUE(check(p, len, 3));
	dup = mremap(win, 0, WIN, MREMAP_MAYMOVE);
	if (dup != MAP_FAILED) {
		EXPECT_EQ(-1, mprotect(dup, WIN, PROT_READ | PROT_WRITE));
		munmap(dup, WIN);
	}
	/* No second window, no writable one on a receive-only handle. */
	EXPECT_EQ(NULL, adv_win(sub, WIN, PROT_READ));
	EXPECT_EQ(EBUSY, errno);
	fd = topic_open(self->name, FASTIPC_O_RECV, 0, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, adv_win(fd, WIN, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	topic_close(fd);
	/* /proc/self/mem writes with FOLL_FORCE: refused. */
	fd = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, &byte, 1, (off_t)addr));
	close(fd);
	/* process_vm_writev: refused. */
	local.iov_base = &byte;
	local.iov_len = 1;
	remote.iov_base = p;
	remote.iov_len = 1;
	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));

	/* ptrace pokes into a stopped subscriber: refused. */
	ASSERT_EQ(0, pipe(pipefd));
	kid = fork();
	ASSERT_LE(0, kid);
	if (!kid) {
		struct fastipc_recv krv;
		uint64_t ka;
		int ks, kerr;

		ks = topic_sub(self->name, &(void *){0});
		/* Its own view of a second message. */
		if (ks < 0 || write(pipefd[1], &ka, 1) != 1)
			_exit(1);
		do {
			ka = recv_view(ks, &krv, &kerr);
		} while (kerr == -EAGAIN);
		if (!ka || ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		if (write(pipefd[1], &ka, sizeof(ka)) != sizeof(ka))
			_exit(3);
		raise(SIGSTOP);
		_exit(check((void *)(uintptr_t)ka, len, 4) ? 0 : 4);
	}
	ASSERT_EQ(1, read(pipefd[0], &addr, 1));
	ASSERT_EQ(0, publish_pages(pub, len, 4, 0, 0));
	ASSERT_EQ(sizeof(addr), read(pipefd[0], &addr, sizeof(addr)));
	ASSERT_EQ(kid, waitpid(kid, &st, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(st));
	errno = 0;
	EXPECT_EQ(word(4, 0), (uint64_t)ptrace(PTRACE_PEEKDATA, kid,
					       (void *)(uintptr_t)addr, NULL));
	EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, kid, (void *)(uintptr_t)addr,
			     (void *)0x4141414141414141ULL));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, kid, NULL, NULL));
	ASSERT_EQ(kid, waitpid(kid, &st, 0));
	EXPECT_EQ(0, st);
	close(pipefd[0]);
	close(pipefd[1]);

	/* After all that, every view still reads the published bytes. */
	EXPECT_TRUE(check(p, len, 3));
	EXPECT_TRUE(check((void *)(uintptr_t)oaddr, len, 3));
	/* A view cannot be sent on, even from a handle that may send. */
	EXPECT_EQ(0, adv_buf_free(sub, (uint64_t)(uintptr_t)p));
	topic_close(other);
	topic_close(sub);
	topic_close(pub);
}

TEST_F(topic, a_writable_window_receives_copies_and_views_do_not_move)
{
	const uint64_t len = 64 << 10;
	int pub, rw, ro, other, err;
	struct fastipc_recv rv;
	uint64_t got, addr, oaddr;
	void *win;
	char *buf = malloc(len);

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	/* A subscriber that may publish too: its window is writable. */
	rw = topic_open(self->name, FASTIPC_O_RDWR, 0, 0, NULL);
	ASSERT_LE(0, rw);
	ASSERT_NE(NULL, map_win(rw, PROT_READ | PROT_WRITE));
	/* And one that may send, with a read-only window. */
	ro = topic_open(self->name, FASTIPC_O_RDWR, 0, 0, NULL);
	ASSERT_LE(0, ro);
	ASSERT_NE(NULL, map_win(ro, PROT_READ));
	ASSERT_LE(0, other = topic_sub(self->name, &win));
	ASSERT_EQ(0, publish_pages(pub, len, 9, 0, 0));

	/* Never mapped writable: EACCES, and it stays for a copy. */
	EXPECT_EQ(-EACCES, adv_recv_map(rw, buf, 16, &rv));
	got = len;
	ASSERT_EQ(0, fipc_recv(rw, buf, &got, NULL, FASTIPC_NONBLOCK, 0));
	EXPECT_EQ(len, got);
	EXPECT_TRUE(check(buf, len, 9));

	addr = recv_view(ro, &rv, &err);
	ASSERT_NE(0, addr);
	oaddr = recv_view(other, &rv, &err);
	ASSERT_NE(0, oaddr);
	/* Publishing the view would hand the other's pages on. */
	EXPECT_EQ(-EACCES, adv_send_buf(ro, addr, len, 0));
	EXPECT_TRUE(check((void *)(uintptr_t)addr, len, 9));
	EXPECT_TRUE(check((void *)(uintptr_t)oaddr, len, 9));
	/* Once its is the last view, the pages are this subscriber's. */
	EXPECT_EQ(0, adv_buf_free(other, oaddr));
	EXPECT_EQ(0, adv_send_buf(ro, addr, len, 0));
	topic_close(other);
	free(buf);
	topic_close(rw);
	topic_close(ro);
	topic_close(pub);
}

FIPC_TEST_MAIN

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
	return fipc_open_ex(name, flags, 0600, topic_flags, history, attr);
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

/* A small copied message carrying just its number. */
static int pub_n(int fd, uint32_t seq, uint32_t prio, uint32_t flags)
{
	return fipc_send(fd, &seq, sizeof(seq), prio, flags, -1);
}

/* The subscriber's next small message's number, or -errno. */
static long sub_n(int fd, uint32_t flags)
{
	uint64_t len = 64;
	char buf[64];
	uint32_t seq;
	int err;

	err = fipc_recv(fd, buf, &len, NULL, flags, -1);
	if (err)
		return err;
	if (len != sizeof(seq))
		return -EBADMSG;
	memcpy(&seq, buf, sizeof(seq));
	return seq;
}

struct blocked {
	int fd;
	uint32_t seq;
	int err;
};

static void *blocked_publish(void *arg)
{
	struct blocked *b = arg;

	b->err = pub_n(b->fd, b->seq, 0, 0);
	return NULL;
}

TEST_F(topic, a_full_topic_blocks_its_publisher_until_the_slowest_reads)
{
	struct fastipc_attr attr = { .max_msgs = 4 };
	struct blocked b;
	struct pollfd pfd;
	pthread_t t;
	int pub, fast, slow;
	uint32_t i;

	pub = topic_create(self->name, 0, 0, &attr);
	ASSERT_LE(0, pub);
	ASSERT_LE(0, fast = topic_sub(self->name, NULL));
	ASSERT_LE(0, slow = topic_sub(self->name, NULL));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pub_n(pub, i, 0, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, pub_n(pub, 4, 0, FASTIPC_NONBLOCK));
	/* The fast one reading does not help: the slow one holds them. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(i, sub_n(fast, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, sub_n(fast, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, pub_n(pub, 4, 0, FASTIPC_NONBLOCK));
	pfd = (struct pollfd){ .fd = pub, .events = POLLOUT };
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	pfd = (struct pollfd){ .fd = fast, .events = POLLIN };
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	pfd = (struct pollfd){ .fd = slow, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(4, adv_info(slow).sub_backlog);
	EXPECT_EQ(0, adv_info(fast).sub_backlog);

	/* A blocking publish waits; one message read by the slow one frees it. */
	b = (struct blocked){ .fd = pub, .seq = 4, .err = 1 };
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_publish, &b));
	ASSERT_EQ(0, sub_n(slow, 0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, b.err);
	for (i = 1; i < 5; i++)
		ASSERT_EQ(i, sub_n(slow, FASTIPC_NONBLOCK));
	ASSERT_EQ(4, sub_n(fast, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(slow).sub_drops);
	EXPECT_EQ(0, adv_info(pub).queued_msgs);
	topic_close(fast);
	topic_close(slow);
	topic_close(pub);
}

TEST_F(topic, drop_oldest_never_blocks_and_counts_each_subscribers_drops)
{
	struct fastipc_attr attr = { .max_msgs = 4 };
	int pub, fast, slow, late;
	struct fastipc_info info;
	struct pollfd pfd;
	uint32_t i;

	pub = topic_create(self->name, FASTIPC_TOPIC_DROP_OLDEST, 0, &attr);
	ASSERT_LE(0, pub);
	ASSERT_EQ(FASTIPC_TOPIC_DROP_OLDEST, adv_info(pub).topic_flags);
	ASSERT_LE(0, fast = topic_sub(self->name, NULL));
	ASSERT_LE(0, slow = topic_sub(self->name, NULL));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, pub_n(pub, i, 0, FASTIPC_NONBLOCK));
		ASSERT_EQ(i, sub_n(fast, FASTIPC_NONBLOCK));
	}
	/* Full, and still writable: a publish would drop, not wait. */
	pfd = (struct pollfd){ .fd = pub, .events = POLLOUT };
	ASSERT_EQ(4, adv_info(pub).queued_msgs);
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	/* A subscriber that joined late lost nothing it was there for. */
	ASSERT_LE(0, late = topic_sub(self->name, NULL));
	for (i = 10; i < 12; i++)
		ASSERT_EQ(0, pub_n(pub, i, 0, 0));
	/* The slow one gets the last four, and knows it lost eight. */
	for (i = 8; i < 12; i++)
		ASSERT_EQ(i, sub_n(slow, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, sub_n(slow, FASTIPC_NONBLOCK));
	info = adv_info(slow);
	EXPECT_EQ(8, info.sub_drops);
	EXPECT_EQ(4, info.sub_received);
	EXPECT_EQ(0, adv_info(fast).sub_drops);
	EXPECT_EQ(10, adv_info(fast).sub_received);
	EXPECT_EQ(10, sub_n(late, FASTIPC_NONBLOCK));
	EXPECT_EQ(11, sub_n(late, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(late).sub_drops);
	topic_close(late);
	topic_close(fast);
	topic_close(slow);
	topic_close(pub);
}

TEST_F(topic, history_serves_late_subscribers)
{
	struct fastipc_attr attr = { .max_msgs = 8 };
	struct pollfd pfd;
	int pub, a, b, fd;
	uint32_t i;

	/* History needs a topic being created, and fits its limits. */
	fd = topic_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			FASTIPC_O_TOPIC, 0, 9, &attr);
	ASSERT_EQ(-EINVAL, fd);
	fd = topic_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT, 0, 3,
			NULL);
	ASSERT_EQ(-EINVAL, fd);
	fd = topic_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			FASTIPC_O_TOPIC, 0x100, 0, NULL);
	ASSERT_EQ(-EINVAL, fd);

	pub = topic_create(self->name, 0, 3, &attr);
	ASSERT_LE(0, pub);
	ASSERT_EQ(3, adv_info(pub).history);
	/* Not when opening one that exists. */
	ASSERT_EQ(-EINVAL, topic_open(self->name, FASTIPC_O_RECV, 0, 3, NULL));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, pub_n(pub, i, 0, 0));
	/* Nobody listened: the topic kept the last three. */
	EXPECT_EQ(3, adv_info(pub).queued_msgs);
	ASSERT_LE(0, a = topic_sub(self->name, NULL));
	EXPECT_EQ(3, adv_info(a).sub_backlog);
	for (i = 2; i < 5; i++)
		ASSERT_EQ(i, sub_n(a, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, sub_n(a, FASTIPC_NONBLOCK));
	/* Read, they stay history for the next one. */
	EXPECT_EQ(3, adv_info(pub).queued_msgs);
	ASSERT_EQ(0, pub_n(pub, 5, 0, 0));
	ASSERT_LE(0, b = topic_sub(self->name, NULL));
	for (i = 3; i < 6; i++)
		ASSERT_EQ(i, sub_n(b, FASTIPC_NONBLOCK));
	ASSERT_EQ(5, sub_n(a, FASTIPC_NONBLOCK));
	EXPECT_EQ(3, adv_info(pub).queued_msgs);
	/* History gives way to a publisher: it never blocks on it. */
	for (i = 6; i < 20; i++) {
		ASSERT_EQ(0, pub_n(pub, i, 0, FASTIPC_NONBLOCK));
		ASSERT_EQ(i, sub_n(a, FASTIPC_NONBLOCK));
		ASSERT_EQ(i, sub_n(b, FASTIPC_NONBLOCK));
	}
	topic_close(a);
	topic_close(b);
	topic_close(pub);

	/* A topic full of history alone is writable, and poll says so. */
	fipc_unlink(self->name);
	attr.max_msgs = 2;
	pub = topic_create(self->name, 0, 2, &attr);
	ASSERT_LE(0, pub);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pub_n(pub, i, 0, FASTIPC_NONBLOCK));
	EXPECT_EQ(2, adv_info(pub).queued_msgs);
	pfd = (struct pollfd){ .fd = pub, .events = POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(0, pub_n(pub, 2, 0, FASTIPC_NONBLOCK));
	ASSERT_LE(0, a = topic_sub(self->name, NULL));
	ASSERT_EQ(1, sub_n(a, FASTIPC_NONBLOCK));
	ASSERT_EQ(2, sub_n(a, FASTIPC_NONBLOCK));
	/* Now one is pending for a subscriber: full for real. */
	ASSERT_EQ(0, pub_n(pub, 3, 0, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, pub_n(pub, 4, 0, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(-EAGAIN, pub_n(pub, 5, 0, FASTIPC_NONBLOCK));
	topic_close(a);
	topic_close(pub);
}

TEST_F(topic, without_subscribers_or_history_a_message_goes_nowhere)
{
	uint64_t held;
	int pub, sub;

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	held = adv_stats().pages_held;
	ASSERT_EQ(0, pub_n(pub, 1, 0, 0));
	ASSERT_EQ(0, publish_pages(pub, 1 << 20, 2, 0, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(pub).queued_msgs);
	EXPECT_EQ(2, adv_info(pub).sent_msgs);
	EXPECT_EQ(held, adv_stats().pages_held);
	ASSERT_LE(0, sub = topic_sub(self->name, NULL));
	ASSERT_EQ(-EAGAIN, sub_n(sub, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, pub_n(pub, 3, 0, 0));
	ASSERT_EQ(3, sub_n(sub, FASTIPC_NONBLOCK));
	topic_close(sub);
	topic_close(pub);
}

TEST_F(topic, priorities_come_first_for_every_subscriber)
{
	int pub, a, b;

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_LE(0, a = topic_sub(self->name, NULL));
	ASSERT_LE(0, b = topic_sub(self->name, NULL));
	ASSERT_EQ(0, pub_n(pub, 0, 0, 0));
	ASSERT_EQ(0, pub_n(pub, 1, 0, 0));
	ASSERT_EQ(0, pub_n(pub, 2, 7, 0));
	ASSERT_EQ(2, sub_n(a, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, pub_n(pub, 3, 31, 0));
	ASSERT_EQ(3, sub_n(a, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, sub_n(a, FASTIPC_NONBLOCK));
	ASSERT_EQ(3, sub_n(b, FASTIPC_NONBLOCK));
	ASSERT_EQ(2, sub_n(b, FASTIPC_NONBLOCK));
	ASSERT_EQ(0, sub_n(b, FASTIPC_NONBLOCK));
	ASSERT_EQ(1, sub_n(b, FASTIPC_NONBLOCK));
	ASSERT_EQ(1, sub_n(a, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(pub).queued_msgs);
	topic_close(a);
	topic_close(b);
	topic_close(pub);
}

TEST_F(topic, read_write_timeouts_and_hangup)
{
	uint32_t seq = 5, got = 0;
	int pub, sub, hup;
	uint64_t len = 8;
	char big[32];

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_LE(0, sub = topic_sub(self->name, NULL));
	hup = topic_open(self->name, FASTIPC_O_RECV | FASTIPC_O_HUP, 0, 0,
			 NULL);
	ASSERT_LE(0, hup);
	/* write(2) publishes, read(2) receives, each subscriber its copy. */
	ASSERT_EQ(sizeof(seq), write(pub, &seq, sizeof(seq)));
	ASSERT_EQ(sizeof(got), read(sub, &got, sizeof(got)));
	ASSERT_EQ(5, got);
	ASSERT_EQ(-1, read(hup, big, 2));
	ASSERT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(sizeof(seq), read(hup, big, sizeof(big)));
	/* A timeout, counted. */
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(sub, big, &len, NULL, 0, 1000000));
	/* The publisher leaves: HUP subscribers learn once they are done. */
	ASSERT_EQ(0, pub_n(pub, 6, 0, 0));
	topic_close(pub);
	len = sizeof(big);
	ASSERT_EQ(0, fipc_recv(hup, big, &len, NULL, 0, -1));
	len = sizeof(big);
	ASSERT_EQ(-EPIPE, fipc_recv(hup, big, &len, NULL, 0, -1));
	ASSERT_EQ(6, sub_n(sub, FASTIPC_NONBLOCK));
	ASSERT_EQ(-EAGAIN, sub_n(sub, FASTIPC_NONBLOCK));
	topic_close(hup);
	topic_close(sub);
}

TEST_F(topic, subscribers_busy_poll_by_their_handles_rule)
{
	uint64_t len = 8;
	int pub, sub;
	char buf[8];

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_LE(0, sub = topic_sub(self->name, NULL));
	ASSERT_EQ(0, fipc_busy_poll(sub, 200));
	/* Non-blocking: never polls.  Blocking on nothing: polls once. */
	ASSERT_EQ(-EAGAIN, sub_n(sub, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(sub).busy_polls);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(sub, buf, &len, NULL, 0,
					200 * FIPC_MS));
	EXPECT_EQ(1, adv_info(sub).busy_polls);
	EXPECT_EQ(0, adv_info(sub).busy_poll_hits);
	/* A message there: taken without polling. */
	ASSERT_EQ(0, pub_n(pub, 1, 0, 0));
	ASSERT_EQ(1, sub_n(sub, 0));
	EXPECT_EQ(1, adv_info(sub).busy_polls);
	topic_close(sub);
	topic_close(pub);
}

TEST_F(topic, what_a_topic_refuses)
{
	struct fastipc_call cl = { .reply_len = 0, .timeout_ns = -1 };
	struct fastipc_send sd = { .len = 1, .timeout_ns = -1 };
	struct fastipc_rvec ent = { .len = 0 };
	char name[FASTIPC_NAME_LEN];
	int pub, sub, q, p[2];
	char c = 0;

	pub = topic_open(self->name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			 FASTIPC_O_EXCL | FASTIPC_O_TOPIC, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_LE(0, sub = topic_sub(self->name, NULL));
	/* Requests are for one server, and batches for queues. */
	cl.buf = (uintptr_t)&c;
	cl.len = 1;
	EXPECT_EQ(-EOPNOTSUPP, fipc_ioctl(pub, FASTIPC_IOC_CALL, &cl));
	EXPECT_EQ(-EOPNOTSUPP, fipc_recv_vec(sub, &ent, 1, FASTIPC_NONBLOCK, 0));
	/* One file in many processes is not what passing it means. */
	ASSERT_EQ(0, pipe(p));
	sd.buf = (uintptr_t)&c;
	sd.fds = (uintptr_t)p;
	sd.nr_fds = 1;
	EXPECT_EQ(-EOPNOTSUPP, fipc_ioctl(pub, FASTIPC_IOC_SEND, &sd));
	close(p[0]);
	close(p[1]);
	/* A queue is not a topic. */
	fipc_name(name, "queue");
	q = fipc_create(name, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(-EPROTOTYPE, topic_open(name, FASTIPC_O_RECV |
					  FASTIPC_O_TOPIC, 0, 0, NULL));
	EXPECT_EQ(0, adv_info(q).handle_flags & FASTIPC_O_TOPIC);
	close(q);
	fipc_unlink(name);
	/* Nothing was published. */
	EXPECT_EQ(0, adv_info(pub).sent_msgs);
	topic_close(sub);
	topic_close(pub);
}

/* A subscriber that receives views and keeps a few, until killed. */
static void hoarding_subscriber(const char *name, int ready)
{
	uint64_t kept[4] = {0};
	struct fastipc_recv rv;
	unsigned int n = 0;
	void *win;
	char c = 'r';
	int fd, err;

	fd = topic_sub(name, &win);
	if (fd < 0 || write(ready, &c, 1) != 1)
		_exit(1);
	for (;;) {
		static char buf[4096];

		memset(&rv, 0, sizeof(rv));
		rv.buf = (uintptr_t)buf;
		rv.len = sizeof(buf);
		rv.timeout_ns = -1;
		rv.flags = FASTIPC_RECV_MAP;
		err = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);
		if (err == -EMSGSIZE)
			_exit(3);
		if (err || !(rv.msg_flags & FASTIPC_MSG_MAPPED))
			continue;
		if (kept[n % 4])
			adv_buf_free(fd, kept[n % 4]);
		kept[n++ % 4] = rv.addr;
	}
}

/* A publisher of page and copied messages, until killed. */
static void endless_publisher(const char *name, int ready)
{
	uint32_t seq = 0;
	char c = 'r';
	int fd;

	fd = topic_open(name, FASTIPC_O_SEND, 0, 0, NULL);
	if (fd < 0 || !map_win(fd, PROT_READ | PROT_WRITE) ||
	    write(ready, &c, 1) != 1)
		_exit(1);
	for (;; seq++) {
		if (seq % 2)
			publish_pages(fd, (seq % 5 + 1) * 40960, seq, 0, 0);
		else
			pub_n(fd, seq, seq % 3, 0);
	}
}

/* Child @i of the kill test: 0 publishes, the others subscribe. */
static pid_t spawn(const char *name, int i, int ready)
{
	pid_t pid = fork();

	if (pid == 0 && i)
		hoarding_subscriber(name, ready);
	if (pid == 0)
		endless_publisher(name, ready);
	return pid;
}

TEST_F_TIMEOUT(topic, killed_publishers_and_subscribers_leave_nothing, 120)
{
	struct fastipc_attr attr = { .max_msgs = 16 };
	long ms = adv_env_num("FIPC_KILL_MS", 3000, 3000);
	uint64_t seed = (uint64_t)fipc_now_ns();
	int64_t end = fipc_now_ns() + ms * FIPC_MS;
	int pub, ready[2], rounds = 0, i, k;
	pid_t kids[4];
	char c;

	printf("# seed %llu\n", (unsigned long long)seed);
	pub = topic_create(self->name, 0, 2, &attr);
	ASSERT_LE(0, pub);
	ASSERT_EQ(0, pipe(ready));
	/* One publisher, three subscribers; one of them killed each round. */
	for (i = 0; i < 4; i++) {
		kids[i] = spawn(self->name, i, ready[1]);
		ASSERT_LE(0, kids[i]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	while (fipc_now_ns() < end) {
		fipc_sleep_ms(adv_rand(&seed) % 40);
		k = adv_rand(&seed) % 4;
		kill(kids[k], SIGKILL);
		ASSERT_EQ(128 + SIGKILL, fipc_wait_child(kids[k]));
		kids[k] = spawn(self->name, k, ready[1]);
		ASSERT_LE(0, kids[k]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		rounds++;
	}
	for (i = 0; i < 4; i++) {
		kill(kids[i], SIGKILL);
		ASSERT_EQ(128 + SIGKILL, fipc_wait_child(kids[i]));
	}
	printf("# %d rounds, %llu messages published\n", rounds,
	       (unsigned long long)adv_info(pub).sent_msgs);
	/* Subscribers gone, only the history is left, and then nothing. */
	EXPECT_EQ(0, adv_info(pub).subscribers);
	EXPECT_GE(2, adv_info(pub).queued_msgs);
	topic_close(pub);
	close(ready[0]);
	close(ready[1]);
}

TEST_F(topic, a_subscribers_death_leaves_the_others_views)
{
	const uint64_t len = 256 << 10;
	struct fastipc_recv rv;
	int pub, sub, ready[2], err;
	uint64_t addr;
	pid_t kid;
	char c;

	pub = topic_create(self->name, 0, 0, NULL);
	ASSERT_LE(0, pub);
	ASSERT_NE(NULL, map_win(pub, PROT_READ | PROT_WRITE));
	ASSERT_LE(0, sub = topic_sub(self->name, &(void *){0}));
	ASSERT_EQ(0, pipe(ready));
	kid = fork();
	ASSERT_LE(0, kid);
	if (!kid)
		hoarding_subscriber(self->name, ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, publish_pages(pub, len, 11, 0, 0));
	addr = recv_view(sub, &rv, &err);
	ASSERT_NE(0, addr);
	/* Wait until the other has it too (the kernel's count, no clock). */
	while (adv_info(pub).queued_msgs)
		fipc_sleep_ms(5);
	kill(kid, SIGKILL);
	ASSERT_EQ(128 + SIGKILL, fipc_wait_child(kid));
	EXPECT_TRUE(check((void *)(uintptr_t)addr, len, 11));
	/* And one it never received is not held for it. */
	ASSERT_EQ(0, publish_pages(pub, len, 12, 0, 0));
	EXPECT_EQ(1, adv_info(pub).subscribers);
	EXPECT_EQ(1, adv_info(pub).queued_msgs);
	EXPECT_EQ(0, take(sub, 12, len, FASTIPC_NONBLOCK));
	EXPECT_EQ(0, adv_info(pub).queued_msgs);
	EXPECT_EQ(0, adv_buf_free(sub, addr));
	close(ready[0]);
	close(ready[1]);
	topic_close(sub);
	topic_close(pub);
}

TEST_F(topic, pages_are_charged_once_to_the_publisher_while_any_view_holds_them)
{
	const uint64_t mb3 = 3 << 20;
	struct adv_param floor, pool;
	pid_t kid;

	ASSERT_EQ(0, adv_param_set(&floor, "user_pages_floor", 8 << 20));
	ASSERT_EQ(0, adv_param_set(&pool, "pool_max", 0));
	kid = fork();
	ASSERT_LE(0, kid);
	if (!kid) {
		struct rlimit rl = { 0, 0 };
		struct fastipc_recv rv;
		uint64_t v[3], a, b;
		int pub, sub[3], i, err;

		FIPC_CHILD_CHECK(!setrlimit(RLIMIT_MEMLOCK, &rl));
		FIPC_CHILD_CHECK(!fipc_become(65534, 65534));
		pub = topic_create(self->name, 0, 0, NULL);
		FIPC_CHILD_CHECK(pub >= 0);
		FIPC_CHILD_CHECK(map_win(pub, PROT_READ | PROT_WRITE));
		for (i = 0; i < 3; i++) {
			sub[i] = topic_sub(self->name, &(void *){0});
			FIPC_CHILD_CHECK(sub[i] >= 0);
		}
		/* 3 MiB to three subscribers: 3 MiB charged, not 9. */
		FIPC_CHILD_CHECK(!publish_pages(pub, mb3, 1, 0, 0));
		for (i = 0; i < 3; i++) {
			v[i] = recv_view(sub[i], &rv, &err);
			FIPC_CHILD_CHECK(v[i]);
		}
		FIPC_CHILD_CHECK(!publish_pages(pub, mb3, 2, 0, 0));
		for (i = 0; i < 3; i++)
			FIPC_CHILD_CHECK(!take(sub[i], 2, mb3, FASTIPC_NONBLOCK));
		/* The first stays charged while one view holds it. */
		FIPC_CHILD_CHECK(!adv_buf_free(sub[1], v[1]));
		FIPC_CHILD_CHECK(!adv_buf_free(sub[2], v[2]));
		FIPC_CHILD_CHECK(!adv_buf_alloc(pub, mb3, &a));
		FIPC_CHILD_CHECK(adv_buf_alloc(pub, mb3, &b) == -ENOMEM);
		FIPC_CHILD_CHECK(!adv_buf_free(sub[0], v[0]));
		FIPC_CHILD_CHECK(!adv_buf_alloc(pub, mb3, &b));
		_exit(0);
	}
	EXPECT_EQ(0, fipc_wait_child(kid));
	adv_param_restore(&pool);
	adv_param_restore(&floor);
}

FIPC_TEST_MAIN

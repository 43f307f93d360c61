// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: capabilities, user namespaces and network namespaces
 * beyond chan_test's uid/gid checks and netns_isolation:
 *
 *  - CAP_IPC_OWNER alone opens any channel but cannot unlink or change
 *    it; CAP_SYS_ADMIN alone unlinks but does not open;
 *  - an unprivileged user in its own user + network namespace has its own
 *    channels and sees none of the host's, is "root" there but gets no
 *    module-wide power (netlink CONFIG_SET, sysfs parameters, the page
 *    ceiling all stay closed to it);
 *  - a user namespace that shares the host's network namespace sees the
 *    host's channels but its root gets none of the owner's rights, and
 *    the owner shows as the overflow uid;
 *  - a network namespace joined with setns() shares its channels; one
 *    that dies under a live handle with a mapped window, buffers, queued
 *    messages and a blocked sender ends with EIDRM and frees everything;
 *  - a netlink socket answers for the namespace it was made in.
 *
 * Runs as root in the test VM; each test skips where it cannot change
 * credentials or namespaces.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/capability.h>

#include "adv_util.h"

#define PG		ADV_PAGE
#define RW		(PROT_READ | PROT_WRITE)
#define UID_A		61401
#define UID_B		61402
#define OVERFLOW_UID	65534

#define USERNS_SYSCTL	"/proc/sys/kernel/unprivileged_userns_clone"

FIXTURE(ns) {
	char name[FASTIPC_NAME_LEN];	/* root's, mode 0600, one message */
	int fd;
	struct fastipc_stats base;
	struct adv_param params[2];
	char userns_sysctl;		/* its value to restore, or 0 */
};

/*
 * Debian's kernels may forbid unprivileged user namespaces
 * (kernel.unprivileged_userns_clone); allow them for the test.
 */
static void allow_userns(FIXTURE_DATA(ns) *self)
{
	char c;
	int fd = open(USERNS_SYSCTL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read(fd, &c, 1) == 1 && c == '0' && pwrite(fd, "1", 1, 0) == 1)
		self->userns_sysctl = c;
	close(fd);
}

FIXTURE_SETUP(ns)
{
	if (geteuid())
		SKIP(return, "needs root");
	adv_kmsg("ns_test", _metadata->name);
	self->base = adv_stats();
	fipc_name(self->name, "ns");
	self->fd = fipc_create(self->name, NULL);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fipc_send(self->fd, "host", 4, 0, 0, -1));
}

FIXTURE_TEARDOWN(ns)
{
	struct fastipc_stats now;

	if (geteuid())
		return;
	if (self->userns_sysctl) {
		int fd = open(USERNS_SYSCTL, O_WRONLY | O_CLOEXEC);

		EXPECT_EQ(1, write(fd, &self->userns_sysctl, 1));
		close(fd);
	}
	adv_param_restore(&self->params[0]);
	adv_param_restore(&self->params[1]);
	close(self->fd);
	fipc_unlink(self->name);
	EXPECT_TRUE(adv_stats_settle(&self->base, &now, 10000))
		TH_LOG("after the test: " ADV_STATS_FMT ", before: " ADV_STATS_FMT,
		       ADV_STATS_ARGS(now), ADV_STATS_ARGS(self->base));
}

/* Keep only the capabilities in @mask (effective and permitted). */
static int caps_only(uint64_t mask)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	d[0].effective = d[0].permitted = (uint32_t)mask;
	d[1].effective = d[1].permitted = (uint32_t)(mask >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* Become @uid keeping the capabilities in @mask. */
static int become_with_caps(uid_t uid, uint64_t mask)
{
	int err;

	if (prctl(PR_SET_KEEPCAPS, 1))
		return -errno;
	err = fipc_become(uid, uid);
	return err ? err : caps_only(mask);
}

#define CAP(c)	(1ULL << (c))

static void caps_child(const char *name, uint64_t mask)
{
	struct fastipc_attr attr = { .max_msgs = 3 };
	int fd;

	FIPC_CHILD_CHECK(become_with_caps(UID_A, mask) == 0);
	fd = fipc_open(name, FASTIPC_O_RDWR, 0, NULL);
	if (mask & CAP(CAP_IPC_OWNER)) {
		/* The mode is overridden... */
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(fipc_send(fd, "owner-cap", 9, 0, 0, -1) == 0);
		/* ...but not the owner's rights. */
		FIPC_CHILD_CHECK(fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr) == -EPERM);
		FIPC_CHILD_CHECK(fipc_unlink(name) == -EPERM);
		close(fd);
	} else {
		FIPC_CHILD_CHECK(fd == -EACCES);
	}
	if (mask & CAP(CAP_SYS_ADMIN)) {
		/* The admin may remove what it may not open. */
		FIPC_CHILD_CHECK(fipc_unlink(name) == 0);
	}
	_exit(0);
}

TEST_F(ns, cap_ipc_owner_and_cap_sys_admin)
{
	static const uint64_t masks[] = {
		CAP(CAP_IPC_OWNER), 0, CAP(CAP_SYS_ADMIN),
	};
	unsigned int i;
	pid_t pid;
	int fd;

	if (geteuid())
		SKIP(return, "needs root");
	for (i = 0; i < 3; i++) {
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			caps_child(self->name, masks[i]);
		ASSERT_EQ(0, fipc_wait_child(pid)) TH_LOG("caps %#llx",
							 (unsigned long long)masks[i]);
	}
	/* The IPC_OWNER child sent; the SYS_ADMIN child unlinked. */
	ASSERT_EQ(2, adv_info(self->fd).queued_msgs);
	ASSERT_EQ(0, adv_info(self->fd).name[0]);
	fd = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_EQ(-ENOENT, fd);
}

/* ---- user namespaces ---------------------------------------------------------------- */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

/*
 * As @uid, enter a new user namespace (+ @flags) and be root in it: 0,
 * or -errno from unshare (user namespaces not allowed to this user).
 */
static int userns_root(uid_t uid, int flags)
{
	char map[64];
	int err;

	err = fipc_unchroot();
	if (err)
		fprintf(stderr, "# leaving the VM's chroot: %s\n", strerror(-err));
	if (fipc_become(uid, uid))
		return -errno;
	/* Changing uid made us undumpable: /proc/self/ would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1))
		return -errno;
	if (unshare(CLONE_NEWUSER | flags)) {
		err = -errno;
		fprintf(stderr, "# unshare(CLONE_NEWUSER) as uid %u: %s\n",
			(unsigned int)uid, strerror(-err));
		return err;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	FIPC_CHILD_CHECK(write_file("/proc/self/setgroups", "deny") == 0);
	FIPC_CHILD_CHECK(write_file("/proc/self/uid_map", map) == 0);
	FIPC_CHILD_CHECK(write_file("/proc/self/gid_map", map) == 0);
	return 0;
}

struct nl_count {
	int entries;
	int foreign;
	const char *mine;
	uint32_t uid;
};

static void nl_count_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *name = adv_nl_attr(nlh, FASTIPC_A_CH_NAME);
	const struct nlattr *uid = adv_nl_attr(nlh, FASTIPC_A_CH_UID);
	struct nl_count *c = arg;

	c->entries++;
	if (!name || !c->mine || strcmp(adv_nla_str(name), c->mine))
		c->foreign++;
	if (uid)
		c->uid = (uint32_t)adv_nla_uint(uid);
}

static int nl_dump(struct adv_nl *nl, struct nl_count *c)
{
	struct adv_nlreq r;
	int err;

	adv_nl_req(nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP, NULL);
	err = adv_nl_send(nl, &r);
	return err ? err : adv_nl_answers(nl, nl_count_cb, c, 5000);
}

static int nl_get(struct adv_nl *nl, const char *name, struct nl_count *c)
{
	struct adv_nlreq r;
	int err;

	adv_nl_req(nl, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_ACK, name);
	err = adv_nl_send(nl, &r);
	return err ? err : adv_nl_answers(nl, nl_count_cb, c, 5000);
}

/* CONFIG_SET of max_channels to its own value: allowed only to admins. */
static int nl_config_set(struct adv_nl *nl)
{
	unsigned long long v = 4096;
	struct adv_nlreq r;
	uint32_t v32;
	int err;

	adv_param_read("max_channels", &v);
	v32 = (uint32_t)v;
	adv_nl_req(nl, &r, FASTIPC_CMD_CONFIG_SET, NLM_F_ACK, NULL);
	adv_nl_put(&r, FASTIPC_A_CFG_MAX_CHANNELS, &v32, 4);
	err = adv_nl_send(nl, &r);
	return err ? err : adv_nl_answers(nl, NULL, NULL, 5000);
}

static int nl_channel_del(struct adv_nl *nl, const char *name)
{
	struct adv_nlreq r;
	int err;

	adv_nl_req(nl, &r, FASTIPC_CMD_CHANNEL_DEL, NLM_F_ACK, name);
	err = adv_nl_send(nl, &r);
	return err ? err : adv_nl_answers(nl, NULL, NULL, 5000);
}

static int nl_channel_set(struct adv_nl *nl, const char *name, uint32_t max_msgs)
{
	struct adv_nlreq r;
	int err;

	adv_nl_req(nl, &r, FASTIPC_CMD_CHANNEL_SET, NLM_F_ACK, name);
	adv_nl_put(&r, FASTIPC_A_CH_MAX_MSGS, &max_msgs, 4);
	err = adv_nl_send(nl, &r);
	return err ? err : adv_nl_answers(nl, NULL, NULL, 5000);
}

/* An unprivileged user's own user + network namespace. */
static void userns_netns_child(const char *host_name)
{
	struct rlimit rl = { 16 * PG, 16 * PG };
	char mine[FASTIPC_NAME_LEN];
	struct fastipc_info info;
	struct nl_count c = {};
	struct adv_nl nl;
	uint64_t addr;
	int err, fd;

	FIPC_CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	err = userns_root(UID_A, CLONE_NEWNET);
	if (err)
		_exit(FIPC_CHILD_SKIP);
	FIPC_CHILD_CHECK(geteuid() == 0);

	/* The host's channels do not exist here. */
	FIPC_CHILD_CHECK(fipc_open(host_name, FASTIPC_O_RDWR, 0, NULL) == -ENOENT);
	FIPC_CHILD_CHECK(fipc_unlink(host_name) == -ENOENT);

	/* Its own: made, owned (uid 0 here), used, changed, removed. */
	fipc_name(mine, "usern");
	fd = fipc_create(mine, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.uid == 0 && info.gid == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "inside", 6, 0, 0, -1) == 0);

	FIPC_CHILD_CHECK(adv_nl_open(&nl) == 0);
	c.mine = mine;
	FIPC_CHILD_CHECK(nl_dump(&nl, &c) == 0);
	FIPC_CHILD_CHECK(c.entries == 1 && c.foreign == 0 && c.uid == 0);
	FIPC_CHILD_CHECK(nl_get(&nl, host_name, &c) == -ENOENT);
	FIPC_CHILD_CHECK(nl_channel_set(&nl, mine, 5) == 0);
	FIPC_CHILD_CHECK(adv_info(fd).attr.max_msgs == 5);
	/* Root here, but not over the module. */
	FIPC_CHILD_CHECK(nl_config_set(&nl) == -EPERM);
	FIPC_CHILD_CHECK(access(ADV_PARAMS "max_channels", W_OK) != 0 ||
			 adv_param_write("max_channels", 1) != 0);
	/* Nor over the page ceiling: CAP_IPC_LOCK here is not CAP_IPC_LOCK. */
	FIPC_CHILD_CHECK(adv_win(fd, 64 * PG, RW) != NULL);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 32 * PG, &addr) == -ENOMEM);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 16 * PG, &addr) == 0);

	FIPC_CHILD_CHECK(fipc_unlink(mine) == 0);
	FIPC_CHILD_CHECK(nl_channel_del(&nl, mine) == -ENOENT);
	adv_nl_close(&nl);
	_exit(0);
}

TEST_F(ns, unprivileged_userns_and_netns)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	/* The page ceiling must be the rlimit: no floor. */
	ASSERT_EQ(0, adv_param_set(&self->params[0], "user_pages_floor", 0));
	allow_userns(self);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		userns_netns_child(self->name);
	status = fipc_wait_child(pid);
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "an unprivileged user cannot make a user namespace here");
	ASSERT_EQ(0, status);
	/* Nothing of ours was touched. */
	ASSERT_EQ(1, adv_info(self->fd).queued_msgs);
	ASSERT_EQ(0, strcmp(adv_info(self->fd).name, self->name));
}

/* A user namespace in the host's network namespace. */
static void userns_shared_netns_child(const char *host_name, const char *open_name)
{
	struct fastipc_attr attr = { .max_msgs = 3 };
	struct fastipc_info info;
	struct nl_count c = {};
	struct adv_nl nl;
	int fd;

	if (userns_root(UID_B, 0))
		_exit(FIPC_CHILD_SKIP);
	/* It sees the name, but being root here opens nothing of the host's. */
	FIPC_CHILD_CHECK(fipc_open(host_name, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	FIPC_CHILD_CHECK(fipc_unlink(host_name) == -EPERM);
	FIPC_CHILD_CHECK(adv_nl_open(&nl) == 0);
	c.uid = 1;
	FIPC_CHILD_CHECK(nl_get(&nl, host_name, &c) == 0);
	FIPC_CHILD_CHECK(c.entries == 1 && c.uid == OVERFLOW_UID);
	FIPC_CHILD_CHECK(nl_channel_set(&nl, host_name, 3) == -EPERM);
	FIPC_CHILD_CHECK(nl_channel_del(&nl, host_name) == -EPERM);
	FIPC_CHILD_CHECK(nl_config_set(&nl) == -EPERM);
	adv_nl_close(&nl);
	/* A channel open to all: usable, but not its owner's rights. */
	fd = fipc_open(open_name, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.uid == OVERFLOW_UID && info.gid == OVERFLOW_UID);
	FIPC_CHILD_CHECK(fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr) == -EPERM);
	FIPC_CHILD_CHECK(fipc_send(fd, "guest", 5, 0, 0, -1) == 0);
	close(fd);
	_exit(0);
}

TEST_F(ns, userns_in_host_netns_gets_no_rights)
{
	char open_name[FASTIPC_NAME_LEN];
	int status, ofd;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	allow_userns(self);
	fipc_name(open_name, "nsopen");
	ofd = fipc_open(open_name, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
			0666, NULL);
	ASSERT_LE(0, ofd);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		userns_shared_netns_child(self->name, open_name);
	status = fipc_wait_child(pid);
	close(ofd);
	if (status != FIPC_CHILD_SKIP)
		ASSERT_EQ(1, adv_info(self->fd).queued_msgs);
	ofd = fipc_open(open_name, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, ofd);
	if (status != FIPC_CHILD_SKIP)
		ASSERT_EQ(1, adv_info(ofd).queued_msgs);
	close(ofd);
	ASSERT_EQ(0, fipc_unlink(open_name));
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "an unprivileged user cannot make a user namespace here");
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, strcmp(adv_info(self->fd).name, self->name));
}

/* ---- network namespaces ---------------------------------------------------------------------- */

struct syncp {
	int a[2];	/* children to the parent */
	int b[2];	/* the parent to the owner */
	int c[2];	/* the parent to the joiner */
};

static int wait_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 30000) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void say_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		abort();
}

/* Joined with setns(), a namespace shares its channels; it lives while anyone is in it. */
TEST_F(ns, netns_joined_with_setns)
{
	struct fastipc_stats mid;
	struct syncp s;
	char path[64];
	pid_t owner, joiner;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, pipe(s.a));
	ASSERT_EQ(0, pipe(s.b));
	ASSERT_EQ(0, pipe(s.c));
	fflush(NULL);
	owner = fork();
	ASSERT_LE(0, owner);
	if (!owner) {
		int fd;

		if (unshare(CLONE_NEWNET))
			_exit(FIPC_CHILD_SKIP);
		fd = fipc_create("kst-ns-shared", NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(fipc_send(fd, "from-owner", 10, 0, 0, -1) == 0);
		close(fd);
		say_byte(s.a[1], 'c');
		FIPC_CHILD_CHECK(wait_byte(s.b[0]) == 'x');
		_exit(0);
	}
	if (wait_byte(s.a[0]) != 'c') {
		int st = fipc_wait_child(owner);

		if (st == FIPC_CHILD_SKIP)
			SKIP(return, "cannot unshare the network namespace");
		ASSERT_EQ(0, st);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)owner);
	joiner = fork();
	ASSERT_LE(0, joiner);
	if (!joiner) {
		int nsfd = open(path, O_RDONLY | O_CLOEXEC), fd;
		char buf[16];
		uint64_t len = sizeof(buf);

		FIPC_CHILD_CHECK(nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == 0);
		close(nsfd);
		say_byte(s.a[1], 'j');
		/* The owner leaves; the namespace and its channel stay with us. */
		FIPC_CHILD_CHECK(wait_byte(s.c[0]) == 'g');
		fd = fipc_open("kst-ns-shared", FASTIPC_O_RDWR, 0, NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == 0);
		FIPC_CHILD_CHECK(len == 10 && !memcmp(buf, "from-owner", 10));
		FIPC_CHILD_CHECK(fipc_send(fd, "left", 4, 0, 0, -1) == 0);
		close(fd);
		_exit(0);
	}
	ASSERT_EQ('j', wait_byte(s.a[0]));
	say_byte(s.b[1], 'x');
	ASSERT_EQ(0, fipc_wait_child(owner));
	mid = adv_stats();
	ASSERT_EQ(self->base.channels + 2, mid.channels);	/* ours and the shared one */
	say_byte(s.c[1], 'g');
	ASSERT_EQ(0, fipc_wait_child(joiner));
	/* The last one out: the namespace goes, and its named channel with it. */
	close(s.a[0]);
	close(s.a[1]);
	close(s.b[0]);
	close(s.b[1]);
	close(s.c[0]);
	close(s.c[1]);
}

struct blocked_send {
	int fd;
	int err;
	atomic_int started;
};

static void *blocked_sender(void *arg)
{
	struct blocked_send *b = arg;

	atomic_store(&b->started, 1);
	b->err = fipc_send(b->fd, "wait", 4, 0, 0, 60000 * FIPC_MS);
	return NULL;
}

/*
 * The namespace of a channel dies while a process still has a handle
 * with a window full of buffers, messages queued and a sender waiting:
 * the sender wakes with EIDRM, the queue is freed at once, the buffers
 * when the window goes.
 */
static void netns_dies_child(int sock)
{
	struct fastipc_attr attr = { .max_msgs = 2 };
	struct blocked_send b = {};
	struct fastipc_recv rv;
	char buf[3 * 4096];
	uint64_t a1, a2;
	int home, pin, fd, err = 0, i;
	pthread_t t;
	void *win;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	FIPC_CHILD_CHECK(home >= 0);
	if (unshare(CLONE_NEWNET))
		_exit(FIPC_CHILD_SKIP);
	/* Holds the new namespace alive once no task is in it. */
	pin = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	FIPC_CHILD_CHECK(pin >= 0);
	fd = fipc_create("kst-ns-doomed", &attr);
	FIPC_CHILD_CHECK(fd >= 0);
	win = adv_win(fd, 32 * PG, RW);
	FIPC_CHILD_CHECK(win != NULL);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, 4 * PG, &a1) == 0);
	fipc_fill((void *)(uintptr_t)a1, 4 * PG, 1);
	fipc_fill(buf, sizeof(buf), 2);
	FIPC_CHILD_CHECK(fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1) == 0);
	FIPC_CHILD_CHECK(adv_recv_map(fd, NULL, 0, &rv) == 0);
	a2 = rv.addr;
	FIPC_CHILD_CHECK(fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1) == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, buf, 100, 0, 0, -1) == 0);
	/* Back home: a thread made now is not in the doomed namespace. */
	FIPC_CHILD_CHECK(setns(home, CLONE_NEWNET) == 0);
	/* Full: a sender waits. */
	b.fd = fd;
	FIPC_CHILD_CHECK(pthread_create(&t, NULL, blocked_sender, &b) == 0);
	while (!atomic_load(&b.started))
		fipc_sleep_ms(1);
	fipc_sleep_ms(100);
	FIPC_CHILD_CHECK(adv_info(fd).queued_msgs == 2);
	/* Let the namespace go: nothing else holds it. */
	close(pin);
	say_byte(sock, 'l');
	for (i = 0; i < 600; i++) {
		err = fipc_info(fd, &(struct fastipc_info){});
		if (err)
			break;
		fipc_sleep_ms(50);
	}
	FIPC_CHILD_CHECK(err == -EIDRM);
	FIPC_CHILD_CHECK(pthread_join(t, NULL) == 0);
	FIPC_CHILD_CHECK(b.err == -EIDRM);
	/* The window and its buffers are still ours until unmapped. */
	FIPC_CHILD_CHECK(fipc_check((void *)(uintptr_t)a1, 4 * PG, 1) == -1);
	FIPC_CHILD_CHECK(fipc_check((void *)(uintptr_t)a2, sizeof(buf), 2) == -1);
	FIPC_CHILD_CHECK(adv_buf_alloc(fd, PG, &a1) == -EIDRM);
	say_byte(sock, 'q');		/* the parent counts the pages now */
	FIPC_CHILD_CHECK(wait_byte(sock) == 'u');
	munmap(win, 32 * PG);
	say_byte(sock, 'm');
	FIPC_CHILD_CHECK(wait_byte(sock) == 'c');
	close(fd);
	_exit(0);
}

TEST_F_TIMEOUT(ns, netns_dies_under_live_handle_and_window, 90)
{
	struct fastipc_stats st, b0 = adv_stats();
	int sv[2], status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		netns_dies_child(sv[1]);
	}
	close(sv[1]);
	if (wait_byte(sv[0]) != 'l') {
		status = fipc_wait_child(pid);
		if (status == FIPC_CHILD_SKIP)
			SKIP(return, "cannot unshare the network namespace");
		ASSERT_EQ(0, status);
	}
	ASSERT_EQ('q', wait_byte(sv[0]));
	/* Queue gone (3 + 1 pages), the window's 4 + 3 still held. */
	st = adv_stats();
	EXPECT_EQ(b0.pages_held + 7, st.pages_held);
	EXPECT_EQ(b0.bytes_queued, st.bytes_queued);
	say_byte(sv[0], 'u');
	ASSERT_EQ('m', wait_byte(sv[0]));
	EXPECT_EQ(b0.pages_held, adv_stats().pages_held);
	EXPECT_EQ(b0.handles + 1, adv_stats().handles);
	say_byte(sv[0], 'c');
	ASSERT_EQ(0, fipc_wait_child(pid));
	close(sv[0]);
}

/* A netlink socket answers for the namespace it was created in. */
TEST_F(ns, netlink_socket_keeps_its_netns)
{
	struct adv_nl nl;
	pid_t pid;
	int status;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, adv_nl_open(&nl));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct nl_count c = { .mine = "kst-ns-mine" };
		struct adv_nl inner;
		int fd;

		if (unshare(CLONE_NEWNET))
			_exit(FIPC_CHILD_SKIP);
		fd = fipc_create("kst-ns-mine", NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		/* The socket from before: the host's channels, not ours. */
		FIPC_CHILD_CHECK(nl_get(&nl, self->name, &c) == 0);
		FIPC_CHILD_CHECK(nl_get(&nl, "kst-ns-mine", &c) == -ENOENT);
		/* A new socket: ours only. */
		FIPC_CHILD_CHECK(adv_nl_open(&inner) == 0);
		c.entries = c.foreign = 0;
		FIPC_CHILD_CHECK(nl_dump(&inner, &c) == 0);
		FIPC_CHILD_CHECK(c.entries == 1 && c.foreign == 0);
		FIPC_CHILD_CHECK(nl_get(&inner, self->name, &c) == -ENOENT);
		_exit(0);
	}
	status = fipc_wait_child(pid);
	adv_nl_close(&nl);
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "cannot unshare the network namespace");
	ASSERT_EQ(0, status);
}

FIPC_TEST_MAIN

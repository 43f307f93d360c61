// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: channels and the ioctl interface.
 *
 * Open/create/excl/unlink, names, flag and reserved-field checks for every
 * ioctl, structure sizes (short, long with zero and non-zero tails),
 * unknown commands, bad pointers, unbound files, rebinding, limits,
 * permissions for another user, SET_ATTR, INFO and STATS, channel
 * lifetime and network namespace scoping.  Documentation/uapi.md is the
 * contract these tests check.
 *
 * The tests that change credentials or namespaces need root (they run as
 * root in the test VM) and skip otherwise.
 */
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include "fipc_selftest.h"

#define NOBODY	65534

/* ---- fixture: one fresh channel with a read-write handle ---------------- */

#define MAX_EXTRA	16

FIXTURE(chan) {
	char name[FASTIPC_NAME_LEN];
	int fd;
	struct fastipc_attr attr;	/* limits in force */
	char extra[MAX_EXTRA][FASTIPC_NAME_LEN];
	int nextra;
};

FIXTURE_SETUP(chan)
{
	fipc_name(self->name, "chan");
	self->fd = fipc_create(self->name, &self->attr);
	ASSERT_LE(0, self->fd) TH_LOG("create %s: %s", self->name,
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(chan)
{
	int i;

	if (self->fd >= 0)
		close(self->fd);
	fipc_unlink(self->name);
	for (i = 0; i < self->nextra; i++)
		fipc_unlink(self->extra[i]);
}

/* Another fresh name, unlinked by the teardown. */
static const char *extra_name(FIXTURE_DATA(chan) *self, const char *tag)
{
	char *n = self->extra[self->nextra++ % MAX_EXTRA];

	fipc_name(n, tag);
	return n;
}

static int queued_msgs(int fd)
{
	struct fastipc_info info;
	int err = fipc_info(fd, &info);

	return err ? err : (int)info.queued_msgs;
}

static long long stat_channels(void)
{
	struct fastipc_stats st;

	return fipc_stats(&st) ? -1 : (long long)st.channels;
}

static long long stat_handles(void)
{
	struct fastipc_stats st;

	return fipc_stats(&st) ? -1 : (long long)st.handles;
}

/* A page that is mapped but not accessible: a bad pointer that is not NULL. */
static void *bad_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- the uapi layout ------------------------------------------------------ */

TEST(uapi_layout)
{
	/*
	 * One layout on every ABI; the sizes of the latest versions are the
	 * sizes in the commands.
	 */
	ASSERT_EQ(FASTIPC_OPEN_SIZE_VER0, sizeof(struct fastipc_open));
	ASSERT_EQ(FASTIPC_UNLINK_SIZE_VER0, sizeof(struct fastipc_unlink));
	ASSERT_EQ(FASTIPC_SEND_SIZE_VER0, sizeof(struct fastipc_send));
	ASSERT_EQ(FASTIPC_RECV_SIZE_VER1, sizeof(struct fastipc_recv));
	ASSERT_EQ(FASTIPC_RECV_SIZE_VER0,
		  offsetof(struct fastipc_recv, sender));
	ASSERT_EQ(16, sizeof(struct fastipc_sender));
	ASSERT_EQ(FASTIPC_RECV_VEC_SIZE_VER0, sizeof(struct fastipc_recv_vec));
	ASSERT_EQ(FASTIPC_CALL_SIZE_VER1, sizeof(struct fastipc_call));
	ASSERT_EQ(FASTIPC_CALL_SIZE_VER0,
		  offsetof(struct fastipc_call, reply_nr_fds));
	ASSERT_EQ(FASTIPC_REPLY_SIZE_VER0, sizeof(struct fastipc_reply));
	ASSERT_EQ(FASTIPC_REPLY_RECV_SIZE_VER1,
		  sizeof(struct fastipc_reply_recv));
	ASSERT_EQ(FASTIPC_REPLY_RECV_SIZE_VER0,
		  offsetof(struct fastipc_reply_recv, recv.sender));
	ASSERT_EQ(FASTIPC_FEATURES_SIZE_VER0, sizeof(struct fastipc_features));
	ASSERT_EQ(FASTIPC_CALL_SIZE_VER1, _IOC_SIZE(FASTIPC_IOC_CALL));
	ASSERT_EQ(FASTIPC_REPLY_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_REPLY));
	ASSERT_EQ(FASTIPC_REPLY_RECV_SIZE_VER1,
		  _IOC_SIZE(FASTIPC_IOC_REPLY_RECV));
	ASSERT_EQ(FASTIPC_BUF_SIZE_VER0, sizeof(struct fastipc_buf));
	ASSERT_EQ(FASTIPC_INFO_SIZE_VER0, sizeof(struct fastipc_info));
	ASSERT_EQ(FASTIPC_STATS_SIZE_VER0, sizeof(struct fastipc_stats));
	ASSERT_EQ(32, sizeof(struct fastipc_attr));
	ASSERT_EQ(FASTIPC_OPEN_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_OPEN));
	ASSERT_EQ(FASTIPC_UNLINK_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_UNLINK));
	ASSERT_EQ(FASTIPC_SEND_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_SEND));
	ASSERT_EQ(FASTIPC_RECV_SIZE_VER1, _IOC_SIZE(FASTIPC_IOC_RECV));
	ASSERT_EQ(FASTIPC_BUF_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_BUF_ALLOC));
	ASSERT_EQ(FASTIPC_BUF_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_BUF_FREE));
	ASSERT_EQ(FASTIPC_INFO_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_INFO));
	ASSERT_EQ(FASTIPC_STATS_SIZE_VER0, _IOC_SIZE(FASTIPC_IOC_STATS));
	ASSERT_EQ(sizeof(struct fastipc_attr), _IOC_SIZE(FASTIPC_IOC_SET_ATTR));
	/* Every 64-bit field naturally aligned. */
	ASSERT_EQ(0, offsetof(struct fastipc_open, attr) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_open, id) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_info, id) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_info, attr) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_recv, addr) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_recv, token) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_call, reply_addr) % 8);
	ASSERT_EQ(0, offsetof(struct fastipc_reply_recv, recv) % 8);
}

/* ---- open, create, excl, unlink --------------------------------------------- */

TEST_F(chan, open_existing_and_excl)
{
	struct fastipc_info info, info2;
	struct fastipc_attr attr = {};
	int fd2, fd3;

	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_NE(0, info.id);

	/* Without CREAT: the same channel. */
	fd2 = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd2) TH_LOG("reopen: %s", strerror(-fd2));
	ASSERT_EQ(0, fipc_info(fd2, &info2));
	ASSERT_EQ(info.id, info2.id);

	/* CREAT on an existing one: opens it; its mode is not changed. */
	fd3 = fipc_open(self->name, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0666,
			&attr);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, fipc_info(fd3, &info2));
	ASSERT_EQ(info.id, info2.id);
	ASSERT_EQ(0600, info2.mode);
	/* attr is written back with the limits in force. */
	ASSERT_EQ(self->attr.max_msgs, attr.max_msgs);
	ASSERT_EQ(self->attr.max_bytes, attr.max_bytes);

	/* A message sent on one handle is seen on the others. */
	ASSERT_EQ(0, fipc_send(fd2, "x", 1, 0, 0, -1));
	ASSERT_EQ(1, queued_msgs(fd3));

	/* CREAT|EXCL on an existing one. */
	ASSERT_EQ(-EEXIST, fipc_open(self->name, FASTIPC_O_RDWR |
				     FASTIPC_O_CREAT | FASTIPC_O_EXCL, 0600,
				     NULL));
	close(fd2);
	close(fd3);
}

TEST_F(chan, open_missing)
{
	const char *n = extra_name(self, "missing");

	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RDWR, 0, NULL));
	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RECV, 0, NULL));
	ASSERT_EQ(-ENOENT, fipc_unlink(n));
}

TEST_F(chan, open_bad_flags)
{
	static const uint32_t bad[] = {
		0,					/* no access bit */
		FASTIPC_O_CREAT,			/* still none */
		FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		FASTIPC_O_RDWR | FASTIPC_O_EXCL,	/* EXCL without CREAT */
		FASTIPC_O_RDWR | 0x40,		/* the first unknown bit */
		FASTIPC_O_RDWR | FASTIPC_O_CREAT | 0x80000000U,
		FASTIPC_O_RECV | 0x100,
	};
	const char *n = extra_name(self, "badflags");
	struct fastipc_open op;
	unsigned int i;
	int fd = fipc_dev();

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(-EINVAL, fipc_bind(fd, n, bad[i], 0600, NULL))
			TH_LOG("flags %#x", bad[i]);
		ASSERT_EQ(-EINVAL, fipc_bind(fd, self->name, bad[i], 0600, NULL))
			TH_LOG("flags %#x on an existing channel", bad[i]);
	}

	/* Each reserved word, the attr padding, a queue's topic fields. */
	for (i = 0; i < 5; i++) {
		memset(&op, 0, sizeof(op));
		strcpy(op.name, n);
		op.flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT;
		op.mode = 0600;
		if (i < 2)
			op.__reserved[i] = 1ULL << (i * 20);
		else if (i == 2)
			op.attr.__pad = 1;
		else if (i == 3)
			op.topic_flags = FASTIPC_TOPIC_DROP_OLDEST;
		else
			op.history = 1;
		ASSERT_EQ(-EINVAL, fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op))
			TH_LOG("reserved field %u", i);
	}

	/* Nothing was created, and the file is still unbound. */
	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RDWR, 0, NULL));
	{
		struct fastipc_info info;

		ASSERT_EQ(-EBADFD, fipc_info(fd, &info));
	}
	ASSERT_EQ(0, fipc_bind(fd, n, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			       FASTIPC_O_EXCL, 0600, NULL));
	close(fd);
}

TEST_F(chan, mode_bits)
{
	struct fastipc_info info;
	const char *a = extra_name(self, "mode"), *b = extra_name(self, "mode");
	int fd;

	fd = fipc_open(a, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0640, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0640, info.mode);
	close(fd);

	/* No umask applies; bits above the permission bits are refused. */
	umask(077);
	fd = fipc_open(b, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0777, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0777, info.mode);
	close(fd);
	ASSERT_EQ(0, fipc_unlink(b));
	ASSERT_EQ(-EINVAL, fipc_open(b, FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     07777, NULL));
	ASSERT_EQ(-ENOENT, fipc_open(b, FASTIPC_O_RDWR, 0, NULL));
}

TEST_F(chan, name_validation)
{
	char n63[FASTIPC_NAME_LEN + 1], n64[FASTIPC_NAME_LEN + 1];
	char odd[FASTIPC_NAME_LEN];
	struct fastipc_info info;
	struct fastipc_unlink ul;
	int fd, len;

	/* Empty. */
	ASSERT_EQ(-EINVAL, fipc_open("", FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     0600, NULL));
	ASSERT_EQ(-EINVAL, fipc_unlink(""));

	/* 63 bytes: the longest name. */
	len = snprintf(n63, sizeof(n63), "kst-n63-%d-", (int)getpid());
	memset(n63 + len, 'x', FASTIPC_NAME_MAX - len);
	n63[FASTIPC_NAME_MAX] = '\0';
	ASSERT_EQ(FASTIPC_NAME_MAX, strlen(n63));
	strcpy(self->extra[self->nextra++], n63);
	fd = fipc_open(n63, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0600, NULL);
	ASSERT_LE(0, fd) TH_LOG("63-byte name: %s", strerror(-fd));
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0, memcmp(info.name, n63, FASTIPC_NAME_LEN));
	close(fd);
	fd = fipc_open(n63, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);

	/* 64 bytes: no NUL in the field. */
	memcpy(n64, n63, FASTIPC_NAME_MAX);
	n64[FASTIPC_NAME_MAX] = 'y';
	n64[FASTIPC_NAME_LEN] = '\0';
	ASSERT_EQ(-EINVAL, fipc_open(n64, FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     0600, NULL));
	/* ... even when it starts like an existing name. */
	ASSERT_EQ(-EINVAL, fipc_open(n64, FASTIPC_O_RDWR, 0, NULL));
	memset(&ul, 0, sizeof(ul));
	memcpy(ul.name, n64, FASTIPC_NAME_LEN);
	fd = fipc_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EINVAL, fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul));
	close(fd);

	/* A '/' anywhere. */
	ASSERT_EQ(-EINVAL, fipc_open("/", FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     0600, NULL));
	ASSERT_EQ(-EINVAL, fipc_open("a/b", FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				     0600, NULL));
	ASSERT_EQ(-EINVAL, fipc_open("kst-trailing/", FASTIPC_O_RDWR |
				     FASTIPC_O_CREAT, 0600, NULL));
	ASSERT_EQ(-EINVAL, fipc_unlink("a/b"));

	/* Bytes after the NUL do not matter. */
	{
		struct fastipc_open op = {
			.flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
			.mode = 0600,
		};
		char *n = self->extra[self->nextra++];

		fipc_name(n, "nul");
		memset(op.name, 'z', sizeof(op.name));
		memcpy(op.name, n, strlen(n) + 1);
		fd = fipc_dev();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op));
		ASSERT_EQ(0, fipc_info(fd, &info));
		ASSERT_EQ(0, strcmp(info.name, n));
		close(fd);
		memset(&ul, 'q', sizeof(ul.name));
		memcpy(ul.name, n, strlen(n) + 1);
		memset(ul.__reserved, 0, sizeof(ul.__reserved));
		fd = fipc_dev();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul));
		close(fd);
		ASSERT_EQ(-ENOENT, fipc_unlink(n));
	}

	/* Any other byte is fine: spaces, control characters, 8-bit bytes. */
	snprintf(odd, sizeof(odd), "kst odd\x01\x7f\xff.%d", (int)getpid());
	strcpy(self->extra[self->nextra++], odd);
	fd = fipc_open(odd, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0600, NULL);
	ASSERT_LE(0, fd) TH_LOG("odd bytes: %s", strerror(-fd));
	close(fd);
	ASSERT_EQ(0, fipc_unlink(odd));
	ASSERT_EQ(0, fipc_unlink(n63));
}

TEST_F(chan, unlink_keeps_open_handles)
{
	struct fastipc_info info, info2;
	char buf[16];
	uint64_t len = sizeof(buf);
	int fd2;

	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(0, strcmp(info.name, self->name));
	ASSERT_EQ(0, fipc_send(self->fd, "before", 6, 3, 0, -1));

	ASSERT_EQ(0, fipc_unlink(self->name));
	ASSERT_EQ(-ENOENT, fipc_unlink(self->name));
	ASSERT_EQ(-ENOENT, fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL));

	/* The handle keeps working; the name in INFO is empty. */
	ASSERT_EQ(0, fipc_info(self->fd, &info2));
	ASSERT_EQ(info.id, info2.id);
	ASSERT_EQ('\0', info2.name[0]);
	ASSERT_EQ(0, fipc_send(self->fd, "after", 5, 3, 0, -1));
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(6, len);
	ASSERT_EQ(0, memcmp(buf, "before", 6));

	/* The name can be reused at once: a new, independent channel. */
	fd2 = fipc_create(self->name, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, fipc_info(fd2, &info2));
	ASSERT_NE(info.id, info2.id);
	ASSERT_EQ(0, info2.queued_msgs);
	len = sizeof(buf);
	ASSERT_EQ(-EAGAIN, fipc_recv(fd2, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, memcmp(buf, "after", 5));
	close(fd2);
}

TEST_F(chan, lifetime_and_stats)
{
	long long c0, h0;
	const char *n = extra_name(self, "life");
	int fd1, fd2, unbound;

	c0 = stat_channels();
	h0 = stat_handles();
	ASSERT_LE(0, c0);

	/* An unbound open file is no handle. */
	unbound = fipc_dev();
	ASSERT_LE(0, unbound);
	ASSERT_EQ(h0, stat_handles());

	fd1 = fipc_create(n, NULL);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(c0 + 1, stat_channels());
	ASSERT_EQ(h0 + 1, stat_handles());
	fd2 = fipc_open(n, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(c0 + 1, stat_channels());
	ASSERT_EQ(h0 + 2, stat_handles());

	/* Unlinked but open: still there. */
	ASSERT_EQ(0, fipc_unlink(n));
	ASSERT_EQ(c0 + 1, stat_channels());
	close(fd1);
	ASSERT_EQ(c0 + 1, stat_channels());
	ASSERT_EQ(h0 + 1, stat_handles());
	/* Last handle closed: gone. */
	close(fd2);
	ASSERT_EQ(c0, stat_channels());
	ASSERT_EQ(h0, stat_handles());
	close(unbound);
	ASSERT_EQ(h0, stat_handles());
}

TEST_F(chan, stats_count_many)
{
	char names[8][FASTIPC_NAME_LEN];
	long long c0 = stat_channels();
	int fds[8], i;

	for (i = 0; i < 8; i++) {
		fipc_name(names[i], "many");
		fds[i] = fipc_create(names[i], NULL);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(c0 + i + 1, stat_channels());
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, fipc_unlink(names[i]));
		close(fds[i]);
		ASSERT_EQ(c0 + 7 - i, stat_channels());
	}
}

TEST_F(chan, named_channel_outlives_handles)
{
	const char *n = extra_name(self, "outlive");
	long long c0 = stat_channels();
	char buf[8];
	uint64_t len = sizeof(buf);
	uint32_t prio;
	int fd;

	fd = fipc_create(n, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_send(fd, "keep", 4, 7, 0, -1));
	close(fd);
	/* Named, no handle: it exists and keeps its message. */
	ASSERT_EQ(c0 + 1, stat_channels());
	fd = fipc_open(n, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_recv(fd, buf, &len, &prio, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(4, len);
	ASSERT_EQ(7, prio);
	ASSERT_EQ(0, memcmp(buf, "keep", 4));
	close(fd);
	ASSERT_EQ(0, fipc_unlink(n));
	ASSERT_EQ(c0, stat_channels());
}

TEST_F(chan, rebind_ebusy)
{
	const char *n = extra_name(self, "rebind");
	struct fastipc_info info, info2;
	int fd2;

	fd2 = fipc_create(n, NULL);
	ASSERT_LE(0, fd2);
	close(fd2);

	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(-EBUSY, fipc_bind(self->fd, n, FASTIPC_O_RDWR, 0, NULL));
	ASSERT_EQ(-EBUSY, fipc_bind(self->fd, self->name, FASTIPC_O_RDWR, 0,
				    NULL));
	ASSERT_EQ(-EBUSY, fipc_bind(self->fd, extra_name(self, "rebind"),
				    FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
				    NULL));
	ASSERT_EQ(0, fipc_info(self->fd, &info2));
	ASSERT_EQ(info.id, info2.id);
	ASSERT_EQ(FASTIPC_O_RDWR, info2.handle_flags);
}

TEST(unbound_file)
{
	char buf[4096] = {};
	struct fastipc_stats st;
	struct pollfd pfd;
	void *p;
	int fd = fipc_dev();

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_SEND, buf));
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_RECV, buf));
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_BUF_ALLOC, buf));
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_BUF_FREE, buf));
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_INFO, buf));
	ASSERT_EQ(-EBADFD, fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, buf));
	/* STATS and UNLINK work on any open file. */
	ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_STATS, &st));
	{
		struct fastipc_unlink ul = {};

		snprintf(ul.name, sizeof(ul.name), "kst-nosuch-%d", (int)getpid());
		ASSERT_EQ(-ENOENT, fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul));
	}
	/* Nothing ready. */
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	/* No window without a channel. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EBADFD, errno);
	close(fd);
}

/* ---- flags and reserved fields of every ioctl ------------------------------ */

TEST_F(chan, send_bad_fields)
{
	struct fastipc_send sd;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		memset(&sd, 0, sizeof(sd));
		sd.buf = (uintptr_t)"abc";
		sd.len = 3;
		sd.timeout_ns = -1;
		switch (i) {
		case 0: sd.flags = 0x10; break;
		case 1: sd.flags = 0x80000000U; break;
		case 2: sd.flags = FASTIPC_SEND_COPY | FASTIPC_SEND_PAGES; break;
		case 3: sd.flags = FASTIPC_SEND_BUF | FASTIPC_SEND_COPY; break;
		case 4: sd.prio = FASTIPC_PRIO_MAX + 1; break;
		case 5: sd.__pad = 1; break;
		case 6: sd.fds = 1ULL << 63; break;	/* without nr_fds */
		case 7: sd.nr_fds = FASTIPC_FDS_MAX + 1; break;
		}
		ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_SEND, &sd))
			TH_LOG("case %u", i);
	}
	ASSERT_EQ(-EINVAL, fipc_send(self->fd, "abc", 3, 0xffffffffU, 0, -1));
	ASSERT_EQ(0, queued_msgs(self->fd));
	/* The same message with clean fields goes through. */
	ASSERT_EQ(0, fipc_send(self->fd, "abc", 3, FASTIPC_PRIO_MAX, 0, -1));
	ASSERT_EQ(1, queued_msgs(self->fd));
}

TEST_F(chan, recv_bad_fields)
{
	struct fastipc_recv rv;
	char buf[16];
	unsigned int i;

	ASSERT_EQ(0, fipc_send(self->fd, "abc", 3, 7, 0, -1));
	for (i = 0; i < 5; i++) {
		memset(&rv, 0, sizeof(rv));
		rv.buf = (uintptr_t)buf;
		rv.len = sizeof(buf);
		rv.timeout_ns = -1;
		switch (i) {
		case 0: rv.flags = 0x40; break;
		case 1: rv.flags = 0x80000000U; break;
		/* Descriptor slots without FASTIPC_RECV_FDS. */
		case 2: rv.nr_fds = 1; break;
		case 3: rv.fds = 1ULL << 63; break;
		case 4: rv.flags = FASTIPC_RECV_CLOEXEC; break;
		}
		ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, &rv))
			TH_LOG("case %u", i);
	}
	/* The message is still there. */
	ASSERT_EQ(1, queued_msgs(self->fd));

	/* prio, addr, msg_flags, token are outputs: their input is ignored. */
	memset(&rv, 0, sizeof(rv));
	rv.buf = (uintptr_t)buf;
	rv.len = sizeof(buf);
	rv.timeout_ns = -1;
	rv.prio = 0xdead;
	rv.addr = 0x12345000;
	rv.msg_flags = 0xffffffffU;
	rv.token = 0xfeedULL << 32;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, &rv));
	ASSERT_EQ(3, rv.len);
	ASSERT_EQ(7, rv.prio);
	ASSERT_EQ(0, rv.addr);
	ASSERT_EQ(0, rv.msg_flags);
	ASSERT_EQ(0, rv.token);
	ASSERT_EQ(0, queued_msgs(self->fd));
}

TEST_F(chan, buf_bad_fields)
{
	struct fastipc_buf bf;
	unsigned int i;

	/* Checked before anything else: no window is needed to see EINVAL. */
	for (i = 0; i < 5; i++) {
		memset(&bf, 0, sizeof(bf));
		bf.len = 4096;
		switch (i) {
		case 0: bf.flags = ~FASTIPC_BUF_NOZERO; break;
		case 1: bf.__pad = 1; break;
		case 2: bf.__reserved[0] = 1; break;
		case 3: bf.__reserved[1] = 1; break;
		case 4: bf.len = 0; break;
		}
		ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_ALLOC, &bf))
			TH_LOG("alloc case %u", i);
	}
	for (i = 0; i < 4; i++) {
		memset(&bf, 0, sizeof(bf));
		bf.addr = 0x100000;
		switch (i) {
		case 0: bf.flags = 1; break;
		case 1: bf.__pad = 1; break;
		case 2: bf.__reserved[1] = 1; break;
		case 3: bf.len = 4096; break;
		}
		ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_FREE, &bf))
			TH_LOG("free case %u", i);
	}
	/* Clean fields and no window: ENXIO. */
	memset(&bf, 0, sizeof(bf));
	bf.len = 4096;
	ASSERT_EQ(-ENXIO, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_ALLOC, &bf));
}

TEST_F(chan, unlink_and_set_attr_bad_fields)
{
	struct fastipc_unlink ul;
	struct fastipc_attr attr = {};
	struct fastipc_info info;
	int fd = fipc_dev();

	ASSERT_LE(0, fd);
	memset(&ul, 0, sizeof(ul));
	strcpy(ul.name, self->name);
	ul.__reserved[0] = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul));
	ul.__reserved[0] = 0;
	ul.__reserved[1] = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul));
	/* Still there. */
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(0, strcmp(info.name, self->name));
	close(fd);

	attr.max_msgs = 5;
	attr.__pad = 1;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(self->attr.max_msgs, info.attr.max_msgs);
}

/* ---- structure sizes -------------------------------------------------------- */

struct ioc_desc {
	const char *name;
	unsigned int dir, nr;
	size_t ver0;
	bool input;	/* the kernel reads the structure */
};

static const struct ioc_desc iocs[] = {
	{ "OPEN", _IOC_READ | _IOC_WRITE, 0x00, FASTIPC_OPEN_SIZE_VER0, true },
	{ "UNLINK", _IOC_WRITE, 0x01, FASTIPC_UNLINK_SIZE_VER0, true },
	{ "SEND", _IOC_WRITE, 0x02, FASTIPC_SEND_SIZE_VER0, true },
	{ "RECV", _IOC_READ | _IOC_WRITE, 0x03, FASTIPC_RECV_SIZE_VER0, true },
	{ "BUF_ALLOC", _IOC_READ | _IOC_WRITE, 0x04, FASTIPC_BUF_SIZE_VER0, true },
	{ "BUF_FREE", _IOC_WRITE, 0x05, FASTIPC_BUF_SIZE_VER0, true },
	{ "INFO", _IOC_READ, 0x06, FASTIPC_INFO_SIZE_VER0, false },
	{ "STATS", _IOC_READ, 0x07, FASTIPC_STATS_SIZE_VER0, false },
	{ "SET_ATTR", _IOC_WRITE, 0x08, sizeof(struct fastipc_attr), true },
};

#define NIOCS (sizeof(iocs) / sizeof(iocs[0]))
#define BIGSZ 4096

/*
 * The bytes of @d's structure this module knows: its first version, or
 * more where a later one added (output) fields.
 */
static size_t known_size(const struct ioc_desc *d)
{
	return d->nr == 0x03 ? FASTIPC_RECV_SIZE_VER1 : d->ver0;
}

/*
 * Fill @buf with a valid structure for @d: one that the kernel would act
 * on (and that the test can see it acted on) if the size were accepted.
 */
static void valid_arg(const struct ioc_desc *d, void *buf, const char *newname,
		      const char *victim)
{
	memset(buf, 0, BIGSZ);
	switch (d->nr) {
	case 0: {
		struct fastipc_open *op = buf;

		strcpy(op->name, newname);
		op->flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT;
		op->mode = 0600;
		break;
	}
	case 1:
		strcpy(((struct fastipc_unlink *)buf)->name, victim);
		break;
	case 2: {
		struct fastipc_send *sd = buf;

		sd->buf = (uintptr_t)"sized";
		sd->len = 5;
		sd->timeout_ns = -1;
		break;
	}
	case 3: {
		static char rbuf[64];
		struct fastipc_recv *rv = buf;

		rv->buf = (uintptr_t)rbuf;
		rv->len = sizeof(rbuf);
		rv->flags = FASTIPC_NONBLOCK;
		rv->timeout_ns = -1;
		break;
	}
	case 4:
		((struct fastipc_buf *)buf)->len = 4096;
		break;
	case 5:
		((struct fastipc_buf *)buf)->addr = 0x100000;
		break;
	case 8:
		((struct fastipc_attr *)buf)->max_msgs = 5;
		break;
	}
}

static int sized_ioctl(int fd, const struct ioc_desc *d, size_t size, void *arg)
{
	return fipc_ioctl(fd, _IOC(d->dir, FASTIPC_IOC_MAGIC, d->nr, size), arg);
}

TEST_F(chan, short_struct_einval)
{
	static const size_t shorter[] = { 0, 1, 8, 16 };
	const char *newname = extra_name(self, "short");
	const char *victim = extra_name(self, "victim");
	struct fastipc_info info;
	unsigned char *buf = malloc(BIGSZ);
	unsigned int i, j;
	int unbound = fipc_dev(), fd;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, unbound);
	fd = fipc_create(victim, NULL);
	ASSERT_LE(0, fd);
	close(fd);

	for (i = 0; i < NIOCS; i++) {
		const struct ioc_desc *d = &iocs[i];
		int target = d->nr == 0 ? unbound : self->fd;
		size_t sizes[5];

		for (j = 0; j < 4; j++)
			sizes[j] = shorter[j];
		sizes[4] = d->ver0 - 1;
		for (j = 0; j < 5; j++) {
			if (sizes[j] >= d->ver0)
				continue;
			valid_arg(d, buf, newname, victim);
			ASSERT_EQ(-EINVAL, sized_ioctl(target, d, sizes[j], buf))
				TH_LOG("%s with size %zu", d->name, sizes[j]);
		}
		/* The full size works (or fails for another reason). */
		valid_arg(d, buf, newname, victim);
		if (d->nr != 1 && d->nr != 0)
			ASSERT_NE(-EINVAL, sized_ioctl(target, d, d->ver0, buf))
				TH_LOG("%s with its own size", d->name);
	}

	/* Nothing happened: unbound, nothing created, not unlinked, not queued (but for the one valid send) */
	ASSERT_EQ(-EBADFD, fipc_info(unbound, &info));
	ASSERT_EQ(-ENOENT, fipc_open(newname, FASTIPC_O_RDWR, 0, NULL));
	fd = fipc_open(victim, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd) TH_LOG("the short UNLINK removed the channel");
	close(fd);
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	/* SEND with its own size queued one message; RECV took it. */
	ASSERT_EQ(1, info.sent_msgs);
	ASSERT_EQ(1, info.recv_msgs);
	ASSERT_EQ(0, info.queued_msgs);
	/* SET_ATTR with its own size set max_msgs = 5 */
	ASSERT_EQ(5, info.attr.max_msgs);
	close(unbound);
	free(buf);
}

TEST_F(chan, long_struct_nonzero_tail_e2big)
{
	static const size_t extra[] = { 1, 8, 64, BIGSZ };
	const char *newname = extra_name(self, "long");
	const char *victim = extra_name(self, "victim");
	struct fastipc_info info;
	unsigned char *buf = malloc(BIGSZ + 64);
	unsigned int i, j;
	int unbound = fipc_dev(), fd;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, unbound);
	fd = fipc_create(victim, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	/* One message for RECV to (not) take. */
	ASSERT_EQ(0, fipc_send(self->fd, "queued", 6, 0, 0, -1));

	for (i = 0; i < NIOCS; i++) {
		const struct ioc_desc *d = &iocs[i];
		int target = d->nr == 0 ? unbound : self->fd;

		if (!d->input)
			continue;
		for (j = 0; j < 4; j++) {
			size_t size = known_size(d) + extra[j];

			if (size > BIGSZ)
				size = BIGSZ;
			valid_arg(d, buf, newname, victim);
			buf[size - 1] = 0x5a;	/* the last byte */
			ASSERT_EQ(-E2BIG, sized_ioctl(target, d, size, buf))
				TH_LOG("%s size %zu, last byte set", d->name, size);
			valid_arg(d, buf, newname, victim);
			buf[known_size(d)] = 1;	/* the first unknown byte */
			ASSERT_EQ(-E2BIG, sized_ioctl(target, d, size, buf))
				TH_LOG("%s size %zu, first unknown byte set",
				       d->name, size);
		}
	}

	/* Nothing happened. */
	ASSERT_EQ(-EBADFD, fipc_info(unbound, &info));
	ASSERT_EQ(-ENOENT, fipc_open(newname, FASTIPC_O_RDWR, 0, NULL));
	fd = fipc_open(victim, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(1, info.sent_msgs);
	ASSERT_EQ(0, info.recv_msgs);
	ASSERT_EQ(1, info.queued_msgs);
	ASSERT_EQ(self->attr.max_msgs, info.attr.max_msgs);
	close(unbound);
	free(buf);
}

TEST_F(chan, long_struct_zero_tail_accepted)
{
	const char *newname = extra_name(self, "longok");
	const char *victim = extra_name(self, "victim");
	struct fastipc_info info;
	unsigned char *buf = malloc(BIGSZ);
	size_t size;
	unsigned int i;
	int unbound = fipc_dev(), fd;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, unbound);
	fd = fipc_create(victim, NULL);
	ASSERT_LE(0, fd);
	close(fd);

	for (i = 0; i < NIOCS; i++) {
		const struct ioc_desc *d = &iocs[i];
		int target = d->nr == 0 ? unbound : self->fd;
		int want = 0, err;

		if (d->nr == 4 || d->nr == 5)
			want = -ENXIO;	/* no window: but the size passed */
		size = d->ver0 + 24;
		valid_arg(d, buf, newname, victim);
		if (!d->input) {
			/* Output only: the kernel writes its own part, not the tail. */
			memset(buf + d->ver0, 0xa5, 24);
		}
		if (d->nr == 3)		/* something to receive */
			ASSERT_EQ(0, fipc_send(self->fd, "hello", 5, 2, 0, -1));
		err = sized_ioctl(target, d, size, buf);
		ASSERT_EQ(want, err) TH_LOG("%s with size %zu: %s", d->name,
					    size, strerror(-err));
		if (!d->input) {
			size_t k;

			for (k = d->ver0; k < size; k++)
				ASSERT_EQ(0xa5, buf[k])
					TH_LOG("%s wrote byte %zu past its structure",
					       d->name, k);
		}
		if (d->nr == 0) {
			/* Written back: the id and the limits. */
			struct fastipc_open *op = (void *)buf;

			ASSERT_NE(0, op->id);
			ASSERT_NE(0, op->attr.max_msgs);
		}
		if (d->nr == 3) {
			struct fastipc_recv *rv = (void *)buf;

			ASSERT_EQ(5, rv->len);
			ASSERT_EQ(2, rv->prio);
		}
		if (d->nr == 6) {
			struct fastipc_info *in = (void *)buf;

			ASSERT_EQ(0, strcmp(in->name, self->name));
		}
	}

	/* Each one acted. */
	ASSERT_EQ(0, fipc_info(unbound, &info));
	ASSERT_EQ(0, strcmp(info.name, newname));
	ASSERT_EQ(-ENOENT, fipc_open(victim, FASTIPC_O_RDWR, 0, NULL));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(2, info.sent_msgs);	/* SEND, and the one for RECV */
	ASSERT_EQ(1, info.recv_msgs);
	ASSERT_EQ(1, info.queued_msgs);
	ASSERT_EQ(5, info.attr.max_msgs);
	close(unbound);
	free(buf);
}

TEST(unknown_ioctl)
{
	char name[FASTIPC_NAME_LEN];
	char buf[BIGSZ] = {};
	struct termios tio;
	int unbound = fipc_dev(), fd, i;
	const unsigned long cmds[] = {
		_IO(FASTIPC_IOC_MAGIC, 0x0f),
		_IOWR(FASTIPC_IOC_MAGIC, 0x0f, struct fastipc_send),
		_IOR(FASTIPC_IOC_MAGIC, 0x20, struct fastipc_info),
		_IOWR(FASTIPC_IOC_MAGIC, 0xff, struct fastipc_recv),
		_IOWR('f', 0x02, struct fastipc_send),	/* another magic */
		_IOWR(FASTIPC_IOC_MAGIC + 1, 0x07, struct fastipc_stats),
		_IO('x', 0),
	};
	/* Known numbers with the wrong direction, on a bound handle. */
	const unsigned long wrongdir[] = {
		_IOR(FASTIPC_IOC_MAGIC, 0x02, struct fastipc_send),
		_IO(FASTIPC_IOC_MAGIC, 0x03),
		_IOW(FASTIPC_IOC_MAGIC, 0x06, struct fastipc_info),
		_IOR(FASTIPC_IOC_MAGIC, 0x08, struct fastipc_attr),
		_IOW(FASTIPC_IOC_MAGIC, 0x09, struct fastipc_recv_vec),
		_IOWR(FASTIPC_IOC_MAGIC, 0x0a, struct fastipc_busy_poll),
		_IOWR(FASTIPC_IOC_MAGIC, 0x0b, struct fastipc_features),
		_IOW(FASTIPC_IOC_MAGIC, 0x0c, struct fastipc_call),
		_IOWR(FASTIPC_IOC_MAGIC, 0x0d, struct fastipc_reply),
		_IOW(FASTIPC_IOC_MAGIC, 0x0e, struct fastipc_reply_recv),
	};

	ASSERT_LE(0, unbound);
	fipc_name(name, "ioctl");
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	for (i = 0; i < (int)(sizeof(cmds) / sizeof(cmds[0])); i++) {
		ASSERT_EQ(-ENOTTY, fipc_ioctl(fd, cmds[i], buf))
			TH_LOG("cmd %#lx on a bound handle", cmds[i]);
		ASSERT_EQ(-ENOTTY, fipc_ioctl(unbound, cmds[i], buf))
			TH_LOG("cmd %#lx on an unbound file", cmds[i]);
	}
	for (i = 0; i < (int)(sizeof(wrongdir) / sizeof(wrongdir[0])); i++) {
		unsigned long cmd = wrongdir[i];

		ASSERT_EQ(-ENOTTY, fipc_ioctl(fd, cmd, buf))
			TH_LOG("cmd %#lx (wrong direction)", cmd);
	}
	/* Not a terminal. */
	ASSERT_NE(0, tcgetattr(fd, &tio));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(0, isatty(fd));
	close(fd);
	close(unbound);
	ASSERT_EQ(0, fipc_unlink(name));
}

/* ---- bad pointers -------------------------------------------------------------- */

TEST_F(chan, bad_pointers_efault)
{
	void *bad = bad_page();
	void *ptrs[] = { NULL, (void *)8, bad };
	struct fastipc_info info;
	int unbound = fipc_dev();
	unsigned int i;

	ASSERT_NE(NULL, bad);
	ASSERT_LE(0, unbound);
	ASSERT_EQ(0, fipc_send(self->fd, "kept", 4, 0, 0, -1));
	for (i = 0; i < 3; i++) {
		void *p = ptrs[i];

		ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_OPEN, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_UNLINK, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_STATS, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_SEND, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_RECV, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_ALLOC, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_BUF_FREE, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_INFO, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_STATS, p));
		ASSERT_EQ(-EFAULT, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, p));
	}
	/* Nothing changed. */
	ASSERT_EQ(-EBADFD, fipc_info(unbound, &info));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(1, info.queued_msgs);
	ASSERT_EQ(1, info.sent_msgs);
	ASSERT_EQ(self->attr.max_msgs, info.attr.max_msgs);

	/* A send whose data pointer is bad. */
	ASSERT_EQ(-EFAULT, fipc_send(self->fd, bad, 16, 0, 0, -1));
	ASSERT_EQ(-EFAULT, fipc_send(self->fd, NULL, 16, 0, 0, -1));
	ASSERT_EQ(1, queued_msgs(self->fd));
	close(unbound);
	munmap(bad, 4096);
}

/* OPEN reads its structure, then cannot write the result back. */
TEST_F(chan, open_readonly_arg)
{
	const char *n = extra_name(self, "roarg");
	struct fastipc_info info;
	struct fastipc_open *op;
	int fd = fipc_dev();

	ASSERT_LE(0, fd);
	op = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, op);
	strcpy(op->name, n);
	op->flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT;
	op->mode = 0600;
	ASSERT_EQ(0, mprotect(op, 4096, PROT_READ));
	ASSERT_EQ(-EFAULT, fipc_ioctl(fd, FASTIPC_IOC_OPEN, op));
	/* The file stays unbound and can be bound afterwards. */
	ASSERT_EQ(-EBADFD, fipc_info(fd, &info));
	ASSERT_EQ(0, fipc_bind(fd, n, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
			       NULL));
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0, strcmp(info.name, n));
	ASSERT_EQ(1, info.handles);
	close(fd);
	munmap(op, 4096);
}

/* ---- limits -------------------------------------------------------------------- */

TEST_F(chan, limits_defaults_written_back)
{
	const char *n = extra_name(self, "defaults");
	struct fastipc_attr attr = {};
	struct fastipc_info info;
	int fd;

	fd = fipc_create(n, &attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(fipc_param("default_max_msgs", FIPC_DEF_MAX_MSGS), attr.max_msgs);
	ASSERT_EQ(fipc_param("default_max_bytes", FIPC_DEF_MAX_BYTES), attr.max_bytes);
	ASSERT_EQ(fipc_param("max_msg_size", FIPC_DEF_MAX_MSG_SIZE), attr.max_msg_size);
	ASSERT_EQ(fipc_param("zc_threshold", FIPC_DEF_ZC_THRESHOLD), attr.zc_threshold);
	ASSERT_EQ(0, attr.__pad);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0, memcmp(&attr, &info.attr, sizeof(attr)));
	close(fd);
}

TEST_F(chan, limits_given_are_kept)
{
	const char *n = extra_name(self, "given");
	struct fastipc_attr attr = {
		.max_msgs = 7,
		.max_bytes = 12345,
		.max_msg_size = 1000,
		.zc_threshold = 5000,
	};
	struct fastipc_attr want = attr;
	struct fastipc_info info;
	int fd;

	fd = fipc_create(n, &attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, memcmp(&want, &attr, sizeof(attr)));
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(0, memcmp(&want, &info.attr, sizeof(want)));
	/* Only some fields given: the others take the defaults. */
	close(fd);
	n = extra_name(self, "given");
	memset(&attr, 0, sizeof(attr));
	attr.max_msgs = 3;
	fd = fipc_create(n, &attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, attr.max_msgs);
	ASSERT_EQ(fipc_param("default_max_bytes", FIPC_DEF_MAX_BYTES), attr.max_bytes);
	close(fd);
}

TEST_F(chan, limits_out_of_range)
{
	unsigned long long msgs_limit =
		fipc_param("max_msgs_limit", FIPC_DEF_MAX_MSGS_LIMIT);
	unsigned long long bytes_limit =
		fipc_param("max_bytes_limit", FIPC_DEF_MAX_BYTES_LIMIT);
	unsigned long long msg_size = fipc_param("max_msg_size",
						 FIPC_DEF_MAX_MSG_SIZE);
	struct fastipc_attr attr;
	const char *n = extra_name(self, "range");
	unsigned int i;
	int fd;

	if (msg_size > FASTIPC_MSG_SIZE_LIMIT)
		msg_size = FASTIPC_MSG_SIZE_LIMIT;
	for (i = 0; i < 5; i++) {
		memset(&attr, 0, sizeof(attr));
		switch (i) {
		case 0: attr.max_msgs = msgs_limit + 1; break;
		case 1: attr.max_bytes = bytes_limit + 1; break;
		case 2: attr.max_msg_size = msg_size + 1; break;
		case 3: attr.max_msg_size = FASTIPC_MSG_SIZE_LIMIT + 1; break;
		case 4: attr.max_msgs = 0xffffffffU; break;
		}
		ASSERT_EQ(-EINVAL, fipc_open(n, FASTIPC_O_RDWR | FASTIPC_O_CREAT,
					     0600, &attr))
			TH_LOG("case %u", i);
	}
	ASSERT_EQ(-ENOENT, fipc_open(n, FASTIPC_O_RDWR, 0, NULL));

	/* The limits themselves are allowed. */
	memset(&attr, 0, sizeof(attr));
	attr.max_msgs = msgs_limit;
	attr.max_bytes = bytes_limit;
	attr.max_msg_size = msg_size;
	fd = fipc_create(n, &attr);
	ASSERT_LE(0, fd) TH_LOG("limits at the maximum: %s", strerror(-fd));
	ASSERT_EQ(msgs_limit, attr.max_msgs);
	ASSERT_EQ(bytes_limit, attr.max_bytes);
	ASSERT_EQ(msg_size, attr.max_msg_size);
	close(fd);
}

/* ---- SET_ATTR -------------------------------------------------------------------- */

TEST_F(chan, set_attr_owner)
{
	struct fastipc_attr attr = { .max_msgs = 3 };
	struct fastipc_info info;

	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(3, info.attr.max_msgs);
	/* Zero fields kept their values. */
	ASSERT_EQ(self->attr.max_bytes, info.attr.max_bytes);
	ASSERT_EQ(self->attr.max_msg_size, info.attr.max_msg_size);
	ASSERT_EQ(self->attr.zc_threshold, info.attr.zc_threshold);

	memset(&attr, 0, sizeof(attr));
	attr.max_bytes = 100000;
	attr.max_msg_size = 5000;
	attr.zc_threshold = 4096;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(3, info.attr.max_msgs);
	ASSERT_EQ(100000, info.attr.max_bytes);
	ASSERT_EQ(5000, info.attr.max_msg_size);
	ASSERT_EQ(4096, info.attr.zc_threshold);

	/* The new limits apply. */
	{
		static char big[5001];

		ASSERT_EQ(-EMSGSIZE, fipc_send(self->fd, big, 5001, 0, 0, -1));
		ASSERT_EQ(0, fipc_send(self->fd, big, 5000, 0, 0, -1));
	}

	/* Out of range: EINVAL, nothing changed. */
	memset(&attr, 0, sizeof(attr));
	attr.max_msgs = fipc_param("max_msgs_limit", FIPC_DEF_MAX_MSGS_LIMIT) + 1;
	attr.max_bytes = 4096;
	ASSERT_EQ(-EINVAL, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(3, info.attr.max_msgs);
	ASSERT_EQ(100000, info.attr.max_bytes);

	/* Another handle of the same channel sees it. */
	{
		int fd2 = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);

		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, fipc_info(fd2, &info));
		ASSERT_EQ(3, info.attr.max_msgs);
		close(fd2);
	}
}

TEST_F(chan, set_attr_below_queue)
{
	struct fastipc_attr attr = { .max_msgs = 2 };
	char buf[8];
	uint64_t len;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_send(self->fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	/* Lower than what is queued: allowed; nothing is dropped. */
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(3, queued_msgs(self->fd));
	ASSERT_EQ(-EAGAIN, fipc_send(self->fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	/* Two queued, limit two: still full. */
	ASSERT_EQ(-EAGAIN, fipc_send(self->fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(0, fipc_send(self->fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(self->fd, "m", 1, 0, FASTIPC_NONBLOCK, -1));
}

struct blocked_send {
	int fd;
	int err;
	volatile int done;
};

static void *blocked_send_fn(void *arg)
{
	struct blocked_send *bs = arg;

	bs->err = fipc_send(bs->fd, "late", 4, 0, 0, 10000 * FIPC_MS);
	__atomic_store_n(&bs->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Raising a limit lets a waiting sender in. */
TEST_F(chan, set_attr_raise_wakes_sender)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	struct blocked_send bs = { .fd = self->fd };
	pthread_t t;

	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_send(self->fd, "first", 5, 0, 0, -1));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_send_fn, &bs));
	fipc_sleep_ms(300);
	ASSERT_EQ(0, __atomic_load_n(&bs.done, __ATOMIC_SEQ_CST))
		TH_LOG("the send did not wait on a full channel");
	attr.max_msgs = 2;
	ASSERT_EQ(0, fipc_ioctl(self->fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, bs.err) TH_LOG("send: %s", strerror(-bs.err));
	ASSERT_EQ(2, queued_msgs(self->fd));
}

/* ---- INFO -------------------------------------------------------------------------- */

TEST_F(chan, info_fields)
{
	struct fastipc_info info;
	int rfd, sfd;

	rfd = fipc_open(self->name, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, rfd);
	sfd = fipc_open(self->name, FASTIPC_O_SEND, 0, NULL);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, fipc_send(sfd, "0123456789", 10, 1, 0, -1));
	ASSERT_EQ(0, fipc_send(sfd, "01234567890123456789", 20, 4, 0, -1));

	ASSERT_EQ(0, fipc_info(self->fd, &info));
	ASSERT_EQ(0, strcmp(info.name, self->name));
	ASSERT_NE(0, info.id);
	ASSERT_EQ(geteuid(), info.uid);
	ASSERT_EQ(getegid(), info.gid);
	ASSERT_EQ(0600, info.mode);
	ASSERT_EQ(FASTIPC_O_RDWR, info.handle_flags);
	ASSERT_EQ(0, memcmp(&self->attr, &info.attr, sizeof(info.attr)));
	ASSERT_EQ(2, info.queued_msgs);
	ASSERT_EQ(30, info.queued_bytes);
	ASSERT_EQ(2, info.sent_msgs);
	ASSERT_EQ(30, info.sent_bytes);
	ASSERT_EQ(0, info.recv_msgs);
	ASSERT_EQ(0, info.recv_bytes);
	ASSERT_EQ(0, info.page_msgs);
	ASSERT_EQ(30, info.copied_bytes);
	ASSERT_EQ(0, info.mapped_pages);
	ASSERT_EQ(0, info.window_size);
	ASSERT_EQ(0, info.window_pages);
	ASSERT_EQ(3, info.handles);
	/* A receiving handle starts with the module's adaptive poll. */
	ASSERT_EQ(fipc_param("busy_poll_us", 200), info.busy_poll_us);
	ASSERT_EQ(info.busy_poll_us ? FASTIPC_BUSY_POLL_ADAPTIVE : 0,
		  info.busy_poll_flags);
	ASSERT_EQ(0, info.busy_poll_window_ns);
	ASSERT_EQ(0, info.busy_polls);
	ASSERT_EQ(0, info.busy_poll_hits);
	/* A queue: no topic fields. */
	ASSERT_EQ(0, info.topic_flags);
	ASSERT_EQ(0, info.history);
	ASSERT_EQ(0, info.subscribers);
	ASSERT_EQ(0, info.__pad);
	ASSERT_EQ(0, info.sub_backlog);
	ASSERT_EQ(0, info.sub_drops);
	ASSERT_EQ(0, info.sub_received);

	ASSERT_EQ(0, fipc_info(rfd, &info));
	ASSERT_EQ(FASTIPC_O_RECV, info.handle_flags);
	ASSERT_EQ(0, fipc_info(sfd, &info));
	ASSERT_EQ(FASTIPC_O_SEND, info.handle_flags);
	ASSERT_EQ(0, info.busy_poll_us);	/* never receives */
	ASSERT_EQ(0, info.busy_poll_flags);
	close(rfd);
	ASSERT_EQ(0, fipc_info(sfd, &info));
	ASSERT_EQ(2, info.handles);
	close(sfd);
}

/* ---- another user ------------------------------------------------------------------- */

static void become_nobody(bool root_group)
{
	gid_t g = 0;

	FIPC_CHILD_CHECK(setgroups(root_group ? 1 : 0, &g) == 0);
	FIPC_CHILD_CHECK(setresgid(NOBODY, NOBODY, NOBODY) == 0);
	FIPC_CHILD_CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0);
}

struct perm_names {
	char m0600[FASTIPC_NAME_LEN];
	char m0666[FASTIPC_NAME_LEN];
	char m0644[FASTIPC_NAME_LEN];
	char m0622[FASTIPC_NAME_LEN];
	char m0060[FASTIPC_NAME_LEN];
	char m0606[FASTIPC_NAME_LEN];
	char own[FASTIPC_NAME_LEN];
	char own2[FASTIPC_NAME_LEN];
};

static void perm_other_child(const struct perm_names *pn, int inherited)
{
	struct fastipc_attr attr = { .max_msgs = 9 };
	struct fastipc_info info;
	char buf[16];
	uint64_t len;
	int fd;

	become_nobody(false);

	/* 0600: no access at all. */
	FIPC_CHILD_CHECK(fipc_open(pn->m0600, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	FIPC_CHILD_CHECK(fipc_open(pn->m0600, FASTIPC_O_SEND, 0, NULL) == -EACCES);
	FIPC_CHILD_CHECK(fipc_open(pn->m0600, FASTIPC_O_RDWR, 0, NULL) == -EACCES);
	/* CREAT on an existing channel still checks. */
	FIPC_CHILD_CHECK(fipc_open(pn->m0600, FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				   0666, NULL) == -EACCES);

	/* 0666: everything but admin. */
	fd = fipc_open(pn->m0666, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "nobody", 6, 0, 0, -1) == 0);
	len = sizeof(buf);
	FIPC_CHILD_CHECK(fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == 0);
	FIPC_CHILD_CHECK(len == 6 && !memcmp(buf, "nobody", 6));
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.uid == 0 && info.gid == 0 && info.mode == 0666);
	FIPC_CHILD_CHECK(fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr) == -EPERM);
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.attr.max_msgs != 9);
	FIPC_CHILD_CHECK(fipc_unlink(pn->m0666) == -EPERM);
	close(fd);
	FIPC_CHILD_CHECK((fd = fipc_open(pn->m0666, FASTIPC_O_RDWR, 0, NULL)) >= 0);
	close(fd);

	/* 0644: receive only. */
	FIPC_CHILD_CHECK(fipc_open(pn->m0644, FASTIPC_O_SEND, 0, NULL) == -EACCES);
	FIPC_CHILD_CHECK(fipc_open(pn->m0644, FASTIPC_O_RDWR, 0, NULL) == -EACCES);
	fd = fipc_open(pn->m0644, FASTIPC_O_RECV, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "x", 1, 0, 0, -1) == -EBADF);
	len = sizeof(buf);
	FIPC_CHILD_CHECK(fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == 0);
	FIPC_CHILD_CHECK(len == 4 && !memcmp(buf, "root", 4));
	close(fd);

	/* 0622: send only. */
	FIPC_CHILD_CHECK(fipc_open(pn->m0622, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	fd = fipc_open(pn->m0622, FASTIPC_O_SEND, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	len = sizeof(buf);
	FIPC_CHILD_CHECK(fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1) == -EBADF);
	FIPC_CHILD_CHECK(fipc_send(fd, "to-root", 7, 0, 0, -1) == 0);
	close(fd);

	/* 0060 and 0606: not in the group, so the "other" bits decide. */
	FIPC_CHILD_CHECK(fipc_open(pn->m0060, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	fd = fipc_open(pn->m0606, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	close(fd);

	/* The access of a handle is fixed when it is opened (as root here). */
	FIPC_CHILD_CHECK(fipc_send(inherited, "via-root-fd", 11, 0, 0, -1) == 0);

	/* Its own channel: mode 0066 locks the owner out, but it may unlink. */
	fd = fipc_open(pn->own, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0066, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.uid == NOBODY && info.gid == NOBODY);
	attr.max_msgs = 9;
	FIPC_CHILD_CHECK(fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr) == 0);
	close(fd);
	FIPC_CHILD_CHECK(fipc_open(pn->own, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	FIPC_CHILD_CHECK(fipc_unlink(pn->own) == 0);

	/* One left for root to find. */
	fd = fipc_open(pn->own2, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	close(fd);
	_exit(0);
}

TEST_F(chan, permissions_other_user)
{
	struct perm_names pn;
	struct fastipc_attr attr = { .max_msgs = 4 };
	struct fastipc_info info;
	char buf[16];
	uint64_t len;
	int fds[6], fd, status, i;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change user");

	fipc_name(pn.m0600, "p0600");
	fipc_name(pn.m0666, "p0666");
	fipc_name(pn.m0644, "p0644");
	fipc_name(pn.m0622, "p0622");
	fipc_name(pn.m0060, "p0060");
	fipc_name(pn.m0606, "p0606");
	fipc_name(pn.own, "pown");
	fipc_name(pn.own2, "pown2");
	strcpy(self->extra[self->nextra++], pn.m0600);
	strcpy(self->extra[self->nextra++], pn.m0666);
	strcpy(self->extra[self->nextra++], pn.m0644);
	strcpy(self->extra[self->nextra++], pn.m0622);
	strcpy(self->extra[self->nextra++], pn.m0060);
	strcpy(self->extra[self->nextra++], pn.m0606);
	strcpy(self->extra[self->nextra++], pn.own);
	strcpy(self->extra[self->nextra++], pn.own2);

	fds[0] = fipc_open(pn.m0600, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
	fds[1] = fipc_open(pn.m0666, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0666, NULL);
	fds[2] = fipc_open(pn.m0644, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0644, NULL);
	fds[3] = fipc_open(pn.m0622, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0622, NULL);
	fds[4] = fipc_open(pn.m0060, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0060, NULL);
	fds[5] = fipc_open(pn.m0606, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0606, NULL);
	for (i = 0; i < 6; i++)
		ASSERT_LE(0, fds[i]);
	ASSERT_EQ(0, fipc_send(fds[2], "root", 4, 0, 0, -1));

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		perm_other_child(&pn, self->fd);
	status = fipc_wait_child(pid);
	ASSERT_EQ(0, status) TH_LOG("the child failed (see its message)");

	/* What the child did is visible. */
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(fds[3], buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(7, len);
	len = sizeof(buf);
	ASSERT_EQ(0, fipc_recv(self->fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(11, len);
	fd = fipc_open(pn.m0666, FASTIPC_O_RDWR, 0, NULL);	/* not unlinked */
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(-ENOENT, fipc_open(pn.own, FASTIPC_O_RDWR, 0, NULL));

	/* Root (CAP_IPC_OWNER, CAP_SYS_ADMIN) may use and unlink nobody's channel. */
	fd = fipc_open(pn.own2, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(NOBODY, info.uid);
	ASSERT_EQ(0600, info.mode);
	ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &attr));
	ASSERT_EQ(0, fipc_unlink(pn.own2));
	close(fd);

	for (i = 0; i < 6; i++)
		close(fds[i]);
}

static void perm_group_child(const char *m0060, const char *m0600,
			     const char *m0606)
{
	int fd;

	become_nobody(true);	/* a supplementary member of group 0 */
	fd = fipc_open(m0060, FASTIPC_O_RDWR, 0, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "grp", 3, 0, 0, -1) == 0);
	close(fd);
	FIPC_CHILD_CHECK(fipc_open(m0600, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	/* In the group: the group bits decide, not the "other" bits. */
	FIPC_CHILD_CHECK(fipc_open(m0606, FASTIPC_O_RECV, 0, NULL) == -EACCES);
	_exit(0);
}

TEST_F(chan, permissions_group)
{
	const char *a = extra_name(self, "g0060");
	const char *b = extra_name(self, "g0600");
	const char *c = extra_name(self, "g0606");
	int fa, fb, fc;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change user");
	fa = fipc_open(a, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0060, NULL);
	fb = fipc_open(b, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
	fc = fipc_open(c, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0606, NULL);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_LE(0, fc);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		perm_group_child(a, b, c);
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(1, queued_msgs(fa));
	close(fa);
	close(fb);
	close(fc);
}

/* max_user_channels: channels that exist per creating user. */
#define QUOTA_UID	61234

static void user_limit_child(int go, char names[5][FASTIPC_NAME_LEN])
{
	char c;
	int i, fd;

	FIPC_CHILD_CHECK(fipc_become(QUOTA_UID, QUOTA_UID) == 0);
	FIPC_CHILD_CHECK(read(go, &c, 1) == 1);
	for (i = 0; i < 4; i++) {
		fd = fipc_open(names[i], FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
			       NULL);
		if (i < 3) {
			FIPC_CHILD_CHECK(fd >= 0);
			close(fd);	/* named, no handle: still counted */
		} else {
			FIPC_CHILD_CHECK(fd == -ENOSPC);
		}
	}
	/* Opening an existing channel is no creation. */
	fd = fipc_open(names[0], FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	/* Unlinked but still open: it still exists, and still counts. */
	FIPC_CHILD_CHECK(fipc_unlink(names[0]) == 0);
	FIPC_CHILD_CHECK(fipc_open(names[3], FASTIPC_O_RDWR | FASTIPC_O_CREAT,
				   0600, NULL) == -ENOSPC);
	close(fd);
	/* Gone: room for one more. */
	fd = fipc_open(names[3], FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	close(fd);
	for (i = 1; i < 4; i++)
		FIPC_CHILD_CHECK(fipc_unlink(names[i]) == 0);
	_exit(0);
}

TEST_F(chan, user_channel_limit)
{
	unsigned long long orig = fipc_param("max_user_channels", 0);
	char names[5][FASTIPC_NAME_LEN];
	int pipefd[2], status, i;
	FILE *f;
	pid_t pid;

	if (geteuid() != 0 || !orig)
		SKIP(return, "needs root and /sys/module/fastipc/parameters/max_user_channels");
	for (i = 0; i < 4; i++) {
		fipc_name(names[i], "quota");
		strcpy(self->extra[self->nextra++], names[i]);
	}
	ASSERT_EQ(0, pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		user_limit_child(pipefd[0], names);
	/* Another user's count, so root's own channels do not matter. */
	f = fopen("/sys/module/fastipc/parameters/max_user_channels", "w");
	if (f) {
		fprintf(f, "3\n");
		if (fclose(f))
			f = NULL;
	}
	ASSERT_EQ(1, write(pipefd[1], "g", 1));
	status = fipc_wait_child(pid);
	f = fopen("/sys/module/fastipc/parameters/max_user_channels", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%llu\n", orig);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, status);
	ASSERT_EQ(orig, fipc_param("max_user_channels", 0));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- network namespaces ----------------------------------------------------------- */

static void netns_isolation_child(const char *name, uint64_t parent_id)
{
	struct fastipc_info info;
	struct fastipc_stats st;
	int fd, fd2;

	if (unshare(CLONE_NEWNET))
		_exit(FIPC_CHILD_SKIP);
	/* The parent's channel is not visible here. */
	FIPC_CHILD_CHECK(fipc_open(name, FASTIPC_O_RDWR, 0, NULL) == -ENOENT);
	FIPC_CHILD_CHECK(fipc_unlink(name) == -ENOENT);
	/* The same name can be created independently. */
	fd = fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_info(fd, &info) == 0);
	FIPC_CHILD_CHECK(info.id != parent_id);
	FIPC_CHILD_CHECK(info.queued_msgs == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "child", 5, 0, 0, -1) == 0);
	fd2 = fipc_open(name, FASTIPC_O_RECV, 0, NULL);
	FIPC_CHILD_CHECK(fd2 >= 0);
	FIPC_CHILD_CHECK(fipc_info(fd2, &info) == 0);
	FIPC_CHILD_CHECK(info.queued_msgs == 1);
	close(fd2);
	/* STATS is module-wide. */
	FIPC_CHILD_CHECK(fipc_stats(&st) == 0 && st.channels >= 2);
	FIPC_CHILD_CHECK(fipc_unlink(name) == 0);
	FIPC_CHILD_CHECK(fipc_unlink(name) == -ENOENT);
	close(fd);
	_exit(0);
}

TEST_F(chan, netns_isolation)
{
	struct fastipc_info info;
	int status, fd;
	pid_t pid;

	ASSERT_EQ(0, fipc_send(self->fd, "parent", 6, 0, 0, -1));
	ASSERT_EQ(0, fipc_info(self->fd, &info));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		netns_isolation_child(self->name, info.id);
	status = fipc_wait_child(pid);
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "cannot unshare the network namespace");
	ASSERT_EQ(0, status);

	/* The parent's channel is untouched: its name, its one message. */
	fd = fipc_open(self->name, FASTIPC_O_RDWR, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(1, info.queued_msgs);
	ASSERT_EQ(6, info.queued_bytes);
	close(fd);
}

static void netns_teardown_child(int sock, const char *name)
{
	int fd, fd2, fd3;
	char c;

	if (unshare(CLONE_NEWNET))
		_exit(FIPC_CHILD_SKIP);
	fd = fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "doomed", 6, 5, 0, -1) == 0);
	FIPC_CHILD_CHECK(fipc_send(fd, "doomed2", 7, 5, 0, -1) == 0);
	/* A second channel with only its name. */
	fd2 = fipc_open("kst-netns-named", FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			FASTIPC_O_EXCL, 0600, NULL);
	FIPC_CHILD_CHECK(fd2 >= 0);
	FIPC_CHILD_CHECK(fipc_send(fd2, "named", 5, 0, 0, -1) == 0);
	close(fd2);
	/* A third, empty, for a receiver to block on. */
	fd3 = fipc_open("kst-netns-empty", FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			FASTIPC_O_EXCL, 0600, NULL);
	FIPC_CHILD_CHECK(fd3 >= 0);
	FIPC_CHILD_CHECK(fipc_send_fd(sock, fd) == 0);
	FIPC_CHILD_CHECK(fipc_send_fd(sock, fd3) == 0);
	/* Exit (and take the namespace along) when the parent says so. */
	FIPC_CHILD_CHECK(read(sock, &c, 1) == 1);
	_exit(0);
}

struct eidrm_waiter {
	int fd;
	int err;
	pid_t tid;
};

static void *eidrm_waiter_fn(void *arg)
{
	struct eidrm_waiter *w = arg;
	char buf[16];
	uint64_t len = sizeof(buf);

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_SEQ_CST);
	w->err = fipc_recv(w->fd, buf, &len, NULL, 0, 60000 * FIPC_MS);
	return NULL;
}

/* Wait until thread @tid of this process sleeps (blocked in the call). */
static bool thread_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = 0;

		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return true;
		fipc_sleep_ms(10);
	}
	return false;
}

TEST_F_TIMEOUT(chan, netns_teardown, 90)
{
	struct fastipc_stats st0, st;
	struct fastipc_info info;
	struct eidrm_waiter w = {};
	struct pollfd pfd;
	char buf[16];
	uint64_t len;
	int sv[2], status, fd, err = 0;
	int64_t deadline;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, fipc_stats(&st0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		netns_teardown_child(sv[1], self->name);
	}
	close(sv[1]);
	fd = fipc_recv_fd(sv[0]);
	w.fd = fipc_recv_fd(sv[0]);
	if (fd < 0) {
		status = fipc_wait_child(pid);
		if (status == FIPC_CHILD_SKIP)
			SKIP(return, "cannot unshare the network namespace");
		ASSERT_EQ(0, status);
	}
	ASSERT_LE(0, fd);
	ASSERT_LE(0, w.fd);
	ASSERT_EQ(0, fipc_info(fd, &info));
	ASSERT_EQ(2, info.queued_msgs);

	/* A receiver blocked on a channel of the namespace... */
	ASSERT_EQ(0, pthread_create(&t, NULL, eidrm_waiter_fn, &w));
	while (!__atomic_load_n(&w.tid, __ATOMIC_SEQ_CST))
		fipc_sleep_ms(1);
	ASSERT_TRUE(thread_sleeping(w.tid));
	/* ...when the namespace goes away. */
	ASSERT_EQ(1, write(sv[0], "x", 1));
	status = fipc_wait_child(pid);
	ASSERT_EQ(0, status);
	close(sv[0]);

	/*
	 * The namespace is freed asynchronously (cleanup_net runs from a
	 * workqueue): wait for the handle to report EIDRM.
	 */
	deadline = fipc_now_ns() + 60000 * FIPC_MS;
	while (fipc_now_ns() < deadline) {
		err = fipc_info(fd, &info);
		if (err)
			break;
		fipc_sleep_ms(50);
	}
	ASSERT_EQ(-EIDRM, err) TH_LOG("the handle never saw its namespace go");
	/* The blocked receiver was woken with EIDRM. */
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EIDRM, w.err) TH_LOG("blocked receive: %s", strerror(-w.err));
	close(w.fd);

	ASSERT_EQ(-EIDRM, fipc_send(fd, "x", 1, 0, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(-EIDRM, fipc_recv(fd, buf, &len, NULL, FASTIPC_NONBLOCK, -1));
	len = sizeof(buf);
	ASSERT_EQ(-EIDRM, fipc_recv(fd, buf, &len, NULL, 0, -1));
	/* read(2) and write(2) likewise, and without waiting. */
	ASSERT_EQ(-1, write(fd, "x", 1));
	ASSERT_EQ(EIDRM, errno);
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(EIDRM, errno);
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(POLLERR | POLLHUP, pfd.revents & (POLLERR | POLLHUP));
	ASSERT_EQ(0, pfd.revents & (POLLIN | POLLOUT));

	/*
	 * Both channels' queues are gone; the named one is gone entirely
	 * (the namespace's channels die one after the other: wait a little).
	 */
	deadline = fipc_now_ns() + 10000 * FIPC_MS;
	do {
		ASSERT_EQ(0, fipc_stats(&st));
		if (st.channels == st0.channels + 1 &&
		    st.bytes_queued == st0.bytes_queued)
			break;
		fipc_sleep_ms(50);
	} while (fipc_now_ns() < deadline);
	ASSERT_EQ(st0.channels + 1, st.channels);
	ASSERT_EQ(st0.bytes_queued, st.bytes_queued);
	ASSERT_EQ(st0.handles + 1, st.handles);
	close(fd);
	ASSERT_EQ(0, fipc_stats(&st));
	ASSERT_EQ(st0.channels, st.channels);
	ASSERT_EQ(st0.handles, st.handles);
	ASSERT_EQ(st0.pages_held, st.pages_held);

	/* Our own namespace is unaffected. */
	ASSERT_EQ(0, fipc_send(self->fd, "ok", 2, 0, 0, -1));
	ASSERT_EQ(1, queued_msgs(self->fd));
}

static void netns_limit_child(void)
{
	char names[4][FASTIPC_NAME_LEN];
	FILE *f;
	int i, fd;

	if (unshare(CLONE_NEWNET))
		_exit(FIPC_CHILD_SKIP);
	f = fopen("/sys/module/fastipc/parameters/max_channels", "w");
	if (!f)
		_exit(FIPC_CHILD_SKIP);
	FIPC_CHILD_CHECK(fprintf(f, "3\n") > 0);
	FIPC_CHILD_CHECK(fclose(f) == 0);
	for (i = 0; i < 4; i++) {
		fipc_name(names[i], "lim");
		fd = fipc_open(names[i], FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
			       NULL);
		if (i < 3) {
			FIPC_CHILD_CHECK(fd >= 0);
			close(fd);
		} else {
			FIPC_CHILD_CHECK(fd == -ENOSPC);
		}
	}
	/* Unlinking one makes room. */
	FIPC_CHILD_CHECK(fipc_unlink(names[0]) == 0);
	fd = fipc_open(names[3], FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600, NULL);
	FIPC_CHILD_CHECK(fd >= 0);
	close(fd);
	/* The rest go with the namespace. */
	_exit(0);
}

/* max_channels counts per namespace: tried in a fresh one. */
TEST_F(chan, netns_max_channels)
{
	unsigned long long orig = fipc_param("max_channels", 0);
	FILE *f;
	int status;
	pid_t pid;

	if (geteuid() != 0 || !orig)
		SKIP(return, "needs root and /sys/module/fastipc/parameters");
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		netns_limit_child();
	status = fipc_wait_child(pid);
	f = fopen("/sys/module/fastipc/parameters/max_channels", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%llu\n", orig);
	ASSERT_EQ(0, fclose(f));
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "cannot unshare the network namespace");
	ASSERT_EQ(0, status);
	ASSERT_EQ(orig, fipc_param("max_channels", 0));
}

FIPC_TEST_MAIN

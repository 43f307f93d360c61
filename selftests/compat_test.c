// SPDX-License-Identifier: GPL-2.0
/*
 * Library and module versions (Documentation/uapi.md, "Versions"): the
 * module's feature probe, and libfastipc on a module that has less than
 * it knows.  The module parameter hide_ioctls makes this module answer
 * some commands as an older one would (ENOTTY, and absent from the probe);
 * the library must then say -EOPNOTSUPP for what is missing, keep every
 * message, and go on working with what is there.
 */
#include "fastipc.h"
#include "adv_util.h"

#define BIG	(64 * 1024)
#define BIT_NR(cmd)	(1ULL << _IOC_NR(cmd))

/* Every command of this module (0x00 to 0x0e). */
#define ALL_IOCTLS	((1ULL << 0x0f) - 1)

/* The features struct of a newer module: 8 more bytes than ours. */
struct features_next {
	struct fastipc_features ft;
	uint64_t more;
};

#define FEATURES_NEXT	_IOR(FASTIPC_IOC_MAGIC, 0x0b, struct features_next)
#define FEATURES_SHORT	_IOC(_IOC_READ, FASTIPC_IOC_MAGIC, 0x0b, 32)
#define FEATURES_WRONGDIR _IOW(FASTIPC_IOC_MAGIC, 0x0b, struct fastipc_features)

static int probe(int fd, struct fastipc_features *ft)
{
	memset(ft, 0xa5, sizeof(*ft));
	return fipc_ioctl(fd, FASTIPC_IOC_FEATURES, ft);
}

TEST(probe_names_every_command_and_flag)
{
	struct features_next next;
	struct fastipc_features ft;
	char name[FASTIPC_NAME_LEN];
	int unbound = fipc_dev(), fd, i;

	ASSERT_LE(0, unbound);
	/* Before any channel is bound: the probe comes first. */
	ASSERT_EQ(0, probe(unbound, &ft));
	ASSERT_EQ(ALL_IOCTLS, ft.ioctls);
	ASSERT_EQ(FASTIPC_O_ALL, ft.open_flags);
	ASSERT_EQ(FASTIPC_SEND_ALL, ft.send_flags);
	ASSERT_EQ(FASTIPC_RECV_ALL, ft.recv_flags);
	ASSERT_EQ(FASTIPC_BUF_NOZERO, ft.buf_flags);
	ASSERT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, ft.busy_poll_flags);
	ASSERT_EQ(FASTIPC_CALL_ALL, ft.call_flags);
	ASSERT_EQ(FASTIPC_REPLY_ALL, ft.reply_flags);
	ASSERT_EQ(FASTIPC_FDS_MAX, ft.fds_max);
	ASSERT_EQ(FASTIPC_TOPIC_ALL, ft.topic_flags);
	ASSERT_EQ(0, ft.__pad);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, ft.__reserved[i]);

	/* The same on a bound handle. */
	fipc_name(name, "compat");
	fd = fipc_create(name, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, probe(fd, &ft));
	ASSERT_EQ(ALL_IOCTLS, ft.ioctls);

	/* A newer, longer struct: ours filled, the tail left as it was. */
	memset(&next, 0xa5, sizeof(next));
	ASSERT_EQ(0, fipc_ioctl(fd, FEATURES_NEXT, &next));
	ASSERT_EQ(ALL_IOCTLS, next.ft.ioctls);
	ASSERT_EQ(0, next.ft.__reserved[1]);
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, next.more);

	/* Shorter than the first version, wrong direction, bad pointer. */
	ASSERT_EQ(-EINVAL, fipc_ioctl(fd, FEATURES_SHORT, &ft));
	ASSERT_EQ(-ENOTTY, fipc_ioctl(fd, FEATURES_WRONGDIR, &ft));
	ASSERT_EQ(-EFAULT, fipc_ioctl(unbound, FASTIPC_IOC_FEATURES, NULL));
	close(fd);
	close(unbound);
	ASSERT_EQ(0, fipc_unlink(name));
}

FIXTURE(older) {
	char name[FASTIPC_NAME_LEN];
	struct adv_param hide;
	struct fastipc_chan *tx, *rx;
};

FIXTURE_SETUP(older)
{
	if (geteuid())
		SKIP(return, "needs root to set the module parameter hide_ioctls");
	fipc_name(self->name, "older");
}

FIXTURE_TEARDOWN(older)
{
	if (self->tx)
		fastipc_close(self->tx);
	if (self->rx)
		fastipc_close(self->rx);
	fastipc_unlink(self->name);
	EXPECT_EQ(0, adv_param_restore(&self->hide));
}

/* Open both ends with the library on a module that hides @hide. */
static int open_pair(FIXTURE_DATA(older) *self, unsigned long long hide)
{
	struct fastipc_attr attr = { .zc_threshold = 16 * 1024 };
	int err = adv_param_set(&self->hide, "hide_ioctls", hide);

	if (err)
		return err;
	err = fastipc_open(self->name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, 0600, &attr, &self->tx);
	if (err)
		return err;
	return fastipc_open(self->name, FASTIPC_O_RECV, 0, NULL, &self->rx);
}

/* One small (copied) and one big (zero-copy) message, there and back. */
static int round_trip(FIXTURE_DATA(older) *self)
{
	static char small[64], out[BIG];
	struct fastipc_msg msg;
	unsigned int prio;
	ssize_t n;
	void *buf;
	int err;

	fipc_fill(small, sizeof(small), 1);
	err = fastipc_send(self->tx, small, sizeof(small), 0, 0);
	if (err)
		return err;
	err = fastipc_buf_alloc(self->tx, BIG, &buf);
	if (err)
		return err;
	fipc_fill(buf, BIG, 2);
	err = fastipc_buf_send(self->tx, buf, BIG, 0, 0, -1);
	if (err)
		return err;
	n = fastipc_recv(self->rx, out, sizeof(out), &prio, FASTIPC_NONBLOCK);
	if (n != sizeof(small) || fipc_check(out, n, 1) != -1)
		return n < 0 ? (int)n : -EBADMSG;
	err = fastipc_recv_msg(self->rx, &msg, FASTIPC_NONBLOCK, -1);
	if (err)
		return err;
	if (msg.len != BIG || !(msg.flags & FASTIPC_MSG_MAPPED) ||
	    fipc_check(msg.data, BIG, 2) != -1)
		err = -EBADMSG;
	fastipc_msg_release(self->rx, &msg);
	return err;
}

/* The module answers like an older one: ENOTTY, and the probe says so. */
TEST_F(older, hidden_command_is_gone_from_the_probe)
{
	struct fastipc_features ft;
	struct fastipc_recv_vec rv = { .flags = FASTIPC_NONBLOCK };
	int fd;

	ASSERT_EQ(0, adv_param_set(&self->hide, "hide_ioctls",
				   BIT_NR(FASTIPC_IOC_RECV_VEC)));
	fd = fipc_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, probe(fd, &ft));
	ASSERT_EQ(ALL_IOCTLS & ~BIT_NR(FASTIPC_IOC_RECV_VEC), ft.ioctls);
	ASSERT_EQ(-ENOTTY, fipc_ioctl(fd, FASTIPC_IOC_RECV_VEC, &rv));
	ASSERT_EQ(0, adv_param_restore(&self->hide));
	ASSERT_EQ(0, probe(fd, &ft));
	ASSERT_EQ(ALL_IOCTLS, ft.ioctls);
	close(fd);
}

/*
 * A module without receive vectors and busy polling: the library says
 * -EOPNOTSUPP for those, without asking the module and without taking a
 * message, and everything else works.
 */
TEST_F(older, newer_library_says_eopnotsupp_for_what_is_missing)
{
	struct fastipc_rbuf rb;
	char buf[64], sent[64];
	unsigned int prio;

	ASSERT_EQ(0, open_pair(self, BIT_NR(FASTIPC_IOC_RECV_VEC) |
			       BIT_NR(FASTIPC_IOC_SET_BUSY_POLL)));
	fipc_fill(sent, sizeof(sent), 7);
	ASSERT_EQ(0, fastipc_send(self->tx, sent, sizeof(sent), 3, 0));
	rb = (struct fastipc_rbuf){ .buf = buf, .size = sizeof(buf) };
	ASSERT_EQ(-EOPNOTSUPP, fastipc_recv_vec(self->rx, &rb, 1,
						FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_set_busy_poll(self->rx, 50));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_set_busy_poll_adaptive(self->rx, 50));
	/* The message the vector did not take is still there. */
	ASSERT_EQ(sizeof(sent), fastipc_recv(self->rx, buf, sizeof(buf), &prio,
					     FASTIPC_NONBLOCK));
	ASSERT_EQ(3, prio);
	ASSERT_EQ(-1, fipc_check(buf, sizeof(buf), 7));
	ASSERT_EQ(0, round_trip(self));
}

/*
 * A module without the probe (0.4): the library assumes what 0.4 had,
 * which is everything but the probe, and all of it works.
 */
TEST_F(older, library_on_a_module_without_the_probe)
{
	struct fastipc_rbuf rb;
	char buf[64], sent[64];

	ASSERT_EQ(0, open_pair(self, BIT_NR(FASTIPC_IOC_FEATURES)));
	ASSERT_EQ(0, round_trip(self));
	ASSERT_EQ(0, fastipc_set_busy_poll(self->rx, 50));
	ASSERT_EQ(0, fastipc_set_busy_poll_adaptive(self->rx, 50));
	fipc_fill(sent, sizeof(sent), 9);
	ASSERT_EQ(0, fastipc_send(self->tx, sent, sizeof(sent), 0, 0));
	rb = (struct fastipc_rbuf){ .buf = buf, .size = sizeof(buf) };
	ASSERT_EQ(1, fastipc_recv_vec(self->rx, &rb, 1, FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(sizeof(sent), rb.len);
	ASSERT_EQ(-1, fipc_check(buf, sizeof(buf), 9));
	/* 0.4 had no hang-up, no request/reply, and no senders. */
	{
		struct fastipc_chan *h;

		ASSERT_EQ(-EOPNOTSUPP, fastipc_open(self->name, FASTIPC_O_RECV |
						    FASTIPC_O_HUP, 0, NULL,
						    &h));
	}
	ASSERT_EQ(-EOPNOTSUPP, fastipc_call(self->tx, "x", 1, 0, buf,
					    sizeof(buf), 0, -1));
	{
		struct fastipc_sender snd;
		struct fastipc_msg msg;

		ASSERT_EQ(0, fastipc_send(self->tx, sent, 8, 0, 0));
		ASSERT_EQ(-EOPNOTSUPP, fastipc_recv_from(self->rx, &msg, &snd,
							 FASTIPC_NONBLOCK, -1));
		ASSERT_EQ(-EOPNOTSUPP, fastipc_recv_vec_from(self->rx, &rb,
							     &snd, 1, 0, -1));
		ASSERT_EQ(8, fastipc_recv(self->rx, buf, sizeof(buf), NULL,
					  FASTIPC_NONBLOCK));
	}
}

/*
 * A module without request/reply (0.5): the library's calls for it say
 * -EOPNOTSUPP, asking nothing and taking nothing.
 */
TEST_F(older, no_calls_on_a_module_without_them)
{
	struct fastipc_msg msg;
	uint64_t token = 5;
	char buf[64];

	ASSERT_EQ(0, open_pair(self, BIT_NR(FASTIPC_IOC_CALL) |
			       BIT_NR(FASTIPC_IOC_REPLY) |
			       BIT_NR(FASTIPC_IOC_REPLY_RECV)));
	ASSERT_EQ(0, fastipc_send(self->tx, "kept", 4, 0, 0));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_call(self->tx, "x", 1, 0, buf,
					    sizeof(buf), 0, -1));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_call_msg(self->tx, buf, 1, 0, 0, &msg,
						-1));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_recv_request(self->rx, &msg, &token, NULL,
						    FASTIPC_NONBLOCK, -1));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_reply(self->rx, token, "x", 1, 0));
	ASSERT_EQ(-EOPNOTSUPP, fastipc_reply_recv(self->rx, &token, "x", 1, 0,
						  &msg, NULL, -1));
	ASSERT_EQ(5, token);
	ASSERT_EQ(4, fastipc_recv(self->rx, buf, sizeof(buf), NULL,
				  FASTIPC_NONBLOCK));
	ASSERT_EQ(0, round_trip(self));
}

TEST_HARNESS_MAIN

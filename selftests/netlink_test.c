// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: the "fastipc" generic netlink family.
 *
 * Raw genetlink over AF_NETLINK (no libnl), so that the test sees exactly
 * what the kernel sends: the family's registration (version, ops and
 * their flags, the "events" group), every command, the extended ack
 * messages, permissions for another user, policy checks on malformed
 * requests, a dump of thousands of channels over many messages, the
 * events in order, network namespace scoping, EIDRM on handles of a
 * deleted channel, and a topic's subscribers (each a nest).  Documentation/netlink.md is the contract.
 *
 * Runs as root in the test VM; the tests that change credentials or
 * namespaces skip when they cannot.
 */
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fipc_selftest.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NOBODY		65534
#define NL_RCVBUF	32768

/* ---- a minimal genetlink client ----------------------------------------- */

struct gnl {
	int fd;
	uint32_t seq;
	uint16_t family;
	uint32_t events_grp;
	uint32_t version;
	uint32_t maxattr;
	uint32_t op_flags[32];	/* CTRL_ATTR_OP_FLAGS by command */
	bool has_op[32];
	char extack[256];	/* NLMSGERR_ATTR_MSG of the last error */
	unsigned int batches;	/* datagrams that carried replies */
};

/* A request under construction; 4-byte aligned. */
struct req {
	uint32_t buf[1024];
};

static struct nlmsghdr *req_hdr(struct req *r)
{
	return (struct nlmsghdr *)r->buf;
}

static void req_init(struct req *r, uint16_t type, uint16_t flags,
		     uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = req_hdr(r);
	struct genlmsghdr *g;

	memset(r, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = version;
}

static void req_put(struct req *r, uint16_t type, const void *data,
		    size_t len)
{
	struct nlmsghdr *nlh = req_hdr(r);
	struct nlattr *a = (struct nlattr *)((char *)nlh +
					     NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(a->nla_len) - a->nla_len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void req_u32(struct req *r, uint16_t type, uint32_t v)
{
	req_put(r, type, &v, sizeof(v));
}

static void req_u64(struct req *r, uint16_t type, uint64_t v)
{
	req_put(r, type, &v, sizeof(v));
}

static void req_str(struct req *r, uint16_t type, const char *s)
{
	req_put(r, type, s, strlen(s) + 1);
}

/* A fastipc request for @cmd. */
static void freq(struct gnl *g, struct req *r, uint8_t cmd, uint16_t flags)
{
	req_init(r, g->family, flags, cmd, FASTIPC_GENL_VERSION);
}

static int gnl_send(struct gnl *g, struct req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = req_hdr(r);

	nlh->nlmsg_seq = ++g->seq;
	if (sendto(g->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* The attributes in @len bytes at @start, by type (up to @max). */
static void parse_attrs(const void *start, size_t len,
			const struct nlattr **tb, int max)
{
	const struct nlattr *a = start;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;
		size_t step = NLA_ALIGN(a->nla_len);

		if (type <= max)
			tb[type] = a;
		len -= step < len ? step : len;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

static void parse_genl(const struct nlmsghdr *nlh, const struct nlattr **tb,
		       int max)
{
	parse_attrs((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb, max);
}

static const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static int nla_plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint64_t nla_uint(const struct nlattr *a)
{
	uint32_t v32;
	uint64_t v64;

	if (nla_plen(a) == 4) {
		memcpy(&v32, nla_payload(a), 4);
		return v32;
	}
	memcpy(&v64, nla_payload(a), 8);
	return v64;
}

/* An error message: its errno, its extack message kept in g->extack. */
static int take_error(struct gnl *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
		if (off < nlh->nlmsg_len) {
			parse_attrs((const char *)nlh + off,
				    nlh->nlmsg_len - off, tb,
				    NLMSGERR_ATTR_MAX);
			if (tb[NLMSGERR_ATTR_MSG])
				snprintf(g->extack, sizeof(g->extack), "%.*s",
					 nla_plen(tb[NLMSGERR_ATTR_MSG]),
					 (const char *)nla_payload(
						 tb[NLMSGERR_ATTR_MSG]));
		}
	}
	return e->error;
}

typedef void (*reply_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Read the replies to the last request until its ack, error or the end
 * of its dump; @cb gets each data message.  0 or -errno.
 */
static int gnl_wait(struct gnl *g, reply_cb cb, void *arg)
{
	static char buf[NL_RCVBUF];

	g->extack[0] = '\0';
	g->batches = 0;
	for (;;) {
		ssize_t n = recv(g->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		bool data = false;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != g->seq)
				continue;	/* a late reply to an old one */
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return take_error(g, nlh);
			if (nlh->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(nlh);
			data = true;
			if (cb)
				cb(nlh, arg);
		}
		if (data)
			g->batches++;
	}
}

static int gnl_do(struct gnl *g, struct req *r, reply_cb cb, void *arg)
{
	int err = gnl_send(g, r);

	return err ? err : gnl_wait(g, cb, arg);
}

static void family_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *a, *grp[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *op[CTRL_ATTR_OP_MAX + 1];
	struct gnl *g = arg;
	int rem;

	parse_genl(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		g->family = *(const uint16_t *)nla_payload(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		g->version = (uint32_t)nla_uint(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_MAXATTR])
		g->maxattr = (uint32_t)nla_uint(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_OPS]) {
		a = nla_payload(tb[CTRL_ATTR_OPS]);
		for (rem = nla_plen(tb[CTRL_ATTR_OPS]); rem >= NLA_HDRLEN;
		     rem -= NLA_ALIGN(a->nla_len),
		     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			parse_attrs(nla_payload(a), nla_plen(a), op,
				    CTRL_ATTR_OP_MAX);
			if (op[CTRL_ATTR_OP_ID]) {
				uint32_t id = (uint32_t)nla_uint(op[CTRL_ATTR_OP_ID]);

				if (id < 32) {
					g->has_op[id] = true;
					g->op_flags[id] = op[CTRL_ATTR_OP_FLAGS] ?
						(uint32_t)nla_uint(op[CTRL_ATTR_OP_FLAGS]) : 0;
				}
			}
		}
	}
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		a = nla_payload(tb[CTRL_ATTR_MCAST_GROUPS]);
		for (rem = nla_plen(tb[CTRL_ATTR_MCAST_GROUPS]); rem >= NLA_HDRLEN;
		     rem -= NLA_ALIGN(a->nla_len),
		     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			parse_attrs(nla_payload(a), nla_plen(a), grp,
				    CTRL_ATTR_MCAST_GRP_MAX);
			if (grp[CTRL_ATTR_MCAST_GRP_NAME] && grp[CTRL_ATTR_MCAST_GRP_ID] &&
			    !strcmp(nla_payload(grp[CTRL_ATTR_MCAST_GRP_NAME]),
				    FASTIPC_GENL_MCGRP_EVENTS))
				g->events_grp = (uint32_t)nla_uint(grp[CTRL_ATTR_MCAST_GRP_ID]);
		}
	}
}

/* Open a socket and look the family up: 0, -ENOENT (no family), -errno. */
static int gnl_open(struct gnl *g)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, rcvbuf = 1 << 20;
	struct req r;
	int err;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -errno;
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(g->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(g->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one))) {
		err = -errno;
		close(g->fd);
		return err;
	}
	setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	g->seq = (uint32_t)time(NULL);

	req_init(&r, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	req_str(&r, CTRL_ATTR_FAMILY_NAME, FASTIPC_GENL_NAME);
	err = gnl_do(g, &r, family_reply, g);
	if (!err && !g->family)
		err = -ENOENT;
	if (err)
		close(g->fd);
	return err;
}

static void gnl_close(struct gnl *g)
{
	if (g->fd > 0)
		close(g->fd);
	g->fd = -1;
}

static int gnl_join_events(struct gnl *g)
{
	int grp = (int)g->events_grp;

	if (setsockopt(g->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return 0;
}

/* ---- channels as the family reports them -------------------------------- */

struct nlch {
	uint8_t cmd;			/* the message's genl command */
	char name[FASTIPC_NAME_LEN];
	uint64_t v[FASTIPC_A_MAX + 1];
	uint64_t present;		/* bit n: attribute n was there */
};

static void parse_ch(const struct nlmsghdr *nlh, struct nlch *ch)
{
	const struct nlattr *tb[FASTIPC_A_MAX + 1];
	int i;

	memset(ch, 0, sizeof(*ch));
	ch->cmd = ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
	parse_genl(nlh, tb, FASTIPC_A_MAX);
	for (i = 1; i <= FASTIPC_A_MAX; i++) {
		if (!tb[i])
			continue;
		ch->present |= 1ULL << i;
		if (i == FASTIPC_A_CH_NAME || i == FASTIPC_A_ST_VERSION)
			snprintf(ch->name, sizeof(ch->name), "%.*s",
				 nla_plen(tb[i]), (const char *)nla_payload(tb[i]));
		else if (nla_plen(tb[i]) == 4 || nla_plen(tb[i]) == 8)
			ch->v[i] = nla_uint(tb[i]);
	}
}

static void one_reply(const struct nlmsghdr *nlh, void *arg)
{
	parse_ch(nlh, arg);
}

/* CHANNEL_GET by name (NULL: none) and id (0: none). */
static int nl_get(struct gnl *g, const char *name, uint64_t id,
		  struct nlch *ch)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	if (name)
		req_str(&r, FASTIPC_A_CH_NAME, name);
	if (id)
		req_u64(&r, FASTIPC_A_CH_ID, id);
	memset(ch, 0, sizeof(*ch));
	return gnl_do(g, &r, one_reply, ch);
}

static int nl_del(struct gnl *g, const char *name)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CHANNEL_DEL, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	return gnl_do(g, &r, NULL, NULL);
}

/* CHANNEL_SET of one u32 or u64 limit. */
static int nl_set1(struct gnl *g, const char *name, uint16_t attr,
		   uint64_t v)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CHANNEL_SET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	if (attr == FASTIPC_A_CH_MAX_MSGS)
		req_u32(&r, attr, (uint32_t)v);
	else
		req_u64(&r, attr, v);
	return gnl_do(g, &r, NULL, NULL);
}

static int nl_stats(struct gnl *g, struct nlch *st)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_STATS_GET, 0);
	return gnl_do(g, &r, one_reply, st);
}

static int nl_config(struct gnl *g, struct nlch *cfg)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CONFIG_GET, 0);
	return gnl_do(g, &r, one_reply, cfg);
}

static bool cfg_is_u32(int attr)
{
	return attr == FASTIPC_A_CFG_DEFAULT_MAX_MSGS ||
	       attr == FASTIPC_A_CFG_MAX_MSGS_LIMIT ||
	       attr == FASTIPC_A_CFG_MAX_CHANNELS ||
	       attr == FASTIPC_A_CFG_MAX_USER_CHANNELS ||
	       attr == FASTIPC_A_CFG_BUSY_POLL_US;
}

static void req_cfg(struct req *r, int attr, uint64_t v)
{
	if (cfg_is_u32(attr))
		req_u32(r, (uint16_t)attr, (uint32_t)v);
	else
		req_u64(r, (uint16_t)attr, v);
}

static int nl_config_set1(struct gnl *g, int attr, uint64_t v)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_cfg(&r, attr, v);
	return gnl_do(g, &r, NULL, NULL);
}

/* Set every tunable to its value in @cfg (a CONFIG_GET reply). */
static int nl_config_restore(struct gnl *g, const struct nlch *cfg)
{
	struct req r;
	int a;

	freq(g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	for (a = FASTIPC_A_CFG_MAX_MSG_SIZE; a <= FASTIPC_A_MAX; a++)
		if (a != FASTIPC_A_ST_PAGES_POOLED && (cfg->present & (1ULL << a)))
			req_cfg(&r, a, cfg->v[a]);
	return gnl_do(g, &r, NULL, NULL);
}

/* The next event on a socket that joined "events", within @ms. */
static int next_event(struct gnl *g, int ms, struct nlch *ev)
{
	static char buf[NL_RCVBUF];
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	struct nlmsghdr *nlh;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		nlh = (struct nlmsghdr *)buf;
		if (!NLMSG_OK(nlh, (size_t)n) || nlh->nlmsg_type != g->family)
			continue;
		parse_ch(nlh, ev);
		/* Notifications: no port, no sequence. */
		if (nlh->nlmsg_pid != 0 || nlh->nlmsg_seq != 0)
			return -EPROTO;
		return 0;
	}
}

/* The next event of channel @name (others are skipped). */
static int event_of(struct gnl *g, const char *name, struct nlch *ev)
{
	int err;

	do {
		err = next_event(g, 5000, ev);
	} while (!err && strcmp(ev->name, name));
	return err;
}

static int child_gnl(struct gnl *g)
{
	return gnl_open(g);
}


#define EXTACK_HAS(g, s)	(strstr((g)->extack, (s)) != NULL)

/* ---- the fixture: a socket and the configuration to restore -------------- */

FIXTURE(nl) {
	struct gnl g;
	struct nlch cfg;		/* config at setup */
	bool restore_cfg;
	char names[8][FASTIPC_NAME_LEN];
	int nnames;
	int fds[8];
	int nfds;
};

FIXTURE_SETUP(nl)
{
	int err = gnl_open(&self->g);

	if (err == -ENOENT)
		SKIP(return, "no generic netlink family \"fastipc\"");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, nl_config(&self->g, &self->cfg));
}

FIXTURE_TEARDOWN(nl)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		close(self->fds[i]);
	for (i = 0; i < self->nnames; i++)
		fipc_unlink(self->names[i]);
	if (self->restore_cfg)
		EXPECT_EQ(0, nl_config_restore(&self->g, &self->cfg));
	gnl_close(&self->g);
}

/* A fresh name, unlinked at teardown. */
static const char *fresh(FIXTURE_DATA(nl) *self, const char *tag)
{
	char *n = self->names[self->nnames++];

	fipc_name(n, tag);
	return n;
}

/* Create @name with @attr (may be NULL) and mode @mode; keep the handle. */
static int mk(FIXTURE_DATA(nl) *self, const char *name,
	      struct fastipc_attr *attr, uint32_t mode)
{
	int fd = fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, mode, attr);

	if (fd >= 0)
		self->fds[self->nfds++] = fd;
	return fd;
}

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the family ---------------------------------------------------------- */

TEST_F(nl, family_registration)
{
	int cmd;

	EXPECT_EQ(FASTIPC_GENL_VERSION, self->g.version);
	EXPECT_EQ(FASTIPC_A_MAX, self->g.maxattr);
	EXPECT_NE(0, self->g.events_grp);
	for (cmd = FASTIPC_CMD_CHANNEL_GET; cmd <= FASTIPC_CMD_CONFIG_SET; cmd++) {
		ASSERT_TRUE(self->g.has_op[cmd]) TH_LOG("command %d", cmd);
		EXPECT_TRUE(self->g.op_flags[cmd] & GENL_CMD_CAP_DO);
		EXPECT_EQ(cmd == FASTIPC_CMD_CONFIG_SET,
			  !!(self->g.op_flags[cmd] & GENL_ADMIN_PERM))
			TH_LOG("command %d flags %#x", cmd, self->g.op_flags[cmd]);
		EXPECT_EQ(cmd == FASTIPC_CMD_CHANNEL_GET,
			  !!(self->g.op_flags[cmd] & GENL_CMD_CAP_DUMP));
	}
	/* The events are notifications only: no request takes them. */
	for (cmd = FASTIPC_CMD_EVENT_CHANNEL_NEW; cmd <= FASTIPC_CMD_MAX; cmd++)
		EXPECT_FALSE(self->g.has_op[cmd]);
}

/* ---- CHANNEL_GET ---------------------------------------------------------- */

TEST_F(nl, channel_get_reports_everything)
{
	struct fastipc_attr attr = {
		.max_msgs = 8, .max_bytes = 256 << 10,
		.max_msg_size = 64 << 10, .zc_threshold = 4096,
	};
	const char *name = fresh(self, "get");
	char buf[8192] = { 0 }, out[8192];
	uint64_t before, after, len = sizeof(out);
	struct fastipc_info info;
	struct nlch ch, byid;
	int fd, i;

	before = now_real_ns();
	fd = mk(self, name, &attr, 0640);
	ASSERT_LE(0, fd);
	after = now_real_ns();
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_send(fd, buf, 100, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, buf, 8192, 0, FASTIPC_SEND_PAGES, -1));
	ASSERT_EQ(0, fipc_recv(fd, out, &len, NULL, 0, -1));
	ASSERT_EQ(100, len);
	ASSERT_EQ(0, fipc_info(fd, &info));

	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	EXPECT_EQ(FASTIPC_CMD_CHANNEL_GET, ch.cmd);
	EXPECT_STREQ(name, ch.name);
	EXPECT_EQ(info.id, ch.v[FASTIPC_A_CH_ID]);
	EXPECT_EQ(geteuid(), ch.v[FASTIPC_A_CH_UID]);
	EXPECT_EQ(getegid(), ch.v[FASTIPC_A_CH_GID]);
	EXPECT_EQ(0640, ch.v[FASTIPC_A_CH_MODE]);
	EXPECT_LE(before, ch.v[FASTIPC_A_CH_CTIME]);
	EXPECT_GE(after, ch.v[FASTIPC_A_CH_CTIME]);
	EXPECT_EQ(8, ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(256 << 10, ch.v[FASTIPC_A_CH_MAX_BYTES]);
	EXPECT_EQ(64 << 10, ch.v[FASTIPC_A_CH_MAX_MSG_SIZE]);
	EXPECT_EQ(4096, ch.v[FASTIPC_A_CH_ZC_THRESHOLD]);
	EXPECT_EQ(3, ch.v[FASTIPC_A_CH_QUEUED_MSGS]);
	EXPECT_EQ(200 + 8192, ch.v[FASTIPC_A_CH_QUEUED_BYTES]);
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_HANDLES]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_WAIT_SENDERS]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_WAIT_RECEIVERS]);
	EXPECT_EQ(4, ch.v[FASTIPC_A_CH_SENT_MSGS]);
	EXPECT_EQ(300 + 8192, ch.v[FASTIPC_A_CH_SENT_BYTES]);
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_RECV_MSGS]);
	EXPECT_EQ(100, ch.v[FASTIPC_A_CH_RECV_BYTES]);
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_PAGE_MSGS]);
	EXPECT_EQ(8192, ch.v[FASTIPC_A_CH_PAGE_BYTES]);
	EXPECT_EQ(info.copied_bytes, ch.v[FASTIPC_A_CH_COPIED_BYTES]);
	EXPECT_EQ(300 + 8192 + 100, ch.v[FASTIPC_A_CH_COPIED_BYTES]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_MAPPED_PAGES]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_DROPS]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_TIMEOUTS]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_ERRORS]);
	/* Every channel attribute is reported, none of the others. */
	for (i = FASTIPC_A_CH_NAME; i <= FASTIPC_A_MAX; i++)
		EXPECT_EQ(i <= FASTIPC_A_CH_ERRORS, !!(ch.present & (1ULL << i)))
			TH_LOG("attribute %d", i);

	/* A timed-out receive counts. */
	len = sizeof(out);
	while (!fipc_recv(fd, out, &len, NULL, FASTIPC_NONBLOCK, 0))
		len = sizeof(out);
	ASSERT_EQ(-ETIMEDOUT, fipc_recv(fd, out, &len, NULL, 0, 1 * FIPC_MS));
	ASSERT_EQ(0, nl_get(&self->g, NULL, info.id, &byid));
	EXPECT_STREQ(name, byid.name);
	EXPECT_EQ(1, byid.v[FASTIPC_A_CH_TIMEOUTS]);
	EXPECT_EQ(0, byid.v[FASTIPC_A_CH_QUEUED_MSGS]);

	/* Name and id together must agree. */
	ASSERT_EQ(0, nl_get(&self->g, name, info.id, &byid));
	EXPECT_EQ(info.id, byid.v[FASTIPC_A_CH_ID]);
}

TEST_F(nl, channel_get_errors)
{
	const char *name = fresh(self, "geterr");
	struct nlch ch;
	struct req r;
	uint64_t id;

	ASSERT_LE(0, mk(self, name, NULL, 0600));
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	id = ch.v[FASTIPC_A_CH_ID];

	EXPECT_EQ(-ENOENT, nl_get(&self->g, "kst-no-such-channel", 0, &ch));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "no such channel")) TH_LOG("%s", self->g.extack);
	EXPECT_EQ(-ENOENT, nl_get(&self->g, NULL, id + 1000000, &ch));
	EXPECT_EQ(-ENOENT, nl_get(&self->g, name, id + 1, &ch));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "different channels")) TH_LOG("%s", self->g.extack);
	EXPECT_EQ(-EINVAL, nl_get(&self->g, NULL, 0, &ch));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "name or id required")) TH_LOG("%s", self->g.extack);
	/* An empty name names nothing. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, "");
	EXPECT_EQ(-ENOENT, gnl_do(&self->g, &r, NULL, NULL));
	/* SET and DEL look up the same way. */
	EXPECT_EQ(-ENOENT, nl_del(&self->g, "kst-no-such-channel"));
	EXPECT_EQ(-ENOENT, nl_set1(&self->g, "kst-no-such-channel",
				   FASTIPC_A_CH_MAX_MSGS, 5));
}

/* ---- malformed requests ---------------------------------------------------- */

/* Expect @err and an extack message for the request in @r. */
#define EXPECT_REJECT(err, r) do {					\
	EXPECT_EQ(err, gnl_do(&self->g, r, NULL, NULL));		\
	EXPECT_NE('\0', self->g.extack[0]) TH_LOG("no extack message");	\
} while (0)

TEST_F(nl, malformed_requests_rejected)
{
	const char *name = fresh(self, "bad");
	char longname[FASTIPC_NAME_LEN + 1];
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	struct nlch ch;
	struct req r;
	uint64_t v64 = 5;
	uint32_t v32 = 5;

	ASSERT_LE(0, mk(self, name, NULL, 0600));
	memset(longname, 'n', FASTIPC_NAME_LEN);
	longname[FASTIPC_NAME_LEN] = '\0';

	/* Name too long (64 bytes), and not NUL-terminated. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, longname);
	EXPECT_REJECT(-EINVAL, &r);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_put(&r, FASTIPC_A_CH_NAME, name, strlen(name));
	EXPECT_REJECT(-EINVAL, &r);

	/* Wrong sizes: a u32 sent as a u64 and the other way round. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_SET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u64(&r, FASTIPC_A_CH_MAX_MSGS, 5);
	EXPECT_REJECT(-EINVAL, &r);
	EXPECT_TRUE(EXTACK_HAS(&self->g, "length")) TH_LOG("%s", self->g.extack);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_SET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u32(&r, FASTIPC_A_CH_MAX_BYTES, 4096);
	EXPECT_REJECT(-EINVAL, &r);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_u32(&r, FASTIPC_A_CH_ID, 1);
	EXPECT_REJECT(-EINVAL, &r);

	/* Out of range. */
	EXPECT_EQ(-ERANGE, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_MSGS, 0));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "range")) TH_LOG("%s", self->g.extack);
	EXPECT_EQ(-ERANGE, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_MSG_SIZE,
				   FASTIPC_MSG_SIZE_LIMIT + 1));
	EXPECT_NE('\0', self->g.extack[0]);
	EXPECT_EQ(-ERANGE, nl_set1(&self->g, name, FASTIPC_A_CH_ZC_THRESHOLD, 0));
	EXPECT_EQ(-ERANGE, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_BYTES, 0));
	EXPECT_EQ(-ERANGE, nl_config_set1(&self->g, FASTIPC_A_CFG_MAX_CHANNELS, 0));
	EXPECT_NE('\0', self->g.extack[0]);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_u64(&r, FASTIPC_A_CH_ID, 0);
	EXPECT_REJECT(-ERANGE, &r);

	/* Attributes the kernel only reports, in requests. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u32(&r, FASTIPC_A_CH_QUEUED_MSGS, v32);
	EXPECT_REJECT(-EINVAL, &r);
	EXPECT_TRUE(EXTACK_HAS(&self->g, "Unsupported attribute")) TH_LOG("%s", self->g.extack);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_SET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u64(&r, FASTIPC_A_CH_SENT_MSGS, v64);
	EXPECT_REJECT(-EINVAL, &r);
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_put(&r, FASTIPC_A_ST_VERSION, "9.9", 4);
	EXPECT_REJECT(-EINVAL, &r);
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u32(&r, FASTIPC_A_CH_UID, 0);
	EXPECT_REJECT(-EINVAL, &r);

	/* Attribute numbers beyond the family's. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u32(&r, FASTIPC_A_MAX + 1, 1);
	EXPECT_REJECT(-EINVAL, &r);
	EXPECT_TRUE(EXTACK_HAS(&self->g, "Unknown attribute")) TH_LOG("%s", self->g.extack);

	/* A nested flag on a string. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME | NLA_F_NESTED, name);
	EXPECT_REJECT(-EINVAL, &r);

	/* Trailing bytes that are no attribute. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	nlh = req_hdr(&r);
	nlh->nlmsg_len += 3;
	EXPECT_REJECT(-EINVAL, &r);

	/* The reserved field of the genetlink header. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	gh = NLMSG_DATA(req_hdr(&r));
	gh->reserved = 1;
	EXPECT_REJECT(-EINVAL, &r);

	/* Commands that do not exist or are notifications only. */
	freq(&self->g, &r, FASTIPC_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, gnl_do(&self->g, &r, NULL, NULL));
	freq(&self->g, &r, FASTIPC_CMD_EVENT_CHANNEL_NEW, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	EXPECT_EQ(-EOPNOTSUPP, gnl_do(&self->g, &r, NULL, NULL));
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_SET, NLM_F_DUMP);
	EXPECT_EQ(-EOPNOTSUPP, gnl_do(&self->g, &r, NULL, NULL));

	/* Nothing of the rejected requests was applied. */
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	EXPECT_EQ(fipc_param("default_max_msgs", FIPC_DEF_MAX_MSGS),
		  ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(fipc_param("zc_threshold", FIPC_DEF_ZC_THRESHOLD),
		  ch.v[FASTIPC_A_CH_ZC_THRESHOLD]);
}

/* ---- CHANNEL_SET ------------------------------------------------------------ */

TEST_F(nl, channel_set_limits)
{
	struct fastipc_attr attr = { .max_msgs = 1 };
	const char *name = fresh(self, "set");
	struct fastipc_info info;
	struct nlch ch, ev;
	struct gnl mon;
	char byte = 'x';
	struct req r;
	pid_t pid;
	int fd, i;

	fd = mk(self, name, &attr, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));

	/* All four at once. */
	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_SET, 0);
	req_str(&r, FASTIPC_A_CH_NAME, name);
	req_u32(&r, FASTIPC_A_CH_MAX_MSGS, 1);
	req_u64(&r, FASTIPC_A_CH_MAX_BYTES, 100000);
	req_u64(&r, FASTIPC_A_CH_MAX_MSG_SIZE, 50000);
	req_u64(&r, FASTIPC_A_CH_ZC_THRESHOLD, 12345);
	ASSERT_EQ(0, gnl_do(&self->g, &r, NULL, NULL));
	ASSERT_EQ(0, fipc_info(fd, &info));
	EXPECT_EQ(1, info.attr.max_msgs);
	EXPECT_EQ(100000, info.attr.max_bytes);
	EXPECT_EQ(50000, info.attr.max_msg_size);
	EXPECT_EQ(12345, info.attr.zc_threshold);
	ASSERT_EQ(0, event_of(&mon, name, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_CHANGE, ev.cmd);
	EXPECT_EQ(100000, ev.v[FASTIPC_A_CH_MAX_BYTES]);

	/* One of them: the others stay. */
	ASSERT_EQ(0, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_BYTES, 200000));
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(200000, ch.v[FASTIPC_A_CH_MAX_BYTES]);
	EXPECT_EQ(50000, ch.v[FASTIPC_A_CH_MAX_MSG_SIZE]);
	EXPECT_EQ(12345, ch.v[FASTIPC_A_CH_ZC_THRESHOLD]);

	/* Above the module's maximums: refused, with a reason, unchanged. */
	EXPECT_EQ(-EINVAL, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_MSGS,
				   fipc_param("max_msgs_limit",
					      FIPC_DEF_MAX_MSGS_LIMIT) + 1));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "maximum")) TH_LOG("%s", self->g.extack);
	EXPECT_EQ(-EINVAL, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_BYTES,
				   fipc_param("max_bytes_limit",
					      FIPC_DEF_MAX_BYTES_LIMIT) + 1));
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(200000, ch.v[FASTIPC_A_CH_MAX_BYTES]);

	/* Raising max_msgs lets a waiting sender in. */
	ASSERT_EQ(0, fipc_send(fd, &byte, 1, 0, 0, -1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(fipc_send(fd, &byte, 1, 0, 0, 10000 * FIPC_MS) ? 1 : 0);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
		if (ch.v[FASTIPC_A_CH_WAIT_SENDERS] == 1)
			break;
		fipc_sleep_ms(10);
	}
	EXPECT_EQ(1, ch.v[FASTIPC_A_CH_WAIT_SENDERS]);
	ASSERT_EQ(0, nl_set1(&self->g, name, FASTIPC_A_CH_MAX_MSGS, 2));
	EXPECT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ch));
	EXPECT_EQ(2, ch.v[FASTIPC_A_CH_QUEUED_MSGS]);
	EXPECT_EQ(0, ch.v[FASTIPC_A_CH_WAIT_SENDERS]);
	gnl_close(&mon);
}

/* ---- CHANNEL_DEL and its handles ---------------------------------------- */

TEST_F(nl, channel_del_destroys_queue_eidrm)
{
	const char *a = fresh(self, "del"), *b = fresh(self, "delw");
	struct fastipc_stats st0, st1;
	struct fastipc_info info;
	struct pollfd p;
	char buf[64] = "hello";
	uint64_t len;
	struct nlch ch, ch2;
	int fa, fb, fa2, i;
	pid_t pid;

	ASSERT_EQ(0, fipc_stats(&st0));
	fa = mk(self, a, NULL, 0600);
	ASSERT_LE(0, fa);
	fa2 = fipc_open(a, FASTIPC_O_RECV, 0, NULL);
	ASSERT_LE(0, fa2);
	self->fds[self->nfds++] = fa2;
	fb = mk(self, b, NULL, 0600);
	ASSERT_LE(0, fb);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fipc_send(fa, buf, 5, 0, 0, -1));
	ASSERT_EQ(0, nl_get(&self->g, a, 0, &ch));
	EXPECT_EQ(2, ch.v[FASTIPC_A_CH_HANDLES]);

	/* A receiver asleep on b. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		len = sizeof(buf);
		_exit(fipc_recv(fb, buf, &len, NULL, 0, 10000 * FIPC_MS) ==
		      -EIDRM ? 0 : 1);
	}
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, nl_get(&self->g, b, 0, &ch2));
		if (ch2.v[FASTIPC_A_CH_WAIT_RECEIVERS] == 1)
			break;
		fipc_sleep_ms(10);
	}
	EXPECT_EQ(1, ch2.v[FASTIPC_A_CH_WAIT_RECEIVERS]);

	ASSERT_EQ(0, nl_del(&self->g, a));
	ASSERT_EQ(0, nl_del(&self->g, b));
	EXPECT_EQ(0, fipc_wait_child(pid)) TH_LOG("the receiver did not get EIDRM");

	/* Every operation on the handles now fails with EIDRM. */
	len = sizeof(buf);
	EXPECT_EQ(-EIDRM, fipc_send(fa, buf, 5, 0, 0, -1));
	EXPECT_EQ(-EIDRM, fipc_recv(fa, buf, &len, NULL, FASTIPC_NONBLOCK, 0));
	EXPECT_EQ(-EIDRM, fipc_recv(fa2, buf, &len, NULL, 0, -1));
	EXPECT_EQ(-EIDRM, fipc_info(fa, &info));
	p = (struct pollfd){ .fd = fa2, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & (POLLERR | POLLHUP));

	/* The name is gone and free; the queued bytes were freed. */
	EXPECT_EQ(-ENOENT, nl_get(&self->g, a, 0, &ch2));
	EXPECT_EQ(-ENOENT, nl_del(&self->g, a));
	EXPECT_EQ(-ENOENT, fipc_unlink(a));
	ASSERT_EQ(0, fipc_stats(&st1));
	EXPECT_EQ(st0.bytes_queued, st1.bytes_queued);
	fb = fipc_create(a, NULL);
	ASSERT_LE(0, fb);
	self->fds[self->nfds++] = fb;
	ASSERT_EQ(0, nl_get(&self->g, a, 0, &ch2));
	EXPECT_NE(ch.v[FASTIPC_A_CH_ID], ch2.v[FASTIPC_A_CH_ID]);
	EXPECT_EQ(0, ch2.v[FASTIPC_A_CH_QUEUED_MSGS]);
}

/* ---- STATS_GET and CONFIG ------------------------------------------------- */

TEST_F(nl, stats_match_ioctl_and_version)
{
	const char *name = fresh(self, "st");
	struct fastipc_stats io;
	char version[64] = "";
	struct nlch st;
	FILE *f;
	int fd;

	fd = mk(self, name, NULL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fipc_send(fd, "abc", 3, 0, 0, -1));
	ASSERT_EQ(0, fipc_stats(&io));
	ASSERT_EQ(0, nl_stats(&self->g, &st));
	EXPECT_EQ(FASTIPC_CMD_STATS_GET, st.cmd);
	EXPECT_NE('\0', st.name[0]);	/* the version string */
	f = fopen("/sys/module/fastipc/version", "r");
	if (f) {
		if (fgets(version, sizeof(version), f))
			version[strcspn(version, "\n")] = '\0';
		fclose(f);
		EXPECT_STREQ(version, st.name);
	}
	EXPECT_EQ(io.pages_held, st.v[FASTIPC_A_ST_PAGES_HELD]);
	EXPECT_EQ(io.bytes_queued, st.v[FASTIPC_A_ST_BYTES_QUEUED]);
	EXPECT_EQ(io.channels, st.v[FASTIPC_A_ST_CHANNELS]);
	EXPECT_EQ(io.handles, st.v[FASTIPC_A_ST_HANDLES]);
	EXPECT_EQ(io.copied_bytes, st.v[FASTIPC_A_ST_COPIED_BYTES]);
	EXPECT_EQ(io.mapped_pages, st.v[FASTIPC_A_ST_MAPPED_PAGES]);
	EXPECT_LE(1, st.v[FASTIPC_A_ST_CHANNELS]);
	EXPECT_LE(3, st.v[FASTIPC_A_ST_BYTES_QUEUED]);
}

static const struct { int attr; const char *param; } cfg_params[] = {
	{ FASTIPC_A_CFG_MAX_MSG_SIZE, "max_msg_size" },
	{ FASTIPC_A_CFG_DEFAULT_MAX_MSGS, "default_max_msgs" },
	{ FASTIPC_A_CFG_MAX_MSGS_LIMIT, "max_msgs_limit" },
	{ FASTIPC_A_CFG_DEFAULT_MAX_BYTES, "default_max_bytes" },
	{ FASTIPC_A_CFG_MAX_BYTES_LIMIT, "max_bytes_limit" },
	{ FASTIPC_A_CFG_ZC_THRESHOLD, "zc_threshold" },
	{ FASTIPC_A_CFG_MAX_WINDOW, "max_window" },
	{ FASTIPC_A_CFG_MAX_CHANNELS, "max_channels" },
	{ FASTIPC_A_CFG_MAX_USER_CHANNELS, "max_user_channels" },
	{ FASTIPC_A_CFG_USER_PAGES_FLOOR, "user_pages_floor" },
	{ FASTIPC_A_CFG_POOL_MAX, "pool_max" },
	{ FASTIPC_A_CFG_USER_QUEUE_FLOOR, "user_queue_floor" },
	{ FASTIPC_A_CFG_BUSY_POLL_US, "busy_poll_us" },
};

TEST_F(nl, config_get_set)
{
	const char *name = fresh(self, "cfg");
	struct fastipc_attr attr = { 0 };
	uint64_t zc, defmsgs;
	struct nlch cfg;
	struct req r;
	size_t i;

	/* GET: every tunable, as sysfs has it. */
	EXPECT_EQ(FASTIPC_CMD_CONFIG_GET, self->cfg.cmd);
	for (i = 0; i < sizeof(cfg_params) / sizeof(cfg_params[0]); i++) {
		int a = cfg_params[i].attr;

		ASSERT_TRUE(self->cfg.present & (1ULL << a)) TH_LOG("%s", cfg_params[i].param);
		EXPECT_EQ(fipc_param(cfg_params[i].param, 0), self->cfg.v[a])
			TH_LOG("%s", cfg_params[i].param);
	}

	/* SET: sysfs and new channels follow. */
	self->restore_cfg = true;
	zc = self->cfg.v[FASTIPC_A_CFG_ZC_THRESHOLD] / 2 + 1;
	defmsgs = 7;
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_u64(&r, FASTIPC_A_CFG_ZC_THRESHOLD, zc);
	req_u32(&r, FASTIPC_A_CFG_DEFAULT_MAX_MSGS, (uint32_t)defmsgs);
	ASSERT_EQ(0, gnl_do(&self->g, &r, NULL, NULL));
	EXPECT_EQ(zc, fipc_param("zc_threshold", 0));
	EXPECT_EQ(defmsgs, fipc_param("default_max_msgs", 0));
	ASSERT_EQ(0, nl_config(&self->g, &cfg));
	EXPECT_EQ(zc, cfg.v[FASTIPC_A_CFG_ZC_THRESHOLD]);
	ASSERT_LE(0, mk(self, name, &attr, 0600));
	EXPECT_EQ(zc, attr.zc_threshold);
	EXPECT_EQ(defmsgs, attr.max_msgs);

	/* The busy-poll ceiling: receiving handles bound afterwards. */
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_u32(&r, FASTIPC_A_CFG_BUSY_POLL_US, 55);
	ASSERT_EQ(0, gnl_do(&self->g, &r, NULL, NULL));
	EXPECT_EQ(55, fipc_param("busy_poll_us", 0));
	{
		struct fastipc_info info;
		int fd = fipc_open(name, FASTIPC_O_RECV, 0, NULL);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fipc_info(fd, &info));
		EXPECT_EQ(55, info.busy_poll_us);
		EXPECT_EQ(FASTIPC_BUSY_POLL_ADAPTIVE, info.busy_poll_flags);
		close(fd);
	}
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_u32(&r, FASTIPC_A_CFG_BUSY_POLL_US, FASTIPC_BUSY_POLL_MAX_US + 1);
	EXPECT_EQ(-ERANGE, gnl_do(&self->g, &r, NULL, NULL));
	EXPECT_EQ(55, fipc_param("busy_poll_us", 0));

	/* A default above its limit: refused as a whole, with a reason. */
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_u64(&r, FASTIPC_A_CFG_ZC_THRESHOLD, zc + 1);
	req_u32(&r, FASTIPC_A_CFG_DEFAULT_MAX_MSGS,
		(uint32_t)cfg.v[FASTIPC_A_CFG_MAX_MSGS_LIMIT] + 1);
	EXPECT_EQ(-EINVAL, gnl_do(&self->g, &r, NULL, NULL));
	EXPECT_TRUE(EXTACK_HAS(&self->g, "default_max_msgs")) TH_LOG("%s", self->g.extack);
	freq(&self->g, &r, FASTIPC_CMD_CONFIG_SET, 0);
	req_u64(&r, FASTIPC_A_CFG_MAX_BYTES_LIMIT,
		cfg.v[FASTIPC_A_CFG_DEFAULT_MAX_BYTES] - 1);
	EXPECT_EQ(-EINVAL, gnl_do(&self->g, &r, NULL, NULL));
	ASSERT_EQ(0, nl_config(&self->g, &cfg));
	EXPECT_EQ(zc, cfg.v[FASTIPC_A_CFG_ZC_THRESHOLD]);
	EXPECT_EQ(defmsgs, cfg.v[FASTIPC_A_CFG_DEFAULT_MAX_MSGS]);

	/* Restore, and check it took. */
	ASSERT_EQ(0, nl_config_restore(&self->g, &self->cfg));
	ASSERT_EQ(0, nl_config(&self->g, &cfg));
	for (i = 0; i < sizeof(cfg_params) / sizeof(cfg_params[0]); i++)
		EXPECT_EQ(self->cfg.v[cfg_params[i].attr],
			  cfg.v[cfg_params[i].attr]);
}

/* ---- permissions ----------------------------------------------------------- */

TEST_F(nl, permissions_of_another_user)
{
	const char *mine = fresh(self, "perm"), *theirs = fresh(self, "permn");
	struct nlch ch;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to uid %d", NOBODY);
	/* Open to all for sending and receiving: still not theirs to change. */
	ASSERT_LE(0, mk(self, mine, NULL, 0666));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct fastipc_attr attr = { 0 };
		struct gnl g;
		struct req r;
		int fd;

		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		/* A socket of its own: the opener's credentials count too. */
		FIPC_CHILD_CHECK(child_gnl(&g) == 0);

		/* Reading is open to everyone. */
		FIPC_CHILD_CHECK(nl_get(&g, mine, 0, &ch) == 0);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_CH_UID] == 0);
		FIPC_CHILD_CHECK(nl_stats(&g, &ch) == 0);
		FIPC_CHILD_CHECK(nl_config(&g, &ch) == 0);

		/* The module's settings need CAP_NET_ADMIN. */
		FIPC_CHILD_CHECK(nl_config_set1(&g, FASTIPC_A_CFG_MAX_CHANNELS,
						100) == -EPERM);
		freq(&g, &r, FASTIPC_CMD_CONFIG_SET, 0);
		FIPC_CHILD_CHECK(gnl_do(&g, &r, NULL, NULL) == -EPERM);

		/* Root's channel: neither changed nor deleted. */
		FIPC_CHILD_CHECK(nl_set1(&g, mine, FASTIPC_A_CH_MAX_MSGS,
					 3) == -EPERM);
		FIPC_CHILD_CHECK(EXTACK_HAS(&g, "owner"));
		FIPC_CHILD_CHECK(nl_del(&g, mine) == -EPERM);
		FIPC_CHILD_CHECK(EXTACK_HAS(&g, "owner"));

		/* Its own: both. */
		fd = fipc_open(theirs, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			       FASTIPC_O_EXCL, 0600, &attr);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(nl_set1(&g, theirs, FASTIPC_A_CH_MAX_MSGS,
					 3) == 0);
		FIPC_CHILD_CHECK(nl_get(&g, theirs, 0, &ch) == 0);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_CH_MAX_MSGS] == 3);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_CH_UID] == NOBODY);
		FIPC_CHILD_CHECK(nl_del(&g, theirs) == 0);
		FIPC_CHILD_CHECK(fipc_send(fd, "x", 1, 0, 0, -1) == -EIDRM);
		close(fd);
		gnl_close(&g);
		_exit(0);
	}
	status = fipc_wait_child(pid);
	EXPECT_EQ(0, status);

	/* Nothing of root's changed; root may change another's. */
	ASSERT_EQ(0, nl_get(&self->g, mine, 0, &ch));
	EXPECT_EQ(fipc_param("default_max_msgs", FIPC_DEF_MAX_MSGS),
		  ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(fipc_param("max_channels", 0),
		  self->cfg.v[FASTIPC_A_CFG_MAX_CHANNELS]);
}

TEST_F(nl, admin_may_change_anothers_channel)
{
	const char *theirs = fresh(self, "adm");
	int sync[2];
	struct nlch ch;
	pid_t pid;
	char c;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to uid %d", NOBODY);
	ASSERT_EQ(0, pipe(sync));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(sync[0]);
		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		fd = fipc_open(theirs, FASTIPC_O_RDWR | FASTIPC_O_CREAT, 0600,
			       NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(write(sync[1], "x", 1) == 1);
		_exit(0);
	}
	close(sync[1]);
	ASSERT_EQ(1, read(sync[0], &c, 1));
	close(sync[0]);
	ASSERT_EQ(0, fipc_wait_child(pid));
	ASSERT_EQ(0, nl_get(&self->g, theirs, 0, &ch));
	EXPECT_EQ(NOBODY, ch.v[FASTIPC_A_CH_UID]);
	EXPECT_EQ(0, nl_set1(&self->g, theirs, FASTIPC_A_CH_MAX_MSGS, 9));
	EXPECT_EQ(0, nl_del(&self->g, theirs));
}

/* ---- the dump ------------------------------------------------------------ */

#define DUMP_N	2100

struct dump_seen {
	char prefix[32];
	unsigned char *seen;	/* DUMP_N counters */
	unsigned int ours, total, bad;
};

static void dump_one(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_seen *d = arg;
	size_t plen = strlen(d->prefix);
	struct nlch ch;
	char *end;
	long i;

	parse_ch(nlh, &ch);
	d->total++;
	if (!(nlh->nlmsg_flags & NLM_F_MULTI) || ch.cmd != FASTIPC_CMD_CHANNEL_GET)
		d->bad++;
	if (strncmp(ch.name, d->prefix, plen))
		return;
	i = strtol(ch.name + plen, &end, 10);
	if (*end || i < 0 || i >= DUMP_N) {
		d->bad++;
		return;
	}
	d->ours++;
	if (d->seen[i] < 255)
		d->seen[i]++;
}

static void dump_unlink_all(const char *prefix)
{
	char name[FASTIPC_NAME_LEN + 16];
	int i;

	for (i = 0; i < DUMP_N; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		fipc_unlink(name);
	}
}

TEST_F_TIMEOUT(nl, dump_spans_many_messages, 300)
{
	struct dump_seen d = { 0 };
	struct fastipc_open op;
	uint64_t need;
	struct req r;
	int i, dev, err, missing = 0, twice = 0;

	snprintf(d.prefix, sizeof(d.prefix), "kst-dump-%d-", (int)getpid());
	d.seen = calloc(DUMP_N, 1);
	ASSERT_NE(NULL, d.seen);

	/* Room for them: per-user and per-namespace ceilings. */
	need = DUMP_N + 1100;
	self->restore_cfg = true;
	if (self->cfg.v[FASTIPC_A_CFG_MAX_USER_CHANNELS] < need)
		ASSERT_EQ(0, nl_config_set1(&self->g, FASTIPC_A_CFG_MAX_USER_CHANNELS, need));
	if (self->cfg.v[FASTIPC_A_CFG_MAX_CHANNELS] < need)
		ASSERT_EQ(0, nl_config_set1(&self->g, FASTIPC_A_CFG_MAX_CHANNELS, need));

	for (i = 0; i < DUMP_N; i++) {
		dev = fipc_dev();
		ASSERT_LE(0, dev);
		memset(&op, 0, sizeof(op));
		snprintf(op.name, sizeof(op.name), "%s%d", d.prefix, i);
		op.flags = FASTIPC_O_RECV | FASTIPC_O_CREAT | FASTIPC_O_EXCL;
		op.mode = 0600;
		err = fipc_ioctl(dev, FASTIPC_IOC_OPEN, &op);
		close(dev);
		if (err) {
			dump_unlink_all(d.prefix);
			ASSERT_EQ(0, err) TH_LOG("creating channel %d", i);
		}
	}

	freq(&self->g, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP);
	err = gnl_do(&self->g, &r, dump_one, &d);
	dump_unlink_all(d.prefix);
	ASSERT_EQ(0, err);

	for (i = 0; i < DUMP_N; i++) {
		if (!d.seen[i])
			missing++;
		else if (d.seen[i] > 1)
			twice++;
	}
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, twice);
	EXPECT_EQ(0, d.bad);
	EXPECT_EQ(DUMP_N, d.ours);
	EXPECT_LE(DUMP_N, d.total);
	/* One datagram cannot hold 2100 channels: the dump resumed. */
	EXPECT_LT(10, self->g.batches) TH_LOG("%u batches", self->g.batches);
	TH_LOG("%u channels in %u datagrams", d.total, self->g.batches);
	free(d.seen);
}

/* ---- topics ------------------------------------------------------------- */

#define SUBS_MAX	1024

struct nlsub {
	uint32_t pid;
	uint64_t backlog, drops, received;
};

/* A topic as a reply or the dump reports it, with its subscribers. */
struct nltopic {
	const char *name;	/* the channel to take */
	const char *also;	/* another one the dump must show */
	struct nlch ch;
	unsigned int times;	/* messages of @name */
	bool also_found;
	unsigned int bad;	/* a subscriber nest not as documented */
	unsigned int nsubs;
	struct nlsub subs[SUBS_MAX];
};

static void topic_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct nltopic *t = arg;
	const struct nlattr *a;
	struct nlch ch;
	size_t len;

	parse_ch(nlh, &ch);
	if (t->also && !strcmp(ch.name, t->also))
		t->also_found = true;
	if (strcmp(ch.name, t->name))
		return;
	t->ch = ch;
	t->times++;
	t->nsubs = 0;
	a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		size_t step = NLA_ALIGN(a->nla_len);

		if ((a->nla_type & NLA_TYPE_MASK) == FASTIPC_A_CH_SUB) {
			const struct nlattr *tb[FASTIPC_A_SUB_MAX + 1];
			int i;

			parse_attrs(nla_payload(a), nla_plen(a), tb,
				    FASTIPC_A_SUB_MAX);
			for (i = FASTIPC_A_SUB_PID; i <= FASTIPC_A_SUB_MAX; i++)
				if (!tb[i] || nla_plen(tb[i]) !=
				    (i == FASTIPC_A_SUB_PID ? 4 : 8))
					t->bad++;
			if (!(a->nla_type & NLA_F_NESTED))
				t->bad++;
			if (t->nsubs < SUBS_MAX && tb[FASTIPC_A_SUB_RECEIVED]) {
				struct nlsub *sub = &t->subs[t->nsubs++];

				sub->pid = (uint32_t)nla_uint(tb[FASTIPC_A_SUB_PID]);
				sub->backlog = nla_uint(tb[FASTIPC_A_SUB_BACKLOG]);
				sub->drops = nla_uint(tb[FASTIPC_A_SUB_DROPS]);
				sub->received = nla_uint(tb[FASTIPC_A_SUB_RECEIVED]);
			}
		}
		len -= step < len ? step : len;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

/* CHANNEL_GET of @t->name, or the dump (@dump), into @t. */
static int nl_topic(struct gnl *g, struct nltopic *t, bool dump)
{
	struct req r;

	freq(g, &r, FASTIPC_CMD_CHANNEL_GET, dump ? NLM_F_DUMP : 0);
	if (!dump)
		req_str(&r, FASTIPC_A_CH_NAME, t->name);
	t->times = 0;
	t->also_found = false;
	t->bad = 0;
	return gnl_do(g, &r, topic_reply, t);
}

/* Open @name as a topic handle: 0 <= fd, or -errno. */
static int topic_fd(const char *name, uint32_t flags, uint32_t topic_flags,
		    uint32_t history, struct fastipc_attr *attr)
{
	return fipc_open_ex(name, flags | FASTIPC_O_TOPIC, 0600, topic_flags,
			    history, attr);
}

#define TOPIC_ATTRS	((1ULL << FASTIPC_A_CH_TOPIC) | \
			 (1ULL << FASTIPC_A_CH_TOPIC_FLAGS) | \
			 (1ULL << FASTIPC_A_CH_HISTORY) | \
			 (1ULL << FASTIPC_A_CH_SUBSCRIBERS))

TEST_F(nl, topic_reports_subscribers)
{
	struct fastipc_attr attr = { .max_msgs = 4 };
	const char *name = fresh(self, "topic"), *q = fresh(self, "tq");
	const char *full = fresh(self, "tfull");
	struct nltopic *t = calloc(1, sizeof(*t));
	struct fastipc_info info;
	char out[64];
	uint64_t len;
	struct nlch ch, ev;
	struct gnl mon;
	int pub, sub[2], fd, i, dump;

	ASSERT_NE(NULL, t);
	pub = topic_fd(name, FASTIPC_O_SEND | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       FASTIPC_TOPIC_DROP_OLDEST, 2, &attr);
	if (pub == -EINVAL)
		SKIP(return, "a module without topics");
	ASSERT_LE(0, pub);
	self->fds[self->nfds++] = pub;
	for (i = 0; i < 2; i++) {
		sub[i] = topic_fd(name, FASTIPC_O_RECV, 0, 0, NULL);
		ASSERT_LE(0, sub[i]);
		self->fds[self->nfds++] = sub[i];
	}
	/* Five into room for four: the first is dropped for both. */
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, fipc_send(pub, "m", 1, 0, 0, -1));
	len = sizeof(out);
	ASSERT_EQ(0, fipc_recv(sub[0], out, &len, NULL, 0, -1));

	/* CHANNEL_GET, then the dump: the same topic, the same list. */
	t->name = name;
	for (dump = 0; dump < 2; dump++) {
		ASSERT_EQ(0, nl_topic(&self->g, t, dump)) TH_LOG("dump %d", dump);
		ASSERT_EQ(1, t->times);
		EXPECT_EQ(0, t->bad);
		EXPECT_EQ(TOPIC_ATTRS | (1ULL << FASTIPC_A_CH_SUB),
			  t->ch.present & (TOPIC_ATTRS | (1ULL << FASTIPC_A_CH_SUB)));
		EXPECT_EQ(0, t->ch.v[FASTIPC_A_CH_TOPIC]);	/* a flag */
		EXPECT_EQ(FASTIPC_TOPIC_DROP_OLDEST,
			  t->ch.v[FASTIPC_A_CH_TOPIC_FLAGS]);
		EXPECT_EQ(2, t->ch.v[FASTIPC_A_CH_HISTORY]);
		EXPECT_EQ(2, t->ch.v[FASTIPC_A_CH_SUBSCRIBERS]);
		EXPECT_EQ(4, t->ch.v[FASTIPC_A_CH_MAX_MSGS]);
		ASSERT_EQ(2, t->nsubs);
		/* In the order they subscribed, as each sees itself. */
		EXPECT_EQ(3, t->subs[0].backlog);
		EXPECT_EQ(1, t->subs[0].drops);
		EXPECT_EQ(1, t->subs[0].received);
		EXPECT_EQ(4, t->subs[1].backlog);
		EXPECT_EQ(1, t->subs[1].drops);
		EXPECT_EQ(0, t->subs[1].received);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, fipc_info(sub[i], &info));
			EXPECT_EQ((uint32_t)getpid(), t->subs[i].pid);
			EXPECT_EQ(info.sub_backlog, t->subs[i].backlog);
			EXPECT_EQ(info.sub_drops, t->subs[i].drops);
			EXPECT_EQ(info.sub_received, t->subs[i].received);
		}
	}

	/* A queue has none of the topic's attributes. */
	fd = mk(self, q, NULL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nl_get(&self->g, q, 0, &ch));
	EXPECT_EQ(0, ch.present & (TOPIC_ATTRS | (1ULL << FASTIPC_A_CH_SUB)));

	/* Events carry the topic's attributes, not its subscribers. */
	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));
	attr.max_msgs = 2;
	fd = topic_fd(full, FASTIPC_O_SEND | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		      0, 0, &attr);
	ASSERT_LE(0, fd);
	self->fds[self->nfds++] = fd;
	i = topic_fd(full, FASTIPC_O_RECV, 0, 0, NULL);
	ASSERT_LE(0, i);
	self->fds[self->nfds++] = i;
	ASSERT_EQ(0, fipc_send(fd, "a", 1, 0, 0, -1));
	ASSERT_EQ(0, fipc_send(fd, "b", 1, 0, 0, -1));		/* FULL */
	ASSERT_EQ(0, event_of(&mon, full, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_NEW, ev.cmd);
	EXPECT_EQ(TOPIC_ATTRS, ev.present & (TOPIC_ATTRS | (1ULL << FASTIPC_A_CH_SUB)));
	EXPECT_EQ(0, ev.v[FASTIPC_A_CH_TOPIC_FLAGS]);
	EXPECT_EQ(0, ev.v[FASTIPC_A_CH_SUBSCRIBERS]);
	ASSERT_EQ(0, event_of(&mon, full, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_QUEUE_FULL, ev.cmd);
	EXPECT_EQ(TOPIC_ATTRS, ev.present & (TOPIC_ATTRS | (1ULL << FASTIPC_A_CH_SUB)));
	EXPECT_EQ(1, ev.v[FASTIPC_A_CH_SUBSCRIBERS]);
	EXPECT_EQ(2, ev.v[FASTIPC_A_CH_QUEUED_MSGS]);
	gnl_close(&mon);
	free(t);
}

/*
 * A reply is sized for every subscriber; a dumped topic whose list does
 * not fit a whole message (the reader's 32 KiB) lists those that fit,
 * and the dump goes on.
 */
TEST_F_TIMEOUT(nl, topic_many_subscribers, 120)
{
	const char *name = fresh(self, "tmany"), *after = fresh(self, "tafter");
	struct nltopic *t = calloc(1, sizeof(*t));
	struct rlimit rl = { 2048, 2048 };
	int *subs = calloc(800, sizeof(int));
	int pub, fd, i, n = 0;

	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, subs);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(return, "cannot raise RLIMIT_NOFILE");
	pub = topic_fd(name, FASTIPC_O_SEND | FASTIPC_O_CREAT | FASTIPC_O_EXCL,
		       0, 0, NULL);
	if (pub == -EINVAL)
		SKIP(return, "a module without topics");
	ASSERT_LE(0, pub);
	self->fds[self->nfds++] = pub;
	fd = mk(self, after, NULL, 0600);	/* a higher id: dumped later */
	ASSERT_LE(0, fd);

	/* 500: some 24 KiB, more than a page, less than the reader's buffer. */
	for (; n < 500; n++) {
		subs[n] = topic_fd(name, FASTIPC_O_RECV, 0, 0, NULL);
		ASSERT_LE(0, subs[n]) TH_LOG("subscriber %d", n);
	}
	ASSERT_EQ(0, fipc_send(pub, "x", 1, 0, 0, -1));
	t->name = name;
	t->also = after;
	ASSERT_EQ(0, nl_topic(&self->g, t, false));
	EXPECT_EQ(500, t->ch.v[FASTIPC_A_CH_SUBSCRIBERS]);
	EXPECT_EQ(500, t->nsubs);
	EXPECT_EQ(0, t->bad);
	for (i = 0; i < (int)t->nsubs; i++)
		if (t->subs[i].backlog != 1 || t->subs[i].pid != (uint32_t)getpid())
			break;
	EXPECT_EQ((int)t->nsubs, i);
	ASSERT_EQ(0, nl_topic(&self->g, t, true));
	EXPECT_EQ(1, t->times);
	EXPECT_EQ(500, t->nsubs);
	EXPECT_TRUE(t->also_found);

	/* 800: some 38 KiB, more than a dump's message holds. */
	for (; n < 800; n++) {
		subs[n] = topic_fd(name, FASTIPC_O_RECV, 0, 0, NULL);
		ASSERT_LE(0, subs[n]) TH_LOG("subscriber %d", n);
	}
	ASSERT_EQ(0, nl_topic(&self->g, t, true));
	EXPECT_EQ(1, t->times);
	EXPECT_EQ(0, t->bad);
	EXPECT_EQ(800, t->ch.v[FASTIPC_A_CH_SUBSCRIBERS]);
	EXPECT_LT(500, t->nsubs);
	EXPECT_GT(800, t->nsubs);
	EXPECT_TRUE(t->also_found);
	TH_LOG("a dumped topic of 800 subscribers lists %u", t->nsubs);
	for (i = 0; i < n; i++)
		close(subs[i]);
	free(subs);
	free(t);
}

/* ---- events -------------------------------------------------------------- */

TEST_F(nl, events_in_order)
{
	struct fastipc_attr attr = { .max_msgs = 2 }, newattr = { 0 };
	const char *a = fresh(self, "ev"), *b = fresh(self, "evb");
	struct nlch ev;
	struct gnl mon;
	uint64_t id;
	int fd, fdb, i;

	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));

	fd = mk(self, a, &attr, 0640);				/* NEW */
	ASSERT_LE(0, fd);
	newattr.max_bytes = 1 << 20;
	ASSERT_EQ(0, fipc_ioctl(fd, FASTIPC_IOC_SET_ATTR, &newattr));	/* CHANGE */
	ASSERT_EQ(0, nl_set1(&self->g, a, FASTIPC_A_CH_MAX_MSGS, 3));	/* CHANGE */
	for (i = 0; i < 3; i++)						/* FULL */
		ASSERT_EQ(0, fipc_send(fd, "abcd", 4, 0, 0, -1));
	ASSERT_EQ(-EAGAIN, fipc_send(fd, "abcd", 4, 0, FASTIPC_NONBLOCK, 0));
	ASSERT_EQ(0, nl_del(&self->g, a));				/* DEL */
	fdb = mk(self, b, NULL, 0600);					/* NEW */
	ASSERT_LE(0, fdb);
	ASSERT_EQ(0, fipc_unlink(b));					/* DEL */

	ASSERT_EQ(0, event_of(&mon, a, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_NEW, ev.cmd);
	id = ev.v[FASTIPC_A_CH_ID];
	EXPECT_NE(0, id);
	EXPECT_EQ(0640, ev.v[FASTIPC_A_CH_MODE]);
	EXPECT_EQ(2, ev.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(geteuid(), ev.v[FASTIPC_A_CH_UID]);

	ASSERT_EQ(0, event_of(&mon, a, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_CHANGE, ev.cmd);
	EXPECT_EQ(id, ev.v[FASTIPC_A_CH_ID]);
	EXPECT_EQ(1 << 20, ev.v[FASTIPC_A_CH_MAX_BYTES]);
	EXPECT_EQ(2, ev.v[FASTIPC_A_CH_MAX_MSGS]);

	ASSERT_EQ(0, event_of(&mon, a, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_CHANGE, ev.cmd);
	EXPECT_EQ(3, ev.v[FASTIPC_A_CH_MAX_MSGS]);

	/* Only the send that filled the queue, not the one refused. */
	ASSERT_EQ(0, event_of(&mon, a, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_QUEUE_FULL, ev.cmd);
	EXPECT_EQ(id, ev.v[FASTIPC_A_CH_ID]);
	EXPECT_EQ(3, ev.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_LE(2, ev.v[FASTIPC_A_CH_QUEUED_MSGS]);
	EXPECT_GE(3, ev.v[FASTIPC_A_CH_QUEUED_MSGS]);

	/* The delete dropped the three queued messages, counted once. */
	ASSERT_EQ(0, event_of(&mon, a, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_DEL, ev.cmd);
	EXPECT_EQ(id, ev.v[FASTIPC_A_CH_ID]);
	EXPECT_EQ(3, ev.v[FASTIPC_A_CH_DROPS]);
	EXPECT_EQ(0, ev.v[FASTIPC_A_CH_QUEUED_MSGS]);

	ASSERT_EQ(0, event_of(&mon, b, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_NEW, ev.cmd);
	/* An unlink drops nothing: the channel lives on while open. */
	ASSERT_EQ(0, event_of(&mon, b, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_DEL, ev.cmd);
	EXPECT_EQ(0, ev.v[FASTIPC_A_CH_DROPS]);

	/* Nothing else about them. */
	EXPECT_EQ(-ETIMEDOUT, next_event(&mon, 200, &ev));
	gnl_close(&mon);
}

/*
 * Promise H7: a socket confers nothing on the task that opened it.  An
 * unprivileged user opens a socket and hands it to root (a setuid
 * program that writes what it is given, CVE-2014-0181's pattern): root's
 * requests on it may read, but not change or delete root's channel.
 */
TEST_F(nl, socket_openers_credentials_count_too)
{
	const char *mine = fresh(self, "deputy");
	struct gnl deputy;
	struct nlch ch;
	int sv[2];
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to uid %d", NOBODY);
	ASSERT_LE(0, mk(self, mine, NULL, 0600));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct gnl g;

		close(sv[0]);
		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		FIPC_CHILD_CHECK(child_gnl(&g) == 0);
		FIPC_CHILD_CHECK(fipc_send_fd(sv[1], g.fd) == 0);
		_exit(0);
	}
	close(sv[1]);
	deputy = self->g;
	deputy.fd = fipc_recv_fd(sv[0]);
	ASSERT_LE(0, deputy.fd);
	ASSERT_EQ(0, fipc_wait_child(pid));

	ASSERT_EQ(0, nl_get(&deputy, mine, 0, &ch));
	EXPECT_EQ(-EPERM, nl_set1(&deputy, mine, FASTIPC_A_CH_MAX_MSGS, 3));
	EXPECT_EQ(-EPERM, nl_del(&deputy, mine));
	/* Root's own socket may. */
	ASSERT_EQ(0, nl_get(&self->g, mine, 0, &ch));
	EXPECT_NE(3, ch.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(0, nl_set1(&self->g, mine, FASTIPC_A_CH_MAX_MSGS, 3));
	close(deputy.fd);
	close(sv[0]);
}

/*
 * Become root of a new user namespace mapped onto @uid.  After setuid the
 * task is not dumpable, its /proc files root's: make it dumpable first.
 */
static int enter_userns(uid_t uid, gid_t gid)
{
	char map[64];
	int fd, n;

	if (prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER))
		return -errno;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		n = write(fd, "deny", 4);
		close(fd);
		if (n != 4)
			return -EIO;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, map, strlen(map));
	close(fd);
	if (n != (int)strlen(map))
		return -EIO;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, map, strlen(map));
	close(fd);
	return n == (int)strlen(map) ? 0 : -EIO;
}

/*
 * Promise H8: ids are mapped for the reader.  Uid 65534, root of a user
 * namespace of its own (the same network namespace), creates a channel:
 * the event a monitor of the initial namespace gets says 65534, not the
 * creator's 0; a dump through a socket opened inside that user namespace
 * says 0, as its opener sees it.
 */
TEST_F(nl, ids_are_mapped_for_the_reader)
{
	const char *theirs = fresh(self, "userns");
	struct gnl mon;
	struct nlch ev;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to uid %d", NOBODY);
	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct nlch ch;
		struct gnl g;
		int fd, err;

		/* No user namespace for a chrooted task (the VM chroots). */
		FIPC_CHILD_CHECK(fipc_unchroot() == 0);
		FIPC_CHILD_CHECK(fipc_become(NOBODY, NOBODY) == 0);
		err = enter_userns(NOBODY, NOBODY);
		if (err)
			_exit(FIPC_CHILD_SKIP);
		fd = fipc_open(theirs, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			       FASTIPC_O_EXCL, 0600, NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(child_gnl(&g) == 0);
		FIPC_CHILD_CHECK(nl_get(&g, theirs, 0, &ch) == 0);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_CH_UID] == 0);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_CH_GID] == 0);
		gnl_close(&g);
		/* Left open: the parent unlinks it. */
		_exit(0);
	}
	pid = fipc_wait_child(pid);
	if (pid == FIPC_CHILD_SKIP) {
		gnl_close(&mon);
		SKIP(return, "no unprivileged user namespaces here");
	}
	ASSERT_EQ(0, pid);
	ASSERT_EQ(0, event_of(&mon, theirs, &ev));
	EXPECT_EQ(FASTIPC_CMD_EVENT_CHANNEL_NEW, ev.cmd);
	EXPECT_EQ(NOBODY, ev.v[FASTIPC_A_CH_UID]);
	EXPECT_EQ(NOBODY, ev.v[FASTIPC_A_CH_GID]);
	gnl_close(&mon);
}

/*
 * Promise H8: QUEUE_FULL goes to monitors once per filling: a queue kept full by a
 * sender and a receiver taking turns is one event, not one per send; it
 * is told again once the queue drained to half its limits and filled.
 */
TEST_F(nl, queue_full_once_until_drained)
{
	struct fastipc_attr attr = { .max_msgs = 4 };
	const char *a = fresh(self, "full");
	int fd, i, fulls = 0;
	char buf[8];
	struct nlch ev;
	struct gnl mon;
	uint64_t n;

	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));
	fd = mk(self, a, &attr, 0600);
	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, fipc_send(fd, "full", 4, 0, 0, -1));
	for (i = 0; i < 20; i++) {
		n = sizeof(buf);
		ASSERT_EQ(0, fipc_recv(fd, buf, &n, NULL, 0, -1));
		ASSERT_EQ(0, fipc_send(fd, "full", 4, 0, 0, -1));
	}
	/* Drained to half, then full again: once more. */
	for (i = 0; i < 2; i++) {
		n = sizeof(buf);
		ASSERT_EQ(0, fipc_recv(fd, buf, &n, NULL, 0, -1));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, fipc_send(fd, "full", 4, 0, 0, -1));
	/* Every event there is, until half a second passes without one. */
	while (next_event(&mon, 500, &ev) == 0)
		fulls += !strcmp(ev.name, a) &&
			 ev.cmd == FASTIPC_CMD_EVENT_QUEUE_FULL;
	EXPECT_EQ(2, fulls);
	gnl_close(&mon);
}

/* ---- network namespaces -------------------------------------------------- */

TEST_F(nl, netns_scoping)
{
	const char *name = fresh(self, "ns");
	struct nlch ev;
	struct gnl mon;
	pid_t pid;
	int status;

	ASSERT_LE(0, mk(self, name, NULL, 0600));
	ASSERT_EQ(0, gnl_open(&mon));
	ASSERT_EQ(0, gnl_join_events(&mon));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dump_seen d = { 0 };
		struct nlch ch;
		struct gnl g;
		struct req r;
		int fd;

		if (unshare(CLONE_NEWNET))
			_exit(FIPC_CHILD_SKIP);
		FIPC_CHILD_CHECK(child_gnl(&g) == 0);
		/* Not visible here, by name or in a dump. */
		FIPC_CHILD_CHECK(nl_get(&g, name, 0, &ch) == -ENOENT);
		snprintf(d.prefix, sizeof(d.prefix), "kst-");
		d.seen = calloc(DUMP_N, 1);
		freq(&g, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP);
		FIPC_CHILD_CHECK(gnl_do(&g, &r, dump_one, &d) == 0);
		FIPC_CHILD_CHECK(d.total == 0);
		/* The same name is free here, and seen only here. */
		fd = fipc_create(name, NULL);
		FIPC_CHILD_CHECK(fd >= 0);
		FIPC_CHILD_CHECK(nl_get(&g, name, 0, &ch) == 0);
		freq(&g, &r, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP);
		FIPC_CHILD_CHECK(gnl_do(&g, &r, dump_one, &d) == 0);
		FIPC_CHILD_CHECK(d.total == 1);
		FIPC_CHILD_CHECK(nl_set1(&g, name, FASTIPC_A_CH_MAX_MSGS, 5) == 0);
		/* Module-wide counters count every namespace. */
		FIPC_CHILD_CHECK(nl_stats(&g, &ch) == 0);
		FIPC_CHILD_CHECK(ch.v[FASTIPC_A_ST_CHANNELS] >= 2);
		FIPC_CHILD_CHECK(nl_del(&g, name) == 0);
		close(fd);
		_exit(0);
	}
	status = fipc_wait_child(pid);
	if (status == FIPC_CHILD_SKIP)
		SKIP(return, "cannot unshare the network namespace");
	ASSERT_EQ(0, status);

	/* Ours is untouched, and its events were not ours to see. */
	ASSERT_EQ(0, nl_get(&self->g, name, 0, &ev));
	EXPECT_EQ(fipc_param("default_max_msgs", FIPC_DEF_MAX_MSGS),
		  ev.v[FASTIPC_A_CH_MAX_MSGS]);
	EXPECT_EQ(-ETIMEDOUT, next_event(&mon, 200, &ev)) TH_LOG("event %d of %s", ev.cmd, ev.name);
	gnl_close(&mon);
}

FIPC_TEST_MAIN

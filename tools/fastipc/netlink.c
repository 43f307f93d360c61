// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): the "fastipc" generic netlink family through libnl-genl-3.
 *
 * All of the CLI's libnl code is here; netlink.h is what the commands
 * see.  A request is sent with NLM_F_ACK and the socket is read until the
 * ack, the error or the end of the dump.  The socket asks for extended
 * acks (NETLINK_EXT_ACK): libnl 3.7 has no call for that nor a parser for
 * the ack's attributes, so both are done by hand on the socket and on the
 * error message (after the struct nlmsgerr, which is capped to the
 * request's header with NETLINK_CAP_ACK, come NLMSGERR_ATTR_* attributes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct fipc_nl {
	struct nl_sock *sk;
	int family;
	int events_grp;		/* multicast group id, 0 until looked up */
	char errmsg[256];
};

const struct fipc_nl_cfg_desc fipc_nl_cfg_keys[FIPC_CFG_NKEYS] = {
	[FIPC_CFG_MAX_MSG_SIZE]		= { "max_msg_size", false },
	[FIPC_CFG_DEFAULT_MAX_MSGS]	= { "default_max_msgs", true },
	[FIPC_CFG_MAX_MSGS_LIMIT]	= { "max_msgs_limit", true },
	[FIPC_CFG_DEFAULT_MAX_BYTES]	= { "default_max_bytes", false },
	[FIPC_CFG_MAX_BYTES_LIMIT]	= { "max_bytes_limit", false },
	[FIPC_CFG_ZC_THRESHOLD]		= { "zc_threshold", false },
	[FIPC_CFG_MAX_WINDOW]		= { "max_window", false },
	[FIPC_CFG_MAX_CHANNELS]		= { "max_channels", true },
	[FIPC_CFG_MAX_USER_CHANNELS]	= { "max_user_channels", true },
	[FIPC_CFG_USER_PAGES_FLOOR]	= { "user_pages_floor", false },
	[FIPC_CFG_POOL_MAX]		= { "pool_max", false },
	[FIPC_CFG_USER_QUEUE_FLOOR]	= { "user_queue_floor", false },
	[FIPC_CFG_BUSY_POLL_US]		= { "busy_poll_us", true },
};

/* The attribute of each tunable, in enum fipc_nl_cfg_key order. */
static const int cfg_attr[FIPC_CFG_NKEYS] = {
	[FIPC_CFG_MAX_MSG_SIZE]		= FASTIPC_A_CFG_MAX_MSG_SIZE,
	[FIPC_CFG_DEFAULT_MAX_MSGS]	= FASTIPC_A_CFG_DEFAULT_MAX_MSGS,
	[FIPC_CFG_MAX_MSGS_LIMIT]	= FASTIPC_A_CFG_MAX_MSGS_LIMIT,
	[FIPC_CFG_DEFAULT_MAX_BYTES]	= FASTIPC_A_CFG_DEFAULT_MAX_BYTES,
	[FIPC_CFG_MAX_BYTES_LIMIT]	= FASTIPC_A_CFG_MAX_BYTES_LIMIT,
	[FIPC_CFG_ZC_THRESHOLD]		= FASTIPC_A_CFG_ZC_THRESHOLD,
	[FIPC_CFG_MAX_WINDOW]		= FASTIPC_A_CFG_MAX_WINDOW,
	[FIPC_CFG_MAX_CHANNELS]		= FASTIPC_A_CFG_MAX_CHANNELS,
	[FIPC_CFG_MAX_USER_CHANNELS]	= FASTIPC_A_CFG_MAX_USER_CHANNELS,
	[FIPC_CFG_USER_PAGES_FLOOR]	= FASTIPC_A_CFG_USER_PAGES_FLOOR,
	[FIPC_CFG_POOL_MAX]		= FASTIPC_A_CFG_POOL_MAX,
	[FIPC_CFG_USER_QUEUE_FLOOR]	= FASTIPC_A_CFG_USER_QUEUE_FLOOR,
	[FIPC_CFG_BUSY_POLL_US]		= FASTIPC_A_CFG_BUSY_POLL_US,
};

const char *fipc_nl_event_name(enum fipc_nl_event_type type)
{
	switch (type) {
	case FIPC_EV_CHANNEL_NEW:
		return "new";
	case FIPC_EV_CHANNEL_DEL:
		return "del";
	case FIPC_EV_CHANNEL_CHANGE:
		return "change";
	case FIPC_EV_QUEUE_FULL:
		return "full";
	}
	return "unknown";
}

/* A libnl error code as an errno, for the failures that are not acks. */
static int nlerr_to_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_PROTO_MISMATCH:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */
/* ------------------------------------------------------------------ */

static struct nl_sock *sock_new(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	/*
	 * Read into 32 KiB at first, growing it for a larger message (peek):
	 * the kernel sizes each message of a dump by the reader's buffer,
	 * and a topic's subscribers must fit one (libnl's default is a page).
	 */
	nl_socket_set_msg_buf_size(sk, 32768);
	nl_socket_enable_msg_peek(sk);
	/* Best effort: older kernels simply send no message. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	return sk;
}

int fipc_nl_open(struct fipc_nl **nlp)
{
	struct fipc_nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->sk = sock_new();
	if (!nl->sk) {
		err = errno ? -errno : -EIO;
		free(nl);
		return err;
	}
	nl->family = genl_ctrl_resolve(nl->sk, FASTIPC_GENL_NAME);
	if (nl->family < 0) {
		err = nl->family == -NLE_OBJ_NOTFOUND ? FIPC_NL_ENOFAMILY :
			nlerr_to_errno(nl->family);
		fipc_nl_close(nl);
		return err;
	}
	*nlp = nl;
	return 0;
}

void fipc_nl_close(struct fipc_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

const char *fipc_nl_errmsg(const struct fipc_nl *nl)
{
	return nl->errmsg[0] ? nl->errmsg : NULL;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

struct request {
	struct fipc_nl *nl;
	/* per reply: 0 to go on, > 0 to stop, < 0 an errno (stops) */
	int (*parse)(struct nlmsghdr *nlh, struct nlattr **tb, void *arg);
	void *arg;
	int err;		/* errno of the ack, <= 0 */
	bool done;
	bool stopped;		/* parse() asked to stop */
};

static int valid_handler(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct nlattr *tb[FASTIPC_A_MAX + 1];
	int err;

	if (!rq->parse || rq->stopped)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FASTIPC_A_MAX, NULL))
		return NL_SKIP;
	err = rq->parse(nlmsg_hdr(msg), tb, rq->arg);
	if (err) {
		if (err < 0)
			rq->err = err;
		rq->stopped = true;
		rq->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

static int finish_handler(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;

	(void)msg;
	rq->done = true;
	return NL_STOP;
}

static int ack_handler(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;

	(void)msg;
	rq->done = true;
	return NL_STOP;
}

/* The NLMSGERR_ATTR_MSG of an error message, if it carries one. */
static void copy_extack(struct fipc_nl *nl, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const char *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL))
		return;
	if (!tb[NLMSGERR_ATTR_MSG] || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return;
	msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
		 (int)strnlen(msg, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])),
		 msg);
}

static int error_handler(struct sockaddr_nl *who, struct nlmsgerr *e,
			 void *arg)
{
	struct request *rq = arg;

	(void)who;
	rq->err = e->error > 0 ? -e->error : e->error;
	if (!rq->err)
		rq->err = -EIO;
	copy_extack(rq->nl, e);
	rq->done = true;
	return NL_STOP;
}

/* Start a request message for @cmd; NULL when out of memory. */
static struct nl_msg *msg_new(struct fipc_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, FASTIPC_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send @msg (consumed) and read until its ack, error or dump end. */
static int transact(struct fipc_nl *nl, struct nl_msg *msg,
		    int (*parse)(struct nlmsghdr *, struct nlattr **, void *),
		    void *arg)
{
	struct request rq = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	nl->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_handler, &rq);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_handler, &rq);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_handler, &rq);
	nl_cb_err(cb, NL_CB_CUSTOM, error_handler, &rq);

	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return nlerr_to_errno(err);
	}
	while (!rq.done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0 && !rq.done) {
			rq.err = nlerr_to_errno(err);
			break;
		}
	}
	nl_cb_put(cb);
	return rq.err;
}

/* Put a channel name, or report it cannot be one. */
static int put_name(struct nl_msg *msg, const char *name)
{
	return nla_put_string(msg, FASTIPC_A_CH_NAME, name) ? -EMSGSIZE : 0;
}

/* ------------------------------------------------------------------ */
/* Attribute readers: tolerant of a missing attribute (left at 0)      */
/* ------------------------------------------------------------------ */

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) == 4 ? nla_get_u32(tb[type]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) == 8 ? nla_get_u64(tb[type]) : 0;
}

static void get_str(struct nlattr **tb, int type, char *buf, size_t size)
{
	const char *s;

	buf[0] = '\0';
	if (!tb[type] || nla_len(tb[type]) < 1)
		return;
	s = nla_data(tb[type]);
	snprintf(buf, size, "%.*s",
		 (int)strnlen(s, (size_t)nla_len(tb[type])), s);
}

void fipc_nl_channel_free(struct fipc_nl_channel *ch)
{
	free(ch->topic.subs);
	ch->topic.subs = NULL;
	ch->topic.nsubs = 0;
}

int fipc_nl_channel_copy(struct fipc_nl_channel *dst,
			 const struct fipc_nl_channel *src)
{
	*dst = *src;
	if (!src->topic.nsubs)
		return 0;
	dst->topic.subs = calloc(src->topic.nsubs, sizeof(*src->topic.subs));
	if (!dst->topic.subs) {
		dst->topic.nsubs = 0;
		return -ENOMEM;
	}
	memcpy(dst->topic.subs, src->topic.subs,
	       src->topic.nsubs * sizeof(*src->topic.subs));
	return 0;
}

/*
 * A topic's subscribers: the FASTIPC_A_CH_SUB nests of @nlh, one per
 * subscriber (genlmsg_parse() keeps only the last of a repeated type).
 * -ENOMEM, else 0.
 */
static int parse_subs(struct nlmsghdr *nlh, struct fipc_nl_channel *ch)
{
	struct nlattr *a, *head = genlmsg_attrdata(nlmsg_data(nlh), 0);
	int len = genlmsg_attrlen(nlmsg_data(nlh), 0), rem;
	uint32_t n = 0;

	ch->topic.listed = true;
	nla_for_each_attr(a, head, len, rem)
		n += nla_type(a) == FASTIPC_A_CH_SUB;
	if (!n)
		return 0;
	ch->topic.subs = calloc(n, sizeof(*ch->topic.subs));
	if (!ch->topic.subs)
		return -ENOMEM;
	nla_for_each_attr(a, head, len, rem) {
		struct nlattr *tb[FASTIPC_A_SUB_MAX + 1];
		struct fipc_nl_sub *sub;

		if (nla_type(a) != FASTIPC_A_CH_SUB ||
		    nla_parse_nested(tb, FASTIPC_A_SUB_MAX, a, NULL))
			continue;
		sub = &ch->topic.subs[ch->topic.nsubs++];
		sub->pid = get_u32(tb, FASTIPC_A_SUB_PID);
		sub->backlog = get_u64(tb, FASTIPC_A_SUB_BACKLOG);
		sub->drops = get_u64(tb, FASTIPC_A_SUB_DROPS);
		sub->received = get_u64(tb, FASTIPC_A_SUB_RECEIVED);
	}
	return 0;
}

/*
 * @nlh's channel into @ch; with @subs (a reply or the dump), a topic's
 * subscribers too.  -ENOMEM, else 0.
 */
static int parse_channel(struct nlmsghdr *nlh, struct nlattr **tb,
			 struct fipc_nl_channel *ch, bool subs)
{
	memset(ch, 0, sizeof(*ch));
	get_str(tb, FASTIPC_A_CH_NAME, ch->name, sizeof(ch->name));
	ch->id = get_u64(tb, FASTIPC_A_CH_ID);
	ch->uid = get_u32(tb, FASTIPC_A_CH_UID);
	ch->gid = get_u32(tb, FASTIPC_A_CH_GID);
	ch->mode = get_u32(tb, FASTIPC_A_CH_MODE);
	ch->ctime_ns = get_u64(tb, FASTIPC_A_CH_CTIME);
	ch->limits.max_msgs = get_u32(tb, FASTIPC_A_CH_MAX_MSGS);
	ch->limits.max_bytes = get_u64(tb, FASTIPC_A_CH_MAX_BYTES);
	ch->limits.max_msg_size = get_u64(tb, FASTIPC_A_CH_MAX_MSG_SIZE);
	ch->limits.zc_threshold = get_u64(tb, FASTIPC_A_CH_ZC_THRESHOLD);
	ch->state.queued_msgs = get_u32(tb, FASTIPC_A_CH_QUEUED_MSGS);
	ch->state.queued_bytes = get_u64(tb, FASTIPC_A_CH_QUEUED_BYTES);
	ch->state.handles = get_u32(tb, FASTIPC_A_CH_HANDLES);
	ch->state.wait_senders = get_u32(tb, FASTIPC_A_CH_WAIT_SENDERS);
	ch->state.wait_receivers = get_u32(tb, FASTIPC_A_CH_WAIT_RECEIVERS);
	ch->counters.sent_msgs = get_u64(tb, FASTIPC_A_CH_SENT_MSGS);
	ch->counters.sent_bytes = get_u64(tb, FASTIPC_A_CH_SENT_BYTES);
	ch->counters.recv_msgs = get_u64(tb, FASTIPC_A_CH_RECV_MSGS);
	ch->counters.recv_bytes = get_u64(tb, FASTIPC_A_CH_RECV_BYTES);
	ch->counters.page_msgs = get_u64(tb, FASTIPC_A_CH_PAGE_MSGS);
	ch->counters.page_bytes = get_u64(tb, FASTIPC_A_CH_PAGE_BYTES);
	ch->counters.copied_bytes = get_u64(tb, FASTIPC_A_CH_COPIED_BYTES);
	ch->counters.mapped_pages = get_u64(tb, FASTIPC_A_CH_MAPPED_PAGES);
	ch->counters.drops = get_u64(tb, FASTIPC_A_CH_DROPS);
	ch->counters.timeouts = get_u64(tb, FASTIPC_A_CH_TIMEOUTS);
	ch->counters.errors = get_u64(tb, FASTIPC_A_CH_ERRORS);
	ch->topic.is_topic = tb[FASTIPC_A_CH_TOPIC] != NULL;
	if (!ch->topic.is_topic)
		return 0;
	ch->topic.flags = get_u32(tb, FASTIPC_A_CH_TOPIC_FLAGS);
	ch->topic.history = get_u32(tb, FASTIPC_A_CH_HISTORY);
	ch->topic.subscribers = get_u32(tb, FASTIPC_A_CH_SUBSCRIBERS);
	return subs ? parse_subs(nlh, ch) : 0;
}

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

static int channel_one(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	return parse_channel(nlh, tb, arg, true);
}

int fipc_nl_channel_get(struct fipc_nl *nl, const char *name, uint64_t id,
			struct fipc_nl_channel *ch)
{
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_CHANNEL_GET, 0);
	int err;

	if (!msg)
		return -ENOMEM;
	if ((name && put_name(msg, name)) ||
	    (id && nla_put_u64(msg, FASTIPC_A_CH_ID, id))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	memset(ch, 0, sizeof(*ch));
	err = transact(nl, msg, channel_one, ch);
	if (err)
		fipc_nl_channel_free(ch);
	return err;
}

struct dump_ctx {
	fipc_nl_channel_cb cb;
	void *arg;
};

static int channel_dump_one(struct nlmsghdr *nlh, struct nlattr **tb,
			    void *arg)
{
	struct dump_ctx *d = arg;
	struct fipc_nl_channel ch;
	int ret;

	ret = parse_channel(nlh, tb, &ch, true);
	if (!ret)
		ret = d->cb(&ch, d->arg) ? 1 : 0;
	fipc_nl_channel_free(&ch);
	return ret;
}

int fipc_nl_channel_dump(struct fipc_nl *nl, fipc_nl_channel_cb cb,
			 void *arg)
{
	struct dump_ctx d = { cb, arg };
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_CHANNEL_GET, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	return transact(nl, msg, channel_dump_one, &d);
}

int fipc_nl_channel_set(struct fipc_nl *nl, const char *name,
			const struct fipc_nl_limits *lim)
{
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_CHANNEL_SET, 0);

	if (!msg)
		return -ENOMEM;
	if (put_name(msg, name) ||
	    ((lim->mask & FIPC_NL_SET_MAX_MSGS) &&
	     nla_put_u32(msg, FASTIPC_A_CH_MAX_MSGS,
			 (uint32_t)lim->max_msgs)) ||
	    ((lim->mask & FIPC_NL_SET_MAX_BYTES) &&
	     nla_put_u64(msg, FASTIPC_A_CH_MAX_BYTES, lim->max_bytes)) ||
	    ((lim->mask & FIPC_NL_SET_MAX_MSG_SIZE) &&
	     nla_put_u64(msg, FASTIPC_A_CH_MAX_MSG_SIZE, lim->max_msg_size)) ||
	    ((lim->mask & FIPC_NL_SET_ZC_THRESHOLD) &&
	     nla_put_u64(msg, FASTIPC_A_CH_ZC_THRESHOLD, lim->zc_threshold))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(nl, msg, NULL, NULL);
}

static int events_group(struct fipc_nl *nl)
{
	if (!nl->events_grp) {
		int grp = genl_ctrl_resolve_grp(nl->sk, FASTIPC_GENL_NAME,
						FASTIPC_GENL_MCGRP_EVENTS);

		if (grp < 0)
			return nlerr_to_errno(grp);
		nl->events_grp = grp;
	}
	return nl->events_grp;
}

/* Events carry sequence number 0: no check on the sockets that read them. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* For the DEL event of one channel, read from a second socket. */
struct del_watch {
	uint64_t id;
	uint64_t drops;
	bool found;
};

static int del_watch_handler(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[FASTIPC_A_MAX + 1];
	struct del_watch *w = arg;

	if (gnlh->cmd != FASTIPC_CMD_EVENT_CHANNEL_DEL ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, FASTIPC_A_MAX, NULL) ||
	    get_u64(tb, FASTIPC_A_CH_ID) != w->id)
		return NL_OK;
	w->drops = get_u64(tb, FASTIPC_A_CH_DROPS);
	w->found = true;
	return NL_STOP;
}

/*
 * The messages a delete dropped are in its DEL event only: listen on a
 * second socket, joined before the delete.  The kernel queues the event
 * before it sends the ack, so once the ack is in, the event is there to
 * read without waiting.
 */
int fipc_nl_channel_del(struct fipc_nl *nl, const char *name, uint64_t id,
			uint64_t *drops)
{
	struct del_watch w = { .id = id };
	struct nl_sock *ev = NULL;
	struct nl_msg *msg;
	struct nl_cb *cb;
	int grp, err;

	if (drops) {
		*drops = UINT64_MAX;
		grp = id ? events_group(nl) : -1;
		if (grp > 0)
			ev = sock_new();
		if (ev && nl_socket_add_membership(ev, grp)) {
			nl_socket_free(ev);
			ev = NULL;
		}
	}

	msg = msg_new(nl, FASTIPC_CMD_CHANNEL_DEL, 0);
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	if (put_name(msg, name) ||
	    (id && nla_put_u64(msg, FASTIPC_A_CH_ID, id))) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	err = transact(nl, msg, NULL, NULL);
	if (err || !ev)
		goto out;

	nl_socket_set_nonblocking(ev);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		goto out;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, del_watch_handler, &w);
	while (!w.found && nl_recvmsgs(ev, cb) >= 0)
		;
	nl_cb_put(cb);
	if (w.found)
		*drops = w.drops;
out:
	if (ev)
		nl_socket_free(ev);
	return err;
}

/* ------------------------------------------------------------------ */
/* Module-wide                                                         */
/* ------------------------------------------------------------------ */

static int stats_one(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct fipc_nl_stats *st = arg;

	(void)nlh;
	get_str(tb, FASTIPC_A_ST_VERSION, st->version, sizeof(st->version));
	st->pages_held = get_u64(tb, FASTIPC_A_ST_PAGES_HELD);
	st->bytes_queued = get_u64(tb, FASTIPC_A_ST_BYTES_QUEUED);
	st->channels = get_u64(tb, FASTIPC_A_ST_CHANNELS);
	st->handles = get_u64(tb, FASTIPC_A_ST_HANDLES);
	st->copied_bytes = get_u64(tb, FASTIPC_A_ST_COPIED_BYTES);
	st->mapped_pages = get_u64(tb, FASTIPC_A_ST_MAPPED_PAGES);
	st->pages_pooled = get_u64(tb, FASTIPC_A_ST_PAGES_POOLED);
	st->scope = get_u32(tb, FASTIPC_A_ST_SCOPE);
	return 0;
}

int fipc_nl_stats_get(struct fipc_nl *nl, struct fipc_nl_stats *st)
{
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_STATS_GET, 0);

	if (!msg)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	return transact(nl, msg, stats_one, st);
}

static int config_one(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct fipc_nl_config *cfg = arg;

	(void)nlh;
	for (int k = 0; k < FIPC_CFG_NKEYS; k++) {
		if (!tb[cfg_attr[k]])
			continue;
		cfg->val[k] = fipc_nl_cfg_keys[k].is_u32 ?
			get_u32(tb, cfg_attr[k]) : get_u64(tb, cfg_attr[k]);
		cfg->mask |= 1U << k;
	}
	return 0;
}

int fipc_nl_config_get(struct fipc_nl *nl, struct fipc_nl_config *cfg)
{
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_CONFIG_GET, 0);

	if (!msg)
		return -ENOMEM;
	memset(cfg, 0, sizeof(*cfg));
	return transact(nl, msg, config_one, cfg);
}

int fipc_nl_config_set(struct fipc_nl *nl, const struct fipc_nl_config *cfg)
{
	struct nl_msg *msg = msg_new(nl, FASTIPC_CMD_CONFIG_SET, 0);

	if (!msg)
		return -ENOMEM;
	for (int k = 0; k < FIPC_CFG_NKEYS; k++) {
		int bad;

		if (!(cfg->mask & (1U << k)))
			continue;
		bad = fipc_nl_cfg_keys[k].is_u32 ?
			nla_put_u32(msg, cfg_attr[k], (uint32_t)cfg->val[k]) :
			nla_put_u64(msg, cfg_attr[k], cfg->val[k]);
		if (bad) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
	}
	return transact(nl, msg, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

struct monitor_ctx {
	fipc_nl_event_cb cb;
	void *arg;
	bool stop;
};

static int monitor_handler(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[FASTIPC_A_MAX + 1];
	struct monitor_ctx *m = arg;
	struct fipc_nl_channel ch;
	enum fipc_nl_event_type type;

	switch (gnlh->cmd) {
	case FASTIPC_CMD_EVENT_CHANNEL_NEW:
		type = FIPC_EV_CHANNEL_NEW;
		break;
	case FASTIPC_CMD_EVENT_CHANNEL_DEL:
		type = FIPC_EV_CHANNEL_DEL;
		break;
	case FASTIPC_CMD_EVENT_CHANNEL_CHANGE:
		type = FIPC_EV_CHANNEL_CHANGE;
		break;
	case FASTIPC_CMD_EVENT_QUEUE_FULL:
		type = FIPC_EV_QUEUE_FULL;
		break;
	default:
		return NL_OK;	/* a newer event: not ours to show */
	}
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FASTIPC_A_MAX, NULL))
		return NL_OK;
	/* Events list no subscribers. */
	parse_channel(nlmsg_hdr(msg), tb, &ch, false);
	if (m->cb(type, &ch, m->arg)) {
		m->stop = true;
		return NL_STOP;
	}
	return NL_OK;
}

int fipc_nl_monitor(struct fipc_nl *nl, fipc_nl_event_cb cb,
		    void (*lost)(void *arg), void *arg)
{
	struct monitor_ctx m = { cb, arg, false };
	struct nl_cb *ncb;
	int grp, err = 0;

	nl->errmsg[0] = '\0';
	grp = events_group(nl);
	if (grp < 0)
		return grp;
	err = nl_socket_add_membership(nl->sk, grp);
	if (err)
		return nlerr_to_errno(err);
	/* Room for bursts: a full buffer loses events (ENOBUFS). */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);

	ncb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ncb)
		return -ENOMEM;
	nl_cb_set(ncb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, monitor_handler, &m);
	while (!m.stop) {
		err = nl_recvmsgs(nl->sk, ncb);
		if (err == -NLE_NOMEM && lost) {
			/* ENOBUFS: the kernel dropped events for us. */
			lost(arg);
			err = 0;
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN)
			break;
		err = 0;
	}
	nl_cb_put(ncb);
	return nlerr_to_errno(err);
}

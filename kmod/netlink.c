// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: the "fastipc" generic netlink family, the control plane.
 *
 * Channels are looked up in the network namespace of the requesting
 * socket, so a container sees and steers only its own channels; events go
 * to the "events" group of the channel's namespace.  Reading is open to
 * everyone; changing a channel needs its owner, creator or CAP_SYS_ADMIN
 * (checked here), changing the module needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM).  Documentation/netlink.md describes the family.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "fastipc_internal.h"

static struct genl_family fastipc_genl_family;

enum fastipc_nl_group {
	FASTIPC_NL_GROUP_EVENTS,
};

static struct netlink_range_validation fastipc_nl_msg_size_range = {
	.min = 1,
	.max = FASTIPC_MSG_SIZE_LIMIT,
};

static struct netlink_range_validation fastipc_nl_bytes_range = {
	.min = 1,
	.max = FASTIPC_MSG_SIZE_LIMIT * 16,
};

static struct netlink_range_validation fastipc_nl_threshold_range = {
	.min = 1,
	.max = FASTIPC_MSG_SIZE_LIMIT + 1,
};

static struct netlink_range_validation fastipc_nl_u64_range = {
	.min = 1,
	.max = U64_MAX,
};

/* What a request may carry; everything the kernel only reports is refused. */
static const struct nla_policy fastipc_nl_policy[FASTIPC_A_MAX + 1] = {
	[FASTIPC_A_CH_NAME] = { .type = NLA_NUL_STRING,
				.len = FASTIPC_NAME_MAX },
	[FASTIPC_A_CH_ID] = NLA_POLICY_FULL_RANGE(NLA_U64,
						  &fastipc_nl_u64_range),
	[FASTIPC_A_CH_MAX_MSGS] = NLA_POLICY_MIN(NLA_U32, 1),
	[FASTIPC_A_CH_MAX_BYTES] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_bytes_range),
	[FASTIPC_A_CH_MAX_MSG_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_msg_size_range),
	[FASTIPC_A_CH_ZC_THRESHOLD] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_threshold_range),
	[FASTIPC_A_CFG_MAX_MSG_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_msg_size_range),
	[FASTIPC_A_CFG_DEFAULT_MAX_MSGS] = NLA_POLICY_MIN(NLA_U32, 1),
	[FASTIPC_A_CFG_MAX_MSGS_LIMIT] = NLA_POLICY_MIN(NLA_U32, 1),
	[FASTIPC_A_CFG_DEFAULT_MAX_BYTES] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_bytes_range),
	[FASTIPC_A_CFG_MAX_BYTES_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_bytes_range),
	[FASTIPC_A_CFG_ZC_THRESHOLD] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_threshold_range),
	[FASTIPC_A_CFG_MAX_WINDOW] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &fastipc_nl_bytes_range),
	[FASTIPC_A_CFG_MAX_CHANNELS] = NLA_POLICY_MIN(NLA_U32, 1),
	[FASTIPC_A_CFG_MAX_USER_CHANNELS] = NLA_POLICY_MIN(NLA_U32, 1),
	[FASTIPC_A_CFG_USER_PAGES_FLOOR] = { .type = NLA_U64 },
	[FASTIPC_A_CFG_POOL_MAX] = { .type = NLA_U64 },
	[FASTIPC_A_CFG_USER_QUEUE_FLOOR] = { .type = NLA_U64 },
	[FASTIPC_A_CFG_BUSY_POLL_US] =
		NLA_POLICY_MAX(NLA_U32, FASTIPC_BUSY_POLL_MAX_US),
};

static int fastipc_nl_put_u64(struct sk_buff *skb, int type, u64 value)
{
	return nla_put_u64_64bit(skb, type, value, FASTIPC_A_PAD);
}

/*
 * A channel's attributes, its owner's ids as @user_ns sees them;
 * -EMSGSIZE when @skb is full.
 */
static int fastipc_nl_fill_channel(struct sk_buff *skb,
				   struct fastipc_channel *ch,
				   struct user_namespace *user_ns)
{
	struct fastipc_attr attr;
	u32 queued, subs;
	u64 c[12];

	spin_lock(&ch->lock);
	attr = ch->attr;
	queued = ch->nr_queued;
	subs = ch->nr_subs;
	c[0] = ch->queued_bytes;
	c[1] = ch->sent_msgs;
	c[2] = ch->sent_bytes;
	c[3] = ch->recv_msgs;
	c[4] = ch->recv_bytes;
	c[5] = ch->page_msgs;
	c[6] = ch->page_bytes;
	c[7] = ch->copied_bytes;
	c[8] = ch->mapped_pages;
	c[9] = ch->drops;
	c[10] = ch->timeouts;
	c[11] = ch->errors;
	spin_unlock(&ch->lock);

	if (nla_put_string(skb, FASTIPC_A_CH_NAME, ch->name) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_ID, ch->id) ||
	    nla_put_u32(skb, FASTIPC_A_CH_UID,
			from_kuid_munged(user_ns, ch->uid)) ||
	    nla_put_u32(skb, FASTIPC_A_CH_GID,
			from_kgid_munged(user_ns, ch->gid)) ||
	    nla_put_u32(skb, FASTIPC_A_CH_MODE, ch->mode) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_CTIME, ch->ctime) ||
	    nla_put_u32(skb, FASTIPC_A_CH_MAX_MSGS, attr.max_msgs) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_MAX_BYTES, attr.max_bytes) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_MAX_MSG_SIZE,
			       attr.max_msg_size) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_ZC_THRESHOLD,
			       attr.zc_threshold) ||
	    nla_put_u32(skb, FASTIPC_A_CH_QUEUED_MSGS, queued) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_QUEUED_BYTES, c[0]) ||
	    nla_put_u32(skb, FASTIPC_A_CH_HANDLES,
			atomic_read(&ch->nr_handles)) ||
	    nla_put_u32(skb, FASTIPC_A_CH_WAIT_SENDERS,
			atomic_read(&ch->wait_senders)) ||
	    nla_put_u32(skb, FASTIPC_A_CH_WAIT_RECEIVERS,
			atomic_read(&ch->wait_receivers)) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_SENT_MSGS, c[1]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_SENT_BYTES, c[2]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_RECV_MSGS, c[3]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_RECV_BYTES, c[4]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_PAGE_MSGS, c[5]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_PAGE_BYTES, c[6]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_COPIED_BYTES, c[7]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_MAPPED_PAGES, c[8]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_DROPS, c[9]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_TIMEOUTS, c[10]) ||
	    fastipc_nl_put_u64(skb, FASTIPC_A_CH_ERRORS, c[11]))
		return -EMSGSIZE;
	/* A topic's policy and history are set at creation, then constant. */
	if (ch->topic &&
	    (nla_put_flag(skb, FASTIPC_A_CH_TOPIC) ||
	     nla_put_u32(skb, FASTIPC_A_CH_TOPIC_FLAGS, ch->topic_flags) ||
	     nla_put_u32(skb, FASTIPC_A_CH_HISTORY, ch->history) ||
	     nla_put_u32(skb, FASTIPC_A_CH_SUBSCRIBERS, subs)))
		return -EMSGSIZE;
	return 0;
}

/* Room for one FASTIPC_A_CH_SUB in a message, at most. */
#define FASTIPC_NL_SUB_SIZE	(nla_total_size(0) + nla_total_size(4) + \
				 3 * nla_total_size_64bit(8))
/* The most subscribers a CHANNEL_GET reply is sized for. */
#define FASTIPC_NL_SUBS_MAX	4096

/* One subscriber, a FASTIPC_A_CH_SUB nest: -EMSGSIZE if @skb is full. */
static int fastipc_nl_fill_sub(struct sk_buff *skb,
			       const struct fastipc_sub_stats *st)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, FASTIPC_A_CH_SUB);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, FASTIPC_A_SUB_PID, st->pid) ||
	    nla_put_u64_64bit(skb, FASTIPC_A_SUB_BACKLOG, st->backlog,
			      FASTIPC_A_SUB_PAD) ||
	    nla_put_u64_64bit(skb, FASTIPC_A_SUB_DROPS, st->drops,
			      FASTIPC_A_SUB_PAD) ||
	    nla_put_u64_64bit(skb, FASTIPC_A_SUB_RECEIVED, st->received,
			      FASTIPC_A_SUB_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A topic's subscribers, one FASTIPC_A_CH_SUB each, with their pids in
 * the caller's pid namespace: -EMSGSIZE when @skb is full, unless
 * @partial, which lists those that fit.  Nothing for a queue.
 */
static int fastipc_nl_fill_subs(struct sk_buff *skb,
				struct fastipc_channel *ch, bool partial)
{
	struct fastipc_sub_stats *st;
	int err = 0;
	u32 i, n;

	if (!ch->topic)
		return 0;
	st = fastipc_topic_subs(ch, &n);
	if (!st)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = fastipc_nl_fill_sub(skb, &st[i]);
	kvfree(st);
	/* Partial: a full message ends the list, keeping what is in. */
	return err == -EMSGSIZE && partial ? 0 : err;
}

/*
 * Start a reply or event carrying one channel, for readers in @user_ns;
 * with @subs (a reply), a topic's subscribers too, as many as the
 * message was sized for.  NULL when out of memory.
 */
static struct sk_buff *fastipc_nl_channel_msg(struct fastipc_channel *ch,
					      struct user_namespace *user_ns,
					      u32 portid, u32 seq, u8 cmd,
					      bool subs)
{
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *skb;
	void *hdr;

	/* Room for those subscribed now and a few more that may come. */
	if (subs && ch->topic)
		size += min_t(u32, READ_ONCE(ch->nr_subs) + 8,
			      FASTIPC_NL_SUBS_MAX) * FASTIPC_NL_SUB_SIZE;
	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, portid, seq, &fastipc_genl_family, 0, cmd);
	if (!hdr || fastipc_nl_fill_channel(skb, ch, user_ns) ||
	    (subs && fastipc_nl_fill_subs(skb, ch, true))) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

/*
 * Send a channel event to the "events" group of @net.  One message goes
 * to every listener, whoever caused the event: ids are those of the
 * namespace's own user namespace, the one its owner and its listeners
 * (unless they made their own) share.
 */
void fastipc_nl_notify(struct fastipc_channel *ch, struct net *net, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&fastipc_genl_family, net,
				FASTIPC_NL_GROUP_EVENTS))
		return;
	/* No subscribers: their pids would be the causing task's view. */
	skb = fastipc_nl_channel_msg(ch, net->user_ns, 0, 0, cmd, false);
	if (skb)
		genlmsg_multicast_netns(&fastipc_genl_family, net, skb, 0,
					FASTIPC_NL_GROUP_EVENTS, GFP_KERNEL);
}

/*
 * The same, from a handle operation: only when the channel is named in
 * the caller's own namespace, the one namespace known to be alive here.
 */
void fastipc_nl_notify_current(struct fastipc_channel *ch, u8 cmd)
{
	if (READ_ONCE(ch->ns) == fastipc_ns_current())
		fastipc_nl_notify(ch, current->nsproxy->net_ns, cmd);
}

/*
 * May the sender of @skb change or delete @ch?  Both the task that writes
 * the request and the one that opened the socket must be allowed: a
 * socket handed to a more privileged program (a setuid one that writes
 * what it is given) confers nothing on its opener.
 */
static bool fastipc_nl_may_admin(struct sk_buff *skb,
				 struct fastipc_channel *ch)
{
	const struct file *file = NETLINK_CB(skb).sk->sk_socket->file;
	kuid_t euid = file->f_cred->euid;

	if (!fastipc_chan_may_admin(ch))
		return false;
	return uid_eq(euid, ch->uid) || uid_eq(euid, ch->cuid) ||
	       file_ns_capable(file, ch->user_ns, CAP_SYS_ADMIN);
}

/* The channel a request names, with a reference, or an errno. */
static struct fastipc_channel *fastipc_nl_find(struct genl_info *info)
{
	struct fastipc_ns *ns = fastipc_ns_of(genl_info_net(info));
	struct nlattr *name = info->attrs[FASTIPC_A_CH_NAME];
	struct nlattr *id = info->attrs[FASTIPC_A_CH_ID];
	struct fastipc_channel *ch;

	if (!name && !id) {
		GENL_SET_ERR_MSG(info, "channel name or id required");
		return ERR_PTR(-EINVAL);
	}
	ch = fastipc_ns_find(ns, name ? nla_data(name) : NULL,
			     id ? nla_get_u64(id) : 0);
	if (!ch) {
		NL_SET_ERR_MSG_ATTR(info->extack, name ? name : id,
				    "no such channel");
		return ERR_PTR(-ENOENT);
	}
	if (name && id && ch->id != nla_get_u64(id)) {
		fastipc_chan_put(ch);
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "name and id name different channels");
		return ERR_PTR(-ENOENT);
	}
	return ch;
}

static int fastipc_nl_channel_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fastipc_channel *ch;
	struct sk_buff *reply;

	ch = fastipc_nl_find(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	/* Ids as the requesting socket's opener sees them. */
	reply = fastipc_nl_channel_msg(ch, sk_user_ns(NETLINK_CB(skb).sk),
				       info->snd_portid, info->snd_seq,
				       FASTIPC_CMD_CHANNEL_GET, true);
	fastipc_chan_put(ch);
	if (!reply)
		return -ENOMEM;
	return genlmsg_reply(reply, info);
}

/* One channel of the dump, a topic's subscribers as in a reply. */
static int fastipc_nl_dump_one(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       struct fastipc_channel *ch, bool partial)
{
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &fastipc_genl_family, NLM_F_MULTI,
			  FASTIPC_CMD_CHANNEL_GET);
	if (!hdr)
		return -EMSGSIZE;
	err = fastipc_nl_fill_channel(skb, ch,
				      sk_user_ns(NETLINK_CB(cb->skb).sk));
	if (!err)
		err = fastipc_nl_fill_subs(skb, ch, partial);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: the next channel id to dump. */
static int fastipc_nl_channel_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct fastipc_ns *ns = fastipc_ns_of(sock_net(skb->sk));
	struct fastipc_channel *ch;
	unsigned long id;
	int err = 0;

	mutex_lock(&ns->lock);
	xa_for_each_start(&ns->ids, id, ch, cb->args[0]) {
		err = fastipc_nl_dump_one(skb, cb, ch, false);
		/*
		 * A topic with more subscribers than a whole message holds:
		 * those that fit (CH_SUBSCRIBERS still counts them all).
		 */
		if (err == -EMSGSIZE && !skb->len)
			err = fastipc_nl_dump_one(skb, cb, ch, true);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&ns->lock);
	/* A full skb ends this part of the dump; the next one resumes. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

static int fastipc_nl_channel_set(struct sk_buff *skb, struct genl_info *info)
{
	struct fastipc_attr attr = {};
	struct nlattr **a = info->attrs;
	struct fastipc_channel *ch;
	int err;

	if (a[FASTIPC_A_CH_MAX_MSGS])
		attr.max_msgs = nla_get_u32(a[FASTIPC_A_CH_MAX_MSGS]);
	if (a[FASTIPC_A_CH_MAX_BYTES])
		attr.max_bytes = nla_get_u64(a[FASTIPC_A_CH_MAX_BYTES]);
	if (a[FASTIPC_A_CH_MAX_MSG_SIZE])
		attr.max_msg_size = nla_get_u64(a[FASTIPC_A_CH_MAX_MSG_SIZE]);
	if (a[FASTIPC_A_CH_ZC_THRESHOLD])
		attr.zc_threshold = nla_get_u64(a[FASTIPC_A_CH_ZC_THRESHOLD]);
	if (!memchr_inv(&attr, 0, sizeof(attr))) {
		GENL_SET_ERR_MSG(info, "no limit to change");
		return -EINVAL;
	}

	ch = fastipc_nl_find(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	err = -EPERM;
	if (!fastipc_nl_may_admin(skb, ch)) {
		GENL_SET_ERR_MSG(info, "only the channel's owner or an admin may change it");
		goto out;
	}
	err = fastipc_chan_check_attr(&attr, false);
	if (err) {
		GENL_SET_ERR_MSG(info, "limit above the module's maximum");
		goto out;
	}
	err = fastipc_chan_set_attr(ch, &attr);
	if (err) {
		GENL_SET_ERR_MSG(info, "max_bytes past the creator's queue ceiling");
		goto out;
	}
	fastipc_nl_notify(ch, genl_info_net(info),
			  FASTIPC_CMD_EVENT_CHANNEL_CHANGE);
out:
	fastipc_chan_put(ch);
	return err;
}

static int fastipc_nl_channel_del(struct sk_buff *skb, struct genl_info *info)
{
	struct fastipc_channel *ch;
	int err;

	ch = fastipc_nl_find(info);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	if (!fastipc_nl_may_admin(skb, ch)) {
		GENL_SET_ERR_MSG(info, "only the channel's owner or an admin may delete it");
		err = -EPERM;
		goto out;
	}
	err = fastipc_chan_delete(fastipc_ns_of(genl_info_net(info)), ch);
	if (err)
		GENL_SET_ERR_MSG(info, "channel already deleted");
out:
	fastipc_chan_put(ch);
	return err;
}

static int fastipc_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fastipc_stats st;
	struct sk_buff *reply;
	void *hdr;

	fastipc_counters_read(&st, fastipc_ns_of(genl_info_net(info)),
			      genl_info_net(info) == &init_net ||
			      netlink_capable(skb, CAP_SYS_ADMIN));
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &fastipc_genl_family, 0,
				FASTIPC_CMD_STATS_GET);
	if (!hdr ||
	    nla_put_string(reply, FASTIPC_A_ST_VERSION, FASTIPC_VERSION) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_PAGES_HELD,
			       st.pages_held) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_BYTES_QUEUED,
			       st.bytes_queued) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_CHANNELS,
			       st.channels) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_HANDLES,
			       st.handles) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_COPIED_BYTES,
			       st.copied_bytes) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_MAPPED_PAGES,
			       st.mapped_pages) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_ST_PAGES_POOLED,
			       st.pages_pooled) ||
	    nla_put_u32(reply, FASTIPC_A_ST_SCOPE, st.scope)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static int fastipc_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	void *hdr;

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &fastipc_genl_family, 0,
				FASTIPC_CMD_CONFIG_GET);
	if (!hdr ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_MAX_MSG_SIZE,
			       READ_ONCE(fastipc_max_msg_size)) ||
	    nla_put_u32(reply, FASTIPC_A_CFG_DEFAULT_MAX_MSGS,
			READ_ONCE(fastipc_default_max_msgs)) ||
	    nla_put_u32(reply, FASTIPC_A_CFG_MAX_MSGS_LIMIT,
			READ_ONCE(fastipc_max_msgs_limit)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_DEFAULT_MAX_BYTES,
			       READ_ONCE(fastipc_default_max_bytes)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_MAX_BYTES_LIMIT,
			       READ_ONCE(fastipc_max_bytes_limit)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_ZC_THRESHOLD,
			       READ_ONCE(fastipc_zc_threshold)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_MAX_WINDOW,
			       READ_ONCE(fastipc_max_window)) ||
	    nla_put_u32(reply, FASTIPC_A_CFG_MAX_CHANNELS,
			READ_ONCE(fastipc_max_channels)) ||
	    nla_put_u32(reply, FASTIPC_A_CFG_MAX_USER_CHANNELS,
			READ_ONCE(fastipc_max_user_channels)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_USER_PAGES_FLOOR,
			       READ_ONCE(fastipc_user_pages_floor)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_POOL_MAX,
			       READ_ONCE(fastipc_pool_max)) ||
	    fastipc_nl_put_u64(reply, FASTIPC_A_CFG_USER_QUEUE_FLOOR,
			       READ_ONCE(fastipc_user_queue_floor)) ||
	    nla_put_u32(reply, FASTIPC_A_CFG_BUSY_POLL_US,
			READ_ONCE(fastipc_busy_poll_default_us))) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/* Serialises CONFIG_SET: each checks defaults against limits as a whole. */
static DEFINE_MUTEX(fastipc_nl_config_lock);

static int fastipc_nl_config_set_locked(struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u32 def_msgs = READ_ONCE(fastipc_default_max_msgs);
	u32 msgs_limit = READ_ONCE(fastipc_max_msgs_limit);
	u64 def_bytes = READ_ONCE(fastipc_default_max_bytes);
	u64 bytes_limit = READ_ONCE(fastipc_max_bytes_limit);

	if (a[FASTIPC_A_CFG_DEFAULT_MAX_MSGS])
		def_msgs = nla_get_u32(a[FASTIPC_A_CFG_DEFAULT_MAX_MSGS]);
	if (a[FASTIPC_A_CFG_MAX_MSGS_LIMIT])
		msgs_limit = nla_get_u32(a[FASTIPC_A_CFG_MAX_MSGS_LIMIT]);
	if (a[FASTIPC_A_CFG_DEFAULT_MAX_BYTES])
		def_bytes = nla_get_u64(a[FASTIPC_A_CFG_DEFAULT_MAX_BYTES]);
	if (a[FASTIPC_A_CFG_MAX_BYTES_LIMIT])
		bytes_limit = nla_get_u64(a[FASTIPC_A_CFG_MAX_BYTES_LIMIT]);
	if (def_msgs > msgs_limit) {
		GENL_SET_ERR_MSG(info, "default_max_msgs above max_msgs_limit");
		return -EINVAL;
	}
	if (def_bytes > bytes_limit) {
		GENL_SET_ERR_MSG(info, "default_max_bytes above max_bytes_limit");
		return -EINVAL;
	}

	/* Checked as a whole above: apply all or nothing. */
	WRITE_ONCE(fastipc_default_max_msgs, def_msgs);
	WRITE_ONCE(fastipc_max_msgs_limit, msgs_limit);
	WRITE_ONCE(fastipc_default_max_bytes, def_bytes);
	WRITE_ONCE(fastipc_max_bytes_limit, bytes_limit);
	if (a[FASTIPC_A_CFG_MAX_MSG_SIZE])
		WRITE_ONCE(fastipc_max_msg_size,
			   nla_get_u64(a[FASTIPC_A_CFG_MAX_MSG_SIZE]));
	if (a[FASTIPC_A_CFG_ZC_THRESHOLD])
		WRITE_ONCE(fastipc_zc_threshold,
			   nla_get_u64(a[FASTIPC_A_CFG_ZC_THRESHOLD]));
	if (a[FASTIPC_A_CFG_MAX_WINDOW])
		WRITE_ONCE(fastipc_max_window,
			   nla_get_u64(a[FASTIPC_A_CFG_MAX_WINDOW]));
	if (a[FASTIPC_A_CFG_MAX_CHANNELS])
		WRITE_ONCE(fastipc_max_channels,
			   nla_get_u32(a[FASTIPC_A_CFG_MAX_CHANNELS]));
	if (a[FASTIPC_A_CFG_MAX_USER_CHANNELS])
		WRITE_ONCE(fastipc_max_user_channels,
			   nla_get_u32(a[FASTIPC_A_CFG_MAX_USER_CHANNELS]));
	if (a[FASTIPC_A_CFG_USER_PAGES_FLOOR])
		WRITE_ONCE(fastipc_user_pages_floor,
			   nla_get_u64(a[FASTIPC_A_CFG_USER_PAGES_FLOOR]));
	if (a[FASTIPC_A_CFG_POOL_MAX])
		WRITE_ONCE(fastipc_pool_max,
			   nla_get_u64(a[FASTIPC_A_CFG_POOL_MAX]));
	if (a[FASTIPC_A_CFG_USER_QUEUE_FLOOR])
		WRITE_ONCE(fastipc_user_queue_floor,
			   nla_get_u64(a[FASTIPC_A_CFG_USER_QUEUE_FLOOR]));
	if (a[FASTIPC_A_CFG_BUSY_POLL_US])
		WRITE_ONCE(fastipc_busy_poll_default_us,
			   nla_get_u32(a[FASTIPC_A_CFG_BUSY_POLL_US]));
	return 0;
}

static int fastipc_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	mutex_lock(&fastipc_nl_config_lock);
	err = fastipc_nl_config_set_locked(info);
	mutex_unlock(&fastipc_nl_config_lock);
	return err;
}

static const struct genl_ops fastipc_nl_ops[] = {
	{
		.cmd = FASTIPC_CMD_CHANNEL_GET,
		.doit = fastipc_nl_channel_get,
		.dumpit = fastipc_nl_channel_dump,
	},
	{
		.cmd = FASTIPC_CMD_CHANNEL_SET,
		.doit = fastipc_nl_channel_set,
	},
	{
		.cmd = FASTIPC_CMD_CHANNEL_DEL,
		.doit = fastipc_nl_channel_del,
	},
	{
		.cmd = FASTIPC_CMD_STATS_GET,
		.doit = fastipc_nl_stats_get,
	},
	{
		.cmd = FASTIPC_CMD_CONFIG_GET,
		.doit = fastipc_nl_config_get,
	},
	{
		.cmd = FASTIPC_CMD_CONFIG_SET,
		.doit = fastipc_nl_config_set,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group fastipc_nl_mcgrps[] = {
	[FASTIPC_NL_GROUP_EVENTS] = { .name = FASTIPC_GENL_MCGRP_EVENTS },
};

static struct genl_family fastipc_genl_family __ro_after_init = {
	.name = FASTIPC_GENL_NAME,
	.version = FASTIPC_GENL_VERSION,
	.maxattr = FASTIPC_A_MAX,
	.policy = fastipc_nl_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = fastipc_nl_ops,
	.n_ops = ARRAY_SIZE(fastipc_nl_ops),
	/* Strict validation for every command: nothing legacy to honour. */
	.resv_start_op = FASTIPC_CMD_CHANNEL_GET,
	.mcgrps = fastipc_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(fastipc_nl_mcgrps),
};

int fastipc_nl_register(void)
{
	return genl_register_family(&fastipc_genl_family);
}

void fastipc_nl_unregister(void)
{
	genl_unregister_family(&fastipc_genl_family);
}

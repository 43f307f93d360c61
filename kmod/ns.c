// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: channel names, scoped per network namespace.
 *
 * IPC-namespace references cannot be taken by a module, so names live in
 * the network namespace of the caller, as abstract Unix socket names do.
 * When a namespace goes away its channels are unlinked and destroyed:
 * handles that still reach one (passed out over a socket) get EIDRM.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "fastipc_internal.h"

static unsigned int fastipc_net_id __read_mostly;
static atomic64_t fastipc_next_id = ATOMIC64_INIT(0);

struct fastipc_ns *fastipc_ns_of(struct net *net)
{
	return net_generic(net, fastipc_net_id);
}

struct fastipc_ns *fastipc_ns_current(void)
{
	return fastipc_ns_of(current->nsproxy->net_ns);
}

static u32 fastipc_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

/* 1 to FASTIPC_NAME_MAX bytes, NUL-terminated, no '/'. */
static int fastipc_name_check(const char *name)
{
	size_t len = strnlen(name, FASTIPC_NAME_LEN);

	if (!len || len == FASTIPC_NAME_LEN || strchr(name, '/'))
		return -EINVAL;
	return 0;
}

static struct fastipc_channel *fastipc_ns_lookup(struct fastipc_ns *ns,
						 const char *name)
{
	struct fastipc_channel *ch;

	lockdep_assert_held(&ns->lock);
	hash_for_each_possible(ns->names, ch, name_node,
			       fastipc_name_hash(name))
		if (!strcmp(ch->name, name))
			return ch;
	return NULL;
}

static struct fastipc_channel *fastipc_chan_new(struct fastipc_ns *ns,
						const struct fastipc_open *arg,
						const struct fastipc_attr *attr)
{
	struct fastipc_channel *ch;
	int p;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL_ACCOUNT);
	if (!ch)
		return NULL;
	kref_init(&ch->ref);
	strscpy(ch->name, arg->name, sizeof(ch->name));
	ch->uid = current_euid();
	ch->cuid = ch->uid;
	ch->gid = current_egid();
	ch->cgid = ch->gid;
	ch->mode = arg->mode & 0777;
	ch->user_ns = get_user_ns(ns->net->user_ns);
	ch->ctime = ktime_get_real_ns();
	spin_lock_init(&ch->lock);
	ch->attr = *attr;
	for (p = 0; p < FASTIPC_NR_PRIO; p++)
		INIT_LIST_HEAD(&ch->queue[p]);
	INIT_LIST_HEAD(&ch->rx_waiters);
	INIT_LIST_HEAD(&ch->tx_waiters);
	init_waitqueue_head(&ch->recv_wq);
	init_waitqueue_head(&ch->send_wq);
	fastipc_topic_init(ch, arg);
	return ch;
}

/* A channel that never became visible: undo fastipc_chan_new(). */
static void fastipc_chan_discard(struct fastipc_channel *ch)
{
	if (!ch)
		return;
	put_user_ns(ch->user_ns);
	kfree(ch);
}

/* As POSIX mq: owner, group or other class bits; CAP_IPC_OWNER overrides. */
static int fastipc_chan_permission(const struct fastipc_channel *ch,
				   u32 access)
{
	unsigned int want = 0, granted;
	kuid_t fsuid = current_fsuid();

	if (access & FASTIPC_O_RECV)
		want |= 4;
	if (access & FASTIPC_O_SEND)
		want |= 2;
	if (uid_eq(fsuid, ch->uid) || uid_eq(fsuid, ch->cuid))
		granted = ch->mode >> 6;
	else if (in_group_p(ch->gid) || in_group_p(ch->cgid))
		granted = ch->mode >> 3;
	else
		granted = ch->mode;
	if (!(want & ~granted & 7))
		return 0;
	if (ns_capable(ch->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

/*
 * Find or create the channel named in @arg and return it with a reference
 * for the caller's handle.  @attr_out gets the limits in force; *@created
 * says whether this call made the channel.
 */
struct fastipc_channel *fastipc_chan_open(struct fastipc_ns *ns,
					  const struct fastipc_open *arg,
					  struct fastipc_attr *attr_out,
					  bool *created)
{
	struct fastipc_channel *ch, *fresh = NULL;
	struct fastipc_attr attr = arg->attr;
	int err;

	*created = false;

	err = fastipc_name_check(arg->name);
	if (err)
		return ERR_PTR(err);
	err = fastipc_topic_check_open(arg, arg->flags & FASTIPC_O_CREAT);
	if (err)
		return ERR_PTR(err);
	if (arg->flags & FASTIPC_O_CREAT) {
		err = fastipc_chan_check_attr(&attr, true);
		if (err)
			return ERR_PTR(err);
		/* A history longer than the topic can hold is a mistake. */
		if (arg->history > attr.max_msgs)
			return ERR_PTR(-EINVAL);
		fresh = fastipc_chan_new(ns, arg, &attr);
		if (!fresh)
			return ERR_PTR(-ENOMEM);
	} else if (memchr_inv(&arg->attr, 0, sizeof(arg->attr))) {
		/* Limits only make sense when creating. */
		return ERR_PTR(-EINVAL);
	}

	mutex_lock(&ns->lock);
	ch = fastipc_ns_lookup(ns, arg->name);
	if (ch) {
		err = -EEXIST;
		if ((arg->flags & FASTIPC_O_CREAT) &&
		    (arg->flags & FASTIPC_O_EXCL))
			goto err_unlock;
		err = fastipc_chan_permission(ch, arg->flags);
		if (err)
			goto err_unlock;
		err = -EPROTOTYPE;
		if ((arg->flags & FASTIPC_O_TOPIC) && !ch->topic)
			goto err_unlock;
		kref_get(&ch->ref);
	} else {
		err = -ENOENT;
		if (!fresh)
			goto err_unlock;
		err = -ENOSPC;
		if (ns->nr_channels >= READ_ONCE(fastipc_max_channels))
			goto err_unlock;
		fresh->id = atomic64_inc_return(&fastipc_next_id);
		err = xa_insert(&ns->ids, fresh->id, fresh, GFP_KERNEL_ACCOUNT);
		if (err)
			goto err_unlock;
		err = fastipc_quota_add_channel(fresh->cuid,
						fresh->attr.max_bytes);
		if (err) {
			xa_erase(&ns->ids, fresh->id);
			goto err_unlock;
		}
		ch = fresh;
		fresh = NULL;
		*created = true;
		WRITE_ONCE(ch->ns, ns);
		hash_add(ns->names, &ch->name_node,
			 fastipc_name_hash(ch->name));
		ns->nr_channels++;
		atomic_long_inc(&fastipc_counters.channels);
		kref_get(&ch->ref);	/* the handle's; kref_init gave the name's */
	}
	spin_lock(&ch->lock);
	*attr_out = ch->attr;
	spin_unlock(&ch->lock);
	mutex_unlock(&ns->lock);
	fastipc_chan_discard(fresh);
	if (*created)
		fastipc_nl_notify(ch, ns->net, FASTIPC_CMD_EVENT_CHANNEL_NEW);
	return ch;

err_unlock:
	mutex_unlock(&ns->lock);
	fastipc_chan_discard(fresh);
	return ERR_PTR(err);
}

/* Take @ch's name out of @ns; caller holds ns->lock. */
static void fastipc_ns_remove(struct fastipc_ns *ns, struct fastipc_channel *ch)
{
	lockdep_assert_held(&ns->lock);
	hash_del(&ch->name_node);
	xa_erase(&ns->ids, ch->id);
	WRITE_ONCE(ch->ns, NULL);
	ns->nr_channels--;
}

/*
 * The channel named @name, or else numbered @id (when @name is NULL),
 * with a reference; NULL if there is none.
 */
struct fastipc_channel *fastipc_ns_find(struct fastipc_ns *ns,
					const char *name, u64 id)
{
	struct fastipc_channel *ch;

	mutex_lock(&ns->lock);
	ch = name ? fastipc_ns_lookup(ns, name) : xa_load(&ns->ids, id);
	if (ch)
		kref_get(&ch->ref);
	mutex_unlock(&ns->lock);
	return ch;
}

int fastipc_chan_unlink(struct fastipc_ns *ns, const char *name)
{
	struct fastipc_channel *ch;
	int err;

	err = fastipc_name_check(name);
	if (err)
		return err;

	mutex_lock(&ns->lock);
	ch = fastipc_ns_lookup(ns, name);
	if (!ch) {
		mutex_unlock(&ns->lock);
		return -ENOENT;
	}
	if (!fastipc_chan_may_admin(ch)) {
		mutex_unlock(&ns->lock);
		return -EPERM;
	}
	fastipc_ns_remove(ns, ch);
	mutex_unlock(&ns->lock);

	fastipc_nl_notify(ch, ns->net, FASTIPC_CMD_EVENT_CHANNEL_DEL);
	fastipc_chan_put(ch);	/* the name's reference */
	return 0;
}

/*
 * Delete @ch (the caller holds a reference), like ipcrm: unlink its name
 * if it still has it and destroy the queue.  Open handles get EIDRM from
 * then on.  Permission is the caller's to check.
 */
int fastipc_chan_delete(struct fastipc_ns *ns, struct fastipc_channel *ch)
{
	bool named;

	mutex_lock(&ns->lock);
	named = READ_ONCE(ch->ns) == ns;
	if (named)
		fastipc_ns_remove(ns, ch);
	mutex_unlock(&ns->lock);
	if (!named)
		return -ENOENT;

	/* The event reports the dropped messages in the channel's drops. */
	fastipc_chan_kill(ch);
	fastipc_nl_notify(ch, ns->net, FASTIPC_CMD_EVENT_CHANNEL_DEL);
	fastipc_chan_put(ch);	/* the name's reference */
	return 0;
}

/*
 * Delete @ch, which the caller created and holds a reference to, unless
 * anyone else holds one: its name was visible, and a process that opened
 * it meanwhile must not find it dead.  Holding ns->lock keeps anyone from
 * finding it while we look.
 */
void fastipc_chan_delete_unused(struct fastipc_ns *ns,
				struct fastipc_channel *ch)
{
	bool unused;

	mutex_lock(&ns->lock);
	/* Ours and the name's. */
	unused = READ_ONCE(ch->ns) == ns && kref_read(&ch->ref) == 2;
	if (unused)
		fastipc_ns_remove(ns, ch);
	mutex_unlock(&ns->lock);
	if (!unused)
		return;
	fastipc_chan_kill(ch);
	fastipc_nl_notify(ch, ns->net, FASTIPC_CMD_EVENT_CHANNEL_DEL);
	fastipc_chan_put(ch);	/* the name's reference */
}

static int __net_init fastipc_net_init(struct net *net)
{
	struct fastipc_ns *ns = net_generic(net, fastipc_net_id);

	ns->net = net;
	mutex_init(&ns->lock);
	hash_init(ns->names);
	xa_init(&ns->ids);
	ns->nr_channels = 0;
	return 0;
}

static void __net_exit fastipc_net_exit(struct net *net)
{
	struct fastipc_ns *ns = net_generic(net, fastipc_net_id);
	struct fastipc_channel *ch;
	struct hlist_node *tmp;
	HLIST_HEAD(doomed);
	int bkt;

	mutex_lock(&ns->lock);
	hash_for_each_safe(ns->names, bkt, tmp, ch, name_node) {
		fastipc_ns_remove(ns, ch);
		hlist_add_head(&ch->name_node, &doomed);
	}
	mutex_unlock(&ns->lock);

	hlist_for_each_entry_safe(ch, tmp, &doomed, name_node) {
		hlist_del(&ch->name_node);
		fastipc_chan_kill(ch);
		fastipc_chan_put(ch);
	}
	xa_destroy(&ns->ids);
	mutex_destroy(&ns->lock);
}

static struct pernet_operations fastipc_net_ops = {
	.init = fastipc_net_init,
	.exit = fastipc_net_exit,
	.id = &fastipc_net_id,
	.size = sizeof(struct fastipc_ns),
};

int fastipc_ns_register(void)
{
	return register_pernet_subsys(&fastipc_net_ops);
}

void fastipc_ns_unregister(void)
{
	unregister_pernet_subsys(&fastipc_net_ops);
}

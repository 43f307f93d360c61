// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: module-wide counters (FASTIPC_IOC_STATS, netlink STATS_GET).
 *
 * The counters every message updates (bytes queued, bytes copied, pages
 * mapped) are per-CPU: a sender and a receiver on two CPUs would
 * otherwise bounce their cache lines on every message.  Their batch is
 * large because they count bytes: the per-CPU deltas fold into the total
 * only when they grow past it, and a reader sums them exactly.  The
 * others change once per channel, handle or page set and stay atomic.
 */
#include <linux/percpu_counter.h>
#include <linux/sched.h>

#include "fastipc_internal.h"

struct fastipc_counters fastipc_counters;

int fastipc_counters_init(void)
{
	struct fastipc_counters *c = &fastipc_counters;
	int err;

	err = percpu_counter_init(&c->bytes_queued, 0, GFP_KERNEL);
	if (err)
		return err;
	err = percpu_counter_init(&c->copied_bytes, 0, GFP_KERNEL);
	if (err)
		goto err_queued;
	err = percpu_counter_init(&c->mapped_pages, 0, GFP_KERNEL);
	if (err)
		goto err_copied;
	return 0;

err_copied:
	percpu_counter_destroy(&c->copied_bytes);
err_queued:
	percpu_counter_destroy(&c->bytes_queued);
	return err;
}

void fastipc_counters_destroy(void)
{
	struct fastipc_counters *c = &fastipc_counters;

	/* Everything is freed by now: what was counted must be gone too. */
	WARN_ON(atomic_long_read(&c->pages_held));
	WARN_ON(atomic_long_read(&c->pages_pooled));
	WARN_ON(atomic_long_read(&c->channels));
	WARN_ON(percpu_counter_sum(&c->bytes_queued));
	percpu_counter_destroy(&c->mapped_pages);
	percpu_counter_destroy(&c->copied_bytes);
	percpu_counter_destroy(&c->bytes_queued);
}

/* @ns's own figures: its channels', summed under its lock. */
static void fastipc_counters_read_ns(struct fastipc_stats *st,
				     struct fastipc_ns *ns)
{
	struct fastipc_channel *ch;
	unsigned long id;

	st->scope = FASTIPC_STATS_NETNS;
	mutex_lock(&ns->lock);
	st->channels = ns->nr_channels;
	xa_for_each(&ns->ids, id, ch) {
		st->handles += atomic_read(&ch->nr_handles);
		spin_lock(&ch->lock);
		st->bytes_queued += ch->queued_bytes;
		st->copied_bytes += ch->copied_bytes;
		st->mapped_pages += ch->mapped_pages;
		spin_unlock(&ch->lock);
		cond_resched();
	}
	mutex_unlock(&ns->lock);
}

/*
 * A snapshot of the counters a reader in @ns may see: the module's
 * (@global: the initial namespace, or CAP_SYS_ADMIN), else the
 * namespace's own.  Each is exact, together they may race.
 */
void fastipc_counters_read(struct fastipc_stats *st, struct fastipc_ns *ns,
			   bool global)
{
	struct fastipc_counters *c = &fastipc_counters;

	memset(st, 0, sizeof(*st));
	if (!global) {
		fastipc_counters_read_ns(st, ns);
		return;
	}
	st->pages_held = atomic_long_read(&c->pages_held);
	st->bytes_queued = percpu_counter_sum_positive(&c->bytes_queued);
	st->channels = atomic_long_read(&c->channels);
	st->handles = atomic_long_read(&c->handles);
	st->copied_bytes = percpu_counter_sum_positive(&c->copied_bytes);
	st->mapped_pages = percpu_counter_sum_positive(&c->mapped_pages);
	st->pages_pooled = atomic_long_read(&c->pages_pooled);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the fan-out workload.  One publisher process, several
 * subscriber processes; every message goes to every subscriber.
 *
 * Two kinds of mechanism.  A queue per subscriber (pipe, unix-stream,
 * posix-mq, shm-ring): the parent creates one link of the mechanism per
 * subscriber, the publisher attaches as the sender of every link and
 * sends each message on each of them, written once into its own buffer
 * and handed to each link's send (which copies it, or writes it to the
 * descriptor: as chunked as that mechanism's one-way send is).  A
 * broadcast mechanism (MECH_BCAST: shm-bcast, fastipc-topic): one link;
 * every subscriber attaches to it as a receiver (link.sub says which),
 * and the publisher writes and sends each message once.
 *
 * The publisher writes every byte of every message (its number in the
 * first word); each subscriber reads every byte, checks it and the order,
 * and counts it in its own word of the control block.  The publisher is
 * the clock: a message is delivered when the slowest subscriber has
 * checked it, so the measured rate is the growth of the smallest count
 * over windows of at least win_ns and win_min messages, read every
 * 0.25-2 ms (between sends).  Warm-up: the warm-up time and 2 x buffers
 * messages delivered to every subscriber.  After the last window it reads
 * every process's CPU-time clock, sends one last message numbered
 * SEQ_END, and each subscriber stops when it has checked that one.
 *
 * Placement: the publisher on the senders' CPU, every subscriber on the
 * receiver's (their user-space polls yield it between tries, as several
 * processes on one CPU do, poll.c).  Subscribers never send, so the
 * adaptive poll never polls here; a fixed --busy-poll does, for all.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define PUB		0	/* the control block's slot of the publisher */

struct fres {
	int err;
	char why[WHY_LEN];
};

/* A subscriber's count of checked messages, alone on its cache line. */
struct fcount {
	_Atomic uint64_t done;
	char pad[56];
};

struct fctl {
	_Atomic uint32_t ready, abort;
	uint32_t nchildren;			/* publisher + subscribers */
	pid_t pid[MAX_SENDERS + 1];		/* [0] publisher */
	struct fres res[MAX_SENDERS + 1];
	struct fcount sub[MAX_SENDERS];
	uint64_t got[MAX_SENDERS];		/* received, SEQ_END not */
	uint64_t good[MAX_SENDERS];		/* of those: whole, in order */
	uint64_t published;			/* SEQ_END not counted */
	uint64_t warmup;			/* delivered before window 1 */
	uint32_t nwin;
	int64_t win_ns[MAX_WINDOWS];
	uint64_t win_msgs[MAX_WINDOWS];
	int64_t win_cpu_ns;
	uint64_t win_cpu_n;
};

struct fanrun {
	const struct opts *o;
	struct cell *c;
	struct link links[MAX_SENDERS];
	unsigned int nlinks;
	unsigned int nsubs;
	unsigned int win_min;
	struct fctl *ctl;
};

static bool bcast(const struct fanrun *x)
{
	return x->c->mech->flags & MECH_BCAST;
}

static void ffail(struct fanrun *x, int slot, int err, const char *why)
{
	struct fres *res = &x->ctl->res[slot];

	if (!res->err) {
		res->err = err ? err : -EIO;
		snprintf(res->why, sizeof(res->why), "%s", why);
	}
	atomic_store(&x->ctl->abort, 1);
}

static uint64_t min_done(const struct fanrun *x)
{
	uint64_t m = UINT64_MAX;

	for (unsigned int i = 0; i < x->nsubs; i++) {
		uint64_t d = atomic_load_explicit(&x->ctl->sub[i].done,
						  memory_order_relaxed);

		if (d < m)
			m = d;
	}
	return m;
}

/* Write message @seq once, send it to every subscriber. */
static int publish(struct fanrun *x, uint64_t seq)
{
	struct link *l = &x->links[0];
	void *buf;
	int err;

	err = l->mech->tx_buf(l, &buf);
	if (err)
		return err;
	payload_fill(buf, l->size, seq);
	for (unsigned int i = 0; i < x->nlinks; i++) {
		l = &x->links[i];
		err = l->mech->tx_send(l, buf);
		if (err)
			return err;
	}
	return 0;
}

static int publisher(struct fanrun *x)
{
	const struct opts *o = x->o;
	struct fctl *ctl = x->ctl;
	enum { WARM, MEASURE } phase = WARM;
	uint64_t warm_min = 2 * (uint64_t)x->c->buffers, seq, wbase = 0;
	int64_t t0 = now_ns(), wstart = 0, now, last = t0, cpu0 = -1;
	/* The clock every @stride messages, about every 0.25-2 ms, as the
	 * one-way receiver reads it (driver.c). */
	uint64_t stride = 1, since = 0;
	int err = 0;

	for (seq = 0;; seq++) {
		uint64_t md;

		if (atomic_load_explicit(&ctl->abort, memory_order_relaxed))
			return 1;
		err = publish(x, seq);
		if (err)
			goto fail;
		if (++since < stride)
			continue;
		since = 0;
		now = now_ns();
		if (now - last < 250 * 1000 && stride < 1024)
			stride *= 2;
		else if (now - last > 2 * NSEC_PER_MSEC && stride > 1)
			stride /= 2;
		last = now;
		md = min_done(x);
		if (phase == WARM) {
			if (now - t0 < o->warm_ns || md < warm_min)
				continue;
			ctl->warmup = md;
			phase = MEASURE;
			wstart = now;
			wbase = md;
			cpu0 = procs_cpu_ns(ctl->pid, ctl->nchildren);
			continue;
		}
		if (now - wstart < o->win_ns || md - wbase < x->win_min)
			continue;
		ctl->win_ns[ctl->nwin] = now - wstart;
		ctl->win_msgs[ctl->nwin] = md - wbase;
		ctl->nwin++;
		wstart = now;
		wbase = md;
		if (ctl->nwin >= o->reps)
			break;
	}
	{
		int64_t cpu1 = procs_cpu_ns(ctl->pid, ctl->nchildren);

		if (cpu0 >= 0 && cpu1 >= cpu0) {
			ctl->win_cpu_ns = cpu1 - cpu0;
			for (uint32_t w = 0; w < ctl->nwin; w++)
				ctl->win_cpu_n += ctl->win_msgs[w];
		}
	}
	ctl->published = seq + 1;
	err = publish(x, SEQ_END);
	if (err)
		goto fail;
	return 0;
fail:
	for (unsigned int i = 0; i < x->nlinks; i++)
		if (x->links[i].why[0]) {
			ffail(x, PUB, err, x->links[i].why);
			return 1;
		}
	ffail(x, PUB, err, "send");
	return 1;
}

static int subscriber(struct fanrun *x, struct link *l, unsigned int idx)
{
	struct fctl *ctl = x->ctl;
	uint64_t got = 0, good = 0;
	const void *p;
	size_t len;
	int err;

	for (;;) {
		uint64_t seq = 0;
		bool ok;

		/* A publisher that failed sends nothing more. */
		if (atomic_load_explicit(&ctl->abort, memory_order_relaxed))
			return 1;
		err = l->mech->rx_recv(l, &p, &len);
		if (err) {
			ffail(x, 1 + (int)idx, err, l->why[0] ? l->why :
			      "receive");
			return 1;
		}
		ok = len == l->size && payload_check(p, len, &seq);
		err = l->mech->rx_done(l);
		if (err) {
			ffail(x, 1 + (int)idx, err, l->why[0] ? l->why :
			      "release");
			return 1;
		}
		if (ok && seq == SEQ_END)
			break;
		good += ok && seq == got;
		got++;
		atomic_store_explicit(&ctl->sub[idx].done, got,
				      memory_order_relaxed);
	}
	ctl->got[idx] = got;
	ctl->good[idx] = good;
	return 0;
}

static int child_main(struct fanrun *x, int slot, int cpu)
{
	struct link *l;
	int rc, err = 0;

	signal(SIGPIPE, SIG_DFL);
	x->ctl->pid[slot] = getpid();	/* published by the barrier */
	pin_to_cpu(cpu);
	if (slot == PUB) {
		for (unsigned int i = 0; i < x->nlinks && !err; i++) {
			l = &x->links[i];
			err = l->mech->attach(l, 0);
			if (err)
				ffail(x, slot, err, l->why[0] ? l->why :
				      "attach");
		}
		l = NULL;
	} else {
		l = &x->links[bcast(x) ? 0 : slot - 1];
		l->sub = (unsigned int)(slot - 1);
		err = l->mech->attach(l, ROLE_RX);
		if (err)
			ffail(x, slot, err, l->why[0] ? l->why : "attach");
	}
	/* Every subscriber is there before the first message. */
	if (!futex_barrier(&x->ctl->ready, x->ctl->nchildren,
			   &x->ctl->abort) || err)
		return 1;
	rc = l ? subscriber(x, l, (unsigned int)(slot - 1)) : publisher(x);
	for (unsigned int i = 0; i < x->nlinks; i++) {
		struct link *k = &x->links[i];

		if ((!l || k == l) && k->mech->detach)
			k->mech->detach(k);
	}
	return rc;
}

/*
 * The buffering every mechanism gets: bench_depth() messages in all, as
 * in fan-in; a queue per subscriber gets its share (never fewer than 2),
 * a broadcast ring all of it, each subscriber reading at its own pace.
 */
static unsigned int sub_depth(const struct cell *c, unsigned int nsubs)
{
	unsigned int d = c->depth / nsubs;

	return d < 2 ? 2 : d;
}

static int links_create(struct fanrun *x)
{
	const struct cell *c = x->c;

	x->nlinks = bcast(x) ? 1 : x->nsubs;
	for (unsigned int i = 0; i < x->nlinks; i++) {
		struct link *l = &x->links[i];
		int err;

		l->mech = c->mech;
		l->size = c->size;
		l->depth = bcast(x) ? c->depth : sub_depth(c, x->nsubs);
		l->nsenders = 1;
		l->nsubs = bcast(x) ? x->nsubs : 1;
		l->role = ROLE_RX;
		rxpoll_init(&l->poll, c->poll, x->nsubs > 1);
		l->priv = calloc(1, c->mech->priv_size ? c->mech->priv_size :
				 1);
		if (!l->priv)
			return link_fail(l, -ENOMEM, "link");
		err = c->mech->create(l);
		if (err)
			return err;
	}
	return 0;
}

static void links_destroy(struct fanrun *x)
{
	for (unsigned int i = 0; i < x->nlinks; i++) {
		struct link *l = &x->links[i];

		if (!l->priv)
			continue;
		if (l->mech->destroy)
			l->mech->destroy(l);
		free(l->priv);
		l->priv = NULL;
	}
}

/*
 * What the queues may hold at once: a message in each slot of each
 * queue and the one being written.  A cell that needs more than half the
 * memory available is n/a rather than a machine that swaps or kills.
 */
static bool fits(const struct run *r, struct fanrun *x)
{
	unsigned int q = bcast(x) ? 1 : x->nsubs;
	unsigned int d = bcast(x) ? x->c->depth : sub_depth(x->c, x->nsubs);
	double need = (double)x->c->size * ((double)q * (d + 1) + 1);
	double avail = (double)r->sys.mem_avail_kb * KiB;

	if (!r->sys.mem_avail_kb || need <= avail / 2)
		return true;
	snprintf(x->c->why, sizeof(x->c->why), "its queues may hold %.0f "
		 "MiB, more than half the %.0f MiB available", need / MiB,
		 avail / MiB);
	return false;
}

const struct cell *find_fanout_cell(const struct run *r,
				    const struct mech *m, size_t size,
				    unsigned int nsubs)
{
	for (int i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];

		if (c->wl == WL_FANOUT && c->mech == m && c->size == size &&
		    c->nsenders == nsubs)
			return c;
	}
	return NULL;
}

/* Fill in @c from the control block once the children are gone. */
static void collect(struct fanrun *x)
{
	struct cell *c = x->c;
	struct fctl *ctl = x->ctl;
	double bps[MAX_WINDOWS];

	/* A message counts once, when every subscriber has it: verified
	 * are those that every subscriber found whole and in order. */
	c->messages = ctl->published;
	c->verified = ctl->published;
	for (unsigned int i = 0; i < x->nsubs; i++) {
		if (ctl->good[i] < c->verified)
			c->verified = ctl->good[i];
		if (ctl->got[i] != ctl->published && !c->why[0])
			snprintf(c->why, sizeof(c->why), "subscriber %u got "
				 "%llu of %llu messages", i,
				 (unsigned long long)ctl->got[i],
				 (unsigned long long)ctl->published);
	}
	c->warmup = ctl->warmup;
	c->win_cpu_ns = (double)ctl->win_cpu_ns;
	c->win_cpu_n = ctl->win_cpu_n;
	if (c->why[0])
		return;
	if (c->verified != c->messages || !c->messages) {
		snprintf(c->why, sizeof(c->why), "checksum: %llu of %llu "
			 "messages verified", (unsigned long long)c->verified,
			 (unsigned long long)c->messages);
		return;
	}
	c->nwin = ctl->nwin;
	for (unsigned int w = 0; w < c->nwin; w++) {
		c->win_mps[w] = (double)ctl->win_msgs[w] * 1e9 /
				(double)ctl->win_ns[w];
		bps[w] = c->win_mps[w] * (double)c->size;
	}
	c->mps = median(c->win_mps, c->nwin);
	c->bps = median(bps, c->nwin);
	c->spread = spread(c->win_mps, c->nwin);
	c->status = CELL_OK;
}

void run_fanout_cell(struct run *r, struct cell *c)
{
	const struct opts *o = &r->opts;
	struct fanrun x = { .o = o, .c = c, .nsubs = c->nsenders };
	struct kid kids[MAX_SENDERS + 1];
	struct rusage ru = { 0 };
	int64_t t0 = now_ns();
	sigset_t set, old;
	bool timed_out;
	int nkids = 0, err;

	c->status = CELL_ERROR;
	c->why[0] = '\0';
	if (!o->two_cpus || !x.nsubs || x.nsubs > MAX_SENDERS) {
		c->status = CELL_NA;
		snprintf(c->why, sizeof(c->why), !o->two_cpus ?
			 "only one CPU available" : "1 to %d subscribers",
			 MAX_SENDERS);
		return;
	}
	if (!fits(r, &x)) {
		c->status = CELL_NA;
		return;
	}
	err = links_create(&x);
	if (err) {
		const char *why = "";

		for (unsigned int i = 0; i < x.nlinks && !why[0]; i++)
			why = x.links[i].why;
		c->status = err == BENCH_NA ? CELL_NA : CELL_ERROR;
		snprintf(c->why, sizeof(c->why), "%s", why[0] ? why :
			 strerror(-err));
		goto out_links;
	}
	/* What each queue holds and cycles through (one, broadcast). */
	c->depth = x.links[0].depth;
	c->buffers = link_buffers(&x.links[0]);
	x.ctl = bench_shared(sizeof(*x.ctl));
	if (!x.ctl) {
		snprintf(c->why, sizeof(c->why), "shared memory: %s",
			 strerror(errno));
		goto out_links;
	}
	x.ctl->nchildren = 1 + x.nsubs;
	/* Big messages: fewer per window, as in the one-way cells. */
	x.win_min = o->win_min_msgs;
	if ((8 * MiB) / c->size < x.win_min)
		x.win_min = (unsigned int)((8 * MiB) / c->size);
	if (x.win_min < 1)
		x.win_min = 1;

	fflush(NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (unsigned int i = 0; i < x.ctl->nchildren; i++) {
		pid_t pid = fork_child(&x.ctl->ready, x.ctl->nchildren,
				       &x.ctl->abort, c->why,
				       sizeof(c->why));

		if (pid < 0)
			break;
		if (pid == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			_exit(child_main(&x, (int)i, i == PUB ? o->cpu_b :
					 o->cpu_a));
		}
		kids[nkids].pid = pid;
		kids[nkids].done = false;
		nkids++;
	}
	timed_out = reap(kids, nkids, t0 + o->cell_timeout_ns, &ru);
	sigprocmask(SIG_SETMASK, &old, NULL);
	c->wall_s = (double)(now_ns() - t0) / NSEC_PER_SEC;
	c->cpu_us = tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime);
	c->sys_us = tv_us(&ru.ru_stime);

	for (unsigned int i = 0; i <= x.nsubs && !c->why[0]; i++)
		if (x.ctl->res[i].err)
			snprintf(c->why, sizeof(c->why), "%s%s", i == PUB ?
				 "publisher: " : "subscriber: ",
				 x.ctl->res[i].why);
	if (timed_out && !c->why[0])
		snprintf(c->why, sizeof(c->why), "timed out after %.0f s",
			 (double)o->cell_timeout_ns / NSEC_PER_SEC);
	for (int i = 0; i < nkids && !c->why[0]; i++) {
		if (WIFSIGNALED(kids[i].status))
			snprintf(c->why, sizeof(c->why), "a child was killed "
				 "by signal %d", WTERMSIG(kids[i].status));
		else if (WEXITSTATUS(kids[i].status))
			snprintf(c->why, sizeof(c->why), "a child failed");
	}
	collect(&x);
	munmap(x.ctl, sizeof(*x.ctl));
out_links:
	links_destroy(&x);
	if (c->status == CELL_ERROR)
		r->failed = true;
}

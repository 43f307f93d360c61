// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: running one cell (one mechanism, workload, size and CPU
 * placement) in child processes.
 *
 * The parent creates the link (and for a round trip, the link back),
 * forks the receiver and the senders, pins them, and waits.  The children
 * attach to the link, meet at a barrier, and run:
 *
 * One-way throughput and fan-in.  Each sender loops: take a ticket (the
 * message's sequence number), get a buffer from the mechanism, write the
 * whole payload, send.  The receiver receives, checks every byte and the
 * order, and measures: after a warm-up, consecutive windows of at least
 * win_ns and win_min messages are the repetitions (messages per window /
 * window time, between message arrivals).  After the last window it sets
 * the STOP bit in the ticket counter with one atomic operation, which
 * tells it exactly how many tickets were handed out, drains and checks
 * those messages too, and exits; the senders stop at their next ticket.
 *
 * Round trip.  The client writes a request, sends it, receives the
 * full-size reply, checks every byte; the server checks every byte of the
 * request and writes a fresh full-size reply (its payload derived from the
 * request's number).  Each round trip is timed; after a warm-up the
 * samples are kept, split into windows for the spread.
 *
 * Warm-up, the same rule for every mechanism and workload: at least the
 * warm-up time, and every buffer or slot a link cycles through used
 * twice (2 x link_buffers(), that is 2 x (depth + 1) messages, round
 * trips in a round trip: each carries one message on each link).  Once
 * uses every buffer of a fixed ring, faulting its pages in; the second
 * time lets buffers that circulate (a zero-copy pool, which grows while
 * the receiver lags and must clear each fresh page) reach their steady
 * number, so that no measured message pays for either.
 *
 * Results come back through a MAP_SHARED control block, CPU time through
 * wait4()'s rusage (the whole cell) and through the processes' CPU-time
 * clocks, which the receiver (the client) reads when its measured windows
 * (round trips) begin and end: the steady state, without warm-up and
 * drain.  A round trip is two messages, a request and its reply: its CPU
 * time is counted per round trip, not per message.
 * A cell that runs past its timeout, or whose child fails, is killed and
 * reported as an error; the parent always destroys the link (names,
 * queues, segments), whatever became of the children.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define STOP_BIT	(1ULL << 63)

struct child_result {
	int err;
	char why[WHY_LEN];
};

/* The control block, shared by the parent and the children of a cell. */
struct ctl {
	_Atomic uint64_t ticket;	/* STOP_BIT | next sequence number */
	_Atomic uint32_t ready;		/* children past attach */
	_Atomic uint32_t abort;		/* a child failed: everyone stop */
	_Atomic uint32_t finished;	/* the receiver is done with every message */
	uint32_t nchildren;

	/* [0]: the receiver (or the round trip's client); [1..]: senders */
	struct child_result res[MAX_SENDERS + 1];
	pid_t pid[MAX_SENDERS + 1];	/* each child's, before the barrier */

	uint64_t received;		/* messages, all of them */
	uint64_t verified;		/* whole, right number, right order */
	uint64_t round_trips;		/* the client's, all of them */
	uint64_t warmup;		/* messages or round trips of warm-up */
	uint32_t nwin;
	int64_t win_ns[MAX_WINDOWS];
	uint64_t win_msgs[MAX_WINDOWS];
	/* CPU time of every child over the windows (one-way) or the
	 * measured round trips, and how many messages or round trips. */
	int64_t win_cpu_ns;
	uint64_t win_cpu_n;

	uint32_t nsamples;
	double samples[];		/* round trips, ns */
};

struct cellrun {
	struct run *r;
	struct cell *c;
	const struct opts *o;
	struct link links[2];		/* [1]: the reply link of a round trip */
	int nlinks;
	struct ctl *ctl;
	size_t ctl_len;
	unsigned int win_min;
};

static void child_fail(struct cellrun *x, int slot, int err,
		       const char *why)
{
	struct child_result *res = &x->ctl->res[slot];

	if (!res->err) {
		res->err = err ? err : -EIO;
		snprintf(res->why, sizeof(res->why), "%s", why);
	}
	atomic_store(&x->ctl->abort, 1);
	atomic_store(&x->ctl->finished, 1);
	futex_wake(&x->ctl->finished, INT32_MAX);
}

/*
 * A sender stays until the receiver is done: a mechanism may read from
 * the sender's memory after the send (process_vm_readv does).
 */
static void wait_finished(struct ctl *ctl)
{
	while (!atomic_load(&ctl->finished))
		futex_wait(&ctl->finished, 0);
}

static void set_finished(struct ctl *ctl)
{
	atomic_store(&ctl->finished, 1);
	futex_wake(&ctl->finished, INT32_MAX);
}

/* ------------------------------------------------------------------ */
/* One-way: senders and the receiver                                   */
/* ------------------------------------------------------------------ */

static int sender(struct cellrun *x, struct link *l, int slot)
{
	struct ctl *ctl = x->ctl;
	void *buf;
	int err;

	for (;;) {
		uint64_t t = atomic_fetch_add(&ctl->ticket, 1);

		if ((t & STOP_BIT) || atomic_load_explicit(&ctl->abort,
						memory_order_relaxed))
			break;
		err = l->mech->tx_buf(l, &buf);
		if (err) {
			child_fail(x, slot, err, l->why[0] ? l->why : "tx_buf");
			return 1;
		}
		payload_fill(buf, l->size, t);
		err = l->mech->tx_send(l, buf);
		if (err) {
			child_fail(x, slot, err, l->why[0] ? l->why : "send");
			return 1;
		}
	}
	wait_finished(ctl);
	return 0;
}

static uint64_t xor_upto(uint64_t n)	/* 0 ^ 1 ^ ... ^ (n - 1) */
{
	uint64_t m = n - 1;

	if (n == 0)
		return 0;
	switch (m % 4) {
	case 0: return m;
	case 1: return 1;
	case 2: return m + 1;
	default: return 0;
	}
}

static int receiver(struct cellrun *x, struct link *l)
{
	const struct opts *o = x->o;
	struct ctl *ctl = x->ctl;
	enum { WARM, MEASURE, DRAIN } phase = WARM;
	uint64_t got = 0, good = 0, expect = 0, total = 0;
	uint64_t seqsum = 0, seqxor = 0, wcount = 0;
	uint64_t warm_min = 2 * (uint64_t)link_buffers(l);
	int64_t t0 = now_ns(), wstart = 0, now, last = t0, cpu0 = -1;
	/* Read the clock every @stride messages, about every 0.25-2 ms: in
	 * the VM clock_gettime() reads the HPET, which costs more than a
	 * small message. */
	uint64_t stride = 1, since = 0;
	bool fanin = l->nsenders > 1;
	const void *p;
	size_t len;
	int err;

	for (;;) {
		uint64_t seq = 0;
		bool ok;

		if (phase == DRAIN && got >= total)
			break;
		err = l->mech->rx_recv(l, &p, &len);
		if (err) {
			child_fail(x, 0, err, l->why[0] ? l->why : "receive");
			return 1;
		}
		ok = len == l->size && payload_check(p, len, &seq);
		err = l->mech->rx_done(l);
		if (err) {
			child_fail(x, 0, err, l->why[0] ? l->why : "release");
			return 1;
		}
		got++;
		if (ok && !fanin) {
			ok = seq == expect;
			expect = seq + 1;
		} else if (ok) {
			seqsum += seq;
			seqxor ^= seq;
		}
		good += ok;
		if (phase == MEASURE)
			wcount++;
		if (++since < stride)
			continue;
		since = 0;
		now = now_ns();
		if (now - last < 250 * 1000 && stride < 1024)
			stride *= 2;
		else if (now - last > 2 * NSEC_PER_MSEC && stride > 1)
			stride /= 2;
		last = now;

		switch (phase) {
		case WARM:
			if (now - t0 >= o->warm_ns && got >= warm_min) {
				ctl->warmup = got;
				phase = MEASURE;
				wstart = now;
				wcount = 0;
				cpu0 = procs_cpu_ns(ctl->pid, ctl->nchildren);
			}
			break;
		case MEASURE:
			if (now - wstart < o->win_ns || wcount < x->win_min)
				break;
			ctl->win_ns[ctl->nwin] = now - wstart;
			ctl->win_msgs[ctl->nwin] = wcount;
			ctl->nwin++;
			wstart = now;
			wcount = 0;
			if (ctl->nwin >= o->reps) {
				int64_t cpu1 = procs_cpu_ns(ctl->pid,
							    ctl->nchildren);

				total = atomic_fetch_or(&ctl->ticket, STOP_BIT) &
					~STOP_BIT;
				phase = DRAIN;
				if (cpu0 >= 0 && cpu1 >= cpu0) {
					ctl->win_cpu_ns = cpu1 - cpu0;
					for (uint32_t w = 0; w < ctl->nwin; w++)
						ctl->win_cpu_n +=
							ctl->win_msgs[w];
				}
			}
			break;
		case DRAIN:
			break;
		}
	}

	/* Fan-in: every ticket 0..total-1 arrived exactly once? */
	if (fanin && (got != total ||
		      seqsum != (total % 2 ? total * ((total - 1) / 2) :
				 (total / 2) * (total - 1)) ||
		      seqxor != xor_upto(total)))
		good = 0;
	ctl->received = got;
	ctl->verified = good;
	set_finished(ctl);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Round trip: client and server                                       */
/* ------------------------------------------------------------------ */

static int client(struct cellrun *x, struct link *req, struct link *rep)
{
	const struct opts *o = x->o;
	struct ctl *ctl = x->ctl;
	uint64_t i, got = 0, good = 0;
	int64_t t0 = now_ns(), tmeas = 0, cpu0 = -1, cpu1;
	/* Both links' buffers used twice (see the top of the file). */
	uint64_t warm_min = 2 * (uint64_t)(link_buffers(req) >
					   link_buffers(rep) ?
					   link_buffers(req) :
					   link_buffers(rep));
	bool measuring = false;
	struct tickclock tc;
	const void *p;
	size_t len;
	void *buf;
	int err;

	tickclock_start(&tc);
	for (i = 0;; i++) {
		uint64_t a, b, seq = 0;
		bool ok;

		/* The clock for warm-up and the end, every 8 round trips. */
		if (i % 8 == 0) {
			int64_t t = now_ns();

			if (!measuring && t - t0 >= o->warm_ns &&
			    i >= warm_min) {
				ctl->warmup = i;
				measuring = true;
				tmeas = t;
				cpu0 = procs_cpu_ns(ctl->pid, ctl->nchildren);
			}
			if (measuring && t - tmeas >= o->lat_ns &&
			    ctl->nsamples >= o->lat_min_samples)
				break;
		}
		if (ctl->nsamples >= o->lat_max_samples)
			break;

		a = ticks();

		err = req->mech->tx_buf(req, &buf);
		if (err)
			goto fail_req;
		payload_fill(buf, req->size, i);
		err = req->mech->tx_send(req, buf);
		if (err)
			goto fail_req;
		/* A reply may come soon: the turn in which a poll may pay
		 * (fastipc's module notes its own sends). */
		rxpoll_note_send();
		err = rep->mech->rx_recv(rep, &p, &len);
		if (err)
			goto fail_rep;
		ok = len == rep->size && payload_check(p, len, &seq) &&
		     seq == reply_seq(i);
		err = rep->mech->rx_done(rep);
		if (err)
			goto fail_rep;
		b = ticks();
		got++;
		good += ok;
		if (measuring)
			ctl->samples[ctl->nsamples++] = (double)(b - a);
	}
	cpu1 = procs_cpu_ns(ctl->pid, ctl->nchildren);
	if (cpu0 >= 0 && cpu1 >= cpu0) {
		ctl->win_cpu_ns = cpu1 - cpu0;
		ctl->win_cpu_n = ctl->nsamples;
	}
	/* Ticks to nanoseconds. */
	{
		double k = tickclock_ns_per_tick(&tc);

		for (uint32_t n = 0; n < ctl->nsamples; n++)
			ctl->samples[n] *= k;
	}

	/* Tell the server to stop: a last full-size request. */
	err = req->mech->tx_buf(req, &buf);
	if (err)
		goto fail_req;
	payload_fill(buf, req->size, SEQ_END);
	err = req->mech->tx_send(req, buf);
	if (err)
		goto fail_req;
	/* The server may still read the request from our memory (cma). */
	wait_finished(ctl);
	ctl->round_trips = got;
	__atomic_add_fetch(&ctl->received, got, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&ctl->verified, good, __ATOMIC_SEQ_CST);
	return 0;

fail_req:
	child_fail(x, 0, err, req->why[0] ? req->why : "request");
	return 1;
fail_rep:
	child_fail(x, 0, err, rep->why[0] ? rep->why : "reply");
	return 1;
}

static int server(struct cellrun *x, struct link *req, struct link *rep)
{
	uint64_t n = 0, good = 0;
	const void *p;
	size_t len;
	void *buf;
	int err;

	for (;; n++) {
		uint64_t seq = 0;
		bool ok;

		err = req->mech->rx_recv(req, &p, &len);
		if (err) {
			child_fail(x, 1, err, req->why[0] ? req->why :
				   "request");
			return 1;
		}
		ok = len == req->size && payload_check(p, len, &seq);
		err = req->mech->rx_done(req);
		if (err) {
			child_fail(x, 1, err, req->why[0] ? req->why :
				   "release");
			return 1;
		}
		if (ok && seq == SEQ_END) {
			set_finished(x->ctl);
			break;
		}
		good += ok && seq == n;
		err = rep->mech->tx_buf(rep, &buf);
		if (!err) {
			payload_fill(buf, rep->size, reply_seq(ok ? seq : n));
			err = rep->mech->tx_send(rep, buf);
			rxpoll_note_send();
		}
		if (err) {
			child_fail(x, 1, err, rep->why[0] ? rep->why : "reply");
			return 1;
		}
	}
	/* The client adds its own counts after it is done. */
	__atomic_add_fetch(&x->ctl->received, n, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&x->ctl->verified, good, __ATOMIC_SEQ_CST);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The children                                                        */
/* ------------------------------------------------------------------ */

enum child_kind { K_RECEIVER, K_SENDER, K_CLIENT, K_SERVER };

static int child_attach(struct cellrun *x, struct link *l, int role,
			int slot)
{
	int err;

	l->why[0] = '\0';
	err = l->mech->attach(l, role);
	if (err)
		child_fail(x, slot, err, l->why[0] ? l->why : "attach");
	return err;
}

static void child_detach(struct link *l)
{
	if (l->mech->detach)
		l->mech->detach(l);
}

static int child_main(struct cellrun *x, enum child_kind kind, int idx,
		      int cpu)
{
	struct link *a = &x->links[0], *b = &x->links[1];
	int slot = kind == K_SENDER ? 1 + idx : kind == K_SERVER ? 1 : 0;
	int rc = 1, err = 0;

	signal(SIGPIPE, SIG_DFL);
	x->ctl->pid[slot] = getpid();	/* published by the barrier */
	if (pin_to_cpu(cpu)) {
		/* Not fatal: the report says where it ran. */
	}

	switch (kind) {
	case K_RECEIVER:
		err = child_attach(x, a, ROLE_RX, slot);
		break;
	case K_SENDER:
		err = child_attach(x, a, idx, slot);
		break;
	case K_CLIENT:
		err = child_attach(x, a, 0, slot);
		if (!err)
			err = child_attach(x, b, ROLE_RX, slot);
		break;
	case K_SERVER:
		err = child_attach(x, a, ROLE_RX, slot);
		if (!err)
			err = child_attach(x, b, 0, slot);
		break;
	}
	if (!futex_barrier(&x->ctl->ready, x->ctl->nchildren,
			   &x->ctl->abort) || err)
		return 1;

	switch (kind) {
	case K_RECEIVER:
		rc = receiver(x, a);
		break;
	case K_SENDER:
		rc = sender(x, a, slot);
		break;
	case K_CLIENT:
		rc = client(x, a, b);
		break;
	case K_SERVER:
		rc = server(x, a, b);
		break;
	}
	child_detach(a);
	if (x->nlinks > 1)
		child_detach(b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The parent                                                          */
/* ------------------------------------------------------------------ */

static int link_create(struct cellrun *x, struct link *l, unsigned int nsenders)
{
	const struct mech *m = x->c->mech;

	memset(l, 0, sizeof(*l));
	l->mech = m;
	l->size = x->c->size;
	l->depth = x->c->depth;
	l->nsenders = nsenders;
	l->round_trip = x->c->wl == WL_LATENCY;
	l->role = ROLE_RX;
	/* Every receiver polls by the cell's rule; on one CPU the user-space
	 * ones yield it between tries (poll.c). */
	rxpoll_init(&l->poll, x->c->poll, x->c->pl == PL_SAME);
	l->priv = calloc(1, m->priv_size ? m->priv_size : 1);
	if (!l->priv)
		return link_fail(l, -ENOMEM, "link");
	return m->create(l);
}

static void link_destroy(struct link *l)
{
	if (!l->priv)
		return;
	if (l->mech->destroy)
		l->mech->destroy(l);
	free(l->priv);
	l->priv = NULL;
}

/* How long a cell should take, for the progress line and the timeout. */
int64_t cell_estimate(const struct opts *o, const struct cell *c)
{
	if (c->wl == WL_LATENCY)
		return o->warm_ns + o->lat_ns;
	return o->warm_ns + (int64_t)o->reps * o->win_ns;
}

void run_cell(struct run *r, struct cell *c)
{
	const struct opts *o = &r->opts;
	struct cellrun x = { .r = r, .c = c, .o = o };
	struct kid kids[MAX_SENDERS + 1];
	struct rusage ru = { 0 };
	unsigned int nsenders = c->wl == WL_FANIN ? c->nsenders : 1;
	int nkids = 0, err;
	int cpu_rx = o->cpu_a;
	int cpu_tx = c->pl == PL_SAME ? o->cpu_a : o->cpu_b;
	int64_t t0 = now_ns();
	sigset_t set, old;
	bool timed_out;

	c->status = CELL_ERROR;
	c->why[0] = '\0';
	if (c->size < MIN_MSG_SIZE) {
		snprintf(c->why, sizeof(c->why), "messages of at least %d "
			 "bytes carry the sequence number", MIN_MSG_SIZE);
		c->status = CELL_NA;
		return;
	}
	if (c->pl == PL_SEPARATE && !o->two_cpus) {
		c->status = CELL_NA;
		snprintf(c->why, sizeof(c->why), "only one CPU available");
		return;
	}

	/* The limit that applies to a size also applies to a round trip's
	 * reply link: create both before forking. */
	x.nlinks = c->wl == WL_LATENCY ? 2 : 1;
	for (int i = 0; i < x.nlinks; i++) {
		err = link_create(&x, &x.links[i], nsenders);
		if (err) {
			c->status = err == BENCH_NA ? CELL_NA : CELL_ERROR;
			snprintf(c->why, sizeof(c->why), "%s",
				 x.links[i].why[0] ? x.links[i].why :
				 strerror(-err));
			goto out_links;
		}
	}
	c->buffers = link_buffers(&x.links[0]);

	x.ctl_len = sizeof(*x.ctl) +
		    (c->wl == WL_LATENCY ? o->lat_max_samples : 0) *
		    sizeof(double);
	x.ctl = bench_shared(x.ctl_len);
	if (!x.ctl) {
		snprintf(c->why, sizeof(c->why), "shared memory: %s",
			 strerror(errno));
		goto out_links;
	}
	x.ctl->nchildren = 1 + (c->wl == WL_LATENCY ? 1 : nsenders);
	/* Big messages: fewer per window, or a run takes too long. */
	x.win_min = o->win_min_msgs;
	if (c->size > 0 && (8 * MiB) / c->size < x.win_min)
		x.win_min = (unsigned int)((8 * MiB) / c->size);
	if (x.win_min < 1)
		x.win_min = 1;

	fflush(NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);

	for (unsigned int i = 0; i < x.ctl->nchildren; i++) {
		enum child_kind kind;
		int cpu, idx = 0;
		pid_t pid;

		if (c->wl == WL_LATENCY) {
			kind = i == 0 ? K_CLIENT : K_SERVER;
			cpu = i == 0 ? cpu_tx : cpu_rx;
		} else if (i == 0) {
			kind = K_RECEIVER;
			cpu = cpu_rx;
		} else {
			kind = K_SENDER;
			idx = (int)i - 1;
			cpu = cpu_tx;
		}
		pid = fork_child(&x.ctl->ready, x.ctl->nchildren,
				 &x.ctl->abort, c->why, sizeof(c->why));
		if (pid < 0)
			break;
		if (pid == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			_exit(child_main(&x, kind, idx, cpu));
		}
		kids[nkids].pid = pid;
		kids[nkids].done = false;
		nkids++;
	}

	timed_out = reap(kids, nkids, t0 + o->cell_timeout_ns, &ru);
	sigprocmask(SIG_SETMASK, &old, NULL);
	c->wall_s = (double)(now_ns() - t0) / NSEC_PER_SEC;

	/* What went wrong, if anything: the first child error. */
	for (unsigned int i = 0; i <= MAX_SENDERS && !c->why[0]; i++)
		if (x.ctl->res[i].err)
			snprintf(c->why, sizeof(c->why), "%s%s",
				 i == 0 ? "" : "sender: ", x.ctl->res[i].why);
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

	c->messages = x.ctl->received;
	c->verified = x.ctl->verified;
	c->round_trips = x.ctl->round_trips;
	c->warmup = x.ctl->warmup;
	c->cpu_us = tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime);
	c->sys_us = tv_us(&ru.ru_stime);
	c->win_cpu_ns = (double)x.ctl->win_cpu_ns;
	c->win_cpu_n = x.ctl->win_cpu_n;
	if (c->why[0])
		goto out_ctl;
	if (c->verified != c->messages || !c->messages) {
		snprintf(c->why, sizeof(c->why), "checksum: %llu of %llu "
			 "messages verified",
			 (unsigned long long)c->verified,
			 (unsigned long long)c->messages);
		goto out_ctl;
	}

	if (c->wl == WL_LATENCY) {
		unsigned int n = x.ctl->nsamples, per;
		double wmed[MAX_WINDOWS];
		unsigned int nw = 0;

		c->nsamples = n;
		c->lat_med_us = median(x.ctl->samples, n) / 1e3;
		c->lat_p99_us = percentile(x.ctl->samples, n, 99) / 1e3;
		c->lat_min_us = percentile(x.ctl->samples, n, 0) / 1e3;
		per = o->reps ? n / o->reps : n;
		for (unsigned int w = 0; per && w < o->reps &&
		     w < MAX_WINDOWS; w++)
			wmed[nw++] = median(x.ctl->samples + w * per, per);
		c->lat_spread = spread(wmed, nw);
		c->nwin = nw;
	} else {
		double bps[MAX_WINDOWS];

		c->nwin = x.ctl->nwin;
		for (unsigned int w = 0; w < c->nwin; w++) {
			c->win_mps[w] = (double)x.ctl->win_msgs[w] * 1e9 /
					(double)x.ctl->win_ns[w];
			bps[w] = c->win_mps[w] * (double)c->size;
		}
		c->mps = median(c->win_mps, c->nwin);
		c->bps = median(bps, c->nwin);
		c->spread = spread(c->win_mps, c->nwin);
	}
	c->status = CELL_OK;

out_ctl:
	munmap(x.ctl, x.ctl_len);
out_links:
	for (int i = 0; i < x.nlinks; i++)
		link_destroy(&x.links[i]);
	if (c->status == CELL_ERROR)
		r->failed = true;
}

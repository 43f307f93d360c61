// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the goals of issue 6, judged from this run's numbers
 * (Documentation/benchmarks.md has them in full).  Each says met, not
 * met (with the numbers that miss), or not judged (a measurement it
 * needs was not in the plan, or it is for another kind of machine).
 *
 * Every criterion is judged in every round, from that round's cells and
 * floor alone (rounds.c), and like for like: round trips against rivals
 * that polled exactly as fastipc did, the futex floor (two wake-ups)
 * against fastipc without polling.  A goal is met only if every
 * criterion holds in every round; each number is the median over the
 * rounds with its range (min-max).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* One goal being judged: the rounds' views and where criteria missed. */
struct judge {
	const struct run *r;
	const struct run *views;	/* one per round */
	unsigned int n;
	struct goal *g;
	int judged;			/* criteria judged in every round */
	bool missed[MAX_ROUNDS];	/* a criterion missed in that round */
};

static void add(struct goal *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct goal *g, const char *fmt, ...)
{
	size_t len = strlen(g->detail);
	va_list ap;

	if (len >= sizeof(g->detail) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(g->detail + len, sizeof(g->detail) - len, fmt, ap);
	va_end(ap);
}

static const struct cell *ok_cell(const struct run *r, enum workload wl,
				  enum placement pl, enum polling po,
				  const struct mech *m, size_t size)
{
	const struct cell *c = find_cell(r, wl, pl, po, m, size);

	return c && c->status == CELL_OK ? c : NULL;
}

/* "12.3 us", or over several rounds "12.3 us (11.0-14.1)". */
static const char *us_span(const struct span *s, char *buf, size_t len)
{
	if (s->n > 1)
		snprintf(buf, len, "%.1f us (%.1f-%.1f)", span_median(s),
			 span_min(s), span_max(s));
	else
		snprintf(buf, len, "%.1f us", s->n ? s->v[0] : 0);
	return buf;
}

/*
 * A criterion's values, one per round, and whether each round missed:
 * counts it, marks the rounds, and says in the detail where it missed.
 */
static void judge_span(struct judge *j, const struct span *s,
		       const bool *miss)
{
	unsigned int nmiss = 0;

	j->judged++;
	for (unsigned int k = 0; k < s->n; k++) {
		j->missed[k] |= miss[k];
		nmiss += miss[k];
	}
	if (!nmiss)
		return;
	if (s->n == 1) {
		add(j->g, " MISSES");
		return;
	}
	add(j->g, " MISSES in round");
	for (unsigned int k = 0, i = 0; k < s->n; k++)
		if (miss[k])
			add(j->g, "%s %u", i++ ? "," : (nmiss > 1 ? "s" : ""),
			    k + 1);
}

static void verdict(struct judge *j, const char *needs)
{
	struct goal *g = j->g;

	g->rounds = j->n;
	if (!j->judged) {
		g->verdict = -1;
		add(g, "%s%s", g->detail[0] ? "; " : "", needs);
		return;
	}
	g->rounds_met = 0;
	for (unsigned int k = 0; k < j->n; k++)
		g->rounds_met += !j->missed[k];
	g->verdict = g->rounds_met == j->n;
	if (j->n > 1)
		add(g, " [holds in %u of %u rounds]", g->rounds_met, j->n);
}

/*
 * 1. Page-path efficiency.  "Time per message" is taken as the CPU time of
 * both processes per message: on two CPUs the sender and the receiver
 * overlap, and the wall-clock time per message can fall below the
 * produce+consume floor, which says nothing about the page path.  It is
 * the CPU time over the measured windows (the steady state the goal is
 * about); without it, the whole cell's, whose warm-up maps fresh pages
 * that the kernel clears.
 */
static void goal_pages(struct judge *j)
{
	const struct run *r = j->r;
	const struct floors *fl = &r->floors;
	struct goal *g = j->g;
	char sz[16], a[48], b[48];

	g->name = "page-path efficiency";
	g->statement = "for messages of 1 MiB and up, fastipc-zc's time per "
		       "message beyond the produce+consume floor is within "
		       "1.5x of the map+unmap floor for the same pages";
	for (int i = 0; i < r->opts.ntput; i++) {
		size_t size = r->opts.tput_sizes[i];
		int f = floor_index(fl, size);
		struct span q = { 0 }, cpu = { 0 };
		bool miss[MAX_ROUNDS] = { false };

		if (size < MiB || f < 0 || !fl->measured || fl->map_ns[f] <= 0)
			continue;
		for (unsigned int k = 0; k < j->n; k++) {
			const struct cell *c;
			double us;

			c = ok_cell(&j->views[k], WL_THROUGHPUT, PL_SEPARATE,
				    PO_ON, &mech_fastipc_zc, size);
			if (!c)
				break;
			us = c->win_cpu_n ? cell_window_cpu_us(c) :
			     cell_cpu_us(c);
			span_add(&cpu, us);
			span_add(&q, (us * 1e3 - fl->pc_ns[f]) / fl->map_ns[f]);
			miss[k] = q.v[k] > 1.5;
		}
		if (q.n < j->n)
			continue;
		add(g, "%s%s: %s CPU/msg - %.0f us produce+consume = %s "
		       "map+unmap (%.0f us)", g->detail[0] ? "; " : "",
		    fmt_size(size, sz, sizeof(sz)), us_span(&cpu, a, sizeof(a)),
		    fl->pc_ns[f] / 1e3, fmt_ratio_span(&q, b, sizeof(b)),
		    fl->map_ns[f] / 1e3);
		judge_span(j, &q, miss);
	}
	verdict(j, "needs fastipc-zc throughput at 1 MiB or more and the "
		   "floors");
}

/*
 * 2. Large messages, against rivals that copy at the machine's speed:
 * shm-copy's one memcpy counts only where the floors show memcpy working
 * (memcpy_check()); else beating it proves nothing, and the goal cannot
 * be met (it can still miss).
 */
static void goal_large(struct judge *j)
{
	const struct run *r = j->r;
	const struct mech *rivals[] = { &mech_pipe, &mech_unix_stream,
					&mech_unix_seqpacket, &mech_shm_copy };
	struct goal *g = j->g;
	bool emulated = r->sys.emulated, shm_unjudged = false;
	char sz[16], b[48], why[256];
	bool memcpy_ok = memcpy_check(r, why, sizeof(why)) > 0;

	g->name = "large messages";
	g->statement = "1 MiB and up, one-way: fastipc-zc at least 2.5x pipe "
		       "and Unix sockets and faster than a warmed shm-copy "
		       "with a memcpy at the machine's speed in the test VM; "
		       "at least 8x pipe at 16 MiB on KVM or bare metal";
	for (int i = 0; i < r->opts.ntput; i++) {
		size_t size = r->opts.tput_sizes[i];
		bool first = true;

		if (size < MiB)
			continue;
		for (size_t m = 0; m < 4; m++) {
			bool shm = rivals[m] == &mech_shm_copy;
			double need = shm ? 1.0 : emulated ? 2.5 : 8;
			bool miss[MAX_ROUNDS] = { false };
			struct span q = { 0 };

			/* On hardware: 8x pipe at 16 MiB, nothing else. */
			if (!emulated && (rivals[m] != &mech_pipe ||
					  size != 16 * MiB))
				continue;
			for (unsigned int k = 0; k < j->n; k++) {
				const struct cell *zc, *c;

				zc = ok_cell(&j->views[k], WL_THROUGHPUT,
					     PL_SEPARATE, PO_ON,
					     &mech_fastipc_zc, size);
				c = ok_cell(&j->views[k], WL_THROUGHPUT,
					    PL_SEPARATE, PO_ON, rivals[m],
					    size);
				if (!zc || !c)
					break;
				span_add(&q, zc->mps / c->mps);
				miss[k] = shm ? q.v[k] <= need : q.v[k] < need;
			}
			if (q.n < j->n)
				continue;
			add(g, "%s%s %s %s", first ? (g->detail[0] ? "; " : "") :
			    ",", first ? fmt_size(size, sz, sizeof(sz)) : "",
			    fmt_ratio_span(&q, b, sizeof(b)), rivals[m]->name);
			first = false;
			if (shm && !memcpy_ok) {
				add(g, " (not judged)");
				shm_unjudged = true;
				continue;
			}
			judge_span(j, &q, miss);
		}
	}
	if (!emulated && !find_cell(r, WL_THROUGHPUT, PL_SEPARATE, PO_ON,
				    &mech_fastipc_zc, 16 * MiB)) {
		j->judged = 0;
		verdict(j, "(not emulated: the 8x criterion needs 16 MiB)");
		return;
	}
	add(g, " [judged by the %s criterion: %s]", emulated ?
	    "test VM's" : "KVM/bare-metal", r->sys.virt);
	verdict(j, "needs fastipc-zc and its rivals' throughput at 1 MiB or "
		   "more");
	if (shm_unjudged) {
		add(g, "; shm-copy not judged: %s", why);
		if (g->verdict == 1)
			g->verdict = -1;
	}
}

/* 3. Automatic mode. */
static void goal_auto(struct judge *j)
{
	const struct run *r = j->r;
	struct goal *g = j->g;
	double worst = 1e9;
	size_t worst_size = 0;
	char sz[16], b[48];
	int sizes = 0;

	g->name = "automatic mode";
	g->statement = "at every size, fastipc-auto at least 0.9x the better "
		       "of fastipc-copy and fastipc-zc (one-way throughput)";
	for (int i = 0; i < r->opts.ntput; i++) {
		size_t size = r->opts.tput_sizes[i];
		bool miss[MAX_ROUNDS] = { false };
		const struct cell *a = NULL, *bc = NULL;
		struct span q = { 0 };

		for (unsigned int k = 0; k < j->n; k++) {
			const struct run *v = &j->views[k];
			const struct cell *c, *z;

			a = ok_cell(v, WL_THROUGHPUT, PL_SEPARATE, PO_ON,
				    &mech_fastipc_auto, size);
			c = ok_cell(v, WL_THROUGHPUT, PL_SEPARATE, PO_ON,
				    &mech_fastipc_copy, size);
			z = ok_cell(v, WL_THROUGHPUT, PL_SEPARATE, PO_ON,
				    &mech_fastipc_zc, size);
			if (!a || (!c && !z))
				break;
			bc = c && (!z || c->mps >= z->mps) ? c : z;
			span_add(&q, a->mps / bc->mps);
			miss[k] = q.v[k] < 0.9;
		}
		if (q.n < j->n)
			continue;
		sizes++;
		if (span_min(&q) < 0.9) {
			/* How far its windows were apart says how to read it. */
			add(g, "%s%s %s of %s (windows spread %.0f%% and "
			    "%.0f%%)", g->detail[0] ? "; " : "",
			    fmt_size(size, sz, sizeof(sz)),
			    fmt_ratio_span(&q, b, sizeof(b)), bc->mech->name,
			    a->spread * 100, bc->spread * 100);
			judge_span(j, &q, miss);
			continue;
		}
		j->judged++;
		if (span_min(&q) < worst) {
			worst = span_min(&q);
			worst_size = size;
		}
	}
	if (sizes && worst_size)
		add(g, "%sworst elsewhere: %.2fx at %s, over %d sizes",
		    g->detail[0] ? "; " : "", worst,
		    fmt_size(worst_size, sz, sizeof(sz)), sizes);
	verdict(j, "needs the three fastipc modes' throughput");
}

/*
 * 4. Small messages, like for like: with polling, fastipc-auto against
 * its rivals polling by the same rule; without, against its rivals
 * blocking at once and against the futex floor (two wake-ups, which a
 * poll would hide), each round against that round's floor.
 */
static void goal_small(struct judge *j)
{
	const struct mech *rivals[] = { &mech_pipe, &mech_unix_stream,
					&mech_unix_seqpacket, &mech_posix_mq };
	const struct run *r = j->r;
	struct goal *g = j->g;
	char a[48], b[48], c[48];

	g->name = "small messages";
	g->statement = "64 B round trip: fastipc-auto no slower than the best "
		       "of pipe, Unix sockets and POSIX mq polling as it does "
		       "(with polling and without), and without polling "
		       "within 1.2x of the futex ping-pong floor";
	for (int po = 0; po < NR_PO; po++) {
		struct span us = { 0 }, best_us = { 0 }, q = { 0 };
		struct span cpu = { 0 }, best_cpu = { 0 }, fq = { 0 };
		bool miss[MAX_ROUNDS] = { false }, fmiss[MAX_ROUNDS] = { false };
		const struct cell *best = NULL;

		if (!r->opts.rt_po[po])
			continue;
		for (unsigned int k = 0; k < j->n; k++) {
			const struct run *v = &j->views[k];
			const struct cell *auto_c, *rc;
			double floor_us = v->floors.futex_rt_us[PL_SEPARATE];

			auto_c = ok_cell(v, WL_LATENCY, PL_SEPARATE,
					 (enum polling)po, &mech_fastipc_auto,
					 64);
			best = NULL;
			for (size_t m = 0; m < 4; m++) {
				rc = ok_cell(v, WL_LATENCY, PL_SEPARATE,
					     (enum polling)po, rivals[m], 64);
				if (rc && (!best ||
					   rc->lat_med_us < best->lat_med_us))
					best = rc;
			}
			if (!auto_c || !best)
				break;
			span_add(&us, auto_c->lat_med_us);
			span_add(&best_us, best->lat_med_us);
			span_add(&q, auto_c->lat_med_us / best->lat_med_us);
			span_add(&cpu, cell_window_cpu_us(auto_c));
			span_add(&best_cpu, cell_window_cpu_us(best));
			miss[k] = q.v[k] > 1;
			if (po == PO_OFF && v->floors.measured && floor_us > 0) {
				span_add(&fq, auto_c->lat_med_us / floor_us);
				fmiss[k] = fq.v[k] > 1.2;
			}
		}
		if (q.n < j->n)
			continue;
		add(g, "%s%s: fastipc-auto %s vs the best, %s%s %s: %s",
		    g->detail[0] ? "; " : "", po == PO_ON ? "polling" :
		    "no polling", us_span(&us, a, sizeof(a)),
		    j->n > 1 ? "in the last round " : "", best->mech->name,
		    us_span(&best_us, b, sizeof(b)),
		    fmt_ratio_span(&q, c, sizeof(c)));
		judge_span(j, &q, miss);
		add(g, ", CPU time per round trip %s", us_span(&cpu, a,
							     sizeof(a)));
		add(g, " vs %s", us_span(&best_cpu, b, sizeof(b)));
		if (fq.n == j->n) {
			add(g, "; futex floor: %s",
			    fmt_ratio_span(&fq, c, sizeof(c)));
			judge_span(j, &fq, fmiss);
		}
	}
	if (r->opts.rt_po[PO_OFF] && !r->floors.measured)
		add(g, "%sno floors measured: the futex criterion is not "
		       "judged", g->detail[0] ? "; " : "");
	verdict(j, "needs 64 B round trips of fastipc-auto and its rivals, "
		   "with and without polling, and the floors");
	/* Each mode alone is not the goal: both, and the floor. */
	if (g->verdict == 1 && (!r->opts.rt_po[PO_ON] ||
				!r->opts.rt_po[PO_OFF] || !r->floors.measured)) {
		g->verdict = -1;
		add(g, "; not judged: it needs both polling modes and the "
		       "floor");
	}
}

/* ------------------------------------------------------------------ */
/* The call workload (call.c): fastipc call/reply against Binder       */
/* ------------------------------------------------------------------ */

static const struct mech *call_mech_named(const struct run *r,
					  const char *name)
{
	for (int i = 0; all_callmechs[i]; i++)
		if (strcmp(all_callmechs[i]->mech->name, name) == 0)
			return all_callmechs[i]->mech;
	(void)r;
	return NULL;
}

/* "123.4", or over several rounds "123.4 (110.0-130.2)". */
static const char *num_span(const struct span *s, char *buf, size_t len)
{
	if (s->n > 1)
		snprintf(buf, len, "%.1f (%.1f-%.1f)", span_median(s),
			 span_min(s), span_max(s));
	else
		snprintf(buf, len, "%.1f", s->n ? s->v[0] : 0);
	return buf;
}

static const struct cell *ok_call(const struct run *v, enum polling po,
				  const struct mech *m, size_t size,
				  unsigned int nclients)
{
	const struct cell *c = m ? find_call_cell(v, po, m, size, nclients) :
			       NULL;

	return c && c->status == CELL_OK ? c : NULL;
}

/*
 * fastipc against Binder at @size, @nclients clients, in each polling
 * mode run: @fipc's time over Binder's (calls/s: Binder's over fastipc's
 * when @rate), a miss above @limit.  Returns criteria judged.
 */
static int call_vs_binder(struct judge *j, const struct mech *fipc,
			  size_t size, unsigned int nclients, bool rate,
			  double limit)
{
	const struct run *r = j->r;
	const struct mech *binder = call_mech_named(r, "binder");
	struct goal *g = j->g;
	char sz[16], a[48], b[48], c[48];
	int judged = 0;

	for (int po = 0; po < NR_PO; po++) {
		struct span mine = { 0 }, theirs = { 0 }, q = { 0 };
		bool miss[MAX_ROUNDS] = { false };

		if (!r->opts.rt_po[po])
			continue;
		for (unsigned int k = 0; k < j->n; k++) {
			const struct cell *fc, *bc;

			fc = ok_call(&j->views[k], (enum polling)po, fipc, size,
				     nclients);
			bc = ok_call(&j->views[k], (enum polling)po, binder,
				     size, nclients);
			if (!fc || !bc)
				break;
			if (rate) {
				span_add(&mine, fc->mps / 1e3);
				span_add(&theirs, bc->mps / 1e3);
				span_add(&q, bc->mps / fc->mps);
			} else {
				span_add(&mine, fc->lat_med_us);
				span_add(&theirs, bc->lat_med_us);
				span_add(&q, fc->lat_med_us / bc->lat_med_us);
			}
			miss[k] = q.v[k] > limit;
		}
		if (q.n < j->n || !j->n)
			continue;
		if (rate)
			add(g, "%s%s %s: %s %s k calls/s vs Binder %s: "
			       "Binder's rate / fastipc's %s", g->detail[0] ? "; " : "",
			    fmt_size(size, sz, sizeof(sz)),
			    po == PO_ON ? "polling" : "no polling", fipc->name,
			    num_span(&mine, a, sizeof(a)),
			    num_span(&theirs, b, sizeof(b)),
			    fmt_ratio_span(&q, c, sizeof(c)));
		else
			add(g, "%s%s %s: %s %s vs Binder %s: %s", g->detail[0] ?
			    "; " : "", fmt_size(size, sz, sizeof(sz)),
			    po == PO_ON ? "polling" : "no polling", fipc->name,
			    us_span(&mine, a, sizeof(a)),
			    us_span(&theirs, b, sizeof(b)),
			    fmt_ratio_span(&q, c, sizeof(c)));
		judge_span(j, &q, miss);
		judged++;
	}
	return judged;
}

/* 5. Small calls: fastipc-call no slower than Binder at 64 B and 4 KiB. */
static void goal_call_small(struct judge *j)
{
	const struct run *r = j->r;
	const struct mech *fipc = call_mech_named(r, "fastipc-call");
	struct goal *g = j->g;

	g->name = "call: small";
	g->statement = "64 B and 4 KiB calls, one client: fastipc-call no "
		       "slower than Binder, polling as it does and not "
		       "polling (fastipc's time / Binder's at most 1)";
	for (int i = 0; i < r->opts.ncall; i++)
		if (r->opts.call_sizes[i] == 64 ||
		    r->opts.call_sizes[i] == 4 * KiB)
			call_vs_binder(j, fipc, r->opts.call_sizes[i], 1,
				       false, 1.0);
	if (!r->binder_ok)
		add(g, "%s%s", g->detail[0] ? "; " : "", r->binder_why);
	verdict(j, "needs 64 B or 4 KiB calls of fastipc-call and Binder");
}

/* 6. Large calls: the page path at most half Binder's time. */
static void goal_call_large(struct judge *j)
{
	const struct run *r = j->r;
	const struct mech *fipc = call_mech_named(r, "fastipc-call-zc");
	struct goal *g = j->g;

	g->name = "call: large";
	g->statement = "calls of 64 KiB and up, one client: fastipc-call-zc "
		       "(the page path) takes at most half Binder's time, "
		       "polling and not (fastipc's time / Binder's at most "
		       "0.5)";
	for (int i = 0; i < r->opts.ncall; i++)
		if (r->opts.call_sizes[i] >= 64 * KiB)
			call_vs_binder(j, fipc, r->opts.call_sizes[i], 1,
				       false, 0.5);
	if (!r->binder_ok)
		add(g, "%s%s", g->detail[0] ? "; " : "", r->binder_why);
	verdict(j, "needs calls of 64 KiB or more of fastipc-call-zc and "
		   "Binder");
}

/* 7. Several clients: as many calls/s as Binder. */
static void goal_call_clients(struct judge *j)
{
	const struct run *r = j->r;
	struct goal *g = j->g;

	g->name = "call: clients";
	g->statement = "4 clients calling one server: fastipc's total calls/s "
		       "at least Binder's at every size (fastipc-call below "
		       "64 KiB, fastipc-call-zc from 64 KiB), polling and "
		       "not";
	for (int i = 0; i < r->opts.ncall4; i++) {
		size_t size = r->opts.call4_sizes[i];

		call_vs_binder(j, call_mech_named(r, size < 64 * KiB ?
						  "fastipc-call" :
						  "fastipc-call-zc"),
			       size, r->opts.call_clients, true, 1.0);
	}
	if (!r->binder_ok)
		add(g, "%s%s", g->detail[0] ? "; " : "", r->binder_why);
	verdict(j, "needs calls of several clients to fastipc and Binder");
}

/*
 * 8. Two system calls per round trip: one each side, counted in the
 * benchmark's wrappers over the measured calls (up to 2.05: a call that
 * straddles the measured part's ends).
 */
static void goal_call_syscalls(struct judge *j)
{
	const struct run *r = j->r;
	const char *const names[] = { "fastipc-call", "fastipc-call-zc" };
	struct goal *g = j->g;
	char sz[16], a[48];

	g->name = "call: system calls";
	g->statement = "fastipc's calls, one client, both paths, polling and "
		       "not: 2 system calls per round trip (one each side)";
	for (size_t m = 0; m < 2; m++) {
		const struct mech *fipc = call_mech_named(r, names[m]);

		for (int i = 0; i < r->opts.ncall; i++)
			for (int po = 0; po < NR_PO; po++) {
				size_t size = r->opts.call_sizes[i];
				struct span n = { 0 };
				bool miss[MAX_ROUNDS] = { false };

				if (!r->opts.rt_po[po])
					continue;
				for (unsigned int k = 0; k < j->n; k++) {
					const struct cell *c;

					c = ok_call(&j->views[k],
						    (enum polling)po, fipc,
						    size, 1);
					if (!c || cell_syscalls(c) < 0)
						break;
					span_add(&n, cell_syscalls(c));
					miss[k] = n.v[k] > 2.05;
				}
				if (n.n < j->n || !j->n)
					continue;
				num_span(&n, a, sizeof(a));
				add(g, "%s%s %s %s: %s", g->detail[0] ? "; " :
				    "", names[m], fmt_size(size, sz,
							   sizeof(sz)),
				    po == PO_ON ? "polling" : "no polling", a);
				judge_span(j, &n, miss);
			}
	}
	verdict(j, "needs one-client calls of fastipc");
}

/* ------------------------------------------------------------------ */
/* The fan-out workload (fanout.c): fastipc's topic                    */
/* ------------------------------------------------------------------ */

static const struct mech *fan_mech_named(const char *name)
{
	for (int i = 0; all_fanmechs[i]; i++)
		if (strcmp(all_fanmechs[i]->name, name) == 0)
			return all_fanmechs[i];
	return NULL;
}

static const struct cell *ok_fan(const struct run *v, const struct mech *m,
				 size_t size, unsigned int nsubs)
{
	const struct cell *c = m ? find_fanout_cell(v, m, size, nsubs) : NULL;

	return c && c->status == CELL_OK ? c : NULL;
}

/* Compiled without topics: the fan-out goals say so, and are not judged. */
static bool fan_topic(struct judge *j)
{
	if (fanout_has_topic)
		return true;
	add(j->g, "n/a (fastipc topics not supported)");
	j->g->verdict = -1;
	j->g->rounds = j->n;
	return false;
}

#define FAN_SUBS	4	/* the throughput goal's subscribers */

/*
 * 9. Fan-out throughput: at 4 subscribers, from 1 MiB, fastipc-topic
 * delivers more messages per second than the best copying mechanism, and
 * at least 0.8x the broadcast ring (no copy, no isolation).
 */
static void goal_fan_rate(struct judge *j)
{
	static const char *const copying[] = {
		"pipe", "unix-stream", "posix-mq", "shm-ring",
	};
	const struct run *r = j->r;
	const struct mech *topic = fan_mech_named("fastipc-topic");
	const struct mech *ceil = fan_mech_named("shm-bcast");
	struct goal *g = j->g;
	char sz[16], a[48], b[48];

	g->name = "fan-out: throughput";
	g->statement = "4 subscribers, messages of 1 MiB and up: "
		       "fastipc-topic delivers more messages/s than the best "
		       "copying mechanism (pipe, unix-stream, posix-mq, "
		       "shm-ring) and at least 0.8x shm-bcast's";
	if (!fan_topic(j))
		return;
	for (int i = 0; i < r->opts.nfan; i++) {
		size_t size = r->opts.fan_sizes[i];
		struct span best = { 0 }, bc = { 0 };
		bool mb[MAX_ROUNDS] = { false }, mc[MAX_ROUNDS] = { false };
		const char *bname = NULL;

		if (size < MiB)
			continue;
		for (unsigned int k = 0; k < j->n; k++) {
			const struct run *v = &j->views[k];
			const struct cell *t = ok_fan(v, topic, size, FAN_SUBS);
			const struct cell *cc = ok_fan(v, ceil, size, FAN_SUBS);
			double top = 0;

			if (!t)
				break;
			for (size_t m = 0; m < 4; m++) {
				const struct cell *o;

				o = ok_fan(v, fan_mech_named(copying[m]), size,
					   FAN_SUBS);
				if (o && o->mps > top) {
					top = o->mps;
					bname = copying[m];
				}
			}
			if (top > 0) {
				span_add(&best, t->mps / top);
				mb[k] = t->mps <= top;
			}
			if (cc) {
				span_add(&bc, t->mps / cc->mps);
				mc[k] = t->mps < 0.8 * cc->mps;
			}
		}
		fmt_size(size, sz, sizeof(sz));
		if (best.n == j->n && j->n) {
			add(g, "%s%s: %s the best copying (%s)", g->detail[0] ?
			    "; " : "", sz, fmt_ratio_span(&best, a, sizeof(a)),
			    bname);
			judge_span(j, &best, mb);
		}
		if (bc.n == j->n && j->n) {
			add(g, "%s%s: %s shm-bcast", g->detail[0] ? "; " : "",
			    sz, fmt_ratio_span(&bc, b, sizeof(b)));
			judge_span(j, &bc, mc);
		}
	}
	verdict(j, "needs fan-out cells of 1 MiB and up at 4 subscribers: "
		   "fastipc-topic, shm-bcast and a copying mechanism");
}

/*
 * 10. Fan-out cost per extra subscriber: the CPU time per message (every
 * process, over the measured windows) that each subscriber beyond the
 * first adds, from 1 to the most subscribers run, less the consume floor
 * (reading every byte, which each subscriber must do), within 1.5x of
 * the map+unmap floor for the message's pages: what mapping the same
 * pages into one more process costs.  From 64 KiB: smaller messages
 * take the copy path, where no page is mapped.
 */
static void goal_fan_extra(struct judge *j)
{
	const struct run *r = j->r;
	const struct floors *fl = &r->floors;
	const struct mech *topic = fan_mech_named("fastipc-topic");
	unsigned int lo, hi;
	struct goal *g = j->g;
	char sz[16], a[48], b[48];

	g->name = "fan-out: per subscriber";
	g->statement = "fastipc-topic, messages of 64 KiB and up: the CPU "
		       "time per message each extra subscriber adds (1 to 8 "
		       "subscribers) beyond the consume floor is within 1.5x "
		       "of the map+unmap floor for the same pages";
	if (!fan_topic(j))
		return;
	if (r->opts.nfan_subs < 2) {
		verdict(j, "needs fan-out cells at two subscriber counts");
		return;
	}
	lo = r->opts.fan_subs[0];
	hi = r->opts.fan_subs[r->opts.nfan_subs - 1];
	for (int i = 0; i < r->opts.nfan; i++) {
		size_t size = r->opts.fan_sizes[i];
		int f = floor_index(fl, size);
		struct span us = { 0 }, q = { 0 };
		bool miss[MAX_ROUNDS] = { false };

		if (size < 64 * KiB || f < 0 || !fl->measured ||
		    fl->map_ns[f] <= 0)
			continue;
		for (unsigned int k = 0; k < j->n; k++) {
			const struct cell *c1, *cn;
			double extra;

			c1 = ok_fan(&j->views[k], topic, size, lo);
			cn = ok_fan(&j->views[k], topic, size, hi);
			if (!c1 || !cn || !c1->win_cpu_n || !cn->win_cpu_n)
				break;
			extra = (cell_window_cpu_us(cn) -
				 cell_window_cpu_us(c1)) * 1e3 / (hi - lo) -
				fl->consume_ns[f];
			span_add(&us, extra / 1e3);
			span_add(&q, extra / fl->map_ns[f]);
			miss[k] = q.v[k] > 1.5;
		}
		if (q.n < j->n || !j->n)
			continue;
		add(g, "%s%s: %s per extra subscriber beyond consume %.1f us, "
		    "%s map+unmap %.1f us", g->detail[0] ? "; " : "",
		    fmt_size(size, sz, sizeof(sz)), us_span(&us, a, sizeof(a)),
		    fl->consume_ns[f] / 1e3, fmt_ratio_span(&q, b, sizeof(b)),
		    fl->map_ns[f] / 1e3);
		judge_span(j, &q, miss);
	}
	verdict(j, "needs fastipc-topic fan-out cells of 64 KiB and up at "
		   "two subscriber counts, and the floors");
}

void goals_judge(const struct run *r, struct goal g[NR_GOALS])
{
	void (*const goal[NR_GOALS])(struct judge *) = {
		goal_pages, goal_large, goal_auto, goal_small,
		goal_call_small, goal_call_large, goal_call_clients,
		goal_call_syscalls, goal_fan_rate, goal_fan_extra,
	};
	unsigned int n = r->opts.rounds ? r->opts.rounds : 1;
	struct run *views = calloc(n, sizeof(*views));

	memset(g, 0, sizeof(*g) * NR_GOALS);
	for (unsigned int k = 0; k < n; k++) {
		if (views)
			round_view(r, k, &views[k]);
	}
	for (int i = 0; i < NR_GOALS; i++) {
		struct judge j = {
			.r = r, .views = views, .n = views ? n : 0, .g = &g[i],
		};

		if (!views) {
			g[i].name = "?";
			g[i].statement = "";
			g[i].verdict = -1;
			add(&g[i], "out of memory");
			continue;
		}
		goal[i](&j);
	}
	free(views);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the results as tables on stdout, as CSV and as JSON.
 *
 * Every cell of the plan appears in every form: measured, n/a (with the
 * reason) or an error (with what failed).  Nothing is dropped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define NOISY		0.25	/* spread above this is marked */

const struct cell *find_cell(const struct run *r, enum workload wl,
			     enum placement pl, enum polling po,
			     const struct mech *m, size_t size)
{
	for (int i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];

		if (c->wl == wl && c->pl == pl && c->mech == m &&
		    c->size == size && (wl != WL_LATENCY || c->po == po))
			return c;
	}
	return NULL;
}

const char *po_title(const struct run *r, enum polling po, char *buf,
		     size_t len)
{
	if (po == PO_OFF)
		snprintf(buf, len, "no polling (every receiver blocks at "
			 "once)");
	else if (r->poll.mode == POLL_ADAPTIVE)
		snprintf(buf, len, "polling (every receiver: adaptive, up to "
			 "%u us)", r->poll.us);
	else
		snprintf(buf, len, "polling (every receiver: %u us)",
			 r->poll.us);
	return buf;
}

/* The better-is-higher value of a measured cell: rate, or 1/latency. */
static double goodness(const struct cell *c)
{
	if (!c || c->status != CELL_OK)
		return 0;
	if (c->wl == WL_LATENCY)
		return c->lat_med_us > 0 ? 1.0 / c->lat_med_us : 0;
	return c->mps;
}

double ratio_to_best(const struct run *r, enum workload wl,
		     enum placement pl, enum polling po, const struct mech *m,
		     size_t size, const struct mech **bestp)
{
	const struct cell *mine = find_cell(r, wl, pl, po, m, size);
	const struct mech *best = NULL;
	double bv = 0;

	for (int i = 0; i < r->opts.nmechs; i++) {
		const struct mech *o = r->opts.mechs[i];
		double v;

		if (o->flags & (MECH_FASTIPC | MECH_CEILING))
			continue;
		v = goodness(find_cell(r, wl, pl, po, o, size));
		if (v > bv) {
			bv = v;
			best = o;
		}
	}
	if (bestp)
		*bestp = best;
	if (!best || goodness(mine) <= 0)
		return 0;
	return goodness(mine) / bv;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

static const char *num(double v, char *buf, size_t len)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 0.1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

struct notes {
	int n;
	char text[MAX_CELLS][WHY_LEN + 64];
	bool noisy;
};

/* The text of a cell that has no number: n/a[k] or ERR[k]. */
static const char *mark(const struct cell *c, struct notes *nt, char *buf,
			size_t len)
{
	char sz[16];
	int k;

	/* The same reason for the same mechanism gets one note. */
	for (k = 0; k < nt->n; k++)
		if (strstr(nt->text[k], c->why) &&
		    strncmp(nt->text[k], c->mech->name,
			    strlen(c->mech->name)) == 0)
			break;
	if (k == nt->n && nt->n < MAX_CELLS) {
		snprintf(nt->text[k], sizeof(nt->text[k]), "%s %s%s: %s",
			 c->mech->name, fmt_size(c->size, sz, sizeof(sz)),
			 c->status == CELL_ERROR ? " FAILED" : "", c->why);
		nt->n++;
	}
	snprintf(buf, len, "%s[%d]", c->status == CELL_NA ? "n/a" : "ERR",
		 k + 1);
	return buf;
}

static void print_notes(FILE *f, struct notes *nt)
{
	for (int k = 0; k < nt->n; k++)
		fprintf(f, "  [%d] %s\n", k + 1, nt->text[k]);
	if (nt->noisy)
		fprintf(f, "  * the windows differ by more than %.0f%% "
			   "(spread)\n", NOISY * 100);
}

static void size_header(FILE *f, const size_t *sizes, int n, int w)
{
	char sz[16];

	fprintf(f, "%-16s", "mechanism");
	for (int i = 0; i < n; i++)
		fprintf(f, "%*s", w, fmt_size(sizes[i], sz, sizeof(sz)));
	fputc('\n', f);
}

/*
 * The call workload's tables: one value per cell, one row per mechanism,
 * one column per size; @what: 0 median / p99 us (one polling mode), 1
 * system calls per round trip, 2 CPU us per round trip, 3 thousands of
 * calls/s (the last three: polling / no polling).
 */
static void table_call(const struct run *r, FILE *f, const size_t *sizes,
		       int n, unsigned int nclients, int what,
		       enum polling po1, const char *title)
{
	struct notes *nt = calloc(1, sizeof(*nt));

	if (!n || !nt || (what == 0 && !r->opts.rt_po[po1])) {
		free(nt);
		return;
	}
	fprintf(f, "\n== %s ==\n", title);
	size_header(f, sizes, n, 17);
	for (int m = 0; m < r->opts.ncall_mechs; m++) {
		const struct mech *mech = r->opts.call_mechs[m];

		fprintf(f, "%-16s", mech->name);
		for (int i = 0; i < n; i++) {
			char v[NR_PO][24], out[64];

			for (int po = 0; po < NR_PO; po++) {
				const struct cell *c;
				char a[16], b[16];

				c = find_call_cell(r, (enum polling)po, mech,
						   sizes[i], nclients);
				if (!c) {
					snprintf(v[po], sizeof(v[po]), "-");
				} else if (c->status != CELL_OK) {
					mark(c, nt, v[po], sizeof(v[po]));
				} else if (what == 0) {
					snprintf(v[po], sizeof(v[po]),
						 "%s / %s", num(c->lat_med_us, a,
								sizeof(a)),
						 num(c->lat_p99_us, b,
						     sizeof(b)));
				} else if (what == 1) {
					if (cell_syscalls(c) < 0)
						snprintf(v[po], sizeof(v[po]),
							 "-");
					else
						snprintf(v[po], sizeof(v[po]),
							 "%.2f",
							 cell_syscalls(c));
				} else if (what == 2) {
					if (!c->win_cpu_n)
						snprintf(v[po], sizeof(v[po]),
							 "-");
					else
						num(cell_window_cpu_us(c),
						    v[po], sizeof(v[po]));
				} else {
					num(c->mps / 1e3, v[po], sizeof(v[po]));
				}
			}
			if (what == 0)
				snprintf(out, sizeof(out), "%s", v[po1]);
			else
				snprintf(out, sizeof(out), "%s / %s",
					 v[PO_ON], v[PO_OFF]);
			fprintf(f, "%17s", out);
		}
		fputc('\n', f);
	}
	print_notes(f, nt);
	free(nt);
}

static void report_call(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	char t[256], pt[80];
	unsigned int k = o->call_clients;

	if (!o->ncall && !o->ncall4)
		return;
	fprintf(f, "\nCALL: clients call one server and wait for the reply "
		   "(request and reply the same size, every byte written and "
		   "checked); system calls counted in the benchmark's "
		   "wrappers, failed non-blocking tries included.\n");
	fprintf(f, "BINDER: %s%s\n", r->binder_ok ? "" : "not available, "
		"its cells are skipped (n/a): ", r->binder_why[0] ?
		r->binder_why : "not selected");
	fprintf(f, "Call polling, like for like (with polling every receiver "
		   "polls by the rule above, without none does):\n");
	for (int m = 0; m < o->ncall_mechs; m++)
		fprintf(f, "  %-16s %s\n", o->call_mechs[m]->name,
			o->call_mechs[m]->poll_how);
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Call, 1 client, %s: median / p99 in "
			 "us", pt);
		table_call(r, f, o->call_sizes, o->ncall, 1, 0,
			   (enum polling)po, t);
	}
	table_call(r, f, o->call_sizes, o->ncall, 1, 1, PO_ON,
		   "Call, 1 client: system calls per round trip, polling / "
		   "no polling (client + server)");
	table_call(r, f, o->call_sizes, o->ncall, 1, 2, PO_ON,
		   "Call, 1 client: CPU time per round trip, us, polling / "
		   "no polling (client + server)");
	snprintf(t, sizeof(t), "Call, %u clients: thousands of calls/s (all "
		 "clients), polling / no polling", k);
	table_call(r, f, o->call4_sizes, o->ncall4, k, 3, PO_ON, t);
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Call, %u clients, %s: median / p99 "
			 "in us", k, pt);
		table_call(r, f, o->call4_sizes, o->ncall4, k, 0,
			   (enum polling)po, t);
	}
	snprintf(t, sizeof(t), "Call, %u clients: system calls per round "
		 "trip, polling / no polling", k);
	table_call(r, f, o->call4_sizes, o->ncall4, k, 1, PO_ON, t);
	snprintf(t, sizeof(t), "Call, %u clients: CPU time per round trip, "
		 "us, polling / no polling", k);
	table_call(r, f, o->call4_sizes, o->ncall4, k, 2, PO_ON, t);
}

/*
 * The fan-out workload: per size and mechanism, the time per message
 * delivered to every subscriber at each subscriber count, and what each
 * subscriber beyond the first adds, in time and in CPU time (every
 * process, over the measured windows).
 */
static void report_fanout(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	struct notes *nt;
	unsigned int lo, hi;

	if (!o->nfan || !o->nfan_mechs || !o->nfan_subs)
		return;
	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return;
	lo = o->fan_subs[0];
	hi = o->fan_subs[o->nfan_subs - 1];
	fprintf(f, "\nFANOUT: one publisher (senders' CPU) writes every "
		   "message once, every subscriber (receiver's CPU) reads and "
		   "checks every byte of every message.%s\n",
		fanout_has_topic ? "" : " fastipc-topic: n/a (fastipc topics "
		"not supported by this build's header)");
	for (int m = 0; m < o->nfan_mechs; m++)
		fprintf(f, "  %-14s %s\n", o->fan_mechs[m]->name,
			o->fan_mechs[m]->desc);
	fprintf(f, "\n== Fan-out: time per message delivered to every "
		   "subscriber, us; each extra subscriber (%u to %u): time, "
		   "CPU time ==\n", lo, hi);
	fprintf(f, "%-9s %-14s", "size", "mechanism");
	for (int n = 0; n < o->nfan_subs; n++) {
		char h[16];

		snprintf(h, sizeof(h), "%u sub%s", o->fan_subs[n],
			 o->fan_subs[n] > 1 ? "s" : "");
		fprintf(f, "%11s", h);
	}
	fprintf(f, "%12s%12s\n", "extra", "extra CPU");
	for (int i = 0; i < o->nfan; i++)
		for (int m = 0; m < o->nfan_mechs; m++) {
			const struct mech *mech = o->fan_mechs[m];
			const struct cell *c1, *cn;
			char sz[16], v[32];

			fprintf(f, "%-9s %-14s", fmt_size(o->fan_sizes[i], sz,
							  sizeof(sz)),
				mech->name);
			for (int n = 0; n < o->nfan_subs; n++) {
				const struct cell *c;

				c = find_fanout_cell(r, mech, o->fan_sizes[i],
						     o->fan_subs[n]);
				if (!c)
					snprintf(v, sizeof(v), "-");
				else if (c->status != CELL_OK)
					mark(c, nt, v, sizeof(v));
				else
					num(1e6 / c->mps, v, sizeof(v));
				if (c && c->status == CELL_OK &&
				    c->spread > NOISY) {
					strcat(v, "*");
					nt->noisy = true;
				}
				fprintf(f, "%11s", v);
			}
			c1 = find_fanout_cell(r, mech, o->fan_sizes[i], lo);
			cn = find_fanout_cell(r, mech, o->fan_sizes[i], hi);
			if (hi > lo && c1 && cn && c1->status == CELL_OK &&
			    cn->status == CELL_OK) {
				fprintf(f, "%12s", num((1e6 / cn->mps -
							1e6 / c1->mps) /
						       (hi - lo), v,
						       sizeof(v)));
				if (c1->win_cpu_n && cn->win_cpu_n)
					fprintf(f, "%12s",
						num((cell_window_cpu_us(cn) -
						     cell_window_cpu_us(c1)) /
						    (hi - lo), v, sizeof(v)));
				else
					fprintf(f, "%12s", "-");
			} else {
				fprintf(f, "%12s%12s", "-", "-");
			}
			fputc('\n', f);
		}
	print_notes(f, nt);
	free(nt);
}

enum tput_unit { U_MBPS, U_KMPS };

static void table_tput(const struct run *r, FILE *f, enum workload wl,
		       enum placement pl, const size_t *sizes, int n,
		       enum tput_unit unit, const char *title)
{
	struct notes *nt = calloc(1, sizeof(*nt));
	char buf[32];

	if (!n || !nt) {
		free(nt);
		return;
	}
	fprintf(f, "\n== %s ==\n", title);
	size_header(f, sizes, n, 9);
	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];

		fprintf(f, "%-16s", mech->name);
		for (int i = 0; i < n; i++) {
			const struct cell *c = find_cell(r, wl, pl, PO_ON,
							 mech, sizes[i]);
			char cellbuf[32];

			if (!c) {
				fprintf(f, "%9s", "-");
				continue;
			}
			if (c->status != CELL_OK) {
				fprintf(f, "%9s", mark(c, nt, cellbuf,
						       sizeof(cellbuf)));
				continue;
			}
			num(unit == U_MBPS ? c->bps / 1e6 : c->mps / 1e3, buf,
			    sizeof(buf));
			if (c->spread > NOISY) {
				strcat(buf, "*");
				nt->noisy = true;
			} else {
				strcat(buf, " ");
			}
			fprintf(f, "%9s", buf);
		}
		fputc('\n', f);
	}
	print_notes(f, nt);
	free(nt);
}

static void table_lat(const struct run *r, FILE *f, enum placement pl,
		      enum polling po, const size_t *sizes, int n,
		      const char *title)
{
	struct notes *nt = calloc(1, sizeof(*nt));

	if (!n || !nt || !r->opts.rt_po[po]) {
		free(nt);
		return;
	}
	fprintf(f, "\n== %s ==\n", title);
	size_header(f, sizes, n, 17);
	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];

		fprintf(f, "%-16s", mech->name);
		for (int i = 0; i < n; i++) {
			const struct cell *c = find_cell(r, WL_LATENCY, pl, po,
							 mech, sizes[i]);
			char a[16], b[16], cellbuf[40];

			if (!c) {
				fprintf(f, "%17s", "-");
				continue;
			}
			if (c->status != CELL_OK) {
				fprintf(f, "%17s", mark(c, nt, cellbuf,
							sizeof(cellbuf)));
				continue;
			}
			snprintf(cellbuf, sizeof(cellbuf), "%s / %s",
				 num(c->lat_med_us, a, sizeof(a)),
				 num(c->lat_p99_us, b, sizeof(b)));
			fprintf(f, "%17s", cellbuf);
		}
		fputc('\n', f);
	}
	print_notes(f, nt);
	free(nt);
}

/*
 * CPU time per round trip, with polling / without: the user and system
 * time of both processes over the measured round trips (their CPU-time
 * clocks), divided by the round trips; what a poll costs shows here.
 */
static void table_lat_cpu(const struct run *r, FILE *f, enum placement pl,
			  const size_t *sizes, int n, const char *title)
{
	if (!n)
		return;
	fprintf(f, "\n== %s ==\n", title);
	size_header(f, sizes, n, 17);
	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];

		fprintf(f, "%-16s", mech->name);
		for (int i = 0; i < n; i++) {
			char v[NR_PO][16], both[40];

			for (int po = 0; po < NR_PO; po++) {
				const struct cell *c;

				c = find_cell(r, WL_LATENCY, pl,
					      (enum polling)po, mech, sizes[i]);
				if (!c || c->status != CELL_OK || !c->win_cpu_n)
					snprintf(v[po], sizeof(v[po]), "-");
				else
					num(cell_window_cpu_us(c), v[po],
					    sizeof(v[po]));
			}
			snprintf(both, sizeof(both), "%s / %s", v[PO_ON],
				 v[PO_OFF]);
			fprintf(f, "%17s", both);
		}
		fputc('\n', f);
	}
}

static void table_ratio(const struct run *r, FILE *f, enum workload wl,
			enum placement pl, enum polling po,
			const size_t *sizes, int n, const char *title)
{
	const struct mech *modes[] = { &mech_fastipc_copy, &mech_fastipc_zc,
				       &mech_fastipc_auto };
	bool any = false;
	int w = r->opts.rounds > 1 ? 18 : 9;

	for (int i = 0; i < r->opts.nmechs; i++)
		any |= (r->opts.mechs[i]->flags & MECH_FASTIPC) != 0;
	if (!n || !any || (wl == WL_LATENCY && !r->opts.rt_po[po]))
		return;
	fprintf(f, "\n== %s ==\n", title);
	fprintf(f, "%-9s %-16s %10s %*s %*s %*s %12s\n", "size",
		"best other", wl == WL_LATENCY ? "its us" : "its MB/s",
		w, "copy", w, "zc", w, "auto", "shm-inplace");
	for (int i = 0; i < n; i++) {
		const struct mech *best = NULL;
		const struct cell *bc, *ceil;
		char sz[16], v[40];

		ratio_to_best(r, wl, pl, po, &mech_fastipc_copy, sizes[i],
			      &best);
		fprintf(f, "%-9s %-16s ", fmt_size(sizes[i], sz, sizeof(sz)),
			best ? best->name : "-");
		bc = best ? find_cell(r, wl, pl, po, best, sizes[i]) : NULL;
		if (bc)
			fprintf(f, "%10s", num(wl == WL_LATENCY ?
					       bc->lat_med_us : bc->bps / 1e6,
					       v, sizeof(v)));
		else
			fprintf(f, "%10s", "-");
		for (size_t k = 0; k < 3; k++) {
			struct span q;

			ratio_span(r, wl, pl, po, modes[k], sizes[i], &q);
			fprintf(f, " %*s", w, fmt_ratio_span(&q, v, sizeof(v)));
		}
		/* The ceiling against the same best rival, for scale. */
		ceil = find_cell(r, wl, pl, po, &mech_shm_inplace, sizes[i]);
		if (ceil && ceil->status == CELL_OK && bc) {
			double q = goodness(ceil) / goodness(bc);

			snprintf(v, sizeof(v), "%.2fx", q);
		} else {
			snprintf(v, sizeof(v), "-");
		}
		fprintf(f, " %12s\n", v);
	}
	fprintf(f, "  ratio = fastipc mode / best other mechanism (%s); "
		   "above 1: fastipc is faster.\n  best other excludes "
		   "fastipc and shm-inplace (no isolation), which is shown "
		   "against it for scale.\n",
		wl == WL_LATENCY ? "round trip: their time / fastipc's time" :
		"messages per second");
	if (r->opts.rounds > 1)
		fprintf(f, "  Each ratio is taken in every round from that "
			   "round's cells: the median over the %u rounds "
			   "(min-max); best other and its value: the best "
			   "round's.\n", r->opts.rounds);
}

static void table_floors(const struct run *r, FILE *f)
{
	const struct floors *fl = &r->floors;
	char a[16], b[16], c[16], sz[16];

	if (!fl->measured)
		return;
	fprintf(f, "\n== Floors (the machine's limits, measured in this "
		   "run) ==\n");
	fprintf(f, "null system call            %8.3f us\n",
		fl->null_syscall_ns / 1e3);
	fprintf(f, "futex ping-pong, 2 CPUs     %8s round trip (p99 %s)\n",
		fmt_us(fl->futex_rt_us[PL_SEPARATE], a, sizeof(a)),
		fmt_us(fl->futex_rt_p99_us[PL_SEPARATE], b, sizeof(b)));
	fprintf(f, "futex ping-pong, same CPU   %8s round trip (p99 %s)\n",
		fmt_us(fl->futex_rt_us[PL_SAME], a, sizeof(a)),
		fmt_us(fl->futex_rt_p99_us[PL_SAME], b, sizeof(b)));
	fprintf(f, "%-9s %14s %12s %18s %14s %16s\n", "size", "memcpy",
		"memcpy GB/s", "produce+consume", "consume", "map+unmap");
	for (int i = 0; i < fl->nsizes; i++) {
		char d[24];

		fprintf(f, "%-9s %14s %12.2f %18s %14s %16s\n",
			fmt_size(fl->sizes[i], sz, sizeof(sz)),
			fmt_us(fl->memcpy_ns[i] / 1e3, a, sizeof(a)),
			fl->memcpy_ns[i] > 0 ?
			(double)fl->sizes[i] / fl->memcpy_ns[i] : 0,
			fmt_us(fl->pc_ns[i] / 1e3, b, sizeof(b)),
			fmt_us(fl->consume_ns[i] / 1e3, d, sizeof(d)),
			fmt_us(fl->map_ns[i] / 1e3, c, sizeof(c)));
	}
	{
		char why[256];
		int ok = memcpy_check(r, why, sizeof(why));

		fprintf(f, "memcpy check: %s: %s\n", ok > 0 ? "HOLDS" :
			ok == 0 ? "DOES NOT HOLD" : "not judged", why);
	}
}

/* What decides how fast copies run: the CPU's rep movsb flags. */
const char *cpu_flags_text(const struct sysinfo *s)
{
	if (!s->flags_read)
		return "flags unknown";
	if (!s->erms && !s->fsrm)
		return s->rep_good ? "no erms, no fsrm, rep_good (memcpy and the "
			"kernel's copies use vector loops and rep movsq)" :
			"no erms, no fsrm (memcpy and the kernel's copies use "
			"vector or unrolled loops)";
	return s->erms && s->fsrm ? "erms and fsrm (memcpy and the kernel's "
		"copies use rep movsb)" : s->erms ? "erms, no fsrm (memcpy and "
		"the kernel's copies use rep movsb)" : "fsrm, no erms (short "
		"copies use rep movsb)";
}

static void print_poll(const struct run *r, FILE *f)
{
	const bool *po = r->opts.rt_po;

	switch (r->poll.mode) {
	case POLL_ADAPTIVE:
		fprintf(f, "BUSY POLL: every receiver polls an empty link by "
			   "fastipc's default rule, adaptively, up to %u us, "
			   "only in a receive that follows its own send (the "
			   "round trips' turns; one-way receivers never poll): "
			   "fastipc's in the kernel, the others in user space "
			   "(poll.c).", r->poll.us);
		break;
	case POLL_FIXED:
		fprintf(f, "BUSY POLL: every receiver polls an empty link %u us "
			   "before it blocks (--busy-poll), one-way receivers "
			   "too: fastipc's in the kernel, the others in user "
			   "space (poll.c).", r->poll.us);
		break;
	case POLL_OFF:
		fprintf(f, "BUSY POLL: off: every receiver blocks at once.\n");
		return;
	case POLL_UNKNOWN:
		return;
	}
	fprintf(f, "  %s\n", po[PO_ON] && po[PO_OFF] ?
		"Round trips run twice, like for like: with polling, and "
		"with none (every receiver blocks at once)." : po[PO_ON] ?
		"Round trips run with polling only (--polling on)." :
		"Round trips run without polling only (--polling off): "
		"every receiver blocks at once.");
}

void report_tables(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	const struct sysinfo *s = &r->sys;
	struct goal g[NR_GOALS];
	char t[256];

	fprintf(f, "fastipc bench (%s run): %s, %d CPUs, %s, %s\n", o->mode,
		s->cpu_model, s->cpus_online, s->kernel, s->virt);
	fprintf(f, "CPU: %s%s%s; init_on_alloc=%s%s%s\n", cpu_flags_text(s),
		s->vm_cpu[0] ? "; QEMU -cpu " : "", s->vm_cpu,
		s->init_on_alloc < 0 ? "unknown" :
		s->init_on_alloc ? "1" : "0",
		s->init_on_alloc_from[0] ? " from " : "",
		s->init_on_alloc_from);
	fprintf(f, "receiver on CPU %d, senders on CPU %d (same-CPU "
		   "variant: all on CPU %d); %u round%s of %u windows of >= "
		   "%.0f ms after a warm-up that uses every buffer twice "
		   "(2 x (depth + 1) messages, round trips too); values: the "
		   "best round's median; ratios and goals: every round\n",
		o->cpu_a, o->cpu_b, o->cpu_a, o->rounds,
		o->rounds == 1 ? "" : "s", o->reps,
		(double)o->win_ns / NSEC_PER_MSEC);
	if (s->emulated)
		fprintf(f, "SOFTWARE EMULATION: compare numbers only as "
			   "ratios within this run.\n");
	print_poll(r, f);
	if (r->nlimits) {
		fprintf(f, "\nLimits raised for this run (restored at the "
			   "end):\n");
		for (int i = 0; i < r->nlimits; i++)
			fprintf(f, "  %-24s %s -> %s%s%s\n", r->limits[i].what,
				r->limits[i].from, r->limits[i].to,
				r->limits[i].note[0] ? "  " : "",
				r->limits[i].note);
	}
	if (r->cal.done) {
		char sz[16];

		fprintf(f, "\n== Calibration: copy vs zero-copy, one-way, "
			   "messages/s ==\n");
		for (int i = 0; i < r->cal.n; i++)
			fprintf(f, "%-9s copy %10.0f  zc %10.0f  %s\n",
				fmt_size(r->cal.sizes[i], sz, sizeof(sz)),
				r->cal.copy_mps[i], r->cal.zc_mps[i],
				r->cal.zc_mps[i] >= r->cal.copy_mps[i] ?
				"zero-copy" : "copy");
		fprintf(f, "crossover: %s\n%s\n", r->cal.crossover ?
			fmt_size(r->cal.crossover, sz, sizeof(sz)) : "none",
			r->cal.how);
	}
	table_floors(r, f);

	snprintf(t, sizeof(t), "One-way throughput, MB/s (separate CPUs, "
		 "median of %u windows, best of %u round%s)", o->reps,
		 o->rounds, o->rounds == 1 ? "" : "s");
	table_tput(r, f, WL_THROUGHPUT, PL_SEPARATE, o->tput_sizes, o->ntput,
		   U_MBPS, t);
	table_tput(r, f, WL_THROUGHPUT, PL_SEPARATE, o->tput_sizes, o->ntput,
		   U_KMPS, "One-way throughput, thousands of messages/s "
		   "(separate CPUs)");
	table_tput(r, f, WL_THROUGHPUT, PL_SAME, o->same_tput_sizes,
		   o->nsame_tput, U_MBPS, "One-way throughput, MB/s, sender "
		   "and receiver on the same CPU");
	for (int po = 0; po < NR_PO; po++) {
		char pt[80];

		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Round trip, full payload both ways, "
			 "%s: median / p99 in us (separate CPUs)", pt);
		table_lat(r, f, PL_SEPARATE, (enum polling)po, o->lat_sizes,
			  o->nlat, t);
	}
	table_lat_cpu(r, f, PL_SEPARATE, o->lat_sizes, o->nlat,
		      "CPU time per round trip, us, polling / no polling "
		      "(both processes, the measured round trips; separate "
		      "CPUs)");
	for (int po = 0; po < NR_PO; po++) {
		char pt[80];

		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Round trip, %s: median / p99 in us, "
			 "same CPU", pt);
		table_lat(r, f, PL_SAME, (enum polling)po, o->same_lat_sizes,
			  o->nsame_lat, t);
	}
	table_lat_cpu(r, f, PL_SAME, o->same_lat_sizes, o->nsame_lat,
		      "CPU time per round trip, us, polling / no polling, "
		      "same CPU");
	snprintf(t, sizeof(t), "Fan-in, %u senders -> 1 receiver, MB/s",
		 o->fanin_senders);
	table_tput(r, f, WL_FANIN, PL_SEPARATE, o->fanin_sizes, o->nfanin,
		   U_MBPS, t);
	snprintf(t, sizeof(t), "Fan-in, %u senders -> 1 receiver, thousands "
		 "of messages/s", o->fanin_senders);
	table_tput(r, f, WL_FANIN, PL_SEPARATE, o->fanin_sizes, o->nfanin,
		   U_KMPS, t);

	table_ratio(r, f, WL_THROUGHPUT, PL_SEPARATE, PO_ON, o->tput_sizes,
		    o->ntput, "fastipc vs the best other mechanism: one-way "
		    "throughput");
	for (int po = 0; po < NR_PO; po++) {
		char pt[80];

		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "fastipc vs the best other mechanism: "
			 "round trip, %s", pt);
		table_ratio(r, f, WL_LATENCY, PL_SEPARATE, (enum polling)po,
			    o->lat_sizes, o->nlat, t);
	}
	table_ratio(r, f, WL_FANIN, PL_SEPARATE, PO_ON, o->fanin_sizes,
		    o->nfanin, "fastipc vs the best other mechanism: fan-in");
	table_ratio(r, f, WL_THROUGHPUT, PL_SAME, PO_ON, o->same_tput_sizes,
		    o->nsame_tput, "fastipc vs the best other mechanism: "
		    "one-way throughput, same CPU");
	for (int po = 0; po < NR_PO; po++) {
		char pt[80];

		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "fastipc vs the best other mechanism: "
			 "round trip, %s, same CPU", pt);
		table_ratio(r, f, WL_LATENCY, PL_SAME, (enum polling)po,
			    o->same_lat_sizes, o->nsame_lat, t);
	}

	report_call(r, f);
	report_fanout(r, f);

	goals_judge(r, g);
	fprintf(f, "\n== Goals (Documentation/benchmarks.md) ==\n");
	for (int i = 0; i < NR_GOALS; i++)
		fprintf(f, "%-10s %s\n  %s\n", g[i].verdict == 1 ? "MET" :
			g[i].verdict == 0 ? "NOT MET" : "NOT JUDGED",
			g[i].name, g[i].detail);
	fprintf(f, "\n%s in %.0f s.\n", r->failed ?
		"FAILED: some cells failed or did not verify (see ERR above)" :
		"Every message of every measured cell was verified",
		r->elapsed_s);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */
/* ------------------------------------------------------------------ */

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static const char *const status_names[] = { "ok", "n/a", "error" };

int report_csv(const struct run *r, const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "workload,placement,mechanism,family,size,senders,depth,"
		   "status,reason,msgs_per_s,bytes_per_s,spread,windows,"
		   "rtt_median_us,rtt_p99_us,rtt_min_us,samples,messages,"
		   "verified,cpu_us_per_msg,sys_us_per_msg,wall_s,"
		   "window_cpu_us_per_msg,round_trips,cpu_us_per_rtt,"
		   "sys_us_per_rtt,window_cpu_us_per_rtt,buffers,warmup,"
		   "polling,poll_mode,poll_us,syscalls_per_rtt\n");
	for (int i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		bool ok = c->status == CELL_OK, lat = cell_is_rt(c);

		fprintf(f, "%s,%s,%s,%s,%zu,%u,%u,%s,", wl_names[c->wl],
			pl_names[c->pl], c->mech->name, c->mech->family,
			c->size, c->nsenders, c->depth,
			status_names[c->status]);
		csv_str(f, c->status == CELL_OK ? "" : c->why);
		if (ok && !lat)
			fprintf(f, ",%.1f,%.0f,%.4f,%u,,,,", c->mps, c->bps,
				c->spread, c->nwin);
		else if (ok && c->wl == WL_CALL)
			fprintf(f, ",%.1f,%.0f,%.4f,%u,%.3f,%.3f,%.3f,%u",
				c->mps, c->bps, c->lat_spread, c->nwin,
				c->lat_med_us, c->lat_p99_us, c->lat_min_us,
				c->nsamples);
		else if (ok)
			fprintf(f, ",,,%.4f,%u,%.3f,%.3f,%.3f,%u",
				c->lat_spread, c->nwin, c->lat_med_us,
				c->lat_p99_us, c->lat_min_us, c->nsamples);
		else
			fprintf(f, ",,,,,,,,");
		fprintf(f, ",%llu,%llu,", (unsigned long long)c->messages,
			(unsigned long long)c->verified);
		/* CPU time per message one-way, per round trip in the round
		 * trips: each in its own columns, never mixed. */
		if (!lat && c->messages)
			fprintf(f, "%.3f,%.3f", cell_cpu_us(c), cell_sys_us(c));
		else
			fputc(',', f);
		fprintf(f, ",%.3f,", c->wall_s);
		if (!lat && c->win_cpu_n)
			fprintf(f, "%.3f", cell_window_cpu_us(c));
		if (lat && c->round_trips)
			fprintf(f, ",%llu,%.3f,%.3f,",
				(unsigned long long)c->round_trips,
				cell_cpu_us(c), cell_sys_us(c));
		else
			fprintf(f, ",,,,");
		if (lat && c->win_cpu_n)
			fprintf(f, "%.3f", cell_window_cpu_us(c));
		fprintf(f, ",%u,", c->buffers);
		if (c->status == CELL_OK)
			fprintf(f, "%llu", (unsigned long long)c->warmup);
		/* How every receiver of the cell polled. */
		fprintf(f, ",%s,%s,%u,", po_names[c->po],
			poll_mode_names[c->poll.mode], c->poll.us);
		/* The call workload: system calls of every process per
		 * round trip, over the measured calls. */
		if (ok && c->wl == WL_CALL && cell_syscalls(c) >= 0)
			fprintf(f, "%.3f", cell_syscalls(c));
		fputc('\n', f);
	}
	if (fclose(f))
		return -errno;

	snprintf(path, sizeof(path), "%s/floors.csv", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "floor,size,ns,p99_ns\n");
	if (r->floors.measured) {
		const struct floors *fl = &r->floors;

		fprintf(f, "null_syscall,0,%.1f,\n", fl->null_syscall_ns);
		fprintf(f, "futex_pingpong_separate,0,%.1f,%.1f\n",
			fl->futex_rt_us[PL_SEPARATE] * 1e3,
			fl->futex_rt_p99_us[PL_SEPARATE] * 1e3);
		fprintf(f, "futex_pingpong_same,0,%.1f,%.1f\n",
			fl->futex_rt_us[PL_SAME] * 1e3,
			fl->futex_rt_p99_us[PL_SAME] * 1e3);
		for (int i = 0; i < fl->nsizes; i++) {
			fprintf(f, "memcpy,%zu,%.1f,\n", fl->sizes[i],
				fl->memcpy_ns[i]);
			fprintf(f, "produce_consume,%zu,%.1f,\n", fl->sizes[i],
				fl->pc_ns[i]);
			fprintf(f, "map_unmap,%zu,%.1f,\n", fl->sizes[i],
				fl->map_ns[i]);
			fprintf(f, "consume,%zu,%.1f,\n", fl->sizes[i],
				fl->consume_ns[i]);
		}
	}
	return fclose(f) ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void js(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jnum(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void jkey(FILE *f, bool *first, const char *k)
{
	fprintf(f, "%s\n    ", *first ? "" : ",");
	*first = false;
	js(f, k);
	fputc(':', f);
}

static void json_sizes(FILE *f, const size_t *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%zu", i ? "," : "", v[i]);
	fputc(']', f);
}

/* A measured cell's headline: messages/s, or the median round trip. */
static double cell_value(const struct cell *c)
{
	if (c->status != CELL_OK)
		return NAN;
	return cell_is_rt(c) ? c->lat_med_us : c->mps;
}

static void json_cell(FILE *f, const struct run *r, int i)
{
	const struct cell *c = &r->cells[i];
	unsigned int reused = 0;
	fprintf(f, "{\"workload\":");
	js(f, wl_names[c->wl]);
	fprintf(f, ",\"placement\":");
	js(f, pl_names[c->pl]);
	fprintf(f, ",\"mechanism\":");
	js(f, c->mech->name);
	/* How this cell's receivers polled (poll.c): fastipc's in the
	 * kernel, every other one in user space, by the same rule. */
	fprintf(f, ",\"polling\":\"%s\",\"poll\":{\"mode\":\"%s\",\"us\":%u}",
		po_names[c->po], poll_mode_names[c->poll.mode], c->poll.us);
	/* The warm-up rule's inputs and what the warm-up was (the fewest
	 * of any pass): at least 2 x buffers messages or round trips. */
	fprintf(f, ",\"size\":%zu,\"senders\":%u,\"depth\":%u,"
		   "\"buffers\":%u,\"warmup\":%llu,\"warmup_unit\":\"%s\","
		   "\"status\":", c->size, c->nsenders, c->depth, c->buffers,
		(unsigned long long)c->warmup,
		cell_is_rt(c) ? "round trips" : "messages");
	js(f, status_names[c->status]);
	fprintf(f, ",\"reason\":");
	js(f, c->status == CELL_OK ? "" : c->why);
	if (c->status == CELL_OK && c->wl == WL_CALL) {
		fprintf(f, ",\"clients\":%u,\"calls_per_s\":", c->nsenders);
		jnum(f, c->mps);
		fprintf(f, ",\"syscalls_per_rtt\":");
		jnum(f, cell_syscalls(c) >= 0 ? cell_syscalls(c) : NAN);
		fprintf(f, ",\"window_syscalls\":");
		jnum(f, c->win_syscalls);
	}
	if (c->wl == WL_FANOUT)
		fprintf(f, ",\"subscribers\":%u", c->nsenders);
	if (c->status == CELL_OK && !cell_is_rt(c)) {
		fprintf(f, ",\"msgs_per_s\":");
		jnum(f, c->mps);
		fprintf(f, ",\"bytes_per_s\":");
		jnum(f, c->bps);
		fprintf(f, ",\"spread\":");
		jnum(f, c->spread);
		fprintf(f, ",\"windows_msgs_per_s\":[");
		for (unsigned int w = 0; w < c->nwin; w++) {
			fprintf(f, "%s", w ? "," : "");
			jnum(f, c->win_mps[w]);
		}
		fputc(']', f);
	} else if (c->status == CELL_OK) {
		fprintf(f, ",\"rtt_median_us\":");
		jnum(f, c->lat_med_us);
		fprintf(f, ",\"rtt_p99_us\":");
		jnum(f, c->lat_p99_us);
		fprintf(f, ",\"rtt_min_us\":");
		jnum(f, c->lat_min_us);
		fprintf(f, ",\"spread\":");
		jnum(f, c->lat_spread);
		fprintf(f, ",\"samples\":%u", c->nsamples);
	}
	fprintf(f, ",\"rounds\":%u,\"messages\":%llu,\"verified\":%llu,"
		   "\"checksums_ok\":%s", c->rounds,
		(unsigned long long)c->messages,
		(unsigned long long)c->verified,
		c->status == CELL_OK && c->verified == c->messages ? "true" :
		"false");
	/* CPU time: the totals, and per message one-way or per round trip
	 * (a request and its reply) in the round trips, named so. */
	fprintf(f, ",\"cpu_us\":");
	jnum(f, c->cpu_us);
	fprintf(f, ",\"sys_us\":");
	jnum(f, c->sys_us);
	fprintf(f, ",\"window_cpu_us\":");
	jnum(f, c->win_cpu_n ? c->win_cpu_ns / 1e3 : NAN);
	if (cell_is_rt(c)) {
		fprintf(f, ",\"round_trips\":%llu,\"window_round_trips\":%llu,"
			   "\"cpu_us_per_rtt\":",
			(unsigned long long)c->round_trips,
			(unsigned long long)c->win_cpu_n);
		jnum(f, c->round_trips ? cell_cpu_us(c) : NAN);
		fprintf(f, ",\"sys_us_per_rtt\":");
		jnum(f, c->round_trips ? cell_sys_us(c) : NAN);
		fprintf(f, ",\"window_cpu_us_per_rtt\":");
		jnum(f, c->win_cpu_n ? cell_window_cpu_us(c) : NAN);
	} else {
		fprintf(f, ",\"window_messages\":%llu,\"cpu_us_per_msg\":",
			(unsigned long long)c->win_cpu_n);
		jnum(f, c->messages ? cell_cpu_us(c) : NAN);
		fprintf(f, ",\"sys_us_per_msg\":");
		jnum(f, c->messages ? cell_sys_us(c) : NAN);
		fprintf(f, ",\"window_cpu_us_per_msg\":");
		jnum(f, c->win_cpu_n ? cell_window_cpu_us(c) : NAN);
	}
	fprintf(f, ",\"wall_s\":");
	jnum(f, c->wall_s);
	/* Each round's own value (msgs_per_s or rtt_median_us), which the
	 * ratios' ranges come from; a cell too slow to repeat is reused. */
	fprintf(f, ",\"per_round\":[");
	for (unsigned int k = 0; k < r->opts.rounds; k++) {
		const struct cell *t = &r->round_cells[k][i];

		fprintf(f, "%s", k ? "," : "");
		jnum(f, cell_value(t));
		reused += t->reused;
	}
	fprintf(f, "],\"reused_rounds\":%u}", reused);
}

int report_json(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	const struct sysinfo *s = &r->sys;
	const struct floors *fl = &r->floors;
	const struct mech *modes[] = { &mech_fastipc_copy, &mech_fastipc_zc,
				       &mech_fastipc_auto };
	struct goal g[NR_GOALS];
	bool first = true, any;

	fputc('{', f);
	jkey(f, &first, "tool");
	js(f, "fastipc bench");
	jkey(f, &first, "mode");
	js(f, o->mode);
	jkey(f, &first, "machine");
	fprintf(f, "{\"cpu_model\":");
	js(f, s->cpu_model);
	/* How copies copy here: /proc/cpuinfo's flags, QEMU's -cpu. */
	if (s->flags_read)
		fprintf(f, ",\"cpu_flags\":{\"erms\":%s,\"fsrm\":%s,"
			   "\"rep_good\":%s}", s->erms ? "true" : "false",
			s->fsrm ? "true" : "false",
			s->rep_good ? "true" : "false");
	else
		fprintf(f, ",\"cpu_flags\":null");
	fprintf(f, ",\"vm_cpu\":");
	js(f, s->vm_cpu);
	fprintf(f, ",\"init_on_alloc\":");
	if (s->init_on_alloc < 0)
		fputs("null", f);
	else
		fprintf(f, "%d", s->init_on_alloc);
	fprintf(f, ",\"init_on_alloc_from\":");
	js(f, s->init_on_alloc_from);
	fprintf(f, ",\"cpus_online\":%d,\"kernel\":", s->cpus_online);
	js(f, s->kernel);
	fprintf(f, ",\"virtualization\":");
	js(f, s->virt);
	fprintf(f, ",\"virtualized\":%s,\"emulated\":%s,\"hostname\":",
		s->virtualized ? "true" : "false",
		s->emulated ? "true" : "false");
	js(f, s->hostname);
	fprintf(f, ",\"date\":");
	js(f, s->date);
	fprintf(f, ",\"mem_total_kb\":%lu,\"mem_available_kb\":%lu,"
		   "\"fastipc_module_version\":", s->mem_total_kb,
		s->mem_avail_kb);
	js(f, s->fastipc_version);
	fprintf(f, ",\"zc_threshold\":%lu,\"busy_poll_us\":%ld}",
		s->zc_threshold, s->busy_poll_us);

	jkey(f, &first, "options");
	fprintf(f, "{\"receiver_cpu\":%d,\"sender_cpu\":%d,\"rounds\":%u,"
		   "\"windows\":%u,"
		   "\"window_ms\":%.0f,\"warmup_ms\":%.0f,"
		   "\"warmup_min\":\"2 x buffers (depth + 1, or the slots a "
		   "mechanism cycles through if more)\","
		   "\"window_min_msgs\":%u,\"latency_ms\":%.0f,"
		   "\"latency_min_samples\":%u,\"fanin_senders\":%u,"
		   "\"busy_poll\":{\"mode\":\"%s\",\"us\":%u},"
		   "\"round_trip_polling\":[%s%s%s],"
		   "\"throughput_sizes\":", o->cpu_a, o->cpu_b, o->rounds,
		o->reps,
		(double)o->win_ns / NSEC_PER_MSEC,
		(double)o->warm_ns / NSEC_PER_MSEC, o->win_min_msgs,
		(double)o->lat_ns / NSEC_PER_MSEC, o->lat_min_samples,
		o->fanin_senders, poll_mode_names[r->poll.mode], r->poll.us,
		o->rt_po[PO_ON] ? "\"on\"" : "",
		o->rt_po[PO_ON] && o->rt_po[PO_OFF] ? "," : "",
		o->rt_po[PO_OFF] ? "\"off\"" : "");
	json_sizes(f, o->tput_sizes, o->ntput);
	fprintf(f, ",\"latency_sizes\":");
	json_sizes(f, o->lat_sizes, o->nlat);
	fprintf(f, ",\"fanin_sizes\":");
	json_sizes(f, o->fanin_sizes, o->nfanin);
	fprintf(f, ",\"same_cpu_throughput_sizes\":");
	json_sizes(f, o->same_tput_sizes, o->nsame_tput);
	fprintf(f, ",\"same_cpu_latency_sizes\":");
	json_sizes(f, o->same_lat_sizes, o->nsame_lat);
	fprintf(f, ",\"call_sizes\":");
	json_sizes(f, o->call_sizes, o->ncall);
	fprintf(f, ",\"call_clients\":%u,\"call_clients_sizes\":",
		o->call_clients);
	json_sizes(f, o->call4_sizes, o->ncall4);
	fprintf(f, ",\"fanout_sizes\":");
	json_sizes(f, o->fan_sizes, o->nfan);
	fprintf(f, ",\"fanout_subscribers\":[");
	for (int i = 0; i < o->nfan_subs; i++)
		fprintf(f, "%s%u", i ? "," : "", o->fan_subs[i]);
	fputc(']', f);
	fputc('}', f);

	jkey(f, &first, "mechanisms");
	fputc('[', f);
	for (int i = 0; i < o->nmechs; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		js(f, o->mechs[i]->name);
		fprintf(f, ",\"family\":");
		js(f, o->mechs[i]->family);
		fprintf(f, ",\"description\":");
		js(f, o->mechs[i]->desc);
		fprintf(f, ",\"poll\":");
		js(f, o->mechs[i]->poll_how ? o->mechs[i]->poll_how : "");
		fprintf(f, ",\"fastipc\":%s,\"ceiling\":%s}",
			o->mechs[i]->flags & MECH_FASTIPC ? "true" : "false",
			o->mechs[i]->flags & MECH_CEILING ? "true" : "false");
	}
	fputc(']', f);

	/* The call workload's, and whether Binder could be used. */
	jkey(f, &first, "call_mechanisms");
	fputc('[', f);
	for (int i = 0; i < o->ncall_mechs; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		js(f, o->call_mechs[i]->name);
		fprintf(f, ",\"family\":");
		js(f, o->call_mechs[i]->family);
		fprintf(f, ",\"description\":");
		js(f, o->call_mechs[i]->desc);
		fprintf(f, ",\"poll\":");
		js(f, o->call_mechs[i]->poll_how);
		fprintf(f, ",\"fastipc\":%s}",
			o->call_mechs[i]->flags & MECH_FASTIPC ? "true" :
			"false");
	}
	fputc(']', f);
	/* The fan-out workload's, and whether topics were built in. */
	jkey(f, &first, "fanout_mechanisms");
	fputc('[', f);
	for (int i = 0; i < o->nfan_mechs; i++) {
		const struct mech *m = o->fan_mechs[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		js(f, m->name);
		fprintf(f, ",\"family\":");
		js(f, m->family);
		fprintf(f, ",\"description\":");
		js(f, m->desc);
		fprintf(f, ",\"poll\":");
		js(f, m->poll_how);
		fprintf(f, ",\"fastipc\":%s,\"ceiling\":%s,"
			   "\"broadcast\":%s}",
			m->flags & MECH_FASTIPC ? "true" : "false",
			m->flags & MECH_CEILING ? "true" : "false",
			m->flags & MECH_BCAST ? "true" : "false");
	}
	fprintf(f, "]");
	jkey(f, &first, "fanout_topic");
	fprintf(f, "%s", fanout_has_topic ? "true" : "false");
	jkey(f, &first, "binder");
	fprintf(f, "{\"available\":%s,\"how\":", r->binder_ok ? "true" :
		"false");
	js(f, r->binder_why);
	fputc('}', f);

	jkey(f, &first, "limits");
	fputc('[', f);
	for (int i = 0; i < r->nlimits; i++) {
		fprintf(f, "%s{\"what\":", i ? "," : "");
		js(f, r->limits[i].what);
		fprintf(f, ",\"from\":");
		js(f, r->limits[i].from);
		fprintf(f, ",\"to\":");
		js(f, r->limits[i].to);
		fprintf(f, ",\"raised\":%s,\"note\":",
			r->limits[i].ok ? "true" : "false");
		js(f, r->limits[i].note);
		fputc('}', f);
	}
	fputc(']', f);

	jkey(f, &first, "floors");
	if (fl->measured) {
		fprintf(f, "{\"null_syscall_ns\":");
		jnum(f, fl->null_syscall_ns);
		fprintf(f, ",\"futex_pingpong_rtt_us\":{\"separate\":");
		jnum(f, fl->futex_rt_us[PL_SEPARATE]);
		fprintf(f, ",\"same\":");
		jnum(f, fl->futex_rt_us[PL_SAME]);
		fprintf(f, "},\"futex_pingpong_rtt_p99_us\":{\"separate\":");
		jnum(f, fl->futex_rt_p99_us[PL_SEPARATE]);
		fprintf(f, ",\"same\":");
		jnum(f, fl->futex_rt_p99_us[PL_SAME]);
		fprintf(f, "},\"sizes\":[");
		for (int i = 0; i < fl->nsizes; i++) {
			fprintf(f, "%s{\"size\":%zu,\"memcpy_ns\":",
				i ? "," : "", fl->sizes[i]);
			jnum(f, fl->memcpy_ns[i]);
			fprintf(f, ",\"produce_consume_ns\":");
			jnum(f, fl->pc_ns[i]);
			fprintf(f, ",\"map_unmap_ns\":");
			jnum(f, fl->map_ns[i]);
			fprintf(f, ",\"consume_ns\":");
			jnum(f, fl->consume_ns[i]);
			fputc('}', f);
		}
		{
			char why[256];
			int ok = memcpy_check(r, why, sizeof(why));

			fprintf(f, "],\"memcpy_check\":{\"holds\":%s,"
				   "\"detail\":", ok > 0 ? "true" : ok == 0 ?
				   "false" : "null");
			js(f, why);
			fprintf(f, "}}");
		}
	} else {
		fputs("null", f);
	}

	jkey(f, &first, "calibration");
	if (r->cal.done) {
		fprintf(f, "{\"sizes\":");
		json_sizes(f, r->cal.sizes, r->cal.n);
		fprintf(f, ",\"copy_msgs_per_s\":[");
		for (int i = 0; i < r->cal.n; i++) {
			fprintf(f, "%s", i ? "," : "");
			jnum(f, r->cal.copy_mps[i]);
		}
		fprintf(f, "],\"zc_msgs_per_s\":[");
		for (int i = 0; i < r->cal.n; i++) {
			fprintf(f, "%s", i ? "," : "");
			jnum(f, r->cal.zc_mps[i]);
		}
		fprintf(f, "],\"crossover\":%zu,\"old_threshold\":%lu,"
			   "\"set\":%s,\"how\":", r->cal.crossover,
			r->cal.old_threshold, r->cal.set ? "true" : "false");
		js(f, r->cal.how);
		fputc('}', f);
	} else {
		fputs("null", f);
	}

	jkey(f, &first, "results");
	fputc('[', f);
	for (int i = 0; i < r->ncells; i++) {
		fprintf(f, "%s\n      ", i ? "," : "");
		json_cell(f, r, i);
	}
	fputc(']', f);

	jkey(f, &first, "ratios");
	fputc('[', f);
	any = false;
	for (int i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		const struct mech *best;
		struct span q;

		if (!(c->mech->flags & MECH_FASTIPC))
			continue;
		ratio_to_best(r, c->wl, c->pl, c->po, c->mech, c->size, &best);
		ratio_span(r, c->wl, c->pl, c->po, c->mech, c->size, &q);
		fprintf(f, "%s\n      {\"workload\":", any ? "," : "");
		any = true;
		js(f, wl_names[c->wl]);
		fprintf(f, ",\"placement\":");
		js(f, pl_names[c->pl]);
		fprintf(f, ",\"polling\":\"%s\",\"mode\":", po_names[c->po]);
		js(f, c->mech->name);
		fprintf(f, ",\"size\":%zu,\"best_other\":", c->size);
		js(f, best ? best->name : "");
		/* Taken in every round: the median and the range. */
		fprintf(f, ",\"ratio\":");
		jnum(f, q.n ? span_median(&q) : NAN);
		fprintf(f, ",\"ratio_min\":");
		jnum(f, q.n ? span_min(&q) : NAN);
		fprintf(f, ",\"ratio_max\":");
		jnum(f, q.n ? span_max(&q) : NAN);
		fprintf(f, ",\"per_round\":[");
		for (unsigned int k = 0; k < q.n; k++) {
			fprintf(f, "%s", k ? "," : "");
			jnum(f, q.v[k]);
		}
		fprintf(f, "]}");
	}
	(void)modes;
	fputc(']', f);

	goals_judge(r, g);
	jkey(f, &first, "goals");
	fputc('[', f);
	for (int i = 0; i < NR_GOALS; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		js(f, g[i].name);
		fprintf(f, ",\"statement\":");
		js(f, g[i].statement);
		fprintf(f, ",\"verdict\":");
		js(f, g[i].verdict == 1 ? "met" : g[i].verdict == 0 ?
		   "not met" : "not judged");
		fprintf(f, ",\"rounds\":%u,\"rounds_met\":%u,\"detail\":",
			g[i].rounds, g[i].rounds_met);
		js(f, g[i].detail);
		fputc('}', f);
	}
	fputc(']', f);

	jkey(f, &first, "all_verified");
	fputs(r->failed ? "false" : "true", f);
	jkey(f, &first, "elapsed_s");
	jnum(f, r->elapsed_s);
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

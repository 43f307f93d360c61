// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: report.md, a Markdown report of the run: the machine,
 * the method and the fairness rules, every table, the goals and the
 * charts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char method_text[] =
"## Method\n\n"
"Every mechanism moves the same messages from a sender process to a "
"receiver process (forked, each opening its own end).\n\n"
"- **Every byte is touched.** The sender writes every payload byte into "
"whatever buffer the mechanism gives it (its own buffer for a copying "
"mechanism, a shared-memory slot, a fastipc window buffer); the receiver "
"reads every byte of what it receives, where it receives it, and checks "
"a cheap checksum of it and the message's sequence number. Both loops "
"move 32 bytes per instruction where the CPU has AVX2, as memcpy does, "
"so that touching the data costs no more than copying it would. No "
"mechanism wins by not touching data, and every message is verified: a "
"cell whose messages do not all verify is reported as an error.\n"
"- **The same buffering.** Every mechanism gets the same depth: 64 "
"small messages, 64 MiB worth of large ones, at least 2 (pipe and socket "
"buffers keep their larger defaults). Limits are raised to carry the "
"tested sizes, and printed; a size a mechanism cannot carry is shown as "
"n/a with the reason.\n"
"- **Warm-up, then repetitions.** After a warm-up that uses every buffer "
"or slot of the link twice, at least 2 x (depth + 1) messages, in the "
"round trips as in one-way cells (so that every slot of a ring has its "
"pages, and buffers that circulate, such as a zero-copy sender's page "
"pool, reach their steady number), the receiver measures "
"consecutive windows (each at least a minimum time and number of "
"messages). Round trips are timed one by one: median and p99.\n"
"- **Claims from repeated runs.** The whole plan runs in several rounds, "
"one after the other, minutes apart. A table of values shows each "
"measurement's best round (a shared host only ever slows a measurement "
"down) and marks the spread over the windows of every round ((max - "
"min) / median). A ratio is taken in every round from that round's "
"cells alone and shown as its median over the rounds with its range "
"(min-max); a goal is met only if it holds in every round.\n"
"- **Pinned.** The receiver runs on one CPU, the senders on another; the "
"same-CPU variant puts them all on one CPU.\n"
"- **Round trips echo the full payload.** The server checks every byte "
"of the request and writes a fresh full-size reply, which the client "
"checks.\n"
"- **The same polling.** fastipc's receivers poll an empty channel in "
"the kernel before they sleep; so every receiver of a cell polls by the "
"same rule with the same budget, each the way it is polled from user "
"space (non-blocking receives tried again and again, a spin on a "
"shared-memory ring's index), then blocks as usual. Round trips run "
"twice and are compared like for like: with polling (every receiver) "
"and without (every receiver blocks at once). Ratios and goals never "
"compare a polling receiver with one that blocks.\n"
"- **Fan-in.** Several senders, one receiver; mechanisms with one queue "
"share it, the others (pipes above PIPE_BUF, sockets, shared-memory "
"rings) get one per sender and the receiver waits on all of them "
"(epoll, or a shared futex doorbell).\n"
"- **Floors** are measured in the same run: a null system call, a futex "
"ping-pong between two processes, memcpy, producing and consuming a "
"message (the fairness work alone) and mapping and unmapping its pages.\n"
"- **CPU time** is the user + system time of every process of a cell: "
"per message one-way, per round trip (a request and its reply, both "
"processes) in the round trips. The CSV and JSON have it over the whole "
"cell and over the measured part alone (the processes' CPU-time clocks "
"read when the windows or the measured round trips begin and end), which "
"the tables and the page-path goal use.\n";

static void md_mark(FILE *f, const struct cell *c, int *nnotes,
		    const struct cell **notes)
{
	int k;

	for (k = 0; k < *nnotes; k++)
		if (notes[k]->mech == c->mech &&
		    strcmp(notes[k]->why, c->why) == 0)
			break;
	if (k == *nnotes && *nnotes < MAX_CELLS)
		notes[(*nnotes)++] = c;
	fprintf(f, " %s [%d] |", c->status == CELL_NA ? "n/a" : "**error**",
		k + 1);
}

static void md_notes(FILE *f, int n, const struct cell **notes)
{
	char sz[16];

	for (int k = 0; k < n; k++)
		fprintf(f, "%s[%d] %s, %s%s: %s\n", k ? "\n" : "\n", k + 1,
			notes[k]->mech->name,
			fmt_size(notes[k]->size, sz, sizeof(sz)),
			notes[k]->status == CELL_ERROR ? " (error)" : "",
			notes[k]->why);
}

static void md_head(FILE *f, const size_t *sizes, int n)
{
	char sz[16];

	fprintf(f, "| mechanism |");
	for (int i = 0; i < n; i++)
		fprintf(f, " %s |", fmt_size(sizes[i], sz, sizeof(sz)));
	fprintf(f, "\n|---|");
	for (int i = 0; i < n; i++)
		fprintf(f, "---:|");
	fputc('\n', f);
}

static void md_table(const struct run *r, FILE *f, enum workload wl,
		     enum placement pl, enum polling po, const size_t *sizes,
		     int n, bool msgs, const char *title)
{
	const struct cell **notes;
	int nnotes = 0;

	if (!n || (wl == WL_LATENCY && !r->opts.rt_po[po]))
		return;
	notes = calloc(MAX_CELLS, sizeof(*notes));
	if (!notes)
		return;
	fprintf(f, "\n### %s\n\n", title);
	md_head(f, sizes, n);
	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];

		fprintf(f, "| %s%s%s |", mech->flags & MECH_FASTIPC ? "**" : "",
			mech->name, mech->flags & MECH_FASTIPC ? "**" : "");
		for (int i = 0; i < n; i++) {
			const struct cell *c = find_cell(r, wl, pl, po, mech,
							 sizes[i]);

			if (!c) {
				fprintf(f, " - |");
			} else if (c->status != CELL_OK) {
				md_mark(f, c, &nnotes, notes);
			} else if (wl == WL_LATENCY) {
				fprintf(f, " %.1f / %.1f |", c->lat_med_us,
					c->lat_p99_us);
			} else if (msgs) {
				fprintf(f, " %.3g |", c->mps / 1e3);
			} else {
				fprintf(f, " %.*f%s |",
					c->bps >= 1e8 ? 0 : c->bps >= 1e7 ? 1 : 2,
					c->bps / 1e6,
					c->spread > 0.25 ? " ~" : "");
			}
		}
		fputc('\n', f);
	}
	md_notes(f, nnotes, notes);
	free(notes);
}

/* CPU time per round trip over the measured round trips, both processes:
 * with polling / without. */
static void md_lat_cpu(const struct run *r, FILE *f, enum placement pl,
		       const size_t *sizes, int n, const char *title)
{
	if (!n)
		return;
	fprintf(f, "\n### %s\n\n", title);
	md_head(f, sizes, n);
	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];

		fprintf(f, "| %s%s%s |", mech->flags & MECH_FASTIPC ? "**" : "",
			mech->name, mech->flags & MECH_FASTIPC ? "**" : "");
		for (int i = 0; i < n; i++) {
			for (int po = 0; po < NR_PO; po++) {
				const struct cell *c;

				c = find_cell(r, WL_LATENCY, pl,
					      (enum polling)po, mech, sizes[i]);
				if (!c || c->status != CELL_OK || !c->win_cpu_n)
					fprintf(f, "%s-", po ? " / " : " ");
				else
					fprintf(f, "%s%.1f", po ? " / " : " ",
						cell_window_cpu_us(c));
			}
			fprintf(f, " |");
		}
		fputc('\n', f);
	}
}

static void md_ratio(const struct run *r, FILE *f, enum workload wl,
		     enum placement pl, enum polling po, const size_t *sizes,
		     int n, const char *title)
{
	const struct mech *modes[] = { &mech_fastipc_copy, &mech_fastipc_zc,
				       &mech_fastipc_auto };
	char sz[16], v[48];

	if (!n || (wl == WL_LATENCY && !r->opts.rt_po[po]))
		return;
	fprintf(f, "\n### %s\n\n", title);
	if (r->opts.rounds > 1)
		fprintf(f, "Each ratio is taken in every round: the median over "
			   "the %u rounds (min-max), in bold where it is above "
			   "1 in every round.\n\n", r->opts.rounds);
	fprintf(f, "| size | best other | copy | zc | auto |\n"
		   "|---|---|---:|---:|---:|\n");
	for (int i = 0; i < n; i++) {
		const struct mech *best = NULL;

		ratio_to_best(r, wl, pl, po, &mech_fastipc_copy, sizes[i],
			      &best);
		fprintf(f, "| %s | %s |", fmt_size(sizes[i], sz, sizeof(sz)),
			best ? best->name : "-");
		for (int k = 0; k < 3; k++) {
			struct span q;
			bool win;

			ratio_span(r, wl, pl, po, modes[k], sizes[i], &q);
			win = q.n && span_min(&q) >= 1;
			fprintf(f, " %s%s%s |", win ? "**" : "",
				fmt_ratio_span(&q, v, sizeof(v)),
				win ? "**" : "");
		}
		fputc('\n', f);
	}
}

/*
 * The call workload: one row per mechanism, one column per size; @what:
 * 0 median / p99 us (@po), 1 system calls per round trip, 2 CPU us per
 * round trip, 3 thousands of calls/s (polling / no polling).
 */
static void md_call(const struct run *r, FILE *f, const size_t *sizes,
		    int n, unsigned int nclients, int what, enum polling po1,
		    const char *title)
{
	char sz[16];

	if (!n || (what == 0 && !r->opts.rt_po[po1]))
		return;
	fprintf(f, "\n### %s\n\n| mechanism |", title);
	for (int i = 0; i < n; i++)
		fprintf(f, " %s |", fmt_size(sizes[i], sz, sizeof(sz)));
	fprintf(f, "\n|---|");
	for (int i = 0; i < n; i++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (int m = 0; m < r->opts.ncall_mechs; m++) {
		const struct mech *mech = r->opts.call_mechs[m];

		fprintf(f, "| %s%s%s |", mech->flags & MECH_FASTIPC ? "**" : "",
			mech->name, mech->flags & MECH_FASTIPC ? "**" : "");
		for (int i = 0; i < n; i++) {
			char v[NR_PO][40];

			for (int po = 0; po < NR_PO; po++) {
				const struct cell *c;

				c = find_call_cell(r, (enum polling)po, mech,
						   sizes[i], nclients);
				if (!c)
					snprintf(v[po], sizeof(v[po]), "-");
				else if (c->status != CELL_OK)
					snprintf(v[po], sizeof(v[po]), "%s",
						 c->status == CELL_NA ? "n/a" :
						 "ERR");
				else if (what == 0)
					snprintf(v[po], sizeof(v[po]),
						 "%.1f / %.0f", c->lat_med_us,
						 c->lat_p99_us);
				else if (what == 1 && cell_syscalls(c) >= 0)
					snprintf(v[po], sizeof(v[po]), "%.2f",
						 cell_syscalls(c));
				else if (what == 2 && c->win_cpu_n)
					snprintf(v[po], sizeof(v[po]), "%.1f",
						 cell_window_cpu_us(c));
				else if (what == 3)
					snprintf(v[po], sizeof(v[po]), "%.1f",
						 c->mps / 1e3);
				else
					snprintf(v[po], sizeof(v[po]), "-");
			}
			if (what == 0)
				fprintf(f, " %s |", v[po1]);
			else
				fprintf(f, " %s / %s |", v[PO_ON], v[PO_OFF]);
		}
		fputc('\n', f);
	}
}

static void md_calls(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	unsigned int k = o->call_clients;
	char t[256], pt[80];

	if (!o->ncall && !o->ncall4)
		return;
	fprintf(f, "\n## Call (request/reply)\n\nClients call one server "
		   "and wait for the reply, request and reply the same size. "
		   "System calls per round trip: every system call of the "
		   "client(s) and the server, failed non-blocking tries "
		   "included, over the measured calls. Binder: %s%s.\n\n"
		   "| name | how it is used | how its receivers poll |\n"
		   "|---|---|---|\n", r->binder_ok ? "" : "**not available**, "
		   "its cells skipped: ", r->binder_why[0] ? r->binder_why :
		   "not selected");
	for (int i = 0; i < o->ncall_mechs; i++)
		fprintf(f, "| %s | %s | %s |\n", o->call_mechs[i]->name,
			o->call_mechs[i]->desc, o->call_mechs[i]->poll_how);
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Call, 1 client, %s: median / p99, "
			 "microseconds", pt);
		md_call(r, f, o->call_sizes, o->ncall, 1, 0, (enum polling)po,
			t);
	}
	md_call(r, f, o->call_sizes, o->ncall, 1, 1, PO_ON, "Call, 1 client: "
		"system calls per round trip, polling / no polling");
	md_call(r, f, o->call_sizes, o->ncall, 1, 2, PO_ON, "Call, 1 client: "
		"CPU time per round trip, microseconds, polling / no polling");
	snprintf(t, sizeof(t), "Call, %u clients: thousands of calls/s, "
		 "polling / no polling", k);
	md_call(r, f, o->call4_sizes, o->ncall4, k, 3, PO_ON, t);
	snprintf(t, sizeof(t), "Call, %u clients: system calls per round "
		 "trip, polling / no polling", k);
	md_call(r, f, o->call4_sizes, o->ncall4, k, 1, PO_ON, t);
	snprintf(t, sizeof(t), "Call, %u clients: CPU time per round trip, "
		 "microseconds, polling / no polling", k);
	md_call(r, f, o->call4_sizes, o->ncall4, k, 2, PO_ON, t);
}

/*
 * The fan-out workload: per size and mechanism, the time per message
 * delivered to every subscriber at each subscriber count, and what each
 * subscriber beyond the first adds (time, CPU time).
 */
static void md_fanout(const struct run *r, FILE *f)
{
	const struct opts *o = &r->opts;
	unsigned int lo, hi;
	char sz[16];

	if (!o->nfan || !o->nfan_mechs || !o->nfan_subs)
		return;
	lo = o->fan_subs[0];
	hi = o->fan_subs[o->nfan_subs - 1];
	fprintf(f, "\n## Fan-out\n\nOne publisher writes every message "
		   "once; every subscriber reads and checks every byte of "
		   "every message. A message counts when the slowest "
		   "subscriber has checked it.%s\n\n"
		   "| name | how it is used | how its receivers poll |\n"
		   "|---|---|---|\n", fanout_has_topic ? "" :
		   " fastipc-topic: **n/a** (fastipc topics not supported by "
		   "this build's header).");
	for (int i = 0; i < o->nfan_mechs; i++)
		fprintf(f, "| %s | %s | %s |\n", o->fan_mechs[i]->name,
			o->fan_mechs[i]->desc, o->fan_mechs[i]->poll_how);
	fprintf(f, "\n### Time per message delivered to every subscriber, "
		   "microseconds; each extra subscriber (%u to %u): time, CPU "
		   "time\n\n| size | mechanism |", lo, hi);
	for (int n = 0; n < o->nfan_subs; n++)
		fprintf(f, " %u |", o->fan_subs[n]);
	fprintf(f, " extra | extra CPU |\n|---|---|");
	for (int n = 0; n < o->nfan_subs + 2; n++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (int i = 0; i < o->nfan; i++)
		for (int m = 0; m < o->nfan_mechs; m++) {
			const struct mech *mech = o->fan_mechs[m];
			const struct cell *c1, *cn;
			bool fipc = mech->flags & MECH_FASTIPC;

			fprintf(f, "| %s | %s%s%s |", fmt_size(o->fan_sizes[i],
							   sz, sizeof(sz)),
				fipc ? "**" : "", mech->name, fipc ? "**" : "");
			for (int n = 0; n < o->nfan_subs; n++) {
				const struct cell *c;

				c = find_fanout_cell(r, mech, o->fan_sizes[i],
						     o->fan_subs[n]);
				if (!c)
					fprintf(f, " - |");
				else if (c->status != CELL_OK)
					fprintf(f, " %s |", c->status ==
						CELL_NA ? "n/a" : "ERR");
				else
					fprintf(f, " %.1f%s |", 1e6 / c->mps,
						c->spread > 0.25 ? " ~" : "");
			}
			c1 = find_fanout_cell(r, mech, o->fan_sizes[i], lo);
			cn = find_fanout_cell(r, mech, o->fan_sizes[i], hi);
			if (hi > lo && c1 && cn && c1->status == CELL_OK &&
			    cn->status == CELL_OK && c1->win_cpu_n &&
			    cn->win_cpu_n)
				fprintf(f, " %.1f | %.1f |\n",
					(1e6 / cn->mps - 1e6 / c1->mps) /
					(hi - lo), (cell_window_cpu_us(cn) -
						    cell_window_cpu_us(c1)) /
					(hi - lo));
			else
				fprintf(f, " - | - |\n");
		}
}

int report_markdown(const struct run *r, const char *path, bool charts)
{
	const struct opts *o = &r->opts;
	const struct sysinfo *s = &r->sys;
	const struct floors *fl = &r->floors;
	struct goal g[NR_GOALS];
	char t[256], pt[80], sz[16];
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "# fastipc bench: %s run, %s\n\n", o->mode, s->date);
	fprintf(f, "| machine | |\n|---|---|\n| CPU | %s (%d online) |\n"
		   "| CPU flags | %s%s%s%s |\n"
		   "| init_on_alloc | %s%s%s |\n"
		   "| kernel | %s |\n| virtualisation | %s |\n"
		   "| memory | %lu MiB (%lu MiB available at the start) |\n"
		   "| fastipc module | %s, zc_threshold %lu |\n"
		   "| placement | receiver on CPU %d, senders on CPU %d |\n"
		   "| windows | %u round%s of %u windows of at least %.0f ms "
		   "and %u messages, after %.0f ms and 2 x (depth + 1) "
		   "messages (round trips: round trips) of warm-up; values: "
		   "the best round's median; ratios and goals: every round |"
		   "\n| duration | %.0f s |\n",
		s->cpu_model, s->cpus_online, cpu_flags_text(s),
		s->vm_cpu[0] ? "; QEMU `-cpu " : "", s->vm_cpu,
		s->vm_cpu[0] ? "`" : "",
		s->init_on_alloc < 0 ? "unknown" :
		s->init_on_alloc ? "1" : "0",
		s->init_on_alloc_from[0] ? ", from " : "",
		s->init_on_alloc_from, s->kernel, s->virt,
		s->mem_total_kb / 1024, s->mem_avail_kb / 1024,
		s->fastipc_version[0] ? s->fastipc_version : "not loaded",
		s->zc_threshold, o->cpu_a, o->cpu_b, o->rounds,
		o->rounds == 1 ? "" : "s", o->reps,
		(double)o->win_ns / NSEC_PER_MSEC, o->win_min_msgs,
		(double)o->warm_ns / NSEC_PER_MSEC, r->elapsed_s);
	switch (r->poll.mode) {
	case POLL_ADAPTIVE:
		fprintf(f, "\n> **Busy poll.** Every receiver polled an empty "
			   "link by fastipc's default rule: adaptively, up to "
			   "%u us before it blocked, only in a receive that "
			   "follows the same process's send (the round trips' "
			   "turns; one-way receivers never poll), as long as "
			   "such waits recently took.  fastipc's receivers with "
			   "the module's busy poll, the others in user space "
			   "(non-blocking receives, a ring spin).  What it costs "
			   "is in the CPU time per round trip, below.", r->poll.us);
		break;
	case POLL_FIXED:
		fprintf(f, "\n> **Busy poll.** Every receiver polled an empty "
			   "link for %u us before it blocked (`--busy-poll`), "
			   "one-way receivers too: fastipc's in the kernel, the "
			   "others in user space.", r->poll.us);
		break;
	case POLL_OFF:
		fprintf(f, "\n> **Busy poll.** Off: every receiver blocked at "
			   "once on an empty link.\n");
		break;
	case POLL_UNKNOWN:
		break;
	}
	if (r->poll.mode == POLL_ADAPTIVE || r->poll.mode == POLL_FIXED)
		fprintf(f, "  %s\n", o->rt_po[PO_ON] && o->rt_po[PO_OFF] ?
			"Round trips ran twice, and each is compared like for "
			"like: with polling, and with none (every receiver "
			"blocked at once)." : o->rt_po[PO_ON] ?
			"Round trips ran with polling only (`--polling on`)." :
			"Round trips ran without polling only (`--polling "
			"off`).");
	if (s->emulated)
		fprintf(f, "\n> **Software emulation.** These numbers come from "
			   "a virtual machine without hardware acceleration: "
			   "each number alone says little about real hardware; "
			   "only ratios between mechanisms within this one run "
			   "are meaningful.\n");
	fprintf(f, "\n%s", method_text);

	fprintf(f, "\n## Mechanisms\n\n| name | how it is used | how its "
		   "receiver polls |\n|---|---|---|\n");
	for (int i = 0; i < o->nmechs; i++)
		fprintf(f, "| %s | %s | %s |\n", o->mechs[i]->name,
			o->mechs[i]->desc, o->mechs[i]->poll_how ?
			o->mechs[i]->poll_how : "");

	if (r->nlimits) {
		fprintf(f, "\n## Limits raised for this run\n\n"
			   "| limit | from | to | |\n|---|---:|---:|---|\n");
		for (int i = 0; i < r->nlimits; i++)
			fprintf(f, "| %s | %s | %s | %s |\n", r->limits[i].what,
				r->limits[i].from, r->limits[i].to,
				r->limits[i].note);
	}

	goals_judge(r, g);
	fprintf(f, "\n## Goals\n\n| goal | verdict | numbers |\n|---|---|---|\n");
	for (int i = 0; i < NR_GOALS; i++)
		fprintf(f, "| **%s**: %s | %s | %s |\n", g[i].name,
			g[i].statement, g[i].verdict == 1 ? "met" :
			g[i].verdict == 0 ? "**not met**" : "not judged",
			g[i].detail);

	if (charts) {
		fprintf(f, "\n## Charts\n\n![One-way throughput against "
			   "message size](throughput.png)\n");
		if (o->nlat && o->rt_po[PO_ON])
			fprintf(f, "\n![Round trip against message size, "
				   "every receiver polling](latency.png)\n");
		if (o->nlat && o->rt_po[PO_OFF])
			fprintf(f, "\n![Round trip against message size, no "
				   "receiver polling](latency-nopoll.png)\n");
		fprintf(f, "\n(SVG: [throughput.svg](throughput.svg)%s%s)\n",
			o->nlat && o->rt_po[PO_ON] ?
			", [latency.svg](latency.svg)" : "",
			o->nlat && o->rt_po[PO_OFF] ?
			", [latency-nopoll.svg](latency-nopoll.svg)" : "");
	}

	fprintf(f, "\n## Results\n\nThroughput in MB/s (10^6 bytes) unless "
		   "said otherwise; `~` marks a spread over 25%% between "
		   "windows.\n");
	md_ratio(r, f, WL_THROUGHPUT, PL_SEPARATE, PO_ON, o->tput_sizes,
		 o->ntput, "fastipc / best other mechanism, one-way "
		 "throughput (shm-inplace, the ceiling, excluded)");
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "fastipc / best other mechanism, round "
			 "trip, %s (their time / fastipc's)", pt);
		md_ratio(r, f, WL_LATENCY, PL_SEPARATE, (enum polling)po,
			 o->lat_sizes, o->nlat, t);
	}
	md_ratio(r, f, WL_FANIN, PL_SEPARATE, PO_ON, o->fanin_sizes, o->nfanin,
		 "fastipc / best other mechanism, fan-in");
	md_table(r, f, WL_THROUGHPUT, PL_SEPARATE, PO_ON, o->tput_sizes,
		 o->ntput, false, "One-way throughput, MB/s, separate CPUs");
	md_table(r, f, WL_THROUGHPUT, PL_SEPARATE, PO_ON, o->tput_sizes,
		 o->ntput, true, "One-way throughput, thousands of "
		 "messages/s");
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Round trip, %s: median / p99, "
			 "microseconds", pt);
		md_table(r, f, WL_LATENCY, PL_SEPARATE, (enum polling)po,
			 o->lat_sizes, o->nlat, false, t);
	}
	md_lat_cpu(r, f, PL_SEPARATE, o->lat_sizes, o->nlat,
		   "CPU time per round trip, microseconds (both processes): "
		   "polling / no polling");
	snprintf(t, sizeof(t), "Fan-in, %u senders, MB/s", o->fanin_senders);
	md_table(r, f, WL_FANIN, PL_SEPARATE, PO_ON, o->fanin_sizes, o->nfanin,
		 false, t);
	snprintf(t, sizeof(t), "Fan-in, %u senders, thousands of messages/s",
		 o->fanin_senders);
	md_table(r, f, WL_FANIN, PL_SEPARATE, PO_ON, o->fanin_sizes, o->nfanin,
		 true, t);
	md_table(r, f, WL_THROUGHPUT, PL_SAME, PO_ON, o->same_tput_sizes,
		 o->nsame_tput, false, "One-way throughput, MB/s, same CPU");
	for (int po = 0; po < NR_PO; po++) {
		po_title(r, (enum polling)po, pt, sizeof(pt));
		snprintf(t, sizeof(t), "Round trip, %s: median / p99, "
			 "microseconds, same CPU", pt);
		md_table(r, f, WL_LATENCY, PL_SAME, (enum polling)po,
			 o->same_lat_sizes, o->nsame_lat, false, t);
	}
	md_lat_cpu(r, f, PL_SAME, o->same_lat_sizes, o->nsame_lat,
		   "CPU time per round trip, microseconds, same CPU: polling "
		   "/ no polling");

	md_calls(r, f);
	md_fanout(r, f);

	if (fl->measured) {
		fprintf(f, "\n## Floors\n\n- null system call: %.3f us\n"
			   "- futex ping-pong round trip: %.1f us on two CPUs "
			   "(p99 %.1f), %.1f us on one\n\n"
			   "| size | memcpy | produce + consume | consume | "
			   "map + unmap |\n|---|---:|---:|---:|---:|\n",
			fl->null_syscall_ns / 1e3, fl->futex_rt_us[PL_SEPARATE],
			fl->futex_rt_p99_us[PL_SEPARATE],
			fl->futex_rt_us[PL_SAME]);
		for (int i = 0; i < fl->nsizes; i++)
			fprintf(f, "| %s | %.2f us (%.2f GB/s) | %.2f us | "
				   "%.2f us | %.2f us |\n",
				fmt_size(fl->sizes[i], sz, sizeof(sz)),
				fl->memcpy_ns[i] / 1e3,
				fl->memcpy_ns[i] > 0 ?
				(double)fl->sizes[i] / fl->memcpy_ns[i] : 0,
				fl->pc_ns[i] / 1e3, fl->consume_ns[i] / 1e3,
				fl->map_ns[i] / 1e3);
		{
			char why[256];
			int ok = memcpy_check(r, why, sizeof(why));

			fprintf(f, "\n**memcpy check** (copies at the machine's "
				   "speed: memcpy at 16-256 KiB within 1.5x of "
				   "its rate at 1 MiB and up): %s. %s.\n",
				ok > 0 ? "holds" : ok == 0 ? "**does not hold**" :
				"not judged", why);
		}
	}
	if (r->cal.done) {
		fprintf(f, "\n## Calibration\n\n| size | copy msg/s | zc msg/s |"
			   "\n|---|---:|---:|\n");
		for (int i = 0; i < r->cal.n; i++)
			fprintf(f, "| %s | %.0f | %.0f |\n",
				fmt_size(r->cal.sizes[i], sz, sizeof(sz)),
				r->cal.copy_mps[i], r->cal.zc_mps[i]);
		fprintf(f, "\n%s\n", r->cal.how);
	}
	fprintf(f, "\n%s\n", r->failed ?
		"**Some cells failed or did not verify**: see the errors "
		"above." : "Every message of every measured cell was verified.");
	return fclose(f) ? -errno : 0;
}

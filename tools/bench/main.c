// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the fastipc-bench program (`fastipc bench` runs it):
 * options, the plan of cells, running them, and the outputs.  It shares
 * the option helpers of fastipc(8) (tools/fastipc/util.c), not its code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastipc.h"
#include "bench.h"
#include "../fastipc/cli.h"

const char *const wl_names[NR_WL] = {
	[WL_THROUGHPUT] = "throughput",
	[WL_LATENCY] = "latency",
	[WL_FANIN] = "fanin",
	[WL_CALL] = "call",
	[WL_FANOUT] = "fanout",
};

const char *const pl_names[NR_PL] = {
	[PL_SEPARATE] = "separate",
	[PL_SAME] = "same",
};

const char *const po_names[NR_PO] = {
	[PO_ON] = "on",
	[PO_OFF] = "off",
};

const struct mech *const all_mechs[] = {
	&mech_pipe, &mech_vmsplice,
	&mech_posix_mq, &mech_sysv_msg,
	&mech_unix_stream, &mech_unix_seqpacket, &mech_tcp,
	&mech_shm_copy, &mech_shm_inplace,
	&mech_cma,
	&mech_fastipc_copy, &mech_fastipc_zc, &mech_fastipc_auto,
	NULL
};

/* The fan-out workload's: a queue per subscriber, then broadcast. */
const struct mech *const all_fanmechs[] = {
	&mech_pipe, &mech_unix_stream, &mech_posix_mq, &mech_shm_ring,
	&mech_shm_bcast,
#ifdef FASTIPC_O_TOPIC
	&mech_fastipc_topic,
#endif
	NULL
};

#define SZ(...)	{ __VA_ARGS__ }

#define SLOW_CELL_S	8.0	/* seconds: a slower cell runs in one round */

static const size_t tput_default[] = SZ(64, 512, 4 * KiB, 16 * KiB,
	64 * KiB, 256 * KiB, MiB, 4 * MiB, 16 * MiB, 64 * MiB);
static const size_t lat_default[] = SZ(64, 4 * KiB, 64 * KiB, MiB);
static const size_t fanin_default[] = SZ(64, MiB);
static const size_t same_tput_default[] = SZ(64, 64 * KiB, MiB);
static const size_t same_lat_default[] = SZ(64);
static const size_t call_default[] = SZ(64, 4 * KiB, 64 * KiB, MiB);
static const size_t call4_default[] = SZ(64, 4 * KiB, 64 * KiB);
static const size_t fan_default[] = SZ(64, 4 * KiB, 64 * KiB, MiB,
	8 * MiB, 64 * MiB);
static const unsigned int fan_subs_default[] = SZ(1, 2, 4, 8);

static const size_t tput_quick[] = SZ(64, 4 * KiB, 64 * KiB, MiB);
static const size_t lat_quick[] = SZ(64, 64 * KiB);
static const size_t fanin_quick[] = SZ(64);
static const size_t same_quick[] = SZ(64);
static const size_t call_quick[] = SZ(64, 64 * KiB);
static const size_t call4_quick[] = SZ(64);
static const size_t fan_quick[] = SZ(4 * KiB, MiB);
static const unsigned int fan_subs_quick[] = SZ(1, 4, 8);

static const size_t fanin_full[] = SZ(64, 4 * KiB, 64 * KiB, MiB);

#define SET_SIZES(dst, n, src)						\
	do {								\
		n = (int)(sizeof(src) / sizeof(src[0]));		\
		memcpy(dst, src, sizeof(src));				\
	} while (0)

static void set_mode(struct opts *o, const char *mode)
{
	o->mode = mode;
	o->fanin_senders = 4;
	o->call_clients = 4;
	o->do_floors = true;
	o->lat_max_samples = 20000;
	if (strcmp(mode, "quick") == 0) {
		SET_SIZES(o->tput_sizes, o->ntput, tput_quick);
		SET_SIZES(o->lat_sizes, o->nlat, lat_quick);
		SET_SIZES(o->fanin_sizes, o->nfanin, fanin_quick);
		SET_SIZES(o->same_tput_sizes, o->nsame_tput, same_quick);
		SET_SIZES(o->same_lat_sizes, o->nsame_lat, same_quick);
		SET_SIZES(o->call_sizes, o->ncall, call_quick);
		SET_SIZES(o->call4_sizes, o->ncall4, call4_quick);
		SET_SIZES(o->fan_sizes, o->nfan, fan_quick);
		SET_SIZES(o->fan_subs, o->nfan_subs, fan_subs_quick);
		o->warm_ns = 10 * NSEC_PER_MSEC;
		o->win_ns = 20 * NSEC_PER_MSEC;
		o->reps = 2;
		o->rounds = 1;
		o->win_min_msgs = 2;
		o->lat_ns = 20 * NSEC_PER_MSEC;
		o->lat_min_samples = 20;
		o->cell_timeout_ns = 60 * NSEC_PER_SEC;
		return;
	}
	SET_SIZES(o->tput_sizes, o->ntput, tput_default);
	SET_SIZES(o->lat_sizes, o->nlat, lat_default);
	SET_SIZES(o->fanin_sizes, o->nfanin, fanin_default);
	SET_SIZES(o->same_tput_sizes, o->nsame_tput, same_tput_default);
	SET_SIZES(o->same_lat_sizes, o->nsame_lat, same_lat_default);
	SET_SIZES(o->call_sizes, o->ncall, call_default);
	SET_SIZES(o->call4_sizes, o->ncall4, call4_default);
	SET_SIZES(o->fan_sizes, o->nfan, fan_default);
	SET_SIZES(o->fan_subs, o->nfan_subs, fan_subs_default);
	o->warm_ns = 50 * NSEC_PER_MSEC;
	o->win_ns = 100 * NSEC_PER_MSEC;
	o->reps = 3;
	o->rounds = 3;
	o->win_min_msgs = 4;
	o->lat_ns = 200 * NSEC_PER_MSEC;
	o->lat_min_samples = 100;
	o->cell_timeout_ns = 120 * NSEC_PER_SEC;
	if (strcmp(mode, "full") == 0) {
		SET_SIZES(o->same_tput_sizes, o->nsame_tput, tput_default);
		SET_SIZES(o->same_lat_sizes, o->nsame_lat, lat_default);
		SET_SIZES(o->fanin_sizes, o->nfanin, fanin_full);
		o->warm_ns = 200 * NSEC_PER_MSEC;
		o->win_ns = 300 * NSEC_PER_MSEC;
		o->reps = 5;
		o->rounds = 3;
		o->win_min_msgs = 8;
		o->lat_ns = NSEC_PER_SEC;
		o->lat_min_samples = 1000;
		o->cell_timeout_ns = 300 * NSEC_PER_SEC;
	}
}

static bool parse_mechs(const struct cli_cmd *cmd, struct opts *o,
			const char *arg)
{
	char *list = strdup(arg), *save = NULL, *tok;
	bool pick[32] = { false }, cpick[16] = { false };
	bool fpick[16] = { false };

	if (!list)
		return false;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool found = false, cfound = false, ffound = false;

		/* The call workload's: by name or family. */
		for (int i = 0; all_callmechs[i]; i++) {
			const struct mech *m = all_callmechs[i]->mech;

			if (strcmp(tok, "all") == 0 ||
			    strcmp(tok, m->name) == 0 ||
			    strcmp(tok, m->family) == 0) {
				cpick[i] = true;
				cfound = true;
			}
		}

		/* The fan-out workload's: by name or family. */
		for (int i = 0; all_fanmechs[i]; i++) {
			const struct mech *m = all_fanmechs[i];

			if (strcmp(tok, "all") == 0 ||
			    strcmp(tok, m->name) == 0 ||
			    strcmp(tok, m->family) == 0) {
				fpick[i] = true;
				ffound = true;
			}
		}

		/* A mechanism's name first ("pipe"), else a family. */
		for (int i = 0; all_mechs[i]; i++) {
			if (strcmp(tok, "all") == 0 ||
			    strcmp(tok, all_mechs[i]->name) == 0) {
				pick[i] = true;
				found = true;
			}
		}
		for (int i = 0; all_mechs[i] && !found; i++) {
			if (strcmp(tok, all_mechs[i]->family) == 0)
				pick[i] = true;
		}
		for (int i = 0; all_mechs[i] && !found; i++)
			found = pick[i] && strcmp(tok, all_mechs[i]->family) == 0;
		if (!found && !cfound && !ffound) {
			cli_usage(cmd, "--mechanisms: unknown mechanism '%s' "
				  "(see --help)", tok);
			free(list);
			return false;
		}
	}
	free(list);
	o->nmechs = 0;
	for (int i = 0; all_mechs[i]; i++)
		if (pick[i])
			o->mechs[o->nmechs++] = all_mechs[i];
	o->ncall_mechs = 0;
	for (int i = 0; all_callmechs[i]; i++)
		if (cpick[i])
			o->call_mechs[o->ncall_mechs++] = all_callmechs[i]->mech;
	o->nfan_mechs = 0;
	for (int i = 0; all_fanmechs[i]; i++)
		if (fpick[i])
			o->fan_mechs[o->nfan_mechs++] = all_fanmechs[i];
	return true;
}

static bool parse_sizes(const struct cli_cmd *cmd, struct opts *o,
			const char *arg)
{
	char *list = strdup(arg), *save = NULL, *tok;
	size_t v[MAX_SIZES];
	uint64_t sz;
	int n = 0;

	if (!list)
		return false;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_SIZES || !size_parse(tok, &sz) ||
		    sz < MIN_MSG_SIZE || sz > GiB) {
			cli_usage(cmd, "--sizes: '%s' is not a size from %d B "
				  "to 1 GiB (at most %d sizes)", tok,
				  MIN_MSG_SIZE, MAX_SIZES);
			free(list);
			return false;
		}
		v[n++] = sz;
	}
	free(list);
	/* Sorted, no duplicates. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			size_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	o->ntput = 0;
	for (int i = 0; i < n; i++)
		if (!i || v[i] != v[i - 1])
			o->tput_sizes[o->ntput++] = v[i];
	memcpy(o->lat_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->fanin_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->same_tput_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->same_lat_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->call_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->call4_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	memcpy(o->fan_sizes, o->tput_sizes, sizeof(o->tput_sizes));
	o->nfan = o->ntput;
	o->nlat = o->nfanin = o->nsame_tput = o->nsame_lat = o->ntput;
	o->ncall = o->ncall4 = o->ntput;
	return true;
}

static bool parse_workloads(const struct cli_cmd *cmd, struct opts *o,
			    const char *arg)
{
	char *list = strdup(arg), *save = NULL, *tok;
	bool tput = false, lat = false, fanin = false, same = false;
	bool floors = false, call = false, fanout = false;

	if (!list)
		return false;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "throughput") == 0) {
			tput = true;
		} else if (strcmp(tok, "latency") == 0) {
			lat = true;
		} else if (strcmp(tok, "fanin") == 0) {
			fanin = true;
		} else if (strcmp(tok, "same-cpu") == 0) {
			same = true;
		} else if (strcmp(tok, "floors") == 0) {
			floors = true;
		} else if (strcmp(tok, "call") == 0) {
			call = true;
		} else if (strcmp(tok, "fanout") == 0) {
			fanout = true;
		} else if (strcmp(tok, "all") == 0) {
			tput = lat = fanin = same = floors = call = fanout =
				true;
		} else if (strcmp(tok, "none") != 0) {
			cli_usage(cmd, "--workloads: unknown workload '%s' "
				  "(throughput, latency, fanin, same-cpu, "
				  "call, fanout, floors, all, none)", tok);
			free(list);
			return false;
		}
	}
	free(list);
	if (!tput)
		o->ntput = 0;
	if (!lat)
		o->nlat = 0;
	if (!fanin)
		o->nfanin = 0;
	if (!same)
		o->nsame_tput = o->nsame_lat = 0;
	if (!call)
		o->ncall = o->ncall4 = 0;
	if (!fanout)
		o->nfan = 0;
	/* Same-CPU alone: its own sizes, not only those also run apart. */
	o->do_floors = floors;
	return true;
}

static int mkdir_p(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The plan                                                            */
/* ------------------------------------------------------------------ */

/* The module's default busy_poll_us, for a run without the module. */
#define MODULE_POLL_US	200

/*
 * How receivers poll where they poll, every one by the same rule
 * (poll.c): --busy-poll US (fixed; 0: off), else the rule a fastipc
 * receiving handle starts with, adaptive under the module's busy_poll_us.
 */
static struct poll_rule run_poll_rule(const struct run *r)
{
	int opt = r->opts.busy_poll_us;
	long param = r->sys.busy_poll_us;

	if (opt >= 0)
		return (struct poll_rule){ opt ? POLL_FIXED : POLL_OFF,
					   (unsigned int)opt };
	if (param < 0)
		return (struct poll_rule){ POLL_ADAPTIVE, MODULE_POLL_US };
	return (struct poll_rule){ param ? POLL_ADAPTIVE : POLL_OFF,
				   (unsigned int)param };
}

/*
 * The cells of a workload: per size, every mechanism; a round trip's
 * polling modes one after the other, so that the cells compared like
 * for like run minutes apart at most.
 */
static void plan_add(struct run *r, enum workload wl, enum placement pl,
		     const size_t *sizes, int n)
{
	static const struct poll_rule none = { POLL_OFF, 0 };
	enum polling one_way = r->poll.mode == POLL_OFF ? PO_OFF : PO_ON;

	for (int i = 0; i < n; i++)
		for (int po = 0; po < NR_PO; po++) {
			if (wl == WL_LATENCY ? !r->opts.rt_po[po] :
			    po != (int)one_way)
				continue;
			for (int m = 0; m < r->opts.nmechs; m++) {
				struct cell *c;

				if (r->ncells >= MAX_CELLS)
					return;
				c = &r->cells[r->ncells++];
				memset(c, 0, sizeof(*c));
				c->wl = wl;
				c->pl = pl;
				c->po = (enum polling)po;
				c->mech = r->opts.mechs[m];
				c->size = sizes[i];
				c->nsenders = wl == WL_FANIN ?
					      r->opts.fanin_senders : 1;
				c->depth = bench_depth(sizes[i]);
				c->poll = po == PO_ON ? r->poll : none;
			}
		}
}

/*
 * The call workload's cells: per size, both polling modes one after the
 * other, every call mechanism; one client, then several.
 */
static void plan_call(struct run *r, const size_t *sizes, int n,
		      unsigned int nclients)
{
	static const struct poll_rule none = { POLL_OFF, 0 };

	for (int i = 0; i < n; i++)
		for (int po = 0; po < NR_PO; po++) {
			if (!r->opts.rt_po[po])
				continue;
			for (int m = 0; m < r->opts.ncall_mechs; m++) {
				struct cell *c;

				if (r->ncells >= MAX_CELLS)
					return;
				c = &r->cells[r->ncells++];
				memset(c, 0, sizeof(*c));
				c->wl = WL_CALL;
				c->pl = PL_SEPARATE;
				c->po = (enum polling)po;
				c->mech = r->opts.call_mechs[m];
				c->size = sizes[i];
				c->nsenders = nclients;
				c->depth = nclients;
				c->poll = po == PO_ON ? r->poll : none;
			}
		}
}

/*
 * The fan-out workload's cells: per size, every mechanism at every
 * subscriber count, so that a mechanism's counts run close together.
 */
static void plan_fanout(struct run *r)
{
	const struct opts *o = &r->opts;
	static const struct poll_rule none = { POLL_OFF, 0 };

	for (int i = 0; i < o->nfan; i++)
		for (int m = 0; m < o->nfan_mechs; m++)
			for (int n = 0; n < o->nfan_subs; n++) {
				struct cell *c;

				if (r->ncells >= MAX_CELLS)
					return;
				c = &r->cells[r->ncells++];
				memset(c, 0, sizeof(*c));
				c->wl = WL_FANOUT;
				c->pl = PL_SEPARATE;
				c->po = r->poll.mode == POLL_OFF ? PO_OFF :
					PO_ON;
				c->mech = o->fan_mechs[m];
				c->size = o->fan_sizes[i];
				c->nsenders = o->fan_subs[n];
				c->depth = bench_depth(c->size);
				c->poll = c->po == PO_ON ? r->poll : none;
			}
}

/*
 * Fold round @t into cell @c, for the tables.  A shared host only ever
 * slows a measurement down, so the better round's medians are kept; the
 * windows of every round are kept too, and the spread is over all of
 * them, so a disturbed round shows.  An error in any round is an error.
 * (Ratios and goals use each round's own cells: rounds.c.)
 */
static void merge_round(struct cell *c, const struct cell *t)
{
	double all[MAX_WINDOWS];
	unsigned int n = 0;

	if (t->status == CELL_ERROR && c->status != CELL_ERROR) {
		*c = *t;
		return;
	}
	if (c->status != CELL_OK || t->status != CELL_OK)
		return;
	c->cpu_us += t->cpu_us;
	c->sys_us += t->sys_us;
	c->win_cpu_ns += t->win_cpu_ns;
	c->win_cpu_n += t->win_cpu_n;
	c->round_trips += t->round_trips;
	c->win_syscalls += t->win_syscalls;
	if (t->warmup < c->warmup)
		c->warmup = t->warmup;
	c->messages += t->messages;
	c->verified += t->verified;
	c->wall_s += t->wall_s;
	c->rounds++;
	if (cell_is_rt(c)) {
		double lo = c->lat_med_us < t->lat_med_us ? c->lat_med_us :
			    t->lat_med_us;
		double hi = c->lat_med_us < t->lat_med_us ? t->lat_med_us :
			    c->lat_med_us;
		double between = lo > 0 ? (hi - lo) / lo : 0;
		double sp = c->lat_spread > t->lat_spread ? c->lat_spread :
			    t->lat_spread;

		if (t->mps > c->mps) {
			c->mps = t->mps;
			c->bps = t->bps;
		}
		if (t->lat_med_us < c->lat_med_us) {
			c->lat_med_us = t->lat_med_us;
			c->lat_p99_us = t->lat_p99_us;
			c->lat_min_us = t->lat_min_us;
			c->nsamples = t->nsamples;
		}
		c->lat_spread = sp > between ? sp : between;
		c->nwin += t->nwin;
		return;
	}
	for (unsigned int w = 0; w < c->nwin && n < MAX_WINDOWS; w++)
		all[n++] = c->win_mps[w];
	for (unsigned int w = 0; w < t->nwin && n < MAX_WINDOWS; w++)
		all[n++] = t->win_mps[w];
	if (t->mps > c->mps) {
		c->mps = t->mps;
		c->bps = t->bps;
	}
	memcpy(c->win_mps, all, n * sizeof(double));
	c->nwin = n;
	c->spread = spread(all, n);
}

/* " x4" for 4 subscribers, on the progress line. */
static const char *fanout_label(unsigned int n)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), " x%u", n);
	return buf;
}

static int run_plan(struct run *r)
{
	const struct opts *o = &r->opts;
	struct cell *plan;
	int ncells;

	plan_add(r, WL_THROUGHPUT, PL_SEPARATE, o->tput_sizes, o->ntput);
	plan_add(r, WL_LATENCY, PL_SEPARATE, o->lat_sizes, o->nlat);
	plan_add(r, WL_FANIN, PL_SEPARATE, o->fanin_sizes, o->nfanin);
	plan_add(r, WL_THROUGHPUT, PL_SAME, o->same_tput_sizes, o->nsame_tput);
	plan_add(r, WL_LATENCY, PL_SAME, o->same_lat_sizes, o->nsame_lat);
	plan_call(r, o->call_sizes, o->ncall, 1);
	plan_call(r, o->call4_sizes, o->ncall4, o->call_clients);
	plan_fanout(r);
	ncells = r->ncells;
	plan = malloc((size_t)(ncells ? ncells : 1) * sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	memcpy(plan, r->cells, (size_t)ncells * sizeof(*plan));
	for (unsigned int k = 0; k < o->rounds; k++) {
		r->round_cells[k] = calloc((size_t)(ncells ? ncells : 1),
					   sizeof(struct cell));
		if (!r->round_cells[k]) {
			free(plan);
			return -ENOMEM;
		}
	}

	/* Each round runs the whole plan: rounds are minutes apart, so a
	 * disturbance of the host rarely hits the same cell twice.  A cell
	 * that took more than SLOW_CELL_S in the first round is not
	 * repeated: later rounds reuse it (in the VM, cma and vmsplice at
	 * 64 MiB take 20 s and more). */
	for (unsigned int k = 0; k < o->rounds; k++) {
		for (int i = 0; i < ncells; i++) {
			struct cell *c = &r->cells[i], t = plan[i];
			const struct cell *first = &r->round_cells[0][i];
			char sz[16], ps[40] = "";

			if (k && first->status != CELL_ERROR &&
			    first->wall_s > SLOW_CELL_S) {
				r->round_cells[k][i] = *first;
				r->round_cells[k][i].reused = true;
				continue;
			}

			/* The hand-off floor, right before the round trips. */
			if (o->do_floors && c->wl == WL_LATENCY &&
			    (i == 0 || r->cells[i - 1].wl != WL_LATENCY ||
			     r->cells[i - 1].pl != c->pl))
				measure_futex_floor(r, c->pl, k);

			if (o->rounds > 1)
				snprintf(ps, sizeof(ps), "round %u/%u ", k + 1,
					 o->rounds);
			progress(r, "%s[%d/%d] %s%s%s%s %s %s", ps, i + 1,
				 ncells, wl_names[c->wl],
				 c->pl == PL_SAME ? " same-CPU" : "",
				 c->wl == WL_CALL && c->nsenders > 1 ?
				 " x4" : c->wl == WL_FANOUT ?
				 fanout_label(c->nsenders) : "",
				 !cell_is_rt(c) ? "" : c->po == PO_ON ?
				 " polling" : " no-polling",
				 fmt_size(c->size, sz, sizeof(sz)),
				 c->mech->name);
			if (c->wl == WL_CALL)
				run_call_cell(r, &t);
			else if (c->wl == WL_FANOUT)
				run_fanout_cell(r, &t);
			else
				run_cell(r, &t);
			t.rounds = 1;
			if (t.status == CELL_ERROR) {
				progress_done();
				fprintf(stderr, "fastipc-bench: %s %s %s: %s\n",
					wl_names[c->wl], c->mech->name,
					fmt_size(c->size, sz, sizeof(sz)),
					t.why);
			}
			r->round_cells[k][i] = t;
			if (k == 0)
				*c = t;
			else
				merge_round(c, &t);
		}
	}
	free(plan);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

static int write_outputs(struct run *r, const char *dir)
{
	char path[4096], why[256] = "";
	bool charts = false;
	FILE *f;
	int err;

	err = mkdir_p(dir);
	if (err) {
		fprintf(stderr, "fastipc-bench: %s: %s\n", dir, strerror(-err));
		return err;
	}
	err = report_csv(r, dir);
	if (err) {
		fprintf(stderr, "fastipc-bench: CSV in %s: %s\n", dir,
			strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "we");
	if (!f || report_json(r, f) || fclose(f)) {
		fprintf(stderr, "fastipc-bench: %s: %s\n", path,
			strerror(errno));
		return -EIO;
	}
	if (r->opts.plot) {
		progress(r, "charts (gnuplot)");
		err = plot_charts(r, dir, why, sizeof(why));
		progress_done();
		if (err)
			fprintf(stderr, "fastipc-bench: charts not written: "
				"%s\n", why);
		else
			charts = true;
	}
	snprintf(path, sizeof(path), "%s/report.md", dir);
	err = report_markdown(r, path, charts);
	if (err) {
		fprintf(stderr, "fastipc-bench: %s: %s\n", path,
			strerror(-err));
		return err;
	}
	fprintf(stderr, "fastipc-bench: wrote results.csv, floors.csv, "
		"results.json, %sreport.md in %s\n",
		charts ? "charts (.png, .svg), " : "", dir);
	return 0;
}

static int bench_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "full", no_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "mechanisms", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "senders", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'p' },
		{ "passes", required_argument, NULL, 'p' },	/* old name */
		{ "window", required_argument, NULL, 'W' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "calibrate", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-plot", no_argument, NULL, 'P' },
		{ "no-raise", no_argument, NULL, 'R' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ "polling", required_argument, NULL, 'L' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	const char *mode = "default", *mechs = "all", *sizes = NULL;
	const char *workloads = "all", *cpus = NULL, *polling = "both";
	uint64_t senders = 0, reps = 0, window = 0, timeout = 0, rounds = 0;
	struct run *r;
	int c, rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return cli_fail("bench", NULL, -ENOMEM);
	r->opts.plot = true;
	r->opts.busy_poll_us = -1;
	r->opts.raise_limits = true;

	while ((c = cli_getopt(cmd, argc, argv, "qFo:m:s:w:n:r:p:c:t:Cjh",
			       longopts)) != -1) {
		switch (c) {
		case 'q':
			mode = "quick";
			break;
		case 'F':
			mode = "full";
			break;
		case 'o':
			r->opts.out = optarg;
			break;
		case 'm':
			mechs = optarg;
			break;
		case 's':
			sizes = optarg;
			break;
		case 'w':
			workloads = optarg;
			break;
		case 'n':
			if (!cli_parse_u64(cmd, "--senders", optarg,
					   MAX_SENDERS, &senders))
				return EXIT_USAGE;
			if (senders < 2)
				return cli_usage(cmd, "--senders: at least 2");
			break;
		case 'r':
			if (!cli_parse_u64(cmd, "--reps", optarg, MAX_WINDOWS,
					   &reps))
				return EXIT_USAGE;
			if (!reps)
				return cli_usage(cmd, "--reps: at least 1");
			break;
		case 'p':
			if (!cli_parse_u64(cmd, "--rounds", optarg, MAX_ROUNDS,
					   &rounds))
				return EXIT_USAGE;
			if (!rounds)
				return cli_usage(cmd, "--rounds: at least 1");
			break;
		case 'W':
			if (!cli_parse_u64(cmd, "--window", optarg, 600000,
					   &window))
				return EXIT_USAGE;
			break;
		case 'c':
			cpus = optarg;
			break;
		case 't':
			if (!cli_parse_u64(cmd, "--timeout", optarg, 86400,
					   &timeout))
				return EXIT_USAGE;
			break;
		case 'C':
			r->opts.calibrate = true;
			break;
		case 'j':
			r->opts.json = true;
			break;
		case 'P':
			r->opts.plot = false;
			break;
		case 'R':
			r->opts.raise_limits = false;
			break;
		case 'B': {
			uint64_t us;

			if (!cli_parse_u64(cmd, "--busy-poll", optarg,
					   FASTIPC_BUSY_POLL_MAX_US, &us))
				return EXIT_USAGE;
			r->opts.busy_poll_us = (int)us;
			break;
		}
		case 'L':
			polling = optarg;
			if (strcmp(polling, "both") && strcmp(polling, "on") &&
			    strcmp(polling, "off"))
				return cli_usage(cmd, "--polling: both, on or "
						 "off, not '%s'", polling);
			break;
		case 'h':
			free(r);
			return cli_help(cmd);
		default:
			free(r);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);

	set_mode(&r->opts, mode);
	if (!parse_mechs(cmd, &r->opts, mechs) ||
	    (sizes && !parse_sizes(cmd, &r->opts, sizes)) ||
	    !parse_workloads(cmd, &r->opts, workloads))
		return EXIT_USAGE;
	if (senders)
		r->opts.fanin_senders = (unsigned int)senders;
	if (reps)
		r->opts.reps = (unsigned int)reps;
	if (rounds)
		r->opts.rounds = (unsigned int)rounds;
	if (r->opts.reps * r->opts.rounds > MAX_WINDOWS)
		return cli_usage(cmd, "--reps x --rounds: at most %d windows",
				 MAX_WINDOWS);
	if (window)
		r->opts.win_ns = (int64_t)window * NSEC_PER_MSEC;
	if (timeout)
		r->opts.cell_timeout_ns = (int64_t)timeout * NSEC_PER_SEC;
	r->opts.two_cpus = pick_cpus(&r->opts.cpu_a, &r->opts.cpu_b);
	if (cpus) {
		int a, b;

		if (sscanf(cpus, "%d,%d", &a, &b) != 2 || a < 0 || b < 0 ||
		    a >= CPU_SETSIZE || b >= CPU_SETSIZE)
			return cli_usage(cmd, "--cpus: 'A,B' (receiver CPU, "
					 "sender CPU), not '%s'", cpus);
		r->opts.cpu_a = a;
		r->opts.cpu_b = b;
		r->opts.two_cpus = a != b;
	}

	r->cells = calloc(MAX_CELLS, sizeof(*r->cells));
	if (!r->cells)
		return cli_fail("bench", NULL, -ENOMEM);
	r->started_ns = now_ns();
	sysinfo_read(&r->sys);
	r->poll = run_poll_rule(r);
	rxpoll_calibrate();
	/* With polling off (--busy-poll 0) both modes are the same. */
	r->opts.rt_po[PO_ON] = strcmp(polling, "off") &&
			       r->poll.mode != POLL_OFF;
	r->opts.rt_po[PO_OFF] = strcmp(polling, "on") ||
				r->poll.mode == POLL_OFF;
	if (r->opts.raise_limits)
		limits_raise(r);
	if (r->opts.calibrate) {
		calibrate(r);
		sysinfo_read(&r->sys);	/* the new zc_threshold */
	}
	if (r->opts.ncall || r->opts.ncall4) {
		bool want = false;

		for (int i = 0; i < r->opts.ncall_mechs; i++)
			want |= callmech_of(r->opts.call_mechs[i]) ==
				&call_binder;
		if (want)
			r->binder_ok = binder_probe(r->binder_why,
						    sizeof(r->binder_why));
	}
	if (r->opts.do_floors)
		measure_floors(r);
	if (run_plan(r)) {
		limits_restore(r);
		return cli_fail("bench", NULL, -ENOMEM);
	}
	r->elapsed_s = (double)(now_ns() - r->started_ns) / NSEC_PER_SEC;
	limits_restore(r);
	progress_done();

	if (r->opts.json)
		report_json(r, stdout);
	else
		report_tables(r, stdout);
	fflush(stdout);
	rc = r->failed ? EXIT_FAIL : EXIT_OK;
	if (r->opts.out && write_outputs(r, r->opts.out))
		rc = EXIT_FAIL;
	free(r->cells);
	for (unsigned int k = 0; k < MAX_ROUNDS; k++)
		free(r->round_cells[k]);
	free(r);
	return rc;
}

const struct cli_cmd cmd_bench = {
	.name = "bench",
	.prog = "fastipc-bench",
	.synopsis = "[--quick|--full] [--out DIR] [--mechanisms LIST] "
		    "[--sizes LIST] [--workloads LIST] [--calibrate] [--json] "
		    "[OPTIONS]",
	.summary = "compare fastipc with pipes, queues, sockets, shared memory",
	.help =
	"Moves verified messages between processes through every mechanism\n"
	"(pipes, vmsplice, POSIX and System V message queues, Unix and TCP\n"
	"sockets, shared memory, process_vm_readv, and fastipc's copy,\n"
	"zero-copy and automatic modes) and prints throughput, round-trip\n"
	"latency, fan-in, the machine's floors, fastipc's ratio to the best\n"
	"other mechanism and the goals (Documentation/benchmarks.md).  Run it\n"
	"as root with the module loaded: it raises (and restores) the system\n"
	"limits the mechanisms need.  Progress goes to stderr.\n"
	"\n"
	"  -q, --quick            a few sizes, short windows: seconds\n"
	"  -F, --full             every workload at every size, longer windows\n"
	"                         (default: 3 rounds of about 3 minutes in the\n"
	"                         test VM)\n"
	"  -o, --out DIR          write results.csv, floors.csv, results.json,\n"
	"                         charts (PNG, SVG) and report.md into DIR\n"
	"  -m, --mechanisms LIST  comma-separated names or families (default\n"
	"                         all): pipe vmsplice posix-mq sysv-msg\n"
	"                         unix-stream unix-seqpacket tcp shm-copy\n"
	"                         shm-inplace cma fastipc-copy fastipc-zc\n"
	"                         fastipc-auto; families (where no name is\n"
	"                         the same) mq sock shm fastipc; the call\n"
	"                         workload's: fastipc-call fastipc-call-zc\n"
	"                         binder pipe unix-stream posix-mq; the\n"
	"                         fan-out's: pipe unix-stream posix-mq\n"
	"                         shm-ring shm-bcast fastipc-topic\n"
	"  -s, --sizes LIST       message sizes for every workload (4K, 1M...)\n"
	"  -w, --workloads LIST   throughput latency fanin same-cpu call\n"
	"                         fanout floors, all (default) or none (call:\n"
	"                         clients call a server and wait for the\n"
	"                         reply: fastipc call/reply, Binder, pipe,\n"
	"                         unix-stream, posix-mq; 1 and 4 clients;\n"
	"                         fanout: one publisher, 1, 2, 4 and 8\n"
	"                         subscribers: pipe unix-stream posix-mq\n"
	"                         shm-ring shm-bcast fastipc-topic)\n"
	"  -n, --senders N        fan-in senders (default 4)\n"
	"  -r, --reps N           windows (repetitions) per measurement and round\n"
	"  -p, --rounds N         run the whole plan N times, one round after\n"
	"                         the other (default 3, --quick 1): tables show\n"
	"                         each measurement's best round, ratios their\n"
	"                         median and range over the rounds, and a goal\n"
	"                         is met only if it holds in every round\n"
	"                         (--passes N: the same)\n"
	"      --window MS        minimum window length\n"
	"  -c, --cpus A,B         receiver on CPU A, senders on CPU B\n"
	"  -t, --timeout SECS     give up on one measurement after SECS\n"
	"  -C, --calibrate        first measure the copy/zero-copy crossover\n"
	"                         and set the module's zc_threshold to it\n"
	"  -j, --json             JSON on stdout instead of tables\n"
	"      --no-plot          no charts\n"
	"      --no-raise         leave the system limits alone\n"
	"      --busy-poll US     every receiver polls an empty link a fixed\n"
	"                         US microseconds before it blocks (fastipc's\n"
	"                         in the kernel, the others in user space; 0:\n"
	"                         none); default: the module's rule, adaptive\n"
	"                         up to its busy_poll_us, for everyone\n"
	"      --polling MODES    round trips with polling (on), without\n"
	"                         (off: every receiver blocks at once), or\n"
	"                         both (default), each compared like for like\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 if every message was verified and nothing failed, 1\n"
	"if a measurement failed (n/a sizes are not failures), 2 usage.\n",
	.run = bench_run,
};

int main(int argc, char **argv)
{
	return bench_run(&cmd_bench, argc, argv);
}

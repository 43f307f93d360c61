// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: claims from repeated runs.
 *
 * The whole plan runs --rounds times (3 by default, 1 with --quick), one
 * round after the other, minutes apart, so that a disturbance of a shared
 * host rarely hits the same cell twice.  The tables of values show each
 * cell's best round (a shared host only ever slows a measurement down).
 * A ratio is a claim, so it is computed in each round from that round's
 * cells alone (against that round's best other mechanism) and shown as
 * its median over the rounds and its range, min-max; a goal is met only
 * if it holds in every round (goals.c).  A round "view" is the run as
 * that round saw it: its cells and its futex floor.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void span_add(struct span *s, double v)
{
	if (s->n < MAX_ROUNDS)
		s->v[s->n++] = v;
}

double span_median(const struct span *s)
{
	return median(s->v, s->n);
}

double span_min(const struct span *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned int i = 1; i < s->n; i++)
		if (s->v[i] < m)
			m = s->v[i];
	return m;
}

double span_max(const struct span *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned int i = 1; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return m;
}

const char *fmt_ratio_span(const struct span *s, char *buf, size_t len)
{
	if (!s->n)
		snprintf(buf, len, "-");
	else if (s->n == 1)
		snprintf(buf, len, "%.2fx", s->v[0]);
	else
		snprintf(buf, len, "%.2fx (%.2f-%.2f)", span_median(s),
			 span_min(s), span_max(s));
	return buf;
}

void round_view(const struct run *r, unsigned int k, struct run *view)
{
	*view = *r;
	if (k >= r->opts.rounds || !r->round_cells[k])
		return;
	view->cells = r->round_cells[k];
	for (int pl = 0; pl < NR_PL; pl++)
		if (r->floors.futex_round_us[k][pl] > 0)
			view->floors.futex_rt_us[pl] =
				r->floors.futex_round_us[k][pl];
}

bool ratio_span(const struct run *r, enum workload wl, enum placement pl,
		enum polling po, const struct mech *m, size_t size,
		struct span *s)
{
	struct run *view = malloc(sizeof(*view));

	memset(s, 0, sizeof(*s));
	if (!view)
		return false;
	for (unsigned int k = 0; k < r->opts.rounds; k++) {
		double q;

		round_view(r, k, view);
		q = ratio_to_best(view, wl, pl, po, m, size, NULL);
		if (q <= 0) {
			s->n = 0;
			break;
		}
		span_add(s, q);
	}
	free(view);
	return s->n > 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: charts with gnuplot.
 *
 * Writes the data (throughput.dat, latency.dat, latency-nopoll.dat: one
 * block per mechanism) and a script (charts.gp) into the output folder
 * and runs gnuplot on it there: throughput.png/.svg (one-way MB/s
 * against message size, log-log), latency.png/.svg (median round trip
 * against size, log-log, every receiver polling) and
 * latency-nopoll.png/.svg (the same, no receiver polling).  PNG
 * through pngcairo where gnuplot has it, else its libgd png terminal.
 * fastipc's modes are drawn thick, the no-isolation ceiling dashed.
 * gnuplot's own messages go to gnuplot.log.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct chart {
	const char *name;		/* file stem */
	const char *title;
	const char *ylabel;
	enum workload wl;
	enum placement pl;
	enum polling po;
	const size_t *sizes;
	int nsizes;
};

/* One color per mechanism, the same in every chart. */
static const char *color_of(const struct mech *m)
{
	static const char *const colors[] = {
		"#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f",
		"#e377c2", "#d62728", "#1f77b4", "#000000", "#2ca02c",
		"#ff7f0e", "#e6194b", "#3cb44b",
	};
	int i;

	for (i = 0; all_mechs[i] && all_mechs[i] != m; i++)
		;
	return colors[i % (int)(sizeof(colors) / sizeof(colors[0]))];
}

static double value(const struct cell *c)
{
	return c->wl == WL_LATENCY ? c->lat_med_us : c->bps / 1e6;
}

/* Data and plot command of one chart; false if it has no points. */
static bool chart_write(const struct run *r, const struct chart *ch,
			FILE *dat, FILE *gp)
{
	int block = 0;
	char sz[16];

	fprintf(gp, "\nset title \"%s\"\nset ylabel \"%s\"\nset xtics (",
		ch->title, ch->ylabel);
	for (int i = 0; i < ch->nsizes; i++)
		fprintf(gp, "%s\"%s\" %zu", i ? ", " : "",
			fmt_size(ch->sizes[i], sz, sizeof(sz)), ch->sizes[i]);
	fprintf(gp, ")\nset xrange [%g:%g]\n", (double)ch->sizes[0] / 1.4,
		(double)ch->sizes[ch->nsizes - 1] * 1.4);

	for (int m = 0; m < r->opts.nmechs; m++) {
		const struct mech *mech = r->opts.mechs[m];
		int points = 0;

		for (int i = 0; i < ch->nsizes; i++) {
			const struct cell *c = find_cell(r, ch->wl, ch->pl,
							 ch->po, mech,
							 ch->sizes[i]);

			if (!c || c->status != CELL_OK || value(c) <= 0)
				continue;
			if (!points)
				fprintf(dat, "# %s\n", mech->name);
			fprintf(dat, "%zu %.6g\n", ch->sizes[i], value(c));
			points++;
		}
		if (!points)
			continue;
		fprintf(dat, "\n\n");
		fprintf(gp, "%s '%s.dat' index %d using 1:2 with linespoints "
			    "lw %d dt %d pt %d lc rgb '%s' title '%s'",
			block ? ", \\\n     " : "plot ", ch->name, block,
			mech->flags & MECH_FASTIPC ? 3 : 1,
			mech->flags & MECH_CEILING ? 2 : 1, (m % 13) + 1,
			color_of(mech), mech->name);
		block++;
	}
	if (!block)
		return false;
	fprintf(gp, "\n");
	return true;
}

static int run_gnuplot(const char *dir, char *why, size_t len)
{
	char log[4096];
	pid_t pid;
	int st, fd;

	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (chdir(dir))
			_exit(126);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("gnuplot", "gnuplot", "charts.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -ECHILD;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(why, len, "gnuplot not found (install gnuplot-nox)");
		return -ENOENT;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(why, len, "gnuplot failed: see %s", log);
		return -EIO;
	}
	return 0;
}

int plot_charts(const struct run *r, const char *dir, char *why, size_t len)
{
	const struct opts *o = &r->opts;
	struct chart charts[] = {
		{ "throughput", "One-way throughput (sender and receiver on "
		  "separate CPUs)", "MB/s", WL_THROUGHPUT, PL_SEPARATE, PO_ON,
		  o->tput_sizes, o->ntput },
		{ "latency", "Round trip, full payload both ways, every "
		  "receiver polling (median)", "microseconds", WL_LATENCY,
		  PL_SEPARATE, PO_ON, o->lat_sizes,
		  o->rt_po[PO_ON] ? o->nlat : 0 },
		{ "latency-nopoll", "Round trip, full payload both ways, no "
		  "receiver polling (median)", "microseconds", WL_LATENCY,
		  PL_SEPARATE, PO_OFF, o->lat_sizes,
		  o->rt_po[PO_OFF] ? o->nlat : 0 },
	};
	char path[4096];
	FILE *gp, *dat;
	bool any = false, drawn[3] = { false, false, false };
	int err;

	snprintf(path, sizeof(path), "%s/charts.gp", dir);
	gp = fopen(path, "we");
	if (!gp) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(gp, "# fastipc bench charts: gnuplot charts.gp (in this "
		    "folder)\n"
		    "set logscale x 2\nset logscale y 10\nset grid\n"
		    "set key outside right top noenhanced\n"
		    "set xlabel \"message size\"\nset format y \"%%g\"\n"
		    "set xtics rotate by -30\n"
		    "png = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? "
		    "\"pngcairo\" : \"png\"\n");
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		if (!charts[i].nsizes)
			continue;
		snprintf(path, sizeof(path), "%s/%s.dat", dir, charts[i].name);
		dat = fopen(path, "we");
		if (!dat) {
			fclose(gp);
			snprintf(why, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
		fprintf(gp, "\nset terminal @png size 1100,650 noenhanced\n"
			    "set output '%s.png'\n", charts[i].name);
		if (chart_write(r, &charts[i], dat, gp)) {
			drawn[i] = true;
			fprintf(gp, "set terminal svg size 1100,650 noenhanced "
				    "dynamic\nset output '%s.svg'\nreplot\n"
				    "unset output\n", charts[i].name);
			any = true;
		} else {
			fprintf(gp, "unset output\n");
		}
		fclose(dat);
	}
	if (fclose(gp)) {
		snprintf(why, len, "charts.gp: %s", strerror(errno));
		return -errno;
	}
	if (!any) {
		snprintf(why, len, "nothing to plot");
		return -ENODATA;
	}
	err = run_gnuplot(dir, why, len);
	if (err)
		return err;
	/* An empty PNG means the terminal did not work. */
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		struct stat stt;

		if (!drawn[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s.png", dir, charts[i].name);
		if (stat(path, &stt) || stt.st_size == 0) {
			snprintf(why, len, "gnuplot wrote no %s.png: see "
				 "gnuplot.log", charts[i].name);
			return -EIO;
		}
	}
	return 0;
}

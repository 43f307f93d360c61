// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: clocks, CPU pinning, statistics, formatting, progress.
 */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

void tickclock_start(struct tickclock *c)
{
	c->n0 = now_ns();
	c->t0 = ticks();
}

double tickclock_ns_per_tick(const struct tickclock *c)
{
	int64_t n = now_ns() - c->n0;
	uint64_t t = ticks() - c->t0;

	return t && n > 0 ? (double)n / (double)t : 1.0;
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

bool pick_cpus(int *a, int *b)
{
	cpu_set_t set;
	int found = 0;

	*a = *b = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (found++ == 0)
			*a = cpu;
		else
			*b = cpu;
	}
	if (found < 2)
		*b = *a;
	return found >= 2;
}

int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @p-th percentile (0..100) by nearest rank, of a copy of @v. */
double percentile(const double *v, size_t n, double p)
{
	double *s, r;
	size_t k;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	if (p >= 100) {
		r = s[n - 1];
	} else {
		/* nearest rank: ceil(p/100 * n), 1-based */
		double rank = p / 100.0 * (double)n;

		k = (size_t)rank;
		if ((double)k < rank)
			k++;
		if (k == 0)
			k = 1;
		r = s[k - 1];
	}
	free(s);
	return r;
}

double median(const double *v, size_t n)
{
	double *s, r;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	r = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return r;
}

double spread(const double *v, size_t n)
{
	double lo, hi, m;

	if (n < 2)
		return 0;
	lo = hi = v[0];
	for (size_t i = 1; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	m = median(v, n);
	return m > 0 ? (hi - lo) / m : 0;
}

const char *fmt_size(size_t size, char *buf, size_t len)
{
	if (size >= GiB && size % GiB == 0)
		snprintf(buf, len, "%zu GiB", size / GiB);
	else if (size >= MiB && size % MiB == 0)
		snprintf(buf, len, "%zu MiB", size / MiB);
	else if (size >= KiB && size % KiB == 0)
		snprintf(buf, len, "%zu KiB", size / KiB);
	else
		snprintf(buf, len, "%zu B", size);
	return buf;
}

const char *fmt_bps(double bps, char *buf, size_t len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.2f GB/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.0f MB/s", bps / 1e6);
	else if (bps >= 1e3)
		snprintf(buf, len, "%.0f kB/s", bps / 1e3);
	else
		snprintf(buf, len, "%.0f B/s", bps);
	return buf;
}

const char *fmt_rate(double per_s, char *buf, size_t len)
{
	if (per_s >= 1e6)
		snprintf(buf, len, "%.2f M/s", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(buf, len, "%.1f k/s", per_s / 1e3);
	else
		snprintf(buf, len, "%.1f /s", per_s);
	return buf;
}

const char *fmt_us(double us, char *buf, size_t len)
{
	if (us >= 10000)
		snprintf(buf, len, "%.1f ms", us / 1000);
	else if (us >= 1000)
		snprintf(buf, len, "%.2f ms", us / 1000);
	else if (us >= 100)
		snprintf(buf, len, "%.0f us", us);
	else if (us >= 1)
		snprintf(buf, len, "%.1f us", us);
	else
		snprintf(buf, len, "%.0f ns", us * 1000);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Progress: one line on stderr, rewritten in place on a terminal      */
/* ------------------------------------------------------------------ */

static int progress_tty = -1;
static bool progress_open;

void progress(const struct run *r, const char *fmt, ...)
{
	char line[200];
	va_list ap;
	double t = (double)(now_ns() - r->started_ns) / NSEC_PER_SEC;

	if (progress_tty < 0)
		progress_tty = isatty(STDERR_FILENO);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (progress_tty) {
		fprintf(stderr, "\r\033[K[%5.0fs] %s", t, line);
		progress_open = true;
	} else {
		fprintf(stderr, "[%5.0fs] %s\n", t, line);
	}
	fflush(stderr);
}

void progress_done(void)
{
	if (progress_open) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		progress_open = false;
	}
}

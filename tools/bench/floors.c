// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the floors of the machine, measured in the same run so
 * that every result can be read against them.
 *
 *   null syscall      getppid(2) through syscall(2), which no library
 *                     caches: the cost of entering and leaving the kernel
 *   futex ping-pong   two processes hand a word back and forth with
 *                     FUTEX_WAKE/FUTEX_WAIT, one round trip per sample:
 *                     the cheapest blocking hand-off (separate CPUs and
 *                     the same CPU)
 * and, per message size:
 *   memcpy            one copy of the message, buffer to buffer
 *   produce+consume   the fairness work alone: writing every byte of a
 *                     message (payload_fill) and reading every byte back
 *                     (payload_check), in one process
 *   consume           reading every byte back (payload_check) alone:
 *                     what each extra subscriber of a fan-out must do
 *   map+unmap         mapping the message's pages, already allocated (a
 *                     populated memfd), writable into a process
 *                     (mmap MAP_SHARED|MAP_POPULATE) and unmapping them:
 *                     the page-table work a page move cannot avoid, and
 *                     what mapping the same pages into one more
 *                     subscriber costs (the fan-out's map floor)
 *
 * Each is timed in several windows of at least win_ns, run back to back
 * in a process pinned to the receiver's CPU; the median is kept.  The
 * futex ping-pong runs right before the round trips it is compared with,
 * in every round.
 *
 * memcpy is measured at 16 KiB to 1 MiB too, whatever the plan, for one
 * check: copies at the machine's speed.  Under QEMU's TCG, rep movsb,
 * which glibc's memcpy (and the kernel's user copies) take where the CPU
 * advertises ERMS or FSRM, runs 5-10x slower than a vector loop at 16-256
 * KiB, and every copying mechanism with it; memcpy_check() says whether
 * memcpy at 16-256 KiB is within 1.5x of its rate at 1 MiB and up.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

typedef void (*op_fn)(void *ctx, uint64_t i);

/* Median over @reps windows of the time of one op, in ns. */
static double time_op(op_fn fn, void *ctx, unsigned int batch,
		      int64_t win_ns, unsigned int reps)
{
	double v[MAX_WINDOWS];
	uint64_t i = 0;

	if (reps > MAX_WINDOWS)
		reps = MAX_WINDOWS;
	if (reps < 1)
		reps = 1;
	fn(ctx, i++);		/* warm: faults, caches */
	for (unsigned int r = 0; r < reps; r++) {
		int64_t t0 = now_ns(), t;
		uint64_t n = 0;

		do {
			for (unsigned int b = 0; b < batch; b++)
				fn(ctx, i++);
			n += batch;
			t = now_ns();
		} while (t - t0 < win_ns);
		v[r] = (double)(t - t0) / (double)n;
	}
	return median(v, reps);
}

static void op_syscall(void *ctx, uint64_t i)
{
	(void)ctx;
	(void)i;
	syscall(SYS_getppid);
}

struct buf_ctx {
	size_t size;
	void *a, *b;
	int fd;
	size_t map_len;
};

static void op_memcpy(void *ctx, uint64_t i)
{
	struct buf_ctx *c = ctx;

	(void)i;
	memcpy(c->b, c->a, c->size);
	/* Keep the compiler from dropping the copy. */
	__asm__ volatile("" : : "r"(c->b) : "memory");
}

static void op_pc(void *ctx, uint64_t i)
{
	struct buf_ctx *c = ctx;
	uint64_t seq;

	payload_fill(c->a, c->size, i);
	if (!payload_check(c->a, c->size, &seq) || seq != i)
		abort();
}

/* @a holds message 0 (size_floors() writes it). */
static void op_consume(void *ctx, uint64_t i)
{
	struct buf_ctx *c = ctx;
	uint64_t seq;

	(void)i;
	if (!payload_check(c->a, c->size, &seq) || seq != 0)
		abort();
}

static void op_map(void *ctx, uint64_t i)
{
	struct buf_ctx *c = ctx;
	void *p;

	(void)i;
	p = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, c->fd, 0);
	if (p == MAP_FAILED)
		abort();
	munmap(p, c->map_len);
}

/* ------------------------------------------------------------------ */
/* Futex ping-pong between two processes                               */
/* ------------------------------------------------------------------ */

#define PP_STOP		UINT32_MAX

static void pp_server(_Atomic uint32_t *w)
{
	for (uint32_t want = 1;; want += 2) {
		uint32_t v;

		while ((v = atomic_load(w)) != want) {
			if (v == PP_STOP)
				_exit(0);
			futex_wait(w, v);
		}
		atomic_store(w, want + 1);
		futex_wake(w, 1);
	}
}

static void futex_pingpong(struct run *r, enum placement pl,
			   unsigned int round)
{
	const struct opts *o = &r->opts;
	unsigned int max = o->lat_max_samples, n = 0;
	_Atomic uint32_t *w = bench_shared(sizeof(*w));
	double *samples = calloc(max, sizeof(double));
	int64_t t0, tmeas = 0;
	bool measuring = false;
	struct tickclock tc;
	pid_t pid;
	uint32_t i;

	if (!w || !samples)
		goto out;
	if (pl == PL_SEPARATE && !o->two_cpus)
		goto out;
	atomic_store(w, 0);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		pin_to_cpu(o->cpu_a);
		pp_server(w);
	}
	pin_to_cpu(pl == PL_SAME ? o->cpu_a : o->cpu_b);

	t0 = now_ns();
	tickclock_start(&tc);
	for (i = 0;; i++) {
		uint32_t v, done = 2 * i + 2;
		uint64_t a, b;

		/* As the round trips are timed (driver.c: client). */
		if (i % 8 == 0) {
			int64_t t = now_ns();

			if (!measuring && t - t0 >= o->warm_ns && i >= 5) {
				measuring = true;
				tmeas = t;
			}
			if (measuring && t - tmeas >= o->lat_ns &&
			    n >= o->lat_min_samples)
				break;
		}
		if (n >= max)
			break;
		a = ticks();
		atomic_store(w, 2 * i + 1);
		futex_wake(w, 1);
		while ((v = atomic_load(w)) != done)
			futex_wait(w, v);
		b = ticks();
		if (measuring)
			samples[n++] = (double)(b - a);
	}
	{
		double k = tickclock_ns_per_tick(&tc);

		for (unsigned int j = 0; j < n; j++)
			samples[j] *= k;
	}
	atomic_store(w, PP_STOP);
	futex_wake(w, 1);
	waitpid(pid, NULL, 0);
	/* Each round's own, for its claims; the best is the machine's. */
	if (n && round < MAX_ROUNDS)
		r->floors.futex_round_us[round][pl] = median(samples, n) / 1e3;
	if (n && (!r->floors.futex_rt_us[pl] ||
		  median(samples, n) / 1e3 < r->floors.futex_rt_us[pl])) {
		r->floors.futex_rt_us[pl] = median(samples, n) / 1e3;
		r->floors.futex_rt_p99_us[pl] = percentile(samples, n, 99) / 1e3;
	}
out:
	free(samples);
	if (w)
		munmap((void *)w, sizeof(*w));
}

/* ------------------------------------------------------------------ */

static void add_size(struct floors *f, size_t size)
{
	int i;

	for (i = 0; i < f->nsizes; i++)
		if (f->sizes[i] == size)
			return;
	if (f->nsizes >= (int)(sizeof(f->sizes) / sizeof(f->sizes[0])))
		return;
	/* Keep them sorted. */
	for (i = f->nsizes; i > 0 && f->sizes[i - 1] > size; i--)
		f->sizes[i] = f->sizes[i - 1];
	f->sizes[i] = size;
	f->nsizes++;
}

static void size_floors(struct run *r, int k)
{
	const struct opts *o = &r->opts;
	struct floors *f = &r->floors;
	size_t size = f->sizes[k];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct buf_ctx c = { .size = size, .fd = -1 };
	unsigned int batch = size < 64 * KiB ? (unsigned int)(64 * KiB / size) : 1;
	char label[32];

	fmt_size(size, label, sizeof(label));
	progress(r, "floors: %s", label);
	c.a = bench_alloc(size);
	c.b = bench_alloc(size);
	if (!c.a || !c.b)
		goto out;
	memset(c.a, 1, size);
	memset(c.b, 2, size);
	f->memcpy_ns[k] = time_op(op_memcpy, &c, batch, o->win_ns, o->reps);
	f->pc_ns[k] = time_op(op_pc, &c, batch, o->win_ns, o->reps);
	payload_fill(c.a, size, 0);
	f->consume_ns[k] = time_op(op_consume, &c, batch, o->win_ns, o->reps);

	c.map_len = (size + page - 1) / page * page;
	c.fd = memfd_create("fastipc-bench-floor", MFD_CLOEXEC);
	if (c.fd >= 0 && ftruncate(c.fd, (off_t)c.map_len) == 0) {
		void *p = mmap(NULL, c.map_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED, c.fd, 0);

		if (p != MAP_FAILED) {
			memset(p, 3, c.map_len);	/* allocate the pages */
			munmap(p, c.map_len);
			f->map_ns[k] = time_op(op_map, &c,
					       c.map_len < 64 * KiB ? 16 : 1,
					       o->win_ns, o->reps);
		}
	}
out:
	if (c.fd >= 0)
		close(c.fd);
	bench_free(c.a, size);
	bench_free(c.b, size);
}

/* The sizes memcpy_check() compares: 16-256 KiB against 1 MiB and up. */
static const size_t memcpy_check_sizes[] = {
	16 * KiB, 64 * KiB, 256 * KiB, MiB,
};
#define MEMCPY_SMALL_MIN	(16 * KiB)
#define MEMCPY_SMALL_MAX	(256 * KiB)
#define MEMCPY_LARGE_MIN	MiB
#define MEMCPY_WITHIN		1.5

int memcpy_check(const struct run *r, char *why, size_t len)
{
	const struct floors *f = &r->floors;
	double large[MAX_SIZES * 2], worst = 0, lo = 0, hi = 0, ref;
	size_t worst_size = 0;
	int nlarge = 0, nsmall = 0;
	char sz[16];

	for (int i = 0; f->measured && i < f->nsizes; i++) {
		if (f->sizes[i] >= MEMCPY_LARGE_MIN && f->memcpy_ns[i] > 0)
			large[nlarge++] = (double)f->sizes[i] / f->memcpy_ns[i];
	}
	if (!nlarge) {
		snprintf(why, len, "memcpy not measured (the floors)");
		return -1;
	}
	ref = median(large, (size_t)nlarge);
	for (int i = 0; i < f->nsizes; i++) {
		double gbps, slower;

		if (f->sizes[i] < MEMCPY_SMALL_MIN ||
		    f->sizes[i] > MEMCPY_SMALL_MAX || f->memcpy_ns[i] <= 0)
			continue;
		gbps = (double)f->sizes[i] / f->memcpy_ns[i];
		slower = ref / gbps;
		lo = !nsmall++ || gbps < lo ? gbps : lo;
		hi = gbps > hi ? gbps : hi;
		if (slower > worst) {
			worst = slower;
			worst_size = f->sizes[i];
		}
	}
	if (!nsmall) {
		snprintf(why, len, "memcpy not measured at 16-256 KiB");
		return -1;
	}
	snprintf(why, len, "memcpy at 16-256 KiB %.2f-%.2f GB/s, at 1 MiB and "
		 "up %.2f GB/s: the slowest (%s) takes %.2fx the time per "
		 "byte, %s 1.5x%s", lo, hi, ref,
		 fmt_size(worst_size, sz, sizeof(sz)), worst,
		 worst <= MEMCPY_WITHIN ? "within" : "NOT within",
		 worst <= MEMCPY_WITHIN ? "" : r->sys.erms || r->sys.fsrm ?
		 " (the CPU advertises ERMS/FSRM: rep movsb)" :
		 " (ERMS/FSRM off, yet slow)");
	return worst <= MEMCPY_WITHIN;
}

void measure_floors(struct run *r)
{
	const struct opts *o = &r->opts;
	struct floors *f = &r->floors;
	cpu_set_t saved;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sizeof(memcpy_check_sizes) /
			       sizeof(memcpy_check_sizes[0]); i++)
		add_size(f, memcpy_check_sizes[i]);
	for (int i = 0; i < o->ntput; i++)
		add_size(f, o->tput_sizes[i]);
	for (int i = 0; i < o->nlat; i++)
		add_size(f, o->lat_sizes[i]);
	for (int i = 0; i < o->nfanin; i++)
		add_size(f, o->fanin_sizes[i]);
	for (int i = 0; i < o->nsame_tput; i++)
		add_size(f, o->same_tput_sizes[i]);
	for (int i = 0; i < o->nfan; i++)
		add_size(f, o->fan_sizes[i]);

	sched_getaffinity(0, sizeof(saved), &saved);
	pin_to_cpu(o->cpu_a);
	progress(r, "floors: null system call");
	f->null_syscall_ns = time_op(op_syscall, NULL, 256, o->win_ns,
				     o->reps);
	for (int k = 0; k < f->nsizes; k++)
		size_floors(r, k);

	/* With round trips to measure, run_plan() measures the hand-off
	 * right before them: on a shared host it drifts with the load. */
	if (!o->nlat)
		measure_futex_floor(r, PL_SEPARATE, 0);
	if (!o->nsame_lat)
		measure_futex_floor(r, PL_SAME, 0);
	sched_setaffinity(0, sizeof(saved), &saved);
	f->measured = true;
}

void measure_futex_floor(struct run *r, enum placement pl,
			 unsigned int round)
{
	cpu_set_t saved;

	sched_getaffinity(0, sizeof(saved), &saved);
	progress(r, "floors: futex ping-pong%s", pl == PL_SAME ?
		 " (same CPU)" : "");
	futex_pingpong(r, pl, round);
	sched_setaffinity(0, sizeof(saved), &saved);
}

/* The floor of a size, or -1 (report.c, goals.c). */
int floor_index(const struct floors *f, size_t size)
{
	for (int i = 0; i < f->nsizes; i++)
		if (f->sizes[i] == size)
			return i;
	return -1;
}

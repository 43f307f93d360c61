// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: the call workload.  Clients call a server and wait for
 * its reply; request and reply the same size; one client, or several
 * (separate processes) calling one server at once.
 *
 * The parent creates the service, forks the server and the clients,
 * pins the server on the receiver's CPU and the clients on the senders'
 * (as the round trips do; several clients share that CPU, so their
 * user-space polls yield it between tries, as the same-CPU cells' do),
 * and waits.  Each client loops: write every
 * byte of a request (its number, with the client's index in bits 40-47,
 * in the first word), call, check every byte of the reply.  The server
 * checks every byte of each request and the order of each client's
 * requests, writes a full reply derived from the request's number and
 * answers.
 *
 * Warm-up as in the round trips: the warm-up time and at least
 * 2 x (depth + 1) calls per client.  Client 0 then opens the measured
 * part (a word of the shared block every client reads after each call),
 * reads every process's CPU-time clock and system-call count, and closes
 * it after the round trips' time and sample count; a call counts if it
 * ended while the part was open.  Each call is timed (all clients'
 * samples together give the median and p99); calls/s is every client's
 * measured calls over the part's length.  Then each client makes a last
 * call whose number has its low 40 bits set, which the server answers
 * like any other; the server stops when every client has.
 *
 * System calls are counted in the benchmark's own wrappers (sc_*() below
 * and __wrap_ioctl(), __wrap_read(), __wrap_write(): the program is
 * linked with --wrap for those, so libfastipc's calls count too):
 * every call each process makes to move requests and replies, failed
 * non-blocking tries included, into its own word of the shared block.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const struct callmech *const all_callmechs[] = {
	&call_fastipc_copy, &call_fastipc_zc, &call_binder,
	&call_pipe, &call_unix_stream, &call_posix_mq,
	NULL
};

const struct callmech *callmech_of(const struct mech *m)
{
	for (int i = 0; all_callmechs[i]; i++)
		if (all_callmechs[i]->mech == m)
			return all_callmechs[i];
	return NULL;
}

int svc_fail(struct svc *s, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	n = strlen(s->why);
	if (err < 0 && n < sizeof(s->why))
		snprintf(s->why + n, sizeof(s->why) - n, ": %s",
			 strerror(-err));
	return err;
}

int svc_na(struct svc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return BENCH_NA;
}

/* ------------------------------------------------------------------ */
/* Counting system calls                                               */
/* ------------------------------------------------------------------ */

static _Atomic uint64_t sc_dummy;
static _Atomic uint64_t *sc_word = &sc_dummy;

void sc_count(void)
{
	/* One writer per word: a plain increment, readable by others. */
	atomic_store_explicit(sc_word, atomic_load_explicit(sc_word,
			      memory_order_relaxed) + 1, memory_order_relaxed);
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	sc_count();
	return __real_ioctl(fd, req, arg);
}

/* read(2) and write(2) too (--wrap=read,--wrap=write): libfastipc
 * reads plain messages with read(2). */
ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len);

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	sc_count();
	return __real_read(fd, buf, len);
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	sc_count();
	return __real_write(fd, buf, len);
}

/* Counted by the wrappers above. */
ssize_t sc_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

ssize_t sc_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

ssize_t sc_recv(int fd, void *buf, size_t len, int flags)
{
	sc_count();
	return recv(fd, buf, len, flags);
}

ssize_t sc_send(int fd, const void *buf, size_t len, int flags)
{
	sc_count();
	return send(fd, buf, len, flags);
}

int sc_epoll_wait(int epfd, void *ev, int n, int timeout)
{
	sc_count();
	return epoll_wait(epfd, ev, n, timeout);
}

int sc_poll(void *fds, unsigned long n, int timeout)
{
	sc_count();
	return poll(fds, n, timeout);
}

/* ------------------------------------------------------------------ */
/* The cell                                                            */
/* ------------------------------------------------------------------ */

#define CLIENT_SHIFT	40
#define SEQ_MASK	((1ULL << CLIENT_SHIFT) - 1)

enum { PH_WARM, PH_MEASURE, PH_STOP };

struct cres {
	int err;
	char why[WHY_LEN];
};

/* One cache line per process for its count. */
struct scword {
	_Atomic uint64_t n;
	char pad[56];
};

struct cctl {
	_Atomic uint32_t ready, abort, phase, warm;	/* warm: clients done */
	uint32_t nchildren;
	pid_t pid[MAX_SENDERS + 1];	/* [0] server, [1..] clients */
	struct cres res[MAX_SENDERS + 1];
	struct scword sc[MAX_SENDERS + 1];
	uint64_t calls[MAX_SENDERS];	/* every call of each client */
	uint64_t good[MAX_SENDERS];	/* replies verified */
	uint64_t measured[MAX_SENDERS];	/* calls inside the measured part */
	uint64_t warmup;		/* client 0's warm-up calls */
	uint64_t srv_got, srv_good;	/* requests, verified */
	int64_t t_start, t_end;		/* the measured part, ns */
	int64_t cpu0, cpu1;		/* every process's CPU time, ns */
	uint64_t sc0, sc1;		/* system calls, all processes */
	uint32_t per_client;		/* sample slots per client */
	uint32_t nsamples[MAX_SENDERS];
	double samples[];		/* ns; per_client per client */
};

struct callrun {
	struct run *r;
	struct cell *c;
	const struct opts *o;
	const struct callmech *cm;
	struct svc s;
	struct cctl *ctl;
	size_t ctl_len;
};

static void cfail(struct callrun *x, int slot, int err, const char *why)
{
	struct cres *res = &x->ctl->res[slot];

	if (!res->err) {
		res->err = err ? err : -EIO;
		snprintf(res->why, sizeof(res->why), "%s", why);
	}
	atomic_store(&x->ctl->abort, 1);
	atomic_store(&x->ctl->phase, PH_STOP);
}

static uint64_t all_sc(const struct cctl *ctl)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < ctl->nchildren; i++)
		sum += atomic_load_explicit(&ctl->sc[i].n,
					    memory_order_relaxed);
	return sum;
}

static int one_call(struct callrun *x, uint64_t seq, bool *ok)
{
	struct svc *s = &x->s;
	const void *p;
	uint64_t got = 0;
	size_t len;
	void *buf;
	int err;

	err = x->cm->req_buf(s, &buf);
	if (err)
		return err;
	payload_fill(buf, s->size, seq);
	rxpoll_note_send();
	err = x->cm->call(s, buf, &p, &len);
	if (err)
		return err;
	*ok = len == s->size && payload_check(p, len, &got) &&
	      got == reply_seq(seq);
	return x->cm->reply_done(s);
}

static int client(struct callrun *x, int idx)
{
	const struct opts *o = x->o;
	struct cctl *ctl = x->ctl;
	uint64_t tag = (uint64_t)idx << CLIENT_SHIFT, i, good = 0, meas = 0;
	uint64_t warm_min = 2 * (uint64_t)(x->c->depth + 1);
	int64_t t0 = now_ns();
	double *samples = ctl->samples + (size_t)idx * ctl->per_client;
	struct tickclock tc;
	bool warm = false;
	int err;

	tickclock_start(&tc);
	for (i = 0;; i++) {
		uint32_t ph = atomic_load_explicit(&ctl->phase,
						   memory_order_relaxed);
		uint64_t a, b;
		bool ok = false;

		if (ph == PH_STOP)
			break;
		/* Warm-up and the measured part's bounds: client 0. */
		if (i % 8 == 0) {
			int64_t t = now_ns();

			if (!warm && t - t0 >= o->warm_ns && i >= warm_min) {
				warm = true;
				atomic_fetch_add(&ctl->warm, 1);
			}
			if (idx == 0 && ph == PH_WARM && warm &&
			    atomic_load(&ctl->warm) == x->s.nclients) {
				ctl->warmup = i;
				ctl->cpu0 = procs_cpu_ns(ctl->pid,
							 ctl->nchildren);
				ctl->sc0 = all_sc(ctl);
				ctl->t_start = now_ns();
				atomic_store(&ctl->phase, PH_MEASURE);
				ph = PH_MEASURE;
			} else if (idx == 0 && ph == PH_MEASURE &&
				   (t - ctl->t_start >= o->lat_ns &&
				    ctl->nsamples[0] >= o->lat_min_samples)) {
				ctl->t_end = now_ns();
				ctl->sc1 = all_sc(ctl);
				ctl->cpu1 = procs_cpu_ns(ctl->pid,
							 ctl->nchildren);
				atomic_store(&ctl->phase, PH_STOP);
				break;
			}
		}
		if (idx == 0 && ph == PH_MEASURE &&
		    ctl->nsamples[0] >= ctl->per_client) {
			ctl->t_end = now_ns();
			ctl->sc1 = all_sc(ctl);
			ctl->cpu1 = procs_cpu_ns(ctl->pid, ctl->nchildren);
			atomic_store(&ctl->phase, PH_STOP);
			break;
		}
		a = ticks();
		err = one_call(x, tag | (i & SEQ_MASK), &ok);
		if (err)
			goto fail;
		b = ticks();
		good += ok;
		if (atomic_load_explicit(&ctl->phase, memory_order_relaxed) ==
		    PH_MEASURE) {
			meas++;
			if (ctl->nsamples[idx] < ctl->per_client)
				samples[ctl->nsamples[idx]++] =
					(double)(b - a) *
					tickclock_ns_per_tick(&tc);
		}
	}
	ctl->measured[idx] = meas;
	/* The last call: the server stops when every client made it. */
	{
		bool ok = false;

		err = one_call(x, tag | SEQ_MASK, &ok);
		if (err)
			goto fail;
		good += ok;
		i++;
	}
	ctl->calls[idx] = i;
	ctl->good[idx] = good;
	return 0;
fail:
	cfail(x, 1 + idx, err, x->s.why[0] ? x->s.why : "call");
	return 1;
}

static int server(struct callrun *x)
{
	struct svc *s = &x->s;
	struct cctl *ctl = x->ctl;
	uint64_t expect[MAX_SENDERS] = { 0 }, got = 0, good = 0;
	unsigned int ended = 0;
	int err;

	while (ended < s->nclients) {
		uint64_t seq = 0;
		const void *p;
		size_t len;
		void *buf;
		int who = -1;
		bool ok;

		err = x->cm->recv(s, &p, &len, &who);
		if (err)
			goto fail;
		got++;
		ok = len == s->size && payload_check(p, len, &seq);
		if (ok && (seq & SEQ_MASK) == SEQ_MASK) {
			ended++;
		} else if (ok) {
			unsigned int c = (unsigned int)(seq >> CLIENT_SHIFT);

			ok = c < s->nclients && (who < 0 || (int)c == who) &&
			     (seq & SEQ_MASK) == expect[c];
			if (ok)
				expect[c]++;
		}
		good += ok;
		err = x->cm->rep_buf(s, &buf);
		if (err)
			goto fail;
		payload_fill(buf, s->size, reply_seq(seq));
		err = x->cm->reply(s, buf);
		rxpoll_note_send();
		if (err)
			goto fail;
	}
	if (x->cm->finish) {
		err = x->cm->finish(s);
		if (err)
			goto fail;
	}
	ctl->srv_got = got;
	ctl->srv_good = good;
	return 0;
fail:
	cfail(x, 0, err, s->why[0] ? s->why : "server");
	return 1;
}

static int child_main(struct callrun *x, int role, int cpu)
{
	int slot = role == ROLE_RX ? 0 : 1 + role, rc, err;

	signal(SIGPIPE, SIG_DFL);
	x->ctl->pid[slot] = getpid();
	pin_to_cpu(cpu);
	x->s.why[0] = '\0';
	/* Several clients share a CPU: their user-space polls yield it
	 * between tries, as on one CPU (poll.c); the module's gives way to
	 * a runnable task by itself. */
	x->s.poll.yield = role != ROLE_RX && x->s.nclients > 1;
	err = x->cm->attach(&x->s, role);
	if (err)
		cfail(x, slot, err, x->s.why[0] ? x->s.why : "attach");
	if (!futex_barrier(&x->ctl->ready, x->ctl->nchildren,
			   &x->ctl->abort) || err)
		return 1;
	/* Count from here: the calls, not the setup. */
	sc_word = &x->ctl->sc[slot].n;
	rc = role == ROLE_RX ? server(x) : client(x, role);
	sc_word = &sc_dummy;
	if (x->cm->detach)
		x->cm->detach(&x->s);
	return rc;
}

const struct cell *find_call_cell(const struct run *r, enum polling po,
				  const struct mech *m, size_t size,
				  unsigned int nclients)
{
	for (int i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];

		if (c->wl == WL_CALL && c->po == po && c->mech == m &&
		    c->size == size && c->nsenders == nclients)
			return c;
	}
	return NULL;
}

void run_call_cell(struct run *r, struct cell *c)
{
	const struct opts *o = &r->opts;
	struct callrun x = { .r = r, .c = c, .o = o };
	pid_t kids[MAX_SENDERS + 1];
	int nkids = 0, err, left;
	int64_t t0 = now_ns(), deadline = t0 + o->cell_timeout_ns;
	struct rusage ru = { 0 };
	bool timed_out = false;

	c->status = CELL_ERROR;
	c->why[0] = '\0';
	x.cm = callmech_of(c->mech);
	if (!x.cm) {
		snprintf(c->why, sizeof(c->why), "no call mechanism");
		return;
	}
	if (!o->two_cpus) {
		c->status = CELL_NA;
		snprintf(c->why, sizeof(c->why), "only one CPU available");
		return;
	}
	if (x.cm == &call_binder && !r->binder_ok) {
		c->status = CELL_NA;
		snprintf(c->why, sizeof(c->why), "%s", r->binder_why);
		return;
	}
	x.s.cm = x.cm;
	x.s.size = c->size;
	x.s.nclients = c->nsenders;
	x.s.role = ROLE_RX;
	rxpoll_init(&x.s.poll, c->poll, false);
	x.s.priv = calloc(1, x.cm->priv_size ? x.cm->priv_size : 1);
	if (!x.s.priv) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		return;
	}
	err = x.cm->create(&x.s);
	if (err) {
		c->status = err == BENCH_NA ? CELL_NA : CELL_ERROR;
		snprintf(c->why, sizeof(c->why), "%s", x.s.why[0] ? x.s.why :
			 strerror(-err));
		goto out_svc;
	}
	c->buffers = c->depth + 1;

	{
		uint32_t per = o->lat_max_samples / c->nsenders;

		x.ctl_len = sizeof(*x.ctl) + (size_t)per * c->nsenders *
			    sizeof(double);
		x.ctl = bench_shared(x.ctl_len);
		if (!x.ctl) {
			snprintf(c->why, sizeof(c->why), "shared memory: %s",
				 strerror(errno));
			goto out_svc;
		}
		x.ctl->per_client = per;
	}
	x.ctl->nchildren = 1 + c->nsenders;

	fflush(NULL);
	for (unsigned int i = 0; i < x.ctl->nchildren; i++) {
		int role = i == 0 ? ROLE_RX : (int)i - 1;
		pid_t pid = fork_child(&x.ctl->ready, x.ctl->nchildren,
				       &x.ctl->abort, c->why,
				       sizeof(c->why));

		if (pid < 0)
			break;
		if (pid == 0)
			_exit(child_main(&x, role, i == 0 ? o->cpu_a :
					 o->cpu_b));
		kids[nkids++] = pid;
	}

	/* Reap, killing them all after the timeout or 2 s after a failure. */
	left = nkids;
	while (left) {
		struct timespec ts = { 0, 20 * NSEC_PER_MSEC };

		for (int i = 0; i < nkids; i++) {
			struct rusage u;
			int st;

			if (kids[i] <= 0 ||
			    wait4(kids[i], &st, WNOHANG, &u) != kids[i])
				continue;
			kids[i] = -kids[i];
			left--;
			ru.ru_utime.tv_sec += u.ru_utime.tv_sec;
			ru.ru_utime.tv_usec += u.ru_utime.tv_usec;
			ru.ru_stime.tv_sec += u.ru_stime.tv_sec;
			ru.ru_stime.tv_usec += u.ru_stime.tv_usec;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				int64_t grace = now_ns() + 2 * NSEC_PER_SEC;

				if (!c->why[0] && WIFSIGNALED(st))
					snprintf(c->why, sizeof(c->why),
						 "a child was killed by signal "
						 "%d", WTERMSIG(st));
				if (grace < deadline)
					deadline = grace;
			}
		}
		if (!left)
			break;
		if (now_ns() >= deadline) {
			if (!atomic_load(&x.ctl->abort))
				timed_out = true;
			for (int i = 0; i < nkids; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGKILL);
			deadline = INT64_MAX;
			continue;
		}
		nanosleep(&ts, NULL);
	}
	c->wall_s = (double)(now_ns() - t0) / NSEC_PER_SEC;

	for (unsigned int i = 0; i <= MAX_SENDERS; i++)
		if (x.ctl->res[i].err) {
			snprintf(c->why, sizeof(c->why), "%s%s",
				 i == 0 ? "server: " : "client: ",
				 x.ctl->res[i].why);
			break;
		}
	if (timed_out && !c->why[0])
		snprintf(c->why, sizeof(c->why), "timed out after %.0f s",
			 (double)o->cell_timeout_ns / NSEC_PER_SEC);

	c->round_trips = 0;
	c->messages = 0;
	c->verified = 0;
	for (unsigned int k = 0; k < c->nsenders; k++) {
		c->round_trips += x.ctl->calls[k];
		c->verified += x.ctl->good[k];
	}
	c->messages = 2 * c->round_trips;
	c->verified += x.ctl->srv_good;
	c->warmup = x.ctl->warmup;
	c->cpu_us = tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime);
	c->sys_us = tv_us(&ru.ru_stime);
	if (c->why[0])
		goto out_ctl;
	if (x.ctl->srv_got != c->round_trips || c->verified != c->messages ||
	    !c->messages) {
		snprintf(c->why, sizeof(c->why), "checksum: %llu of %llu "
			 "messages verified (server took %llu requests)",
			 (unsigned long long)c->verified,
			 (unsigned long long)c->messages,
			 (unsigned long long)x.ctl->srv_got);
		goto out_ctl;
	}
	{
		uint64_t meas = 0;
		size_t n = 0;
		double *all = x.ctl->samples, wmed[MAX_WINDOWS];
		unsigned int per, nw = 0;
		double span = (double)(x.ctl->t_end - x.ctl->t_start);

		for (unsigned int k = 0; k < c->nsenders; k++) {
			/* Compact every client's samples. */
			memmove(all + n, all + (size_t)k * x.ctl->per_client,
				x.ctl->nsamples[k] * sizeof(double));
			n += x.ctl->nsamples[k];
			meas += x.ctl->measured[k];
		}
		if (!n || span <= 0) {
			snprintf(c->why, sizeof(c->why), "no measured calls");
			goto out_ctl;
		}
		/* Window medians (for the spread) before sorting. */
		per = o->reps ? (unsigned int)(n / o->reps) : (unsigned int)n;
		for (unsigned int w = 0; per && w < o->reps &&
		     w < MAX_WINDOWS; w++)
			wmed[nw++] = median(all + (size_t)w * per, per);
		c->nsamples = (unsigned int)n;
		c->lat_med_us = median(all, n) / 1e3;
		c->lat_p99_us = percentile(all, n, 99) / 1e3;
		c->lat_min_us = percentile(all, n, 0) / 1e3;
		c->lat_spread = spread(wmed, nw);
		c->nwin = nw;
		c->mps = (double)meas * 1e9 / span;
		c->bps = c->mps * (double)c->size;
		if (x.ctl->cpu0 >= 0 && x.ctl->cpu1 >= x.ctl->cpu0 && meas) {
			c->win_cpu_ns = (double)(x.ctl->cpu1 - x.ctl->cpu0);
			c->win_cpu_n = meas;
			c->win_syscalls = (double)(x.ctl->sc1 - x.ctl->sc0);
		}
	}
	c->status = CELL_OK;

out_ctl:
	munmap(x.ctl, x.ctl_len);
out_svc:
	if (x.cm->destroy)
		x.cm->destroy(&x.s);
	free(x.s.priv);
	if (c->status == CELL_ERROR)
		r->failed = true;
}

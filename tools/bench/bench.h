/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fastipc-bench: the comparison benchmark (Documentation/benchmarks.md).
 *
 * One header for the engine.  The pieces:
 *
 *   main.c      fastipc-bench's main(): options, the plan, the run
 *   driver.c    one measurement ("cell"): forks the receiver and the
 *               senders, pins them, times them, collects their results
 *   payload.c   filling a message and checking it (the fairness rule:
 *               every byte written by the sender, read by the receiver)
 *   stats.c     clocks, CPU pinning, median/percentiles/spread, formatting
 *   util.c      memory, full reads and writes, futexes, the fan-in fd set
 *   limits.c    raising (and restoring) the system limits mechanisms need
 *   poll.c      busy polling before a receive blocks: every receiver of a
 *               cell by the same rule (fastipc's in the kernel)
 *   pipe.c mq.c sock.c shm.c cma.c fastipc.c
 *               the mechanisms, one file per family
 *   call.c      the call workload: clients call one server and wait for
 *               the reply; system calls counted per round trip
 *   callfipc.c callstream.c binder.c
 *               its mechanisms: fastipc call/reply, pipes, Unix stream
 *               sockets and POSIX mq as request/reply pairs, and Binder
 *   fanout.c    the fan-out workload: one publisher, several subscribers,
 *               every message to every subscriber
 *   shmbcast.c  its ceiling: one shared-memory broadcast ring
 *   floors.c    the machine's floors: null syscall, futex hand-off,
 *               memcpy, produce+consume, map+unmap
 *   calibrate.c the copy/zero-copy crossover and the module's threshold
 *   sysinfo.c   the machine description (CPU, kernel, VM or bare metal)
 *   rounds.c    claims from repeated runs: each round's view, ratios
 *               with their range over the rounds
 *   report.c    tables on stdout, CSV, JSON; goals.c the goal verdicts;
 *   plot.c      gnuplot charts; markdown.c the Markdown report
 *
 * Every function that can fail returns 0 or a negative errno value and,
 * where it helps, writes what failed into a "why" buffer.
 */
#ifndef FASTIPC_BENCH_H
#define FASTIPC_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/types.h>

#define KiB		(1UL << 10)
#define MiB		(1UL << 20)
#define GiB		(1UL << 30)

#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL

#define WHY_LEN		200
#define MAX_SENDERS	8
#define MAX_WINDOWS	32
#define MAX_SIZES	32
#define MAX_CELLS	1024
#define MAX_ROUNDS	8

/* create() of a mechanism: it cannot carry this message (l->why says why). */
#define BENCH_NA	1

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

/* A spin loop's pause. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ------------------------------------------------------------------ */
/* Busy polling before a receive blocks (poll.c)                       */
/* ------------------------------------------------------------------ */

enum poll_mode { POLL_UNKNOWN, POLL_OFF, POLL_FIXED, POLL_ADAPTIVE };
extern const char *const poll_mode_names[];

/*
 * How every receiver of a cell polls an empty link before it blocks:
 * fastipc's with the module's busy poll, the others in user space by the
 * same rule.  Fixed: every blocking receive polls @us.  Adaptive: only
 * the first receive after the process's own send, as long as such waits
 * recently took, at most @us (the module's default rule).
 */
struct poll_rule {
	enum poll_mode mode;
	unsigned int us;
};

/* A user-space receiver's poll: the rule and its state. */
struct rxpoll {
	struct poll_rule rule;
	bool yield;		/* one CPU: yield it between tries */
	uint64_t window_ns;	/* adaptive: the length it polls now */
	bool spinning;		/* the receive in progress may try again */
	bool learn;		/* its wait adjusts window_ns */
	uint64_t since, until;	/* ticks: it began; its poll ends */
};

/* The tick counter's rate, once per run (the poll's clock). */
void rxpoll_calibrate(void);
void rxpoll_init(struct rxpoll *p, struct poll_rule rule, bool yield);
/* This process sent a message (a reply may come soon). */
void rxpoll_note_send(void);
/*
 * A blocking receive begins: true if it should try without blocking
 * first.  The mechanism then tries, and tries again while
 * rxpoll_again() is true; when it gives up it blocks as usual, and once
 * that blocking call has the message it calls rxpoll_woke().
 */
bool rxpoll_begin(struct rxpoll *p);
bool rxpoll_again(struct rxpoll *p);
void rxpoll_woke(struct rxpoll *p);

/* ------------------------------------------------------------------ */
/* Mechanisms                                                          */
/* ------------------------------------------------------------------ */

/* struct mech flags */
#define MECH_FASTIPC	(1U << 0)	/* a fastipc mode */
#define MECH_CEILING	(1U << 1)	/* no isolation: a ceiling, not a rival */
#define MECH_BCAST	(1U << 2)	/* fan-out: one link, every subscriber
					 * receives on it (else one link per
					 * subscriber) */

/*
 * One message link: @nsenders sender processes, one receiver process, all
 * messages @size bytes, about @depth messages of buffering.  The driver
 * fills in the first fields and calls create() in the parent before it
 * forks; each child then calls attach() with its role and uses the
 * tx_ or rx_ calls; the parent calls destroy() after the children are
 * gone (also when they were killed).  @priv (mech->priv_size bytes,
 * zeroed) is the mechanism's: what create() puts there is inherited by
 * the children, what a child changes stays in that child.
 */
struct link {
	const struct mech *mech;
	size_t size;
	unsigned int depth;
	unsigned int nsenders;
	/* Set by create() where a mechanism cycles through more buffers or
	 * slots than depth + 1 (all senders together); 0: no more. */
	unsigned int slots;
	bool round_trip;	/* one message in flight: request or reply */
	/* A broadcast link (MECH_BCAST): its receivers, and which of them
	 * this process is after attach(ROLE_RX). */
	unsigned int nsubs;
	unsigned int sub;
	struct rxpoll poll;	/* the receiver's (rx_recv) */
	int role;		/* after attach: ROLE_RX or the sender index */
	char why[WHY_LEN];	/* n/a reason or error detail */
	void *priv;
};

#define ROLE_RX		(-1)

struct mech {
	const char *name;	/* the id: pipe, unix-stream, fastipc-zc... */
	const char *family;	/* pipe, mq, sock, shm, cma, fastipc */
	const char *desc;	/* how it is used, one line */
	const char *poll_how;	/* how its receiver polls (poll.c) */
	unsigned int flags;
	size_t priv_size;

	/* Parent, before fork: 0, BENCH_NA (why set) or -errno. */
	int (*create)(struct link *l);
	/* Child: become the receiver (ROLE_RX) or sender @role. */
	int (*attach)(struct link *l, int role);
	/* Sender: a buffer to write l->size bytes of payload into... */
	int (*tx_buf)(struct link *l, void **buf);
	/* ...and send it (it is the mechanism's again afterwards). */
	int (*tx_send)(struct link *l, void *buf);
	/* Receiver: the next message, readable until rx_done(). */
	int (*rx_recv)(struct link *l, const void **data, size_t *len);
	int (*rx_done)(struct link *l);
	/* Child, before it exits (optional). */
	void (*detach)(struct link *l);
	/* Parent, after the children are gone (optional). */
	void (*destroy)(struct link *l);
};

extern const struct mech mech_pipe, mech_vmsplice;
extern const struct mech mech_posix_mq, mech_sysv_msg;
extern const struct mech mech_unix_stream, mech_unix_seqpacket, mech_tcp;
extern const struct mech mech_shm_copy, mech_shm_inplace;
extern const struct mech mech_cma;
extern const struct mech mech_fastipc_copy, mech_fastipc_zc, mech_fastipc_auto;
/* The fan-out workload's own: one ring per subscriber, the broadcast ring
 * (the ceiling), fastipc's topic (where the header has topics). */
extern const struct mech mech_shm_ring, mech_shm_bcast;
extern const struct mech mech_fastipc_topic;	/* if FASTIPC_O_TOPIC */

/* ------------------------------------------------------------------ */
/* The call workload's mechanisms (call.c)                             */
/* ------------------------------------------------------------------ */

/*
 * One service: @nclients client processes call one server process,
 * requests and replies @size bytes, one call in flight per client.  As
 * with a link, the parent calls create() before it forks and destroy()
 * after; each child attach()es as the server (ROLE_RX) or client @role.
 * Client: req_buf(), write the request there, call() (it returns the
 * reply, readable until reply_done()).  Server: recv() gives the next
 * request (and sends the reply to the previous one, where a mechanism
 * answers and receives in one system call); rep_buf() a buffer for the
 * reply to the request recv() gave, write it there, reply() (which may
 * leave it for the next recv() to send); finish() sends a reply still
 * pending.  recv() says which client called.
 */
struct svc {
	const struct callmech *cm;
	size_t size;
	unsigned int nclients;
	struct rxpoll poll;	/* every receive: request or reply */
	int role;		/* after attach: ROLE_RX or the client index */
	char why[WHY_LEN];
	void *priv;
};

struct callmech {
	const struct mech *mech;	/* name, family, description, poll */
	size_t priv_size;
	int (*create)(struct svc *s);	/* 0, BENCH_NA (why set), -errno */
	int (*attach)(struct svc *s, int role);
	int (*req_buf)(struct svc *s, void **buf);
	int (*call)(struct svc *s, void *buf, const void **reply,
		    size_t *len);
	int (*reply_done)(struct svc *s);
	int (*recv)(struct svc *s, const void **req, size_t *len,
		    int *client);
	int (*rep_buf)(struct svc *s, void **buf);
	int (*reply)(struct svc *s, void *buf);
	int (*finish)(struct svc *s);		/* optional */
	void (*detach)(struct svc *s);		/* optional */
	void (*destroy)(struct svc *s);		/* optional */
};

extern const struct callmech call_fastipc_copy, call_fastipc_zc;
extern const struct callmech call_binder, call_pipe, call_unix_stream;
extern const struct callmech call_posix_mq;
/* In report order; NULL-terminated. */
extern const struct callmech *const all_callmechs[];
const struct callmech *callmech_of(const struct mech *m);

int svc_fail(struct svc *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int svc_na(struct svc *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * System calls per round trip: every system call a client or server of
 * the call workload makes to move its messages goes through these
 * wrappers (ioctl(), read() and write() too, libfastipc's included: the
 * program is linked with --wrap for them), failed non-blocking tries
 * included, counted in a word of the cell's shared block per process.
 */
void sc_count(void);
ssize_t sc_read(int fd, void *buf, size_t len);
ssize_t sc_write(int fd, const void *buf, size_t len);
ssize_t sc_recv(int fd, void *buf, size_t len, int flags);
ssize_t sc_send(int fd, const void *buf, size_t len, int flags);
int sc_epoll_wait(int epfd, void *ev, int n, int timeout);
int sc_poll(void *fds, unsigned long n, int timeout);

/* Binder (binder.c): whether /dev/binder can be used, loading the
 * binder_linux module as root when it is missing; @why says. */
bool binder_probe(char *why, size_t len);

/* Every mechanism in report order; NULL-terminated. */
extern const struct mech *const all_mechs[];
/* The fan-out workload's, in report order; NULL-terminated. */
extern const struct mech *const all_fanmechs[];

/* Set a link's why: returns @err, for "return link_fail(l, -errno, ...)". */
int link_fail(struct link *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int link_na(struct link *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Page-aligned private memory (mmap); NULL on failure. */
void *bench_alloc(size_t len);
void bench_free(void *p, size_t len);
/* MAP_SHARED anonymous memory, inherited by children; NULL on failure. */
void *bench_shared(size_t len);

/* Send exactly @len bytes on a file descriptor (loops). */
int write_full(int fd, const void *buf, size_t len);

/*
 * Reading messages from a byte stream (pipe, Unix stream, TCP) the way a
 * careful program does: small messages through a 256 KiB buffer, as many
 * per read(2) as have arrived; large ones (64 KiB and up) read whole,
 * straight into place.  A message handed out stays valid until the next
 * call.
 */
struct sreader {
	int fd;
	char *buf;
	size_t cap, start, have;
};

/*
 * What a receiver reads from: one fd per sender, epoll when there is more
 * than one (pipe, vmsplice and the sockets use it for fan-in).  With
 * stream readers, messages already buffered are served before waiting.
 * It polls as @poll says: with recv(MSG_DONTWAIT) on sockets (@nbfds
 * NULL), with read() on @nbfds (O_NONBLOCK descriptors of the same
 * pipes; -1: none, no poll) otherwise, and with epoll_wait() that does
 * not wait on several.
 */
struct fdset {
	int n;
	int epfd;
	bool stream;			/* readers in use */
	struct sreader r[MAX_SENDERS];
	bool sock;			/* sockets: MSG_DONTWAIT, no nbfd */
	int nbfd[MAX_SENDERS];		/* pipes: O_NONBLOCK, or -1 */
	struct rxpoll *poll;
	int ready[MAX_SENDERS];		/* indexes epoll said were readable */
	int nready;
	unsigned int rr;
};
int fdset_init(struct fdset *s, const int *fds, const int *nbfds, int n,
	       size_t stream_size, struct rxpoll *poll);
/* The index of a readable fd, waiting if needed (*@slept: it blocked;
 * the poll is the caller's to begin); -errno on failure. */
int fdset_wait(struct fdset *s, bool *slept);
/* Stream sets: the next whole message of @size bytes from any fd. */
int fdset_recv(struct fdset *s, size_t size, const void **p);
void fdset_close(struct fdset *s);

/* Buffering of a message size: the queue depth every mechanism gets. */
unsigned int bench_depth(size_t size);
/* The buffers a link cycles through: depth + 1, or its slots if more. */
unsigned int link_buffers(const struct link *l);
/* A link's depth per sender, for mechanisms with a queue per sender. */
unsigned int per_sender_depth(const struct link *l);

/* Shared (not process-private) futexes on 32-bit words. */
int futex_wait(_Atomic uint32_t *addr, uint32_t val);
int futex_wait_ns(_Atomic uint32_t *addr, uint32_t val, int64_t timeout_ns);
void futex_wake(_Atomic uint32_t *addr, int n);
int64_t procs_cpu_ns(const pid_t *pid, uint32_t n);
bool futex_barrier(_Atomic uint32_t *ready, uint32_t n,
		   _Atomic uint32_t *abort);
pid_t fork_child(_Atomic uint32_t *ready, uint32_t n, _Atomic uint32_t *abort,
		 char *why, size_t why_len);

/* A cell's child processes, reaped by reap(). */
struct kid {
	pid_t pid;
	bool done;
	int status;
};
struct rusage;
/*
 * Wait for @n children (SIGCHLD blocked by the caller), summing their
 * CPU time into @sum; after @deadline, or 2 s after one failed, kill the
 * rest.  True if it had to kill them at the deadline.
 */
bool reap(struct kid *k, int n, int64_t deadline, struct rusage *sum);
double tv_us(const struct timeval *tv);

/* ------------------------------------------------------------------ */
/* The shared-memory ring (shm.c), also cma.c's descriptor queue       */
/* ------------------------------------------------------------------ */

struct ring;			/* in a MAP_SHARED memfd segment */

/* One single-producer ring per sender, @slots slots of @slot_size bytes. */
int ring_create(struct link *l, struct ring **rp, size_t slot_size,
		unsigned int slots);
void ring_destroy(struct ring *r);
/* Sender @i: wait for a free slot; its address. */
int ring_tx_slot(struct ring *r, int i, void **slot);
/* Sender @i: publish the slot ring_tx_slot() gave, wake the receiver. */
void ring_tx_publish(struct ring *r, int i);
/* Receiver: wait for a published slot of any sender, polling as @poll
 * says; its address. */
int ring_rx_slot(struct ring *r, struct rxpoll *poll, void **slot,
		 int *sender);
/* Receiver: the slot ring_rx_slot() gave is free again. */
void ring_rx_release(struct ring *r, int sender);
/* A word per sender for what it wants the receiver to know (its pid). */
_Atomic uint64_t *ring_sender_word(struct ring *r, int i);

/* ------------------------------------------------------------------ */
/* Payload (payload.c)                                                 */
/* ------------------------------------------------------------------ */

/* Write @len (>= 8) bytes of message @seq: every byte. */
void payload_fill(void *buf, size_t len, uint64_t seq);
/* Read every byte; true if it is a whole message, its number in *seq. */
bool payload_check(const void *buf, size_t len, uint64_t *seq);
/* Use AVX2 where the CPU has it (default true; same results either way). */
extern bool payload_wide;
/* The sequence number of a reply to request @seq. */
static inline uint64_t reply_seq(uint64_t seq)
{
	return seq ^ 0x5555000000000000ULL;
}
#define SEQ_END		UINT64_MAX	/* ping-pong: the client is done */
#define MIN_MSG_SIZE	8

/* ------------------------------------------------------------------ */
/* Clocks, CPUs, statistics, formatting (stats.c)                      */
/* ------------------------------------------------------------------ */

int64_t now_ns(void);
int pin_to_cpu(int cpu);

/*
 * Timing one round trip: a cheap tick counter read on one (pinned) CPU,
 * converted to nanoseconds with a rate measured against CLOCK_MONOTONIC
 * over the whole measurement.  The TSC on x86 (in the test VM
 * clock_gettime() reads the emulated HPET, several microseconds a call),
 * CLOCK_MONOTONIC itself elsewhere.
 */
#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t ticks(void)
{
	return __rdtsc();
}
#else
static inline uint64_t ticks(void)
{
	return (uint64_t)now_ns();
}
#endif

struct tickclock {
	uint64_t t0;
	int64_t n0;
};
void tickclock_start(struct tickclock *c);
double tickclock_ns_per_tick(const struct tickclock *c);
/* The first two CPUs this process may run on; false if only one. */
bool pick_cpus(int *a, int *b);
int online_cpus(void);

double median(const double *v, size_t n);
double percentile(const double *v, size_t n, double p);
double spread(const double *v, size_t n);	/* (max - min) / median */

/* "64 B", "4 KiB", "16 MiB" into buf (at least 16 bytes). */
const char *fmt_size(size_t size, char *buf, size_t len);
/* A rate with a unit: "812 MB/s", "1.23 GB/s". */
const char *fmt_bps(double bps, char *buf, size_t len);
const char *fmt_rate(double per_s, char *buf, size_t len);	/* "12.3 k/s" */
const char *fmt_us(double us, char *buf, size_t len);		/* "76.2 us" */

/* ------------------------------------------------------------------ */
/* Options and the plan (main.c)                                       */
/* ------------------------------------------------------------------ */

enum workload { WL_THROUGHPUT, WL_LATENCY, WL_FANIN, WL_CALL, WL_FANOUT,
		NR_WL };
enum placement { PL_SEPARATE, PL_SAME, NR_PL };
/*
 * Round trips run twice, like for like: with polling (every receiver by
 * the run's rule) and without (every receiver blocks at once).  One-way
 * cells run once, by the run's rule (PO_OFF if it is off).
 */
enum polling { PO_ON, PO_OFF, NR_PO };

extern const char *const wl_names[NR_WL];
extern const char *const pl_names[NR_PL];
extern const char *const po_names[NR_PO];	/* "on", "off" */

struct opts {
	const char *mode;		/* quick, default, full */
	const char *out;		/* output folder or NULL */
	bool json;			/* JSON on stdout instead of tables */
	bool calibrate;
	bool raise_limits;
	int busy_poll_us;		/* --busy-poll: every receiver's fixed
					 * poll; -1: the module's default rule
					 * (adaptive) */
	bool plot;
	bool verbose;

	const struct mech *mechs[32];
	int nmechs;

	size_t tput_sizes[MAX_SIZES];	/* one-way throughput */
	int ntput;
	size_t lat_sizes[MAX_SIZES];	/* round trip */
	int nlat;
	size_t fanin_sizes[MAX_SIZES];
	int nfanin;
	size_t same_tput_sizes[MAX_SIZES];	/* same-CPU variant */
	int nsame_tput;
	size_t same_lat_sizes[MAX_SIZES];
	int nsame_lat;
	bool do_floors;
	unsigned int fanin_senders;
	bool rt_po[NR_PO];		/* round trips: the polling modes run */
	size_t call_sizes[MAX_SIZES];	/* call: one client */
	int ncall;
	size_t call4_sizes[MAX_SIZES];	/* call: call_clients clients */
	int ncall4;
	unsigned int call_clients;
	const struct mech *call_mechs[16];
	int ncall_mechs;
	size_t fan_sizes[MAX_SIZES];	/* fan-out */
	int nfan;
	unsigned int fan_subs[4];	/* subscriber counts, ascending */
	int nfan_subs;
	const struct mech *fan_mechs[16];
	int nfan_mechs;

	/* Measurement windows. */
	int64_t warm_ns;		/* warm-up before the first window */
	int64_t win_ns;			/* each window at least this long */
	unsigned int reps;		/* windows (repetitions) per round */
	unsigned int rounds;		/* the whole plan, this many times */
	unsigned int win_min_msgs;	/* and at least this many messages */
	unsigned int lat_min_samples;
	unsigned int lat_max_samples;
	int64_t lat_ns;			/* latency: at least this long */
	int64_t cell_timeout_ns;	/* kill a cell after this */

	int cpu_a, cpu_b;		/* receiver, senders */
	bool two_cpus;
};

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

enum cell_status { CELL_OK, CELL_NA, CELL_ERROR };

struct cell {
	enum workload wl;
	enum placement pl;
	enum polling po;
	const struct mech *mech;
	size_t size;
	unsigned int nsenders;
	unsigned int depth;
	unsigned int buffers;		/* the link's link_buffers() */
	struct poll_rule poll;		/* every receiver's */

	enum cell_status status;
	char why[WHY_LEN];

	/* Throughput and fan-in: one value per window (repetition), every
	 * round; the medians are those of the best round. */
	unsigned int rounds;		/* rounds measured */
	bool reused;			/* a round's copy of round 1's cell
					 * (too slow to repeat) */
	unsigned int nwin;
	double win_mps[MAX_WINDOWS];	/* messages per second */
	double mps, bps, spread;	/* medians over windows; spread */

	/* Latency (round trip), microseconds. */
	unsigned int nsamples;
	double lat_med_us, lat_p99_us, lat_min_us, lat_spread;

	/* What the receiver saw over the whole cell. */
	uint64_t messages;		/* received, warm-up and drain included */
	uint64_t verified;		/* of those, whole and in order */
	uint64_t round_trips;		/* round trips: all, warm-up included;
					 * each is two messages */
	uint64_t warmup;		/* messages received (one-way) or round
					 * trips before the first window; the
					 * fewest of any round */
	double cpu_us;			/* user+system of every process */
	double sys_us;
	double wall_s;

	/* The CPU time of every process over the measured part only (no
	 * warm-up, no drain), and how many messages (one-way) or round
	 * trips (latency) it covers; cell_window_cpu_us() gives the ratio. */
	double win_cpu_ns;
	uint64_t win_cpu_n;

	/* Call: system calls of every process over the measured calls
	 * (win_cpu_n of them); calls/s of all clients together in mps. */
	double win_syscalls;
};

/* A round trip's cell: its units are round trips (calls). */
static inline bool cell_is_rt(const struct cell *c)
{
	return c->wl == WL_LATENCY || c->wl == WL_CALL;
}

/*
 * CPU time is counted per unit of work: per message one-way, per round
 * trip (a request and its reply) in the round trips.
 */
static inline double cell_units(const struct cell *c)
{
	return (double)(cell_is_rt(c) ? c->round_trips : c->messages);
}

/* CPU us per message (one-way) or per round trip, the whole cell. */
static inline double cell_cpu_us(const struct cell *c)
{
	return cell_units(c) > 0 ? c->cpu_us / cell_units(c) : 0;
}

static inline double cell_sys_us(const struct cell *c)
{
	return cell_units(c) > 0 ? c->sys_us / cell_units(c) : 0;
}

/* System calls per round trip over the measured calls; -1: none. */
static inline double cell_syscalls(const struct cell *c)
{
	return c->win_cpu_n ? c->win_syscalls / (double)c->win_cpu_n : -1;
}

/* The same over the measured part only; 0 when not measured. */
static inline double cell_window_cpu_us(const struct cell *c)
{
	return c->win_cpu_n ? c->win_cpu_ns / 1e3 / (double)c->win_cpu_n : 0;
}

struct floors {
	double null_syscall_ns;
	double futex_rt_us[NR_PL];	/* median round trip, best round */
	double futex_rt_p99_us[NR_PL];
	double futex_round_us[MAX_ROUNDS][NR_PL];	/* each round's */
	/* Per message size (the union of every size list): */
	int nsizes;
	size_t sizes[MAX_SIZES * 2];
	double memcpy_ns[MAX_SIZES * 2];	/* one copy of the message */
	double pc_ns[MAX_SIZES * 2];		/* produce + consume */
	double map_ns[MAX_SIZES * 2];		/* map + unmap its pages */
	double consume_ns[MAX_SIZES * 2];	/* reading it (payload_check) */
	bool measured;
};

struct limit_change {
	char what[96];
	char from[32];
	char to[32];
	bool ok;
	char note[96];
};

struct calibration {
	bool done;
	int n;
	size_t sizes[16];
	double copy_mps[16], zc_mps[16];
	size_t crossover;		/* 0: none found */
	unsigned long old_threshold;
	char how[200];			/* what was done, or the command */
	bool set;
};

struct sysinfo {
	char cpu_model[128];
	/* /proc/cpuinfo's flags that decide how memcpy and the kernel's
	 * user copies copy: rep movsb where ERMS/FSRM (which TCG runs 5-10x
	 * slower than a vector loop), rep movsq where rep_good. */
	bool flags_read;
	bool erms, fsrm, rep_good;
	char vm_cpu[64];		/* QEMU's -cpu, as tools/vm/run says */
	int init_on_alloc;		/* the kernel's; -1 unknown */
	char init_on_alloc_from[64];
	int cpus_online;
	char kernel[256];		/* uname -srvm */
	char virt[160];			/* bare metal, kvm, tcg (emulated)... */
	bool emulated;			/* software emulation (TCG) */
	bool virtualized;
	char hostname[80];
	char date[64];
	unsigned long mem_total_kb;
	unsigned long mem_avail_kb;
	char fastipc_version[32];
	unsigned long zc_threshold;	/* module parameter, 0 if unknown */
	long busy_poll_us;		/* module parameter, -1 if unknown */
};

struct run {
	struct opts opts;
	struct sysinfo sys;
	struct poll_rule poll;		/* the receivers' poll where they poll */
	struct floors floors;
	struct calibration cal;
	struct limit_change limits[32];
	int nlimits;
	struct cell *cells;		/* each cell's best round: the tables */
	struct cell *round_cells[MAX_ROUNDS];	/* each round's own */
	int ncells;
	int64_t started_ns;
	double elapsed_s;
	bool failed;			/* a checksum failed or a cell erred */
	bool binder_ok;			/* /dev/binder usable */
	char binder_why[WHY_LEN];	/* how, or why not */
};

/* driver.c */
void run_cell(struct run *r, struct cell *c);
/* call.c */
void run_call_cell(struct run *r, struct cell *c);
/* fanout.c: c->nsenders is the number of subscribers */
void run_fanout_cell(struct run *r, struct cell *c);
const struct cell *find_fanout_cell(const struct run *r,
				    const struct mech *m, size_t size,
				    unsigned int nsubs);
/* Whether this build has fastipc's topics (the header's FASTIPC_O_TOPIC). */
extern const bool fanout_has_topic;
const struct cell *find_call_cell(const struct run *r, enum polling po,
				  const struct mech *m, size_t size,
				  unsigned int nclients);
int64_t cell_estimate(const struct opts *o, const struct cell *c);

/* floors.c */
void measure_floors(struct run *r);
void measure_futex_floor(struct run *r, enum placement pl,
			 unsigned int round);
int floor_index(const struct floors *f, size_t size);	/* or -1 */
/*
 * Copies at the machine's speed: memcpy at 16-256 KiB within 1.5x of its
 * rate at 1 MiB and up.  1 holds, 0 does not, -1 not measured; @why
 * says the numbers.
 */
int memcpy_check(const struct run *r, char *why, size_t len);

/* limits.c */
void limits_raise(struct run *r);
void limits_restore(struct run *r);
/* The limit a mechanism may use now (after raising): */
unsigned long limit_read_ul(const char *path);

/* calibrate.c */
void calibrate(struct run *r);
/* fastipc.c: zc_threshold of the run's channels; 0 for the module's */
extern unsigned long bench_zc_threshold;

/* sysinfo.c */
void sysinfo_read(struct sysinfo *s);

/* report.c */
/* A cell of the plan; @po counts for round trips only. */
const struct cell *find_cell(const struct run *r, enum workload wl,
			     enum placement pl, enum polling po,
			     const struct mech *m, size_t size);
/* "polling (...)" / "no polling (...)": what a mode's receivers did. */
const char *po_title(const struct run *r, enum polling po, char *buf,
		     size_t len);
void report_tables(const struct run *r, FILE *f);
/* The CPU flags that decide how copies run, in words. */
const char *cpu_flags_text(const struct sysinfo *s);

int report_csv(const struct run *r, const char *path);
int report_json(const struct run *r, FILE *f);

/* goals.c */
struct goal {
	const char *name;
	const char *statement;
	int verdict;			/* 1 met (in every round), 0 not met,
					 * -1 not judged */
	unsigned int rounds;		/* rounds judged */
	unsigned int rounds_met;	/* rounds in which it held */
	char detail[2048];
};
#define NR_GOALS	10
void goals_judge(const struct run *r, struct goal g[NR_GOALS]);
/* Ratio of a fastipc mode to the best rival (not fastipc, not ceiling). */
double ratio_to_best(const struct run *r, enum workload wl,
		     enum placement pl, enum polling po, const struct mech *m,
		     size_t size, const struct mech **best);

/* rounds.c: a value in every round, and the run as one round saw it. */
struct span {
	unsigned int n;
	double v[MAX_ROUNDS];
};
void span_add(struct span *s, double v);
double span_median(const struct span *s);
double span_min(const struct span *s);
double span_max(const struct span *s);
/* "1.41x", or over several rounds "1.41x (1.30-1.52)": median (range). */
const char *fmt_ratio_span(const struct span *s, char *buf, size_t len);
/* @r with round @k's cells and floor. */
void round_view(const struct run *r, unsigned int k, struct run *view);
/* ratio_to_best() in every round; false if a round has no ratio. */
bool ratio_span(const struct run *r, enum workload wl, enum placement pl,
		enum polling po, const struct mech *m, size_t size,
		struct span *s);

/* plot.c, markdown.c */
int plot_charts(const struct run *r, const char *dir, char *why, size_t len);
int report_markdown(const struct run *r, const char *path, bool charts);

/* Progress on stderr. */
void progress(const struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void progress_done(void);

#endif /* FASTIPC_BENCH_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: what the mechanisms share: memory, full reads and
 * writes, the fan-in fd set, the queue depth, error reporting, futexes
 * and reaping a cell's children.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int link_fail(struct link *l, int err, const char *fmt, ...)
{
	char what[WHY_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err < 0)
		snprintf(l->why, sizeof(l->why), "%.140s: %.50s", what,
			 strerror(-err));
	else
		snprintf(l->why, sizeof(l->why), "%s", what);
	return err;
}

int link_na(struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	return BENCH_NA;
}

void *bench_alloc(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void bench_free(void *p, size_t len)
{
	if (p)
		munmap(p, len ? len : 1);
}

void *bench_shared(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#define SREADER_CAP	(256 * KiB)
#define SREADER_WHOLE	(64 * KiB)

static int sreader_init(struct sreader *r, int fd, size_t size)
{
	r->fd = fd;
	r->start = r->have = 0;
	r->cap = size >= SREADER_WHOLE ? size : SREADER_CAP;
	r->buf = bench_alloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

/*
 * One read from fd @i for a receiver that may be polling: tried without
 * blocking while the poll lasts (read() from the O_NONBLOCK descriptor
 * of the same pipe, recv(MSG_DONTWAIT) on a socket), then blocking
 * (*@slept set).  Without a poll: one blocking read(2), as ever.
 */
static ssize_t rx_read(struct fdset *s, int i, char *buf, size_t len,
		       bool *slept)
{
	struct rxpoll *poll = s->poll;
	int fd = s->r[i].fd, nbfd = s->nbfd[i];

	while (poll && poll->spinning && (s->sock || nbfd >= 0)) {
		ssize_t n = s->sock ? recv(fd, buf, len, MSG_DONTWAIT) :
			    read(nbfd, buf, len);

		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR))
			return n;
		if (!rxpoll_again(poll))
			break;
	}
	*slept = true;
	return read(fd, buf, len);
}

static int sreader_next(struct fdset *s, int i, size_t size,
			const void **p, bool *slept)
{
	struct sreader *r = &s->r[i];

	if (r->cap == size) {		/* large: one message, in place */
		size_t off = 0;

		while (off < size) {
			ssize_t n = rx_read(s, i, r->buf + off, size - off,
					    slept);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (n == 0)
				return -EPIPE;
			off += (size_t)n;
		}
		*p = r->buf;
		return 0;
	}
	/* Misaligned (odd sizes) or no room for the rest: move the tail. */
	if (r->have < size &&
	    (r->start + size > r->cap || r->start % 8)) {
		memmove(r->buf, r->buf + r->start, r->have);
		r->start = 0;
	}
	while (r->have < size) {
		ssize_t n = rx_read(s, i, r->buf + r->start + r->have,
				    r->cap - r->start - r->have, slept);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		r->have += (size_t)n;
	}
	if (r->start % 8) {
		memmove(r->buf, r->buf + r->start, r->have);
		r->start = 0;
	}
	*p = r->buf + r->start;
	r->start += size;
	r->have -= size;
	if (!r->have)
		r->start = 0;
	return 0;
}

int fdset_init(struct fdset *s, const int *fds, const int *nbfds, int n,
	       size_t stream_size, struct rxpoll *poll)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->epfd = -1;
	s->stream = stream_size != 0;
	s->poll = poll;
	s->sock = !nbfds;
	for (int i = 0; i < n; i++) {
		s->nbfd[i] = nbfds ? nbfds[i] : -1;
		s->r[i].fd = fds[i];
		if (s->stream && sreader_init(&s->r[i], fds[i], stream_size))
			return -ENOMEM;
	}
	if (n == 1)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			return -errno;
	}
	return 0;
}

/*
 * With several fds, serve every fd epoll reported before asking again:
 * one epoll_wait per batch of ready senders, not per message.  While the
 * poll lasts, epoll_wait() does not wait.
 */
int fdset_wait(struct fdset *s, bool *slept)
{
	struct epoll_event ev[MAX_SENDERS];
	int n;

	if (s->n == 1)
		return 0;
	while (!s->nready) {
		bool spin = s->poll && s->poll->spinning;

		n = epoll_wait(s->epfd, ev, MAX_SENDERS, spin ? 0 : -1);
		if (n == 0 && spin) {
			rxpoll_again(s->poll);
			continue;
		}
		*slept |= !spin;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++)
			s->ready[s->nready++] = (int)ev[i].data.u32;
	}
	return s->ready[--s->nready];
}

int fdset_recv(struct fdset *s, size_t size, const void **p)
{
	bool slept = false;
	int i, err;

	/* Whole messages already read are served first, round robin. */
	for (int k = 0; k < s->n; k++) {
		i = (int)((s->rr + (unsigned int)k) % (unsigned int)s->n);
		if (s->r[i].cap != size && s->r[i].have >= size) {
			s->rr = (unsigned int)i + 1;
			return sreader_next(s, i, size, p, &slept);
		}
	}
	/* A receive the kernel must serve: it may poll. */
	if (s->poll)
		rxpoll_begin(s->poll);
	i = fdset_wait(s, &slept);
	if (i < 0)
		return i;
	s->rr = (unsigned int)i + 1;
	err = sreader_next(s, i, size, p, &slept);
	if (!err && slept && s->poll)
		rxpoll_woke(s->poll);
	return err;
}

void fdset_close(struct fdset *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
}

/*
 * Every mechanism gets the same buffering, in messages: 64 small ones,
 * 64 MiB worth of large ones, never fewer than 2.  With several senders
 * that is the total, split between per-sender queues where a mechanism
 * has them.
 */
unsigned int bench_depth(size_t size)
{
	size_t d = size ? (64 * MiB) / size : 64;

	if (d > 64)
		d = 64;
	if (d < 2)
		d = 2;
	return (unsigned int)d;
}

/*
 * A ring of depth messages uses depth slots, and a sender that may write
 * a buffer only once the link no longer holds it (vmsplice) one more.
 */
unsigned int link_buffers(const struct link *l)
{
	return l->slots > l->depth + 1 ? l->slots : l->depth + 1;
}

unsigned int per_sender_depth(const struct link *l)
{
	unsigned int d = l->depth / (l->nsenders ? l->nsenders : 1);

	return d < 2 ? 2 : d;
}

int futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	if (syscall(SYS_futex, addr, FUTEX_WAIT, val, NULL, NULL, 0) &&
	    errno != EAGAIN && errno != EINTR)
		return -errno;
	return 0;
}

int futex_wait_ns(_Atomic uint32_t *addr, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts = {
		.tv_sec = timeout_ns / NSEC_PER_SEC,
		.tv_nsec = timeout_ns % NSEC_PER_SEC,
	};

	if (syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0) &&
	    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
		return -errno;
	return 0;
}

/*
 * The CPU time, user and system, that the processes @pid[0 .. @n - 1]
 * (this one among them, maybe) have used so far, in ns, or -1 if a clock
 * cannot be read.  Another process's CPU-time clock includes the slice it
 * is running now.
 */
int64_t procs_cpu_ns(const pid_t *pid, uint32_t n)
{
	int64_t sum = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct timespec ts;
		clockid_t clk = CLOCK_PROCESS_CPUTIME_ID;

		if (pid[i] != getpid() && clock_getcpuclockid(pid[i], &clk))
			return -1;
		if (clock_gettime(clk, &ts))
			return -1;
		sum += (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	return sum;
}

/*
 * fork() one of a cell's @n processes.  If it fails, say why, stop the
 * cell (*@abort) and let those already started through the barrier
 * (futex_barrier()), which they would wait at for ever: -1.
 */
pid_t fork_child(_Atomic uint32_t *ready, uint32_t n, _Atomic uint32_t *abort,
		 char *why, size_t why_len)
{
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		atomic_store(abort, 1);
		atomic_store(ready, n);
		futex_wake(ready, INT32_MAX);
	}
	return pid;
}

/*
 * Each of @n processes arrives here once; the last one releases the
 * others.  False if one of them failed meanwhile (*@abort set).
 */
bool futex_barrier(_Atomic uint32_t *ready, uint32_t n,
		   _Atomic uint32_t *abort)
{
	uint32_t seen = atomic_fetch_add(ready, 1) + 1;

	if (seen == n) {
		futex_wake(ready, INT32_MAX);
	} else {
		while ((seen = atomic_load(ready)) < n)
			futex_wait(ready, seen);
	}
	return !atomic_load(abort);
}

void futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* The children of a cell (bench.h). */
bool reap(struct kid *k, int n, int64_t deadline, struct rusage *sum)
{
	sigset_t set;
	bool timed_out = false;
	int left = n;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (left) {
		struct timespec ts = { 0, 100 * NSEC_PER_MSEC };
		int64_t now;

		for (int i = 0; i < n; i++) {
			struct rusage ru;

			if (k[i].done)
				continue;
			if (wait4(k[i].pid, &k[i].status, WNOHANG, &ru) !=
			    k[i].pid)
				continue;
			k[i].done = true;
			left--;
			sum->ru_utime.tv_sec += ru.ru_utime.tv_sec;
			sum->ru_utime.tv_usec += ru.ru_utime.tv_usec;
			sum->ru_stime.tv_sec += ru.ru_stime.tv_sec;
			sum->ru_stime.tv_usec += ru.ru_stime.tv_usec;
			/* One child failed: the others get 2 s to finish. */
			if (!WIFEXITED(k[i].status) ||
			    WEXITSTATUS(k[i].status)) {
				int64_t grace = now_ns() + 2 * NSEC_PER_SEC;

				if (grace < deadline)
					deadline = grace;
			}
		}
		if (!left)
			break;
		now = now_ns();
		if (now >= deadline) {
			timed_out = true;
			for (int i = 0; i < n; i++)
				if (!k[i].done)
					kill(k[i].pid, SIGKILL);
			deadline = INT64_MAX;
			continue;
		}
		sigtimedwait(&set, NULL, &ts);
	}
	return timed_out;
}

double tv_us(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e6 + (double)tv->tv_usec;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: raising the limits the mechanisms need to carry the
 * tested sizes at the tested depth, printing every change, and putting
 * the old values back at the end (also on SIGINT/SIGTERM).
 *
 *   fs.pipe-max-size            pipe and vmsplice buffers (F_SETPIPE_SZ)
 *   fs.mqueue.msg_max           POSIX mq depth
 *   fs.mqueue.msgsize_max       POSIX mq message size (kernel cap 16 MiB)
 *   RLIMIT_MSGQUEUE             POSIX mq bytes per user
 *   kernel.msgmax, msgmnb       System V message size, queue bytes
 *   net.core.wmem_max, rmem_max socket buffers (SO_SNDBUF/SO_RCVBUF)
 *   RLIMIT_MEMLOCK              fastipc charges its pages to it (non-root)
 *   fastipc max_msg_size        only when a tested size exceeds it
 *
 * Writing /proc/sys and /sys/module needs root; without it the change is
 * listed as not made and the mechanisms work within what is there (a size
 * they then cannot carry is n/a, with the limit named).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

/* What to put back, kept where a signal handler can reach it. */
static struct {
	char path[96];
	char old[32];
} undo[32];
static volatile sig_atomic_t nundo;

unsigned long limit_read_ul(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

static int write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

static struct limit_change *note(struct run *r, const char *what)
{
	struct limit_change *c;

	if (r->nlimits >= (int)(sizeof(r->limits) / sizeof(r->limits[0])))
		return NULL;
	c = &r->limits[r->nlimits++];
	memset(c, 0, sizeof(*c));
	snprintf(c->what, sizeof(c->what), "%s", what);
	return c;
}

/* Raise the number in @path to at least @want. */
static void raise_file(struct run *r, const char *what, const char *path,
		       unsigned long want)
{
	unsigned long cur;
	struct limit_change *c;
	char val[32];
	int err;

	if (access(path, F_OK))
		return;		/* not this kernel, or the module is not loaded */
	cur = limit_read_ul(path);
	if (cur >= want)
		return;
	c = note(r, what);
	if (!c)
		return;
	snprintf(c->from, sizeof(c->from), "%lu", cur);
	snprintf(c->to, sizeof(c->to), "%lu", want);
	snprintf(val, sizeof(val), "%lu", want);
	err = write_str(path, val);
	if (err) {
		snprintf(c->note, sizeof(c->note), "not raised: %s",
			 strerror(-err));
		return;
	}
	c->ok = true;
	if (nundo < (int)(sizeof(undo) / sizeof(undo[0]))) {
		snprintf(undo[nundo].path, sizeof(undo[nundo].path), "%s",
			 path);
		snprintf(undo[nundo].old, sizeof(undo[nundo].old), "%lu",
			 cur);
		nundo++;
	}
}

static void raise_rlimit(struct run *r, const char *what, int resource)
{
	struct rlimit rl, want;
	struct limit_change *c;

	if (getrlimit(resource, &rl))
		return;
	want.rlim_cur = want.rlim_max = RLIM_INFINITY;
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	c = note(r, what);
	if (!c)
		return;
	snprintf(c->from, sizeof(c->from), "%llu",
		 (unsigned long long)rl.rlim_cur);
	if (setrlimit(resource, &want) == 0) {
		snprintf(c->to, sizeof(c->to), "unlimited");
		c->ok = true;
		return;
	}
	/* Not root: as far as the hard limit goes. */
	want.rlim_cur = want.rlim_max = rl.rlim_max;
	if (rl.rlim_max > rl.rlim_cur && setrlimit(resource, &want) == 0) {
		snprintf(c->to, sizeof(c->to), "%llu",
			 (unsigned long long)rl.rlim_max);
		c->ok = true;
		snprintf(c->note, sizeof(c->note), "hard limit");
		return;
	}
	snprintf(c->to, sizeof(c->to), "unlimited");
	snprintf(c->note, sizeof(c->note), "not raised: %s", strerror(errno));
}

static bool mech_in(const struct mech *const *mechs, int n, const char *fam,
		    const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(mechs[i]->family, fam) == 0 &&
		    (!name || strcmp(mechs[i]->name, name) == 0))
			return true;
	return false;
}

/* A family (or one of its mechanisms) in the plan, the fan-out's too. */
static bool family_used(const struct run *r, const char *fam, const char *name)
{
	const struct opts *o = &r->opts;

	return mech_in(o->mechs, o->nmechs, fam, name) ||
	       (o->nfan && mech_in(o->fan_mechs, o->nfan_mechs, fam, name));
}

static void consider(size_t size, size_t *max_size, size_t *max_bytes,
		     size_t *max_pages_bytes, unsigned int *max_depth)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int d = bench_depth(size);
	size_t pr = (size + page - 1) / page * page;

	if (size > *max_size)
		*max_size = size;
	if ((size_t)d * size > *max_bytes)
		*max_bytes = (size_t)d * size;
	if ((size_t)d * pr > *max_pages_bytes)
		*max_pages_bytes = (size_t)d * pr;
	if (d > *max_depth)
		*max_depth = d;
}

static void restore_all(void)
{
	while (nundo > 0) {
		int i = --nundo;
		int fd = open(undo[i].path, O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			ssize_t n = write(fd, undo[i].old, strlen(undo[i].old));

			(void)n;
			close(fd);
		}
	}
}

static void on_signal(int sig)
{
	restore_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

void limits_raise(struct run *r)
{
	const struct opts *o = &r->opts;
	size_t max_size = 0, max_bytes = 0, max_pb = 0, pipe_max = 1;
	unsigned int max_depth = 0;
	unsigned long sock_max;

	for (int i = 0; i < o->ntput; i++)
		consider(o->tput_sizes[i], &max_size, &max_bytes, &max_pb,
			 &max_depth);
	for (int i = 0; i < o->nlat; i++)
		consider(o->lat_sizes[i], &max_size, &max_bytes, &max_pb,
			 &max_depth);
	for (int i = 0; i < o->ncall; i++)
		consider(o->call_sizes[i], &max_size, &max_bytes, &max_pb,
			 &max_depth);
	for (int i = 0; i < o->nfanin; i++)
		consider(o->fanin_sizes[i], &max_size, &max_bytes, &max_pb,
			 &max_depth);
	for (int i = 0; i < o->nfan; i++)
		consider(o->fan_sizes[i], &max_size, &max_bytes, &max_pb,
			 &max_depth);
	if (r->opts.calibrate)
		consider(4 * MiB, &max_size, &max_bytes, &max_pb, &max_depth);
	if (!max_size)
		return;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	while (pipe_max < max_pb || pipe_max < max_bytes)
		pipe_max <<= 1;
	if (family_used(r, "pipe", NULL))
		raise_file(r, "fs.pipe-max-size", "/proc/sys/fs/pipe-max-size",
			   pipe_max);
	if (family_used(r, "mq", "posix-mq")) {
		raise_file(r, "fs.mqueue.msg_max",
			   "/proc/sys/fs/mqueue/msg_max", max_depth);
		raise_file(r, "fs.mqueue.msgsize_max",
			   "/proc/sys/fs/mqueue/msgsize_max",
			   max_size < 16 * MiB ? max_size : 16 * MiB);
		raise_rlimit(r, "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE);
	}
	if (family_used(r, "mq", "sysv-msg")) {
		/* msgmnb first: the kernel wants msgmax <= msgmnb sensible */
		raise_file(r, "kernel.msgmnb", "/proc/sys/kernel/msgmnb",
			   max_bytes < INT_MAX ? max_bytes : INT_MAX);
		raise_file(r, "kernel.msgmax", "/proc/sys/kernel/msgmax",
			   max_size < INT_MAX ? max_size : INT_MAX);
	}
	if (family_used(r, "sock", NULL)) {
		sock_max = 32 * MiB;
		if (max_size / 2 + 64 * KiB > sock_max)
			sock_max = max_size / 2 + 64 * KiB;
		raise_file(r, "net.core.wmem_max",
			   "/proc/sys/net/core/wmem_max", sock_max);
		raise_file(r, "net.core.rmem_max",
			   "/proc/sys/net/core/rmem_max", sock_max);
	}
	if (family_used(r, "fastipc", NULL)) {
		raise_file(r, "fastipc max_msg_size",
			   "/sys/module/fastipc/parameters/max_msg_size",
			   max_size < GiB ? max_size : GiB);
		if (geteuid() != 0)
			raise_rlimit(r, "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
	}
}

void limits_restore(struct run *r)
{
	(void)r;
	restore_all();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

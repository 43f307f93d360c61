// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc-demo: one channel, a forked receiver, messages of several sizes
 * sent through each path; every byte checked.
 *
 * The parent creates a channel, forks a receiver and sends messages of
 * 64 B, 4 KiB, 64 KiB, 1 MiB and 16 MiB along three paths:
 *
 *   copy       fastipc_send(FASTIPC_SEND_COPY) / fastipc_recv()
 *   zero-copy  fastipc_buf_alloc() + fastipc_buf_send() / fastipc_recv_msg()
 *   auto       fastipc_msg_alloc() + fastipc_buf_send() / fastipc_recv_msg()
 *
 * Every message is filled with a pseudo-random stream seeded by its path,
 * size and sequence number; the receiver regenerates the stream and
 * compares every byte (which also checks FIFO order).  The table shows
 * the throughput from the first send to the last byte verified.  The exit
 * status is 0 only if every message arrived whole and verified.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fastipc.h"

enum path { PATH_COPY, PATH_ZEROCOPY, PATH_AUTO, N_PATHS };

static const char *const path_names[N_PATHS] = {
	[PATH_COPY] = "copy",
	[PATH_ZEROCOPY] = "zero-copy",
	[PATH_AUTO] = "auto",
};

static const struct {
	size_t size;
	unsigned int count;
	const char *label;
} sizes[] = {
	{ 64, 10000, "64 B" },
	{ 4 << 10, 4000, "4 KiB" },
	{ 64 << 10, 1000, "64 KiB" },
	{ 1 << 20, 64, "1 MiB" },
	{ 16 << 20, 8, "16 MiB" },
};

#define N_SIZES		(sizeof(sizes) / sizeof(sizes[0]))
#define MAX_SIZE	(16UL << 20)
#define STEP_NS		(1000LL * 1000 * 1000)	/* one wait, then look around */
#define MAX_STEPS	30			/* give up after 30 s */

/* What the receiver reports for one (path, size) cell. */
struct result {
	unsigned int received;
	unsigned int verified;
	unsigned int mapped;
	int err;		/* first error, -errno, or 0 */
	int64_t end_ns;		/* when the last message was checked */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* The byte stream of one message                                      */
/* ------------------------------------------------------------------ */

static uint64_t seed_of(enum path p, size_t cell, unsigned int seq)
{
	uint64_t z = ((uint64_t)p << 56) ^ ((uint64_t)cell << 40) ^ seq;

	/* splitmix64: a well-mixed, never-zero xorshift state */
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

static inline uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t s = seed, v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = next(&s);
		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		v = next(&s);
		memcpy(p + i, &v, len - i);
	}
}

static bool verify(const void *buf, size_t len, uint64_t seed)
{
	const unsigned char *p = buf;
	uint64_t s = seed, v, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = next(&s);
		memcpy(&w, p + i, 8);
		if (v != w)
			return false;
	}
	if (i < len) {
		v = next(&s);
		return memcmp(p + i, &v, len - i) == 0;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The receiver (child)                                                */
/* ------------------------------------------------------------------ */

/* Receive one message, waiting at most MAX_STEPS s. */
static int recv_one(struct fastipc_chan *ch, enum path p, void *copybuf,
		    struct fastipc_msg *msg)
{
	int64_t timeout = (int64_t)MAX_STEPS * STEP_NS;
	ssize_t n;

	if (p != PATH_COPY)
		return fastipc_recv_msg(ch, msg, 0, timeout);

	n = fastipc_timedrecv(ch, copybuf, MAX_SIZE, &msg->prio, 0, timeout);
	if (n < 0)
		return (int)n;
	msg->data = copybuf;
	msg->len = (size_t)n;
	msg->flags = 0;
	return 0;
}

static int receiver(const char *name, unsigned int div, int ready_fd,
		    int result_fd)
{
	struct fastipc_chan *ch;
	void *copybuf;
	int ret;

	ret = fastipc_open(name, FASTIPC_O_RECV, 0, NULL, &ch);
	if (write(ready_fd, &ret, sizeof(ret)) != sizeof(ret) || ret)
		return 1;
	close(ready_fd);
	copybuf = malloc(MAX_SIZE);
	if (!copybuf)
		return 1;

	for (int p = 0; p < N_PATHS; p++) {
		for (size_t c = 0; c < N_SIZES; c++) {
			unsigned int count = sizes[c].count / div ?
					     sizes[c].count / div : 1;
			struct result res = { 0 };

			for (unsigned int seq = 0; seq < count; seq++) {
				struct fastipc_msg msg = { 0 };

				ret = recv_one(ch, (enum path)p, copybuf, &msg);
				if (ret) {
					res.err = ret;
					break;
				}
				res.received++;
				if (msg.flags & FASTIPC_MSG_MAPPED)
					res.mapped++;
				if (msg.len == sizes[c].size &&
				    verify(msg.data, msg.len,
					   seed_of((enum path)p, c, seq)))
					res.verified++;
				if (p != PATH_COPY)
					fastipc_msg_release(ch, &msg);
			}
			res.end_ns = now_ns();
			if (write(result_fd, &res, sizeof(res)) != sizeof(res))
				return 1;
			if (res.err)
				goto out;
		}
	}
out:
	free(copybuf);
	fastipc_close(ch);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The sender (parent)                                                 */
/* ------------------------------------------------------------------ */

static pid_t child = -1;
static bool child_reaped;
static int child_status;

static bool child_alive(void)
{
	if (!child_reaped && waitpid(child, &child_status, WNOHANG) == child)
		child_reaped = true;
	return !child_reaped;
}

/* Send one message along @p, waiting while the receiver lives. */
static int send_one(struct fastipc_chan *ch, enum path p, void *heapbuf,
		    size_t len, uint64_t seed)
{
	void *buf = heapbuf;
	int ret;

	if (p == PATH_ZEROCOPY)
		ret = fastipc_buf_alloc(ch, len, &buf);
	else if (p == PATH_AUTO)
		ret = fastipc_msg_alloc(ch, len, 0, &buf);
	else
		ret = 0;
	if (ret)
		return ret;
	fill(buf, len, seed);

	for (int step = 0; step < MAX_STEPS; step++) {
		if (p == PATH_COPY)
			ret = fastipc_timedsend(ch, buf, len, 0,
						FASTIPC_SEND_COPY, STEP_NS);
		else
			ret = fastipc_buf_send(ch, buf, len, 0, 0, STEP_NS);
		if (ret != -ETIMEDOUT || !child_alive())
			break;
	}
	if (ret && p != PATH_COPY)
		fastipc_buf_free(ch, buf);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: fastipc-demo [--quick] [--name NAME]\n"
		   "Sends messages of 64 B to 16 MiB through the copy, "
		   "zero-copy and automatic\npaths to a forked receiver "
		   "that checks every byte; prints throughput.\n\n"
		   "  -q, --quick      a tenth of the messages\n"
		   "  -n, --name NAME  channel name (default "
		   "fastipc-demo.PID); must not exist\n"
		   "  -h, --help       this help\n");
}

static const char *strerr(int err)
{
	if (err == -ENODEV)
		return "/dev/fastipc not found: is the fastipc module loaded?";
	return strerror(-err);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fastipc_attr attr = {
		.max_msg_size = MAX_SIZE,
		.max_bytes = 4 * MAX_SIZE,
	};
	unsigned int div = 1, total = 0, good = 0;
	int ready[2], results[2], ret, c;
	char defname[FASTIPC_NAME_LEN];
	const char *name = NULL;
	struct fastipc_stats st;
	struct fastipc_chan *ch;
	void *heapbuf;
	bool failed = false;

	while ((c = getopt_long(argc, argv, "qn:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			div = 10;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!name) {
		snprintf(defname, sizeof(defname), "fastipc-demo.%d",
			 (int)getpid());
		name = defname;
	}

	ret = fastipc_open(name, FASTIPC_O_SEND | FASTIPC_O_CREAT |
			   FASTIPC_O_EXCL, 0600, &attr, &ch);
	if (ret) {
		fprintf(stderr, "fastipc-demo: create '%s': %s\n", name,
			strerr(ret));
		return 1;
	}
	heapbuf = malloc(MAX_SIZE);
	if (!heapbuf || pipe(ready) || pipe(results)) {
		perror("fastipc-demo");
		fastipc_unlink(name);
		return 1;
	}

	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fastipc-demo: fork");
		fastipc_unlink(name);
		return 1;
	}
	if (child == 0) {
		close(ready[0]);
		close(results[0]);
		fastipc_close(ch);
		_exit(receiver(name, div, ready[1], results[1]));
	}
	close(ready[1]);
	close(results[1]);

	/* The receiver has its handle: the name may go. */
	if (read(ready[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EPIPE;
	fastipc_unlink(name);
	if (ret) {
		fprintf(stderr, "fastipc-demo: receiver: open '%s': %s\n",
			name, strerr(ret));
		waitpid(child, NULL, 0);
		return 1;
	}

	printf("fastipc-demo: channel '%s', receiver pid %d\n\n", name,
	       (int)child);
	printf("%8s  %-9s  %8s  %9s  %-12s  %s\n", "size", "path", "messages",
	       "MB/s", "received", "verified");

	for (int p = 0; p < N_PATHS && !failed; p++) {
		for (size_t i = 0; i < N_SIZES && !failed; i++) {
			unsigned int count = sizes[i].count / div ?
					     sizes[i].count / div : 1;
			size_t len = sizes[i].size;
			struct result res;
			char rx[32];
			int64_t t0 = now_ns();
			double secs;
			int err = 0;

			for (unsigned int seq = 0; seq < count && !err; seq++)
				err = send_one(ch, (enum path)p, heapbuf, len,
					       seed_of((enum path)p, i, seq));
			if (err) {
				fprintf(stderr, "fastipc-demo: send %s %s: "
					"%s\n", sizes[i].label, path_names[p],
					strerr(err));
				failed = true;
				break;
			}
			if (read(results[0], &res, sizeof(res)) !=
			    sizeof(res)) {
				fprintf(stderr, "fastipc-demo: the receiver "
						"died\n");
				failed = true;
				break;
			}
			if (res.err)
				fprintf(stderr, "fastipc-demo: receive %s %s: "
					"%s\n", sizes[i].label, path_names[p],
					strerr(res.err));

			secs = (double)(res.end_ns - t0) / 1e9;
			if (res.mapped == 0)
				snprintf(rx, sizeof(rx), "copied");
			else if (res.mapped == res.received)
				snprintf(rx, sizeof(rx), "mapped");
			else
				snprintf(rx, sizeof(rx), "%u mapped",
					 res.mapped);
			printf("%8s  %-9s  %8u  %9.1f  %-12s  %s\n",
			       sizes[i].label, path_names[p], count,
			       secs > 0 ? (double)len * count / secs / 1e6 : 0,
			       rx, res.verified == count ? "yes" : "NO");
			fflush(stdout);

			total += count;
			good += res.verified;
			if (res.err || res.verified != count)
				failed = true;
		}
	}

	fastipc_close(ch);
	free(heapbuf);
	if (failed && child_alive())
		kill(child, SIGTERM);
	if (!child_reaped && waitpid(child, &child_status, 0) == child)
		child_reaped = true;
	if (!child_reaped || !WIFEXITED(child_status) ||
	    WEXITSTATUS(child_status) != 0) {
		fprintf(stderr, "fastipc-demo: the receiver failed\n");
		failed = true;
	}

	if (fastipc_stats(&st) == 0)
		printf("\nmodule: %llu pages held, %llu channels after the "
		       "run\n", (unsigned long long)st.pages_held,
		       (unsigned long long)st.channels);
	if (failed || good != total) {
		printf("FAILED: %u of %u messages verified\n", good, total);
		return 1;
	}
	printf("all %u messages verified\n", total);
	return 0;
}

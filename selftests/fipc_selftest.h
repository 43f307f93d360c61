/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the fastipc selftests: thin wrappers around the raw
 * ioctls of kmod/uapi/fastipc.h (the tests exercise the kernel interface,
 * not libfastipc), unique channel names, data patterns and a main() that
 * skips cleanly when /dev/fastipc does not exist.
 *
 * Every wrapper returns 0 (or a file descriptor) on success and -errno on
 * failure, so a test can write ASSERT_EQ(-EAGAIN, fipc_send(...)).
 */
#ifndef FIPC_SELFTEST_H
#define FIPC_SELFTEST_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kmod/uapi/fastipc.h"
#include "fipc_harness.h"

/* Documented module defaults (Documentation/uapi.md), used when sysfs is not readable. */
#define FIPC_DEF_MAX_MSGS	256
#define FIPC_DEF_MAX_BYTES	(64ULL << 20)
#define FIPC_DEF_MAX_MSG_SIZE	(64ULL << 20)
#define FIPC_DEF_ZC_THRESHOLD	(16ULL << 10)
#define FIPC_DEF_MAX_MSGS_LIMIT	65536
#define FIPC_DEF_MAX_BYTES_LIMIT (1ULL << 30)

#define FIPC_MS			1000000LL	/* nanoseconds */

/* A channel name unique to this process and call: "kst-<tag>-<pid>-<n>". */
static inline void fipc_name(char *buf, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, FASTIPC_NAME_LEN, "kst-%s-%d-%u", tag, (int)getpid(),
		 counter++);
}

/* Copy a name into a 64-byte field: NUL-padded, not terminated if 64 long. */
static inline void fipc_set_name(char *field, const char *name)
{
	size_t n = strnlen(name, FASTIPC_NAME_LEN);

	memset(field, 0, FASTIPC_NAME_LEN);
	memcpy(field, name, n);
}

static inline int fipc_dev(void)
{
	int fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int fipc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* FASTIPC_IOC_OPEN on an already open file; @attr may be NULL. */
static inline int fipc_bind(int fd, const char *name, uint32_t flags,
			    uint32_t mode, struct fastipc_attr *attr)
{
	struct fastipc_open op = { .flags = flags, .mode = mode };
	int err;

	fipc_set_name(op.name, name);
	if (attr)
		op.attr = *attr;
	err = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
	if (!err && attr)
		*attr = op.attr;
	return err;
}

/* Open the device and bind it: a handle fd, or -errno. */
static inline int fipc_open(const char *name, uint32_t flags, uint32_t mode,
			    struct fastipc_attr *attr)
{
	int fd = fipc_dev(), err;

	if (fd < 0)
		return fd;
	err = fipc_bind(fd, name, flags, mode, attr);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * FASTIPC_IOC_OPEN with every field a caller may set, topics' included:
 * a handle fd, or -errno.  @attr (may be NULL) is not written back.
 */
static inline int fipc_open_ex(const char *name, uint32_t flags,
			       uint32_t mode, uint32_t topic_flags,
			       uint32_t history,
			       const struct fastipc_attr *attr)
{
	struct fastipc_open op = {
		.flags = flags,
		.mode = mode,
		.topic_flags = topic_flags,
		.history = history,
	};
	int fd = fipc_dev(), err;

	if (fd < 0)
		return fd;
	fipc_set_name(op.name, name);
	if (attr)
		op.attr = *attr;
	err = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Create a fresh channel (CREAT|EXCL, RDWR, 0600) with limits @attr. */
static inline int fipc_create(const char *name, struct fastipc_attr *attr)
{
	return fipc_open(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			 FASTIPC_O_EXCL, 0600, attr);
}

static inline int fipc_unlink(const char *name)
{
	struct fastipc_unlink ul = {};
	int fd = fipc_dev(), err;

	if (fd < 0)
		return fd;
	fipc_set_name(ul.name, name);
	err = fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &ul);
	close(fd);
	return err;
}

static inline int fipc_send(int fd, const void *buf, uint64_t len,
			    uint32_t prio, uint32_t flags, int64_t timeout_ns)
{
	struct fastipc_send sd = {
		.buf = (uintptr_t)buf,
		.len = len,
		.timeout_ns = timeout_ns,
		.prio = prio,
		.flags = flags,
	};

	return fipc_ioctl(fd, FASTIPC_IOC_SEND, &sd);
}

/*
 * Receive into @buf of *@len bytes; *@len gets the message length, *@prio
 * (if not NULL) its priority, *@msg_flags (if not NULL) the FASTIPC_MSG_*
 * flags: on success, and on EMSGSIZE, ENOSPC and ENXIO.
 */
static inline int fipc_recv_full(int fd, void *buf, uint64_t *len,
				 uint32_t *prio, uint32_t *msg_flags,
				 uint32_t flags, int64_t timeout_ns)
{
	struct fastipc_recv rv = {
		.buf = (uintptr_t)buf,
		.len = *len,
		.timeout_ns = timeout_ns,
		.flags = flags,
	};
	int err = fipc_ioctl(fd, FASTIPC_IOC_RECV, &rv);

	/* Also written back on the errors the caller can act on. */
	bool out = !err || err == -EMSGSIZE || err == -ENOSPC || err == -ENXIO;

	if (out)
		*len = rv.len;
	if (out && prio)
		*prio = rv.prio;
	if (out && msg_flags)
		*msg_flags = rv.msg_flags;
	return err;
}

static inline int fipc_recv(int fd, void *buf, uint64_t *len, uint32_t *prio,
			    uint32_t flags, int64_t timeout_ns)
{
	return fipc_recv_full(fd, buf, len, prio, NULL, flags, timeout_ns);
}

/* FASTIPC_IOC_RECV_VEC: the number of messages taken, or -errno. */
static inline int fipc_recv_vec(int fd, struct fastipc_rvec *ent,
				uint32_t count, uint32_t flags,
				int64_t timeout_ns)
{
	struct fastipc_recv_vec rv = {
		.vec = (uintptr_t)ent,
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};
	int err = fipc_ioctl(fd, FASTIPC_IOC_RECV_VEC, &rv);

	return err ? err : (int)rv.count;
}

/* FASTIPC_IOC_SET_BUSY_POLL: a fixed length, or with flags. */
static inline int fipc_busy_poll_flags(int fd, uint32_t usecs, uint32_t flags)
{
	struct fastipc_busy_poll bp = { .usecs = usecs, .flags = flags };

	return fipc_ioctl(fd, FASTIPC_IOC_SET_BUSY_POLL, &bp);
}

static inline int fipc_busy_poll(int fd, uint32_t usecs)
{
	return fipc_busy_poll_flags(fd, usecs, 0);
}

static inline int fipc_info(int fd, struct fastipc_info *info)
{
	memset(info, 0, sizeof(*info));
	return fipc_ioctl(fd, FASTIPC_IOC_INFO, info);
}

static inline int fipc_stats(struct fastipc_stats *st)
{
	int fd = fipc_dev(), err;

	if (fd < 0)
		return fd;
	memset(st, 0, sizeof(*st));
	err = fipc_ioctl(fd, FASTIPC_IOC_STATS, st);
	close(fd);
	return err;
}

/* A module parameter from sysfs, or @def if it cannot be read. */
static inline unsigned long long fipc_param(const char *name,
					    unsigned long long def)
{
	char path[128];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/fastipc/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return def;
	if (fscanf(f, "%llu", &v) != 1)
		v = def;
	fclose(f);
	return v;
}

/* Become @uid/@gid for good, no supplementary groups (in a child); 0 or -errno. */
static inline int fipc_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

static inline int64_t fipc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void fipc_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A byte pattern that differs with @seed and with the offset. */
static inline uint8_t fipc_pat(uint32_t seed, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9E3779B97F4A7C15ULL ^ seed * 0xBF58476D1CE4E5B9ULL;

	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 17) ^ (off >> 12));
}

static inline void fipc_fill(void *buf, uint64_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = fipc_pat(seed, i);
}

/* The offset of the first byte that does not match, or -1. */
static inline int64_t fipc_check(const void *buf, uint64_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != fipc_pat(seed, i))
			return (int64_t)i;
	return -1;
}

/*
 * In a child process forked by a test the harness's ASSERT_* must not be
 * used (they would unwind into the parent's copy of the harness): check,
 * and on failure say where and exit with 1..100 (from the line number).
 */
#define FIPC_CHILD_CHECK(cond) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "# child %d: %s:%d: check failed: %s (errno %d)\n", \
			(int)getpid(), __FILE__, __LINE__, #cond, errno); \
		_exit(1 + __LINE__ % 100);				\
	}								\
} while (0)

/* Pass @fd over the Unix socket @sock (SCM_RIGHTS): 0 or -errno. */
static inline int fipc_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -errno;
}

/* The descriptor fipc_send_fd() passed, or -1. */
static inline int fipc_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * The kernel refuses CLONE_NEWUSER to a chrooted task (current_chrooted()),
 * and the test VM runs everything chrooted into the host's root (over the
 * initramfs, which has /proc, /sys and /dev mounted too).  As root, leave
 * the chroot the classic way (chroot into a subfolder while the working
 * folder stays outside it, climb out, chroot there): the root is then the
 * mount namespace's own, and user namespaces are allowed.  Nothing to do
 * where we are not chrooted.
 */
static inline int fipc_unchroot(void)
{
	struct stat a, b;
	char dir[64];
	int fd, i;

	if (stat("/", &a) || stat("/proc/1/root/", &b))
		return -errno;
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/kst-ns-esc-%d", (int)getpid());
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (mkdir(dir, 0700) && errno != EEXIST) || chroot(dir) ||
	    fchdir(fd))
		return -errno;
	close(fd);
	for (i = 0; i < 64; i++)
		if (chdir(".."))
			return -errno;
	if (chroot("."))
		return -errno;
	return 0;
}

/* A child's exit status for "cannot test this here" (e.g. no privilege). */
#define FIPC_CHILD_SKIP		120

/* Wait for @pid: its exit status, or 128 + the signal that killed it. */
static inline int fipc_wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * main(): skip the whole file (KSFT_SKIP, before any plan is printed)
 * when the module is not loaded, else run the harness.
 */
#define FIPC_TEST_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		if (access(FASTIPC_DEVICE, F_OK)) {			\
			ksft_print_header();				\
			ksft_exit_skip("%s does not exist: the fastipc module is not loaded\n", \
				       FASTIPC_DEVICE);			\
		}							\
		return fipc_harness_run(argc, argv);			\
	}

#endif /* FIPC_SELFTEST_H */

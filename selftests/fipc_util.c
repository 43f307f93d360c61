// SPDX-License-Identifier: GPL-2.0
/*
 * fipc_util: a small helper for the shell tests (the .bats files in selftests).  It
 * talks to /dev/fastipc with the raw ioctls, so the tests do not depend on
 * the library or the CLI.  Not a test itself (its name does not end in
 * _test, so selftests/run.sh does not run it).
 *
 *   fipc_util stats [FIELD]   module-wide counters: "field value" lines,
 *                             or just the value of FIELD
 *   fipc_util create NAME [N] create NAME (if missing), queue N messages
 *                             (copy and page path alternately), close it;
 *                             prints the limits in force
 *   fipc_util exists NAME     exit 0 if NAME exists, 1 if not
 *   fipc_util unlink NAME
 *   fipc_util hold NAME       create NAME if needed, keep a handle open;
 *                             prints "ready", then waits to be killed
 *   fipc_util cycle N         N create/send/receive/unlink/close cycles,
 *                             in varied orders
 *   fipc_util subscribe NAME [N [COUNT]]
 *                             subscribe to topic NAME (a receive-only
 *                             handle), receive N messages (0 by default;
 *                             they must be there already: the history),
 *                             and open COUNT - 1 more subscribers that
 *                             receive nothing; print "ready PID", then
 *                             wait: on SIGUSR1 print the first one's own
 *                             view, "backlog B drops D received R"
 *                             (FASTIPC_IOC_INFO); SIGTERM ends it
 *
 * Exit status: 0 on success, 1 for "no" (exists), 2 on errors.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../kmod/uapi/fastipc.h"

static const char *prog = "fipc_util";

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	exit(2);
}

static int dev(void)
{
	int fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(FASTIPC_DEVICE, errno);
	return fd;
}

static void set_name(char *field, const char *name)
{
	if (strlen(name) > FASTIPC_NAME_MAX) {
		fprintf(stderr, "%s: name too long: %s\n", prog, name);
		exit(2);
	}
	memset(field, 0, FASTIPC_NAME_LEN);
	memcpy(field, name, strlen(name));
}

/* A handle on NAME, or -errno. */
static int open_chan(const char *name, uint32_t flags, struct fastipc_attr *attr)
{
	struct fastipc_open op = { .flags = flags, .mode = 0600 };
	int fd = dev();

	set_name(op.name, name);
	if (ioctl(fd, FASTIPC_IOC_OPEN, &op) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (attr)
		*attr = op.attr;
	return fd;
}

static int unlink_chan(const char *name)
{
	struct fastipc_unlink ul = {};
	int fd = dev(), err = 0;

	set_name(ul.name, name);
	if (ioctl(fd, FASTIPC_IOC_UNLINK, &ul) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void send_msg(int fd, uint64_t len, uint32_t flags)
{
	static uint8_t buf[256 * 1024];
	struct fastipc_send sd = {
		.buf = (uintptr_t)buf, .len = len, .timeout_ns = 5000000000LL,
		.flags = flags,
	};

	memset(buf, (int)(len & 0xff), len);
	if (ioctl(fd, FASTIPC_IOC_SEND, &sd) < 0)
		die("send", errno);
}

static void recv_msg(int fd)
{
	static uint8_t buf[256 * 1024];
	struct fastipc_recv rv = {
		.buf = (uintptr_t)buf, .len = sizeof(buf),
		.flags = FASTIPC_NONBLOCK, .timeout_ns = -1,
	};

	if (ioctl(fd, FASTIPC_IOC_RECV, &rv) < 0)
		die("recv", errno);
}

static int cmd_stats(const char *field)
{
	struct fastipc_stats st = {};
	int fd = dev();
	const struct { const char *name; uint64_t v; } *f, fields[] = {
		{ "pages_held", 0 }, { "bytes_queued", 0 }, { "channels", 0 },
		{ "handles", 0 }, { "copied_bytes", 0 }, { "mapped_pages", 0 },
		{ NULL, 0 },
	};
	uint64_t vals[6];
	int i;

	if (ioctl(fd, FASTIPC_IOC_STATS, &st) < 0)
		die("stats", errno);
	close(fd);
	vals[0] = st.pages_held;
	vals[1] = st.bytes_queued;
	vals[2] = st.channels;
	vals[3] = st.handles;
	vals[4] = st.copied_bytes;
	vals[5] = st.mapped_pages;
	for (f = fields, i = 0; f->name; f++, i++) {
		if (!field)
			printf("%s %llu\n", f->name, (unsigned long long)vals[i]);
		else if (!strcmp(field, f->name)) {
			printf("%llu\n", (unsigned long long)vals[i]);
			return 0;
		}
	}
	if (field) {
		fprintf(stderr, "%s: no counter %s\n", prog, field);
		return 2;
	}
	return 0;
}

static int cmd_create(const char *name, long n)
{
	struct fastipc_attr attr = {};
	int fd = open_chan(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT, &attr);
	long i;

	if (fd < 0)
		die(name, -fd);
	for (i = 0; i < n; i++)
		send_msg(fd, i % 2 ? 100 * 1024 : 100,
			 i % 2 ? FASTIPC_SEND_PAGES : FASTIPC_SEND_COPY);
	printf("max_msgs %u\nmax_bytes %llu\nmax_msg_size %llu\nzc_threshold %llu\n",
	       attr.max_msgs, (unsigned long long)attr.max_bytes,
	       (unsigned long long)attr.max_msg_size,
	       (unsigned long long)attr.zc_threshold);
	close(fd);
	return 0;
}

static int cmd_exists(const char *name)
{
	int fd = open_chan(name, FASTIPC_O_RECV, NULL);

	if (fd == -ENOENT)
		return 1;
	if (fd < 0)
		die(name, -fd);
	close(fd);
	return 0;
}

static int cmd_hold(const char *name)
{
	int fd = open_chan(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT, NULL);

	if (fd < 0)
		die(name, -fd);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int cmd_subscribe(const char *name, long n, long count)
{
	int fd = open_chan(name, FASTIPC_O_RECV | FASTIPC_O_TOPIC, NULL);
	struct fastipc_info info;
	sigset_t set;
	long i;
	int sig;

	if (fd < 0)
		die(name, -fd);
	for (i = 0; i < n; i++)
		recv_msg(fd);
	for (i = 1; i < count; i++) {
		int more = open_chan(name, FASTIPC_O_RECV | FASTIPC_O_TOPIC,
				     NULL);

		if (more < 0)
			die(name, -more);
	}
	/* Signals are taken one at a time, by sigwait() below. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!sigwait(&set, &sig) && sig == SIGUSR1) {
		memset(&info, 0, sizeof(info));
		if (ioctl(fd, FASTIPC_IOC_INFO, &info) < 0)
			die("info", errno);
		printf("backlog %llu drops %llu received %llu\n",
		       (unsigned long long)info.sub_backlog,
		       (unsigned long long)info.sub_drops,
		       (unsigned long long)info.sub_received);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

static int cmd_cycle(long n)
{
	char name[FASTIPC_NAME_LEN];
	long i;

	for (i = 0; i < n; i++) {
		int a, b, err;

		snprintf(name, sizeof(name), "kst-cycle-%d-%ld", (int)getpid(), i);
		a = open_chan(name, FASTIPC_O_RDWR | FASTIPC_O_CREAT |
			      FASTIPC_O_EXCL, NULL);
		if (a < 0)
			die(name, -a);
		b = open_chan(name, FASTIPC_O_RDWR, NULL);
		if (b < 0)
			die(name, -b);
		send_msg(a, 100, FASTIPC_SEND_COPY);
		send_msg(a, 100 * 1024, FASTIPC_SEND_PAGES);
		send_msg(b, 5000, FASTIPC_SEND_PAGES);
		send_msg(b, 0, 0);
		recv_msg(b);
		switch (i % 3) {
		case 0:		/* unlink while open, messages still queued */
			err = unlink_chan(name);
			close(a);
			close(b);
			break;
		case 1:		/* closed first: queued messages go with the unlink */
			close(a);
			close(b);
			err = unlink_chan(name);
			break;
		default:	/* drained, then unlinked between the closes */
			recv_msg(a);
			recv_msg(a);
			recv_msg(b);
			close(a);
			err = unlink_chan(name);
			close(b);
			break;
		}
		if (err)
			die("unlink", -err);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s stats [FIELD] | create NAME [N] | exists NAME | "
		"unlink NAME | hold NAME | cycle N | subscribe NAME [N [COUNT]]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "stats") && argc <= 3)
		return cmd_stats(argc == 3 ? argv[2] : NULL);
	if (!strcmp(cmd, "create") && (argc == 3 || argc == 4))
		return cmd_create(argv[2], argc == 4 ? atol(argv[3]) : 0);
	if (!strcmp(cmd, "exists") && argc == 3)
		return cmd_exists(argv[2]);
	if (!strcmp(cmd, "unlink") && argc == 3) {
		int err = unlink_chan(argv[2]);

		if (err)
			die(argv[2], -err);
		return 0;
	}
	if (!strcmp(cmd, "hold") && argc == 3)
		return cmd_hold(argv[2]);
	if (!strcmp(cmd, "subscribe") && argc >= 3 && argc <= 5)
		return cmd_subscribe(argv[2], argc >= 4 ? atol(argv[3]) : 0,
				     argc == 5 ? atol(argv[4]) : 1);
	if (!strcmp(cmd, "cycle") && argc == 3)
		return cmd_cycle(atol(argv[2]));
	usage();
	return 2;
}

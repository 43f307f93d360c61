/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the hardening tests (faultinject_test, adversarial_test,
 * race_test, ns_test, fuzz_test, stress_test): module parameters that are
 * saved and restored, STATS baselines, the zero-copy window, credentials,
 * a minimal raw generic netlink client, and loading/unloading the module.
 * Everything returns 0 (or a value) on success and -errno on failure, like
 * fipc_selftest.h, which this builds on.
 */
#ifndef ADV_UTIL_H
#define ADV_UTIL_H

#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fipc_selftest.h"

#define ADV_PAGE	((size_t)sysconf(_SC_PAGESIZE))
#define ADV_PARAMS	"/sys/module/fastipc/parameters/"

/* ---- module parameters ---------------------------------------------------- */

struct adv_param {
	char name[40];
	unsigned long long orig;
	bool saved;
};

static inline int adv_param_write(const char *name, unsigned long long v)
{
	char path[192], buf[32];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), ADV_PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%llu\n", v);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static inline int adv_param_read(const char *name, unsigned long long *v)
{
	char path[192];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), ADV_PARAMS "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%llu", v) != 1)
		err = -EINVAL;
	fclose(f);
	return err;
}

/* Remember @name's value (once) and set it to @v. */
static inline int adv_param_set(struct adv_param *p, const char *name,
				unsigned long long v)
{
	int err;

	if (!p->saved) {
		err = adv_param_read(name, &p->orig);
		if (err)
			return err;
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->saved = true;
	}
	return adv_param_write(name, v);
}

static inline int adv_param_restore(struct adv_param *p)
{
	int err = 0;

	if (p->saved)
		err = adv_param_write(p->name, p->orig);
	p->saved = false;
	return err;
}

/* ---- module-wide counters ---------------------------------------------------- */

static inline struct fastipc_stats adv_stats(void)
{
	struct fastipc_stats st;

	if (fipc_stats(&st))
		memset(&st, 0xff, sizeof(st));	/* matches no expectation */
	return st;
}

/*
 * Does @now hold what @base held: no channel, handle, page (in use or
 * pooled for recycling) or byte more?
 */
static inline bool adv_stats_same(const struct fastipc_stats *base,
				  const struct fastipc_stats *now)
{
	return now->channels == base->channels &&
	       now->handles == base->handles &&
	       now->pages_held == base->pages_held &&
	       now->pages_pooled == base->pages_pooled &&
	       now->bytes_queued == base->bytes_queued;
}

/*
 * Wait up to @ms for the counters to return to @base (releases that run
 * from a workqueue, such as a network namespace's, take a moment); the
 * last value read is left in *@now.
 */
static inline bool adv_stats_settle(const struct fastipc_stats *base,
				    struct fastipc_stats *now, int ms)
{
	int64_t end = fipc_now_ns() + (int64_t)ms * FIPC_MS;

	for (;;) {
		*now = adv_stats();
		if (adv_stats_same(base, now) || fipc_now_ns() > end)
			return adv_stats_same(base, now);
		fipc_sleep_ms(20);
	}
}

#define ADV_STATS_FMT "channels %llu handles %llu pages_held %llu pages_pooled %llu bytes_queued %llu"
#define ADV_STATS_ARGS(s) (unsigned long long)(s).channels,		\
	(unsigned long long)(s).handles, (unsigned long long)(s).pages_held, \
	(unsigned long long)(s).pages_pooled, (unsigned long long)(s).bytes_queued

/* ---- handles, the window and buffers --------------------------------------------- */

static inline struct fastipc_info adv_info(int fd)
{
	struct fastipc_info info;

	if (fipc_info(fd, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

static inline void *adv_win(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int adv_buf_alloc_flags(int fd, uint64_t len, uint32_t flags,
				      uint64_t *addr)
{
	struct fastipc_buf bf = { .len = len, .flags = flags };
	int err = fipc_ioctl(fd, FASTIPC_IOC_BUF_ALLOC, &bf);

	if (!err && addr)
		*addr = bf.addr;
	return err;
}

static inline int adv_buf_alloc(int fd, uint64_t len, uint64_t *addr)
{
	return adv_buf_alloc_flags(fd, len, 0, addr);
}

/*
 * Fill the page allocator's free lists with pages that say @marker: a
 * child writes it over @mb MiB and exits.  A page fastipc hands out
 * without zeroing it first then shows whose data it leaked.
 */
static inline int adv_spray_free_pages(size_t mb, const char marker[8])
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		size_t len = mb << 20, i;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		for (i = 0; i < len; i += 8)
			memcpy(p + i, marker, 8);
		_exit(0);
	}
	return fipc_wait_child(pid) ? -EIO : 0;
}

/* The first 32 non-zero bytes at @p, as hex and text, for a log line. */
static inline const char *adv_first_foreign(const void *p, uint64_t len)
{
	static char out[200];
	const unsigned char *c = p;
	uint64_t i = 0, j;
	int n;

	while (i < len && !c[i])
		i++;
	if (i == len)
		return "(none)";
	n = snprintf(out, sizeof(out), "at +%#llx:", (unsigned long long)i);
	for (j = i & ~7ULL; j < len && j < (i & ~7ULL) + 24 && n < 150; j++)
		n += snprintf(out + n, sizeof(out) - n, " %02x", c[j]);
	n += snprintf(out + n, sizeof(out) - n, " |");
	for (j = i & ~7ULL; j < len && j < (i & ~7ULL) + 24 && n < 190; j++)
		n += snprintf(out + n, sizeof(out) - n, "%c",
			      c[j] >= 32 && c[j] < 127 ? c[j] : '.');
	snprintf(out + n, sizeof(out) - n, "|");
	return out;
}

/* Bytes in @len at @p that are not zero; *@marked: 8-byte words = @marker. */
static inline uint64_t adv_foreign_bytes(const void *p, uint64_t len,
					 const char marker[8], uint64_t *marked)
{
	const unsigned char *c = p;
	uint64_t i, n = 0;

	*marked = 0;
	for (i = 0; i < len; i++) {
		if (!c[i])
			continue;
		n++;
		if (i % 8 == 0 && i + 8 <= len && !memcmp(c + i, marker, 8))
			(*marked)++;
	}
	return n;
}

static inline int adv_buf_free(int fd, uint64_t addr)
{
	struct fastipc_buf bf = { .addr = addr };

	return fipc_ioctl(fd, FASTIPC_IOC_BUF_FREE, &bf);
}

static inline int adv_send_buf(int fd, uint64_t addr, uint64_t len,
			       uint32_t flags)
{
	return fipc_send(fd, (void *)(uintptr_t)addr, len, 0,
			 FASTIPC_SEND_BUF | flags, -1);
}

/* RECV with FASTIPC_RECV_MAP | NONBLOCK; *rv gets the kernel's answer. */
static inline int adv_recv_map(int fd, void *buf, uint64_t len,
			       struct fastipc_recv *rv)
{
	memset(rv, 0, sizeof(*rv));
	rv->buf = (uintptr_t)buf;
	rv->len = len;
	rv->timeout_ns = -1;
	rv->flags = FASTIPC_RECV_MAP | FASTIPC_NONBLOCK;
	return fipc_ioctl(fd, FASTIPC_IOC_RECV, rv);
}

/* ---- the kernel under test -------------------------------------------------- */

/* The debug kernel (KASAN, kmemleak...) runs everything several times slower. */
static inline bool adv_debug_kernel(void)
{
	const char *e = getenv("FIPC_DEBUG_KERNEL");

	if (e)
		return *e == '1' || *e == 'y';
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

/* An environment override or the stock/debug default. */
static inline long adv_env_num(const char *name, long stock, long debug)
{
	const char *e = getenv(name);

	if (e && *e)
		return strtol(e, NULL, 0);
	return adv_debug_kernel() ? debug : stock;
}

/* ---- a minimal generic netlink client -------------------------------------------- */

struct adv_nl {
	int fd;
	uint16_t family;
	uint32_t events_grp;	/* the "events" multicast group, or 0 */
	uint32_t seq;
};

struct adv_nlreq {
	union {
		struct nlmsghdr nlh;
		uint32_t words[256];
	};
};

static inline void adv_nl_init(struct adv_nlreq *r, uint16_t type,
			       uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = 1;
}

static inline void adv_nl_put(struct adv_nlreq *r, uint16_t type,
			      const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)&r->nlh +
					     NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* The attribute @type of a genetlink message, or NULL. */
static inline const struct nlattr *adv_nl_attr(const struct nlmsghdr *nlh,
					       uint16_t type)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(nlh) +
						GENL_HDRLEN);
	long left = (long)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		left -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

static inline uint64_t adv_nla_uint(const struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32;

	if (a->nla_len - NLA_HDRLEN == 4) {
		memcpy(&v32, (const char *)a + NLA_HDRLEN, 4);
		return v32;
	}
	memcpy(&v64, (const char *)a + NLA_HDRLEN, 8);
	return v64;
}

static inline const char *adv_nla_str(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int adv_nl_send(struct adv_nl *nl, struct adv_nlreq *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	r->nlh.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, &r->nlh, r->nlh.nlmsg_len, 0,
		   (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/*
 * Read one datagram (waiting up to @ms) into @buf: its length, 0 when
 * nothing came, or -errno (a socket error such as ENOBUFS).
 */
static inline long adv_nl_read(struct adv_nl *nl, void *buf, size_t size,
			       int ms)
{
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recv(nl->fd, buf, size, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n;
}

typedef void (*adv_nl_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Read the answers to the last request until its ack, error or NLMSG_DONE;
 * @cb (may be NULL) sees each data message.  0, the request's -errno, or
 * -ETIMEDOUT when nothing more came within @ms.  Reads are of 4 KiB (the
 * kernel sizes dump parts after the largest read a socket has seen, so a
 * socket only ever read this way gets parts of at most 4 KiB); a larger
 * datagram is an error (-EMSGSIZE), never silently cut.
 */
static inline int adv_nl_answers(struct adv_nl *nl, adv_nl_cb cb, void *arg,
				 int ms)
{
	static __thread uint32_t buf[1024];
	const struct nlmsghdr *nlh;
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	long n;

	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return -ETIMEDOUT;
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -errno;
		if (n > (long)sizeof(buf))
			return -EMSGSIZE;
		if (n < 0)
			return (int)n;
		if (!n)
			return -ETIMEDOUT;
		for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned long)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != nl->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(nlh, arg);
		}
	}
}

static inline void adv_nl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = adv_nl_attr(nlh, CTRL_ATTR_FAMILY_ID);
	const struct nlattr *g = adv_nl_attr(nlh, CTRL_ATTR_MCAST_GROUPS);
	struct adv_nl *nl = arg;

	if (a)
		nl->family = (uint16_t)adv_nla_uint(a);
	if (!g)
		return;
	/* Nested: one nest per group, with its name and id. */
	const struct nlattr *grp = (const void *)((const char *)g + NLA_HDRLEN);
	long left = g->nla_len - NLA_HDRLEN;

	while (left >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN && grp->nla_len <= left) {
		const struct nlattr *x = (const void *)((const char *)grp + NLA_HDRLEN);
		long xl = grp->nla_len - NLA_HDRLEN;
		uint32_t id = 0;
		bool events = false;

		while (xl >= NLA_HDRLEN && x->nla_len >= NLA_HDRLEN && x->nla_len <= xl) {
			if ((x->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID)
				id = (uint32_t)adv_nla_uint(x);
			if ((x->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_NAME)
				events = !strcmp(adv_nla_str(x), FASTIPC_GENL_MCGRP_EVENTS);
			xl -= NLA_ALIGN(x->nla_len);
			x = (const void *)((const char *)x + NLA_ALIGN(x->nla_len));
		}
		if (events)
			nl->events_grp = id;
		left -= NLA_ALIGN(grp->nla_len);
		grp = (const void *)((const char *)grp + NLA_ALIGN(grp->nla_len));
	}
}

static inline void adv_nl_close(struct adv_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* Open a generic netlink socket and find the fastipc family. */
static inline int adv_nl_open(struct adv_nl *nl)
{
	struct adv_nlreq r;
	int err;

	nl->seq = 0;
	nl->family = 0;
	nl->events_grp = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	adv_nl_init(&r, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
	adv_nl_put(&r, CTRL_ATTR_FAMILY_NAME, FASTIPC_GENL_NAME,
		   sizeof(FASTIPC_GENL_NAME));
	err = adv_nl_send(nl, &r);
	if (!err)
		err = adv_nl_answers(nl, adv_nl_family_cb, nl, 5000);
	if (!err && !nl->family)
		err = -ENOENT;
	if (err)
		adv_nl_close(nl);
	return err;
}

/* A fastipc request: @cmd with an optional channel name. */
static inline void adv_nl_req(struct adv_nl *nl, struct adv_nlreq *r,
			      uint8_t cmd, uint16_t flags, const char *name)
{
	adv_nl_init(r, nl->family, flags, cmd);
	if (name)
		adv_nl_put(r, FASTIPC_A_CH_NAME, name, strlen(name) + 1);
}

/* ---- loading and unloading the module ----------------------------------------------- */

/* The module file to reload: $FASTIPC_KO, else fastipc.ko in the repository root. */
static inline const char *adv_ko_path(void)
{
	const char *e = getenv("FASTIPC_KO");

	return e && *e ? e : "fastipc.ko";
}

static inline bool adv_loaded(void)
{
	return !access("/sys/module/fastipc", F_OK);
}

/* The value of "@key=" in the .modinfo strings of the file at @path. */
static inline int adv_ko_info(const char *path, const char *key, char *out,
			      size_t size)
{
	size_t klen = strlen(key), n, i;
	struct stat st;
	char *map;
	int fd, err = -ENOENT;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !st.st_size) {
		close(fd);
		return -EINVAL;
	}
	n = st.st_size;
	map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	for (i = 0; i + klen + 1 < n; i++) {
		if ((i == 0 || map[i - 1] == '\0') && map[i + klen] == '=' &&
		    !memcmp(map + i, key, klen)) {
			snprintf(out, size, "%.*s", (int)strnlen(map + i + klen + 1,
					n - i - klen - 1), map + i + klen + 1);
			err = 0;
			break;
		}
	}
	munmap(map, n);
	return err;
}

/*
 * Can the module be reloaded from adv_ko_path(): the file is there, built
 * for the running kernel, and (when both say) the very module loaded now?
 * NULL if so, else why not.
 */
static inline const char *adv_ko_unusable(void)
{
	static char why[256];
	char vermagic[256], src[64], loaded[64] = "";
	struct utsname u;
	size_t rl;
	FILE *f;

	if (adv_ko_info(adv_ko_path(), "vermagic", vermagic, sizeof(vermagic))) {
		snprintf(why, sizeof(why), "%s is not a readable module (set FASTIPC_KO)",
			 adv_ko_path());
		return why;
	}
	uname(&u);
	rl = strlen(u.release);
	if (strncmp(vermagic, u.release, rl) || vermagic[rl] != ' ') {
		snprintf(why, sizeof(why), "%s is built for %.*s, not %s (set FASTIPC_KO)",
			 adv_ko_path(), (int)strcspn(vermagic, " "), vermagic,
			 u.release);
		return why;
	}
	f = fopen("/sys/module/fastipc/srcversion", "re");
	if (f) {
		if (!fgets(loaded, sizeof(loaded), f))
			loaded[0] = '\0';
		loaded[strcspn(loaded, "\n")] = '\0';
		fclose(f);
	}
	if (loaded[0] && !adv_ko_info(adv_ko_path(), "srcversion", src, sizeof(src)) &&
	    strcmp(src, loaded)) {
		snprintf(why, sizeof(why), "%s (srcversion %s) is not the loaded module (%s): set FASTIPC_KO",
			 adv_ko_path(), src, loaded);
		return why;
	}
	return NULL;
}

/* rmmod without waiting: 0 or -errno (EWOULDBLOCK/EBUSY while in use). */
static inline int adv_rmmod(void)
{
	return syscall(SYS_delete_module, "fastipc", O_NONBLOCK) ? -errno : 0;
}

static inline int adv_insmod(const char *params)
{
	int fd = open(adv_ko_path(), O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

/* Make sure the module is loaded again (after a test that unloads it). */
static inline int adv_ensure_loaded(void)
{
	int i;

	if (adv_loaded())
		return 0;
	if (adv_insmod(NULL) && !adv_loaded())
		return -ENOENT;
	for (i = 0; i < 200 && access(FASTIPC_DEVICE, F_OK); i++)
		fipc_sleep_ms(10);
	return access(FASTIPC_DEVICE, F_OK) ? -ENODEV : 0;
}

/* ---- misc ---------------------------------------------------------------------- */

/*
 * The tests' own "# ..." lines reach the log even though each test ends
 * with _exit() (which does not flush stdio): stdout is line-buffered.
 */
static void __attribute__((constructor, unused)) adv_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* A line in the kernel log, so that a report can be traced to a test. */
static inline void adv_kmsg(const char *prog, const char *test)
{
	char line[160];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "fastipc-selftests: %s: %s\n", prog, test);
	if (write(fd, line, n) < 0)
		n = 0;
	close(fd);
}

/* Touch @kb KiB of stack now, so later calls fault no page in. */
static void __attribute__((noinline, unused)) adv_prefault_stack(size_t kb)
{
	volatile char buf[kb * 1024];
	size_t i;

	for (i = 0; i < kb * 1024; i += 256)
		buf[i] = 0;
	(void)buf[0];
}

/* Simple seeded PRNG (xorshift64*), one state per user. */
static inline uint64_t adv_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* The state of process @pid ('R', 'S', 'D', 'Z'...), or 0. */
static inline char adv_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

#endif /* ADV_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc selftest: the long loops of issue 4 section 5.
 *
 *  - load_unload_cycles: 1,000 rmmod/insmod cycles (delete_module and
 *    finit_module, no exec per cycle), some with named channels and
 *    queued page messages for the unload to tear down, some with
 *    parameters at load; the module's memory must come back (slab and
 *    vmalloc totals within a small margin, kmemleak on the debug kernel
 *    through run.sh's final scan).
 *  - create_unlink_cycles: 100,000 create/close/unlink cycles in a tight
 *    loop, every tenth with a copied message and every hundredth with a
 *    page message; STATS exactly at the baseline after, unreclaimable
 *    slab within a small margin, and on the debug kernel a kmemleak scan
 *    that must find nothing of fastipc's.
 *
 * Both are several times slower under the debug kernel: there the counts
 * are 100 and 10,000 (FIPC_LOAD_CYCLES and FIPC_CREATE_CYCLES override,
 * and the test says which it ran).  The module is reloaded from
 * $FASTIPC_KO (default fastipc.ko in the repository root, the file
 * make check loads); the unload test skips when that file is missing, is
 * not built for the running kernel, or is not the module loaded now.
 * Runs as root in the test VM.
 */
#include "adv_util.h"

#define PG	ADV_PAGE

/* A /proc/meminfo field, in KiB, or -1. */
static long meminfo(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd >= 0) {
		/* Best effort: only to make the totals less noisy. */
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

/* Leave a named channel with a copy and a page message behind. */
static int leave_channel(const char *name)
{
	static char buf[3 * 4096];
	int fd = fipc_create(name, NULL), err;

	if (fd < 0)
		return fd;
	err = fipc_send(fd, buf, 100, 0, FASTIPC_SEND_COPY, -1);
	if (!err)
		err = fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1);
	close(fd);
	return err;
}

FIXTURE(stress) {
	bool skip;
};

FIXTURE_SETUP(stress)
{
	adv_kmsg("stress_test", _metadata->name);
	self->skip = geteuid() != 0;
	if (self->skip)
		SKIP(return, "needs root");
}

FIXTURE_TEARDOWN(stress)
{
	if (!self->skip)
		EXPECT_EQ(0, adv_ensure_loaded()) TH_LOG("the module is not loaded at the end");
}

TEST_F_TIMEOUT(stress, load_unload_cycles, 600)
{
	long cycles = adv_env_num("FIPC_LOAD_CYCLES", 1000, 100);
	long slab0, slab1, vm0, vm1;
	char name[FASTIPC_NAME_LEN];
	unsigned long long v;
	const char *why;
	int64_t t0;
	long i;
	int err;

	if (self->skip)
		return;
	why = adv_ko_unusable();
	if (why)
		SKIP(return, "%s", why);
	printf("# %ld load/unload cycles of %s%s\n", cycles, adv_ko_path(),
	       adv_debug_kernel() ? " (scaled down on the debug kernel)" : "");
	fflush(stdout);

	/* A first cycle, then the baseline: the first load warms caches. */
	ASSERT_EQ(0, adv_rmmod()) TH_LOG("something holds the module");
	ASSERT_EQ(0, adv_insmod(NULL));
	drop_caches();
	slab0 = meminfo("Slab");
	vm0 = meminfo("VmallocUsed");
	t0 = fipc_now_ns();
	for (i = 0; i < cycles; i++) {
		if (i % 10 == 3) {
			fipc_name(name, "load");
			ASSERT_EQ(0, leave_channel(name)) TH_LOG("cycle %ld", i);
		}
		err = adv_rmmod();
		if (err == -EWOULDBLOCK || err == -EBUSY) {
			/* A released file may still be on its way out: retry. */
			fipc_sleep_ms(10);
			err = adv_rmmod();
		}
		ASSERT_EQ(0, err) TH_LOG("rmmod in cycle %ld: %s", i, strerror(-err));
		ASSERT_FALSE(adv_loaded());
		err = adv_insmod(i % 50 == 7 ? "max_channels=77 zc_threshold=8192" : NULL);
		ASSERT_EQ(0, err) TH_LOG("insmod in cycle %ld: %s", i, strerror(-err));
		if (i % 50 == 7) {
			ASSERT_EQ(0, adv_param_read("max_channels", &v));
			ASSERT_EQ(77, v);
		}
		if (i % 10 == 3) {
			/* A fresh module: the old one's channel is gone. */
			ASSERT_EQ(0, access(FASTIPC_DEVICE, F_OK));
			ASSERT_EQ(-ENOENT, fipc_open(name, FASTIPC_O_RDWR, 0, NULL));
			ASSERT_EQ(0, adv_stats().channels);
		}
	}
	/* Leave it with its defaults. */
	ASSERT_EQ(0, adv_rmmod());
	ASSERT_EQ(0, adv_insmod(NULL));
	drop_caches();
	slab1 = meminfo("Slab");
	vm1 = meminfo("VmallocUsed");
	printf("# %ld cycles in %.1f s; Slab %ld -> %ld KiB, VmallocUsed %ld -> %ld KiB\n",
	       cycles, (fipc_now_ns() - t0) / 1e9, slab0, slab1, vm0, vm1);
	/* A leak of 4 KiB per cycle would show as megabytes. */
	EXPECT_GT(slab0 + 2048 + cycles, slab1) TH_LOG("slab grew over the cycles");
	EXPECT_GT(vm0 + 2048 + cycles, vm1) TH_LOG("vmalloc grew over the cycles");
	ASSERT_EQ(0, adv_stats().channels);
	ASSERT_EQ(0, adv_stats().pages_held);
}

/* Objects kmemleak suspects that fastipc allocated: their count. */
static int kmemleak_fastipc(void)
{
	char line[512];
	int fd, n = 0;
	FILE *f;

	fd = open("/sys/kernel/debug/kmemleak", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "scan", 4) != 4) {
		close(fd);
		return -1;
	}
	close(fd);
	f = fopen("/sys/kernel/debug/kmemleak", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[fastipc]")) {
			if (n++ < 10)
				printf("# kmemleak: %s", line);
		}
	}
	fclose(f);
	return n;
}

TEST_F_TIMEOUT(stress, create_unlink_cycles, 600)
{
	long cycles = adv_env_num("FIPC_CREATE_CYCLES", 100000, 10000);
	struct fastipc_stats base, now;
	struct fastipc_unlink ul = {};
	struct fastipc_open op = {};
	static char buf[2 * 4096];
	char name[FASTIPC_NAME_LEN];
	long sun0, sun1, i;
	int ctl, fd, err;
	int64_t t0;

	if (self->skip)
		return;
	printf("# %ld create/unlink cycles%s\n", cycles,
	       adv_debug_kernel() ? " (scaled down on the debug kernel)" : "");
	fflush(stdout);
	ctl = fipc_dev();
	ASSERT_LE(0, ctl);
	fipc_name(name, "cyc");
	fipc_set_name(op.name, name);
	fipc_set_name(ul.name, name);
	/* Warm up the caches the loop uses, then take the baseline. */
	for (i = 0; i < 100; i++) {
		fd = fipc_create(name, NULL);
		ASSERT_LE(0, fd);
		close(fd);
		ASSERT_EQ(0, fipc_ioctl(ctl, FASTIPC_IOC_UNLINK, &ul));
	}
	drop_caches();
	base = adv_stats();
	sun0 = meminfo("SUnreclaim");
	t0 = fipc_now_ns();
	for (i = 0; i < cycles; i++) {
		fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		op.flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL;
		op.mode = 0600;
		memset(&op.attr, 0, sizeof(op.attr));
		err = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
		ASSERT_EQ(0, err) TH_LOG("cycle %ld: %s", i, strerror(-err));
		if (i % 10 == 0)
			ASSERT_EQ(0, fipc_send(fd, buf, 100, 0, FASTIPC_SEND_COPY, -1));
		if (i % 100 == 0)
			ASSERT_EQ(0, fipc_send(fd, buf, sizeof(buf), 0, FASTIPC_SEND_PAGES, -1));
		/* Alternate: unlink first (the close frees), or close first. */
		if (i & 1) {
			ASSERT_EQ(0, fipc_ioctl(ctl, FASTIPC_IOC_UNLINK, &ul));
			close(fd);
		} else {
			close(fd);
			ASSERT_EQ(0, fipc_ioctl(ctl, FASTIPC_IOC_UNLINK, &ul));
		}
	}
	now = adv_stats();
	drop_caches();
	sun1 = meminfo("SUnreclaim");
	printf("# %ld cycles in %.1f s; SUnreclaim %ld -> %ld KiB\n", cycles,
	       (fipc_now_ns() - t0) / 1e9, sun0, sun1);
	ASSERT_TRUE(adv_stats_same(&base, &now))
		TH_LOG("after: " ADV_STATS_FMT ", before: " ADV_STATS_FMT,
		       ADV_STATS_ARGS(now), ADV_STATS_ARGS(base));
	/* 100,000 cycles leaking 32 bytes each would be 3 MiB. */
	EXPECT_GT(sun0 + 2048, sun1) TH_LOG("unreclaimable slab grew by %ld KiB", sun1 - sun0);
	close(ctl);

	if (adv_debug_kernel() && !access("/sys/kernel/debug/kmemleak", W_OK)) {
		/* kmemleak reports objects older than 5 s only. */
		fipc_sleep_ms(5500);
		err = kmemleak_fastipc();
		EXPECT_EQ(0, err) TH_LOG("kmemleak suspects %d objects of fastipc's", err);
	}
}

FIPC_TEST_MAIN

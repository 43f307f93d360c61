// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench --calibrate: where zero-copy starts to pay on this
 * machine, and the module-wide threshold set to it.
 *
 * fastipc-copy and fastipc-zc one-way throughput is measured at 4 KiB to
 * 4 MiB (powers of two, separate CPUs).  The crossover is the smallest
 * size from which zero-copy is at least as fast as copying at every
 * larger measured size.  Automatic mode (fastipc_msg_alloc) and plain
 * sends choose by the channel's zc_threshold, which new channels take
 * from the module parameter zc_threshold; so that is what is set:
 *
 *  1. /sys/module/fastipc/parameters/zc_threshold (root), else
 *  2. the netlink control interface, `fastipc config zc_threshold N`
 *     (CAP_NET_ADMIN), when this fastipc binary has that command, else
 *  3. nothing: the command to run is printed, and this run's own channels
 *     get the calibrated threshold.
 *
 * It applies to channels created afterwards; existing ones keep theirs
 * (`fastipc` channel commands or fastipc_set_attr() change those).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define ZC_PARAM	"/sys/module/fastipc/parameters/zc_threshold"

static int write_param(unsigned long v)
{
	char buf[32];
	int fd = open(ZC_PARAM, O_WRONLY | O_CLOEXEC), n, err = 0;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lu", v);
	if (write(fd, buf, (size_t)n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* `fastipc config zc_threshold N` through this very binary. */
static int try_netlink(unsigned long v)
{
	char arg[32];
	pid_t pid;
	int st;

	snprintf(arg, sizeof(arg), "%lu", v);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl("/proc/self/exe", "fastipc", "config", "zc_threshold",
		      arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -ECHILD;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ENOSYS;
}

static double measure(struct run *r, const struct mech *m, size_t size)
{
	struct cell c = {
		.wl = WL_THROUGHPUT,
		.pl = PL_SEPARATE,
		.mech = m,
		.size = size,
		.nsenders = 1,
		.depth = bench_depth(size),
		.poll = r->poll,
	};
	char label[32];
	bool failed = r->failed;

	progress(r, "calibrate: %s %s", m->name,
		 fmt_size(size, label, sizeof(label)));
	run_cell(r, &c);
	r->failed = failed;	/* calibration errors are reported below */
	return c.status == CELL_OK ? c.mps : 0;
}

void calibrate(struct run *r)
{
	struct calibration *cal = &r->cal;
	int i, err;

	memset(cal, 0, sizeof(*cal));
	for (size_t s = 4 * KiB; s <= 4 * MiB; s *= 2) {
		i = cal->n++;
		cal->sizes[i] = s;
		cal->copy_mps[i] = measure(r, &mech_fastipc_copy, s);
		cal->zc_mps[i] = measure(r, &mech_fastipc_zc, s);
	}
	cal->done = true;
	cal->old_threshold = limit_read_ul(ZC_PARAM);

	/* The smallest size from which zero-copy never loses. */
	for (i = cal->n - 1; i >= 0; i--) {
		if (!cal->zc_mps[i] || !cal->copy_mps[i] ||
		    cal->zc_mps[i] < cal->copy_mps[i])
			break;
		cal->crossover = cal->sizes[i];
	}
	if (!cal->crossover) {
		snprintf(cal->how, sizeof(cal->how), "zero-copy was not "
			 "faster than copying up to 4 MiB: zc_threshold left "
			 "at %lu", cal->old_threshold);
		return;
	}

	err = write_param(cal->crossover);
	if (!err) {
		cal->set = true;
		snprintf(cal->how, sizeof(cal->how), "zc_threshold %lu -> %zu "
			 "(written to %s; new channels take it)",
			 cal->old_threshold, cal->crossover, ZC_PARAM);
		return;
	}
	if (try_netlink(cal->crossover) == 0) {
		cal->set = true;
		snprintf(cal->how, sizeof(cal->how), "zc_threshold %lu -> %zu "
			 "(fastipc config zc_threshold %zu, netlink; new "
			 "channels take it)", cal->old_threshold,
			 cal->crossover, cal->crossover);
		return;
	}
	bench_zc_threshold = cal->crossover;
	snprintf(cal->how, sizeof(cal->how), "could not set it (%s): run "
		 "'echo %zu > %s' as root, or 'fastipc config zc_threshold "
		 "%zu'; this run's channels use %zu", strerror(-err),
		 cal->crossover, ZC_PARAM, cal->crossover, cal->crossover);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: what machine the numbers come from.
 *
 * CPU model from /proc/cpuinfo, kernel from uname(2), memory from
 * /proc/meminfo, and whether it is a virtual machine: the CPUID
 * "hypervisor" bit and the hypervisor's signature (leaf 0x40000000):
 * "KVMKVMKVM" is hardware virtualisation, QEMU's "TCGTCGTCGTCG" is
 * software emulation; without a signature, DMI (/sys/class/dmi/id) tells
 * QEMU without KVM (emulation as well) from other vendors.  Also what
 * decides how fast copies are: the CPU flags ERMS, FSRM (rep movsb) and
 * the kernel's rep_good, QEMU's -cpu when tools/vm/run says it
 * ($VM_CPU), and whether the kernel zeroes every allocation
 * (init_on_alloc, from its command line or its build default).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "bench.h"

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || (strncmp(line, "model name", 10) &&
			       strncmp(line, "Processor", 9) &&
			       strncmp(line, "cpu model", 9)))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* Whether /proc/cpuinfo's first "flags" line has the word @flag. */
static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void cpu_flags(struct sysinfo *s)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	static char line[8192];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) || !strchr(line, ':'))
			continue;
		s->flags_read = true;
		s->erms = has_flag(line, "erms");
		s->fsrm = has_flag(line, "fsrm");
		s->rep_good = has_flag(line, "rep_good");
		break;
	}
	fclose(f);
}

/* init_on_alloc: the command line's, else the kernel's build default. */
static void init_on_alloc(struct sysinfo *s, const char *release)
{
	char line[4096], path[300];
	const char *p;
	FILE *f;

	s->init_on_alloc = -1;
	read_line("/proc/cmdline", line, sizeof(line));
	p = strstr(line, "init_on_alloc=");
	if (p && (p == line || p[-1] == ' ')) {
		p += strlen("init_on_alloc=");
		s->init_on_alloc = *p == '1' || *p == 'y' || *p == 'Y' ||
				   strncmp(p, "on", 2) == 0;
		snprintf(s->init_on_alloc_from, sizeof(s->init_on_alloc_from),
			 "the kernel command line");
		return;
	}
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	f = fopen(path, "re");
	if (!f)
		return;
	s->init_on_alloc = 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y", 33) == 0)
			s->init_on_alloc = 1;
	fclose(f);
	snprintf(s->init_on_alloc_from, sizeof(s->init_on_alloc_from),
		 "the kernel's default (CONFIG_INIT_ON_ALLOC_DEFAULT_ON)");
}

static unsigned long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	size_t klen = strlen(key);
	unsigned long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoul(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void virt(struct sysinfo *s)
{
	char vendor[64], product[64], sig[13] = "";
	bool hv = false;

#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d))
		hv = c & (1U << 31);
	if (hv) {
		__cpuid(0x40000000, a, b, c, d);
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
	}
#endif
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_line("/sys/class/dmi/id/product_name", product, sizeof(product));

	s->virtualized = hv;
	if (!hv && !strstr(vendor, "QEMU")) {
		snprintf(s->virt, sizeof(s->virt), "bare metal");
		return;
	}
	s->virtualized = true;
	if (strncmp(sig, "KVMKVMKVM", 9) == 0) {
		snprintf(s->virt, sizeof(s->virt), "KVM guest (%s)",
			 vendor[0] ? vendor : "hardware virtualisation");
	} else if (strcmp(sig, "TCGTCGTCGTCG") == 0) {
		snprintf(s->virt, sizeof(s->virt),
			 "QEMU TCG: software emulation");
		s->emulated = true;
	} else if (sig[0]) {
		snprintf(s->virt, sizeof(s->virt), "virtual machine (%s%s%s)",
			 sig, vendor[0] ? ", " : "", vendor);
	} else if (strstr(vendor, "QEMU")) {
		/* QEMU without KVM's signature: TCG. */
		snprintf(s->virt, sizeof(s->virt),
			 "QEMU without KVM: software emulation");
		s->emulated = true;
	} else {
		snprintf(s->virt, sizeof(s->virt), "virtual machine (%s)",
			 vendor[0] ? vendor : "unknown hypervisor");
	}
}

void sysinfo_read(struct sysinfo *s)
{
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	memset(s, 0, sizeof(*s));
	cpu_model(s->cpu_model, sizeof(s->cpu_model));
	cpu_flags(s);
	snprintf(s->vm_cpu, sizeof(s->vm_cpu), "%s",
		 getenv("VM_CPU") ? getenv("VM_CPU") : "");
	s->cpus_online = online_cpus();
	s->init_on_alloc = -1;
	if (uname(&u) == 0) {
		snprintf(s->kernel, sizeof(s->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
		snprintf(s->hostname, sizeof(s->hostname), "%s", u.nodename);
		init_on_alloc(s, u.release);
	}
	virt(s);
	gmtime_r(&t, &tm);
	strftime(s->date, sizeof(s->date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	s->mem_total_kb = meminfo("MemTotal");
	s->mem_avail_kb = meminfo("MemAvailable");
	read_line("/sys/module/fastipc/version", s->fastipc_version,
		  sizeof(s->fastipc_version));
	s->zc_threshold = limit_read_ul("/sys/module/fastipc/parameters/zc_threshold");
	s->busy_poll_us = -1;
	if (!access("/sys/module/fastipc/parameters/busy_poll_us", R_OK))
		s->busy_poll_us = (long)limit_read_ul("/sys/module/fastipc/parameters/busy_poll_us");
}

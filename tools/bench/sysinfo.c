// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: what machine the numbers come from.
 *
 * CPU model from /proc/cpuinfo, kernel from uname(2), memory from
 * /proc/meminfo, and whether it is a virtual machine: the CPUID
 * "hypervisor" bit and the hypervisor's signature (leaf 0x40000000):
 * "KVMKVMKVM" is hardware virtualisation, QEMU's "TCGTCGTCGTCG" is
 * software emulation; without a signature, DMI (/sys/class/dmi/id) tells
 * QEMU without KVM (emulation as well) from other vendors.
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
	s->cpus_online = online_cpus();
	if (uname(&u) == 0) {
		snprintf(s->kernel, sizeof(s->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
		snprintf(s->hostname, sizeof(s->hostname), "%s", u.nodename);
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

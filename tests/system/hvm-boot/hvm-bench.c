/*
 * The HVM device-model benchmark's guest program (bench/hvm_dm.py), on the
 * installed disk (installed-disk.sh) as /usr/local/sbin/petrel-hvm-bench;
 * the marker service runs it when the kernel's arguments hold petrel_bench.
 *
 *   petrel-hvm-bench [--dry-run] [--mib M] [--accesses N] DISK...
 *
 * Prints one line per figure, each "PETREL-HVM-BENCH: KIND key=value ...":
 *   disk dev=NAME bytes=B ns=T direct=1   reads of the first M MiB of DISK,
 *                                         1 MiB each, with O_DIRECT (direct=0:
 *                                         without, a dry run on tmpfs)
 *   ioreq port=0x3ff accesses=N ns=T tsc=C bad=K   N/2 writes and N/2 reads
 *                                         of COM1's scratch register, which
 *                                         the device model serves; K reads
 *                                         that did not return the value
 *                                         written before
 *   pmtimer port=P accesses=N ns=T tsc=C  N reads of the ACPI PM timer
 *                                         (/proc/ioports), which the
 *                                         hypervisor serves
 *   done
 * ns is CLOCK_MONOTONIC's time for the whole figure, tsc the TSC's ticks.
 * A figure that cannot be taken prints "error what=KIND reason=..." instead.
 * With --dry-run the port accesses go to memory (no ioperm) and the pmtimer
 * port is not looked up: a check of the lines on any machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>
#include <unistd.h>

#define TAG "PETREL-HVM-BENCH: "
#define COM1_SCRATCH 0x3ff
#define PMTIMER_FALLBACK 0xb008
#define CHUNK (1 << 20)

static int dry_run;
static uint8_t fake_ports[0x10000];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void port_out8(uint8_t v, uint16_t port)
{
	if (dry_run)
		fake_ports[port] = v;
	else
		outb(v, port);
}

static uint8_t port_in8(uint16_t port)
{
	return dry_run ? fake_ports[port] : inb(port);
}

static uint32_t port_in32(uint16_t port)
{
	return dry_run ? fake_ports[port] : inl(port);
}

static int port_access(uint16_t port, unsigned int len)
{
	return dry_run ? 0 : ioperm(port, len, 1);
}

static void error_line(const char *what, const char *reason)
{
	printf(TAG "error what=%s reason=%s\n", what, reason);
}

static void disk(const char *path, unsigned int mib)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint64_t bytes = 0, t0;
	int fd, direct = 1;
	void *buf;

	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0 && errno == EINVAL && dry_run) { /* tmpfs */
		fd = open(path, O_RDONLY);
		direct = 0;
	}
	if (fd < 0 || posix_memalign(&buf, 4096, CHUNK)) {
		printf(TAG "error what=disk reason=open-%s-errno-%d\n", name, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	t0 = now_ns();
	while (bytes < (uint64_t)mib * CHUNK) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n <= 0)
			break;
		bytes += (uint64_t)n;
	}
	t0 = now_ns() - t0;
	close(fd);
	free(buf);
	if (bytes < (uint64_t)mib * CHUNK)
		printf(TAG "error what=disk reason=short-read-%s-%llu\n", name,
		       (unsigned long long)bytes);
	else
		printf(TAG "disk dev=%s bytes=%llu ns=%llu direct=%d\n", name,
		       (unsigned long long)bytes, (unsigned long long)t0, direct);
}

static void ioreq(unsigned int accesses)
{
	uint64_t t0, c0;
	unsigned int i, bad = 0;

	if (port_access(COM1_SCRATCH, 1))
		return error_line("ioreq", "ioperm");
	c0 = tsc();
	t0 = now_ns();
	for (i = 0; i < accesses / 2; i++) {
		port_out8((uint8_t)(i * 7 + 1), COM1_SCRATCH);
		bad += port_in8(COM1_SCRATCH) != (uint8_t)(i * 7 + 1);
	}
	t0 = now_ns() - t0;
	c0 = tsc() - c0;
	printf(TAG "ioreq port=0x%x accesses=%u ns=%llu tsc=%llu bad=%u\n", COM1_SCRATCH,
	       2 * (accesses / 2), (unsigned long long)t0, (unsigned long long)c0, bad);
}

/* The PM timer's port from the "ACPI PM_TMR" line of /proc/ioports, or 0. */
static unsigned int pmtimer_port(void)
{
	FILE *f = fopen("/proc/ioports", "r");
	char line[256];
	unsigned int port = 0;

	if (!f)
		return 0;
	while (!port && fgets(line, sizeof(line), f))
		if (strstr(line, "ACPI PM_TMR") && sscanf(line, " %x-", &port) != 1)
			port = 0;
	fclose(f);
	return port;
}

static void pmtimer(unsigned int accesses)
{
	unsigned int port = dry_run ? PMTIMER_FALLBACK : pmtimer_port(), i;
	volatile uint32_t sink = 0;
	uint64_t t0, c0;

	if (!port || port > 0xfffc)
		return error_line("pmtimer", "no-ACPI-PM_TMR-in-/proc/ioports");
	if (port_access((uint16_t)port, 4))
		return error_line("pmtimer", "ioperm");
	c0 = tsc();
	t0 = now_ns();
	for (i = 0; i < accesses; i++)
		sink += port_in32((uint16_t)port);
	t0 = now_ns() - t0;
	c0 = tsc() - c0;
	printf(TAG "pmtimer port=0x%x accesses=%u ns=%llu tsc=%llu\n", port, accesses,
	       (unsigned long long)t0, (unsigned long long)c0);
}

static int usage(void)
{
	fprintf(stderr, "usage: petrel-hvm-bench [--dry-run] [--mib M] [--accesses N] DISK...\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int mib = 64, accesses = 4000;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = 1;
		else if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			mib = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--accesses") && i + 1 < argc)
			accesses = (unsigned int)strtoul(argv[++i], NULL, 0);
		else
			return usage();
	}
	if (!mib || accesses < 2)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc; i++)
		disk(argv[i], mib);
	ioreq(accesses);
	pmtimer(accesses);
	printf(TAG "done\n");
	return 0;
}

/*
 * Native reference for the hot-path benchmark: the machine's own system
 * call round trip. Runs as /init of a tiny initramfs on the same QEMU as
 * the benchmark guests, under the dom0 kernel booted without a hypervisor;
 * a second after boot, 31 rounds of 500 calls (short rounds, so that most
 * miss the timer interrupts).
 * Times a raw `syscall` (getppid) like the guests time a hypercall, prints
 *	BENCH native-syscall-getppid min=<cycles> median=<cycles> iters=<n> rounds=<r>
 * and the kernel's Meltdown mitigation (PTI makes every system call switch
 * page tables), then powers the machine off.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 31
#define ITERS 500

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static void raw_getppid(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		long ret;

		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"((long)SYS_getppid)
				 : "rcx", "r11", "memory");
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_mitigation(void)
{
	char buf[128] = "unknown";
	int fd;
	ssize_t n;

	mkdir("/sys", 0755);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) == 0) {
		fd = open("/sys/devices/system/cpu/vulnerabilities/meltdown", O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = 0;
			buf[strcspn(buf, "\n")] = 0;
			close(fd);
		}
	}
	printf("native: meltdown: %s\n", buf);
}

int main(void)
{
	uint64_t per_op[ROUNDS], t0;

	setvbuf(stdout, NULL, _IONBF, 0);
	print_mitigation();
	/* let the end of the boot (deferred work, timers) settle first */
	sleep(1);
	raw_getppid(ITERS / 10);
	for (int r = 0; r < ROUNDS; r++) {
		t0 = tsc();
		raw_getppid(ITERS);
		per_op[r] = (tsc() - t0) / ITERS;
	}
	qsort(per_op, ROUNDS, sizeof(per_op[0]), cmp);
	printf("BENCH native-syscall-getppid min=%llu median=%llu iters=%d rounds=%d\n",
	       (unsigned long long)per_op[0], (unsigned long long)per_op[ROUNDS / 2], ITERS,
	       ROUNDS);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}

/*
 * Time as an HVM guest first sees it. shared_info is placed over a page the
 * guest has just zeroed and used as RAM, and its vCPU 0 time record must be
 * there at once (Linux PVHVM computes its TSC frequency from it right after
 * the mapping: a zero scale is a division by zero): version even, a
 * non-zero scale near the TSC frequency, system time that moves on. Then
 * Xen's time leaf 0x40000003: the TSC not emulated (Xen emulates it when
 * the host's is not reliable), default mode, incarnation 1 (a domain's
 * creation counts one), and the guest's kHz, the tsc->ns scale (sub-leaf 1) and
 * the host's kHz (sub-leaf 2) all agree with the pvclock's scale.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"
#include "pvclock.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

static char si_page[4096] __attribute__((aligned(4096)));

/* The TSC kHz a tsc->ns scale stands for: 10^6 * 2^32 / (mul * 2^shift). */
static uint64_t scale_khz(uint32_t mul, int8_t shift)
{
	uint64_t num = 1000000ULL << 32, den = mul;

	if (!mul || shift < -10 || shift > 31)
		return 0;
	if (shift < 0)
		num <<= -shift;
	else
		den <<= shift;
	return num / den;
}

/* @a within 2% of @b (Xen recalibrates each CPU's scale, so not equal there). */
static int close_to(uint64_t a, uint64_t b)
{
	uint64_t diff = a > b ? a - b : b - a;

	return b && diff * 50 <= b;
}

static void check_time_leaf(uint64_t rec_khz)
{
	uint32_t a, b, c, d, mul, shift, khz;

	hvm_cpuid(0x40000000, 0, &a, &b, &c, &d);
	xtest_check(a >= 0x40000003, "max hypervisor leaf %#x has no time leaf", a);
	hvm_cpuid(0x40000003, 0, &a, &b, &c, &d);
	printk("leaf 0x40000003.0: flags %#x mode %u khz %u incarnation %u\n", a, b, c, d);
	xtest_check(!(a & 1) || !(a & 2), "the TSC emulated though reliable (flags %#x)", a);
	xtest_check(b == 0, "TSC mode %u, want 0 (default)", b);
	xtest_check(d == 1, "incarnation %u, want 1", d);
	khz = c;
	xtest_check(close_to(khz, rec_khz), "time leaf kHz %u, the time record's %lu", khz,
		    (unsigned long)rec_khz);
	hvm_cpuid(0x40000003, 1, &a, &b, &c, &d);
	mul = c;
	shift = d;
	printk("leaf 0x40000003.1: offset %#x:%#x mul %#x shift %d\n", b, a, mul, (int)shift);
	xtest_check((int32_t)shift >= -31 && (int32_t)shift <= 31, "shift %#x", shift);
	xtest_check(close_to(scale_khz(mul, (int8_t)shift), khz), "scale %#x/%d is %lu kHz, not %u",
		    mul, (int)shift, (unsigned long)scale_khz(mul, (int8_t)shift), khz);
	hvm_cpuid(0x40000003, 2, &a, &b, &c, &d);
	printk("leaf 0x40000003.2: host khz %u\n", a);
	xtest_check(close_to(a, khz), "host kHz %u, guest kHz %u", a, khz);
}

void test_main(void)
{
	struct add_to_physmap x = { .domid = DOMID_SELF,
				    .space = XENMAPSPACE_shared_info,
				    .gpfn = (unsigned long)si_page >> 12 };
	volatile struct vcpu_time_info *t;
	uint64_t t0, t1, khz;
	uint32_t ver, mul;
	int8_t shift;
	long rc;

	memset(si_page, 0, sizeof(si_page));
	xtest_check(si_page[100] == 0, "the page is not plain RAM before the move");
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	xtest_check(rc == 0, "add_to_physmap(shared_info): %ld", rc);
	t = &((volatile struct shared_info *)si_page)->vcpu_info[0].time;
	ver = t->version;
	mul = t->tsc_to_system_mul;
	shift = t->tsc_shift;
	khz = scale_khz(mul, shift);
	printk("time record: version %u mul %#x shift %d (%lu kHz) system_time %lu\n", ver, mul,
	       shift, (unsigned long)khz, (unsigned long)t->system_time);
	xtest_check(!(ver & 1) && ver, "time record version %u right after the mapping", ver);
	xtest_check(mul != 0, "time record scale 0 right after the mapping");
	xtest_check(khz >= 1000 && khz <= 20000000, "time record says a %lu kHz TSC",
		    (unsigned long)khz);
	t0 = pvclock_read(t);
	for (volatile int i = 0; i < 1000000; i++)
		;
	t1 = pvclock_read(t);
	xtest_check(t0 > 0 && t1 > t0, "system time %lu then %lu", (unsigned long)t0,
		    (unsigned long)t1);
	check_time_leaf(khz);
}

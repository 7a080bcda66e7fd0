/*
 * What one HVM exit costs QEMU under TCG, for bench/hvm-tcgcost.py: the
 * exit rows of bench-hvm-exits (null hypercall, CPUID, not-present nested
 * page fault, port read), each run in phases of TCG_OPS operations. Around
 * each phase the guest prints a marker line and then busy-waits without
 * exits (a counted loop; no rdtsc, which Xen 4.17 intercepts here), so that
 * the host can take QEMU's counters while nothing happens:
 *	TCGBEGIN <row>	(quiet)	TCGGO <row>	<ops>	TCGEND <row> <tsc/op>	(quiet)
 * The "idle" row does no operation: its phase is the markers' own cost.
 * Not a test and not in bench-hvm: it prints no BENCH line and judges nothing.
 */
#include "bench.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define TCG_OPS 3000
#define TCG_QUIET_LOOPS 40000000UL
#define TCG_REPEATS 3

static uint8_t gone_page[4096] __attribute__((aligned(4096)));

static void op_idle(void)
{
}

static void op_null(void)
{
	hypercall_hvm(HC_xen_version, XENVER_version, 0, 0, 0, 0);
}

static void op_cpuid(void)
{
	uint32_t a, b, c, d;

	hvm_cpuid(0x40000001, 0, &a, &b, &c, &d);
}

static void op_npt(void)
{
	(void)*(volatile uint64_t *)gone_page;
}

static void op_port(void)
{
	uint8_t v;

	__asm__ volatile("inb $0x21, %0" : "=a"(v));
}

/* A wait with no exit on either hypervisor. */
static void quiet(void)
{
	for (unsigned long i = 0; i < TCG_QUIET_LOOPS; i++)
		__asm__ volatile("" ::: "memory");
}

static void phase(const char *name, void (*fn)(void))
{
	uint64_t t0;

	printk("TCGBEGIN %s\n", name);
	quiet();
	printk("TCGGO %s %u\n", name, TCG_OPS);
	t0 = bench_tsc();
	for (int i = 0; i < TCG_OPS; i++)
		fn();
	t0 = bench_tsc() - t0;
	printk("TCGEND %s %lu\n", name, (unsigned long)(t0 / TCG_OPS));
	quiet();
}

void test_main(void)
{
	unsigned long gfn = (unsigned long)gone_page >> 12;
	struct reservation r = { &gfn, 1, 0, 0, DOMID_SELF };

	if (hypercall(HC_memory_op, XENMEM_decrease_reservation, (unsigned long)&r, 0, 0, 0) != 1) {
		xtest_fail("decrease_reservation of one page failed");
		return;
	}
	for (int k = 0; k < TCG_REPEATS; k++) {
		phase("idle", op_idle);
		phase("hvm-null-hypercall", op_null);
		phase("hvm-cpuid-exit", op_cpuid);
		phase("hvm-npt-fault-read", op_npt);
		phase("hvm-port-read", op_port);
	}
}

/*
 * set_debugreg/get_debugreg: argument checks, a data watchpoint that fires
 * in the guest (#DB with DR6.B0), and the same watchpoint hit by the
 * hypervisor writing the watched buffer for a hypercall, which must not
 * bring Petrel down.
 */
#include "xtest.h"

#define HC_set_debugreg 8
#define HC_get_debugreg 9
#define DR7_L0 0x1UL
#define DR7_RW0_WRITE (1UL << 16)
#define DR7_RW0_IO (2UL << 16)
#define DR7_LEN0_8 (3UL << 18)
#define DR6_B0 0x1UL

static char watched[16] __attribute__((aligned(16)));

static long set_dr(unsigned long reg, unsigned long v)
{
	return hypercall(HC_set_debugreg, reg, v, 0, 0, 0);
}

static long get_dr(unsigned long reg)
{
	return hypercall(HC_get_debugreg, reg, 0, 0, 0, 0);
}

static void write_watched(void *arg)
{
	(void)arg;
	*(volatile unsigned long *)watched = 42;
}

void test_main(void)
{
	struct xtest_fault f;
	long rc;

	xtest_check(set_dr(0, 0xffff830000000000UL) == -1, "DR0 in the hypervisor range accepted");
	xtest_check(set_dr(4, 0) == -22 && set_dr(8, 0) == -22, "DR4/DR8 accepted");
	xtest_check(get_dr(5) == -22 && get_dr(9) == -22, "get_debugreg(5/9) accepted");
	xtest_check(set_dr(7, 1UL << 11) == -1, "DR7 with a reserved bit accepted");
	xtest_check(set_dr(7, DR7_L0 | DR7_RW0_IO) == -1, "an I/O breakpoint without CR4.DE accepted");
	xtest_check(set_dr(0, (unsigned long)watched) == 0, "DR0 refused");
	xtest_check(get_dr(0) == (long)(unsigned long)watched, "DR0 reads back %#lx", get_dr(0));
	xtest_check(set_dr(6, 0) == 0, "DR6 refused");
	xtest_check(set_dr(7, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8) == 0, "DR7 refused");
	/* The guest's own write hits the watchpoint: a #DB (a trap: after the write). */
	if (!xtest_catch(write_watched, NULL, &f))
		xtest_fail("no #DB for a write to the watched buffer");
	else
		xtest_check(f.vector == X86_EXC_DB, "vector %u instead of #DB", f.vector);
	xtest_check(get_dr(6) & DR6_B0, "DR6 %#lx without B0", get_dr(6));
	xtest_check(*(volatile unsigned long *)watched == 42, "the watched write did not happen");
	/* Now the hypervisor writes the watched buffer (extraversion): no crash, B0 again. */
	set_dr(6, 0);
	rc = hypercall_xen_version(XENVER_extraversion, watched);
	xtest_check(rc == 0 && watched[0] == '.', "extraversion into the watched buffer: %ld", rc);
	xtest_check(get_dr(6) & DR6_B0, "hypervisor write not noted in DR6 (%#lx)", get_dr(6));
	xtest_check(set_dr(7, 0) == 0, "clearing DR7 refused");
	printk("watchpoint survived a hypervisor write\n");
}

TEST_EXPECT("watchpoint survived a hypervisor write");

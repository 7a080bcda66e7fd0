/*
 * Bad guest pointers given to hypercalls: unmapped, non-canonical and
 * inside the hypervisor's reserved range. Each must fail with -EFAULT and
 * leave both the hypervisor and the domain running.
 */
#include "xtest.h"

static const unsigned long bad[] = {
	0x1000UL,	       /* unmapped */
	0x8000000000000000UL,  /* non-canonical */
	HYPERVISOR_VIRT_START, /* hypervisor: read-only M2P */
	0xffff830000000000UL,  /* hypervisor: Xen's direct map */
	~0UL - 8,	       /* wraps around the top */
};

void test_main(void)
{
	unsigned int i;
	long rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long p = bad[i];

		rc = hypercall(HC_console_io, CONSOLEIO_write, 16, p, 0, 0);
		xtest_check(rc == -XEN_EFAULT, "console_io(write, %#lx) returned %ld", p, rc);
		rc = hypercall_xen_version(XENVER_extraversion, (void *)p);
		xtest_check(rc == -XEN_EFAULT, "XENVER_extraversion(%#lx) returned %ld", p, rc);
		rc = hypercall_xen_version(XENVER_compile_info, (void *)p);
		xtest_check(rc == -XEN_EFAULT, "XENVER_compile_info(%#lx) returned %ld", p, rc);
		rc = hypercall_xen_version(XENVER_get_features, (void *)p);
		xtest_check(rc == -XEN_EFAULT, "XENVER_get_features(%#lx) returned %ld", p, rc);
		rc = hypercall_sched_op(SCHEDOP_shutdown, (void *)p);
		xtest_check(rc == -XEN_EFAULT, "SCHEDOP_shutdown(%#lx) returned %ld", p, rc);
		rc = hypercall_set_trap_table((const struct trap_info *)p);
		xtest_check(rc == -XEN_EFAULT, "set_trap_table(%#lx) returned %ld", p, rc);
		printk("pointer %#lx: refused\n", p);
	}

	/* Still alive, and the trap table still works. */
	xtest_expect_fault(X86_EXC_UD);
	printk("checking that the trap table survived\n");
	__asm__ volatile("ud2");
	xtest_fail("ud2 did not fault");
}

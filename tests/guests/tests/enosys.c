/*
 * Hypercalls that do not exist, or that the hypervisor does not implement,
 * return -ENOSYS (-38) and leave the domain running; so do unknown sub-ops
 * of implemented hypercalls.
 */
#include "xtest.h"

/*
 * 11 was never allocated; 38 (tmem_op) was removed in Xen 4.13; 43-47 are
 * past hypfs_op; 50-55 are unused arch_2..arch_7 (Xen uses arch_1, 49, for
 * its paging domctl continuation); the rest are out of range, up to
 * numbers that only differ from a real one above bit 31 (the whole of rax
 * is the number, not eax).
 */
static const unsigned long unknown[] = {
	11,
	38,
	43,
	47,
	50,
	55,
	56,
	63,
	64,
	127,
	128,
	255,
	999,
	0xffff,
	0x7fffffff,
	0xffffffff,
	(1UL << 32) | HC_xen_version,
	~0UL,
};

void test_main(void)
{
	unsigned int i;
	long rc;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		rc = hypercall(unknown[i], 0, 0, 0, 0, 0);
		printk("hypercall %#lx -> %ld\n", unknown[i], rc);
		xtest_check(rc == -XEN_ENOSYS, "hypercall %#lx returned %ld, expected -ENOSYS",
			    unknown[i], rc);
	}

	rc = hypercall(HC_console_io, 99, 0, 0, 0, 0);
	xtest_check(rc == -XEN_ENOSYS, "console_io(99) returned %ld, expected -ENOSYS", rc);
	rc = hypercall_xen_version(99, NULL);
	xtest_check(rc == -XEN_ENOSYS, "xen_version(99) returned %ld, expected -ENOSYS", rc);
	rc = hypercall_sched_op(99, NULL);
	xtest_check(rc == -XEN_ENOSYS, "sched_op(99) returned %ld, expected -ENOSYS", rc);

	/* The domain is still alive and hypercalls still work. */
	rc = hypercall_xen_version(XENVER_version, NULL);
	xtest_check(rc == 0x00040011, "xen_version after the unknown calls returned %#lx", rc);
}

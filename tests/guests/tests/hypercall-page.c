/*
 * With a HYPERCALL_PAGE note the builder fills hypercall_page with Xen's
 * 32-byte stubs, and calls through the page work. Every hypercall of this
 * guest, console output included, goes through the page.
 */
#include "xtest.h"

XTEST_USE_HYPERCALL_PAGE();

/* push %rcx; push %r11; mov $nr, %eax; syscall; pop %r11; pop %rcx; ret */
static const uint8_t stub[14] = { 0x51, 0x41, 0x53, 0xb8, 0,	0,    0,
				  0,	0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
/* iret's slot does not return: push %rcx; push %r11; push %rax; mov $23, %eax; syscall */
static const uint8_t iret_stub[11] = { 0x51, 0x41, 0x53, 0x50, 0xb8, HC_iret, 0, 0, 0, 0x0f, 0x05 };

/* Slot @nr as Xen fills it: the stub, then int3 (0xcc) to the slot's end. */
static void check_slot(unsigned int nr)
{
	const uint8_t *p = (const uint8_t *)hypercall_page + nr * 32;
	uint8_t want[32];

	memset(want, 0xcc, sizeof(want));
	if (nr == HC_iret) {
		memcpy(want, iret_stub, sizeof(iret_stub));
	} else {
		memcpy(want, stub, sizeof(stub));
		want[4] = (uint8_t)nr;
	}
	xtest_check(!memcmp(p, want, sizeof(want)),
		    "slot %u: %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x ...", nr, p[0],
		    p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
}

void test_main(void)
{
	xen_extraversion_t extra;
	long rc;

	if (!xtest_hypercall_page_active) {
		xtest_fail("the hypervisor did not fill the hypercall page");
		return;
	}
	for (unsigned int nr = 0; nr < 128; nr++)
		check_slot(nr);

	rc = hypercall_via_page(HC_xen_version, XENVER_version, 0, 0, 0, 0);
	printk("xen_version through the page: %#lx\n", rc);
	xtest_check(rc == 0x00040011, "xen_version returned %#lx", rc);
	rc = hypercall_via_page(HC_xen_version, XENVER_extraversion, (unsigned long)extra, 0, 0, 0);
	xtest_check(rc == 0 && extra[0] == '.', "extraversion through the page: rc %ld", rc);
	rc = hypercall_via_page(11, 0, 0, 0, 0, 0);
	xtest_check(rc == -XEN_ENOSYS, "unused slot 11 returned %ld, expected -ENOSYS", rc);
	rc = hypercall_syscall(HC_xen_version, XENVER_version, 0, 0, 0, 0);
	xtest_check(rc == 0x00040011, "syscall still works next to the page: %#lx", rc);
}

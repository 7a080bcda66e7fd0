/*
 * set_gdt and update_descriptor: Xen's descriptor checks, and refusals of
 * frames the guest may still write or does not own.
 */
#include "xtest.h"

#define HC_set_gdt 2
#define HC_update_descriptor 10
#define VIRT_BASE 0xffffffff80000000UL

static uint64_t page[512] __attribute__((aligned(4096)));

static unsigned long maddr_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)va - VIRT_BASE) >> 12;

	return (p2m[pfn] << 12) | ((unsigned long)va & 4095);
}

static long update(const void *slot, uint64_t desc)
{
	return hypercall(HC_update_descriptor, maddr_of(slot), desc, 0, 0, 0);
}

static void check_update_descriptor(void)
{
	/* A ring-0 flat data segment is accepted with its DPL raised to 3. */
	xtest_check(update(&page[1], 0x00cf92000000ffffUL) == 0, "data descriptor refused");
	xtest_check(page[1] == 0x00cff2000000ffffUL, "data descriptor stored as %#lx", page[1]);
	/* A ring-0 64-bit code segment likewise. */
	xtest_check(update(&page[2], 0x00af9a000000ffffUL) == 0, "code descriptor refused");
	xtest_check(page[2] == 0x00affa000000ffffUL, "code descriptor stored as %#lx", page[2]);
	/* Not present and type-0 system entries are harmless. */
	xtest_check(update(&page[3], 0x0000120000001234UL) == 0, "not-present refused");
	xtest_check(update(&page[4], 0x0000800000000000UL) == 0, "type-0 entry refused");
	/* A TSS, an LDT and an interrupt gate are never the guest's. */
	xtest_check(update(&page[5], 0x0000890000000067UL) == -22, "TSS accepted");
	xtest_check(update(&page[5], 0x0000820000000fffUL) == -22, "LDT accepted");
	xtest_check(update(&page[5], 0x00008e0000e03000UL) == -22, "interrupt gate accepted");
	xtest_check(page[5] == 0, "a refused descriptor was written");
	/* A call gate to the flat kernel code segment: accepted with DPL 0. */
	xtest_check(update(&page[6], 0x0000ec00e0331000UL) == 0, "call gate refused");
	xtest_check((page[6] & (3UL << 45)) == 0, "call gate DPL not forced to 0: %#lx", page[6]);
	/* A call gate to the hypervisor's own code selector is refused. */
	xtest_check(update(&page[7], 0x0000ec00e0081000UL) == -22, "gate to 0xe008 accepted");
	/* Misaligned, not ours, and page-table frames. */
	xtest_check(hypercall(HC_update_descriptor, maddr_of(&page[8]) + 4, 0, 0, 0, 0) == -22,
		    "misaligned address accepted");
	xtest_check(hypercall(HC_update_descriptor, 0x1000, 0, 0, 0, 0) == -22,
		    "a frame we do not own accepted");
	xtest_check(hypercall(HC_update_descriptor, maddr_of((void *)xtest_start_info->pt_base),
			      0, 0, 0, 0) == -22,
		    "our own L4 page-table frame accepted");
}

static void check_set_gdt(void)
{
	unsigned long frames[16];

	/* Still mapped writable in our initial region: cannot become a GDT. */
	frames[0] = maddr_of(page) >> 12;
	xtest_check(hypercall(HC_set_gdt, (unsigned long)frames, 512, 0, 0, 0) == -22,
		    "set_gdt on a writable frame accepted");
	frames[0] = 1; /* not ours */
	xtest_check(hypercall(HC_set_gdt, (unsigned long)frames, 16, 0, 0, 0) == -22,
		    "set_gdt on a foreign frame accepted");
	xtest_check(hypercall(HC_set_gdt, (unsigned long)frames, 14 * 512 + 1, 0, 0, 0) == -22,
		    "more entries than the guest part of the GDT accepted");
	xtest_check(hypercall(HC_set_gdt, 0xffff830000000000UL, 16, 0, 0, 0) == -14,
		    "set_gdt read a hypervisor address");
	/* No frames at all is fine. */
	xtest_check(hypercall(HC_set_gdt, (unsigned long)frames, 0, 0, 0, 0) == 0,
		    "empty GDT refused");
}

void test_main(void)
{
	check_update_descriptor();
	check_set_gdt();
}

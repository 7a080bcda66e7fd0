/*
 * A second vCPU of a PVH domain started by INIT and start-up IPIs, as
 * Linux starts its APs. The control domain builds a PVH domain with two
 * vCPUs (only vCPU 0 given a state), one more page of RAM at GFN 0x80 for
 * the AP's real-mode code, and unpauses it. vCPU 0 (32-bit, paging off)
 * sends INIT then SIPI with vector 0x80 to local APIC 2 (vCPU 1) through
 * the xAPIC's ICR and yields until vCPU 1 has left its mark; vCPU 1 starts
 * in real mode at 0x80:0 (CS base 0x80000), writes the mark and its initial
 * APIC ID from CPUID, and spins with interrupts off, as Linux parks a CPU
 * (vCPU 0 runs again only because the hypervisor takes the CPU back from
 * it: under Bochs, which takes no external-interrupt VM exit while the
 * guest's IF is clear, by the VMX-preemption timer); vCPU 0 then powers
 * the domain off. The control domain checks the shutdown code, the mark and
 * the APIC ID, and destroys the domain.
 */
#include "builder.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define AP_GFN 0x80
#define AP_MARK 0x600dcafeu
#define AP_MARK_OFF 0x100 /* in the AP's page: the mark, then the APIC ID */

/* vCPU 0: INIT and SIPI to APIC 2, then yield until the mark, then poweroff. */
__asm__(".pushsection .rodata\n"
	".globl sipi_bsp_code, sipi_bsp_code_end\n"
	"sipi_bsp_code:\n"
	".code32\n"
	"mov $0xfee00000, %edi\n"
	"mov $0x02000000, %eax\n"
	"mov %eax, 0x310(%edi)\n" /* ICR2: destination APIC 2 */
	"mov $0x00004500, %eax\n"
	"mov %eax, 0x300(%edi)\n" /* INIT, assert */
	"mov $0x02000000, %eax\n"
	"mov %eax, 0x310(%edi)\n"
	"mov $0x00004680, %eax\n"
	"mov %eax, 0x300(%edi)\n" /* start-up, vector 0x80 */
	"mov $100000, %ebp\n"
	"1: cmpl $0x600dcafe, 0x80100\n"
	"je 2f\n"
	"mov $29, %eax\n"  /* sched_op */
	"xor %ebx, %ebx\n" /* SCHEDOP_yield */
	"xor %ecx, %ecx\n"
	"vmmcall\n"
	"dec %ebp\n"
	"jnz 1b\n"
	"2: mov $29, %eax\n"
	"mov $2, %ebx\n" /* SCHEDOP_shutdown */
	"mov $0x101008, %ecx\n"
	"vmmcall\n"
	"3: jmp 3b\n"
	".code64\n"
	"sipi_bsp_code_end:\n"
	".popsection\n");
extern const uint8_t sipi_bsp_code[], sipi_bsp_code_end[];

/* vCPU 1, real mode at CS 0x800: the mark and CPUID.1's APIC ID at 0x100 of its page. */
__asm__(".pushsection .rodata\n"
	".globl sipi_ap_code, sipi_ap_code_end\n"
	"sipi_ap_code:\n"
	".code16\n"
	"mov %cs, %ax\n"
	"mov %ax, %ds\n"
	"mov $1, %eax\n"
	"cpuid\n"
	"shr $24, %ebx\n"
	"mov %ebx, 0x104\n"
	"movl $0x600dcafe, 0x100\n"
	"cli\n"
	"1: pause\n"
	"jmp 1b\n"
	".code64\n"
	"sipi_ap_code_end:\n"
	".popsection\n");
extern const uint8_t sipi_ap_code[], sipi_ap_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + 8) = SHUTDOWN_poweroff;
}

/* Room for the AP's page at GFN 0x80 and its code there. */
static bool ap_page(uint16_t dom)
{
	static unsigned long gfn = AP_GFN;
	struct reservation r = { &gfn, 1, 0, 0, dom };
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_memkb = (PVH_PAGES + 1) * 4;
	rc = domctl(XEN_DOMCTL_max_mem, dom, &op);
	xtest_check(rc == 0, "max_mem of d%u raised: %ld", dom, rc);
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc != 1) {
		xtest_error("populate_physmap(GFN %#x) of d%u: %ld", AP_GFN, dom, rc);
		return false;
	}
	rc = pvh_map(window, AP_GFN, dom);
	if (rc) {
		xtest_error("mapping d%u's GFN %#x: %ld", dom, AP_GFN, rc);
		return false;
	}
	memset(window, 0, sizeof(window));
	memcpy(window, sipi_ap_code, (size_t)(sipi_ap_code_end - sipi_ap_code));
	builder_unmap(window);
	return true;
}

/*
 * destroydomain; on Petrel every page comes back. Xen 4.17 gives a 2-vCPU
 * HVM domain's last pages back later than the wait here (1 page short after
 * one such domain, 2 more after a second), so there it is only reported.
 */
static void destroy(uint16_t dom, uint64_t free0)
{
	struct tiny_dom t = { .id = dom };
	uint64_t now;
	long rc = tiny_destroy(&t);

	xtest_check(rc == 0, "destroydomain d%u: %ld", dom, rc);
	now = builder_wait_free(free0);
	if (xtest_on_petrel())
		xtest_check(now == free0, "free pages %lu after destroying d%u, %lu before",
			    (unsigned long)now, dom, (unsigned long)free0);
	else if (now != free0)
		printk("free pages %lu after destroying d%u, %lu before\n", (unsigned long)now, dom,
		       (unsigned long)free0);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	static uint8_t code[128];
	size_t len = (size_t)(sipi_bsp_code_end - sipi_bsp_code);
	struct tiny_dom t = { 0 };
	uint32_t mark, apic_id;
	int code_rc;
	long rc;

	memcpy(code, sipi_bsp_code, len);
	builder_hvm_hypercall_insns(code, len);
	pvh_max_vcpus = 2;
	if (!pvh_build(&t.id, code, len, fill_data)) {
		xtest_error("building a 2-vCPU PVH domain");
		return;
	}
	if (ap_page(t.id)) {
		code_rc = tiny_run(&t);
		xtest_check(code_rc == SHUTDOWN_poweroff, "d%u's shutdown code %d, want poweroff",
			    t.id, code_rc);
		rc = pvh_map(window, AP_GFN, t.id);
		if (rc) {
			xtest_error("mapping d%u's GFN %#x again: %ld", t.id, AP_GFN, rc);
		} else {
			mark = *(volatile uint32_t *)(window + AP_MARK_OFF);
			apic_id = *(volatile uint32_t *)(window + AP_MARK_OFF + 4);
			builder_unmap(window);
			xtest_check(mark == AP_MARK, "vCPU 1 never ran: mark %#x", mark);
			xtest_check(apic_id == 2, "vCPU 1's APIC ID %u, want 2", apic_id);
		}
	}
	destroy(t.id, free0);
}

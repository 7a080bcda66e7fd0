/*
 * MMUEXT_SET_LDT: an LDT in a frame the guest maps read-only becomes the
 * CPU's LDT, so an LDT selector loads; an empty LDT makes the selector
 * fault again; a misaligned base is refused.
 *
 * An LDT in a frame still mapped writable differs, deliberately
 * (docs/abi-status.md), and is pinned per hypervisor: Xen maps LDT frames
 * lazily, so it accepts the call and the first selector load takes a #PF
 * at the descriptor's address; Petrel maps them at the call, so the call
 * fails with -EINVAL.
 */
#include "xtest.h"

#define HC_mmuext_op 26
#define MMUEXT_SET_LDT 13
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define UVMF_INVLPG 2
#define SEL_LDT1 0xf /* index 1, LDT, RPL 3 */

struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};

static unsigned long slack_va(void)
{
	struct start_info *si = xtest_start_info;
	unsigned long stack_end = si->pt_base + (si->nr_pt_frames + 1) * 4096;

	return ((stack_end + (4UL << 20) - 1) & ~((4UL << 20) - 1)) - 8 * 4096;
}

static long set_ldt(unsigned long va, unsigned long ents)
{
	struct mmuext_op op = { MMUEXT_SET_LDT, 0, va, ents };
	unsigned int done = 0;

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, (unsigned long)&done, DOMID_SELF, 0);
}

static void load_es_ldt(void *arg);

static void writable_ldt(unsigned long va)
{
	struct xtest_fault f;
	long rc = set_ldt(va, 2);

	if (xtest_on_petrel()) {
		xtest_check(rc == -22, "Petrel: an LDT in a writable frame gave %ld", rc);
		return;
	}
	xtest_check(rc == 0, "Xen: SET_LDT on a writable frame gave %ld", rc);
	if (!xtest_catch(load_es_ldt, NULL, &f))
		xtest_fail("Xen: loading from an LDT in a writable frame did not fault");
	else
		xtest_check(f.vector == X86_EXC_PF && (!f.cr2_valid || f.cr2 == va + 8),
			    "Xen: vector %u cr2 %#lx, expected #PF at %#lx", f.vector, f.cr2,
			    va + 8);
	xtest_check(set_ldt(0, 0) == 0, "clearing the LDT refused");
}

static void load_es_ldt(void *arg)
{
	(void)arg;
	__asm__ volatile("mov %0, %%es" : : "r"((unsigned short)SEL_LDT1));
}

void test_main(void)
{
	unsigned long va = slack_va(), pfn = (va - VIRT_BASE) >> 12;
	unsigned long mfn = ((unsigned long *)xtest_start_info->mfn_list)[pfn];
	volatile uint64_t *ldt = (volatile uint64_t *)va;
	struct xtest_fault f;
	unsigned short es;

	/* The whole frame is checked as descriptors, not only the LDT's entries. */
	for (unsigned int i = 0; i < 512; i++)
		ldt[i] = 0;
	ldt[1] = 0x00cff2000000ffffUL; /* flat data, DPL 3 */
	writable_ldt(va);
	xtest_check(hypercall_update_va_mapping(va, (mfn << 12) | PTE_P | PTE_US | PTE_A,
						UVMF_INVLPG) == 0,
		    "making the LDT page read-only failed");
	xtest_check(set_ldt(va, 2) == 0, "SET_LDT refused");
	if (xtest_catch(load_es_ldt, NULL, &f))
		xtest_fail("loading LDT selector %#x faulted (vector %u, error %#lx)", SEL_LDT1,
			   f.vector, f.error_code);
	__asm__ volatile("mov %%es, %0" : "=r"(es));
	xtest_check(es == SEL_LDT1, "%%es is %#x after loading %#x", es, SEL_LDT1);
	__asm__ volatile("mov %0, %%es" : : "r"((unsigned short)0));
	xtest_check(set_ldt(0, 0) == 0, "clearing the LDT refused");
	if (!xtest_catch(load_es_ldt, NULL, &f))
		xtest_fail("LDT selector loaded with no LDT");
	else
		xtest_check(f.vector == X86_EXC_GP, "no-LDT load raised vector %u", f.vector);
	xtest_check(set_ldt(va + 8, 2) == -22, "a misaligned LDT was accepted");
}

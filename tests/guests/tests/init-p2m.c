/*
 * XEN_ELFNOTE_INIT_P2M: the builder maps the p2m list at the address the
 * kernel asks for (Linux uses 0x8000000000, L4 slot 1), apart from the
 * initial region, and reports its frames in first_p2m_pfn/nr_p2m_frames.
 */
#include "xtest.h"

#define P2M_VA 0x8000000000UL
#define M2P_START 0xffff800000000000UL

/* Note type 15 is XEN_ELFNOTE_INIT_P2M. */
__asm__(".pushsection .note.Xen, \"a\", @note\n"
	".balign 4\n"
	".long 4, 8, 15\n"
	".asciz \"Xen\"\n"
	".balign 4\n"
	".quad 0x8000000000\n"
	".balign 4\n"
	".popsection\n");

void test_main(void)
{
	struct start_info *si = xtest_start_info;
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	const unsigned long *m2p = (const unsigned long *)M2P_START;
	unsigned long need = (si->nr_pages * 8 + 4095) / 4096;

	printk("mfn_list %#lx first_p2m_pfn %#lx nr_p2m_frames %lu\n", si->mfn_list,
	       si->first_p2m_pfn, si->nr_p2m_frames);
	xtest_check(si->mfn_list == P2M_VA, "mfn_list %#lx, expected %#lx", si->mfn_list, P2M_VA);
	/* The range also holds the page tables that map the list (Xen may use superpages). */
	xtest_check(si->nr_p2m_frames >= need, "nr_p2m_frames %lu, need at least %lu",
		    si->nr_p2m_frames, need);
	xtest_check(si->first_p2m_pfn >= (si->pt_base - 0xffffffff80000000UL) / 4096,
		    "first_p2m_pfn %#lx inside the initial region", si->first_p2m_pfn);
	if (si->mfn_list != P2M_VA)
		return;
	/* Every entry, first and last included, is readable and consistent with the M2P. */
	xtest_check(m2p[p2m[0]] == 0, "m2p[p2m[0]] = %#lx", m2p[p2m[0]]);
	xtest_check(m2p[p2m[si->nr_pages - 1]] == si->nr_pages - 1, "last p2m entry inconsistent");
	/* The p2m list lives in the frames it names. */
	xtest_check(m2p[p2m[si->first_p2m_pfn]] == si->first_p2m_pfn, "p2m frame pfn mismatch");
}

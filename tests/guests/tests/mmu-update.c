/*
 * The PV MMU from inside a guest: mmu_update's success count and stop at
 * the first failure, refusals with their exact error values (a page table
 * mapped writable, the hypervisor's L4 slots, superpages, frames that are
 * not ours such as the M2P's), pin/unpin, and update_va_mapping.
 */
#include "xtest.h"

#define HC_mmuext_op 26
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_MARK_SUPER 19
#define UVMF_INVLPG 2
#define DOMID_SELF 0x7ff0
#define EBUSY 16
#define EOPNOTSUPP 95
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define PTE_PSE 0x80UL
#define ADDR_MASK 0x000ffffffffff000UL

struct mmu_update {
	uint64_t ptr, val;
};

struct mmuext_op {
	unsigned int cmd;
	unsigned long arg1, arg2;
};

static char pages[4][4096] __attribute__((aligned(4096)));

static long mmu_update(struct mmu_update *req, unsigned int n, unsigned int *done)
{
	return hypercall(HC_mmu_update, (unsigned long)req, n, (unsigned long)done, DOMID_SELF, 0);
}

static long mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { cmd, arg1, 0 };

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

/* Frames of the initial region are mapped at VIRT_BASE + pfn * 4 KiB. */
static uint64_t *va_of_mfn(unsigned long mfn)
{
	const unsigned long *m2p = (const unsigned long *)M2P_START;

	return (uint64_t *)(VIRT_BASE + (m2p[mfn] << 12));
}

static unsigned long l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

/* Machine address of the L1 entry mapping @va (and of the L2 entry, if asked). */
static uint64_t l1e_maddr(const void *va, uint64_t *l2e_maddr)
{
	unsigned long v = (unsigned long)va, mfn = l4_mfn();
	uint64_t e = 0;

	for (int shift = 39; shift >= 21; shift -= 9) {
		unsigned long idx = (v >> shift) & 511;

		if (shift == 21 && l2e_maddr)
			*l2e_maddr = (mfn << 12) + idx * 8;
		e = va_of_mfn(mfn)[idx];
		mfn = (e & ADDR_MASK) >> 12;
	}
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

static unsigned long mfn_of(const void *va)
{
	uint64_t ma = l1e_maddr(va, NULL);

	return (va_of_mfn(ma >> 12)[(ma & 4095) / 8] & ADDR_MASK) >> 12;
}

static void poke(void *p)
{
	*(volatile char *)p = 1;
}

static bool writable(void *p)
{
	struct xtest_fault f;

	return !xtest_catch(poke, p, &f);
}

static void check_success_count(void)
{
	unsigned long m0 = mfn_of(pages[0]), m2 = mfn_of(pages[2]);
	struct mmu_update req[3];
	unsigned int done = 99;
	long rc;

	req[0] = (struct mmu_update){ l1e_maddr(pages[0], NULL), (m0 << 12) | PTE_P | PTE_US };
	req[1] =
	    (struct mmu_update){ l1e_maddr(pages[1], NULL), (l4_mfn() << 12) | PTE_P | PTE_RW };
	req[2] = (struct mmu_update){ l1e_maddr(pages[2], NULL), (m2 << 12) | PTE_P | PTE_US };
	rc = mmu_update(req, 3, &done);
	xtest_check(rc == -EBUSY, "mapping the L4 writable gave %ld, expected -EBUSY", rc);
	xtest_check(done == 1, "success count %u, expected 1", done);
	mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)pages[0]);
	mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)pages[2]);
	xtest_check(!writable(pages[0]), "the first update (read-only) did not take effect");
	xtest_check(writable(pages[1]), "the refused update changed the mapping");
	xtest_check(writable(pages[2]), "the update after the failure was applied");
}

static void check_refusals(void)
{
	uint64_t l2e, l1e = l1e_maddr(pages[3], &l2e);
	unsigned long m2p_l3 = (va_of_mfn(l4_mfn())[256] & ADDR_MASK) >> 12;
	struct mmu_update req;
	unsigned int done = 99;
	long rc;

	req = (struct mmu_update){ (l4_mfn() << 12) + 260 * 8, 0 };
	rc = mmu_update(&req, 1, &done);
	xtest_check(rc == -XEN_EINVAL && done == 0,
		    "writing L4 slot 260 gave %ld (done %u), expected -EINVAL", rc, done);
	/* the last slot of that L2 is unused: a 2 MiB page there */
	req = (struct mmu_update){ (l2e & ~4095UL) + 511 * 8, PTE_P | PTE_RW | PTE_PSE };
	rc = mmu_update(&req, 1, &done);
	xtest_check(rc == -XEN_EINVAL, "a superpage gave %ld, expected -EINVAL", rc);
	req = (struct mmu_update){ l1e, (m2p_l3 << 12) | PTE_P | PTE_US };
	rc = mmu_update(&req, 1, &done);
	xtest_check(rc == -EBUSY, "mapping a hypervisor frame gave %ld, expected -EBUSY", rc);
	req = (struct mmu_update){ l1e | 5, 0 };
	rc = mmu_update(&req, 1, &done);
	xtest_check(rc == -XEN_ENOSYS, "an unknown command gave %ld, expected -ENOSYS", rc);
	req = (struct mmu_update){ l1e, (mfn_of(pages[3]) << 12) | PTE_P | PTE_RW | 0x10 };
	rc = mmu_update(&req, 1, &done);
	xtest_check(rc == 0, "a PCD mapping in the hardware domain gave %ld", rc);
	rc = hypercall(HC_mmu_update, (unsigned long)&req, 1, 0, 0 /* own id */, 0);
	xtest_check(rc == -3, "foreigndom = own id gave %ld, expected -ESRCH", rc);
	xtest_check(!writable((void *)M2P_START), "the M2P is writable");
}

static void check_pin(void)
{
	unsigned long m = mfn_of(pages[1]);
	long rc;

	rc = mmuext(MMUEXT_PIN_L1_TABLE, m);
	xtest_check(rc == -XEN_EINVAL, "pinning a writable-mapped frame gave %ld", rc);
	rc = hypercall_update_va_mapping((unsigned long)pages[1], (m << 12) | PTE_P | PTE_US,
					 UVMF_INVLPG);
	xtest_check(rc == 0, "remapping read-only gave %ld", rc);
	rc = mmuext(MMUEXT_PIN_L1_TABLE, m);
	xtest_check(rc == 0, "pinning gave %ld", rc);
	rc = mmuext(MMUEXT_PIN_L1_TABLE, m);
	xtest_check(rc == -XEN_EINVAL, "pinning twice gave %ld", rc);
	rc = hypercall_update_va_mapping((unsigned long)pages[1],
					 (m << 12) | PTE_P | PTE_US | PTE_RW, UVMF_INVLPG);
	xtest_check(rc == -EBUSY, "mapping a pinned L1 writable gave %ld, expected -EBUSY", rc);
	rc = mmuext(MMUEXT_NEW_BASEPTR, m);
	xtest_check(rc == -XEN_EINVAL, "an L1 as base pointer gave %ld", rc);
	rc = mmuext(MMUEXT_UNPIN_TABLE, m);
	xtest_check(rc == 0, "unpinning gave %ld", rc);
	rc = mmuext(MMUEXT_UNPIN_TABLE, m);
	xtest_check(rc == -XEN_EINVAL, "unpinning twice gave %ld", rc);
	rc = hypercall_update_va_mapping((unsigned long)pages[1],
					 (m << 12) | PTE_P | PTE_US | PTE_RW, UVMF_INVLPG);
	xtest_check(rc == 0, "mapping the unpinned frame writable gave %ld", rc);
	xtest_check(writable(pages[1]), "the frame is not writable again");
	rc = mmuext(MMUEXT_MARK_SUPER, m);
	xtest_check(rc == -EOPNOTSUPP, "MARK_SUPER gave %ld", rc);
	rc = mmuext(14, 0);
	xtest_check(rc == -XEN_ENOSYS, "mmuext_op 14 gave %ld", rc);
	rc = hypercall_update_va_mapping(0x1000, PTE_P, 0);
	xtest_check(rc == -XEN_EINVAL, "update_va_mapping of an unmapped address gave %ld", rc);
}

void test_main(void)
{
	for (int i = 0; i < 4; i++)
		pages[i][0] = 0; /* touch: mapped writable */
	check_success_count();
	check_refusals();
	check_pin();
}

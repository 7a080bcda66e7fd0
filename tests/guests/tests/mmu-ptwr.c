/*
 * The writable page-table assist: the guest kernel writes its own
 * (read-only mapped, validated) L1 entries with plain mov / xchg / cmpxchg;
 * a write the rules refuse comes back as the #PF it was. For a 64-bit PV
 * guest Xen 4.17 always provides it: VMASST_TYPE_writable_pagetables can be
 * enabled and disabled, but neither changes anything.
 */
#include "xtest.h"

#define HC_vm_assist 21
#define HC_mmuext_op 26
#define MMUEXT_INVLPG_LOCAL 7
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_writable_pagetables 2
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL

struct mmuext_op {
	unsigned int cmd;
	unsigned long arg1, arg2;
};

static char page[4096] __attribute__((aligned(4096)));

static void invlpg(const void *va)
{
	struct mmuext_op op = { MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0 };

	hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

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

/* The guest's read-only view of the L1 entry that maps @va. */
static volatile uint64_t *l1e_of(const void *va)
{
	unsigned long v = (unsigned long)va, mfn = l4_mfn();

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return &va_of_mfn(mfn)[(v >> 12) & 511];
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

static uint64_t store_val;

static void store(void *p)
{
	*(volatile uint64_t *)p = store_val;
}

void test_main(void)
{
	volatile uint64_t *pte = l1e_of(page);
	uint64_t rw = *pte, ro = (rw & ~PTE_RW), old;
	struct xtest_fault f;
	long rc;

	page[0] = 0;
	xtest_check((rw & PTE_RW) && (rw & ADDR_MASK), "unexpected PTE %#lx", (unsigned long)rw);
	rc = hypercall(HC_vm_assist, VMASST_CMD_enable, 7, 0, 0, 0);
	xtest_check(rc == -XEN_EINVAL, "vm_assist type 7 gave %ld", rc);
	rc = hypercall(HC_vm_assist, 5, VMASST_TYPE_writable_pagetables, 0, 0, 0);
	xtest_check(rc == -XEN_ENOSYS, "vm_assist command 5 gave %ld", rc);

	/* never enabled, yet on: a write to the L1 is emulated */
	store_val = ro;
	xtest_check(!xtest_catch(store, (void *)pte, &f), "writing the L1 faulted (vector %u)",
		    f.vector);
	invlpg(page);
	xtest_check(*pte == ro, "the L1 write was not done: entry %#lx", (unsigned long)*pte);
	*pte = rw;
	invlpg(page);
	xtest_check(*pte == rw && writable(page), "restoring the entry: %#lx", (unsigned long)*pte);

	rc = hypercall(HC_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0, 0);
	xtest_check(rc == 0, "vm_assist(enable, writable_pagetables) gave %ld", rc);
	/* mov */
	*pte = ro;
	invlpg(page);
	xtest_check(*pte == ro, "mov: entry %#lx, expected %#lx", (unsigned long)*pte,
		    (unsigned long)ro);
	xtest_check(!writable(page), "mov: the page is still writable");
	/* xchg */
	old = __atomic_exchange_n(pte, rw, __ATOMIC_SEQ_CST);
	invlpg(page);
	xtest_check(old == ro, "xchg returned %#lx", (unsigned long)old);
	xtest_check(writable(page), "xchg: the page is not writable again");
	/* cmpxchg, failing then succeeding */
	old = ro;
	xtest_check(
	    !__atomic_compare_exchange_n(pte, &old, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST),
	    "cmpxchg with a stale value succeeded");
	xtest_check(old == rw && *pte == rw, "failed cmpxchg: old %#lx, entry %#lx",
		    (unsigned long)old, (unsigned long)*pte);
	old = rw;
	xtest_check(
	    __atomic_compare_exchange_n(pte, &old, ro, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST),
	    "cmpxchg with the current value failed");
	invlpg(page);
	xtest_check(!writable(page), "cmpxchg: the page is still writable");
	*pte = rw;
	invlpg(page);
	/* read-modify-write: lock and / lock or, as clear_bit and set_bit do */
	__atomic_and_fetch(pte, ~PTE_RW, __ATOMIC_SEQ_CST);
	invlpg(page);
	xtest_check(*pte == ro, "lock and: entry %#lx", (unsigned long)*pte);
	xtest_check(!writable(page), "lock and: the page is still writable");
	__atomic_or_fetch(pte, PTE_RW, __ATOMIC_SEQ_CST);
	invlpg(page);
	xtest_check(*pte == rw, "lock or: entry %#lx", (unsigned long)*pte);
	xtest_check(writable(page), "lock or: the page is not writable again");

	/* refused: the L4 mapped writable; the #PF reaches the guest at the entry */
	store_val = (l4_mfn() << 12) | PTE_P | PTE_RW | PTE_US;
	xtest_check(xtest_catch(store, (void *)pte, &f) && f.vector == X86_EXC_PF,
		    "mapping the L4 writable through the assist did not fault");
	xtest_check(!f.cr2_valid || f.cr2 == (unsigned long)pte, "cr2 %#lx, expected %p", f.cr2,
		    (void *)pte);
	xtest_check(*pte == rw, "the refused write changed the entry");

	rc = hypercall(HC_vm_assist, VMASST_CMD_disable, VMASST_TYPE_writable_pagetables, 0, 0, 0);
	xtest_check(rc == 0, "vm_assist(disable) gave %ld", rc);
	store_val = ro;
	xtest_check(!xtest_catch(store, (void *)pte, &f), "the assist went off with disable");
	invlpg(page);
	xtest_check(*pte == ro && !writable(page), "after disable: entry %#lx",
		    (unsigned long)*pte);
	*pte = rw;
	invlpg(page);
	xtest_check(writable(page), "the page lost its mapping");
}

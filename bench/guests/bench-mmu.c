/*
 * Page-table hot paths: mmu_update of 1 and of 512 L1 entries of a pinned
 * L1, MMUEXT pin + unpin of an L1 and of a whole L4 -> L3 -> L2 -> L1 tree
 * (512 present L1 entries), a guest write to its own live L1 emulated by
 * the writable page-table assist, and update_va_mapping without a flush,
 * with an INVLPG and with a local TLB flush.
 */
#include "bench.h"

/* 0: L4, 1: L3, 2: L2, 3: the tree's L1, 4: a lone L1 */
static char tables[5][4096] __attribute__((aligned(4096)));
/* what the L1 entries map (read-only), and the page whose mapping changes */
static char targets[2][4096] __attribute__((aligned(4096)));
static char scratch[4096] __attribute__((aligned(4096)));
static struct mmu_update batch[2][512];
static unsigned long mfn_tables[5];
static uint64_t scratch_rw, scratch_ro;

static uint64_t target_pte(int which)
{
	return (bench_mfn_of(targets[which]) << 12) | PTE_P | PTE_US | PTE_A;
}

/* Fill the tables while writable, then map them read-only, as a kernel must. */
static bool build_tables(void)
{
	uint64_t *t[5];
	long rc = 0;

	for (int i = 0; i < 5; i++) {
		t[i] = (uint64_t *)tables[i];
		memset(t[i], 0, 4096);
		mfn_tables[i] = bench_mfn_of(tables[i]);
	}
	for (int e = 0; e < 512; e++) {
		t[3][e] = target_pte(e & 1);
		t[4][e] = target_pte(0);
	}
	for (int i = 0; i < 3; i++)
		t[i][0] = (mfn_tables[i + 1] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A;
	for (int i = 0; i < 5 && !rc; i++)
		rc = hypercall_update_va_mapping(
		    (unsigned long)tables[i], (mfn_tables[i] << 12) | PTE_P | PTE_A, UVMF_INVLPG);
	if (rc)
		xtest_fail("mapping the tables read-only: %ld", rc);
	return !rc;
}

static bool pin_unpin(unsigned long iters, void *arg)
{
	int level = (int)(unsigned long)arg, t = level == 4 ? 0 : 4;
	long rc = 0;

	for (unsigned long i = 0; i < iters && !rc; i++) {
		rc = bench_mmuext(level == 4 ? MMUEXT_PIN_L4_TABLE : MMUEXT_PIN_L1_TABLE,
				  mfn_tables[t]);
		if (!rc)
			rc = bench_mmuext(MMUEXT_UNPIN_TABLE, mfn_tables[t]);
	}
	if (rc)
		xtest_fail("pin/unpin of the L%d: %ld", level, rc);
	return !rc;
}

static bool update(unsigned long iters, void *arg)
{
	unsigned int n = (unsigned int)(unsigned long)arg, done = 0;
	long rc = 0;

	for (unsigned long i = 0; i < iters && !rc; i++)
		rc = hypercall(HC_mmu_update, (unsigned long)batch[i & 1], n, (unsigned long)&done,
			       DOMID_SELF, 0);
	if (rc || done != n)
		xtest_fail("mmu_update of %u: %ld, %u done", n, rc, done);
	return !rc && done == n;
}

static bool ptwr(unsigned long iters, void *arg)
{
	volatile uint64_t *pte = arg;

	for (unsigned long i = 0; i < iters; i++)
		*pte = (i & 1) ? scratch_rw : scratch_ro;
	*pte = scratch_rw;
	bench_mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)scratch);
	if (*pte != scratch_rw)
		xtest_fail("the L1 entry reads %#lx after the writes", (unsigned long)*pte);
	return *pte == scratch_rw;
}

static bool uvm(unsigned long iters, void *arg)
{
	unsigned long flags = (unsigned long)arg;
	long rc = 0;

	for (unsigned long i = 0; i < iters && !rc; i++)
		rc = hypercall_update_va_mapping((unsigned long)scratch,
						 (i & 1) ? scratch_rw : scratch_ro, flags);
	if (!rc)
		rc = hypercall_update_va_mapping((unsigned long)scratch, scratch_rw, UVMF_INVLPG);
	if (rc)
		xtest_fail("update_va_mapping (flags %lu): %ld", flags, rc);
	return !rc;
}

void test_main(void)
{
	scratch[0] = 1;
	scratch_rw = *bench_l1e(scratch);
	scratch_ro = scratch_rw & ~PTE_RW;
	if (!build_tables())
		return;
	bench_run("mmuext-pin-unpin-l1", 100, pin_unpin, (void *)1UL);
	bench_run("mmuext-pin-unpin-l4-tree", 20, pin_unpin, (void *)4UL);

	if (bench_mmuext(MMUEXT_PIN_L1_TABLE, mfn_tables[4])) {
		xtest_fail("pinning the L1 for mmu_update");
	} else {
		for (int e = 0; e < 512; e++)
			for (int b = 0; b < 2; b++)
				batch[b][e] = (struct mmu_update){ (mfn_tables[4] << 12) + e * 8,
								   target_pte(b ^ (e & 1)) };
		bench_run("mmu-update-1", 200, update, (void *)1UL);
		bench_run("mmu-update-512", 20, update, (void *)512UL);
		bench_mmuext(MMUEXT_UNPIN_TABLE, mfn_tables[4]);
	}
	bench_run("ptwr-l1-write", 200, ptwr, (void *)bench_l1e(scratch));
	bench_run("update-va-mapping-noflush", 200, uvm, (void *)(unsigned long)UVMF_NONE);
	bench_run("update-va-mapping-invlpg", 200, uvm, (void *)(unsigned long)UVMF_INVLPG);
	bench_run("update-va-mapping-tlbflush", 200, uvm, (void *)(unsigned long)UVMF_TLB_FLUSH);
}

TEST_EXPECT("BENCH mmuext-pin-unpin-l1 ");
TEST_EXPECT("BENCH mmuext-pin-unpin-l4-tree ");
TEST_EXPECT("BENCH mmu-update-1 ");
TEST_EXPECT("BENCH mmu-update-512 ");
TEST_EXPECT("BENCH ptwr-l1-write ");
TEST_EXPECT("BENCH update-va-mapping-noflush ");
TEST_EXPECT("BENCH update-va-mapping-invlpg ");
TEST_EXPECT("BENCH update-va-mapping-tlbflush ");

/*
 * mmu_update on one page table from two vCPUs of dom0 at once (two CPUs):
 * two neighbouring pages of the test are mapped by the same L1 table; vCPU 0
 * rewrites the first one's entry and vCPU 1 the second's, each mapping one
 * shared target frame writable, writing its mark through that mapping,
 * reading it back through the target's own address and putting its entry
 * back, many times over. Every update succeeds and every mark lands.
 * Afterwards the target's writable references are back to none: with its
 * own mapping made read-only it can be pinned as an L1 table (which no
 * writable mapping may coexist with), and unpinned and made writable again.
 */
#include "xtest.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("mmu_update race: 2x400 updates of one L1 table");

#define HC_mmuext_op 26
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_INVLPG_LOCAL 7
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define ROUNDS 400

struct mmu_update {
	uint64_t ptr, val;
};

struct mmuext_op {
	unsigned int cmd;
	unsigned long arg1, arg2;
};

void xtest_install_traps(void); /* lib/traps.c */

/* 0: the target frame; 1 and 2: the windows of vCPU 0 and vCPU 1. */
static char pages[3][4096] __attribute__((aligned(4096)));
static uint64_t l1e[3], saved_pte[3];
static char ap_stack[16384] __attribute__((aligned(16)));
static volatile unsigned long ap_alive, go, ap_done, ap_bad;
static volatile long ap_first_rc;

static long mmu_update(struct mmu_update *req, unsigned int n)
{
	return hypercall(HC_mmu_update, (unsigned long)req, n, 0, DOMID_SELF, 0);
}

static long mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { cmd, arg1, 0 };

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static uint64_t *va_of_mfn(unsigned long mfn)
{
	return (uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[mfn] << 12));
}

/* Machine address of the L1 entry mapping @va. */
static uint64_t l1e_maddr(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long v = (unsigned long)va,
		      mfn = p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

static uint64_t pte_at(uint64_t maddr)
{
	return va_of_mfn(maddr >> 12)[(maddr & 4095) / 8];
}

/* One round of vCPU @who: 0 if all went well, else the failing call's result (or 1). */
static long mmu_round(unsigned int who, unsigned int round)
{
	unsigned int win = 1 + who;
	struct mmu_update u = { l1e[win], (saved_pte[0] & ADDR_MASK) | PTE_P | PTE_RW | PTE_A |
						  PTE_D };
	volatile uint32_t *mark = (volatile uint32_t *)(pages[win] + 64 * who);
	long rc = mmu_update(&u, 1);
	bool seen;

	if (rc)
		return rc;
	mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)pages[win]);
	*mark = round;
	seen = *(volatile uint32_t *)(pages[0] + 64 * who) == round;
	u.val = saved_pte[win];
	rc = mmu_update(&u, 1);
	mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)pages[win]);
	return rc ? rc : !seen;
}

static unsigned long mmu_rounds(unsigned int who, volatile long *first)
{
	unsigned long bad = 0;

	for (unsigned int i = 1; i <= ROUNDS; i++) {
		long rc = mmu_round(who, i);

		if (rc && !bad++)
			*first = rc;
	}
	return bad;
}

static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	while (!go)
		xtest_yield();
	ap_bad = mmu_rounds(1, &ap_first_rc);
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

/* The target frame has no writable mapping left: it pins as an L1 table once its own is read-only. */
static void check_refs(void)
{
	unsigned long mfn = (saved_pte[0] & ADDR_MASK) >> 12;
	long rc;

	memset(pages[0], 0, sizeof(pages[0])); /* an empty L1 table */
	for (int i = 1; i < 3; i++)
		xtest_check(pte_at(l1e[i]) == saved_pte[i], "window %d's entry %#lx, not %#lx", i,
			    (unsigned long)pte_at(l1e[i]), (unsigned long)saved_pte[i]);
	rc = hypercall_update_va_mapping((unsigned long)pages[0], saved_pte[0] & ~PTE_RW,
					 UVMF_INVLPG);
	xtest_check(rc == 0, "making the target read-only: %ld", rc);
	rc = mmuext(MMUEXT_PIN_L1_TABLE, mfn);
	xtest_check(rc == 0, "pinning the target as an L1 table: %ld (a writable reference left)",
		    rc);
	if (rc == 0) {
		rc = mmuext(MMUEXT_UNPIN_TABLE, mfn);
		xtest_check(rc == 0, "unpinning the target: %ld", rc);
	}
	rc = hypercall_update_va_mapping((unsigned long)pages[0], saved_pte[0], UVMF_INVLPG);
	xtest_check(rc == 0, "making the target writable again: %ld", rc);
}

void test_main(void)
{
	volatile long first = 0;
	unsigned long bad;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	for (int i = 0; i < 3; i++) {
		l1e[i] = l1e_maddr(pages[i]);
		saved_pte[i] = pte_at(l1e[i]);
	}
	if ((l1e[1] >> 12) != (l1e[2] >> 12)) {
		xtest_error("the two windows are not in one L1 table");
		return;
	}
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	go = 1;
	bad = mmu_rounds(0, &first);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not finish its updates");
	xtest_check(bad == 0 && ap_bad == 0,
		    "failed rounds: vCPU 0 %lu (first %ld), vCPU 1 %lu (first %ld)", bad, first,
		    ap_bad, ap_first_rc);
	if (!bad && !ap_bad)
		printk("mmu_update race: 2x%u updates of one L1 table\n", ROUNDS);
	check_refs();
}

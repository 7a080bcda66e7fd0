/*
 * One grant mapped and unmapped by two vCPUs of dom0 at once (two CPUs):
 * dom0 grants a page of its own to itself; vCPU 0 maps the reference at
 * one address and vCPU 1 at another, each writes its own mark through its
 * mapping, reads it back in the granting page and unmaps, many times over.
 * Every map and unmap must succeed and every write land in the granted
 * page; afterwards the entry's GTF_reading / GTF_writing are clear (the
 * grant's pin counts back to none), both addresses unmapped, a further
 * unmap of the last handles refused, and the two pages' own mappings can
 * be put back (the frames' reference counts back to where they were).
 */
#include "xtest.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("map/unmap race: 2x300 mappings of one grant");

#define HC_mmuext_op 26
#define MMUEXT_INVLPG_LOCAL 7
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define REF 11
#define ROUNDS 300

void xtest_install_traps(void); /* lib/traps.c */

/* 0: the grant table, 1: the granted page, 2: vCPU 0's mapping, 3: vCPU 1's */
static char pages[4][4096] __attribute__((aligned(4096)));
static uint64_t saved_pte[4];
static volatile struct grant_entry_v1 *table;
static char ap_stack[16384] __attribute__((aligned(16)));
static volatile unsigned long ap_alive, go, ap_done, ap_bad;
static volatile uint32_t last_handle[2];
static volatile int16_t ap_status;

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

static void invlpg(const void *va)
{
	unsigned long op[3] = { MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0 };

	hypercall(HC_mmuext_op, (unsigned long)op, 1, 0, DOMID_SELF, 0);
}

static uint64_t *va_of_mfn(unsigned long mfn)
{
	return (uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[mfn] << 12));
}

static uint64_t pte_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long v = (unsigned long)va,
		      mfn = p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return va_of_mfn(mfn)[(v >> 12) & 511];
}

/*
 * One map, write, check and unmap of the grant at pages[2 + @who]; a
 * GNTST_* code, or 1 when the write did not reach the granted page.
 */
static int16_t map_round(unsigned int who, unsigned int round)
{
	char *va = pages[2 + who];
	struct gnttab_map_grant_ref m = {
		.host_addr = (unsigned long)va, .flags = GNTMAP_host_map, .ref = REF, .dom = 0
	};
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)va };
	volatile uint32_t *mine = (volatile uint32_t *)(va + 64 * who);
	bool seen;

	if (gnttab_op(GNTTABOP_map_grant_ref, &m, 1) != 0 || m.status != GNTST_okay)
		return m.status ? m.status : -99;
	invlpg(va);
	*mine = round;
	seen = *(volatile uint32_t *)(pages[1] + 64 * who) == round;
	u.handle = m.handle;
	last_handle[who] = m.handle;
	if (gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1) != 0 || u.status != GNTST_okay)
		return u.status ? u.status : -98;
	return seen ? GNTST_okay : 1;
}

static unsigned long map_rounds(unsigned int who, volatile int16_t *first_bad)
{
	unsigned long bad = 0;

	for (unsigned int i = 1; i <= ROUNDS; i++) {
		int16_t st = map_round(who, i);

		if (st != GNTST_okay && !bad++)
			*first_bad = st;
	}
	return bad;
}

static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	while (!go)
		xtest_yield();
	ap_bad = map_rounds(1, &ap_status);
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

static bool setup(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };
	unsigned long frame = 0;
	long rc;

	s.frame_list = &frame;
	rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	if (rc || s.status != GNTST_okay) {
		xtest_fail("setup_table: rc %ld status %d", rc, s.status);
		return false;
	}
	for (int i = 0; i < 4; i++)
		saved_pte[i] = pte_of(pages[i]);
	rc = hypercall_update_va_mapping(
	    (unsigned long)pages[0], (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
	if (rc) {
		xtest_fail("mapping the grant table: %ld", rc);
		return false;
	}
	table = (volatile struct grant_entry_v1 *)pages[0];
	table[REF].domid = 0;
	table[REF].frame = (uint32_t)((saved_pte[1] & ADDR_MASK) >> 12);
	__asm__ volatile("" ::: "memory");
	table[REF].flags = GTF_permit_access;
	return true;
}

/* Nothing of the mappings is left: flags, PTEs, handles, the pages' own mappings. */
static void check_after(void)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)pages[2],
					    .handle = last_handle[0] };
	long rc;

	xtest_check(table[REF].flags == GTF_permit_access, "grant flags after the race: %#x",
		    table[REF].flags);
	for (int i = 2; i < 4; i++)
		xtest_check(!(pte_of(pages[i]) & PTE_P), "page %d still mapped: %#lx", i,
			    (unsigned long)pte_of(pages[i]));
	rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);
	xtest_check(rc == 0 && u.status == GNTST_bad_handle,
		    "unmap of vCPU 0's last handle again: rc %ld status %d", rc, u.status);
	table[REF].flags = 0;
	for (int i = 0; i < 4; i++) {
		rc = hypercall_update_va_mapping((unsigned long)pages[i], saved_pte[i],
						 UVMF_INVLPG);
		xtest_check(rc == 0, "restoring page %d's mapping: %ld", i, rc);
	}
}

void test_main(void)
{
	volatile int16_t status = 0;
	unsigned long bad;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	if (!setup())
		return;
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	go = 1;
	bad = map_rounds(0, &status);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not finish its mappings");
	xtest_check(bad == 0 && ap_bad == 0,
		    "failed rounds: vCPU 0 %lu (first status %d), vCPU 1 %lu (first status %d)", bad,
		    status, ap_bad, ap_status);
	if (!bad && !ap_bad)
		printk("map/unmap race: 2x%u mappings of one grant\n", ROUNDS);
	check_after();
}

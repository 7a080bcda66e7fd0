/* SPDX-License-Identifier: MIT */
/*
 * The save's mfn -> pfn and the restore's pfn -> mfn of a 64-bit PV guest's
 * page tables and vCPU state (dom0-tools/xl/xl_canon.c), against a made-up
 * guest of 16 pages at frames 100, 103, 106...: flags kept, non-present
 * entries untouched, Xen's L4 slots cleared, superpages and frames not the
 * guest's refused with a message, and each conversion undone by the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "domctl.h"
#include "xl_canon.h"
#include "xl_stream.h"

#define NR_PFNS 16
#define NR_MFNS 200
#define MFN(pfn) (100 + 3 * (uint64_t)(pfn))
#define PTE(frame, flags) (((uint64_t)(frame) << 12) | (flags))
#define FLAGS 0x8000000000000067ULL /* NX, dirty, accessed, user, writable, present */

static uint64_t p2m[NR_PFNS], m2p[NR_MFNS];
static const struct xl_pfnmap map = { m2p, NR_MFNS, p2m, NR_PFNS };
static char err[200];

static int setup(void **state)
{
	(void)state;
	memset(m2p, 0xff, sizeof(m2p));
	for (unsigned int pfn = 0; pfn < NR_PFNS; pfn++) {
		p2m[pfn] = MFN(pfn);
		m2p[MFN(pfn)] = pfn;
	}
	m2p[199] = 2; /* a frame that claims pfn 2, which p2m gives another frame */
	err[0] = 0;
	return 0;
}

static void l1_round_trip(void **state)
{
	uint64_t t[512] = { 0 }, canon[512], back[512];

	(void)state;
	t[0] = PTE(MFN(5), FLAGS);
	t[1] = PTE(MFN(0), 0x1);
	t[2] = PTE(12345, 0x66);   /* not present: left as it is */
	t[3] = PTE(MFN(15), 0x81); /* PAT bit in an L1: a 4 KiB page */
	assert_int_equal(xl_canon_table(&map, 1, t, canon, err, sizeof(err)), 0);
	assert_int_equal(canon[0], PTE(5, FLAGS));
	assert_int_equal(canon[1], PTE(0, 0x1));
	assert_int_equal(canon[2], t[2]);
	assert_int_equal(canon[3], PTE(15, 0x81));
	assert_int_equal(canon[511], 0);
	assert_int_equal(xl_local_table(&map, 1, canon, back, err, sizeof(err)), 0);
	assert_memory_equal(back, t, sizeof(t));
}

static void l4_xen_slots_cleared(void **state)
{
	uint64_t t[512], canon[512];

	(void)state;
	for (unsigned int i = 0; i < 512; i++)
		t[i] = i >= 256 && i <= 272 ? PTE(7, 0x63) : PTE(MFN(i % NR_PFNS), 0x67);
	assert_int_equal(xl_canon_table(&map, 4, t, canon, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t want = i >= 256 && i <= 272 ? 0 : PTE(i % NR_PFNS, 0x67);

		if (canon[i] != want)
			fail_msg("L4[%u] = %#llx, want %#llx", i, (unsigned long long)canon[i],
				 (unsigned long long)want);
	}
	/* Only an L4 has them: an L3's entry 256 is the guest's. */
	assert_int_equal(xl_canon_table(&map, 3, t, canon, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "L3[256] names frame 0x7"));
}

static void refused(unsigned int level, uint64_t pte, const char *msg)
{
	uint64_t t[512] = { 0 }, out[512];

	t[9] = pte;
	err[0] = 0;
	assert_int_equal(xl_canon_table(&map, level, t, out, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("L%u entry %#llx: \"%s\", wanted \"%s\"", level, (unsigned long long)pte,
			 err, msg);
}

static void bad_entries_refused(void **state)
{
	(void)state;
	refused(2, PTE(MFN(3), 0xe3), "L2[9] maps a superpage");
	refused(3, PTE(MFN(3), 0x81), "L3[9] maps a superpage");
	refused(1, PTE(101, 0x1), "names frame 0x65");	  /* no pfn for it */
	refused(1, PTE(NR_MFNS, 0x1), "not the guest's"); /* beyond the m2p */
	refused(1, PTE(199, 0x1), "names frame 0xc7");	  /* p2m gives pfn 2 another frame */
}

static void local_beyond_p2m_refused(void **state)
{
	uint64_t t[512] = { 0 }, out[512];

	(void)state;
	t[4] = PTE(NR_PFNS, 0x1);
	assert_int_equal(xl_local_table(&map, 1, t, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "L1[4]"));
	p2m[3] = ~0ULL; /* a pfn the new domain has no frame for */
	t[4] = PTE(3, 0x1);
	assert_int_equal(xl_local_table(&map, 1, t, out, err, sizeof(err)), -1);
}

static void vcpu_round_trip(void **state)
{
	static struct vcpu_guest_context v, orig;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.user_regs.rdx = MFN(1);
	v.gdt_ents = 600; /* two frames */
	v.gdt_frames[0] = MFN(8);
	v.gdt_frames[1] = MFN(9);
	v.gdt_frames[2] = 4242; /* past gdt_ents: not a frame */
	v.ctrlreg[3] = MFN(4) << 12;
	v.ctrlreg[1] = 1 | (MFN(6) << 12);
	orig = v;
	assert_int_equal(xl_canon_vcpu(&map, 0, &v, err, sizeof(err)), 0);
	assert_int_equal(v.user_regs.rdx, 1);
	assert_int_equal(v.gdt_frames[0], 8);
	assert_int_equal(v.gdt_frames[1], 9);
	assert_int_equal(v.gdt_frames[2], 4242);
	assert_int_equal(v.ctrlreg[3], 4 << 12);
	assert_int_equal(v.ctrlreg[1], 1 | (6 << 12));
	assert_int_equal(xl_local_vcpu(&map, 0, &v, err, sizeof(err)), 0);
	assert_memory_equal(&v, &orig, sizeof(v));
	/* Another vCPU's rdx is a register like any other. */
	v.user_regs.rdx = 0xdead;
	v.ctrlreg[1] = 0;
	assert_int_equal(xl_canon_vcpu(&map, 1, &v, err, sizeof(err)), 0);
	assert_int_equal(v.user_regs.rdx, 0xdead);
	assert_int_equal(v.ctrlreg[1], 0);
}

static void bad_vcpu_refused(void **state)
{
	static struct vcpu_guest_context v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.ctrlreg[3] = MFN(4) << 12;
	v.gdt_ents = FIRST_RESERVED_GDT_ENTRY + 1;
	assert_int_equal(xl_canon_vcpu(&map, 1, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "GDT entries"));
	v.gdt_ents = 0;
	v.ctrlreg[3] = 101 << 12;
	assert_int_equal(xl_canon_vcpu(&map, 1, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cr3"));
	v.ctrlreg[3] = MFN(4) << 12;
	v.user_regs.rdx = 101;
	assert_int_equal(xl_canon_vcpu(&map, 0, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "start_info"));
}

#define PIN_L4 (XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB)

/* A batch of a plain page, an L1, a pinned L4, an absent and a broken pfn. */
static void page_batch(void **state)
{
	static uint64_t plain[512], l1[512], l4[512], head[6], data[5][512];
	const void *pages[5] = { plain, l1, l4, NULL, NULL };
	uint64_t pfns[5] = { 0, 1, 2, 3, 4 };
	uint32_t info[5] = { XEN_DOMCTL_PFINFO_NOTAB, XEN_DOMCTL_PFINFO_L1TAB, PIN_L4,
			     XEN_DOMCTL_PFINFO_XTAB, XEN_DOMCTL_PFINFO_BROKEN };
	static uint8_t body[8 + 5 * 8 + 3 * XC_SR_PAGE];
	struct xl_sr_in in = { 0 };
	uint32_t count, with_data;
	unsigned int nr;

	(void)state;
	memset(plain, 0x3c, sizeof(plain));
	l1[7] = PTE(MFN(9), FLAGS);
	l4[0] = PTE(MFN(2), 0x67);
	l4[260] = PTE(4000, 0x67); /* a Xen slot */
	assert_int_equal(
	    xl_canon_page_batch(&map, 5, pfns, info, pages, head, data, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 3);
	assert_int_equal(head[0], 5);
	assert_int_equal(head[1], 0);
	assert_int_equal(head[2], 1 | (1ULL << 60));
	assert_int_equal(head[3], 2 | (0xcULL << 60));
	assert_int_equal(head[4], 3 | (0xfULL << 60));
	assert_int_equal(head[5], 4 | (0xdULL << 60));
	assert_memory_equal(data[0], plain, XC_SR_PAGE);
	assert_int_equal(data[1][7], PTE(9, FLAGS));
	assert_int_equal(data[2][0], PTE(2, 0x67));
	assert_int_equal(data[2][260], 0);
	/* What the reader of the stream makes of it. */
	memcpy(body, head, sizeof(head));
	memcpy(body + sizeof(head), data, 3 * XC_SR_PAGE);
	assert_int_equal(xl_sr_check_page_data(&in, body, sizeof(body), &count, &with_data), 0);
	assert_int_equal(count, 5);
	assert_int_equal(with_data, 3);
}

static void bad_batch_refused(void **state)
{
	static uint64_t l1[512], head[2], data[512];
	const void *none[1] = { NULL }, *table[1] = { l1 };
	uint64_t pfn = 6;
	uint32_t info = XEN_DOMCTL_PFINFO_NOTAB;
	unsigned int nr;

	(void)state;
	assert_int_equal(
	    xl_canon_page_batch(&map, 1, &pfn, &info, none, head, data, &nr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no mapping"));
	info = 5U << 28;
	assert_int_equal(
	    xl_canon_page_batch(&map, 1, &pfn, &info, table, head, data, &nr, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "unknown type 0x5"));
	info = XEN_DOMCTL_PFINFO_L1TAB;
	l1[3] = PTE(101, 0x1);
	assert_int_equal(
	    xl_canon_page_batch(&map, 1, &pfn, &info, table, head, data, &nr, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "L1[3] names frame 0x65, not the guest's (pfn 0x6)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(l1_round_trip, setup),
		cmocka_unit_test_setup(l4_xen_slots_cleared, setup),
		cmocka_unit_test_setup(bad_entries_refused, setup),
		cmocka_unit_test_setup(local_beyond_p2m_refused, setup),
		cmocka_unit_test_setup(vcpu_round_trip, setup),
		cmocka_unit_test_setup(bad_vcpu_refused, setup),
		cmocka_unit_test_setup(page_batch, setup),
		cmocka_unit_test_setup(bad_batch_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

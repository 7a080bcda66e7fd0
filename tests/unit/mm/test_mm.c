/*
 * The PV MMU's rules (xen/arch/x86/pv/mm.c, ro-page-fault.c) over a host
 * frame table: every rule, and every refusal, with reference counts checked
 * to come back to where they started.
 *
 * Frames: 2-55 belong to the domain under test, 56-59 to another domain,
 * 60 is a hypervisor page, 61 is free, 0-1 and everything from 64 are I/O.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mm_shim.h"
#include "shim.h"
#include "pv_mm.h"
#include "errno.h"
#include "public/xen.h"
#include "logdirty.h"

#define P _PAGE_PRESENT
#define RW _PAGE_RW
#define US _PAGE_USER
#define A _PAGE_ACCESSED
#define D _PAGE_DIRTY

enum { L4 = 10, L3 = 11, L2 = 12, L1 = 13, DATA0 = 20, DATA1 = 21, DATA2 = 22, DATA3 = 23 };
enum { OTHER = 56, XENPG = 60, FREEPG = 61, IOPG = 100 };

static struct domain dom, other;
static struct vcpu vcpu;

/* The registry: the two domains of the tests. */
struct domain *domain_by_id(domid_t id)
{
	if (id == dom.domain_id)
		return &dom;
	return id == other.domain_id ? &other : NULL;
}

/* Guest virtual address of entry @i of the test L1 (L4 slot 1, L3/L2 slot 0). */
#define VA(i) ((1UL << 39) + (u64)(i)*4096)

static pte_t *T(mfn_t m)
{
	return pv_map_frame(m);
}

static pte_t E(mfn_t m, u64 flags)
{
	return (m << 12) | flags;
}

static struct page_info *PG(mfn_t m)
{
	return &frame_table[m];
}

static void own(struct domain *d, mfn_t m)
{
	PG(m)->owner = d;
	PG(m)->count = 1;
	PG(m)->flags = PGC_allocated;
}

static int setup(void **state)
{
	(void)state;
	shim_mm_reset();
	shim_log_reset();
	memset(&dom, 0, sizeof(dom));
	memset(&other, 0, sizeof(other));
	memset(&vcpu, 0, sizeof(vcpu));
	dom.domain_id = 1;
	other.domain_id = 2;
	vcpu.domain = &dom;
	vcpu.arch.pv.in_kernel = true;
	dom.vcpu[0] = &vcpu;
	current = &vcpu;
	for (mfn_t m = 2; m < OTHER; m++)
		own(&dom, m);
	for (mfn_t m = OTHER; m < XENPG; m++)
		own(&other, m);
	PG(XENPG)->flags = PGC_xen_heap;
	PG(FREEPG)->flags = PGC_free;
	for (mfn_t m = 62; m < SHIM_FRAMES; m++)
		own(&dom, m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	shim_mm_free();
	return 0;
}

/* L4[1] -> L3[0] -> L2[0] -> L1; L1[0] = DATA0 writable, L1[1] = DATA1 read-only. */
static void build_chain(void)
{
	T(L4)[1] = E(L3, P | RW);
	T(L3)[0] = E(L2, P | RW);
	T(L2)[0] = E(L1, P | RW);
	T(L1)[0] = E(DATA0, P | RW);
	T(L1)[1] = E(DATA1, P);
}

/* Nothing holds a type or extra general reference: everything balanced. */
static void assert_all_released(void)
{
	for (mfn_t m = 2; m < SHIM_FRAMES; m++) {
		if (m == XENPG || m == FREEPG)
			continue;
		if (PG(m)->type_count || PG(m)->count != 1 || (PG(m)->flags & PGC_pinned) ||
		    PG(m)->linear_pt_count)
			fail_msg("mfn %lu: type %u type_count %u count %u flags %#x linear %d", m,
				 PG(m)->type, PG(m)->type_count, PG(m)->count, PG(m)->flags,
				 PG(m)->linear_pt_count);
	}
	assert_int_equal(PG(XENPG)->count, 0);
	assert_int_equal(PG(FREEPG)->count, 0);
}

/*
 * A frame its domain gave back (no allocation reference) while still
 * mapping it lives on until the last mapping goes, then is released.
 */
static void test_given_back_frame_released_on_last_put(void **state)
{
	(void)state;
	shim_released = 0;
	assert_true(pv_get_page(PG(DATA2), &dom)); /* a mapping */
	PG(DATA2)->flags &= ~PGC_allocated;	   /* given back, as decrease_reservation does */
	pv_put_page(PG(DATA2));			   /* ... dropping the allocation reference */
	assert_int_equal(shim_released, 0);
	assert_ptr_equal(PG(DATA2)->owner, &dom);
	assert_true(pv_get_page(PG(DATA2), &dom)); /* still the domain's to map */
	pv_put_page(PG(DATA2));
	pv_put_page(PG(DATA2)); /* the last mapping */
	assert_int_equal(shim_released, 1);
	assert_null(PG(DATA2)->owner);
	assert_false(pv_get_page(PG(DATA2), &dom));
	/* an allocated frame is never released by its own references */
	assert_true(pv_get_page(PG(DATA1), &dom));
	pv_put_page(PG(DATA1));
	assert_int_equal(shim_released, 1);
	PG(DATA2)->owner = &dom; /* as setup made it, for the teardown's balance check */
	PG(DATA2)->flags |= PGC_allocated;
	PG(DATA2)->count = 1;
}

static void pin_ok(mfn_t m, unsigned int type)
{
	assert_int_equal(pv_pin_table(&dom, m, type), 0);
}

static void unpin_ok(mfn_t m)
{
	assert_int_equal(pv_unpin_table(&dom, m), 0);
}

/* ---- validation of whole chains ---- */

static void test_chain_validates_and_releases(void **state)
{
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(PG(L4)->type, PGT_l4_page_table);
	assert_int_equal(PG(L4)->type_count, 1);
	assert_true(PG(L4)->flags & PGC_pinned);
	assert_int_equal(PG(L4)->count, 2);
	for (mfn_t m = L3; m <= L1; m++) {
		assert_int_equal(PG(m)->type, PGT_l4_page_table - (m - L4));
		assert_int_equal(PG(m)->type_count, 1);
		assert_true(PG(m)->flags & PGC_validated);
		assert_int_equal(PG(m)->count, 2);
	}
	assert_int_equal(PG(DATA0)->type, PGT_writable_page);
	assert_int_equal(PG(DATA0)->type_count, 1);
	assert_int_equal(PG(DATA0)->count, 2);
	assert_int_equal(PG(DATA1)->type_count, 0);
	assert_int_equal(PG(DATA1)->count, 2);
	/* ring-3 kernels: present entries get _PAGE_USER */
	assert_true(T(L1)[0] & US);
	assert_true(T(L4)[1] & US);
	/* the hypervisor's slots were copied in */
	for (unsigned int i = 256; i <= 271; i++)
		assert_int_equal(T(L4)[i], shim_xen_l4[i]);
	assert_int_equal(T(L4)[272], 0);
	unpin_ok(L4);
	assert_all_released();
	for (mfn_t m = L4; m <= L1; m++)
		assert_false(PG(m)->flags & PGC_validated);
}

static void test_pin_each_level(void **state)
{
	(void)state;
	build_chain();
	pin_ok(L1, PGT_l1_page_table);
	pin_ok(L2, PGT_l2_page_table);
	assert_int_equal(PG(L1)->type_count, 2); /* pin + L2 entry */
	pin_ok(L3, PGT_l3_page_table);
	assert_int_equal(PG(L2)->type_count, 2);
	unpin_ok(L2);
	assert_int_equal(PG(L2)->type_count, 1); /* still referenced by L3 */
	unpin_ok(L3);
	assert_int_equal(PG(L2)->type_count, 0);
	assert_int_equal(PG(L1)->type_count, 1);
	unpin_ok(L1);
	assert_all_released();
}

static void test_wrong_level_refused(void **state)
{
	(void)state;
	build_chain();
	pin_ok(L1, PGT_l1_page_table);
	/* an L1 cannot be pinned as anything else, nor an L2 used as an L1 */
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l2_page_table), -EINVAL);
	T(30)[0] = E(L1, P); /* an L3 entry naming an L1 */
	assert_int_equal(pv_pin_table(&dom, 30, PGT_l3_page_table), -EINVAL);
	assert_int_equal(PG(30)->type_count, 0);
	unpin_ok(L1);
	assert_all_released();
}

/* ---- no page table or descriptor frame is writable anywhere ---- */

static void make_typed(mfn_t m, unsigned int type)
{
	if (type == PGT_seg_desc_page)
		assert_int_equal(pv_get_page_and_type(m, &dom, type), 0);
	else
		pin_ok(m, type);
}

static void drop_typed(mfn_t m, unsigned int type)
{
	if (type == PGT_seg_desc_page)
		pv_put_page_and_type(PG(m));
	else
		unpin_ok(m);
}

static void test_writable_mapping_of_typed_frames_refused(void **state)
{
	static const unsigned int types[] = { PGT_l1_page_table, PGT_l2_page_table,
					      PGT_l3_page_table, PGT_l4_page_table,
					      PGT_seg_desc_page };
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		make_typed(30, types[i]);
		T(31)[7] = E(30, P | RW);
		assert_int_equal(pv_pin_table(&dom, 31, PGT_l1_page_table), -EBUSY);
		assert_int_equal(PG(31)->type_count, 0);
		assert_int_equal(PG(30)->type_count, 1);
		assert_int_equal(PG(30)->count, 2);
		/* read-only is fine */
		T(31)[7] = E(30, P);
		pin_ok(31, PGT_l1_page_table);
		/* and an update cannot make it writable either */
		assert_int_equal(pv_mod_l1_entry(&dom, 31, 7, E(30, P | RW), false, &dom), -EBUSY);
		assert_int_equal(T(31)[7], E(30, P | US));
		unpin_ok(31);
		T(31)[7] = 0;
		drop_typed(30, types[i]);
		assert_all_released();
	}
}

static void test_writable_frame_cannot_become_table(void **state)
{
	(void)state;
	T(31)[0] = E(30, P | RW);
	pin_ok(31, PGT_l1_page_table);
	assert_int_equal(PG(30)->type, PGT_writable_page);
	for (unsigned int t = PGT_l1_page_table; t <= PGT_l4_page_table; t++)
		assert_int_equal(pv_pin_table(&dom, 30, t), -EINVAL);
	assert_int_equal(pv_get_page_and_type(30, &dom, PGT_seg_desc_page), -EINVAL);
	/* once the writable mapping is gone it may, after a TLB flush */
	assert_int_equal(pv_mod_l1_entry(&dom, 31, 0, 0, false, &dom), 0);
	shim_flushes = 0;
	pin_ok(30, PGT_l1_page_table);
	assert_int_equal(shim_flushes, 1);
	unpin_ok(30);
	unpin_ok(31);
	assert_all_released();
	/* a table no longer in use becomes writable only after a flush too */
	shim_flushes = 0;
	T(31)[0] = E(30, P | RW);
	pin_ok(31, PGT_l1_page_table);
	assert_int_equal(shim_flushes, 1);
	assert_int_equal(pv_mod_l1_entry(&dom, 31, 0, 0, false, &dom), 0);
	unpin_ok(31);
	assert_all_released();
}

static void test_table_mapping_itself_writable_refused(void **state)
{
	(void)state;
	T(L1)[9] = E(L1, P | RW);
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
	assert_int_equal(PG(L1)->type_count, 0);
	assert_int_equal(PG(L1)->type, PGT_none);
	T(L1)[9] = E(L1, P);
	pin_ok(L1, PGT_l1_page_table);
	unpin_ok(L1);
	/* an L4 naming itself writable (a writable linear map) */
	T(L4)[5] = E(L4, P | RW);
	assert_int_equal(pv_pin_table(&dom, L4, PGT_l4_page_table), -EINVAL);
	assert_all_released();
}

static void test_partial_failure_undoes_earlier_entries(void **state)
{
	(void)state;
	T(L1)[0] = E(DATA0, P | RW);
	T(L1)[1] = E(DATA1, P);
	T(L1)[2] = E(OTHER, P); /* refused: not ours */
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
	assert_all_released();
	T(L1)[2] = 0;
	build_chain();
	T(L2)[3] = E(OTHER, P | RW);
	assert_int_equal(pv_pin_table(&dom, L4, PGT_l4_page_table), -EINVAL);
	assert_all_released();
}

/* ---- ownership ---- */

static void test_unowned_frames_refused(void **state)
{
	const mfn_t bad[] = { OTHER, XENPG, FREEPG };
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		T(L1)[0] = E(bad[i], P);
		assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
		T(L1)[0] = E(bad[i], P | RW);
		assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
		T(L2)[0] = E(bad[i], P);
		assert_int_equal(pv_pin_table(&dom, L2, PGT_l2_page_table), -EINVAL);
		assert_int_equal(pv_pin_table(&dom, bad[i], PGT_l1_page_table), -EINVAL);
		assert_int_equal(pv_unpin_table(&dom, bad[i]), -EINVAL);
		assert_all_released();
	}
	/* beyond the frame table as a table */
	assert_int_equal(pv_pin_table(&dom, IOPG, PGT_l1_page_table), -EINVAL);
	T(L2)[0] = E(IOPG, P);
	assert_int_equal(pv_pin_table(&dom, L2, PGT_l2_page_table), -EINVAL);
	assert_all_released();
}

static void test_iomem_only_for_privileged(void **state)
{
	(void)state;
	T(L1)[0] = E(IOPG, P | RW);
	T(L1)[1] = E(0, P); /* unowned low-MiB frame */
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EPERM);
	assert_all_released();
	dom.is_privileged = true;
	pin_ok(L1, PGT_l1_page_table);
	unpin_ok(L1);
	assert_all_released();
	assert_int_equal(PG(0)->count, 0); /* I/O frames are not counted */
}

/*
 * A frame below max_page that the firmware's map does not call RAM (ACPI
 * tables, reserved areas, holes) is I/O memory for the hardware domain, not
 * an unowned RAM frame; a denied I/O frame stays refused even to it.
 */
static void test_iomem_below_ram_top(void **state)
{
	(void)state;
	PG(FREEPG)->flags = PGC_reserved | PGC_io; /* e.g. an ACPI table between RAM ranges */
	T(L1)[0] = E(FREEPG, P);
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EPERM);
	assert_all_released();
	dom.is_privileged = true;
	pin_ok(L1, PGT_l1_page_table);
	unpin_ok(L1);
	assert_int_equal(PG(FREEPG)->count, 0);
	T(L1)[0] = E(SHIM_IO_DENIED, P);
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EPERM);
	T(L1)[0] = E(XENPG, P); /* the hypervisor's own RAM stays refused */
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
	T(L1)[0] = E(OTHER, P); /* and so does another domain's */
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EBUSY);
	assert_all_released();
}

extern u64 shim_msix_mfn;

/*
 * Which stores the read-only MMIO path skips, and by how much: plain movs
 * to memory, their lengths from the shared decoder (whose own cases are in
 * test_x86_decode).
 */
static void test_store_insn_len(void **state)
{
	const u8 mov32[] = { 0x89, 0x07 };			   /* mov %eax,(%rdi) */
	const u8 mov16[] = { 0x66, 0x89, 0x47, 0x0c };		   /* mov %ax,0xc(%rdi) */
	const u8 mov8[] = { 0x88, 0x04, 0x24 };			   /* mov %al,(%rsp) */
	const u8 movimm[] = { 0xc7, 0x47, 0x08, 1, 0, 0, 0 };	   /* movl $1,8(%rdi) */
	const u8 movimm16[] = { 0x66, 0xc7, 0x07, 1, 0 };	   /* movw $1,(%rdi) */
	const u8 movimm8[] = { 0xc6, 0x47, 0x0c, 1 };		   /* movb $1,0xc(%rdi) */
	const u8 movq[] = { 0x48, 0x89, 0x87, 0, 1, 0, 0 };	   /* mov %rax,0x100(%rdi) */
	const u8 movfs[] = { 0x64, 0x66, 0x41, 0x89, 0x40, 0x04 }; /* mov %ax,%fs:4(%r8) */
	const u8 load[] = { 0x8b, 0x07 };			   /* mov (%rdi),%eax */
	const u8 regdst[] = { 0x89, 0xc7 };			   /* mov %eax,%edi */
	const u8 regimm[] = { 0xc6, 0xc0, 1 };			   /* movb $1,%al */
	const u8 c7reg1[] = { 0xc7, 0x0f, 1, 0, 0, 0 };		   /* C7 /1: not a mov */
	const u8 orl[] = { 0x09, 0x07 };			   /* or %eax,(%rdi) */

	(void)state;
	assert_int_equal(pv_store_insn_len(mov32, sizeof(mov32)), 2);
	assert_int_equal(pv_store_insn_len(mov16, sizeof(mov16)), 4);
	assert_int_equal(pv_store_insn_len(mov8, sizeof(mov8)), 3);
	assert_int_equal(pv_store_insn_len(movimm, sizeof(movimm)), 7);
	assert_int_equal(pv_store_insn_len(movimm16, sizeof(movimm16)), 5);
	assert_int_equal(pv_store_insn_len(movimm8, sizeof(movimm8)), 4);
	assert_int_equal(pv_store_insn_len(movq, sizeof(movq)), 7);
	assert_int_equal(pv_store_insn_len(movfs, sizeof(movfs)), 6);
	assert_int_equal(pv_store_insn_len(movimm, 5), -EINVAL); /* cut short */
	assert_int_equal(pv_store_insn_len(mov8, 2), -EINVAL);	 /* no SIB */
	assert_int_equal(pv_store_insn_len(load, sizeof(load)), -EINVAL);
	assert_int_equal(pv_store_insn_len(regdst, sizeof(regdst)), -EINVAL);
	assert_int_equal(pv_store_insn_len(regimm, sizeof(regimm)), -EINVAL);
	assert_int_equal(pv_store_insn_len(c7reg1, sizeof(c7reg1)), -EINVAL);
	assert_int_equal(pv_store_insn_len(orl, sizeof(orl)), -EINVAL);
}

/* A writable mapping of an MSI-X table frame is installed read-only. */
static void test_msix_table_mapped_read_only(void **state)
{
	(void)state;
	dom.is_privileged = true;
	shim_msix_mfn = IOPG;
	T(L1)[0] = E(IOPG, P | RW);
	T(L1)[1] = E(IOPG + 1, P | RW);
	pin_ok(L1, PGT_l1_page_table);
	assert_false(T(L1)[0] & RW);
	assert_true(T(L1)[1] & RW);
	unpin_ok(L1);
	shim_msix_mfn = 0;
	assert_all_released();
}

/* ---- flag bits ---- */

static void test_l1_disallowed_flags(void **state)
{
	const u64 cache[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_PAT };
	const u64 fine[] = {
		_PAGE_NX, 1UL << 52, 1UL << 62, _PAGE_GLOBAL, _PAGE_AVAIL, A | D | US
	};
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(cache); i++) {
		T(L1)[0] = E(DATA0, P | cache[i]);
		dom.is_privileged = false;
		assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EINVAL);
		assert_all_released();
		dom.is_privileged = true; /* the hardware domain may choose caching */
		pin_ok(L1, PGT_l1_page_table);
		unpin_ok(L1);
	}
	dom.is_privileged = false;
	for (unsigned int i = 0; i < ARRAY_SIZE(fine); i++) {
		T(L1)[0] = E(DATA0, P | RW | fine[i]);
		pin_ok(L1, PGT_l1_page_table);
		unpin_ok(L1);
	}
	pin_ok(L1, PGT_l1_page_table);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 3, E(DATA1, P | _PAGE_PCD), false, &dom),
			 -EINVAL);
	assert_int_equal(T(L1)[3], 0);
	unpin_ok(L1);
	assert_all_released();
}

static void test_ln_disallowed_flags_and_superpages(void **state)
{
	const u64 bad[] = { _PAGE_PSE, _PAGE_GLOBAL, _PAGE_PWT, _PAGE_PCD };
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		for (unsigned int lvl = 2; lvl <= 4; lvl++) {
			mfn_t t = 30, child = 31;

			memset(T(t), 0, 4096);
			T(t)[4] = E(child, P | RW | bad[i]);
			assert_int_equal(pv_pin_table(&dom, t, lvl), -EINVAL);
			assert_all_released();
			T(t)[4] = 0;
			pin_ok(t, lvl);
			assert_int_equal(
			    pv_mod_entry(&dom, lvl, t, 4, E(child, P | RW | bad[i]), false),
			    -EINVAL);
			assert_int_equal(T(t)[4], 0);
			unpin_ok(t);
		}
	}
	/* NX and software bits are allowed above L1 */
	T(L2)[0] = E(L1, P | RW | _PAGE_NX | (1UL << 55) | _PAGE_AVAIL);
	pin_ok(L2, PGT_l2_page_table);
	unpin_ok(L2);
	assert_all_released();
}

/* ---- pin/unpin ---- */

static void test_double_pin_and_bad_unpin(void **state)
{
	(void)state;
	build_chain();
	pin_ok(L1, PGT_l1_page_table);
	assert_int_equal(pv_pin_table(&dom, L1, PGT_l1_page_table), -EINVAL);
	assert_int_equal(PG(L1)->type_count, 1);
	assert_int_equal(PG(L1)->count, 2);
	unpin_ok(L1);
	assert_int_equal(pv_unpin_table(&dom, L1), -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, L2), -EINVAL);   /* never pinned */
	assert_int_equal(pv_unpin_table(&other, L1), -EINVAL); /* not the owner */
	assert_int_equal(pv_unpin_table(&dom, IOPG), -EINVAL);
	assert_all_released();
}

/* ---- linear page tables ---- */

static void test_linear_self_map(void **state)
{
	(void)state;
	build_chain();
	T(L4)[2] = E(L4, P);
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(PG(L4)->type_count, 1); /* a self map takes no reference */
	assert_int_equal(PG(L4)->linear_pt_count, 0);
	/* turning it writable is refused; removing it is fine */
	assert_int_equal(pv_mod_entry(&dom, 4, L4, 2, E(L4, P | RW), false), -EINVAL);
	assert_int_equal(pv_mod_entry(&dom, 4, L4, 2, 0, false), 0);
	assert_int_equal(pv_mod_entry(&dom, 4, L4, 3, E(L4, P), false), 0);
	unpin_ok(L4);
	assert_all_released();
	/* the same at L2 and L3 */
	T(L2)[9] = E(L2, P);
	pin_ok(L2, PGT_l2_page_table);
	unpin_ok(L2);
	T(L3)[9] = E(L3, P | RW);
	assert_int_equal(pv_pin_table(&dom, L3, PGT_l3_page_table), -EINVAL);
	assert_all_released();
}

static void test_linear_between_tables(void **state)
{
	(void)state;
	pin_ok(40, PGT_l4_page_table); /* B */
	T(41)[3] = E(40, P);	       /* A -> B read-only */
	pin_ok(41, PGT_l4_page_table);
	assert_int_equal(PG(40)->type_count, 2);
	assert_int_equal(PG(40)->linear_pt_count, -1);
	assert_int_equal(PG(41)->linear_pt_count, 1);
	/* B, a linear target, may not get linear entries of its own */
	pin_ok(42, PGT_l4_page_table); /* C */
	assert_int_equal(pv_mod_entry(&dom, 4, 40, 7, E(42, P), false), -EINVAL);
	/* A, which has linear entries, may not be a linear target */
	assert_int_equal(pv_mod_entry(&dom, 4, 42, 7, E(41, P), false), -EINVAL);
	/* writable linear entries never */
	assert_int_equal(pv_mod_entry(&dom, 4, 41, 4, E(40, P | RW), false), -EINVAL);
	unpin_ok(41);
	assert_int_equal(PG(40)->type_count, 1);
	assert_int_equal(PG(40)->linear_pt_count, 0);
	unpin_ok(40);
	unpin_ok(42);
	assert_all_released();
	/* an L2 -> L2 linear entry, made and then removed by update */
	pin_ok(43, PGT_l2_page_table);
	pin_ok(44, PGT_l2_page_table);
	assert_int_equal(pv_mod_entry(&dom, 2, 44, 0, E(43, P), false), 0);
	assert_int_equal(PG(43)->type_count, 2);
	assert_int_equal(pv_mod_entry(&dom, 2, 44, 0, 0, false), 0);
	assert_int_equal(PG(43)->type_count, 1);
	unpin_ok(43);
	unpin_ok(44);
	assert_all_released();
}

static void test_linear_target_must_be_validated(void **state)
{
	(void)state;
	/* 45 holds an entry no L3 allows: it cannot be validated as one */
	T(45)[0] = E(OTHER, P);
	T(41)[3] = E(45, P);
	assert_int_equal(pv_pin_table(&dom, 41, PGT_l4_page_table), -EINVAL);
	assert_all_released();
}

/* ---- the hypervisor's L4 slots ---- */

static void test_xen_slots_untouchable(void **state)
{
	(void)state;
	build_chain();
	for (unsigned int i = 256; i <= 271; i++)
		T(L4)[i] = E(OTHER, P | RW); /* junk the guest left there */
	pin_ok(L4, PGT_l4_page_table);
	for (unsigned int i = 256; i <= 271; i++) {
		assert_int_equal(T(L4)[i], shim_xen_l4[i]);
		assert_int_equal(pv_mod_entry(&dom, 4, L4, i, E(L3, P), false), -EINVAL);
		assert_int_equal(pv_mod_entry(&dom, 4, L4, i, 0, false), -EINVAL);
		assert_int_equal(T(L4)[i], shim_xen_l4[i]);
	}
	assert_int_equal(PG(OTHER)->count, 1);
	/* slots either side belong to the guest */
	assert_int_equal(pv_mod_entry(&dom, 4, L4, 255, E(30, P), false), 0);
	assert_int_equal(pv_mod_entry(&dom, 4, L4, 272, E(31, P), false), 0);
	unpin_ok(L4);
	assert_all_released();
}

/* ---- entry updates ---- */

static void test_mod_l1_reference_counts(void **state)
{
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 2, E(DATA2, P | RW), false, &dom), 0);
	assert_int_equal(PG(DATA2)->type_count, 1);
	assert_int_equal(PG(DATA2)->count, 2);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 2, E(DATA3, P), false, &dom), 0);
	assert_int_equal(PG(DATA2)->type_count, 0);
	assert_int_equal(PG(DATA2)->count, 1);
	assert_int_equal(PG(DATA3)->count, 2);
	/* flag-only changes keep the references (fast path) */
	assert_int_equal(
	    pv_mod_l1_entry(&dom, L1, 0, E(DATA0, P | RW | A | D | _PAGE_NX), false, &dom), 0);
	assert_int_equal(PG(DATA0)->type_count, 1);
	assert_int_equal(PG(DATA0)->count, 2);
	/* RW dropped: the writable type reference goes */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 0, E(DATA0, P), false, &dom), 0);
	assert_int_equal(PG(DATA0)->type_count, 0);
	assert_int_equal(PG(DATA0)->count, 2);
	/* preserve A/D */
	T(L1)[1] |= A | D;
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 1, E(DATA1, P), true, &dom), 0);
	assert_int_equal(T(L1)[1], E(DATA1, P | US | A | D));
	/* replacing an L2 entry moves the L1 type reference */
	assert_int_equal(pv_mod_entry(&dom, 2, L2, 0, E(30, P | RW), false), 0);
	assert_int_equal(PG(L1)->type_count, 0);
	assert_int_equal(PG(30)->type, PGT_l1_page_table);
	unpin_ok(L4);
	assert_all_released();
}

/* ---- mmu_update ---- */

static unsigned int done;

static long mmu(struct mmu_update *req, unsigned int n, unsigned int fd)
{
	done = 0xdeadbeef;
	return do_mmu_update((unsigned long)req, n, (unsigned long)&done, fd);
}

static u64 pte_addr(mfn_t table, unsigned int idx)
{
	return (table << 12) + idx * 8;
}

static void test_mmu_update_success_count(void **state)
{
	struct mmu_update req[3];
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	req[0] = (struct mmu_update){ pte_addr(L1, 2), E(DATA2, P | RW) };
	req[1] = (struct mmu_update){ pte_addr(L1, 3), E(L2, P | RW) }; /* a table, writable */
	req[2] = (struct mmu_update){ pte_addr(L1, 4), E(DATA3, P) };
	assert_int_equal(mmu(req, 3, DOMID_SELF), -EBUSY);
	assert_int_equal(done, 1);
	assert_int_equal(T(L1)[2], E(DATA2, P | RW | US));
	assert_int_equal(T(L1)[3], 0);
	assert_int_equal(T(L1)[4], 0); /* stopped at the failure */
	/* all good */
	req[1].val = E(L2, P);
	assert_int_equal(mmu(req, 3, DOMID_SELF), 0);
	assert_int_equal(done, 3);
	assert_int_equal(T(L1)[4], E(DATA3, P | US));
	/* nothing to do */
	assert_int_equal(mmu(req, 0, DOMID_SELF), 0);
	assert_int_equal(done, 0);
	/* an unreadable request */
	shim_fault_va = (u64)&req[1];
	shim_fault_len = 1;
	assert_int_equal(mmu(req, 3, DOMID_SELF), -EFAULT);
	assert_int_equal(done, 1);
	shim_fault_len = 0;
	/* no done pointer is fine; a continuation adds to the previous count */
	assert_int_equal(do_mmu_update((unsigned long)req, 1, 0, DOMID_SELF), 0);
	done = 5;
	assert_int_equal(
	    do_mmu_update((unsigned long)req, 2 | 0x80000000u, (unsigned long)&done, DOMID_SELF),
	    0);
	assert_int_equal(done, 7);
	/* a request array in the hypervisor's range */
	assert_int_equal(do_mmu_update(0xFFFF800000000000UL, 1, 0, DOMID_SELF), -EFAULT);
	req[0].val = req[1].val = req[2].val = 0;
	assert_int_equal(mmu(req, 3, DOMID_SELF), 0);
	unpin_ok(L4);
	assert_all_released();
}

static void test_mmu_update_commands(void **state)
{
	struct mmu_update req;
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	/* MACHPHYS_UPDATE on an own frame, and refused on anyone else's */
	req = (struct mmu_update){ (DATA2 << 12) | MMU_MACHPHYS_UPDATE, 0x1234 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(shim_m2p[DATA2], 0x1234);
	req.ptr = (OTHER << 12) | MMU_MACHPHYS_UPDATE;
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	assert_int_equal(done, 0);
	assert_int_equal(shim_m2p[OTHER], ~0UL);
	req.ptr = (XENPG << 12) | MMU_MACHPHYS_UPDATE;
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	/* unknown command bits */
	req = (struct mmu_update){ pte_addr(L1, 2) | 5, 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -ENOSYS);
	/* PRESERVE_AD */
	T(L1)[1] |= A | D;
	req = (struct mmu_update){ pte_addr(L1, 1) | MMU_PT_UPDATE_PRESERVE_AD, E(DATA1, P) };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(T(L1)[1], E(DATA1, P | US | A | D));
	/* a plain frame is written as it is */
	req = (struct mmu_update){ pte_addr(DATA3, 5), 0xabcdef };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(T(DATA3)[5], 0xabcdef);
	assert_int_equal(PG(DATA3)->type_count, 0);
	/* never into the hypervisor's L4 slots, someone else's frame, or a descriptor frame */
	req = (struct mmu_update){ pte_addr(L4, 260), 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	assert_int_equal(T(L4)[260], shim_xen_l4[260]);
	req = (struct mmu_update){ pte_addr(OTHER, 0), 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	req = (struct mmu_update){ pte_addr(XENPG, 0), 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	assert_int_equal(pv_get_page_and_type(30, &dom, PGT_seg_desc_page), 0);
	req = (struct mmu_update){ pte_addr(30, 0), 0x1 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	pv_put_page_and_type(PG(30));
	/* L2-L4 updates go through validation too */
	req = (struct mmu_update){ pte_addr(L2, 1), E(31, P | _PAGE_PSE) };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EINVAL);
	req = (struct mmu_update){ pte_addr(L3, 1), E(32, P | RW) };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(PG(32)->type, PGT_l2_page_table);
	unpin_ok(L4);
	assert_all_released();
}

static void test_mmu_update_foreigndom(void **state)
{
	struct mmu_update req = { pte_addr(L1, 2), E(DATA2, P) };
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(mmu(&req, 1, dom.domain_id), -ESRCH); /* oneself by id: as Xen */
	assert_int_equal(done, 0);
	assert_int_equal(mmu(&req, 1, 999), -ESRCH);
	assert_int_equal(mmu(&req, 1, DOMID_XEN), -ESRCH); /* not the control domain */
	assert_int_equal(mmu(&req, 1, DOMID_SELF | ((other.domain_id + 1u) << 16)), -ESRCH);
	assert_int_equal(T(L1)[2], 0);
	assert_int_equal(mmu(&req, 1, DOMID_SELF | ((dom.domain_id + 1u) << 16)), 0);
	assert_int_equal(done, 1);
	/* DOMID_IO: for the control domain only; I/O frames on its rights, never RAM */
	req.val = E(IOPG, P | RW);
	assert_int_equal(mmu(&req, 1, DOMID_IO), -EPERM);
	assert_int_equal(done, 0);
	assert_int_equal(mmu(&req, 0, DOMID_IO), 0);
	assert_int_equal(do_mmuext_op((unsigned long)&req, 0, 0, DOMID_IO), -EPERM);
	dom.is_privileged = true;
	/* DOMID_XEN: the M2P's frames read-only, nothing else */
	shim_m2p_mfn = XENPG;
	req.val = E(XENPG, P | RW);
	assert_int_equal(mmu(&req, 1, DOMID_XEN), -EBUSY);
	req.val = E(DATA3, P);
	assert_int_equal(mmu(&req, 1, DOMID_XEN), -EBUSY);
	req.val = E(XENPG, P);
	assert_int_equal(mmu(&req, 1, DOMID_XEN), 0);
	assert_int_equal(T(L1)[2] >> 12, XENPG);
	req.val = 0;
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	shim_m2p_mfn = ~0ul;
	req.val = E(IOPG, P | RW);
	assert_int_equal(mmu(&req, 1, DOMID_IO), 0);
	req.val = E(DATA3, P);
	assert_int_equal(mmu(&req, 1, DOMID_IO), -EBUSY);
	req = (struct mmu_update){ pte_addr(L2, 1), E(31, P) };
	assert_int_equal(mmu(&req, 1, DOMID_IO), -EINVAL);
	req = (struct mmu_update){ pte_addr(L1, 2), 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	/* Another domain's frames: the control domain only, and only that domain's frames. */
	dom.is_privileged = false;
	req = (struct mmu_update){ pte_addr(L1, 3), E(OTHER, P | RW) };
	assert_int_equal(mmu(&req, 1, other.domain_id), -EPERM);
	assert_int_equal(T(L1)[3], 0);
	dom.is_privileged = true;
	assert_int_equal(mmu(&req, 1, other.domain_id), 0);
	assert_int_equal(PG(OTHER)->count, 2);
	assert_int_equal(PG(OTHER)->type, PGT_writable_page);
	req.val = E(DATA3, P); /* the caller's own frame, named as the other's */
	assert_int_equal(mmu(&req, 1, other.domain_id), -EBUSY);
	req.val = 0;
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(PG(OTHER)->count, 1);
	unpin_ok(L4);
	assert_all_released();
}

/* ---- mmuext_op ---- */

static long ext(struct mmuext_op *op, unsigned int n)
{
	done = 0xdeadbeef;
	return do_mmuext_op((unsigned long)op, n, (unsigned long)&done, DOMID_SELF);
}

static long ext1(unsigned int cmd, u64 arg1, u64 arg2)
{
	struct mmuext_op op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.arg1.mfn = arg1;
	op.arg2.src_mfn = arg2;
	return ext(&op, 1);
}

static void test_mmuext_pin_unpin_and_done(void **state)
{
	struct mmuext_op ops[3];
	(void)state;
	build_chain();
	memset(ops, 0, sizeof(ops));
	ops[0].cmd = MMUEXT_PIN_L4_TABLE;
	ops[0].arg1.mfn = L4;
	ops[1] = ops[0]; /* pinned twice */
	ops[2].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	assert_int_equal(ext(ops, 3), -EINVAL);
	assert_int_equal(done, 1);
	assert_true(PG(L4)->flags & PGC_pinned);
	assert_int_equal(ext1(MMUEXT_UNPIN_TABLE, L4, 0), 0);
	assert_int_equal(done, 1);
	assert_int_equal(ext1(MMUEXT_UNPIN_TABLE, L4, 0), -EINVAL);
	assert_int_equal(done, 0);
	assert_all_released();
	for (unsigned int c = MMUEXT_PIN_L1_TABLE; c <= MMUEXT_PIN_L4_TABLE; c++) {
		assert_int_equal(ext1(c, 30 + c, 0), 0);
		assert_int_equal(PG(30 + c)->type, c + 1);
		assert_int_equal(ext1(MMUEXT_UNPIN_TABLE, 30 + c, 0), 0);
	}
	assert_int_equal(ext1(MMUEXT_PIN_L1_TABLE, OTHER, 0), -EINVAL);
	assert_int_equal(do_mmuext_op((unsigned long)ops, 1, 0, 999), -ESRCH);
	assert_int_equal(do_mmuext_op(0xFFFF800000000000UL, 1, 0, DOMID_SELF), -EFAULT);
	assert_int_equal(ext1(MMUEXT_MARK_SUPER, L1, 0), -EOPNOTSUPP);
	assert_int_equal(ext1(14, 0, 0), -ENOSYS);
	assert_int_equal(ext1(99, 0, 0), -ENOSYS);
	assert_all_released();
}

static void test_mmuext_baseptr(void **state)
{
	(void)state;
	build_chain();
	assert_int_equal(ext1(MMUEXT_PIN_L4_TABLE, L4, 0), 0);
	assert_int_equal(ext1(MMUEXT_NEW_BASEPTR, L4, 0), 0);
	assert_int_equal(vcpu.arch.pv.guest_table, L4);
	assert_int_equal(shim_cr3, L4);
	assert_int_equal(PG(L4)->type_count, 2);
	/* a second L4 takes over; the first keeps only its pin */
	T(40)[1] = E(L3, P | RW);
	assert_int_equal(ext1(MMUEXT_NEW_BASEPTR, 40, 0), 0);
	assert_int_equal(shim_cr3, 40);
	assert_int_equal(PG(40)->type_count, 1);
	assert_int_equal(PG(L4)->type_count, 1);
	assert_int_equal(PG(L3)->type_count, 2);
	/* refused: not an L4, not ours */
	assert_int_equal(ext1(MMUEXT_NEW_BASEPTR, L1, 0), -EINVAL);
	assert_int_equal(ext1(MMUEXT_NEW_BASEPTR, OTHER, 0), -EINVAL);
	assert_int_equal(vcpu.arch.pv.guest_table, 40);
	/* user base pointer */
	assert_int_equal(ext1(MMUEXT_NEW_USER_BASEPTR, L4, 0), 0);
	assert_int_equal(vcpu.arch.pv.guest_table_user, L4);
	assert_int_equal(PG(L4)->type_count, 2);
	assert_int_equal(ext1(MMUEXT_NEW_USER_BASEPTR, L2, 0), -EINVAL);
	assert_int_equal(ext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
	assert_int_equal(PG(L4)->type_count, 1);
	/* unpin the old one; switching away from the last drops everything */
	assert_int_equal(ext1(MMUEXT_UNPIN_TABLE, L4, 0), 0);
	assert_int_equal(PG(L4)->type_count, 0);
	assert_int_equal(PG(L3)->type_count, 1);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	assert_int_equal(PG(40)->type_count, 0);
	vcpu.arch.pv.guest_table = 0;
	pv_put_page_and_type(PG(L4));
	assert_all_released();
}

static void test_mmuext_flushes(void **state)
{
	unsigned long mask = 1, nomask = 0;
	struct mmuext_op op;
	(void)state;
	assert_int_equal(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	assert_int_equal(ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
	assert_int_equal(shim_flushes, 2);
	assert_int_equal(ext1(MMUEXT_INVLPG_LOCAL, 0x1000, 0), 0);
	assert_int_equal(shim_invlpg_va, 0x1000);
	assert_int_equal(ext1(MMUEXT_INVLPG_ALL, 0x2000, 0), 0);
	assert_int_equal(shim_invlpg_va, 0x2000);
	assert_int_equal(shim_invlpgs, 2);
	/* a non-canonical or hypervisor address is not flushed (invlpg would fault) */
	assert_int_equal(ext1(MMUEXT_INVLPG_LOCAL, 0x0000900000000000UL, 0), 0);
	assert_int_equal(ext1(MMUEXT_INVLPG_ALL, 0xFFFF800000001000UL, 0), 0);
	assert_int_equal(shim_invlpgs, 2);
	memset(&op, 0, sizeof(op));
	op.cmd = MMUEXT_TLB_FLUSH_MULTI;
	op.arg2.vcpumask.p = &mask;
	assert_int_equal(ext(&op, 1), 0);
	assert_int_equal(shim_flushes, 3);
	op.arg2.vcpumask.p = &nomask;
	assert_int_equal(ext(&op, 1), 0);
	assert_int_equal(shim_flushes, 3);
	op.cmd = MMUEXT_INVLPG_MULTI;
	op.arg1.linear_addr = 0x3000;
	op.arg2.vcpumask.p = &mask;
	assert_int_equal(ext(&op, 1), 0);
	assert_int_equal(shim_invlpg_va, 0x3000);
	shim_fault_va = (u64)&mask;
	shim_fault_len = sizeof(mask);
	assert_int_equal(ext(&op, 1), -EINVAL);
	assert_int_equal(done, 0);
}

/* The other vCPUs' TLBs: _ALL and a _MULTI mask naming them reach their CPUs; _LOCAL does not. */
static void test_mmuext_remote_flushes(void **state)
{
	static struct vcpu vcpu1;
	unsigned long only1 = 2, both = 3;
	struct mmuext_op op;

	(void)state;
	vcpu1.domain = &dom;
	vcpu1.vcpu_id = 1;
	dom.vcpu[1] = &vcpu1;
	assert_int_equal(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	assert_int_equal(shim_remote_flushes, 0);
	assert_int_equal(ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
	assert_int_equal(shim_remote_flushes, 1);
	assert_int_equal(shim_flushes, 2);
	memset(&op, 0, sizeof(op));
	op.cmd = MMUEXT_TLB_FLUSH_MULTI;
	op.arg2.vcpumask.p = &only1;
	assert_int_equal(ext(&op, 1), 0);
	assert_int_equal(shim_remote_flushes, 2);
	assert_int_equal(shim_flushes, 2); /* not this vCPU's */
	op.cmd = MMUEXT_INVLPG_MULTI;
	op.arg1.linear_addr = 0x3000;
	op.arg2.vcpumask.p = &both;
	assert_int_equal(ext(&op, 1), 0);
	assert_int_equal(shim_remote_flushes, 3);
	assert_int_equal(shim_invlpg_va, 0x3000);
	dom.vcpu[1] = NULL;
}

static void test_mmuext_clear_copy(void **state)
{
	(void)state;
	T(30)[0] = 0x54; /* not present: a valid L1 entry */
	T(31)[0] = 0x77;
	assert_int_equal(ext1(MMUEXT_COPY_PAGE, 31, 30), 0);
	assert_int_equal(T(31)[0], 0x54);
	assert_int_equal(ext1(MMUEXT_CLEAR_PAGE, 31, 0), 0);
	assert_int_equal(T(31)[0], 0);
	pin_ok(30, PGT_l1_page_table);
	assert_int_equal(ext1(MMUEXT_CLEAR_PAGE, 30, 0), -EINVAL); /* a table stays intact */
	assert_int_equal(ext1(MMUEXT_COPY_PAGE, 30, 31), -EINVAL);
	assert_int_equal(T(30)[0], 0x54);
	assert_int_equal(ext1(MMUEXT_CLEAR_PAGE, OTHER, 0), -EINVAL);
	assert_int_equal(ext1(MMUEXT_COPY_PAGE, 31, OTHER), -EINVAL);
	unpin_ok(30);
	assert_all_released();
}

static void test_set_ldt(void **state)
{
	struct mmu_update req;
	u64 *desc = (u64 *)T(25);
	(void)state;
	build_chain();
	T(L1)[3] = E(25, P);
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	desc[0] = 0x00209a000000ffffUL; /* 64-bit code, DPL 0 */
	desc[1] = 0x0000f2000000ffffUL; /* data, DPL 3 */
	assert_int_equal(ext1(MMUEXT_SET_LDT, VA(3), 2), 0);
	assert_int_equal(PG(25)->type, PGT_seg_desc_page);
	assert_int_equal(PG(25)->type_count, 1);
	assert_int_equal((desc[0] >> 45) & 3, 3); /* DPL raised to 3 */
	assert_int_equal(vcpu.arch.pv.ldt_ents, 2);
	/* while installed, the LDT frame cannot be mapped writable */
	req = (struct mmu_update){ pte_addr(L1, 6), E(25, P | RW) };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), -EBUSY);
	assert_int_equal(ext1(MMUEXT_SET_LDT, 0, 0), 0);
	assert_int_equal(PG(25)->type_count, 0);
	/* a descriptor PV guests may not have (a present TSS) */
	desc[1] = 0x0000890000000067UL;
	assert_int_equal(ext1(MMUEXT_SET_LDT, VA(3), 2), -EINVAL);
	assert_int_equal(PG(25)->type_count, 0);
	assert_int_equal(vcpu.arch.pv.ldt_ents, 0);
	/* bad arguments */
	assert_int_equal(ext1(MMUEXT_SET_LDT, VA(3) + 8, 2), -EINVAL);
	assert_int_equal(ext1(MMUEXT_SET_LDT, VA(3), 8193), -EINVAL);
	assert_int_equal(ext1(MMUEXT_SET_LDT, VA(7), 1), -EINVAL); /* not mapped */
	assert_int_equal(ext1(MMUEXT_SET_LDT, 0xFFFF800000000000UL, 1), -EINVAL);
	vcpu.arch.pv.guest_table = 0;
	pv_put_page_and_type(PG(L4));
	unpin_ok(L4);
	assert_all_released();
}

static void test_check_descriptor(void **state)
{
	u64 d;
	(void)state;
	d = 0; /* not present */
	assert_true(pv_check_descriptor(&d));
	d = 0x00cf92000000ffffUL; /* data DPL 0 -> 3 */
	assert_true(pv_check_descriptor(&d));
	assert_int_equal((d >> 45) & 3, 3);
	d = 0x0000820000000000UL; /* present LDT descriptor: system, refused */
	assert_false(pv_check_descriptor(&d));
	d = 0x0000000000000000UL | (1UL << 47) | (0xcUL << 40) | (0xe033UL << 16) | (3UL << 45);
	assert_true(pv_check_descriptor(&d)); /* call gate to the guest's CS: DPL forced to 0 */
	assert_int_equal((d >> 45) & 3, 0);
	assert_int_equal((d >> 16) & 3, 3);		    /* old DPL kept in the RPL */
	d = (1UL << 47) | (0xcUL << 40) | (0xe008UL << 16); /* gate to the hypervisor's CS */
	assert_false(pv_check_descriptor(&d));
	d = (1UL << 47) | (0xcUL << 40); /* gate to the null selector */
	assert_false(pv_check_descriptor(&d));
}

/* ---- update_va_mapping ---- */

static void test_update_va_mapping(void **state)
{
	unsigned long mask = 1;
	(void)state;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	assert_int_equal(do_update_va_mapping(VA(2), E(DATA2, P | RW), UVMF_INVLPG | UVMF_LOCAL),
			 0);
	assert_int_equal(T(L1)[2], E(DATA2, P | RW | US));
	assert_int_equal(shim_invlpgs, 1);
	assert_int_equal(shim_invlpg_va, VA(2));
	assert_int_equal(do_update_va_mapping(VA(2), E(DATA2, P), UVMF_TLB_FLUSH | UVMF_ALL), 0);
	assert_int_equal(shim_flushes, 1);
	assert_int_equal(PG(DATA2)->type_count, 0);
	assert_int_equal(do_update_va_mapping(VA(3), E(DATA3, P), UVMF_INVLPG | (u64)&mask), 0);
	assert_int_equal(shim_invlpgs, 2);
	assert_int_equal(do_update_va_mapping(VA(3), E(DATA3, P), UVMF_NONE), 0);
	assert_int_equal(shim_invlpgs + shim_flushes, 3);
	/* an unreadable vcpu mask: the update is made, the flush reports -EFAULT */
	shim_fault_va = (u64)&mask;
	shim_fault_len = 8;
	assert_int_equal(do_update_va_mapping(VA(4), E(DATA3, P), UVMF_TLB_FLUSH | (u64)&mask),
			 -EFAULT);
	assert_int_equal(T(L1)[4], E(DATA3, P | US));
	shim_fault_len = 0;
	/* refusals */
	assert_int_equal(do_update_va_mapping(VA(5), E(L2, P | RW), 0), -EBUSY);
	assert_int_equal(do_update_va_mapping(VA(5), E(DATA3, P | _PAGE_PCD), 0), -EINVAL);
	assert_int_equal(do_update_va_mapping(VA(5), E(OTHER, P), 0), -EBUSY);
	assert_int_equal(T(L1)[5], 0);
	assert_int_equal(do_update_va_mapping(1UL << 30, E(DATA3, P), 0), -EINVAL); /* unmapped */
	assert_int_equal(do_update_va_mapping(0xFFFF800000000000UL, E(DATA3, P), 0), -EINVAL);
	assert_int_equal(do_update_va_mapping(0x0000900000000000UL, E(DATA3, P), 0), -EINVAL);
	T(L1)[2] = T(L1)[3] = T(L1)[4] = 0;
	PG(DATA2)->count = PG(DATA3)->count = 1; /* undo by hand what the guest mapped */
	vcpu.arch.pv.guest_table = 0;
	pv_put_page_and_type(PG(L4));
	unpin_ok(L4);
	assert_all_released();
}

static void test_vm_assist(void **state)
{
	(void)state;
	assert_int_equal(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
	assert_int_equal(dom.vm_assist, 1UL << VMASST_TYPE_writable_pagetables);
	assert_int_equal(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
	assert_int_equal(do_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables), 0);
	assert_int_equal(dom.vm_assist, 1UL << VMASST_TYPE_m2p_strict);
	assert_int_equal(do_vm_assist(VMASST_CMD_enable, 6), -EINVAL);
	assert_int_equal(do_vm_assist(VMASST_CMD_enable, 64), -EINVAL);
	assert_int_equal(do_vm_assist(VMASST_CMD_enable, ~0UL), -EINVAL);
	assert_int_equal(do_vm_assist(2, VMASST_TYPE_writable_pagetables), -ENOSYS);
	assert_int_equal(dom.vm_assist, 1UL << VMASST_TYPE_m2p_strict);
}

/* ---- writable page-table assist ---- */

static void test_ptwr_decode(void **state)
{
	static const struct {
		u8 b[15];
		unsigned int n;
		int ok, op, len, reg;
	} v[] = {
		{ { 0x48, 0x89, 0x07 }, 3, 1, PTWR_WRITE, 3, 0 },	/* mov %rax,(%rdi) */
		{ { 0x4c, 0x89, 0x46, 0x10 }, 4, 1, PTWR_WRITE, 4, 8 }, /* mov %r8,0x10(%rsi) */
		{ { 0x48, 0x89, 0x04, 0x24 }, 4, 1, PTWR_WRITE, 4, 0 }, /* mov %rax,(%rsp) */
		{ { 0x48, 0x89, 0x05, 1, 2, 3, 4 }, 7, 1, PTWR_WRITE, 7, 0 }, /* rip-relative */
		{ { 0x48, 0x89, 0x84, 0xc8, 1, 2, 3, 4 }, 8, 1, PTWR_WRITE, 8, 0 }, /* SIB disp32 */
		{ { 0x48, 0x87, 0x11 }, 3, 1, PTWR_XCHG, 3, 2 }, /* xchg %rdx,(%rcx) */
		{ { 0xf0, 0x48, 0x0f, 0xb1, 0x37 }, 5, 1, PTWR_CMPXCHG, 5, 6 }, /* lock cmpxchg */
		{ { 0x48, 0xc7, 0x00, 0, 0, 0, 0 }, 7, 1, PTWR_WRITE, 7, -1 },	/* movq $0,(%rax) */
		{ { 0x89, 0x07 }, 2, 0, 0, 0, 0 },				/* 4-byte store */
		{ { 0x48, 0x89, 0xc7 }, 3, 0, 0, 0, 0 },	       /* register to register */
		{ { 0x48, 0x89 }, 2, 0, 0, 0, 0 },		       /* truncated */
		{ { 0x48, 0x89, 0x05, 1, 2 }, 5, 0, 0, 0, 0 },	       /* truncated displacement */
		{ { 0x48, 0xc7, 0x08, 0, 0, 0, 0 }, 7, 0, 0, 0, 0 },   /* C7 /1 */
		{ { 0x48, 0x8b, 0x07 }, 3, 0, 0, 0, 0 },	       /* a load */
		{ { 0x48, 0x0f, 0xb0, 0x07 }, 4, 0, 0, 0, 0 },	       /* byte cmpxchg */
		{ { 0xf0, 0x80, 0x27, 0xfd }, 4, 1, PTWR_RMW, 4, -1 }, /* lock andb $~2,(%rdi) */
		{ { 0xf0, 0x80, 0x4f, 0x07, 0x80 }, 5, 1, PTWR_RMW, 5, -1 },	   /* lock orb
										      $0x80,7(%rdi) */
		{ { 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05 }, 6, 1, PTWR_RMW, 6, -1 }, /* lock btrq $5
										    */
		{ { 0xf0, 0x48, 0x09, 0x07 }, 4, 1, PTWR_RMW, 4, 0 },  /* lock or %rax,(%rdi) */
		{ { 0x48, 0x83, 0x27, 0xfd }, 4, 1, PTWR_RMW, 4, -1 }, /* andq $-3,(%rdi) */
		{ { 0x48, 0x81, 0x0f, 0, 0, 0, 0x80 }, 7, 1, PTWR_RMW, 7, -1 }, /* orq $imm32 */
		{ { 0x83, 0x27, 0xfd }, 3, 0, 0, 0, 0 },			/* andl: 4 bytes */
		{ { 0x48, 0x80, 0x3f, 0x01 }, 4, 0, 0, 0, 0 },	     /* cmpb: not a write */
		{ { 0x48, 0x0f, 0xba, 0x27, 0x05 }, 5, 0, 0, 0, 0 }, /* btq: not a write */
		{ { 0xf0, 0x80, 0x27 }, 3, 0, 0, 0, 0 },	     /* truncated immediate */
	};
	struct pv_ptwr_insn in;
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(v); i++) {
		int rc = pv_ptwr_decode(v[i].b, v[i].n, &in);

		if (!v[i].ok) {
			if (rc != -EINVAL)
				fail_msg("vector %u decoded", i);
			continue;
		}
		if (rc || (int)in.op != v[i].op || (int)in.len != v[i].len || in.reg != v[i].reg)
			fail_msg("vector %u: rc %d op %d len %u reg %d", i, rc, in.op, in.len,
				 in.reg);
	}
	assert_int_equal(pv_ptwr_decode(v[7].b, v[7].n, &in), 0);
	assert_int_equal(in.imm, 0);
	assert_int_equal(pv_ptwr_decode(v[15].b, v[15].n, &in), 0);
	assert_int_equal(in.alu, PTWR_AND);
	assert_int_equal(in.size, 1);
	assert_int_equal(in.imm & 0xff, 0xfd);
	assert_int_equal(pv_ptwr_decode(v[17].b, v[17].n, &in), 0);
	assert_int_equal(in.alu, PTWR_BTR);
	assert_int_equal(in.imm, 5);
	assert_int_equal(pv_ptwr_decode(v[20].b, v[20].n, &in), 0);
	assert_int_equal(in.imm, 0xffffffff80000000UL);
	{
		const u8 neg[] = { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff };

		assert_int_equal(pv_ptwr_decode(neg, sizeof(neg), &in), 0);
		assert_int_equal(in.imm, ~0UL);
	}
}

static struct cpu_regs regs;

static bool fault_at(const u8 *insn, unsigned int idx)
{
	regs.rip = (u64)insn;
	regs.error_code = 3; /* present, write */
	return pv_ro_page_fault(&regs, VA(4) + idx * 8);
}

static void test_ptwr_fault(void **state)
{
	static const u8 mov[15] = { 0x48, 0x89, 0x07 };	 /* mov %rax,(%rdi) */
	static const u8 xchg[15] = { 0x48, 0x87, 0x17 }; /* xchg %rdx,(%rdi) */
	static const u8 cmpxchg[15] = { 0xf0, 0x48, 0x0f, 0xb1,
					0x37 }; /* lock cmpxchg %rsi,(%rdi) */
	(void)state;
	build_chain();
	T(L1)[4] = E(L1, P); /* the L1 maps itself read-only at VA(4) */
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	memset(&regs, 0, sizeof(regs));
	regs.rax = E(DATA2, P | RW);
	/* on without the guest asking for it (a 64-bit PV guest cannot turn it off) */
	dom.vm_assist = 0;
	assert_true(fault_at(mov, 5));
	assert_int_equal(T(L1)[5], E(DATA2, P | RW | US));
	assert_int_equal(regs.rip, (u64)mov + 3);
	assert_int_equal(PG(DATA2)->type_count, 1);
	/* an entry the rules refuse stays a #PF for the guest */
	regs.rax = E(L2, P | RW);
	assert_false(fault_at(mov, 6));
	assert_int_equal(T(L1)[6], 0);
	assert_int_equal(regs.rip, (u64)mov);
	/* xchg returns the old entry */
	regs.rdx = 0;
	assert_true(fault_at(xchg, 5));
	assert_int_equal(regs.rdx, E(DATA2, P | RW | US));
	assert_int_equal(T(L1)[5], 0);
	assert_int_equal(PG(DATA2)->type_count, 0);
	/* cmpxchg: mismatch loads rax and clears ZF, match stores and sets ZF */
	regs.rax = 0x1234;
	regs.rsi = E(DATA3, P);
	assert_true(fault_at(cmpxchg, 5));
	assert_false(regs.rflags & 0x40);
	assert_int_equal(regs.rax, 0);
	assert_int_equal(T(L1)[5], 0);
	assert_true(fault_at(cmpxchg, 5));
	assert_true(regs.rflags & 0x40);
	assert_int_equal(T(L1)[5], E(DATA3, P | US));
	/* read-modify-write forms: clear_bit(RW), test_and_clear_bit(ACCESSED), NX byte */
	{
		static const u8 andb[15] = { 0xf0, 0x80, 0x27, 0xfd };
		static const u8 btrq[15] = { 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05 };
		static const u8 orb7[15] = { 0xf0, 0x80, 0x4f, 0x07, 0x80 };
		static const u8 orq[15] = { 0xf0, 0x48, 0x09, 0x07 };

		assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, E(DATA2, P | RW | A), false, &dom),
				 0);
		assert_int_equal(PG(DATA2)->type_count, 1);
		assert_true(fault_at(andb, 5));
		assert_int_equal(T(L1)[5], E(DATA2, P | US | A));
		assert_int_equal(PG(DATA2)->type_count, 0);
		regs.rflags = 0;
		assert_true(fault_at(btrq, 5));
		assert_int_equal(T(L1)[5], E(DATA2, P | US));
		assert_true(regs.rflags & 1); /* CF: the bit was set */
		assert_true(fault_at(btrq, 5));
		assert_false(regs.rflags & 1);
		regs.rip = (u64)orb7;
		regs.error_code = 3;
		assert_true(pv_ro_page_fault(&regs, VA(4) + 5 * 8 + 7));
		assert_int_equal(T(L1)[5], E(DATA2, P | US) | _PAGE_NX);
		/* or-ing in RW for a page table is refused like any other way */
		regs.rax = RW;
		assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, E(L2, P), false, &dom), 0);
		assert_false(fault_at(orq, 5));
		assert_int_equal(T(L1)[5], E(L2, P | US));
		regs.rax = _PAGE_NX;
		assert_true(fault_at(orq, 5));
		assert_int_equal(T(L1)[5], E(L2, P | US) | _PAGE_NX);
		assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, 0, false, &dom), 0);
	}
	/* not the write assist's business */
	regs.rax = E(DATA2, P);
	regs.rip = (u64)mov;
	regs.error_code = 1; /* a read */
	assert_false(pv_ro_page_fault(&regs, VA(4) + 8 * 7));
	regs.error_code = 3;
	assert_false(pv_ro_page_fault(&regs, VA(4) + 8 * 7 + 4)); /* misaligned */
	assert_false(pv_ro_page_fault(&regs, VA(1))); /* DATA1: read-only data, not a table */
	assert_false(pv_ro_page_fault(&regs, VA(9))); /* nothing mapped */
	vcpu.arch.pv.in_kernel = false;
	assert_false(pv_ro_page_fault(&regs, VA(4) + 8 * 7));
	vcpu.arch.pv.in_kernel = true;
	shim_fault_va = (u64)mov;
	shim_fault_len = 3;
	assert_false(pv_ro_page_fault(&regs, VA(4) + 8 * 7)); /* instruction unreadable */
	assert_int_equal(T(L1)[7], 0);
	/* bytes past the instruction unreadable (the next page): it still completes */
	shim_fault_va = (u64)mov + 3;
	shim_fault_len = sizeof(mov) - 3;
	assert_true(pv_ro_page_fault(&regs, VA(4) + 8 * 7));
	assert_int_equal(T(L1)[7], E(DATA2, P | US));
	assert_int_equal(regs.rip, (u64)mov + 3);
	shim_fault_len = 0;
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 7, 0, false, &dom), 0);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, 0, false, &dom), 0);
	vcpu.arch.pv.guest_table = 0;
	pv_put_page_and_type(PG(L4));
	unpin_ok(L4);
	assert_all_released();
}

/*
 * The state the dom0 builder leaves (xen/arch/x86/mm.c helpers: tables typed
 * and validated with their parent's references, writable frames typed
 * without PGC_validated, the L4 pinned and the vCPU's base pointer), then
 * what Linux does with it: its own L4 reusing the builder's L2, PIN_L4,
 * NEW_BASEPTR, UNPIN of the old L4, and the old tables mapped writable.
 */
static void builder_type(mfn_t m, unsigned int type)
{
	PG(m)->type = (u8)type;
	PG(m)->type_count = 1;
	PG(m)->count++;
	PG(m)->flags |= PGC_validated;
}

static void test_dom0_builder_handover(void **state)
{
	(void)state;
	build_chain();
	T(L1)[5] = E(L4, P); /* the builder maps its tables read-only */
	T(L1)[6] = E(L3, P);
	builder_type(L4, PGT_l4_page_table);
	builder_type(L3, PGT_l3_page_table);
	builder_type(L2, PGT_l2_page_table);
	builder_type(L1, PGT_l1_page_table);
	PG(DATA0)->type = PGT_writable_page; /* get_page_type as the builder had it */
	PG(DATA0)->type_count = 1;
	PG(DATA0)->count++;
	PG(DATA1)->count++;
	PG(L4)->count++;
	PG(L3)->count++;
	PG(L4)->flags |= PGC_pinned; /* pin_page_table */
	PG(L4)->type_count++;
	PG(L4)->count++;
	vcpu.arch.pv.guest_table = L4;
	/* a second writable mapping of a builder-typed frame is fine */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 7, E(DATA0, P | RW), false, &dom), 0);
	assert_int_equal(PG(DATA0)->type_count, 2);
	/* Linux: new L4 (40) -> new L3 (41) -> the builder's L2 */
	T(41)[0] = E(L2, P | RW);
	T(40)[1] = E(41, P | RW);
	assert_int_equal(ext1(MMUEXT_PIN_L4_TABLE, 40, 0), 0);
	assert_int_equal(ext1(MMUEXT_NEW_BASEPTR, 40, 0), 0);
	assert_int_equal(ext1(MMUEXT_UNPIN_TABLE, L4, 0), 0);
	assert_int_equal(PG(L4)->type_count, 0);
	assert_int_equal(PG(L3)->type_count, 0);
	assert_int_equal(PG(L2)->type_count, 1); /* now only Linux's L3 uses it */
	/* the old L4 and L3 may now be mapped writable */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, E(L4, P | RW), false, &dom), 0);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 6, E(L3, P | RW), false, &dom), 0);
	assert_int_equal(PG(L4)->type, PGT_writable_page);
	assert_int_equal(PG(L4)->count, 2); /* allocation + the new mapping */
	assert_int_equal(PG(L3)->count, 2);
}

static void test_flush_cache_and_otherdomain(void **state)
{
	(void)state;
	assert_int_equal(ext1(MMUEXT_FLUSH_CACHE, 0, 0), -EACCES);
	assert_int_equal(ext1(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), -EINVAL);
	assert_int_equal(shim_wbinvds, 0);
	dom.is_privileged = true;
	assert_int_equal(ext1(MMUEXT_FLUSH_CACHE, 0, 0), 0);
	assert_int_equal(ext1(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), 0);
	assert_int_equal(shim_wbinvds, 2);
	dom.is_privileged = false;
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(IOPG, P), 0, DOMID_IO), -EPERM);
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(DATA2, P), 0, DOMID_IO), -EPERM);
	dom.is_privileged = true;
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(DATA2, P), 0, 999), -ESRCH);
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(DATA2, P), 0, dom.domain_id),
			 -ESRCH);
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(DATA2, P), 0, DOMID_IO), -EBUSY);
	assert_int_equal(do_update_va_mapping_otherdomain(VA(2), E(DATA2, P), 0, DOMID_SELF), 0);
	assert_int_equal(T(L1)[2], E(DATA2, P | US));
	assert_int_equal(do_update_va_mapping_otherdomain(VA(3), E(IOPG, P | RW), 0, DOMID_IO), 0);
	assert_int_equal(do_update_va_mapping(VA(2), 0, 0), 0);
	assert_int_equal(do_update_va_mapping(VA(3), 0, 0), 0);
	vcpu.arch.pv.guest_table = 0;
	pv_put_page_and_type(PG(L4));
	unpin_ok(L4);
	assert_all_released();
}

/*
 * Random updates, pins and base-pointer switches against the invariants:
 * every frame's type and general counts equal exactly what the validated
 * tables, pins and base pointers hold; no validated L1 maps a non-writable
 * frame writable; the hypervisor slots never change; and tearing everything
 * down brings every count back to the start.
 */
static unsigned long rng_state = 12345;

static unsigned int rnd(unsigned int n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned int)((rng_state >> 33) % n);
}

static bool live_table(mfn_t m)
{
	return PG(m)->type >= PGT_l1_page_table && PG(m)->type <= PGT_l4_page_table &&
	       PG(m)->type_count && (PG(m)->flags & PGC_validated);
}

static void check_invariants(void)
{
	unsigned int want_type[SHIM_FRAMES] = { 0 }, want_count[SHIM_FRAMES] = { 0 };

	for (mfn_t m = 2; m < SHIM_FRAMES; m++) {
		if (PG(m)->owner == &dom)
			want_count[m] = 1;
		if (PG(m)->flags & PGC_pinned) {
			want_type[m]++;
			want_count[m]++;
		}
	}
	if (vcpu.arch.pv.guest_table) {
		want_type[vcpu.arch.pv.guest_table]++;
		want_count[vcpu.arch.pv.guest_table]++;
	}
	if (vcpu.arch.pv.guest_table_user) {
		want_type[vcpu.arch.pv.guest_table_user]++;
		want_count[vcpu.arch.pv.guest_table_user]++;
	}
	for (mfn_t m = 2; m < SHIM_FRAMES; m++) {
		if (!live_table(m))
			continue;
		for (unsigned int i = 0; i < PT_ENTRIES; i++) {
			pte_t e = T(m)[i];
			mfn_t t = pte_mfn(e);

			if (PG(m)->type == PGT_l4_page_table && i >= 256 && i <= 271) {
				assert_int_equal(e, shim_xen_l4[i]);
				continue;
			}
			if (!(e & P) || pv_iomem_frame(t))
				continue;
			assert_true(t < SHIM_FRAMES);
			assert_ptr_equal(PG(t)->owner, &dom);
			if (PG(m)->type == PGT_l1_page_table) {
				want_count[t]++;
				if (e & RW) {
					assert_int_equal(PG(t)->type, PGT_writable_page);
					want_type[t]++;
				}
				continue;
			}
			assert_false(e & _PAGE_PSE);
			if (t == m) {
				assert_false(e & RW); /* a self map, read-only */
				continue;
			}
			want_count[t]++;
			want_type[t]++;
			if (PG(t)->type == PG(m)->type)
				assert_false(e & RW); /* linear */
			else
				assert_int_equal(PG(t)->type, PG(m)->type - 1);
			assert_true(live_table(t));
		}
	}
	for (mfn_t m = 2; m < SHIM_FRAMES; m++) {
		if (m == XENPG || m == FREEPG || (m >= OTHER && m < XENPG))
			continue;
		if (PG(m)->type_count != want_type[m] || PG(m)->count != want_count[m])
			fail_msg("mfn %lu: type %u type_count %u (want %u) count %u (want %u)", m,
				 PG(m)->type, PG(m)->type_count, want_type[m], PG(m)->count,
				 want_count[m]);
	}
}

static pte_t random_entry(void)
{
	static const u64 flags[] = {
		0, P, P | RW, P | RW | US | A | D, P | _PAGE_PSE, P | _PAGE_PCD, P | _PAGE_NX
	};
	static const mfn_t targets[] = { 20, 21, 22, 23, 30, 31,    32,	   33,	 34,
					 35, 10, 11, 12, 13, OTHER, XENPG, IOPG, 0 };

	return E(targets[rnd(ARRAY_SIZE(targets))], flags[rnd(ARRAY_SIZE(flags))]);
}

static void test_random_operations_keep_invariants(void **state)
{
	static const unsigned int slots[] = { 0, 1, 2, 255, 256, 271, 272, 511 };
	static const mfn_t frames[] = { 10, 11, 12, 13, 20, 21, 30, 31, 32, 33, 34, 35 };
	unsigned int ok = 0;
	(void)state;
	if (getenv("MM_SEED")) /* explore other sequences: MM_SEED=n build/unit-mm/test_mm */
		rng_state = strtoul(getenv("MM_SEED"), NULL, 0);
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_new_baseptr(&vcpu, L4), 0);
	for (unsigned int n = 0; n < 3000; n++) {
		mfn_t f = frames[rnd(ARRAY_SIZE(frames))];
		unsigned int what = rnd(22);

		if (what >= 20) {
			ok += !do_update_va_mapping(VA(rnd(8)), random_entry(), UVMF_INVLPG);
		} else if (what < 14) {
			struct mmu_update req = { pte_addr(f, slots[rnd(ARRAY_SIZE(slots))]),
						  random_entry() };

			ok += !mmu(&req, 1, DOMID_SELF);
		} else if (what < 16) {
			ok += !pv_pin_table(&dom, f, PGT_l1_page_table + rnd(4));
		} else if (what < 18) {
			ok += !pv_unpin_table(&dom, f);
		} else if (what < 19) {
			ok += !pv_new_baseptr(&vcpu, f);
		} else {
			ok += !pv_new_user_baseptr(&vcpu, rnd(2) ? f : 0);
		}
		if (n % 50 == 0)
			check_invariants();
	}
	check_invariants();
	if (getenv("SHIM_VERBOSE"))
		fprintf(stderr, "random operations: %u of 3000 succeeded\n", ok);
	assert_true(ok > 300 && ok < 2700); /* both successes and refusals were exercised */
	/* tear down: pins and base pointers are all that keep tables alive */
	for (mfn_t m = 2; m < SHIM_FRAMES; m++)
		if (PG(m)->flags & PGC_pinned)
			unpin_ok(m);
	assert_int_equal(pv_new_user_baseptr(&vcpu, 0), 0);
	if (vcpu.arch.pv.guest_table)
		pv_put_page_and_type(PG(vcpu.arch.pv.guest_table));
	vcpu.arch.pv.guest_table = 0;
	assert_all_released();
}

/* ---- log-dirty (pv/logdirty.c): who marks what ---- */

#define PFN(m) (0x1000 + (m)) /* the M2P of the log-dirty tests */

/* Log-dirty on for @dom, its frames on its frame list with PFNs 0x1000 + MFN. */
static void logdirty_on(void)
{
	for (mfn_t m = 2; m < OTHER; m++) {
		shim_m2p[m] = PFN(m);
		PG(m)->next = m + 1 < OTHER ? PG(m + 1) : NULL;
	}
	dom.page_list = PG(2);
	assert_int_equal(logdirty_enable(&dom.logdirty, arch_logdirty_pfns(&dom)), 0);
	assert_true(dom.logdirty.nr_pfns > PFN(OTHER));
}

static void logdirty_off(void)
{
	logdirty_disable(&dom.logdirty);
	for (mfn_t m = 2; m < OTHER; m++)
		PG(m)->next = NULL;
	dom.page_list = NULL;
}

/* The frames marked since the last call, as a bitmask of MFNs 0-63; resets them. */
static u64 dirty_mfns(u32 *faults)
{
	static u8 bits[(0x1000 + SHIM_FRAMES) / 8];
	u64 pages = sizeof(bits) * 8, mask = 0;
	u32 f, d;

	assert_int_equal(logdirty_read(&dom.logdirty, (u64)(uintptr_t)bits, &pages, true, &f, &d),
			 0);
	for (mfn_t m = 0; m < SHIM_FRAMES; m++)
		if (bits[PFN(m) / 8] & (1 << (PFN(m) % 8)))
			mask |= 1ULL << m;
	assert_int_equal(__builtin_popcountll(mask), d);
	if (faults)
		*faults = f;
	return mask;
}

#define BIT(m) (1ULL << (m))

/* Pins, entry writes, writable mappings made and dropped, M2P updates. */
static void test_logdirty_marks(void **state)
{
	struct mmu_update req;
	u32 faults;

	(void)state;
	logdirty_on();
	build_chain();
	pin_ok(L4, PGT_l4_page_table);
	/* four frames became tables, DATA0 writable: new types; DATA1 (read-only) untouched */
	assert_int_equal(dirty_mfns(NULL), BIT(L4) | BIT(L3) | BIT(L2) | BIT(L1) | BIT(DATA0));
	assert_int_equal(dirty_mfns(NULL), 0);
	/* a writable mapping made: the table written, the frame newly writable */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 2, E(DATA2, P | RW), false, &dom), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(L1) | BIT(DATA2));
	/* ... and dropped: written while it was there */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 2, 0, false, &dom), 0);
	assert_int_equal(dirty_mfns(&faults), BIT(L1) | BIT(DATA2));
	assert_int_equal(faults, 1);
	/* a read-only mapping only writes the table */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 3, E(DATA3, P), false, &dom), 0);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 3, 0, false, &dom), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(L1));
	/* an M2P update: the frame under its new PFN */
	req = (struct mmu_update){ (DATA3 << 12) | MMU_MACHPHYS_UPDATE, PFN(DATA3) };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(DATA3));
	/* an entry of an upper level */
	req = (struct mmu_update){ pte_addr(L4, 2), 0 };
	assert_int_equal(mmu(&req, 1, DOMID_SELF), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(L4));
	/* the sync before a CLEAN: every frame with a type reference (DATA0 is mapped writable) */
	arch_logdirty_sync(&dom, true);
	assert_int_equal(dirty_mfns(&faults), BIT(L4) | BIT(L3) | BIT(L2) | BIT(L1) | BIT(DATA0));
	assert_int_equal(faults, 5);
	unpin_ok(L4);
	assert_int_equal(dirty_mfns(NULL), BIT(L4) | BIT(L3) | BIT(L2) | BIT(L1) | BIT(DATA0));
	logdirty_off();
	assert_all_released();
}

/*
 * Another domain's writable mapping of our frame (a foreign map) marks our
 * bitmap when it goes; a domain without log-dirty marks nothing; frames
 * with no PFN in the M2P are not reported.
 */
static void test_logdirty_foreign_and_unnamed(void **state)
{
	(void)state;
	logdirty_on();
	own(&other, 40);
	PG(40)->next = NULL;
	T(40)[0] = 0;
	assert_int_equal(pv_pin_table(&other, 40, PGT_l1_page_table), 0);
	assert_int_equal(pv_mod_l1_entry(&other, 40, 0, E(DATA2, P | RW), false, &dom), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(DATA2)); /* 40 is not ours: only DATA2 */
	assert_int_equal(pv_mod_l1_entry(&other, 40, 0, 0, false, &dom), 0);
	assert_int_equal(dirty_mfns(NULL), BIT(DATA2));
	assert_int_equal(pv_unpin_table(&other, 40), 0);
	shim_m2p[DATA3] = ~0ULL;
	pv_logdirty_mark(PG(DATA3), false);
	assert_int_equal(dirty_mfns(NULL), 0);
	logdirty_off();
	own(&dom, 40);
	assert_all_released();
}

/* ---- log-dirty shadow page tables (pv/shadow.c) ---- */

#define SPARE 48 /* frames SPARE..OTHER-1 are left free for the shadows */
#define W (_PAGE_RW)
#define PFEC_P 1
#define PFEC_W 2

/* Log-dirty on with shadows for the chain (L4 pinned); frames SPARE.. free for them. */
static void shadows_on(void)
{
	logdirty_on();
	for (mfn_t m = SPARE; m < OTHER; m++)
		*PG(m) = (struct page_info){ 0 };
	PG(SPARE - 1)->next = NULL;
	build_chain();
	T(L1)[2] = E(DATA2, P | RW | A); /* writable, D clear */
	T(L1)[3] = E(DATA3, P);		 /* A clear */
	pin_ok(L4, PGT_l4_page_table);
	assert_int_equal(pv_shadowed_domains, 0);
	assert_int_equal(arch_logdirty_enable(&dom), 0);
	assert_int_equal(pv_shadowed_domains, 1); /* the hot paths' first check */
	(void)dirty_mfns(NULL);
}

static void shadows_off(void)
{
	arch_logdirty_disable(&dom);
	assert_int_equal(pv_shadowed_domains, 0);
	arch_logdirty_disable(&dom); /* a second OFF counts nothing */
	assert_int_equal(pv_shadowed_domains, 0);
	unpin_ok(L4);
	logdirty_off();
	for (mfn_t m = SPARE; m < OTHER; m++) {
		assert_int_equal(PG(m)->flags, 0); /* every shadow frame given back */
		own(&dom, m);
	}
	assert_all_released();
}

static pte_t *S(mfn_t guest)
{
	assert_int_not_equal(PG(guest)->shadow, 0);
	return T(PG(guest)->shadow);
}

/* A #PF at @va with @pfec: the handler's answer, the error code as it leaves it in *@out. */
static bool fault(u64 va, u64 pfec, u64 *out)
{
	bool r = pv_shadow_fault(va, &pfec);

	if (out)
		*out = pfec;
	return r;
}

/* Every table shadowed; upper entries point at shadows; L1 entries write-protected. */
static void test_shadow_tables_built(void **state)
{
	(void)state;
	shadows_on();
	assert_int_equal(PG(PG(L4)->shadow)->shadow, L4); /* linked both ways */
	assert_int_equal(S(L4)[1], E(PG(L3)->shadow, P | RW | US));
	assert_int_equal(S(L4)[260], shim_xen_l4[260]);
	assert_int_equal(S(L3)[0], E(PG(L2)->shadow, P | RW | US));
	assert_int_equal(S(L2)[0], E(PG(L1)->shadow, P | RW | US));
	/* A clear: not present until accessed; the guest's entries unchanged */
	assert_int_equal(S(L1)[0], 0);
	assert_int_equal(T(L1)[0], E(DATA0, P | RW | US));
	assert_int_equal(S(L1)[3], 0);
	/* DATA2 not dirty this pass: read-only until written */
	assert_int_equal(S(L1)[2], E(DATA2, P | US | A));
	assert_int_equal(T(L1)[2], E(DATA2, P | RW | US | A));
	/* CR3 gets the shadow */
	pv_load_cr3(L4);
	assert_int_equal(shim_cr3, PG(L4)->shadow);
	assert_int_equal(shim_cr3_reloads, 1);
	shadows_off();
	assert_int_equal(shim_cr3_reloads, 2);
}

/* The first write of a pass faults: A and D set in the guest's entry, the frame marked. */
static void test_shadow_write_fault(void **state)
{
	u64 pfec;
	u32 faults;

	(void)state;
	shadows_on();
	pv_load_cr3(L4);
	assert_true(fault(VA(0), PFEC_P | PFEC_W, NULL));
	assert_int_equal(T(L1)[0], E(DATA0, P | RW | US | A | D));
	assert_int_equal(S(L1)[0], E(DATA0, P | RW | US | A | D));
	assert_int_equal(shim_invlpg_va, VA(0));
	/* D clear in DATA2's entry: the guest's table changes too */
	assert_true(fault(VA(2), PFEC_P | PFEC_W, NULL));
	assert_int_equal(T(L1)[2], E(DATA2, P | RW | US | A | D));
	assert_int_equal(dirty_mfns(&faults), BIT(L1) | BIT(DATA0) | BIT(DATA2));
	assert_int_equal(faults, 4);
	/* CLEAN write-protects again; nothing else is reported */
	arch_logdirty_sync(&dom, true);
	assert_int_equal(S(L1)[0], E(DATA0, P | US | A | D));
	assert_int_equal(dirty_mfns(NULL), 0);
	/* a read of an entry with A clear: A set, read-only */
	assert_true(fault(VA(3), 0, NULL));
	assert_int_equal(T(L1)[3], E(DATA3, P | US | A));
	assert_int_equal(S(L1)[3], E(DATA3, P | US | A));
	/* the guest's own faults: a write to a read-only page, a page not mapped */
	assert_false(fault(VA(1), PFEC_W, &pfec));
	assert_int_equal(pfec, PFEC_P | PFEC_W);
	assert_false(fault(VA(9), PFEC_P, &pfec));
	assert_int_equal(pfec, 0);
	assert_false(fault(VA(0) + (1UL << 30), 0, NULL)); /* L3 slot 1 empty */
	shadows_off();
}

/* Entry updates reach the shadows; a table's shadow goes with its type. */
static void test_shadow_follows_updates(void **state)
{
	(void)state;
	shadows_on();
	/* a new writable mapping of a frame dirty this pass (its type changed): writable at once */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 2, 0, false, &dom), 0);
	assert_int_equal(S(L1)[2], 0);
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 5, E(DATA2, P | RW | A | D), false, &dom), 0);
	assert_int_equal(S(L1)[5], E(DATA2, P | RW | US | A | D));
	/* fork-like: RW cleared and set again without D */
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 0, E(DATA0, P | A), false, &dom), 0);
	assert_int_equal(S(L1)[0], E(DATA0, P | US | A));
	assert_int_equal(pv_mod_l1_entry(&dom, L1, 0, E(DATA0, P | RW | A), false, &dom), 0);
	assert_int_equal(S(L1)[0] & W, 0);
	/* a new L1 under L2 slot 1: validated with a shadow, dropped with it */
	memset(T(DATA3 + 1), 0, 4096);
	assert_int_equal(pv_mod_entry(&dom, PGT_l2_page_table, L2, 1, E(DATA3 + 1, P | RW), false),
			 0);
	assert_int_equal(S(L2)[1], E(PG(DATA3 + 1)->shadow, P | RW | US));
	assert_int_equal(pv_mod_entry(&dom, PGT_l2_page_table, L2, 1, 0, false), 0);
	assert_int_equal(PG(DATA3 + 1)->shadow, 0);
	assert_int_equal(S(L2)[1], 0);
	shadows_off();
}

/* Frames other mappings write are still reported at every CLEAN; no memory: ENABLE fails. */
static void test_shadow_blind_spots_and_no_memory(void **state)
{
	(void)state;
	shadows_on();
	own(&other, 40);
	PG(39)->next = PG(41);
	T(40)[0] = 0;
	assert_int_equal(pv_pin_table(&other, 40, PGT_l1_page_table), 0);
	assert_int_equal(pv_mod_l1_entry(&other, 40, 0, E(DATA0, P | RW), false, &dom), 0);
	(void)dirty_mfns(NULL);
	arch_logdirty_sync(&dom, true);
	assert_int_equal(dirty_mfns(NULL), BIT(DATA0)); /* the foreign mapping's frame */
	assert_int_equal(pv_mod_l1_entry(&other, 40, 0, 0, false, &dom), 0);
	assert_int_equal(pv_unpin_table(&other, 40), 0);
	(void)dirty_mfns(NULL);
	arch_logdirty_sync(&dom, true);
	assert_int_equal(dirty_mfns(NULL), 0);
	own(&dom, 40);
	PG(39)->next = PG(40);
	arch_logdirty_disable(&dom);
	shim_no_shadow_frames = true;
	assert_int_equal(arch_logdirty_enable(&dom), -ENOMEM);
	assert_false(dom.arch.pv.shadowed);
	assert_int_equal(pv_shadowed_domains, 0);
	assert_int_equal(PG(L4)->shadow, 0);
	shadows_off();
}

#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(test_chain_validates_and_releases),
		T_(test_pin_each_level),
		T_(test_wrong_level_refused),
		T_(test_writable_mapping_of_typed_frames_refused),
		T_(test_writable_frame_cannot_become_table),
		T_(test_table_mapping_itself_writable_refused),
		T_(test_partial_failure_undoes_earlier_entries),
		T_(test_unowned_frames_refused),
		T_(test_iomem_only_for_privileged),
		T_(test_iomem_below_ram_top),
		T_(test_msix_table_mapped_read_only),
		T_(test_store_insn_len),
		T_(test_l1_disallowed_flags),
		T_(test_ln_disallowed_flags_and_superpages),
		T_(test_double_pin_and_bad_unpin),
		T_(test_given_back_frame_released_on_last_put),
		T_(test_linear_self_map),
		T_(test_linear_between_tables),
		T_(test_linear_target_must_be_validated),
		T_(test_xen_slots_untouchable),
		T_(test_mod_l1_reference_counts),
		T_(test_mmu_update_success_count),
		T_(test_mmu_update_commands),
		T_(test_mmu_update_foreigndom),
		T_(test_mmuext_pin_unpin_and_done),
		T_(test_mmuext_baseptr),
		T_(test_mmuext_flushes),
		T_(test_mmuext_remote_flushes),
		T_(test_mmuext_clear_copy),
		T_(test_set_ldt),
		T_(test_check_descriptor),
		T_(test_update_va_mapping),
		T_(test_vm_assist),
		T_(test_shadow_tables_built),
		T_(test_shadow_write_fault),
		T_(test_shadow_follows_updates),
		T_(test_shadow_blind_spots_and_no_memory),
		T_(test_ptwr_decode),
		T_(test_ptwr_fault),
		T_(test_dom0_builder_handover),
		T_(test_flush_cache_and_otherdomain),
		T_(test_random_operations_keep_invariants),
		T_(test_logdirty_marks),
		T_(test_logdirty_foreign_and_unnamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

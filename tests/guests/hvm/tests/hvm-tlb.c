/*
 * Translations the guest's TLB may hold must not outlive the change that
 * made them wrong. The CPU caches linear-to-host translations tagged by VPID
 * (VMX) or ASID (SVM) across exits, so the hypervisor has to flush them
 * when it changes what they were built from behind the guest's back:
 *  - the p2m (INVEPT on VMX): a page of ours read through its linear
 *    address, then XENMEM_remove_from_physmap of its GFN: the same address
 *    must read all-ones (no RAM there: the null MMIO handler), not the old
 *    frame's value; populate_physmap puts RAM back. The same for a page
 *    given back by GFN (XENMEM_decrease_reservation, as a balloon driver
 *    does): it reads all-ones, the reservation falls by one page, a list
 *    that goes on to a GFN with nothing behind it stops there (1 extent of
 *    2 done), giving the GFN back again does nothing (0), and a 2 MiB
 *    extent (order 9) at 48 MiB goes whole (512 pages). And a RAM page
 *    read, then shared_info placed over its GFN (add_to_physmap): the next
 *    read through the old address must see shared_info's page, not the RAM;
 *  - the guest's paging state where its write exits and the hypervisor
 *    emulates it (INVVPID on VMX): a global 4 KiB mapping read, its PTE
 *    pointed elsewhere without INVLPG, then CR4.PGE cleared and set again
 *    (which flushes global entries too): the next read must see the new
 *    page;
 *  - and what the CPU does alone: MOV to CR3 for a non-global entry, and
 *    INVLPG.
 * The emulators here flush their whole TLB at every VM entry and exit
 * (Bochs 2.7 in its context-change handling, QEMU's TCG at VMRUN/#VMEXIT),
 * so a missing INVEPT or INVVPID fails these checks only on hardware; under
 * them the test still checks what the p2m and paging changes must do.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
/* max: leaves room to populate the removed page again. */
TEST_HV_ARGS("dom0=pvh dom0_mem=64M,max:65M");

#define OLD_VALUE 0x0123456789abcdefUL
#define ALIAS_VA 0x100000000UL /* 4 GiB: past the identity map */
#define PTE_PRESENT_RW 0x3UL
#define PTE_GLOBAL 0x100UL
#define CR4_PGE (1UL << 7)
#define ADDR_MASK 0x000ffffffffff000UL

static uint8_t ram_page[4096] __attribute__((aligned(4096)));
static uint8_t si_page[4096] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint64_t alias_l2[512] __attribute__((aligned(4096)));
static uint64_t alias_l1[512] __attribute__((aligned(4096)));

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t load(const void *p)
{
	return *(const volatile uint64_t *)p;
}

/* A page-aligned buffer of the image: its GFN (the image is identity-mapped). */
static uint64_t gfn_of(const void *p)
{
	return (uint64_t)p >> 12;
}

/* remove_from_physmap of a RAM page, read through the translation cached before. */
static void removed_gfn(void)
{
	struct remove_from_physmap r = { DOMID_SELF, gfn_of(ram_page) };
	unsigned long gfn = gfn_of(ram_page);
	struct reservation res = { &gfn, 1, 0, 0, DOMID_SELF };
	uint64_t v;
	long rc;

	*(volatile uint64_t *)ram_page = OLD_VALUE;
	v = load(ram_page);
	xtest_check(v == OLD_VALUE, "RAM page reads %#lx before the removal", (unsigned long)v);
	rc = hypercall(HC_memory_op, XENMEM_remove_from_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc) {
		xtest_error("remove_from_physmap(%#lx): %ld", (unsigned long)r.gpfn, rc);
		return;
	}
	v = load(ram_page);
	xtest_check(v == ~0UL, "removed GFN %#lx reads %#lx (a stale translation), want all-ones",
		    (unsigned long)r.gpfn, (unsigned long)v);
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&res, 0, 0, 0);
	xtest_check(rc == 1, "populate_physmap(%#lx) again: %ld", (unsigned long)gfn, rc);
	if (rc == 1) {
		*(volatile uint64_t *)ram_page = 1;
		xtest_check(load(ram_page) == 1, "the GFN populated again does not keep a write");
	}
}

#define HOLE_GFN 0x5000UL /* 80 MiB: above the 64 MiB of RAM */
#define BIG_GFN 0x3000UL  /* 48 MiB: 2 MiB-aligned RAM the image does not use */

static uint8_t gone_page[4096] __attribute__((aligned(4096)));

static long reservation(void)
{
	uint16_t self = DOMID_SELF;

	return hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&self, 0, 0, 0);
}

static long give_back(unsigned long *gfns, unsigned long n, uint32_t order)
{
	struct reservation r = { gfns, n, order, 0, DOMID_SELF };

	return hypercall(HC_memory_op, XENMEM_decrease_reservation, (unsigned long)&r, 0, 0, 0);
}

/* A RAM page given back by GFN, read through the translation cached before. */
static void given_back_gfn(void)
{
	unsigned long gfns[2] = { gfn_of(gone_page), HOLE_GFN };
	long rc, res = reservation();
	uint64_t v;

	*(volatile uint64_t *)gone_page = OLD_VALUE;
	v = load(gone_page);
	xtest_check(v == OLD_VALUE, "RAM page reads %#lx before it is given back",
		    (unsigned long)v);
	rc = give_back(gfns, 2, 0);
	xtest_check(rc == 1, "decrease_reservation(%#lx, hole %#lx): %ld, want 1", gfns[0], gfns[1],
		    rc);
	v = load(gone_page);
	xtest_check(v == ~0UL, "GFN %#lx given back reads %#lx, want all-ones", gfns[0],
		    (unsigned long)v);
	xtest_check(reservation() == res - 1, "reservation %ld, want %ld", reservation(), res - 1);
	rc = give_back(gfns, 1, 0);
	xtest_check(rc == 0, "decrease_reservation(%#lx) again: %ld, want 0", gfns[0], rc);
}

/* A 2 MiB extent given back: every page of it, and the reservation falls by 512. */
static void given_back_2m(void)
{
	unsigned long gfn = BIG_GFN;
	long rc, res = reservation();
	uint64_t v;

	*(volatile uint64_t *)(BIG_GFN << 12) = OLD_VALUE;
	*(volatile uint64_t *)((BIG_GFN + 511) << 12) = OLD_VALUE;
	rc = give_back(&gfn, 1, 9);
	xtest_check(rc == 1, "decrease_reservation(%#lx, order 9): %ld, want 1", gfn, rc);
	v = load((void *)(BIG_GFN << 12)) & load((void *)((BIG_GFN + 511) << 12));
	xtest_check(v == ~0UL, "the 2 MiB extent given back reads %#lx, want all-ones",
		    (unsigned long)v);
	xtest_check(reservation() == res - 512, "reservation %ld, want %ld", reservation(),
		    res - 512);
}

/* shared_info placed over a RAM page, read through the translation cached before. */
static void replaced_gfn(void)
{
	struct add_to_physmap x = { DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, gfn_of(si_page) };
	const unsigned int off = 0xff8; /* past struct shared_info: zero in its page */
	uint64_t v;
	long rc;

	*(volatile uint64_t *)(si_page + off) = OLD_VALUE;
	v = load(si_page + off);
	xtest_check(v == OLD_VALUE, "RAM page reads %#lx before add_to_physmap", (unsigned long)v);
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	if (rc) {
		xtest_error("add_to_physmap(shared_info at %#lx): %ld", (unsigned long)x.gpfn, rc);
		return;
	}
	v = load(si_page + off);
	xtest_check(v == 0, "shared_info's page reads %#lx at %#x (a stale translation of the RAM)",
		    (unsigned long)v, off);
}

/* Map ALIAS_VA with 4 KiB pages: l3[4] -> alias_l2 -> alias_l1. */
static volatile uint64_t *alias_map(void)
{
	uint64_t *l4 = (uint64_t *)(read_cr3() & ADDR_MASK);
	uint64_t *l3 = (uint64_t *)(l4[0] & ADDR_MASK);

	alias_l2[0] = (uint64_t)alias_l1 | PTE_PRESENT_RW;
	l3[ALIAS_VA >> 30] = (uint64_t)alias_l2 | PTE_PRESENT_RW;
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	return (volatile uint64_t *)ALIAS_VA;
}

static void set_alias(const void *page, uint64_t flags)
{
	*(volatile uint64_t *)&alias_l1[0] = (uint64_t)page | PTE_PRESENT_RW | flags;
}

/* The guest's own paging changes: the flushes the CPU does and those the hypervisor owes. */
static void paging_changes(void)
{
	volatile uint64_t *alias = alias_map();
	uint64_t cr4 = read_cr4(), v;

	*(volatile uint64_t *)page_a = 0xaaaa;
	*(volatile uint64_t *)page_b = 0xbbbb;

	/* A non-global entry: MOV to CR3 flushes it (no exit with EPT/NPT). */
	set_alias(page_a, 0);
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	v = *alias;
	xtest_check(v == 0xaaaa, "alias reads %#lx, want page A's 0xaaaa", (unsigned long)v);
	set_alias(page_b, 0);
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	v = *alias;
	xtest_check(v == 0xbbbb, "after MOV to CR3 the alias reads %#lx, want page B's",
		    (unsigned long)v);

	/* INVLPG. */
	set_alias(page_a, 0);
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS_VA) : "memory");
	v = *alias;
	xtest_check(v == 0xaaaa, "after INVLPG the alias reads %#lx, want page A's",
		    (unsigned long)v);

	/* A global entry survives MOV to CR3, not a CR4.PGE toggle (emulated: the write exits). */
	write_cr4(cr4 | CR4_PGE);
	xtest_check(read_cr4() & CR4_PGE, "CR4.PGE did not stick: %#lx", (unsigned long)read_cr4());
	set_alias(page_a, PTE_GLOBAL);
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS_VA) : "memory");
	v = *alias;
	xtest_check(v == 0xaaaa, "global alias reads %#lx, want page A's", (unsigned long)v);
	set_alias(page_b, PTE_GLOBAL);
	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4 | CR4_PGE);
	v = *alias;
	xtest_check(v == 0xbbbb,
		    "after CR4.PGE off and on the global alias reads %#lx (a stale "
		    "translation), want page B's",
		    (unsigned long)v);
	write_cr4(cr4);
}

void test_main(void)
{
	removed_gfn();
	given_back_gfn();
	given_back_2m();
	replaced_gfn();
	paging_changes();
}

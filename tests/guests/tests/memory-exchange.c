/*
 * XENMEM_exchange and decrease_reservation on frames the guest has let go
 * of (unmapped with update_va_mapping): what swiotlb-xen and the balloon
 * driver do. A frame still mapped is refused, also one given back already.
 */
#include "xtest.h"

#define HC_memory_op 12
#define XENMEM_decrease_reservation 1
#define XENMEM_current_reservation 3
#define XENMEM_exchange 11
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P ((const unsigned long *)0xffff800000000000UL)
#define UVMF_INVLPG 2
#define PTE_RWAD 0x63UL /* present, rw, accessed, dirty */
#define PTE_USER 0x4UL

struct reservation {
	unsigned long *extent_start;
	unsigned long nr_extents;
	unsigned int extent_order, mem_flags;
	uint16_t domid;
};

struct exchange {
	struct reservation in, out;
	unsigned long nr_exchanged;
};

static long memory_op(unsigned long cmd, void *arg)
{
	return hypercall(HC_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static unsigned long *p2m(void)
{
	return (unsigned long *)xtest_start_info->mfn_list;
}

/* A page in the slack at the end of the initial region: mapped, unused. */
static unsigned long slack_va(unsigned int n)
{
	struct start_info *si = xtest_start_info;
	unsigned long stack_end = si->pt_base + (si->nr_pt_frames + 1) * 4096;

	return ((stack_end + (4UL << 20) - 1) & ~((4UL << 20) - 1)) - (n + 1) * 4096;
}

static unsigned long pfn_of(unsigned long va)
{
	return (va - VIRT_BASE) >> 12;
}

static long unmap(unsigned long va)
{
	return hypercall_update_va_mapping(va, 0, UVMF_INVLPG);
}

static long map(unsigned long va, unsigned long mfn)
{
	return hypercall_update_va_mapping(va, (mfn << 12) | PTE_RWAD | PTE_USER, UVMF_INVLPG);
}

static void check_exchange(void)
{
	unsigned long va0 = slack_va(1), va1 = slack_va(0); /* two adjacent pages */
	unsigned long in[2] = { p2m()[pfn_of(va0)], p2m()[pfn_of(va1)] };
	unsigned long out = pfn_of(va0);
	struct exchange x = { { in, 2, 0, 0, DOMID_SELF }, { &out, 1, 1, 32, DOMID_SELF }, 0 };
	long rc;

	/* Still mapped: refused, nothing exchanged. */
	rc = memory_op(XENMEM_exchange, &x);
	xtest_check(rc == -22 && x.nr_exchanged == 0, "exchange of mapped frames: %ld, %lu done",
		    rc, x.nr_exchanged);
	xtest_check(unmap(va0) == 0 && unmap(va1) == 0, "unmapping the slack pages failed");
	out = pfn_of(va0);
	rc = memory_op(XENMEM_exchange, &x);
	xtest_check(rc == 0 && x.nr_exchanged == 2, "exchange: %ld, %lu done", rc, x.nr_exchanged);
	if (rc)
		return;
	printk("exchanged %#lx,%#lx for contiguous %#lx\n", in[0], in[1], out);
	xtest_check(!(out & 1) && out < (1UL << 20), "out extent %#lx not order-1 below 4 GiB",
		    out);
	xtest_check(M2P[out] == pfn_of(va0) && M2P[out + 1] == pfn_of(va1),
		    "m2p of the new frames: %#lx %#lx", M2P[out], M2P[out + 1]);
	xtest_check(M2P[in[0]] == ~0UL && M2P[in[1]] == ~0UL, "old frames still in the m2p");
	p2m()[pfn_of(va0)] = out;
	p2m()[pfn_of(va1)] = out + 1;
	xtest_check(map(va0, out) == 0 && map(va1, out + 1) == 0, "mapping the new frames failed");
	*(volatile unsigned long *)va1 = 0x1234;
	xtest_check(*(volatile unsigned long *)va1 == 0x1234 && *(volatile unsigned long *)va0 == 0,
		    "new frames not usable or not zeroed");
}

/*
 * decrease_reservation of a frame the domain still maps succeeds (as on
 * Xen): the frame stays usable through the mapping, and in the M2P; giving
 * it back again succeeds and does nothing. It is freed (out of the M2P, the
 * reservation falls) when the mapping goes; then it is no longer the
 * domain's to map or give back.
 */
static void check_decrease(void)
{
	uint16_t self = DOMID_SELF;
	unsigned long va = slack_va(2), mfn = p2m()[pfn_of(va)];
	struct reservation r = { &mfn, 1, 0, 0, DOMID_SELF };
	long before = memory_op(XENMEM_current_reservation, &self), rc;

	rc = memory_op(XENMEM_decrease_reservation, &r);
	xtest_check(rc == 1, "decrease of a mapped frame did %ld extents", rc);
	xtest_check(M2P[mfn] == pfn_of(va), "m2p of the mapped frame: %#lx", M2P[mfn]);
	*(volatile unsigned long *)va = 0x5678;
	xtest_check(*(volatile unsigned long *)va == 0x5678,
		    "the still-mapped frame is not usable");
	xtest_check(memory_op(XENMEM_current_reservation, &self) == before,
		    "reservation fell while the frame is mapped");
	rc = memory_op(XENMEM_decrease_reservation, &r);
	xtest_check(rc == 1, "second decrease of the mapped frame did %ld extents", rc);
	xtest_check(unmap(va) == 0, "unmap failed");
	xtest_check(M2P[mfn] == ~0UL, "freed frame still in the m2p");
	xtest_check(memory_op(XENMEM_current_reservation, &self) == before - 1,
		    "reservation not reduced once unmapped: %ld, was %ld",
		    memory_op(XENMEM_current_reservation, &self), before);
	/* Freed now: mapping it again is refused. */
	xtest_check(map(va, mfn) != 0, "the freed frame could be mapped again");
	rc = memory_op(XENMEM_decrease_reservation, &r);
	xtest_check(rc == 0, "decrease of a freed frame did %ld extents", rc);
}

/*
 * A frame given back while still mapped read-only (no type reference) is
 * held by that mapping alone: it is no longer the domain's to trade, and
 * an exchange of it is refused like that of a mapped frame. Taking it would
 * free a frame the read-only mapping still reaches.
 */
static void check_exchange_given_back(void)
{
	uint16_t self = DOMID_SELF;
	unsigned long va = slack_va(3), pfn = pfn_of(va), mfn = p2m()[pfn], out = pfn;
	struct reservation r = { &mfn, 1, 0, 0, DOMID_SELF };
	struct exchange x = { { &mfn, 1, 0, 0, DOMID_SELF }, { &out, 1, 0, 0, DOMID_SELF }, 0 };
	long before = memory_op(XENMEM_current_reservation, &self), rc;

	*(volatile unsigned long *)va = 0xfeed;
	rc = hypercall_update_va_mapping(va, (mfn << 12) | (PTE_RWAD & ~2UL), UVMF_INVLPG);
	xtest_check(rc == 0, "mapping the slack page read-only: %ld", rc);
	xtest_check(memory_op(XENMEM_decrease_reservation, &r) == 1,
		    "decrease of a frame mapped read-only");
	rc = memory_op(XENMEM_exchange, &x);
	xtest_check(rc == -22 && x.nr_exchanged == 0,
		    "exchange of a given-back frame still mapped: %ld, %lu done", rc,
		    x.nr_exchanged);
	xtest_check(M2P[mfn] == pfn, "m2p of the given-back frame: %#lx", M2P[mfn]);
	xtest_check(*(volatile unsigned long *)va == 0xfeed, "the given-back frame reads %#lx",
		    *(volatile unsigned long *)va);
	xtest_check(memory_op(XENMEM_current_reservation, &self) == before,
		    "reservation fell while the frame is mapped");
	xtest_check(unmap(va) == 0, "unmap failed");
	xtest_check(memory_op(XENMEM_current_reservation, &self) == before - 1,
		    "reservation not reduced once unmapped");
}

void test_main(void)
{
	check_exchange();
	check_decrease();
	check_exchange_given_back();
}

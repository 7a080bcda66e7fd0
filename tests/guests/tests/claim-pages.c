/*
 * XENMEM_claim_pages (memory_op 24), as libxl uses it with claim_mode on:
 * the control domain claims a new domain's total before populating it.
 * The claim (the total less tot_pages) shows in getdomaininfo's and
 * physinfo's outstanding_pages, populating the domain uses it up, 0 cancels
 * it, a second claim or a total not above tot_pages or above max_pages is
 * -EINVAL, one beyond the unclaimed free memory -ENOMEM. While a claim holds
 * nearly all free memory, another domain's populate_physmap gets only the
 * rest and the claimant still gets its frames. Destroying the domain drops
 * its claim. Malformed requests: an extent list, an order, flags, a
 * continuation, DOMID_SELF or an unknown domain -EINVAL, a bad pointer
 * -EFAULT.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=64M");

#define XENMEM_claim_pages 24
#define MEMOP_EXTENT_SHIFT 6
#define EINVAL 22
#define ENOMEM 12

static unsigned long extents[128];

static long claim(uint16_t dom, unsigned long pages)
{
	struct reservation r = { NULL, pages, 0, 0, dom };

	return hypercall(HC_memory_op, XENMEM_claim_pages, (unsigned long)&r, 0, 0, 0);
}

/* populate_physmap of @n single frames at @pfn on: the number done. */
static long populate(uint16_t dom, unsigned long pfn, unsigned long n)
{
	struct reservation r = { extents, n, 0, 0, dom };

	for (unsigned long i = 0; i < n; i++)
		extents[i] = pfn + i;
	return hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
}

static uint64_t outstanding(void)
{
	struct physinfo_sysctl s;

	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_physinfo;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	if (hypercall(HC_sysctl, (unsigned long)&s, 0, 0, 0, 0))
		xtest_fail("physinfo refused");
	return s.outstanding_pages;
}

static uint64_t dom_outstanding(uint16_t dom)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	if (domctl(XEN_DOMCTL_getdomaininfo, dom, &op))
		xtest_fail("getdomaininfo(d%u) refused", dom);
	return op.u.info.outstanding_pages;
}

static void set_max_pages(uint16_t dom, uint64_t pages)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_memkb = pages * 4;
	xtest_check(domctl(XEN_DOMCTL_max_mem, dom, &op) == 0, "max_mem(d%u) refused", dom);
}

static void check_malformed(uint16_t d)
{
	struct reservation r = { NULL, 10, 0, 0, d };
	long rc;

	r.extent_start = extents;
	rc = hypercall(HC_memory_op, XENMEM_claim_pages, (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == -EINVAL, "claim with an extent list: %ld", rc);
	r.extent_start = NULL;
	r.extent_order = 1;
	rc = hypercall(HC_memory_op, XENMEM_claim_pages, (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == -EINVAL, "claim with order 1: %ld", rc);
	r.extent_order = 0;
	r.mem_flags = 1;
	rc = hypercall(HC_memory_op, XENMEM_claim_pages, (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == -EINVAL, "claim with flags: %ld", rc);
	r.mem_flags = 0;
	rc = hypercall(HC_memory_op, XENMEM_claim_pages | (1UL << MEMOP_EXTENT_SHIFT),
		       (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == -EINVAL, "claim as a continuation: %ld", rc);
	rc = hypercall(HC_memory_op, XENMEM_claim_pages, 0xffff830000000000UL, 0, 0, 0);
	xtest_check(rc == -XEN_EFAULT, "claim at a hypervisor address: %ld", rc);
	xtest_check(claim(DOMID_SELF, 10) == -EINVAL, "DOMID_SELF accepted");
	xtest_check(claim(0x7000, 10) == -EINVAL, "an unknown domain accepted");
	xtest_check(dom_outstanding(d) == 0, "a refused claim left %lu outstanding",
		    (unsigned long)dom_outstanding(d));
}

/* Claim, use up, cancel, the one-claim and max_pages rules. */
static void check_claim_cycle(uint16_t d, uint64_t base)
{
	long rc;

	set_max_pages(d, 1024);
	xtest_check(claim(d, 0) == 0, "cancelling no claim refused");
	xtest_check(claim(d, 1025) == -EINVAL, "a claim above max_pages accepted");
	rc = claim(d, 512);
	xtest_check(rc == 0, "claim(512) = %ld", rc);
	xtest_check(dom_outstanding(d) == 512 && outstanding() == base + 512,
		    "after claim(512): domain %lu, host %lu (base %lu)",
		    (unsigned long)dom_outstanding(d), (unsigned long)outstanding(),
		    (unsigned long)base);
	xtest_check(claim(d, 600) == -EINVAL, "a second claim accepted");
	rc = populate(d, 0, 100);
	xtest_check(rc == 100, "populate(100) = %ld", rc);
	xtest_check(dom_outstanding(d) == 412 && outstanding() == base + 412,
		    "after 100 frames: domain %lu, host %lu", (unsigned long)dom_outstanding(d),
		    (unsigned long)outstanding());
	xtest_check(claim(d, 0) == 0, "cancel refused");
	xtest_check(dom_outstanding(d) == 0 && outstanding() == base,
		    "after cancel: domain %lu, host %lu", (unsigned long)dom_outstanding(d),
		    (unsigned long)outstanding());
	/* The claim is a total: not above tot_pages (100), counted from it. */
	xtest_check(claim(d, 100) == -EINVAL, "a claim of tot_pages accepted");
	rc = claim(d, 150);
	xtest_check(rc == 0 && dom_outstanding(d) == 50, "claim(150) with 100 frames: %ld, %lu", rc,
		    (unsigned long)dom_outstanding(d));
	/* Populating past the claim: it goes to 0, not below. */
	rc = populate(d, 100, 64);
	xtest_check(rc == 64 && dom_outstanding(d) == 0 && outstanding() == base,
		    "populate past the claim: %ld, domain %lu, host %lu", rc,
		    (unsigned long)dom_outstanding(d), (unsigned long)outstanding());
}

/* Claimed memory is the claimant's; a claim beyond free memory is -ENOMEM. */
static void check_claimed_memory(uint16_t d, uint16_t other, uint64_t base)
{
	uint64_t free = builder_free_pages(), tot = 164;
	long rc;

	set_max_pages(d, tot + free + 4096);
	set_max_pages(other, 1024);
	rc = claim(d, tot + free + 64);
	xtest_check(rc == -ENOMEM, "a claim beyond free memory: %ld", rc);
	rc = claim(d, tot + free - 16);
	xtest_check(rc == 0, "claim of all free memory but 16 frames: %ld", rc);
	if (rc)
		return;
	rc = populate(other, 0, 64);
	xtest_check(rc >= 0 && rc < 64, "another domain got %ld of 64 claimed frames", rc);
	printk("with all but 16 free frames claimed, another domain got %ld of 64\n", rc);
	rc = populate(d, 200, 64);
	xtest_check(rc == 64, "the claimant got %ld of 64 frames", rc);
	xtest_check(claim(d, 0) == 0, "cancel refused");
	rc = populate(other, 100, 64);
	xtest_check(rc == 64, "after the cancel, the other domain got %ld of 64", rc);
	xtest_check(outstanding() == base, "host outstanding %lu after cancel",
		    (unsigned long)outstanding());
}

void test_main(void)
{
	uint64_t base = outstanding();
	uint16_t d = builder_create(), other = builder_create();
	struct dctl op;

	check_malformed(d);
	check_claim_cycle(d, base);
	check_claimed_memory(d, other, base);
	/* A domain's claim goes with it. */
	xtest_check(claim(d, 1000) == 0, "a last claim refused");
	xtest_check(outstanding() > base, "the last claim is not outstanding");
	memset(&op, 0, sizeof(op));
	xtest_check(domctl(XEN_DOMCTL_destroydomain, d, &op) == 0, "destroying d%u failed", d);
	xtest_check(outstanding() == base, "host outstanding %lu after the destroy (base %lu)",
		    (unsigned long)outstanding(), (unsigned long)base);
	memset(&op, 0, sizeof(op));
	xtest_check(domctl(XEN_DOMCTL_destroydomain, other, &op) == 0, "destroying d%u failed",
		    other);
}

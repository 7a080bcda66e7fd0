/*
 * Log-dirty (XEN_DOMCTL_shadow_op ENABLE_LOGDIRTY, PEEK, CLEAN, OFF) from
 * the control domain on a child domain that has memory but no page tables
 * of its own, so that every write to it is one this test makes:
 * - two frames written through writable foreign mappings, one through a
 *   grant copy into a grant the child's table gives us, one only read
 *   through a read-only mapping: PEEK and CLEAN report exactly the three
 *   written, with dirty_count 3, and CLEAN starts a new pass;
 * - a writable mapping held across CLEANs counts as dirty in every pass
 *   it is held (Petrel's rule: see docs/design.md "PV log-dirty");
 * - Xen's answers to bad calls: a domain without vCPUs, the caller itself,
 *   enabling twice; the bitmap is freed with the domain;
 * - a second child that runs (a tiny domain, its own page tables mapping
 *   five frames writable) and writes one frame or two between CLEANs,
 *   suspending itself after each step: each CLEAN reports exactly the
 *   frames written (the guest's own writes are caught on the shadow page
 *   tables' write faults, not counted for every frame it maps writable),
 *   a hypercall's output written into its memory counts, a fork-like
 *   clear and set of RW with mmu_update works and the CPU's D bit shows
 *   in the child's own entry, whose other values stay as the child wrote
 *   them; after OFF the child runs on.
 * Debian's Xen 4.17 has no shadow paging, hence no PV log-dirty: there
 * ENABLE_LOGDIRTY gives -EOPNOTSUPP and OFF -EINVAL, which the test checks
 * instead, and the writes are still made and read back.
 */
#include "logdirty-ops.h"

TEST_HV_ARGS("dom0_mem=64M");

#define PTE_RO (PTE_P | PTE_A)
#define REF 10			/* a grant reference past the toolstack's reserved ones */
#define BITMAP_PAGES (8 * 4096) /* bits asked for in each CLEAN / PEEK */

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t source[4096] __attribute__((aligned(4096)));
static uint8_t bitmap[BITMAP_PAGES / 8];
static struct tiny_dom child, kid;
static uint16_t watched; /* the domain report() asks about */

/* CLEAN or PEEK into bitmap[]; the PFNs found set as a mask of PFNs 0-63 (-1 on error). */
static uint64_t report(uint32_t cmd, struct shadow_op *s)
{
	uint64_t mask = 0;

	if (!shadow_report(watched, cmd, s, bitmap, BITMAP_PAGES))
		return ~0UL;
	for (unsigned int i = 0; i < sizeof(bitmap); i++) {
		if (i >= 8 && bitmap[i]) {
			xtest_fail("shadow_op %u: byte %u of the bitmap is %#x", cmd, i, bitmap[i]);
			return ~0UL;
		}
		if (i < 8)
			mask |= (uint64_t)bitmap[i] << (8 * i);
	}
	return mask;
}

static void expect(uint32_t cmd, uint64_t want, const char *what)
{
	struct shadow_op s;
	uint64_t got = report(cmd, &s);

	xtest_check(got == want, "%s: dirty PFNs %#lx, expected %#lx", what, (unsigned long)got,
		    (unsigned long)want);
	xtest_check(s.dirty_count == bits_set(want), "%s: dirty_count %u, expected %u", what,
		    s.dirty_count, bits_set(want));
}

/* Map machine frame @m of @dom at window[] with PTE flags @flags. */
static long map_child(unsigned long m, uint16_t dom, uint64_t flags)
{
	if (flags == PTE_RO) {
		uint64_t req[2] = { builder_l1e_maddr(window), (m << 12) | flags };
		struct mmuext_op inv = { MMUEXT_INVLPG_LOCAL, 0, (unsigned long)window, 0 };
		unsigned int done = 0;
		long rc =
		    hypercall(HC_mmu_update, (unsigned long)req, 1, (unsigned long)&done, dom, 0);

		return rc ? rc : hypercall(HC_mmuext_op, (unsigned long)&inv, 1, 0, DOMID_SELF, 0);
	}
	return builder_map_mmu(window, m, dom);
}

/* Write @val over child PFN @pfn through a writable foreign mapping. */
static void write_pfn(unsigned int pfn, uint8_t val)
{
	long rc = map_child(child.mfn[pfn], child.id, PTE_P | PTE_RW | PTE_A | PTE_D);

	xtest_check(rc == 0, "writable mapping of d%u's PFN %u: %ld", child.id, pfn, rc);
	if (rc)
		return;
	memset(window, val, sizeof(window));
	builder_unmap(window);
}

/* The byte at @off of @t's PFN @pfn, read through a read-only mapping. */
static int read_of(const struct tiny_dom *t, unsigned int pfn, unsigned int off)
{
	long rc = map_child(t->mfn[pfn], t->id, PTE_RO);
	int v;

	xtest_check(rc == 0, "read-only mapping of d%u's PFN %u: %ld", t->id, pfn, rc);
	if (rc)
		return -1;
	v = ((volatile uint8_t *)window)[off];
	builder_unmap(window);
	return v;
}

static int read_pfn(unsigned int pfn, unsigned int off)
{
	return read_of(&child, pfn, off);
}

/* Grant reference REF of the child's table: PFN @pfn, to us, writable. */
static bool grant_to_us(unsigned int pfn)
{
	unsigned long frame = 0;
	struct gnttab_setup_table st = { .dom = child.id, .nr_frames = 1, .frame_list = &frame };
	volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)window + REF;
	long rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&st, 1, 0, 0);

	if (rc || st.status) {
		xtest_error("setup_table of d%u: %ld, status %d", child.id, rc, st.status);
		return false;
	}
	rc = builder_map_mmu(window, frame, child.id);
	if (rc) {
		xtest_error("mapping d%u's grant frame %#lx: %ld", child.id, frame, rc);
		return false;
	}
	e->domid = 0;
	e->frame = (uint32_t)child.mfn[pfn];
	__asm__ volatile("" ::: "memory");
	e->flags = GTF_permit_access;
	builder_unmap(window);
	return true;
}

static void grant_copy(unsigned int pfn, uint8_t val)
{
	struct gnttab_copy c = {
		.source = { builder_own_frame(source), DOMID_SELF, 0 },
		.dest = { REF, child.id, 100 },
		.len = 64,
		.flags = GNTCOPY_dest_gref,
		.status = 99,
	};
	long rc;

	memset(source, val, sizeof(source));
	rc = hypercall(HC_grant_table_op, GNTTABOP_copy, (unsigned long)&c, 1, 0, 0);
	xtest_check(rc == 0 && c.status == 0, "grant copy into d%u's PFN %u: %ld, status %d",
		    child.id, pfn, rc, c.status);
}

/* A child with BUILDER_PAGES frames and one vCPU, never run. */
static void build_child(void)
{
	struct dctl op;
	long rc;

	child.id = builder_create();
	watched = child.id;
	rc = shadow_simple(child.id, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == -EINVAL, "ENABLE_LOGDIRTY on a domain without vCPUs: %ld", rc);
	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, child.id, &op);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = BUILDER_PAGES * 4;
	rc = rc ? rc : domctl(XEN_DOMCTL_max_mem, child.id, &op);
	rc = rc ? rc : tiny_populate(&child);
	if (rc) {
		xtest_error("building d%u: %ld", child.id, rc);
		tiny_destroy(&child);
		xtest_exit();
	}
}

/*
 * The writes of one pass: PFNs 2 and 5 mapped, 7 by grant copy; 3 only read.
 * From the second pass on the frames already have the writable type, so
 * only the writes themselves can mark them.
 */
static void writes(uint8_t val)
{
	write_pfn(2, val);
	write_pfn(5, val);
	if (grant_to_us(7))
		grant_copy(7, val);
	xtest_check(read_pfn(2, 0) == val && read_pfn(5, 4095) == val,
		    "writes through foreign mappings not in d%u's frames", child.id);
	xtest_check(read_pfn(7, 100) == val && read_pfn(7, 163) == val && read_pfn(7, 164) == 0,
		    "the grant copy did not land in d%u's PFN 7 as asked", child.id);
	xtest_check(read_pfn(3, 0) == 0, "d%u's PFN 3 is not zero", child.id);
}

/* A writable mapping held across CLEANs is dirty in every pass it is held in. */
static void held_mapping(void)
{
	struct shadow_op s;
	long rc = map_child(child.mfn[4], child.id, PTE_P | PTE_RW | PTE_A | PTE_D);

	xtest_check(rc == 0, "writable mapping of d%u's PFN 4: %ld", child.id, rc);
	if (rc)
		return;
	window[0] = 1;
	expect(SHADOW_OP_CLEAN, 1UL << 4, "CLEAN with PFN 4 mapped writable");
	(void)report(SHADOW_OP_CLEAN, &s);
	xtest_check(bitmap[0] == 1 << 4 && s.fault_count >= 1,
		    "next CLEAN, PFN 4 still mapped: bitmap %#x, fault_count %u", bitmap[0],
		    s.fault_count);
	builder_unmap(window);
	expect(SHADOW_OP_CLEAN, 1UL << 4, "CLEAN after PFN 4's mapping went");
	expect(SHADOW_OP_CLEAN, 0, "CLEAN with nothing written");
}

static void on_petrel(void)
{
	struct shadow_op s;
	long rc;

	rc = shadow_simple(child.id, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == 0, "ENABLE_LOGDIRTY: %ld", rc);
	rc = shadow_simple(child.id, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == -EINVAL, "ENABLE_LOGDIRTY again: %ld", rc);
	rc = shadow_simple(child.id, SHADOW_OP_ENABLE, SHADOW_ENABLE_LOG_DIRTY);
	xtest_check(rc == -EINVAL, "ENABLE (log-dirty mode) while on: %ld", rc);
	expect(SHADOW_OP_CLEAN, 0, "first CLEAN (populated before ENABLE)");
	writes(0x5c);
	expect(SHADOW_OP_PEEK, 0xa4, "PEEK after the writes");
	expect(SHADOW_OP_PEEK, 0xa4, "PEEK again");
	expect(SHADOW_OP_CLEAN, 0xa4, "CLEAN after the writes");
	expect(SHADOW_OP_CLEAN, 0, "the next CLEAN");
	writes(0x3a);
	expect(SHADOW_OP_CLEAN, 0xa4, "CLEAN after the second pass's writes");
	held_mapping();
	s = (struct shadow_op){ .op = SHADOW_OP_CLEAN, .pages = BITMAP_PAGES };
	rc = shadow(child.id, &s);
	xtest_check(rc == 0 && s.pages == BITMAP_PAGES && s.dirty_count == 0,
		    "CLEAN without a bitmap: %ld, pages %lu, dirty_count %u", rc,
		    (unsigned long)s.pages, s.dirty_count);
	write_pfn(6, 0x66);
	rc = shadow_simple(child.id, SHADOW_OP_OFF, 0);
	xtest_check(rc == 0, "OFF: %ld", rc);
	rc = shadow_simple(child.id, SHADOW_OP_OFF, 0);
	xtest_check(rc == 0, "OFF when off: %ld", rc);
	/* on again: a fresh bitmap, without what the last pass had */
	rc = shadow_simple(child.id, SHADOW_OP_ENABLE, SHADOW_ENABLE_LOG_DIRTY);
	xtest_check(rc == 0, "ENABLE with the log-dirty mode: %ld", rc);
	expect(SHADOW_OP_CLEAN, 0, "first CLEAN after OFF and ENABLE");
	write_pfn(0, 0x11);
	expect(SHADOW_OP_PEEK, 1, "PEEK after writing PFN 0");
}

/* Debian's Xen 4.17 (no shadow paging): no PV log-dirty; the writes still land. */
static void on_xen(void)
{
	long rc = shadow_simple(child.id, SHADOW_OP_ENABLE_LOGDIRTY, 0);

	xtest_check(rc == -EOPNOTSUPP, "ENABLE_LOGDIRTY on Xen without shadow paging: %ld", rc);
	rc = shadow_simple(child.id, SHADOW_OP_OFF, 0);
	xtest_check(rc == -EINVAL, "OFF on Xen without shadow paging: %ld", rc);
	writes(0x5c);
	writes(0x3a);
}

/*
 * The running child's program (at TINY_GVA(PFN_CODE)): steps that write
 * PFN 6 (at 0x206000) and PFN 7 (0x207000) only, no calls (no stack
 * writes), each step ending in SCHEDOP_shutdown(suspend) until the parent
 * resumes it. Hypercalls are issued with syscall directly; their inputs
 * are in the argument frame (PFN 8), which the child only reads.
 */
#define KID_STEPS 7
__asm__(".pushsection .rodata\n"
	".macro kid_suspend\n"
	"mov $29, %eax\n" /* sched_op */
	"mov $2, %edi\n"  /* SCHEDOP_shutdown */
	"mov $0x208000, %esi\n"
	"xor %edx, %edx\n"
	"syscall\n"
	".endm\n"
	".globl kid_start, kid_end\n"
	"kid_start:\n"
	"movb $1, 0x207000\n" /* 1: PFN 7 */
	"kid_suspend\n"
	"movb $2, 0x206000\n" /* 2: PFN 6, twice */
	"movb $2, 0x206fff\n"
	"kid_suspend\n"
	"movb $3, 0x207000\n" /* 3: PFN 7 again, in a new pass */
	"kid_suspend\n"
	"mov 0x207000, %rax\n" /* 4: reads only */
	"mov 0x206000, %rax\n"
	"kid_suspend\n"
	"mov $17, %eax\n" /* 5: xen_version(extraversion) writes PFN 6 */
	"mov $1, %edi\n"
	"mov $0x206100, %esi\n"
	"syscall\n"
	"kid_suspend\n"
	"mov $1, %eax\n" /* 6: mmu_update: PFN 7 read-only, then writable without D */
	"mov $0x208010, %edi\n"
	"mov $2, %esi\n"
	"xor %edx, %edx\n"
	"mov $0x7ff0, %r10d\n"
	"syscall\n"
	"mov %rax, %r12\n"
	"mov $26, %eax\n" /* mmuext_op INVLPG_LOCAL */
	"mov $0x208040, %edi\n"
	"mov $1, %esi\n"
	"xor %edx, %edx\n"
	"mov $0x7ff0, %r10d\n"
	"syscall\n"
	"mov %rax, %r13\n"
	"movb $6, 0x207000\n"
	"mov %r12, 0x207008\n"
	"mov %r13, 0x207010\n"
	"kid_suspend\n"
	"movb $7, 0x207000\n" /* 7: after OFF */
	"kid_suspend\n"
	"mov $29, %eax\n"
	"mov $2, %edi\n"
	"mov $0x208008, %esi\n" /* poweroff */
	"syscall\n"
	"1: jmp 1b\n"
	"kid_end:\n"
	".popsection\n");
extern const uint8_t kid_start[], kid_end[];

/* What step n (1..KID_STEPS) writes, as a mask of PFNs (the child's L1 is PFN 3). */
static const uint64_t kid_writes[KID_STEPS] = {
	0, 1UL << 7, 1UL << 6, 1UL << 7, 0, 1UL << 6, (1UL << 3) | (1UL << 7),
};

static void kid_fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	uint64_t *a = (uint64_t *)args, l1e7 = t->mfn[PFN_L1] * 4096 + 7 * 8;
	struct mmuext_op inv = { MMUEXT_INVLPG_LOCAL, 0, TINY_GVA(7), 0 };

	(void)data;
	a[0] = 2; /* SHUTDOWN_suspend */
	a[1] = 0; /* SHUTDOWN_poweroff */
	a[2] = l1e7;
	a[3] = (t->mfn[7] << 12) | PTE_P | PTE_A;
	a[4] = l1e7;
	a[5] = (t->mfn[7] << 12) | PTE_P | PTE_RW | PTE_A;
	memcpy(args + 0x40, &inv, sizeof(inv));
}

/* The child's L1 entry for PFN @pfn, read through a read-only mapping of its L1. */
static uint64_t kid_l1e(unsigned int pfn)
{
	uint64_t e = ~0UL;

	if (map_child(kid.mfn[PFN_L1], kid.id, PTE_RO) == 0) {
		e = ((volatile uint64_t *)window)[pfn];
		builder_unmap(window);
	}
	return e;
}

/* The bits of its entries the child set: the address, P, RW, A, D (Xen adds US and bit 52). */
#define KID_PTE_BITS 0x000ffffffffff063UL

/* After step 6: the child's own entries as it wrote them, D set by its write. */
static void kid_entries(void)
{
	uint64_t want6 = (kid.mfn[6] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	uint64_t want7 = (kid.mfn[7] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	uint64_t e6 = kid_l1e(6) & KID_PTE_BITS, e7 = kid_l1e(7) & KID_PTE_BITS;

	xtest_check(e6 == want6, "d%u's L1 entry 6 reads %#lx, expected %#lx", kid.id,
		    (unsigned long)e6, (unsigned long)want6);
	xtest_check(e7 == want7, "d%u's L1 entry 7 reads %#lx after its write, expected %#lx",
		    kid.id, (unsigned long)e7, (unsigned long)want7);
	xtest_check(read_of(&kid, 7, 8) == 0 && read_of(&kid, 7, 16) == 0,
		    "d%u's mmu_update / mmuext_op failed: %d %d", kid.id, read_of(&kid, 7, 8),
		    read_of(&kid, 7, 16));
}

static bool kid_step(unsigned int n, bool logdirty)
{
	char what[48];

	if (!wait_suspend(kid.id, n))
		return false;
	snprintf(what, sizeof(what), "CLEAN after the child's step %u", n);
	if (logdirty && n < KID_STEPS) /* the last step runs after OFF */
		expect(SHADOW_OP_CLEAN, kid_writes[n], what);
	if (n == 6)
		kid_entries();
	if (n == 6 && logdirty)
		xtest_check(shadow_simple(kid.id, SHADOW_OP_OFF, 0) == 0, "OFF with d%u running",
			    kid.id);
	resume_domain(kid.id);
	return true;
}

/* The running child, with log-dirty on from before it starts (Petrel) or not (Xen). */
static void running_child(void)
{
	bool logdirty = xtest_on_petrel();
	struct dctl op;
	unsigned int n;

	if (!tiny_build(&kid, kid_start, (size_t)(kid_end - kid_start), kid_fill))
		return;
	watched = kid.id;
	if (logdirty) {
		xtest_check(shadow_simple(kid.id, SHADOW_OP_ENABLE_LOGDIRTY, 0) == 0,
			    "ENABLE_LOGDIRTY on d%u", kid.id);
		expect(SHADOW_OP_CLEAN, 0, "the running child's first CLEAN");
	}
	memset(&op, 0, sizeof(op));
	xtest_check(domctl(XEN_DOMCTL_unpausedomain, kid.id, &op) == 0, "unpause d%u", kid.id);
	for (n = 1; n <= KID_STEPS && kid_step(n, logdirty); n++)
		;
	xtest_check(read_of(&kid, 7, 0) == 7 && read_of(&kid, 6, 0) == 2 &&
			read_of(&kid, 6, 0xfff) == 2,
		    "d%u's writes are not in its frames", kid.id);
	tiny_destroy(&kid);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	long rc;

	rc = shadow_simple(0, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == -EINVAL, "ENABLE_LOGDIRTY on the caller itself: %ld", rc);
	build_child();
	printk("d%u: %u frames\n", child.id, BUILDER_PAGES);
	if (xtest_on_petrel())
		on_petrel();
	else
		on_xen();
	rc = tiny_destroy(&child); /* with log-dirty on (Petrel): its bitmap goes too */
	xtest_check(rc == 0, "destroydomain: %ld", rc);
	running_child();
	xtest_check(builder_wait_free(free0) == free0, "free pages not back after destroy");
}

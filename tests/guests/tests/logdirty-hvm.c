/*
 * Log-dirty (XEN_DOMCTL_shadow_op) on a PVH domain, whose writes the
 * hypervisor sees through its nested-paging p2m (NPT on AMD, EPT on Intel).
 * The child, 32-bit code with paging off, runs a script from its data page:
 * each step writes (or only reads) chosen pages of its own and then
 * suspends itself (SCHEDOP_shutdown, SHUTDOWN_suspend); the control domain
 * CLEANs and resumes it. Log-dirty is enabled before the child first runs,
 * and the first CLEAN reports nothing. Then each CLEAN reports exactly the
 * pages written in the step, with dirty_count to match:
 *  1. one page; 2. two pages; 3. the first page again (a new pass catches it
 *  again); 4. a page only read: nothing; 5. a xen_version(extraversion)
 *  whose output the hypervisor copies into a page: that page, the only
 *  write the hypervisor makes into the child's memory here besides: 6. the
 *  child writes an entry of its grant table (frame 0, which we placed at a
 *  GFN above its RAM): that GFN; 7. nothing, but we copy into the page it
 *  granted (GNTTABOP_copy): that page; 8. the first and last word of one
 *  page and the first page again (PEEK, twice, says the same first and does
 *  not reset it).
 * The child then writes one page in a loop for ever; while it runs, each
 * CLEAN reports that page again once a PEEK has seen it (each CLEAN
 * write-protects the page again and no cached translation lets the next
 * write bypass that). OFF while it runs, OFF again, and the child writes on
 * (its counter keeps moving). The writes are in its pages; ENABLE twice
 * -EINVAL; every page comes back after destroying it with log-dirty on
 * (ENABLE again first). No bit beyond the child's GFNs (RAM and the grant
 * frame) is set; the code and script pages, fetched and read only, never.
 */
#include "hammer.h"
#include "logdirty-ops.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define BITMAP_PAGES (8 * 4096) /* bits asked for in each CLEAN / PEEK */

/* Script operations (struct op.code) the child runs in order. */
#define OP_SUSPEND 0 /* the end of a step */
#define OP_WRITE 1   /* incl at gpa */
#define OP_READ 2    /* a load from gpa */
#define OP_VERSION 3 /* xen_version(XENVER_extraversion, gpa) */
#define OP_SPIN 4    /* incl at gpa for ever */
#define OP_STORE 5   /* val to the 32-bit word at gpa */

#define GPA(gfn, off) (((gfn) << 12) + (off))
#define SPIN_GFN 0x108
#define GRANT_GFN 0x109	      /* the page granted to us */
#define TABLE_GFN 0x200	      /* frame 0 of its grant table */
#define TABLE_BIT (1UL << 63) /* its bit in the masks below */
#define BIT(gfn) ((gfn) == TABLE_GFN ? TABLE_BIT : 1UL << ((gfn)-PVH_GFN_BASE))
#define REF 8	    /* the grant entry the child writes */
#define COPY_STEP 7 /* the step after which we copy into the grant */

struct op {
	uint32_t code, gpa, val;
};

/*
 * 32-bit code at 1 MiB, paging off, no stack. %ebp walks the script at the
 * data page; the suspend's struct sched_shutdown is at data + 0xff0.
 * Hypercalls use the 32-bit register ABI (vmcall on Intel: the builder
 * patches it).
 */
__asm__(".pushsection .rodata\n"
	".globl ld_code_start, ld_code_end\n"
	"ld_code_start:\n"
	".code32\n"
	"mov $0x101000, %ebp\n"
	"1: mov (%ebp), %eax\n"
	"mov 4(%ebp), %edi\n"
	"mov 8(%ebp), %edx\n"
	"add $12, %ebp\n"
	"cmp $1, %eax\n"
	"je 2f\n"
	"cmp $2, %eax\n"
	"je 3f\n"
	"cmp $3, %eax\n"
	"je 4f\n"
	"cmp $4, %eax\n"
	"je 5f\n"
	"cmp $5, %eax\n"
	"je 6f\n"
	"mov $29, %eax\n" /* sched_op */
	"mov $2, %ebx\n"  /* SCHEDOP_shutdown */
	"mov $0x101ff0, %ecx\n"
	"vmmcall\n"
	"jmp 1b\n"
	"2: incl (%edi)\n"
	"jmp 1b\n"
	"3: mov (%edi), %eax\n"
	"jmp 1b\n"
	"4: mov $17, %eax\n" /* xen_version */
	"mov $1, %ebx\n"     /* XENVER_extraversion */
	"mov %edi, %ecx\n"
	"vmmcall\n"
	"jmp 1b\n"
	"5: incl (%edi)\n"
	"jmp 5b\n"
	"6: mov %edx, (%edi)\n"
	"jmp 1b\n"
	".code64\n"
	"ld_code_end:\n"
	".popsection\n");
extern const uint8_t ld_code_start[], ld_code_end[];

static const struct op script[] = {
	{ OP_SUSPEND, 0, 0 }, /* step 0: nothing */
	{ OP_WRITE, GPA(0x102, 0), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_WRITE, GPA(0x103, 0x10), 0 },
	{ OP_WRITE, GPA(0x104, 0x800), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_WRITE, GPA(0x102, 0), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_READ, GPA(0x105, 0), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_VERSION, GPA(0x106, 0x40), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_STORE, GPA(TABLE_GFN, 8 * REF + 4), GRANT_GFN }, /* grant entry v1: frame */
	{ OP_STORE, GPA(TABLE_GFN, 8 * REF), 1 },	      /* GTF_permit_access to dom0 */
	{ OP_SUSPEND, 0, 0 },
	{ OP_SUSPEND, 0, 0 }, /* meanwhile we copy into the grant */
	{ OP_WRITE, GPA(0x107, 0), 0 },
	{ OP_WRITE, GPA(0x107, 0xffc), 0 },
	{ OP_WRITE, GPA(0x102, 0), 0 },
	{ OP_SUSPEND, 0, 0 },
	{ OP_SPIN, GPA(SPIN_GFN, 0), 0 },
};

/* What each step leaves dirty. */
static const uint64_t step_writes[] = {
	0,	   BIT(0x102),	   BIT(0x103) | BIT(0x104), BIT(0x102), 0, BIT(0x106),
	TABLE_BIT, BIT(GRANT_GFN), BIT(0x102) | BIT(0x107),
};
#define NR_STEPS (sizeof(step_writes) / sizeof(step_writes[0]))

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t local[4096] __attribute__((aligned(4096)));
static uint8_t bitmap[BITMAP_PAGES / 8];
static uint16_t child;

static void fill_data(uint8_t *data)
{
	uint32_t reason = 2; /* SHUTDOWN_suspend */

	memcpy(data, script, sizeof(script));
	memcpy(data + 0xff0, &reason, sizeof(reason));
}

/*
 * CLEAN or PEEK: the child's GFNs found dirty as a mask (bit 0 = its first
 * GFN), ~0 on error. All the pages asked for are reported (Xen 4.17 too),
 * and no bit outside the child's GFNs is set.
 */
static uint64_t report(uint32_t cmd, struct shadow_op *s)
{
	uint64_t mask = 0;

	if (!shadow_report(child, cmd, s, bitmap, BITMAP_PAGES))
		return ~0UL;
	for (uint64_t pfn = 0; pfn < s->pages; pfn++) {
		bool dirty = bitmap[pfn / 8] & (1u << (pfn % 8));

		if (dirty && pfn != TABLE_GFN &&
		    (pfn < PVH_GFN_BASE || pfn >= PVH_GFN_BASE + PVH_PAGES)) {
			xtest_fail("shadow_op %u: PFN %#lx dirty", cmd, (unsigned long)pfn);
			return ~0UL;
		}
		if (dirty)
			mask |= BIT(pfn);
	}
	return mask;
}

static void expect(uint32_t cmd, uint64_t want, const char *what)
{
	struct shadow_op s;
	uint64_t got = report(cmd, &s);

	xtest_check(got == want, "%s: dirty GFNs %#lx (bit 0 = GFN %#x), expected %#lx", what,
		    (unsigned long)got, PVH_GFN_BASE, (unsigned long)want);
	xtest_check(s.dirty_count == bits_set(want), "%s: dirty_count %u, expected %u", what,
		    s.dirty_count, bits_set(want));
}

/* Frame 0 of the child's grant table at TABLE_GFN, where its script writes entry REF. */
static bool place_table(void)
{
	struct add_to_physmap x = { child, 0, XENMAPSPACE_grant_table, 0, TABLE_GFN };
	long rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);

	xtest_check(rc == 0, "add_to_physmap(grant frame 0 at %#x): %ld", TABLE_GFN, rc);
	return rc == 0;
}

/* GNTTABOP_copy of 8 bytes from our page into the child's grant REF at 0x10. */
static void copy_into_grant(void)
{
	struct gnttab_copy c;
	long rc;

	memset(&c, 0, sizeof(c));
	memset(local, 0x5c, 8);
	c.source = (struct gnttab_copy_ptr){ builder_own_frame(local), DOMID_SELF, 0 };
	c.dest = (struct gnttab_copy_ptr){ REF, child, 0x10 };
	c.len = 8;
	c.flags = GNTCOPY_dest_gref;
	c.status = 1;
	rc = hypercall(HC_grant_table_op, GNTTABOP_copy, (unsigned long)&c, 1, 0, 0);
	xtest_check(rc == 0 && c.status == GNTST_okay, "grant copy into d%u: %ld, status %d", child,
		    rc, c.status);
}

static bool run_steps(void)
{
	char what[48];

	for (unsigned int n = 0; n < NR_STEPS; n++) {
		if (!wait_suspend(child, n))
			return false;
		snprintf(what, sizeof(what), "CLEAN after step %u", n);
		if (n == COPY_STEP)
			copy_into_grant();
		if (n == NR_STEPS - 1) {
			expect(SHADOW_OP_PEEK, step_writes[n], "PEEK after the last step");
			expect(SHADOW_OP_PEEK, step_writes[n], "the second PEEK");
		}
		expect(SHADOW_OP_CLEAN, step_writes[n], what);
		if (!resume_domain(child))
			return false;
	}
	return true;
}

/* PEEK until the spinning child's page shows (its next write in this pass). */
static bool spin_seen(void)
{
	struct shadow_op s;

	for (unsigned int i = 0; i < 200; i++) {
		uint64_t got = report(SHADOW_OP_PEEK, &s);

		if (got == BIT(SPIN_GFN))
			return true;
		if (got) {
			xtest_fail("PEEK of the spinning child: %#lx", (unsigned long)got);
			return false;
		}
		hammer_sleep_ms(2);
	}
	xtest_fail("the spinning child's write never showed");
	return false;
}

/* The child's 32-bit word at @gpa, through a mapping; ~0 if it cannot be mapped. */
static uint32_t peek_word(uint32_t gpa)
{
	uint32_t v = ~0u;

	if (pvh_map(window, gpa >> 12, child) == 0) {
		v = *(volatile uint32_t *)(window + (gpa & 0xfff));
		builder_unmap(window);
	}
	return v;
}

static void spinning(void)
{
	uint32_t before;
	bool moved = false;

	for (unsigned int round = 0; round < 3; round++) {
		if (!spin_seen())
			return;
		expect(SHADOW_OP_CLEAN, BIT(SPIN_GFN), "CLEAN of the spinning child");
	}
	xtest_check(shadow_simple(child, SHADOW_OP_OFF, 0) == 0, "OFF with d%u running", child);
	xtest_check(shadow_simple(child, SHADOW_OP_OFF, 0) == 0, "OFF again");
	before = peek_word(GPA(SPIN_GFN, 0));
	for (unsigned int i = 0; i < 200 && !moved; i++) {
		hammer_sleep_ms(2);
		moved = peek_word(GPA(SPIN_GFN, 0)) != before;
	}
	xtest_check(moved, "d%u's counter stays at %u after OFF", child, before);
}

/* What the child's writes left in its pages. */
static void contents(void)
{
	static char ours[16], its[16];

	hypercall_xen_version(XENVER_extraversion, ours);
	xtest_check(peek_word(GPA(0x102, 0)) == 3, "GFN 0x102 holds %u, expected 3",
		    peek_word(GPA(0x102, 0)));
	xtest_check(peek_word(GPA(0x103, 0x10)) == 1 && peek_word(GPA(0x104, 0x800)) == 1 &&
			peek_word(GPA(0x107, 0)) == 1 && peek_word(GPA(0x107, 0xffc)) == 1,
		    "the child's single writes are not in its pages");
	xtest_check(peek_word(GPA(0x105, 0)) == 0, "the page only read was written");
	xtest_check(peek_word(GPA(GRANT_GFN, 0x10)) == 0x5c5c5c5c &&
			peek_word(GPA(GRANT_GFN, 0x14)) == 0x5c5c5c5c,
		    "the grant copy is not in the child's page");
	if (pvh_map(window, 0x106, child) == 0) {
		memcpy(its, window + 0x40, sizeof(its));
		builder_unmap(window);
	}
	xtest_check(!memcmp(ours, its, sizeof(its)),
		    "the child's extraversion is '%.16s', ours '%s'", its, ours);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	static uint8_t code[256];
	size_t len = (size_t)(ld_code_end - ld_code_start);
	long rc;

	memcpy(code, ld_code_start, len);
	builder_hvm_hypercall_insns(code, len);
	if (!pvh_build(&child, code, len, fill_data)) {
		xtest_error("building a PVH domain");
		return;
	}
	if (!place_table()) {
		builder_destroy_free(child, free0);
		return;
	}
	rc = shadow_simple(child, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == 0, "ENABLE_LOGDIRTY on d%u: %ld", child, rc);
	rc = shadow_simple(child, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == -EINVAL, "ENABLE_LOGDIRTY twice: %ld", rc);
	expect(SHADOW_OP_CLEAN, 0, "the first CLEAN");
	rc = hammer_dom_op(XEN_DOMCTL_unpausedomain, child);
	xtest_check(rc == 0, "unpausedomain d%u: %ld", child, rc);
	if (!rc && run_steps())
		spinning();
	contents();
	rc = shadow_simple(child, SHADOW_OP_ENABLE_LOGDIRTY, 0);
	xtest_check(rc == 0, "ENABLE_LOGDIRTY again: %ld", rc);
	builder_destroy_free(child, free0);
}

/*
 * Grants made by an HVM (PVH) domain, whose grant entries hold guest frame
 * numbers. The control domain builds a PVH domain (as domctl-build-pvh
 * does) and places frame 0 of its grant table at a GFN outside its RAM
 * (XENMEM_add_to_physmap); setup_table on that domain then lists the GFN,
 * not a machine frame. The guest, 32-bit code with paging off, asks
 * GNTTABOP_query_size about itself, writes a pattern into one of its pages,
 * grants that page to dom0 (entry 8) and grants a GFN with no RAM behind it
 * (entry 9) by writing its table through the GFN, then yields until dom0
 * writes a flag into the page. dom0 maps entry 8 (a host mapping by
 * virtual address): it reads the pattern through the mapping, sees
 * GTF_reading|GTF_writing in the entry, copies a value into the page with
 * GNTTABOP_copy and sets the flag through the mapping; the guest answers
 * with value + 1 in the same page and shuts down, and dom0 copies the
 * answer out. Entry 9 is GNTST_bad_page for both map and copy. The domain
 * is destroyed; all of it twice, and the second round's pages all come back.
 */
#include "builder.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define XEN_DOMCTL_gethvmcontext 33
#define XEN_DOMCTL_sethvmcontext 34
#define XEN_DOMCTL_CDF_hvm (1u << 0)
#define XEN_DOMCTL_CDF_hap (1u << 1)
#define XEN_X86_EMU_LAPIC 1u
#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_copy 5
#define CODE_END 0
#define CODE_HEADER 1
#define CODE_CPU 2

/* The guest's RAM: GFNs 0x100-0x10f; its grant table at GFN 0x200 (no RAM there). */
#define NR_PAGES 16
#define GFN_BASE 0x100
#define GFN_CODE 0x100
#define GFN_DATA 0x101
#define GFN_SHARED 0x102
#define GFN_TABLE 0x200
#define GFN_NOTHING 0x5000
#define REF_PAGE 8
#define REF_NOTHING 9
/* The data page: query_size's answer, the ready flag, the shutdown argument. */
#define D_QUERY_RC 0x30
#define D_READY 0x38
#define D_QUERY 0x40 /* struct gnttab_query_size */
#define D_SHUTDOWN 0x60
/* The shared page: the guest's pattern, dom0's flag, dom0's value, the answer. */
#define S_PATTERN 0x000
#define S_FLAG 0x100
#define S_VALUE 0x200
#define S_ANSWER 0x300
#define PATTERN 0x600df00du
#define FLAG 0xd0d0d0d0u
#define VALUE 0x41u

/*
 * 32-bit code at 1 MiB, paging off. Hypercalls use the 32-bit register ABI
 * (query_size and sched_op have the same layout in both ABIs).
 */
__asm__(".pushsection .rodata\n"
	".globl gh_code_start, gh_code_end\n"
	"gh_code_start:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"mov $0x102000, %edi\n"
	"mov $20, %eax\n" /* grant_table_op */
	"mov $6, %ebx\n"  /* GNTTABOP_query_size */
	"lea 0x40(%esi), %ecx\n"
	"mov $1, %edx\n"
	"vmmcall\n"
	"mov %eax, 0x30(%esi)\n"
	"movl $0x600df00d, (%edi)\n"
	"mov $0x200000, %ebx\n" /* the table: entry 8 at +64, entry 9 at +72 */
	"movw $0, 66(%ebx)\n"	/* domid 0 */
	"movl $0x102, 68(%ebx)\n"
	"movw $1, 64(%ebx)\n" /* GTF_permit_access, written last */
	"movw $0, 74(%ebx)\n"
	"movl $0x5000, 76(%ebx)\n"
	"movw $1, 72(%ebx)\n"
	"movl $1, 0x38(%esi)\n"
	"1: cmpl $0xd0d0d0d0, 0x100(%edi)\n"
	"je 2f\n"
	"mov $29, %eax\n" /* sched_op */
	"xor %ebx, %ebx\n" /* SCHEDOP_yield */
	"xor %ecx, %ecx\n"
	"vmmcall\n"
	"jmp 1b\n"
	"2: mov 0x200(%edi), %eax\n"
	"inc %eax\n"
	"mov %eax, 0x300(%edi)\n"
	"movl $0, 0x60(%esi)\n" /* SHUTDOWN_poweroff */
	"mov $29, %eax\n"
	"mov $2, %ebx\n" /* SCHEDOP_shutdown */
	"lea 0x60(%esi), %ecx\n"
	"vmmcall\n"
	"3: jmp 3b\n"
	".code64\n"
	"gh_code_end:\n"
	".popsection\n");
extern const uint8_t gh_code_start[], gh_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t context[8192] __attribute__((aligned(16)));
static uint8_t stream[2048] __attribute__((aligned(16)));
static uint8_t local[4096] __attribute__((aligned(4096)));

struct save_header {
	uint32_t magic, version;
	uint64_t changeset;
	uint32_t cpuid, gtsc_khz;
};

static struct pvh_cpu cpu;

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* The PVH entry state: 32-bit flat protected mode, paging off, at the code page. */
static void fill_cpu(struct pvh_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->rip = GFN_CODE << 12;
	c->rflags = 0x2;
	c->cr0 = 0x11; /* PE, ET */
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->cs_sel = 0x08, c->cs_limit = ~0u, c->cs_arbytes = 0xc9b;
	c->ds_sel = c->es_sel = c->ss_sel = c->fs_sel = c->gs_sel = 0x10;
	c->ds_limit = c->es_limit = c->ss_limit = c->fs_limit = c->gs_limit = ~0u;
	c->ds_arbytes = c->es_arbytes = c->ss_arbytes = c->fs_arbytes = c->gs_arbytes = 0xc93;
	c->tr_sel = 0x18, c->tr_limit = 0x67, c->tr_arbytes = 0x8b;
	c->ldtr_arbytes = 0x82;
}

static uint16_t create(void)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	op.u.create.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	op.u.create.emulation_flags = XEN_X86_EMU_LAPIC;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	if (rc) {
		xtest_error("PVH createdomain: %ld", rc);
		xtest_exit();
	}
	return op.domain;
}

static bool limits_and_ram(uint16_t dom)
{
	static unsigned long gfns[NR_PAGES];
	struct reservation r = { gfns, NR_PAGES, 0, 0, dom };
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, dom, &op);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = NR_PAGES * 4;
	rc = rc ? rc : domctl(XEN_DOMCTL_max_mem, dom, &op);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		gfns[i] = GFN_BASE + i;
	rc = rc ? rc : hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc != NR_PAGES) {
		xtest_error("max_vcpus, max_mem, populate_physmap of d%u: %ld", dom, rc);
		return false;
	}
	return true;
}

/* Write guest frame @gfn of @dom through a foreign mapping. */
static bool write_gfn(uint16_t dom, unsigned long gfn, const void *src, size_t len)
{
	long rc = builder_map_mmu(window, gfn, dom);

	if (rc) {
		xtest_error("mapping d%u's GFN %#lx: %ld", dom, gfn, rc);
		return false;
	}
	memset(window, 0, sizeof(window));
	memcpy(window, src, len);
	if (gfn == GFN_CODE)
		builder_hvm_hypercall_insns(window, len);
	builder_unmap(window);
	return true;
}

static bool image(uint16_t dom)
{
	struct gnttab_query_size q = { DOMID_SELF, 0, 0, 1 };

	memset(local, 0, sizeof(local));
	put32(local, D_QUERY_RC, 1);
	memcpy(local + D_QUERY, &q, sizeof(q));
	return write_gfn(dom, GFN_CODE, gh_code_start, (size_t)(gh_code_end - gh_code_start)) &&
	       write_gfn(dom, GFN_DATA, local, sizeof(local));
}

/* Frame 0 of the table at GFN_TABLE; setup_table then names that GFN. */
static void place_table(uint16_t dom)
{
	struct add_to_physmap x = { dom, 0, XENMAPSPACE_grant_table, 0, GFN_TABLE };
	unsigned long frames[2] = { 0, 0 };
	struct gnttab_setup_table s = { dom, 1, 1, frames };
	long rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);

	xtest_check(rc == 0, "add_to_physmap(grant frame 0 at %#x): %ld", GFN_TABLE, rc);
	rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&s, 1, 0, 0);
	xtest_check(rc == 0 && s.status == GNTST_okay && frames[0] == GFN_TABLE,
		    "setup_table of the PVH d%u: %ld, status %d, frame %#lx (want GFN %#x)", dom, rc,
		    s.status, frames[0], GFN_TABLE);
}

/* HEADER as gethvmcontext gave it, the CPU record of vCPU 0, END. */
static bool start_vcpu(uint16_t dom)
{
	uint32_t size = sizeof(context), off;
	struct pvh_desc d;
	long rc;

	rc = pvh_context_op(XEN_DOMCTL_gethvmcontext, dom, context, &size);
	memcpy(&d, context, sizeof(d));
	if (rc || d.typecode != CODE_HEADER || d.length != sizeof(struct save_header)) {
		xtest_error("gethvmcontext: %ld, first record %u", rc, d.typecode);
		return false;
	}
	off = sizeof(d) + sizeof(struct save_header);
	memcpy(stream, context, off);
	d = (struct pvh_desc){ CODE_CPU, 0, sizeof(cpu) };
	memcpy(stream + off, &d, sizeof(d));
	fill_cpu(&cpu);
	memcpy(stream + off + sizeof(d), &cpu, sizeof(cpu));
	off += sizeof(d) + sizeof(cpu);
	d = (struct pvh_desc){ CODE_END, 0, 0 };
	memcpy(stream + off, &d, sizeof(d));
	size = off + sizeof(d);
	rc = pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, stream, &size);
	if (rc) {
		xtest_error("sethvmcontext: %ld", rc);
		return false;
	}
	rc = builder_dom_op(XEN_DOMCTL_unpausedomain, dom);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	return rc == 0;
}

static uint32_t read32(const uint8_t *p, unsigned int off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* Yield until the guest has written its table (the ready flag in its data page). */
static bool wait_ready(uint16_t dom)
{
	for (unsigned long i = 0; i < 20000; i++) {
		uint32_t ready, qrc;
		struct gnttab_query_size q;

		if (builder_map_mmu(window, GFN_DATA, dom))
			return false;
		ready = read32(window, D_READY);
		qrc = read32(window, D_QUERY_RC);
		memcpy(&q, window + D_QUERY, sizeof(q));
		builder_unmap(window);
		if (ready) {
			xtest_check(qrc == 0 && q.status == GNTST_okay && q.nr_frames >= 1 &&
					q.max_nr_frames >= q.nr_frames,
				    "the guest's query_size: rc %d, status %d, %u of %u frames",
				    (int)qrc, q.status, q.nr_frames, q.max_nr_frames);
			return true;
		}
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return false;
}

static struct gnttab_map_grant_ref map_ref(uint16_t dom, uint32_t ref, void *at)
{
	struct gnttab_map_grant_ref m = { (unsigned long)at, GNTMAP_host_map, ref, dom, 1, ~0u,
					  0 };
	long rc = hypercall(HC_grant_table_op, GNTTABOP_map_grant_ref, (unsigned long)&m, 1, 0, 0);

	if (rc)
		m.status = -1000;
	return m;
}

static void unmap_ref(struct gnttab_map_grant_ref *m, void *at)
{
	struct gnttab_unmap_grant_ref u = { (unsigned long)at, 0, m->handle, 1 };
	long rc = hypercall(HC_grant_table_op, GNTTABOP_unmap_grant_ref, (unsigned long)&u, 1, 0, 0);

	xtest_check(rc == 0 && u.status == GNTST_okay, "unmap_grant_ref: %ld, status %d", rc,
		    u.status);
	builder_unmap(at);
}

/* One copy between the grant @ref of @dom (at @off) and our page @local. */
static int16_t copy_ref(uint16_t dom, uint32_t ref, uint16_t off, bool into_grant, uint16_t len)
{
	struct gnttab_copy c;
	struct gnttab_copy_ptr g = { ref, dom, off };
	struct gnttab_copy_ptr mine = { builder_own_frame(local), DOMID_SELF, 0 };
	long rc;

	memset(&c, 0, sizeof(c));
	c.source = into_grant ? mine : g;
	c.dest = into_grant ? g : mine;
	c.len = len;
	c.flags = into_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
	c.status = 1;
	rc = hypercall(HC_grant_table_op, GNTTABOP_copy, (unsigned long)&c, 1, 0, 0);
	return rc ? -1000 : c.status;
}

/* The entry's flags as the guest's table holds them (mapped at its GFN). */
static uint16_t entry_flags(uint16_t dom, uint32_t ref)
{
	uint16_t flags = 0xffff;

	if (!builder_map_mmu(table_window, GFN_TABLE, dom)) {
		flags = ((volatile struct grant_entry_v1 *)table_window)[ref].flags;
		builder_unmap(table_window);
	}
	return flags;
}

/* While the guest waits: map its grant, read, copy in, set the flag. */
static void use_grant(uint16_t dom)
{
	struct gnttab_map_grant_ref m = map_ref(dom, REF_PAGE, window);
	uint16_t flags;
	int16_t st;

	if (m.status != GNTST_okay) {
		xtest_fail("map_grant_ref of d%u's entry %u: status %d", dom, REF_PAGE, m.status);
		builder_unmap(window);
		return;
	}
	xtest_check(read32(window, S_PATTERN) == PATTERN,
		    "the guest's pattern through the grant mapping: %#x", read32(window, S_PATTERN));
	flags = entry_flags(dom, REF_PAGE);
	xtest_check(flags == (GTF_permit_access | GTF_reading | GTF_writing),
		    "entry %u's flags while mapped: %#x", REF_PAGE, flags);
	put32(local, 0, VALUE);
	st = copy_ref(dom, REF_PAGE, S_VALUE, true, 4);
	xtest_check(st == GNTST_okay, "copy into d%u's grant: %d", dom, st);
	xtest_check(read32(window, S_VALUE) == VALUE, "the copied value through the mapping: %#x",
		    read32(window, S_VALUE));
	*(volatile uint32_t *)(window + S_FLAG) = FLAG;
	unmap_ref(&m, window);
	flags = entry_flags(dom, REF_PAGE);
	xtest_check(flags == GTF_permit_access, "entry %u's flags after the unmap: %#x", REF_PAGE,
		    flags);
}

static void after_shutdown(uint16_t dom)
{
	struct gnttab_map_grant_ref m;
	int16_t st;

	memset(local, 0, sizeof(local));
	st = copy_ref(dom, REF_PAGE, S_ANSWER, false, 4);
	xtest_check(st == GNTST_okay && read32(local, 0) == VALUE + 1,
		    "copy of the guest's answer out of its grant: %d, %#x", st, read32(local, 0));
	m = map_ref(dom, REF_NOTHING, window);
	xtest_check(m.status == GNTST_bad_page, "mapping a grant of a GFN without RAM: %d",
		    m.status);
	if (m.status == GNTST_okay)
		unmap_ref(&m, window);
	st = copy_ref(dom, REF_NOTHING, 0, false, 4);
	xtest_check(st == GNTST_bad_page, "copying from a grant of a GFN without RAM: %d", st);
}

/* One PVH domain through its grants, then destroyed. */
static void cycle(void)
{
	uint16_t dom = create();
	struct dctl op;
	long rc;

	if (limits_and_ram(dom) && image(dom)) {
		place_table(dom);
		if (start_vcpu(dom)) {
			if (wait_ready(dom))
				use_grant(dom);
			else
				xtest_fail("d%u never wrote its grant table", dom);
			if (builder_wait_shutdown(dom, &op))
				after_shutdown(dom);
			else
				xtest_fail("d%u did not shut down: flags %#x", dom,
					   op.u.info.flags);
		}
	}
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	xtest_check(rc == 0, "destroydomain: %ld", rc);
}

/*
 * Twice: the first round also gives dom0 its maptrack frame, which it
 * keeps; the second must give back every page it took.
 */
void test_main(void)
{
	uint64_t free1;

	cycle();
	free1 = builder_settled_free();
	cycle();
	xtest_check(builder_wait_free(free1) == free1,
		    "free pages after the second destroy: %lu, %lu after the first",
		    (unsigned long)builder_free_pages(), (unsigned long)free1);
}

/*
 * A PV vCPU's MSR_TSC_AUX and the upper halves of its YMM registers across
 * a save and a restore into a fresh domain, as libxenguest moves a PV guest:
 * the control domain builds tiny domain A, whose code (where the CPU offers
 * them) sets its CR4.OSXSAVE and enables AVX in XCR0 with XSETBV, loads YMM0 with a 32-byte
 * pattern, writes MSR_TSC_AUX (both emulated for a PV kernel) and suspends (SCHEDOP_shutdown,
 * SHUTDOWN_suspend). The builder reads A's vCPU with getvcpucontext (cr3 A's L4), get_vcpu_msrs
 * (the TSC_AUX entry: Xen migrates TSC_AUX for PV vCPUs, skipping MSRs that are 0) and
 * getvcpuextstate (XCR0 with AVX, the pattern's upper half at YMM0's place
 * in the standard XSAVE form), builds domain B from the same image, copies
 * A's stack and data pages into it and gives it A's state in libxenguest's
 * order: setvcpucontext (cr3 rewritten to B's L4), setvcpuextstate,
 * set_vcpu_msrs with A's whole list. B resumes after A's suspend, reads
 * TSC_AUX with rdtscp and stores YMM0 (a #UD there if XCR0 was lost), and
 * powers off: both values are A's.
 */
#include "vcpu-save-ops.h"
#include "msr-index.h"

TEST_HV_ARGS("dom0_mem=64M");

#define XSTATE_AVX 4ULL	 /* XCR0 bit 2: the upper YMM halves */
#define XSAVE_YMM_HI 576 /* YMM0's upper half in the standard (non-compacted) form */
#define F1_ECX_XSAVE (1u << 26)
#define F1_ECX_AVX (1u << 28)
#define FX1_EDX_RDTSCP (1u << 27)

/* The data page: the builder's inputs, then what B finds. */
#define D_AUX 0x00	/* builder: the TSC_AUX value A writes */
#define D_FLAGS 0x08	/* builder: 1 write TSC_AUX, 2 load YMM0 */
#define D_PATTERN 0x40	/* builder: YMM0's 32 bytes */
#define D_SHUTDOWN 0x80 /* guest: sched_shutdown argument */
#define D_AUX_OUT 0x100 /* B: rdtscp's ECX */
#define D_YMM_OUT 0x120 /* B: YMM0 */
#define D_RESUMED 0x140 /* B: 1 once past A's suspend */
#define F_AUX 1u
#define F_YMM 2u
#define AUX_VALUE 0x5a5a1u

/* Copied into the code frame; absolute addresses only. */
__asm__(".pushsection .rodata\n"
	".globl save_start, save_end\n"
	"save_start:\n"
	"movabs $0x207000, %rbx\n"
	"testb $2, 0x08(%rbx)\n"
	"jz 1f\n"
	"mov %cr4, %rax\n" /* the kernel's CR4.OSXSAVE first (XSETBV #UD without) */
	"or $0x40000, %rax\n"
	"mov %rax, %cr4\n"
	"xor %ecx, %ecx\n"
	"mov $7, %eax\n" /* x87, SSE, AVX */
	"xor %edx, %edx\n"
	"xsetbv\n"
	"vmovdqu 0x40(%rbx), %ymm0\n"
	"1: testb $1, 0x08(%rbx)\n"
	"jz 2f\n"
	"mov $0xc0000103, %ecx\n" /* MSR_TSC_AUX */
	"mov (%rbx), %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"2: movl $2, 0x80(%rbx)\n" /* SHUTDOWN_suspend */
	"mov $2, %edi\n"	   /* SCHEDOP_shutdown */
	"lea 0x80(%rbx), %rsi\n"
	"mov $(0x205000 + 29 * 32), %eax\n" /* sched_op */
	"call *%rax\n"
	"movabs $0x207000, %rbx\n"
	"movl $1, 0x140(%rbx)\n"
	"testb $1, 0x08(%rbx)\n"
	"jz 3f\n"
	"rdtscp\n"
	"mov %ecx, 0x100(%rbx)\n"
	"3: testb $2, 0x08(%rbx)\n"
	"jz 4f\n"
	"vmovdqu %ymm0, 0x120(%rbx)\n"
	"4: movl $0, 0x80(%rbx)\n" /* SHUTDOWN_poweroff */
	"mov $2, %edi\n"
	"lea 0x80(%rbx), %rsi\n"
	"mov $(0x205000 + 29 * 32), %eax\n"
	"call *%rax\n"
	"5: jmp 5b\n"
	"save_end:\n"
	".popsection\n");
extern const uint8_t save_start[], save_end[];

#define MAX_MSRS 16

static struct tiny_dom a, b;
static struct vcpu_context ctx;
static uint8_t xrec[8192] __attribute__((aligned(64)));
static struct vcpu_msr msrs[MAX_MSRS];
static uint32_t nr_msrs;
static uint64_t xrec_size, xrec_mask;
static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t pages[2][4096];
static unsigned int flags;

static const uint8_t pattern[32] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0xcc, 0xdd, 0xee, 0xf0, 0x0f, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6,
	0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0x90,
};

/* What the CPU (as CPUID shows the control domain) lets A do. */
static unsigned int cpu_flags(void)
{
	uint32_t a0, b0, c, d, f = 0;

	xen_cpuid(0x80000000, 0, &a0, &b0, &c, &d);
	if (a0 >= 0x80000001) {
		xen_cpuid(0x80000001, 0, &a0, &b0, &c, &d);
		f |= (d & FX1_EDX_RDTSCP) ? F_AUX : 0;
	}
	xen_cpuid(1, 0, &a0, &b0, &c, &d);
	if ((c & F1_ECX_XSAVE) && (c & F1_ECX_AVX)) {
		xen_cpuid(0xd, 0, &a0, &b0, &c, &d);
		f |= (a0 & 7) == 7 ? F_YMM : 0;
	}
	return f;
}

static void fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	(void)t;
	(void)args;
	*(uint32_t *)(data + D_AUX) = AUX_VALUE;
	*(uint32_t *)(data + D_FLAGS) = flags;
	memcpy(data + D_PATTERN, pattern, sizeof(pattern));
}

/* Copy frame @pfn of @from (into @buf) or into @to (from @buf). */
static bool copy_page(const struct tiny_dom *t, unsigned int pfn, uint8_t *buf, bool out)
{
	long rc = builder_map_va(window, t->mfn[pfn], t->id);

	if (rc) {
		xtest_fail("d%u: mapping pfn %u: %ld", t->id, pfn, rc);
		return false;
	}
	if (out)
		memcpy(buf, window, 4096);
	else
		memcpy(window, buf, 4096);
	builder_unmap(window);
	return true;
}

static bool save_context(void)
{
	struct dctl op = { 0 };
	long rc;

	op.u.vcpucontext.ctxt = &ctx;
	rc = domctl(XEN_DOMCTL_getvcpucontext, a.id, &op);
	xtest_check(rc == 0 && ctx.ctrlreg[3] == a.mfn[PFN_L4] << 12,
		    "getvcpucontext of A: %ld, cr3 %#lx (its L4 %#lx)", rc, ctx.ctrlreg[3],
		    a.mfn[PFN_L4] << 12);
	return rc == 0;
}

static bool save_msrs(void)
{
	struct vcpu_msrs m = { 0 };
	long rc = domctl_struct(XEN_DOMCTL_get_vcpu_msrs, a.id, &m, sizeof(m));
	bool aux = false;

	xtest_check(rc == 0 && m.msr_count <= MAX_MSRS, "get_vcpu_msrs (count): %ld, %u", rc,
		    m.msr_count);
	if (rc || m.msr_count > MAX_MSRS)
		return false;
	m = (struct vcpu_msrs){ .msr_count = MAX_MSRS, .msrs = msrs };
	rc = domctl_struct(XEN_DOMCTL_get_vcpu_msrs, a.id, &m, sizeof(m));
	xtest_check(rc == 0, "get_vcpu_msrs: %ld", rc);
	nr_msrs = rc ? 0 : m.msr_count;
	for (uint32_t i = 0; i < nr_msrs; i++) {
		printk("A's MSR %#x: %#llx\n", msrs[i].index, (unsigned long long)msrs[i].value);
		if (msrs[i].index == MSR_TSC_AUX)
			aux = msrs[i].value == AUX_VALUE;
	}
	if (flags & F_AUX)
		xtest_check(aux, "get_vcpu_msrs: no TSC_AUX %#x among %u MSRs", AUX_VALUE, nr_msrs);
	return rc == 0;
}

static bool save_xstate(void)
{
	struct vcpuextstate x = { 0 };
	long rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, a.id, &x, sizeof(x));
	uint64_t xcr0;

	xtest_check(rc == 0 && x.size <= sizeof(xrec), "getvcpuextstate (size): %ld, %llu", rc,
		    (unsigned long long)x.size);
	if (rc || x.size > sizeof(xrec))
		return false;
	x = (struct vcpuextstate){ .xfeature_mask = x.xfeature_mask,
				   .size = x.size,
				   .buffer = xrec };
	rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, a.id, &x, sizeof(x));
	xtest_check(rc == 0, "getvcpuextstate: %ld", rc);
	xrec_size = rc ? 0 : x.size;
	xrec_mask = x.xfeature_mask;
	if (!(flags & F_YMM) || rc)
		return rc == 0;
	memcpy(&xcr0, xrec, sizeof(xcr0));
	xtest_check((xcr0 & XSTATE_AVX) && xrec_size >= XREC_HDR + XSAVE_YMM_HI + 16 &&
			!memcmp(xrec + XREC_HDR + XSAVE_YMM_HI, pattern + 16, 16),
		    "getvcpuextstate: XCR0 %#llx, %llu bytes, YMM0's upper half not the pattern",
		    (unsigned long long)xcr0, (unsigned long long)xrec_size);
	return true;
}

/* B's state from A's: context (cr3 B's L4), XSAVE record, MSRs. */
static bool restore(void)
{
	struct vcpuextstate x = { .xfeature_mask = xrec_mask, .size = xrec_size, .buffer = xrec };
	struct vcpu_msrs m = { .msr_count = nr_msrs, .msrs = msrs };
	struct dctl op = { 0 };
	long rc;

	ctx.ctrlreg[3] = b.mfn[PFN_L4] << 12;
	op.u.vcpucontext.ctxt = &ctx;
	rc = domctl(XEN_DOMCTL_setvcpucontext, b.id, &op);
	xtest_check(rc == 0, "setvcpucontext of B with A's context: %ld", rc);
	if (rc)
		return false;
	if (xrec_size) {
		rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, b.id, &x, sizeof(x));
		xtest_check(rc == 0, "setvcpuextstate of B with A's record: %ld", rc);
	}
	if (!rc) {
		rc = domctl_struct(XEN_DOMCTL_set_vcpu_msrs, b.id, &m, sizeof(m));
		xtest_check(rc == 0, "set_vcpu_msrs of B with A's %u MSRs: %ld (entry %u)", nr_msrs,
			    rc, m.msr_count);
	}
	return rc == 0;
}

static void check_b(void)
{
	uint8_t *d = pages[1];
	uint32_t aux;

	if (!copy_page(&b, PFN_DATA, d, true))
		return;
	memcpy(&aux, d + D_AUX_OUT, sizeof(aux));
	xtest_check(*(uint32_t *)(d + D_RESUMED) == 1, "B did not resume after A's suspend");
	if (flags & F_AUX)
		xtest_check(aux == AUX_VALUE, "B's TSC_AUX (rdtscp): %#x, A wrote %#x", aux,
			    AUX_VALUE);
	if (flags & F_YMM)
		xtest_check(!memcmp(d + D_YMM_OUT, pattern, sizeof(pattern)),
			    "B's YMM0: %02x..%02x (upper half from %02x), A loaded %02x..%02x",
			    d[D_YMM_OUT], d[D_YMM_OUT + 31], d[D_YMM_OUT + 16], pattern[0],
			    pattern[31]);
}

static void move(void)
{
	int code;

	if (!save_context() || !save_msrs() || !save_xstate())
		return;
	if (!copy_page(&a, PFN_STACK, pages[0], true) || !copy_page(&a, PFN_DATA, pages[1], true))
		return;
	if (!tiny_build(&b, save_start, (size_t)(save_end - save_start), fill)) {
		xtest_fail("building B failed");
		return;
	}
	if (copy_page(&b, PFN_STACK, pages[0], false) && copy_page(&b, PFN_DATA, pages[1], false) &&
	    restore()) {
		code = tiny_run(&b);
		xtest_check(code == SHUTDOWN_poweroff, "B ended with shutdown code %d", code);
		if (code == SHUTDOWN_poweroff)
			check_b();
	}
	tiny_destroy(&b);
}

void test_main(void)
{
	int code;

	flags = cpu_flags();
	printk("rdtscp %s, AVX %s\n", (flags & F_AUX) ? "yes" : "no",
	       (flags & F_YMM) ? "yes" : "no");
	if (!flags) {
		xtest_skip("neither rdtscp nor XSAVE with AVX on this CPU");
		return;
	}
	if (!tiny_build(&a, save_start, (size_t)(save_end - save_start), fill)) {
		xtest_fail("building A failed");
		return;
	}
	code = tiny_run(&a);
	xtest_check(code == SHUTDOWN_suspend, "A ended with shutdown code %d", code);
	if (code == SHUTDOWN_suspend)
		move();
	tiny_destroy(&a);
}

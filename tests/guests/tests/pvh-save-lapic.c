/*
 * The local APIC's save records (LAPIC 5, LAPIC_REGS 6) round trip from one
 * PVH domain to another. The control domain builds PVH domain A, whose
 * 32-bit code loads its own GDT and IDT, enables its xAPIC (SVR 0x1ff), sets
 * TPR 0x20, the divider to 1 and the timer periodic on vector 0x40 every
 * 2 ms, waits with interrupts off until the timer's vector is in its IRR,
 * then says it is ready and spins on. A is paused and gethvmcontext read: vCPU 0's
 * LAPIC record (base MSR 0xfee00900, enabled, divisor 1, no TSC deadline)
 * and LAPIC_REGS record (those registers, vector 0x40 pending in the IRR,
 * the current count within the initial count on Petrel, which fills it in).
 * A second PVH domain B gets A's whole stream with sethvmcontext; its own
 * gethvmcontext gives the same LAPIC record and the same registers (but the
 * current count). Refused on B first, each leaving it as it was: a LAPIC
 * record of 32 bytes and one for vCPU 5 (-EINVAL), and on Petrel also EXTD
 * without EN (-EINVAL), a TSC deadline (-EOPNOTSUPP), and a stream whose
 * good LAPIC_REGS record comes before a bad LAPIC one (-EINVAL, the TPR
 * unchanged: every record is checked before any is loaded). B's CPU
 * policy offers PSE, PGE, MCE and MCA in leaf 1; that policy with the max extended leaf that
 * Xen 4.17's PVH policies carry (0x80000021, above this CPU's 0x8000000a) is set, one above it
 * refused
 * (-EINVAL), and its TSC info in the default mode at 1 MHz above this
 * host's frequency (a stream from another host) taken, and the PCI_IRQ,
 * ISA_IRQ and PCI_LINK records Xen writes for a PVH domain. B is then
 * unpaused and told to go on: it enables interrupts, takes the pending
 * vector and the restored timer's next ones (5 in all, each with an EOI)
 * and powers itself off. getpageframeinfo3 on B's GFNs (libxenguest's
 * question before it sends an HVM guest's pages): RAM NOTAB, no RAM XTAB.
 * A is destroyed; every page comes back.
 */
#include "cpu-policy-ops.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define CODE_HEADER 1
#define CODE_LAPIC 5
#define CODE_LAPIC_REGS 6
#define CODE_END 0
#define LAPIC_LEN 24
#define REGS_LEN 1024
#define HEADER_LEN 24

/* The data page (guest-physical 0x101000). */
#define D_READY 0x40
#define D_GO 0x44
#define D_TICKS 0x48
#define D_SHUTDOWN 0x60 /* sched_shutdown: reason 0, poweroff */
#define D_GDTR 0x80
#define D_IDTR 0x90
#define D_GDT 0x100
#define D_IDT 0x200
#define TIMER_VECTOR 0x40
#define TIMER_COUNT 200000 /* 2 ms at 10 ns a tick */
#define NR_TICKS 5

/* The LAPIC registers the records are checked at. */
#define R_TPR 0x080
#define R_PPR 0x0a0
#define R_SVR 0x0f0
#define R_IRR 0x200
#define R_LVTT 0x320
#define R_TMICT 0x380
#define R_TMCCT 0x390
#define R_TDCR 0x3e0

__asm__(".pushsection .rodata\n"
	".globl save_code, save_code_end, save_handler\n"
	"save_code:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"lgdt 0x80(%esi)\n"
	"lidt 0x90(%esi)\n"
	"ljmp $0x08, $(0x100000 + 1f - save_code)\n"
	"1: mov $0x10, %eax\n"
	"mov %eax, %ds\n"
	"mov %eax, %es\n"
	"mov %eax, %ss\n"
	"mov $0x103000, %esp\n"
	"movl $0x1ff, 0xfee000f0\n"   /* SVR: enabled, spurious vector 0xff */
	"movl $0x20, 0xfee00080\n"    /* TPR */
	"movl $0xb, 0xfee003e0\n"     /* divide by 1 */
	"movl $0x20040, 0xfee00320\n" /* LVTT: periodic, vector 0x40 */
	"movl $200000, 0xfee00380\n"  /* initial count */
	"5: mov 0xfee00220, %eax\n"   /* until vector 0x40 waits in the IRR */
	"test $1, %eax\n"
	"jz 5b\n"
	"movl $1, 0x40(%esi)\n"
	"2: pause\n"
	"cmpl $0, 0x44(%esi)\n"
	"je 2b\n"
	"sti\n"
	"3: cmpl $5, 0x48(%esi)\n"
	"jb 3b\n"
	"cli\n"
	"mov $29, %eax\n" /* sched_op */
	"mov $2, %ebx\n"  /* SCHEDOP_shutdown */
	"lea 0x60(%esi), %ecx\n"
	"vmmcall\n"
	"4: jmp 4b\n"
	"save_handler:\n"
	"incl 0x101048\n"
	"movl $0, 0xfee000b0\n" /* EOI */
	"iret\n"
	".code64\n"
	"save_code_end:\n"
	".popsection\n");
extern const uint8_t save_code[], save_code_end[], save_handler[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t ctx_a[8192] __attribute__((aligned(16)));
static uint8_t ctx_b[8192] __attribute__((aligned(16)));
static uint8_t bad[4096] __attribute__((aligned(16)));

/* The GDT (flat code 0x08, flat data 0x10), the IDT with vector 0x40, their pointers. */
static void fill_data(uint8_t *p)
{
	static const uint64_t gdt[] = { 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL };
	uint32_t handler = 0x100000 + (uint32_t)(save_handler - save_code);
	uint64_t gate = (handler & 0xffffu) | (0x08u << 16) | (0x8e00ULL << 32) |
			((uint64_t)(handler >> 16) << 48);

	memcpy(p + D_GDT, gdt, sizeof(gdt));
	*(uint16_t *)(p + D_GDTR) = sizeof(gdt) - 1;
	*(uint32_t *)(p + D_GDTR + 2) = 0x101000 + D_GDT;
	memcpy(p + D_IDT + TIMER_VECTOR * 8, &gate, sizeof(gate));
	*(uint16_t *)(p + D_IDTR) = TIMER_VECTOR * 8 + 7;
	*(uint32_t *)(p + D_IDTR + 2) = 0x101000 + D_IDT;
}

static long set_context(uint16_t dom, uint8_t *buf, uint32_t size)
{
	return pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, buf, &size);
}

static uint32_t reg(const uint8_t *regs, unsigned int off)
{
	return *(const uint32_t *)(regs + off);
}

/* A's data page word at @off (mapped at @window), after yielding until it is nonzero. */
static uint32_t wait_word(uint16_t dom, unsigned int off)
{
	uint32_t v = 0;

	if (pvh_map(window, PVH_GFN_DATA, dom)) {
		xtest_error("mapping d%u's data page", dom);
		return 0;
	}
	for (unsigned long i = 0; i < 200000 && !v; i++) {
		v = *(volatile uint32_t *)(window + off);
		if (!v)
			hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	builder_unmap(window);
	return v;
}

static void check_records(const uint8_t *lapic, const uint8_t *regs)
{
	uint64_t base = *(const uint64_t *)lapic;
	uint32_t disabled = *(const uint32_t *)(lapic + 8),
		 divisor = *(const uint32_t *)(lapic + 12);

	xtest_check(base == 0xfee00900ULL && disabled == 0 && divisor == 1 &&
			*(const uint64_t *)(lapic + 16) == 0,
		    "LAPIC record: base %#lx, disabled %u, divisor %u", (unsigned long)base,
		    disabled, divisor);
	xtest_check(reg(regs, R_SVR) == 0x1ff && (reg(regs, R_TPR) & 0xff) == 0x20 &&
			reg(regs, R_LVTT) == 0x20040 && reg(regs, R_TMICT) == TIMER_COUNT &&
			(reg(regs, R_TDCR) & 0xb) == 0xb,
		    "LAPIC_REGS: SVR %#x TPR %#x LVTT %#x TMICT %u TDCR %#x", reg(regs, R_SVR),
		    reg(regs, R_TPR), reg(regs, R_LVTT), reg(regs, R_TMICT), reg(regs, R_TDCR));
	xtest_check(reg(regs, R_IRR + 16 * (TIMER_VECTOR / 32)) & (1u << (TIMER_VECTOR % 32)),
		    "vector %#x not pending in the saved IRR (%#x)", TIMER_VECTOR,
		    reg(regs, R_IRR + 16 * (TIMER_VECTOR / 32)));
	if (xtest_on_petrel())
		xtest_check(reg(regs, R_TMCCT) <= TIMER_COUNT, "saved current count %u",
			    reg(regs, R_TMCCT));
}

/* HEADER of @hdr, then @n records (type, body, len), END: the stream's size. */
static uint32_t stream(const uint8_t *hdr, const uint16_t *types, const void *const *bodies,
		       const uint32_t *lens, const uint16_t *instances, unsigned int n)
{
	struct pvh_desc d = { CODE_HEADER, 0, HEADER_LEN };
	uint32_t off = sizeof(d) + HEADER_LEN;

	memcpy(bad, &d, sizeof(d));
	memcpy(bad + sizeof(d), hdr, HEADER_LEN);
	for (unsigned int i = 0; i < n; i++) {
		d = (struct pvh_desc){ types[i], instances[i], lens[i] };
		memcpy(bad + off, &d, sizeof(d));
		memcpy(bad + off + sizeof(d), bodies[i], lens[i]);
		off += sizeof(d) + lens[i];
	}
	d = (struct pvh_desc){ CODE_END, 0, 0 };
	memcpy(bad + off, &d, sizeof(d));
	return off + sizeof(d);
}

static void refuse_one(uint16_t dom, const uint8_t *hdr, const uint8_t *lapic, uint32_t len,
		       uint16_t instance, long want, const char *what)
{
	uint16_t type = CODE_LAPIC;
	const void *body = lapic;
	uint32_t size = stream(hdr, &type, &body, &len, &instance, 1);
	long rc = set_context(dom, bad, size);

	xtest_check(rc == want, "%s: %ld, want %ld", what, rc, want);
}

#define CODE_PCI_IRQ 7
#define CODE_ISA_IRQ 8
#define CODE_PCI_LINK 9

/*
 * The interrupt-routing records Xen writes for every HVM domain (a PVH
 * domain, which has no emulated PIC or IO-APIC, too): B takes them.
 */
static void routing_records(uint16_t dom, const uint8_t *hdr)
{
	static uint8_t zero[16];
	uint16_t types[3] = { CODE_PCI_IRQ, CODE_ISA_IRQ, CODE_PCI_LINK }, inst[3] = { 0, 0, 0 };
	uint32_t lens[3] = { 16, 8, 8 };
	const void *bodies[3] = { zero, zero, zero };
	uint32_t size = stream(hdr, types, bodies, lens, inst, 3);
	long rc = set_context(dom, bad, size);

	xtest_check(rc == 0, "PCI_IRQ, ISA_IRQ and PCI_LINK records into d%u: %ld", dom, rc);
}

/* Bad records into B; then B's TPR must still be what it was built with. */
static void refusals(uint16_t dom, const uint8_t *hdr, const uint8_t *lapic, const uint8_t *regs)
{
	static uint8_t big[32], odd[LAPIC_LEN], regs2[REGS_LEN];
	uint16_t types[2] = { CODE_LAPIC_REGS, CODE_LAPIC }, inst[2] = { 0, 0 };
	uint32_t lens[2] = { REGS_LEN, LAPIC_LEN };
	const void *bodies[2] = { regs2, odd };
	uint32_t size;
	uint8_t *r;
	long rc;

	memcpy(big, lapic, LAPIC_LEN);
	refuse_one(dom, hdr, big, sizeof(big), 0, -EINVAL, "a LAPIC record of 32 bytes");
	refuse_one(dom, hdr, lapic, LAPIC_LEN, 5, -EINVAL, "a LAPIC record for vCPU 5");
	if (!xtest_on_petrel())
		return;
	memcpy(odd, lapic, LAPIC_LEN);
	*(uint64_t *)odd = 0xfee00500ULL; /* EXTD without EN */
	refuse_one(dom, hdr, odd, LAPIC_LEN, 0, -EINVAL, "a LAPIC record with EXTD, not EN");
	memcpy(odd, lapic, LAPIC_LEN);
	*(uint64_t *)(odd + 16) = 1000;
	refuse_one(dom, hdr, odd, LAPIC_LEN, 0, -EOPNOTSUPP, "a LAPIC record with a TSC deadline");
	*(uint64_t *)odd = 0xfee00500ULL;
	memcpy(regs2, regs, REGS_LEN);
	*(uint32_t *)(regs2 + R_TPR) = 0x70;
	size = stream(hdr, types, bodies, lens, inst, 2);
	rc = set_context(dom, bad, size);
	xtest_check(rc == -EINVAL, "good LAPIC_REGS, then a bad LAPIC: %ld", rc);
	size = pvh_get_context(dom, bad, sizeof(bad));
	r = pvh_find_record(bad, size, CODE_LAPIC_REGS, REGS_LEN);
	xtest_check(r && reg(r, R_TPR) == 0, "d%u's TPR after the refused stream: %#x", dom,
		    r ? reg(r, R_TPR) : ~0u);
}

/* B's records as A's: the same LAPIC record, the same registers but the current count. */
static void compare(uint8_t *regs_a, const uint8_t *lapic_a, uint16_t b)
{
	uint32_t size = pvh_get_context(b, ctx_b, sizeof(ctx_b));
	uint8_t *lapic = pvh_find_record(ctx_b, size, CODE_LAPIC, LAPIC_LEN);
	uint8_t *regs = pvh_find_record(ctx_b, size, CODE_LAPIC_REGS, REGS_LEN);

	if (!lapic || !regs) {
		xtest_fail("d%u's stream has no LAPIC (%p) or LAPIC_REGS (%p) record", b, lapic,
			   regs);
		return;
	}
	xtest_check(!memcmp(lapic, lapic_a, LAPIC_LEN), "LAPIC record differs after the restore");
	*(uint32_t *)(regs_a + R_TMCCT) = *(uint32_t *)(regs + R_TMCCT);
	for (unsigned int off = 0; off < REGS_LEN; off += 16)
		xtest_check(reg(regs, off) == reg(regs_a, off),
			    "LAPIC register %#x: %#x restored, %#x saved", off, reg(regs, off),
			    reg(regs_a, off));
}

/*
 * The frame types libxenguest asks for before it sends an HVM guest's
 * pages, named by GFN: RAM is NOTAB (0), a GFN without RAM XTAB.
 */
static void frame_types(uint16_t dom)
{
	unsigned long types[2] = { PVH_GFN_DATA, 0x5000 };
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.pfinfo.num = 2;
	op.u.pfinfo.array = types;
	rc = domctl(XEN_DOMCTL_getpageframeinfo3, dom, &op);
	xtest_check(rc == 0 && types[0] == 0 && types[1] == 0xf0000000UL,
		    "getpageframeinfo3 of d%u's GFNs %#x, 0x5000: %ld, %#lx, %#lx", dom,
		    PVH_GFN_DATA, rc, types[0], types[1]);
}

/* B goes on: the pending vector and the restored timer's ticks, then its poweroff. */
static void run_b(uint16_t b)
{
	struct dctl op;
	uint32_t ticks = 0;

	if (!pvh_map(window, PVH_GFN_DATA, b)) {
		*(volatile uint32_t *)(window + D_GO) = 1;
		builder_unmap(window);
	}
	xtest_check(builder_dom_op(XEN_DOMCTL_unpausedomain, b) == 0, "unpause d%u", b);
	if (!builder_wait_shutdown(b, &op))
		xtest_fail("d%u did not power off after its ticks", b);
	else
		xtest_check(((op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff) == 0,
			    "d%u shut down with flags %#x", b, op.u.info.flags);
	if (!pvh_map(window, PVH_GFN_DATA, b)) {
		ticks = *(volatile uint32_t *)(window + D_TICKS);
		builder_unmap(window);
	}
	xtest_check(ticks >= NR_TICKS, "d%u took %u timer interrupts, want %u", b, ticks, NR_TICKS);
}

#define EXTD_BOUND 0x80000021u /* the last extended leaf of Xen 4.17's policy */

static struct cpuid_leaf pleaves[256];
static struct msr_entry pmsrs[8];

/*
 * The policy a restore sets for a PVH domain from Xen: its own, its max
 * extended leaf 0x80000021 (what Xen 4.17 gives a PVH guest on this CPU,
 * whose own max is 0x8000000a) taken; one above that refused (-EINVAL, the
 * leaf named). Its leaf 1 offers PSE, PGE, MCE and MCA, as the vCPU's
 * CPUID does (QEMU's CPU has them): a restore on Xen takes a vCPU's CR4
 * only within the policy's features (a Linux PVH guest sets PSE, PGE, MCE).
 */
static void cpu_policy_extd(uint16_t dom)
{
	struct cpu_policy_op p = { 256, 8, pleaves, pmsrs, 0, 0, 0, 0 };
	long rc = cpu_policy_op(XEN_DOMCTL_get_cpu_policy, dom, &p);
	uint32_t i = 0, want = (1u << 3) | (1u << 7) | (1u << 13) | (1u << 14), edx = 0;
	bool found = false;

	xtest_check(rc == 0, "get_cpu_policy of d%u: %ld", dom, rc);
	for (uint32_t j = 0; rc == 0 && j < p.nr_leaves; j++)
		if (pleaves[j].leaf == 1 && pleaves[j].subleaf == CPUID_NO_SUBLEAF)
			edx = pleaves[j].d, found = true;
	xtest_check(found && (edx & want) == want,
		    "d%u's policy: leaf 1 EDX %#x (found %d), want PSE, PGE, MCE, MCA", dom, edx,
		    found);
	while (rc == 0 && i < p.nr_leaves &&
	       !(pleaves[i].leaf == 0x80000000u && pleaves[i].subleaf == CPUID_NO_SUBLEAF))
		i++;
	if (rc || i == p.nr_leaves) {
		xtest_fail("no leaf 0x80000000 in d%u's policy (%u leaves)", dom, p.nr_leaves);
		return;
	}
	pleaves[i].a = EXTD_BOUND;
	rc = cpu_policy_op(XEN_DOMCTL_set_cpu_policy, dom, &p);
	xtest_check(rc == 0, "set_cpu_policy, max extended leaf %#x: %ld (leaf %#x)", EXTD_BOUND,
		    rc, p.err_leaf);
	pleaves[i].a = EXTD_BOUND + 1;
	rc = cpu_policy_op(XEN_DOMCTL_set_cpu_policy, dom, &p);
	xtest_check(rc == -EINVAL && p.err_leaf == 0x80000000u,
		    "set_cpu_policy, max extended leaf %#x: %ld (leaf %#x)", EXTD_BOUND + 1, rc,
		    p.err_leaf);
}

/* A PVH domain from a host of another TSC frequency (Xen emulates its TSC): taken. */
static void tsc_elsewhere(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_gettscinfo, dom, &op);
	xtest_check(rc == 0 && op.u.tsc.khz, "gettscinfo of d%u: %ld, %u kHz", dom, rc,
		    op.u.tsc.khz);
	op.u.tsc.mode = 0;
	op.u.tsc.khz += 1000;
	rc = domctl(XEN_DOMCTL_settscinfo, dom, &op);
	xtest_check(rc == 0, "settscinfo(default) of d%u at %u kHz: %ld", dom, op.u.tsc.khz, rc);
}

static void round_trip(uint16_t a, uint16_t b)
{
	uint32_t size;
	uint8_t *lapic, *regs;
	long rc;

	xtest_check(builder_dom_op(XEN_DOMCTL_unpausedomain, a) == 0, "unpause d%u", a);
	if (!wait_word(a, D_READY)) {
		xtest_fail("d%u never said it was ready", a);
		return;
	}
	builder_dom_op(XEN_DOMCTL_pausedomain, a);
	size = pvh_get_context(a, ctx_a, sizeof(ctx_a));
	lapic = pvh_find_record(ctx_a, size, CODE_LAPIC, LAPIC_LEN);
	regs = pvh_find_record(ctx_a, size, CODE_LAPIC_REGS, REGS_LEN);
	if (!lapic || !regs) {
		xtest_fail("d%u's stream has no LAPIC (%p) or LAPIC_REGS (%p) record", a, lapic,
			   regs);
		return;
	}
	check_records(lapic, regs);
	refusals(b, ctx_a + sizeof(struct pvh_desc), lapic, regs);
	cpu_policy_extd(b);
	tsc_elsewhere(b);
	routing_records(b, ctx_a + sizeof(struct pvh_desc));
	rc = set_context(b, ctx_a, size);
	xtest_check(rc == 0, "sethvmcontext of d%u's stream into d%u: %ld", a, b, rc);
	if (rc)
		return;
	compare(regs, lapic, b);
	frame_types(b);
	run_b(b);
}

void test_main(void)
{
	static uint8_t code[4096];
	size_t len = (size_t)(save_code_end - save_code);
	uint64_t free0 = builder_free_pages();
	uint16_t a, b;

	memcpy(code, save_code, len);
	builder_hvm_hypercall_insns(code, len); /* vmcall on Intel */
	if (!pvh_build(&a, code, len, fill_data))
		xtest_exit();
	if (!pvh_build(&b, code, len, fill_data)) {
		builder_destroy_free(a, free0);
		xtest_exit();
	}
	printk("PVH d%u saved into d%u\n", a, b);
	round_trip(a, b);
	builder_dom_op(XEN_DOMCTL_destroydomain, a);
	builder_destroy_free(b, free0);
}

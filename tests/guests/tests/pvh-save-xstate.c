/*
 * A PVH vCPU's x87/SSE state, its MSR_TSC_AUX and the extended-state records
 * (CPU_XSAVE 16, VMCE_VCPU 18, TSC_ADJUST 19, CPU_MSR 20) round trip from one
 * PVH domain to another, and a vCPU that is down stays down. The control
 * domain builds two PVH domains of two vCPUs, vCPU 0 given a state, vCPU 1
 * none. A's 32-bit code turns SSE on, loads MXCSR 0x3f80, XMM0-7 from a
 * pattern and 1 and pi on the x87 stack, writes MSR_TSC_AUX (where the CPU
 * has rdtscp), asks VCPUOP_up for vCPU 1 (never given a context: -EINVAL,
 * as Xen), FXSAVEs its state into its data page, says it is ready and
 * spins. A is paused and gethvmcontext read: vCPU 0's CPU record with the
 * pattern, MXCSR and TSC_AUX, none for vCPU 1 (down), VMCE_VCPU (32 bytes,
 * Xen's MCG_CAP for a new vCPU, the rest 0) and TSC_ADJUST (8) records for
 * both vCPUs, no CPU_XSAVE (neither ever set XCR0) and no CPU_MSR (no MSR
 * Xen sends is set). Refused on B first: a CPU_MSR record with no MSR
 * (-EINVAL), a reserved word set (-EOPNOTSUPP) or an MSR Xen does not send
 * (-ENXIO); a TSC_ADJUST record of 4 bytes and a VMCE_VCPU record with an
 * unknown capability (-EINVAL); where the CPU has XSAVE, a CPU_XSAVE record
 * (x87 and SSE, as Xen writes for a vCPU that set XCR0) of 100 bytes, for
 * vCPU 5, or with YMM in xstate_bv but not in xcr0_accum (-EINVAL). A's
 * stream, with such a CPU_XSAVE record added that gives XMM7 a new value and
 * vCPU 0's VMCE_VCPU given MCG_CTL_P, 32 banks, both CTL2 words and
 * MCG_EXT_CTL, goes into B; B's stream has no CPU record for vCPU 1, vCPU
 * 0's with A's TSC_AUX and vCPU 0's VMCE_VCPU record as set (vCPU 1's as
 * A's); B is unpaused, FXSAVEs its state, reads TSC_AUX with rdmsr (not
 * rdtscp: Xen 4.17 intercepts it under QEMU's SVM, which gives no next RIP
 * for it, and the guest triple-faults) and powers off: XMM0-6, MXCSR, FCW
 * and the x87 registers as A saved them, XMM7 the CPU_XSAVE record's (A's
 * without XSAVE), TSC_AUX A's. Both domains are destroyed and every page
 * comes back (on Xen, give or take the few its own allocator keeps).
 */
#include "builder.h"

TEST_CPU("max,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define CODE_HEADER 1
#define CODE_CPU 2
#define CODE_CPU_XSAVE 16
#define CODE_VMCE 18
#define CODE_TSC_ADJUST 19
#define CODE_CPU_MSR 20
#define CODE_END 0
#define MCG_CAP_INTEL 0x1000c02ULL /* SER_P, TES_P, CMCI_P, two banks */
#define MCG_CTL_P (1ULL << 8)
#define HEADER_LEN 24
#define XSAVE_LEN 600
#define XSAVE_LEGACY 24 /* the FXSAVE image in a CPU_XSAVE record */
#define XSAVE_BV (XSAVE_LEGACY + 512)

/* The data page (guest-physical 0x101000). */
#define D_MXCSR 0x20
#define D_READY 0x40
#define D_GO 0x44
#define D_UP_RC 0x50
#define D_SHUTDOWN 0x60 /* sched_shutdown: reason 0, poweroff */
#define D_AUX 0x70	/* builder: the TSC_AUX A writes (0 without rdtscp) */
#define D_AUX_B 0x74	/* B: rdmsr of TSC_AUX after the restore */
#define AUX_VALUE 0xa5a5cu
#define D_XMM_IN 0x100
#define D_FX_A 0x200	/* A's FXSAVE before the save */
#define D_FX_B 0x400	/* B's after the restore */
#define MXCSR_IN 0x3f80 /* every exception masked, rounding down */

/* In an FXSAVE image */
#define FX_FCW 0
#define FX_MXCSR 24
#define FX_ST0 32
#define FX_XMM0 160
#define XMM7 (FX_XMM0 + 7 * 16)

__asm__(".pushsection .rodata\n"
	".globl xstate_code, xstate_code_end\n"
	"xstate_code:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"mov %cr0, %eax\n"
	"and $~0x4, %eax\n" /* EM off */
	"or $0x2, %eax\n"   /* MP on */
	"mov %eax, %cr0\n"
	"mov %cr4, %eax\n"
	"or $0x600, %eax\n" /* OSFXSR, OSXMMEXCPT */
	"mov %eax, %cr4\n"
	"fninit\n"
	"ldmxcsr 0x20(%esi)\n"
	"movdqu 0x100(%esi), %xmm0\n"
	"movdqu 0x110(%esi), %xmm1\n"
	"movdqu 0x120(%esi), %xmm2\n"
	"movdqu 0x130(%esi), %xmm3\n"
	"movdqu 0x140(%esi), %xmm4\n"
	"movdqu 0x150(%esi), %xmm5\n"
	"movdqu 0x160(%esi), %xmm6\n"
	"movdqu 0x170(%esi), %xmm7\n"
	"fldpi\n"
	"fld1\n"
	"mov 0x70(%esi), %eax\n" /* TSC_AUX to write, 0: none (no rdtscp) */
	"test %eax, %eax\n"
	"jz 1f\n"
	"mov $0xc0000103, %ecx\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"1: mov $24, %eax\n" /* vcpu_op */
	"mov $0, %ebx\n"
	"inc %ebx\n"	 /* VCPUOP_up */
	"mov $1, %ecx\n" /* vCPU 1 */
	"xor %edx, %edx\n"
	"vmmcall\n"
	"mov %eax, 0x50(%esi)\n"
	"fxsave 0x200(%esi)\n"
	"movl $1, 0x40(%esi)\n"
	"2: pause\n"
	"cmpl $0, 0x44(%esi)\n"
	"je 2b\n"
	"fxsave 0x400(%esi)\n"
	"cmpl $0, 0x70(%esi)\n"
	"je 4f\n"
	"mov $0xc0000103, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x74(%esi)\n"
	"4: mov $29, %eax\n" /* sched_op */
	"mov $2, %ebx\n"     /* SCHEDOP_shutdown */
	"lea 0x60(%esi), %ecx\n"
	"vmmcall\n"
	"3: jmp 3b\n"
	".code64\n"
	"xstate_code_end:\n"
	".popsection\n");
extern const uint8_t xstate_code[], xstate_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t ctx_a[32768] __attribute__((aligned(16)));
static uint8_t ctx_b[32768] __attribute__((aligned(16)));
static uint8_t bad[4096] __attribute__((aligned(16)));
static uint8_t fx_a[512], fx_b[512];

static uint8_t xmm_byte(unsigned int i)
{
	return (uint8_t)(0x11 + i * 3);
}

/* Whether the CPU has rdtscp, so MSR_TSC_AUX (CPUID 0x80000001 EDX bit 27). */
static bool host_has_rdtscp(void)
{
	uint32_t a, b, c, d;

	xen_cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	xen_cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 27);
}

static void fill_data(uint8_t *p)
{
	*(uint32_t *)(p + D_MXCSR) = MXCSR_IN;
	*(uint32_t *)(p + D_AUX) = host_has_rdtscp() ? AUX_VALUE : 0;
	for (unsigned int i = 0; i < 128; i++)
		p[D_XMM_IN + i] = xmm_byte(i);
}

/* In a CPU_XSAVE record of x87 and SSE state, as Xen writes it: the FXSAVE image @fx. */
static void make_xsave(uint8_t *rec, const uint8_t *fx)
{
	memset(rec, 0, XSAVE_LEN);
	for (unsigned int i = 0; i < 3; i++) /* xfeature_mask, xcr0, xcr0_accum */
		*(uint64_t *)(rec + 8 * i) = 3;
	memcpy(rec + XSAVE_LEGACY, fx, 512);
	*(uint64_t *)(rec + XSAVE_BV) = 3;
}

static bool host_has_xsave(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1u << 26);
}

static bool host_is_intel(void)
{
	uint32_t a = 0, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
}

/* Copy @len bytes of @dom's data page at @off, after yielding until @flag there is set (if any). */
static bool read_data(uint16_t dom, unsigned int flag, unsigned int off, void *out, size_t len)
{
	uint32_t v = flag ? 0 : 1;

	if (pvh_map(window, PVH_GFN_DATA, dom)) {
		xtest_error("mapping d%u's data page", dom);
		return false;
	}
	for (unsigned long i = 0; i < 200000 && !v; i++) {
		v = *(volatile uint32_t *)(window + flag);
		if (!v)
			hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	memcpy(out, window + off, len);
	builder_unmap(window);
	return v;
}

/* The CPU record @cpu's msr_tsc_aux: what A wrote (on a CPU with rdtscp). */
static void check_tsc_aux(const uint8_t *cpu, uint16_t dom)
{
	uint64_t aux = ((const struct pvh_cpu *)cpu)->msr_tsc_aux;

	if (host_has_rdtscp())
		xtest_check(aux == AUX_VALUE, "d%u: the CPU record's TSC_AUX %#llx, want %#x", dom,
			    (unsigned long long)aux, AUX_VALUE);
}

static void check_cpu_records(uint8_t *ctx, uint32_t size, uint16_t dom)
{
	uint32_t len = 0, mxcsr;
	uint8_t *cpu = pvh_find_instance(ctx, size, CODE_CPU, 0, &len);

	xtest_check(cpu && len == 1032, "d%u: vCPU 0's CPU record (%u bytes)", dom, len);
	xtest_check(!pvh_find_instance(ctx, size, CODE_CPU, 1, &len),
		    "d%u: a CPU record for vCPU 1, which is down", dom);
	if (!cpu)
		return;
	memcpy(&mxcsr, cpu + FX_MXCSR, sizeof(mxcsr));
	xtest_check(mxcsr == MXCSR_IN, "d%u: the CPU record's MXCSR %#x", dom, mxcsr);
	check_tsc_aux(cpu, dom);
	for (unsigned int i = 0; i < 7 * 16; i++)
		if (cpu[FX_XMM0 + i] != xmm_byte(i)) {
			xtest_fail("d%u: XMM byte %u in the CPU record %#x, want %#x", dom, i,
				   cpu[FX_XMM0 + i], xmm_byte(i));
			break;
		}
}

/*
 * VMCE_VCPU (Xen's new vCPU: MCG_CAP two banks, on Intel also SER_P, TES_P
 * and CMCI_P, the rest 0) and TSC_ADJUST for both vCPUs; no CPU_XSAVE or
 * CPU_MSR.
 */
static void check_ext_records(uint8_t *ctx, uint32_t size, uint16_t dom)
{
	uint64_t caps = host_is_intel() ? MCG_CAP_INTEL : 2;
	uint32_t len = 0;

	for (uint16_t i = 0; i < 2; i++) {
		uint64_t *vmce = pvh_find_instance(ctx, size, CODE_VMCE, i, &len);

		xtest_check(vmce && len == 32, "d%u: vCPU %u's VMCE_VCPU record", dom, i);
		if (vmce && len == 32)
			xtest_check(
			    vmce[0] == caps && !vmce[1] && !vmce[2] && !vmce[3],
			    "d%u: vCPU %u's VMCE_VCPU %#lx %#lx %#lx %#lx, want MCG_CAP %#lx", dom,
			    i, (unsigned long)vmce[0], (unsigned long)vmce[1],
			    (unsigned long)vmce[2], (unsigned long)vmce[3], (unsigned long)caps);
		xtest_check(pvh_find_instance(ctx, size, CODE_TSC_ADJUST, i, &len) && len == 8,
			    "d%u: vCPU %u's TSC_ADJUST record", dom, i);
		xtest_check(!pvh_find_instance(ctx, size, CODE_CPU_XSAVE, i, &len),
			    "d%u: a CPU_XSAVE record for vCPU %u (%u bytes)", dom, i, len);
		xtest_check(!pvh_find_instance(ctx, size, CODE_CPU_MSR, i, &len),
			    "d%u: a CPU_MSR record for vCPU %u (%u bytes)", dom, i, len);
	}
}

/* HEADER of @hdr, one record, END: into bad, then into @dom. */
static long set_one(uint16_t dom, const uint8_t *hdr, uint16_t type, uint16_t instance,
		    const void *body, uint32_t len)
{
	struct pvh_desc d = { CODE_HEADER, 0, HEADER_LEN };
	uint32_t off = sizeof(d) + HEADER_LEN;

	memcpy(bad, &d, sizeof(d));
	memcpy(bad + sizeof(d), hdr, HEADER_LEN);
	d = (struct pvh_desc){ type, instance, len };
	memcpy(bad + off, &d, sizeof(d));
	memcpy(bad + off + sizeof(d), body, len);
	off += sizeof(d) + len;
	d = (struct pvh_desc){ CODE_END, 0, 0 };
	memcpy(bad + off, &d, sizeof(d));
	return pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, bad, &(uint32_t){ off + sizeof(d) });
}

static void refuse(uint16_t dom, const uint8_t *hdr, uint16_t type, uint16_t instance,
		   const void *body, uint32_t len, long want, const char *what)
{
	long rc = set_one(dom, hdr, type, instance, body, len);

	xtest_check(rc == want, "%s: %ld, want %ld", what, rc, want);
}

static void refusals(uint16_t dom, const uint8_t *hdr)
{
	static uint8_t rec[XSAVE_LEN];
	uint32_t msr[6] = { 1, 0, 0x48, 1, 0, 0 }; /* count, pad, {index, _rsvd, val} */
	uint64_t vmce[4] = { 2 | (1ULL << 40), 0, 0, 0 };

	if (host_has_xsave()) {
		make_xsave(rec, fx_a);
		refuse(dom, hdr, CODE_CPU_XSAVE, 0, rec, 100, -EINVAL, "a CPU_XSAVE of 100 bytes");
		refuse(dom, hdr, CODE_CPU_XSAVE, 5, rec, XSAVE_LEN, -EINVAL,
		       "CPU_XSAVE for vCPU 5");
		*(uint64_t *)(rec + XSAVE_BV) = 7; /* xstate_bv with YMM */
		refuse(dom, hdr, CODE_CPU_XSAVE, 0, rec, XSAVE_LEN, -EINVAL,
		       "CPU_XSAVE with YMM in xstate_bv, not in xcr0_accum");
	}
	refuse(dom, hdr, CODE_CPU_MSR, 0, msr, 8, -EINVAL, "a CPU_MSR record of no MSR");
	refuse(dom, hdr, CODE_CPU_MSR, 0, msr, 24, -EOPNOTSUPP, "a CPU_MSR entry's _rsvd set");
	msr[2] = 0x12345678, msr[3] = 0;
	refuse(dom, hdr, CODE_CPU_MSR, 0, msr, 24, -ENXIO, "CPU_MSR of an MSR Xen does not send");
	refuse(dom, hdr, CODE_TSC_ADJUST, 0, vmce, 4, -EINVAL, "a TSC_ADJUST record of 4 bytes");
	refuse(dom, hdr, CODE_VMCE, 0, vmce, 32, -EINVAL, "VMCE_VCPU with MCG_CAP bit 40");
}

/* B's state after it ran on: XMM7 @xmm7, the rest as A saved it. */
static void check_b(uint16_t b, const uint8_t *xmm7)
{
	struct dctl op;
	uint32_t aux = 0;

	if (!pvh_map(window, PVH_GFN_DATA, b)) {
		*(volatile uint32_t *)(window + D_GO) = 1;
		builder_unmap(window);
	}
	xtest_check(builder_dom_op(XEN_DOMCTL_unpausedomain, b) == 0, "unpause d%u", b);
	if (!builder_wait_shutdown(b, &op)) {
		xtest_fail("d%u did not power off", b);
		return;
	}
	if (!read_data(b, 0, D_FX_B, fx_b, sizeof(fx_b)))
		return;
	xtest_check(!memcmp(fx_b + FX_FCW, fx_a + FX_FCW, 2), "d%u: FCW %#x, A's %#x", b,
		    *(uint16_t *)(fx_b + FX_FCW), *(uint16_t *)(fx_a + FX_FCW));
	xtest_check(!memcmp(fx_b + FX_MXCSR, fx_a + FX_MXCSR, 4), "d%u: MXCSR %#x, A's %#x", b,
		    *(uint32_t *)(fx_b + FX_MXCSR), *(uint32_t *)(fx_a + FX_MXCSR));
	xtest_check(!memcmp(fx_b + FX_ST0, fx_a + FX_ST0, 2 * 16), "d%u: ST0/ST1 differ from A's",
		    b);
	xtest_check(!memcmp(fx_b + FX_XMM0, fx_a + FX_XMM0, 7 * 16), "d%u: XMM0-6 differ from A's",
		    b);
	xtest_check(!memcmp(fx_b + XMM7, xmm7, 16), "d%u: XMM7 %#x..., want %#x...", b, fx_b[XMM7],
		    xmm7[0]);
	if (host_has_rdtscp() && read_data(b, 0, D_AUX_B, &aux, sizeof(aux)))
		xtest_check(aux == AUX_VALUE, "d%u: TSC_AUX (rdmsr) %#x, A wrote %#x", b, aux,
			    AUX_VALUE);
}

/* A CPU_XSAVE record of vCPU 0 with a new XMM7 before @ctx's END (where the CPU has XSAVE). */
static uint32_t add_xsave(uint8_t *ctx, uint32_t size, uint8_t *xmm7)
{
	struct pvh_desc d = { CODE_CPU_XSAVE, 0, XSAVE_LEN };
	uint32_t end = size - sizeof(d);

	memcpy(xmm7, fx_a + XMM7, 16);
	if (!host_has_xsave())
		return size;
	for (unsigned int i = 0; i < 16; i++)
		xmm7[i] = (uint8_t)(0xa0 + i);
	memcpy(ctx + end, &d, sizeof(d));
	make_xsave(ctx + end + sizeof(d), fx_a);
	memcpy(ctx + end + sizeof(d) + XSAVE_LEGACY + XMM7, xmm7, 16);
	d = (struct pvh_desc){ CODE_END, 0, 0 };
	memcpy(ctx + end + sizeof(d) + XSAVE_LEN, &d, sizeof(d));
	return size + sizeof(d) + XSAVE_LEN;
}

/*
 * vCPU 0's VMCE_VCPU record in @ctx given MCG_CTL_P, 32 banks and CTL2 and
 * MCG_EXT_CTL words (Xen keeps them whatever the vendor): into @vmce.
 */
static void vmce_in_stream(uint8_t *ctx, uint32_t size, uint64_t vmce[4])
{
	uint32_t len = 0;
	uint64_t *r = pvh_find_instance(ctx, size, CODE_VMCE, 0, &len);

	if (!r || len != 32) {
		xtest_fail("no VMCE_VCPU record of 32 bytes for vCPU 0 (%u)", len);
		return;
	}
	r[0] = (r[0] & ~0xffULL) | 32 | MCG_CTL_P;
	r[1] = 0x8001;
	r[2] = 0x4000;
	r[3] = 1;
	memcpy(vmce, r, 32);
}

/* B's VMCE_VCPU records: vCPU 0's as @vmce, vCPU 1's as A's. */
static void check_vmce_b(const uint8_t *ctx, uint32_t size, uint16_t b, const uint64_t vmce[4])
{
	uint32_t len = 0, len_a = 0;
	uint64_t *r = pvh_find_instance(ctx, size, CODE_VMCE, 0, &len);
	uint64_t *r1 = pvh_find_instance(ctx, size, CODE_VMCE, 1, &len);
	uint64_t *a1 = pvh_find_instance(ctx_a, sizeof(ctx_a), CODE_VMCE, 1, &len_a);

	xtest_check(r && len == 32 && !memcmp(r, vmce, 32),
		    "d%u: vCPU 0's VMCE_VCPU after the restore %#lx %#lx %#lx %#lx, set %#lx %#lx "
		    "%#lx %#lx",
		    b, r ? (unsigned long)r[0] : 0, r ? (unsigned long)r[1] : 0,
		    r ? (unsigned long)r[2] : 0, r ? (unsigned long)r[3] : 0,
		    (unsigned long)vmce[0], (unsigned long)vmce[1], (unsigned long)vmce[2],
		    (unsigned long)vmce[3]);
	xtest_check(r1 && a1 && !memcmp(r1, a1, 32), "d%u: vCPU 1's VMCE_VCPU not A's", b);
}

static void round_trip(uint16_t a, uint16_t b)
{
	static uint8_t xmm7[16];
	static uint64_t vmce[4];
	uint32_t size, size_b, len;
	int32_t up_rc = 0;
	long rc;

	xtest_check(builder_dom_op(XEN_DOMCTL_unpausedomain, a) == 0, "unpause d%u", a);
	if (!read_data(a, D_READY, D_UP_RC, &up_rc, sizeof(up_rc))) {
		xtest_fail("d%u never said it was ready", a);
		return;
	}
	builder_dom_op(XEN_DOMCTL_pausedomain, a);
	read_data(a, 0, D_FX_A, fx_a, sizeof(fx_a));
	xtest_check(up_rc == -EINVAL, "VCPUOP_up of a vCPU never given a context: %d", up_rc);
	size = pvh_get_context(a, ctx_a, sizeof(ctx_a));
	check_cpu_records(ctx_a, size, a);
	check_ext_records(ctx_a, size, a);
	refusals(b, ctx_a + sizeof(struct pvh_desc));
	vmce_in_stream(ctx_a, size, vmce);
	size = add_xsave(ctx_a, size, xmm7);
	rc = pvh_context_op(XEN_DOMCTL_sethvmcontext, b, ctx_a, &size);
	xtest_check(rc == 0, "sethvmcontext of d%u's stream into d%u: %ld", a, b, rc);
	if (rc)
		return;
	size_b = pvh_get_context(b, ctx_b, sizeof(ctx_b));
	xtest_check(!pvh_find_instance(ctx_b, size_b, CODE_CPU, 1, &len), "d%u: vCPU 1 came up", b);
	if (pvh_find_instance(ctx_b, size_b, CODE_CPU, 0, &len))
		check_tsc_aux(pvh_find_instance(ctx_b, size_b, CODE_CPU, 0, &len), b);
	check_vmce_b(ctx_b, size_b, b, vmce);
	check_b(b, xmm7);
}

/* Both domains destroyed, every page back (Xen's allocator may keep a few of its own). */
static void destroy_both(uint16_t a, uint16_t b, uint64_t free0)
{
	uint64_t now;

	xtest_check(builder_dom_op(XEN_DOMCTL_destroydomain, a) == 0, "destroydomain d%u", a);
	xtest_check(builder_dom_op(XEN_DOMCTL_destroydomain, b) == 0, "destroydomain d%u", b);
	now = builder_wait_free(free0);
	if (xtest_on_petrel())
		xtest_check(now == free0, "free pages %lu after destroying both, %lu before",
			    (unsigned long)now, (unsigned long)free0);
	else
		xtest_check(now + 8 >= free0, "free pages %lu after destroying both, %lu before",
			    (unsigned long)now, (unsigned long)free0);
}

void test_main(void)
{
	static uint8_t code[4096];
	size_t len = (size_t)(xstate_code_end - xstate_code);
	uint64_t free0 = builder_free_pages();
	uint16_t a, b;

	memcpy(code, xstate_code, len);
	builder_hvm_hypercall_insns(code, len); /* vmcall on Intel */
	pvh_max_vcpus = 2;
	if (!pvh_build(&a, code, len, fill_data))
		xtest_exit();
	if (!pvh_build(&b, code, len, fill_data)) {
		builder_destroy_free(a, free0);
		xtest_exit();
	}
	printk("PVH d%u saved into d%u (host XSAVE: %d)\n", a, b, host_has_xsave());
	round_trip(a, b);
	destroy_both(a, b, free0);
}

/*
 * A PV vCPU's XSAVE state beyond what fxsave keeps (x87 and SSE: the
 * fpu_area of pv/domain.c): the upper halves of the YMM registers and any
 * other component its XCR0 enables, and XCR0 itself. Both are switched with
 * the vCPU, as Xen does, so one guest's AVX registers never show through
 * in another's, whatever XCR0 each set.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "page.h"
#include "domain.h"
#include "pv.h"

#define XSTATE_FP_SSE 3ULL
#define X86_CR4_OSXSAVE_BIT (1UL << 18)
#define XSAVE_HDR_BV 512 /* the header's XSTATE_BV, after the 512-byte legacy region */

/* CPUID 0xd.0 ECX: the XSAVE area for every component the CPU has; 0 without XSAVE. */
static unsigned int xsave_size(void)
{
	static int size = -1;
	u32 a, b, c, d;

	if (size >= 0)
		return (unsigned int)size;
	cpuid_count(1, 0, &a, &b, &c, &d);
	size = 0;
	if (c & (1u << 26)) {
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		size = (int)c;
	}
	return (unsigned int)size;
}

bool pv_has_xsave(void)
{
	return xsave_size() != 0;
}

unsigned int pv_xsave_area_order(void)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < xsave_size())
		order++;
	return order;
}

static u64 vcpu_xcr0(const struct pv_vcpu *pv)
{
	return pv->xcr0 ? pv->xcr0 : XSTATE_FP_SSE;
}

static void xsetbv0(u64 val)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((u32)val), "d"((u32)(val >> 32)));
}

static void xsave64(u8 *area, u64 mask)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((u32)mask), "d"((u32)(mask >> 32))
			 : "memory");
}

static void xrstor64(const u8 *area, u64 mask)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((u32)mask), "d"((u32)(mask >> 32))
			 : "memory");
}

/* Keep the components beyond x87/SSE of the vCPU whose XCR0 is loaded (switching out). */
void pv_save_xstate(struct pv_vcpu *pv)
{
	u64 mask = vcpu_xcr0(pv) & ~XSTATE_FP_SSE;

	if (pv->xsave_area && mask)
		xsave64(pv->xsave_area, mask);
}

/* Load the vCPU's XCR0 and its components beyond x87/SSE (switching in). */
void pv_load_xstate(struct pv_vcpu *pv)
{
	u64 mask = vcpu_xcr0(pv) & ~XSTATE_FP_SSE;

	if (!pv->xsave_area)
		return;
	if (!(read_cr4() & X86_CR4_OSXSAVE_BIT))
		write_cr4(read_cr4() | X86_CR4_OSXSAVE_BIT);
	xsetbv0(vcpu_xcr0(pv));
	if (mask)
		xrstor64(pv->xsave_area, mask); /* a component never saved: its init state */
}

/*
 * The running vCPU set XCR0 to @val (already loaded): the components it
 * turns on start in their init state, not with what the registers held.
 */
void pv_xcr0_set(struct pv_vcpu *pv, u64 val)
{
	u64 added = val & ~vcpu_xcr0(pv) & ~XSTATE_FP_SSE;
	u64 bv;

	pv->xcr0 = val;
	if (!pv->xsave_area || !added)
		return;
	memcpy(&bv, pv->xsave_area + XSAVE_HDR_BV, sizeof(bv));
	bv &= ~added;
	memcpy(pv->xsave_area + XSAVE_HDR_BV, &bv, sizeof(bv));
	xrstor64(pv->xsave_area, added);
}

/* A new context: XCR0 back to x87/SSE, every other component in its init state. */
void pv_reset_xstate(struct pv_vcpu *pv)
{
	pv->xcr0 = 0;
	if (pv->xsave_area)
		memset(pv->xsave_area + XSAVE_HDR_BV, 0, 64);
}

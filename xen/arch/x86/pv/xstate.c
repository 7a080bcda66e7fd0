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
#include "errno.h"
#include "uaccess.h"
#include "pv.h"

#define XSTATE_FP_SSE 3ULL
#define X86_CR4_OSXSAVE_BIT (1UL << 18)
#define XSAVE_HDR_BV 512 /* the header's XSTATE_BV, after the 512-byte legacy region */
#define XSAVE_HDR_COMP (XSAVE_HDR_BV + 8) /* XCOMP_BV: bit 63 marks the compacted form */
#define XSAVE_EXT (XSAVE_HDR_BV + 64)	  /* the first component beyond x87/SSE */
#define XSAVE_MXCSR 24
#define MXCSR_INIT 0x1f80u
#define XRECORD_HDR 16 /* the record's XCR0 and ever-enabled mask, before the area */

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

/* The components the CPU can save (CPUID 0xd.0 EDX:EAX); 0 without XSAVE. */
u64 pv_xstate_mask(void)
{
	u32 a, b, c, d;

	if (!pv_has_xsave())
		return 0;
	cpuid_count(0xd, 0, &a, &b, &c, &d);
	return ((u64)d << 32) | a;
}

/* The standard-form XSAVE area holding the components of @mask. */
static unsigned int xsave_size_for(u64 mask)
{
	unsigned int size = XSAVE_EXT, i;
	u32 a, b, c, d;

	for (i = 2; i < 63; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		if (b + a > size)
			size = b + a;
	}
	return size;
}

unsigned int pv_xstate_record_max(void)
{
	return XRECORD_HDR + xsave_size();
}

static u64 area_u64(const u8 *area, unsigned int off)
{
	u64 val;

	memcpy(&val, area + off, sizeof(val));
	return val;
}

/*
 * The XSAVE record of a paused vCPU at @dst: XCR0 twice (Petrel keeps no
 * separate ever-enabled mask), then the standard-form area for XCR0's
 * components, its legacy region the fxsave image. *size: the buffer's on
 * entry, the record's on return.
 */
long pv_get_xstate_record(const struct pv_vcpu *pv, u64 dst, u64 *size)
{
	u64 xcr0 = vcpu_xcr0(pv);
	unsigned int len = xsave_size_for(xcr0);
	u64 hdr[2] = { xcr0, xcr0 };
	u64 xhdr[8] = { 0 };
	u32 mxcsr = MXCSR_INIT;

	if (!pv->xsave_area || *size < XRECORD_HDR + len)
		return -EINVAL;
	xhdr[0] = (area_u64(pv->xsave_area, XSAVE_HDR_BV) & xcr0 & ~XSTATE_FP_SSE) |
		  (pv->fpu_saved ? XSTATE_FP_SSE : 0);
	dst += XRECORD_HDR;
	if (copy_to_guest(dst - XRECORD_HDR, hdr, sizeof(hdr)) ||
	    copy_to_guest(dst, pv->fpu_area, XSAVE_HDR_BV) ||
	    (!pv->fpu_saved && copy_to_guest(dst + XSAVE_MXCSR, &mxcsr, sizeof(mxcsr))) ||
	    copy_to_guest(dst + XSAVE_HDR_BV, xhdr, sizeof(xhdr)) ||
	    copy_to_guest(dst + XSAVE_EXT, pv->xsave_area + XSAVE_EXT, len - XSAVE_EXT))
		return -EFAULT;
	*size = XRECORD_HDR + len;
	return 0;
}

/*
 * The record's XCR0 and ever-enabled mask are ones the vCPU could have set;
 * XCR0 0 is a vCPU that never set it (x87/SSE), as Xen writes one.
 */
static bool record_masks_valid(const u64 hdr[2])
{
	return (!hdr[0] || pv_xcr0_valid(hdr[0])) && !(hdr[0] & ~hdr[1]) &&
	       !(hdr[1] & ~pv_xstate_mask());
}

/*
 * Load a paused vCPU's XSAVE record from @src (after its vcpu context,
 * whose fxsave image stays its x87/SSE state): XCR0 and the components
 * beyond x87/SSE. A record of the bare 16-byte header sets only XCR0. The
 * area must be the standard form sized for the ever-enabled mask.
 */
long pv_set_xstate_record(struct pv_vcpu *pv, u64 src, u64 size)
{
	u64 hdr[2], bv, comp;

	if (!pv->xsave_area || size < XRECORD_HDR || size > pv_xstate_record_max())
		return -EINVAL;
	if (copy_from_guest(hdr, src, sizeof(hdr)))
		return -EFAULT;
	if (!record_masks_valid(hdr))
		return -EINVAL;
	src += XRECORD_HDR;
	bv = 0;
	if (size > XRECORD_HDR) {
		if (size != XRECORD_HDR + xsave_size_for(hdr[1]))
			return -EINVAL;
		if (copy_from_guest(&bv, src + XSAVE_HDR_BV, sizeof(bv)) ||
		    copy_from_guest(&comp, src + XSAVE_HDR_COMP, sizeof(comp)))
			return -EFAULT;
		if (comp & (1ULL << 63))
			return -EOPNOTSUPP;
		if (bv & ~hdr[1])
			return -EINVAL;
		if (copy_from_guest(pv->xsave_area + XSAVE_EXT, src + XSAVE_EXT,
				    size - XRECORD_HDR - XSAVE_EXT))
			return -EFAULT;
	}
	memset(pv->xsave_area + XSAVE_HDR_BV, 0, 64);
	bv &= hdr[0] & ~XSTATE_FP_SSE;
	memcpy(pv->xsave_area + XSAVE_HDR_BV, &bv, sizeof(bv));
	pv->xcr0 = hdr[0];
	return 0;
}

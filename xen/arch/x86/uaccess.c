/* Fault-safe guest copies (see uaccess.h). */
#include "types.h"
#include "config.h"
#include "errno.h"
#include "uaccess.h"
#include "hvm.h"

/* An HVM vCPU's addresses go through its own page tables (hvm/hvm.c). */
static bool hvm_current(void)
{
	return current && is_hvm_vcpu(current);
}

bool guest_range_ok(u64 va, size_t len)
{
	u64 end = va + len;

	if (end < va)
		return false;
	/* Not in the hypervisor's slots, and canonical. */
	if (va < XEN_SLOTS_END && end > XEN_SLOTS_START)
		return false;
	if (va < 0xFFFF800000000000UL && end > 0x0000800000000000UL)
		return false;
	return true;
}

/*
 * rep movsq, then rep movsb for the rest, each with a fixup: returns the
 * number of bytes NOT copied. After a fault in the movsq, rcx counts the
 * quadwords left and the movsb goes on from there, so it copies up to the
 * first byte that faults. Quadwords make the bulk of a copy 8 times fewer
 * steps (under QEMU's TCG every step of a rep string instruction costs).
 */
static size_t copy_raw(void *dst, const void *src, size_t len)
{
	size_t n = len / 8;

	__asm__ volatile("1: rep movsq\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 2b\n"
			 ".popsection"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
	n = n * 8 + len % 8;
	__asm__ volatile("1: rep movsb\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 2b\n"
			 ".popsection"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
	return n;
}

size_t copy_from_guest_left(void *dst, u64 src_va, size_t len)
{
	if (hvm_current())
		return hvm_copy_from_guest_linear(dst, src_va, len) ? len : 0;
	if (!guest_range_ok(src_va, len))
		return len;
	return copy_raw(dst, (const void *)src_va, len);
}

size_t copy_to_guest_left(u64 dst_va, const void *src, size_t len)
{
	if (hvm_current())
		return hvm_copy_to_guest_linear(dst_va, src, len) ? len : 0;
	if (!guest_range_ok(dst_va, len))
		return len;
	return copy_raw((void *)dst_va, src, len);
}

int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	if (hvm_current())
		return hvm_copy_from_guest_linear(dst, src_va, len);
	if (!guest_range_ok(src_va, len))
		return -EFAULT;
	return copy_raw(dst, (const void *)src_va, len) ? -EFAULT : 0;
}

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (hvm_current())
		return hvm_copy_to_guest_linear(dst_va, src, len);
	if (!guest_range_ok(dst_va, len))
		return -EFAULT;
	return copy_raw((void *)dst_va, src, len) ? -EFAULT : 0;
}

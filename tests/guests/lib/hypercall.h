/*
 * Hypercall wrappers for a 64-bit PV guest kernel.
 *
 * Two transports, as on Xen 4.17:
 *  - `syscall` issued directly: number in rax, arguments in rdi, rsi, rdx,
 *    r10, r8, result in rax; rcx and r11 are clobbered. Xen debug builds
 *    also scribble over the argument registers, so they are outputs here.
 *  - the hypercall page: `call hypercall_page + nr * 32`, only usable when
 *    the image carries a HYPERCALL_PAGE note (XTEST_USE_HYPERCALL_PAGE()).
 * hypercall() uses the page when the test asked for it and the hypervisor
 * filled it, else `syscall`.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "xen-abi.h"

extern char hypercall_page[4096];
/* Set by the runtime once it has seen the hypervisor fill the page. */
extern int xtest_hypercall_page_active;

static inline long hypercall_syscall(unsigned long nr, unsigned long a1, unsigned long a2,
				     unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : "a"(nr)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long hypercall_via_page(unsigned long nr, unsigned long a1, unsigned long a2,
				      unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	unsigned long target = (unsigned long)hypercall_page + nr * 32;
	long ret;

	__asm__ volatile("call *%[target]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8), [target] "+c"(target)
			 :
			 : "r11", "memory");
	return ret;
}

/*
 * An HVM guest (built with -DXTEST_HVM) calls the hypervisor with vmcall on
 * Intel and vmmcall on AMD; the HVM head sets hvm_intel from CPUID before
 * anything else runs. HVM_HYPERCALL_INSN picks one at run time (32- and
 * 64-bit code alike: the guest lives below 2 GiB).
 */
#ifdef XTEST_HVM
extern unsigned char hvm_intel;
#endif
#define HVM_HYPERCALL_INSN                                                                 \
	"cmpb $0, hvm_intel\n\tjne 1f\n\tvmmcall\n\tjmp 2f\n1:\tvmcall\n2:\n\t"

/* An HVM guest in 64-bit mode: the same registers as the PV syscall ABI. */
static inline long hypercall_hvm(unsigned long nr, unsigned long a1, unsigned long a2,
				 unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile(HVM_HYPERCALL_INSN
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : "a"(nr)
			 : "memory", "cc");
	return ret;
}

static inline long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
			     unsigned long a4, unsigned long a5)
{
#ifdef XTEST_HVM
	if (!xtest_hypercall_page_active || nr >= 128)
		return hypercall_hvm(nr, a1, a2, a3, a4, a5);
#endif
	if (xtest_hypercall_page_active && nr < 128)
		return hypercall_via_page(nr, a1, a2, a3, a4, a5);
	return hypercall_syscall(nr, a1, a2, a3, a4, a5);
}

static inline long hypercall_console_write(const char *buf, unsigned long len)
{
	return hypercall(HC_console_io, CONSOLEIO_write, len, (unsigned long)buf, 0, 0);
}

static inline long hypercall_xen_version(unsigned int cmd, void *arg)
{
	return hypercall(HC_xen_version, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long hypercall_sched_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_sched_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long hypercall_shutdown(unsigned int reason)
{
	struct sched_shutdown s = { .reason = reason };

	return hypercall_sched_op(SCHEDOP_shutdown, &s);
}

static inline long hypercall_set_trap_table(const struct trap_info *table)
{
	return hypercall(HC_set_trap_table, (unsigned long)table, 0, 0, 0, 0);
}

static inline long hypercall_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{
	return hypercall(HC_update_va_mapping, va, pte, flags, 0, 0);
}

#endif

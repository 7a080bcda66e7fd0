/* The register frame every entry into the hypervisor builds on its stack. */
#ifndef PETREL_REGS_H
#define PETREL_REGS_H

#define VEC_SYSCALL 0x100 /* frame came from the syscall instruction */

#ifndef __ASSEMBLER__
#include "types.h"

struct cpu_regs {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

static inline bool regs_from_guest(const struct cpu_regs *r)
{
	return (r->cs & 3) != 0;
}

void show_registers(const struct cpu_regs *r);
void show_stack_trace(u64 rbp);
#endif

#endif

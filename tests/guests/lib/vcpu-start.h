/*
 * Starting another vCPU of the test domain (vcpu-start.c): VCPUOP_initialise
 * with a kernel-mode context on the domain's own page tables and a stack of
 * the caller's, then VCPUOP_up. For tests of several vCPUs at once.
 */
#ifndef GUEST_VCPU_START_H
#define GUEST_VCPU_START_H

#include "xtest.h"

#define HC_vcpu_op 24
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3

static inline long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(HC_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

/*
 * Bring vCPU @id up at @entry (which must not return) on the stack
 * [@stack, @stack + @size), its event upcalls masked; the hypercall's
 * error, or 0.
 */
long xtest_vcpu_start(unsigned int id, void (*entry)(void), void *stack, unsigned long size);

/* SCHEDOP_yield. */
void xtest_yield(void);
/* Yield until *@flag reaches @want (written by another vCPU); false if it never does. */
bool xtest_wait_flag(volatile unsigned long *flag, unsigned long want);

#endif

/* Starting another vCPU of the test domain: see vcpu-start.h. */
#include "vcpu-start.h"

#define VIRT_BASE 0xffffffff80000000UL

static struct vcpu_context start_ctx;

static unsigned long own_l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

long xtest_vcpu_start(unsigned int id, void (*entry)(void), void *stack, unsigned long size)
{
	unsigned long sp = (((unsigned long)stack + size) & ~15UL) - 8; /* as after a call */
	long rc;

	xtest_shared_info()->vcpu_info[id].evtchn_upcall_mask = 1;
	memset(&start_ctx, 0, sizeof(start_ctx));
	start_ctx.flags = VGCF_in_kernel;
	start_ctx.regs.rip = (unsigned long)entry;
	start_ctx.regs.rsp = sp;
	start_ctx.regs.cs = FLAT_KERNEL_CS64;
	start_ctx.regs.ss = FLAT_KERNEL_SS64;
	start_ctx.regs.rflags = 0x200;
	start_ctx.kernel_ss = FLAT_KERNEL_SS64;
	start_ctx.kernel_sp = sp;
	start_ctx.ctrlreg[3] = own_l4_mfn() << 12;
	rc = vcpu_op(VCPUOP_initialise, id, &start_ctx);
	return rc ? rc : vcpu_op(VCPUOP_up, id, NULL);
}

#define WAIT_FLAG_LOOPS 2000000UL

void xtest_yield(void)
{
	hypercall_sched_op(SCHEDOP_yield, NULL);
}

bool xtest_wait_flag(volatile unsigned long *flag, unsigned long want)
{
	for (unsigned long i = 0; i < WAIT_FLAG_LOOPS; i++) {
		if (*flag >= want)
			return true;
		xtest_yield();
	}
	return *flag >= want;
}

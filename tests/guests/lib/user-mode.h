/* What a test that enters guest user mode uses: Xen's layouts for the iret hypercall and callbacks. */
#ifndef XTEST_USER_MODE_H
#define XTEST_USER_MODE_H

#define MMUEXT_NEW_USER_BASEPTR 15
#define CALLBACKTYPE_syscall 2
#define CALLBACKF_mask_events 1
#define FLAT_USER_CS64 0xe033
#define FLAT_USER_SS64 0xe02b

/* HYPERVISOR_iret's frame on the guest kernel stack. */
struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
/* One MMUEXT_* operation (mmuext_op, hypercall 26). */
struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};
/* CALLBACKOP_register's argument. */
struct callback_register {
	uint16_t type, flags;
	uint32_t pad;
	unsigned long address;
};

#endif

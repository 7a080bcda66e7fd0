/*
 * Hot-path benchmark guests: PV test guests (tests/guests/lib) that time
 * one operation at a time and print one line per figure:
 *	BENCH <name> min=<cycles> median=<cycles> iters=<n> rounds=<r>
 * min and median are TSC cycles per operation over the rounds; each round
 * reads the TSC around <n> back-to-back operations. A figure whose
 * operation fails prints no line and records a failure instead.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include "bench-run.h"

#define HC_set_timer_op 15
#define HC_multicall 13
#define HC_vcpu_op 24
#define HC_mmuext_op 26
#define HC_callback_op 30
#define HC_event_channel_op 32
#define HC_physdev_op 33
#define HC_stack_switch 3

#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_NEW_USER_BASEPTR 15

#define CALLBACKOP_register 0
#define CALLBACKTYPE_event 0
#define CALLBACKTYPE_syscall 2
#define CALLBACKF_mask_events 1

#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_bind_ipi 7
#define PHYSDEVOP_set_iopl 6

#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define FLAT_USER_CS64 0xe033
#define FLAT_USER_SS64 0xe02b

struct mmuext_op {
	unsigned int cmd;
	unsigned long arg1, arg2;
};

struct mmu_update {
	uint64_t ptr, val;
};

struct multicall_entry {
	unsigned long op, result;
	unsigned long args[6];
};

struct callback_register {
	uint16_t type, flags;
	uint32_t pad;
	unsigned long address;
};

/* The guest's own page tables, read through its initial mapping. */
uint64_t *bench_va_of_mfn(unsigned long mfn);
unsigned long bench_l4_mfn(void);
/* Machine address of the L1 entry that maps @va. */
uint64_t bench_l1e_maddr(const void *va);
/* The guest's (read-only) view of that entry. */
volatile uint64_t *bench_l1e(const void *va);
unsigned long bench_mfn_of(const void *va);
long bench_mmuext(unsigned int cmd, unsigned long arg1);

#endif

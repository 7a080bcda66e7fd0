/*
 * The pure rules of ioreq forwarding (hvm/ioreq_rules.c): which memory
 * instructions are forwarded and how, how a slot's state moves, where a
 * read's answer lands. No guest state: the host unit tests run them.
 */
#ifndef PETREL_IOREQ_RULES_H
#define PETREL_IOREQ_RULES_H

#include "types.h"
#include "x86_decode.h"

/* A decoded mov between memory and a register or an immediate. */
struct ioreq_mov {
	unsigned int size; /* bytes accessed: 1, 2, 4 or 8 */
	bool read;	   /* memory to register */
	int reg;	   /* the register read or written (0 = rax), -1 for an immediate */
	u64 imm;	   /* the immediate a write stores, cut to size */
};

/* 0 with @m filled for the mov forms forwarded (88, 89, 8B, C6, C7, A1, A3), else -EOPNOTSUPP. */
int ioreq_mov_decode(const struct x86_insn *in, struct ioreq_mov *m);

/* What the slot's state means for a vCPU waiting on it (@last: the state last seen). */
enum ioreq_step {
	IOREQ_ANSWERED, /* IORESP_READY: take the data */
	IOREQ_DROPPED,	/* NONE: the emulator gave up, reads see all-ones */
	IOREQ_WAIT,	/* READY or INPROCESS, not gone backwards */
	IOREQ_BAD,	/* not a state, or backwards: the domain dies */
};
enum ioreq_step ioreq_step(unsigned int last, unsigned int state);

/*
 * A config cycle through the data ports 0xCFC-0xCFF: true when @port is one
 * of them and @cf8 (the last 32-bit write of 0xCF8) has its enable bit set;
 * *addr is then Xen's IOREQ_TYPE_PCI_CONFIG address, the SBDF (segment 0,
 * bus, device, function from @cf8) in bits 63:32 and the register (@cf8's
 * dword offset plus the byte offset of @port) in bits 31:0.
 */
bool ioreq_pci_config_addr(u32 cf8, u16 port, u64 *addr);

/* Register value after a read of @size bytes gave @data (32-bit results zero-extend). */
u64 ioreq_merge(u64 old, u64 data, unsigned int size);

#endif

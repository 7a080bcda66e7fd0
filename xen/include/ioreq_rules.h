/*
 * The pure rules of ioreq forwarding (hvm/ioreq_rules.c): which memory
 * instructions are forwarded and how, how a slot's state moves, where a
 * read's answer lands. No guest state: the host unit tests run them.
 */
#ifndef PETREL_IOREQ_RULES_H
#define PETREL_IOREQ_RULES_H

#include "types.h"
#include "x86_decode.h"
#include "public/hvm/ioreq.h"

/* A decoded mov between memory and a register or an immediate. */
struct ioreq_mov {
	unsigned int size; /* bytes accessed: 1, 2, 4 or 8 */
	bool read;	   /* memory to register */
	int reg;	   /* the register read or written (0 = rax), -1 for an immediate */
	u64 imm;	   /* the immediate a write stores (or cmp compares with), cut to size */
	bool cmp;	   /* cmp mem, imm: a read that only sets the flags */
	unsigned int reg_size; /* bytes of the register a read writes (movzx/movsx: wider) */
	bool sign;	   /* movsx: the value read is sign-extended to reg_size */
};

/*
 * 0 with @m filled for the forms forwarded: mov (88, 89, 8B, C6, C7, A1,
 * A3), movzx/movsx (0F B6, B7, BE, BF) and cmp with an immediate (80, 81,
 * 83 /7); else -EOPNOTSUPP.
 */
int ioreq_mov_decode(const struct x86_insn *in, struct ioreq_mov *m);
/* @rflags after `cmp` of @mem with @imm, @size bytes each: CF, PF, AF, ZF, SF and OF. */
u64 ioreq_cmp_flags(u64 rflags, u64 mem, u64 imm, unsigned int size);
/* Register value @old after the read @m got @data (extended, then merged by reg_size). */
u64 ioreq_read_result(const struct ioreq_mov *m, u64 old, u64 data);

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

/* A string instruction (INS/OUTS, MOVS/STOS) as its prefixes make it. */
struct ioreq_string {
	unsigned int len;	 /* bytes, prefixes included */
	unsigned int addr_bytes; /* 2, 4 or 8: the width of rcx, rsi and rdi */
	unsigned int size;	 /* MOVS/STOS: the element's bytes (0x66, REX.W) */
	enum x86_seg seg;	 /* the source's segment (ES for INS and STOS: no override) */
	u8 opcode;		 /* 0x6C-0x6F, 0xA4/0xA5 (MOVS), 0xAA/0xAB (STOS) */
	bool rep;		 /* F3 or F2 */
	bool opsize;		 /* 0x66 */
};

/*
 * Decode the INS/OUTS, MOVS or STOS in b[0..n) for code whose default
 * address size is @addr_bytes (2 in real, virtual-8086 and 16-bit mode, 4
 * in 32-bit, 8 in 64-bit mode, where REX may come last and ES/CS/DS
 * overrides mean DS; SS is kept, as a non-canonical address through it is
 * #SS). 0, or -EINVAL when it is not one or the bytes end first.
 */
int ioreq_string_decode(const u8 *b, unsigned int n, unsigned int addr_bytes,
			struct ioreq_string *s);

/*
 * How many of @reps (>= 1) elements of @size bytes one request carries when
 * the first is at byte @off of its page and the buffer runs down (@df) or
 * up: Xen's count, which keeps the buffer within that page, and 1 when not
 * even the first element fits (it crosses the page end, or runs down from
 * the page's first bytes).
 */
unsigned long ioreq_string_count(unsigned long reps, unsigned int off, unsigned int size, bool df);

/*
 * rsi, rdi or rcx after adding @inc at an address size of @addr_bytes:
 * 8 adds; with @long_mode the sum is cut to @addr_bytes (a 32-bit register
 * write zero-extends), otherwise only the low @addr_bytes bytes change.
 */
u64 ioreq_addr_reg(u64 old, s64 inc, unsigned int addr_bytes, bool long_mode);

/* Segment attributes in the VMCB's 12-bit form (the VMCS's are converted to it). */
#define SEG_ATTR_WRITABLE 0x002	   /* data: writable; code: readable */
#define SEG_ATTR_EXPAND_DOWN 0x004 /* data */
#define SEG_ATTR_CODE 0x008
#define SEG_ATTR_S 0x010
#define SEG_ATTR_P 0x080
#define SEG_ATTR_DB 0x400

/*
 * How many @size-byte elements a string instruction may move through a
 * segment of attributes @attr and byte limit @limit, starting at offset
 * @off and going up (or down with @df), before one would leave it: 0 when
 * the first already does, or the segment cannot be used for the access (not
 * present, a system segment, code for a write, code without R for a read,
 * data without W for a write). An expand-up segment spans [0, limit], an
 * expand-down one (limit, 0xFFFF] or (limit, 0xFFFFFFFF] by D/B.
 */
u64 ioreq_seg_room(u16 attr, u32 limit, u64 off, unsigned int size, bool write, bool df);

/*
 * How many @size-byte elements fit from offset @off (already cut to the
 * address size, whose mask is @mask) before the register wraps: up to the
 * top of the address space, or down to 0 with @df; at least 1.
 */
u64 ioreq_string_wrap(u64 off, u64 mask, unsigned int size, bool df);

/*
 * In 64-bit mode: how many @size-byte elements from linear address @va
 * stay canonical (48-bit: the lower half up to 0x00007FFFFFFFFFFF, the
 * upper half from 0xFFFF800000000000), counting up, or down with @df; 0
 * when the first element is not wholly canonical (#GP(0), or #SS(0) for
 * the stack segment).
 */
u64 ioreq_canonical_room(u64 va, unsigned int size, bool df);

/*
 * ---- The buffered ring. A write of @size bytes of @data at @addr (a port
 * or a guest-physical address below 1 MiB) in Xen's buffered form: one
 * slot, or two for 8 bytes (the second holds the high half). Returns the
 * slots used, 0 when the ring cannot express it (a wider address: Xen
 * drops such a request).
 */
unsigned int ioreq_buf_pack(unsigned int type, u64 addr, unsigned int size, u64 data,
			    struct buf_ioreq slot[2]);

/* Room for @n more slots between the model's read pointer @rd and our write pointer @wr. */
bool ioreq_ring_room(u32 rd, u32 wr, unsigned int n);

/*
 * HVM_IOREQSRV_BUFIOREQ_ATOMIC: the pointer pair (read in bits 31:0, write
 * in 63:32) with whole turns of the ring taken off both, so neither
 * overflows; the model only ever adds to the read pointer.
 */
u64 ioreq_ring_canonical(u64 pointers);

/* Register value after a read of @size bytes gave @data (32-bit results zero-extend). */
u64 ioreq_merge(u64 old, u64 data, unsigned int size);

#endif

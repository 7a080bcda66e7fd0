/*
 * The x86 instruction decoder shared by everything that emulates guest
 * instructions (PV privileged operations, the writable page-table assist,
 * the stores dropped on read-only MSI-X table frames).
 * It knows 64-bit, 32-bit and 16-bit code (real mode, virtual-8086 mode and 16-bit
 * protected mode) and only the opcodes some emulator handles:
 * prefixes, REX, the opcode, ModRM with its SIB and displacement bytes,
 * and the immediate. It reads bytes, never guest state, so the host unit
 * tests run it unchanged.
 */
#ifndef PETREL_X86_DECODE_H
#define PETREL_X86_DECODE_H

#include "types.h"

#define X86_INSN_MAX 15

/* Segment override prefixes, in the architectural register order. */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
	X86_SEG_NONE
};

#define X86_REX_W 8
#define X86_REX_R 4
#define X86_REX_X 2
#define X86_REX_B 1

/* Two-byte opcodes (0f xx) are 0x0fxx, one-byte ones 0x00xx. */
#define X86_OPC_0F(b) (0x0f00u | (b))

struct x86_insn {
	unsigned int len; /* bytes, prefixes included */
	u16 opcode;
	u8 rex; /* the REX byte in effect, 0 if none */
	u8 rep; /* 0, 0xf2 or 0xf3: the last of them given */
	bool lock;
	bool opsize16;	  /* 16-bit operands: 0x66 in 32/64-bit code, no 0x66 in 16-bit code */
	bool addr32;	  /* 0x67 given */
	bool addr16;	  /* 16-bit addressing: 0x67 in 32-bit code, no 0x67 in 16-bit code */
	enum x86_seg seg; /* the last segment override, X86_SEG_NONE if none */
	bool has_modrm;
	u8 mod;	    /* ModRM.mod */
	u8 reg, rm; /* ModRM.reg and .rm, extended by REX.R and REX.B */
	unsigned int imm_len;
	s64 imm; /* sign-extended immediate */
};

/*
 * Decode the instruction in b[0..n). Returns 0, -EINVAL when the bytes end
 * before the instruction does or it is longer than 15 bytes, -EOPNOTSUPP
 * for an opcode the decoder does not know.
 */
int x86_decode(const u8 *b, unsigned int n, struct x86_insn *in);
/*
 * The same for code running in @mode_bytes 8 (64-bit), 4 (32-bit protected
 * mode: no REX prefix) or 2 (16-bit code: operands and addresses 16 bits
 * unless 0x66 / 0x67 make them 32).
 */
int x86_decode_mode(const u8 *b, unsigned int n, unsigned int mode_bytes, struct x86_insn *in);

/* Operand size of a non-byte instruction: 8 with REX.W, else 2 with 0x66, else 4. */
static inline unsigned int x86_opsize(const struct x86_insn *in)
{
	return (in->rex & X86_REX_W) ? 8 : in->opsize16 ? 2 : 4;
}

#endif

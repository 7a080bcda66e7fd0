/* The shared x86 instruction decoder (see x86_decode.h). */
#include "types.h"
#include "errno.h"
#include "x86_decode.h"

#define D_MODRM 0x01	 /* a ModRM byte follows the opcode */
#define D_MODRM_REG 0x02 /* ModRM whose mod field is ignored: always a register */
#define D_IMM8 0x04
#define D_IMMZ 0x08  /* 16 bits with 0x66 (and no REX.W), else 32 */
#define D_MOFFS 0x10 /* an absolute address of the address size (kept in imm) */

/* A table slot per opcode: one-byte ones first, then 0f xx. */
#define OPC_INDEX(op) ((((op) >> 8) ? 256u : 0u) | ((op)&0xffu))
#define D_KNOWN 0x80 /* the slot of an opcode some emulator handles */

/* The opcodes some emulator handles; anything else is -EOPNOTSUPP. */
static __hvm_const const u8 opcode_table[512] = {
	[OPC_INDEX(0x09)] = D_KNOWN | D_MODRM,		   /* or r/m, r */
	[OPC_INDEX(0x21)] = D_KNOWN | D_MODRM,		   /* and r/m, r */
	[OPC_INDEX(0x31)] = D_KNOWN | D_MODRM,		   /* xor r/m, r */
	[OPC_INDEX(0x6c)] = D_KNOWN,			   /* insb */
	[OPC_INDEX(0x6d)] = D_KNOWN,			   /* insw/insl */
	[OPC_INDEX(0x6e)] = D_KNOWN,			   /* outsb */
	[OPC_INDEX(0x6f)] = D_KNOWN,			   /* outsw/outsl */
	[OPC_INDEX(0x80)] = D_KNOWN | D_MODRM | D_IMM8,	   /* group 1, byte */
	[OPC_INDEX(0x81)] = D_KNOWN | D_MODRM | D_IMMZ,	   /* group 1, imm32 */
	[OPC_INDEX(0x83)] = D_KNOWN | D_MODRM | D_IMM8,	   /* group 1, imm8 */
	[OPC_INDEX(0x87)] = D_KNOWN | D_MODRM,		   /* xchg */
	[OPC_INDEX(0x88)] = D_KNOWN | D_MODRM,		   /* mov r/m8, r8 */
	[OPC_INDEX(0x89)] = D_KNOWN | D_MODRM,		   /* mov r/m, r */
	[OPC_INDEX(0x8a)] = D_KNOWN | D_MODRM,		   /* mov r8, r/m8 */
	[OPC_INDEX(0x8b)] = D_KNOWN | D_MODRM,		   /* mov r, r/m */
	[OPC_INDEX(0xa1)] = D_KNOWN | D_MOFFS,		   /* mov eax, moffs */
	[OPC_INDEX(0xa3)] = D_KNOWN | D_MOFFS,		   /* mov moffs, eax */
	[OPC_INDEX(0xc6)] = D_KNOWN | D_MODRM | D_IMM8,	   /* mov r/m8, imm8 */
	[OPC_INDEX(0xc7)] = D_KNOWN | D_MODRM | D_IMMZ,	   /* mov r/m, imm */
	[OPC_INDEX(0xcd)] = D_KNOWN | D_IMM8,		   /* int imm8 */
	[OPC_INDEX(0xe4)] = D_KNOWN | D_IMM8,		   /* in al, imm8 */
	[OPC_INDEX(0xe5)] = D_KNOWN | D_IMM8,		   /* in eax, imm8 */
	[OPC_INDEX(0xe6)] = D_KNOWN | D_IMM8,		   /* out imm8, al */
	[OPC_INDEX(0xe7)] = D_KNOWN | D_IMM8,		   /* out imm8, eax */
	[OPC_INDEX(0xec)] = D_KNOWN,			   /* in al, dx */
	[OPC_INDEX(0xed)] = D_KNOWN,			   /* in eax, dx */
	[OPC_INDEX(0xee)] = D_KNOWN,			   /* out dx, al */
	[OPC_INDEX(0xef)] = D_KNOWN,			   /* out dx, eax */
	[OPC_INDEX(0xf4)] = D_KNOWN,			   /* hlt */
	[OPC_INDEX(0xfa)] = D_KNOWN,			   /* cli */
	[OPC_INDEX(0xfb)] = D_KNOWN,			   /* sti */
	[OPC_INDEX(X86_OPC_0F(0x01))] = D_KNOWN | D_MODRM, /* group 7 (lgdt ... xsetbv, rdtscp) */
	[OPC_INDEX(X86_OPC_0F(0x06))] = D_KNOWN,	   /* clts */
	[OPC_INDEX(X86_OPC_0F(0x08))] = D_KNOWN,	   /* invd */
	[OPC_INDEX(X86_OPC_0F(0x09))] = D_KNOWN,	   /* wbinvd */
	[OPC_INDEX(X86_OPC_0F(0x0b))] = D_KNOWN,	   /* ud2 */
	[OPC_INDEX(X86_OPC_0F(0x20))] = D_KNOWN | D_MODRM_REG, /* mov from %crN */
	[OPC_INDEX(X86_OPC_0F(0x21))] = D_KNOWN | D_MODRM_REG, /* mov from %drN */
	[OPC_INDEX(X86_OPC_0F(0x22))] = D_KNOWN | D_MODRM_REG, /* mov to %crN */
	[OPC_INDEX(X86_OPC_0F(0x23))] = D_KNOWN | D_MODRM_REG, /* mov to %drN */
	[OPC_INDEX(X86_OPC_0F(0x30))] = D_KNOWN,	       /* wrmsr */
	[OPC_INDEX(X86_OPC_0F(0x31))] = D_KNOWN,	       /* rdtsc */
	[OPC_INDEX(X86_OPC_0F(0x32))] = D_KNOWN,	       /* rdmsr */
	[OPC_INDEX(X86_OPC_0F(0x33))] = D_KNOWN,	       /* rdpmc */
	[OPC_INDEX(X86_OPC_0F(0xa2))] = D_KNOWN,	       /* cpuid */
	[OPC_INDEX(X86_OPC_0F(0xb1))] = D_KNOWN | D_MODRM,     /* cmpxchg */
	[OPC_INDEX(X86_OPC_0F(0xb6))] = D_KNOWN | D_MODRM,     /* movzx r, r/m8 */
	[OPC_INDEX(X86_OPC_0F(0xb7))] = D_KNOWN | D_MODRM,     /* movzx r, r/m16 */
	[OPC_INDEX(X86_OPC_0F(0xbe))] = D_KNOWN | D_MODRM,     /* movsx r, r/m8 */
	[OPC_INDEX(X86_OPC_0F(0xbf))] = D_KNOWN | D_MODRM,     /* movsx r, r/m16 */
	[OPC_INDEX(X86_OPC_0F(0xba))] =
	    D_KNOWN | D_MODRM | D_IMM8, /* group 8: bt/bts/btr/btc imm8 */
};

static int opcode_flags(u16 opcode)
{
	u8 f;

	if (opcode >> 8 && opcode >> 8 != 0x0f)
		return -EOPNOTSUPP;
	f = opcode_table[OPC_INDEX(opcode)];
	return f & D_KNOWN ? f & ~D_KNOWN : -EOPNOTSUPP;
}

/* Record a legacy prefix; false if @c is none. */
static bool legacy_prefix(u8 c, struct x86_insn *in)
{
	switch (c) {
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
		in->seg = (enum x86_seg)((c >> 3) & 3);
		return true;
	case 0x64:
	case 0x65:
		in->seg = c == 0x64 ? X86_SEG_FS : X86_SEG_GS;
		return true;
	case 0x66:
		in->opsize16 = true;
		return true;
	case 0x67:
		in->addr32 = true;
		return true;
	case 0xf0:
		in->lock = true;
		return true;
	case 0xf2:
	case 0xf3:
		in->rep = c;
		return true;
	default:
		return false;
	}
}

/* Bytes of SIB and displacement after the ModRM byte m (memory forms only). */
static unsigned int modrm_tail(u8 m, const u8 *sib, unsigned int avail)
{
	unsigned int mod = m >> 6, rm = m & 7, tail = 0;

	if (mod == 3)
		return 0;
	if (rm == 4) {
		tail = 1;
		if (mod == 0 && avail && (sib[0] & 7) == 5)
			tail += 4;
	} else if (mod == 0 && rm == 5) {
		tail = 4; /* rip-relative */
	}
	if (mod == 1)
		tail += 1;
	else if (mod == 2)
		tail += 4;
	return tail;
}

/* The same for 16-bit addressing: no SIB, disp16 alone for mod 0 rm 6. */
static unsigned int modrm_tail16(u8 m)
{
	unsigned int mod = m >> 6, rm = m & 7;

	if (mod == 0)
		return rm == 6 ? 2 : 0;
	return mod == 1 ? 1 : mod == 2 ? 2 : 0;
}

static s64 read_imm(const u8 *b, unsigned int len)
{
	u64 v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (u64)b[i] << (8 * i);
	if (len == 1)
		return (s8)v;
	if (len == 2)
		return (s16)v;
	if (len == 8)
		return (s64)v;
	return (s32)v;
}

int x86_decode(const u8 *b, unsigned int n, struct x86_insn *in)
{
	return x86_decode_mode(b, n, 8, in);
}

__hvm_hot int x86_decode_mode(const u8 *b, unsigned int n, unsigned int mode_bytes,
			      struct x86_insn *in)
{
	unsigned int i = 0, opc_len = 1;
	int flags;

	if (n > X86_INSN_MAX)
		n = X86_INSN_MAX;
	*in = (struct x86_insn){ .seg = X86_SEG_NONE };
	/* A REX byte counts only right before the opcode. */
	for (; i < n; i++) {
		if ((b[i] & 0xf0) == 0x40 && mode_bytes == 8)
			in->rex = b[i];
		else if (legacy_prefix(b[i], in))
			in->rex = 0;
		else
			break;
	}
	if (i >= n)
		return -EINVAL;
	if (mode_bytes == 2)
		in->opsize16 = !in->opsize16;
	in->addr16 = mode_bytes != 8 && in->addr32 == (mode_bytes == 4);
	in->opcode = b[i];
	if (b[i] == 0x0f) {
		if (i + 1 >= n)
			return -EINVAL;
		in->opcode = X86_OPC_0F(b[i + 1]);
		opc_len = 2;
	}
	flags = opcode_flags(in->opcode);
	if (flags < 0)
		return flags;
	i += opc_len;
	if (flags & (D_MODRM | D_MODRM_REG)) {
		u8 m;

		if (i >= n)
			return -EINVAL;
		m = b[i++];
		in->has_modrm = true;
		in->mod = (flags & D_MODRM_REG) ? 3 : m >> 6;
		in->reg = ((m >> 3) & 7) | ((in->rex & X86_REX_R) ? 8 : 0);
		in->rm = (m & 7) | ((in->rex & X86_REX_B) ? 8 : 0);
		if (in->mod != 3)
			i += in->addr16 ? modrm_tail16(m) : modrm_tail(m, &b[i], n - i);
	}
	if (flags & D_IMM8)
		in->imm_len = 1;
	else if (flags & D_IMMZ)
		in->imm_len = x86_opsize(in) == 2 ? 2 : 4;
	else if (flags & D_MOFFS)
		in->imm_len = in->addr16 ? 2 : (mode_bytes == 8 && !in->addr32) ? 8 : 4;
	if (i + in->imm_len > n)
		return -EINVAL;
	in->imm = read_imm(&b[i], in->imm_len);
	in->len = i + in->imm_len;
	return 0;
}

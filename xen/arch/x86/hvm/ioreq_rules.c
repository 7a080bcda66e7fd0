/* The pure rules of ioreq forwarding (see ioreq_rules.h). */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "x86_decode.h"
#include "ioreq_rules.h"
#include "public/hvm/ioreq.h"

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0UL : (1UL << (8 * size)) - 1;
}

/* Register to memory or memory to register, through ModRM (never a register operand). */
static int modrm_mov(const struct x86_insn *in, struct ioreq_mov *m, bool read, bool byte)
{
	if (!in->has_modrm || in->mod == 3)
		return -EOPNOTSUPP;
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH: not forwarded. */
	if (byte && !in->rex && in->reg >= 4)
		return -EOPNOTSUPP;
	m->size = byte ? 1 : x86_opsize(in);
	m->read = read;
	m->reg = in->reg;
	return 0;
}

static int imm_mov(const struct x86_insn *in, struct ioreq_mov *m, bool byte)
{
	if (!in->has_modrm || in->mod == 3 || in->reg % 8)
		return -EOPNOTSUPP;
	m->size = byte ? 1 : x86_opsize(in);
	m->read = false;
	m->reg = -1;
	m->imm = (u64)in->imm & size_mask(m->size);
	return 0;
}

/* Group 1 with /7: cmp r/m, imm (the immediate sign-extended, then cut to size). */
static int imm_cmp(const struct x86_insn *in, struct ioreq_mov *m, bool byte)
{
	if (!in->has_modrm || in->mod == 3 || in->reg % 8 != 7)
		return -EOPNOTSUPP;
	m->size = byte ? 1 : x86_opsize(in);
	m->read = true;
	m->reg = -1;
	m->cmp = true;
	m->imm = (u64)in->imm & size_mask(m->size);
	return 0;
}

/* movzx/movsx: a byte or word read into a register of the operand size. */
static int extending_mov(const struct x86_insn *in, struct ioreq_mov *m, bool word, bool sign)
{
	int rc = modrm_mov(in, m, true, false); /* the register is never a byte one */

	if (rc)
		return rc;
	m->size = word ? 2 : 1;
	m->reg_size = x86_opsize(in);
	m->sign = sign;
	return 0;
}

static int decode_one(const struct x86_insn *in, struct ioreq_mov *m)
{
	switch (in->opcode) {
	case X86_OPC_0F(0xb6):
	case X86_OPC_0F(0xb7):
	case X86_OPC_0F(0xbe):
	case X86_OPC_0F(0xbf):
		return extending_mov(in, m, in->opcode & 1, in->opcode & 8);
	case 0x80:
		return imm_cmp(in, m, true);
	case 0x81:
	case 0x83:
		return imm_cmp(in, m, false);
	case 0x88:
		return modrm_mov(in, m, false, true);
	case 0x89:
		return modrm_mov(in, m, false, false);
	case 0x8a:
		return modrm_mov(in, m, true, true);
	case 0x8b:
		return modrm_mov(in, m, true, false);
	case 0xc6:
		return imm_mov(in, m, true);
	case 0xc7:
		return imm_mov(in, m, false);
	case 0xa1:
	case 0xa3:
		m->size = x86_opsize(in);
		m->read = in->opcode == 0xa1;
		m->reg = 0;
		return 0;
	}
	return -EOPNOTSUPP;
}

int ioreq_mov_decode(const struct x86_insn *in, struct ioreq_mov *m)
{
	int rc;

	m->imm = 0;
	m->cmp = false;
	m->sign = false;
	m->reg_size = 0;
	rc = decode_one(in, m);
	if (!rc && !m->reg_size)
		m->reg_size = m->size;
	return rc;
}

u64 ioreq_read_result(const struct ioreq_mov *m, u64 old, u64 data)
{
	u64 v = data & size_mask(m->size), sign = 1UL << (8 * m->size - 1);

	if (m->sign && (v & sign))
		v |= ~size_mask(m->size);
	return ioreq_merge(old, v, m->reg_size);
}

#define FLAGS_ARITH 0x8d5u /* CF, PF, AF, ZF, SF, OF */

u64 ioreq_cmp_flags(u64 rflags, u64 mem, u64 imm, unsigned int size)
{
	u64 mask = size_mask(size), sign = 1UL << (8 * size - 1);
	u64 a = mem & mask, b = imm & mask, res = (a - b) & mask, f = 0;

	f |= a < b ? 1u << 0 : 0;
	f |= __builtin_parity((unsigned int)(res & 0xff)) ? 0 : 1u << 2;
	f |= (a ^ b ^ res) & 0x10;
	f |= res == 0 ? 1u << 6 : 0;
	f |= res & sign ? 1u << 7 : 0;
	f |= ((a ^ b) & (a ^ res) & sign) ? 1u << 11 : 0;
	return (rflags & ~(u64)FLAGS_ARITH) | f;
}

enum ioreq_step ioreq_step(unsigned int last, unsigned int state)
{
	if (state == STATE_IORESP_READY)
		return IOREQ_ANSWERED;
	if (state == STATE_IOREQ_NONE)
		return IOREQ_DROPPED;
	if (state > STATE_IORESP_READY || state < last)
		return IOREQ_BAD;
	return IOREQ_WAIT;
}

u64 ioreq_merge(u64 old, u64 data, unsigned int size)
{
	u64 mask = size_mask(size);

	return size == 4 ? (u32)data : (old & ~mask) | (data & mask);
}

#define PCI_CONF_DATA 0xcfc
#define CF8_ENABLED 0x80000000u

bool ioreq_pci_config_addr(u32 cf8, u16 port, u64 *addr)
{
	u64 sbdf = (cf8 >> 8) & 0xffff; /* bus 23:16, device 15:11, function 10:8 */

	if ((port & ~3u) != PCI_CONF_DATA || !(cf8 & CF8_ENABLED))
		return false;
	*addr = sbdf << 32 | (cf8 & 0xfc) | (port & 3u);
	return true;
}

#define PAGE_BYTES 4096u

/* Segment overrides and the address-size prefix; false when @c is neither nor another legacy prefix. */
static bool string_prefix(u8 c, struct ioreq_string *s, unsigned int def, bool *addr_override)
{
	static const u8 seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

	for (unsigned int i = 0; i < ARRAY_SIZE(seg_prefix); i++)
		if (c == seg_prefix[i]) {
			/*
			 * In 64-bit mode only FS and GS have a base; SS is kept
			 * for the fault a non-canonical address raises (#SS).
			 */
			if (def != 8 || i >= X86_SEG_FS || i == X86_SEG_SS)
				s->seg = (enum x86_seg)i;
			return true;
		}
	switch (c) {
	case 0x67:
		*addr_override = true;
		return true;
	case 0xf2:
	case 0xf3:
		s->rep = true;
		return true;
	case 0x66:
		s->opsize = true;
		return true;
	case 0xf0:
		return true;
	}
	return false;
}

static bool string_opcode(u8 op)
{
	return (op & 0xfc) == 0x6c || (op & 0xfe) == 0xa4 || (op & 0xfe) == 0xaa;
}

/* The default segment of the instruction's first memory operand. */
static enum x86_seg string_seg(u8 op, enum x86_seg override)
{
	if (op <= 0x6d || op >= 0xaa)
		return X86_SEG_ES;
	return override == X86_SEG_NONE ? X86_SEG_DS : override;
}

static unsigned int string_size(u8 op, bool opsize, bool rex_w)
{
	if (!(op & 1))
		return 1;
	return rex_w ? 8 : opsize ? 2 : 4;
}

int ioreq_string_decode(const u8 *b, unsigned int n, unsigned int addr_bytes,
			struct ioreq_string *s)
{
	bool addr_override = false, rex_w = false;
	unsigned int i = 0;

	s->seg = X86_SEG_NONE;
	s->rep = false;
	s->opsize = false;
	while (i < n && i < X86_INSN_MAX && string_prefix(b[i], s, addr_bytes, &addr_override))
		i++;
	if (addr_bytes == 8 && i < n && (b[i] & 0xf0) == 0x40)
		rex_w = b[i++] & 8; /* the operand size of INS/OUTS stays at most 4 */
	if (i >= n || i >= X86_INSN_MAX || !string_opcode(b[i]))
		return -EINVAL;
	s->opcode = b[i];
	s->seg = string_seg(b[i], s->seg);
	s->size = string_size(b[i], s->opsize, rex_w);
	if (addr_override)
		addr_bytes = addr_bytes == 2 ? 4 : addr_bytes == 4 ? 2 : 4;
	s->addr_bytes = addr_bytes;
	s->len = i + 1;
	return 0;
}

unsigned long ioreq_string_count(unsigned long reps, unsigned int off, unsigned int size, bool df)
{
	unsigned long fit;

	off &= PAGE_BYTES - 1;
	fit = df ? ((off + size - 1) & (PAGE_BYTES - 1)) / size : (PAGE_BYTES - off) / size;
	if (fit > reps)
		fit = reps;
	return fit ? fit : 1;
}

u64 ioreq_addr_reg(u64 old, s64 inc, unsigned int addr_bytes, bool long_mode)
{
	u64 mask = size_mask(addr_bytes);

	if (addr_bytes == 8)
		return old + (u64)inc;
	if (long_mode)
		return (old + (u64)inc) & mask;
	return (old & ~mask) | ((old + (u64)inc) & mask);
}

#define BUF_ADDR_LIMIT (1u << 20)

unsigned int ioreq_buf_pack(unsigned int type, u64 addr, unsigned int size, u64 data,
			    struct buf_ioreq slot[2])
{
	unsigned int code = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : 4;

	if (addr >= BUF_ADDR_LIMIT || code > 3)
		return 0;
	memset(slot, 0, 2 * sizeof(*slot));
	slot[0].type = (u8)type;
	slot[0].dir = IOREQ_WRITE;
	slot[0].size = code;
	slot[0].addr = (u32)addr;
	slot[0].data = (u32)data;
	if (size != 8)
		return 1;
	slot[1] = slot[0];
	slot[1].data = (u32)(data >> 32);
	return 2;
}

bool ioreq_ring_room(u32 rd, u32 wr, unsigned int n)
{
	return wr - rd < IOREQ_BUFFER_SLOT_NUM - (n - 1);
}

u64 ioreq_ring_canonical(u64 pointers)
{
	u32 rd = (u32)pointers, wr = (u32)(pointers >> 32);
	u32 turns = rd / IOREQ_BUFFER_SLOT_NUM;

	rd -= turns * IOREQ_BUFFER_SLOT_NUM;
	wr -= turns * IOREQ_BUFFER_SLOT_NUM;
	return (u64)wr << 32 | rd;
}

/* The segment can be used for a read or a write at all. */
static bool seg_usable(u16 attr, bool write)
{
	if (!(attr & SEG_ATTR_P) || !(attr & SEG_ATTR_S))
		return false;
	if (attr & SEG_ATTR_CODE)
		return !write && (attr & SEG_ATTR_WRITABLE);
	return !write || (attr & SEG_ATTR_WRITABLE);
}

u64 ioreq_seg_room(u16 attr, u32 limit, u64 off, unsigned int size, bool write, bool df)
{
	u64 lo = 0, hi = limit, last = off + size - 1;

	if (!seg_usable(attr, write))
		return 0;
	if (!(attr & SEG_ATTR_CODE) && (attr & SEG_ATTR_EXPAND_DOWN)) {
		lo = (u64)limit + 1;
		hi = (attr & SEG_ATTR_DB) ? 0xffffffffUL : 0xffffUL;
	}
	if (off < lo || last > hi)
		return 0;
	return df ? (off - lo) / size + 1 : (hi - last) / size + 1;
}

u64 ioreq_string_wrap(u64 off, u64 mask, unsigned int size, bool df)
{
	u64 before;

	if (!df && off + size - 1 > mask)
		return 1;
	before = df ? off / size : (mask - (off + size - 1)) / size;
	return before == ~0UL ? before : before + 1; /* a 64-bit byte count stays at 2^64 - 1 */
}

#define CANON_LOW_END 0x00007fffffffffffUL
#define CANON_HIGH_START 0xffff800000000000UL

u64 ioreq_canonical_room(u64 va, unsigned int size, bool df)
{
	u64 last = va + size - 1;

	if (last < va)
		return 1; /* the last bytes of the upper half and the first of the lower */
	if (last <= CANON_LOW_END)
		return df ? va / size + 1 : (CANON_LOW_END - last) / size + 1;
	if (va < CANON_HIGH_START)
		return 0;
	return df ? (va - CANON_HIGH_START) / size + 1 : (~0UL - last) / size + 1;
}

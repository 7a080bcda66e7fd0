/*
 * ioreq forwarding rules: xen/arch/x86/hvm/ioreq_rules.c (included below),
 * fed by the shared decoder. Which mov forms go to a server and with what
 * size, register and immediate; the slot's state steps; where a read lands.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../xen/arch/x86/hvm/ioreq_rules.c"

#define B(...) ((const u8[]){ __VA_ARGS__ }), sizeof((const u8[]){ __VA_ARGS__ })

/* Decode @b as @mode_bytes code and run the rule: its return value, @m filled. */
static int mov_of(const u8 *b, unsigned int n, unsigned int mode_bytes, struct ioreq_mov *m)
{
	struct x86_insn in;

	assert_int_equal(x86_decode_mode(b, n, mode_bytes, &in), 0);
	return ioreq_mov_decode(&in, m);
}

static void test_register_forms(void **state)
{
	struct ioreq_mov m;

	(void)state;
	/* mov %ecx, 0xfe000020 */
	assert_int_equal(mov_of(B(0x89, 0x0d, 0x20, 0, 0, 0xfe), 4, &m), 0);
	assert_int_equal(m.size, 4);
	assert_false(m.read);
	assert_int_equal(m.reg, 1);
	/* mov 0xfe000020, %edx */
	assert_int_equal(mov_of(B(0x8b, 0x15, 0x20, 0, 0, 0xfe), 4, &m), 0);
	assert_true(m.read);
	assert_int_equal(m.reg, 2);
	/* 16-bit and 64-bit operands; REX.R reaches r8-r15. */
	assert_int_equal(mov_of(B(0x66, 0x8b, 0x03), 8, &m), 0);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.reg, 0);
	assert_int_equal(mov_of(B(0x4c, 0x89, 0x07), 8, &m), 0);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.reg, 8);
	/* mov %bl, (%rdi); %ah is not forwarded; with REX, register 4 is %spl. */
	assert_int_equal(mov_of(B(0x88, 0x1f), 8, &m), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.reg, 3);
	assert_int_equal(mov_of(B(0x88, 0x27), 8, &m), -EOPNOTSUPP);
	assert_int_equal(mov_of(B(0x40, 0x88, 0x27), 8, &m), 0);
	assert_int_equal(m.reg, 4);
	/* mov (%rcx), %al (OVMF's MmioRead8): a byte read; %ah again not forwarded. */
	assert_int_equal(mov_of(B(0x8a, 0x01), 8, &m), 0);
	assert_true(m.read);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.reg_size, 1);
	assert_int_equal(m.reg, 0);
	assert_int_equal(ioreq_read_result(&m, 0x1122334455667788UL, ~0UL), 0x11223344556677ffUL);
	assert_int_equal(mov_of(B(0x8a, 0x21), 8, &m), -EOPNOTSUPP);
	/* Register to register is no memory access. */
	assert_int_equal(mov_of(B(0x89, 0xc8), 8, &m), -EOPNOTSUPP);
}

static void test_immediate_and_moffs(void **state)
{
	struct ioreq_mov m;

	(void)state;
	/* movl $0xdeadbeef, 0xfe000010 */
	assert_int_equal(mov_of(B(0xc7, 0x05, 0x10, 0, 0, 0xfe, 0xef, 0xbe, 0xad, 0xde), 4, &m), 0);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.reg, -1);
	assert_int_equal(m.imm, 0xdeadbeef);
	/* movb $0x42, (%rax); movw $-1, (%rax) is cut to 16 bits. */
	assert_int_equal(mov_of(B(0xc6, 0x00, 0x42), 8, &m), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.imm, 0x42);
	assert_int_equal(mov_of(B(0x66, 0xc7, 0x00, 0xff, 0xff), 8, &m), 0);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.imm, 0xffff);
	/* C7 with a ModRM reg field other than 0 is not a mov. */
	assert_int_equal(mov_of(B(0xc7, 0x08, 1, 2, 3, 4), 8, &m), -EOPNOTSUPP);
	/* mov 0xfe000010, %eax and back. */
	assert_int_equal(mov_of(B(0xa1, 0x10, 0, 0, 0xfe), 4, &m), 0);
	assert_true(m.read);
	assert_int_equal(m.reg, 0);
	assert_int_equal(mov_of(B(0xa3, 0x10, 0, 0, 0xfe), 4, &m), 0);
	assert_false(m.read);
}

static void test_cmp_forms(void **state)
{
	struct ioreq_mov m;

	(void)state;
	/* cmpw $0x8086, 0xfed00002 (hvmloader's HPET probe) */
	assert_int_equal(mov_of(B(0x66, 0x81, 0x3d, 2, 0, 0xd0, 0xfe, 0x86, 0x80), 4, &m), 0);
	assert_true(m.cmp && m.read);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.reg, -1);
	assert_int_equal(m.imm, 0x8086);
	/* cmpl $-1, (%rax): the imm8 sign-extended, cut to 32 bits; cmpb $7, (%rax) */
	assert_int_equal(mov_of(B(0x83, 0x38, 0xff), 8, &m), 0);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.imm, 0xffffffff);
	assert_int_equal(mov_of(B(0x80, 0x38, 7), 8, &m), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.imm, 7);
	/* Group 1 other than /7 (add, or, ...) is not forwarded; nor is a register operand. */
	assert_int_equal(mov_of(B(0x83, 0x00, 1), 8, &m), -EOPNOTSUPP);
	assert_int_equal(mov_of(B(0x81, 0xf8, 1, 0, 0, 0), 8, &m), -EOPNOTSUPP);
	/* A mov is no cmp. */
	assert_int_equal(mov_of(B(0x8b, 0x03), 8, &m), 0);
	assert_false(m.cmp);
}

/* The host's own cmp at @size gives the flags ioreq_cmp_flags must give (lahf, seto). */
static u64 host_cmp_flags(u64 a, u64 b, unsigned int size)
{
	u64 ax;

	switch (size) {
	case 1:
		__asm__("cmpb %b2, %b1\n\tlahf\n\tseto %%al" : "=a"(ax) : "c"(a), "d"(b) : "cc");
		break;
	case 2:
		__asm__("cmpw %w2, %w1\n\tlahf\n\tseto %%al" : "=a"(ax) : "c"(a), "d"(b) : "cc");
		break;
	case 4:
		__asm__("cmpl %k2, %k1\n\tlahf\n\tseto %%al" : "=a"(ax) : "c"(a), "d"(b) : "cc");
		break;
	default:
		__asm__("cmpq %2, %1\n\tlahf\n\tseto %%al" : "=a"(ax) : "c"(a), "d"(b) : "cc");
	}
	return ((ax >> 8) & 0xd5) | ((ax & 1) << 11);
}

static void test_cmp_flags(void **state)
{
	static const u64 vals[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x8086, 0xffff,
				    0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000UL,
				    ~0UL, 0x1234567890abcdefUL };
	static const unsigned int sizes[] = { 1, 2, 4, 8 };

	(void)state;
	for (unsigned int s = 0; s < 4; s++)
		for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++)
			for (unsigned int j = 0; j < ARRAY_SIZE(vals); j++) {
				u64 want = host_cmp_flags(vals[i], vals[j], sizes[s]);
				u64 got = ioreq_cmp_flags(0x202, vals[i], vals[j], sizes[s]);

				if ((got & FLAGS_ARITH) != want || (got & ~(u64)FLAGS_ARITH) != 0x202)
					fail_msg("cmp size %u %#lx, %#lx: %#lx, want %#lx", sizes[s],
						 (unsigned long)vals[i], (unsigned long)vals[j],
						 (unsigned long)got, (unsigned long)want);
			}
}

static void test_extending_forms(void **state)
{
	struct ioreq_mov m;

	(void)state;
	/* movzwl (%ecx), %edx (hvmloader's TPM probe): a word read, 32 bits written. */
	assert_int_equal(mov_of(B(0x0f, 0xb7, 0x11), 4, &m), 0);
	assert_true(m.read);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.reg_size, 4);
	assert_int_equal(m.reg, 2);
	assert_int_equal(ioreq_read_result(&m, ~0UL, 0xffffffff), 0xffff);
	/* movsbw (%rax), %sp: register 4 is no byte register here; the upper bits stay. */
	assert_int_equal(mov_of(B(0x66, 0x0f, 0xbe, 0x20), 8, &m), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.reg_size, 2);
	assert_int_equal(m.reg, 4);
	assert_int_equal(ioreq_read_result(&m, 0x1234567890abcdefUL, 0x80), 0x1234567890abff80UL);
	/* movsbq and movzbq: 64 bits written */
	assert_int_equal(mov_of(B(0x48, 0x0f, 0xbe, 0x00), 8, &m), 0);
	assert_int_equal(ioreq_read_result(&m, 0, 0xfe), ~1UL);
	assert_int_equal(mov_of(B(0x48, 0x0f, 0xb6, 0x00), 8, &m), 0);
	assert_int_equal(ioreq_read_result(&m, ~0UL, 0xfe), 0xfe);
	/* A plain mov merges by its own size. */
	assert_int_equal(mov_of(B(0x66, 0x8b, 0x03), 8, &m), 0);
	assert_int_equal(ioreq_read_result(&m, 0x1111111111111111UL, 0xabcd), 0x111111111111abcdUL);
	/* From a register is no memory access. */
	assert_int_equal(mov_of(B(0x0f, 0xb6, 0xc1), 8, &m), -EOPNOTSUPP);
}

static void test_other_instructions(void **state)
{
	struct ioreq_mov m;
	struct x86_insn in = { 0 };

	(void)state;
	in.opcode = 0x01; /* add: decoded elsewhere, never forwarded */
	in.has_modrm = true;
	assert_int_equal(ioreq_mov_decode(&in, &m), -EOPNOTSUPP);
}

static void test_steps(void **state)
{
	(void)state;
	assert_int_equal(ioreq_step(STATE_IOREQ_READY, STATE_IOREQ_READY), IOREQ_WAIT);
	assert_int_equal(ioreq_step(STATE_IOREQ_READY, STATE_IOREQ_INPROCESS), IOREQ_WAIT);
	assert_int_equal(ioreq_step(STATE_IOREQ_READY, STATE_IORESP_READY), IOREQ_ANSWERED);
	assert_int_equal(ioreq_step(STATE_IOREQ_INPROCESS, STATE_IORESP_READY), IOREQ_ANSWERED);
	assert_int_equal(ioreq_step(STATE_IOREQ_INPROCESS, STATE_IOREQ_NONE), IOREQ_DROPPED);
	/* Backwards, or not a state. */
	assert_int_equal(ioreq_step(STATE_IOREQ_INPROCESS, STATE_IOREQ_READY), IOREQ_BAD);
	for (unsigned int st = 4; st < 16; st++)
		assert_int_equal(ioreq_step(STATE_IOREQ_READY, st), IOREQ_BAD);
}

static void test_merge(void **state)
{
	(void)state;
	assert_int_equal(ioreq_merge(0x1111222233334444UL, 0xabcd, 1), 0x11112222333344cdUL);
	assert_int_equal(ioreq_merge(0x1111222233334444UL, 0xabcd, 2), 0x111122223333abcdUL);
	assert_int_equal(ioreq_merge(0x1111222233334444UL, 0xffffffffabcdUL, 4), 0xffffabcdUL);
	assert_int_equal(ioreq_merge(1, 0x8877665544332211UL, 8), 0x8877665544332211UL);
}

static void test_pci_config_addr(void **state)
{
	u64 addr = 0;

	(void)state;
	/* Bus 0, device 3, function 0, register 0x10: data ports give the byte offset. */
	assert_true(ioreq_pci_config_addr(0x80001810u, 0xcfc, &addr));
	assert_int_equal(addr, 0x0000001800000010UL);
	assert_true(ioreq_pci_config_addr(0x80001810u, 0xcfe, &addr));
	assert_int_equal(addr, 0x0000001800000012UL);
	assert_true(ioreq_pci_config_addr(0x80001810u, 0xcff, &addr));
	assert_int_equal(addr, 0x0000001800000013UL);
	/* Bus 0x12, device 31, function 7, register 0xfc; the low two bits of 0xCF8 are ignored. */
	assert_true(ioreq_pci_config_addr(0x8012ffffu, 0xcfd, &addr));
	assert_int_equal(addr, 0x000012ff000000fdUL);
	/* Bits 30:24 (reserved, or AMD's extended register bits) stay out of the address. */
	assert_true(ioreq_pci_config_addr(0xff001810u, 0xcfc, &addr));
	assert_int_equal(addr, 0x0000001800000010UL);
	/* Disabled, or not a data port: a plain port access. */
	addr = 7;
	assert_false(ioreq_pci_config_addr(0x00001810u, 0xcfc, &addr));
	assert_false(ioreq_pci_config_addr(0x80001810u, 0xcf8, &addr));
	assert_false(ioreq_pci_config_addr(0x80001810u, 0xcfb, &addr));
	assert_false(ioreq_pci_config_addr(0x80001810u, 0xd00, &addr));
	assert_false(ioreq_pci_config_addr(0x80001810u, 0x1cfc, &addr));
	assert_int_equal(addr, 7);
}

static void test_string_decode(void **state)
{
	struct ioreq_string st;

	(void)state;
	/* rep outsw in 32-bit code: DS, 4-byte addresses. */
	assert_int_equal(ioreq_string_decode(B(0xf3, 0x66, 0x6f), 4, &st), 0);
	assert_int_equal(st.len, 3);
	assert_int_equal(st.addr_bytes, 4);
	assert_int_equal(st.seg, X86_SEG_DS);
	assert_true(st.rep);
	/* insb: always ES; an override does not move INS's operand. */
	assert_int_equal(ioreq_string_decode(B(0x64, 0x6c), 4, &st), 0);
	assert_int_equal(st.seg, X86_SEG_ES);
	assert_false(st.rep);
	/* outsb with FS in 32-bit code; with ES or DS in 64-bit code it stays DS, SS stays SS. */
	assert_int_equal(ioreq_string_decode(B(0x64, 0x6e), 4, &st), 0);
	assert_int_equal(st.seg, X86_SEG_FS);
	assert_int_equal(ioreq_string_decode(B(0x26, 0x6e), 8, &st), 0);
	assert_int_equal(st.seg, X86_SEG_DS);
	assert_int_equal(ioreq_string_decode(B(0x36, 0x6e), 8, &st), 0);
	assert_int_equal(st.seg, X86_SEG_SS);
	assert_int_equal(ioreq_string_decode(B(0x65, 0x6e), 8, &st), 0);
	assert_int_equal(st.seg, X86_SEG_GS);
	/* 0x67: 32 <-> 16 outside 64-bit mode, 64 -> 32 in it; REX last in 64-bit code. */
	assert_int_equal(ioreq_string_decode(B(0x67, 0xf3, 0x6e), 4, &st), 0);
	assert_int_equal(st.addr_bytes, 2);
	assert_int_equal(ioreq_string_decode(B(0x67, 0x6d), 2, &st), 0);
	assert_int_equal(st.addr_bytes, 4);
	assert_int_equal(ioreq_string_decode(B(0xf2, 0x67, 0x48, 0x6f), 8, &st), 0);
	assert_int_equal(st.addr_bytes, 4);
	assert_int_equal(st.len, 4);
	assert_true(st.rep);
	assert_int_equal(ioreq_string_decode(B(0x6f), 2, &st), 0);
	assert_int_equal(st.addr_bytes, 2);
	/* MOVS: the source's segment (DS or the override), the element size. */
	assert_int_equal(ioreq_string_decode(B(0xf3, 0x64, 0xa4), 4, &st), 0);
	assert_int_equal(st.seg, X86_SEG_FS);
	assert_int_equal(st.size, 1);
	assert_int_equal(st.opcode, 0xa4);
	assert_int_equal(ioreq_string_decode(B(0xf3, 0x48, 0xa5), 8, &st), 0);
	assert_int_equal(st.seg, X86_SEG_DS);
	assert_int_equal(st.size, 8);
	assert_int_equal(ioreq_string_decode(B(0x66, 0xa5), 4, &st), 0);
	assert_int_equal(st.size, 2);
	/* STOS: always ES; 4 bytes by default. */
	assert_int_equal(ioreq_string_decode(B(0xf3, 0x65, 0xab), 8, &st), 0);
	assert_int_equal(st.seg, X86_SEG_ES);
	assert_int_equal(st.size, 4);
	assert_true(st.rep);
	/* Not a string move (CMPS), a REX outside 64-bit mode, bytes that end early. */
	assert_int_equal(ioreq_string_decode(B(0xf3, 0xa6), 8, &st), -EINVAL);
	assert_int_equal(ioreq_string_decode(B(0x48, 0x6f), 4, &st), -EINVAL);
	assert_int_equal(ioreq_string_decode(B(0xf3, 0x66), 4, &st), -EINVAL);
}

/* Attributes: present, S, data RW (0x93) or RO (0x91), code RX (0x9b) or X (0x99), DB. */
#define DATA_RW 0x93
#define DATA_RO 0x91
#define CODE_RX 0x9b
#define CODE_X 0x99
#define DATA_DOWN (DATA_RW | SEG_ATTR_EXPAND_DOWN)

static void test_seg_room(void **state)
{
	(void)state;
	/* Expand-up: offsets 0..limit, counted to the limit (up) or to 0 (down). */
	assert_int_equal(ioreq_seg_room(DATA_RW, 15, 12, 1, true, false), 4);
	assert_int_equal(ioreq_seg_room(DATA_RW, 15, 16, 1, true, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_RW, 15, 14, 2, true, false), 1);
	assert_int_equal(ioreq_seg_room(DATA_RW, 15, 15, 2, true, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_RW, 15, 12, 4, true, true), 4);
	assert_int_equal(ioreq_seg_room(DATA_RW, 0xffffffff, 0xfffffffc, 4, true, false), 1);
	/* Expand-down: offsets above the limit, to 0xFFFF or 0xFFFFFFFF by D/B. */
	assert_int_equal(ioreq_seg_room(DATA_DOWN, 0xfff, 0xfff, 1, true, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_DOWN, 0xfff, 0x1000, 1, true, true), 1);
	assert_int_equal(ioreq_seg_room(DATA_DOWN, 0xfff, 0xfffe, 1, true, false), 2);
	assert_int_equal(ioreq_seg_room(DATA_DOWN, 0xfff, 0xffff, 2, true, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_DOWN | SEG_ATTR_DB, 0xfff, 0xffff, 2, true, false),
			 0x7fff8000);
	/* The type: writes need writable data, reads data or readable code. */
	assert_int_equal(ioreq_seg_room(DATA_RO, 15, 0, 1, true, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_RO, 15, 0, 1, false, false), 16);
	assert_int_equal(ioreq_seg_room(CODE_RX, 15, 0, 1, false, false), 16);
	assert_int_equal(ioreq_seg_room(CODE_RX, 15, 0, 1, true, false), 0);
	assert_int_equal(ioreq_seg_room(CODE_X, 15, 0, 1, false, false), 0);
	/* Not present, or a system segment: never. */
	assert_int_equal(ioreq_seg_room(DATA_RW & ~SEG_ATTR_P, 15, 0, 1, false, false), 0);
	assert_int_equal(ioreq_seg_room(DATA_RW & ~SEG_ATTR_S, 15, 0, 1, false, false), 0);
}

static void test_string_wrap(void **state)
{
	(void)state;
	assert_int_equal(ioreq_string_wrap(0xfffe, 0xffff, 1, false), 2);
	assert_int_equal(ioreq_string_wrap(0xfffc, 0xffff, 4, false), 1);
	assert_int_equal(ioreq_string_wrap(0xfffe, 0xffff, 4, false), 1);
	assert_int_equal(ioreq_string_wrap(0, 0xffff, 2, false), 0x8000);
	assert_int_equal(ioreq_string_wrap(3, 0xffff, 1, true), 4);
	assert_int_equal(ioreq_string_wrap(8, 0xffffffff, 4, true), 3);
	assert_int_equal(ioreq_string_wrap(0xfffffff0, 0xffffffff, 4, false), 4);
	/* 64-bit addresses: the count saturates instead of wrapping to 0. */
	assert_true(ioreq_string_wrap(0, ~0UL, 1, false) == ~0UL);
	assert_true(ioreq_string_wrap(~0UL, ~0UL, 1, true) == ~0UL);
	assert_true(ioreq_string_wrap(0, ~0UL, 4, false) == (~0UL - 3) / 4 + 1);
	assert_int_equal(ioreq_string_wrap(~0UL, ~0UL, 1, false), 1);
}

static void test_string_count(void **state)
{
	(void)state;
	/* Upwards: what fits before the page end. */
	assert_int_equal(ioreq_string_count(3, 0, 2, false), 3);
	assert_int_equal(ioreq_string_count(5, 0xff8, 4, false), 2);
	assert_int_equal(ioreq_string_count(100000, 0, 1, false), 4096);
	assert_int_equal(ioreq_string_count(100000, 0, 4, false), 1024);
	/* An element across the page end goes alone. */
	assert_int_equal(ioreq_string_count(10, 0xffe, 4, false), 1);
	/* Downwards, Xen's count: from the first element's last byte back to the page start. */
	assert_int_equal(ioreq_string_count(4, 3, 1, true), 3);
	assert_int_equal(ioreq_string_count(10, 8, 4, true), 2);
	assert_int_equal(ioreq_string_count(2000, 0xffc, 4, true), 1023);
	assert_int_equal(ioreq_string_count(10, 0, 4, true), 1);
	assert_int_equal(ioreq_string_count(2, 0x800, 2, true), 2);
	/* The page offset alone matters. */
	assert_int_equal(ioreq_string_count(5, 0x1ff8, 4, false), 2);
}

static void test_addr_reg(void **state)
{
	(void)state;
	assert_int_equal(ioreq_addr_reg(0x102000, 6, 8, true), 0x102006);
	assert_int_equal(ioreq_addr_reg(0, -1, 8, true), ~0UL);
	/* 32-bit in 64-bit mode: zero-extended; outside it the upper half stays. */
	assert_int_equal(ioreq_addr_reg(0x12345678ffffffffUL, 1, 4, true), 0);
	assert_int_equal(ioreq_addr_reg(0x12345678ffffffffUL, 1, 4, false), 0x1234567800000000UL);
	/* 16-bit: only the low word, wrapping. */
	assert_int_equal(ioreq_addr_reg(0xabcd0001UL, -2, 2, false), 0xabcdffffUL);
	assert_int_equal(ioreq_addr_reg(0xabcdfffeUL, 4, 2, false), 0xabcd0002UL);
}

static void test_buf_pack(void **state)
{
	struct buf_ioreq b[2];
	u64 raw;

	(void)state;
	/* movw $0x2233, 0xa0010: type COPY, write, size code 1, 20-bit address. */
	assert_int_equal(ioreq_buf_pack(IOREQ_TYPE_COPY, 0xa0010, 2, 0x2233, b), 1);
	memcpy(&raw, &b[0], 8);
	assert_int_equal(raw, 0x00002233a0010401UL);
	assert_int_equal(b[0].size, 1);
	assert_int_equal(b[0].dir, IOREQ_WRITE);
	/* 8 bytes: two slots, the high half in the second. */
	assert_int_equal(ioreq_buf_pack(IOREQ_TYPE_TIMEOFFSET, 0, 8, 0x1122334455667788UL, b), 2);
	assert_int_equal(b[0].size, 3);
	assert_int_equal(b[0].data, 0x55667788);
	assert_int_equal(b[1].size, 3);
	assert_int_equal(b[1].data, 0x11223344);
	assert_int_equal(b[1].type, IOREQ_TYPE_TIMEOFFSET);
	/* Beyond 1 MiB, or an odd size: not expressible. */
	assert_int_equal(ioreq_buf_pack(IOREQ_TYPE_COPY, 0x100000, 1, 0, b), 0);
	assert_int_equal(ioreq_buf_pack(IOREQ_TYPE_COPY, 0xa0000, 3, 0, b), 0);
	assert_int_equal(ioreq_buf_pack(IOREQ_TYPE_PIO, 0xfffff, 4, 0xdeadbeef, b), 1);
	assert_int_equal(b[0].addr, 0xfffff);
}

static void test_ring(void **state)
{
	(void)state;
	/* 511 slots: room while fewer are in use, one less for a two-slot write. */
	assert_true(ioreq_ring_room(0, 0, 1));
	assert_true(ioreq_ring_room(0, 510, 1));
	assert_false(ioreq_ring_room(0, 511, 1));
	assert_false(ioreq_ring_room(0, 510, 2));
	assert_true(ioreq_ring_room(0, 509, 2));
	/* The pointers wrap as 32-bit numbers. */
	assert_true(ioreq_ring_room(0xfffffff0u, 0x10, 1));
	assert_false(ioreq_ring_room(0xfffffff0u, 0x1ef, 1));
	/* Whole turns come off both pointers; nothing below one turn. */
	assert_int_equal(ioreq_ring_canonical((u64)601 << 32 | 600), (u64)90 << 32 | 89);
	assert_int_equal(ioreq_ring_canonical((u64)1100 << 32 | 1022), (u64)78 << 32 | 0);
	assert_int_equal(ioreq_ring_canonical((u64)600 << 32 | 510), (u64)600 << 32 | 510);
}

static void test_canonical_room(void **state)
{
	(void)state;
	/* The lower half: up to its end, or down to 0. */
	assert_int_equal(ioreq_canonical_room(0x7ffffffffff0UL, 4, false), 4);
	assert_int_equal(ioreq_canonical_room(0x7ffffffffffcUL, 4, false), 1);
	assert_int_equal(ioreq_canonical_room(0x7ffffffffffdUL, 4, false), 0);
	assert_int_equal(ioreq_canonical_room(0x1000, 8, true), 0x201);
	assert_int_equal(ioreq_canonical_room(0, 1, false), 0x800000000000UL);
	/* The hole between the halves. */
	assert_int_equal(ioreq_canonical_room(0x800000000000UL, 1, false), 0);
	assert_int_equal(ioreq_canonical_room(0xffff7ffffffffffcUL, 4, true), 0);
	assert_int_equal(ioreq_canonical_room(0xffff7ffffffffffeUL, 4, false), 0);
	/* The upper half: up to 2^64 - 1, or down to its start. */
	assert_int_equal(ioreq_canonical_room(0xffff800000000000UL, 2, true), 1);
	assert_int_equal(ioreq_canonical_room(0xffff800000000010UL, 4, true), 5);
	assert_int_equal(ioreq_canonical_room(0xfffffffffffffff0UL, 8, false), 2);
	assert_int_equal(ioreq_canonical_room(0xfffffffffffffffeUL, 4, false), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_forms), cmocka_unit_test(test_immediate_and_moffs),
		cmocka_unit_test(test_other_instructions), cmocka_unit_test(test_steps),
		cmocka_unit_test(test_merge), cmocka_unit_test(test_pci_config_addr),
		cmocka_unit_test(test_string_decode), cmocka_unit_test(test_string_count),
		cmocka_unit_test(test_seg_room), cmocka_unit_test(test_string_wrap),
		cmocka_unit_test(test_addr_reg), cmocka_unit_test(test_buf_pack),
		cmocka_unit_test(test_ring), cmocka_unit_test(test_cmp_forms),
		cmocka_unit_test(test_cmp_flags), cmocka_unit_test(test_extending_forms),
		cmocka_unit_test(test_canonical_room),
	};

	return cmocka_run_group_tests_name("ioreq_rules", tests, NULL, NULL);
}

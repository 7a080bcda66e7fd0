/* The shared x86 decoder (xen/common/x86_decode.c): prefixes, REX, ModRM forms, immediates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "types.h"
#include "errno.h"
#include "x86_decode.h"
#include "shim.h"

#define B(...) ((const u8[]){ __VA_ARGS__ }), sizeof((const u8[]){ __VA_ARGS__ })

static struct x86_insn decode_ok(const u8 *b, unsigned int n)
{
	struct x86_insn in;

	assert_int_equal(x86_decode(b, n, &in), 0);
	return in;
}

static void test_string_io_prefixes(void **state)
{
	struct x86_insn in;

	(void)state;
	in = decode_ok(B(0xf3, 0x6d));
	assert_int_equal(in.opcode, 0x6d);
	assert_int_equal(in.rep, 0xf3);
	assert_int_equal(in.len, 2);
	assert_false(in.opsize16 || in.addr32 || in.has_modrm);
	assert_int_equal(in.seg, X86_SEG_NONE);
	assert_int_equal(x86_opsize(&in), 4);

	/* fs, addr32, rep outsb: the order of legacy prefixes does not matter. */
	in = decode_ok(B(0x67, 0x64, 0xf3, 0x6e));
	assert_int_equal(in.opcode, 0x6e);
	assert_true(in.addr32);
	assert_int_equal(in.seg, X86_SEG_FS);
	assert_int_equal(in.len, 4);

	/* rep insw: 0x66 makes it 2 bytes; REX.W overrides 0x66. */
	in = decode_ok(B(0x66, 0xf3, 0x6d));
	assert_int_equal(x86_opsize(&in), 2);
	in = decode_ok(B(0x66, 0x48, 0x6d));
	assert_int_equal(x86_opsize(&in), 8);

	/* The last segment override wins; es/cs/ss/ds map in register order. */
	in = decode_ok(B(0x65, 0x26, 0x6e));
	assert_int_equal(in.seg, X86_SEG_ES);
	in = decode_ok(B(0x2e, 0x6e));
	assert_int_equal(in.seg, X86_SEG_CS);
	in = decode_ok(B(0x36, 0x6e));
	assert_int_equal(in.seg, X86_SEG_SS);
	in = decode_ok(B(0x3e, 0x65, 0x6e));
	assert_int_equal(in.seg, X86_SEG_GS);
	in = decode_ok(B(0xf2, 0xf3, 0x6c));
	assert_int_equal(in.rep, 0xf3);
}

static void test_rex_position(void **state)
{
	struct x86_insn in;

	(void)state;
	/* A REX byte followed by a legacy prefix does not count. */
	in = decode_ok(B(0x48, 0x66, 0x6d));
	assert_int_equal(in.rex, 0);
	assert_int_equal(x86_opsize(&in), 2);
	/* Only the last REX counts. */
	in = decode_ok(B(0x41, 0x48, 0x89, 0x07));
	assert_int_equal(in.rex, 0x48);
	assert_int_equal(in.rm, 7);
}

static void test_in_out_immediates(void **state)
{
	struct x86_insn in;

	(void)state;
	in = decode_ok(B(0xe4, 0x71));
	assert_int_equal(in.imm_len, 1);
	assert_int_equal((u8)in.imm, 0x71);
	assert_int_equal(in.len, 2);
	in = decode_ok(B(0x66, 0xe7, 0x80));
	assert_int_equal(in.len, 3);
	in = decode_ok(B(0xcd, 0x80));
	assert_int_equal((u8)in.imm, 0x80);
	assert_int_equal(in.imm, (s64)(s8)0x80);
	in = decode_ok(B(0xec));
	assert_int_equal(in.len, 1);
}

static void test_two_byte_map(void **state)
{
	struct x86_insn in;

	(void)state;
	/* mov %db7, %rax: mod bits ignored, always a register, no displacement. */
	in = decode_ok(B(0x0f, 0x21, 0x38));
	assert_int_equal(in.opcode, X86_OPC_0F(0x21));
	assert_int_equal(in.mod, 3);
	assert_int_equal(in.reg, 7);
	assert_int_equal(in.rm, 0);
	assert_int_equal(in.len, 3);
	/* REX.R reaches %dr8, REX.B %r9. */
	in = decode_ok(B(0x45, 0x0f, 0x23, 0xc1));
	assert_int_equal(in.reg, 8);
	assert_int_equal(in.rm, 9);
	/* rdtscp: group 7 with mod 3. */
	in = decode_ok(B(0x0f, 0x01, 0xf9));
	assert_int_equal(in.mod, 3);
	assert_int_equal(in.reg, 7);
	assert_int_equal(in.rm, 1);
	/* lgdt disp32(%rip): group 7 memory form. */
	in = decode_ok(B(0x0f, 0x01, 0x15, 1, 2, 3, 4));
	assert_int_equal(in.len, 7);
	in = decode_ok(B(0x0f, 0x06));
	assert_int_equal(in.len, 2);
	in = decode_ok(B(0x0f, 0x31));
	assert_int_equal(in.opcode, X86_OPC_0F(0x31));
}

static void test_modrm_forms(void **state)
{
	struct x86_insn in;

	(void)state;
	in = decode_ok(B(0x48, 0x89, 0x44, 0x24, 0x08)); /* mov %rax,8(%rsp): SIB + disp8 */
	assert_int_equal(in.len, 5);
	in = decode_ok(B(0x48, 0x89, 0x04, 0x25, 1, 2, 3, 4)); /* SIB, no base: disp32 */
	assert_int_equal(in.len, 8);
	in = decode_ok(B(0x48, 0x89, 0x87, 1, 2, 3, 4)); /* disp32 */
	assert_int_equal(in.len, 7);
	/* imm32 sign-extends; with 0x66 (no REX.W) the immediate is 16 bits. */
	in = decode_ok(B(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80));
	assert_int_equal(in.imm, (s64)(s32)0x80000000u);
	in = decode_ok(B(0x66, 0xc7, 0x00, 0xff, 0xff));
	assert_int_equal(in.imm_len, 2);
	assert_int_equal(in.imm, -1);
	assert_int_equal(in.len, 5);
}

/* The byte and word stores of mov (88, 89, c6, c7), as the read-only MMIO path meets them. */
static void test_mov_stores(void **state)
{
	struct x86_insn in;

	(void)state;
	in = decode_ok(B(0x88, 0x04, 0x24)); /* mov %al,(%rsp) */
	assert_int_equal(in.opcode, 0x88);
	assert_int_equal(in.mod, 0);
	assert_int_equal(in.len, 3);
	in = decode_ok(B(0x40, 0x88, 0x77, 0x10)); /* mov %sil,0x10(%rdi) */
	assert_int_equal(in.reg, 6);
	assert_int_equal(in.len, 4);
	in = decode_ok(B(0xc6, 0x47, 0x0c, 0x81)); /* movb $0x81,0xc(%rdi) */
	assert_int_equal(in.opcode, 0xc6);
	assert_int_equal(in.imm_len, 1);
	assert_int_equal((u8)in.imm, 0x81);
	assert_int_equal(in.len, 4);
	/* 0x66 does not widen c6's immediate. */
	in = decode_ok(B(0x66, 0xc6, 0x07, 1));
	assert_int_equal(in.imm_len, 1);
	in = decode_ok(B(0x66, 0x89, 0x47, 0x0c)); /* mov %ax,0xc(%rdi) */
	assert_int_equal(x86_opsize(&in), 2);
	assert_int_equal(in.len, 4);
	in = decode_ok(B(0xc7, 0x47, 0x08, 1, 0, 0, 0)); /* movl $1,8(%rdi) */
	assert_int_equal(in.len, 7);
	in = decode_ok(B(0x48, 0x89, 0x87, 0, 1, 0, 0)); /* mov %rax,0x100(%rdi) */
	assert_int_equal(in.len, 7);
	in = decode_ok(B(0x89, 0xc7)); /* mov %eax,%edi: a register form */
	assert_int_equal(in.mod, 3);
	assert_int_equal(in.len, 2);
	assert_int_equal(x86_decode(B(0xc6, 0x07), &in), -EINVAL);	       /* no immediate */
	assert_int_equal(x86_decode(B(0xc7, 0x47, 0x08, 1, 0), &in), -EINVAL); /* cut short */
	assert_int_equal(x86_decode(B(0x8d, 0x07), &in), -EOPNOTSUPP);	       /* lea */
	in = decode_ok(B(0x8a, 0x01)); /* mov (%rcx),%al: a byte load */
	assert_int_equal(in.len, 2);
}

/* The MMIO loads and stores of the HVM local APIC: mov r32 <- m32, and moffs forms. */
static void test_mov_loads_moffs(void **state)
{
	struct x86_insn in;

	(void)state;
	in = decode_ok(B(0x8b, 0x47, 0x20)); /* mov 0x20(%rdi),%eax */
	assert_int_equal(in.opcode, 0x8b);
	assert_int_equal(in.reg, 0);
	assert_int_equal(in.len, 3);
	in = decode_ok(B(0x44, 0x8b, 0x07)); /* mov (%rdi),%r8d */
	assert_int_equal(in.reg, 8);
	in = decode_ok(B(0xa1, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0)); /* movabs 0xfee00020,%eax */
	assert_int_equal(in.len, 9);
	assert_int_equal((u64)in.imm, 0xfee00020UL);
	in = decode_ok(B(0x67, 0xa3, 0xb0, 0, 0xe0, 0xfe)); /* addr32 mov %eax,0xfee000b0 */
	assert_int_equal(in.len, 6);
	assert_int_equal(x86_decode_mode(B(0xa1, 0x20, 0, 0xe0, 0xfe), 4, &in), 0);
	assert_int_equal(in.len, 5);
	assert_int_equal(x86_decode_mode(B(0x67, 0xa1, 0x20, 0), 4, &in), 0); /* addr16 */
	assert_int_equal(in.len, 4);
	assert_int_equal(x86_decode(B(0xa1, 0x20, 0, 0xe0, 0xfe), &in), -EINVAL); /* cut short */
}

static void test_refused(void **state)
{
	struct x86_insn in;
	u8 prefixes[16];

	(void)state;
	assert_int_equal(x86_decode(B(0x90), &in), -EOPNOTSUPP); /* not a known opcode */
	assert_int_equal(x86_decode(B(0x0f, 0x05), &in), -EOPNOTSUPP);
	assert_int_equal(x86_decode(B(0xf3), &in), -EINVAL);		 /* prefixes only */
	assert_int_equal(x86_decode(B(0x0f), &in), -EINVAL);		 /* half an opcode */
	assert_int_equal(x86_decode(B(0xe4), &in), -EINVAL);		 /* no immediate */
	assert_int_equal(x86_decode(B(0x48, 0x89), &in), -EINVAL);	 /* no ModRM */
	assert_int_equal(x86_decode(B(0x48, 0x89, 0x04), &in), -EINVAL); /* no SIB */
	assert_int_equal(x86_decode(B(0x48, 0x89, 0x80, 1, 2), &in), -EINVAL);
	assert_int_equal(x86_decode(B(0x0f, 0xba, 0x27), &in), -EINVAL);
	/* More than 15 bytes: 15 prefixes leave no room for the opcode. */
	for (unsigned int i = 0; i < 15; i++)
		prefixes[i] = 0x66;
	prefixes[15] = 0xec;
	assert_int_equal(x86_decode(prefixes, 16, &in), -EINVAL);
	assert_int_equal(x86_decode(&prefixes[1], 15, &in), 0);
	assert_int_equal(in.len, 15);
}

/* 32-bit protected mode (HVM guests before long mode): no REX; 0x67 means 16-bit addresses. */
static void test_mode32(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_decode_mode(B(0x0f, 0xa2), 4, &in), 0); /* cpuid */
	assert_int_equal(in.len, 2);
	assert_int_equal(x86_decode_mode(B(0x0f, 0x01, 0xd9), 4, &in), 0); /* vmmcall */
	assert_int_equal(in.len, 3);
	assert_int_equal(in.reg, 3);
	assert_int_equal(in.rm, 1);
	/* mov %eax, %cr0; and 0x41 before it is inc %ecx there, not REX.B */
	assert_int_equal(x86_decode_mode(B(0x0f, 0x22, 0xc0), 4, &in), 0);
	assert_int_equal(in.len, 3);
	assert_int_equal(in.rm, 0);
	assert_int_equal(x86_decode_mode(B(0x41, 0x0f, 0x22, 0xc0), 4, &in), -EOPNOTSUPP);
	assert_int_equal(x86_decode_mode(B(0x41, 0x0f, 0x22, 0xc0), 8, &in), 0);
	assert_int_equal(in.rm, 8);
	/* with 0x67 a memory operand uses 16-bit addressing: mov %eax,(%bx) */
	assert_int_equal(x86_decode_mode(B(0x67, 0x89, 0x07), 4, &in), 0);
	assert_true(in.addr16);
	assert_int_equal(in.len, 3);
	assert_int_equal(x86_decode_mode(B(0x67, 0x89, 0x06, 0x34, 0x12), 4, &in), 0);
	assert_int_equal(in.len, 5); /* mod 0 rm 6: disp16 */
	assert_int_equal(x86_decode_mode(B(0x89, 0x47, 0x08), 4, &in), 0);
	assert_false(in.addr16);
	assert_int_equal(in.len, 3);
}

/*
 * 16-bit code (real mode, vm86, 16-bit protected mode: hvmloader's way into
 * the BIOS, the BIOS itself): 16-bit operands and addresses unless 0x66 and
 * 0x67 say otherwise; ModRM without SIB, disp8 or disp16.
 */
static void test_mode16(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_decode_mode(B(0x0f, 0x22, 0xc0), 2, &in), 0); /* mov %eax,%cr0 */
	assert_int_equal(in.len, 3);
	assert_int_equal(in.rm, 0);
	assert_int_equal(x86_decode_mode(B(0x0f, 0xa2), 2, &in), 0); /* cpuid */
	assert_int_equal(in.len, 2);
	assert_int_equal(x86_decode_mode(B(0xf4), 2, &in), 0); /* hlt */
	assert_int_equal(in.len, 1);
	/* 0x41 is inc %cx, no REX */
	assert_int_equal(x86_decode_mode(B(0x41, 0xf4), 2, &in), -EOPNOTSUPP);
	/* mov %ax,(%si), mov %ax,0x1234, mov %ax,0x12(%bp,%di), mov %ax,0x1234(%bx) */
	assert_int_equal(x86_decode_mode(B(0x89, 0x04), 2, &in), 0);
	assert_true(in.opsize16 && in.addr16);
	assert_int_equal(in.len, 2);
	assert_int_equal(x86_opsize(&in), 2);
	assert_int_equal(x86_decode_mode(B(0x89, 0x06, 0x34, 0x12), 2, &in), 0);
	assert_int_equal(in.len, 4);
	assert_int_equal(x86_decode_mode(B(0x89, 0x43, 0x12), 2, &in), 0);
	assert_int_equal(in.len, 3);
	assert_int_equal(x86_decode_mode(B(0x89, 0x87, 0x34, 0x12), 2, &in), 0);
	assert_int_equal(in.len, 4);
	/* 0x66: 32-bit operand, movl $imm32,(%di) */
	assert_int_equal(x86_decode_mode(B(0x66, 0xc7, 0x05, 1, 2, 3, 4), 2, &in), 0);
	assert_false(in.opsize16);
	assert_int_equal(x86_opsize(&in), 4);
	assert_int_equal(in.len, 7);
	assert_int_equal(in.imm, 0x04030201);
	/* movw $imm16,(%di) */
	assert_int_equal(x86_decode_mode(B(0xc7, 0x05, 0x34, 0x12), 2, &in), 0);
	assert_int_equal(in.len, 4);
	assert_int_equal(in.imm, 0x1234);
	/* 0x67: 32-bit addressing with SIB and disp32: mov %eax,0x10(%eax,%ebx,1) */
	assert_int_equal(x86_decode_mode(B(0x67, 0x66, 0x89, 0x84, 0x18, 0x10, 0, 0, 0), 2, &in),
			 0);
	assert_false(in.addr16);
	assert_int_equal(in.len, 9);
	/* moffs: 2 bytes, 4 with 0x67 */
	assert_int_equal(x86_decode_mode(B(0xa1, 0x04, 0xb0), 2, &in), 0);
	assert_int_equal(in.len, 3);
	assert_int_equal(x86_decode_mode(B(0x67, 0xa1, 0x04, 0xb0, 0, 0), 2, &in), 0);
	assert_int_equal(in.len, 6);
	assert_int_equal(x86_decode_mode(B(0x89, 0x87, 0x34), 2, &in), -EINVAL); /* cut short */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_io_prefixes),
		cmocka_unit_test(test_rex_position),
		cmocka_unit_test(test_in_out_immediates),
		cmocka_unit_test(test_two_byte_map),
		cmocka_unit_test(test_modrm_forms),
		cmocka_unit_test(test_mov_stores),
		cmocka_unit_test(test_mov_loads_moffs),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mode32),
		cmocka_unit_test(test_mode16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

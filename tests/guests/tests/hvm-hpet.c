/*
 * The HPET of an HVM domain with the full emulation set (libxl's type=hvm,
 * 0x3ff; HVM_PARAM_HPET_ENABLED starts at 1): the control domain builds
 * one and its 32-bit code (paging off) reads the capabilities (Xen's
 * 0x8086A201: 3 timers, 64-bit counter, legacy capable; 16e6 fs a tick)
 * and timer 0's (periodic and 64-bit capable, IO-APIC pins 20-23), and
 * the vendor ID with hvmloader's `cmpw` and with movzwl; writes
 * the halted counter and reads it back twice 1 ms apart (unchanged), then
 * enables it and sees it advance; arms timer 2 one-shot in 32-bit mode,
 * asking for pin 5 (not allowed: it reads back 20), and takes exactly one
 * interrupt on IO-APIC pin 20 (vector 0x40, edge) in 20 ms; runs timer 1
 * periodic (SETVAL, then a 5 ms period) on pin 21 and takes 5 interrupts;
 * arms timer 2 level-triggered on pin 22, whose handler sees its bit in the
 * general interrupt status register, clears it (write 1) and sees it clear,
 * and takes exactly one interrupt; then, in legacy replacement mode, runs
 * timer 0 periodic on ISA IRQ 0 (IO-APIC pin 2, vector 0x31) for 3
 * interrupts; halts the HPET and powers off. Then gethvmcontext has Xen's
 * HPET record (code 12, 1048 bytes) with the capabilities, the halted
 * configuration, timer 1's route and period; sethvmcontext takes the
 * stream back, and refuses an HPET record of the wrong length (-EINVAL).
 * Counts only, no timing asserts.
 */
#include "builder.h"
#include "hvm32-asm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

/* The guest's data page (guest-physical 0x101000). */
#define D_ID_LO 0x00	    /* capabilities and ID, low half */
#define D_ID_HI 0x04	    /* the tick period in fs */
#define D_T0CFG_LO 0x08	    /* timer 0's configuration and capabilities */
#define D_T0CFG_HI 0x0c	    /* its allowed routes */
#define D_HALT1 0x10	    /* the halted counter after writing 0x12345 */
#define D_HALT2 0x14	    /* the same 1 ms later */
#define D_RUN1 0x18	    /* the counter once enabled */
#define D_RUN2 0x1c	    /* the same 2 ms later */
#define D_ONESHOT 0x20	    /* interrupts on pin 20 (vector 0x40) */
#define D_PERIODIC 0x24	    /* interrupts on pin 21 (vector 0x41) */
#define D_LEGACY 0x28	    /* interrupts on ISA IRQ 0, pin 2 (vector 0x31) */
#define D_LEVEL 0x2c	    /* interrupts on pin 22, level (vector 0x42) */
#define D_STS_IN 0x30	    /* the status register in the level handler */
#define D_STS_CLR 0x34	    /* the same after writing 1 to bit 2 */
#define D_POWEROFF 0x38	    /* sched_shutdown { poweroff } */
#define D_CRASH 0x3c	    /* sched_shutdown { crash } */
#define D_FAULT 0x40	    /* an exception was taken */
#define D_SPURIOUS 0x44	    /* other vectors */
#define D_ONESHOT_LATE 0x48 /* D_ONESHOT 20 ms after the first */
#define D_T2CFG 0x4c	    /* timer 2's configuration after asking for pin 5 */
#define D_CFG_END 0x50	    /* the general configuration after halting */
#define D_LEVEL_LATE 0x54   /* D_LEVEL 10 ms after the first */
#define D_PROBE_ZF 0x58	    /* ZF of `cmpw $0x8086` on the vendor ID (hvmloader's probe) */
#define D_VENDOR 0x5c	    /* movzwl of the vendor ID */

#define SHUTDOWN_poweroff 0
#define SAVE_HPET 12
#define HPET_RECORD_SIZE 1048

/*
 * A timer's first match, 20 ms of ticks after the counter was read: a
 * 32-bit comparator more than ~1 ms behind the counter when written is
 * taken (on Xen as on Petrel) to mean after the wrap, 68 s on, and a slow
 * emulated machine can spend more than 1 ms between the read and the write.
 */
#define LEAD "1250000"

/* Address of a label of the code once loaded at 1 MiB. */
#define AT(l) "(0x100000 + " #l " - hpet_code_start)"

/* clang-format off */
__asm__(".pushsection .rodata\n"
	".globl hpet_code_start, hpet_code_end\n"
	"hpet_code_start:\n"
	".code32\n"
	HVM32_FLAT_START
	HVM32_IDT_DEFAULTS
	"mov $" AT(h_legacy) ", %eax\n lea (0x800 + 8 * 0x31)(%esi), %edi\n call set_gate\n"
	"mov $" AT(h_oneshot) ", %eax\n lea (0x800 + 8 * 0x40)(%esi), %edi\n call set_gate\n"
	"mov $" AT(h_periodic) ", %eax\n lea (0x800 + 8 * 0x41)(%esi), %edi\n call set_gate\n"
	"mov $" AT(h_level) ", %eax\n lea (0x800 + 8 * 0x42)(%esi), %edi\n call set_gate\n"
	"movw $0x27f, 0x700(%esi)\n movl $0x101800, 0x702(%esi)\n"
	"lidt 0x700(%esi)\n"
	/* The local APIC on, the 8259 pair masked. */
	"movl $0x1ff, 0xfee000f0\n"
	"mov $0xff, %al\n out %al, $0x21\n out %al, $0xa1\n"
	/* Capabilities. */
	"mov 0xfed00000, %eax\n mov %eax, 0x00(%esi)\n"
	"mov 0xfed00004, %eax\n mov %eax, 0x04(%esi)\n"
	"mov 0xfed00100, %eax\n mov %eax, 0x08(%esi)\n"
	"mov 0xfed00104, %eax\n mov %eax, 0x0c(%esi)\n"
	"cmpw $0x8086, 0xfed00002\n sete %al\n movzbl %al, %eax\n mov %eax, 0x58(%esi)\n"
	"mov $-1, %eax\n movzwl 0xfed00002, %eax\n mov %eax, 0x5c(%esi)\n"
	/* The halted counter holds what was written. */
	"movl $0x12345, 0xfed000f0\n movl $0, 0xfed000f4\n"
	"mov 0xfed000f0, %eax\n mov %eax, 0x10(%esi)\n"
	"mov $3580, %ecx\n call pm_wait\n"
	"mov 0xfed000f0, %eax\n mov %eax, 0x14(%esi)\n"
	/* Enabled, it counts. */
	"movl $1, 0xfed00010\n"
	"mov 0xfed000f0, %eax\n mov %eax, 0x18(%esi)\n"
	"mov $7160, %ecx\n call pm_wait\n"
	"mov 0xfed000f0, %eax\n mov %eax, 0x1c(%esi)\n"
	/* IO-APIC pins 20, 21 (edge), 22 (level) and 2 to APIC 0. */
	"movl $0x38, 0xfec00000\n movl $0x40, 0xfec00010\n"
	"movl $0x3a, 0xfec00000\n movl $0x41, 0xfec00010\n"
	"movl $0x3c, 0xfec00000\n movl $0x8042, 0xfec00010\n"
	"movl $0x14, 0xfec00000\n movl $0x31, 0xfec00010\n"
	/* Timer 2 one-shot, 32-bit, asking for pin 5; 1 ms ahead. */
	"movl $0xb04, 0xfed00140\n"
	"mov 0xfed00140, %eax\n mov %eax, 0x4c(%esi)\n"
	"mov 0xfed000f0, %eax\n add $" LEAD ", %eax\n mov %eax, 0xfed00148\n"
	"1: cli\n cmpl $1, 0x20(%esi)\n jae 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n mov $71590, %ecx\n call pm_wait\n cli\n"
	"mov 0x20(%esi), %eax\n mov %eax, 0x48(%esi)\n"
	"movl $0x100, 0xfed00140\n"
	/* Timer 1 periodic on pin 21: SETVAL and the first match, then the 5 ms period. */
	"movl $0x2b4c, 0xfed00120\n"
	"mov 0xfed000f0, %eax\n add $" LEAD ", %eax\n mov %eax, 0xfed00128\n"
	"movl $312500, 0xfed00128\n"
	"3: cli\n cmpl $5, 0x24(%esi)\n jae 4f\n sti\n hlt\n jmp 3b\n"
	"4: movl $0x2b00, 0xfed00120\n"
	/* Timer 2 level-triggered on pin 22, 1 ms ahead. */
	"movl $0x2d06, 0xfed00140\n"
	"mov 0xfed000f0, %eax\n add $" LEAD ", %eax\n mov %eax, 0xfed00148\n"
	"5: cli\n cmpl $1, 0x2c(%esi)\n jae 6f\n sti\n hlt\n jmp 5b\n"
	"6: sti\n mov $35795, %ecx\n call pm_wait\n cli\n"
	"mov 0x2c(%esi), %eax\n mov %eax, 0x54(%esi)\n"
	"movl $0x2d00, 0xfed00140\n"
	/* Legacy replacement: timer 0 periodic at 5 ms on ISA IRQ 0 (pin 2). */
	"movl $3, 0xfed00010\n"
	"movl $0x14c, 0xfed00100\n"
	"mov 0xfed000f0, %eax\n add $" LEAD ", %eax\n mov %eax, 0xfed00108\n"
	"movl $312500, 0xfed00108\n"
	"7: cli\n cmpl $3, 0x28(%esi)\n jae 8f\n sti\n hlt\n jmp 7b\n"
	"8: movl $0x100, 0xfed00100\n"
	"movl $0, 0xfed00010\n"
	"mov 0xfed00010, %eax\n mov %eax, 0x50(%esi)\n"
	/* SCHEDOP_shutdown(poweroff). */
	"mov $29, %eax\n mov $2, %ebx\n mov $0x101038, %ecx\n vmmcall\n"
	"9: hlt\n jmp 9b\n"
	/* Spin until the PM timer (port 0x1F48) has advanced by %ecx counts. */
	"pm_wait:\n"
	"push %eax\n push %ebx\n push %edx\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %ebx\n"
	"10: pause\n in %dx, %eax\n sub %ebx, %eax\n cmp %ecx, %eax\n jb 10b\n"
	"pop %edx\n pop %ebx\n pop %eax\n ret\n"
	HVM32_SET_GATE
	"h_oneshot:\n incl 0x101020\n movl $0, 0xfee000b0\n iret\n"
	"h_periodic:\n incl 0x101024\n movl $0, 0xfee000b0\n iret\n"
	"h_legacy:\n incl 0x101028\n movl $0, 0xfee000b0\n iret\n"
	/* Level: the status bit is up; writing 1 clears it and lowers the pin before the EOI. */
	"h_level:\n push %eax\n"
	"mov 0xfed00020, %eax\n mov %eax, 0x101030\n"
	"movl $4, 0xfed00020\n"
	"mov 0xfed00020, %eax\n mov %eax, 0x101034\n"
	"incl 0x10102c\n movl $0, 0xfee000b0\n pop %eax\n iret\n"
	"h_spurious:\n incl 0x101044\n iret\n"
	"h_fault:\n movl $0xdead, 0x101040\n"
	"mov $29, %eax\n mov $2, %ebx\n mov $0x10103c, %ecx\n vmmcall\n"
	"11: jmp 11b\n"
	".code64\n"
	"hpet_code_end:\n"
	".popsection\n");
/* clang-format on */
extern const uint8_t hpet_code_start[], hpet_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t context[16384] __attribute__((aligned(16)));
static uint8_t stream[2048] __attribute__((aligned(16)));

static uint32_t word(unsigned int off)
{
	return *(volatile uint32_t *)(window + off);
}

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + D_POWEROFF) = SHUTDOWN_poweroff;
	*(uint32_t *)(data + D_CRASH) = SHUTDOWN_crash;
}

static void check_results(void)
{
	uint32_t t2 = word(D_T2CFG);

	xtest_check(word(D_ID_LO) == 0x8086a201 && word(D_ID_HI) == 16000000,
		    "capabilities %#x, tick period %u fs (0x8086a201, 16000000)", word(D_ID_LO),
		    word(D_ID_HI));
	xtest_check(word(D_PROBE_ZF) == 1 && word(D_VENDOR) == 0x8086,
		    "cmpw $0x8086 on the vendor ID: ZF %u; movzwl %#x (0x8086)", word(D_PROBE_ZF),
		    word(D_VENDOR));
	xtest_check(word(D_T0CFG_LO) == 0x30 && word(D_T0CFG_HI) == 0x00f00000,
		    "timer 0 capabilities %#x, routes %#x (0x30, 0xf00000)", word(D_T0CFG_LO),
		    word(D_T0CFG_HI));
	xtest_check(word(D_HALT1) == 0x12345 && word(D_HALT2) == 0x12345,
		    "halted counter %#x, 1 ms later %#x (0x12345)", word(D_HALT1), word(D_HALT2));
	xtest_check(word(D_RUN1) >= 0x12345 && word(D_RUN2) > word(D_RUN1),
		    "running counter %#x, 2 ms later %#x (advancing)", word(D_RUN1), word(D_RUN2));
	xtest_check(((t2 >> 9) & 0x1f) == 20 && (t2 & 0x104) == 0x104,
		    "timer 2 asked for pin 5: configuration %#x (route 20)", t2);
	xtest_check(word(D_ONESHOT) == 1 && word(D_ONESHOT_LATE) == 1,
		    "one-shot on pin 20: %u interrupts, %u after 20 ms more (1)", word(D_ONESHOT),
		    word(D_ONESHOT_LATE));
	xtest_check(word(D_PERIODIC) >= 5, "periodic on pin 21: %u interrupts (>= 5)",
		    word(D_PERIODIC));
	xtest_check(word(D_LEVEL) == 1 && word(D_LEVEL_LATE) == 1,
		    "level on pin 22: %u interrupts, %u after 10 ms more (1)", word(D_LEVEL),
		    word(D_LEVEL_LATE));
	xtest_check((word(D_STS_IN) & 4) && !(word(D_STS_CLR) & 4),
		    "status in the level handler %#x, after writing 1 %#x", word(D_STS_IN),
		    word(D_STS_CLR));
	xtest_check(word(D_LEGACY) >= 3, "legacy timer 0 on IRQ 0: %u interrupts (>= 3)",
		    word(D_LEGACY));
	xtest_check(word(D_CFG_END) == 0 && word(D_FAULT) == 0,
		    "configuration after halting %#x, fault %#x", word(D_CFG_END), word(D_FAULT));
	printk("counter %#x -> %#x in 2 ms of PM timer; other vectors %u\n", word(D_RUN1),
	       word(D_RUN2), word(D_SPURIOUS));
}

/* A stream of the header and an HPET record @cut bytes short. */
static uint32_t short_stream(const uint8_t *hpet, uint32_t cut)
{
	struct pvh_desc h, d = { SAVE_HPET, 0, HPET_RECORD_SIZE - cut }, end = { 0, 0, 0 };
	uint32_t off;

	memcpy(&h, context, sizeof(h)); /* the header record comes first */
	off = (uint32_t)sizeof(h) + h.length;
	memcpy(stream, context, off);
	memcpy(stream + off, &d, sizeof(d));
	memcpy(stream + off + sizeof(d), hpet, d.length);
	off += (uint32_t)sizeof(d) + d.length;
	memcpy(stream + off, &end, sizeof(end));
	return off + (uint32_t)sizeof(end);
}

static void check_context(uint16_t dom)
{
	uint64_t cap, cfg, mc64, t1cfg, t1period;
	uint32_t size = pvh_get_context(dom, context, sizeof(context)), len;
	const uint8_t *r =
	    size ? pvh_find_record(context, size, SAVE_HPET, HPET_RECORD_SIZE) : NULL;
	long rc;

	xtest_check(r != NULL, "an HPET record of 1048 bytes in the %u-byte stream", size);
	if (!r)
		return;
	memcpy(&cap, r, 8);
	memcpy(&cfg, r + 0x10, 8);
	memcpy(&mc64, r + 0xf0, 8);
	memcpy(&t1cfg, r + 0x120, 8);
	memcpy(&t1period, r + 0x400 + 8, 8);
	xtest_check(cap == 0x00f424008086a201UL && cfg == 0 && mc64 > 0x12345,
		    "HPET record: capabilities %#lx, configuration %#lx, counter %#lx",
		    (unsigned long)cap, (unsigned long)cfg, (unsigned long)mc64);
	xtest_check(((t1cfg >> 9) & 0x1f) == 21 && (t1cfg & 0x10c) == 0x100 && t1period == 312500,
		    "HPET record timer 1: configuration %#lx, period %lu", (unsigned long)t1cfg,
		    (unsigned long)t1period);
	/* The read-only bits Petrel insists on when it loads a record (what Xen's HPET has). */
	for (unsigned int n = 0; n < 3; n++) {
		uint64_t c;

		memcpy(&c, r + 0x100 + 0x20 * n, 8);
		xtest_check((c & ~0x3f4eUL) == 0x00f0000000000030UL,
			    "HPET record timer %u: read-only bits %#lx (0xf0000000000030)", n,
			    (unsigned long)(c & ~0x3f4eUL));
	}
	rc = pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, context, &size);
	xtest_check(rc == 0, "sethvmcontext with the stream just read: %ld", rc);
	len = short_stream(r, 8);
	rc = pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, stream, &len);
	xtest_check(rc == -EINVAL, "sethvmcontext with an HPET record 8 bytes short: %ld (-EINVAL)",
		    rc);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages(), now;
	static uint8_t image[4096];
	size_t len = (size_t)(hpet_code_end - hpet_code_start);
	struct dctl op;
	uint16_t dom;
	long rc;

	memcpy(image, hpet_code_start, len);
	builder_hvm_hypercall_insns(image, len);
	if (!hvm_build(&dom, XEN_X86_EMU_ALL_HVM, image, len, fill_data))
		xtest_exit();
	rc = pvh_map(window, PVH_GFN_DATA, dom);
	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		builder_destroy_free(dom, free0);
		xtest_exit();
	}
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not shut down: one-shot %u, periodic %u, level %u, legacy %u",
			   dom, word(D_ONESHOT), word(D_PERIODIC), word(D_LEVEL), word(D_LEGACY));
	} else {
		unsigned int code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;

		xtest_check(code == SHUTDOWN_poweroff, "d%u's shutdown code %u", dom, code);
		check_results();
		check_context(dom);
	}
	builder_unmap(window);
	builder_destroy_free(dom, free0);
	now = builder_free_pages();
	printk("free pages %lu, %lu before\n", (unsigned long)now, (unsigned long)free0);
}

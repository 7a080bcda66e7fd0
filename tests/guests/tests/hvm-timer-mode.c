/*
 * HVM_PARAM_TIMER_MODE and the periodic timers of an HVM domain with the
 * full emulation set: the control domain builds one domain per mode (the
 * param left unset, which is Xen's delay_for_missed_ticks, then 1, 2 and 3
 * set before it runs). Its 32-bit code takes a first PIT tick through the
 * 8259 (channel 0, mode 2, 100 Hz, LINT0 in ExtINT mode), then keeps
 * interrupts off for 400 ms (40 periods, timed by the ACPI PM timer), then
 * opens them for two instructions only (`sti; nop; in $0x21; cli`: the
 * read of the PIC's mask exits, and the entry after it injects what is
 * pending, whenever the outer QEMU looks for the window sti opened) and
 * counts the ticks taken. Missed ticks that are kept pending come one
 * after the other, each as soon as the previous one's EOI is done, so they
 * all arrive inside that window (each EOI exits, and the next tick is
 * injected as the handler's iret opens interrupts again); collapsed ones
 * give one.
 * The same with the local APIC timer (periodic, 10 ms, vector 0x31), the
 * PIC masked, and with the RTC's periodic interrupt (64 Hz, IRQ 8 through
 * the slave PIC, register C read in the handler). Then, PIE clear and IRQ 8 masked, it polls
 * register C for 200 ms (12.8 periods at 64 Hz): PF is still set once a period ends (Xen
 * computes it on the read), IRQF never. Then, while dom0 pauses it for 700 ms, it reads the PM
 * timer, its APIC timer's count, the TSC and PIT channel 2's count in a loop (see check_pause and
 * check_pit_phase), and then, PIT ticks running into it with interrupts on, while dom0
 * pauses it again, and the same with RTC ticks, and with HPET timer 0 periodic at 100 Hz in
 * legacy replacement mode on IRQ 0 (check_catch_up). Then the guest powers off, and the
 * control domain checks the counts: at least 10 of the 40 with the backlog modes (0, 1), at most 4
 * with the collapsing ones (2, 3), none while interrupts were off; PF seen at least 3 times and on
 * at most every other read.
 */
#include "builder.h"
#include "hammer.h"
#include "hvm32-asm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");
/* About 33 s of timer phases in real time: more than half the default 60 s. */
TEST_TIMEOUT("150");

#define HC_hvm_op 34
#define HVMOP_set_param 0
#define HVM_PARAM_TIMER_MODE 10
#define SHUTDOWN_poweroff 0
#define MODE_UNSET 0xff

/* The guest's data page (guest-physical 0x101000). */
#define D_PIT 0x00	    /* PIT ticks taken (vector 0x20, through the 8259) */
#define D_LAPIC 0x04	    /* APIC timer ticks taken (vector 0x31) */
#define D_PIT_BURST 0x08    /* PIT ticks taken in the two-instruction window */
#define D_LAPIC_BURST 0x0c  /* the same for the APIC timer */
#define D_PIT_BEFORE 0x10   /* D_PIT as interrupts went off */
#define D_LAPIC_BEFORE 0x14 /* D_LAPIC as interrupts went off */
#define D_POWEROFF 0x18	    /* sched_shutdown { poweroff } */
#define D_FAULT 0x1c	    /* an exception was taken */
#define D_CRASH 0x20	    /* sched_shutdown { crash } */
#define D_SPURIOUS 0x24	    /* other vectors */
#define D_PIT_OFF 0x28	    /* D_PIT after 400 ms with interrupts off */
#define D_LAPIC_OFF 0x2c    /* D_LAPIC after the same */
#define D_RTC 0x30	    /* RTC periodic ticks taken (IRQ 8, vector 0x28, through the slave) */
#define D_RTC_BURST 0x34    /* the same in the two-instruction window */
#define D_RTC_BEFORE 0x38   /* D_RTC as interrupts went off */
#define D_RTC_OFF 0x3c	    /* D_RTC after 400 ms with interrupts off */
#define D_PF 0x40	    /* PIE clear: reads of register C with PF set */
#define D_PF_IRQF 0x44	    /* the same with IRQF set */
#define D_PF_READS 0x48	    /* reads of register C in that phase */
#define D_FZ_READY 0x4c	    /* the APIC timer is armed: dom0 may pause the domain */
#define D_FZ_RESUMED 0x50   /* written by dom0 before it unpauses the domain */
#define D_FZ_PM 0x54	    /* the largest step between two PM timer reads (counts) */
#define D_FZ_APIC 0x58	    /* the same for the APIC timer's current count (10 ns counts) */
#define D_PH_N 0x5c	    /* PIT channel 2 against the PM timer: samples taken */
#define D_PH_REF 0x60	    /* the first sample's PM count + 3 * PIT count */
#define D_PH_DEV 0x64	    /* the largest drift from it, modulo the PIT's wrap (PM counts) */
#define D_PH_NOISY 0x68	    /* samples dropped: the two PM reads around the latch too far apart */
#define D_CU_READY 0x6c	    /* PIT ticks run, interrupts on: dom0 may pause the domain again */
#define D_CU_RESUMED 0x70   /* written by dom0 before it unpauses the domain */
#define D_CU_TICKS 0x74	    /* PIT ticks taken from the first one to the end of that phase */
#define D_CU_PM 0x78	    /* PM timer counts over the same span (D_CU_TICKS + 4) */
#define D_CR_READY 0x7c	    /* the same four with the RTC's periodic interrupt, a third pause */
#define D_CR_RESUMED 0x80
#define D_CR_TICKS 0x84
#define D_CR_PM 0x88
#define D_TSC_LAST 0x8c /* the pause loop: the TSC's low half at the last round */
#define D_TSC_STEP 0x90 /* its largest step between two rounds */
#define D_TSC_CAL 0x94	/* TSC ticks over the 200 ms of the PM timer polled for PF */
#define D_TSC_LEAF 0x98 /* CPUID 0x40000003.0 EAX: bit 0, the TSC is emulated */
#define D_CH_READY 0x9c /* the same four as D_CU_* with HPET ticks on IRQ 0, a fourth pause */
#define D_CH_RESUMED 0xa0
#define D_CH_TICKS 0xa4
#define D_CH_PM 0xa8
#define TSC_EMULATED 1
#define PAUSE_MS 700	 /* how long dom0 holds the domain paused */
#define PH_NOISE "1790"	 /* 0.5 ms of the PM timer: a sample whose reads span more is dropped */
#define PH_DEV_MAX 7159	 /* 2 ms of the PM timer */
#define PM_OFF "1431818" /* 400 ms of the 3.579545 MHz PM timer */
#define PM_POLL "715909" /* 200 ms of it */

/* Address of a label of the code once loaded at 1 MiB. */
#define AT(l) "(0x100000 + " #l " - timer_code_start)"

/* clang-format off */
__asm__(".pushsection .rodata\n"
	".globl timer_code_start, timer_code_end\n"
	"timer_code_start:\n"
	".code32\n"
	HVM32_FLAT_START
	/* IDT at 0x101800: 0-31 faults, 32-79 spurious, then the two in use. */
	HVM32_IDT_DEFAULTS
	"mov $" AT(h_pit) ", %eax\n"
	"lea (0x800 + 8 * 0x20)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_lapic) ", %eax\n"
	"lea (0x800 + 8 * 0x31)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_rtc) ", %eax\n"
	"lea (0x800 + 8 * 0x28)(%esi), %edi\n"
	"call set_gate\n"
	"movw $0x27f, 0x700(%esi)\n"
	"movl $0x101800, 0x702(%esi)\n"
	"lidt 0x700(%esi)\n"
	/* LINT0 ExtINT, the 8259 pair (only IRQ 0 unmasked), PIT channel 0 at 100 Hz. */
	HVM32_PIC_PIT_100HZ
	/* The first tick, 400 ms with interrupts off, then a window of two instructions. */
	"3: cli\n"
	"cmpl $1, 0x00(%esi)\n"
	"jae 4f\n"
	"sti\n hlt\n"
	"jmp 3b\n"
	"4: mov 0x00(%esi), %eax\n mov %eax, 0x10(%esi)\n"
	"call wait_off\n"
	"mov 0x00(%esi), %eax\n mov %eax, 0x28(%esi)\n"
	"sti\n nop\n in $0x21, %al\n cli\n"
	"mov 0x00(%esi), %eax\n sub 0x10(%esi), %eax\n mov %eax, 0x08(%esi)\n"
	/* The PIC masked; the APIC timer periodic at 10 ms (1000000 ticks of 10 ns, divide by 1). */
	"mov $0xff, %al\n out %al, $0x21\n"
	"movl $0xb, 0xfee003e0\n"
	"movl $0x20031, 0xfee00320\n"
	"movl $1000000, 0xfee00380\n"
	"5: cli\n"
	"cmpl $1, 0x04(%esi)\n"
	"jae 6f\n"
	"sti\n hlt\n"
	"jmp 5b\n"
	"6: mov 0x04(%esi), %eax\n mov %eax, 0x14(%esi)\n"
	"call wait_off\n"
	"mov 0x04(%esi), %eax\n mov %eax, 0x2c(%esi)\n"
	"sti\n nop\n in $0x21, %al\n cli\n"
	"mov 0x04(%esi), %eax\n sub 0x14(%esi), %eax\n mov %eax, 0x0c(%esi)\n"
	"movl $0x10031, 0xfee00320\n"
	"movl $0, 0xfee00380\n"
	/* The RTC's periodic interrupt at 64 Hz (A = 0x2a, B = PIE | 24h), IRQ 8 alone unmasked. */
	"mov $0xfb, %al\n out %al, $0x21\n"
	"mov $0xfe, %al\n out %al, $0xa1\n"
	"mov $0x0a, %al\n out %al, $0x70\n mov $0x2a, %al\n out %al, $0x71\n"
	"mov $0x0b, %al\n out %al, $0x70\n mov $0x42, %al\n out %al, $0x71\n"
	"10: cli\n"
	"cmpl $1, 0x30(%esi)\n"
	"jae 11f\n"
	"sti\n hlt\n"
	"jmp 10b\n"
	"11: mov 0x30(%esi), %eax\n mov %eax, 0x38(%esi)\n"
	"call wait_off\n"
	"mov 0x30(%esi), %eax\n mov %eax, 0x3c(%esi)\n"
	"sti\n nop\n in $0x21, %al\n cli\n"
	"mov 0x30(%esi), %eax\n sub 0x38(%esi), %eax\n mov %eax, 0x34(%esi)\n"
	"mov $0x0b, %al\n out %al, $0x70\n mov $0x02, %al\n out %al, $0x71\n"
	"mov $0xff, %al\n out %al, $0xa1\n out %al, $0x21\n"
	/* PIE clear: register C polled for 200 ms; PF comes up once a period, IRQF never. */
	"mov $0x0c, %al\n out %al, $0x70\n in $0x71, %al\n"
	"rdtsc\n mov %eax, 0x94(%esi)\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %ebx\n"
	"12: in $0x71, %al\n incl 0x48(%esi)\n"
	"test $0x40, %al\n jz 13f\n incl 0x40(%esi)\n"
	"13: test $0x80, %al\n jz 14f\n incl 0x44(%esi)\n"
	"14: in %dx, %eax\n sub %ebx, %eax\n"
	"cmp $" PM_POLL ", %eax\n"
	"jb 12b\n"
	"rdtsc\n sub 0x94(%esi), %eax\n mov %eax, 0x94(%esi)\n"
	/*
	 * The APIC timer armed (one-shot, masked, 0xffffffff counts of 10 ns):
	 * the PM timer and the current count read in turn, their largest steps
	 * kept, until one round after dom0 says it paused and unpaused us.
	 */
	"movl $0xb, 0xfee003e0\n movl $0x10031, 0xfee00320\n movl $0xffffffff, 0xfee00380\n"
	/* PIT channel 2: rate generator, 65536 counts (54.9 ms), gate up, speaker off. */
	"mov $0xb4, %al\n out %al, $0x43\n xor %eax, %eax\n out %al, $0x42\n out %al, $0x42\n"
	"in $0x61, %al\n and $0xfc, %al\n or $1, %al\n out %al, $0x61\n"
	/* Xen's time leaf (0x40000003, sub-leaf 0): whether the TSC is emulated. */
	"mov $0x40000003, %eax\n xor %ecx, %ecx\n cpuid\n mov %eax, 0x98(%esi)\n"
	"rdtsc\n mov %eax, 0x8c(%esi)\n"
	"mov 0xfee00390, %edi\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %ebx\n"
	"xor %ebp, %ebp\n"
	"movl $1, 0x4c(%esi)\n"
	"15: in %dx, %eax\n mov %eax, %ecx\n sub %ebx, %ecx\n mov %eax, %ebx\n"
	"cmp 0x54(%esi), %ecx\n jbe 16f\n mov %ecx, 0x54(%esi)\n"
	"16: mov 0xfee00390, %eax\n mov %edi, %ecx\n sub %eax, %ecx\n mov %eax, %edi\n"
	"cmp 0x58(%esi), %ecx\n jbe 17f\n mov %ecx, 0x58(%esi)\n"
	"17: call pit_phase\n call tsc_step\n"
	"test %ebp, %ebp\n jnz 18f\n"
	"mov 0x50(%esi), %ebp\n"
	"jmp 15b\n"
	/*
	 * The same held still with PIT channel 0 restarted at 100 Hz, IRQ 0
	 * alone unmasked, then with the RTC's periodic interrupt at 64 Hz, IRQ 8
	 * alone (catch_up).
	 */
	"18: mov $0x34, %al\n out %al, $0x43\n"
	"mov $0x9c, %al\n out %al, $0x40\n mov $0x2e, %al\n out %al, $0x40\n"
	"mov $0xff, %al\n out %al, $0xa1\n mov $0xfe, %al\n out %al, $0x21\n"
	"mov $0x101000, %ebp\n mov $0x10106c, %edi\n call catch_up\n"
	"mov $0xfb, %al\n out %al, $0x21\n mov $0xfe, %al\n out %al, $0xa1\n"
	"mov $0x0a, %al\n out %al, $0x70\n mov $0x2a, %al\n out %al, $0x71\n"
	"mov $0x0b, %al\n out %al, $0x70\n mov $0x42, %al\n out %al, $0x71\n"
	"mov $0x101030, %ebp\n mov $0x10107c, %edi\n call catch_up\n"
	"mov $0x0b, %al\n out %al, $0x70\n mov $0x02, %al\n out %al, $0x71\n"
	"mov $0xff, %al\n out %al, $0xa1\n out %al, $0x21\n"
	/*
	 * The APIC timer armed again, then HPET timer 0 in legacy replacement
	 * mode (ISA IRQ 0, the PIT's channel 0 silenced): periodic, 32-bit,
	 * its first match 20 ms of ticks (16e6 fs each) on, then every 10 ms;
	 * IRQ 0 alone unmasked, its ticks counted by the PIT's handler.
	 */
	"movl $0xffffffff, 0xfee00380\n"
	"movl $3, 0xfed00010\n"
	"movl $0x14c, 0xfed00100\n"
	"mov 0xfed000f0, %eax\n add $1250000, %eax\n mov %eax, 0xfed00108\n"
	"movl $625000, 0xfed00108\n"
	"mov $0xfe, %al\n out %al, $0x21\n"
	"mov $0x101000, %ebp\n mov $0x10109c, %edi\n call catch_up\n"
	"movl $0x100, 0xfed00100\n movl $0, 0xfed00010\n"
	"mov $0xff, %al\n out %al, $0x21\n"
	"movl $0, 0xfee00380\n"
	/* SCHEDOP_shutdown(poweroff). */
	"mov $29, %eax\n mov $2, %ebx\n mov $0x101018, %ecx\n vmmcall\n"
	"7: hlt\n jmp 7b\n"
	/* Spin until the PM timer (port 0x1F48, 32 bits) has advanced by 400 ms. */
	"wait_off:\n"
	"mov $0x1f48, %edx\n"
	"in %dx, %eax\n mov %eax, %ebx\n"
	"8: pause\n in %dx, %eax\n sub %ebx, %eax\n"
	"cmp $" PM_OFF ", %eax\n"
	"jb 8b\n"
	"ret\n"
	/*
	 * One sample of PIT channel 2's count against the PM timer: the PIT
	 * counts at a third of the PM timer's rate, so PM + 3 * count stays
	 * the same modulo 3 * 65536 while both run on one clock. The largest
	 * drift from the first sample is kept; a sample whose two PM reads
	 * around the latch are more than PH_NOISE apart is dropped.
	 */
	/* The largest step of the TSC's low 32 bits between two rounds. */
	"tsc_step:\n pusha\n"
	"rdtsc\n mov %eax, %ecx\n sub 0x8c(%esi), %eax\n mov %ecx, 0x8c(%esi)\n"
	"cmp 0x90(%esi), %eax\n jbe 24f\n mov %eax, 0x90(%esi)\n"
	"24: popa\n ret\n"
	"pit_phase:\n pusha\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %ebx\n"
	"mov $0x80, %al\n out %al, $0x43\n"
	"in $0x42, %al\n mov %al, %cl\n in $0x42, %al\n mov %al, %ch\n"
	"in %dx, %eax\n sub %ebx, %eax\n"
	"cmp $" PH_NOISE ", %eax\n jbe 20f\n"
	"incl 0x68(%esi)\n jmp 22f\n"
	"20: movzwl %cx, %ecx\n lea (%ecx,%ecx,2), %ecx\n add %ebx, %ecx\n"
	"cmpl $0, 0x5c(%esi)\n jne 21f\n mov %ecx, 0x60(%esi)\n"
	"21: incl 0x5c(%esi)\n"
	/* The drift modulo 0x30000 (kept positive by adding a multiple of it), folded to its size. */
	"sub 0x60(%esi), %ecx\n lea 0x30000000(%ecx), %eax\n"
	"xor %edx, %edx\n mov $0x30000, %ecx\n div %ecx\n"
	"cmp $0x18000, %edx\n jb 23f\n neg %edx\n add $0x30000, %edx\n"
	"23: cmp 0x64(%esi), %edx\n jbe 22f\n mov %edx, 0x64(%esi)\n"
	"22: popa\n ret\n"
	/*
	 * The ticks counted at (%ebp) running, the APIC timer still armed: from
	 * the first tick on, interrupts stay on while dom0 pauses us (ready and
	 * resumed: the words at 0 and 4(%edi)), until 100 more ticks were
	 * taken after the unpause; the ticks taken and the PM timer's counts
	 * over that span go to 8 and 12(%edi).
	 */
	"catch_up:\n"
	"mov (%ebp), %ebx\n"
	"30: cli\n cmp (%ebp), %ebx\n jne 31f\n sti\n hlt\n jmp 30b\n"
	"31: mov (%ebp), %ebx\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %ecx\n"
	"movl $1, (%edi)\n sti\n"
	"32: pause\n cmpl $0, 4(%edi)\n je 32b\n"
	"mov (%ebp), %eax\n add $100, %eax\n"
	"33: pause\n cmp (%ebp), %eax\n ja 33b\n"
	"cli\n in %dx, %eax\n sub %ecx, %eax\n mov %eax, 12(%edi)\n"
	"mov (%ebp), %eax\n sub %ebx, %eax\n mov %eax, 8(%edi)\n"
	"ret\n"
	HVM32_SET_GATE
	"h_pit:\n push %eax\n incl 0x101000\n mov $0x20, %al\n out %al, $0x20\n pop %eax\n iret\n"
	"h_lapic:\n incl 0x101004\n movl $0, 0xfee000b0\n iret\n"
	/* IRQ 8: register C read (it acknowledges the RTC), EOI to both PICs. */
	"h_rtc:\n push %eax\n incl 0x101030\n"
	"mov $0x0c, %al\n out %al, $0x70\n in $0x71, %al\n"
	"mov $0x20, %al\n out %al, $0xa0\n out %al, $0x20\n pop %eax\n iret\n"
	"h_spurious:\n incl 0x101024\n iret\n"
	"h_fault:\n movl $0xdead, 0x10101c\n"
	"mov $29, %eax\n mov $2, %ebx\n mov $0x101020, %ecx\n vmmcall\n"
	"9: jmp 9b\n"
	".code64\n"
	"timer_code_end:\n"
	".popsection\n");
/* clang-format on */
extern const uint8_t timer_code_start[], timer_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));

struct hvm_param {
	uint16_t domid, pad;
	uint32_t index;
	uint64_t value;
};

static uint32_t word(unsigned int off)
{
	return *(volatile uint32_t *)(window + off);
}

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + D_POWEROFF) = SHUTDOWN_poweroff;
	*(uint32_t *)(data + D_CRASH) = SHUTDOWN_crash;
}

static const char *mode_name(unsigned int mode)
{
	switch (mode) {
	case 0:
		return "delay_for_missed_ticks";
	case 1:
		return "no_delay_for_missed_ticks";
	case 2:
		return "no_missed_ticks_pending";
	case 3:
		return "one_missed_tick_pending";
	}
	return "?";
}

/* The ticks of one timer, checked for the domain's mode. */
static void check_burst(const char *timer, unsigned int mode, unsigned int before, unsigned int off,
			unsigned int burst)
{
	const char *name = mode_name(mode);

	xtest_check(before >= 1 && off == before,
		    "%s, %s: %u ticks as interrupts went off, %u after 400 ms without", timer, name,
		    before, off);
	if (mode <= 1)
		xtest_check(burst >= 10, "%s, %s: %u missed ticks delivered in the window (>= 10)",
			    timer, name, burst);
	else
		xtest_check(burst >= 1 && burst <= 4,
			    "%s, %s: %u ticks in the window (1-4: missed ones collapse)", timer,
			    name, burst);
	printk("%s, %s: %u ticks in the window (%u before it, %u after 400 ms off)\n", timer, name,
	       burst, before, off);
}

/* PIE clear: register C's PF polled for 200 ms at 64 Hz. */
static void check_polled_pf(unsigned int mode)
{
	unsigned int pf = word(D_PF), irqf = word(D_PF_IRQF), reads = word(D_PF_READS);

	xtest_check(pf >= 3 && 2 * pf <= reads && irqf == 0,
		    "RTC, %s, PIE clear: PF in %u of %u reads of C (>= 3, at most every other), "
		    "IRQF in %u (none)",
		    mode_name(mode), pf, reads, irqf);
	printk("RTC, %s, PIE clear: PF in %u of %u reads of register C\n", mode_name(mode), pf,
	       reads);
}

/*
 * Once the guest says it is @ready (a word of its data page): paused for
 * PAUSE_MS while it reads its clocks, @resumed set before it runs again.
 */
static void pause_domain(uint16_t dom, unsigned int ready, unsigned int resumed)
{
	uint64_t until = hammer_now() + 30000000000ULL;

	while (!word(ready) && hammer_now() < until)
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	if (!word(ready)) {
		xtest_fail("d%u never got ready (%#x) for the pause", dom, ready);
		return;
	}
	hammer_sleep_ms(50);
	xtest_check(hammer_dom_op(XEN_DOMCTL_pausedomain, dom) == 0, "pausedomain d%u", dom);
	hammer_sleep_ms(PAUSE_MS);
	*(volatile uint32_t *)(window + resumed) = 1;
	xtest_check(hammer_dom_op(XEN_DOMCTL_unpausedomain, dom) == 0, "unpausedomain d%u", dom);
}

/*
 * Across the pause, with the APIC timer running: timer mode 0 holds the
 * guest's time still while its vCPU is off its CPU (Xen 4.17: an 86 ms step
 * for a 700 ms pause), the others show the pause.
 */
static void check_pause(unsigned int mode)
{
	unsigned int pm_ms = (unsigned int)((uint64_t)word(D_FZ_PM) * 1000 / 3579545);
	unsigned int apic_ms = word(D_FZ_APIC) / 100000;
	unsigned int cal = word(D_TSC_CAL);
	unsigned int tsc_ms = cal ? (unsigned int)((uint64_t)word(D_TSC_STEP) * 200 / cal) : 0;

	if (mode == 0)
		xtest_check(pm_ms < PAUSE_MS / 2 && apic_ms < PAUSE_MS / 2,
			    "%s: %u ms paused, largest steps PM timer %u ms, APIC count %u ms "
			    "(guest time held: < %u)",
			    mode_name(mode), PAUSE_MS, pm_ms, apic_ms, PAUSE_MS / 2);
	else
		xtest_check(pm_ms >= PAUSE_MS * 5 / 7 && apic_ms >= PAUSE_MS * 5 / 7,
			    "%s: %u ms paused, largest steps PM timer %u ms, APIC count %u ms "
			    "(the pause shows: >= %u)",
			    mode_name(mode), PAUSE_MS, pm_ms, apic_ms, PAUSE_MS * 5 / 7);
	/*
	 * The TSC follows guest time where it is emulated (Xen's vtsc: the
	 * guest's TSC is computed from hvm_get_guest_time), else it is the
	 * host's plus an offset and shows the pause (Petrel never emulates it).
	 */
	if (mode == 0 && (word(D_TSC_LEAF) & TSC_EMULATED))
		xtest_check(tsc_ms < PAUSE_MS / 2,
			    "%s, TSC emulated: largest TSC step %u ms (< %u)", mode_name(mode),
			    tsc_ms, PAUSE_MS / 2);
	else
		xtest_check(tsc_ms >= PAUSE_MS * 5 / 7,
			    "%s, TSC %s: largest TSC step %u ms (the pause shows: >= %u)",
			    mode_name(mode),
			    word(D_TSC_LEAF) & TSC_EMULATED ? "emulated" : "not emulated", tsc_ms,
			    PAUSE_MS * 5 / 7);
	printk("%s: %u ms paused, largest steps PM timer %u ms, APIC count %u ms, TSC %u ms "
	       "(emulated: %u)\n",
	       mode_name(mode), PAUSE_MS, pm_ms, apic_ms, tsc_ms, word(D_TSC_LEAF) & TSC_EMULATED);
}

/*
 * PIT channel 2's count against the PM timer across the pause: both run on
 * vCPU 0's guest time in every mode (Xen's i8254 and pmtimer read
 * hvm_get_guest_time), so the count keeps its phase to the PM timer even
 * where timer mode 0 holds that time still.
 */
static void check_pit_phase(unsigned int mode)
{
	unsigned int n = word(D_PH_N), dev = word(D_PH_DEV), noisy = word(D_PH_NOISY);
	unsigned int dev_us = (unsigned int)((uint64_t)dev * 1000000 / 3579545);

	xtest_check(n >= 10 && dev <= PH_DEV_MAX,
		    "%s: PIT count against the PM timer: largest drift %u us in %u samples "
		    "(%u dropped; >= 10 samples, drift <= 2000 us)",
		    mode_name(mode), dev_us, n, noisy);
	printk("%s: PIT count against the PM timer: largest drift %u us in %u samples (%u "
	       "dropped)\n",
	       mode_name(mode), dev_us, n, noisy);
}

/*
 * Periodic ticks of @hz across a pause, interrupts on (the words from @off:
 * ticks taken, PM timer counts): the ticks missed while the domain was
 * paused come afterwards in modes 0 and 1, and in mode 0 each one taken
 * brings guest time up to where it was due (Xen's vpt: last_plt_gtime), so
 * the PM timer shows as much time as the ticks taken do; in mode 1 it
 * showed the pause itself. Modes 2 and 3 drop them.
 */
static void check_catch_up(const char *timer, unsigned int mode, unsigned int off, unsigned int hz)
{
	unsigned int ticks = word(off);
	unsigned int pm_ticks = (unsigned int)((uint64_t)word(off + 4) * hz / 3579545);
	int diff = (int)ticks - (int)pm_ticks;

	if (mode <= 1)
		xtest_check(ticks >= 100 && diff >= -20 && diff <= 20,
			    "%s, %s: %u ticks taken over %u periods of the PM timer across a "
			    "%u ms pause (they must agree within 20)",
			    timer, mode_name(mode), ticks, pm_ticks, PAUSE_MS);
	printk("%s, %s: %u ticks taken over %u periods of the PM timer across the pause\n", timer,
	       mode_name(mode), ticks, pm_ticks);
}

/* One domain with TIMER_MODE @mode (MODE_UNSET: left as the hypervisor has it). */
static void run_mode(unsigned int mode, const uint8_t *image, size_t len)
{
	uint64_t free0 = builder_free_pages();
	struct hvm_param p;
	struct dctl op;
	uint16_t dom;
	long rc;

	if (!hvm_build(&dom, XEN_X86_EMU_ALL_HVM, image, len, fill_data))
		return;
	if (mode != MODE_UNSET) {
		p = (struct hvm_param){ dom, 0, HVM_PARAM_TIMER_MODE, mode };
		rc = hypercall(HC_hvm_op, HVMOP_set_param, (unsigned long)&p, 0, 0, 0);
		xtest_check(rc == 0, "set_param TIMER_MODE %u: %ld", mode, rc);
	}
	rc = pvh_map(window, PVH_GFN_DATA, dom);
	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		builder_destroy_free(dom, free0);
		return;
	}
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	pause_domain(dom, D_FZ_READY, D_FZ_RESUMED);
	pause_domain(dom, D_CU_READY, D_CU_RESUMED);
	pause_domain(dom, D_CR_READY, D_CR_RESUMED);
	pause_domain(dom, D_CH_READY, D_CH_RESUMED);
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u (mode %u) did not shut down: PIT %u, APIC timer %u, RTC %u", dom,
			   mode, word(D_PIT), word(D_LAPIC), word(D_RTC));
	} else {
		unsigned int code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;

		xtest_check(code == SHUTDOWN_poweroff && word(D_FAULT) == 0,
			    "d%u's shutdown code %u, fault %#x", dom, code, word(D_FAULT));
		if (mode == MODE_UNSET)
			mode = 0; /* Xen's default for a domain whose toolstack never set it */
		check_burst("PIT", mode, word(D_PIT_BEFORE), word(D_PIT_OFF), word(D_PIT_BURST));
		check_burst("APIC timer", mode, word(D_LAPIC_BEFORE), word(D_LAPIC_OFF),
			    word(D_LAPIC_BURST));
		check_burst("RTC", mode, word(D_RTC_BEFORE), word(D_RTC_OFF), word(D_RTC_BURST));
		check_polled_pf(mode);
		check_pause(mode);
		check_pit_phase(mode);
		check_catch_up("PIT", mode, D_CU_TICKS, 100);
		check_catch_up("RTC", mode, D_CR_TICKS, 64);
		check_catch_up("HPET", mode, D_CH_TICKS, 100);
		printk("PIT ticks %u, APIC timer ticks %u, RTC ticks %u, other vectors %u\n",
		       word(D_PIT), word(D_LAPIC), word(D_RTC), word(D_SPURIOUS));
	}
	builder_unmap(window);
	builder_destroy_free(dom, free0);
}

void test_main(void)
{
	static const unsigned int modes[] = { MODE_UNSET, 1, 2, 3 };
	static uint8_t image[4096];
	size_t len = (size_t)(timer_code_end - timer_code_start);

	memcpy(image, timer_code_start, len);
	builder_hvm_hypercall_insns(image, len);
	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		run_mode(modes[i], image, len);
}

/*
 * Local APIC and time: the TSC and the LAPIC timer are both calibrated
 * against PIT channel 2, then system time is the TSC scaled to ns.
 */
#include "types.h"
#include "asm.h"
#include "page.h"
#include "console.h"
#include "apic.h"
#include "tsc_calib.h"

#define APIC_DEFAULT_BASE 0xFEE00000UL
#define APIC_ID 0x20
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_ICR_BUSY (1u << 12)
#define APIC_BASE_X2APIC (1UL << 10)
#define APIC_BASE_ENABLE (1UL << 11)
#define MSR_X2APIC_FIRST 0x800
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3E0
#define APIC_LVT_MASKED (1u << 16)

/* Calibration: rounds of at least 25 ms each, the median of three good ones. */
#define CAL_ROUNDS 3
#define CAL_ATTEMPTS 6
#define CAL_READS 4
#define CAL_MIN_TICKS ((u32)(PIT_HZ * 25 / 1000))
#define CAL_MAX_POLLS (1u << 20)

static volatile u32 *apic_regs;
/* The firmware left the local APICs in x2APIC mode: registers are MSRs. */
static bool x2apic_mode;
static u64 tsc_per_ms, apic_per_ms;
static u64 boot_tsc;
/* ns = ((tsc - boot_tsc) * mul) >> 32 */
static u64 tsc_to_ns_mul;
/* ticks = (ns * mul) >> 32 */
static u64 ns_to_tsc_mul, ns_to_apic_mul;

static u32 apic_read(u32 reg)
{
	if (x2apic_mode)
		return (u32)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return apic_regs[reg / 4];
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
	else
		apic_regs[reg / 4] = v;
}

u32 apic_id(void)
{
	if (x2apic_mode)
		return apic_read(APIC_ID);
	return apic_read(APIC_ID) >> 24;
}

bool apic_x2apic_mode(void)
{
	return x2apic_mode;
}

/*
 * Send an interprocessor interrupt: @low is the ICR's low word (vector,
 * delivery mode, level, shorthand), @dest the destination APIC id. Returns
 * false if the previous IPI was still pending after about 1 ms (xAPIC).
 */
bool apic_send_ipi(u32 dest, u32 low)
{
	unsigned long flags;
	bool ok = true;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	if (x2apic_mode) {
		wrmsr(MSR_X2APIC_FIRST + (APIC_ICR >> 4), ((u64)dest << 32) | low);
	} else {
		apic_write(APIC_ICR2, dest << 24);
		apic_write(APIC_ICR, low);
		ok = apic_wait_icr_idle(1000000);
	}
	if (flags & X86_EFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
	return ok;
}

/* Wait up to @ns for the xAPIC to have sent the last IPI. */
bool apic_wait_icr_idle(u64 ns)
{
	u64 end;

	if (x2apic_mode)
		return true;
	end = now_ns() + ns;
	while (apic_read(APIC_ICR) & APIC_ICR_BUSY) {
		if (now_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void pic_disable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* PIT channel 2 counting down from 0xffff in mode 0, its output low until 0. */
static void pit_start(void)
{
	outb(0x61, (u8)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0);			      /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
}

static bool pit_expired(void)
{
	return inb(0x61) & 0x20;
}

static void pit_read(struct cal_sample *s)
{
	u32 lo, hi;

	s->tsc_before = rdtsc();
	outb(0x43, 0x80); /* latch channel 2 */
	lo = inb(0x42);
	hi = inb(0x42);
	s->apic = apic_read(APIC_TIMER_CUR);
	s->tsc_after = rdtsc();
	s->pit = lo | hi << 8;
}

/* Of a few readings in a row, the one taken in the least time. */
static void pit_sample(struct cal_sample *out)
{
	struct cal_sample s[CAL_READS];

	for (unsigned int i = 0; i < CAL_READS; i++)
		pit_read(&s[i]);
	*out = *cal_tightest(s, CAL_READS);
}

/*
 * One window of at least CAL_MIN_TICKS. A window whose end may lie past the
 * PIT's terminal count (it wraps in mode 0) is refused.
 */
static bool calibrate_round(struct cal_rates *r)
{
	struct cal_sample a, b;
	unsigned int polls = 0;

	pit_start();
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	pit_sample(&a);
	do {
		pit_sample(&b);
		if (pit_expired() || ++polls > CAL_MAX_POLLS)
			return false;
	} while (b.pit < a.pit && a.pit - b.pit < CAL_MIN_TICKS);
	return cal_window(&a, &b, CAL_MIN_TICKS, r);
}

static void calibrate(void)
{
	struct cal_rates r[CAL_ROUNDS], m;
	unsigned int good = 0;

	for (unsigned int i = 0; i < CAL_ATTEMPTS && good < CAL_ROUNDS; i++)
		if (calibrate_round(&r[good]))
			good++;
	apic_write(APIC_TIMER_INIT, 0);
	m = cal_median(r, good);
	tsc_per_ms = m.tsc_per_ms ? m.tsc_per_ms : 1000000;
	apic_per_ms = m.apic_per_ms ? m.apic_per_ms : 1000;
	if (good < CAL_ROUNDS)
		printk(XENLOG_WARNING "time: %u of %u PIT calibration rounds usable\n", good,
		       CAL_ROUNDS);
}

/* This CPU's local APIC on, its timer masked (software enable, divider). */
static void apic_enable_this(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE); /* global enable */
	apic_write(APIC_SVR, 0x100 | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_VECTOR);
}

void apic_init(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	pic_disable();
	x2apic_mode = base & APIC_BASE_X2APIC;
	apic_regs = maddr_to_virt((base & ~0xfffUL) ? (base & ~0xfffUL) : APIC_DEFAULT_BASE);
	apic_enable_this();
}

/*
 * Another CPU's local APIC: the same mode, and the timer as CPU 0 left it
 * (one-shot, unmasked) with the calibration CPU 0 made.
 */
void apic_init_secondary(void)
{
	if (x2apic_mode)
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	apic_enable_this();
	apic_write(APIC_ESR, 0);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_VECTOR);
}

void time_init(void)
{
	calibrate();
	boot_tsc = rdtsc();
	tsc_to_ns_mul = (1000000UL << 32) / tsc_per_ms;
	ns_to_tsc_mul = (tsc_per_ms << 32) / 1000000;
	ns_to_apic_mul = (apic_per_ms << 32) / 1000000;
	apic_write(APIC_LVT_TIMER, APIC_TIMER_VECTOR); /* one-shot, unmasked */
	printk(XENLOG_INFO "Detected %lu.%03lu MHz processor, APIC timer %lu kHz\n",
	       tsc_per_ms / 1000, tsc_per_ms % 1000, apic_per_ms);
}

u64 tsc_khz(void)
{
	return tsc_per_ms;
}

u64 now_ns(void)
{
	u64 d = rdtsc() - boot_tsc;

	return (u64)(((unsigned __int128)d * tsc_to_ns_mul) >> 32);
}

u64 ns_to_tsc(u64 ns)
{
	return (u64)(((unsigned __int128)ns * ns_to_tsc_mul) >> 32);
}

void apic_timer_oneshot(u64 ns)
{
	u64 ticks = ns ? (u64)(((unsigned __int128)ns * ns_to_apic_mul) >> 32) : 0;

	if (ns && !ticks)
		ticks = 1;
	if (ticks > 0xffffffffUL)
		ticks = 0xffffffffUL;
	apic_write(APIC_TIMER_INIT, (u32)ticks);
}

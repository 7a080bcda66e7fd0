/*
 * The platform devices' port handling: xen/arch/x86/hvm/platform.c and the
 * device rules it uses (included below), on a fake clock that moves on at
 * every look at it, as time moves on while the hypervisor serves an access.
 * A wide read of a counter (the ACPI PM timer's 32 bits) is one sample, not
 * four bytes of four different instants. The RTC's periodic interrupt
 * keeps or collapses missed ticks per HVM_PARAM_TIMER_MODE; with PIE clear,
 * register C's PF still shows that a period ended. An IO-APIC pin in NMI
 * mode sends an NMI, not a vector.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../xen/arch/x86/hvm/vpic.c"
#include "../../xen/arch/x86/hvm/vioapic.c"
#include "../../xen/arch/x86/hvm/vpit.c"
#include "../../xen/arch/x86/hvm/vrtc.c"
#include "../../xen/arch/x86/hvm/vpt.c"
#include "../../xen/arch/x86/hvm/vhpet.c"
#include "../../xen/arch/x86/hvm/ioreq_rules.c"
#include "../../xen/arch/x86/hvm/platform.c"

/* ---- fakes: time (each look advances it by clock_step ns) ---- */
static u64 clock_now = 1000000, clock_step;

u64 system_time(void)
{
	u64 t = clock_now;

	clock_now += clock_step;
	return t;
}

u64 domain_wall_ns(const struct domain *d)
{
	(void)d;
	return 1700000000ULL * NS_PER_SEC + clock_now;
}

#include "fake_timer.h"

/* ---- fakes: memory, the vLAPIC and the rest of the hypervisor ---- */
static u8 heap_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static bool heap_page_used;

void *alloc_xenheap_pages(unsigned int order)
{
	if (order || heap_page_used)
		return NULL;
	heap_page_used = true;
	return heap_page;
}

void free_xenheap_pages(void *va, unsigned int order)
{
	assert_ptr_equal(va, heap_page);
	assert_int_equal(order, 0);
	heap_page_used = false;
}

unsigned int hvm_decode_current(struct vcpu *v, struct x86_insn *in)
{
	(void)v;
	(void)in;
	return 0;
}

u64 *hvm_gpr(struct vcpu *v, unsigned int n)
{
	(void)n;
	return &v->arch.hvm.regs.rax;
}

void hvm_ioreq_timeoffset(struct domain *d, s64 delta)
{
	(void)d;
	(void)delta;
}

int sched_yield(void)
{
	return 0;
}

void vcpu_unblock(struct vcpu *v)
{
	(void)v;
}

bool vlapic_accepts_pic(struct vcpu *v)
{
	(void)v;
	return true;
}

bool vlapic_match_dest(struct vcpu *v, u32 dest, bool logical)
{
	(void)v;
	(void)dest;
	(void)logical;
	return true;
}

static unsigned int lapic_irqs, nmis;

void vlapic_set_irq_level(struct vcpu *v, unsigned int vec, bool level)
{
	(void)v;
	(void)vec;
	(void)level;
	lapic_irqs++;
}

/* Guest time as hvm.c keeps it: system time plus the vCPU's (negative) offset. */
u64 hvm_guest_time_at(const struct vcpu *v, u64 now)
{
	return now + (u64)v->arch.hvm.time_offset;
}

/* Timer mode 0's catch-up as hvm.c does it: guest time moves up to @due, never past system time. */
void hvm_time_catch_up(struct vcpu *v, u64 due)
{
	u64 now = hvm_guest_time_at(v, clock_now);
	s64 off = v->arch.hvm.time_offset + (s64)(due - now);

	if (due > now)
		v->arch.hvm.time_offset = off < 0 ? off : 0;
}

void hvm_raise_nmi(struct vcpu *v)
{
	(void)v;
	nmis++;
}

/* ---- the domain under test ---- */
static struct domain dom;
static struct vcpu vcpu0;

static int setup(void **state)
{
	(void)state;
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu0, 0, sizeof(vcpu0));
	vcpu0.domain = &dom;
	clock_step = 0;
	assert_int_equal(hvm_platform_init(&dom, HVM_PLATFORM_EMU_ALL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hvm_platform_destroy(&dom);
	return 0;
}

/* `in` of @size bytes from @port, as an IOIO exit hands it over. */
static u32 port_in(u16 port, unsigned int size)
{
	vcpu0.arch.hvm.regs.rax = 0;
	assert_true(hvm_platform_pio(&vcpu0, true, port, size));
	return (u32)vcpu0.arch.hvm.regs.rax;
}

/* Start the clock where the PM timer is about to carry from byte 0 into byte 1. */
static void clock_at_pm_count(u32 count)
{
	struct hvm_platform *p = platform_of(&dom);

	clock_now = p->pm_start + (u64)count * NS_PER_SEC / PMTMR_HZ + 1;
	while (pmtimer_count(clock_now - p->pm_start) < count)
		clock_now++;
	p->pm_seen = 0; /* the fake clock may have gone back, which system time never does */
}

/*
 * A guest timing 400 ms by the PM timer: the first 32-bit read, then the
 * next. Each look at the clock moves it on by ~1.4 counts, so per-byte
 * sampling read byte 0 before the carry and byte 1 after it: the first
 * value was 256 counts ahead, and the next read came out earlier than it
 * (an unsigned difference of ~4e9, "400 ms passed" at once).
 */
static void test_pm_timer_wide_read_one_instant(void **state)
{
	u32 first, next;

	(void)state;
	clock_step = 400;
	clock_at_pm_count(0x12ff);
	first = port_in(PM_TMR_V0, 4);
	next = port_in(PM_TMR_V0, 4);
	assert_in_range(first, 0x12ff, 0x1300);
	assert_true(next >= first);
	assert_in_range(next - first, 0, 8);
	/* The same across the carry into byte 2 and byte 3. */
	clock_at_pm_count(0xffff);
	first = port_in(PM_TMR_V0, 4);
	assert_in_range(first, 0xffff, 0x10000);
	clock_at_pm_count(0xffffff);
	first = port_in(PM_TMR_V0, 4);
	assert_in_range(first, 0xffffff, 0x1000000);
	/* A 16-bit read likewise. */
	clock_at_pm_count(0x34ff);
	first = port_in(PM_TMR_V0, 2);
	assert_in_range(first, 0x34ff, 0x3500);
}

/*
 * The PM timer runs on vCPU 0's guest time: an offset timer mode 0 took
 * away holds it (never backwards) until guest time is past what it showed.
 */
static void test_pm_timer_guest_time(void **state)
{
	u32 a, b, c;

	(void)state;
	dom.vcpu[0] = &vcpu0;
	clock_at_pm_count(1000000); /* 279 ms since it started */
	a = port_in(PM_TMR_V0, 4);
	vcpu0.arch.hvm.time_offset = -100 * 1000 * 1000; /* 100 ms held */
	clock_now += 50 * 1000 * 1000;
	b = port_in(PM_TMR_V0, 4);
	assert_int_equal(b, a); /* guest time is 50 ms behind what it showed: it stands */
	clock_now += 100 * 1000 * 1000;
	c = port_in(PM_TMR_V0, 4);
	assert_in_range(c - a, 178970, 178990); /* 50 ms on from the first read */
	vcpu0.arch.hvm.time_offset = 0;
}

/* The timer counts at 3.579545 MHz between two reads. */
static void test_pm_timer_counts_up(void **state)
{
	u32 a, b;

	(void)state;
	clock_step = 0;
	clock_at_pm_count(1000);
	a = port_in(PM_TMR_V0, 4);
	clock_now += 10 * 1000 * 1000; /* 10 ms: 35795 counts */
	b = port_in(PM_TMR_V0, 4);
	assert_in_range(b - a, 35790, 35800);
}

/* `out` of a byte to @port. */
static void port_out(u16 port, u8 val)
{
	vcpu0.arch.hvm.regs.rax = val;
	assert_true(hvm_platform_pio(&vcpu0, false, port, 1));
}

/* PIT channel @c's count, latched and read LSB then MSB. */
static u16 pit_count(unsigned int c)
{
	u16 lo;

	port_out(0x43, (u8)(c << 6));
	lo = (u16)port_in((u16)(0x40 + c), 1);
	return (u16)(lo | port_in((u16)(0x40 + c), 1) << 8);
}

/*
 * The PIT counts on vCPU 0's guest time too: while timer mode 0 holds that
 * time the count stands, and it goes on at 1.193182 MHz from where it
 * stood; a count loaded while time is held starts at the guest's instant.
 */
static void test_pit_guest_time(void **state)
{
	u16 a, b, c;

	(void)state;
	dom.vcpu[0] = &vcpu0;
	port_out(0x43, 0xb4); /* channel 2: rate generator, LSB then MSB */
	port_out(0x42, 0);
	port_out(0x42, 0); /* 65536 counts */
	port_out(0x61, 1); /* gate up */
	clock_now += 10 * 1000 * 1000;
	a = pit_count(2);
	assert_in_range(a, 65536 - 11932 - 1, 65536 - 11932 + 1);
	vcpu0.arch.hvm.time_offset = -30 * 1000 * 1000; /* 30 ms held */
	clock_now += 30 * 1000 * 1000;
	b = pit_count(2);
	assert_int_equal(b, a);
	clock_now += 5 * 1000 * 1000; /* 5 ms: 5966 counts */
	c = pit_count(2);
	assert_in_range(a - c, 5965, 5967);
	port_out(0x42, 0x10);
	port_out(0x42, 0x27); /* 10000 counts, loaded at guest time */
	clock_now += 1000 * 1000;
	c = pit_count(2);
	assert_in_range(c, 10000 - 1194, 10000 - 1192);
	vcpu0.arch.hvm.time_offset = 0;
}

/* The 8259 pair at vectors 0x20/0x28, only IRQ 8 (slave pin 0, via master pin 2) unmasked. */
static void pic_irq8_only(void)
{
	static const u8 master[] = { 0x11, 0x20, 0x04, 0x01 }, slave[] = { 0x11, 0x28, 0x02, 0x01 };

	for (unsigned int i = 0; i < 4; i++) {
		port_out(i ? 0x21 : 0x20, master[i]);
		port_out(i ? 0xa1 : 0xa0, slave[i]);
	}
	port_out(0x21, 0xfb);
	port_out(0xa1, 0xfe);
}

static u8 rtc_reg(u8 index)
{
	port_out(0x70, index);
	return (u8)port_in(0x71, 1);
}

/* The RTC's timer expires now (the timer code takes it off its list first). */
static void rtc_expire(void)
{
	struct hvm_platform *p = platform_of(&dom);

	assert_true(p->rtc_timer.active);
	clock_now = p->rtc_timer.expires;
	p->rtc_timer.active = false;
	p->rtc_timer.fn(p->rtc_timer.data);
}

/* Entries and injections of IRQ 8 until none is offered; each handler reads C and EOIs. */
static unsigned int rtc_deliver_all(void)
{
	unsigned int n = 0;

	for (;;) {
		hvm_platform_ticks(&vcpu0);
		if (hvm_platform_pic_pending(&vcpu0) != 0x28)
			return n;
		assert_int_equal(hvm_platform_pic_ack(&vcpu0), 0x28);
		assert_int_equal(rtc_reg(0x0c) & 0xc0, 0xc0); /* PF and IRQF: a periodic tick */
		port_out(0xa0, 0x20);
		port_out(0x20, 0x20);
		n++;
		assert_true(n < 100);
	}
}

/*
 * 64 Hz periodic RTC interrupts under each HVM_PARAM_TIMER_MODE: the first
 * expiry, then 400 ms without the guest taking one (25 more periods). The
 * backlog modes deliver every missed tick one after another, the others
 * one; either way the timer is armed again once none is pending.
 */
static void test_rtc_periodic_modes(void **state)
{
	static const struct {
		unsigned int mode, min, max;
	} want[] = { { 0, 26, 27 }, { 1, 26, 27 }, { 2, 1, 1 }, { 3, 1, 1 } };
	struct hvm_platform *p;

	(void)state;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned int n;

		setup(NULL);
		p = platform_of(&dom);
		dom.arch.hvm.params[HVM_PARAM_TIMER_MODE] = want[i].mode;
		pic_irq8_only();
		port_out(0x70, 0x0a);
		port_out(0x71, 0x2a);
		port_out(0x70, 0x0b);
		port_out(0x71, 0x42);
		assert_int_equal(p->rtc_timer.expires, clock_now + 15625000);
		rtc_expire();
		assert_false(p->rtc_timer.active); /* not re-armed until the tick is taken */
		assert_int_equal(p->rtc_pt.pending, 1);
		clock_now += 400 * 1000 * 1000;
		n = rtc_deliver_all();
		assert_in_range(n, want[i].min, want[i].max);
		assert_int_equal(p->rtc_pt.pending, 0);
		assert_true(p->rtc_timer.active);
		assert_true(p->rtc_timer.expires > clock_now);
		/* The next expiry is a tick again; writing B with PIE unchanged keeps the count. */
		port_out(0x70, 0x0b);
		port_out(0x71, 0x42);
		assert_true(p->rtc_timer.active);
		rtc_expire();
		assert_int_equal(rtc_deliver_all(), 1);
		/* PIE off: no more ticks, the timer stopped. */
		port_out(0x70, 0x0b);
		port_out(0x71, 0x02);
		assert_false(p->rtc_timer.active);
		teardown(NULL);
	}
}

/*
 * Timer mode 0: vCPU 0's guest time held 400 ms while 25 RTC periods went
 * by; each of the 26 ticks then taken moves it up to where that tick was
 * due (26 periods from the start), so it ends 9.375 ms behind system time
 * (the first period passed before the hold). Mode 1 leaves it held.
 */
static void test_rtc_catch_up(void **state)
{
	static const struct {
		unsigned int mode;
		s64 offset;
	} want[] = { { 0, -9375000 }, { 1, -400000000 } };

	(void)state;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		setup(NULL);
		dom.vcpu[0] = &vcpu0;
		dom.arch.hvm.params[HVM_PARAM_TIMER_MODE] = want[i].mode;
		pic_irq8_only();
		port_out(0x70, 0x0a);
		port_out(0x71, 0x2a);
		port_out(0x70, 0x0b);
		port_out(0x71, 0x42); /* 64 Hz from now on */
		rtc_expire();
		vcpu0.arch.hvm.time_offset = -400 * 1000 * 1000;
		clock_now += 400 * 1000 * 1000;
		assert_int_equal(rtc_deliver_all(), 26);
		assert_int_equal(vcpu0.arch.hvm.time_offset, want[i].offset);
		vcpu0.arch.hvm.time_offset = 0;
		teardown(NULL);
	}
}

/*
 * PIE clear at 64 Hz: no tick is injected, but a read of register C shows
 * PF once a period of the grid that began at the RTC's creation ended
 * since the last look; IRQF stays clear. Setting PIE then with PF up
 * raises IRQ 8 at once.
 */
static void test_rtc_pf_polled(void **state)
{
	struct hvm_platform *p = platform_of(&dom);

	(void)state;
	pic_irq8_only();
	clock_now = p->rtc_start + 1000;
	port_out(0x70, 0x0a);
	port_out(0x71, 0x2a);
	assert_false(p->rtc_timer.active);
	assert_int_equal(rtc_reg(0x0c), 0);
	clock_now = p->rtc_start + 15625000 - 1;
	assert_int_equal(rtc_reg(0x0c), 0);
	clock_now += 2;
	assert_int_equal(rtc_reg(0x0c), 0x40);
	assert_int_equal(rtc_reg(0x0c), 0);
	clock_now += 3 * 15625000;
	assert_int_equal(rtc_reg(0x0c), 0x40); /* three periods, one flag */
	clock_now += 15625000;
	port_out(0x70, 0x0b);
	port_out(0x71, 0x42); /* PIE on: the PF that came up meanwhile raises IRQ 8 */
	assert_true(p->rtc_timer.active);
	assert_int_equal(hvm_platform_pic_pending(&vcpu0), 0x28);
	assert_int_equal(rtc_reg(0x0c), 0xc0);
}

/* IO-APIC pin 10 in NMI mode: ISA IRQ 10's rising edge is an NMI, and no vector. */
static void test_ioapic_nmi_mode(void **state)
{
	struct hvm_platform *p = platform_of(&dom);

	(void)state;
	lapic_irqs = nmis = 0;
	dom.vcpu[0] = &vcpu0;
	p->ioapic.rte[10] = 0x400;
	hvm_platform_isa_irq(&dom, 10, true);
	assert_int_equal(nmis, 1);
	assert_int_equal(lapic_irqs, 0);
	hvm_platform_isa_irq(&dom, 10, true); /* no new edge */
	assert_int_equal(nmis, 1);
	hvm_platform_isa_irq(&dom, 10, false);
	hvm_platform_isa_irq(&dom, 10, true);
	assert_int_equal(nmis, 2);
}

/*
 * The HPET through its window: all-ones while HVM_PARAM_HPET_ENABLED is
 * clear; timer 0 in legacy replacement mode ticks on ISA IRQ 0 (IO-APIC
 * pin 2) and silences the PIT; timer 2 one-shot on pin 20 fires once and
 * is taken by its vector; a level timer holds its pin until the status
 * bit is cleared.
 */
static void expire(struct timer *t)
{
	t->active = false;
	clock_now = t->expires;
	t->fn(t->data);
}

static void test_hpet_wiring(void **state)
{
	struct hvm_platform *p = platform_of(&dom);
	struct hpet_chan *c0 = &p->hpet_ch[0], *c2 = &p->hpet_ch[2];

	(void)state;
	dom.vcpu[0] = &vcpu0;
	assert_int_equal(dom.arch.hvm.params[HVM_PARAM_HPET_ENABLED], 1);
	dom.arch.hvm.params[HVM_PARAM_HPET_ENABLED] = 0;
	assert_int_equal(hpet_access(p, VHPET_ID, 4, false, 0), ~0UL);
	dom.arch.hvm.params[HVM_PARAM_HPET_ENABLED] = 1;
	assert_int_equal(hpet_access(p, VHPET_ID, 4, false, 0), 0x8086a201);
	/* The PIT runs at 100 Hz on IRQ 0. */
	port_out(0x43, 0x34);
	port_out(0x40, 0x9c);
	port_out(0x40, 0x2e);
	assert_true(p->pit_timer.active);
	/* Timer 0 periodic at 1 ms in legacy mode. */
	hpet_access(p, VHPET_CFG, 4, true, VHPET_CFG_ENABLE | VHPET_CFG_LEGACY);
	hpet_access(p, VHPET_TN_CFG(0), 4, true,
		    VHPET_TN_ENABLE | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | VHPET_TN_32BIT);
	hpet_access(p, VHPET_TN_CMP(0), 4, true,
		    hpet_access(p, VHPET_COUNTER, 4, false, 0) + 62500);
	hpet_access(p, VHPET_TN_CMP(0), 4, true, 62500);
	assert_false(p->pit_timer.active);
	assert_true(c0->timer.active);
	assert_int_equal(c0->timer.expires, clock_now + 1000000);
	assert_int_equal(c0->pt.period, 1000000);
	p->ioapic.rte[2] = 0x31;
	lapic_irqs = 0;
	expire(&c0->timer);
	assert_int_equal(lapic_irqs, 1);
	assert_int_equal(c0->pt.pending, 1);
	hvm_platform_lapic_ack(&vcpu0, 0x31);
	assert_int_equal(c0->pt.pending, 0);
	assert_true(c0->timer.active); /* the next tick */
	/* Timer 2 one-shot on IO-APIC pin 20, edge. */
	p->ioapic.rte[20] = 0x40;
	hpet_access(p, VHPET_TN_CFG(2), 4, true, VHPET_TN_ENABLE | VHPET_TN_32BIT | (20 << 9));
	hpet_access(p, VHPET_TN_CMP(2), 4, true, hpet_access(p, VHPET_COUNTER, 4, false, 0) + 6250);
	assert_true(c2->timer.active);
	lapic_irqs = 0;
	expire(&c2->timer);
	assert_int_equal(lapic_irqs, 1);
	hvm_platform_lapic_ack(&vcpu0, 0x40);
	assert_int_equal(c2->pt.pending, 0);
	assert_false(c2->timer.active);
	/* Level on pin 21: up until the guest clears status bit 2. */
	p->ioapic.rte[21] = 0x41 | RTE_LEVEL;
	hpet_access(p, VHPET_TN_CFG(2), 4, true,
		    VHPET_TN_ENABLE | VHPET_TN_LEVEL | VHPET_TN_32BIT | (21 << 9));
	hpet_access(p, VHPET_TN_CMP(2), 4, true, hpet_access(p, VHPET_COUNTER, 4, false, 0) + 6250);
	expire(&c2->timer);
	assert_true(p->ioapic.lines & (1UL << 21));
	assert_int_equal(hpet_access(p, VHPET_STATUS, 4, false, 0), 4);
	hpet_access(p, VHPET_STATUS, 4, true, 4);
	assert_false(p->ioapic.lines & (1UL << 21));
	/* Halted: no timer runs. */
	hpet_access(p, VHPET_CFG, 4, true, 0);
	assert_false(c0->timer.active);
}

/*
 * HPET timer 0 periodic at 10 ms in legacy replacement mode (IRQ 0, IO-APIC
 * pin 2), its first tick taken, then vCPU 0's guest time held 405 ms: the
 * ticks missed meanwhile (41 in all) are taken one after another, and in
 * timer mode 0 each moves guest time up to where it was due, as the PIT's
 * and the RTC's do, 410 ms from the start: 5 ms behind system time. Mode 1
 * leaves it held.
 */
static void test_hpet_catch_up(void **state)
{
	static const struct {
		unsigned int mode;
		s64 offset;
	} want[] = { { 0, -5000000 }, { 1, -405000000 } };

	(void)state;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct hvm_platform *p;
		struct hpet_chan *c0;
		unsigned int n = 0;

		setup(NULL);
		p = platform_of(&dom);
		c0 = &p->hpet_ch[0];
		dom.vcpu[0] = &vcpu0;
		dom.arch.hvm.params[HVM_PARAM_TIMER_MODE] = want[i].mode;
		p->ioapic.rte[2] = 0x31;
		hpet_access(p, VHPET_CFG, 4, true, VHPET_CFG_ENABLE | VHPET_CFG_LEGACY);
		hpet_access(p, VHPET_TN_CFG(0), 4, true,
			    VHPET_TN_ENABLE | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | VHPET_TN_32BIT);
		hpet_access(p, VHPET_TN_CMP(0), 4, true,
			    hpet_access(p, VHPET_COUNTER, 4, false, 0) + 625000);
		hpet_access(p, VHPET_TN_CMP(0), 4, true, 625000); /* 10 ms from now on */
		assert_int_equal(c0->pt.period, 10000000);
		expire(&c0->timer);
		vcpu0.arch.hvm.time_offset = -405 * 1000 * 1000;
		clock_now += 405 * 1000 * 1000;
		while (c0->pt.pending) {
			hvm_platform_lapic_ack(&vcpu0, 0x31);
			n++;
			assert_true(n < 100);
		}
		assert_int_equal(n, 41);
		assert_int_equal(vcpu0.arch.hvm.time_offset, want[i].offset);
		vcpu0.arch.hvm.time_offset = 0;
		teardown(NULL);
	}
}

/*
 * PIT channel 0 at 100 Hz (11932 counts): a tick taken 3 ms after it was
 * due restarts the count from the reload at that instant, as Xen's PIT
 * does at each tick delivered, so it reads the full count then and 1 ms
 * of counts less a millisecond on.
 */
static void test_pit_restart_on_tick(void **state)
{
	struct hvm_platform *p = platform_of(&dom);

	(void)state;
	dom.vcpu[0] = &vcpu0;
	p->ioapic.rte[2] = 0x30;
	port_out(0x43, 0x34); /* channel 0: rate generator, LSB then MSB */
	port_out(0x40, 0x9c);
	port_out(0x40, 0x2e);
	expire(&p->pit_timer);
	clock_now += 3 * 1000 * 1000;
	assert_in_range(pit_count(0), 11932 - 3580, 11932 - 3578);
	hvm_platform_lapic_ack(&vcpu0, 0x30);
	assert_int_equal(p->pit_pt.pending, 0);
	assert_int_equal(pit_count(0), 11932);
	clock_now += 1000 * 1000;
	assert_in_range(pit_count(0), 11932 - 1194, 11932 - 1192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pm_timer_wide_read_one_instant, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pm_timer_counts_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pm_timer_guest_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pit_guest_time, setup, teardown),
		cmocka_unit_test(test_rtc_periodic_modes),
		cmocka_unit_test(test_rtc_catch_up),
		cmocka_unit_test_setup_teardown(test_rtc_pf_polled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioapic_nmi_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hpet_wiring, setup, teardown),
		cmocka_unit_test(test_hpet_catch_up),
		cmocka_unit_test_setup_teardown(test_pit_restart_on_tick, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

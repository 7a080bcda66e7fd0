/*
 * The platform devices of an HVM domain created with Xen's full emulation
 * set (vplatform.h has their rules): ports and MMIO routed to them, their
 * timers on Petrel's timers, ISA and PCI interrupt lines routed to the
 * 8259 pair and the IO-APIC, and from there into the vLAPICs.
 *
 * The HPET's timers count on vCPU 0's guest time, as the PM timer does;
 * each runs as a periodic source under HVM_PARAM_TIMER_MODE (vpt) on its
 * IO-APIC pin, or in legacy replacement mode on ISA IRQ 0 (which then
 * silences the PIT's channel 0) and IRQ 8. A level-triggered timer holds
 * its pin up until the guest clears its status bit.
 *
 * Routing, as Xen's: ISA IRQ n drives PIC pin n and IO-APIC pin n, except
 * IRQ 0 which is IO-APIC pin 2 (the MADT's override). PCI device d, pin i
 * (0-3 = INTA-D) drives IO-APIC pin 16 + ((4d + d/8 + i) mod 32) and PCI
 * link (d + i) mod 4, which set_pci_link_route points at an ISA IRQ of the
 * PIC. The PIC reaches vCPU 0 only, as ExtINT through LINT0.
 *
 * One lock per domain covers every device; timer callbacks run with
 * interrupts off, so the lock is taken with interrupts off everywhere.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "sched.h"
#include "spinlock.h"
#include "timer.h"
#include "x86_decode.h"
#include "ioreq_rules.h"
#include "hvm.h"
#include "vplatform.h"
#include "public/xen.h"
#include "public/hvm/params.h"
#include "public/hvm/save.h"

#define NS_PER_SEC 1000000000UL
#define MIN_PERIOD_NS 50000 /* a faster PIT or RTC rate is served at this one */
#define PM1_TMR_STS 0x0001
#define PM1_STS_W1C 0x8d31 /* status bits a write of 1 clears */
#define PM1_EN_MASK 0x0521
#define NR_PCI_DEVS 32

struct hvm_platform;
/* One HPET timer's comparator on a Petrel timer, its ticks under TIMER_MODE. */
struct hpet_chan {
	struct timer timer;
	struct vpt pt;
	struct hvm_platform *p;
	unsigned int n;
};

struct hvm_platform {
	spinlock_t lock;
	struct domain *d;
	struct vpic pic;
	struct vioapic ioapic;
	struct vpit pit;
	struct vrtc rtc;
	struct timer pit_timer, rtc_timer, rtc_second;
	struct vpt pit_pt; /* channel 0's ticks on IRQ 0 */
	struct vpt rtc_pt; /* the RTC's periodic ticks on IRQ 8 (register B's PIE) */
	u64 rtc_rate;	   /* register A's period in ns, 0 = off */
	bool rtc_pie;	   /* rtc_pt counts (PIE was set when rtc_rate was taken) */
	u64 rtc_start;	   /* system time the periodic grid counts from */
	u64 rtc_pf_since;  /* PIE clear: when register C's PF was last brought up to date */
	u64 pm_start;	   /* guest time the PM timer counts from */
	u64 pm_seen;	   /* the largest count (ns) shown yet: it never goes back */
	u16 pm1a_sts, pm1a_en;
	bool pm_msb;	      /* the timer's bit 31 when PM1a status was last read */
	u8 pci_link[4];	      /* ISA IRQ of each PCI link, 0 = none */
	u8 intx[NR_PCI_DEVS]; /* asserted INTx pins per device, bit i = INTA + i */
	u16 isa_lines;	      /* ISA IRQ levels as the devices drive them */
	bool has_hpet;	      /* XEN_X86_EMU_HPET */
	struct vhpet hpet;
	struct hpet_chan hpet_ch[VHPET_TIMERS];
};
_Static_assert(sizeof(struct hvm_platform) <= PAGE_SIZE, "the platform state fits a page");

static struct hvm_platform *platform_of(const struct domain *d)
{
	return d->arch.hvm.platform;
}

static unsigned long lock(struct hvm_platform *p)
{
	unsigned long f = local_irq_save();

	spin_lock(&p->lock);
	return f;
}

static void unlock(struct hvm_platform *p, unsigned long f)
{
	spin_unlock(&p->lock);
	local_irq_restore(f);
}

/* ---- Interrupt delivery into the vLAPICs. */

static void deliver(struct hvm_platform *p, const struct vioapic_msg *m)
{
	struct domain *d = p->d;

	if (m->mode == RTE_MODE_NMI) {
		/* Every vCPU the destination names gets an NMI; the vector is not used. */
		for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
			if (d->vcpu[i] && vlapic_match_dest(d->vcpu[i], m->dest, m->logical))
				hvm_raise_nmi(d->vcpu[i]);
		return;
	}
	if (m->mode != 0 && m->mode != 1) {
		printk(XENLOG_G_GUEST XENLOG_WARNING "d%u: IO-APIC delivery mode %u dropped\n",
		       d->domain_id, m->mode);
		return;
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (v && vlapic_match_dest(v, m->dest, m->logical)) {
			vlapic_set_irq_level(v, m->vector, m->level);
			if (m->mode == 1)
				return; /* lowest priority: the first that matches */
		}
	}
}

static void pic_kick(struct hvm_platform *p)
{
	struct vcpu *v0 = p->d->vcpu[0];

	if (v0 && vpic_pending(&p->pic) >= 0)
		vcpu_unblock(v0);
}

static void pic_line_update(struct hvm_platform *p, unsigned int irq);

static void gsi_set(struct hvm_platform *p, unsigned int gsi, bool level)
{
	struct vioapic_msg m;

	if (vioapic_set_irq(&p->ioapic, gsi, level, &m))
		deliver(p, &m);
}

/* Both controllers see ISA line @irq at @level. */
static void isa_line(struct hvm_platform *p, unsigned int irq, bool level)
{
	p->isa_lines = level ? p->isa_lines | (1u << irq) : p->isa_lines & ~(1u << irq);
	pic_line_update(p, irq);
	gsi_set(p, irq ? irq : 2, level);
}

/* A timer's edge on an ISA line: down then up, held high until the next one. */
static void isa_pulse(struct hvm_platform *p, unsigned int irq)
{
	isa_line(p, irq, false);
	isa_line(p, irq, true);
}

static unsigned int intx_gsi(unsigned int dev, unsigned int pin)
{
	return 16 + ((dev << 2) + (dev >> 3) + pin) % 32;
}

static unsigned int intx_link(unsigned int dev, unsigned int pin)
{
	return (dev + pin) & 3;
}

/* Whether any asserted INTx feeds @gsi (or, when @link, PCI link @gsi). */
static bool intx_any(const struct hvm_platform *p, unsigned int n, bool link)
{
	for (unsigned int dev = 0; dev < NR_PCI_DEVS; dev++)
		for (unsigned int pin = 0; pin < 4; pin++)
			if ((p->intx[dev] & (1u << pin)) &&
			    (link ? intx_link(dev, pin) : intx_gsi(dev, pin)) == n)
				return true;
	return false;
}

/* PIC pin @irq: the ISA device's level or any PCI link routed to it. */
static void pic_line_update(struct hvm_platform *p, unsigned int irq)
{
	bool level = p->isa_lines & (1u << irq);

	for (unsigned int l = 0; l < 4; l++)
		if (p->pci_link[l] == irq && intx_any(p, l, true))
			level = true;
	vpic_set_irq(&p->pic, irq, level);
	pic_kick(p);
}

/* ---- Timers. */

static unsigned int timer_mode(const struct hvm_platform *p)
{
	return (unsigned int)p->d->arch.hvm.params[HVM_PARAM_TIMER_MODE];
}

/*
 * The PM timer and the PIT's counters run on vCPU 0's guest time (timer
 * mode 0 holds it while vCPU 0 is off its CPU), as Xen's read
 * hvm_get_guest_time of the domain's first vCPU; their interrupts' timers
 * stay on system time. That time goes back when vCPU 0 runs again after a
 * hold another vCPU read through: the PM timer then stands until it is past.
 */
static u64 guest_now(const struct hvm_platform *p, u64 now)
{
	const struct vcpu *v0 = p->d->vcpu[0];

	return v0 ? hvm_guest_time_at(v0, now) : now;
}

/*
 * Platform timer @t (the PIT's channel 0, the RTC's periodic interrupt or
 * an HPET timer) counts from system time @now: its first tick @first ns
 * later, then every @period ns (0: once); its grid of guest time starts at
 * vCPU 0's, whose time all three count on.
 */
static void tick_start(struct hvm_platform *p, struct vpt *t, u64 now, u64 first, u64 period)
{
	vpt_start(t, now + first, period);
	t->gtick = guest_now(p, now);
}

/*
 * The one taken path of the platform timers, as Xen's pt_intr_post: @v was
 * given @t's vector, so a tick is taken, and in timer mode 0 vCPU 0's guest
 * time moves up to where that tick was due. Only vCPU 0 moves its own time:
 * a tick another vCPU takes through the IO-APIC leaves it as it is. @timer
 * is armed for the next tick once none is pending; true while one still
 * is (the caller raises the source's interrupt again).
 */
static bool tick_taken(struct hvm_platform *p, struct vcpu *v, struct vpt *t, struct timer *timer)
{
	unsigned int mode = timer_mode(p);
	u64 next = vpt_taken(t, system_time(), mode);

	if (mode == HVMPTM_delay_for_missed_ticks && t->period && v == p->d->vcpu[0])
		hvm_time_catch_up(v, t->gtick);
	if (next)
		set_timer(timer, next);
	return !next && t->pending;
}

static void pit_arm(struct hvm_platform *p, u64 now)
{
	u64 period = vpit_period_ns(&p->pit), once = vpit_oneshot_ns(&p->pit);

	stop_timer(&p->pit_timer);
	if (period) {
		period = MAX(period, MIN_PERIOD_NS);
		tick_start(p, &p->pit_pt, now, period, period);
	} else {
		tick_start(p, &p->pit_pt, now, once, 0);
	}
	if (period || once)
		set_timer(&p->pit_timer, p->pit_pt.next);
}

/* A tick is due: IRQ 0 rises, and again at each entry while ticks are pending. */
static void pit_fire(void *data)
{
	struct hvm_platform *p = data;
	unsigned long f = lock(p);

	vpt_fire(&p->pit_pt);
	isa_pulse(p, 0);
	unlock(p, f);
}

/*
 * The guest was given IRQ 0's vector: a tick is taken, and channel 0 counts
 * down from its reload again from that instant of vCPU 0's guest time, as
 * Xen's PIT restarts its count at each tick delivered.
 */
static void pit_taken(struct hvm_platform *p, struct vcpu *v)
{
	bool again = tick_taken(p, v, &p->pit_pt, &p->pit_timer);

	p->pit.ch[0].start_ns = guest_now(p, system_time());
	if (again)
		isa_pulse(p, 0);
}

static u64 wall_ns(const struct hvm_platform *p)
{
	return domain_wall_ns(p->d);
}

static void rtc_irq(struct hvm_platform *p, u8 flag)
{
	if (vrtc_flag(&p->rtc, flag))
		isa_pulse(p, 8);
}

/* The once-a-second timer, for the update-ended and alarm events. */
static void rtc_arm_second(struct hvm_platform *p, u64 now)
{
	stop_timer(&p->rtc_second);
	if (p->rtc.cmos[RTC_REG_B] & (RTC_B_AIE | RTC_B_UIE))
		set_timer(&p->rtc_second, now + NS_PER_SEC - wall_ns(p) % NS_PER_SEC);
}

/* The periodic ticks count from @now at the rate and PIE of registers A and B. */
static void rtc_restart(struct hvm_platform *p, u64 now)
{
	u64 period = p->rtc_rate;

	p->rtc_pie = p->rtc.cmos[RTC_REG_B] & RTC_B_PIE;
	p->rtc_pf_since = now;
	stop_timer(&p->rtc_timer);
	if (!p->rtc_pie || !period) {
		tick_start(p, &p->rtc_pt, now, 0, 0);
		return;
	}
	period = MAX(period, MIN_PERIOD_NS);
	tick_start(p, &p->rtc_pt, now, period, period);
	set_timer(&p->rtc_timer, p->rtc_pt.next);
}

/*
 * Register A or B was written: the periodic ticks count from now on if the
 * rate or PIE changed (pending ones dropped, as Xen recreates its timer),
 * else go on as they were.
 */
static void rtc_arm(struct hvm_platform *p, u64 now)
{
	u64 rate = vrtc_period_ns(&p->rtc);

	if (rate != p->rtc_rate || !(p->rtc.cmos[RTC_REG_B] & RTC_B_PIE) != !p->rtc_pie) {
		p->rtc_rate = rate;
		rtc_restart(p, now);
	}
	rtc_arm_second(p, now);
}

/*
 * While PIE is clear no tick is injected, yet register C's PF tells a
 * polling guest that a period ended since it last looked: computed, as on
 * Xen, when C is read or B written, from the grid of periods that starts
 * at the RTC's creation.
 */
static void rtc_pf_check(struct hvm_platform *p, u64 now)
{
	u64 rate = p->rtc_rate, start = p->rtc_start;

	if (!rate || p->rtc_pie)
		return;
	if ((now - start) / rate != (p->rtc_pf_since - start) / rate)
		p->rtc.cmos[RTC_REG_C] |= RTC_C_PF;
	p->rtc_pf_since = now;
}

/* B was written: a flag already up in C whose enable bit is now set raises IRQ 8. */
static void rtc_update_irq(struct hvm_platform *p)
{
	u8 *c = &p->rtc.cmos[RTC_REG_C];

	if (!(p->rtc.cmos[RTC_REG_B] & *c & (RTC_C_PF | RTC_C_AF | RTC_C_UF)))
		return;
	*c |= RTC_C_IRQF;
	isa_pulse(p, 8);
}

/* A byte written to the RTC's ports at system time @now. */
static void rtc_port_write(struct hvm_platform *p, u16 port, u8 val, u64 now)
{
	unsigned int i = p->rtc.index;

	if (port == 0x71 && i == RTC_REG_B)
		rtc_pf_check(p, now);
	vrtc_write(&p->rtc, port, val, wall_ns(p) / NS_PER_SEC);
	if (port != 0x71 || (i != RTC_REG_A && i != RTC_REG_B))
		return;
	if (i == RTC_REG_B)
		rtc_update_irq(p);
	rtc_arm(p, now);
}

/* A periodic tick is due: IRQ 8 rises, and again at each entry while ticks are pending. */
static void rtc_periodic(void *data)
{
	struct hvm_platform *p = data;
	unsigned long f = lock(p);

	vpt_fire(&p->rtc_pt);
	isa_pulse(p, 8);
	unlock(p, f);
}

/*
 * The guest was given IRQ 8's vector while periodic ticks were pending: one
 * is taken, and register C shows it (PF and IRQF, as Xen sets them once the
 * tick is injected).
 */
static void rtc_taken(struct hvm_platform *p, struct vcpu *v)
{
	bool again = tick_taken(p, v, &p->rtc_pt, &p->rtc_timer);

	p->rtc.cmos[RTC_REG_C] |= RTC_C_PF | RTC_C_IRQF;
	if (again)
		isa_pulse(p, 8);
}

/* Each second: the update-ended and alarm events. */
static void rtc_tick(void *data)
{
	struct hvm_platform *p = data;
	unsigned long f = lock(p);
	u64 secs = wall_ns(p) / NS_PER_SEC;

	if (!(p->rtc.cmos[RTC_REG_B] & RTC_B_SET)) {
		rtc_irq(p, RTC_C_UF);
		if (vrtc_alarm_due(&p->rtc, secs))
			rtc_irq(p, RTC_C_AF);
	}
	rtc_arm_second(p, system_time());
	unlock(p, f);
}

/* ---- HPET. */

/* The HPET's clock: vCPU 0's guest time in ticks, as the PM timer's. */
static u64 hpet_ticks(const struct hvm_platform *p, u64 now)
{
	return guest_now(p, now) / VHPET_NS_PER_TICK;
}

static u64 hpet_ns(u64 ticks)
{
	return ticks > (1UL << 58) ? 1UL << 62 : ticks * VHPET_NS_PER_TICK;
}

/* An edge: on ISA IRQ 0 or 8 in legacy mode, else a rising edge on the timer's IO-APIC pin. */
static void hpet_pulse(struct hvm_platform *p, unsigned int n)
{
	int irq = vhpet_legacy_irq(&p->hpet, n);
	unsigned int pin = vhpet_pin(&p->hpet, n);

	if (irq >= 0) {
		isa_pulse(p, (unsigned int)irq);
		return;
	}
	gsi_set(p, pin, false);
	gsi_set(p, pin, true);
	gsi_set(p, pin, intx_any(p, pin, false)); /* the pin's PCI level again */
}

/* Timer @n counts again from its registers (or stops). */
static void hpet_arm(struct hvm_platform *p, unsigned int n, u64 now)
{
	struct hpet_chan *c = &p->hpet_ch[n];
	u64 first, period;

	stop_timer(&c->timer);
	if (!vhpet_due(&p->hpet, n, hpet_ticks(p, now), &first, &period)) {
		tick_start(p, &c->pt, now, 0, 0);
		return;
	}
	if (vhpet_legacy_irq(&p->hpet, n) == 0) {
		/* Legacy replacement: the PIT's channel 0 no longer interrupts. */
		stop_timer(&p->pit_timer);
		tick_start(p, &p->pit_pt, now, 0, 0);
	}
	period = period ? MAX(hpet_ns(period), MIN_PERIOD_NS) : 0;
	tick_start(p, &c->pt, now, hpet_ns(first), period);
	set_timer(&c->timer, c->pt.next);
}

static void hpet_fire(void *data)
{
	struct hpet_chan *c = data;
	struct hvm_platform *p = c->p;
	unsigned long f = lock(p);

	if (vhpet_fired(&p->hpet, c->n)) {
		if (vhpet_level(&p->hpet, c->n)) {
			gsi_set(p, vhpet_pin(&p->hpet, c->n), true);
		} else {
			vpt_fire(&c->pt);
			hpet_pulse(p, c->n);
		}
	}
	unlock(p, f);
}

/* The guest was given HPET timer @n's vector: a tick is taken. */
static void hpet_taken(struct hvm_platform *p, struct vcpu *v, unsigned int n)
{
	struct hpet_chan *c = &p->hpet_ch[n];

	if (tick_taken(p, v, &c->pt, &c->timer))
		hpet_pulse(p, n);
}

static bool hpet_on(const struct hvm_platform *p)
{
	return p->has_hpet && p->d->arch.hvm.params[HVM_PARAM_HPET_ENABLED];
}

/* An access of @len bytes at @off in the window; HPET_ENABLED clear: reads all-ones. */
static u64 hpet_access(struct hvm_platform *p, unsigned int off, unsigned int len, bool write,
		       u64 val)
{
	u64 now = system_time();
	unsigned int out;

	if (!hpet_on(p))
		return ~0UL;
	if (!write)
		return vhpet_read(&p->hpet, off, len, hpet_ticks(p, now));
	out = vhpet_write(&p->hpet, off, len, val, hpet_ticks(p, now));
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		unsigned int pin = vhpet_pin(&p->hpet, n);

		if (out & VHPET_LOWER(n))
			gsi_set(p, pin, intx_any(p, pin, false));
		if (out & VHPET_REARM(n))
			hpet_arm(p, n, now);
	}
	return 0;
}

/* ---- Ports. */

/* The PM1a event block and PM timer: Xen's old ports, or 0xB000 once the guest asks. */
static void pm_ports(const struct hvm_platform *p, u16 *evt, u16 *tmr)
{
	bool v1 = p->d->arch.hvm.params[HVM_PARAM_ACPI_IOPORTS_LOCATION] == 1;

	*evt = v1 ? PM1A_EVT_V1 : PM1A_EVT_V0;
	*tmr = v1 ? PM_TMR_V1 : PM_TMR_V0;
}

static u64 pm_elapsed(struct hvm_platform *p, u64 now)
{
	p->pm_seen = MAX(p->pm_seen, guest_now(p, now) - p->pm_start);
	return p->pm_seen;
}

/*
 * TMR_STS: the timer's bit 31 changed. It is looked at when the status is
 * read, which misses a change only if nobody reads for 2^31 ticks (10 min).
 */
static u32 pm1_status(struct hvm_platform *p, u64 now)
{
	bool msb = pmtimer_count(pm_elapsed(p, now)) >> 31;

	if (msb != p->pm_msb)
		p->pm1a_sts |= PM1_TMR_STS;
	p->pm_msb = msb;
	return p->pm1a_sts | ((u32)p->pm1a_en << 16);
}

/* A byte of one of the devices at system time @now; -1 if @port is none of theirs. */
static int byte_read(struct hvm_platform *p, u16 port, u64 now)
{
	u64 wall = wall_ns(p);
	u16 evt, tmr;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
	case 0x4d0:
	case 0x4d1:
		return vpic_read(&p->pic, port);
	case 0x40:
	case 0x41:
	case 0x42:
	case 0x43:
	case 0x61:
		return vpit_read(&p->pit, port, guest_now(p, now));
	case 0x70:
	case 0x71:
		if (port == 0x71 && p->rtc.index == RTC_REG_C)
			rtc_pf_check(p, now);
		return vrtc_read(&p->rtc, port, wall / NS_PER_SEC, (u32)(wall % NS_PER_SEC));
	}
	pm_ports(p, &evt, &tmr);
	if (port >= evt && port < evt + 4)
		return (u8)(pm1_status(p, now) >> (8 * (port - evt)));
	if (port >= tmr && port < tmr + 4)
		return (u8)(pmtimer_count(pm_elapsed(p, now)) >> (8 * (port - tmr)));
	return -1;
}

static void pm1_write(struct hvm_platform *p, unsigned int off, u8 val)
{
	if (off < 2) {
		u16 bits = (u16)((val << (8 * off)) & PM1_STS_W1C);

		p->pm1a_sts &= ~bits;
	} else {
		unsigned int sh = 8 * (off - 2);

		p->pm1a_en = (u16)((p->pm1a_en & ~(0xff << sh)) | ((val << sh) & PM1_EN_MASK));
	}
}

static bool byte_write(struct hvm_platform *p, u16 port, u8 val, u64 now)
{
	u16 evt, tmr;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
	case 0x4d0:
	case 0x4d1:
		vpic_write(&p->pic, port, val);
		pic_kick(p);
		return true;
	case 0x40:
	case 0x41:
	case 0x42:
	case 0x43:
	case 0x61:
		if (vpit_write(&p->pit, port, val, guest_now(p, now)))
			pit_arm(p, now);
		return true;
	case 0x70:
	case 0x71:
		rtc_port_write(p, port, val, now);
		return true;
	}
	pm_ports(p, &evt, &tmr);
	if (port >= evt && port < evt + 4) {
		pm1_write(p, port - evt, val);
		return true;
	}
	return port >= tmr && port < tmr + 4; /* the timer is read-only */
}

static bool claims(const struct hvm_platform *p, u16 port)
{
	u16 evt, tmr;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
	case 0x4d0:
	case 0x4d1:
	case 0x40:
	case 0x41:
	case 0x42:
	case 0x43:
	case 0x61:
	case 0x70:
	case 0x71:
		return true;
	}
	pm_ports(p, &evt, &tmr);
	return (port >= evt && port < evt + 4) || (port >= tmr && port < tmr + 4);
}

bool hvm_platform_claims_pio(struct vcpu *v, u16 port)
{
	struct hvm_platform *p = platform_of(v->domain);

	return p && claims(p, port);
}

__hvm_warm bool hvm_platform_pio(struct vcpu *v, bool in, u16 port, unsigned int size)
{
	struct hvm_platform *p = platform_of(v->domain);
	struct cpu_regs *r = &v->arch.hvm.regs;
	u32 data = 0;
	unsigned long f;
	s64 offset;
	u64 now;
	int b;

	if (!p || !claims(p, port))
		return false;
	f = lock(p);
	now = system_time(); /* one instant for every byte: a wide read of a counter is not torn */
	offset = p->rtc.offset;
	for (unsigned int i = 0; i < size; i++) {
		if (in) {
			b = byte_read(p, (u16)(port + i), now);
			data |= (u32)(b < 0 ? 0xff : b) << (8 * i);
		} else {
			byte_write(p, (u16)(port + i), (u8)(r->rax >> (8 * i)), now);
		}
	}
	offset = p->rtc.offset - offset;
	unlock(p, f);
	/* The guest set its clock: the device models keep the change for its next boot. */
	if (offset)
		hvm_ioreq_timeoffset(v->domain, offset);
	if (in) {
		u64 mask = size == 4 ? 0xffffffffUL : (1UL << (8 * size)) - 1;

		r->rax = size == 4 ? data : (r->rax & ~mask) | data;
	}
	return true;
}

/*
 * ---- The IO-APIC's MMIO window (32-bit MOVs, as for the local APIC) and
 * the HPET's (the forms Xen's null handler takes, 1-8 bytes).
 */

static bool in_hpet(const struct hvm_platform *p, u64 gpa)
{
	return p->has_hpet && gpa >= VHPET_BASE && gpa < VHPET_BASE + VHPET_SIZE;
}

__hvm_warm bool hvm_platform_claims_mmio(struct vcpu *v, u64 gpa)
{
	struct hvm_platform *p = platform_of(v->domain);

	return p && ((gpa >= VIOAPIC_BASE && gpa < VIOAPIC_BASE + 0x100) || in_hpet(p, gpa));
}

/* A dword access to the IO-APIC's register window at @off, under the platform lock. */
static u32 ioapic_access(struct hvm_platform *p, unsigned int off, bool write, u32 val)
{
	struct vioapic_msg m;
	unsigned int pin;
	unsigned long f = lock(p);

	if (!write)
		val = vioapic_read(&p->ioapic, off);
	else if (vioapic_write(&p->ioapic, off, val, &m, &pin))
		deliver(p, &m);
	unlock(p, f);
	return val;
}

/* mov, movzx/movsx and cmp with an immediate (hvmloader's probe) on the HPET's registers. */
static unsigned int hpet_mmio(struct vcpu *v, struct hvm_platform *p, unsigned int off)
{
	struct x86_insn in;
	struct ioreq_mov m;
	unsigned int len = hvm_decode_current(v, &in);
	unsigned long f;
	u64 val = 0, *reg;

	if (!len || ioreq_mov_decode(&in, &m))
		return 0;
	if (!m.read)
		val = m.reg < 0 ? m.imm : *hvm_gpr(v, (unsigned int)m.reg);
	f = lock(p);
	val = hpet_access(p, off, m.size, !m.read, val);
	unlock(p, f);
	if (m.cmp) {
		v->arch.hvm.regs.rflags =
		    ioreq_cmp_flags(v->arch.hvm.regs.rflags, val, m.imm, m.size);
	} else if (m.read) {
		reg = hvm_gpr(v, (unsigned int)m.reg);
		*reg = ioreq_read_result(&m, *reg, val);
	}
	return len;
}

unsigned int hvm_platform_mmio(struct vcpu *v, u64 gpa)
{
	struct hvm_platform *p = platform_of(v->domain);
	struct x86_insn in;
	unsigned int len, off = gpa & 0xff;
	u64 *dst = NULL;
	u32 val = 0;
	bool write = false;

	if (in_hpet(p, gpa))
		return hpet_mmio(v, p, (unsigned int)(gpa - VHPET_BASE));
	len = hvm_decode_current(v, &in);
	if (!len || (in.has_modrm && in.mod == 3) || (gpa & 3) || x86_opsize(&in) != 4)
		return 0;
	switch (in.opcode) {
	case 0xa1:
		dst = &v->arch.hvm.regs.rax;
		break;
	case 0x8b:
		dst = hvm_gpr(v, in.reg);
		break;
	case 0xa3:
		write = true;
		val = (u32)v->arch.hvm.regs.rax;
		break;
	case 0x89:
		write = true;
		val = (u32)*hvm_gpr(v, in.reg);
		break;
	case 0xc7:
		if (in.reg % 8)
			return 0;
		write = true;
		val = (u32)in.imm;
		break;
	default:
		return 0;
	}
	val = ioapic_access(p, off, write, val);
	if (!write)
		*dst = val;
	return len;
}

/*
 * Part of a string instruction's element in the IO-APIC's window (aligned
 * dwords, as its MOVs) or the HPET's (1, 2, 4 or 8 bytes, aligned). False
 * for another shape.
 */
bool hvm_platform_mmio_bytes(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool write)
{
	struct hvm_platform *p = platform_of(v->domain);
	bool hpet = in_hpet(p, gpa);
	unsigned long f;
	u64 val = 0;

	if ((len & (len - 1)) || (gpa & (len - 1)) || (!hpet && len != 4))
		return false;
	if (write)
		memcpy(&val, buf, len);
	if (hpet) {
		f = lock(p);
		val = hpet_access(p, (unsigned int)(gpa - VHPET_BASE), len, write, val);
		unlock(p, f);
	} else {
		val = ioapic_access(p, (unsigned int)(gpa & 0xff), write, (u32)val);
	}
	if (!write)
		memcpy(buf, &val, len);
	return true;
}

/* ---- The interrupt path: the PIC as ExtINT source of vCPU 0, level EOIs. */

__hvm_hot int hvm_platform_pic_pending(struct vcpu *v)
{
	struct hvm_platform *p = platform_of(v->domain);

	if (!p || v->vcpu_id || !vlapic_accepts_pic(v))
		return -1;
	return vpic_pending(&p->pic);
}

bool hvm_platform_pin0_extint(struct vcpu *v)
{
	struct hvm_platform *p = platform_of(v->domain);
	u64 rte;

	if (!p)
		return false;
	rte = p->ioapic.rte[0];
	return !(rte & RTE_MASKED) && RTE_MODE(rte) == 7 && !(rte & RTE_LOGICAL) &&
	       vlapic_match_dest(v, RTE_DEST(rte), false);
}

unsigned int hvm_platform_pic_ack(struct vcpu *v)
{
	struct hvm_platform *p = platform_of(v->domain);
	unsigned long f = lock(p);
	unsigned int vec = vpic_ack(&p->pic);

	if (vec == p->pic.chip[0].base && p->pit_pt.pending)
		pit_taken(p, v);
	else if (vec == p->pic.chip[1].base && p->rtc_pt.pending)
		rtc_taken(p, v);
	for (unsigned int n = 0; n < 2; n++)
		if (vhpet_legacy_irq(&p->hpet, n) >= 0 && p->hpet_ch[n].pt.pending &&
		    vec == p->pic.chip[n].base)
			hpet_taken(p, v, n);
	unlock(p, f);
	return vec;
}

static bool pin_sends(const struct hvm_platform *p, unsigned int pin, unsigned int vec)
{
	return RTE_VECTOR(p->ioapic.rte[pin]) == vec && !(p->ioapic.rte[pin] & RTE_MASKED);
}

/* A glance (no lock) at whether HPET timer @n has ticks pending. */
static bool hpet_pending(const struct hvm_platform *p, unsigned int n)
{
	return __atomic_load_n(&p->hpet_ch[n].pt.pending, __ATOMIC_RELAXED);
}

static bool any_pending(const struct hvm_platform *p)
{
	bool any = __atomic_load_n(&p->pit_pt.pending, __ATOMIC_RELAXED) ||
		   __atomic_load_n(&p->rtc_pt.pending, __ATOMIC_RELAXED);

	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		any |= hpet_pending(p, n);
	return any;
}

/*
 * A vLAPIC vector was injected: IRQ 0's (IO-APIC pin 2), IRQ 8's or an
 * HPET timer's pin takes a tick.
 */
void hvm_platform_lapic_ack(struct vcpu *v, unsigned int vec)
{
	struct hvm_platform *p = platform_of(v->domain);
	unsigned long f;

	if (!p || !any_pending(p))
		return;
	f = lock(p);
	if (p->pit_pt.pending && pin_sends(p, 2, vec))
		pit_taken(p, v);
	else if (p->rtc_pt.pending && pin_sends(p, 8, vec))
		rtc_taken(p, v);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		if (p->hpet_ch[n].pt.pending && pin_sends(p, vhpet_pin(&p->hpet, n), vec))
			hpet_taken(p, v, n);
	unlock(p, f);
}

/* ISA IRQ @irq (IO-APIC pin @pin) can reach vCPU 0 through the PIC pair or the IO-APIC. */
static bool isa_unmasked(struct hvm_platform *p, struct vcpu *v, unsigned int irq, unsigned int pin)
{
	bool pic_masked = (p->pic.chip[0].imr >> (irq < 8 ? irq : 2)) & 1;

	if (irq >= 8)
		pic_masked |= (p->pic.chip[1].imr >> (irq - 8)) & 1;
	return (!pic_masked && vlapic_accepts_pic(v)) || !(p->ioapic.rte[pin] & RTE_MASKED);
}

/*
 * Before vCPU 0's entry: IRQ 0 (PIT) and IRQ 8 (RTC) rise again while their
 * periodic ticks are pending (an edge a masked IO-APIC pin lost is sent
 * once it is unmasked), as Xen's pt_update_irq does. A source masked at
 * both controllers waits (a glance, no lock).
 */
/* HPET timer @n's ticks can reach vCPU 0 (an ISA IRQ in legacy mode, else its IO-APIC pin). */
static bool hpet_unmasked(struct hvm_platform *p, struct vcpu *v, unsigned int n)
{
	int irq = vhpet_legacy_irq(&p->hpet, n);
	unsigned int pin = vhpet_pin(&p->hpet, n);

	if (irq >= 0)
		return isa_unmasked(p, v, (unsigned int)irq, pin);
	return pin < VIOAPIC_PINS && !(p->ioapic.rte[pin] & RTE_MASKED);
}

__hvm_hot void hvm_platform_ticks(struct vcpu *v)
{
	struct hvm_platform *p = platform_of(v->domain);
	bool pit, rtc, hpet[VHPET_TIMERS], any = false;
	unsigned long f;

	if (!p || v->vcpu_id)
		return;
	pit = __atomic_load_n(&p->pit_pt.pending, __ATOMIC_RELAXED) && isa_unmasked(p, v, 0, 2);
	rtc = __atomic_load_n(&p->rtc_pt.pending, __ATOMIC_RELAXED) && isa_unmasked(p, v, 8, 8);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		any |= hpet[n] = hpet_pending(p, n) && hpet_unmasked(p, v, n);
	if (!pit && !rtc && !any)
		return;
	f = lock(p);
	if (pit && p->pit_pt.pending)
		isa_pulse(p, 0);
	if (rtc && p->rtc_pt.pending)
		isa_pulse(p, 8);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		if (hpet[n] && p->hpet_ch[n].pt.pending)
			hpet_pulse(p, n);
	unlock(p, f);
}

void hvm_platform_eoi(struct domain *d, unsigned int vector)
{
	struct hvm_platform *p = platform_of(d);
	struct vioapic_msg m;
	unsigned int pin;
	unsigned long f;

	if (!p)
		return;
	f = lock(p);
	if (vioapic_eoi(&p->ioapic, vector, &m, &pin))
		deliver(p, &m);
	unlock(p, f);
}

/* ---- dm_op: the device model's interrupt lines. */

long hvm_platform_isa_irq(struct domain *d, unsigned int irq, unsigned int level)
{
	struct hvm_platform *p = platform_of(d);
	unsigned long f;

	if (irq > 15 || level > 1)
		return -EINVAL;
	if (!p)
		return 0; /* no controller: the line goes nowhere */
	f = lock(p);
	isa_line(p, irq, level);
	unlock(p, f);
	return 0;
}

long hvm_platform_pci_intx(struct domain *d, unsigned int seg, unsigned int bus, unsigned int dev,
			   unsigned int pin, unsigned int level)
{
	struct hvm_platform *p = platform_of(d);
	unsigned int link = intx_link(dev, pin);
	unsigned long f;

	if (seg || bus || dev >= NR_PCI_DEVS || pin > 3 || level > 1)
		return -EINVAL;
	if (!p)
		return 0;
	f = lock(p);
	p->intx[dev] = level ? p->intx[dev] | (1u << pin) : p->intx[dev] & ~(1u << pin);
	gsi_set(p, intx_gsi(dev, pin), intx_any(p, intx_gsi(dev, pin), false));
	if (p->pci_link[link])
		pic_line_update(p, p->pci_link[link]);
	unlock(p, f);
	return 0;
}

long hvm_platform_link_route(struct domain *d, unsigned int link, unsigned int irq)
{
	struct hvm_platform *p = platform_of(d);
	unsigned int old;
	unsigned long f;

	if (link > 3 || irq > 15)
		return -EINVAL;
	if (!p)
		return 0;
	f = lock(p);
	old = p->pci_link[link];
	p->pci_link[link] = (u8)irq;
	if (old)
		pic_line_update(p, old);
	if (irq)
		pic_line_update(p, irq);
	unlock(p, f);
	return 0;
}

/*
 * An MSI written by an emulated device: address bits 19:12 the destination,
 * bit 2 logical mode; data bits 7:0 the vector, 10:8 the delivery mode,
 * bit 15 level. Only those bits are read, as Xen does: QEMU's xen-apic
 * passes the offset of the write in the 0xFEExxxxx window, not the address.
 */
long hvm_platform_msi(struct domain *d, u64 addr, u32 data)
{
	struct hvm_platform *p = platform_of(d);
	struct vioapic_msg m = {
		.vector = data & 0xff,
		.mode = (data >> 8) & 7,
		.dest = (addr >> 12) & 0xff,
		.logical = addr & 4,
		.level = data & (1u << 15),
	};

	if (m.vector < 16)
		return -EINVAL;
	if (p)
		deliver(p, &m);
	return 0;
}

/* ---- Life cycle. */

/* The interrupt controllers' state, for the 'q' debug key. */
void hvm_platform_dump(struct domain *d)
{
	struct hvm_platform *p = platform_of(d);

	if (!p)
		return;
	for (unsigned int i = 0; i < 2; i++) {
		const struct vpic_chip *c = &p->pic.chip[i];

		printk("  pic%u irr %#x isr %#x imr %#x elcr %#x base %#x\n", i, c->irr, c->isr,
		       c->imr, c->elcr, c->base);
	}
	printk("  ioapic lines %#lx isa %#x pit %lu ns, rtc %lu ns\n", p->ioapic.lines,
	       p->isa_lines, vpit_period_ns(&p->pit), vrtc_period_ns(&p->rtc));
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		if (!(p->ioapic.rte[pin] & RTE_MASKED))
			printk("  ioapic pin %u rte %#lx\n", pin, p->ioapic.rte[pin]);
	if (p->has_hpet)
		printk("  hpet config %#lx isr %#lx timers %#lx %#lx %#lx\n", p->hpet.config,
		       p->hpet.isr, p->hpet.t[0].config, p->hpet.t[1].config, p->hpet.t[2].config);
}

bool hvm_platform_flags_ok(u32 flags)
{
	return flags == XEN_X86_EMU_LAPIC || flags == HVM_PLATFORM_EMU_ALL;
}

int hvm_platform_init(struct domain *d, u32 flags)
{
	struct hvm_platform *p;
	u64 wall;

	d->arch.hvm.emulation_flags = flags;
	if (!(flags & XEN_X86_EMU_PIC))
		return 0;
	p = alloc_xenheap_pages(0);
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	spin_lock_init(&p->lock);
	p->d = d;
	vpic_reset(&p->pic);
	vioapic_reset(&p->ioapic);
	vpit_reset(&p->pit);
	p->pm_start = system_time();
	p->rtc_start = p->pm_start;
	init_timer(&p->pit_timer, pit_fire, p);
	init_timer(&p->rtc_timer, rtc_periodic, p);
	init_timer(&p->rtc_second, rtc_tick, p);
	p->has_hpet = flags & XEN_X86_EMU_HPET;
	vhpet_reset(&p->hpet);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		p->hpet_ch[n].p = p;
		p->hpet_ch[n].n = n;
		init_timer(&p->hpet_ch[n].timer, hpet_fire, &p->hpet_ch[n]);
	}
	/* As Xen: a domain with the HPET starts with it enabled (libxl's hpet=0 clears it). */
	d->arch.hvm.params[HVM_PARAM_HPET_ENABLED] = p->has_hpet;
	d->arch.hvm.platform = p;
	wall = wall_ns(p);
	vrtc_reset(&p->rtc, wall / NS_PER_SEC);
	return 0;
}

void hvm_platform_destroy(struct domain *d)
{
	struct hvm_platform *p = platform_of(d);

	if (!p)
		return;
	stop_timer(&p->pit_timer);
	stop_timer(&p->rtc_timer);
	stop_timer(&p->rtc_second);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		stop_timer(&p->hpet_ch[n].timer);
	d->arch.hvm.platform = NULL;
	free_xenheap_pages(p, 0);
}

/* ---- Save records (Xen's PIC, IOAPIC, PCI_IRQ, ISA_IRQ, PCI_LINK, PIT, RTC, HPET, PMTIMER). */

static void pic_save(const struct hvm_platform *p, unsigned int i, struct petrel_hvm_hw_vpic *r)
{
	const struct vpic_chip *c = &p->pic.chip[i];

	r->irr = c->irr;
	r->imr = c->imr;
	r->isr = c->isr;
	r->irq_base = c->base;
	r->init_prio = (u8)((c->init_step | (c->need_icw4 ? 4 : 0) | (c->single ? 8 : 0)) |
			    (((c->lowest + 1) & 7) << 4));
	r->modes =
	    (u8)((c->read_isr ? PETREL_VPIC_READSEL_ISR : 0) | (c->poll ? PETREL_VPIC_POLL : 0) |
		 (c->auto_eoi ? PETREL_VPIC_AUTO_EOI : 0) |
		 (c->rotate_aeoi ? PETREL_VPIC_ROTATE_AEOI : 0) |
		 (c->special_mask ? PETREL_VPIC_SPECIAL_MASK : 0) |
		 (i == 0 ? PETREL_VPIC_IS_MASTER : 0));
	r->elcr = c->elcr;
	r->int_output = i == 0 ? vpic_pending(&p->pic) >= 0 : (p->pic.chip[0].irr >> 2) & 1;
}

static void pic_load(struct hvm_platform *p, unsigned int i, const struct petrel_hvm_hw_vpic *r)
{
	struct vpic_chip *c = &p->pic.chip[i];
	u8 lines = c->lines;

	*c = (struct vpic_chip){
		.irr = r->irr, .imr = r->imr, .isr = r->isr, .base = r->irq_base, .lines = lines
	};
	c->init_step = r->init_prio & 3;
	c->need_icw4 = r->init_prio & 4;
	c->single = r->init_prio & 8;
	c->lowest = (u8)(((r->init_prio >> 4) + 7) & 7);
	c->read_isr = r->modes & PETREL_VPIC_READSEL_ISR;
	c->poll = r->modes & PETREL_VPIC_POLL;
	c->auto_eoi = r->modes & PETREL_VPIC_AUTO_EOI;
	c->rotate_aeoi = r->modes & PETREL_VPIC_ROTATE_AEOI;
	c->special_mask = r->modes & PETREL_VPIC_SPECIAL_MASK;
	c->elcr = r->elcr & (i ? 0xde : 0xf8);
}

static u8 rw_state(u8 rw, bool second)
{
	return rw == 3 ? (u8)(second ? 4 : 3) : rw;
}

static void pit_save(const struct hvm_platform *p, struct petrel_hvm_hw_pit *r)
{
	for (unsigned int i = 0; i < 3; i++) {
		const struct vpit_channel *c = &p->pit.ch[i];
		struct petrel_hvm_hw_pit_channel *o = &r->channels[i];

		o->count = c->reload;
		o->latched_count = c->latch;
		o->count_latched = c->latched ? c->rw : 0;
		o->status_latched = c->status_latched;
		o->status = c->status;
		o->read_state = rw_state(c->rw, c->read_hi);
		o->write_state = rw_state(c->rw, c->write_hi);
		o->write_latch = c->write_lo;
		o->rw_mode = c->rw;
		o->mode = c->mode;
		o->bcd = c->bcd;
		o->gate = c->gate;
	}
	r->speaker_data_on = p->pit.speaker;
}

/* Counting restarts from the reload value at the load (Xen's record has no load time either). */
static void pit_load(struct hvm_platform *p, const struct petrel_hvm_hw_pit *r, u64 now)
{
	for (unsigned int i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->pit.ch[i];
		const struct petrel_hvm_hw_pit_channel *o = &r->channels[i];

		*c = (struct vpit_channel){ 0 };
		c->reload = o->count && o->count <= 0x10000 ? o->count : 0x10000;
		c->latch = o->latched_count;
		c->latched = o->count_latched;
		c->status_latched = o->status_latched;
		c->status = o->status;
		c->rw = o->rw_mode & 3 ? o->rw_mode & 3 : 3;
		c->read_hi = o->read_state == 4;
		c->write_hi = o->write_state == 4;
		c->write_lo = o->write_latch;
		c->mode = o->mode > 5 ? o->mode - 4 : o->mode;
		c->mode &= 7;
		c->bcd = o->bcd;
		c->gate = i == 2 ? o->gate : true;
		c->start_ns = guest_now(p, now);
		c->armed = true;
	}
	p->pit.speaker = r->speaker_data_on & 1;
	pit_arm(p, now);
}

static void rtc_save(struct hvm_platform *p, struct petrel_hvm_hw_rtc *r)
{
	u64 wall = wall_ns(p);

	/* Refresh the time registers the way a read would. */
	if (!(p->rtc.cmos[RTC_REG_B] & RTC_B_SET))
		vrtc_from_secs(&p->rtc, (u64)((s64)(wall / NS_PER_SEC) + p->rtc.offset));
	memcpy(r->cmos_data, p->rtc.cmos, sizeof(r->cmos_data));
	r->cmos_index = p->rtc.index;
	r->rtc_offset = p->rtc.offset;
}

static void rtc_load(struct hvm_platform *p, const struct petrel_hvm_hw_rtc *r)
{
	memcpy(p->rtc.cmos, r->cmos_data, sizeof(r->cmos_data));
	p->rtc.cmos[RTC_REG_A] &= ~RTC_A_UIP;
	p->rtc.index = r->cmos_index & 0x7f;
	p->rtc.offset = r->rtc_offset;
	p->rtc_rate = vrtc_period_ns(&p->rtc);
	rtc_restart(p, system_time());
	rtc_arm_second(p, system_time());
}

static u64 intx_bits(const struct hvm_platform *p, unsigned int half)
{
	u64 bits = 0;

	for (unsigned int dev = 16 * half; dev < 16 * half + 16; dev++)
		bits |= (u64)(p->intx[dev] & 0xf) << (4 * (dev - 16 * half));
	return bits;
}

/* The record for @code/@instance into @buf (room for 1048 bytes): its length, 0 if none. */
u32 hvm_platform_save(struct domain *d, unsigned int code, unsigned int instance, void *buf)
{
	struct hvm_platform *p = platform_of(d);
	unsigned long f;
	u32 len = 0;

	if (!p)
		return 0;
	f = lock(p);
	switch (code) {
	case PETREL_HVM_SAVE_CODE_PIC:
		if (instance < 2) {
			pic_save(p, instance, buf);
			len = sizeof(struct petrel_hvm_hw_vpic);
		}
		break;
	case PETREL_HVM_SAVE_CODE_IOAPIC: {
		struct petrel_hvm_hw_vioapic *r = buf;

		r->base_address = VIOAPIC_BASE;
		r->ioregsel = p->ioapic.ioregsel;
		r->id = p->ioapic.id;
		memcpy(r->redirtbl, p->ioapic.rte, sizeof(r->redirtbl));
		len = sizeof(*r);
		break;
	}
	case PETREL_HVM_SAVE_CODE_PCI_IRQ: {
		struct petrel_hvm_hw_pci_irqs *r = buf;

		r->i[0] = intx_bits(p, 0);
		r->i[1] = intx_bits(p, 1);
		len = sizeof(*r);
		break;
	}
	case PETREL_HVM_SAVE_CODE_ISA_IRQ:
		((struct petrel_hvm_hw_isa_irqs *)buf)->i[0] = p->isa_lines;
		len = sizeof(struct petrel_hvm_hw_isa_irqs);
		break;
	case PETREL_HVM_SAVE_CODE_PCI_LINK:
		memset(buf, 0, sizeof(struct petrel_hvm_hw_pci_link));
		memcpy(((struct petrel_hvm_hw_pci_link *)buf)->route, p->pci_link, 4);
		len = sizeof(struct petrel_hvm_hw_pci_link);
		break;
	case PETREL_HVM_SAVE_CODE_PIT:
		memset(buf, 0, sizeof(struct petrel_hvm_hw_pit));
		pit_save(p, buf);
		len = sizeof(struct petrel_hvm_hw_pit);
		break;
	case PETREL_HVM_SAVE_CODE_RTC:
		memset(buf, 0, sizeof(struct petrel_hvm_hw_rtc));
		rtc_save(p, buf);
		len = sizeof(struct petrel_hvm_hw_rtc);
		break;
	case PETREL_HVM_SAVE_CODE_HPET:
		if (p->has_hpet) {
			vhpet_save(&p->hpet, hpet_ticks(p, system_time()), buf);
			len = sizeof(struct petrel_hvm_hw_hpet);
		}
		break;
	case PETREL_HVM_SAVE_CODE_PMTIMER: {
		struct petrel_hvm_hw_pmtimer *r = buf;

		r->tmr_val = pmtimer_count(pm_elapsed(p, system_time()));
		r->pm1a_sts = p->pm1a_sts;
		r->pm1a_en = p->pm1a_en;
		len = sizeof(*r);
		break;
	}
	}
	unlock(p, f);
	return len;
}

/* The size each record must have, 0 for a code that is not the platform's. */
static u32 record_size(unsigned int code)
{
	switch (code) {
	case PETREL_HVM_SAVE_CODE_PIC:
		return sizeof(struct petrel_hvm_hw_vpic);
	case PETREL_HVM_SAVE_CODE_IOAPIC:
		return sizeof(struct petrel_hvm_hw_vioapic);
	case PETREL_HVM_SAVE_CODE_PCI_IRQ:
		return sizeof(struct petrel_hvm_hw_pci_irqs);
	case PETREL_HVM_SAVE_CODE_ISA_IRQ:
		return sizeof(struct petrel_hvm_hw_isa_irqs);
	case PETREL_HVM_SAVE_CODE_PCI_LINK:
		return sizeof(struct petrel_hvm_hw_pci_link);
	case PETREL_HVM_SAVE_CODE_PIT:
		return sizeof(struct petrel_hvm_hw_pit);
	case PETREL_HVM_SAVE_CODE_RTC:
		return sizeof(struct petrel_hvm_hw_rtc);
	case PETREL_HVM_SAVE_CODE_HPET:
		return sizeof(struct petrel_hvm_hw_hpet);
	case PETREL_HVM_SAVE_CODE_PMTIMER:
		return sizeof(struct petrel_hvm_hw_pmtimer);
	}
	return 0;
}

bool hvm_platform_record(unsigned int code)
{
	return record_size(code) != 0;
}

static void lines_load(struct hvm_platform *p, unsigned int code, const void *body)
{
	if (code == PETREL_HVM_SAVE_CODE_ISA_IRQ) {
		p->isa_lines = (u16)((const struct petrel_hvm_hw_isa_irqs *)body)->i[0];
		for (unsigned int irq = 0; irq < 16; irq++)
			p->pic.chip[irq >> 3].lines =
			    (u8)((p->pic.chip[irq >> 3].lines & ~(1u << (irq & 7))) |
				 (((p->isa_lines >> irq) & 1) << (irq & 7)));
	} else if (code == PETREL_HVM_SAVE_CODE_PCI_IRQ) {
		const struct petrel_hvm_hw_pci_irqs *r = body;

		for (unsigned int dev = 0; dev < NR_PCI_DEVS; dev++)
			p->intx[dev] = (u8)((r->i[dev / 16] >> (4 * (dev % 16))) & 0xf);
	} else {
		const struct petrel_hvm_hw_pci_link *r = body;

		for (unsigned int l = 0; l < 4; l++)
			p->pci_link[l] = r->route[l] < 16 ? r->route[l] : 0;
	}
}

/* The interrupt-routing records, which Xen writes for every HVM domain (PVH too). */
static bool routing_record(unsigned int code)
{
	return code == PETREL_HVM_SAVE_CODE_PCI_IRQ || code == PETREL_HVM_SAVE_CODE_ISA_IRQ ||
	       code == PETREL_HVM_SAVE_CODE_PCI_LINK;
}

/* The HPET record: one with values Xen's HPET never has is refused (-EINVAL), saying why. */
static int hpet_record(struct hvm_platform *p, const struct petrel_hvm_hw_hpet *r, bool load)
{
	const char *why;
	unsigned long f;
	u64 now;

	if (!p->has_hpet)
		return -ENODEV;
	if (vhpet_record_check(r, &why)) {
		printk(XENLOG_G_GUEST XENLOG_ERR "HVM restore: d%u's HPET record refused: %s\n",
		       p->d->domain_id, why);
		return -EINVAL;
	}
	if (!load)
		return 0;
	f = lock(p);
	now = system_time();
	vhpet_load(&p->hpet, r, hpet_ticks(p, now));
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		hpet_arm(p, n, now);
	unlock(p, f);
	return 0;
}

/*
 * Check (@load false) or load a record: a wrong length or instance, or an
 * IO-APIC at another address, -EINVAL; a domain without the devices -ENODEV,
 * but for its routing records, taken with nothing to route (a PVH domain
 * saved by Xen).
 */
int hvm_platform_load(struct domain *d, unsigned int code, unsigned int instance, const void *body,
		      u32 len, bool load)
{
	struct hvm_platform *p = platform_of(d);
	unsigned long f;

	if (len != record_size(code) || instance > (code == PETREL_HVM_SAVE_CODE_PIC ? 1u : 0u))
		return p || routing_record(code) ? -EINVAL : -ENODEV;
	if (!p)
		return routing_record(code) ? 0 : -ENODEV;
	if (code == PETREL_HVM_SAVE_CODE_IOAPIC &&
	    ((const struct petrel_hvm_hw_vioapic *)body)->base_address != VIOAPIC_BASE)
		return -EINVAL;
	if (code == PETREL_HVM_SAVE_CODE_HPET)
		return hpet_record(p, body, load);
	if (!load)
		return 0;
	f = lock(p);
	switch (code) {
	case PETREL_HVM_SAVE_CODE_PIC:
		pic_load(p, instance, body);
		break;
	case PETREL_HVM_SAVE_CODE_IOAPIC: {
		const struct petrel_hvm_hw_vioapic *r = body;

		p->ioapic.ioregsel = r->ioregsel & 0xff;
		p->ioapic.id = r->id & 0xf;
		memcpy(p->ioapic.rte, r->redirtbl, sizeof(p->ioapic.rte));
		break;
	}
	case PETREL_HVM_SAVE_CODE_PIT:
		pit_load(p, body, system_time());
		break;
	case PETREL_HVM_SAVE_CODE_RTC:
		rtc_load(p, body);
		break;
	case PETREL_HVM_SAVE_CODE_PMTIMER: {
		const struct petrel_hvm_hw_pmtimer *r = body;

		p->pm_start = guest_now(p, system_time()) - (u64)r->tmr_val * NS_PER_SEC / PMTMR_HZ;
		p->pm_seen = 0;
		p->pm1a_sts = r->pm1a_sts;
		p->pm1a_en = r->pm1a_en & PM1_EN_MASK;
		break;
	}
	default:
		lines_load(p, code, body);
	}
	unlock(p, f);
	return 0;
}

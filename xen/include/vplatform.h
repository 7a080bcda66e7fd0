/*
 * The platform devices an HVM domain with Xen's full emulation set has in
 * the hypervisor: the 8259 pair (hvm/vpic.c), the IO-APIC (hvm/vioapic.c),
 * the 8254 PIT (hvm/vpit.c), the MC146818 RTC/CMOS (hvm/vrtc.c) and the
 * ACPI PM timer. These files are the devices' rules on plain state, with
 * time passed in: no domain, no timers, no injection. hvm/platform.c wires
 * them to ports, MMIO, timers and the vLAPIC; the host unit tests run them.
 */
#ifndef PETREL_VPLATFORM_H
#define PETREL_VPLATFORM_H

#include "types.h"

/* ---- 8259 pair: ports 0x20/0x21 (master), 0xA0/0xA1 (slave), ELCR 0x4D0/0x4D1. */
struct vpic_chip {
	u8 irr, isr, imr;
	u8 elcr;      /* 1 = level-triggered pin */
	u8 lines;     /* the input levels last seen (edge detection) */
	u8 base;      /* ICW2: vector of pin 0 */
	u8 lowest;    /* the pin with the lowest priority; pin lowest+1 has the highest */
	u8 init_step; /* 0 ready, 1-3: ICW2-ICW4 expected next */
	bool need_icw4, single, auto_eoi, rotate_aeoi, special_mask, read_isr, poll;
};
struct vpic {
	struct vpic_chip chip[2]; /* master, slave (cascaded on master pin 2) */
};

void vpic_reset(struct vpic *p);
/* Drive ISA IRQ @irq (0-15) to @level. */
void vpic_set_irq(struct vpic *p, unsigned int irq, bool level);
/* The vector the pair would hand the CPU now, -1 if its output is low. */
int vpic_pending(const struct vpic *p);
/* The CPU's INTA cycle: the vector (a spurious base+7 if the request went away). */
unsigned int vpic_ack(struct vpic *p);
/* Port access for 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1 (one byte). */
u8 vpic_read(struct vpic *p, u16 port);
void vpic_write(struct vpic *p, u16 port, u8 val);

/* ---- IO-APIC at 0xFEC00000: IOREGSEL at +0, IOWIN at +0x10. */
#define VIOAPIC_BASE 0xfec00000UL
#define VIOAPIC_PINS 48
#define VIOAPIC_VERSION 0x11
#define RTE_MASKED (1UL << 16)
#define RTE_LEVEL (1UL << 15)
#define RTE_REMOTE_IRR (1UL << 14)
#define RTE_DELIVS (1UL << 12)
#define RTE_LOGICAL (1UL << 11)
#define RTE_MODE(r) (((r) >> 8) & 7)
#define RTE_MODE_NMI 4
#define RTE_VECTOR(r) ((unsigned int)((r)&0xff))
#define RTE_DEST(r) ((unsigned int)((r) >> 56))

struct vioapic {
	u32 ioregsel;
	u32 id;
	u64 rte[VIOAPIC_PINS];
	u64 lines; /* input levels, bit n = pin n */
};

/* An interrupt the IO-APIC sends to the local APICs. */
struct vioapic_msg {
	unsigned int vector, mode, dest;
	bool logical, level;
};

void vioapic_reset(struct vioapic *a);
/* Drive pin @pin to @level; true with *m filled when a message goes out. */
bool vioapic_set_irq(struct vioapic *a, unsigned int pin, bool level, struct vioapic_msg *m);
/*
 * A local APIC's EOI of @vector: clears remote IRR of the level pins with
 * that vector; a pin still asserted sends again (true, *m, *pin).
 */
bool vioapic_eoi(struct vioapic *a, unsigned int vector, struct vioapic_msg *m, unsigned int *pin);
/* MMIO at offset @off from the base; 32-bit accesses. */
u32 vioapic_read(struct vioapic *a, unsigned int off);
/* A write; a pin unmasked with its line high sends (true, *m, *pin). */
bool vioapic_write(struct vioapic *a, unsigned int off, u32 val, struct vioapic_msg *m,
		   unsigned int *pin);

/* ---- 8254 PIT: 0x40-0x42 counters, 0x43 control, 0x61 channel 2 gate and output. */
#define PIT_HZ 1193182UL
struct vpit_channel {
	u32 reload;   /* 1-65536 */
	u64 start_ns; /* when counting began (the last reload) */
	u8 mode;      /* 0-5 */
	u8 rw;	      /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd, gate;
	bool write_hi; /* the next write is the MSB */
	bool read_hi;  /* the next read is the MSB */
	u8 write_lo;
	bool latched; /* a latched count waits */
	u16 latch;
	u16 latch_hold; /* channel 2's count while its gate is low */
	bool status_latched;
	u8 status;
	bool null_count;
	bool armed; /* a count was written */
};
struct vpit {
	struct vpit_channel ch[3];
	bool speaker; /* port 0x61 bit 1 */
};

void vpit_reset(struct vpit *p);
u8 vpit_read(struct vpit *p, u16 port, u64 now_ns);
/* A write; true when channel 0's timing changed (re-arm its IRQ timer). */
bool vpit_write(struct vpit *p, u16 port, u8 val, u64 now_ns);
/* The counter value of channel @c at @now_ns. */
u16 vpit_count(const struct vpit *p, unsigned int c, u64 now_ns);
/* Channel 0's IRQ period in ns (modes 2, 3), 0 if it raises no periodic IRQ 0. */
u64 vpit_period_ns(const struct vpit *p);
/* ns from channel 0's start to its one IRQ in mode 1 or 4, 0 if none (mode 0: none, as Xen). */
u64 vpit_oneshot_ns(const struct vpit *p);

/*
 * ---- A periodic interrupt source's ticks under HVM_PARAM_TIMER_MODE
 * (hvm/vpt.c): the vPIT's channel 0 and the vLAPIC timer.
 */
#define VPT_MAX_PENDING 1000 /* ticks kept for a guest that does not take them */
struct vpt {
	u64 next;    /* system time of the next tick */
	u64 period;  /* ns; 0 for a one-shot */
	u32 pending; /* ticks due and not yet taken: the interrupt is raised while non-zero */
	u64 gtick;   /* guest time of the last tick taken, on the grid; set at start */
};

/* Counting from scratch: the first tick at @first, then every @period ns (0: once). */
void vpt_start(struct vpt *t, u64 first, u64 period);
/* The timer expired at the next tick: one more is pending; the timer is not re-armed. */
void vpt_fire(struct vpt *t);
/*
 * The guest was given the source's vector at @now: one tick (or, in the
 * modes that collapse them, every one) is taken; in the modes that keep
 * them, gtick moves one period on (Xen's last_plt_gtime). Returns the
 * deadline to arm the timer at once none is pending, 0 while ticks remain
 * or after a one-shot.
 */
u64 vpt_taken(struct vpt *t, u64 now, unsigned int mode);

/* ---- MC146818 RTC and CMOS RAM: index 0x70, data 0x71. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32
#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

struct vrtc {
	u8 cmos[128];
	u8 index;
	s64 offset; /* guest seconds = host wall seconds + offset */
};

/* Set up at guest time @secs (seconds since 1970, UTC). */
void vrtc_reset(struct vrtc *r, u64 secs);
/*
 * Port access at host wall-clock @secs and @ns_in_second (update in
 * progress shows in the last 244 us of a second).
 */
u8 vrtc_read(struct vrtc *r, u16 port, u64 secs, u32 ns_in_second);
void vrtc_write(struct vrtc *r, u16 port, u8 val, u64 secs);
/* The periodic interrupt's period from register A's rate bits, 0 = off. */
u64 vrtc_period_ns(const struct vrtc *r);
/* Register C's flag on an event (RTC_C_PF, _AF, _UF); true when IRQ 8 is to rise. */
bool vrtc_flag(struct vrtc *r, u8 flag);
/* Whether the alarm registers match the time shown at @secs. */
bool vrtc_alarm_due(struct vrtc *r, u64 secs);
/* Days/time <-> seconds since 1970 (what the time registers show). */
void vrtc_from_secs(struct vrtc *r, u64 secs);
u64 vrtc_to_secs(const struct vrtc *r);

/* ---- ACPI PM timer and PM1a event block. */
#define PMTMR_HZ 3579545UL
#define PM1A_EVT_V0 0x1f40
#define PM_TMR_V0 0x1f48
#define PM1A_EVT_V1 0xb000
#define PM_TMR_V1 0xb008
/* The PM timer's 32-bit count at @ns since it started. */
u32 pmtimer_count(u64 ns);

/*
 * ---- HPET at 0xFED00000 (1 KiB of 64-bit registers), as Xen 4.17 has it:
 * three timers, a 64-bit counter at 62.5 MHz (the guest's time in ns / 16),
 * legacy replacement routes, timers routed to IO-APIC pins 20-23, edge or
 * level. Time is passed in as counter ticks of the guest's clock.
 */
#define VHPET_BASE 0xfed00000UL
#define VHPET_SIZE 0x400
#define VHPET_TIMERS 3
#define VHPET_NS_PER_TICK 16
#define VHPET_ID 0x000
#define VHPET_CFG 0x010
#define VHPET_STATUS 0x020
#define VHPET_COUNTER 0x0f0
#define VHPET_TN_CFG(n) (0x100 + 0x20 * (n))
#define VHPET_TN_CMP(n) (0x108 + 0x20 * (n))
#define VHPET_TN_ROUTE(n) (0x110 + 0x20 * (n))
#define VHPET_CFG_ENABLE 0x1
#define VHPET_CFG_LEGACY 0x2
#define VHPET_TN_LEVEL 0x2
#define VHPET_TN_ENABLE 0x4
#define VHPET_TN_PERIODIC 0x8
#define VHPET_TN_PERIODIC_CAP 0x10
#define VHPET_TN_64BIT_CAP 0x20
#define VHPET_TN_SETVAL 0x40
#define VHPET_TN_32BIT 0x100
#define VHPET_TN_ROUTE_SHIFT 9
#define VHPET_TN_ROUTE_MASK (0x1fUL << VHPET_TN_ROUTE_SHIFT)
#define VHPET_TN_ROUTE_CAP 0x00f00000UL /* bits 63:32: IO-APIC pins 20-23 */
/* Vendor 0x8086, 3 timers (field 2), 64-bit counter, legacy capable; 16e6 fs a tick. */
#define VHPET_CAPABILITY (0x8086a201UL | (16000000UL << 32))

struct vhpet_timer {
	u64 config;
	u64 cmp;    /* the 64-bit comparator (a 32-bit timer shows its low half) */
	u64 period; /* ticks between a periodic timer's interrupts */
	u64 fsb;    /* the FSB route register: kept, never used */
};
struct vhpet {
	u64 config;
	u64 isr;       /* general interrupt status: level timers that fired */
	u64 mc64;      /* the counter while halted */
	u64 mc_offset; /* while running: counter = ticks + mc_offset */
	struct vhpet_timer t[VHPET_TIMERS];
};

/* vhpet_write's answer: timer n is to be re-armed (or stopped), its level line dropped. */
#define VHPET_REARM(n) (1u << (n))
#define VHPET_LOWER(n) (0x100u << (n))

void vhpet_reset(struct vhpet *h);
u64 vhpet_counter(const struct vhpet *h, u64 ticks);
/* An access of @len (1, 2, 4, 8) at @off; a misaligned one reads all-ones, writes nothing. */
u64 vhpet_read(struct vhpet *h, unsigned int off, unsigned int len, u64 ticks);
unsigned int vhpet_write(struct vhpet *h, unsigned int off, unsigned int len, u64 val, u64 ticks);
/*
 * When timer @n is to interrupt: false if it does not run; else *@first,
 * ticks from now, and *@period, ticks between interrupts (0: once).
 */
bool vhpet_due(struct vhpet *h, unsigned int n, u64 ticks, u64 *first, u64 *period);
/* Timer @n's ISA IRQ in legacy replacement mode (0 or 8), -1 if it uses its IO-APIC route. */
int vhpet_legacy_irq(const struct vhpet *h, unsigned int n);
/* The IO-APIC pin timer @n raises (its route, or 2 and 8 in legacy mode). */
unsigned int vhpet_pin(const struct vhpet *h, unsigned int n);
bool vhpet_level(const struct vhpet *h, unsigned int n);
/* Timer @n's comparator matched: a level timer's status bit goes up (true: raise its line). */
bool vhpet_fired(struct vhpet *h, unsigned int n);

struct petrel_hvm_hw_hpet;
void vhpet_save(struct vhpet *h, u64 ticks, struct petrel_hvm_hw_hpet *r);
/* A record Xen's HPET could have written: 0, or -EINVAL with *@why set. */
int vhpet_record_check(const struct petrel_hvm_hw_hpet *r, const char **why);
void vhpet_load(struct vhpet *h, const struct petrel_hvm_hw_hpet *r, u64 ticks);

#endif

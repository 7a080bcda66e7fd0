/*
 * Platform device rules: xen/arch/x86/hvm/vpic.c, vioapic.c, vpit.c and
 * vrtc.c (included below). PIC priorities, ISR and EOI, cascade, ELCR;
 * IO-APIC redirection, remote IRR and EOI; PIT counter math, latch and
 * read-back; RTC BCD/binary/12h forms and setting the clock; PM timer rate;
 * periodic ticks under the four timer modes (vpt.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../xen/arch/x86/hvm/vpic.c"
#include "../../xen/arch/x86/hvm/vioapic.c"
#include "../../xen/arch/x86/hvm/vpit.c"
#include "../../xen/arch/x86/hvm/vrtc.c"
#include "../../xen/arch/x86/hvm/vpt.c"
#include "../../xen/arch/x86/hvm/vhpet.c"

/* Program the pair as BIOSes and Linux do: ICW1-4, vectors 0x20 and 0x28. */
static void pic_init(struct vpic *p)
{
	vpic_reset(p);
	vpic_write(p, 0x20, 0x11);
	vpic_write(p, 0x21, 0x20);
	vpic_write(p, 0x21, 0x04);
	vpic_write(p, 0x21, 0x01);
	vpic_write(p, 0xa0, 0x11);
	vpic_write(p, 0xa1, 0x28);
	vpic_write(p, 0xa1, 0x02);
	vpic_write(p, 0xa1, 0x01);
	vpic_write(p, 0x21, 0x00);
	vpic_write(p, 0xa1, 0x00);
}

static void test_pic_priority_isr(void **state)
{
	struct vpic p;

	(void)state;
	pic_init(&p);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 1, true);
	/* IRQ 1 beats IRQ 4; IRR shows both, ISR neither. */
	assert_int_equal(vpic_pending(&p), 0x21);
	assert_int_equal(vpic_read(&p, 0x20), 0x12);
	assert_int_equal(vpic_ack(&p), 0x21);
	/* IRQ 1 in service blocks IRQ 4 until its EOI. */
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, 0x20, 0x0b); /* OCW3: read ISR */
	assert_int_equal(vpic_read(&p, 0x20), 0x02);
	vpic_write(&p, 0x20, 0x20); /* non-specific EOI */
	assert_int_equal(vpic_read(&p, 0x20), 0x00);
	assert_int_equal(vpic_pending(&p), 0x24);
	/* A higher-priority request interrupts a lower one in service. */
	assert_int_equal(vpic_ack(&p), 0x24);
	vpic_set_irq(&p, 0, true);
	assert_int_equal(vpic_pending(&p), 0x20);
	/* Edge pins: a line that stays high does not request again. */
	assert_int_equal(vpic_ack(&p), 0x20);
	vpic_write(&p, 0x20, 0x60); /* specific EOI 0 */
	vpic_write(&p, 0x20, 0x64); /* specific EOI 4 */
	assert_int_equal(vpic_pending(&p), -1);
	vpic_set_irq(&p, 0, false);
	vpic_set_irq(&p, 0, true);
	assert_int_equal(vpic_pending(&p), 0x20);
	/* An edge that drops before the acknowledge is lost. */
	vpic_set_irq(&p, 0, false);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_pic_mask_cascade_level(void **state)
{
	struct vpic p;

	(void)state;
	pic_init(&p);
	vpic_write(&p, 0x21, 0x01); /* mask IRQ 0 */
	vpic_set_irq(&p, 0, true);
	assert_int_equal(vpic_pending(&p), -1);
	assert_int_equal(vpic_read(&p, 0x21), 0x01);
	vpic_write(&p, 0x21, 0x00);
	assert_int_equal(vpic_pending(&p), 0x20); /* latched while masked */
	vpic_ack(&p);
	vpic_write(&p, 0x20, 0x20);
	/* A slave pin goes through master pin 2 with the slave's vector. */
	vpic_set_irq(&p, 10, true);
	assert_int_equal(vpic_pending(&p), 0x2a);
	assert_int_equal(vpic_ack(&p), 0x2a);
	vpic_write(&p, 0xa0, 0x0b);
	assert_int_equal(vpic_read(&p, 0xa0), 0x04);
	vpic_write(&p, 0x20, 0x0b);
	assert_int_equal(vpic_read(&p, 0x20), 0x04);
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);
	vpic_set_irq(&p, 10, false);
	/* Level pins per the ELCR; pins 0-2 and 8, 13 cannot be level. */
	vpic_write(&p, 0x4d1, 0xff);
	assert_int_equal(vpic_read(&p, 0x4d1), 0xde);
	vpic_write(&p, 0x4d0, 0xff);
	assert_int_equal(vpic_read(&p, 0x4d0), 0xf8);
	vpic_set_irq(&p, 11, true);
	assert_int_equal(vpic_ack(&p), 0x2b);
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);
	assert_int_equal(vpic_pending(&p), 0x2b); /* still high: asks again */
	vpic_set_irq(&p, 11, false);
	assert_int_equal(vpic_pending(&p), -1);
	/* An ack with nothing pending is the spurious IRQ 7. */
	assert_int_equal(vpic_ack(&p), 0x27);
}

static void test_pic_rotation_aeoi_poll(void **state)
{
	struct vpic p;

	(void)state;
	pic_init(&p);
	vpic_write(&p, 0x20, 0xc4); /* set priority: pin 4 lowest, 5 highest */
	vpic_set_irq(&p, 3, true);
	vpic_set_irq(&p, 6, true);
	assert_int_equal(vpic_pending(&p), 0x26);
	/* Auto-EOI: ICW4 bit 1, nothing stays in service. */
	vpic_write(&p, 0x20, 0x11);
	vpic_write(&p, 0x21, 0x20);
	vpic_write(&p, 0x21, 0x04);
	vpic_write(&p, 0x21, 0x03);
	vpic_set_irq(&p, 5, false);
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	vpic_write(&p, 0x20, 0x0b);
	assert_int_equal(vpic_read(&p, 0x20), 0x00);
	/* Poll: the read is the acknowledge. */
	vpic_set_irq(&p, 7, true);
	vpic_write(&p, 0x20, 0x0c);
	assert_int_equal(vpic_read(&p, 0x20), 0x87);
	vpic_write(&p, 0x20, 0x0c);
	assert_int_equal(vpic_read(&p, 0x20), 0x00);
}

static void test_ioapic(void **state)
{
	struct vioapic a;
	struct vioapic_msg m;
	unsigned int pin = 99;

	(void)state;
	vioapic_reset(&a);
	assert_int_equal(vioapic_read(&a, 0x10), 0); /* ioregsel 0: ID */
	vioapic_write(&a, 0, 1, &m, &pin);
	assert_int_equal(vioapic_read(&a, 0x10), (47 << 16) | 0x11);
	/* Masked after reset: nothing goes out. */
	assert_false(vioapic_set_irq(&a, 2, true, &m));
	vioapic_set_irq(&a, 2, false, &m);
	/* Pin 2: vector 0x31, physical destination APIC 0, edge. */
	vioapic_write(&a, 0, 0x14, &m, &pin);
	assert_false(vioapic_write(&a, 0x10, 0x31, &m, &pin));
	vioapic_write(&a, 0, 0x15, &m, &pin);
	vioapic_write(&a, 0x10, 0x02000000, &m, &pin);
	vioapic_write(&a, 0, 0x14, &m, &pin);
	assert_int_equal(vioapic_read(&a, 0x10), 0x31);
	assert_true(vioapic_set_irq(&a, 2, true, &m));
	assert_int_equal(m.vector, 0x31);
	assert_int_equal(m.dest, 2);
	assert_false(m.level);
	assert_false(vioapic_set_irq(&a, 2, true, &m)); /* no new edge */
	vioapic_set_irq(&a, 2, false, &m);
	assert_true(vioapic_set_irq(&a, 2, true, &m));
	/* Pin 20 level, vector 0x40: remote IRR holds it until the EOI. */
	vioapic_write(&a, 0, 0x10 + 40, &m, &pin);
	assert_false(vioapic_write(&a, 0x10, 0x8040, &m, &pin));
	assert_true(vioapic_set_irq(&a, 20, true, &m));
	assert_true(m.level);
	assert_int_equal(vioapic_read(&a, 0x10), 0xc040);
	assert_false(vioapic_set_irq(&a, 20, true, &m));
	/* Remote IRR is read-only. */
	vioapic_write(&a, 0x10, 0x8040, &m, &pin);
	assert_int_equal(vioapic_read(&a, 0x10), 0xc040);
	assert_true(vioapic_eoi(&a, 0x40, &m, &pin)); /* still high: sent again */
	assert_int_equal(pin, 20);
	vioapic_set_irq(&a, 20, false, &m);
	assert_false(vioapic_eoi(&a, 0x40, &m, &pin));
	assert_int_equal(vioapic_read(&a, 0x10), 0x8040);
	/* Beyond the last pin: all-ones, writes ignored. */
	vioapic_write(&a, 0, 0x10 + 2 * 48, &m, &pin);
	assert_int_equal(vioapic_read(&a, 0x10), 0xffffffff);
	assert_false(vioapic_set_irq(&a, 48, true, &m));
}

#define MS 1000000UL

static void test_pit_counter(void **state)
{
	struct vpit p;
	u64 t0 = 5 * MS;

	(void)state;
	vpit_reset(&p);
	/* Channel 0, mode 2, LSB then MSB, 11932 (10 ms). */
	assert_true(vpit_write(&p, 0x43, 0x34, t0)); /* channel 0 reprogrammed: timer off */
	assert_false(vpit_write(&p, 0x40, 11932 & 0xff, t0));
	assert_true(vpit_write(&p, 0x40, 11932 >> 8, t0));
	assert_int_equal(vpit_period_ns(&p), 10000150); /* 11932 / 1193182 s */
	assert_int_equal(vpit_count(&p, 0, t0), 11932);
	/* 5 ms in: 5965 ticks gone. */
	assert_int_equal(vpit_count(&p, 0, t0 + 5 * MS), 11932 - 5965);
	/* 15 ms in: once round, then 5966 more. */
	assert_int_equal(vpit_count(&p, 0, t0 + 15 * MS), 11932 - (17897 - 11932));
	/* Latch: the count at the latch, whatever the time of the reads. */
	vpit_write(&p, 0x43, 0x00, t0 + 5 * MS);
	assert_int_equal(vpit_read(&p, 0x40, t0 + 9 * MS), (11932 - 5965) & 0xff);
	assert_int_equal(vpit_read(&p, 0x40, t0 + 9 * MS), (11932 - 5965) >> 8);
	/* Mode 3 counts down by two. */
	vpit_write(&p, 0x43, 0x36, t0);
	vpit_write(&p, 0x40, 100, t0);
	vpit_write(&p, 0x40, 0, t0);
	assert_int_equal(vpit_count(&p, 0, t0 + 10 * 1000000000UL / PIT_HZ + 1), 80);
	/* BCD: 0x0100 is a hundred ticks, and the count reads back in BCD. */
	vpit_write(&p, 0x43, 0x35, t0);
	vpit_write(&p, 0x40, 0x00, t0);
	vpit_write(&p, 0x40, 0x01, t0);
	assert_int_equal(vpit_period_ns(&p), 83809); /* 100 / 1193182 s */
	assert_int_equal(vpit_read(&p, 0x40, t0 + 10 * 1000000000UL / PIT_HZ + 1), 0x90);
	assert_int_equal(vpit_read(&p, 0x40, t0 + 10 * 1000000000UL / PIT_HZ + 1), 0x00);
	/* A BCD count of 0 is 10000. */
	vpit_write(&p, 0x40, 0x00, t0);
	vpit_write(&p, 0x40, 0x00, t0);
	assert_int_equal(vpit_period_ns(&p), 8380951);
	/* Mode 0 raises no IRQ 0 at all, as Xen's i8254 (an 8254 would at terminal count). */
	vpit_write(&p, 0x43, 0x30, t0);
	assert_int_equal(vpit_period_ns(&p), 0);
	vpit_write(&p, 0x40, 0, t0);
	vpit_write(&p, 0x40, 0, t0);
	assert_int_equal(vpit_oneshot_ns(&p), 0);
	/* Modes 1 and 4 raise one. */
	for (u8 ctl = 0x32; ctl <= 0x38; ctl += 6) {
		vpit_write(&p, 0x43, ctl, t0);
		vpit_write(&p, 0x40, 0, t0);
		vpit_write(&p, 0x40, 0, t0);
		assert_int_equal(vpit_period_ns(&p), 0);
		assert_int_equal(vpit_oneshot_ns(&p), 54925401); /* 65536 ticks */
	}
	/* Mode 5 none. */
	vpit_write(&p, 0x43, 0x3a, t0);
	vpit_write(&p, 0x40, 0, t0);
	vpit_write(&p, 0x40, 0, t0);
	assert_int_equal(vpit_oneshot_ns(&p), 0);
}

static void test_pit_readback_gate(void **state)
{
	struct vpit p;
	u64 t0 = 1000 * MS;

	(void)state;
	vpit_reset(&p);
	/* Channel 2, mode 0, LSB only: the output goes high at terminal count. */
	vpit_write(&p, 0x43, 0xb0 & ~0x20, t0); /* 0x90: ch2, LSB, mode 0 */
	vpit_write(&p, 0x61, 0x01, t0);
	vpit_write(&p, 0x42, 200, t0);
	assert_int_equal(vpit_read(&p, 0x61, t0) & 0x21, 0x01);
	assert_int_equal(vpit_read(&p, 0x61, t0 + MS) & 0x21, 0x21);
	/* Read-back of channel 2's status: OUT high, LSB, mode 0, binary. */
	vpit_write(&p, 0x43, 0xe8, t0 + MS); /* status only, channel 2 */
	assert_int_equal(vpit_read(&p, 0x42, t0 + MS), 0x90);
	/* Gate low freezes a mode 0 count; back high it goes on. */
	vpit_write(&p, 0x43, 0x90, t0);
	vpit_write(&p, 0x42, 250, t0);
	vpit_write(&p, 0x61, 0x00, t0 + 100000);
	assert_int_equal(vpit_count(&p, 2, t0 + 50 * MS), 250 - 119);
	vpit_write(&p, 0x61, 0x01, t0 + 50 * MS);
	assert_int_equal(vpit_count(&p, 2, t0 + 50 * MS), 250 - 119);
	/* The control port reads as nothing. */
	assert_int_equal(vpit_read(&p, 0x43, t0), 0xff);
}

/* 2026-12-02 06:40:55 UTC */
#define NOW 1796193655UL

static void test_rtc_bcd_binary(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_reset(&r, NOW);
	vrtc_write(&r, 0x70, RTC_SECONDS, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x55);
	vrtc_write(&r, 0x70, RTC_MINUTES, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x40);
	vrtc_write(&r, 0x70, RTC_HOURS, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x06);
	vrtc_write(&r, 0x70, RTC_DAY, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x02);
	vrtc_write(&r, 0x70, RTC_MONTH, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x12);
	vrtc_write(&r, 0x70, RTC_YEAR, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x26);
	vrtc_write(&r, 0x70, RTC_CENTURY, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0x20);
	vrtc_write(&r, 0x70, RTC_WEEKDAY, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 4); /* a Wednesday */
	/* A later second reads later. */
	vrtc_write(&r, 0x70, RTC_SECONDS, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW + 3, 0), 0x58);
	/* Binary, 12-hour: 18:xx is 6 PM. */
	vrtc_write(&r, 0x70, RTC_REG_B, NOW);
	vrtc_write(&r, 0x71, RTC_B_BINARY, NOW);
	vrtc_write(&r, 0x70, RTC_HOURS, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW + 12 * 3600, 0), 0x80 | 6);
	vrtc_write(&r, 0x70, RTC_SECONDS, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 55);
	/* Register A: update in progress only in a second's last 244 us. */
	vrtc_write(&r, 0x70, RTC_REG_A, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 500000000), 0x26);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 999900000), 0xa6);
	vrtc_write(&r, 0x70, RTC_REG_D, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), RTC_D_VRT);
}

static void test_rtc_set_clock_irqs(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_reset(&r, NOW);
	/* SET, write 2000-01-01 00:00:00 in BCD, clear SET: the clock moves. */
	vrtc_write(&r, 0x70, RTC_REG_B, NOW);
	vrtc_write(&r, 0x71, RTC_B_SET | RTC_B_24H, NOW);
	const u8 regs[][2] = { { RTC_SECONDS, 0 },   { RTC_MINUTES, 0 }, { RTC_HOURS, 0 },
			       { RTC_DAY, 1 },	     { RTC_MONTH, 1 },	 { RTC_YEAR, 0 },
			       { RTC_CENTURY, 0x20 } };
	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++) {
		vrtc_write(&r, 0x70, regs[i][0], NOW);
		vrtc_write(&r, 0x71, regs[i][1], NOW);
	}
	vrtc_write(&r, 0x70, RTC_REG_B, NOW);
	vrtc_write(&r, 0x71, RTC_B_24H, NOW);
	assert_int_equal(vrtc_to_secs(&r), 946684800);
	vrtc_write(&r, 0x70, RTC_MINUTES, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW + 120, 0), 0x02);
	/* Periodic rate 6 is 1024 Hz; rate 0 or a stopped divider is off. */
	assert_int_equal(vrtc_period_ns(&r), 976562);
	vrtc_write(&r, 0x70, RTC_REG_A, NOW);
	vrtc_write(&r, 0x71, 0x2f, NOW);
	assert_int_equal(vrtc_period_ns(&r), 500000000);
	vrtc_write(&r, 0x71, 0x60 | 6, NOW);
	assert_int_equal(vrtc_period_ns(&r), 0);
	/* Flags show in C; IRQF and an IRQ only when enabled; reading C clears. */
	assert_false(vrtc_flag(&r, RTC_C_PF));
	vrtc_write(&r, 0x70, RTC_REG_C, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), RTC_C_PF);
	vrtc_write(&r, 0x70, RTC_REG_B, NOW);
	vrtc_write(&r, 0x71, RTC_B_24H | RTC_B_PIE, NOW);
	assert_true(vrtc_flag(&r, RTC_C_PF));
	assert_false(vrtc_flag(&r, RTC_C_PF)); /* already raised */
	vrtc_write(&r, 0x70, RTC_REG_C, NOW);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), RTC_C_IRQF | RTC_C_PF);
	assert_int_equal(vrtc_read(&r, 0x71, NOW, 0), 0);
	/* The alarm: "any" hour and minute, second 5. */
	vrtc_write(&r, 0x70, RTC_SECONDS_ALARM, NOW);
	vrtc_write(&r, 0x71, 0x05, NOW);
	vrtc_write(&r, 0x70, RTC_MINUTES_ALARM, NOW);
	vrtc_write(&r, 0x71, 0xc0, NOW);
	vrtc_write(&r, 0x70, RTC_HOURS_ALARM, NOW);
	vrtc_write(&r, 0x71, 0xff, NOW);
	assert_false(vrtc_alarm_due(&r, NOW + 4));
	assert_true(vrtc_alarm_due(&r, NOW + 5));
}

static void test_pmtimer(void **state)
{
	(void)state;
	assert_int_equal(pmtimer_count(0), 0);
	assert_int_equal(pmtimer_count(1000000000UL), 3579545);
	assert_int_equal(pmtimer_count(1000UL), 3);
	/* 32 bits wrap after about 1200 s. */
	assert_int_equal(pmtimer_count(1200UL * 1000000000UL), (u32)(1200UL * 3579545UL));
}

/* A 1 ms tick whose interrupt stays blocked for 20.5 periods, then is taken. */
static u64 backlog(struct vpt *t, unsigned int mode)
{
	vpt_start(t, 1000000, 1000000);
	vpt_fire(t); /* at 1 ms: one pending, not re-armed */
	assert_int_equal(t->pending, 1);
	return vpt_taken(t, 21500000, mode);
}

static void test_vpt_modes(void **state)
{
	struct vpt t;

	(void)state;
	/* Missed ticks counted: the one taken, then 2-21 ms, delivered one by one. */
	for (unsigned int mode = 0; mode < 2; mode++) {
		assert_int_equal(backlog(&t, mode), 0);
		assert_int_equal(t.pending, 20);
		for (unsigned int i = 0; i < 19; i++)
			assert_int_equal(vpt_taken(&t, 21600000, mode), 0);
		/* The last one arms the timer for 22 ms, the next tick on the grid. */
		assert_int_equal(vpt_taken(&t, 21700000, mode), 22000000);
		assert_int_equal(t.pending, 0);
	}
	/* Collapsed: the tick taken stands for all of them. */
	for (unsigned int mode = 2; mode < 4; mode++) {
		assert_int_equal(backlog(&t, mode), 22000000);
		assert_int_equal(t.pending, 0);
	}
	/* On time: no backlog in any mode. */
	for (unsigned int mode = 0; mode < 4; mode++) {
		vpt_start(&t, 1000000, 1000000);
		vpt_fire(&t);
		assert_int_equal(vpt_taken(&t, 1100000, mode), 2000000);
		assert_int_equal(vpt_taken(&t, 1200000, mode), 0); /* nothing pending */
	}
	/* A one-shot is done once taken; the count is bounded. */
	vpt_start(&t, 5000, 0);
	vpt_fire(&t);
	assert_int_equal(vpt_taken(&t, 900000000, 1), 0);
	assert_int_equal(t.pending, 0);
	vpt_start(&t, 100000, 100000);
	vpt_fire(&t);
	assert_int_equal(vpt_taken(&t, 1000000000000UL, 1), 0);
	assert_int_equal(t.pending, VPT_MAX_PENDING);
}

/* ---- HPET ---- */

static u64 hpet_rd(struct vhpet *h, unsigned int off, u64 ticks)
{
	return vhpet_read(h, off, 8, ticks);
}

/* Xen's capabilities and timer caps, the counter halted, running, halted again. */
static void test_hpet_counter(void **state)
{
	struct vhpet h;

	(void)state;
	vhpet_reset(&h);
	assert_int_equal(hpet_rd(&h, VHPET_ID, 0), 0x00f424008086a201UL);
	assert_int_equal(vhpet_read(&h, VHPET_ID + 4, 4, 0), 0x00f42400); /* 16e6 fs: 62.5 MHz */
	assert_int_equal(hpet_rd(&h, VHPET_TN_CFG(1), 0), 0x00f0000000000030UL);
	assert_int_equal(hpet_rd(&h, VHPET_TN_CMP(2), 0), ~0UL);
	assert_int_equal(vhpet_read(&h, VHPET_ID + 2, 4, 0), ~0UL); /* misaligned */
	vhpet_write(&h, VHPET_COUNTER, 8, 1000, 77);
	assert_int_equal(hpet_rd(&h, VHPET_COUNTER, 99999), 1000);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE, 5000);
	assert_int_equal(hpet_rd(&h, VHPET_COUNTER, 5100), 1100);
	assert_int_equal(vhpet_read(&h, VHPET_COUNTER + 4, 4, 5100), 0);
	vhpet_write(&h, VHPET_CFG, 4, 0, 6000);
	assert_int_equal(hpet_rd(&h, VHPET_COUNTER, 9000), 2000);
	vhpet_write(&h, VHPET_CFG, 4, 0xfffffffc, 9000); /* reserved bits stay 0 */
	assert_int_equal(hpet_rd(&h, VHPET_CFG, 9000), 0);
}

/* One-shot and periodic (SETVAL, then the period), routes, 32-bit mode. */
static void test_hpet_timers(void **state)
{
	struct vhpet h;
	u64 first, period;

	(void)state;
	vhpet_reset(&h);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE, 0);
	assert_false(vhpet_due(&h, 2, 0, &first, &period));
	/* Pin 5 is not among 20-23: the first allowed one is taken. */
	assert_int_equal(vhpet_write(&h, VHPET_TN_CFG(2), 4, VHPET_TN_ENABLE | (5 << 9), 0),
			 VHPET_REARM(2));
	assert_int_equal(vhpet_pin(&h, 2), 20);
	vhpet_write(&h, VHPET_TN_CFG(2), 4, VHPET_TN_ENABLE | (22 << 9), 0);
	assert_int_equal(vhpet_pin(&h, 2), 22);
	assert_int_equal(vhpet_write(&h, VHPET_TN_CMP(2), 8, 625000, 100), VHPET_REARM(2));
	assert_true(vhpet_due(&h, 2, 100, &first, &period));
	assert_int_equal(first, 624900);
	assert_int_equal(period, 0);
	assert_true(vhpet_due(&h, 2, 700000, &first, &period)); /* passed: due now */
	assert_int_equal(first, 0);
	/* Periodic: SETVAL sets the comparator, the next write the period. */
	vhpet_write(&h, VHPET_TN_CFG(1), 4,
		    VHPET_TN_ENABLE | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | (20 << 9), 0);
	vhpet_write(&h, VHPET_TN_CMP(1), 8, 1000, 0);
	vhpet_write(&h, VHPET_TN_CMP(1), 8, 62500, 0);
	assert_int_equal(hpet_rd(&h, VHPET_TN_CFG(1), 0) & VHPET_TN_SETVAL, 0);
	assert_true(vhpet_due(&h, 1, 0, &first, &period));
	assert_int_equal(first, 1000);
	assert_int_equal(period, 62500);
	/* Read later, the comparator is the next match. */
	assert_int_equal(hpet_rd(&h, VHPET_TN_CMP(1), 1000 + 3 * 62500 + 5), 1000 + 4 * 62500);
	vhpet_write(&h, VHPET_TN_CMP(1), 4, 10, 0); /* below 100 us */
	assert_true(vhpet_due(&h, 1, 0, &first, &period));
	assert_int_equal(period, 6250);
	/* 32-bit mode: the comparator shows its low half and wraps. */
	vhpet_write(&h, VHPET_TN_CFG(0), 4, VHPET_TN_ENABLE | VHPET_TN_32BIT | (21 << 9), 0);
	vhpet_write(&h, VHPET_TN_CMP(0), 8, 0x100000010UL, 0);
	assert_int_equal(hpet_rd(&h, VHPET_TN_CMP(0), 0), 0x10);
	assert_true(vhpet_due(&h, 0, 0xfffffff0UL, &first, &period));
	assert_int_equal(first, 0x20);
	/* A write to a stopped timer's config changes nothing that runs. */
	assert_int_equal(vhpet_write(&h, VHPET_TN_CFG(0), 4, VHPET_TN_32BIT, 0), VHPET_REARM(0));
	assert_false(vhpet_due(&h, 0, 0, &first, &period));
}

/* Level: the status bit comes up, holds the timer, and a write of 1 clears it. */
static void test_hpet_level_status(void **state)
{
	struct vhpet h;
	u64 first, period;

	(void)state;
	vhpet_reset(&h);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE, 0);
	vhpet_write(
	    &h, VHPET_TN_CFG(2), 4,
	    VHPET_TN_ENABLE | VHPET_TN_LEVEL | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | (23 << 9), 0);
	vhpet_write(&h, VHPET_TN_CMP(2), 8, 500, 0);
	vhpet_write(&h, VHPET_TN_CMP(2), 8, 62500, 0);
	assert_true(vhpet_due(&h, 2, 0, &first, &period));
	assert_int_equal(period, 0); /* a level timer fires once per status clear */
	assert_true(vhpet_fired(&h, 2));
	assert_int_equal(hpet_rd(&h, VHPET_STATUS, 600), 4);
	assert_false(vhpet_due(&h, 2, 600, &first, &period));
	assert_int_equal(vhpet_write(&h, VHPET_STATUS, 4, 3, 600), 0); /* not its bit */
	assert_int_equal(vhpet_write(&h, VHPET_STATUS, 4, 4, 600), VHPET_LOWER(2) | VHPET_REARM(2));
	assert_int_equal(hpet_rd(&h, VHPET_STATUS, 600), 0);
	assert_true(vhpet_due(&h, 2, 600, &first, &period));
	assert_int_equal(first, 62500 + 500 - 600);
	/* An edge timer never shows in the status register. */
	vhpet_write(&h, VHPET_TN_CFG(2), 4, VHPET_TN_ENABLE | (23 << 9), 0);
	assert_true(vhpet_fired(&h, 2));
	assert_int_equal(hpet_rd(&h, VHPET_STATUS, 600), 0);
}

static void test_hpet_legacy(void **state)
{
	struct vhpet h;

	(void)state;
	vhpet_reset(&h);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE | VHPET_CFG_LEGACY, 0);
	assert_int_equal(vhpet_legacy_irq(&h, 0), 0);
	assert_int_equal(vhpet_legacy_irq(&h, 1), 8);
	assert_int_equal(vhpet_legacy_irq(&h, 2), -1);
	assert_int_equal(vhpet_pin(&h, 0), 2);
	assert_int_equal(vhpet_pin(&h, 1), 8);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE, 0);
	assert_int_equal(vhpet_legacy_irq(&h, 0), -1);
}

/* The save record: Xen's layout, a round trip, hostile values refused with a reason. */
static void test_hpet_record(void **state)
{
	struct vhpet h, g;
	struct petrel_hvm_hw_hpet r, bad;
	const char *why;
	u64 first, period;

	(void)state;
	vhpet_reset(&h);
	vhpet_write(&h, VHPET_CFG, 4, VHPET_CFG_ENABLE, 1000);
	vhpet_write(&h, VHPET_TN_CFG(1), 4,
		    VHPET_TN_ENABLE | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | (21 << 9), 1000);
	vhpet_write(&h, VHPET_TN_CMP(1), 8, 5000, 1000);
	vhpet_write(&h, VHPET_TN_CMP(1), 8, 62500, 1000);
	vhpet_save(&h, 3000, &r);
	assert_int_equal(r.capability, VHPET_CAPABILITY);
	assert_int_equal(r.mc64, 2000);
	assert_int_equal(r.timers[1].cmp, 5000);
	assert_int_equal(r.period[1], 62500);
	assert_int_equal(vhpet_record_check(&r, &why), 0);
	vhpet_reset(&g);
	vhpet_load(&g, &r, 90000); /* another host's clock: the counter goes on from 2000 */
	assert_int_equal(vhpet_counter(&g, 90100), 2100);
	assert_true(vhpet_due(&g, 1, 90000, &first, &period));
	assert_int_equal(first, 3000);
	assert_int_equal(period, 62500);
	bad = r;
	bad.capability = 0x8086a201; /* no tick period */
	assert_int_equal(vhpet_record_check(&bad, &why), -EINVAL);
	assert_non_null(why);
	bad = r;
	bad.config |= 4;
	assert_int_equal(vhpet_record_check(&bad, &why), -EINVAL);
	bad = r;
	bad.isr = 8;
	assert_int_equal(vhpet_record_check(&bad, &why), -EINVAL);
	bad = r;
	bad.timers[2].config |= 0x8000; /* FSB capability: not Xen's */
	assert_int_equal(vhpet_record_check(&bad, &why), -EINVAL);
	bad = r;
	bad.timers[0].config = (bad.timers[0].config & ~VHPET_TN_ROUTE_MASK) | (3 << 9);
	assert_int_equal(vhpet_record_check(&bad, &why), 0); /* a bad route is mended, as Xen */
	vhpet_load(&g, &bad, 0);
	assert_int_equal(vhpet_pin(&g, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pic_priority_isr),
		cmocka_unit_test(test_pic_mask_cascade_level),
		cmocka_unit_test(test_pic_rotation_aeoi_poll),
		cmocka_unit_test(test_ioapic),
		cmocka_unit_test(test_pit_counter),
		cmocka_unit_test(test_pit_readback_gate),
		cmocka_unit_test(test_rtc_bcd_binary),
		cmocka_unit_test(test_rtc_set_clock_irqs),
		cmocka_unit_test(test_pmtimer),
		cmocka_unit_test(test_vpt_modes),
		cmocka_unit_test(test_hpet_counter),
		cmocka_unit_test(test_hpet_timers),
		cmocka_unit_test(test_hpet_level_status),
		cmocka_unit_test(test_hpet_legacy),
		cmocka_unit_test(test_hpet_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

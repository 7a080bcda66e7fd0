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
	/* Mode 0 raises no periodic IRQ, one at terminal count. */
	vpit_write(&p, 0x43, 0x30, t0);
	assert_int_equal(vpit_period_ns(&p), 0);
	vpit_write(&p, 0x40, 0, t0);
	vpit_write(&p, 0x40, 0, t0);
	assert_int_equal(vpit_oneshot_ns(&p), 54925401); /* 65536 ticks */
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The MC146818 RTC and its CMOS RAM (see vplatform.h). The time registers
 * show the host's wall clock plus the guest's offset, in BCD or binary and
 * 12 or 24 hour form as register B says; a guest that sets the clock (SET,
 * new registers, SET cleared) moves its offset. Register A's rate drives the
 * periodic interrupt, the alarm registers (0xC0 and up = any) the alarm.
 */
#include "types.h"
#include "vplatform.h"

#define PORT_INDEX 0x70
#define PORT_DATA 0x71
#define NS_PER_SEC 1000000000UL
#define UIP_NS 244000UL /* the update cycle's length, the end of each second */
#define DIVIDER_MASK 0x70
#define DIVIDER_32K 0x20 /* the oscillator runs at 32.768 kHz */
#define ALARM_ANY 0xc0

static bool binary(const struct vrtc *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_BINARY;
}

static u8 to_reg(const struct vrtc *r, unsigned int v)
{
	return binary(r) ? (u8)v : (u8)(((v / 10) << 4) | (v % 10));
}

static unsigned int from_reg(const struct vrtc *r, u8 v)
{
	return binary(r) ? v : (v >> 4) * 10u + (v & 0xf);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static u64 days_of(unsigned int y, unsigned int m, unsigned int d)
{
	u64 era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void date_of(u64 days, unsigned int *y, unsigned int *m, unsigned int *d)
{
	u64 z = days + 719468, era = z / 146097, doe = z - era * 146097;
	u64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	u64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned int)(yoe + era * 400 + (*m <= 2));
}

static u8 hour_reg(const struct vrtc *r, unsigned int h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return to_reg(r, h);
	return (u8)(to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned int hour_of(const struct vrtc *r, u8 v)
{
	unsigned int h;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

void vrtc_from_secs(struct vrtc *r, u64 secs)
{
	u64 days = secs / 86400, s = secs % 86400;
	unsigned int y, m, d;

	date_of(days, &y, &m, &d);
	r->cmos[RTC_SECONDS] = to_reg(r, (unsigned int)(s % 60));
	r->cmos[RTC_MINUTES] = to_reg(r, (unsigned int)(s / 60 % 60));
	r->cmos[RTC_HOURS] = hour_reg(r, (unsigned int)(s / 3600));
	r->cmos[RTC_WEEKDAY] = to_reg(r, (unsigned int)((days + 4) % 7 + 1)); /* 1 = Sunday */
	r->cmos[RTC_DAY] = to_reg(r, d);
	r->cmos[RTC_MONTH] = to_reg(r, m);
	r->cmos[RTC_YEAR] = to_reg(r, y % 100);
	r->cmos[RTC_CENTURY] = to_reg(r, y / 100);
}

u64 vrtc_to_secs(const struct vrtc *r)
{
	unsigned int y = from_reg(r, r->cmos[RTC_CENTURY]) * 100 + from_reg(r, r->cmos[RTC_YEAR]);
	unsigned int m = from_reg(r, r->cmos[RTC_MONTH]), d = from_reg(r, r->cmos[RTC_DAY]);

	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	return days_of(y, m, d) * 86400 + hour_of(r, r->cmos[RTC_HOURS]) * 3600UL +
	       from_reg(r, r->cmos[RTC_MINUTES]) * 60UL + from_reg(r, r->cmos[RTC_SECONDS]);
}

void vrtc_reset(struct vrtc *r, u64 secs)
{
	*r = (struct vrtc){ 0 };
	r->cmos[RTC_REG_A] = DIVIDER_32K | 6; /* 1024 Hz periodic rate, off until PIE */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	vrtc_from_secs(r, secs);
}

static u64 guest_secs(const struct vrtc *r, u64 secs)
{
	return (u64)((s64)secs + r->offset);
}

static bool is_time_reg(unsigned int i)
{
	return i <= RTC_YEAR || i == RTC_CENTURY;
}

u8 vrtc_read(struct vrtc *r, u16 port, u64 secs, u32 ns_in_second)
{
	unsigned int i = r->index;
	u8 v;

	if (port != PORT_DATA)
		return 0xff; /* the index port is write-only */
	if (is_time_reg(i) && !(r->cmos[RTC_REG_B] & RTC_B_SET))
		vrtc_from_secs(r, guest_secs(r, secs));
	v = r->cmos[i];
	if (i == RTC_REG_A) {
		bool uip = ns_in_second >= NS_PER_SEC - UIP_NS && !(r->cmos[RTC_REG_B] & RTC_B_SET);

		v = uip ? v | RTC_A_UIP : v & ~RTC_A_UIP;
	}
	if (i == RTC_REG_C)
		r->cmos[RTC_REG_C] = 0; /* reading C acknowledges the interrupt */
	return v;
}

void vrtc_write(struct vrtc *r, u16 port, u8 val, u64 secs)
{
	unsigned int i = r->index;

	if (port == PORT_INDEX) {
		r->index = val & 0x7f; /* bit 7 is the NMI mask */
		return;
	}
	if (port != PORT_DATA)
		return;
	switch (i) {
	case RTC_REG_A:
		r->cmos[i] = val & ~RTC_A_UIP;
		return;
	case RTC_REG_B:
		/* Leaving SET: the registers written while it was on are the new time. */
		if ((r->cmos[i] & RTC_B_SET) && !(val & RTC_B_SET))
			r->offset = (s64)vrtc_to_secs(r) - (s64)secs;
		if (val & RTC_B_SET)
			val &= ~RTC_B_UIE;
		r->cmos[i] = val;
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	}
	/*
	 * A time register written without SET takes effect at once, over the
	 * current time in the others (they may be stale since the last read).
	 */
	if (is_time_reg(i) && !(r->cmos[RTC_REG_B] & RTC_B_SET)) {
		vrtc_from_secs(r, guest_secs(r, secs));
		r->cmos[i] = val;
		r->offset = (s64)vrtc_to_secs(r) - (s64)secs;
		return;
	}
	r->cmos[i] = val;
}

u64 vrtc_period_ns(const struct vrtc *r)
{
	unsigned int rate = r->cmos[RTC_REG_A] & 0xf;

	if (!rate || (r->cmos[RTC_REG_A] & DIVIDER_MASK) != DIVIDER_32K)
		return 0;
	if (rate <= 2)
		rate += 7; /* 1 and 2 are the 256 and 128 Hz of rates 8 and 9 */
	return (NS_PER_SEC << (rate - 1)) / 32768;
}

bool vrtc_flag(struct vrtc *r, u8 flag)
{
	/* PIE, AIE and UIE in register B sit where PF, AF and UF sit in C. */
	bool enabled = r->cmos[RTC_REG_B] & flag & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	bool rise = enabled && !(r->cmos[RTC_REG_C] & RTC_C_IRQF);

	r->cmos[RTC_REG_C] |= flag;
	if (enabled)
		r->cmos[RTC_REG_C] |= RTC_C_IRQF;
	return rise;
}

static bool alarm_matches(u8 alarm, u8 now)
{
	return (alarm & ALARM_ANY) == ALARM_ANY || alarm == now;
}

bool vrtc_alarm_due(struct vrtc *r, u64 secs)
{
	vrtc_from_secs(r, guest_secs(r, secs));
	return alarm_matches(r->cmos[RTC_SECONDS_ALARM], r->cmos[RTC_SECONDS]) &&
	       alarm_matches(r->cmos[RTC_MINUTES_ALARM], r->cmos[RTC_MINUTES]) &&
	       alarm_matches(r->cmos[RTC_HOURS_ALARM], r->cmos[RTC_HOURS]);
}

/*
 * Guest-visible time: system time (ns since boot) as a linear function of
 * the TSC, the per-vCPU pvclock record (vcpu_time_info) that lets the guest
 * compute the same function itself, and the wallclock in shared_info.
 *
 * The line is fixed once: (tsc0, stime0) and Xen's mul/shift for the TSC
 * frequency. Every record carries that same point and scale, so guest time
 * is monotonic (TSC_STABLE) and a guest deadline means the same instant to
 * the hypervisor's timers.
 */
#include "types.h"
#include "asm.h"
#include "apic.h"
#include "console.h"
#include "domain.h"
#include "hvm.h"
#include "smp.h"
#include "timer.h"
#include "uaccess.h"
#include "public/xen.h"

static __hvm_data bool time_ready;
static __hvm_data u64 tsc0, stime0;
static __hvm_data u32 tsc_mul;
static __hvm_data s8 tsc_shift;

/*
 * Scale @hz to ns: normalise the rate into (1e9/2... 2e9] by shifts, then
 * mul = 1e9 * 2^32 / rate, so ns = ((ticks << shift) * mul) >> 32.
 */
void pvclock_scale(u64 hz, u32 *mul, s8 *shift)
{
	const u64 ns_per_s = 1000000000ULL;
	u64 rate = hz ? hz : 1;
	int sh = 0;

	while (rate > 2 * ns_per_s) {
		rate >>= 1;
		sh--;
	}
	while (rate <= ns_per_s) {
		rate <<= 1;
		sh++;
	}
	*mul = (u32)((ns_per_s << 32) / rate);
	*shift = (s8)sh;
}

u64 pvclock_apply(u64 ticks, u32 mul, s8 shift)
{
	if (shift < 0)
		ticks >>= -shift;
	else
		ticks <<= shift;
	return (u64)(((unsigned __int128)ticks * mul) >> 32);
}

#define TIME_LEAF_HOST_TSC_RELIABLE (1u << 1)
#define TIME_LEAF_RDTSCP (1u << 2)

static bool host_tsc_reliable(void)
{
	u32 a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return num_online_cpus() == 1;
	cpuid_count(0x80000007, 0, &a, &b, &c, &d);
	return (d & (1u << 8)) || num_online_cpus() == 1; /* invariant TSC */
}

static bool host_has_rdtscp(void)
{
	u32 a, b, c, d;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 27);
}

static void time_setup(void)
{
	if (time_ready)
		return;
	pvclock_scale(tsc_khz() * 1000, &tsc_mul, &tsc_shift);
	tsc0 = rdtsc();
	stime0 = now_ns();
	time_ready = true;
}

/*
 * Sub-leaf 0: flags (the TSC is never emulated: bit 0 clear), the TSC
 * mode, the guest's TSC kHz, the incarnation; 1: the TSC offset (none
 * here: the guest reads the host's TSC) and the TSC-to-ns scale; 2: the
 * host's kHz. As on Xen, a PV initial domain has no time settings: its
 * kHz and scale read 0.
 */
void cpuid_time_leaf(const struct domain *d, u32 sub, u32 *a, u32 *b, u32 *c, u32 *dx)
{
	bool unset = !is_hvm_domain(d) && d->domain_id == 0;

	*a = *b = *c = *dx = 0;
	time_setup();
	switch (sub) {
	case 0:
		*a = (host_tsc_reliable() ? TIME_LEAF_HOST_TSC_RELIABLE : 0) |
		     (host_has_rdtscp() ? TIME_LEAF_RDTSCP : 0);
		*b = d->arch.tsc_mode;
		*c = unset ? 0 : (u32)tsc_khz();
		*dx = d->arch.incarnation;
		break;
	case 1:
		*c = unset ? 0 : tsc_mul;
		*dx = unset ? 0 : (u32)(s32)tsc_shift;
		break;
	case 2:
		*a = (u32)tsc_khz();
		break;
	}
}

__hvm_hot u64 system_time(void)
{
	time_setup();
	return stime0 + pvclock_apply(rdtsc() - tsc0, tsc_mul, tsc_shift);
}

#define barrier() __asm__ volatile("" ::: "memory")

/*
 * The guest's copy registered with VCPUOP_register_vcpu_time_memory_area
 * (for its user-space clock): the same version protocol, written through
 * the fault-safe accessors; a copy that cannot be written is skipped.
 */
static void update_guest_time_copy(struct vcpu *v, const struct vcpu_time_info *t)
{
	struct vcpu_time_info odd = *t;
	u64 va = v->time_info_guest;

	if (!va)
		return;
	odd.version = t->version | 1;
	if (copy_to_guest(va, &odd.version, sizeof(odd.version)))
		return;
	barrier();
	copy_to_guest(va, &odd, sizeof(odd));
	barrier();
	copy_to_guest(va, &t->version, sizeof(t->version));
}

void update_vcpu_system_time(struct vcpu *v)
{
	struct vcpu_time_info *t = &v->vcpu_info->time;

	time_setup();
	t->version++; /* odd: the guest retries while we write */
	barrier();
	t->tsc_timestamp = tsc0;
	t->system_time = stime0;
	t->tsc_to_system_mul = tsc_mul;
	t->tsc_shift = tsc_shift;
	t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	barrier();
	t->version++;
	update_guest_time_copy(v, t);
}

/* ---- CMOS real-time clock, read once. */

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

struct rtc_time {
	unsigned int sec, min, hour, day, mon, year;
};

static void rtc_raw(struct rtc_time *t)
{
	for (unsigned int i = 0; i < 1000000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_relax(); /* an update is in progress */
	t->sec = cmos_read(0x00);
	t->min = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->mon = cmos_read(0x08);
	t->year = cmos_read(0x09);
}

static unsigned int bcd(unsigned int v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to @y-@m-@d (proleptic Gregorian). */
static s64 days_since_epoch(s64 y, unsigned int m, unsigned int d)
{
	s64 era, yoe, doy;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static u64 rtc_unix_seconds(void)
{
	struct rtc_time a, b;
	u8 status_b;
	bool pm;

	/* Read until two reads agree (not torn by an update). */
	rtc_raw(&b);
	for (int i = 0; i < 5; i++) {
		a = b;
		rtc_raw(&b);
		if (!__builtin_memcmp(&a, &b, sizeof(a)))
			break;
	}
	status_b = cmos_read(0x0b);
	pm = !(status_b & 0x02) && (a.hour & 0x80);
	a.hour &= 0x7f;
	if (!(status_b & 0x04)) {
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.day = bcd(a.day);
		a.mon = bcd(a.mon);
		a.year = bcd(a.year);
	}
	if (!(status_b & 0x02))
		a.hour = (a.hour % 12) + (pm ? 12 : 0);
	if (a.mon < 1 || a.mon > 12 || a.day < 1 || a.day > 31 || a.hour > 23 || a.min > 59 ||
	    a.sec > 60)
		return 0;
	a.year += a.year < 70 ? 2000 : 1900;
	return (u64)(days_since_epoch(a.year, a.mon, a.day) * 86400 + a.hour * 3600 + a.min * 60 +
		     a.sec);
}

static u64 rtc_secs, rtc_stime;

u64 rtc_boot_seconds(void)
{
	static bool done;

	if (!done) {
		rtc_secs = rtc_unix_seconds();
		rtc_stime = system_time();
		done = true;
		printk(XENLOG_INFO "RTC: %lu seconds since the epoch\n", rtc_secs);
	}
	return rtc_secs;
}

/* Wall time (ns) at system time 0 once the control domain has set it. */
static u64 wall0_set;
static bool wall0_is_set;

/* XENPF_settime: the wall time was @secs.@nsecs at system time @stime. */
void wallclock_set(u64 secs, u32 nsecs, u64 stime)
{
	u64 wall = secs * 1000000000ULL + nsecs;

	wall0_set = wall > stime ? wall - stime : 0;
	wall0_is_set = true;
}

/* @d's wall time at system time 0, in ns. */
static u64 domain_wall0(const struct domain *d)
{
	u64 secs = rtc_boot_seconds();
	u64 wall_now = secs * 1000000000ULL;
	u64 wall0 = wall_now > rtc_stime ? wall_now - rtc_stime : 0; /* at system time 0 */

	if (wall0_is_set)
		wall0 = wall0_set;
	/* The toolstack's offset for this domain (XEN_DOMCTL_settimeoffset). */
	return wall0 + (u64)(d->time_offset * 1000000000LL);
}

u64 domain_wall_ns(const struct domain *d)
{
	return domain_wall0(d) + system_time();
}

void update_domain_wallclock(struct domain *d)
{
	struct shared_info *s = d->shared_info;
	u64 wall0 = domain_wall0(d);

	s->wc_version++;
	barrier();
	s->wc_sec = (u32)(wall0 / 1000000000ULL);
	s->wc_nsec = (u32)(wall0 % 1000000000ULL);
	s->wc_sec_hi = (u32)((wall0 / 1000000000ULL) >> 32);
	barrier();
	s->wc_version++;
}

/* An HVM vCPU's first run: its timers (no ticker) and the pvclock in its vcpu_info. */
__hvm_hot void hvm_time_check(struct vcpu *v)
{
	if (v->time_started)
		return;
	v->time_started = true;
	vcpu_timers_init(v);
	update_vcpu_system_time(v);
	update_domain_wallclock(v->domain);
}

void pv_time_check(struct vcpu *v)
{
	if (v->time_started)
		return;
	v->time_started = true;
	vcpu_timers_init(v);
	update_vcpu_system_time(v);
	update_domain_wallclock(v->domain);
	console_input_start(v->domain);
}

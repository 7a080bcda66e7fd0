/*
 * TSC and LAPIC timer calibration arithmetic. A PIT reading costs a few
 * port accesses; a host that preempts the CPU (a busy QEMU host, an SMI)
 * can stretch one by milliseconds. Each reading is bracketed by two TSC
 * stamps and only the tightest of a few consecutive readings is used, so
 * a stretched reading widens its own bracket instead of skewing the rate.
 */
#include "lib.h"
#include "tsc_calib.h"

const struct cal_sample *cal_tightest(const struct cal_sample *s, unsigned int n)
{
	const struct cal_sample *best = s;

	for (unsigned int i = 1; i < n; i++)
		if (s[i].tsc_after - s[i].tsc_before < best->tsc_after - best->tsc_before)
			best = &s[i];
	return best;
}

static u64 midpoint(const struct cal_sample *s)
{
	return s->tsc_before + (s->tsc_after - s->tsc_before) / 2;
}

/* @count events in @ticks PIT ticks, per millisecond (0 if out of range). */
static u64 per_ms(u64 count, u32 ticks)
{
	if (count > ~0UL / PIT_HZ)
		return 0;
	return count * PIT_HZ / ((u64)ticks * 1000);
}

bool cal_window(const struct cal_sample *a, const struct cal_sample *b, u32 min_ticks,
		struct cal_rates *out)
{
	u32 ticks;

	if (b->pit >= a->pit || b->tsc_before < a->tsc_after)
		return false;
	ticks = a->pit - b->pit; /* at least 1: b's count is below a's */
	if (ticks < min_ticks)
		return false;
	out->tsc_per_ms = per_ms(midpoint(b) - midpoint(a), ticks);
	out->apic_per_ms = per_ms((u32)(a->apic - b->apic), ticks);
	return out->tsc_per_ms != 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median_u64(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

struct cal_rates cal_median(const struct cal_rates *r, unsigned int n)
{
	u64 tsc[8], apic[8];
	struct cal_rates m = { 0, 0 };

	if (!n || n > 8)
		return m;
	for (unsigned int i = 0; i < n; i++) {
		tsc[i] = r[i].tsc_per_ms;
		apic[i] = r[i].apic_per_ms;
	}
	m.tsc_per_ms = median_u64(tsc, n);
	m.apic_per_ms = median_u64(apic, n);
	return m;
}

/*
 * TSC and LAPIC timer calibration against the PIT, the arithmetic part:
 * choosing samples whose time stamps were taken close together, and the
 * rates over a window between two such samples.
 */
#ifndef PETREL_TSC_CALIB_H
#define PETREL_TSC_CALIB_H

#include "types.h"

#define PIT_HZ 1193182UL

/*
 * One reading of the PIT's count (counting down) and the LAPIC timer's
 * current count (counting down), both taken between the TSC stamps
 * tsc_before and tsc_after.
 */
struct cal_sample {
	u64 tsc_before, tsc_after;
	u32 pit, apic;
};

struct cal_rates {
	u64 tsc_per_ms, apic_per_ms;
};

/* The sample of @n whose TSC stamps are closest together. */
const struct cal_sample *cal_tightest(const struct cal_sample *s, unsigned int n);

/*
 * The TSC and LAPIC timer rates over the window from @a to @b (the PIT
 * counted down from a->pit to b->pit in between). False if the window is
 * unusable: the PIT did not count down, or it is shorter than @min_ticks.
 */
bool cal_window(const struct cal_sample *a, const struct cal_sample *b, u32 min_ticks,
		struct cal_rates *out);

/* The median of @n (at most 8) rates, field by field. */
struct cal_rates cal_median(const struct cal_rates *r, unsigned int n);

#endif

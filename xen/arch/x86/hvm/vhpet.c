/*
 * The HPET (see vplatform.h) on plain state, as Xen 4.17 models it. The
 * counter is not stepped: while enabled it is the guest's clock in ticks
 * plus an offset, while halted the value it stopped at. A periodic timer's
 * comparator is brought forward by whole periods when it is looked at. A
 * write to a periodic timer's comparator sets its period, unless SETVAL
 * asks for the comparator itself; the period is kept between 100 us and
 * half the comparator's range. A route the timer cannot use is replaced
 * by its first allowed pin (IO-APIC 20). Only level-triggered timers
 * show in the status register; a level timer in periodic mode fires once
 * until its status bit is cleared. No FSB delivery.
 */
#include "types.h"
#include "errno.h"
#include "vplatform.h"
#include "public/hvm/save.h"

#define TN_WRITABLE                                                                                \
	(VHPET_TN_LEVEL | VHPET_TN_ENABLE | VHPET_TN_PERIODIC | VHPET_TN_SETVAL | VHPET_TN_32BIT | \
	 VHPET_TN_ROUTE_MASK)
#define TN_FIXED (VHPET_TN_PERIODIC_CAP | VHPET_TN_64BIT_CAP | (VHPET_TN_ROUTE_CAP << 32))
#define MIN_PERIOD (100000 / VHPET_NS_PER_TICK) /* 100 us */
#define PAST_WINDOW (62500000UL / 1024)		/* ~1 ms: a 32-bit compare this late is due now */

static bool running(const struct vhpet *h)
{
	return h->config & VHPET_CFG_ENABLE;
}

static u64 tcfg(const struct vhpet *h, unsigned int n)
{
	return h->t[n].config;
}

static unsigned int route(const struct vhpet *h, unsigned int n)
{
	return (unsigned int)((tcfg(h, n) & VHPET_TN_ROUTE_MASK) >> VHPET_TN_ROUTE_SHIFT);
}

int vhpet_legacy_irq(const struct vhpet *h, unsigned int n)
{
	if (n > 1 || !(h->config & VHPET_CFG_LEGACY))
		return -1;
	return n ? 8 : 0;
}

unsigned int vhpet_pin(const struct vhpet *h, unsigned int n)
{
	int irq = vhpet_legacy_irq(h, n);

	return irq < 0 ? route(h, n) : irq ? 8 : 2;
}

bool vhpet_level(const struct vhpet *h, unsigned int n)
{
	return tcfg(h, n) & VHPET_TN_LEVEL;
}

void vhpet_reset(struct vhpet *h)
{
	*h = (struct vhpet){ 0 };
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		h->t[n].config = TN_FIXED;
		h->t[n].cmp = ~0UL;
	}
}

u64 vhpet_counter(const struct vhpet *h, u64 ticks)
{
	return running(h) ? ticks + h->mc_offset : h->mc64;
}

/* A route outside the timer's allowed pins becomes its first allowed one (or 0 while off). */
static void fix_route(struct vhpet *h, unsigned int n)
{
	if (vhpet_legacy_irq(h, n) >= 0 || ((VHPET_TN_ROUTE_CAP >> route(h, n)) & 1))
		return;
	h->t[n].config &= ~VHPET_TN_ROUTE_MASK;
	if (tcfg(h, n) & VHPET_TN_ENABLE)
		h->t[n].config |= (u64)__builtin_ctzl(VHPET_TN_ROUTE_CAP) << VHPET_TN_ROUTE_SHIFT;
}

/* A running periodic timer's comparator: moved past the counter by whole periods. */
static u64 comparator(struct vhpet *h, unsigned int n, u64 ticks)
{
	struct vhpet_timer *t = &h->t[n];
	u64 since;

	if (running(h) && (t->config & VHPET_TN_PERIODIC) && t->period) {
		since = vhpet_counter(h, ticks) - t->cmp;
		if ((s64)since >= 0)
			t->cmp += (since / t->period + 1) * t->period;
	}
	return t->config & VHPET_TN_32BIT ? (u32)t->cmp : t->cmp;
}

static u64 read64(struct vhpet *h, unsigned int off, u64 ticks)
{
	unsigned int n = (off - 0x100) / 0x20;

	switch (off) {
	case VHPET_ID:
		return VHPET_CAPABILITY;
	case VHPET_CFG:
		return h->config;
	case VHPET_STATUS:
		return h->isr;
	case VHPET_COUNTER:
		return vhpet_counter(h, ticks);
	}
	if (off < VHPET_TN_CFG(0) || off >= VHPET_TN_CFG(VHPET_TIMERS))
		return 0;
	switch (off & 0x1f) {
	case 0x00:
		return h->t[n].config;
	case 0x08:
		return comparator(h, n, ticks);
	case 0x10:
		return h->t[n].fsb;
	}
	return 0;
}

static bool aligned(unsigned int off, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4 || len == 8) && !(off & (len - 1)) &&
	       off < VHPET_SIZE;
}

u64 vhpet_read(struct vhpet *h, unsigned int off, unsigned int len, u64 ticks)
{
	u64 v;

	if (!aligned(off, len))
		return ~0UL;
	v = read64(h, off & ~7u, ticks) >> (8 * (off & 7));
	return len == 8 ? v : v & ((1UL << (8 * len)) - 1);
}

/* The general configuration: enabling starts the counter at its held value, halting holds it. */
static unsigned int write_config(struct vhpet *h, u64 val, u64 ticks)
{
	bool was = running(h), now = val & VHPET_CFG_ENABLE;
	unsigned int rearm = 0;

	if (was && !now) {
		for (unsigned int n = 0; n < VHPET_TIMERS; n++)
			comparator(h, n, ticks);
		h->mc64 = vhpet_counter(h, ticks);
	}
	h->config = val & (VHPET_CFG_ENABLE | VHPET_CFG_LEGACY);
	if (!was && now)
		h->mc_offset = h->mc64 - ticks;
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		fix_route(h, n);
		if (was != now && (tcfg(h, n) & VHPET_TN_ENABLE))
			rearm |= VHPET_REARM(n);
		if (!was && now && (tcfg(h, n) & VHPET_TN_32BIT))
			h->t[n].cmp = (u32)h->t[n].cmp;
	}
	return rearm;
}

/* Writing 1 clears a status bit: the level line drops, a periodic level timer goes on. */
static unsigned int write_status(struct vhpet *h, u64 val)
{
	unsigned int out = 0;

	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		if (!(val & h->isr & (1UL << n)))
			continue;
		h->isr &= ~(1UL << n);
		out |= VHPET_LOWER(n);
		if ((tcfg(h, n) & (VHPET_TN_ENABLE | VHPET_TN_PERIODIC)) ==
			(VHPET_TN_ENABLE | VHPET_TN_PERIODIC) &&
		    vhpet_level(h, n) && running(h))
			out |= VHPET_REARM(n);
	}
	return out;
}

static unsigned int write_timer_config(struct vhpet *h, unsigned int n, u64 val)
{
	struct vhpet_timer *t = &h->t[n];
	u64 old = t->config;

	t->config = (old & ~TN_WRITABLE) | (val & TN_WRITABLE);
	fix_route(h, n);
	if (val & VHPET_TN_32BIT) {
		t->cmp = (u32)t->cmp;
		t->period = (u32)t->period;
	}
	if (!running(h))
		return 0;
	if (!(val & VHPET_TN_ENABLE))
		return old & VHPET_TN_ENABLE ? VHPET_REARM(n) : 0;
	/* Started, switched between one-shot and periodic, or narrowed to 32 bits. */
	if (!(old & VHPET_TN_ENABLE) || ((old ^ val) & VHPET_TN_PERIODIC) ||
	    ((val & ~old) & VHPET_TN_32BIT))
		return VHPET_REARM(n);
	return 0;
}

static unsigned int write_comparator(struct vhpet *h, unsigned int n, u64 val)
{
	struct vhpet_timer *t = &h->t[n];
	u64 max = (t->config & VHPET_TN_32BIT ? 0xffffffffUL : ~0UL) >> 1;

	if ((t->config & VHPET_TN_PERIODIC) && !(t->config & VHPET_TN_SETVAL)) {
		t->period = val < MIN_PERIOD ? MIN_PERIOD : val > max ? max : val;
	} else {
		t->config &= ~VHPET_TN_SETVAL;
		t->cmp = val;
	}
	return running(h) && (t->config & VHPET_TN_ENABLE) ? VHPET_REARM(n) : 0;
}

unsigned int vhpet_write(struct vhpet *h, unsigned int off, unsigned int len, u64 val, u64 ticks)
{
	unsigned int reg = off & ~7u, n = (reg - 0x100) / 0x20, sh = 8 * (off & 7);
	unsigned int rearm = 0;

	if (!aligned(off, len))
		return 0;
	if (len != 8) {
		u64 mask = ((1UL << (8 * len)) - 1) << sh;

		val = (read64(h, reg, ticks) & ~mask) | ((val << sh) & mask);
	}
	switch (reg) {
	case VHPET_CFG:
		return write_config(h, val, ticks);
	case VHPET_STATUS:
		return write_status(h, val);
	case VHPET_COUNTER:
		h->mc64 = val; /* a running counter goes on: its timers are re-armed */
		for (n = 0; running(h) && n < VHPET_TIMERS; n++)
			if (tcfg(h, n) & VHPET_TN_ENABLE)
				rearm |= VHPET_REARM(n);
		return rearm;
	}
	if (reg < VHPET_TN_CFG(0) || reg >= VHPET_TN_CFG(VHPET_TIMERS))
		return 0;
	switch (reg & 0x1f) {
	case 0x00:
		return write_timer_config(h, n, val);
	case 0x08:
		return write_comparator(h, n, val);
	case 0x10:
		h->t[n].fsb = val;
	}
	return 0;
}

bool vhpet_due(struct vhpet *h, unsigned int n, u64 ticks, u64 *first, u64 *period)
{
	const struct vhpet_timer *t = &h->t[n];
	u64 cmp, now, diff;

	if (!running(h) || !(t->config & VHPET_TN_ENABLE))
		return false;
	if (vhpet_level(h, n) && (h->isr & (1UL << n)))
		return false; /* waits for its status bit to be cleared */
	cmp = comparator(h, n, ticks);
	now = vhpet_counter(h, ticks);
	if (t->config & VHPET_TN_32BIT)
		now = (u32)now;
	diff = cmp - now;
	/* Passed: due now; but a 32-bit comparator far behind means after the wrap. */
	if ((s64)diff < 0)
		diff = (t->config & VHPET_TN_32BIT) && -diff > PAST_WINDOW ? (u32)diff : 0;
	*first = diff;
	*period = (t->config & VHPET_TN_PERIODIC) && !vhpet_level(h, n) ? t->period : 0;
	return true;
}

bool vhpet_fired(struct vhpet *h, unsigned int n)
{
	if (!running(h) || !(tcfg(h, n) & VHPET_TN_ENABLE))
		return false;
	if (!vhpet_level(h, n))
		return true;
	h->isr |= 1UL << n;
	return true;
}

/* ---- The save record (Xen's HPET, code 12). */

void vhpet_save(struct vhpet *h, u64 ticks, struct petrel_hvm_hw_hpet *r)
{
	*r = (struct petrel_hvm_hw_hpet){ 0 };
	r->capability = VHPET_CAPABILITY;
	r->config = h->config;
	r->isr = h->isr;
	r->mc64 = vhpet_counter(h, ticks);
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		comparator(h, n, ticks);
		r->timers[n].config = h->t[n].config;
		r->timers[n].cmp = h->t[n].cmp;
		r->timers[n].fsb = h->t[n].fsb;
		r->period[n] = h->t[n].period;
	}
}

int vhpet_record_check(const struct petrel_hvm_hw_hpet *r, const char **why)
{
	*why = NULL;
	if (r->capability != VHPET_CAPABILITY)
		*why = "capabilities other than Xen 4.17's HPET (3 timers, 62.5 MHz)";
	else if (r->config & ~(u64)(VHPET_CFG_ENABLE | VHPET_CFG_LEGACY))
		*why = "reserved bits in the configuration";
	else if (r->isr & ~((1UL << VHPET_TIMERS) - 1))
		*why = "status bits of timers it does not have";
	for (unsigned int n = 0; !*why && n < VHPET_TIMERS; n++)
		if ((r->timers[n].config & ~TN_WRITABLE) != TN_FIXED)
			*why = "a timer's capabilities other than Xen's";
	return *why ? -EINVAL : 0;
}

void vhpet_load(struct vhpet *h, const struct petrel_hvm_hw_hpet *r, u64 ticks)
{
	h->config = r->config;
	h->isr = r->isr;
	h->mc64 = r->mc64;
	h->mc_offset = r->mc64 - ticks;
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		struct vhpet_timer *t = &h->t[n];
		u64 max = (r->timers[n].config & VHPET_TN_32BIT ? 0xffffffffUL : ~0UL) >> 1;

		t->config = r->timers[n].config;
		t->cmp = r->timers[n].cmp;
		t->fsb = r->timers[n].fsb;
		t->period = r->period[n] > max ? max : r->period[n];
		fix_route(h, n);
	}
}

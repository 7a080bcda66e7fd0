/*
 * Ticks of a periodic interrupt source under HVM_PARAM_TIMER_MODE (see
 * vplatform.h), Xen's semantics: an expiry adds a pending tick and does not
 * re-arm; the source raises its interrupt while ticks are pending, and the
 * injection of its vector takes one. Once none is pending, the ticks whose
 * time passed meanwhile are counted (delay_for_missed_ticks and
 * no_delay_for_missed_ticks: delivered one after another) or dropped
 * (no_missed_ticks_pending, one_missed_tick_pending: collapsed into the one
 * just taken), and the timer is armed for the next deadline. In the modes
 * that keep them, each tick taken moves gtick, the guest time it stands
 * for, one period on: timer mode 0 brings the guest's time up to it.
 */
#include "types.h"
#include "vplatform.h"
#include "public/hvm/params.h"

void vpt_start(struct vpt *t, u64 first, u64 period)
{
	t->next = first;
	t->period = period;
	t->pending = 0;
}

void vpt_fire(struct vpt *t)
{
	if (t->pending < VPT_MAX_PENDING)
		t->pending++;
	t->next += t->period;
}

/* The ticks due by @now beyond the pending ones: counted or dropped per @mode. */
static void missed(struct vpt *t, u64 now, unsigned int mode)
{
	u64 n;

	if (!t->period || now < t->next)
		return;
	n = (now - t->next) / t->period + 1;
	t->next += n * t->period;
	if (mode == HVMPTM_no_missed_ticks_pending)
		return;
	n += t->pending;
	t->pending = n < VPT_MAX_PENDING ? (u32)n : VPT_MAX_PENDING;
}

u64 vpt_taken(struct vpt *t, u64 now, unsigned int mode)
{
	if (!t->pending)
		return 0;
	if (!t->period) {
		t->pending = 0; /* a one-shot is done */
		return 0;
	}
	if (mode == HVMPTM_no_missed_ticks_pending || mode == HVMPTM_one_missed_tick_pending) {
		missed(t, now, mode);
		t->pending = 0;
		return t->next;
	}
	t->gtick += t->period;
	if (--t->pending)
		return 0;
	missed(t, now, mode);
	return t->pending ? 0 : t->next;
}

/*
 * The scheduler's side of event delivery for the unit suites that link
 * event-channel code without the scheduler, on one CPU and PV domains
 * only. It defines the functions: one file of a suite includes it.
 */
#ifndef PETREL_UNIT_FAKE_SCHED_H
#define PETREL_UNIT_FAKE_SCHED_H

#include "domain.h"
#include "sched.h"

/* An event or timeout clears VPF_blocked. */
void vcpu_unblock(struct vcpu *v)
{
	v->pause_flags &= ~VPF_blocked;
}

/* One CPU here: no vCPU runs elsewhere, nothing to interrupt. */
void vcpu_kick(struct vcpu *v)
{
	(void)v;
}

/* The domains here are PV: the HVM upcall-vector hook is never reached. */
void hvm_evtchn_upcall(struct vcpu *v);
void hvm_evtchn_upcall(struct vcpu *v)
{
	(void)v;
}

#endif

/* sched_op: yield, block, poll, shutdown and shutdown_code; the old sched_op_compat. */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "domain.h"
#include "uaccess.h"
#include "event.h"
#include "timer.h"
#include "sched.h"
#include "hvm.h"
#include "public/sched.h"

#define POLL_MAX_PORTS 128 /* Xen's limit for SCHEDOP_poll */

static long sched_shutdown(unsigned long arg, bool code_only)
{
	struct sched_shutdown s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.reason > SHUTDOWN_MAX)
		return -EINVAL;
	/* The first code given wins, and a later shutdown reports it (as on Xen). */
	if (code_only) {
		if (current->domain->shutdown_code == SHUTDOWN_CODE_INVALID)
			current->domain->shutdown_code = s.reason;
		return 0;
	}
	domain_shutdown(current->domain, s.reason);
	return 0;
}

/*
 * Another domain's shutdown (the control domain's; Petrel has no device-model
 * domains): a listed domain by id (DOMID_SELF is none, -ESRCH), anyone else
 * -EPERM; the reason is taken as it is, cut to 8 bits, as Xen does.
 */
static long sched_remote_shutdown(unsigned long arg)
{
	struct sched_remote_shutdown r;
	struct domain *d;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	d = domain_by_id(r.domain_id);
	if (!d)
		return -ESRCH;
	if (!current->domain->is_privileged)
		return -EPERM;
	domain_shutdown(d, (u8)r.reason);
	return 0;
}

static bool upcall_pending(struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending;
}

/* Unmask events and sleep until one is pending (at once if one is). */
static long sched_block(void)
{
	struct vcpu *v = current;

	v->vcpu_info->evtchn_upcall_mask = 0;
	__asm__ volatile("" ::: "memory");
	vcpu_block(upcall_pending);
	return 0;
}

static bool poll_done(struct vcpu *v)
{
	return !v->polling;
}

/*
 * Look at the @nr ports at @ports: 1 if one is pending, 0 if none, or an
 * error (-EFAULT, -EINVAL for a bad port). @last gets the last port read.
 */
static long poll_ports_pending(struct vcpu *v, u64 ports, unsigned int nr, evtchn_port_t *last)
{
	evtchn_port_t port = 0;

	for (unsigned int i = 0; i < nr; i++) {
		if (copy_from_guest(&port, ports + i * sizeof(port), sizeof(port)))
			return -EFAULT;
		*last = port;
		switch (evtchn_poll_port(v->domain, port)) {
		case -1:
			return -EINVAL;
		case 1:
			return 1;
		}
	}
	return 0;
}

/*
 * Sleep until one of the @nr ports at guest address @ports becomes pending
 * (with one port: that port; with several: any event of the domain, as on
 * Xen) or the absolute @timeout (ns, 0 = none) passes. Returns 0 either way;
 * at once if one of the ports is already pending.
 *
 * A sender may run on another CPU without the hypervisor lock
 * (evtchn_send_unlocked), so the vCPU says it polls before its last look
 * at the ports: a port raised after that look (both under the event lock)
 * finds it polling and wakes it.
 */
long sched_poll_ports(u64 ports, unsigned int nr, u64 timeout)
{
	struct vcpu *v = current;
	evtchn_port_t port = 0;
	long rc;

	if (nr > POLL_MAX_PORTS)
		return -EINVAL;
	/* A PV list must lie in guest space; an HVM one is checked as it is read. */
	if (!is_hvm_vcpu(v) && !guest_range_ok(ports, (u64)nr * sizeof(port)))
		return -EFAULT;
	if (nr == 1) {
		/* One port: read once, and looked at once, after saying it polls. */
		if (copy_from_guest(&port, ports, sizeof(port)))
			return -EFAULT;
	} else {
		rc = poll_ports_pending(v, ports, nr, &port);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	vcpu_timers_init(v);
	v->poll_evtchn = nr == 1 ? (s32)port : -1;
	__atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
	if (nr == 1) {
		rc = evtchn_poll_port(v->domain, port);
		rc = rc < 0 ? -EINVAL : rc;
	} else {
		rc = poll_ports_pending(v, ports, nr, &port);
	}
	if (rc) {
		v->polling = false;
		return rc < 0 ? rc : 0;
	}
	vcpu_block(poll_done);
	if (!(v->pause_flags & VPF_blocked))
		v->polling = false; /* a port was raised meanwhile */
	else if (timeout)
		set_timer(&v->poll_timer, timeout);
	return 0;
}

static long sched_poll(unsigned long arg)
{
	struct sched_poll p;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	return sched_poll_ports((u64)p.ports.p, p.nr_ports, p.timeout);
}

long do_sched_op(unsigned long cmd, unsigned long arg)
{
	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */
	switch (cmd) {
	case SCHEDOP_yield:
		vcpu_yield();
		return 0;
	case SCHEDOP_shutdown:
		return sched_shutdown(arg, false);
	case SCHEDOP_shutdown_code:
		return sched_shutdown(arg, true);
	case SCHEDOP_block:
		return sched_block();
	case SCHEDOP_poll:
		return sched_poll(arg);
	case SCHEDOP_remote_shutdown:
		return sched_remote_shutdown(arg);
	default:
		return -ENOSYS;
	}
}

/* The pre-3.0 form (6): the shutdown reason is the argument itself. */
long do_sched_op_compat(unsigned long cmd, unsigned long arg)
{
	struct domain *d = current->domain;

	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */
	switch (cmd) {
	case SCHEDOP_yield:
		vcpu_yield();
		return 0;
	case SCHEDOP_block:
		return sched_block();
	case SCHEDOP_shutdown:
		if ((u8)arg > SHUTDOWN_MAX)
			return -EINVAL;
		domain_shutdown(d, (u8)arg);
		return 0;
	default:
		return -ENOSYS;
	}
}

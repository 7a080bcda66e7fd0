/* SPDX-License-Identifier: MIT */
/*
 * pxl's soft-reset action, in the order libxl 4.17 takes it for an HVM
 * domain (libxl_create.c do_domain_soft_reset, then its destroy path with
 * the soft-reset domctl in place of the destroy, then its create path
 * with the same id): the ring frames read from xenstore first, the domain
 * released from xenstore (its connection dropped, so the reset kernel
 * starts from a clean slate), the reset itself, new xenstore and console
 * ports allocated in that order (libxl__build_pre), their numbers written
 * where the guest and the console daemon look, and the domain introduced
 * to xenstore again (libxl__build_post).  libxl unpauses the domain before
 * the create path runs; here the domain stays paused until it has its
 * ports, so a kernel that starts at once finds them bound.
 */
#include <stddef.h>

#include "hvm/params.h"
#include "xl_softreset.h"

static const char *const step_names[] = {
	[XL_SR_DONE] = "done",
	[XL_SR_READ_RINGS] = "reading the ring frames",
	[XL_SR_RELEASE] = "releasing it from xenstore",
	[XL_SR_PAUSE] = "pausing it",
	[XL_SR_RESET] = "XEN_DOMCTL_soft_reset",
	[XL_SR_PORTS] = "allocating its event channels",
	[XL_SR_PARAMS] = "setting its HVM params",
	[XL_SR_XENSTORE] = "writing its xenstore nodes",
	[XL_SR_INTRODUCE] = "introducing it to xenstore",
	[XL_SR_UNPAUSE] = "unpausing it",
};

const char *xl_sr_step_name(enum xl_sr_step s)
{
	if ((size_t)s >= sizeof(step_names) / sizeof(step_names[0]))
		return "?";
	return step_names[s];
}

static int fail(struct xl_sr_result *r, enum xl_sr_step s, int err)
{
	r->failed = s;
	r->err = err;
	return err;
}

/* The new ports where the guest's kernel finds them: HVM params and xenstore. */
static int publish(const struct xl_sr_ops *o, uint16_t domid, bool hvm, struct xl_sr_result *r)
{
	int e;

	if (hvm && ((e = o->set_param(o->arg, domid, HVM_PARAM_STORE_EVTCHN, r->store_port)) ||
		    (e = o->set_param(o->arg, domid, HVM_PARAM_CONSOLE_EVTCHN, r->console_port))))
		return fail(r, XL_SR_PARAMS, e);
	if ((e = o->write_node(o->arg, domid, "store/port", r->store_port)) ||
	    (e = o->write_node(o->arg, domid, "store/ring-ref", r->store_gfn)) ||
	    (e = o->write_node(o->arg, domid, "console/ring-ref", r->console_gfn)) ||
	    (e = o->write_node(o->arg, domid, "console/port", r->console_port)))
		return fail(r, XL_SR_XENSTORE, e);
	return 0;
}

int xl_soft_reset_domain(const struct xl_sr_ops *o, uint16_t domid, bool hvm,
			 struct xl_sr_result *r)
{
	int e;

	*r = (struct xl_sr_result){ .failed = XL_SR_DONE };
	if ((e = o->read_node(o->arg, domid, "store/ring-ref", &r->store_gfn)) ||
	    (e = o->read_node(o->arg, domid, "console/ring-ref", &r->console_gfn)))
		return fail(r, XL_SR_READ_RINGS, e);
	if ((e = o->release(o->arg, domid)))
		return fail(r, XL_SR_RELEASE, e);
	if ((e = o->pause(o->arg, domid)))
		return fail(r, XL_SR_PAUSE, e);
	if ((e = o->reset(o->arg, domid)))
		return fail(r, XL_SR_RESET, e);
	if ((e = o->alloc_port(o->arg, domid, &r->store_port)) ||
	    (e = o->alloc_port(o->arg, domid, &r->console_port)))
		return fail(r, XL_SR_PORTS, e);
	if ((e = publish(o, domid, hvm, r)))
		return e;
	if ((e = o->introduce(o->arg, domid, r->store_gfn, r->store_port)))
		return fail(r, XL_SR_INTRODUCE, e);
	if ((e = o->unpause(o->arg, domid)))
		return fail(r, XL_SR_UNPAUSE, e);
	return 0;
}

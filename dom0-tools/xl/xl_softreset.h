/* SPDX-License-Identifier: MIT */
#ifndef XL_SOFTRESET_H
#define XL_SOFTRESET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the soft-reset sequence does to the world, one call each; every
 * call answers 0 or a negative errno value.  The monitor fills it with
 * the control library and xenstore; the unit test with fakes.
 */
struct xl_sr_ops {
	/* a number under /local/domain/DOMID (store/ring-ref, console/ring-ref) */
	int (*read_node)(void *arg, uint16_t domid, const char *node, uint64_t *out);
	int (*write_node)(void *arg, uint16_t domid, const char *node, uint64_t value);
	int (*release)(void *arg, uint16_t domid); /* XS_RELEASE */
	int (*introduce)(void *arg, uint16_t domid, uint64_t gfn, uint32_t port);
	int (*pause)(void *arg, uint16_t domid);
	int (*unpause)(void *arg, uint16_t domid);
	int (*reset)(void *arg, uint16_t domid); /* XEN_DOMCTL_soft_reset */
	/* a port of the domain, unbound, for dom0 */
	int (*alloc_port)(void *arg, uint16_t domid, uint32_t *port);
	int (*set_param)(void *arg, uint16_t domid, uint32_t index, uint64_t value);
	void *arg;
};

/* Where a soft reset stopped: the step that failed (XL_SR_DONE: none). */
enum xl_sr_step {
	XL_SR_DONE,
	XL_SR_READ_RINGS,
	XL_SR_RELEASE,
	XL_SR_PAUSE,
	XL_SR_RESET,
	XL_SR_PORTS,
	XL_SR_PARAMS,
	XL_SR_XENSTORE,
	XL_SR_INTRODUCE,
	XL_SR_UNPAUSE,
};

struct xl_sr_result {
	enum xl_sr_step failed; /* XL_SR_DONE on success */
	int err;		/* the failed call's answer */
	uint64_t store_gfn, console_gfn;
	uint32_t store_port, console_port; /* the fresh ports */
};

/*
 * Reset a shut-down domain in place and give it back what libxl's soft
 * reset gives it: the domain released from xenstore, paused, soft-reset,
 * fresh xenstore and console ports (for an HVM or PVH domain also in the
 * STORE_EVTCHN and CONSOLE_EVTCHN params), store/port and console/port
 * rewritten (the console daemon's watch sees them), introduced to
 * xenstore again at its old ring, unpaused.  0, or the failed call's
 * answer with r->failed saying which step; the caller destroys the domain
 * then, as xl does when libxl's soft reset fails.
 */
int xl_soft_reset_domain(const struct xl_sr_ops *ops, uint16_t domid, bool hvm,
			 struct xl_sr_result *r);
const char *xl_sr_step_name(enum xl_sr_step s);

#endif

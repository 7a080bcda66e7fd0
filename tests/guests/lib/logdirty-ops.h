/*
 * XEN_DOMCTL_shadow_op's log-dirty calls and a child's suspend steps, for
 * the log-dirty guest tests (logdirty, logdirty-hvm).
 */
#ifndef GUEST_LOGDIRTY_OPS_H
#define GUEST_LOGDIRTY_OPS_H

#include "builder.h"

#define XEN_DOMCTL_shadow_op 10
#define XEN_DOMCTL_resumedomain 27
#define SHADOW_OP_OFF 0
#define SHADOW_OP_ENABLE_LOGDIRTY 2
#define SHADOW_OP_CLEAN 11
#define SHADOW_OP_PEEK 12
#define SHADOW_OP_ENABLE 32
#define SHADOW_ENABLE_LOG_DIRTY (1u << 2)

struct shadow_op {
	uint32_t op, mode, mb, pad;
	uint8_t *dirty_bitmap;
	uint64_t pages;
	uint32_t fault_count, dirty_count;
};
_Static_assert(sizeof(struct shadow_op) == 40, "xen_domctl_shadow_op is 40 bytes");

/* shadow_op @s on @dom; @s comes back as the hypervisor left it. */
static inline long shadow(uint16_t dom, struct shadow_op *s)
{
	return domctl_struct(XEN_DOMCTL_shadow_op, dom, s, sizeof(*s));
}

static inline long shadow_simple(uint16_t dom, uint32_t cmd, uint32_t mode)
{
	struct shadow_op s = { .op = cmd, .mode = mode };

	return shadow(dom, &s);
}

/*
 * CLEAN or PEEK (@cmd) of @dom into @bitmap, @pages bits (filled with 0xa5
 * first): false (recorded) on an error or if another page count came back.
 */
static inline bool shadow_report(uint16_t dom, uint32_t cmd, struct shadow_op *s, uint8_t *bitmap,
				 uint64_t pages)
{
	long rc;

	memset(bitmap, 0xa5, pages / 8);
	*s = (struct shadow_op){ .op = cmd, .dirty_bitmap = bitmap, .pages = pages };
	rc = shadow(dom, s);
	if (rc || s->pages != pages) {
		xtest_fail("shadow_op %u: %ld, pages %lu", cmd, rc, (unsigned long)s->pages);
		return false;
	}
	return true;
}

static inline unsigned int bits_set(uint64_t v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Wait for @dom's SHUTDOWN_suspend after its step @n: false (recorded) if it ended otherwise. */
static inline bool wait_suspend(uint16_t dom, unsigned int n)
{
	struct dctl op;
	unsigned int code;

	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u: no suspend after step %u", dom, n);
		return false;
	}
	code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
	xtest_check(code == SHUTDOWN_suspend, "d%u: step %u ended with shutdown code %u", dom, n,
		    code);
	return code == SHUTDOWN_suspend;
}

/* resumedomain: false (recorded) if it failed. */
static inline bool resume_domain(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_resumedomain, dom, &op);
	xtest_check(rc == 0, "resumedomain d%u: %ld", dom, rc);
	return rc == 0;
}

#endif

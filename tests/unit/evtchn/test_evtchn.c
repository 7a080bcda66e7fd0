/*
 * Event channels (xen/common/event_channel.c, event_fifo.c) on fake
 * domains: the port state machine of every EVTCHNOP with Xen's error
 * values, the 2-level pending/mask/selector/upcall bits in shared_info and
 * vcpu_info, and the FIFO ABI's queues in a control block and event array
 * that a fake guest consumes as the ABI prescribes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "domain.h"
#include "event.h"
#include "uaccess.h"
#include "public/event_channel.h"

struct vcpu *current;

#define NR_FAKE 2
static struct domain *doms[NR_FAKE];
static struct vcpu *vcpus[NR_FAKE];

struct domain *domain_by_id(domid_t id)
{
	for (int i = 0; i < NR_FAKE; i++)
		if (doms[i] && doms[i]->domain_id == id)
			return doms[i];
	return NULL;
}

#include "fake_sched.h"

/* The hypervisor-consumed ports' hook (hvm/ioreq.c in the hypervisor): recorded. */
static struct domain *notified_dom;
static unsigned int notified_port;

void evtchn_xen_notify(struct domain *d, unsigned int port)
{
	assert_true(spin_is_locked_by_me(&d->event_lock));
	notified_dom = d;
	notified_port = port;
}

/* The 'e' key's dump goes here. */
static char log_buf[4096];
static size_t log_len;

void printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_len = log_len + (size_t)n < sizeof(log_buf) ? log_len + (size_t)n
								: sizeof(log_buf) - 1;
}

/* An ASSERT of the event code (its event lock held, not taken twice) that fails ends the test. */
void panic(const char *fmt, ...)
{
	fail_msg("panic: %s", fmt);
	abort();
}

/* Buckets of ports past 4096: host memory, counted so that a leak shows. */
static int heap_pages;

void *alloc_xenheap_pages(unsigned int order)
{
	void *p = aligned_alloc(4096, 4096UL << order);

	if (p)
		heap_pages += 1 << order;
	return p;
}

void free_xenheap_pages(void *va, unsigned int order)
{
	heap_pages -= 1 << order;
	free(va);
}

/*
 * Guest frames for FIFO control blocks and event arrays: frames 1..NR_FRAMES
 * of one pool (any domain's), each reference counted; other numbers are not RAM.
 */
#define NR_FRAMES 200
static u8 (*frames)[4096];
static int frame_refs[NR_FRAMES + 1];

void *evtchn_get_guest_frame(struct domain *d, u64 gfn, u64 *mfn)
{
	(void)d;
	if (gfn < 1 || gfn > NR_FRAMES)
		return NULL;
	frame_refs[gfn]++;
	*mfn = gfn;
	return frames[gfn - 1];
}

void evtchn_put_guest_frame(u64 mfn)
{
	assert_true(mfn >= 1 && mfn <= NR_FRAMES && frame_refs[mfn] > 0);
	frame_refs[mfn]--;
}

/* The lockless ops' read section (domain.c): how deep in one, how many were opened. */
static int read_depth, read_sections;

void domain_read_begin(void)
{
	read_depth++;
	read_sections++;
}

void domain_read_end(void)
{
	assert_true(read_depth > 0);
	read_depth--;
}

/* An event lock a test holds as if another CPU did (busy_lock): not the code's. */
static struct domain *busy_dom;

/* Guest copies may fault: never under an event lock or inside a read section. */
static void assert_may_fault(void)
{
	assert_int_equal(read_depth, 0);
	for (int i = 0; i < NR_FAKE; i++)
		assert_true(!doms[i] || doms[i] == busy_dom ||
			    !spin_is_locked(&doms[i]->event_lock));
}

/* Another CPU holds @d's event lock (NULL: lets it go). */
static void busy_lock(struct domain *d)
{
	if (busy_dom)
		spin_unlock(&busy_dom->event_lock);
	busy_dom = d;
	if (d)
		spin_lock(&d->event_lock);
}

/* Guest addresses are host pointers here; the first page stands for a bad one. */
int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	assert_may_fault();
	if (src_va < 4096)
		return -EFAULT;
	memcpy(dst, (const void *)src_va, len);
	return 0;
}

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	assert_may_fault();
	if (dst_va < 4096)
		return -EFAULT;
	memcpy((void *)dst_va, src, len);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < NR_FAKE; i++) {
		doms[i] = calloc(1, sizeof(struct domain));
		vcpus[i] = calloc(1, sizeof(struct vcpu));
		assert_non_null(doms[i]);
		assert_non_null(vcpus[i]);
		doms[i]->shared_info = aligned_alloc(4096, 4096);
		assert_non_null(doms[i]->shared_info);
		memset(doms[i]->shared_info, 0, 4096);
		doms[i]->domain_id = (domid_t)i;
		doms[i]->max_evtchn_port = ~0u;
		doms[i]->is_privileged = i == 0;
		doms[i]->vcpu[0] = vcpus[i];
		doms[i]->max_vcpus = 1;
		vcpus[i]->domain = doms[i];
		vcpus[i]->vcpu_info = &doms[i]->shared_info->vcpu_info[0];
		vcpus[i]->vcpu_info->evtchn_upcall_mask = 1;
	}
	current = vcpus[0];
	frames = aligned_alloc(4096, NR_FRAMES * 4096UL);
	assert_non_null(frames);
	memset(frames, 0, NR_FRAMES * 4096UL);
	memset(frame_refs, 0, sizeof(frame_refs));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NR_FAKE; i++) {
		assert_false(spin_is_locked(&doms[i]->event_lock)); /* every op let it go */
		evtchn_close_all(doms[i]);
		free(doms[i]->shared_info);
		free(doms[i]);
		free(vcpus[i]);
		doms[i] = NULL;
	}
	for (int f = 1; f <= NR_FRAMES; f++)
		assert_int_equal(frame_refs[f], 0);
	assert_int_equal(heap_pages, 0);
	free(frames);
	return 0;
}

static void as_dom(int i)
{
	current = vcpus[i];
}

/* An event-channel op the slow way (under the hypervisor lock) or the lockless way. */
typedef long op_fn(unsigned int cmd, void *arg);

static long op(unsigned int cmd, void *arg)
{
	return do_event_channel_op(cmd, (unsigned long)arg);
}

static long op_unlocked(unsigned int cmd, void *arg)
{
	return evtchn_op_unlocked(cmd, (unsigned long)arg);
}

static long alloc_unbound(domid_t dom, domid_t remote, u32 *port)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote, .port = 0xdead };
	long rc = op(EVTCHNOP_alloc_unbound, &a);

	if (port)
		*port = a.port;
	return rc;
}

static long bind_interdomain(domid_t rdom, u32 rport, u32 *lport)
{
	struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
	long rc = op(EVTCHNOP_bind_interdomain, &b);

	if (lport)
		*lport = b.local_port;
	return rc;
}

static long bind_virq(u32 virq, u32 vcpu, u32 *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long rc = op(EVTCHNOP_bind_virq, &b);

	if (port)
		*port = b.port;
	return rc;
}

static long bind_ipi(u32 vcpu, u32 *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	long rc = op(EVTCHNOP_bind_ipi, &b);

	if (port)
		*port = b.port;
	return rc;
}

static long close_port(u32 port)
{
	struct evtchn_close c = { .port = port };

	return op(EVTCHNOP_close, &c);
}

static long send_port(u32 port)
{
	struct evtchn_send s = { .port = port };

	return op(EVTCHNOP_send, &s);
}

static long unmask_by(op_fn *f, u32 port)
{
	struct evtchn_unmask u = { .port = port };

	return f(EVTCHNOP_unmask, &u);
}

static long status_by(op_fn *f, domid_t dom, u32 port, struct evtchn_status *st)
{
	memset(st, 0xaa, sizeof(*st));
	st->dom = dom;
	st->port = port;
	return f(EVTCHNOP_status, st);
}

static long status(domid_t dom, u32 port, struct evtchn_status *st)
{
	return status_by(op, dom, port, st);
}

static long bind_vcpu(u32 port, u32 vcpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };

	return op(EVTCHNOP_bind_vcpu, &b);
}

static struct shared_info *sh(int i)
{
	return doms[i]->shared_info;
}

static bool pending(int d, u32 port)
{
	return (sh(d)->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void set_mask(int d, u32 port)
{
	sh(d)->evtchn_mask[port / 64] |= 1UL << (port % 64);
}

static void clear_upcall(int d)
{
	vcpus[d]->vcpu_info->evtchn_upcall_pending = 0;
	vcpus[d]->vcpu_info->evtchn_pending_sel = 0;
}

static void test_alloc_unbound(void **state)
{
	struct evtchn_status st;
	u32 p1, p2, p3;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &p1), 0);
	assert_int_equal(p1, 1); /* port 0 is reserved */
	assert_int_equal(alloc_unbound(0, DOMID_SELF, &p2), 0);
	assert_int_equal(p2, 2);
	assert_int_equal(status(DOMID_SELF, p1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 1);
	assert_int_equal(st.vcpu, 0);
	assert_int_equal(status(0, p2, &st), 0);
	assert_int_equal(st.u.unbound.dom, 0); /* DOMID_SELF became the caller */
	/* Lowest free port is reused. */
	assert_int_equal(close_port(p1), 0);
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &p3), 0);
	assert_int_equal(p3, 1);
	/* Unknown domain; unprivileged caller on another domain. */
	assert_int_equal(alloc_unbound(7, 0, NULL), -ESRCH);
	as_dom(1);
	assert_int_equal(alloc_unbound(0, 1, NULL), -EPERM);
	assert_int_equal(alloc_unbound(1, 0, &p1), 0);
	assert_int_equal(p1, 1);
	/* The control domain may allocate in another domain. */
	as_dom(0);
	assert_int_equal(alloc_unbound(1, 0, &p2), 0);
	assert_int_equal(p2, 2);
}

static void test_interdomain(void **state)
{
	struct evtchn_status st;
	u32 rp, lp;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	assert_int_equal(lp, 1);
	/* The new local port starts pending (lost notifications). */
	assert_true(pending(1, lp));
	assert_int_equal(vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
	assert_int_equal(status(DOMID_SELF, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 0);
	assert_int_equal(st.u.interdomain.port, rp);
	as_dom(0);
	assert_int_equal(status(DOMID_SELF, rp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 1);
	assert_int_equal(st.u.interdomain.port, lp);
	/* Sending from dom1 raises dom0's end. */
	as_dom(1);
	assert_false(pending(0, rp));
	assert_int_equal(send_port(lp), 0);
	assert_true(pending(0, rp));
	assert_int_equal(sh(0)->vcpu_info[0].evtchn_pending_sel, 1UL << (rp / 64));
	assert_int_equal(sh(0)->vcpu_info[0].evtchn_upcall_pending, 1);
	/* And back. */
	as_dom(0);
	clear_upcall(1);
	sh(1)->evtchn_pending[0] = 0;
	assert_int_equal(send_port(rp), 0);
	assert_true(pending(1, lp));
	assert_int_equal(vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
}

/* The 'e' key's dump: each port in use with its state and peer, then the count. */
static void test_dump(void **state)
{
	u32 rp, lp, vp;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &vp), 0);
	log_len = 0;
	evtchn_dump(doms[0]);
	assert_non_null(strstr(log_buf, "Event channel information for d0:\nABI: 2-level\n"));
	assert_non_null(strstr(log_buf, ": s=2 n=0 x=0 d=1 (unbound)\n"));
	assert_non_null(strstr(log_buf, ": s=5 n=0 x=0 v=0 (virq)\n"));
	assert_non_null(strstr(log_buf, "  2 ports in use\n"));
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	as_dom(0);
	assert_int_equal(close_port(vp), 0);
	log_len = 0;
	evtchn_dump(doms[0]);
	assert_non_null(strstr(log_buf, ": s=3 n=0 x=0 d=1 p=1 (interdomain)\n"));
	assert_null(strstr(log_buf, "(virq)"));
	assert_non_null(strstr(log_buf, "  1 ports in use\n"));
}

static void test_interdomain_errors(void **state)
{
	u32 p_other, p_self, p_ipi;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 0, &p_self), 0); /* for dom0 itself */
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &p_other), 0);
	assert_int_equal(bind_ipi(0, &p_ipi), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(5, p_other, NULL), -ESRCH);
	assert_int_equal(bind_interdomain(0, 4096, NULL), -EINVAL);
	assert_int_equal(bind_interdomain(0, 0, NULL), -EINVAL);
	assert_int_equal(bind_interdomain(0, 99, NULL), -EINVAL); /* free */
	assert_int_equal(bind_interdomain(0, p_ipi, NULL), -EINVAL);
	assert_int_equal(bind_interdomain(0, p_self, NULL), -EINVAL); /* offered to dom0 */
	/* Nothing was allocated by the failures. */
	{
		struct evtchn_status st;

		assert_int_equal(status(DOMID_SELF, 1, &st), 0);
		assert_int_equal(st.status, EVTCHNSTAT_closed);
	}
	/* Loopback: a domain binds its own unbound port. */
	as_dom(0);
	{
		u32 lp;

		assert_int_equal(bind_interdomain(DOMID_SELF, p_self, &lp), 0);
		assert_int_equal(lp, 4);
		sh(0)->evtchn_pending[0] = 0;
		assert_int_equal(send_port(lp), 0);
		assert_true(pending(0, p_self));
		assert_false(pending(0, lp));
	}
}

static void test_close(void **state)
{
	struct evtchn_status st;
	u32 rp, lp;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	assert_true(pending(1, lp));
	assert_int_equal(close_port(lp), 0);
	/* Closing clears the port's pending bit and frees it. */
	assert_false(pending(1, lp));
	assert_int_equal(status(DOMID_SELF, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(close_port(lp), -EINVAL);
	/* The peer is unbound again, offered to the closer. */
	as_dom(0);
	assert_int_equal(status(DOMID_SELF, rp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 1);
	/* ... and can be bound again. */
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	as_dom(0);
	assert_int_equal(close_port(0), -EINVAL);
	assert_int_equal(close_port(4096), -EINVAL);
	assert_int_equal(close_port(0xffffffff), -EINVAL);
	assert_int_equal(close_port(77), -EINVAL);
}

static void test_virq(void **state)
{
	struct evtchn_status st;
	u32 tp, cp, p;

	(void)state;
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &tp), 0);
	assert_int_equal(tp, 1);
	assert_int_equal(vcpus[0]->virq_to_evtchn[VIRQ_TIMER], tp);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, NULL), -EEXIST);
	assert_int_equal(bind_virq(NR_VIRQS, 0, NULL), -EINVAL);
	assert_int_equal(bind_virq(0xffffffff, 0, NULL), -EINVAL);
	/* Global VIRQs only on vCPU 0; per-vCPU ones need the vCPU. */
	assert_int_equal(bind_virq(VIRQ_CONSOLE, 1, NULL), -EINVAL);
	assert_int_equal(bind_virq(VIRQ_DEBUG, 1, NULL), -ENOENT);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0xffffffff, NULL), -ENOENT);
	assert_int_equal(bind_virq(VIRQ_CONSOLE, 0, &cp), 0);
	assert_int_equal(status(DOMID_SELF, cp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.u.virq, VIRQ_CONSOLE);
	assert_int_equal(st.vcpu, 0);
	/* Delivery. */
	send_guest_vcpu_virq(vcpus[0], VIRQ_TIMER);
	assert_true(pending(0, tp));
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 1);
	send_guest_global_virq(doms[0], VIRQ_CONSOLE);
	assert_true(pending(0, cp));
	/* Unbound VIRQs are dropped silently. */
	send_guest_vcpu_virq(vcpus[0], VIRQ_DEBUG);
	send_guest_global_virq(doms[0], VIRQ_DOM_EXC);
	assert_int_equal(sh(0)->evtchn_pending[0], (1UL << tp) | (1UL << cp));
	/* A VIRQ port cannot be sent on; closing unbinds it. */
	assert_int_equal(send_port(tp), -EINVAL);
	assert_int_equal(close_port(tp), 0);
	assert_int_equal(vcpus[0]->virq_to_evtchn[VIRQ_TIMER], 0);
	assert_false(pending(0, tp));
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &p), 0);
	assert_int_equal(p, tp);
}

static void test_ipi_and_send(void **state)
{
	struct evtchn_status st;
	u32 ip, up;

	(void)state;
	assert_int_equal(bind_ipi(1, NULL), -ENOENT);
	assert_int_equal(bind_ipi(0, &ip), 0);
	assert_int_equal(status(DOMID_SELF, ip, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	assert_int_equal(send_port(ip), 0);
	assert_true(pending(0, ip));
	/* Unbound: accepted and dropped. Free / out of range: -EINVAL. */
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &up), 0);
	assert_int_equal(send_port(up), 0);
	assert_false(pending(0, up));
	assert_int_equal(send_port(50), -EINVAL);
	assert_int_equal(send_port(0), -EINVAL);
	assert_int_equal(send_port(4096), -EINVAL);
}

static void test_two_level_bits(void **state)
{
	struct vcpu_info *vi = vcpus[0]->vcpu_info;

	(void)state;
	evtchn_set_pending(doms[0], 0, 64);
	assert_int_equal(sh(0)->evtchn_pending[1], 1);
	assert_int_equal(vi->evtchn_pending_sel, 2);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	/* Already pending: nothing more happens even after the guest cleared sel. */
	clear_upcall(0);
	evtchn_set_pending(doms[0], 0, 64);
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	/* Last port, last selector bit. */
	evtchn_set_pending(doms[0], 0, 4095);
	assert_true(pending(0, 4095));
	assert_int_equal(vi->evtchn_pending_sel, 1UL << 63);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	/* Out of range and missing vCPUs are ignored. */
	evtchn_set_pending(doms[0], 0, 4096);
	evtchn_set_pending(doms[0], 3, 5);
	assert_false(pending(0, 5));
	/* Upcall due only when unmasked. */
	assert_false(evtchn_upcall_due(vcpus[0]));
	vi->evtchn_upcall_mask = 0;
	assert_true(evtchn_upcall_due(vcpus[0]));
}

/* EVTCHNOP_unmask with the 2-level ABI, run by @f. */
static void check_mask_unmask(op_fn *f)
{
	struct vcpu_info *vi = vcpus[0]->vcpu_info;
	u32 ip;

	assert_int_equal(bind_ipi(0, &ip), 0);
	set_mask(0, ip);
	assert_int_equal(send_port(ip), 0);
	/* Masked: pending, but no selector bit and no upcall. */
	assert_true(pending(0, ip));
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_true(evtchn_is_masked(doms[0], ip));
	/* Unmask raises what was held back. */
	assert_int_equal(unmask_by(f, ip), 0);
	assert_false(evtchn_is_masked(doms[0], ip));
	assert_int_equal(vi->evtchn_pending_sel, 1);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	/* Unmasking a port that was not masked raises nothing. */
	clear_upcall(0);
	assert_int_equal(unmask_by(f, ip), 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	/* Unmask of a masked, not pending port: just clears the mask. */
	sh(0)->evtchn_pending[0] = 0;
	set_mask(0, ip);
	assert_int_equal(unmask_by(f, ip), 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_false(evtchn_is_masked(doms[0], ip));
	assert_int_equal(unmask_by(f, 4096), -EINVAL);
	/* Unmask works on any valid port, bound or not (Xen does not check). */
	assert_int_equal(unmask_by(f, 100), 0);
}

static void test_mask_unmask(void **state)
{
	(void)state;
	check_mask_unmask(op);
}

/* EVTCHNOP_status, run by @f. */
static void check_status(op_fn *f)
{
	struct evtchn_status st;
	u32 p;

	assert_int_equal(status_by(f, DOMID_SELF, 0, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(status_by(f, DOMID_SELF, 4095, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(status_by(f, DOMID_SELF, 4096, &st), -EINVAL);
	assert_int_equal(status_by(f, 9, 1, &st), -ESRCH);
	/* dom0 may look at dom1; dom1 not at dom0. */
	as_dom(1);
	assert_int_equal(alloc_unbound(DOMID_SELF, 0, &p), 0);
	assert_int_equal(status_by(f, 0, 1, &st), -EPERM);
	as_dom(0);
	assert_int_equal(status_by(f, 1, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 0);
}

static void test_status(void **state)
{
	(void)state;
	check_status(op);
}

static void test_bind_vcpu(void **state)
{
	u32 tp, cp, ip, up;

	(void)state;
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &tp), 0);
	assert_int_equal(bind_virq(VIRQ_CONSOLE, 0, &cp), 0);
	assert_int_equal(bind_ipi(0, &ip), 0);
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &up), 0);
	assert_int_equal(bind_vcpu(tp, 0), -EINVAL); /* per-vCPU VIRQ */
	assert_int_equal(bind_vcpu(cp, 0), 0);
	assert_int_equal(bind_vcpu(ip, 0), -EINVAL);
	assert_int_equal(bind_vcpu(up, 0), 0);
	assert_int_equal(bind_vcpu(up, 1), -ENOENT);
	assert_int_equal(bind_vcpu(4096, 1), -ENOENT); /* vCPU checked first */
	assert_int_equal(bind_vcpu(4096, 0), -EINVAL);
	assert_int_equal(bind_vcpu(200, 0), -EINVAL);
}

static void test_reset(void **state)
{
	struct evtchn_status st;
	struct evtchn_reset r = { .dom = DOMID_SELF };
	u32 rp, lp, tp;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &tp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	r.dom = 0;
	assert_int_equal(op(EVTCHNOP_reset, &r), -EPERM);
	r.dom = 44;
	assert_int_equal(op(EVTCHNOP_reset, &r), -ESRCH);
	as_dom(0);
	r.dom = DOMID_SELF;
	assert_int_equal(op(EVTCHNOP_reset, &r), 0);
	assert_int_equal(vcpus[0]->virq_to_evtchn[VIRQ_TIMER], 0);
	for (u32 p = 0; p < 4; p++) {
		assert_int_equal(status(DOMID_SELF, p, &st), 0);
		assert_int_equal(st.status, EVTCHNSTAT_closed);
	}
	/* dom1's end went back to unbound (offered to dom0). */
	assert_int_equal(status(1, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 0);
	/* The control domain may reset another domain. */
	r.dom = 1;
	assert_int_equal(op(EVTCHNOP_reset, &r), 0);
	assert_int_equal(status(1, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
}

static void test_enosys_and_efault(void **state)
{
	u8 buf[64] = { 0 };

	(void)state;
	/* PIRQ 0 is never mapped: -EPERM, as Xen (no PIRQs in this build at all). */
	assert_int_equal(op(EVTCHNOP_bind_pirq, buf), -EPERM);
	/* FIFO calls on a 2-level domain: frame 0 is not RAM, no array to expand. */
	assert_int_equal(op(EVTCHNOP_init_control, buf), -EINVAL);
	assert_int_equal(op(EVTCHNOP_expand_array, buf), -EOPNOTSUPP);
	assert_int_equal(op(EVTCHNOP_set_priority, buf), -ENOSYS);
	assert_int_equal(op(14, buf), -ENOSYS);
	assert_int_equal(do_event_channel_op(0xffffffffffUL, (unsigned long)buf), -ENOSYS);
	assert_int_equal(do_event_channel_op(EVTCHNOP_send, 16), -EFAULT);
	assert_int_equal(do_event_channel_op(EVTCHNOP_alloc_unbound, 0), -EFAULT);
}

static void test_compat(void **state)
{
	struct evtchn_op o;
	long rc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.cmd = EVTCHNOP_bind_ipi;
	o.u.bind_ipi.vcpu = 0;
	rc = do_event_channel_op_compat((unsigned long)&o);
	assert_int_equal(rc, 0);
	assert_int_equal(o.u.bind_ipi.port, 1);
	o.cmd = EVTCHNOP_send;
	o.u.send.port = 1;
	assert_int_equal(do_event_channel_op_compat((unsigned long)&o), 0);
	assert_true(pending(0, 1));
	o.cmd = EVTCHNOP_init_control;
	assert_int_equal(do_event_channel_op_compat((unsigned long)&o), -ENOSYS);
	assert_int_equal(do_event_channel_op_compat(8), -EFAULT);
}

static void test_table_full(void **state)
{
	u32 p = 0;

	(void)state;
	for (u32 i = 1; i < EVTCHN_NR_PORTS; i++) {
		assert_int_equal(bind_ipi(0, &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(bind_ipi(0, NULL), -ENOSPC);
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, NULL), -ENOSPC);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, NULL), -ENOSPC);
	assert_int_equal(vcpus[0]->virq_to_evtchn[VIRQ_TIMER], 0);
	assert_int_equal(close_port(2000), 0);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &p), 0);
	assert_int_equal(p, 2000);
}

/* createdomain's max_evtchn_port: ports above it are never handed out (Xen's -ENOSPC). */
static void test_max_evtchn_port(void **state)
{
	u32 p = 0;

	(void)state;
	doms[0]->max_evtchn_port = 3;
	for (u32 i = 1; i <= 3; i++) {
		assert_int_equal(bind_ipi(0, &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(bind_ipi(0, NULL), -ENOSPC);
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, NULL), -ENOSPC);
	assert_int_equal(close_port(2), 0);
	assert_int_equal(bind_ipi(0, &p), 0);
	assert_int_equal(p, 2);
	doms[0]->max_evtchn_port = 0;
	assert_int_equal(close_port(1), 0);
	assert_int_equal(bind_ipi(0, NULL), -ENOSPC);
}

static void test_pollers(void **state)
{
	u32 a, b;

	(void)state;
	assert_int_equal(bind_ipi(0, &a), 0);
	assert_int_equal(bind_ipi(0, &b), 0);
	/* Polling one port: another port does not wake it, that port does. */
	vcpus[0]->polling = true;
	vcpus[0]->poll_evtchn = (s32)a;
	assert_int_equal(send_port(b), 0);
	assert_true(vcpus[0]->polling);
	assert_int_equal(send_port(a), 0);
	assert_false(vcpus[0]->polling);
	/* Polling several ports (-1): any new event wakes it, masked or not. */
	sh(0)->evtchn_pending[0] = 0;
	set_mask(0, b);
	vcpus[0]->polling = true;
	vcpus[0]->poll_evtchn = -1;
	assert_int_equal(send_port(b), 0);
	assert_false(vcpus[0]->polling);
}

/*
 * A port of dom1 whose local end the hypervisor consumes (an ioreq server's),
 * bound by dom0 (the device model) from its side.
 */
static void test_xen_ports(void **state)
{
	struct evtchn_status st;
	int xp;
	u32 lp;

	(void)state;
	xp = evtchn_alloc_xen_port(doms[1], 0, 0);
	assert_true(xp > 0);
	/* dom1 may not send on or close it. */
	as_dom(1);
	assert_int_equal(send_port((u32)xp), -EINVAL);
	assert_int_equal(close_port((u32)xp), -EINVAL);
	/* Only its emulator binds it. */
	as_dom(0);
	assert_int_equal(bind_interdomain(1, (u32)xp, &lp), 0);
	/* The emulator's send reaches the hook, never dom1's pending bits. */
	notified_dom = NULL;
	assert_int_equal(send_port(lp), 0);
	assert_ptr_equal(notified_dom, doms[1]);
	assert_int_equal(notified_port, (unsigned int)xp);
	assert_false(pending(1, (u32)xp));
	assert_int_equal(vcpus[1]->vcpu_info->evtchn_upcall_pending, 0);
	/* The hypervisor's send raises the emulator's end. */
	sh(0)->evtchn_pending[0] = 0;
	evtchn_send_xen_port(doms[1], (u32)xp);
	assert_true(pending(0, lp));
	/* Freed: the emulator's end is unbound again. */
	evtchn_free_xen_port(doms[1], (u32)xp);
	assert_int_equal(status(DOMID_SELF, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	/* A guest's own port is not the hypervisor's to free or send on. */
	as_dom(1);
	assert_int_equal(alloc_unbound(DOMID_SELF, 0, &lp), 0);
	evtchn_free_xen_port(doms[1], lp);
	assert_int_equal(status(DOMID_SELF, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
}

/* No event lock is held (what every path of the lockless send leaves behind). */
static void assert_unlocked(void)
{
	for (int i = 0; i < NR_FAKE; i++)
		assert_false(spin_is_locked(&doms[i]->event_lock));
}

/*
 * The lockless send (pv/hypercall.c's fast path): the same results as
 * EVTCHNOP_send, or -EAGAIN with nothing raised when an event lock is
 * busy, the peer is HVM or the peer's port is the hypervisor's.
 */
static void test_send_unlocked(void **state)
{
	u32 rp, lp, ip, up;
	int xp;

	(void)state;
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	assert_int_equal(evtchn_send_unlocked(lp), 0);
	assert_true(pending(0, rp));
	assert_int_equal(sh(0)->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_unlocked();
	/* A busy event lock, the sender's or the peer's: nothing done. */
	for (int i = 0; i < NR_FAKE; i++) {
		sh(0)->evtchn_pending[0] = 0;
		spin_lock(&doms[i]->event_lock);
		assert_int_equal(evtchn_send_unlocked(lp), -EAGAIN);
		spin_unlock(&doms[i]->event_lock);
		assert_false(pending(0, rp));
		assert_unlocked();
	}
	/* An HVM peer's wake needs the hypervisor lock. */
	doms[0]->arch.is_hvm = true;
	assert_int_equal(evtchn_send_unlocked(lp), -EAGAIN);
	doms[0]->arch.is_hvm = false;
	assert_false(pending(0, rp));
	/* IPI, unbound, closed and invalid ports answer as EVTCHNOP_send does. */
	assert_int_equal(bind_ipi(0, &ip), 0);
	assert_int_equal(evtchn_send_unlocked(ip), 0);
	assert_true(pending(1, ip));
	assert_int_equal(alloc_unbound(DOMID_SELF, 0, &up), 0);
	assert_int_equal(evtchn_send_unlocked(up), 0);
	assert_int_equal(close_port(ip), 0);
	assert_int_equal(evtchn_send_unlocked(ip), -EINVAL);
	assert_int_equal(evtchn_send_unlocked(EVTCHN_NR_PORTS), -EINVAL);
	/* After the peer closed its end, a send is dropped. */
	as_dom(0);
	assert_int_equal(close_port(rp), 0);
	as_dom(1);
	assert_int_equal(evtchn_send_unlocked(lp), 0);
	assert_unlocked();
	/* An emulator's send to the hypervisor's port goes the slow way. */
	xp = evtchn_alloc_xen_port(doms[1], 0, 0);
	as_dom(0);
	assert_int_equal(bind_interdomain(1, (u32)xp, &lp), 0);
	notified_dom = NULL;
	assert_int_equal(evtchn_send_unlocked(lp), -EAGAIN);
	assert_null(notified_dom);
	assert_unlocked();
}

/* No event lock held and no read section open: what every lockless op leaves behind. */
static void assert_all_let_go(void)
{
	assert_unlocked();
	assert_int_equal(read_depth, 0);
}

/*
 * The lockless unmask (pv/hypercall.c's fast path): the results of
 * EVTCHNOP_unmask; -EAGAIN with nothing done when the event lock is busy.
 */
static void test_unmask_unlocked(void **state)
{
	struct vcpu_info *vi = vcpus[0]->vcpu_info;
	u32 ip;

	(void)state;
	check_mask_unmask(op_unlocked);
	assert_true(read_sections > 0);
	assert_all_let_go();
	/* A busy event lock: the port stays masked, nothing is raised. */
	assert_int_equal(bind_ipi(0, &ip), 0);
	set_mask(0, ip);
	assert_int_equal(send_port(ip), 0);
	clear_upcall(0);
	busy_lock(doms[0]);
	assert_int_equal(unmask_by(op_unlocked, ip), -EAGAIN);
	busy_lock(NULL);
	assert_true(evtchn_is_masked(doms[0], ip));
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_all_let_go();
	/* The raise wakes a vCPU blocked in SCHEDOP_block. */
	vcpus[0]->pause_flags |= VPF_blocked;
	assert_int_equal(unmask_by(op_unlocked, ip), 0);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_false(vcpus[0]->pause_flags & VPF_blocked);
	assert_all_let_go();
}

/* @port's status read by both ways must be the same bytes. */
static void assert_same_status(domid_t dom, u32 port)
{
	struct evtchn_status slow, fast;

	assert_int_equal(status_by(op_unlocked, dom, port, &fast), status(dom, port, &slow));
	assert_memory_equal(&fast, &slow, sizeof(slow));
}

/*
 * The lockless status: the results of EVTCHNOP_status for every kind of
 * port, the caller's or (the control domain) another domain's; -EAGAIN
 * with nothing written when that domain's event lock is busy.
 */
static void test_status_unlocked(void **state)
{
	struct evtchn_status st;
	u32 rp, lp, ip, vp;

	(void)state;
	check_status(op_unlocked);
	assert_all_let_go();
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	assert_int_equal(bind_ipi(0, &ip), 0);
	assert_int_equal(bind_virq(VIRQ_TIMER, 0, &vp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	for (u32 p = 0; p < 8; p++)
		assert_same_status(DOMID_SELF, p);
	assert_same_status(0, rp);
	as_dom(0);
	for (u32 p = 0; p < 8; p++) {
		assert_same_status(DOMID_SELF, p);
		assert_same_status(1, p);
	}
	assert_same_status(5, 1);
	assert_same_status(DOMID_SELF, 4096);
	/* A busy lock of the domain looked at: nothing written. */
	busy_lock(doms[1]);
	assert_int_equal(status_by(op_unlocked, 1, lp, &st), -EAGAIN);
	busy_lock(NULL);
	assert_int_equal(st.status, 0xaaaaaaaa);
	assert_all_let_go();
	/* A bad argument address goes the slow way, which answers -EFAULT. */
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_status, 8), -EAGAIN);
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_unmask, 8), -EAGAIN);
	assert_all_let_go();
}

/* Every other op goes the slow way, with nothing done. */
static void test_other_ops_not_unlocked(void **state)
{
	struct evtchn_close c;
	struct evtchn_status st;
	struct evtchn_bind_ipi b = { .vcpu = 0 };
	u32 ip;

	(void)state;
	assert_int_equal(bind_ipi(0, &ip), 0);
	c.port = ip;
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_close, (unsigned long)&c), -EAGAIN);
	assert_int_equal(status(DOMID_SELF, ip, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_bind_ipi, (unsigned long)&b), -EAGAIN);
	assert_int_equal(status(DOMID_SELF, ip + 1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_set_priority + 1, (unsigned long)&c), -EAGAIN);
	/* A send through the same entry is the lockless send. */
	assert_int_equal(evtchn_op_unlocked(EVTCHNOP_send, (unsigned long)&c), 0);
	assert_true(pending(0, ip));
	assert_all_let_go();
}

/* ---- FIFO ABI. Frame 1 holds vCPU 0's control block, frames 10.. the event array. */

#define CB_FRAME 1
#define CB_OFFSET 64
#define ARRAY_FRAME 10
#define BIT(b) ((event_word_t)1 << (b))

static u32 guest_head[EVTCHN_FIFO_MAX_QUEUES]; /* the guest's copy of each head */

static long init_control(u32 vcpu, u64 gfn, u32 offset, u8 *link_bits)
{
	struct evtchn_init_control c = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
	long rc = op(EVTCHNOP_init_control, &c);

	if (link_bits)
		*link_bits = c.link_bits;
	return rc;
}

static long expand(u64 gfn)
{
	struct evtchn_expand_array e = { .array_gfn = gfn };

	return op(EVTCHNOP_expand_array, &e);
}

static long set_prio(u32 port, u32 prio)
{
	struct evtchn_set_priority p = { .port = port, .priority = prio };

	return op(EVTCHNOP_set_priority, &p);
}

static struct evtchn_fifo_control_block *cblock(void)
{
	return (struct evtchn_fifo_control_block *)(frames[CB_FRAME - 1] + CB_OFFSET);
}

static event_word_t *fword(u32 port)
{
	return (event_word_t *)frames[ARRAY_FRAME - 1 + port / 1024] + port % 1024;
}

/* Dom0 on FIFO with @pages event array pages, all words clear (unmasked). */
static void fifo_on(unsigned int pages)
{
	u8 bits = 0;

	memset(guest_head, 0, sizeof(guest_head));
	assert_int_equal(init_control(0, CB_FRAME, CB_OFFSET, &bits), 0);
	assert_int_equal(bits, EVTCHN_FIFO_LINK_BITS);
	for (unsigned int i = 0; i < pages; i++)
		assert_int_equal(expand(ARRAY_FRAME + i), 0);
}

/* The guest takes the head of queue @prio off: its port, and *@more if the queue goes on. */
static u32 guest_pop(unsigned int prio, bool *more)
{
	u32 port = guest_head[prio] ? guest_head[prio] : cblock()->head[prio];
	event_word_t *w = fword(port), old = *w, want;

	do
		want = old & ~(BIT(EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
	while (!__atomic_compare_exchange_n(w, &old, want, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	guest_head[prio] = old & EVTCHN_FIFO_LINK_MASK;
	*more = guest_head[prio] != 0;
	return port;
}

/* The guest's upcall: drain the ready queues, highest priority first; pending ports in @out. */
static unsigned int guest_drain(u32 *out, unsigned int max)
{
	u32 ready = __atomic_exchange_n(&cblock()->ready, 0, __ATOMIC_SEQ_CST);
	unsigned int n = 0;

	while (ready) {
		unsigned int prio = (unsigned int)__builtin_ctz(ready);
		bool more;
		u32 port = guest_pop(prio, &more);

		if (!more)
			ready &= ~(1u << prio);
		if (*fword(port) & BIT(EVTCHN_FIFO_PENDING)) {
			__atomic_fetch_and(fword(port), ~BIT(EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
			assert_true(n < max);
			out[n++] = port;
		}
	}
	return n;
}

static void test_fifo_init_control_errors(void **state)
{
	u8 bits = 0;

	(void)state;
	assert_int_equal(init_control(1, CB_FRAME, 0, &bits), -ENOENT);
	assert_int_equal(init_control(MAX_VIRT_CPUS + 7, CB_FRAME, 0, NULL), -ENOENT);
	assert_int_equal(init_control(0, CB_FRAME, 4096 - 72 + 8, NULL), -EINVAL);
	assert_int_equal(init_control(0, CB_FRAME, 4, NULL), -EINVAL);
	assert_int_equal(init_control(0, NR_FRAMES + 1, 0, NULL), -EINVAL);
	/* Still 2-level after the failures. */
	assert_int_equal(expand(ARRAY_FRAME), -EOPNOTSUPP);
	assert_int_equal(set_prio(1, 3), -ENOSYS);
	assert_false(doms[0]->evtchn_fifo.on);
	/* The last offset that fits, then once per vCPU. */
	assert_int_equal(init_control(0, CB_FRAME, 4096 - 72, &bits), 0);
	assert_int_equal(bits, 17);
	assert_true(doms[0]->evtchn_fifo.on);
	assert_int_equal(frame_refs[CB_FRAME], 1);
	assert_int_equal(init_control(0, CB_FRAME + 1, 0, NULL), -EINVAL);
	assert_int_equal(frame_refs[CB_FRAME + 1], 0);
	/* expand_array: a frame that is not RAM, then a good one. */
	assert_int_equal(expand(0), -EINVAL);
	assert_int_equal(expand(ARRAY_FRAME), 0);
	assert_int_equal(frame_refs[ARRAY_FRAME], 1);
	/* set_priority: 0..15, on a valid port. */
	assert_int_equal(set_prio(1, 16), -EINVAL);
	assert_int_equal(set_prio(1, 15), 0);
	assert_int_equal(set_prio(EVTCHN_NR_PORTS, 0), -EINVAL);
	assert_int_equal(set_prio(EVTCHN_MAX_PORTS + 1, 0), -EINVAL);
	/* The compat form never reaches the FIFO calls. */
	struct evtchn_op o = { .cmd = EVTCHNOP_expand_array };
	assert_int_equal(do_event_channel_op_compat((unsigned long)&o), -ENOSYS);
}

static void test_fifo_priority_order(void **state)
{
	u32 a, b, c, d, got[8];

	(void)state;
	fifo_on(1);
	assert_int_equal(bind_ipi(0, &a), 0);
	assert_int_equal(bind_ipi(0, &b), 0);
	assert_int_equal(bind_ipi(0, &c), 0);
	assert_int_equal(bind_ipi(0, &d), 0);
	assert_int_equal(set_prio(b, EVTCHN_FIFO_PRIORITY_MAX), 0);
	assert_int_equal(set_prio(d, EVTCHN_FIFO_PRIORITY_MIN), 0);
	clear_upcall(0);
	assert_int_equal(send_port(d), 0);
	assert_int_equal(send_port(a), 0);
	assert_int_equal(send_port(c), 0);
	assert_int_equal(send_port(b), 0);
	assert_int_equal(send_port(a), 0); /* already pending: no second entry */
	/* Queue 7 is a -> c, with the link in a's word; one ready bit per queue. */
	assert_int_equal(cblock()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
	assert_int_equal(*fword(a) & EVTCHN_FIFO_LINK_MASK, c);
	assert_true(*fword(c) & BIT(EVTCHN_FIFO_LINKED));
	assert_int_equal(*fword(c) & EVTCHN_FIFO_LINK_MASK, 0);
	assert_int_equal(cblock()->ready, (1u << 0) | (1u << 7) | (1u << 15));
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 1);
	/* 2-level bits are left alone. */
	assert_false(pending(0, a));
	assert_int_equal(guest_drain(got, 8), 4);
	assert_int_equal(got[0], b);
	assert_int_equal(got[1], a);
	assert_int_equal(got[2], c);
	assert_int_equal(got[3], d);
	assert_int_equal(*fword(a), 0);
	/* All consumed: the next event starts queue 7 again at the head. */
	assert_int_equal(send_port(c), 0);
	assert_int_equal(cblock()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
	assert_int_equal(guest_drain(got, 8), 1);
	assert_int_equal(got[0], c);
}

/* EVTCHNOP_unmask with the FIFO ABI, run by @f. */
static void check_fifo_mask_unmask(op_fn *f)
{
	u32 a, got[4];

	fifo_on(1);
	assert_int_equal(bind_ipi(0, &a), 0);
	*fword(a) = BIT(EVTCHN_FIFO_MASKED);
	assert_true(evtchn_is_masked(doms[0], a));
	clear_upcall(0);
	assert_int_equal(send_port(a), 0);
	assert_int_equal(*fword(a), BIT(EVTCHN_FIFO_MASKED) | BIT(EVTCHN_FIFO_PENDING));
	assert_true(evtchn_is_pending(doms[0], a));
	assert_int_equal(cblock()->ready, 0);
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 0);
	/* Unmask links the pending port and raises the upcall. */
	assert_int_equal(unmask_by(f, a), 0);
	assert_false(*fword(a) & BIT(EVTCHN_FIFO_MASKED));
	assert_true(*fword(a) & BIT(EVTCHN_FIFO_LINKED));
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 1);
	assert_int_equal(guest_drain(got, 4), 1);
	assert_int_equal(got[0], a);
	/* Unmasking a port that is not pending links nothing. */
	assert_int_equal(unmask_by(f, a), 0);
	assert_int_equal(cblock()->ready, 0);
	/* Closing clears PENDING in the word. */
	*fword(a) = BIT(EVTCHN_FIFO_MASKED);
	assert_int_equal(send_port(a), 0);
	assert_int_equal(close_port(a), 0);
	assert_int_equal(*fword(a), BIT(EVTCHN_FIFO_MASKED));
}

static void test_fifo_mask_unmask(void **state)
{
	(void)state;
	check_fifo_mask_unmask(op);
}

static void test_fifo_unmask_unlocked(void **state)
{
	u32 a;

	(void)state;
	check_fifo_mask_unmask(op_unlocked);
	/* A busy event lock: the pending port stays masked and off the queues. */
	assert_int_equal(bind_ipi(0, &a), 0);
	*fword(a) = BIT(EVTCHN_FIFO_MASKED);
	assert_int_equal(send_port(a), 0);
	clear_upcall(0);
	busy_lock(doms[0]);
	assert_int_equal(unmask_by(op_unlocked, a), -EAGAIN);
	busy_lock(NULL);
	assert_int_equal(*fword(a), BIT(EVTCHN_FIFO_MASKED) | BIT(EVTCHN_FIFO_PENDING));
	assert_int_equal(cblock()->ready, 0);
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 0);
	assert_all_let_go();
}

/* A consumed tail is not linked to, and a port that changes queue leaves no stale tail. */
static void test_fifo_tails(void **state)
{
	u32 a, c, got[4];
	bool more;

	(void)state;
	fifo_on(1);
	assert_int_equal(bind_ipi(0, &a), 0);
	assert_int_equal(bind_ipi(0, &c), 0);
	assert_int_equal(send_port(a), 0);
	/* The guest takes a off (queue 7's tail still names it) and acks it. */
	assert_int_equal(guest_pop(EVTCHN_FIFO_PRIORITY_DEFAULT, &more), a);
	assert_false(more);
	*fword(a) &= ~BIT(EVTCHN_FIFO_PENDING);
	/* a moves to queue 3 and is raised there; c then heads queue 7, not a's link. */
	assert_int_equal(set_prio(a, 3), 0);
	assert_int_equal(send_port(a), 0);
	assert_int_equal(cblock()->head[3], a);
	assert_int_equal(send_port(c), 0);
	assert_int_equal(*fword(a) & EVTCHN_FIFO_LINK_MASK, 0);
	assert_int_equal(cblock()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
	assert_int_equal(cblock()->ready, (1u << 3) | (1u << 7));
	assert_int_equal(guest_drain(got, 4), 2);
	assert_int_equal(got[0], a);
	assert_int_equal(got[1], c);
	/* The same port raised again while its tail entry was consumed: the head again. */
	assert_int_equal(send_port(c), 0);
	assert_int_equal(cblock()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
	assert_int_equal(*fword(c) & EVTCHN_FIFO_LINK_MASK, 0);
}

/* A linked port that was closed is not handed out again until the guest unlinks it. */
static void test_fifo_busy_port(void **state)
{
	u32 a, b, got[4];

	(void)state;
	fifo_on(1);
	assert_int_equal(bind_ipi(0, &a), 0);
	assert_int_equal(send_port(a), 0);
	assert_int_equal(close_port(a), 0);
	assert_true(*fword(a) & BIT(EVTCHN_FIFO_LINKED));
	assert_int_equal(bind_ipi(0, &b), 0);
	assert_true(b != a);
	/* The guest skips the closed port (no longer pending) and unlinks it. */
	assert_int_equal(guest_drain(got, 4), 0);
	assert_int_equal(bind_ipi(0, &b), 0);
	assert_int_equal(b, a);
}

/* Ports bound under 2-level move over; pending ones are raised when their page comes. */
static void test_fifo_switch(void **state)
{
	u32 a, b, got[4];

	(void)state;
	assert_int_equal(bind_ipi(0, &a), 0);
	assert_int_equal(bind_ipi(0, &b), 0);
	assert_int_equal(send_port(a), 0);
	assert_true(pending(0, a));
	fifo_on(0);
	assert_false(evtchn_is_pending(doms[0], a)); /* no word yet */
	assert_true(evtchn_is_masked(doms[0], a));
	assert_int_equal(send_port(b), 0);
	assert_int_equal(cblock()->ready, 0);
	clear_upcall(0);
	assert_int_equal(expand(ARRAY_FRAME), 0);
	assert_int_equal(vcpus[0]->vcpu_info->evtchn_upcall_pending, 1);
	assert_int_equal(guest_drain(got, 4), 2);
	assert_int_equal(got[0], a);
	assert_int_equal(got[1], b);
}

/* More than 4096 ports, in buckets; given back by reset, which returns to 2-level. */
static void test_fifo_many_ports(void **state)
{
	enum { N = 5000 };
	static u32 got[N];
	struct evtchn_reset r = { .dom = DOMID_SELF };
	u32 p = 0;

	(void)state;
	fifo_on(4);
	for (u32 i = 1; i <= N; i++) {
		assert_int_equal(bind_ipi(0, &p), 0);
		assert_int_equal(p, i);
	}
	assert_true(heap_pages > 0);
	/* Port 4500 is past the 4 pages: remembered, raised when page 5 comes. */
	assert_int_equal(send_port(4500), 0);
	assert_int_equal(send_port(4095), 0);
	assert_int_equal(send_port(4096), 0);
	assert_int_equal(cblock()->head[EVTCHN_FIFO_PRIORITY_DEFAULT], 4095);
	assert_int_equal(expand(ARRAY_FRAME + 4), 0);
	assert_int_equal(guest_drain(got, N), 3);
	assert_int_equal(got[2], 4500);
	for (u32 i = 1; i <= N; i++)
		assert_int_equal(send_port(i), 0);
	assert_int_equal(guest_drain(got, N), N);
	for (u32 i = 0; i < N; i++)
		assert_int_equal(got[i], i + 1);
	/* Status and close work past 4096 too. */
	struct evtchn_status st;
	assert_int_equal(status(DOMID_SELF, 4999, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	assert_int_equal(close_port(4999), 0);
	assert_int_equal(op(EVTCHNOP_reset, &r), 0);
	assert_false(doms[0]->evtchn_fifo.on);
	assert_int_equal(heap_pages, 0);
	assert_int_equal(frame_refs[CB_FRAME], 0);
	assert_int_equal(frame_refs[ARRAY_FRAME + 4], 0);
	assert_int_equal(status(DOMID_SELF, 4999, &st), -EINVAL);
	assert_int_equal(set_prio(1, 3), -ENOSYS);
}

/* Interdomain sends into a FIFO domain, and a 2-level peer beside it. */
static void test_fifo_interdomain(void **state)
{
	u32 rp, lp, got[4];

	(void)state;
	fifo_on(1);
	assert_int_equal(alloc_unbound(DOMID_SELF, 1, &rp), 0);
	as_dom(1);
	assert_int_equal(bind_interdomain(0, rp, &lp), 0);
	assert_int_equal(send_port(lp), 0);
	as_dom(0);
	assert_int_equal(guest_drain(got, 4), 1);
	assert_int_equal(got[0], rp);
	assert_int_equal(send_port(rp), 0);
	assert_true(pending(1, lp));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_alloc_unbound),
		T(test_interdomain),
		T(test_dump),
		T(test_interdomain_errors),
		T(test_close),
		T(test_virq),
		T(test_ipi_and_send),
		T(test_two_level_bits),
		T(test_mask_unmask),
		T(test_status),
		T(test_bind_vcpu),
		T(test_reset),
		T(test_enosys_and_efault),
		T(test_compat),
		T(test_table_full),
		T(test_pollers),
		T(test_xen_ports),
		T(test_send_unlocked),
		T(test_unmask_unlocked),
		T(test_status_unlocked),
		T(test_other_ops_not_unlocked),
		T(test_fifo_unmask_unlocked),
		T(test_fifo_init_control_errors),
		T(test_fifo_priority_order),
		T(test_fifo_mask_unmask),
		T(test_fifo_tails),
		T(test_fifo_busy_port),
		T(test_fifo_switch),
		T(test_fifo_many_ports),
		T(test_fifo_interdomain),
		T(test_max_evtchn_port),
	};

	return cmocka_run_group_tests_name("evtchn", tests, NULL, NULL);
}

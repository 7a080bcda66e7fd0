/*
 * XEN_DOMCTL_soft_reset, as Xen 4.17 answers it. The control domain builds
 * a PVH domain, maps its shared_info at GFN 0x10e (one of its RAM pages)
 * and allocates a port of it unbound to dom0, which dom0 binds. The guest,
 * 32-bit code with paging off, allocates three ports of its own, registers
 * a vcpu_info at GFN 0x10d (a second registration is refused), writes a
 * marker into shared_info's last mask word through GFN 0x10e and a pattern
 * into four pages, and shuts down with SHUTDOWN_soft_reset. Then:
 *  - refused: the domain running or not shut down, dom0 itself (-EINVAL),
 *    a domain that does not exist (-ESRCH), the shut-down domain without
 *    the toolstack's pause (-EINVAL; it stays shut down);
 *  - paused by the toolstack, the soft reset succeeds: the domain is no
 *    longer shut down, dom0's bound port is unbound again (its peer
 *    closed), the pattern is where the guest left it;
 *  - unpaused, the guest runs on after its shutdown hypercall (0): its next
 *    port is port 1 again (all were closed), a vcpu_info registers again
 *    (the old one was dropped), GFN 0x10e is a fresh zeroed RAM frame (the
 *    marker gone: shared_info left that place), its pattern is intact; it
 *    powers off.
 * A PV domain that shuts down with SHUTDOWN_soft_reset is refused (-EINVAL:
 * Xen soft-resets HVM domains only) and stays shut down with that code.
 * Both domains are destroyed with every page back.
 */
#include "builder.h"
#include "evtchn.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_soft_reset 79
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2

#define GFN_PATTERN 0x102
#define NR_PATTERN 4
#define GFN_VCPU_INFO 0x10d
#define GFN_SHINFO 0x10e
#define MARK_OFF 3064 /* shared_info's evtchn_mask[63] */
#define MARK 0x5eedf00du

/* The data page (GFN 0x101) as the guest leaves it. */
struct sr_data {
	uint32_t ports[3], alloc_rc;	/* 0x00: its ports before the reset */
	uint32_t reg_rc, reg2_rc;	/* 0x10: vcpu_info registered, then again */
	uint32_t resumed, shutdown_rc;	/* 0x18: after the reset: marker, the hypercall's rc */
	uint32_t port_after, alloc2_rc; /* 0x20 */
	uint32_t reg3_rc, mark_after;	/* 0x28 */
	uint32_t shinfo_nonzero, pattern_bad; /* 0x30 */
};
_Static_assert(sizeof(struct sr_data) == 0x38, "the guest's data layout");

/* clang-format off */
/*
 * 32-bit code at 1 MiB, paging off, %esi = the data page; the argument
 * structures at 0x101100 (alloc_unbound), 0x101200 (vcpu_info), 0x101300
 * (shutdown). Hypercalls: eax nr, ebx ecx edx args; the result in eax.
 */
#define SR_ALLOC(dst)                                                                              \
	"movw $0x7ff0, 0x100(%esi)\n movw $0, 0x102(%esi)\n"                                       \
	"mov $32, %eax\n mov $6, %ebx\n lea 0x100(%esi), %ecx\n vmmcall\n"                         \
	"or %eax, 0x0c(%esi)\n mov 0x104(%esi), %eax\n mov %eax, " dst "(%esi)\n"
#define SR_REG(gfn, dst)                                                                           \
	"movl $" gfn ", 0x200(%esi)\n movl $0, 0x204(%esi)\n movl $0, 0x208(%esi)\n"               \
	"movl $0, 0x20c(%esi)\n"                                                                   \
	"mov $24, %eax\n mov $10, %ebx\n xor %ecx, %ecx\n lea 0x200(%esi), %edx\n vmmcall\n"      \
	"mov %eax, " dst "(%esi)\n"
/* clang-format on */

__asm__(".pushsection .rodata\n"
	".globl sr_code, sr_code_end\n"
	"sr_code:\n"
	".code32\n"
	"mov $0x101000, %esi\n" SR_ALLOC("0x00") SR_ALLOC("0x04") SR_ALLOC("0x08")
	    SR_REG("0x10d", "0x10") SR_REG(
		"0x10d",
		"0x14") "movl $0x5eedf00d, 0x10ebf8\n" /* 0x10e000 + MARK_OFF */
			/* The pattern: each dword of GFNs 0x102-0x105 its own address + 1. */
			"mov $0x102000, %edi\n"
			"1: lea 1(%edi), %eax\n mov %eax, (%edi)\n add $4, %edi\n"
			"cmp $0x106000, %edi\n jne 1b\n"
			"movl $5, 0x300(%esi)\n" /* SHUTDOWN_soft_reset */
			"mov $29, %eax\n mov $2, %ebx\n lea 0x300(%esi), %ecx\n vmmcall\n"
			/* Here again once the control domain has soft-reset the domain. */
			"mov $0x101000, %esi\n"
			"mov %eax, 0x1c(%esi)\n"
			"movl $0xb0b, 0x18(%esi)\n"
			"movl $0, 0x0c(%esi)\n" SR_ALLOC("0x20") "mov 0x0c(%esi), %eax\n mov %eax, "
								 "0x24(%esi)\n" SR_REG(
								     "0x10c",
								     "0x28") "mov 0x10ebf8, %eax\n "
									     "mov %eax, "
									     "0x2c(%esi)\n"
									     "mov $0x10e000, "
									     "%edi\n xor %edx, "
									     "%edx\n"
									     "2: cmpl $0, (%edi)\n "
									     "je 3f\n inc %edx\n"
									     "3: add $4, %edi\n "
									     "cmp $0x10f000, "
									     "%edi\n jne 2b\n"
									     "mov %edx, "
									     "0x30(%esi)\n"
									     "mov $0x102000, "
									     "%edi\n xor %edx, "
									     "%edx\n"
									     "4: lea 1(%edi), "
									     "%eax\n cmp %eax, "
									     "(%edi)\n je 5f\n inc "
									     "%edx\n"
									     "5: add $4, %edi\n "
									     "cmp $0x106000, "
									     "%edi\n jne 4b\n"
									     "mov %edx, "
									     "0x34(%esi)\n"
									     "movl $0, "
									     "0x300(%esi)\n" /* SHUTDOWN_poweroff
											      */
									     "mov $29, %eax\n mov "
									     "$2, %ebx\n lea "
									     "0x300(%esi), %ecx\n "
									     "vmmcall\n"
									     "6: jmp 6b\n"
									     ".code64\n"
									     "sr_code_end:\n"
									     ".popsection\n");
extern const uint8_t sr_code[], sr_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t code[512];

static long soft_reset(uint16_t dom)
{
	return builder_dom_op(XEN_DOMCTL_soft_reset, dom);
}

/* getdomaininfo's flags of @dom (0 and a failure recorded if it is gone). */
static uint32_t dom_flags(uint16_t dom)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	if (domctl(XEN_DOMCTL_getdomaininfo, dom, &op) || op.u.info.domain != dom) {
		xtest_fail("getdomaininfo d%u failed", dom);
		return 0;
	}
	return op.u.info.flags;
}

static unsigned int shutdown_code(uint32_t flags)
{
	return (flags >> XEN_DOMINF_shutdownshift) & 0xff;
}

/* Before the guest runs: its shared_info at GFN_SHINFO, one page of slack, a port dom0 binds. */
static bool prepare(uint16_t dom, uint32_t *local)
{
	struct add_to_physmap x = { dom, 0, XENMAPSPACE_shared_info, 0, GFN_SHINFO };
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = 0 };
	struct evtchn_bind_interdomain b = { .remote_dom = dom };
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_memkb = (PVH_PAGES + 1) * 4; /* Xen's fresh frame for shared_info's place */
	rc = domctl(XEN_DOMCTL_max_mem, dom, &op);
	rc = rc ? rc : hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	rc = rc ? rc : evtchn_op(EVTCHNOP_alloc_unbound, &a);
	b.remote_port = a.port;
	rc = rc ? rc : evtchn_op(EVTCHNOP_bind_interdomain, &b);
	if (rc) {
		xtest_error("preparing d%u (max_mem, shared_info, ports): %ld", dom, rc);
		return false;
	}
	*local = b.local_port;
	printk("d%u: its port %u bound to dom0's %u\n", dom, a.port, b.local_port);
	return true;
}

static void refusals_before(uint16_t dom)
{
	long rc = soft_reset(dom);

	xtest_check(rc == -EINVAL, "soft_reset of d%u, never shut down: %ld (want -EINVAL)", dom,
		    rc);
	rc = soft_reset(0);
	xtest_check(rc == -EINVAL, "soft_reset of dom0 itself: %ld (want -EINVAL)", rc);
	rc = soft_reset((uint16_t)(dom + 100));
	xtest_check(rc == -ESRCH, "soft_reset of d%u, no such domain: %ld (want -ESRCH)", dom + 100,
		    rc);
}

/* The guest ran to its soft-reset shutdown: refused unpaused, done paused. */
static bool reset_it(uint16_t dom, uint32_t local)
{
	struct evtchn_status st;
	uint32_t flags = dom_flags(dom);
	long rc;

	xtest_check(shutdown_code(flags) == SHUTDOWN_soft_reset, "d%u shut down with code %u", dom,
		    shutdown_code(flags));
	rc = evtchn_status_of(local, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_interdomain,
		    "dom0's port %u before the reset: %ld, status %u", local, rc, st.status);
	rc = soft_reset(dom);
	xtest_check(rc == -EINVAL, "soft_reset of d%u without the toolstack's pause: %ld", dom, rc);
	flags = dom_flags(dom);
	xtest_check((flags & XEN_DOMINF_shutdown) && shutdown_code(flags) == SHUTDOWN_soft_reset,
		    "d%u after the refused reset: flags %#x", dom, flags);
	rc = builder_dom_op(XEN_DOMCTL_pausedomain, dom);
	rc = rc ? rc : soft_reset(dom);
	xtest_check(rc == 0, "soft_reset of the paused d%u: %ld", dom, rc);
	if (rc)
		return false;
	flags = dom_flags(dom);
	xtest_check(!(flags & XEN_DOMINF_shutdown) && (flags & XEN_DOMINF_paused),
		    "d%u after its soft reset: flags %#x (want paused, not shut down)", dom, flags);
	rc = evtchn_status_of(local, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == dom,
		    "dom0's port %u after the reset: %ld, status %u (want unbound to d%u)", local,
		    rc, st.status, dom);
	return true;
}

/* Pages with a dword not its own address + 1, read through dom0's mapping. */
static unsigned int pattern_bad(uint16_t dom)
{
	unsigned int bad = 0;

	for (unsigned int p = 0; p < NR_PATTERN; p++) {
		uint32_t base = (GFN_PATTERN + p) << 12;

		if (pvh_map(window, GFN_PATTERN + p, dom)) {
			bad++;
			continue;
		}
		for (unsigned int i = 0; i < 1024; i++)
			if (((volatile uint32_t *)window)[i] != base + i * 4 + 1) {
				bad++;
				break;
			}
		builder_unmap(window);
	}
	return bad;
}

static void check_guest(uint16_t dom)
{
	struct sr_data g;

	if (pvh_map(window, PVH_GFN_DATA, dom)) {
		xtest_fail("mapping d%u's data page", dom);
		return;
	}
	memcpy(&g, window, sizeof(g));
	builder_unmap(window);
	printk("d%u: ports %u %u %u (rc %d), vcpu_info %d then %d; after the reset: %#x rc %d, "
	       "port %u (rc %d), vcpu_info %d, mark %#x, %u nonzero words at GFN %#x, %u bad\n",
	       dom, g.ports[0], g.ports[1], g.ports[2], (int)g.alloc_rc, (int)g.reg_rc,
	       (int)g.reg2_rc, g.resumed, (int)g.shutdown_rc, g.port_after, (int)g.alloc2_rc,
	       (int)g.reg3_rc, g.mark_after, g.shinfo_nonzero, GFN_SHINFO, g.pattern_bad);
	xtest_check(g.alloc_rc == 0 && g.ports[0] > 1 && g.reg_rc == 0 && (int)g.reg2_rc == -EINVAL,
		    "d%u before its reset: alloc rc %d port %u, vcpu_info %d then %d", dom,
		    (int)g.alloc_rc, g.ports[0], (int)g.reg_rc, (int)g.reg2_rc);
	xtest_check(g.resumed == 0xb0b && g.shutdown_rc == 0,
		    "d%u did not run on after its shutdown call: %#x, rc %d", dom, g.resumed,
		    (int)g.shutdown_rc);
	xtest_check(g.alloc2_rc == 0 && g.port_after == 1,
		    "d%u's first port after the reset: %u, rc %d (want 1: all closed)", dom,
		    g.port_after, (int)g.alloc2_rc);
	xtest_check(g.reg3_rc == 0, "d%u's vcpu_info after the reset: %d (want 0)", dom,
		    (int)g.reg3_rc);
	xtest_check(
	    g.mark_after == 0 && g.shinfo_nonzero == 0,
	    "GFN %#x of d%u after the reset: mark %#x, %u nonzero words (want a fresh frame)",
	    GFN_SHINFO, dom, g.mark_after, g.shinfo_nonzero);
	xtest_check(g.pattern_bad == 0, "d%u found %u bad words in its pattern", dom,
		    g.pattern_bad);
}

static void pvh_round(void)
{
	uint64_t free0 = builder_free_pages();
	size_t len = (size_t)(sr_code_end - sr_code);
	struct dctl op;
	uint32_t local = 0;
	uint16_t dom;
	long rc;

	memcpy(code, sr_code, len);
	builder_hvm_hypercall_insns(code, len);
	if (!pvh_build(&dom, code, len, NULL)) {
		xtest_error("building a PVH domain");
		return;
	}
	if (!prepare(dom, &local)) {
		builder_destroy_free(dom, free0);
		return;
	}
	refusals_before(dom);
	rc = builder_dom_op(XEN_DOMCTL_unpausedomain, dom);
	if (rc || !builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not run to its shutdown: %ld", dom, rc);
		builder_destroy_free(dom, free0);
		return;
	}
	if (reset_it(dom, local)) {
		xtest_check(pattern_bad(dom) == 0, "d%u's pattern changed by the reset", dom);
		rc = builder_dom_op(XEN_DOMCTL_unpausedomain, dom);
		xtest_check(rc == 0, "unpausedomain d%u: %ld", dom, rc);
		if (builder_wait_shutdown(dom, &op)) {
			xtest_check(shutdown_code(op.u.info.flags) == 0,
				    "d%u's second shutdown: code %u (want poweroff)", dom,
				    shutdown_code(op.u.info.flags));
			check_guest(dom);
		} else {
			xtest_fail("d%u did not power off after its reset", dom);
		}
	}
	evtchn_port_op(EVTCHNOP_close, local);
	builder_destroy_free(dom, free0);
}

/* The PV domain's script: SCHEDOP_shutdown(SHUTDOWN_soft_reset). */
static void pv_fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;

	(void)t, (void)args;
	c[0].op = TINY_END;
	c[0].a[0] = SHUTDOWN_soft_reset;
}

static void pv_round(void)
{
	uint64_t free0 = builder_free_pages();
	struct tiny_dom t = { 0 };
	uint32_t flags;
	long rc;
	int code_pv;

	if (!tiny_build(&t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start),
			pv_fill))
		return;
	code_pv = tiny_run(&t);
	xtest_check(code_pv == SHUTDOWN_soft_reset, "PV d%u shut down with %d", t.id, code_pv);
	rc = builder_dom_op(XEN_DOMCTL_pausedomain, t.id);
	rc = rc ? rc : soft_reset(t.id);
	xtest_check(rc == -EINVAL, "soft_reset of the PV d%u: %ld (want -EINVAL)", t.id, rc);
	flags = dom_flags(t.id);
	xtest_check((flags & XEN_DOMINF_shutdown) && shutdown_code(flags) == SHUTDOWN_soft_reset,
		    "PV d%u after the refused reset: flags %#x", t.id, flags);
	builder_destroy_free(t.id, free0);
}

void test_main(void)
{
	pvh_round();
	pv_round();
}

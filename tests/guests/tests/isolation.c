/*
 * Isolation between domains, judged through the ABI only. The control
 * domain builds a tiny domU (builder.c) that runs a script of calls against
 * dom0 and against itself: domctl and sysctl, foreign mmu_update and
 * update_va_mapping of dom0's frames, memory_op on dom0, event channel send
 * and bind on ports it was not given, grant map and copy of references it
 * was not granted, console_io, and port I/O with no I/O port permission.
 * Each call's result lands in the domU's data frame; after the domU has shut
 * down, dom0 maps that frame and checks every answer against Xen 4.17's.
 * Positive controls beside the refusals: the port dom0 did offer binds and
 * signals dom0, the granted reference maps (and reads) and copies. The domU
 * dies with that grant mapped: dom0's entry shows GTF_reading until the
 * destroy, and not after it.
 *
 * Then one domU against another: dom0 builds a victim domU (left paused),
 * seeds its grant table with one of its frames granted read-only to dom0
 * (one ref) and to a third domU, the attacker (another), and allocates two
 * unbound ports in it, one offered to dom0 and one to the attacker. The
 * attacker's script names the victim: domctl, remote_shutdown (with reason
 * crash), foreign mmu_update, update_va_mapping_otherdomain and pin of its
 * frame, memory_op on it, binding its port offered to dom0, its port
 * status, alloc_unbound and reset in it, grant map and copy of its refs not
 * granted to the attacker, of its frame without a grant, its setup_table
 * and query_size; each answer must be Xen 4.17's. The positive controls:
 * the attacker binds the port offered to it and copies the ref granted to
 * it. Afterwards the victim's reservation is unchanged and it runs to its
 * own poweroff.
 *
 * A last domU is given I/O ports 0x510-0x511 (QEMU's fw_cfg) and one MMIO
 * frame with XEN_DOMCTL_ioport_permission / iomem_permission: it reads the
 * fw_cfg signature "QEMU" and maps the frame; the first domU read all ones
 * and was refused the frame. Every domain is destroyed and physinfo's free
 * pages must be back to the page.
 */
#include "builder.h"
#include "evtchn.h"
#include "physdev.h"

TEST_HV_ARGS("dom0_mem=64M");

#define PHYSDEVOP_set_iopl 6
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1
#define HC_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_get_cpuinfo 55
#define SCHEDOP_remote_shutdown 4
#define MMUEXT_PIN_L1_TABLE 0
#define MMU_MACHPHYS_UPDATE 1
#define XEN_DOMCTL_SCRATCH 0
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash 3
#define MMU_NORMAL_PT_UPDATE 0
#define DOMID_IO 0x7ff1
#define NO_DOMAIN 0x7000
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define MMIO_FRAME 0xa0UL /* legacy VGA memory: I/O, neither RAM nor the hypervisor's */
#define REF_GRANTED 10	  /* granted to the domU (read-only) */
#define REF_OTHER 11	  /* granted to another domain id */
#define REF_NONE 12	  /* never granted */
#define COPY_OFF 0xf00	  /* where a grant copy lands in the domU's argument frame */
#define VREF_OTHER 20	  /* the victim's ref granted to dom0 */
#define VREF_GRANTED 21	  /* the victim's ref granted to the attacker (read-only) */

static char gnt_page[4096] __attribute__((aligned(4096)));
static char secret[4096] __attribute__((aligned(4096)));
static char granted[4096] __attribute__((aligned(4096)));
static uint8_t window[4096] __attribute__((aligned(4096)));
static const char granted_text[] __attribute__((aligned(8))) = "granted to the domU";
static const char victim_text[] = "granted by the victim";
static volatile struct grant_entry_v1 *gtable;
static uint32_t port_offered, port_own, port_elsewhere;
static struct tiny_dom victim;
static uint32_t vport_other, vport_offered; /* in the victim: to dom0, to the attacker */

/* ---- building a script */

/* What one call must answer: its rc, and for grant ops the status in its argument. */
struct want {
	const char *what;
	long rc;
	bool has_status;
	int16_t status;
	unsigned int status_off; /* in the argument frame */
};

static struct tiny_call *script;
static uint8_t *args;
static unsigned int nr_calls, args_used;
static const char *copy_text; /* what the script's grant copy leaves at COPY_OFF, or NULL */
static bool maps_granted;     /* the script maps dom0's REF_GRANTED and dies with it */
static struct want wants[TINY_MAX_CALLS];

/* Room for @size bytes of arguments; its host view, and the guest's address in *@gva. */
static void *arg(size_t size, uint64_t *gva)
{
	void *p = args + args_used;

	*gva = TINY_GVA(PFN_ARGS) + args_used;
	args_used += (unsigned int)((size + 15) & ~15UL);
	if (args_used > COPY_OFF)
		xtest_error("argument frame full");
	return p;
}

static struct tiny_call *call(const char *what, long rc, uint64_t op)
{
	struct tiny_call *c = &script[nr_calls];

	if (nr_calls >= TINY_MAX_CALLS) {
		xtest_error("script full at \"%s\"", what);
		xtest_exit();
	}
	wants[nr_calls] = (struct want){ what, rc, false, 0, 0 };
	nr_calls++;
	c->op = op;
	return c;
}

/* An empty script in @data, its arguments in @argp; what judge() is to find. */
static void start_script(uint8_t *data, uint8_t *argp, const char *copy, bool maps)
{
	script = (struct tiny_call *)data;
	args = argp;
	nr_calls = args_used = 0;
	copy_text = copy;
	maps_granted = maps;
}

static void end_script(void)
{
	struct tiny_call *c = call("shutdown", 0, TINY_END);

	c->a[0] = SHUTDOWN_poweroff;
}

/* A domctl of @cmd on @dom from the guest. */
static struct dctl *guest_domctl(const char *what, long rc, uint32_t cmd, uint16_t dom)
{
	uint64_t gva;
	struct dctl *op = arg(sizeof(*op), &gva);

	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	call(what, rc, HC_domctl)->a[0] = gva;
	return op;
}

static void guest_sysctl(const char *what, uint32_t cmd)
{
	uint64_t gva;
	uint32_t *op = arg(136, &gva);

	op[0] = cmd;
	op[1] = XEN_SYSCTL_INTERFACE_VERSION;
	call(what, -EPERM, HC_sysctl)->a[0] = gva;
}

/* One mmu_update request: L1 entry 9 of the guest's own L1 := @val. */
static void guest_mmu_update(const struct tiny_dom *t, const char *what, long rc, uint64_t val,
			     uint16_t foreigndom)
{
	uint64_t gva, *req = arg(16, &gva);
	struct tiny_call *c = call(what, rc, HC_mmu_update);

	req[0] = ((t->mfn[PFN_L1] << 12) + 9 * 8) | MMU_NORMAL_PT_UPDATE;
	req[1] = val;
	c->a[0] = gva;
	c->a[1] = 1;
	c->a[3] = foreigndom;
}

static void guest_memory_op(const char *what, long rc, unsigned int cmd, uint16_t dom,
			    unsigned long extent)
{
	uint64_t gva, egva;
	unsigned long *e = arg(8, &egva);
	struct reservation *r = arg(sizeof(*r), &gva);
	struct tiny_call *c = call(what, rc, HC_memory_op);

	*e = extent;
	r->extent_start = (unsigned long *)egva;
	r->nr_extents = 1;
	r->domid = dom;
	c->a[0] = cmd;
	c->a[1] = gva;
	if (cmd == XENMEM_current_reservation || cmd == XENMEM_maximum_reservation)
		c->a[1] = gva + offsetof(struct reservation, domid);
}

static void *guest_evtchn(const char *what, long rc, unsigned int cmd, size_t size, uint64_t *gva)
{
	void *p = arg(size, gva);
	struct tiny_call *c = call(what, rc, HC_event_channel_op);

	c->a[0] = cmd;
	c->a[1] = *gva;
	return p;
}

/* A grant op of one element whose status is judged too. */
static void *guest_gnttab(const char *what, int16_t status, unsigned int cmd, size_t size,
			  size_t status_at)
{
	uint64_t gva;
	void *p = arg(size, &gva);
	struct tiny_call *c = call(what, 0, HC_grant_table_op);

	c->a[0] = cmd;
	c->a[1] = gva;
	c->a[2] = 1;
	wants[nr_calls - 1].has_status = true;
	wants[nr_calls - 1].status = status;
	wants[nr_calls - 1].status_off = (unsigned int)(gva - TINY_GVA(PFN_ARGS) + status_at);
	((int16_t *)((uint8_t *)p + status_at))[0] = 0x5a5a; /* overwritten by the op */
	return p;
}

/* A call with one argument structure of @size bytes as its second argument (after @cmd). */
static void *guest_op(const char *what, long rc, uint64_t op, uint64_t cmd, size_t size)
{
	uint64_t gva;
	void *p = arg(size, &gva);
	struct tiny_call *c = call(what, rc, op);

	c->a[0] = cmd;
	c->a[1] = gva;
	return p;
}

/*
 * sched_remote_shutdown: { domid, reason }. Reason crash: a target that
 * shut down all the same would not end in its own poweroff.
 */
static void guest_remote_shutdown(const char *what, long rc, uint16_t dom)
{
	uint32_t *u = guest_op(what, rc, HC_sched_op, SCHEDOP_remote_shutdown, 8);

	u[0] = dom;
	u[1] = SHUTDOWN_crash;
}

/* xen_add_to_physmap { domid, size, space, idx, gpfn } of idx 0 at GFN 0x100: -EACCES. */
static void guest_add_to_physmap(const char *what, uint16_t dom, uint32_t space)
{
	uint32_t *u = guest_op(what, -EACCES, HC_memory_op, XENMEM_add_to_physmap, 24);

	u[0] = dom;
	u[1] = space;
	*(uint64_t *)&u[2] = 0;
	*(uint64_t *)&u[4] = 0x100;
}

static void guest_uvm_otherdomain(const char *what, uint64_t pte, uint16_t dom)
{
	struct tiny_call *c = call(what, -EPERM, HC_update_va_mapping_otherdomain);

	c->a[0] = TINY_FREE_GVA;
	c->a[1] = pte;
	c->a[2] = UVMF_INVLPG;
	c->a[3] = dom;
}

/* xen_memory_exchange of @frame for one frame at 0x100, both on @dom: -EPERM. */
static void guest_exchange(const char *what, uint16_t dom, unsigned long frame)
{
	struct reservation *x = guest_op(what, -EPERM, HC_memory_op, XENMEM_exchange, 72);
	uint64_t gva;

	*(unsigned long *)arg(8, &gva) = frame;
	x[0] = (struct reservation){ (unsigned long *)gva, 1, 0, 0, dom };
	*(unsigned long *)arg(8, &gva) = 0x100;
	x[1] = (struct reservation){ (unsigned long *)gva, 1, 0, 0, dom };
}

/* mmuext MMUEXT_PIN_L1_TABLE of @frame with @foreigndom. */
static void guest_pin(const char *what, long rc, unsigned long frame, uint16_t foreigndom)
{
	uint64_t gva;
	struct mmuext_op *mx = arg(sizeof(*mx), &gva);
	struct tiny_call *c = call(what, rc, HC_mmuext_op);

	*mx = (struct mmuext_op){ MMUEXT_PIN_L1_TABLE, 0, frame, 0 };
	c->a[0] = gva;
	c->a[1] = 1;
	c->a[3] = foreigndom;
}

static void guest_grant_map(const char *what, int16_t status, uint32_t ref, uint16_t dom,
			    uint32_t flags)
{
	struct gnttab_map_grant_ref *m =
	    guest_gnttab(what, status, GNTTABOP_map_grant_ref, sizeof(*m),
			 offsetof(struct gnttab_map_grant_ref, status));

	m->host_addr = TINY_FREE_GVA;
	m->flags = flags;
	m->ref = ref;
	m->dom = dom;
}

static void guest_grant_copy(const char *what, int16_t status, struct gnttab_copy_ptr src,
			     struct gnttab_copy_ptr dst, uint16_t len, uint16_t flags)
{
	struct gnttab_copy *cp = guest_gnttab(what, status, GNTTABOP_copy, sizeof(*cp),
					      offsetof(struct gnttab_copy, status));

	*cp = (struct gnttab_copy){ src, dst, len, flags, 0x5a5a };
}

/* setup_table and query_size of @dom's table: GNTST_permission_denied. */
static void guest_grant_table_of(const char *setup, const char *query, uint16_t dom)
{
	struct gnttab_setup_table *st;
	struct gnttab_query_size *qs;

	st = guest_gnttab(setup, GNTST_permission_denied, GNTTABOP_setup_table, sizeof(*st),
			  offsetof(struct gnttab_setup_table, status));
	st->dom = dom;
	st->nr_frames = 1;
	st->frame_list = (unsigned long *)(TINY_GVA(PFN_ARGS) + COPY_OFF);
	qs = guest_gnttab(query, GNTST_permission_denied, GNTTABOP_query_size, sizeof(*qs),
			  offsetof(struct gnttab_query_size, status));
	qs->dom = dom;
}

static void guest_iopl(void)
{
	uint64_t gva;
	uint32_t *iopl = arg(4, &gva);
	struct tiny_call *c = call("PHYSDEVOP_set_iopl(3)", 0, HC_physdev_op);

	*iopl = 3;
	c->a[0] = PHYSDEVOP_set_iopl;
	c->a[1] = gva;
}

/* Select fw_cfg's signature and read its 4 bytes: "QEMU", or all ones without permission. */
static void guest_fw_cfg(bool permitted)
{
	static const char *const names[2][4] = {
		{ "inb(fw_cfg) 0", "inb(fw_cfg) 1", "inb(fw_cfg) 2", "inb(fw_cfg) 3" },
		{ "permitted inb(fw_cfg) 0", "permitted inb(fw_cfg) 1", "permitted inb(fw_cfg) 2",
		  "permitted inb(fw_cfg) 3" },
	};
	struct tiny_call *c = call("outw(fw_cfg selector)", 0, TINY_OUTW);

	c->a[0] = FW_CFG_SEL;
	c->a[1] = 0; /* FW_CFG_SIGNATURE */
	for (unsigned int i = 0; i < 4; i++)
		call(names[permitted][i], permitted ? "QEMU"[i] : 0xff, TINY_INB)->a[0] =
		    FW_CFG_DATA;
}

/* ---- dom0's side: its grant table and event channels */

static bool grant_setup(void)
{
	if (!builder_own_grant_table(gnt_page))
		return false;
	gtable = (volatile struct grant_entry_v1 *)gnt_page;
	memcpy(granted, granted_text, sizeof(granted_text));
	memcpy(secret, "dom0's own", 11);
	return true;
}

static void set_entry(volatile struct grant_entry_v1 *table, uint32_t ref, uint16_t dom,
		      unsigned long frame, uint16_t flags)
{
	table[ref].domid = dom;
	table[ref].frame = (uint32_t)frame;
	__asm__ volatile("" ::: "memory");
	table[ref].flags = flags;
}

static void grant(uint32_t ref, uint16_t dom, const void *page, uint16_t flags)
{
	set_entry(gtable, ref, dom, builder_own_frame(page), flags);
}

/* A port in @dom offered to @remote; 0 (error recorded) if refused. */
static uint32_t offer_port(uint16_t dom, uint16_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	if (rc)
		xtest_error("alloc_unbound in d%u for d%u: %ld", dom, remote, rc);
	return rc ? 0 : a.port;
}

/* ---- the first domU: everything it must be refused */

static void script_control(const struct tiny_dom *t)
{
	struct dctl *op;

	guest_domctl("domctl pausedomain(d0)", -EPERM, XEN_DOMCTL_pausedomain, 0);
	guest_domctl("domctl getdomaininfo(self)", -EPERM, XEN_DOMCTL_getdomaininfo, t->id);
	guest_domctl("domctl destroydomain(d0)", -EPERM, XEN_DOMCTL_destroydomain, 0);
	builder_fill_create(
	    op = guest_domctl("domctl createdomain", -EPERM, XEN_DOMCTL_createdomain, 0));
	op->cmd = XEN_DOMCTL_createdomain;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op = guest_domctl("domctl ioport_permission(self)", -EPERM, XEN_DOMCTL_ioport_permission,
			  t->id);
	op->u.ioport.first_port = FW_CFG_SEL;
	op->u.ioport.nr_ports = 2;
	op->u.ioport.allow_access = 1;
	op = guest_domctl("domctl iomem_permission(self)", -EPERM, XEN_DOMCTL_iomem_permission,
			  t->id);
	op->u.iomem.first_mfn = MMIO_FRAME;
	op->u.iomem.nr_mfns = 1;
	op->u.iomem.allow_access = 1;
	guest_domctl("domctl on no domain", -ESRCH, XEN_DOMCTL_pausedomain, NO_DOMAIN);
	guest_sysctl("sysctl physinfo", XEN_SYSCTL_physinfo);
	guest_sysctl("sysctl getdomaininfolist", XEN_SYSCTL_getdomaininfolist);
}

static void script_memory(const struct tiny_dom *t)
{
	uint64_t pte = (builder_own_frame(secret) << 12) | PTE_P | PTE_RW;

	guest_mmu_update(t, "mmu_update of d0's frame, foreigndom d0", -EPERM, pte, 0);
	guest_mmu_update(t, "mmu_update of d0's frame as its own", -EBUSY, pte, DOMID_SELF);
	guest_mmu_update(t, "mmu_update, foreigndom no domain", -ESRCH, pte, NO_DOMAIN);
	guest_mmu_update(t, "mmu_update of an MMIO frame it was not given", -EPERM,
			 (MMIO_FRAME << 12) | PTE_P | PTE_RW, DOMID_IO);
	guest_uvm_otherdomain("update_va_mapping_otherdomain(d0)", pte, 0);
	guest_memory_op("current_reservation(d0)", -EPERM, XENMEM_current_reservation, 0, 0);
	guest_memory_op("current_reservation(no domain)", -ESRCH, XENMEM_current_reservation,
			NO_DOMAIN, 0);
	/* Reservation ops answer the extents done, none: Xen's refusal. */
	guest_memory_op("populate_physmap(d0)", 0, XENMEM_populate_physmap, 0, 0x100);
	guest_memory_op("decrease_reservation(d0's frame)", 0, XENMEM_decrease_reservation, 0,
			builder_own_frame(secret));
	guest_memory_op("increase_reservation(d0)", 0, XENMEM_increase_reservation, 0, 0);
}

static void script_evtchn(const struct tiny_dom *t)
{
	struct evtchn_bind_interdomain *b;
	struct evtchn_alloc_unbound *a;
	struct evtchn_status *st;
	uint32_t *port;
	uint64_t gva, bound;

	(void)t;
	port =
	    guest_evtchn("evtchn send on a port never allocated", -EINVAL, EVTCHNOP_send, 4, &gva);
	*port = 100;
	b = guest_evtchn("evtchn bind to d0's port not offered to it", -EINVAL,
			 EVTCHNOP_bind_interdomain, sizeof(*b), &gva);
	b->remote_dom = 0;
	b->remote_port = port_own;
	a = guest_evtchn("evtchn alloc_unbound in d0", -EPERM, EVTCHNOP_alloc_unbound, sizeof(*a),
			 &gva);
	a->dom = 0;
	a->remote_dom = DOMID_SELF;
	st = guest_evtchn("evtchn status of d0's port", -EPERM, EVTCHNOP_status, sizeof(*st), &gva);
	st->dom = 0;
	st->port = port_offered;
	b = guest_evtchn("evtchn bind to the port offered", 0, EVTCHNOP_bind_interdomain,
			 sizeof(*b), &bound);
	b->remote_dom = 0;
	b->remote_port = port_offered;
	call("evtchn send on the bound port", 0, HC_event_channel_op)->a[0] = EVTCHNOP_send;
	script[nr_calls - 1].a[1] = bound + offsetof(struct evtchn_bind_interdomain, local_port);
}

/* Calls that name dom0, or what dom0 holds, from another angle than the ones above. */
static void script_foreign(const struct tiny_dom *t)
{
	unsigned long secret_mfn = builder_own_frame(secret);
	struct tiny_call *c;
	struct physdev_map_pirq *mp;
	struct evtchn_bind_interdomain *b;
	struct evtchn_bind_pirq *bp;
	uint64_t gva, *req;
	uint32_t *u;

	(void)t;
	guest_remote_shutdown("remote_shutdown(d0)", -EPERM, 0);
	guest_remote_shutdown("remote_shutdown(no domain)", -ESRCH, NO_DOMAIN);
	u = arg(136, &gva);
	u[0] = XENPF_get_cpuinfo;
	u[1] = XENPF_INTERFACE_VERSION;
	call("platform_op get_cpuinfo", -EPERM, HC_platform_op)->a[0] = gva;
	c = call("console_io read", -EPERM, HC_console_io);
	c->a[0] = CONSOLEIO_read;
	c->a[1] = 16;
	arg(16, &c->a[2]);

	guest_memory_op("maximum_reservation(d0)", -EPERM, XENMEM_maximum_reservation, 0, 0);
	guest_exchange("exchange of d0's frame", 0, secret_mfn);
	/* A PV domain has no physmap to add to, its own included. */
	guest_add_to_physmap("add_to_physmap(d0)", 0, XENMAPSPACE_gmfn);
	guest_add_to_physmap("add_to_physmap(self)", DOMID_SELF, XENMAPSPACE_shared_info);

	guest_pin("mmuext pin of d0's frame, foreigndom d0", -EPERM, secret_mfn, 0);
	guest_pin("mmuext pin of d0's frame as its own", -EINVAL, secret_mfn, DOMID_SELF);
	req = arg(16, &gva);
	req[0] = (secret_mfn << 12) | MMU_MACHPHYS_UPDATE;
	req[1] = 0x100;
	c = call("mmu_update M2P of d0's frame", -EINVAL, HC_mmu_update);
	c->a[0] = gva;
	c->a[1] = 1;
	c->a[3] = DOMID_SELF;

	/* evtchn_reset: { dom } */
	*(uint16_t *)guest_evtchn("evtchn reset(d0)", -EPERM, EVTCHNOP_reset, 4, &gva) = 0;
	b = guest_evtchn("evtchn bind to d0's port offered to another domain", -EINVAL,
			 EVTCHNOP_bind_interdomain, sizeof(*b), &gva);
	b->remote_dom = 0;
	b->remote_port = port_elsewhere;
	bp = guest_evtchn("evtchn bind_pirq of a pirq not given", -EPERM, EVTCHNOP_bind_pirq,
			  sizeof(*bp), &gva);
	bp->pirq = 9;
	mp = guest_op("physdev map_pirq for d0", -EPERM, HC_physdev_op, PHYSDEVOP_map_pirq,
		      sizeof(*mp));
	*mp = (struct physdev_map_pirq){
		.domid = 0, .type = MAP_PIRQ_TYPE_GSI, .index = 9, .pirq = -1
	};
}

/* Where a grant copy lands in the domU's own argument frame. */
static struct gnttab_copy_ptr own_args(const struct tiny_dom *t)
{
	return (struct gnttab_copy_ptr){ t->mfn[PFN_ARGS], DOMID_SELF, COPY_OFF };
}

static void script_foreign_grants(const struct tiny_dom *t)
{
	const struct gnttab_copy_ptr secret_frame = { builder_own_frame(secret), 0, 0 };
	const struct gnttab_copy_ptr granted_ref = { REF_GRANTED, 0, 0 };

	guest_grant_table_of("grant setup_table of d0", "grant query_size of d0", 0);
	/* Granted read-only: a writable map of it is refused. */
	guest_grant_map("writable grant map of the read-only ref granted to it",
			GNTST_general_error, REF_GRANTED, 0, GNTMAP_host_map);
	guest_grant_copy("grant copy into d0's frame without a grant", GNTST_permission_denied,
			 own_args(t), secret_frame, 16, 0);
	guest_grant_copy("grant copy into the read-only ref granted to it", GNTST_general_error,
			 own_args(t), granted_ref, 16, GNTCOPY_dest_gref);
}

static void script_grants(const struct tiny_dom *t)
{
	const struct gnttab_copy_ptr secret_frame = { builder_own_frame(secret), 0, 0 };
	static const struct {
		const char *what;
		uint32_t ref;
		uint16_t dom;
		int16_t status;
	} maps[] = {
		{ "grant map of a ref granted to another domain", REF_OTHER, 0,
		  GNTST_general_error },
		{ "grant map of a ref never granted", REF_NONE, 0, GNTST_general_error },
		{ "grant map of a ref past the table", 5000, 0, GNTST_bad_gntref },
		{ "grant map from no domain", REF_GRANTED, NO_DOMAIN, GNTST_bad_domain },
	};

	for (unsigned int i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		guest_grant_map(maps[i].what, maps[i].status, maps[i].ref, maps[i].dom,
				GNTMAP_host_map | GNTMAP_readonly);
	/* The ref granted to it maps, and reads; the domain dies with it mapped. */
	guest_grant_map("grant map of the ref granted to it", GNTST_okay, REF_GRANTED, 0,
			GNTMAP_host_map | GNTMAP_readonly);
	call("read through the grant mapping", *(const int64_t *)granted_text, TINY_READQ)->a[0] =
	    TINY_FREE_GVA;
	guest_grant_copy("grant copy from a ref granted to another domain", GNTST_general_error,
			 (struct gnttab_copy_ptr){ REF_OTHER, 0, 0 }, own_args(t), 16,
			 GNTCOPY_source_gref);
	guest_grant_copy("grant copy from d0's frame without a grant", GNTST_permission_denied,
			 secret_frame, own_args(t), 16, 0);
	guest_grant_copy("grant copy from the ref granted to it", GNTST_okay,
			 (struct gnttab_copy_ptr){ REF_GRANTED, 0, 0 }, own_args(t),
			 sizeof(granted_text), GNTCOPY_source_gref);
}

/* Xen 4.17 without CONFIG_VERBOSE_DEBUG: only the console domain writes (-EPERM). */
static void script_console(void)
{
	uint64_t gva;
	char *text = arg(8, &gva);
	struct tiny_call *c = call("console_io write", -EPERM, HC_console_io);

	memcpy(text, "domU!\n", 7);
	c->a[0] = CONSOLEIO_write;
	c->a[1] = 6;
	c->a[2] = gva;
}

static void fill_refused(struct tiny_dom *t, uint8_t *data, uint8_t *argp)
{
	start_script(data, argp, granted_text, true);
	port_offered = offer_port(DOMID_SELF, t->id);
	port_own = offer_port(DOMID_SELF, DOMID_SELF);
	port_elsewhere = offer_port(DOMID_SELF, NO_DOMAIN);
	grant(REF_GRANTED, t->id, granted, GTF_permit_access | GTF_readonly);
	grant(REF_OTHER, (uint16_t)(t->id + 1), granted, GTF_permit_access | GTF_readonly);
	script_control(t);
	script_memory(t);
	script_evtchn(t);
	script_foreign(t);
	script_foreign_grants(t);
	script_grants(t);
	script_console();
	guest_iopl();
	guest_fw_cfg(false);
	end_script();
}

/* ---- one domU against another: the victim, set up by dom0, and the attacker */

/* The victim's script: poweroff. Its argument frame holds victim_text. */
static void fill_victim(struct tiny_dom *t, uint8_t *data, uint8_t *argp)
{
	(void)t;
	start_script(data, argp, NULL, false);
	memcpy(argp, victim_text, sizeof(victim_text));
	end_script();
}

/*
 * In the paused victim, as a toolstack seeds a new domain: its argument
 * frame granted read-only to dom0 and to @attacker, and ports offered to
 * dom0 and to @attacker.
 */
static bool victim_offer(uint16_t attacker)
{
	unsigned long frame = 0, given = victim.mfn[PFN_ARGS];
	volatile struct grant_entry_v1 *table = (volatile struct grant_entry_v1 *)window;
	long rc;

	if (!builder_grant_frame(victim.id, &frame))
		return false;
	rc = builder_map_mmu(window, frame, victim.id);
	if (rc) {
		xtest_error("mapping d%u's grant table: %ld", victim.id, rc);
		return false;
	}
	set_entry(table, VREF_OTHER, 0, given, GTF_permit_access | GTF_readonly);
	set_entry(table, VREF_GRANTED, attacker, given, GTF_permit_access | GTF_readonly);
	builder_unmap(window);
	vport_other = offer_port(victim.id, 0);
	vport_offered = offer_port(victim.id, attacker);
	return vport_other && vport_offered;
}

/* Control, memory and event channel calls on the victim (not its grants). */
static void script_victim_calls(const struct tiny_dom *t)
{
	const uint16_t v = victim.id;
	unsigned long frame = victim.mfn[PFN_ARGS];
	uint64_t pte = (frame << 12) | PTE_P | PTE_RW, gva;
	struct evtchn_bind_interdomain *b;
	struct evtchn_status *st;
	struct evtchn_alloc_unbound *a;
	unsigned int i;

	guest_domctl("domctl pausedomain(victim)", -EPERM, XEN_DOMCTL_pausedomain, v);
	guest_domctl("domctl getdomaininfo(victim)", -EPERM, XEN_DOMCTL_getdomaininfo, v);
	guest_domctl("domctl destroydomain(victim)", -EPERM, XEN_DOMCTL_destroydomain, v);
	guest_remote_shutdown("remote_shutdown(victim)", -EPERM, v);
	guest_mmu_update(t, "mmu_update of the victim's frame, foreigndom victim", -EPERM, pte, v);
	guest_mmu_update(t, "mmu_update of the victim's frame as its own", -EBUSY, pte, DOMID_SELF);
	guest_uvm_otherdomain("update_va_mapping_otherdomain(victim)", pte, v);
	guest_pin("mmuext pin of the victim's frame, foreigndom victim", -EPERM, frame, v);
	guest_memory_op("current_reservation(victim)", -EPERM, XENMEM_current_reservation, v, 0);
	guest_memory_op("maximum_reservation(victim)", -EPERM, XENMEM_maximum_reservation, v, 0);
	guest_memory_op("populate_physmap(victim)", 0, XENMEM_populate_physmap, v, 0x100);
	guest_memory_op("decrease_reservation(victim's frame)", 0, XENMEM_decrease_reservation, v,
			frame);
	guest_memory_op("increase_reservation(victim)", 0, XENMEM_increase_reservation, v, 0);
	guest_exchange("exchange of the victim's frame", v, frame);
	guest_add_to_physmap("add_to_physmap(victim)", v, XENMAPSPACE_gmfn);
	/* The port offered to dom0 first, then the one offered to it, bound twice. */
	for (i = 0; i < 3; i++) {
		static const char *const what[] = {
			"evtchn bind to the victim's port offered to d0",
			"evtchn bind to the victim's port offered to it",
			"evtchn bind to the victim's port bound already"
		};
		b = guest_evtchn(what[i], i == 1 ? 0 : -EINVAL, EVTCHNOP_bind_interdomain,
				 sizeof(*b), &gva);
		b->remote_dom = v;
		b->remote_port = i ? vport_offered : vport_other;
	}
	st = guest_evtchn("evtchn status of the victim's port", -EPERM, EVTCHNOP_status,
			  sizeof(*st), &gva);
	st->dom = v;
	st->port = vport_other;
	a = guest_evtchn("evtchn alloc_unbound in the victim", -EPERM, EVTCHNOP_alloc_unbound,
			 sizeof(*a), &gva);
	a->dom = v;
	a->remote_dom = DOMID_SELF;
	*(uint16_t *)guest_evtchn("evtchn reset(victim)", -EPERM, EVTCHNOP_reset, 4, &gva) = v;
}

/* Grant operations on the victim's table and frames. */
static void script_victim_grants(const struct tiny_dom *t)
{
	const uint16_t v = victim.id;
	const struct gnttab_copy_ptr other = { VREF_OTHER, v, 0 }, mine = { VREF_GRANTED, v, 0 };
	const struct gnttab_copy_ptr frame = { victim.mfn[PFN_ARGS], v, 0 };

	guest_grant_table_of("grant setup_table of the victim", "grant query_size of the victim",
			     v);
	guest_grant_map("grant map of the victim's ref granted to d0", GNTST_general_error,
			VREF_OTHER, v, GNTMAP_host_map | GNTMAP_readonly);
	guest_grant_map("grant map of a victim's ref never granted", GNTST_general_error, REF_NONE,
			v, GNTMAP_host_map | GNTMAP_readonly);
	guest_grant_map("writable grant map of the victim's read-only ref granted to it",
			GNTST_general_error, VREF_GRANTED, v, GNTMAP_host_map);
	guest_grant_copy("grant copy from the victim's ref granted to d0", GNTST_general_error,
			 other, own_args(t), 16, GNTCOPY_source_gref);
	guest_grant_copy("grant copy from the victim's frame without a grant",
			 GNTST_permission_denied, frame, own_args(t), 16, 0);
	guest_grant_copy("grant copy into the victim's frame without a grant",
			 GNTST_permission_denied, own_args(t), frame, 16, 0);
	guest_grant_copy("grant copy into the victim's read-only ref granted to it",
			 GNTST_general_error, own_args(t), mine, 16, GNTCOPY_dest_gref);
	guest_grant_copy("grant copy from the victim's ref granted to it", GNTST_okay, mine,
			 own_args(t), sizeof(victim_text), GNTCOPY_source_gref);
}

static void fill_attacker(struct tiny_dom *t, uint8_t *data, uint8_t *argp)
{
	start_script(data, argp, victim_text, false);
	if (victim_offer(t->id)) {
		script_victim_calls(t);
		script_victim_grants(t);
	}
	end_script();
}

/* ---- the last domU: what it was given */

static void fill_permitted(struct tiny_dom *t, uint8_t *data, uint8_t *argp)
{
	start_script(data, argp, NULL, false);
	guest_iopl();
	guest_fw_cfg(true);
	guest_mmu_update(t, "mmu_update of the MMIO frame it was given", 0,
			 (MMIO_FRAME << 12) | PTE_P | PTE_RW, DOMID_IO);
	end_script();
}

/* ---- judging */

/* Read the domU's data and argument frames back and compare each answer. */
static void judge(const struct tiny_dom *t)
{
	static struct tiny_call ran[TINY_MAX_CALLS];
	long rc = builder_map_mmu(window, t->mfn[PFN_DATA], t->id);

	if (rc) {
		xtest_error("mapping d%u's data frame: %ld", t->id, rc);
		return;
	}
	memcpy(ran, window, sizeof(ran));
	builder_unmap(window);
	rc = builder_map_mmu(window, t->mfn[PFN_ARGS], t->id);
	if (rc) {
		xtest_error("mapping d%u's argument frame: %ld", t->id, rc);
		return;
	}
	for (unsigned int i = 0; i + 1 < nr_calls; i++) {
		const struct want *w = &wants[i];
		int16_t st = w->has_status ? *(int16_t *)(window + w->status_off) : 0;

		xtest_check(ran[i].rc == w->rc, "d%u: %s: %ld, expected %ld", t->id, w->what,
			    (long)ran[i].rc, w->rc);
		if (w->has_status)
			xtest_check(st == w->status, "d%u: %s: status %d, expected %d", t->id,
				    w->what, st, w->status);
	}
	if (copy_text)
		xtest_check(!memcmp(window + COPY_OFF, copy_text, strlen(copy_text) + 1),
			    "d%u: the granted copy reads \"%.24s\"", t->id,
			    (const char *)window + COPY_OFF);
	builder_unmap(window);
}

/* Build, run and judge one domU; its shutdown code must be poweroff. */
static bool run_domu(struct tiny_dom *t, void (*fill)(struct tiny_dom *, uint8_t *, uint8_t *),
		     void (*before)(struct tiny_dom *))
{
	int code;

	if (!tiny_build(t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start), fill))
		return false;
	printk("d%u: %u calls\n", t->id, nr_calls);
	if (before)
		before(t);
	code = tiny_run(t);
	xtest_check(code == SHUTDOWN_poweroff, "d%u ended with shutdown code %d", t->id, code);
	if (code >= 0)
		judge(t);
	/* Shut down but not destroyed: its grant mapping is still there. */
	if (maps_granted)
		xtest_check(gtable[REF_GRANTED].flags & GTF_reading,
			    "grant entry flags %#x while d%u maps it", gtable[REF_GRANTED].flags,
			    t->id);
	tiny_destroy(t);
	return true;
}

/*
 * The victim built and left paused, the attacker run against it; then the
 * victim's reservation must be as it was and it must reach its own poweroff
 * (the attacker's remote_shutdown asked for a crash).
 */
static void domu_against_domu(void)
{
	struct tiny_dom attacker;
	uint16_t v;
	long pages;

	if (!tiny_build(&victim, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start),
			fill_victim))
		return;
	v = victim.id;
	pages = hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&v, 0, 0, 0);
	run_domu(&attacker, fill_attacker, NULL);
	xtest_check(hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&v, 0, 0,
			      0) == pages,
		    "the victim d%u's reservation changed from %ld pages", v, pages);
	xtest_check(tiny_run(&victim) == SHUTDOWN_poweroff, "the victim d%u did not power off", v);
	tiny_destroy(&victim);
}

/* The permission domctls: refusals first, then ports 0x510-0x511 and the MMIO frame. */
static void give_io(struct tiny_dom *t)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.ioport.first_port = 0xfff0;
	op.u.ioport.nr_ports = 0x20;
	op.u.ioport.allow_access = 1;
	rc = domctl(XEN_DOMCTL_ioport_permission, t->id, &op);
	xtest_check(rc == -EINVAL, "ioport_permission past port 0xffff: %ld", rc);
	op.u.ioport.nr_ports = 0;
	rc = domctl(XEN_DOMCTL_ioport_permission, t->id, &op);
	xtest_check(rc == -EINVAL, "ioport_permission of no ports: %ld", rc);
	op.u.ioport.first_port = FW_CFG_SEL;
	op.u.ioport.nr_ports = 2;
	rc = domctl(XEN_DOMCTL_ioport_permission, NO_DOMAIN, &op);
	xtest_check(rc == -ESRCH, "ioport_permission for no domain: %ld", rc);
	rc = domctl(XEN_DOMCTL_ioport_permission, t->id, &op);
	xtest_check(rc == 0, "ioport_permission(0x510, 2): %ld", rc);
	memset(&op, 0, sizeof(op));
	op.u.iomem.first_mfn = MMIO_FRAME;
	op.u.iomem.nr_mfns = 0;
	op.u.iomem.allow_access = 1;
	rc = domctl(XEN_DOMCTL_iomem_permission, t->id, &op);
	xtest_check(rc == -EINVAL, "iomem_permission of no frames: %ld", rc);
	op.u.iomem.nr_mfns = 1;
	rc = domctl(XEN_DOMCTL_iomem_permission, t->id, &op);
	xtest_check(rc == 0, "iomem_permission(%#lx, 1): %ld", MMIO_FRAME, rc);
	memset(&op, 0, sizeof(op));
	op.u.irq.pirq = 100000;
	op.u.irq.allow_access = 1;
	rc = domctl(XEN_DOMCTL_irq_permission, t->id, &op);
	xtest_check(rc == -EINVAL, "irq_permission of pirq 100000: %ld", rc);
	op.u.irq.pirq = 7; /* not mapped in dom0: nothing to pass on */
	rc = domctl(XEN_DOMCTL_irq_permission, t->id, &op);
	xtest_check(rc == -EPERM, "irq_permission of a pirq dom0 has not mapped: %ld", rc);
}

void test_main(void)
{
	struct tiny_dom a, b;
	uint64_t free0, now;
	uint16_t self = DOMID_SELF;
	unsigned long secret_mfn;
	long pages0 =
	    hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&self, 0, 0, 0);

	if (!grant_setup())
		return;
	free0 = builder_free_pages();
	secret_mfn = builder_own_frame(secret);
	if (run_domu(&a, fill_refused, NULL))
		xtest_check(evtchn_poll_pending(port_offered, 100),
			    "d%u's send on the port it bound did not reach dom0", a.id);
	/* Nothing of dom0's was lost: the frame the domU aimed at is still ours, intact. */
	xtest_check(builder_own_frame(secret) == secret_mfn && !strcmp(secret, "dom0's own") &&
			hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&self, 0,
				  0, 0) == (long)pages0,
		    "dom0's memory changed: frame %#lx (was %#lx), %.11s",
		    builder_own_frame(secret), secret_mfn, secret);
	/* Its grant mapping went with it: the entry is no longer being read. */
	xtest_check(!(gtable[REF_GRANTED].flags & (GTF_reading | GTF_writing)),
		    "grant entry flags %#x after d%u was destroyed", gtable[REF_GRANTED].flags,
		    a.id);
	domu_against_domu();
	run_domu(&b, fill_permitted, give_io);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after both domUs, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}

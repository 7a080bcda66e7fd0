/*
 * ioreq servers: the device-model interface of an HVM domain (dm_op,
 * hypercall 41) and the forwarding of the port I/O and MMIO accesses no
 * internal handler claims.
 *
 * A server belongs to the domain that created it (the emulator) and serves
 * one HVM domain (the target). It has two pages shared with the target's
 * emulator: a synchronous page with one struct ioreq per vCPU and a
 * buffered ring (only when asked for: VGA-window writes and TIMEOFFSET).
 * Each vCPU has an event channel whose local end the hypervisor consumes
 * (evtchn_alloc_xen_port); the emulator binds its end from the numbers in
 * the slots (vp_eport). A forwarded access fills the vCPU's slot, moves it
 * to READY, notifies the emulator and blocks the vCPU; the emulator answers
 * with IORESP_READY and a notification; before the vCPU's next entry the
 * answer is taken (a read's data lands in its register) and the slot goes
 * back to NONE. Only the slot's state and data are ever read back: the
 * emulator may write anything into the pages.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "sched.h"
#include "spinlock.h"
#include "event.h"
#include "hvm.h"
#include "uaccess.h"
#include "x86_decode.h"
#include "rangeset.h"
#include "ioreq_rules.h"
#include "public/xen.h"
#include "public/memory.h"
#include "public/hvm/hvm_op.h"
#include "public/hvm/dm_op.h"
#include "public/hvm/ioreq.h"

#define NR_SERVERS 8
#define NR_RANGE_TYPES 3 /* port, memory, PCI */
#define DMOP_MAX_BUFS 2	 /* the most any op takes */

_Static_assert(sizeof(struct ioreq) == 32, "struct ioreq is 32 bytes");
_Static_assert(MAX_VIRT_CPUS * sizeof(struct ioreq) <= PAGE_SIZE, "one synchronous page");

struct ioreq_server {
	struct domain *target;
	domid_t emulator;
	bool enabled;
	u8 bufioreq; /* HVM_IOREQSRV_BUFIOREQ_* */
	struct ioreq *slots; /* the synchronous page */
	void *buf_page;	     /* the buffered ring, NULL without one */
	unsigned int vcpu_port[MAX_VIRT_CPUS];
	unsigned int buf_port;
	spinlock_t buf_lock; /* our end of the buffered ring: the write pointer */
	struct rangeset ranges[NR_RANGE_TYPES];
};

/* ---- The shared pages. */

static void *alloc_shared_page(struct domain *d)
{
	void *p = alloc_xenheap_pages(0);

	if (!p)
		return NULL;
	share_xen_page_with_guest(mfn_to_page(virt_to_mfn(p)), d);
	m2p_set(virt_to_mfn(p), M2P_INVALID);
	return p;
}

/* Free a shared page, or leave it to its last unmap if the emulator still maps it. */
static void free_shared_page(struct domain *d, void *p)
{
	struct page_info *pg;

	if (!p)
		return;
	pg = mfn_to_page(virt_to_mfn(p));
	if (domain_keep_shared_page(d, pg))
		return;
	pg->owner = NULL;
	pg->count = pg->type_count = 0;
	pg->type = PGT_none;
	pg->flags &= ~PGC_validated;
	free_xenheap_pages(p, 0);
}

/* ---- Servers. */

static struct ioreq_server *server_of(struct domain *d, unsigned int id)
{
	return id < NR_SERVERS ? d->arch.hvm.ioreq[id] : NULL;
}

static void server_free(struct ioreq_server *s)
{
	struct domain *d = s->target;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		evtchn_free_xen_port(d, s->vcpu_port[i]);
	evtchn_free_xen_port(d, s->buf_port);
	free_shared_page(d, s->slots);
	free_shared_page(d, s->buf_page);
	free_xenheap_pages(s, 0);
}

/* One event channel per vCPU (and one for the buffered ring), unbound for the emulator. */
static int server_ports(struct ioreq_server *s)
{
	struct domain *d = s->target;
	int port;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		if (!d->vcpu[i])
			continue;
		port = evtchn_alloc_xen_port(d, i, s->emulator);
		if (port < 0)
			return port;
		s->vcpu_port[i] = (unsigned int)port;
		s->slots[i].vp_eport = (u32)port;
	}
	if (s->bufioreq == HVM_IOREQSRV_BUFIOREQ_OFF)
		return 0;
	port = evtchn_alloc_xen_port(d, 0, s->emulator);
	if (port < 0)
		return port;
	s->buf_port = (unsigned int)port;
	return 0;
}

static long create_server(struct domain *d, struct xen_dm_op_create_ioreq_server *op)
{
	struct ioreq_server *s;
	unsigned int id;
	int rc;

	if (op->handle_bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
		return -EINVAL;
	for (id = 0; id < NR_SERVERS && d->arch.hvm.ioreq[id]; id++)
		;
	if (id == NR_SERVERS)
		return -ENOSPC;
	_Static_assert(sizeof(struct ioreq_server) <= PAGE_SIZE, "a server fits a page");
	s = alloc_xenheap_pages(0);
	if (!s)
		return -ENOMEM;
	s->target = d;
	s->emulator = current->domain->domain_id;
	s->bufioreq = op->handle_bufioreq;
	spin_lock_init(&s->buf_lock);
	for (unsigned int t = 0; t < NR_RANGE_TYPES; t++)
		rangeset_init(&s->ranges[t]);
	s->slots = alloc_shared_page(d);
	if (s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF)
		s->buf_page = alloc_shared_page(d);
	rc = !s->slots || (s->bufioreq && !s->buf_page) ? -ENOMEM : server_ports(s);
	if (rc) {
		server_free(s);
		return rc;
	}
	d->arch.hvm.ioreq[id] = s;
	op->id = (ioservid_t)id;
	return 0;
}

/* The server @id of @d, if the caller is its emulator: -ENOENT, -EPERM. */
static struct ioreq_server *own_server(struct domain *d, unsigned int id, long *rc)
{
	struct ioreq_server *s = server_of(d, id);

	*rc = !s ? -ENOENT : s->emulator != current->domain->domain_id ? -EPERM : 0;
	return *rc ? NULL : s;
}

/* A vCPU waiting on the server must not wait for ever: it gets all-ones. */
static void release_waiters(struct domain *d, unsigned int id)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (v && v->arch.hvm.io.pending && v->arch.hvm.io.server == id)
			vcpu_unblock(v);
	}
}

static long destroy_server(struct domain *d, unsigned int id)
{
	long rc;
	struct ioreq_server *s = own_server(d, id, &rc);

	if (!s)
		return rc;
	d->arch.hvm.ioreq[id] = NULL;
	server_free(s);
	release_waiters(d, id);
	return 0;
}

int ioreq_vcpu_init(struct vcpu *v)
{
	struct domain *d = v->domain;

	for (unsigned int id = 0; id < NR_SERVERS; id++) {
		struct ioreq_server *s = d->arch.hvm.ioreq[id];
		int port;

		if (!s || s->vcpu_port[v->vcpu_id])
			continue;
		port = evtchn_alloc_xen_port(d, v->vcpu_id, s->emulator);
		if (port < 0)
			return port;
		s->vcpu_port[v->vcpu_id] = (unsigned int)port;
		if (s->enabled)
			s->slots[v->vcpu_id].vp_eport = (u32)port;
	}
	return 0;
}

void ioreq_domain_destroy(struct domain *d)
{
	for (unsigned int id = 0; id < NR_SERVERS; id++) {
		struct ioreq_server *s = d->arch.hvm.ioreq[id];

		if (s) {
			d->arch.hvm.ioreq[id] = NULL;
			server_free(s);
		}
	}
}

static long server_info(struct domain *d, struct xen_dm_op_get_ioreq_server_info *op)
{
	long rc;
	struct ioreq_server *s = own_server(d, op->id, &rc);

	if (!s)
		return rc;
	/* No guest frames for the pages: XENMEM_acquire_resource maps them. */
	if (!(op->flags & XEN_DMOP_no_gfns))
		return -EOPNOTSUPP;
	op->bufioreq_port = s->buf_port;
	return 0;
}

static long map_range(struct domain *d, const struct xen_dm_op_ioreq_server_range *op, bool map)
{
	struct rangeset *r;
	struct ioreq_server *s;
	long rc;

	if (op->start > op->end)
		return -EINVAL;
	s = own_server(d, op->id, &rc);
	if (!s)
		return rc;
	if (op->type >= NR_RANGE_TYPES)
		return -EINVAL;
	r = &s->ranges[op->type];
	if (map)
		return rangeset_overlaps_range(r, op->start, op->end)
			       ? -EEXIST
			       : rangeset_add_range(r, op->start, op->end);
	if (!rangeset_contains_range(r, op->start, op->end))
		return -ENOENT;
	return rangeset_remove_range(r, op->start, op->end);
}

static long set_state(struct domain *d, const struct xen_dm_op_set_ioreq_server_state *op)
{
	long rc;
	struct ioreq_server *s = own_server(d, op->id, &rc);

	if (!s)
		return rc;
	s->enabled = op->enabled != 0;
	if (!s->enabled) {
		release_waiters(d, op->id);
		return 0;
	}
	/* The emulator reads the ports from the slots once the server is on. */
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (s->vcpu_port[i])
			s->slots[i].vp_eport = s->vcpu_port[i];
	return 0;
}

/* ---- XENMEM_acquire_resource, XENMEM_resource_ioreq_server. */

/* Frame 0 is the buffered ring, frame 1 the synchronous page. */
#define IOREQ_RESOURCE_FRAMES 2

long ioreq_acquire_resource(struct domain *d, unsigned int id, u64 frame, u32 *nr_frames,
			    u64 frame_list)
{
	struct ioreq_server *s;
	long rc;

	if (!is_hvm_domain(d))
		return -EINVAL;
	if (!frame_list) {
		*nr_frames = IOREQ_RESOURCE_FRAMES;
		return 0;
	}
	if (is_hvm_domain(current->domain))
		return -EOPNOTSUPP; /* a translated caller's GFNs: not mapped here */
	s = own_server(d, id, &rc);
	if (!s)
		return rc;
	if (frame >= IOREQ_RESOURCE_FRAMES || *nr_frames > IOREQ_RESOURCE_FRAMES - frame)
		return -EINVAL;
	for (u32 i = 0; i < *nr_frames; i++) {
		void *p = frame + i == 0 ? s->buf_page : (void *)s->slots;
		xen_pfn_t mfn;

		if (!p)
			return -ENOENT;
		mfn = virt_to_mfn(p);
		if (copy_to_guest(frame_list + i * sizeof(mfn), &mfn, sizeof(mfn)))
			return -EFAULT;
	}
	return 0;
}

/* ---- dm_op. */

/* The argument size of each op this file serves; 0 = -EOPNOTSUPP. */
static const u8 dmop_size[] = {
	[XEN_DMOP_create_ioreq_server] = sizeof(struct xen_dm_op_create_ioreq_server),
	[XEN_DMOP_get_ioreq_server_info] = sizeof(struct xen_dm_op_get_ioreq_server_info),
	[XEN_DMOP_map_io_range_to_ioreq_server] = sizeof(struct xen_dm_op_ioreq_server_range),
	[XEN_DMOP_unmap_io_range_from_ioreq_server] = sizeof(struct xen_dm_op_ioreq_server_range),
	[XEN_DMOP_set_ioreq_server_state] = sizeof(struct xen_dm_op_set_ioreq_server_state),
	[XEN_DMOP_destroy_ioreq_server] = sizeof(struct xen_dm_op_destroy_ioreq_server),
	[XEN_DMOP_nr_vcpus] = sizeof(struct xen_dm_op_nr_vcpus),
	[XEN_DMOP_set_pci_intx_level] = sizeof(struct xen_dm_op_set_pci_intx_level),
	[XEN_DMOP_set_isa_irq_level] = sizeof(struct xen_dm_op_set_isa_irq_level),
	[XEN_DMOP_set_pci_link_route] = sizeof(struct xen_dm_op_set_pci_link_route),
	[XEN_DMOP_inject_msi] = sizeof(struct xen_dm_op_inject_msi),
	[XEN_DMOP_remote_shutdown] = sizeof(struct xen_dm_op_remote_shutdown),
};

/* Run @op on @d; true in *out when op->u has results to copy back. */
static long dmop_dispatch(struct domain *d, struct xen_dm_op *op, bool *out)
{
	*out = true;
	switch (op->op) {
	case XEN_DMOP_create_ioreq_server:
		return create_server(d, &op->u.create_ioreq_server);
	case XEN_DMOP_get_ioreq_server_info:
		return server_info(d, &op->u.get_ioreq_server_info);
	case XEN_DMOP_nr_vcpus:
		op->u.nr_vcpus.vcpus = d->max_vcpus;
		return 0;
	}
	*out = false;
	switch (op->op) {
	case XEN_DMOP_map_io_range_to_ioreq_server:
		return map_range(d, &op->u.map_io_range_to_ioreq_server, true);
	case XEN_DMOP_unmap_io_range_from_ioreq_server:
		return map_range(d, &op->u.unmap_io_range_from_ioreq_server, false);
	case XEN_DMOP_set_ioreq_server_state:
		return set_state(d, &op->u.set_ioreq_server_state);
	case XEN_DMOP_destroy_ioreq_server:
		return destroy_server(d, op->u.destroy_ioreq_server.id);
	case XEN_DMOP_set_isa_irq_level:
		return hvm_platform_isa_irq(d, op->u.set_isa_irq_level.isa_irq,
					    op->u.set_isa_irq_level.level);
	case XEN_DMOP_set_pci_intx_level: {
		const struct xen_dm_op_set_pci_intx_level *x = &op->u.set_pci_intx_level;

		return hvm_platform_pci_intx(d, x->domain, x->bus, x->device, x->intx, x->level);
	}
	case XEN_DMOP_set_pci_link_route:
		return hvm_platform_link_route(d, op->u.set_pci_link_route.link,
					       op->u.set_pci_link_route.isa_irq);
	case XEN_DMOP_inject_msi:
		if (op->u.inject_msi.pad)
			return -EINVAL;
		return hvm_platform_msi(d, op->u.inject_msi.addr, op->u.inject_msi.data);
	case XEN_DMOP_remote_shutdown:
		/* What QEMU sends when its guest asks to power off (ACPI S5) or reset. */
		domain_shutdown(d, (u8)op->u.remote_shutdown.reason);
		return 0;
	}
	return -EOPNOTSUPP;
}

/* The target: another HVM domain (-ESRCH unknown, -EPERM the caller, -EINVAL not HVM). */
static struct domain *dmop_target(domid_t domid, long *rc)
{
	struct domain *d = domain_by_id(domid);

	*rc = !d ? -ESRCH : d == current->domain ? -EPERM : !is_hvm_domain(d) ? -EINVAL : 0;
	return *rc ? NULL : d;
}

long do_dm_op(unsigned long domid, unsigned long nr_bufs, unsigned long bufs)
{
	struct xen_dm_op_buf buf[DMOP_MAX_BUFS];
	const size_t head = offsetof(struct xen_dm_op, u);
	struct xen_dm_op op;
	struct domain *d;
	bool out;
	long rc;

	if ((unsigned int)nr_bufs > DMOP_MAX_BUFS)
		return -E2BIG;
	if (copy_from_guest(buf, bufs, (unsigned int)nr_bufs * sizeof(buf[0])))
		return -EFAULT;
	d = dmop_target((domid_t)domid, &rc);
	if (!d)
		return rc;
	if (!(unsigned int)nr_bufs || buf[0].size < head || copy_from_guest(&op, (u64)buf[0].h.p, head))
		return -EFAULT;
	if (op.op >= ARRAY_SIZE(dmop_size) || !dmop_size[op.op])
		return -EOPNOTSUPP;
	memset(&op.u, 0, sizeof(op.u));
	if (buf[0].size < head + dmop_size[op.op] ||
	    copy_from_guest(&op.u, (u64)buf[0].h.p + head, dmop_size[op.op]))
		return -EFAULT;
	if (op.pad)
		return -EINVAL;
	rc = dmop_dispatch(d, &op, &out);
	if (!rc && out && copy_to_guest((u64)buf[0].h.p + head, &op.u, dmop_size[op.op]))
		rc = -EFAULT;
	return rc;
}

/* ---- Forwarding accesses. */

/* The enabled server whose ranges of @type cover [addr, addr + size). */
static int select_server(struct domain *d, unsigned int type, u64 addr, unsigned int size)
{
	for (unsigned int id = 0; id < NR_SERVERS; id++) {
		struct ioreq_server *s = d->arch.hvm.ioreq[id];

		if (s && s->enabled &&
		    rangeset_contains_range(&s->ranges[type], addr, addr + size - 1))
			return (int)id;
	}
	return -1;
}

static volatile u8 *slot_state_byte(struct ioreq *p)
{
	return (volatile u8 *)p + offsetof(struct ioreq, vp_eport) + 6;
}

static unsigned int slot_state(struct ioreq *p)
{
	return *slot_state_byte(p) & 0xf;
}

/* One access as the slot carries it. */
struct request {
	unsigned int type, size;
	u64 addr, data; /* data: the value written, or the buffer's address with ptr */
	u32 count;
	bool read, ptr, df;
};

#define TO_MEMORY (-3) /* an INS of one element: the answer goes to io.va */
#define TO_HELD (-4)   /* the first step of an OUTS element: the answer is held */

/*
 * Send one access to server @id and block the vCPU. @reg is where a read's
 * answer goes (-1 for a write or a buffer, -2 for rax by size as IN does,
 * TO_MEMORY).
 */
static void send_request(struct vcpu *v, unsigned int id, const struct request *q, int reg)
{
	struct ioreq_server *s = v->domain->arch.hvm.ioreq[id];
	struct ioreq *p = &s->slots[v->vcpu_id];

	if (slot_state(p) != STATE_IOREQ_NONE)
		domain_crash(v->domain, "ioreq server %u left vCPU %u's slot in state %u", id,
			     v->vcpu_id, slot_state(p));
	p->addr = q->addr;
	p->data = q->read && !q->ptr ? 0 : q->data;
	p->count = q->count;
	p->size = q->size;
	p->vp_eport = s->vcpu_port[v->vcpu_id];
	p->type = (u8)q->type;
	/* data_is_ptr bit 4, dir bit 5, df bit 6 */
	*slot_state_byte(p) = (u8)((q->ptr ? 1u << 4 : 0) | (q->read ? 1u << 5 : 0) |
				   (q->df ? 1u << 6 : 0));
	__asm__ volatile("" ::: "memory");
	*slot_state_byte(p) |= STATE_IOREQ_READY;
	v->arch.hvm.io.pending = true;
	v->arch.hvm.io.server = (u8)id;
	v->arch.hvm.io.size = (u8)q->size;
	v->arch.hvm.io.to_rax = reg == -2;
	v->arch.hvm.io.to_memory = reg == TO_MEMORY;
	v->arch.hvm.io.to_held = reg == TO_HELD;
	v->arch.hvm.io.held = false;
	v->arch.hvm.io.held_rip = v->arch.hvm.regs.rip;
	v->arch.hvm.io.reg = (s8)(reg < 0 ? -1 : reg);
	v->arch.hvm.io.cmp = false;
	v->arch.hvm.io.sign = false;
	v->arch.hvm.io.reg_size = (u8)q->size;
	v->arch.hvm.io.last_state = STATE_IOREQ_READY;
	evtchn_send_xen_port(v->domain, s->vcpu_port[v->vcpu_id]);
}

#define PCI_CONF_ADDR 0xcf8

/*
 * The server a port access goes to (-1: none), with the type and address
 * it is sent as. While the latch of 0xCF8 has its enable bit set, the data
 * ports 0xCFC-0xCFF are config cycles for the server that mapped the SBDF,
 * and nobody else's: without one they read all-ones.
 */
__hvm_warm static int pio_server(struct domain *d, u16 port, unsigned int size, struct request *q)
{
	q->type = IOREQ_TYPE_PIO;
	q->addr = port;
	if (ioreq_pci_config_addr(d->arch.hvm.pci_cf8, port, &q->addr)) {
		q->type = IOREQ_TYPE_PCI_CONFIG;
		return select_server(d, XEN_DMOP_IO_RANGE_PCI, q->addr >> 32, 1);
	}
	return select_server(d, XEN_DMOP_IO_RANGE_PORT, port, size);
}

/*
 * One element: @data written, or read into rax (-2) or guest memory
 * (TO_MEMORY). A 32-bit write of 0xCF8 is latched, and still forwarded as
 * a port write, as Xen does.
 */
__hvm_warm static bool pio_value(struct vcpu *v, bool in, u16 port, unsigned int size, u64 data,
				 int reg)
{
	struct domain *d = v->domain;
	struct request q = { .size = size, .count = 1, .read = in };
	int id;

	if (!in && port == PCI_CONF_ADDR && size == 4)
		d->arch.hvm.pci_cf8 = (u32)data;
	id = pio_server(d, port, size, &q);
	if (id < 0)
		return false;
	q.data = ioreq_merge(0, data, size);
	send_request(v, (unsigned int)id, &q, reg);
	return true;
}

__hvm_warm bool hvm_ioreq_pio(struct vcpu *v, bool in, u16 port, unsigned int size)
{
	return pio_value(v, in, port, size, v->arch.hvm.regs.rax, in ? -2 : -1);
}

bool hvm_ioreq_pio_memory(struct vcpu *v, u16 port, unsigned int size, u64 va)
{
	v->arch.hvm.io.va = va;
	return pio_value(v, true, port, size, 0, TO_MEMORY);
}

bool hvm_ioreq_pio_buffer(struct vcpu *v, bool in, u16 port, unsigned int size, u32 count,
			  bool df, u64 gpa)
{
	struct request q = { .size = size, .count = count, .read = in, .ptr = true, .df = df };
	int id = pio_server(v->domain, port, size, &q);

	if (id < 0)
		return false;
	q.data = gpa;
	send_request(v, (unsigned int)id, &q, -1);
	return true;
}

/* ---- The buffered ring: writes the guest does not wait for. */

#define VGA_WINDOW 0xa0000UL
#define VGA_WINDOW_END 0xc0000UL

/* ATOMIC mode: take whole turns off both pointers (the model may move the read one meanwhile). */
static void ring_canonicalise(u64 *pointers)
{
	u64 old = __atomic_load_n(pointers, __ATOMIC_SEQ_CST);

	for (unsigned int i = 0; i < IOREQ_BUFFER_SLOT_NUM && (u32)old >= IOREQ_BUFFER_SLOT_NUM;
	     i++)
		if (__atomic_compare_exchange_n(pointers, &old, ioreq_ring_canonical(old), false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
}

/*
 * Queue a write on @s's ring and notify its buffered port: false when it
 * has no ring or no room, and the write must go synchronously (as on Xen).
 * The model may write anything into the page: the pointers are only used
 * modulo the ring size.
 */
static bool send_buffered(struct domain *d, struct ioreq_server *s, unsigned int type, u64 addr,
			  unsigned int size, u64 data)
{
	struct buffered_iopage *pg = s->buf_page;
	struct buf_ioreq slot[2];
	unsigned int n;
	u32 wr;

	if (!pg)
		return false;
	n = ioreq_buf_pack(type, addr, size, data, slot);
	if (!n)
		return true; /* Xen drops what the ring cannot carry */
	spin_lock(&s->buf_lock);
	wr = __atomic_load_n(&pg->write_pointer, __ATOMIC_SEQ_CST);
	if (!ioreq_ring_room(__atomic_load_n(&pg->read_pointer, __ATOMIC_SEQ_CST), wr, n)) {
		spin_unlock(&s->buf_lock);
		return false;
	}
	for (unsigned int i = 0; i < n; i++)
		pg->buf_ioreq[(wr + i) % IOREQ_BUFFER_SLOT_NUM] = slot[i];
	__atomic_store_n(&pg->write_pointer, wr + n, __ATOMIC_SEQ_CST);
	if (s->bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC)
		ring_canonicalise((u64 *)pg);
	spin_unlock(&s->buf_lock);
	evtchn_send_xen_port(d, s->buf_port);
	return true;
}

void hvm_ioreq_timeoffset(struct domain *d, s64 delta)
{
	for (unsigned int id = 0; id < NR_SERVERS; id++) {
		struct ioreq_server *s = d->arch.hvm.ioreq[id];

		if (s && s->enabled &&
		    !send_buffered(d, s, IOREQ_TYPE_TIMEOFFSET, 0, 8, (u64)delta))
			printk(XENLOG_G_GUEST XENLOG_WARNING
			       "d%u: time offset change %ld not sent to ioreq server %u "
			       "(no buffered ring, or it is full)\n",
			       d->domain_id, (long)delta, id);
	}
}

/* Xen's emulated VGA (XEN_X86_EMU_VGA) buffers single writes into the VGA window. */
static bool vga_buffered(struct domain *d, u64 gpa, unsigned int size)
{
	return (d->arch.hvm.emulation_flags & XEN_X86_EMU_VGA) && gpa >= VGA_WINDOW &&
	       gpa + size <= VGA_WINDOW_END;
}

unsigned int hvm_ioreq_mmio(struct vcpu *v, u64 gpa)
{
	struct x86_insn in;
	unsigned int len = hvm_decode_current(v, &in);
	struct request q = { .type = IOREQ_TYPE_COPY, .count = 1 };
	struct ioreq_mov m;
	u64 data;
	int id;

	if (!len || ioreq_mov_decode(&in, &m))
		return 0;
	id = select_server(v->domain, XEN_DMOP_IO_RANGE_MEMORY, gpa, m.size);
	if (id < 0)
		return 0;
	data = m.reg < 0 ? m.imm : ioreq_merge(0, *hvm_gpr(v, (unsigned int)m.reg), m.size);
	if (!m.read && vga_buffered(v->domain, gpa, m.size) &&
	    send_buffered(v->domain, v->domain->arch.hvm.ioreq[id], IOREQ_TYPE_COPY, gpa, m.size,
			  data))
		return len;
	q.addr = gpa;
	q.size = m.size;
	q.read = m.read;
	q.data = data;
	send_request(v, (unsigned int)id, &q, m.read ? m.reg : -1);
	v->arch.hvm.io.cmp = m.cmp;
	v->arch.hvm.io.cmp_imm = m.imm;
	v->arch.hvm.io.sign = m.sign;
	v->arch.hvm.io.reg_size = (u8)m.reg_size;
	return len;
}

bool hvm_ioreq_mmio_hold(struct vcpu *v, u64 gpa, unsigned int size)
{
	struct request q = { .type = IOREQ_TYPE_COPY, .size = size, .addr = gpa };
	int id = select_server(v->domain, XEN_DMOP_IO_RANGE_MEMORY, gpa, size);

	if (id < 0)
		return false;
	q.count = 1;
	q.read = true;
	send_request(v, (unsigned int)id, &q, TO_HELD);
	return true;
}

bool hvm_take_held(struct vcpu *v, u64 *data)
{
	if (!v->arch.hvm.io.held || v->arch.hvm.io.held_rip != v->arch.hvm.regs.rip)
		return false;
	v->arch.hvm.io.held = false;
	*data = v->arch.hvm.io.held_data;
	return true;
}

bool hvm_ioreq_mmio_string(struct vcpu *v, const struct hvm_mmio_req *m)
{
	struct request q = { .type = IOREQ_TYPE_COPY, .size = m->size, .addr = m->gpa };
	unsigned int span = m->size * m->count;
	u64 lo = m->df ? m->gpa + m->size - span : m->gpa;
	bool to_memory = m->read && !m->ptr;
	int id = select_server(v->domain, XEN_DMOP_IO_RANGE_MEMORY, lo, span);

	if (id < 0)
		return false;
	q.count = m->count;
	q.data = m->data;
	q.read = m->read;
	q.ptr = m->ptr;
	q.df = m->df;
	v->arch.hvm.io.va = m->va;
	send_request(v, (unsigned int)id, &q, to_memory ? TO_MEMORY : -1);
	return true;
}

__hvm_warm bool hvm_ioreq_claims_mmio(struct vcpu *v, u64 gpa)
{
	return select_server(v->domain, XEN_DMOP_IO_RANGE_MEMORY, gpa, 1) >= 0;
}

/* The answer lands where the instruction wanted it. */
static void finish(struct vcpu *v, u64 data)
{
	struct ioreq_mov m = { .size = v->arch.hvm.io.size,
			       .reg_size = v->arch.hvm.io.reg_size,
			       .sign = v->arch.hvm.io.sign };
	u64 *r;

	v->arch.hvm.io.pending = false;
	if (v->arch.hvm.io.to_held) {
		v->arch.hvm.io.held = true;
		v->arch.hvm.io.held_data = ioreq_merge(0, data, m.size);
		return;
	}
	if (v->arch.hvm.io.to_memory) {
		/* A fault here is the guest's own doing: the element is lost. */
		if (!hvm_string_store(v, v->arch.hvm.io.va, data, v->arch.hvm.io.size))
			printk(XENLOG_G_GUEST XENLOG_WARNING
			       "d%uv%u: INS buffer %#lx not mapped any more\n",
			       v->domain->domain_id, v->vcpu_id, v->arch.hvm.io.va);
		return;
	}
	if (v->arch.hvm.io.cmp) {
		v->arch.hvm.regs.rflags = ioreq_cmp_flags(v->arch.hvm.regs.rflags, data,
							  v->arch.hvm.io.cmp_imm, v->arch.hvm.io.size);
		return;
	}
	if (v->arch.hvm.io.to_rax)
		r = &v->arch.hvm.regs.rax;
	else if (v->arch.hvm.io.reg >= 0)
		r = hvm_gpr(v, (unsigned int)v->arch.hvm.io.reg);
	else
		return;
	*r = ioreq_read_result(&m, *r, data);
}

static bool answered(struct vcpu *v)
{
	struct ioreq_server *s = server_of(v->domain, v->arch.hvm.io.server);

	return !s || !s->enabled || slot_state(&s->slots[v->vcpu_id]) != v->arch.hvm.io.last_state;
}

/*
 * Before the vCPU's next entry: true when its request is answered (or was
 * dropped with its server) and the result is in place, false when it must
 * wait on (it is then blocked until the emulator notifies). A state that
 * goes backwards or is not a state at all kills the domain.
 */
bool hvm_ioreq_complete(struct vcpu *v)
{
	struct ioreq_server *s = server_of(v->domain, v->arch.hvm.io.server);
	struct ioreq *p;
	unsigned int state;
	u64 data;

	if (!s || !s->enabled) {
		finish(v, ~0UL); /* the server went away: reads see all-ones */
		return true;
	}
	p = &s->slots[v->vcpu_id];
	state = slot_state(p);
	__asm__ volatile("" ::: "memory");
	switch (ioreq_step(v->arch.hvm.io.last_state, state)) {
	case IOREQ_ANSWERED:
		data = *(volatile u64 *)&p->data;
		*slot_state_byte(p) &= (u8)~0xf; /* NONE */
		finish(v, data);
		return true;
	case IOREQ_DROPPED:
		finish(v, ~0UL); /* the emulator gave the request up */
		return true;
	case IOREQ_BAD:
		domain_crash(v->domain, "ioreq server %u: slot of vCPU %u went from state %u to %u",
			     v->arch.hvm.io.server, v->vcpu_id, v->arch.hvm.io.last_state, state);
	case IOREQ_WAIT:
		break;
	}
	v->arch.hvm.io.last_state = (u8)state;
	vcpu_block(answered);
	return !(v->pause_flags & VPF_blocked) && hvm_ioreq_complete(v);
}

/* The emulator notified a per-vCPU port: wake the vCPU it belongs to. */
void evtchn_xen_notify(struct domain *d, unsigned int port)
{
	struct vcpu *v;

	ASSERT_LOCKED(&d->event_lock);
	v = d->vcpu[evtchn_from_port(d, port)->notify_vcpu % MAX_VIRT_CPUS];

	if (v && is_hvm_domain(d) && v->arch.hvm.io.pending)
		vcpu_unblock(v);
}

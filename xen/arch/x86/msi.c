/*
 * MSI and MSI-X (see msi.h).
 *
 * A descriptor is one vector: the function it belongs to, which
 * capability, the MSI-X table entry (or the index within a multi-message
 * MSI group) and the PIRQ it raises. A multi-message MSI group takes
 * consecutive descriptors and a naturally aligned block of vectors, since
 * the device puts the message index in the low bits of the data.
 *
 * Functions with MSI-X in use are recorded too: the frames of their table
 * and pending-bit array are what dom0 may only map read-only.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "config.h"
#include "page.h"
#include "apic.h"
#include "io_apic.h"
#include "pci.h"
#include "msi.h"

/* MSI capability registers (offsets from the capability). */
#define MSI_CTRL 2
#define MSI_ADDR_LO 4
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_MMC_SHIFT 1
#define MSI_CTRL_MME_SHIFT 4
#define MSI_CTRL_MME_MASK 0x0070
#define MSI_CTRL_64BIT 0x0080
#define MSI_CTRL_MASKBIT 0x0100

/* MSI-X capability registers and table entries. */
#define MSIX_CTRL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_CTRL_QSIZE 0x07ff
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_BIR_MASK 7
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CTRL 12
#define MSIX_ENTRY_MASKED 1

/* The message: local APIC address (physical destination), fixed, edge. */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_DATA_ASSERT 0x4000 /* "assert" level bit: ignored for edge, set as Xen sets it */

#define MSIX_MAX_DEVS 32
/* Interrupt remapping: Petrel drives no IOMMU. */
#define MSI_INTREMAP false

struct msi_desc {
	bool used;
	bool msix;
	bool masked;
	u8 bus, devfn;
	u8 vector;
	u16 pos;   /* the capability's offset */
	u16 entry; /* MSI-X table entry, or index within the MSI group */
	u16 nvec;  /* MSI: size of the group (on its first descriptor) */
	u16 pirq;
	struct domain *owner; /* whose PIRQ it is */
	u64 entry_pa; /* MSI-X: the table entry's physical address */
};

struct msix_dev {
	bool used;
	u8 bus, devfn;
	u16 pos;
	bool prepared; /* PHYSDEVOP_prepare_msix */
	unsigned int nr_entries, used_entries;
	u64 table_pa, pba_pa;
};

struct msi_state {
	struct msi_desc desc[MSI_MAX_DESCS];
	struct msix_dev msix[MSIX_MAX_DEVS];
	s16 by_vector[256]; /* descriptor + 1, 0 if the vector is free */
};

static struct msi_state msi;

/* ---- Vectors: above the IO-APIC's, below the LAPIC timer's. */

static unsigned int first_vector(void)
{
	return IOAPIC_FIRST_VECTOR + io_apic_nr_gsis();
}

bool msi_vector(unsigned int vector)
{
	return vector >= first_vector() && vector <= IOAPIC_LAST_VECTOR;
}

/* A free aligned block of @n (a power of two) vectors, or -ENOSPC. */
static int alloc_vectors(unsigned int n)
{
	unsigned int v = (first_vector() + n - 1) & ~(n - 1);

	for (; v + n - 1 <= IOAPIC_LAST_VECTOR; v += n) {
		unsigned int i;

		for (i = 0; i < n && !msi.by_vector[v + i]; i++)
			;
		if (i == n)
			return (int)v;
	}
	return -ENOSPC;
}

/* @n consecutive free descriptors, or -ENOSPC. */
static int alloc_descs(unsigned int n)
{
	for (unsigned int d = 0; d + n <= MSI_MAX_DESCS; d++) {
		unsigned int i;

		for (i = 0; i < n && !msi.desc[d + i].used; i++)
			;
		if (i == n)
			return (int)d;
	}
	return -ENOSPC;
}

static u32 msg_address(void)
{
	return MSI_ADDR_BASE | (apic_id() << MSI_ADDR_DEST_SHIFT);
}

/* Fixed delivery, edge, the descriptor's vector. */
static u32 msg_data(const struct msi_desc *m)
{
	return MSI_DATA_ASSERT | m->vector;
}

/* ---- MSI-X functions and their tables. */

static bool memory_decoded(u8 bus, u8 devfn)
{
	return pci_conf_read(bus, devfn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
}

static struct msix_dev *msix_find(u8 bus, u8 devfn)
{
	for (unsigned int i = 0; i < MSIX_MAX_DEVS; i++)
		if (msi.msix[i].used && msi.msix[i].bus == bus && msi.msix[i].devfn == devfn)
			return &msi.msix[i];
	return NULL;
}

static volatile u32 *msix_entry_reg(const struct msi_desc *m, unsigned int reg)
{
	return (volatile u32 *)maddr_to_virt(m->entry_pa + reg);
}

static u64 msix_region(u8 bus, u8 devfn, unsigned int reg)
{
	u32 v = pci_conf_read(bus, devfn, reg, 4);
	u64 bar = pci_bar_address(bus, devfn, v & MSIX_BIR_MASK);

	return bar ? bar + (v & ~(u32)MSIX_BIR_MASK) : 0;
}

/* The record of @bus/@devfn's MSI-X (capability at @pos), made on first use. */
static int msix_get(u8 bus, u8 devfn, unsigned int pos, struct msix_dev **out)
{
	struct msix_dev *x = msix_find(bus, devfn);
	u32 ctrl;

	if (x)
		goto out;
	for (unsigned int i = 0; i < MSIX_MAX_DEVS && !x; i++)
		if (!msi.msix[i].used)
			x = &msi.msix[i];
	if (!x)
		return -ENOSPC;
	ctrl = pci_conf_read(bus, devfn, pos + MSIX_CTRL, 2);
	x->table_pa = msix_region(bus, devfn, pos + MSIX_TABLE);
	x->pba_pa = msix_region(bus, devfn, pos + MSIX_PBA);
	if (!x->table_pa || !x->pba_pa)
		return -ENXIO; /* BAR not assigned */
	x->nr_entries = (ctrl & MSIX_CTRL_QSIZE) + 1;
	if (x->table_pa + (u64)x->nr_entries * MSIX_ENTRY_SIZE > DIRECTMAP_SIZE)
		return -ERANGE;
	x->used = true;
	x->prepared = false;
	x->bus = bus;
	x->devfn = devfn;
	x->pos = (u16)pos;
	x->used_entries = 0;
out:
	*out = x;
	return 0;
}

/* Drop the record once nothing needs it. */
static void msix_release(struct msix_dev *x)
{
	if (!x->used_entries && !x->prepared)
		x->used = false;
}

static bool msix_entry_taken(u8 bus, u8 devfn, unsigned int entry)
{
	for (unsigned int d = 0; d < MSI_MAX_DESCS; d++) {
		const struct msi_desc *m = &msi.desc[d];

		if (m->used && m->msix && m->bus == bus && m->devfn == devfn && m->entry == entry)
			return true;
	}
	return false;
}

static void msix_write_msg(const struct msi_desc *m)
{
	*msix_entry_reg(m, MSIX_ENTRY_ADDR_LO) = msg_address();
	*msix_entry_reg(m, MSIX_ENTRY_ADDR_HI) = 0;
	*msix_entry_reg(m, MSIX_ENTRY_DATA) = msg_data(m);
}

static int msix_setup(const struct msi_request *rq, unsigned int pos, int *desc)
{
	struct msix_dev *x;
	struct msi_desc *m;
	int v, d, rc;

	if (!memory_decoded(rq->bus, rq->devfn))
		return -ENXIO; /* the table is out of reach */
	rc = msix_get(rq->bus, rq->devfn, pos, &x);
	if (rc)
		return rc;
	v = alloc_vectors(1);
	d = alloc_descs(1);
	if (rq->entry_nr >= x->nr_entries)
		rc = -EINVAL;
	else if (msix_entry_taken(rq->bus, rq->devfn, rq->entry_nr))
		rc = -EEXIST;
	else if (v < 0 || d < 0)
		rc = -ENOSPC;
	if (rc) {
		msix_release(x);
		return rc;
	}
	m = &msi.desc[d];
	*m = (struct msi_desc){ .used = true,
				.msix = true,
				.masked = true,
				.bus = rq->bus,
				.devfn = rq->devfn,
				.vector = (u8)v,
				.pos = (u16)pos,
				.entry = (u16)rq->entry_nr,
				.nvec = 1 };
	m->entry_pa = x->table_pa + (u64)rq->entry_nr * MSIX_ENTRY_SIZE;
	*msix_entry_reg(m, MSIX_ENTRY_CTRL) |= MSIX_ENTRY_MASKED;
	msix_write_msg(m);
	x->used_entries++;
	msi.by_vector[v] = (s16)(d + 1);
	*desc = d;
	return 0;
}

/* ---- MSI. */

static unsigned int msi_data_reg(u16 ctrl)
{
	return ctrl & MSI_CTRL_64BIT ? 0xc : 0x8;
}

static unsigned int msi_mask_reg(u16 ctrl)
{
	return ctrl & MSI_CTRL_64BIT ? 0x10 : 0xc;
}

static bool msi_in_use(u8 bus, u8 devfn)
{
	for (unsigned int d = 0; d < MSI_MAX_DESCS; d++) {
		const struct msi_desc *m = &msi.desc[d];

		if (m->used && !m->msix && m->bus == bus && m->devfn == devfn)
			return true;
	}
	return false;
}

/* Write the group's message into the capability; the group size into MME. */
static void msi_write_msg(const struct msi_desc *m)
{
	u16 ctrl = (u16)pci_conf_read(m->bus, m->devfn, m->pos + MSI_CTRL, 2);
	unsigned int log2 = 0;

	while ((1u << log2) < m->nvec)
		log2++;
	pci_conf_write(m->bus, m->devfn, m->pos + MSI_ADDR_LO, 4, msg_address());
	if (ctrl & MSI_CTRL_64BIT)
		pci_conf_write(m->bus, m->devfn, m->pos + MSI_ADDR_LO + 4, 4, 0);
	pci_conf_write(m->bus, m->devfn, m->pos + msi_data_reg(ctrl), 2, msg_data(m));
	ctrl = (u16)((ctrl & ~MSI_CTRL_MME_MASK) | (log2 << MSI_CTRL_MME_SHIFT));
	pci_conf_write(m->bus, m->devfn, m->pos + MSI_CTRL, 2, ctrl);
}

static int msi_setup_msi(const struct msi_request *rq, unsigned int pos, int *desc,
			 unsigned int *nvec)
{
	u16 ctrl = (u16)pci_conf_read(rq->bus, rq->devfn, pos + MSI_CTRL, 2);
	unsigned int n = rq->entry_nr ? rq->entry_nr : 1, max;
	int v, d;

	if (n > MSI_MAX_GROUP)
		return -EDOM;
	/*
	 * As Xen: more than one vector needs interrupt remapping (the vectors
	 * of a group cannot be steered one by one otherwise), and without an
	 * IOMMU there is none.
	 */
	if (n > 1 && !MSI_INTREMAP)
		return -EOPNOTSUPP;
	while (n & (n - 1))
		n += n & -n; /* up to a power of two */
	max = 1u << ((ctrl >> MSI_CTRL_MMC_SHIFT) & 7);
	if (n > max)
		return -EDOM;
	if (msi_in_use(rq->bus, rq->devfn))
		return -EEXIST;
	v = alloc_vectors(n);
	d = alloc_descs(n);
	if (v < 0 || d < 0)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		msi.desc[d + i] = (struct msi_desc){ .used = true,
						     .masked = true,
						     .bus = rq->bus,
						     .devfn = rq->devfn,
						     .vector = (u8)(v + i),
						     .pos = (u16)pos,
						     .entry = (u16)i,
						     .nvec = (u16)(i ? 1 : n) };
		msi.by_vector[v + i] = (s16)(d + i + 1);
		msi_mask((unsigned int)d + i, true);
	}
	msi_write_msg(&msi.desc[d]);
	*desc = d;
	*nvec = n;
	return 0;
}

int msi_setup(const struct msi_request *rq, unsigned int *nvec)
{
	unsigned int pos;
	int d = -1, rc;

	if (rq->seg != 0 || !pci_present(rq->bus, rq->devfn))
		return -ENODEV;
	pos = pci_find_cap(rq->bus, rq->devfn, rq->msix ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
	if (!pos)
		return -ENODEV;
	*nvec = 1;
	if (rq->msix)
		rc = msix_setup(rq, pos, &d);
	else
		rc = msi_setup_msi(rq, pos, &d, nvec);
	return rc ? rc : d;
}

void msi_set_pirq(unsigned int desc, struct domain *d, unsigned int pirq)
{
	msi.desc[desc].owner = d;
	msi.desc[desc].pirq = (u16)pirq;
}

unsigned int msi_group_index(unsigned int desc)
{
	return msi.desc[desc].msix ? 0 : msi.desc[desc].entry;
}

static void msix_put(struct msi_desc *m)
{
	struct msix_dev *x = msix_find(m->bus, m->devfn);
	u16 ctrl;

	if (!x || --x->used_entries)
		return;
	ctrl = (u16)pci_conf_read(m->bus, m->devfn, x->pos + MSIX_CTRL, 2);
	pci_conf_write(m->bus, m->devfn, x->pos + MSIX_CTRL, 2, ctrl & ~MSIX_CTRL_ENABLE);
	msix_release(x);
}

void msi_teardown(unsigned int desc)
{
	struct msi_desc *m = &msi.desc[desc];
	unsigned int n = m->msix ? 1 : m->nvec;

	if (m->msix) {
		msi_mask(desc, true);
		msix_put(m);
	} else {
		u16 ctrl = (u16)pci_conf_read(m->bus, m->devfn, m->pos + MSI_CTRL, 2);

		pci_conf_write(m->bus, m->devfn, m->pos + MSI_CTRL, 2, ctrl & ~MSI_CTRL_ENABLE);
	}
	for (unsigned int i = 0; i < n; i++) {
		msi.by_vector[m[i].vector] = 0;
		m[i].used = false;
	}
}

void msi_mask(unsigned int desc, bool masked)
{
	struct msi_desc *m = &msi.desc[desc];
	u16 ctrl;
	u32 bits;
	unsigned int reg;

	m->masked = masked;
	if (m->msix) {
		volatile u32 *c = msix_entry_reg(m, MSIX_ENTRY_CTRL);

		*c = masked ? *c | MSIX_ENTRY_MASKED : *c & ~(u32)MSIX_ENTRY_MASKED;
		return;
	}
	ctrl = (u16)pci_conf_read(m->bus, m->devfn, m->pos + MSI_CTRL, 2);
	if (!(ctrl & MSI_CTRL_MASKBIT))
		return; /* not maskable: the PIRQ's event channel is the only gate */
	reg = m->pos + msi_mask_reg(ctrl);
	bits = pci_conf_read(m->bus, m->devfn, reg, 4);
	bits = masked ? bits | (1u << m->entry) : bits & ~(1u << m->entry);
	pci_conf_write(m->bus, m->devfn, reg, 4, bits);
}

int msi_restore(u16 seg, u8 bus, u8 devfn)
{
	if (seg != 0 || !pci_present(bus, devfn))
		return -ENODEV;
	for (unsigned int d = 0; d < MSI_MAX_DESCS; d++) {
		struct msi_desc *m = &msi.desc[d];

		if (!m->used || m->bus != bus || m->devfn != devfn)
			continue;
		if (m->msix)
			msix_write_msg(m);
		else if (m->nvec > 1 || m->entry == 0)
			msi_write_msg(m);
		msi_mask(d, m->masked);
	}
	return 0;
}

bool msi_desc_is(unsigned int desc, u8 bus, u8 devfn)
{
	return desc < MSI_MAX_DESCS && msi.desc[desc].used && msi.desc[desc].bus == bus &&
	       msi.desc[desc].devfn == devfn;
}

int msi_prepare_msix(u16 seg, u8 bus, u8 devfn, bool release)
{
	struct msix_dev *x;
	unsigned int pos;
	int rc;

	if (seg != 0 || !pci_present(bus, devfn))
		return -ENODEV;
	pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSIX);
	if (!pos)
		return -ENODEV;
	x = msix_find(bus, devfn);
	/* As Xen: preparing counts as a table user, and only that one user may release. */
	if (release) {
		if (!x || !x->prepared || x->used_entries)
			return -EBUSY;
		x->prepared = false;
		msix_release(x);
		return 0;
	}
	if (x)
		return -EBUSY;
	if (!memory_decoded(bus, devfn))
		return -ENXIO;
	rc = msix_get(bus, devfn, pos, &x);
	if (!rc)
		x->prepared = true;
	return rc;
}

/* ---- dom0's configuration writes and mappings. */

static const struct msi_desc *msi_first(u8 bus, u8 devfn)
{
	for (unsigned int d = 0; d < MSI_MAX_DESCS; d++) {
		const struct msi_desc *m = &msi.desc[d];

		if (m->used && !m->msix && m->bus == bus && m->devfn == devfn)
			return m;
	}
	return NULL;
}

/*
 * dom0 writes the per-vector mask register of @m's MSI: the vectors the
 * hypervisor keeps masked stay masked, and so do the bits no vector uses.
 */
static void msi_merge_mask(const struct msi_desc *m, u16 ctrl, u32 *val)
{
	unsigned int cap = 1u << ((ctrl >> MSI_CTRL_MMC_SHIFT) & 7);
	u32 unused = cap >= 32 ? ~0u : (1u << cap) - 1; /* the capability's vectors */

	for (unsigned int i = 0; i < m->nvec; i++) {
		unused &= ~(1u << i);
		if (m[i].masked)
			*val |= 1u << i;
	}
	*val |= unused;
}

bool msi_guest_conf_write(u8 bus, u8 devfn, unsigned int reg, unsigned int size, u32 *val)
{
	const struct msix_dev *x = msix_find(bus, devfn);
	const struct msi_desc *m;
	unsigned int pos, mpos;
	u16 ctrl;

	/* MSI-X in use: only the control word is dom0's (enable, mask-all). */
	if (x) {
		pos = x->pos;
		if (reg + size > pos && reg < pos + MSIX_PBA + 4)
			return reg == pos + MSIX_CTRL && size == 2;
	}
	/*
	 * MSI in use with per-vector masking (Xen's rule: an MSI without it is
	 * not guarded): the 16-bit control word and the 32-bit mask register
	 * are dom0's, the rest of the capability (the message) is not.
	 */
	m = msi_first(bus, devfn);
	if (!m)
		return true;
	pos = m->pos;
	ctrl = (u16)pci_conf_read(bus, devfn, pos + MSI_CTRL, 2);
	if (!(ctrl & MSI_CTRL_MASKBIT))
		return true;
	mpos = pos + msi_mask_reg(ctrl);
	if (reg < pos || reg >= mpos + 8)
		return true;
	if (reg == pos + MSI_CTRL)
		return size == 2;
	if (reg != mpos || size != 4)
		return false;
	msi_merge_mask(m, ctrl, val);
	return true;
}

static bool frame_in(u64 mfn, u64 pa, u64 len)
{
	return pa && mfn >= pa >> PAGE_SHIFT && mfn <= (pa + len - 1) >> PAGE_SHIFT;
}

bool msi_ro_frame(u64 mfn)
{
	for (unsigned int i = 0; i < MSIX_MAX_DEVS; i++) {
		const struct msix_dev *x = &msi.msix[i];

		if (!x->used || (!x->used_entries && !x->prepared))
			continue;
		if (frame_in(mfn, x->table_pa, (u64)x->nr_entries * MSIX_ENTRY_SIZE) ||
		    frame_in(mfn, x->pba_pa, ((x->nr_entries + 63) / 64) * 8))
			return true;
	}
	return false;
}

/* ---- Delivery. */

void msi_interrupt(unsigned int vector)
{
	int d = msi.by_vector[vector & 0xff] - 1;

	apic_eoi();
	if (d < 0) {
		printk(XENLOG_WARNING "MSI: interrupt on unused vector %#x\n", vector);
		return;
	}
	pirq_msi_interrupt(msi.desc[d].owner, msi.desc[d].pirq);
}

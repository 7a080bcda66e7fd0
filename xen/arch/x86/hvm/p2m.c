/*
 * The p2m of an HVM domain: a 4-level table mapping guest-physical frames to
 * machine frames, in one of two formats chosen once at boot by the backend.
 * NPT (AMD) uses the host's long-mode format: nested walks are user
 * accesses, so every level carries U; A and D are set up front so the walker
 * never writes the tables. EPT (Intel) has read/write/execute in bits 0-2
 * and, on a leaf, the memory type in bits 5:3 (write-back). In both, bit 0
 * says present and bits 51:12 hold the frame, and bit 1 allows writes. Only
 * RAM exists today, in 4 KiB leaves (no superpages): writable (Xen's p2m
 * type ram_rw) or, while log-dirty is on, write-protected until the guest's
 * first write to it in a pass (ram_logdirty: bit 11, which neither walker
 * reads, marks such an entry).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "hvm.h"
#include "logdirty.h"

#define NPT_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define NPT_RAM_FLAGS (NPT_TABLE_FLAGS | _PAGE_DIRTY)
#define EPT_TABLE_FLAGS 0x7UL /* read, write, execute */
#define EPT_RAM_FLAGS 0x37UL  /* the same, write-back */

#define P2M_WRITE (1UL << 1)	 /* NPT R/W, EPT write */
#define P2M_LOGDIRTY (1UL << 11) /* RAM write-protected for log-dirty (ram_logdirty) */

static u64 table_flags = NPT_TABLE_FLAGS, ram_flags = NPT_RAM_FLAGS;

void p2m_use_ept(void)
{
	table_flags = EPT_TABLE_FLAGS;
	ram_flags = EPT_RAM_FLAGS;
}

static u64 *new_table(void)
{
	return alloc_xenheap_pages(0); /* zeroed */
}

int p2m_init(struct domain *d)
{
	d->arch.hvm.p2m_root = new_table();
	return d->arch.hvm.p2m_root ? 0 : -ENOMEM;
}

paddr_t p2m_root_maddr(const struct domain *d)
{
	return virt_to_maddr(d->arch.hvm.p2m_root);
}

/* The next level under @table[@idx], made if @alloc; NULL if absent. */
static u64 *next_table(u64 *table, unsigned int idx, bool alloc)
{
	u64 *t;

	if (table[idx] & _PAGE_PRESENT)
		return maddr_to_virt(table[idx] & PTE_ADDR_MASK);
	if (!alloc)
		return NULL;
	t = new_table();
	if (t)
		table[idx] = virt_to_maddr(t) | table_flags;
	return t;
}

/* The level-1 entry of @gfn, NULL if a level is missing (and not made). */
static u64 *l1_entry(u64 *root, u64 gfn, bool alloc)
{
	u64 gpa = gfn << PAGE_SHIFT;
	u64 *t = root;

	t = t ? next_table(t, l4_index(gpa), alloc) : NULL;
	t = t ? next_table(t, l3_index(gpa), alloc) : NULL;
	t = t ? next_table(t, l2_index(gpa), alloc) : NULL;
	return t ? &t[l1_index(gpa)] : NULL;
}

/*
 * The level-1 entry of @gfn if its tables exist, else NULL: one load per
 * level, no call (every emulated instruction's fetch walks here 5 times).
 */
__hvm_hot static u64 *find_entry(const struct domain *d, u64 gfn)
{
	u64 gpa = gfn << PAGE_SHIFT;
	u64 *t = d->arch.hvm.p2m_root;

	if (!t || gfn >> (48 - PAGE_SHIFT))
		return NULL;
	for (unsigned int shift = L4_SHIFT; shift > PAGE_SHIFT; shift -= 9) {
		u64 e = t[(gpa >> shift) & 511];

		if (!(e & _PAGE_PRESENT))
			return NULL;
		t = maddr_to_virt(e & PTE_ADDR_MASK);
	}
	return &t[l1_index(gpa)];
}

int p2m_set_entry(struct domain *d, u64 gfn, mfn_t mfn)
{
	u64 *e;

	if (gfn >> (48 - PAGE_SHIFT))
		return -EINVAL;
	e = l1_entry(d->arch.hvm.p2m_root, gfn, true);
	if (!e)
		return -ENOMEM;
	if (*e & _PAGE_PRESENT)
		d->arch.hvm.p2m_changes++; /* cached translations may be stale */
	*e = (mfn << PAGE_SHIFT) | ram_flags;
	return 0;
}

void p2m_clear_entry(struct domain *d, u64 gfn)
{
	u64 *e = find_entry(d, gfn);

	if (e && (*e & _PAGE_PRESENT)) {
		*e = 0;
		d->arch.hvm.p2m_changes++; /* cached translations may be stale */
	}
}

__hvm_hot mfn_t p2m_lookup(const struct domain *d, u64 gfn)
{
	const u64 *e = find_entry(d, gfn);

	if (!e || !(*e & _PAGE_PRESENT))
		return INVALID_MFN;
	return (*e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

/* ---- Log-dirty: RAM entries write-protected, made writable again at the first write. */

static bool protect(u64 *e)
{
	if (!(*e & P2M_WRITE))
		return false;
	*e = (*e & ~P2M_WRITE) | P2M_LOGDIRTY;
	return true;
}

static bool unprotect(u64 *e)
{
	if (!(*e & P2M_LOGDIRTY))
		return false;
	*e = (*e | P2M_WRITE) & ~P2M_LOGDIRTY;
	return true;
}

/* @change on every present leaf below @table at @level (4 = the root): how many it changed. */
static u64 each_leaf(u64 *table, unsigned int level, bool (*change)(u64 *e))
{
	u64 n = 0;

	for (unsigned int i = 0; i < 512; i++) {
		if (!(table[i] & _PAGE_PRESENT))
			continue;
		if (level > 1)
			n += each_leaf(maddr_to_virt(table[i] & PTE_ADDR_MASK), level - 1, change);
		else
			n += change(&table[i]);
	}
	return n;
}

void p2m_logdirty_protect(struct domain *d)
{
	if (!d->arch.hvm.p2m_root || !each_leaf(d->arch.hvm.p2m_root, 4, protect))
		return;
	d->arch.hvm.p2m_changes++; /* no vCPU may write through a cached writable entry */
	hvm_p2m_sync_cpus(d);
}

void p2m_logdirty_restore(struct domain *d)
{
	/* Only permissions are added: no flush (p2m_logdirty_fault takes a stale fault). */
	if (d->arch.hvm.p2m_root)
		each_leaf(d->arch.hvm.p2m_root, 4, unprotect);
}

__hvm_warm bool p2m_logdirty_fault(struct domain *d, u64 gpa)
{
	u64 *e = find_entry(d, gpa >> PAGE_SHIFT);

	if (!e || !(*e & _PAGE_PRESENT))
		return false;
	if (unprotect(e))
		logdirty_mark(&d->logdirty, gpa >> PAGE_SHIFT, true);
	/* Writable already: a translation cached before OFF faulted, and the write runs again. */
	return *e & P2M_WRITE;
}

/* Free the tables below @table at @level (4 = the root); leaf frames are the domain's. */
static void free_tables(u64 *table, unsigned int level)
{
	for (unsigned int i = 0; level > 1 && i < 512; i++)
		if (table[i] & _PAGE_PRESENT)
			free_tables(maddr_to_virt(table[i] & PTE_ADDR_MASK), level - 1);
	free_xenheap_pages(table, 0);
}

void p2m_destroy(struct domain *d)
{
	if (d->arch.hvm.p2m_root)
		free_tables(d->arch.hvm.p2m_root, 4);
	d->arch.hvm.p2m_root = NULL;
}

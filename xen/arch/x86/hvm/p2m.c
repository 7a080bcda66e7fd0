/*
 * The p2m of an HVM domain: a 4-level table mapping guest-physical frames to
 * machine frames, in one of two formats chosen once at boot by the backend.
 * NPT (AMD) uses the host's long-mode format: nested walks are user
 * accesses, so every level carries U; A and D are set up front so the walker
 * never writes the tables. EPT (Intel) has read/write/execute in bits 0-2
 * and, on a leaf, the memory type in bits 5:3 (write-back). In both, bit 0
 * says present and bits 51:12 hold the frame. Only RAM (p2m type 0, ram_rw)
 * exists today.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "hvm.h"

#define NPT_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define NPT_RAM_FLAGS (NPT_TABLE_FLAGS | _PAGE_DIRTY)
#define EPT_TABLE_FLAGS 0x7UL /* read, write, execute */
#define EPT_RAM_FLAGS 0x37UL  /* the same, write-back */

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
	u64 *e = gfn >> (48 - PAGE_SHIFT) ? NULL : l1_entry(d->arch.hvm.p2m_root, gfn, false);

	if (e && (*e & _PAGE_PRESENT)) {
		*e = 0;
		d->arch.hvm.p2m_changes++; /* cached translations may be stale */
	}
}

mfn_t p2m_lookup(const struct domain *d, u64 gfn)
{
	const u64 *e;

	if (gfn >> (48 - PAGE_SHIFT))
		return INVALID_MFN;
	e = l1_entry(d->arch.hvm.p2m_root, gfn, false);
	if (!e || !(*e & _PAGE_PRESENT))
		return INVALID_MFN;
	return (*e & PTE_ADDR_MASK) >> PAGE_SHIFT;
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

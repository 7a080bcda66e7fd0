/*
 * set_gdt and update_descriptor. GDT frames take the seg_desc type, which
 * keeps every guest mapping of them read-only; the first type reference
 * checks all 512 descriptors (check_descriptor fixes DPLs in place).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "desc.h"
#include "domain.h"
#include "uaccess.h"
#include "pv_desc.h"

/* Take a seg_desc type reference on @mfn, validating its contents first. */
static int get_seg_desc_frame(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;
	u64 *descs;

	if (!mfn_owned_by(mfn, d))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (pg->type_count && pg->type != PGT_seg_desc_page)
		return -EINVAL;
	if (!pg->type_count) {
		descs = mfn_to_virt(mfn);
		for (unsigned int i = 0; i < 512; i++)
			if (!check_descriptor(&descs[i]))
				return -EINVAL;
	}
	if (!get_page_type(pg, PGT_seg_desc_page))
		return -EINVAL;
	pg->flags |= PGC_validated;
	return 0;
}

/* Only the running vCPU's GDT is in this CPU's GDT; others are mapped when switched in. */
static void map_gdt_frame(const struct vcpu *v, unsigned int i, mfn_t mfn)
{
	if (v == current)
		gdt_map_guest_frame(i, mfn);
}

static void release_gdt(struct vcpu *v)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(v->arch.pv.gdt_frames); i++) {
		if (v->arch.pv.gdt_frames[i])
			put_page_type(mfn_to_page(v->arch.pv.gdt_frames[i]));
		v->arch.pv.gdt_frames[i] = 0;
		map_gdt_frame(v, i, 0);
	}
	v->arch.pv.gdt_ents = 0;
}

long do_set_gdt(unsigned long frame_list, unsigned long entries)
{
	unsigned long frames[GDT_GUEST_FRAMES];
	unsigned int nr = (unsigned int)((entries + 511) / 512);

	if (entries > MAX_GUEST_GDT_ENTRIES)
		return -EINVAL;
	if (nr && copy_from_guest(frames, frame_list, nr * sizeof(frames[0])))
		return -EFAULT;
	return pv_set_gdt(current, frames, (unsigned int)entries);
}

int pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries)
{
	unsigned int nr = (entries + 511) / 512, i;
	int rc = 0;

	if (entries > MAX_GUEST_GDT_ENTRIES)
		return -EINVAL;
	for (i = 0; i < nr && !rc; i++)
		rc = get_seg_desc_frame(v->domain, frames[i]);
	if (rc) {
		while (--i > 0)
			put_page_type(mfn_to_page(frames[i - 1]));
		return rc;
	}
	release_gdt(v);
	for (i = 0; i < nr; i++) {
		v->arch.pv.gdt_frames[i] = frames[i];
		map_gdt_frame(v, i, frames[i]);
	}
	v->arch.pv.gdt_ents = entries;
	return 0;
}

long do_update_descriptor(unsigned long maddr, unsigned long desc)
{
	struct domain *d = current->domain;
	mfn_t mfn = maddr >> PAGE_SHIFT;
	struct page_info *pg;
	u64 val = desc;
	unsigned int type;

	if ((maddr & 7) || !mfn_owned_by(mfn, d) || !check_descriptor(&val))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	/* A descriptor page stays one; any other frame must be one we may write. */
	type = pg->type_count && pg->type == PGT_seg_desc_page ? PGT_seg_desc_page
							       : PGT_writable_page;
	if (!get_page_type(pg, type))
		return -EINVAL;
	*(u64 *)((u8 *)mfn_to_virt(mfn) + (maddr & (PAGE_SIZE - 1))) = val;
	put_page_type(pg);
	return 0;
}

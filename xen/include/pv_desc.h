/* Guest segment descriptors: Xen's checks, set_gdt and update_descriptor. */
#ifndef PETREL_PV_DESC_H
#define PETREL_PV_DESC_H

#include "types.h"

/*
 * Guest GDT frames, then Petrel's reserved page, in the per-domain area:
 * CPU n's GDT starts at GDT_VIRT_START + n * DESC_AREA_SIZE.
 */
#define GDT_VIRT_START PERDOMAIN_VIRT_START
#define DESC_AREA_SIZE (32 * PAGE_SIZE)
#define GDT_GUEST_FRAMES 14
#define MAX_GUEST_GDT_ENTRIES (GDT_GUEST_FRAMES * 512)
/* The guest's LDT (up to 16 frames) right after the GDT's 16 pages (per CPU too). */
#define LDT_VIRT_START (PERDOMAIN_VIRT_START + 16 * PAGE_SIZE)
#define LDT_MAX_FRAMES 16

/*
 * Check (and fix up) one 8-byte descriptor a 64-bit PV guest wants in its
 * GDT or LDT: not-present and type-0 entries pass; code/data get DPL 3;
 * call gates must target a valid guest code selector and get DPL 0 (so
 * their use faults and can be emulated); every other system descriptor is
 * refused. Returns false to refuse.
 */
bool check_descriptor(u64 *desc);
struct vcpu;
/* Give @v the GDT in @frames (validated as descriptor pages): 0 or -EINVAL. */
int pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries);
/* Does @sel name a code segment a 64-bit PV guest may use as a gate target? */
bool guest_gate_selector_okay(u16 sel);

#endif

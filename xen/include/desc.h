/* Segments and descriptor tables, laid out as Xen lays out its own. */
#ifndef PETREL_DESC_H
#define PETREL_DESC_H

#ifndef __ASSEMBLER__
#include "public/xen.h"
#endif

/* Xen's reserved GDT entries start at byte 0xe000 (entry 7168). */
#ifndef FIRST_RESERVED_GDT_PAGE
#define FIRST_RESERVED_GDT_PAGE 14
#endif
#ifndef FIRST_RESERVED_GDT_ENTRY
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_PAGE * 512)
#endif
#define GDT_ENTRIES (FIRST_RESERVED_GDT_ENTRY + 16)

#define __HYPERVISOR_CS 0xe008
#define __HYPERVISOR_DS 0xe010
#define __HYPERVISOR_CS32 0xe018
#ifndef FLAT_RING3_CS32
#define FLAT_RING3_CS32 0xe023
#endif
#ifndef FLAT_RING3_DS32
#define FLAT_RING3_DS32 0xe02b
#endif
#ifndef FLAT_RING3_CS64
#define FLAT_RING3_CS64 0xe033
#endif
#ifndef FLAT_RING3_SS64
#define FLAT_RING3_SS64 0xe02b
#endif
#define TSS_SELECTOR 0xe040
#define LDT_SELECTOR 0xe050

#ifndef FLAT_KERNEL_CS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#endif
#ifndef FLAT_KERNEL_SS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#endif
#ifndef FLAT_KERNEL_DS64
#define FLAT_KERNEL_DS64 0
#endif
#ifndef FLAT_USER_CS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#endif
#ifndef FLAT_USER_SS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#endif

/* IST slots */
#define IST_DF 1
#define IST_NMI 2
#define IST_MCE 3

#ifndef __ASSEMBLER__
#include "types.h"

struct tss64 {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed __aligned(128);

/* Point this CPU's guest GDT page @i at @mfn (0: the zero page). */
void gdt_map_guest_frame(unsigned int i, u64 mfn);
/* Map @n LDT frames (0: none) in this CPU's LDT area and load the LDT register. */
void ldt_load(const u64 *mfns, unsigned int n, unsigned int ents);

/* Build @cpu's GDT and TSS (IST stacks in its stack block @stack); 0 or -ENOMEM. */
int desc_prepare_cpu(unsigned int cpu, void *stack);
/* Load this CPU's GDT, data segments and TSS. */
void desc_load(void);
/* Build the IDT (once) / load it on this CPU. */
void idt_init(void);
void idt_load(void);
/*
 * Load this CPU's IDT with its IST stacks (@on) or without them. A CPU that
 * holds an SVM guest's TR (hvm/svm) must not use them: they would be read
 * from the guest's TSS. NMI, #DF and #MC then run on the hypervisor stack
 * they interrupt; no guest code runs on that CPU meanwhile.
 */
void idt_use_ist(bool on);
#endif

#endif

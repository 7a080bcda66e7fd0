/*
 * Petrel public ABI: ELF note types of a Xen-aware guest kernel
 * (Xen 4.17 numbers).  The notes live in a PT_NOTE segment (or a
 * .note.Xen section) with owner name "Xen".  Numeric notes hold a 4- or
 * 8-byte value; string notes are NUL-terminated.
 */
#ifndef __XEN_PUBLIC_ELFNOTE_H__
#define __XEN_PUBLIC_ELFNOTE_H__

#define XEN_ELFNOTE_INFO 0		  /* reserved, no content */
#define XEN_ELFNOTE_ENTRY 1		  /* number: virtual entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2	  /* number: VA of the page to fill with stubs */
#define XEN_ELFNOTE_VIRT_BASE 3		  /* number: virtual base of the image */
#define XEN_ELFNOTE_PADDR_OFFSET 4	  /* number: subtracted from p_paddr + VIRT_BASE */
#define XEN_ELFNOTE_XEN_VERSION 5	  /* string: must be "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS 6		  /* string: e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION 7	  /* string */
#define XEN_ELFNOTE_LOADER 8		  /* string: "generic" */
#define XEN_ELFNOTE_PAE_MODE 9		  /* string: "yes", "no", "bimodal" (32-bit only) */
#define XEN_ELFNOTE_FEATURES 10		  /* string: '|'-separated XENFEAT names, '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB 11	  /* string: "yes" to load the symbol table */
#define XEN_ELFNOTE_HV_START_LOW 12	  /* number: lowest hypervisor VA (32-bit only) */
#define XEN_ELFNOTE_L1_MFN_VALID 13	  /* number pair: mask and value of a valid L1 MFN */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14	  /* number: guest copes with a cancelled suspend */
#define XEN_ELFNOTE_INIT_P2M 15		  /* number: VA at which to map the initial p2m list */
#define XEN_ELFNOTE_MOD_START_PFN 16	  /* number: 1 = pass the initrd as an unmapped PFN */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* bitmap of XENFEAT_* the kernel supports */
#define XEN_ELFNOTE_PHYS32_ENTRY 18	  /* number: 32-bit physical PVH entry point */

#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_ENTRY

/* Notes in crash dumps and in the dom0 core file format. */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001
#define XEN_ELFNOTE_CRASH_REGS 0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif /* __XEN_PUBLIC_ELFNOTE_H__ */

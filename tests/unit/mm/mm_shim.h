/* Host stand-ins for the PV MMU's hypervisor hooks (see mm_shim.c). */
#ifndef PETREL_TEST_MM_SHIM_H
#define PETREL_TEST_MM_SHIM_H

#include "types.h"
#include "page.h"
#include "mm.h"
#include "domain.h"

#define SHIM_FRAMES 64 /* frames 0..63 exist; anything above is I/O space */
#define SHIM_IO_LOW 2  /* frames 0 and 1, left unowned, stand for the low-MiB I/O range */
#define SHIM_IO_DENIED 1000 /* an I/O frame beyond the table that even dom0 may not map */

extern pte_t shim_xen_l4[PT_ENTRIES];
extern u64 shim_m2p[SHIM_FRAMES];
extern mfn_t shim_m2p_mfn;
extern unsigned int shim_flushes, shim_invlpgs, shim_cr3_loads, shim_wbinvds, shim_remote_flushes;
extern unsigned int shim_released; /* pv_frame_released calls */
extern mfn_t shim_cr3; /* what CR3 would hold (a shadow under log-dirty) */
extern unsigned int shim_cr3_reloads; /* pv_reload_cr3s calls */
extern bool shim_no_shadow_frames; /* pv_alloc_shadow_frame fails */
extern u64 shim_invlpg_va;
/* copy_{from,to}_guest fail (-EFAULT) on any byte in [fault_va, fault_va + len). */
extern u64 shim_fault_va, shim_fault_len;

void shim_mm_reset(void);
void shim_mm_free(void);

#endif

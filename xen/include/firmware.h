/* XENPF_firmware_info and XENPF_efi_runtime_call (arch/x86/firmware.c). */
#ifndef PETREL_FIRMWARE_H
#define PETREL_FIRMWARE_H

#include "types.h"

struct boot_info;
struct bi_efi;
union xenpf_efi_info;
struct xenpf_firmware_info;

/* XEN_FW_EFI_INFO subfunction @idx from what the boot path recorded. */
int efi_get_info(const struct boot_info *bi, u32 idx, union xenpf_efi_info *info);
/* XEN_FW_EFI_MEM_INFO: the descriptor holding info->mem.addr. */
int efi_mem_lookup(const struct bi_efi *e, union xenpf_efi_info *info);
/* The whole request; the guest's platform op is at @op_va. */
long firmware_info(u64 op_va, struct xenpf_firmware_info *fi);
/* No EFI runtime services are offered. */
long efi_runtime_call(void);

#endif

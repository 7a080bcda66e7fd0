/*
 * XENPF_firmware_info and XENPF_efi_runtime_call: what the boot path learnt
 * from the firmware, handed to the control domain.
 *
 * Under EFI (petrel.efi) dom0 gets the system table's facts, the address of
 * the configuration table array (where Linux finds the ACPI RSDP and SMBIOS)
 * and lookups in the firmware's final memory map. Petrel does not call EFI
 * runtime services after boot, so it answers as Xen does when booted with
 * efi=no-rs: no runtime services version, runtime calls -EOPNOTSUPP.
 * Without EFI the EFI requests fail with -ENOSYS, as on Xen.
 *
 * Petrel makes no BIOS calls, so there are no EDD disk records, MBR
 * signatures or VBE DDC (EDID) data: those requests find nothing (-ESRCH).
 * The keyboard shift state is the BIOS data area's byte under multiboot
 * and 0 under EFI.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "uaccess.h"
#include "setup.h"
#include "boot_info.h"
#include "firmware.h"
#include "public/platform.h"

#define EFI_PAGE_SHIFT 12

static bool booted_by_efi(const struct boot_info *bi)
{
	return bi->loader == BOOT_EFI && bi->efi.systab;
}

/* Copy the firmware vendor string into the guest's buffer, as far as it goes. */
static int efi_vendor(const struct bi_efi *e, union xenpf_efi_info *info)
{
	u64 buf = (u64)info->vendor.name.p;
	size_t n = info->vendor.bufsz / sizeof(e->vendor[0]), len;

	info->vendor.revision = e->fw_revision;
	for (len = 0; len < BI_EFI_VENDOR_MAX - 1 && e->vendor[len]; len++)
		;
	/* the terminating NUL goes too when the buffer has room for it */
	if (n > len + 1)
		n = len + 1;
	if (n && copy_to_guest(buf, e->vendor, n * sizeof(e->vendor[0])))
		return -EFAULT;
	return 0;
}

int efi_mem_lookup(const struct bi_efi *e, union xenpf_efi_info *info)
{
	u64 addr = info->mem.addr;
	u32 i;

	for (i = 0; i < e->nr_md; i++) {
		const struct bi_efi_md *md = &e->md[i];
		u64 end = md->phys + (md->pages << EFI_PAGE_SHIFT);

		if (addr < md->phys || addr >= end)
			continue;
		info->mem.type = md->type;
		info->mem.attr = md->attr;
		/* the size asked for, cut at the descriptor's end */
		if (addr + info->mem.size < addr || addr + info->mem.size > end)
			info->mem.size = end - addr;
		return 0;
	}
	return -ESRCH;
}

int efi_get_info(const struct boot_info *bi, u32 idx, union xenpf_efi_info *info)
{
	const struct bi_efi *e = &bi->efi;

	if (!booted_by_efi(bi))
		return -ENOSYS;
	switch (idx) {
	case XEN_FW_EFI_VERSION:
		info->version = e->version;
		return 0;
	case XEN_FW_EFI_RT_VERSION:
		return -EOPNOTSUPP; /* no runtime services */
	case XEN_FW_EFI_CONFIG_TABLE:
		info->cfg.addr = e->config_table;
		info->cfg.nent = e->nr_config;
		return 0;
	case XEN_FW_EFI_VENDOR:
		return efi_vendor(e, info);
	case XEN_FW_EFI_MEM_INFO:
		return efi_mem_lookup(e, info);
	case XEN_FW_EFI_PCI_ROM:
		return -ESRCH; /* no option ROM images kept */
	case XEN_FW_EFI_APPLE_PROPERTIES:
		return -ENODATA;
	default:
		return -EINVAL;
	}
}

/*
 * @fi is the guest's request, already copied in; on success the answer is
 * copied back to the union member it concerns in the guest's op at @op_va.
 */
long firmware_info(u64 op_va, struct xenpf_firmware_info *fi)
{
	u64 field = op_va + offsetof(struct xen_platform_op, u.firmware_info.u);
	int rc;

	switch (fi->type) {
	case XEN_FW_DISK_INFO:
	case XEN_FW_DISK_MBR_SIGNATURE:
	case XEN_FW_VBEDDC_INFO:
		return -ESRCH;
	case XEN_FW_EFI_INFO:
		rc = efi_get_info(&bootinfo, fi->index, &fi->u.efi_info);
		if (!rc && copy_to_guest(field, &fi->u.efi_info, sizeof(fi->u.efi_info)))
			rc = -EFAULT;
		return rc;
	case XEN_FW_KBD_SHIFT_FLAGS:
		if (fi->index != 0)
			return -ESRCH;
		fi->u.kbd_shift_flags = (u8)bootinfo.kbd_shift_flags;
		if (copy_to_guest(field, &fi->u.kbd_shift_flags, sizeof(fi->u.kbd_shift_flags)))
			return -EFAULT;
		return 0;
	default:
		return -EINVAL;
	}
}

long efi_runtime_call(void)
{
	return booted_by_efi(&bootinfo) ? -EOPNOTSUPP : -ENOSYS;
}

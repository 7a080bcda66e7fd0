/*
 * XENPF_firmware_info: xen/arch/x86/firmware.c (included below) answering
 * from a boot_info filled as petrel.efi and the multiboot path fill it.
 * Guest memory is host memory here; the address BAD_VA faults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define strtoul petrel_strtoul
#define strlcpy petrel_strlcpy
#define sort petrel_sort
#define parse_size petrel_parse_size
#include "../../xen/arch/x86/firmware.c"

#define BAD_VA 0x1000UL

struct boot_info bootinfo;

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (dst_va >= BAD_VA && dst_va < BAD_VA + 0x1000)
		return -EFAULT;
	memcpy((void *)dst_va, src, len);
	return 0;
}

static const u16 vendor[] = { 'E', 'D', 'K', ' ', 'I', 'I', 0 };

static void boot_efi(void)
{
	struct bi_efi *e = &bootinfo.efi;

	memset(&bootinfo, 0, sizeof(bootinfo));
	bootinfo.loader = BOOT_EFI;
	e->systab = 0x7f9ee018;
	e->config_table = 0x7f9eef18;
	e->nr_config = 11;
	e->version = (2 << 16) | 70;
	e->fw_revision = 0x10000;
	memcpy(e->vendor, vendor, sizeof(vendor));
	e->md[0] = (struct bi_efi_md){ .type = 7, .phys = 0, .pages = 0xa0, .attr = 0xf };
	e->md[1] = (struct bi_efi_md){ .type = 9, .phys = 0x7f76d000, .pages = 0x12, .attr = 0xf };
	e->md[2] = (struct bi_efi_md){
		.type = 6, .phys = 0x7f77f000, .pages = 0x80, .attr = 0x800000000000000fULL
	};
	e->nr_md = 3;
}

static long request(struct xen_platform_op *op, u32 type, u32 index)
{
	memset(op, 0, sizeof(*op));
	op->cmd = XENPF_firmware_info;
	op->u.firmware_info.type = type;
	op->u.firmware_info.index = index;
	return 0;
}

/* The op as the guest sent it, answered in place as the hypercall would. */
static long ask(struct xen_platform_op *op)
{
	struct xenpf_firmware_info in = op->u.firmware_info;

	return firmware_info((u64)op, &in);
}

static void test_not_efi(void **state)
{
	struct xen_platform_op op;
	u32 idx;

	(void)state;
	memset(&bootinfo, 0, sizeof(bootinfo));
	bootinfo.loader = BOOT_MULTIBOOT2;
	bootinfo.kbd_shift_flags = 0x20;
	for (idx = 0; idx <= XEN_FW_EFI_APPLE_PROPERTIES + 1; idx++) {
		request(&op, XEN_FW_EFI_INFO, idx);
		assert_int_equal(ask(&op), -ENOSYS);
	}
	assert_int_equal(efi_runtime_call(), -ENOSYS);
	request(&op, XEN_FW_KBD_SHIFT_FLAGS, 0);
	assert_int_equal(ask(&op), 0);
	assert_int_equal(op.u.firmware_info.u.kbd_shift_flags, 0x20);
	request(&op, XEN_FW_KBD_SHIFT_FLAGS, 1);
	assert_int_equal(ask(&op), -ESRCH);
	request(&op, XEN_FW_DISK_INFO, 0);
	assert_int_equal(ask(&op), -ESRCH);
	request(&op, XEN_FW_DISK_MBR_SIGNATURE, 0);
	assert_int_equal(ask(&op), -ESRCH);
	request(&op, XEN_FW_VBEDDC_INFO, 0);
	assert_int_equal(ask(&op), -ESRCH);
	request(&op, 0, 0);
	assert_int_equal(ask(&op), -EINVAL);
	request(&op, 99, 0);
	assert_int_equal(ask(&op), -EINVAL);
}

static void test_efi_tables(void **state)
{
	struct xen_platform_op op;
	union xenpf_efi_info *info = &op.u.firmware_info.u.efi_info;

	(void)state;
	boot_efi();
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_CONFIG_TABLE);
	assert_int_equal(ask(&op), 0);
	assert_int_equal(info->cfg.addr, 0x7f9eef18);
	assert_int_equal(info->cfg.nent, 11);
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VERSION);
	assert_int_equal(ask(&op), 0);
	assert_int_equal(info->version, (2 << 16) | 70);
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_RT_VERSION);
	assert_int_equal(ask(&op), -EOPNOTSUPP);
	assert_int_equal(efi_runtime_call(), -EOPNOTSUPP);
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_PCI_ROM);
	assert_int_equal(ask(&op), -ESRCH);
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_APPLE_PROPERTIES);
	assert_int_equal(ask(&op), -ENODATA);
	request(&op, XEN_FW_EFI_INFO, 7);
	assert_int_equal(ask(&op), -EINVAL);
	request(&op, XEN_FW_KBD_SHIFT_FLAGS, 0);
	op.u.firmware_info.u.kbd_shift_flags = 0xff;
	assert_int_equal(ask(&op), 0);
	assert_int_equal(op.u.firmware_info.u.kbd_shift_flags, 0);
	/* the answer to an op the guest cannot be written back to */
	assert_int_equal(firmware_info(BAD_VA, &op.u.firmware_info), -EFAULT);
}

static void test_efi_vendor(void **state)
{
	struct xen_platform_op op;
	union xenpf_efi_info *info = &op.u.firmware_info.u.efi_info;
	u16 buf[16];

	(void)state;
	boot_efi();
	memset(buf, 0xff, sizeof(buf));
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VENDOR);
	info->vendor.bufsz = sizeof(buf);
	info->vendor.name.p = buf;
	assert_int_equal(ask(&op), 0);
	assert_int_equal(info->vendor.revision, 0x10000);
	assert_memory_equal(buf, vendor, sizeof(vendor));
	assert_int_equal(buf[7], 0xffff); /* nothing past the NUL */
	/* a short buffer gets what fits, without a NUL */
	memset(buf, 0xff, sizeof(buf));
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VENDOR);
	info->vendor.bufsz = 3 * sizeof(u16) + 1;
	info->vendor.name.p = buf;
	assert_int_equal(ask(&op), 0);
	assert_memory_equal(buf, vendor, 3 * sizeof(u16));
	assert_int_equal(buf[3], 0xffff);
	/* no buffer at all: only the revision */
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VENDOR);
	info->vendor.name.p = (void *)BAD_VA;
	assert_int_equal(ask(&op), 0);
	assert_int_equal(info->vendor.revision, 0x10000);
	request(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VENDOR);
	info->vendor.bufsz = sizeof(buf);
	info->vendor.name.p = (void *)BAD_VA;
	assert_int_equal(ask(&op), -EFAULT);
}

static long mem_info(struct xen_platform_op *op, u64 addr, u64 size)
{
	request(op, XEN_FW_EFI_INFO, XEN_FW_EFI_MEM_INFO);
	op->u.firmware_info.u.efi_info.mem.addr = addr;
	op->u.firmware_info.u.efi_info.mem.size = size;
	return ask(op);
}

static void test_efi_mem_info(void **state)
{
	struct xen_platform_op op;
	union xenpf_efi_info *info = &op.u.firmware_info.u.efi_info;

	(void)state;
	boot_efi();
	/* the RSDP's page: ACPI reclaim, the rest of the descriptor */
	assert_int_equal(mem_info(&op, 0x7f77e014, ~0ULL - 0x7f77e014), 0);
	assert_int_equal(info->mem.type, 9);
	assert_int_equal(info->mem.attr, 0xf);
	assert_int_equal(info->mem.addr, 0x7f77e014);
	assert_int_equal(info->mem.size, 0x7f77f000 - 0x7f77e014);
	/* a size inside the descriptor is kept */
	assert_int_equal(mem_info(&op, 0x7f780000, 0x1000), 0);
	assert_int_equal(info->mem.type, 6);
	assert_int_equal(info->mem.attr, 0x800000000000000fULL);
	assert_int_equal(info->mem.size, 0x1000);
	/* a size that wraps around is cut at the descriptor's end */
	assert_int_equal(mem_info(&op, 0x10, ~0ULL), 0);
	assert_int_equal(info->mem.type, 7);
	assert_int_equal(info->mem.size, 0xa0000 - 0x10);
	/* the first byte past a descriptor, and a hole */
	assert_int_equal(mem_info(&op, 0xa0000, 1), -ESRCH);
	assert_int_equal(mem_info(&op, 0x7f7ff000, 1), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_efi),
		cmocka_unit_test(test_efi_tables),
		cmocka_unit_test(test_efi_vendor),
		cmocka_unit_test(test_efi_mem_info),
	};

	return cmocka_run_group_tests_name("firmware", tests, NULL, NULL);
}

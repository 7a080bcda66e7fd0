/*
 * XENPF_firmware_info and XENPF_efi_runtime_call, on a machine with no
 * disks. Booted by multiboot from BIOS (Petrel and Xen): no EFI (its
 * requests -ENOSYS, runtime calls too), no EDD disk records, the keyboard
 * shift state for index 0 only, unknown types -EINVAL. Booted by petrel.efi
 * (test-guests-efi): the firmware's system table facts, a configuration
 * table the memory map lookup finds in firmware memory, no runtime services.
 */
#include "xtest.h"

#define HC_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_efi_runtime_call 49
#define XENPF_firmware_info 50
#define XEN_FW_DISK_INFO 1
#define XEN_FW_DISK_MBR_SIGNATURE 2
#define XEN_FW_VBEDDC_INFO 3
#define XEN_FW_EFI_INFO 4
#define XEN_FW_KBD_SHIFT_FLAGS 5
#define XEN_FW_EFI_VERSION 0
#define XEN_FW_EFI_CONFIG_TABLE 1
#define XEN_FW_EFI_VENDOR 2
#define XEN_FW_EFI_MEM_INFO 3
#define XEN_FW_EFI_RT_VERSION 4
#define XEN_FW_EFI_APPLE_PROPERTIES 6
#define XEN_EFI_get_time 1
#define EFI_CONVENTIONAL_MEMORY 7

struct platform_op {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t type, index;
			union {
				uint8_t kbd_shift_flags;
				uint32_t version;
				struct {
					uint64_t addr;
					uint32_t nent;
				} cfg;
				struct {
					uint32_t revision, bufsz;
					uint16_t *name;
				} vendor;
				struct {
					uint64_t addr, size, attr;
					uint32_t type;
				} mem;
			} u;
		} fw;
		struct {
			uint32_t function, misc;
		} rt;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct platform_op) == 136, "xen_platform_op is 136 bytes");

static void prepare(struct platform_op *op, uint32_t type, uint32_t index)
{
	for (unsigned int i = 0; i < sizeof(*op); i++)
		((volatile uint8_t *)op)[i] = 0x5a;
	op->cmd = XENPF_firmware_info;
	op->interface_version = XENPF_INTERFACE_VERSION;
	op->u.fw.type = type;
	op->u.fw.index = index;
}

static long platform_op(struct platform_op *op)
{
	return hypercall(HC_platform_op, (unsigned long)op, 0, 0, 0, 0);
}

static long fw_info(uint32_t type, uint32_t index, struct platform_op *op)
{
	prepare(op, type, index);
	return platform_op(op);
}

static long runtime_call(void)
{
	struct platform_op op;

	for (unsigned int i = 0; i < sizeof(op); i++)
		((volatile uint8_t *)&op)[i] = 0;
	op.cmd = XENPF_efi_runtime_call;
	op.interface_version = XENPF_INTERFACE_VERSION;
	op.u.rt.function = XEN_EFI_get_time;
	return platform_op(&op);
}

static void check_bios(void)
{
	struct platform_op op;
	long rc;

	for (uint32_t idx = 0; idx <= XEN_FW_EFI_APPLE_PROPERTIES + 1; idx++) {
		rc = fw_info(XEN_FW_EFI_INFO, idx, &op);
		xtest_check(rc == -38, "EFI info %u without EFI: rc %ld", idx, rc);
	}
	rc = runtime_call();
	xtest_check(rc == -38, "EFI runtime call without EFI: rc %ld", rc);
	/*
	 * VBE DDC index 0 differs by design: Xen asks the video BIOS for it
	 * in real mode at boot; Petrel makes no BIOS calls (-ESRCH). Printed.
	 */
	rc = fw_info(XEN_FW_VBEDDC_INFO, 0, &op);
	printk("VBE DDC index 0: rc %ld\n", rc);
}

static void check_efi(void)
{
	struct platform_op op;
	uint16_t vendor[32];
	uint64_t table;
	long rc;

	rc = fw_info(XEN_FW_EFI_INFO, XEN_FW_EFI_VERSION, &op);
	xtest_check(rc == 0 && op.u.fw.u.version >= (2u << 16), "EFI version: rc %ld, %#x", rc,
		    op.u.fw.u.version);
	rc = fw_info(XEN_FW_EFI_INFO, XEN_FW_EFI_CONFIG_TABLE, &op);
	table = op.u.fw.u.cfg.addr;
	xtest_check(rc == 0 && table && op.u.fw.u.cfg.nent >= 1 && op.u.fw.u.cfg.nent < 256,
		    "config table: rc %ld, %#lx x %u", rc, table, op.u.fw.u.cfg.nent);
	for (unsigned int i = 0; i < 32; i++)
		vendor[i] = 0xffff;
	prepare(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_VENDOR);
	op.u.fw.u.vendor.bufsz = sizeof(vendor);
	op.u.fw.u.vendor.name = vendor;
	rc = platform_op(&op);
	xtest_check(rc == 0 && vendor[0] && vendor[0] != 0xffff, "vendor: rc %ld, first %#x", rc,
		    vendor[0]);
	/* the configuration table lives in firmware memory the map describes */
	prepare(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_MEM_INFO);
	op.u.fw.u.mem.addr = table;
	op.u.fw.u.mem.size = ~0UL - table;
	rc = platform_op(&op);
	xtest_check(rc == 0 && op.u.fw.u.mem.size && op.u.fw.u.mem.size < ~0UL - table &&
			op.u.fw.u.mem.type != EFI_CONVENTIONAL_MEMORY,
		    "mem info at the config table: rc %ld, type %u, size %#lx", rc,
		    op.u.fw.u.mem.type, op.u.fw.u.mem.size);
	prepare(&op, XEN_FW_EFI_INFO, XEN_FW_EFI_MEM_INFO);
	op.u.fw.u.mem.addr = 0xfffffffffffff000UL;
	op.u.fw.u.mem.size = 1;
	rc = platform_op(&op);
	xtest_check(rc == -3, "mem info outside the map: rc %ld", rc);
	rc = fw_info(XEN_FW_EFI_INFO, XEN_FW_EFI_RT_VERSION, &op);
	xtest_check(rc == -95, "runtime services version: rc %ld", rc);
	rc = fw_info(XEN_FW_EFI_INFO, 99, &op);
	xtest_check(rc == -22, "EFI info 99: rc %ld", rc);
	rc = runtime_call();
	xtest_check(rc == -95, "EFI runtime call: rc %ld", rc);
	rc = fw_info(XEN_FW_VBEDDC_INFO, 0, &op);
	xtest_check(rc == -3, "VBE DDC index 0 under EFI: rc %ld", rc);
}

void test_main(void)
{
	struct platform_op op;
	long rc;

	if (fw_info(XEN_FW_EFI_INFO, XEN_FW_EFI_VERSION, &op) == 0)
		check_efi();
	else
		check_bios();

	rc = fw_info(XEN_FW_DISK_INFO, 0, &op);
	xtest_check(rc == -3, "disk info 0 with no disks: rc %ld", rc);
	rc = fw_info(XEN_FW_DISK_MBR_SIGNATURE, 0, &op);
	xtest_check(rc == -3, "MBR signature 0 with no disks: rc %ld", rc);
	rc = fw_info(XEN_FW_VBEDDC_INFO, 1, &op);
	xtest_check(rc == -3, "VBE DDC index 1: rc %ld", rc);
	rc = fw_info(XEN_FW_KBD_SHIFT_FLAGS, 0, &op);
	xtest_check(rc == 0, "keyboard shift flags: rc %ld", rc);
	/* only the answer's byte is written back */
	xtest_check(op.u.fw.type == XEN_FW_KBD_SHIFT_FLAGS && op.u.fw.index == 0 &&
			((uint8_t *)&op.u.fw.u)[1] == 0x5a,
		    "keyboard shift flags: more than the flags byte written");
	printk("keyboard shift flags %x\n", op.u.fw.u.kbd_shift_flags);
	rc = fw_info(XEN_FW_KBD_SHIFT_FLAGS, 1, &op);
	xtest_check(rc == -3, "keyboard shift flags index 1: rc %ld", rc);
	rc = fw_info(0, 0, &op);
	xtest_check(rc == -22, "firmware info type 0: rc %ld", rc);
	rc = fw_info(99, 0, &op);
	xtest_check(rc == -22, "firmware info type 99: rc %ld", rc);
}

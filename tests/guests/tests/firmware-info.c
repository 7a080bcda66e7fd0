/*
 * XENPF_firmware_info on a machine booted by multiboot from BIOS with no
 * disks: no EFI (its requests -ENOSYS, runtime calls too), no EDD disk
 * records, the keyboard shift state for index 0 only, unknown types -EINVAL.
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
#define XEN_FW_EFI_APPLE_PROPERTIES 6
#define XEN_EFI_get_time 1

struct platform_op {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t type, index;
			union {
				uint8_t kbd_shift_flags;
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

static long fw_info(uint32_t type, uint32_t index, struct platform_op *op)
{
	for (unsigned int i = 0; i < sizeof(*op); i++)
		((volatile uint8_t *)op)[i] = 0x5a;
	op->cmd = XENPF_firmware_info;
	op->interface_version = XENPF_INTERFACE_VERSION;
	op->u.fw.type = type;
	op->u.fw.index = index;
	return hypercall(HC_platform_op, (unsigned long)op, 0, 0, 0, 0);
}

void test_main(void)
{
	struct platform_op op;
	long rc;

	for (uint32_t idx = 0; idx <= XEN_FW_EFI_APPLE_PROPERTIES + 1; idx++) {
		rc = fw_info(XEN_FW_EFI_INFO, idx, &op);
		xtest_check(rc == -38, "EFI info %u without EFI: rc %ld", idx, rc);
	}
	for (unsigned int i = 0; i < sizeof(op); i++)
		((volatile uint8_t *)&op)[i] = 0;
	op.cmd = XENPF_efi_runtime_call;
	op.interface_version = XENPF_INTERFACE_VERSION;
	op.u.rt.function = XEN_EFI_get_time;
	rc = hypercall(HC_platform_op, (unsigned long)&op, 0, 0, 0, 0);
	xtest_check(rc == -38, "EFI runtime call without EFI: rc %ld", rc);

	rc = fw_info(XEN_FW_DISK_INFO, 0, &op);
	xtest_check(rc == -3, "disk info 0 with no disks: rc %ld", rc);
	rc = fw_info(XEN_FW_DISK_MBR_SIGNATURE, 0, &op);
	xtest_check(rc == -3, "MBR signature 0 with no disks: rc %ld", rc);
	rc = fw_info(XEN_FW_VBEDDC_INFO, 1, &op);
	xtest_check(rc == -3, "VBE DDC index 1: rc %ld", rc);
	/*
	 * Index 0 differs by design: Xen asks the video BIOS for DDC data in
	 * real mode at boot and has it here; Petrel makes no BIOS calls
	 * (-ESRCH). Printed, not checked.
	 */
	rc = fw_info(XEN_FW_VBEDDC_INFO, 0, &op);
	printk("VBE DDC index 0: rc %ld\n", rc);

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

/*
 * PVH boot of the initial domain: the start info ebx pointed at carries the
 * magic, the initial-domain flags, our command line, no modules, and (in a
 * version 1 start info) a memory map whose RAM holds this image, the same
 * map XENMEM_memory_map gives (without one there, that call's map has RAM
 * at 1 MiB).
 */
#include "xtest.h"
#include "hvm.h"

TEST_ARGS("hvm-start-info-args x=1");
TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

extern char _image_end[];

static void check_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *m = (void *)(unsigned long)si->memmap_paddr;
	bool covered = false;

	hvm_check_memory_map_op();
	if (si->version < 1 || !si->memmap_entries) {
		printk("start info version %u: no memory map (Xen gives dom0 XENMEM_memory_map)\n",
		       si->version);
		return;
	}
	for (unsigned int i = 0; i < si->memmap_entries; i++) {
		printk("memmap %u: %#lx + %#lx type %u\n", i, (unsigned long)m[i].addr,
		       (unsigned long)m[i].size, m[i].type);
		if (m[i].type == 1 && m[i].addr <= 0x100000 &&
		    m[i].addr + m[i].size >= (unsigned long)_image_end)
			covered = true;
	}
	xtest_check(covered, "no RAM entry covers the image at 0x100000-%p", _image_end);
}

void test_main(void)
{
	const struct hvm_start_info *si = hvm_start_info();
	const char *cmdline;

	xtest_check(si != NULL, "ebx held no start info address");
	if (!si)
		return;
	printk("start info at %p: magic %#x version %u flags %#x modules %u\n", (void *)si,
	       si->magic, si->version, si->flags, si->nr_modules);
	xtest_check(si->magic == HVM_START_MAGIC, "magic %#x", si->magic);
	xtest_check(si->version <= 1, "version %u", si->version);
	xtest_check((si->flags & 3) == 3, "flags %#x lack SIF_PRIVILEGED|SIF_INITDOMAIN",
		    si->flags);
	xtest_check(si->nr_modules == 0, "%u modules, none given", si->nr_modules);
	xtest_check(si->cmdline_paddr != 0, "no command line");
	cmdline = (const char *)(unsigned long)si->cmdline_paddr;
	if (si->cmdline_paddr) {
		printk("cmdline: \"%s\"\n", cmdline);
		xtest_check(strstr(cmdline, "hvm-start-info-args x=1") != NULL,
			    "command line \"%s\" lacks TEST_ARGS", cmdline);
	}
	check_memmap(si);
}

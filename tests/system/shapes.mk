# Dom0 on machines of many shapes, on Petrel and on Debian's Xen 4.17
# (tests/system/shapes.py): QEMU machine, RAM, dom0_mem, -cpu and firmware
# (multiboot or UEFI), each cell booted on both hypervisors with the smallest
# initramfs that reaches the Xen part of dom0 (tests/system/shapes/).
#   test-shapes           the slice: every value of every axis at least once
#                         (of the CPUs, smp1 and smp2-nosmp),
#                         7 cells x 2 hypervisors (in TEST_TARGETS; 14 min
#                         under TCG on 2 busy cores, two QEMUs at a time)
#   test-shapes-pairwise  every pair of values of any two axes (26 cells)
#   test-shapes-full      the whole cross product (1600 cells: hours)
#   SHAPES_ONLY=q35-4G-1G-EPYC-bios,...  only these cells
#   SHAPES_HV=petrel      one hypervisor only;  SHAPES_JOBS=2  QEMUs at once

SHAPES_INITRD := $(BUILD)/shapes/initramfs.cpio.gz
SHAPES_JOBS ?= 2
SHAPES_HV ?= petrel,xen
SHAPES_ONLY ?=
SHAPES_RUN = $(PYTHON) tests/system/shapes.py --jobs $(SHAPES_JOBS) --hv $(SHAPES_HV) \
	--out $(BUILD)/shapes/logs $(if $(SHAPES_ONLY),--only $(SHAPES_ONLY))
SHAPES_DEPS := $(SHAPES_INITRD) $(BUILD)/xen/petrel $(BUILD)/xen/petrel.efi $(XEN_REF)

TEST_TARGETS += test-shapes

.PHONY: test-shapes test-shapes-pairwise test-shapes-full

$(SHAPES_INITRD): tests/system/shapes/init tests/system/shapes/mkinitramfs.sh \
		$(BUILD)/dom0/initramfs.cpio.gz
	bash tests/system/shapes/mkinitramfs.sh $(BUILD)/dom0/initramfs-root $@

test-shapes: $(SHAPES_DEPS)
	@$(SHAPES_RUN) --set slice

test-shapes-pairwise: $(SHAPES_DEPS)
	@$(SHAPES_RUN) --set pairwise --timeout 900

test-shapes-full: $(SHAPES_DEPS)
	@$(SHAPES_RUN) --set full --timeout 900

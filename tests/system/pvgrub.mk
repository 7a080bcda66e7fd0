# PV GRUB as a domU's kernel (step xl-pvgrub of dom0_system_test.py):
# Debian's ready PV GRUB image (grub-xen-host's grub-x86_64-xen.bin, a PV
# kernel whose built-in config searches the guest's disks for
# /boot/grub/grub.cfg) boots, through blkfront, the kernel and initramfs that
# config names.  The disk (ext4 made by mkfs.ext4 -d, no root) holds
# tests/system/pvgrub/grub.cfg, dom0's kernel and a busybox initramfs whose
# /init (tests/system/pvgrub/init) prints PETREL-PVGRUB-READY and powers off.
# The image and the disk (about 12 MB) go into a dom0 image of their own,
# build/dom0-pvgrub.
#   dom0-image-pvgrub       build/dom0-pvgrub/{vmlinuz,initramfs.cpio.gz}
#   test-system-pvgrub      the step on Petrel
#   test-system-pvgrub-xen  the same on Debian's Xen 4.17
# Step xl-pvhgrub does the same with grub-xen-host's PVH image
# (grub-i386-xen_pvh.bin) as the kernel of a PVH domU (xl-pvhgrub.cfg), whose
# kernel must report guest type PVH:
#   test-system-pvhgrub      the step on Petrel
#   test-system-pvhgrub-xen  the same on Debian's Xen 4.17, under bookworm's
#                            QEMU 7.2 (QEMU72, system.mk: where Xen 4.17
#                            starts a PVH domU)
# (none in TEST_TARGETS: see docs/testing.md)

DOM0_PVGRUB := $(BUILD)/dom0-pvgrub
PVGRUB_SRC := tests/system/pvgrub
PVGRUB_WORK := $(DOM0_PVGRUB)/pv
PVGRUB_DEB := grub-xen-host=2.06-13+deb12u2
PVGRUB_DISK := $(PVGRUB_WORK)/pvgrub-disk.img
BUSYBOX ?= /bin/busybox

$(PVGRUB_WORK)/grub/.stamp: tests/system/pvgrub.mk
	@mkdir -p $(PVGRUB_WORK)/grub/debs
	@cd $(PVGRUB_WORK)/grub/debs && { ls grub-xen-host_*.deb >/dev/null 2>&1 || \
		apt-get download -q $(PVGRUB_DEB); }
	@bash tests/compat/fetch-debs.sh $(PVGRUB_WORK)/grub grub-xen-host
	@touch $@

# The disk: /boot/grub/grub.cfg, /boot/vmlinuz (dom0's bzImage) and
# /boot/initrd.gz (busybox and the /init above).
$(PVGRUB_DISK): $(BUILD)/dom0/initramfs.cpio.gz $(PVGRUB_SRC)/init $(PVGRUB_SRC)/grub.cfg \
		dom0-tools/initramfs/mkcpio.py tests/system/pvgrub.mk
	rm -rf $(PVGRUB_WORK)/initrd-root $(PVGRUB_WORK)/disk
	mkdir -p $(PVGRUB_WORK)/initrd-root/proc $(PVGRUB_WORK)/disk/boot/grub
	install -D -m 755 $(BUSYBOX) $(PVGRUB_WORK)/initrd-root/bin/busybox
	for a in $$($(BUSYBOX) --list-full); do mkdir -p $(PVGRUB_WORK)/initrd-root/$$(dirname $$a) && \
		{ [ -e $(PVGRUB_WORK)/initrd-root/$$a ] || \
		ln -s /bin/busybox $(PVGRUB_WORK)/initrd-root/$$a; } || exit 1; done
	install -m 755 $(PVGRUB_SRC)/init $(PVGRUB_WORK)/initrd-root/init
	$(PYTHON) dom0-tools/initramfs/mkcpio.py $(PVGRUB_WORK)/initrd-root \
		$(PVGRUB_WORK)/disk/boot/initrd.gz --node dev/console:600:c:5:1 --node dev/null:666:c:1:3
	cp -L $(BUILD)/dom0/vmlinuz $(PVGRUB_WORK)/disk/boot/vmlinuz
	install -m 644 $(PVGRUB_SRC)/grub.cfg $(PVGRUB_WORK)/disk/boot/grub/grub.cfg
	rm -f $@.tmp
	mkfs.ext4 -q -F -L pvgrub -d $(PVGRUB_WORK)/disk $@.tmp 24M
	mv $@.tmp $@

$(PVGRUB_WORK)/tree.stamp: $(PVGRUB_WORK)/grub/.stamp $(PVGRUB_DISK) $(PVGRUB_SRC)/xl-pvgrub.cfg \
		$(PVGRUB_SRC)/xl-pvhgrub.cfg
	rm -rf $(PVGRUB_WORK)/tree
	install -D -m 644 $(PVGRUB_WORK)/grub/root/usr/lib/grub-xen/grub-x86_64-xen.bin \
		$(PVGRUB_WORK)/tree/usr/lib/petrel-domu/pvgrub.bin
	install -D -m 644 $(PVGRUB_WORK)/grub/root/usr/lib/grub-xen/grub-i386-xen_pvh.bin \
		$(PVGRUB_WORK)/tree/usr/lib/petrel-domu/pvhgrub.bin
	install -D -m 644 $(PVGRUB_SRC)/xl-pvhgrub.cfg $(PVGRUB_WORK)/tree/etc/xl-pvhgrub.cfg
	install -D -m 644 $(PVGRUB_DISK) $(PVGRUB_WORK)/tree/usr/lib/petrel-domu/pvgrub-disk.img
	install -D -m 644 $(PVGRUB_SRC)/xl-pvgrub.cfg $(PVGRUB_WORK)/tree/etc/xl-pvgrub.cfg
	@touch $@

.PHONY: dom0-image-pvgrub test-system-pvgrub test-system-pvgrub-xen test-system-pvhgrub \
	test-system-pvhgrub-xen
dom0-image-pvgrub: $(DOM0_PVGRUB)/initramfs.cpio.gz

# The kernel package dom0-image downloaded is reused; no Linux domU files.
$(DOM0_PVGRUB)/initramfs.cpio.gz: $(DOM0_IMAGE_DEPS) $(PVGRUB_WORK)/tree.stamp \
		$(BUILD)/dom0/initramfs.cpio.gz
	mkdir -p $(DOM0_PVGRUB)/debs && cp -n $(BUILD)/dom0/debs/*.deb $(DOM0_PVGRUB)/debs/
	$(BUILD_DOM0) --suite stable --out $(DOM0_PVGRUB) --tree $(PVGRUB_WORK)/tree

PVGRUB_SYSTEM_ARGS := --kernel-dir $(DOM0_PVGRUB) --only xl-pvgrub --no-reboot

test-system-pvgrub: dom0-image-pvgrub $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(PVGRUB_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-pvgrub-serial.log

test-system-pvgrub-xen: dom0-image-pvgrub $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(PVGRUB_SYSTEM_ARGS) --log $(BUILD)/system/xen-pvgrub-serial.log

PVHGRUB_SYSTEM_ARGS := --kernel-dir $(DOM0_PVGRUB) --only xl-pvhgrub --no-reboot

test-system-pvhgrub: dom0-image-pvgrub $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(PVHGRUB_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-pvhgrub-serial.log

test-system-pvhgrub-xen: dom0-image-pvgrub $(XEN_REF) $(QEMU72)
	$(QEMU72_ENV) $(SYSTEM_TEST) --hv xen $(PVHGRUB_SYSTEM_ARGS) \
		--log $(BUILD)/system/xen-pvhgrub-serial.log

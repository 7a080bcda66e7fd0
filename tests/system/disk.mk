# PV disks that are not plain images on blkback (tests/system/disk_checks.py):
# a LUKS2 container opened in dom0 and given to the domU as
# phy:/dev/mapper/NAME, and a qcow2 image served by QEMU's qdisk backend.
# Their dom0 image, build/dom0-disk, is dom0-image plus dm-crypt and the
# kernel crypto modules cryptsetup uses, Debian's cryptsetup and qemu-img, and
# the device model of the HVM image (qemu-system-xen, tests/system/hvm.mk),
# which libxl starts as the qdisk backend of a PV domain (-machine xenpv).
#   dom0-image-disk           build/dom0-disk/{vmlinuz,initramfs.cpio.gz}
#   test-system-split-luks    step xl-luks (Debian's xl) and pxl-luks (pxl) on
#                             Petrel; -xen on Xen 4.17
#   test-system-split-qdisk   steps xl-qdisk (Debian's xl) and pxl-qdisk (pxl, which
#                             starts QEMU as libxl does) on Petrel; -xen on Xen 4.17
#   test-system-split-hotdisk steps xl-hotdisk and pxl-hotdisk: a phy: and a qdisk disk
#                             attached to a running Linux domU and detached, by each
#                             tool, on Petrel; -xen on Xen 4.17
# (none in TEST_TARGETS: each boots the Linux domU under nested TCG)

DOM0_DISK := $(BUILD)/dom0-disk
# dm-crypt's aes-xts-plain64 is xts over ecb(aes); cryptsetup reaches the
# kernel's ciphers and hashes through AF_ALG.
DISK_MODULES := dm-crypt xts ecb algif_skcipher algif_hash
DISK_DEBS := cryptsetup-bin libcryptsetup12 libargon2-1 libdevmapper1.02.1 libjson-c5 libssl3 \
	libblkid1 libuuid1 libpopt0 libselinux1 libpcre2-8-0 libudev1 \
	qemu-utils libaio1 libfuse3-3 libglib2.0-0 libgmp10 libgnutls30 libhogweed6 libnettle8 \
	libnuma1 liburing2 libzstd1 zlib1g libidn2-0 libp11-kit0 libtasn1-6 libunistring2 libffi8

$(DOM0_DISK)/pkgs/.stamp: tests/system/disk.mk
	@bash tests/compat/fetch-debs.sh $(DOM0_DISK)/pkgs $(DISK_DEBS)
	@touch $@

$(DOM0_DISK)/tree.stamp: dom0-tools/initramfs/stage-xl.py $(DOM0_XL)/tree.stamp \
		$(DOM0_HVM)/dm/.stamp $(DOM0_DISK)/pkgs/.stamp
	$(PYTHON) dom0-tools/initramfs/stage-xl.py --out $(DOM0_DISK)/tree \
		--root $(XS_DEB_ROOT) --root $(DOM0_XL)/base/root --root $(DOM0_XL)/hotplug/root \
		--root $(DOM0_HVM)/dm/root --root $(DOM0_DISK)/pkgs/root \
		--program usr/libexec/xen-qemu-system-i386 --program sbin/cryptsetup \
		--program usr/bin/qemu-img --file usr/share/qemu/keymaps
	mkdir -p $(DOM0_DISK)/tree/var/log/xen $(DOM0_DISK)/tree/run/cryptsetup
	@touch $@

.PHONY: dom0-image-disk test-system-split-luks test-system-split-luks-xen \
	test-system-split-qdisk test-system-split-qdisk-xen \
	test-system-split-hotdisk test-system-split-hotdisk-xen
dom0-image-disk: $(DOM0_DISK)/initramfs.cpio.gz

# The kernel package dom0-image downloaded is reused.
$(DOM0_DISK)/initramfs.cpio.gz: $(DOM0_IMAGE_DEPS) $(DOM0_DISK)/tree.stamp \
		$(BUILD)/dom0/initramfs.cpio.gz
	mkdir -p $(DOM0_DISK)/debs && cp -n $(BUILD)/dom0/debs/*.deb $(DOM0_DISK)/debs/
	bash dom0-tools/initramfs/build-dom0.sh --suite stable --out $(DOM0_DISK) \
		$(addprefix --tool ,$(DOM0_TOOLS)) $(addprefix --link ,$(DOM0_LINKS)) \
		$(addprefix --tree ,$(DOM0_TREES)) --tree $(DOM0_DISK)/tree --domu $(DOMU_ROOTFS) \
		$(addprefix --module ,$(DISK_MODULES))

LUKS_SYSTEM_ARGS := --kernel-dir $(DOM0_DISK) --only xl-luks,pxl-luks --no-reboot
QDISK_SYSTEM_ARGS := --kernel-dir $(DOM0_DISK) --only xl-qdisk,pxl-qdisk --no-reboot
HOTDISK_SYSTEM_ARGS := --kernel-dir $(DOM0_DISK) --only xl-hotdisk,pxl-hotdisk --no-reboot

test-system-split-luks: dom0-image-disk $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(LUKS_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-split-luks-serial.log

test-system-split-luks-xen: dom0-image-disk $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(LUKS_SYSTEM_ARGS) --log $(BUILD)/system/xen-split-luks-serial.log

test-system-split-qdisk: dom0-image-disk $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(QDISK_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-split-qdisk-serial.log

test-system-split-qdisk-xen: dom0-image-disk $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(QDISK_SYSTEM_ARGS) --log $(BUILD)/system/xen-split-qdisk-serial.log

test-system-split-hotdisk: dom0-image-disk $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HOTDISK_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-split-hotdisk-serial.log

test-system-split-hotdisk-xen: dom0-image-disk $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HOTDISK_SYSTEM_ARGS) \
		--log $(BUILD)/system/xen-split-hotdisk-serial.log

# An installed Debian 12 (mmdebstrap: systemd, udev, Debian's kernel and
# initramfs-tools, GRUB's BIOS tools) booted as dom0 with its own kernel,
# initramfs and root disk (tests/installed/installed_test.py):
#   debian-image             build/debian/{disk.img,vmlinuz,initrd.img}: built once
#                            (~4-5 min), rebuilt when build-image.sh changes
#   test-installed-xen       the make-test slice on Debian's Xen 4.17 (in TEST_TARGETS):
#                            pc/IDE/e1000 BIOS and q35/virtio-blk/virtio-net UEFI
#   test-installed-petrel    the same slice on Petrel (in TEST_TARGETS)
#   test-installed           the slice on both hypervisors in one run
#   test-installed-matrix    every cell (pc/IDE, q35/AHCI, q35/virtio-blk; e1000,
#                            virtio-net; BIOS and UEFI) on both hypervisors
#   test-grub-debian         `make deb` installed into the image, update-grub,
#                            and Petrel booted by the disk's own GRUB (BIOS)
# INSTALLED_JOBS (default 2): QEMUs at a time.  INSTALLED_MSI=1: Petrel offers
# MSI, so its cells must show xen-pirq-msi interrupts as Xen's do.
DEBIAN_IMAGE_DIR := $(BUILD)/debian
INSTALLED_JOBS ?= 2
INSTALLED_TEST = $(PYTHON) tests/installed/installed_test.py --image-dir $(DEBIAN_IMAGE_DIR) \
	--jobs $(INSTALLED_JOBS) $(if $(filter 1,$(INSTALLED_MSI)),--msi)

TEST_TARGETS += test-installed-xen test-installed-petrel

.PHONY: debian-image test-installed-xen test-installed-petrel test-installed \
	test-installed-matrix test-grub-debian

debian-image:
	@bash tests/installed/build-image.sh $(DEBIAN_IMAGE_DIR)

test-installed-xen: debian-image $(XEN_REF)
	$(INSTALLED_TEST) --hv xen

test-installed-petrel: debian-image $(PETREL_IMAGE) $(BUILD)/xen/petrel.efi
	$(INSTALLED_TEST) --hv petrel

test-installed: debian-image $(XEN_REF) $(PETREL_IMAGE) $(BUILD)/xen/petrel.efi
	$(INSTALLED_TEST) --hv xen,petrel

test-installed-matrix: debian-image $(XEN_REF) $(PETREL_IMAGE) $(BUILD)/xen/petrel.efi
	$(INSTALLED_TEST) --hv xen,petrel --all

test-grub-debian: debian-image deb
	$(PYTHON) tests/installed/grub_test.py --deb $(PETREL_DEB) --image-dir $(DEBIAN_IMAGE_DIR)

# Benchmark (not a test): installed-system boot to the login prompt and
# dom0's disk read throughput, Petrel against Xen 4.17 (bench/installed-boot.py).
.PHONY: bench-installed
bench-installed: debian-image $(XEN_REF) $(PETREL_IMAGE)
	$(PYTHON) bench/installed-boot.py --image-dir $(DEBIAN_IMAGE_DIR)

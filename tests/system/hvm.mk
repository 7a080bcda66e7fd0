# The HVM guest with QEMU as its device model (step xl-hvm of
# dom0_system_test.py): a dom0 image variant that adds Debian's
# qemu-system-xen (bookworm's 7.2 build for Xen) with its libraries,
# hvmloader (xen-utils-4.17) and SeaBIOS (bios-256k.bin, which Debian's libxl
# hands hvmloader), a boot disk (the boot sector, then zeros to 4 MiB: SeaBIOS
# refuses a disk too small for one cylinder of its CHS geometry) and its xl
# config.  About 40 MB
# more than dom0-image, so it is an image of its own, build/dom0-hvm.
#   dom0-image-hvm        build/dom0-hvm/{vmlinuz,initramfs.cpio.gz}
#   test-system-hvm-xen   Debian's xl create of the HVM guest on Debian's Xen 4.17
#   test-system-hvm       the same on Petrel
#   test-system-hvm-memtest-xen  memtest86+ (GRUB from the disk, then one
#                         full pass of its tests) as an HVM guest on Xen 4.17
#   test-system-hvm-memtest      the same on Petrel
#   test-system-hvm-installed-xen  the installed Debian 12 disk of
#                         tests/installed (GRUB in its MBR, Debian's kernel and
#                         initramfs, systemd) as an HVM guest, booted with
#                         xen_nopv and then with PV drivers, on Xen 4.17
#   test-system-hvm-installed      the same on Petrel
#   test-system-hvm-uefi-xen  the same disk under OVMF (firmware = "uefi":
#                         GRUB x86_64-efi from its EFI system partition),
#                         with PV drivers, on Xen 4.17
#   test-system-hvm-uefi      the same on Petrel
#   test-system-hvm-dinst-xen  Debian's installer (debian-installer-12-
#                         netboot-amd64, GRUB from its disk) as an HVM guest
#                         to its first screen on the serial console, then its
#                         device model stopped (SIGSTOP) and xl destroy, on
#                         Xen 4.17
#   test-system-hvm-dinst      the same on Petrel
# (none in TEST_TARGETS: see docs/testing.md, "HVM guest with QEMU")

DOM0_HVM := $(BUILD)/dom0-hvm
# bookworm's versions of the two arch-all packages whose backports would win
# on a machine that has them installed (QEMU 7.2's keymaps: libxl's -vnc none
# still makes it load en-us).
# OVMF (OVMF.fd, the path Debian's libxl hands hvmloader for firmware =
# "uefi") and GRUB x86_64-efi for the installed disk's EFI system partition
# are pinned the same way.
HVM_PINNED_DEBS := qemu-system-data=1:7.2+dfsg-7+deb12u18 seabios=1.16.2-1 \
	ovmf=2022.11-6+deb12u2 grub-efi-amd64-bin=2.06-13+deb12u2
HVM_DM_DEBS := qemu-system-xen qemu-system-data seabios ovmf grub-efi-amd64-bin \
	libspice-server1 libfdt1 libglib2.0-0 \
	libjpeg62-turbo libpcre2-8-0 libpixman-1-0 libusb-1.0-0 libudev1 libssl3 libopus0 \
	libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 liborc-0.4-0 liblz4-1 libsasl2-2 \
	libstdc++6 libffi8 libunwind8 libdw1 libelf1 libcap2 libbz2-1.0
HVM_BOOT_IMG := $(DOM0_HVM)/boot-disk/hvm-boot.img

$(DOM0_HVM)/dm/.stamp: tests/system/hvm.mk
	@mkdir -p $(DOM0_HVM)/dm/debs
	@cd $(DOM0_HVM)/dm/debs && for p in $(HVM_PINNED_DEBS); do \
		ls $${p%%=*}_*.deb >/dev/null 2>&1 || apt-get download -q $$p || exit 1; done
	@bash tests/compat/fetch-debs.sh $(DOM0_HVM)/dm $(HVM_DM_DEBS)
	@touch $@

$(HVM_BOOT_IMG): tests/system/hvm-boot/bootsect.S tests/system/hvm.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -c $< -o $(dir $@)bootsect.o
	ld -m elf_x86_64 -Ttext 0x7c00 -e _start --oformat binary -o $(dir $@)bootsect.bin \
		$(dir $@)bootsect.o
	test $$(stat -c %s $(dir $@)bootsect.bin) = 512
	cp $(dir $@)bootsect.bin $@
	truncate -s 4M $@

# The HVM device-model benchmark's firmware-only guest (bench/hvm_dm.py): a
# boot sector (hvm-boot/bench-sector.S) that times port accesses, on a disk
# shaped as hvm-boot.img.
HVM_BENCH_SECTOR_IMG := $(DOM0_HVM)/boot-disk/bench-sector.img

$(HVM_BENCH_SECTOR_IMG): tests/system/hvm-boot/bench-sector.S tests/system/hvm.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -c $< -o $(dir $@)bench-sector.o
	ld -m elf_x86_64 -Ttext 0x7c00 -e _start --oformat binary -o $@.tmp $(dir $@)bench-sector.o
	test $$(stat -c %s $@.tmp) = 512
	truncate -s 4M $@.tmp
	mv $@.tmp $@

# memtest86+ 6.10 (bookworm; backports' 7.x would win on a machine that
# pins backports up) as a second HVM guest (step xl-hvm-memtest): its
# Linux-boot-protocol image memtest86+x64.bin in the memdisk of a GRUB i386-pc
# core image (grub-pc-bin, installed by make deps) with a built-in config
# (hvm-boot/memtest-grub.cfg: COM1 as GRUB's terminal, then memtest86+ with
# console=ttyS0 for its serial console and nopause to start testing without a
# key; GRUB reads a built-in config with its rescue parser, which knows no
# comments, so the file has none).  The disk is GRUB's boot.img as the MBR, which
# loads the core image from the sectors after it (grub-mkimage fills in the
# core image's own sector count), then zeros to 4 MiB as for hvm-boot.img.
MEMTEST_DEB := memtest86+=6.10-4
MEMTEST_DIR := $(DOM0_HVM)/memtest
MEMTEST_IMG := $(DOM0_HVM)/boot-disk/memtest.img
GRUB_PC_DIR := /usr/lib/grub/i386-pc
MEMTEST_GRUB_MODS := biosdisk memdisk tar linux serial terminal echo boot

$(MEMTEST_DIR)/.stamp: tests/system/hvm.mk
	@mkdir -p $(MEMTEST_DIR)/debs
	@cd $(MEMTEST_DIR)/debs && { ls memtest86+_*.deb >/dev/null 2>&1 || \
		apt-get download -q $(MEMTEST_DEB); }
	@bash tests/compat/fetch-debs.sh $(MEMTEST_DIR) memtest86+
	@touch $@

$(MEMTEST_IMG): $(MEMTEST_DIR)/.stamp tests/system/hvm-boot/memtest-grub.cfg tests/system/hvm.mk
	@test -f $(GRUB_PC_DIR)/boot.img || { echo "$(GRUB_PC_DIR) missing (make deps)"; exit 1; }
	rm -rf $(MEMTEST_DIR)/memdisk && mkdir -p $(MEMTEST_DIR)/memdisk/boot $(dir $@)
	cp $(MEMTEST_DIR)/root/boot/memtest86+x64.bin $(MEMTEST_DIR)/memdisk/boot/memtest.bin
	tar -C $(MEMTEST_DIR)/memdisk -cf $(MEMTEST_DIR)/memdisk.tar boot
	grub-mkimage -d $(GRUB_PC_DIR) -O i386-pc -o $(MEMTEST_DIR)/core.img \
		-c tests/system/hvm-boot/memtest-grub.cfg -m $(MEMTEST_DIR)/memdisk.tar \
		-p '(memdisk)/boot' $(MEMTEST_GRUB_MODS)
	cat $(GRUB_PC_DIR)/boot.img $(MEMTEST_DIR)/core.img > $@.tmp
	truncate -s 4M $@.tmp
	mv $@.tmp $@

# The installed Debian disk (step xl-hvm-installed): build-image.sh's disk
# with GRUB put in its MBR, an EFI system partition with GRUB x86_64-efi
# (hvm-boot/installed-esp.sh) and a marker service (hvm-boot/installed-disk.sh),
# given to dom0's machine as a second virtio disk on a QEMU snapshot (the
# guest's writes are thrown away), which the guest gets as phy:.  GRUB reads
# the kernel's extra arguments from a GRUB environment block that dom0 writes
# into the MBR gap before each boot: nopv.env (xen_nopv, and rootdelay for
# the late AHCI disk) or pvhvm.env (none).
# The disk also carries the HVM device-model benchmark's guest program
# (hvm-boot/hvm-bench.c, static: bench/hvm_dm.py), which the marker service
# runs when the kernel's arguments hold petrel_bench.
HVM_INSTALLED_DIR := $(DOM0_HVM)/installed
HVM_INSTALLED_IMG := $(HVM_INSTALLED_DIR)/disk.img
HVM_INSTALLED_ENV := $(DOM0_HVM)/installed-env
HVM_BENCH_PROG := $(BUILD)/hvm-bench/petrel-hvm-bench

$(HVM_BENCH_PROG): tests/system/hvm-boot/hvm-bench.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# selftest.py checks the lines of the program (a dry run on the host) and of
# the benchmark's boot sector (bench-sector.img, above).
test-system-harness: $(HVM_BENCH_PROG) $(HVM_BENCH_SECTOR_IMG)

$(HVM_INSTALLED_IMG): debian-image $(DOM0_HVM)/dm/.stamp tests/system/hvm-boot/installed-disk.sh \
		tests/system/hvm-boot/installed-esp.sh tests/system/hvm-boot/installed-grub.cfg \
		tests/system/hvm-boot/installed-marker.sh tests/system/hvm-boot/installed-marker.service \
		$(HVM_BENCH_PROG) tests/system/hvm.mk
	@test -f $(GRUB_PC_DIR)/boot.img || { echo "$(GRUB_PC_DIR) missing (make deps)"; exit 1; }
	bash tests/system/hvm-boot/installed-disk.sh $(BUILD)/debian $(HVM_INSTALLED_DIR) \
		$(DOM0_HVM)/dm/root/usr/lib/grub/x86_64-efi $(HVM_BENCH_PROG)

$(HVM_INSTALLED_ENV)/.stamp: tests/system/hvm.mk
	rm -rf $(HVM_INSTALLED_ENV) && mkdir -p $(HVM_INSTALLED_ENV)
	grub-editenv $(HVM_INSTALLED_ENV)/nopv.env create
	grub-editenv $(HVM_INSTALLED_ENV)/nopv.env set 'petrel_args=xen_nopv rootdelay=600'
	grub-editenv $(HVM_INSTALLED_ENV)/pvhvm.env create
	grub-editenv $(HVM_INSTALLED_ENV)/pvhvm.env set petrel_args=
	@touch $@

# Debian's installer (step xl-hvm-dinst): the text-mode netboot kernel and
# initrd of debian-installer-12-netboot-amd64 (pinned: the package follows
# bookworm's point releases) behind GRUB i386-pc on a disk of their own
# (hvm-boot/dinst-disk.sh, about 50 MB), given to dom0's machine as a second
# virtio disk (--hvm-disk) like the installed disk.
DINST_DEB := debian-installer-12-netboot-amd64=20230607+deb12u15
DINST_DIR := $(DOM0_HVM)/dinst
DINST_IMG := $(DINST_DIR)/disk.img

$(DINST_DIR)/.stamp: tests/system/hvm.mk
	@mkdir -p $(DINST_DIR)/debs
	@cd $(DINST_DIR)/debs && { ls debian-installer-12-netboot-amd64_*.deb >/dev/null 2>&1 || \
		apt-get download -q $(DINST_DEB); }
	rm -rf $(DINST_DIR)/root && dpkg -x $(DINST_DIR)/debs/debian-installer-12-netboot-amd64_*.deb \
		$(DINST_DIR)/root
	@touch $@

$(DINST_IMG): $(DINST_DIR)/.stamp tests/system/hvm-boot/dinst-disk.sh \
		tests/system/hvm-boot/dinst-grub.cfg tests/system/hvm.mk
	@test -f $(GRUB_PC_DIR)/boot.img || { echo "$(GRUB_PC_DIR) missing (make deps)"; exit 1; }
	bash tests/system/hvm-boot/dinst-disk.sh $(DINST_DIR)/root $(DINST_DIR)

# Debian's toolstack again plus the device model and the firmware, and the
# guests' disks and configs.
$(DOM0_HVM)/tree.stamp: dom0-tools/initramfs/stage-xl.py $(DOM0_XL)/tree.stamp \
		$(DOM0_HVM)/dm/.stamp $(HVM_BOOT_IMG) tests/system/hvm-boot/xl-hvm.cfg \
		$(MEMTEST_IMG) tests/system/hvm-boot/xl-memtest.cfg tests/system/hvm-boot/memtest-status.sh \
		$(HVM_INSTALLED_ENV)/.stamp tests/system/hvm-boot/xl-installed.cfg \
		tests/system/hvm-boot/xl-dinst.cfg
	$(PYTHON) dom0-tools/initramfs/stage-xl.py --out $(DOM0_HVM)/tree \
		--root $(XS_DEB_ROOT) --root $(DOM0_XL)/base/root --root $(DOM0_XL)/hotplug/root \
		--root $(DOM0_HVM)/dm/root --program usr/libexec/xen-qemu-system-i386 \
		--program usr/lib/xen-4.17/bin/xenctx --program usr/lib/xen-4.17/bin/xen-hvmctx \
		--file usr/lib/xen-4.17/boot/hvmloader --file usr/share/seabios/bios-256k.bin \
		--file usr/share/ovmf/OVMF.fd --file usr/share/qemu/keymaps
	install -D -m 644 $(HVM_BOOT_IMG) $(DOM0_HVM)/tree/usr/lib/petrel-domu/hvm-boot.img
	install -D -m 644 tests/system/hvm-boot/xl-hvm.cfg $(DOM0_HVM)/tree/etc/xl-hvm.cfg
	install -D -m 644 $(MEMTEST_IMG) $(DOM0_HVM)/tree/usr/lib/petrel-domu/memtest.img
	install -D -m 644 tests/system/hvm-boot/xl-memtest.cfg $(DOM0_HVM)/tree/etc/xl-memtest.cfg
	install -D -m 755 tests/system/hvm-boot/memtest-status.sh \
		$(DOM0_HVM)/tree/usr/lib/petrel-domu/memtest-status.sh
	install -D -m 644 tests/system/hvm-boot/xl-installed.cfg $(DOM0_HVM)/tree/etc/xl-installed.cfg
	install -D -m 644 tests/system/hvm-boot/xl-dinst.cfg $(DOM0_HVM)/tree/etc/xl-dinst.cfg
	for m in nopv pvhvm; do install -D -m 644 $(HVM_INSTALLED_ENV)/$$m.env \
		$(DOM0_HVM)/tree/usr/lib/petrel-domu/installed-$$m.env || exit 1; done
	mkdir -p $(DOM0_HVM)/tree/var/log/xen
	@touch $@

.PHONY: dom0-image-hvm test-system-hvm test-system-hvm-xen test-system-hvm-memtest \
	test-system-hvm-memtest-xen test-system-hvm-installed test-system-hvm-installed-xen \
	test-system-hvm-uefi test-system-hvm-uefi-xen test-system-hvm-dinst \
	test-system-hvm-dinst-xen
dom0-image-hvm: $(DOM0_HVM)/initramfs.cpio.gz

# The kernel package dom0-image downloaded is reused.
$(DOM0_HVM)/initramfs.cpio.gz: $(DOM0_IMAGE_DEPS) $(DOM0_HVM)/tree.stamp \
		$(BUILD)/dom0/initramfs.cpio.gz
	mkdir -p $(DOM0_HVM)/debs && cp -n $(BUILD)/dom0/debs/*.deb $(DOM0_HVM)/debs/
	$(BUILD_DOM0) --suite stable --out $(DOM0_HVM) --tree $(DOM0_HVM)/tree --domu $(DOMU_ROOTFS)

HVM_SYSTEM_ARGS := --kernel-dir $(DOM0_HVM) --only xl-hvm --no-reboot

test-system-hvm-xen: dom0-image-hvm $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HVM_SYSTEM_ARGS) --log $(BUILD)/system/xen-hvm-serial.log

test-system-hvm: dom0-image-hvm $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HVM_SYSTEM_ARGS) \
		--log $(BUILD)/system/petrel-hvm-serial.log

HVM_MEMTEST_ARGS := --kernel-dir $(DOM0_HVM) --only xl-hvm-memtest --no-reboot

test-system-hvm-memtest-xen: dom0-image-hvm $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HVM_MEMTEST_ARGS) --log $(BUILD)/system/xen-hvm-memtest-serial.log

test-system-hvm-memtest: dom0-image-hvm $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HVM_MEMTEST_ARGS) \
		--log $(BUILD)/system/petrel-hvm-memtest-serial.log

HVM_INSTALLED_ARGS := --kernel-dir $(DOM0_HVM) --only xl-hvm-installed --no-reboot \
	--hvm-disk $(HVM_INSTALLED_IMG)

test-system-hvm-installed-xen: dom0-image-hvm $(HVM_INSTALLED_IMG) $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HVM_INSTALLED_ARGS) \
		--log $(BUILD)/system/xen-hvm-installed-serial.log

test-system-hvm-installed: dom0-image-hvm $(HVM_INSTALLED_IMG) $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HVM_INSTALLED_ARGS) \
		--log $(BUILD)/system/petrel-hvm-installed-serial.log

test-system-hvm-uefi-xen: dom0-image-hvm $(HVM_INSTALLED_IMG) $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HVM_INSTALLED_ARGS) --hvm-modes uefi \
		--log $(BUILD)/system/xen-hvm-uefi-serial.log

test-system-hvm-uefi: dom0-image-hvm $(HVM_INSTALLED_IMG) $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HVM_INSTALLED_ARGS) --hvm-modes uefi \
		--log $(BUILD)/system/petrel-hvm-uefi-serial.log

HVM_DINST_ARGS := --kernel-dir $(DOM0_HVM) --only xl-hvm-dinst --no-reboot --hvm-disk $(DINST_IMG)

test-system-hvm-dinst-xen: dom0-image-hvm $(DINST_IMG) $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(HVM_DINST_ARGS) --log $(BUILD)/system/xen-hvm-dinst-serial.log

test-system-hvm-dinst: dom0-image-hvm $(DINST_IMG) $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(HVM_DINST_ARGS) \
		--log $(BUILD)/system/petrel-hvm-dinst-serial.log

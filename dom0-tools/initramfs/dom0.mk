# Dom0 image: Debian's kernel + our initramfs (see build-dom0.sh), and the
# dom0-test program that goes into it.
#   make dom0-test        static user-space test program (part of `make`)
#   make dom0-image       build/dom0/{vmlinuz,initramfs.cpio.gz}, bookworm's 6.1
#   make dom0-image-6.12  build/dom0-6.12/..., the 6.12 kernel from bookworm-backports
# dom0-image downloads about 70 MB (100 MB for 6.12) once, so it is not in
# ALL_TARGETS; `make run` switches to it once Petrel boots Linux.

DOM0_TEST := $(BUILD)/dom0-tools/dom0-test/dom0-test
DOM0_TEST_SRC := dom0-tools/dom0-test/dom0-test.c
DOM0_TEST_HDR := dom0-tools/dom0-test/xen-dev-abi.h
DOM0_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -static

# Programs that go into the initramfs, as SRC:DEST (DEST relative to its
# root).  Other fragments may append theirs before this one is included.
DOM0_TOOLS += $(DOM0_TEST):usr/bin/dom0-test
# Damaged copies of an xl save image for the hostile-restore checks (xl-save step).
SAVE_CORRUPT := $(BUILD)/dom0-tools/dom0-test/save-corrupt
DOM0_TOOLS += $(SAVE_CORRUPT):usr/bin/save-corrupt
# pxl's save file reader on an xl save image (xl-save step).
SAVE_CHECK := $(BUILD)/dom0-tools/dom0-test/save-check
DOM0_TOOLS += $(SAVE_CHECK):usr/bin/save-check
# CLOCK_MONOTONIC in microseconds, and a command's wall time (bench-xl's steps).
USCLOCK := $(BUILD)/dom0-tools/dom0-test/usclock
DOM0_TOOLS += $(USCLOCK):usr/bin/usclock
# The smallest PV guest for dom0's xl (the system test's xl/create checks).
DOM0_TOOLS += $(GUEST_OUT)/hello.elf:usr/lib/petrel-domu/hello.elf
# A PV domU that powers off only once told so in xenstore (the rename-restart check).
DOM0_TOOLS += $(GUEST_OUT)/domu/poweroff-when-told.elf:usr/lib/petrel-domu/poweroff-when-told.elf
# The same as a PVH domU (the HVM guest runtime; the system test's xl-pvh checks).
DOM0_TOOLS += $(HVM_GUEST_OUT)/hvm-hello.elf:usr/lib/petrel-domu/hvm-hello.elf
# A PVH domU that triple-faults beside others (check_beside in the system test).
DOM0_TOOLS += $(HVM_GUEST_OUT)/hvm-triple-fault.elf:usr/lib/petrel-domu/hvm-triple-fault.elf
# A PVH domU that soft-resets itself once (the xl-pvh step's soft-reset checks).
DOM0_TOOLS += $(HVM_GUEST_OUT)/domu/pvh-soft-reset.elf:usr/lib/petrel-domu/pvh-soft-reset.elf
# The domU the system test saves and restores with xl (xl/save checks).
DOM0_TOOLS += $(GUEST_OUT)/save-restore.elf:usr/lib/petrel-domu/save-restore.elf
# The clock and memory writer that bench/migrate.py migrates.
DOM0_TOOLS += $(GUEST_OUT)/domu/migbench.elf:usr/lib/petrel-domu/migbench.elf
# The hostile blkif and netif frontends (xl-split step with --hostile).
DOM0_TOOLS += $(GUEST_OUT)/blkif-hostile.elf:usr/lib/petrel-domu/blkif-hostile.elf
DOM0_TOOLS += $(GUEST_OUT)/netif-hostile.elf:usr/lib/petrel-domu/netif-hostile.elf
# DOM0_STRACE=1: the host's strace (Debian's package: apt-get install strace)
# and its libraries in dom0, for tracing the toolstack (PVH_SAVE_TRACE=strace).
DOM0_STRACE ?=
STRACE_LIBS := libunwind-ptrace.so.0 libunwind-x86_64.so.8 libunwind.so.8
ifneq ($(DOM0_STRACE),)
DOM0_TOOLS += /usr/bin/strace:usr/bin/strace
DOM0_TOOLS += $(foreach l,$(STRACE_LIBS),/lib/x86_64-linux-gnu/$(l):lib/x86_64-linux-gnu/$(l))
endif
# Programs for the test domU's initramfs (build-dom0.sh --domu), SRC:DEST.
DOMU_TOOLS ?=
# Symbolic links in the initramfs, as LINK:TARGET (LINK relative to its root,
# TARGET as the link's content), appended the same way.
DOM0_LINKS ?=

# Debian's own Xen toolstack (xl, xen-init-dom0, xenconsoled, xenstored and
# the libraries they load, unmodified: stage-xl.py), from the packages the
# xenstore fragment unpacks plus the C libraries below, fetched once with
# apt-get download into build/dom0-xl/base.
DOM0_XL := $(BUILD)/dom0-xl
# libncurses6: xentop's (libtinfo6 comes with the hotplug packages).
DOM0_XL_BASE_DEBS := libc6 libuuid1 liblzma5 libzstd1 zlib1g libgcc-s1 libncurses6
# What Debian's hotplug scripts (block, vif-bridge) run that busybox lacks:
# bash, flock (util-linux) and util-linux's losetup (mount), with its library.
DOM0_XL_HOTPLUG_DEBS := bash libtinfo6 util-linux mount libsmartcols1
DOM0_TREES += $(DOM0_XL)/tree

$(DOM0_XL)/base/.stamp: dom0-tools/initramfs/dom0.mk
	@bash tests/compat/fetch-debs.sh $(DOM0_XL)/base $(DOM0_XL_BASE_DEBS)
	@touch $@

$(DOM0_XL)/hotplug/.stamp: dom0-tools/initramfs/dom0.mk
	@bash tests/compat/fetch-debs.sh $(DOM0_XL)/hotplug $(DOM0_XL_HOTPLUG_DEBS)
	@touch $@

$(DOM0_XL)/tree.stamp: dom0-tools/initramfs/stage-xl.py $(DOM0_XL)/base/.stamp \
		$(DOM0_XL)/hotplug/.stamp $(XS_OUT)/debian/.stamp
	$(PYTHON) dom0-tools/initramfs/stage-xl.py --out $(DOM0_XL)/tree \
		--root $(XS_DEB_ROOT) --root $(DOM0_XL)/base/root --root $(DOM0_XL)/hotplug/root
	@touch $@

# The PV domU that dom0's xl creates in the system test (build-dom0.sh --domu).
DOMU_ROOTFS := dom0-tools/initramfs/domu-rootfs

DOM0_IMAGE_DEPS := dom0-tools/initramfs/build-dom0.sh dom0-tools/initramfs/mkcpio.py \
	dom0-tools/initramfs/modclosure.py dom0-tools/initramfs/extract-vmlinux.py \
	dom0-tools/initramfs/rootfs/init $(wildcard dom0-tools/initramfs/rootfs/*/*) \
	$(DOMU_ROOTFS)/init $(wildcard $(DOMU_ROOTFS)/*/*) \
	$(foreach t,$(DOM0_TOOLS) $(DOMU_TOOLS),$(firstword $(subst :, ,$(t)))) \
	$(addsuffix .stamp,$(DOM0_TREES))

ALL_TARGETS += $(DOM0_TEST) $(SAVE_CORRUPT) $(USCLOCK)

.PHONY: dom0-test dom0-image dom0-image-6.12
dom0-test: $(DOM0_TEST)

$(DOM0_TEST): $(DOM0_TEST_SRC) $(DOM0_TEST_HDR)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DOM0_CFLAGS) -o $@ $<

$(USCLOCK): dom0-tools/dom0-test/usclock.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DOM0_CFLAGS) -o $@ $<

$(SAVE_CORRUPT): dom0-tools/dom0-test/save-corrupt.c $(wildcard include/public/*.h include/public/arch-x86/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DOM0_CFLAGS) -I include -o $@ $<

$(SAVE_CHECK): dom0-tools/dom0-test/save-check.c dom0-tools/xl/xl_stream.c \
		dom0-tools/xl/xl_stream.h $(wildcard include/public/*.h include/public/arch-x86/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DOM0_CFLAGS) -D_GNU_SOURCE -iquote include/public -iquote dom0-tools/xl -o $@ $< \
		dom0-tools/xl/xl_stream.c

dom0-image: $(BUILD)/dom0/initramfs.cpio.gz
dom0-image-6.12: $(BUILD)/dom0-6.12/initramfs.cpio.gz

# build-dom0.sh with the tools, links and trees of every dom0 image; the
# suite, the output directory and the image's own arguments follow.
BUILD_DOM0 = bash dom0-tools/initramfs/build-dom0.sh $(addprefix --tool ,$(DOM0_TOOLS)) \
	$(addprefix --domu-tool ,$(DOMU_TOOLS)) \
	$(addprefix --link ,$(DOM0_LINKS)) $(addprefix --tree ,$(DOM0_TREES))

$(BUILD)/dom0/initramfs.cpio.gz: $(DOM0_IMAGE_DEPS)
	$(BUILD_DOM0) --suite stable --out $(BUILD)/dom0 --domu $(DOMU_ROOTFS)

$(BUILD)/dom0-6.12/initramfs.cpio.gz: $(DOM0_IMAGE_DEPS)
	$(BUILD_DOM0) --suite backports --out $(BUILD)/dom0-6.12 --domu $(DOMU_ROOTFS)

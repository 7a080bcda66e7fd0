# System tests: the Linux dom0 booted under QEMU (TCG), driven over the
# serial console by tests/system/dom0_system_test.py.
#   test-system-harness   self-test of the console driver and the image tools,
#                         no QEMU (in TEST_TARGETS; about 8 s)
#   test-system-xen       dom0 (6.1) on Debian's Xen 4.17: the reference judges
#                         the harness, the image and every check of the system
#                         test, so a dom0 behaviour Petrel invents fails here
#                         (in TEST_TARGETS; about 1m50 under TCG with the reboot)
#   test-system-xen-6.12  the same with bookworm-backports' 6.12 kernel (not in
#                         TEST_TARGETS: the same checks as with 6.1, another 2 min;
#                         test-system-6.12 covers that kernel on Petrel)
#   test-system           dom0 on Petrel (Debian's 6.1 kernel as /boot has it), on a
#                         machine with AHCI and virtio-pci disk and NIC (MSI, MSI-X);
#                         test-system-6.12 with bookworm-backports' 6.12 kernel,
#                         which issues hypercalls without a hypercall page (both in
#                         TEST_TARGETS; 2 to 3 minutes each under TCG with the reboot, plus the
#                         one-time kernel downloads)
#   test-system-save      the xl-save step on Petrel: Debian's xl saves the
#                         save-restore domU, a save that fails after the suspend
#                         resumes it, xl restore brings it back with its memory
#                         intact, a truncated image and eight damaged ones are
#                         refused with no domain left, xl migrate moves it to this
#                         host; then one Linux domU cycle (xl-linux-cycles with
#                         LINUX_CYCLES=1) and PXL_SLICE_CYCLES (10) pxl
#                         create/destroy cycles of hello.elf (pxl-cycles) in the
#                         same boot (in TEST_TARGETS; about 6.5 min under TCG with
#                         the boot)
#   test-system-save-xen  the same on Debian's Xen 4.17 (in TEST_TARGETS; about
#                         6.5 min; the migration is refused there: no PV log-dirty)
#   test-system-migrate   test-system-save with --migrate-faults: before the live
#                         migration, one whose stream is cut after 40 MiB (the
#                         guest must carry on at the source); -xen on Xen 4.17
#                         (not in TEST_TARGETS: the broken migration adds about
#                         a minute and a half under TCG)
#   test-system-migrate2  live migration between two machines (tests/system/
#                         migrate2_test.py): two QEMUs joined by a datagram network
#                         on 127.0.0.1, the save-restore domU moved by Debian's xl
#                         through busybox nc from A to B, back to A, then a move
#                         broken by killing the receiver's nc half-way; -xen on
#                         Xen 4.17 (refused there at enabling log-dirty); not in
#                         TEST_TARGETS: 13 to 28 min under load; -xen 5 min)
#   test-system-migrate2-dev  the two machines of test-system-migrate2 with their
#                         NICs on xenbr0 and one shared host file as a virtio disk
#                         (tests/system/migrate2_dev_test.py): a Linux domU with
#                         that disk and a vif moved A to B and back while it writes
#                         memory, a file and a TCP connection, then moves broken
#                         by killing the receiver's nc (10%, 99%) or xl
#                         migrate-receive; -xen on Xen 4.17 (refused at enabling
#                         log-dirty); not in TEST_TARGETS
#   test-system-save-cross  a guest saved on one hypervisor restored on the other
#                         (tests/system/save_cross_test.py): the two machines of
#                         test-system-migrate2 without the network and with a
#                         shared host file as a virtio disk, A on Debian's Xen
#                         4.17 and B on Petrel; xl save of the save-restore domU
#                         on A, the image carried to B on the disk, xl restore
#                         there, then back B to A (in TEST_TARGETS: 4 min 9 s at
#                         load ~20, 2026-12-04)
#   test-system-save-cross-pvh  the same with the Linux domU as a PVH guest
#                         (type = "pvh"), both machines on QEMU 7.2 (qemu64: no
#                         XSAVE): xl save on A (Xen 4.17), xl restore on B
#                         (Petrel), its ticks go on, then back; SAVE_CROSS_FIRST=petrel
#                         starts on Petrel (not in TEST_TARGETS)
#   test-system-save-cross-linux  the same with the Linux PV domU of test-system-domu
#                         (save_cross_test.py --guest linux): its process, uptime and
#                         tmpfs file go on; SAVE_CROSS_FIRST=petrel starts on Petrel,
#                         SAVE_CROSS_VCPUS=2 gives the domU two busy vCPUs
#                         (not in TEST_TARGETS)
#   test-system-split-quick  the split drivers' slice (step xl-split with --hostile):
#                         the Linux domU with one disk and one vif, a phy: disk
#                         attached to it and detached (xl/hot-phy-*), the hostile blkif
#                         and netif frontends beside it, all destroyed with their
#                         backends torn down, then SPLIT_QUICK_DEV_CYCLES (2) of the
#                         xl-dev-cycles cycles; -xen on Xen 4.17 (both in TEST_TARGETS;
#                         4 min on Petrel at load ~10, 7 min on Xen at load ~17)
#   test-system-split-net two Linux domUs and dom0 on xenbr0 (steps xl-net and
#                         xl-dev-cycles, tests/system/net_checks.py): pings in every
#                         direction, NET_XFER_MIB (100) MiB over TCP from one domU to
#                         the other with matching MD5 sums, a vif and a disk hot
#                         attached and detached, then DEV_CYCLES (3) create/destroy
#                         cycles of hello.elf with a disk and a vif it never connects;
#                         -xen on Xen 4.17 (not in TEST_TARGETS: the transfer alone
#                         takes minutes under nested TCG)
#   test-system-save-devices  xl save and restore of a Linux domU with a mounted
#                         disk and a vif (step xl-save-devices, tests/system/
#                         save_dev_checks.py): its uptime counter, a file it
#                         holds open and a TCP connection to dom0 carry on;
#                         SAVE_DEV_MIGRATE=1 adds xl migrate to this host; -xen
#                         on Xen 4.17 (not in TEST_TARGETS)
#   test-system-split-cycles  SPLIT_CYCLES (100) of those cycles (-xen on Xen 4.17);
#                         every step above ends by checking that nothing is left in
#                         dom0 (loop devices, vifs, backend nodes) or in the
#                         hypervisor (tests/system/hv_state.py: `xl debug-keys e g`,
#                         no domain but dom0, dom0's ports, pinned grant entries and
#                         maptrack handles as before), test-system-split-quick too
#   test-system-split-linux-cycles  SPLIT_LINUX_CYCLES (20) cycles of the Linux domU
#                         with a disk and a vif whose frontends connect (backends in
#                         state 4), destroyed connected, nothing left after each
#                         (step xl-split-cycles; -xen on Xen 4.17; not in
#                         TEST_TARGETS: 2 to 4 min a cycle under TCG)
#   test-system-multi     four Linux domUs at once (step xl-multi; -xen on Xen
#                         4.17; not in TEST_TARGETS: about 13 min under load)
#   test-system-smp       test-system's checks on a 2-CPU machine (multi-threaded
#                         TCG), first checking Petrel brought both CPUs up, then the
#                         SMP checks: dom0's two vCPUs (one per CPU, running side by
#                         side), a parallel workload, CPU 1 offline and back (not in
#                         TEST_TARGETS: 5 to 12 minutes under TCG; the shapes slice
#                         boots dom0 with maxcpus= and nosmp)
#   test-system-smp4      the same on 4 CPUs (dom0 with 4 vCPUs)
#   test-system-xen-smp   test-system-smp's checks on Debian's Xen 4.17 (the judge)
#   test-system-dom0-smp4 dom0 with 4 vCPUs on a 4-CPU machine, only the xl and smp
#                         steps (xl vcpu-list, vcpu-pin, the parallel workload, CPU 1
#                         offline and back, xl vcpu-set), no reboot; -xen on Xen 4.17
#                         (both in TEST_TARGETS: make test's 4-CPU dom0 boots; about
#                         1m15 each at load 2-3, but 11 and 16 min at load 15-20)
#   test-linux-domu-cycles  LINUX_CYCLES (20) create/boot/destroy cycles of the Linux
#                         domU under Debian's xl, free memory back after each
#                         (-xen on Xen 4.17; not in TEST_TARGETS: 1 to 3 min a cycle under TCG)
#   test-pxl-linux        the Linux domU built by Petrel's pxl: boot to its marker,
#                         pxl console, pxl shutdown -w, pxl destroy and free memory
#                         back (-xen on Xen 4.17; not in TEST_TARGETS: 5 to 10 min)
#   test-pxl-split        the Linux domU built by pxl with a disk and a vif: blkfront
#                         reads and writes, ping both ways, block-list/network-list
#                         as Debian's xl prints them, a second disk and vif attached
#                         and detached, the monitor's teardown on poweroff (-xen on
#                         Xen 4.17; not in TEST_TARGETS: about 10 min)
#   test-pxl-cfg          the save test guest with a disk and a vif, created by
#                         Debian's xl and by pxl: the same stored configuration,
#                         create -d and list -l output; Debian's xl saves and
#                         restores the pxl-built one with its devices (-xen on Xen
#                         4.17; not in TEST_TARGETS: a few minutes)
#   test-pxl-dumpcore     the save test guest dumped by Debian's xl dump-core and by
#                         pxl dump-core (the same file, its ELF sections, notes and
#                         pages checked), and crashed under on_crash =
#                         "coredump-destroy" and "coredump-restart" by each tool
#                         (-xen on Xen 4.17; not in TEST_TARGETS: 15 to 20 min)
#   test-pxl-dumpcore-linux  the Linux domU dumped by both tools alike (-xen too)
#   test-pxl-dumpcore-hvm    the PVH domU hvm-hello, shut down and kept, dumped by
#                            both tools: the same HVM core (.xen_pfn), its text page
#                            at its pfn (-xen too)
#   test-pxl-kcache       pxl's unpacked-kernel cache: three pxl creates of the Linux
#                         domU (miss and stored, hit, a corrupted entry unpacked
#                         again), each guest at its marker (-xen too; tests/system/
#                         kcache_checks.py)
#   test-pxl-cycles       PXL_CYCLES (100) pxl create/destroy cycles of hello.elf;
#                         test-pxl-linux-cycles PXL_LINUX_CYCLES (20) of the Linux
#                         domU; nothing left after each (-xen on Xen 4.17; not in
#                         TEST_TARGETS)
#   xen-ref               build/xen-ref/xen-4.17-amd64 (Debian's hypervisor)

XEN_REF := $(BUILD)/xen-ref/xen-4.17-amd64
PETREL_IMAGE ?= $(BUILD)/xen/petrel
SYSTEM_TEST := $(PYTHON) tests/system/dom0_system_test.py
# The Linux domU step (xl-linux: a 128 MiB Linux PV domU through Debian's xl,
# about 12 minutes under TCG) has its own targets, test-system-domu and
# test-system-domu-xen; the make-test stages leave it out.
SYSTEM_SKIP := --skip xl-linux,xl-save,xl-multi
# The save/restore step (xl-save: xl save, a cancelled save, xl restore, a
# truncated and eight damaged images of the save-restore domU, 2 to 3 minutes
# under TCG) has its own targets, both in make test (the dom0 crashes that kept
# the Xen one out were Xen's lazy FPU under TCG, gone with spec-ctrl=eager-fpu).
# The 6.12 stage is about the dom0 kernel: the toolstack steps that do not
# depend on it (the PVH domU, Petrel's console daemon) run in test-system and
# test-system-xen only.
SYSTEM_SKIP_6_12 := --skip xl-linux,xl-save,xl-multi,xl-pvh,pxenconsoled
# test-system-split and test-system-split-xen run the xl-linux step with the
# domU's PV disks and vif (--split-drivers).

TEST_TARGETS += test-system-harness test-system-xen test-system test-system-6.12 \
	test-system-save test-system-save-xen test-system-dom0-smp4 test-system-dom0-smp4-xen \
	test-system-split-quick test-system-split-quick-xen test-system-save-cross

.PHONY: xen-ref test-system-harness test-system-xen test-system test-system-xen-6.12 \
	test-system-6.12 test-system-smp test-system-smp4 test-system-xen-smp \
	test-system-dom0-smp4 test-system-dom0-smp4-xen \
	test-system-domu test-system-domu-xen test-linux-domu-cycles test-linux-domu-cycles-xen \
	test-pxl-linux test-pxl-linux-xen test-pxl-linux-restore test-pxl-linux-restore-xen \
	test-pxl-cycles test-pxl-cycles-xen test-pxl-linux-cycles test-pxl-linux-cycles-xen \
	test-pxl-split test-pxl-split-xen test-pxl-cfg test-pxl-cfg-xen test-pxl-dumpcore test-pxl-dumpcore-xen test-pxl-dumpcore-linux test-pxl-dumpcore-linux-xen test-pxl-dumpcore-hvm test-pxl-dumpcore-hvm-xen test-pxl-kcache test-pxl-kcache-xen test-system-pvh-linux test-system-pvh-linux-xen test-system-pvh-save test-system-pvh-save-xen \
	test-system-save test-system-save-xen test-system-split test-system-split-xen \
	test-system-split-quick test-system-split-quick-xen \
	test-system-split-net test-system-split-net-xen \
	test-system-save-devices test-system-save-devices-xen \
	test-system-split-cycles test-system-split-cycles-xen \
	test-system-split-linux-cycles test-system-split-linux-cycles-xen \
	test-system-migrate test-system-migrate-xen test-system-multi test-system-multi-xen \
	test-system-migrate2 test-system-migrate2-xen \
	test-system-migrate2-dev test-system-migrate2-dev-xen test-system-save-cross \
	test-system-save-cross-pvh test-system-save-cross-linux
xen-ref: $(XEN_REF)

$(XEN_REF): tests/system/fetch-xen.sh
	bash tests/system/fetch-xen.sh $(BUILD)/xen-ref

test-system-harness: $(DOM0_TEST) $(SAVE_CORRUPT) $(USCLOCK)
	@$(PYTHON) tests/system/selftest.py

test-system-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv xen $(SYSTEM_SKIP) --log $(BUILD)/system/xen-serial.log

# The same on bookworm-backports' 6.12 kernel (no hypercall page).
test-system-xen-6.12: dom0-image-6.12 $(XEN_REF)
	$(SYSTEM_TEST) --hv xen --kernel-dir $(BUILD)/dom0-6.12 \
		--log $(BUILD)/system/xen-6.12-serial.log

test-system: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(SYSTEM_SKIP) \
		--log $(BUILD)/system/petrel-serial.log

test-system-domu: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-create,xl-linux --no-reboot \
		--log $(BUILD)/system/petrel-domu-serial.log

test-system-domu-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv xen --only xl-create,xl-linux --no-reboot \
		--log $(BUILD)/system/xen-domu-serial.log

# Four Linux domUs at once (step xl-multi), each created while the ones
# before it boot; all listed together, memory back after destroying them.
test-system-multi: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-multi --no-reboot \
		--log $(BUILD)/system/petrel-multi-serial.log

test-system-multi-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen --only xl-multi --no-reboot \
		--log $(BUILD)/system/xen-multi-serial.log

# LINUX_CYCLES (default 20) create / boot / destroy cycles of the Linux domU,
# xl info's free_memory back to its start after each (step xl-linux-cycles).
test-linux-domu-cycles: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-linux-cycles --no-reboot \
		--log $(BUILD)/system/petrel-domu-cycles-serial.log

test-linux-domu-cycles-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen --only xl-linux-cycles --no-reboot \
		--log $(BUILD)/system/xen-domu-cycles-serial.log

test-pxl-linux: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only pxl-linux --no-reboot \
		--log $(BUILD)/system/petrel-pxl-linux-serial.log

test-pxl-linux-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen --only pxl-linux --no-reboot \
		--log $(BUILD)/system/xen-pxl-linux-serial.log

# The pairs of one pxl step: test-pxl-STEP on Petrel, test-pxl-STEP-xen on
# Xen 4.17, each with its own serial log.
define pxl_step_pair
test-pxl-$(1): dom0-image $$(PETREL_IMAGE)
	$$(SYSTEM_TEST) --hv petrel --image $$(PETREL_IMAGE) --only pxl-$(1) --no-reboot \
		--log $$(BUILD)/system/petrel-pxl-$(1)-serial.log

test-pxl-$(1)-xen: dom0-image $$(XEN_REF)
	$$(SYSTEM_TEST) --hv xen --only pxl-$(1) --no-reboot \
		--log $$(BUILD)/system/xen-pxl-$(1)-serial.log
endef
$(foreach step,split cfg dumpcore dumpcore-linux dumpcore-hvm kcache,$(eval $(call pxl_step_pair,$(step))))

# PXL_CYCLES (100) pxl create/destroy cycles of hello.elf under pxenconsoled
# (step pxl-cycles), PXL_LINUX_CYCLES (20) of the Linux domU under Debian's
# xenconsoled (step pxl-linux-cycles): after each, nothing left in dom0's
# xenstore, ptys, console daemon or free pages; every 10, nothing in the
# hypervisor (tests/system/pxl_cycles_checks.py; not in TEST_TARGETS).
# make test's slice: PXL_SLICE_CYCLES (10) of the hello cycles, with the same
# checks, at the end of test-system-save and test-system-save-xen.
PXL_CYCLES ?= 100
PXL_LINUX_CYCLES ?= 20
PXL_SLICE_CYCLES ?= 10

test-pxl-cycles: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	PXL_CYCLES=$(PXL_CYCLES) $(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) \
		--only pxl-cycles --no-reboot --log $(BUILD)/system/petrel-pxl-cycles-serial.log

test-pxl-cycles-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	PXL_CYCLES=$(PXL_CYCLES) $(SYSTEM_TEST) --hv xen --only pxl-cycles --no-reboot \
		--log $(BUILD)/system/xen-pxl-cycles-serial.log

test-pxl-linux-cycles: dom0-image $(PETREL_IMAGE)
	PXL_LINUX_CYCLES=$(PXL_LINUX_CYCLES) $(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) \
		--only pxl-linux-cycles --no-reboot \
		--log $(BUILD)/system/petrel-pxl-linux-cycles-serial.log

test-pxl-linux-cycles-xen: dom0-image $(XEN_REF)
	PXL_LINUX_CYCLES=$(PXL_LINUX_CYCLES) $(SYSTEM_TEST) --hv xen --only pxl-linux-cycles \
		--no-reboot --log $(BUILD)/system/xen-pxl-linux-cycles-serial.log

# Only the save and restore of step pxl-linux (step pxl-linux-restore): the
# Linux domU pxl built, saved and restored by Debian's xl; a few minutes.
test-pxl-linux-restore: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only pxl-linux-restore --no-reboot \
		--log $(BUILD)/system/petrel-pxl-linux-restore-serial.log

test-pxl-linux-restore-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen --only pxl-linux-restore --no-reboot \
		--log $(BUILD)/system/xen-pxl-linux-restore-serial.log

# The Linux domU as a PVH guest of Debian's xl, 1 then 2 vCPUs (pause,
# reboot, shutdown, destroy), then built by pxl with type = "pvh" (step
# xl-pvh-linux; not in TEST_TARGETS: five domU boots, 12 to 25 min under load).  Xen 4.17 never starts a PVH domU's
# kernel under QEMU 10 (its last line is "HVM2 restore: CPU 0"), and its PV
# dom0 crashes under QEMU 7.2 with -cpu max; it boots the domU under
# bookworm's QEMU 7.2 with qemu64,+svm,+npt, so the -xen target runs there
# (QEMU72: the two packages unpacked, nothing installed; the firmware is the
# installed seabios and ipxe-qemu).
QEMU72_DIR := $(BUILD)/qemu72
QEMU72_VERSION := 1:7.2+dfsg-7+deb12u18
QEMU72 := $(QEMU72_DIR)/root/usr/bin/qemu-system-x86_64
QEMU72_ENV := SYSTEM_QEMU=$(QEMU72) SYSTEM_QEMU_CPU=qemu64,+svm,+npt \
	SYSTEM_QEMU_DATA=$(QEMU72_DIR)/root/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu:/usr/share/qemu

$(QEMU72): tests/system/system.mk
	@mkdir -p $(QEMU72_DIR)/debs
	cd $(QEMU72_DIR)/debs && apt-get download -q qemu-system-x86=$(QEMU72_VERSION)+b3 \
		qemu-system-common=$(QEMU72_VERSION)+b3 qemu-system-data=$(QEMU72_VERSION)
	for d in $(QEMU72_DIR)/debs/*.deb; do dpkg -x $$d $(QEMU72_DIR)/root || exit 1; done
	touch $@

test-system-pvh-linux: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-pvh-linux --no-reboot \
		--log $(BUILD)/system/petrel-pvh-linux-serial.log

test-system-pvh-linux-xen: dom0-image $(XEN_REF) $(QEMU72)
	$(QEMU72_ENV) $(SYSTEM_TEST) --hv xen --only xl-pvh-linux --no-reboot \
		--log $(BUILD)/system/xen-pvh-linux-serial.log

# xl save and xl restore of the PVH Linux domU (step xl-pvh-save,
# tests/system/pvh_save_checks.py; not in TEST_TARGETS).  The -xen twin runs
# on QEMU 7.2, where Xen 4.17 starts a PVH domU (see test-system-pvh-linux).
test-system-pvh-save: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-pvh-save --no-reboot \
		--log $(BUILD)/system/petrel-pvh-save-serial.log

test-system-pvh-save-xen: dom0-image $(XEN_REF) $(QEMU72)
	$(QEMU72_ENV) $(SYSTEM_TEST) --hv xen --only xl-pvh-save --no-reboot \
		--log $(BUILD)/system/xen-pvh-save-serial.log

# The Linux domU benchmark (bench/linux-domu.sh, step bench-linux): Petrel
# and Xen 4.17 in one run on the same QEMU (bookworm's 7.2 with
# qemu64,+svm,+npt, where Xen starts a PVH domU), the domU as PVH and as
# PV: xl create to its marker, a fork/exec loop and a CPU loop in it.
# BENCH_LINUX_RUNS runs (default 1), about 40 min each under load.
BENCH_LINUX_RUNS ?= 1
.PHONY: bench-linux
bench-linux: dom0-image $(PETREL_IMAGE) $(XEN_REF) $(QEMU72)
	@bash bench/linux-domu.sh --runs $(BENCH_LINUX_RUNS) --petrel $(PETREL_IMAGE) -- \
		env $(QEMU72_ENV) $(SYSTEM_TEST)

# With the save step, in the same dom0 boot, one cycle of the Linux domU
# (create, boot to its marker, destroy, free memory back): make test's slice
# of the Linux domU checks.
test-system-save: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/save-restore.elf $(GUEST_OUT)/hello.elf
	LINUX_CYCLES=1 PXL_CYCLES=$(PXL_SLICE_CYCLES) $(SYSTEM_TEST) --hv petrel \
		--image $(PETREL_IMAGE) --only xl-save,xl-linux-cycles,pxl-cycles --no-reboot \
		--log $(BUILD)/system/petrel-save-serial.log

test-system-save-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/save-restore.elf $(GUEST_OUT)/hello.elf
	LINUX_CYCLES=1 PXL_CYCLES=$(PXL_SLICE_CYCLES) $(SYSTEM_TEST) --hv xen \
		--only xl-save,xl-linux-cycles,pxl-cycles --no-reboot \
		--log $(BUILD)/system/xen-save-serial.log

test-system-migrate: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/save-restore.elf
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-save --no-reboot \
		--migrate-faults --log $(BUILD)/system/petrel-migrate-serial.log

test-system-migrate-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/save-restore.elf
	$(SYSTEM_TEST) --hv xen --only xl-save --no-reboot --migrate-faults \
		--log $(BUILD)/system/xen-migrate-serial.log

# The xl-linux step with split drivers: the domU gets a read-write and a
# read-only PV disk and a vif on xenbr0 (not in TEST_TARGETS; about 12 min).
test-system-split: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-linux --no-reboot \
		--split-drivers --log $(BUILD)/system/petrel-split-serial.log

test-system-split-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv xen --only xl-linux --no-reboot --split-drivers \
		--log $(BUILD)/system/xen-split-serial.log

# The split-driver slice (step xl-split): the Linux domU with one disk and
# one vif (blkfront reads and writes it, netfront pings dom0 over xenbr0),
# the hostile blkif and netif frontends beside it, all destroyed with their
# backends torn down; then SPLIT_QUICK_DEV_CYCLES of the xl-dev-cycles
# cycles (a guest that never connects its disk and vif) after their warm-up.
SYSTEM_SPLIT_QUICK := --only xl-split,xl-dev-cycles --hostile --no-reboot
SPLIT_QUICK_DEV_CYCLES ?= 2
SPLIT_QUICK_GUESTS := $(GUEST_OUT)/blkif-hostile.elf $(GUEST_OUT)/netif-hostile.elf \
	$(GUEST_OUT)/hello.elf

test-system-split-quick: dom0-image $(PETREL_IMAGE) $(SPLIT_QUICK_GUESTS)
	DEV_CYCLES=$(SPLIT_QUICK_DEV_CYCLES) $(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) \
		$(SYSTEM_SPLIT_QUICK) --log $(BUILD)/system/petrel-split-quick-serial.log

test-system-split-quick-xen: dom0-image $(XEN_REF) $(SPLIT_QUICK_GUESTS)
	DEV_CYCLES=$(SPLIT_QUICK_DEV_CYCLES) $(SYSTEM_TEST) --hv xen $(SYSTEM_SPLIT_QUICK) \
		--log $(BUILD)/system/xen-split-quick-serial.log

# Two Linux domUs on xenbr0, the transfer, hot attach and detach, and the
# device cycles (tests/system/net_checks.py).
SYSTEM_SPLIT_NET := --only xl-net,xl-dev-cycles --no-reboot
SPLIT_CYCLES ?= 100

test-system-split-net: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(SYSTEM_SPLIT_NET) \
		--log $(BUILD)/system/petrel-split-net-serial.log

test-system-split-net-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv xen $(SYSTEM_SPLIT_NET) --log $(BUILD)/system/xen-split-net-serial.log

# A Linux domU with a disk and a vif saved and restored while it works
# (tests/system/save_dev_checks.py).
SYSTEM_SAVE_DEVICES := --only xl-save-devices --no-reboot

test-system-save-devices: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(SYSTEM_SAVE_DEVICES) \
		--log $(BUILD)/system/petrel-save-devices-serial.log

test-system-save-devices-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(SYSTEM_SAVE_DEVICES) \
		--log $(BUILD)/system/xen-save-devices-serial.log

test-system-split-cycles: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/hello.elf
	DEV_CYCLES=$(SPLIT_CYCLES) $(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --only xl-dev-cycles \
		--no-reboot --log $(BUILD)/system/petrel-split-cycles-serial.log

test-system-split-cycles-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	DEV_CYCLES=$(SPLIT_CYCLES) $(SYSTEM_TEST) --hv xen --only xl-dev-cycles --no-reboot \
		--log $(BUILD)/system/xen-split-cycles-serial.log

SPLIT_LINUX_CYCLES ?= 20

test-system-split-linux-cycles: dom0-image $(PETREL_IMAGE)
	SPLIT_LINUX_CYCLES=$(SPLIT_LINUX_CYCLES) $(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) \
		--only xl-split-cycles --no-reboot --log $(BUILD)/system/petrel-split-linux-cycles-serial.log

test-system-split-linux-cycles-xen: dom0-image $(XEN_REF)
	SPLIT_LINUX_CYCLES=$(SPLIT_LINUX_CYCLES) $(SYSTEM_TEST) --hv xen --only xl-split-cycles \
		--no-reboot --log $(BUILD)/system/xen-split-linux-cycles-serial.log

test-system-smp: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --smp 2 --boot-timeout 600 \
		--log $(BUILD)/system/petrel-smp2-serial.log

test-system-smp4: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --smp 4 --boot-timeout 900 \
		--log $(BUILD)/system/petrel-smp4-serial.log

test-system-xen-smp: dom0-image $(XEN_REF) $(GUEST_OUT)/hello.elf
	$(SYSTEM_TEST) --hv xen --smp 2 --boot-timeout 600 --log $(BUILD)/system/xen-smp2-serial.log

# dom0 with 4 vCPUs to its shell, then only the xl and smp steps.
SYSTEM_SMP4 := --smp 4 --only xl,smp --no-reboot --boot-timeout 900

test-system-dom0-smp4: dom0-image $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) $(SYSTEM_SMP4) \
		--log $(BUILD)/system/petrel-dom0-smp4-serial.log

test-system-dom0-smp4-xen: dom0-image $(XEN_REF)
	$(SYSTEM_TEST) --hv xen $(SYSTEM_SMP4) --log $(BUILD)/system/xen-dom0-smp4-serial.log

test-system-6.12: dom0-image-6.12 $(PETREL_IMAGE)
	$(SYSTEM_TEST) --hv petrel --image $(PETREL_IMAGE) --kernel-dir $(BUILD)/dom0-6.12 \
		$(SYSTEM_SKIP_6_12) --log $(BUILD)/system/petrel-6.12-serial.log

MIGRATE2_TEST := $(PYTHON) tests/system/migrate2_test.py --log-dir $(BUILD)/system

test-system-migrate2: dom0-image $(PETREL_IMAGE) $(GUEST_OUT)/save-restore.elf
	$(MIGRATE2_TEST) --hv petrel --image $(PETREL_IMAGE)

test-system-migrate2-xen: dom0-image $(XEN_REF) $(GUEST_OUT)/save-restore.elf
	$(MIGRATE2_TEST) --hv xen

MIGRATE2_DEV_TEST := $(PYTHON) tests/system/migrate2_dev_test.py --log-dir $(BUILD)/system

test-system-migrate2-dev: dom0-image $(PETREL_IMAGE)
	$(MIGRATE2_DEV_TEST) --hv petrel --image $(PETREL_IMAGE)

test-system-migrate2-dev-xen: dom0-image $(XEN_REF)
	$(MIGRATE2_DEV_TEST) --hv xen

test-system-save-cross: dom0-image $(PETREL_IMAGE) $(XEN_REF) $(GUEST_OUT)/save-restore.elf
	$(PYTHON) tests/system/save_cross_test.py --hv xen --image $(PETREL_IMAGE) \
		--log-dir $(BUILD)/system

# The hypervisor of machine A in test-system-save-cross-linux and -pvh (B has the other).
SAVE_CROSS_FIRST ?= xen

# On QEMU 7.2 (QEMU72_ENV), where Xen 4.17 starts a PVH domU's kernel (see
# test-system-pvh-linux); Petrel runs on the same QEMU and CPU model.
test-system-save-cross-pvh: dom0-image $(PETREL_IMAGE) $(XEN_REF) $(QEMU72)
	$(QEMU72_ENV) $(PYTHON) tests/system/save_cross_test.py --guest pvh --hv $(SAVE_CROSS_FIRST) \
		--image $(PETREL_IMAGE) --log-dir $(BUILD)/system

# Its Linux domU's vCPUs (more than one: /bin/domu-spin keeps each busy).
SAVE_CROSS_VCPUS ?= 1
# SAVE_CROSS_VCPU_DOWN=1: xl vcpu-set takes its last vCPU down before each save,
# up again after the restore.
SAVE_CROSS_VCPU_DOWN ?=

test-system-save-cross-linux: dom0-image $(PETREL_IMAGE) $(XEN_REF)
	$(PYTHON) tests/system/save_cross_test.py --guest linux --hv $(SAVE_CROSS_FIRST) \
		--vcpus $(SAVE_CROSS_VCPUS) $(if $(SAVE_CROSS_VCPU_DOWN),--vcpu-down) --image $(PETREL_IMAGE) --log-dir $(BUILD)/system

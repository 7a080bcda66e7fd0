# PV test guests (tests/guests/): one freestanding ELF per tests/*.c, booted
# as Petrel's initial domain under QEMU by tests/guests/run.sh.
#
#   make guests              build every $(BUILD)/tests/guests/<name>.elf
#   make test-guests         boot each through multiboot (QEMU -kernel)
#   make test-guests-efi     boot each through OVMF + petrel.efi (scripts/efi-boot.sh)
#   make test-guests-hcpage  multiboot again, every guest built with a
#                            HYPERCALL_PAGE note and calling through the page
#   make test-guests-runner  check run.sh's verdicts on made-up logs
#   make test-guests-bochs-hvm  every PV test building an HVM/PVH domU
#                            ($(BOCHS_HVM_BUILDERS)) under Bochs on VMX (not in make test)
#   make test-guests-bochs   a slice ($(BOCHS_GUESTS)) under Bochs on an Intel
#                            CPU with VMX (scripts/bochs-boot.sh), about 25 s
#                            a boot; GUEST_ONLY picks others
#   make test-guests-xen     the tests themselves, on Debian's Xen 4.17 (build/xen-ref,
#                            see tests/system/system.mk): every test must pass there
#                            too, except those in tests/guests/petrel-only.list
#   make test-guests GUEST_ONLY="hello version"   run only these tests
#   make test-guests GUEST_TIMEOUT=120            per-boot timeout in seconds
#   make test-guests GUEST_JOBS=1                 QEMU instances at once (default 2)
#   GUEST_HV_OPTS=tlb_holders=0 make test-guests  Petrel options added to every boot
# Logs: $(BUILD)/tests/guests[-hcpage]/logs/<multiboot|efi|bochs>/<test>.log. With
# about 30 boots, a multiboot stage takes 10-20 s, the efi one 1.5-3.5 min.

GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/tests/guests
GUEST_HC_OUT := $(BUILD)/tests/guests-hcpage
GUEST_TESTS := $(sort $(basename $(notdir $(wildcard $(GUEST_DIR)/tests/*.c))))
GUEST_LIB := entry xtest traps printk string defaults events console-ring
# Linked as an archive: only the tests that use them pull them in.
GUEST_LIB_OPT := builder hammer vcpu-start xs-client pvfront pv-suspend
GUEST_LDS := $(GUEST_DIR)/lib/guest.ld

GUEST_CC ?= gcc
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -I$(GUEST_DIR)/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(GUEST_LDS) -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

# guest_variant OUTDIR EXTRA-CFLAGS: rules building every guest into OUTDIR.
define guest_variant
$(1)/lib/%.o: $(GUEST_DIR)/lib/%.c
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) $(2) -c $$< -o $$@

$(1)/lib/%.o: $(GUEST_DIR)/lib/%.S
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) $(2) -c $$< -o $$@

$(1)/obj/%.o: $(GUEST_DIR)/tests/%.c
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) $(2) -DXTEST_NAME='"$$*"' -c $$< -o $$@

$(1)/lib/libopt.a: $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB_OPT))
	rm -f $$@
	ar rcs $$@ $$^

$(1)/%.elf: $(1)/obj/%.o $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB)) $(1)/lib/libopt.a $(GUEST_LDS)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -o $$@ $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB)) $$< \
		$(1)/lib/libopt.a

-include $(patsubst %,$(1)/lib/%.d,$(GUEST_LIB) $(GUEST_LIB_OPT)) \
	$(patsubst %,$(1)/obj/%.d,$(GUEST_TESTS))

# Keep the objects between runs (intermediate files of pattern rules).
.SECONDARY: $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB) $(GUEST_LIB_OPT)) \
	$(patsubst %,$(1)/obj/%.o,$(GUEST_TESTS))
endef

$(eval $(call guest_variant,$(GUEST_OUT),))
$(eval $(call guest_variant,$(GUEST_HC_OUT),-DXTEST_FORCE_HYPERCALL_PAGE))

# fuzz-domu carries its variant's fuzz.elf and domu/heartbeat.elf (.incbin); the
# images under tests/guests/domu/ are domUs only, never booted as tests.
GUEST_DOMUS := $(sort $(basename $(notdir $(wildcard $(GUEST_DIR)/domu/*.c))))
define guest_domu_images
$(1)/domu/%.o: $(GUEST_DIR)/domu/%.c
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) $(2) -DXTEST_NAME='"$$*"' -c $$< -o $$@

$(1)/domu/%.elf: $(1)/domu/%.o $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB)) $(1)/lib/libopt.a $(GUEST_LDS)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -o $$@ $(patsubst %,$(1)/lib/%.o,$(GUEST_LIB)) $$< \
		$(1)/lib/libopt.a

$(1)/obj/fuzz-domu.o: $(1)/fuzz.elf $(1)/domu/heartbeat.elf
$(1)/obj/fuzz-domu.o: GUEST_CFLAGS += -Wa,-I$(1)
.SECONDARY: $(patsubst %,$(1)/domu/%.o,$(GUEST_DOMUS))
-include $(patsubst %,$(1)/domu/%.d,$(GUEST_DOMUS))
endef

$(eval $(call guest_domu_images,$(GUEST_OUT),))
$(eval $(call guest_domu_images,$(GUEST_HC_OUT),-DXTEST_FORCE_HYPERCALL_PAGE))

# hello-lownotes: the hello test with only the notes a kernel must have (no
# VIRT_BASE, PADDR_OFFSET or SUPPORTED_FEATURES), so linked low (VIRT_BASE
# is then 0, as on Xen); both hypervisors must boot it as dom0.
GUEST_LOW_OUT := $(BUILD)/tests/guests-lownotes
GUEST_LOW_ELF := $(GUEST_OUT)/hello-lownotes.elf
$(eval $(call guest_variant,$(GUEST_LOW_OUT),-DXTEST_MINIMAL_NOTES -mcmodel=small))

$(GUEST_LOW_OUT)/guest.ld: $(GUEST_LDS)
	@mkdir -p $(@D)
	sed 's/^VIRT_BASE = .*;/VIRT_BASE = 0;/' $< >$@

$(GUEST_LOW_ELF): $(GUEST_LOW_OUT)/obj/hello.o $(patsubst %,$(GUEST_LOW_OUT)/lib/%.o,$(GUEST_LIB)) \
		$(GUEST_LOW_OUT)/guest.ld
	$(GUEST_CC) $(subst $(GUEST_LDS),$(GUEST_LOW_OUT)/guest.ld,$(GUEST_LDFLAGS)) -o $@ \
		$(patsubst %,$(GUEST_LOW_OUT)/lib/%.o,$(GUEST_LIB)) $<
	@if readelf -n $@ | grep -qE 'VIRT_BASE|PADDR_OFFSET|SUPPORTED_FEATURES|\(0x0000000(3|4)\)|\(0x00000011\)'; then \
		echo "$@: has notes it must not have" >&2; rm -f $@; exit 1; fi

GUEST_ELFS := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_TESTS)) $(GUEST_LOW_ELF)
GUEST_HC_ELFS := $(patsubst %,$(GUEST_HC_OUT)/%.elf,$(GUEST_TESTS))

GUEST_TIMEOUT ?= 60
GUEST_JOBS ?= 2
GUEST_ONLY ?=
GUEST_RUN = bash $(GUEST_DIR)/run.sh --timeout $(GUEST_TIMEOUT) --jobs $(GUEST_JOBS) \
	--src $(GUEST_DIR)/tests
# Tests booted only when GUEST_ONLY names them, not in the full stages
# (none at present).
GUEST_NAMED_ONLY :=
# guest_selected OUTDIR: the images to boot (all plus the malformed ones, or GUEST_ONLY)
guest_selected = $(if $(GUEST_ONLY),$(patsubst %,$(1)/%.elf,$(GUEST_ONLY)),\
	$(patsubst %,$(1)/%.elf,$(filter-out $(GUEST_NAMED_ONLY),$(GUEST_TESTS))) --malformed)
# ... plus hello-lownotes (in $(GUEST_OUT)) for the stages that boot it
guest_selected_low = $(call guest_selected,$(GUEST_OUT))$(if $(GUEST_ONLY),, $(GUEST_LOW_ELF))

# Bochs interprets every instruction: about 6x slower than QEMU's TCG.
BOCHS_TIMEOUT ?= 300
# domctl-build-pvh and gnttab-hvm build a PVH domU: sethvmcontext/gethvmcontext and its VMCS's
# teardown on VMX; pvh-bad-entry a domU whose VM entry fails (the domain crashed, the rest runs on);
# pvh-sipi a 2-vCPU domU whose second vCPU starts by INIT/SIPI in real mode; pvh-cli-spin a
# domU spinning with interrupts off, taken back by the VMX-preemption timer.
BOCHS_GUESTS ?= hello crash hypercall-page evtchn-upcall sysenter-intel exceptions \
	domctl-build-pvh gnttab-hvm pvh-bad-entry pvh-sipi pvh-cli-spin
# Every PV guest test that builds an HVM or PVH domU (hvm_build/pvh_build), for the long
# VMX target test-guests-bochs-hvm (BOCHS_GUESTS keeps make test's slice of them).
BOCHS_HVM_BUILDERS ?= domctl-build-pvh gnttab-hvm hvm-hpet hvm-platform hvm-timer-mode ioreq-server \
	logdirty-hvm pvh-bad-entry pvh-cli-spin pvh-sipi pvh-save-lapic soft-reset
GUEST_RUN_BOCHS = bash $(GUEST_DIR)/run.sh --timeout $(BOCHS_TIMEOUT) --jobs $(GUEST_JOBS) \
	--src $(GUEST_DIR)/tests --mode bochs

ALL_TARGETS += guests guests-hcpage
TEST_TARGETS += test-guests-runner test-guests test-guests-hcpage test-guests-xen \
	test-guests-bochs
# The EFI stage needs the EFI loader's make fragment and scripts/efi-boot.sh.
GUEST_EFI_OK := $(and $(wildcard xen/arch/x86/efi/efi.mk),$(wildcard scripts/efi-boot.sh))
ifneq ($(GUEST_EFI_OK),)
TEST_TARGETS += test-guests-efi
endif

.PHONY: guests guests-hcpage test-guests test-guests-efi test-guests-hcpage test-guests-runner \
	test-guests-xen test-guests-bochs test-guests-bochs-hvm
guests: $(GUEST_ELFS)
guests-hcpage: $(GUEST_HC_ELFS)

# The runner's own verdict logic, on made-up logs (no QEMU, about 1 s).
test-guests-runner:
	@bash $(GUEST_DIR)/runner-check.sh

test-guests: guests $(BUILD)/xen/petrel
	@$(GUEST_RUN) --out $(GUEST_OUT)/logs --mode multiboot --petrel $(BUILD)/xen/petrel \
		$(guest_selected_low)

test-guests-hcpage: guests-hcpage $(BUILD)/xen/petrel
	@$(GUEST_RUN) --out $(GUEST_HC_OUT)/logs --label mb+hcpage --mode multiboot \
		--petrel $(BUILD)/xen/petrel $(call guest_selected,$(GUEST_HC_OUT))

test-guests-efi: guests $(if $(GUEST_EFI_OK),$(BUILD)/xen/petrel.efi)
	@$(GUEST_RUN) --out $(GUEST_OUT)/logs --mode efi --petrel $(BUILD)/xen/petrel.efi \
		$(call guest_selected,$(GUEST_OUT))

test-guests-bochs: guests $(BUILD)/xen/petrel
	@$(GUEST_RUN_BOCHS) --out $(GUEST_OUT)/logs --petrel $(BUILD)/xen/petrel \
		$(patsubst %,$(GUEST_OUT)/%.elf,$(or $(GUEST_ONLY),$(BOCHS_GUESTS)))

test-guests-bochs-hvm: guests $(BUILD)/xen/petrel
	@$(GUEST_RUN_BOCHS) --out $(GUEST_OUT)/logs --petrel $(BUILD)/xen/petrel \
		$(patsubst %,$(GUEST_OUT)/%.elf,$(or $(GUEST_ONLY),$(BOCHS_HVM_BUILDERS)))

# Reference run on the real Xen 4.17 (the rule fetching it is in
# tests/system/system.mk): every guest test must pass there too, but for the
# Petrel-only ones listed with their reasons, which must fail there.
GUEST_XEN_REF := $(BUILD)/xen-ref/xen-4.17-amd64
GUEST_PETREL_ONLY := $(GUEST_DIR)/petrel-only.list
test-guests-xen: guests $(GUEST_XEN_REF)
	@$(GUEST_RUN) --out $(GUEST_OUT)/logs --mode xen --petrel $(GUEST_XEN_REF) \
		--petrel-only $(GUEST_PETREL_ONLY) $(guest_selected_low)

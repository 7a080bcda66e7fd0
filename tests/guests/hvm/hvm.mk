# HVM test guests (tests/guests/hvm/): 64-bit long-mode kernels booted through
# PVH as the initial domain (dom0=pvh) on a CPU with SVM and nested paging, or
# with VMX and EPT. They share the PV guests' test runtime (lib/xtest.c,
# printk, strings) and runner; hypercalls go through vmmcall on AMD and
# vmcall on Intel (-DXTEST_HVM).
#
#   make guests-hvm             build every $(BUILD)/tests/guests-hvm/<name>.elf
#   make test-guests-hvm        boot each on Petrel (QEMU -cpu qemu64,+svm,+npt)
#   make test-guests-hvm-xen    the same images on Debian's Xen 4.17 (dom0=pvh)
#   make test-guests-hvm-vmx    each on Petrel under Bochs (Intel VMX with EPT),
#                               20-37 s a boot, 2 at a time: ~5.5 min
#   make test-guests-hvm-vmx-quick  the slice of it `make test` runs
#                               ($(HVM_VMX_QUICK)), ~1.5-2 min
#   make test-guests-vmx-all    the long VMX target (not in make test): every
#                               HVM guest, then every PV test that builds an
#                               HVM/PVH domU ($(BOCHS_HVM_BUILDERS)), ~11 min
# Logs: $(BUILD)/tests/guests-hvm/logs/<multiboot|xen|bochs>/<test>.log.

HVM_GUEST_DIR := tests/guests/hvm
HVM_GUEST_OUT := $(BUILD)/tests/guests-hvm
HVM_GUEST_TESTS := $(sort $(basename $(notdir $(wildcard $(HVM_GUEST_DIR)/tests/*.c))))
HVM_GUEST_LIB := $(addprefix $(HVM_GUEST_OUT)/lib/,head.o hvm.o xtest.o printk.o string.o defaults.o console-ring.o)
HVM_GUEST_LDS := $(HVM_GUEST_DIR)/hvm.ld
HVM_GUEST_CFLAGS := $(filter-out -mcmodel=kernel,$(GUEST_CFLAGS)) -mcmodel=small -DXTEST_HVM \
	-I$(HVM_GUEST_DIR)
HVM_GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(HVM_GUEST_LDS) -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

$(HVM_GUEST_OUT)/lib/%.o: $(HVM_GUEST_DIR)/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(HVM_GUEST_CFLAGS) -c $< -o $@

$(HVM_GUEST_OUT)/lib/%.o: $(HVM_GUEST_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(HVM_GUEST_CFLAGS) -c $< -o $@

$(HVM_GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(HVM_GUEST_CFLAGS) -c $< -o $@

$(HVM_GUEST_OUT)/obj/%.o: $(HVM_GUEST_DIR)/tests/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(HVM_GUEST_CFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(HVM_GUEST_OUT)/%.elf: $(HVM_GUEST_OUT)/obj/%.o $(HVM_GUEST_LIB) $(HVM_GUEST_LDS)
	$(GUEST_CC) $(HVM_GUEST_LDFLAGS) -o $@ $(HVM_GUEST_LIB) $<

-include $(HVM_GUEST_LIB:.o=.d) $(patsubst %,$(HVM_GUEST_OUT)/obj/%.d,$(HVM_GUEST_TESTS))
.SECONDARY: $(HVM_GUEST_LIB) $(patsubst %,$(HVM_GUEST_OUT)/obj/%.o,$(HVM_GUEST_TESTS))

# The images under tests/guests/hvm/domu/ are PVH domUs for the system
# tests (built by xl or pxl), never booted as tests; they have the
# xenstore client too.
HVM_GUEST_DOMUS := $(sort $(basename $(notdir $(wildcard $(HVM_GUEST_DIR)/domu/*.c))))
$(HVM_GUEST_OUT)/domu/%.o: $(HVM_GUEST_DIR)/domu/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(HVM_GUEST_CFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(HVM_GUEST_OUT)/domu/%.elf: $(HVM_GUEST_OUT)/domu/%.o $(HVM_GUEST_LIB) \
		$(HVM_GUEST_OUT)/lib/xs-client.o $(HVM_GUEST_LDS)
	$(GUEST_CC) $(HVM_GUEST_LDFLAGS) -o $@ $(HVM_GUEST_LIB) $(HVM_GUEST_OUT)/lib/xs-client.o $<

-include $(patsubst %,$(HVM_GUEST_OUT)/domu/%.d,$(HVM_GUEST_DOMUS))
.SECONDARY: $(patsubst %,$(HVM_GUEST_OUT)/domu/%.o,$(HVM_GUEST_DOMUS))

HVM_GUEST_ELFS := $(patsubst %,$(HVM_GUEST_OUT)/%.elf,$(HVM_GUEST_TESTS))
hvm_guest_selected = $(if $(GUEST_ONLY),$(patsubst %,$(HVM_GUEST_OUT)/%.elf,$(GUEST_ONLY)),\
	$(HVM_GUEST_ELFS))
HVM_GUEST_RUN = bash $(GUEST_DIR)/run.sh --timeout $(GUEST_TIMEOUT) --jobs $(GUEST_JOBS) \
	--src $(HVM_GUEST_DIR)/tests

# The 64-bit hypercall path and the 32-bit one from PAE paging (the PDPTEs
# VM entry loads from the VMCS), interrupts and the vLAPIC timer, CR/MSR
# exits, the refusal on a CPU without EPT and hypercall continuations.
HVM_VMX_QUICK ?= hvm-hypercall hvm-paging32-pae hvm-lapic hvm-msr-cr hvm-no-svm hvm-gnttab
HVM_GUEST_RUN_BOCHS = bash $(GUEST_DIR)/run.sh --timeout $(BOCHS_TIMEOUT) --jobs $(GUEST_JOBS) \
	--src $(HVM_GUEST_DIR)/tests --mode bochs --label vmx+pvh

ALL_TARGETS += guests-hvm
TEST_TARGETS += test-guests-hvm test-guests-hvm-xen test-guests-hvm-vmx-quick

.PHONY: guests-hvm test-guests-hvm test-guests-hvm-xen test-guests-hvm-vmx \
	test-guests-hvm-vmx-quick test-guests-vmx-all
guests-hvm: $(HVM_GUEST_ELFS)

test-guests-hvm: guests-hvm $(BUILD)/xen/petrel
	@$(HVM_GUEST_RUN) --out $(HVM_GUEST_OUT)/logs --label mb+pvh --mode multiboot \
		--petrel $(BUILD)/xen/petrel $(hvm_guest_selected)

test-guests-hvm-xen: guests-hvm $(GUEST_XEN_REF)
	@$(HVM_GUEST_RUN) --out $(HVM_GUEST_OUT)/logs --label xen+pvh --mode xen \
		--petrel $(GUEST_XEN_REF) --petrel-only $(HVM_GUEST_DIR)/petrel-only.list $(hvm_guest_selected)

test-guests-hvm-vmx: guests-hvm $(BUILD)/xen/petrel
	@$(HVM_GUEST_RUN_BOCHS) --out $(HVM_GUEST_OUT)/logs --petrel $(BUILD)/xen/petrel \
		$(hvm_guest_selected)

test-guests-hvm-vmx-quick: guests-hvm $(BUILD)/xen/petrel
	@$(HVM_GUEST_RUN_BOCHS) --out $(HVM_GUEST_OUT)/logs --petrel $(BUILD)/xen/petrel \
		$(patsubst %,$(HVM_GUEST_OUT)/%.elf,$(or $(GUEST_ONLY),$(HVM_VMX_QUICK)))

# One after the other: each runs $(GUEST_JOBS) Bochs at a time.
test-guests-vmx-all: guests guests-hvm $(BUILD)/xen/petrel
	@$(MAKE) --no-print-directory test-guests-hvm-vmx GUEST_ONLY=
	@$(MAKE) --no-print-directory test-guests-bochs-hvm GUEST_ONLY=

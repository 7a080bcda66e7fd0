# PV test guests (tests/guests/): one freestanding ELF per tests/*.c, booted
# as Petrel's initial domain under QEMU by tests/guests/run.sh.
#
#   make guests            build every $(BUILD)/tests/guests/<name>.elf
#   make test-guests       boot each through multiboot (QEMU -kernel)
#   make test-guests-efi   boot each through OVMF + petrel.efi (scripts/efi-boot.sh)
#   make test-guests-runner  check run.sh's verdicts on made-up logs
#   make test-guests GUEST_ONLY="hello version"   run only these tests
#   make test-guests GUEST_TIMEOUT=120            per-boot timeout in seconds
#   make test-guests GUEST_JOBS=1                 QEMU instances at once (default 2)
# Logs: $(BUILD)/tests/guests/logs/<multiboot|efi>/<test>.log. Takes about
# 10-20 s (multiboot) and 70-90 s (efi) for 18 tests and 3 malformed images.

GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/tests/guests
GUEST_TESTS := $(sort $(basename $(notdir $(wildcard $(GUEST_DIR)/tests/*.c))))
GUEST_ELFS := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_TESTS))
GUEST_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/lib/%.o,entry xtest traps printk string defaults)
GUEST_LDS := $(GUEST_DIR)/lib/guest.ld

GUEST_CC ?= gcc
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -I$(GUEST_DIR)/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(GUEST_LDS) -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

GUEST_TIMEOUT ?= 60
GUEST_JOBS ?= 2
GUEST_ONLY ?=
GUEST_RUN = bash $(GUEST_DIR)/run.sh --out $(GUEST_OUT)/logs --timeout $(GUEST_TIMEOUT) \
	--jobs $(GUEST_JOBS) --src $(GUEST_DIR)/tests

ALL_TARGETS += guests
TEST_TARGETS += test-guests-runner test-guests
# The EFI stage needs the EFI loader's make fragment and scripts/efi-boot.sh.
GUEST_EFI_OK := $(and $(wildcard xen/arch/x86/efi/efi.mk),$(wildcard scripts/efi-boot.sh))
ifneq ($(GUEST_EFI_OK),)
TEST_TARGETS += test-guests-efi
endif
GUEST_SELECTED = $(if $(GUEST_ONLY),$(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_ONLY)),\
	$(GUEST_ELFS) --malformed)

.PHONY: guests test-guests test-guests-efi test-guests-runner
guests: $(GUEST_ELFS)

$(GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.o: $(GUEST_DIR)/tests/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj/%.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB_OBJS) $<

# The runner's own verdict logic, on made-up logs (no QEMU, about 1 s).
test-guests-runner:
	@bash $(GUEST_DIR)/runner-check.sh

test-guests: guests $(BUILD)/xen/petrel
	@$(GUEST_RUN) --mode multiboot --petrel $(BUILD)/xen/petrel $(GUEST_SELECTED)

test-guests-efi: guests $(if $(GUEST_EFI_OK),$(BUILD)/xen/petrel.efi)
	@$(GUEST_RUN) --mode efi --petrel $(BUILD)/xen/petrel.efi $(GUEST_SELECTED)

-include $(GUEST_LIB_OBJS:.o=.d) $(patsubst %,$(GUEST_OUT)/obj/%.d,$(GUEST_TESTS))

# Keep the objects between runs (they are intermediate files of pattern rules).
.SECONDARY: $(GUEST_LIB_OBJS) $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_TESTS))

# petrel.efi: the UEFI boot path (GNU-EFI). Included by the top Makefile.
#
#   $(BUILD)/xen/petrel.efi  petrel.efi with build/xen/petrel.bin embedded
#   efi-unit                 host unit tests of the firmware-independent parts (cmocka, <1 s)
#   efi-boot                 petrel.efi + a stand-in image booted under OVMF (QEMU TCG, ~1 min)
#   efi-core                 petrel.efi + the real core + the hello PV guest under OVMF (~6 s)
#
# petrel.efi joins ALL_TARGETS (and efi-core TEST_TARGETS) once xen/xen.mk
# puts $(BUILD)/xen/petrel.bin there, so `make` keeps working before that.

EFI_SRC := xen/arch/x86/efi
EFI_OUT := $(BUILD)/xen/efi
GNUEFI_LIB ?= /usr/lib
GNUEFI_INC ?= /usr/include/efi

EFI_CC ?= gcc
EFI_CFLAGS := -std=gnu11 -O2 -g0 -Wall -Wextra -Werror -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
	-I$(GNUEFI_INC) -I$(GNUEFI_INC)/x86_64 -Ixen/include -I$(EFI_SRC)
EFI_LDFLAGS := -nostdlib -znocombreloc -T $(GNUEFI_LIB)/elf_x86_64_efi.lds -shared -Bsymbolic \
	-L$(GNUEFI_LIB) $(GNUEFI_LIB)/crt0-efi-x86_64.o
EFI_OBJCOPY_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
	-j .rela -j .rel.* -j .rela.* -j .reloc

EFI_PURE := cfg e820 pagetable
EFI_OBJS := $(addprefix $(EFI_OUT)/,$(addsuffix .o,main tramp $(EFI_PURE)))
EFI_HDRS := $(wildcard $(EFI_SRC)/*.h) $(wildcard xen/include/*.h)

$(EFI_OUT)/%.o: $(EFI_SRC)/%.c $(EFI_HDRS)
	@mkdir -p $(@D)
	$(EFI_CC) $(EFI_CFLAGS) -c $< -o $@

$(EFI_OUT)/tramp.o: $(EFI_SRC)/tramp.S
	@mkdir -p $(@D)
	$(EFI_CC) $(EFI_CFLAGS) -c $< -o $@

# $(call efi_app,<output .efi>,<flat image to embed>)
define efi_app
$(EFI_OUT)/$(notdir $(1:.efi=)).blob.o: $(2) $(EFI_SRC)/blob.S
	@mkdir -p $$(@D)
	$(EFI_CC) $(EFI_CFLAGS) -DPETREL_BIN='"$(2)"' -c $(EFI_SRC)/blob.S -o $$@
$(EFI_OUT)/$(notdir $(1:.efi=)).so: $(EFI_OBJS) $(EFI_OUT)/$(notdir $(1:.efi=)).blob.o
	ld $(EFI_LDFLAGS) $$^ -lefi -lgnuefi -o $$@
$(1): $(EFI_OUT)/$(notdir $(1:.efi=)).so
	@mkdir -p $$(@D)
	objcopy $(EFI_OBJCOPY_SECTIONS) --target efi-app-x86_64 --subsystem=10 $$< $$@
endef

$(eval $(call efi_app,$(BUILD)/xen/petrel.efi,$(BUILD)/xen/petrel.bin))

# --- tests -------------------------------------------------------------

EFI_TEST := $(EFI_OUT)/test
STANDIN_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	-mcmodel=large -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -Ixen/include

$(EFI_TEST)/standin.elf: $(EFI_SRC)/tests/standin.c $(EFI_SRC)/tests/standin_head.S \
		$(EFI_SRC)/tests/standin.lds $(EFI_HDRS)
	@mkdir -p $(@D)
	$(EFI_CC) $(STANDIN_CFLAGS) -c $(EFI_SRC)/tests/standin_head.S -o $(EFI_TEST)/standin_head.o
	$(EFI_CC) $(STANDIN_CFLAGS) -c $(EFI_SRC)/tests/standin.c -o $(EFI_TEST)/standin.o
	ld -nostdlib -static -no-pie -z max-page-size=4096 --no-warn-rwx-segments -T $(EFI_SRC)/tests/standin.lds \
		$(EFI_TEST)/standin_head.o $(EFI_TEST)/standin.o -o $@

$(EFI_TEST)/standin.bin: $(EFI_TEST)/standin.elf
	objcopy -O binary $< $@

$(eval $(call efi_app,$(EFI_TEST)/petrel-standin.efi,$(EFI_TEST)/standin.bin))

$(EFI_TEST)/test_efi_helpers: $(EFI_SRC)/tests/test_efi_helpers.c \
		$(addprefix $(EFI_SRC)/,$(addsuffix .c,$(EFI_PURE))) $(EFI_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Ixen/include -I$(EFI_SRC) \
		$(filter %.c,$^) -lcmocka -o $@

.PHONY: efi-unit efi-boot efi-core
efi-unit: $(EFI_TEST)/test_efi_helpers
	@$<

efi-boot: $(EFI_TEST)/petrel-standin.efi $(EFI_TEST)/standin.bin
	@bash $(EFI_SRC)/tests/boot-tests.sh $(EFI_TEST)/petrel-standin.efi $(EFI_TEST)/boot

efi-core: $(BUILD)/xen/petrel.efi $(BUILD)/tests/guests/hello.elf
	@bash $(EFI_SRC)/tests/core-test.sh $(BUILD)/xen/petrel.efi $(BUILD)/tests/guests/hello.elf \
		$(EFI_TEST)/core

TEST_TARGETS += efi-unit efi-boot
ifneq ($(filter $(BUILD)/xen/petrel.bin,$(ALL_TARGETS)),)
ALL_TARGETS += $(BUILD)/xen/petrel.efi
TEST_TARGETS += efi-core
endif

# The hypervisor: build/xen/petrel (multiboot image), petrel.bin (flat image
# for petrel.efi to embed) and petrel-syms (ELF with symbols, for gdb).
XEN_OUT := $(BUILD)/xen
XEN_SRCS_C := $(filter-out xen/arch/x86/efi/%,$(shell find xen -name '*.c' | sort))
XEN_SRCS_S := $(filter-out xen/arch/x86/efi/%,$(shell find xen -name '*.S' | sort))
XEN_OBJS := $(patsubst %.c,$(XEN_OUT)/obj/%.o,$(XEN_SRCS_C)) \
	$(patsubst %.S,$(XEN_OUT)/obj/%.o,$(XEN_SRCS_S)) \
	$(XEN_OUT)/obj/gen/hypercall_table.o

XEN_CC ?= gcc
XEN_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(XEN_CC) -print-file-name=include) \
	-mno-red-zone -fpie -fvisibility=hidden -mno-sse -mno-mmx -mno-sse2 -mno-avx \
	-mno-80387 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-jump-tables \
	-fcf-protection=none -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wframe-larger-than=1536 -D__PETREL__ -iquote xen/include -iquote include -MMD -MP
XEN_ASFLAGS := -D__ASSEMBLER__ -D__PETREL__ -iquote xen/include -iquote include -MMD -MP
XEN_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	--build-id=sha1

ALL_TARGETS += $(XEN_OUT)/petrel $(XEN_OUT)/petrel.bin

$(XEN_OUT)/obj/%.o: %.c xen/xen.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(XEN_CC) $(XEN_CFLAGS) -c $< -o $@

$(XEN_OUT)/obj/%.o: %.S xen/xen.mk
	@mkdir -p $(dir $@)
	@echo "  AS $<"; $(XEN_CC) $(XEN_ASFLAGS) -c $< -o $@

$(XEN_OUT)/obj/gen/hypercall_table.o: $(GEN)/hypercall_table.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(XEN_CC) $(XEN_CFLAGS) -c $< -o $@

$(XEN_OUT)/petrel-syms: $(XEN_OBJS) xen/arch/x86/xen.lds
	ld $(XEN_LDFLAGS) -T xen/arch/x86/xen.lds -o $@ $(XEN_OBJS)

# Padded to __file_end so the multiboot load_end_addr matches the file.
$(XEN_OUT)/petrel.bin: $(XEN_OUT)/petrel-syms
	objcopy -O binary $< $@
	truncate -s $$(( 0x$$(nm $< | awk '$$3 == "__file_end" { print $$1 }') - \
		0x$$(nm $< | awk '$$3 == "__image_start" { print $$1 }') )) $@

# The multiboot image is the flat image itself: its multiboot1 header uses the
# address fields, its multiboot2 header the address and entry tags.
$(XEN_OUT)/petrel: $(XEN_OUT)/petrel.bin
	cp $< $@

.PHONY: xen
xen: $(XEN_OUT)/petrel

-include $(XEN_OBJS:.o=.d)

# Unit tests: cmocka suites built for the host from the real hypervisor
# sources, with AddressSanitizer and UBSan. tests/unit/xenstore/ belongs to
# another part of the tree and is not picked up here.
UNIT_DIR := tests/unit
UNIT_OUT := $(BUILD)/unit
UNIT_CC ?= $(HOSTCC)
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(UNIT_SAN) \
	-iquote xen/include -iquote $(UNIT_DIR)
UNIT_LDLIBS := -lcmocka

# xen/lib is built with every symbol renamed to petrel_*, so that it can be
# linked into host programs next to the C library it imitates.
UNIT_LIB_SYMS := memcpy memmove memset memcmp strlen strnlen strcmp strncmp strchr \
	strlcpy strtoul parse_size vsnprintf snprintf sort
UNIT_RENAME_ALL := $(foreach s,$(UNIT_LIB_SYMS),-D$(s)=petrel_$(s))
# The other sources use the host's string and printf functions and ours only
# where the host has none or a different one.
UNIT_RENAME_SOME := $(foreach s,strlcpy strtoul parse_size sort,-D$(s)=petrel_$(s))

UNIT_LIB_SRCS := $(wildcard xen/lib/*.c)
UNIT_LIB_OBJS := $(patsubst xen/lib/%.c,$(UNIT_OUT)/lib/%.o,$(UNIT_LIB_SRCS))
UNIT_SHIM := $(UNIT_OUT)/shim.o

# suite name -> the hypervisor sources it tests
UNIT_SRCS_test_lib :=
UNIT_SRCS_test_buddy := xen/common/page_alloc.c
UNIT_SRCS_test_elf := xen/common/libelf.c xen/common/bzimage.c
UNIT_SRCS_test_cmdline := xen/common/cmdline.c
UNIT_SRCS_test_memmap := xen/common/memmap.c
UNIT_SRCS_test_rangeset := xen/common/rangeset.c
UNIT_SRCS_test_logdirty := xen/common/logdirty.c
UNIT_SRCS_test_tsc_calib := xen/common/tsc_calib.c
UNIT_SRCS_test_io_caps := xen/common/io_caps.c xen/common/rangeset.c
$(UNIT_OUT)/test_io_caps.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_acpi := xen/common/acpi_tables.c
UNIT_SRCS_test_desc := xen/common/desc_check.c
UNIT_SRCS_test_x86_decode := xen/common/x86_decode.c
UNIT_SRCS_test_grant := xen/common/grant_table.c
UNIT_SRCS_test_pirq := xen/common/event_channel.c xen/common/event_fifo.c xen/common/io_caps.c \
	xen/common/rangeset.c
$(UNIT_OUT)/test_pirq.o $(UNIT_OUT)/common/event_channel.o $(UNIT_OUT)/common/event_fifo.o: \
	UNIT_CFLAGS += -iquote include
$(UNIT_OUT)/test_pirq.o: xen/arch/x86/physdev.c
UNIT_SRCS_test_spinlock :=
$(UNIT_OUT)/test_spinlock: UNIT_LDLIBS += -lpthread
UNIT_SRCS_test_msi :=
UNIT_SRCS_test_firmware :=
$(UNIT_OUT)/test_firmware.o: xen/arch/x86/firmware.c
$(UNIT_OUT)/test_firmware.o: UNIT_CFLAGS += -iquote include
$(UNIT_OUT)/test_msi.o: xen/arch/x86/msi.c
UNIT_SRCS_test_p2m :=
$(UNIT_OUT)/test_p2m.o: xen/arch/x86/hvm/p2m.c
$(UNIT_OUT)/test_p2m.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_ioreq_rules := xen/common/x86_decode.c
$(UNIT_OUT)/test_ioreq_rules.o: xen/arch/x86/hvm/ioreq_rules.c
$(UNIT_OUT)/test_ioreq_rules.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_hvm_records :=
$(UNIT_OUT)/test_hvm_records.o: xen/arch/x86/hvm/cpu_records.c
$(UNIT_OUT)/test_hvm_records.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_vmce :=
$(UNIT_OUT)/test_vmce.o: xen/arch/x86/vmce.c xen/arch/x86/hvm/cpu_records.c
$(UNIT_OUT)/test_vmce.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_hvm_params :=
$(UNIT_OUT)/test_hvm_params.o: xen/arch/x86/hvm/params.c
$(UNIT_OUT)/test_hvm_params.o: UNIT_CFLAGS += -iquote include
$(UNIT_OUT)/test_grant.o $(UNIT_OUT)/common/grant_table.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_domain := $(addprefix xen/common/,domain.c memory.c domctl.c scheduler.c schedule.c vcpu.c claim.c \
	event_channel.c event_fifo.c grant_table.c page_alloc.c io_caps.c rangeset.c logdirty.c \
	hcstats.c)
$(UNIT_OUT)/test_domain.o $(UNIT_OUT)/common/domain.o $(UNIT_OUT)/common/memory.o $(UNIT_OUT)/common/domctl.o \
	$(UNIT_OUT)/common/scheduler.o $(UNIT_OUT)/common/schedule.o \
	$(UNIT_OUT)/common/vcpu.o $(UNIT_OUT)/common/io_caps.o $(UNIT_OUT)/common/hcstats.o: \
	UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_claim := xen/common/claim.c
$(UNIT_OUT)/test_claim.o $(UNIT_OUT)/common/claim.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_xz := $(addprefix xen/common/decompress/,xz.c lzma2.c bcj.c crc.c decompress.c inflate.c zstd.c) xen/common/bzimage.c
UNIT_SRCS_test_inflate := $(addprefix xen/common/decompress/,inflate.c crc.c)
UNIT_SRCS_test_zstd := $(addprefix xen/common/decompress/,zstd.c crc.c)
$(UNIT_OUT)/test_xz $(UNIT_OUT)/test_inflate $(UNIT_OUT)/test_zstd: UNIT_LDLIBS += -llzma -lz -lzstd

# every tests/unit/test_*.c is a suite (not recursive: xenstore/ is not ours)
UNIT_SUITES := $(basename $(notdir $(wildcard $(UNIT_DIR)/test_*.c)))
UNIT_BINS := $(addprefix $(UNIT_OUT)/,$(UNIT_SUITES))
UNIT_SUITE_OBJS := $(addsuffix .o,$(UNIT_BINS))
UNIT_COMMON_OBJS := $(sort $(patsubst xen/common/%.c,$(UNIT_OUT)/common/%.o, \
	$(foreach s,$(UNIT_SUITES),$(UNIT_SRCS_$(s)))))

ALL_TARGETS += unit-build
TEST_TARGETS += test-unit

.PHONY: unit-build test-unit
unit-build: $(UNIT_BINS)

test-unit: $(UNIT_BINS)
	@bash $(UNIT_DIR)/run-unit.sh $(UNIT_BINS)

$(UNIT_LIB_OBJS): $(UNIT_OUT)/lib/%.o: xen/lib/%.c xen/include/lib.h xen/include/types.h $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -fno-builtin $(UNIT_RENAME_ALL) -c $< -o $@

$(UNIT_COMMON_OBJS): $(UNIT_OUT)/common/%.o: xen/common/%.c $(wildcard xen/include/*.h) $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_RENAME_SOME) -c $< -o $@

$(UNIT_SHIM): $(UNIT_DIR)/shim.c $(UNIT_DIR)/shim.h
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_SUITE_OBJS): $(UNIT_OUT)/%.o: $(UNIT_DIR)/%.c $(UNIT_DIR)/shim.h $(wildcard $(UNIT_DIR)/fake_*.h) \
		$(wildcard xen/include/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

define UNIT_SUITE_RULE
$(UNIT_OUT)/$(1): $(UNIT_OUT)/$(1).o $(UNIT_SHIM) $(UNIT_LIB_OBJS) \
		$(patsubst xen/common/%.c,$(UNIT_OUT)/common/%.o,$(UNIT_SRCS_$(1)))
	$$(UNIT_CC) $$(UNIT_SAN) -o $$@ $$^ $$(UNIT_LDLIBS)
endef
$(foreach s,$(UNIT_SUITES),$(eval $(call UNIT_SUITE_RULE,$(s))))
UNIT_SRCS_test_vplatform :=
$(UNIT_OUT)/test_vplatform.o: $(addprefix xen/arch/x86/hvm/,vpic.c vioapic.c vpit.c vrtc.c vpt.c)
$(UNIT_OUT)/test_vplatform.o: UNIT_CFLAGS += -iquote include
UNIT_SRCS_test_hvm_platform :=
$(UNIT_OUT)/test_hvm_platform.o: $(addprefix xen/arch/x86/hvm/,platform.c vpic.c vioapic.c vpit.c vrtc.c vpt.c)
$(UNIT_OUT)/test_hvm_platform.o: UNIT_CFLAGS += -iquote include

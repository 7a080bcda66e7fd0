# PV MMU unit tests: xen/arch/x86/pv/mm.c, ro-page-fault.c, logdirty.c and shadow.c (with the shared
# decoder, xen/common/x86_decode.c) built for the
# host unchanged (the hypervisor-only hooks at the end of ro-page-fault.c are
# left out by PV_MM_HOST_TEST), with AddressSanitizer and UBSan, against a
# frame table over host pages (tests/unit/mm/mm_shim.c). About 3 s with the
# build, well under 1 s to run.
UNIT_MM_DIR := tests/unit/mm
UNIT_MM_OUT := $(BUILD)/unit-mm
UNIT_MM_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_MM_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(UNIT_MM_SAN) -DPV_MM_HOST_TEST \
	-iquote xen/include -iquote include -iquote tests/unit -iquote $(UNIT_MM_DIR)
UNIT_MM_SRCS := xen/arch/x86/pv/mm.c xen/arch/x86/pv/ro-page-fault.c xen/common/x86_decode.c \
	xen/arch/x86/pv/logdirty.c xen/arch/x86/pv/shadow.c xen/common/logdirty.c \
	$(UNIT_MM_DIR)/mm_shim.c $(UNIT_MM_DIR)/test_mm.c tests/unit/shim.c
UNIT_MM_OBJS := $(patsubst %.c,$(UNIT_MM_OUT)/%.o,$(UNIT_MM_SRCS))
UNIT_MM_BIN := $(UNIT_MM_OUT)/test_mm

ALL_TARGETS += $(UNIT_MM_BIN)
TEST_TARGETS += test-unit-mm

.PHONY: test-unit-mm
test-unit-mm: $(UNIT_MM_BIN)
	@set -o pipefail; bash tests/unit/run-unit.sh $(UNIT_MM_BIN) | sed 's/^unit: /unit-mm: /'

$(UNIT_MM_OUT)/%.o: %.c $(wildcard xen/include/*.h) $(wildcard $(UNIT_MM_DIR)/*.h) \
		$(UNIT_MM_DIR)/mm.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_MM_CFLAGS) -c $< -o $@

$(UNIT_MM_BIN): $(UNIT_MM_OBJS)
	$(HOSTCC) $(UNIT_MM_SAN) -o $@ $^ -lcmocka

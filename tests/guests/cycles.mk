# The create/destroy campaign (tests/guests/tests/domain-cycles.c), longer
# than in `make test-guests` (where its TEST_ARGS give 50 cycles, ~1 s):
#
#   make test-cycles                       1000 cycles on Petrel
#   make test-cycles CYCLES=5000           another count
#   make test-cycles CYCLES_MODE=xen       the same on Debian's Xen 4.17
#
# The control domain builds, runs (every other cycle) and destroys a tiny
# domain and checks after each destroy that physinfo's free pages are back
# to their value before the first cycle. Not part of `make test`.

CYCLES ?= 1000
CYCLES_MODE ?= multiboot
CYCLES_OUT := $(BUILD)/tests/cycles
CYCLES_HV = $(if $(filter xen,$(CYCLES_MODE)),$(GUEST_XEN_REF),$(BUILD)/xen/petrel)

.PHONY: test-cycles
test-cycles: $(GUEST_OUT)/domain-cycles.elf $(BUILD)/xen/petrel \
		$(if $(filter xen,$(CYCLES_MODE)),$(GUEST_XEN_REF))
	@case "$(CYCLES)" in ''|*[!0-9]*) echo "test-cycles: CYCLES must be a number"; \
		echo "cycles: 0 passed, 1 failed"; exit 2 ;; esac
	@rm -rf $(CYCLES_OUT) && mkdir -p $(CYCLES_OUT)/src
	@ln -sf $(abspath $(GUEST_OUT)/domain-cycles.elf) $(CYCLES_OUT)/cycles-$(CYCLES).elf
	@sed 's/^TEST_ARGS(.*/TEST_ARGS("cycles=$(CYCLES)");/' $(GUEST_DIR)/tests/domain-cycles.c \
		>$(CYCLES_OUT)/src/cycles-$(CYCLES).c
	@bash $(GUEST_DIR)/run.sh --timeout $(or $(CYCLES_TIMEOUT),600) --jobs 1 \
		--src $(CYCLES_OUT)/src --out $(CYCLES_OUT)/logs --mode $(CYCLES_MODE) \
		--petrel $(CYCLES_HV) $(CYCLES_OUT)/cycles-$(CYCLES).elf

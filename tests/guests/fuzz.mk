# The hypercall fuzz guest (tests/guests/tests/fuzz.c), run longer than in
# `make test-guests` (where its TEST_ARGS give one seed, 20000 calls, ~1 s):
#
#   make fuzz-guest                                   seeds 1-8, 200000 calls each
#   make fuzz-guest FUZZ_SEEDS="17 42" FUZZ_CALLS=1000000
#
# Each seed boots the same image with "seed=<s> calls=<n>" on its command
# line; the runner judges it like any guest test (a hypervisor PANIC/Fatal,
# a crashed domain or a FAILURE line fails it). A failure replays with the
# seed and call count it printed. About 2-3 s a seed at 200000 calls (TCG).
# Not part of `make test`.

FUZZ_SEEDS ?= 1 2 3 4 5 6 7 8
FUZZ_CALLS ?= 200000
FUZZ_OUT := $(BUILD)/tests/fuzz-guest

.PHONY: fuzz-guest
fuzz-guest: $(GUEST_OUT)/fuzz.elf $(BUILD)/xen/petrel
	@rm -rf $(FUZZ_OUT) && mkdir -p $(FUZZ_OUT)/src
	@for s in $(FUZZ_SEEDS); do \
		case "$$s:$(FUZZ_CALLS)" in *[!0-9:]*|:*|*:) \
			echo "fuzz-guest: seeds and FUZZ_CALLS must be numbers ('$$s', '$(FUZZ_CALLS)')"; \
			echo "fuzz-guest: 0 passed, 1 failed"; exit 2 ;; esac; \
		ln -sf $(abspath $(GUEST_OUT)/fuzz.elf) $(FUZZ_OUT)/fuzz-$$s.elf; \
		echo 'TEST_ARGS("seed='$$s' calls=$(FUZZ_CALLS)");' >$(FUZZ_OUT)/src/fuzz-$$s.c; \
	done
	@bash $(GUEST_DIR)/run.sh --timeout $(GUEST_TIMEOUT) --jobs $(GUEST_JOBS) --src $(FUZZ_OUT)/src \
		--out $(FUZZ_OUT)/logs --mode multiboot --petrel $(BUILD)/xen/petrel \
		$(patsubst %,$(FUZZ_OUT)/fuzz-%.elf,$(FUZZ_SEEDS))

# The fuzz guest as a domU (tests/guests/tests/fuzz-domu.c: the control
# domain builds it beside a heartbeat domU and keeps both itself and the
# heartbeat checked while it runs); `make test-guests` runs 20000 calls:
#
#   make fuzz-domu                                    seeds 1-2, 10^6 calls each, on Petrel
#   make fuzz-domu-xen                                the same on Xen 4.17
#   make fuzz-domu FUZZ_DOMU_SEEDS="7" FUZZ_DOMU_CALLS=200000
#
# Not part of `make test`.
FUZZ_DOMU_SEEDS ?= 1 2
FUZZ_DOMU_CALLS ?= 1000000
FUZZ_DOMU_TIMEOUT ?= 1800

# fuzz_domu MODE HYPERVISOR
define fuzz_domu
	@rm -rf $(FUZZ_OUT)-domu-$(1) && mkdir -p $(FUZZ_OUT)-domu-$(1)/src
	@for s in $(FUZZ_DOMU_SEEDS); do \
		case "$$s:$(FUZZ_DOMU_CALLS)" in *[!0-9:]*|:*|*:) \
			echo "fuzz-domu: seeds and FUZZ_DOMU_CALLS must be numbers ('$$s', '$(FUZZ_DOMU_CALLS)')"; \
			echo "fuzz-domu: 0 passed, 1 failed"; exit 2 ;; esac; \
		ln -sf $(abspath $(GUEST_OUT)/fuzz-domu.elf) $(FUZZ_OUT)-domu-$(1)/fuzz-domu-$$s.elf; \
		{ grep '^TEST_HV_ARGS' $(GUEST_DIR)/tests/fuzz-domu.c; \
		  echo 'TEST_ARGS("seed='$$s' calls=$(FUZZ_DOMU_CALLS)");'; } \
			>$(FUZZ_OUT)-domu-$(1)/src/fuzz-domu-$$s.c; \
	done
	@bash $(GUEST_DIR)/run.sh --timeout $(FUZZ_DOMU_TIMEOUT) --jobs $(GUEST_JOBS) \
		--src $(FUZZ_OUT)-domu-$(1)/src --out $(FUZZ_OUT)-domu-$(1)/logs --mode $(1) \
		--petrel $(2) $(patsubst %,$(FUZZ_OUT)-domu-$(1)/fuzz-domu-%.elf,$(FUZZ_DOMU_SEEDS))
endef

.PHONY: fuzz-domu fuzz-domu-xen
fuzz-domu: $(GUEST_OUT)/fuzz-domu.elf $(BUILD)/xen/petrel
	$(call fuzz_domu,multiboot,$(BUILD)/xen/petrel)

fuzz-domu-xen: $(GUEST_OUT)/fuzz-domu.elf $(GUEST_XEN_REF)
	$(call fuzz_domu,xen,$(GUEST_XEN_REF))

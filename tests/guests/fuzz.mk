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

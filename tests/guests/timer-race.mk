# The timer/IPI/block campaign (tests/guests/tests/timer-ipi-race.c), longer
# than in `make test-guests` (where its TEST_ARGS stop it after 20 s of guest
# time):
#
#   make test-timer-race                          2000 rounds on Petrel
#   make test-timer-race TIMER_RACE_ROUNDS=10000  another count
#   make test-timer-race TIMER_RACE_MODE=xen      the same on Debian's Xen 4.17
#   GUEST_SMP=2 make test-timer-race              the five vCPUs on two CPUs
#   make test-timer-race TIMER_RACE_MEM=2G        a bigger machine: the idle loop
#                                                 zeroes its free RAM meanwhile
#
# Four worker vCPUs arm their one-shot timers, send each other IPIs and
# block; a lost wake stops the ring and the watchdog vCPU prints every
# worker's state. Not part of `make test`.

TIMER_RACE_ROUNDS ?= 2000
TIMER_RACE_MODE ?= multiboot
TIMER_RACE_OUT := $(BUILD)/tests/timer-race
TIMER_RACE_HV = $(if $(filter xen,$(TIMER_RACE_MODE)),$(GUEST_XEN_REF),$(BUILD)/xen/petrel)
TIMER_RACE_NAME = timer-race-$(TIMER_RACE_ROUNDS)
TIMER_RACE_SED_MEM = /^TEST_SMP(/aTEST_MEM("$(TIMER_RACE_MEM)");

.PHONY: test-timer-race
test-timer-race: $(GUEST_OUT)/timer-ipi-race.elf $(BUILD)/xen/petrel \
		$(if $(filter xen,$(TIMER_RACE_MODE)),$(GUEST_XEN_REF))
	@case "$(TIMER_RACE_ROUNDS)" in ''|*[!0-9]*) echo "test-timer-race: TIMER_RACE_ROUNDS must be a number"; \
		echo "timer-race: 0 passed, 1 failed"; exit 2 ;; esac
	@rm -rf $(TIMER_RACE_OUT) && mkdir -p $(TIMER_RACE_OUT)/src
	@ln -sf $(abspath $(GUEST_OUT)/timer-ipi-race.elf) $(TIMER_RACE_OUT)/$(TIMER_RACE_NAME).elf
	@sed -e 's/^TEST_ARGS(.*/TEST_ARGS("rounds=$(TIMER_RACE_ROUNDS) budget_ms=0");/' \
		$(if $(TIMER_RACE_MEM),-e '$(TIMER_RACE_SED_MEM)') \
		$(GUEST_DIR)/tests/timer-ipi-race.c >$(TIMER_RACE_OUT)/src/$(TIMER_RACE_NAME).c
	@bash $(GUEST_DIR)/run.sh --timeout $(or $(TIMER_RACE_TIMEOUT),1800) --jobs 1 \
		--src $(TIMER_RACE_OUT)/src --out $(TIMER_RACE_OUT)/logs --mode $(TIMER_RACE_MODE) \
		--petrel $(TIMER_RACE_HV) $(TIMER_RACE_OUT)/$(TIMER_RACE_NAME).elf

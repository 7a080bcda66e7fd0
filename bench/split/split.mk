# The split-driver benchmark's helper (bench/split.py): a static program in
# dom0 and in the test domU (random 4 KiB O_DIRECT reads, a TCP sender and a
# counting receiver).  Included before dom0.mk, which puts it in the images.
SPLITBENCH := $(BUILD)/bench/split/splitbench
DOM0_TOOLS += $(SPLITBENCH):usr/bin/splitbench
DOMU_TOOLS += $(SPLITBENCH):bin/splitbench
ALL_TARGETS += $(SPLITBENCH)

$(SPLITBENCH): bench/split/splitbench.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

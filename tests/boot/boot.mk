# Boot-path tests: Petrel loaded by Debian's GRUB through multiboot2.
.PHONY: test-grub
test-grub: $(XEN_OUT)/petrel $(BUILD)/tests/guests/start-info.elf
	@bash tests/boot/grub-mb2.sh $(XEN_OUT)/petrel $(BUILD)/tests/guests/start-info.elf \
		$(BUILD)/tests/boot

TEST_TARGETS += test-grub

# RAM above 4 GiB, direct map with and without 1 GiB pages.
.PHONY: test-bigmem
test-bigmem: $(XEN_OUT)/petrel $(BUILD)/tests/guests/memory-op.elf
	@bash tests/boot/bigmem.sh $(XEN_OUT)/petrel $(BUILD)/tests/guests/memory-op.elf \
		$(BUILD)/tests/boot

TEST_TARGETS += test-bigmem

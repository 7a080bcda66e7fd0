# test-bzimage: dom0 kernels shaped like Linux bzImages (a test guest
# compressed with xz, xz + BCJ x86 or gzip, plus a corrupt and a zstd payload)
# booted through Petrel; five short QEMU boots (see tests/boot/bzimage.sh).
.PHONY: test-bzimage
test-bzimage: $(XEN_OUT)/petrel $(BUILD)/tests/guests/hello.elf
	@bash tests/boot/bzimage.sh $(XEN_OUT)/petrel $(BUILD)/tests/guests/hello.elf \
		$(BUILD)/tests/bzimage

TEST_TARGETS += test-bzimage

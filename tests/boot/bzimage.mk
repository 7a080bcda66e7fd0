# test-bzimage: dom0 kernels shaped like Linux bzImages (a test guest
# compressed with xz, xz + BCJ x86, gzip or zstd, plus a corrupt xz and an lz4
# payload) booted through Petrel; six short QEMU boots, about 10 s (see
# tests/boot/bzimage.sh).
.PHONY: test-bzimage
test-bzimage: $(XEN_OUT)/petrel $(BUILD)/tests/guests/hello.elf
	@bash tests/boot/bzimage.sh $(XEN_OUT)/petrel $(BUILD)/tests/guests/hello.elf \
		$(BUILD)/tests/bzimage

TEST_TARGETS += test-bzimage

# Petrel: top-level build. Plain GNU make; each part of the tree adds its
# targets from its own fragment:
#   ALL_TARGETS  += what `make` builds
#   TEST_TARGETS += test stages `make test` runs (each ends with "N passed, N failed")
SHELL := /bin/bash
BUILD ?= build
export BUILD

HOSTCC ?= gcc
PYTHON ?= python3

ALL_TARGETS :=
TEST_TARGETS :=

.PHONY: all deps run test check clean format headers-check
all: deps build-all

include include/public/headers.mk
include hypercall-abi/abi.mk
include xen/xen.mk
include xen/arch/x86/efi/efi.mk
include tests/unit/unit.mk
include tests/unit/evtchn/evtchn.mk
include tests/unit/mm/mm.mk
include tests/guests/guests.mk
include tests/guests/fuzz.mk
include tests/guests/cycles.mk
include tests/guests/timer-race.mk
include tests/guests/hvm/hvm.mk
include tests/boot/boot.mk
include tests/boot/bzimage.mk
include dom0-tools/xenstore/xenstore.mk
include dom0-tools/xl/xl.mk
include bench/split/split.mk
include dom0-tools/initramfs/dom0.mk
include tests/system/system.mk
include tests/system/hvm.mk
include tests/system/pvgrub.mk
include tests/system/disk.mk
include packaging/packaging.mk
include tests/installed/installed.mk
include tests/system/shapes.mk
include bench/guests/bench.mk

deps:
	@bash scripts/install-deps.sh

.PHONY: build-all
build-all: $(ALL_TARGETS)

# Boot Petrel under QEMU with the best guest the project has.
run: all dom0-image
	@bash scripts/run.sh

# Every test stage; the closing line sums them.
test: all dom0-image dom0-image-6.12
	@bash scripts/test-all.sh $(TEST_TARGETS)

# The host-only stages (no QEMU, no downloads beyond the build's): a quick
# check before a commit, under two minutes once built.
CHECK_TARGETS := headers-check headers-abi abi-check efi-unit test-unit test-unit-evtchn \
	test-unit-mm test-xenstore-unit test-xenstore-compat test-xl-unit test-system-harness \
	test-bench-harness
check: all
	@bash scripts/test-all.sh $(CHECK_TARGETS)

clean:
	rm -rf $(BUILD)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

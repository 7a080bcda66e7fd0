# Hot-path benchmark guests (bench/guests/): PV guests built on the guest-test
# library (tests/guests/lib, its objects from $(GUEST_OUT)) and booted by the
# guest-test runner, on Petrel and on Debian's Xen 4.17.
#
#   make bench-guests        build $(BUILD)/bench/guests/<name>.elf
#   make test-bench-guests   every benchmark guest runs on Petrel and prints
#                            well-formed BENCH lines (no timing is judged)
#   make test-bench-harness  host self-test of the Python benchmarks' shared
#                            table (bench/benchdoc.py) and of each script's
#                            table on made-up figures (bench/selftest.py; no
#                            QEMU; in make check)
#   make bench-hotpaths      both hypervisors in one run, plus the native
#                            syscall reference; table in $(BUILD)/bench/hotpaths/
#                            (BENCH_RUNS=N boots of each guest, default 3),
#                            written into $(BENCH_DOC) (docs/performance.md;
#                            BENCH_DOC= to leave it alone)
#   make bench-hvm           HVM exit paths of a PVH initial domain on AMD SVM
#                            with nested paging (QEMU +svm,+npt), Petrel and
#                            Xen 4.17 alternating in one run (bench/hotpaths.sh
#                            --name hvm; BENCH_RUNS, BENCH_DOC)
#   make bench-hvm-tcg       what each HVM exit costs QEMU itself (CPU time,
#                            TLB flushes, TB invalidations per operation) on
#                            both hypervisors (bench/hvm-tcgcost.py;
#                            BENCH_HVM_TCG_ARGS; prints, writes no document)
#   make bench-smp           dom0 on 4 CPUs (boot, parallel gzip), weights and
#                            caps, wakes across CPUs on both hypervisors
#                            (bench/smp.py; BENCH_RUNS=N, BENCH_DOC as above)
#   make bench-split         split-driver disk, TCP and ping figures in Linux
#                            domUs on both hypervisors (bench/split.py;
#                            BENCH_SPLIT_ARGS)
#   make bench-save          xl save and xl restore of a 256 MiB Linux domU on
#                            both hypervisors (bench/save.py; BENCH_RUNS,
#                            BENCH_DOC, BENCH_SAVE_ARGS)
#   make bench-vmx-bochs     HVM exit paths on VMX under Bochs beside the PV
#                            hypercall paths on the same Bochs, as ratios
#                            (bench/vmx-bochs.sh; BENCH_RUNS, BENCH_DOC)

BENCH_GDIR := bench/guests
BENCH_GOUT := $(BUILD)/bench/guests
BENCH_GUESTS := $(sort $(basename $(notdir $(wildcard $(BENCH_GDIR)/*.c))))
BENCH_GELFS := $(patsubst %,$(BENCH_GOUT)/%.elf,$(BENCH_GUESTS))
BENCH_GLIB := $(patsubst %,$(GUEST_OUT)/lib/%.o,$(GUEST_LIB)) $(BENCH_GOUT)/lib/bench.o
BENCH_GCFLAGS := $(GUEST_CFLAGS) -I$(BENCH_GDIR)/lib

$(BENCH_GOUT)/lib/bench.o: $(BENCH_GDIR)/lib/bench.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_GCFLAGS) -c $< -o $@

$(BENCH_GOUT)/obj/%.o: $(BENCH_GDIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_GCFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(BENCH_GOUT)/%.elf: $(BENCH_GOUT)/obj/%.o $(BENCH_GLIB) $(GUEST_OUT)/lib/libopt.a $(GUEST_LDS)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(BENCH_GLIB) $< $(GUEST_OUT)/lib/libopt.a

-include $(BENCH_GOUT)/lib/bench.d $(patsubst %,$(BENCH_GOUT)/obj/%.d,$(BENCH_GUESTS))
# bench-evlat carries the echo domU, tests/guests/domu/heartbeat.c (.incbin).
$(BENCH_GOUT)/obj/bench-evlat.o: $(GUEST_OUT)/domu/heartbeat.elf
$(BENCH_GOUT)/obj/bench-evlat.o: BENCH_GCFLAGS += -Wa,-I$(GUEST_OUT)
.SECONDARY: $(BENCH_GOUT)/lib/bench.o $(patsubst %,$(BENCH_GOUT)/obj/%.o,$(BENCH_GUESTS))

# HVM benchmark guests (bench/guests/hvm/): PVH test kernels on the HVM
# guest runtime (tests/guests/hvm/), the same bench_run and BENCH lines.
BENCH_HVM_OUT := $(BENCH_GOUT)/hvm
BENCH_HVM_GUESTS := $(sort $(basename $(notdir $(wildcard $(BENCH_GDIR)/hvm/*.c))))
BENCH_HVM_ELFS := $(patsubst %,$(BENCH_HVM_OUT)/%.elf,$(BENCH_HVM_GUESTS))
BENCH_HVM_CFLAGS := $(HVM_GUEST_CFLAGS) -I$(BENCH_GDIR)/lib

$(BENCH_HVM_OUT)/lib/bench.o: $(BENCH_GDIR)/lib/bench.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_HVM_CFLAGS) -c $< -o $@

$(BENCH_HVM_OUT)/obj/%.o: $(BENCH_GDIR)/hvm/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_HVM_CFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(BENCH_HVM_OUT)/%.elf: $(BENCH_HVM_OUT)/obj/%.o $(BENCH_HVM_OUT)/lib/bench.o $(HVM_GUEST_LIB) \
		$(HVM_GUEST_LDS)
	$(GUEST_CC) $(HVM_GUEST_LDFLAGS) -o $@ $(HVM_GUEST_LIB) $(BENCH_HVM_OUT)/lib/bench.o $<

-include $(BENCH_HVM_OUT)/lib/bench.d $(patsubst %,$(BENCH_HVM_OUT)/obj/%.d,$(BENCH_HVM_GUESTS))
.SECONDARY: $(BENCH_HVM_OUT)/lib/bench.o $(patsubst %,$(BENCH_HVM_OUT)/obj/%.o,$(BENCH_HVM_GUESTS))

# The QEMU-cost guest (bench/guests/hvm-tcg/): the same runtime and flags,
# apart from the BENCH-line guests so that bench-hvm does not boot it.
BENCH_TCG_OUT := $(BENCH_GOUT)/hvm-tcg
BENCH_TCG_ELF := $(BENCH_TCG_OUT)/hvm-tcgcost.elf

$(BENCH_TCG_OUT)/obj/%.o: $(BENCH_GDIR)/hvm-tcg/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_HVM_CFLAGS) -DXTEST_NAME='"$*"' -c $< -o $@

$(BENCH_TCG_OUT)/%.elf: $(BENCH_TCG_OUT)/obj/%.o $(BENCH_HVM_OUT)/lib/bench.o $(HVM_GUEST_LIB) \
		$(HVM_GUEST_LDS)
	$(GUEST_CC) $(HVM_GUEST_LDFLAGS) -o $@ $(HVM_GUEST_LIB) $(BENCH_HVM_OUT)/lib/bench.o $<

-include $(BENCH_TCG_OUT)/obj/hvm-tcgcost.d
.SECONDARY: $(BENCH_TCG_OUT)/obj/hvm-tcgcost.o

ALL_TARGETS += bench-guests
TEST_TARGETS += test-bench-guests test-bench-harness

.PHONY: bench-guests test-bench-guests bench-hotpaths bench-hvm bench-smp bench-vmx-bochs
bench-guests: $(BENCH_GELFS) $(BENCH_HVM_ELFS)

test-bench-guests: bench-guests $(BUILD)/xen/petrel
	@bash bench/hotpaths.sh --check --petrel $(BUILD)/xen/petrel $(BENCH_GELFS)

.PHONY: test-bench-harness
test-bench-harness:
	@$(PYTHON) bench/selftest.py

# The native reference: a static program as /init of its own initramfs,
# booted under the dom0 kernel (make dom0-image) without a hypervisor.
BENCH_NATIVE := $(BUILD)/bench/native/syscall-bench
BENCH_NATIVE_CPIO := $(BUILD)/bench/native/initramfs.cpio.gz

$(BENCH_NATIVE): bench/native/syscall-bench.c
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BENCH_NATIVE_CPIO): $(BENCH_NATIVE) dom0-tools/initramfs/mkcpio.py
	rm -rf $(@D)/root
	mkdir -p $(@D)/root/dev
	cp $(BENCH_NATIVE) $(@D)/root/init
	python3 dom0-tools/initramfs/mkcpio.py $(@D)/root $@ --node dev/console:600:c:5:1

BENCH_RUNS ?= 3
BENCH_DOC ?= docs/performance.md
bench-hotpaths: bench-guests $(BUILD)/xen/petrel $(GUEST_XEN_REF) $(BUILD)/dom0/initramfs.cpio.gz \
		$(BENCH_NATIVE_CPIO)
	@bash bench/hotpaths.sh --runs $(BENCH_RUNS) --petrel $(BUILD)/xen/petrel \
		--xen $(GUEST_XEN_REF) --kernel-dir $(BUILD)/dom0 \
		--native-initrd $(BENCH_NATIVE_CPIO) $(if $(BENCH_DOC),--doc $(BENCH_DOC)) \
		$(BENCH_GELFS)

bench-hvm: $(BENCH_HVM_ELFS) $(BUILD)/xen/petrel $(GUEST_XEN_REF)
	@bash bench/hotpaths.sh --name hvm --src bench/guests/hvm --runs $(BENCH_RUNS) \
		--petrel $(BUILD)/xen/petrel --xen $(GUEST_XEN_REF) \
		$(if $(BENCH_DOC),--doc $(BENCH_DOC)) $(BENCH_HVM_ELFS)

.PHONY: bench-hvm-tcg
bench-hvm-tcg: $(BENCH_TCG_ELF) $(BUILD)/xen/petrel $(GUEST_XEN_REF)
	@$(PYTHON) bench/hvm-tcgcost.py --petrel $(BUILD)/xen/petrel --xen $(GUEST_XEN_REF) \
		--guest $(BENCH_TCG_ELF) --out $(BUILD)/bench/hvm-tcg $(BENCH_HVM_TCG_ARGS)

bench-smp: bench-guests guests $(BUILD)/xen/petrel $(GUEST_XEN_REF) $(BUILD)/dom0/initramfs.cpio.gz
	@python3 bench/smp.py --runs $(BENCH_RUNS) --petrel $(BUILD)/xen/petrel --xen $(GUEST_XEN_REF) \
		--kernel-dir $(BUILD)/dom0 $(if $(BENCH_DOC),--doc $(BENCH_DOC))

bench-vmx-bochs: bench-guests $(BUILD)/xen/petrel
	@bash bench/vmx-bochs.sh --runs $(BENCH_RUNS) --petrel $(BUILD)/xen/petrel \
		$(if $(BENCH_DOC),--doc $(BENCH_DOC)) \
		$(BENCH_GOUT)/bench-hypercalls.elf $(BENCH_HVM_OUT)/bench-hvm-exits.elf

# Debian's xl create/pause/unpause/destroy, Petrel against Xen 4.17 in one
# run (bench/xl-lifecycle.py; docs/performance.md "xl lifecycle").
# BENCH_XL_ARGS passes options, e.g. "--runs 9 --campaign 0".
.PHONY: bench-xl
bench-xl: dom0-image $(PETREL_IMAGE) $(XEN_REF) $(GUEST_OUT)/hello.elf \
		$(GUEST_OUT)/domain-cycles.elf
	$(PYTHON) bench/xl-lifecycle.py $(BENCH_XL_ARGS)

# The HVM guest with QEMU as its device model, Petrel against Xen 4.17 in one
# run (bench/hvm_dm.py; docs/performance.md "HVM guest with QEMU"): a
# firmware-only guest's ioreq round trip, then the installed disk's guest:
# create to marker, emulated and PV disk, ioreq round trip.  One dom0 boot
# each, 10-60 minutes under load.  BENCH_HVM_DM_ARGS passes
# options; BENCH_DOC= leaves docs/performance.md alone.
.PHONY: bench-hvm-dm
bench-hvm-dm: dom0-image-hvm $(HVM_INSTALLED_IMG) $(HVM_BENCH_SECTOR_IMG) $(PETREL_IMAGE) $(XEN_REF)
	$(PYTHON) bench/hvm_dm.py --image $(PETREL_IMAGE) --kernel-dir $(DOM0_HVM) \
		--disk $(HVM_INSTALLED_IMG) --sector $(HVM_BENCH_SECTOR_IMG) $(if $(BENCH_DOC),--doc $(BENCH_DOC)) $(BENCH_HVM_DM_ARGS)

# dom0's NIC: `make bench-nic` (one QEMU each, QEMU's user network to this
# host: bench/nic-rate.py; NIC_RATE_ARGS, e.g. --nic virtio-net-pci,vectors=0
# for the NIC on its IO-APIC line) and `make bench-nic2` (dom0 to dom0 over
# migrate2's two machines, plain and through xenbr0: bench/nic-rate2.py).
# Figures only, nothing judged.
.PHONY: bench-nic bench-nic2
bench-nic: $(BUILD)/xen/petrel $(GUEST_XEN_REF) $(BUILD)/dom0/initramfs.cpio.gz
	@python3 bench/nic-rate.py $(NIC_RATE_ARGS)

bench-nic2: $(BUILD)/xen/petrel $(GUEST_XEN_REF) $(BUILD)/dom0/initramfs.cpio.gz
	@python3 bench/nic-rate2.py --hv petrel; python3 bench/nic-rate2.py --hv xen

# Split-driver throughput and round trips in Linux domUs (disk, TCP, ping),
# Petrel against Xen 4.17 in one run (bench/split.py; docs/performance.md
# "Split drivers").  BENCH_SPLIT_ARGS passes options, e.g. "--size 64 --runs 1".
.PHONY: bench-split
bench-split: dom0-image $(PETREL_IMAGE) $(XEN_REF)
	$(PYTHON) bench/split.py --image $(PETREL_IMAGE) $(BENCH_SPLIT_ARGS)

# xl save and xl restore of the Linux domU (256 MiB by default) to and from a
# tmpfs in dom0, Petrel against Xen 4.17 in one run (bench/save.py;
# docs/performance.md "xl save and restore").  BENCH_RUNS rounds in one boot
# of each; BENCH_SAVE_ARGS passes options, e.g. "--memory 128 --hcstats";
# BENCH_DOC= leaves docs/performance.md alone.
.PHONY: bench-save
bench-save: dom0-image $(PETREL_IMAGE) $(XEN_REF)
	$(PYTHON) bench/save.py --image $(PETREL_IMAGE) --runs $(BENCH_RUNS) \
		$(if $(BENCH_DOC),--doc $(BENCH_DOC)) $(BENCH_SAVE_ARGS)

# Live migration of the migbench domU between migrate2's two machines, idle
# and with a writer: total time, pages sent, stop-and-copy estimate and
# downtime (bench/migrate.py; docs/performance.md "Live migration").
# MIGBENCH_HV picks the hypervisors ("petrel xen"); MIGBENCH_MEMORY (MiB,
# 256), MIGBENCH_WRITER_MIB (16), MIGBENCH_ROWS ("idle writer") and
# MIGBENCH_WAIT (s a move, 5400) go to the script through the environment.
MIGBENCH_HV ?= petrel xen
.PHONY: bench-migrate
bench-migrate: dom0-image $(PETREL_IMAGE) $(XEN_REF)
	@rc=0; for hv in $(MIGBENCH_HV); do img=; [ $$hv = petrel ] && img="--image $(PETREL_IMAGE)"; \
		$(PYTHON) bench/migrate.py --hv $$hv $$img --log-dir $(BUILD)/bench || rc=1; done; exit $$rc

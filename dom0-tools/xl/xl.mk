# Petrel's toolstack: the control library (dom0-tools/ctrl) and xl
# (dom0-tools/xl), shipped in dom0's initramfs as /usr/sbin/pxl.
#   pxl              build/xl/pxl, static (in `make`)
#   test-xl-unit     cmocka suites: ctrl marshalling against a fake hypervisor,
#                    the xl.cfg parser with its corpus and Debian's examples
#                    (in TEST_TARGETS; a few seconds), the builder's kernel
#                    reader (dom0-tools/builder) on made and real kernels,
#                    the console ring reader (dom0-tools/console), pxl create
#                    on broken xl.cfg files (tests/unit/ctrl/create-bad), the
#                    CPU bitmap terms of vcpu-pin, vcpu-pin and sched-credit
#                    on bad operands, the disk and vif specs (test_devspec),
#                    top's table (xentop's layout), the soft-reset
#                    sequence (test_softreset), the save file's reader and
#                    writer on cut and damaged files (test_stream), the
#                    save's mfn->pfn and the restore's pfn->mfn of page
#                    tables and vCPU state (test_canon)
#   pxenconsoled     build/xl/pxenconsoled, static (in `make`): the console
#                    daemon, dom0's /usr/sbin/pxenconsoled
CTRL_DIR := dom0-tools/ctrl
BUILDER_DIR := dom0-tools/builder
BUILDER_SRCS := $(BUILDER_DIR)/image_unpack.c $(BUILDER_DIR)/image_elf.c \
	$(BUILDER_DIR)/ramdisk.c $(BUILDER_DIR)/kcache.c
BUILDER_HDRS := $(wildcard $(BUILDER_DIR)/*.h) include/public/elfnote.h
BUILD_SRCS := $(BUILDER_SRCS) $(BUILDER_DIR)/layout.c $(BUILDER_DIR)/build.c \
	$(BUILDER_DIR)/build_pvh.c $(BUILDER_DIR)/pvh_acpi.c $(BUILDER_DIR)/build_xs.c
XL_DIR := dom0-tools/xl
XL_OUT := $(BUILD)/xl
XL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -iquote include/public \
	-iquote $(CTRL_DIR) -iquote $(XL_DIR) -iquote $(BUILDER_DIR) -I$(XS_DIR)/include
CTRL_SRCS := $(CTRL_DIR)/ctrl.c $(CTRL_DIR)/ctrl_map.c $(CTRL_DIR)/ctrl_topo.c \
	$(CTRL_DIR)/ctrl_sched.c
CTRL_HDRS := $(wildcard $(CTRL_DIR)/*.h) $(wildcard include/public/*.h)
XL_SRCS := $(XL_DIR)/xl.c $(XL_DIR)/xl_util.c $(XL_DIR)/xl_info.c $(XL_DIR)/xl_list.c \
	$(XL_DIR)/xl_dom.c $(XL_DIR)/xl_create.c $(XL_DIR)/cfg.c $(XL_DIR)/xl_console.c \
	$(XL_DIR)/xl_shutdown.c $(XL_DIR)/xl_list_long.c $(XL_DIR)/xl_monitor.c \
	$(XL_DIR)/xl_userdata.c $(XL_DIR)/xl_vcpu_mem.c $(XL_DIR)/xl_cpumap.c \
	$(XL_DIR)/xl_pin.c $(XL_DIR)/xl_sched.c $(XL_DIR)/xl_devspec.c $(XL_DIR)/xl_device.c $(XL_DIR)/xl_qemu.c \
	$(XL_DIR)/xl_sched2.c $(XL_DIR)/xl_top.c $(XL_DIR)/xl_top_print.c $(XL_DIR)/xl_cpupool.c \
	$(XL_DIR)/xl_dumpcore.c $(XL_DIR)/xl_softreset.c
XL_HDRS := $(wildcard $(XL_DIR)/*.h) $(CTRL_HDRS)
XL_UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
XL_UNIT_BINS := $(XL_OUT)/test_ctrl $(XL_OUT)/test_cfg $(XL_OUT)/test_image \
	$(XL_OUT)/test_layout $(XL_OUT)/test_pvh_acpi $(XL_OUT)/test_conring $(XL_OUT)/test_cpumap \
	$(XL_OUT)/test_devspec $(XL_OUT)/test_top $(XL_OUT)/test_softreset $(XL_OUT)/test_stream \
	$(XL_OUT)/test_canon
CON_DIR := dom0-tools/console
CON_SRCS := $(CON_DIR)/conring.c
CON_HDRS := $(CON_DIR)/conring.h include/public/io/console.h


ALL_TARGETS += pxl pxenconsoled
TEST_TARGETS += test-xl-unit
.PHONY: pxl pxenconsoled test-xl-unit

pxl: $(XL_OUT)/pxl
pxenconsoled: $(XL_OUT)/pxenconsoled

$(XL_OUT)/pxenconsoled: $(CON_DIR)/pxenconsoled.c $(CON_SRCS) $(CTRL_SRCS) $(XS_LIB_SRC) \
		$(CON_HDRS) $(CTRL_HDRS) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) -iquote $(CON_DIR) -static -s -pthread -o $@ $< $(CON_SRCS) \
		$(CTRL_SRCS) $(XS_LIB_SRC)

$(XL_OUT)/test_conring: tests/unit/ctrl/test_conring.c $(CON_SRCS) $(CON_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) -iquote $(CON_DIR) $(XL_UNIT_SAN) -o $@ $< $(CON_SRCS) -lcmocka

$(XL_OUT)/pxl: $(XL_SRCS) $(CTRL_SRCS) $(BUILD_SRCS) $(XS_LIB_SRC) $(XL_HDRS) $(BUILDER_HDRS) \
		$(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) -static -s -pthread -o $@ $(XL_SRCS) $(CTRL_SRCS) $(BUILD_SRCS) \
		$(XS_LIB_SRC) -lz -llzma -lzstd -l:libnettle.a -l:libyajl_s.a -lm

$(XL_OUT)/test_ctrl: tests/unit/ctrl/test_ctrl.c $(CTRL_SRCS) $(CTRL_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(CTRL_SRCS) -lcmocka

$(XL_OUT)/test_cpumap: tests/unit/ctrl/test_cpumap.c $(XL_DIR)/xl_cpumap.c $(XL_DIR)/xl_cpumap.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_cpumap.c -lcmocka

$(XL_OUT)/test_softreset: tests/unit/ctrl/test_softreset.c $(XL_DIR)/xl_softreset.c \
		$(XL_DIR)/xl_softreset.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_softreset.c -lcmocka

$(XL_OUT)/test_stream: tests/unit/ctrl/test_stream.c $(XL_DIR)/xl_stream.c $(XL_DIR)/xl_stream.h \
		$(CTRL_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_stream.c -lcmocka

$(XL_OUT)/test_canon: tests/unit/ctrl/test_canon.c $(XL_DIR)/xl_canon.c $(XL_DIR)/xl_canon.h \
		$(XL_DIR)/xl_stream.c $(XL_DIR)/xl_stream.h $(CTRL_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_canon.c $(XL_DIR)/xl_stream.c \
		-lcmocka

$(XL_OUT)/test_devspec: tests/unit/ctrl/test_devspec.c $(XL_DIR)/xl_devspec.c $(XL_DIR)/xl_devspec.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_devspec.c -lcmocka

$(XL_OUT)/test_top: tests/unit/ctrl/test_top.c $(XL_DIR)/xl_top_print.c $(XL_DIR)/xl_top.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/xl_top_print.c -lcmocka -lm

$(XL_OUT)/test_cfg: tests/unit/ctrl/test_cfg.c $(XL_DIR)/cfg.c $(XL_DIR)/cfg.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/cfg.c -lcmocka

# The builder's kernel reader; Debian's dom0 bzImage and the hello guest are
# read too when the build has them.
$(XL_OUT)/test_image: tests/unit/ctrl/test_image.c $(BUILDER_SRCS) $(BUILDER_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(BUILDER_SRCS) \
		-lcmocka -lz -llzma -lzstd -lnettle

$(XL_OUT)/test_layout: tests/unit/ctrl/test_layout.c $(BUILDER_DIR)/layout.c $(BUILDER_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(BUILDER_DIR)/layout.c \
		-lcmocka

$(XL_OUT)/test_pvh_acpi: tests/unit/ctrl/test_pvh_acpi.c $(BUILDER_DIR)/pvh_acpi.c $(BUILDER_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(BUILDER_DIR)/pvh_acpi.c -lcmocka

# Debian's example configurations come with the xenstore fragment's .debs.
# test_create_bad.sh: pxl create on the broken files of tests/unit/ctrl/create-bad,
# refused on the host before any hypervisor call; test_create_dryrun.sh: pxl -N create
# against the JSON Debian's xl -N create printed for the same files.
# test_stream_verify.sh: the writer's file judged by Debian's verify-stream-v2.
test-xl-unit: $(XL_UNIT_BINS) $(XL_OUT)/pxl $(XS_OUT)/debian/.stamp
	@XEN_DEB_ROOT=$(XS_DEB_ROOT) TEST_STREAM=$(XL_OUT)/test_stream \
		bash tests/unit/run-unit.sh $(XL_UNIT_BINS) tests/unit/ctrl/test_create_bad.sh \
		tests/unit/ctrl/test_create_dryrun.sh tests/unit/ctrl/test_pxl_args.sh \
		tests/unit/ctrl/test_stream_verify.sh

DOM0_TOOLS += $(XL_OUT)/pxl:usr/sbin/pxl
DOM0_TOOLS += $(XL_OUT)/pxenconsoled:usr/sbin/pxenconsoled

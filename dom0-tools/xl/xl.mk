# Petrel's toolstack: the control library (dom0-tools/ctrl) and xl
# (dom0-tools/xl), shipped in dom0's initramfs as /usr/sbin/pxl.
#   pxl              build/xl/pxl, static (in `make`)
#   test-xl-unit     cmocka suites: ctrl marshalling against a fake hypervisor,
#                    the xl.cfg parser with its corpus and Debian's examples
#                    (in TEST_TARGETS; a few seconds)
CTRL_DIR := dom0-tools/ctrl
XL_DIR := dom0-tools/xl
XL_OUT := $(BUILD)/xl
XL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -iquote include/public \
	-iquote $(CTRL_DIR) -iquote $(XL_DIR) -I$(XS_DIR)/include
CTRL_SRCS := $(CTRL_DIR)/ctrl.c $(CTRL_DIR)/ctrl_map.c
CTRL_HDRS := $(wildcard $(CTRL_DIR)/*.h) $(wildcard include/public/*.h)
XL_SRCS := $(XL_DIR)/xl.c $(XL_DIR)/xl_util.c $(XL_DIR)/xl_info.c $(XL_DIR)/xl_list.c \
	$(XL_DIR)/xl_dom.c $(XL_DIR)/cfg.c
XL_HDRS := $(wildcard $(XL_DIR)/*.h) $(CTRL_HDRS)
XL_UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
XL_UNIT_BINS := $(XL_OUT)/test_ctrl $(XL_OUT)/test_cfg

ALL_TARGETS += pxl
TEST_TARGETS += test-xl-unit
.PHONY: pxl test-xl-unit

pxl: $(XL_OUT)/pxl

$(XL_OUT)/pxl: $(XL_SRCS) $(CTRL_SRCS) $(XS_LIB_SRC) $(XL_HDRS) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) -static -s -pthread -o $@ $(XL_SRCS) $(CTRL_SRCS) $(XS_LIB_SRC)

$(XL_OUT)/test_ctrl: tests/unit/ctrl/test_ctrl.c $(CTRL_SRCS) $(CTRL_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(CTRL_SRCS) -lcmocka

$(XL_OUT)/test_cfg: tests/unit/ctrl/test_cfg.c $(XL_DIR)/cfg.c $(XL_DIR)/cfg.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XL_CFLAGS) $(XL_UNIT_SAN) -o $@ $< $(XL_DIR)/cfg.c -lcmocka

# Debian's example configurations come with the xenstore fragment's .debs.
test-xl-unit: $(XL_UNIT_BINS) $(XS_OUT)/debian/.stamp
	@bash tests/unit/run-unit.sh $(XL_UNIT_BINS)

DOM0_TOOLS += $(XL_OUT)/pxl:usr/sbin/pxl

# Unit tests for events and time, built for the host with ASan and UBSan:
#   test_evtchn   xen/common/event_channel.c and event_fifo.c on fake domains
#   test_timer    xen/common/timer.c with a fake clock and LAPIC
#   test_pvclock  the pvclock scale and record of xen/arch/x86/time.c
#   test_vcpu     vcpu_op and set_timer_op of xen/common/vcpu.c with a fake clock
#   make test-unit-evtchn     (about 2 s; closes with "unit-evtchn: N passed, N failed")
EVTCHN_UT_DIR := tests/unit/evtchn
EVTCHN_UT_OUT := $(BUILD)/unit-evtchn
EVTCHN_UT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-iquote xen/include -iquote include -iquote $(EVTCHN_UT_DIR) -iquote tests/unit
EVTCHN_UT_HDRS := xen/include/event.h xen/include/domain.h xen/include/timer.h \
	tests/unit/fake_timer.h tests/unit/fake_sched.h $(EVTCHN_UT_DIR)/evtchn.mk
EVTCHN_UT_BINS := $(EVTCHN_UT_OUT)/test_evtchn $(EVTCHN_UT_OUT)/test_timer \
	$(EVTCHN_UT_OUT)/test_pvclock $(EVTCHN_UT_OUT)/test_vcpu

ALL_TARGETS += $(EVTCHN_UT_BINS)
TEST_TARGETS += test-unit-evtchn

.PHONY: test-unit-evtchn
test-unit-evtchn: $(EVTCHN_UT_BINS)
	@set -o pipefail; bash tests/unit/run-unit.sh $(EVTCHN_UT_BINS) | \
		sed 's/^unit: /unit-evtchn: /'

$(EVTCHN_UT_OUT)/test_evtchn: $(EVTCHN_UT_DIR)/test_evtchn.c xen/common/event_channel.c \
		xen/common/event_fifo.c $(EVTCHN_UT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(EVTCHN_UT_CFLAGS) -o $@ $(EVTCHN_UT_DIR)/test_evtchn.c \
		xen/common/event_channel.c xen/common/event_fifo.c -lcmocka

$(EVTCHN_UT_OUT)/test_timer: $(EVTCHN_UT_DIR)/test_timer.c xen/common/timer.c $(EVTCHN_UT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(EVTCHN_UT_CFLAGS) -o $@ $(EVTCHN_UT_DIR)/test_timer.c xen/common/timer.c \
		-lcmocka

$(EVTCHN_UT_OUT)/test_pvclock: $(EVTCHN_UT_DIR)/test_pvclock.c xen/arch/x86/time.c \
		$(EVTCHN_UT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(EVTCHN_UT_CFLAGS) -o $@ $(EVTCHN_UT_DIR)/test_pvclock.c xen/arch/x86/time.c \
		-lcmocka

$(EVTCHN_UT_OUT)/test_vcpu: $(EVTCHN_UT_DIR)/test_vcpu.c xen/common/vcpu.c $(EVTCHN_UT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(EVTCHN_UT_CFLAGS) -o $@ $(EVTCHN_UT_DIR)/test_vcpu.c xen/common/vcpu.c -lcmocka

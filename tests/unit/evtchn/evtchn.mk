# Event-channel unit tests: xen/common/event_channel.c built for the host
# with fake domains (tests/unit/evtchn/test_evtchn.c), ASan and UBSan.
#   make test-unit-evtchn     (about 2 s; closes with "unit-evtchn: N passed, N failed")
EVTCHN_UT_DIR := tests/unit/evtchn
EVTCHN_UT_OUT := $(BUILD)/unit-evtchn
EVTCHN_UT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-iquote xen/include -iquote include -iquote $(EVTCHN_UT_DIR)
EVTCHN_UT_BINS := $(EVTCHN_UT_OUT)/test_evtchn

ALL_TARGETS += $(EVTCHN_UT_BINS)
TEST_TARGETS += test-unit-evtchn

.PHONY: test-unit-evtchn
test-unit-evtchn: $(EVTCHN_UT_BINS)
	@set -o pipefail; bash tests/unit/run-unit.sh $(EVTCHN_UT_BINS) | \
		sed 's/^unit: /unit-evtchn: /'

$(EVTCHN_UT_OUT)/test_evtchn: $(EVTCHN_UT_DIR)/test_evtchn.c xen/common/event_channel.c \
		xen/include/event.h xen/include/domain.h xen/include/timer.h $(EVTCHN_UT_DIR)/evtchn.mk
	@mkdir -p $(@D)
	$(HOSTCC) $(EVTCHN_UT_CFLAGS) -o $@ $(EVTCHN_UT_DIR)/test_evtchn.c \
		xen/common/event_channel.c -lcmocka

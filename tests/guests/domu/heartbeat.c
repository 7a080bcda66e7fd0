/*
 * The heartbeat domU of fuzz-domu (not a test of its own): built by the
 * control domain with "port=<n>" on its command line, an unbound port of
 * its own offered to dom0. It answers every event on that port with one
 * back and counts them; it runs until the control domain destroys it.
 */
#include "xtest.h"
#include "evtchn.h"

void test_main(void)
{
	uint32_t port = (uint32_t)xtest_cmdline_num("port", 0);
	unsigned long beats = 0;

	if (!port) {
		xtest_error("no port= on the command line");
		return;
	}
	printk("heartbeat: answering on port %u\n", port);
	for (;;) {
		if (!evtchn_poll_pending(port, 1))
			continue;
		evtchn_test_and_clear(port);
		beats++;
		evtchn_port_op(EVTCHNOP_send, port);
		if (beats % 1024 == 0)
			printk("heartbeat: %lu\n", beats);
	}
}

/*
 * A hostile netif frontend (run by the system test as a domU of xl with one
 * vif; as an initial domain it has no vif and skips).
 *
 * It connects to the backend the toolstack named in xenstore as a frontend
 * must (granted transmit and receive rings, an unbound event channel for
 * the backend, tx-ring-ref, rx-ring-ref, event-channel, request-rx-copy,
 * state Connected), sends one good Ethernet frame (a broadcast of a local
 * experimental EtherType), then bad transmit requests: a frame shorter
 * than its header, grant references out of the table and not granted. Each
 * must be answered with an error; a frame from a page granted read-only is
 * good (the backend only reads it), and a good frame after them still goes.
 * Last, a request that crosses the page end: the backend must give up on
 * the interface without an answer. It prints
 *	netif-hostile: verdict SUCCESS|FAILURE
 * and then idles until the toolstack destroys it.
 */
#include "xtest.h"
#include "evtchn.h"
#include "hammer.h"
#include "pvfront.h"
#include "xs-client.h"

#define VIF "device/vif/0"

/* Xen's public io/netif.h and io/ring.h: numbers and layouts. */
#define NETIF_RSP_ERROR (-1)
#define NETIF_RSP_OKAY 0
#define TX_ENTRIES 256 /* (4096 - 64) / 12 rounded down to a power of two */
#define FRAME_LEN 60

struct tx_req {
	uint32_t gref;
	uint16_t offset, flags, id, size;
};

struct tx_rsp {
	uint16_t id;
	int16_t status;
};

_Static_assert(sizeof(struct tx_req) == 12, "netif_tx_request is 12 bytes");
_Static_assert(64 + TX_ENTRIES * sizeof(struct tx_req) <= 4096, "one page ring");

enum { TX_REF = PVFRONT_FIRST_REF, RX_REF, DATA_REF, RO_REF, UNGRANTED_REF, BEYOND_REF = 5000 };

#define NO_RESPONSE 0x7fff

static char tx_page[4096] __attribute__((aligned(4096)));
static char rx_page[4096] __attribute__((aligned(4096)));
static char data_page[4096] __attribute__((aligned(4096)));
static char ro_page[4096] __attribute__((aligned(4096)));

static struct pvfront_ring tx, rx;

/* A broadcast frame from this guest's MAC with a local experimental EtherType. */
static void make_frame(char *p)
{
	static const unsigned char head[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
						0x16, 0x3e, 0x5e, 0x7a, 0x02, 0x88, 0xb5 };

	memset(p, 0, FRAME_LEN);
	memcpy(p, head, sizeof(head));
	memcpy(p + sizeof(head), "petrel hostile netfront", 23);
}

/* Publish both rings and the event channel, then Connected. */
static bool publish(void)
{
	pvfront_ring_init(&tx, tx_page, sizeof(struct tx_req), TX_ENTRIES);
	pvfront_ring_init(&rx, rx_page, 8, TX_ENTRIES);
	if (!pvfront_alloc_port(&tx.port))
		return false;
	pvfront_grant(TX_REF, tx_page, GTF_permit_access);
	pvfront_grant(RX_REF, rx_page, GTF_permit_access);
	if (!pvfront_write_number(VIF, "tx-ring-ref", TX_REF) ||
	    !pvfront_write_number(VIF, "rx-ring-ref", RX_REF) ||
	    !pvfront_write_number(VIF, "event-channel", tx.port) ||
	    !pvfront_write_number(VIF, "request-rx-copy", 1) ||
	    !pvfront_write_number(VIF, "feature-rx-notify", 1) ||
	    !pvfront_write_number(VIF, "state", 4)) {
		xtest_error("writing the frontend's nodes under %s", VIF);
		return false;
	}
	return true;
}

static bool connect(void)
{
	char bpath[128];

	if (!pvfront_find_backend(VIF, bpath, sizeof(bpath)) || !publish() ||
	    !pvfront_wait_connected(bpath))
		return false;
	printk("netif-hostile: connected, rings %d and %d, port %u\n", TX_REF, RX_REF, tx.port);
	return true;
}

/* Put a transmit request on the ring, notify the backend, wait up to @ms for its answer. */
static int send(uint32_t ref, uint16_t offset, uint16_t size, uint64_t ms)
{
	struct tx_req r = { .gref = ref,
			    .offset = offset,
			    .id = (uint16_t)(tx.req_prod % TX_ENTRIES),
			    .size = size };
	struct tx_rsp rsp;

	pvfront_ring_push(&tx, &r, sizeof(r));
	if (!pvfront_ring_pop(&tx, &rsp, sizeof(rsp), ms))
		return NO_RESPONSE;
	if (rsp.id == r.id)
		return rsp.status;
	xtest_fail("response id %u, expected %u (status %d)", rsp.id, r.id, rsp.status);
	return NO_RESPONSE;
}

static void expect(const char *name, uint32_t ref, uint16_t offset, uint16_t size, int want)
{
	int got = send(ref, offset, size, PVFRONT_WAIT_MS);

	printk("netif-hostile: %s status %d\n", name, got);
	xtest_check(got == want, "%s: status %d, expected %d", name, got, want);
}

static void check_frames(void)
{
	make_frame(data_page);
	make_frame(ro_page);
	expect("frame-first", DATA_REF, 0, FRAME_LEN, NETIF_RSP_OKAY);
	expect("frame-short", DATA_REF, 0, 10, NETIF_RSP_ERROR);
	expect("ref-beyond-table", BEYOND_REF, 0, FRAME_LEN, NETIF_RSP_ERROR);
	expect("ref-not-granted", UNGRANTED_REF, 0, FRAME_LEN, NETIF_RSP_ERROR);
	expect("frame-readonly-grant", RO_REF, 0, FRAME_LEN, NETIF_RSP_OKAY);
	expect("frame-after", DATA_REF, 0, FRAME_LEN, NETIF_RSP_OKAY);
}

/* A request crossing the page end: the backend gives up on us without an answer. */
static void check_cross_page(void)
{
	int got = send(DATA_REF, 4000, 200, 3000);

	printk("netif-hostile: cross-page status %d\n", got);
	xtest_check(got == NO_RESPONSE, "cross-page: status %d, expected no answer", got);
}

void test_main(void)
{
	if (xtest_start_info->flags & SIF_INITDOMAIN) {
		xtest_skip("a netif frontend for a domU of xl with a vif (the system test)");
		return;
	}
	if (xs_connect(xtest_start_info) && pvfront_gnttab_setup() && connect()) {
		pvfront_grant_test_pages(DATA_REF, data_page, ro_page);
		check_frames();
		check_cross_page();
	}
	pvfront_finish("netif-hostile");
}

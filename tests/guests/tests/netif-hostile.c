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
 *
 * Then the receive ring: the guest asks dom0 for its address (an ARP request
 * for 192.168.77.1 on xenbr0) and dom0's answer fills the receive request
 * waiting on the ring. The backend copies it in with a grant copy and
 * answers a request whose copy failed with the copy's status: a reference
 * out of the table is Xen's GNTST_bad_gntref, one not granted, granted
 * read-only or granted and then revoked (its access ended before the
 * request) GNTST_general_error, and none of those frames changes. An id
 * out of the ring's range comes back as it was. Then an event-channel
 * flood: at least a million EVTCHNOP_sends to the backend, on until dom0
 * (the system test, which pings the Linux domU meanwhile) writes
 * data/flood-stop; frames still go and come after it. Then a receive
 * producer index 1000 requests ahead: no more answers than requests.
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

struct rx_req {
	uint16_t id, pad;
	uint32_t gref;
};

struct rx_rsp {
	uint16_t id, offset, flags;
	int16_t status;
};

_Static_assert(sizeof(struct rx_req) == 8 && sizeof(struct rx_rsp) == 8, "netif_rx layouts");

#define RX_GOOD 1 /* expected: a positive length */

enum {
	TX_REF = PVFRONT_FIRST_REF,
	RX_REF,
	DATA_REF,
	RO_REF,
	UNGRANTED_REF,
	RXD_REF,
	REVOKE_REF,
	BEYOND_REF = 5000
};

#define FLOOD_MIN 1000000UL
#define FLOOD_MAX_S 240

#define NO_RESPONSE 0x7fff

static char tx_page[4096] __attribute__((aligned(4096)));
static char rx_page[4096] __attribute__((aligned(4096)));
static char data_page[4096] __attribute__((aligned(4096)));
static char ro_page[4096] __attribute__((aligned(4096)));
static char rxd_page[4096] __attribute__((aligned(4096)));
static char revoke_page[4096] __attribute__((aligned(4096)));

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
	rx.port = tx.port;
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

/* Who has 192.168.77.1 (dom0 on xenbr0)? Asked by 192.168.77.9, this guest's MAC. */
static void make_arp(char *p)
{
	static const unsigned char arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x16, 0x3e,
					       0x5e, 0x7a, 0x02, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
					       6,    4,	   0x00, 0x01, 0x00, 0x16, 0x3e, 0x5e, 0x7a,
					       0x02, 192,  168,	 77,   9,    0,	   0,	 0,    0,
					       0,    0,	   192,	 168,  77,   1 };

	memset(p, 0, FRAME_LEN);
	memcpy(p, arp, sizeof(arp));
}

static bool page_is(const char *p, const char *want, size_t len)
{
	return !memcmp(p, want, len);
}

/*
 * A frame this guest may receive at @p: to its MAC (dom0's ARP answer) or
 * to a group address (dom0's IPv6 solicitations on the vif come unasked).
 */
static bool received_for_us(const char *p)
{
	static const char mac[6] = { 0x00, 0x16, 0x3e, 0x5e, 0x7a, 0x02 };

	return page_is(p, mac, sizeof(mac)) || (p[0] & 1);
}

/* Put a receive request for @ref on the ring (notifying the backend). */
static void rx_post(uint32_t ref, uint16_t id)
{
	struct rx_req r = { .id = id, .gref = ref };

	pvfront_ring_push(&rx, &r, sizeof(r));
}

/* Answer the receive requests dom0 (and anyone else) has frames for, until none comes in 1 s. */
static void rx_drain(void)
{
	struct rx_rsp rsp;

	for (int i = 0; i < 64; i++) {
		rx_post(RXD_REF, 0);
		if (!pvfront_ring_pop(&rx, &rsp, sizeof(rsp), 1000))
			return;
	}
	xtest_fail("frames kept coming on the receive ring");
}

/*
 * A receive request for @ref with @id (none if @ref is 0: the one already
 * waiting), then an ARP request to dom0, whose answer fills it: its status.
 */
static int rx_answer(uint32_t ref, uint16_t id)
{
	struct rx_rsp rsp;
	int sent;

	if (ref)
		rx_post(ref, id);
	make_arp(data_page);
	sent = send(DATA_REF, 0, FRAME_LEN, PVFRONT_WAIT_MS);
	if (sent != NETIF_RSP_OKAY) {
		xtest_fail("the ARP request was answered %d on the transmit ring", sent);
		return NO_RESPONSE;
	}
	if (!pvfront_ring_pop(&rx, &rsp, sizeof(rsp), PVFRONT_WAIT_MS))
		return NO_RESPONSE;
	if (rsp.id == id)
		return rsp.status;
	xtest_fail("receive response id %u, expected %u (status %d)", rsp.id, id, rsp.status);
	return NO_RESPONSE;
}

static void expect_rx(const char *name, uint32_t ref, uint16_t id, int want)
{
	int got = rx_answer(ref, id);

	printk("netif-hostile: %s status %d\n", name, got);
	if (want == RX_GOOD)
		xtest_check(got > 0 && got != NO_RESPONSE, "%s: status %d, expected a length", name,
			    got);
	else
		xtest_check(got == want, "%s: status %d, expected %d", name, got, want);
}

static void check_rx(void)
{
	char frame[FRAME_LEN];
	bool ended;

	rx_drain();
	expect_rx("rx-first", 0, 0, RX_GOOD);
	memset(rxd_page, 0x5a, sizeof(rxd_page));
	expect_rx("rx-ref-beyond-table", BEYOND_REF, 1, GNTST_bad_gntref);
	expect_rx("rx-ref-not-granted", UNGRANTED_REF, 2, GNTST_general_error);
	xtest_check(rxd_page[0] == 0x5a, "a copy into an entry naming the page without access");
	make_frame(frame);
	expect_rx("rx-readonly-grant", RO_REF, 3, GNTST_general_error);
	xtest_check(page_is(ro_page, frame, FRAME_LEN), "the read-only page was written");
	memset(revoke_page, 0x5a, sizeof(revoke_page));
	pvfront_grant(REVOKE_REF, revoke_page, GTF_permit_access);
	ended = pvfront_end_access(REVOKE_REF);
	xtest_check(ended, "ending access to an unused grant was refused (flags %#x)",
		    pvfront_grant_flags(REVOKE_REF));
	expect_rx("rx-revoked", REVOKE_REF, 4, GNTST_general_error);
	xtest_check(revoke_page[0] == 0x5a && revoke_page[41] == 0x5a, "the revoked page changed");
	expect_rx("rx-id-out-of-range", RXD_REF, 0xffff, RX_GOOD);
	xtest_check(received_for_us(rxd_page), "no frame for this guest in the page: %02x:%02x",
		    (uint8_t)rxd_page[0], (uint8_t)rxd_page[1]);
}

/*
 * At least FLOOD_MIN notifications of the backend, then on until dom0 writes
 * data/flood-stop (read every 64 Ki sends), for at most FLOOD_MAX_S seconds.
 */
static void check_flood(void)
{
	uint64_t start = hammer_now(), end = start + FLOOD_MAX_S * 1000 * MS;
	unsigned long sends = 0, failed = 0;
	bool stopped = false;
	char got[8];

	printk("netif-hostile: flood running, port %u\n", tx.port);
	while (!stopped && hammer_now() < end) {
		for (int i = 0; i < 65536; i++)
			failed += evtchn_port_op(EVTCHNOP_send, tx.port) != 0;
		sends += 65536;
		stopped = sends >= FLOOD_MIN && xs_read("data/flood-stop", got, sizeof(got));
	}
	printk("netif-hostile: flood status %d (%lu sends, %lu refused, %lu ms, %s)\n",
	       stopped && !failed ? 0 : -1, sends, failed,
	       (unsigned long)((hammer_now() - start) / MS),
	       stopped ? "stopped by dom0" : "timed out");
	xtest_check(stopped && !failed, "flood: %lu sends, %lu refused, stop %s", sends, failed,
		    stopped ? "seen" : "never written");
	expect("frame-after-flood", DATA_REF, 0, FRAME_LEN, NETIF_RSP_OKAY);
	expect_rx("rx-after-flood", RXD_REF, 5, RX_GOOD);
}

/* The receive producer index 1000 requests ahead: never more answers than requests. */
static void check_rx_ahead(void)
{
	uint32_t unread;

	rx.req_prod += 1000;
	pvfront_ring_notify(&rx);
	make_arp(data_page);
	for (int i = 0; i < 3; i++)
		send(DATA_REF, 0, FRAME_LEN, PVFRONT_WAIT_MS);
	hammer_sleep_ms(2000);
	unread = pvfront_ring_unread(&rx);
	printk("netif-hostile: rx-ahead responses %u\n", unread);
	xtest_check(unread <= 1000, "%u receive responses to 1000 requests", unread);
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
	uint64_t start;

	if (xtest_start_info->flags & SIF_INITDOMAIN) {
		xtest_skip("a netif frontend for a domU of xl with a vif (the system test)");
		return;
	}
	if (xs_connect(xtest_start_info) && pvfront_gnttab_setup() && connect()) {
		pvfront_grant_test_pages(DATA_REF, data_page, ro_page);
		check_frames();
		start = hammer_now();
		pvfront_grant(RXD_REF, rxd_page, GTF_permit_access);
		check_rx();
		check_flood();
		check_rx_ahead();
		printk("netif-hostile: receive checks took %lu ms\n",
		       (unsigned long)((hammer_now() - start) / MS));
		check_cross_page();
	}
	pvfront_finish("netif-hostile");
}

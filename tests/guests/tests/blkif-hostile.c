/*
 * A hostile blkif frontend (run by the system test as a domU of xl with one
 * disk, vdev xvda; as an initial domain it has no disk and skips).
 *
 * It connects to the backend the toolstack named in xenstore as a frontend
 * must (a granted ring page, an unbound event channel for the backend,
 * ring-ref, event-channel, protocol, state Initialised, then Connected once
 * the backend is), proves the ring works with a read of sector 0 (dom0's
 * token line) and a write of sector 8, then puts nonsense on the ring: grant
 * references out of the table, not granted and granted read-only for a
 * read, sectors past the end, segment counts and sector ranges out of
 * bounds, an unknown operation. Each must be answered with an error status
 * and the read-only page left alone; a good read after them must still
 * work. With persistent grants negotiated (blkback keeps each page it
 * was given mapped), a page read into stays in use: the guest's end of
 * access is refused (GTF_reading|GTF_writing, as on Xen); a guest that
 * overwrites the entry anyway and grants another frame under the same
 * reference finds the backend still using the old frame and the new one
 * untouched, for a read and for a write. A page granted for a read has its
 * entry cleared as soon as the request is on the ring: the backend either
 * mapped it first (the read lands there) or fails the request. Then 100000
 * notifications of the backend, and a read must still work. Last, the
 * producer index jumps far
 * ahead: the backend must stop serving the ring without answering. The guest prints
 *	blkif-hostile: verdict SUCCESS|FAILURE
 * and then idles until the toolstack destroys it.
 */
#include "xtest.h"
#include "evtchn.h"
#include "hammer.h"
#include "pvfront.h"
#include "xs-client.h"

#define VDEV "device/vbd/51712"

/* Xen's public io/blkif.h and io/ring.h: numbers and the x86-64 layouts. */
#define BLKIF_OP_READ 0
#define BLKIF_OP_WRITE 1
#define BLKIF_MAX_SEGMENTS 11
#define BLKIF_RSP_EOPNOTSUPP (-2)
#define BLKIF_RSP_ERROR (-1)
#define BLKIF_RSP_OKAY 0
#define RING_ENTRIES 32 /* (4096 - 64) / 112 rounded down to a power of two */
#define XENBUS_INITIALISED "3"
#define XENBUS_CONNECTED "4"

struct blk_seg {
	uint32_t gref;
	uint8_t first_sect, last_sect;
	uint16_t pad;
};

struct blk_req {
	uint8_t operation, nr_segments;
	uint16_t handle;
	uint64_t id, sector;
	struct blk_seg seg[BLKIF_MAX_SEGMENTS];
};

struct blk_rsp {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};

/* A ring slot holds a request or its response: 112 bytes. */
#define SLOT_SIZE sizeof(struct blk_req)
_Static_assert(sizeof(struct blk_req) == 112, "blkif_request is 112 bytes");
_Static_assert(offsetof(struct blk_req, seg) == 24, "blkif_request layout");
_Static_assert(sizeof(struct blk_rsp) == 16, "blkif_response is 16 bytes");
_Static_assert(64 + RING_ENTRIES * SLOT_SIZE <= 4096, "one page ring");

enum {
	RING_REF = PVFRONT_FIRST_REF,
	DATA_REF,
	RO_REF,
	UNGRANTED_REF,
	REVOKE_REF,
	MIDIO_REF,
	BEYOND_REF = 5000
};

#define NO_RESPONSE 0x7fff
static char ring_page[4096] __attribute__((aligned(4096)));
static char data_page[4096] __attribute__((aligned(4096)));
static char ro_page[4096] __attribute__((aligned(4096)));
static char old_page[4096] __attribute__((aligned(4096)));
static char swap_page[4096] __attribute__((aligned(4096)));
static char midio_page[4096] __attribute__((aligned(4096)));

static struct pvfront_ring ring;
static uint64_t next_id = 1;
static unsigned long sectors;

/* Publish the ring and event channel, then Initialised. */
static bool publish(void)
{
	pvfront_ring_init(&ring, ring_page, SLOT_SIZE, RING_ENTRIES);
	if (!pvfront_alloc_port(&ring.port))
		return false;
	pvfront_grant(RING_REF, ring_page, GTF_permit_access);
	if (!pvfront_write_number(VDEV, "ring-ref", RING_REF) ||
	    !pvfront_write_number(VDEV, "event-channel", ring.port) ||
	    !xs_write(VDEV "/protocol", "x86_64-abi") ||
	    !pvfront_write_number(VDEV, "feature-persistent", 1) ||
	    !xs_write(VDEV "/state", XENBUS_INITIALISED)) {
		xtest_error("writing the frontend's nodes under %s", VDEV);
		return false;
	}
	return true;
}

static bool connect(void)
{
	char bpath[128], path[160], got[32];

	if (!pvfront_find_backend(VDEV, bpath, sizeof(bpath)) || !publish() ||
	    !pvfront_wait_connected(bpath))
		return false;
	snprintf(path, sizeof(path), "%s/sectors", bpath);
	xs_read(path, got, sizeof(got));
	sectors = pvfront_number(got);
	snprintf(path, sizeof(path), "%s/feature-persistent", bpath);
	if (!xs_read(path, got, sizeof(got)) || strcmp(got, "1")) {
		xtest_error("the backend offers no persistent grants (feature-persistent %s)", got);
		return false;
	}
	if (!xs_write(VDEV "/state", XENBUS_CONNECTED) || sectors < 16) {
		xtest_error("connected with %lu sectors", sectors);
		return false;
	}
	printk("blkif-hostile: connected, ring ref %d, port %u, %lu sectors\n", RING_REF, ring.port,
	       sectors);
	return true;
}

/* Put @r on the ring, notify the backend, and wait for its answer: its status or NO_RESPONSE. */
static int submit(struct blk_req r)
{
	struct blk_rsp rsp;

	r.id = next_id++;
	pvfront_ring_push(&ring, &r, sizeof(r));
	if (!pvfront_ring_pop(&ring, &rsp, sizeof(rsp), PVFRONT_WAIT_MS))
		return NO_RESPONSE;
	if (rsp.id == r.id)
		return rsp.status;
	xtest_fail("response id %lu, expected %lu (status %d)", (unsigned long)rsp.id,
		   (unsigned long)r.id, rsp.status);
	return NO_RESPONSE;
}

/* A one-segment request on @sector, sectors @first..@last of page @ref. */
static struct blk_req one_seg(uint8_t op, uint64_t sector, uint32_t ref, uint8_t first,
			      uint8_t last)
{
	struct blk_req r = { .operation = op, .nr_segments = 1, .sector = sector };

	r.seg[0] = (struct blk_seg){ .gref = ref, .first_sect = first, .last_sect = last };
	return r;
}

static void expect(const char *name, struct blk_req r, int want, int also)
{
	int got = submit(r);

	printk("blkif-hostile: %s status %d\n", name, got);
	xtest_check(got == want || got == also, "%s: status %d, expected %d", name, got, want);
}

static void check_good_io(const char *when)
{
	static const char line[] = "PETREL-DISK hostile frontend\n";
	char name[48];

	memset(data_page, 0, sizeof(data_page));
	snprintf(name, sizeof(name), "read-%s", when);
	expect(name, one_seg(BLKIF_OP_READ, 0, DATA_REF, 0, 7), BLKIF_RSP_OKAY, BLKIF_RSP_OKAY);
	xtest_check(!strncmp(data_page, "PETREL-DISK dom0 ", 17), "%s: sector 0 holds %.40s", name,
		    data_page);
	memset(data_page, 0, sizeof(data_page));
	memcpy(data_page, line, sizeof(line) - 1);
	snprintf(name, sizeof(name), "write-%s", when);
	expect(name, one_seg(BLKIF_OP_WRITE, 8, DATA_REF, 0, 0), BLKIF_RSP_OKAY, BLKIF_RSP_OKAY);
}

/* Requests that name frames the backend may not write into. */
static void check_bad_grants(void)
{
	memset(ro_page, 0x5a, sizeof(ro_page));
	expect("ref-beyond-table", one_seg(BLKIF_OP_READ, 0, BEYOND_REF, 0, 7), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	expect("ref-not-granted", one_seg(BLKIF_OP_READ, 0, UNGRANTED_REF, 0, 7), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	expect("read-into-readonly-grant", one_seg(BLKIF_OP_READ, 0, RO_REF, 0, 7), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	for (unsigned int i = 0; i < sizeof(ro_page); i++)
		if (ro_page[i] != 0x5a) {
			xtest_fail("the read-only page changed at byte %u", i);
			break;
		}
}

static void check_bad_geometry(void)
{
	struct blk_req r = one_seg(BLKIF_OP_READ, 0, DATA_REF, 0, 7);

	expect("sector-past-end", one_seg(BLKIF_OP_READ, sectors - 7, DATA_REF, 0, 7),
	       BLKIF_RSP_ERROR, BLKIF_RSP_ERROR);
	expect("sector-huge", one_seg(BLKIF_OP_READ, ~0UL - 3, DATA_REF, 0, 7), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	expect("first-after-last", one_seg(BLKIF_OP_READ, 0, DATA_REF, 7, 0), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	expect("last-sect-8", one_seg(BLKIF_OP_READ, 0, DATA_REF, 0, 8), BLKIF_RSP_ERROR,
	       BLKIF_RSP_ERROR);
	r.nr_segments = 0;
	expect("segments-0", r, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR);
	r.nr_segments = BLKIF_MAX_SEGMENTS + 1;
	expect("segments-12", r, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR);
	r.nr_segments = 255;
	expect("segments-255", r, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR);
	r.nr_segments = 1;
	r.operation = 0xee;
	/* Linux's blkback answers an operation it does not know as unsupported. */
	expect("operation-0xee", r, BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_EOPNOTSUPP);
}

static bool all_bytes(const char *p, char c)
{
	for (unsigned int i = 0; i < 4096; i++)
		if (p[i] != c)
			return false;
	return true;
}

/*
 * A page the backend keeps mapped (a persistent grant) cannot be taken back:
 * the end of access is refused while the entry shows it in use. Forced
 * (the entry cleared and REVOKE_REF granted again for swap_page), the
 * backend's reads and writes still go to old_page, never to swap_page.
 */
static void check_revoke(void)
{
	uint16_t flags;
	bool ended;

	memset(old_page, 0, sizeof(old_page));
	pvfront_grant(REVOKE_REF, old_page, GTF_permit_access);
	expect("read-persistent", one_seg(BLKIF_OP_READ, 0, REVOKE_REF, 0, 7), BLKIF_RSP_OKAY,
	       BLKIF_RSP_OKAY);
	xtest_check(!strncmp(old_page, "PETREL-DISK dom0 ", 17), "sector 0 read as %.40s",
		    old_page);
	flags = pvfront_grant_flags(REVOKE_REF);
	ended = pvfront_end_access(REVOKE_REF);
	printk("blkif-hostile: end-access-in-use status %d (flags %#x)\n", ended ? 0 : -1, flags);
	xtest_check(!ended && (flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
		    "a page the backend maps: flags %#x, end of access %s", flags,
		    ended ? "allowed" : "refused");

	/* Forced: the entry cleared, then swap_page granted under the same reference. */
	memset(swap_page, 0x5a, sizeof(swap_page));
	pvfront_grant(REVOKE_REF, swap_page, 0);
	pvfront_grant(REVOKE_REF, swap_page, GTF_permit_access);
	memset(old_page, 0, sizeof(old_page));
	expect("read-revoked", one_seg(BLKIF_OP_READ, 0, REVOKE_REF, 0, 7), BLKIF_RSP_OKAY,
	       BLKIF_RSP_OKAY);
	xtest_check(all_bytes(swap_page, 0x5a), "the backend read into the frame swapped in");
	xtest_check(!strncmp(old_page, "PETREL-DISK dom0 ", 17),
		    "the read did not land in the page still mapped: %.40s", old_page);
	memset(old_page, 0, sizeof(old_page));
	memcpy(old_page, "OLD FRAME", 9);
	expect("write-revoked", one_seg(BLKIF_OP_WRITE, 9, REVOKE_REF, 0, 0), BLKIF_RSP_OKAY,
	       BLKIF_RSP_OKAY);
	memset(data_page, 0, sizeof(data_page));
	expect("read-back", one_seg(BLKIF_OP_READ, 9, DATA_REF, 0, 0), BLKIF_RSP_OKAY,
	       BLKIF_RSP_OKAY);
	xtest_check(!strcmp(data_page, "OLD FRAME"), "sector 9 holds %.20s, not the old frame's",
		    data_page);
	xtest_check(all_bytes(swap_page, 0x5a), "the frame swapped in changed");
}

/*
 * The grant of a read's page revoked (its entry cleared) right after the
 * request is put on the ring, while the backend has yet to map it: the
 * request fails, or, if the backend mapped the page first, the read is in it.
 */
static void check_revoke_mid_io(void)
{
	struct blk_req r = one_seg(BLKIF_OP_READ, 0, MIDIO_REF, 0, 7);
	struct blk_rsp rsp = { .status = NO_RESPONSE };
	bool read;

	memset(midio_page, 0, sizeof(midio_page));
	pvfront_grant(MIDIO_REF, midio_page, GTF_permit_access);
	r.id = next_id++;
	pvfront_ring_push(&ring, &r, sizeof(r));
	pvfront_grant(MIDIO_REF, midio_page, 0);
	if (!pvfront_ring_pop(&ring, &rsp, sizeof(rsp), PVFRONT_WAIT_MS))
		rsp.status = NO_RESPONSE;
	read = !strncmp(midio_page, "PETREL-DISK dom0 ", 17);
	printk("blkif-hostile: revoke-mid-io status %d (%s)\n", rsp.status,
	       read ? "read landed" : "page untouched");
	xtest_check(rsp.id == r.id && ((rsp.status == BLKIF_RSP_OKAY && read) ||
				       (rsp.status == BLKIF_RSP_ERROR && all_bytes(midio_page, 0))),
		    "revoked in flight: id %lu of %lu, status %d, page %.40s",
		    (unsigned long)rsp.id, (unsigned long)r.id, rsp.status, midio_page);
}

/* FLOOD_SENDS notifications of the backend in a row; then a read still works. */
#define FLOOD_SENDS 100000
static void check_flood(void)
{
	uint64_t start = hammer_now();
	unsigned long failed = 0;

	for (int i = 0; i < FLOOD_SENDS; i++)
		failed += evtchn_port_op(EVTCHNOP_send, ring.port) != 0;
	printk("blkif-hostile: flood status %d (%d sends, %lu refused, %lu ms)\n", failed ? -1 : 0,
	       FLOOD_SENDS, failed, (unsigned long)((hammer_now() - start) / MS));
	xtest_check(!failed, "flood: %lu of %d sends refused", failed, FLOOD_SENDS);
	memset(data_page, 0, sizeof(data_page));
	expect("read-after-flood", one_seg(BLKIF_OP_READ, 0, DATA_REF, 0, 7), BLKIF_RSP_OKAY,
	       BLKIF_RSP_OKAY);
	xtest_check(!strncmp(data_page, "PETREL-DISK dom0 ", 17), "after the flood: %.40s",
		    data_page);
}

/* The producer index far past what the ring holds: no answer may come. */
static void check_prod_ahead(void)
{
	ring.req_prod += 1000;
	pvfront_ring_notify(&ring);
	hammer_sleep_ms(3000);
	printk("blkif-hostile: prod-ahead responses %u\n", pvfront_ring_unread(&ring));
	xtest_check(pvfront_ring_unread(&ring) == 0, "%u responses to a ring 1000 requests ahead",
		    pvfront_ring_unread(&ring));
}

void test_main(void)
{
	uint64_t start;

	if (xtest_start_info->flags & SIF_INITDOMAIN) {
		xtest_skip("a blkif frontend for a domU of xl with a disk (the system test)");
		return;
	}
	if (xs_connect(xtest_start_info) && pvfront_gnttab_setup() && connect()) {
		pvfront_grant_test_pages(DATA_REF, data_page, ro_page);
		check_good_io("first");
		check_bad_grants();
		check_bad_geometry();
		check_good_io("after");
		start = hammer_now();
		check_revoke();
		printk("blkif-hostile: revoke checks took %lu ms\n",
		       (unsigned long)((hammer_now() - start) / MS));
		check_revoke_mid_io();
		check_flood();
		check_prod_ahead();
	}
	pvfront_finish("blkif-hostile");
}

/* Split-driver frontend plumbing for test domUs (pvfront.h). */
#include "pvfront.h"
#include "evtchn.h"
#include "hammer.h"
#include "xs-client.h"

#define VIRT_BASE 0xffffffff80000000UL

uint16_t pvfront_backend_id;
static char gnttab_page[4096] __attribute__((aligned(4096)));

unsigned long pvfront_mfn(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - VIRT_BASE) >> 12];
}

unsigned long pvfront_number(const char *s)
{
	unsigned long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	return v;
}

bool pvfront_gnttab_setup(void)
{
	unsigned long frame = 0;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = &frame };
	long rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&st, 1, 0, 0);

	if (rc || st.status) {
		xtest_error("grant setup_table: rc %ld status %d", rc, st.status);
		return false;
	}
	rc = hypercall_update_va_mapping((unsigned long)gnttab_page,
					 (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
					 UVMF_INVLPG);
	if (rc)
		xtest_error("mapping the grant table: %ld", rc);
	return rc == 0;
}

static volatile struct grant_entry_v1 *grant_entry(unsigned int ref)
{
	return &((volatile struct grant_entry_v1 *)gnttab_page)[ref];
}

void pvfront_grant(unsigned int ref, const void *page, uint16_t flags)
{
	volatile struct grant_entry_v1 *e = grant_entry(ref);

	e->domid = pvfront_backend_id;
	e->frame = (uint32_t)pvfront_mfn(page);
	__asm__ volatile("sfence" ::: "memory");
	e->flags = flags;
}

uint16_t pvfront_grant_flags(unsigned int ref)
{
	return grant_entry(ref)->flags;
}

bool pvfront_end_access(unsigned int ref)
{
	uint16_t old = grant_entry(ref)->flags;

	if (old & (GTF_reading | GTF_writing))
		return false;
	return __atomic_compare_exchange_n(&grant_entry(ref)->flags, &old, 0, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void pvfront_grant_test_pages(unsigned int ref, const void *data, const void *ro)
{
	pvfront_grant(ref, data, GTF_permit_access);
	pvfront_grant(ref + 1, ro, GTF_permit_access | GTF_readonly);
	pvfront_grant(ref + 2, data, 0);
}

bool pvfront_find_backend(const char *dir, char *bpath, uint32_t size)
{
	char path[64], id[16];

	snprintf(path, sizeof(path), "%s/backend-id", dir);
	if (!xs_read(path, id, sizeof(id))) {
		xtest_error("no %s in xenstore", path);
		return false;
	}
	snprintf(path, sizeof(path), "%s/backend", dir);
	if (!xs_read(path, bpath, size)) {
		xtest_error("no %s in xenstore", path);
		return false;
	}
	pvfront_backend_id = (uint16_t)pvfront_number(id);
	printk("frontend %s: backend %s (domain %u)\n", dir, bpath, pvfront_backend_id);
	return true;
}

bool pvfront_alloc_port(uint32_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = pvfront_backend_id };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	if (rc)
		xtest_error("alloc_unbound for domain %u: %ld", pvfront_backend_id, rc);
	*port = a.port;
	return rc == 0;
}

bool pvfront_write_number(const char *dir, const char *key, unsigned long v)
{
	char path[64], val[24];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(val, sizeof(val), "%lu", v);
	return xs_write(path, val);
}

bool pvfront_wait(const char *path, const char *want, char *got, uint32_t gotsz)
{
	uint64_t end = hammer_now() + PVFRONT_WAIT_MS * MS;

	while (!xs_read(path, got, gotsz) || strcmp(got, want)) {
		if (hammer_now() > end)
			return false;
		hammer_sleep_ms(20);
	}
	return true;
}

bool pvfront_wait_connected(const char *bpath)
{
	char path[160], got[32];

	snprintf(path, sizeof(path), "%s/state", bpath);
	if (pvfront_wait(path, "4", got, sizeof(got)))
		return true;
	xtest_error("backend state %s after %d ms, not Connected (4)", got, PVFRONT_WAIT_MS);
	return false;
}

/* The ring header's indexes. */
enum { REQ_PROD, REQ_EVENT, RSP_PROD, RSP_EVENT, RING_HEADER = 64 };

static volatile uint32_t *ring_index(const struct pvfront_ring *r, int which)
{
	return (volatile uint32_t *)r->page + which;
}

static char *ring_slot(const struct pvfront_ring *r, uint32_t idx)
{
	return r->page + RING_HEADER + (idx % r->entries) * r->size;
}

void pvfront_ring_init(struct pvfront_ring *r, void *page, size_t size, uint32_t entries)
{
	*r = (struct pvfront_ring){ .page = page, .size = size, .entries = entries };
	memset(page, 0, 4096);
	*ring_index(r, REQ_EVENT) = 1;
	*ring_index(r, RSP_EVENT) = 1;
}

void pvfront_ring_notify(struct pvfront_ring *r)
{
	__asm__ volatile("sfence" ::: "memory");
	*ring_index(r, REQ_PROD) = r->req_prod;
	evtchn_port_op(EVTCHNOP_send, r->port);
}

void pvfront_ring_push(struct pvfront_ring *r, const void *req, size_t len)
{
	memcpy(ring_slot(r, r->req_prod), req, len);
	r->req_prod++;
	pvfront_ring_notify(r);
}

uint32_t pvfront_ring_unread(const struct pvfront_ring *r)
{
	return *ring_index(r, RSP_PROD) - r->rsp_cons;
}

bool pvfront_ring_pop(struct pvfront_ring *r, void *rsp, size_t len, uint64_t ms)
{
	uint64_t end = hammer_now() + ms * MS;

	while (!pvfront_ring_unread(r)) {
		if (hammer_now() > end)
			return false;
		hammer_sleep_ms(2);
	}
	__asm__ volatile("lfence" ::: "memory");
	memcpy(rsp, ring_slot(r, r->rsp_cons), len);
	r->rsp_cons++;
	*ring_index(r, RSP_EVENT) = r->rsp_cons + 1;
	return true;
}

void pvfront_finish(const char *name)
{
	printk("%s: verdict %s\n", name,
	       xtest_current_result() == XTEST_SUCCESS ? "SUCCESS" : "FAILURE");
	for (;;)
		hammer_sleep_ms(1000);
}

/* The xenstore ring client of xs-client.h. */
#include "xs-client.h"
#include "evtchn.h"

struct xs_msg {
	uint32_t type, req_id, tx_id, len;
};

struct xs_ring {
	char req[1024];
	char rsp[1024];
	uint32_t req_cons, req_prod;
	uint32_t rsp_cons, rsp_prod;
};
_Static_assert(offsetof(struct xs_ring, req_cons) == 2048, "xenstore ring layout");

static char store_page[4096] __attribute__((aligned(4096)));
static volatile struct xs_ring *store;
static uint32_t store_port;
static uint32_t next_req_id = 1;

void xs_attach(void *page, uint32_t port)
{
	store = (volatile struct xs_ring *)page;
	store_port = port;
}

bool xs_connect(const struct start_info *si)
{
	store = NULL;
	if (!si->store_mfn)
		return false;
	if (hypercall_update_va_mapping((unsigned long)store_page,
					(si->store_mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
					UVMF_INVLPG))
		return false;
	xs_attach(store_page, si->store_evtchn);
	return true;
}

static void ring_put(const void *data, uint32_t len)
{
	const char *p = data;

	while (len) {
		while (store->req_prod - store->req_cons >= sizeof(store->req))
			hypercall_sched_op(SCHEDOP_yield, NULL);
		store->req[store->req_prod & (sizeof(store->req) - 1)] = *p++;
		__asm__ volatile("sfence" ::: "memory");
		store->req_prod++;
		len--;
	}
}

static void ring_get(void *data, uint32_t len)
{
	char *p = data;

	while (len) {
		while (store->rsp_prod == store->rsp_cons) {
			evtchn_port_op(EVTCHNOP_send, store_port);
			hypercall_sched_op(SCHEDOP_yield, NULL);
		}
		__asm__ volatile("lfence" ::: "memory");
		*p++ = store->rsp[store->rsp_cons & (sizeof(store->rsp) - 1)];
		__asm__ volatile("" ::: "memory");
		store->rsp_cons++;
		len--;
	}
}

uint32_t xs_request(uint32_t type, const char *path, const char *value, char *out, uint32_t outsz)
{
	struct xs_msg msg = { .type = type, .req_id = next_req_id++ };
	uint32_t plen = strlen(path) + 1, vlen = value ? strlen(value) : 0;
	char c;

	msg.len = plen + vlen;
	ring_put(&msg, sizeof(msg));
	ring_put(path, plen);
	ring_put(value, vlen);
	evtchn_port_op(EVTCHNOP_send, store_port);
	ring_get(&msg, sizeof(msg));
	for (uint32_t i = 0; i < msg.len; i++) {
		ring_get(&c, 1);
		if (i < outsz - 1)
			out[i] = c;
	}
	out[msg.len < outsz - 1 ? msg.len : outsz - 1] = 0;
	evtchn_port_op(EVTCHNOP_send, store_port);
	return msg.type;
}

bool xs_read(const char *path, char *out, uint32_t outsz)
{
	if (xs_request(XS_READ, path, NULL, out, outsz) == XS_READ)
		return true;
	out[0] = 0;
	return false;
}

bool xs_write(const char *path, const char *value)
{
	char reply[16];

	return xs_request(XS_WRITE, path, value, reply, sizeof(reply)) == XS_WRITE;
}

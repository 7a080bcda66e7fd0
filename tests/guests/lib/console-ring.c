/*
 * The console ring of a domain that is not the initial one: a domain built by
 * a toolstack (xl create) gets a console page and event channel in its
 * start_info, and its console daemon (xenconsoled) reads what the domain puts
 * in the page's output ring. printk() writes every line there too, so a test
 * guest's output reaches the toolstack's console log.
 *
 * Ring layout (Xen's public io/console.h): in[1024] at 0, out[2048] at 1024,
 * then the u32 indexes in_cons, in_prod, out_cons, out_prod. The indexes run
 * free and are masked by the ring size.
 */
#include "xtest.h"
#include "evtchn.h"
#include "console-ring.h"

struct console_ring {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};
_Static_assert(offsetof(struct console_ring, out) == 1024, "console ring layout");
_Static_assert(offsetof(struct console_ring, out_cons) == 3080, "console ring layout");
_Static_assert(offsetof(struct console_ring, out_prod) == 3084, "console ring layout");

/* How long a write waits for room, and the exit for the reader (TSC cycles). */
#define RING_WAIT_CYCLES 4000000000UL

static char ring_page[4096] __attribute__((aligned(4096)));
static volatile struct console_ring *ring;
static uint32_t ring_port;

static unsigned long rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long)hi << 32) | lo;
}

void console_ring_attach(void *page, uint32_t port)
{
	ring = (volatile struct console_ring *)page;
	ring_port = port;
}

/*
 * Map the console page over a page of our .bss. The initial domain has no
 * such page (its start_info holds the dom0 console fields instead), and an
 * HVM test guest has no start_info here (hvm.c attaches its ring itself).
 */
void console_ring_init(const struct start_info *si)
{
	long rc;

	if (!si || (si->flags & SIF_INITDOMAIN) || !si->console.domU.mfn)
		return;
	rc = hypercall_update_va_mapping((unsigned long)ring_page,
					 (si->console.domU.mfn << 12) | PTE_P | PTE_RW | PTE_A |
						 PTE_D,
					 UVMF_INVLPG);
	if (rc) {
		hypercall_console_write("console ring: cannot map the page\n", 34);
		return;
	}
	console_ring_attach(ring_page, si->console.domU.evtchn);
}

/* Wait (yielding) until the reader consumed up to `room` bytes' worth. */
static bool wait_for_room(uint32_t room)
{
	unsigned long start = rdtsc();

	while (ring->out_prod - ring->out_cons > sizeof(ring->out) - room) {
		if (rdtsc() - start > RING_WAIT_CYCLES)
			return false;
		hypercall_sched_op(SCHEDOP_yield, NULL);
	}
	return true;
}

void console_ring_write(const char *buf, size_t len)
{
	uint32_t prod;

	if (!ring)
		return;
	while (len) {
		size_t n = len < 256 ? len : 256;

		if (!wait_for_room(n))
			return;
		prod = ring->out_prod;
		for (size_t i = 0; i < n; i++)
			ring->out[(prod + i) & (sizeof(ring->out) - 1)] = buf[i];
		__asm__ volatile("sfence" ::: "memory");
		ring->out_prod = prod + n;
		evtchn_port_op(EVTCHNOP_send, ring_port);
		buf += n;
		len -= n;
	}
}

/* Give the reader the chance to take everything before the domain ends. */
void console_ring_flush(void)
{
	if (ring)
		wait_for_room(sizeof(ring->out));
}

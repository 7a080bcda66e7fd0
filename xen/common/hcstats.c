/*
 * Per-call cycle counters (hcstats.h) and the debug keys that drive them.
 * One table for every CPU, added to with relaxed atomics: hypercalls of
 * several CPUs may end at once. A call preempted into a continuation counts
 * once per piece; a multicall counts as a whole and once per entry.
 */
#include "types.h"
#include "errno.h"
#include "console.h"
#include "hcstats.h"
#include "uaccess.h"
#include "hvlock.h"
#include "mm.h"
#include "domain.h"
#include "event.h"
#include "grant_table.h"
#include "ipi.h"
#include "timer.h"
#include "smp.h"

struct hcstat {
	u64 count, cycles;
};

bool hcstats_on;
static struct hcstat stats[HCSTATS_KINDS][HCSTATS_OPS];
static const char *const kind_names[HCSTATS_KINDS] = {
	[HCSTATS_HYPERCALL] = "hypercall", [HCSTATS_DOMCTL] = "domctl",
	[HCSTATS_SYSCTL] = "sysctl",	   [HCSTATS_MEMOP] = "memory_op",
	[HCSTATS_GNTTAB] = "gnttab",	   [HCSTATS_GNTTAB_ENTRIES] = "gnttab_entries",
	[HCSTATS_TRAP] = "trap",	   [HCSTATS_TIMER] = "timer",
	[HCSTATS_PAGEFAULT] = "pagefault", [HCSTATS_COPY_KEPT] = "gnttab_copy_kept",
	[HCSTATS_EMUL] = "emul",	   [HCSTATS_EMUL_0F] = "emul_0f",
};

void hcstats_add_n(enum hcstats_kind kind, unsigned int op, u64 start, u64 n)
{
	struct hcstat *s = &stats[kind][op % HCSTATS_OPS];

	__atomic_fetch_add(&s->count, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->cycles, rdtsc() - start, __ATOMIC_RELAXED);
}

void hcstats_add(enum hcstats_kind kind, unsigned int op, u64 start)
{
	hcstats_add_n(kind, op, start, 1);
}

void hcstats_reset(void)
{
	for (unsigned int k = 0; k < HCSTATS_KINDS; k++)
		for (unsigned int i = 0; i < HCSTATS_OPS; i++)
			stats[k][i] = (struct hcstat){ 0, 0 };
	hv_lock_stats_reset();
	__atomic_store_n(&hcstats_on, true, __ATOMIC_RELAXED);
}

/* The page allocator's zeroing since boot: in the idle loop, at allocation, still to do. */
static void scrub_print(void)
{
	struct scrub_stats st;

	buddy_scrub_stats(&st);
	printk("hcstats: frames zeroed since boot: %lu idle, %lu at allocation; %lu free dirty\n",
	       st.idle_zeroed, st.alloc_zeroed, st.dirty_free);
}

static void hcstats_print(void)
{
	scrub_print();
	printk("hcstats: kind op count cycles cycles/call\n");
	for (unsigned int k = 0; k < HCSTATS_KINDS; k++)
		for (unsigned int i = 0; i < HCSTATS_OPS; i++)
			if (stats[k][i].count)
				printk("hcstats: %s %u %lu %lu %lu\n", kind_names[k], i,
				       stats[k][i].count, stats[k][i].cycles,
				       stats[k][i].cycles / stats[k][i].count);
	hv_lock_stats_print();
}

/* 'e' and 'g': every listed domain's ports or grant table, dying ones too. */
static void dump_evtchns(void)
{
	printk("'e' pressed -> dumping event-channel info\n");
	for (struct domain *d = domain_next(NULL); d; d = domain_next(d))
		evtchn_dump(d);
}

static void dump_grant_tables(void)
{
	printk("grant tables [ key 'g' pressed\n");
	for (struct domain *d = domain_next(NULL); d; d = domain_next(d))
		gnttab_dump(d);
	printk("grant tables ] done\n");
}

/* The hang dump (Ctrl-] on the serial line): every CPU's and every vCPU's state. */
void hang_dump(void)
{
	unsigned int cpu;

	dump_cpus_state();
	for_each_online_cpu(cpu) timer_dump_cpu(cpu);
	for (struct domain *d = domain_next(NULL); d; d = domain_next(d)) {
		for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
			const struct vcpu *v = d->vcpu[i];

			if (!v)
				continue;
			printk("hang: d%uv%u cpu %u running %d runq %d pause %#lx/%u polling %d "
			       "upcall %u/%u sel %#lx kernel %d rip %#lx\n",
			       d->domain_id, i, v->processor, v->is_running, v->on_runq,
			       v->pause_flags, v->pause_count, v->polling,
			       v->vcpu_info->evtchn_upcall_pending,
			       v->vcpu_info->evtchn_upcall_mask, v->vcpu_info->evtchn_pending_sel,
			       v->arch.pv.in_kernel, v->arch.pv.user_regs.rip);
			printk("hang: d%uv%u timers (armed cpu expires) singleshot %d %u %lu "
			       "periodic %d %u %lu poll %d %u %lu\n",
			       d->domain_id, i, v->singleshot_timer.active, v->singleshot_timer.cpu,
			       v->singleshot_timer.expires, v->periodic_timer.active,
			       v->periodic_timer.cpu, v->periodic_timer.expires,
			       v->poll_timer.active, v->poll_timer.cpu, v->poll_timer.expires);
		}
		evtchn_dump(d);
	}
}

/*
 * XEN_SYSCTL_debug_keys: 'P' zeroes the counters (the hypervisor lock's
 * waits too) and starts them, 'p' prints them, 'q' prints every HVM vCPU's
 * state (hvm_dump_domains), 'e' and 'g' every domain's event channels and
 * grant table; other keys do nothing, as keys without a handler on Xen.
 */
long debug_keys(u64 keys, u32 nr_keys)
{
	for (u32 i = 0; i < nr_keys; i++) {
		char k;

		if (copy_from_guest(&k, keys + i, 1))
			return -EFAULT;
		if (k == 'P')
			hcstats_reset();
		else if (k == 'p')
			hcstats_print();
		else if (k == 'q')
			hvm_dump_domains();
		else if (k == 'e')
			dump_evtchns();
		else if (k == 'g')
			dump_grant_tables();
	}
	return 0;
}

/*
 * Interprocessor interrupts. Hypervisor code runs with interrupts off, so a
 * CPU that waits for another (for its call-function or TLB-flush lock, or
 * for the others to finish) keeps serving the requests addressed to it
 * while it waits: two CPUs asking each other at once cannot deadlock.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "apic.h"
#include "console.h"
#include "ipi.h"
#include "smp.h"
#include "spinlock.h"
#include "timer.h"
#include "hvlock.h"
#include "domain.h"

static void send_ipi(unsigned int cpu, unsigned int vector)
{
	if (!apic_send_ipi(cpu_apic_id[cpu], APIC_DM_FIXED | vector))
		printk(XENLOG_WARNING "IPI %#x to CPU%u stayed pending\n", vector, cpu);
}

static void send_ipi_mask(u64 mask, unsigned int vector)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) if (mask & (1UL << cpu)) send_ipi(cpu, vector);
}

void send_event_check(unsigned int cpu)
{
	if (cpu_online(cpu))
		send_ipi(cpu, EVENT_CHECK_VECTOR);
}

/* timer.c: another CPU's soonest timer changed; it reprograms on the IPI. */
void timer_kick_cpu(unsigned int cpu)
{
	send_event_check(cpu);
}

/* ---- Call function. */

static DEFINE_SPINLOCK(call_lock);
static struct {
	void (*fn)(void *data);
	void *data;
	u64 pending; /* CPUs still to run it */
} call;

static u64 this_cpu_bit(void)
{
	return 1UL << smp_processor_id();
}

/* Run the call-function request addressed to this CPU, if any. */
static void call_function_serve(void)
{
	u64 me = this_cpu_bit();

	if (!(__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE) & me))
		return;
	call.fn(call.data);
	__atomic_fetch_and(&call.pending, ~me, __ATOMIC_RELEASE);
}

static void tlb_flush_serve(void);
static void tlb_idle_end(void);

/* Spin for @l, serving the requests other CPUs make of this one meanwhile. */
static void lock_serving(spinlock_t *l)
{
	while (!spin_trylock(l)) {
		call_function_serve();
		tlb_flush_serve();
		cpu_relax();
	}
}

static void wait_served(volatile u64 *pending)
{
	while (__atomic_load_n(pending, __ATOMIC_ACQUIRE)) {
		call_function_serve();
		tlb_flush_serve();
		cpu_relax();
	}
}

unsigned int on_cpus(u64 mask, void (*fn)(void *data), void *data)
{
	unsigned long flags = local_irq_save();
	u64 others = mask & cpu_online_mask & ~this_cpu_bit();
	unsigned int n = 0;

	if (others) {
		lock_serving(&call_lock);
		call.fn = fn;
		call.data = data;
		__atomic_store_n(&call.pending, others, __ATOMIC_RELEASE);
		send_ipi_mask(others, CALL_FUNCTION_VECTOR);
		wait_served(&call.pending);
		spin_unlock(&call_lock);
		for (u64 m = others; m; m &= m - 1)
			n++;
	}
	if (mask & this_cpu_bit()) {
		fn(data);
		n++;
	}
	local_irq_restore(flags);
	return n;
}

/* ---- The hypervisor lock (hvlock.h). */

static __hvm_data DEFINE_SPINLOCK(hv_lock);
static __hvm_data DEFINE_PER_CPU(unsigned int, hv_depth);

/*
 * Per CPU: times the lock was taken, times it was busy, TSC cycles spent
 * waiting for it, and TSC cycles spent holding it while other CPUs served
 * a TLB flush (flush_tlb_mask).
 */
struct hv_lock_stat {
	u64 taken, waited, cycles, flush_cycles;
};
static __hvm_data_big DEFINE_PER_CPU(struct hv_lock_stat, hv_lock_stats);

/*
 * Per cause (hvlock.h's HV_WHY_*): takings, busy takings, TSC cycles spent
 * waiting, TSC cycles held (from the taking to the letting go, nested traps
 * and the way back to the guest included). Waits are added to by several
 * CPUs at once (relaxed atomics); the hold time only by the holder.
 */
struct hv_why_stat {
	u64 taken, waited, wait_cycles, hold_cycles;
};
static __hvm_data_big struct hv_why_stat hv_why_stats[HV_WHY_MAX];
static __hvm_data DEFINE_PER_CPU(unsigned int, hv_why);
static __hvm_data DEFINE_PER_CPU(u64, hv_taken_at);

void hv_note_why(unsigned int why)
{
	if (!this_cpu(hv_depth))
		this_cpu(hv_why) = why < HV_WHY_MAX ? why : HV_WHY_OTHER;
}

static void why_count_take(bool waited, u64 cycles)
{
	struct hv_why_stat *w = &hv_why_stats[this_cpu(hv_why)];

	__atomic_fetch_add(&w->taken, 1, __ATOMIC_RELAXED);
	if (waited) {
		__atomic_fetch_add(&w->waited, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&w->wait_cycles, cycles, __ATOMIC_RELAXED);
	}
	this_cpu(hv_taken_at) = rdtsc();
}

/* Let hv_lock go, adding the time held to its cause; the next cause is "other" until said. */
__hvm_hot static void hv_lock_release(void)
{
	struct hv_why_stat *w = &hv_why_stats[this_cpu(hv_why)];

	__atomic_fetch_add(&w->hold_cycles, rdtsc() - this_cpu(hv_taken_at), __ATOMIC_RELAXED);
	this_cpu(hv_why) = HV_WHY_OTHER;
	spin_unlock(&hv_lock);
}

/* Take hv_lock, counting the wait when it is busy. */
__hvm_hot static void hv_lock_take(void)
{
	struct hv_lock_stat *s = &this_cpu(hv_lock_stats);
	u64 start = 0, cycles = 0;
	bool busy;

	s->taken++;
	busy = !spin_trylock(&hv_lock);
	if (busy) {
		start = rdtsc();
		lock_serving(&hv_lock);
		cycles = rdtsc() - start;
		s->waited++;
		s->cycles += cycles;
	}
	why_count_take(busy, cycles);
	if (tlb_holders_on)
		tlb_idle_end();
}

void hv_lock_stats_reset(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) per_cpu(hv_lock_stats, cpu) = (struct hv_lock_stat){ 0, 0, 0, 0 };
	for (unsigned int i = 0; i < HV_WHY_MAX; i++)
		hv_why_stats[i] = (struct hv_why_stat){ 0, 0, 0, 0 };
}

static const char *const why_names[HV_WHY_MAX - HV_WHY_IRQ] = {
	"irq", "timer", "event-check", "user-syscall", "return", "wait", "other",
};

/* One line per cause that took the lock: "hvlock-by: KIND N taken waited wait hold". */
static void hv_why_stats_print(void)
{
	printk("hvlock-by: cause n taken waited wait-cycles hold-cycles\n");
	for (unsigned int i = 0; i < HV_WHY_MAX; i++) {
		const struct hv_why_stat *w = &hv_why_stats[i];
		const char *kind = i < 64	    ? "hypercall"
				   : i < HV_WHY_IRQ ? "trap"
						    : why_names[i - HV_WHY_IRQ];

		if (w->taken)
			printk("hvlock-by: %s %u %lu %lu %lu %lu\n", kind,
			       i < 64		? i
			       : i < HV_WHY_IRQ ? i - 64
						: 0,
			       w->taken, w->waited, w->wait_cycles, w->hold_cycles);
	}
}

void hv_lock_stats_print(void)
{
	const struct hv_lock_stat *s;
	unsigned int cpu;

	printk("hvlock: cpu taken waited wait-cycles flush-cycles\n");
	for_each_online_cpu(cpu)
	{
		s = &per_cpu(hv_lock_stats, cpu);
		printk("hvlock: %u %lu %lu %lu %lu\n", cpu, s->taken, s->waited, s->cycles,
		       s->flush_cycles);
	}
	hv_why_stats_print();
}

__hvm_hot void hv_enter(void)
{
	if (this_cpu(hv_depth)++ == 0)
		hv_lock_take();
}

bool hv_held(void)
{
	return this_cpu(hv_depth) > 0;
}

void hv_enter_to_crash(void)
{
	if (!hv_held())
		hv_enter();
}

void hv_leave(void)
{
	ASSERT(this_cpu(hv_depth) > 0);
	if (--this_cpu(hv_depth) == 0)
		hv_lock_release();
}

__hvm_hot void hv_leave_to_guest(void)
{
	if (!this_cpu(hv_depth))
		return;
	this_cpu(hv_depth) = 0;
	hv_lock_release();
}

unsigned int hv_wait_begin(void)
{
	unsigned int depth = this_cpu(hv_depth);

	hv_leave_to_guest();
	return depth;
}

void hv_relax(void)
{
	call_function_serve();
	tlb_flush_serve();
	cpu_relax();
}

void hv_wait_end(unsigned int depth)
{
	if (!depth)
		return;
	hv_note_why(HV_WHY_WAIT);
	hv_lock_take();
	this_cpu(hv_depth) = depth;
}

/* ---- TLB flush. */

static DEFINE_SPINLOCK(flush_lock);
static u64 flush_pending;
static DEFINE_PER_CPU(u64, tlb_flushes);

/* Drop every TLB entry of this CPU, global ones too (toggling CR4.PGE). */
void flush_tlb_local(void)
{
	u64 cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
	this_cpu(tlb_flushes)++;
}

static void tlb_flush_serve(void)
{
	u64 me = this_cpu_bit();

	if (!(__atomic_load_n(&flush_pending, __ATOMIC_ACQUIRE) & me))
		return;
	flush_tlb_local();
	__atomic_fetch_and(&flush_pending, ~me, __ATOMIC_RELEASE);
}

void flush_tlb_mask(u64 mask)
{
	unsigned long flags = local_irq_save();
	u64 others = mask & cpu_online_mask & ~this_cpu_bit();

	if (mask & this_cpu_bit())
		flush_tlb_local();
	if (others) {
		u64 start = rdtsc();

		lock_serving(&flush_lock);
		__atomic_store_n(&flush_pending, others, __ATOMIC_RELEASE);
		send_ipi_mask(others, INVALIDATE_TLB_VECTOR);
		wait_served(&flush_pending);
		spin_unlock(&flush_lock);
		if (hv_held())
			this_cpu(hv_lock_stats).flush_cycles += rdtsc() - start;
	}
	local_irq_restore(flags);
}

void flush_tlb_others(void)
{
	flush_tlb_mask(cpu_online_mask & ~this_cpu_bit());
}

/*
 * Whose translations each CPU may hold: the PV domain whose page tables it
 * loaded last (its id + 1; 0: none since its last full flush), and whether
 * that domain is privileged (it may map other domains' frames). Written by
 * the CPU itself with hv_lock held, or on its way into an idle wait; read
 * by flushers, who hold hv_lock.
 */
#define TLB_ANY 0u
struct tlb_holder {
	unsigned int held;
	bool privileged;
};
static DEFINE_PER_CPU(struct tlb_holder, tlb_holder);
/* The holder an idle CPU gave up, taken back (with a flush) when it takes hv_lock. */
static __hvm_data DEFINE_PER_CPU(struct tlb_holder, tlb_idle_holder);

__hvm_data bool tlb_holders_on;
/* Without tlb_holders: the CPUs that have loaded a guest's page tables. */
static volatile u64 guest_cpu_mask;

void note_guest_cpu(unsigned int domid, bool privileged)
{
	if (!(guest_cpu_mask & this_cpu_bit()))
		__atomic_fetch_or(&guest_cpu_mask, this_cpu_bit(), __ATOMIC_SEQ_CST);
	__atomic_store_n(&this_cpu(tlb_holder).privileged, privileged, __ATOMIC_RELAXED);
	__atomic_store_n(&this_cpu(tlb_holder).held, domid + 1, __ATOMIC_SEQ_CST);
}

/*
 * On the way into an idle wait (hv_lock still held): this CPU stops
 * counting as a holder, so flushes made while it waits pass it by. It
 * flushes when it next takes hv_lock (tlb_idle_end), before any guest or
 * hypervisor code of its can use a translation again.
 */
void tlb_idle_begin(void)
{
	struct tlb_holder *h = &this_cpu(tlb_holder);

	if (!tlb_holders_on || !h->held || !hv_held()) /* without the lock, no take would flush */
		return;
	this_cpu(tlb_idle_holder) = *h;
	__atomic_store_n(&h->held, 0, __ATOMIC_SEQ_CST);
}

/* Just after this CPU took hv_lock. */
static void tlb_idle_end(void)
{
	struct tlb_holder *idle = &this_cpu(tlb_idle_holder);

	if (!idle->held)
		return;
	flush_tlb_local();
	if (!this_cpu(tlb_holder).held)
		this_cpu(tlb_holder) = *idle;
	idle->held = 0;
}

/*
 * The other CPUs that may hold translations of domain @held - 1 (TLB_ANY:
 * of any guest), and with @privileged those holding a privileged domain's.
 */
static u64 holders(unsigned int held, bool privileged)
{
	u64 mask = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu)
	{
		const struct tlb_holder *h = &per_cpu(tlb_holder, cpu);
		unsigned int cpu_held = __atomic_load_n(&h->held, __ATOMIC_SEQ_CST);

		if (!cpu_held)
			continue;
		if (held == TLB_ANY || cpu_held == held ||
		    (privileged && __atomic_load_n(&h->privileged, __ATOMIC_RELAXED)))
			mask |= 1UL << cpu;
	}
	return mask & ~this_cpu_bit();
}

/* The other CPUs that may hold a guest's translations. */
static u64 guest_holders(void)
{
	return (tlb_holders_on ? holders(TLB_ANY, false) : guest_cpu_mask) & ~this_cpu_bit();
}

void flush_tlb_guest_cpus(void)
{
	flush_tlb_mask(guest_holders() | this_cpu_bit());
}

void flush_tlb_guest_others(void)
{
	u64 others = guest_holders();

	if (others)
		flush_tlb_mask(others);
}

void flush_tlb_domain_cpus(unsigned int domid)
{
	if (!tlb_holders_on)
		flush_tlb_guest_cpus();
	else
		flush_tlb_mask(holders(domid + 1, true) | this_cpu_bit());
}

void flush_tlb_cpus_holding(u64 mask, unsigned int domid)
{
	if (!mask) /* a local-only flush: no holder to look up */
		return;
	if (tlb_holders_on)
		mask &= holders(domid + 1, false);
	if (mask)
		flush_tlb_mask(mask);
}

/*
 * The hang dump (console_io.c, Ctrl-] on the serial line): each CPU's TLB
 * holder record, loaded CR3, the vCPU it ran last and the guest frame at its
 * stack top, printed by the CPU itself (a call-function: a CPU spinning in
 * the hypervisor serves it too).
 */
static void dump_cpu_state(void *data)
{
	const struct tlb_holder *h = &this_cpu(tlb_holder), *idle = &this_cpu(tlb_idle_holder);
	const struct vcpu *v = current;
	const struct cpu_regs *r = guest_regs();

	(void)data;
	printk("hang: CPU%u holder %u%s idle-holder %u cr3 %#lx depth %u vcpu d%dv%d rip %#lx "
	       "rsp %#lx cs %#lx rflags %#lx\n",
	       smp_processor_id(), h->held, h->privileged ? "p" : "", idle->held, read_cr3(),
	       this_cpu(hv_depth), v ? v->domain->domain_id : -1, v ? (int)v->vcpu_id : -1, r->rip,
	       r->rsp, r->cs, r->rflags);
}

void dump_cpus_state(void)
{
	printk("hang: flush_pending %#lx call.pending %#lx guest_cpu_mask %#lx holders_on %d\n",
	       flush_pending, call.pending, guest_cpu_mask, tlb_holders_on);
	on_cpus(cpu_online_mask, dump_cpu_state, NULL);
}

void ipi_interrupt(unsigned int vector)
{
	switch (vector) {
	case EVENT_CHECK_VECTOR:
		timer_kick_serve();
		break;
	case CALL_FUNCTION_VECTOR:
		call_function_serve();
		break;
	case INVALIDATE_TLB_VECTOR:
		tlb_flush_serve();
		break;
	}
}

/* ---- The boot self-test (ipi_selftest). */

static void count_call(void *data)
{
	u64 *ran = data;

	__atomic_fetch_or(ran, this_cpu_bit(), __ATOMIC_SEQ_CST);
}

static volatile u64 timer_fired;

static void selftest_timer_fn(void *data)
{
	(void)data;
	__atomic_fetch_or(&timer_fired, this_cpu_bit(), __ATOMIC_SEQ_CST);
}

static DEFINE_PER_CPU(struct timer, selftest_timer);

/* Each CPU's timer, armed from CPU 0: the event check makes it reprogram. */
static bool selftest_timers(void)
{
	unsigned int cpu, depth;
	u64 end;

	timer_fired = 0;
	for_each_online_cpu(cpu)
	{
		init_timer_on(&per_cpu(selftest_timer, cpu), selftest_timer_fn, NULL, cpu);
		set_timer(&per_cpu(selftest_timer, cpu), system_time() + MILLISECS(1));
	}
	end = now_ns() + SECONDS(5);
	depth = hv_wait_begin(); /* the other CPUs' timer interrupts need the lock */
	while (timer_fired != cpu_online_mask && now_ns() < end) {
		if (per_cpu(selftest_timer, 0).active) {
			/* CPU 0's own timer needs its interrupt: let it in. */
			sti();
			cpu_relax();
			cli();
		}
	}
	hv_wait_end(depth);
	return timer_fired == cpu_online_mask;
}

void ipi_selftest(void)
{
	u64 ran = 0, before[NR_CPUS];
	unsigned int cpu, n;
	bool flush_ok = true;

	n = on_cpus(cpu_online_mask, count_call, &ran);
	for_each_online_cpu(cpu) before[cpu] = per_cpu(tlb_flushes, cpu);
	flush_tlb_others();
	for_each_online_cpu(cpu) if (cpu && per_cpu(tlb_flushes, cpu) != before[cpu] + 1) flush_ok =
	    false;
	printk(XENLOG_INFO "IPI self-test: call-function ran on %u of %u CPUs (%s)\n", n,
	       num_online_cpus(), ran == cpu_online_mask ? "ok" : "FAILED");
	printk(XENLOG_INFO "IPI self-test: TLB flush %s\n", flush_ok ? "ok" : "FAILED");
	printk(XENLOG_INFO "IPI self-test: remote timers %s\n",
	       selftest_timers() ? "ok" : "FAILED");
}

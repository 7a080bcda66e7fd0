/*
 * The virtual local APIC of an HVM vCPU: the register page (xAPIC MMIO at
 * 0xFEE00000 and the x2APIC MSRs 0x800-0x8FF read and write the same
 * registers), the APIC timer on Petrel's timers, fixed-mode IPIs, and the
 * IRR/ISR/EOI bookkeeping the backend's injection path uses.
 *
 * Numbers that are Xen's (so a guest sees the same APIC on both): version
 * 0x00050014 (six LVT entries), APIC ID 2 * vcpu_id, a bus clock of 10 ns
 * per timer tick.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "sched.h"
#include "timer.h"
#include "x86_decode.h"
#include "hvm.h"
#include "public/hvm/params.h"
#include "public/hvm/save.h"

#define APIC_ID 0x020
#define APIC_LVR 0x030
#define APIC_TPR 0x080
#define APIC_APR 0x090
#define APIC_PPR 0x0a0
#define APIC_EOI 0x0b0
#define APIC_LDR 0x0d0
#define APIC_DFR 0x0e0
#define APIC_SVR 0x0f0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_VERSION 0x00050014u
#define LVT_MASKED (1u << 16)
#define LVTT_PERIODIC (1u << 17)
#define SVR_ENABLED (1u << 8)
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
#define ICR_DELIVERY(icr) (((icr) >> 8) & 7)
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)

#define APIC_BASE_BSP (1UL << 8)
#define APIC_BASE_EXTD (1UL << 10)
#define APIC_BASE_EN (1UL << 11)
#define APIC_BASE_ADDR 0xfee00000UL

#define BUS_CYCLE_NS 10
/*
 * The shortest period a periodic timer is armed with: a guest asking for
 * less gets its interrupts at this rate instead of flooding its CPU.
 */
#define MIN_PERIOD_NS 50000

static u32 *reg(struct vcpu *v, unsigned int off)
{
	return &v->arch.hvm.vlapic.regs[off / 4];
}

static u32 get(struct vcpu *v, unsigned int off)
{
	return *reg(v, off);
}

static void put(struct vcpu *v, unsigned int off, u32 val)
{
	*reg(v, off) = val;
}

static bool x2apic_mode(const struct vcpu *v)
{
	return v->arch.hvm.vlapic.base & APIC_BASE_EXTD;
}

static u32 apic_id(const struct vcpu *v)
{
	return v->vcpu_id * 2;
}

/* ---- The 256-bit vectors (ISR, TMR, IRR): eight registers 16 bytes apart. */

static u32 *vec_word(struct vcpu *v, unsigned int base, unsigned int vec)
{
	return reg(v, base + 16 * (vec / 32));
}

/* The highest vector set in the 256-bit register at @base, -1 if none. */
static int highest(struct vcpu *v, unsigned int base)
{
	for (int i = 7; i >= 0; i--) {
		u32 w = get(v, base + 16 * i);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static u32 ppr(struct vcpu *v)
{
	u32 tpr = get(v, APIC_TPR) & 0xff;
	int isr = highest(v, APIC_ISR);

	return (isr >= 0 && (u32)(isr & 0xf0) > (tpr & 0xf0)) ? (u32)(isr & 0xf0) : tpr;
}

void vlapic_set_irq(struct vcpu *v, unsigned int vec)
{
	if (vec < 16 || !v->arch.hvm.vlapic.regs) /* illegal vectors: real APICs flag them in ESR */
		return;
	__atomic_fetch_or(vec_word(v, APIC_IRR, vec), 1u << (vec % 32), __ATOMIC_SEQ_CST);
	vcpu_unblock(v);
}

__hvm_hot int vlapic_pending(struct vcpu *v)
{
	int irr;

	if (!v->arch.hvm.vlapic.regs || !(v->arch.hvm.vlapic.base & APIC_BASE_EN))
		return -1;
	irr = highest(v, APIC_IRR);
	if (irr < 0 || (u32)(irr & 0xf0) <= (ppr(v) & 0xf0))
		return -1;
	return irr;
}

static void timer_taken(struct vcpu *v, unsigned int vec);

void vlapic_ack(struct vcpu *v, unsigned int vec)
{
	__atomic_fetch_and(vec_word(v, APIC_IRR, vec), ~(1u << (vec % 32)), __ATOMIC_SEQ_CST);
	*vec_word(v, APIC_ISR, vec) |= 1u << (vec % 32);
	timer_taken(v, vec);
}

void vlapic_set_irq_level(struct vcpu *v, unsigned int vec, bool level)
{
	if (vec < 16 || !v->arch.hvm.vlapic.regs)
		return;
	if (level)
		__atomic_fetch_or(vec_word(v, APIC_TMR, vec), 1u << (vec % 32), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(vec_word(v, APIC_TMR, vec), ~(1u << (vec % 32)),
				   __ATOMIC_SEQ_CST);
	vlapic_set_irq(v, vec);
}

/* The EOI of a level-triggered vector also reaches the IO-APIC. */
static void eoi(struct vcpu *v)
{
	int isr = highest(v, APIC_ISR);
	u32 bit;

	if (isr < 0)
		return;
	bit = 1u << (isr % 32);
	*vec_word(v, APIC_ISR, isr) &= ~bit;
	if (*vec_word(v, APIC_TMR, isr) & bit) {
		__atomic_fetch_and(vec_word(v, APIC_TMR, isr), ~bit, __ATOMIC_SEQ_CST);
		hvm_platform_eoi(v->domain, (unsigned int)isr);
	}
}

bool vlapic_match_dest(struct vcpu *v, u32 dest, bool logical)
{
	if (!v->arch.hvm.vlapic.regs)
		return false;
	if (logical) /* flat model: one bit per APIC in LDR bits 31:24 */
		return (get(v, APIC_LDR) >> 24) & dest;
	return dest == 0xff || dest == apic_id(v);
}

bool vlapic_accepts_pic(struct vcpu *v)
{
	u32 lvt0;

	if (v->vcpu_id || !v->arch.hvm.vlapic.regs)
		return false;
	if (!(v->arch.hvm.vlapic.base & APIC_BASE_EN))
		return true;
	lvt0 = get(v, APIC_LVT0);
	if ((lvt0 & (LVT_MASKED | 0x700)) == 0x700) /* ExtINT, unmasked */
		return true;
	return (get(v, APIC_SVR) & SVR_ENABLED) && hvm_platform_pin0_extint(v);
}

__hvm_hot u8 vlapic_tpr(struct vcpu *v)
{
	return v->arch.hvm.vlapic.regs ? (u8)get(v, APIC_TPR) : 0;
}

void vlapic_set_tpr(struct vcpu *v, u8 tpr)
{
	if (v->arch.hvm.vlapic.regs)
		put(v, APIC_TPR, tpr);
}

/* ---- The timer. */

static u64 tick_ns(struct vcpu *v)
{
	u32 d = get(v, APIC_TDCR);
	unsigned int shift = ((d & 3) | ((d >> 1) & 4)) + 1; /* 0b111 -> divide by 1 */

	return (u64)BUS_CYCLE_NS << (shift & 7);
}

/* The timer's vector into IRR unless LVTT is masked. */
static void timer_raise(struct vcpu *v)
{
	u32 lvtt = get(v, APIC_LVTT);

	if (!(lvtt & LVT_MASKED))
		vlapic_set_irq(v, lvtt & 0xff);
}

/* A tick is due: it stays pending, raised at each entry, until the guest is given it. */
static void timer_fire(void *data)
{
	struct vcpu *v = data;
	struct vlapic *l = &v->arch.hvm.vlapic;
	unsigned long f = local_irq_save();

	spin_lock(&l->lock);
	vpt_fire(&l->pt);
	spin_unlock(&l->lock);
	local_irq_restore(f);
	timer_raise(v);
}

__hvm_hot void vlapic_ticks(struct vcpu *v)
{
	if (v->arch.hvm.vlapic.regs &&
	    __atomic_load_n(&v->arch.hvm.vlapic.pt.pending, __ATOMIC_RELAXED))
		timer_raise(v);
}

/* @vec was injected: if it is the timer's, a tick is taken (HVM_PARAM_TIMER_MODE says how). */
static void timer_taken(struct vcpu *v, unsigned int vec)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	unsigned int mode = (unsigned int)v->domain->arch.hvm.params[HVM_PARAM_TIMER_MODE];
	unsigned long f;
	u64 next;

	if (!__atomic_load_n(&l->pt.pending, __ATOMIC_RELAXED) || vec != (get(v, APIC_LVTT) & 0xff))
		return;
	f = local_irq_save();
	spin_lock(&l->lock);
	next = vpt_taken(&l->pt, system_time(), mode);
	if (next)
		set_timer(&l->timer, next);
	spin_unlock(&l->lock);
	local_irq_restore(f);
	/* Mode 0: guest time moves up to where the tick taken was due (Xen's last_plt_gtime). */
	if (mode == HVMPTM_delay_for_missed_ticks && l->pt.period)
		hvm_time_catch_up(v, l->pt.gtick);
	if (!next && l->pt.pending)
		timer_raise(v); /* the next one, once this one's EOI is done */
}

bool vlapic_timer_running(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;

	return l->timer.active || __atomic_load_n(&l->pt.pending, __ATOMIC_RELAXED);
}

/* Count from @first_ns on: every period, or once. */
static void timer_arm(struct vcpu *v, u64 first_ns, bool periodic)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	unsigned long f = local_irq_save();

	spin_lock(&l->lock);
	vpt_start(&l->pt, first_ns, periodic ? MAX(l->period_ns, MIN_PERIOD_NS) : 0);
	set_timer(&l->timer, first_ns);
	spin_unlock(&l->lock);
	local_irq_restore(f);
}

static void timer_stop(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	unsigned long f = local_irq_save();

	spin_lock(&l->lock);
	stop_timer(&l->timer);
	vpt_start(&l->pt, 0, 0);
	spin_unlock(&l->lock);
	local_irq_restore(f);
}

static void timer_start(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	u32 count = get(v, APIC_TMICT);
	bool periodic = get(v, APIC_LVTT) & LVTT_PERIODIC;

	timer_stop(v);
	l->period_ns = count * tick_ns(v);
	l->start = l->pt.gtick = hvm_guest_time(v);
	if (!count)
		return;
	timer_arm(v, system_time() + (periodic ? MAX(l->period_ns, MIN_PERIOD_NS) : l->period_ns),
		  periodic);
}

static u32 current_count(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	u64 elapsed, period = l->period_ns;

	if (!period)
		return 0;
	elapsed = hvm_guest_time(v) - l->start;
	if (get(v, APIC_LVTT) & LVTT_PERIODIC)
		elapsed %= MAX(period, MIN_PERIOD_NS);
	else if (elapsed >= period)
		return 0;
	if (elapsed >= period)
		return 0;
	return (u32)((period - elapsed) / tick_ns(v));
}

/*
 * Restart the timer of a restored vLAPIC with @left ticks to its next
 * expiry (0 or more than the initial count: a whole period). A one-shot
 * count that had run out stays out.
 */
static void timer_resume(struct vcpu *v, u32 left)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	u32 count = get(v, APIC_TMICT);
	bool periodic = get(v, APIC_LVTT) & LVTT_PERIODIC;

	timer_stop(v);
	l->period_ns = count * tick_ns(v);
	if (!left || left > count)
		left = periodic ? count : 0;
	l->start = l->pt.gtick = hvm_guest_time(v) - (count - left) * tick_ns(v);
	if (!left)
		return;
	timer_arm(v, system_time() + left * tick_ns(v), periodic);
}

/* ---- IPIs: fixed delivery, INIT and start-up; the other modes are not emulated yet. */

static bool ipi_matches(struct vcpu *src, struct vcpu *dst, u32 icr, u32 dest)
{
	switch (ICR_SHORTHAND(icr)) {
	case 1:
		return dst == src;
	case 2:
		return true;
	case 3:
		return dst != src;
	}
	if (icr & ICR_LOGICAL)
		return false; /* logical destinations are not emulated yet */
	return dest == 0xffffffffu || dest == apic_id(dst) || (!x2apic_mode(src) && dest == 0xff);
}

static void reset(struct vcpu *v);

/*
 * The state a start-up IPI gives a vCPU: real mode at CS = vector << 8,
 * IP 0, as a processor leaves wait-for-SIPI.
 */
static void sipi_state(struct petrel_hvm_hw_cpu *c, u8 vector)
{
	memset(c, 0, sizeof(*c));
	c->rflags = 2;
	c->cr0 = 0x10; /* ET */
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->cs_sel = (u32)vector << 8;
	c->cs_base = (u64)vector << 12;
	c->cs_limit = c->ds_limit = c->es_limit = c->fs_limit = c->gs_limit = c->ss_limit = 0xffff;
	c->cs_arbytes = 0x9b;
	c->ds_arbytes = c->es_arbytes = c->fs_arbytes = c->gs_arbytes = c->ss_arbytes = 0x93;
	c->tr_limit = c->ldtr_limit = c->idtr_limit = c->gdtr_limit = 0xffff;
	c->tr_arbytes = 0x8b;
	c->ldtr_arbytes = 0x82;
}

/*
 * INIT and start-up IPIs, how a guest starts its other vCPUs: INIT puts a
 * vCPU that is down into wait-for-SIPI (a running one is left alone: Petrel
 * does not reset a live vCPU), the first SIPI after it starts it in real
 * mode at the vector's page with a fresh local APIC and FPU.
 */
static void init_sipi(struct vcpu *t, u32 icr)
{
	struct hvm_vcpu *h = &t->arch.hvm;
	struct petrel_hvm_hw_cpu c;

	if (ICR_DELIVERY(icr) == 5) {
		if ((icr & ICR_LEVEL_ASSERT) && (t->pause_flags & VPF_down))
			h->wait_sipi = true;
		return;
	}
	if (!h->wait_sipi)
		return;
	h->wait_sipi = false;
	reset(t);
	sipi_state(&c, icr & 0xff);
	hvm_backend->set_cpu_state(t, &c);
	h->fpu_saved = false;
	h->started = true;
	/* The reset cleared the IRR: an upcall already pending is raised again. */
	if (t->vcpu_info->evtchn_upcall_pending)
		hvm_evtchn_upcall(t);
	vcpu_up(t);
}

static void send_ipi(struct vcpu *v, u32 icr, u32 dest)
{
	struct domain *d = v->domain;
	unsigned int mode = ICR_DELIVERY(icr);

	if (mode != 0 && mode != 5 && mode != 6) {
		printk(XENLOG_G_GUEST XENLOG_WARNING "d%uv%u: APIC IPI delivery mode %u ignored\n",
		       d->domain_id, v->vcpu_id, mode);
		return;
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *t = d->vcpu[i];

		if (!t || !t->arch.hvm.vlapic.regs || !ipi_matches(v, t, icr, dest))
			continue;
		if (mode == 0)
			vlapic_set_irq(t, icr & 0xff);
		else if (t != v)
			init_sipi(t, icr);
	}
}

/* ---- Register access shared by MMIO and MSRs. */

__hvm_warm static u32 read_reg(struct vcpu *v, unsigned int off)
{
	switch (off) {
	case APIC_ID:
		return x2apic_mode(v) ? apic_id(v) : apic_id(v) << 24;
	case APIC_LVR:
		return APIC_VERSION;
	case APIC_PPR:
		return ppr(v);
	case APIC_LDR:
		if (x2apic_mode(v))
			return ((apic_id(v) & ~0xfu) << 12) | (1u << (apic_id(v) & 0xf));
		return get(v, off);
	case APIC_TMCCT:
		return current_count(v);
	case APIC_EOI:
	case APIC_SELF_IPI:
		return 0;
	}
	return get(v, off);
}

static void lvt_write(struct vcpu *v, unsigned int off, u32 val)
{
	u32 mask;

	switch (off) {
	case APIC_LVTT:
		mask = 0x300ff; /* vector, mask, periodic (TSC deadline is not offered) */
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		mask = 0x1a7ff; /* remote IRR (bit 14) is read-only */
		break;
	case APIC_LVTERR:
		mask = 0x100ff;
		break;
	default:
		mask = 0x107ff;
	}
	val &= mask;
	if (!(get(v, APIC_SVR) & SVR_ENABLED))
		val |= LVT_MASKED;
	if (off == APIC_LVTT && ((val ^ get(v, off)) & LVTT_PERIODIC)) {
		put(v, off, val);
		timer_start(v); /* a mode change restarts the count */
		return;
	}
	if (off == APIC_LVTT) {
		u32 left = current_count(v);

		/* The count goes on; pending ticks are dropped (Xen recreates its timer). */
		put(v, off, val);
		timer_resume(v, left);
		return;
	}
	put(v, off, val);
}

static void write_reg(struct vcpu *v, unsigned int off, u32 val)
{
	switch (off) {
	case APIC_TPR:
		put(v, off, val & 0xff);
		break;
	case APIC_EOI:
		eoi(v);
		break;
	case APIC_LDR:
		put(v, off, val & 0xff000000u);
		break;
	case APIC_DFR:
		put(v, off, val | 0x0fffffffu);
		break;
	case APIC_SVR:
		put(v, off, val & 0x3ff);
		if (!(val & SVR_ENABLED))
			for (unsigned int o = APIC_LVTT; o <= APIC_LVTERR; o += 0x10)
				put(v, o, get(v, o) | LVT_MASKED);
		break;
	case APIC_ESR:
		put(v, off, 0);
		break;
	case APIC_ICR:
		put(v, off, val & ~(1u << 12)); /* delivery status: always idle */
		send_ipi(v, val, x2apic_mode(v) ? get(v, APIC_ICR2) : get(v, APIC_ICR2) >> 24);
		break;
	case APIC_ICR2:
		put(v, off, x2apic_mode(v) ? val : val & 0xff000000u);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		lvt_write(v, off, val);
		break;
	case APIC_TMICT:
		put(v, off, val);
		timer_start(v);
		break;
	case APIC_TDCR:
		put(v, off, val & 0xb);
		break;
	case APIC_SELF_IPI:
		vlapic_set_irq(v, val & 0xff);
		break;
	default:
		break; /* read-only or reserved: the write is dropped */
	}
}

/* ---- xAPIC MMIO, reached through a nested page fault at the APIC page. */

__hvm_warm bool vlapic_mmio_claims(struct vcpu *v, u64 gpa)
{
	const struct vlapic *l = &v->arch.hvm.vlapic;

	return l->regs && (l->base & APIC_BASE_EN) && !x2apic_mode(v) &&
	       (gpa & ~(u64)(PAGE_SIZE - 1)) == APIC_BASE_ADDR;
}

/*
 * Emulate the MOV that touched the APIC page at @gpa: 32-bit loads and
 * stores (mov r32 <-> m32, mov m32, imm32, mov eax <-> moffs32) of aligned
 * registers. Returns the instruction length, or 0 if it is not one of those.
 */
__hvm_warm unsigned int vlapic_mmio(struct vcpu *v, u64 gpa)
{
	struct x86_insn in;
	unsigned int len = hvm_decode_current(v, &in), off = gpa & 0xff0;

	if (!len || (in.has_modrm && in.mod == 3) || (gpa & 0xf) || x86_opsize(&in) != 4)
		return 0;
	switch (in.opcode) {
	case 0xa1:
		v->arch.hvm.regs.rax = read_reg(v, off);
		return len;
	case 0xa3:
		write_reg(v, off, (u32)v->arch.hvm.regs.rax);
		return len;
	case 0x8b:
		*hvm_gpr(v, in.reg) = read_reg(v, off);
		return len;
	case 0x89:
		write_reg(v, off, (u32)*hvm_gpr(v, in.reg));
		return len;
	case 0xc7:
		if (in.reg % 8)
			return 0;
		write_reg(v, off, (u32)in.imm);
		return len;
	}
	return 0;
}

/*
 * Part of a string instruction's element in the APIC page: 1, 2 or 4
 * bytes inside one register's dword; a narrower write merges into the
 * register's value (Xen's vLAPIC takes sub-dword accesses so). False for
 * an access across a dword boundary.
 */
bool vlapic_mmio_bytes(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool write)
{
	unsigned int off = gpa & 0xffc, at = gpa & 3;
	u32 val;

	if (at + len > 4 || len == 3)
		return false;
	val = read_reg(v, off);
	if (!write) {
		memcpy(buf, (u8 *)&val + at, len);
		return true;
	}
	memcpy((u8 *)&val + at, buf, len);
	write_reg(v, off, val);
	return true;
}

/* ---- x2APIC MSRs. */

static bool x2apic_readable(unsigned int off)
{
	switch (off) {
	case APIC_ID:
	case APIC_LVR:
	case APIC_TPR:
	case APIC_PPR:
	case APIC_LDR:
	case APIC_SVR:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_LVTT ... APIC_TMCCT:
	case APIC_TDCR:
		return true;
	}
	return off >= APIC_ISR && off < APIC_ESR;
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	unsigned int off = (msr - 0x800) << 4;

	if (!v->arch.hvm.vlapic.regs || !x2apic_mode(v) || !x2apic_readable(off))
		return -1;
	*val = read_reg(v, off);
	if (off == APIC_ICR)
		*val |= (u64)get(v, APIC_ICR2) << 32;
	return 0;
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	unsigned int off = (msr - 0x800) << 4;

	if (!v->arch.hvm.vlapic.regs || !x2apic_mode(v))
		return -1;
	if (off == APIC_ICR) {
		put(v, APIC_ICR2, val >> 32);
		write_reg(v, off, (u32)val);
		return 0;
	}
	if (val >> 32)
		return -1;
	switch (off) {
	case APIC_EOI:
	case APIC_SELF_IPI:
		if (off == APIC_EOI && val)
			return -1; /* x2APIC EOI takes 0 only */
				   /* fallthrough */
	case APIC_TPR:
	case APIC_SVR:
	case APIC_ESR:
	case APIC_LVTT ... APIC_TMICT:
	case APIC_TDCR:
		write_reg(v, off, (u32)val);
		return 0;
	}
	return -1;
}

/* ---- The APIC base MSR. */

u64 vlapic_base(const struct vcpu *v)
{
	return v->arch.hvm.vlapic.base;
}

/*
 * The architectural transitions only: disabled <-> xAPIC -> x2APIC ->
 * disabled; EXTD without EN, x2APIC straight back to xAPIC and a moved
 * base are refused (-1: #GP).
 */
int vlapic_set_base(struct vcpu *v, u64 val)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	u64 fixed = APIC_BASE_ADDR | (v->vcpu_id ? 0 : APIC_BASE_BSP);

	if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != fixed)
		return -1;
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return -1;
	if ((l->base & APIC_BASE_EXTD) && (val & APIC_BASE_EN) && !(val & APIC_BASE_EXTD))
		return -1;
	if (!(l->base & APIC_BASE_EN) && (val & APIC_BASE_EXTD))
		return -1;
	l->base = val;
	return 0;
}

/* ---- The save records: LAPIC (the base MSR and timer divisor) and LAPIC_REGS. */

void vlapic_save(struct vcpu *v, struct hvm_hw_lapic *hw)
{
	const struct vlapic *l = &v->arch.hvm.vlapic;

	memset(hw, 0, sizeof(*hw));
	hw->apic_base_msr = l->base;
	if (!(l->base & APIC_BASE_EN))
		hw->disabled |= PETREL_VLAPIC_HW_DISABLED;
	if (!(get(v, APIC_SVR) & SVR_ENABLED))
		hw->disabled |= PETREL_VLAPIC_SW_DISABLED;
	hw->timer_divisor = (u32)(tick_ns(v) / BUS_CYCLE_NS);
}

/* The page as the guest reads it: the current count and PPR filled in. */
void vlapic_save_regs(struct vcpu *v, struct hvm_hw_lapic_regs *r)
{
	memcpy(r->data, v->arch.hvm.vlapic.regs, sizeof(r->data));
	*(u32 *)(r->data + APIC_TMCCT) = current_count(v);
	*(u32 *)(r->data + APIC_PPR) = ppr(v);
}

/*
 * A LAPIC record this vCPU can take: its own base address (Petrel does not
 * move the APIC) with the BSP bit of vCPU 0, not EXTD without EN; no
 * TSC-deadline (not offered).
 */
int vlapic_check(const struct vcpu *v, const struct hvm_hw_lapic *hw)
{
	u64 fixed = APIC_BASE_ADDR | (v->vcpu_id ? 0 : APIC_BASE_BSP);
	u64 mode = hw->apic_base_msr & (APIC_BASE_EN | APIC_BASE_EXTD);

	if (!v->arch.hvm.vlapic.regs ||
	    (hw->apic_base_msr & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != fixed)
		return -EINVAL;
	if (mode == APIC_BASE_EXTD)
		return -EINVAL;
	return hw->tdt_msr ? -EOPNOTSUPP : 0;
}

void vlapic_load(struct vcpu *v, const struct hvm_hw_lapic *hw)
{
	v->arch.hvm.vlapic.base = hw->apic_base_msr;
}

/*
 * The registers back, the read-only and computed ones as this vCPU has
 * them; the timer goes on from the saved current count.
 */
void vlapic_load_regs(struct vcpu *v, const struct hvm_hw_lapic_regs *r)
{
	u32 left = *(const u32 *)(r->data + APIC_TMCCT);

	timer_stop(v);
	memset(v->arch.hvm.vlapic.regs, 0, PAGE_SIZE);
	memcpy(v->arch.hvm.vlapic.regs, r->data, sizeof(r->data));
	put(v, APIC_ID, apic_id(v) << 24);
	put(v, APIC_LVR, 0);
	put(v, APIC_PPR, 0);
	put(v, APIC_TMCCT, 0);
	put(v, APIC_TPR, get(v, APIC_TPR) & 0xff);
	put(v, APIC_LVTT, get(v, APIC_LVTT) & 0x300ff);
	put(v, APIC_TDCR, get(v, APIC_TDCR) & 0xb);
	timer_resume(v, left);
	if (vlapic_pending(v) >= 0)
		vcpu_unblock(v);
}

/* ---- Debug dump ('q'). */

void vlapic_dump(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;
	s64 left = l->timer.active ? (s64)(l->timer.expires - system_time()) : -1;

	if (!l->regs)
		return;
	printk("  lapic base %#lx svr %#x tpr %#x ppr %#x irr %d isr %d tmr %d lvt0 %#x lvt1 %#x\n",
	       l->base, get(v, APIC_SVR), get(v, APIC_TPR), ppr(v), highest(v, APIC_IRR),
	       highest(v, APIC_ISR), highest(v, APIC_TMR), get(v, APIC_LVT0), get(v, APIC_LVT1));
	printk("  lapic timer lvtt %#x tmict %#x tdcr %#x period %lu ns, %s, fires in %ld ns\n",
	       get(v, APIC_LVTT), get(v, APIC_TMICT), get(v, APIC_TDCR), l->period_ns,
	       l->timer.active ? "armed" : "idle", left);
}

/* ---- Life cycle. */

static void reset(struct vcpu *v)
{
	memset(v->arch.hvm.vlapic.regs, 0, PAGE_SIZE);
	put(v, APIC_ID, apic_id(v) << 24);
	put(v, APIC_DFR, 0xffffffffu);
	put(v, APIC_SVR, 0xff);
	for (unsigned int o = APIC_LVTT; o <= APIC_LVTERR; o += 0x10)
		put(v, o, LVT_MASKED);
}

int vlapic_init(struct vcpu *v)
{
	struct vlapic *l = &v->arch.hvm.vlapic;

	l->regs = alloc_xenheap_pages(0);
	if (!l->regs)
		return -ENOMEM;
	l->base = APIC_BASE_ADDR | APIC_BASE_EN | (v->vcpu_id ? 0 : APIC_BASE_BSP);
	spin_lock_init(&l->lock);
	init_timer(&l->timer, timer_fire, v);
	reset(v);
	return 0;
}

void vlapic_destroy(struct vcpu *v)
{
	if (v->arch.hvm.vlapic.regs)
		stop_timer(&v->arch.hvm.vlapic.timer);
}

void vlapic_free(struct vcpu *v)
{
	vlapic_destroy(v);
	if (v->arch.hvm.vlapic.regs)
		free_xenheap_pages(v->arch.hvm.vlapic.regs, 0);
	v->arch.hvm.vlapic.regs = NULL;
}

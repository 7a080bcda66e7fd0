/*
 * The HVM context stream (XEN_DOMCTL_sethvmcontext / gethvmcontext): a
 * run of records, each a descriptor and its bytes, from a HEADER to END.
 * Petrel keeps the records a PVH domain needs to start and to be saved and
 * restored: HEADER, per vCPU its CPU (none for a vCPU that is down, as
 * Xen), LAPIC and LAPIC_REGS records, and the platform devices' records of
 * a domain that has them (the HPET's among them). MTRR records are accepted and dropped (no MTRR
 * emulation: the guest's MTRR MSRs #GP), and one is read as "no MTRRs"
 * (gethvmcontext_partial, which libxenguest asks for). The extended-state
 * records Xen writes for HVM vCPUs (CPU_XSAVE, VMCE_VCPU, TSC_ADJUST,
 * CPU_MSR: hvm/cpu_records.c) are taken when they hold x87/SSE state, the
 * vMCE state (arch/x86/vmce.c) and reset values; VMCE_VCPU and TSC_ADJUST
 * are written as Xen writes them. Any other record is
 * refused with -EOPNOTSUPP, so a stream Petrel cannot honour is never half taken.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "apic.h"
#include "console.h"
#include "uaccess.h"
#include "sched.h"
#include "hvm.h"
#include "hvm_records.h"
#include "public/hvm/save.h"

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_VMXE (1UL << 13)
#define EFER_LMA (1UL << 10)
#define EFER_OK (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MXCSR_OK 0xffbfu /* every MXCSR bit but DAZ, which not every CPU has */
#define MXCSR_OFFSET 24	 /* in the FXSAVE image */

/*
 * The stream is copied in whole: a header, the per-vCPU records of every
 * vCPU, the platform devices' records, END.
 */
#define DESC_SIZE sizeof(struct hvm_save_descriptor)
#define VCPU_RECORDS_SIZE                                                                          \
	(7 * DESC_SIZE + sizeof(struct petrel_hvm_hw_cpu) + sizeof(struct hvm_hw_lapic) +          \
	 sizeof(struct hvm_hw_lapic_regs) + sizeof(struct hvm_hw_mtrr) + XSAVE_RECORD_SIZE +       \
	 sizeof(struct hvm_vmce_vcpu) + sizeof(struct hvm_tsc_adjust))
#define CONTEXT_MAX (MAX_VIRT_CPUS * VCPU_RECORDS_SIZE + 8192)
static u8 context_buf[CONTEXT_MAX] __aligned(16); /* one CPU runs domctls */

/* A CPU record the backend can load: the checks Xen makes on a restore. */
static int cpu_record_ok(const struct petrel_hvm_hw_cpu *c)
{
	u32 mxcsr;

	if ((c->cr0 >> 32) || ((c->cr0 & X86_CR0_PG) && !(c->cr0 & X86_CR0_PE)))
		return -EINVAL;
	if ((c->cr4 >> 32) || (c->cr4 & X86_CR4_VMXE))
		return -EINVAL;
	if (c->msr_efer & ~EFER_OK)
		return -EINVAL;
	/* LMA is what LME and paging make it. */
	if (!!(c->msr_efer & EFER_LMA) != ((c->msr_efer & EFER_LME) && (c->cr0 & X86_CR0_PG)))
		return -EINVAL;
	if ((c->msr_efer & EFER_LMA) && !(c->cr4 & X86_CR4_PAE))
		return -EINVAL;
	memcpy(&mxcsr, c->fpu_regs + MXCSR_OFFSET, sizeof(mxcsr));
	if ((c->flags & XEN_X86_FPU_INITIALISED) && (mxcsr & ~MXCSR_OK))
		return -EINVAL;
	if (c->pending_event & (1u << 31))
		return -EOPNOTSUPP; /* an event half delivered: not restored yet */
	if (c->msr_tsc_aux >> 32)
		return -EINVAL; /* TSC_AUX is 32 bits wide */
	return 0;
}

static int load_cpu(struct domain *d, unsigned int id, const struct petrel_hvm_hw_cpu *c)
{
	struct vcpu *v = id < MAX_VIRT_CPUS ? d->vcpu[id] : NULL;
	int rc;

	if (!v || id >= d->max_vcpus) {
		printk(XENLOG_G_GUEST XENLOG_ERR "HVM restore: d%u has no vCPU %u\n", d->domain_id,
		       id);
		return -EINVAL;
	}
	rc = cpu_record_ok(c);
	if (rc)
		return rc;
	hvm_backend->set_cpu_state(v, c);
	memcpy(v->arch.hvm.fpu_area, c->fpu_regs, sizeof(v->arch.hvm.fpu_area));
	v->arch.hvm.fpu_saved = c->flags & XEN_X86_FPU_INITIALISED;
	v->arch.hvm.tsc_aux = cpu_has_tsc_aux() ? c->msr_tsc_aux : 0;
	v->arch.hvm.started = true;
	vcpu_up(v); /* it runs once the controller unpauses the domain */
	return 0;
}

static int check_header(const struct hvm_save_descriptor *h, const u8 *body)
{
	struct hvm_save_header hdr;

	if (h->typecode != PETREL_HVM_SAVE_CODE_HEADER || h->length != sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, body, sizeof(hdr));
	if (hdr.magic != HVM_FILE_MAGIC || hdr.version != HVM_FILE_VERSION)
		return -EINVAL;
	return 0;
}

/* The vCPU a per-vCPU record names, if the domain has it. */
static struct vcpu *record_vcpu(struct domain *d, u16 instance)
{
	return instance < d->max_vcpus && instance < MAX_VIRT_CPUS ? d->vcpu[instance] : NULL;
}

/* A LAPIC or LAPIC_REGS record: checked, or loaded once every record is. */
static int lapic_record(struct domain *d, const struct hvm_save_descriptor *h, const u8 *body,
			bool load)
{
	struct vcpu *v = record_vcpu(d, h->instance);
	bool regs = h->typecode == PETREL_HVM_SAVE_CODE_LAPIC_REGS;
	struct hvm_hw_lapic hw;

	if (h->length != (regs ? sizeof(struct hvm_hw_lapic_regs) : sizeof(hw)) || !v ||
	    !v->arch.hvm.vlapic.regs)
		return -EINVAL;
	if (regs) {
		if (load)
			vlapic_load_regs(v, (const struct hvm_hw_lapic_regs *)body);
		return 0;
	}
	memcpy(&hw, body, sizeof(hw));
	if (load)
		vlapic_load(v, &hw);
	return load ? 0 : vlapic_check(v, &hw);
}

static int vmce_record(struct vcpu *v, const u8 *body, u32 len, bool load)
{
	struct hvm_vmce_vcpu r;
	int rc = vmce_record_check(body, len, cpu_vendor() == X86_VENDOR_INTEL, &r);

	return rc || !load ? rc : (int)vmce_restore(&v->arch.vmce, &r);
}

/*
 * A CPU_XSAVE, VMCE_VCPU, TSC_ADJUST or CPU_MSR record: checked, or loaded.
 * CPU_XSAVE loads the x87/SSE image, over the CPU record's, of a vCPU
 * whose FPU is in use (else, as on Xen, it starts fresh); VMCE_VCPU the
 * vCPU's MCG_CAP, CTL2 of banks 0 and 1 and MCG_EXT_CTL.
 */
static int cpu_ext_record(struct domain *d, const struct hvm_save_descriptor *h, const u8 *body,
			  bool load)
{
	struct vcpu *v = record_vcpu(d, h->instance);

	if (!v)
		return -EINVAL;
	switch (h->typecode) {
	case PETREL_HVM_SAVE_CODE_CPU_XSAVE:
		if (load && v->arch.hvm.fpu_saved)
			xsave_record_image(body, v->arch.hvm.fpu_area);
		return load ? 0 : xsave_record_check(body, h->length);
	case PETREL_HVM_SAVE_CODE_VMCE_VCPU:
		return vmce_record(v, body, h->length, load);
	case PETREL_HVM_SAVE_CODE_TSC_ADJUST:
		return tsc_adjust_record_check(body, h->length);
	}
	return msr_record_check(body, h->length);
}

/* Check every record first (-EINVAL / -EOPNOTSUPP), then load: all or nothing. */
static int walk(struct domain *d, const u8 *buf, u32 size, bool load)
{
	u32 off = 0;
	bool first = true;

	while (off + DESC_SIZE <= size) {
		struct hvm_save_descriptor h;
		const u8 *body = buf + off + DESC_SIZE;
		int rc = 0;

		memcpy(&h, buf + off, DESC_SIZE);
		if (h.length > size - off - DESC_SIZE)
			return -EINVAL;
		if (first && (rc = check_header(&h, body)))
			return rc;
		first = false;
		switch (h.typecode) {
		case PETREL_HVM_SAVE_CODE_END:
			return 0;
		case PETREL_HVM_SAVE_CODE_HEADER:
		case PETREL_HVM_SAVE_CODE_MTRR:
			break;
		case PETREL_HVM_SAVE_CODE_LAPIC:
		case PETREL_HVM_SAVE_CODE_LAPIC_REGS:
			rc = lapic_record(d, &h, body, load);
			break;
		case PETREL_HVM_SAVE_CODE_CPU_XSAVE:
		case PETREL_HVM_SAVE_CODE_VMCE_VCPU:
		case PETREL_HVM_SAVE_CODE_TSC_ADJUST:
		case PETREL_HVM_SAVE_CODE_CPU_MSR:
			rc = cpu_ext_record(d, &h, body, load);
			break;
		case PETREL_HVM_SAVE_CODE_CPU:
			if (h.length != sizeof(struct petrel_hvm_hw_cpu))
				return -EINVAL;
			if (load)
				rc = load_cpu(d, h.instance, (const void *)body);
			else if (!record_vcpu(d, h.instance))
				rc = -EINVAL;
			else
				rc = cpu_record_ok((const void *)body);
			break;
		default:
			if (hvm_platform_record(h.typecode))
				rc = hvm_platform_load(d, h.typecode, h.instance, body, h.length,
						       load);
			else
				rc = h.typecode > HVM_SAVE_CODE_MAX ? -EINVAL : -EOPNOTSUPP;
		}
		if (rc)
			return rc;
		off += DESC_SIZE + h.length;
	}
	return -EINVAL; /* no END */
}

/* The backend reads and writes CPU records (VMX does not yet). */
/*
 * Pause @d, then have each vCPU's last CPU give back what it still holds of
 * it (the FPU, TSC_AUX, SVM's VMLOAD state): a CPU that went idle after a
 * vCPU paused keeps that vCPU's state loaded until it runs another.
 */
static void pause_synced(struct domain *d)
{
	domain_pause(d);
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i] && d->vcpu[i] != current)
			arch_save_vcpu_off(d->vcpu[i]->processor, d->vcpu[i]);
}

static bool context_supported(void)
{
	return hvm_backend->set_cpu_state && hvm_backend->get_cpu_state;
}

long hvm_set_context(struct domain *d, u64 buf, u32 size)
{
	long rc;

	if (!is_hvm_domain(d) || d == current->domain)
		return -EINVAL;
	if (!context_supported())
		return -EOPNOTSUPP;
	if (size > CONTEXT_MAX)
		return -ENOMEM;
	if (copy_from_guest(context_buf, buf, size))
		return -EFAULT;
	rc = walk(d, context_buf, size, false);
	if (rc)
		return rc;
	pause_synced(d);
	rc = walk(d, context_buf, size, true);
	domain_unpause(d);
	return rc;
}

/* Append a record at *@off (when it fits in @cap). */
static void put_record(u8 *out, u32 *off, u32 cap, u16 code, u16 instance, const void *body,
		       u32 len)
{
	struct hvm_save_descriptor h = { .typecode = code, .instance = instance, .length = len };

	if (*off + DESC_SIZE + len <= cap) {
		memcpy(out + *off, &h, DESC_SIZE);
		memcpy(out + *off + DESC_SIZE, body, len);
	}
	*off += DESC_SIZE + len;
}

static void mtrr_record(const struct vcpu *v, struct hvm_hw_mtrr *m);

/* The body of @v's CPU record. */
static void cpu_state(const struct vcpu *v, struct petrel_hvm_hw_cpu *c)
{
	memset(c, 0, sizeof(*c));
	hvm_backend->get_cpu_state(v, c);
	memcpy(c->fpu_regs, v->arch.hvm.fpu_area, sizeof(v->arch.hvm.fpu_area));
	c->flags = v->arch.hvm.fpu_saved ? XEN_X86_FPU_INITIALISED : 0;
	c->msr_tsc_aux = v->arch.hvm.tsc_aux; /* saved with the vCPU's FPU state */
}

/*
 * Copy the general registers, RIP and RFLAGS between two structures that
 * name them alike: a CPU record, struct cpu_regs, struct cpu_user_regs.
 */
#define COPY_GPRS(dst, src)                                                                        \
	do {                                                                                       \
		(dst)->rax = (src)->rax, (dst)->rbx = (src)->rbx;                                  \
		(dst)->rcx = (src)->rcx, (dst)->rdx = (src)->rdx;                                  \
		(dst)->rbp = (src)->rbp, (dst)->rsi = (src)->rsi;                                  \
		(dst)->rdi = (src)->rdi, (dst)->rsp = (src)->rsp;                                  \
		(dst)->r8 = (src)->r8, (dst)->r9 = (src)->r9;                                      \
		(dst)->r10 = (src)->r10, (dst)->r11 = (src)->r11;                                  \
		(dst)->r12 = (src)->r12, (dst)->r13 = (src)->r13;                                  \
		(dst)->r14 = (src)->r14, (dst)->r15 = (src)->r15;                                  \
		(dst)->rip = (src)->rip, (dst)->rflags = (src)->rflags;                            \
	} while (0)

void hvm_record_from_regs(struct petrel_hvm_hw_cpu *c, const struct cpu_regs *r)
{
	COPY_GPRS(c, r);
}

void hvm_regs_from_record(struct cpu_regs *r, const struct petrel_hvm_hw_cpu *c)
{
	memset(r, 0, sizeof(*r));
	COPY_GPRS(r, c);
}

/* The general registers and segment selectors of a CPU record, in PV form. */
static void user_regs_of(const struct petrel_hvm_hw_cpu *c, struct cpu_user_regs *r)
{
	COPY_GPRS(r, c);
	r->cs = (u16)c->cs_sel, r->ss = (u16)c->ss_sel, r->ds = (u16)c->ds_sel;
	r->es = (u16)c->es_sel, r->fs = (u16)c->fs_sel, r->gs = (u16)c->gs_sel;
}

/*
 * XEN_DOMCTL_getvcpucontext of an HVM vCPU, as Xen 4.17 fills it for one
 * (what dump tools read): the FXSAVE image, VGCF_i387_valid and
 * VGCF_online, the general registers and selectors, CR0/2/3/4, the debug
 * registers, FS's base and GS's base with its swapped twin; the PV-only
 * fields (trap table, LDT, GDT, callbacks) are 0.
 */
void hvm_get_vcpu_context(struct vcpu *v, struct vcpu_guest_context *g)
{
	static struct petrel_hvm_hw_cpu cpu;
	struct domain *d = v->domain;

	memset(g, 0, sizeof(*g));
	pause_synced(d);
	cpu_state(v, &cpu);
	domain_unpause(d);
	memcpy(g->fpu_ctxt.x, cpu.fpu_regs, sizeof(g->fpu_ctxt.x));
	g->flags = (cpu.flags & XEN_X86_FPU_INITIALISED ? VGCF_i387_valid : 0) |
		   (v->pause_flags & VPF_down ? 0 : VGCF_online);
	user_regs_of(&cpu, &g->user_regs);
	g->ctrlreg[0] = cpu.cr0, g->ctrlreg[2] = cpu.cr2;
	g->ctrlreg[3] = cpu.cr3, g->ctrlreg[4] = cpu.cr4;
	g->debugreg[0] = cpu.dr0, g->debugreg[1] = cpu.dr1;
	g->debugreg[2] = cpu.dr2, g->debugreg[3] = cpu.dr3;
	g->debugreg[6] = cpu.dr6, g->debugreg[7] = cpu.dr7;
	g->fs_base = cpu.fs_base;
	g->gs_base_kernel = cpu.gs_base;
	g->gs_base_user = cpu.shadow_gs;
}

/* A vCPU's CPU record, unless it is down: Xen leaves such a vCPU out. */
static void cpu_record(const struct vcpu *v, u8 *out, u32 *off, u32 cap)
{
	static struct petrel_hvm_hw_cpu cpu;

	if (v->pause_flags & VPF_down)
		return;
	cpu_state(v, &cpu);
	put_record(out, off, cap, PETREL_HVM_SAVE_CODE_CPU, (u16)v->vcpu_id, &cpu, sizeof(cpu));
}

/*
 * The records after MTRR, in Xen's order of codes: VMCE_VCPU (the vCPU's
 * vMCE state) and TSC_ADJUST (0) per vCPU. No CPU_XSAVE, as Xen for a vCPU
 * that never set XCR0 (Petrel's HVM vCPUs cannot: XSETBV #GPs), and no
 * CPU_MSR, as Xen when every MSR it sends is 0.
 */
static void cpu_ext_records(struct domain *d, u8 *out, u32 *off, u32 cap)
{
	struct hvm_vmce_vcpu vmce;
	struct hvm_tsc_adjust tsc_adjust = { 0 };

	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++) {
		if (!d->vcpu[i])
			continue;
		vmce_save(&d->vcpu[i]->arch.vmce, &vmce);
		put_record(out, off, cap, PETREL_HVM_SAVE_CODE_VMCE_VCPU, (u16)i, &vmce,
			   sizeof(vmce));
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++)
		if (d->vcpu[i])
			put_record(out, off, cap, PETREL_HVM_SAVE_CODE_TSC_ADJUST, (u16)i,
				   &tsc_adjust, sizeof(tsc_adjust));
}

/*
 * The platform devices' records with codes @first to @last, in Xen's order
 * (a domain without the devices has none).
 */
static void platform_records(struct domain *d, u8 *out, u32 *off, u32 cap, u16 first, u16 last)
{
	static const u16 order[][2] = {
		{ PETREL_HVM_SAVE_CODE_PIC, 0 },     { PETREL_HVM_SAVE_CODE_PIC, 1 },
		{ PETREL_HVM_SAVE_CODE_IOAPIC, 0 },  { PETREL_HVM_SAVE_CODE_PCI_IRQ, 0 },
		{ PETREL_HVM_SAVE_CODE_ISA_IRQ, 0 }, { PETREL_HVM_SAVE_CODE_PCI_LINK, 0 },
		{ PETREL_HVM_SAVE_CODE_PIT, 0 },     { PETREL_HVM_SAVE_CODE_RTC, 0 },
		{ PETREL_HVM_SAVE_CODE_HPET, 0 },    { PETREL_HVM_SAVE_CODE_PMTIMER, 0 },
	};
	static u8 rec[sizeof(struct petrel_hvm_hw_hpet)] __aligned(8); /* the largest */

	for (unsigned int i = 0; i < ARRAY_SIZE(order); i++) {
		u32 len;

		if (order[i][0] < first || order[i][0] > last)
			continue;
		len = hvm_platform_save(d, order[i][0], order[i][1], rec);
		if (len)
			put_record(out, off, cap, order[i][0], order[i][1], rec, len);
	}
}

/* The LAPIC records of every vCPU, then their LAPIC_REGS records. */
static void lapic_records(struct domain *d, u8 *out, u32 *off, u32 cap)
{
	static struct hvm_hw_lapic_regs regs;
	struct hvm_hw_lapic hw;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++) {
		if (!d->vcpu[i] || !d->vcpu[i]->arch.hvm.vlapic.regs)
			continue;
		vlapic_save(d->vcpu[i], &hw);
		put_record(out, off, cap, PETREL_HVM_SAVE_CODE_LAPIC, (u16)i, &hw, sizeof(hw));
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++) {
		if (!d->vcpu[i] || !d->vcpu[i]->arch.hvm.vlapic.regs)
			continue;
		vlapic_save_regs(d->vcpu[i], &regs);
		put_record(out, off, cap, PETREL_HVM_SAVE_CODE_LAPIC_REGS, (u16)i, &regs,
			   sizeof(regs));
	}
}

/*
 * The stream as Petrel writes it, in Xen's order of type codes: HEADER, a
 * CPU record per vCPU that is up, the PICs and IO-APIC, LAPIC and
 * LAPIC_REGS per vCPU, the other platform devices' records, an MTRR record
 * per vCPU, the extended-state records, END.
 */
static u32 build(struct domain *d, u8 *out, u32 cap)
{
	static struct hvm_hw_mtrr mtrr;
	struct hvm_save_header hdr = { .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION };
	u32 off = 0, b, c, dx;

	cpuid_count(1, 0, &hdr.cpuid, &b, &c, &dx);
	hdr.gtsc_khz = (u32)tsc_khz();
	put_record(out, &off, cap, PETREL_HVM_SAVE_CODE_HEADER, 0, &hdr, sizeof(hdr));
	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++)
		if (d->vcpu[i])
			cpu_record(d->vcpu[i], out, &off, cap);
	platform_records(d, out, &off, cap, 0, PETREL_HVM_SAVE_CODE_IOAPIC);
	lapic_records(d, out, &off, cap);
	platform_records(d, out, &off, cap, PETREL_HVM_SAVE_CODE_PCI_IRQ, HVM_SAVE_CODE_MAX);
	/* libxenguest looks for vCPU 0's MTRR record in the whole stream. */
	for (unsigned int i = 0; i < MAX_VIRT_CPUS && i < d->max_vcpus; i++) {
		if (!d->vcpu[i])
			continue;
		mtrr_record(d->vcpu[i], &mtrr);
		put_record(out, &off, cap, PETREL_HVM_SAVE_CODE_MTRR, (u16)i, &mtrr, sizeof(mtrr));
	}
	cpu_ext_records(d, out, &off, cap);
	put_record(out, &off, cap, PETREL_HVM_SAVE_CODE_END, 0, NULL, 0);
	return off;
}

/*
 * A NULL @buf asks for the size. A buffer too small is -ENOSPC, as Xen.
 * The domain is paused while its state is read.
 */
long hvm_get_context(struct domain *d, u64 buf, u32 *size)
{
	u32 need;

	if (!is_hvm_domain(d) || d == current->domain)
		return -EINVAL;
	if (!context_supported())
		return -EOPNOTSUPP;
	pause_synced(d);
	need = build(d, context_buf, sizeof(context_buf));
	domain_unpause(d);
	if (!buf) {
		*size = need;
		return 0;
	}
	if (*size < need)
		return -ENOSPC;
	*size = need;
	return copy_to_guest(buf, context_buf, need) ? -EFAULT : 0;
}

/* A vCPU's MTRR record: no ranges and no capabilities (Petrel has no MTRRs), its PAT. */
static void mtrr_record(const struct vcpu *v, struct hvm_hw_mtrr *m)
{
	memset(m, 0, sizeof(*m));
	m->msr_pat_cr = hvm_backend->get_pat(v);
}

/*
 * XEN_DOMCTL_gethvmcontext_partial: the body of one CPU or MTRR record. A
 * NULL @buf asks for its size; a short buffer is -ENOBUFS; a vCPU that does
 * not exist -ENOENT, the CPU record of one that is down (Xen has none)
 * -ENODATA; another record type -EINVAL.
 */
long hvm_get_context_partial(struct domain *d, u32 type, u32 instance, u64 buf, u64 *bufsz)
{
	static struct petrel_hvm_hw_cpu cpu;
	static struct hvm_hw_mtrr mtrr;
	const struct vcpu *v;
	const void *rec;
	u64 size;

	if (!is_hvm_domain(d) || d == current->domain)
		return -EINVAL;
	if (!context_supported())
		return -EOPNOTSUPP;
	if (type != PETREL_HVM_SAVE_CODE_CPU && type != PETREL_HVM_SAVE_CODE_MTRR)
		return -EINVAL;
	if (instance >= d->max_vcpus || instance >= MAX_VIRT_CPUS || !(v = d->vcpu[instance]))
		return -ENOENT;
	if (type == PETREL_HVM_SAVE_CODE_CPU && (v->pause_flags & VPF_down))
		return -ENODATA;
	size = type == PETREL_HVM_SAVE_CODE_CPU ? sizeof(cpu) : sizeof(mtrr);
	if (!buf) {
		*bufsz = size;
		return 0;
	}
	if (*bufsz < size)
		return -ENOBUFS;
	pause_synced(d);
	if (type == PETREL_HVM_SAVE_CODE_CPU) {
		cpu_state(v, &cpu);
		rec = &cpu;
	} else {
		mtrr_record(v, &mtrr);
		rec = &mtrr;
	}
	domain_unpause(d);
	*bufsz = size;
	return copy_to_guest(buf, rec, size) ? -EFAULT : 0;
}

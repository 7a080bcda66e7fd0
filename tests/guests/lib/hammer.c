/* CPU-bound register-checking tiny domains and scheduling calls (hammer.h). */
#include "hammer.h"
#include "evtchn.h"
#include "pvclock.h"

#define XEN_SYSCTL_sched_id 4
#define XEN_DOMCTL_scheduler_op 16
#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
#define XEN_VCPUAFFINITY_HARD 1u

/* The data page (TINY_GVA(PFN_DATA)). */
#define D_SEED 0x00    /* builder: the seed */
#define D_USE_AUX 0x08 /* builder: 1 where the CPU has rdtscp */
#define D_LOOPS 0x10   /* guest: checks done */
#define D_WHAT 0x18    /* guest: 1 TSC_AUX, 2 an XMM register, 3 the FS base, 4 a YMM upper half */
#define D_SEEN 0x20    /* guest: the value it read instead */
#define D_FS_BASE 0x28 /* builder: the FS base to set, an address in this page */
#define D_USE_AVX 0x30 /* builder: 1 where the CPU has XSAVE and AVX */
#define D_SCRATCH 0x40 /* guest: where it stores a YMM upper half to read it */

/* Copied into the code frame; absolute addresses only. */
__asm__(".pushsection .rodata\n"
	".globl hammer_start, hammer_end\n"
	"hammer_start:\n"
	"movabs $0x207000, %rbx\n"
	"mov (%rbx), %r12\n"
	"cmpq $0, 0x8(%rbx)\n"
	"je 1f\n"
	"mov $0xc0000103, %ecx\n" /* MSR_TSC_AUX */
	"mov %r12d, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"1:\n"
	"mov $0xc0000100, %ecx\n" /* MSR_FS_BASE */
	"mov 0x28(%rbx), %rax\n"
	"mov %rax, %rdx\n"
	"shr $32, %rdx\n"
	"wrmsr\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"lea \\n(%r12), %rax\n"
	"movq %rax, %xmm\\n\n"
	".endr\n"
	"cmpq $0, 0x30(%rbx)\n"
	"je 2f\n"
	"mov %cr4, %rax\n" /* OSXSAVE, then XCR0 = x87 | SSE | AVX */
	"or $0x40000, %rax\n"
	"mov %rax, %cr4\n"
	"xor %ecx, %ecx\n"
	"mov $7, %eax\n"
	"xor %edx, %edx\n"
	"xsetbv\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"vinsertf128 $1, %xmm\\n, %ymm\\n, %ymm\\n\n" /* upper half = lower half */
	".endr\n"
	"2:\n"
	"incq 0x10(%rbx)\n"
	"cmpq $0, 0x8(%rbx)\n"
	"je 3f\n"
	"rdtscp\n"
	"mov %ecx, %eax\n"
	"mov $1, %edx\n"
	"cmp %r12d, %eax\n"
	"jne 4f\n"
	"3:\n"
	"mov %fs:0, %rax\n"
	"mov $3, %edx\n"
	"cmp %r12, %rax\n"
	"jne 4f\n"
	"mov $2, %edx\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"lea \\n(%r12), %rcx\n"
	"movq %xmm\\n, %rax\n"
	"cmp %rcx, %rax\n"
	"jne 4f\n"
	".endr\n"
	"cmpq $0, 0x30(%rbx)\n"
	"je 2b\n"
	"mov $4, %edx\n"
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"vextractf128 $1, %ymm\\n, 0x40(%rbx)\n"
	"mov 0x40(%rbx), %rax\n"
	"lea \\n(%r12), %rcx\n"
	"cmp %rcx, %rax\n"
	"jne 4f\n"
	".endr\n"
	"jmp 2b\n"
	"4:\n"
	"mov %rax, 0x20(%rbx)\n"
	"mov %rdx, 0x18(%rbx)\n"
	"ud2\n"
	"hammer_end:\n"
	".popsection");
extern const uint8_t hammer_start[], hammer_end[];

static const struct hammer_dom *filling;
static uint8_t window[4096] __attribute__((aligned(4096)));

/* XSAVE and AVX, as the guest's CPUID offers them. */
static bool cpu_has_avx(void)
{
	uint32_t a, b, c, d;

	xen_cpuid(1, 0, &a, &b, &c, &d);
	return (c & (1u << 26)) && (c & (1u << 28));
}

static bool cpu_has_rdtscp(void)
{
	uint32_t a, b, c, d;

	xen_cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 27);
}

static void fill_data(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	(void)t, (void)args;
	*(uint64_t *)(data + D_SEED) = filling->seed;
	*(uint64_t *)(data + D_USE_AUX) = cpu_has_rdtscp();
	*(uint64_t *)(data + D_USE_AVX) = cpu_has_avx();
	*(uint64_t *)(data + D_FS_BASE) = TINY_GVA(PFN_DATA) + filling->fs_slot;
	*(uint64_t *)(data + filling->fs_slot) = filling->seed;
}

bool hammer_build(struct hammer_dom *d)
{
	filling = d;
	return tiny_build(&d->t, hammer_start, (size_t)(hammer_end - hammer_start), fill_data);
}

void hammer_check(const struct hammer_dom *d)
{
	static const char *const what[] = { "nothing", "TSC_AUX", "an XMM register", "FS base",
					    "a YMM upper half" };
	const uint64_t *data = (const uint64_t *)window;
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, d->t.id, &op);
	xtest_check(rc == 0 && !(op.u.info.flags & XEN_DOMINF_shutdown),
		    "d%u: getdomaininfo %ld, flags %#x", d->t.id, rc, op.u.info.flags);
	rc = builder_map_mmu(window, d->t.mfn[PFN_DATA], d->t.id);
	xtest_check(rc == 0, "mapping d%u's data page: %ld", d->t.id, rc);
	if (rc)
		return;
	xtest_check(data[D_WHAT / 8] == 0, "d%u: %s changed under it: read %#lx (seed %#lx)",
		    d->t.id, what[data[D_WHAT / 8] <= 4 ? data[D_WHAT / 8] : 0],
		    (unsigned long)data[D_SEEN / 8],
		    (unsigned long)d->seed);
	xtest_check(data[D_LOOPS / 8] > 1000, "d%u checked its registers %lu times", d->t.id,
		    (unsigned long)data[D_LOOPS / 8]);
	printk("d%u: registers checked %lu times%s\n", d->t.id, (unsigned long)data[D_LOOPS / 8],
	       data[D_USE_AVX / 8] ? " (YMM too)" : "");
	builder_unmap(window);
}

uint64_t hammer_now(void)
{
	return pvclock_now(0);
}

void hammer_sleep_ms(uint64_t ms)
{
	uint64_t end = hammer_now() + ms * MS;
	struct sched_poll p = { .nr_ports = 0, .timeout = end };

	while (hammer_now() < end)
		hypercall_sched_op(SCHEDOP_poll, &p);
}

unsigned int hammer_sched_id(void)
{
	struct {
		uint32_t cmd, interface_version, sched_id;
		uint8_t pad[124];
	} op = { .cmd = XEN_SYSCTL_sched_id, .interface_version = XEN_SYSCTL_INTERFACE_VERSION };

	return hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0) ? 0 : op.sched_id;
}

unsigned int hammer_nr_cpus(void)
{
	struct physinfo_sysctl pi = { .cmd = XEN_SYSCTL_physinfo,
				      .interface_version = XEN_SYSCTL_INTERFACE_VERSION };

	return hypercall(HC_sysctl, (unsigned long)&pi, 0, 0, 0, 0) ? 0 : pi.nr_cpus;
}

/* xen_domctl_scheduler_op: sched_id, cmd, then the union (8-aligned): weight, cap. */
struct credit_op {
	uint32_t sched_id, cmd;
	uint16_t weight, cap;
};
_Static_assert(offsetof(struct credit_op, weight) == 8, "xen_domctl_scheduler_op layout");

static long scheduler_op(uint16_t dom, unsigned int id, unsigned int cmd, uint16_t *weight,
			 uint16_t *cap)
{
	struct credit_op s = { .sched_id = id, .cmd = cmd, .weight = *weight, .cap = *cap };
	long rc = domctl_struct(XEN_DOMCTL_scheduler_op, dom, &s, sizeof(s));

	*weight = s.weight;
	*cap = s.cap;
	return rc;
}

long hammer_set_credit(uint16_t dom, unsigned int id, uint16_t weight, uint16_t cap)
{
	return scheduler_op(dom, id, XEN_DOMCTL_SCHEDOP_putinfo, &weight, &cap);
}

long hammer_get_credit(uint16_t dom, unsigned int id, uint16_t *weight, uint16_t *cap)
{
	*weight = *cap = 0;
	return scheduler_op(dom, id, XEN_DOMCTL_SCHEDOP_getinfo, weight, cap);
}

long hammer_pin(uint16_t dom, uint8_t cpus)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	op.u.affinity.vcpu = 0;
	op.u.affinity.flags = XEN_VCPUAFFINITY_HARD;
	op.u.affinity.hard.bitmap = &cpus;
	op.u.affinity.hard.nr_bits = 8;
	return domctl(XEN_DOMCTL_setvcpuaffinity, dom, &op);
}

bool hammer_vcpu_info(uint16_t dom, uint64_t *cpu_time, uint32_t *cpu)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	if (domctl(XEN_DOMCTL_getvcpuinfo, dom, &op))
		return false;
	*cpu_time = op.u.vcpuinfo.cpu_time;
	*cpu = op.u.vcpuinfo.cpu;
	return true;
}

long hammer_dom_op(unsigned int cmd, uint16_t dom)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	return domctl(cmd, dom, &op);
}

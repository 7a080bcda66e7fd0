/*
 * A guest whose state the CPU refuses at VM entry is killed, and only it.
 * The control domain builds a PVH domain and gives vCPU 0, through
 * sethvmcontext, a CPU record both hypervisors accept but the CPU does not:
 * long mode (CR0.PG, CR4.PAE, EFER.LME/LMA) with a code segment that has
 * both L and D set. VMRUN refuses it with VMEXIT_INVALID (-1) on AMD, VM
 * entry fails with exit reason 33 (invalid guest state) on Intel. The domain
 * must then shut down with SHUTDOWN_crash without running an instruction,
 * the hypervisor's console must carry the crashed vCPU's state (read with
 * sysctl readconsole): on Petrel the reason and the VMCB or VMCS dump
 * ("*** VMCB/VMCS of dNv0"), on Xen its crash report ("Domain N (vcpu#0)
 * crashed"; Xen 4.17 compares QEMU's exit code, -1 in 32 bits, with a 64-bit
 * -1 and so reports an unexpected exit rather than dumping the VMCB). The
 * control domain runs on: it destroys the domain (free pages back), then
 * builds a second one with the PVH entry state, which runs, writes its mark
 * and powers off.
 */
#include "builder.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define XEN_SYSCTL_readconsole 1
#define MARK 0x600df00du

/*
 * 32-bit code, paging off: the mark at the data page, then
 * SCHEDOP_shutdown(poweroff) with the reason at data + 8.
 */
__asm__(".pushsection .rodata\n"
	".globl bad_entry_code, bad_entry_code_end\n"
	"bad_entry_code:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"movl $0x600df00d, (%esi)\n"
	"mov $29, %eax\n" /* sched_op */
	"mov $2, %ebx\n"  /* SCHEDOP_shutdown */
	"lea 8(%esi), %ecx\n"
	"vmmcall\n"
	"1: jmp 1b\n"
	".code64\n"
	"bad_entry_code_end:\n"
	".popsection\n");
extern const uint8_t bad_entry_code[], bad_entry_code_end[];

struct readconsole_sysctl {
	uint32_t cmd, interface_version;
	uint8_t clear, incremental, pad0, pad1;
	uint32_t index;
	char *buffer;
	uint32_t count;
	uint8_t pad[108];
};
_Static_assert(sizeof(struct readconsole_sysctl) == 136, "xen_sysctl is 136 bytes");

static char con[32768];
static uint8_t window[4096] __attribute__((aligned(4096)));

/* The console from *@index on into con (NUL-terminated); *@index moves past it. */
static void console_since(uint32_t *index)
{
	struct readconsole_sysctl op;
	uint32_t got = 0;
	long rc;

	do {
		memset(&op, 0, sizeof(op));
		op.cmd = XEN_SYSCTL_readconsole;
		op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
		op.incremental = 1;
		op.index = *index;
		op.buffer = con + got;
		op.count = (uint32_t)(sizeof(con) - 1 - got);
		rc = hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0);
		if (rc) {
			xtest_error("readconsole: %ld", rc);
			break;
		}
		*index = op.index;
		got += op.count;
	} while (op.count && got < sizeof(con) - 1);
	con[got] = '\0';
}

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + 8) = SHUTDOWN_poweroff;
}

/* The word at the start of @dom's data page (-1 if it cannot be mapped). */
static int64_t data_word(uint16_t dom)
{
	uint32_t v;
	long rc = pvh_map(window, PVH_GFN_DATA, dom);

	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		return -1;
	}
	v = *(volatile uint32_t *)window;
	builder_unmap(window);
	return v;
}

static bool build(uint16_t *dom)
{
	static uint8_t code[64];
	size_t len = (size_t)(bad_entry_code_end - bad_entry_code);

	memcpy(code, bad_entry_code, len);
	builder_hvm_hypercall_insns(code, len);
	if (!pvh_build(dom, code, len, fill_data)) {
		xtest_error("building a PVH domain");
		return false;
	}
	return true;
}

/* Unpause @dom and wait for its shutdown: its code, or -1. */
static int run(uint16_t dom)
{
	struct tiny_dom t = { .id = dom };

	return tiny_run(&t);
}

/* Long mode with CS.L and CS.D both set: accepted by sethvmcontext, refused at VM entry. */
static void bad_entry(uint64_t free0)
{
	struct pvh_cpu cpu;
	uint32_t index = 0;
	uint16_t dom;
	char want[40];
	long rc;
	int code;

	console_since(&index);
	if (!build(&dom))
		return;
	pvh_entry_cpu(&cpu);
	cpu.cr0 = 0x80000011; /* PG, ET, PE */
	cpu.cr3 = (PVH_GFN_BASE + 2) << 12;
	cpu.cr4 = 0x20;		/* PAE */
	cpu.msr_efer = 0x500;	/* LME, LMA */
	cpu.cs_arbytes = 0xe9b; /* G, D, L, present code */
	rc = pvh_set_cpu(dom, &cpu);
	xtest_check(rc == 0, "sethvmcontext with CS.L and CS.D in long mode: %ld", rc);
	if (!rc) {
		code = run(dom);
		xtest_check(code == SHUTDOWN_crash, "d%u's shutdown code %d, want %d (crash)", dom,
			    code, SHUTDOWN_crash);
		xtest_check(data_word(dom) == 0, "d%u ran code after a failed VM entry", dom);
		console_since(&index);
		if (xtest_on_petrel())
			snprintf(want, sizeof(want), " of d%uv0 (", dom);
		else
			snprintf(want, sizeof(want), "Domain %u (vcpu#0) crashed", dom);
		xtest_check(strstr(con, want) != NULL, "no \"%s\" in the console after d%u's crash",
			    want, dom);
		xtest_check(!xtest_on_petrel() || strstr(con, "*** VMC") != NULL,
			    "no VMCB or VMCS dump in the console after d%u's crash", dom);
		/* Petrel names the refusal: VMEXIT_INVALID, or VMX's failed entry. */
		xtest_check(!xtest_on_petrel() || strstr(con, "VMRUN refused the VMCB") ||
				strstr(con, "VM entry failed (invalid guest state)"),
			    "d%u's crash not reported as a refused VM entry", dom);
	}
	builder_destroy_free(dom, free0);
}

/* The PVH entry state: the guest runs, writes its mark and powers off. */
static void good_entry(uint64_t free0)
{
	uint16_t dom;
	int code;

	if (!build(&dom))
		return;
	code = run(dom);
	xtest_check(code == SHUTDOWN_poweroff, "d%u's shutdown code %d, want poweroff", dom, code);
	xtest_check(data_word(dom) == MARK, "d%u's mark missing", dom);
	builder_destroy_free(dom, free0);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();

	bad_entry(free0);
	good_entry(free0);
}

/*
 * The control domain as a tiny device model: it builds a PVH domain with the
 * builder library, creates an ioreq server for it with dm_op (buffered ring
 * on), maps port 0x510-0x511 and one MMIO page at 0xfe000000 to it, maps
 * the synchronous ioreq page with XENMEM_acquire_resource (machine frames,
 * mmu_update with MMU_PT_UPDATE_NO_TRANSLATE as privcmd does), enables the
 * server and binds vCPU 0's event channel (vp_eport, which Xen writes into
 * the slots when the server is enabled with its pages in place). The guest's 32-bit code then does
 * out/in on the ports and mov writes and reads on the page; the model serves
 * each request as an echo/add device (a port read gives the last word
 * written plus one, 0x511 the number of requests so far; a page read gives
 * the bytes last written there plus one) and checks what it was asked; it
 * answers with garbage in the slot's other fields (address, size, count,
 * type, direction bits, the data beyond the access's size), which must
 * change nothing the guest sees. An
 * IN of 4 bytes at 0x510 is only half covered: no server takes it and it
 * reads all-ones. Then PCI config cycles through 0xCF8/0xCFC for device
 * 00:03.0 (the model's) and 00:04.0 (nobody's), and INS/OUTS on port 0x520
 * with and without REP, across a page end, downwards and in 16-bit
 * protected mode, and MOVS/STOS on the MMIO page (REP MOVS both ways and
 * downwards, REP STOS, a MOVS without REP) and OUTS with the element
 * there (two requests an element), each request's
 * count, data_is_ptr, df and buffer checked against what the guest wrote
 * and the guest's rcx/rsi/rdi afterwards. The last request is answered with a state that is not a
 * state: the guest must be crashed, and the hypervisor goes on. A second
 * domain is destroyed while its vCPU waits for an answer that never comes
 * and the ioreq page is still mapped. Refusals on
 * the way: dm_op on oneself, an unknown op, too many buffers, bad ranges,
 * servers that do not exist, a bad buffered-ioreq mode. A third domain
 * has every emulated device: its VGA-window writes come on the buffered
 * ring (and synchronously when it is full), and setting its RTC sends
 * IOREQ_TYPE_TIMEOFFSET there.
 */
#include "builder.h"
#include "evtchn.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define ENOENT 2
#define EFAULT 14
#define HC_dm_op 41
#define XENMEM_acquire_resource 28
#define XENMEM_resource_ioreq_server 0
#define SHUTDOWN_crash 3

#define DMOP_create 1
#define DMOP_get_info 2
#define DMOP_map_range 3
#define DMOP_unmap_range 4
#define DMOP_set_state 5
#define DMOP_destroy 6
#define DMOP_nr_vcpus 20
#define RANGE_PORT 0
#define RANGE_MEMORY 1
#define RANGE_PCI 2
#define NO_GFNS 1u

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MMIO_BASE 0xfe000000UL
#define PORT_A 0x510
#define PORT_COUNT 0x511
#define PORT_STR 0x520 /* string I/O */
#define PORT_CF8 0xcf8
#define PORT_CFC 0xcfc
#define MODEL_SBDF 0x18UL /* 00:03.0 */
#define PCI_ADDR(reg) (MODEL_SBDF << 32 | (reg))
#define CFC_VALUE 0x600dcfc0u /* what a port read of 0xCFC gives */

/* struct xen_dm_op with the members this test uses. */
struct dm_op {
	uint32_t op, pad;
	union {
		struct {
			uint8_t handle_bufioreq, pad[3];
			uint16_t id;
		} create;
		struct {
			uint16_t id, flags;
			uint32_t bufioreq_port;
			uint64_t ioreq_gfn, bufioreq_gfn;
		} info;
		struct {
			uint16_t id, pad;
			uint32_t type;
			uint64_t start, end;
		} range;
		struct {
			uint16_t id;
			uint8_t enabled, pad;
		} state;
		struct {
			uint16_t id, pad;
		} destroy;
		uint32_t nr_vcpus;
		uint8_t raw[32];
	} u;
};
_Static_assert(offsetof(struct dm_op, u.range.start) == 16, "ioreq_server_range layout");
_Static_assert(offsetof(struct dm_op, u.info.ioreq_gfn) == 16, "get_ioreq_server_info layout");

struct dm_buf {
	void *h;
	unsigned long size;
};

struct acquire {
	uint16_t domid, type;
	uint32_t id, nr_frames, pad;
	uint64_t frame;
	unsigned long *frame_list;
};
_Static_assert(sizeof(struct acquire) == 32, "xen_mem_acquire_resource is 32 bytes");

/* Xen's struct ioreq (32 bytes); state, data_is_ptr, dir and df share byte 30. */
struct ioreq {
	uint64_t addr, data;
	uint32_t count, size, vp_eport;
	uint16_t pad;
	uint8_t bits, type;
};
_Static_assert(sizeof(struct ioreq) == 32, "struct ioreq is 32 bytes");
#define ST_NONE 0
#define ST_READY 1
#define ST_INPROCESS 2
#define ST_RESP 3
#define DATA_IS_PTR (1u << 4)
#define DIR_READ (1u << 5)
#define DF (1u << 6)
#define TYPE_PIO 0
#define TYPE_COPY 1
#define TYPE_PCI 2

/* The guest's data page: its results. */
#define D_INW 0x00
#define D_INB 0x04
#define D_INL 0x08
#define D_MMIO1 0x0c
#define D_MMIO2 0x10
#define D_MMIO3 0x14
#define D_MARK 0x18
#define D_SHUTDOWN 0x20 /* sched_shutdown { reason } */
#define D_PCI1 0x30	   /* 00:03.0 register 0x10, dword */
#define D_PCI2 0x34	   /* the same after a word write at 0x12 */
#define D_PCI3 0x38	   /* byte 0x13 */
#define D_PCI_NONE 0x3c	   /* 00:04.0: no server */
#define D_PCI_OFF 0x40	   /* 0xCFC with 0xCF8's enable bit clear: a port read */
#define D_STRING 0x44	   /* the string I/O results: rcx, rsi, rdi and memory read back */
#define D_MMIO_STRING 0x80 /* the same for MOVS/STOS on the server's page */

/* 32-bit code, paging off; the data page at 0x101000. */
__asm__(".pushsection .rodata\n"
	".globl ioreq_code_start, ioreq_code_end\n"
	"ioreq_code_start:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"mov $0x510, %edx\n"
	"mov $0x1234, %eax\n"
	"outw %ax, %dx\n"
	"inw %dx, %ax\n"
	"mov %eax, 0x00(%esi)\n"
	"inc %edx\n"
	"inb %dx, %al\n"
	"movzbl %al, %eax\n"
	"mov %eax, 0x04(%esi)\n"
	"dec %edx\n"
	"xor %eax, %eax\n"
	"inl %dx, %eax\n"
	"mov %eax, 0x08(%esi)\n"
	"movl $0xdeadbeef, 0xfe000010\n"
	"mov 0xfe000010, %eax\n"
	"mov %eax, 0x0c(%esi)\n"
	"mov $0x55667788, %ecx\n"
	"mov %ecx, 0xfe000020\n"
	"mov 0xfe000020, %edx\n"
	"mov %edx, 0x10(%esi)\n"
	"movb $0x42, 0xfe000030\n"
	"mov 0xfe000030, %ebx\n"
	"mov %ebx, 0x14(%esi)\n"
	/* PCI config cycles: 00:03.0 is the model's, 00:04.0 nobody's. */
	"mov $0xcf8, %edx\n"
	"mov $0x80001810, %eax\n"
	"outl %eax, %dx\n"
	"mov $0xcfc, %edx\n"
	"inl %dx, %eax\n"
	"mov %eax, 0x30(%esi)\n"
	"mov $0xcfe, %edx\n"
	"mov $0xbeef, %eax\n"
	"outw %ax, %dx\n"
	"mov $0xcfc, %edx\n"
	"inl %dx, %eax\n"
	"mov %eax, 0x34(%esi)\n"
	"mov $0xcff, %edx\n"
	"inb %dx, %al\n"
	"movzbl %al, %eax\n"
	"mov %eax, 0x38(%esi)\n"
	"mov $0xcf8, %edx\n"
	"mov $0x80002010, %eax\n"
	"outl %eax, %dx\n"
	"mov $0xcfc, %edx\n"
	"inl %dx, %eax\n"
	"mov %eax, 0x3c(%esi)\n"
	"mov $0xcf8, %edx\n"
	"mov $0x00001810, %eax\n"
	"outl %eax, %dx\n"
	"mov $0xcfc, %edx\n"
	"inl %dx, %eax\n"
	"mov %eax, 0x40(%esi)\n"
	/* String port I/O on 0x520 (results at 0x101044..): */
	"movl $0x44332211, 0x102000\n"
	"movl $0x88776655, 0x102004\n"
	"movl $0x11111111, 0x102ff8\n"
	"movl $0x22222222, 0x102ffc\n"
	"movl $0x33333333, 0x103000\n"
	"movl $0x44444444, 0x103004\n"
	"movl $0x55555555, 0x103008\n"
	"movl $0x04030201, 0x104000\n"
	"mov $0x520, %edx\n"
	"mov $0x102000, %esi\n" /* 3 words: one request */
	"mov $3, %ecx\n"
	"rep outsw\n"
	"mov %ecx, 0x101044\n"
	"mov %esi, 0x101048\n"
	"mov $0x102ff8, %esi\n" /* 5 dwords across a page end: 2, then 3 */
	"mov $5, %ecx\n"
	"rep outsl\n"
	"mov %esi, 0x10104c\n"
	"mov %ecx, 0x101050\n"
	"mov $0x104003, %esi\n" /* 4 bytes downwards: 3 in the page's first bytes, then 1 */
	"mov $4, %ecx\n"
	"std\n"
	"rep outsb\n"
	"cld\n"
	"mov %esi, 0x101054\n"
	"mov $0x102100, %edi\n" /* 2 words in */
	"mov $2, %ecx\n"
	"rep insw\n"
	"mov %edi, 0x101058\n"
	"mov 0x102100, %eax\n"
	"mov %eax, 0x10105c\n"
	"mov $0x102200, %edi\n" /* one dword in, no REP */
	"insl\n"
	"mov %edi, 0x101060\n"
	"mov 0x102200, %eax\n"
	"mov %eax, 0x101064\n"
	"mov $0x102000, %esi\n" /* one byte out, no REP */
	"outsb\n"
	"mov %esi, 0x101068\n"
	"mov $0x102000, %esi\n" /* REP with a count of 0: nothing */
	"xor %ecx, %ecx\n"
	"rep outsb\n"
	"mov %esi, 0x10106c\n"
	"mov %ecx, 0x101070\n"
	/* rep outsw in 16-bit protected mode: CX and SI, DS based at 1 MiB. */
	"lgdt 0x100000 + (ioreq_gdtr - ioreq_code_start)\n"
	"ljmp $0x18, $(ioreq_code16 - ioreq_code_start)\n"
	".code16\n"
	"ioreq_code16:\n"
	"mov $0x20, %ax\n"
	"mov %ax, %ds\n"
	"mov $0x520, %dx\n"
	"mov $0xabcd2000, %esi\n"
	"mov $0x12340003, %ecx\n"
	"rep outsw\n"
	"mov %ecx, 0x1074\n"
	"mov %esi, 0x1078\n"
	"ljmpl $0x08, $(0x100000 + ioreq_back32 - ioreq_code_start)\n"
	".code32\n"
	"ioreq_back32:\n"
	"mov $0x10, %ax\n"
	"mov %ax, %ds\n"
	/* String MMIO on the server's page (results at 0x101080..): */
	"movl $0xa1a2a3a4, 0x102400\n"
	"movl $0xb1b2b3b4, 0x102404\n"
	"movl $0xc1c2c3c4, 0x102408\n"
	"mov $0x102400, %esi\n" /* rep movsl RAM -> MMIO: one data_is_ptr write */
	"mov $0xfe000100, %edi\n"
	"mov $3, %ecx\n"
	"rep movsl\n"
	"mov %ecx, 0x101080\n"
	"mov %esi, 0x101084\n"
	"mov %edi, 0x101088\n"
	"mov $0xfe000200, %esi\n" /* rep movsw MMIO -> RAM: one data_is_ptr read */
	"mov $0x102500, %edi\n"
	"mov $2, %ecx\n"
	"rep movsw\n"
	"mov %esi, 0x10108c\n"
	"mov %edi, 0x101090\n"
	"mov 0x102500, %eax\n"
	"mov %eax, 0x101094\n"
	"mov $0xfe000400, %edi\n" /* rep stosl: one write of the value, count 4 */
	"mov $0x0badf00d, %eax\n"
	"mov $4, %ecx\n"
	"rep stosl\n"
	"mov %edi, 0x101098\n"
	"mov $0x102403, %esi\n" /* std; rep movsb RAM -> MMIO, downwards */
	"mov $0xfe000503, %edi\n"
	"mov $3, %ecx\n"
	"std\n"
	"rep movsb\n"
	"cld\n"
	"mov %esi, 0x10109c\n"
	"mov %edi, 0x1010a0\n"
	"mov $0xfe000600, %esi\n" /* movsl MMIO -> RAM without REP: a plain read */
	"mov $0x102600, %edi\n"
	"movsl\n"
	"mov %edi, 0x1010a4\n"
	"mov 0x102600, %eax\n"
	"mov %eax, 0x1010a8\n"
	"mov $0x520, %edx\n"
	"mov $0xfe000700, %esi\n" /* outsl from MMIO: the element's read, then the port write */
	"outsl\n"
	"mov %esi, 0x1010ac\n"
	"mov $0xfe000900, %esi\n" /* rep outsb of 2 from MMIO: element by element */
	"mov $2, %ecx\n"
	"rep outsb\n"
	"mov %esi, 0x1010b0\n"
	"mov %ecx, 0x1010b4\n"
	"mov $0x101000, %esi\n"
	"movl $1, 0x18(%esi)\n"
	"mov $0x510, %edx\n"
	"inw %dx, %ax\n" /* answered with garbage: the domain dies here */
	"movl $2, 0x18(%esi)\n"
	"mov $29, %eax\n" /* sched_op(SCHEDOP_shutdown, poweroff) */
	"mov $2, %ebx\n"
	"lea 0x20(%esi), %ecx\n"
	"vmmcall\n"
	"1: jmp 1b\n"
	/* flat 32-bit code 0x08 and data 0x10, 16-bit code 0x18 and data 0x20 based at 1 MiB */
	".balign 8\n"
	"ioreq_gdt:\n"
	".quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff, 0x00009a100000ffff, 0x000092100000ffff\n"
	"ioreq_gdtr:\n"
	".word 5 * 8 - 1\n"
	".long 0x100000 + (ioreq_gdt - ioreq_code_start)\n"
	".code64\n"
	"ioreq_code_end:\n"
	".popsection\n");
extern const uint8_t ioreq_code_start[], ioreq_code_end[];

/*
 * The VGA domain (every emulated device, as libxl's type=hvm): writes into
 * the VGA window go to the buffered ring; each out to 0x520 is a
 * synchronous request at which the model looks at the ring.
 */
__asm__(".pushsection .rodata\n"
	".globl vga_code_start, vga_code_end\n"
	"vga_code_start:\n"
	".code32\n"
	"mov $0x520, %edx\n"
	"movb $0x11, 0xa0000\n"
	"movw $0x2233, 0xa0010\n"
	"movl $0x44556677, 0xb8000\n"
	"outb %al, %dx\n"
	"mov 0xa0000, %eax\n" /* a read: never buffered */
	"xor %eax, %eax\n"
	"mov $0xa1000, %edi\n" /* 400 bytes, then 200 more across the ring's end */
	"mov $400, %ecx\n"
	"1: movb %cl, (%edi)\n"
	"inc %edi\n"
	"loop 1b\n"
	"outb %al, %dx\n"
	"mov $200, %ecx\n"
	"2: movb %cl, (%edi)\n"
	"inc %edi\n"
	"loop 2b\n"
	"outb %al, %dx\n"
	"movb $0x5a, 0xa2000\n" /* the pointers lose a turn */
	"outb %al, %dx\n"
	"mov $0xa3000, %edi\n" /* 512 bytes: 511 fill the ring, the last is synchronous */
	"mov $512, %ecx\n"
	"3: movb %cl, (%edi)\n"
	"inc %edi\n"
	"loop 3b\n"
	"outb %al, %dx\n"
	/* The RTC set to 2000-01-01 00:00:00 (SET, BCD registers, SET cleared), */
	"mov $0x0b, %al\n"
	"outb %al, $0x70\n"
	"mov $0x82, %al\n"
	"outb %al, $0x71\n"
	"mov $0x0, %al\n"
	"outb %al, $0x70\n"
	"mov $0x0, %al\n"
	"outb %al, $0x71\n"
	"mov $0x2, %al\n"
	"outb %al, $0x70\n"
	"mov $0x0, %al\n"
	"outb %al, $0x71\n"
	"mov $0x4, %al\n"
	"outb %al, $0x70\n"
	"mov $0x0, %al\n"
	"outb %al, $0x71\n"
	"mov $0x7, %al\n"
	"outb %al, $0x70\n"
	"mov $0x1, %al\n"
	"outb %al, $0x71\n"
	"mov $0x8, %al\n"
	"outb %al, $0x70\n"
	"mov $0x1, %al\n"
	"outb %al, $0x71\n"
	"mov $0x9, %al\n"
	"outb %al, $0x70\n"
	"mov $0x0, %al\n"
	"outb %al, $0x71\n"
	"mov $0x32, %al\n"
	"outb %al, $0x70\n"
	"mov $0x20, %al\n"
	"outb %al, $0x71\n"
	"mov $0x0b, %al\n"
	"outb %al, $0x70\n"
	"mov $0x02, %al\n"
	"outb %al, $0x71\n"
	"xor %eax, %eax\n"
	"outb %al, %dx\n"
	/* then its hour to 01 without SET: one hour later. */
	"mov $0x04, %al\n"
	"outb %al, $0x70\n"
	"mov $0x01, %al\n"
	"outb %al, $0x71\n"
	"xor %eax, %eax\n"
	"outb %al, %dx\n"
	"cli\n"
	"hlt\n" /* the vCPU goes down: poweroff */
	".code64\n"
	"vga_code_end:\n"
	".popsection\n");
extern const uint8_t vga_code_start[], vga_code_end[];

static uint8_t iopage[4096] __attribute__((aligned(4096)));
static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t buffer[4096] __attribute__((aligned(4096)));
static uint8_t bufpage[4096] __attribute__((aligned(4096)));
static uint16_t guest;
static volatile struct ioreq *slot;
static uint32_t dm_port;
static uint16_t port_a;
static uint8_t mmio[4096];
static uint8_t pci_config[256];
static unsigned int nr_requests;

static long dm_op_bufs(uint16_t dom, struct dm_op *op, unsigned long size, unsigned int nr)
{
	struct dm_buf b[3] = { { op, size }, { op, size }, { op, size } };

	return hypercall(HC_dm_op, dom, nr, (unsigned long)b, 0, 0);
}

static long dm_op(uint16_t dom, struct dm_op *op)
{
	return dm_op_bufs(dom, op, sizeof(*op), 1);
}

static long range_op(uint16_t dom, uint32_t op, uint16_t id, uint32_t type, uint64_t s,
		     uint64_t e)
{
	struct dm_op o;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.u.range.id = id;
	o.u.range.type = type;
	o.u.range.start = s;
	o.u.range.end = e;
	return dm_op(dom, &o);
}

static long set_state(uint16_t dom, uint16_t id, uint8_t enabled)
{
	struct dm_op o;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_set_state;
	o.u.state.id = id;
	o.u.state.enabled = enabled;
	return dm_op(dom, &o);
}

static void refusals(uint16_t dom)
{
	struct dm_op o;
	long rc;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_nr_vcpus;
	rc = dm_op(0, &o);
	xtest_check(rc == -EPERM, "dm_op on oneself: %ld", rc);
	rc = dm_op(0x7000, &o);
	xtest_check(rc == -ESRCH, "dm_op on a domain that does not exist: %ld", rc);
	rc = dm_op(dom, &o);
	xtest_check(rc == 0 && o.u.nr_vcpus == 1, "nr_vcpus: %ld, %u", rc, o.u.nr_vcpus);
	rc = dm_op_bufs(dom, &o, sizeof(o), 3);
	xtest_check(rc == -E2BIG, "dm_op with 3 buffers: %ld", rc);
	rc = dm_op_bufs(dom, &o, 8, 1);
	xtest_check(rc == -EFAULT, "dm_op with a buffer too short for its op: %ld", rc);
	o.op = 99;
	rc = dm_op(dom, &o);
	xtest_check(rc == -EOPNOTSUPP, "dm_op 99: %ld", rc);
	memset(&o, 0, sizeof(o));
	o.op = DMOP_create;
	o.u.create.handle_bufioreq = 3;
	rc = dm_op(dom, &o);
	xtest_check(rc == -EINVAL, "create_ioreq_server with bufioreq mode 3: %ld", rc);
	rc = set_state(dom, 7, 1);
	xtest_check(rc == -ENOENT, "set_ioreq_server_state of server 7: %ld", rc);
}

static uint16_t create_server(uint16_t dom, uint32_t *buf_port)
{
	struct dm_op o;
	long rc;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_create;
	o.u.create.handle_bufioreq = 2; /* HVM_IOREQSRV_BUFIOREQ_ATOMIC */
	rc = dm_op(dom, &o);
	if (rc) {
		xtest_error("create_ioreq_server: %ld", rc);
		return 0xffff;
	}
	memset(&o.u, 0, sizeof(o.u));
	o.op = DMOP_get_info;
	o.u.info.id = o.u.create.id;
	o.u.info.flags = NO_GFNS;
	rc = dm_op(dom, &o);
	xtest_check(rc == 0 && o.u.info.bufioreq_port != 0, "get_ioreq_server_info: %ld, port %u",
		    rc, o.u.info.bufioreq_port);
	*buf_port = o.u.info.bufioreq_port;
	return o.u.info.id;
}

static void map_ranges(uint16_t dom, uint16_t id)
{
	long rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_A, PORT_COUNT);

	xtest_check(rc == 0, "map ports 0x510-0x511: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_MEMORY, MMIO_BASE, MMIO_BASE + 0xfff);
	xtest_check(rc == 0, "map the MMIO page: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_STR, PORT_STR + 3);
	xtest_check(rc == 0, "map ports 0x520-0x523: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_CF8, PORT_CFC + 3);
	xtest_check(rc == 0, "map ports 0xcf8-0xcff: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PCI, MODEL_SBDF, MODEL_SBDF);
	xtest_check(rc == 0, "map PCI device 00:03.0: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_COUNT, PORT_COUNT + 4);
	xtest_check(rc == -EEXIST, "map an overlapping port range: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, 0x600, 0x5ff);
	xtest_check(rc == -EINVAL, "map a range that ends before it starts: %ld", rc);
	rc = range_op(dom, DMOP_unmap_range, id, RANGE_PORT, 0x600, 0x601);
	xtest_check(rc == -ENOENT, "unmap a range never mapped: %ld", rc);
	rc = range_op(dom, DMOP_map_range, 5, RANGE_PORT, 0x600, 0x601);
	xtest_check(rc == -ENOENT, "map a range to server 5: %ld", rc);
	rc = range_op(dom, DMOP_map_range, id, RANGE_PORT, 0x600, 0x601);
	rc = rc ? rc : range_op(dom, DMOP_unmap_range, id, RANGE_PORT, 0x600, 0x601);
	xtest_check(rc == 0, "map and unmap 0x600-0x601: %ld", rc);
}

/* The synchronous page, mapped over iopage; false if it could not be. */
static bool map_iopage(uint16_t dom, uint16_t id)
{
	unsigned long frames[2] = { 0, 0 };
	struct acquire a = { dom, XENMEM_resource_ioreq_server, id, 0, 0, 0, NULL };
	long rc = hypercall(HC_memory_op, XENMEM_acquire_resource, (unsigned long)&a, 0, 0, 0);

	xtest_check(rc == 0 && a.nr_frames == 2, "acquire_resource size query: %ld, %u frames",
		    rc, a.nr_frames);
	a.nr_frames = 2;
	a.frame_list = frames;
	rc = hypercall(HC_memory_op, XENMEM_acquire_resource, (unsigned long)&a, 0, 0, 0);
	if (rc || !frames[1]) {
		xtest_error("acquire_resource of the ioreq pages: %ld, %#lx", rc, frames[1]);
		return false;
	}
	xtest_check(frames[0] && frames[0] != frames[1], "buffered ring frame %#lx", frames[0]);
	rc = builder_map_mmu_cmd(iopage, frames[1], dom, MMU_PT_UPDATE_NO_TRANSLATE);
	if (rc) {
		xtest_error("mapping the ioreq page (mfn %#lx): %ld", frames[1], rc);
		return false;
	}
	slot = (volatile struct ioreq *)iopage;
	rc = builder_map_mmu_cmd(bufpage, frames[0], dom, MMU_PT_UPDATE_NO_TRANSLATE);
	if (rc) {
		xtest_error("mapping the buffered ring (mfn %#lx): %ld", frames[0], rc);
		return false;
	}
	return true;
}

static bool bind_port(uint16_t dom)
{
	struct evtchn_bind_interdomain b = { dom, slot->vp_eport, 0 };
	long rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);

	if (rc) {
		xtest_error("binding vp_eport %u of d%u: %ld", slot->vp_eport, dom, rc);
		return false;
	}
	dm_port = b.local_port;
	return true;
}

/*
 * Wait for a notification that finds the slot READY; false if none came.
 * A notification with the slot idle is skipped: binding the port leaves
 * it pending, as on Xen.
 */
static bool wait_request(void)
{
	for (unsigned long i = 0; i < 400000; i++) {
		if (evtchn_test_and_clear(dm_port)) {
			unsigned int st = __atomic_load_n(&slot->bits, __ATOMIC_SEQ_CST) & 0xf;

			if (st == ST_READY)
				return true;
			if (st != ST_NONE) {
				xtest_fail("notified with the slot in state %u", st);
				return false;
			}
		}
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	xtest_fail("no request came (slot state %u)", slot->bits & 0xf);
	return false;
}

static void set_slot_state(unsigned int st)
{
	__atomic_store_n(&slot->bits, (uint8_t)((slot->bits & ~0xf) | st), __ATOMIC_SEQ_CST);
}

static uint64_t mmio_load(uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, mmio + off, size);
	return v;
}

/* Device 00:03.0's config space: byte i starts as 0x40 + i. */
static uint64_t pci_device(uint64_t addr, unsigned int size, bool read, uint64_t data)
{
	unsigned int reg = (unsigned int)addr & 0xff;
	uint64_t v = 0;

	if (!read) {
		memcpy(pci_config + reg, &data, size);
		return 0;
	}
	memcpy(&v, pci_config + reg, size);
	return v;
}

/* The echo/add device, and 00:03.0 behind 0xCF8/0xCFC. */
static uint64_t device(uint8_t type, uint64_t addr, unsigned int size, bool read, uint64_t data)
{
	if (type == TYPE_PCI)
		return pci_device(addr, size, read, data);
	if (type == TYPE_PIO && (addr == PORT_CF8 || addr == PORT_CFC))
		return read ? CFC_VALUE : 0;
	if (type == TYPE_PIO && addr == PORT_COUNT)
		return nr_requests;
	if (type == TYPE_PIO) {
		if (!read)
			port_a = (uint16_t)data;
		return (uint16_t)(port_a + 1);
	}
	addr -= MMIO_BASE;
	if (!read) {
		memcpy(mmio + addr, &data, size);
		return 0;
	}
	return mmio_load(addr, size) + 1;
}

/*
 * Answer with @data as a hostile emulator may: the slot's address, size,
 * count and type garbage, its data_is_ptr, dir and df bits flipped, and the
 * data's bytes beyond the request's @size all ones. Only the answer's state
 * and data count, and a read takes @size bytes of the data.
 */
static void answer_scribbled(uint64_t data, unsigned int size)
{
	slot->addr = 0xbad0bad0bad0bad0UL;
	slot->size = 0xfffffff0u;
	slot->count = 0xffffffffu;
	slot->type = 0xee;
	slot->data = size < 8 ? data | ~0UL << (8 * size) : data;
	__atomic_store_n(&slot->bits, (uint8_t)(slot->bits ^ (DATA_IS_PTR | DIR_READ | DF)),
			 __ATOMIC_SEQ_CST);
	set_slot_state(ST_RESP);
	evtchn_port_op(EVTCHNOP_send, dm_port);
}

/*
 * Serve one request, which must be the one described, and answer it with
 * answer_scribbled(); false when none came.
 */
static bool serve(uint8_t type, uint64_t addr, unsigned int size, bool read, uint64_t data)
{
	bool is_read;

	if (!wait_request())
		return false;
	nr_requests++;
	set_slot_state(ST_INPROCESS);
	is_read = slot->bits & DIR_READ;
	xtest_check(slot->type == type && slot->addr == addr && slot->size == size &&
			is_read == read && slot->count == 1 && (read || slot->data == data),
		    "request %u: type %u addr %#lx size %u %s data %#lx", nr_requests, slot->type,
		    (unsigned long)slot->addr, slot->size, is_read ? "read" : "write",
		    (unsigned long)slot->data);
	answer_scribbled(device(slot->type, slot->addr, slot->size, is_read, slot->data), size);
	return true;
}

/*
 * 0xCF8 writes reach the model as port writes; the data ports are config
 * cycles of 00:03.0 while the latch is enabled and points there. The read
 * with 00:04.0 selected sends nothing.
 */
static bool serve_pci(void)
{
	return serve(TYPE_PIO, PORT_CF8, 4, false, 0x80001810) &&
	       serve(TYPE_PCI, PCI_ADDR(0x10), 4, true, 0) &&
	       serve(TYPE_PCI, PCI_ADDR(0x12), 2, false, 0xbeef) &&
	       serve(TYPE_PCI, PCI_ADDR(0x10), 4, true, 0) &&
	       serve(TYPE_PCI, PCI_ADDR(0x13), 1, true, 0) &&
	       serve(TYPE_PIO, PORT_CF8, 4, false, 0x80002010) &&
	       serve(TYPE_PIO, PORT_CF8, 4, false, 0x00001810) &&
	       serve(TYPE_PIO, PORT_CFC, 4, true, 0);
}

/* A string request as it must arrive; @bytes: what its buffer holds (write) or gets (read). */
struct string_req {
	unsigned int size, count;
	bool read, ptr, df;
	uint64_t data; /* the buffer's address, or the value written */
	const void *bytes;
};

/* Element @i of the guest buffer at @gpa, read or written through a mapping of its page. */
static bool guest_element(uint64_t gpa, unsigned int size, void *val, bool write)
{
	long rc = pvh_map(buffer, gpa >> 12, guest);

	if (rc) {
		xtest_error("mapping d%u's gfn %#lx: %ld", guest, (unsigned long)(gpa >> 12), rc);
		return false;
	}
	if (write)
		memcpy(buffer + (gpa & 0xfff), val, size);
	else
		memcpy(val, buffer + (gpa & 0xfff), size);
	builder_unmap(buffer);
	return true;
}

/* The buffer of a data_is_ptr request: compared with (write) or filled from (read) r->bytes. */
static void serve_buffer(const struct string_req *r)
{
	const uint8_t *b = r->bytes;

	for (unsigned int i = 0; i < r->count; i++) {
		uint64_t gpa = r->df ? r->data - i * r->size : r->data + i * r->size;
		uint64_t v = 0, want = 0;

		memcpy(&want, b + i * r->size, r->size);
		if (r->read) {
			guest_element(gpa, r->size, &want, true);
			continue;
		}
		if (guest_element(gpa, r->size, &v, false))
			xtest_check(v == want, "element %u at %#lx: %#lx, expected %#lx", i,
				    (unsigned long)gpa, (unsigned long)v, (unsigned long)want);
	}
}

/* A string request of @type at @addr as @r describes it, answered. */
static bool serve_string_at(const struct string_req *r, uint8_t type, uint64_t addr)
{
	unsigned int bits;

	if (!wait_request())
		return false;
	nr_requests++;
	set_slot_state(ST_INPROCESS);
	bits = slot->bits;
	xtest_check(slot->type == type && slot->addr == addr && slot->size == r->size &&
			    slot->count == r->count && !!(bits & DIR_READ) == r->read &&
			    !!(bits & DATA_IS_PTR) == r->ptr && !!(bits & DF) == r->df &&
			    (r->read && !r->ptr ? true : slot->data == r->data),
		    "string request %u: type %u addr %#lx size %u count %u bits %#x data %#lx",
		    nr_requests, slot->type, (unsigned long)slot->addr, slot->size, slot->count,
		    bits & 0xf0, (unsigned long)slot->data);
	if (r->ptr)
		serve_buffer(r);
	else if (r->read)
		memcpy((void *)&slot->data, r->bytes, r->size);
	set_slot_state(ST_RESP);
	evtchn_port_op(EVTCHNOP_send, dm_port);
	return true;
}

static bool serve_string(const struct string_req *r)
{
	return serve_string_at(r, TYPE_PIO, PORT_STR);
}

/*
 * MOVS/STOS on the server's page as Xen sends them: a REP MOVS with the RAM
 * side's address and data_is_ptr (down with df), a REP STOS with the value
 * and a count, a MOVS without REP as a plain read.
 */
static bool serve_mmio_strings(void)
{
	static const uint32_t out[] = { 0xa1a2a3a4, 0xb1b2b3b4, 0xc1c2c3c4 };
	static const uint16_t in[] = { 0x1357, 0x2468 };
	static const uint8_t down[] = { 0xa1, 0xa2, 0xa3 };
	static const uint32_t one = 0x600dd00d;
	const struct string_req reqs[] = {
		{ 4, 3, false, true, false, 0x102400, out },
		{ 2, 2, true, true, false, 0x102500, in },
		{ 4, 4, false, false, false, 0x0badf00d, NULL },
		{ 1, 3, false, true, true, 0x102403, down },
		{ 4, 1, true, false, false, 0, &one },
	};
	static const uint64_t addr[] = { 0x100, 0x200, 0x400, 0x503, 0x600 };

	for (unsigned int i = 0; i < ARRAY_SIZE(reqs); i++)
		if (!serve_string_at(&reqs[i], TYPE_COPY, MMIO_BASE + addr[i]))
			return false;
	return true;
}

/*
 * OUTS with the element in the server's page, as Xen's emulator falls back
 * for one element: two requests each, the MMIO read before the port write.
 * (An INS into the page crashes the domain on Xen 4.17, and on Petrel.)
 */
static bool serve_pio_mmio(void)
{
	static const uint32_t out = 0x7a7b7c7d;
	static const uint8_t bytes[] = { 0x31, 0x32 };
	const struct string_req reqs[] = {
		{ 4, 1, true, false, false, 0, &out },
		{ 4, 1, false, false, false, out, NULL },
		{ 1, 1, true, false, false, 0, bytes },
		{ 1, 1, false, false, false, 0x31, NULL },
		{ 1, 1, true, false, false, 0, bytes + 1 },
		{ 1, 1, false, false, false, 0x32, NULL },
	};
	static const uint64_t addr[] = { MMIO_BASE + 0x700, PORT_STR,	       MMIO_BASE + 0x900,
					 PORT_STR,	    MMIO_BASE + 0x901, PORT_STR };

	for (unsigned int i = 0; i < ARRAY_SIZE(reqs); i++)
		if (!serve_string_at(&reqs[i], addr[i] == PORT_STR ? TYPE_PIO : TYPE_COPY, addr[i]))
			return false;
	return true;
}

/*
 * INS/OUTS as Xen sends them: a REP's elements one page of the buffer per
 * request with data_is_ptr (down with df), a lone element as a plain access.
 */
static bool serve_strings(void)
{
	static const uint16_t words[] = { 0x2211, 0x4433, 0x6655 };
	static const uint32_t dwords[] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444,
					   0x55555555 };
	static const uint8_t down[] = { 4, 3, 2 }, last = 1, first = 0x11;
	static const uint16_t in_words[] = { 0xa1b2, 0xc3d4 };
	static const uint32_t in_dword = 0x5eed1234;
	const struct string_req reqs[] = {
		{ 2, 3, false, true, false, 0x102000, words },
		{ 4, 2, false, true, false, 0x102ff8, dwords },
		{ 4, 3, false, true, false, 0x103000, dwords + 2 },
		{ 1, 3, false, true, true, 0x104003, down },
		{ 1, 1, false, false, false, 0x01, &last },
		{ 2, 2, true, true, false, 0x102100, in_words },
		{ 4, 1, true, false, false, 0, &in_dword },
		{ 1, 1, false, false, false, 0x11, &first },
		{ 2, 3, false, true, false, 0x102000, words }, /* 16-bit code, DS base + SI */
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(reqs); i++)
		if (!serve_string(&reqs[i]))
			return false;
	return true;
}

static bool serve_all(void)
{
	return serve(TYPE_PIO, PORT_A, 2, false, 0x1234) && serve(TYPE_PIO, PORT_A, 2, true, 0) &&
	       serve(TYPE_PIO, PORT_COUNT, 1, true, 0) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x10, 4, false, 0xdeadbeef) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x10, 4, true, 0) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x20, 4, false, 0x55667788) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x20, 4, true, 0) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x30, 1, false, 0x42) &&
	       serve(TYPE_COPY, MMIO_BASE + 0x30, 4, true, 0) && serve_pci() && serve_strings() &&
	       serve_mmio_strings() && serve_pio_mmio();
}

/* A hostile answer: a state beyond IORESP_READY. */
static void answer_garbage(void)
{
	if (!wait_request())
		return;
	set_slot_state(0xf);
	evtchn_port_op(EVTCHNOP_send, dm_port);
}

/* rcx, rsi and rdi after each string instruction, and what the INS stored. */
static void check_strings(void)
{
	static const uint32_t want[] = { 0,	   0x102006,   0x10300c, 0,	   0x103fff,
					 0x102104, 0xc3d4a1b2, 0x102204, 0x5eed1234, 0x102001,
					 0x102000, 0,	      0x12340000, 0xabcd2006 };
	static const char *const what[] = { "rcx after rep outsw", "rsi after rep outsw",
					    "rsi after rep outsl", "rcx after rep outsl",
					    "rsi after std; rep outsb", "rdi after rep insw",
					    "the words rep insw stored", "rdi after insl",
					    "the dword insl stored", "rsi after outsb",
					    "rsi after rep outsb of 0", "rcx after rep outsb of 0",
					    "ecx after rep outsw in 16-bit code",
					    "esi after rep outsw in 16-bit code" };
	const uint32_t *got = (const uint32_t *)(window + D_STRING);

	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++)
		xtest_check(got[i] == want[i], "%s: %#x, expected %#x", what[i], got[i], want[i]);
}

/* The same for the MOVS/STOS on the server's page. */
static void check_mmio_strings(void)
{
	static const uint32_t want[] = { 0,	     0x10240c,	 0xfe00010c, 0xfe000204, 0x102504,
					 0x24681357, 0xfe000410, 0x102400,   0xfe000500, 0x102604,
					 0x600dd00d, 0xfe000704, 0xfe000902, 0 };
	static const char *const what[] = {
		"ecx after rep movsl",		 "esi after rep movsl",
		"edi after rep movsl",		 "esi after rep movsw",
		"edi after rep movsw",		 "the words rep movsw stored",
		"edi after rep stosl",		 "esi after std; rep movsb",
		"edi after std; rep movsb",	 "edi after movsl",
		"the dword movsl stored",	 "esi after outsl from MMIO",
		"esi after rep outsb from MMIO", "ecx after rep outsb from MMIO"
	};
	const uint32_t *got = (const uint32_t *)(window + D_MMIO_STRING);

	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++)
		xtest_check(got[i] == want[i], "%s: %#x, expected %#x", what[i], got[i], want[i]);
}

static void check_results(uint16_t dom)
{
	long rc = pvh_map(window, PVH_GFN_DATA, dom);

	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		return;
	}
	xtest_check(*(uint32_t *)(window + D_INW) == 0x1235, "inw 0x510: %#x",
		    *(uint32_t *)(window + D_INW));
	xtest_check(*(uint32_t *)(window + D_INB) == 3, "inb 0x511: %#x",
		    *(uint32_t *)(window + D_INB));
	xtest_check(*(uint32_t *)(window + D_INL) == 0xffffffff, "inl 0x510 (half covered): %#x",
		    *(uint32_t *)(window + D_INL));
	xtest_check(*(uint32_t *)(window + D_MMIO1) == 0xdeadbef0, "MMIO read 1: %#x",
		    *(uint32_t *)(window + D_MMIO1));
	xtest_check(*(uint32_t *)(window + D_MMIO2) == 0x55667789, "MMIO read 2: %#x",
		    *(uint32_t *)(window + D_MMIO2));
	xtest_check(*(uint32_t *)(window + D_MMIO3) == 0x43, "MMIO read 3: %#x",
		    *(uint32_t *)(window + D_MMIO3));
	xtest_check(*(uint32_t *)(window + D_PCI1) == 0x53525150, "config dword 0x10: %#x",
		    *(uint32_t *)(window + D_PCI1));
	xtest_check(*(uint32_t *)(window + D_PCI2) == 0xbeef5150,
		    "config dword 0x10 after writing 0xbeef at 0x12: %#x",
		    *(uint32_t *)(window + D_PCI2));
	xtest_check(*(uint32_t *)(window + D_PCI3) == 0xbe, "config byte 0x13: %#x",
		    *(uint32_t *)(window + D_PCI3));
	xtest_check(*(uint32_t *)(window + D_PCI_NONE) == 0xffffffff,
		    "config read of 00:04.0 (no server): %#x", *(uint32_t *)(window + D_PCI_NONE));
	xtest_check(*(uint32_t *)(window + D_PCI_OFF) == CFC_VALUE,
		    "0xCFC with the enable bit clear: %#x", *(uint32_t *)(window + D_PCI_OFF));
	check_strings();
	check_mmio_strings();
	xtest_check(*(uint32_t *)(window + D_MARK) == 1, "guest went past the garbage answer: %u",
		    *(uint32_t *)(window + D_MARK));
	builder_unmap(window);
}

static void run(uint16_t dom)
{
	struct dctl op;
	unsigned int code;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	if (rc || !serve_all())
		return;
	answer_garbage();
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not die: flags %#x", dom, op.u.info.flags);
		return;
	}
	code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
	xtest_check(code == SHUTDOWN_crash, "d%u's end after the garbage state: code %u", dom, code);
	check_results(dom);
}

static void destroy_server(uint16_t dom, uint16_t id)
{
	struct dm_op o;
	long rc;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_destroy;
	o.u.destroy.id = id;
	rc = dm_op(dom, &o);
	xtest_check(rc == 0, "destroy_ioreq_server %u: %ld", id, rc);
	rc = dm_op(dom, &o);
	xtest_check(rc == -ENOENT, "destroy_ioreq_server %u again: %ld", id, rc);
}

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + D_SHUTDOWN) = 0; /* poweroff */
}

/*
 * A second domain whose first request is never answered: destroying it
 * while its vCPU waits and while the ioreq page is still mapped here must
 * work, and the page goes back once unmapped.
 */
static void abandon(uint64_t free0)
{
	struct tiny_dom t = { 0 };
	uint32_t buf_port;
	uint16_t dom, id;
	uint64_t now;
	long rc;

	slot = NULL;
	if (!pvh_build(&dom, ioreq_code_start, (size_t)(ioreq_code_end - ioreq_code_start),
		       fill_data))
		return;
	t.id = dom;
	id = create_server(dom, &buf_port);
	rc = id == 0xffff ? -1 : range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_A, PORT_COUNT);
	if (!rc && map_iopage(dom, id) && !set_state(dom, id, 1) && bind_port(dom)) {
		struct dctl op;

		memset(&op, 0, sizeof(op));
		rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
		xtest_check(rc == 0 && wait_request(), "d%u's first request: %ld", dom, rc);
	}
	rc = tiny_destroy(&t);
	xtest_check(rc == 0, "destroying d%u with its vCPU waiting on the server: %ld", dom, rc);
	if (slot) {
		builder_unmap(iopage);
		builder_unmap(bufpage);
	}
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after d%u and the unmap, %lu before",
		    (unsigned long)now, dom, (unsigned long)free0);
}

/* ---- The buffered ring (HVM_IOREQSRV_BUFIOREQ_ATOMIC), as QEMU reads it. */

struct ring_page {
	uint32_t rd, wr;
	uint64_t slot[511];
};
#define RING ((volatile struct ring_page *)bufpage)

struct buf_entry {
	unsigned int type, dir, size;
	uint32_t addr, data;
};

static void decode_entry(uint64_t raw, struct buf_entry *e)
{
	e->type = raw & 0xff;
	e->dir = (raw >> 9) & 1;
	e->size = 1u << ((raw >> 10) & 3);
	e->addr = (raw >> 12) & 0xfffff;
	e->data = (uint32_t)(raw >> 32);
}

/*
 * Take the @n entries the ring must hold: byte writes at @addr + i of
 * (@first - i) & 0xff (what the guest's loops store), or, with @want, those.
 */
static void ring_take(unsigned int n, uint32_t addr, unsigned int first,
		      const struct buf_entry *want)
{
	uint32_t rd = RING->rd, wr = __atomic_load_n(&RING->wr, __ATOMIC_SEQ_CST);
	unsigned int bad = 0;

	xtest_check(wr - rd == n, "ring holds %u entries (read %u, write %u), expected %u",
		    wr - rd, rd, wr, n);
	for (unsigned int i = 0; i < n && i < wr - rd; i++) {
		struct buf_entry e, w = { TYPE_COPY, 0, 1, addr + i, (first - i) & 0xff };

		decode_entry(RING->slot[(rd + i) % 511], &e);
		if (want)
			w = want[i];
		if (e.type != w.type || e.dir != w.dir || e.size != w.size || e.addr != w.addr ||
		    e.data != w.data) {
			if (!bad++)
				xtest_fail("ring entry %u: type %u dir %u size %u addr %#x data %#x", i,
					   e.type, e.dir, e.size, e.addr, e.data);
		}
	}
	__atomic_fetch_add(&RING->rd, n, __ATOMIC_SEQ_CST);
}

#define TYPE_TIMEOFFSET 7

/* The two-slot TIMEOFFSET entry the ring must hold: its 64-bit change in seconds. */
static int64_t timeoffset_take(void)
{
	uint32_t rd = RING->rd, wr = __atomic_load_n(&RING->wr, __ATOMIC_SEQ_CST);
	struct buf_entry lo, hi;

	xtest_check(wr - rd == 2, "ring holds %u entries for TIMEOFFSET, expected 2", wr - rd);
	decode_entry(RING->slot[rd % 511], &lo);
	decode_entry(RING->slot[(rd + 1) % 511], &hi);
	xtest_check(lo.type == TYPE_TIMEOFFSET && hi.type == TYPE_TIMEOFFSET && lo.size == 8 &&
			    hi.size == 8 && !lo.dir && !hi.dir && !lo.addr && !hi.addr,
		    "TIMEOFFSET slots: type %u/%u size %u/%u dir %u/%u addr %#x/%#x", lo.type,
		    hi.type, lo.size, hi.size, lo.dir, hi.dir, lo.addr, hi.addr);
	__atomic_fetch_add(&RING->rd, wr - rd, __ATOMIC_SEQ_CST);
	return (int64_t)((uint64_t)hi.data << 32 | lo.data);
}

/* One synchronous request as described, answered with @answer. */
static bool serve_sync(uint8_t type, uint64_t addr, unsigned int size, bool read, uint64_t data,
		       uint64_t answer)
{
	if (!wait_request())
		return false;
	set_slot_state(ST_INPROCESS);
	xtest_check(slot->type == type && slot->addr == addr && slot->size == size &&
			    !!(slot->bits & DIR_READ) == read && slot->count == 1 &&
			    (read || slot->data == data),
		    "synchronous request: type %u addr %#lx size %u bits %#x data %#lx", slot->type,
		    (unsigned long)slot->addr, slot->size, slot->bits & 0xf0,
		    (unsigned long)slot->data);
	slot->data = answer;
	set_slot_state(ST_RESP);
	return true;
}

static void answer(void)
{
	evtchn_port_op(EVTCHNOP_send, dm_port);
}

static void vga_serve(uint32_t buf_local)
{
	static const struct buf_entry first3[] = {
		{ TYPE_COPY, 0, 1, 0xa0000, 0x11 },
		{ TYPE_COPY, 0, 2, 0xa0010, 0x2233 },
		{ TYPE_COPY, 0, 4, 0xb8000, 0x44556677 },
	};
	static const struct buf_entry one = { TYPE_COPY, 0, 1, 0xa2000, 0x5a };
	int64_t delta;

	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	xtest_check(evtchn_test_and_clear(buf_local), "buffered port not notified");
	ring_take(3, 0, 0, first3);
	answer();
	if (!serve_sync(TYPE_COPY, 0xa0000, 4, true, 0, 0x600d))
		return;
	answer();
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	ring_take(400, 0xa1000, 400, NULL);
	answer();
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	ring_take(200, 0xa1190, 200, NULL); /* read pointer 603 */
	answer();
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	xtest_check(RING->rd == 92 && RING->wr == 93,
		    "pointers after a write with the read pointer a turn ahead: %u, %u (92, 93)",
		    RING->rd, RING->wr);
	ring_take(1, 0, 0, &one);
	answer();
	/* The ring full: the 512th byte comes synchronously. */
	if (!serve_sync(TYPE_COPY, 0xa31ff, 1, false, 1, 0))
		return;
	xtest_check(RING->wr - RING->rd == 511, "ring full at the synchronous write: %u entries",
		    RING->wr - RING->rd);
	answer();
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	ring_take(511, 0xa3000, 512, NULL);
	answer();
	/* Setting the RTC: TIMEOFFSET on the ring, the change in seconds. */
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	delta = timeoffset_take();
	xtest_check(delta < -500000000L && delta > -1000000000L,
		    "time offset change for 2000-01-01: %ld", (long)delta);
	answer();
	if (!serve_sync(TYPE_PIO, PORT_STR, 1, false, 0, 0))
		return;
	delta = timeoffset_take();
	xtest_check(delta == 3600, "time offset change for the hour set to 01: %ld", (long)delta);
	answer();
}

/* A domain with emulated VGA: writes into its VGA window take the buffered ring. */
static void buffered(uint64_t free0)
{
	struct tiny_dom t = { 0 };
	struct dctl op;
	uint32_t buf_port = 0;
	uint16_t dom, id;
	long rc;

	slot = NULL;
	if (!hvm_build(&dom, XEN_X86_EMU_ALL_HVM, vga_code_start,
		       (size_t)(vga_code_end - vga_code_start), fill_data))
		return;
	t.id = dom;
	id = create_server(dom, &buf_port);
	rc = id == 0xffff ? -1 : range_op(dom, DMOP_map_range, id, RANGE_PORT, PORT_STR, PORT_STR);
	rc = rc ? rc : range_op(dom, DMOP_map_range, id, RANGE_MEMORY, 0xa0000, 0xbffff);
	xtest_check(rc == 0, "d%u: server and ranges: %ld", dom, rc);
	if (!rc && map_iopage(dom, id) && !set_state(dom, id, 1) && bind_port(dom)) {
		struct evtchn_bind_interdomain b = { dom, buf_port, 0 };

		rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
		xtest_check(rc == 0, "binding the buffered port %u: %ld", buf_port, rc);
		evtchn_test_and_clear(b.local_port);
		memset(&op, 0, sizeof(op));
		rc = rc ? rc : domctl(XEN_DOMCTL_unpausedomain, dom, &op);
		if (!rc)
			vga_serve(b.local_port);
		if (!rc && builder_wait_shutdown(dom, &op))
			xtest_check(((op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff) == 0,
				    "d%u's end: flags %#x", dom, op.u.info.flags);
	}
	if (slot) {
		builder_unmap(iopage);
		builder_unmap(bufpage);
	}
	if (id != 0xffff)
		destroy_server(dom, id);
	rc = tiny_destroy(&t);
	xtest_check(rc == 0, "destroying d%u: %ld", dom, rc);
	xtest_check(builder_wait_free(free0) == free0, "free pages back after d%u", dom);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages(), now;
	struct tiny_dom t = { 0 };
	uint32_t buf_port = 0;
	uint16_t dom, id;
	long rc;

	for (unsigned int i = 0; i < sizeof(pci_config); i++)
		pci_config[i] = (uint8_t)(0x40 + i);
	if (!pvh_build(&dom, ioreq_code_start, (size_t)(ioreq_code_end - ioreq_code_start),
		       fill_data))
		xtest_exit();
	printk("built PVH d%u, %lu pages free before\n", dom, (unsigned long)free0);
	guest = dom;
	t.id = dom;
	refusals(dom);
	id = create_server(dom, &buf_port);
	if (id == 0xffff) {
		tiny_destroy(&t);
		xtest_exit();
	}
	map_ranges(dom, id);
	/* As QEMU does: pages first, then enable; the slots have their ports from then on. */
	if (map_iopage(dom, id)) {
		rc = set_state(dom, id, 1);
		xtest_check(rc == 0, "enable server %u: %ld", id, rc);
		if (!rc && bind_port(dom))
			run(dom);
	}
	if (slot) {
		builder_unmap(iopage);
		builder_unmap(bufpage);
	}
	destroy_server(dom, id);
	tiny_destroy(&t);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after destroying d%u, %lu before",
		    (unsigned long)now, dom, (unsigned long)free0);
	abandon(free0);
	buffered(free0);
}

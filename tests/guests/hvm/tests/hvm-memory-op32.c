/*
 * XENMEM_memory_map and XENMEM_remove_from_physmap from 32-bit code in
 * Xen's compat layouts (memory_map: nr_entries @0, a 32-bit buffer handle
 * @4; remove_from_physmap: domid @0, a 32-bit gpfn @4), as hvmloader makes
 * them. In 32-bit protected mode (the PVH entry state) shared_info goes
 * onto a page of the image, the memory map is read, and the page is taken
 * out of the physmap again. In long mode the 32-bit map must equal the one
 * the native call gives (count and entries), and removing the page again
 * must find nothing there (-ENOENT). XENMEM_populate_physmap in its compat
 * layout (a 32-bit extent_start handle @0 to 32-bit GFNs, nr_extents @4,
 * extent_order @8, mem_flags @12, domid @16) gives one page at 80 MiB, above
 * the 64 MiB of RAM, which keeps what is written. XENMEM_add_to_physmap of
 * XENMAPSPACE_gmfn (hvmloader's way to move RAM into the hole below 4 GiB
 * when the domain is at its maximum, as for OVMF) moves a page of the image
 * to the GFN after that one: it is read there with its contents, and its
 * old GFN reads all-ones (nothing there: the null MMIO handler).
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
/* max: leaves room to populate one more page. */
TEST_HV_ARGS("dom0=pvh dom0_mem=64M,max:65M");

#define ENOENT 2
#define MAP_MAX 32
#define NEW_GFN 0x5000UL /* 80 MiB: above the 64 MiB of RAM */
#define MOVE_GFN 0x5001UL
#define MOVE_WORD 0x4d4f5645u

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/* Rows for hvm_calls32; each rc starts at 0x5a5a. */
extern struct hvm_call32 early32_calls[], early32_calls_end[];
extern uint32_t early32_map[2]; /* { nr_entries, buffer } */
struct e820 early32_map_buf[MAP_MAX] = { { 0 } };
uint32_t early32_page[1024] __attribute__((aligned(4096))) = { 1 };
uint32_t early32_move[1024] __attribute__((aligned(4096))) = { MOVE_WORD };

__asm__(".pushsection .data\n"
	".balign 8\n"
	/* add_to_physmap { DOMID_SELF, size 0, shared_info, idx 0, gpfn (set at run time) } */
	"early32_atp: .short 0x7ff0, 0\n"
	"	.long 0, 0, 0\n"
	".globl early32_map\n"
	"early32_map: .long 32, early32_map_buf\n"
	/* remove_from_physmap { DOMID_SELF, gpfn (set at run time) } */
	"early32_rfp: .short 0x7ff0, 0\n"
	"	.long 0\n"
	"	.quad 0xfffffffff\n" /* where a 64-bit reading would find its gpfn: nothing there */
	/* populate_physmap { extent_start, nr_extents 1, order 0, mem_flags 0, DOMID_SELF } */
	"early32_pop: .long early32_pop_gfn, 1, 0, 0\n"
	"	.short 0x7ff0, 0\n"
	"early32_pop_gfn: .long 0x5000\n"
	/* add_to_physmap { DOMID_SELF, size 0, gmfn, idx (set at run time), MOVE_GFN } */
	"early32_move_atp: .short 0x7ff0, 0\n"
	"	.long 2, 0, 0x5001\n"
	".globl early32_calls, early32_calls_end\n"
	"early32_calls:\n"
	"	.long 12, 7, early32_atp, 0x5a5a\n"	 /* add_to_physmap */
	"	.long 12, 9, early32_map, 0x5a5a\n"	 /* memory_map */
	"	.long 12, 15, early32_rfp, 0x5a5a\n"	 /* remove_from_physmap */
	"	.long 12, 6, early32_pop, 0x5a5a\n"	 /* populate_physmap: 1 extent */
	"	.long 12, 7, early32_move_atp, 0x5a5a\n" /* add_to_physmap(gmfn) */
	"early32_calls_end:\n"
	".popsection\n");

__asm__(HVM_EARLY32("	movl $early32_page, %eax\n"
		    "	shrl $12, %eax\n"
		    "	movl %eax, early32_atp + 12\n"
		    "	movl %eax, early32_rfp + 4\n"
		    "	movl $early32_move, %eax\n"
		    "	shrl $12, %eax\n"
		    "	movl %eax, early32_move_atp + 8\n"));

static struct e820 map64[MAP_MAX];

static void check_32bit_rcs(void)
{
	static const char *const what[] = { "add_to_physmap(shared_info)", "memory_map",
					    "remove_from_physmap", "populate_physmap",
					    "add_to_physmap(gmfn)" };
	static const int32_t want[] = { 0, 0, 0, 1, 0 };
	unsigned int n = (unsigned int)(early32_calls_end - early32_calls);

	xtest_check(n == 5, "%u 32-bit calls", n);
	for (unsigned int i = 0; i < n && i < 5; i++)
		xtest_check(early32_calls[i].rc == want[i], "32-bit %s: %d, want %d", what[i],
			    early32_calls[i].rc, want[i]);
}

/*
 * The page populate_physmap put at NEW_GFN is RAM: it keeps what is written
 * (Xen 4.17 does not promise it zeroed: its boot scrub may not have reached it).
 */
static void check_populated(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(NEW_GFN << 12);

	if (early32_calls[3].rc != 1)
		return;
	p[0] = 0x1234567890abcdefUL;
	p[511] = 0x5a5a5a5a5a5a5a5aUL;
	xtest_check(p[0] == 0x1234567890abcdefUL && p[511] == 0x5a5a5a5a5a5a5a5aUL,
		    "new page does not keep a write");
}

static void check_maps_match(void)
{
	struct memory_map m = { .nr_entries = MAP_MAX, .buffer = map64 };
	long rc = hypercall(HC_memory_op, XENMEM_memory_map, (unsigned long)&m, 0, 0, 0);
	unsigned int n = early32_map[0];

	xtest_check(rc == 0, "64-bit memory_map: %ld", rc);
	printk("memory map: %u entries (32-bit), %u (64-bit)\n", n, m.nr_entries);
	xtest_check(n > 0 && n == m.nr_entries, "32-bit map has %u entries, 64-bit %u", n,
		    m.nr_entries);
	for (unsigned int i = 0; i < n && i < m.nr_entries && i < MAP_MAX; i++)
		xtest_check(early32_map_buf[i].addr == map64[i].addr &&
				early32_map_buf[i].size == map64[i].size &&
				early32_map_buf[i].type == map64[i].type,
			    "entry %u: 32-bit %#lx+%#lx type %u, 64-bit %#lx+%#lx type %u", i,
			    (unsigned long)early32_map_buf[i].addr,
			    (unsigned long)early32_map_buf[i].size, early32_map_buf[i].type,
			    (unsigned long)map64[i].addr, (unsigned long)map64[i].size,
			    map64[i].type);
}

static void check_removed(void)
{
	struct remove_from_physmap r = { .domid = DOMID_SELF,
					 .gpfn = (unsigned long)early32_page >> 12 };
	long rc = hypercall(HC_memory_op, XENMEM_remove_from_physmap, (unsigned long)&r, 0, 0, 0);

	xtest_check(rc == -ENOENT, "removing gfn %#lx again: %ld, want -ENOENT",
		    (unsigned long)r.gpfn, rc);
}

/* The page add_to_physmap(gmfn) moved: at MOVE_GFN with its contents, gone from its old GFN. */
static void check_moved(void)
{
	volatile uint32_t *to = (volatile uint32_t *)(MOVE_GFN << 12);
	volatile uint32_t *from = early32_move;

	if (early32_calls[4].rc != 0)
		return;
	printk("moved page: %#x at its new GFN, %#x at its old one\n", to[0], from[0]);
	xtest_check(to[0] == MOVE_WORD, "GFN %#lx reads %#x after the move, want %#x", MOVE_GFN,
		    to[0], MOVE_WORD);
	xtest_check(from[0] == ~0u, "old GFN %#lx reads %#x after the move, want all-ones",
		    (unsigned long)early32_move >> 12, from[0]);
}

void test_main(void)
{
	check_32bit_rcs();
	check_maps_match();
	check_removed();
	check_populated();
	check_moved();
}

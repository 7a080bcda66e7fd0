/*
 * 32-bit protected mode with paging, before the guest enters long mode: the
 * 32-bit code turns paging on in the 2-level paging modes and, with it on,
 * reads a page through an alias mapping (the first word, a magic number per
 * page) and makes two hypercalls whose buffers are reachable only through
 * that alias, so the hypervisor must walk the guest's own tables: console_io
 * writes a line read from it (`TEST_EXPECT`) and xen_version(XENVER_extraversion)
 * writes into it. The modes: 2-level tables with 4 KiB pages (CR4.PSE and PAE
 * clear; alias 0x400000: PDE 1 -> a page table) and 2-level with a 4 MiB page
 * (CR4.PSE; alias 8 MiB + the page: PDE 2 is a 4 MiB page at 0). Paging goes
 * off again before the entry code builds its long-mode tables; in long mode
 * the reads, return codes and extraversions are checked. Petrel SVM and VMX,
 * Xen 4.17. hvm-paging32-pae builds this file with P32_PAE for the PAE modes.
 */
#include "xtest.h"
#include "hvm.h"

#ifndef P32_PAE
TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT("paging32: 2-level, 4 KiB pages");
TEST_EXPECT("paging32: 2-level, a 4 MiB page");
#define FIRST_MODE 0
#else
#define FIRST_MODE 2
#endif
#define MODES 4

/* Per mode: the word read through the alias, console_io's and xen_version's results. */
struct p32_result {
	uint32_t word, console_rc, xenver_rc, pad;
};
struct p32_result p32_res[MODES] = { [0 ... MODES - 1] = { 0x5a5a5a5a, 0x5a5a5a5a, 0x5a5a5a5a,
							   0 } };
/* Reads of the PAE alias (1 GiB) before and after the CR3 switch. */
uint32_t p32_switch[2] = { 0x5a5a5a5a, 0x5a5a5a5a };

/*
 * The pages the aliases reach: a magic word at 0, the line's length at 4,
 * the line at 16, xen_version's output at 256.
 */
__asm__(".macro P32PAGE name, magic, line\n"
	"	.balign 4096\n"
	"\\name:	.long \\magic, 2f - 1f\n"
	"	.org \\name + 16\n"
	"1:	.ascii \"\\line\\n\"\n"
	"2:	.org \\name + 256\n"
	"	.fill 16, 1, 0xff\n"
	"	.org \\name + 4096\n"
	".endm\n"
	".pushsection .data.p32, \"aw\"\n"
	"P32PAGE p32_page0, 0x32a00000, \"paging32: 2-level, 4 KiB pages\"\n"
	"P32PAGE p32_page1, 0x32a00001, \"paging32: 2-level, a 4 MiB page\"\n"
	"P32PAGE p32_page2, 0x32a00002, \"paging32: PAE, 4 KiB pages\"\n"
	"P32PAGE p32_page3, 0x32a00003, \"paging32: PAE, a 2 MiB page\"\n"
	"P32PAGE p32_page_b, 0x32a000bb, \"unused\"\n"
	/* 2-level: the first 4 MiB identity-mapped by 4 KiB pages, PDE 1 the alias. */
	"	.balign 4096\n"
	"p32_pd_4k:	.long p32_pt_id + 3, p32_pt_alias + 3\n"
	"	.fill 1022, 4, 0\n"
	"p32_pt_id:\n"
	"	.set p32_i, 0\n"
	"	.rept 1024\n"
	"	.long (p32_i << 12) + 3\n"
	"	.set p32_i, p32_i + 1\n"
	"	.endr\n"
	"p32_pt_alias:	.long p32_page0 + 3\n"
	"	.fill 1023, 4, 0\n"
	/* 2-level with PSE: PDE 0 identity, PDE 2 the same 4 MiB again. */
	"p32_pd_pse:	.long 0x83, 0, 0x83\n"
	"	.fill 1021, 4, 0\n"
	/* PAE: PDPTE 0 -> the first 4 MiB in 2 MiB pages, PDPTE 1 the alias PD. */
	"p32_pd_id:	.quad p32_pt_id_pae + 3, 0x200083\n"
	"	.fill 510, 8, 0\n"
	"p32_pt_id_pae:\n"
	"	.set p32_i, 0\n"
	"	.rept 512\n"
	"	.quad (p32_i << 12) + 3\n"
	"	.set p32_i, p32_i + 1\n"
	"	.endr\n"
	"p32_pd_a:	.quad p32_pt_a + 3, 0\n" /* PDE 1 filled in by the code */
	"	.fill 510, 8, 0\n"
	"p32_pt_a:	.quad p32_page2 + 3\n"
	"	.fill 511, 8, 0\n"
	"p32_pd_b:	.quad p32_pt_b + 3\n"
	"	.fill 511, 8, 0\n"
	"p32_pt_b:	.quad p32_page_b + 3\n"
	"	.fill 511, 8, 0\n"
	"p32_pdpt_a:	.quad p32_pd_id + 1, p32_pd_a + 1, 0, 0\n"
	"p32_pdpt_b:	.quad p32_pd_id + 1, p32_pd_b + 1, 0, 0\n"
	".popsection\n");

/*
 * p32_run: eax = CR3, edx = the CR4 paging bits, esi = the alias, edi = the
 * result's address, ecx non-zero for the hypercalls. Paging on, the read
 * through the alias (and the two hypercalls), paging off.
 */
__asm__(".pushsection .text\n"
	".code32\n"
	"p32_run:\n"
	"	movl %eax, %cr3\n"
	"	movl %cr4, %eax\n"
	"	andl $~0x30, %eax\n"
	"	orl %edx, %eax\n"
	"	movl %eax, %cr4\n"
	"	movl %cr0, %eax\n"
	"	orl $0x80000000, %eax\n"
	"	movl %eax, %cr0\n"
	"	movl (%esi), %eax\n"
	"	movl %eax, 0(%edi)\n"
	"	testl %ecx, %ecx\n"
	"	jz 20f\n"
	"	movl $18, %eax\n" /* console_io(CONSOLEIO_write, length, line) */
	"	xorl %ebx, %ebx\n"
	"	movl 4(%esi), %ecx\n"
	"	leal 16(%esi), %edx\n"
	"	" HVM_HYPERCALL_INSN "movl %eax, 4(%edi)\n"
	"	movl $17, %eax\n" /* xen_version(XENVER_extraversion, buffer) */
	"	movl $1, %ebx\n"
	"	leal 256(%esi), %ecx\n"
	"	" HVM_HYPERCALL_INSN "movl %eax, 8(%edi)\n"
	"20:	movl %cr0, %eax\n"
	"	andl $0x7fffffff, %eax\n"
	"	movl %eax, %cr0\n"
	"	movl %cr4, %eax\n"
	"	andl $~0x30, %eax\n"
	"	movl %eax, %cr4\n"
	"	ret\n"
	".globl hvm_early32\n"
	"hvm_early32:\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
#ifndef P32_PAE
	"	movl $p32_pd_4k, %eax\n"
	"	xorl %edx, %edx\n"
	"	movl $0x400000, %esi\n"
	"	movl $p32_res, %edi\n"
	"	movl $1, %ecx\n"
	"	call p32_run\n"
	"	movl $p32_pd_pse, %eax\n"
	"	movl $0x10, %edx\n"
	"	movl $p32_page1 + 0x800000, %esi\n"
	"	movl $p32_res + 16, %edi\n"
	"	movl $1, %ecx\n"
	"	call p32_run\n"
#else
	/* First the CR3 switch: on Xen 4.17 its mov from CR0 ends the run at once. */
	"	movl $p32_pdpt_a, %eax\n"
	"	movl %eax, %cr3\n"
	"	movl %cr4, %eax\n"
	"	orl $0x20, %eax\n"
	"	movl %eax, %cr4\n"
	"	movl %cr0, %eax\n"
	"	orl $0x80000000, %eax\n"
	"	movl %eax, %cr0\n"
	"	movl 0x40000000, %eax\n"
	"	movl %eax, p32_switch\n"
	"	movl $p32_pdpt_b, %eax\n"
	"	movl %eax, %cr3\n"
	"	movl 0x40000000, %eax\n"
	"	movl %eax, p32_switch + 4\n"
	"	movl %cr0, %eax\n"
	"	andl $0x7fffffff, %eax\n"
	"	movl %eax, %cr0\n"
	"	movl $p32_pdpt_a, %eax\n"
	"	movl $0x20, %edx\n"
	"	movl $0x40000000, %esi\n"
	"	movl $p32_res + 32, %edi\n"
	"	movl $1, %ecx\n"
	"	call p32_run\n"
	/* PDE 1 of p32_pd_a: the 2 MiB page holding p32_page3. */
	"	movl $p32_page3, %eax\n"
	"	movl %eax, %esi\n"
	"	andl $~0x1fffff, %eax\n"
	"	orl $0x83, %eax\n"
	"	movl %eax, p32_pd_a + 8\n"
	"	andl $0x1fffff, %esi\n"
	"	addl $0x40200000, %esi\n"
	"	movl $p32_pdpt_a, %eax\n"
	"	movl $0x20, %edx\n"
	"	movl $p32_res + 48, %edi\n"
	"	movl $1, %ecx\n"
	"	call p32_run\n"
#endif
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	ret\n"
	".code64\n"
	".popsection\n");

extern uint8_t p32_page0[], p32_page1[], p32_page2[], p32_page3[];
extern uint64_t p32_pdpt_a[4], p32_pdpt_b[4];

static const char *const mode_name[MODES] = { "2-level 4K", "2-level PSE", "PAE 4K", "PAE 2M" };

void test_main(void)
{
	uint8_t *const page[MODES] = { p32_page0, p32_page1, p32_page2, p32_page3 };
	char extra[16] = { 0 };
	long rc = hypercall_hvm(17, 1, (unsigned long)extra, 0, 0, 0);

	xtest_check(rc == 0, "xen_version(extraversion) from long mode: %ld", rc);
	for (int m = FIRST_MODE; m < FIRST_MODE + 2; m++) {
		struct p32_result *r = &p32_res[m];

		printk("%s: read %#x, console_io %d, xen_version %d, extraversion \"%s\"\n",
		       mode_name[m], r->word, (int)r->console_rc, (int)r->xenver_rc,
		       (const char *)page[m] + 256);
		xtest_check(r->word == 0x32a00000u + m, "%s: read %#x through the alias",
			    mode_name[m], r->word);
		xtest_check(r->console_rc == 0, "%s: console_io %d", mode_name[m],
			    (int)r->console_rc);
		xtest_check(r->xenver_rc == 0, "%s: xen_version %d", mode_name[m],
			    (int)r->xenver_rc);
		xtest_check(memcmp(page[m] + 256, extra, sizeof(extra)) == 0,
			    "%s: the extraversion written through the alias differs", mode_name[m]);
	}
#ifdef P32_PAE
	printk("PAE CR3 switch: %#x then %#x\n", p32_switch[0], p32_switch[1]);
	/* Written with only P set; under QEMU's TCG they come back with bit 5 set too. */
	printk("PDPTEs: a %#lx %#lx, b %#lx %#lx\n", (unsigned long)p32_pdpt_a[0],
	       (unsigned long)p32_pdpt_a[1], (unsigned long)p32_pdpt_b[0],
	       (unsigned long)p32_pdpt_b[1]);
	xtest_check(p32_switch[0] == 0x32a00002u, "PAE alias before the CR3 switch: %#x",
		    p32_switch[0]);
	xtest_check(p32_switch[1] == 0x32a000bbu, "PAE alias after the CR3 switch: %#x",
		    p32_switch[1]);
#endif
}

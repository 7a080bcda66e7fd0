/*
 * start_info as Xen's dom0 builder fills it: magic, page count, flags of
 * the initial domain, shared_info machine address, the read-only page
 * tables and the p2m list inside the initial mapping, and the command line
 * the runner passed (the builder may append its own options after it).
 */
#include "xtest.h"

TEST_ARGS("xtest-arg=petrel-42 second-word");

#define VIRT_BASE 0xffffffff80000000UL
#define WANT_ARGS "xtest-arg=petrel-42 second-word"

static unsigned long region_end;

static bool in_region(unsigned long va, unsigned long len)
{
	return va >= VIRT_BASE && va < region_end && len <= region_end - va;
}

static void read_all(void *arg)
{
	const volatile unsigned long *p = arg;
	unsigned long i, n = xtest_start_info->nr_pages, sum = 0;

	for (i = 0; i < n; i++)
		sum += p[i];
	(void)sum;
}

static void check_p2m(const struct start_info *si)
{
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	struct xtest_fault f;
	unsigned long i, j, n;

	xtest_check(in_region(si->mfn_list, si->nr_pages * 8),
		    "mfn_list %#lx (%lu entries) is not inside the initial mapping", si->mfn_list,
		    si->nr_pages);
	if (xtest_catch(read_all, (void *)p2m, &f)) {
		xtest_fail("reading mfn_list faulted: %s at rip %#lx", xtest_exc_name(f.vector),
			   f.rip);
		return;
	}
	n = si->nr_pages < 256 ? si->nr_pages : 256;
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (p2m[i] == p2m[j]) {
				xtest_fail("p2m[%lu] == p2m[%lu] == %#lx", i, j, p2m[i]);
				return;
			}
		}
	}
	printk("mfn_list %#lx: p2m[0] %#lx p2m[1] %#lx\n", si->mfn_list, p2m[0], p2m[1]);
}

static void check_page_tables(const struct start_info *si)
{
	const unsigned long *l4 = (const unsigned long *)si->pt_base;

	xtest_check(!(si->pt_base & 0xfff), "pt_base %#lx is not page aligned", si->pt_base);
	xtest_check(in_region(si->pt_base, 4096), "pt_base %#lx is outside the initial mapping",
		    si->pt_base);
	xtest_check(si->nr_pt_frames >= 4, "nr_pt_frames %lu: fewer than L4+L3+L2+L1",
		    si->nr_pt_frames);
	if (!in_region(si->pt_base, 4096))
		return;
	/* Our own address is in L4 slot 511: that entry must be present. */
	xtest_check(l4[511] & PTE_P, "L4[511] %#lx is not present", l4[511]);
	printk("pt_base %#lx (%lu frames), L4[511] %#lx\n", si->pt_base, si->nr_pt_frames, l4[511]);
}

void test_main(void)
{
	const struct start_info *si = xtest_start_info;
	extern char _image_end[];
	size_t len;

	printk("start_info at %p: magic \"%.32s\" nr_pages %lu flags %#x\n", si, si->magic,
	       si->nr_pages, si->flags);
	xtest_check(!((unsigned long)si & 0xfff), "start_info %p is not page aligned", si);
	xtest_check(!memcmp(si->magic, "xen-3.0-x86_64", 15), "magic is not \"xen-3.0-x86_64\"");
	xtest_check(si->nr_pages > 0, "nr_pages is 0");
	region_end = VIRT_BASE + si->nr_pages * 4096;
	xtest_check((si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)) ==
			(SIF_INITDOMAIN | SIF_PRIVILEGED),
		    "flags %#x lack SIF_INITDOMAIN|SIF_PRIVILEGED", si->flags);
	xtest_check(si->shared_info != 0 && !(si->shared_info & 0xfff),
		    "shared_info machine address %#lx", si->shared_info);
	xtest_check(in_region((unsigned long)si, sizeof(*si)), "start_info outside the mapping");
	xtest_check((unsigned long)_image_end <= region_end,
		    "the image (to %p) does not fit in nr_pages", _image_end);
	xtest_check(si->store_mfn == 0 && si->store_evtchn == 0,
		    "dom0 has no xenstore yet: store_mfn %#lx store_evtchn %u", si->store_mfn,
		    si->store_evtchn);
	xtest_check(si->mod_start == 0 && si->mod_len == 0, "no initrd given, but mod %#lx+%#lx",
		    si->mod_start, si->mod_len);
	check_page_tables(si);
	check_p2m(si);

	len = strnlen(si->cmd_line, sizeof(si->cmd_line));
	xtest_check(len < sizeof(si->cmd_line), "cmd_line is not NUL-terminated");
	printk("cmd_line \"%s\"\n", len < sizeof(si->cmd_line) ? si->cmd_line : "");
	xtest_check(len < sizeof(si->cmd_line) &&
			!strncmp(si->cmd_line, WANT_ARGS, strlen(WANT_ARGS)),
		    "cmd_line does not start with \"%s\"", WANT_ARGS);
}

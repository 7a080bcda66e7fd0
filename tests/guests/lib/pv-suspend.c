/* The cooperative suspend of a PV domU (pv-suspend.h). */
#include "pv-suspend.h"
#include "console-ring.h"
#include "xs-client.h"

#define VIRT_BASE 0xffffffff80000000UL

static unsigned long p2m_list[512] __attribute__((aligned(4096)));
static unsigned long p2m_list_list[512] __attribute__((aligned(4096)));

static const unsigned long *p2m(void)
{
	return (const unsigned long *)xtest_start_info->mfn_list;
}

unsigned long pv_va_to_mfn(const void *va)
{
	return p2m()[((unsigned long)va - VIRT_BASE) >> 12];
}

/* A PFN from an MFN, by a search of the p2m; ~0 if not ours. */
static unsigned long mfn_to_pfn(unsigned long mfn)
{
	for (unsigned long pfn = 0; pfn < xtest_start_info->nr_pages; pfn++)
		if (p2m()[pfn] == mfn)
			return pfn;
	return ~0UL;
}

bool pv_p2m_publish(void)
{
	struct shared_info *s = xtest_shared_info();
	unsigned long frames = (xtest_start_info->nr_pages + 511) / 512;

	if (!s || frames > 512)
		return false;
	memset(p2m_list, 0, sizeof(p2m_list));
	for (unsigned long f = 0; f < frames; f++)
		p2m_list[f] = pv_va_to_mfn((const char *)p2m() + f * 4096);
	memset(p2m_list_list, 0, sizeof(p2m_list_list));
	p2m_list_list[0] = pv_va_to_mfn(p2m_list);
	s->max_pfn = xtest_start_info->nr_pages;
	s->pfn_to_mfn_frame_list_list = pv_va_to_mfn(p2m_list_list);
	return true;
}

/* What a PV kernel does before the suspend call. */
static void suspend_prepare(void)
{
	struct start_info *si = xtest_start_info;

	si->store_mfn = mfn_to_pfn(si->store_mfn);
	si->console.domU.mfn = mfn_to_pfn(si->console.domU.mfn);
	xtest_shared_info_forget();
}

/* A cancelled suspend leaves start_info as the guest left it. */
static void suspend_undo(void)
{
	struct start_info *si = xtest_start_info;

	if (si->store_mfn < si->nr_pages)
		si->store_mfn = p2m()[si->store_mfn];
	if (si->console.domU.mfn < si->nr_pages)
		si->console.domU.mfn = p2m()[si->console.domU.mfn];
}

/* And after it: every connection again from start_info. */
static void resume_connect(const char *who)
{
	console_ring_init(xtest_start_info);
	if (!pv_p2m_publish())
		printk("%s: FAIL cannot map shared_info after the suspend\n", who);
	if (!xs_connect(xtest_start_info))
		printk("%s: FAIL no xenstore ring after the suspend\n", who);
}

long pv_suspend(const char *who)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_suspend };
	unsigned long si_mfn = pv_va_to_mfn(xtest_start_info);
	long rc;

	suspend_prepare();
	rc = hypercall(HC_sched_op, SCHEDOP_shutdown, (unsigned long)&s, si_mfn, 0, 0);
	if (rc)
		suspend_undo();
	resume_connect(who);
	return rc;
}

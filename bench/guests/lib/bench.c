/* Timing rounds and page-table helpers of the benchmark guests. */
#include "bench.h"

static void sort(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void bench_run(const char *name, unsigned long iters, bench_fn fn, void *arg)
{
	uint64_t per_op[BENCH_ROUNDS], t0;

	if (!fn(iters < 16 ? iters : 16, arg))
		goto out_fail;
	for (unsigned int r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_tsc();
		if (!fn(iters, arg))
			goto out_fail;
		per_op[r] = (bench_tsc() - t0) / iters;
	}
	sort(per_op, BENCH_ROUNDS);
	printk("BENCH %s min=%lu median=%lu iters=%lu rounds=%u\n", name, (unsigned long)per_op[0],
	       (unsigned long)per_op[BENCH_ROUNDS / 2], iters, BENCH_ROUNDS);
	return;
out_fail:
	xtest_fail("%s: the operation failed, no figure", name);
}

uint64_t *bench_va_of_mfn(unsigned long mfn)
{
	const unsigned long *m2p = (const unsigned long *)M2P_START;

	return (uint64_t *)(VIRT_BASE + (m2p[mfn] << 12));
}

unsigned long bench_l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

uint64_t bench_l1e_maddr(const void *va)
{
	unsigned long v = (unsigned long)va, mfn = bench_l4_mfn();

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (bench_va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

volatile uint64_t *bench_l1e(const void *va)
{
	uint64_t ma = bench_l1e_maddr(va);

	return &bench_va_of_mfn(ma >> 12)[(ma & 4095) / 8];
}

unsigned long bench_mfn_of(const void *va)
{
	return (*bench_l1e(va) & ADDR_MASK) >> 12;
}

long bench_mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { cmd, arg1, 0 };

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

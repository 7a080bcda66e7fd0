/*
 * The timing rounds of the benchmark guests (bench.c), apart from the
 * page-table helpers of bench.h so that guests using the domain builder
 * (builder.h, which has its own MMU definitions) can include it alone.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include "xtest.h"

#define BENCH_ROUNDS 11

/*
 * One benchmark body: do the operation @iters times; false (after
 * recording why with xtest_fail) if it failed.
 */
typedef bool (*bench_fn)(unsigned long iters, void *arg);

/* Warm up once, then time BENCH_ROUNDS rounds of @iters operations and print the line. */
void bench_run(const char *name, unsigned long iters, bench_fn fn, void *arg);

static inline uint64_t bench_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif

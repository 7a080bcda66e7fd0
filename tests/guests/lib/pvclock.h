/*
 * System time (ns since boot) as a PV guest reads it: the vCPU's
 * vcpu_time_info in shared_info scaled from the TSC, retried while the
 * hypervisor updates it (odd or changed version).
 */
#ifndef GUEST_PVCLOCK_H
#define GUEST_PVCLOCK_H

#include "xtest.h"

static inline uint64_t pvclock_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Now, from the time record @t (a vCPU's, wherever its vcpu_info lies). */
static inline uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
	uint32_t ver;
	uint64_t ns;

	do {
		ver = t->version;
		__asm__ volatile("" ::: "memory");
		uint64_t d = pvclock_rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;

		d = shift < 0 ? d >> -shift : d << shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}

/* Now, from vCPU @vcpu's time record in shared_info. */
static inline uint64_t pvclock_now(unsigned int vcpu)
{
	return pvclock_read(&xtest_shared_info()->vcpu_info[vcpu].time);
}

#endif

/*
 * A PV domU's side of xl save, restore and live migration: its p2m published
 * for the toolstack, and the cooperative suspend (SCHEDOP_shutdown with
 * SHUTDOWN_suspend) with the reconnection after it.
 */
#ifndef GUEST_PV_SUSPEND_H
#define GUEST_PV_SUSPEND_H

#include "xtest.h"

/* The MFN behind @va, a VA of the boot mapping (VIRT_BASE + PFN pages). */
unsigned long pv_va_to_mfn(const void *va);

/*
 * The p2m as the save side reads it (shared_info's max_pfn and frame-list
 * tree); false without shared_info or with more than 512 p2m frames.
 */
bool pv_p2m_publish(void);

/*
 * Suspend for the toolstack: start_info's store and console frames as PFNs,
 * shared_info forgotten, then the call, which returns 0 in the restored
 * domain and 1 if the suspend was cancelled. Either way the console, the
 * p2m and the xenstore ring are connected again from start_info (a failure
 * is printed with @who); the call's result is returned.
 */
long pv_suspend(const char *who);

#endif

/* HVM parameter rules (hvm/params.c), shared by HVMOP_{set,get}_param. */
#ifndef PETREL_HVM_PARAMS_H
#define PETREL_HVM_PARAMS_H

#include "types.h"

/* Set in a stored VM86_TSS_SIZED once it was given (never read back). */
#define HVM_VM86_TSS_UPDATED (1UL << 63)

/* May the caller read parameter @index (@self: of its own domain)? 0 or -errno. */
int hvm_param_may_get(u32 index, bool self);
/* May it set @index to @value, given the current @params? 0 or -errno. */
int hvm_param_may_set(const u64 *params, u32 index, u64 value, bool self);
/* Validate @value and turn it into the stored form (may change @index). */
int hvm_param_store_value(u32 *index, u64 *value, bool *crash_self);
/* What HVMOP_get_param returns for @index. */
u64 hvm_param_read(const u64 *params, u32 index);
/* The vector of a CALLBACK_IRQ value of the vector type, else -1. */
int hvm_callback_vector(u64 via);

/* ACPI_IOPORTS_LOCATION from @old to @value on a domain with the PM timer: 0 or -EINVAL. */
int hvm_param_pm_location(u64 old, u64 value);

#endif

/* set_trap_table: the guest's virtual IDT. */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "public/xen.h"

long do_set_trap_table(unsigned long traps)
{
	struct trap_info ti;
	struct vcpu *v = current;

	if (!traps) {
		memset(v->traps, 0, sizeof(v->traps));
		return 0;
	}
	/* At most one entry per vector plus the terminator. */
	for (unsigned int i = 0; i <= 256; i++, traps += sizeof(ti)) {
		if (copy_from_guest(&ti, traps, sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			return 0;
		v->traps[ti.vector].cs = ti.cs;
		v->traps[ti.vector].flags = ti.flags;
		v->traps[ti.vector].address = ti.address;
	}
	return -EINVAL;
}

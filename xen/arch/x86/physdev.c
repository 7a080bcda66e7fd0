/*
 * physdev_op: for now the virtual IOPL (PHYSDEVOP_set_iopl), which decides
 * whether a PV guest kernel may use the I/O ports it was granted.
 */
#include "types.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "public/physdev.h"

long do_physdev_op(unsigned long cmd, unsigned long arg)
{
	struct physdev_set_iopl s;

	switch (cmd) {
	case PHYSDEVOP_set_iopl:
		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.iopl > 3)
			return -EINVAL;
		current->iopl = s.iopl;
		return 0;
	default:
		return -ENOSYS;
	}
}

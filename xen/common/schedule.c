/* sched_op: yield and shutdown (blocking and polling come with events). */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "domain.h"
#include "uaccess.h"
#include "public/sched.h"

static long sched_shutdown(unsigned long arg, bool code_only)
{
	struct sched_shutdown s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.reason > SHUTDOWN_MAX)
		return -EINVAL;
	if (code_only) {
		current->domain->shutdown_code = (u8)s.reason;
		return 0;
	}
	domain_shutdown(current->domain, s.reason);
}

long do_sched_op(unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_shutdown:
		return sched_shutdown(arg, false);
	case SCHEDOP_shutdown_code:
		return sched_shutdown(arg, true);
	default:
		return -ENOSYS;
	}
}

/*
 * multicall: run a batch of hypercalls, writing each one's result back into
 * its entry. A multicall inside a multicall is refused for that entry.
 */
#include "types.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "hypercall.h"
#include "public/xen.h"

long do_multicall(unsigned long list, unsigned long nr_calls)
{
	struct multicall_entry e;

	for (unsigned long i = 0; i < nr_calls; i++, list += sizeof(e)) {
		if (i && hypercall_preempt_check()) {
			const unsigned long args[2] = { list, nr_calls - i };

			return hypercall_create_continuation(__HYPERVISOR_multicall, 2, args);
		}
		if (copy_from_guest(&e, list, sizeof(e)))
			return -EFAULT;
		if (e.op == __HYPERVISOR_multicall) {
			e.result = (xen_ulong_t)-EINVAL;
		} else {
			multicall_enter();
			e.result = (xen_ulong_t)hypercall_dispatch(e.op, (const unsigned long *)e.args);
			multicall_exit();
		}
		if (copy_to_guest(list + offsetof(struct multicall_entry, result), &e.result,
				  sizeof(e.result)))
			return -EFAULT;
		if (current->domain->is_shutting_down)
			break;
	}
	return 0;
}

/*
 * Petrel public ABI: HYPERVISOR_nmi_op(cmd, arg) and the NMI reason bits in
 * arch_shared_info.nmi_reason (Xen 4.17 numbers and layouts).
 */
#ifndef __XEN_PUBLIC_NMI_H__
#define __XEN_PUBLIC_NMI_H__

#include "xen.h"

#define _XEN_NMIREASON_io_error 0 /* I/O check error */
#define XEN_NMIREASON_io_error (1UL << _XEN_NMIREASON_io_error)
#define _XEN_NMIREASON_pci_serr 1 /* PCI SERR */
#define XEN_NMIREASON_pci_serr (1UL << _XEN_NMIREASON_pci_serr)
#define _XEN_NMIREASON_unknown 2 /* nothing else explains it */
#define XEN_NMIREASON_unknown (1UL << _XEN_NMIREASON_unknown)

/* Register an NMI handler (dom0 only). */
#define XENNMI_register_callback 0
struct xennmi_callback {
	unsigned long handler_address;
	unsigned long pad;
};
typedef struct xennmi_callback xennmi_callback_t;
DEFINE_XEN_GUEST_HANDLE(xennmi_callback_t);

#define XENNMI_unregister_callback 1

PETREL_ASSERT_SIZE(struct xennmi_callback, 16, xennmi_callback);

#endif /* __XEN_PUBLIC_NMI_H__ */

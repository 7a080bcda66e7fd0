/*
 * Petrel public ABI: split-driver connection states (Xen 4.17 numbers).
 * Each end of a frontend/backend pair publishes its state as a decimal
 * number in its xenstore "state" node.
 */
#ifndef _XEN_PUBLIC_IO_XENBUS_H
#define _XEN_PUBLIC_IO_XENBUS_H

enum xenbus_state {
	XenbusStateUnknown = 0,
	XenbusStateInitialising = 1,
	XenbusStateInitWait = 2,    /* early set-up done, waiting for peer or hotplug data */
	XenbusStateInitialised = 3, /* waiting for the peer to connect */
	XenbusStateConnected = 4,
	XenbusStateClosing = 5, /* going away (error or unplug) */
	XenbusStateClosed = 6,
	XenbusStateReconfiguring = 7,
	XenbusStateReconfigured = 8
};
typedef enum xenbus_state XenbusState;

#endif /* _XEN_PUBLIC_IO_XENBUS_H */

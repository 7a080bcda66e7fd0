/*
 * Descriptor checks for PV guests (see pv_desc.h). Kept free of hypervisor
 * state so the host unit tests can run them.
 */
#include "types.h"
#include "pv_desc.h"

#define SEG_P (1UL << 47)
#define SEG_S (1UL << 44) /* code/data rather than system */
#define SEG_DPL_SHIFT 45
#define SEG_DPL_MASK (3UL << SEG_DPL_SHIFT)
#define SEG_TYPE_SHIFT 40
#define SEG_TYPE_MASK (0xfUL << SEG_TYPE_SHIFT)
#define SYS_TYPE_CALL_GATE 0xc
#define FIRST_RESERVED_SEL 0xe000
#define RING3_CS32 0xe023
#define RING3_CS64 0xe033

bool guest_gate_selector_okay(u16 sel)
{
	unsigned int idx = sel >> 3;

	/* A guest's own GDT/LDT entry (the descriptor there is checked on its own)... */
	if (idx < MAX_GUEST_GDT_ENTRIES && idx != 0)
		return true;
	/* ...or one of the flat code segments the hypervisor provides. */
	return (sel | 3) == RING3_CS32 || (sel | 3) == RING3_CS64;
}

bool check_descriptor(u64 *desc)
{
	u64 d = *desc;
	unsigned int type;

	if (!(d & SEG_P))
		return true; /* a not-present descriptor always faults: harmless */
	if (d & SEG_S) {
		/* Code and data: the guest kernel runs in ring 3, so DPL becomes 3. */
		*desc = d | SEG_DPL_MASK;
		return true;
	}
	type = (unsigned int)((d & SEG_TYPE_MASK) >> SEG_TYPE_SHIFT);
	if (type == 0)
		return true; /* the upper half of a 16-byte gate */
	if (type != SYS_TYPE_CALL_GATE)
		return false; /* TSS, LDT, interrupt/trap gates: never the guest's */
	if (!guest_gate_selector_okay((u16)(d >> 16)))
		return false;
	/* DPL 0: using the gate faults with its selector, for emulation. */
	*desc = d & ~SEG_DPL_MASK;
	return true;
}

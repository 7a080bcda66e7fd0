/*
 * The IO-APIC (see vplatform.h): 48 redirection entries reached through
 * IOREGSEL/IOWIN, edge pins sending on a rising edge, level pins sending
 * while high and held by remote IRR until the local APIC's EOI.
 */
#include "types.h"
#include "vplatform.h"

#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REG_RTE0 0x10
#define OFF_SELECT 0x00
#define OFF_WINDOW 0x10

/* The bits a guest may write in an entry: delivery status and remote IRR are read-only. */
#define RTE_WRITABLE (~(RTE_DELIVS | RTE_REMOTE_IRR))

void vioapic_reset(struct vioapic *a)
{
	*a = (struct vioapic){ 0 };
	for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
		a->rte[i] = RTE_MASKED;
}

static void make_msg(u64 rte, struct vioapic_msg *m)
{
	m->vector = RTE_VECTOR(rte);
	m->mode = RTE_MODE(rte);
	m->dest = RTE_DEST(rte);
	m->logical = rte & RTE_LOGICAL;
	m->level = rte & RTE_LEVEL;
}

/* Send for @pin if its line and entry allow it now. */
static bool try_send(struct vioapic *a, unsigned int pin, struct vioapic_msg *m)
{
	u64 *rte = &a->rte[pin];

	if ((*rte & RTE_MASKED) || !(a->lines & (1UL << pin)))
		return false;
	if (*rte & RTE_LEVEL) {
		if (*rte & RTE_REMOTE_IRR)
			return false;
		*rte |= RTE_REMOTE_IRR;
	}
	make_msg(*rte, m);
	return true;
}

bool vioapic_set_irq(struct vioapic *a, unsigned int pin, bool level, struct vioapic_msg *m)
{
	bool was = pin < VIOAPIC_PINS && (a->lines & (1UL << pin));

	if (pin >= VIOAPIC_PINS)
		return false;
	if (!level) {
		a->lines &= ~(1UL << pin);
		return false;
	}
	a->lines |= 1UL << pin;
	/* An edge pin sends on the rising edge only; a level pin whenever remote IRR is clear. */
	if (!(a->rte[pin] & RTE_LEVEL) && was)
		return false;
	return try_send(a, pin, m);
}

bool vioapic_eoi(struct vioapic *a, unsigned int vector, struct vioapic_msg *m, unsigned int *pin)
{
	bool sent = false;

	for (unsigned int i = 0; i < VIOAPIC_PINS; i++) {
		u64 *rte = &a->rte[i];

		if (!(*rte & RTE_LEVEL) || RTE_VECTOR(*rte) != vector || !(*rte & RTE_REMOTE_IRR))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		if (!sent && try_send(a, i, m)) {
			*pin = i;
			sent = true;
		}
	}
	return sent;
}

static u32 reg_read(const struct vioapic *a, u32 reg)
{
	unsigned int pin = (reg - REG_RTE0) / 2;

	switch (reg) {
	case REG_ID:
	case REG_ARB:
		return a->id << 24;
	case REG_VERSION:
		return ((VIOAPIC_PINS - 1u) << 16) | VIOAPIC_VERSION;
	}
	if (reg < REG_RTE0 || pin >= VIOAPIC_PINS)
		return 0xffffffffu;
	return (reg & 1) ? (u32)(a->rte[pin] >> 32) : (u32)a->rte[pin];
}

u32 vioapic_read(struct vioapic *a, unsigned int off)
{
	if (off == OFF_SELECT)
		return a->ioregsel;
	if (off == OFF_WINDOW)
		return reg_read(a, a->ioregsel);
	return 0xffffffffu;
}

static bool rte_write(struct vioapic *a, u32 reg, u32 val, struct vioapic_msg *m, unsigned int *pin)
{
	unsigned int i = (reg - REG_RTE0) / 2;
	u64 old, next;

	if (reg < REG_RTE0 || i >= VIOAPIC_PINS)
		return false;
	old = a->rte[i];
	if (reg & 1)
		next = (old & 0xffffffffUL) | ((u64)val << 32);
	else
		next = (old & ~0xffffffffUL) | val;
	next = (next & RTE_WRITABLE) | (old & ~RTE_WRITABLE);
	if (!(next & RTE_LEVEL))
		next &= ~RTE_REMOTE_IRR; /* an edge pin holds no remote IRR */
	a->rte[i] = next;
	*pin = i;
	/* Unmasking a level pin that is high sends it; edges were lost while masked. */
	return (next & RTE_LEVEL) && !(next & RTE_MASKED) && try_send(a, i, m);
}

bool vioapic_write(struct vioapic *a, unsigned int off, u32 val, struct vioapic_msg *m,
		   unsigned int *pin)
{
	if (off == OFF_SELECT) {
		a->ioregsel = val & 0xff;
		return false;
	}
	if (off != OFF_WINDOW)
		return false;
	if (a->ioregsel == REG_ID) {
		a->id = (val >> 24) & 0xf;
		return false;
	}
	return rte_write(a, a->ioregsel, val, m, pin);
}

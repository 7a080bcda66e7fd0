/*
 * The 8259A pair (see vplatform.h): interrupt request, in-service and mask
 * registers, edge or level pins per the ELCR, fully nested priorities with
 * rotation, auto-EOI, special mask, poll, and the slave on master pin 2.
 */
#include "types.h"
#include "vplatform.h"

#define MASTER 0
#define SLAVE 1
#define CASCADE_PIN 2

/* Pins whose trigger mode the ELCR may change: not 0-2 on the master, not 8 or 13. */
static const u8 elcr_writable[2] = { 0xf8, 0xde };

/* Priority rank of the highest-priority pin in @mask (0 = highest), 8 if none. */
static unsigned int rank(const struct vpic_chip *c, u8 mask)
{
	for (unsigned int r = 0; r < 8; r++)
		if (mask & (1u << ((c->lowest + 1 + r) & 7)))
			return r;
	return 8;
}

static unsigned int pin_of_rank(const struct vpic_chip *c, unsigned int r)
{
	return (c->lowest + 1 + r) & 7;
}

/* The pin this chip asks the CPU (or the master) for, -1 if none beats the ones in service. */
static int chip_request(const struct vpic_chip *c)
{
	u8 in_service = c->isr;
	unsigned int req = rank(c, c->irr & ~c->imr);

	if (req == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	return req < rank(c, in_service) ? (int)pin_of_rank(c, req) : -1;
}

/* The slave's output is a level on master pin 2. */
static void update_cascade(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[MASTER];

	if (chip_request(&p->chip[SLAVE]) >= 0)
		m->irr |= 1u << CASCADE_PIN;
	else
		m->irr &= ~(1u << CASCADE_PIN);
}

static void chip_reset(struct vpic_chip *c)
{
	u8 elcr = c->elcr, lines = c->lines;

	*c = (struct vpic_chip){ .elcr = elcr, .lines = lines, .lowest = 7 };
	c->irr = lines & elcr; /* level pins still high stay requested */
}

void vpic_reset(struct vpic *p)
{
	for (unsigned int i = 0; i < 2; i++) {
		p->chip[i] = (struct vpic_chip){ 0 };
		chip_reset(&p->chip[i]);
	}
	p->chip[MASTER].base = 0x08;
	p->chip[SLAVE].base = 0x70;
}

void vpic_set_irq(struct vpic *p, unsigned int irq, bool level)
{
	struct vpic_chip *c;
	u8 bit;

	if (irq > 15 || irq == CASCADE_PIN)
		return;
	c = &p->chip[irq >> 3];
	bit = (u8)(1u << (irq & 7));
	/*
	 * A level pin requests while high; an edge pin latches a rising edge.
	 * Either forgets the request when the line drops before the CPU's INTA
	 * (an 8259 needs the input held until then; Xen's vPIC does the same).
	 */
	if (!level)
		c->irr &= ~bit;
	else if ((c->elcr & bit) || !(c->lines & bit))
		c->irr |= bit;
	c->lines = level ? c->lines | bit : c->lines & ~bit;
	update_cascade(p);
}

int vpic_pending(const struct vpic *p)
{
	int pin = chip_request(&p->chip[MASTER]);
	int spin;

	if (pin < 0)
		return -1;
	if (pin != CASCADE_PIN)
		return p->chip[MASTER].base + pin;
	spin = chip_request(&p->chip[SLAVE]);
	return p->chip[SLAVE].base + (spin < 0 ? 7 : spin);
}

/* INTA on one chip for @pin: IRR to ISR (or auto-EOI). */
static void chip_ack(struct vpic_chip *c, unsigned int pin)
{
	u8 bit = (u8)(1u << pin);

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->lowest = (u8)pin;
}

unsigned int vpic_ack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int pin = chip_request(m);
	int spin;

	if (pin < 0)
		return m->base + 7u; /* spurious IRQ 7 */
	chip_ack(m, (unsigned int)pin);
	if (pin != CASCADE_PIN)
		return m->base + (unsigned int)pin;
	spin = chip_request(s);
	if (spin < 0) {
		update_cascade(p);
		return s->base + 7u; /* spurious IRQ 15 */
	}
	chip_ack(s, (unsigned int)spin);
	update_cascade(p);
	return s->base + (unsigned int)spin;
}

/* OCW2: end of interrupt and priority rotation. */
static void ocw2(struct vpic_chip *c, u8 val)
{
	unsigned int cmd = val >> 5, pin = val & 7;
	unsigned int r = rank(c, c->isr);

	switch (cmd) {
	case 0: /* rotate in auto-EOI mode: clear */
	case 4: /* set */
		c->rotate_aeoi = cmd == 4;
		return;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		if (r == 8)
			return;
		pin = pin_of_rank(c, r);
		c->isr &= ~(1u << pin);
		if (cmd == 5)
			c->lowest = (u8)pin;
		return;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << pin);
		if (cmd == 7)
			c->lowest = (u8)pin;
		return;
	case 6: /* set priority */
		c->lowest = (u8)pin;
		return;
	}
}

static void command_write(struct vpic_chip *c, u8 val)
{
	if (val & 0x10) { /* ICW1 */
		chip_reset(c);
		c->init_step = 1;
		c->need_icw4 = val & 1;
		c->single = val & 2;
		return;
	}
	if (val & 0x08) { /* OCW3 */
		c->poll = val & 4;
		if (val & 2)
			c->read_isr = val & 1;
		if (val & 0x40)
			c->special_mask = val & 0x20;
		return;
	}
	ocw2(c, val);
}

static void data_write(struct vpic_chip *c, u8 val)
{
	switch (c->init_step) {
	case 0:
		c->imr = val; /* OCW1 */
		return;
	case 1:
		c->base = val & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
		return;
	case 2: /* ICW3: the cascade wiring is fixed */
		c->init_step = c->need_icw4 ? 3 : 0;
		return;
	default:
		c->auto_eoi = val & 2;
		c->init_step = 0;
		return;
	}
}

/* A poll command: acknowledge on this chip alone, 0x80 | pin, or 0. */
static u8 poll_read(struct vpic *p, unsigned int i)
{
	struct vpic_chip *c = &p->chip[i];
	int pin = chip_request(c);

	c->poll = false;
	if (pin < 0)
		return 0;
	chip_ack(c, (unsigned int)pin);
	update_cascade(p);
	return (u8)(0x80 | pin);
}

u8 vpic_read(struct vpic *p, u16 port)
{
	unsigned int i = (port >> 7) & 1;
	struct vpic_chip *c = &p->chip[i];

	if (port == 0x4d0 || port == 0x4d1)
		return p->chip[port & 1].elcr;
	if (c->poll)
		return poll_read(p, i);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void vpic_write(struct vpic *p, u16 port, u8 val)
{
	unsigned int i = (port >> 7) & 1;

	if (port == 0x4d0 || port == 0x4d1) {
		struct vpic_chip *c = &p->chip[port & 1];

		c->elcr = val & elcr_writable[port & 1];
		/* Level pins request while high; edge pins keep what they latched. */
		c->irr = (u8)((c->irr & ~c->elcr) | (c->lines & c->elcr));
	} else if (port & 1) {
		data_write(&p->chip[i], val);
	} else {
		command_write(&p->chip[i], val);
	}
	update_cascade(p);
}

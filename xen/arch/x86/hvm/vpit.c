/*
 * The 8254 PIT (see vplatform.h) on the guest's time: a counter is not
 * stepped, it is computed from the nanoseconds since its last reload.
 * Modes 0-5, LSB/MSB/both access, binary or BCD counts, counter latch and
 * read-back, channel 2's gate and output through port 0x61. Counts are kept
 * in binary; a BCD channel's are converted when written and read.
 */
#include "types.h"
#include "vplatform.h"

#define NS_PER_SEC 1000000000UL
#define PORT_CONTROL 0x43
#define PORT_SPEAKER 0x61

static u64 ns_to_ticks(u64 ns)
{
	return ns / NS_PER_SEC * PIT_HZ + ns % NS_PER_SEC * PIT_HZ / NS_PER_SEC;
}

static u64 ticks_to_ns(u64 ticks)
{
	return ticks / PIT_HZ * NS_PER_SEC + ticks % PIT_HZ * NS_PER_SEC / PIT_HZ;
}

void vpit_reset(struct vpit *p)
{
	*p = (struct vpit){ 0 };
	for (unsigned int i = 0; i < 3; i++) {
		p->ch[i].reload = 0x10000;
		p->ch[i].rw = 3;
		p->ch[i].gate = i != 2; /* channel 2's gate is port 0x61 bit 0 */
	}
}

static u64 elapsed(const struct vpit_channel *c, u64 now_ns)
{
	return now_ns > c->start_ns ? ns_to_ticks(now_ns - c->start_ns) : 0;
}

static u16 count_at(const struct vpit_channel *c, u64 ticks)
{
	switch (c->mode) {
	case 2:
		return (u16)(c->reload - ticks % c->reload);
	case 3:
		return (u16)((c->reload - (2 * ticks) % c->reload) & 0xfffe);
	default:
		return (u16)(c->reload - ticks);
	}
}

u16 vpit_count(const struct vpit *p, unsigned int c, u64 now_ns)
{
	const struct vpit_channel *ch = &p->ch[c];

	if (!ch->armed)
		return 0;
	if (!ch->gate)
		return ch->latch_hold;
	return count_at(ch, elapsed(ch, now_ns));
}

/* The OUT pin of a channel. */
static bool output(const struct vpit_channel *c, u64 now_ns)
{
	u64 t = elapsed(c, now_ns);

	if (!c->armed)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->reload;
	case 2:
		return t % c->reload != c->reload - 1;
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:
		return t != c->reload;
	}
}

static u8 status_of(const struct vpit_channel *c, u64 now_ns)
{
	return (u8)((output(c, now_ns) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) | (c->rw << 4) |
		    (c->mode << 1) | (c->bcd ? 1 : 0));
}

static void latch_count(struct vpit *p, unsigned int i, u64 now_ns)
{
	struct vpit_channel *c = &p->ch[i];

	if (c->latched)
		return; /* the first latch holds until read */
	c->latch = vpit_count(p, i, now_ns);
	c->latched = true;
	c->read_hi = false;
}

static void read_back(struct vpit *p, u8 val, u64 now_ns)
{
	for (unsigned int i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->ch[i];

		if (!(val & (2u << i)))
			continue;
		if (!(val & 0x10) && !c->status_latched) {
			c->status = status_of(c, now_ns);
			c->status_latched = true;
		}
		if (!(val & 0x20))
			latch_count(p, i, now_ns);
	}
}

static void control_write(struct vpit *p, u8 val, u64 now_ns)
{
	unsigned int i = val >> 6;
	struct vpit_channel *c;

	if (i == 3) {
		read_back(p, val, now_ns);
		return;
	}
	c = &p->ch[i];
	if (!(val & 0x30)) {
		latch_count(p, i, now_ns);
		return;
	}
	c->rw = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
	c->write_hi = c->read_hi = false;
	c->latched = false;
	c->armed = false;
	c->null_count = true;
}

/* Four BCD digits to binary, and back (0-9999). */
static u32 from_bcd(u32 v)
{
	return (v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 + (v & 0xf);
}

static u16 to_bcd(u32 v)
{
	return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* A count byte; true when the new count is complete and loaded. */
static bool count_write(struct vpit_channel *c, u8 val, u64 now_ns)
{
	u32 v;

	if (c->rw == 3 && !c->write_hi) {
		c->write_lo = val;
		c->write_hi = true;
		return false;
	}
	if (c->rw == 3)
		v = c->write_lo | ((u32)val << 8);
	else
		v = c->rw == 2 ? (u32)val << 8 : val;
	c->write_hi = false;
	if (c->bcd)
		v = from_bcd(v);
	c->reload = v ? v : (c->bcd ? 10000 : 0x10000);
	c->start_ns = now_ns;
	c->armed = true;
	c->null_count = false;
	return true;
}

static void gate_write(struct vpit *p, bool gate, u64 now_ns)
{
	struct vpit_channel *c = &p->ch[2];

	if (gate == c->gate)
		return;
	if (!gate) {
		c->latch_hold = vpit_count(p, 2, now_ns);
	} else if (c->mode == 0 || c->mode == 4) {
		/* Counting resumes from where it stopped (+1: ticks_to_ns rounds down). */
		c->start_ns = now_ns - ticks_to_ns((u16)(c->reload - c->latch_hold)) - 1;
	} else {
		c->start_ns = now_ns; /* a rising gate reloads */
	}
	c->gate = gate;
}

bool vpit_write(struct vpit *p, u16 port, u8 val, u64 now_ns)
{
	if (port == PORT_SPEAKER) {
		gate_write(p, val & 1, now_ns);
		p->speaker = val & 2;
		return false;
	}
	if (port == PORT_CONTROL) {
		control_write(p, val, now_ns);
		return (val >> 6) == 0 && (val & 0x30);
	}
	if (port < 0x40 || port > 0x42)
		return false;
	return count_write(&p->ch[port - 0x40], val, now_ns) && port == 0x40;
}

static u8 byte_of(struct vpit_channel *c, u16 v)
{
	if (c->bcd)
		v = to_bcd(v % 10000);
	switch (c->rw) {
	case 1:
		return (u8)v;
	case 2:
		return (u8)(v >> 8);
	default:
		c->read_hi = !c->read_hi;
		return c->read_hi ? (u8)v : (u8)(v >> 8);
	}
}

u8 vpit_read(struct vpit *p, u16 port, u64 now_ns)
{
	struct vpit_channel *c;
	u8 b;

	if (port == PORT_SPEAKER) {
		/* Bit 4 toggles every 15 us (memory refresh), bit 5 is channel 2's OUT. */
		bool refresh = (now_ns / 15085) & 1;

		return (u8)((output(&p->ch[2], now_ns) && p->ch[2].gate ? 0x20 : 0) |
			    (refresh ? 0x10 : 0) | (p->speaker ? 2 : 0) | (p->ch[2].gate ? 1 : 0));
	}
	if (port < 0x40 || port > 0x42)
		return 0xff; /* the control port is write-only */
	c = &p->ch[port - 0x40];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (!c->latched)
		return byte_of(c, vpit_count(p, port - 0x40, now_ns));
	b = byte_of(c, c->latch);
	if (c->rw != 3 || !c->read_hi)
		c->latched = false; /* both bytes of a latch have been read */
	return b;
}

u64 vpit_period_ns(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];

	if (!c->armed || (c->mode != 2 && c->mode != 3))
		return 0;
	return ticks_to_ns(c->reload);
}

/*
 * Modes 1 and 4 only, as Xen 4.17's i8254: a count loaded in mode 0 stops
 * channel 0's timer and raises no IRQ 0 at terminal count (an 8254's
 * output would rise there), and neither does mode 5.
 */
u64 vpit_oneshot_ns(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];

	if (!c->armed || (c->mode != 1 && c->mode != 4))
		return 0;
	return ticks_to_ns(c->reload);
}

/* The ACPI PM timer runs at 3.579545 MHz: its count @ns after it started. */
u32 pmtimer_count(u64 ns)
{
	return (u32)(ns / NS_PER_SEC * PMTMR_HZ + ns % NS_PER_SEC * PMTMR_HZ / NS_PER_SEC);
}

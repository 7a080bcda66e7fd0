/*
 * Ticket spinlocks. A CPU takes the next ticket (tail) and spins until the
 * lock serves it (head): waiters get the lock in the order they asked.
 * head and tail share one word, so trylock is one compare-and-swap.
 *
 * The lock remembers the CPU holding it, for spin_is_locked_by_me() and
 * the ASSERTs built on it. The order locks must be taken in is written in
 * docs/design.md ("Locking").
 */
#ifndef PETREL_SPINLOCK_H
#define PETREL_SPINLOCK_H

#include "types.h"
#include "smp.h"
#include "bug.h"

#define SPINLOCK_NO_OWNER 0xffffu

typedef struct spinlock {
	union {
		u32 word;
		struct {
			u16 head; /* the ticket being served */
			u16 tail; /* the next ticket handed out */
		};
	};
	u16 owner; /* CPU holding it, or SPINLOCK_NO_OWNER */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED                                                                         \
	{                                                                                          \
		{ 0 }, SPINLOCK_NO_OWNER                                                           \
	}
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *l)
{
	l->word = 0;
	l->owner = SPINLOCK_NO_OWNER;
}

#ifdef __PETREL__
static inline void spin_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
#else
/* Host builds: threads may outnumber cores; let the ticket's holder run. */
int sched_yield(void);
static inline void spin_relax(void)
{
	sched_yield();
}
#endif

static inline bool spin_is_locked(const spinlock_t *l)
{
	u32 w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	return (u16)w != (u16)(w >> 16);
}

static inline bool spin_is_locked_by_me(const spinlock_t *l)
{
	return spin_is_locked(l) && l->owner == smp_processor_id();
}

static inline void spin_lock(spinlock_t *l)
{
	u16 me;

	ASSERT(!spin_is_locked_by_me(l)); /* taken twice by one CPU: it would wait for itself */
	me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
		spin_relax();
	l->owner = (u16)smp_processor_id();
}

/* Take @l if nobody holds or waits for it; true if taken. */
static inline bool spin_trylock(spinlock_t *l)
{
	u32 old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
	u16 head = (u16)old, tail = (u16)(old >> 16);

	if (head != tail)
		return false;
	if (!__atomic_compare_exchange_n(&l->word, &old, old + (1u << 16), false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	l->owner = (u16)smp_processor_id();
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	ASSERT(spin_is_locked_by_me(l));
	l->owner = SPINLOCK_NO_OWNER;
	__atomic_store_n(&l->head, (u16)(l->head + 1), __ATOMIC_RELEASE);
}

/* ---- Interrupt flag. */

#ifdef __PETREL__
static inline unsigned long local_irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void local_irq_restore(unsigned long f)
{
	if (f & 0x200)
		__asm__ volatile("sti" ::: "memory");
}

static inline bool local_irq_is_enabled(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f & 0x200;
}
#else
/* Host builds: there is no interrupt flag to manage; "off" holds. */
static inline unsigned long local_irq_save(void)
{
	return 0;
}

static inline void local_irq_restore(unsigned long f)
{
	(void)f;
}

static inline bool local_irq_is_enabled(void)
{
	return false;
}
#endif

#define ASSERT_IRQS_OFF() ASSERT(!local_irq_is_enabled())
#define ASSERT_LOCKED(l) ASSERT(spin_is_locked_by_me(l))

/* For locks an interrupt handler also takes: interrupts off while held. */
#define spin_lock_irqsave(l, flags)                                                                \
	do {                                                                                       \
		(flags) = local_irq_save();                                                        \
		spin_lock(l);                                                                      \
	} while (0)

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}

#endif

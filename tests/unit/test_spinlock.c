/*
 * Ticket spinlocks (spinlock.h) under real contention from host threads,
 * trylock and the holder checks; and the per-CPU lookup of smp.h: any stack
 * address of a CPU's stack block (primary or IST) finds that block's
 * cpu_info.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "spinlock.h"
#include "smp.h"
#include "shim.h"

#define THREADS 4
#define ROUNDS 20000

static DEFINE_SPINLOCK(counter_lock);
static volatile unsigned long counter;
static volatile int inside; /* threads inside the critical section */
static volatile int overlap;

/* Each thread is a CPU of its own: @arg is its number (the main thread is CPU 0). */
static void *hammer(void *arg)
{
	host_cpu_info.cpu_id = (unsigned int)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&counter_lock);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
			overlap = 1;
		counter = counter + 1; /* not atomic: only the lock protects it */
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		spin_unlock(&counter_lock);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	counter = 0;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)(i + 1)),
				 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(overlap, 0);
	assert_int_equal(counter, (unsigned long)THREADS * ROUNDS);
	assert_false(spin_is_locked(&counter_lock));
	/* Every ticket handed out was served: head and tail agree. */
	assert_int_equal(counter_lock.head, counter_lock.tail);
	assert_int_equal(counter_lock.head, (u16)(THREADS * ROUNDS));
}

static void test_trylock_and_holder(void **state)
{
	spinlock_t l;

	(void)state;
	spin_lock_init(&l);
	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	assert_true(spin_is_locked(&l));
	assert_true(spin_is_locked_by_me(&l));
	assert_int_equal(l.owner, smp_processor_id());
	assert_false(spin_trylock(&l)); /* held: refused, no ticket taken */
	assert_int_equal((u16)(l.tail - l.head), 1);
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	assert_int_equal(l.owner, SPINLOCK_NO_OWNER);
	spin_lock(&l);
	assert_true(spin_is_locked_by_me(&l));
	spin_unlock(&l);
}

/* The tickets wrap at 16 bits without disturbing each other. */
static void test_ticket_wrap(void **state)
{
	spinlock_t l;

	(void)state;
	spin_lock_init(&l);
	l.head = l.tail = 0xfffe;
	for (int i = 0; i < 4; i++) {
		spin_lock(&l);
		assert_true(spin_is_locked(&l));
		spin_unlock(&l);
	}
	assert_int_equal(l.head, 2);
	assert_int_equal(l.tail, 2);
	assert_true(spin_trylock(&l));
	assert_int_equal(l.tail, 3);
	spin_unlock(&l);
}

/* A thread waiting for a held lock gets it only after the unlock. */
static spinlock_t wait_lock;
static volatile int waiter_got_it;

static void *waiter(void *arg)
{
	(void)arg;
	host_cpu_info.cpu_id = 1;
	spin_lock(&wait_lock);
	waiter_got_it = 1;
	spin_unlock(&wait_lock);
	return NULL;
}

static void test_waiter_queues(void **state)
{
	pthread_t t;

	(void)state;
	spin_lock_init(&wait_lock);
	spin_lock(&wait_lock);
	assert_int_equal(pthread_create(&t, NULL, waiter, NULL), 0);
	/* The waiter takes its ticket and spins. */
	while (__atomic_load_n(&wait_lock.tail, __ATOMIC_SEQ_CST) != 2)
		;
	for (volatile int i = 0; i < 1000000; i++)
		;
	assert_int_equal(waiter_got_it, 0);
	assert_false(spin_trylock(&wait_lock));
	spin_unlock(&wait_lock);
	pthread_join(t, NULL);
	assert_int_equal(waiter_got_it, 1);
}

static void test_cpu_info_from_stack(void **state)
{
	void *block = aligned_alloc(STACK_SIZE, STACK_SIZE);
	u64 base = (u64)block;
	struct cpu_info *ci = stack_block_cpu_info(block);

	(void)state;
	assert_non_null(block);
	assert_ptr_equal(ci, (struct cpu_info *)(base + STACK_SIZE - CPU_INFO_SIZE));
	/* Anywhere in the block: the primary stack, each IST stack, its edges. */
	assert_ptr_equal(cpu_info_from_sp(base), ci);
	assert_ptr_equal(cpu_info_from_sp(base + IST_STACK_SIZE - 8), ci);
	assert_ptr_equal(cpu_info_from_sp(base + 3 * IST_STACK_SIZE - 8), ci);
	assert_ptr_equal(cpu_info_from_sp(base + STACK_SIZE / 2), ci);
	assert_ptr_equal(cpu_info_from_sp((u64)ci - 8), ci);
	assert_ptr_equal(cpu_info_from_sp(base + STACK_SIZE - 1), ci);
	/* The next block up is another CPU's. */
	assert_ptr_not_equal(cpu_info_from_sp(base + STACK_SIZE), ci);
	/* The IST stacks fit below the primary stack's half. */
	assert_true(3 * IST_STACK_SIZE <= STACK_SIZE / 2);
	free(block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_trylock_and_holder),
		cmocka_unit_test(test_ticket_wrap),
		cmocka_unit_test(test_waiter_queues),
		cmocka_unit_test(test_cpu_info_from_stack),
	};

	return cmocka_run_group_tests_name("spinlock", tests, NULL, NULL);
}

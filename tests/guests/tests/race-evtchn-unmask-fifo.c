/* race-evtchn-unmask with the FIFO ABI (see there). */
#define RACE_FIFO 1
#include "race-evtchn-unmask.c"

TEST_SMP("2");
TEST_EXPECT("unmask race (FIFO): 1000 rounds, no event lost, every status consistent");

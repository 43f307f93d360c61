// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench: busy polling, the same rule for every receiver.
 *
 * fastipc's receivers poll an empty channel in the kernel before they
 * sleep (kmod/busy_poll.c): a fixed time (--busy-poll US), or, the
 * module's default, adaptively under a ceiling: only in the first receive
 * after the process's own send (a request/reply turn), for as long as
 * such waits recently took.  Had only fastipc polled, a round trip would
 * compare a poll with two wake-ups.  So every other mechanism's receiver
 * polls by the same rule with the same budget, the way each is polled
 * from user space: the mechanism tries a receive that cannot block
 * (recv(MSG_DONTWAIT), read() from an O_NONBLOCK descriptor of the same
 * pipe, mq_receive() from an O_NONBLOCK descriptor of the same queue,
 * msgrcv(IPC_NOWAIT), a look at a shared-memory ring's index) again and
 * again while rxpoll_again() says so, then blocks as it always does.
 *
 * The adaptive rule is the module's, step for step: the length starts
 * at 0; a wait that ended within the ceiling, but after the poll gave
 * up, doubles it (from 10 us); a wait longer than the ceiling halves it
 * (below 10 us: 0); a receive the poll served teaches nothing.
 *
 * The module's poll also gives up as soon as another task could use the
 * CPU.  A process cannot see that; on one CPU (the same-CPU placement,
 * where the partner is the other task) the rivals' poll yields the CPU
 * between tries instead of spinning past the partner.
 *
 * The clock is the tick counter (stats.c): in the test VM
 * clock_gettime() costs more than a try.
 */
#include <sched.h>
#include <time.h>

#include "bench.h"

#define POLL_START_NS	(10 * 1000ULL)	/* kmod/busy_poll.c's */

const char *const poll_mode_names[] = {
	[POLL_UNKNOWN] = "unknown", [POLL_OFF] = "off",
	[POLL_FIXED] = "fixed", [POLL_ADAPTIVE] = "adaptive",
};

static double ns_per_tick = 1.0;

/* This process sent a message since its last receive began. */
static bool turn;

void rxpoll_calibrate(void)
{
	struct timespec ts = { 0, 20 * NSEC_PER_MSEC };
	struct tickclock c;

	tickclock_start(&c);
	nanosleep(&ts, NULL);
	ns_per_tick = tickclock_ns_per_tick(&c);
}

void rxpoll_init(struct rxpoll *p, struct poll_rule rule, bool yield)
{
	*p = (struct rxpoll){ .rule = rule, .yield = yield };
}

void rxpoll_note_send(void)
{
	turn = true;
}

bool rxpoll_begin(struct rxpoll *p)
{
	bool after_send = turn;
	uint64_t span_ns = 0;

	turn = false;
	p->learn = false;
	p->spinning = false;
	switch (p->rule.mode) {
	case POLL_FIXED:
		span_ns = (uint64_t)p->rule.us * 1000;
		break;
	case POLL_ADAPTIVE:
		if (!after_send || !p->rule.us)
			break;
		p->learn = true;
		span_ns = p->window_ns;
		break;
	default:
		break;
	}
	if (!span_ns && !p->learn)
		return false;
	p->since = ticks();
	p->until = p->since + (uint64_t)((double)span_ns / ns_per_tick);
	p->spinning = span_ns > 0;
	return p->spinning;
}

bool rxpoll_again(struct rxpoll *p)
{
	if (!p->spinning)
		return false;
	if (ticks() >= p->until) {
		p->spinning = false;
		return false;
	}
	if (p->yield)
		sched_yield();
	else
		cpu_relax();
	return true;
}

void rxpoll_woke(struct rxpoll *p)
{
	uint64_t ceiling = (uint64_t)p->rule.us * 1000, win = p->window_ns;
	uint64_t waited;

	if (!p->learn)
		return;
	p->learn = false;
	waited = (uint64_t)((double)(ticks() - p->since) * ns_per_tick);
	if (waited > ceiling) {
		win /= 2;
		if (win < POLL_START_NS)
			win = 0;
	} else if (waited > win) {
		win = win * 2 > POLL_START_NS ? win * 2 : POLL_START_NS;
		if (win > ceiling)
			win = ceiling;
	}
	p->window_ns = win;
}

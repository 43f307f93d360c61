/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness, and how fastipc's test programs run it.
 */
#ifndef FIPC_HARNESS_H
#define FIPC_HARNESS_H

#include <stdlib.h>

#include "kselftest_harness.h"

/*
 * Run the harness with every test's time limit (30 s unless the test
 * says otherwise) multiplied by FASTIPC_TIME_SCALE, which selftests/run.sh
 * sets for slow kernels (debug) and slow machines: a limit catches a
 * hang, it must not fail a test that a loaded machine merely slows down.
 */
static inline int fipc_harness_run(int argc, char **argv)
{
	const char *env = getenv("FASTIPC_TIME_SCALE");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int scale = env ? atoi(env) : 1;

	for (f = __fixture_list; scale > 1 && f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= scale;
	return test_harness_run(argc, argv);
}

#endif /* FIPC_HARNESS_H */

/* test_world_steps.c — the words a failed world setup step is reported
 * with (world_step_name): an operation by its kind and path in the final
 * root, a fixed step by name, and nothing for "no step" or out of range,
 * so the one-line error names where the sandbox's root failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sandbox/world.h"

static void test_step_names(void **state)
{
	(void)state;
	struct world_op ops[] = {
		{.kind = WORLD_BIND, .dst = WORLD_NEWROOT "/usr", .src = WORLD_OLDROOT "/usr"},
		{.kind = WORLD_PROC, .dst = WORLD_NEWROOT "/proc"},
		{.kind = WORLD_TMPFS, .dst = WORLD_NEWROOT},
	};
	struct world_setup w = {.ops = ops, .n_ops = 3};
	char buf[128];
	assert_string_equal(world_step_name(&w, 1, buf, sizeof(buf)), "binding /usr");
	assert_string_equal(world_step_name(&w, 2, buf, sizeof(buf)), "mounting proc on /proc");
	assert_string_equal(world_step_name(&w, 3, buf, sizeof(buf)), "mounting a tmpfs on /");
	assert_string_equal(world_step_name(&w, -1, buf, sizeof(buf)),
			    "making the host's mounts private (MS_SLAVE on /)");
	assert_null(world_step_name(&w, 0, buf, sizeof(buf)));	  /* no step */
	assert_null(world_step_name(&w, 4, buf, sizeof(buf)));	  /* past the operations */
	assert_null(world_step_name(&w, -100, buf, sizeof(buf))); /* no such fixed step */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

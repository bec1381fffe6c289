/* test_layers_table.c — the order of the layer table is the security
 * argument of the child's steps and of the teardown: the cgroup exists
 * before anything keyed by it, Landlock confines before the supervisor's
 * filter is installed, seccomp comes last, and every row is well formed.
 * Pure: it reads the table only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sandbox/layers.h"

static size_t row_of(const char *name)
{
	for (size_t i = 0; i < sandbox_layers_count; i++)
		if (!strcmp(sandbox_layers[i].name, name))
			return i;
	fail_msg("no layer row '%s'", name);
	return 0;
}

static void test_every_row_is_well_formed(void **state)
{
	(void)state;
	assert_true(sandbox_layers_count > 0);
	assert_true(sandbox_layers_count <= LAYERS_MAX);
	for (size_t i = 0; i < sandbox_layers_count; i++) {
		const struct sandbox_layer *l = &sandbox_layers[i];
		assert_non_null(l->name);
		assert_non_null(l->wanted);
		/* a child step needs a phase, and a phase a step */
		assert_int_equal(l->enforce != NULL, l->child_phase != CHILD_NONE);
		/* an event source is drained by its own poll */
		if (l->event_fd)
			assert_non_null(l->poll_events);
		for (size_t j = i + 1; j < sandbox_layers_count; j++)
			assert_string_not_equal(l->name, sandbox_layers[j].name);
	}
}

static void test_order_is_the_security_order(void **state)
{
	(void)state;
	/* the maps and programs are keyed by the cgroup, made first */
	assert_true(row_of("cgroup") < row_of("quotas"));
	assert_true(row_of("cgroup") < row_of("bpf"));
	/* the child's confinement: Landlock, then the supervisor's filter
	 * (what it traps is already confined), then seccomp, last of all */
	assert_true(row_of("landlock") < row_of("supervisor"));
	assert_true(row_of("supervisor") < row_of("seccomp"));
	size_t last_confine = 0;
	for (size_t i = 0; i < sandbox_layers_count; i++)
		if (sandbox_layers[i].child_phase == CHILD_CONFINE)
			last_confine = i;
	assert_int_equal(last_confine, row_of("seccomp"));
	/* mounts need privileges that no_new_privs and the filters remove */
	assert_int_equal(sandbox_layers[row_of("namespaces")].child_phase, CHILD_MOUNTS);
	assert_int_equal(sandbox_layers[row_of("rlimit")].child_phase, CHILD_LIMITS);
}

static void test_event_sources_stop_before_the_exit(void **state)
{
	(void)state;
	/* Every layer that reports decisions has a finish that runs before
	 * the exit event: no decision after exit. */
	for (size_t i = 0; i < sandbox_layers_count; i++)
		if (sandbox_layers[i].event_fd)
			assert_non_null(sandbox_layers[i].finish);
	assert_non_null(sandbox_layers[row_of("supervisor")].finish);
	assert_non_null(sandbox_layers[row_of("supervisor")].destroy);
	assert_non_null(sandbox_layers[row_of("cgroup")].destroy);
	assert_non_null(sandbox_layers[row_of("bpf")].destroy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_is_well_formed),
		cmocka_unit_test(test_order_is_the_security_order),
		cmocka_unit_test(test_event_sources_stop_before_the_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

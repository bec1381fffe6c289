/* test_start_event.c — ward_spawn_config.skip_start_event: without it the
 * first event is "start" with the policy's digest and the plan; with it no
 * "start" is built or delivered, and the others (the exit) still are, with
 * the program's exit status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ward.h"

struct seen {
	char types[32][16];
	size_t n;
	bool start_has_plan, start_has_digest;
};

static void on_event(const char *json, void *userdata)
{
	struct seen *s = userdata;
	const char *t = strstr(json, "\"type\":\"");
	if (!t || s->n >= 32)
		return;
	t += 8;
	size_t len = strcspn(t, "\"");
	snprintf(s->types[s->n], sizeof(s->types[s->n]), "%.*s", (int)len, t);
	if (!strcmp(s->types[s->n], "start")) {
		s->start_has_plan = strstr(json, "\"plan\":[") != NULL;
		s->start_has_digest = strstr(json, "\"policy_digest\":\"") != NULL;
	}
	s->n++;
}

static bool saw(const struct seen *s, const char *type)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->types[i], type))
			return true;
	return false;
}

/* Runs sh -c SCRIPT under the default profile; returns the exit code. */
static int run(const char *script, bool skip, struct seen *s)
{
	ward_error err;
	ward_policy *p = ward_policy_new();
	assert_non_null(p);
	assert_int_equal(ward_policy_use_profile(p, "default", &err), 0);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.on_event = on_event;
	c.event_userdata = s;
	c.skip_start_event = skip;
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	ward_sandbox *sb = NULL;
	int r = ward_sandbox_spawn_config(p, argv, &c, &sb, &err);
	if (r < 0)
		fail_msg("spawn: %s", err.message);
	struct ward_exit x;
	r = ward_sandbox_wait(sb, &x, &err);
	if (r < 0)
		fail_msg("wait: %s", err.message);
	ward_sandbox_free(sb);
	ward_policy_free(p);
	return x.code;
}

static void test_start_event_by_default(void **state)
{
	(void)state;
	struct seen s = {0};
	assert_int_equal(run("exit 3", false, &s), 3);
	assert_true(s.n >= 2);
	assert_string_equal(s.types[0], "start");
	assert_true(s.start_has_plan);
	assert_true(s.start_has_digest);
	assert_string_equal(s.types[s.n - 1], "exit");
}

static void test_skipped_start_event_keeps_the_others(void **state)
{
	(void)state;
	struct seen s = {0};
	assert_int_equal(run("exit 3", true, &s), 3);
	assert_false(saw(&s, "start"));
	assert_true(s.n >= 1);
	assert_string_equal(s.types[s.n - 1], "exit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_event_by_default),
		cmocka_unit_test(test_skipped_start_event_keeps_the_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

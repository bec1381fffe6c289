/* test_usable_parsers.c — the pure helpers behind policies people can write:
 * "did you mean" (suggest.c), "~" and "$VAR" in paths (path_expand.c) and
 * which environment names look like secrets (env_secrets.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/suggest.h"
#include "policy/policy_internal.h"

static const char *const run_flags[] = {"net-allow", "net-deny", "net-bind", "exec-allow",
					"exec-deny", "fs-deny",	 "memory",   "pids",
					"timeout",   "pass-env", NULL};
static const char *const top_keys[] = {"version", "extends", "mode",	"fs",	      "net",
				       "exec",	  "limits",  "process", "kill_after", "env"};

static void test_typo_suggests_the_closest_flag(void **state)
{
	assert_string_equal(suggest_closest("net-alow", run_flags, SIZE_MAX), "net-allow");
	assert_string_equal(suggest_closest("net-allwo", run_flags, SIZE_MAX), "net-allow");
	assert_string_equal(suggest_closest("memroy", run_flags, SIZE_MAX), "memory");
	assert_string_equal(suggest_closest("timout", run_flags, SIZE_MAX), "timeout");
	assert_string_equal(suggest_closest("netwrok", top_keys, 10), "net");
	assert_string_equal(suggest_closest("limit", top_keys, 10), "limits");
}

static void test_unrelated_word_suggests_nothing(void **state)
{
	assert_null(suggest_closest("frobnicate", run_flags, SIZE_MAX));
	assert_null(suggest_closest("xy", top_keys, 10));
	assert_null(suggest_closest("", top_keys, 10));
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("ab", "ba"), 1);
	assert_int_equal(suggest_distance("same", "same"), 0);
}

static const char *fake_env(const char *name, void *arg)
{
	(void)arg;
	if (!strcmp(name, "HOME"))
		return "/home/ann";
	if (!strcmp(name, "PROJECT"))
		return "/srv/p";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static const char *expand(const char *path)
{
	static char out[256];
	char why[200];
	int r = path_expand(path, out, sizeof(out), fake_env, NULL, why, sizeof(why));
	if (r < 0)
		fail_msg("'%s' did not expand: %s", path, why);
	return out;
}

static void test_home_and_variables_expand(void **state)
{
	assert_string_equal(expand("~"), "/home/ann");
	assert_string_equal(expand("~/.ssh"), "/home/ann/.ssh");
	assert_string_equal(expand("$HOME/.aws"), "/home/ann/.aws");
	assert_string_equal(expand("${HOME}/.aws"), "/home/ann/.aws");
	assert_string_equal(expand("${PROJECT}/out/$HOME"), "/srv/p/out//home/ann");
	assert_string_equal(expand("/usr/lib"), "/usr/lib");
	assert_string_equal(expand("/a~b"), "/a~b"); /* "~" only at the start */
}

static void expand_fails(const char *path, const char *why_part)
{
	char out[64], why[200] = "";
	assert_int_equal(path_expand(path, out, sizeof(out), fake_env, NULL, why, sizeof(why)),
			 -EINVAL);
	if (!strstr(why, why_part))
		fail_msg("'%s': '%s' does not say '%s'", path, why, why_part);
}

static void test_unset_variable_is_an_error_never_empty(void **state)
{
	expand_fails("$UNSET/.ssh", "$UNSET is not set");
	expand_fails("${EMPTY}/x", "$EMPTY is not set");
	expand_fails("~bob/x", "'~user' is not supported");
	expand_fails("/a/$/b", "must start a variable");
	expand_fails("${HOME", "bad variable reference");
	expand_fails("${1X}", "bad variable reference");
	char out[12], why[200];
	assert_int_equal(
		path_expand("~/a/long/path", out, sizeof(out), fake_env, NULL, why, sizeof(why)),
		-ENAMETOOLONG);
}

static bool secret(const char *name)
{
	return env_name_looks_secret(name, strlen(name));
}

static void test_secret_names_are_matched_by_word(void **state)
{
	const char *secrets[] = {"GITHUB_TOKEN",
				 "AWS_SECRET_ACCESS_KEY",
				 "AWS_ACCESS_KEY_ID",
				 "AWS_REGION",
				 "NPM_TOKEN",
				 "DB_PASSWORD",
				 "MYSQL_PWD_PASSWD",
				 "OPENAI_API_KEY",
				 "STRIPE_SECRET",
				 "SSH_AUTH_SOCK",
				 "github_token",
				 "HF_TOKEN",
				 "GOOGLE_APPLICATION_CREDENTIALS",
				 "SIGNING_KEY_ID",
				 "PGPASSWORD",
				 "MYSQL_PWD",
				 "SENTRY_DSN"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (!secret(secrets[i]))
			fail_msg("%s should look like a secret", secrets[i]);
	const char *harmless[] = {"KEYBOARD",	   "TOKENIZERS_PARALLELISM",
				  "PATH",	   "HOME",
				  "KEY",	   "AWS",
				  "MONKEY",	   "KEYMAP_ID",
				  "LANG",	   "TERM",
				  "PASSENGER_ENV", "XDG_SESSION_TYPE",
				  "PWD",	   "OLDPWD"};
	for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
		if (secret(harmless[i]))
			fail_msg("%s should not look like a secret", harmless[i]);
}

static void test_host_rules_parse_name_protocol_and_ports(void **state)
{
	struct net_rule rule;
	char host[256], why[300];
	assert_int_equal(parse_net_host("tcp://api.example.com:443", &rule, host, sizeof(host), why,
					sizeof(why)),
			 0);
	assert_string_equal(host, "api.example.com");
	assert_int_equal(rule.proto, NET_PROTO_TCP);
	assert_int_equal(rule.nports, 1);
	assert_int_equal(rule.ports[0].lo, 443);
	assert_int_equal(parse_net_host("localhost.", &rule, host, sizeof(host), why, sizeof(why)),
			 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(rule.nports, 0);
	const char *bad[] = {"-a.com:1", "a..com",	"a_b.com", "a.com:0",
			     "1234",	 "ftp://a.com", "a-.com"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_net_host(bad[i], &rule, host, sizeof(host), why, sizeof(why)) == 0)
			fail_msg("'%s' parsed as a host rule", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typo_suggests_the_closest_flag),
		cmocka_unit_test(test_unrelated_word_suggests_nothing),
		cmocka_unit_test(test_home_and_variables_expand),
		cmocka_unit_test(test_unset_variable_is_an_error_never_empty),
		cmocka_unit_test(test_secret_names_are_matched_by_word),
		cmocka_unit_test(test_host_rules_parse_name_protocol_and_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_policy_api.c — the public ward_policy_* functions and the model
 * helpers behind them: adders and their messages, profiles, conflicts across
 * loads (all or nothing), layer names, path normalization, and the canonical
 * JSON and its digest.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

static void assert_contains(const char *text, const char *fragment)
{
	if (!strstr(text, fragment))
		fail_msg("'%s' lacks '%s'", text, fragment);
}

static void test_fs_adders_normalize_and_check_existence(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};

	assert_int_equal(ward_policy_fs_allow(policy, "/usr//share/./../lib/", WARD_FS_READ, &err),
			 0);
	assert_string_equal(policy->fs.items[0].path, "/usr/lib");
	assert_string_equal(policy->fs.items[0].loc.file, "api");
	/* /lib is a symlink on Debian: kept as written, not resolved. */
	assert_int_equal(ward_policy_fs_allow(policy, "/lib", WARD_FS_READ | WARD_FS_EXEC, &err),
			 0);
	assert_string_equal(policy->fs.items[1].path, "/lib");
	assert_int_equal(ward_policy_fs_deny(policy, "/etc/shadow", &err), 0);
	assert_true(policy->fs.items[2].deny);
	assert_int_equal(policy->fs.items[2].access, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);

	assert_int_equal(ward_policy_fs_allow(policy, "usr", WARD_FS_READ, &err), -EINVAL);
	assert_string_equal(err.message,
			    "api: path 'usr' is not absolute (start it with /, ~/ or $HOME)");
	assert_int_equal(ward_policy_fs_allow(policy, "/no/such/ward/dir", WARD_FS_READ, &err),
			 -EINVAL);
	assert_string_equal(err.message, "api: path '/no/such/ward/dir' does not exist");
	assert_int_equal(ward_policy_fs_allow(policy, "/usr", 0, &err), -EINVAL);
	assert_int_equal(ward_policy_fs_allow(policy, "/usr", 1u << 7, &err), -EINVAL);
	assert_int_equal(policy->fs.len, 3);
	ward_policy_free(policy);
}

static void test_cli_location_prefixes_message(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc flag = {.file = "--net-allow"};
	assert_int_equal(policy_add_net(policy, "10.0.0.0/33", false, flag, &err), -EINVAL);
	assert_string_equal(err.message,
			    "--net-allow: bad CIDR '10.0.0.0/33': prefix must be 0..32");
	assert_int_equal(policy_add_net(policy, "10.0.0.0/8", false, flag, &err), 0);
	assert_string_equal(policy->net.items[0].text, "10.0.0.0/8");
	assert_string_equal(policy->net.items[0].loc.file, "--net-allow");
	ward_policy_free(policy);
}

static void test_net_exec_bind_and_limits(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};

	assert_int_equal(ward_policy_net_allow(policy, "tcp://*:443", &err), 0);
	assert_int_equal(ward_policy_net_deny(policy, "udp://[::1]:53", &err), 0);
	assert_true(policy->net.items[1].deny);
	assert_int_equal(ward_policy_net_bind(policy, "80,8000-8100", &err), 0);
	assert_int_equal(policy->bind.len, 2);
	assert_int_equal(ward_policy_net_bind(policy, "80,0", &err), -EINVAL);
	assert_int_equal(policy->bind.len, 2); /* nothing of a rejected list added */

	assert_int_equal(ward_policy_exec_allow(policy, "/usr/bin", &err), 0);
	assert_int_equal(ward_policy_exec_deny(policy, "/usr/bin/dd", &err), 0);
	assert_int_equal(ward_policy_exec_deny(policy, "/usr/bin/ward-missing", &err), -EINVAL);

	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_MEMORY, "512M", &err), 0);
	assert_true(policy->limits[WARD_LIMIT_MEMORY].value == 512ull << 20);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_MEMORY, "512K", &err), -EINVAL);
	assert_contains(err.message, "below the minimum of 1M");
	assert_true(policy->limits[WARD_LIMIT_MEMORY].value == 512ull << 20);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_CPU_TIME, "250ms", &err), 0);
	assert_int_equal(policy->limits[WARD_LIMIT_CPU_TIME].value, 1); /* rounded up */
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_TIMEOUT_MS, "1.5m", &err), 0);
	assert_int_equal(policy->limits[WARD_LIMIT_TIMEOUT_MS].value, 90000);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_CPU_PERCENT, "250%", &err), 0);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_PIDS, "0", &err), -EINVAL);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_COUNT_, "1", &err), -EINVAL);
	ward_policy_free(policy);
}

static void test_process_settings(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};

	assert_int_equal(ward_policy_set_env(policy, "A=1", &err), 0);
	assert_int_equal(ward_policy_set_env(policy, "B=x=y", &err), 0);
	assert_int_equal(ward_policy_set_env(policy, "A=2", &err), 0); /* replaces A=1 */
	assert_int_equal(policy->env_set.len, 2);
	assert_string_equal(policy->env_set.items[0], "A=2");
	assert_int_equal(ward_policy_set_env(policy, "=1", &err), -EINVAL);
	assert_int_equal(ward_policy_set_env(policy, "NOEQ", &err), -EINVAL);
	assert_int_equal(ward_policy_unset_env(policy, "SECRET", &err), 0);
	assert_int_equal(ward_policy_unset_env(policy, "A=B", &err), -EINVAL);
	assert_int_equal(ward_policy_unset_env(policy, "", &err), -EINVAL);
	assert_int_equal(ward_policy_clean_env(policy, 1), 0);
	assert_true(policy->clean_env);
	assert_int_equal(ward_policy_set_cwd(policy, "/srv/./work/", &err), 0);
	assert_string_equal(policy->cwd, "/srv/work");
	assert_int_equal(ward_policy_set_cwd(policy, "work", &err), -EINVAL);
	assert_int_equal(ward_policy_unshare(policy, WARD_NS_PID | WARD_NS_UTS), 0);
	assert_int_equal(ward_policy_unshare(policy, 1u << 9), -EINVAL);
	assert_int_equal(ward_policy_set_hostname(policy, "box-1.local", &err), 0);
	assert_int_equal(ward_policy_set_hostname(policy, "-bad", &err), -EINVAL);
	assert_int_equal(ward_policy_set_hostname(policy, "a b", &err), -EINVAL);
	assert_string_equal(policy->hostname, "box-1.local");
	assert_int_equal(ward_policy_set_mode(policy, WARD_MODE_AUDIT), 0);
	assert_int_equal(ward_policy_set_mode(policy, (enum ward_mode)7), -EINVAL);
	assert_int_equal(policy->mode, WARD_MODE_AUDIT);
	assert_int_equal(ward_policy_allow_degraded(policy, "cgroup-bpf", &err), 0);
	assert_int_equal(ward_policy_allow_degraded(policy, "selinux", &err), -EINVAL);
	assert_contains(err.message, "api: unknown layer 'selinux'");
	assert_int_equal(policy->degraded, 1u << LAYER_CGROUP_BPF);
	assert_int_equal(policy_validate(policy, &err), 0);
	ward_policy_free(policy);
}

static void test_layer_names_round_trip(void **state)
{
	const char *names[] = {"bpf-lsm", "cgroup-bpf", "landlock",   "seccomp", "supervisor",
			       "cgroup",  "rlimit",	"namespaces", "monitor", "bpf-trace"};
	for (int i = 0; i < LAYER_COUNT_; i++) {
		assert_string_equal(ward_layer_name((enum ward_layer)i), names[i]);
		assert_int_equal(ward_layer_from_name(names[i]), i);
	}
	assert_int_equal(ward_layer_from_name("apparmor"), LAYER_NONE);
	assert_int_equal(ward_layer_from_name(NULL), LAYER_NONE);
}

static void test_path_normalize_and_loc_format(void **state)
{
	char buf[64];
	struct ward_loc file = {.file = "p.yaml", .line = 7, .column = 12};
	struct ward_loc flag = {.file = "--fs-read"};
	assert_string_equal(ward_loc_format(file, buf, sizeof(buf)), "p.yaml:7:12");
	assert_string_equal(ward_loc_format(flag, buf, sizeof(buf)), "--fs-read");

	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	const char *cases[][2] = {
		{"/", "/"},
		{"//", "/"},
		{"/..", "/"},
		{"/usr/", "/usr"},
		{"/usr/../..", "/"},
		{"/./usr/./bin//", "/usr/bin"},
		{"/usr/lib/..", "/usr"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ward_policy_set_cwd(policy, cases[i][0], &err), 0);
		assert_string_equal(policy->cwd, cases[i][1]);
	}
	ward_policy_free(policy);
}

static void test_profiles(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	const char *const *names = profile_names();

	assert_string_equal(names[0], "default");
	assert_string_equal(names[1], "minimal");
	assert_string_equal(names[6], "go");
	assert_null(names[7]);
	/* Every built-in profile loads (toolchain ones extend default). */
	for (size_t i = 0; names[i]; i++) {
		ward_policy *each = ward_policy_new();
		if (ward_policy_use_profile(each, names[i], &err) < 0)
			fail_msg("profile %s: %s", names[i], err.message);
		ward_policy_free(each);
	}
	assert_int_equal(ward_policy_use_profile(policy, "nope", &err), -EINVAL);
	assert_string_equal(
		err.message,
		"unknown profile 'nope' (known: default, minimal, python, node, git, rust, go)");
	assert_int_equal(policy->fs.len, 0);

	assert_int_equal(ward_policy_use_profile(policy, "default", &err), 0);
	assert_true(policy->private_tmp);
	assert_int_equal(policy->limits[WARD_LIMIT_PIDS].value, 512);
	assert_int_equal(policy->net.len, 0);
	assert_int_equal(policy->mode, WARD_MODE_ENFORCE);
	bool saw_etc = false, saw_null = false, saw_urandom = false;
	VEC_FOREACH(&policy->fs, rule)
	{
		assert_string_equal(rule->loc.file, "profile:default");
		/* Its only denials are the host's secrets under /etc. */
		if (rule->deny)
			assert_true(strncmp(rule->path, "/etc/", 5) == 0);
		if (strcmp(rule->path, "/etc") == 0)
			saw_etc = rule->access == (WARD_FS_READ | WARD_FS_EXEC);
		if (strcmp(rule->path, "/dev/null") == 0)
			saw_null = rule->access == (WARD_FS_READ | WARD_FS_WRITE);
		if (strcmp(rule->path, "/dev/urandom") == 0)
			saw_urandom = rule->access == WARD_FS_READ;
	}
	assert_true(saw_etc && saw_null && saw_urandom);
	ward_policy_free(policy);

	/* Audit set before a profile is not undone by it. */
	policy = ward_policy_new();
	assert_int_equal(ward_policy_set_mode(policy, WARD_MODE_AUDIT), 0);
	assert_int_equal(ward_policy_use_profile(policy, "minimal", &err), 0);
	assert_int_equal(policy->mode, WARD_MODE_AUDIT);
	assert_false(policy->private_tmp);
	ward_policy_free(policy);
}

/* Among 10,000 network rules the first contradiction in policy order is
 * named, with the first rule it contradicts; none among distinct rules. */
static void test_first_of_many_contradictions_is_named(void **state)
{
	(void)state;
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	char rule[64];
	for (int i = 0; i < 10000; i++) {
		snprintf(rule, sizeof(rule), "tcp://10.%d.%d.1/32:443", i / 250, i % 250);
		assert_int_equal(ward_policy_net_allow(policy, rule, &err), 0);
	}
	assert_int_equal(policy_validate(policy, &err), 0);
	assert_int_equal(ward_policy_net_deny(policy, "tcp://10.39.249.1/32:443", &err), 0);
	assert_int_equal(ward_policy_net_deny(policy, "tcp://10.0.3.1/32:443", &err), 0);
	assert_int_equal(ward_policy_net_allow(policy, "tcp://10.0.3.1/32:443", &err), 0);
	assert_int_equal(policy_validate(policy, &err), -EINVAL);
	/* the deny of 10.39.249.1 comes first; it contradicts the 10,000th allow */
	assert_contains(err.message, "'tcp://10.39.249.1/32:443' conflicts with net.allow "
				     "'tcp://10.39.249.1/32:443'");
	ward_policy_free(policy);
}

static void test_conflict_with_earlier_load_leaves_policy_unchanged(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};

	assert_int_equal(
		ward_policy_load_string(policy, "fs:\n  read: [/usr/share]\n", "first.yaml", &err),
		0);
	char *before = policy_to_json(policy);
	int r = ward_policy_load_string(policy,
					"limits: {pids: 9}\nfs:\n  write: [/tmp]\n"
					"  deny: [/usr/share]\n",
					"second.yaml", &err);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.message, "second.yaml:4:10: fs.deny: '/usr/share' conflicts with "
					 "fs.read '/usr/share' at first.yaml:2:10");
	char *after = policy_to_json(policy);
	assert_string_equal(before, after);
	assert_false(policy->limits[WARD_LIMIT_PIDS].set);
	free(before);
	free(after);

	/* The same conflict from the API is caught by policy_validate. */
	assert_int_equal(ward_policy_fs_deny(policy, "/usr/share", &err), 0);
	assert_int_equal(policy_validate(policy, &err), -EINVAL);
	assert_contains(err.message, "api: fs.deny: '/usr/share' conflicts with fs.read");
	ward_policy_free(policy);
}

static void test_hostname_needs_uts_from_any_source(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	/* uts from one load, hostname from the next: fine together. */
	assert_int_equal(
		ward_policy_load_string(policy, "process: {namespaces: [uts]}", NULL, &err), 0);
	assert_int_equal(ward_policy_load_string(policy, "process: {hostname: box}", NULL, &err),
			 0);
	assert_string_equal(policy->hostname, "box");
	ward_policy_free(policy);

	policy = ward_policy_new();
	assert_int_equal(ward_policy_load_string(policy, "process: {hostname: box}", NULL, &err),
			 -EINVAL);
	assert_string_equal(err.message,
			    "<string>:1:21: process.hostname: hostname 'box' needs the "
			    "uts namespace (add uts to process.namespaces)");
	assert_null(policy->hostname);
	ward_policy_free(policy);
}

static void test_strings_edge_cases(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};

	assert_int_equal(ward_policy_load_string(policy, "", NULL, &err), 0);
	assert_int_equal(ward_policy_load_string(policy, "# only a comment\n", NULL, &err), 0);
	assert_int_equal(ward_policy_load_string(policy, "~\n", NULL, &err), 0);
	assert_int_equal(ward_policy_load_string(policy, "fs:\nnet:\n", NULL, &err), 0);
	assert_int_equal(policy->fs.len, 0);
	assert_int_equal(ward_policy_load_string(policy, "just a string", NULL, &err), -EINVAL);
	assert_contains(err.message, "<string>:1:1: expected a mapping");
	assert_int_equal(ward_policy_load_string(policy, "fs: {read: [\"/usr\\0x\"]}", NULL, &err),
			 -EINVAL);
	assert_contains(err.message, "NUL byte");
	/* A quoted newline must not split the one-line error. */
	assert_int_equal(ward_policy_load_string(policy, "mode: \"a\\nb\"", NULL, &err), -EINVAL);
	assert_null(strchr(err.message, '\n'));
	assert_contains(err.message, "unknown mode 'a?b'");
	assert_int_equal(ward_policy_load_string(policy, "{[a]: 1}", NULL, &err), -EINVAL);
	assert_contains(err.message, "a key must be a name");
	/* extends written after other keys still lands first. */
	assert_int_equal(ward_policy_load_string(policy,
						 "fs: {private_tmp: false}\nextends: default",
						 "late.yaml", &err),
			 0);
	assert_false(policy->private_tmp);
	/* the same profile twice in a row is a repeat, not a cycle */
	assert_int_equal(ward_policy_load_string(policy, "extends: [minimal, minimal]", NULL, &err),
			 0);
	ward_policy_free(policy);
}

static void test_json_is_stable_and_digest_tracks_rules(void **state)
{
	ward_policy *a = ward_policy_new(), *b = ward_policy_new();
	ward_error err = {0};
	char da[65], db[65];

	/* Same rules from different sources: same JSON and digest (no locations). */
	assert_int_equal(ward_policy_load_string(a,
						 "fs: {read: [/usr]}\nlimits: {memory: 1G}\n"
						 "net: {allow: ['tcp://*:443']}",
						 "a.yaml", &err),
			 0);
	assert_int_equal(ward_policy_fs_allow(b, "/usr/", WARD_FS_READ, &err), 0);
	assert_int_equal(ward_policy_set_limit(b, WARD_LIMIT_MEMORY, "1024M", &err), 0);
	assert_int_equal(ward_policy_net_allow(b, "tcp://*:443", &err), 0);
	assert_int_equal(policy_digest(a, da), 0);
	assert_int_equal(policy_digest(b, db), 0);
	assert_int_equal(strlen(da), 64);
	assert_int_equal(strspn(da, "0123456789abcdef"), 64);
	assert_string_equal(da, db);

	char *json = policy_to_json(a);
	assert_contains(json, "\"mode\":\"enforce\"");
	assert_contains(json, "{\"path\":\"/usr\",\"action\":\"allow\",\"access\":[\"read\"]");
	assert_contains(json, "\"limits\":{\"memory\":1073741824}");
	assert_contains(json, "\"proto\":\"tcp\",\"family\":\"any\",\"addr\":\"*\",\"prefix\":0,"
			      "\"ports\":[\"443\"]");
	free(json);

	assert_int_equal(ward_policy_set_mode(b, WARD_MODE_AUDIT), 0);
	assert_int_equal(policy_digest(b, db), 0);
	assert_string_not_equal(da, db);
	ward_policy_free(a);
	ward_policy_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_adders_normalize_and_check_existence),
		cmocka_unit_test(test_cli_location_prefixes_message),
		cmocka_unit_test(test_net_exec_bind_and_limits),
		cmocka_unit_test(test_process_settings),
		cmocka_unit_test(test_layer_names_round_trip),
		cmocka_unit_test(test_path_normalize_and_loc_format),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_conflict_with_earlier_load_leaves_policy_unchanged),
		cmocka_unit_test(test_first_of_many_contradictions_is_named),
		cmocka_unit_test(test_hostname_needs_uts_from_any_source),
		cmocka_unit_test(test_strings_edge_cases),
		cmocka_unit_test(test_json_is_stable_and_digest_tracks_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

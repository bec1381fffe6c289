/* test_policy_yaml.c — the YAML loader against the files in tests/policies:
 * every good file loads; every bad file fails with -EINVAL and one line that
 * names the file, the line:col and a precise reason (the table below), and
 * leaves the policy it was loaded onto exactly as it was. Runs from the repo
 * root.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy/policy.h"

#define GOOD_DIR "tests/policies/good"
#define BAD_DIR "tests/policies/bad"

/* Every file in BAD_DIR, and a fragment its error must contain. */
static const struct {
	const char *file;
	const char *expect;
} bad_files[] = {
	{"argv_and_path.yaml",
	 "4:13: exec.allow[0].argv: an exec item has either 'path' or 'argv', not both"},
	{"argv_empty_list.yaml",
	 "3:13: exec.deny[0].argv: an argv rule needs at least one pattern"},
	{"argv_empty_string.yaml", "3:19: exec.deny[0].argv[1]: an argv pattern must not be empty"},
	{"argv_missing.yaml", "3:7: exec.deny[0]: missing 'argv' or 'path'"},
	{"argv_non_string_item.yaml", "3:19: exec.deny[0].argv[1]: expected a value, got a list"},
	{"argv_not_a_list.yaml", "3:13: exec.deny[0].argv: expected a list, got a scalar"},
	{"argv_null_item.yaml", "3:19: exec.deny[0].argv[1]: missing value"},
	{"argv_then_conflict.yaml", "8:10: fs.deny: '/usr/share' conflicts with fs.read"},
	{"argv_too_many.yaml", "3:13: exec.deny[0].argv: an argv rule has at most 64 patterns"},
	{"argv_unknown_key.yaml",
	 "4:7: exec.deny[0]: unknown key 'when' (expected one of: argv, path)"},
	{"bind_port_zero.yaml", "2:16: net.bind[1]: port 0 is not allowed"},
	{"bool_bad.yaml", "fs.private_tmp: expected true or false, got 'maybe'"},
	{"cidr_host_bits.yaml",
	 "net.allow[0]: 10.0.0.1/8: host bits set; did you mean 10.0.0.0/8?"},
	{"cidr_prefix_33.yaml", "4:7: net.allow[1]: bad CIDR '10.0.0.0/33': prefix must be 0..32"},
	{"cidr_v6_prefix_129.yaml", "bad CIDR '[2001:db8::]/129': prefix must be 0..128"},
	{"conflict_exec.yaml",
	 "3:10: exec.deny: '/usr/bin/true' conflicts with exec.allow '/usr/bin/true' at "
	 "tests/policies/bad/conflict_exec.yaml:2:11"},
	{"conflict_fs.yaml", "3:10: fs.deny: '/usr/share' conflicts with fs.read '/usr/share' at "
			     "tests/policies/bad/conflict_fs.yaml:2:10"},
	{"conflict_net.yaml", "net.deny: 'tcp://*:22' conflicts with net.allow 'tcp://*:22' at"},
	{"cycle_a.yaml", "extends: extends cycle: "},
	{"cycle_b.yaml", "extends: extends cycle: "},
	{"degraded_unknown_layer.yaml", "allow_degraded[1]: unknown layer 'apparmor' (known: "},
	{"duplicate_env_key.yaml", "4:5: process.env: duplicate key 'FOO' (first at line 3)"},
	{"duplicate_key.yaml", "3:3: fs: duplicate key 'read' (first at line 2)"},
	{"duplicate_top_key.yaml", "2:1: duplicate key 'mode' (first at line 1)"},
	{"duration_bad_unit.yaml", "limits.cpu_time: bad duration '10 parsecs'"},
	{"duration_zero.yaml", "limits.timeout: duration '0s' must be greater than 0"},
	{"env_without_equals.yaml", "process.env[0]: bad environment entry 'NOVALUE'"},
	{"exec_path_missing.yaml",
	 "exec.allow[0]: path '/usr/bin/ward-no-such-binary' does not exist"},
	{"extends_missing_file.yaml", "1:10: extends: cannot read policy file "},
	{"extends_unknown_profile.yaml", "1:10: extends: unknown profile 'nope' (known: default, "
					 "minimal, python, node, git, rust, go)"},
	{"hostname_bad.yaml", "process.hostname: bad hostname 'bad host'"},
	{"hostname_without_uts.yaml",
	 "4:13: process.hostname: hostname 'box' needs the uts namespace"},
	{"ipv6_without_brackets.yaml", "net.allow[0]: IPv6 address needs brackets"},
	{"item_missing_path.yaml", "3:7: fs.read[0]: missing 'path'"},
	{"mode_unknown.yaml", "1:7: mode: unknown mode 'strict' (expected enforce or audit)"},
	{"namespace_unknown.yaml", "process.namespaces[1]: unknown namespace 'mnt'"},
	{"net_bad_ipv4.yaml", "net.allow[0]: bad IPv4 address '300.1.2.3'"},
	{"net_hostname.yaml", "cannot resolve host 'ward-test.invalid'"},
	{"net_unknown_scheme.yaml", "unknown scheme 'icmp://' (expected tcp:// or udp://)"},
	{"nofile_too_large.yaml", "limits.nofile: nofile '2000000' out of range (1..1048576)"},
	{"path_missing.yaml", "fs.write[0]: path '/nonexistent/ward-test-dir' does not exist"},
	{"path_relative.yaml", "2:16: fs.read[1]: path 'usr/lib' is not absolute"},
	{"percent_too_large.yaml", "limits.cpu: cpu '100001%' out of range"},
	{"percent_words.yaml", "limits.cpu: bad percent 'fifty'"},
	{"pids_too_large.yaml", "limits.pids: pids '5000000' out of range (1..4194304)"},
	{"port_70000.yaml", "net.allow[0]: port '70000' out of range (ports are 1..65535)"},
	{"port_abc.yaml", "net.allow[0]: bad port 'abc'"},
	{"port_reversed.yaml", "net.allow[0]: port range '80-20' is reversed"},
	{"port_zero.yaml", "net.allow[0]: port 0 is not allowed"},
	{"size_negative.yaml", "limits.memory: bad size '-5M'"},
	{"size_overflow.yaml", "limits.memory: size '99999999999999999999G' is too large"},
	{"size_unknown_unit.yaml", "2:11: limits.memory: bad size '12Q'"},
	{"size_zero.yaml", "limits.memory: memory '0' is below the minimum of 1M"},
	{"star_with_prefix.yaml", "net.deny[0]: '*' takes no prefix"},
	{"syntax_bad_indent.yaml", "3:2: YAML syntax error: did not find expected key"},
	{"syntax_tab_indent.yaml", "2:1: YAML syntax error: found character that cannot start"},
	{"syntax_unclosed_list.yaml", "YAML syntax error: did not find expected ',' or ']'"},
	{"too_many_ports.yaml", "net.allow[0]: too many port ranges (at most 32)"},
	{"two_documents.yaml", "4:1: more than one YAML document"},
	{"unknown_fs_key.yaml",
	 "3:3: fs: unknown key 'raed'; did you mean 'read'? (expected one of: read, write, exec, "
	 "deny, private_tmp, tmp_size, tmp_noexec)"},
	{"unknown_item_key.yaml",
	 "fs.read[0]: unknown key 'optinal'; did you mean 'optional'? (expected one of: path, "
	 "optional)"},
	{"unknown_limits_key.yaml", "2:3: limits: unknown key 'memroy'; did you mean 'memory'?"},
	{"unknown_top_key.yaml",
	 "3:1: unknown key 'filesystem' (expected one of: version, extends, mode, allow_degraded, "
	 "fs, net, exec, limits, process, kill_after, quotas, env)"},
	{"value_missing.yaml", "2:8: limits.pids: missing value"},
	{"version_unknown.yaml", "1:10: version: unsupported version '2' (only 1 is known)"},
	{"wrong_type_fs_is_list.yaml", "1:5: fs: expected a mapping, got a list"},
	{"wrong_type_list_is_mapping.yaml", "2:9: fs.read: expected a list, got a mapping"},
	{"wrong_type_memory_is_list.yaml", "2:11: limits.memory: expected a value, got a list"},
	{"wrong_type_root_is_list.yaml",
	 "1:1: expected a mapping of policy keys at the top, got a list"},
	{"yaml_alias.yaml", "3:3: fs.exec: YAML aliases (*name) are not supported"},
};

static bool is_yaml(const char *name)
{
	size_t len = strlen(name);
	return len > 5 && strcmp(name + len - 5, ".yaml") == 0;
}

static size_t count_yaml(const char *dir_path)
{
	DIR *dir = opendir(dir_path);
	struct dirent *entry;
	size_t count = 0;

	assert_non_null(dir);
	while ((entry = readdir(dir)))
		count += is_yaml(entry->d_name);
	closedir(dir);
	return count;
}

/* A policy with something in it, so "unchanged" means more than "empty". */
static ward_policy *seeded_policy(void)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_non_null(policy);
	assert_int_equal(ward_policy_use_profile(policy, "minimal", &err), 0);
	assert_int_equal(ward_policy_net_allow(policy, "tcp://*:443", &err), 0);
	assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_MEMORY, "64M", &err), 0);
	return policy;
}

static void assert_fails_cleanly(const char *path, const char *name, const char *expect)
{
	ward_policy *policy = seeded_policy();
	ward_error err = {0};
	regex_t line_col;
	char *before = policy_to_json(policy);

	assert_int_equal(regcomp(&line_col, ":[0-9]+:[0-9]+: ", REG_EXTENDED | REG_NOSUB), 0);
	int r = ward_policy_load_file(policy, path, &err);
	if (r != -EINVAL)
		fail_msg("%s: expected -EINVAL, got %d (%s)", name, r, err.message);
	assert_int_equal(err.code, -EINVAL);
	if (strchr(err.message, '\n'))
		fail_msg("%s: message is not one line: %s", name, err.message);
	if (!strstr(err.message, name))
		fail_msg("%s: message does not name the file: %s", name, err.message);
	if (regexec(&line_col, err.message, 0, NULL, 0) != 0)
		fail_msg("%s: message has no line:col: %s", name, err.message);
	if (!strstr(err.message, expect))
		fail_msg("%s: message '%s' lacks '%s'", name, err.message, expect);

	char *after = policy_to_json(policy);
	assert_string_equal(before, after);
	assert_int_equal(policy->loading.len, 0);
	free(before);
	free(after);
	regfree(&line_col);
	ward_policy_free(policy);
}

static void test_every_bad_file_fails_with_its_message(void **state)
{
	char path[512];
	/* The table and the directory must match: a new bad file needs its message. */
	assert_int_equal(count_yaml(BAD_DIR), sizeof(bad_files) / sizeof(bad_files[0]));
	assert_true(sizeof(bad_files) / sizeof(bad_files[0]) >= 35);
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, bad_files[i].file);
		if (access(path, R_OK) != 0)
			fail_msg("table names %s, which does not exist", path);
		assert_fails_cleanly(path, bad_files[i].file, bad_files[i].expect);
	}
}

static void test_every_good_file_loads(void **state)
{
	DIR *dir = opendir(GOOD_DIR);
	struct dirent *entry;
	size_t loaded = 0;

	assert_non_null(dir);
	while ((entry = readdir(dir))) {
		char path[512];
		ward_error err = {0};
		if (!is_yaml(entry->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, entry->d_name);
		ward_policy *policy = ward_policy_new();
		int r = ward_policy_load_file(policy, path, &err);
		if (r != 0)
			fail_msg("%s: %s", path, err.message);
		assert_int_equal(policy_validate(policy, &err), 0);
		assert_int_equal(policy->loading.len, 0);
		ward_policy_free(policy);
		loaded++;
	}
	closedir(dir);
	assert_true(loaded >= 6);
}

static const struct fs_rule *find_fs(const struct ward_policy *policy, const char *path, bool deny)
{
	VEC_FOREACH(&policy->fs, rule)
	{
		if (strcmp(rule->path, path) == 0 && rule->deny == deny)
			return rule;
	}
	return NULL;
}

static void test_build_job_content(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_int_equal(ward_policy_load_file(policy, GOOD_DIR "/build_job.yaml", &err), 0);

	const struct fs_rule *tmp = find_fs(policy, "/tmp", false);
	assert_non_null(tmp);
	assert_int_equal(tmp->access, WARD_FS_READ | WARD_FS_WRITE);
	assert_string_equal(tmp->loc.file, GOOD_DIR "/build_job.yaml");
	assert_int_equal(tmp->loc.line, 9);
	assert_int_equal(tmp->loc.column, 11);
	const struct fs_rule *shadow = find_fs(policy, "/etc/shadow", true);
	assert_non_null(shadow);
	assert_int_equal(shadow->access, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	const struct fs_rule *optional =
		find_fs(policy, "/opt/ward-test-optional-toolchain", false);
	assert_non_null(optional);
	assert_true(optional->optional);
	/* from "extends: [minimal]" */
	assert_non_null(find_fs(policy, "/dev/null", false));

	assert_true(policy->private_tmp);
	assert_int_equal(policy->mode, WARD_MODE_ENFORCE);
	assert_true(policy->limits[WARD_LIMIT_MEMORY].value == 3ull << 29);
	assert_int_equal(policy->limits[WARD_LIMIT_PIDS].value, 256);
	assert_int_equal(policy->limits[WARD_LIMIT_CPU_PERCENT].value, 200);
	assert_int_equal(policy->limits[WARD_LIMIT_CPU_TIME].value, 600);
	assert_int_equal(policy->limits[WARD_LIMIT_NOFILE].value, 4096);
	assert_int_equal(policy->limits[WARD_LIMIT_TIMEOUT_MS].value, 3600000);
	assert_string_equal(policy->cwd, "/tmp");
	assert_true(policy->clean_env);
	assert_int_equal(policy->env_set.len, 2);
	assert_string_equal(policy->env_set.items[0], "LANG=C.UTF-8");
	assert_string_equal(policy->env_set.items[1], "EMPTY=");
	assert_int_equal(policy->env_unset.len, 2);
	assert_string_equal(policy->env_unset.items[1], "GITHUB_TOKEN");
	ward_policy_free(policy);
}

/* child.yaml writes its keys before "extends"; they must still win. */
static void test_extends_profile_and_relative_file_then_own_keys(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_int_equal(ward_policy_load_file(policy, GOOD_DIR "/child.yaml", &err), 0);

	const struct fs_rule *share = find_fs(policy, "/usr/share", false);
	assert_non_null(share);
	assert_string_equal(share->loc.file, GOOD_DIR "/base.yaml");
	assert_int_equal(share->loc.line, 3);
	const struct fs_rule *proc = find_fs(policy, "/proc", false);
	assert_non_null(proc);
	assert_string_equal(proc->loc.file, "profile:default");

	assert_false(policy->private_tmp); /* the profile's true, undone by child */
	assert_int_equal(policy->limits[WARD_LIMIT_PIDS].value, 32); /* child over base/profile */
	assert_string_equal(policy->limits[WARD_LIMIT_PIDS].loc.file, GOOD_DIR "/child.yaml");
	assert_true(policy->limits[WARD_LIMIT_MEMORY].value == 128ull << 20); /* from base */
	ward_policy_free(policy);
}

static void test_audit_network_content(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_int_equal(ward_policy_load_file(policy, GOOD_DIR "/audit_network.yaml", &err), 0);
	assert_int_equal(policy->mode, WARD_MODE_AUDIT);
	assert_int_equal(policy->degraded, (1u << LAYER_SUPERVISOR) | (1u << LAYER_CGROUP_BPF) |
						   (1u << LAYER_BPF_LSM));
	assert_int_equal(policy->net.len, 3);
	assert_int_equal(policy->net.items[1].family, AF_INET); /* ::ffff:192.0.2.0/120 */
	assert_int_equal(policy->net.items[1].prefix, 24);
	assert_true(policy->net.items[2].deny);
	assert_int_equal(policy->net.items[2].nports, 3);
	assert_int_equal(policy->bind.len, 4);
	assert_int_equal(policy->bind.items[1].range.lo, 9000);
	assert_int_equal(policy->bind.items[1].range.hi, 9100);
	assert_int_equal(policy->bind.items[3].range.lo, 8443);
	ward_policy_free(policy);
}

static void test_file_over_one_mib_is_refused(void **state)
{
	char path[] = "/tmp/ward-test-big-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("fs:\n  read:\n", f);
	while (ftell(f) <= (1 << 20))
		fputs("    - /usr  # padding padding padding padding padding padding\n", f);
	fclose(f);

	ward_policy *policy = seeded_policy();
	ward_error err = {0};
	char *before = policy_to_json(policy);
	assert_int_equal(ward_policy_load_file(policy, path, &err), -EINVAL);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, "is larger than 1 MiB"));
	assert_null(strchr(err.message, '\n'));
	char *after = policy_to_json(policy);
	assert_string_equal(before, after);
	free(before);
	free(after);
	ward_policy_free(policy);
	unlink(path);
}

static void test_missing_file_names_it(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_true(ward_policy_load_file(policy, "/nonexistent/p.yaml", &err) < 0);
	assert_non_null(strstr(err.message, "/nonexistent/p.yaml"));
	assert_non_null(strstr(err.message, "No such file or directory"));
	assert_true(ward_policy_load_file(policy, "/tmp", &err) < 0);
	ward_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bad_file_fails_with_its_message),
		cmocka_unit_test(test_every_good_file_loads),
		cmocka_unit_test(test_build_job_content),
		cmocka_unit_test(test_extends_profile_and_relative_file_then_own_keys),
		cmocka_unit_test(test_audit_network_content),
		cmocka_unit_test(test_file_over_one_mib_is_refused),
		cmocka_unit_test(test_missing_file_names_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

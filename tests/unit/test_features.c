/* test_features.c — host_features_probe() agrees with the host: each test
 * asks the kernel the same question by another road (the raw Landlock
 * syscall, a raw bpf() LSM load, /proc/self/mountinfo, a seccomp filter
 * installed in a child) and compares. Also checks the JSON and text output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/features.h"

static struct host_features probed;

static int probe_once(void **state)
{
	(void)state;
	return host_features_probe(&probed);
}

static void test_landlock_abi_matches_raw_syscall(void **state)
{
	(void)state;
	long abi = syscall(444 /* landlock_create_ruleset */, NULL, 0, 1u /* VERSION */);
	if (abi < 0) {
		assert_int_equal(probed.landlock_abi, 0);
		assert_true(probed.landlock_why[0] != '\0');
	} else {
		assert_int_equal(probed.landlock_abi, abi);
	}
}

static int raw_lsm_load_errno(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -1;
	int id = btf__find_by_name_kind(vmlinux, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return -1;
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_LSM;
	attr.expected_attach_type = BPF_LSM_MAC;
	attr.attach_btf_id = (__u32)id;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uintptr_t) "GPL";
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void test_bpf_lsm_verdict_matches_raw_load(void **state)
{
	(void)state;
	if (!probed.root) {
		assert_false(probed.bpf_lsm_loads);
		assert_non_null(strstr(probed.bpf_lsm_why, "not root"));
		return;
	}
	int e = raw_lsm_load_errno();
	if (e < 0)
		skip();
	if (e == 0) {
		/* Loads here (a QEMU kernel with lsm=...,bpf): only attach can fail. */
		assert_true(probed.bpf_lsm_loads || strstr(probed.bpf_lsm_why, "attach"));
		return;
	}
	/* This host: LSM programs are refused with EPERM even for root. */
	assert_false(probed.bpf_lsm_loads);
	assert_true(probed.bpf_lsm_why[0] != '\0');
	assert_non_null(strstr(probed.bpf_lsm_why, strerrorname_np(e)));
}

static void test_cgroup_sock_addr_loads_as_root(void **state)
{
	(void)state;
	if (!probed.root) {
		print_message("skip: not root, cgroup BPF needs CAP_BPF+CAP_NET_ADMIN\n");
		assert_false(probed.cgroup_bpf_loads);
		assert_non_null(strstr(probed.cgroup_bpf_why, "not root"));
		return;
	}
	assert_true(probed.cgroup_bpf_loads);
	assert_string_equal(probed.cgroup_bpf_why, "");
}

static void test_btf_matches_sysfs(void **state)
{
	(void)state;
	assert_int_equal(probed.btf, access("/sys/kernel/btf/vmlinux", R_OK) == 0);
}

/* An independent, plain reading of mountinfo: the fields after " - ". */
static void test_cgroup_layout_matches_mountinfo(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	assert_non_null(f);
	char line[4096], v2_mount[4096] = "", memory_mount[4096] = "";
	bool v1_controllers = false;
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		char mnt[4096], fstype[64], opts[1024];
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !v2_mount[0])
			strcpy(v2_mount, mnt);
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		/* "rw,name=systemd" holds no controller. */
		char *o = opts;
		for (char *tok; (tok = strsep(&o, ","));) {
			if (strcmp(tok, "rw") && strcmp(tok, "ro") && !strchr(tok, '='))
				v1_controllers = true;
			if (strcmp(tok, "memory") == 0 && !memory_mount[0])
				strcpy(memory_mount, mnt);
		}
	}
	fclose(f);
	enum cgroup_layout want =
		v2_mount[0] ? (v1_controllers ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V2)
			    : (v1_controllers ? CGROUP_LAYOUT_V1 : CGROUP_LAYOUT_NONE);
	assert_int_equal(probed.cgroup_layout, want);
	assert_string_equal(probed.cgroup_v2_mount, v2_mount);
	const struct cgroup_controller_info *mem = &probed.controllers[CG_CTRL_MEMORY];
	if (memory_mount[0]) {
		assert_true(mem->available);
		assert_false(mem->v2);
		assert_string_equal(mem->mount, memory_mount);
	} else if (mem->available) {
		assert_true(mem->v2);
		assert_string_equal(mem->mount, v2_mount);
	}
	if (probed.root && v2_mount[0])
		assert_true(probed.cgroup_v2_usable);
}

static void test_userns_matches_child(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(probed.userns, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A filter that turns getppid() into EPERM proves filters work here. */
static void test_seccomp_filter_matches_child(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_filter code[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = 4, .filter = code};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(2);
		_exit(syscall(SYS_getppid) < 0 && errno == EPERM ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(probed.seccomp_filter, WEXITSTATUS(status) == 0);
}

static void test_get_probes_once_and_caches(void **state)
{
	(void)state;
	const struct host_features *a = host_features_get(), *b = host_features_get();
	assert_ptr_equal(a, b);
	assert_int_equal(a->landlock_abi, probed.landlock_abi);
	assert_int_equal(a->cgroup_layout, probed.cgroup_layout);
}

static json_object *path_get(json_object *root, const char *a, const char *b)
{
	json_object *o = NULL, *p = NULL;
	assert_true(json_object_object_get_ex(root, a, &o));
	if (!b)
		return o;
	assert_true(json_object_object_get_ex(o, b, &p));
	return p;
}

static void test_json_parses_and_has_the_keys(void **state)
{
	(void)state;
	ward_error err = {0};
	char *text = NULL;
	assert_int_equal(ward_features_json(&text, &err), 0);
	json_object *root = json_tokener_parse(text);
	assert_non_null(root);
	const struct host_features *f = host_features_get();

	assert_int_equal(json_object_get_int(path_get(root, "landlock", "abi")), f->landlock_abi);
	path_get(root, "landlock", "why");
	assert_int_equal(json_object_get_boolean(path_get(root, "seccomp", "filter")),
			 f->seccomp_filter);
	path_get(root, "seccomp", "user_notif");
	path_get(root, "seccomp", "kill_process");
	path_get(root, "userns", NULL);
	assert_int_equal(json_object_get_boolean(path_get(root, "privilege", "root")), f->root);
	path_get(path_get(root, "privilege", "caps"), "bpf", NULL);
	path_get(root, "cgroup", "layout");
	assert_string_equal(json_object_get_string(path_get(root, "cgroup", "v2_mount")),
			    f->cgroup_v2_mount);
	path_get(root, "cgroup", "v2_usable");
	path_get(root, "cgroup", "why");
	json_object *mem = path_get(path_get(root, "cgroup", "controllers"), "memory", NULL);
	static const char *const keys[] = {"available", "usable", "v2", "mount", "why"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		path_get(mem, keys[i], NULL);
	assert_int_equal(json_object_get_boolean(path_get(root, "bpf", "lsm_loads")),
			 f->bpf_lsm_loads);
	assert_string_equal(json_object_get_string(path_get(root, "bpf", "lsm_why")),
			    f->bpf_lsm_why);
	path_get(root, "bpf", "lsm_listed");
	path_get(root, "bpf", "cgroup_sock_addr_loads");
	path_get(root, "bpf", "why");
	path_get(root, "bpf", "btf");
	json_object *avail = path_get(root, "layers", "available");
	assert_true(json_object_is_type(avail, json_type_array));
	assert_true(json_object_array_length(avail) >= 1);
	if (!f->bpf_lsm_loads)
		path_get(path_get(root, "layers", "missing"), "bpf-lsm", NULL);
	json_object_put(root);
	free(text);
}

static void test_print_has_aligned_lines_and_layers(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ward_error err = {0};
	assert_int_equal(ward_features_print(out, &err), 0);
	fclose(out);
	const struct host_features *f = host_features_get();
	char want[64];
	if (f->landlock_abi > 0) {
		snprintf(want, sizeof(want), "landlock        ABI %d\n", f->landlock_abi);
		assert_non_null(strstr(text, want));
	}
	assert_non_null(strstr(text, "\nlayers: "));
	assert_non_null(strstr(text, "\ncgroup          "));
	if (!f->bpf_lsm_loads) {
		assert_non_null(strstr(text, "bpf-lsm         no: "));
		assert_non_null(strstr(text, "; missing: "));
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_landlock_abi_matches_raw_syscall),
		cmocka_unit_test(test_bpf_lsm_verdict_matches_raw_load),
		cmocka_unit_test(test_cgroup_sock_addr_loads_as_root),
		cmocka_unit_test(test_btf_matches_sysfs),
		cmocka_unit_test(test_cgroup_layout_matches_mountinfo),
		cmocka_unit_test(test_userns_matches_child),
		cmocka_unit_test(test_seccomp_filter_matches_child),
		cmocka_unit_test(test_get_probes_once_and_caches),
		cmocka_unit_test(test_json_parses_and_has_the_keys),
		cmocka_unit_test(test_print_has_aligned_lines_and_layers),
	};
	return cmocka_run_group_tests(tests, probe_once, NULL);
}

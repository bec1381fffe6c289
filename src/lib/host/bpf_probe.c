/* bpf_probe.c — BPF LSM and cgroup BPF availability, by trying them.
 * Every "no" says what was observed (the errno, the LSM list, the lockdown
 * mode) and never guesses a cause it has not seen. Loads nothing that
 * outlives the probe, and only looks at securityfs in a private mount
 * namespace, so the host's mounts are never changed.
 */
#include "host/bpf_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "host/sysfile.h"

#define SECURITYFS "/sys/kernel/security"

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);
	return name ? name : "unknown errno";
}

/* "none integrity [confidentiality]" -> "confidentiality". */
static void parse_lockdown(const char *text, char *out, size_t size)
{
	const char *open = strchr(text, '[');
	const char *close = open ? strchr(open, ']') : NULL;
	if (!open || !close) {
		out[0] = '\0';
		return;
	}
	snprintf(out, size, "%.*s", (int)(close - open - 1), open + 1);
}

/* securityfs is often not mounted: mount it in a child's private mount
 * namespace and pass the two files back through a pipe. */
static int read_securityfs_privately(char *lsm, size_t lsm_size, char *lockdown,
				     size_t lockdown_size)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		char buf[512];
		close(fds[0]);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("securityfs", SECURITYFS, "securityfs", 0, NULL) < 0)
			_exit(1);
		ssize_t n = sysfile_read(SECURITYFS "/lsm", buf, 200);
		if (n < 0)
			_exit(1);
		buf[strcspn(buf, "\n")] = '\0';
		size_t len = strlen(buf);
		buf[len++] = '\n';
		if (sysfile_read(SECURITYFS "/lockdown", buf + len, sizeof(buf) - len) < 0)
			buf[len] = '\0';
		if (write(fds[1], buf, strlen(buf)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	char buf[512];
	size_t len = 0;
	ssize_t n;
	while (len + 1 < sizeof(buf) && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)
		return -EIO;
	char *nl = strchr(buf, '\n');
	*nl = '\0';
	int written = snprintf(lsm, lsm_size, "%s", buf);
	if (written < 0 || (size_t)written >= lsm_size)
		return -ENAMETOOLONG;
	parse_lockdown(nl + 1, lockdown, lockdown_size);
	return 0;
}

static void probe_lsm_list(struct host_features *f)
{
	char buf[256];
	if (sysfile_read(SECURITYFS "/lsm", buf, sizeof(buf)) >= 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(f->lsm_list, sizeof(f->lsm_list), "%.127s", buf);
		f->lsm_list_known = true;
		if (sysfile_read(SECURITYFS "/lockdown", buf, sizeof(buf)) >= 0)
			parse_lockdown(buf, f->lockdown, sizeof(f->lockdown));
	} else if (f->cap_sys_admin &&
		   read_securityfs_privately(f->lsm_list, sizeof(f->lsm_list), f->lockdown,
					     sizeof(f->lockdown)) == 0) {
		f->lsm_list_known = true;
	}
	if (!f->lsm_list_known)
		return;
	for (const char *p = f->lsm_list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 3 && strncmp(p, "bpf", 3) == 0)
			f->bpf_lsm_listed = true;
		p += n + (p[n] ? 1 : 0);
	}
}

/* What the host said next to a refused load: lockdown and the verifier log. */
static void describe_refusal(const struct host_features *f, const char *what, int e,
			     const char *log, char *why, size_t size)
{
	char lockdown[64] = "lockdown unknown";
	if (f->lockdown[0])
		snprintf(lockdown, sizeof(lockdown), "lockdown is '%s'", f->lockdown);
	char first_line[80];
	snprintf(first_line, sizeof(first_line), "%.*s", (int)strcspn(log, "\n"), log);
	snprintf(why, size, "%s returned %s; %s; verifier log %s%s%s", what, errno_name(e),
		 lockdown, first_line[0] ? "'" : "empty", first_line, first_line[0] ? "'" : "");
}

#define NEED_PRIVILEGE "needs CAP_BPF+CAP_NET_ADMIN/CAP_SYS_ADMIN (not root)"

static bool may_load_bpf(const struct host_features *f)
{
	return f->root || f->cap_bpf || f->cap_sys_admin;
}

static void probe_lsm_load(struct host_features *f)
{
	if (!f->lsm_list_known) {
		snprintf(f->bpf_lsm_why, sizeof(f->bpf_lsm_why),
			 "LSM list unknown (" SECURITYFS "/lsm unreadable); ");
	} else if (!f->bpf_lsm_listed) {
		snprintf(f->bpf_lsm_why, sizeof(f->bpf_lsm_why),
			 "\"bpf\" not in the active LSMs (%s); boot with lsm=...,bpf", f->lsm_list);
		return;
	}
	size_t used = strlen(f->bpf_lsm_why);
	char *why = f->bpf_lsm_why + used;
	size_t why_size = sizeof(f->bpf_lsm_why) - used;
	if (!may_load_bpf(f)) {
		snprintf(why, why_size, NEED_PRIVILEGE);
		return;
	}
	if (!f->btf) {
		snprintf(why, why_size, "no /sys/kernel/btf/vmlinux: LSM programs need kernel BTF");
		return;
	}
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, why_size, "loading kernel BTF failed: %s", errno_name(errno));
		return;
	}
	int btf_id = btf__find_by_name_kind(vmlinux, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (btf_id < 0) {
		snprintf(why, why_size, "kernel BTF has no bpf_lsm_file_open");
		return;
	}
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char log[512] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
		    .attach_btf_id = (__u32)btf_id, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	_cleanup_close_ int prog = bpf_prog_load(BPF_PROG_TYPE_LSM, "ward_probe_lsm", "GPL", insns,
						 ARRAY_SIZE(insns), &opts);
	if (prog < 0) {
		describe_refusal(f, "LSM program load", -prog, log, why, why_size);
		return;
	}
	_cleanup_close_ int link = bpf_link_create(prog, 0, BPF_LSM_MAC, NULL);
	if (link < 0) {
		describe_refusal(f, "LSM program loaded, attach", -link, "", why, why_size);
		return;
	}
	f->bpf_lsm_loads = true;
	f->bpf_lsm_why[0] = '\0';
}

static void probe_cgroup_load(struct host_features *f)
{
	if (!may_load_bpf(f)) {
		snprintf(f->cgroup_bpf_why, sizeof(f->cgroup_bpf_why), NEED_PRIVILEGE);
		return;
	}
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char log[512] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_INET4_CONNECT,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	_cleanup_close_ int prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "ward_probe_c4",
						 "GPL", insns, ARRAY_SIZE(insns), &opts);
	if (prog < 0) {
		describe_refusal(f, "cgroup/connect4 program load", -prog, log, f->cgroup_bpf_why,
				 sizeof(f->cgroup_bpf_why));
		return;
	}
	f->cgroup_bpf_loads = true;
}

/* fexit (tracing) programs on a kernel function: what file accounting
 * needs. Some hosts refuse them with EPERM while cgroup programs load. */
static void probe_fexit_load(struct host_features *f)
{
	char *why = f->fexit_why;
	size_t why_size = sizeof(f->fexit_why);
	if (!may_load_bpf(f)) {
		snprintf(why, why_size, NEED_PRIVILEGE);
		return;
	}
	if (!f->btf) {
		snprintf(why, why_size,
			 "no /sys/kernel/btf/vmlinux: fexit programs need kernel BTF");
		return;
	}
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, why_size, "loading kernel BTF failed: %s", errno_name(errno));
		return;
	}
	int btf_id = btf__find_by_name_kind(vmlinux, "vfs_write", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (btf_id < 0) {
		snprintf(why, why_size, "kernel BTF has no vfs_write");
		return;
	}
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char log[512] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
		    .attach_btf_id = (__u32)btf_id, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	_cleanup_close_ int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ward_probe_fx", "GPL",
						 insns, ARRAY_SIZE(insns), &opts);
	if (prog < 0) {
		describe_refusal(f, "fexit program load", -prog, log, why, why_size);
		return;
	}
	_cleanup_close_ int link = bpf_link_create(prog, 0, BPF_TRACE_FEXIT, NULL);
	if (link < 0) {
		describe_refusal(f, "fexit program loaded, attach", -link, "", why, why_size);
		return;
	}
	f->fexit_loads = true;
	why[0] = '\0';
}

void bpf_probe(struct host_features *f)
{
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	probe_lsm_list(f);
	probe_lsm_load(f);
	probe_cgroup_load(f);
	probe_fexit_load(f);
}

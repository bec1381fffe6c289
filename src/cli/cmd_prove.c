/* cmd_prove.c — `ward prove [--class C] [--json]`: runs every attack of the
 * catalogue (prove_probes.c, inside ward itself) in a fresh sandbox through
 * libward, the same path as `ward run`, with a policy that must stop it, and
 * a control run that must succeed. A skip names the missing kernel feature
 * or the known-open issue and never counts as a pass; any failure makes the
 * exit status 1. Targets are the runner's own: a scratch directory, unix
 * and TCP listeners, and one idle helper process, all removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "prove.h"

/* Policy pieces on top of the default profile. */
enum {
	POL_FS_DENY = 1u << 0,	      /* -w DIR/w --fs-deny DIR/w/deny */
	POL_FS_DENY_LINKED = 1u << 7, /* -w DIR/l --fs-deny DIR/l/deny; DIR/l/alias links in */
	POL_EXEC = 1u << 1,	      /* -x DIR/bin --exec-deny DIR/bin/denied */
	POL_NET_ADDR = 1u << 2,	      /* tcp://ANY:P minus 127.0.0.1/32 and [::1]/128 on P */
	POL_NET_PORTS = 1u << 3,      /* tcp://ANY:Q only (Landlock TCP ports) */
	POL_NET_UDP = 1u << 4,	      /* udp://127.0.0.2:9 only (an address rule) */
	POL_UNSHARE_NET = 1u << 5,    /* --unshare-net */
	POL_ARGV = 1u << 6,	      /* --exec-deny 'ward __probe argv-target x FORBIDDEN' */
	POL_FS_DENY_DEEP = 1u << 8,   /* -w DIR/p --fs-deny DIR/p/sub/secret */
	POL_FS_DENY_ABSENT = 1u << 9, /* -w DIR/a --fs-deny DIR/a/absent (absent at start) */
	POL_EXEC_LINKED =
		1u << 10,	 /* -x DIR/x --exec-deny DIR/x/a/denied; DIR/x/b/alias links it */
	POL_NET_BIND = 1u << 11, /* --net-bind Q+1..Q+32 (prove_probes.c PROBE_BIND_SPAN) */
	POL_UNIX = 1u << 12, /* -r DIR/u -w DIR/uw --unix-allow DIR/u/allowed, DIR/uw/net-unix */
};

#define KILLED_SIGSYS (-SIGSYS)
/* ward refused to run the policy at all (exit 125): fail closed, a stop. */
#define REFUSED 1000

struct probe_def {
	const char *cls, *name;
	int want[4];		/* errnos that count as stopped (KILLED_SIGSYS: killed) */
	unsigned policy;	/* POL_* */
	const char *plan_rule;	/* the plan row whose layer stops it (a substring) */
	const char *known_open; /* a class another change closes: skip until then */
	/* The kernel feature the plan row needs: with no such row in the plan,
	 * nothing claims the class here, and an attack that works is a skip
	 * naming it (never a pass). */
	const char *needs;
};

static const struct probe_def catalogue[] = {
	{"fs", "fs-symlink", {EACCES, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"fs", "fs-dotdot", {EACCES, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"fs", "fs-rename", {EACCES, EXDEV, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"fs", "fs-opath-reopen", {EACCES, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"fs", "fs-openat2", {EACCES, ENOSYS}, 0, "fs: deny everything", NULL, NULL},
	{"fs",
	 "fs-hardlink-new",
	 {EACCES, EXDEV, EPERM, ENOENT},
	 0,
	 "fs: deny everything",
	 NULL,
	 NULL},
	{"fs",
	 "fs-deny-hardlink",
	 {EACCES, EPERM, REFUSED},
	 POL_FS_DENY_LINKED,
	 "fs deny",
	 NULL,
	 NULL},
	{"fs", "fs-deny-usable", {EACCES, EPERM, ENOENT}, POL_FS_DENY, "fs deny", NULL, NULL},
	/* Renaming the denied file's parent away (the mask goes with it) and
	 * creating the name afresh would replace what the denial (or a
	 * read-only carve-out, DIR/.git/config) protects. */
	{"fs",
	 "fs-deny-rename-dir",
	 {EBUSY, EACCES, EXDEV},
	 POL_FS_DENY_DEEP,
	 "fs deny",
	 NULL,
	 NULL},
	/* A denied name absent at start must stay uncreatable: --explain calls
	 * it a Landlock hole ("its directory takes no new entries"). */
	{"fs",
	 "fs-deny-absent",
	 {EACCES, EROFS, EPERM, REFUSED},
	 POL_FS_DENY_ABSENT,
	 "fs deny",
	 NULL,
	 NULL},
	/* Host-made sockets inside a read grant (DIR/u): only write grants,
	 * the sandbox's own tmpfs and net.unix reach a socket. */
	{"unix", "unix-pathname", {EACCES, REFUSED}, POL_UNIX, "pathname unix sockets", NULL, NULL},
	{"unix", "unix-symlink", {EACCES, REFUSED}, POL_UNIX, "pathname unix sockets", NULL, NULL},
	{"unix", "unix-relative", {EACCES, REFUSED}, POL_UNIX, "pathname unix sockets", NULL, NULL},
	{"unix",
	 "unix-rename-race",
	 {EACCES, REFUSED},
	 POL_UNIX,
	 "pathname unix sockets",
	 NULL,
	 NULL},
	{"unix", "unix-dgram", {EACCES, REFUSED}, POL_UNIX, "pathname unix sockets", NULL, NULL},
	{"unix", "unix-allowed", {EACCES, REFUSED}, POL_UNIX, "pathname unix sockets", NULL, NULL},
	/* A net.unix path inside a write grant, made a symlink to the
	 * runner's socket: the rule's inode is its own, never the link's. */
	{"unix",
	 "unix-allow-swap",
	 {EACCES, REFUSED},
	 POL_UNIX,
	 "pathname unix sockets",
	 NULL,
	 NULL},
	/* On the host's network (a TCP rule): Landlock's scope judges the
	 * abstract names, so the supervisor lets the kernel send it, frozen. */
	{"unix",
	 "unix-sendmmsg-tail",
	 {EACCES, REFUSED},
	 POL_UNIX | POL_NET_PORTS,
	 "pathname unix sockets",
	 NULL,
	 NULL},
	{"unix",
	 "unix-abstract",
	 /* In its own network namespace the host's abstract names are not
	  * there at all (ECONNREFUSED); otherwise Landlock's scope. */
	 {EPERM, ECONNREFUSED},
	 0,
	 "abstract unix sockets and signals|namespace net",
	 NULL,
	 "Landlock ABI 6 scoping"},
	/* Metadata of a file outside every grant: in the sandbox's own root it
	 * is not there at all (ENOENT); bound read-only it is EROFS. */
	{"meta", "meta-chmod", {EACCES, EPERM, EROFS, ENOENT}, 0, "meta", NULL, NULL},
	{"meta", "meta-mknod-dev", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"meta", "meta-chown", {EACCES, EPERM, EROFS, ENOENT}, 0, "meta", NULL, NULL},
	/* The host's device nodes in the own /dev are bound read-only. */
	{"meta",
	 "meta-dev-node",
	 {EROFS, EACCES, EPERM},
	 0,
	 "file metadata outside write grants",
	 NULL,
	 "the sandbox's own root (mount and pid namespaces)"},
	{"meta", "meta-setxattr", {EACCES, EPERM, EROFS, ENOENT}, 0, "meta", NULL, NULL},
	{"meta", "meta-utimes", {EACCES, EPERM, EROFS, ENOENT}, 0, "meta", NULL, NULL},
	{"exec", "exec-deny", {EACCES}, POL_EXEC, "exec deny", NULL, NULL},
	{"exec", "exec-ldso", {EACCES}, POL_EXEC, "exec deny", NULL, NULL},
	{"exec", "exec-fexecve", {EACCES}, POL_EXEC, "exec deny", NULL, NULL},
	{"exec", "exec-memfd", {EACCES}, POL_EXEC, "exec deny", NULL, NULL},
	{"exec",
	 "exec-memfd-own",
	 {EACCES, ENOSYS},
	 0,
	 "exec: no programs from memory",
	 NULL,
	 NULL},
	{"exec", "exec-mmap", {EACCES}, POL_EXEC, "exec deny", NULL, NULL},
	/* A hard link in another directory of the exec grant runs the file
	 * past a path-based denial: refused at start. */
	{"exec", "exec-deny-hardlink", {EACCES, REFUSED}, POL_EXEC_LINKED, "exec deny", NULL, NULL},
	{"net", "net-zero4", {EACCES, EPERM}, POL_NET_ADDR, "net deny", NULL, NULL},
	{"net", "net-zero-mapped", {EACCES, EPERM}, POL_NET_ADDR, "net deny", NULL, NULL},
	{"net", "net-zero6", {EACCES, EPERM}, POL_NET_ADDR, "net deny", NULL, NULL},
	{"net", "net-tfo", {EACCES}, POL_NET_PORTS, "net: no TCP Fast Open", NULL, NULL},
	{"net", "net-mptcp", {EACCES}, POL_NET_PORTS, "net: no MPTCP", NULL, NULL},
	{"net", "net-mptcp-bind", {EACCES}, POL_NET_PORTS, "net: no MPTCP", NULL, NULL},
	{"net", "net-sctp", {EACCES}, POL_NET_PORTS, "net: no SCTP", NULL, NULL},
	{"net", "net-ping", {EACCES}, POL_NET_UDP, "net: no ICMP", NULL, NULL},
	{"net", "net-vsock", {EACCES}, 0, "net: no AF_VSOCK", NULL, NULL},
	{"net", "net-vsock-unshared", {EACCES}, POL_UNSHARE_NET, "net: no AF_VSOCK", NULL, NULL},
	{"net", "net-raw", {EPERM}, POL_NET_PORTS, "syscalls: hardening", NULL, NULL},
	{"net", "net-packet", {EPERM}, POL_NET_PORTS, "syscalls: hardening", NULL, NULL},
	{"net", "net-xdp", {EPERM}, POL_NET_PORTS, "syscalls: hardening", NULL, NULL},
	{"net",
	 "net-listen-autobind",
	 {EACCES, EPERM},
	 POL_NET_PORTS | POL_NET_BIND,
	 "net: no TCP listen without bind",
	 NULL,
	 NULL},
	{"net",
	 "net-srcroute4",
	 {EACCES, EPERM},
	 POL_NET_UDP,
	 "net: no IP source routing",
	 NULL,
	 NULL},
	{"net", "net-srcroute6", {EACCES}, POL_NET_UDP, "net: no IP source routing", NULL, NULL},
	/* From a task with a second thread: the send is judged as the
	 * sandbox's, whoever makes it (the BPF LSM sees the calling task). */
	{"net", "net-udp-thread", {EPERM, EACCES}, POL_NET_UDP, "net allow udp", NULL, NULL},
	{"net",
	 "net-netlink",
	 {EPERM, EACCES},
	 0,
	 "capabilities",
	 "known open: root keeps CAP_NET_ADMIN in the sandbox where no user namespace drops it",
	 NULL},
	{"argv", "argv-mapshared", {EACCES}, POL_ARGV, "exec deny argv", NULL, NULL},
	/* The same race, the writer cloned with CLONE_UNTRACED. */
	{"argv", "argv-untraced", {EACCES, EPERM}, POL_ARGV, "exec deny argv", NULL, NULL},
	{"argv", "argv-symlink", {EACCES}, POL_ARGV, "exec deny argv", NULL, NULL},
	{"argv", "argv-ldso", {EACCES, EPERM}, POL_ARGV, "exec deny argv", NULL, NULL},
	{"proc",
	 "proc-signal",
	 /* In its own pid namespace the outside process does not exist for
	  * it (ESRCH); otherwise Landlock's scope. */
	 {EPERM, ESRCH},
	 0,
	 "abstract unix sockets and signals|namespace pid",
	 NULL,
	 "Landlock ABI 6 scoping"},
	{"proc", "proc-ptrace", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"proc", "proc-mem", {EACCES, EPERM, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"proc", "proc-cwd", {EACCES, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"proc", "proc-root", {EACCES, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	{"proc", "proc-exe", {EACCES, EPERM, ENOENT}, 0, "fs: deny everything", NULL, NULL},
	/* The keeper is not dumpable: its environ and mem are ward's. */
	{"proc",
	 "proc-keeper",
	 {EACCES, EPERM, ENOENT},
	 0,
	 "namespace pid",
	 NULL,
	 "a pid namespace (the keeper is its pid 1)"},
	{"kernel", "kernel-bpf", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-mount", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-open-tree-attr", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-io-uring", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-keyctl", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-userfaultfd", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-perf", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-unshare", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-tiocsti", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-tioclinux", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-tiocsetd", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-tiocexcl", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-console", {EPERM}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-i386", {KILLED_SIGSYS}, 0, "syscalls: hardening", NULL, NULL},
	{"kernel", "kernel-x32", {KILLED_SIGSYS}, 0, "syscalls: hardening", NULL, NULL},
	{"dos", "dos-forkbomb", {EAGAIN}, 0, "limit pids", NULL, NULL},
};

#define TARGET_FDS 7

/* What the runner set up outside every sandbox. */
struct targets {
	char dir[PATH_MAX];
	char self[PATH_MAX];
	int port_denied, port_allowed;
	int fds[TARGET_FDS];
	pid_t helper;
};

struct outcome {
	const char *verdict; /* "pass", "FAIL", "skip" */
	char observed[64];
	char why[240];
	char layer[32];
};

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EAGAIN:
		return "EAGAIN";
	case EACCES:
		return "EACCES";
	case EXDEV:
		return "EXDEV";
	case EBUSY:
		return "EBUSY";
	case EROFS:
		return "EROFS";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case ELOOP:
		return "ELOOP";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENOTTY:
		return "ENOTTY";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ESRCH:
		return "ESRCH";
	default:
		return NULL;
	}
}

/* A probe's exit code as text: "ok", "EACCES", "killed (SIGSYS)"... */
static void describe(int code, char *buf, size_t size)
{
	const char *name;
	if (code == 0)
		snprintf(buf, size, "succeeded");
	else if (code == REFUSED)
		snprintf(buf, size, "policy refused");
	else if (code == PROBE_SETUP)
		snprintf(buf, size, "probe setup failed");
	else if (code == PROBE_UNSUPPORTED)
		snprintf(buf, size, "unsupported here");
	else if (code == PROBE_UNKNOWN)
		snprintf(buf, size, "unknown probe");
	else if (code > 128 && code < 128 + 65)
		snprintf(buf, size, "killed (%s)",
			 code - 128 == SIGSYS ? "SIGSYS" : strsignal(code - 128));
	else if (code == WARD_EXIT_ERROR)
		snprintf(buf, size, "ward error");
	else if ((name = errno_name(code)))
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "errno %d", code);
}

static void describe_want(const struct probe_def *p, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < 4 && p->want[i]; i++) {
		const char *w = p->want[i] == KILLED_SIGSYS ? "SIGSYS"
				: p->want[i] == REFUSED	    ? "refused"
							    : errno_name(p->want[i]);
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "|" : "", w ? w : "?");
		if (off >= size)
			break;
	}
}

static bool wanted(const struct probe_def *p, int code)
{
	for (size_t i = 0; i < 4 && p->want[i]; i++) {
		if (p->want[i] == KILLED_SIGSYS ? code == 128 + SIGSYS : code == p->want[i])
			return true;
	}
	return false;
}

static int add_policy(ward_policy *pol, const struct probe_def *p, const struct targets *t,
		      ward_error *err)
{
	char path[PATH_MAX + 32], rule[128];
	int r = ward_policy_use_profile(pol, "default", err);
	if (r >= 0)
		r = ward_policy_exec_allow(pol, t->self, err);
	/* No sanitizer runtime work inside the sandbox (a test build). */
	if (r >= 0)
		r = ward_policy_set_env(pol, "ASAN_OPTIONS=detect_leaks=0", err);
	if (r >= 0 && (p->policy & POL_FS_DENY)) {
		snprintf(path, sizeof(path), "%s/w", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_WRITE, err);
		snprintf(path, sizeof(path), "%s/w/deny", t->dir);
		if (r >= 0)
			r = ward_policy_fs_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_FS_DENY_LINKED)) {
		snprintf(path, sizeof(path), "%s/l", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_WRITE, err);
		snprintf(path, sizeof(path), "%s/l/deny", t->dir);
		if (r >= 0)
			r = ward_policy_fs_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_FS_DENY_DEEP)) {
		snprintf(path, sizeof(path), "%s/p", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_WRITE, err);
		snprintf(path, sizeof(path), "%s/p/sub/secret", t->dir);
		if (r >= 0)
			r = ward_policy_fs_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_FS_DENY_ABSENT)) {
		snprintf(path, sizeof(path), "%s/a", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_WRITE, err);
		snprintf(path, sizeof(path), "%s/a/absent", t->dir);
		if (r >= 0)
			r = ward_policy_fs_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_EXEC)) {
		snprintf(path, sizeof(path), "%s/bin", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_EXEC, err);
		snprintf(path, sizeof(path), "%s/bin/denied", t->dir);
		if (r >= 0)
			r = ward_policy_exec_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_EXEC_LINKED)) {
		snprintf(path, sizeof(path), "%s/x", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_EXEC, err);
		snprintf(path, sizeof(path), "%s/x/a/denied", t->dir);
		if (r >= 0)
			r = ward_policy_exec_deny(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_NET_ADDR)) {
		snprintf(rule, sizeof(rule), "tcp://*:%d", t->port_denied);
		r = ward_policy_net_allow(pol, rule, err);
		snprintf(rule, sizeof(rule), "tcp://127.0.0.1/32:%d", t->port_denied);
		if (r >= 0)
			r = ward_policy_net_deny(pol, rule, err);
		snprintf(rule, sizeof(rule), "tcp://[::1]/128:%d", t->port_denied);
		if (r >= 0)
			r = ward_policy_net_deny(pol, rule, err);
	}
	if (r >= 0 && (p->policy & POL_NET_PORTS)) {
		snprintf(rule, sizeof(rule), "tcp://*:%d", t->port_allowed);
		r = ward_policy_net_allow(pol, rule, err);
	}
	if (r >= 0 && (p->policy & POL_NET_BIND)) {
		snprintf(rule, sizeof(rule), "%d-%d", t->port_allowed + 1,
			 t->port_allowed + PROBE_BIND_SPAN);
		r = ward_policy_net_bind(pol, rule, err);
	}
	if (r >= 0 && (p->policy & POL_NET_UDP))
		r = ward_policy_net_allow(pol, "udp://127.0.0.2:9", err);
	if (r >= 0 && (p->policy & POL_UNSHARE_NET))
		r = ward_policy_unshare(pol, WARD_NS_NET);
	if (r >= 0 && (p->policy & POL_UNIX)) {
		snprintf(path, sizeof(path), "%s/u", t->dir);
		r = ward_policy_fs_allow(pol, path, WARD_FS_READ, err);
		snprintf(path, sizeof(path), "%s/uw", t->dir);
		if (r >= 0)
			r = ward_policy_fs_allow(pol, path, WARD_FS_READ | WARD_FS_WRITE, err);
		snprintf(path, sizeof(path), "%s/u/allowed", t->dir);
		if (r >= 0)
			r = ward_policy_unix_allow(pol, path, err);
		/* A net.unix path the sandbox can write (absent: a socket a
		 * service makes later): unix-allow-swap links it elsewhere. */
		snprintf(path, sizeof(path), "%s/uw/net-unix", t->dir);
		if (r >= 0)
			r = ward_policy_unix_allow(pol, path, err);
	}
	if (r >= 0 && (p->policy & POL_ARGV))
		r = ward_policy_exec_deny_argv(pol, "ward __probe argv-target x FORBIDDEN", err);
	return r;
}

/* The layer of the first plan row whose rule contains NEEDLE. */
static void plan_layer(ward_policy *pol, const char *needle, char *out, size_t size)
{
	ward_error err;
	char *json = NULL;
	snprintf(out, size, "-");
	/* A refused plan (-EPERM) still comes back whole, for its rows. */
	int r = ward_policy_plan_json(pol, &json, &err);
	if (r < 0 && r != -EPERM) {
		free(json);
		return;
	}
	json_object *root = json ? json_tokener_parse(json) : NULL;
	free(json);
	if (!root)
		return;
	json_object *rows = root;
	if (!json_object_is_type(rows, json_type_array))
		json_object_object_get_ex(root, "plan", &rows);
	size_t n = rows && json_object_is_type(rows, json_type_array)
			   ? json_object_array_length(rows)
			   : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i), *rule, *layer;
		if (!json_object_object_get_ex(row, "rule", &rule) ||
		    !json_object_object_get_ex(row, "layer", &layer))
			continue;
		if (strstr(json_object_get_string(rule), needle)) {
			snprintf(out, size, "%s", json_object_get_string(layer));
			break;
		}
	}
	json_object_put(root);
}

/* NEEDLES: plan rows to look for, '|'-separated, the first present wins
 * (a class a namespace holds on one host and Landlock on another). */
static void plan_layer_any(ward_policy *pol, const char *needles, char *out, size_t size)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", needles);
	char *save = NULL;
	for (char *n = strtok_r(buf, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
		plan_layer(pol, n, out, size);
		if (strcmp(out, "-"))
			return;
	}
}

/* Runs one side of a probe; returns its exit code, or -1 with ERR filled. */
static int run_side(const struct probe_def *p, const struct targets *t, bool attack, char *layer,
		    size_t layer_size, ward_error *err)
{
	ward_policy *pol = ward_policy_new();
	if (!pol) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	int code = -1;
	if (add_policy(pol, p, t, err) >= 0) {
		char ports[2][16], helper[16];
		snprintf(ports[0], sizeof(ports[0]), "%d", t->port_denied);
		snprintf(ports[1], sizeof(ports[1]), "%d", t->port_allowed);
		snprintf(helper, sizeof(helper), "%d", (int)t->helper);
		char *argv[] = {(char *)t->self,
				"__probe",
				(char *)p->name,
				attack ? "attack" : "control",
				(char *)t->dir,
				ports[0],
				ports[1],
				helper,
				NULL};
		struct ward_spawn_options opts = {0};
		struct ward_exit ex;
		if (attack && layer)
			plan_layer_any(pol, p->plan_rule, layer, layer_size);
		int rr = ward_run(pol, argv, &opts, &ex, err);
		if (rr >= 0)
			code = ex.code;
		else if (err->exit_status == WARD_EXIT_ERROR)
			code = REFUSED;
	}
	ward_policy_free(pol);
	return code;
}

/* What a probe that reports PROBE_UNSUPPORTED found missing. */
static const char *unsupported_what(const char *name)
{
	if (strstr(name, "ldso"))
		return "no dynamic loader on this system (static binaries only)";
	if (strstr(name, "setxattr"))
		return "the file system has no user extended attributes";
	if (strstr(name, "tio"))
		return "no terminal to attack (standard input is not a tty)";
	if (strstr(name, "sctp"))
		return "the kernel has no SCTP";
	if (strstr(name, "mptcp"))
		return "the kernel has no MPTCP";
	if (strstr(name, "vsock"))
		return "the kernel has no AF_VSOCK";
	return "the kernel lacks what this probe attacks";
}

static void run_probe(const struct probe_def *p, const struct targets *t, struct outcome *o)
{
	ward_error err = {0};
	char control_text[64];
	memset(o, 0, sizeof(*o));
	snprintf(o->layer, sizeof(o->layer), "-");
	int attack = run_side(p, t, true, o->layer, sizeof(o->layer), &err);
	if (attack < 0) {
		o->verdict = "FAIL";
		snprintf(o->observed, sizeof(o->observed), "ward error");
		snprintf(o->why, sizeof(o->why), "%.190s", err.message);
		return;
	}
	describe(attack, o->observed, sizeof(o->observed));
	if (attack == REFUSED) {
		/* Nothing ran: refusing the policy is failing closed. */
		bool ok = wanted(p, attack);
		o->verdict = ok ? "pass" : "FAIL";
		snprintf(o->layer, sizeof(o->layer), "plan");
		snprintf(o->why, sizeof(o->why), "%s%.180s",
			 ok ? "" : "ward refused: ", ok ? "" : err.message);
		return;
	}
	int control = run_side(p, t, false, NULL, 0, &err);
	if (control < 0)
		snprintf(control_text, sizeof(control_text), "ward error: %.40s", err.message);
	else
		describe(control, control_text, sizeof(control_text));

	bool stopped = wanted(p, attack);
	if (p->needs && !stopped && !strcmp(o->layer, "-")) {
		o->verdict = "skip";
		snprintf(o->why, sizeof(o->why), "the kernel lacks %s: no layer claims it here",
			 p->needs);
	} else if (attack == PROBE_UNSUPPORTED || control == PROBE_UNSUPPORTED) {
		o->verdict = "skip";
		snprintf(o->why, sizeof(o->why), "%s", unsupported_what(p->name));
		if (strstr(p->name, "zero"))
			snprintf(o->why, sizeof(o->why), "no IPv6 on this host");
	} else if (stopped && control == 0) {
		o->verdict = "pass";
	} else if (p->known_open) {
		o->verdict = "skip";
		snprintf(o->why, sizeof(o->why), "%s%s%s", p->known_open,
			 control != 0 ? "; control " : "", control != 0 ? control_text : "");
	} else {
		o->verdict = "FAIL";
		if (!stopped)
			snprintf(o->why, sizeof(o->why), "the attack was not stopped as expected");
		else
			snprintf(o->why, sizeof(o->why), "the control run failed: %s",
				 control_text);
	}
}

/* ---- targets ---- */
static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text))
		return -EIO;
	return fchmodat(AT_FDCWD, path, mode, 0) < 0 ? -errno : 0;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	char buf[65536];
	ssize_t n;
	int r = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	close(in);
	close(out);
	return r < 0 ? r : fchmodat(AT_FDCWD, to, 0755, 0) < 0 ? -errno : 0;
}

static int tcp4_listener(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	if (bind(s, (struct sockaddr *)&in, len) < 0 || listen(s, 128) < 0 ||
	    getsockname(s, (struct sockaddr *)&in, &len) < 0) {
		int e = errno;
		close(s);
		return -e;
	}
	*port = ntohs(in.sin_port);
	return s;
}

/* Dual stack on every address: 127.0.0.1, 127.0.0.2, 0.0.0.0, ::1 and ::
 * all reach it, which the address probes need. */
static int tcp_listener(int *port)
{
	int s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 && errno == EAFNOSUPPORT)
		return tcp4_listener(port); /* a host without IPv6 */
	if (s < 0)
		return -errno;
	int off = 0;
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	socklen_t len = sizeof(in6);
	if (bind(s, (struct sockaddr *)&in6, len) < 0 || listen(s, 128) < 0 ||
	    getsockname(s, (struct sockaddr *)&in6, &len) < 0) {
		int e = errno;
		close(s);
		return -e;
	}
	*port = ntohs(in6.sin6_port);
	return s;
}

static int unix_listener_typed(const char *path, bool abstract, int type)
{
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len + 2 > sizeof(sun.sun_path)) {
		close(s);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path + (abstract ? 1 : 0), path, len);
	socklen_t sl =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 1 : 0));
	if (bind(s, (struct sockaddr *)&sun, sl) < 0 || (!abstract && chmod(path, 0777) < 0) ||
	    (type == SOCK_STREAM && listen(s, 16) < 0)) {
		int e = errno;
		close(s);
		return -e;
	}
	return s;
}

/* Anyone may connect: the probe runs as the sandbox's uid. */
static int unix_listener(const char *path, bool abstract)
{
	return unix_listener_typed(path, abstract, SOCK_STREAM);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void targets_release(struct targets *t)
{
	if (t->helper > 0) {
		kill(t->helper, SIGKILL);
		waitpid(t->helper, NULL, 0);
		t->helper = 0;
	}
	for (size_t i = 0; i < TARGET_FDS; i++)
		if (t->fds[i] >= 0) {
			close(t->fds[i]);
			t->fds[i] = -1;
		}
	/* Only the directory mkdtemp made here, never following a symlink. */
	if (t->dir[0] && strstr(t->dir, "/ward-prove."))
		nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	t->dir[0] = '\0';
}

static int targets_setup(struct targets *t)
{
	char path[PATH_MAX + 64];
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < TARGET_FDS; i++)
		t->fds[i] = -1;
	ssize_t n = readlink("/proc/self/exe", t->self, sizeof(t->self) - 1);
	if (n < 0)
		return cli_error("prove: cannot find ward's own binary: %s", strerror(errno));
	t->self[n] = '\0';
	snprintf(t->dir, sizeof(t->dir), "/tmp/ward-prove.XXXXXX");
	if (!mkdtemp(t->dir)) {
		t->dir[0] = '\0';
		return cli_error("prove: cannot make a scratch directory in /tmp: %s",
				 strerror(errno));
	}
	int r = chmod(t->dir, 0755) < 0 ? -errno : 0;
	static const char *const dirs[] = {"w",	      "w/deny", "l", "l/deny", "bin", "p", "p/sub",
					   "p/other", "a",	"x", "x/a",    "x/b", "u", "uw"};
	for (size_t i = 0; r >= 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, dirs[i]);
		r = mkdir(path, 0755) < 0 ? -errno : 0;
	}
	static const char *const files[] = {"secret",	     "meta",	 "w/public",
					    "w/deny/secret", "l/public", "l/deny/secret",
					    "p/sub/secret"};
	for (size_t i = 0; r >= 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, files[i]);
		r = write_text(path, "prove\n", 0644);
	}
	char to[PATH_MAX + 64];
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/l/deny/secret", t->dir);
		snprintf(to, sizeof(to), "%s/l/alias", t->dir);
		r = link(path, to) < 0 ? -errno : 0;
	}
	/* A name in the write grant for the host's socket in the read grant. */
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/u/sock", t->dir);
		snprintf(to, sizeof(to), "%s/uw/alias", t->dir);
		r = symlink(path, to) < 0 ? -errno : 0;
	}
	/* The sandbox's uid writes DIR/uw (uid 65534 runs prove too). */
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/uw", t->dir);
		r = chmod(path, 0777) < 0 ? -errno : 0;
	}
	static const char *const progs[] = {"bin/denied", "bin/ok", "x/a/denied", "x/b/ok"};
	for (size_t i = 0; r >= 0 && i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(to, sizeof(to), "%s/%s", t->dir, progs[i]);
		r = copy_file(t->self, to); /* `ward version` exits 0 anywhere */
	}
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/x/a/denied", t->dir);
		snprintf(to, sizeof(to), "%s/x/b/alias", t->dir);
		r = link(path, to) < 0 ? -errno : 0;
	}
	if (r < 0) {
		cli_error("prove: cannot fill %s: %s", t->dir, strerror(-r));
		targets_release(t);
		return WARD_EXIT_ERROR;
	}

	/* The helper: idle, with its cwd in the scratch directory. */
	t->helper = fork();
	if (t->helper < 0)
		return cli_error("prove: fork: %s", strerror(errno));
	if (t->helper == 0) {
		/* It must not outlive prove, however prove ends. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1 || chdir(t->dir) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	snprintf(path, sizeof(path), "%s/sock", t->dir);
	t->fds[0] = unix_listener(path, false);
	snprintf(path, sizeof(path), "ward-prove-%d", (int)t->helper);
	t->fds[1] = unix_listener(path, true);
	t->fds[2] = tcp_listener(&t->port_denied);
	t->fds[3] = tcp_listener(&t->port_allowed);
	snprintf(path, sizeof(path), "%s/u/sock", t->dir);
	t->fds[4] = unix_listener(path, false);
	snprintf(path, sizeof(path), "%s/u/dg", t->dir);
	t->fds[5] = unix_listener_typed(path, false, SOCK_DGRAM);
	snprintf(path, sizeof(path), "%s/u/allowed", t->dir);
	t->fds[6] = unix_listener(path, false);
	for (size_t i = 0; i < TARGET_FDS; i++)
		if (t->fds[i] < 0) {
			cli_error("prove: cannot start listener %zu: %s", i, strerror(-t->fds[i]));
			targets_release(t);
			return WARD_EXIT_ERROR;
		}
	return 0;
}

static void print_row(const char *cls, const char *probe, const char *expect, const char *observed,
		      const char *layer, const char *verdict, const char *why)
{
	printf("%-7s %-19s %-18s %-18s %-11s %s%s%s\n", cls, probe, expect, observed, layer,
	       verdict, why && why[0] ? ": " : "", why ? why : "");
	fflush(stdout);
}

int cmd_prove(int argc, char **argv)
{
	const char *only = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--class") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strncmp(argv[i], "--class=", 8)) {
			only = argv[i] + 8;
		} else {
			return cli_error("prove: unknown argument '%s' (usage: ward prove [--class "
					 "fs|unix|meta|exec|net|argv|proc|kernel|dos] [--json])",
					 argv[i]);
		}
	}
	size_t selected = 0;
	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		selected += !only || !strcmp(catalogue[i].cls, only);
	if (!selected)
		return cli_error(
			"prove: no probe of class '%s' (classes: fs unix meta exec net argv "
			"proc kernel dos)",
			only);

	/* A reader that goes away (`ward prove | head`) must not kill prove
	 * before it removes its scratch directory and helper. */
	signal(SIGPIPE, SIG_IGN);
	struct targets t;
	int r = targets_setup(&t);
	if (r)
		return r;
	json_object *rows = json ? json_object_new_array() : NULL;
	if (!json)
		print_row("class", "probe", "expected", "observed", "layer", "result", NULL);
	unsigned pass = 0, fail = 0, skip = 0;
	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		const struct probe_def *p = &catalogue[i];
		if (only && strcmp(p->cls, only))
			continue;
		struct outcome o;
		char expect[48];
		describe_want(p, expect, sizeof(expect));
		run_probe(p, &t, &o);
		pass += o.verdict[0] == 'p';
		fail += o.verdict[0] == 'F';
		skip += o.verdict[0] == 's';
		if (rows) {
			json_object *row = json_object_new_object();
			json_object_object_add(row, "class", json_object_new_string(p->cls));
			json_object_object_add(row, "probe", json_object_new_string(p->name));
			json_object_object_add(row, "expected", json_object_new_string(expect));
			json_object_object_add(row, "observed", json_object_new_string(o.observed));
			json_object_object_add(row, "layer", json_object_new_string(o.layer));
			json_object_object_add(row, "result", json_object_new_string(o.verdict));
			json_object_object_add(row, "reason", json_object_new_string(o.why));
			json_object_array_add(rows, row);
		} else {
			print_row(p->cls, p->name, expect, o.observed, o.layer, o.verdict, o.why);
		}
	}
	targets_release(&t);
	if (rows) {
		json_object *root = json_object_new_object();
		json_object_object_add(root, "probes", rows);
		json_object_object_add(root, "passed", json_object_new_int((int)pass));
		json_object_object_add(root, "failed", json_object_new_int((int)fail));
		json_object_object_add(root, "skipped", json_object_new_int((int)skip));
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
	} else {
		printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	}
	return fail ? 1 : 0;
}

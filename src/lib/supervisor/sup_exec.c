/* sup_exec.c — deciding execve/execveat: freeze every writer of the caller's
 * memory, read the path and argv, match the argv rules and ask the callback,
 * then answer and release only once the kernel has copied the arguments.
 * Never answers "continue" with a writer running.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"
#include "supervisor/sup_resolve.h"

#define SUP_ARGV_MAX 4096	     /* arguments read; more is denied (E2BIG) */
#define SUP_ARG_MAX_LEN (128 * 1024) /* MAX_ARG_STRLEN */

struct exec_args {
	char *path;
	char **argv;
	size_t argc;
};

static void exec_args_free(struct exec_args *a)
{
	free(a->path);
	for (size_t i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
}

static int read_exec_args(int mem, uint64_t path_addr, uint64_t argv_addr, struct exec_args *out)
{
	int r = sup_mem_read_string(mem, path_addr, PATH_MAX, &out->path);
	if (r < 0)
		return r;
	if (!argv_addr)
		return 0;
	out->argv = calloc(SUP_ARGV_MAX, sizeof(char *));
	if (!out->argv)
		return -ENOMEM;
	for (;;) {
		uint64_t ptr;
		if (out->argc == SUP_ARGV_MAX)
			return -E2BIG;
		r = sup_mem_read(mem, argv_addr + out->argc * sizeof(uint64_t), &ptr, sizeof(ptr));
		if (r < 0)
			return r;
		if (!ptr)
			return 0;
		r = sup_mem_read_string(mem, ptr, SUP_ARG_MAX_LEN, &out->argv[out->argc]);
		if (r < 0)
			return r;
		out->argc++;
	}
}

/* PATH as the caller's exec resolves it, in the caller's view: relative to
 * its cwd (or DIRFD), absolute ones inside its root, symlinks followed.
 * OUT is the path of the file reached, as this process names it. A guard,
 * not a pin: the kernel walks the path again (docs/threat-model.md). */
static int resolve_in_caller(pid_t tid, int dirfd, const char *path, bool empty_path, char *out,
			     size_t size)
{
	_cleanup_close_ int file = -1;
	if (empty_path && !path[0]) {
		char base[64];
		snprintf(base, sizeof(base), "/proc/%d/fd/%d", (int)tid, dirfd);
		file = open(base, O_PATH | O_CLOEXEC);
		if (file < 0)
			return -errno;
	} else {
		file = sup_resolve_in_child(tid, dirfd, path, 0, 0);
		if (file < 0)
			return file;
	}
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", file);
	ssize_t n = readlink(link, out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

static json_object *argv_detail(const struct exec_args *a)
{
	json_object *detail = json_object_new_object();
	json_object *argv = json_object_new_array();
	if (!detail || !argv) {
		json_object_put(detail);
		json_object_put(argv);
		return NULL;
	}
	for (size_t i = 0; i < a->argc; i++)
		json_object_array_add(argv, json_object_new_string(a->argv[i]));
	json_object_object_add(detail, "argv", argv);
	json_object_object_add(detail, "path", json_object_new_string(a->path ? a->path : ""));
	return detail;
}

static const char *syscall_name(int nr)
{
	return nr == SYS_execveat ? "execveat" : "execve";
}

static void deny(struct supervisor *sup, const struct seccomp_notif *req, struct sup_frozen *fz,
		 int error, const char *rule, json_object *detail)
{
	sup_reply_errno(sup, req->id, error);
	sup_release(sup, fz);
	sup_emit(sup, "deny", syscall_name(req->data.nr), (pid_t)req->pid, rule, error, detail);
}

void sup_exec_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	pid_t tid = (pid_t)req->pid;
	bool at = req->data.nr == SYS_execveat;
	struct sup_frozen fz = {0};
	char why[240];
	if (sup_freeze(sup, tid, &fz, why, sizeof(why)) < 0) {
		sup_reply_errno(sup, req->id, EAGAIN);
		json_object *detail = json_object_new_object();
		if (detail)
			json_object_object_add(detail, "reason", json_object_new_string(why));
		sup_emit(sup, "deny", syscall_name(req->data.nr), tid,
			 "supervisor: cannot freeze the writers of argv", EAGAIN, detail);
		return;
	}
	_cleanup_close_ int mem = sup_mem_open(tid);
	/* The id check after open: the pid was not recycled for another task. */
	if (mem < 0 || !sup_notif_valid(sup, req->id)) {
		sup_reply_errno(sup, req->id, EPERM);
		sup_release(sup, &fz);
		return;
	}
	struct exec_args args = {0};
	int r = read_exec_args(mem, at ? req->data.args[1] : req->data.args[0],
			       at ? req->data.args[2] : req->data.args[1], &args);
	if (r < 0) {
		/* The kernel would fail on the same memory; a read that fails is
		 * not a reason to allow. */
		deny(sup, req, &fz, r == -E2BIG ? E2BIG : EFAULT,
		     "supervisor: cannot read exec arguments", NULL);
		exec_args_free(&args);
		return;
	}

	/* The rules also see the file this exec reaches: through a symlink or
	 * another name, a dashed helper, or the dynamic loader. */
	char real[PATH_MAX], ldso_real[PATH_MAX];
	struct exec_identity id = {0};
	int dirfd = at ? (int)req->data.args[0] : AT_FDCWD;
	bool empty = at && (req->data.args[4] & AT_EMPTY_PATH);
	if (resolve_in_caller(tid, dirfd, args.path, empty, real, sizeof(real)) == 0) {
		id.real = real;
		if (exec_is_dynamic_loader(real)) {
			id.ldso_prog = exec_ldso_program_index(args.argv, args.argc);
			if (id.ldso_prog &&
			    resolve_in_caller(tid, AT_FDCWD, args.argv[id.ldso_prog], false,
					      ldso_real, sizeof(ldso_real)) == 0)
				id.ldso_real = ldso_real;
		}
	}
	const struct exec_argv_rule *rule =
		exec_argv_match_identity(sup->sp, args.path, &id, args.argv, args.argc);
	if (rule && rule->deny) {
		char where[300], text[600];
		ward_loc_format(rule->loc, where, sizeof(where));
		snprintf(text, sizeof(text), "exec deny argv '%s' (%s)", rule->text, where);
		if (sup->audit) {
			/* Audit mode: report the exec the rule would stop, let it run. */
			sup_emit(sup, "audit", syscall_name(req->data.nr), tid, text, EACCES,
				 argv_detail(&args));
			sup_continue_frozen(sup, req->id, &fz);
			exec_args_free(&args);
			return;
		}
		deny(sup, req, &fz, EACCES, text, argv_detail(&args));
		exec_args_free(&args);
		return;
	}

	struct ward_verdict verdict = {WARD_VERDICT_ALLOW, 0};
	const char *decider = rule ? "exec allow argv" : NULL;
	if (!rule && sup_callback_wants(sup, WARD_SUP_PROCESS)) {
		pid_t tgid = sup_proc_tgid(tid);
		struct ward_sup_event ev = {
			.syscall = syscall_name(req->data.nr),
			.category = WARD_SUP_PROCESS,
			.pid = tgid,
			.ppid = sup_proc_ppid(tgid),
			.exec_path = args.path,
			.argv = (const char *const *)args.argv,
			.argc = args.argc,
		};
		decider = "callback";
		if (!sup_callback_ask(sup, &ev, &verdict)) {
			verdict.kind = WARD_VERDICT_DENY;
			verdict.error = EPERM;
			decider = sup_callback_no_verdict(sup);
		}
	}

	switch (verdict.kind) {
	case WARD_VERDICT_DENY:
		deny(sup, req, &fz, verdict.error > 0 ? verdict.error : EPERM, decider,
		     argv_detail(&args));
		break;
	case WARD_VERDICT_KILL:
		sup_kill_sandbox(sup, "callback verdict: kill");
		deny(sup, req, &fz, EPERM, decider, argv_detail(&args));
		break;
	case WARD_VERDICT_AUDIT:
		sup_emit(sup, "audit", syscall_name(req->data.nr), tid, decider, 0,
			 argv_detail(&args));
		sup_continue_frozen(sup, req->id, &fz);
		break;
	case WARD_VERDICT_ALLOW:
		sup_continue_frozen(sup, req->id, &fz);
		break;
	default: /* an unknown verdict is no permission */
		deny(sup, req, &fz, EPERM, "callback: unknown verdict", argv_detail(&args));
		break;
	}
	exec_args_free(&args);
}

/* live_control.c — kill, freeze and thaw a running sandbox from outside
 * (`ward kill|freeze|thaw`). The kernel decides who may: a signal goes
 * through a pidfd (so a reused pid is never hit) and a cgroup file is written
 * with the caller's own rights. Freezing needs the sandbox's own cgroup:
 * stopping processes with SIGSTOP is no freeze (they could resume each
 * other), so without one the request fails instead of pretending.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "host/sysfile.h"
#include "sandbox/live.h"

static const char *record_id(json_object *rec)
{
	json_object *v;
	return json_object_object_get_ex(rec, "id", &v) ? json_object_get_string(v) : "?";
}

static long record_int(json_object *rec, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(rec, key, &v) ? (long)json_object_get_int64(v) : -1;
}

/* A record is only a description: a sandboxed program that can write its
 * owner's runtime directory could forge one. So a cgroup directory is used
 * for control only when it is ward's own (on a cgroup filesystem, named
 * .../ward/<the record's id>, no "..") and holds the record's main process;
 * never a path a forger chose (root acting on another user's records would
 * otherwise freeze or kill any cgroup). */
static bool cgroup_dir_is_the_sandbox(json_object *rec, const char *dir)
{
	char suffix[96];
	snprintf(suffix, sizeof(suffix), "/ward/%s", record_id(rec));
	size_t len = strlen(dir), slen = strlen(suffix);
	struct statfs fs;
	if (len <= slen || strcmp(dir + len - slen, suffix) || strstr(dir, "/..") ||
	    statfs(dir, &fs) < 0 ||
	    (fs.f_type != CGROUP2_SUPER_MAGIC && fs.f_type != CGROUP_SUPER_MAGIC))
		return false;
	char procs[PATH_MAX + 32], text[65536];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if (sysfile_read(procs, text, sizeof(text)) < 0)
		return false;
	long pid = record_int(rec, "pid");
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (atol(line) == pid)
			return true;
	return false;
}

/* The first cgroup directory of RECORD holding FILE, or NULL. */
static const char *cgroup_with(json_object *rec, const char *file, char *path, size_t size)
{
	json_object *cgroups;
	if (!json_object_object_get_ex(rec, "cgroups", &cgroups))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(cgroups); i++) {
		const char *dir = json_object_get_string(json_object_array_get_idx(cgroups, i));
		if (!dir || dir[0] != '/' || !cgroup_dir_is_the_sandbox(rec, dir))
			continue;
		snprintf(path, size, "%s/%s", dir, file);
		if (access(path, F_OK) == 0)
			return path;
	}
	return NULL;
}

static int signal_main(json_object *rec, int sig, ward_error *err)
{
	json_object *pidv, *startv;
	if (!json_object_object_get_ex(rec, "pid", &pidv) ||
	    !json_object_object_get_ex(rec, "pid_start", &startv))
		return ward_fail(err, -EINVAL, "sandbox %s: its record names no process",
				 record_id(rec));
	pid_t pid = (pid_t)json_object_get_int(pidv);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return ward_fail_errno(err, -errno, "sandbox %s: process %d", record_id(rec),
				       (int)pid);
	/* Checked after the pidfd is held: it now names this process for good.
	 * It must also be a child of the record's ward: a forged record cannot
	 * aim at the owner's other processes, and it must be the record's
	 * owner's (a setuid child of a user's process is not). */
	if (!live_process_matches(pid, json_object_get_uint64(startv)) ||
	    live_process_parent(pid) != (pid_t)record_int(rec, "ward_pid") ||
	    !live_process_owned_by(pid, (uid_t)record_int(rec, "uid"))) {
		close(pidfd);
		return ward_fail(err, -ESRCH, "sandbox %s has already ended", record_id(rec));
	}
	int r = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	int e = errno;
	close(pidfd);
	if (r < 0)
		return ward_fail(err, -e, "sandbox %s: cannot signal process %d: %s",
				 record_id(rec), (int)pid, strerror(e));
	return 0;
}

/* Freezing is asynchronous: return once the kernel says every task is
 * frozen, so that "ward freeze" means frozen (bounded: a task stuck in an
 * uninterruptible wait may delay it; after 5 s the request stands anyway). */
static int await_frozen(json_object *rec, const char *file)
{
	char path[PATH_MAX + 32], state[64];
	bool v2 = strstr(file, "cgroup.freeze") != NULL;
	if (v2 && !cgroup_with(rec, "cgroup.events", path, sizeof(path)))
		return 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t frozen = 0;
		if (v2 ? sysfile_read_key_u64(path, "frozen", &frozen) == 0 && frozen == 1
		       : sysfile_read(file, state, sizeof(state)) > 0 &&
				    !strncmp(state, "FROZEN", 6))
			return 0;
		usleep(5000);
	}
	return 0;
}

static int write_freeze(json_object *rec, bool freeze, ward_error *err)
{
	char path[PATH_MAX + 32];
	const char *file = cgroup_with(rec, "cgroup.freeze", path, sizeof(path));
	const char *text = freeze ? "1" : "0";
	if (!file) {
		file = cgroup_with(rec, "freezer.state", path, sizeof(path));
		text = freeze ? "FROZEN" : "THAWED";
	}
	if (!file)
		return ward_fail(err, -EOPNOTSUPP,
				 "sandbox %s has no cgroup of its own to %s (run it as root, or "
				 "give ward a delegated cgroup)",
				 record_id(rec), freeze ? "freeze" : "thaw");
	int r = sysfile_write(file, text);
	if (r < 0)
		return ward_fail(err, r, "sandbox %s: writing %s: %s", record_id(rec), file,
				 strerror(-r));
	return freeze ? await_frozen(rec, file) : 0;
}

int live_control(json_object *rec, const char *action, ward_error *err)
{
	if (!strcmp(action, "kill")) {
		/* The main process first: with a pid namespace it is its init, and
		 * the kernel kills every task of the namespace with it. */
		int r = signal_main(rec, SIGKILL, err);
		char path[PATH_MAX + 32];
		const char *kill_file = cgroup_with(rec, "cgroup.kill", path, sizeof(path));
		if (kill_file && sysfile_write(kill_file, "1") == 0)
			return 0;
		return r;
	}
	if (!strcmp(action, "freeze"))
		return write_freeze(rec, true, err);
	if (!strcmp(action, "thaw"))
		return write_freeze(rec, false, err);
	return ward_fail(err, -EINVAL, "unknown action '%s' (kill, freeze or thaw)", action);
}

/* cgroup_control.c — acting on a live sandbox cgroup: killing every task in
 * it and reading its accounting. Kill never trusts one pass: a task may fork
 * between reading cgroup.procs and the SIGKILL, so without cgroup.kill it
 * freezes first and loops until every directory is empty or time runs out.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "host/sysfile.h"
#include "layers/cgroup_internal.h"

#define KILL_DEADLINE_MS 2000
#define KILL_POLL_MS 5

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* SIGKILLs every pid in DIR/cgroup.procs when SIGNAL_THEM; returns how many
 * were listed, or a negative errno (-ENOENT: the directory is gone). */
static int for_each_task(const char *dir, bool signal_them)
{
	char path[PATH_MAX + 32];
	int r = cg_path(path, sizeof(path), dir, "cgroup.procs");
	if (r < 0)
		return r;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int count = 0, pid;
	while (fscanf(f, "%d", &pid) == 1) {
		count++;
		if (signal_them && pid > 0)
			kill(pid, SIGKILL);
	}
	if (ferror(f))
		return -EIO;
	return count;
}

/* An error reading a list (EMFILE, EACCES...) is not "empty": only a
 * list read to its end, or a directory already gone, proves it. */
static bool all_empty(const struct cgroup_sandbox *cg)
{
	for (size_t i = 0; i < cg->ndirs; i++) {
		int n = for_each_task(cg->dirs[i].path, false);
		if (n != 0 && n != -ENOENT)
			return false;
	}
	return true;
}

static int set_frozen(const struct cgroup_sandbox *cg, bool frozen)
{
	char path[PATH_MAX + 32];
	const struct cg_dir *v2 = cg_v2_dir(cg);
	if (v2 && cg_path(path, sizeof(path), v2->path, "cgroup.freeze") == 0 &&
	    access(path, F_OK) == 0)
		return sysfile_write(path, frozen ? "1" : "0");
	const struct cg_dir *fz = cg_dir_of(cg, CG_CTRL_FREEZER);
	if (fz && !fz->v2 && cg_path(path, sizeof(path), fz->path, "freezer.state") == 0)
		return sysfile_write(path, frozen ? "FROZEN" : "THAWED");
	return -EOPNOTSUPP;
}

int cgroup_sandbox_freeze(struct cgroup_sandbox *cg, bool frozen)
{
	return cg ? set_frozen(cg, frozen) : -EINVAL;
}

static bool kill_with_cgroup_kill(const struct cgroup_sandbox *cg)
{
	char path[PATH_MAX + 32];
	const struct cg_dir *v2 = cg_v2_dir(cg);
	return v2 && cg_path(path, sizeof(path), v2->path, "cgroup.kill") == 0 &&
	       sysfile_write(path, "1") == 0;
}

int cgroup_sandbox_kill(struct cgroup_sandbox *cg)
{
	if (!cg)
		return 0;
	/* Already empty (the keeper or the pid namespace ended them all): a
	 * write to cgroup.kill would cost milliseconds for nothing. Nothing
	 * can enter an empty sandbox cgroup but a fork from inside it. */
	if (all_empty(cg)) {
		cg->proven_empty = true;
		return 0;
	}
	uint64_t deadline = now_ms() + KILL_DEADLINE_MS;
	/* cgroup.kill kills the whole v2 subtree atomically, forks included; on a
	 * hybrid host every task of the sandbox is in the v2 directory as well. */
	bool killed = kill_with_cgroup_kill(cg);
	for (int round = 0; !all_empty(cg); round++) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		/* After cgroup.kill, give the tasks 100 ms to exit before also
		 * killing by pid (a task in a v1 directory only, say). */
		if (!killed || round * KILL_POLL_MS >= 100) {
			/* Frozen tasks cannot fork between the listing and the kill;
			 * SIGKILL takes effect once they are thawed. */
			bool frozen = set_frozen(cg, true) == 0;
			for (size_t i = 0; i < cg->ndirs; i++)
				for_each_task(cg->dirs[i].path, true);
			if (frozen)
				set_frozen(cg, false);
		}
		sleep_ms(KILL_POLL_MS);
	}
	cg->proven_empty = true;
	return 0;
}

static void read_key(const struct cg_dir *d, const char *file, const char *key, uint64_t *out)
{
	char path[PATH_MAX + 32];
	uint64_t v;
	if (d && cg_path(path, sizeof(path), d->path, file) == 0 &&
	    sysfile_read_key_u64(path, key, &v) == 0)
		*out = v;
}

static void read_value(const struct cg_dir *d, const char *file, uint64_t *out)
{
	char path[PATH_MAX + 32];
	uint64_t v;
	if (d && cg_path(path, sizeof(path), d->path, file) == 0 && sysfile_read_u64(path, &v) == 0)
		*out = v;
}

int cgroup_sandbox_stats(struct cgroup_sandbox *cg, struct cgroup_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!cg)
		return -EINVAL;
	const struct cg_dir *mem = cg_dir_of(cg, CG_CTRL_MEMORY);
	const struct cg_dir *pids = cg_dir_of(cg, CG_CTRL_PIDS);
	const struct cg_dir *cpu = cg_dir_of(cg, CG_CTRL_CPU);
	const struct cg_dir *v2 = cg_v2_dir(cg);

	if (mem && mem->v2) {
		read_key(mem, "memory.events", "oom_kill", &out->oom_kills);
		read_value(mem, "memory.peak", &out->peak_memory_bytes);
	} else if (mem) {
		read_key(mem, "memory.oom_control", "oom_kill", &out->oom_kills);
		read_value(mem, "memory.max_usage_in_bytes", &out->peak_memory_bytes);
	}
	read_key(pids, "pids.events", "max", &out->pids_max_hits);

	/* cpu.stat usage_usec is in every v2 cgroup, controller or not. */
	if (v2) {
		read_key(v2, "cpu.stat", "usage_usec", &out->cpu_usage_us);
	} else {
		uint64_t ns = 0;
		read_value(cg_dir_of(cg, CG_CTRL_CPUACCT), "cpuacct.usage", &ns);
		out->cpu_usage_us = ns / 1000;
	}
	if (cpu && cpu->v2) {
		read_key(cpu, "cpu.stat", "throttled_usec", &out->cpu_throttled_us);
	} else if (cpu) {
		uint64_t ns = 0;
		read_key(cpu, "cpu.stat", "throttled_time", &ns);
		out->cpu_throttled_us = ns / 1000;
	}
	return 0;
}

/* live_figures.c — what a running sandbox uses right now: on-CPU time,
 * resident memory and tasks. From the sandbox's cgroups where it has them
 * (the kernel's own per-sandbox counters), otherwise summed over the
 * sandbox's process tree from /proc; each figure says which ("source"), so a
 * per-process sum is never passed off as the sandbox's own accounting.
 * Network bytes come from the kernel's per-sandbox accounting programs
 * (bpf/bpf_acct.h) where they are attached, and are absent otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "bpf/bpf_acct.h"
#include "bpf/bpf_file_acct.h"
#include "host/sysfile.h"
#include "sandbox/live.h"

struct figures {
	bool have_cpu, have_mem, have_tasks;
	uint64_t cpu_us, mem_bytes, tasks;
};

static bool read_in(const char *dir, const char *file, uint64_t *out)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return sysfile_read_u64(path, out) == 0;
}

static bool read_key_in(const char *dir, const char *file, const char *key, uint64_t *out)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return sysfile_read_key_u64(path, key, out) == 0;
}

/* The first cgroup directory that has each figure wins (v2 comes first). */
static void from_cgroups(json_object *cgroups, struct figures *f)
{
	size_t n = cgroups ? json_object_array_length(cgroups) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *dir = json_object_get_string(json_object_array_get_idx(cgroups, i));
		uint64_t v;
		if (!dir || dir[0] != '/')
			continue;
		if (!f->have_cpu && read_key_in(dir, "cpu.stat", "usage_usec", &v)) {
			f->cpu_us = v;
			f->have_cpu = true;
		} else if (!f->have_cpu && read_in(dir, "cpuacct.usage", &v)) {
			f->cpu_us = v / 1000;
			f->have_cpu = true;
		}
		if (!f->have_mem && (read_in(dir, "memory.current", &v) ||
				     read_in(dir, "memory.usage_in_bytes", &v))) {
			f->mem_bytes = v;
			f->have_mem = true;
		}
		if (!f->have_tasks && read_in(dir, "pids.current", &v)) {
			f->tasks = v;
			f->have_tasks = true;
		}
	}
}

struct proc_task {
	pid_t pid, ppid;
	uint64_t ticks, rss_pages, threads;
};

static int read_task(pid_t pid, struct proc_task *t)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (sysfile_read(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	unsigned long long utime, stime, threads;
	long long rss;
	int ppid;
	/* after comm: state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime vsize rss */
	if (!p || sscanf(p + 1,
			 " %*c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu %*s %*s %*s %*s "
			 "%llu %*s %*s %*s %lld",
			 &ppid, &utime, &stime, &threads, &rss) != 5)
		return -1;
	t->pid = pid;
	t->ppid = ppid;
	t->ticks = utime + stime;
	t->threads = threads;
	t->rss_pages = rss > 0 ? (uint64_t)rss : 0;
	return 0;
}

/* Sums the tree rooted at ROOT; what cannot be read (another user's
 * process) is left out. */
static void from_proc(pid_t root, struct figures *f)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct proc_task *tasks = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct proc_task *grown = realloc(tasks, ncap * sizeof(*tasks));
			if (!grown)
				break;
			tasks = grown;
			cap = ncap;
		}
		if (read_task((pid_t)pid, &tasks[n]) == 0)
			n++;
	}
	closedir(d);

	/* Mark the descendants of ROOT: repeat until no task joins (a tree of
	 * depth k needs k passes; sandboxes are shallow). */
	bool *in = calloc(n ? n : 1, sizeof(*in));
	bool grew = true;
	for (size_t i = 0; in && i < n; i++)
		in[i] = tasks[i].pid == root;
	while (in && grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (size_t j = 0; j < n; j++)
				if (in[j] && tasks[j].pid == tasks[i].ppid) {
					in[i] = grew = true;
					break;
				}
		}
	}
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	uint64_t ticks = 0, pages = 0, threads = 0;
	for (size_t i = 0; in && i < n; i++)
		if (in[i]) {
			ticks += tasks[i].ticks;
			pages += tasks[i].rss_pages;
			threads += tasks[i].threads;
		}
	if (in && !f->have_cpu && tick > 0) {
		f->cpu_us = ticks * (1000000 / (uint64_t)tick);
		f->have_cpu = true;
	}
	if (in && !f->have_mem && page > 0) {
		f->mem_bytes = pages * (uint64_t)page;
		f->have_mem = true;
	}
	if (in && !f->have_tasks) {
		f->tasks = threads;
		f->have_tasks = true;
	}
	free(in);
	free(tasks);
}

/* The v2 cgroup's id is its directory's inode number. */
static void add_network(json_object *cgroups, json_object *record)
{
	size_t n = cgroups ? json_object_array_length(cgroups) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *dir = json_object_get_string(json_object_array_get_idx(cgroups, i));
		struct stat st;
		struct net_figures f;
		if (!dir || stat(dir, &st) < 0 || bpf_acct_read_cgroup(st.st_ino, &f) < 0)
			continue;
		json_object_object_add(record, "net_bytes_out",
				       json_object_new_uint64(f.bytes_out));
		json_object_object_add(record, "net_bytes_in", json_object_new_uint64(f.bytes_in));
		return;
	}
}

static void add_files(json_object *cgroups, json_object *record)
{
	size_t n = cgroups ? json_object_array_length(cgroups) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *dir = json_object_get_string(json_object_array_get_idx(cgroups, i));
		struct stat st;
		struct file_figures f;
		if (!dir || stat(dir, &st) < 0 || bpf_file_acct_read_cgroup(st.st_ino, &f) < 0)
			continue;
		json_object_object_add(record, "file_bytes_read",
				       json_object_new_uint64(f.bytes_read));
		json_object_object_add(record, "file_bytes_written",
				       json_object_new_uint64(f.bytes_written));
		return;
	}
}

void live_add_figures(json_object *record)
{
	json_object *cgroups = NULL, *pidv = NULL;
	json_object_object_get_ex(record, "cgroups", &cgroups);
	struct figures f = {0};
	from_cgroups(cgroups, &f);
	bool all_cgroup = f.have_cpu && f.have_mem && f.have_tasks;
	bool some_cgroup = f.have_cpu || f.have_mem || f.have_tasks;
	if (!all_cgroup && json_object_object_get_ex(record, "pid", &pidv))
		from_proc((pid_t)json_object_get_int(pidv), &f);
	json_object_object_add(record, "cpu_us", json_object_new_uint64(f.cpu_us));
	json_object_object_add(record, "memory_bytes", json_object_new_uint64(f.mem_bytes));
	json_object_object_add(record, "tasks", json_object_new_uint64(f.tasks));
	add_network(cgroups, record);
	add_files(cgroups, record);
	json_object_object_add(record, "figures_source",
			       json_object_new_string(all_cgroup    ? "cgroup"
						      : some_cgroup ? "cgroup+proc"
								    : "proc"));
	json_object *started;
	if (json_object_object_get_ex(record, "started", &started)) {
		int64_t age = (int64_t)time(NULL) - json_object_get_int64(started);
		json_object_object_add(record, "age_s", json_object_new_int64(age > 0 ? age : 0));
	}
}

/* sup_fs_caller.c — acting as a sandboxed task: snapshot its credentials,
 * umask, root and Landlock ruleset, and turn a throwaway thread into it, so
 * that what the supervisor does on its behalf is checked as if it did it.
 * Must never lend ward's privilege: a step that fails fails the whole call.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "layers/landlock.h"
#include "supervisor/sup_internal.h"

#define SUP_MAX_GROUPS 65536

static int parse_ids(const char *text, unsigned out[4])
{
	return sscanf(text, "%u %u %u %u", &out[0], &out[1], &out[2], &out[3]) == 4 ? 0 : -EINVAL;
}

static int parse_groups(const char *text, struct sup_caller *c)
{
	size_t cap = 16;
	c->groups = calloc(cap, sizeof(*c->groups));
	if (!c->groups)
		return -ENOMEM;
	for (;;) {
		char *end;
		while (*text == ' ' || *text == '\t')
			text++;
		if (*text == '\n' || *text == '\0')
			return 0;
		unsigned long g = strtoul(text, &end, 10);
		if (end == text)
			return -EINVAL;
		text = end;
		if (c->ngroups == SUP_MAX_GROUPS)
			return -E2BIG;
		if (c->ngroups == cap) {
			gid_t *grown = realloc(c->groups, 2 * cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			c->groups = grown;
			cap *= 2;
		}
		c->groups[c->ngroups++] = (gid_t)g;
	}
}

/* /proc/TID/status: every field we need in one read, as the kernel has it
 * for that thread (credentials are per thread). */
static int load_status(pid_t tid, struct sup_caller *c)
{
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	unsigned seen = 0;
	while (fgets(line, sizeof(line), f)) {
		char *value = strchr(line, ':');
		if (!value)
			continue;
		*value++ = '\0';
		int r = 0;
		if (strcmp(line, "Tgid") == 0) {
			c->tgid = (pid_t)atoi(value);
			seen |= 1;
		} else if (strcmp(line, "Umask") == 0) {
			c->umask = (mode_t)strtoul(value, NULL, 8) & 0777;
			seen |= 2;
		} else if (strcmp(line, "Uid") == 0) {
			r = parse_ids(value, c->uid);
			seen |= 4;
		} else if (strcmp(line, "Gid") == 0) {
			r = parse_ids(value, c->gid);
			seen |= 8;
		} else if (strcmp(line, "Groups") == 0) {
			r = parse_groups(value, c);
			seen |= 16;
		} else if (strcmp(line, "CapPrm") == 0) {
			c->cap_prm = strtoull(value, NULL, 16);
			seen |= 32;
		} else if (strcmp(line, "CapEff") == 0) {
			c->cap_eff = strtoull(value, NULL, 16);
			seen |= 64;
		}
		if (r < 0)
			return r;
	}
	/* A line we rely on missing (an old kernel without Umask): refuse
	 * rather than guess. */
	return seen == 127 ? 0 : -EPROTO;
}

static int same_inode(const char *a, const char *b, bool *same)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return -errno;
	*same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return 0;
}

int sup_caller_load(pid_t tid, int landlock_fd, struct sup_caller *out)
{
	char path[64];
	bool same;
	memset(out, 0, sizeof(*out));
	out->tid = tid;
	out->root_fd = -1;
	out->landlock_fd = landlock_fd;
	int r = load_status(tid, out);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)tid);
	if ((r = same_inode(path, "/proc/self/ns/user", &same)) < 0)
		return r;
	out->foreign_userns = !same;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)tid);
	if ((r = same_inode(path, "/", &same)) < 0)
		return r;
	if (!same) {
		out->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (out->root_fd < 0)
			return -errno;
	}
	return 0;
}

void sup_caller_free(struct sup_caller *c)
{
	free(c->groups);
	c->groups = NULL;
	if (c->root_fd >= 0)
		close(c->root_fd);
	c->root_fd = -1;
}

static bool groups_are_ours(const struct sup_caller *c)
{
	gid_t ours[256];
	int n = getgroups((int)ARRAY_SIZE(ours), ours);
	if (n < 0 || (size_t)n != c->ngroups)
		return false;
	for (size_t i = 0; i < c->ngroups; i++)
		if (ours[i] != c->groups[i])
			return false;
	return true;
}

static int set_caps(const struct sup_caller *c)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	uint64_t ours = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	uint64_t prm = c->foreign_userns ? 0 : c->cap_prm & ours;
	uint64_t eff = c->foreign_userns ? 0 : c->cap_eff & prm;
	memset(data, 0, sizeof(data));
	data[0].permitted = (uint32_t)prm;
	data[1].permitted = (uint32_t)(prm >> 32);
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* Raw syscalls throughout: glibc's set*id and setgroups wrappers would
 * broadcast the change to every thread of ward. */
int sup_caller_become(const struct sup_caller *c)
{
	if (unshare(CLONE_FS) < 0)
		return -errno;
	umask(c->umask);
	/* No chroot to the caller's root (ward may lack CAP_SYS_CHROOT):
	 * lookups take it as an fd instead (sup_resolve.c). */
	/* Keep the permitted set across the uid change; set_caps then cuts
	 * it down to the caller's. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (!groups_are_ours(c) && syscall(SYS_setgroups, c->ngroups, c->groups) < 0)
		return -errno;
	if (syscall(SYS_setresgid, c->gid[0], c->gid[1], c->gid[2]) < 0)
		return -errno;
	syscall(SYS_setfsgid, c->gid[3]);
	if ((gid_t)syscall(SYS_setfsgid, -1) != c->gid[3])
		return -EPERM;
	if (syscall(SYS_setresuid, c->uid[0], c->uid[1], c->uid[2]) < 0)
		return -errno;
	syscall(SYS_setfsuid, c->uid[3]);
	if ((uid_t)syscall(SYS_setfsuid, -1) != c->uid[3])
		return -EPERM;
	int r = set_caps(c);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The same ruleset the child enforces: a domain with the same rules
	 * decides the same (nested domains of the child's own are refused,
	 * see sup_filter.c). */
	if (c->landlock_fd >= 0 && (r = landlock_enforce(c->landlock_fd)) < 0)
		return r;
	return 0;
}

struct as_caller_job {
	const struct sup_caller *caller;
	int (*fn)(void *arg);
	void *arg;
	int result;
};

static void *as_caller_thread(void *arg)
{
	struct as_caller_job *job = arg;
	int r = sup_caller_become(job->caller);
	job->result = r < 0 ? r : job->fn(job->arg);
	return NULL;
}

int sup_as_caller(const struct sup_caller *c, int (*fn)(void *arg), void *arg)
{
	struct as_caller_job job = {.caller = c, .fn = fn, .arg = arg, .result = -EPERM};
	pthread_t thread;
	int r = pthread_create(&thread, NULL, as_caller_thread, &job);
	if (r)
		return -r;
	pthread_join(thread, NULL);
	return job.result;
}

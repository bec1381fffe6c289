/* cgroup.c — creating a sandbox's cgroups, writing its limits, moving tasks
 * in, and removing it all. Never half-applied: a create that fails at any
 * step removes every directory it made and its registry entry, and names the
 * file and errno that failed.
 */
#include "layers/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "host/sysfile.h"
#include "layers/cgroup_internal.h"

#define CG_BIT(c) (1u << (c))
/* cpu.max and cpu.cfs_period_us: 100 ms periods, the kernel's default. */
#define CPU_PERIOD_US 100000

int cg_path(char *path, size_t size, const char *dir, const char *file)
{
	int n = snprintf(path, size, "%s/%s", dir, file);
	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int cg_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}

const struct cg_dir *cg_v2_dir(const struct cgroup_sandbox *cg)
{
	for (size_t i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].v2)
			return &cg->dirs[i];
	return NULL;
}

const struct cg_dir *cg_dir_of(const struct cgroup_sandbox *cg, enum cgroup_controller ctrl)
{
	for (size_t i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].ctrls & CG_BIT(ctrl))
			return &cg->dirs[i];
	return NULL;
}

/* The id becomes a directory name in several trees: no separators, no
 * dot-files, nothing a shell or a path walk would reinterpret. */
static bool valid_id(const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len > CG_ID_MAX || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static const enum cgroup_controller limit_controller[WARD_LIMIT_COUNT_] = {
	[WARD_LIMIT_MEMORY] = CG_CTRL_MEMORY,	[WARD_LIMIT_PIDS] = CG_CTRL_PIDS,
	[WARD_LIMIT_CPU_PERCENT] = CG_CTRL_CPU, [WARD_LIMIT_CPU_TIME] = CG_CTRL_COUNT_,
	[WARD_LIMIT_NOFILE] = CG_CTRL_COUNT_,	[WARD_LIMIT_TIMEOUT_MS] = CG_CTRL_COUNT_,
};

static int add_dir(struct cgroup_sandbox *cg, const char *root, bool v2, unsigned ctrls,
		   ward_error *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/ward/%s", root, cg->id);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ward_fail(err, -ENAMETOOLONG, "cgroup: path %.200s/ward/%s too long", root,
				 cg->id);
	/* v1 controllers mounted together (cpu,cpuacct) share one directory. */
	for (size_t i = 0; i < cg->ndirs; i++) {
		if (strcmp(cg->dirs[i].path, path) == 0) {
			cg->dirs[i].ctrls |= ctrls;
			return 0;
		}
	}
	struct cg_dir *d = &cg->dirs[cg->ndirs++];
	memcpy(d->path, path, (size_t)n + 1);
	d->v2 = v2;
	d->ctrls = ctrls;
	return 0;
}

/* Which directories the plan needs: the v2 one whenever the v2 tree is
 * usable (BPF attach point, cgroup id, cgroup.kill), one per v1 hierarchy
 * holding a limited controller, and on v1 the freezer and cpuacct too. */
static int plan_dirs(struct cgroup_sandbox *cg, const struct plan *plan,
		     const struct host_features *host, ward_error *err)
{
	unsigned wanted = 0;
	for (int l = 0; l < WARD_LIMIT_COUNT_; l++) {
		if (plan->limits[l].layer != LAYER_CGROUP || !plan->limits[l].set)
			continue;
		enum cgroup_controller c = limit_controller[l];
		if (c == CG_CTRL_COUNT_)
			return ward_fail(err, -EINVAL, "cgroup: limit %d has no cgroup controller",
					 l);
		const struct cgroup_controller_info *ci = &host->controllers[c];
		if (!ci->usable)
			return ward_fail(err, -EOPNOTSUPP,
					 "cgroup: the %s controller is unusable: %s",
					 cgroup_controller_name(c), ci->why);
		wanted |= CG_BIT(c);
	}
	/* v1 cpuacct and freezer only where the v2 directory cannot stand in
	 * (cpu.stat is in every v2 cgroup; cgroup.kill kills without freezing):
	 * each v1 directory costs a task migration, an RCU grace period, on
	 * every start. */
	for (enum cgroup_controller c = CG_CTRL_CPUACCT; c <= CG_CTRL_FREEZER; c++) {
		if (!host->controllers[c].usable || host->controllers[c].v2)
			continue;
		if (host->cgroup_v2_usable &&
		    (c == CG_CTRL_CPUACCT || (c == CG_CTRL_FREEZER && host->cgroup_kill)))
			continue;
		wanted |= CG_BIT(c);
	}

	int r;
	if (host->cgroup_v2_usable) {
		unsigned v2_ctrls = 0;
		for (int c = 0; c < CG_CTRL_COUNT_; c++)
			if (host->controllers[c].v2 && host->controllers[c].usable)
				v2_ctrls |= CG_BIT(c) & wanted;
		r = add_dir(cg, host->cgroup_v2_base, true, v2_ctrls, err);
		if (r < 0)
			return r;
	}
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		const struct cgroup_controller_info *ci = &host->controllers[c];
		if (!(wanted & CG_BIT(c)) || ci->v2)
			continue;
		r = add_dir(cg, ci->mount, false, CG_BIT(c), err);
		if (r < 0)
			return r;
	}
	if (cg->ndirs == 0)
		return ward_fail(err, -EOPNOTSUPP, "cgroup: no usable cgroup hierarchy: %s",
				 host->cgroup_v2_why);
	return 0;
}

static int write_file(const char *dir, const char *file, const char *value, ward_error *err)
{
	char path[PATH_MAX + 64];
	int r = cg_path(path, sizeof(path), dir, file);
	if (r == 0)
		r = sysfile_write(path, value);
	if (r < 0)
		return ward_fail_errno(err, r, "cgroup: writing '%s' to %s/%s", value, dir, file);
	return 0;
}

static bool has_file(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	return cg_path(path, sizeof(path), dir, file) == 0 && access(path, F_OK) == 0;
}

/* v2 controllers must be enabled in every ancestor's subtree_control, and
 * ward/ itself must stay free of processes ("no internal processes"). */
static int enable_v2_controllers(const char *parent, unsigned ctrls, ward_error *err)
{
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		if (!(ctrls & CG_BIT(c)) || c == CG_CTRL_CPUACCT || c == CG_CTRL_FREEZER)
			continue;
		char value[32];
		snprintf(value, sizeof(value), "+%s",
			 cgroup_controller_name((enum cgroup_controller)c));
		int r = write_file(parent, "cgroup.subtree_control", value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_dir(struct cgroup_sandbox *cg, const struct cg_dir *d, ward_error *err)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", d->path);
	*strrchr(parent, '/') = '\0';
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s", parent);
	*strrchr(root, '/') = '\0';

	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return ward_fail_errno(err, -errno, "cgroup: creating %s", parent);
	int r;
	if (d->v2 && ((r = enable_v2_controllers(root, d->ctrls, err)) < 0 ||
		      (r = enable_v2_controllers(parent, d->ctrls, err)) < 0))
		return r;
	if (mkdir(d->path, 0755) < 0)
		return ward_fail_errno(err, -errno, "cgroup: creating %s", d->path);
	return 0;
}

static int write_limit_u64(const struct cg_dir *d, const char *file, uint64_t value,
			   ward_error *err)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64, value);
	return write_file(d->path, file, text, err);
}

static int write_memory(const struct cg_dir *d, uint64_t bytes, ward_error *err)
{
	int r;
	if (d->v2) {
		r = write_limit_u64(d, "memory.max", bytes, err);
		/* Without swap.max=0 the limit would only bound RAM, not RAM+swap. */
		if (r == 0 && has_file(d->path, "memory.swap.max"))
			r = write_file(d->path, "memory.swap.max", "0", err);
		return r;
	}
	/* memsw must stay >= limit_in_bytes: set the RAM limit first. */
	r = write_limit_u64(d, "memory.limit_in_bytes", bytes, err);
	if (r == 0 && has_file(d->path, "memory.memsw.limit_in_bytes"))
		r = write_limit_u64(d, "memory.memsw.limit_in_bytes", bytes, err);
	return r;
}

static int write_cpu(const struct cg_dir *d, uint64_t percent, ward_error *err)
{
	uint64_t quota = percent * CPU_PERIOD_US / 100;
	if (d->v2) {
		char text[64];
		snprintf(text, sizeof(text), "%" PRIu64 " %d", quota, CPU_PERIOD_US);
		return write_file(d->path, "cpu.max", text, err);
	}
	int r = write_limit_u64(d, "cpu.cfs_period_us", CPU_PERIOD_US, err);
	return r < 0 ? r : write_limit_u64(d, "cpu.cfs_quota_us", quota, err);
}

static int write_limits(struct cgroup_sandbox *cg, const struct plan *plan, ward_error *err)
{
	for (int l = 0; l < WARD_LIMIT_COUNT_; l++) {
		if (plan->limits[l].layer != LAYER_CGROUP || !plan->limits[l].set)
			continue;
		const struct cg_dir *d = cg_dir_of(cg, limit_controller[l]);
		uint64_t value = plan->limits[l].value;
		int r;
		switch (l) {
		case WARD_LIMIT_MEMORY:
			r = write_memory(d, value, err);
			break;
		case WARD_LIMIT_PIDS:
			r = write_limit_u64(d, "pids.max", value, err);
			break;
		case WARD_LIMIT_CPU_PERCENT:
			r = write_cpu(d, value, err);
			break;
		default:
			r = ward_fail(err, -EINVAL, "cgroup: limit %d has no cgroup file", l);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static void remove_dirs(struct cgroup_sandbox *cg, size_t made)
{
	while (made-- > 0)
		rmdir(cg->dirs[made].path);
}

static int open_v2(struct cgroup_sandbox *cg, ward_error *err)
{
	const struct cg_dir *d = cg_v2_dir(cg);
	if (!d)
		return 0;
	cg->v2_fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->v2_fd < 0)
		return ward_fail_errno(err, -errno, "cgroup: opening %s", d->path);
	struct stat st;
	if (fstat(cg->v2_fd, &st) < 0)
		return ward_fail_errno(err, -errno, "cgroup: stat %s", d->path);
	/* kernfs inode numbers are the cgroup ids bpf_get_current_cgroup_id() returns. */
	cg->v2_id = st.st_ino;
	return 0;
}

int cgroup_sandbox_create(const char *sandbox_id, const struct plan *plan,
			  const struct host_features *host, struct cgroup_sandbox **out,
			  ward_error *err)
{
	*out = NULL;
	if (!valid_id(sandbox_id))
		return ward_fail(err, -EINVAL, "cgroup: invalid sandbox id '%.80s'", sandbox_id);
	_cleanup_free_ struct cgroup_sandbox *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return ward_fail(err, -ENOMEM, "cgroup: out of memory");
	snprintf(cg->id, sizeof(cg->id), "%s", sandbox_id);
	cg->v2_fd = -1;

	int r = plan_dirs(cg, plan, host, err);
	if (r < 0)
		return r;
	/* Registered before any directory exists: a ward killed midway leaves
	 * an entry that reclaim can finish, never an orphan cgroup. */
	r = cg_registry_add(cg, err);
	if (r < 0)
		return r;
	size_t made = 0;
	for (; made < cg->ndirs; made++) {
		r = make_dir(cg, &cg->dirs[made], err);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = write_limits(cg, plan, err);
	if (r == 0)
		r = open_v2(cg, err);
	if (r < 0) {
		if (cg->v2_fd >= 0)
			close(cg->v2_fd);
		remove_dirs(cg, made);
		cg_registry_remove(cg);
		return r;
	}
	*out = steal_ptr(cg);
	return 0;
}

static int attach_dirs(struct cgroup_sandbox *cg, pid_t pid, bool skip_v2, ward_error *err)
{
	char text[32];
	snprintf(text, sizeof(text), "%d", (int)pid);
	for (size_t i = 0; i < cg->ndirs; i++) {
		if (skip_v2 && cg->dirs[i].v2)
			continue;
		int r = write_file(cg->dirs[i].path, "cgroup.procs", text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_sandbox_attach(struct cgroup_sandbox *cg, pid_t pid, ward_error *err)
{
	return attach_dirs(cg, pid, false, err);
}

int cgroup_sandbox_attach_v1(struct cgroup_sandbox *cg, pid_t pid, ward_error *err)
{
	return attach_dirs(cg, pid, true, err);
}

int cgroup_sandbox_open_v1_tasks(struct cgroup_sandbox *cg, int *fds, size_t max, ward_error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < cg->ndirs; i++) {
		if (cg->dirs[i].v2)
			continue;
		char path[PATH_MAX + 16];
		int r = cg_path(path, sizeof(path), cg->dirs[i].path, "tasks");
		if (r == 0 && n >= max)
			r = -E2BIG;
		int fd = r == 0 ? open(path, O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0) {
			int e = r < 0 ? r : -errno;
			while (n > 0)
				close(fds[--n]);
			return ward_fail_errno(err, e, "cgroup: opening %s/tasks",
					       cg->dirs[i].path);
		}
		fds[n++] = fd;
	}
	return (int)n;
}

uint64_t cgroup_sandbox_v2_id(const struct cgroup_sandbox *cg)
{
	return cg ? cg->v2_id : 0;
}

size_t cgroup_sandbox_paths(const struct cgroup_sandbox *cg, char (*out)[PATH_MAX], size_t max)
{
	size_t n = 0;
	const struct cg_dir *v2 = cg ? cg_v2_dir(cg) : NULL;
	if (v2 && n < max)
		cg_copy(out[n++], PATH_MAX, v2->path);
	for (size_t i = 0; cg && i < cg->ndirs && n < max; i++)
		if (!cg->dirs[i].v2)
			cg_copy(out[n++], PATH_MAX, cg->dirs[i].path);
	return n;
}

int cgroup_sandbox_v2_fd(const struct cgroup_sandbox *cg)
{
	return cg ? cg->v2_fd : -1;
}

/* rmdir fails with EBUSY while killed tasks are still exiting. */
static int remove_dir_patiently(const char *path)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	for (int tries = 0; tries < 200; tries++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}

int cgroup_sandbox_destroy(struct cgroup_sandbox *cg)
{
	if (!cg)
		return 0;
	/* Proven empty already (the end of the run killed what was left, or
	 * found nothing): nothing inside is left to fork in, so each directory
	 * is removed at once, without listing both again (8 system calls); a
	 * directory still busy (a task put in from outside meanwhile) gets the
	 * full kill first, as without the proof. */
	bool quick = cg->proven_empty;
	int r = quick ? 0 : cgroup_sandbox_kill(cg);
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	bool all_removed = true;
	for (size_t i = cg->ndirs; i-- > 0;) {
		if (quick) {
			if (rmdir(cg->dirs[i].path) == 0 || errno == ENOENT)
				continue;
			if (errno == EBUSY) {
				quick = false;
				r = cgroup_sandbox_kill(cg);
			}
		}
		int rr = remove_dir_patiently(cg->dirs[i].path);
		if (rr < 0) {
			all_removed = false;
			if (r == 0)
				r = rr;
		}
	}
	/* A directory that would not go stays registered for a later reclaim. */
	if (all_removed)
		cg_registry_remove(cg);
	free(cg);
	return r;
}

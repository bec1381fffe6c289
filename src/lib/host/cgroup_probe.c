/* cgroup_probe.c — the cgroup part of the host probe: layout, the v2 mount,
 * each controller's hierarchy, and whether ward may create cgroups (root, or
 * a directory systemd delegated to this user). Reads only; the one write is
 * a probe cgroup created and removed at once to see cgroup.kill on a host
 * whose v2 tree has no child cgroup to look at.
 */
#include "host/cgroup_probe.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "host/probe_cache.h"
#include "host/sysfile.h"

static const char *const controller_names[CG_CTRL_COUNT_] = {
	[CG_CTRL_MEMORY] = "memory",   [CG_CTRL_PIDS] = "pids",	      [CG_CTRL_CPU] = "cpu",
	[CG_CTRL_CPUACCT] = "cpuacct", [CG_CTRL_FREEZER] = "freezer",
};

const char *cgroup_controller_name(enum cgroup_controller ctrl)
{
	if ((unsigned)ctrl >= CG_CTRL_COUNT_)
		return "?";
	return controller_names[ctrl];
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_mount_path(char *s)
{
	char *out = s;
	for (char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

static void set_why(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Through a function, so one field of F may be formatted into another. */
static void set_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

static bool list_has_word(const char *list, const char *word, const char *seps)
{
	size_t len = strlen(word);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, seps);
		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* Records one mountinfo line's cgroup or cgroup2 mount. Returns true when it
 * is a v1 hierarchy with a real controller (not a name=systemd one). */
static bool note_mount(struct host_features *f, char *line)
{
	char *sep = strstr(line, " - ");
	if (!sep)
		return false;
	*sep = '\0';
	char fstype[32], super_opts[512];
	if (sscanf(sep + 3, "%31s %*s %511s", fstype, super_opts) != 2)
		return false;
	char mount_point[PATH_MAX];
	if (sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1)
		return false;
	unescape_mount_path(mount_point);

	if (strcmp(fstype, "cgroup2") == 0) {
		if (!f->cgroup_v2_mount[0])
			snprintf(f->cgroup_v2_mount, sizeof(f->cgroup_v2_mount), "%s", mount_point);
		return false;
	}
	if (strcmp(fstype, "cgroup") != 0)
		return false;
	bool real_controller = false;
	char *save = NULL;
	for (char *tok = strtok_r(super_opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "rw") == 0 || strcmp(tok, "ro") == 0 || strchr(tok, '='))
			continue;
		real_controller = true;
		for (int c = 0; c < CG_CTRL_COUNT_; c++) {
			struct cgroup_controller_info *ci = &f->controllers[c];
			if (strcmp(tok, controller_names[c]) != 0 || ci->available)
				continue;
			ci->available = true;
			ci->v2 = false;
			snprintf(ci->mount, sizeof(ci->mount), "%s", mount_point);
		}
	}
	return real_controller;
}

/* The v2 path of this process ("/user.slice/..."), from "0::PATH". */
static int own_v2_path(char *out, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[PATH_MAX + 16];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		int n = snprintf(out, size, "%s", line + 3);
		return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

/* systemd delegates a cgroup by chowning it (and its cgroup.procs) to the
 * user: that is the only v2 tree a non-root ward may use. */
static void probe_v2_usable(struct host_features *f)
{
	if (!f->cgroup_v2_mount[0]) {
		snprintf(f->cgroup_v2_why, sizeof(f->cgroup_v2_why), "no cgroup2 mount");
		return;
	}
	if (f->root) {
		if (access(f->cgroup_v2_mount, W_OK) != 0) {
			set_why(f->cgroup_v2_why, sizeof(f->cgroup_v2_why),
				"%.100s is not writable: %s", f->cgroup_v2_mount, strerror(errno));
			return;
		}
		snprintf(f->cgroup_v2_base, sizeof(f->cgroup_v2_base), "%s", f->cgroup_v2_mount);
		f->cgroup_v2_usable = true;
		return;
	}
	char own[PATH_MAX], dir[PATH_MAX + 8];
	if (own_v2_path(own, sizeof(own)) < 0) {
		snprintf(f->cgroup_v2_why, sizeof(f->cgroup_v2_why),
			 "not root and no v2 entry in /proc/self/cgroup");
		return;
	}
	int n = snprintf(dir, sizeof(dir), "%s%s", f->cgroup_v2_mount, strcmp(own, "/") ? own : "");
	struct stat st;
	uid_t uid = geteuid();
	if (n > 0 && (size_t)n < sizeof(f->cgroup_v2_base) && stat(dir, &st) == 0 &&
	    st.st_uid == uid && access(dir, W_OK) == 0) {
		memcpy(f->cgroup_v2_base, dir, (size_t)n + 1);
		f->cgroup_v2_usable = true;
		return;
	}
	snprintf(f->cgroup_v2_why, sizeof(f->cgroup_v2_why),
		 "not root and %.100s not delegated to uid %u", dir, (unsigned)uid);
}

static void check_kill_freeze(struct host_features *f, const char *dir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	f->cgroup_kill = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	f->cgroup_freeze = access(path, F_OK) == 0;
}

/* cgroup.kill and cgroup.freeze exist only in non-root cgroups: look at one. */
static void probe_kill_freeze(struct host_features *f)
{
	if (!f->cgroup_v2_mount[0])
		return;
	if (strcmp(f->cgroup_v2_base, f->cgroup_v2_mount) != 0 && f->cgroup_v2_base[0]) {
		check_kill_freeze(f, f->cgroup_v2_base);
		return;
	}
	DIR *d = opendir(f->cgroup_v2_mount);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			char child[PATH_MAX + 256];
			snprintf(child, sizeof(child), "%s/%s", f->cgroup_v2_mount, de->d_name);
			check_kill_freeze(f, child);
			closedir(d);
			return;
		}
		closedir(d);
	}
	if (!f->cgroup_v2_usable)
		return;
	char probe[PATH_MAX + 32];
	snprintf(probe, sizeof(probe), "%s/ward-probe.%d", f->cgroup_v2_mount, (int)getpid());
	if (mkdir(probe, 0755) == 0) {
		check_kill_freeze(f, probe);
		rmdir(probe);
	}
}

static void probe_controller_usable(struct host_features *f, enum cgroup_controller c,
				    const char *base_controllers)
{
	struct cgroup_controller_info *ci = &f->controllers[c];
	const char *name = controller_names[c];
	if (!ci->available) {
		snprintf(ci->why, sizeof(ci->why), "no %s controller on a v1 mount or in %s", name,
			 f->cgroup_v2_mount[0] ? "cgroup.controllers" : "a v2 tree");
		return;
	}
	if (!ci->v2) {
		if (!f->root) {
			set_why(ci->why, sizeof(ci->why),
				"not root, and v1 hierarchy %.100s is not delegated", ci->mount);
			return;
		}
		if (access(ci->mount, W_OK) != 0) {
			set_why(ci->why, sizeof(ci->why), "%.100s is not writable: %s", ci->mount,
				strerror(errno));
			return;
		}
		ci->usable = true;
		return;
	}
	if (!f->cgroup_v2_usable) {
		set_why(ci->why, sizeof(ci->why), "%s", f->cgroup_v2_why);
		return;
	}
	/* cpu.stat and cgroup.freeze are core files of every v2 cgroup. */
	if (c == CG_CTRL_CPUACCT || c == CG_CTRL_FREEZER ||
	    list_has_word(base_controllers, name, " \n")) {
		ci->usable = true;
		return;
	}
	set_why(ci->why, sizeof(ci->why), "%s not in %.100s/cgroup.controllers", name,
		f->cgroup_v2_base);
}

/* ---- the cached part: what mountinfo said, per boot and mount namespace.
 * A cached answer is used only while it is still true: same mount
 * namespace (/proc/self/ns/mnt), and every cached mount point still the
 * root of the same cgroup superblock (device and inode; an unmount, a mount
 * stacked on top or another root shows as a miss). It is stored only when
 * a v2 tree was found: a controller no v1 mount held is then looked for on
 * the v2 tree live (its cgroup.controllers is read every start), so a
 * hierarchy mounted later can only be missed by calling a controller
 * unavailable (refused, or degraded when allowed), never by claiming one. */

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool mntns_id(uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	if (stat("/proc/self/ns/mnt", &st) < 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

/* Records PATH's identity when it is the root of a cgroup(2) mount now. */
static bool mount_note(struct probe_cached_mount *m, const char *path, long fs_magic)
{
	struct stat st;
	struct statfs sfs;
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(m->path) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    statfs(path, &sfs) < 0 || (long)sfs.f_type != fs_magic)
		return false;
	memcpy(m->path, path, len + 1);
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return true;
}

static bool mount_still_there(const struct probe_cached_mount *m)
{
	struct stat st;
	return m->path[0] == '/' && stat(m->path, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_dev == m->dev && st.st_ino == m->ino;
}

static bool mounts_from_cache(struct host_features *f, const struct probe_cached_cgroups *c,
			      bool *v1_mounted)
{
	uint64_t dev, ino;
	if (!c->valid || !mntns_id(&dev, &ino) || dev != c->mntns_dev || ino != c->mntns_ino ||
	    !mount_still_there(&c->v2))
		return false;
	for (int i = 0; i < CG_CTRL_COUNT_; i++)
		if (c->v1[i].path[0] && !mount_still_there(&c->v1[i]))
			return false;
	snprintf(f->cgroup_v2_mount, sizeof(f->cgroup_v2_mount), "%s", c->v2.path);
	for (int i = 0; i < CG_CTRL_COUNT_; i++) {
		struct cgroup_controller_info *ci = &f->controllers[i];
		if (!c->v1[i].path[0])
			continue;
		ci->available = true;
		ci->v2 = false;
		snprintf(ci->mount, sizeof(ci->mount), "%s", c->v1[i].path);
	}
	*v1_mounted = c->v1_mounted;
	return true;
}

/* Right after mountinfo was parsed, before the v2 controllers are added. */
static void mounts_to_cache(const struct host_features *f, struct probe_cached_cgroups *c,
			    bool v1_mounted)
{
	memset(c, 0, sizeof(*c));
	if (!f->root || !f->cgroup_v2_mount[0] || !mntns_id(&c->mntns_dev, &c->mntns_ino) ||
	    !mount_note(&c->v2, f->cgroup_v2_mount, CGROUP2_SUPER_MAGIC))
		return;
	c->v1_mounted = v1_mounted;
	for (int i = 0; i < CG_CTRL_COUNT_; i++) {
		const struct cgroup_controller_info *ci = &f->controllers[i];
		if (ci->available && !mount_note(&c->v1[i], ci->mount, CGROUP_SUPER_MAGIC)) {
			memset(c, 0, sizeof(*c));
			return;
		}
	}
	c->valid = true;
}

bool cgroup_probe(struct host_features *f, struct probe_cached_cgroups *cache)
{
	bool v1_mounted = false, from_cache = cache && mounts_from_cache(f, cache, &v1_mounted);
	bool stored = false;
	if (!from_cache) {
		_cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
		char line[4096];
		bool whole = mi != NULL;
		while (mi && fgets(line, sizeof(line), mi)) {
			whole &= strchr(line, '\n') != NULL;
			v1_mounted |= note_mount(f, line);
		}
		if (cache) {
			memset(cache, 0, sizeof(*cache));
			if (whole && !ferror(mi))
				mounts_to_cache(f, cache, v1_mounted);
			stored = true;
		}
	}

	char v2_controllers[512] = "";
	if (f->cgroup_v2_mount[0]) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/cgroup.controllers", f->cgroup_v2_mount);
		if (sysfile_read(path, v2_controllers, sizeof(v2_controllers)) < 0)
			v2_controllers[0] = '\0';
	}
	probe_v2_usable(f);
	/* Whether cgroup.kill and cgroup.freeze exist is the kernel's: per boot. */
	if (from_cache && cache->valid) {
		f->cgroup_kill = cache->kill;
		f->cgroup_freeze = cache->freeze;
	} else {
		probe_kill_freeze(f);
		if (cache && cache->valid) {
			cache->kill = f->cgroup_kill;
			cache->freeze = f->cgroup_freeze;
		}
	}

	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		struct cgroup_controller_info *ci = &f->controllers[c];
		if (ci->available || !f->cgroup_v2_mount[0])
			continue;
		bool on_v2;
		if (c == CG_CTRL_CPUACCT)
			on_v2 = true;
		else if (c == CG_CTRL_FREEZER)
			on_v2 = f->cgroup_freeze;
		else
			on_v2 = list_has_word(v2_controllers, controller_names[c], " \n");
		if (!on_v2)
			continue;
		ci->available = true;
		ci->v2 = true;
		snprintf(ci->mount, sizeof(ci->mount), "%s", f->cgroup_v2_mount);
	}

	char base_controllers[512] = "";
	if (f->cgroup_v2_usable && strcmp(f->cgroup_v2_base, f->cgroup_v2_mount) == 0) {
		memcpy(base_controllers, v2_controllers, sizeof(base_controllers));
	} else if (f->cgroup_v2_usable) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/cgroup.controllers", f->cgroup_v2_base);
		if (sysfile_read(path, base_controllers, sizeof(base_controllers)) < 0)
			base_controllers[0] = '\0';
	}
	for (int c = 0; c < CG_CTRL_COUNT_; c++)
		probe_controller_usable(f, (enum cgroup_controller)c, base_controllers);

	if (f->cgroup_v2_mount[0])
		f->cgroup_layout = v1_mounted ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V2;
	else
		f->cgroup_layout = v1_mounted ? CGROUP_LAYOUT_V1 : CGROUP_LAYOUT_NONE;
	return stored;
}

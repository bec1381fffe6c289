/* live_registry.c — the records of running sandboxes: one JSON file per
 * sandbox (<id>.json) and its denial counter (<id>.denials) in the owner's
 * runtime directory: /run/ward/live for root, $XDG_RUNTIME_DIR/ward/live or
 * /tmp/ward-<uid>/live for a user. A directory that is not the caller's own
 * (a symlink, another owner, group or world writable) is never written to
 * nor believed. A record is live only while its ward process is (same pid,
 * same start time); listing never trusts a record's paths for anything but
 * reading figures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/runtime_dir.h"
#include "host/sysfile.h"
#include "layers/cgroup.h"
#include "sandbox/live.h"
#include "sandbox/sandbox.h"

struct live_entry {
	int dir_fd;
	int denials_fd;
	char name[64]; /* "<id>.json" */
	char denials_name[64];
	uint64_t denials;
};

int live_process_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = sysfile_read(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* comm may hold spaces and parentheses: count fields after the last ')'. */
	char *p = strrchr(buf, ')');
	char state;
	if (!p || sscanf(p + 1,
			 " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %llu",
			 &state, start) != 2)
		return -EINVAL;
	return state == 'Z' || state == 'X' ? -ESRCH : 0;
}

pid_t live_process_parent(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (sysfile_read(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	int ppid;
	return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

bool live_process_owned_by(pid_t pid, uid_t uid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (sysfile_read(path, buf, sizeof(buf)) < 0)
		return false;
	char *line = strstr(buf, "\nUid:");
	unsigned long ids[4];
	if (!line || sscanf(line + 5, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (ids[i] != (unsigned long)uid)
			return false;
	return true;
}

bool live_process_matches(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	return pid > 0 && live_process_start(pid, &now) == 0 && now == start;
}

/* The caller's own records directory. */
static int own_dir(bool create)
{
	return runtime_dir_open("live", create);
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text);
	while (len) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

static json_object *record_of(struct ward_sandbox *sb, const char *name, char *const argv[])
{
	json_object *rec = json_object_new_object();
	unsigned long long ward_start = 0, pid_start = 0;
	live_process_start(getpid(), &ward_start);
	live_process_start(sb->pid, &pid_start);
	json_object_object_add(rec, "id", json_object_new_string(sb->id));
	if (name)
		json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "pid", json_object_new_int(sb->pid));
	json_object_object_add(rec, "pid_start", json_object_new_uint64(pid_start));
	json_object_object_add(rec, "ward_pid", json_object_new_int(getpid()));
	json_object_object_add(rec, "ward_start", json_object_new_uint64(ward_start));
	json_object_object_add(rec, "uid", json_object_new_int((int)geteuid()));
	json_object_object_add(rec, "started", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(rec, "pid_namespace",
			       json_object_new_boolean(sb->plan.ns_flags & WARD_NS_PID));
	json_object *args = json_object_new_array();
	for (size_t i = 0; argv[i]; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(rec, "argv", args);
	json_object *cgroups = json_object_new_array();
	char paths[8][PATH_MAX];
	size_t n = sb->cgroup ? cgroup_sandbox_paths(sb->cgroup, paths, 8) : 0;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(cgroups, json_object_new_string(paths[i]));
	json_object_object_add(rec, "cgroups", cgroups);
	return rec;
}

void live_publish(struct ward_sandbox *sb, const char *name, char *const argv[])
{
	int dir = own_dir(true);
	if (dir < 0)
		return;
	struct live_entry *e = calloc(1, sizeof(*e));
	if (!e) {
		close(dir);
		return;
	}
	e->dir_fd = dir;
	snprintf(e->name, sizeof(e->name), "%s.json", sb->id);
	snprintf(e->denials_name, sizeof(e->denials_name), "%s.denials", sb->id);
	e->denials_fd = openat(dir, e->denials_name,
			       O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);

	json_object *rec = record_of(sb, name, argv);
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.tmp", e->name);
	int fd = openat(dir, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0 &&
		  write_all(fd, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN)) == 0;
	if (fd >= 0)
		close(fd);
	/* rename() makes the record appear whole or not at all. */
	if (!ok || renameat(dir, tmp, dir, e->name) < 0)
		unlinkat(dir, tmp, 0);
	json_object_put(rec);
	/* The supervisor and BPF threads read it to count denials. */
	__atomic_store_n(&sb->live, e, __ATOMIC_RELEASE);
}

void live_count_denial(struct ward_sandbox *sb)
{
	struct live_entry *e = sb ? __atomic_load_n(&sb->live, __ATOMIC_ACQUIRE) : NULL;
	if (!e || e->denials_fd < 0)
		return;
	uint64_t n = __atomic_add_fetch(&e->denials, 1, __ATOMIC_RELAXED);
	char text[24];
	int len = snprintf(text, sizeof(text), "%-20" PRIu64 "\n", n);
	(void)!pwrite(e->denials_fd, text, (size_t)len, 0);
}

void live_unpublish(struct ward_sandbox *sb)
{
	struct live_entry *e = sb->live;
	if (!e)
		return;
	unlinkat(e->dir_fd, e->name, 0);
	unlinkat(e->dir_fd, e->denials_name, 0);
	if (e->denials_fd >= 0)
		close(e->denials_fd);
	close(e->dir_fd);
	free(e);
	sb->live = NULL;
}

/* Opens NAME in DIR for reading when it is a regular file: a FIFO (or a
 * device) planted by whoever can write the directory would block or
 * misbehave `ward ps`, root's included. */
static int open_regular(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

static json_object *read_record(int dir, const char *name)
{
	int fd = open_regular(dir, name);
	if (fd < 0)
		return NULL;
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	json_object *rec = json_tokener_parse(buf);
	if (rec && !json_object_is_type(rec, json_type_object)) {
		json_object_put(rec);
		return NULL;
	}
	return rec;
}

static uint64_t get_u64(json_object *rec, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(rec, key, &v) ? json_object_get_uint64(v) : 0;
}

/* Adds the records of the directory DIR (owned by OWNER) to OUT. */
static void collect_dir(int dir, uid_t owner, json_object *out)
{
	int scan = dup(dir);
	DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
	if (!d) {
		if (scan >= 0)
			close(scan);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		json_object *rec = read_record(dir, de->d_name);
		if (!rec)
			continue;
		pid_t ward = (pid_t)get_u64(rec, "ward_pid");
		/* The ward process must be the directory owner's own: a user's
		 * forged record naming root's processes (say init and one of its
		 * children) would otherwise make root's `ward kill` hit them. */
		if (!live_process_matches(ward, get_u64(rec, "ward_start")) ||
		    get_u64(rec, "uid") != owner || !live_process_owned_by(ward, owner)) {
			/* Its ward is gone (or never was): a leftover, removed by its owner. */
			if (owner == geteuid()) {
				char denials[300];
				snprintf(denials, sizeof(denials), "%.*s.denials", (int)(len - 5),
					 de->d_name);
				unlinkat(dir, de->d_name, 0);
				unlinkat(dir, denials, 0);
			}
			json_object_put(rec);
			continue;
		}
		char denials_name[300], text[32];
		snprintf(denials_name, sizeof(denials_name), "%.*s.denials", (int)(len - 5),
			 de->d_name);
		int fd = open_regular(dir, denials_name);
		uint64_t denials = 0;
		if (fd >= 0) {
			ssize_t n = read(fd, text, sizeof(text) - 1);
			if (n > 0) {
				text[n] = '\0';
				denials = strtoull(text, NULL, 10);
			}
			close(fd);
		}
		json_object_object_add(rec, "denials", json_object_new_uint64(denials));
		json_object_array_add(out, rec);
	}
	closedir(d);
}

/* root also sees every user's records, where the directory is that user's. */
static void collect_users(json_object *out)
{
	char pattern[PATH_MAX];
	for (size_t p = 0; runtime_dir_users_glob(p, "live", pattern, sizeof(pattern)) == 0; p++) {
		glob_t g;
		if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int fd = open(g.gl_pathv[i],
				      O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid != 0 &&
			    runtime_dir_is_owned(fd, st.st_uid))
				collect_dir(fd, st.st_uid, out);
			if (fd >= 0)
				close(fd);
		}
		globfree(&g);
	}
}

int live_records(json_object **out, ward_error *err)
{
	json_object *list = json_object_new_array();
	if (!list)
		return ward_fail(err, -ENOMEM, "out of memory");
	int dir = own_dir(false);
	if (dir >= 0) {
		collect_dir(dir, geteuid(), list);
		close(dir);
	}
	if (geteuid() == 0)
		collect_users(list);
	*out = list;
	return 0;
}
